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
//! Lines longer than 65535 bytes are an error, as in BuildKit (its line scanner stops there).

use crate::{Error, ErrorCode, Position, Result};

mod heredoc;
mod json;
mod words;

use heredoc::{heredocs_from_line, LexError};
use words::{
    parse_health_config, parse_maybe_json, parse_maybe_json_to_list, parse_name_or_name_val,
    parse_name_val, parse_string, parse_strings_whitespace_delimited, split_command, Parsed,
};

/// The longest line BuildKit reads (`bufio.MaxScanTokenSize - 1`), in bytes.
pub const MAX_LINE_BYTES: usize = 65535;

/// The instructions BuildKit knows, in upper case.
pub const INSTRUCTIONS: [&str; 18] = [
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

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
    span: Span,
    /// Byte offset of the keyword in the joined (untrimmed) line.
    keyword_offset: usize,
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
struct Span {
    /// Each piece: (offset in the joined line, line number, column (0-based, in characters) of
    /// the piece's first character in its line).
    pieces: Vec<(usize, usize, usize)>,
    /// The joined line (untrimmed).
    joined: String,
    /// Bytes trimmed from the start of `joined` to make `logical_line`.
    trimmed: usize,
}

impl Span {
    fn position(&self, offset: usize) -> Position {
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
    /// next line. Such errors are [`ErrorCode::DockerfileSyntax`] with a position.
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

/// Parses a Dockerfile with BuildKit's rules (see the module documentation).
///
/// A file without instructions (empty, or only comments and blank lines) is an error, as in
/// BuildKit.
pub fn parse(text: &str) -> Result<Dockerfile> {
    let parsed = parse_document(text)?;
    if parsed.dockerfile.instructions.is_empty() {
        return Err(syntax(
            "the Dockerfile has no instructions (only comments or blank lines); add at least one instruction",
            Position { line: parsed.lines.max(1), column: 1 },
        ));
    }
    Ok(parsed.dockerfile)
}

/// Checks a `withDockerfile` fragment: parses it, and rejects what cannot go in the middle of the
/// rendered Dockerfile.
///
/// Errors ([`ErrorCode::ForbiddenInstruction`] unless noted), with the line and column:
/// - `FROM`: the base comes from the image's constructor (`fromRegistry`, `fromDockerfile`);
/// - `COPY` without `--from=<stage or image>`: there is no build context for a fragment (use
///   `copyLocalFile`/`copyLocalDir`);
/// - `ADD` of anything but remote URLs (`http://`, `https://`, `git://`, `ssh://`,
///   `user@host:path`): the same; `ADD --from` does not exist (use `COPY --from=`);
/// - parser directives (`# syntax=`, `# escape=`, `# check=`): they only work at the top of a
///   Dockerfile, and the fragment is inserted mid-file;
/// - `RUN --mount` of type `bind` (the default) without `from=<stage or image>`: it would read
///   the build context, which a fragment does not have; `cache`, `tmpfs`, `secret`, `ssh` and
///   `bind` with `from=` are fine, other types are refused;
/// - heredocs (`<<EOF`): the rendered Dockerfile must build on engines without heredoc support;
///   a multi-line command goes through `runCommands`;
/// - `ONBUILD` wrapping any of those;
/// - [`ErrorCode::DockerfileSyntax`]: a fragment without instructions, a parse error, `COPY`/
///   `ADD` without a source and a destination, and an instruction that cannot be written back on
///   one line (a carriage return or NUL inside it, or longer than 65535 bytes once joined).
///
/// On success the parsed fragment is returned; each instruction's `logical_line`, written on a
/// line of its own in a Dockerfile with the default escape `\`, means the same instruction.
pub fn check_fragment(contents: &str) -> Result<Dockerfile> {
    // A NUL has no place in a Dockerfile, not even in a comment (tools that read it as a C
    // string stop there; found by fuzzing the renderer against BuildKit's parser).
    if let Some(offset) = contents.find('\0') {
        let before = &contents[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        return Err(syntax(
            "the fragment holds a NUL character; remove it",
            Position { line, column },
        ));
    }
    let parsed = parse_document(contents)?;
    if let (Some((name, value)), Some(position)) = (
        parsed.dockerfile.directives.first(),
        parsed.dockerfile.directive_positions.first(),
    ) {
        return Err(forbidden(
            format!(
                "`# {name}={value}` is a parser directive, and parser directives only work on the first lines of a Dockerfile; \
                 withDockerfile inserts the fragment in the middle of the rendered Dockerfile, where it would be an ordinary comment. Remove it"
            ),
            *position,
        ));
    }
    if parsed.dockerfile.instructions.is_empty() {
        return Err(syntax(
            "the withDockerfile fragment has no instructions (only comments or blank lines); give at least one instruction, e.g. `RUN …`",
            Position { line: parsed.lines.max(1), column: 1 },
        ));
    }
    for instruction in &parsed.dockerfile.instructions {
        check_instruction(instruction, instruction, false)?;
        instruction.check_one_line()?;
    }
    Ok(parsed.dockerfile)
}

fn syntax(message: impl Into<String>, at: Position) -> Error {
    Error::new(ErrorCode::DockerfileSyntax, message).at_position(at.line, at.column)
}

fn forbidden(message: impl Into<String>, at: Position) -> Error {
    Error::new(ErrorCode::ForbiddenInstruction, message).at_position(at.line, at.column)
}

/// Sources `ADD` fetches itself rather than from the build context.
fn is_remote_source(src: &str) -> bool {
    let lower = src.to_ascii_lowercase();
    if ["http://", "https://", "git://", "ssh://"]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        return true;
    }
    // scp-like git address: user@host:path
    if let Some((user, rest)) = src.split_once('@') {
        if let Some((host, _)) = rest.split_once(':') {
            let user_ok = !user.is_empty()
                && user
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            let host_ok = !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
            return user_ok && host_ok;
        }
    }
    false
}

/// Why a `RUN --mount=<value>` cannot be in a fragment, or `None` when it can: a `bind` mount
/// (the default type) without `from=` reads the build context, which a fragment does not have,
/// and an unknown type is refused rather than guessed at. The value is read as BuildKit reads
/// it: comma-separated `key=value` fields (CSV, double quotes allowed), keys and the type
/// case-insensitive.
fn mount_problem(value: &str) -> Option<String> {
    let mut kind = "bind".to_string();
    let mut from = false;
    for field in csv_fields(value) {
        let (key, value) = field.split_once('=').unwrap_or((field.as_str(), ""));
        match key.trim().to_ascii_lowercase().as_str() {
            "type" => kind = value.to_ascii_lowercase(),
            "from" => from = !value.is_empty(),
            _ => {}
        }
    }
    match kind.as_str() {
        "bind" if !from => Some(
            "is a bind mount of the build context (type=bind is the default; no from= names another image or stage), \
             and a fragment has no build context"
                .to_string(),
        ),
        "bind" | "cache" | "tmpfs" | "secret" | "ssh" => None,
        other => Some(format!(
            "has the mount type `{}`, which is not one of bind, cache, tmpfs, secret, ssh",
            other.chars().take(64).collect::<String>()
        )),
    }
}

/// The fields of one CSV record, as Go's `encoding/csv` reads a line: split at commas outside
/// double quotes; a quoted field loses its quotes and `""` inside it is one `"`.
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// The fragment rules for one instruction; `top` is the instruction as written (for `ONBUILD`,
/// the `ONBUILD` line), `inner` is `top` or its trigger.
fn check_instruction(top: &Instruction, inner: &Instruction, in_onbuild: bool) -> Result<()> {
    let at = inner.position();
    let prefix = if in_onbuild {
        format!("ONBUILD {}: ", inner.keyword)
    } else {
        String::new()
    };
    if let (false, Some(first)) = (in_onbuild, top.heredocs.first()) {
        let offset = top.logical_line.find("<<").unwrap_or(0);
        let name = &first.name;
        let prefix = if top.keyword == "ONBUILD" {
            "ONBUILD: "
        } else {
            ""
        };
        return Err(forbidden(
            format!(
                "{prefix}heredocs (`<<{name}`) are not allowed in withDockerfile: the rendered Dockerfile must also build on older engines \
                 whose Dockerfile frontend has no heredoc support (no `# syntax=` line is added). Use runCommands with a multi-line command instead"
            ),
            top.position_in_line(offset),
        ));
    }
    match inner.keyword.as_str() {
        "FROM" => {
            return Err(forbidden(
                format!(
                    "{prefix}FROM is not allowed in withDockerfile: the fragment continues the image being built. \
                     Start from another image with Image.fromRegistry(…) or Image.fromDockerfile(…) instead"
                ),
                at,
            ));
        }
        "COPY" | "ADD" => {
            let Some((sources, _)) = inner.sources_and_destination() else {
                return Err(syntax(
                    format!(
                        "{prefix}{} needs at least one source and a destination",
                        inner.keyword
                    ),
                    at,
                ));
            };
            let from = inner.flag("from");
            if inner.keyword == "ADD" {
                if from.is_some() {
                    return Err(forbidden(
                        format!("{prefix}ADD has no --from flag; copy from another image or stage with COPY --from=<image or stage> instead"),
                        at,
                    ));
                }
                if let Some(local) = sources.iter().find(|s| !is_remote_source(s)) {
                    return Err(forbidden(
                        format!(
                            "{prefix}ADD from the build context (`{local}`) is not allowed in withDockerfile: a fragment has no build context. \
                             Use copyLocalFile or copyLocalDir to put local files into the image (ADD of an http(s) or git URL is fine)"
                        ),
                        at,
                    ));
                }
            } else if from
                .and_then(|f| f.value.as_deref())
                .is_none_or(str::is_empty)
            {
                return Err(forbidden(
                    format!(
                        "{prefix}COPY from the build context is not allowed in withDockerfile: a fragment has no build context. \
                         Use copyLocalFile or copyLocalDir to put local files into the image (COPY --from=<image or stage> is fine)"
                    ),
                    at,
                ));
            }
        }
        "RUN" => {
            for flag in inner.flags.iter().filter(|f| f.name == "mount") {
                if let Some(problem) = mount_problem(flag.value.as_deref().unwrap_or("")) {
                    return Err(forbidden(
                        format!(
                            "{prefix}RUN --mount={} {problem}; in withDockerfile only mounts that do not read the build context are allowed: \
                             type=cache, type=tmpfs, type=secret, type=ssh, and type=bind with from=<image or stage>. \
                             Use copyLocalFile or copyLocalDir to put local files into the image",
                            flag.value.as_deref().unwrap_or("").chars().take(200).collect::<String>()
                        ),
                        at,
                    ));
                }
            }
        }
        // BuildKit parses `SHELL foo` but refuses to build it ("SHELL requires the arguments to
        // be in JSON form"), and an empty array too; found by fuzzing the renderer.
        "SHELL" if !matches!(&inner.args, Args::Json(argv) if !argv.is_empty()) => {
            return Err(syntax(
                format!(
                    "{prefix}SHELL takes a non-empty JSON array, e.g. SHELL [\"/bin/bash\", \"-c\"]; engines refuse to build any other form"
                ),
                at,
            ));
        }
        _ => {}
    }
    if let Some(trigger) = &inner.trigger {
        check_instruction(top, trigger, true)?;
    }
    Ok(())
}

/// Everything the parser found, including what is not an instruction.
struct Document {
    dockerfile: Dockerfile,
    /// Number of lines read.
    lines: usize,
}

/// The state of BuildKit's `DirectiveParser` plus the escape token.
struct Directives {
    escape: char,
    done: bool,
    found: Vec<(String, String)>,
    positions: Vec<Position>,
}

/// Go's `\s` (RE2): `[\t\n\f\r ]`.
fn is_re2_space(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\u{c}' | '\r' | ' ')
}

/// Matches `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$` and returns (key, value).
fn match_directive(line: &str) -> Option<(&str, &str)> {
    let rest = line.strip_prefix('#')?.trim_start_matches(is_re2_space);
    let name_len = rest
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit())))
        .map_or(rest.len(), |(i, _)| i);
    if name_len == 0 {
        return None;
    }
    let (name, rest) = rest.split_at(name_len);
    let after = rest.trim_start_matches(is_re2_space).strip_prefix('=')?;
    if after.is_empty() {
        return None;
    }
    let value = after
        .trim_start_matches(is_re2_space)
        .trim_end_matches(is_re2_space);
    if !value.is_empty() {
        return Some((name, value));
    }
    // Only whitespace after `=`: the lazy group takes its last character.
    let last = after.char_indices().last().map_or(0, |(i, _)| i);
    Some((name, &after[last..]))
}

