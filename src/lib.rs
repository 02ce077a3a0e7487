//! `apothic-image`: the core of `@apothic/image`. Compose container images with an immutable
//! builder ([`Image`]), render Dockerfiles that real engines build ([`Image::dockerfile`]), and
//! hash specs reproducibly ([`Image::definition_hash`]). The core is pure Rust with no wasm types;
//! the bindings live in `wasm` behind the `wasm` feature.
//!
//! The modules are layered, lowest first: [`error`], [`limits`] and sorting (the floor);
//! [`formats`]; [`spec`]; [`render`] and [`hash`]; the builder ([`Image`]); [`resolve`]; `wasm`.
//! A module uses only the layers below it and names the module it uses, never this root's
//! re-exports (ARCHITECTURE.md §2; `tests/layers.rs` checks it).
//!
//! ```
//! use apothic_image::{DebianSlimOptions, Image, PipOptions};
//!
//! let base = Image::debian_slim(&DebianSlimOptions {
//!     python_version: Some("3.12".into()),
//!     ..DebianSlimOptions::default()
//! })?;
//! let image = base
//!     .apt_install(&["git"])?
//!     .pip_install(&["pandas", "numpy>=2"], &PipOptions::default())?
//!     .env(&[("GREETING", "it's $HOME")])?;
//! assert_eq!(
//!     image.dockerfile()?,
//!     "FROM python:3.12-slim-trixie\n\
//!      RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*\n\
//!      RUN python -m pip install --no-cache-dir 'numpy>=2' pandas\n\
//!      ENV GREETING='it'\"'\"'s $HOME'\n"
//! );
//! assert!(image.definition_hash().starts_with("sha256:"));
//! // The receiver never changes: `base` still has no steps.
//! assert!(base.is_empty());
//! # Ok::<(), apothic_image::Error>(())
//! ```

#![deny(missing_docs)]

pub mod diff;
pub mod error;
pub mod formats;
pub mod hash;
mod image;
pub mod limits;
pub mod lint;
pub mod render;
pub mod resolve;
mod sorting;
pub mod spec;

pub use error::{Error, ErrorCode, Position, Result};
pub use image::{DebianSlimOptions, DockerfileOptions, Image, RegistryOptions, UvPipOptions};
pub use lint::{Finding, Fix, Severity};
pub use spec::defaults::{DEFAULT_DOCKERFILE_BASE, DEFAULT_PYTHON_VERSION, DEFAULT_UV_VERSION};
pub use spec::{Base, ImageSpec, PipOptions, Step, SPEC_VERSION};

/// The wasm-bindgen bindings (the JavaScript API of `@apothic/image`); only with the `wasm`
/// feature on wasm32.
#[cfg(feature = "wasm")]
pub mod wasm;
