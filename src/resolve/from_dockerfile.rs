//! The base of an image: a `FROM` line, or a user's Dockerfile with the context files its
//! `COPY`/`ADD` instructions need (docs/api.md `fromDockerfile`).

use crate::error::{Error, ErrorCode, Quoted, Result};
use crate::formats::dockerfile::{self, Args};
use crate::formats::ignore::{parse_dockerignore, Patterns, MAX_MATCH_STEPS};
use crate::limits::MAX_TEXT_FILE_BYTES;
use crate::render::render_base;
use crate::resolve::host::{EntryKind, Host};
use crate::resolve::identity::Input;
use crate::resolve::walk::{join, walk};
use crate::resolve::{ContextFile, Diagnostic};
use crate::spec::Base;

/// The reserved folder of the build context.
pub(crate) const RESERVED: &str = ".apothic";

/// What the base contributes.
#[derive(Debug, Default)]
pub(crate) struct ResolvedBase {
    pub instructions: String,
    /// The last stage's `SHELL`, if it sets one.
    pub shell: Option<Vec<String>>,
    pub inputs: Vec<Input>,
    pub context: Vec<ContextFile>,
    pub context_dirs: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
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
    let shell = last_stage_shell(&parsed.instructions);

    let mut resolved = ResolvedBase {
        instructions,
        shell,
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

/// The `SHELL` the last stage runs with: its own last `SHELL`, else that of the stage it is
/// built on (`FROM base` naming an earlier `… AS base`), and so on up the chain, as the engine
/// carries `SHELL` in the image config. `None`: the default shell.
fn last_stage_shell(instructions: &[dockerfile::Instruction]) -> Option<Vec<String>> {
    struct Stage {
        name: Option<String>,
        image: String,
        shell: Option<Vec<String>>,
    }
    let mut stages: Vec<Stage> = Vec::new();
    for instruction in instructions {
        match (instruction.keyword.as_str(), &instruction.args) {
            ("FROM", _) => {
                let words = &instruction.values;
                let named = words.len() >= 3 && words[1].eq_ignore_ascii_case("as");
                stages.push(Stage {
                    name: named.then(|| words[2].to_ascii_lowercase()),
                    image: words
                        .first()
                        .map(|w| w.to_ascii_lowercase())
                        .unwrap_or_default(),
                    shell: None,
                });
            }
            ("SHELL", Args::Json(argv)) => {
                if let Some(stage) = stages.last_mut() {
                    stage.shell = Some(argv.clone());
                }
            }
            _ => {}
        }
    }
    let mut at = stages.len().checked_sub(1)?;
    loop {
        if let Some(shell) = &stages[at].shell {
            return Some(shell.clone());
        }
        let image = stages[at].image.as_str();
        at = stages[..at]
            .iter()
            .rposition(|s| s.name.as_deref() == Some(image))?;
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
