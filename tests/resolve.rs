//! Semantic and error-path tests of `resolve` / `build_context` (the file-driven steps of docs/api.md,
//! the host callbacks, resolution and plan of docs/resolution.md): the exact Dockerfile lines, build-context paths,
//! mounts, hashes, plans, diagnostics, error codes and the file/line errors name.

#[path = "support/memory_host.rs"]
mod memory_host;

use std::cell::RefCell;
use std::collections::BTreeMap;

use apothic_image::formats::requirements::next_includes;
use apothic_image::resolve::{
    build_context, resolve, DirEntry, EntryKind, Host, ImageInspection, ManagedPython, PlanMode,
    PythonModule, PythonPlan, Resolution, ResolveOptions,
};
use apothic_image::{
    DebianSlimOptions, DockerfileOptions, Error, ErrorCode, Image, PipOptions, RegistryOptions,
    Result, UvPipOptions, DEFAULT_UV_VERSION,
};
use memory_host::{block_on, MemoryHost};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const SLIM: &str = "FROM python:3.11-slim-trixie\n";

fn slim() -> Image {
    Image::debian_slim(&DebianSlimOptions::default()).unwrap()
}

fn registry(reference: &str) -> Image {
    Image::from_registry(reference, &RegistryOptions::default()).unwrap()
}

fn pip() -> PipOptions {
    PipOptions::default()
}

fn ok<H: Host>(image: &Image, host: &H) -> Resolution {
    ok_with(image, host, &ResolveOptions::default())
}

fn ok_with<H: Host>(image: &Image, host: &H, options: &ResolveOptions) -> Resolution {
    block_on(resolve(image, host, options)).unwrap_or_else(|e| panic!("resolve failed: {e}"))
}

fn fail<H: Host>(image: &Image, host: &H) -> Error {
    match block_on(resolve(image, host, &ResolveOptions::default())) {
        Ok(r) => panic!(
            "expected resolve to fail, but it gave this Dockerfile:\n{}",
            r.dockerfile
        ),
        Err(e) => e,
    }
}

fn tar_of<H: Host>(image: &Image, host: &H) -> Vec<u8> {
    block_on(build_context(image, host, &ResolveOptions::default()))
        .unwrap_or_else(|e| panic!("build_context failed: {e}"))
        .1
}

fn context_paths(r: &Resolution) -> Vec<&str> {
    r.context.iter().map(|f| f.path.as_str()).collect()
}

fn codes(r: &Resolution) -> Vec<&str> {
    r.diagnostics.iter().map(|d| d.code.as_str()).collect()
}

fn line_of(e: &Error) -> Option<usize> {
    e.position.map(|p| p.line)
}

fn calls(host: &MemoryHost) -> Vec<String> {
    host.calls.borrow().clone()
}

