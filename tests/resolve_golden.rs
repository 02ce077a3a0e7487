//! Golden image-hash vectors: every `tests/vectors-resolve/NAME/` holds `spec.json` (an image
//! spec, in its canonical `toSpec()` form), `host/` (the project files the host serves, by path
//! relative to the host's root), an optional `host.json` (what a folder cannot hold: file modes,
//! symlinks, empty folders, Python modules, image inspections, derived images) and the pinned
//! `resolution.json` (the whole `Resolution`, pretty JSON). Resolving the spec through a
//! `MemoryHost` over those files must give exactly the pinned resolution: the Dockerfile, every
//! layer hash with its inputs, the image and spec hashes, the context, the mounts, the plan and
//! the diagnostics. Regenerate with `UPDATE_GOLDEN=1 cargo test --test resolve_golden` only
//! together with a new hash version (see HASHING.md), or when the rendered Dockerfile changes on
//! purpose (its `dockerfile` and `buildKey`, and the `derived` keys of `host.json`, then change;
//! the image hashes must not); `tests/hashing/recompute.py` recomputes the pinned hashes from
//! HASHING.md alone.
//!
//! `host.json` fields (all optional):
//! - `modes`: `{ "path": "755" }`, octal permission bits (files default to `644`);
//! - `symlinks`: `{ "path": "target" }`;
//! - `dirs`: folders that exist even when empty (git keeps no empty folder);
//! - `modules`: `{ "name": { "path": ..., "isPackage": ... } }` for `resolvePythonModule`;
//! - `images`: `{ "reference as written": <ImageInspection> }` for `inspectImage`;
//! - `derived`: `{ "sha256:<build key>": "published image" }` for `lookupDerived`.
//!
//! The build-context tars of some vectors are pinned too, with the tar layout's
//! `CONTEXT_FORMAT` (the build key covers it: HASHING.md, "buildKey").

#[path = "support/memory_host.rs"]
mod memory_host;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use apothic_image::hash::{canonical_json_of, sha256_hex};
use apothic_image::resolve::context_tar::{self, TarEntry, CONTEXT_FORMAT};
use apothic_image::resolve::{
    build_context, resolve, ImageInspection, PythonModule, Resolution, ResolveOptions,
};
use apothic_image::{Image, ImageSpec, Step};
use memory_host::{block_on, MemoryHost};
use serde::Deserialize;

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors-resolve");

/// The vector whose every input file ends with a `v1` marker, for the one-byte change test.
const CHAIN_VECTOR: &str = "layer-chain";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HostJson {
    #[serde(default)]
    modes: BTreeMap<String, String>,
    #[serde(default)]
    symlinks: BTreeMap<String, String>,
    #[serde(default)]
    dirs: Vec<String>,
    #[serde(default)]
    modules: BTreeMap<String, PythonModule>,
    #[serde(default)]
    images: BTreeMap<String, ImageInspection>,
    #[serde(default)]
    derived: BTreeMap<String, String>,
}

fn vector_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(VECTORS)
        .expect("tests/vectors-resolve exists")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.join("spec.json").is_file())
        .collect();
    dirs.sort();
    dirs
}

fn name_of(dir: &Path) -> String {
    dir.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("?")
        .to_string()
}

fn read_text(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every file under `dir`, as (`/`-separated path relative to `root`, bytes).
fn files_under(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files_under(root, &path, out);
        } else {
            let relative = path.strip_prefix(root).expect("under root");
            let parts: Vec<&str> = relative
                .components()
                .map(|c| c.as_os_str().to_str().expect("UTF-8 file name"))
                .collect();
            let bytes = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            out.push((parts.join("/"), bytes));
        }
    }
}

