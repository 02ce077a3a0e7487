//! Walking a folder through the host: every file under it (minus ignored paths), with digests,
//! in sorted order, so the same folder always gives the same list whatever order `readDir`
//! returns. Symlinks are never followed: they are skipped and reported, because following them
//! could leave the folder (or loop) and a link's target is not part of what the user named.

use crate::error::{Error, ErrorCode, Quoted, Result};
use crate::formats::ignore::Patterns;
use crate::formats::paths::join;
use crate::resolve::host::{EntryKind, Host, ListingLimit};
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

// The most entries one walk accepts before it stops with an error (a runaway listing), and the
// deepest folder it enters (Linux paths hold at most 4,096 bytes, so about 2,048 levels; real
// projects stay far below): a host that nests folders without end stops there.
use crate::limits::{MAX_NAME_BYTES, MAX_WALK_DEPTH, MAX_WALK_ENTRIES, MAX_WALK_PATH_BYTES};

/// Checks one name from `readDir`: a single path segment, no NUL.
fn check_name(dir: &str, name: &str) -> Result<()> {
    if name.is_empty()
        || name == "."
        || name == ".."
        || name.contains(['/', '\0'])
        || name.len() > MAX_NAME_BYTES
    {
        let shown: String = name.chars().take(200).collect();
        return Err(Error::new(
            ErrorCode::InvalidPath,
            format!(
                "readDir({}) returned the entry name {}{}, which is not a single file name (at most {MAX_NAME_BYTES} bytes, no `/` or NUL, not `.` or `..`)",
                Quoted(dir),
                Quoted(&shown),
                if shown.len() < name.len() { "…" } else { "" }
            ),
        ));
    }
    Ok(())
}

/// Walks `root` depth-first, hashing every file that `ignore` does not exclude (paths are
/// matched relative to `root`). `keep` filters files further (e.g. `.py` only, or what a
/// Dockerfile's COPY sources take); symlinks are reported as skipped only when `keep` would
/// have taken them, so no warning names a file no step uses.
pub(crate) async fn walk<H: Host>(
    host: &H,
    root: &str,
    ignore: &Patterns,
    keep: &dyn Fn(&str) -> bool,
) -> Result<Walk> {
    let mut walk = Walk::default();
    let mut pending = vec![String::new()];
    let mut seen = 0usize;
    let mut path_bytes = 0usize;
    while let Some(dir) = pending.pop() {
        if dir.split('/').count() > MAX_WALK_DEPTH {
            return Err(Error::new(
                ErrorCode::FolderTooLarge,
                format!("{} nests folders more than {MAX_WALK_DEPTH} levels deep (at {}); is a listing looping?", Quoted(root), Quoted(&dir.chars().take(200).collect::<String>())),
            ));
        }
        // What is left of the walk's limits bounds the listing before the host copies it.
        let limit = ListingLimit {
            entries: (MAX_WALK_ENTRIES - seen) as u64,
            name_bytes: (MAX_WALK_PATH_BYTES - path_bytes) as u64,
            ..ListingLimit::NONE
        };
        let mut entries = host.read_dir_at_most(&join(root, &dir), &limit).await?;
        seen += entries.len();
        if seen > MAX_WALK_ENTRIES {
            return Err(Error::new(
                ErrorCode::FolderTooLarge,
                format!("{} holds more than {MAX_WALK_ENTRIES} entries; narrow it down or add ignore patterns", Quoted(root)),
            ));
        }
        sort_by(&mut entries, |a, b| a.name.cmp(&b.name));
        // The same name twice would make the walk depend on the listing's order (which of the
        // two is kept); no file system lists a name twice.
        if let Some(pair) = entries.windows(2).find(|p| p[0].name == p[1].name) {
            return Err(Error::new(
                ErrorCode::HostCallbackFailed,
                format!(
                    "host.readDir({}) listed the name {} twice",
                    Quoted(&join(root, &dir)),
                    Quoted(&pair[0].name.chars().take(200).collect::<String>())
                ),
            ));
        }
        for entry in entries {
            check_name(&join(root, &dir), &entry.name)?;
            let relative = join(&dir, &entry.name);
            // The paths a walk holds grow with depth times breadth: bound their bytes too.
            path_bytes += relative.len();
            if path_bytes > MAX_WALK_PATH_BYTES {
                return Err(Error::new(
                    ErrorCode::FolderTooLarge,
                    format!("{}: the paths under it add up to more than {} MiB; narrow it down or add ignore patterns", Quoted(root), MAX_WALK_PATH_BYTES >> 20),
                ));
            }
            let ignored = ignore.matches(&relative);
            ignore.check()?;
            match entry.kind {
                EntryKind::Symlink if !ignored && keep(&relative) => {
                    walk.skipped_symlinks.push(relative)
                }
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
