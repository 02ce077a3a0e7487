//! The largest inputs the package accepts. Each limit is far above what a real image needs and
//! low enough that the wasm build (32-bit memory, at most 4 GiB, often much less in a browser
//! tab or a Worker) never runs out of memory on hostile input: past a limit the call fails with
//! an error that has a code, instead of a trap that would kill the instance.
//!
//! | what | limit | past it |
//! | --- | --- | --- |
//! | a spec: `fromSpec` JSON text, or the canonical JSON an image grows to | 4 MiB | `SPEC_TOO_LARGE` |
//! | steps in one image | 10,000 | `SPEC_TOO_LARGE` |
//! | a JavaScript string or JSON argument | 4 MiB | `SPEC_TOO_LARGE` |
//! | a file read whole and parsed (Dockerfile, requirements, pyproject, env, `.dockerignore`) | 16 MiB | `FILE_TOO_LARGE` |
//! | requirements files one file includes, all levels | 1,000 | `REQUIREMENTS_SYNTAX` |
//! | entries in one walked folder, all levels | 200,000 | `FOLDER_TOO_LARGE` |
//! | folder depth | 512 levels | `FOLDER_TOO_LARGE` |
//! | the relative paths of one walk, added up | 32 MiB | `FOLDER_TOO_LARGE` |
//! | a name in a folder listing | 4,096 bytes | `INVALID_PATH` |
//! | a Dockerfile line, read or rendered (BuildKit's own limit, [`crate::formats::dockerfile::MAX_LINE_BYTES`]) | 65,535 bytes | `DOCKERFILE_SYNTAX` when read, `LINE_TOO_LONG` when rendered |
//! | the build context of `buildContext` (every context file together) | 512 MiB, and at most what is left of `maxBytes` | `FOLDER_TOO_LARGE` |
//! | `managedPython.sha256` digests given from JavaScript (names at most 255 characters, digests 64) | 10,000 | `INVALID_ARGUMENT` |
//! | what one `resolve` / `buildContext` call holds: files read whole and folder listings (names plus 64 bytes an entry), added up | `maxBytes`: 256 MiB by default, at most 1 GiB | `RESOLVE_TOO_LARGE` |
//! | what one `diff` compares: cells of its step and line tables, added up ([`MAX_DIFF_CELLS`]) | 4,000,000 | `DIFF_TOO_LARGE` |
//!
//! Every bound is checked before the bytes are copied: the JavaScript host sees a
//! `Uint8Array`'s length and a listing's length and name lengths first.
//!
//! Hashing has no size limit: files are hashed by the host's `hashFile` or in 1 MiB chunks, so
//! `resolve` takes files and folders of any size.

use crate::error::{Error, ErrorCode, Quoted, Result};

/// The largest spec, in bytes of JSON (`fromSpec` input, or an image's canonical JSON).
pub const MAX_SPEC_BYTES: usize = 4 << 20;

/// The most steps one image holds.
pub const MAX_STEPS: usize = 10_000;

/// The most table cells one `diff` fills, added up over its step and line comparisons (each
/// `(n + 1) × (m + 1)` for the `n` and `m` items left after the common start and end), checked
/// before each table is made: 8 MiB of memory at most.
pub const MAX_DIFF_CELLS: usize = 4_000_000;

/// The largest file that is read whole and parsed (Dockerfile, requirements, pyproject, env and
/// ignore files).
pub const MAX_TEXT_FILE_BYTES: u64 = 16 << 20;

/// The most requirements files one `-r`/`-c` include walk reads.
pub const MAX_REQUIREMENTS_FILES: usize = 1_000;

/// The most entries one folder walk lists, all levels together.
pub const MAX_WALK_ENTRIES: usize = 200_000;

/// The deepest folder a walk enters.
pub const MAX_WALK_DEPTH: usize = 512;

/// The most bytes the relative paths of one walk add up to (a listing nesting long names deep
/// would otherwise fill memory within the entry limit).
pub const MAX_WALK_PATH_BYTES: usize = 32 << 20;

