//! Specs written by hand (issue #19): the fields with a default may be left out, the decoded
//! image's `toSpec()` is then the full form (the exact round trip of `toSpec()` holds, and the
//! definition hash is that of the full form), and a JSON error names its line and column in
//! words a JSON writer knows (no serde or Rust type names).

use apothic_image::{ErrorCode, Image};
use serde_json::{json, Value};

/// `Image::from_spec_json(partial)`'s spec, as JSON.
fn full_form(partial: &Value) -> Value {
    let image = Image::from_spec_json(&partial.to_string())
        .unwrap_or_else(|e| panic!("{partial} is refused: {e}"));
    serde_json::to_value(image.to_spec()).unwrap()
}

/// A spec with one base and the given steps.
fn spec(base: Value, steps: Value) -> Value {
    json!({ "version": 1, "base": base, "steps": steps })
}

fn slim() -> Value {
    json!({ "op": "debianSlim", "pythonVersion": "3.11" })
}

/// Each hand-written spec (defaults left out) gives the full form, which decodes to itself, and
/// whose hash is the hash of the image the builder makes.
#[test]
fn omitted_defaults_are_filled_in_and_the_full_form_round_trips() {
    let cases = [
        // `steps` left out; `pythonVersion` left out.
        (
            json!({ "version": 1, "base": { "op": "debianSlim" } }),
            spec(slim(), json!([])),
        ),
        (
            spec(
                json!({ "op": "fromRegistry", "ref": "python:3.12" }),
                json!([]),
            ),
            spec(
                json!({ "op": "fromRegistry", "ref": "python:3.12", "normalized": "docker.io/library/python:3.12", "prebuilt": false }),
                json!([]),
            ),
        ),
        (
            spec(
                json!({ "op": "fromDockerfile", "path": "docker/app.Dockerfile" }),
                json!([]),
            ),
            spec(
                json!({ "op": "fromDockerfile", "path": "docker/app.Dockerfile", "contextDir": "docker", "base": "python:3.11-slim" }),
                json!([]),
            ),
        ),
        (
            spec(
                slim(),
                json!([
                    { "op": "pipInstall", "packages": ["numpy"] },
                    { "op": "uvPipInstall", "packages": ["rich"] },
                    { "op": "pipInstallFromRequirements", "path": "requirements.txt" },
                    { "op": "uvPipInstallFromRequirements", "path": "requirements.txt" },
                    { "op": "pipInstallFromPyproject", "path": "pyproject.toml" },
                    { "op": "uvPipInstallFromPyproject", "path": "pyproject.toml" },
                    { "op": "copyLocalDir", "local": "src", "remote": "/app" },
                    { "op": "addLocalDir", "local": "data", "remote": "/data" },
                ]),
            ),
            spec(
                slim(),
                json!([
                    { "op": "pipInstall", "packages": ["numpy"], "options": { "pre": false } },
                    { "op": "uvPipInstall", "packages": ["rich"], "options": { "pre": false }, "uvVersion": "0.13.9" },
                    { "op": "pipInstallFromRequirements", "path": "requirements.txt", "options": { "pre": false } },
                    { "op": "uvPipInstallFromRequirements", "path": "requirements.txt", "options": { "pre": false }, "uvVersion": "0.13.9" },
                    { "op": "pipInstallFromPyproject", "path": "pyproject.toml", "optionalDependencies": [], "options": { "pre": false } },
                    { "op": "uvPipInstallFromPyproject", "path": "pyproject.toml", "optionalDependencies": [], "options": { "pre": false }, "uvVersion": "0.13.9" },
                    { "op": "copyLocalDir", "local": "src", "remote": "/app", "ignore": [] },
                    { "op": "addLocalDir", "local": "data", "remote": "/data", "ignore": [] },
                ]),
            ),
        ),
    ];
    for (partial, full) in cases {
        assert_eq!(full_form(&partial), full, "{partial}");
        // The full form is a fixed point: the exact round trip of toSpec().
        assert_eq!(full_form(&full), full, "{full}");
        let a = Image::from_spec_json(&partial.to_string()).unwrap();
        let b = Image::from_spec_json(&full.to_string()).unwrap();
        assert_eq!(a.definition_hash(), b.definition_hash(), "{partial}");
        assert_eq!(a.canonical_json(), b.canonical_json(), "{partial}");
    }
}

