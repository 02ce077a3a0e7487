//! Walking a folder through the host: every file under it (minus ignored paths), with digests,
//! in sorted order, so the same folder always gives the same list whatever order `readDir`
//! returns. Symlinks are never followed: they are skipped and reported, because following them
//! could leave the folder (or loop) and a link's target is not part of what the user named.

use crate::error::{Error, ErrorCode, Quoted, Result};
use crate::ignore::Patterns;
use crate::resolve::host::{EntryKind, Host};
use crate::sorting::{sort_by, sort_strings};

/// A file found in a walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WalkedFile {
    /// Path relative to the walked folder, `/`-separated.
    pub relative: String,
    /// Path as the host knows it (`{root}/{relative}`).
    pub source: String,
    /// Permission bits (`0o777` mask).
    pub mode: u32,
    /// `sha256:…` of the contents.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// What a walk found.
#[derive(Debug, Default)]
pub(crate) struct Walk {
    /// Files, sorted by relative path.
    pub files: Vec<WalkedFile>,
    /// Folders (relative paths, sorted), so empty folders are kept too.
    pub dirs: Vec<String>,
    /// Symlinks that were skipped (relative paths).
    pub skipped_symlinks: Vec<String>,
}

/// The most entries one walk accepts before it stops with an error (a runaway listing).
pub(crate) const MAX_WALK_ENTRIES: usize = 200_000;

/// The deepest folder a walk enters (Linux paths hold at most 4,096 bytes, so about 2,048
/// levels; real projects stay far below): a host that nests folders without end stops here.
pub(crate) const MAX_WALK_DEPTH: usize = 512;

/// Joins a host path and a relative one with `/`.
pub(crate) fn join(root: &str, relative: &str) -> String {
    match (root, relative) {
        (root, "") => root.to_string(),
        ("" | ".", relative) => relative.to_string(),
        (root, relative) if root.ends_with('/') => format!("{root}{relative}"),
        (root, relative) => format!("{root}/{relative}"),
    }
}

/// Checks one name from `readDir`: a single path segment, no NUL.
fn check_name(dir: &str, name: &str) -> Result<()> {
    if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\0']) {
        return Err(Error::new(
            ErrorCode::InvalidPath,
            format!(
                "readDir({}) returned the entry name {}, which is not a single file name",
                Quoted(dir),
                Quoted(name)
            ),
        ));
    }
    Ok(())
}

/// Walks `root` depth-first, hashing every file that `ignore` does not exclude (paths are
/// matched relative to `root`). `keep` filters files further (e.g. `.py` only).
pub(crate) async fn walk<H: Host>(
    host: &H,
    root: &str,
    ignore: &Patterns,
    keep: &dyn Fn(&str) -> bool,
) -> Result<Walk> {
    let mut walk = Walk::default();
    let mut pending = vec![String::new()];
    let mut seen = 0usize;
    while let Some(dir) = pending.pop() {
        if dir.split('/').count() > MAX_WALK_DEPTH {
            return Err(Error::new(
                ErrorCode::InvalidPath,
                format!("{} nests folders more than {MAX_WALK_DEPTH} levels deep (at {}); is a listing looping?", Quoted(root), Quoted(&dir.chars().take(200).collect::<String>())),
            ));
        }
        let mut entries = host.read_dir(&join(root, &dir)).await?;
        seen += entries.len();
        if seen > MAX_WALK_ENTRIES {
            return Err(Error::new(
                ErrorCode::InvalidPath,
                format!("{} holds more than {MAX_WALK_ENTRIES} entries; narrow it down or add ignore patterns", Quoted(root)),
            ));
        }
        sort_by(&mut entries, |a, b| a.name.cmp(&b.name));
        entries.dedup_by(|a, b| a.name == b.name);
        for entry in entries {
            check_name(&join(root, &dir), &entry.name)?;
            let relative = join(&dir, &entry.name);
            let ignored = ignore.matches(&relative);
            match entry.kind {
                EntryKind::Symlink if !ignored => walk.skipped_symlinks.push(relative),
                EntryKind::Symlink => {}
                // An ignored folder is still entered when an exception (`!pattern`) may
                // bring back something inside it.
                EntryKind::Dir if ignored && ignore.may_skip_dir(&relative) => {}
                EntryKind::Dir => {
                    if !ignored {
                        walk.dirs.push(relative.clone());
                    }
                    pending.push(relative);
                }
                EntryKind::File => {
                    if ignored || !keep(&relative) {
                        continue;
                    }
                    let source = join(root, &relative);
                    let sha256 = host.digest_file(&source, entry.size).await?;
                    walk.files.push(WalkedFile {
                        relative,
                        source,
                        mode: entry.mode & 0o777,
                        sha256,
                        size: entry.size,
                    });
                }
            }
        }
    }
    sort_by(&mut walk.files, |a, b| a.relative.cmp(&b.relative));
    sort_strings(&mut walk.dirs);
    sort_strings(&mut walk.skipped_symlinks);
    Ok(walk)
}
