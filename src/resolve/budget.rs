//! The byte budget of one `resolve` / `buildContext` call (`maxBytes`): every file read whole
//! and every folder listing (its names plus [`ENTRY_BYTES`] an entry) is counted against it, and
//! the host is asked to refuse what would go past it before it copies anything
//! ([`Host::read_file_at_most`], [`Host::read_dir_at_most`]). Hashing a file is not counted: it
//! runs in bounded memory.

use std::cell::Cell;

use crate::error::{ErrorCode, Quoted, Result};
use crate::limits::{budget_exceeded, ENTRY_BYTES, MAX_WALK_ENTRIES, MAX_WALK_PATH_BYTES};
use crate::resolve::host::{DirEntry, Host, ImageInspection, ListingLimit, PythonModule};

/// A host whose reads and listings count against a byte budget.
pub(crate) struct Budgeted<'h, H> {
    host: &'h H,
    max: u64,
    used: Cell<u64>,
}

impl<'h, H: Host> Budgeted<'h, H> {
    /// `host` with `max` bytes to spend.
    pub(crate) fn new(host: &'h H, max: u64) -> Self {
        Budgeted {
            host,
            max,
            used: Cell::new(0),
        }
    }

    /// Bytes left.
    pub(crate) fn left(&self) -> u64 {
        self.max - self.used.get()
    }

    /// The whole budget.
    pub(crate) fn max(&self) -> u64 {
        self.max
    }

    fn spend(&self, bytes: u64) {
        self.used
            .set(self.used.get().saturating_add(bytes).min(self.max));
    }
}

impl<H: Host> Host for Budgeted<'_, H> {
    async fn read_file(&self, path: &str) -> Result<Vec<u8>> {
        self.read_file_at_most(path, u64::MAX).await
    }

    /// Reads with the smaller of `max` and what is left; past what is left it is
    /// `RESOLVE_TOO_LARGE` (past `max` it stays `FILE_TOO_LARGE`).
    async fn read_file_at_most(&self, path: &str, max: u64) -> Result<Vec<u8>> {
        let left = self.left();
        let bytes = self
            .host
            .read_file_at_most(path, max.min(left))
            .await
            .map_err(|e| match e.code {
                ErrorCode::FileTooLarge if left < max => {
                    budget_exceeded(&format!("reading {}", Quoted(path)), self.max)
                }
                _ => e,
            })?;
        if bytes.len() as u64 > left {
            return Err(budget_exceeded(
                &format!("reading {}", Quoted(path)),
                self.max,
            ));
        }
        self.spend(bytes.len() as u64);
        Ok(bytes)
    }

    /// A listing outside a walk is held to a walk's limits.
    async fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>> {
        let limit = ListingLimit {
            entries: MAX_WALK_ENTRIES as u64,
            name_bytes: MAX_WALK_PATH_BYTES as u64,
            ..ListingLimit::NONE
        };
        self.read_dir_at_most(path, &limit).await
    }

    async fn read_dir_at_most(&self, path: &str, limit: &ListingLimit) -> Result<Vec<DirEntry>> {
        let limit = ListingLimit {
            budget: limit.budget.min(self.left()),
            max_bytes: self.max,
            ..*limit
        };
        let entries = self.host.read_dir_at_most(path, &limit).await?;
        let cost = entries.iter().fold(0u64, |sum, e| {
            sum.saturating_add(ENTRY_BYTES + e.name.len() as u64)
        });
        if cost > limit.budget {
            return Err(budget_exceeded(
                &format!("the listing of {}", Quoted(path)),
                self.max,
            ));
        }
        self.spend(cost);
        Ok(entries)
    }

    async fn digest_file(&self, path: &str, size: u64) -> Result<String> {
        self.host.digest_file(path, size).await
    }

    async fn real_path(&self, path: &str) -> Result<Option<String>> {
        self.host.real_path(path).await
    }

    async fn resolve_python_module(&self, name: &str) -> Result<Option<PythonModule>> {
        self.host.resolve_python_module(name).await
    }

    async fn inspect_image(&self, reference: &str) -> Result<Option<ImageInspection>> {
        self.host.inspect_image(reference).await
    }

    async fn lookup_derived(&self, build_key: &str) -> Result<Option<String>> {
        self.host.lookup_derived(build_key).await
    }
}
