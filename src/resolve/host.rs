//! What resolution asks of the host: files, folders, Python modules, base images and published
//! derived images. The host is the program around the package (Node's file system, a browser's
//! dropped files, a Worker's request body); the core only ever sees these calls.

use serde::{Deserialize, Serialize};

use crate::error::Result;

/// What a folder entry is. Symlinks are reported as such and never followed (see
/// [`crate::resolve`]: a symlink in a copied folder is an error that names it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A folder.
    Dir,
    /// A symbolic link.
    Symlink,
}

/// One entry of a folder listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct DirEntry {
    /// The entry's name (one path segment).
    pub name: String,
    /// File, folder or symlink.
    pub kind: EntryKind,
    /// Size in bytes (files).
    #[serde(default)]
    pub size: u64,
    /// Unix permission bits; `0o644` when the host does not say.
    #[serde(default = "default_mode")]
    pub mode: u32,
}

/// The mode of an entry whose listing gives none.
pub(crate) fn default_mode() -> u32 {
    0o644
}

/// Where a Python module's source is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct PythonModule {
    /// A `.py` file, or the package's folder.
    pub path: String,
    /// True for a package (a folder).
    pub is_package: bool,
}

/// What the host knows about a base image.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct ImageInspection {
    /// Content digest of the image (`sha256:…`), part of the image hash when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub digest: Option<String>,
    /// `linux`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub os: Option<String>,
    /// `amd64` / `x86_64`, `arm64` / `aarch64`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub arch: Option<String>,
    /// `glibc` or `musl`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub libc: Option<String>,
    /// Path of the image's `python3`, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub python_path: Option<String>,
    /// Its version (`3.12.7`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub python_version: Option<String>,
}

/// The host callbacks. Paths are the ones the spec names (relative paths resolve as the host
/// decides, e.g. against `nodeHost`'s root). Optional callbacks return `Ok(None)` when the host
/// does not have them; resolution then fails with an error naming the callback only if it
/// needs it.
#[allow(async_fn_in_trait)]
pub trait Host {
    /// The bytes of a file.
    async fn read_file(&self, path: &str) -> Result<Vec<u8>>;
    /// The bytes of a file that is read whole, failing with `FILE_TOO_LARGE` past `max` bytes
    /// (see [`crate::limits`]). The default reads the file, then checks; a host that sees the
    /// size before it copies the bytes (the JavaScript host) refuses first.
    async fn read_file_at_most(&self, path: &str, max: u64) -> Result<Vec<u8>> {
        let bytes = self.read_file(path).await?;
        crate::limits::check_file_size(path, bytes.len() as u64, max)?;
        Ok(bytes)
    }
    /// The entries of a folder (any order).
    async fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>>;
    /// `sha256:` + hex of a file's contents, hashed in bounded memory (natively, or in chunks).
    /// `size` is the size its folder listing gave (for progress reports).
    async fn digest_file(&self, path: &str, size: u64) -> Result<String>;
    /// Where a Python module's source is; `None` when the host has no such callback.
    async fn resolve_python_module(&self, name: &str) -> Result<Option<PythonModule>>;
    /// What is known about a base image; `None` when the host has no such callback.
    async fn inspect_image(&self, reference: &str) -> Result<Option<ImageInspection>>;
    /// A published derived image for an image hash; `None` when unknown or no callback.
    async fn lookup_derived(&self, image_hash: &str) -> Result<Option<String>>;
}
