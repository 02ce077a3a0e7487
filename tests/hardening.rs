//! Hardening (issue 8): regression tests for what fuzzing found, the package's size limits, hosts
//! that misbehave natively (endless and huge listings, loops, bad names, huge files, duplicate
//! names), and property tests in bounded time: `fromSpec(toSpec(x)) == x`, `definitionHash`
//! invariant under any JSON key order and the order of set arguments, and a folder hashed the
//! same whatever order `readDir` lists it in.

#[path = "support/json_order.rs"]
mod json_order;
#[path = "support/memory_host.rs"]
mod memory_host;
#[path = "support/spec_strategies.rs"]
mod spec_strategies;

use json_order::shuffled_json;

use std::cell::Cell;

use apothic_image::limits::{
    MAX_CONTEXT_BYTES, MAX_REQUIREMENTS_FILES, MAX_SPEC_BYTES, MAX_STEPS, MAX_TEXT_FILE_BYTES,
    MAX_WALK_DEPTH, MAX_WALK_ENTRIES,
};
use apothic_image::resolve::{
    self, build_context, DirEntry, EntryKind, Host, ImageInspection, PythonModule, ResolveOptions,
};
use apothic_image::{
    formats::dotenv, DebianSlimOptions, ErrorCode, Image, ImageSpec, PipOptions, Result, Step,
};
use memory_host::{block_on, MemoryHost};
use proptest::prelude::*;

fn slim() -> Image {
    Image::debian_slim(&DebianSlimOptions::default()).expect("base")
}

fn code<T: std::fmt::Debug>(result: Result<T>) -> ErrorCode {
    result.expect_err("expected an error").code
}

fn resolve_code<H: Host>(image: &Image, host: &H) -> ErrorCode {
    code(block_on(resolve::resolve(
        image,
        host,
        &ResolveOptions::default(),
    )))
}

// ---------------------------------------------------------------------------------------------
// Regressions: each input a fuzz target found.

/// fuzz `render`: BuildKit parses `SHELL foo` and `SHELL []` but refuses to build them.
#[test]
fn fragment_shell_must_be_a_non_empty_json_array() {
    for fragment in [
        "SHELL ",
        "SHELL $HOME",
        "SHELL \u{feff}",
        "SHELL 🚀",
        "SHELL []",
        "ONBUILD SHELL x",
    ] {
        let e = slim().with_dockerfile(fragment).expect_err(fragment);
        assert_eq!(e.code, ErrorCode::DockerfileSyntax, "{fragment}: {e}");
        assert!(e.message.contains("JSON array"), "{e}");
    }
    assert!(slim()
        .with_dockerfile("SHELL [\"/bin/bash\", \"-c\"]")
        .is_ok());
}

/// fuzz `render` (the corpus through BuildKit's own parser): a NUL inside a comment of a
/// fragment was accepted; a parser that reads the text as a C string stops there.
#[test]
fn fragment_may_not_hold_a_nul_even_in_a_comment() {
    let e = slim()
        .with_dockerfile("RUN a\n# x\0y\nEXPOSE 80\n")
        .expect_err("NUL");
    assert_eq!(e.code, ErrorCode::DockerfileSyntax, "{e}");
    let at = e.position.expect("a position");
    assert_eq!((at.line, at.column), (2, 4), "{e}");
    assert!(e.message.contains("NUL"), "{e}");
}

/// fuzz `dotenv`: `export #A=1` set a variable `#A`, while `#A=1` alone is a comment.
#[test]
fn dotenv_key_after_export_may_not_start_with_a_hash() {
    assert_eq!(
        code(dotenv::parse("export #A=1\n")),
        ErrorCode::DotenvSyntax
    );
    assert_eq!(
        dotenv::parse("#A=1\nB=2\n").expect("comment"),
        [("B".into(), "2".into())]
    );
}

