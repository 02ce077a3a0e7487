//! A diff of two images for review (docs/diff.md): which layers of the after image a builder's
//! cache reuses from the before image and which rebuild, the steps added, removed and changed,
//! and a unified diff of the two rendered Dockerfiles. Pure: no I/O, no host.
//!
//! Layers are compared as the image hash chains them (HASHING.md): the base, then one layer per
//! build step, each covering the one before it, so after the first layer that changes every
//! later one rebuilds. Without resolution the files a layer reads are unknown: such a layer
//! whose definition is the same on both sides is `unknown` (it is reused only if its files are
//! unchanged), and so is every later unchanged one. A step or base that needs file contents to
//! render is shown in the Dockerfiles as one comment line holding its canonical JSON, so a
//! change to its definition still shows as a changed line.
//!
//! With the resolutions of both images ([`diff_resolved`]), layers are compared by their hashes
//! instead, so none is unknown, and the hunks are those of the two resolved Dockerfiles.
//!
//! Work is bounded: every comparison table is paid for from [`crate::limits::MAX_DIFF_CELLS`]
//! before it is made (`DIFF_TOO_LARGE` past it).

mod lines;
mod resolved;

pub use lines::{Hunk, HunkLine, LineKind, CONTEXT_LINES};
pub use resolved::{LayerInput, Resolutions, ResolvedImage, ResolvedLayer};

use serde::Serialize;

use crate::error::{ErrorCode, Result};
use crate::hash;
use crate::image::Image;
use crate::render::{self, RenderState};
use crate::spec::{Base, Step};
use lines::{Budget, Edit};

/// What the first line of a step or base that resolution renders starts with.
pub const UNRENDERED_PREFIX: &str = "# rendered by resolve: ";

/// The diff of two images: `diff(before, after)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct ImageDiff {
    /// True when the two specs are the same (same definition hash): nothing to review. In a
    /// diff of resolutions, also the same image hash and resolved Dockerfile.
    pub identical: bool,
    /// The before image.
    pub before: DiffSide,
    /// The after image.
    pub after: DiffSide,
    /// True when the bases differ (then every layer rebuilds).
    pub base_changed: bool,
    /// The steps added, removed and changed, by index.
    pub steps: StepChanges,
    /// The after image's layers (the base, then one per build step), each with what a build
    /// after the before image does with it.
    pub layers: Vec<LayerChange>,
    /// How many layers of `layers` are reused.
    pub reused: usize,
    /// How many rebuild.
    pub rebuild: usize,
    /// How many are unknown until resolved (they read files).
    pub unknown: usize,
    /// The index in `layers` of the first layer that rebuilds, or `null` when none does.
    pub first_rebuild: Option<usize>,
    /// The unified diff of the two Dockerfiles, with [`CONTEXT_LINES`] lines of context.
    pub hunks: Vec<Hunk>,
}

/// One side of a diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct DiffSide {
    /// Its `definitionHash()`. (The image hash needs the files: `resolve()` gives it.)
    pub definition_hash: String,
    /// Its resolution's `imageHash`, in a diff of resolutions; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub image_hash: Option<String>,
    /// Its number of steps.
    pub steps: usize,
    /// Its number of Dockerfile lines, as the diff shows them (of the resolved Dockerfile in a
    /// diff of resolutions).
    pub lines: usize,
    /// The steps whose lines only resolution renders (each shown as one comment line), the
    /// base as `null` first when it is a `fromDockerfile` base. Empty when the Dockerfile the
    /// diff shows is the image's `dockerfile()`.
    pub unrendered: Vec<Option<usize>>,
}

/// The steps added, removed and changed, from the longest run of equal steps the two lists
/// share; where steps were removed and others added between two shared ones, they pair up as
/// changed, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct StepChanges {
    /// Indexes in the after image of steps it added.
    pub added: Vec<usize>,
    /// Indexes in the before image of steps it no longer has.
    pub removed: Vec<usize>,
    /// Steps changed: the index on each side.
    pub changed: Vec<StepPair>,
    /// How many steps are the same on both sides.
    pub unchanged: usize,
}

/// A step of the before image and the step of the after image it became.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct StepPair {
    /// Its index in the before image.
    pub before: usize,
    /// Its index in the after image.
    pub after: usize,
}

/// What a build after the before image does with one layer of the after image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub enum LayerStatus {
    /// Taken from the cache: it and every layer before it are unchanged.
    Reused,
    /// Built again.
    Rebuild,
    /// Reused only if the files it (or an unknown layer before it) reads are unchanged:
    /// resolve both images and compare `layers[].hash` to know.
    Unknown,
}

