//! The base of an image: a `FROM` line, or a user's Dockerfile with the context files its
//! `COPY`/`ADD` instructions need (docs/api.md `fromDockerfile`).

use crate::error::{Error, ErrorCode, Quoted, Result};
use crate::formats::dockerfile::{self, Args};
use crate::formats::ignore::{parse_dockerignore, Patterns, MAX_MATCH_STEPS};
use std::borrow::Cow;

use crate::formats::paths::{self, join, DEFAULT_WORKDIR};
use crate::limits::MAX_TEXT_FILE_BYTES;
use crate::render::render_base;
use crate::resolve::host::{EntryKind, Host};
use crate::resolve::identity::Input;
use crate::resolve::walk::walk;
use crate::resolve::{ContextFile, Diagnostic};
use crate::spec::{Base, Step};

/// The reserved folder of the build context.
pub(crate) const RESERVED: &str = ".apothic";

/// What the base contributes.
#[derive(Debug, Default)]
pub(crate) struct ResolvedBase {
    pub instructions: String,
    /// The last stage's `SHELL`, if it sets one.
    pub shell: Option<Vec<String>>,
    /// The last stage's `WORKDIR`, which relative paths of the steps resolve against.
    pub workdir: DockerfileWorkdir,
    pub inputs: Vec<Input>,
    pub context: Vec<ContextFile>,
    pub context_dirs: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
    /// The Dockerfile's text (for lint).
    pub dockerfile: Option<String>,
}

/// Resolves the base; only `fromDockerfile` reads anything.
pub(crate) async fn resolve_base<H: Host>(base: &Base, host: &H) -> Result<ResolvedBase> {
    let Base::FromDockerfile {
        path,
        context_dir,
        base: default_base,
    } = base
    else {
        return Ok(ResolvedBase {
            instructions: render_base(base)?,
            ..ResolvedBase::default()
        });
    };
    let bytes = host
        .read_file_at_most(path, MAX_TEXT_FILE_BYTES)
        .await
        .map_err(|e| e.at("base.path"))?;
    let text = String::from_utf8(bytes.clone()).map_err(|_| {
        Error::new(
            ErrorCode::DockerfileSyntax,
            "the Dockerfile is not UTF-8 text; save it as UTF-8",
        )
        .in_file(path.as_str())
    })?;
    let text = text.replace("\r\n", "\n");
    let parsed = parse_to_extend(&text).map_err(|e| e.in_file(path.as_str()))?;
    let mut instructions = String::new();
    if !parsed.instructions.iter().any(|i| i.keyword == "FROM") {
        crate::formats::reference::parse_image_ref(default_base).map_err(|e| e.at("base.base"))?;
        instructions.push_str(&format!("FROM {default_base}\n"));
    }
    instructions.push_str(&text);
    if !instructions.ends_with('\n') {
        instructions.push('\n');
    }
    let last = last_stage(&parsed.instructions, path);

    let mut resolved = ResolvedBase {
        instructions,
        shell: last.shell,
        workdir: last.workdir,
        dockerfile: Some(text),
        ..ResolvedBase::default()
    };
    resolved.inputs.push(Input {
        path: "Dockerfile".into(),
        sha256: crate::hash::sha256_hex(&bytes),
        mode: 0o644,
    });

    let sources = local_sources(&parsed);
    if sources.is_empty() {
        return Ok(resolved);
    }
    let ignore = Patterns::new(&dockerignore(host, path, context_dir).await?)?;
    let everything = sources
        .iter()
        .any(|s| s.contains('$') || matches!(s.as_str(), "." | "" | "/" | "*"));
    if sources.iter().any(|s| s.contains('$')) {
        resolved.diagnostics.push(Diagnostic {
            code: "VARIABLE_IN_COPY_SOURCE".into(),
            message: "a COPY/ADD source uses a variable, so the whole build context is included and hashed".into(),
            step: None,
        });
    }
    let wanted = if everything {
        None
    } else {
        Some(Patterns::new(&sources)?)
    };
    let found = walk(host, context_dir, &ignore, &|relative| {
        wanted.as_ref().is_none_or(|w| w.matches(relative))
    })
    .await?;
    wanted.as_ref().map_or(Ok(()), Patterns::check)?;
    if !everything {
        let paths: Vec<&str> = found
            .files
            .iter()
            .map(|f| f.relative.as_str())
            .chain(found.dirs.iter().map(String::as_str))
            .collect();
        for source in unmatched_sources(&sources, &paths, MAX_MATCH_STEPS)? {
            resolved.diagnostics.push(source_missing(source));
        }
    }
    for file in found.files {
        if reserved_path(&file.relative) {
            return Err(Error::new(
                ErrorCode::InvalidPath,
                format!("the build context holds {}, but {RESERVED}/ is reserved for this package's own files; rename it or add it to .dockerignore", Quoted(&file.relative)),
            ));
        }
        // The ignore files were applied here; in the tar, an engine would apply them again (to
        // our own files too), so they stay out.
        if matches!(
            file.relative.as_str(),
            ".dockerignore" | "Dockerfile.dockerignore"
        ) {
            continue;
        }
        if file.relative == "Dockerfile" {
            resolved.diagnostics.push(Diagnostic {
                code: "DOCKERFILE_REPLACED".into(),
                message: "the context's own `Dockerfile` is left out of the build context: the rendered Dockerfile takes its place at the root".into(),
                step: None,
            });
            continue;
        }
        resolved.inputs.push(Input {
            path: file.relative.clone(),
            sha256: file.sha256.clone(),
            mode: file.mode,
        });
        resolved.context.push(ContextFile {
            path: file.relative,
            source: file.source,
            size: file.size,
            mode: file.mode,
            sha256: file.sha256,
        });
    }
    // Folders the sources name are kept even when empty (`COPY src/ /app/` copies them).
    resolved.context_dirs.extend(
        found
            .dirs
            .into_iter()
            .filter(|d| !reserved_path(d) && wanted.as_ref().is_none_or(|w| w.matches(d))),
    );
    wanted.as_ref().map_or(Ok(()), Patterns::check)?;
    for link in found.skipped_symlinks {
        resolved.diagnostics.push(symlink_skipped(&link, None));
    }
    crate::resolve::context_tar::check_engine_files(
        resolved.context.iter().map(|f| f.path.as_str()),
        resolved.context_dirs.iter().map(String::as_str),
    )?;
    Ok(resolved)
}