/// The host a vector describes.
fn load_host(dir: &Path) -> MemoryHost {
    let host_json: HostJson = match fs::read_to_string(dir.join("host.json")) {
        Ok(text) => serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{}/host.json: {e}", name_of(dir))),
        Err(_) => HostJson::default(),
    };
    let mut host = MemoryHost::default();
    let root = dir.join("host");
    let mut files = Vec::new();
    if root.is_dir() {
        files_under(&root, &root, &mut files);
    }
    for (path, bytes) in files {
        let mode = host_json.modes.get(&path).map_or(0o644, |m| {
            u32::from_str_radix(m, 8)
                .unwrap_or_else(|e| panic!("{}: mode {m:?}: {e}", name_of(dir)))
        });
        host = host.file(&path, &bytes, mode);
    }
    for path in host_json.modes.keys() {
        assert!(
            host.files.contains_key(path),
            "{}/host.json: mode for missing file {path}",
            name_of(dir)
        );
    }
    for (path, target) in &host_json.symlinks {
        host = host.symlink(path, target);
    }
    host.dirs = host_json.dirs;
    host.modules = host_json.modules;
    host.images = host_json.images;
    host.derived = host_json.derived;
    host
}

fn load_spec(dir: &Path) -> ImageSpec {
    let text = read_text(&dir.join("spec.json"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}/spec.json: {e}", name_of(dir)))
}

fn resolve_with(spec: &ImageSpec, host: &MemoryHost) -> Resolution {
    let image = Image::from_spec(spec).unwrap_or_else(|e| panic!("fromSpec: {e}"));
    block_on(resolve(&image, host, &ResolveOptions::default()))
        .unwrap_or_else(|e| panic!("resolve: {e}"))
}

fn pretty<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).expect("serialises") + "\n"
}

/// Compares (or, with `UPDATE_GOLDEN`, rewrites) one pinned file.
fn check_file(dir: &Path, file: &str, expected: &str, update: bool, failures: &mut Vec<String>) {
    let path = dir.join(file);
    if update {
        fs::write(&path, expected).expect("write golden file");
        return;
    }
    match fs::read_to_string(&path) {
        Ok(stored) if stored == expected => {}
        Ok(stored) => failures.push(format!(
            "{}/{file} changed:\n--- stored\n{stored}\n--- now\n{expected}",
            name_of(dir)
        )),
        Err(_) => failures.push(format!("{}/{file} is missing", name_of(dir))),
    }
}

/// Invariants every resolution keeps, whatever the vector.
fn check_invariants(name: &str, spec: &ImageSpec, r: &Resolution) {
    assert_eq!(
        r.layers.last().map(|l| l.hash.as_str()),
        Some(r.image_hash.as_str()),
        "{name}: imageHash is the last layer"
    );
    assert_eq!(r.plan.image_hash, r.image_hash, "{name}: plan.imageHash");
    assert_eq!(r.plan.build_key, r.build_key, "{name}: plan.buildKey");
    check_lines(name, r);
    assert_eq!(r.layers[0].step, None, "{name}: the base layer comes first");
    let build_steps: Vec<usize> = spec
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.is_runtime())
        .map(|(i, _)| i)
        .collect();
    let layer_steps: Vec<usize> = r.layers[1..].iter().filter_map(|l| l.step).collect();
    assert_eq!(layer_steps, build_steps, "{name}: one layer per build step");
    let runtime_steps: Vec<usize> = spec
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_runtime())
        .map(|(i, _)| i)
        .collect();
    let mount_steps: Vec<usize> = r.mounts.iter().map(|m| m.step).collect();
    assert_eq!(
        mount_steps, runtime_steps,
        "{name}: one mount per runtime step"
    );
    if r.mounts.is_empty() {
        assert_ne!(
            r.spec_hash, r.image_hash,
            "{name}: specHash is its own document"
        );
    }
    // Every input is a context file (same digest and mode) or a host path the step names.
    for layer in &r.layers {
        let mut paths: Vec<&str> = layer.inputs.iter().map(|i| i.path.as_str()).collect();
        let sorted = {
            let mut s = paths.clone();
            s.sort();
            s
        };
        assert_eq!(paths, sorted, "{name}: inputs sorted by path");
        paths.dedup();
        assert_eq!(paths.len(), layer.inputs.len(), "{name}: inputs unique");
        for input in &layer.inputs {
            if let Some(file) = r.context.iter().find(|c| c.path == input.path) {
                assert_eq!(file.sha256, input.sha256, "{name}: {}", input.path);
                assert_eq!(file.mode, input.mode, "{name}: {}", input.path);
                continue;
            }
            let host_path = match (layer.step.map(|i| &spec.steps[i]), &spec.base) {
                (None, apothic_image::Base::FromDockerfile { .. }) => input.path == "Dockerfile",
                (Some(Step::EnvFile { path }), _) => *path == input.path,
                (
                    Some(
                        Step::PipInstallFromPyproject { path, .. }
                        | Step::UvPipInstallFromPyproject { path, .. },
                    ),
                    _,
                ) => *path == input.path,
                _ => false,
            };
            assert!(
                host_path,
                "{name}: input {} is neither a context file nor the step's host path",
                input.path
            );
        }
    }
    for file in &r.context {
        let layer_input = r
            .layers
            .iter()
            .any(|l| l.inputs.iter().any(|i| i.path == file.path));
        assert!(
            layer_input,
            "{name}: context file {} is no layer's input",
            file.path
        );
    }
}