/// Why a layer has its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub enum LayerReason {
    /// Its definition and every layer before it are the same (reused).
    Unchanged,
    /// Its definition differs from the before image's layer at the same place (rebuild).
    Changed,
    /// The before image has no layer at this place (rebuild).
    Added,
    /// A layer before it rebuilds (rebuild).
    AfterRebuild,
    /// Same definition, but it reads files that only resolution hashes (unknown).
    ReadsFiles,
    /// Same definition, after a layer that is unknown (unknown).
    AfterUnknown,
    /// Same definition and every layer before it reused, but another hash: what resolution
    /// read for it differs (a file's bytes or mode; for the base, also the image digest or the
    /// managed Python). Only in a diff of resolutions (rebuild).
    FilesChanged,
}

/// One layer of the after image in a diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct LayerChange {
    /// The step index in the after image, or `null` for the base.
    pub step: Option<usize>,
    /// The step's op (`"pipInstall"`) or the base's (`"debianSlim"`).
    pub op: String,
    /// Reused, rebuild or unknown.
    pub status: LayerStatus,
    /// Why.
    pub reason: LayerReason,
    /// Its lines in the after Dockerfile as the diff shows it (1-based, inclusive), or `null`
    /// when it renders none.
    pub lines: Option<DiffLines>,
}

/// Lines of a Dockerfile, 1-based and inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct DiffLines {
    /// The first line.
    pub first: usize,
    /// The last line.
    pub last: usize,
}

/// The diff of `before` and `after` (docs/diff.md). Errors: `DIFF_TOO_LARGE` past the work
/// limit; a rendering error of either image other than `NEEDS_RESOLVE` (`LINE_TOO_LONG`), with
/// its argument under `before` or `after`.
pub fn diff(before: &Image, after: &Image) -> Result<ImageDiff> {
    let a = Parts::of(before).map_err(|e| e.within("before"))?;
    let b = Parts::of(after).map_err(|e| e.within("after"))?;
    diff_parts(&a, &b)
}

/// The diff of `before` and `after` from their resolutions (docs/diff.md, "With
/// resolutions"): each layer is `reused` when its hash is `before`'s at the same place, else
/// `rebuild` (`filesChanged` when only what resolution read differs); the hunks are those of the
/// resolved Dockerfiles. Errors: those of [`diff`], and `INVALID_ARGUMENT` at
/// `resolutions.before…` / `resolutions.after…` for a resolution that is not of its image.
pub fn diff_resolved(
    before: &Image,
    after: &Image,
    resolutions: &Resolutions,
) -> Result<ImageDiff> {
    let a = Parts::of(before).map_err(|e| e.within("before"))?;
    let b = Parts::of(after).map_err(|e| e.within("after"))?;
    let a = a
        .resolved(&resolutions.before)
        .map_err(|e| e.within("resolutions.before"))?;
    let b = b
        .resolved(&resolutions.after)
        .map_err(|e| e.within("resolutions.after"))?;
    diff_parts(&a, &b)
}

fn diff_parts(a: &Parts, b: &Parts) -> Result<ImageDiff> {
    let mut budget = Budget::new();
    let steps = step_changes(a, b, &mut budget)?;
    let (a_lines, b_lines) = (a.lines(), b.lines());
    let edits = line_script(a, b, &mut budget)?;
    let layers = layer_changes(a, b);
    let count = |status| layers.iter().filter(|l| l.status == status).count();
    let hunks = lines::hunks(&a_lines, &b_lines, &edits);
    // With resolutions, the same specs over other files are not identical.
    let same_resolved = match (&a.resolved, &b.resolved) {
        (Some((_, a)), Some((_, b))) => a == b && hunks.is_empty(),
        _ => true,
    };
    Ok(ImageDiff {
        identical: a.definition_hash == b.definition_hash && same_resolved,
        base_changed: a.base_json != b.base_json,
        reused: count(LayerStatus::Reused),
        rebuild: count(LayerStatus::Rebuild),
        unknown: count(LayerStatus::Unknown),
        first_rebuild: layers.iter().position(|l| l.status == LayerStatus::Rebuild),
        hunks,
        steps,
        layers,
        before: a.side(a_lines.len()),
        after: b.side(b_lines.len()),
    })
}

