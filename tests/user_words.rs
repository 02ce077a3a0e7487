//! `Diagnostic.code` is a TypeScript union written from one list in Rust (the
//! `diagnostic_codes!` call in src/wasm/errors.rs): that list holds exactly the codes the core
//! emits (every `code: "…".into()` of a `Diagnostic` under src/).

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The quoted upper-case words in `text` after each `marker`, up to the quote that ends each.
fn codes_after(text: &str, marker: &str) -> BTreeSet<String> {
    text.match_indices(marker)
        .filter_map(|(at, _)| {
            let rest = &text[at + marker.len()..];
            let end = rest.find('"')?;
            let code = &rest[..end];
            (!code.is_empty() && code.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'))
                .then(|| code.to_string())
        })
        .collect()
}

#[test]
fn the_diagnostic_code_union_lists_every_code_the_core_emits() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src/resolve"), &mut files);
    let mut emitted = BTreeSet::new();
    for file in &files {
        let text = fs::read_to_string(file).unwrap();
        // `Diagnostic { code: "SYMLINK_SKIPPED".into(), … }`
        emitted.extend(codes_after(&text, "code: \""));
    }
    let errors = fs::read_to_string(root.join("src/wasm/errors.rs")).unwrap();
    let list = errors
        .split("\ndiagnostic_codes!(")
        .nth(1)
        .and_then(|rest| rest.split(");").next())
        .expect("the diagnostic_codes! list in src/wasm/errors.rs");
    let listed = codes_after(list, "\"");
    assert!(
        listed.len() >= 7,
        "the list holds only {listed:?}: it lost codes"
    );
    assert_eq!(
        listed, emitted,
        "the diagnostic_codes! list in src/wasm/errors.rs (left) and the codes src/resolve emits (right) differ"
    );
}
