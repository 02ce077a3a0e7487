//! Ports of BuildKit's per-instruction argument parsers (`frontend/dockerfile/parser`:
//! `split_command.go` and `line_parsers.go`, moby/buildkit, Apache-2.0).
//!
//! Each function keeps the quirks of the Go original, because BuildKit is what finally reads the
//! rendered Dockerfile:
//! - `extract_builder_flags` walks bytes, not characters: a non-ASCII byte becomes the character
//!   with the same number (Go's `rune(line[pos])`, so `é` in a flag turns into `Ã©`), and the
//!   bytes 0x85 and 0xA0 count as whitespace (Go's `unicode.IsSpace(rune(b))`);
//! - `parse_health_config` finds the end of its first word the same byte-wise way;
//! - whitespace splitting uses the regular expression `[\t\v\f\r ]+` (ASCII only) with the
//!   exact results of Go's `Regexp.Split`;
//! - trimming uses Go's `unicode.IsSpace`, which is Rust's `char::is_whitespace`.

use super::json::{parse_json_array, JsonArray};

/// BuildKit's `errDockerfileNotStringArray`.
pub(crate) const NOT_STRING_ARRAY: &str =
    "when using JSON array syntax, arrays must be comprised of strings only";

/// Go's `unicode.IsSpace` applied to a single byte taken as a rune.
pub(crate) fn is_space_byte(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' | 0x85 | 0xa0)
}

/// The character class of BuildKit's `reWhitespace`: `[\t\v\f\r ]`.
fn is_re_whitespace(c: char) -> bool {
    matches!(c, '\t' | '\u{b}' | '\u{c}' | '\r' | ' ')
}

/// Bytes from `pos` on as text; lossy only when `pos` falls inside a multi-byte character
/// (possible after the byte-wise scans above; Go would keep the raw bytes).
fn tail_from(s: &str, pos: usize) -> String {
    match s.get(pos..) {
        Some(tail) => tail.to_string(),
        None => String::from_utf8_lossy(s.as_bytes().get(pos..).unwrap_or_default()).into_owned(),
    }
}

/// Go's `reWhitespace.Split(s, n)` (`limit` = n; 0 stands for -1, no limit).
pub(crate) fn split_whitespace_re(s: &str, limit: usize) -> Vec<&str> {
    if s.is_empty() {
        return vec![""];
    }
    // Runs of whitespace, leftmost first, at most `limit` of them.
    let mut matches = Vec::new();
    let mut iter = s.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if is_re_whitespace(c) {
            let mut end = i + c.len_utf8();
            while let Some(&(j, d)) = iter.peek() {
                if !is_re_whitespace(d) {
                    break;
                }
                end = j + d.len_utf8();
                iter.next();
            }
            matches.push((i, end));
            if limit > 0 && matches.len() == limit {
                break;
            }
        }
    }
    let mut out = Vec::new();
    let (mut beg, mut end) = (0, 0);
    for (start, stop) in matches {
        if limit > 0 && out.len() == limit - 1 {
            break;
        }
        end = start;
        if stop != 0 {
            out.push(&s[beg..end]);
        }
        beg = stop;
    }
    if end != s.len() {
        out.push(&s[beg..]);
    }
    out
}

/// The result of `splitCommand`: the instruction word, its flags and the remaining arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SplitCommand {
    /// The instruction word as written.
    pub cmd: String,
    /// Byte offset of `cmd` in the line.
    pub cmd_offset: usize,
    /// Leading `--flag[=value]` words (quotes removed, `\` escapes applied), in order.
    pub flags: Vec<String>,
    /// The arguments after the flags, trimmed.
    pub args: String,
    /// Byte offset of `args` in the line (the end of the line when there are none).
    pub args_offset: usize,
}

