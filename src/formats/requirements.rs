//! The files a pip requirements file includes (`-r` / `-c`), found the way pip finds them, so
//! `*FromRequirements` can put every one of them in the build context.
//!
//! # How a file is read (pip's `req_file.py`, step by step)
//!
//! 1. Lines are split as Python's `str.splitlines` does (`\n`, `\r\n`, `\r` and the other
//!    Unicode line separators); a UTF-8 byte order mark is ignored.
//! 2. A line ending in `\` is joined with the next one (pip strips every leading and trailing
//!    backslash of such a line); a comment line ends the joined line.
//! 3. A comment starts at a `#` at the start of the line or after whitespace, and runs to the
//!    end; what is left is trimmed, and empty lines are skipped.
//! 4. A line whose first space-separated word does not start with `-` is a requirement (its
//!    options are per-requirement ones such as `--hash`), and so is a line with `-e`: neither
//!    includes a file. On other lines the words are split like a POSIX shell (`shlex`), so
//!    `-r "my reqs.txt"` names `my reqs.txt` and a backslash escapes the next character.
//! 5. The options are read like `optparse` does: `-r FILE`, `-rFILE`, `--requirement FILE`,
//!    `--requirement=FILE` and unique prefixes of long options (`--requirem=FILE`); the same for
//!    `-c` / `--constraint`. As in pip, a line includes at most one file: its first `-r`, or
//!    else its first `-c`. Options pip does not know are skipped here (pip itself rejects
//!    them when it installs), so a newer pip's options do not break resolution.
//!
//! Environment variables (`${NAME}`) are not expanded: the result must not depend on the
//! machine. An include path that uses one is an error in [`next_includes`].
//!
//! # Paths
//!
//! An include is relative to the folder of the file that names it ([`resolve_relative`]), as
//! pip joins it. The join is lexical: `..` segments are resolved on the text, which differs
//! from the file system when a folder on the way is a symbolic link.
//!
//! # Walking the include tree
//!
//! Reading files is the host's job and is asynchronous, so the walk is a state machine that the
//! caller drives: [`IncludeWalk::next_file`] says which file to read next, the caller reads it and
//! hands the text to [`IncludeWalk::feed`]. [`walk`] drives it with a synchronous reader. Files
//! come out depth first, in the order pip reads them, each once (a file included twice is read
//! once); a cycle is a `RequirementsSyntax` error that names it (`a.txt → b.txt → a.txt`), since
//! pip would recurse forever.

use std::collections::{HashMap, HashSet};

use crate::error::{Error, ErrorCode, Quoted, Result};
use crate::limits::MAX_REQUIREMENTS_FILES;

/// Whether an include is a requirements file (`-r`) or a constraints file (`-c`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncludeKind {
    /// `-r FILE` / `--requirement FILE`.
    Requirement,
    /// `-c FILE` / `--constraint FILE`.
    Constraint,
}

/// One `-r` / `-c` line of a requirements file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Include {
    /// `-r` or `-c`.
    pub kind: IncludeKind,
    /// The path as written (after shell-style unquoting), relative to the including file.
    pub path: String,
    /// The 1-based line of the option (`-r`), counting physical lines.
    pub line: usize,
    /// The 1-based column (in characters) of the option.
    pub column: usize,
}

/// pip's line-file options (`build_parser()` of pip 24) and what each is here: `r`, `c` and `e`
/// for `-r`, `-c` and `-e`, `v` for another option that takes a value, `f` for a flag. Unique
/// prefixes of these names are accepted, as optparse does.
const LONG_OPTIONS: [(&str, u8); 18] = [
    ("--index-url", b'v'),
    ("--pypi-url", b'v'),
    ("--extra-index-url", b'v'),
    ("--no-index", b'f'),
    ("--constraint", b'c'),
    ("--requirement", b'r'),
    ("--editable", b'e'),
    ("--find-links", b'v'),
    ("--no-binary", b'v'),
    ("--only-binary", b'v'),
    ("--prefer-binary", b'f'),
    ("--require-hashes", b'f'),
    ("--pre", b'f'),
    ("--trusted-host", b'v'),
    ("--use-feature", b'v'),
    ("--global-option", b'v'),
    ("--hash", b'v'),
    ("--config-settings", b'v'),
];

/// A shell word and the physical position of its first character (0-based line and column).
type Word = (String, usize, usize);

/// Python's `str.isspace` (what `\s` and `str.strip()` use).
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// The line breaks of Python's `str.splitlines`.
fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\x0b' | '\x0c' | '\x1c'..='\x1e' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

fn syntax(line: usize, column: usize, message: String) -> Error {
    Error::new(ErrorCode::RequirementsSyntax, message).at_position(line + 1, column + 1)
}

/// Step 1: physical lines as Python's `str.splitlines` cuts them (`\r\n` is one break), one at
/// a time.
fn physical_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        match current.char_indices().find(|(_, c)| is_line_break(*c)) {
            Some((at, c)) => {
                let mut next = at + c.len_utf8();
                if c == '\r' && current[next..].starts_with('\n') {
                    next += 1;
                }
                rest = Some(&current[next..]);
                Some(&current[..at])
            }
            None => {
                rest = None;
                Some(current).filter(|line| !line.is_empty())
            }
        }
    })
}

