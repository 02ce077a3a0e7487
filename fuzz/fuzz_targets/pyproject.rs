//! Our pyproject.toml reader against the `toml` crate: no panic, and the same documents are
//! valid TOML with the same `[project].dependencies` (past the reader's documented nesting and
//! key-count limits, only ours may fail).
#![no_main]

use apothic_image::{formats::pyproject, ErrorCode};
use libfuzzer_sys::fuzz_target;

fn reference(text: &str) -> Option<Result<Vec<String>, ()>> {
    let table: toml::Table = text.parse().ok()?;
    let Some(toml::Value::Table(project)) = table.get("project") else {
        return Some(Err(()));
    };
    if let Some(toml::Value::Array(dynamic)) = project.get("dynamic") {
        if dynamic.iter().any(|v| v.as_str() == Some("dependencies")) {
            return Some(Err(()));
        }
    }
    match project.get("dependencies") {
        None => Some(Ok(Vec::new())),
        Some(toml::Value::Array(items)) => Some(
            items
                .iter()
                .map(|v| v.as_str().map(str::to_string).ok_or(()))
                .collect(),
        ),
        Some(_) => Some(Err(())),
    }
}

fuzz_target!(|text: &str| {
    let ours = pyproject::dependencies(text, &[]);
    let _ = pyproject::dependencies(text, &["dev".to_string(), "Test_Extra".to_string()]);
    if let Err(e) = &ours {
        assert!(matches!(e.code, ErrorCode::PyprojectInvalid), "{e}");
        let p = e.position;
        assert!(p.is_none_or(|p| p.line >= 1 && p.column >= 1), "{e}");
    }
    match reference(text) {
        None => {
            // Not TOML for the toml crate: ours must reject it as well.
            assert!(
                ours.is_err(),
                "toml rejects {text:?} but ours reads {ours:?}"
            );
        }
        Some(expected) => {
            if let Err(e) = &ours {
                if e.message.contains("levels") || e.message.contains("keys") {
                    return; // our documented limits (128 levels, 4096 keys per table)
                }
            }
            match (expected, &ours) {
                (Ok(deps), Ok(got)) => assert_eq!(&deps, got, "{text:?}"),
                (Err(()), Err(_)) => {}
                (expected, got) => panic!("toml says {expected:?}, ours {got:?} for {text:?}"),
            }
        }
    }
});
