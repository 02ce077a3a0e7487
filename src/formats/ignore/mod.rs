//! `.dockerignore` and `ignore:` patterns with the semantics Docker uses to exclude files from a
//! build context.
//!
//! This module is our own Rust port of moby/patternmatcher (`patternmatcher.go`, the matcher that
//! the Docker CLI, BuildKit and fsutil share) and of its `ignorefile.ReadAll` (the `.dockerignore`
//! reader), © Docker, Inc. and the moby authors, Apache License 2.0
//! (<https://github.com/moby/patternmatcher>). It is written from their source and behaviour, with
//! no regex crate and no dependency beyond std.
//!
//! # Semantics (as Docker)
//!
//! - Each pattern is trimmed, cleaned like Go's `filepath.Clean` (`a//b/../c` → `a/c`), and a
//!   leading `!` makes it an *exclusion* that takes matching paths back in.
//! - `*` is any run of characters except `/`, `?` one character except `/`, `**` any number of
//!   folders (`**/x`, `a/**/b`, `a/**`), `[a-z]` / `[^a-z]` a character class (only `^` negates,
//!   as in Go's `filepath.Match`; `[!a]` is the class of `!` and `a`), `\` escapes the next
//!   character (punctuation; before a letter or digit Docker's regexp engine reads `\d`, `\n`,
//!   `\x41`… or rejects the pattern, and so does this port).
//! - A path is excluded when a pattern matches it *or one of its parent folders*
//!   (`MatchesOrParentMatches`): `build` excludes `build/out/x.o`. Patterns apply in order and the
//!   last one that matches wins, so `!` patterns re-include what earlier patterns excluded.
//! - Docker turns each pattern into a Go regular expression, and some characters reach that
//!   engine unescaped. This port reproduces the results, quirks included: `|` is an alternation
//!   (`*.js|*.ts`), `{2}` a repetition, `\d` / `\w` / `\s` Perl classes, `[[:alpha:]]` POSIX
//!   classes, `*` or `?` inside `[...]` change the class; a pattern Go's regexp engine rejects
//!   (an escape such as `\y`, a range such as `[z-a]`) is rejected here too.
//!
//! # Deviations from Go (deliberate)
//!
//! - Errors come from [`Patterns::new`]. Docker compiles each pattern the first time it is
//!   used, so a pattern its regexp engine rejects fails the build only when it is reached.
//! - A leading `/` after the optional `!` is dropped in [`Patterns::new`] too (Go's `New` keeps
//!   it, so `/x` given directly never matches), as `.dockerignore` lines are read. Only a
//!   `.dockerignore` line whose first folder name is blank (`/ /x`) reads differently from Docker.
//! - `\p` / `\P` (Unicode classes) are rejected: supporting them would need Unicode tables.
//! - A pattern that expands past 10,000 matcher steps (repetition counts such as `x{1000}`) is
//!   rejected; Go accepts it.
//! - [`parse_dockerignore`] accepts lines of any length (Go's reader fails past 64 KiB).
//! - [`Patterns::matches`] is `false` for `""` and `"."` (the context root is never excluded, as
//!   Go's package-level `MatchesOrParentMatches`).
//!
//! Beyond the conformance vectors, this port was compared with patternmatcher 0.5.0 (built with
//! the `filepath.Match` syntax check of current Go) on over a million random patterns, paths and
//! `.dockerignore` texts: no difference outside the deviations above.

use crate::error::Quoted;
use crate::{Error, ErrorCode, Result};

mod dfa;

use std::cell::RefCell;

/// The longest pattern accepted, in bytes (after trimming).
pub const MAX_PATTERN_BYTES: usize = 1_024;
/// The most `*` one pattern holds (`**` counts two): each is a loop the matcher may keep
/// alive at every character.
pub const MAX_PATTERN_STARS: usize = 128;
/// The most patterns one list holds.
pub const MAX_PATTERNS: usize = 10_000;
/// The most instructions the compiled patterns of one list add up to (a pattern alone may
/// expand to 10,000 through repetition counts).
pub const MAX_LIST_INSTS: usize = 100_000;
/// The steps one pattern list may spend matching, over all its calls (see
/// [`Patterns::check`]): about one step per character of each path per pattern, so real
/// folders stay far below it.
pub const MAX_MATCH_STEPS: u64 = 1 << 28;

/// A compiled list of dockerignore patterns (`Patterns::new`), ready to match paths.
///
/// Matching is linear in the path (a lazily built automaton per pattern; a folder's parents
/// are matched in the same pass as the path) and every step is counted: once the list has
/// spent its budget ([`MAX_MATCH_STEPS`] unless [`Patterns::with_budget`] says otherwise),
/// [`Patterns::matches`] answers `true` at no cost and [`Patterns::check`] reports the error.
#[derive(Debug, Clone, Default)]
pub struct Patterns {
    list: Vec<Pattern>,
    exclusions: bool,
    cache: RefCell<dfa::Cache>,
}

#[derive(Debug, Clone)]
struct Pattern {
    /// The cleaned pattern without its `!`.
    text: String,
    exclusion: bool,
    kind: Kind,
}

