//! Test-only port of BuildKit's Dockerfile word lexer.
//!
//! Source: moby/buildkit, `frontend/dockerfile/shell/lex.go` (Apache-2.0): `Lex.ProcessWord`,
//! `Lex.ProcessWords` and their helpers (`processStopOn`, `processSingleQuote`,
//! `processDoubleQuote`, `processDollar`, `processName`, `convertShellPatternToRegex`,
//! `trimPrefix`, `trimSuffix`, `reversePattern`). This is the code BuildKit runs on the words of
//! `ENV`, `WORKDIR`, `COPY`/`ADD`, `ARG`, `LABEL`, `USER`, … before it uses them, so a rendered
//! value that reads back through this port as itself means exactly that value to BuildKit.
//!
//! Used from integration tests with
//! `#[path = "support/buildkit_lexer.rs"] mod buildkit_lexer;`.
//!
//! Faithfulness notes (where Go and Rust differ underneath):
//! - Go's `text/scanner` drops one U+FEFF (byte order mark) when it is the very first character
//!   of the scanned text; [`Scanner`] does the same.
//! - Go's `text/scanner` reports NUL as an error on stderr but still returns it; here it is a
//!   plain character too.
//! - Variable names are scanned with Go's `unicode.IsLetter` / `unicode.IsDigit` (general
//!   categories L and Nd). Rust's standard library has no general-category tables, so
//!   [`go_is_letter`] uses `char::is_alphabetic` (also accepts Nl and Other_Alphabetic marks) and
//!   [`go_is_digit`] uses `char::is_numeric` above Latin-1 (also accepts Nl/No). The two only
//!   disagree on rare characters directly after an unescaped `$`.
//! - Environment keys compare case-sensitively (BuildKit on Unix; Windows folds case).
//! - The `${VAR/pattern/repl}` forms use Go's `regexp` (leftmost-first, `.` not matching `\n`,
//!   `ReplaceAllString` expanding `$0`/`$name` in the replacement). The patterns BuildKit builds
//!   only hold literals, `.` and `.*`/`.*?`, so a small backtracking matcher reproduces them.
#![allow(dead_code)]

use std::collections::{BTreeSet, HashMap};
use std::fmt;

/// The environment a word is expanded against (`BuildEnvs` result in Go).
pub type Env = HashMap<String, String>;

/// A lexer failure (the Go code returns an `error`; only its presence and text matter here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError(pub String);

impl fmt::Display for LexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LexError {}

fn err<T>(msg: impl Into<String>) -> Result<T, LexError> {
    Err(LexError(msg.into()))
}

/// `BuildEnvs`: `KEY=value` strings to a map; a string without `=` is a key with an empty
/// value; a later key overwrites an earlier one.
pub fn build_envs<S: AsRef<str>>(env: &[S]) -> Env {
    let mut envs = Env::new();
    for e in env {
        let e = e.as_ref();
        match e.find('=') {
            None => {
                envs.insert(e.to_string(), String::new());
            }
            Some(i) => {
                envs.insert(e[..i].to_string(), e[i + 1..].to_string());
            }
        }
    }
    envs
}

/// `ProcessWord` with the default escape token `\`.
pub fn process_word(word: &str, env: &Env) -> Result<String, LexError> {
    Lex::new('\\').process_word(word, env)
}

/// `ProcessWords` with the default escape token `\`.
pub fn process_words(word: &str, env: &Env) -> Result<Vec<String>, LexError> {
    Lex::new('\\').process_words(word, env)
}

/// The result of one run (`ProcessWordResult` in Go).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcessResult {
    /// The word after quote removal and expansion (`ProcessWord`).
    pub result: String,
    /// The words after expansion and splitting (`ProcessWords`).
    pub words: Vec<String>,
    /// Variable names that were found in the environment.
    pub matched: BTreeSet<String>,
    /// Variable names that were looked up and not found.
    pub unmatched: BTreeSet<String>,
}

