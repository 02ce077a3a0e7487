//! One requirements file's `-r` / `-c` includes, read as pip's `req_file.py` reads the file
//! (steps 1 to 5 of the [module documentation](super)).

use super::{syntax, Include, IncludeKind};
use crate::error::{Error, Result};

/// pip's line-file options (`build_parser()` of pip 24) and what each is here: `r`, `c` and `e`
/// for `-r`, `-c` and `-e`, `v` for another option that takes a value, `f` for a flag. Unique
/// prefixes of these names are accepted, as optparse does.
const LONG_OPTIONS: [(&str, u8); 18] = [
    ("--index-url", b'v'),
    ("--pypi-url", b'v'),
    ("--extra-index-url", b'v'),
    ("--no-index", b'f'),
    ("--constraint", b'c'),
    ("--requirement", b'r'),
    ("--editable", b'e'),
    ("--find-links", b'v'),
    ("--no-binary", b'v'),
    ("--only-binary", b'v'),
    ("--prefer-binary", b'f'),
    ("--require-hashes", b'f'),
    ("--pre", b'f'),
    ("--trusted-host", b'v'),
    ("--use-feature", b'v'),
    ("--global-option", b'v'),
    ("--hash", b'v'),
    ("--config-settings", b'v'),
];

/// A shell word and the physical position of its first character (0-based line and column).
type Word = (String, usize, usize);

/// Python's `str.isspace` (what `\s` and `str.strip()` use).
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// The line breaks of Python's `str.splitlines`.
fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\x0b' | '\x0c' | '\x1c'..='\x1e' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// Step 1: physical lines as Python's `str.splitlines` cuts them (`\r\n` is one break), one at
/// a time.
fn physical_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        match current.char_indices().find(|(_, c)| is_line_break(*c)) {
            Some((at, c)) => {
                let mut next = at + c.len_utf8();
                if c == '\r' && current[next..].starts_with('\n') {
                    next += 1;
                }
                rest = Some(&current[next..]);
                Some(&current[..at])
            }
            None => {
                rest = None;
                Some(current).filter(|line| !line.is_empty())
            }
        }
    })
}

/// What a physical line adds to its logical line, as (column, text) pieces, and whether the
/// logical line goes on: a comment line ends it (pip prefixes it with a space "so comments are
/// always matched"); a line ending in `\` continues, without its leading and trailing
/// backslashes (pip strips them all).
fn pieces(line: &str) -> ([(usize, &str); 2], bool) {
    if line.chars().find(|c| !is_py_space(*c)) == Some('#') {
        ([(0, " "), (0, line)], false)
    } else if line.ends_with('\\') {
        let start = line.trim_start_matches('\\');
        (
            [
                (line.len() - start.len(), start.trim_end_matches('\\')),
                (0, ""),
            ],
            true,
        )
    } else {
        ([(0, line), (0, "")], false)
    }
}

/// Physical positions of offsets into a logical line, asked in increasing order: it walks the
/// physical lines again as they were joined, so a logical line holds nothing but its text.
struct Cursor<'t, I> {
    lines: I,
    queued: Vec<(usize, usize, &'t str)>,
    /// The current piece (line, column, text) and the logical offset where it starts.
    piece: (usize, usize, &'t str),
    start: usize,
    /// The offset reached and its column.
    at: usize,
    column: usize,
}

impl<'t, I: Iterator<Item = (usize, &'t str)>> Cursor<'t, I> {
    fn new(lines: I) -> Self {
        Cursor {
            lines,
            queued: Vec::new(),
            piece: (0, 0, ""),
            start: 0,
            at: 0,
            column: 0,
        }
    }

    fn position(&mut self, text: &str, offset: usize) -> (usize, usize) {
        while offset >= self.start + self.piece.2.len() {
            let next = loop {
                if let Some(piece) = self.queued.pop() {
                    break Some(piece);
                }
                let Some((index, line)) = self.lines.next() else {
                    break None;
                };
                let ([first, second], _) = pieces(line);
                self.queued = vec![(index, second.0, second.1), (index, first.0, first.1)];
            };
            let Some(next) = next else { break };
            self.start += self.piece.2.len();
            self.piece = next;
            (self.at, self.column) = (self.start, next.1);
        }
        if offset > self.at {
            self.column += text[self.at..offset].chars().count();
            self.at = offset;
        }
        (self.piece.0, self.column)
    }
}

/// The `-r` / `-c` includes of a requirements file, in file order, paths as written. Errors are
/// `RequirementsSyntax` with line and column: an include without a file name (`-r` at the end of
/// a line, `-r ""`), an unterminated quote or a trailing escape on an option line. The caller adds
/// the file name (`.in_file(path)`).
pub fn includes(text: &str) -> Result<Vec<Include>> {
    let mut out = Vec::new();
    for_each_include(text, |include| {
        out.push(include);
        Ok(())
    })?;
    Ok(out)
}