/// fuzz `render`: a remote that resolves to `/` was stored as `/`, which reads back as "the
/// root folder plus the local basename", so `fromSpec(toSpec(x)) != x`.
#[test]
fn remote_resolving_to_the_root_round_trips() {
    for remote in ["/..", "../..", "x/../../.."] {
        let image = slim()
            .add_local_dir(" ", Some(remote), &[] as &[&str])
            .expect(remote);
        let spec = image.to_spec();
        let again = Image::from_spec(&spec).expect("canonical spec");
        assert_eq!(again.to_spec(), spec, "{remote}");
        assert!(matches!(&spec.steps[0], Step::AddLocalDir { remote, .. } if remote == "/ "));
    }
}

// ---------------------------------------------------------------------------------------------
// Limits: past each one an error with a code.

fn env_spec(steps: usize) -> ImageSpec {
    let mut spec = slim().to_spec();
    spec.steps = (0..steps)
        .map(|i| Step::Env {
            values: [(format!("K{i}"), "v".to_string())].into(),
        })
        .collect();
    spec
}

#[test]
fn step_limit() {
    let image = Image::from_spec(&env_spec(MAX_STEPS)).expect("the largest step count");
    assert_eq!(image.len(), MAX_STEPS);
    assert_eq!(
        code(Image::from_spec(&env_spec(MAX_STEPS + 1))),
        ErrorCode::SpecTooLarge
    );
    assert_eq!(code(image.run_commands(&["true"])), ErrorCode::SpecTooLarge);
    // Dropping the longest history does not recurse once per step (no stack overflow), in a
    // thread with a small stack.
    std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(move || drop(image))
        .expect("thread")
        .join()
        .expect("dropped");
}

#[test]
fn spec_size_limit() {
    let big = "x".repeat(MAX_SPEC_BYTES);
    assert_eq!(
        code(slim().run_commands(&[big.as_str()])),
        ErrorCode::SpecTooLarge
    );
    let json = format!(
        "{{\"version\":1,\"base\":{{\"op\":\"debianSlim\",\"pythonVersion\":\"3.12\"}},\"steps\":[{{\"op\":\"runCommands\",\"commands\":[\"{big}\"]}}]}}"
    );
    assert_eq!(code(Image::from_spec_json(&json)), ErrorCode::SpecTooLarge);
    // Step by step, the spec grows to the limit and no further.
    let mut image = slim();
    let chunk = "c".repeat(200_000);
    let error = loop {
        match image.run_commands(&[chunk.as_str()]) {
            Ok(next) => image = next,
            Err(e) => break e,
        }
    };
    assert_eq!(error.code, ErrorCode::SpecTooLarge);
    assert!(image.canonical_json().len() <= MAX_SPEC_BYTES);
}

/// A host that answers from closures; everything else empty.
struct FnHost<R, D>
where
    R: Fn(&str) -> Result<Vec<u8>>,
    D: Fn(&str) -> Result<Vec<DirEntry>>,
{
    read: R,
    list: D,
    calls: Cell<usize>,
}

fn fn_host<R, D>(read: R, list: D) -> FnHost<R, D>
where
    R: Fn(&str) -> Result<Vec<u8>>,
    D: Fn(&str) -> Result<Vec<DirEntry>>,
{
    FnHost {
        read,
        list,
        calls: Cell::new(0),
    }
}

impl<R, D> Host for FnHost<R, D>
where
    R: Fn(&str) -> Result<Vec<u8>>,
    D: Fn(&str) -> Result<Vec<DirEntry>>,
{
    async fn read_file(&self, path: &str) -> Result<Vec<u8>> {
        self.calls.set(self.calls.get() + 1);
        (self.read)(path)
    }
    async fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>> {
        self.calls.set(self.calls.get() + 1);
        (self.list)(path)
    }
    async fn digest_file(&self, path: &str, _size: u64) -> Result<String> {
        Ok(apothic_image::hash::sha256_hex(&(self.read)(path)?))
    }
    async fn resolve_python_module(&self, _: &str) -> Result<Option<PythonModule>> {
        Ok(None)
    }
    async fn inspect_image(&self, _: &str) -> Result<Option<ImageInspection>> {
        Ok(None)
    }
    async fn lookup_derived(&self, _: &str) -> Result<Option<String>> {
        Ok(None)
    }
}

