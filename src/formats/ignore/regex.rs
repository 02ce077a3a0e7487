//! The regular expressions patternmatcher builds, parsed as Go's `regexp/syntax` does with its
//! Perl flags (`^`/`$` at the text ends, `.` not matching `\n`, negated classes matching it).

use super::{Why, BAD_ESCAPE, BAD_RANGE, BAD_REPEAT, MALFORMED, TRAILING_BACKSLASH, UNICODE_CLASS};

/// A parsed expression.
#[derive(Debug, Clone)]
pub(super) enum Node {
    Char(u32),
    Class(Vec<(u32, u32)>),
    AnyNotNl,
    Look(Look),
    Cat(Vec<Node>),
    Alt(Vec<Node>),
    Repeat(Box<Node>, u32, Option<u32>),
}

/// A zero-width assertion: `^`, `$`, `\b`, `\B`.
#[derive(Debug, Clone, Copy)]
pub(super) enum Look {
    Begin,
    End,
    WordBoundary,
    NotWordBoundary,
}

const MAX_CHAR: u32 = 0x10FFFF;
const DIGIT: &[(u32, u32)] = &[(48, 57)];
const SPACE: &[(u32, u32)] = &[(9, 10), (12, 13), (32, 32)];
const WORD: &[(u32, u32)] = &[(48, 57), (65, 90), (95, 95), (97, 122)];

/// `\d \s \w` and their negations.
fn perl_class(c: char) -> Option<Vec<(u32, u32)>> {
    let ranges = match c.to_ascii_lowercase() {
        'd' => DIGIT,
        's' => SPACE,
        'w' => WORD,
        _ => return None,
    };
    Some(if c.is_ascii_uppercase() {
        negate(ranges.to_vec())
    } else {
        ranges.to_vec()
    })
}

/// Go's ASCII POSIX classes, `name` as in `[:name:]` (a leading `^` negates).
fn posix_class(name: &str) -> Option<Vec<(u32, u32)>> {
    let (negated, name) = match name.strip_prefix('^') {
        Some(rest) => (true, rest),
        None => (false, name),
    };
    let ranges: &[(u32, u32)] = match name {
        "alnum" => &[(48, 57), (65, 90), (97, 122)],
        "alpha" => &[(65, 90), (97, 122)],
        "ascii" => &[(0, 127)],
        "blank" => &[(9, 9), (32, 32)],
        "cntrl" => &[(0, 31), (127, 127)],
        "digit" => DIGIT,
        "graph" => &[(33, 126)],
        "lower" => &[(97, 122)],
        "print" => &[(32, 126)],
        "punct" => &[(33, 47), (58, 64), (91, 96), (123, 126)],
        "space" => &[(9, 13), (32, 32)],
        "upper" => &[(65, 90)],
        "word" => WORD,
        "xdigit" => &[(48, 57), (65, 70), (97, 102)],
        _ => return None,
    };
    Some(if negated {
        negate(ranges.to_vec())
    } else {
        ranges.to_vec()
    })
}

fn negate(mut ranges: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    crate::sorting::sort_by(&mut ranges, |a, b| a.cmp(b));
    let mut out = Vec::new();
    let mut next = 0u32;
    for (lo, hi) in ranges {
        if lo > next {
            out.push((next, lo - 1));
        }
        next = next.max(hi.saturating_add(1));
    }
    if next <= MAX_CHAR {
        out.push((next, MAX_CHAR));
    }
    out
}

