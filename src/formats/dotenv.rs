//! Our own dotenv parser (`envFile`): `KEY=value` lines as python-dotenv and docker compose
//! read them, minus everything that would make the result depend on the machine.
//!
//! # Syntax
//!
//! - `KEY=value`, optionally prefixed by `export ` (as a shell script would write it).
//!   Whitespace around the key and around `=` is ignored.
//! - Blank lines and lines whose first non-blank character is `#` are skipped.
//! - Unquoted values run to the end of the line, with trailing whitespace trimmed. A `#` that
//!   follows whitespace starts a comment (`A=b #c` is `b`); a `#` inside a word does not
//!   (`A=b#c` is `b#c`). Quotes inside an unquoted value are kept as they are (`A=it's`).
//! - `'single quotes'`: the text between them, literally (no escapes).
//! - `"double quotes"`: `\n`, `\r`, `\t`, `\"` and `\\` are escapes; any other backslash is kept
//!   as written (`"C:\dir"` is `C:\dir`), as python-dotenv and docker compose do.
//! - A quoted value (either kind) may span lines, as in python-dotenv and docker compose; the
//!   line breaks are part of the value. Such a value then fails the `env` step's rule that a value
//!   holds no line break (a Dockerfile `ENV` line cannot hold one), with an error that names the
//!   variable ([`line_of`] finds its line), instead of being silently cut at the first line.
//!   After the closing quote only whitespace and a comment may follow.
//! - `\r\n` line ends count as `\n` (also inside quoted values); a UTF-8 byte order mark at the
//!   start is ignored.
//!
//! # Not supported, on purpose
//!
//! - **No variable expansion**: `$HOME`, `${HOME}` and `$(cmd)` stay literal text in every quoting
//!   style. Expanding them would read the environment of the machine that runs `resolve`, so the
//!   same file would give different images (and different image hashes) on different machines.
//! - **No bare `KEY` lines**: docker compose takes the value of such a line from the machine's
//!   environment; here it is an error that says to write `KEY=` for an empty value.
//! - **No quoted keys**: `"KEY"=value` is an error (write the key without quotes); so is a key
//!   starting with `#` after `export` (`export #A=1`), which a shell reads as a comment.
//!
//! # Keys
//!
//! Keys follow the `env` step's rule: non-empty, without `=`, whitespace or control characters.
//!
//! # Duplicates
//!
//! A key set twice keeps its last value (as a shell sourcing the file would), at the place where
//! it was first set: [`parse`] returns one pair per key, in the order keys first appear. (The
//! `env` step sorts keys anyway, so the order never changes the image.)

use std::collections::BTreeMap;

use crate::error::{Error, ErrorCode, Quoted, Result};

/// Parses a dotenv file into `(key, value)` pairs: one per key, the last value wins, in the
/// order keys first appear. Errors are `DotenvSyntax` with the line and column; the caller adds
/// the file name (`.in_file(path)`).
pub fn parse(text: &str) -> Result<Vec<(String, String)>> {
    // The last value of each key; the keys in the order they first appear.
    let mut last: BTreeMap<String, String> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    scan(text, &mut |key, value, _| {
        if last.insert(key.to_string(), value).is_none() {
            order.push(key.to_string());
        }
    })?;
    Ok(order
        .into_iter()
        .map(|key| {
            let value = last.get(&key).cloned().unwrap_or_default();
            (key, value)
        })
        .collect())
}

/// The 1-based line of the assignment that gives `key` its final value in a file [`parse`]
/// accepts, for messages about the value (the `env` step rejects values with line breaks).
pub fn line_of(text: &str, key: &str) -> Option<usize> {
    let mut found = None;
    scan(text, &mut |k, _, line| {
        if k == key {
            found = Some(line);
        }
    })
    .ok()?;
    found
}

/// Byte offset of the first byte at or after `at` that is not a space or tab.
fn skip_blanks(line: &str, mut at: usize) -> usize {
    while matches!(line.as_bytes().get(at), Some(b' ' | b'\t')) {
        at += 1;
    }
    at
}

