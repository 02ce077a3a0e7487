//! `image.resolve(host, options)` and `image.buildContext(host, options)` tested inside wasm, in
//! Node and in headless Chromium (wasm-bindgen-test): a JavaScript host object (Rust closures
//! over files held in memory) resolved through `JsImage` gives the Dockerfile, hashes and tar
//! pinned from a native run; host callbacks that throw, never settle or meet an aborted signal
//! give `ApothicError`s with the right code; a 5 MiB file hashed in chunks (no `hashFile`) gives
//! the same digest as `hashFile`; and the instance keeps resolving after every failure.
//!
//! Native runs compile this file to nothing; `make test-wasm` runs it on wasm32.
#![cfg(all(target_arch = "wasm32", feature = "wasm"))]

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use apothic_image::hash::sha256_hex;
use apothic_image::wasm::JsImage;
use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array, JSON};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

// ---------------------------------------------------------------------------------------------
// The project and the values pinned from a native run.
//
// The pins come from resolving SPEC over FILES (+ RUN_SH with mode 0o755) and BIG_SPEC over
// `data/big.bin` = big_file() natively, with the test host tests/support/memory_host.rs:
//
//     let host = MemoryHost::with(FILES).file("scripts/run.sh", RUN_SH, 0o755);
//     let image = Image::from_spec_json(SPEC)?;
//     let r = block_on(resolve(&image, &host, &ResolveOptions::default()))?;
//     let (_, tar) = block_on(build_context(&image, &host, &ResolveOptions::default()))?;
//     println!("{:?} {} {} {} {}", r.dockerfile, r.image_hash, r.spec_hash, tar.len(), sha256_hex(&tar));
//     let host = MemoryHost::default().file("data/big.bin", &big_file(), 0o644);
//     // … and the same for BIG_SPEC: r.image_hash, r.context[0].sha256
//
// (a scratch binary or native test that `#[path]`-includes memory_host.rs, with SPEC, FILES,
// RUN_SH, BIG_SPEC and big_file() copied from here). Regenerate them that way whenever the
// rendering or hashing changes on purpose (HASHING.md); never from this test's own output, which
// would stop it comparing wasm with native.
// ---------------------------------------------------------------------------------------------

/// The image: nested requirements, a .env, a copied folder with an ignore pattern, a copied
/// executable file and a runtime file (so that the spec hash differs from the image hash).
const SPEC: &str = r#"{"version":1,"base":{"op":"debianSlim","pythonVersion":"3.12"},"steps":[
 {"op":"pipInstallFromRequirements","path":"requirements.txt","options":{"pre":false}},
 {"op":"envFile","path":".env"},
 {"op":"copyLocalDir","local":"src","remote":"/app/src","ignore":["**/__pycache__"]},
 {"op":"copyLocalFile","local":"scripts/run.sh","remote":"/usr/local/bin/run.sh"},
 {"op":"addLocalFile","local":"config/settings.toml","remote":"/etc/app/settings.toml"}
]}"#;

/// The project's files (mode 0o644), path → text.
const FILES: &[(&str, &str)] = &[
    (
        "requirements.txt",
        "# runtime\n-r base.txt\nrequests==2.32.3\n",
    ),
    ("base.txt", "numpy>=2\n"),
    (".env", "# settings\nGREETING=hello world\nexport DEBUG=1\n"),
    ("src/app/__init__.py", ""),
    ("src/app/main.py", "print('hello')\n"),
    ("src/app/__pycache__/main.cpython-312.pyc", "junk"),
    ("config/settings.toml", "debug = false\n"),
];

/// `scripts/run.sh`, mode 0o755.
const RUN_SH: &[u8] = b"#!/bin/sh\nexec python -m app.main\n";

const DOCKERFILE: &str = "FROM python:3.12-slim-trixie\n\
COPY .apothic/steps/0/ /tmp/apothic-requirements/0/\n\
RUN python -m pip install --no-cache-dir -r /tmp/apothic-requirements/0/requirements.txt\n\
ENV DEBUG=1 GREETING='hello world'\n\
COPY .apothic/steps/2/ /app/src/\n\
COPY .apothic/steps/3/file /usr/local/bin/run.sh\n";
const IMAGE_HASH: &str = "sha256:937337eca6b97c951a5002adf60345d5df101058a110d71193826e76aba8478a";
const SPEC_HASH: &str = "sha256:74d5d1c186ff9a25618494717964d91b25c554d191cc8c173d79802b6e5eac2e";
const TAR_LEN: u32 = 9728;
const TAR_SHA256: &str = "sha256:88570b06c69c384915eafdcd0ddea19d383715ec5da0536463b30c387f2207f7";