/// `shell.Lex`: the lexer and its options.
#[derive(Debug, Clone)]
pub struct Lex {
    /// The escape token: `\` by default, `` ` `` with `# escape=`` ` ``.
    pub escape_token: char,
    /// Keep the quote characters in the result.
    pub raw_quotes: bool,
    /// Keep the escape tokens in the result.
    pub raw_escapes: bool,
    /// Treat quotes as plain characters.
    pub skip_process_quotes: bool,
    /// Leave references to unset variables as they are.
    pub skip_unset_env: bool,
}

impl Lex {
    /// `NewLex(escapeToken)`.
    pub fn new(escape_token: char) -> Self {
        Lex {
            escape_token,
            raw_quotes: false,
            raw_escapes: false,
            skip_process_quotes: false,
            skip_unset_env: false,
        }
    }

    /// `ProcessWord`: quote removal and variable expansion, spaces kept.
    pub fn process_word(&self, word: &str, env: &Env) -> Result<String, LexError> {
        self.process(word, env).map(|r| r.result)
    }

    /// `ProcessWords`: as [`Lex::process_word`], then split on (unquoted, unescaped) whitespace.
    pub fn process_words(&self, word: &str, env: &Env) -> Result<Vec<String>, LexError> {
        self.process(word, env).map(|r| r.words)
    }

    /// `process` / `ProcessWordWithMatches`.
    pub fn process(&self, word: &str, env: &Env) -> Result<ProcessResult, LexError> {
        let mut sw = ShellWord {
            lex: self,
            scanner: Scanner::new(word),
            envs: env,
            raw_escapes: self.raw_escapes,
            matches: BTreeSet::new(),
            nonmatches: BTreeSet::new(),
        };
        let raw = sw.raw_escapes;
        match sw.process_stop_on(None, raw) {
            Ok((result, words)) => Ok(ProcessResult {
                result,
                words,
                matched: sw.matches,
                unmatched: sw.nonmatches,
            }),
            Err(e) => Err(LexError(format!("failed to process {word:?}: {e}"))),
        }
    }
}

/// Go's `text/scanner.Scanner`, reduced to `Peek` and `Next` over a valid UTF-8 string.
/// `None` is `scanner.EOF`.
struct Scanner {
    chars: Vec<char>,
    pos: usize,
    started: bool,
}

impl Scanner {
    fn new(s: &str) -> Self {
        Scanner {
            chars: s.chars().collect(),
            pos: 0,
            started: false,
        }
    }

