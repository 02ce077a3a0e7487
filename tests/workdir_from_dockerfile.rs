//! After `fromDockerfile`, relative `workdir` and remote paths resolve against the Dockerfile's
//! last `WORKDIR` (of its last stage, carried through `FROM stage` chains as the engine carries
//! it), as Modal's chains mean them: the spec keeps them relative and resolution makes them
//! absolute (docs/api.md "Working directory"). A `WORKDIR` the text cannot pin (a variable,
//! quotes, a relative path on top of the base image's own) makes a relative step a coded error
//! naming its line; a Dockerfile without `WORKDIR` leaves `/root`, as on every other base.

#[path = "support/memory_host.rs"]
mod memory_host;

use apothic_image::resolve::{resolve, Resolution, ResolveOptions};
use apothic_image::{DebianSlimOptions, DockerfileOptions, Error, ErrorCode, Image, Step};
use memory_host::{block_on, MemoryHost};

fn from(dockerfile: &str) -> (Image, MemoryHost) {
    let host = MemoryHost::with(&[
        ("Dockerfile", dockerfile),
        ("a.txt", "a"),
        ("b.txt", "b"),
        ("d/x.py", "x"),
    ]);
    let image = Image::from_dockerfile("Dockerfile", &DockerfileOptions::default()).unwrap();
    (image, host)
}

fn ok(image: &Image, host: &MemoryHost) -> Resolution {
    block_on(resolve(image, host, &ResolveOptions::default()))
        .unwrap_or_else(|e| panic!("resolve failed: {e}"))
}

fn fail(image: &Image, host: &MemoryHost) -> Error {
    match block_on(resolve(image, host, &ResolveOptions::default())) {
        Ok(r) => panic!("expected an error, got:\n{}", r.dockerfile),
        Err(e) => e,
    }
}

/// The lines the steps added after the Dockerfile's own text.
fn added<'a>(r: &'a Resolution, dockerfile: &str) -> &'a str {
    r.dockerfile
        .strip_prefix(dockerfile)
        .unwrap_or_else(|| panic!("the Dockerfile is not kept as is:\n{}", r.dockerfile))
}

fn round_trips(image: &Image) {
    let json = serde_json::to_string(&image.to_spec()).unwrap();
    let back = Image::from_spec_json(&json).unwrap();
    assert_eq!(back.to_spec(), image.to_spec());
    assert_eq!(back.definition_hash(), image.definition_hash());
    assert_eq!(back.current_workdir(), image.current_workdir());
}

#[test]
fn a_relative_workdir_resolves_against_the_dockerfiles_workdir() {
    let dockerfile = "FROM python:3.12-slim\nWORKDIR /app\n";
    let (image, host) = from(dockerfile);
    let image = image.workdir("src").unwrap();
    // The spec keeps it relative: only resolution reads the Dockerfile.
    assert_eq!(
        image.to_spec().steps,
        [Step::Workdir { path: "src".into() }]
    );
    assert_eq!(image.current_workdir(), "src");
    assert_eq!(
        image.dockerfile().unwrap_err().code,
        ErrorCode::NeedsResolve
    );
    let r = ok(&image, &host);
    assert_eq!(added(&r, dockerfile), "WORKDIR /app/src\n");
    round_trips(&image);
}

