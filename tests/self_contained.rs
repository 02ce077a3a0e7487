//! The repository is self-contained: no file reads or cites the `shared` folder that used to sit
//! beside the checkout (its upstream conformance data is now kept in `tests/conformance/`), and
//! no Rust code climbs out of the crate folder to read a file.
//!
//! The files checked are those git knows (tracked, plus new files not ignored), so build output,
//! `node_modules/` and other ignored folders are left out. The patterns are spelled in pieces
//! below so that this file does not match them itself.

use std::path::Path;
use std::process::Command;

/// The folder beside the repository, as a path from the repository.
const SIBLING: &str = concat!("..", "/shared");

/// Where that folder kept the upstream conformance data.
const OLD_DATA: &str = concat!("shared", "/conformance");

/// A string literal that starts by going up a folder.
const UP: [&str; 2] = [concat!("\"/", ".."), concat!("\"", "..")];

/// The files git knows in the repository: tracked ones and new ones that are not ignored.
fn repository_files() -> Vec<String> {
    let output = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run `git ls-files` (the check needs git and a checkout)");
    assert!(
        output.status.success(),
        "git ls-files failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let files: Vec<String> = String::from_utf8(output.stdout)
        .expect("file names are UTF-8")
        .split('\0')
        .filter(|name| !name.is_empty())
        .map(str::to_string)
        .collect();
    assert!(
        files.iter().any(|f| f == "Cargo.toml"),
        "git ls-files did not list the repository"
    );
    files
}

/// The 1-based line numbers where `needle` occurs in `text`.
fn lines_with(text: &str, needle: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| line.contains(needle))
        .map(|(i, _)| i + 1)
        .collect()
}

/// Where `text` builds a path that starts at `CARGO_MANIFEST_DIR` and goes up (see [`UP`]),
/// within the next few lines: the 1-based line numbers of those `CARGO_MANIFEST_DIR`s.
fn climbs_out_of_the_crate(text: &str) -> Vec<usize> {
    let lines: Vec<&str> = text.lines().collect();
    (0..lines.len())
        .filter(|&i| lines[i].contains("CARGO_MANIFEST_DIR"))
        .filter(|&i| {
            let window = lines[i..lines.len().min(i + 4)].join("\n");
            let after = &window[window.find("CARGO_MANIFEST_DIR").unwrap_or(0)..];
            UP.iter().any(|up| after.contains(up))
        })
        .map(|i| i + 1)
        .collect()
}

/// Every place of `file` (with contents `text`) that reads or cites something outside the repo.
fn outside_references(file: &str, text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in lines_with(text, OLD_DATA) {
        found.push(format!("{file}:{line}: cites the old `{OLD_DATA}` folder"));
    }
    for line in lines_with(text, SIBLING) {
        found.push(format!("{file}:{line}: cites `{SIBLING}`"));
    }
    if file.ends_with(".rs") {
        for line in climbs_out_of_the_crate(text) {
            found.push(format!(
                "{file}:{line}: builds a path above CARGO_MANIFEST_DIR"
            ));
        }
    }
    found
}

#[test]
fn no_file_reads_or_cites_the_folder_beside_the_repo() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    for file in repository_files() {
        // A file listed by git but deleted in the work tree has nothing to check.
        let Ok(bytes) = std::fs::read(root.join(&file)) else {
            continue;
        };
        found.extend(outside_references(&file, &String::from_utf8_lossy(&bytes)));
    }
    assert!(
        found.is_empty(),
        "the repository must not depend on files beside it; move the data into the repo \
         (tests/conformance/ for conformance cases):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_sees_each_kind_of_outside_reference() {
    let climbing = format!(
        "concat!(\n    env!(\"CARGO_MANIFEST_DIR\"),\n    {}/data\"\n)",
        UP[0]
    );
    assert_eq!(
        outside_references("tests/x.rs", &climbing),
        ["tests/x.rs:2: builds a path above CARGO_MANIFEST_DIR"]
    );
    assert_eq!(
        outside_references("scripts/x.sh", &format!("ok\nseed {SIBLING}/x/*.txt\n")),
        [format!("scripts/x.sh:2: cites `{SIBLING}`")]
    );
    assert_eq!(
        outside_references("tests/resolve.rs", &format!("read {OLD_DATA}/NOTICE.md")),
        [format!(
            "tests/resolve.rs:1: cites the old `{OLD_DATA}` folder"
        )]
    );
    // Paths inside the crate are fine.
    assert!(outside_references(
        "tests/x.rs",
        "concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/tests/conformance/reference.json\")"
    )
    .is_empty());
}
