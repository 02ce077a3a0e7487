//! Heredoc detection as BuildKit does it (`heredocsFromLine`, `ParseHeredoc`,
//! `heredocFromMatch` in `frontend/dockerfile/parser/parser.go`, moby/buildkit, Apache-2.0).
//!
//! BuildKit splits the whole instruction line into words with its shell lexer
//! (`frontend/dockerfile/shell/lex.go`; escape `\`, raw quotes and escapes kept, unset variables
//! left as written), and every word matching `^(\d*)<<(-?)([^<]*)$` names a heredoc. The lexer
//! below is a port of the parts that run in that configuration (no environment: every `$VAR`
//! is unset and stays in the text), including two quirks of the current Go code:
//! - the buffer holding the word being built is shared by nested calls (`${x:-…}` forms), so a
//!   nested call drops the start of the enclosing word, as in Go;
//! - one U+FEFF at the very start of the text is skipped (Go's `text/scanner`).
//!
//! Differences: Go's `unicode.IsLetter`/`IsDigit` (general categories L and Nd) are approximated
//! with `char::is_alphabetic`/`char::is_numeric` for variable names, and nesting of `${…}` forms
//! deeper than [`MAX_DEPTH`] is an error here (Go has no limit; a line that deep is not a
//! sensible Dockerfile and the limit keeps the call stack small).

/// How deep `${x:-${y:-…}}` forms may nest before the line is rejected.
const MAX_DEPTH: usize = 100;

/// The escape token BuildKit's heredoc lexer uses (always `\`, whatever the `escape` directive).
const ESCAPE: char = '\\';

/// A lexer failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LexError {
    /// What the Go lexer reports.
    Syntax(String),
    /// Nesting deeper than [`MAX_DEPTH`] (no Go counterpart).
    TooDeep,
}

/// A heredoc named on an instruction line (its body is filled in by the parser).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HeredocWord {
    pub name: String,
    pub expand: bool,
    pub chomp: bool,
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
    raw_quotes: bool,
    raw_escapes: bool,
    /// The word being built (`shellWord.wordsBuffer`, shared by nested calls).
    buf: String,
    depth: usize,
}

struct Words {
    words: Vec<String>,
    in_word: bool,
}

fn go_is_digit(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_digit()
    } else {
        c.is_numeric()
    }
}

fn go_is_letter(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        c.is_alphabetic()
    }
}

