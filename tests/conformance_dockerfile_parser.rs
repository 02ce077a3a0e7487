//! BuildKit parser conformance.
//!
//! Runs the parser test files of moby/buildkit (`frontend/dockerfile/parser/testfiles`,
//! `testfiles-negative`, `testfile-line`; Apache License 2.0, see
//! `../shared/conformance/NOTICE.md`) against [`apothic_image::dockerfile::parse`]:
//! - `testfiles/NAME/Dockerfile` must parse, and the instructions printed in BuildKit's
//!   `Node.Dump` format must equal `testfiles/NAME/result`;
//! - `testfiles-negative/NAME/Dockerfile` must fail to parse;
//! - `testfile-line/Dockerfile` must give the start and end lines BuildKit's
//!   `TestParseIncludesLineNumbers` expects.
//!
//! The dump format (`parser.go`, `Node.Dump`): per instruction `(keyword [flags] values…)` with
//! the keyword in lower case, the flags as Go's `%q` of a `[]string` (`["--a=b" "--c"]`), each
//! value quoted by Go's `strconv.Quote`, and an ONBUILD trigger dumped in its own parentheses.

use apothic_image::dockerfile::{parse, Instruction};
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/conformance/buildkit-parser"
);

/// Start and end lines of the three instructions of `testfile-line/Dockerfile`, from BuildKit's
/// `TestParseIncludesLineNumbers` (parser_test.go).
const LINE_EXPECTATIONS: [(usize, usize); 3] = [(5, 5), (11, 12), (17, 31)];

/// Go's `strconv.IsPrint`, closely enough for these files: printable unless a control
/// character, a space other than U+0020, a format character or a private-use character.
fn go_is_print(c: char) -> bool {
    let u = c as u32;
    if u < 0x80 {
        return (0x20..0x7f).contains(&u);
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let format = matches!(u,
        0xad | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x8e2 | 0x180e | 0x200b..=0x200f
        | 0x202a..=0x202e | 0x2060..=0x2064 | 0x2066..=0x206f | 0xfeff | 0xfff9..=0xfffb
        | 0x110bd | 0x110cd | 0x13430..=0x1343f | 0x1bca0..=0x1bca3 | 0x1d173..=0x1d17a
        | 0xe0001 | 0xe0020..=0xe007f);
    let private = matches!(u, 0xe000..=0xf8ff | 0xf0000..=0xffffd | 0x100000..=0x10fffd);
    !(format || private)
}

/// Go's `strconv.Quote`.
fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if go_is_print(c) => out.push(c),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if (c as u32) < 0x10000 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

/// One instruction in BuildKit's `Node.Dump` format (without the outer parentheses).
fn dump_instruction(instruction: &Instruction) -> String {
    let mut out = instruction.keyword.to_lowercase();
    if !instruction.flags.is_empty() {
        let flags: Vec<String> = instruction
            .flags
            .iter()
            .map(|f| match &f.value {
                Some(value) => go_quote(&format!("--{}={value}", f.name)),
                None => go_quote(&format!("--{}", f.name)),
            })
            .collect();
        let _ = write!(out, " [{}]", flags.join(" "));
    }
    if let Some(trigger) = &instruction.trigger {
        let _ = write!(out, " ({})", dump_instruction(trigger));
    }
    for value in &instruction.values {
        out.push(' ');
        out.push_str(&go_quote(value));
    }
    out.trim().to_string()
}

/// A whole file in BuildKit's dump format (what `testfiles/*/result` holds).
fn dump(instructions: &[Instruction]) -> String {
    let mut out = String::new();
    for instruction in instructions {
        let _ = writeln!(out, "({})", dump_instruction(instruction));
    }
    format!("{}\n", out.trim())
}

fn subdirs(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

#[test]
fn buildkit_parser_conformance() {
    let dir = Path::new(DIR);
    let mut total = 0;
    let mut failures: Vec<String> = Vec::new();

    for name in subdirs(&dir.join("testfiles")) {
        total += 1;
        let case = dir.join("testfiles").join(&name);
        let expected = read(&case.join("result"));
        match parse(&read(&case.join("Dockerfile"))) {
            Ok(parsed) => {
                let got = dump(&parsed.instructions);
                if got != expected {
                    let mismatch = got
                        .lines()
                        .zip(expected.lines())
                        .find(|(g, e)| g != e)
                        .map(|(g, e)| {
                            format!("first difference:\n      got      {g}\n      expected {e}")
                        })
                        .unwrap_or_else(|| {
                            format!(
                                "{} lines, expected {}",
                                got.lines().count(),
                                expected.lines().count()
                            )
                        });
                    failures.push(format!("testfiles/{name}: dump differs, {mismatch}"));
                }
            }
            Err(e) => failures.push(format!("testfiles/{name}: parse failed: {e}")),
        }
    }

    for name in subdirs(&dir.join("testfiles-negative")) {
        total += 1;
        let text = read(
            &dir.join("testfiles-negative")
                .join(&name)
                .join("Dockerfile"),
        );
        if let Ok(parsed) = parse(&text) {
            failures.push(format!(
                "testfiles-negative/{name}: parsed without error into {}",
                dump(&parsed.instructions).trim_end()
            ));
        }
    }

    total += 1;
    match parse(&read(&dir.join("testfile-line").join("Dockerfile"))) {
        Ok(parsed) => {
            let got: Vec<(usize, usize)> = parsed
                .instructions
                .iter()
                .map(|i| (i.start_line, i.end_line))
                .collect();
            if got != LINE_EXPECTATIONS {
                failures.push(format!(
                    "testfile-line: lines {got:?}, expected {LINE_EXPECTATIONS:?}"
                ));
            }
        }
        Err(e) => failures.push(format!("testfile-line: parse failed: {e}")),
    }

    println!(
        "buildkit parser conformance: {}/{total} agree",
        total - failures.len()
    );
    for failure in &failures {
        println!("  DISAGREE {failure}");
    }
    assert!(
        failures.is_empty(),
        "{} of {total} BuildKit parser cases disagree",
        failures.len()
    );
}

#[test]
fn go_quote_matches_strconv() {
    assert_eq!(go_quote("a\"b\\c"), r#""a\"b\\c""#);
    assert_eq!(
        go_quote("\u{0}\u{7}\u{8}\t\n\u{b}\u{c}\r\u{1b}\u{7f}"),
        r#""\x00\a\b\t\n\v\f\r\x1b\x7f""#
    );
    assert_eq!(go_quote("♥☃é"), "\"♥☃é\"");
    assert_eq!(
        go_quote("\u{a0}\u{feff}\u{f0000}"),
        r#""\u00a0\ufeff\U000f0000""#
    );
}