#[test]
fn remote_paths_follow_the_same_workdir() {
    let dockerfile = "FROM python:3.12-slim\nWORKDIR /app\n";
    let (image, host) = from(dockerfile);
    let image = image
        .workdir("src")
        .unwrap()
        .copy_local_file("a.txt", None)
        .unwrap()
        .copy_local_dir("d", Some("out/"), &[] as &[&str])
        .unwrap()
        .copy_local_file("b.txt", Some("/etc/b.txt"))
        .unwrap()
        .add_local_file("b.txt", Some("conf/b.txt"))
        .unwrap()
        .add_local_dir("d", None, &[] as &[&str])
        .unwrap();
    let spec = image.to_spec();
    let remotes: Vec<&str> = spec
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::CopyLocalFile { remote, .. }
            | Step::CopyLocalDir { remote, .. }
            | Step::AddLocalFile { remote, .. }
            | Step::AddLocalDir { remote, .. } => Some(remote.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(remotes, ["a.txt", "out/d", "/etc/b.txt", "conf/b.txt", "d"]);
    round_trips(&image);

    let r = ok(&image, &host);
    assert_eq!(
        added(&r, dockerfile),
        "WORKDIR /app/src\n\
         COPY .apothic/steps/1/file /app/src/a.txt\n\
         COPY .apothic/steps/2/ /app/src/out/d/\n\
         COPY .apothic/steps/3/file /etc/b.txt\n"
    );
    let mounted: Vec<&str> = r
        .mounts
        .iter()
        .flat_map(|m| m.files.iter().map(|f| f.remote.as_str()))
        .collect();
    assert_eq!(mounted, ["/app/src/conf/b.txt", "/app/src/d/x.py"]);
}

#[test]
fn relative_workdirs_chain_and_an_absolute_one_ends_the_chain() {
    let dockerfile = "FROM python:3.12-slim\nWORKDIR /app\n";
    let (image, host) = from(dockerfile);
    let image = image
        .workdir("./src/")
        .unwrap()
        .workdir("lib")
        .unwrap()
        .workdir("../..")
        .unwrap()
        .workdir("..")
        .unwrap()
        .workdir("/srv")
        .unwrap()
        .workdir("x")
        .unwrap()
        .copy_local_file("a.txt", None)
        .unwrap();
    // Relative to the working directory before each (cleaned); absolute from `/srv` on.
    let spec = image.to_spec();
    let paths: Vec<&str> = spec
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::Workdir { path } => Some(path.as_str()),
            Step::CopyLocalFile { remote, .. } => Some(remote.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        paths,
        [
            "src",
            "lib",
            "../..",
            "..",
            "/srv",
            "/srv/x",
            "/srv/x/a.txt"
        ]
    );
    round_trips(&image);
    let r = ok(&image, &host);
    assert_eq!(
        added(&r, dockerfile),
        "WORKDIR /app/src\nWORKDIR /app/src/lib\nWORKDIR /app\nWORKDIR /\nWORKDIR /srv\nWORKDIR /srv/x\n\
         COPY .apothic/steps/6/file /srv/x/a.txt\n"
    );
}

#[test]
fn the_last_stage_carries_workdir_through_from_stage_chains() {
    let dockerfile = "FROM alpine AS build\nWORKDIR /build\n\
                      FROM build AS test\nWORKDIR sub\n\
                      FROM python:3.12-slim AS other\nWORKDIR /other\n\
                      FROM TEST\nRUN true\n";
    let (image, host) = from(dockerfile);
    let r = ok(&image.workdir("src").unwrap(), &host);
    assert_eq!(added(&r, dockerfile), "WORKDIR /build/sub/src\n");

    // A last stage on an outside image starts from no WORKDIR: an earlier stage's does not
    // reach it.
    let dockerfile = "FROM alpine AS build\nWORKDIR /build\nFROM python:3.12-slim\nRUN true\n";
    let (image, host) = from(dockerfile);
    let r = ok(&image.workdir("src").unwrap(), &host);
    assert_eq!(added(&r, dockerfile), "WORKDIR /root/src\n");
}

#[test]
fn without_a_workdir_relative_paths_resolve_against_root() {
    let dockerfile = "FROM python:3.12-slim\nRUN true\n";
    let (image, host) = from(dockerfile);
    let image = image
        .copy_local_file("a.txt", None)
        .unwrap()
        .workdir("src")
        .unwrap();
    let r = ok(&image, &host);
    assert_eq!(
        added(&r, dockerfile),
        "COPY .apothic/steps/0/file /root/a.txt\nWORKDIR /root/src\n"
    );
}

#[test]
fn a_dockerfile_without_from_is_one_stage_with_its_workdir_and_shell() {
    let text = "SHELL [\"/bin/bash\", \"-c\"]\nWORKDIR /app\n";
    let (image, host) = from(text);
    let image = image
        .workdir("src")
        .unwrap()
        .run_commands(&["echo a\necho b"])
        .unwrap();
    let r = ok(&image, &host);
    assert_eq!(
        added(&r, &format!("FROM python:3.11-slim\n{text}")),
        "WORKDIR /app/src\nRUN [\"/bin/bash\",\"-c\",\"echo a\\necho b\"]\n"
    );
}

#[test]
fn a_workdir_with_a_variable_refuses_relative_steps_naming_its_line() {
    for (value, why) in [
        ("$HOME/app", "variable"),
        ("${APP_DIR}", "variable"),
        ("\"/my app\"", "quotes"),
        ("/a\\ b", "`\\`"),
    ] {
        let dockerfile =
            format!("FROM python:3.12-slim\nARG APP_DIR=/x\n\nWORKDIR {value}\nRUN true\n");
        let (image, host) = from(&dockerfile);
        let e = fail(
            &image
                .pip_install(&["rich"], &Default::default())
                .unwrap()
                .workdir("src")
                .unwrap(),
            &host,
        );
        assert_eq!(e.code, ErrorCode::InvalidPath, "{e}");
        assert_eq!(e.argument.as_deref(), Some("steps[1].path"), "{e}");
        assert_eq!(e.file.as_deref(), Some("Dockerfile"), "{e}");
        assert_eq!(e.position.map(|p| p.line), Some(4), "{e}");
        assert!(e.message.contains(&format!("WORKDIR {value}")), "{e}");
        assert!(e.message.contains(why), "{e}");
        assert!(e.message.contains("absolute"), "{e}");

        let e = fail(&image.copy_local_file("a.txt", None).unwrap(), &host);
        assert_eq!(e.argument.as_deref(), Some("steps[0].remote"), "{e}");
        assert_eq!(e.position.map(|p| p.line), Some(4), "{e}");

        // Absolute paths do not need it, and an absolute workdir step ends the doubt.
        let image = image
            .copy_local_file("a.txt", Some("/opt/a.txt"))
            .unwrap()
            .workdir("/srv")
            .unwrap()
            .workdir("src")
            .unwrap();
        let r = ok(&image, &host);
        assert_eq!(
            added(&r, &dockerfile),
            "COPY .apothic/steps/0/file /opt/a.txt\nWORKDIR /srv\nWORKDIR /srv/src\n"
        );
    }
}

#[test]
fn a_relative_workdir_on_the_base_images_own_is_refused_too() {
    let dockerfile = "FROM python:3.12-slim\nWORKDIR app\nWORKDIR sub\n";
    let (image, host) = from(dockerfile);
    let e = fail(&image.workdir("src").unwrap(), &host);
    assert_eq!(e.code, ErrorCode::InvalidPath, "{e}");
    assert_eq!(e.position.map(|p| p.line), Some(2), "{e}");
    assert!(e.message.contains("base image's own WORKDIR"), "{e}");

    // After an absolute one, a relative WORKDIR joins it, as the engine does.
    let dockerfile = "FROM python:3.12-slim\nWORKDIR app\nWORKDIR /opt//x/\nWORKDIR ../y\n";
    let (image, host) = from(dockerfile);
    let r = ok(&image.workdir("src").unwrap(), &host);
    assert_eq!(added(&r, dockerfile), "WORKDIR /opt/y/src\n");
}

#[test]
fn a_remote_that_lands_on_the_root_takes_the_local_name_or_is_refused() {
    let dockerfile = "FROM python:3.12-slim\nWORKDIR /app\n";
    let (image, host) = from(dockerfile);
    let r = ok(&image.copy_local_file("a.txt", Some("..")).unwrap(), &host);
    assert_eq!(added(&r, dockerfile), "COPY .apothic/steps/0/file /a.txt\n");

    // `.` has no name: what the builder refuses on an absolute workdir, resolution refuses here.
    let e = fail(
        &image
            .copy_local_dir(".", Some(".."), &[] as &[&str])
            .unwrap(),
        &host,
    );
    assert_eq!(e.code, ErrorCode::InvalidPath, "{e}");
    assert_eq!(e.argument.as_deref(), Some("steps[0].remote"), "{e}");
    let slim = Image::debian_slim(&DebianSlimOptions::default())
        .unwrap()
        .workdir("/app")
        .unwrap();
    let e = slim
        .copy_local_dir(".", Some(".."), &[] as &[&str])
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidPath, "{e}");
}