/// The longest name a folder listing may hold (bytes of UTF-8; Linux allows 255).
pub const MAX_NAME_BYTES: usize = 4_096;

/// The largest build context `buildContext` writes (the tar is built in memory).
pub const MAX_CONTEXT_BYTES: u64 = 512 << 20;

/// The default byte budget of one `resolve` / `buildContext` call ([`crate::resolve::ResolveOptions::max_bytes`]):
/// files read whole and folder listings, added up. At most 16 MiB of it is parsed at once, and
/// a build context is held twice (its files and the tar), so a call stays under about 1 GiB of
/// wasm memory, far from the 4 GiB a 32-bit instance can have.
pub const DEFAULT_MAX_BYTES: u64 = 256 << 20;

/// The most `managedPython.sha256` digests one `resolve` call takes from JavaScript (a whole
/// python-build-standalone `SHA256SUMS` file lists a few thousand).
pub const MAX_PYTHON_DIGESTS: usize = 10_000;

/// The largest byte budget a call may ask for (`maxBytes`).
pub const MAX_MAX_BYTES: u64 = 1 << 30;

/// What one folder entry costs against the byte budget besides its name (the entry's record).
pub const ENTRY_BYTES: u64 = 64;

/// `n` bytes as `4 MiB` / `16 KiB` / `12 bytes`.
pub(crate) fn show_bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / f64::from(1 << 20)),
        n if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{n} bytes"),
    }
}

/// `SPEC_TOO_LARGE` for a spec of `bytes` bytes.
pub(crate) fn spec_too_large(bytes: usize) -> Error {
    Error::new(
        ErrorCode::SpecTooLarge,
        format!(
            "the spec would be {} of JSON, more than the {} this package accepts; split the image or move data into files",
            show_bytes(bytes as u64),
            show_bytes(MAX_SPEC_BYTES as u64)
        ),
    )
}

/// `SPEC_TOO_LARGE` for an image with more than [`MAX_STEPS`] steps.
pub(crate) fn too_many_steps() -> Error {
    Error::new(
        ErrorCode::SpecTooLarge,
        format!("an image holds at most {MAX_STEPS} steps; merge steps (one runCommands, pipInstall or env call takes many values)"),
    )
}

/// Fails with `FILE_TOO_LARGE` when a file read whole is larger than `max`.
pub fn check_file_size(path: &str, size: u64, max: u64) -> Result<()> {
    if size > max {
        return Err(Error::new(
            ErrorCode::FileTooLarge,
            format!(
                "{} is {}, more than the {} this package reads into memory",
                Quoted(path),
                show_bytes(size),
                show_bytes(max)
            ),
        )
        .in_file(path));
    }
    Ok(())
}

/// `RESOLVE_TOO_LARGE`: `what` would take the bytes one call holds past `max`.
pub(crate) fn budget_exceeded(what: &str, max: u64) -> Error {
    Error::new(
        ErrorCode::ResolveTooLarge,
        format!(
            "{what} would take what this call holds (files read whole and folder listings) past its maxBytes of {}; make the project smaller, or raise maxBytes (at most {})",
            show_bytes(max),
            show_bytes(MAX_MAX_BYTES)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_sizes() {
        assert_eq!(show_bytes(12), "12 bytes");
        assert_eq!(show_bytes(2048), "2.0 KiB");
        assert_eq!(show_bytes(MAX_SPEC_BYTES as u64), "4 MiB");
        assert_eq!(show_bytes((3 << 20) + (1 << 19)), "3.5 MiB");
    }

    #[test]
    fn file_size_check() {
        assert!(check_file_size("a", 10, 10).is_ok());
        let e = check_file_size("a", 11, 10).unwrap_err();
        assert_eq!(e.code, ErrorCode::FileTooLarge);
        assert_eq!(e.file.as_deref(), Some("a"));
    }
}
