//! The image hash, the build key and the spec hash (HASHING.md states the same documents, for other languages).
//!
//! - base layer: `H({"base": {"python": <managed CPython or null>, "spec": <base>},
//!   "digest": <base image digest or null>, "inputs": [...]})`
//! - layer n: `H({"inputs": [...], "prev": <layer n-1>, "step": <step>})` for every build step
//!   (`hash::step_layer_hash`, which the diff of two resolutions checks layers with);
//!   `addLocal*` steps make no layer
//! - imageHash: the last layer; specHash: `H({"imageHash": ..., "mounts": [...]})`, each mount
//!   `{"files": [{"mode", "remote", "sha256", "size"}], "op", "step"}` (where the host found a
//!   file is not part of it, so the same files give the same hash on every machine)
//! - buildKey: `H({"context": CONTEXT_FORMAT, "dockerfile": "sha256:<hex of the Dockerfile>",
//!   "imageHash": ...})`, the key a derived image is published and looked up by: it changes
//!   whenever the image would, a change of how we render or lay out the context included
//!
//! `H` is SHA-256 of the RFC 8785 canonical JSON, written `sha256:<hex>`; `<base>` and `<step>`
//! are exactly the spec's JSON values; inputs are `{"path", "sha256", "mode"}` sorted by path.

use serde::Serialize;
use serde_json::{json, Value};

use crate::hash::{canonical_json_of, sha256_hex};
use crate::resolve::context_tar::CONTEXT_FORMAT;
use crate::resolve::Mount;

/// One input of a layer: a file whose contents the layer depends on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct Input {
    /// Where the file sits in the build context (or the host path for inputs outside it).
    pub path: String,
    /// `sha256:…` of its contents.
    pub sha256: String,
    /// Permission bits (`0o777` mask), as the image gets them.
    pub mode: u32,
}

fn hash_document(document: &Value) -> String {
    sha256_hex(canonical_json_of(document).as_bytes())
}

/// Inputs in the order the layer documents list them (by path).
pub(crate) fn sorted(mut inputs: Vec<Input>) -> Vec<Input> {
    crate::sorting::sort_by(&mut inputs, |a, b| a.path.cmp(&b.path));
    inputs
}

/// The hash of the base layer (`inputs` sorted by path).
pub fn base_layer<T: Serialize>(base: &T, digest: Option<&str>, inputs: &[Input]) -> String {
    hash_document(&json!({ "base": base, "digest": digest, "inputs": inputs }))
}

/// The build key: the image hash, the rendered Dockerfile's bytes and the build context's tar
/// layout ([`CONTEXT_FORMAT`]), everything a derived image is built from.
pub fn build_key(image_hash: &str, dockerfile: &str) -> String {
    hash_document(&json!({
        "context": CONTEXT_FORMAT,
        "dockerfile": sha256_hex(dockerfile.as_bytes()),
        "imageHash": image_hash,
    }))
}

/// The spec hash: the image hash plus the runtime mounts (their files' remote paths, sizes,
/// modes and digests; not the host paths they were read from).
pub fn spec_hash(image_hash: &str, mounts: &[Mount]) -> String {
    let mounts: Vec<Value> = mounts
        .iter()
        .map(|m| {
            let files: Vec<Value> =
                m.files.iter().map(|f| json!({ "mode": f.mode, "remote": f.remote, "sha256": f.sha256, "size": f.size })).collect();
            json!({ "files": files, "op": m.op, "step": m.step })
        })
        .collect();
    hash_document(&json!({ "imageHash": image_hash, "mounts": mounts }))
}
