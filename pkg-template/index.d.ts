// Types of every entry of @apothic/image (Node.js, browsers, Cloudflare Workers, "./web").
// `Image`, the option and spec types and `ErrorCode` are generated from the Rust types
// (apothic_image.d.ts); this file adds the error class and `init`.

// `Image` is disposable (`using image = Image.debianSlim()`), which needs `Symbol.dispose`.
/// <reference lib="esnext.disposable" />

export { Image, canonicalJsonOf } from "./apothic_image.js";
export type {
  Base,
  DebianSlimOptions,
  DockerfileOptions,
  EnvValue,
  EnvValues,
  ErrorCode,
  ImageSpec,
  LocalDirOptions,
  PipOptions,
  PyprojectOptions,
  RegistryOptions,
  Step,
  StringList,
  UvPipOptions,
} from "./apothic_image.js";

import type { ErrorCode } from "./apothic_image.js";

/** Where an `ApothicError` applies, besides its message. */
export interface ApothicErrorDetails {
  /** Stable identifier of the kind of failure. */
  code: ErrorCode;
  /** Path of the offending argument: `packages[1]`, `values.PATH`, `steps[3].commands[0]`. */
  argument?: string;
  /** The file the error is in (a Dockerfile, requirements file, …). */
  file?: string;
  /** 1-based line in `file` (or in the `withDockerfile` contents). */
  line?: number;
  /** 1-based column on `line`. */
  column?: number;
}

/**
 * What every method of `Image` throws on bad input: a real `Error` with `name` "ApothicError",
 * a stable `code`, a message that says what to do, and where it applies. Errors thrown by the
 * WebAssembly core are plain `Error` objects with these own properties; `instanceof
 * ApothicError` recognises them by their name.
 */
export declare class ApothicError extends Error {
  constructor(message: string, details: ApothicErrorDetails);
  name: "ApothicError";
  /** Stable identifier of the kind of failure (see the README's table). */
  readonly code: ErrorCode;
  /** Path of the offending argument: `packages[1]`, `values.PATH`, `steps[3].commands[0]`. */
  readonly argument?: string;
  /** The file the error is in. */
  readonly file?: string;
  /** 1-based line. */
  readonly line?: number;
  /** 1-based column. */
  readonly column?: number;
  /** True for any `Error` named "ApothicError", wherever it was made. */
  static [Symbol.hasInstance](value: unknown): value is ApothicError;
}

/**
 * The instance type of a global class when the project's libs declare it (`URL`, `Request`,
 * `Response`, `WebAssembly.Module`), and `never` otherwise, so these types need neither the DOM
 * lib nor @types/node.
 */
type InstanceOfGlobal<T> = T extends { prototype: infer I } ? I : never;
type GlobalScope = typeof globalThis;
type URLLike = GlobalScope extends { URL: infer C } ? InstanceOfGlobal<C> : never;
type RequestLike = GlobalScope extends { Request: infer C } ? InstanceOfGlobal<C> : never;
type ResponseLike = GlobalScope extends { Response: infer C } ? InstanceOfGlobal<C> : never;
type WasmModule = GlobalScope extends { WebAssembly: { Module: infer C } } ? InstanceOfGlobal<C> : never;

/** Where `init` can load the WebAssembly module from: a URL, a fetch `Response`, a compiled module or the bytes. */
export type InitInput = string | URLLike | RequestLike | ResponseLike | ArrayBuffer | ArrayBufferView | WasmModule;

/**
 * Loads the WebAssembly module. Browsers must `await init()` once before using `Image`
 * (by default it fetches `apothic_image_bg.wasm` from beside the package's `browser.js`; pass a
 * URL, a `Response`, a compiled `WebAssembly.Module` or the bytes to load it from elsewhere).
 * In Node.js and Cloudflare Workers the module is ready at import and `init()` resolves at once.
 */
export declare function init(input?: InitInput | Promise<InitInput>): Promise<void>;
export default init;

// Only the declarations marked `export` above are the package's (the helper types are not).
export {};