/// Every line of the Dockerfile belongs to exactly one layer: the ranges, in layer order, are
/// ordered, do not overlap and leave no line out; the base has at least its `FROM`.
fn check_lines(name: &str, r: &Resolution) {
    let total = r.dockerfile.matches('\n').count();
    assert!(
        r.dockerfile.ends_with('\n'),
        "{name}: the Dockerfile ends a line"
    );
    assert!(r.layers[0].lines.is_some(), "{name}: the base has lines");
    let mut next = 1;
    for layer in &r.layers {
        if let Some(lines) = layer.lines {
            assert_eq!(
                lines.first, next,
                "{name}: layer {:?} starts where the one before ended",
                layer.step
            );
            assert!(
                lines.last >= lines.first,
                "{name}: layer {:?}: {lines:?}",
                layer.step
            );
            next = lines.last + 1;
        }
    }
    assert_eq!(
        next,
        total + 1,
        "{name}: the layers' lines end with the Dockerfile's"
    );
}

#[test]
fn resolve_vectors_are_unchanged() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let dirs = vector_dirs();
    assert!(
        dirs.len() >= 12,
        "expected at least 12 resolve vectors, found {}",
        dirs.len()
    );
    let mut failures = Vec::new();
    for dir in &dirs {
        let name = name_of(dir);
        let spec = load_spec(dir);
        // The spec is stored in its canonical form, so the step JSON that recompute.py takes
        // from it is exactly what the layer documents hold.
        let canonical = Image::from_spec(&spec)
            .unwrap_or_else(|e| panic!("{name}: fromSpec: {e}"))
            .to_spec();
        check_file(dir, "spec.json", &pretty(&canonical), update, &mut failures);
        let resolution = resolve_with(&canonical, &load_host(dir));
        check_invariants(&name, &canonical, &resolution);
        check_file(
            dir,
            "resolution.json",
            &pretty(&resolution),
            update,
            &mut failures,
        );
    }
    assert!(
        failures.is_empty(),
        "{} resolve golden mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    println!("resolve vectors: {} passed, 0 failed", dirs.len());
}

#[test]
fn listing_order_does_not_change_anything() {
    for dir in vector_dirs() {
        let name = name_of(&dir);
        let spec = load_spec(&dir);
        let forward = resolve_with(&spec, &load_host(&dir));
        let mut host = load_host(&dir);
        host.reverse_listings = true;
        let reversed = resolve_with(&spec, &host);
        assert_eq!(
            forward, reversed,
            "{name}: reversed readDir listings changed the resolution"
        );
    }
}

/// Which host file each context path comes from, plus the inputs that are host paths.
fn host_file_of(spec: &ImageSpec, r: &Resolution, step: Option<usize>, input: &str) -> String {
    if let Some(file) = r.context.iter().find(|c| c.path == input) {
        return file.source.clone();
    }
    match (step, &spec.base) {
        (None, apothic_image::Base::FromDockerfile { path, .. }) => path.clone(),
        _ => input.to_string(),
    }
}