/// Parses a user's Dockerfile (CRLF line endings already made LF) that the steps are appended
/// to, and refuses what would let the appended lines change its meaning or read differently:
/// - a carriage return inside a line (an old Mac line ending): BuildKit breaks lines at `\n`
///   only, so what looks like several lines is one instruction;
/// - a `# escape=` directive other than `\`: the appended steps are written with `\`;
/// - a last instruction whose line continuation runs into the end of the file (`RUN a \`, also
///   followed by spaces, tabs, comment or blank lines): BuildKit would read the first appended
///   line as part of it.
///
/// Each is [`ErrorCode::DockerfileSyntax`] with the line and column.
pub(crate) fn parse_to_extend(text: &str) -> Result<dockerfile::Dockerfile> {
    if let Some(offset) = lone_carriage_return(text) {
        return Err(Error::new(
            ErrorCode::DockerfileSyntax,
            "the Dockerfile holds a carriage return that does not end a line (an old Mac line ending?): BuildKit breaks lines at \
             newlines only, so the text after it belongs to the same instruction; save the file with LF or CRLF line endings",
        )
        .at_position(line_of(text, offset), column_of(text, offset)));
    }
    let parsed = dockerfile::parse(text)?;
    if parsed.escape != '\\' {
        let at = parsed
            .directives
            .iter()
            .zip(&parsed.directive_positions)
            .find(|((name, _), _)| name == "escape")
            .map(|(_, at)| *at);
        let error = Error::new(
            ErrorCode::DockerfileSyntax,
            "the Dockerfile sets `# escape=`, which fromDockerfile does not support: the steps added after it are written with the default `\\` escape; remove the directive",
        );
        return Err(match at {
            Some(at) => error.at_position(at.line, at.column),
            None => error,
        });
    }
    if let Some(at) = parsed.open_continuation {
        return Err(Error::new(
            ErrorCode::DockerfileSyntax,
            "the last instruction of the Dockerfile ends with a line continuation (an escape token `\\` at the end of its last line, \
             perhaps followed by spaces, comment or blank lines): the steps added after the Dockerfile would become part of it. \
             Remove the trailing `\\`",
        )
        .at_position(at.line, at.column));
    }
    Ok(parsed)
}

