//! Resolving one step: steps that render from the spec alone reuse the renderer; steps that
//! name files read them through the host, lay their files out in the build context under
//! `.apothic/steps/<index>/`, and list the inputs their layer hash depends on.

use std::collections::HashMap;

use crate::error::{Error, ErrorCode, Quoted, Result};
use crate::formats::ignore::Patterns;
use crate::formats::{dotenv, paths, pyproject, requirements};
use crate::hash::sha256_hex;
use crate::limits::MAX_TEXT_FILE_BYTES;
use crate::render::{
    check_line_lengths, copy_line, env_lines, install_lines, render_step, RenderState,
};
use crate::resolve::from_dockerfile::symlink_skipped;
use crate::resolve::host::{EntryKind, Host};
use crate::resolve::identity::Input;
use crate::resolve::walk::{walk, Walk};
use crate::resolve::{ContextFile, Diagnostic, MountFile, ResolvedStep};
use crate::sorting;
use crate::spec::canonical::{self, Context};
use crate::spec::{PipOptions, Step};

/// Where the requirement files of step `n` are copied inside the image.
const REQUIREMENTS_DIR: &str = "/tmp/apothic-requirements";

/// Where Python sources land (docs/api.md).
const PYTHON_SOURCE_ROOT: &str = "/root";

fn step_dir(index: usize) -> String {
    format!(".apothic/steps/{index}")
}

/// Resolves step `index`; `state` carries the active shell. Errors name the step.
pub(crate) async fn resolve_step<H: Host>(
    step: &Step,
    index: usize,
    host: &H,
    state: &mut RenderState,
) -> Result<ResolvedStep> {
    let mut out = ResolvedStep::default();
    let read_files = resolve_files(step, index, host, &mut out)
        .await
        .map_err(|e| e.within(&format!("steps[{index}]")))?;
    if !read_files {
        return Ok(ResolvedStep {
            instructions: render_step(step, index, state)?,
            ..ResolvedStep::default()
        });
    }
    check_line_lengths(&out.instructions, step)
        .map_err(|e| e.within(&format!("steps[{index}]")))?;
    Ok(out)
}

