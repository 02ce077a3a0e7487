// The variadic forms of the list methods (the reference's `*args`), as a user writes them: this
// file must type-check under the strict tsconfig.json against the packed package, and each
// `@ts-expect-error` line must be an error.
import { Image, type PipOptions, type UvPipOptions } from "@apothic/image";

const base = Image.debianSlim({ pythonVersion: "3.12", buildTools: true });
const pipOptions: PipOptions = { indexUrl: "https://download.pytorch.org/whl/cpu" };
const uvOptions: UvPipOptions = { uvVersion: "0.13.9" };
const packages: string[] = ["numpy", "pandas"];

// Separate strings, and the array forms beside them.
export const image: Image = base
  .aptInstall("git", "curl")
  .aptInstall(["git", "curl"])
  .aptInstall()
  .pipInstall("numpy", "pandas")
  .pipInstall("numpy", "pandas", { indexUrl: "https://download.pytorch.org/whl/cpu" })
  .pipInstall("numpy", pipOptions)
  .pipInstall("numpy", undefined)
  .pipInstall(["numpy", "pandas"], pipOptions)
  .pipInstall(...packages)
  .pipInstall(...packages, pipOptions)
  .uvPipInstall("torch==2.7.1", "transformers", { indexUrl: "https://download.pytorch.org/whl/cu126" })
  .uvPipInstall("torch==2.7.1", "transformers", uvOptions)
  .uvPipInstall("ruff")
  .uvPipInstall(["ruff"], uvOptions)
  .runCommands("echo a", "echo b")
  .runCommands(["echo a", "echo b"])
  .entrypoint([])
  .cmd(["python", "-m", "app"])
  .copyLocalPythonSource("app", "lib")
  .copyLocalPythonSource(["app"])
  .addLocalPythonSource("app", "lib")
  .addLocalPythonSource("app");

// What the run-time check refuses, refused by the types first.
// @ts-expect-error a number among separate strings
base.aptInstall("git", 1);
// @ts-expect-error the options object must come last
base.pipInstall({ pre: true }, "numpy");
// @ts-expect-error nothing may follow the options
base.pipInstall("numpy", { pre: true }, "pandas");
// @ts-expect-error an array and then more strings
base.pipInstall(["numpy"], "pandas");
// @ts-expect-error uv's options are not pip's (`uvVersion` is uv's only)
base.pipInstall("numpy", { uvVersion: "0.13.9" });
// @ts-expect-error apt takes no options
base.aptInstall("git", { pre: true });
// @ts-expect-error runCommands takes no options
base.runCommands("echo a", {});
// @ts-expect-error entrypoint takes one array (exec form), as Modal's does
base.entrypoint("python", "-m", "app");
// @ts-expect-error cmd takes one array
base.cmd("serve");
// @ts-expect-error workdir takes one path
base.workdir("/app", "/src");
// @ts-expect-error env takes one object
base.env({ A: "1" }, { B: "2" });
// @ts-expect-error debianSlim takes one options object
Image.debianSlim({}, 2);