/// The byte offset of the first carriage return that BuildKit does not strip as part of a line
/// ending (it strips every `\r` right before a `\n` or the end of the text).
fn lone_carriage_return(text: &str) -> Option<usize> {
    text.match_indices('\r')
        .map(|(offset, _)| offset)
        .find(|&offset| {
            let after = text[offset..].trim_start_matches('\r');
            !after.is_empty() && !after.starts_with('\n')
        })
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

/// The 1-based column (in characters) of a byte offset.
fn column_of(text: &str, offset: usize) -> usize {
    text[..offset]
        .rsplit('\n')
        .next()
        .map_or(0, |l| l.chars().count())
        + 1
}

/// What the last stage of a Dockerfile hands to the steps after it.
#[derive(Debug, Clone, Default)]
struct StageConfig {
    /// Its `SHELL` (`None`: the default shell).
    shell: Option<Vec<String>>,
    /// Its `WORKDIR`.
    workdir: DockerfileWorkdir,
}

/// The `WORKDIR` a Dockerfile's last stage ends with, as far as its text says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) enum DockerfileWorkdir {
    /// No `WORKDIR` in the stage or the stages it is built on: the steps' relative paths resolve
    /// against `/root`, as on every other base (the base image's own `WORKDIR` is never used).
    #[default]
    Unset,
    /// An absolute path the text gives exactly.
    Known(String),
    /// A `WORKDIR` whose path the text alone does not give.
    Unknown(UnknownWorkdir),
}

/// A `WORKDIR` line whose path only the engine knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UnknownWorkdir {
    /// The Dockerfile, as the spec names it.
    file: String,
    /// Its line (1-based).
    line: usize,
    /// The path as written.
    value: String,
    /// Why the text does not give it.
    why: &'static str,
}

impl DockerfileWorkdir {
    /// The working directory after a `WORKDIR value` at `line` of `file`, as the engine
    /// computes it (an absolute path replaces, a relative one is joined to the current one),
    /// when the text gives it: a value with `$`, quotes or `\` is expanded by the engine (from
    /// `ARG`, `ENV` and the base image), and a relative path on top of the base image's own
    /// `WORKDIR` depends on that image.
    fn then(self, value: &str, line: usize, file: &str) -> DockerfileWorkdir {
        let unknown = |why| {
            DockerfileWorkdir::Unknown(UnknownWorkdir {
                file: file.to_string(),
                line,
                value: value.to_string(),
                why,
            })
        };
        if value.contains(['$', '\'', '"', '\\']) {
            return unknown("uses a variable, quotes or `\\`, which the engine expands while it builds, so the text alone does not say where it points");
        }
        match self {
            _ if value.starts_with('/') => DockerfileWorkdir::Known(paths::resolve("/", value)),
            DockerfileWorkdir::Known(current) => {
                DockerfileWorkdir::Known(paths::resolve(&current, value))
            }
            DockerfileWorkdir::Unset => unknown("is relative to the base image's own WORKDIR, which is not known without pulling the image"),
            unknown @ DockerfileWorkdir::Unknown(_) => unknown,
        }
    }
}

/// The `SHELL` and `WORKDIR` the last stage ends with: its own last ones, else those of the
/// stage it is built on (`FROM base` naming an earlier `… AS base`), and so on up the chain, as
/// the engine carries them in the image config. A Dockerfile without `FROM` (the spec's base is
/// put before it) is one stage.
fn last_stage(instructions: &[dockerfile::Instruction], file: &str) -> StageConfig {
    let mut stages: Vec<(Option<String>, StageConfig)> = Vec::new();
    if !instructions.iter().any(|i| i.keyword == "FROM") {
        stages.push((None, StageConfig::default()));
    }
    for instruction in instructions {
        match (instruction.keyword.as_str(), &instruction.args) {
            ("FROM", _) => {
                let words = &instruction.values;
                let named = words.len() >= 3 && words[1].eq_ignore_ascii_case("as");
                let image = words
                    .first()
                    .map(|w| w.to_ascii_lowercase())
                    .unwrap_or_default();
                let config = stages
                    .iter()
                    .rev()
                    .find(|(name, _)| name.as_deref() == Some(image.as_str()))
                    .map(|(_, config)| config.clone())
                    .unwrap_or_default();
                stages.push((named.then(|| words[2].to_ascii_lowercase()), config));
            }
            ("SHELL", Args::Json(argv)) => {
                if let Some((_, stage)) = stages.last_mut() {
                    stage.shell = Some(argv.clone());
                }
            }
            ("WORKDIR", _) => {
                if let (Some((_, stage)), Some(value)) =
                    (stages.last_mut(), instruction.values.first())
                {
                    stage.workdir = std::mem::take(&mut stage.workdir).then(
                        value,
                        instruction.start_line,
                        file,
                    );
                }
            }
            _ => {}
        }
    }
    stages.pop().map(|(_, config)| config).unwrap_or_default()
}

