// The package's types as a user meets them: this file must type-check under `strict` (and
// `exactOptionalPropertyTypes`) against the packed package, and each `@ts-expect-error` line must
// be an error (an unused `@ts-expect-error` fails the check too).
import init, {
  ApothicError,
  Image,
  canonicalJsonOf,
  type ApothicErrorDetails,
  type Base,
  type ErrorCode,
  type ImageSpec,
  type PipOptions,
  type Step,
  type UvPipOptions,
} from "@apothic/image";
import { init as webInit, Image as WebImage } from "@apothic/image/web";

await init();
await webInit(new URL("https://example.com/apothic_image_bg.wasm"));
await webInit(new Uint8Array([0, 97, 115, 109]));
await webInit(fetch("https://example.com/apothic_image_bg.wasm"));
const sameClass: typeof Image = WebImage;

// Constructors: options are optional, and so is every option.
const base: Image = Image.debianSlim();
Image.debianSlim({});
Image.debianSlim({ pythonVersion: "3.12" });
Image.fromRegistry("python:3.12");
Image.fromRegistry("ghcr.io/org/app:1", { prebuilt: true });
Image.fromDockerfile("docker/Dockerfile");
Image.fromDockerfile("docker/Dockerfile", { base: "python:3.12-slim" });
Image.fromDockerfile("docker/Dockerfile", { contextDir: "." });

// Builder methods: a single string or an array where a list is taken; options last.
const pipOptions: PipOptions = { indexUrl: "https://download.pytorch.org/whl/cpu", pre: true };
const uvOptions: UvPipOptions = { uvVersion: "0.13.9", extraOptions: "--no-build-isolation" };
const image: Image = base
  .aptInstall(["git", "curl"])
  .aptInstall("make")
  .pipInstall(["numpy>=2", "pandas"])
  .pipInstall("torch", pipOptions)
  .uvPipInstall(["httpx"], uvOptions)
  .uvPipInstall("rich")
  .pipInstallFromRequirements("requirements.txt")
  .pipInstallFromRequirements("requirements.txt", { findLinks: "/wheels" })
  .uvPipInstallFromRequirements("requirements.txt", { uvVersion: "0.13.9" })
  .pipInstallFromPyproject("pyproject.toml", { optionalDependencies: ["dev", "test"] })
  .pipInstallFromPyproject("pyproject.toml")
  .uvPipInstallFromPyproject("pyproject.toml", { optionalDependencies: "dev", uvVersion: "0.13.9" })
  .env({ GREETING: "hello", WORKERS: 4, DEBUG: false })
  .envFile(".env")
  .runCommands("echo hello")
  .runCommands(["echo a", "echo b"])
  .commandShell("/bin/bash -euo pipefail -c")
  .commandShell(null)
  .workdir("/app")
  .withDockerfile("EXPOSE 8000")
  .copyLocalFile("config.yaml")
  .copyLocalFile("config.yaml", "/etc/app/")
  .copyLocalDir("src", "/app/src", { ignore: ["**/*.pyc", "!keep.pyc"] })
  .copyLocalDir("src")
  .copyLocalPythonSource("app")
  .addLocalFile("data.csv")
  .addLocalFile("data.csv", "/data/")
  .addLocalDir("static", undefined, { ignore: "*.tmp" })
  .addLocalDir("static")
  .addLocalPythonSource(["app", "lib.util"]);

// Results.
const spec: ImageSpec = image.toSpec();
const version: number = spec.version;
const baseOp: Base["op"] = spec.base.op;
const again: Image = Image.fromSpec(spec);
const dockerfile: string = again.dockerfile();
const hash: string = again.definitionHash();
const canonical: string = again.canonicalJson();
const canonicalToo: string = canonicalJsonOf(spec);
const steps: number = again.length;
again.free();

// Spec steps are a discriminated union on `op`.
function describeStep(step: Step): string {
  switch (step.op) {
    case "pipInstall":
      return step.packages.join(" ") + (step.options.indexUrl ?? "");
    case "env":
      return Object.entries(step.values).map(([k, v]) => `${k}=${v.toUpperCase()}`).join(" ");
    case "commandShell":
      return step.shell === null ? "/bin/sh -c" : step.shell.join(" ");
    case "workdir":
      return step.path;
    default:
      return step.op;
  }
}
spec.steps.map(describeStep);
if (spec.base.op === "fromRegistry") {
  const normalized: string = spec.base.normalized;
  const prebuilt: boolean = spec.base.prebuilt;
  void [normalized, prebuilt];
}

// Errors.
try {
  image.pipInstall(["-e ."]);
} catch (e) {
  if (e instanceof ApothicError) {
    const code: ErrorCode = e.code;
    const argument: string | undefined = e.argument;
    const file: string | undefined = e.file;
    const line: number | undefined = e.line;
    const column: number | undefined = e.column;
    const message: string = e.message;
    const name: "ApothicError" = e.name;
    if (e.code === "INVALID_PACKAGE" || e.code === "INVALID_ARGUMENT") void 0;
    void [code, argument, file, line, column, message, name];
  }
}
const details: ApothicErrorDetails = { code: "INVALID_PACKAGE", argument: "packages[0]" };
const made: Error = new ApothicError("bad package", details);

// ---- calls that must not type-check ------------------------------------------------------
// @ts-expect-error a number is not a package
base.pipInstall(42);
// @ts-expect-error an array of numbers is not a package list
base.aptInstall([1, 2]);
// @ts-expect-error unknown option key (a typo of `pre`)
base.pipInstall("x", { prerelease: true });
// @ts-expect-error unknown option key on a constructor
Image.debianSlim({ python: "3.12" });
// @ts-expect-error option of the wrong type
Image.fromRegistry("python:3.12", { prebuilt: "yes" });
// @ts-expect-error uvVersion is not a pip option
base.pipInstall("x", { uvVersion: "0.13.9" });
// @ts-expect-error missing argument
base.workdir();
// @ts-expect-error missing argument
Image.fromRegistry();
// @ts-expect-error env values are strings, numbers or booleans, not objects
base.env({ A: { nested: true } });
// @ts-expect-error env values cannot be null
base.env({ A: null });
// @ts-expect-error commandShell takes a string or null
base.commandShell(["/bin/bash"]);
// @ts-expect-error wrong spec op
Image.fromSpec({ version: 1, base: { op: "debianSlim", pythonVersion: "3.12" }, steps: [{ op: "rmRf" }] });
// @ts-expect-error a spec step missing its fields
Image.fromSpec({ version: 1, base: { op: "debianSlim", pythonVersion: "3.12" }, steps: [{ op: "pipInstall" }] });
// A spec's JSON text is a spec too (checked when it is read).
Image.fromSpec('{"version": 1, "base": {"op": "debianSlim"}}');
// @ts-expect-error a spec is not a number
Image.fromSpec(5);
// @ts-expect-error the constructor is private: use a static constructor
new Image();
// @ts-expect-error not an error code
const badCode: ErrorCode = "NOT_A_CODE";
// @ts-expect-error dockerfile() returns a string, not an Image
const notImage: Image = base.dockerfile();
// @ts-expect-error ApothicError needs its details
new ApothicError("message");

export { sameClass, version, baseOp, dockerfile, hash, canonical, canonicalToo, steps, made, badCode, notImage };
