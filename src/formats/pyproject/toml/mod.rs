//! The TOML reader of `pyproject.toml`.
//!
//! `pyproject.toml` is read by a parser written for this module instead of the `toml` crate,
//! for size: in the package's wasm build (`wasm-release` profile, wasm-bindgen, `wasm-opt -Oz`,
//! gzip), `toml` 1.2 with only `parse` + `serde` adds about 57 KB, its lexer `toml_parser` alone
//! about 19 KB (in a minimal cdylib), and this module about 6.6 KB, against a total budget of
//! 150 KB. It reads all of TOML 1.1 (so every TOML 1.0
//! file), builds the whole document, and rejects what a TOML parser rejects: bad syntax, bad
//! escapes, control characters, invalid numbers and dates (integers must fit in 64 bits, floats
//! must be finite), duplicate keys, a table defined twice, dotted keys that reach into a
//! `[table]`, an inline table or an array of tables, `[[array]]` on a static array. The tests
//! check it against the `toml` crate on a corpus, on generated documents and on the toml-test
//! suite. Values other than strings are checked but not kept.
//!
//! Two limits keep hostile input cheap: nesting (key parts, arrays and inline tables together)
//! stops at 128 levels, so no input overflows the stack, and a table holds at most 4096 keys, so
//! duplicate-key checks stay fast. Both are errors, far above what a real `pyproject.toml` needs.
//!
//! The document, tables, keys, values and strings are read here; numbers and date-times are
//! checked in `scalar.rs`. The tests (`tests.rs`) compare it with the `toml` crate.

use crate::error::{Error, ErrorCode, Quoted, Result};

mod scalar;
#[cfg(test)]
mod tests;

use scalar::{code_fits, date, digits, valid_scalar};

/// A `PyprojectInvalid` error, at the line and column of byte `at` of `text` when there is one.
pub(super) fn invalid(text: &str, at: Option<usize>, message: &str) -> Error {
    let e = Error::new(ErrorCode::PyprojectInvalid, message);
    match at {
        Some(at) => {
            let (line, column) = position(text, at);
            e.at_position(line, column)
        }
        None => e,
    }
}

/// A TOML value, as far as this module needs it.
pub(super) enum Value {
    String(String),
    /// An integer, float, boolean or date-time (validated, not kept).
    Other,
    /// A static array; each item with the byte offset where it starts.
    Array(Vec<(usize, Value)>),
    Table(Table),
    /// An array of tables (`[[name]]`).
    Tables(Vec<Table>),
}

/// How a table came to exist, which decides how it may be extended.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// Created as the parent of a `[a.b]` header; a later `[a]` may still define it.
    Implicit,
    /// Defined by a `[header]` (or the root).
    Header,
    /// Created or extended by a dotted key (`a.b = 1`).
    Dotted,
    /// An inline table (`{ ... }`): closed once written.
    Inline,
}

/// A table: how it came to exist and its entries.
pub(super) struct Table {
    kind: Kind,
    /// Key, byte offset of the value, value; in file order.
    pub(super) entries: Vec<(String, usize, Value)>,
}

/// The byte offset and value of `key` in `table`.
pub(super) fn get<'t>(table: &'t Table, key: &str) -> Option<(usize, &'t Value)> {
    table
        .entries
        .iter()
        .find(|entry| entry.0 == key)
        .map(|entry| (entry.1, &entry.2))
}

/// The 1-based line and character column of byte `at` of `text`.
fn position(text: &str, at: usize) -> (usize, usize) {
    let before = text.get(..at).unwrap_or(text);
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

/// How deep keys, arrays and inline tables may nest (counting every part of a dotted key).
const MAX_DEPTH: usize = 128;

/// How many keys one table may hold.
const MAX_KEYS: usize = 4096;

/// A key: its parts and the byte offset of each.
type Key = Vec<(String, usize)>;

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    depth: usize,
}

