//! JSON vector folders shared by several integration tests (`tests/vectors-lint/`,
//! `tests/vectors-diff/`): reading every vector, and checking that the wasm test embeds them all.

use std::fs;

use serde_json::Value;

/// Every `tests/<folder>/NAME.json`, sorted by name: (NAME, its JSON). Fails when the folder
/// holds fewer than `at_least` vectors (a folder lost or emptied).
pub fn read(folder: &str, at_least: usize) -> Vec<(String, Value)> {
    let dir = format!("{}/tests/{folder}", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    assert!(
        names.len() >= at_least,
        "the vectors of tests/{folder} are missing"
    );
    names
        .into_iter()
        .map(|name| {
            let text = fs::read_to_string(format!("{dir}/{name}")).unwrap();
            (
                name.trim_end_matches(".json").to_string(),
                serde_json::from_str(&text).unwrap(),
            )
        })
        .collect()
}

/// The wasm test (tests/wasm.rs) embeds vectors one by one (a wasm test cannot list a folder);
/// a vector missing from its `list` would silently not run in wasm, so every file of `folder`
/// must be named there.
pub fn assert_wasm_test_embeds_all(folder: &str, list: &str) {
    let root = env!("CARGO_MANIFEST_DIR");
    let wasm_test = fs::read_to_string(format!("{root}/tests/wasm.rs")).unwrap();
    for (name, _) in read(folder, 1) {
        let embedded = format!("include_str!(\"{folder}/{name}.json\")");
        assert!(
            wasm_test.contains(&embedded),
            "tests/wasm.rs does not embed {name}.json: add it to {list}"
        );
    }
}
