//! Conformance of `apothic_image::formats::ignore` with moby/patternmatcher, the matcher behind Docker's
//! `.dockerignore` (https://github.com/moby/patternmatcher, Apache License 2.0; see
//! `tests/conformance/NOTICE.md`).
//!
//! The vectors (`tests/conformance/dockerignore.json`) are the cases of `TestMatches` in
//! `patternmatcher_test.go`: each is `{"patterns": […], "path": …, "matches": bool}`, the
//! patterns in order (later ones override). Go runs them through `New(patterns)` and
//! `MatchesOrParentMatches(path)`; here that is `Patterns::new` and `Patterns::matches`. Every
//! case must pass.

use apothic_image::formats::ignore::Patterns;
use serde_json::Value;

const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/conformance/dockerignore.json"
);

fn string(v: &Value) -> Result<String, String> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("expected a string, got {v}"))
}

/// One case: the patterns, the path, the expected result.
fn parse_case(case: &Value) -> Result<(Vec<String>, String, bool), String> {
    let patterns = case["patterns"]
        .as_array()
        .filter(|a| !a.is_empty())
        .ok_or_else(|| format!("a case has a non-empty `patterns` list, got {case}"))?
        .iter()
        .map(string)
        .collect::<Result<_, _>>()?;
    let path = string(&case["path"])?;
    let want = case["matches"]
        .as_bool()
        .ok_or_else(|| format!("a case has a boolean `matches`, got {case}"))?;
    Ok((patterns, path, want))
}

/// Runs one case: `Ok(number of patterns)` when the matcher agrees.
fn run_case(case: &Value) -> Result<usize, String> {
    let (patterns, path, want) = parse_case(case)?;
    let compiled =
        Patterns::new(&patterns).map_err(|e| format!("patterns {patterns:?} rejected: {e}"))?;
    let got = compiled.matches(&path);
    if got == want {
        Ok(patterns.len())
    } else {
        Err(format!(
            "patterns {patterns:?}, path {path:?}: expected {want}, got {got}"
        ))
    }
}

#[test]
fn dockerignore_vectors() {
    let text =
        std::fs::read_to_string(VECTORS).unwrap_or_else(|e| panic!("cannot read {VECTORS}: {e}"));
    let vectors: Value = serde_json::from_str(&text).expect("dockerignore.json is JSON");
    let cases = vectors["cases"]
        .as_array()
        .expect("dockerignore.json has a `cases` list");
    let (mut single, mut multi) = (0, 0);
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        match run_case(case) {
            Ok(1) => single += 1,
            Ok(_) => multi += 1,
            Err(e) => failures.push(format!("cases[{i}]: {e}")),
        }
    }
    println!(
        "dockerignore conformance: {}/{} (one pattern {single}, several {multi})",
        single + multi,
        cases.len()
    );
    assert!(single > 0 && multi > 0, "one kind of case is missing");
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
}