/// Go's `regexp/syntax` parser, over the expression's characters.
pub(super) struct Parser<'a> {
    /// The expression.
    pub(super) s: &'a [char],
    /// The position reached.
    pub(super) i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    fn peek_at(&self, k: usize) -> Option<char> {
        self.s.get(self.i + k).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        self.i += usize::from(c.is_some());
        c
    }

    pub(super) fn alternation(&mut self, depth: u32) -> Result<Node, Why> {
        let mut branches = vec![self.concatenation(depth)?];
        while self.peek() == Some('|') {
            self.i += 1;
            branches.push(self.concatenation(depth)?);
        }
        Ok(match branches.len() {
            1 => branches.swap_remove(0),
            _ => Node::Alt(branches),
        })
    }

    fn concatenation(&mut self, depth: u32) -> Result<Node, Why> {
        let mut items = Vec::new();
        let mut last_repeat = false;
        while let Some(c) = self.peek() {
            let mut repeat = false;
            match c {
                '|' | ')' => break,
                '(' => {
                    if depth > 8 || self.peek_at(1) == Some('?') {
                        return Err(MALFORMED);
                    }
                    self.i += 1;
                    items.push(self.alternation(depth + 1)?);
                    if self.next() != Some(')') {
                        return Err(MALFORMED);
                    }
                }
                '*' | '+' | '?' => {
                    self.i += 1;
                    let (min, max) = match c {
                        '*' => (0, None),
                        '+' => (1, None),
                        _ => (0, Some(1)),
                    };
                    self.repeat(&mut items, min, max, last_repeat)?;
                    repeat = true;
                }
                '{' => match self.counts() {
                    Some(counts) => {
                        let (min, max) = counts?;
                        self.repeat(&mut items, min, max, last_repeat)?;
                        repeat = true;
                    }
                    None => {
                        self.i += 1;
                        items.push(Node::Char('{' as u32));
                    }
                },
                '[' => items.push(self.class()?),
                '.' => {
                    self.i += 1;
                    items.push(Node::AnyNotNl);
                }
                '^' | '$' => {
                    self.i += 1;
                    items.push(Node::Look(if c == '^' { Look::Begin } else { Look::End }));
                }
                '\\' => self.escape_outside_class(&mut items)?,
                _ => {
                    self.i += 1;
                    items.push(Node::Char(c as u32));
                }
            }
            last_repeat = repeat;
        }
        Ok(Node::Cat(items))
    }

    /// Applies a repetition (already consumed) to the last item.
    fn repeat(
        &mut self,
        items: &mut Vec<Node>,
        min: u32,
        max: Option<u32>,
        last_repeat: bool,
    ) -> Result<(), Why> {
        // A `?` after a repetition makes it non-greedy, which does not change whether it matches.
        if self.peek() == Some('?') {
            self.i += 1;
        }
        match items.pop() {
            Some(sub) if !last_repeat => {
                items.push(Node::Repeat(Box::new(sub), min, max));
                Ok(())
            }
            _ => Err(BAD_REPEAT),
        }
    }

    /// Go's `parseRepeat` at a `{`: `{n}`, `{n,}` or `{n,m}` (consumed), or `None` when the `{`
    /// is a literal. Counts over 1000 are errors.
    fn counts(&mut self) -> Option<Result<(u32, Option<u32>), Why>> {
        let start = self.i;
        self.i += 1;
        let parsed = self.counts_inner();
        let Some((min, max)) = parsed else {
            self.i = start;
            return None;
        };
        Some(if min > 1000 || max.is_some_and(|m| m > 1000 || m < min) {
            Err(BAD_REPEAT)
        } else {
            Ok((min as u32, max.map(|m| m as u32)))
        })
    }

    fn counts_inner(&mut self) -> Option<(u64, Option<u64>)> {
        let min = self.int()?;
        let max = if self.peek()? == ',' {
            self.i += 1;
            if self.peek()? == '}' {
                None
            } else {
                Some(self.int()?)
            }
        } else {
            Some(min)
        };
        (self.next()? == '}').then_some((min, max))
    }

    /// Go's `parseInt`: decimal digits without a leading zero (a lone `0` is fine).
    fn int(&mut self) -> Option<u64> {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        let digits = &self.s[start..self.i];
        if digits.is_empty() || (digits.len() > 1 && digits[0] == '0') {
            return None;
        }
        // Go turns anything past 8 digits into -1, an invalid count.
        Some(digits.iter().fold(0u64, |n, d| {
            (n * 10 + u64::from(*d as u8 - b'0')).min(1 << 40)
        }))
    }

    fn escape_outside_class(&mut self, items: &mut Vec<Node>) -> Result<(), Why> {
        let look = match self.peek_at(1) {
            Some('A') => Some(Look::Begin),
            Some('z') => Some(Look::End),
            Some('b') => Some(Look::WordBoundary),
            Some('B') => Some(Look::NotWordBoundary),
            Some('C') => return Err(BAD_ESCAPE),
            Some('p' | 'P') => return Err(UNICODE_CLASS),
            Some('Q') => {
                // `\Q…\E`: literal text up to `\E` or the end.
                self.i += 2;
                while let Some(c) = self.next() {
                    if c == '\\' && self.peek() == Some('E') {
                        self.i += 1;
                        break;
                    }
                    items.push(Node::Char(c as u32));
                }
                return Ok(());
            }
            Some(c) => {
                if let Some(class) = perl_class(c) {
                    self.i += 2;
                    items.push(Node::Class(class));
                    return Ok(());
                }
                None
            }
            None => None,
        };
        if let Some(look) = look {
            self.i += 2;
            items.push(Node::Look(look));
        } else {
            let c = self.escape()?;
            items.push(Node::Char(c));
        }
        Ok(())
    }

    /// Go's `parseEscape` at a `\`: one character.
    fn escape(&mut self) -> Result<u32, Why> {
        self.i += 1;
        let c = self.next().ok_or(TRAILING_BACKSLASH)?;
        if c.is_ascii() && !c.is_ascii_alphanumeric() {
            return Ok(c as u32);
        }
        let octal = |c: Option<char>| c.filter(|c| ('0'..='7').contains(c));
        Ok(match c {
            '0'..='7' => {
                // `\1`…`\7` alone would be backreferences, which Go rejects.
                if c != '0' && octal(self.peek()).is_none() {
                    return Err(BAD_ESCAPE);
                }
                let mut r = c as u32 - 48;
                for _ in 0..2 {
                    match octal(self.peek()) {
                        Some(d) => {
                            r = r * 8 + (d as u32 - 48);
                            self.i += 1;
                        }
                        None => break,
                    }
                }
                r
            }
            'x' if self.peek() == Some('{') => {
                self.i += 1;
                let (mut r, mut digits) = (0u32, 0);
                loop {
                    match self.next().ok_or(BAD_ESCAPE)? {
                        '}' if digits > 0 => break r,
                        d => {
                            r = r * 16 + d.to_digit(16).ok_or(BAD_ESCAPE)?;
                            digits += 1;
                            if r > MAX_CHAR {
                                return Err(BAD_ESCAPE);
                            }
                        }
                    }
                }
            }
            'x' => {
                let hex = |c: Option<char>| c.and_then(|c| c.to_digit(16));
                let hi = hex(self.next()).ok_or(BAD_ESCAPE)?;
                let lo = hex(self.next()).ok_or(BAD_ESCAPE)?;
                hi * 16 + lo
            }
            'a' => 7,
            'f' => 12,
            'n' => 10,
            'r' => 13,
            't' => 9,
            'v' => 11,
            _ => return Err(BAD_ESCAPE),
        })
    }

    /// Go's `parseClass` at a `[`.
    fn class(&mut self) -> Result<Node, Why> {
        self.i += 1;
        let negated = self.peek() == Some('^');
        self.i += usize::from(negated);
        let mut ranges = Vec::new();
        let mut first = true;
        loop {
            match self.peek() {
                None => return Err(MALFORMED),
                Some(']') if !first => {
                    self.i += 1;
                    break;
                }
                _ => {}
            }
            first = false;
            if self.peek() == Some('[') && self.peek_at(1) == Some(':') && self.peek_at(2).is_some()
            {
                let rest = &self.s[self.i + 2..];
                if let Some(k) = rest.windows(2).position(|w| w == [':', ']']) {
                    let name: String = rest[..k].iter().collect();
                    ranges.extend(posix_class(&name).ok_or(BAD_RANGE)?);
                    self.i += k + 4;
                    continue;
                }
            }
            if self.peek() == Some('\\') {
                match self.peek_at(1) {
                    Some('p' | 'P') => return Err(UNICODE_CLASS),
                    Some(c) => {
                        if let Some(class) = perl_class(c) {
                            ranges.extend(class);
                            self.i += 2;
                            continue;
                        }
                    }
                    None => {}
                }
            }
            let lo = self.class_char()?;
            let mut hi = lo;
            if self.peek() == Some('-') && self.peek_at(1).is_some_and(|c| c != ']') {
                self.i += 1;
                hi = self.class_char()?;
                if hi < lo {
                    return Err(BAD_RANGE);
                }
            }
            ranges.push((lo, hi));
        }
        Ok(Node::Class(if negated { negate(ranges) } else { ranges }))
    }

    fn class_char(&mut self) -> Result<u32, Why> {
        match self.peek() {
            None => Err(MALFORMED),
            Some('\\') => self.escape(),
            Some(c) => {
                self.i += 1;
                Ok(c as u32)
            }
        }
    }
}
