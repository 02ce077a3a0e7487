//! The build key (HASHING.md, "buildKey"): the document it hashes, that a change of the rendered
//! Dockerfile alone changes it (and what `lookupDerived` is asked), and that a direct plan
//! carries it too. And each layer's `lines`: the Dockerfile lines its step rendered, for steps
//! of one line, of several, of none, and for a base Dockerfile with continuation and heredoc
//! lines.

#[path = "support/memory_host.rs"]
mod memory_host;

use std::collections::BTreeMap;

use apothic_image::hash::{canonical_json_of, sha256_hex};
use apothic_image::resolve::context_tar::CONTEXT_FORMAT;
use apothic_image::resolve::{
    build_context, resolve, ImageInspection, LineRange, ManagedPython, PlanMode, Resolution,
    ResolveOptions,
};
use apothic_image::{
    DebianSlimOptions, DockerfileOptions, ErrorCode, Image, PipOptions, RegistryOptions, Result,
};
use memory_host::{block_on, MemoryHost};

fn slim() -> Image {
    Image::debian_slim(&DebianSlimOptions::default()).expect("debianSlim")
}

fn resolved(image: &Result<Image>, host: &MemoryHost, options: &ResolveOptions) -> Resolution {
    let image = image.as_ref().expect("the image is built");
    block_on(resolve(image, host, options)).unwrap_or_else(|e| panic!("resolve: {e}"))
}

fn lines(first: usize, last: usize) -> Option<LineRange> {
    Some(LineRange { first, last })
}

/// Each layer's `lines`, base first.
fn ranges(r: &Resolution) -> Vec<Option<LineRange>> {
    r.layers.iter().map(|l| l.lines).collect()
}

/// The Dockerfile lines a range names.
fn text_of(r: &Resolution, range: Option<LineRange>) -> Vec<&str> {
    let range = range.expect("the layer has lines");
    r.dockerfile.lines().collect::<Vec<_>>()[range.first - 1..range.last].to_vec()
}

// ---------------------------------------------------------------------------------------------
// buildKey
// ---------------------------------------------------------------------------------------------

#[test]
fn the_build_key_hashes_the_documented_document() {
    let image = slim().run_commands(&["echo hi"]);
    let r = resolved(&image, &MemoryHost::default(), &ResolveOptions::default());
    let document = format!(
        "{{\"context\":{CONTEXT_FORMAT},\"dockerfile\":\"{}\",\"imageHash\":\"{}\"}}",
        sha256_hex(r.dockerfile.as_bytes()),
        r.image_hash
    );
    // The text above is the canonical JSON of the document HASHING.md states.
    assert_eq!(
        canonical_json_of(&serde_json::json!({
            "context": CONTEXT_FORMAT,
            "dockerfile": sha256_hex(r.dockerfile.as_bytes()),
            "imageHash": r.image_hash,
        })),
        document
    );
    assert_eq!(r.build_key, sha256_hex(document.as_bytes()));
    assert_eq!(r.plan.build_key, r.build_key);
    assert_ne!(r.build_key, r.image_hash);
}

/// A Python-less base: the Dockerfile installs a managed CPython, with a `sha256sum -c` line
/// only when `managedPython.sha256` has the tarball's digest. The image hash records the
/// CPython (version, arch, libc, URL), not that line.
fn python_less() -> (Result<Image>, MemoryHost) {
    let mut host = MemoryHost::default();
    host.images.insert(
        "alpine:3.20".into(),
        ImageInspection {
            digest: Some(format!("sha256:{}", "a1".repeat(32))),
            os: Some("linux".into()),
            arch: Some("arm64".into()),
            libc: Some("musl".into()),
            ..ImageInspection::default()
        },
    );
    let image = Image::from_registry("alpine:3.20", &RegistryOptions::default())
        .and_then(|i| i.pip_install(&["numpy"], &PipOptions::default()));
    (image, host)
}

