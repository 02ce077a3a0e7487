//! Golden vectors: every `tests/vectors/NAME/calls.json` builder chain must give exactly the
//! stored spec, canonical JSON, Dockerfile (or render error) and definition hash. A change to any
//! of them fails here; regenerate with `UPDATE_GOLDEN=1 cargo test --test golden` only together
//! with a new hash version (see HASHING.md). `errors.json` pins the error code and argument of
//! every kind of bad call.

#[path = "support/calls.rs"]
mod calls;

use std::fs;
use std::path::{Path, PathBuf};

use apothic_image::{hash, Image};
use serde_json::{json, Value};

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors");

fn vector_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(VECTORS)
        .expect("tests/vectors exists")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.join("calls.json").is_file())
        .collect();
    dirs.sort();
    dirs
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(
        &fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The files a vector pins, as (file name, expected contents).
fn outputs(image: &Image) -> Vec<(&'static str, String)> {
    let spec = image.to_spec();
    let oracle = serde_json_canonicalizer::to_string(&spec).expect("JCS oracle");
    assert_eq!(
        image.canonical_json(),
        oracle,
        "canonical JSON differs from the JCS crate"
    );
    assert_eq!(hash::canonical_json(&spec), oracle);
    assert_eq!(
        image.dockerfile().ok(),
        apothic_image::render::render(&spec).ok()
    );
    let mut files = vec![
        (
            "spec.json",
            serde_json::to_string_pretty(&spec).expect("spec serialises") + "\n",
        ),
        ("canonical.json", image.canonical_json()),
        ("hash", image.definition_hash() + "\n"),
    ];
    match image.dockerfile() {
        Ok(dockerfile) => files.push(("Dockerfile", dockerfile)),
        Err(e) => files.push((
            "render-error.json",
            serde_json::to_string_pretty(
                &json!({ "code": e.code.as_str(), "argument": e.argument }),
            )
            .expect("json")
                + "\n",
        )),
    }
    files
}

#[test]
fn golden_vectors_are_unchanged() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let dirs = vector_dirs();
    assert!(
        dirs.len() >= 30,
        "expected at least 30 golden vectors, found {}",
        dirs.len()
    );
    let mut failures = Vec::new();
    for dir in &dirs {
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_string();
        let calls = read_json(&dir.join("calls.json"));
        let image = calls::build(calls.as_array().expect("calls is an array"))
            .unwrap_or_else(|e| panic!("{name}: building failed: {e}"));
        for (file, expected) in outputs(&image) {
            let path = dir.join(file);
            if update {
                fs::write(&path, &expected).expect("write golden file");
                continue;
            }
            match fs::read_to_string(&path) {
                Ok(stored) if stored == expected => {}
                Ok(stored) => failures.push(format!(
                    "{name}/{file} changed:\n--- stored\n{stored}\n--- now\n{expected}"
                )),
                Err(_) => failures.push(format!("{name}/{file} is missing")),
            }
        }
        for stale in ["Dockerfile", "render-error.json"] {
            let pinned = outputs(&image).iter().any(|(f, _)| *f == stale);
            if !pinned && dir.join(stale).exists() {
                if update {
                    fs::remove_file(dir.join(stale)).expect("remove stale file");
                } else {
                    failures.push(format!("{name}/{stale} is stale"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} golden mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    println!("golden vectors: {} passed, 0 failed", dirs.len());
}

#[test]
fn golden_specs_round_trip_through_from_spec() {
    for dir in vector_dirs() {
        let spec_json = fs::read_to_string(dir.join("spec.json")).expect("spec.json");
        let image =
            Image::from_spec_json(&spec_json).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let again = serde_json::to_string_pretty(&image.to_spec()).expect("json") + "\n";
        assert_eq!(
            again,
            spec_json,
            "{}: fromSpec(toSpec(x)) changed the spec",
            dir.display()
        );
        let hash = fs::read_to_string(dir.join("hash")).expect("hash");
        assert_eq!(image.definition_hash() + "\n", hash, "{}", dir.display());
    }
}

#[test]
fn golden_vectors_cover_every_method() {
    let methods = [
        "debianSlim",
        "fromRegistry",
        "fromDockerfile",
        "fromSpec",
        "pipInstall",
        "uvPipInstall",
        "pipInstallFromRequirements",
        "uvPipInstallFromRequirements",
        "pipInstallFromPyproject",
        "uvPipInstallFromPyproject",
        "env",
        "envFile",
        "runCommands",
        "commandShell",
        "workdir",
        "aptInstall",
        "withDockerfile",
        "addLocalFile",
        "addLocalDir",
        "copyLocalFile",
        "copyLocalDir",
        "addLocalPythonSource",
        "copyLocalPythonSource",
    ];
    let used: Vec<String> = vector_dirs()
        .iter()
        .flat_map(|d| {
            read_json(&d.join("calls.json"))
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|call| call[0].as_str().map(str::to_string))
        .collect();
    for method in methods {
        assert!(
            used.iter().any(|m| m == method),
            "no golden vector calls {method}"
        );
    }
}

#[test]
fn error_vectors_give_their_code_and_argument() {
    let cases = read_json(&Path::new(VECTORS).join("errors.json"));
    let cases = cases.as_array().expect("errors.json is an array");
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().expect("name");
        match calls::build(case["calls"].as_array().expect("calls")) {
            Ok(_) => failures.push(format!("{name}: succeeded")),
            Err(e) => {
                if e.code.as_str() != case["code"] {
                    failures.push(format!(
                        "{name}: code {} (expected {})",
                        e.code, case["code"]
                    ));
                }
                if case["argument"].as_str() != e.argument.as_deref() && !case["argument"].is_null()
                {
                    failures.push(format!(
                        "{name}: argument {:?} (expected {})",
                        e.argument, case["argument"]
                    ));
                }
                if e.message.len() < 20 {
                    failures.push(format!("{name}: message too terse: {}", e.message));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!("error vectors: {} passed, 0 failed", cases.len());
}