/// BuildKit's `splitCommand`.
pub(crate) fn split_command(line: &str) -> SplitCommand {
    let trimmed = line.trim();
    let cmd_offset = line.len() - line.trim_start().len();
    let parts = split_whitespace_re(trimmed, 2);
    let cmd = parts[0].to_string();
    let mut flags = Vec::new();
    let mut args = String::new();
    let mut args_offset = cmd_offset + trimmed.len();
    if parts.len() == 2 {
        let rest = parts[1];
        let rest_offset = cmd_offset + trimmed.len() - rest.len();
        let (tail, tail_pos, words) = extract_builder_flags(rest);
        flags = words;
        let lead = tail.len() - tail.trim_start().len();
        args = tail.trim().to_string();
        args_offset = (rest_offset + tail_pos + lead).min(line.len());
    }
    SplitCommand {
        cmd,
        cmd_offset,
        flags,
        args,
        args_offset,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Spaces,
    Word,
    Quote,
}

/// BuildKit's `extractBuilderFlags`: returns the rest of the line, its byte offset, and the flags.
pub(crate) fn extract_builder_flags(line: &str) -> (String, usize, Vec<String>) {
    let b = line.as_bytes();
    let n = b.len();
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut word = String::new();
    let mut quote = 0u8;
    let mut blank_ok = false;
    let mut ch = 0u8;
    let mut pos = 0usize;
    while pos <= n {
        if pos != n {
            ch = b[pos];
        }
        if phase == Phase::Spaces {
            if pos == n {
                break;
            }
            if is_space_byte(ch) {
                pos += 1;
                continue;
            }
            // Only keep going if the next word starts with `--`.
            if ch != b'-' || pos + 1 == n || b[pos + 1] != b'-' {
                return (tail_from(line, pos), pos, words);
            }
            phase = Phase::Word;
        }
        if pos == n {
            if word != "--" && (blank_ok || !word.is_empty()) {
                words.push(word);
            }
            break;
        }
        if phase == Phase::Word {
            if is_space_byte(ch) {
                phase = Phase::Spaces;
                if word == "--" {
                    return (tail_from(line, pos), pos, words);
                }
                if blank_ok || !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                word.clear();
                blank_ok = false;
                pos += 1;
                continue;
            }
            if ch == b'\'' || ch == b'"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
                pos += 1;
                continue;
            }
            if ch == b'\\' {
                if pos + 1 == n {
                    pos += 1;
                    continue;
                }
                pos += 1;
                ch = b[pos];
            }
            word.push(char::from(ch));
            pos += 1;
            continue;
        }
        // In a quote.
        if ch == quote {
            phase = Phase::Word;
            pos += 1;
            continue;
        }
        if ch == b'\\' {
            if pos + 1 == n {
                phase = Phase::Word;
                pos += 1;
                continue;
            }
            pos += 1;
            ch = b[pos];
        }
        word.push(char::from(ch));
        pos += 1;
    }
    (String::new(), n, words)
}

/// BuildKit's `parseWords`: words split on whitespace, quotes and escapes kept in the words.
pub(crate) fn parse_words(rest: &str, escape: char) -> Vec<String> {
    let chars: Vec<char> = rest.chars().collect();
    let n = chars.len();
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut word = String::new();
    let mut quote = '\0';
    let mut blank_ok = false;
    let mut ch = '\0';
    let mut pos = 0usize;
    while pos <= n {
        if pos != n {
            ch = chars[pos];
        }
        if phase == Phase::Spaces {
            if pos == n {
                break;
            }
            if ch.is_whitespace() {
                pos += 1;
                continue;
            }
            phase = Phase::Word;
        }
        if pos == n {
            if blank_ok || !word.is_empty() {
                words.push(word);
            }
            break;
        }
        if phase == Phase::Word {
            if ch.is_whitespace() {
                phase = Phase::Spaces;
                if blank_ok || !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                word.clear();
                blank_ok = false;
                pos += 1;
                continue;
            }
            if ch == '\'' || ch == '"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
            }
            if ch == escape {
                if pos + 1 == n {
                    pos += 1;
                    continue; // an escape token at the very end is dropped
                }
                // Outside quotes an escape token and the next character are kept as they are.
                word.push(ch);
                pos += 1;
                ch = chars[pos];
            }
            word.push(ch);
            pos += 1;
            continue;
        }
        // In a quote.
        if ch == quote {
            phase = Phase::Word;
        }
        // The escape token is special except inside '…'.
        if ch == escape && quote != '\'' {
            if pos + 1 == n {
                phase = Phase::Word;
                pos += 1;
                continue;
            }
            pos += 1;
            word.push(ch);
            ch = chars[pos];
        }
        word.push(ch);
        pos += 1;
    }
    words
}

/// What a line parser made of an instruction's arguments: BuildKit's list of `Next` values and
/// whether the JSON form was used.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Parsed {
    pub values: Vec<String>,
    pub json: bool,
}

impl Parsed {
    fn text(values: Vec<String>) -> Self {
        Parsed {
            values,
            json: false,
        }
    }
}