#[test]
fn a_dockerfile_change_alone_changes_the_build_key_and_the_lookup() {
    let (image, mut host) = python_less();
    let plain = resolved(&image, &host, &ResolveOptions::default());
    let tarball = "cpython-3.12.11+20250723-aarch64-unknown-linux-musl-install_only.tar.gz";
    let checked_options = ResolveOptions {
        managed_python: ManagedPython {
            sha256: BTreeMap::from([(tarball.to_string(), "0f".repeat(32))]),
            ..ManagedPython::default()
        },
        ..ResolveOptions::default()
    };
    let checked = resolved(&image, &host, &checked_options);
    assert!(checked.dockerfile.contains("sha256sum -c"));
    assert!(!plain.dockerfile.contains("sha256sum -c"));
    assert_eq!(checked.image_hash, plain.image_hash, "same spec and inputs");
    assert_ne!(checked.build_key, plain.build_key, "another Dockerfile");
    let lookups: Vec<String> = host
        .calls
        .borrow()
        .iter()
        .filter(|c| c.starts_with("lookupDerived"))
        .cloned()
        .collect();
    assert_eq!(
        lookups,
        [
            format!("lookupDerived({})", plain.build_key),
            format!("lookupDerived({})", checked.build_key)
        ]
    );

    // An image published for the plain Dockerfile is reused for it, never for the other.
    let published = "registry.example.com/derived@sha256:".to_string() + &"ab".repeat(32);
    host.derived
        .insert(plain.build_key.clone(), published.clone());
    let again = resolved(&image, &host, &ResolveOptions::default());
    assert_eq!(again.plan.mode, PlanMode::Derived);
    assert_eq!(again.plan.image.as_deref(), Some(published.as_str()));
    assert_eq!(resolved(&image, &host, &checked_options).plan.image, None);
}

/// What builds from a resolution passes its build key: the context is built only when the files
/// still give that key, so an image is never published under a key its files do not have.
#[test]
fn a_build_from_a_resolution_refuses_files_changed_since() {
    let image = slim().copy_local_file("app.py", Some("/app/app.py"));
    let host = MemoryHost::with(&[("app.py", "print(1)\n")]);
    let first = resolved(&image, &host, &ResolveOptions::default());
    let pinned = ResolveOptions {
        build_key: Some(first.build_key.clone()),
        ..ResolveOptions::default()
    };
    let image = image.expect("the image is built");
    let (again, tar) = block_on(build_context(&image, &host, &pinned)).expect("the same files");
    assert_eq!(again.build_key, first.build_key);
    assert!(!tar.is_empty());

    let changed = MemoryHost::with(&[("app.py", "print(2)\n")]);
    for answer in [
        block_on(build_context(&image, &changed, &pinned)).map(|(r, _)| r),
        block_on(resolve(&image, &changed, &pinned)),
    ] {
        let e = answer.expect_err("the files give another key");
        assert_eq!(e.code, ErrorCode::ContextChanged);
        assert!(e.message.contains(&first.build_key), "{}", e.message);
    }
}

#[test]
fn a_direct_plan_carries_the_build_key_and_looks_nothing_up() {
    let image = Image::from_registry("python:3.12", &RegistryOptions::default())
        .and_then(|i| i.add_local_file("job.py", None));
    let host = MemoryHost::with(&[("job.py", "print(1)\n")]);
    let r = resolved(&image, &host, &ResolveOptions::default());
    assert_eq!(r.plan.mode, PlanMode::Direct);
    assert_eq!(r.plan.build_key, r.build_key);
    assert!(r.build_key.starts_with("sha256:") && r.build_key.len() == 71);
    assert!(!host
        .calls
        .borrow()
        .iter()
        .any(|c| c.starts_with("lookupDerived")));
}

// ---------------------------------------------------------------------------------------------
// lines
// ---------------------------------------------------------------------------------------------

