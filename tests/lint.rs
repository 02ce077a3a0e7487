//! Lint vectors: every `tests/vectors-lint/NAME.json` holds a `spec`, optional `files` (path →
//! text) and `inspections` (reference → `ImageInspection`) a memory host serves, `lint` (what
//! `image.lint()` gives, no I/O) and `resolved` (the `lint` field of the resolution through that
//! host). The same vectors run in wasm under Node (tests/js/lint.test.mjs), in headless
//! Chromium (tests/wasm.rs, `image.lint()`) and in workerd (tests/workerd/workerd.test.mjs,
//! www/worker/test/worker.test.mjs). Vectors with `files` lint what resolution reads: the
//! requirements and pyproject files of install steps, a `fromDockerfile` base's Dockerfile.
//! Regenerate the
//! expected findings with `UPDATE_GOLDEN=1 cargo test --test lint` and read the diff.

#[path = "support/json_vectors.rs"]
mod json_vectors;
#[path = "support/memory_host.rs"]
mod memory_host;

use std::collections::BTreeMap;
use std::fs;

use apothic_image::lint::rules::RULES;
use apothic_image::resolve::{resolve, ImageInspection, ResolveOptions};
use apothic_image::{Finding, Image, Severity};
use memory_host::{block_on, MemoryHost};
use serde_json::Value;

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors-lint");

/// Every vector: (name without `.json`, its JSON).
fn vectors() -> Vec<(String, Value)> {
    json_vectors::read("vectors-lint", 10)
}

fn image_of(vector: &Value) -> Image {
    Image::from_spec(&serde_json::from_value(vector["spec"].clone()).unwrap()).unwrap()
}

fn host_of(vector: &Value) -> MemoryHost {
    let files: BTreeMap<String, String> =
        serde_json::from_value(vector.get("files").cloned().unwrap_or_default())
            .unwrap_or_default();
    let pairs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let mut host = MemoryHost::with(&pairs);
    host.images = serde_json::from_value::<BTreeMap<String, ImageInspection>>(
        vector.get("inspections").cloned().unwrap_or_default(),
    )
    .unwrap_or_default();
    host
}

fn resolved_lint(vector: &Value) -> Vec<Finding> {
    let image = image_of(vector);
    block_on(resolve(
        &image,
        &host_of(vector),
        &ResolveOptions::default(),
    ))
    .unwrap()
    .lint
}

#[test]
fn every_vector_gives_its_findings_spec_only_and_resolved() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    for (name, mut vector) in vectors() {
        let lint = serde_json::to_value(image_of(&vector).lint()).unwrap();
        let resolved = serde_json::to_value(resolved_lint(&vector)).unwrap();
        if update {
            vector["lint"] = lint;
            vector["resolved"] = resolved;
            let text = serde_json::to_string_pretty(&vector).unwrap() + "\n";
            fs::write(format!("{VECTORS}/{name}.json"), text).unwrap();
            continue;
        }
        assert_eq!(lint, vector["lint"], "{name}: image.lint()");
        assert_eq!(resolved, vector["resolved"], "{name}: resolution.lint");
    }
}

#[test]
fn the_vectors_cover_every_rule_and_fixes() {
    let mut seen = std::collections::BTreeSet::new();
    let mut fixes = 0;
    for (_, vector) in vectors() {
        for finding in vector["resolved"].as_array().unwrap() {
            seen.insert(finding["rule"].as_str().unwrap().to_string());
            fixes += usize::from(finding.get("fix").is_some());
        }
    }
    for rule in RULES {
        assert!(seen.contains(rule.id), "no vector shows {}", rule.id);
    }
    assert!(fixes >= 4, "the vectors show {fixes} fixes");
}

#[test]
fn applying_a_fix_removes_its_finding() {
    for (name, vector) in vectors() {
        for finding in resolved_lint(&vector) {
            let Some(fix) = &finding.fix else { continue };
            let fixed = Image::from_spec(&fix.spec).unwrap();
            assert_eq!(
                fixed.to_spec(),
                fix.spec,
                "{name}: the fix spec is canonical"
            );
            let mut host = host_of(&vector);
            // The pinned base is inspected under its new reference.
            let inspections = host.images.clone();
            for (reference, inspection) in inspections {
                if let Some(digest) = &inspection.digest {
                    host.images
                        .insert(format!("{reference}@{digest}"), inspection.clone());
                }
            }
            let after = block_on(resolve(&fixed, &host, &ResolveOptions::default()))
                .unwrap()
                .lint;
            let before = resolved_lint(&vector);
            let count =
                |findings: &[Finding]| findings.iter().filter(|f| f.rule == finding.rule).count();
            assert_eq!(
                count(&after),
                count(&before) - 1,
                "{name}: {} is still found after its fix: {after:?}",
                finding.rule
            );
            // A fix adds no finding, except the pins lint can now check (a `pip install`
            // turned into a `pipInstall` step).
            for rule in after.iter().map(|f| &f.rule) {
                assert!(
                    rule == "AL201" || before.iter().any(|f| &f.rule == rule),
                    "{name}: fixing {} found {rule}",
                    finding.rule
                );
            }
        }
    }
}

