//! The wasm-bindgen bindings, and only the bindings: the JavaScript `Image` class with the
//! TypeScript names of docs/api.md, argument conversion (`Ts<T>` from tsify at the boundary, so bad
//! input is an ordinary `Result`), and errors as real JS `Error` objects. No logic lives here.

mod diff;
mod errors;
mod host;
mod image;
mod lint;
mod resolve;
mod types;

pub use image::{canonical_json_of, JsImage};
pub use types::{EnvValue, EnvValues, LocalDirOptions, PyprojectOptions, StringList, UvPipOptions};