    fn peek(&mut self) -> Option<char> {
        if !self.started {
            // Only for the very first character: text/scanner ignores a BOM there.
            self.started = true;
            if self.chars.first() == Some(&'\u{feff}') {
                self.pos = 1;
            }
        }
        self.chars.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<char> {
        let ch = self.peek();
        if ch.is_some() {
            self.pos += 1;
        }
        ch
    }
}

/// Go's `unicode.IsSpace` (Latin-1 spaces plus the White_Space property: the same set as Rust's).
fn go_is_space(c: char) -> bool {
    c.is_whitespace()
}

/// Go's `unicode.IsLetter` (approximation above Latin-1, see the module notes).
pub fn go_is_letter(c: char) -> bool {
    c.is_alphabetic()
}

/// Go's `unicode.IsDigit`: ASCII digits in Latin-1, category Nd above (approximated).
pub fn go_is_digit(c: char) -> bool {
    if (c as u32) <= 0xff {
        c.is_ascii_digit()
    } else {
        c.is_numeric()
    }
}

/// `string(rune)` of Go, with EOF (-1) becoming U+FFFD.
fn go_rune_string(c: Option<char>) -> String {
    c.unwrap_or('\u{fffd}').to_string()
}

/// `isSpecialParam`.
fn is_special_param(c: char) -> bool {
    matches!(c, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0')
}

/// `wordsStruct`: collects the words of `ProcessWords`.
#[derive(Default)]
struct Words {
    word: String,
    words: Vec<String>,
    in_word: bool,
}

impl Words {
    fn add_char(&mut self, ch: char) {
        if go_is_space(ch) && self.in_word {
            if !self.word.is_empty() {
                self.words.push(std::mem::take(&mut self.word));
                self.in_word = false;
            }
        } else if !go_is_space(ch) {
            self.add_raw_char(ch);
        }
    }

    fn add_raw_char(&mut self, ch: char) {
        self.word.push(ch);
        self.in_word = true;
    }

    fn add_string(&mut self, s: &str) {
        for ch in s.chars() {
            self.add_char(ch);
        }
    }

    fn add_raw_string(&mut self, s: &str) {
        self.word.push_str(s);
        self.in_word = true;
    }

    fn get_words(mut self) -> Vec<String> {
        if !self.word.is_empty() {
            self.words.push(std::mem::take(&mut self.word));
        }
        self.words
    }
}

/// `shellWord`: the state of one run.
struct ShellWord<'a> {
    lex: &'a Lex,
    scanner: Scanner,
    envs: &'a Env,
    raw_escapes: bool,
    matches: BTreeSet<String>,
    nonmatches: BTreeSet<String>,
}

impl ShellWord<'_> {
    /// `processStopOn`: process until `stop` (consumed) or the end (`None`); `raw_escapes`
    /// applies for the duration of the call (Go sets it and restores it with a `defer`).
    fn process_stop_on(
        &mut self,
        stop: Option<char>,
        raw_escapes: bool,
    ) -> Result<(String, Vec<String>), LexError> {
        let saved = self.raw_escapes;
        self.raw_escapes = raw_escapes;
        let r = self.process_stop_on_inner(stop);
        self.raw_escapes = saved;
        r
    }

    fn process_stop_on_inner(
        &mut self,
        stop: Option<char>,
    ) -> Result<(String, Vec<String>), LexError> {
        let mut result = String::new();
        let mut words = Words::default();
        let esc = self.lex.escape_token;

        while let Some(ch) = self.scanner.peek() {
            if stop == Some(ch) {
                self.scanner.next();
                return Ok((result, words.get_words()));
            }
            let quote = !self.lex.skip_process_quotes && (ch == '\'' || ch == '"');
            if ch == '$' || quote {
                // Special processing for certain characters.
                let tmp = match ch {
                    '$' => self.process_dollar()?,
                    '\'' => self.process_single_quote()?,
                    _ => self.process_double_quote()?,
                };
                result.push_str(&tmp);
                if ch == '$' {
                    words.add_string(&tmp);
                } else {
                    words.add_raw_string(&tmp);
                }
            } else {
                // Not special: add it to the result.
                let Some(mut ch) = self.scanner.next() else {
                    break;
                };
                if ch == esc {
                    if self.raw_escapes {
                        words.add_raw_char(ch);
                        result.push(ch);
                    }
                    // The escape token escapes the next character, except at the end.
                    match self.scanner.next() {
                        None => break,
                        Some(next) => {
                            ch = next;
                            words.add_raw_char(ch);
                        }
                    }
                } else {
                    words.add_char(ch);
                }
                result.push(ch);
            }
        }
        if let Some(stop) = stop {
            return err(format!(
                "unexpected end of statement while looking for matching {stop}"
            ));
        }
        Ok((result, words.get_words()))
    }

    /// `processSingleQuote`: everything up to the next `'` is literal; no escapes at all.
    fn process_single_quote(&mut self) -> Result<String, LexError> {
        let mut result = String::new();
        let open = self.scanner.next();
        if self.lex.raw_quotes {
            result.push_str(&go_rune_string(open));
        }
        loop {
            match self.scanner.next() {
                None => {
                    return err(
                        "unexpected end of statement while looking for matching single-quote",
                    )
                }
                Some('\'') => {
                    if self.lex.raw_quotes {
                        result.push('\'');
                    }
                    return Ok(result);
                }
                Some(c) => result.push(c),
            }
        }
    }

