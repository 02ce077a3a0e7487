//! Shell quoting and splitting for rendered Dockerfiles.
//!
//! Values are quoted with Python's `shlex.quote` algorithm: a word made only of
//! `[A-Za-z0-9_@%+=:,./-]` stays as it is, anything else is wrapped in single quotes, and each
//! `'` inside becomes `'"'"'` (close the quote, a double-quoted `'`, reopen).
//!
//! The same text means the same value to two readers:
//! - a POSIX shell (`RUN`, the active `SHELL`), where single-quoted text is literal;
//! - BuildKit's Dockerfile word lexer (`ENV`, `WORKDIR`, `LABEL`, `COPY`/`ADD`, …), which follows
//!   sh here: inside single quotes there is no escape and no `$` expansion, and a `'` inside
//!   double quotes is an ordinary character. So `'$HOME'` stays `$HOME`, `'a\b'` stays `a\b`,
//!   and `'it'"'"'s'` reads back as `it's`.
//!
//! The test suite `tests/conformance_shell.rs` proves this against a port of BuildKit's lexer
//! and BuildKit's own lexer test tables.
//!
//! [`escape_dockerfile_word`] is the other form, for words where quotes are not wanted (paths
//! in `COPY`/`ADD`, JSON forms): a backslash before each `\ ' " $` stops the lexer from
//! treating them as quotes, escapes or variables.

use std::borrow::Cow;
use std::fmt;

/// Characters `shlex.quote` leaves unquoted: `[A-Za-z0-9_@%+=:,./-]` (ASCII only).
#[inline]
fn is_safe_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'_' | b'@' | b'%' | b'+' | b'=' | b':' | b',' | b'.' | b'/' | b'-'
        )
}

/// Quotes one word like Python's `shlex.quote`.
///
/// Returns `s` unchanged (borrowed, no allocation) when it is non-empty and made only of
/// `[A-Za-z0-9_@%+=:,./-]`; otherwise `s` wrapped in single quotes, each `'` written as
/// `'"'"'`. The empty string becomes `''`.
pub fn shell_quote(s: &str) -> Cow<'_, str> {
    if !s.is_empty() && s.bytes().all(is_safe_byte) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(single_quote(s))
}

/// Always wraps `s` in single quotes (each `'` written as `'"'"'`), for places where even a
/// "safe" word needs quoting, such as an `ENV` name starting with `--` that BuildKit would
/// otherwise read as a flag.
pub fn single_quote(s: &str) -> String {
    let quotes = s.bytes().filter(|&b| b == b'\'').count();
    let mut out = String::with_capacity(s.len() + 2 + 4 * quotes);
    out.push('\'');
    for (i, part) in s.split('\'').enumerate() {
        if i > 0 {
            out.push_str("'\"'\"'");
        }
        out.push_str(part);
    }
    out.push('\'');
    out
}

/// Joins words into one line, each quoted with [`shell_quote`], separated by single spaces
/// (Python's `shlex.join`). [`shell_split`] gives the words back.
pub fn shell_join<I, S>(words: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut out = String::new();
    for (i, word) in words.into_iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&shell_quote(word.as_ref()));
    }
    out
}

/// Why [`shell_split`] could not split a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitError {
    /// What is wrong, in words (e.g. "unterminated single quote").
    pub message: String,
    /// Byte offset in the input of the character at fault (the opening quote, or the
    /// trailing backslash).
    pub offset: usize,
}

impl SplitError {
    fn new(message: &str, offset: usize) -> Self {
        SplitError {
            message: message.to_string(),
            offset,
        }
    }
}

impl fmt::Display for SplitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.offset)
    }
}

impl std::error::Error for SplitError {}

