//! BuildKit's `Parse`: the text read line by line, line continuations joined, comment and blank
//! lines dropped, each joined line split into keyword, flags and arguments by the
//! per-instruction parsers of [`super::words`], and heredoc bodies read after their line.

use super::directives::Directives;
use super::heredoc::{heredocs_from_line, LexError};
use super::instruction::Span;
use super::keywords::{go_to_lower, unknown_instruction, INSTRUCTIONS};
use super::words::{
    parse_health_config, parse_maybe_json, parse_maybe_json_to_list, parse_name_or_name_val,
    parse_name_val, parse_string, parse_strings_whitespace_delimited, split_command, Parsed,
};
use super::{syntax, Args, Dockerfile, Flag, Heredoc, Instruction, MAX_LINE_BYTES};
use crate::error::{Position, Result};

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

/// Everything the parser found, including what is not an instruction.
pub(super) struct Document {
    /// The instructions and directives.
    pub(super) dockerfile: Dockerfile,
    /// Number of lines read.
    pub(super) lines: usize,
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
pub(super) fn trim_continuation(line: &str, escape: char) -> (&str, bool) {
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

/// BuildKit's `Parse`, keeping what [`super::check_fragment`] needs too.
pub(super) fn parse_document(text: &str) -> Result<Document> {
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