    /// `processDoubleQuote`: `$` expands; the escape token escapes only `"`, `$` and itself
    /// (and is kept literally before any other character).
    fn process_double_quote(&mut self) -> Result<String, LexError> {
        let mut result = String::new();
        let esc = self.lex.escape_token;
        let open = self.scanner.next();
        if self.lex.raw_quotes {
            result.push_str(&go_rune_string(open));
        }
        loop {
            match self.scanner.peek() {
                None => {
                    return err(
                        "unexpected end of statement while looking for matching double-quote",
                    )
                }
                Some('"') => {
                    self.scanner.next();
                    if self.lex.raw_quotes {
                        result.push('"');
                    }
                    return Ok(result);
                }
                Some('$') => {
                    let value = self.process_dollar()?;
                    result.push_str(&value);
                }
                Some(_) => {
                    let Some(mut ch) = self.scanner.next() else {
                        continue;
                    };
                    if ch == esc {
                        if self.raw_escapes {
                            result.push(ch);
                        }
                        match self.scanner.peek() {
                            // Ignore the escape token at the end of the word.
                            None => continue,
                            Some(n) if n == '"' || n == '$' || n == esc => {
                                if let Some(n) = self.scanner.next() {
                                    ch = n;
                                }
                            }
                            Some(_) => {}
                        }
                    }
                    result.push(ch);
                }
            }
        }
    }

    /// `processDollar`: `$name`, `${name}` and the `${name<modifier>word}` forms.
    fn process_dollar(&mut self) -> Result<String, LexError> {
        self.scanner.next(); // the '$'

        // $xxx case
        if self.scanner.peek() != Some('{') {
            let name = self.process_name();
            if name.is_empty() {
                return Ok("$".to_string());
            }
            let (value, found) = self.get_env(&name);
            if !found && self.lex.skip_unset_env {
                return Ok(format!("${name}"));
            }
            return Ok(value);
        }

        self.scanner.next(); // the '{'
        match self.scanner.peek() {
            None => return err("syntax error: missing '}'"),
            // Invalid ${{xx}, ${:xx}, ${:}, ${} cases.
            Some('{' | '}' | ':') => return err("syntax error: bad substitution"),
            Some(_) => {}
        }
        let name = self.process_name();
        let first = self.scanner.next();
        let mut chs = go_rune_string(first);

        match first {
            Some('}') => {
                // Normal ${xx} case.
                let (value, set) = self.get_env(&name);
                if !set && self.lex.skip_unset_env {
                    return Ok(format!("${{{name}}}"));
                }
                Ok(value)
            }
            Some(':' | '+' | '-' | '?' | '#' | '%') => {
                let mut ch = first;
                let mut null_is_unset = false;
                if ch == Some(':') {
                    null_is_unset = true;
                    ch = self.scanner.next();
                    chs.push_str(&go_rune_string(ch));
                }
                let raw = ch == Some('#') || ch == Some('%');
                let mut word = match self.process_stop_on(Some('}'), raw) {
                    Ok((w, _)) => w,
                    Err(e) => {
                        if self.scanner.peek().is_none() {
                            return err("syntax error: missing '}'");
                        }
                        return Err(e);
                    }
                };

                // The current value of the variable decides what the modifier does.
                let (value, set) = self.get_env(&name);
                if self.lex.skip_unset_env && !set {
                    return Ok(format!("${{{name}{chs}{word}}}"));
                }

                match ch {
                    Some('-') => {
                        if !set || (null_is_unset && value.is_empty()) {
                            Ok(word)
                        } else {
                            Ok(value)
                        }
                    }
                    Some('+') => {
                        if !set || (null_is_unset && value.is_empty()) {
                            Ok(String::new())
                        } else {
                            Ok(word)
                        }
                    }
                    Some('?') => {
                        if !set {
                            let message = if word.is_empty() {
                                "is not allowed to be unset".to_string()
                            } else {
                                word
                            };
                            return err(format!("{name}: {message}"));
                        }
                        if null_is_unset && value.is_empty() {
                            let message = if word.is_empty() {
                                "is not allowed to be empty".to_string()
                            } else {
                                word
                            };
                            return err(format!("{name}: {message}"));
                        }
                        Ok(value)
                    }
                    Some(c @ ('%' | '#')) => {
                        // %/# remove the shortest match, %%/## the longest.
                        let mut greedy = false;
                        if word.starts_with(c) {
                            greedy = true;
                            word.remove(0);
                        }
                        if c == '%' {
                            trim_suffix(&word, &value, greedy)
                        } else {
                            trim_prefix(&word, &value, greedy)
                        }
                    }
                    _ => err(format!("unsupported modifier ({chs}) in substitution")),
                }
            }
            Some('/') => {
                let replace_all = self.scanner.peek() == Some('/');
                if replace_all {
                    self.scanner.next();
                }
                let pattern = match self.process_stop_on(Some('/'), true) {
                    Ok((p, _)) => p,
                    Err(e) => {
                        if self.scanner.peek().is_none() {
                            return err("syntax error: missing '/' in ${}");
                        }
                        return Err(e);
                    }
                };
                let replacement = match self.process_stop_on(Some('}'), true) {
                    Ok((r, _)) => r,
                    Err(e) => {
                        if self.scanner.peek().is_none() {
                            return err("syntax error: missing '}'");
                        }
                        return Err(e);
                    }
                };

                let (value, set) = self.get_env(&name);
                if self.lex.skip_unset_env && !set {
                    return Ok(format!("${{{name}/{pattern}/{replacement}}}"));
                }

                let re = convert_shell_pattern_to_regex(&pattern, true, false).map_err(|e| {
                    LexError(format!("invalid pattern ({pattern}) in substitution: {e}"))
                })?;
                let chars: Vec<char> = value.chars().collect();
                if replace_all {
                    Ok(go_replace_all_string(&re, &chars, &replacement))
                } else if let Some((a, b)) = re.find(&chars, 0) {
                    let mut out: String = chars[..a].iter().collect();
                    out.push_str(&replacement);
                    out.extend(&chars[b..]);
                    Ok(out)
                } else {
                    Ok(value)
                }
            }
            _ => err(format!("unsupported modifier ({chs}) in substitution")),
        }
    }