fn entry(name: &str, kind: EntryKind, size: u64) -> DirEntry {
    DirEntry {
        name: name.into(),
        kind,
        size,
        mode: 0o644,
    }
}

fn no_dirs(path: &str) -> Result<Vec<DirEntry>> {
    Err(apothic_image::Error::new(
        ErrorCode::HostCallbackFailed,
        format!("no folder {path}"),
    ))
}

#[test]
fn text_file_size_limit() {
    let huge = (MAX_TEXT_FILE_BYTES + 1) as usize;
    let host = fn_host(|_| Ok(vec![b'#'; huge]), no_dirs);
    for image in [
        slim().env_file(".env").unwrap(),
        slim()
            .pip_install_from_requirements("r.txt", &PipOptions::default())
            .unwrap(),
        slim()
            .pip_install_from_pyproject("pyproject.toml", &[] as &[&str], &PipOptions::default())
            .unwrap(),
        Image::from_dockerfile("Dockerfile", &Default::default()).unwrap(),
    ] {
        assert_eq!(resolve_code(&image, &host), ErrorCode::FileTooLarge);
    }
}

#[test]
fn requirements_that_include_longer_paths_forever_stop() {
    let host = fn_host(|_| Ok(b"-r x/r.txt\n".to_vec()), no_dirs);
    let image = slim()
        .pip_install_from_requirements("r.txt", &PipOptions::default())
        .unwrap();
    assert_eq!(resolve_code(&image, &host), ErrorCode::RequirementsSyntax);
    assert!(host.calls.get() <= MAX_REQUIREMENTS_FILES + 1);
}

fn dir_image() -> Image {
    slim()
        .copy_local_dir("proj", Some("/app"), &[] as &[&str])
        .unwrap()
}

#[test]
fn endless_folders_stop_at_the_depth_limit() {
    let host = fn_host(
        |_| Ok(Vec::new()),
        |_| Ok(vec![entry("loop", EntryKind::Dir, 0)]),
    );
    assert_eq!(resolve_code(&dir_image(), &host), ErrorCode::FolderTooLarge);
    assert!(host.calls.get() <= MAX_WALK_DEPTH + 1);
}

#[test]
fn wide_folders_stop_at_the_entry_limit() {
    let host = fn_host(
        |_| Ok(Vec::new()),
        |_| {
            Ok((0..1000)
                .map(|i| entry(&format!("d{i}"), EntryKind::Dir, 0))
                .collect())
        },
    );
    assert_eq!(resolve_code(&dir_image(), &host), ErrorCode::FolderTooLarge);
    assert!(host.calls.get() <= MAX_WALK_ENTRIES / 1000 + 2);
    let one_listing = fn_host(
        |_| Ok(Vec::new()),
        |_| {
            Ok((0..=MAX_WALK_ENTRIES)
                .map(|i| entry(&format!("f{i}"), EntryKind::Symlink, 0))
                .collect())
        },
    );
    assert_eq!(
        resolve_code(&dir_image(), &one_listing),
        ErrorCode::FolderTooLarge
    );
}

#[test]
fn long_names_nested_deep_stop_at_the_path_bytes_limit() {
    let name = "n".repeat(4000);
    let host = fn_host(
        |_| Ok(Vec::new()),
        |_| {
            Ok((0..50)
                .map(|i| entry(&format!("{i}{name}"), EntryKind::Dir, 0))
                .collect())
        },
    );
    assert_eq!(resolve_code(&dir_image(), &host), ErrorCode::FolderTooLarge);
}

