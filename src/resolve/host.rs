//! What resolution asks of the host: files, folders, Python modules, base images and published
//! derived images. The host is the program around the package (Node's file system, a browser's
//! dropped files, a Worker's request body); the core only ever sees these calls.

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCode, Quoted, Result};
use crate::limits::{budget_exceeded, ENTRY_BYTES};

/// What a folder entry is. Symlinks are reported as such and never followed (a symlink in a
/// copied folder is left out, with a `SYMLINK_SKIPPED` diagnostic that names it).
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
#[serde(rename_all = "camelCase", deny_unknown_fields)]
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
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PythonModule {
    /// A `.py` file, or the package's folder.
    pub path: String,
    /// True for a package (a folder).
    pub is_package: bool,
}

/// What the host knows about a base image.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
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
    /// The image config's environment, `NAME=value` entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub env: Option<Vec<String>>,
    /// The image config's working directory (absolute).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub workdir: Option<String>,
    /// The image config's user (`name`, `uid`, `uid:gid`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub user: Option<String>,
    /// The image config's entrypoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub entrypoint: Option<Vec<String>>,
    /// The image config's command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub cmd: Option<Vec<String>>,
    /// Set when a layer that could hold what is not known (Python, libc) was not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub layers_unread: Option<LayersUnread>,
}

/// Why an inspection did not read every layer it needed, and the first layer left unread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LayersUnread {
    /// `compression` (zstd and other compressions the host cannot read), `mediaType` (a layer
    /// type it does not know) or `budget` (its byte budget was spent).
    pub reason: String,
    /// The layer's digest (`sha256:…`).
    pub digest: String,
    /// The layer's media type.
    pub media_type: String,
}

/// The most one folder listing may hold: what is left of a walk's entry and path-byte limits
/// and of the call's byte budget. Hosts check it before they copy a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListingLimit {
    /// Entries the listing may hold (`FOLDER_TOO_LARGE` past it).
    pub entries: u64,
    /// Bytes its names may add up to (`FOLDER_TOO_LARGE` past it).
    pub name_bytes: u64,
    /// Bytes it may cost against the call's budget, its names plus
    /// [`ENTRY_BYTES`] an entry (`RESOLVE_TOO_LARGE` past it).
    pub budget: u64,
    /// The call's whole budget (`maxBytes`), for the message.
    pub max_bytes: u64,
}

impl ListingLimit {
    /// No limit.
    pub const NONE: ListingLimit = ListingLimit {
        entries: u64::MAX,
        name_bytes: u64::MAX,
        budget: u64::MAX,
        max_bytes: u64::MAX,
    };

    /// Fails when a listing of `path` with `entries` entries whose names add up to `name_bytes`
    /// bytes is past the limit. A host may call it as it goes: with the listing's length and no
    /// names first, then with the names so far (counting the next one before it copies it).
    pub fn check(&self, path: &str, entries: u64, name_bytes: u64) -> Result<()> {
        let too_large = |what: String| {
            Err(Error::new(
                ErrorCode::FolderTooLarge,
                format!("{what}; narrow the folder down or add ignore patterns"),
            ))
        };
        if entries > self.entries {
            return too_large(format!(
                "the listing of {} holds {entries} entries, more than the {} left of a folder walk's limit",
                Quoted(path),
                self.entries
            ));
        }
        if name_bytes > self.name_bytes {
            return too_large(format!(
                "the names listed in {} add up to more than the {} left of a folder walk's path limit",
                Quoted(path),
                crate::limits::show_bytes(self.name_bytes)
            ));
        }
        let cost = entries
            .saturating_mul(ENTRY_BYTES)
            .saturating_add(name_bytes);
        if cost > self.budget {
            return Err(budget_exceeded(
                &format!("the listing of {}", Quoted(path)),
                self.max_bytes,
            ));
        }
        Ok(())
    }
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
    /// The entries of a folder, failing as [`ListingLimit::check`] says when the listing holds
    /// more than `limit` allows. The default lists, then checks; a host that sees the listing's
    /// length and name lengths before it copies them (the JavaScript host) refuses first.
    async fn read_dir_at_most(&self, path: &str, limit: &ListingLimit) -> Result<Vec<DirEntry>> {
        let entries = self.read_dir(path).await?;
        let names = entries.iter().map(|e| e.name.len() as u64).sum();
        limit.check(path, entries.len() as u64, names)?;
        Ok(entries)
    }
    /// Where a file really is: its path after following every symlink, in the host's terms
    /// (relative to the same root as `path`); `None` when the host cannot tell (no `realPath`
    /// callback). Two paths with the same real path are one file: a requirements file reached
    /// again through a symlinked folder is not read again, and one that includes itself that
    /// way is a cycle.
    async fn real_path(&self, path: &str) -> Result<Option<String>> {
        let _ = path;
        Ok(None)
    }
    /// `sha256:` + hex of a file's contents, hashed in bounded memory (natively, or in chunks).
    /// `size` is the size its folder listing gave (for progress reports).
    async fn digest_file(&self, path: &str, size: u64) -> Result<String>;
    /// Where a Python module's source is; `None` when the host has no such callback.
    async fn resolve_python_module(&self, name: &str) -> Result<Option<PythonModule>>;
    /// What is known about a base image; `None` when the host has no such callback.
    async fn inspect_image(&self, reference: &str) -> Result<Option<ImageInspection>>;
    /// A published derived image for a build key; `None` when unknown or no callback.
    async fn lookup_derived(&self, image_hash: &str) -> Result<Option<String>>;
}