    /// `processName`: a run of letters, digits and `_`; a leading digit takes only digits; a
    /// special parameter (`@ * # ? - $ ! 0`) is a name of one character.
    fn process_name(&mut self) -> String {
        let mut name = String::new();
        while let Some(ch) = self.scanner.peek() {
            if name.is_empty() && go_is_digit(ch) {
                while let Some(d) = self.scanner.peek() {
                    if !go_is_digit(d) {
                        break;
                    }
                    self.scanner.next();
                    name.push(d);
                }
                return name;
            }
            if name.is_empty() && is_special_param(ch) {
                self.scanner.next();
                return ch.to_string();
            }
            if !go_is_letter(ch) && !go_is_digit(ch) && ch != '_' {
                break;
            }
            self.scanner.next();
            name.push(ch);
        }
        name
    }

    /// `getEnv` (Unix: keys compare exactly).
    fn get_env(&mut self, name: &str) -> (String, bool) {
        match self.envs.get(name) {
            Some(v) => {
                self.matches.insert(name.to_string());
                (v.clone(), true)
            }
            None => {
                self.nonmatches.insert(name.to_string());
                (String::new(), false)
            }
        }
    }
}

/// One element of the regular expressions `convertShellPatternToRegex` produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    /// A literal character (the regex escapes the special ones).
    Lit(char),
    /// `?` → `.` (any character but `\n`).
    Any,
    /// `*` → `.*` (greedy) or `.*?` (lazy).
    Star,
}

/// A compiled shell pattern: Go's regexp over `^?(literal | . | .* | .*?)*`.
#[derive(Debug, Clone)]
pub struct ShellPattern {
    toks: Vec<Tok>,
    greedy: bool,
    anchored: bool,
}