#[test]
fn one_changed_byte_changes_its_layer_and_every_later_one() {
    let dir = Path::new(VECTORS).join(CHAIN_VECTOR);
    let spec = load_spec(&dir);
    let original = resolve_with(&spec, &load_host(&dir));
    assert!(
        original.layers.len() >= 5,
        "{CHAIN_VECTOR} needs a long chain"
    );
    assert!(!original.mounts.is_empty(), "{CHAIN_VECTOR} needs a mount");

    // Host file → the first layer that reads it.
    let mut first_layer: BTreeMap<String, usize> = BTreeMap::new();
    for (k, layer) in original.layers.iter().enumerate() {
        for input in &layer.inputs {
            first_layer
                .entry(host_file_of(&spec, &original, layer.step, &input.path))
                .or_insert(k);
        }
    }
    let layers_with_inputs = original
        .layers
        .iter()
        .filter(|l| !l.inputs.is_empty())
        .count();
    assert!(
        layers_with_inputs >= 4,
        "{CHAIN_VECTOR}: too few layers read files"
    );

    let mut checked = 0;
    for (file, &k) in &first_layer {
        let mut host = load_host(&dir);
        let (bytes, _) = host.files.get_mut(file).expect("input is a host file");
        let at = bytes
            .windows(2)
            .rposition(|w| w == b"v1")
            .unwrap_or_else(|| panic!("{file} has no v1 marker"));
        bytes[at + 1] = b'2';
        let changed = resolve_with(&spec, &host);
        for (j, (before, after)) in original.layers.iter().zip(&changed.layers).enumerate() {
            if j < k {
                assert_eq!(
                    before.hash, after.hash,
                    "{file}: layer {j} is before layer {k}"
                );
            } else {
                assert_ne!(
                    before.hash, after.hash,
                    "{file}: layer {j} is not after layer {k}"
                );
            }
        }
        assert_ne!(original.image_hash, changed.image_hash, "{file}");
        assert_ne!(original.spec_hash, changed.spec_hash, "{file}");
        assert_eq!(original.mounts, changed.mounts, "{file}");
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} input files checked");

    // A mount file changes the spec hash only.
    for mount in &original.mounts {
        for mounted in &mount.files {
            let mut host = load_host(&dir);
            let (bytes, _) = host.files.get_mut(&mounted.source).expect("mount source");
            let at = bytes
                .windows(2)
                .rposition(|w| w == b"v1")
                .unwrap_or_else(|| panic!("{} has no v1 marker", mounted.source));
            bytes[at + 1] = b'2';
            let changed = resolve_with(&spec, &host);
            assert_eq!(original.layers, changed.layers, "{}", mounted.source);
            assert_eq!(
                original.image_hash, changed.image_hash,
                "{}",
                mounted.source
            );
            assert_ne!(original.spec_hash, changed.spec_hash, "{}", mounted.source);
        }
    }
}

#[test]
fn a_mode_change_changes_its_layer_and_every_later_one() {
    let dir = Path::new(VECTORS).join(CHAIN_VECTOR);
    let spec = load_spec(&dir);
    let original = resolve_with(&spec, &load_host(&dir));
    // The first layer with an input whose mode comes from the host listing (copy steps).
    let (k, source) = original
        .layers
        .iter()
        .enumerate()
        .skip(1)
        .find_map(|(k, layer)| {
            let step = &spec.steps[layer.step?];
            matches!(step, Step::CopyLocalFile { .. } | Step::CopyLocalDir { .. }).then(|| {
                (
                    k,
                    host_file_of(&spec, &original, layer.step, &layer.inputs[0].path),
                )
            })
        })
        .expect("a copy step");
    let mut host = load_host(&dir);
    host.files.get_mut(&source).expect("source").1 ^= 0o111;
    let changed = resolve_with(&spec, &host);
    for (j, (before, after)) in original.layers.iter().zip(&changed.layers).enumerate() {
        if j < k {
            assert_eq!(before.hash, after.hash, "layer {j}");
        } else {
            assert_ne!(before.hash, after.hash, "layer {j}");
        }
    }
}

