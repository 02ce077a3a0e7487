//! The JavaScript API tested inside wasm, in Node and in headless Chromium (wasm-bindgen-test):
//! golden vectors through the bindings give the same Dockerfiles and hashes as natively; errors
//! are real `Error` objects named `ApothicError` with a `code`; wrong JavaScript types are
//! `INVALID_ARGUMENT`; thousands of failing calls neither trap nor grow wasm memory.
//!
//! Native runs compile this file to nothing; `make test-wasm` runs it on wasm32.
#![cfg(all(target_arch = "wasm32", feature = "wasm"))]

use apothic_image::wasm::JsImage;
use js_sys::{Reflect, JSON};
use tsify::Ts;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

/// The golden vectors replayed here, with their pinned outputs (embedded at compile time).
macro_rules! vectors {
    ($($name:literal),* $(,)?) => {
        [$((
            $name,
            include_str!(concat!("vectors/", $name, "/calls.json")),
            include_str!(concat!("vectors/", $name, "/hash")),
            include_str!(concat!("vectors/", $name, "/canonical.json")),
        )),*]
    };
}

const RENDERED: [(&str, &str); 8] = [
    (
        "kitchen-sink",
        include_str!("vectors/kitchen-sink/Dockerfile"),
    ),
    (
        "env-hostile",
        include_str!("vectors/env-hostile/Dockerfile"),
    ),
    (
        "run-exec-forms",
        include_str!("vectors/run-exec-forms/Dockerfile"),
    ),
    (
        "with-dockerfile",
        include_str!("vectors/with-dockerfile/Dockerfile"),
    ),
    (
        "pip-options",
        include_str!("vectors/pip-options/Dockerfile"),
    ),
    ("uv-options", include_str!("vectors/uv-options/Dockerfile")),
    (
        "from-spec-canonicalises",
        include_str!("vectors/from-spec-canonicalises/Dockerfile"),
    ),
    (
        "env-dash-keys",
        include_str!("vectors/env-dash-keys/Dockerfile"),
    ),
];

fn parse(json: &str) -> JsValue {
    JSON::parse(json).expect("valid JSON")
}

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn ts<T: tsify::Tsify>(value: JsValue) -> Ts<T> {
    Ts::new_unchecked(value)
}

fn opt_ts<T: tsify::Tsify>(value: JsValue) -> Option<Ts<T>> {
    (!value.is_undefined() && !value.is_null()).then(|| Ts::new_unchecked(value))
}

/// Replays one call chain through the JavaScript class, as `tests/support/calls.rs` does
/// natively and `tests/js` does from JavaScript.
fn build(calls: &JsValue) -> Result<JsImage, JsValue> {
    let calls: js_sys::Array = calls.clone().unchecked_into();
    let mut image: Option<JsImage> = None;
    for call in calls.iter() {
        let call: js_sys::Array = call.unchecked_into();
        let method = call.get(0).as_string().expect("method name");
        let a = |i: u32| call.get(i);
        let next = match (&image, method.as_str()) {
            (None, "debianSlim") => JsImage::debian_slim(opt_ts(a(1))),
            (None, "fromRegistry") => JsImage::from_registry(a(1), opt_ts(a(2))),
            (None, "fromDockerfile") => JsImage::from_dockerfile(a(1), opt_ts(a(2))),
            (None, "fromSpec") => JsImage::from_spec(a(1)),
            (Some(i), "pipInstall") => i.pip_install(ts(a(1)), opt_ts(a(2))),
            (Some(i), "uvPipInstall") => i.uv_pip_install(ts(a(1)), opt_ts(a(2))),
            (Some(i), "pipInstallFromRequirements") => {
                i.pip_install_from_requirements(a(1), opt_ts(a(2)))
            }
            (Some(i), "uvPipInstallFromRequirements") => {
                i.uv_pip_install_from_requirements(a(1), opt_ts(a(2)))
            }
            (Some(i), "pipInstallFromPyproject") => {
                i.pip_install_from_pyproject(a(1), opt_ts(a(2)))
            }
            (Some(i), "uvPipInstallFromPyproject") => {
                i.uv_pip_install_from_pyproject(a(1), opt_ts(a(2)))
            }
            (Some(i), "env") => i.env(ts(a(1))),
            (Some(i), "envFile") => i.env_file(a(1)),
            (Some(i), "runCommands") => i.run_commands(ts(a(1))),
            (Some(i), "commandShell") => i.command_shell(a(1)),
            (Some(i), "workdir") => i.workdir(a(1)),
            (Some(i), "aptInstall") => i.apt_install(ts(a(1))),
            (Some(i), "withDockerfile") => i.with_dockerfile(a(1)),
            (Some(i), "addLocalFile") => i.add_local_file(a(1), a(2)),
            (Some(i), "addLocalDir") => i.add_local_dir(a(1), a(2), opt_ts(a(3))),
            (Some(i), "copyLocalFile") => i.copy_local_file(a(1), a(2)),
            (Some(i), "copyLocalDir") => i.copy_local_dir(a(1), a(2), opt_ts(a(3))),
            (Some(i), "addLocalPythonSource") => i.add_local_python_source(ts(a(1))),
            (Some(i), "copyLocalPythonSource") => i.copy_local_python_source(ts(a(1))),
            (_, other) => panic!("unexpected call {other}"),
        }?;
        image = Some(next);
    }
    Ok(image.expect("at least one call"))
}