/// What the diff needs of one image.
struct Parts {
    definition_hash: String,
    base: Base,
    base_json: String,
    steps: Vec<Step>,
    step_json: Vec<String>,
    /// The rendered text of the base, then of each step (a comment line when only resolution
    /// renders it; in a diff of resolutions, the resolved text).
    blocks: Vec<String>,
    /// In a diff of resolutions: the layer hashes (base first) and the image hash.
    resolved: Option<(Vec<String>, String)>,
}

impl Parts {
    fn of(image: &Image) -> Result<Parts> {
        let spec = image.to_spec();
        let mut blocks = Vec::with_capacity(spec.steps.len() + 1);
        let base_json = hash::canonical_json_of(&spec.base);
        blocks.push(rendered(render::render_base(&spec.base), &base_json)?);
        let mut state = RenderState::default();
        let step_json: Vec<String> = spec.steps.iter().map(hash::canonical_json_of).collect();
        for (index, (step, json)) in spec.steps.iter().zip(&step_json).enumerate() {
            blocks.push(rendered(
                render::render_step(step, index, &mut state),
                json,
            )?);
        }
        Ok(Parts {
            definition_hash: image.definition_hash(),
            base: spec.base,
            base_json,
            steps: spec.steps,
            step_json,
            blocks,
            resolved: None,
        })
    }

    /// These parts with the resolved Dockerfile and layer hashes of `resolution`, checked to be
    /// this image's.
    fn resolved(self, resolution: &ResolvedImage) -> Result<Parts> {
        let checked = resolved::check(resolution, base_op(&self.base), &self.steps)?;
        Ok(Parts {
            blocks: checked.blocks,
            resolved: Some((checked.hashes, resolution.image_hash.clone())),
            ..self
        })
    }

    /// The Dockerfile's lines as the diff shows them.
    fn lines(&self) -> Vec<&str> {
        self.blocks
            .iter()
            .flat_map(|block| block.split_terminator('\n'))
            .collect()
    }

    fn side(&self, lines: usize) -> DiffSide {
        let base = matches!(self.base, Base::FromDockerfile { .. }).then_some(None);
        let resolved = self.resolved.as_ref();
        DiffSide {
            definition_hash: self.definition_hash.clone(),
            image_hash: resolved.map(|(_, image_hash)| image_hash.clone()),
            steps: self.steps.len(),
            lines,
            unrendered: base
                .filter(|_| resolved.is_none())
                .into_iter()
                .chain(
                    self.steps
                        .iter()
                        .enumerate()
                        .filter(|(_, s)| resolved.is_none() && s.needs_resolve())
                        .map(|(i, _)| Some(i)),
                )
                .collect(),
        }
    }

    /// The indexes of the build steps (the runtime steps make no layer).
    fn build_steps(&self) -> Vec<usize> {
        (0..self.steps.len())
            .filter(|&i| !self.steps[i].is_runtime())
            .collect()
    }
}

/// A rendered base or step, or the comment line that stands for it when only resolution
/// renders it.
fn rendered(result: Result<String>, json: &str) -> Result<String> {
    match result {
        Ok(text) => Ok(text),
        Err(e) if e.code == ErrorCode::NeedsResolve => Ok(format!("{UNRENDERED_PREFIX}{json}\n")),
        Err(e) => Err(e),
    }
}

