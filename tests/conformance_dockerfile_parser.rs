//! BuildKit parser conformance.
//!
//! Runs the parser test files of moby/buildkit (`frontend/dockerfile/parser/testfiles`,
//! `testfiles-negative`, `testfile-line`; Apache License 2.0, see
//! `tests/conformance/NOTICE.md`), kept in `tests/conformance/dockerfile-parser/`, against
//! [`apothic_image::formats::dockerfile::parse`]:
//! - `valid/NAME/Dockerfile` must parse into the instructions of `valid/NAME/expected.json`
//!   (BuildKit's expected parse, written as JSON: see `tests/conformance/README.md`);
//! - `invalid/NAME/Dockerfile` must fail to parse;
//! - `line-numbers/Dockerfile` must give the start and end lines of
//!   `line-numbers/expected.json` (those of BuildKit's `TestParseIncludesLineNumbers`).

use apothic_image::formats::dockerfile::{parse, Instruction};
use serde_json::{json, Value};
use std::fs;
use std::path::Path;

const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/conformance/dockerfile-parser"
);

/// One instruction in the form of `expected.json`: the keyword in lower case, the flags as
/// `--name[=value]` (only when there are some), the ONBUILD trigger (only when there is one),
/// and the values.
fn instruction_json(instruction: &Instruction) -> Value {
    let mut out = json!({ "keyword": instruction.keyword.to_lowercase() });
    if !instruction.flags.is_empty() {
        let flags: Vec<String> = instruction
            .flags
            .iter()
            .map(|f| match &f.value {
                Some(value) => format!("--{}={value}", f.name),
                None => format!("--{}", f.name),
            })
            .collect();
        out["flags"] = json!(flags);
    }
    if let Some(trigger) = &instruction.trigger {
        out["trigger"] = instruction_json(trigger);
    }
    out["values"] = json!(instruction.values);
    out
}

fn subdirs(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn read_json(path: &Path) -> Vec<Value> {
    serde_json::from_str(&read(path))
        .unwrap_or_else(|e| panic!("{} is not a JSON list: {e}", path.display()))
}

/// Compares a parse with `expected.json`; describes the first difference.
fn compare(got: &[Value], expected: &[Value]) -> Result<(), String> {
    if let Some((i, (g, e))) = got
        .iter()
        .zip(expected)
        .enumerate()
        .find(|(_, (g, e))| g != e)
    {
        return Err(format!(
            "instruction {i} differs:\n      got      {g}\n      expected {e}"
        ));
    }
    if got.len() != expected.len() {
        return Err(format!(
            "{} instructions, expected {}",
            got.len(),
            expected.len()
        ));
    }
    Ok(())
}

#[test]
fn buildkit_parser_conformance() {
    let dir = Path::new(DIR);
    let mut total = 0;
    let mut failures: Vec<String> = Vec::new();

    let valid = dir.join("valid");
    for name in subdirs(&valid) {
        total += 1;
        let case = valid.join(&name);
        let expected = read_json(&case.join("expected.json"));
        match parse(&read(&case.join("Dockerfile"))) {
            Ok(parsed) => {
                let got: Vec<Value> = parsed.instructions.iter().map(instruction_json).collect();
                if let Err(difference) = compare(&got, &expected) {
                    failures.push(format!("valid/{name}: {difference}"));
                }
            }
            Err(e) => failures.push(format!("valid/{name}: parse failed: {e}")),
        }
    }

    let invalid = dir.join("invalid");
    for name in subdirs(&invalid) {
        total += 1;
        if let Ok(parsed) = parse(&read(&invalid.join(&name).join("Dockerfile"))) {
            let got: Vec<Value> = parsed.instructions.iter().map(instruction_json).collect();
            failures.push(format!(
                "invalid/{name}: parsed without error into {}",
                Value::from(got)
            ));
        }
    }

    total += 1;
    let lines = dir.join("line-numbers");
    let expected = read_json(&lines.join("expected.json"));
    match parse(&read(&lines.join("Dockerfile"))) {
        Ok(parsed) => {
            let got: Vec<Value> = parsed
                .instructions
                .iter()
                .map(|i| json!({ "start_line": i.start_line, "end_line": i.end_line }))
                .collect();
            if let Err(difference) = compare(&got, &expected) {
                failures.push(format!("line-numbers: {difference}"));
            }
        }
        Err(e) => failures.push(format!("line-numbers: parse failed: {e}")),
    }

    println!(
        "buildkit parser conformance: {}/{total} agree",
        total - failures.len()
    );
    for failure in &failures {
        println!("  DISAGREE {failure}");
    }
    assert!(
        total > 30,
        "only {total} BuildKit parser cases: the data looks truncated"
    );
    assert!(
        failures.is_empty(),
        "{} of {total} BuildKit parser cases disagree",
        failures.len()
    );
}