#[test]
fn each_layer_names_the_lines_its_step_rendered() {
    let host = MemoryHost::with(&[("req.txt", "flask\n"), ("job.py", "print(1)\n")]);
    let image = slim()
        .run_commands(&["echo a", "echo b", "echo c"])
        .and_then(|i| i.with_dockerfile("RUN one \\\n  two\nENV X=1\n"))
        .and_then(|i| i.apt_install(&["curl"]))
        .and_then(|i| i.pip_install_from_requirements("req.txt", &PipOptions::default()))
        .and_then(|i| i.add_local_file("job.py", None));
    let r = resolved(&image, &host, &ResolveOptions::default());
    assert_eq!(
        ranges(&r),
        [
            lines(1, 1),
            lines(2, 4),
            lines(5, 6),
            lines(7, 7),
            lines(8, 9),
        ]
    );
    assert_eq!(r.dockerfile.lines().count(), 9, "{}", r.dockerfile);
    assert_eq!(
        text_of(&r, r.layers[1].lines),
        ["RUN echo a", "RUN echo b", "RUN echo c"]
    );
    // A continued fragment line is written back joined: one line per instruction.
    assert_eq!(text_of(&r, r.layers[2].lines), ["RUN one   two", "ENV X=1"]);
    assert!(text_of(&r, r.layers[4].lines)[0].starts_with("COPY "));
    assert!(text_of(&r, r.layers[4].lines)[1].starts_with("RUN "));
}

#[test]
fn a_multi_line_command_is_one_line() {
    // Heredocs are refused in withDockerfile; a command with line breaks is written in exec
    // form, its breaks escaped inside one JSON line.
    let image = slim().run_commands(&["set -e\necho one\necho two"]);
    let r = resolved(&image, &MemoryHost::default(), &ResolveOptions::default());
    assert_eq!(ranges(&r), [lines(1, 1), lines(2, 2)]);
    assert!(text_of(&r, r.layers[1].lines)[0].starts_with("RUN [\""));
}

#[test]
fn a_base_dockerfile_keeps_its_continuation_and_heredoc_lines() {
    let dockerfile = "FROM python:3.12-slim\n\
                      RUN apt-get update && \\\n    apt-get install -y curl\n\
                      RUN <<EOF\necho one\necho two\nEOF\n\
                      # a comment\n\
                      WORKDIR /app";
    let host = MemoryHost::with(&[("Dockerfile", dockerfile)]);
    let image = Image::from_dockerfile("Dockerfile", &DockerfileOptions::default())
        .and_then(|i| i.run_commands(&["true"]));
    let r = resolved(&image, &host, &ResolveOptions::default());
    // Nine lines as written (the last one's newline added), then the step.
    assert_eq!(ranges(&r), [lines(1, 9), lines(10, 10)]);
    assert_eq!(text_of(&r, r.layers[1].lines), ["RUN true"]);
    assert_eq!(text_of(&r, r.layers[0].lines)[8], "WORKDIR /app");
}

#[test]
fn a_base_without_from_counts_the_from_line_put_before_it() {
    let host = MemoryHost::with(&[("Dockerfile", "RUN a\nRUN b\n")]);
    let image = Image::from_dockerfile("Dockerfile", &DockerfileOptions::default())
        .and_then(|i| i.env(&[("A", "1")]));
    let r = resolved(&image, &host, &ResolveOptions::default());
    assert_eq!(ranges(&r), [lines(1, 3), lines(4, 4)]);
    assert!(text_of(&r, r.layers[0].lines)[0].starts_with("FROM "));
}

#[test]
fn the_base_covers_the_managed_python_lines() {
    let (image, host) = python_less();
    let r = resolved(&image, &host, &ResolveOptions::default());
    let base = text_of(&r, r.layers[0].lines);
    assert_eq!(base[0], "FROM alpine:3.20");
    assert!(base[1..].iter().all(|l| l.contains("python")), "{base:?}");
    assert_eq!(text_of(&r, r.layers[1].lines).len(), 1);
    assert_eq!(
        r.layers[1].lines.map(|l| l.last),
        Some(r.dockerfile.lines().count())
    );
}

#[test]
fn a_step_that_renders_nothing_has_no_lines() {
    let host = MemoryHost::with(&[("empty.env", "# nothing set\n")]);
    let image = slim()
        .env_file("empty.env")
        .and_then(|i| i.run_commands(&["true"]));
    let r = resolved(&image, &host, &ResolveOptions::default());
    assert_eq!(ranges(&r), [lines(1, 1), None, lines(2, 2)]);
}