/// What a physical line adds to its logical line, as (column, text) pieces, and whether the
/// logical line goes on: a comment line ends it (pip prefixes it with a space "so comments are
/// always matched"); a line ending in `\` continues, without its leading and trailing
/// backslashes (pip strips them all).
fn pieces(line: &str) -> ([(usize, &str); 2], bool) {
    if line.chars().find(|c| !is_py_space(*c)) == Some('#') {
        ([(0, " "), (0, line)], false)
    } else if line.ends_with('\\') {
        let start = line.trim_start_matches('\\');
        (
            [
                (line.len() - start.len(), start.trim_end_matches('\\')),
                (0, ""),
            ],
            true,
        )
    } else {
        ([(0, line), (0, "")], false)
    }
}

/// Physical positions of offsets into a logical line, asked in increasing order: it walks the
/// physical lines again as they were joined, so a logical line holds nothing but its text.
struct Cursor<'t, I> {
    lines: I,
    queued: Vec<(usize, usize, &'t str)>,
    /// The current piece (line, column, text) and the logical offset where it starts.
    piece: (usize, usize, &'t str),
    start: usize,
    /// The offset reached and its column.
    at: usize,
    column: usize,
}

impl<'t, I: Iterator<Item = (usize, &'t str)>> Cursor<'t, I> {
    fn new(lines: I) -> Self {
        Cursor {
            lines,
            queued: Vec::new(),
            piece: (0, 0, ""),
            start: 0,
            at: 0,
            column: 0,
        }
    }

    fn position(&mut self, text: &str, offset: usize) -> (usize, usize) {
        while offset >= self.start + self.piece.2.len() {
            let next = loop {
                if let Some(piece) = self.queued.pop() {
                    break Some(piece);
                }
                let Some((index, line)) = self.lines.next() else {
                    break None;
                };
                let ([first, second], _) = pieces(line);
                self.queued = vec![(index, second.0, second.1), (index, first.0, first.1)];
            };
            let Some(next) = next else { break };
            self.start += self.piece.2.len();
            self.piece = next;
            (self.at, self.column) = (self.start, next.1);
        }
        if offset > self.at {
            self.column += text[self.at..offset].chars().count();
            self.at = offset;
        }
        (self.piece.0, self.column)
    }
}

/// The `-r` / `-c` includes of a requirements file, in file order, paths as written. Errors are
/// `RequirementsSyntax` with line and column: an include without a file name (`-r` at the end of
/// a line, `-r ""`), an unterminated quote or a trailing escape on an option line. The caller adds
/// the file name (`.in_file(path)`).
pub fn includes(text: &str) -> Result<Vec<Include>> {
    let mut out = Vec::new();
    for_each_include(text, |include| {
        out.push(include);
        Ok(())
    })?;
    Ok(out)
}

/// Calls `found` with each include of `text` in file order, holding one logical line and one
/// shell word at a time (so memory stays a small multiple of the longest line).
fn for_each_include(text: &str, mut found: impl FnMut(Include) -> Result<()>) -> Result<()> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = physical_lines(text).enumerate().peekable();
    let mut logical = String::new();
    while let Some(&(first, first_line)) = lines.peek() {
        // Step 2: a line ending in `\` continues on the next; a comment line ends it.
        logical.clear();
        for (_, line) in lines.by_ref() {
            let (pieces, continued) = pieces(line);
            pieces.iter().for_each(|(_, piece)| logical.push_str(piece));
            if !continued {
                break;
            }
        }
        // Step 3: the comment goes (`#` at the start or after whitespace), then outer whitespace.
        let mut end = logical.len();
        let mut after_space = true;
        for (at, c) in logical.char_indices() {
            if c == '#' && after_space {
                end = at;
                break;
            }
            after_space = is_py_space(c);
        }
        let body = logical[..end].trim_end_matches(is_py_space);
        let start = body.len() - body.trim_start_matches(is_py_space).len();
        // Step 4: only a line whose first word starts with `-` is an option line.
        if !body[start..].starts_with('-') {
            continue;
        }
        let from = first_line.as_ptr() as usize - text.as_ptr() as usize;
        let mut words = Words {
            text: &logical,
            at: start,
            end: body.len(),
            cursor: Cursor::new(
                physical_lines(&text[from..])
                    .zip(first..)
                    .map(|(line, index)| (index, line)),
            ),
        };
        let include = read_options(&mut words)?;
        // pip splits the whole line before it reads options: a bad quote after them still fails.
        while words.next_word()?.is_some() {}
        if let Some(include) = include {
            found(include)?;
        }
    }
    Ok(())
}

/// `shlex.split` in POSIX mode without comments, over `logical.text[at..end]`, one word at a
/// time.
struct Words<'a, I> {
    text: &'a str,
    at: usize,
    end: usize,
    cursor: Cursor<'a, I>,
}

