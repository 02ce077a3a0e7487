//! The methods a chain migrating from Modal needs: `entrypoint`/`cmd` (exec form, `[]` clears
//! the base's), `debianSlim` Python 3.10 (3.9 refused with what to use), `debianSlim({ buildTools
//! })` (Debian's `build-essential`) and `fromRegistry(ref, { addPython })` (a managed CPython with
//! `python`, `python3` and `pip` on `PATH`, sharing its install with the plan's fallback).

#[path = "support/memory_host.rs"]
mod memory_host;

use std::collections::BTreeMap;

use apothic_image::resolve::ResolveOptions;
use apothic_image::resolve::{resolve, ImageInspection, ManagedPython, PlanMode, PythonPlan};
use apothic_image::{
    Base, DebianSlimOptions, ErrorCode, Image, ImageSpec, PipOptions, RegistryOptions, Step,
};
use memory_host::{block_on, MemoryHost};

const PBS: &str = "https://github.com/astral-sh/python-build-standalone/releases/download/20250723";

fn slim(version: &str) -> Image {
    Image::debian_slim(&DebianSlimOptions {
        python_version: Some(version.into()),
        ..DebianSlimOptions::default()
    })
    .unwrap()
}

fn registry(reference: &str, add_python: Option<&str>) -> Result<Image, apothic_image::Error> {
    Image::from_registry(
        reference,
        &RegistryOptions {
            add_python: add_python.map(Into::into),
            ..RegistryOptions::default()
        },
    )
}

fn install_run(pip: bool) -> String {
    let mut run = "RUN mkdir -p /opt/apothic && tar -xzf /tmp/apothic-python.tar.gz -C /opt/apothic && rm /tmp/apothic-python.tar.gz && ln -sf /opt/apothic/python/bin/python3 /usr/local/bin/python3 && ln -sf /opt/apothic/python/bin/python3 /usr/local/bin/python".to_string();
    if pip {
        run.push_str(" && ln -sf /opt/apothic/python/bin/pip3 /usr/local/bin/pip3 && ln -sf /opt/apothic/python/bin/pip3 /usr/local/bin/pip");
    }
    run + "\n"
}

fn round_trips(image: &Image) {
    let json = serde_json::to_string(&image.to_spec()).unwrap();
    let back = Image::from_spec_json(&json).unwrap();
    assert_eq!(back.to_spec(), image.to_spec());
    assert_eq!(back.definition_hash(), image.definition_hash());
    assert_eq!(back.dockerfile().unwrap(), image.dockerfile().unwrap());
}

#[test]
fn entrypoint_and_cmd_render_in_exec_form_in_order() {
    let image = slim("3.12")
        .entrypoint(&["python", "-m", "app", "it's $HOME", "a\"b\nc"])
        .unwrap()
        .cmd(&["--port", "8000"])
        .unwrap();
    assert_eq!(
        image.dockerfile().unwrap(),
        "FROM python:3.12-slim-trixie\nENTRYPOINT [\"python\",\"-m\",\"app\",\"it's $HOME\",\"a\\\"b\\nc\"]\nCMD [\"--port\",\"8000\"]\n"
    );
    let spec = image.to_spec();
    assert_eq!(
        spec.steps[1],
        Step::Cmd {
            args: vec!["--port".into(), "8000".into()]
        }
    );
    round_trips(&image);
}

#[test]
fn an_empty_entrypoint_or_cmd_clears_the_base_and_is_a_step() {
    let base = slim("3.12");
    let image = base
        .entrypoint::<&str>(&[])
        .unwrap()
        .cmd::<&str>(&[])
        .unwrap();
    assert_eq!(image.len(), 2);
    assert!(image
        .dockerfile()
        .unwrap()
        .ends_with("\nENTRYPOINT []\nCMD []\n"));
    assert_ne!(image.definition_hash(), base.definition_hash());
    round_trips(&image);
}

#[test]
fn entrypoint_args_are_checked() {
    let e = slim("3.12").entrypoint(&["ok", "nul\0"]).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidCommand);
    assert_eq!(e.argument.as_deref(), Some("args[1]"));
    let e = slim("3.12").cmd(&["\0"]).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidCommand);
    assert_eq!(e.argument.as_deref(), Some("args[0]"));
    let e = Image::from_spec_json(
        r#"{"version":1,"base":{"op":"debianSlim","pythonVersion":"3.12"},"steps":[{"op":"cmd","args":["a",1]}]}"#,
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidSpec);
    let e = Image::from_spec_json(
        r#"{"version":1,"base":{"op":"debianSlim","pythonVersion":"3.12"},"steps":[{"op":"entrypoint"}]}"#,
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidSpec);
    assert!(e.message.contains("missing field `args`"), "{}", e.message);
    let e = Image::from_spec_json(
        r#"{"version":1,"base":{"op":"debianSlim","pythonVersion":"3.12"},"steps":[{"op":"cmd","args":[],"commands":["x"]}]}"#,
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidSpec);
    let e = Image::from_spec_json(
        r#"{"version":1,"base":{"op":"debianSlim","pythonVersion":"3.12"},"steps":[{"op":"cmd","args":["\u0000"]}]}"#,
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidCommand);
    assert_eq!(e.argument.as_deref(), Some("steps[0].args[0]"));
}