/// The hash of a hand-written spec is the builder's: `debianSlim()` with no options.
#[test]
fn a_minimal_spec_hashes_like_the_builder() {
    let by_hand = Image::from_spec_json(r#"{"version":1,"base":{"op":"debianSlim"}}"#).unwrap();
    let built = Image::debian_slim(&Default::default()).unwrap();
    assert_eq!(by_hand.definition_hash(), built.definition_hash());
    assert_eq!(by_hand.to_spec(), built.to_spec());
}

/// What stays required: the version, the base, each op's own values, and `shell` (`null` for
/// the default shell), each named in the message.
#[test]
fn fields_without_a_default_stay_required() {
    let cases = [
        (json!({ "base": slim() }), "version"),
        (json!({ "version": 1 }), "base"),
        (spec(json!({ "op": "fromRegistry" }), json!([])), "ref"),
        (spec(json!({ "op": "fromDockerfile" }), json!([])), "path"),
        (spec(slim(), json!([{ "op": "pipInstall" }])), "packages"),
        (spec(slim(), json!([{ "op": "commandShell" }])), "shell"),
        (
            spec(slim(), json!([{ "op": "copyLocalFile", "local": "a" }])),
            "remote",
        ),
        (spec(slim(), json!([{ "op": "env" }])), "values"),
    ];
    for (partial, field) in cases {
        let e = Image::from_spec_json(&partial.to_string()).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidSpec, "{partial}: {e}");
        assert!(e.message.contains(&format!("`{field}`")), "{partial}: {e}");
    }
}

/// A syntax error in a spec's JSON text names its line and column (1-based), not an offset.
#[test]
fn json_syntax_errors_have_line_and_column() {
    let text = "{\n  \"version\": 1,\n  \"base\": { \"op\": \"debianSlim\", }\n}";
    let e = Image::from_spec_json(text).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidSpec, "{e}");
    let position = e.position.expect("a position");
    // Line 3, at the `}` after the trailing comma.
    assert_eq!((position.line, position.column), (3, 33), "{e}");
    assert!(
        !e.message.contains(" at line "),
        "{e}: the position is in `position`"
    );
}

/// Words of Rust or serde that a message about JSON must not hold.
pub const RUST_WORDS: [&str; 14] = [
    "None",
    "Some(",
    "crate::",
    "enum",
    "variant",
    "struct",
    "serde",
    "usize",
    "u32",
    "Vec<",
    "Option<",
    "sequence",
    "map,",
    "unit value",
];

/// Bad specs, each with what its message says instead of serde's words.
#[test]
fn decoding_errors_are_in_json_words() {
    let cases = [
        (
            json!({ "version": "1", "base": slim() }),
            "expected a whole number, got the string \"1\"",
        ),
        (
            json!({ "version": 1.5, "base": slim() }),
            "expected a whole number, got the number 1.5",
        ),
        (
            json!({ "version": 1, "base": slim(), "steps": {} }),
            "expected an array, got an object",
        ),
        (json!({ "version": 1, "base": [] }), "got an array"),
        (
            spec(
                slim(),
                json!([{ "op": "pipInstall", "packages": ["a"], "options": 5 }]),
            ),
            "expected an object, got the number 5",
        ),
        (
            spec(slim(), json!([{ "op": "pipInstall", "packages": "a" }])),
            "expected an array, got the string \"a\"",
        ),
        (
            spec(slim(), json!([{ "op": "env", "values": [] }])),
            "expected an object, got an array",
        ),
        (
            spec(
                slim(),
                json!([{ "op": "pipInstall", "packages": ["a"], "options": { "pre": "yes" } }]),
            ),
            "expected a boolean, got the string \"yes\"",
        ),
        (
            spec(slim(), json!([{ "op": "workdir", "path": true }])),
            "expected a string, got true",
        ),
        (
            json!("just a string"),
            "expected an object, got the string \"just a string\"",
        ),
    ];
    for (bad, says) in cases {
        let e = Image::from_spec_json(&bad.to_string()).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidSpec, "{bad}: {e}");
        assert!(
            e.message.contains(says),
            "{bad}: {e}\nexpected it to say: {says}"
        );
        for word in RUST_WORDS {
            assert!(!e.message.contains(word), "{bad}: {e} holds {word:?}");
        }
    }
}

/// A string the user gave is quoted as given, even when it holds serde's words.
#[test]
fn user_text_in_a_message_is_kept() {
    let bad = json!({ "version": "sequence, expected map", "base": slim() });
    let e = Image::from_spec_json(&bad.to_string()).unwrap_err();
    assert!(
        e.message
            .contains("got the string \"sequence, expected map\""),
        "{e}"
    );
}
