//! Parser directives (`# escape=`, `# syntax=`, `# check=`): BuildKit's `DirectiveParser`,
//! which reads them only on the first lines of a Dockerfile and sets the escape token.

use super::syntax;
use crate::error::{Position, Result};

/// The state of BuildKit's `DirectiveParser` plus the escape token.
pub(super) struct Directives {
    /// The escape token: `\` unless `# escape=` set it.
    pub(super) escape: char,
    /// Whether the directives are over (a line that is not one was read).
    done: bool,
    /// The directives found, in order: (name in lower case, value).
    pub(super) found: Vec<(String, String)>,
    /// Where each directive is (same order as `found`).
    pub(super) positions: Vec<Position>,
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
    /// Before the first line: escape `\`, no directives.
    pub(super) fn new() -> Self {
        Directives {
            escape: '\\',
            done: false,
            found: Vec::new(),
            positions: Vec::new(),
        }
    }

    /// BuildKit's `possibleParserDirective` on a line (newline and, for lines that start an
    /// instruction, leading whitespace already trimmed).
    pub(super) fn possible(&mut self, line: &str, at: Position) -> Result<()> {
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
