//! What pip installs from, beyond a `pipInstall` list (`pins` checks those): the lines of the
//! requirements files `*FromRequirements` copies into the image and the dependencies of the
//! `pyproject.toml` `*FromPyproject` installs (both read by resolution), and the index options
//! of every install step (in the spec).
//!
//! - AL103 `secret-in-requirements`: a credential (`user:password@` in a URL, a token by its
//!   shape) in an index URL or a requirement. A requirements file is copied into a layer; a
//!   pyproject dependency and the options are written into the `RUN` line, kept in the image's
//!   history.
//! - AL201 `unpinned-pip-package`: a requirement without `==`, `===`, `~=` or `--hash`, unless
//!   another line of the step's files pins the same name (a constraints file); the lines of a
//!   constraints file (`-c`) install nothing and are not reported.
//! - AL205 `unpinned-vcs-requirement`: a VCS requirement (`-e` included) not on a full commit.
//!
//! One finding per step and rule, naming the first few requirements and their lines. The work
//! is a pass over the lines resolution read (bounded by its byte budget).

use std::collections::HashSet;

use crate::formats::requirements::{includes, resolve_relative, IncludeKind};
use crate::lint::pins::{pip_pinned, vcs_message, vcs_unpinned};
use crate::lint::rules::{SECRET_IN_REQUIREMENTS, UNPINNED_PIP_PACKAGE, UNPINNED_VCS_REQUIREMENT};
use crate::lint::secrets::secret_value;
use crate::lint::{items_list, Draft, InstallFile, RequirementLines, Resolved, SHOWN};
use crate::spec::{ImageSpec, PipOptions, Step};

/// A requirements file's logical lines, as pip reads them (its `req_file.py`, roughly): a line
/// ending in `\` joined with the next (a comment line ends the join), comments (`#` at the start
/// or after whitespace) removed, blank lines skipped; each with the 1-based line it starts on.
pub(crate) fn requirement_lines(text: &str) -> RequirementLines {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let mut joined = String::new();
    let mut start = 0;
    let mut flush = |joined: &mut String, start: usize| {
        let mut end = joined.len();
        let mut after_space = true;
        for (at, c) in joined.char_indices() {
            if c == '#' && after_space {
                end = at;
                break;
            }
            after_space = c.is_whitespace();
        }
        let line = joined[..end].trim();
        if !line.is_empty() {
            out.push((Some(start), line.to_string()));
        }
        joined.clear();
    };
    for (index, line) in text.lines().enumerate() {
        if joined.is_empty() {
            start = index + 1;
        }
        if line.trim_start().starts_with('#') {
            flush(&mut joined, start);
            continue;
        }
        match line.strip_suffix('\\') {
            Some(rest) => joined.push_str(rest.trim_start_matches('\\').trim_end_matches('\\')),
            None => {
                joined.push_str(line);
                flush(&mut joined, start);
            }
        }
    }
    flush(&mut joined, start);
    out
}

