//! A deterministic tar of the build context (`docker build - < context.tar` reads it): POSIX
//! ustar headers, PAX records for paths that are long or not ASCII, every mtime 0, owner 0:0, no user or
//! group names, entries sorted by path, folders before their contents. Same entries, same bytes.
//!
//! Every extractor can read it: paths are plain relative paths, no file is also a folder, and
//! the ustar name a PAX reader overrides is a stand-in that keeps every character (non-ASCII bytes
//! and `%` as `%XX`), so an extractor that ignores PAX never sees an empty, absolute or `..` name.

use std::collections::BTreeSet;

use crate::error::{Error, ErrorCode, Quoted, Result};

/// One entry of the tar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TarEntry<'a> {
    /// A folder.
    Dir {
        /// Path inside the tar, without a trailing `/`.
        path: &'a str,
    },
    /// A regular file.
    File {
        /// Path inside the tar.
        path: &'a str,
        /// Permission bits.
        mode: u32,
        /// Contents.
        data: &'a [u8],
    },
}

impl TarEntry<'_> {
    fn path(&self) -> &str {
        match self {
            TarEntry::Dir { path } | TarEntry::File { path, .. } => path,
        }
    }
}

/// The version of this tar layout (paths, modes, mtimes, owners, headers, order), which the
/// build key covers (HASHING.md, "buildKey"): the Dockerfile shows every other part of what a
/// derived image is built from, this does not. Bump it with any change to the bytes [`write`]
/// or `build_context` give for the same entries; `tests/resolve_golden.rs` pins the tar bytes
/// of golden vectors together with this number and fails until both are updated (a bump also
/// changes every golden `buildKey`, and HASHING.md and `tests/hashing/recompute.py` state it).
pub const CONTEXT_FORMAT: u32 = 1;

const BLOCK: usize = 512;

/// Bytes in the ustar name field.
const NAME_LEN: usize = 100;

/// Writes the entries (sorted here) as a tar archive. Entries that are equal are written once.
///
/// Refused with `INVALID_PATH`: a path that is empty, absolute, holds a NUL or an empty, `.` or
/// `..` segment; two different entries at one path; and a file that another entry's path goes
/// through (`a` a file and `a/b` anything), which no extractor can write.
pub fn write(mut entries: Vec<TarEntry<'_>>) -> Result<Vec<u8>> {
    for entry in &entries {
        check_path(entry.path())?;
    }
    crate::sorting::sort_by(&mut entries, |a, b| a.path().cmp(b.path()));
    if let Some(pair) = entries
        .windows(2)
        .find(|w| w[0].path() == w[1].path() && w[0] != w[1])
    {
        return Err(conflict(format!(
            "two different entries have the path {}",
            Quoted(pair[0].path())
        )));
    }
    entries.dedup();
    check_files_are_not_folders(&entries)?;
    let size: usize = entries
        .iter()
        .map(|e| 3 * BLOCK + padded(data_len(e)))
        .sum::<usize>()
        + 2 * BLOCK;
    let mut out = Vec::with_capacity(size);
    for entry in &entries {
        let (name, typeflag, mode, data): (String, u8, u32, &[u8]) = match entry {
            TarEntry::Dir { path } => (format!("{path}/"), b'5', 0o755, &[]),
            TarEntry::File { path, mode, data } => ((*path).to_string(), b'0', mode & 0o7777, data),
        };
        // Names that are long or not ASCII go in a PAX record (readers take it over the ustar
        // field, which gets a stand-in for readers that ignore PAX).
        let ustar_name = if name.len() > NAME_LEN || !name.is_ascii() {
            let record = pax_record("path", &name);
            write_header(&mut out, "././@PaxHeader", b'x', 0o644, record.len() as u64);
            write_data(&mut out, record.as_bytes());
            stand_in(entry)
        } else {
            name
        };
        write_header(&mut out, &ustar_name, typeflag, mode, data.len() as u64);
        write_data(&mut out, data);
    }
    out.resize(out.len() + 2 * BLOCK, 0);
    Ok(out)
}

/// The files an engine reads at the root of a build context: the Dockerfile and its ignore files.
const ENGINE_FILES: [&str; 3] = ["Dockerfile", ".dockerignore", "Dockerfile.dockerignore"];

/// Refuses a build context (`files` and `dirs`, paths from its root) with a folder at the root
/// named like a file the engine reads there (`ENGINE_FILES`): the engine would find a folder
/// where it reads a file, and renaming it would change what the Dockerfile copies.
pub fn check_engine_files<'a>(
    files: impl IntoIterator<Item = &'a str>,
    dirs: impl IntoIterator<Item = &'a str>,
) -> Result<()> {
    let inside = files
        .into_iter()
        .filter_map(|path| Some((path.split_once('/')?.0, path)));
    let folders = dirs
        .into_iter()
        .map(|path| (path.split('/').next().unwrap_or_default(), path));
    match inside.chain(folders).find(|(top, _)| ENGINE_FILES.contains(top)) {
        Some((top, path)) => Err(conflict(format!(
            "the build context holds a folder {} ({}), but the engine reads {top} at the root of the context as a file; rename the folder or add it to .dockerignore",
            Quoted(top),
            Quoted(path)
        ))),
        None => Ok(()),
    }
}

