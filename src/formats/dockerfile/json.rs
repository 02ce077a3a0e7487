//! JSON-form detection with the semantics of Go's `encoding/json`, as BuildKit's `parseJSON` uses
//! it (`json.NewDecoder(strings.NewReader(rest)).Decode(&[]interface{})`).
//!
//! What matters for fidelity:
//! - the decoder reads one JSON value and ignores whatever follows it (`CMD ["a"] b` is the JSON
//!   form `["a"]`);
//! - a syntax error (unterminated array or string, single quotes, a control character inside a
//!   string, more than 10000 levels of nesting, …) means "not JSON": the caller falls back to the
//!   string form;
//! - a number too large for a float64 is a decode error too (also "not JSON");
//! - a well-formed array with an element that is not a string is a hard error
//!   (`when using JSON array syntax, arrays must be comprised of strings only`);
//! - `\u` escapes of unpaired surrogates decode to U+FFFD instead of failing.
//!
//! The scanner is iterative (an explicit stack), so no input can exhaust the call stack.

/// The outcome of reading a JSON array of strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum JsonArray {
    /// A well-formed array whose elements are all strings (decoded).
    Strings(Vec<String>),
    /// A well-formed array with an element that is not a string.
    NotStrings,
    /// Not a JSON array (or not decodable): use the string form.
    Invalid,
}

/// Go's `maxNestingDepth` in `encoding/json`'s scanner.
const MAX_NESTING_DEPTH: usize = 10_000;

/// Reads `rest` as BuildKit's `parseJSON` does: leading whitespace skipped, then it must start
/// with `[`, then one JSON value is decoded and the remainder ignored.
pub(crate) fn parse_json_array(rest: &str) -> JsonArray {
    let rest = rest.trim_start();
    if !rest.starts_with('[') {
        return JsonArray::Invalid;
    }
    let mut scanner = Scanner {
        bytes: rest.as_bytes(),
        pos: 0,
    };
    scanner.array().unwrap_or(JsonArray::Invalid)
}

/// The significant digits of 2^1024 - 2^970, the smallest decimal that rounds to infinity as a
/// float64 (it is halfway between `f64::MAX` and 2^1024, and ties round to even, i.e. up).
const F64_OVERFLOW_DIGITS: &str = "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792";