#[test]
fn copied_folders_keep_their_empty_subfolders_in_the_context() {
    let dir = Path::new(VECTORS).join("copy-local-dir");
    let resolution = resolve_with(&load_spec(&dir), &load_host(&dir));
    for kept in [".apothic/steps/0/empty", ".apothic/steps/0/assets/fonts"] {
        assert!(
            resolution.context_dirs.iter().any(|d| d == kept),
            "{kept} missing from {:?}",
            resolution.context_dirs
        );
    }
    for ignored in [".apothic/steps/0/build", ".apothic/steps/0/latest"] {
        assert!(
            !resolution.context_dirs.iter().any(|d| d == ignored),
            "{ignored} is in the context"
        );
    }
}

/// Bugs found in `src/resolve` while writing these vectors (now fixed), kept as regression tests.
mod regressions {
    use super::*;
    use apothic_image::{DebianSlimOptions, DockerfileOptions};

    fn slim() -> Image {
        Image::debian_slim(&DebianSlimOptions::default()).expect("debianSlim")
    }

    fn run(image: &Image, host: &MemoryHost) -> Resolution {
        block_on(resolve(image, host, &ResolveOptions::default())).expect("resolves")
    }

    #[test]
    fn a_module_added_with_add_local_python_source_lands_at_its_module_path() {
        let mut host = MemoryHost::with(&[("lib/helpers.py", "X = 1\n")]);
        host.modules.insert(
            "helpers".into(),
            PythonModule {
                path: "lib/helpers.py".into(),
                is_package: false,
            },
        );
        let image = slim().add_local_python_source(&["helpers"]).expect("step");
        let remotes: Vec<String> = run(&image, &host).mounts[0]
            .files
            .iter()
            .map(|f| f.remote.clone())
            .collect();
        assert_eq!(remotes, ["/root/helpers.py"]);
    }

    #[test]
    fn an_empty_env_file_diagnostic_names_its_step() {
        let host = MemoryHost::with(&[("empty.env", "# nothing set\n")]);
        let image = slim()
            .run_commands(&["true"])
            .and_then(|i| i.env_file("empty.env"))
            .expect("steps");
        let diagnostics = run(&image, &host).diagnostics;
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].code, "EMPTY_ENV_FILE");
        assert_eq!(diagnostics[0].step, Some(1));
    }

    #[test]
    fn the_dockerignore_is_left_out_of_the_build_context() {
        // Docker reads the `.dockerignore` at the root of the context it is given: in the tar it
        // would apply again, to our `.apothic/` files too (`**/*.txt` hides the requirement
        // files a later pipInstallFromRequirements step copies from `.apothic/steps/<i>/`).
        let host = MemoryHost::with(&[
            ("ctx/Dockerfile.app", "FROM python:3.12-slim\nCOPY . /app\n"),
            ("ctx/.dockerignore", "*.log\n**/*.txt\n"),
            ("ctx/main.py", "print(1)\n"),
        ]);
        let image = Image::from_dockerfile(
            "ctx/Dockerfile.app",
            &DockerfileOptions {
                context_dir: Some("ctx".into()),
                ..DockerfileOptions::default()
            },
        )
        .expect("fromDockerfile");
        let paths: Vec<String> = run(&image, &host)
            .context
            .iter()
            .map(|c| c.path.clone())
            .collect();
        assert!(
            !paths.iter().any(|p| p.ends_with(".dockerignore")),
            "{paths:?}"
        );
    }
}

/// The tar layout (`CONTEXT_FORMAT`) the pins below were made with.
const PINNED_CONTEXT_FORMAT: u32 = 1;