#[test]
fn entrypoint_and_cmd_are_build_steps() {
    let runtime = slim("3.12").add_local_file("app.py", None).unwrap();
    for e in [
        runtime.entrypoint(&["python"]).unwrap_err(),
        runtime.cmd::<&str>(&[]).unwrap_err(),
    ] {
        assert_eq!(e.code, ErrorCode::BuildStepAfterRuntimeStep);
    }
    let host = MemoryHost::default();
    let image = registry("python:3.12", None)
        .unwrap()
        .entrypoint::<&str>(&[])
        .unwrap();
    let r = block_on(resolve(&image, &host, &ResolveOptions::default())).unwrap();
    assert_eq!(r.plan.mode, PlanMode::Derived);
    assert_eq!(r.layers.len(), 2);
    assert_eq!(r.layers[1].op, "entrypoint");
    assert!(r.dockerfile.ends_with("ENTRYPOINT []\n"));
}

#[test]
fn debian_slim_takes_python_3_10_and_refuses_3_9_with_what_to_use() {
    assert_eq!(
        slim("3.10").dockerfile().unwrap(),
        "FROM python:3.10-slim-trixie\n"
    );
    assert!(slim("3.10.18").dockerfile().is_ok());
    for old in ["3.9", "3.9.23"] {
        let e = Image::debian_slim(&DebianSlimOptions {
            python_version: Some(old.into()),
            ..DebianSlimOptions::default()
        })
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidPythonVersion);
        assert_eq!(e.argument.as_deref(), Some("pythonVersion"));
        assert!(e.message.contains("end-of-life"), "{}", e.message);
        assert!(e.message.contains("\"3.10\" to \"3.15\""), "{}", e.message);
        assert!(
            e.message.contains("python:3.9-slim-bookworm"),
            "{}",
            e.message
        );
    }
    let e = Image::debian_slim(&DebianSlimOptions {
        python_version: Some("3.16".into()),
        ..DebianSlimOptions::default()
    })
    .unwrap_err();
    assert!(e.message.contains("\"3.10\" to \"3.15\""), "{}", e.message);
}

#[test]
fn build_tools_install_build_essential_right_after_from() {
    let image = Image::debian_slim(&DebianSlimOptions {
        python_version: Some("3.12".into()),
        build_tools: true,
    })
    .unwrap()
    .apt_install(&["libpq-dev"])
    .unwrap();
    assert_eq!(
        image.dockerfile().unwrap(),
        "FROM python:3.12-slim-trixie\n\
         RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends build-essential && rm -rf /var/lib/apt/lists/*\n\
         RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libpq-dev && rm -rf /var/lib/apt/lists/*\n"
    );
    assert_eq!(
        image.to_spec().base,
        Base::DebianSlim {
            python_version: "3.12".into(),
            build_tools: true
        }
    );
    round_trips(&image);
    // The resolved Dockerfile renders it too.
    let r = block_on(resolve(
        &image,
        &MemoryHost::default(),
        &ResolveOptions::default(),
    ))
    .unwrap();
    assert_eq!(r.dockerfile, image.dockerfile().unwrap());
}

#[test]
fn unset_options_leave_specs_and_hashes_as_they_were() {
    // Pinned before buildTools and addPython existed (tests/vectors/debian-slim-3.12 and
    // registry-familiar keep their hashes too).
    let plain = slim("3.12");
    assert_eq!(
        plain.canonical_json(),
        r#"{"base":{"op":"debianSlim","pythonVersion":"3.12"},"steps":[],"version":1}"#
    );
    let registry = registry("python:3.12", None).unwrap();
    assert!(!registry.canonical_json().contains("addPython"));
    // `buildTools: false` in a spec is the same image as none.
    let explicit = Image::from_spec_json(
        r#"{"version":1,"base":{"op":"debianSlim","pythonVersion":"3.12","buildTools":false},"steps":[]}"#,
    )
    .unwrap();
    assert_eq!(explicit.definition_hash(), plain.definition_hash());
    let tools = Image::debian_slim(&DebianSlimOptions {
        python_version: Some("3.12".into()),
        build_tools: true,
    })
    .unwrap();
    assert_ne!(tools.definition_hash(), plain.definition_hash());
}

