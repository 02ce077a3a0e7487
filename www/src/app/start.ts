// The first evaluation, once the evaluator is ready: the saved files, then the spec of a shared link,
// or else the saved code, or else the starter image.

import { send } from "./channel.ts";
import type { Flow } from "./flow.ts";
import type { Links } from "./links.ts";
import { restoreFiles, savedCode } from "./storage.ts";
import type { Views } from "./views.ts";

const STARTER = `import { Image } from "@apothic/image";

export const image = Image.debianSlim({ pythonVersion: "3.12" })
  .aptInstall(["git"])
  .pipInstall(["numpy>=2", "pandas"])
  .env({ APP_ENV: "production" });
`;

/** Restores the files and loads the image to start with. */
export async function start({ files, codeView }: Views, flow: Flow, links: Links) {
  restoreFiles(files);
  send({ type: "files", payload: files.payload() });
  if (await links.openFromAddress(true)) return;
  codeView.setText(savedCode() ?? STARTER);
  flow.evalNow("load");
}