/// Reads what step `index` names through the host into `out`; `false` (and nothing read) for a
/// step that renders from the spec alone.
async fn resolve_files<H: Host>(
    step: &Step,
    index: usize,
    host: &H,
    out: &mut ResolvedStep,
) -> Result<bool> {
    // Every op is named here, with no catch-all, so a new op must say whether it reads files.
    match step {
        Step::PipInstall { .. }
        | Step::UvPipInstall { .. }
        | Step::Env { .. }
        | Step::RunCommands { .. }
        | Step::CommandShell { .. }
        | Step::Workdir { .. }
        | Step::AptInstall { .. }
        | Step::WithDockerfile { .. }
        | Step::Entrypoint { .. }
        | Step::Cmd { .. } => return Ok(false),
        Step::EnvFile { path } => env_file(out, index, host, path).await?,
        Step::PipInstallFromRequirements { path, options } => {
            requirements_file(out, index, host, path, options, None).await?
        }
        Step::UvPipInstallFromRequirements {
            path,
            options,
            uv_version,
        } => requirements_file(out, index, host, path, options, Some(uv_version)).await?,
        Step::PipInstallFromPyproject {
            path,
            optional_dependencies,
            options,
        } => pyproject_file(out, index, host, path, optional_dependencies, options, None).await?,
        Step::UvPipInstallFromPyproject {
            path,
            optional_dependencies,
            options,
            uv_version,
        } => {
            pyproject_file(
                out,
                index,
                host,
                path,
                optional_dependencies,
                options,
                Some(uv_version),
            )
            .await?
        }
        Step::CopyLocalFile { local, remote } => {
            let file = single_file(host, local).await?;
            let context_path = format!("{}/file", step_dir(index));
            out.instructions = copy_line(&context_path, remote);
            out.inputs.push(Input {
                path: context_path.clone(),
                sha256: file.sha256.clone(),
                mode: file.mode,
            });
            out.context_dirs.push(step_dir(index));
            out.context.push(ContextFile {
                path: context_path,
                ..file
            });
        }
        Step::CopyLocalDir {
            local,
            remote,
            ignore,
        } => {
            let found = walk(host, local, &Patterns::new(ignore)?, &|_| true).await?;
            add_tree(out, index, &found, &step_dir(index));
            out.instructions = copy_line(
                &format!("{}/", step_dir(index)),
                &format!("{}/", remote.trim_end_matches('/')),
            );
        }
        Step::CopyLocalPythonSource { modules } => {
            for (k, module) in modules.iter().enumerate() {
                let source = python_source(host, module).await?;
                let dir = format!("{}/{k}", step_dir(index));
                add_tree(out, index, &source.files, &dir);
                let (from, to) = match source.file_name {
                    Some(name) => (format!("{dir}/{name}"), source.remote),
                    None => (format!("{dir}/"), format!("{}/", source.remote)),
                };
                out.instructions.push_str(&copy_line(&from, &to));
            }
        }
        Step::AddLocalFile { local, remote } => {
            let file = single_file(host, local).await?;
            out.mount = Some(vec![MountFile {
                source: file.source,
                remote: remote.clone(),
                size: file.size,
                mode: file.mode,
                sha256: file.sha256,
            }]);
        }
        Step::AddLocalDir {
            local,
            remote,
            ignore,
        } => {
            let found = walk(host, local, &Patterns::new(ignore)?, &|_| true).await?;
            out.diagnostics.extend(
                found
                    .skipped_symlinks
                    .iter()
                    .map(|l| symlink_skipped(l, Some(index))),
            );
            out.mount = Some(mount_files(&found, remote));
        }
        Step::AddLocalPythonSource { modules } => {
            let mut files = Vec::new();
            for module in modules {
                let source = python_source(host, module).await?;
                out.diagnostics.extend(
                    source
                        .files
                        .skipped_symlinks
                        .iter()
                        .map(|l| symlink_skipped(l, Some(index))),
                );
                match (&source.file_name, source.files.files.first()) {
                    // A module file is mounted at its own path (`/root/pkg/mod.py`).
                    (Some(_), Some(file)) => files.push(MountFile {
                        source: file.source.clone(),
                        remote: source.remote.clone(),
                        size: file.size,
                        mode: file.mode,
                        sha256: file.sha256.clone(),
                    }),
                    _ => files.extend(mount_files(&source.files, &source.remote)),
                }
            }
            sorting::sort_by(&mut files, |a, b| a.remote.cmp(&b.remote));
            out.mount = Some(files);
        }
    }
    Ok(true)
}

async fn env_file<H: Host>(
    out: &mut ResolvedStep,
    index: usize,
    host: &H,
    path: &str,
) -> Result<()> {
    let bytes = host
        .read_file_at_most(path, MAX_TEXT_FILE_BYTES)
        .await
        .map_err(|e| e.at("path"))?;
    let text = String::from_utf8(bytes.clone()).map_err(|_| {
        Error::new(
            ErrorCode::DotenvSyntax,
            "the env file is not UTF-8 text; save it as UTF-8",
        )
        .in_file(path)
    })?;
    let pairs = dotenv::parse(&text).map_err(|e| e.in_file(path))?;
    out.inputs.push(Input {
        path: path.to_string(),
        sha256: sha256_hex(&bytes),
        mode: 0o644,
    });
    if pairs.is_empty() {
        out.diagnostics.push(Diagnostic {
            code: "EMPTY_ENV_FILE".into(),
            message: format!("{} sets no variables", Quoted(path)),
            step: Some(index),
        });
        return Ok(());
    }
    let checked = canonical::step(
        Step::Env {
            values: pairs.into_iter().collect(),
        },
        &Context {
            workdir: paths::DEFAULT_WORKDIR,
        },
    )
    .map_err(|e| {
        // A value the env step refuses (a line break): point at the line that set it.
        let key = e
            .argument
            .as_deref()
            .and_then(|a| a.strip_prefix("values."));
        match key.and_then(|key| dotenv::line_of(&text, key)) {
            Some(line) => e.in_file(path).at_position(line, 1),
            None => e.in_file(path),
        }
    })?;
    if let Step::Env { values } = checked {
        out.instructions = env_lines(&values);
        out.env = values.into_iter().collect();
    }
    Ok(())
}

