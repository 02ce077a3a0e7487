//! The base of an image: a `FROM` line, or a user's Dockerfile with the context files its
//! `COPY`/`ADD` instructions need (DESIGN §1 `fromDockerfile`).

use crate::dockerfile::{self, Args};
use crate::error::{Error, ErrorCode, Quoted, Result};
use crate::ignore::{parse_dockerignore, Patterns};
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
    let parsed = dockerfile::parse(&text).map_err(|e| e.in_file(path.as_str()))?;
    if parsed.escape != '\\' {
        return Err(Error::new(
            ErrorCode::DockerfileSyntax,
            "the Dockerfile sets `# escape=`, which fromDockerfile does not support: the steps added after it are written with the default `\\` escape; remove the directive",
        )
        .in_file(path.as_str()));
    }
    let mut instructions = String::new();
    if !parsed.instructions.iter().any(|i| i.keyword == "FROM") {
        crate::reference::parse_image_ref(default_base).map_err(|e| e.at("base.base"))?;
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
    if !everything {
        for source in &sources {
            let one = Patterns::new(std::slice::from_ref(source))?;
            let matched = found.files.iter().any(|f| one.matches(&f.relative))
                || found.dirs.iter().any(|d| one.matches(d));
            if !matched {
                resolved.diagnostics.push(source_missing(source));
            }
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
    for link in found.skipped_symlinks {
        resolved.diagnostics.push(symlink_skipped(&link, None));
    }
    Ok(resolved)
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