#[test]
fn base_fields_of_another_base_op_are_refused() {
    for json in [
        r#"{"version":1,"base":{"op":"debianSlim","pythonVersion":"3.12","addPython":"3.12"},"steps":[]}"#,
        r#"{"version":1,"base":{"op":"fromRegistry","ref":"ubuntu","normalized":"","prebuilt":false,"buildTools":true},"steps":[]}"#,
        r#"{"version":1,"base":{"op":"fromDockerfile","path":"Dockerfile","contextDir":".","base":"python:3.11-slim","addPython":"3.12"},"steps":[]}"#,
        r#"{"version":1,"base":{"op":"debianSlim","pythonVersion":"3.12","buildTools":"yes"},"steps":[]}"#,
    ] {
        let e = Image::from_spec_json(json).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidSpec, "{json}");
    }
}

#[test]
fn add_python_installs_a_pinned_cpython_with_pip_on_path() {
    let image = registry("ubuntu:24.04", Some("3.12")).unwrap();
    assert_eq!(
        image.dockerfile().unwrap(),
        format!(
            "FROM ubuntu:24.04\nADD {PBS}/cpython-3.12.11+20250723-x86_64-unknown-linux-gnu-install_only.tar.gz /tmp/apothic-python.tar.gz\n{}",
            install_run(true)
        )
    );
    let spec = image.to_spec();
    assert!(matches!(&spec.base, Base::FromRegistry { add_python: Some(v), .. } if v == "3.12"));
    round_trips(&image);
    for (given, full) in [
        ("3.10", "3.10.18"),
        ("3.11", "3.11.13"),
        ("3.13", "3.13.5"),
        ("3.13.5", "3.13.5"),
    ] {
        let rendered = registry("ubuntu:24.04", Some(given))
            .unwrap()
            .dockerfile()
            .unwrap();
        assert!(
            rendered.contains(&format!("/cpython-{full}+20250723-x86_64-")),
            "{rendered}"
        );
    }
}

#[test]
fn add_python_versions_are_checked() {
    for bad in ["3.9", "3.14", "3.12.7", "3", "latest", ""] {
        let e = registry("ubuntu:24.04", Some(bad)).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidPythonVersion, "{bad}");
        assert_eq!(e.argument.as_deref(), Some("addPython"), "{bad}");
        assert!(e.message.contains("\"3.12\" (3.12.11)"), "{}", e.message);
    }
    let e = registry("ubuntu:24.04", Some("3.9")).unwrap_err();
    assert!(e.message.contains("end-of-life"), "{}", e.message);
    let e = Image::from_spec_json(
        r#"{"version":1,"base":{"op":"fromRegistry","ref":"ubuntu","normalized":"","prebuilt":false,"addPython":"2.7"},"steps":[]}"#,
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidPythonVersion);
    assert_eq!(e.argument.as_deref(), Some("base.addPython"));
}

fn inspected(arch: &str, libc: Option<&str>) -> ImageInspection {
    ImageInspection {
        digest: Some(format!("sha256:{}", "a1".repeat(32))),
        os: Some("linux".into()),
        arch: Some(arch.into()),
        libc: libc.map(Into::into),
        python_path: None,
        python_version: None,
        ..ImageInspection::default()
    }
}

#[test]
fn resolve_installs_added_python_for_the_hosts_arch_and_libc_and_plans_on_it() {
    let mut host = MemoryHost::default();
    host.images
        .insert("alpine:3.20".into(), inspected("arm64", Some("musl")));
    let image = registry("alpine:3.20", Some("3.11")).unwrap();
    let r = block_on(resolve(&image, &host, &ResolveOptions::default())).unwrap();
    let url =
        format!("{PBS}/cpython-3.11.13+20250723-aarch64-unknown-linux-musl-install_only.tar.gz");
    assert_eq!(
        r.dockerfile,
        format!(
            "FROM alpine:3.20\nADD {url} /tmp/apothic-python.tar.gz\n{}",
            install_run(true)
        )
    );
    // The image's Python is the added one: no second, managed install; never direct.
    assert_eq!(
        r.plan.python,
        PythonPlan::Image {
            path: Some("/usr/local/bin/python3".into()),
            version: Some("3.11.13".into())
        }
    );
    assert_eq!(r.plan.mode, PlanMode::Derived);
    assert_eq!(r.dockerfile.matches("ADD ").count(), 1);
    // The base layer records the digest and the added build (HASHING.md).
    let base_doc = serde_json::json!({
        "base": {
            "python": {"added": {"arch": "aarch64", "libc": "musl", "url": url, "version": "3.11.13"}},
            "spec": serde_json::to_value(&image.to_spec().base).unwrap(),
        },
        "digest": format!("sha256:{}", "a1".repeat(32)),
        "inputs": [],
    });
    assert_eq!(
        r.layers[0].hash,
        apothic_image::hash::sha256_hex(
            apothic_image::hash::canonical_json_of(&base_doc).as_bytes()
        )
    );
    // Without an inspection: x86_64 and glibc, as dockerfile() renders.
    let r = block_on(resolve(
        &image,
        &MemoryHost::default(),
        &ResolveOptions::default(),
    ))
    .unwrap();
    assert_eq!(r.dockerfile, image.dockerfile().unwrap());
}

