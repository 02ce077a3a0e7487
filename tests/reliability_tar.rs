//! Reliability (issue 13, holes 9 and 10): the build-context tar is safe and readable by every
//! extractor.
//!
//! - Hole 9: a name that needs a PAX `path` record still gets a ustar name, which extractors that
//!   ignore PAX use. It must never be empty, absolute or hold a `.`/`..` segment, whatever the
//!   real name is (`..é/..é/evil.txt` once became `../../evil.txt`). Checked on the raw headers,
//!   by really extracting with GNU tar told to ignore the PAX `path` keyword
//!   (`--pax-option=delete=path`, which GNU tar applies when reading too), and with GNU tar as is.
//! - Hole 10: a file that is also a folder (`Dockerfile` and `Dockerfile/x`) is refused by the tar
//!   writer, and a `fromDockerfile` context with a folder where the engine reads a file
//!   (`Dockerfile`, `.dockerignore`, `Dockerfile.dockerignore`) is a coded error naming it.

#[path = "support/memory_host.rs"]
mod memory_host;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use apothic_image::resolve::context_tar::{self, TarEntry};
use apothic_image::resolve::{build_context, resolve, ResolveOptions};
use apothic_image::{DockerfileOptions, ErrorCode, Image};
use memory_host::{block_on, MemoryHost};

/// Names of every shape a stand-in must survive: non-ASCII next to dots, whole segments of
/// non-ASCII, `%`, and names longer than the 100-byte ustar field cut inside a segment of dots.
fn hostile_names() -> Vec<String> {
    let mut names: Vec<String> = [
        "..é/..é/evil.txt",
        "é/abs.txt",
        "ü",
        "é/é",
        ".é",
        "é.",
        "..ü",
        "é..",
        "...é",
        ".é./x",
        "a/é/b",
        "a/..é/b",
        "%C3%A9/é",
        "日本語/...",
        "x/\u{85}/y",
    ]
    .map(String::from)
    .to_vec();
    // Cuts at byte 100 that leave `.`, `..`, a trailing `/` or half a character.
    for pad in 95..=100 {
        let head = "a".repeat(pad);
        names.push(format!("{head}/..é"));
        names.push(format!("{head}/...."));
        names.push(format!("{head}/.é"));
        names.push(format!("{head}é/x"));
        names.push(format!("{}/x", "é".repeat(pad / 2)));
    }
    names.push(format!("{}/..é", "a".repeat(200)));
    names.sort();
    names.dedup();
    names
}

/// The stand-in folders (`d`) and files (`f`) of the hostile names, in one tar.
fn hostile_tar(names: &[String]) -> Vec<u8> {
    let mut entries = Vec::new();
    for name in names {
        let parents: Vec<&str> = name.match_indices('/').map(|(i, _)| &name[..i]).collect();
        entries.extend(parents.into_iter().map(|path| TarEntry::Dir { path }));
        entries.push(TarEntry::File {
            path: name,
            mode: 0o644,
            data: name.as_bytes(),
        });
    }
    context_tar::write(entries).expect("a valid tar")
}

/// The ustar name field of every header that is not a PAX record, read from the raw bytes.
fn ustar_names(tar: &[u8]) -> Vec<(u8, String)> {
    let mut names = Vec::new();
    let mut pos = 0;
    while pos + 512 <= tar.len() && tar[pos..pos + 512] != [0; 512] {
        let header = &tar[pos..pos + 512];
        let end = header[..100].iter().position(|&b| b == 0).unwrap_or(100);
        let size = usize::from_str_radix(
            std::str::from_utf8(&header[124..135])
                .unwrap()
                .trim_matches('\0'),
            8,
        )
        .unwrap();
        if header[156] != b'x' {
            let name = String::from_utf8(header[..end].to_vec()).expect("stand-ins are ASCII");
            names.push((header[156], name));
        }
        pos += 512 + size.div_ceil(512) * 512;
    }
    names
}

#[test]
fn ustar_stand_ins_are_never_dot_dot_empty_or_absolute() {
    let names = hostile_names();
    let tar = hostile_tar(&names);
    let stand_ins = ustar_names(&tar);
    assert!(stand_ins.len() > names.len(), "files and folders");
    for (typeflag, name) in &stand_ins {
        assert!(name.is_ascii(), "{name:?}");
        let trimmed = name.strip_suffix('/').filter(|_| *typeflag == b'5');
        let path = trimmed.unwrap_or(name);
        assert!(!path.is_empty(), "an empty stand-in");
        assert!(!path.starts_with('/'), "an absolute stand-in: {name:?}");
        for segment in path.split('/') {
            assert!(
                !matches!(segment, "" | "." | ".."),
                "stand-in {name:?} has the segment {segment:?}"
            );
        }
    }
}