/// Copies a requirements file and every file it includes, keeping their layout relative to
/// each other so pip finds the includes, and installs with `-r`.
async fn requirements_file<H: Host>(
    out: &mut ResolvedStep,
    index: usize,
    host: &H,
    path: &str,
    options: &PipOptions,
    uv_version: Option<&str>,
) -> Result<()> {
    let mut walk = requirements::IncludeWalk::new(path);
    // Each file's path, digest and size (its bytes are dropped once parsed and hashed), and
    // the digest and size of each file read, by what the host says it really is.
    let mut files: Vec<(String, String, u64)> = Vec::new();
    let mut read: HashMap<String, (String, u64)> = HashMap::new();
    while let Some(file) = walk.next_file()? {
        let at = |e: Error, walk: &requirements::IncludeWalk| match walk.included_at() {
            Some((including, line, column)) => e.in_file(including).at_position(line, column),
            None => e,
        };
        let real = host.real_path(&file).await.map_err(|e| at(e, &walk))?;
        if let Some(real) = &real {
            if walk.identify(real)? {
                walk.feed_again()?;
                let (sha256, size) = read.get(real).cloned().unwrap_or_default();
                files.push((file, sha256, size));
                continue;
            }
        }
        let bytes = host
            .read_file_at_most(&file, MAX_TEXT_FILE_BYTES)
            .await
            .map_err(|e| at(e, &walk))?;
        let text = String::from_utf8_lossy(&bytes);
        walk.feed(&text)?;
        out.install_files
            .push((file.clone(), crate::lint::requirement_lines(&text)));
        let found = (sha256_hex(&bytes), bytes.len() as u64);
        read.extend(real.map(|real| (real, found.clone())));
        files.push((file, found.0, found.1));
    }
    let layout = context_layout(files.iter().map(|(f, ..)| f.as_str()))?;
    let dir = step_dir(index);
    for ((file, sha256, size), relative) in files.into_iter().zip(&layout) {
        let context_path = format!("{dir}/{relative}");
        out.inputs.push(Input {
            path: context_path.clone(),
            sha256: sha256.clone(),
            mode: 0o644,
        });
        out.context.push(ContextFile {
            path: context_path,
            source: file,
            size,
            mode: 0o644,
            sha256,
        });
    }
    let target = format!("{REQUIREMENTS_DIR}/{index}");
    out.instructions = copy_line(&format!("{dir}/"), &format!("{target}/"));
    out.instructions.push_str(&install_lines(
        &["-r".to_string(), format!("{target}/{}", layout[0])],
        options,
        uv_version,
    ));
    Ok(())
}

/// Where each of a set of (lexically normalised) files goes inside a step folder so that their
/// relative positions are kept: below the deepest folder they share, and when some lie above
/// the first file's folder (`../pins.txt`), under as many `_` folders as they climb. Two files
/// that would land on the same path are an error.
fn context_layout<'a>(files: impl Iterator<Item = &'a str> + Clone) -> Result<Vec<String>> {
    let climb = files
        .clone()
        .map(|f| f.split('/').take_while(|s| *s == "..").count())
        .max()
        .unwrap_or(0);
    let root = common_folder(files.clone());
    let mut layout: Vec<String> = Vec::new();
    for file in files {
        let relative = file
            .strip_prefix(root.as_str())
            .unwrap_or(file)
            .trim_start_matches('/');
        let up = relative.split('/').take_while(|s| *s == "..").count();
        let rest: Vec<&str> = relative.split('/').skip(up).collect();
        let placed = ["_"]
            .repeat(climb - up)
            .into_iter()
            .chain(rest)
            .collect::<Vec<_>>()
            .join("/");
        if layout.contains(&placed) {
            return Err(Error::new(
                ErrorCode::RequirementsSyntax,
                format!("two requirement files would share the path {} in the build context; rename one", Quoted(&placed)),
            ));
        }
        layout.push(placed);
    }
    Ok(layout)
}

