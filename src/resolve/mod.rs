//! Resolution: reading through the host what a spec names (Dockerfiles, requirements,
//! pyproject, env files, local files and folders, Python sources, base images), and from it the
//! full Dockerfile, the build context, the image and spec hashes, the runtime mounts and the
//! execution plan (docs/resolution.md).
//!
//! Decisions (the README repeats them):
//! - our own files live under `.apothic/steps/<step>/` in the context; a `fromDockerfile`
//!   context sits at the root, minus its `.dockerignore` (which is applied here and left out of
//!   the tar, so it cannot hide our files); the rendered `Dockerfile` is at the root;
//! - symlinks inside copied folders are not followed: they are skipped and reported as a
//!   diagnostic (following them could leave the folder or loop);
//! - a requirements file and the files it includes (`-r`, `-c`) are copied keeping their
//!   relative layout, so pip finds the includes; a cycle is an error;
//! - a pyproject's dependencies are installed by name (as Modal does), not from the file.

mod budget;
pub mod context_tar;
mod from_dockerfile;
pub mod host;
mod identity;
pub(crate) mod inspection;
mod plan;
mod steps;
mod walk;

use serde::Serialize;

use crate::error::{Error, ErrorCode, Result};
use crate::image::Image;
use crate::limits::{show_bytes, DEFAULT_MAX_BYTES, MAX_CONTEXT_BYTES, MAX_MAX_BYTES};
use crate::lint;
use crate::render::RenderState;
use crate::sorting::{sort_by, sort_strings};
use crate::spec::{Base, Step};
use budget::Budgeted;
use context_tar::TarEntry;

pub use host::{
    DirEntry, EntryKind, Host, ImageInspection, LayersUnread, ListingLimit, PythonModule,
};
pub use identity::Input;
pub use plan::{ManagedPython, Plan, PlanMode, PythonPlan};

/// Options of `resolve`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveOptions {
    /// Where the managed CPython comes from when the base image has none.
    pub managed_python: ManagedPython,
    /// The bytes one call may hold: files read whole and folder listings, added up, the build
    /// context of `buildContext` included (default [`DEFAULT_MAX_BYTES`], at most
    /// [`crate::limits::MAX_MAX_BYTES`]); past it, `RESOLVE_TOO_LARGE` (`FOLDER_TOO_LARGE` for
    /// the build context).
    pub max_bytes: u64,
    /// The build key the files must give (a `buildKey` of an earlier resolution of this image):
    /// when they give another, `CONTEXT_CHANGED` and no answer. What builds from a resolution
    /// (`buildContext` after `resolve`) passes it, so the context it builds is the one the key
    /// names, never files changed in between.
    pub build_key: Option<String>,
}

impl Default for ResolveOptions {
    fn default() -> Self {
        ResolveOptions {
            managed_python: ManagedPython::default(),
            max_bytes: DEFAULT_MAX_BYTES,
            build_key: None,
        }
    }
}

/// One layer of the image hash chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct Layer {
    /// The step index, or `null` for the base.
    pub step: Option<usize>,
    /// The step's op (`"pipInstall"`) or the base's (`"debianSlim"`).
    pub op: String,
    /// `sha256:…` of the layer document (see HASHING.md).
    pub hash: String,
    /// The files whose contents the layer depends on, sorted by path.
    pub inputs: Vec<Input>,
    /// The lines of the rendered Dockerfile this layer's step produced (the base: its `FROM`
    /// and any lines that install Python), or `null` for a step that renders no line. Not
    /// hashed.
    pub lines: Option<LineRange>,
}

/// Lines of the rendered Dockerfile, 1-based and inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct LineRange {
    /// The first line.
    pub first: usize,
    /// The last line (`first` for a one-line step).
    pub last: usize,
}

impl LineRange {
    /// The lines `text` takes when appended to a Dockerfile that holds `before` newlines, or
    /// `None` for an empty `text`.
    fn of(before: usize, text: &str) -> Option<LineRange> {
        let (_, head) = text.as_bytes().split_last()?;
        Some(LineRange {
            first: before + 1,
            last: before + 1 + head.iter().filter(|&&b| b == b'\n').count(),
        })
    }
}

/// How many `\n` a text holds.
fn newlines(text: &str) -> usize {
    text.bytes().filter(|&b| b == b'\n').count()
}