/// Calls `found` with each include of `text` in file order, holding one logical line and one
/// shell word at a time (so memory stays a small multiple of the longest line).
pub(super) fn for_each_include(
    text: &str,
    mut found: impl FnMut(Include) -> Result<()>,
) -> Result<()> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = physical_lines(text).enumerate().peekable();
    let mut logical = String::new();
    while let Some(&(first, first_line)) = lines.peek() {
        // Step 2: a line ending in `\` continues on the next; a comment line ends it.
        logical.clear();
        for (_, line) in lines.by_ref() {
            let (pieces, continued) = pieces(line);
            pieces.iter().for_each(|(_, piece)| logical.push_str(piece));
            if !continued {
                break;
            }
        }
        // Step 3: the comment goes (`#` at the start or after whitespace), then outer whitespace.
        let mut end = logical.len();
        let mut after_space = true;
        for (at, c) in logical.char_indices() {
            if c == '#' && after_space {
                end = at;
                break;
            }
            after_space = is_py_space(c);
        }
        let body = logical[..end].trim_end_matches(is_py_space);
        let start = body.len() - body.trim_start_matches(is_py_space).len();
        // Step 4: only a line whose first word starts with `-` is an option line.
        if !body[start..].starts_with('-') {
            continue;
        }
        let from = first_line.as_ptr() as usize - text.as_ptr() as usize;
        let mut words = Words {
            text: &logical,
            at: start,
            end: body.len(),
            cursor: Cursor::new(
                physical_lines(&text[from..])
                    .zip(first..)
                    .map(|(line, index)| (index, line)),
            ),
        };
        let include = read_options(&mut words)?;
        // pip splits the whole line before it reads options: a bad quote after them still fails.
        while words.next_word()?.is_some() {}
        if let Some(include) = include {
            found(include)?;
        }
    }
    Ok(())
}

/// `shlex.split` in POSIX mode without comments, over `logical.text[at..end]`, one word at a
/// time.
struct Words<'a, I> {
    text: &'a str,
    at: usize,
    end: usize,
    cursor: Cursor<'a, I>,
}

impl<'a, I: Iterator<Item = (usize, &'a str)>> Words<'a, I> {
    fn peek(&self) -> Option<char> {
        self.text[self.at..self.end].chars().next()
    }

    fn error(&mut self, offset: usize, message: &str) -> Error {
        let (line, column) = self.cursor.position(self.text, offset);
        syntax(line, column, message.into())
    }

    fn next_word(&mut self) -> Result<Option<Word>> {
        let mut word: Option<Word> = None;
        while let Some(c) = self.peek() {
            let here = self.at;
            self.at += c.len_utf8();
            if matches!(c, ' ' | '\t' | '\r' | '\n') {
                if word.is_some() {
                    break;
                }
                continue;
            }
            let current = match &mut word {
                Some((text, ..)) => text,
                None => {
                    let (line, column) = self.cursor.position(self.text, here);
                    &mut word.insert((String::new(), line, column)).0
                }
            };
            match c {
                '\'' | '"' => loop {
                    let Some(q) = self.peek() else {
                        return Err(
                            self.error(here, "this quote is never closed: add the closing quote")
                        );
                    };
                    self.at += q.len_utf8();
                    if q == c {
                        break;
                    }
                    // Inside double quotes, a backslash escapes only `"` and `\`.
                    match self.peek() {
                        Some(e @ ('"' | '\\')) if q == '\\' && c == '"' => {
                            current.push(e);
                            self.at += 1;
                        }
                        _ => current.push(q),
                    }
                },
                '\\' => {
                    let Some(e) = self.peek() else {
                        return Err(self.error(here, "this backslash escapes nothing: remove it"));
                    };
                    self.at += e.len_utf8();
                    current.push(e);
                }
                _ => current.push(c),
            }
        }
        Ok(word)
    }
}

