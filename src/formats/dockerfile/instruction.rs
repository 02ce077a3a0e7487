//! What a parse gives: the [`Dockerfile`], its [`Instruction`]s with their flags, arguments,
//! values and heredocs, and the map from an instruction's joined line back to the lines and
//! columns of the text (for error positions).

use super::parser::trim_continuation;
use super::{syntax, MAX_LINE_BYTES};
use crate::error::{Position, Result};

/// A parsed Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dockerfile {
    /// The escape token: `\` (default) or `` ` `` (set by `# escape=`).
    pub escape: char,
    /// The parser directives at the top, in order: (name in lower case, value).
    pub directives: Vec<(String, String)>,
    /// The instructions, in order.
    pub instructions: Vec<Instruction>,
    /// Where each parser directive is (same order as [`Dockerfile::directives`]).
    pub directive_positions: Vec<Position>,
    /// Where the escape token is whose line continuation ran into the end of the text, when
    /// the last instruction's did (`RUN a \\` as the last line, or followed only by comment and
    /// blank lines). BuildKit ends the instruction there, but a line written after the text
    /// would join it.
    pub open_continuation: Option<Position>,
}

/// One instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// The instruction in upper case, e.g. `"COPY"` (written in any case in the file).
    pub keyword: String,
    /// The leading `--flags`, in order.
    pub flags: Vec<Flag>,
    /// What follows the flags: the JSON form for `RUN`/`CMD`/`ENTRYPOINT`/`SHELL`/`ADD`/`COPY`/
    /// `VOLUME` when it is one, else the text (trimmed).
    pub args: Args,
    /// The arguments as BuildKit's parser for this instruction splits them (the `Next` values of
    /// its syntax tree, which its `Dump` prints):
    /// - `ENV`, `LABEL`: (name, value, separator) triples; separator `""` for the old
    ///   `ENV name value` form, `"="` for `name=value` (quotes and escapes kept in the values);
    /// - `ARG`: the words (`name` or `name=value`);
    /// - `FROM`, `EXPOSE`, and `ADD`/`COPY`/`VOLUME` in string form: whitespace-separated words;
    /// - JSON forms: the array's strings;
    /// - `RUN`/`CMD`/`ENTRYPOINT`/`SHELL` in string form, `MAINTAINER`, `STOPSIGNAL`, `USER`,
    ///   `WORKDIR`: the whole text as one value;
    /// - `HEALTHCHECK`: the type (`CMD`, `NONE`, …), then the command as above;
    /// - `ONBUILD`: empty (see [`Instruction::trigger`]).
    pub values: Vec<String>,
    /// For `ONBUILD`: the instruction it registers (with the same line numbers; its
    /// `logical_line` is the text after `ONBUILD`).
    pub trigger: Option<Box<Instruction>>,
    /// The heredocs of this instruction, in order (for `ONBUILD`, those of its trigger).
    pub heredocs: Vec<Heredoc>,
    /// First line of the instruction (1-based).
    pub start_line: usize,
    /// Last line of the instruction, heredoc bodies and lines skipped inside a continuation
    /// included (1-based).
    pub end_line: usize,
    /// The instruction on one line, keyword included, as BuildKit joins it: each escape token
    /// that continues a line removed (with the spaces/tabs after it), comment and blank lines
    /// inside the continuation dropped, leading whitespace trimmed. Heredoc bodies are not part
    /// of it.
    pub logical_line: String,
    /// Where each piece of the joined line came from (for error positions).
    pub(super) span: Span,
    /// Byte offset of the keyword in the joined (untrimmed) line.
    pub(super) keyword_offset: usize,
}

/// A `--name=value` or `--name` flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// The name, without `--`.
    pub name: String,
    /// The value after `=`; `None` for a bare `--name`.
    pub value: Option<String>,
}

/// The arguments of an instruction, after its flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Args {
    /// The JSON (exec) form: `["a", "b"]`.
    Json(Vec<String>),
    /// Any other form, as written (trimmed).
    Text(String),
}

/// A heredoc attached to an instruction (`RUN <<EOF`, `COPY <<EOF /dest`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    /// The terminator word, quotes removed (`EOF` for `<<'EOF'`).
    pub name: String,
    /// The lines between the instruction and the terminator, each with its line ending, as
    /// written (BuildKit's `Content`; leading tabs are not yet removed when `chomp`).
    pub body: String,
    /// Whether variables in the body are expanded (the name was not quoted).
    pub expand: bool,
    /// `<<-`: leading tabs are stripped from the body's lines (and the terminator may be
    /// indented with tabs).
    pub chomp: bool,
}

