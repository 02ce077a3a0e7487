//! A pattern's syntax check and its translation, as patternmatcher's `New` check and `compile`:
//! the match kind, and for a regexp pattern the Go regular expression patternmatcher builds,
//! parsed and compiled to a program.

use super::program::{Inst, Program};
use super::regex::Parser;
use super::{Kind, Why, BAD_CLASS, MALFORMED, TRAILING_BACKSLASH};

/// The syntax check of Go's `filepath.Match(pattern, ".")`: its `scanChunk` / `matchChunk`
/// error cases (a trailing `\`, a malformed class).
pub(super) fn check_glob(mut p: &[u8]) -> Result<(), Why> {
    while !p.is_empty() {
        while p.first() == Some(&b'*') {
            p = &p[1..];
        }
        let (mut i, mut in_range) = (0, false);
        while i < p.len() {
            match p[i] {
                b'\\' if i + 1 < p.len() => i += 1,
                b'[' => in_range = true,
                b']' => in_range = false,
                b'*' if !in_range => break,
                _ => {}
            }
            i += 1;
        }
        check_chunk(&p[..i])?;
        p = &p[i..];
    }
    Ok(())
}

fn check_chunk(mut c: &[u8]) -> Result<(), Why> {
    while let Some(&b) = c.first() {
        c = &c[1..];
        match b {
            b'[' => {
                if c.first() == Some(&b'^') {
                    c = &c[1..];
                }
                let mut ranges = 0;
                loop {
                    if ranges > 0 && c.first() == Some(&b']') {
                        c = &c[1..];
                        break;
                    }
                    c = class_member(c)?;
                    if c[0] == b'-' {
                        c = class_member(&c[1..])?;
                    }
                    ranges += 1;
                }
            }
            b'\\' => match c.get(1..) {
                Some(rest) => c = rest,
                None => return Err(TRAILING_BACKSLASH),
            },
            _ => {}
        }
    }
    Ok(())
}

/// Go's `getEsc`: one class member; the rest, which is never empty.
fn class_member(mut c: &[u8]) -> Result<&[u8], Why> {
    if matches!(c.first(), None | Some(b'-' | b']')) {
        return Err(BAD_CLASS);
    }
    if c[0] == b'\\' {
        c = &c[1..];
    }
    let width = match c.first() {
        None => return Err(BAD_CLASS),
        Some(&b) if b < 0x80 => 1,
        Some(&b) if b >= 0xF0 => 4,
        Some(&b) if b >= 0xE0 => 3,
        Some(_) => 2,
    };
    match c.get(width..) {
        Some(rest) if !rest.is_empty() => Ok(rest),
        _ => Err(BAD_CLASS),
    }
}

/// patternmatcher's `shouldEscape`. Its bitmap is `[8]byte` indexed `b % 8` with bit `b / 8`,
/// so `|`, `{` and `}` (bit 15) never get a bit: only `.+()$` are escaped.
fn should_escape(c: char) -> bool {
    matches!(c, '.' | '+' | '(' | ')' | '$')
}

/// patternmatcher's `compile`: the match kind, and for regexp patterns the Go regular
/// expression it builds, compiled by our own engine ([`super::regex`], [`super::program`]).
pub(super) fn compile(pattern: &str) -> Result<Kind, Why> {
    #[derive(PartialEq)]
    enum Detected {
        Exact,
        Prefix,
        Suffix,
        Regexp,
    }
    let mut re = vec!['^'];
    let mut detected = Detected::Exact;
    let mut chars = pattern.chars().peekable();
    // Go's text/scanner skips a byte order mark at the start.
    chars.next_if_eq(&'\u{FEFF}');
    let mut first = true;
    while let Some(ch) = chars.next() {
        match ch {
            '*' if chars.next_if_eq(&'*').is_some() => {
                // `**/` is read as `**`.
                chars.next_if_eq(&'/');
                if chars.peek().is_some() {
                    re.extend("(.*/)?".chars());
                    detected = Detected::Regexp;
                } else if detected == Detected::Exact {
                    detected = Detected::Prefix;
                } else {
                    re.extend(['.', '*']);
                    detected = Detected::Regexp;
                }
                if first {
                    detected = Detected::Suffix;
                }
            }
            '*' => {
                re.extend("[^/]*".chars());
                detected = Detected::Regexp;
            }
            '?' => {
                re.extend("[^/]".chars());
                detected = Detected::Regexp;
            }
            c if should_escape(c) => re.extend(['\\', c]),
            '\\' => {
                re.push('\\');
                if let Some(next) = chars.next() {
                    re.push(next);
                    detected = Detected::Regexp;
                }
            }
            '[' | ']' => {
                re.push(ch);
                detected = Detected::Regexp;
            }
            c => re.push(c),
        }
        first = false;
    }
    match detected {
        Detected::Exact => return Ok(Kind::Exact),
        Detected::Prefix => return Ok(Kind::Prefix),
        Detected::Suffix => return Ok(Kind::Suffix),
        Detected::Regexp => {}
    }
    re.push('$');
    let mut parser = Parser { s: &re, i: 0 };
    let node = parser.alternation(0)?;
    if parser.i != re.len() {
        return Err(MALFORMED);
    }
    let mut program = Program { insts: Vec::new() };
    program.emit(&node)?;
    program.push(Inst::Match)?;
    Ok(Kind::Regexp(program))
}
