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
//!
//! # Files
//!
//! `glob.rs` checks a pattern and turns it into its match kind or the Go regular expression
//! patternmatcher builds (its `compile`); `regex.rs` parses that expression as Go's
//! `regexp/syntax` does; `program.rs` compiles it to a Thompson program (and, in the tests, runs
//! it as a Pike VM, the reference); `dfa.rs` matches paths with a lazily built automaton;
//! `dockerignore.rs` reads `.dockerignore` files. Paths are cleaned by
//! [`crate::formats::paths::clean`] (Go's `path.Clean`).

use std::cell::RefCell;

use crate::error::{Error, ErrorCode, Quoted, Result};
use crate::formats::paths::{clean, dir};

mod dfa;
mod dockerignore;
mod glob;
mod program;
mod regex;
#[cfg(test)]
mod tests;

pub use dockerignore::parse_dockerignore;
use glob::{check_glob, compile};
use program::Program;

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