#[test]
fn messages_never_show_a_secret_value() {
    for (name, vector) in vectors() {
        let findings = resolved_lint(&vector);
        for secret in ["hunter2", "acme:secret", "sk-0123456789", "ghp_0123"] {
            for finding in &findings {
                assert!(
                    !finding.message.contains(secret) && !finding.name.contains(secret),
                    "{name}: {} shows {secret}",
                    finding.rule
                );
            }
        }
    }
}

#[test]
fn findings_are_ordered_base_first_then_by_step_and_rule() {
    for (name, vector) in vectors() {
        let findings = resolved_lint(&vector);
        let keys: Vec<_> = findings.iter().map(|f| (f.step, f.rule.clone())).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted, "{name}");
    }
}

#[test]
fn severities_order_info_warning_error() {
    assert!(Severity::Info < Severity::Warning && Severity::Warning < Severity::Error);
    assert_eq!(
        serde_json::to_value([Severity::Info, Severity::Warning, Severity::Error]).unwrap(),
        serde_json::json!(["info", "warning", "error"])
    );
}

#[test]
fn rule_ids_and_names_are_unique_and_documented() {
    let doc = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/lint.md")).unwrap();
    let mut ids = std::collections::BTreeSet::new();
    let mut names = std::collections::BTreeSet::new();
    for rule in RULES {
        assert!(ids.insert(rule.id) && names.insert(rule.name), "{rule:?}");
        let severity = serde_json::to_value(rule.severity).unwrap();
        let heading = format!(
            "## {} `{}` ({})",
            rule.id,
            rule.name,
            severity.as_str().unwrap()
        );
        assert!(doc.contains(&heading), "docs/lint.md lacks `{heading}`");
    }
}

#[test]
fn many_secret_steps_stay_bounded_and_keep_fixes_within_the_budget() {
    // 2,000 env steps of one secret each on a spec near the size limit: one finding a step,
    // and no more fix specs than MAX_FIX_BYTES allows.
    let mut image = Image::debian_slim(&Default::default()).unwrap();
    let filler = "x".repeat(1 << 20);
    image = image.env(&[("FILLER", filler.as_str())]).unwrap();
    for i in 0..2000 {
        image = image
            .env(&[(format!("TOKEN_{i}"), "value".to_string())])
            .unwrap();
    }
    let findings = image.lint();
    let secret = findings.iter().filter(|f| f.rule == "AL101").count();
    assert_eq!(secret, 2000);
    let fixes = findings.iter().filter(|f| f.fix.is_some()).count();
    let spec_bytes = image.canonical_json().len();
    assert!(fixes >= 1 && fixes <= apothic_image::lint::MAX_FIX_BYTES / spec_bytes);
}

/// The findings of `spec` resolved through a host of `files`, as (rule, step, message).
fn resolved_with(spec: Value, files: &[(&str, &str)]) -> Vec<(String, Option<usize>, String)> {
    let image = Image::from_spec(&serde_json::from_value(spec).unwrap()).unwrap();
    block_on(resolve(
        &image,
        &MemoryHost::with(files),
        &ResolveOptions::default(),
    ))
    .unwrap()
    .lint
    .into_iter()
    .map(|f| (f.rule, f.step, f.message))
    .collect()
}

fn from_dockerfile(dockerfile: &str) -> Vec<(String, Option<usize>, String)> {
    let spec = serde_json::json!({"version": 1, "steps": [], "base": {
        "op": "fromDockerfile", "path": "Dockerfile", "contextDir": ".", "base": "python:3.12-slim"}});
    resolved_with(spec, &[("Dockerfile", dockerfile)])
}

fn rules(findings: &[(String, Option<usize>, String)]) -> Vec<&str> {
    findings.iter().map(|(rule, ..)| rule.as_str()).collect()
}