/// One copied 5 MiB file.
const BIG_SPEC: &str = r#"{"version":1,"base":{"op":"debianSlim","pythonVersion":"3.12"},"steps":[
 {"op":"copyLocalFile","local":"data/big.bin","remote":"/data/big.bin"}]}"#;
const BIG_SIZE: u32 = 5 << 20;
const BIG_IMAGE_HASH: &str =
    "sha256:89141478774947569598aedd1a4ee0fcc28c6f05a0d87b93d65e0d3b6b1f30ea";
const BIG_SHA256: &str = "sha256:3d2727e4dc1dff81f0d4a0a22aef02347ad9c45473480aa2a4cbceac55bbb80a";

/// The 5 MiB file's bytes (not all alike, so that a chunk mix-up changes the digest).
fn big_file() -> Vec<u8> {
    (0..BIG_SIZE)
        .map(|i| (i.wrapping_mul(7) ^ (i >> 11)) as u8)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// A JavaScript host over files in memory, built from Rust closures.
// ---------------------------------------------------------------------------------------------

/// Files (path → bytes, mode) and a log of the callbacks the resolver made.
#[derive(Default)]
struct Files {
    files: BTreeMap<String, (Vec<u8>, u32)>,
    calls: RefCell<Vec<String>>,
}

impl Files {
    fn project() -> Files {
        let mut files = Files::default();
        for (path, text) in FILES {
            files
                .files
                .insert(path.to_string(), (text.as_bytes().to_vec(), 0o644));
        }
        files
            .files
            .insert("scripts/run.sh".into(), (RUN_SH.to_vec(), 0o755));
        files
    }

    fn big() -> Files {
        let mut files = Files::default();
        files
            .files
            .insert("data/big.bin".into(), (big_file(), 0o644));
        files
    }

    fn calls(&self, name: &str) -> Vec<String> {
        let prefix = format!("{name}(");
        self.calls
            .borrow()
            .iter()
            .filter_map(|c| c.strip_prefix(&prefix)?.strip_suffix(')').map(String::from))
            .collect()
    }
}

/// `./a/b/` → `a/b`; `.` → the root (``).
fn clean(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            other => out.push(other),
        }
    }
    out.join("/")
}

fn js_error(message: &str) -> JsValue {
    js_sys::Error::new(message).into()
}

fn set(object: &JsValue, key: &str, value: &JsValue) {
    Reflect::set(object, &JsValue::from_str(key), value).expect("set a property");
}

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// `host.name = f`, where `f(path)` is a Rust closure.
fn callback(host: &JsValue, name: &str, f: impl Fn(String) -> Result<JsValue, JsValue> + 'static) {
    let closure = Closure::<dyn Fn(JsValue) -> Result<JsValue, JsValue>>::new(
        move |path: JsValue| match path.as_string() {
            Some(path) => f(path),
            None => Err(js_error("the path is not a string")),
        },
    );
    set(host, name, &closure.into_js_value());
}

/// An `ImageHost` object over `files`: `readFile` answers with a promise, `readDir`
/// synchronously (both forms are allowed), `hashFile` only when `hash_file`.
fn js_host(files: &Rc<Files>, hash_file: bool) -> JsValue {
    let host: JsValue = Object::new().into();
    let f = files.clone();
    callback(&host, "readFile", move |path| {
        f.calls.borrow_mut().push(format!("readFile({path})"));
        match f.files.get(&clean(&path)) {
            Some((bytes, _)) => Ok(Promise::resolve(&Uint8Array::from(bytes.as_slice())).into()),
            None => {
                Ok(Promise::reject(&js_error(&format!("ENOENT: no such file {path:?}"))).into())
            }
        }
    });
    let f = files.clone();
    callback(&host, "readDir", move |path| {
        f.calls.borrow_mut().push(format!("readDir({path})"));
        let dir = clean(&path);
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let mut entries: BTreeMap<String, (&str, u64, u32)> = BTreeMap::new();
        for (file, (bytes, mode)) in &f.files {
            let Some(rest) = file.strip_prefix(&prefix) else {
                continue;
            };
            let entry = match rest.split_once('/') {
                Some((name, _)) => (name, ("dir", 0, 0o755)),
                None => (rest, ("file", bytes.len() as u64, *mode)),
            };
            entries.insert(entry.0.to_string(), entry.1);
        }
        if entries.is_empty() {
            return Err(js_error(&format!("ENOENT: no such folder {path:?}")));
        }
        let list = Array::new();
        for (name, (kind, size, mode)) in entries {
            let entry: JsValue = Object::new().into();
            set(&entry, "name", &JsValue::from_str(&name));
            set(&entry, "kind", &JsValue::from_str(kind));
            set(&entry, "size", &JsValue::from_f64(size as f64));
            set(&entry, "mode", &JsValue::from_f64(f64::from(mode)));
            list.push(&entry);
        }
        Ok(list.into())
    });
    if hash_file {
        let f = files.clone();
        callback(&host, "hashFile", move |path| {
            f.calls.borrow_mut().push(format!("hashFile({path})"));
            match f.files.get(&clean(&path)) {
                Some((bytes, _)) => {
                    Ok(Promise::resolve(&JsValue::from_str(&sha256_hex(bytes))).into())
                }
                None => Err(js_error(&format!("ENOENT: no such file {path:?}"))),
            }
        });
    }
    host
}