/// How a pattern matches, as patternmatcher's `matchType`.
#[derive(Debug, Clone)]
enum Kind {
    Exact,
    /// `text` without its final `**` is a prefix of the path.
    Prefix,
    /// `text` without its leading `**` is a suffix of the path (or `**/x` is the path `x`).
    Suffix,
    Regexp(Program),
}

impl Patterns {
    /// Compiles patterns in the order given (later ones override earlier ones). Empty and
    /// whitespace-only entries are skipped. An invalid pattern is an
    /// [`ErrorCode::InvalidIgnorePattern`] error at `ignore[i]`.
    ///
    /// Bounds: at most [`MAX_PATTERNS`] patterns of at most [`MAX_PATTERN_BYTES`] bytes and
    /// [`MAX_PATTERN_STARS`] `*` each, whose
    /// compiled programs add up to at most [`MAX_LIST_INSTS`] instructions (each an
    /// [`ErrorCode::InvalidIgnorePattern`] error), and a budget of [`MAX_MATCH_STEPS`].
    pub fn new(patterns: &[String]) -> Result<Patterns> {
        Patterns::with_budget(patterns, MAX_MATCH_STEPS)
    }

    /// [`Patterns::new`] with a budget of `steps` matching steps instead of
    /// [`MAX_MATCH_STEPS`].
    pub fn with_budget(patterns: &[String], steps: u64) -> Result<Patterns> {
        if patterns.len() > MAX_PATTERNS {
            return Err(Error::new(
                ErrorCode::InvalidIgnorePattern,
                format!(
                    "{} ignore patterns are more than the {MAX_PATTERNS} a list may hold: \
                     exclude whole folders rather than single files",
                    patterns.len()
                ),
            )
            .at("ignore"));
        }
        let mut out = Patterns::default();
        let mut insts = 0;
        for (i, raw) in patterns.iter().enumerate() {
            let trimmed = raw.trim();
            if trimmed.is_empty() {
                continue;
            }
            if trimmed.len() > MAX_PATTERN_BYTES {
                return Err(invalid(i, &clip(raw), TOO_LONG));
            }
            if trimmed.matches('*').count() > MAX_PATTERN_STARS {
                return Err(invalid(i, &clip(raw), TOO_MANY_STARS));
            }
            let cleaned = clean(trimmed);
            let (exclusion, mut text) = match cleaned.strip_prefix('!') {
                Some("") => return Err(invalid(i, raw, LONE_BANG)),
                Some(rest) => (true, rest),
                None => (false, cleaned.as_str()),
            };
            if text.len() > 1 {
                text = text.strip_prefix('/').unwrap_or(text);
            }
            let kind = check_glob(text.as_bytes())
                .and_then(|()| compile(text))
                .map_err(|why| invalid(i, raw, why))?;
            if let Kind::Regexp(program) = &kind {
                insts += program.insts.len();
                if insts > MAX_LIST_INSTS {
                    return Err(invalid(i, &clip(raw), LIST_TOO_COMPLEX));
                }
            }
            out.exclusions |= exclusion;
            out.list.push(Pattern {
                text: text.to_string(),
                exclusion,
                kind,
            });
        }
        out.cache = RefCell::new(dfa::Cache::new(out.list.len(), steps));
        Ok(out)
    }

    /// Whether `path` (relative to the context root, `/`-separated, clean) is excluded: the last
    /// pattern that matches it or one of its parent folders decides (`MatchesOrParentMatches`).
    ///
    /// Once the list's step budget is spent this is `true` (excluded) without matching, and
    /// [`Patterns::check`] is an error: a caller checks it before relying on the answers.
    pub fn matches(&self, path: &str) -> bool {
        if path.is_empty() || path == "." {
            return false;
        }
        let mut cache = self.cache.borrow_mut();
        if cache.steps > cache.budget {
            return true;
        }
        let parent = dir(path);
        // The texts to match and whether their prefixes before each `/` count too: one pass
        // over a clean path covers its parents (`a`, `a/b` for `a/b/c`).
        let texts: &[(&str, bool)] = if parent == "." {
            &[(path, false)]
        } else if path.rfind('/') == Some(parent.len()) && path.starts_with(parent.as_str()) {
            &[(path, true)]
        } else {
            &[(parent.as_str(), true), (path, false)]
        };
        let mut matched = false;
        for (id, p) in self.list.iter().enumerate() {
            // An inclusion only matters while not matched, an exclusion only while matched.
            if p.exclusion != matched {
                continue;
            }
            let mut hit = false;
            for &(text, at_slashes) in texts {
                match p.hit_any(id, text, at_slashes, &mut cache) {
                    Ok(false) => {}
                    Ok(true) => {
                        hit = true;
                        break;
                    }
                    Err(dfa::OutOfSteps) => return true,
                }
            }
            if hit {
                matched = !p.exclusion;
            }
        }
        matched
    }

    /// The matching steps this list has spent so far (a caller running several lists in one
    /// call hands what is left of one budget to the next with [`Patterns::with_budget`]).
    pub fn steps_spent(&self) -> u64 {
        self.cache.borrow().steps
    }