#[test]
fn bad_names_in_a_listing_are_invalid_paths() {
    for name in [
        "",
        ".",
        "..",
        "a/b",
        "../../etc/passwd",
        "/etc/passwd",
        "a\0b",
        &"n".repeat(5000),
    ] {
        let listed = name.to_string();
        let host = fn_host(
            |_| Ok(b"x".to_vec()),
            move |_| Ok(vec![entry(&listed, EntryKind::File, 1)]),
        );
        assert_eq!(
            resolve_code(&dir_image(), &host),
            ErrorCode::InvalidPath,
            "{name:?}"
        );
    }
}

#[test]
fn a_name_listed_twice_is_an_error_not_a_choice() {
    let host = fn_host(
        |_| Ok(b"x".to_vec()),
        |path| {
            Ok(if path == "proj" {
                vec![
                    entry("a", EntryKind::File, 1),
                    entry("a", EntryKind::Dir, 0),
                ]
            } else {
                Vec::new()
            })
        },
    );
    assert_eq!(
        resolve_code(&dir_image(), &host),
        ErrorCode::HostCallbackFailed
    );
}

#[test]
fn symlink_loops_are_skipped_with_a_diagnostic() {
    let host = MemoryHost::with(&[("proj/a.py", "x")])
        .symlink("proj/loop", ".")
        .symlink("proj/up", "..");
    let resolution = block_on(resolve::resolve(
        &dir_image(),
        &host,
        &ResolveOptions::default(),
    ))
    .expect("resolves");
    let skipped = resolution
        .diagnostics
        .iter()
        .filter(|d| d.code == "SYMLINK_SKIPPED")
        .count();
    assert!(skipped >= 1, "{:?}", resolution.diagnostics);
    assert_eq!(resolution.context.len(), 1);
}

#[test]
fn build_context_size_limit() {
    // The listing says 600 MiB: refused before any file is read.
    let host = fn_host(
        |_| Ok(b"x".to_vec()),
        |path| {
            Ok(if path == "proj" {
                vec![entry("big", EntryKind::File, 600 << 20)]
            } else {
                Vec::new()
            })
        },
    );
    let e = block_on(build_context(
        &dir_image(),
        &host,
        &ResolveOptions::default(),
    ))
    .expect_err("too large");
    assert_eq!(e.code, ErrorCode::FolderTooLarge);
    const { assert!(MAX_CONTEXT_BYTES < 600 << 20) };
    // A listing that understates the size: the bytes read are counted.
    let lying = fn_host(
        |_| Ok(vec![0u8; (MAX_CONTEXT_BYTES as usize / 2) + 1]),
        |path| {
            Ok(if path == "proj" {
                vec![
                    entry("a", EntryKind::File, 1),
                    entry("b", EntryKind::File, 1),
                ]
            } else {
                Vec::new()
            })
        },
    );
    let e = block_on(build_context(
        &dir_image(),
        &lying,
        &ResolveOptions::default(),
    ))
    .expect_err("too large");
    assert_eq!(e.code, ErrorCode::FolderTooLarge);
}

// ---------------------------------------------------------------------------------------------
// Properties, in bounded time.

/// A permutation of `items` given by `seed`.
fn permuted<T: Clone + std::fmt::Debug>(items: &[T], seed: u64) -> Vec<T> {
    let mut keyed: Vec<(String, T)> = items
        .iter()
        .enumerate()
        .map(|(i, t)| {
            (
                apothic_image::hash::sha256_hex(format!("{seed}/{i}").as_bytes()),
                t.clone(),
            )
        })
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    keyed.into_iter().map(|(_, t)| t).collect()
}

