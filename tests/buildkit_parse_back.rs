//! Every rendered Dockerfile parses back, with BuildKit's own parser, into the instructions and
//! values of its spec (DESIGN §2 rule 7). The golden specs and a batch of random specs with
//! hostile values are rendered here and handed to `tests/buildkit/parse_back.py`, which parses
//! them with PyPI `dockerfile` (BuildKit's Go parser) and compares them with what each spec means.
//!
//! The random batch uses a fresh seed each run (printed); `PARSE_BACK_SEED=<n>` replays one and
//! `PARSE_BACK_CASES=<n>` changes its size. The Python venv comes from `make setup`.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::Command;

use apothic_image::{Base, Image, ImageSpec, PipOptions, Step, SPEC_VERSION};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::json;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Text users put in values that a naive renderer would break on.
const HOSTILE: &[&str] = &[
    "$HOME",
    "${PATH}",
    "${X:-y}",
    "'",
    "\"",
    "\\",
    "\\'",
    "'\\",
    "a\\",
    "\\$HOME",
    "`id`",
    "$(id)",
    "#",
    " ",
    "\t",
    "--",
    "-x",
    "=",
    "&&",
    ";",
    "|",
    "*",
    "?",
    "[",
    "]",
    "{",
    "}",
    "한국어",
    "🚀",
    "é",
    "\u{a0}",
    "\u{85}",
    "\u{2028}",
    "<<EOF",
    "\u{1b}[31m",
];

fn hostile_text(max_parts: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            prop::sample::select(HOSTILE).prop_map(str::to_string),
            "[a-zA-Z0-9_./:=@%+,-]{1,8}",
            "\\PC{1,4}",
        ],
        0..max_parts,
    )
    .prop_map(|parts| parts.concat())
}

/// Values without the three characters no Dockerfile line can carry.
fn line_text(max_parts: usize) -> impl Strategy<Value = String> {
    hostile_text(max_parts).prop_map(|s| s.replace(['\n', '\r', '\0'], ""))
}

fn nonblank(s: String) -> Option<String> {
    (!s.trim().is_empty()).then_some(s)
}

fn package() -> impl Strategy<Value = String> {
    line_text(4).prop_filter_map("a package", |s| {
        let s = s.replace(|c: char| c.is_control(), "");
        nonblank(s).filter(|s| !s.starts_with('-'))
    })
}

fn url() -> impl Strategy<Value = Option<String>> {
    prop::option::of("https://[a-z]{1,8}\\.example/[a-zA-Z0-9$'\"~_-]{0,12}")
}

fn pip_options() -> impl Strategy<Value = PipOptions> {
    (
        url(),
        url(),
        url(),
        any::<bool>(),
        prop::option::of(prop::collection::vec(line_text(3), 0..3)),
    )
        .prop_map(
            |(index_url, extra_index_url, find_links, pre, extra)| PipOptions {
                index_url,
                extra_index_url,
                find_links,
                pre,
                extra_options: extra.map(apothic_image::quote::shell_join),
            },
        )
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (prop::collection::vec(package(), 1..4), pip_options())
            .prop_map(|(packages, options)| Step::PipInstall { packages, options }),
        (
            prop::collection::vec(package(), 1..4),
            pip_options(),
            "0\\.[0-9]{1,2}\\.[0-9]{1,2}"
        )
            .prop_map(|(packages, options, uv_version)| Step::UvPipInstall {
                packages,
                options,
                uv_version
            }),
        prop::collection::btree_map(
            line_text(3).prop_filter_map("a key", |k| {
                let k: String = k
                    .chars()
                    .filter(|c| !(c.is_whitespace() || c.is_control() || *c == '='))
                    .collect();
                (!k.is_empty()).then_some(k)
            }),
            line_text(5),
            1..4,
        )
        .prop_map(|values: BTreeMap<String, String>| Step::Env { values }),
        prop::collection::vec(
            (
                hostile_text(6),
                prop::sample::select(&["", "\n", "\r\n", "\n\n"][..]),
                hostile_text(3)
            )
                .prop_filter_map("a command", |(a, sep, b)| nonblank(
                    format!("{a}{sep}{b}").replace('\0', "")
                )),
            1..4,
        )
        .prop_map(|commands| Step::RunCommands { commands }),
        prop::option::of(
            prop::collection::vec(line_text(2), 1..3).prop_map(|mut argv| {
                argv.insert(0, "/bin/bash".to_string());
                argv
            })
        )
        .prop_map(|shell| Step::CommandShell { shell }),
        line_text(4)
            .prop_filter_map("a path", |p| nonblank(
                p.replace(|c: char| c.is_control(), "")
            ))
            .prop_map(|path| Step::Workdir { path }),
        prop::collection::vec("[a-z0-9][a-z0-9+.-]{0,10}(=[0-9][a-z0-9.+~:-]{0,6})?", 1..5)
            .prop_map(|packages| Step::AptInstall { packages }),
        Just(Step::WithDockerfile {
            contents: "SHELL [\"/bin/bash\", \"-eu\", \"-c\"]\nRUN echo \\\n  split".into()
        }),
    ]
}

fn spec() -> impl Strategy<Value = ImageSpec> {
    let base = prop_oneof![
        prop::sample::select(&["3.11", "3.12", "3.13.2", "3.15"][..]).prop_map(|v| {
            Base::DebianSlim {
                python_version: v.to_string(),
            }
        }),
        prop::sample::select(
            &[
                "python:3.12",
                "ubuntu",
                "ghcr.io/org/app:v1",
                "localhost:5000/a/b"
            ][..]
        )
        .prop_map(|r| Base::FromRegistry {
            reference: r.to_string(),
            normalized: String::new(),
            prebuilt: false
        }),
    ];
    (base, prop::collection::vec(step(), 0..12)).prop_map(|(base, steps)| ImageSpec {
        version: SPEC_VERSION,
        base,
        steps,
    })
}

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
    let strategy = spec();
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
