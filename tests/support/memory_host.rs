//! A host over files held in memory, for native resolution tests: folders are implied by the
//! file paths, symlinks are listed as such, and Python modules, image inspections and derived
//! images are looked up in tables the test fills. Paths are `/`-separated and relative to the
//! host's root (a leading `./` is ignored). Every call is counted, so tests can check what was
//! read.
//!
//! Used from integration tests with `#[path = "support/memory_host.rs"] mod memory_host;`.
#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::future::Future;

use apothic_image::resolve::{DirEntry, EntryKind, Host, ImageInspection, PythonModule};
use apothic_image::{Error, ErrorCode, Result};

/// Files, symlinks and lookup tables in memory.
#[derive(Debug, Default)]
pub struct MemoryHost {
    /// Path → (contents, mode).
    pub files: BTreeMap<String, (Vec<u8>, u32)>,
    /// Path → target (never followed by resolution).
    pub symlinks: BTreeMap<String, String>,
    /// Folders that exist even when empty.
    pub dirs: Vec<String>,
    /// Module name → where its source is.
    pub modules: BTreeMap<String, PythonModule>,
    /// Image reference → inspection.
    pub images: BTreeMap<String, ImageInspection>,
    /// Build key → published derived image.
    pub derived: BTreeMap<String, String>,
    /// Whether `readDir` lists entries in reverse order (resolution must not care).
    pub reverse_listings: bool,
    /// Every call made, as `name(path)`.
    pub calls: RefCell<Vec<String>>,
}

fn clean(path: &str) -> String {
    let trimmed = path.trim_start_matches("./").trim_end_matches('/');
    if trimmed == "." {
        String::new()
    } else {
        trimmed.to_string()
    }
}

fn not_found(what: &str, path: &str) -> Error {
    Error::new(
        ErrorCode::FileNotFound,
        format!("{what}: no such path {path:?}"),
    )
    .in_file(path)
}

impl MemoryHost {
    /// A host holding `files` (path, text), each with mode 0o644.
    pub fn with(files: &[(&str, &str)]) -> MemoryHost {
        let mut host = MemoryHost::default();
        for (path, text) in files {
            host.files
                .insert(clean(path), (text.as_bytes().to_vec(), 0o644));
        }
        host
    }

    /// Adds a file with the given mode.
    pub fn file(mut self, path: &str, bytes: &[u8], mode: u32) -> MemoryHost {
        self.files.insert(clean(path), (bytes.to_vec(), mode));
        self
    }

    /// Adds a symlink.
    pub fn symlink(mut self, path: &str, target: &str) -> MemoryHost {
        self.symlinks.insert(clean(path), target.to_string());
        self
    }

    fn record(&self, call: &str, path: &str) {
        self.calls.borrow_mut().push(format!("{call}({path})"));
    }

    fn is_dir(&self, dir: &str) -> bool {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        dir.is_empty()
            || self
                .dirs
                .iter()
                .any(|d| *d == dir || d.starts_with(&prefix))
            || self
                .files
                .keys()
                .chain(self.symlinks.keys())
                .any(|p| p.starts_with(&prefix))
    }

    fn listing(&self, dir: &str) -> Option<Vec<DirEntry>> {
        if !self.is_dir(dir) {
            return None;
        }
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let mut entries: BTreeMap<String, DirEntry> = BTreeMap::new();
        let paths = self
            .files
            .keys()
            .chain(self.symlinks.keys())
            .chain(self.dirs.iter());
        for path in paths {
            let Some(rest) = path.strip_prefix(&prefix) else {
                continue;
            };
            if rest.is_empty() {
                continue;
            }
            let (name, nested) = match rest.split_once('/') {
                Some((name, _)) => (name, true),
                None => (rest, false),
            };
            let full = format!("{prefix}{name}");
            let entry = if nested || self.dirs.contains(&full) && !self.files.contains_key(&full) {
                DirEntry {
                    name: name.into(),
                    kind: EntryKind::Dir,
                    size: 0,
                    mode: 0o755,
                }
            } else if let Some((bytes, mode)) = self.files.get(&full) {
                DirEntry {
                    name: name.into(),
                    kind: EntryKind::File,
                    size: bytes.len() as u64,
                    mode: *mode,
                }
            } else {
                DirEntry {
                    name: name.into(),
                    kind: EntryKind::Symlink,
                    size: 0,
                    mode: 0o777,
                }
            };
            entries.insert(name.to_string(), entry);
        }
        let mut list: Vec<DirEntry> = entries.into_values().collect();
        if self.reverse_listings {
            list.reverse();
        }
        Some(list)
    }
}

impl Host for MemoryHost {
    async fn read_file(&self, path: &str) -> Result<Vec<u8>> {
        self.record("readFile", path);
        self.files
            .get(&clean(path))
            .map(|(bytes, _)| bytes.clone())
            .ok_or_else(|| not_found("readFile", path))
    }

    async fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>> {
        self.record("readDir", path);
        self.listing(&clean(path))
            .ok_or_else(|| not_found("readDir", path))
    }

    async fn digest_file(&self, path: &str, _size: u64) -> Result<String> {
        self.record("digestFile", path);
        let (bytes, _) = self
            .files
            .get(&clean(path))
            .ok_or_else(|| not_found("digestFile", path))?;
        Ok(apothic_image::hash::sha256_hex(bytes))
    }

    async fn resolve_python_module(&self, name: &str) -> Result<Option<PythonModule>> {
        self.record("resolvePythonModule", name);
        if self.modules.is_empty() {
            return Ok(None); // as a host without the callback
        }
        self.modules
            .get(name)
            .cloned()
            .map(Some)
            .ok_or_else(|| not_found("resolvePythonModule", name))
    }

    async fn inspect_image(&self, reference: &str) -> Result<Option<ImageInspection>> {
        self.record("inspectImage", reference);
        Ok(self.images.get(reference).cloned())
    }

    async fn lookup_derived(&self, build_key: &str) -> Result<Option<String>> {
        self.record("lookupDerived", build_key);
        Ok(self.derived.get(build_key).cloned())
    }
}

/// Runs a future to completion (the memory host never waits).
pub fn block_on<F: Future>(future: F) -> F::Output {
    pollster::block_on(future)
}
