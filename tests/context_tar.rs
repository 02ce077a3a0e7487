//! The build-context tar read back by an independent reader, Python's `tarfile` (run as a
//! subprocess): every member's name, type, mode, size, mtime, owner and contents; the order
//! documented in src/context_tar.rs (sorted by path, folders before their contents); long and
//! non-ASCII paths (PAX); a folder of 1,000 files. The script also walks the raw 512-byte headers
//! itself (magic, checksum, padding, end-of-archive blocks), because `tarfile` stops silently at a
//! bad header that is not the first one.

#[path = "support/memory_host.rs"]
mod memory_host;

use std::io::Write;
use std::process::{Command, Stdio};

use apothic_image::hash::sha256_hex;
use apothic_image::resolve::context_tar::{self, TarEntry};
use apothic_image::resolve::{build_context, Resolution, ResolveOptions};
use apothic_image::{DebianSlimOptions, Image, PipOptions};
use memory_host::{block_on, MemoryHost};
use serde_json::Value;

/// Reads a tar from stdin with `tarfile` (member names decoded with `argv[1]`) and prints JSON:
/// the members, where `tarfile` saw the end, and an independent walk of the raw headers.
const READER: &str = r#"
import hashlib, io, json, sys, tarfile
data = sys.stdin.buffer.read()
encoding = sys.argv[1]
out = {"size": len(data), "members": [], "raw": []}
with tarfile.open(fileobj=io.BytesIO(data), mode="r:", encoding=encoding, errors="strict") as tf:
    for m in tf.getmembers():
        body = tf.extractfile(m).read() if m.isreg() else b""
        out["members"].append({
            "name": m.name, "type": m.type.decode("ascii"), "mode": m.mode, "size": m.size,
            "mtime": m.mtime, "uid": m.uid, "gid": m.gid, "uname": m.uname, "gname": m.gname,
            "linkname": m.linkname, "pax": m.pax_headers,
            "sha256": "sha256:" + hashlib.sha256(body).hexdigest(), "read": len(body),
        })
    out["end"] = tf.offset
pos = 0
while pos + 512 <= len(data):
    h = data[pos:pos + 512]
    if h == bytes(512):
        break
    stored = int(h[148:156].replace(b"\0", b" ").strip() or b"0", 8)
    computed = sum(h[:148]) + 8 * 32 + sum(h[156:])
    size = int(h[124:136].replace(b"\0", b" ").strip() or b"0", 8)
    out["raw"].append({
        "type": chr(h[156]), "magic": h[257:263].hex(), "version": h[263:265].hex(),
        "checksum_ok": stored == computed, "size": size,
        "name_is_ascii": all(b < 128 for b in h[:100]),
    })
    pos += 512 + (size + 511) // 512 * 512
out["trailer_at"] = pos
out["trailer_len"] = len(data) - pos
out["trailer_zero"] = data[pos:] == bytes(len(data) - pos)
print(json.dumps(out))
"#;

fn python_read(tar: &[u8], encoding: &str) -> Value {
    let mut child = Command::new("python3")
        .args(["-c", READER, encoding])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child.stdin.take().unwrap().write_all(tar).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "python's tarfile rejected the archive:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the reader prints JSON")
}

/// Checks what every member and header of every context tar must satisfy, and returns the
/// members.
fn read_back(tar: &[u8]) -> Vec<Value> {
    read_back_with(tar, "utf-8")
}

fn read_back_with(tar: &[u8], encoding: &str) -> Vec<Value> {
    assert_eq!(tar.len() % 512, 0, "a tar is made of 512-byte blocks");
    let out = python_read(tar, encoding);
    let members = out["members"].as_array().unwrap().clone();
    for m in &members {
        let name = m["name"].as_str().unwrap();
        assert_eq!(m["mtime"], 0, "{name}: mtime");
        assert_eq!(
            (&m["uid"], &m["gid"]),
            (&Value::from(0), &Value::from(0)),
            "{name}: owner"
        );
        assert_eq!(
            (&m["uname"], &m["gname"]),
            (&Value::from(""), &Value::from("")),
            "{name}: owner names"
        );
        assert!(
            matches!(m["type"].as_str(), Some("0" | "5")),
            "{name}: only files and folders: {m}"
        );
        assert_eq!(m["linkname"], "", "{name}");
        if m["type"] == "5" {
            assert_eq!(m["mode"], 0o755, "{name}: folder mode");
            assert_eq!(m["size"], 0, "{name}: folder size");
        } else {
            assert_eq!(m["read"], m["size"], "{name}: the whole body is there");
        }
    }
    for raw in out["raw"].as_array().unwrap() {
        assert_eq!(raw["checksum_ok"], true, "header checksum: {raw}");
        assert_eq!(
            raw["magic"], "757374617200",
            "POSIX ustar magic \"ustar\\0\": {raw}"
        );
        assert_eq!(raw["version"], "3030", "ustar version \"00\": {raw}");
        assert!(
            matches!(raw["type"].as_str(), Some("0" | "5" | "x")),
            "{raw}"
        );
    }
    // tarfile read every header up to the end-of-archive blocks, which are all zero.
    assert_eq!(
        out["end"], out["trailer_at"],
        "tarfile stopped before the end: {out}"
    );
    assert_eq!(out["trailer_len"], 1024, "two zero blocks end the archive");
    assert_eq!(out["trailer_zero"], true);
    members
}