/// Every `-r`/`-c` include of every requirements file copied into the context, resolved against
/// the file's place in the context, is in the context too: pip finds every include.
fn assert_includes_resolve_in_context(r: &Resolution, host: &MemoryHost) {
    let in_context: Vec<&str> = context_paths(r);
    for file in &r.context {
        let text = String::from_utf8_lossy(&host.files[&file.source].0).into_owned();
        for include in next_includes(&file.path, &text).unwrap() {
            assert!(
                in_context.contains(&include.as_str()),
                "{} includes {include}, which is not in the context {in_context:?}",
                file.path
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// envFile
// ---------------------------------------------------------------------------------------------

#[test]
fn env_file_renders_one_sorted_env_line() {
    let host = MemoryHost::with(&[(
        "proj/.env",
        "# settings\n\nZED=last\nexport B='two words'\nA=1\nC=\"say \\\"hi\\\"\" # trailing comment\nD=it's\nexport E=$HOME\nF=a#b\n",
    )]);
    let r = ok(&slim().env_file("proj/.env").unwrap(), &host);
    assert_eq!(
        r.dockerfile,
        format!(
            "{SLIM}ENV A=1 B='two words' C='say \"hi\"' D='it'\"'\"'s' E='$HOME' F='a#b' ZED=last\n"
        )
    );
    assert!(
        r.context.is_empty(),
        "an env file is not copied into the context"
    );
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    // The layer depends on the file's bytes.
    assert_eq!(r.layers.len(), 2);
    assert_eq!(r.layers[1].op, "envFile");
    assert_eq!(r.layers[1].inputs.len(), 1);
    assert_eq!(r.layers[1].inputs[0].path, "proj/.env");
}

#[test]
fn env_file_last_value_wins_and_key_order_does_not_matter() {
    let a = MemoryHost::with(&[(".env", "B=2\nA=1\nA=3\n")]);
    let b = MemoryHost::with(&[(".env", "A=3\nB=2\n")]);
    let image = slim().env_file(".env").unwrap();
    let (ra, rb) = (ok(&image, &a), ok(&image, &b));
    assert_eq!(ra.dockerfile, format!("{SLIM}ENV A=3 B=2\n"));
    assert_eq!(ra.dockerfile, rb.dockerfile);
    // Different bytes, different inputs: the image hash follows the file, not just the result.
    assert_ne!(ra.image_hash, rb.image_hash);
}

#[test]
fn env_file_content_is_part_of_the_image_hash() {
    let image = slim().env_file(".env").unwrap();
    let one = ok(&image, &MemoryHost::with(&[(".env", "A=1\n")]));
    let two = ok(&image, &MemoryHost::with(&[(".env", "A=2\n")]));
    assert_ne!(one.image_hash, two.image_hash);
    assert_ne!(one.spec_hash, two.spec_hash);
}

#[test]
fn env_file_syntax_error_names_file_and_line() {
    let host = MemoryHost::with(&[("proj/.env", "A=1\n\n# fine\nnot a pair\nB=2\n")]);
    let e = fail(
        &slim()
            .pip_install(&["x"], &pip())
            .unwrap()
            .env_file("proj/.env")
            .unwrap(),
        &host,
    );
    assert_eq!(e.code, ErrorCode::DotenvSyntax, "{e}");
    assert_eq!(e.file.as_deref(), Some("proj/.env"), "{e}");
    assert_eq!(e.position.map(|p| (p.line, p.column)), Some((4, 1)), "{e}");
    assert_eq!(e.argument.as_deref(), Some("steps[1]"), "{e}");
}

#[test]
fn env_file_unclosed_quote_names_the_line() {
    let host = MemoryHost::with(&[(".env", "A=1\nB='open\nC=3\n")]);
    let e = fail(&slim().env_file(".env").unwrap(), &host);
    assert_eq!(e.code, ErrorCode::DotenvSyntax, "{e}");
    assert_eq!(e.file.as_deref(), Some(".env"));
    assert_eq!(line_of(&e), Some(2), "{e}");
}

#[test]
fn env_file_value_with_line_break_names_variable_file_and_line() {
    // A quoted value may span lines (dotenv), but a Dockerfile ENV cannot hold it: the error names
    // the variable, the file and the line of the assignment (src/dotenv.rs documents `line_of`
    // for exactly this message; docs/api.md "Errors name the line").
    let host = MemoryHost::with(&[(".env", "X=1\nMULTI=\"one\ntwo\"\n")]);
    let e = fail(&slim().env_file(".env").unwrap(), &host);
    assert_eq!(e.code, ErrorCode::InvalidEnvValue, "{e}");
    assert_eq!(e.file.as_deref(), Some(".env"), "{e}");
    assert!(
        e.argument.as_deref().is_some_and(|a| a.ends_with("MULTI")),
        "the error names the variable: {e}"
    );
    assert_eq!(
        line_of(&e),
        Some(2),
        "the error names the line of MULTI: {e}"
    );
}

#[test]
fn env_file_empty_gives_a_diagnostic_and_no_env_line() {
    for text in ["", "# only a comment\n\n   \n"] {
        let host = MemoryHost::with(&[(".env", text)]);
        let r = ok(
            &slim()
                .run_commands(&["true"])
                .unwrap()
                .env_file(".env")
                .unwrap(),
            &host,
        );
        assert_eq!(r.dockerfile, format!("{SLIM}RUN true\n"), "{text:?}");
        assert_eq!(codes(&r), ["EMPTY_ENV_FILE"], "{text:?}");
        assert!(r.diagnostics[0].message.contains(".env"));
    }
}

#[test]
fn env_file_empty_diagnostic_names_its_step() {
    // `Diagnostic.step` is "the step it concerns (None: the base)"; an empty env file at step 1
    // concerns step 1, as NO_DEPENDENCIES and SYMLINK_SKIPPED do.
    let host = MemoryHost::with(&[(".env", "")]);
    let r = ok(
        &slim()
            .run_commands(&["true"])
            .unwrap()
            .env_file(".env")
            .unwrap(),
        &host,
    );
    assert_eq!(r.diagnostics.len(), 1);
    assert_eq!(r.diagnostics[0].step, Some(1), "{:?}", r.diagnostics[0]);
}

#[test]
fn env_file_not_utf8_is_a_dotenv_error_naming_the_file() {
    let host = MemoryHost::default().file("conf/.env", b"A=caf\xe9\n", 0o644);
    let e = fail(&slim().env_file("conf/.env").unwrap(), &host);
    assert_eq!(e.code, ErrorCode::DotenvSyntax, "{e}");
    assert_eq!(e.file.as_deref(), Some("conf/.env"));
    assert!(e.message.contains("UTF-8"), "{e}");
}

#[test]
fn env_file_bom_and_crlf_are_accepted() {
    let host = MemoryHost::with(&[(".env", "\u{feff}A=1\r\nB=\"x\"\r\n")]);
    let r = ok(&slim().env_file(".env").unwrap(), &host);
    assert_eq!(r.dockerfile, format!("{SLIM}ENV A=1 B=x\n"));
}

#[test]
fn env_file_missing_is_a_host_error_at_path() {
    let host = MemoryHost::default();
    let e = fail(&slim().env_file("nope/.env").unwrap(), &host);
    assert_eq!(e.code, ErrorCode::FileNotFound, "{e}");
    assert!(e.message.contains("nope/.env"), "{e}");
    assert_eq!(e.argument.as_deref(), Some("steps[0].path"));
}

// ---------------------------------------------------------------------------------------------
// requirements
// ---------------------------------------------------------------------------------------------

#[test]
fn requirements_nested_includes_keep_their_layout() {
    let host = MemoryHost::with(&[
        (
            "app/reqs/main.txt",
            "-r base/common.txt\n-c ../constraints.txt\nflask\n",
        ),
        (
            "app/reqs/base/common.txt",
            "--requirement ../../libs/pins.txt\nrequests\n",
        ),
        ("app/constraints.txt", "requests<3\n"),
        ("app/libs/pins.txt", "urllib3==2.2.0\n"),
        ("app/unrelated.txt", "not read\n"),
    ]);
    let r = ok(
        &slim()
            .pip_install_from_requirements("app/reqs/main.txt", &pip())
            .unwrap(),
        &host,
    );
    assert_eq!(
        r.dockerfile,
        format!(
            "{SLIM}COPY .apothic/steps/0/ /tmp/apothic-requirements/0/\n\
             RUN python -m pip install --no-cache-dir -r /tmp/apothic-requirements/0/reqs/main.txt\n"
        )
    );
    assert_eq!(
        context_paths(&r),
        [
            ".apothic/steps/0/constraints.txt",
            ".apothic/steps/0/libs/pins.txt",
            ".apothic/steps/0/reqs/base/common.txt",
            ".apothic/steps/0/reqs/main.txt",
        ]
    );
    let sources: BTreeMap<&str, &str> = r
        .context
        .iter()
        .map(|f| (f.path.as_str(), f.source.as_str()))
        .collect();
    assert_eq!(
        sources[".apothic/steps/0/libs/pins.txt"],
        "app/libs/pins.txt"
    );
    assert_eq!(
        sources[".apothic/steps/0/reqs/main.txt"],
        "app/reqs/main.txt"
    );
    assert_includes_resolve_in_context(&r, &host);
    assert!(!calls(&host).iter().any(|c| c.contains("unrelated")));
    // Every file is an input of the layer.
    assert_eq!(r.layers[1].inputs.len(), 4);
}

#[test]
fn requirements_include_above_the_root_file_climbs_with_placeholder_folders() {
    // proj/requirements.txt names ../../libs/base.txt, which is above the host's root folder
    // (`../libs/base.txt`): the layout keeps the relative positions with `_` folders.
    let host = MemoryHost::with(&[
        (
            "proj/requirements.txt",
            "-r ../../libs/base.txt\n-r ./local.txt\nflask\n",
        ),
        ("proj/local.txt", "rich\n"),
        ("../libs/base.txt", "requests\n"),
    ]);
    let r = ok(
        &slim()
            .pip_install_from_requirements("proj/requirements.txt", &pip())
            .unwrap(),
        &host,
    );
    assert_eq!(
        r.dockerfile,
        format!(
            "{SLIM}COPY .apothic/steps/0/ /tmp/apothic-requirements/0/\n\
             RUN python -m pip install --no-cache-dir -r /tmp/apothic-requirements/0/_/proj/requirements.txt\n"
        )
    );
    assert_eq!(
        context_paths(&r),
        [
            ".apothic/steps/0/_/proj/local.txt",
            ".apothic/steps/0/_/proj/requirements.txt",
            ".apothic/steps/0/libs/base.txt",
        ]
    );
    assert_includes_resolve_in_context(&r, &host);
}

#[test]
fn requirements_single_file_lands_at_the_step_root() {
    let host = MemoryHost::with(&[("deep/down/requirements.txt", "flask\n")]);
    let image = slim()
        .run_commands(&["true"])
        .unwrap()
        .pip_install_from_requirements(
            "./deep/down/requirements.txt",
            &PipOptions {
                index_url: Some("https://pypi.example/simple".into()),
                ..pip()
            },
        )
        .unwrap();
    let r = ok(&image, &host);
    assert_eq!(
        r.dockerfile,
        format!(
            "{SLIM}RUN true\n\
             COPY .apothic/steps/1/ /tmp/apothic-requirements/1/\n\
             RUN python -m pip install --no-cache-dir --index-url https://pypi.example/simple -r /tmp/apothic-requirements/1/requirements.txt\n"
        )
    );
    assert_eq!(context_paths(&r), [".apothic/steps/1/requirements.txt"]);
    assert_eq!(r.context[0].mode, 0o644);
}

#[test]
fn requirements_file_included_twice_is_read_and_copied_once() {
    let host = MemoryHost::with(&[
        ("r/main.txt", "-r a.txt\n-r b.txt\n"),
        ("r/a.txt", "-c common.txt\n"),
        ("r/b.txt", "-c ./common.txt\n-r a.txt\n"),
        ("r/common.txt", "x==1\n"),
    ]);
    let r = ok(
        &slim()
            .pip_install_from_requirements("r/main.txt", &pip())
            .unwrap(),
        &host,
    );
    assert_eq!(
        context_paths(&r),
        [
            ".apothic/steps/0/a.txt",
            ".apothic/steps/0/b.txt",
            ".apothic/steps/0/common.txt",
            ".apothic/steps/0/main.txt",
        ]
    );
    let reads = calls(&host)
        .iter()
        .filter(|c| *c == "readFile(r/common.txt)")
        .count();
    assert_eq!(reads, 1, "{:?}", calls(&host));
}

#[test]
fn requirements_cycle_names_the_chain_file_and_line() {
    let host = MemoryHost::with(&[
        ("reqs/a.txt", "flask\n-r b.txt\n"),
        ("reqs/b.txt", "rich\n\n-r ./a.txt\n"),
    ]);
    let e = fail(
        &slim()
            .pip_install_from_requirements("reqs/a.txt", &pip())
            .unwrap(),
        &host,
    );
    assert_eq!(e.code, ErrorCode::RequirementsSyntax, "{e}");
    assert!(
        e.message.contains("reqs/a.txt → reqs/b.txt → reqs/a.txt"),
        "{e}"
    );
    assert_eq!(e.file.as_deref(), Some("reqs/b.txt"), "{e}");
    assert_eq!(line_of(&e), Some(3), "{e}");
    assert_eq!(e.argument.as_deref(), Some("steps[0]"));
}

#[test]
fn requirements_self_include_is_a_cycle() {
    let host = MemoryHost::with(&[("req.txt", "-r req.txt\n")]);
    let e = fail(
        &slim()
            .pip_install_from_requirements("req.txt", &pip())
            .unwrap(),
        &host,
    );
    assert_eq!(e.code, ErrorCode::RequirementsSyntax, "{e}");
    assert!(e.message.contains("req.txt → req.txt"), "{e}");
}

#[test]
fn requirements_missing_include_is_a_host_error_naming_the_path() {
    let host = MemoryHost::with(&[("proj/requirements.txt", "flask\n-r sub/missing.txt\n")]);
    let e = fail(
        &slim()
            .pip_install_from_requirements("proj/requirements.txt", &pip())
            .unwrap(),
        &host,
    );
    assert_eq!(e.code, ErrorCode::FileNotFound, "{e}");
    assert!(e.message.contains("proj/sub/missing.txt"), "{e}");
    assert_eq!(
        e.argument.as_deref().map(|a| a.starts_with("steps[0]")),
        Some(true),
        "{e}"
    );
}

#[test]
fn requirements_missing_include_names_the_including_file_and_line() {
    // ARCHITECTURE.md §5: errors say where they apply. The missing file is named at line 2 of
    // proj/requirements.txt; that is where the user has to look.
    let host = MemoryHost::with(&[("proj/requirements.txt", "flask\n-r sub/missing.txt\n")]);
    let e = fail(
        &slim()
            .pip_install_from_requirements("proj/requirements.txt", &pip())
            .unwrap(),
        &host,
    );
    assert_eq!(e.file.as_deref(), Some("proj/requirements.txt"), "{e}");
    assert_eq!(line_of(&e), Some(2), "{e}");
}

#[test]
fn requirements_url_includes_are_left_to_pip_and_absolute_ones_are_errors() {
    let host = MemoryHost::with(&[("req.txt", "-r https://example.com/reqs.txt\nflask\n")]);
    let r = ok(
        &slim()
            .pip_install_from_requirements("req.txt", &pip())
            .unwrap(),
        &host,
    );
    assert_eq!(context_paths(&r), [".apothic/steps/0/req.txt"]);

    let host = MemoryHost::with(&[("req.txt", "flask\n-c /etc/pins.txt\n")]);
    let e = fail(
        &slim()
            .pip_install_from_requirements("req.txt", &pip())
            .unwrap(),
        &host,
    );
    assert_eq!(e.code, ErrorCode::RequirementsSyntax, "{e}");
    assert_eq!(e.file.as_deref(), Some("req.txt"));
    assert_eq!(line_of(&e), Some(2));
}

#[test]
fn uv_requirements_renders_the_uv_copy_line() {
    let host = MemoryHost::with(&[
        ("requirements.txt", "-r dev.txt\nflask\n"),
        ("dev.txt", "pytest\n"),
    ]);
    let r = ok(
        &slim()
            .uv_pip_install_from_requirements("requirements.txt", &UvPipOptions::default())
            .unwrap(),
        &host,
    );
    assert_eq!(
        r.dockerfile,
        format!(
            "{SLIM}COPY .apothic/steps/0/ /tmp/apothic-requirements/0/\n\
             COPY --from=ghcr.io/astral-sh/uv:{DEFAULT_UV_VERSION} /uv /usr/local/bin/uv\n\
             RUN uv pip install --system --no-cache -r /tmp/apothic-requirements/0/requirements.txt\n"
        )
    );
    assert_eq!(
        context_paths(&r),
        [
            ".apothic/steps/0/dev.txt",
            ".apothic/steps/0/requirements.txt"
        ]
    );

    let pinned = UvPipOptions {
        uv_version: Some("0.5.1".into()),
        pip: PipOptions { pre: true, ..pip() },
    };
    let r = ok(
        &slim()
            .uv_pip_install_from_requirements("requirements.txt", &pinned)
            .unwrap(),
        &host,
    );
    assert!(
        r.dockerfile
            .contains("\nCOPY --from=ghcr.io/astral-sh/uv:0.5.1 /uv /usr/local/bin/uv\n"),
        "{}",
        r.dockerfile
    );
    assert!(
        r.dockerfile.ends_with(
            "RUN uv pip install --system --no-cache --prerelease=allow -r /tmp/apothic-requirements/0/requirements.txt\n"
        ),
        "{}",
        r.dockerfile
    );
}

#[test]
fn requirements_content_of_an_include_is_part_of_the_image_hash() {
    let image = slim()
        .pip_install_from_requirements("req.txt", &pip())
        .unwrap();
    let a = ok(
        &image,
        &MemoryHost::with(&[("req.txt", "-c pins.txt\n"), ("pins.txt", "a==1\n")]),
    );
    let b = ok(
        &image,
        &MemoryHost::with(&[("req.txt", "-c pins.txt\n"), ("pins.txt", "a==2\n")]),
    );
    assert_eq!(a.dockerfile, b.dockerfile);
    assert_ne!(a.image_hash, b.image_hash);
}

// ---------------------------------------------------------------------------------------------
// pyproject
// ---------------------------------------------------------------------------------------------

const PYPROJECT: &str = r#"[build-system]
requires = ["hatchling"]

[project]
name = "demo"
version = "0.1.0"
dependencies = ["requests>=2", "flask", "numpy"]

[project.optional-dependencies]
dev = ["pytest", "flask"]
docs = ["sphinx"]
Test_Extras = ["hypothesis"]
"#;

#[test]
fn pyproject_dependencies_and_groups_sorted_and_deduped() {
    let host = MemoryHost::with(&[("proj/pyproject.toml", PYPROJECT)]);
    let r = ok(
        &slim()
            .pip_install_from_pyproject::<&str>("proj/pyproject.toml", &[], &pip())
            .unwrap(),
        &host,
    );
    assert_eq!(
        r.dockerfile,
        format!("{SLIM}RUN python -m pip install --no-cache-dir flask numpy 'requests>=2'\n")
    );
    assert!(
        r.context.is_empty(),
        "dependencies are installed by name, the file is not copied"
    );
    assert_eq!(r.layers[1].inputs.len(), 1);
    assert_eq!(r.layers[1].inputs[0].path, "proj/pyproject.toml");

    let r = ok(
        &slim()
            .pip_install_from_pyproject("proj/pyproject.toml", &["dev", "docs"], &pip())
            .unwrap(),
        &host,
    );
    assert_eq!(
        r.dockerfile,
        format!("{SLIM}RUN python -m pip install --no-cache-dir flask numpy pytest 'requests>=2' sphinx\n")
    );
    // Group names match as pip matches extras (PEP 685 normalisation).
    let r = ok(
        &slim()
            .pip_install_from_pyproject("proj/pyproject.toml", &["test-extras"], &pip())
            .unwrap(),
        &host,
    );
    assert_eq!(
        r.dockerfile,
        format!(
            "{SLIM}RUN python -m pip install --no-cache-dir flask hypothesis numpy 'requests>=2'\n"
        )
    );
}

#[test]
fn uv_pyproject_renders_uv_lines() {
    let host = MemoryHost::with(&[("pyproject.toml", PYPROJECT)]);
    let r = ok(
        &slim()
            .uv_pip_install_from_pyproject("pyproject.toml", &["docs"], &UvPipOptions::default())
            .unwrap(),
        &host,
    );
    assert_eq!(
        r.dockerfile,
        format!(
            "{SLIM}COPY --from=ghcr.io/astral-sh/uv:{DEFAULT_UV_VERSION} /uv /usr/local/bin/uv\n\
             RUN uv pip install --system --no-cache flask numpy 'requests>=2' sphinx\n"
        )
    );
}

#[test]
fn pyproject_unknown_group_lists_the_groups() {
    let host = MemoryHost::with(&[("proj/pyproject.toml", PYPROJECT)]);
    let e = fail(
        &slim()
            .pip_install_from_pyproject("proj/pyproject.toml", &["dev", "gpu"], &pip())
            .unwrap(),
        &host,
    );
    assert_eq!(e.code, ErrorCode::UnknownDependencyGroup, "{e}");
    for name in ["\"gpu\"", "\"dev\"", "\"docs\"", "\"Test_Extras\""] {
        assert!(e.message.contains(name), "message lacks {name}: {e}");
    }
    assert_eq!(e.file.as_deref(), Some("proj/pyproject.toml"));
    assert_eq!(
        e.argument.as_deref().map(|a| a.starts_with("steps[0]")),
        Some(true),
        "{e}"
    );
}

#[test]
fn pyproject_without_project_table_is_invalid() {
    let host = MemoryHost::with(&[(
        "pyproject.toml",
        "[tool.poetry]\nname = \"x\"\n\n[tool.poetry.dependencies]\npython = \"^3.11\"\n",
    )]);
    let e = fail(
        &slim()
            .pip_install_from_pyproject::<&str>("pyproject.toml", &[], &pip())
            .unwrap(),
        &host,
    );
    assert_eq!(e.code, ErrorCode::PyprojectInvalid, "{e}");
    assert_eq!(e.file.as_deref(), Some("pyproject.toml"));
    assert!(e.message.contains("[project]"), "{e}");
}

#[test]
fn pyproject_invalid_toml_names_the_line() {
    let host = MemoryHost::with(&[(
        "pyproject.toml",
        "[project]\nname = \"x\"\ndependencies = [\"a\" \"b\"]\n",
    )]);
    let e = fail(
        &slim()
            .pip_install_from_pyproject::<&str>("pyproject.toml", &[], &pip())
            .unwrap(),
        &host,
    );
    assert_eq!(e.code, ErrorCode::PyprojectInvalid, "{e}");
    assert_eq!(e.file.as_deref(), Some("pyproject.toml"));
    assert_eq!(line_of(&e), Some(3), "{e}");

    let host = MemoryHost::with(&[("pyproject.toml", "[project]\nname = \"x\"\nname = \"y\"\n")]);
    let e = fail(
        &slim()
            .pip_install_from_pyproject::<&str>("pyproject.toml", &[], &pip())
            .unwrap(),
        &host,
    );
    assert_eq!(e.code, ErrorCode::PyprojectInvalid, "{e}");
    assert_eq!(line_of(&e), Some(3), "duplicate key: {e}");
}

#[test]
fn pyproject_without_dependencies_gives_a_diagnostic_and_no_install() {
    let host = MemoryHost::with(&[(
        "pyproject.toml",
        "[project]\nname = \"x\"\nversion = \"1\"\n",
    )]);
    let r = ok(
        &slim()
            .uv_pip_install_from_pyproject::<&str>("pyproject.toml", &[], &UvPipOptions::default())
            .unwrap(),
        &host,
    );
    assert_eq!(
        r.dockerfile, SLIM,
        "no uv COPY and no RUN for nothing to install"
    );
    assert_eq!(codes(&r), ["NO_DEPENDENCIES"]);
    assert_eq!(r.diagnostics[0].step, Some(0));
}

#[test]
fn pyproject_dynamic_dependencies_are_an_error() {
    let host = MemoryHost::with(&[(
        "pyproject.toml",
        "[project]\nname = \"x\"\ndynamic = [\"dependencies\"]\n",
    )]);
    let e = fail(
        &slim()
            .pip_install_from_pyproject::<&str>("pyproject.toml", &[], &pip())
            .unwrap(),
        &host,
    );
    assert_eq!(e.code, ErrorCode::PyprojectInvalid, "{e}");
    assert!(e.message.contains("dynamic"), "{e}");
}

#[test]
fn pyproject_dependency_starting_with_dash_is_rejected_naming_the_file() {
    let host = MemoryHost::with(&[(
        "pyproject.toml",
        "[project]\nname = \"x\"\ndependencies = [\"--index-url=http://evil\"]\n",
    )]);
    let e = fail(
        &slim()
            .pip_install_from_pyproject::<&str>("pyproject.toml", &[], &pip())
            .unwrap(),
        &host,
    );
    assert_eq!(e.code, ErrorCode::InvalidPackage, "{e}");
    assert_eq!(e.file.as_deref(), Some("pyproject.toml"));
}

// ---------------------------------------------------------------------------------------------
// copyLocalFile / copyLocalDir
// ---------------------------------------------------------------------------------------------

#[test]
fn copy_local_file_goes_under_its_step_folder() {
    let host = MemoryHost::default().file("data/run.sh", b"#!/bin/sh\necho hi\n", 0o755);
    let r = ok(&slim().copy_local_file("data/run.sh", None).unwrap(), &host);
    assert_eq!(
        r.dockerfile,
        format!("{SLIM}COPY .apothic/steps/0/file /root/run.sh\n")
    );
    assert_eq!(context_paths(&r), [".apothic/steps/0/file"]);
    let file = &r.context[0];
    assert_eq!(
        (file.source.as_str(), file.size, file.mode),
        ("data/run.sh", 18, 0o755)
    );
    assert_eq!(
        file.sha256,
        apothic_image::hash::sha256_hex(b"#!/bin/sh\necho hi\n")
    );
    assert_eq!(r.layers[1].inputs[0].mode, 0o755);
}

#[test]
fn copy_local_file_remote_path_rules() {
    // docs/api.md: absolute, or relative to the current workdir (default /root); a missing remote
    // is {workdir}/{basename}; a remote ending in `/` takes the local basename.
    let host = MemoryHost::with(&[("data/a.txt", "a")]);
    let cases: [(Image, &str); 6] = [
        (
            slim().copy_local_file("data/a.txt", None).unwrap(),
            "/root/a.txt",
        ),
        (
            slim().copy_local_file("data/a.txt", Some("b.txt")).unwrap(),
            "/root/b.txt",
        ),
        (
            slim()
                .workdir("/app")
                .unwrap()
                .copy_local_file("data/a.txt", None)
                .unwrap(),
            "/app/a.txt",
        ),
        (
            slim()
                .workdir("/app")
                .unwrap()
                .copy_local_file("data/a.txt", Some("conf/"))
                .unwrap(),
            "/app/conf/a.txt",
        ),
        (
            slim()
                .workdir("/app")
                .unwrap()
                .copy_local_file("data/a.txt", Some("/etc/x.txt"))
                .unwrap(),
            "/etc/x.txt",
        ),
        (
            slim()
                .workdir("/app")
                .unwrap()
                .copy_local_file("data/a.txt", Some("../srv/"))
                .unwrap(),
            "/srv/a.txt",
        ),
    ];
    for (image, remote) in cases {
        let r = ok(&image, &host);
        let step = image.len() - 1;
        assert!(
            r.dockerfile
                .ends_with(&format!("COPY .apothic/steps/{step}/file {remote}\n")),
            "expected {remote}:\n{}",
            r.dockerfile
        );
    }
}

#[test]
fn copy_local_file_with_whitespace_in_remote_uses_json_form() {
    let host = MemoryHost::with(&[("a.txt", "a")]);
    let r = ok(
        &slim()
            .copy_local_file("a.txt", Some("/opt/my app/a $x.txt"))
            .unwrap(),
        &host,
    );
    assert_eq!(
        r.dockerfile,
        format!("{SLIM}COPY [\".apothic/steps/0/file\",\"/opt/my app/a \\\\$x.txt\"]\n")
    );
}

#[test]
fn copy_local_file_missing_folder_or_symlink_is_invalid_path() {
    let host = MemoryHost::with(&[("dir/inner.txt", "x")]).symlink("link.txt", "dir/inner.txt");
    for (local, what, code) in [
        ("absent.txt", "does not exist", ErrorCode::FileNotFound),
        ("dir", "folder", ErrorCode::InvalidPath),
        ("link.txt", "symlink", ErrorCode::InvalidPath),
    ] {
        let e = fail(&slim().copy_local_file(local, Some("/x")).unwrap(), &host);
        assert_eq!(e.code, code, "{local}: {e}");
        assert!(e.message.contains(what), "{local}: {e}");
        assert_eq!(
            e.argument.as_deref(),
            Some("steps[0].local"),
            "{local}: {e}"
        );
    }
}

fn tree_host() -> MemoryHost {
    let mut host = MemoryHost::with(&[
        ("proj/src/app.py", "print('app')\n"),
        ("proj/src/debug.log", "log\n"),
        ("proj/src/build/out.o", "obj"),
        ("proj/src/build/keep.txt", "keep"),
        ("proj/src/node_modules/x/index.js", "js"),
        ("proj/src/nested/deep.log", "deep log"),
        ("proj/src/nested/mod.py", "x = 1\n"),
    ])
    .file("proj/src/run.sh", b"#!/bin/sh\n", 0o755)
    .symlink("proj/src/link", "../secret")
    .symlink("proj/src/nested/alias.py", "mod.py");
    host.dirs.push("proj/src/empty".into());
    host.dirs.push("proj/src/nested/empty2".into());
    host
}

#[test]
fn copy_local_dir_ignore_patterns_empty_folders_symlinks_and_modes() {
    let host = tree_host();
    let image = slim()
        .copy_local_dir(
            "proj/src",
            Some("/app"),
            &["*.log", "build", "!build/keep.txt", "node_modules"],
        )
        .unwrap();
    let r = ok(&image, &host);
    assert_eq!(
        r.dockerfile,
        format!("{SLIM}COPY .apothic/steps/0/ /app/\n")
    );
    assert_eq!(
        context_paths(&r),
        [
            ".apothic/steps/0/app.py",
            ".apothic/steps/0/build/keep.txt",
            // `*.log` matches at the folder's top only, as in Docker: nested/deep.log stays.
            ".apothic/steps/0/nested/deep.log",
            ".apothic/steps/0/nested/mod.py",
            ".apothic/steps/0/run.sh",
        ]
    );
    let modes: BTreeMap<&str, u32> = r
        .context
        .iter()
        .map(|f| (f.path.as_str(), f.mode))
        .collect();
    assert_eq!(modes[".apothic/steps/0/run.sh"], 0o755);
    assert_eq!(modes[".apothic/steps/0/app.py"], 0o644);
    assert_eq!(
        r.context_dirs,
        [
            ".apothic",
            ".apothic/steps",
            ".apothic/steps/0",
            ".apothic/steps/0/build",
            ".apothic/steps/0/empty",
            ".apothic/steps/0/nested",
            ".apothic/steps/0/nested/empty2",
        ]
    );
    let mut links: Vec<(&str, Option<usize>)> = r
        .diagnostics
        .iter()
        .filter(|d| d.code == "SYMLINK_SKIPPED")
        .map(|d| (d.message.as_str(), d.step))
        .collect();
    links.sort();
    assert_eq!(links.len(), 2, "{:?}", r.diagnostics);
    assert!(
        links
            .iter()
            .any(|(m, s)| m.contains("\"link\"") && *s == Some(0)),
        "{links:?}"
    );
    assert!(
        links
            .iter()
            .any(|(m, s)| m.contains("\"nested/alias.py\"") && *s == Some(0)),
        "{links:?}"
    );
    // A fully excluded folder is not even listed; one with a `!` exception under it is.
    let calls = calls(&host);
    assert!(
        !calls.iter().any(|c| c.contains("node_modules")),
        "{calls:?}"
    );
    assert!(
        calls.contains(&"readDir(proj/src/build)".to_string()),
        "{calls:?}"
    );
    // The empty folders reach the tar.
    let tar = tar_of(&image, &host);
    let text = String::from_utf8_lossy(&tar);
    assert!(text.contains(".apothic/steps/0/empty/"));
    assert!(text.contains(".apothic/steps/0/nested/empty2/"));
}

#[test]
fn copy_local_dir_remote_path_rules() {
    let host = MemoryHost::with(&[("proj/src/a.py", "")]);
    let cases: [(Image, &str); 5] = [
        (
            slim()
                .copy_local_dir::<&str>("proj/src", None, &[])
                .unwrap(),
            "/root/src/",
        ),
        (
            slim()
                .copy_local_dir::<&str>("proj/src/", Some("/opt/"), &[])
                .unwrap(),
            "/opt/src/",
        ),
        (
            slim()
                .workdir("/srv")
                .unwrap()
                .copy_local_dir::<&str>("proj/src", Some("code"), &[])
                .unwrap(),
            "/srv/code/",
        ),
        (
            slim()
                .workdir("/srv")
                .unwrap()
                .copy_local_dir::<&str>("proj/src", None, &[])
                .unwrap(),
            "/srv/src/",
        ),
        (
            slim()
                .copy_local_dir::<&str>("proj/src", Some("/"), &[])
                .unwrap(),
            "/src/",
        ),
    ];
    for (image, remote) in cases {
        let r = ok(&image, &host);
        let step = image.len() - 1;
        assert!(
            r.dockerfile
                .ends_with(&format!("COPY .apothic/steps/{step}/ {remote}\n")),
            "expected {remote}:\n{}",
            r.dockerfile
        );
    }
}

#[test]
fn copy_local_dir_of_an_empty_folder_copies_an_empty_step_folder() {
    let mut host = MemoryHost::default();
    host.dirs.push("empty".into());
    let image = slim()
        .copy_local_dir::<&str>("empty", Some("/data"), &[])
        .unwrap();
    let r = ok(&image, &host);
    assert_eq!(
        r.dockerfile,
        format!("{SLIM}COPY .apothic/steps/0/ /data/\n")
    );
    assert!(r.context.is_empty());
    assert_eq!(
        r.context_dirs,
        [".apothic", ".apothic/steps", ".apothic/steps/0"]
    );
}

#[test]
fn copy_local_dir_bad_ignore_pattern_is_an_error() {
    // At the call that names it, not only when resolving.
    let e = slim()
        .copy_local_dir("src", Some("/app"), &["ok/*.pyc", "[unclosed"])
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidIgnorePattern, "{e}");
    assert_eq!(e.argument.as_deref(), Some("ignore[1]"), "{e}");
    let e = slim()
        .add_local_dir("src", Some("/app"), &["!"])
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidIgnorePattern, "{e}");
    assert_eq!(e.argument.as_deref(), Some("ignore[0]"), "{e}");

    // fromSpec names the step.
    let spec = serde_json::json!({
        "version": 1,
        "base": { "op": "debianSlim", "pythonVersion": "3.12" },
        "steps": [{ "op": "copyLocalDir", "local": "src", "remote": "/app", "ignore": ["[unclosed"] }]
    });
    let e = Image::from_spec_json(&spec.to_string()).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidIgnorePattern, "{e}");
    assert_eq!(e.argument.as_deref(), Some("steps[0].ignore[0]"), "{e}");
}

#[test]
fn copied_content_and_mode_change_the_image_hash() {
    let image = slim()
        .copy_local_dir::<&str>("src", Some("/app"), &[])
        .unwrap();
    let base = ok(
        &image,
        &MemoryHost::default().file("src/a.sh", b"echo\n", 0o644),
    );
    let content = ok(
        &image,
        &MemoryHost::default().file("src/a.sh", b"echo!\n", 0o644),
    );
    let mode = ok(
        &image,
        &MemoryHost::default().file("src/a.sh", b"echo\n", 0o755),
    );
    assert_ne!(base.image_hash, content.image_hash);
    assert_ne!(base.image_hash, mode.image_hash);
    assert_eq!(base.dockerfile, mode.dockerfile);
}

// ---------------------------------------------------------------------------------------------
// copyLocalPythonSource / addLocalPythonSource
// ---------------------------------------------------------------------------------------------

fn python_host() -> MemoryHost {
    let mut host = MemoryHost::with(&[
        ("py/pkg/__init__.py", ""),
        ("py/pkg/core.py", "def f(): pass\n"),
        ("py/pkg/data.json", "{}"),
        ("py/pkg/__pycache__/core.cpython-312.pyc", "pyc"),
        ("py/pkg/sub/__init__.py", ""),
        ("py/pkg/sub/__pycache__/x.cpython-312.pyc", "pyc"),
        ("py/pkg/sub/impl.py", "y = 2\n"),
        ("py/helpers.py", "def h(): pass\n"),
    ]);
    host.modules.insert(
        "pkg".into(),
        PythonModule {
            path: "py/pkg".into(),
            is_package: true,
        },
    );
    host.modules.insert(
        "pkg.sub".into(),
        PythonModule {
            path: "py/pkg/sub".into(),
            is_package: true,
        },
    );
    host.modules.insert(
        "helpers".into(),
        PythonModule {
            path: "py/helpers.py".into(),
            is_package: false,
        },
    );
    host
}

#[test]
fn copy_local_python_source_package_and_module() {
    let host = python_host();
    let r = ok(
        &slim()
            .copy_local_python_source(&["pkg", "helpers"])
            .unwrap(),
        &host,
    );
    assert_eq!(
        r.dockerfile,
        format!(
            "{SLIM}COPY .apothic/steps/0/0/ /root/pkg/\n\
             COPY .apothic/steps/0/1/module.py /root/helpers.py\n"
        )
    );
    assert_eq!(
        context_paths(&r),
        [
            ".apothic/steps/0/0/__init__.py",
            ".apothic/steps/0/0/core.py",
            ".apothic/steps/0/0/sub/__init__.py",
            ".apothic/steps/0/0/sub/impl.py",
            ".apothic/steps/0/1/module.py",
        ]
    );
    assert!(
        !r.context_dirs.iter().any(|d| d.contains("__pycache__")),
        "{:?}",
        r.context_dirs
    );
}

#[test]
fn copy_local_python_source_dotted_package_lands_under_its_path() {
    let host = python_host();
    let r = ok(
        &slim().copy_local_python_source(&["pkg.sub"]).unwrap(),
        &host,
    );
    assert_eq!(
        r.dockerfile,
        format!("{SLIM}COPY .apothic/steps/0/0/ /root/pkg/sub/\n")
    );
    assert_eq!(
        context_paths(&r),
        [
            ".apothic/steps/0/0/__init__.py",
            ".apothic/steps/0/0/impl.py"
        ]
    );
}

#[test]
fn python_source_without_resolve_python_module_names_the_callback() {
    let host = MemoryHost::with(&[("app.py", "")]); // no modules table: no callback
    for image in [
        slim().copy_local_python_source(&["app"]).unwrap(),
        slim().add_local_python_source(&["app"]).unwrap(),
    ] {
        let e = fail(&image, &host);
        assert_eq!(e.code, ErrorCode::MissingHostCallback, "{e}");
        assert!(e.message.contains("resolvePythonModule"), "{e}");
        assert_eq!(e.argument.as_deref(), Some("steps[0].modules"), "{e}");
    }
}

#[test]
fn add_local_python_source_mounts_module_files_at_their_module_path() {
    // docs/api.md: a module lands under /root/ as `mod.py`, a package as `pkg/…`.
    let host = python_host();
    let r = ok(
        &slim().add_local_python_source(&["pkg", "helpers"]).unwrap(),
        &host,
    );
    assert_eq!(r.dockerfile, SLIM);
    assert_eq!(r.mounts.len(), 1);
    let remotes: Vec<&str> = r.mounts[0]
        .files
        .iter()
        .map(|f| f.remote.as_str())
        .collect();
    assert_eq!(
        remotes,
        [
            "/root/helpers.py",
            "/root/pkg/__init__.py",
            "/root/pkg/core.py",
            "/root/pkg/sub/__init__.py",
            "/root/pkg/sub/impl.py",
        ]
    );
}

#[test]
fn add_local_python_source_reports_skipped_symlinks() {
    // copyLocalPythonSource and addLocalDir report a skipped symlink; addLocalPythonSource
    // must too, or a module silently goes missing at run time.
    let host = python_host().symlink("py/pkg/linked.py", "core.py");
    let copy = ok(&slim().copy_local_python_source(&["pkg"]).unwrap(), &host);
    assert_eq!(codes(&copy), ["SYMLINK_SKIPPED"]);
    let add = ok(&slim().add_local_python_source(&["pkg"]).unwrap(), &host);
    assert_eq!(codes(&add), ["SYMLINK_SKIPPED"], "{:?}", add.diagnostics);
}

// ---------------------------------------------------------------------------------------------
// addLocal* (runtime mounts)
// ---------------------------------------------------------------------------------------------

#[test]
fn add_local_steps_are_mounts_not_in_dockerfile_nor_image_hash() {
    let host = tree_host().file("proj/config.yaml", b"k: v\n", 0o600);
    let built = slim().pip_install(&["flask"], &pip()).unwrap();
    let with_mounts = built
        .add_local_dir(
            "proj/src",
            Some("/app"),
            &["*.log", "build", "node_modules"],
        )
        .unwrap()
        .add_local_file("proj/config.yaml", None)
        .unwrap();
    let (plain, mounted) = (ok(&built, &host), ok(&with_mounts, &host));
    assert_eq!(mounted.dockerfile, plain.dockerfile);
    assert_eq!(mounted.image_hash, plain.image_hash);
    assert_eq!(mounted.layers, plain.layers);
    assert!(mounted.context.is_empty());
    assert_ne!(mounted.spec_hash, plain.spec_hash);

    assert_eq!(mounted.mounts.len(), 2);
    assert_eq!(
        (mounted.mounts[0].step, mounted.mounts[0].op.as_str()),
        (1, "addLocalDir")
    );
    let remotes: Vec<(&str, &str, u32)> = mounted.mounts[0]
        .files
        .iter()
        .map(|f| (f.remote.as_str(), f.source.as_str(), f.mode))
        .collect();
    assert_eq!(
        remotes,
        [
            ("/app/app.py", "proj/src/app.py", 0o644),
            ("/app/nested/deep.log", "proj/src/nested/deep.log", 0o644),
            ("/app/nested/mod.py", "proj/src/nested/mod.py", 0o644),
            ("/app/run.sh", "proj/src/run.sh", 0o755),
        ]
    );
    assert_eq!(
        (mounted.mounts[1].step, mounted.mounts[1].op.as_str()),
        (2, "addLocalFile")
    );
    let file = &mounted.mounts[1].files[0];
    assert_eq!(
        (
            file.remote.as_str(),
            file.source.as_str(),
            file.mode,
            file.size
        ),
        ("/root/config.yaml", "proj/config.yaml", 0o600, 5)
    );
    assert_eq!(codes(&mounted), ["SYMLINK_SKIPPED", "SYMLINK_SKIPPED"]);
    assert!(mounted.diagnostics.iter().all(|d| d.step == Some(1)));
}

#[test]
fn mounted_content_changes_spec_hash_only() {
    let image = registry("python:3.12")
        .add_local_file("a.txt", Some("/data/a.txt"))
        .unwrap();
    let a = ok(&image, &MemoryHost::with(&[("a.txt", "one")]));
    let b = ok(&image, &MemoryHost::with(&[("a.txt", "two")]));
    assert_eq!(a.image_hash, b.image_hash);
    assert_ne!(a.spec_hash, b.spec_hash);
    // Runtime mounts need no derived image.
    assert_eq!(a.plan.mode, PlanMode::Direct);
}

#[test]
fn build_step_after_add_local_is_rejected_by_the_builder() {
    let host_free = slim().add_local_file("a.txt", None).unwrap();
    let attempts: [(&str, Result<Image>); 6] = [
        ("runCommands", host_free.run_commands(&["echo"])),
        ("pipInstall", host_free.pip_install(&["x"], &pip())),
        ("copyLocalFile", host_free.copy_local_file("b.txt", None)),
        ("env", host_free.env(&[("A", "1")])),
        ("workdir", host_free.workdir("/app")),
        ("envFile", host_free.env_file(".env")),
    ];
    for (op, attempt) in attempts {
        let e = attempt.expect_err(op);
        assert_eq!(e.code, ErrorCode::BuildStepAfterRuntimeStep, "{op}: {e}");
        assert!(
            e.message.contains("addLocalFile") && e.message.contains("copyLocal"),
            "{op}: {e}"
        );
    }
    // More runtime steps are fine.
    let more = host_free
        .add_local_dir::<&str>("d", Some("/d"), &[])
        .unwrap()
        .add_local_python_source(&["m"])
        .unwrap();
    assert_eq!(more.len(), 3);

    // The same rule holds for a spec from elsewhere, naming the step.
    let mut spec = slim().add_local_file("a.txt", None).unwrap().to_spec();
    spec.steps.push(
        slim()
            .run_commands(&["echo"])
            .unwrap()
            .to_spec()
            .steps
            .remove(0),
    );
    let e = Image::from_spec(&spec).expect_err("build step after addLocalFile");
    assert_eq!(e.code, ErrorCode::BuildStepAfterRuntimeStep, "{e}");
    assert_eq!(e.argument.as_deref(), Some("steps[1]"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// fromDockerfile
// ---------------------------------------------------------------------------------------------

const MULTI_STAGE: &str = "FROM python:3.12-slim AS build\n\
RUN pip wheel -w /wheels flask\n\
\n\
# the runtime stage\n\
FROM python:3.12-slim\n\
COPY --from=build /wheels /wheels\n\
COPY requirements.txt /app/\n\
COPY src/ /app/src/\n\
ADD https://example.com/data.tgz /data/\n\
COPY --chown=1000:1000 [\"conf/app.yaml\", \"/etc/app/\"]\n\
RUN pip install --no-index --find-links=/wheels flask \\\n    && echo ok\n\
WORKDIR /app\n";

fn dockerfile_host() -> MemoryHost {
    MemoryHost::with(&[
        ("svc/Dockerfile", MULTI_STAGE),
        ("svc/.dockerignore", "# comment\n**/__pycache__\n*.md\n"),
        ("svc/requirements.txt", "flask\n"),
        ("svc/src/main.py", "main\n"),
        ("svc/src/util.py", "util\n"),
        (
            "svc/src/NOTES.md",
            "not ignored: *.md only matches at the root\n",
        ),
        ("svc/src/__pycache__/main.cpython-312.pyc", "pyc"),
        ("svc/conf/app.yaml", "a: 1\n"),
        ("svc/conf/other.yaml", "not copied\n"),
        ("svc/docs/readme.md", "not copied\n"),
        (
            "svc/wheels/flask.whl",
            "from the build stage, not the context\n",
        ),
        ("svc/data.tgz", "a URL source, not this file\n"),
    ])
}

#[test]
fn from_dockerfile_keeps_instructions_and_finds_copy_sources() {
    let host = dockerfile_host();
    let image = Image::from_dockerfile("svc/Dockerfile", &DockerfileOptions::default())
        .unwrap()
        .run_commands(&["echo done"])
        .unwrap();
    let r = ok(&image, &host);
    assert_eq!(r.dockerfile, format!("{MULTI_STAGE}RUN echo done\n"));
    assert_eq!(
        context_paths(&r),
        [
            "conf/app.yaml",
            "requirements.txt",
            "src/NOTES.md",
            "src/main.py",
            "src/util.py"
        ]
    );
    assert_eq!(r.context[0].source, "svc/conf/app.yaml");
    assert_eq!(r.layers[0].op, "fromDockerfile");
    let base_inputs: Vec<&str> = r.layers[0].inputs.iter().map(|i| i.path.as_str()).collect();
    assert_eq!(
        base_inputs,
        [
            "Dockerfile",
            "conf/app.yaml",
            "requirements.txt",
            "src/NOTES.md",
            "src/main.py",
            "src/util.py"
        ]
    );
    assert_eq!(r.plan.mode, PlanMode::Derived);
}

#[test]
fn from_dockerfile_reports_only_symlinks_its_copy_sources_would_take() {
    // A Node project's context: `node_modules/.bin` is full of symlinks that `COPY src/ /app/`
    // never takes; only the one under src/ is worth a warning.
    let host = MemoryHost::with(&[
        ("Dockerfile", "FROM python:3.12-slim\nCOPY src/ /app/\n"),
        ("src/app.py", "x\n"),
        ("node_modules/tool/cli.js", "x\n"),
    ])
    .symlink("node_modules/.bin/tool", "../tool/cli.js")
    .symlink("src/current", "app.py");
    let r = ok(
        &Image::from_dockerfile("Dockerfile", &DockerfileOptions::default()).unwrap(),
        &host,
    );
    let links: Vec<&str> = r
        .diagnostics
        .iter()
        .filter(|d| d.code == "SYMLINK_SKIPPED")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(links.len(), 1, "{:?}", r.diagnostics);
    assert!(links[0].contains("src/current"), "{links:?}");
}

#[test]
fn from_dockerfile_copy_source_matching_nothing_is_a_diagnostic() {
    let host = MemoryHost::with(&[
        (
            "Dockerfile",
            "FROM python:3.12-slim\nCOPY app.py missing.txt /app/\nCOPY *.cfg /etc/\nCOPY secret.key /k\nCOPY --from=build /nothing /x\n",
        ),
        (".dockerignore", "secret.key\n"),
        ("app.py", "x\n"),
        ("secret.key", "k\n"),
    ]);
    let r = ok(
        &Image::from_dockerfile("Dockerfile", &DockerfileOptions::default()).unwrap(),
        &host,
    );
    assert_eq!(context_paths(&r), ["app.py"]);
    let missing: Vec<&str> = r
        .diagnostics
        .iter()
        .filter(|d| d.code == "COPY_SOURCE_MISSING")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(missing.len(), 3, "{missing:?}");
    for (message, source) in missing.iter().zip(["missing.txt", "*.cfg", "secret.key"]) {
        assert!(message.contains(source), "{message}");
        assert!(message.contains("build will fail"), "{message}");
    }

    // Every source found: no diagnostic.
    let r = ok(
        &Image::from_dockerfile("svc/Dockerfile", &DockerfileOptions::default()).unwrap(),
        &dockerfile_host(),
    );
    assert!(
        r.diagnostics
            .iter()
            .all(|d| d.code != "COPY_SOURCE_MISSING"),
        "{:?}",
        r.diagnostics
    );
}

#[test]
fn from_dockerfile_fragment_gets_from_base() {
    let host = MemoryHost::with(&[
        ("frag/Dockerfile", "RUN apt-get update\nCOPY app.py /app/"),
        ("frag/app.py", "x\n"),
    ]);
    let r = ok(
        &Image::from_dockerfile("frag/Dockerfile", &DockerfileOptions::default()).unwrap(),
        &host,
    );
    assert_eq!(
        r.dockerfile,
        "FROM python:3.11-slim\nRUN apt-get update\nCOPY app.py /app/\n"
    );
    assert_eq!(context_paths(&r), ["app.py"]);

    let options = DockerfileOptions {
        base: Some("alpine:3.20".into()),
        ..DockerfileOptions::default()
    };
    let r = ok(
        &Image::from_dockerfile("frag/Dockerfile", &options).unwrap(),
        &host,
    );
    assert!(
        r.dockerfile
            .starts_with("FROM alpine:3.20\nRUN apt-get update\n"),
        "{}",
        r.dockerfile
    );

    // A Dockerfile that has FROM after an ARG is not a fragment.
    let host = MemoryHost::with(&[(
        "Dockerfile",
        "ARG V=3.12\nFROM python:${V}-slim\nRUN true\n",
    )]);
    let r = ok(
        &Image::from_dockerfile("Dockerfile", &DockerfileOptions::default()).unwrap(),
        &host,
    );
    assert_eq!(
        r.dockerfile,
        "ARG V=3.12\nFROM python:${V}-slim\nRUN true\n"
    );
}

#[test]
fn from_dockerfile_crlf_becomes_lf() {
    let host = MemoryHost::with(&[("Dockerfile", "FROM alpine\r\nRUN echo a \\\r\n  b\r\n")]);
    let r = ok(
        &Image::from_dockerfile("Dockerfile", &DockerfileOptions::default()).unwrap(),
        &host,
    );
    assert_eq!(r.dockerfile, "FROM alpine\nRUN echo a \\\n  b\n");
    assert!(!r.dockerfile.contains('\r'));
}

#[test]
fn from_dockerfile_with_context_dir_and_dockerfile_elsewhere() {
    let host = MemoryHost::with(&[
        ("docker/app.Dockerfile", "FROM alpine\nCOPY *.py /app/\n"),
        ("ctx/a.py", "a"),
        ("ctx/b.py", "b"),
        ("ctx/sub/c.py", "not matched by *.py at the root"),
        ("ctx/readme.txt", "no"),
    ]);
    let options = DockerfileOptions {
        context_dir: Some("ctx".into()),
        ..DockerfileOptions::default()
    };
    let r = ok(
        &Image::from_dockerfile("docker/app.Dockerfile", &options).unwrap(),
        &host,
    );
    assert_eq!(context_paths(&r), ["a.py", "b.py"]);
    assert_eq!(r.context[1].source, "ctx/b.py");
}

#[test]
fn dockerfile_specific_dockerignore_takes_precedence() {
    // Docker: `<Dockerfile name>.dockerignore` next to the Dockerfile wins over the context's
    // `.dockerignore`; only one of them applies.
    let files = [
        ("docker/app.Dockerfile", "FROM alpine\nCOPY . /app\n"),
        ("ctx/.dockerignore", "*.md\n"),
        ("ctx/a.md", "md"),
        ("ctx/b.txt", "txt"),
        ("ctx/c.py", "py"),
    ];
    let options = DockerfileOptions {
        context_dir: Some("ctx".into()),
        ..DockerfileOptions::default()
    };
    let image = Image::from_dockerfile("docker/app.Dockerfile", &options).unwrap();
    let only_context = MemoryHost::with(&files);
    let r = ok(&image, &only_context);
    let users: Vec<&str> = context_paths(&r)
        .into_iter()
        .filter(|p| *p != ".dockerignore")
        .collect();
    assert_eq!(users, ["b.txt", "c.py"]);

    let mut both = files.to_vec();
    both.push(("docker/app.Dockerfile.dockerignore", "*.txt\n"));
    let host = MemoryHost::with(&both);
    let r = ok(&image, &host);
    let users: Vec<&str> = context_paths(&r)
        .into_iter()
        .filter(|p| *p != ".dockerignore")
        .collect();
    assert_eq!(users, ["a.md", "c.py"]);

    // The rule uses the Dockerfile's own name: `Dockerfile.dockerignore` for `Dockerfile`.
    let host = MemoryHost::with(&[
        ("ctx/Dockerfile", "FROM alpine\nCOPY . /app\n"),
        ("ctx/Dockerfile.dockerignore", "secret*\nDockerfile*\n"),
        ("ctx/.dockerignore", "*.py\n"),
        ("ctx/secret.key", "k"),
        ("ctx/app.py", "py"),
    ]);
    let r = ok(
        &Image::from_dockerfile("ctx/Dockerfile", &DockerfileOptions::default()).unwrap(),
        &host,
    );
    let users: Vec<&str> = context_paths(&r)
        .into_iter()
        .filter(|p| *p != ".dockerignore")
        .collect();
    assert_eq!(users, ["app.py"]);
}

#[test]
fn dockerignore_exceptions_apply_to_the_context() {
    let host = MemoryHost::with(&[
        ("Dockerfile", "FROM alpine\nCOPY . /app\n"),
        (".dockerignore", "*\n!src\n!README.md\nsrc/*.tmp\n"),
        ("src/a.py", "a"),
        ("src/b.tmp", "b"),
        ("README.md", "r"),
        ("other.txt", "o"),
    ]);
    let r = ok(
        &Image::from_dockerfile("Dockerfile", &DockerfileOptions::default()).unwrap(),
        &host,
    );
    assert_eq!(context_paths(&r), ["README.md", "src/a.py"]);
}

#[test]
fn dockerignore_file_is_left_out_of_the_context() {
    // src/resolve/mod.rs: the context's `.dockerignore` "is applied here and left out of the
    // tar, so it cannot hide our files". In the tar it would be applied again by the engine, to
    // `.apothic/` too.
    let host = MemoryHost::with(&[
        ("Dockerfile", "FROM alpine\nCOPY . /app\n"),
        (".dockerignore", "*.log\n"),
        ("app.py", "a"),
        ("x.log", "l"),
        ("extra.txt", "e"),
    ]);
    let image = Image::from_dockerfile("Dockerfile", &DockerfileOptions::default())
        .unwrap()
        .copy_local_file("extra.txt", None)
        .unwrap();
    let r = ok(&image, &host);
    assert_eq!(
        context_paths(&r),
        [".apothic/steps/0/file", "app.py", "extra.txt"]
    );
}

#[test]
fn dockerfile_in_the_context_is_replaced_by_the_rendered_one() {
    let host = MemoryHost::with(&[
        ("Dockerfile", "FROM alpine\nCOPY . /app\n"),
        ("app.py", "a"),
    ]);
    let r = ok(
        &Image::from_dockerfile("Dockerfile", &DockerfileOptions::default()).unwrap(),
        &host,
    );
    assert_eq!(context_paths(&r), ["app.py"]);
    assert_eq!(codes(&r), ["DOCKERFILE_REPLACED"]);
}

#[test]
fn from_dockerfile_keeps_empty_folders_of_a_whole_context_copy() {
    // `COPY . /app` with Docker creates /app/data/cache even when it is empty; the tar must hold
    // the folder for the image to be the same.
    let mut host = MemoryHost::with(&[
        ("Dockerfile", "FROM alpine\nCOPY . /app\n"),
        ("app.py", "a"),
    ]);
    host.dirs.push("data/cache".into());
    let r = ok(
        &Image::from_dockerfile("Dockerfile", &DockerfileOptions::default()).unwrap(),
        &host,
    );
    assert!(
        r.context_dirs.contains(&"data/cache".to_string()),
        "{:?}",
        r.context_dirs
    );
}

#[test]
fn files_under_apothic_in_the_context_are_an_error() {
    let files = [
        ("Dockerfile", "FROM alpine\nCOPY . /app\n"),
        (".apothic/steps/0/file", "clash"),
        ("app.py", "a"),
    ];
    let host = MemoryHost::with(&files);
    let e = fail(
        &Image::from_dockerfile("Dockerfile", &DockerfileOptions::default()).unwrap(),
        &host,
    );
    assert_eq!(e.code, ErrorCode::InvalidPath, "{e}");
    assert!(e.message.contains(".apothic/steps/0/file"), "{e}");

    // Ignored by .dockerignore: fine.
    let mut ignored = files.to_vec();
    ignored.push((".dockerignore", ".apothic\n"));
    let r = ok(
        &Image::from_dockerfile("Dockerfile", &DockerfileOptions::default()).unwrap(),
        &MemoryHost::with(&ignored),
    );
    assert!(context_paths(&r).iter().all(|p| !p.starts_with(".apothic")));
}

#[test]
fn a_file_named_apothic_in_the_context_is_an_error_too() {
    // A regular file `.apothic` at the context root clashes with the reserved folder in the tar
    // (the tar writer keeps one entry per path, so the file or our folder would be lost).
    let host = MemoryHost::with(&[
        ("Dockerfile", "FROM alpine\nCOPY . /app\n"),
        (".apothic", "a file"),
        ("x.txt", "x"),
    ]);
    let image = Image::from_dockerfile("Dockerfile", &DockerfileOptions::default())
        .unwrap()
        .copy_local_file("x.txt", None)
        .unwrap();
    let e = fail(&image, &host);
    assert_eq!(e.code, ErrorCode::InvalidPath, "{e}");
}

#[test]
fn shell_of_the_last_stage_is_carried_to_later_run_steps() {
    let dockerfile =
        "FROM alpine AS tools\nSHELL [\"/bin/ash\", \"-eo\", \"pipefail\", \"-c\"]\nRUN true\n\
FROM debian:trixie\nSHELL [\"/bin/bash\", \"-c\"]\nRUN echo hi\n";
    let host = MemoryHost::with(&[("Dockerfile", dockerfile)]);
    let image = Image::from_dockerfile("Dockerfile", &DockerfileOptions::default())
        .unwrap()
        .run_commands(&["echo a\necho b", "plain"])
        .unwrap();
    let r = ok(&image, &host);
    assert_eq!(
        r.dockerfile,
        format!("{dockerfile}RUN [\"/bin/bash\",\"-c\",\"echo a\\necho b\"]\nRUN plain\n")
    );

    // A SHELL in an earlier stage does not reach the last one.
    let dockerfile =
        "FROM alpine AS tools\nSHELL [\"/bin/ash\", \"-c\"]\nFROM debian:trixie\nRUN echo hi\n";
    let host = MemoryHost::with(&[("Dockerfile", dockerfile)]);
    let r = ok(&image, &host);
    assert_eq!(
        r.dockerfile,
        format!("{dockerfile}RUN [\"/bin/sh\",\"-c\",\"echo a\\necho b\"]\nRUN plain\n")
    );

    // commandShell after the Dockerfile takes over.
    let host = MemoryHost::with(&[("Dockerfile", "FROM debian\nSHELL [\"/bin/bash\", \"-c\"]\n")]);
    let image = Image::from_dockerfile("Dockerfile", &DockerfileOptions::default())
        .unwrap()
        .command_shell(None)
        .unwrap()
        .run_commands(&["a\nb"])
        .unwrap();
    let r = ok(&image, &host);
    assert!(
        r.dockerfile
            .ends_with("SHELL [\"/bin/sh\",\"-c\"]\nRUN [\"/bin/sh\",\"-c\",\"a\\nb\"]\n"),
        "{}",
        r.dockerfile
    );
}

#[test]
fn shell_set_in_a_stage_the_last_stage_builds_on_is_inherited() {
    // `FROM base` continues the stage `base`, whose SHELL it inherits (SHELL is image config).
    let dockerfile =
        "FROM debian:trixie AS base\nSHELL [\"/bin/bash\", \"-c\"]\nFROM base\nRUN echo hi\n";
    let host = MemoryHost::with(&[("Dockerfile", dockerfile)]);
    let image = Image::from_dockerfile("Dockerfile", &DockerfileOptions::default())
        .unwrap()
        .run_commands(&["a\nb"])
        .unwrap();
    let r = ok(&image, &host);
    assert_eq!(
        r.dockerfile,
        format!("{dockerfile}RUN [\"/bin/bash\",\"-c\",\"a\\nb\"]\n")
    );
}

#[test]
fn from_dockerfile_errors() {
    // Syntax error: file and line.
    let host = MemoryHost::with(&[(
        "Dockerfile",
        "FROM alpine\nRUN echo\nCOPY onlyone\nNOTANINSTRUCTION x\n",
    )]);
    let e = fail(
        &Image::from_dockerfile("Dockerfile", &DockerfileOptions::default()).unwrap(),
        &host,
    );
    assert_eq!(e.code, ErrorCode::DockerfileSyntax, "{e}");
    assert_eq!(e.file.as_deref(), Some("Dockerfile"));
    assert!(e.position.is_some(), "{e}");

    // Not UTF-8.
    let host = MemoryHost::default().file("Dockerfile", b"FROM alpine\nRUN echo \xff\n", 0o644);
    let e = fail(
        &Image::from_dockerfile("Dockerfile", &DockerfileOptions::default()).unwrap(),
        &host,
    );
    assert_eq!(e.code, ErrorCode::DockerfileSyntax, "{e}");
    assert_eq!(e.file.as_deref(), Some("Dockerfile"));

    // Missing file.
    let e = fail(
        &Image::from_dockerfile("nope/Dockerfile", &DockerfileOptions::default()).unwrap(),
        &MemoryHost::default(),
    );
    assert_eq!(e.code, ErrorCode::FileNotFound, "{e}");
    assert_eq!(e.argument.as_deref(), Some("base.path"));
}

// ---------------------------------------------------------------------------------------------
// plan
// ---------------------------------------------------------------------------------------------

#[test]
fn plan_direct_for_a_registry_image_without_build_steps() {
    let host = MemoryHost::default();
    let r = ok(&registry("python:3.12"), &host);
    assert_eq!(r.dockerfile, "FROM python:3.12\n");
    assert_eq!(r.plan.mode, PlanMode::Direct);
    assert_eq!(r.plan.image.as_deref(), Some("python:3.12"));
    assert_eq!(r.plan.image_hash, r.image_hash);
    assert_eq!(
        r.plan.build_key, r.build_key,
        "a direct plan carries the key too"
    );
    assert_eq!(
        r.plan.python,
        PythonPlan::Image {
            path: None,
            version: None
        }
    );
    assert!(!calls(&host).iter().any(|c| c.starts_with("lookupDerived")));
}

#[test]
fn plan_direct_for_prebuilt_whatever_the_inspection_says() {
    // `prebuilt` says the image is ready: it runs directly and never gets a managed CPython,
    // even when the host's inspection finds no Python in it; its digest still joins the hash.
    let reference = "registry.example.com/team/runner:1";
    let image = Image::from_registry(
        reference,
        &RegistryOptions {
            prebuilt: true,
            ..RegistryOptions::default()
        },
    )
    .unwrap();
    let plain = ok(&image, &MemoryHost::default());
    assert_eq!(plain.plan.mode, PlanMode::Direct);
    assert_eq!(plain.plan.image.as_deref(), Some(reference));
    assert_eq!(plain.dockerfile, format!("FROM {reference}\n"));

    let mut host = MemoryHost::default();
    host.images
        .insert(reference.into(), inspection("arm64", Some("musl"), None));
    let inspected = ok(&image, &host);
    assert_eq!(inspected.plan.mode, PlanMode::Direct);
    assert_eq!(
        inspected.plan.python,
        PythonPlan::Image {
            path: None,
            version: None
        }
    );
    assert_eq!(inspected.dockerfile, format!("FROM {reference}\n"));
    assert_ne!(
        inspected.image_hash, plain.image_hash,
        "the digest is part of the image hash"
    );
}

#[test]
fn plan_prebuilt_with_build_steps_is_derived() {
    // Running the prebuilt image directly would drop the pip install the user asked for.
    let image = Image::from_registry(
        "registry.example.com/runner:1",
        &RegistryOptions {
            prebuilt: true,
            ..RegistryOptions::default()
        },
    )
    .unwrap()
    .pip_install(&["flask"], &pip())
    .unwrap();
    let r = ok(&image, &MemoryHost::default());
    assert_eq!(r.plan.mode, PlanMode::Derived, "{:?}", r.plan);
    assert_eq!(r.plan.image, None);
}

#[test]
fn plan_derived_with_lookup_derived() {
    let image = registry("python:3.12").env(&[("A", "1")]).unwrap();
    let mut host = MemoryHost::default();
    let r = ok(&image, &host);
    assert_eq!(r.plan.mode, PlanMode::Derived);
    assert_eq!(r.plan.image, None);
    assert_eq!(r.plan.build_key, r.build_key);
    assert!(calls(&host).contains(&format!("lookupDerived({})", r.build_key)));

    host.derived.insert(
        r.build_key.clone(),
        "registry.example.com/derived@sha256:abc0abc0abc0abc0abc0abc0abc0abc0abc0abc0abc0abc0abc0abc0abc0abc0".into(),
    );
    let again = ok(&image, &host);
    assert_eq!(again.plan.mode, PlanMode::Derived);
    assert_eq!(
        again.plan.image.as_deref(),
        Some("registry.example.com/derived@sha256:abc0abc0abc0abc0abc0abc0abc0abc0abc0abc0abc0abc0abc0abc0abc0abc0")
    );
    assert_eq!(again.image_hash, r.image_hash);
}

#[test]
fn debian_slim_base_digest_joins_the_image_hash_but_never_asks_for_managed_python() {
    let image = slim().run_commands(&["true"]).unwrap();
    let plain = ok(&image, &MemoryHost::default());
    let mut host = MemoryHost::default();
    // Even an inspection that finds no Python does not add one: python:*-slim has it.
    host.images.insert(
        "python:3.11-slim-trixie".into(),
        inspection("amd64", None, None),
    );
    let inspected = ok(&image, &host);
    assert_eq!(inspected.dockerfile, plain.dockerfile);
    assert_eq!(
        inspected.plan.python,
        PythonPlan::Image {
            path: None,
            version: None
        }
    );
    assert_ne!(inspected.image_hash, plain.image_hash);
}

#[test]
fn plan_debian_slim_is_derived() {
    let r = ok(&slim(), &MemoryHost::default());
    assert_eq!(r.plan.mode, PlanMode::Derived);
}

fn inspection(arch: &str, libc: Option<&str>, python: Option<(&str, &str)>) -> ImageInspection {
    ImageInspection {
        digest: Some(
            "sha256:1111111111111111111111111111111111111111111111111111111111111111".into(),
        ),
        os: Some("linux".into()),
        arch: Some(arch.into()),
        libc: libc.map(Into::into),
        python_path: python.map(|p| p.0.into()),
        python_version: python.map(|p| p.1.into()),
        ..ImageInspection::default()
    }
}

const INSTALL_RUN: &str = "RUN mkdir -p /opt/apothic && tar -xzf /tmp/apothic-python.tar.gz -C /opt/apothic && rm /tmp/apothic-python.tar.gz && ln -sf /opt/apothic/python/bin/python3 /usr/local/bin/python3 && ln -sf /opt/apothic/python/bin/python3 /usr/local/bin/python\n";

#[test]
fn plan_managed_cpython_when_the_base_has_no_python() {
    let mut host = MemoryHost::default();
    host.images.insert(
        "ubuntu:24.04".into(),
        inspection("amd64", Some("glibc"), None),
    );
    let r = ok(&registry("ubuntu:24.04"), &host);
    let url = "https://github.com/astral-sh/python-build-standalone/releases/download/20250723/cpython-3.12.11+20250723-x86_64-unknown-linux-gnu-install_only.tar.gz";
    assert_eq!(
        r.plan.python,
        PythonPlan::Managed {
            version: "3.12.11".into(),
            arch: "x86_64".into(),
            libc: "gnu".into(),
            url: url.into()
        }
    );
    assert_eq!(
        r.plan.mode,
        PlanMode::Derived,
        "the derived image installs it"
    );
    assert_eq!(
        r.dockerfile,
        format!("FROM ubuntu:24.04\nADD {url} /tmp/apothic-python.tar.gz\n{INSTALL_RUN}")
    );
}

#[test]
fn plan_managed_cpython_for_old_python_with_arm64_musl_and_custom_template() {
    let mut host = MemoryHost::default();
    host.images.insert(
        "alpine:3.12".into(),
        inspection("arm64", Some("musl"), Some(("/usr/bin/python3", "3.8.10"))),
    );
    let options = ResolveOptions {
        managed_python: ManagedPython {
            version: "3.13.1".into(),
            release: "20241206".into(),
            url_template:
                "https://mirror.example/pbs/{release}/cpython-{version}-{arch}-{libc}.tar.gz".into(),
            ..ManagedPython::default()
        },
        ..ResolveOptions::default()
    };
    let r = ok_with(
        &registry("alpine:3.12").run_commands(&["true"]).unwrap(),
        &host,
        &options,
    );
    let url = "https://mirror.example/pbs/20241206/cpython-3.13.1-aarch64-musl.tar.gz";
    assert_eq!(
        r.plan.python,
        PythonPlan::Managed {
            version: "3.13.1".into(),
            arch: "aarch64".into(),
            libc: "musl".into(),
            url: url.into()
        }
    );
    assert_eq!(
        r.dockerfile,
        format!("FROM alpine:3.12\nADD {url} /tmp/apothic-python.tar.gz\n{INSTALL_RUN}RUN true\n")
    );
}

#[test]
fn plan_arch_names_are_normalised() {
    for (given, arch) in [
        ("amd64", "x86_64"),
        ("x86_64", "x86_64"),
        ("arm64", "aarch64"),
        ("aarch64", "aarch64"),
    ] {
        let mut host = MemoryHost::default();
        host.images.insert(
            "debian:trixie".into(),
            inspection(given, None, Some(("/usr/bin/python3", "2.7.18"))),
        );
        let r = ok(&registry("debian:trixie"), &host);
        match &r.plan.python {
            PythonPlan::Managed {
                arch: got,
                libc,
                url,
                ..
            } => {
                assert_eq!(got, arch, "{given}");
                assert_eq!(libc, "gnu", "{given}: no libc given means glibc");
                assert!(
                    url.contains(&format!("-{arch}-unknown-linux-gnu-")),
                    "{url}"
                );
            }
            other => panic!("{given}: expected a managed CPython, got {other:?}"),
        }
    }
}

#[test]
fn plan_uses_the_image_python_when_suitable() {
    for version in ["3.9.0", "3.10.12", "3.12.7", "3.13"] {
        let mut host = MemoryHost::default();
        host.images.insert(
            "python:3.12".into(),
            inspection(
                "amd64",
                Some("glibc"),
                Some(("/usr/local/bin/python3", version)),
            ),
        );
        let r = ok(&registry("python:3.12"), &host);
        assert_eq!(
            r.plan.python,
            PythonPlan::Image {
                path: Some("/usr/local/bin/python3".into()),
                version: Some(version.into())
            },
            "{version}"
        );
        assert_eq!(r.plan.mode, PlanMode::Direct, "{version}");
        assert_eq!(r.dockerfile, "FROM python:3.12\n");
    }
}

#[test]
fn base_digest_is_part_of_the_image_hash() {
    let image = registry("python:3.12").run_commands(&["true"]).unwrap();
    let mut a = MemoryHost::default();
    a.images.insert(
        "python:3.12".into(),
        inspection("amd64", None, Some(("/usr/bin/python3", "3.12.1"))),
    );
    let mut b = MemoryHost::default();
    let mut other = inspection("amd64", None, Some(("/usr/bin/python3", "3.12.1")));
    other.digest =
        Some("sha256:2222222222222222222222222222222222222222222222222222222222222222".into());
    b.images.insert("python:3.12".into(), other);
    assert_ne!(ok(&image, &a).image_hash, ok(&image, &b).image_hash);
}

// ---------------------------------------------------------------------------------------------
// Hosts that misbehave
// ---------------------------------------------------------------------------------------------

/// Wraps a host: `readDir` adds `extra` entries to every listing of `under`, and `readFile` of
/// `changing` returns other bytes from its `change_from_read`-th read on.
struct Wrapper {
    inner: MemoryHost,
    under: String,
    extra: Vec<DirEntry>,
    changing: String,
    change_from_read: usize,
    reads: RefCell<usize>,
}

impl Wrapper {
    fn new(inner: MemoryHost) -> Wrapper {
        Wrapper {
            inner,
            under: String::new(),
            extra: Vec::new(),
            changing: String::new(),
            change_from_read: 0,
            reads: RefCell::new(0),
        }
    }
}

impl Host for Wrapper {
    async fn read_file(&self, path: &str) -> Result<Vec<u8>> {
        let mut bytes = self.inner.read_file(path).await?;
        if !self.changing.is_empty() && path == self.changing {
            *self.reads.borrow_mut() += 1;
            if *self.reads.borrow() >= self.change_from_read {
                bytes.extend_from_slice(b"# edited\n");
            }
        }
        Ok(bytes)
    }
    async fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>> {
        let mut entries = self.inner.read_dir(path).await?;
        if path == self.under {
            entries.extend(self.extra.iter().cloned());
        }
        Ok(entries)
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

fn file_entry(name: &str) -> DirEntry {
    DirEntry {
        name: name.into(),
        kind: EntryKind::File,
        size: 1,
        mode: 0o644,
    }
}

#[test]
fn read_dir_returning_a_bad_name_is_invalid_path() {
    for bad in ["..", ".", "", "a/b", "nul\0byte", "../escape"] {
        let mut host = Wrapper::new(MemoryHost::with(&[("src/ok.py", "")]));
        host.under = "src".into();
        host.extra = vec![file_entry(bad)];
        let e = fail(
            &slim()
                .copy_local_dir::<&str>("src", Some("/app"), &[])
                .unwrap(),
            &host,
        );
        assert_eq!(e.code, ErrorCode::InvalidPath, "{bad:?}: {e}");
        assert!(e.message.contains("readDir"), "{bad:?}: {e}");

        // The same check guards a Dockerfile's context walk (the context is `.`).
        let mut host = Wrapper::new(MemoryHost::with(&[
            ("Dockerfile", "FROM alpine\nCOPY . /app\n"),
            ("ok.py", ""),
        ]));
        host.under = ".".into();
        host.extra = vec![DirEntry {
            kind: EntryKind::Dir,
            ..file_entry(bad)
        }];
        let e = fail(
            &Image::from_dockerfile("Dockerfile", &DockerfileOptions::default()).unwrap(),
            &host,
        );
        assert_eq!(e.code, ErrorCode::InvalidPath, "{bad:?}: {e}");
    }
}

/// A folder that holds a folder, forever (a bind-mount loop, or a hostile host). It fails on its
/// own after `limit` listings so that the test stays bounded.
struct EndlessNesting {
    limit: usize,
    listings: RefCell<usize>,
}

impl Host for EndlessNesting {
    async fn read_file(&self, path: &str) -> Result<Vec<u8>> {
        Err(Error::new(
            ErrorCode::HostCallbackFailed,
            format!("no file {path}"),
        ))
    }
    async fn read_dir(&self, _path: &str) -> Result<Vec<DirEntry>> {
        *self.listings.borrow_mut() += 1;
        if *self.listings.borrow() > self.limit {
            return Err(Error::new(
                ErrorCode::HostCallbackFailed,
                "test host: the walk did not stop",
            ));
        }
        Ok(vec![DirEntry {
            name: "d".into(),
            kind: EntryKind::Dir,
            size: 0,
            mode: 0o755,
        }])
    }
    async fn digest_file(&self, path: &str, _size: u64) -> Result<String> {
        Err(Error::new(
            ErrorCode::HostCallbackFailed,
            format!("no file {path}"),
        ))
    }
    async fn resolve_python_module(&self, _name: &str) -> Result<Option<PythonModule>> {
        Ok(None)
    }
    async fn inspect_image(&self, _reference: &str) -> Result<Option<ImageInspection>> {
        Ok(None)
    }
    async fn lookup_derived(&self, _image_hash: &str) -> Result<Option<String>> {
        Ok(None)
    }
}

#[test]
fn endless_nesting_is_stopped_by_the_walk() {
    // The entry limit alone does not bound the work: one folder per level reaches 200,000
    // entries only at depth 200,000, and the walk keeps every path, so memory grows with the
    // square of the depth (tens of GB; the process is killed long before the limit). No real
    // path is deeper than PATH_MAX (4096 bytes, so about 2,048 levels): the walk must stop a
    // runaway descent itself, well before this host's 5,000 listings.
    let host = EndlessNesting {
        limit: 5_000,
        listings: RefCell::new(0),
    };
    let image = slim()
        .copy_local_dir::<&str>("loop", Some("/loop"), &[])
        .unwrap();
    let e = fail(&image, &host);
    assert_eq!(
        e.code,
        ErrorCode::FolderTooLarge,
        "the walk stops it, not the host: {e}"
    );
}

#[test]
fn read_dir_with_too_many_entries_is_an_error_before_hashing() {
    let mut host = Wrapper::new(MemoryHost::with(&[("big/one.txt", "1")]));
    host.under = "big".into();
    host.extra = (0..200_000)
        .map(|i| file_entry(&format!("f{i:06}")))
        .collect();
    let e = fail(
        &slim()
            .add_local_dir::<&str>("big", Some("/big"), &[])
            .unwrap(),
        &host,
    );
    assert_eq!(e.code, ErrorCode::FolderTooLarge, "{e}");
    assert!(
        e.message.contains("200000") && e.message.contains("\"big\""),
        "{e}"
    );
    assert!(
        !host
            .inner
            .calls
            .borrow()
            .iter()
            .any(|c| c.starts_with("digestFile")),
        "nothing is hashed"
    );
}

// ---------------------------------------------------------------------------------------------
// Determinism
// ---------------------------------------------------------------------------------------------

fn everything_host(reverse: bool) -> MemoryHost {
    let mut host = dockerfile_host();
    for (path, (bytes, mode)) in tree_host().files {
        host.files.insert(path, (bytes, mode));
    }
    for (path, (bytes, mode)) in python_host().files {
        host.files.insert(path, (bytes, mode));
    }
    host.symlinks = tree_host().symlinks;
    host.dirs = tree_host().dirs;
    host.modules = python_host().modules;
    for (path, text) in [
        (
            "app/reqs/main.txt",
            "-r base/common.txt\n-c ../constraints.txt\nflask\n",
        ),
        ("app/reqs/base/common.txt", "-r ../../libs/pins.txt\n"),
        ("app/constraints.txt", "requests<3\n"),
        ("app/libs/pins.txt", "urllib3==2.2.0\n"),
        ("proj/.env", "B=2\nA=1\n"),
    ] {
        host.files
            .insert(path.into(), (text.as_bytes().to_vec(), 0o644));
    }
    host.reverse_listings = reverse;
    host
}

fn everything_image() -> Image {
    Image::from_dockerfile("svc/Dockerfile", &DockerfileOptions::default())
        .unwrap()
        .pip_install_from_requirements("app/reqs/main.txt", &pip())
        .unwrap()
        .env_file("proj/.env")
        .unwrap()
        .copy_local_dir("proj/src", Some("/srv"), &["*.log", "node_modules"])
        .unwrap()
        .copy_local_python_source(&["pkg", "helpers"])
        .unwrap()
        .add_local_dir::<&str>("proj/src", Some("/mnt/src"), &[])
        .unwrap()
        .add_local_python_source(&["pkg"])
        .unwrap()
}

#[test]
fn read_dir_order_changes_nothing() {
    let image = everything_image();
    let (forward, reverse) = (everything_host(false), everything_host(true));
    let a = ok(&image, &forward);
    let b = ok(&image, &reverse);
    assert_eq!(a, b);
    assert_eq!(tar_of(&image, &forward), tar_of(&image, &reverse));
    // The listing really was reversed.
    assert_ne!(
        block_on(forward.read_dir("proj/src")).unwrap(),
        block_on(reverse.read_dir("proj/src")).unwrap()
    );
}

#[test]
fn the_tar_is_byte_identical_across_runs() {
    let image = everything_image();
    let first = tar_of(&image, &everything_host(false));
    for _ in 0..3 {
        assert_eq!(tar_of(&image, &everything_host(false)), first);
    }
    // And the resolution's hashes too.
    let a = ok(&image, &everything_host(false));
    let b = ok(&image, &everything_host(false));
    assert_eq!((a.image_hash, a.spec_hash), (b.image_hash, b.spec_hash));
}

#[test]
fn build_context_fails_with_context_changed_when_a_file_changes() {
    // A copied folder's file is hashed (digestFile) during resolve, read (readFile) for the tar.
    let mut host = Wrapper::new(MemoryHost::with(&[
        ("src/a.py", "a\n"),
        ("src/b.py", "b\n"),
    ]));
    host.changing = "src/b.py".into();
    host.change_from_read = 1;
    let image = slim()
        .copy_local_dir::<&str>("src", Some("/app"), &[])
        .unwrap();
    assert!(block_on(resolve(&image, &host, &ResolveOptions::default())).is_ok());
    let e = block_on(build_context(&image, &host, &ResolveOptions::default()))
        .expect_err("changed file");
    assert_eq!(e.code, ErrorCode::ContextChanged, "{e}");
    assert!(e.message.contains("src/b.py"), "{e}");

    // A requirements file is read during resolve and again for the tar.
    let mut host = Wrapper::new(MemoryHost::with(&[
        ("req.txt", "-r more.txt\n"),
        ("more.txt", "flask\n"),
    ]));
    host.changing = "more.txt".into();
    host.change_from_read = 2;
    let image = slim()
        .pip_install_from_requirements("req.txt", &pip())
        .unwrap();
    let e = block_on(build_context(&image, &host, &ResolveOptions::default()))
        .expect_err("changed file");
    assert_eq!(e.code, ErrorCode::ContextChanged, "{e}");
    assert!(e.message.contains("more.txt"), "{e}");

    // A stable host builds fine.
    let host = MemoryHost::with(&[("req.txt", "-r more.txt\n"), ("more.txt", "flask\n")]);
    assert!(block_on(build_context(&image, &host, &ResolveOptions::default())).is_ok());
}