fn is_special_param(c: char) -> bool {
    matches!(c, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0')
}

/// Go's `string(rune)` of a scanned character, where end of input is `scanner.EOF` (-1), which
/// Go writes as U+FFFD.
fn rune_text(c: Option<char>) -> char {
    c.unwrap_or('\u{FFFD}')
}

impl Lexer {
    fn new(text: &str, raw_quotes: bool, raw_escapes: bool) -> Self {
        let mut chars: Vec<char> = text.chars().collect();
        if chars.first() == Some(&'\u{FEFF}') {
            chars.remove(0);
        }
        Lexer {
            chars,
            pos: 0,
            raw_quotes,
            raw_escapes,
            buf: String::new(),
            depth: 0,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn add_char(&mut self, w: &mut Words, ch: char) {
        if ch.is_whitespace() && w.in_word {
            if !self.buf.is_empty() {
                w.words.push(std::mem::take(&mut self.buf));
                w.in_word = false;
            }
        } else if !ch.is_whitespace() {
            self.add_raw_char(w, ch);
        }
    }

    fn add_raw_char(&mut self, w: &mut Words, ch: char) {
        self.buf.push(ch);
        w.in_word = true;
    }

    fn get_words(&mut self, mut w: Words) -> Vec<String> {
        if !self.buf.is_empty() {
            w.words.push(std::mem::take(&mut self.buf));
        }
        w.words
    }

    fn process_words(&mut self) -> Result<Vec<String>, LexError> {
        let raw_escapes = self.raw_escapes;
        self.process_stop_on(None, raw_escapes)
            .map(|(_, words)| words)
    }

    fn process_stop_on(
        &mut self,
        stop: Option<char>,
        raw_escapes: bool,
    ) -> Result<(String, Vec<String>), LexError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(LexError::TooDeep);
        }
        let saved = std::mem::replace(&mut self.raw_escapes, raw_escapes);
        let result = self.process_stop_on_inner(stop);
        self.raw_escapes = saved;
        self.depth -= 1;
        result
    }

    fn process_stop_on_inner(
        &mut self,
        stop: Option<char>,
    ) -> Result<(String, Vec<String>), LexError> {
        let mut result = String::new();
        self.buf.clear();
        let mut words = Words {
            words: Vec::new(),
            in_word: false,
        };
        while let Some(ch) = self.peek() {
            if stop == Some(ch) {
                self.next();
                return Ok((result, self.get_words(words)));
            }
            if matches!(ch, '$' | '\'' | '"') {
                let tmp = match ch {
                    '$' => self.process_dollar()?,
                    '\'' => self.process_single_quote()?,
                    _ => self.process_double_quote()?,
                };
                result.push_str(&tmp);
                if ch == '$' {
                    for c in tmp.chars() {
                        self.add_char(&mut words, c);
                    }
                } else {
                    self.buf.push_str(&tmp);
                    words.in_word = true;
                }
                continue;
            }
            let mut ch = self.next().unwrap_or(ch);
            if ch == ESCAPE {
                if self.raw_escapes {
                    self.add_raw_char(&mut words, ch);
                    result.push(ch);
                }
                match self.next() {
                    None => break,
                    Some(c) => {
                        ch = c;
                        self.add_raw_char(&mut words, ch);
                    }
                }
            } else {
                self.add_char(&mut words, ch);
            }
            result.push(ch);
        }
        if let Some(stop) = stop {
            return Err(LexError::Syntax(format!(
                "unexpected end of statement while looking for matching {stop}"
            )));
        }
        Ok((result, self.get_words(words)))
    }

    fn process_single_quote(&mut self) -> Result<String, LexError> {
        let mut result = String::new();
        let open = self.next();
        if self.raw_quotes {
            result.push(rune_text(open));
        }
        loop {
            match self.next() {
                None => {
                    return Err(LexError::Syntax(
                        "unexpected end of statement while looking for matching single-quote"
                            .into(),
                    ))
                }
                Some('\'') => {
                    if self.raw_quotes {
                        result.push('\'');
                    }
                    return Ok(result);
                }
                Some(c) => result.push(c),
            }
        }
    }

    fn process_double_quote(&mut self) -> Result<String, LexError> {
        let mut result = String::new();
        let open = self.next();
        if self.raw_quotes {
            result.push(rune_text(open));
        }
        loop {
            match self.peek() {
                None => {
                    return Err(LexError::Syntax(
                        "unexpected end of statement while looking for matching double-quote"
                            .into(),
                    ))
                }
                Some('"') => {
                    self.next();
                    if self.raw_quotes {
                        result.push('"');
                    }
                    return Ok(result);
                }
                Some('$') => {
                    let value = self.process_dollar()?;
                    result.push_str(&value);
                }
                Some(c) => {
                    self.next();
                    let mut ch = c;
                    if ch == ESCAPE {
                        if self.raw_escapes {
                            result.push(ch);
                        }
                        match self.peek() {
                            None => continue,
                            Some(n) if n == '"' || n == '$' || n == ESCAPE => {
                                self.next();
                                ch = n;
                            }
                            Some(_) => {}
                        }
                    }
                    result.push(ch);
                }
            }
        }
    }

    /// `${…}` body ended by `stop`, with Go's error rewording at end of input.
    fn nested(&mut self, stop: char, raw_escapes: bool, missing: &str) -> Result<String, LexError> {
        match self.process_stop_on(Some(stop), raw_escapes) {
            Ok((word, _)) => Ok(word),
            Err(LexError::TooDeep) => Err(LexError::TooDeep),
            Err(e) => {
                if self.peek().is_none() {
                    Err(LexError::Syntax(missing.to_string()))
                } else {
                    Err(e)
                }
            }
        }
    }

    fn process_dollar(&mut self) -> Result<String, LexError> {
        self.next();
        if self.peek() != Some('{') {
            let name = self.process_name();
            if name.is_empty() {
                return Ok("$".to_string());
            }
            // Unset (there is no environment) and SkipUnsetEnv: kept as written.
            return Ok(format!("${name}"));
        }
        self.next();
        match self.peek() {
            None => return Err(LexError::Syntax("syntax error: missing '}'".into())),
            Some('{' | '}' | ':') => {
                return Err(LexError::Syntax("syntax error: bad substitution".into()))
            }
            Some(_) => {}
        }
        let name = self.process_name();
        let ch = self.next();
        let mut chs = rune_text(ch).to_string();
        match ch {
            Some('}') => Ok(format!("${{{name}}}")),
            Some(':' | '+' | '-' | '?' | '#' | '%') => {
                let mut modifier = ch;
                let null_is_unset = ch == Some(':');
                if null_is_unset {
                    modifier = self.next();
                    chs.push(rune_text(modifier));
                }
                let raw_escapes = matches!(modifier, Some('#' | '%'));
                if null_is_unset && raw_escapes {
                    return Err(LexError::Syntax(format!(
                        "unsupported modifier ({chs}) in substitution"
                    )));
                }
                let word = self.nested('}', raw_escapes, "syntax error: missing '}'")?;
                Ok(format!("${{{name}{chs}{word}}}"))
            }
            Some('/') => {
                if self.peek() == Some('/') {
                    self.next();
                }
                let pattern = self.nested('/', true, "syntax error: missing '/' in ${}")?;
                let replacement = self.nested('}', true, "syntax error: missing '}'")?;
                Ok(format!("${{{name}/{pattern}/{replacement}}}"))
            }
            _ => Err(LexError::Syntax(format!(
                "unsupported modifier ({chs}) in substitution"
            ))),
        }
    }

    fn process_name(&mut self) -> String {
        let mut name = String::new();
        while let Some(ch) = self.peek() {
            if name.is_empty() && go_is_digit(ch) {
                while let Some(c) = self.peek().filter(|&c| go_is_digit(c)) {
                    self.next();
                    name.push(c);
                }
                return name;
            }
            if name.is_empty() && is_special_param(ch) {
                self.next();
                return ch.to_string();
            }
            if !go_is_letter(ch) && !go_is_digit(ch) && ch != '_' {
                break;
            }
            self.next();
            name.push(ch);
        }
        name
    }
}

/// BuildKit's `ParseHeredoc`: the heredoc a word like `<<EOF`, `<<-"EOF"` or `3<<EOF` names.
pub(crate) fn parse_heredoc(word: &str) -> Result<Option<HeredocWord>, LexError> {
    // ^(\d*)<<(-?)([^<]*)$
    let after_fd = word.trim_start_matches(|c: char| c.is_ascii_digit());
    let Some(after) = after_fd.strip_prefix("<<") else {
        return Ok(None);
    };
    let (chomp, rest) = match after.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, after),
    };
    if rest.contains('<') || rest.is_empty() {
        return Ok(None);
    }
    let words = Lexer::new(rest, false, false).process_words()?;
    if words.len() != 1 {
        return Ok(None);
    }
    let words_raw = Lexer::new(rest, true, false).process_words()?;
    if words_raw.len() != words.len() {
        return Err(LexError::Syntax(format!(
            "internal lexing of heredoc produced inconsistent results: {rest}"
        )));
    }
    let quotes = |s: &str| s.chars().filter(|&c| c == '\'' || c == '"').count();
    let name = words.into_iter().next().unwrap_or_default();
    let expand = quotes(&name) == quotes(&words_raw[0]);
    Ok(Some(HeredocWord {
        name,
        expand,
        chomp,
    }))
}