impl Directives {
    fn new() -> Self {
        Directives {
            escape: '\\',
            done: false,
            found: Vec::new(),
            positions: Vec::new(),
        }
    }

    /// BuildKit's `possibleParserDirective` on a line (newline and, for lines that start an
    /// instruction, leading whitespace already trimmed).
    fn possible(&mut self, line: &str, at: Position) -> Result<()> {
        if self.done {
            return Ok(());
        }
        let Some((name, value)) = match_directive(line) else {
            self.done = true;
            return Ok(());
        };
        let key = name.to_ascii_lowercase();
        if !matches!(key.as_str(), "syntax" | "escape" | "check") {
            self.done = true;
            return Ok(());
        }
        if self.found.iter().any(|(k, _)| *k == key) {
            return Err(syntax(
                format!("only one {key} parser directive can be used; remove the repeated `# {key}=` line"),
                at,
            ));
        }
        if key == "escape" {
            self.escape = match value {
                "\\" => '\\',
                "`" => '`',
                _ => {
                    return Err(syntax(
                        format!("invalid escape token '{value}' does not match ` or \\; write `# escape=\\` or `# escape=``"),
                        at,
                    ))
                }
            };
        }
        self.found.push((key, value.to_string()));
        self.positions.push(at);
        Ok(())
    }
}