/// Refuses a path that is not a plain relative path of named segments.
fn check_path(path: &str) -> Result<()> {
    let why = if path.is_empty() {
        "is empty"
    } else if path.starts_with('/') {
        "is absolute"
    } else if path.contains('\0') {
        "holds a NUL"
    } else if path.split('/').any(|s| matches!(s, "" | "." | "..")) {
        "has an empty, `.` or `..` segment"
    } else {
        return Ok(());
    };
    Err(conflict(format!(
        "the build context path {} {why}; a tar entry is a relative path of named folders",
        Quoted(path)
    )))
}

/// Refuses entries (sorted, deduplicated) where a file's path is a folder of another path.
fn check_files_are_not_folders(entries: &[TarEntry<'_>]) -> Result<()> {
    let files: BTreeSet<&str> = entries
        .iter()
        .filter_map(|e| match e {
            TarEntry::File { path, .. } => Some(*path),
            TarEntry::Dir { .. } => None,
        })
        .collect();
    for entry in entries {
        let path = entry.path();
        let through = path
            .match_indices('/')
            .map(|(at, _)| &path[..at])
            .find(|folder| files.contains(folder));
        if let Some(file) = through {
            return Err(conflict(format!(
                "the build context holds the file {} and also {} inside a folder of that name; no extractor can write both, so rename one",
                Quoted(file),
                Quoted(path)
            )));
        }
    }
    Ok(())
}

fn conflict(message: String) -> Error {
    Error::new(ErrorCode::InvalidPath, message)
}

/// The ustar name of an entry whose real name is in a PAX record, for readers that ignore PAX.
/// Every non-ASCII byte and every `%` becomes `%XX`, so no character is dropped and segments keep
/// their `/`s: as the real path has no empty, `.` or `..` segment and does not start with `/`,
/// neither does this. A name longer than the field is cut; a cut that leaves a trailing `/` or a
/// last segment `.` or `..` ends in `_` instead. Folders end in `/`.
fn stand_in(entry: &TarEntry<'_>) -> String {
    let dir = matches!(entry, TarEntry::Dir { .. });
    let max = if dir { NAME_LEN - 1 } else { NAME_LEN };
    let mut name = String::with_capacity(entry.path().len());
    for byte in entry.path().bytes() {
        if byte.is_ascii() && byte != b'%' {
            name.push(char::from(byte));
        } else {
            name.push_str(&format!("%{byte:02X}"));
        }
    }
    if name.len() > max {
        name.truncate(max);
        let last = name.rsplit('/').next().unwrap_or_default();
        if matches!(last, "" | "." | "..") {
            name.pop();
            name.push('_');
        }
    }
    if dir {
        name.push('/');
    }
    name
}

fn data_len(entry: &TarEntry<'_>) -> usize {
    match entry {
        TarEntry::Dir { .. } => 0,
        TarEntry::File { data, .. } => data.len(),
    }
}

fn padded(len: usize) -> usize {
    len.div_ceil(BLOCK) * BLOCK
}

/// A PAX record `"<len> <key>=<value>\n"`, whose length counts its own digits.
fn pax_record(key: &str, value: &str) -> String {
    let body = key.len() + value.len() + 3;
    let mut len = body + 1;
    while (body + len.to_string().len()) != len {
        len = body + len.to_string().len();
    }
    format!("{len} {key}={value}\n")
}

/// Writes `value` as zero-padded octal digits followed by a NUL, filling `field`.
fn octal(field: &mut [u8], value: u64) {
    let width = field.len() - 1;
    let digits = format!("{value:0width$o}");
    let digits = digits.as_bytes();
    let start = digits.len().saturating_sub(width);
    field[..width].copy_from_slice(&digits[start..]);
    field[width] = 0;
}

fn write_header(out: &mut Vec<u8>, name: &str, typeflag: u8, mode: u32, size: u64) {
    let mut header = [0u8; BLOCK];
    header[..name.len()].copy_from_slice(name.as_bytes());
    octal(&mut header[100..108], u64::from(mode));
    octal(&mut header[108..116], 0);
    octal(&mut header[116..124], 0);
    octal(&mut header[124..136], size);
    octal(&mut header[136..148], 0);
    header[156] = typeflag;
    header[257..263].copy_from_slice(b"ustar\0");
    header[263..265].copy_from_slice(b"00");
    header[148..156].copy_from_slice(b"        ");
    let checksum: u64 = header.iter().map(|&b| u64::from(b)).sum();
    octal(&mut header[148..155], checksum);
    header[155] = b' ';
    out.extend_from_slice(&header);
}

fn write_data(out: &mut Vec<u8>, data: &[u8]) {
    out.extend_from_slice(data);
    out.resize(out.len() + padded(data.len()) - data.len(), 0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pax_record_length_counts_itself() {
        for value in ["a", &"x".repeat(90), &"y".repeat(995), &"z".repeat(9_994)] {
            let record = pax_record("path", value);
            let (len, _) = record.split_once(' ').unwrap();
            assert_eq!(len.parse::<usize>().unwrap(), record.len());
        }
    }

    #[test]
    fn same_entries_same_bytes_in_any_order() {
        let a = write(vec![
            TarEntry::File {
                path: "b.txt",
                mode: 0o644,
                data: b"b",
            },
            TarEntry::Dir { path: "d" },
            TarEntry::File {
                path: "d/x",
                mode: 0o755,
                data: b"xx",
            },
        ])
        .unwrap();
        let b = write(vec![
            TarEntry::File {
                path: "d/x",
                mode: 0o755,
                data: b"xx",
            },
            TarEntry::File {
                path: "b.txt",
                mode: 0o644,
                data: b"b",
            },
            TarEntry::Dir { path: "d" },
        ])
        .unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len() % BLOCK, 0);
    }
}