impl<'a, I: Iterator<Item = (usize, &'a str)>> Words<'a, I> {
    fn peek(&self) -> Option<char> {
        self.text[self.at..self.end].chars().next()
    }

    fn error(&mut self, offset: usize, message: &str) -> Error {
        let (line, column) = self.cursor.position(self.text, offset);
        syntax(line, column, message.into())
    }

    fn next_word(&mut self) -> Result<Option<Word>> {
        let mut word: Option<Word> = None;
        while let Some(c) = self.peek() {
            let here = self.at;
            self.at += c.len_utf8();
            if matches!(c, ' ' | '\t' | '\r' | '\n') {
                if word.is_some() {
                    break;
                }
                continue;
            }
            let current = match &mut word {
                Some((text, ..)) => text,
                None => {
                    let (line, column) = self.cursor.position(self.text, here);
                    &mut word.insert((String::new(), line, column)).0
                }
            };
            match c {
                '\'' | '"' => loop {
                    let Some(q) = self.peek() else {
                        return Err(
                            self.error(here, "this quote is never closed: add the closing quote")
                        );
                    };
                    self.at += q.len_utf8();
                    if q == c {
                        break;
                    }
                    // Inside double quotes, a backslash escapes only `"` and `\`.
                    match self.peek() {
                        Some(e @ ('"' | '\\')) if q == '\\' && c == '"' => {
                            current.push(e);
                            self.at += 1;
                        }
                        _ => current.push(q),
                    }
                },
                '\\' => {
                    let Some(e) = self.peek() else {
                        return Err(self.error(here, "this backslash escapes nothing: remove it"));
                    };
                    self.at += e.len_utf8();
                    current.push(e);
                }
                _ => current.push(c),
            }
        }
        Ok(word)
    }
}

/// Step 5, what optparse makes of the words: pip follows the first `-r`, or else the first
/// `-c`, of a line without `-e`.
fn read_options<'a, I: Iterator<Item = (usize, &'a str)>>(
    words: &mut Words<'a, I>,
) -> Result<Option<Include>> {
    let mut requirement: Option<Include> = None;
    let mut constraint: Option<Include> = None;
    while let Some((word, line, column)) = words.next_word()? {
        // The option (as its first letter after the dashes) and a value given inline.
        let (option, inline) = if word == "--" {
            break;
        } else if word.starts_with("--") {
            let (given, value) = match word.split_once('=') {
                Some((given, value)) => (given, Some(value)),
                None => (word.as_str(), None),
            };
            let mut matching = LONG_OPTIONS
                .iter()
                .filter(|(name, _)| name.starts_with(given));
            let found = match LONG_OPTIONS.iter().find(|(name, _)| *name == given) {
                Some(exact) => Some(exact),
                None => matching.next().filter(|_| matching.next().is_none()),
            };
            match found {
                // Only options that take a value matter (for -r, -c, -e, or to skip the value);
                // flags and options pip does not know are skipped.
                Some(&(_, code)) if code != b'f' => (code, value),
                _ => continue,
            }
        } else if word.len() > 1 && word.starts_with('-') {
            // A cluster of short options: the first that takes a value takes the rest.
            match word
                .char_indices()
                .skip(1)
                .find(|(_, c)| "icrefC".contains(*c))
            {
                Some((i, c)) => (
                    c as u8,
                    Some(&word[i + 1..]).filter(|rest| !rest.is_empty()),
                ),
                None => continue,
            }
        } else {
            continue; // a positional word: pip ignores it
        };
        let value = match inline {
            Some(value) => value.to_string(),
            None => match words.next_word()? {
                Some((value, ..)) => value,
                None if matches!(option, b'r' | b'c') => {
                    let flag = if option == b'r' { "-r" } else { "-c" };
                    return Err(syntax(
                        line,
                        column,
                        format!(
                            "this {flag} has no file name: write `{flag} FILE`, relative to this file"
                        ),
                    ));
                }
                None => continue,
            },
        };
        let slot = match option {
            b'r' => &mut requirement,
            b'c' => &mut constraint,
            b'e' => return Ok(None), // an editable requirement; pip ignores its -r / -c
            _ => continue,
        };
        if slot.is_none() {
            let kind = if option == b'r' {
                IncludeKind::Requirement
            } else {
                IncludeKind::Constraint
            };
            *slot = Some(Include {
                kind,
                path: value,
                line: line + 1,
                column: column + 1,
            });
        }
    }
    let found = requirement.or(constraint);
    if let Some(include) = &found {
        if include.path.is_empty() {
            return Err(syntax(
                include.line - 1,
                include.column - 1,
                "an empty file name: write `-r FILE` or `-c FILE`, relative to this file".into(),
            ));
        }
    }
    Ok(found)
}

/// Normalizes a `/`-separated path lexically: `.` and empty segments drop, `..` pops a segment
/// (at the start of a relative path it is kept; at the root of an absolute one it drops).
pub fn normalize(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." if parts.last().is_some_and(|last| *last != "..") => {
                parts.pop();
            }
            ".." if absolute => {}
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    if absolute {
        "/".to_string() + &joined
    } else if joined.is_empty() {
        ".".to_string()
    } else {
        joined
    }
}