fn names(members: &[Value]) -> Vec<&str> {
    members
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect()
}

fn member<'a>(members: &'a [Value], name: &str) -> &'a Value {
    members
        .iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("{name} is not in the tar: {:?}", names(members)))
}

fn build(image: &Image, host: &MemoryHost) -> (Resolution, Vec<u8>) {
    block_on(build_context(image, host, &ResolveOptions::default()))
        .unwrap_or_else(|e| panic!("build_context failed: {e}"))
}

/// Names sorted by path, each folder before what it holds (src/context_tar.rs).
fn assert_documented_order(names: &[&str]) {
    let mut sorted = names.to_vec();
    sorted.sort_unstable();
    assert_eq!(names, sorted, "members are sorted by path");
    for (i, name) in names.iter().enumerate() {
        if let Some((parent, _)) = name.rsplit_once('/') {
            let at = names.iter().position(|n| *n == parent);
            assert!(
                at.is_some_and(|at| at < i),
                "{parent} comes before {name}: {names:?}"
            );
        }
    }
}

#[test]
fn build_context_reads_back_member_by_member() {
    let mut host = MemoryHost::with(&[
        ("req/requirements.txt", "-r base.txt\nflask\n"),
        ("req/base.txt", "requests\n"),
        ("proj/src/app.py", "print('app')\n"),
    ])
    .file(
        "proj/src/bin/run.sh",
        b"#!/bin/sh\nexec python /app/app.py\n",
        0o755,
    )
    .file("proj/config.yaml", b"secret: 1\n", 0o600)
    .file(
        "proj/src/blob.bin",
        &(0..=255u8).cycle().take(1537).collect::<Vec<u8>>(),
        0o644,
    );
    host.dirs.push("proj/src/empty".into());
    let image = Image::debian_slim(&DebianSlimOptions::default())
        .unwrap()
        .pip_install_from_requirements("req/requirements.txt", &PipOptions::default())
        .unwrap()
        .copy_local_dir::<&str>("proj/src", Some("/app"), &[])
        .unwrap()
        .copy_local_file("proj/config.yaml", Some("/etc/app/config.yaml"))
        .unwrap();
    let (resolution, tar) = build(&image, &host);
    let members = read_back(&tar);
    assert_eq!(
        names(&members),
        [
            ".apothic",
            ".apothic/steps",
            ".apothic/steps/0",
            ".apothic/steps/0/base.txt",
            ".apothic/steps/0/requirements.txt",
            ".apothic/steps/1",
            ".apothic/steps/1/app.py",
            ".apothic/steps/1/bin",
            ".apothic/steps/1/bin/run.sh",
            ".apothic/steps/1/blob.bin",
            ".apothic/steps/1/empty",
            ".apothic/steps/2",
            ".apothic/steps/2/file",
            "Dockerfile",
        ]
    );
    assert_documented_order(&names(&members));

    let dockerfile = member(&members, "Dockerfile");
    assert_eq!(dockerfile["type"], "0");
    assert_eq!(dockerfile["mode"], 0o644);
    assert_eq!(dockerfile["size"], resolution.dockerfile.len());
    assert_eq!(
        dockerfile["sha256"],
        sha256_hex(resolution.dockerfile.as_bytes())
    );

    for file in &resolution.context {
        let m = member(&members, &file.path);
        assert_eq!(m["type"], "0", "{}", file.path);
        assert_eq!(m["mode"], file.mode, "{}", file.path);
        assert_eq!(m["size"], file.size, "{}", file.path);
        assert_eq!(m["sha256"], file.sha256, "{}", file.path);
        assert_eq!(
            m["sha256"],
            sha256_hex(&host.files[&file.source].0),
            "{}",
            file.path
        );
    }
    assert_eq!(
        member(&members, ".apothic/steps/1/bin/run.sh")["mode"],
        0o755
    );
    assert_eq!(member(&members, ".apothic/steps/2/file")["mode"], 0o600);
    assert_eq!(member(&members, ".apothic/steps/1/blob.bin")["size"], 1537);
    assert_eq!(member(&members, ".apothic/steps/1/empty")["type"], "5");
    // Exactly the context's files, its folders and the Dockerfile.
    assert_eq!(
        members.len(),
        resolution.context.len() + resolution.context_dirs.len() + 1
    );
}

