//! Dockerfile parsing with the rules of BuildKit's parser (moby/buildkit,
//! `frontend/dockerfile/parser`, Apache-2.0), and the check of `withDockerfile` fragments.
//!
//! [`parse`] keeps every instruction of a Dockerfile, in order, with its flags, its arguments
//! as BuildKit's per-instruction parsers split them ([`Instruction::values`]), its heredocs, its
//! line numbers and its text joined onto one line ([`Instruction::logical_line`]). The rules
//! followed are BuildKit's:
//!
//! - parser directives (`# escape=`, `# syntax=`, `# check=`, key case-insensitive, each at
//!   most once) only on the first lines, before any instruction, comment or blank line; the
//!   escape token is `\` or `` ` ``;
//! - a line ending with the escape token (then optional spaces/tabs, and not preceded by a
//!   second escape token) continues on the next line; comment lines and blank lines inside a
//!   continuation are dropped; a continuation at the end of the file ends the instruction;
//! - the keyword is case-insensitive; leading `--flag[=value]` words are flags (quotes removed,
//!   `\` escapes applied; `--` ends them);
//! - `RUN`/`CMD`/`ENTRYPOINT`/`SHELL`/`ADD`/`COPY`/`VOLUME` arguments that are a JSON array of
//!   strings are the exec (JSON) form; anything that is not valid JSON falls back to the string
//!   form, and a JSON array with a non-string element is an error;
//! - `RUN`/`COPY`/`ADD` in string form (also as `ONBUILD` triggers) take heredocs (`<<EOF`):
//!   the lines after the instruction up to the terminator are the heredoc's body.
//!
//! Go quirks kept on purpose (BuildKit is what reads the rendered file):
//! - the JSON form is read with Go's `json.Decoder`, which stops after the array: `CMD ["a"] b`
//!   is the JSON form `["a"]`;
//! - flags are scanned byte by byte, so a non-ASCII character in a flag turns into Latin-1
//!   mojibake (`--chown=josé` gives `josÃ©`) exactly as BuildKit sees it;
//! - `ENV name value` (old form) keeps the raw rest of the line as the value.
//!
//! On top of the parser (which accepts any keyword), [`parse`] rejects what BuildKit's next
//! stage (`instructions.Parse`) rejects about instruction names: an unknown instruction, an
//! `ONBUILD` trigger that is `ONBUILD`, `FROM` or `MAINTAINER`; it also rejects an unknown
//! instruction as an `ONBUILD` trigger (BuildKit would only fail once the trigger runs in a later
//! build). Other argument checks (`COPY` with one argument, unknown flags, …) are left to the
//! engine, except in [`check_fragment`].
//!
//! Every error is a [`crate::Error`] with [`crate::ErrorCode::DockerfileSyntax`] and the line and
//! column (1-based, columns in characters) where the problem is. No input panics: the JSON
//! scanner is iterative, the few recursive parts have depth limits, and every slice is taken on
//! a character boundary.
//!
//! Lines longer than [`MAX_LINE_BYTES`] (65535 bytes) are an error, as in BuildKit (its line
//! scanner stops there).
//!
//! One job a file: `parser.rs` reads lines, continuations and heredoc bodies into instructions,
//! with `directives.rs` (parser directives), `keywords.rs` (instruction names), `words.rs` (the
//! per-instruction argument parsers and flags), `json.rs` (the JSON form) and `heredoc.rs`
//! (heredoc words); `instruction.rs` holds what a parse gives; `fragment.rs` checks
//! `withDockerfile` fragments.

use crate::error::{Error, ErrorCode, Position};

mod directives;
mod fragment;
mod heredoc;
mod instruction;
mod json;
mod keywords;
mod parser;
mod words;

pub use fragment::check_fragment;
pub use instruction::{Args, Dockerfile, Flag, Heredoc, Instruction};
pub use keywords::INSTRUCTIONS;
pub use parser::parse;

/// The longest line BuildKit reads (`bufio.MaxScanTokenSize - 1`), in bytes, newline excluded.
/// The parser refuses longer lines, and the renderer never writes one.
pub const MAX_LINE_BYTES: usize = 65535;

/// A [`ErrorCode::DockerfileSyntax`] error at a position.
fn syntax(message: impl Into<String>, at: Position) -> Error {
    Error::new(ErrorCode::DockerfileSyntax, message).at_position(at.line, at.column)
}

/// A [`ErrorCode::ForbiddenInstruction`] error at a position.
fn forbidden(message: impl Into<String>, at: Position) -> Error {
    Error::new(ErrorCode::ForbiddenInstruction, message).at_position(at.line, at.column)
}

#[cfg(test)]
mod tests;
