//! What the diff reads of a resolution (docs/diff.md, "With resolutions"), as plain data: the
//! diff sits below resolution (ARCHITECTURE.md §2), so it takes the few fields it needs, not a
//! `Resolution`. Each is checked against its image before use: the layers are the image's (one
//! per build step, the base first, each op the image's), every build step's layer hash is
//! recomputed from the layer before it, the step and the layer's inputs (HASHING.md, "Build-step
//! layers"), and the layers' lines tile the Dockerfile. A resolution of another image is an
//! `INVALID_ARGUMENT` naming the field that shows it.

use serde::Serialize;

use super::DiffLines;
use crate::error::{Error, ErrorCode, Result};
use crate::hash::step_layer_hash;
use crate::spec::Step;

/// The resolutions of both sides of a diff: `diff_resolved(before, after, resolutions)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolutions {
    /// The before image's resolution.
    pub before: ResolvedImage,
    /// The after image's resolution.
    pub after: ResolvedImage,
}

/// What the diff reads of one `Resolution`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedImage {
    /// `resolution.dockerfile`: the full Dockerfile.
    pub dockerfile: String,
    /// `resolution.imageHash`: the last layer's hash.
    pub image_hash: String,
    /// `resolution.layers`, base first.
    pub layers: Vec<ResolvedLayer>,
}

/// What the diff reads of one layer of `resolution.layers`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedLayer {
    /// The step index, or `None` for the base.
    pub step: Option<usize>,
    /// The step's op or the base's.
    pub op: String,
    /// `sha256:…` of the layer document.
    pub hash: String,
    /// The files the layer depends on, as the resolution lists them.
    pub inputs: Vec<LayerInput>,
    /// Its lines in `dockerfile`, or `None` when it renders none.
    pub lines: Option<DiffLines>,
}

/// One input of a layer (`resolution.layers[i].inputs[k]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LayerInput {
    /// Where the file sits in the build context (or the host path).
    pub path: String,
    /// `sha256:…` of its contents.
    pub sha256: String,
    /// Its permission bits.
    pub mode: u32,
}

/// A resolution checked against its image: the layer hashes, and the rendered text of the base
/// and of each step (empty for a runtime step), indexed as the diff's blocks are.
pub(super) struct Checked {
    pub hashes: Vec<String>,
    pub blocks: Vec<String>,
}

fn mismatch(at: String, message: String) -> Error {
    Error::new(ErrorCode::InvalidArgument, message).at(at)
}

/// Checks `resolved` against the image of base op `base_op` and `steps`, as a resolution of
/// that image (errors name the field, relative to the resolution).
pub(super) fn check(resolved: &ResolvedImage, base_op: &str, steps: &[Step]) -> Result<Checked> {
    let build: Vec<usize> = (0..steps.len())
        .filter(|&i| !steps[i].is_runtime())
        .collect();
    let layers = &resolved.layers;
    if layers.len() != build.len() + 1 {
        return Err(mismatch(
            "layers".into(),
            format!(
                "this resolution has {} layers, but its image has {} (the base and one per build step): it is the resolution of another image; resolve this image itself",
                layers.len(),
                build.len() + 1
            ),
        ));
    }
    let mut wanted = vec![(None, base_op)];
    wanted.extend(build.iter().map(|&i| (Some(i), steps[i].op_name())));
    for (k, (layer, (step, op))) in layers.iter().zip(&wanted).enumerate() {
        if layer.step != *step || layer.op != *op {
            let is = |s: Option<usize>| s.map_or("the base".to_string(), |s| format!("step {s}"));
            return Err(mismatch(
                format!("layers[{k}]"),
                format!(
                    "this layer is {} ({}), but layer {k} of its image is {} ({op}): the resolution of another image; resolve this image itself",
                    is(layer.step),
                    layer.op,
                    is(*step)
                ),
            ));
        }
        if k > 0 {
            let step = &steps[build[k - 1]];
            let hash = step_layer_hash(&layers[k - 1].hash, step, &layer.inputs);
            if hash != layer.hash {
                return Err(mismatch(
                    format!("layers[{k}].hash"),
                    format!(
                        "this layer's hash is not that of step {} of its image over the layer before it with these inputs ({hash}, not {}): the resolution of another image, or an edited one; resolve this image itself",
                        build[k - 1], layer.hash
                    ),
                ));
            }
        }
    }
    let last = &layers[layers.len() - 1].hash;
    if resolved.image_hash != *last {
        return Err(mismatch(
            "imageHash".into(),
            format!(
                "the image hash {} is not the last layer's hash {last}",
                resolved.image_hash
            ),
        ));
    }
    Ok(Checked {
        hashes: layers.iter().map(|l| l.hash.clone()).collect(),
        blocks: blocks(resolved, steps.len())?,
    })
}

/// The Dockerfile cut into the lines of each layer, indexed as the diff's blocks (the base,
/// then one per step); the layers' lines must tile it, in order.
fn blocks(resolved: &ResolvedImage, steps: usize) -> Result<Vec<String>> {
    let lines: Vec<&str> = resolved.dockerfile.split_terminator('\n').collect();
    let mut blocks = vec![String::new(); steps + 1];
    let mut next = 1;
    for (k, layer) in resolved.layers.iter().enumerate() {
        let Some(range) = layer.lines else { continue };
        if range.first != next || range.last < range.first || range.last > lines.len() {
            return Err(mismatch(
                format!("layers[{k}].lines"),
                format!(
                    "lines {}–{} do not follow the layer before it (line {next} next) within the Dockerfile's {} lines",
                    range.first,
                    range.last,
                    lines.len()
                ),
            ));
        }
        let block = &mut blocks[layer.step.map_or(0, |s| s + 1)];
        for line in &lines[range.first - 1..range.last] {
            block.push_str(line);
            block.push('\n');
        }
        next = range.last + 1;
    }
    if next != lines.len() + 1 {
        return Err(mismatch(
            "dockerfile".into(),
            format!(
                "the Dockerfile has {} lines, but its layers name {}",
                lines.len(),
                next - 1
            ),
        ));
    }
    Ok(blocks)
}