/// Vectors whose build-context tar is pinned: the name, the SHA-256 of what goes into the tar
/// (the Dockerfile, the context files and folders: `tar_inputs`) and the SHA-256 of the tar.
const PINNED_TARS: [(&str, &str, &str); 3] = [
    (
        "copy-local-dir",
        "sha256:630472375548246c01102569dde536b67c6be3485d13d9ccbd96581119e2c491",
        "sha256:713c3dea56f92c425ecdc67cb3ceed82cc58fb571aa836bc12878f7f1b13fe9f",
    ),
    (
        "copy-local-file",
        "sha256:03630228d3bd21e050cb2c082f799b2cdbada6be7aed6d5cb5ea8c53907812ad",
        "sha256:34218a1f21c6b79f0ef9f8edb1cdc598e3b76843070d70c9c16a4a8bb9729a82",
    ),
    (
        "from-dockerfile-copy",
        "sha256:b134e7cd03be05429a8b1eb52001c36bd0680af12f9496591b247b6a24625f8f",
        "sha256:2e97d962b746ad2d8f61367c6736310076eb1fc0d1aa2d7a6d8214cc4bf5bd93",
    ),
];

/// A tar written from fixed entries that take PAX records (a long path, a non-ASCII one), with
/// its SHA-256.
const PINNED_PAX_TAR: &str =
    "sha256:5302920a94aa06423f3c35a0fadfbe9e566d6c70365ecbb11b5ba474fb943026";

/// The SHA-256 of what goes into a build-context tar, so a pin can tell a change of the files
/// from a change of how they are laid out.
fn tar_inputs(r: &Resolution) -> String {
    sha256_hex(
        canonical_json_of(&serde_json::json!({
            "context": r.context,
            "dirs": r.context_dirs,
            "dockerfile": r.dockerfile,
        }))
        .as_bytes(),
    )
}

/// What to do when a pinned tar changed.
fn bump(what: &str) -> String {
    format!(
        "{what}: the build-context tar layout changed (paths, modes, mtimes, owners, headers or \
         order). Bump CONTEXT_FORMAT in src/resolve/context_tar.rs (every buildKey holds it, so \
         no derived image built from the old layout is reused), then set PINNED_CONTEXT_FORMAT \
         and the pins in tests/resolve_golden.rs to the new tars"
    )
}

#[test]
fn the_context_tar_layout_is_pinned_with_its_format() {
    assert_eq!(
        CONTEXT_FORMAT, PINNED_CONTEXT_FORMAT,
        "CONTEXT_FORMAT is {CONTEXT_FORMAT}, the tars in tests/resolve_golden.rs are pinned for \
         {PINNED_CONTEXT_FORMAT}: set PINNED_CONTEXT_FORMAT and the pins to the new layout's tars"
    );
    let mut failures = Vec::new();
    for (name, inputs, tar) in PINNED_TARS {
        let dir = Path::new(VECTORS).join(name);
        let image = Image::from_spec(&load_spec(&dir)).expect("fromSpec");
        let (resolution, bytes) = block_on(build_context(
            &image,
            &load_host(&dir),
            &ResolveOptions::default(),
        ))
        .unwrap_or_else(|e| panic!("{name}: buildContext: {e}"));
        let (now_inputs, now_tar) = (tar_inputs(&resolution), sha256_hex(&bytes));
        if now_inputs != inputs {
            failures.push(format!(
                "{name}: the Dockerfile or the context files changed, so the pinned tar is not \
                 comparable: pin (\"{name}\", \"{now_inputs}\", \"{now_tar}\") (and bump \
                 CONTEXT_FORMAT if the layout changed too)"
            ));
        } else if now_tar != tar {
            failures.push(format!(
                "{} (now {now_tar})",
                bump(&format!("{name}: the same files give another tar"))
            ));
        }
    }
    let long = format!("{}/é.txt", "d".repeat(120));
    let pax = context_tar::write(vec![
        TarEntry::File {
            path: &long,
            mode: 0o755,
            data: b"long\n",
        },
        TarEntry::Dir { path: "ünï" },
        TarEntry::File {
            path: "ünï/ç.py",
            mode: 0o600,
            data: b"print(1)\n",
        },
    ])
    .expect("writes");
    let now_pax = sha256_hex(&pax);
    if now_pax != PINNED_PAX_TAR {
        failures.push(format!(
            "{} (now {now_pax})",
            bump("PAX entries give another tar")
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
