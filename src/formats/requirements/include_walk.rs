//! The walk over a requirements file and every file it includes, depth first as pip reads them
//! (see the [module documentation](super)).

use std::collections::{HashMap, HashSet};

use super::reader::for_each_include;
use super::syntax;
use crate::error::{Error, ErrorCode, Quoted, Result};
use crate::formats::paths;
use crate::limits::MAX_REQUIREMENTS_FILES;

/// Where `include` (as written in `including_file`) points: joined to the including file's
/// folder as pip's `os.path.join(os.path.dirname(file), include)` does, then normalized
/// lexically ([`paths::clean`]). An absolute include stays absolute. `..` is allowed and may lead
/// above the including file's folder (`../common.txt`); being lexical, it does not follow
/// symbolic links the way the file system would.
pub fn resolve_relative(including_file: &str, include: &str) -> String {
    let folder = match including_file.rfind('/') {
        Some(slash) if !include.starts_with('/') => &including_file[..slash + 1],
        _ => "",
    };
    paths::clean(&(folder.to_string() + include))
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
/// [`includes`](super::includes), an absolute or `file:` include (pip would read it from inside the image, not
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
            pending: Some(paths::clean(root)),
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