/// Replaces `host[name]` with `function (path) { body }`, where `inner` is the original callback
/// and `extra` is passed as `extra`.
fn wrap(host: &JsValue, name: &str, extra: &JsValue, body: &str) {
    let make = Function::new_with_args(
        "inner, extra",
        &format!("return function (path) {{ {body} }};"),
    );
    let wrapped = make
        .call2(&JsValue::UNDEFINED, &get(host, name), extra)
        .expect("make the wrapper");
    set(host, name, &wrapped);
}

// ---------------------------------------------------------------------------------------------
// Calling resolve / buildContext.
// ---------------------------------------------------------------------------------------------

fn image_of(spec: &str) -> JsImage {
    JsImage::from_spec(JSON::parse(spec).expect("the spec is JSON")).expect("a valid spec")
}

fn options(json: &str) -> JsValue {
    JSON::parse(json).expect("options are JSON")
}

async fn resolve(image: &JsImage, host: &JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    JsFuture::from(image.resolve(host.clone(), options)).await
}

async fn build_context(
    image: &JsImage,
    host: &JsValue,
    options: JsValue,
) -> Result<Uint8Array, JsValue> {
    JsFuture::from(image.build_context(host.clone(), options))
        .await
        .map(|tar| tar.dyn_into::<Uint8Array>().expect("a Uint8Array"))
}

fn text(value: &JsValue, key: &str) -> String {
    get(value, key)
        .as_string()
        .unwrap_or_else(|| panic!("{key} is not a string"))
}

/// The `ApothicError` a promise rejected with: (code, message).
fn apothic(error: JsValue) -> (String, String) {
    let e: &js_sys::Error = error.dyn_ref().expect("a JS Error object");
    assert_eq!(String::from(e.name()), "ApothicError");
    (text(&error, "code"), String::from(e.message()))
}

async fn failure(image: &JsImage, host: &JsValue, options: JsValue) -> (String, String) {
    match resolve(image, host, options).await {
        Ok(r) => panic!(
            "resolution succeeded: {:?}",
            JSON::stringify(&r).map(String::from).ok()
        ),
        Err(e) => apothic(e),
    }
}

/// The project resolves to the pinned values, and its tar is the pinned bytes.
async fn check_good_resolution(image: &JsImage) {
    let files = Rc::new(Files::project());
    let r = resolve(image, &js_host(&files, false), JsValue::UNDEFINED)
        .await
        .unwrap_or_else(|e| panic!("resolve: {:?}", apothic(e)));
    assert_eq!(text(&r, "dockerfile"), DOCKERFILE);
    assert_eq!(text(&r, "imageHash"), IMAGE_HASH);
    assert_eq!(text(&r, "specHash"), SPEC_HASH);
    assert_eq!(text(&get(&r, "plan"), "imageHash"), IMAGE_HASH);
    let tar = build_context(image, &js_host(&files, false), JsValue::UNDEFINED)
        .await
        .unwrap_or_else(|e| panic!("buildContext: {:?}", apothic(e)));
    assert_eq!(tar.length(), TAR_LEN);
    assert_eq!(sha256_hex(&tar.to_vec()), TAR_SHA256);
}

