// The first evaluation, once the evaluator is ready: the saved files, then the spec of a shared link,
// or else the saved code, or else the starter image.

import { decodeSpec } from "../share.ts";
import type { Actions } from "./actions.ts";
import { send } from "./channel.ts";
import type { Flow } from "./flow.ts";
import { toast } from "./status.ts";
import { restoreFiles, savedCode } from "./storage.ts";
import type { Views } from "./views.ts";

const STARTER = `import { Image } from "@apothic/image";

export const image = Image.debianSlim({ pythonVersion: "3.12" })
  .aptInstall(["git"])
  .pipInstall(["numpy>=2", "pandas"])
  .env({ APP_ENV: "production" });
`;

/** Restores the files and loads the image to start with. */
export async function start({ files, codeView }: Views, flow: Flow, actions: Actions) {
  restoreFiles(files);
  send({ type: "files", payload: files.payload() });
  let fromLink: string | null = null;
  try {
    fromLink = await decodeSpec(location.hash);
  } catch (e) {
    toast(`Could not open the link: ${(e as Error).message}`, "error");
  }
  if (fromLink !== null) {
    const ok = await actions.loadSpec(fromLink, "Opened the shared spec (add your files to resolve it)");
    history.replaceState(null, "", location.pathname + location.search);
    if (ok) return;
  }
  codeView.setText(savedCode() ?? STARTER);
  flow.evalNow("load");
}