/// Makes the relative paths of a `fromDockerfile` image's steps absolute at resolve time (the
/// spec keeps them relative: docs/api.md "Working directory"), following its `workdir` steps
/// from the Dockerfile's last `WORKDIR`.
#[derive(Debug)]
pub(crate) struct Workdirs {
    current: DockerfileWorkdir,
}

impl Workdirs {
    /// Starts at the base's `WORKDIR`.
    pub(crate) fn new(base: DockerfileWorkdir) -> Workdirs {
        Workdirs { current: base }
    }

    /// The step with its relative `workdir` or `remote` path made absolute (the step itself
    /// when it has none); an error at the path when the Dockerfile's `WORKDIR` is not known.
    pub(crate) fn anchor<'s>(&mut self, step: &'s Step) -> Result<Cow<'s, Step>> {
        let relative = |path: &str| !path.starts_with('/');
        Ok(match step {
            Step::Workdir { path } => {
                let path = if relative(path) {
                    paths::resolve(self.absolute(path, "path")?, path)
                } else {
                    path.clone()
                };
                self.current = DockerfileWorkdir::Known(path.clone());
                Cow::Owned(Step::Workdir { path })
            }
            Step::CopyLocalFile { local, remote } if relative(remote) => {
                Cow::Owned(Step::CopyLocalFile {
                    local: local.clone(),
                    remote: self.remote(local, remote)?,
                })
            }
            Step::AddLocalFile { local, remote } if relative(remote) => {
                Cow::Owned(Step::AddLocalFile {
                    local: local.clone(),
                    remote: self.remote(local, remote)?,
                })
            }
            Step::CopyLocalDir {
                local,
                remote,
                ignore,
            } if relative(remote) => Cow::Owned(Step::CopyLocalDir {
                local: local.clone(),
                remote: self.remote(local, remote)?,
                ignore: ignore.clone(),
            }),
            Step::AddLocalDir {
                local,
                remote,
                ignore,
            } if relative(remote) => Cow::Owned(Step::AddLocalDir {
                local: local.clone(),
                remote: self.remote(local, remote)?,
                ignore: ignore.clone(),
            }),
            _ => Cow::Borrowed(step),
        })
    }

    /// The current absolute working directory, or the error for `path` (at `argument`).
    fn absolute(&self, path: &str, argument: &str) -> Result<&str> {
        match &self.current {
            DockerfileWorkdir::Unset => Ok(DEFAULT_WORKDIR),
            DockerfileWorkdir::Known(known) => Ok(known),
            DockerfileWorkdir::Unknown(at) => Err(Error::new(
                ErrorCode::InvalidPath,
                format!(
                    "the relative path {} resolves against the Dockerfile's WORKDIR, but `WORKDIR {}` (line {}) {}; give this step an absolute path, or put an absolute workdir step before it",
                    Quoted(path),
                    at.value,
                    at.line,
                    at.why
                ),
            )
            .in_file(at.file.as_str())
            .at_position(at.line, 1)
            .at(argument)),
        }
    }

    /// A relative remote path made absolute, as the builder does with an absolute working
    /// directory (a remote that lands on `/` takes the local name).
    fn remote(&self, local: &str, remote: &str) -> Result<String> {
        let cwd = self.absolute(remote, "remote")?;
        paths::remote_path(cwd, local, Some(remote)).ok_or_else(|| {
            Error::new(
                ErrorCode::InvalidPath,
                format!(
                    "remote {} is the root folder here, and {} has no name to put there; give the full remote path",
                    Quoted(remote),
                    Quoted(local)
                ),
            )
            .at("remote")
        })
    }
}