/// `convertShellPatternToRegex`: `?` is one character, `*` any run; `\` escapes `*`, `?`, `\`;
/// a `\` before `}` or `/` is dropped (it only protected the character inside `${}`); any other
/// escape is an error.
pub fn convert_shell_pattern_to_regex(
    pattern: &str,
    greedy: bool,
    anchored: bool,
) -> Result<ShellPattern, String> {
    let mut s = Scanner::new(pattern);
    let mut toks = Vec::new();
    while let Some(tok) = s.next() {
        match tok {
            '*' => toks.push(Tok::Star),
            '?' => toks.push(Tok::Any),
            '\\' => {
                if matches!(s.peek(), Some('}' | '/')) {
                    continue;
                }
                match s.next() {
                    Some(t @ ('*' | '?' | '\\')) => toks.push(Tok::Lit(t)),
                    other => return Err(format!("invalid escape '\\{}'", go_rune_string(other))),
                }
            }
            c => toks.push(Tok::Lit(c)),
        }
    }
    Ok(ShellPattern {
        toks,
        greedy,
        anchored,
    })
}

impl ShellPattern {
    /// Go's `FindStringIndex` starting the search at `from` (as `doExecute` does for
    /// `ReplaceAll`): the leftmost start, and there the first match in backtracking priority
    /// order (leftmost-first semantics). Indices are in characters.
    fn find(&self, text: &[char], from: usize) -> Option<(usize, usize)> {
        let starts: Vec<usize> = if self.anchored {
            if from == 0 {
                vec![0]
            } else {
                vec![]
            }
        } else {
            (from..=text.len()).collect()
        };
        let width = text.len() + 1;
        let mut memo: Vec<Option<Option<usize>>> = vec![None; (self.toks.len() + 1) * width];
        for start in starts {
            if let Some(end) = self.match_here(text, 0, start, &mut memo, width) {
                return Some((start, end));
            }
        }
        None
    }

    fn match_here(
        &self,
        text: &[char],
        ti: usize,
        pos: usize,
        memo: &mut Vec<Option<Option<usize>>>,
        width: usize,
    ) -> Option<usize> {
        if ti == self.toks.len() {
            return Some(pos);
        }
        let key = ti * width + pos;
        if let Some(r) = memo[key] {
            return r;
        }
        let r = match self.toks[ti] {
            Tok::Lit(c) => {
                if text.get(pos) == Some(&c) {
                    self.match_here(text, ti + 1, pos + 1, memo, width)
                } else {
                    None
                }
            }
            Tok::Any => match text.get(pos) {
                Some(&c) if c != '\n' => self.match_here(text, ti + 1, pos + 1, memo, width),
                _ => None,
            },
            Tok::Star => {
                let mut max = pos;
                while max < text.len() && text[max] != '\n' {
                    max += 1;
                }
                let mut found = None;
                if self.greedy {
                    for end in (pos..=max).rev() {
                        found = self.match_here(text, ti + 1, end, memo, width);
                        if found.is_some() {
                            break;
                        }
                    }
                } else {
                    for end in pos..=max {
                        found = self.match_here(text, ti + 1, end, memo, width);
                        if found.is_some() {
                            break;
                        }
                    }
                }
                found
            }
        };
        memo[key] = Some(r);
        r
    }
}

/// `trimPrefix`: remove the (anchored) match of `word` from the start of `value`.
fn trim_prefix(word: &str, value: &str, greedy: bool) -> Result<String, LexError> {
    let re = convert_shell_pattern_to_regex(word, greedy, true)
        .map_err(|e| LexError(format!("invalid pattern ({word}) in substitution: {e}")))?;
    let chars: Vec<char> = value.chars().collect();
    match re.find(&chars, 0) {
        Some((_, end)) => Ok(chars[end..].iter().collect()),
        None => Ok(value.to_string()),
    }
}