/// A file of the build context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct ContextFile {
    /// Path inside the context (`.apothic/steps/3/requirements.txt`, `src/app.py`).
    pub path: String,
    /// Path as the host knows it.
    pub source: String,
    /// Size in bytes.
    pub size: u64,
    /// Permission bits.
    pub mode: u32,
    /// `sha256:…` of its contents.
    pub sha256: String,
}

/// A file attached when a container starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct MountFile {
    /// Path as the host knows it.
    pub source: String,
    /// Path in the container.
    pub remote: String,
    /// Size in bytes.
    pub size: u64,
    /// Permission bits.
    pub mode: u32,
    /// `sha256:…` of its contents.
    pub sha256: String,
}

/// The files of one `addLocal*` step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Mount {
    /// The step index.
    pub step: usize,
    /// The step's op.
    pub op: String,
    /// Every file, sorted by remote path.
    pub files: Vec<MountFile>,
}

/// Something worth knowing that did not stop resolution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Diagnostic {
    /// Stable identifier (`SYMLINK_SKIPPED`, `NO_DEPENDENCIES`, …).
    #[cfg_attr(feature = "wasm", tsify(type = "DiagnosticCode"))]
    pub code: String,
    /// What happened and what to do about it.
    pub message: String,
    /// The step it concerns (left out: the base).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub step: Option<usize>,
}

/// Everything `resolve` finds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Resolution {
    /// The full Dockerfile (every step rendered).
    pub dockerfile: String,
    /// The definition plus every input's digest, chained per layer.
    pub image_hash: String,
    /// The key a derived image is published and looked up by: the image hash, the rendered
    /// Dockerfile and the build context's layout (HASHING.md, "buildKey").
    pub build_key: String,
    /// Everything, runtime mounts included.
    pub spec_hash: String,
    /// The hash chain, base first.
    pub layers: Vec<Layer>,
    /// The build-context files, sorted by path (the rendered `Dockerfile` is added by the tar).
    pub context: Vec<ContextFile>,
    /// Folders of the build context (so empty folders are kept), sorted.
    #[serde(skip)]
    pub context_dirs: Vec<String>,
    /// Files attached at container start.
    pub mounts: Vec<Mount>,
    /// How the image runs.
    pub plan: Plan,
    /// Warnings.
    pub diagnostics: Vec<Diagnostic>,
    /// Lint findings, those `image.lint()` gives and those that need what resolution read
    /// (docs/lint.md).
    pub lint: Vec<crate::lint::Finding>,
}

/// What resolving one step gives.
#[derive(Debug, Default)]
pub(crate) struct ResolvedStep {
    pub instructions: String,
    pub inputs: Vec<Input>,
    pub context: Vec<ContextFile>,
    pub context_dirs: Vec<String>,
    pub mount: Option<Vec<MountFile>>,
    pub diagnostics: Vec<Diagnostic>,
    /// The variables an `envFile` step brings in (for lint).
    pub env: Vec<(String, String)>,
    /// The requirement lines of each file an install step read, by path (for lint).
    pub install_files: Vec<(String, lint::RequirementLines)>,
}

/// Resolves an image through a host, holding at most `options.max_bytes` of what it reads.
pub async fn resolve<H: Host>(
    image: &Image,
    host: &H,
    options: &ResolveOptions,
) -> Result<Resolution> {
    let resolution = resolve_within(
        image,
        &Budgeted::new(host, checked_max_bytes(options)?),
        options,
    )
    .await?;
    check_build_key(&resolution, options)?;
    Ok(resolution)
}

/// `CONTEXT_CHANGED` when `options.build_key` is given and `resolution` has another.
fn check_build_key(resolution: &Resolution, options: &ResolveOptions) -> Result<()> {
    match &options.build_key {
        Some(expected) if *expected != resolution.build_key => Err(Error::new(
            ErrorCode::ContextChanged,
            format!(
                "the files changed since the resolution this call was asked to match: they give the build key {}, not {expected}; resolve again once they stop changing",
                resolution.build_key
            ),
        )),
        _ => Ok(()),
    }
}

/// `options.max_bytes`, or `INVALID_ARGUMENT` when it is 0 or past [`MAX_MAX_BYTES`].
fn checked_max_bytes(options: &ResolveOptions) -> Result<u64> {
    if options.max_bytes == 0 || options.max_bytes > MAX_MAX_BYTES {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            format!(
                "maxBytes must be a whole number of bytes from 1 to {} ({MAX_MAX_BYTES}); it is {}",
                show_bytes(MAX_MAX_BYTES),
                options.max_bytes
            ),
        )
        .at("options.maxBytes"));
    }
    Ok(options.max_bytes)
}

