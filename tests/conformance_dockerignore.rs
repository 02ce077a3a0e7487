//! Conformance of `apothic_image::ignore` with moby/patternmatcher, the matcher behind Docker's
//! `.dockerignore` (https://github.com/moby/patternmatcher, Apache License 2.0).
//!
//! The vectors (`../shared/conformance/dockerignore/vectors.json`) are the tables of
//! `TestMatches` in `patternmatcher_test.go`, kept as JSON data:
//! - `single`: `[pattern, path, matches]`, one pattern;
//! - `multi`: `[[patterns…], path, matches]`, patterns in order (later ones override).
//!
//! Go runs them through `New(patterns)` and `MatchesOrParentMatches(path)`; here that is
//! `Patterns::new` and `Patterns::matches`. Every case must pass.

use apothic_image::ignore::Patterns;
use serde_json::Value;

const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/conformance/dockerignore/vectors.json"
);

fn string(v: &Value) -> Result<String, String> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("expected a string, got {v}"))
}

/// One case: the patterns, the path, the expected result.
fn parse_case(case: &Value, multi: bool) -> Result<(Vec<String>, String, bool), String> {
    let fields = case
        .as_array()
        .filter(|a| a.len() == 3)
        .ok_or_else(|| format!("a case is [patterns, path, matches], got {case}"))?;
    let patterns = if multi {
        fields[0]
            .as_array()
            .ok_or_else(|| format!("expected a pattern list, got {}", fields[0]))?
            .iter()
            .map(string)
            .collect::<Result<_, _>>()?
    } else {
        vec![string(&fields[0])?]
    };
    let path = string(&fields[1])?;
    let want = fields[2]
        .as_bool()
        .ok_or_else(|| format!("expected a boolean, got {}", fields[2]))?;
    Ok((patterns, path, want))
}

/// Runs one table; returns (passed, total) and the descriptions of the failures.
fn run_table(vectors: &Value, table: &str, failures: &mut Vec<String>) -> (usize, usize) {
    let cases = vectors[table]
        .as_array()
        .unwrap_or_else(|| panic!("vectors.json has no `{table}` table"));
    let mut passed = 0;
    for (i, case) in cases.iter().enumerate() {
        let outcome = parse_case(case, table == "multi").and_then(|(patterns, path, want)| {
            let compiled = Patterns::new(&patterns)
                .map_err(|e| format!("patterns {patterns:?} rejected: {e}"))?;
            let got = compiled.matches(&path);
            if got == want {
                Ok(())
            } else {
                Err(format!(
                    "patterns {patterns:?}, path {path:?}: expected {want}, got {got}"
                ))
            }
        });
        match outcome {
            Ok(()) => passed += 1,
            Err(e) => failures.push(format!("{table}[{i}]: {e}")),
        }
    }
    (passed, cases.len())
}

#[test]
fn dockerignore_vectors() {
    let text =
        std::fs::read_to_string(VECTORS).unwrap_or_else(|e| panic!("cannot read {VECTORS}: {e}"));
    let vectors: Value = serde_json::from_str(&text).expect("vectors.json is JSON");
    let mut failures = Vec::new();
    let (single, single_total) = run_table(&vectors, "single", &mut failures);
    let (multi, multi_total) = run_table(&vectors, "multi", &mut failures);
    println!(
        "dockerignore conformance: single {single}/{single_total}, multi {multi}/{multi_total}"
    );
    assert!(single_total > 0 && multi_total > 0, "empty tables");
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
}