/// Where `include` (as written in `including_file`) points: joined to the including file's
/// folder as pip's `os.path.join(os.path.dirname(file), include)` does, then normalized
/// lexically ([`normalize`]). An absolute include stays absolute. `..` is allowed and may lead
/// above the including file's folder (`../common.txt`); being lexical, it does not follow
/// symbolic links the way the file system would.
pub fn resolve_relative(including_file: &str, include: &str) -> String {
    let folder = match including_file.rfind('/') {
        Some(slash) if !include.starts_with('/') => &including_file[..slash + 1],
        _ => "",
    };
    normalize(&(folder.to_string() + include))
}

/// A resolved include: the file it names (normalized) and where it is named.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Next {
    path: String,
    line: usize,
    column: usize,
}

/// The local includes of the requirements file `path` (whose text is `text`), as written, each
/// written path once, in file order; checked as [`next_includes`] says. More than
/// [`MAX_REQUIREMENTS_FILES`] of them is an error (the walk could not read them all).
fn written_includes(path: &str, text: &str) -> Result<Vec<Next>> {
    let mut out: Vec<Next> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for_each_include(text, |include| {
        let written = include.path.as_str();
        let scheme = written.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
        // pip's `ENV_VAR_RE`: `${NAME}` with NAME of A-Z, 0-9 and `_`.
        let variable = written.split("${").skip(1).find_map(|tail| {
            let name = &tail[..tail.find('}')?];
            let valid = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
            valid.then_some(name)
        });
        let problem = match scheme.as_deref() {
            // pip downloads it when it installs; there is no local file to add.
            Some("http" | "https") => return Ok(()),
            Some("file") => "is a file: URL",
            _ if written.starts_with('/') => "is an absolute path",
            _ if variable.is_some() => "uses an environment variable, which is not expanded (the image must not depend on the machine)",
            _ => "",
        };
        if !problem.is_empty() {
            return Err(syntax(
                include.line - 1,
                include.column - 1,
                format!("{} {problem}: pip would not read it from this project; write a path relative to this file", Quoted(written)),
            ));
        }
        if seen.insert(include.path.clone()) {
            if out.len() == MAX_REQUIREMENTS_FILES {
                return Err(syntax(
                    include.line - 1,
                    include.column - 1,
                    format!("this file includes more than {MAX_REQUIREMENTS_FILES} files; include fewer files"),
                ));
            }
            out.push(Next {
                path: include.path,
                line: include.line,
                column: include.column,
            });
        }
        Ok(())
    })
    .map_err(|e| e.in_file(path))?;
    Ok(out)
}

/// The files `written` includes name when the including file is `path`: resolved against its
/// folder ([`resolve_relative`]), each once, in order.
fn resolved_includes(path: &str, written: &[Next]) -> Vec<Next> {
    let mut seen: HashSet<String> = HashSet::new();
    written
        .iter()
        .map(|next| Next {
            path: resolve_relative(path, &next.path),
            ..next.clone()
        })
        .filter(|next| seen.insert(next.path.clone()))
        .collect()
}

fn next_files(path: &str, text: &str) -> Result<Vec<Next>> {
    Ok(resolved_includes(path, &written_includes(path, text)?))
}

/// One step of the walk, pure: the local files that the requirements file `path` (whose text is
/// `text`) includes, resolved against its folder ([`resolve_relative`]) and normalized, each once,
/// in file order. Includes by `http(s)://` URL are skipped (pip downloads them itself when it
/// installs). Errors (`RequirementsSyntax`, with `path` as the file, line and column): those of
/// [`includes`], an absolute or `file:` include (pip would read it from inside the image, not
/// from the project), and a `${VAR}` in an include path (not expanded).
pub fn next_includes(path: &str, text: &str) -> Result<Vec<String>> {
    Ok(next_files(path, text)?
        .into_iter()
        .map(|next| next.path)
        .collect())
}

/// A depth-first walk over a requirements file and everything it includes, driven by the
/// caller so that reading can be asynchronous:
///
/// ```
/// use apothic_image::formats::requirements::IncludeWalk;
/// let files = [("reqs/main.txt", "-r base.txt\nflask\n"), ("reqs/base.txt", "-c ../pins.txt\n"), ("pins.txt", "")];
/// let mut walk = IncludeWalk::new("reqs/main.txt");
/// while let Some(path) = walk.next_file()? {
///     let text = files.iter().find(|f| f.0 == path).unwrap().1; // the host reads it
///     walk.feed(text)?;
/// }
/// assert_eq!(walk.into_files(), ["reqs/main.txt", "reqs/base.txt", "pins.txt"]);
/// # Ok::<(), apothic_image::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct IncludeWalk {
    /// The files read so far, in the order they were reached.
    files: Vec<String>,
    /// The chain from the root to the file being expanded, each with its identity (see
    /// [`identify`](Self::identify)) and the includes it still has to visit (last first).
    stack: Vec<(String, String, Vec<Next>)>,
    /// The includes of each file read, as written, by identity: a file reached again through
    /// another path is not read again.
    read: HashMap<String, Vec<Next>>,
    /// The file `next_file` handed out, waiting for its text.
    pending: Option<String>,
    /// The identity [`identify`](Self::identify) gave the pending file.
    pending_identity: Option<String>,
    /// Where the pending file is included: the including file, line and column (`None` for
    /// the root).
    included_at: Option<(String, usize, usize)>,
}