async fn resolve_within<H: Host>(
    image: &Image,
    host: &Budgeted<'_, H>,
    options: &ResolveOptions,
) -> Result<Resolution> {
    let spec = image.to_spec();
    let base = from_dockerfile::resolve_base(&spec.base, host).await?;
    let plan_base = plan::inspect_base(&spec.base, host, options).await?;

    let mut dockerfile = plan_base
        .base_instructions
        .clone()
        .unwrap_or_else(|| base.instructions.clone());
    dockerfile.push_str(&plan_base.install_instructions);
    let base_lines = LineRange::of(0, &dockerfile);
    let mut lines_so_far = newlines(&dockerfile);
    let mut state = RenderState::default();
    state.set_shell(base.shell.clone());
    let base_value = serde_json::to_value(&spec.base).unwrap_or_default();
    let base_inputs = identity::sorted(base.inputs);
    let base_hash = identity::base_layer(
        &serde_json::json!({ "spec": base_value, "python": plan_base.python_document() }),
        plan_base.digest.as_deref(),
        &base_inputs,
    );
    let mut layers = vec![Layer {
        step: None,
        op: base_op(&spec.base).to_string(),
        hash: base_hash.clone(),
        inputs: base_inputs,
        lines: base_lines,
    }];
    let mut context = base.context;
    let mut context_dirs = base.context_dirs;
    let mut diagnostics = base.diagnostics;
    diagnostics.extend(plan_base.diagnostics.iter().cloned());
    let mut mounts = Vec::new();
    let mut prev = base_hash;
    let mut build_steps = 0usize;
    let mut workdirs = from_dockerfile::Workdirs::new(base.workdir);
    let mut lint_facts = lint::Resolved {
        base_digest: plan_base.digest.clone(),
        base_user: plan_base.user.clone(),
        base_dockerfile: base.dockerfile,
        ..lint::Resolved::default()
    };

    for (index, step) in spec.steps.iter().enumerate() {
        // The layer hashes the step as the spec holds it; the Dockerfile and the mounts get its
        // relative paths made absolute against the base's WORKDIR.
        let anchored = workdirs
            .anchor(step)
            .map_err(|e| e.within(&format!("steps[{index}]")))?;
        let resolved = steps::resolve_step(&anchored, index, host, &mut state).await?;
        dockerfile.push_str(&resolved.instructions);
        let lines = LineRange::of(lines_so_far, &resolved.instructions);
        lines_so_far += newlines(&resolved.instructions);
        diagnostics.extend(resolved.diagnostics);
        if let Step::EnvFile { path } = step {
            lint_facts
                .env_files
                .push((index, path.clone(), resolved.env));
        }
        lint_facts.install_files.extend(
            resolved
                .install_files
                .into_iter()
                .map(|(path, lines)| (index, path, lines)),
        );
        if let Some(files) = resolved.mount {
            mounts.push(Mount {
                step: index,
                op: step.op_name().to_string(),
                files,
            });
            continue;
        }
        build_steps += 1;
        let inputs = identity::sorted(resolved.inputs);
        prev = crate::hash::step_layer_hash(&prev, step, &inputs);
        layers.push(Layer {
            step: Some(index),
            op: step.op_name().to_string(),
            hash: prev.clone(),
            inputs,
            lines,
        });
        context.extend(resolved.context);
        context_dirs.extend(resolved.context_dirs);
    }
    sort_by(&mut context, |a, b| a.path.cmp(&b.path));
    context_dirs.extend(context.iter().flat_map(|file| ancestors(&file.path)));
    sort_strings(&mut context_dirs);
    context_dirs.dedup();

    // The Dockerfile is whole here (every line depends on the base inspection and the steps,
    // none on the lookup), so the plan can look the derived image up by its build key.
    let image_hash = prev;
    let build_key = identity::build_key(&image_hash, &dockerfile);
    let spec_hash = identity::spec_hash(&image_hash, &mounts);
    let plan = plan::plan(
        &spec.base,
        build_steps,
        plan_base,
        &image_hash,
        &build_key,
        host,
    )
    .await?;
    Ok(Resolution {
        dockerfile,
        image_hash,
        build_key,
        spec_hash,
        layers,
        context,
        context_dirs,
        mounts,
        plan,
        diagnostics,
        lint: lint::lint_resolved(image, &lint_facts),
    })
}