/// BuildKit's `parseNameVal` (ENV, LABEL): `name value` (old form) or `name=value ...`, as
/// (name, value, separator) triples; the separator is `""` for the old form and `"="` otherwise.
pub(crate) fn parse_name_val(rest: &str, key: &str, escape: char) -> Result<Parsed, String> {
    let words = parse_words(rest, escape);
    let Some(first) = words.first() else {
        return Ok(Parsed::default());
    };
    if !first.contains('=') {
        let parts = split_whitespace_re(rest, 2);
        if parts.len() < 2 {
            return Err(format!("{key} must have two arguments"));
        }
        return Ok(Parsed::text(vec![
            parts[0].to_string(),
            parts[1].to_string(),
            String::new(),
        ]));
    }
    let mut values = Vec::with_capacity(words.len() * 3);
    for word in &words {
        let Some((name, value)) = word.split_once('=') else {
            return Err(format!(
                "Syntax error - can't find = in {}. Must be of the form: name=value",
                crate::error::Quoted(word)
            ));
        };
        values.push(name.to_string());
        values.push(value.to_string());
        values.push("=".to_string());
    }
    Ok(Parsed::text(values))
}

/// BuildKit's `parseNameOrNameVal` (ARG): the words.
pub(crate) fn parse_name_or_name_val(rest: &str, escape: char) -> Parsed {
    Parsed::text(parse_words(rest, escape))
}

/// BuildKit's `parseStringsWhitespaceDelimited` (FROM, EXPOSE; ADD/COPY/VOLUME string form).
pub(crate) fn parse_strings_whitespace_delimited(rest: &str) -> Parsed {
    if rest.is_empty() {
        return Parsed::default();
    }
    Parsed::text(
        split_whitespace_re(rest, 0)
            .into_iter()
            .map(str::to_string)
            .collect(),
    )
}

/// BuildKit's `parseString` (MAINTAINER, STOPSIGNAL, USER, WORKDIR).
pub(crate) fn parse_string(rest: &str) -> Parsed {
    if rest.is_empty() {
        return Parsed::default();
    }
    Parsed::text(vec![rest.to_string()])
}

/// BuildKit's `parseMaybeJSON` (RUN, CMD, ENTRYPOINT, SHELL).
pub(crate) fn parse_maybe_json(rest: &str) -> Result<Parsed, String> {
    if rest.is_empty() {
        return Ok(Parsed::default());
    }
    match parse_json_array(rest) {
        JsonArray::Strings(values) => Ok(Parsed { values, json: true }),
        JsonArray::NotStrings => Err(NOT_STRING_ARRAY.to_string()),
        JsonArray::Invalid => Ok(Parsed::text(vec![rest.to_string()])),
    }
}

/// BuildKit's `parseMaybeJSONToList` (ADD, COPY, VOLUME).
pub(crate) fn parse_maybe_json_to_list(rest: &str) -> Result<Parsed, String> {
    match parse_json_array(rest) {
        JsonArray::Strings(values) => Ok(Parsed { values, json: true }),
        JsonArray::NotStrings => Err(NOT_STRING_ARRAY.to_string()),
        JsonArray::Invalid => Ok(parse_strings_whitespace_delimited(rest)),
    }
}