/// The steps added, removed and changed.
fn step_changes(a: &Parts, b: &Parts, budget: &mut Budget) -> Result<StepChanges> {
    let edits = lines::script(&strs(&a.step_json), &strs(&b.step_json), budget, "steps")?;
    let mut out = StepChanges::default();
    let (mut removed, mut added) = (Vec::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    for edit in edits.iter().chain([&Edit::Keep]) {
        match edit {
            Edit::Remove => {
                removed.push(i);
                i += 1;
            }
            Edit::Add => {
                added.push(j);
                j += 1;
            }
            Edit::Keep => {
                let pairs = removed.len().min(added.len());
                out.changed.extend((0..pairs).map(|k| StepPair {
                    before: removed[k],
                    after: added[k],
                }));
                out.removed.extend(removed.drain(..).skip(pairs));
                out.added.extend(added.drain(..).skip(pairs));
                (i, j) = (i + 1, j + 1);
            }
        }
    }
    out.unchanged = edits.iter().filter(|e| **e == Edit::Keep).count();
    Ok(out)
}

/// The line script of the two Dockerfiles: steps whose rendered text is the same on both sides
/// (by the longest common run) keep their lines; the lines between them are diffed line by line.
fn line_script(a: &Parts, b: &Parts, budget: &mut Budget) -> Result<Vec<Edit>> {
    let blocks = lines::script(&strs(&a.blocks), &strs(&b.blocks), budget, "rendered steps")?;
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    let (mut gone, mut new): (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
    for edit in blocks.iter().chain([&Edit::Keep]) {
        match edit {
            Edit::Remove => {
                gone.extend(a.blocks[i].split_terminator('\n'));
                i += 1;
            }
            Edit::Add => {
                new.extend(b.blocks[j].split_terminator('\n'));
                j += 1;
            }
            Edit::Keep => {
                out.extend(lines::script(&gone, &new, budget, "Dockerfile lines")?);
                gone.clear();
                new.clear();
                if let Some(block) = a.blocks.get(i) {
                    out.extend(block.split_terminator('\n').map(|_| Edit::Keep));
                }
                (i, j) = (i + 1, j + 1);
            }
        }
    }
    Ok(out)
}

/// The texts as `&str`, so that one instance of [`lines::script`] serves every comparison.
fn strs(texts: &[String]) -> Vec<&str> {
    texts.iter().map(String::as_str).collect()
}

/// What a build after `a` does with each layer of `b`.
fn layer_changes(a: &Parts, b: &Parts) -> Vec<LayerChange> {
    let (a_build, b_build) = (a.build_steps(), b.build_steps());
    let mut first_line = 1;
    let all_lines: Vec<Option<DiffLines>> = b
        .blocks
        .iter()
        .map(|block| {
            let count = block.split_terminator('\n').count();
            let range = (count > 0).then(|| DiffLines {
                first: first_line,
                last: first_line + count - 1,
            });
            first_line += count;
            range
        })
        .collect();
    let base_reads_files = matches!(b.base, Base::FromDockerfile { .. });
    // In a diff of resolutions: whether layer `k` of `b` has the hash of `a`'s layer `k`.
    let same_hash = |k: usize| match (&a.resolved, &b.resolved) {
        (Some((a, _)), Some((b, _))) => Some(a.get(k) == b.get(k)),
        _ => None,
    };
    let mut layers = Vec::with_capacity(b_build.len() + 1);
    let base = next_status(
        LayerStatus::Reused,
        a.base_json == b.base_json,
        true,
        base_reads_files,
        same_hash(0),
    );
    layers.push(LayerChange {
        step: None,
        op: base_op(&b.base).to_string(),
        status: base.0,
        reason: base.1,
        lines: all_lines[0],
    });
    let mut prev = base;
    for (k, &j) in b_build.iter().enumerate() {
        let before = a_build.get(k).map(|&i| &a.step_json[i]);
        let now = next_status(
            prev.0,
            before == Some(&b.step_json[j]),
            before.is_some(),
            b.steps[j].needs_resolve(),
            same_hash(k + 1),
        );
        layers.push(LayerChange {
            step: Some(j),
            op: b.steps[j].op_name().to_string(),
            status: now.0,
            reason: now.1,
            lines: all_lines[j + 1],
        });
        prev = now;
    }
    layers
}

/// A layer's status from the one before it, its own definition and, in a diff of resolutions,
/// whether its hash is the same as the before layer's at its place.
fn next_status(
    prev: LayerStatus,
    same: bool,
    existed: bool,
    reads_files: bool,
    same_hash: Option<bool>,
) -> (LayerStatus, LayerReason) {
    match (prev, same, existed) {
        (LayerStatus::Rebuild, _, _) => (LayerStatus::Rebuild, LayerReason::AfterRebuild),
        (_, _, false) => (LayerStatus::Rebuild, LayerReason::Added),
        (_, false, true) => (LayerStatus::Rebuild, LayerReason::Changed),
        _ if same_hash == Some(true) => (LayerStatus::Reused, LayerReason::Unchanged),
        _ if same_hash == Some(false) => (LayerStatus::Rebuild, LayerReason::FilesChanged),
        (LayerStatus::Unknown, true, true) => (LayerStatus::Unknown, LayerReason::AfterUnknown),
        (LayerStatus::Reused, true, true) if reads_files => {
            (LayerStatus::Unknown, LayerReason::ReadsFiles)
        }
        (LayerStatus::Reused, true, true) => (LayerStatus::Reused, LayerReason::Unchanged),
    }
}

/// The op name of a base, as `resolution.layers[0].op` gives it.
fn base_op(base: &Base) -> &'static str {
    match base {
        Base::DebianSlim { .. } => "debianSlim",
        Base::FromRegistry { .. } => "fromRegistry",
        Base::FromDockerfile { .. } => "fromDockerfile",
    }
}
