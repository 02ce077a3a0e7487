// CommonJS TypeScript (compiled to require() calls) using the package and its runtime.
import { ApothicError, Image, init, type ImageSpec } from "@apothic/image";
import type { EnsureOptions } from "@apothic/image/runtime";
import initDefault = require("@apothic/image");

const image: Image = Image.debianSlim({ pythonVersion: "3.12" }).pipInstall(["numpy"]);
const spec: ImageSpec = image.toSpec();
const hash: string = image.definitionHash();
const ready: Promise<void> = init();
const options: EnsureOptions | undefined = undefined;
const same: typeof Image = initDefault.Image;
export const used = [spec, hash, ready, options, same, ApothicError];