#[test]
fn tar_written_in_any_order_reads_back_sorted_with_folders_first() {
    let entries = vec![
        TarEntry::File {
            path: "a/x",
            mode: 0o644,
            data: b"x",
        },
        TarEntry::File {
            path: "a.txt",
            mode: 0o644,
            data: b"t",
        },
        TarEntry::Dir { path: "a/b" },
        TarEntry::File {
            path: "a-b",
            mode: 0o644,
            data: b"-",
        },
        TarEntry::File {
            path: "a/b/c",
            mode: 0o640,
            data: b"c",
        },
        TarEntry::File {
            path: "Dockerfile",
            mode: 0o644,
            data: b"FROM scratch\n",
        },
        TarEntry::Dir { path: "a" },
        TarEntry::File {
            path: "B",
            mode: 0o755,
            data: b"",
        },
    ];
    let members = read_back(&context_tar::write(entries).expect("a valid tar"));
    assert_eq!(
        names(&members),
        [
            "B",
            "Dockerfile",
            "a",
            "a-b",
            "a.txt",
            "a/b",
            "a/b/c",
            "a/x"
        ]
    );
    assert_documented_order(&names(&members));
    assert_eq!(member(&members, "a/b/c")["mode"], 0o640);
    assert_eq!(member(&members, "B")["mode"], 0o755);
    assert_eq!(member(&members, "B")["size"], 0);
}

#[test]
fn long_paths_survive() {
    let deep_dir = (0..30)
        .map(|i| format!("folder{i:02}"))
        .collect::<Vec<_>>()
        .join("/");
    let paths = [
        "p".repeat(99),
        "q".repeat(100),
        "r".repeat(101),
        format!("{}/{}", "s".repeat(120), "t".repeat(130)),
        format!("{deep_dir}/file.txt"),
        "u".repeat(4000),
    ];
    let dirs = ["d".repeat(99), "e".repeat(100), deep_dir.clone()];
    let mut entries: Vec<TarEntry> = paths
        .iter()
        .map(|p| TarEntry::File {
            path: p,
            mode: 0o644,
            data: p.as_bytes(),
        })
        .collect();
    entries.extend(dirs.iter().map(|d| TarEntry::Dir { path: d }));
    let mut parents: Vec<String> = Vec::new();
    for p in paths.iter().chain(&dirs) {
        for (at, _) in p.match_indices('/') {
            parents.push(p[..at].to_string());
        }
    }
    entries.extend(parents.iter().map(|d| TarEntry::Dir { path: d }));
    let members = read_back(&context_tar::write(entries).expect("a valid tar"));
    for p in &paths {
        let m = member(&members, p);
        assert_eq!(m["type"], "0", "{p}");
        assert_eq!(m["sha256"], sha256_hex(p.as_bytes()), "{p}");
    }
    for d in &dirs {
        assert_eq!(member(&members, d)["type"], "5", "{d}");
    }
    assert_documented_order(&names(&members));
}

#[test]
fn long_paths_from_a_resolved_folder_survive() {
    let nested = format!(
        "proj/{}/{}/module_with_a_rather_long_name.py",
        "a".repeat(60),
        "b".repeat(60)
    );
    let host = MemoryHost::with(&[(nested.as_str(), "x = 1\n")]);
    let image = Image::debian_slim(&DebianSlimOptions::default())
        .unwrap()
        .copy_local_dir::<&str>("proj", Some("/srv"), &[])
        .unwrap();
    let (_, tar) = build(&image, &host);
    let members = read_back(&tar);
    let inside = format!(".apothic/steps/0/{}", nested.strip_prefix("proj/").unwrap());
    assert!(inside.len() > 100);
    assert_eq!(member(&members, &inside)["sha256"], sha256_hex(b"x = 1\n"));
}

