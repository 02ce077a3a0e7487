//! The definition hash: SHA-256 of the RFC 8785 (JCS) canonical JSON of a spec.

mod jcs;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::spec::ImageSpec;

/// The RFC 8785 canonical JSON text of a spec (the exact bytes the definition hash covers).
pub fn canonical_json(spec: &ImageSpec) -> String {
    canonical_json_of(spec)
}

/// The RFC 8785 canonical JSON text of any part of a spec (a base, a step).
pub fn canonical_json_of<T: Serialize>(value: &T) -> String {
    jcs::to_string(value).unwrap_or_default()
}

/// `sha256:` + 64 lowercase hex digits of the canonical JSON of the spec.
pub fn definition_hash(spec: &ImageSpec) -> String {
    sha256_hex(canonical_json(spec).as_bytes())
}

/// The hash of a build step's layer on top of layer `prev`: `H({"inputs", "prev", "step"})`
/// (HASHING.md), `inputs` being `{path, sha256, mode}` sorted by path. Resolution computes it;
/// the diff of two resolutions checks a resolution's layers with it.
pub fn step_layer_hash<S: Serialize, I: Serialize>(prev: &str, step: &S, inputs: &[I]) -> String {
    /// The layer document (JCS sorts its keys).
    #[derive(Serialize)]
    struct StepLayer<'a, S, I> {
        inputs: &'a [I],
        prev: &'a str,
        step: &'a S,
    }
    sha256_hex(canonical_json_of(&StepLayer { inputs, prev, step }).as_bytes())
}

/// `sha256:` + lowercase hex of the SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex_digest(&Sha256::digest(bytes))
}

/// `sha256:` + lowercase hex of a finished SHA-256 digest.
pub fn hex_digest(digest: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for byte in digest {
        out.push(HEX[usize::from(byte >> 4)] as char);
        out.push(HEX[usize::from(byte & 0xf)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_empty_input() {
        assert_eq!(
            sha256_hex(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