/// The spec with the set-like lists of each step (pip/uv packages, env pairs via JSON) in
/// another order, and duplicates added.
fn reorder_sets(spec: &ImageSpec, seed: u64) -> ImageSpec {
    let mut spec = spec.clone();
    for step in &mut spec.steps {
        if let Step::PipInstall { packages, .. } | Step::UvPipInstall { packages, .. } = step {
            let mut more = permuted(packages, seed);
            more.extend(permuted(packages, seed + 1).into_iter().take(2));
            *packages = more;
        }
    }
    spec
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, max_shrink_iters: 2000, ..ProptestConfig::default() })]

    #[test]
    fn from_spec_to_spec_is_a_fixed_point_and_the_hash_ignores_order(
        raw in spec_strategies::spec(),
        seed in any::<u64>(),
    ) {
        let Ok(image) = Image::from_spec(&raw) else { return Ok(()) };
        let spec = image.to_spec();
        let again = Image::from_spec(&spec).expect("canonical spec");
        prop_assert_eq!(&again.to_spec(), &spec);
        prop_assert_eq!(again.definition_hash(), image.definition_hash());

        let json = serde_json::to_value(&spec).expect("json");
        let reordered = Image::from_spec_json(&shuffled_json(&json, seed)).expect("any key order");
        prop_assert_eq!(reordered.definition_hash(), image.definition_hash());

        let sets = Image::from_spec(&reorder_sets(&spec, seed)).expect("reordered sets");
        prop_assert_eq!(sets.definition_hash(), image.definition_hash());
        prop_assert_eq!(sets.to_spec(), spec);
    }

    #[test]
    fn a_folder_hashes_the_same_whatever_order_read_dir_lists(
        files in prop::collection::btree_map("[a-c]{1,2}(/[a-c]{1,2}){0,3}(\\.py)?", "[ -~]{0,12}", 1..20),
        seed in any::<u64>(),
    ) {
        // Paths that are both a file and a folder cannot exist.
        let paths: Vec<&String> = files.keys().collect();
        if paths.iter().any(|a| paths.iter().any(|b| b.starts_with(&format!("{a}/")))) {
            return Ok(());
        }
        let contents: Vec<(String, String)> = files.iter().map(|(p, c)| (format!("proj/{p}"), c.clone())).collect();
        let refs: Vec<(&str, &str)> = contents.iter().map(|(p, c)| (p.as_str(), c.as_str())).collect();
        let image = dir_image();
        let sorted = MemoryHost::with(&refs);
        let first = block_on(resolve::resolve(&image, &sorted, &ResolveOptions::default())).expect("resolves");
        let shuffled = Shuffled { inner: MemoryHost::with(&refs), seed, calls: Cell::new(0) };
        let second = block_on(resolve::resolve(&image, &shuffled, &ResolveOptions::default())).expect("resolves");
        prop_assert_eq!(&first.image_hash, &second.image_hash);
        prop_assert_eq!(&first.spec_hash, &second.spec_hash);
        prop_assert_eq!(&first.context, &second.context);
        let (_, tar_a) = block_on(build_context(&image, &sorted, &ResolveOptions::default())).expect("tar");
        let (_, tar_b) = block_on(build_context(&image, &shuffled, &ResolveOptions::default())).expect("tar");
        prop_assert!(tar_a == tar_b, "the tar depends on the listing order");
    }
}

/// A memory host whose listings come in a different order on every call.
struct Shuffled {
    inner: MemoryHost,
    seed: u64,
    calls: Cell<u64>,
}

impl Host for Shuffled {
    async fn read_file(&self, path: &str) -> Result<Vec<u8>> {
        self.inner.read_file(path).await
    }
    async fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>> {
        self.calls.set(self.calls.get() + 1);
        let list = self.inner.read_dir(path).await?;
        Ok(permuted(&list, self.seed ^ self.calls.get()))
    }
    async fn digest_file(&self, path: &str, size: u64) -> Result<String> {
        self.inner.digest_file(path, size).await
    }
    async fn resolve_python_module(&self, name: &str) -> Result<Option<PythonModule>> {
        self.inner.resolve_python_module(name).await
    }
    async fn inspect_image(&self, reference: &str) -> Result<Option<ImageInspection>> {
        self.inner.inspect_image(reference).await
    }
    async fn lookup_derived(&self, image_hash: &str) -> Result<Option<String>> {
        self.inner.lookup_derived(image_hash).await
    }
}