impl IncludeWalk {
    /// A walk that starts at `root` (normalized lexically).
    pub fn new(root: &str) -> IncludeWalk {
        IncludeWalk {
            files: Vec::new(),
            stack: Vec::new(),
            read: HashMap::new(),
            pending: Some(normalize(root)),
            pending_identity: None,
            included_at: None,
        }
    }

    /// The next file to read and [`feed`](Self::feed), or `None` when the walk is complete.
    /// Asking again before feeding returns the same file. Fails with `RequirementsSyntax` on an
    /// include cycle, naming it (`a.txt → b.txt → a.txt`) at the include that closes it.
    pub fn next_file(&mut self) -> Result<Option<String>> {
        while self.pending.is_none() {
            let Some((including, _, children)) = self.stack.last_mut() else {
                return Ok(None);
            };
            let Some(next) = children.pop() else {
                self.stack.pop();
                continue;
            };
            let including = including.clone();
            if let Some(start) = self.stack.iter().position(|(p, ..)| *p == next.path) {
                let mut chain: Vec<&str> = self.stack[start..]
                    .iter()
                    .map(|(p, ..)| p.as_str())
                    .collect();
                chain.push(&next.path);
                return Err(syntax(
                    next.line - 1,
                    next.column - 1,
                    format!("requirements files include each other in a cycle ({}), which pip would follow forever: remove one of these includes", chain.join(" → ")),
                )
                .in_file(including));
            }
            if !self.files.contains(&next.path) {
                if self.files.len() >= crate::limits::MAX_REQUIREMENTS_FILES {
                    return Err(syntax(
                        next.line - 1,
                        next.column - 1,
                        format!(
                            "requirements files include more than {} files (are includes growing without end, like `-r x/req.txt` inside x/req.txt?); include fewer files",
                            crate::limits::MAX_REQUIREMENTS_FILES
                        ),
                    )
                    .in_file(including));
                }
                self.included_at = Some((including, next.line, next.column));
                self.pending = Some(next.path);
            }
        }
        Ok(self.pending.clone())
    }

    /// Gives the text of the file the last [`next_file`](Self::next_file) returned. Fails with
    /// the errors of [`next_includes`] (the file stays pending), or `InvalidArgument` when no
    /// file is waiting.
    pub fn feed(&mut self, text: &str) -> Result<()> {
        let path = self.pending_path()?;
        let written = written_includes(&path, text)?;
        self.expand(path, written.clone());
        let identity = self.stack.last().map(|(_, id, _)| id.clone());
        self.read.extend(identity.map(|id| (id, written)));
        Ok(())
    }

    /// Says which file the pending one really is (its path after following symlinks, as the
    /// host gives it), before it is read: two paths of one file are one file. Fails with
    /// `RequirementsSyntax` when that file is one of those including it (a cycle through a
    /// symlink, which pip would follow forever). Returns true when that file was read already:
    /// then call [`feed_again`](Self::feed_again) instead of reading it.
    pub fn identify(&mut self, identity: &str) -> Result<bool> {
        let path = self.pending_path()?;
        if let Some(start) = self.stack.iter().position(|(_, id, _)| id == identity) {
            let mut chain: Vec<&str> = self.stack[start..]
                .iter()
                .map(|(p, ..)| p.as_str())
                .collect();
            chain.push(&path);
            let message = format!("requirements files include each other in a cycle ({}; {} is {} through a symlink), which pip would follow forever: remove one of these includes", chain.join(" → "), Quoted(&path), Quoted(chain[0]));
            return Err(match &self.included_at {
                Some((including, line, column)) => {
                    syntax(line - 1, column - 1, message).in_file(including.clone())
                }
                None => Error::new(ErrorCode::RequirementsSyntax, message),
            });
        }
        self.pending_identity = Some(identity.to_string());
        Ok(self.read.contains_key(identity))
    }

    /// Feeds the pending file with what was read of the same file through another path (see
    /// [`identify`](Self::identify)); `InvalidArgument` when it was not read.
    pub fn feed_again(&mut self) -> Result<()> {
        let path = self.pending_path()?;
        let known = self
            .pending_identity
            .as_ref()
            .and_then(|id| self.read.get(id));
        let Some(written) = known.cloned() else {
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                "IncludeWalk::feed_again called for a file not read yet: read it and call feed",
            ));
        };
        self.expand(path, written);
        Ok(())
    }

    /// The pending file, or `InvalidArgument` when none is waiting.
    fn pending_path(&self) -> Result<String> {
        self.pending.clone().ok_or_else(|| {
            Error::new(
                ErrorCode::InvalidArgument,
                "IncludeWalk::feed called with no file pending: call next_file first",
            )
        })
    }

    /// Marks the pending file `path` read, with its includes as written.
    fn expand(&mut self, path: String, written: Vec<Next>) {
        let mut children = resolved_includes(&path, &written);
        children.reverse();
        let identity = self.pending_identity.take().unwrap_or_else(|| path.clone());
        self.pending = None;
        self.files.push(path.clone());
        self.stack.push((path, identity, children));
    }

    /// Where the file [`next_file`](Self::next_file) returned is included: the including
    /// file, and the 1-based line and column of its `-r`/`-c`; `None` for the root. For
    /// errors about reading it.
    pub fn included_at(&self) -> Option<(&str, usize, usize)> {
        self.included_at
            .as_ref()
            .map(|(file, line, column)| (file.as_str(), *line, *column))
    }

    /// The files read so far, in walk order (the root first).
    pub fn files(&self) -> &[String] {
        &self.files
    }

    /// The files read, in walk order (the root first).
    pub fn into_files(self) -> Vec<String> {
        self.files
    }
}