/// The folders above a context path (`a`, `a/b` for `a/b/c`).
fn ancestors(path: &str) -> impl Iterator<Item = String> + '_ {
    path.match_indices('/')
        .map(move |(at, _)| path[..at].to_string())
}

fn base_op(base: &Base) -> &'static str {
    match base {
        Base::DebianSlim { .. } => "debianSlim",
        Base::FromRegistry { .. } => "fromRegistry",
        Base::FromDockerfile { .. } => "fromDockerfile",
    }
}

/// The build context as a deterministic tar (`docker build - < context.tar`): the rendered
/// `Dockerfile` and every context file and folder, sorted by path, each file read again through
/// the host and checked against the digest resolution recorded. Returns the resolution too.
pub async fn build_context<H: Host>(
    image: &Image,
    host: &H,
    options: &ResolveOptions,
) -> Result<(Resolution, Vec<u8>)> {
    let host = Budgeted::new(host, checked_max_bytes(options)?);
    let resolution = resolve_within(image, &host, options).await?;
    check_build_key(&resolution, options)?;
    // The tar is built in memory: refuse a context past the limit (what is left of the call's
    // budget, at most MAX_CONTEXT_BYTES) before reading it, and read each file with what is
    // left (a listing's sizes may be wrong).
    let limit = MAX_CONTEXT_BYTES.min(host.left());
    let too_large = |size: u64| {
        let why = if limit < MAX_CONTEXT_BYTES {
            format!(
                "what is left of this call's maxBytes of {}",
                show_bytes(host.max())
            )
        } else {
            format!("the {} buildContext writes in memory", show_bytes(limit))
        };
        Error::new(
            ErrorCode::FolderTooLarge,
            format!(
                "the build context holds {} or more, more than {why}; add ignore patterns, or send the files to the engine another way",
                show_bytes(size),
            ),
        )
    };
    let listed = resolution
        .context
        .iter()
        .fold(resolution.dockerfile.len() as u64, |sum, f| {
            sum.saturating_add(f.size)
        });
    if listed > limit {
        return Err(too_large(listed));
    }
    let mut used = resolution.dockerfile.len() as u64;
    let mut contents = Vec::with_capacity(resolution.context.len());
    for file in &resolution.context {
        let budget = limit - used;
        let bytes = host
            .read_file_at_most(&file.source, budget)
            .await
            .map_err(|e| match e.code {
                ErrorCode::FileTooLarge | ErrorCode::ResolveTooLarge => {
                    too_large(used + budget + 1)
                }
                _ => e,
            })?;
        used += bytes.len() as u64;
        if crate::hash::sha256_hex(&bytes) != file.sha256 {
            return Err(Error::new(
                ErrorCode::ContextChanged,
                format!(
                    "{} changed after it was hashed; run again once it stops changing",
                    crate::error::Quoted(&file.source)
                ),
            ));
        }
        contents.push(bytes);
    }
    let mut entries = vec![TarEntry::File {
        path: "Dockerfile",
        mode: 0o644,
        data: resolution.dockerfile.as_bytes(),
    }];
    entries.extend(
        resolution
            .context_dirs
            .iter()
            .map(|path| TarEntry::Dir { path }),
    );
    for (file, data) in resolution.context.iter().zip(&contents) {
        entries.push(TarEntry::File {
            path: &file.path,
            mode: file.mode,
            data,
        });
    }
    let tar = context_tar::write(entries)?;
    Ok((resolution, tar))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_ranges_count_the_lines_a_text_adds() {
        let range = |first, last| Some(LineRange { first, last });
        assert_eq!(LineRange::of(0, ""), None);
        assert_eq!(LineRange::of(0, "FROM a\n"), range(1, 1));
        assert_eq!(LineRange::of(3, "RUN a\nRUN b\n"), range(4, 5));
        // A text that does not end a line (never rendered) still names the line it ends on,
        // and a last character of several bytes is not cut.
        assert_eq!(LineRange::of(1, "RUN a\nENV X=é"), range(2, 3));
        assert_eq!(newlines("a\nb\n\n"), 3);
    }
}