/// Parses a whole TOML document into its root table.
pub(super) fn parse(text: &str) -> Result<Table> {
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        at: if text.starts_with('\u{feff}') { 3 } else { 0 },
        depth: 0,
    };
    let mut root = Table {
        kind: Kind::Header,
        entries: Vec::new(),
    };
    // The path of the current `[table]`.
    let mut current: Vec<String> = Vec::new();
    loop {
        p.blanks();
        match p.peek() {
            None => return Ok(root),
            Some(b'\n' | b'\r' | b'#') => {}
            Some(b'[') => {
                let start = p.at;
                let array = p.bytes.get(p.at + 1) == Some(&b'[');
                p.at += 1 + usize::from(array);
                p.blanks();
                let key = p.key()?;
                p.depth = 0;
                p.deeper(key.len(), start)?;
                if !p.eat(b']') || (array && !p.eat(b']')) {
                    return Err(p.fail(p.at, "expected `]` to close the [table] header"));
                }
                p.insert(&mut root, &key, usize::from(array), None)?;
                current = key.into_iter().map(|(k, _)| k).collect();
            }
            Some(_) => {
                p.depth = current.len();
                // The current table: follow its path (the last table of an array of tables).
                let mut table = &mut root;
                for name in &current {
                    let entry = table.entries.iter_mut().find(|entry| entry.0 == *name);
                    table = match entry.map(|entry| &mut entry.2) {
                        Some(Value::Table(t)) => t,
                        Some(Value::Tables(list)) if !list.is_empty() => {
                            let last = list.len() - 1;
                            &mut list[last]
                        }
                        _ => return Err(p.fail(p.at, "internal error")),
                    };
                }
                p.key_value(table)?;
            }
        }
        // After a key/value pair or a header: blanks, a comment, then a newline or the end.
        p.gaps(false)?;
        if p.peek().is_some() && !p.newline() {
            return Err(p.fail(
                p.at,
                "expected the end of the line (one key = value or [table] per line)",
            ));
        }
    }
}