/// `reversePattern`: reverse, keeping each `\x` escape pair in order.
pub fn reverse_pattern(pattern: &str) -> String {
    let runes: Vec<char> = pattern.chars().collect();
    if runes.is_empty() {
        return String::new();
    }
    let mut out = vec!['\0'; runes.len()];
    let last = runes.len() - 1;
    let mut i = 0;
    while i <= last {
        let tok = runes[i];
        let out_idx = last - i;
        if tok == '\\' && i != last {
            out[out_idx - 1] = tok;
            out[out_idx] = runes[i + 1];
            i += 2;
        } else {
            out[out_idx] = tok;
            i += 1;
        }
    }
    out.into_iter().collect()
}

fn reverse_string(s: &str) -> String {
    s.chars().rev().collect()
}

/// `trimSuffix`: reverse pattern and value, trim the prefix, reverse back.
fn trim_suffix(pattern: &str, word: &str, greedy: bool) -> Result<String, LexError> {
    let pattern = reverse_pattern(pattern);
    let word = reverse_string(word);
    let s = trim_prefix(&pattern, &word, greedy)?;
    Ok(reverse_string(&s))
}

/// Go's `Regexp.ReplaceAllString`: every non-overlapping match replaced by the replacement
/// template (with `$` expansion); an empty match right after a match is not replaced.
fn go_replace_all_string(re: &ShellPattern, src: &[char], template: &str) -> String {
    let mut out = String::new();
    let end = src.len();
    let mut last_match_end = 0;
    let mut search_pos = 0;
    while search_pos <= end {
        let Some((a0, a1)) = re.find(src, search_pos) else {
            break;
        };
        out.extend(&src[last_match_end..a0]);
        if a1 > last_match_end || a0 == 0 {
            go_expand(&mut out, template, &src[a0..a1]);
        }
        last_match_end = a1;
        // Advance past this match; always advance at least one character.
        let width = usize::from(search_pos < end);
        if search_pos + width > a1 {
            search_pos += width;
        } else if search_pos + 1 > a1 {
            search_pos += 1;
        } else {
            search_pos = a1;
        }
    }
    out.extend(&src[last_match_end..]);
    out
}

/// Go's `Regexp.expand` for a regexp without capture groups: `$$` is `$`; `$0`/`${0}` is the
/// whole match; any other `$name`/`${name}` is empty; a malformed reference keeps its `$`.
fn go_expand(out: &mut String, template: &str, matched: &[char]) {
    let mut t = template;
    while let Some(i) = t.find('$') {
        out.push_str(&t[..i]);
        t = &t[i + 1..];
        if let Some(rest) = t.strip_prefix('$') {
            out.push('$');
            t = rest;
            continue;
        }
        match go_extract(t) {
            None => {
                out.push('$');
            }
            Some((num, rest)) => {
                t = rest;
                if num == Some(0) {
                    out.extend(matched);
                }
            }
        }
    }
    out.push_str(t);
}

/// Go's `regexp.extract`: the name after `$` (braced or not) → its number (if purely numeric
/// without a leading zero) and the rest of the template; `None` if malformed.
fn go_extract(s: &str) -> Option<(Option<u64>, &str)> {
    let (brace, body) = match s.strip_prefix('{') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let mut i = 0;
    for c in body.chars() {
        if !go_is_letter(c) && !go_is_digit(c) && c != '_' {
            break;
        }
        i += c.len_utf8();
    }
    if i == 0 {
        return None;
    }
    let name = &body[..i];
    let mut rest = &body[i..];
    if brace {
        rest = rest.strip_prefix('}')?;
    }
    let mut num: Option<u64> = Some(0);
    for b in name.bytes() {
        match num {
            Some(n) if b.is_ascii_digit() && n < 100_000_000 => {
                num = Some(n * 10 + u64::from(b - b'0'));
            }
            _ => {
                num = None;
                break;
            }
        }
    }
    if name.starts_with('0') && name.len() > 1 {
        num = None;
    }
    Some((num, rest))
}