#[test]
fn ustar_stand_ins_keep_every_character_as_an_escape() {
    let tar = hostile_tar(&["..é/..é/evil.txt".into(), "é/abs.txt".into()]);
    let files: Vec<String> = ustar_names(&tar)
        .into_iter()
        .filter(|(t, _)| *t == b'0')
        .map(|(_, n)| n)
        .collect();
    assert_eq!(files, ["..%C3%A9/..%C3%A9/evil.txt", "%C3%A9/abs.txt"]);
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// A fresh, empty folder three levels below a fresh temporary folder, so an entry that climbs
/// out (`../../x`) still lands where the test can see it.
fn scratch() -> (PathBuf, PathBuf) {
    let root = std::env::temp_dir().join(format!(
        "apothic-reliability-tar-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&root);
    let dest = root.join("a/b/dest");
    std::fs::create_dir_all(&dest).unwrap();
    (root, dest)
}

/// Every regular file under `dir`, relative to it, with its contents.
fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.push((rel, std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// Extracts `tar` with GNU tar and the extra arguments into a scratch folder; returns the
/// scratch root, the destination, tar's stderr and whether it succeeded.
fn gnu_tar_extract(tar: &[u8], args: &[&str]) -> (PathBuf, PathBuf, String, bool) {
    let (root, dest) = scratch();
    let archive = root.join("context.tar");
    std::fs::write(&archive, tar).unwrap();
    let output = Command::new("tar")
        .args(args)
        .arg("-xf")
        .arg(&archive)
        .arg("-C")
        .arg(&dest)
        .output()
        .expect("GNU tar runs");
    std::fs::remove_file(&archive).unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (root, dest, stderr, output.status.success())
}

#[test]
fn gnu_tar_ignoring_pax_paths_extracts_inside_the_folder() {
    let names = hostile_names();
    let tar = hostile_tar(&names);
    let (root, dest, stderr, ok) = gnu_tar_extract(&tar, &["--pax-option=delete=path"]);
    // GNU tar would strip a leading `/` or skip a `..` member with a warning: none may come.
    assert!(ok && stderr.is_empty(), "GNU tar complained: {stderr}");
    let everything = files_under(&root);
    let inside = files_under(&dest);
    assert_eq!(everything.len(), inside.len(), "a file landed outside");
    assert!(
        inside.contains(&(
            "..%C3%A9/..%C3%A9/evil.txt".into(),
            b"..\xc3\xa9/..\xc3\xa9/evil.txt".to_vec()
        )),
        "{inside:?}"
    );
    assert!(
        inside.contains(&("%C3%A9/abs.txt".into(), "é/abs.txt".as_bytes().to_vec())),
        "{inside:?}"
    );
    std::fs::remove_dir_all(root).unwrap();
}

#[test]
fn gnu_tar_extracts_the_real_names() {
    let names = hostile_names();
    let tar = hostile_tar(&names);
    let (root, dest, stderr, ok) = gnu_tar_extract(&tar, &[]);
    assert!(ok && stderr.is_empty(), "GNU tar complained: {stderr}");
    let mut expected: Vec<(String, Vec<u8>)> = names
        .iter()
        .map(|n| (n.clone(), n.as_bytes().to_vec()))
        .collect();
    expected.sort();
    assert_eq!(files_under(&dest), expected);
    assert_eq!(files_under(&root).len(), expected.len());
    std::fs::remove_dir_all(root).unwrap();
}

fn file<'a>(path: &'a str, data: &'a [u8]) -> TarEntry<'a> {
    TarEntry::File {
        path,
        mode: 0o644,
        data,
    }
}

#[test]
fn the_writer_refuses_a_file_that_is_also_a_folder() {
    for entries in [
        vec![file("Dockerfile", b"FROM x\n"), file("Dockerfile/x", b"x")],
        vec![file("a/b", b"1"), file("a/b/c/d", b"2")],
        vec![file("a", b"1"), TarEntry::Dir { path: "a/b" }],
        vec![file("a", b"1"), TarEntry::Dir { path: "a" }],
        vec![file("a", b"1"), file("a", b"2")],
    ] {
        let shown = format!("{entries:?}");
        let error = context_tar::write(entries).expect_err(&shown);
        assert_eq!(error.code, ErrorCode::InvalidPath, "{shown}: {error}");
        assert!(error.message.contains('a') || error.message.contains("Dockerfile"));
    }
    // Look-alikes are no conflict: `a.txt` and `a-b` sort between `a` and `a/…`.
    let tar = context_tar::write(vec![
        file("a", b"1"),
        file("a.txt", b"2"),
        file("a-b/c", b"3"),
        TarEntry::Dir { path: "a-b" },
        file("ab", b"4"),
        file("a", b"1"),
    ])
    .expect("no conflict");
    let (root, dest, stderr, ok) = gnu_tar_extract(&tar, &[]);
    assert!(ok && stderr.is_empty(), "{stderr}");
    assert_eq!(files_under(&dest).len(), 4);
    std::fs::remove_dir_all(root).unwrap();
}

#[test]
fn the_writer_refuses_paths_that_are_not_plain_relative_paths() {
    for path in [
        "", "/abs", "a//b", "./a", "a/.", "a/../b", "..", "a/", "a\0b",
    ] {
        let error = context_tar::write(vec![file(path, b"x")]).expect_err(path);
        assert_eq!(error.code, ErrorCode::InvalidPath, "{path:?}: {error}");
        let error = context_tar::write(vec![TarEntry::Dir { path }]).expect_err(path);
        assert_eq!(error.code, ErrorCode::InvalidPath, "{path:?}: {error}");
    }
}

/// A context `.` whose Dockerfile sits beside it as `build.Dockerfile`, so the context may hold
/// anything named `Dockerfile`.
fn dockerfile_context(extra: &[(&str, &str)]) -> MemoryHost {
    let mut files = vec![
        ("build.Dockerfile", "FROM python:3.12-slim\nCOPY . /app/\n"),
        ("app.py", "print(1)\n"),
    ];
    files.extend_from_slice(extra);
    MemoryHost::with(&files)
}

fn from_dockerfile() -> Image {
    let options = DockerfileOptions {
        context_dir: Some(".".into()),
        base: None,
    };
    Image::from_dockerfile("build.Dockerfile", &options).unwrap()
}

#[test]
fn a_folder_where_the_engine_reads_a_file_is_refused() {
    for (path, folder) in [
        ("Dockerfile/x", "Dockerfile"),
        (".dockerignore/x", ".dockerignore"),
        ("Dockerfile.dockerignore/deep/x", "Dockerfile.dockerignore"),
    ] {
        let host = dockerfile_context(&[(path, "x\n")]);
        let error = block_on(resolve(
            &from_dockerfile(),
            &host,
            &ResolveOptions::default(),
        ))
        .expect_err(path);
        assert_eq!(error.code, ErrorCode::InvalidPath, "{path}: {error}");
        assert!(
            error.message.contains(&format!("\"{folder}\"")),
            "{path}: the message names the folder: {error}"
        );
    }
}

#[test]
fn a_from_dockerfile_context_extracts_with_gnu_tar() {
    // The engine's own file names as files, and look-alike folders, are fine.
    let host = dockerfile_context(&[
        ("Dockerfile", "FROM replaced\n"),
        (".dockerignore", "secret\n"),
        ("secret", "s\n"),
        ("Dockerfiles/x", "x\n"),
        ("sub/Dockerfile/y", "y\n"),
        ("é/..é/z", "z\n"),
    ]);
    let (resolution, tar) = block_on(build_context(
        &from_dockerfile(),
        &host,
        &ResolveOptions::default(),
    ))
    .expect("resolves");
    let (root, dest, stderr, ok) = gnu_tar_extract(&tar, &[]);
    assert!(ok && stderr.is_empty(), "{stderr}");
    let names: Vec<String> = files_under(&dest).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "Dockerfile",
            "Dockerfiles/x",
            "app.py",
            "build.Dockerfile",
            "sub/Dockerfile/y",
            "é/..é/z"
        ]
    );
    assert_eq!(
        std::fs::read_to_string(dest.join("Dockerfile")).unwrap(),
        resolution.dockerfile
    );
    std::fs::remove_dir_all(root).unwrap();
}