/// Splits a line into words the way a POSIX shell reads them, without running anything.
///
/// - Space, tab, `\r` and `\n` separate words (`#` is not a comment).
/// - `'…'`: every character literal, up to the next `'`.
/// - `"…"`: literal, except that a backslash escapes `\`, `"`, `$` and `` ` `` (and removes a
///   following newline); before any other character the backslash stays.
/// - Outside quotes a backslash takes the next character literally; backslash-newline is a
///   line continuation and disappears.
/// - Adjacent parts join into one word (`a'b'"c"` is `abc`); `''` is an empty word.
/// - No variable, command, tilde or glob expansion: `$HOME` stays `$HOME`.
///
/// This is Python's `shlex.split(s, posix=True, comments=False)`, except where Python departs
/// from sh: Python does not let `\` escape `$` and `` ` `` inside double quotes, and keeps an
/// escaped newline. Errors: an unterminated quote, or a backslash at the very end.
pub fn shell_split(s: &str) -> Result<Vec<String>, SplitError> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = s.char_indices();

    while let Some((i, c)) = chars.next() {
        match c {
            ' ' | '\t' | '\r' | '\n' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\\' => match chars.next() {
                None => return Err(SplitError::new("trailing backslash: nothing to escape", i)),
                Some((_, '\n')) => {}
                Some((_, next)) => {
                    word.push(next);
                    in_word = true;
                }
            },
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        None => return Err(SplitError::new("unterminated single quote", i)),
                        Some((_, '\'')) => break,
                        Some((_, ch)) => word.push(ch),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        None => return Err(SplitError::new("unterminated double quote", i)),
                        Some((_, '"')) => break,
                        Some((_, '\\')) => match chars.next() {
                            None => return Err(SplitError::new("unterminated double quote", i)),
                            Some((_, '\n')) => {}
                            Some((_, e @ ('\\' | '"' | '$' | '`'))) => word.push(e),
                            Some((_, other)) => {
                                word.push('\\');
                                word.push(other);
                            }
                        },
                        Some((_, ch)) => word.push(ch),
                    }
                }
            }
            _ => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