const NON_ASCII: [&str; 6] = [
    "données/résumé.txt",
    "日本語/ファイル.py",
    "emoji/😀.txt",
    "combining/e\u{301}.txt",
    "ελληνικά",
    // 60 two-byte characters: 120 bytes, so the ustar name field cannot hold it whole.
    "éééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé",
];

fn non_ascii_tar() -> Vec<u8> {
    let mut entries: Vec<TarEntry> = NON_ASCII
        .iter()
        .map(|p| TarEntry::File {
            path: p,
            mode: 0o644,
            data: p.as_bytes(),
        })
        .collect();
    entries.extend(["données", "日本語", "emoji", "combining"].map(|d| TarEntry::Dir { path: d }));
    context_tar::write(entries).expect("a valid tar")
}

#[test]
fn non_ascii_names_survive() {
    let members = read_back(&non_ascii_tar());
    for p in NON_ASCII {
        assert_eq!(
            member(&members, p)["sha256"],
            sha256_hex(p.as_bytes()),
            "{p}"
        );
    }
    assert_documented_order(&names(&members));

    // Through resolve too.
    let host = MemoryHost::with(&[("src/données/résumé.txt", "r"), ("src/日本語.py", "j")]);
    let image = Image::debian_slim(&DebianSlimOptions::default())
        .unwrap()
        .copy_local_dir::<&str>("src", Some("/app"), &[])
        .unwrap();
    let (_, tar) = build(&image, &host);
    let members = read_back(&tar);
    assert_eq!(
        member(&members, ".apothic/steps/0/données/résumé.txt")["sha256"],
        sha256_hex(b"r")
    );
    assert_eq!(
        member(&members, ".apothic/steps/0/日本語.py")["sha256"],
        sha256_hex(b"j")
    );
}

#[test]
fn non_ascii_names_are_carried_in_pax_records() {
    // ustar name fields have no declared encoding (POSIX: the portable file name character set),
    // so a reader decodes them with its locale's encoding; PAX `path` records are UTF-8 by
    // definition. Go's archive/tar and Python's PAX writer put every non-ASCII name in a PAX
    // record. Read here as a reader in a Latin-1 locale would: only PAX names come out right.
    let members = read_back_with(&non_ascii_tar(), "latin-1");
    for p in NON_ASCII {
        let m = members
            .iter()
            .find(|m| m["sha256"] == sha256_hex(p.as_bytes()))
            .expect(p);
        assert_eq!(m["name"], p, "{p} read with a Latin-1 locale: {m}");
        assert_eq!(m["pax"]["path"], p, "{p} has a PAX path record: {m}");
    }
}

#[test]
fn a_folder_of_1000_files() {
    let mut host = MemoryHost::default();
    let mut expected = Vec::new();
    for i in 0..1000usize {
        let path = format!("big/part{:02}/file{i:04}.dat", i % 10);
        // Sizes around block boundaries: 0, 511, 512, 513, 1024, …
        let size = [0, 1, 511, 512, 513, 1024, 1025, 4096][i % 8] + i / 8;
        let data: Vec<u8> = (0..size).map(|k| (k * 31 + i) as u8).collect();
        let mode = if i % 7 == 0 { 0o755 } else { 0o644 };
        host = host.file(&path, &data, mode);
        expected.push((
            format!(".apothic/steps/0/{}", path.strip_prefix("big/").unwrap()),
            sha256_hex(&data),
            size,
            mode,
        ));
    }
    let image = Image::debian_slim(&DebianSlimOptions::default())
        .unwrap()
        .copy_local_dir::<&str>("big", Some("/data"), &[])
        .unwrap();
    let (resolution, tar) = build(&image, &host);
    assert_eq!(resolution.context.len(), 1000);
    let members = read_back(&tar);
    // 1,000 files, 10 part folders, .apothic, .apothic/steps, .apothic/steps/0, the Dockerfile.
    assert_eq!(members.len(), 1000 + 10 + 3 + 1);
    assert_documented_order(&names(&members));
    let by_name: std::collections::HashMap<&str, &Value> = members
        .iter()
        .map(|m| (m["name"].as_str().unwrap(), m))
        .collect();
    for (path, sha, size, mode) in &expected {
        let m = by_name
            .get(path.as_str())
            .unwrap_or_else(|| panic!("{path} missing"));
        assert_eq!(m["sha256"], *sha, "{path}");
        assert_eq!(m["size"], *size, "{path}");
        assert_eq!(m["mode"], *mode, "{path}");
    }
    // The same folder gives the same bytes again.
    assert_eq!(build(&image, &host).1, tar);
}