/// The `COPY`/`ADD` sources that come from the build context (not `--from=`, not URLs), as
/// context-relative patterns.
fn local_sources(parsed: &dockerfile::Dockerfile) -> Vec<String> {
    let mut sources = Vec::new();
    for instruction in &parsed.instructions {
        if instruction
            .flag("from")
            .is_some_and(|f| f.value.as_deref().is_some_and(|v| !v.is_empty()))
        {
            continue;
        }
        let Some((srcs, _)) = instruction.sources_and_destination() else {
            continue;
        };
        for src in srcs {
            let remote = src.contains("://") || src.starts_with("git@");
            if !remote {
                let trimmed = src.trim_start_matches('/').trim_start_matches("./");
                sources.push(if trimmed.is_empty() {
                    ".".to_string()
                } else {
                    trimmed.to_string()
                });
            }
        }
    }
    sources
}

/// The ignore patterns for the context: `<Dockerfile>.dockerignore` next to the Dockerfile
/// when it exists (Docker's rule), else `<context>/.dockerignore`, else none.
async fn dockerignore<H: Host>(
    host: &H,
    dockerfile: &str,
    context_dir: &str,
) -> Result<Vec<String>> {
    let (folder, name) = match dockerfile.rsplit_once('/') {
        Some((folder, name)) => (if folder.is_empty() { "/" } else { folder }, name),
        None => (".", dockerfile),
    };
    let candidates = [
        (folder.to_string(), format!("{name}.dockerignore")),
        (context_dir.to_string(), ".dockerignore".to_string()),
    ];
    for (dir, file) in candidates {
        let entries = host.read_dir(&dir).await?;
        if entries
            .iter()
            .any(|e| e.name == file && e.kind == EntryKind::File)
        {
            let path = join(&dir, &file);
            let bytes = host.read_file_at_most(&path, MAX_TEXT_FILE_BYTES).await?;
            return Ok(parse_dockerignore(&String::from_utf8_lossy(&bytes)));
        }
    }
    Ok(Vec::new())
}

/// Whether a context path is the reserved folder or inside it.
fn reserved_path(path: &str) -> bool {
    path.strip_prefix(RESERVED)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The diagnostic for a `COPY`/`ADD` source that nothing in the build context matches: the
/// engine will stop at that instruction ("not found" or "no source files were specified").
/// The COPY/ADD sources that match none of `paths`. The sources share one budget of `steps`
/// matching steps, so the number of sources cannot multiply the work.
fn unmatched_sources<'a>(
    sources: &'a [String],
    paths: &[&str],
    steps: u64,
) -> Result<Vec<&'a str>> {
    let mut steps_left = steps;
    let mut unmatched = Vec::new();
    for source in sources {
        let one = Patterns::with_budget(std::slice::from_ref(source), steps_left)?;
        let matched = paths.iter().any(|p| one.matches(p));
        one.check()?;
        steps_left = steps_left.saturating_sub(one.steps_spent());
        if !matched {
            unmatched.push(source.as_str());
        }
    }
    Ok(unmatched)
}

fn source_missing(source: &str) -> Diagnostic {
    Diagnostic {
        code: "COPY_SOURCE_MISSING".into(),
        message: format!(
            "the COPY/ADD source {} matches nothing in the build context (or only files that .dockerignore excludes), so the build will fail at that instruction",
            Quoted(source)
        ),
        step: None,
    }
}

/// The diagnostic for a symlink that was not followed.
pub(crate) fn symlink_skipped(path: &str, step: Option<usize>) -> Diagnostic {
    Diagnostic {
        code: "SYMLINK_SKIPPED".into(),
        message: format!("{} is a symlink and was not followed (symlinks could leave the folder or loop); copy its target explicitly if the image needs it", Quoted(path)),
        step,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn unmatched_sources_are_listed() {
        let sources = strings(&["src", "*.txt", "missing"]);
        let paths = ["src", "src/a.py", "notes.txt"];
        let unmatched = unmatched_sources(&sources, &paths, MAX_MATCH_STEPS).unwrap();
        assert_eq!(unmatched, ["missing"]);
    }

    /// Each source alone fits the budget; together they do not, and that is an error rather
    /// than a budget per source.
    #[test]
    fn sources_share_one_step_budget() {
        let paths = ["a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/x/y/z.txt"];
        let one = strings(&["**/*.none"]);
        let alone = Patterns::with_budget(&one, u64::MAX).unwrap();
        alone.matches(paths[0]);
        let cost = alone.steps_spent();
        assert!(cost > 0);
        let budget = cost * 3;
        assert!(unmatched_sources(&strings(&["**/*.none"; 3]), &paths, budget).is_ok());
        let error = unmatched_sources(&strings(&["**/*.none"; 8]), &paths, budget).unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidIgnorePattern);
    }
}