#[test]
fn a_configured_digest_is_checked_before_extracting_in_both_installs() {
    let digest = "0123456789abcdef".repeat(4);
    let name = "cpython-3.12.11+20250723-x86_64-unknown-linux-gnu-install_only.tar.gz";
    let options = ResolveOptions {
        managed_python: ManagedPython {
            sha256: BTreeMap::from([(name.to_string(), digest.clone())]),
            ..ManagedPython::default()
        },
        ..ResolveOptions::default()
    };
    let check = format!(
        "RUN mkdir -p /opt/apothic && echo \"{digest}  /tmp/apothic-python.tar.gz\" | sha256sum -c - && tar -xzf"
    );
    // addPython
    let image = registry("ubuntu:24.04", Some("3.12")).unwrap();
    let r = block_on(resolve(&image, &MemoryHost::default(), &options)).unwrap();
    assert!(r.dockerfile.contains(&check), "{}", r.dockerfile);
    // the plan's fallback for a base without Python: the same install, without pip links
    let mut host = MemoryHost::default();
    host.images
        .insert("ubuntu:24.04".into(), inspected("amd64", Some("glibc")));
    let fallback = registry("ubuntu:24.04", None)
        .unwrap()
        .run_commands(&["true"])
        .unwrap();
    let r = block_on(resolve(&fallback, &host, &options)).unwrap();
    assert!(r.dockerfile.contains(&check), "{}", r.dockerfile);
    assert!(!r.dockerfile.contains("/usr/local/bin/pip"));
    assert!(matches!(r.plan.python, PythonPlan::Managed { .. }));
    // a digest for another tarball is not used
    let r = block_on(resolve(
        &registry("ubuntu:24.04", Some("3.11")).unwrap(),
        &MemoryHost::default(),
        &options,
    ))
    .unwrap();
    assert!(!r.dockerfile.contains("sha256sum"));
}

#[test]
fn configured_digests_are_checked() {
    let resolve_with = |name: &str, digest: &str| {
        let options = ResolveOptions {
            managed_python: ManagedPython {
                sha256: BTreeMap::from([(name.to_string(), digest.to_string())]),
                ..ManagedPython::default()
            },
            ..ResolveOptions::default()
        };
        block_on(resolve(&slim("3.12"), &MemoryHost::default(), &options))
    };
    let good = "ab".repeat(32);
    assert!(resolve_with("cpython.tar.gz", &good).is_ok());
    for (name, digest, argument) in [
        (
            "cpython.tar.gz",
            "AB".repeat(32),
            "options.managedPython.sha256.cpython.tar.gz",
        ),
        (
            "cpython.tar.gz",
            "ab".repeat(31),
            "options.managedPython.sha256.cpython.tar.gz",
        ),
        ("a b.tar.gz", good.clone(), "options.managedPython.sha256"),
        ("x'$(id)", good.clone(), "options.managedPython.sha256"),
        ("", good.clone(), "options.managedPython.sha256"),
    ] {
        let e = resolve_with(name, &digest).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidArgument, "{name}");
        assert_eq!(e.argument.as_deref(), Some(argument), "{name}");
    }
}

#[test]
fn pip_install_after_add_python_uses_the_added_python() {
    let image = registry("nvidia/cuda:12.4.1-devel-ubuntu22.04", Some("3.12"))
        .unwrap()
        .pip_install(&["torch"], &PipOptions::default())
        .unwrap()
        .entrypoint::<&str>(&[])
        .unwrap();
    let spec: ImageSpec = image.to_spec();
    assert_eq!(spec.steps.len(), 2);
    let dockerfile = image.dockerfile().unwrap();
    let add = dockerfile.find("ADD ").unwrap();
    let pip = dockerfile.find("RUN python -m pip install").unwrap();
    assert!(add < pip);
    round_trips(&image);
}