// ---------------------------------------------------------------------------------------------
// The tests.
// ---------------------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn resolves_and_builds_the_context_as_natively() {
    let image = image_of(SPEC);
    check_good_resolution(&image).await;

    // With hashFile: the same answers, and the digests came from the host.
    let files = Rc::new(Files::project());
    let progress = Rc::new(RefCell::new(Vec::<(f64, f64)>::new()));
    let seen = progress.clone();
    let on_progress = Closure::<dyn Fn(JsValue)>::new(move |report: JsValue| {
        seen.borrow_mut().push((
            get(&report, "files").as_f64().unwrap_or(-1.0),
            get(&report, "bytes").as_f64().unwrap_or(-1.0),
        ));
    });
    let opts: JsValue = Object::new().into();
    set(&opts, "onProgress", &on_progress.into_js_value());
    let r = resolve(&image, &js_host(&files, true), opts)
        .await
        .unwrap_or_else(|e| panic!("resolve with hashFile: {:?}", apothic(e)));
    assert_eq!(text(&r, "dockerfile"), DOCKERFILE);
    assert_eq!(text(&r, "imageHash"), IMAGE_HASH);
    assert_eq!(text(&r, "specHash"), SPEC_HASH);
    assert!(
        !files.calls("hashFile").is_empty(),
        "hashFile was never called: {:?}",
        files.calls.borrow()
    );
    let context = get(&r, "context").dyn_into::<Array>().expect("context");
    let paths: Vec<String> = context.iter().map(|c| text(&c, "path")).collect();
    assert_eq!(
        paths,
        [
            ".apothic/steps/0/base.txt",
            ".apothic/steps/0/requirements.txt",
            ".apothic/steps/2/app/__init__.py",
            ".apothic/steps/2/app/main.py",
            ".apothic/steps/3/file",
        ]
    );
    let progress = progress.take();
    assert!(!progress.is_empty(), "onProgress was never called");
    assert!(
        progress
            .windows(2)
            .all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1),
        "progress goes forward: {progress:?}"
    );
    let tar = build_context(&image, &js_host(&files, true), JsValue::UNDEFINED)
        .await
        .unwrap_or_else(|e| panic!("buildContext with hashFile: {:?}", apothic(e)));
    assert_eq!(sha256_hex(&tar.to_vec()), TAR_SHA256);
}