impl Parser<'_> {
    fn fail(&self, at: usize, what: &str) -> Error {
        invalid(
            self.text,
            Some(at),
            &format!("pyproject.toml is not valid TOML: {what}"),
        )
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        let found = self.peek() == Some(b);
        self.at += usize::from(found);
        found
    }

    /// Spaces and tabs.
    fn blanks(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.at += 1;
        }
    }

    /// A newline (`\n` or `\r\n`) at the cursor; false (and nothing eaten) if there is none.
    fn newline(&mut self) -> bool {
        if self.peek() == Some(b'\r') && self.bytes.get(self.at + 1) == Some(&b'\n') {
            self.at += 1;
        }
        self.eat(b'\n')
    }

    /// Blanks and a comment, then (if `lines`) newlines and more of the same.
    fn gaps(&mut self, lines: bool) -> Result<()> {
        loop {
            self.blanks();
            if self.eat(b'#') {
                while let Some(b) = self.peek() {
                    if b == b'\n' || (b == b'\r' && self.bytes.get(self.at + 1) == Some(&b'\n')) {
                        break;
                    }
                    self.no_control(b)?;
                    self.at += 1;
                }
            }
            if !lines || !self.newline() {
                return Ok(());
            }
        }
    }

    fn no_control(&self, b: u8) -> Result<()> {
        if (b < 0x20 && b != b'\t') || b == 0x7f {
            return Err(self.fail(
                self.at,
                "a control character: write it as an escape in a \"string\"",
            ));
        }
        Ok(())
    }

    /// Enters `levels` more levels of nesting (a bound, so that no input overflows the stack).
    fn deeper(&mut self, levels: usize, at: usize) -> Result<()> {
        self.depth += levels;
        if self.depth > MAX_DEPTH {
            return Err(self.fail(at, "nested more than 128 levels deep"));
        }
        Ok(())
    }

    /// A dotted key: `a`, `a.b`, `"quoted key".'literal'`; blanks after it are eaten.
    fn key(&mut self) -> Result<Key> {
        let mut parts = Vec::new();
        loop {
            let start = self.at;
            let part = match self.peek() {
                Some(quote @ (b'"' | b'\'')) => {
                    if self.bytes.get(start..start + 3) == Some(&[quote; 3]) {
                        return Err(self.fail(start, "a key cannot be a multi-line string"));
                    }
                    self.at += 1;
                    self.string_body(quote, false, start)?
                }
                _ => {
                    while matches!(
                        self.peek(),
                        Some(b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-')
                    ) {
                        self.at += 1;
                    }
                    if self.at == start {
                        return Err(self.fail(start, "expected a key"));
                    }
                    self.text[start..self.at].to_string()
                }
            };
            parts.push((part, start));
            self.blanks();
            if !self.eat(b'.') {
                return Ok(parts);
            }
            self.blanks();
        }
    }

    /// `key = value` into `table`.
    fn key_value(&mut self, table: &mut Table) -> Result<()> {
        let key = self.key()?;
        if !self.eat(b'=') {
            return Err(self.fail(self.at, "expected `=` after the key"));
        }
        self.blanks();
        let at = self.at;
        self.deeper(key.len(), key[0].1)?;
        let value = self.value()?;
        self.depth -= key.len();
        self.insert(table, &key, at, Some(value))
    }

    /// Puts `value` at the dotted `key` of `table` (a key/value pair), or with `None` defines the
    /// table of a `[key]` header (`at` 0) or `[[key]]` (`at` 1), creating the tables on the way.
    fn insert(
        &self,
        mut table: &mut Table,
        key: &[(String, usize)],
        at: usize,
        value: Option<Value>,
    ) -> Result<()> {
        let header = value.is_none();
        for (i, (name, name_at)) in key.iter().enumerate() {
            let last = i + 1 == key.len();
            let found = table.entries.iter().position(|entry| entry.0 == *name);
            let index = match found {
                Some(index) => index,
                None => {
                    if table.entries.len() == MAX_KEYS {
                        return Err(self.fail(*name_at, "more than 4096 keys in one table"));
                    }
                    let new = match (last, &value) {
                        (false, _) => Value::Table(Table {
                            kind: if header { Kind::Implicit } else { Kind::Dotted },
                            entries: Vec::new(),
                        }),
                        (true, None) => {
                            let table = Table {
                                kind: Kind::Header,
                                entries: Vec::new(),
                            };
                            if at == 1 {
                                Value::Tables(vec![table])
                            } else {
                                Value::Table(table)
                            }
                        }
                        (true, Some(_)) => Value::Other,
                    };
                    table.entries.push((name.clone(), *name_at, new));
                    if last {
                        if let Some(value) = value {
                            let entry = table.entries.len() - 1;
                            table.entries[entry] = (name.clone(), at, value);
                        }
                        return Ok(());
                    }
                    table.entries.len() - 1
                }
            };
            let entry = &mut table.entries[index].2;
            let kind = match entry {
                Value::Table(t) => Some(t.kind),
                _ => None,
            };
            let tables = matches!(entry, Value::Tables(_));
            let allowed = match (header, last) {
                // `[a.b]` goes through tables (not inline ones) and into the last of an array.
                (true, false) => tables || kind.is_some_and(|k| k != Kind::Inline),
                // A dotted key goes through tables made by dotted keys or header parents.
                (false, false) => matches!(kind, Some(Kind::Dotted | Kind::Implicit)),
                // `[a]` after `[a.b]` defines `a`; `[[a]]` adds a table to the array.
                (true, true) if at == 0 => kind == Some(Kind::Implicit),
                (true, true) => tables,
                (false, true) => false,
            };
            if !allowed && !header && tables {
                return Err(self.fail(
                    *name_at,
                    &format!(
                        "{} is an array of tables: a dotted key cannot add to it; add to its last table with a header instead",
                        Quoted(name)
                    ),
                ));
            }
            if !allowed {
                return Err(self.fail(
                    *name_at,
                    &format!(
                        "{} is already defined: define each key and table once",
                        Quoted(name)
                    ),
                ));
            }
            let new_kind = if header { Kind::Header } else { Kind::Dotted };
            table = match entry {
                Value::Table(t) => {
                    if !header || last {
                        t.kind = new_kind;
                    }
                    t
                }
                Value::Tables(list) => {
                    if last {
                        list.push(Table {
                            kind: Kind::Header,
                            entries: Vec::new(),
                        });
                    }
                    match list.last_mut() {
                        Some(t) => t,
                        None => return Err(self.fail(*name_at, "internal error")),
                    }
                }
                _ => return Err(self.fail(*name_at, "internal error")),
            };
            if last {
                return Ok(());
            }
        }
        Ok(())
    }

    fn value(&mut self) -> Result<Value> {
        let start = self.at;
        match self.peek() {
            Some(quote @ (b'"' | b'\'')) => {
                let multi = self.bytes.get(start..start + 3) == Some(&[quote; 3]);
                self.at += if multi { 3 } else { 1 };
                if multi {
                    // A newline right after the opening delimiter is not part of the string.
                    self.newline();
                }
                Ok(Value::String(self.string_body(quote, multi, start)?))
            }
            Some(open @ (b'[' | b'{')) => {
                self.deeper(1, start)?;
                self.at += 1;
                let close = open + 2; // `]` or `}`
                let mut items = Vec::new();
                let mut table = Table {
                    kind: Kind::Dotted,
                    entries: Vec::new(),
                };
                // Items; newlines, comments and a trailing comma allowed (TOML 1.1 for tables).
                loop {
                    self.gaps(true)?;
                    if self.eat(close) {
                        break;
                    }
                    if open == b'[' {
                        items.push((self.at, self.value()?));
                    } else {
                        self.key_value(&mut table)?;
                    }
                    self.gaps(true)?;
                    if self.eat(close) {
                        break;
                    }
                    if !self.eat(b',') {
                        return Err(
                            self.fail(self.at, &format!("expected `,` or `{}`", close as char))
                        );
                    }
                }
                self.depth -= 1;
                table.kind = Kind::Inline;
                Ok(if open == b'[' {
                    Value::Array(items)
                } else {
                    Value::Table(table)
                })
            }
            _ => {
                // A number, boolean or date-time.
                let word = |p: &mut Parser| {
                    while matches!(
                        p.peek(),
                        Some(
                            b'A'..=b'Z'
                            | b'a'..=b'z'
                            | b'0'..=b'9'
                            | b'_'
                            | b'+'
                            | b'-'
                            | b'.'
                            | b':',
                        )
                    ) {
                        p.at += 1;
                    }
                };
                word(self);
                // `1979-05-27 07:32:00`: a space may separate a date from a time.
                if self.at - start == 10
                    && self.peek() == Some(b' ')
                    && self.bytes.get(self.at + 1).is_some_and(u8::is_ascii_digit)
                    && date(&self.bytes[start..self.at])
                {
                    self.at += 1;
                    word(self);
                }
                if !valid_scalar(&self.bytes[start..self.at]) {
                    return Err(self.fail(start, "expected a value (text needs quotes: \"...\")"));
                }
                Ok(Value::Other)
            }
        }
    }

    /// The body of a string whose opening delimiter (at `start`) is already eaten.
    fn string_body(&mut self, quote: u8, multi: bool, start: usize) -> Result<String> {
        let mut out = String::new();
        loop {
            let Some(c) = self.text[self.at..].chars().next() else {
                return Err(self.fail(start, "this string is never closed"));
            };
            let here = self.at;
            self.at += c.len_utf8();
            if c as u32 == u32::from(quote) {
                if !multi {
                    return Ok(out);
                }
                // Up to two quotes may come right before the closing three.
                let run = self.bytes[here..]
                    .iter()
                    .take_while(|&&b| b == quote)
                    .count();
                if (3..=5).contains(&run) {
                    out.extend(std::iter::repeat_n(c, run - 3));
                    self.at = here + run;
                    return Ok(out);
                }
                if run > 5 {
                    return Err(self.fail(here, "too many quotes: escape them"));
                }
                out.push(c);
            } else if c == '\\' && quote == b'"' {
                self.escape(multi, &mut out)?;
            } else if multi && (c == '\n' || (c == '\r' && self.peek() == Some(b'\n'))) {
                out.push(c);
            } else {
                if c.is_ascii() {
                    self.at = here;
                    self.no_control(c as u8)?;
                    self.at += 1;
                }
                out.push(c);
            }
        }
    }

    /// An escape in a basic string; the backslash is eaten.
    fn escape(&mut self, multi: bool, out: &mut String) -> Result<()> {
        let at = self.at - 1;
        let e = self.peek().unwrap_or(0);
        self.at += 1;
        let c = match e {
            b'b' => '\u{8}',
            b't' => '\t',
            b'n' => '\n',
            b'f' => '\u{c}',
            b'r' => '\r',
            b'e' => '\u{1b}',
            b'"' | b'\\' => e as char,
            b'x' | b'u' | b'U' => {
                let len = match e {
                    b'x' => 2,
                    b'u' => 4,
                    _ => 8,
                };
                let hex = self.bytes.get(self.at..self.at + len).unwrap_or(b"g");
                self.at += len;
                match digits(hex, 16).and_then(|code| char::from_u32(code as u32)) {
                    Some(c) if !hex.contains(&b'_') && code_fits(hex) => c,
                    _ => return Err(self.fail(at, "invalid escape: \\x, \\u and \\U take 2, 4 and 8 hex digits of a character")),
                }
            }
            b' ' | b'\t' | b'\n' | b'\r' if multi => {
                // A line-ending backslash: the line break and the whitespace after it go.
                self.at -= 1;
                self.blanks();
                if !self.newline() {
                    return Err(self.fail(at, "a backslash followed by spaces must end the line"));
                }
                loop {
                    self.blanks();
                    if !self.newline() {
                        return Ok(());
                    }
                }
            }
            _ => return Err(self.fail(at, "invalid escape: write \\\\ for a backslash")),
        };
        out.push(c);
        Ok(())
    }
}
