//! The files a pip requirements file includes (`-r` / `-c`), found the way pip finds them, so
//! `*FromRequirements` can put every one of them in the build context.
//!
//! # How a file is read (pip's `req_file.py`, step by step)
//!
//! 1. Lines are split as Python's `str.splitlines` does (`\n`, `\r\n`, `\r` and the other
//!    Unicode line separators); a UTF-8 byte order mark is ignored.
//! 2. A line ending in `\` is joined with the next one (pip strips every leading and trailing
//!    backslash of such a line); a comment line ends the joined line.
//! 3. A comment starts at a `#` at the start of the line or after whitespace, and runs to the
//!    end; what is left is trimmed, and empty lines are skipped.
//! 4. A line whose first space-separated word does not start with `-` is a requirement (its
//!    options are per-requirement ones such as `--hash`), and so is a line with `-e`: neither
//!    includes a file. On other lines the words are split like a POSIX shell (`shlex`), so
//!    `-r "my reqs.txt"` names `my reqs.txt` and a backslash escapes the next character.
//! 5. The options are read like `optparse` does: `-r FILE`, `-rFILE`, `--requirement FILE`,
//!    `--requirement=FILE` and unique prefixes of long options (`--requirem=FILE`); the same for
//!    `-c` / `--constraint`. As in pip, a line includes at most one file: its first `-r`, or
//!    else its first `-c`. Options pip does not know are skipped here (pip itself rejects
//!    them when it installs), so a newer pip's options do not break resolution.
//!
//! Environment variables (`${NAME}`) are not expanded: the result must not depend on the
//! machine. An include path that uses one is an error in [`next_includes`].
//!
//! # Paths
//!
//! An include is relative to the folder of the file that names it ([`resolve_relative`]), as
//! pip joins it. The join is lexical: `..` segments are resolved on the text, which differs
//! from the file system when a folder on the way is a symbolic link.
//!
//! # Walking the include tree
//!
//! Reading files is the host's job and is asynchronous, so the walk is a state machine that the
//! caller drives: [`IncludeWalk::next_file`] says which file to read next, the caller reads it and
//! hands the text to [`IncludeWalk::feed`]. [`walk`] drives it with a synchronous reader. Files
//! come out depth first, in the order pip reads them, each once (a file included twice is read
//! once); a cycle is a `RequirementsSyntax` error that names it (`a.txt → b.txt → a.txt`), since
//! pip would recurse forever.
//!
//! One file's includes are read in `reader.rs`, the walk over the files is in `include_walk.rs`.

mod include_walk;
mod reader;

pub use include_walk::{next_includes, resolve_relative, walk, IncludeWalk};
pub use reader::includes;

use crate::error::{Error, ErrorCode};

/// Whether an include is a requirements file (`-r`) or a constraints file (`-c`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncludeKind {
    /// `-r FILE` / `--requirement FILE`.
    Requirement,
    /// `-c FILE` / `--constraint FILE`.
    Constraint,
}

/// One `-r` / `-c` line of a requirements file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Include {
    /// `-r` or `-c`.
    pub kind: IncludeKind,
    /// The path as written (after shell-style unquoting), relative to the including file.
    pub path: String,
    /// The 1-based line of the option (`-r`), counting physical lines.
    pub line: usize,
    /// The 1-based column (in characters) of the option.
    pub column: usize,
}

/// A `RequirementsSyntax` error at the 0-based `line` and `column`.
fn syntax(line: usize, column: usize, message: String) -> Error {
    Error::new(ErrorCode::RequirementsSyntax, message).at_position(line + 1, column + 1)
}