/// Go's `bytes.TrimRight(line, "\r\n")`.
fn trim_newline(line: &str) -> &str {
    line.trim_end_matches(['\r', '\n'])
}

/// BuildKit's `isComment`: `#` after leading whitespace.
fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

/// BuildKit's `trimContinuationCharacter`: the regular expression
/// `([^E])E[ \t]*$|^E[ \t]*$` (E the escape token) replaced by `$1`. Returns the line and
/// whether the instruction ends here.
fn trim_continuation(line: &str, escape: char) -> (&str, bool) {
    let t = line.trim_end_matches([' ', '\t']);
    let Some(before) = t.strip_suffix(escape) else {
        return (line, true);
    };
    if before.is_empty() {
        return ("", false);
    }
    if before.ends_with(escape) {
        return (line, true);
    }
    (before, false)
}

/// Go's `strings.ToLower` for an instruction word, as far as matching ASCII keywords can tell:
/// ASCII letters lower, and the only non-ASCII characters that lower into ASCII are the Kelvin
/// sign (U+212A → `k`) and U+0130 (Go: `i`). Other characters cannot match a keyword either way.
/// Written without `str::to_lowercase`, whose case tables cost the wasm build about 10 KB.
fn go_to_lower(word: &str) -> String {
    word.chars()
        .map(|c| match c {
            '\u{212A}' => 'k',
            '\u{130}' => 'i',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// The Levenshtein distance, for "did you mean" hints.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

fn unknown_instruction(word: &str) -> String {
    if word.is_empty() {
        return "empty instruction: a line continuation with nothing after it; remove the lone escape character".to_string();
    }
    let upper: String = word
        .chars()
        .take(64)
        .collect::<String>()
        .to_ascii_uppercase();
    let hint = INSTRUCTIONS
        .iter()
        .map(|known| (edit_distance(&upper, known), *known))
        .min()
        .filter(|(d, _)| *d <= 2)
        .map(|(_, known)| format!(" (did you mean {known}?)"))
        .unwrap_or_default();
    let shown: String = word.chars().take(64).collect();
    format!(
        "unknown instruction: {shown}{hint}; a Dockerfile instruction is one of {}",
        INSTRUCTIONS.join(", ")
    )
}

/// An instruction parsed from one joined line (BuildKit's `newNodeFromLine`), offsets relative
/// to that line.
struct Node {
    keyword: &'static str,
    keyword_offset: usize,
    flags: Vec<String>,
    args: String,
    parsed: Parsed,
    /// For ONBUILD: the trigger and the offset of its line.
    child: Option<(Box<Node>, usize)>,
}

/// A parse error at a byte offset of the joined line.
struct NodeError {
    message: String,
    offset: usize,
}

fn new_node(line: &str, escape: char, in_onbuild: bool) -> std::result::Result<Node, NodeError> {
    let split = split_command(line);
    let lower = go_to_lower(&split.cmd);
    let Some(keyword) = INSTRUCTIONS
        .iter()
        .copied()
        .find(|k| k.eq_ignore_ascii_case(&lower))
    else {
        return Err(NodeError {
            message: unknown_instruction(&split.cmd),
            offset: split.cmd_offset,
        });
    };
    if in_onbuild {
        match keyword {
            "ONBUILD" => {
                return Err(NodeError {
                    message: "chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed".to_string(),
                    offset: split.cmd_offset,
                })
            }
            "FROM" | "MAINTAINER" => {
                return Err(NodeError {
                    message: format!("{keyword} isn't allowed as an ONBUILD trigger"),
                    offset: split.cmd_offset,
                })
            }
            _ => {}
        }
    }
    let args = split.args.as_str();
    let at_keyword = |message: String| NodeError {
        message: format!("{keyword}: {message}"),
        offset: split.cmd_offset,
    };
    let mut child = None;
    let parsed = match keyword {
        "ADD" | "COPY" | "VOLUME" => parse_maybe_json_to_list(args).map_err(at_keyword)?,
        "RUN" | "CMD" | "ENTRYPOINT" | "SHELL" => parse_maybe_json(args).map_err(at_keyword)?,
        "ARG" => parse_name_or_name_val(args, escape),
        "ENV" | "LABEL" => parse_name_val(args, keyword, escape).map_err(|message| NodeError {
            message: format!("{message}; write `{keyword} NAME=value`"),
            offset: split.cmd_offset,
        })?,
        "EXPOSE" | "FROM" => parse_strings_whitespace_delimited(args),
        "HEALTHCHECK" => parse_health_config(args).map_err(at_keyword)?,
        "MAINTAINER" | "STOPSIGNAL" | "USER" | "WORKDIR" => parse_string(args),
        _ => {
            // ONBUILD
            if !args.is_empty() {
                let node = new_node(args, escape, true).map_err(|e| NodeError {
                    message: e.message,
                    offset: e.offset + split.args_offset,
                })?;
                child = Some((Box::new(node), split.args_offset));
            }
            Parsed::default()
        }
    };
    Ok(Node {
        keyword,
        keyword_offset: split.cmd_offset,
        flags: split.flags,
        args: split.args,
        parsed,
        child,
    })
}

impl Node {
    /// BuildKit's `canContainHeredoc`.
    fn can_contain_heredoc(&self) -> bool {
        let node = match (&self.child, self.keyword) {
            (Some((child, _)), "ONBUILD") => child.as_ref(),
            _ => self,
        };
        matches!(node.keyword, "ADD" | "COPY" | "RUN") && !node.parsed.json
    }

    fn into_instruction(
        self,
        logical_line: String,
        span: &Span,
        base: usize,
        lines: (usize, usize),
        heredocs: Vec<Heredoc>,
    ) -> Instruction {
        let json_capable = matches!(
            self.keyword,
            "ADD" | "COPY" | "VOLUME" | "RUN" | "CMD" | "ENTRYPOINT" | "SHELL"
        );
        let args = if json_capable && self.parsed.json {
            Args::Json(self.parsed.values.clone())
        } else {
            Args::Text(self.args.clone())
        };
        let trigger = self.child.map(|(child, offset)| {
            // A trigger's text is everything after `ONBUILD` (and its flags).
            Box::new(child.into_instruction(
                self.args.clone(),
                span,
                base + offset,
                lines,
                Vec::new(),
            ))
        });
        Instruction {
            keyword: self.keyword.to_string(),
            flags: self
                .flags
                .iter()
                .map(|word| {
                    let word = word.strip_prefix("--").unwrap_or(word);
                    match word.split_once('=') {
                        Some((name, value)) => Flag {
                            name: name.to_string(),
                            value: Some(value.to_string()),
                        },
                        None => Flag {
                            name: word.to_string(),
                            value: None,
                        },
                    }
                })
                .collect(),
            args,
            values: self.parsed.values,
            trigger,
            heredocs,
            start_line: lines.0,
            end_line: lines.1,
            logical_line,
            span: span.clone(),
            keyword_offset: base + self.keyword_offset,
        }
    }
}

/// Lines of the text, each with its `\n` (BuildKit's `scanLines`).
struct Lines<'a> {
    rest: &'a str,
    read: usize,
}

impl<'a> Lines<'a> {
    /// The next line, or `None` at the end; a line longer than BuildKit reads is an error.
    fn next_line(&mut self) -> Result<Option<&'a str>> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let end = self.rest.find('\n').map_or(self.rest.len(), |i| i + 1);
        let (line, rest) = self.rest.split_at(end);
        self.rest = rest;
        self.read += 1;
        let content = line.strip_suffix('\n').unwrap_or(line);
        if content.len() > MAX_LINE_BYTES {
            return Err(syntax(
                format!(
                    "line {} is {} bytes long; BuildKit reads lines of at most {MAX_LINE_BYTES} bytes. Split it with line continuations",
                    self.read,
                    content.len()
                ),
                Position { line: self.read, column: 1 },
            ));
        }
        Ok(Some(line))
    }
}

/// BuildKit's `Parse`, keeping what [`check_fragment`] needs too.
fn parse_document(text: &str) -> Result<Document> {
    let mut lines = Lines {
        rest: text,
        read: 0,
    };
    let mut d = Directives::new();
    let mut current_line = 0usize;
    let mut instructions = Vec::new();
    let mut open_continuation = None;

    while let Some(raw) = lines.next_line()? {
        let raw = if current_line == 0 {
            raw.strip_prefix('\u{FEFF}').unwrap_or(raw)
        } else {
            raw
        };
        let token = trim_newline(raw);
        let token_trimmed = token.trim_start();
        let lead_columns = token[..token.len() - token_trimmed.len()].chars().count();
        current_line += 1;
        d.possible(
            token_trimmed,
            Position {
                line: current_line,
                column: lead_columns + 1,
            },
        )?;
        let content = if is_comment(token_trimmed) {
            ""
        } else {
            token_trimmed
        };

        let start_line = current_line;
        let (piece, mut end_of_instruction) = trim_continuation(content, d.escape);
        if end_of_instruction && piece.is_empty() {
            continue;
        }
        // Where the escape token that continues the current line is.
        let mut escape_at = Position {
            line: start_line,
            column: lead_columns + piece.chars().count() + 1,
        };
        let mut joined = String::from(piece);
        let mut pieces = vec![(0usize, start_line, lead_columns)];
        while !end_of_instruction {
            let Some(raw) = lines.next_line()? else {
                open_continuation = Some(escape_at);
                break;
            };
            let token = trim_newline(raw);
            current_line += 1;
            d.possible(
                token,
                Position {
                    line: current_line,
                    column: 1,
                },
            )?;
            if is_comment(raw) {
                continue;
            }
            if token.trim_start().is_empty() {
                continue;
            }
            let (piece, end) = trim_continuation(token, d.escape);
            end_of_instruction = end;
            escape_at = Position {
                line: current_line,
                column: piece.chars().count() + 1,
            };
            pieces.push((joined.len(), current_line, 0));
            joined.push_str(piece);
        }

        let trimmed = joined.len() - joined.trim_start().len();
        let span = Span {
            pieces,
            joined,
            trimmed,
        };
        let node = new_node(&span.joined, d.escape, false)
            .map_err(|e| syntax(e.message, span.position(e.offset)))?;

        let mut heredocs = Vec::new();
        if node.can_contain_heredoc() && span.joined.contains("<<") {
            let words = heredocs_from_line(&span.joined).map_err(|e| {
                let message = match e {
                    LexError::TooDeep => {
                        "variable substitutions (`${…}`) nested too deeply".to_string()
                    }
                    LexError::Syntax(m) => format!("cannot read the heredoc: {m}"),
                };
                syntax(message, span.position(node.keyword_offset))
            })?;
            for word in words {
                let mut body = String::new();
                let mut terminated = false;
                while let Some(raw) = lines.next_line()? {
                    current_line += 1;
                    let mut candidate = trim_newline(raw);
                    if word.chomp {
                        candidate = candidate.trim_start_matches('\t');
                    }
                    if candidate == word.name {
                        terminated = true;
                        break;
                    }
                    body.push_str(raw);
                }
                if !terminated {
                    return Err(syntax(
                        format!(
                            "unterminated heredoc: no line `{}` ends the heredoc started here",
                            word.name
                        ),
                        span.position(node.keyword_offset),
                    ));
                }
                heredocs.push(Heredoc {
                    name: word.name,
                    body,
                    expand: word.expand,
                    chomp: word.chomp,
                });
            }
        }

        let logical_line = span.joined[trimmed..].to_string();
        instructions.push(node.into_instruction(
            logical_line,
            &span,
            0,
            (start_line, current_line),
            heredocs,
        ));
    }

    Ok(Document {
        dockerfile: Dockerfile {
            escape: d.escape,
            directives: d.found,
            instructions,
            directive_positions: d.positions,
            open_continuation,
        },
        lines: current_line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyword_lowering_matches_unicode_where_it_reaches_ascii() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let lowered: String = c.to_lowercase().collect();
            let ours = go_to_lower(&c.to_string());
            if lowered.is_ascii() {
                assert_eq!(ours, lowered, "U+{:04X}", u32::from(c));
            } else if c != '\u{130}' {
                assert!(
                    !ours.is_ascii(),
                    "U+{:04X} must not lower into ASCII",
                    u32::from(c)
                );
            }
        }
    }
    use proptest::prelude::*;

    fn err(result: Result<Dockerfile>) -> (ErrorCode, usize, usize, String) {
        let e = result.expect_err("expected an error");
        let p = e.position.expect("error without a position");
        (e.code, p.line, p.column, e.message)
    }

    fn forbidden_at(fragment: &str, line: usize, column: usize) -> String {
        let (code, l, c, message) = err(check_fragment(fragment));
        assert_eq!(
            (code, l, c),
            (ErrorCode::ForbiddenInstruction, line, column),
            "{fragment:?}: {message}"
        );
        message
    }

    fn syntax_at(result: Result<Dockerfile>, line: usize, column: usize) -> String {
        let (code, l, c, message) = err(result);
        assert_eq!(
            (code, l, c),
            (ErrorCode::DockerfileSyntax, line, column),
            "{message}"
        );
        message
    }

    fn keywords(df: &Dockerfile) -> Vec<&str> {
        df.instructions.iter().map(|i| i.keyword.as_str()).collect()
    }

    #[test]
    fn multi_stage_in_order() {
        let df = parse(
            "FROM python:3.12 AS build\nrun pip wheel -w /w .\n\nfrom python:3.12-slim\nCOPY --from=build --chown=1:1 /w /w\nCMD [\"python\", \"-m\", \"app\"]\n",
        )
        .unwrap();
        assert_eq!(keywords(&df), ["FROM", "RUN", "FROM", "COPY", "CMD"]);
        assert_eq!(df.instructions[0].values, ["python:3.12", "AS", "build"]);
        let copy = &df.instructions[3];
        assert_eq!(
            copy.flag("from"),
            Some(&Flag {
                name: "from".into(),
                value: Some("build".into())
            })
        );
        assert_eq!(
            copy.flag("chown").and_then(|f| f.value.as_deref()),
            Some("1:1")
        );
        assert_eq!(copy.args, Args::Text("/w /w".into()));
        assert_eq!(
            copy.sources_and_destination(),
            Some((&["/w".to_string()][..], "/w"))
        );
        assert_eq!((copy.start_line, copy.end_line), (5, 5));
        assert_eq!(
            df.instructions[4].args,
            Args::Json(vec!["python".into(), "-m".into(), "app".into()])
        );
        assert_eq!(df.instructions[1].logical_line, "run pip wheel -w /w .");
    }

    #[test]
    fn directives() {
        let df = parse("# syntax=docker/dockerfile:1\n #ESCAPE = `\n# check=skip=all\nFROM a\nRUN echo `\n  hi\n").unwrap();
        assert_eq!(df.escape, '`');
        assert_eq!(
            df.directives,
            [
                ("syntax".to_string(), "docker/dockerfile:1".to_string()),
                ("escape".to_string(), "`".to_string()),
                ("check".to_string(), "skip=all".to_string()),
            ]
        );
        assert_eq!(df.instructions[1].logical_line, "RUN echo   hi");
        // After a comment, an empty line or an unknown key, directives are comments.
        for text in [
            "# hello\n# escape=`\nFROM a",
            "\n# escape=`\nFROM a",
            "# foo=bar\n# escape=`\nFROM a",
        ] {
            let df = parse(text).unwrap();
            assert_eq!(df.escape, '\\', "{text:?}");
        }
        syntax_at(parse("# escape=`\n# escape=\\\nFROM a"), 2, 1);
        let message = syntax_at(parse("  # escape=x\nFROM a"), 1, 3);
        assert!(message.contains("invalid escape token"), "{message}");
        // `# escape=` followed only by whitespace: the value is the whitespace (invalid).
        syntax_at(parse("# escape= \nFROM a"), 1, 1);
    }

    #[test]
    fn unknown_instruction_named_with_position() {
        let message = syntax_at(parse("FROM a\n  FORM b\n"), 2, 3);
        assert!(
            message.contains("FORM") && message.contains("did you mean FROM"),
            "{message}"
        );
        let message = syntax_at(parse("FROM a\nCOPY x y\n  \\\n  BOGUS thing"), 4, 3);
        assert!(message.contains("BOGUS"), "{message}");
        // A lone continuation at the end of the file makes an empty instruction.
        syntax_at(parse("FROM a\n\\"), 2, 1);
        // ONBUILD triggers BuildKit refuses.
        syntax_at(parse("FROM a\nONBUILD ONBUILD RUN x"), 2, 9);
        syntax_at(parse("FROM a\nONBUILD   from b"), 2, 11);
        syntax_at(parse("FROM a\nONBUILD MAINTAINER me"), 2, 9);
        syntax_at(parse("FROM a\nONBUILD NOPE x"), 2, 9);
        // Keywords are case-insensitive the way Go lowers them (U+212A KELVIN SIGN is `k`).
        assert_eq!(keywords(&parse("wor\u{212a}dir /x").unwrap()), ["WORKDIR"]);
    }

    #[test]
    fn continuations_comments_and_blank_lines() {
        let text = "FROM a\nRUN apt-get update \\\n    # a comment inside\n\n    && apt-get install -y curl \\\n  \t\n\t&& rm -rf /var/lib/apt/lists\nENV A=1\n";
        let df = parse(text).unwrap();
        let run = &df.instructions[1];
        assert_eq!(
            run.logical_line,
            "RUN apt-get update     && apt-get install -y curl \t&& rm -rf /var/lib/apt/lists"
        );
        assert_eq!((run.start_line, run.end_line), (2, 7));
        assert_eq!(
            run.args,
            Args::Text(
                "apt-get update     && apt-get install -y curl \t&& rm -rf /var/lib/apt/lists"
                    .into()
            )
        );
        assert_eq!(
            (df.instructions[2].start_line, df.instructions[2].end_line),
            (8, 8)
        );
        // Continuation at the end of the file ends the instruction.
        let df = parse("RUN a \\").unwrap();
        assert_eq!(
            (
                df.instructions[0].logical_line.as_str(),
                df.instructions[0].end_line
            ),
            ("RUN a ", 1)
        );
        // An escaped escape token does not continue the line.
        let df = parse("ENV C trailing\\\\\nENV D x").unwrap();
        assert_eq!(df.instructions.len(), 2);
    }

    #[test]
    fn crlf_and_bom() {
        let df = parse("\u{feff}FROM a\r\nRUN echo hi \\\r\n  there\r\n\r\nUSER me\r\n").unwrap();
        assert_eq!(keywords(&df), ["FROM", "RUN", "USER"]);
        assert_eq!(df.instructions[1].logical_line, "RUN echo hi   there");
        assert_eq!(df.instructions[2].values, ["me"]);
        assert_eq!(
            (df.instructions[2].start_line, df.instructions[2].end_line),
            (5, 5)
        );
        let df = check_fragment("RUN a \\\r\n  b\r\nENV X=1\r\n").unwrap();
        assert_eq!(df.instructions[0].logical_line, "RUN a   b");
        forbidden_at("RUN a\r\nFROM b\r\n", 2, 1);
    }

    #[test]
    fn unicode() {
        let df = check_fragment("RUN echo héllo ☃ \\\n  😀\nENV ÉTÉ=☀ X=\"a b\"\nLABEL org.opencontainers.image.title=\"Ünïcode\"").unwrap();
        assert_eq!(df.instructions[0].logical_line, "RUN echo héllo ☃   😀");
        assert_eq!(
            df.instructions[1].values,
            ["ÉTÉ", "☀", "=", "X", "\"a b\"", "="]
        );
        // Columns count characters.
        forbidden_at("RUN ☃\n\u{a0}\u{a0}COPY a b", 2, 3);
        syntax_at(check_fragment("RUN ☃ ☃\rb"), 1, 8);
    }

    #[test]
    fn json_forms() {
        let df = parse("FROM a\nCMD [\"a\", \"b\"]\nCMD ['a']\nRUN [\"a\"] && b\nVOLUME [\"/a\", \"/b\"]\nSHELL [\"/bin/bash\", \"-c\"]\nENTRYPOINT []\nCOPY [\"a b\", \"/c\"]").unwrap();
        let args: Vec<&Args> = df.instructions.iter().map(|i| &i.args).collect();
        assert_eq!(args[1], &Args::Json(vec!["a".into(), "b".into()]));
        assert_eq!(args[2], &Args::Text("['a']".into()));
        // Go's JSON decoder stops after the array.
        assert_eq!(args[3], &Args::Json(vec!["a".into()]));
        assert_eq!(args[4], &Args::Json(vec!["/a".into(), "/b".into()]));
        assert_eq!(args[6], &Args::Json(vec![]));
        assert_eq!(
            df.instructions[7].sources_and_destination(),
            Some((&["a b".to_string()][..], "/c"))
        );
        let message = syntax_at(parse("FROM a\n\nCMD [ \"echo\", [ \"nested\" ] ]"), 3, 1);
        assert!(message.contains("strings only"), "{message}");
        // ENV/LABEL/ARG argument errors.
        syntax_at(parse("FROM a\n ENV PATH"), 2, 2);
        syntax_at(parse("FROM a\nLABEL a=b c"), 2, 1);
    }

    #[test]
    fn heredocs_like_buildkit() {
        // Adapted from BuildKit's TestParseExtractsHeredoc and TestParseJSONHeredoc
        // (parser_heredoc_test.go, moby/buildkit, Apache-2.0).
        let text = "\nFROM alpine:3.6\n\nENV NAME=me\n\nRUN ls\n\nRUN <<EMPTY\nEMPTY\n\nRUN 3<<EMPTY2\nEMPTY2\n\nRUN \"<<NOHEREDOC\"\n\nRUN <<INDENT\n\tfoo\n\tbar\nINDENT\n\nRUN <<-UNINDENT\n\tbaz\n\tquux\nUNINDENT\n\nRUN <<-UNINDENT2\n\tbaz\n\tquux\n\tUNINDENT2\n\nRUN <<-EXPAND\n\texpand $NAME\nEXPAND\n\nRUN <<-'NOEXPAND'\n\tdon't expand $NAME\nNOEXPAND\n\nRUN <<COPY\necho hello world\necho foo bar\nCOPY\n\nRUN <<COMMENT\n# internal comment\necho hello world\necho foo bar # trailing comment\nCOMMENT\n\nRUN --mount=type=cache,target=/foo <<MOUNT\necho hello\nMOUNT\n\nCOPY <<FILE1 <<FILE2 /dest\ncontent 1\nFILE1\ncontent 2\nFILE2\n\nCOPY <<X <<Y /dest\nY\nX\nX\nY\n\nRUN [\"<<EOF\"]\nRUN [\"<<'EOF'\"]\n\t";
        let df = parse(text).unwrap();
        let h = |name: &str, body: &str, expand: bool, chomp: bool| Heredoc {
            name: name.into(),
            body: body.into(),
            expand,
            chomp,
        };
        let expected: Vec<Vec<Heredoc>> = vec![
            vec![],
            vec![],
            vec![h("EMPTY", "", true, false)],
            vec![h("EMPTY2", "", true, false)],
            vec![],
            vec![h("INDENT", "\tfoo\n\tbar\n", true, false)],
            vec![h("UNINDENT", "\tbaz\n\tquux\n", true, true)],
            vec![h("UNINDENT2", "\tbaz\n\tquux\n", true, true)],
            vec![h("EXPAND", "\texpand $NAME\n", true, true)],
            vec![h("NOEXPAND", "\tdon't expand $NAME\n", false, true)],
            vec![h("COPY", "echo hello world\necho foo bar\n", true, false)],
            vec![h(
                "COMMENT",
                "# internal comment\necho hello world\necho foo bar # trailing comment\n",
                true,
                false,
            )],
            vec![h("MOUNT", "echo hello\n", true, false)],
            vec![
                h("FILE1", "content 1\n", true, false),
                h("FILE2", "content 2\n", true, false),
            ],
            vec![h("X", "Y\n", true, false), h("Y", "X\n", true, false)],
            vec![],
            vec![],
        ];
        let got: Vec<Vec<Heredoc>> = df.instructions[1..]
            .iter()
            .map(|i| i.heredocs.clone())
            .collect();
        assert_eq!(got, expected);
        let copy = &df.instructions[15];
        assert_eq!((copy.start_line, copy.end_line), (60, 64));
        // USER takes no heredoc: the next line is an instruction of its own (here an unknown one).
        let message = syntax_at(parse("FROM a\nUSER <<INVALID\nINVALID\n"), 3, 1);
        assert!(message.contains("INVALID"), "{message}");
        syntax_at(parse("FROM a\nRUN cat <<EOF\nnever ends\n"), 2, 1);
        // ONBUILD triggers take heredocs too.
        let df = parse("FROM a\nONBUILD RUN <<EOF\nx\nEOF\n").unwrap();
        assert_eq!(df.instructions[1].heredocs, [h("EOF", "x\n", true, false)]);
        assert_eq!(
            df.instructions[1]
                .trigger
                .as_ref()
                .map(|t| t.keyword.as_str()),
            Some("RUN")
        );
        assert_eq!(df.instructions[1].end_line, 4);
    }

    #[test]
    fn no_instructions_is_an_error() {
        syntax_at(parse(""), 1, 1);
        syntax_at(parse("# Hello\n# only comments\n\n"), 3, 1);
        syntax_at(check_fragment(""), 1, 1);
        syntax_at(check_fragment("\n\n  \n# nothing\n"), 4, 1);
    }

    #[test]
    fn line_length_limit() {
        let long = format!("RUN {}", "a".repeat(MAX_LINE_BYTES));
        syntax_at(parse(&format!("FROM a\n{long}\n")), 2, 1);
        let ok = format!("RUN {}", "a".repeat(MAX_LINE_BYTES - 4));
        assert!(parse(&ok).is_ok());
        // Short physical lines, but too long for one rendered line.
        let half = "a".repeat(40_000);
        let joined = format!("RUN {half} \\\n{half}");
        assert!(parse(&joined).is_ok());
        let message = syntax_at(check_fragment(&format!("ENV A=1\n{joined}")), 2, 1);
        assert!(message.contains("one line"), "{message}");
    }

    #[test]
    fn fragment_from_is_forbidden() {
        let message = forbidden_at("RUN a\nFROM python:3.12", 2, 1);
        assert!(
            message.contains("fromRegistry") && message.contains("fromDockerfile"),
            "{message}"
        );
        forbidden_at("  from x AS y", 1, 3);
    }

    #[test]
    fn fragment_copy_add_need_a_source_outside_the_context() {
        let message = forbidden_at("COPY app.py /app/", 1, 1);
        assert!(
            message.contains("copyLocalFile") && message.contains("copyLocalDir"),
            "{message}"
        );
        forbidden_at("RUN a\n\tcopy --chown=1 . /", 2, 2);
        forbidden_at("COPY --from= a b", 1, 1);
        forbidden_at("COPY --from a b", 1, 1);
        forbidden_at("COPY --FROM=x a b", 1, 1);
        forbidden_at("COPY [\"a\", \"b\"]", 1, 1);
        assert!(
            check_fragment("COPY --from=ghcr.io/astral-sh/uv:0.5.0 /uv /usr/local/bin/uv").is_ok()
        );
        assert!(check_fragment("COPY --link --from=build [\"/a b\", \"/c\"]").is_ok());
        let message = forbidden_at("ADD . /src", 1, 1);
        assert!(message.contains("copyLocalFile"), "{message}");
        forbidden_at("ADD https://example.com/a.tgz local.txt /x/", 1, 1);
        assert!(check_fragment("ADD https://example.com/a.tgz /x/").is_ok());
        assert!(check_fragment(
            "ADD --checksum=sha256:00 https://e.com/a git@github.com:moby/buildkit.git /x/"
        )
        .is_ok());
        let message = forbidden_at("ADD --from=build /a /b", 1, 1);
        assert!(message.contains("COPY --from"), "{message}");
        syntax_at(check_fragment("COPY --from=x onlyone"), 1, 1);
        // Continuation lines: the error points at the keyword.
        forbidden_at("RUN apt-get update \\\n    # comment\n\n    && apt-get install -y curl\nCOPY \\\n  a \\\n  b", 5, 1);
        forbidden_at("\\\n  COPY a b", 2, 3);
    }

    #[test]
    fn fragment_directives_are_forbidden() {
        let message = forbidden_at("# syntax=docker/dockerfile:1\nRUN x", 1, 1);
        assert!(
            message.contains("top") || message.contains("first lines"),
            "{message}"
        );
        assert!(message.contains("middle"), "{message}");
        forbidden_at("  # escape=`\nRUN x", 1, 3);
        forbidden_at("#check=skip=all", 1, 1);
        // Not at the top, it is an ordinary comment.
        assert!(check_fragment("RUN x\n# escape=`\nRUN y").is_ok());
    }

    #[test]
    fn fragment_heredocs_are_forbidden() {
        let message = forbidden_at("RUN <<EOF\napt-get update\nEOF", 1, 5);
        assert!(
            message.contains("runCommands") && message.contains("older"),
            "{message}"
        );
        forbidden_at("ENV A=1\nRUN cat \\\n  <<'EOF' > /x\nhi\nEOF\n", 3, 3);
        forbidden_at("COPY --from=x <<EOF /dest\nhi\nEOF", 1, 15);
        // Not heredocs: JSON form, quoted, or not a heredoc-capable instruction.
        assert!(check_fragment(
            "RUN [\"sh\", \"-c\", \"cat <<EOF\"]\nRUN echo '<<EOF'\nLABEL a=\"<<EOF\""
        )
        .is_ok());
    }

    #[test]
    fn fragment_onbuild_wrapping_forbidden_things() {
        let message = forbidden_at("ONBUILD COPY . /app", 1, 9);
        assert!(message.starts_with("ONBUILD COPY"), "{message}");
        forbidden_at("ONBUILD \\\n  ADD . /app", 2, 3);
        let message = forbidden_at("ONBUILD RUN <<EOF\nx\nEOF", 1, 13);
        assert!(message.starts_with("ONBUILD"), "{message}");
        syntax_at(check_fragment("ONBUILD FROM x"), 1, 9);
        let df = check_fragment("ONBUILD COPY --from=x /a /b\nONBUILD RUN make").unwrap();
        assert_eq!(
            df.instructions[1].trigger.as_ref().unwrap().values,
            ["make"]
        );
        assert_eq!(
            df.instructions[1].trigger.as_ref().unwrap().logical_line,
            "RUN make"
        );
    }

    #[test]
    fn fragment_lines_must_survive_rendering() {
        syntax_at(check_fragment("RUN a\rb"), 1, 6);
        // A continuation into the end of the text whose result still ends with `\`.
        let df = parse("RUN a \\\t\\").unwrap();
        assert_eq!(df.instructions[0].logical_line, "RUN a \\\t");
        syntax_at(check_fragment("ENV A=1\nRUN a \\\t\\\n# comment\n\n"), 2, 7);
        assert!(check_fragment("RUN a \\\n").is_ok());
        syntax_at(check_fragment("ENV A=1\nRUN a \\\n b\0"), 3, 3);
    }

    #[test]
    fn fragment_accepted_and_returned() {
        let df = check_fragment(
            "# install tools\nSHELL [\"/bin/bash\", \"-c\"]\nRUN apt-get update && \\\n    apt-get install -y curl\nENV A=1 B=\"two words\"\nWORKDIR /app\nARG X\nLABEL k=v\nUSER root\nEXPOSE 80 443\nVOLUME /data\nHEALTHCHECK --interval=5s CMD curl -f localhost\nSTOPSIGNAL SIGTERM\nENTRYPOINT [\"python\"]\nCMD [\"-m\", \"app\"]\nMAINTAINER me",
        )
        .unwrap();
        assert_eq!(
            keywords(&df),
            [
                "SHELL",
                "RUN",
                "ENV",
                "WORKDIR",
                "ARG",
                "LABEL",
                "USER",
                "EXPOSE",
                "VOLUME",
                "HEALTHCHECK",
                "STOPSIGNAL",
                "ENTRYPOINT",
                "CMD",
                "MAINTAINER"
            ]
        );
        assert_eq!(
            df.instructions[1].logical_line,
            "RUN apt-get update &&     apt-get install -y curl"
        );
        assert_eq!(df.instructions[9].values, ["CMD", "curl -f localhost"]);
        assert_eq!(
            df.instructions[9].flags[0],
            Flag {
                name: "interval".into(),
                value: Some("5s".into())
            }
        );
    }

    /// The parts of an instruction that must survive writing `logical_line` back on one line.
    fn meaning(i: &Instruction) -> String {
        format!(
            "{}|{:?}|{:?}|{:?}|{:?}|{}|{}",
            i.keyword,
            i.flags,
            i.args,
            i.values,
            i.heredocs,
            i.trigger.as_deref().map(meaning).unwrap_or_default(),
            i.logical_line
        )
    }

    fn fragment_strategy() -> impl Strategy<Value = String> {
        let keyword = prop::sample::select(vec![
            "RUN",
            "run",
            "ENV A=",
            "ENV",
            "ARG",
            "LABEL l=",
            "CMD",
            "SHELL",
            "WORKDIR",
            "USER",
            "EXPOSE",
            "VOLUME",
            "ENTRYPOINT",
            "HEALTHCHECK",
            "STOPSIGNAL",
            "COPY --from=x",
            "ONBUILD RUN",
            "ONBUILD ENV B=",
            "COPY",
            "FROM",
            "# c",
            "  RUN",
            "ENV A=1",
            "RUN --mount=type=cache,target=/x",
            "ONBUILD COPY --from=y",
        ]);
        let word = prop::string::string_regex("[a-z=\"'\\\\`$ \t{}\\[\\],:#<>☃-]{0,12}").unwrap();
        let ending = prop::sample::select(vec![
            "\n",
            "\n",
            "\n",
            "\\\n",
            "\\ \t\n",
            "\r\n",
            "\\\r\n",
            "\n\n",
            "\n  # c\n",
            "\\\n# c\n",
        ]);
        let line = (keyword, prop::collection::vec((word, ending), 1..4)).prop_map(|(k, parts)| {
            let mut s = format!("{k} ");
            for (w, e) in parts {
                s.push_str(&w);
                s.push_str(e);
            }
            s
        });
        prop::collection::vec(line, 1..4).prop_map(|lines| lines.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn parse_never_panics(text in any::<String>()) {
            let _ = parse(&text);
            let _ = check_fragment(&text);
        }

        #[test]
        fn parse_never_panics_on_dockerfile_like_text(text in prop::string::string_regex("[A-Za-z \t\r\n\\\\`#=\"'\\[\\]{}$<>:,.-☃\u{a0}\u{feff}]{0,300}").unwrap()) {
            let _ = parse(&text);
            let _ = check_fragment(&text);
        }

        #[test]
        fn accepted_fragments_survive_one_line_per_instruction(fragment in fragment_strategy()) {
            if let Ok(df) = check_fragment(&fragment) {
                let rendered: String = df.instructions.iter().map(|i| format!("{}\n", i.logical_line)).collect();
                let again = parse(&rendered).expect("a rendered fragment parses");
                let before: Vec<String> = df.instructions.iter().map(meaning).collect();
                let after: Vec<String> = again.instructions.iter().map(meaning).collect();
                prop_assert_eq!(before, after, "fragment {:?} rendered {:?}", fragment, rendered);
                prop_assert!(check_fragment(&rendered).is_ok());
            }
        }
    }

    #[test]
    fn some_generated_fragments_are_accepted() {
        // The round-trip property is only meaningful if the strategy produces accepted fragments.
        use proptest::strategy::ValueTree;
        use proptest::test_runner::TestRunner;
        let mut runner = TestRunner::deterministic();
        let strategy = fragment_strategy();
        let accepted = (0..500)
            .filter(|_| check_fragment(&strategy.new_tree(&mut runner).unwrap().current()).is_ok())
            .count();
        assert!(
            accepted > 100,
            "only {accepted} of 500 generated fragments accepted"
        );
    }
}