/// BuildKit's `parseHealthConfig` (HEALTHCHECK): the type word (`CMD`, `NONE`, …) followed by
/// what `parseMaybeJSON` makes of the rest.
pub(crate) fn parse_health_config(rest: &str) -> Result<Parsed, String> {
    let b = rest.as_bytes();
    let sep = b.iter().position(|&c| is_space_byte(c)).unwrap_or(b.len());
    if sep == 0 {
        return Ok(Parsed::default());
    }
    let next = b[sep..]
        .iter()
        .position(|&c| !is_space_byte(c))
        .map_or(b.len(), |i| sep + i);
    let typ = match rest.get(..sep) {
        Some(t) => t.to_string(),
        None => String::from_utf8_lossy(&b[..sep]).into_owned(),
    };
    let cmd = parse_maybe_json(&tail_from(rest, next))?;
    let mut values = vec![typ];
    values.extend(cmd.values);
    Ok(Parsed {
        values,
        json: cmd.json,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_like_go() {
        assert_eq!(split_whitespace_re("", 0), vec![""]);
        assert_eq!(split_whitespace_re("a  b\tc", 0), vec!["a", "b", "c"]);
        assert_eq!(split_whitespace_re("a b ", 0), vec!["a", "b", ""]);
        assert_eq!(split_whitespace_re(" a", 0), vec!["", "a"]);
        assert_eq!(split_whitespace_re("a  b c", 2), vec!["a", "b c"]);
        assert_eq!(split_whitespace_re("abc", 2), vec!["abc"]);
        assert_eq!(split_whitespace_re("a\u{a0}b", 0), vec!["a\u{a0}b"]);
    }

    #[test]
    fn words_like_buildkit() {
        // BuildKit's TestParseWords.
        let cases: &[(&str, &[&str])] = &[
            ("foo", &["foo"]),
            ("foo bar", &["foo", "bar"]),
            ("foo\\ bar", &["foo\\ bar"]),
            ("foo=bar", &["foo=bar"]),
            ("foo bar 'abc xyz'", &["foo", "bar", "'abc xyz'"]),
            (r#"foo bar "abc xyz""#, &["foo", "bar", r#""abc xyz""#]),
            ("àöû", &["àöû"]),
            (r#"föo bàr "âbc xÿz""#, &["föo", "bàr", r#""âbc xÿz""#]),
            // An unterminated quote keeps the word.
            (r#"a "b c"#, &["a", r#""b c"#]),
            ("a\\", &["a"]),
        ];
        for (input, expect) in cases {
            assert_eq!(parse_words(input, '\\'), *expect, "{input}");
        }
    }

    #[test]
    fn flags_like_buildkit() {
        assert_eq!(
            extract_builder_flags("--user=me --doit=true foo /tmp/"),
            (
                "foo /tmp/".to_string(),
                22,
                vec!["--user=me".to_string(), "--doit=true".to_string()]
            )
        );
        assert_eq!(extract_builder_flags("--doit=true -- foo").0, " foo");
        assert_eq!(
            extract_builder_flags("--from=\"a b\" x").2,
            vec!["--from=a b".to_string()]
        );
        assert_eq!(extract_builder_flags("--a").2, vec!["--a".to_string()]);
        assert_eq!(extract_builder_flags("--").2, Vec::<String>::new());
        assert_eq!(extract_builder_flags("-x y").0, "-x y");
        // Byte-wise, as in Go: `é` becomes `Ã©`.
        assert_eq!(
            extract_builder_flags("--from=café x").2,
            vec!["--from=cafÃ©".to_string()]
        );
        // 0xA0 (the second byte of `à`) is whitespace to Go's unicode.IsSpace(rune(b)).
        assert_eq!(
            extract_builder_flags("--a=à x"),
            ("x".to_string(), 7, vec!["--a=Ã".to_string()])
        );
    }

    #[test]
    fn split_command_offsets() {
        let s = split_command("  COPY --from=a  b c  ");
        assert_eq!(s.cmd, "COPY");
        assert_eq!(s.cmd_offset, 2);
        assert_eq!(s.flags, vec!["--from=a".to_string()]);
        assert_eq!(s.args, "b c");
        assert_eq!(s.args_offset, 17);
        let s = split_command("RUN");
        assert_eq!(
            (s.cmd.as_str(), s.args.as_str(), s.args_offset),
            ("RUN", "", 3)
        );
    }

    #[test]
    fn name_values() {
        assert_eq!(
            parse_name_val("a b c", "ENV", '\\').unwrap().values,
            vec!["a", "b c", ""]
        );
        assert_eq!(
            parse_name_val("a=b c=\"d e\"", "ENV", '\\').unwrap().values,
            vec!["a", "b", "=", "c", "\"d e\"", "="]
        );
        assert_eq!(
            parse_name_val("PATH", "ENV", '\\').unwrap_err(),
            "ENV must have two arguments"
        );
        assert!(parse_name_val("a=b c", "ENV", '\\').is_err());
        assert_eq!(
            parse_name_val("", "ENV", '\\').unwrap().values,
            Vec::<String>::new()
        );
    }

    #[test]
    fn health() {
        let p = parse_health_config("CMD [\"a\"]").unwrap();
        assert_eq!(
            (p.values, p.json),
            (vec!["CMD".to_string(), "a".to_string()], true)
        );
        assert_eq!(parse_health_config("NONE").unwrap().values, vec!["NONE"]);
        assert_eq!(
            parse_health_config("").unwrap().values,
            Vec::<String>::new()
        );
        // Byte-wise split inside `à` (C3 A0) must not panic.
        assert_eq!(
            parse_health_config("àb").unwrap().values,
            vec!["\u{FFFD}".to_string(), "b".to_string()]
        );
    }
}