    /// `Ok` while the list's matching stayed within its step budget; else an
    /// [`ErrorCode::InvalidIgnorePattern`] error (answers of [`Patterns::matches`] are then
    /// not to be used).
    pub fn check(&self) -> Result<()> {
        let cache = self.cache.borrow();
        if cache.steps <= cache.budget {
            return Ok(());
        }
        Err(Error::new(
            ErrorCode::InvalidIgnorePattern,
            format!(
                "matching the ignore patterns took more than {} steps (about one per character \
                 of each path per pattern): use fewer or simpler patterns (long runs of \"*\" \
                 and \"**\" are the costly ones), or ignore whole folders",
                cache.budget
            ),
        )
        .at("ignore"))
    }

    /// Whether any pattern is an exclusion (`!…`), as patternmatcher's `Exclusions()`.
    pub fn has_exclusions(&self) -> bool {
        self.exclusions
    }

    /// Whether a walk may skip the folder `dir` without listing it: `dir` is excluded and no
    /// exclusion pattern could re-include anything under it. That is BuildKit's rule: every
    /// exclusion is a plain path (no wildcard, class or escape) that is neither `dir` nor under
    /// it. When this is `true`, [`Patterns::matches`] is `true` for every path under `dir`.
    pub fn may_skip_dir(&self, dir: &str) -> bool {
        self.matches(dir)
            && self.list.iter().filter(|p| p.exclusion).all(|p| {
                matches!(p.kind, Kind::Exact)
                    && !p
                        .text
                        .strip_prefix(dir)
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
            })
    }