/// AL103 on the spec's index options and packages; AL103, AL201 and AL205 on what install steps
/// read.
pub(super) fn check(spec: &ImageSpec, resolved: Option<&Resolved>, out: &mut Vec<Draft>) {
    let files = resolved.map_or(&[][..], |r| r.install_files.as_slice());
    let mut groups = files.chunk_by(|a, b| a.0 == b.0).peekable();
    for (index, step) in spec.steps.iter().enumerate() {
        let (options, packages) = match step {
            Step::PipInstall { packages, options }
            | Step::UvPipInstall {
                packages, options, ..
            } => (options, &packages[..]),
            Step::PipInstallFromRequirements { options, .. }
            | Step::UvPipInstallFromRequirements { options, .. }
            | Step::PipInstallFromPyproject { options, .. }
            | Step::UvPipInstallFromPyproject { options, .. } => (options, &[][..]),
            _ => continue,
        };
        let mut secrets = Listed::default();
        for found in option_secrets(options) {
            secrets.add(|| found);
        }
        for package in packages {
            if let Some(what) = secret_value(package) {
                secrets.add(|| format!("a package holds {what}"));
            }
        }
        let copied = matches!(
            step,
            Step::PipInstallFromRequirements { .. } | Step::UvPipInstallFromRequirements { .. }
        );
        let read = groups.next_if(|group| group[0].0 == index).unwrap_or(&[]);
        let (vcs, loose) = read_files(read, &mut secrets);
        if secrets.total > 0 {
            let kept = if copied {
                "a requirements file is copied into an image layer and options are written into the `RUN` line, where anyone who can pull the image reads them"
            } else {
                "written into the `RUN` line, it is kept in the image's history for anyone who can pull the image"
            };
            out.push(Draft::new(
                &SECRET_IN_REQUIREMENTS,
                Some(index),
                format!("{}: {kept}; {ADVICE}", secrets.list()),
            ));
        }
        let verb = |n: usize| if n == 1 { "is" } else { "are" };
        if vcs.total > 0 {
            let what = format!("{} {}", vcs.list(), verb(vcs.total));
            out.push(Draft::new(
                &UNPINNED_VCS_REQUIREMENT,
                Some(index),
                vcs_message(&what),
            ));
        }
        if loose.total > 0 {
            out.push(Draft::new(
                &UNPINNED_PIP_PACKAGE,
                Some(index),
                format!(
                    "{} {} not pinned: each build installs the newest release, so two builds of this spec may differ; pin them (`name==1.2.3`), or install from a lock file (`pip-compile`, `uv pip compile`, with hashes)",
                    loose.list(),
                    verb(loose.total)
                ),
            ));
        }
    }
}

/// Items for a message: the first few, formatted, and how many in all (a long file costs no
/// more than a count).
#[derive(Default)]
struct Listed {
    shown: Vec<String>,
    total: usize,
}

impl Listed {
    /// Counts an item, formatting it only when it will be shown.
    fn add(&mut self, item: impl FnOnce() -> String) {
        if self.shown.len() < SHOWN {
            self.shown.push(item());
        }
        self.total += 1;
    }

    /// The list for a message.
    fn list(&self) -> String {
        items_list(&self.shown, self.total)
    }
}

/// What to do about a credential, for every AL103 message.
const ADVICE: &str = "keep credentials out of it: pip reads `${NAME}` in a requirements file and `PIP_INDEX_URL` from the environment, so give them at build time with a build secret, or use a keyring or `.netrc`";

/// The credentials of a step's index options, as phrases.
fn option_secrets(options: &PipOptions) -> Vec<String> {
    [
        ("indexUrl", &options.index_url),
        ("extraIndexUrl", &options.extra_index_url),
        ("findLinks", &options.find_links),
        ("extraOptions", &options.extra_options),
    ]
    .into_iter()
    .filter_map(|(name, value)| {
        let what = secret_value(value.as_deref()?)?;
        Some(format!("`options.{name}` holds {what}"))
    })
    .collect()
}