fn code_of(error: &JsValue) -> String {
    let error: &js_sys::Error = error.dyn_ref().expect("a JS Error object");
    assert_eq!(String::from(error.name()), "ApothicError");
    get(error, "code").as_string().expect("a code")
}

#[wasm_bindgen_test]
fn golden_vectors_render_and_hash_as_natively() {
    let vectors = vectors!(
        "kitchen-sink",
        "env-hostile",
        "run-exec-forms",
        "with-dockerfile",
        "pip-options",
        "uv-options",
        "from-spec-canonicalises",
        "env-dash-keys",
        "env-file",
        "copy-local-dir",
        "add-local-runtime",
        "env-basic",
        "registry-digest",
        "from-dockerfile",
    );
    for (name, calls, hash, canonical) in vectors {
        let image = build(&parse(calls)).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(image.definition_hash() + "\n", hash, "{name}");
        assert_eq!(image.canonical_json(), canonical, "{name}");
        let spec: JsValue = image.to_spec().expect("toSpec").into();
        let again = JsImage::from_spec(spec).expect("fromSpec(toSpec())");
        assert_eq!(again.definition_hash(), image.definition_hash(), "{name}");
        match RENDERED.iter().find(|(n, _)| *n == name) {
            Some((_, dockerfile)) => {
                assert_eq!(image.dockerfile().expect("renders"), *dockerfile, "{name}")
            }
            None => {
                if let Err(e) = image.dockerfile() {
                    assert_eq!(code_of(&e), "NEEDS_RESOLVE", "{name}");
                }
            }
        }
    }
}

#[wasm_bindgen_test]
fn error_vectors_throw_apothic_errors_with_their_code() {
    let cases = parse(include_str!("vectors/errors.json"));
    let cases: js_sys::Array = cases.unchecked_into();
    for case in cases.iter() {
        let name = get(&case, "name").as_string().unwrap_or_default();
        let error = build(&get(&case, "calls"))
            .err()
            .unwrap_or_else(|| panic!("{name} succeeded"));
        assert_eq!(
            code_of(&error),
            get(&case, "code").as_string().unwrap_or_default(),
            "{name}"
        );
        let argument = get(&case, "argument");
        if !argument.is_null() {
            assert_eq!(get(&error, "argument"), argument, "{name}");
        }
        assert!(error
            .dyn_ref::<js_sys::Error>()
            .is_some_and(|e| String::from(e.message()).len() > 20));
    }
}