/// Step 5, what optparse makes of the words: pip follows the first `-r`, or else the first
/// `-c`, of a line without `-e`.
fn read_options<'a, I: Iterator<Item = (usize, &'a str)>>(
    words: &mut Words<'a, I>,
) -> Result<Option<Include>> {
    let mut requirement: Option<Include> = None;
    let mut constraint: Option<Include> = None;
    while let Some((word, line, column)) = words.next_word()? {
        // The option (as its first letter after the dashes) and a value given inline.
        let (option, inline) = if word == "--" {
            break;
        } else if word.starts_with("--") {
            let (given, value) = match word.split_once('=') {
                Some((given, value)) => (given, Some(value)),
                None => (word.as_str(), None),
            };
            let mut matching = LONG_OPTIONS
                .iter()
                .filter(|(name, _)| name.starts_with(given));
            let found = match LONG_OPTIONS.iter().find(|(name, _)| *name == given) {
                Some(exact) => Some(exact),
                None => matching.next().filter(|_| matching.next().is_none()),
            };
            match found {
                // Only options that take a value matter (for -r, -c, -e, or to skip the value);
                // flags and options pip does not know are skipped.
                Some(&(_, code)) if code != b'f' => (code, value),
                _ => continue,
            }
        } else if word.len() > 1 && word.starts_with('-') {
            // A cluster of short options: the first that takes a value takes the rest.
            match word
                .char_indices()
                .skip(1)
                .find(|(_, c)| "icrefC".contains(*c))
            {
                Some((i, c)) => (
                    c as u8,
                    Some(&word[i + 1..]).filter(|rest| !rest.is_empty()),
                ),
                None => continue,
            }
        } else {
            continue; // a positional word: pip ignores it
        };
        let value = match inline {
            Some(value) => value.to_string(),
            None => match words.next_word()? {
                Some((value, ..)) => value,
                None if matches!(option, b'r' | b'c') => {
                    let flag = if option == b'r' { "-r" } else { "-c" };
                    return Err(syntax(
                        line,
                        column,
                        format!(
                            "this {flag} has no file name: write `{flag} FILE`, relative to this file"
                        ),
                    ));
                }
                None => continue,
            },
        };
        let slot = match option {
            b'r' => &mut requirement,
            b'c' => &mut constraint,
            b'e' => return Ok(None), // an editable requirement; pip ignores its -r / -c
            _ => continue,
        };
        if slot.is_none() {
            let kind = if option == b'r' {
                IncludeKind::Requirement
            } else {
                IncludeKind::Constraint
            };
            *slot = Some(Include {
                kind,
                path: value,
                line: line + 1,
                column: column + 1,
            });
        }
    }
    let found = requirement.or(constraint);
    if let Some(include) = &found {
        if include.path.is_empty() {
            return Err(syntax(
                include.line - 1,
                include.column - 1,
                "an empty file name: write `-r FILE` or `-c FILE`, relative to this file".into(),
            ));
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn found(text: &str) -> Vec<(IncludeKind, String, usize, usize)> {
        includes(text)
            .unwrap_or_else(|e| panic!("{text:?}: {e}"))
            .into_iter()
            .map(|i| (i.kind, i.path, i.line, i.column))
            .collect()
    }

    fn r(path: &str, line: usize, column: usize) -> (IncludeKind, String, usize, usize) {
        (IncludeKind::Requirement, path.to_string(), line, column)
    }

    fn c(path: &str, line: usize, column: usize) -> (IncludeKind, String, usize, usize) {
        (IncludeKind::Constraint, path.to_string(), line, column)
    }

    fn pos(text: &str) -> (usize, usize) {
        let (line, column, _) = err(text);
        (line, column)
    }

    fn err(text: &str) -> (usize, usize, String) {
        let e = includes(text).expect_err(text);
        assert_eq!(e.code, ErrorCode::RequirementsSyntax, "{e}");
        let p = e.position.expect("position");
        (p.line, p.column, e.message)
    }

    #[test]
    fn every_spelling_of_an_include() {
        let text = "-r a.txt\n--requirement b.txt\n--requirement=c.txt\n-rd.txt\n-c e.txt\n--constraint f.txt\n--constraint=g.txt\n-ch.txt\n--requirem=i.txt\n--cons j.txt\n";
        assert_eq!(
            found(text),
            vec![
                r("a.txt", 1, 1),
                r("b.txt", 2, 1),
                r("c.txt", 3, 1),
                r("d.txt", 4, 1),
                c("e.txt", 5, 1),
                c("f.txt", 6, 1),
                c("g.txt", 7, 1),
                c("h.txt", 8, 1),
                r("i.txt", 9, 1),
                c("j.txt", 10, 1),
            ]
        );
    }

    #[test]
    fn ambiguous_and_unknown_options_are_skipped() {
        // `--req` could be --requirement or --require-hashes; `--con` --constraint or
        // --config-settings (pip rejects both; we do not guess).
        assert_eq!(found("--req a.txt\n--con b.txt\n--frobnicate\n"), vec![]);
    }

    #[test]
    fn comments_and_blank_lines() {
        let text = "# -r no.txt\n  # -r no.txt\n\n-r yes.txt # trailing comment\n-r x#y.txt\n";
        assert_eq!(found(text), vec![r("yes.txt", 4, 1), r("x#y.txt", 5, 1)]);
    }

    #[test]
    fn quotes_and_escapes_like_shlex() {
        assert_eq!(
            found("-r \"my reqs.txt\"\n-r 'it''s.txt'\n-r a\\ b.txt\n-r \"q\\\"x\\y.txt\""),
            vec![
                r("my reqs.txt", 1, 1),
                r("its.txt", 2, 1),
                r("a b.txt", 3, 1),
                r("q\"x\\y.txt", 4, 1),
            ]
        );
    }

    #[test]
    fn continuation_lines() {
        // A trailing backslash joins lines; the include is reported where `-r` stands.
        let text = "flask \\\n  >=2\n-r \\\n   base.txt\n--index-url https://x \\\n  -c pins.txt\n";
        assert_eq!(found(text), vec![r("base.txt", 3, 1), c("pins.txt", 6, 3)]);
        // A comment line ends a continuation.
        assert_eq!(err("-r \\\n# comment\n").0, 1);
    }

    #[test]
    fn requirement_and_editable_lines_include_nothing() {
        let text = "requests==2.31 --hash=sha256:abc -r no.txt\n-e ./pkg -r no.txt\n-e git+https://x/y#egg=y\n./local/pkg\n";
        assert_eq!(found(text), vec![]);
    }

    #[test]
    fn one_include_per_line_requirement_first() {
        assert_eq!(
            found("-c pins.txt -r a.txt -r b.txt\n-c x.txt -c y.txt"),
            vec![r("a.txt", 1, 13), c("x.txt", 2, 1)]
        );
    }

    #[test]
    fn option_values_are_not_includes() {
        assert_eq!(
            found("--index-url -r\n-i -r\n--extra-index-url=-r\n-ir\n-- -r a.txt\n"),
            vec![]
        );
    }

    #[test]
    fn line_breaks_crlf_bom_and_unicode() {
        let text = "\u{feff}-r a.txt\r\n-r b.txt\r-r c.txt\u{2028}  -r é/ü.txt\n";
        assert_eq!(
            found(text),
            vec![
                r("a.txt", 1, 1),
                r("b.txt", 2, 1),
                r("c.txt", 3, 1),
                r("é/ü.txt", 4, 3)
            ]
        );
        assert_eq!(pos("x\n  -r 'é"), (2, 6));
    }

    #[test]
    fn realistic_file() {
        let text = "\
# Production requirements
--index-url https://pypi.org/simple
--extra-index-url https://download.pytorch.org/whl/cpu
--trusted-host download.pytorch.org
-r common/base.txt
-c constraints.txt

numpy==1.26.4 \\
    --hash=sha256:0f3c1a2b4d5e6f708192a3b4c5d6e7f80918273645a5b6c7d8e9f0a1b2c3d4e5 \\
    --hash=sha256:1a2b3c4d5e6f708192a3b4c5d6e7f80918273645a5b6c7d8e9f0a1b2c3d4e5f6
requests[socks]>=2.31,<3 ; python_version >= \"3.8\"  # http
torch==2.3.0+cpu
git+https://github.com/org/repo.git@v1.2#egg=repo
--requirement=../libs/dev.txt    # dev tools
";
        assert_eq!(
            found(text),
            vec![
                r("common/base.txt", 5, 1),
                c("constraints.txt", 6, 1),
                r("../libs/dev.txt", 14, 1)
            ]
        );
    }

    #[test]
    fn error_missing_file_name() {
        let (line, column, message) = err("flask\n  -r\n");
        assert_eq!((line, column), (2, 3));
        assert!(message.contains("write `-r FILE`"), "{message}");
        let (line, column, message) = err("--index-url x --constraint");
        assert_eq!((line, column), (1, 15));
        assert!(message.contains("write `-c FILE`"), "{message}");
        assert_eq!(err("-r # just a comment").1, 1);
    }

    #[test]
    fn error_empty_file_name() {
        let (line, column, message) = err("\n\n  --requirement=");
        assert_eq!((line, column), (3, 3));
        assert!(message.contains("empty file name"), "{message}");
        assert_eq!(err("-c ''").1, 1);
        assert_eq!(err("--pre -r\"\"").1, 7);
    }

    #[test]
    fn error_unterminated_quote_or_escape() {
        let (line, column, message) = err("-r 'a.txt");
        assert_eq!((line, column), (1, 4));
        assert!(message.contains("closing quote"), "{message}");
        // A trailing backslash joins lines; one left before a comment escapes nothing.
        let (line, column, message) = err("ok\n-r a.txt \\ # c");
        assert_eq!((line, column), (2, 10));
        assert!(message.contains("backslash"), "{message}");
    }
}