/// The name of a requirement, normalised as pip compares them (PEP 503), or `""`.
fn requirement_name(line: &str) -> String {
    line.chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .map(|c| match c {
            '_' | '.' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// True when a requirement line installs one version: pinned as a `pipInstall` package is, by
/// `--hash` (pip then demands `==`), or an archive file.
fn line_pinned(line: &str) -> bool {
    let requirement = line.split_whitespace().next().unwrap_or("");
    pip_pinned(line)
        || line.contains("--hash")
        || [".whl", ".tar.gz", ".zip"]
            .iter()
            .any(|ext| requirement.ends_with(ext))
}

/// One step's files: their credentials (added to `secrets`), then the VCS requirements off a
/// commit (AL205) and the other requirements not pinned (AL201), each with its place.
fn read_files(group: &[InstallFile], secrets: &mut Listed) -> (Listed, Listed) {
    // Names pinned anywhere in the step's files (a constraints file pins what another lists).
    let pinned: HashSet<String> = group
        .iter()
        .flat_map(|(_, _, lines)| lines)
        .filter(|(_, text)| !text.starts_with('-') && line_pinned(text))
        .map(|(_, text)| requirement_name(text))
        .collect();
    // The constraints files (`-c`): they pin, they install nothing.
    let constraints: HashSet<String> = group
        .iter()
        .flat_map(|(_, path, lines)| lines.iter().map(move |(_, text)| (path, text)))
        .filter(|(_, text)| text.starts_with('-'))
        .flat_map(|(path, text)| {
            includes(text)
                .unwrap_or_default()
                .into_iter()
                .filter(|include| include.kind == IncludeKind::Constraint)
                .map(|include| resolve_relative(path, &include.path))
        })
        .collect();
    let (mut vcs, mut loose) = (Listed::default(), Listed::default());
    for (_, path, lines) in group {
        let constraint = constraints.contains(path);
        for (line, text) in lines {
            let at = || match line {
                Some(line) => format!("`{path}` line {line}"),
                None => format!("`{path}`"),
            };
            if let Some(what) = secret_value(text) {
                secrets.add(|| format!("{} holds {what}", at()));
            }
            if vcs_unpinned(text) {
                vcs.add(|| format!("{} ({})", shown(text), at()));
            } else if !constraint
                && !text.starts_with('-')
                && !line_pinned(text)
                && !pinned.contains(&requirement_name(text))
            {
                loose.add(|| format!("{} ({})", shown(text), at()));
            }
        }
    }
    (vcs, loose)
}

/// A requirement for a message, quoted: without its markers and options, a URL's credentials
/// elided (`https://…@host`), cut after 100 characters.
fn shown(text: &str) -> String {
    let text = text.split(';').next().unwrap_or("");
    let text = text.split(" --").next().unwrap_or("").trim();
    let text = ["-e ", "--editable "]
        .iter()
        .find_map(|option| text.strip_prefix(option))
        .unwrap_or(text)
        .trim();
    let mut word = text.to_string();
    if let Some(at) = word.find("://") {
        let rest = &word[at + 3..];
        let authority = rest.split(['/', ' ']).next().unwrap_or("");
        if let Some((_, host)) = authority.rsplit_once('@') {
            word = format!("{}…@{host}{}", &word[..at + 3], &rest[authority.len()..]);
        }
    }
    match word.char_indices().nth(100) {
        Some((cut, _)) => format!("`{}…`", &word[..cut]),
        None => format!("`{word}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logical_lines_join_continuations_and_drop_comments() {
        let text = "\u{feff}# top\nnumpy==1.26 \\\n  --hash=sha256:ab # pin\n\n-r base.txt\nx#y\nflask \\\n# ends\nrequests\n";
        assert_eq!(
            requirement_lines(text),
            vec![
                (Some(2), "numpy==1.26   --hash=sha256:ab".to_string()),
                (Some(5), "-r base.txt".to_string()),
                (Some(6), "x#y".to_string()),
                (Some(7), "flask".to_string()),
                (Some(9), "requests".to_string()),
            ]
        );
    }

    #[test]
    fn names_pins_and_what_messages_show() {
        assert_eq!(requirement_name("Foo_Bar.baz[x]>=1"), "foo-bar-baz");
        assert!(line_pinned("numpy --hash=sha256:ab"));
        assert!(line_pinned("./dist/pkg-1.0-py3-none-any.whl"));
        assert!(!line_pinned("numpy>=1 ; python_version >= '3.9'"));
        assert_eq!(
            shown("-e git+https://user:pw@host/org/repo.git@main#egg=x"),
            "`git+https://…@host/org/repo.git@main#egg=x`"
        );
        assert_eq!(shown("numpy>=1 ; python_version>'3'"), "`numpy>=1`");
        assert_eq!(
            shown("tool @ git+https://t@h/r.git@v1 --hash=x"),
            "`tool @ git+https://…@h/r.git@v1`"
        );
        assert_eq!(shown(&"a".repeat(150)), format!("`{}…`", "a".repeat(100)));
    }
}