#[wasm_bindgen_test]
async fn host_failures_are_apothic_errors_and_resolution_keeps_working() {
    let image = image_of(SPEC);

    // A callback that throws: named, with the path and the thrown message.
    let files = Rc::new(Files::project());
    let host = js_host(&files, false);
    wrap(
        &host,
        "readFile",
        &JsValue::UNDEFINED,
        "if (path.endsWith('base.txt')) throw new Error('disk on fire'); return inner.call(this, path);",
    );
    let (code, message) = failure(&image, &host, JsValue::UNDEFINED).await;
    assert_eq!(code, "HOST_CALLBACK_FAILED", "{message}");
    assert!(
        message.contains("readFile")
            && message.contains("base.txt")
            && message.contains("disk on fire"),
        "{message}"
    );

    // A callback whose promise rejects (the file is missing): the same code.
    let files = Rc::new(Files::project());
    let missing = image_of(
        r#"{"version":1,"base":{"op":"debianSlim","pythonVersion":"3.12"},"steps":[
        {"op":"envFile","path":"config/missing.env"}]}"#,
    );
    let (code, message) = failure(&missing, &js_host(&files, false), JsValue::UNDEFINED).await;
    assert_eq!(code, "HOST_CALLBACK_FAILED", "{message}");
    assert!(
        message.contains("readFile") && message.contains("config/missing.env"),
        "{message}"
    );

    // A callback that never settles: HOST_TIMEOUT after timeoutMs.
    let files = Rc::new(Files::project());
    let host = js_host(&files, false);
    wrap(
        &host,
        "readFile",
        &JsValue::UNDEFINED,
        "if (path.endsWith('base.txt')) return new Promise(() => {}); return inner.call(this, path);",
    );
    let started = js_sys::Date::now();
    let (code, message) = failure(&image, &host, options(r#"{"timeoutMs":50}"#)).await;
    let elapsed = js_sys::Date::now() - started;
    assert_eq!(code, "HOST_TIMEOUT", "{message}");
    assert!(
        message.contains("readFile") && message.contains("base.txt") && message.contains("50 ms"),
        "{message}"
    );
    assert!(
        (45.0..10_000.0).contains(&elapsed),
        "timed out after {elapsed} ms"
    );

    // A bad timeoutMs is the caller's mistake.
    let files = Rc::new(Files::project());
    let (code, message) = failure(
        &image,
        &js_host(&files, false),
        options(r#"{"timeoutMs":-1}"#),
    )
    .await;
    assert_eq!(code, "INVALID_ARGUMENT", "{message}");

    // An already aborted signal: ABORTED before the host is asked anything.
    let files = Rc::new(Files::project());
    let (code, message) = failure(
        &image,
        &js_host(&files, false),
        options(r#"{"signal":{"aborted":true}}"#),
    )
    .await;
    assert_eq!(code, "ABORTED", "{message}");
    assert!(
        files.calls.borrow().is_empty(),
        "{:?}",
        files.calls.borrow()
    );

    // A signal aborted while a callback runs: ABORTED once it returns, nothing read after.
    let files = Rc::new(Files::project());
    let host = js_host(&files, false);
    let signal = options(r#"{"aborted":false}"#);
    wrap(
        &host,
        "readFile",
        &signal,
        "if (path.endsWith('base.txt')) extra.aborted = true; return inner.call(this, path);",
    );
    let opts: JsValue = Object::new().into();
    set(&opts, "signal", &signal);
    let (code, message) = failure(&image, &host, opts).await;
    assert_eq!(code, "ABORTED", "{message}");
    let read = files.calls("readFile");
    assert!(
        read.last().is_some_and(|p| p.ends_with("base.txt")),
        "read after the abort: {read:?}"
    );

    // The same image, and a new one, still resolve to the pinned values.
    check_good_resolution(&image).await;
    check_good_resolution(&image_of(SPEC)).await;
}

#[wasm_bindgen_test]
async fn a_big_file_hashes_in_chunks_as_with_hash_file() {
    let image = image_of(BIG_SPEC);
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    let memory_size = || {
        memory
            .buffer()
            .unchecked_into::<js_sys::ArrayBuffer>()
            .byte_length()
    };

    // Without hashFile: the resolver hashes readFile's bytes itself, chunk by chunk.
    let files = Rc::new(Files::big());
    let before = memory_size();
    let chunked = resolve(&image, &js_host(&files, false), JsValue::UNDEFINED)
        .await
        .unwrap_or_else(|e| panic!("resolve without hashFile: {:?}", apothic(e)));
    let grown = memory_size() - before;
    assert_eq!(files.calls("readFile"), ["data/big.bin"]);
    assert!(
        grown < BIG_SIZE,
        "wasm memory grew by {grown} bytes hashing a {BIG_SIZE}-byte file in chunks"
    );

    // With hashFile: the host's digest, the file never read.
    let files = Rc::new(Files::big());
    let hashed = resolve(&image, &js_host(&files, true), JsValue::UNDEFINED)
        .await
        .unwrap_or_else(|e| panic!("resolve with hashFile: {:?}", apothic(e)));
    assert_eq!(files.calls("hashFile"), ["data/big.bin"]);
    assert!(
        files.calls("readFile").is_empty(),
        "{:?}",
        files.calls.borrow()
    );

    for (what, r) in [("chunked", &chunked), ("hashFile", &hashed)] {
        let context = get(r, "context").dyn_into::<Array>().expect("context");
        assert_eq!(context.length(), 1, "{what}");
        let file = context.get(0);
        assert_eq!(text(&file, "sha256"), BIG_SHA256, "{what}");
        assert_eq!(
            get(&file, "size").as_f64(),
            Some(f64::from(BIG_SIZE)),
            "{what}"
        );
        assert_eq!(text(r, "imageHash"), BIG_IMAGE_HASH, "{what}");
    }
    assert_eq!(
        JSON::stringify(&chunked).map(String::from).ok(),
        JSON::stringify(&hashed).map(String::from).ok()
    );
}

// ---------------------------------------------------------------------------------------------
// `managedPython.sha256` from JavaScript.

/// A registry base with `addPython`: resolution renders the managed CPython install for it.
const ADD_PYTHON_SPEC: &str = r#"{"version":1,"base":{"op":"fromRegistry","ref":"ubuntu:24.04","normalized":"docker.io/library/ubuntu:24.04","prebuilt":false,"addPython":"3.12"},"steps":[]}"#;

/// The tarball `ADD_PYTHON_SPEC` installs without an `inspectImage` callback.
const TARBALL: &str = "cpython-3.12.11+20250723-x86_64-unknown-linux-gnu-install_only.tar.gz";

/// The options object a JavaScript expression evaluates to.
fn js_options(expression: &str) -> JsValue {
    Function::new_no_args(&format!("return ({expression});"))
        .call0(&JsValue::NULL)
        .expect("the options expression runs")
}

#[wasm_bindgen_test]
async fn managed_python_digests_from_javascript_are_checked_in_the_dockerfile() {
    let image = image_of(ADD_PYTHON_SPEC);
    let host = js_host(&Rc::new(Files::default()), false);
    let digest = "0123456789abcdef".repeat(4);
    let check = format!("echo \"{digest}  /tmp/apothic-python.tar.gz\" | sha256sum -c -");
    for expression in [
        format!("{{ managedPython: {{ sha256: {{ {TARBALL:?}: {digest:?} }} }} }}"),
        format!(
            "{{ managedPython: {{ sha256: Object.assign(Object.create(null), {{ {TARBALL:?}: {digest:?}, 'other.tar.gz': {digest:?} }}) }} }}"
        ),
    ] {
        let r = resolve(&image, &host, js_options(&expression))
            .await
            .unwrap_or_else(|e| panic!("{expression}: {:?}", apothic(e)));
        assert!(text(&r, "dockerfile").contains(&check), "{expression}");
    }
    // Without digests (or with an empty object) there is no check.
    for expression in ["{ managedPython: {} }", "{ managedPython: { sha256: {} } }"] {
        let r = resolve(&image, &host, js_options(expression))
            .await
            .unwrap();
        assert!(
            !text(&r, "dockerfile").contains("sha256sum"),
            "{expression}"
        );
    }
}

#[wasm_bindgen_test]
async fn managed_python_digests_of_the_wrong_shape_are_invalid_arguments() {
    let image = image_of(ADD_PYTHON_SPEC);
    let host = js_host(&Rc::new(Files::default()), false);
    let hex = "ab".repeat(32);
    let at = "options.managedPython.sha256";
    let named = format!("{at}.{TARBALL}");
    let cases = [
        (format!("'{hex}'"), at.to_string()),
        ("null".to_string(), at.to_string()),
        (format!("['{hex}']"), at.to_string()),
        (format!("new Map([[{TARBALL:?}, '{hex}']])"), at.to_string()),
        ("new (class Digests {})()".to_string(), at.to_string()),
        (format!("{{ {TARBALL:?}: 42 }}"), named.clone()),
        (format!("{{ {TARBALL:?}: null }}"), named.clone()),
        (format!("{{ {TARBALL:?}: ['{hex}'] }}"), named.clone()),
        (format!("{{ {TARBALL:?}: '{hex}0' }}"), named.clone()),
        (format!("{{ {TARBALL:?}: '{}' }}", hex.to_uppercase()), named.clone()),
        (format!("{{ {TARBALL:?}: 'sha256:{}' }}", &hex[7..]), named.clone()),
        (format!("{{ ['x'.repeat(300)]: '{hex}' }}"), at.to_string()),
        (format!("{{ 'a b.tar.gz': '{hex}' }}"), at.to_string()),
        (
            "new Proxy({}, { ownKeys() { throw new Error('trap'); } })".to_string(),
            at.to_string(),
        ),
        (
            format!("Object.fromEntries(Array.from({{ length: 10001 }}, (_, i) => ['t' + i + '.tar.gz', '{hex}']))"),
            at.to_string(),
        ),
    ];
    for (sha256, argument) in cases {
        let expression = format!("{{ managedPython: {{ sha256: {sha256} }} }}");
        let error = resolve(&image, &host, js_options(&expression))
            .await
            .expect_err(&expression);
        assert_eq!(apothic(error.clone()).0, "INVALID_ARGUMENT", "{expression}");
        assert_eq!(text(&error, "argument"), argument, "{expression}");
    }
    // A getter that throws is an error, not an option left out.
    let expression = "{ managedPython: { get sha256() { throw new Error('getter'); } } }";
    let error = resolve(&image, &host, js_options(expression))
        .await
        .expect_err(expression);
    assert_eq!(apothic(error.clone()).0, "INVALID_ARGUMENT");
    assert_eq!(text(&error, "argument"), at);
    // The instance keeps resolving.
    assert!(resolve(&image, &host, JsValue::UNDEFINED).await.is_ok());
}