#[wasm_bindgen_test]
fn wrong_javascript_types_are_invalid_argument() {
    let base = JsImage::debian_slim(None).expect("base");
    let bad: [(&str, Result<JsImage, JsValue>); 7] = [
        (
            "pipInstall(42)",
            base.pip_install(ts(JsValue::from(42)), None),
        ),
        ("pipInstall([1])", base.pip_install(ts(parse("[1]")), None)),
        ("workdir(undefined)", base.workdir(JsValue::UNDEFINED)),
        ("workdir(7)", base.workdir(JsValue::from(7))),
        ("env('x')", base.env(ts(JsValue::from_str("x")))),
        (
            "pipInstall(['a'], {indexURL})",
            base.pip_install(ts(parse(r#"["a"]"#)), opt_ts(parse(r#"{"indexURL":"x"}"#))),
        ),
        (
            "fromRegistry(null)",
            JsImage::from_registry(JsValue::NULL, None),
        ),
    ];
    for (what, result) in bad {
        let error = result.err().unwrap_or_else(|| panic!("{what} succeeded"));
        assert_eq!(code_of(&error), "INVALID_ARGUMENT", "{what}");
    }
    for bad in [r#"{"A":{}}"#, r#"{"A":null}"#, r#"{"A":[1]}"#] {
        let error = base
            .env(ts(parse(bad)))
            .err()
            .unwrap_or_else(|| panic!("env({bad}) succeeded"));
        assert_eq!(code_of(&error), "INVALID_ARGUMENT", "env({bad})");
        assert_eq!(
            get(&error, "argument").as_string().as_deref(),
            Some("values.A")
        );
    }
    let nan = base.env(ts(parse(r#"{"A":1}"#))).expect("a number is fine");
    assert!(nan.dockerfile().expect("renders").ends_with("ENV A=1\n"));
}

#[wasm_bindgen_test]
fn failing_calls_do_not_grow_memory_or_break_the_instance() {
    let base = JsImage::debian_slim(None).expect("base");
    let bad_packages = parse(r#"["ok", "-e ."]"#);
    let bad_spec =
        parse(r#"{"version":1,"base":{"op":"debianSlim","pythonVersion":"2.7"},"steps":[]}"#);
    let round = || {
        for _ in 0..100 {
            assert!(base.pip_install(ts(bad_packages.clone()), None).is_err());
            assert!(base.workdir(JsValue::from(1)).is_err());
            assert!(JsImage::from_spec(bad_spec.clone()).is_err());
            assert!(JsImage::from_registry(JsValue::from_str("UPPER"), None).is_err());
            assert!(base.with_dockerfile(JsValue::from_str("FROM x")).is_err());
        }
    };
    round();
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    let before = memory
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length();
    for _ in 0..40 {
        round();
    }
    let after = memory
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length();
    assert_eq!(before, after, "20,000 failing calls grew wasm memory");
    let good = base
        .pip_install(ts(parse(r#"["numpy"]"#)), None)
        .expect("a good call after failures");
    assert!(good.dockerfile().expect("renders").contains("numpy"));
}

/// The lint vectors (tests/vectors-lint/), embedded at compile time.
const LINT_VECTORS: [(&str, &str); 14] = [
    (
        "base-dockerfile-defaults",
        include_str!("vectors-lint/base-dockerfile-defaults.json"),
    ),
    (
        "base-dockerfile",
        include_str!("vectors-lint/base-dockerfile.json"),
    ),
    ("base-latest", include_str!("vectors-lint/base-latest.json")),
    (
        "base-tag-user",
        include_str!("vectors-lint/base-tag-user.json"),
    ),
    (
        "base-uninspected",
        include_str!("vectors-lint/base-uninspected.json"),
    ),
    ("clean", include_str!("vectors-lint/clean.json")),
    (
        "commands-unfixable",
        include_str!("vectors-lint/commands-unfixable.json"),
    ),
    ("commands", include_str!("vectors-lint/commands.json")),
    (
        "env-file-secret",
        include_str!("vectors-lint/env-file-secret.json"),
    ),
    ("fragment", include_str!("vectors-lint/fragment.json")),
    (
        "pyproject-dependencies",
        include_str!("vectors-lint/pyproject-dependencies.json"),
    ),
    (
        "requirements-file",
        include_str!("vectors-lint/requirements-file.json"),
    ),
    ("secret-env", include_str!("vectors-lint/secret-env.json")),
    (
        "unpinned-packages",
        include_str!("vectors-lint/unpinned-packages.json"),
    ),
];

#[wasm_bindgen_test]
fn lint_gives_every_vectors_findings() {
    let json = |value: &JsValue| -> serde_json::Value {
        let text = JSON::stringify(value)
            .expect("JSON")
            .as_string()
            .expect("a string");
        serde_json::from_str(&text).expect("JSON")
    };
    for (name, text) in LINT_VECTORS {
        let vector = parse(text);
        let spec = Reflect::get(&vector, &JsValue::from_str("spec")).expect("a spec");
        let image = JsImage::from_spec(spec).expect("the vector's spec is valid");
        let expected = Reflect::get(&vector, &JsValue::from_str("lint")).expect("lint");
        assert_eq!(
            json(&image.lint().expect("lint")),
            json(&expected),
            "{name}"
        );
    }
}

/// The diff vectors (tests/vectors-diff/), embedded at compile time; tests/diff.rs checks that
/// every file of the folder is named here.
const DIFF_VECTORS: [(&str, &str); 11] = [
    (
        "appended-step",
        include_str!("vectors-diff/appended-step.json"),
    ),
    ("base-change", include_str!("vectors-diff/base-change.json")),
    (
        "change-step-3-of-5",
        include_str!("vectors-diff/change-step-3-of-5.json"),
    ),
    (
        "from-dockerfile",
        include_str!("vectors-diff/from-dockerfile.json"),
    ),
    ("identical", include_str!("vectors-diff/identical.json")),
    (
        "inserted-step",
        include_str!("vectors-diff/inserted-step.json"),
    ),
    ("reads-files", include_str!("vectors-diff/reads-files.json")),
    (
        "removed-step",
        include_str!("vectors-diff/removed-step.json"),
    ),
    (
        "runtime-step",
        include_str!("vectors-diff/runtime-step.json"),
    ),
    (
        "shell-change",
        include_str!("vectors-diff/shell-change.json"),
    ),
    ("two-hunks", include_str!("vectors-diff/two-hunks.json")),
];

/// A JS value as serde JSON (through `JSON.stringify`), to compare with a vector's.
fn as_json(value: &JsValue) -> serde_json::Value {
    let text = JSON::stringify(value)
        .expect("JSON")
        .as_string()
        .expect("a string");
    serde_json::from_str(&text).expect("JSON")
}

#[wasm_bindgen_test]
fn diff_gives_every_vectors_diff() {
    for (name, text) in DIFF_VECTORS {
        let vector = parse(text);
        let got = JsImage::diff(
            get(&vector, "before"),
            get(&vector, "after"),
            JsValue::UNDEFINED,
        )
        .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(as_json(&got), as_json(&get(&vector, "diff")), "{name}");
        // The same from the specs' JSON texts and from `Image`s.
        let texts = JsImage::diff(
            JSON::stringify(&get(&vector, "before")).unwrap().into(),
            JSON::stringify(&get(&vector, "after")).unwrap().into(),
            JsValue::UNDEFINED,
        )
        .expect("JSON texts");
        assert_eq!(as_json(&texts), as_json(&got), "{name}: JSON texts");
        let before = JsImage::from_spec(get(&vector, "before")).expect("before");
        let after = JsImage::from_spec(get(&vector, "after")).expect("after");
        let images =
            JsImage::diff(before.into(), after.into(), JsValue::UNDEFINED).expect("Images");
        assert_eq!(as_json(&images), as_json(&got), "{name}: Images");
    }
}

#[wasm_bindgen_test]
fn diff_errors_are_apothic_errors_naming_their_side() {
    let (_, text) = DIFF_VECTORS[0];
    let vector = parse(text);
    let error = JsImage::diff(
        get(&vector, "before"),
        JsValue::from_str("{"),
        JsValue::UNDEFINED,
    )
    .expect_err("after is not JSON");
    assert_eq!(code_of(&error), "INVALID_SPEC");
    assert_eq!(
        get(&error, "argument").as_string().as_deref(),
        Some("after")
    );
    let bad = parse(
        r#"{"version":1,"base":{"op":"debianSlim","pythonVersion":"3.12"},"steps":[{"op":"aptInstall","packages":["bad pkg"]}]}"#,
    );
    let error =
        JsImage::diff(bad, get(&vector, "after"), JsValue::UNDEFINED).expect_err("a bad package");
    assert_eq!(code_of(&error), "INVALID_PACKAGE");
    assert_eq!(
        get(&error, "argument").as_string().as_deref(),
        Some("before.steps[0].packages[0]")
    );
}