/// The deepest folder that holds every path (`""` when they share none); `..` segments are
/// never part of it.
fn common_folder<'a>(files: impl Iterator<Item = &'a str>) -> String {
    let mut common: Option<Vec<&str>> = None;
    for file in files {
        let folder: Vec<&str> = file
            .rsplit_once('/')
            .map_or(Vec::new(), |(dir, _)| dir.split('/').collect());
        common = Some(match common {
            None => folder,
            Some(c) => c
                .iter()
                .zip(&folder)
                .take_while(|(a, b)| a == b && **a != "..")
                .map(|(a, _)| *a)
                .collect(),
        });
    }
    common.unwrap_or_default().join("/")
}

#[allow(clippy::too_many_arguments)]
async fn pyproject_file<H: Host>(
    out: &mut ResolvedStep,
    index: usize,
    host: &H,
    path: &str,
    groups: &[String],
    options: &PipOptions,
    uv_version: Option<&str>,
) -> Result<()> {
    let bytes = host
        .read_file_at_most(path, MAX_TEXT_FILE_BYTES)
        .await
        .map_err(|e| e.at("path"))?;
    let text = String::from_utf8(bytes.clone()).map_err(|_| {
        Error::new(
            ErrorCode::PyprojectInvalid,
            "pyproject.toml is not UTF-8 text; save it as UTF-8",
        )
        .in_file(path)
    })?;
    let mut packages = pyproject::dependencies(&text, groups).map_err(|e| e.in_file(path))?;
    out.inputs.push(Input {
        path: path.to_string(),
        sha256: sha256_hex(&bytes),
        mode: 0o644,
    });
    sorting::sort_strings(&mut packages);
    packages.dedup();
    out.install_files.push((
        path.to_string(),
        packages.iter().map(|p| (None, p.clone())).collect(),
    ));
    if packages.is_empty() {
        out.diagnostics.push(Diagnostic {
            code: "NO_DEPENDENCIES".into(),
            message: format!(
                "{} lists no dependencies for the requested groups; nothing is installed",
                Quoted(path)
            ),
            step: Some(index),
        });
        return Ok(());
    }
    let checked = canonical::step(
        Step::PipInstall {
            packages,
            options: options.clone(),
        },
        &Context {
            workdir: paths::DEFAULT_WORKDIR,
        },
    )
    .map_err(|e| e.in_file(path))?;
    if let Step::PipInstall { packages, .. } = checked {
        out.instructions = install_lines(&packages, options, uv_version);
    }
    Ok(())
}

/// A file the spec names directly, with its digest and mode (from its folder's listing).
async fn single_file<H: Host>(host: &H, local: &str) -> Result<ContextFile> {
    let (folder, name) = match local.trim_end_matches('/').rsplit_once('/') {
        Some(("", name)) => ("/", name),
        Some((folder, name)) => (folder, name),
        None => (".", local),
    };
    let entry = host
        .read_dir(folder)
        .await?
        .into_iter()
        .find(|e| e.name == name);
    let (mode, size) = match entry {
        Some(e) if e.kind == EntryKind::File => (e.mode & 0o777, e.size),
        Some(e) if e.kind == EntryKind::Dir => {
            return Err(Error::new(
                ErrorCode::InvalidPath,
                format!(
                    "{} is a folder; use copyLocalDir/addLocalDir for folders",
                    Quoted(local)
                ),
            )
            .at("local"));
        }
        Some(_) => {
            return Err(Error::new(
                ErrorCode::InvalidPath,
                format!(
                    "{} is a symlink, which is not followed; name its target instead",
                    Quoted(local)
                ),
            )
            .at("local"));
        }
        None => {
            return Err(Error::new(
                ErrorCode::FileNotFound,
                format!(
                    "{} does not exist (readDir of its folder does not list it)",
                    Quoted(local)
                ),
            )
            .in_file(local)
            .at("local"));
        }
    };
    let sha256 = host.digest_file(local, size).await?;
    Ok(ContextFile {
        path: String::new(),
        source: local.to_string(),
        size,
        mode,
        sha256,
    })
}