#[test]
fn a_base_dockerfile_final_stage_follows_the_stage_it_builds_on() {
    let pinned =
        "python:3.12-slim@sha256:a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
    // `FROM base` inherits `USER app`; stages and `scratch` are not images to pin.
    let clean = from_dockerfile(&format!(
        "FROM {pinned} AS base\nUSER app\nFROM scratch AS empty\nFROM base\nRUN true\n"
    ));
    assert_eq!(rules(&clean), Vec::<&str>::new(), "{clean:?}");
    // The same with `USER 0` in the final stage, and an unpinned image in another stage.
    let root = from_dockerfile(&format!(
        "FROM {pinned} AS base\nUSER app\nFROM node AS tools\nFROM base\nUSER 0:0\n"
    ));
    assert_eq!(rules(&root), ["AL203", "AL301"], "{root:?}");
    assert!(root[0].2.contains("`FROM node` (line 3)"), "{}", root[0].2);
    assert!(
        root[1]
            .2
            .contains("`USER 0:0` last in its final stage (line 5)"),
        "{}",
        root[1].2
    );
    assert!(root.iter().all(|(_, step, _)| step.is_none()));
    // A variable user or image is not judged.
    let unknown = from_dockerfile(&format!(
        "FROM {pinned}\nARG IMG=x\nFROM $IMG\nUSER $APP_USER\n"
    ));
    assert_eq!(rules(&unknown), Vec::<&str>::new(), "{unknown:?}");
    // Spec-only lint does not read the Dockerfile.
    let spec = serde_json::json!({"version": 1, "steps": [], "base": {
        "op": "fromDockerfile", "path": "Dockerfile", "contextDir": ".", "base": "ubuntu"}});
    let image = Image::from_spec(&serde_json::from_value(spec).unwrap()).unwrap();
    assert_eq!(image.lint(), Vec::<Finding>::new());
}

#[test]
fn vcs_requirements_are_pinned_by_a_full_commit_only() {
    let commit = "0123456789abcdef0123456789abcdef01234567";
    let spec = |packages: Vec<String>| {
        let spec = serde_json::json!({"version": 1, "base": {"op": "debianSlim", "pythonVersion": "3.12"},
            "steps": [{"op": "pipInstall", "packages": packages, "options": {"pre": false}}]});
        Image::from_spec(&serde_json::from_value(spec).unwrap())
            .unwrap()
            .lint()
            .into_iter()
            .filter(|f| f.rule == "AL205")
            .count()
    };
    for pinned in [
        format!("x @ git+https://host/org/x.git@{commit}"),
        format!("x @ git+ssh://git@host/org/x.git@{commit}#subdirectory=py"),
        "x @ svn+https://host/repo/trunk@2019".to_string(),
        "x @ https://host/x-1.0.tar.gz".to_string(),
    ] {
        assert_eq!(spec(vec![pinned.clone()]), 0, "{pinned}");
    }
    for loose in [
        "x @ git+https://host/org/x.git",
        "x @ git+https://host/org/x.git@main",
        "x @ git+ssh://git@host/org/x.git@v1.2",
        "x @ git+https://host/org/x.git@0123abc",
    ] {
        assert_eq!(spec(vec![loose.to_string()]), 1, "{loose}");
    }
}

#[test]
fn a_token_in_a_requirements_url_is_found_and_never_shown() {
    let token = "ghp_0123456789abcdefghijklmnopqrstuvwxyz";
    let commit = "0123456789abcdef0123456789abcdef01234567";
    let text = format!("flask==3.0.3\nlib @ git+https://{token}@github.com/org/lib.git@{commit}\n");
    let spec = serde_json::json!({"version": 1, "base": {"op": "debianSlim", "pythonVersion": "3.12"},
        "steps": [{"op": "pipInstallFromRequirements", "path": "req.txt", "options": {"pre": false}}]});
    let found = resolved_with(spec, &[("req.txt", &text)]);
    assert_eq!(rules(&found), ["AL301", "AL103"], "{found:?}");
    assert!(
        found[1].2.contains("`req.txt` line 2 holds a GitHub token"),
        "{}",
        found[1].2
    );
    assert!(found.iter().all(|(.., message)| !message.contains("ghp_")));
}

#[test]
fn a_long_requirements_file_gives_one_finding_listing_a_few() {
    // 100,000 unpinned requirements (1.3 MB over two files): one finding, five named.
    let half = |from: usize| -> String {
        (from..from + 50_000)
            .map(|i| format!("package-{i}\n"))
            .collect()
    };
    let (first, second) = (format!("-r more.txt\n{}", half(0)), half(50_000));
    let spec = serde_json::json!({"version": 1, "base": {"op": "debianSlim", "pythonVersion": "3.12"},
        "steps": [{"op": "pipInstallFromRequirements", "path": "req.txt", "options": {"pre": false}}]});
    let started = std::time::Instant::now();
    let found = resolved_with(spec, &[("req.txt", &first), ("more.txt", &second)]);
    let elapsed = started.elapsed();
    assert_eq!(rules(&found), ["AL301", "AL201"]);
    assert!(found[1].2.contains("and 99995 more"), "{}", found[1].2);
    assert!(found[1].2.len() < 600, "{}", found[1].2);
    assert!(elapsed.as_secs() < 20, "{elapsed:?}");
}

/// Every lint vector runs in wasm too (see `json_vectors::assert_wasm_test_embeds_all`).
#[test]
fn the_wasm_test_embeds_every_lint_vector() {
    json_vectors::assert_wasm_test_embeds_all("vectors-lint", "LINT_VECTORS");
}
