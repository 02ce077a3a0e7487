//! Every rendered Dockerfile parses back, with BuildKit's own parser, into the instructions and
//! values of its spec (ARCHITECTURE.md §4 rule 7). The golden specs and a batch of random specs with
//! hostile values are rendered here and handed to `tests/buildkit/parse_back.py`, which parses
//! them with PyPI `dockerfile` (BuildKit's Go parser) and compares them with what each spec means.
//!
//! The random batch uses a fresh seed each run (printed); `PARSE_BACK_SEED=<n>` replays one and
//! `PARSE_BACK_CASES=<n>` changes its size. The Python venv comes from `make setup`.

use std::fs;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::Command;

#[path = "support/spec_strategies.rs"]
mod spec_strategies;

use apothic_image::Image;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::json;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn python() -> PathBuf {
    match std::env::var_os("APOTHIC_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(ROOT).join(".venv/bin/python"),
    }
}

#[test]
fn rendered_dockerfiles_parse_back_to_their_specs() {
    let seed: u64 = std::env::var("PARSE_BACK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        });
    let count: usize = std::env::var("PARSE_BACK_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(400);

    let mut cases = Vec::new();
    for entry in fs::read_dir(PathBuf::from(ROOT).join("tests/vectors")).expect("vectors") {
        let dir = entry.expect("entry").path();
        if let (Ok(spec), Ok(dockerfile)) = (
            fs::read_to_string(dir.join("spec.json")),
            fs::read_to_string(dir.join("Dockerfile")),
        ) {
            let spec: serde_json::Value = serde_json::from_str(&spec).expect("spec json");
            cases.push(json!({ "name": format!("golden/{}", dir.file_name().unwrap_or_default().to_string_lossy()), "spec": spec, "dockerfile": dockerfile }));
        }
    }
    let golden = cases.len();
    assert!(
        golden >= 25,
        "expected the golden Dockerfiles, found {golden}"
    );

    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    let strategy = spec_strategies::spec();
    let (mut rendered, mut rejected) = (0, 0);
    while rendered < count {
        let raw = strategy
            .new_tree(&mut runner)
            .expect("generate a spec")
            .current();
        let image = match Image::from_spec(&raw) {
            Ok(image) => image,
            Err(_) => {
                rejected += 1;
                assert!(
                    rejected < count * 20,
                    "the generator makes too few valid specs"
                );
                continue;
            }
        };
        let dockerfile = image
            .dockerfile()
            .unwrap_or_else(|e| panic!("seed {seed}: render failed: {e}"));
        cases.push(json!({ "name": format!("random/{rendered}"), "spec": image.to_spec(), "dockerfile": dockerfile }));
        rendered += 1;
    }

    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let input = dir.join(format!("parse-back-{seed}.jsonl"));
    let mut file = fs::File::create(&input).expect("create jsonl");
    for case in &cases {
        writeln!(file, "{case}").expect("write jsonl");
    }
    drop(file);

    let python = python();
    let output = Command::new(&python)
        .arg(PathBuf::from(ROOT).join("tests/buildkit/parse_back.py"))
        .arg(&input)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {} ({e}): run `make setup` first to create the venv with BuildKit's parser", python.display()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "parse-back failed for seed {seed} (replay: PARSE_BACK_SEED={seed}); cases in {}\n{stdout}\n{stderr}",
        input.display()
    );
    let summary = format!("parse-back: {} passed, 0 failed", cases.len());
    assert!(
        stdout.contains(&summary),
        "expected `{summary}` ({golden} golden + {count} random)"
    );
}