/// Adds a walked tree to the context under `dir`.
fn add_tree(out: &mut ResolvedStep, index: usize, found: &Walk, dir: &str) {
    add_parent_dirs(out, dir);
    out.context_dirs
        .extend(found.dirs.iter().map(|d| format!("{dir}/{d}")));
    for file in &found.files {
        let path = format!("{dir}/{}", file.relative);
        out.inputs.push(Input {
            path: path.clone(),
            sha256: file.sha256.clone(),
            mode: file.mode,
        });
        out.context.push(ContextFile {
            path,
            source: file.source.clone(),
            size: file.size,
            mode: file.mode,
            sha256: file.sha256.clone(),
        });
    }
    out.diagnostics.extend(
        found
            .skipped_symlinks
            .iter()
            .map(|l| symlink_skipped(l, Some(index))),
    );
}

/// `dir` and each folder above it inside the context.
fn add_parent_dirs(out: &mut ResolvedStep, dir: &str) {
    let mut at = String::new();
    for part in dir.split('/') {
        if !at.is_empty() {
            at.push('/');
        }
        at.push_str(part);
        out.context_dirs.push(at.clone());
    }
}

fn mount_files(found: &Walk, remote: &str) -> Vec<MountFile> {
    found
        .files
        .iter()
        .map(|f| MountFile {
            source: f.source.clone(),
            remote: format!("{}/{}", remote.trim_end_matches('/'), f.relative),
            size: f.size,
            mode: f.mode,
            sha256: f.sha256.clone(),
        })
        .collect()
}

/// A Python module's files: a package's `.py` files (minus `__pycache__`), or one module file.
struct PythonSource {
    files: Walk,
    /// `/root/pkg/sub` (package) or `/root/pkg/mod.py` (module).
    remote: String,
    /// The module file's name in the step folder, `None` for a package.
    file_name: Option<String>,
}

async fn python_source<H: Host>(host: &H, module: &str) -> Result<PythonSource> {
    let found = host.resolve_python_module(module).await?.ok_or_else(|| {
        Error::new(ErrorCode::MissingHostCallback, "the host has no resolvePythonModule callback, which addLocalPythonSource/copyLocalPythonSource need; give one").at("modules")
    })?;
    let dotted = module.replace('.', "/");
    if found.is_package {
        let ignore = Patterns::new(&["**/__pycache__".to_string()])?;
        let files = walk(host, &found.path, &ignore, &|relative| {
            relative.ends_with(".py")
        })
        .await?;
        Ok(PythonSource {
            files,
            remote: format!("{PYTHON_SOURCE_ROOT}/{dotted}"),
            file_name: None,
        })
    } else {
        let file = single_file(host, &found.path).await?;
        let walked = crate::resolve::walk::WalkedFile {
            relative: "module.py".into(),
            source: file.source,
            mode: file.mode,
            sha256: file.sha256,
            size: file.size,
        };
        Ok(PythonSource {
            files: Walk {
                files: vec![walked],
                ..Walk::default()
            },
            remote: format!("{PYTHON_SOURCE_ROOT}/{dotted}.py"),
            file_name: Some("module.py".into()),
        })
    }
}