/// Escapes a word for BuildKit's word lexer without quoting it: a backslash before each
/// `\`, `'`, `"` and `$`, so the lexer does no quote removal and no variable expansion and gives
/// back exactly `s`. Used for `COPY`/`ADD`/`WORKDIR`-style paths (also inside their JSON form,
/// which BuildKit runs through the same lexer).
///
/// One more character is escaped: a U+FEFF at the very start, which BuildKit's scanner would
/// otherwise drop as a byte order mark.
///
/// Whitespace is not escaped: where the Dockerfile parser splits on whitespace first (the
/// non-JSON `COPY` form), a word with whitespace needs the JSON form.
pub fn escape_dockerfile_word(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    if s.starts_with('\u{feff}') {
        out.push('\\');
    }
    for c in s.chars() {
        if matches!(c, '\\' | '\'' | '"' | '$') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_matches_python_shlex_quote() {
        // Cases from Python's documentation and test_shlex.py.
        assert_eq!(shell_quote("it's"), r#"'it'"'"'s'"#);
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("somefile; rm -rf ~"), "'somefile; rm -rf ~'");
        assert_eq!(shell_quote("ls"), "ls");
        assert_eq!(shell_quote("-l"), "-l");
        assert_eq!(shell_quote("test file name"), "'test file name'");
        assert_eq!(shell_quote("abc@%+=:,./-_XYZ019"), "abc@%+=:,./-_XYZ019");
        assert_eq!(shell_quote("test'file"), r#"'test'"'"'file'"#);
        assert_eq!(shell_quote("'"), r#"''"'"''"#);
        assert_eq!(shell_quote("$HOME"), "'$HOME'");
        assert_eq!(shell_quote("a\\b"), "'a\\b'");
        assert_eq!(shell_quote("\u{e9}t\u{e9}"), "'\u{e9}t\u{e9}'");
        for c in "!#$&()*;<>?[]^`{|}~\"\\ \t\n'".chars() {
            let s = format!("x{c}y");
            assert!(shell_quote(&s).starts_with('\''), "{s:?} must be quoted");
        }
    }

    #[test]
    fn quote_borrows_when_nothing_needs_quoting() {
        assert!(matches!(shell_quote("python3.12"), Cow::Borrowed(_)));
        assert!(matches!(shell_quote("a b"), Cow::Owned(_)));
    }

    #[test]
    fn join_quotes_each_word() {
        assert_eq!(
            shell_join(["ls", "-l", "a b", "it's"]),
            r#"ls -l 'a b' 'it'"'"'s'"#
        );
        assert_eq!(shell_join(Vec::<String>::new()), "");
        assert_eq!(shell_join([""]), "''");
    }

    #[test]
    fn split_like_posix_sh() {
        let s = |x: &str| shell_split(x).unwrap();
        assert_eq!(s(""), Vec::<String>::new());
        assert_eq!(s("  \t "), Vec::<String>::new());
        assert_eq!(
            s("/bin/bash -euo pipefail -c"),
            ["/bin/bash", "-euo", "pipefail", "-c"]
        );
        assert_eq!(s("a 'b c' \"d e\""), ["a", "b c", "d e"]);
        assert_eq!(s("a'b'\"c\"d"), ["abcd"]);
        assert_eq!(s("'' x \"\""), ["", "x", ""]);
        assert_eq!(s(r"a\ b"), ["a b"]);
        assert_eq!(s(r"\'"), ["'"]);
        assert_eq!(s(r"'a\b'"), [r"a\b"]);
        assert_eq!(s(r#""a\"b""#), [r#"a"b"#]);
        assert_eq!(s(r#""a\\b""#), [r"a\b"]);
        assert_eq!(s(r#""a\$b""#), ["a$b"]);
        assert_eq!(s(r#""a\`b""#), ["a`b"]);
        assert_eq!(s(r#""a\xb""#), [r"a\xb"]);
        assert_eq!(s("a\\\nb"), ["ab"]);
        assert_eq!(s("\"a\\\nb\""), ["ab"]);
        assert_eq!(s("$HOME #x"), ["$HOME", "#x"]);
        assert_eq!(s("한국어 '😀 x'"), ["한국어", "😀 x"]);
        assert_eq!(s(r#"'it'"'"'s'"#), ["it's"]);
    }

    #[test]
    fn split_errors() {
        let e = shell_split("a 'bc").unwrap_err();
        assert_eq!(e.offset, 2);
        assert!(e.message.contains("single quote"), "{e}");
        let e = shell_split("ab \"c").unwrap_err();
        assert_eq!(e.offset, 3);
        assert!(e.message.contains("double quote"), "{e}");
        let e = shell_split("\"c\\").unwrap_err();
        assert_eq!(e.offset, 0);
        let e = shell_split("abc\\").unwrap_err();
        assert_eq!(e.offset, 3);
        assert!(e.message.contains("backslash"), "{e}");
        assert!(e.to_string().contains("at byte 3"));
        let e = shell_split("é'").unwrap_err();
        assert_eq!(e.offset, 2);
    }

    #[test]
    fn split_inverts_join() {
        let words = [
            "",
            " ",
            "it's",
            "$HOME",
            "a\\",
            "\"x\"",
            "tab\t",
            "line\nbreak",
            "한",
        ];
        assert_eq!(shell_split(&shell_join(words)).unwrap(), words);
    }

    #[test]
    fn escape_word() {
        assert_eq!(escape_dockerfile_word("/app/src"), "/app/src");
        assert_eq!(escape_dockerfile_word(r#"a\b'c"d$e"#), r#"a\\b\'c\"d\$e"#);
        assert_eq!(escape_dockerfile_word("${X}"), "\\${X}");
        assert_eq!(escape_dockerfile_word(""), "");
        assert_eq!(
            escape_dockerfile_word("\u{feff}x\u{feff}"),
            "\\\u{feff}x\u{feff}"
        );
    }
}