/// Whether a JSON number (already checked against JSON's grammar) rounds to infinity as a
/// float64, without parsing it as a float: the value is `0.DIGITS × 10^exponent`, which
/// overflows when the exponent passes 309, or equals it with digits at or above the threshold.
fn overflows_f64(number: &[u8]) -> bool {
    let (mantissa, exponent) = match number.iter().position(|&b| b == b'e' || b == b'E') {
        Some(at) => (&number[..at], &number[at + 1..]),
        None => (number, &b""[..]),
    };
    let mantissa = mantissa.strip_prefix(b"-").unwrap_or(mantissa);
    let (int_part, frac_part) = match mantissa.iter().position(|&b| b == b'.') {
        Some(at) => (&mantissa[..at], &mantissa[at + 1..]),
        None => (mantissa, &b""[..]),
    };
    let digits: Vec<u8> = int_part.iter().chain(frac_part).copied().collect();
    let Some(first) = digits.iter().position(|&d| d != b'0') else {
        return false;
    };
    let significant = &digits[first..];
    let significant = &significant[..significant
        .iter()
        .rposition(|&d| d != b'0')
        .map_or(0, |i| i + 1)];
    let (negative, exp_digits) = match exponent.first() {
        Some(b'-') => (true, &exponent[1..]),
        Some(b'+') => (false, &exponent[1..]),
        _ => (false, exponent),
    };
    let exp = exp_digits.iter().fold(0i64, |acc, &d| {
        (acc * 10 + i64::from(d - b'0')).min(1 << 40)
    });
    let exp = if negative { -exp } else { exp };
    let decimal_exponent = int_part.len() as i64 - first as i64 + exp;
    match decimal_exponent.cmp(&309) {
        std::cmp::Ordering::Less => false,
        std::cmp::Ordering::Greater => true,
        std::cmp::Ordering::Equal => significant >= F64_OVERFLOW_DIGITS.as_bytes(),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Container {
    Array,
    Object,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// After `[` or `{`: a value (or key) or the closing bracket.
    ValueOrClose,
    /// After `,`: a value (or key).
    Value,
    /// After a value: `,` or the closing bracket.
    AfterValue,
}

struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, b: u8) -> Option<()> {
        if self.peek() == Some(b) {
            self.pos += 1;
            Some(())
        } else {
            None
        }
    }

    /// The top-level array. `None` is a syntax error.
    fn array(&mut self) -> Option<JsonArray> {
        self.eat(b'[')?;
        let mut stack = vec![Container::Array];
        let mut strings = Vec::new();
        let mut not_strings = false;
        let mut overflow = false;
        let mut state = State::ValueOrClose;
        loop {
            self.skip_ws();
            let top = *stack.last()?;
            let close = if top == Container::Array { b']' } else { b'}' };
            match state {
                State::AfterValue => {
                    match self.peek()? {
                        b',' => state = State::Value,
                        c if c == close => {
                            stack.pop();
                            if stack.is_empty() {
                                break;
                            }
                        }
                        _ => return None,
                    }
                    self.pos += 1;
                    continue;
                }
                State::ValueOrClose if self.peek() == Some(close) => {
                    self.pos += 1;
                    stack.pop();
                    if stack.is_empty() {
                        break;
                    }
                    state = State::AfterValue;
                    continue;
                }
                State::ValueOrClose | State::Value => {}
            }
            // A value (in an object: after its key and `:`).
            if top == Container::Object {
                self.string(false)?;
                self.skip_ws();
                self.eat(b':')?;
                self.skip_ws();
            }
            let top_level_element = stack.len() == 1;
            state = State::AfterValue;
            match self.peek()? {
                b'"' => {
                    if let Some(s) = self.string(top_level_element)? {
                        strings.push(s);
                    }
                }
                open @ (b'[' | b'{') => {
                    self.pos += 1;
                    if stack.len() + 1 > MAX_NESTING_DEPTH {
                        return None;
                    }
                    stack.push(if open == b'[' {
                        Container::Array
                    } else {
                        Container::Object
                    });
                    not_strings |= top_level_element;
                    state = State::ValueOrClose;
                }
                b'-' | b'0'..=b'9' => {
                    overflow |= self.number()?;
                    not_strings |= top_level_element;
                }
                b't' => {
                    self.literal(b"true")?;
                    not_strings |= top_level_element;
                }
                b'f' => {
                    self.literal(b"false")?;
                    not_strings |= top_level_element;
                }
                b'n' => {
                    self.literal(b"null")?;
                    not_strings |= top_level_element;
                }
                _ => return None,
            }
        }
        Some(if overflow {
            JsonArray::Invalid
        } else if not_strings {
            JsonArray::NotStrings
        } else {
            JsonArray::Strings(strings)
        })
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        if self.bytes.get(self.pos..self.pos + word.len())? == word {
            self.pos += word.len();
            Some(())
        } else {
            None
        }
    }

    /// A number by JSON's grammar; returns whether it overflows a float64 (a decode error in Go).
    fn number(&mut self) -> Option<bool> {
        let start = self.pos;
        let _ = self.eat(b'-');
        match self.peek()? {
            b'0' => self.pos += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !self.peek()?.is_ascii_digit() {
                return None;
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !self.peek()?.is_ascii_digit() {
                return None;
            }
            self.digits();
        }
        Some(overflows_f64(&self.bytes[start..self.pos]))
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let digits = self.bytes.get(at..at + 4)?;
        let mut value = 0u32;
        for &d in digits {
            value = value * 16 + char::from(d).to_digit(16)?;
        }
        Some(value)
    }

    /// A string; decoded when `decode` (Go's `unquote`), else only validated.
    fn string(&mut self, decode: bool) -> Option<Option<String>> {
        self.eat(b'"')?;
        let mut out = String::new();
        let mut run_start = self.pos;
        loop {
            let c = self.peek()?;
            match c {
                b'"' => {
                    if decode {
                        out.push_str(std::str::from_utf8(&self.bytes[run_start..self.pos]).ok()?);
                    }
                    self.pos += 1;
                    return Some(decode.then_some(out));
                }
                b'\\' => {
                    if decode {
                        out.push_str(std::str::from_utf8(&self.bytes[run_start..self.pos]).ok()?);
                    }
                    let esc = *self.bytes.get(self.pos + 1)?;
                    self.pos += 2;
                    let simple = match esc {
                        b'"' => Some('"'),
                        b'\\' => Some('\\'),
                        b'/' => Some('/'),
                        b'b' => Some('\u{8}'),
                        b'f' => Some('\u{c}'),
                        b'n' => Some('\n'),
                        b'r' => Some('\r'),
                        b't' => Some('\t'),
                        b'u' => None,
                        _ => return None,
                    };
                    match simple {
                        Some(ch) => out.push(ch),
                        None => {
                            let r = self.hex4(self.pos)?;
                            self.pos += 4;
                            if (0xD800..0xE000).contains(&r) {
                                // A surrogate: valid only as a high/low pair written back to back.
                                let pair = if (0xD800..0xDC00).contains(&r)
                                    && self.bytes.get(self.pos..self.pos + 2) == Some(b"\\u")
                                {
                                    self.hex4(self.pos + 2)
                                        .filter(|r2| (0xDC00..0xE000).contains(r2))
                                } else {
                                    None
                                };
                                match pair {
                                    Some(r2) => {
                                        self.pos += 6;
                                        let code = 0x10000 + ((r - 0xD800) << 10) + (r2 - 0xDC00);
                                        out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                                    }
                                    None => out.push('\u{FFFD}'),
                                }
                            } else {
                                out.push(char::from_u32(r).unwrap_or('\u{FFFD}'));
                            }
                        }
                    }
                    run_start = self.pos;
                }
                0x00..=0x1f => return None,
                _ => self.pos += 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn overflow_check_matches_float_parsing(number in "-?(0|[1-9][0-9]{0,320})(\\.[0-9]{1,30})?([eE][+-]?[0-9]{1,4})?") {
            let parsed = number.parse::<f64>().expect("JSON numbers parse");
            prop_assert_eq!(overflows_f64(number.as_bytes()), parsed.is_infinite(), "{}", number);
        }
    }

    #[test]
    fn overflow_threshold_is_exact() {
        let threshold = F64_OVERFLOW_DIGITS;
        let below = format!("{}1", &threshold[..threshold.len() - 1]);
        let above = format!("{}3", &threshold[..threshold.len() - 1]);
        for n in [
            threshold.to_string(),
            format!("{threshold}.0"),
            "1.8e308".into(),
            "1e309".into(),
            below,
            above,
            "1.7976931348623157e308".into(),
            "0.0000e999999".into(),
            "-1e400".into(),
            "1e-400".into(),
        ] {
            let expected = n.parse::<f64>().unwrap().is_infinite();
            assert_eq!(overflows_f64(n.as_bytes()), expected, "{n}");
        }
    }

    fn strings(v: &[&str]) -> JsonArray {
        JsonArray::Strings(v.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn arrays_of_strings() {
        assert_eq!(parse_json_array("[]"), strings(&[]));
        assert_eq!(parse_json_array(r#"[ "a", "b" ]"#), strings(&["a", "b"]));
        assert_eq!(
            parse_json_array("[\t\"a\",\t\"b\"\t]"),
            strings(&["a", "b"])
        );
        assert_eq!(
            parse_json_array(r#"["\" \\ \/ \b \f \n \r \t \u0000"]"#),
            strings(&["\" \\ / \u{8} \u{c} \n \r \t \u{0}"])
        );
        assert_eq!(
            parse_json_array(r#"["\ud83d\ude00", "\ud800x", "\udc00"]"#),
            strings(&["😀", "\u{FFFD}x", "\u{FFFD}"])
        );
        // The decoder stops after the first value.
        assert_eq!(
            parse_json_array(r#"["a"] trailing ] stuff"#),
            strings(&["a"])
        );
    }

    #[test]
    fn not_json() {
        for text in [
            "",
            "a",
            "['a']",
            r#"["a""#,
            r#"["a", "b"#,
            r#"["a",]"#,
            "[\"a\u{1}\"]",
            r#"["\x"]"#,
            r#"["\u12"]"#,
            r#"[01]"#,
            r#"[1e999]"#,
            r#"["a", {"k": 1e999}]"#,
            r#"[tru]"#,
            r#"[{"a" 1}]"#,
            r#"[[]"#,
            r#"[[],]"#,
            r#"[{"a":1,}]"#,
            r#"[{1:2}]"#,
        ] {
            assert_eq!(parse_json_array(text), JsonArray::Invalid, "{text}");
        }
        let deep = format!(
            "[{}{}]",
            "[".repeat(MAX_NESTING_DEPTH),
            "]".repeat(MAX_NESTING_DEPTH)
        );
        assert_eq!(parse_json_array(&deep), JsonArray::Invalid);
        let ok_deep = format!(
            "[{}{}]",
            "[".repeat(MAX_NESTING_DEPTH - 1),
            "]".repeat(MAX_NESTING_DEPTH - 1)
        );
        assert_eq!(parse_json_array(&ok_deep), JsonArray::NotStrings);
    }

    #[test]
    fn not_strings() {
        for text in [
            r#"[ "echo", [ "nested json" ] ]"#,
            "[1]",
            r#"["a", null]"#,
            r#"[true]"#,
            r#"[{"a": [1, {"b": "c"}]}]"#,
            r#"[-0.5e+3]"#,
            r#"["a", [], {}, [[]]]"#,
            r#"[{}]"#,
        ] {
            assert_eq!(parse_json_array(text), JsonArray::NotStrings, "{text}");
        }
    }
}