fn syntax(line: &str, line_no: usize, at: usize, message: String) -> Error {
    let column = line.get(..at).map_or(at, |s| s.chars().count()) + 1;
    Error::new(ErrorCode::DotenvSyntax, message).at_position(line_no, column)
}

/// Reads every assignment: `emit(key, value, line)`.
fn scan(text: &str, emit: &mut dyn FnMut(&str, String, usize)) -> Result<()> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .collect();
    let mut index = 0;
    while index < lines.len() {
        let line = lines[index];
        let line_no = index + 1;
        index += 1;
        let start = skip_blanks(line, 0);
        let rest = &line[start..];
        if rest.is_empty() || rest.starts_with('#') {
            continue;
        }
        // `export KEY=value`; a key named `export` (`export=1`) stays a key.
        let mut key_start = start;
        if rest.starts_with("export") && matches!(rest.as_bytes().get(6), Some(b' ' | b'\t')) {
            key_start = skip_blanks(line, start + 7);
        }
        let Some(eq) = line[key_start..].find('=').map(|i| key_start + i) else {
            return Err(syntax(
                line,
                line_no,
                start,
                "expected NAME=value (NAME= for an empty value)".into(),
            ));
        };
        let mut key_end = eq;
        while key_end > key_start && matches!(line.as_bytes()[key_end - 1], b' ' | b'\t') {
            key_end -= 1;
        }
        let key = &line[key_start..key_end];
        // A key may not start with a quote, nor with `#` (`export #A=1` would otherwise set `#A`,
        // while `#A=1` alone is a comment, as in a shell; found by fuzzing).
        let bad = if key.starts_with(['"', '\'', '#']) {
            Some(0)
        } else {
            key.find(|c: char| c.is_whitespace() || c.is_control())
        };
        if key.is_empty() || bad.is_some() {
            return Err(syntax(
                line,
                line_no,
                key_start + bad.unwrap_or(0),
                format!(
                    "{} is not a variable name: write NAME=value, with a name that has no quotes, whitespace or control characters",
                    Quoted(key)
                ),
            ));
        }

        let value_start = skip_blanks(line, eq + 1);
        let value = match line.as_bytes().get(value_start) {
            Some(&quote @ (b'\'' | b'"')) => {
                let mut value = String::new();
                let (mut at, mut line_at) = (value_start + 1, index - 1);
                loop {
                    let current = lines[line_at];
                    let mut chars = current[at..].char_indices();
                    let mut closed = None;
                    while let Some((i, c)) = chars.next() {
                        if c == quote as char {
                            closed = Some(at + i + 1);
                            break;
                        }
                        let escaped = match (quote, c, chars.clone().next()) {
                            (b'"', '\\', Some((_, e @ ('n' | 'r' | 't' | '"' | '\\')))) => e,
                            _ => {
                                value.push(c);
                                continue;
                            }
                        };
                        chars.next();
                        value.push(match escaped {
                            'n' => '\n',
                            'r' => '\r',
                            't' => '\t',
                            other => other,
                        });
                    }
                    if let Some(after) = closed {
                        // Only blanks and a comment after the closing quote.
                        let next = skip_blanks(current, after);
                        if next < current.len()
                            && (next == after || current.as_bytes()[next] != b'#')
                        {
                            return Err(syntax(
                                current,
                                line_at + 1,
                                next,
                                "text after the closing quote: put the whole value inside the quotes".into(),
                            ));
                        }
                        index = line_at + 1;
                        break value;
                    }
                    line_at += 1;
                    if line_at == lines.len() {
                        return Err(syntax(
                            line,
                            line_no,
                            value_start,
                            format!(
                                "this {} is never closed: add the closing quote",
                                quote as char
                            ),
                        ));
                    }
                    value.push('\n');
                    at = 0;
                }
            }
            _ => {
                // Up to a `#` that follows whitespace (`KEY= #c` is empty); trailing blanks go.
                let bytes = line.as_bytes();
                let mut end = value_start;
                while end < line.len()
                    && !(bytes[end] == b'#' && matches!(bytes[end - 1], b' ' | b'\t'))
                {
                    end += 1;
                }
                line[value_start..end]
                    .trim_end_matches([' ', '\t'])
                    .to_string()
            }
        };
        emit(key, value, line_no);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Vec<(String, String)> {
        parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn pos(text: &str) -> (usize, usize) {
        let (line, column, _) = err(text);
        (line, column)
    }

    fn err(text: &str) -> (usize, usize, String) {
        let e = parse(text).expect_err(text);
        assert_eq!(e.code, ErrorCode::DotenvSyntax, "{e}");
        let p = e.position.expect("position");
        (p.line, p.column, e.message)
    }

    #[test]
    fn basic_lines_comments_and_blank_lines() {
        let text = "# a comment\n\nA=1\n  B = two words  \n\t# indented comment\nexport C=3\nexport\tD =4\n";
        assert_eq!(
            ok(text),
            pairs(&[("A", "1"), ("B", "two words"), ("C", "3"), ("D", "4")])
        );
    }

    #[test]
    fn empty_values() {
        assert_eq!(
            ok("A=\nB=   \nC= # only a comment\nD=''\nE=\"\""),
            pairs(&[("A", ""), ("B", ""), ("C", ""), ("D", ""), ("E", "")])
        );
    }

    #[test]
    fn inline_comments_need_whitespace_before_hash() {
        assert_eq!(
            ok("A=b #c\nB=b#c\nC=b\t# tab comment\nD=http://x/#frag\nE=#x"),
            pairs(&[
                ("A", "b"),
                ("B", "b#c"),
                ("C", "b"),
                ("D", "http://x/#frag"),
                ("E", "#x"),
            ])
        );
    }

    #[test]
    fn single_quotes_are_literal() {
        assert_eq!(
            ok(r#"A='a "b" \n $HOME # not a comment' # comment"#),
            pairs(&[("A", r#"a "b" \n $HOME # not a comment"#)])
        );
    }

    #[test]
    fn double_quote_escapes() {
        assert_eq!(
            ok(r#"A="line1\nline2\ttab \"q\" back\\slash C:\dir \$HOME 'x'""#),
            pairs(&[(
                "A",
                "line1\nline2\ttab \"q\" back\\slash C:\\dir \\$HOME 'x'"
            )])
        );
        assert_eq!(ok(r#"A="\r""#), pairs(&[("A", "\r")]));
        // An escaped backslash before the closing quote closes the value.
        assert_eq!(ok(r#"A="x\\""#), pairs(&[("A", "x\\")]));
    }

    #[test]
    fn no_variable_expansion() {
        assert_eq!(
            ok("HOME_DIR=$HOME\nB=\"${HOME}/x\"\nC='$(whoami)'"),
            pairs(&[
                ("HOME_DIR", "$HOME"),
                ("B", "${HOME}/x"),
                ("C", "$(whoami)")
            ])
        );
    }

    #[test]
    fn quotes_inside_unquoted_values_are_kept() {
        assert_eq!(
            ok("A=it's\nB=a\"b\nC=x 'y'"),
            pairs(&[("A", "it's"), ("B", "a\"b"), ("C", "x 'y'")])
        );
    }

    #[test]
    fn multi_line_quoted_values() {
        let text = "A=\"first\nsecond\"\nB='x\n\ny' # c\nC=3";
        assert_eq!(
            ok(text),
            pairs(&[("A", "first\nsecond"), ("B", "x\n\ny"), ("C", "3")])
        );
        assert_eq!(line_of(text, "B"), Some(3));
        assert_eq!(line_of(text, "C"), Some(6));
        assert_eq!(line_of(text, "D"), None);
    }

    #[test]
    fn crlf_and_bom() {
        assert_eq!(
            ok("\u{feff}A=1\r\nB=\"x\r\ny\"\r\nC='c' \r\n"),
            pairs(&[("A", "1"), ("B", "x\ny"), ("C", "c")])
        );
    }

    #[test]
    fn later_duplicates_win_in_first_seen_order() {
        let text = "A=1\nB=2\nA=3\n";
        assert_eq!(ok(text), pairs(&[("A", "3"), ("B", "2")]));
        assert_eq!(line_of(text, "A"), Some(3));
    }

    #[test]
    fn export_as_a_key_name() {
        assert_eq!(
            ok("export=1\nexportX=2\nexport Y=3"),
            pairs(&[("export", "1"), ("exportX", "2"), ("Y", "3")])
        );
    }

    #[test]
    fn unusual_but_valid_keys() {
        assert_eq!(
            ok("a.b-c=1\nÜ=2\nlower_case=3"),
            pairs(&[("a.b-c", "1"), ("Ü", "2"), ("lower_case", "3")])
        );
    }

    #[test]
    fn values_with_equals_signs() {
        assert_eq!(
            ok("URL=postgres://u:p@h/db?a=b&c=d"),
            pairs(&[("URL", "postgres://u:p@h/db?a=b&c=d")])
        );
    }

    #[test]
    fn realistic_file() {
        let text = "\
# Database
export DATABASE_URL=\"postgres://app:s3cr=t@db:5432/app\"   # primary
REDIS_URL=redis://cache:6379/0
DEBUG=false

# Feature flags
FEATURES='a,b,c'
GREETING=\"Hello, \\\"world\\\"\"
EMPTY=
PATH_LIKE=/usr/local/bin:$PATH
";
        assert_eq!(
            ok(text),
            pairs(&[
                ("DATABASE_URL", "postgres://app:s3cr=t@db:5432/app"),
                ("REDIS_URL", "redis://cache:6379/0"),
                ("DEBUG", "false"),
                ("FEATURES", "a,b,c"),
                ("GREETING", "Hello, \"world\""),
                ("EMPTY", ""),
                ("PATH_LIKE", "/usr/local/bin:$PATH"),
            ])
        );
    }

    #[test]
    fn error_missing_equals() {
        let (line, col, msg) = err("A=1\n  JUST_A_NAME\n");
        assert_eq!((line, col), (2, 3));
        assert!(msg.contains("expected NAME=value"), "{msg}");
        assert_eq!(pos("export FOO"), (1, 1));
    }

    #[test]
    fn error_empty_key() {
        let (line, col, msg) = err("\n  =value");
        assert_eq!((line, col), (2, 3));
        assert!(msg.contains("write NAME=value"), "{msg}");
        assert_eq!(pos("export =1"), (1, 8));
    }

    #[test]
    fn error_key_with_whitespace_or_control() {
        let (line, col, msg) = err("MY KEY=1");
        assert_eq!((line, col), (1, 3));
        assert!(msg.contains("whitespace"), "{msg}");
        let (line, col, msg) = err("A=1\nÄB\u{1}C=1");
        assert_eq!((line, col), (2, 3));
        assert!(msg.contains("control"), "{msg}");
    }

    #[test]
    fn error_key_starting_with_hash_after_export() {
        let (line, col, msg) = err("A=1\nexport #B=2\n");
        assert_eq!((line, col), (2, 8));
        assert!(msg.contains("not a variable name"), "{msg}");
    }

    #[test]
    fn error_quoted_key() {
        let (line, col, msg) = err("\"KEY\"=1");
        assert_eq!((line, col), (1, 1));
        assert!(msg.contains("no quotes"), "{msg}");
    }

    #[test]
    fn error_unterminated_quotes() {
        let (line, col, msg) = err("A=1\nB = \"abc\nC=2\n");
        assert_eq!((line, col), (2, 5));
        assert!(msg.contains("this \" is never closed"), "{msg}");
        let (line, col, _) = err("B='abc");
        assert_eq!((line, col), (1, 3));
        // An escaped quote does not close the value.
        assert_eq!(pos(r#"B="abc\""#), (1, 3));
    }

    #[test]
    fn error_text_after_closing_quote() {
        let (line, col, msg) = err("A='x' y");
        assert_eq!((line, col), (1, 7));
        assert!(msg.contains("inside the quotes"), "{msg}");
        assert_eq!(pos("A=\"x\"#c"), (1, 6));
        // On the closing line of a multi-line value.
        assert_eq!(pos("A=\"x\ny\"z"), (2, 3));
        // Columns count characters, not bytes.
        assert_eq!(pos("É='é'x"), (1, 6));
    }
}