#[test]
fn other_bases_keep_absolute_paths_in_the_spec() {
    let slim = Image::debian_slim(&DebianSlimOptions::default())
        .unwrap()
        .workdir("src")
        .unwrap()
        .copy_local_file("a.txt", None)
        .unwrap();
    assert_eq!(
        slim.to_spec().steps,
        [
            Step::Workdir {
                path: "/root/src".into()
            },
            Step::CopyLocalFile {
                local: "a.txt".into(),
                remote: "/root/src/a.txt".into()
            }
        ]
    );
    // A relative path in a spec for another base means what it always meant: relative to
    // `/root` and the workdir steps before it, stored absolute.
    let json = r#"{"version":1,"base":{"op":"debianSlim","pythonVersion":"3.12"},
        "steps":[{"op":"workdir","path":"src"},{"op":"workdir","path":"lib"}]}"#;
    let image = Image::from_spec_json(json).unwrap();
    assert_eq!(image.current_workdir(), "/root/src/lib");
}

#[test]
fn the_image_hash_follows_the_dockerfiles_workdir() {
    let one = from("FROM python:3.12-slim\nWORKDIR /app\n");
    let two = from("FROM python:3.12-slim\nWORKDIR /srv\n");
    let image = one.0.workdir("src").unwrap();
    let (r1, r2) = (ok(&image, &one.1), ok(&image, &two.1));
    assert_ne!(r1.image_hash, r2.image_hash);
    assert!(r2.dockerfile.ends_with("WORKDIR /srv/src\n"));
}