/// Walks `root` and every file it includes with a synchronous reader; returns every file once,
/// depth first in the order pip reads them (the root first). Errors are those of
/// [`IncludeWalk`] and whatever `read` returns.
pub fn walk(root: &str, mut read: impl FnMut(&str) -> Result<String>) -> Result<Vec<String>> {
    let mut walk = IncludeWalk::new(root);
    while let Some(path) = walk.next_file()? {
        let text = read(&path)?;
        walk.feed(&text)?;
    }
    Ok(walk.into_files())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(IncludeKind, String, usize, usize)> {
        includes(text)
            .unwrap_or_else(|e| panic!("{text:?}: {e}"))
            .into_iter()
            .map(|i| (i.kind, i.path, i.line, i.column))
            .collect()
    }

    fn r(path: &str, line: usize, column: usize) -> (IncludeKind, String, usize, usize) {
        (IncludeKind::Requirement, path.to_string(), line, column)
    }

    fn c(path: &str, line: usize, column: usize) -> (IncludeKind, String, usize, usize) {
        (IncludeKind::Constraint, path.to_string(), line, column)
    }

    fn pos(text: &str) -> (usize, usize) {
        let (line, column, _) = err(text);
        (line, column)
    }

    fn err(text: &str) -> (usize, usize, String) {
        let e = includes(text).expect_err(text);
        assert_eq!(e.code, ErrorCode::RequirementsSyntax, "{e}");
        let p = e.position.expect("position");
        (p.line, p.column, e.message)
    }

    #[test]
    fn every_spelling_of_an_include() {
        let text = "-r a.txt\n--requirement b.txt\n--requirement=c.txt\n-rd.txt\n-c e.txt\n--constraint f.txt\n--constraint=g.txt\n-ch.txt\n--requirem=i.txt\n--cons j.txt\n";
        assert_eq!(
            found(text),
            vec![
                r("a.txt", 1, 1),
                r("b.txt", 2, 1),
                r("c.txt", 3, 1),
                r("d.txt", 4, 1),
                c("e.txt", 5, 1),
                c("f.txt", 6, 1),
                c("g.txt", 7, 1),
                c("h.txt", 8, 1),
                r("i.txt", 9, 1),
                c("j.txt", 10, 1),
            ]
        );
    }

    #[test]
    fn ambiguous_and_unknown_options_are_skipped() {
        // `--req` could be --requirement or --require-hashes; `--con` --constraint or
        // --config-settings (pip rejects both; we do not guess).
        assert_eq!(found("--req a.txt\n--con b.txt\n--frobnicate\n"), vec![]);
    }

    #[test]
    fn comments_and_blank_lines() {
        let text = "# -r no.txt\n  # -r no.txt\n\n-r yes.txt # trailing comment\n-r x#y.txt\n";
        assert_eq!(found(text), vec![r("yes.txt", 4, 1), r("x#y.txt", 5, 1)]);
    }

    #[test]
    fn quotes_and_escapes_like_shlex() {
        assert_eq!(
            found("-r \"my reqs.txt\"\n-r 'it''s.txt'\n-r a\\ b.txt\n-r \"q\\\"x\\y.txt\""),
            vec![
                r("my reqs.txt", 1, 1),
                r("its.txt", 2, 1),
                r("a b.txt", 3, 1),
                r("q\"x\\y.txt", 4, 1),
            ]
        );
    }

    #[test]
    fn continuation_lines() {
        // A trailing backslash joins lines; the include is reported where `-r` stands.
        let text = "flask \\\n  >=2\n-r \\\n   base.txt\n--index-url https://x \\\n  -c pins.txt\n";
        assert_eq!(found(text), vec![r("base.txt", 3, 1), c("pins.txt", 6, 3)]);
        // A comment line ends a continuation.
        assert_eq!(err("-r \\\n# comment\n").0, 1);
    }

    #[test]
    fn requirement_and_editable_lines_include_nothing() {
        let text = "requests==2.31 --hash=sha256:abc -r no.txt\n-e ./pkg -r no.txt\n-e git+https://x/y#egg=y\n./local/pkg\n";
        assert_eq!(found(text), vec![]);
    }

    #[test]
    fn one_include_per_line_requirement_first() {
        assert_eq!(
            found("-c pins.txt -r a.txt -r b.txt\n-c x.txt -c y.txt"),
            vec![r("a.txt", 1, 13), c("x.txt", 2, 1)]
        );
    }

    #[test]
    fn option_values_are_not_includes() {
        assert_eq!(
            found("--index-url -r\n-i -r\n--extra-index-url=-r\n-ir\n-- -r a.txt\n"),
            vec![]
        );
    }

    #[test]
    fn line_breaks_crlf_bom_and_unicode() {
        let text = "\u{feff}-r a.txt\r\n-r b.txt\r-r c.txt\u{2028}  -r é/ü.txt\n";
        assert_eq!(
            found(text),
            vec![
                r("a.txt", 1, 1),
                r("b.txt", 2, 1),
                r("c.txt", 3, 1),
                r("é/ü.txt", 4, 3)
            ]
        );
        assert_eq!(pos("x\n  -r 'é"), (2, 6));
    }

    #[test]
    fn realistic_file() {
        let text = "\
# Production requirements
--index-url https://pypi.org/simple
--extra-index-url https://download.pytorch.org/whl/cpu
--trusted-host download.pytorch.org
-r common/base.txt
-c constraints.txt

numpy==1.26.4 \\
    --hash=sha256:0f3c1a2b4d5e6f708192a3b4c5d6e7f80918273645a5b6c7d8e9f0a1b2c3d4e5 \\
    --hash=sha256:1a2b3c4d5e6f708192a3b4c5d6e7f80918273645a5b6c7d8e9f0a1b2c3d4e5f6
requests[socks]>=2.31,<3 ; python_version >= \"3.8\"  # http
torch==2.3.0+cpu
git+https://github.com/org/repo.git@v1.2#egg=repo
--requirement=../libs/dev.txt    # dev tools
";
        assert_eq!(
            found(text),
            vec![
                r("common/base.txt", 5, 1),
                c("constraints.txt", 6, 1),
                r("../libs/dev.txt", 14, 1)
            ]
        );
    }

    #[test]
    fn error_missing_file_name() {
        let (line, column, message) = err("flask\n  -r\n");
        assert_eq!((line, column), (2, 3));
        assert!(message.contains("write `-r FILE`"), "{message}");
        let (line, column, message) = err("--index-url x --constraint");
        assert_eq!((line, column), (1, 15));
        assert!(message.contains("write `-c FILE`"), "{message}");
        assert_eq!(err("-r # just a comment").1, 1);
    }

    #[test]
    fn error_empty_file_name() {
        let (line, column, message) = err("\n\n  --requirement=");
        assert_eq!((line, column), (3, 3));
        assert!(message.contains("empty file name"), "{message}");
        assert_eq!(err("-c ''").1, 1);
        assert_eq!(err("--pre -r\"\"").1, 7);
    }

    #[test]
    fn error_unterminated_quote_or_escape() {
        let (line, column, message) = err("-r 'a.txt");
        assert_eq!((line, column), (1, 4));
        assert!(message.contains("closing quote"), "{message}");
        // A trailing backslash joins lines; one left before a comment escapes nothing.
        let (line, column, message) = err("ok\n-r a.txt \\ # c");
        assert_eq!((line, column), (2, 10));
        assert!(message.contains("backslash"), "{message}");
    }

    #[test]
    fn resolve_relative_joins_to_the_including_folder() {
        assert_eq!(resolve_relative("requirements.txt", "base.txt"), "base.txt");
        assert_eq!(
            resolve_relative("reqs/prod.txt", "base.txt"),
            "reqs/base.txt"
        );
        assert_eq!(
            resolve_relative("reqs/prod.txt", "./sub/../x.txt"),
            "reqs/x.txt"
        );
        assert_eq!(resolve_relative("reqs/prod.txt", "../x.txt"), "x.txt");
        assert_eq!(resolve_relative("prod.txt", "../x.txt"), "../x.txt");
        assert_eq!(
            resolve_relative("../a/prod.txt", "../../x.txt"),
            "../../x.txt"
        );
        assert_eq!(resolve_relative("/p/reqs/prod.txt", "../x.txt"), "/p/x.txt");
        assert_eq!(resolve_relative("/prod.txt", "../../x.txt"), "/x.txt");
        assert_eq!(
            resolve_relative("reqs/prod.txt", "/abs/x.txt"),
            "/abs/x.txt"
        );
        assert_eq!(normalize("./a//b/."), "a/b");
        assert_eq!(normalize("a/.."), ".");
    }

    #[test]
    fn next_includes_resolves_dedups_and_skips_urls() {
        let text = "-r base.txt\n-c ./base.txt\n-r https://example.com/r.txt\n-r HTTP://x/y\n-r ../top.txt\n-r $HOME.txt\n";
        assert_eq!(
            next_includes("reqs/main.txt", text).unwrap(),
            ["reqs/base.txt", "top.txt", "reqs/$HOME.txt"]
        );
    }

    #[test]
    fn next_includes_rejects_what_pip_would_read_inside_the_image() {
        for (text, what, column) in [
            ("\n -r /etc/reqs.txt", "absolute path", 2),
            ("\n -c file:///etc/reqs.txt", "file: URL", 2),
            ("\n -r ${REQS_DIR}/a.txt", "${REQS_DIR}", 2),
        ] {
            let e = next_includes("a/main.txt", text).expect_err(text);
            assert_eq!(e.code, ErrorCode::RequirementsSyntax);
            assert_eq!(e.file.as_deref(), Some("a/main.txt"));
            assert_eq!(e.position.map(|p| (p.line, p.column)), Some((2, column)));
            assert!(e.message.contains(what), "{}", e.message);
        }
        // Syntax errors carry the file too.
        let e = next_includes("a/main.txt", "-r").unwrap_err();
        assert_eq!(e.file.as_deref(), Some("a/main.txt"));
    }

    fn reader<'a>(files: &'a [(&'a str, &'a str)]) -> impl FnMut(&str) -> Result<String> + 'a {
        move |path: &str| {
            files
                .iter()
                .find(|f| f.0 == path)
                .map(|f| f.1.to_string())
                .ok_or_else(|| Error::new(ErrorCode::InvalidPath, format!("no file {path}")))
        }
    }

    #[test]
    fn walk_is_depth_first_and_reads_each_file_once() {
        let files = [
            (
                "app/requirements.txt",
                "-r base.txt\n-r dev.txt\nflask\n-c ../pins.txt\n",
            ),
            ("app/base.txt", "-r common/a.txt\n"),
            ("app/common/a.txt", "-c ../../pins.txt\n"),
            ("app/dev.txt", "-r base.txt\n-r common/a.txt\npytest\n"),
            ("pins.txt", "flask==3.0\n"),
        ];
        assert_eq!(
            walk("./app/requirements.txt", reader(&files)).unwrap(),
            [
                "app/requirements.txt",
                "app/base.txt",
                "app/common/a.txt",
                "pins.txt",
                "app/dev.txt"
            ]
        );
    }

    #[test]
    fn walk_reports_cycles() {
        let files = [
            ("a.txt", "-r b.txt\n"),
            ("b.txt", "flask\n-r sub/../c.txt\n"),
            ("c.txt", "\n\n  -c a.txt\n"),
        ];
        let e = walk("a.txt", reader(&files)).unwrap_err();
        assert_eq!(e.code, ErrorCode::RequirementsSyntax);
        assert!(
            e.message.contains("(a.txt → b.txt → c.txt → a.txt)"),
            "{}",
            e.message
        );
        assert_eq!(e.file.as_deref(), Some("c.txt"));
        assert_eq!(e.position.map(|p| (p.line, p.column)), Some((3, 3)));

        let e = walk("self.txt", reader(&[("self.txt", "-r ./self.txt")])).unwrap_err();
        assert!(e.message.contains("(self.txt → self.txt)"), "{}", e.message);
    }

    #[test]
    fn walk_passes_reader_errors_through() {
        let e = walk("a.txt", reader(&[("a.txt", "-r missing.txt")])).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidPath);
        assert_eq!(e.message, "no file missing.txt");
    }

    #[test]
    fn include_walk_protocol() {
        let mut walk = IncludeWalk::new("r.txt");
        assert!(walk.clone().feed("").is_ok());
        assert_eq!(walk.next_file().unwrap().as_deref(), Some("r.txt"));
        // Asking twice gives the same file.
        assert_eq!(walk.next_file().unwrap().as_deref(), Some("r.txt"));
        // A failed feed keeps the file pending, so the walk can go on after a fix.
        assert!(walk.feed("-r").is_err());
        assert_eq!(walk.next_file().unwrap().as_deref(), Some("r.txt"));
        walk.feed("").unwrap();
        assert_eq!(walk.next_file().unwrap(), None);
        assert_eq!(walk.files(), ["r.txt"]);
        let e = walk.feed("").unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidArgument);
    }

    #[test]
    fn long_chains_do_not_recurse() {
        // As long a chain as the limit allows (crate::limits::MAX_REQUIREMENTS_FILES).
        let names: Vec<String> = (0..crate::limits::MAX_REQUIREMENTS_FILES)
            .map(|i| format!("f{i}.txt"))
            .collect();
        let mut walk = IncludeWalk::new("f0.txt");
        let mut count = 0;
        while let Some(path) = walk.next_file().unwrap() {
            let i: usize = path[1..path.len() - 4].parse().unwrap();
            let text = names
                .get(i + 1)
                .map(|n| format!("-r {n}"))
                .unwrap_or_default();
            walk.feed(&text).unwrap();
            count += 1;
        }
        assert_eq!(count, crate::limits::MAX_REQUIREMENTS_FILES);
    }

    #[test]
    fn chains_past_the_limit_are_refused() {
        let mut walk = IncludeWalk::new("r.txt");
        let mut count = 0;
        let error = loop {
            match walk.next_file() {
                Ok(Some(_)) => {
                    walk.feed("-r x/r.txt\n").unwrap();
                    count += 1;
                }
                Ok(None) => panic!("an endless chain ended"),
                Err(e) => break e,
            }
        };
        assert_eq!(count, crate::limits::MAX_REQUIREMENTS_FILES);
        assert_eq!(error.code, ErrorCode::RequirementsSyntax);
        assert!(error.message.contains("more than"), "{error}");
    }
}