    /// The number of patterns (empty entries are not counted).
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether there is no pattern (nothing is excluded).
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

impl Pattern {
    /// patternmatcher's `Pattern.match` on `text` or, when `at_slashes`, on any prefix of it
    /// that ends before a `/`; pattern number `id` in the list of `cache`.
    fn hit_any(
        &self,
        id: usize,
        text: &str,
        at_slashes: bool,
        cache: &mut dfa::Cache,
    ) -> Result<bool, dfa::OutOfSteps> {
        let (t, p) = (self.text.as_bytes(), text.as_bytes());
        match &self.kind {
            Kind::Exact => {
                cache.spend(1 + t.len() as u64 / 64)?;
                Ok(match p.get(t.len()) {
                    None => p == t,
                    Some(&b) => at_slashes && b == b'/' && p.starts_with(t),
                })
            }
            // A prefix of the text starts with it only if the text does.
            Kind::Prefix => {
                cache.spend(1 + t.len() as u64 / 64)?;
                Ok(p.starts_with(&t[..t.len().saturating_sub(2)]))
            }
            Kind::Suffix => {
                let suffix = t.get(2..).unwrap_or_default();
                cache.spend(p.len() as u64 / 64)?;
                let ends = p
                    .iter()
                    .enumerate()
                    .filter(|&(_, &b)| at_slashes && b == b'/');
                for k in ends.map(|(k, _)| k).chain([p.len()]) {
                    cache.spend(1 + suffix.len() as u64 / 64)?;
                    let p = &p[..k];
                    if p.ends_with(suffix) || (suffix.first() == Some(&b'/') && p == &suffix[1..]) {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Kind::Regexp(program) => cache.any_prefix_matches(id, program, text, at_slashes),
        }
    }
}

/// The start of a (long) pattern, for messages.
fn clip(raw: &str) -> String {
    let mut shown: String = raw.chars().take(60).collect();
    if shown.len() < raw.len() {
        shown.push('…');
    }
    shown
}

/// Reads a `.dockerignore` file as moby's `ignorefile.ReadAll`: a UTF-8 BOM is dropped, lines
/// (`\n` or `\r\n`) starting with `#` are comments, each line is trimmed (both ends, Unicode
/// whitespace) and empty ones skipped; `!` is kept and the path after it trimmed again, cleaned
/// (`filepath.Clean`) and stripped of a leading `/`. A `#` after leading spaces is not a comment.
pub fn parse_dockerignore(text: &str) -> Vec<String> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut out = Vec::new();
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.starts_with('#') {
            continue;
        }
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (invert, pattern) = match line.strip_prefix('!') {
            Some(rest) => (true, rest.trim()),
            None => (false, line),
        };
        let mut pattern = if pattern.is_empty() {
            String::new()
        } else {
            let cleaned = clean(pattern);
            match cleaned.strip_prefix('/') {
                Some(rest) if !rest.is_empty() => rest.to_string(),
                _ => cleaned,
            }
        };
        if invert {
            pattern.insert(0, '!');
        }
        out.push(pattern);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Errors

/// Why a pattern is rejected: the end of the sentence "ignore pattern "x" …".
type Why = &'static str;

const LONE_BANG: Why = "is a lone \"!\", which re-includes nothing: put the path to re-include \
     after it, e.g. \"!docs/README.md\"";
const TRAILING_BACKSLASH: Why = "ends with a backslash that escapes nothing: remove it, or write \
     \"\\\\\" for a literal backslash";
const BAD_CLASS: Why = "has a malformed \"[...]\" class: a class holds at least one character or \
     range (\"[a-z]\", \"[^0-9]\"), does not start with \"]\" or \"-\", and ends with \"]\"; \
     write \"\\[\" for a literal bracket";
const BAD_RANGE: Why = "has a class range that ends before it starts (\"[z-a]\") or an unknown \
     \"[:name:]\" class, which Docker rejects: write the lower character first";
const BAD_ESCAPE: Why = "has an escape that Docker's matcher rejects or reads as a regular \
     expression (a backslash before a letter, a digit or a non-ASCII character): escape only \
     punctuation (\"\\*\", \"\\?\", \"\\[\", \"\\\\\"), or use \"/\" to separate folders";
const UNICODE_CLASS: Why = "uses \"\\p\" or \"\\P\", a Unicode class that is not supported here: \
     list the characters in a \"[...]\" class instead";
const BAD_REPEAT: Why = "has \"{n}\", \"|\" or a class holding \"*\" where Docker's matcher reads \
     regular-expression syntax it rejects (a repetition of nothing, a repeated repetition, or a \
     count over 1000): escape them as \"\\{\", \"\\|\", \"\\*\"";
const TOO_COMPLEX: Why = "expands past 10000 matching steps (repetition counts): write a simpler \
     pattern";
const TOO_LONG: Why = "is longer than 1024 bytes, the most a pattern may hold: write a shorter \
     pattern";
const TOO_MANY_STARS: Why = "holds more than 128 \"*\", the most a pattern may hold: write a \
     simpler pattern";
const LIST_TOO_COMPLEX: Why = "takes the patterns past 100000 matching instructions together \
     (repetition counts, long patterns): use fewer or simpler patterns";
const MALFORMED: Why = "is not a pattern Docker's matcher accepts: escape \"[\", \"]\", \"{\" and \
     \"|\" with a backslash when they are meant literally";

fn invalid(i: usize, raw: &str, why: Why) -> Error {
    Error::new(
        ErrorCode::InvalidIgnorePattern,
        format!("ignore pattern {} {why}", Quoted(raw)),
    )
    .at(format!("ignore[{i}]"))
}

// ---------------------------------------------------------------------------------------------
// Paths

/// Go's `path.Clean` (= `filepath.Clean` on Unix).
fn clean(path: &str) -> String {
    let p = path.as_bytes();
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p[0] == b'/';
    let n = p.len();
    let mut out: Vec<u8> = Vec::with_capacity(n);
    let (mut r, mut dotdot) = (0, 0);
    if rooted {
        out.push(b'/');
        (r, dotdot) = (1, 1);
    }
    while r < n {
        if p[r] == b'/' || (p[r] == b'.' && (r + 1 == n || p[r + 1] == b'/')) {
            // An empty or `.` element.
            r += 1;
        } else if p[r] == b'.' && p[r + 1] == b'.' && (r + 2 == n || p[r + 2] == b'/') {
            r += 2;
            if out.len() > dotdot {
                out.pop();
                while out.len() > dotdot && out.last() != Some(&b'/') {
                    out.pop();
                }
                if out.len() > dotdot {
                    out.pop();
                }
            } else if !rooted {
                if !out.is_empty() {
                    out.push(b'/');
                }
                out.extend_from_slice(b"..");
                dotdot = out.len();
            }
        } else {
            if out.len() != usize::from(rooted) {
                out.push(b'/');
            }
            while r < n && p[r] != b'/' {
                out.push(p[r]);
                r += 1;
            }
        }
    }
    if out.is_empty() {
        return ".".into();
    }
    // Only whole elements were copied or removed at `/` boundaries: still UTF-8.
    String::from_utf8(out).unwrap_or_default()
}

/// Go's `filepath.Dir`: everything up to the last `/`, cleaned (`"."` when there is none).
fn dir(path: &str) -> String {
    clean(path.rfind('/').map_or("", |k| &path[..=k]))
}

// ---------------------------------------------------------------------------------------------
// Compiling a pattern (patternmatcher's `New` check and `compile`)

/// The syntax check of Go's `filepath.Match(pattern, ".")`: its `scanChunk` / `matchChunk`
/// error cases (a trailing `\`, a malformed class).
fn check_glob(mut p: &[u8]) -> Result<(), Why> {
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
/// expression it builds, compiled by our own engine below.
fn compile(pattern: &str) -> Result<Kind, Why> {
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

// ---------------------------------------------------------------------------------------------
// The regular expressions patternmatcher builds, parsed as Go's regexp/syntax does with its
// Perl flags (`^`/`$` at the text ends, `.` not matching `\n`, negated classes matching it).

#[derive(Debug, Clone)]
enum Node {
    Char(u32),
    Class(Vec<(u32, u32)>),
    AnyNotNl,
    Look(Look),
    Cat(Vec<Node>),
    Alt(Vec<Node>),
    Repeat(Box<Node>, u32, Option<u32>),
}

#[derive(Debug, Clone, Copy)]
enum Look {
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

struct Parser<'a> {
    s: &'a [char],
    i: usize,
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

    fn alternation(&mut self, depth: u32) -> Result<Node, Why> {
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

// ---------------------------------------------------------------------------------------------
// A Thompson NFA, run as a Pike VM (linear in the path length, no backtracking).

#[derive(Debug, Clone)]
enum Inst {
    Char(u32),
    Class(Box<[(u32, u32)]>),
    AnyNotNl,
    Look(Look),
    Split(usize, usize),
    Jmp(usize),
    Match,
}

#[derive(Debug, Clone)]
struct Program {
    insts: Vec<Inst>,
}

const MAX_INSTS: usize = 10_000;

impl Program {
    fn push(&mut self, inst: Inst) -> Result<usize, Why> {
        if self.insts.len() >= MAX_INSTS {
            return Err(TOO_COMPLEX);
        }
        self.insts.push(inst);
        Ok(self.insts.len() - 1)
    }

    fn emit(&mut self, node: &Node) -> Result<(), Why> {
        match node {
            Node::Char(c) => self.push(Inst::Char(*c)).map(drop),
            Node::Class(r) => self.push(Inst::Class(r.clone().into())).map(drop),
            Node::AnyNotNl => self.push(Inst::AnyNotNl).map(drop),
            Node::Look(l) => self.push(Inst::Look(*l)).map(drop),
            Node::Cat(items) => items.iter().try_for_each(|n| self.emit(n)),
            Node::Alt(branches) => {
                let mut jumps = Vec::new();
                for (k, branch) in branches.iter().enumerate() {
                    if k + 1 == branches.len() {
                        self.emit(branch)?;
                    } else {
                        let split = self.push(Inst::Split(0, 0))?;
                        self.emit(branch)?;
                        jumps.push(self.push(Inst::Jmp(0))?);
                        self.insts[split] = Inst::Split(split + 1, self.insts.len());
                    }
                }
                let end = self.insts.len();
                for j in jumps {
                    self.insts[j] = Inst::Jmp(end);
                }
                Ok(())
            }
            Node::Repeat(sub, min, max) => {
                for _ in 0..*min {
                    self.emit(sub)?;
                }
                let mut splits = Vec::new();
                match max {
                    None => {
                        let split = self.push(Inst::Split(0, 0))?;
                        self.emit(sub)?;
                        self.push(Inst::Jmp(split))?;
                        splits.push(split);
                    }
                    Some(max) => {
                        for _ in *min..*max {
                            splits.push(self.push(Inst::Split(0, 0))?);
                            self.emit(sub)?;
                        }
                    }
                }
                let end = self.insts.len();
                for s in splits {
                    self.insts[s] = Inst::Split(s + 1, end);
                }
                Ok(())
            }
        }
    }

    /// Whether the expression matches anywhere in `text` (Go's `MatchString`), by a Pike VM:
    /// the reference the automaton of [`dfa`] is checked against.
    #[cfg(test)]
    fn is_match(&self, text: &str) -> bool {
        let n = self.insts.len();
        // `seen[pc] == step` marks the threads of the current position.
        let mut seen = vec![usize::MAX; n];
        let mut threads: Vec<usize> = Vec::new();
        let mut next: Vec<usize> = Vec::new();
        let mut stack: Vec<usize> = Vec::new();
        let mut prev: Option<char> = None;
        let mut chars = text.chars();
        let mut step = 0;
        loop {
            let cur = chars.clone().next();
            // The unanchored search starts a thread at every position.
            next.push(0);
            threads.clear();
            stack.extend(next.drain(..).rev());
            while let Some(pc) = stack.pop() {
                if seen[pc] == step {
                    continue;
                }
                seen[pc] = step;
                match &self.insts[pc] {
                    Inst::Jmp(t) => stack.push(*t),
                    Inst::Split(a, b) => stack.extend([*b, *a]),
                    Inst::Look(look) => {
                        let word = |c: Option<char>| {
                            c.is_some_and(|c| c == '_' || c.is_ascii_alphanumeric())
                        };
                        let holds = match look {
                            Look::Begin => prev.is_none(),
                            Look::End => cur.is_none(),
                            Look::WordBoundary => word(prev) != word(cur),
                            Look::NotWordBoundary => word(prev) == word(cur),
                        };
                        if holds {
                            stack.push(pc + 1);
                        }
                    }
                    Inst::Match => return true,
                    _ => threads.push(pc),
                }
            }
            let Some(c) = cur else { return false };
            for &pc in &threads {
                let ok = match &self.insts[pc] {
                    Inst::Char(x) => c as u32 == *x,
                    Inst::Class(ranges) => ranges
                        .iter()
                        .any(|&(lo, hi)| (lo..=hi).contains(&(c as u32))),
                    Inst::AnyNotNl => c != '\n',
                    _ => false,
                };
                if ok {
                    next.push(pc + 1);
                }
            }
            chars.next();
            prev = Some(c);
            step += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pats(list: &[&str]) -> Patterns {
        let owned: Vec<String> = list.iter().map(|s| s.to_string()).collect();
        Patterns::new(&owned).expect("valid patterns")
    }

    fn err(list: &[&str]) -> Error {
        let owned: Vec<String> = list.iter().map(|s| s.to_string()).collect();
        Patterns::new(&owned).expect_err("invalid pattern")
    }

    #[test]
    fn clean_is_go_path_clean() {
        for (input, want) in [
            ("", "."),
            ("abc", "abc"),
            ("abc/def", "abc/def"),
            ("a/b/c", "a/b/c"),
            (".", "."),
            ("..", ".."),
            ("../..", "../.."),
            ("../../abc", "../../abc"),
            ("/abc", "/abc"),
            ("/", "/"),
            ("abc/", "abc"),
            ("abc/def/", "abc/def"),
            ("a/b/c/", "a/b/c"),
            ("./", "."),
            ("../", ".."),
            ("../../", "../.."),
            ("/abc/", "/abc"),
            ("abc//def//ghi", "abc/def/ghi"),
            ("//abc", "/abc"),
            ("///abc", "/abc"),
            ("//abc//", "/abc"),
            ("abc//", "abc"),
            ("abc/./def", "abc/def"),
            ("/./abc/def", "/abc/def"),
            ("abc/.", "abc"),
            ("abc/def/ghi/../jkl", "abc/def/jkl"),
            ("abc/def/../ghi/../jkl", "abc/jkl"),
            ("abc/def/..", "abc"),
            ("abc/def/../..", "."),
            ("/abc/def/../..", "/"),
            ("abc/def/../../..", ".."),
            ("/abc/def/../../..", "/"),
            ("abc/def/../../../ghi/jkl/../../../mno", "../../mno"),
            ("/../abc", "/abc"),
            ("abc/./../def", "def"),
            ("abc//./../def", "def"),
            ("abc/../../././../def", "../../def"),
            ("!/x/../y", "!/y"),
        ] {
            assert_eq!(clean(input), want, "clean({input})");
        }
    }

    #[test]
    fn dir_is_go_filepath_dir() {
        for (input, want) in [
            ("", "."),
            ("file", "."),
            ("file/", "file"),
            ("dir/file", "dir"),
            ("dir/file/", "dir/file"),
            ("/", "/"),
            ("/x", "/"),
            ("a//b", "a"),
        ] {
            assert_eq!(dir(input), want, "dir({input})");
        }
    }

    #[test]
    fn parse_dockerignore_reads_like_moby_readall() {
        // ignorefile_test.go's case.
        let text = "test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n! /inverted/abs/path\n!\n! ";
        assert_eq!(
            parse_dockerignore(text),
            [
                "test1",
                "test2",
                "a/file/here",
                "lastfile",
                "!inverted/abs/path",
                "!",
                "!"
            ]
        );
        // BOM, CRLF, trimming, cleaning, comments only at column 1.
        let text = "\u{FEFF}node_modules\r\n  *.pyc  \r\n\t# not a comment\n#comment\r\n\n./build/../dist/\n!./keep//me/\n/\n//x\n!/\n\u{A0}x\u{3000}\n";
        assert_eq!(
            parse_dockerignore(text),
            [
                "node_modules",
                "*.pyc",
                "# not a comment",
                "dist",
                "!keep/me",
                "/",
                "x",
                "!/",
                "x"
            ]
        );
        // Only the first line loses a BOM; a file without a final newline keeps its last line.
        assert_eq!(parse_dockerignore("a\n\u{FEFF}b"), ["a", "\u{FEFF}b"]);
        assert_eq!(parse_dockerignore("#\u{FEFF}"), Vec::<String>::new());
        assert_eq!(parse_dockerignore("\u{FEFF}#x\ny"), ["y"]);
        assert_eq!(parse_dockerignore(""), Vec::<String>::new());
        assert_eq!(parse_dockerignore("a\rb\n"), ["a\rb"]);
    }

    #[test]
    fn parse_then_compile_excludes_like_docker() {
        let text = "# build output\n*.pyc\n/build\n**/__pycache__\n.git\n!build/keep.txt\n";
        let p = Patterns::new(&parse_dockerignore(text)).unwrap();
        assert!(p.has_exclusions());
        assert_eq!(p.len(), 5);
        for (path, excluded) in [
            ("x.pyc", true),
            ("src/x.pyc", false),
            ("build", true),
            ("build/out/a.o", true),
            ("build/keep.txt", false),
            ("src/__pycache__/m.cpython-312.pyc", true),
            (".git/HEAD", true),
            (".gitignore", false),
            ("src/main.py", false),
        ] {
            assert_eq!(p.matches(path), excluded, "{path}");
        }
    }

    #[test]
    fn later_patterns_override_earlier_ones() {
        let p = pats(&["docs", "!docs/README.md", "docs/README.md"]);
        assert!(p.matches("docs/README.md"));
        let p = pats(&["docs", "!docs/README.md"]);
        assert!(!p.matches("docs/README.md"));
        assert!(p.matches("docs/other.md"));
        // An exclusion before any inclusion re-includes nothing.
        let p = pats(&["!fileutils.go", "*.go"]);
        assert!(p.matches("fileutils.go"));
        let p = pats(&["*.go", "!fileutils.go"]);
        assert!(!p.matches("fileutils.go"));
        assert!(!pats(&[]).matches("anything"));
        assert!(!pats(&["**"]).matches("."));
        assert!(!pats(&["**"]).matches(""));
    }

    #[test]
    fn leading_slash_and_whitespace_are_dropped() {
        let p = pats(&["  /build  ", "", "   ", "!/build/keep"]);
        assert_eq!(p.len(), 2);
        assert!(p.matches("build/x"));
        assert!(!p.matches("build/keep"));
        // "/" alone stays "/", which matches no relative path.
        assert!(!pats(&["/"]).matches("x"));
    }

    /// Results of patternmatcher 0.5.0 (Go 1.19), where Docker hands characters to its regexp
    /// engine unescaped or the glob-to-regexp translation changes a class.
    #[test]
    fn go_regexp_quirks_are_reproduced() {
        for (pattern, path, want) in [
            // `|` is an alternation; its second branch is not anchored at the start.
            ("*.js|*.ts", "dir/x.ts", true),
            ("*.js|*.ts", "a.jsx", true),
            ("*.js|*.ts", "a.py", false),
            // Without a wildcard the pattern is compared literally.
            ("a|b", "a", false),
            ("a|b", "a|b", true),
            // `{n}` repeats; `{` that is no count is literal.
            ("a{2}*", "aab", true),
            ("a{2}*", "a{2}b", false),
            ("*.{js,ts}", "x.{js,ts}", true),
            // `*` and `?` inside a class become regexp syntax.
            ("[*]", "*", false),
            ("[*]", "[]", true),
            ("[?]x", "/]x", true),
            ("[?]x", "^]x", true),
            // POSIX and Perl classes, escapes.
            ("[[:alpha:]]", "b", true),
            ("[[:alpha:]]", "1", false),
            ("[[:^alpha:]]", "1", true),
            ("a\\d*", "a5", true),
            ("a\\d*", "ad", false),
            ("\\w?", "_x", true),
            // `\\Q…\\E` quotes the translated text: `*?` became `[^/]*[^/]`.
            ("x\\Q*?\\E", "x*?", false),
            ("x\\Q*?\\E", "x[^/]*[^/]", true),
            ("a\\x41*", "aA", true),
            ("a\\101*", "aA", true),
            ("a\\.b*", "a.bc", true),
            ("a\\nb*", "a\nb", true),
            // `.` of `**` does not match a newline, negated classes do.
            ("a/**/b", "a/x\ny/b", false),
            ("a/*/b", "a/x\ny/b", true),
            // `^` in the middle is an anchor.
            ("a^b*", "a^b", false),
            // `[!a]` is a class of `!` and `a`.
            ("[!a]", "!", true),
            ("[!a]", "b", false),
            ("[^a]", "b", true),
            // A leading `**` with no other wildcard is a plain suffix.
            ("**file", "dir/myfile", true),
            ("**/.foo", "bar.foo", false),
        ] {
            assert_eq!(pats(&[pattern]).matches(path), want, "{pattern} vs {path}");
        }
    }

    #[test]
    fn invalid_patterns_are_errors_that_say_what_to_do() {
        for (pattern, hint) in [
            ("!", "lone \"!\""),
            ("  !  ", "lone \"!\""),
            ("[", "malformed \"[...]\" class"),
            ("a[]b", "malformed \"[...]\" class"),
            ("[a-]", "malformed \"[...]\" class"),
            ("[-a]", "malformed \"[...]\" class"),
            ("[^]", "malformed \"[...]\" class"),
            ("abc\\", "backslash that escapes nothing"),
            ("[z-a]", "lower character first"),
            ("[[:foo:]]", "unknown"),
            ("a\\yb", "escape only punctuation"),
            ("a\\1b", "escape only punctuation"),
            ("src\\main", "escape only punctuation"),
            ("a\\pL", "Unicode class"),
            ("*{2}", "repetition"),
            ("|{2}a?", "repetition"),
            ("a{1001}*", "count over 1000"),
            ("a{1000}{1000}*", "repetition"),
        ] {
            let e = err(&["ok", pattern]);
            assert_eq!(e.code, ErrorCode::InvalidIgnorePattern);
            assert_eq!(e.argument.as_deref(), Some("ignore[1]"), "{pattern}");
            assert!(e.message.starts_with("ignore pattern \""), "{}", e.message);
            assert!(e.message.contains(hint), "{pattern}: {}", e.message);
        }
        let too_complex = format!("*{}", "a{1000}".repeat(11));
        assert!(err(&[&too_complex]).message.contains("10000"));
        let e = err(&["a\"b\\"]);
        assert!(
            e.message.starts_with("ignore pattern \"a\\\"b\\\\\" ends"),
            "{}",
            e.message
        );
    }

    #[test]
    fn may_skip_dir_only_when_nothing_under_it_can_come_back() {
        let p = pats(&["build", "node_modules", "!node_modules/keep/x.js", "!other"]);
        assert!(p.may_skip_dir("build"));
        assert!(!p.may_skip_dir("node_modules"));
        assert!(!p.may_skip_dir("node_modules/keep"));
        assert!(p.may_skip_dir("node_modules/drop"));
        assert!(!p.may_skip_dir("src"), "not excluded");
        // A wildcard or escaped exclusion could match anything: never skip.
        assert!(!pats(&["build", "!**/*.keep"]).may_skip_dir("build"));
        assert!(!pats(&["build", "!build\\/x"]).may_skip_dir("build"));
        // Without exclusions every excluded folder may be skipped.
        let p = pats(&["**/target", "*.o"]);
        assert!(!p.has_exclusions());
        assert!(p.may_skip_dir("a/b/target"));
        assert!(!p.may_skip_dir("a/b"));
        // An exclusion of the folder itself or of a prefix name only.
        assert!(!pats(&["build", "!build"]).may_skip_dir("build"));
        assert!(pats(&["build", "!buildx/y"]).may_skip_dir("build"));
    }

    /// The matcher as patternmatcher runs it: each parent folder separately, the Pike VM for
    /// regular expressions. The automaton must agree with it everywhere.
    fn reference(patterns: &Patterns, path: &str) -> bool {
        let hit = |p: &Pattern, path: &str| {
            let (t, b) = (p.text.as_bytes(), path.as_bytes());
            match &p.kind {
                Kind::Exact => path == p.text,
                Kind::Prefix => b.starts_with(&t[..t.len().saturating_sub(2)]),
                Kind::Suffix => {
                    let suffix = t.get(2..).unwrap_or_default();
                    b.ends_with(suffix) || (suffix.first() == Some(&b'/') && b == &suffix[1..])
                }
                Kind::Regexp(program) => program.is_match(path),
            }
        };
        if path.is_empty() || path == "." {
            return false;
        }
        let parent = dir(path);
        let mut matched = false;
        for p in &patterns.list {
            if p.exclusion != matched {
                continue;
            }
            let parents = parent != "."
                && (parent.match_indices('/').any(|(k, _)| hit(p, &parent[..k]))
                    || hit(p, &parent));
            if hit(p, path) || parents {
                matched = !p.exclusion;
            }
        }
        matched
    }

    #[test]
    fn the_automaton_agrees_with_the_pike_vm_on_quirks() {
        for (list, path) in [
            (&["a/**/b"][..], "a/x/y/b/c"),
            (&["*.js|*.ts"][..], "dir/x.ts/y"),
            (&["\\bx\\b*"][..], "x/y"),
            (&["a\\B*"][..], "ab/c"),
            (&["[^a]"][..], "\n/x"),
            (&["**/a$*"][..], "b/a/c"),
            (&["x", "!x/**", "x/y/z*"][..], "x/y/zz/w"),
        ] {
            let p = pats(list);
            for prefix in ["", "q/", "/", "a//"] {
                let path = format!("{prefix}{path}");
                assert_eq!(
                    p.matches(&path),
                    reference(&p, &path),
                    "{list:?} vs {path:?}"
                );
            }
        }
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        fn piece() -> impl Strategy<Value = String> {
            prop::sample::select(vec![
                "*",
                "**",
                "?",
                "[",
                "]",
                "^",
                "!",
                "-",
                "\\",
                "/",
                ".",
                "..",
                "a",
                "b",
                "z",
                "{",
                "}",
                "|",
                "(",
                ")",
                "$",
                "+",
                ":",
                ",",
                "1",
                "0",
                "x",
                "Q",
                "E",
                "d",
                "[:alpha:]",
                "{2}",
                "{1,3}",
                "\u{FEFF}",
                "é",
                "\n",
                " ",
            ])
            .prop_map(str::to_string)
        }

        fn pattern() -> impl Strategy<Value = String> {
            prop::collection::vec(piece(), 0..12).prop_map(|v| v.concat())
        }

        fn path() -> impl Strategy<Value = String> {
            prop::collection::vec(
                prop::sample::select(vec!["a", "b", "/", ".", "x.txt", "*", "[", "é", "\n", "_"]),
                0..10,
            )
            .prop_map(|v| v.concat())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]

            #[test]
            fn no_pattern_or_path_panics(list in prop::collection::vec(pattern(), 0..4), p in path()) {
                if let Ok(patterns) = Patterns::new(&list) {
                    let excluded = patterns.matches(&p);
                    let clean_relative = clean(&p) == p && !p.starts_with('/') && !p.starts_with("..");
                    if clean_relative && patterns.may_skip_dir(&p) {
                        prop_assert!(excluded);
                        for child in ["x", "a/b", "x.txt"] {
                            let under = format!("{}/{}", p, child);
                            prop_assert!(patterns.matches(&under), "{} under {}", child, p);
                        }
                    }
                }
            }

            #[test]
            fn the_automaton_agrees_with_the_pike_vm(list in prop::collection::vec(pattern(), 1..4), paths in prop::collection::vec(path(), 1..6)) {
                if let Ok(patterns) = Patterns::new(&list) {
                    // One list for all paths: its automata are cached across them.
                    for p in &paths {
                        prop_assert_eq!(patterns.matches(p), reference(&patterns, p), "{:?} vs {:?}", list, p);
                    }
                    prop_assert!(patterns.check().is_ok());
                }
            }

            #[test]
            fn arbitrary_text_never_panics(list in prop::collection::vec(any::<String>(), 0..3), p in any::<String>()) {
                if let Ok(patterns) = Patterns::new(&list) {
                    patterns.matches(&p);
                    patterns.may_skip_dir(&p);
                }
            }

            #[test]
            fn dockerignore_lines_compile_as_they_read(text in prop::collection::vec(pattern(), 0..6).prop_map(|v| v.join("\n"))) {
                let lines = parse_dockerignore(&text);
                prop_assert!(lines.iter().all(|l| !l.is_empty()));
                let _ = Patterns::new(&lines);
            }
        }
    }
}