/// Maps byte offsets of the joined line back to lines and columns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Span {
    /// Each piece: (offset in the joined line, line number, column (0-based, in characters) of
    /// the piece's first character in its line).
    pub(super) pieces: Vec<(usize, usize, usize)>,
    /// The joined line (untrimmed).
    pub(super) joined: String,
    /// Bytes trimmed from the start of `joined` to make `logical_line`.
    pub(super) trimmed: usize,
}

impl Span {
    /// The line and column (1-based) of the byte at `offset` of the joined line.
    pub(super) fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.joined.len());
        // The last piece starting at or before the offset (empty pieces share a start with the
        // piece after them, which is the one holding the character).
        let piece = self
            .pieces
            .iter()
            .rev()
            .find(|(start, _, _)| *start <= offset)
            .or_else(|| self.pieces.first());
        match piece {
            Some(&(start, line, column)) => {
                let chars = self
                    .joined
                    .get(start..offset)
                    .map_or(0, |s| s.chars().count());
                Position {
                    line,
                    column: column + chars + 1,
                }
            }
            None => Position { line: 1, column: 1 },
        }
    }
}

impl Instruction {
    /// The first flag with this name (without `--`).
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().find(|f| f.name == name)
    }

    /// Whether [`Instruction::args`] is the JSON form.
    pub fn is_json(&self) -> bool {
        matches!(self.args, Args::Json(_))
    }

    /// For `COPY` and `ADD`: the sources and the destination (all values but the last, and the
    /// last). A source written as a heredoc word (`<<EOF`) refers to [`Instruction::heredocs`].
    /// `None` for other instructions or when there are fewer than two values.
    pub fn sources_and_destination(&self) -> Option<(&[String], &str)> {
        if !matches!(self.keyword.as_str(), "COPY" | "ADD") {
            return None;
        }
        match self.values.split_last() {
            Some((dest, sources)) if !sources.is_empty() => Some((sources, dest.as_str())),
            _ => None,
        }
    }

    /// Where the keyword is (1-based line and column).
    pub fn position(&self) -> Position {
        self.span.position(self.keyword_offset)
    }

    /// Checks that [`Instruction::logical_line`], written on a line of its own in a Dockerfile
    /// with the default escape `\`, is read back as this same instruction and nothing more.
    ///
    /// It is not when the line holds a carriage return or NUL (never written into a rendered
    /// Dockerfile), when it is longer than BuildKit reads ([`MAX_LINE_BYTES`]), or when it still
    /// ends with a line continuation (possible only for a last instruction whose continuation
    /// ran into the end of the file, e.g. `RUN a \<TAB>\`): written back, it would swallow the
    /// next line. Such errors are [`crate::error::ErrorCode::DockerfileSyntax`] with a position.
    pub fn check_one_line(&self) -> Result<()> {
        let line = &self.logical_line;
        if let Some(offset) = line.find(['\r', '\0']) {
            let what = if line[offset..].starts_with('\r') {
                "a carriage return"
            } else {
                "a NUL character"
            };
            return Err(syntax(
                format!("{} holds {what}, which cannot be written into the rendered Dockerfile; remove it", self.keyword),
                self.position_in_line(offset),
            ));
        }
        if line.len() > MAX_LINE_BYTES {
            return Err(syntax(
                format!(
                    "{} is {} bytes long once its continuation lines are joined; the rendered Dockerfile writes it on one line and \
                     BuildKit reads lines of at most {MAX_LINE_BYTES} bytes. Split it into several instructions",
                    self.keyword,
                    line.len()
                ),
                self.position(),
            ));
        }
        if !trim_continuation(line, '\\').1 {
            let end = line.trim_end_matches([' ', '\t']).len().saturating_sub(1);
            return Err(syntax(
                format!(
                    "{} ends with a line continuation `\\` at the end of the text; on a line of its own it would continue into the next \
                     instruction. Remove the trailing `\\`",
                    self.keyword
                ),
                self.position_in_line(end),
            ));
        }
        Ok(())
    }

    /// Where the byte at `offset` of [`Instruction::logical_line`] came from.
    pub fn position_in_line(&self, offset: usize) -> Position {
        self.span.position(offset + self.span.trimmed)
    }
}