/// BuildKit's `heredocsFromLine`: the heredocs an instruction line names, in order. A line the
/// lexer cannot split names none (BuildKit ignores that error).
pub(crate) fn heredocs_from_line(line: &str) -> Result<Vec<HeredocWord>, LexError> {
    let words = match Lexer::new(line, true, true).process_words() {
        Ok(words) => words,
        Err(LexError::TooDeep) => return Err(LexError::TooDeep),
        Err(LexError::Syntax(_)) => Vec::new(),
    };
    let mut docs = Vec::new();
    for word in &words {
        if let Some(doc) = parse_heredoc(word)? {
            docs.push(doc);
        }
    }
    Ok(docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(line: &str) -> Vec<String> {
        heredocs_from_line(line)
            .unwrap()
            .into_iter()
            .map(|h| h.name)
            .collect()
    }

    #[test]
    fn heredoc_helpers_like_buildkit() {
        // BuildKit's TestParseHeredocHelpers.
        for src in ["", "EOF", "<<", "<<-", "<EOF", "<<<EOF"] {
            assert_eq!(parse_heredoc(src), Ok(None), "{src}");
        }
        for src in [
            "<<EOF",
            "<<'EOF'",
            "<<\"EOF\"",
            "<<-EOF",
            "<<-'EOF'",
            "<<-\"EOF\"",
        ] {
            assert_eq!(parse_heredoc(src).unwrap().unwrap().name, "EOF", "{src}");
        }
        for src in ["<<'EOF", "<<\"EOF", "<<EOF'", "<<EOF\""] {
            assert!(parse_heredoc(src).is_err(), "{src}");
        }
        let h = parse_heredoc("<<-'EOF'").unwrap().unwrap();
        assert!(h.chomp && !h.expand);
        let h = parse_heredoc("3<<E\"O\"F").unwrap().unwrap();
        assert!(!h.chomp && !h.expand && h.name == "EOF");
        assert_eq!(parse_heredoc("<<$X").unwrap().unwrap().name, "$X");
    }

    #[test]
    fn heredocs_from_line_like_buildkit() {
        // BuildKit's TestHeredocsFromLine.
        assert_eq!(names("RUN <<EOF"), vec!["EOF"]);
        assert_eq!(names("RUN <<-EOF"), vec!["EOF"]);
        assert_eq!(names("RUN <<'EOF'"), vec!["EOF"]);
        assert_eq!(names("RUN 4<<EOF"), vec!["EOF"]);
        assert_eq!(names("RUN <<EOF <<EOF2"), vec!["EOF", "EOF2"]);
        assert_eq!(names("RUN '<<EOF'"), Vec::<String>::new());
        assert_eq!(names("RUN \"<<EOF\""), Vec::<String>::new());
        assert_eq!(names("RUN \\<<EOF"), Vec::<String>::new());
        assert_eq!(
            names("RUN cat <<EOF > \"unterminated"),
            Vec::<String>::new()
        );
        assert_eq!(names("COPY <<A <<B /dest"), vec!["A", "B"]);
        // The shared word buffer: `${x:-y}` drops the `<<` that starts its word.
        assert_eq!(names("RUN <<EOF${x:-y}"), Vec::<String>::new());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let line = format!("RUN <<EOF {}{}", "${a:-".repeat(10_000), "}".repeat(10_000));
        assert_eq!(heredocs_from_line(&line), Err(LexError::TooDeep));
    }
}
