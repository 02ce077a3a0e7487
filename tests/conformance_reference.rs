//! Conformance of `apothic_image::formats::reference` with Go's distribution/reference.
//!
//! The vectors (`tests/conformance/reference.json`, format in `tests/conformance/README.md`) are
//! the tables of `reference_test.go` and `normalize_test.go` of the distribution/reference
//! project (https://github.com/distribution/reference), Apache License 2.0; see
//! `tests/conformance/NOTICE.md`.

use apothic_image::formats::reference::{
    parse, parse_docker_ref, parse_normalized, Reference, ReferenceError,
};
use serde_json::Value;

const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/conformance/reference.json"
);

fn field<'a>(case: &'a Value, key: &str) -> Option<&'a str> {
    case.get(key).and_then(Value::as_str)
}

fn describe(result: &Result<Reference, ReferenceError>) -> String {
    match result {
        Ok(r) => format!(
            "Ok(domain={:?} path={:?} tag={:?} digest={:?})",
            r.domain(),
            r.path(),
            r.tag(),
            r.digest()
        ),
        Err(e) => format!("Err({})", e.go_name()),
    }
}

/// `reference.Parse`: an error name, or name/domain/tag/digest (absent fields are empty/none).
fn check_parse(case: &Value) -> Result<(), String> {
    let input = field(case, "input").ok_or("case without input")?;
    let result = parse(input);
    let ok = match (field(case, "err"), &result) {
        (Some(err), Err(e)) => e.go_name() == err,
        (Some(_), Ok(_)) => false,
        (None, Err(_)) => false,
        (None, Ok(r)) => {
            Some(r.name().as_str()) == field(case, "repository")
                && r.domain() == field(case, "domain").unwrap_or("")
                && r.tag() == field(case, "tag")
                && r.digest() == field(case, "digest")
        }
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "parse({input:?}): expected {case}, got {}",
            describe(&result)
        ))
    }
}

/// `ParseNormalizedNamed` accepts the input.
fn check_normalized_valid(case: &Value) -> Result<(), String> {
    let input = case.as_str().ok_or("case is not a string")?;
    let result = parse_normalized(input);
    match &result {
        Ok(_) => Ok(()),
        Err(_) => Err(format!(
            "parse_normalized({input:?}): expected Ok, got {}",
            describe(&result)
        )),
    }
}

/// `ParseNormalizedNamed` rejects the input.
fn check_normalized_invalid(case: &Value) -> Result<(), String> {
    let input = case.as_str().ok_or("case is not a string")?;
    let result = parse_normalized(input);
    match &result {
        Err(_) => Ok(()),
        Ok(_) => Err(format!(
            "parse_normalized({input:?}): expected Err, got {}",
            describe(&result)
        )),
    }
}

/// `ParseDockerRef` gives the expected full string.
fn check_docker_ref(case: &Value) -> Result<(), String> {
    let input = field(case, "input").ok_or("case without input")?;
    let expected = field(case, "expected").ok_or("case without expected")?;
    let name = field(case, "name").unwrap_or("");
    match parse_docker_ref(input) {
        Ok(r) if r.to_string() == expected => Ok(()),
        result => Err(format!(
            "parse_docker_ref({input:?}) [{name}]: expected {expected:?}, got {}",
            result
                .as_ref()
                .map_or_else(|e| e.go_name().to_string(), ToString::to_string)
        )),
    }
}

/// `ParseNormalizedNamed` then `String`, `FamiliarName`, `Domain` and `Path`.
fn check_repository_info(case: &Value) -> Result<(), String> {
    let input = field(case, "input").ok_or("case without input")?;
    let result = parse_normalized(input);
    let ok = result.as_ref().is_ok_and(|r| {
        Some(r.to_string().as_str()) == field(case, "full")
            && Some(r.familiar_name().as_str()) == field(case, "familiar")
            && Some(r.domain()) == field(case, "domain")
            && Some(r.path()) == field(case, "path")
    });
    if ok {
        Ok(())
    } else {
        let got = result.as_ref().map_or_else(
            |e| e.go_name().to_string(),
            |r| {
                format!(
                    "full={} familiar={} {}",
                    r,
                    r.familiar_name(),
                    describe(&result)
                )
            },
        );
        Err(format!(
            "parse_normalized({input:?}): expected {case}, got {got}"
        ))
    }
}

#[test]
fn reference_conformance() {
    let text = std::fs::read_to_string(VECTORS).expect("read the reference vectors");
    let vectors: Value = serde_json::from_str(&text).expect("vectors are JSON");
    type Check = fn(&Value) -> Result<(), String>;
    let tables: [(&str, Check); 5] = [
        ("parse", check_parse),
        ("normalized_valid", check_normalized_valid),
        ("normalized_invalid", check_normalized_invalid),
        ("docker_ref", check_docker_ref),
        ("repository_info", check_repository_info),
    ];
    let mut failures = Vec::new();
    let mut counts = Vec::new();
    for (table, check) in tables {
        let cases = vectors
            .get(table)
            .and_then(Value::as_array)
            .unwrap_or_else(|| panic!("table {table} missing from the vectors"));
        assert!(!cases.is_empty(), "table {table} is empty");
        let mut passed = 0;
        for case in cases {
            match check(case) {
                Ok(()) => passed += 1,
                Err(failure) => failures.push(format!("[{table}] {failure}")),
            }
        }
        counts.push(format!("{table} {passed}/{}", cases.len()));
    }
    println!("reference conformance: {}", counts.join(", "));
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
