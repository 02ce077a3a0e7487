//! The layer rule of ARCHITECTURE.md §2, checked on the source: every file under `src/` belongs to
//! one module of one layer, and no `crate::…` or `super::…` path in it (in a `use`, with brace
//! groups expanded, or inline in code) reaches a higher layer. Within a layer a module may use
//! only the modules listed before it (so `formats::dockerfile` may use `formats::quote`, never
//! the reverse, and the graph stays acyclic). Internal code names the module it uses
//! (`crate::error::Error`), never the crate root's re-exports (`crate::Error`), so a parser
//! cannot look as if it depended on the builder. `src/lib.rs`, the crate root, is exempt.
//!
//! The table below is checked against ARCHITECTURE.md §2 as well, and the self-tests at the end
//! feed the checker made-up files, so the check cannot pass by reading nothing.

use std::fs;
use std::path::Path;

/// The layers, lowest first, each with its modules in the order ARCHITECTURE.md §2 lists them.
/// A module is named by its path from the crate root; a module that only holds others
/// (`formats`) is listed first and may use its children.
const LAYERS: &[(&str, &[&str])] = &[
    ("floor", &["error", "limits", "sorting"]),
    (
        "formats",
        &[
            "formats",
            "formats::reference",
            "formats::quote",
            "formats::paths",
            "formats::dockerfile",
            "formats::ignore",
            "formats::dotenv",
            "formats::requirements",
            "formats::pyproject",
        ],
    ),
    ("spec", &["spec"]),
    ("render, hash", &["render", "hash"]),
    ("builder", &["image", "lint", "diff"]),
    ("resolution", &["resolve"]),
    ("bindings", &["wasm"]),
];

/// Where a module sits: its layer, its place in that layer and its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Unit {
    layer: usize,
    place: usize,
    path: &'static str,
}

/// The module of `LAYERS` that holds the module at `segments` (the longest one that is a prefix).
fn unit_of(segments: &[String]) -> Option<Unit> {
    let mut best: Option<(usize, Unit)> = None;
    for (layer, (_, units)) in LAYERS.iter().enumerate() {
        for (place, path) in units.iter().enumerate() {
            let parts: Vec<&str> = path.split("::").collect();
            let fits =
                parts.len() <= segments.len() && parts.iter().zip(segments).all(|(a, b)| a == b);
            if fits && best.is_none_or(|(len, _)| parts.len() > len) {
                best = Some((parts.len(), Unit { layer, place, path }));
            }
        }
    }
    best.map(|(_, unit)| unit)
}

/// The module path of a source file (`src/formats/ignore/dfa.rs` → `formats::ignore::dfa`,
/// `src/spec/mod.rs` → `spec`, `src/lib.rs` → the root).
fn module_of(file: &str) -> Vec<String> {
    let inner = file.trim_start_matches("src/").trim_end_matches(".rs");
    let mut segments: Vec<String> = inner.split('/').map(str::to_string).collect();
    if matches!(segments.last().map(String::as_str), Some("mod" | "lib")) {
        segments.pop();
    }
    segments
}

/// One token of Rust source, as much as the checker needs.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    /// `::`
    Sep,
    Open,
    Close,
    Comma,
    Star,
    /// A string literal's contents (serde's `try_from = "crate::…"` names a path in one).
    Str(String),
    Other(char),
}

/// A token and the line it is on (1-based).
#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    line: usize,
}

/// Splits Rust source into tokens, dropping comments (line, nested block, doc) and reading
/// string, raw string, byte and char literals whole, so text in them is not taken for code.
fn lex(src: &str) -> Vec<Token> {
    let c: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    let at = |k: usize| c.get(k).copied().unwrap_or('\0');
    while i < c.len() {
        let ch = c[i];
        match ch {
            '\n' => {
                line += 1;
                i += 1;
            }
            _ if ch.is_whitespace() => i += 1,
            '/' if at(i + 1) == '/' => {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
            }
            '/' if at(i + 1) == '*' => {
                let mut depth = 0;
                while i < c.len() {
                    if c[i] == '/' && at(i + 1) == '*' {
                        depth += 1;
                        i += 2;
                    } else if c[i] == '*' && at(i + 1) == '/' {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        line += usize::from(c[i] == '\n');
                        i += 1;
                    }
                }
            }
            '"' => {
                let start_line = line;
                let mut text = String::new();
                i += 1;
                while i < c.len() && c[i] != '"' {
                    if c[i] == '\\' {
                        text.push(c[i]);
                        i += 1;
                    }
                    line += usize::from(at(i) == '\n');
                    text.push(at(i));
                    i += 1;
                }
                i += 1;
                out.push(Token {
                    tok: Tok::Str(text),
                    line: start_line,
                });
            }
            '\'' => {
                // A char literal ('x', '\n', '\u{..}') or a lifetime ('a).
                if at(i + 1) == '\\' {
                    i += 2;
                    while i < c.len() && c[i] != '\'' {
                        i += 1;
                    }
                    i += 1;
                } else if at(i + 2) == '\'' {
                    i += 3;
                } else {
                    out.push(Token {
                        tok: Tok::Other('\''),
                        line,
                    });
                    i += 1;
                }
            }
            ':' if at(i + 1) == ':' => {
                out.push(Token {
                    tok: Tok::Sep,
                    line,
                });
                i += 2;
            }
            '{' | '}' | ',' | '*' => {
                let tok = match ch {
                    '{' => Tok::Open,
                    '}' => Tok::Close,
                    ',' => Tok::Comma,
                    _ => Tok::Star,
                };
                out.push(Token { tok, line });
                i += 1;
            }
            _ if ch.is_alphanumeric() || ch == '_' => {
                let start = i;
                while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                    i += 1;
                }
                let word: String = c[start..i].iter().collect();
                let raw = matches!(word.as_str(), "r" | "br" | "cr") && matches!(at(i), '"' | '#');
                if raw && (at(i) == '"' || at(i + 1) == '"' || at(i + 1) == '#') {
                    // A raw string: r"…", r#"…"#, …
                    let mut hashes = 0;
                    while at(i) == '#' {
                        hashes += 1;
                        i += 1;
                    }
                    let start_line = line;
                    let body = i + 1;
                    i = body;
                    while i < c.len() {
                        if c[i] == '"' && (1..=hashes).all(|k| at(i + k) == '#') {
                            break;
                        }
                        line += usize::from(c[i] == '\n');
                        i += 1;
                    }
                    let text: String = c[body..i.min(c.len())].iter().collect();
                    i += 1 + hashes;
                    out.push(Token {
                        tok: Tok::Str(text),
                        line: start_line,
                    });
                } else if word.starts_with(|d: char| d.is_ascii_digit()) {
                    out.push(Token {
                        tok: Tok::Other('0'),
                        line,
                    });
                } else {
                    out.push(Token {
                        tok: Tok::Ident(word),
                        line,
                    });
                }
            }
            _ => {
                out.push(Token {
                    tok: Tok::Other(ch),
                    line,
                });
                i += 1;
            }
        }
    }
    out
}

/// True for a string literal that is a whole path from `crate` or `super` (serde's
/// `try_from = "crate::spec::decode::RawStep"`); other text in strings is not code.
fn is_path_text(text: &str) -> bool {
    (text.starts_with("crate::") || text.starts_with("super::"))
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == ':')
}

/// A path found in a file: its segments from the crate root and the line it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Found {
    segments: Vec<String>,
    line: usize,
}

fn ident(t: &[Token], i: usize) -> Option<&str> {
    match t.get(i).map(|t| &t.tok) {
        Some(Tok::Ident(s)) => Some(s),
        _ => None,
    }
}

fn is(t: &[Token], i: usize, tok: &Tok) -> bool {
    t.get(i).is_some_and(|t| &t.tok == tok)
}

/// Reads the rest of a path whose segments so far are `prefix` (the token at `i` follows the
/// last segment read), expanding brace groups (`{a, b::{c, self}}`); returns where it ended.
fn path_tree(
    t: &[Token],
    mut i: usize,
    mut prefix: Vec<String>,
    line: usize,
    out: &mut Vec<Found>,
) -> usize {
    let mut line = line;
    loop {
        if !is(t, i, &Tok::Sep) {
            out.push(Found {
                segments: prefix,
                line,
            });
            return i;
        }
        match t.get(i + 1).map(|t| &t.tok) {
            Some(Tok::Ident(s)) if s == "super" => {
                prefix.pop();
            }
            Some(Tok::Ident(s)) if s == "self" => {}
            Some(Tok::Ident(s)) => prefix.push(s.clone()),
            Some(Tok::Open) => return group(t, i + 2, &prefix, out),
            _ => {
                // `::*`, a turbofish `::<T>` or the end: the path so far is what is used.
                out.push(Found {
                    segments: prefix,
                    line,
                });
                return i + 1;
            }
        }
        line = t[i + 1].line;
        i += 2;
    }
}

/// Reads a brace group's items (the token at `i` follows the `{`); returns the index after `}`.
fn group(t: &[Token], mut i: usize, prefix: &[String], out: &mut Vec<Found>) -> usize {
    while i < t.len() {
        match &t[i].tok {
            Tok::Close => return i + 1,
            Tok::Comma => i += 1,
            Tok::Star => {
                out.push(Found {
                    segments: prefix.to_vec(),
                    line: t[i].line,
                });
                i += 1;
            }
            Tok::Open => i = group(t, i + 1, prefix, out),
            Tok::Ident(s) => {
                let mut inner = prefix.to_vec();
                if s == "super" {
                    inner.pop();
                } else if s != "self" {
                    inner.push(s.clone());
                }
                i = path_tree(t, i + 1, inner, t[i].line, out);
                // Skip a rename (`as name`) up to the next item.
                while i < t.len() && !matches!(t[i].tok, Tok::Comma | Tok::Close) {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    i
}

/// Every `crate::…` and `super::…` path in a file, as segments from the crate root. `super` is
/// taken from the module the path is written in, inline `mod name { … }` blocks included.
fn paths_in(file: &str, src: &str) -> Vec<Found> {
    let tokens = lex(src);
    let mut out = Vec::new();
    let mut scope = module_of(file);
    // Inline modules: (brace depth inside them, how many segments they added).
    let mut inline: Vec<usize> = Vec::new();
    let mut depth = 0;
    let mut i = 0;
    while i < tokens.len() {
        let after_sep = i > 0 && is(&tokens, i - 1, &Tok::Sep);
        match &tokens[i].tok {
            Tok::Ident(m) if m == "mod" && is(&tokens, i + 2, &Tok::Open) => {
                if let Some(name) = ident(&tokens, i + 1) {
                    scope.push(name.to_string());
                    depth += 1;
                    inline.push(depth);
                    i += 3;
                    continue;
                }
            }
            Tok::Open => depth += 1,
            Tok::Close => {
                if inline.last() == Some(&depth) {
                    inline.pop();
                    scope.pop();
                }
                depth -= 1;
            }
            Tok::Ident(s)
                if (s == "crate" || s == "super")
                    && !after_sep
                    && is(&tokens, i + 1, &Tok::Sep) =>
            {
                let base = match s.as_str() {
                    "crate" => Vec::new(),
                    _ => scope[..scope.len().saturating_sub(1)].to_vec(),
                };
                i = path_tree(&tokens, i + 1, base, tokens[i].line, &mut out);
                continue;
            }
            Tok::Str(text) if is_path_text(text) => {
                for mut found in paths_in(file, text) {
                    found.line = tokens[i].line;
                    out.push(found);
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The layer rule's violations in one file, each naming the file, the line and the path.
fn check(file: &str, src: &str) -> Vec<String> {
    let module = module_of(file);
    if module.is_empty() {
        return Vec::new(); // src/lib.rs: the crate root declares and re-exports modules.
    }
    let Some(from) = unit_of(&module) else {
        return vec![format!(
            "{file}: `{}` is in no layer: add it to ARCHITECTURE.md §2 and to LAYERS in tests/layers.rs",
            module.join("::")
        )];
    };
    let (from_layer, _) = LAYERS[from.layer];
    let mut problems = Vec::new();
    for found in paths_in(file, src) {
        let shown = format!("crate::{}", found.segments.join("::"));
        let at = format!("{file}:{}: `{shown}`", found.line);
        let Some(to) = unit_of(&found.segments) else {
            problems.push(format!(
                "{at} goes through the crate root's re-exports: name the module (e.g. `crate::error::Error`)"
            ));
            continue;
        };
        let (to_layer, _) = LAYERS[to.layer];
        let child_of = |parent: &str, child: &str| child.starts_with(&format!("{parent}::"));
        if to.layer > from.layer {
            problems.push(format!(
                "{at}: `{}` (layer {}, {from_layer}) imports `{}` (layer {}, {to_layer}), a higher layer",
                from.path, from.layer, to.path, to.layer
            ));
        } else if to.layer == from.layer && to != from && !child_of(from.path, to.path) {
            if child_of(to.path, from.path) {
                problems.push(format!(
                    "{at}: `{}` uses its parent `{}`: name the module it uses",
                    from.path, to.path
                ));
            } else if to.place > from.place {
                problems.push(format!(
                    "{at}: `{}` uses `{}`, listed after it in layer {} ({from_layer}): a module may use only those listed before it",
                    from.path, to.path, from.layer
                ));
            }
        }
    }
    problems
}

/// Every `.rs` file under `dir`, as paths from the crate folder (`src/…`), sorted.
fn rust_files(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .expect("read src")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path
                .strip_prefix(root)
                .expect("under the crate")
                .to_string_lossy()
                .replace('\\', "/");
            out.push(rel);
        }
    }
}

fn crate_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn source_files() -> Vec<String> {
    let mut files = Vec::new();
    rust_files(crate_root(), &crate_root().join("src"), &mut files);
    files
}

#[test]
fn no_module_imports_a_higher_layer() {
    let files = source_files();
    assert!(files.len() > 20, "found only {files:?}");
    let mut problems = Vec::new();
    let mut paths = 0;
    for file in &files {
        let src = fs::read_to_string(crate_root().join(file)).expect("read source");
        paths += paths_in(file, &src).len();
        problems.extend(check(file, &src));
    }
    // The checker saw the crate's imports (there are well over a hundred).
    assert!(paths > 100, "only {paths} crate paths found");
    assert!(
        problems.is_empty(),
        "the layer rule (ARCHITECTURE.md §2) is broken:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_listed_module_has_a_file() {
    let modules: Vec<Vec<String>> = source_files().iter().map(|f| module_of(f)).collect();
    for (_, units) in LAYERS {
        for unit in *units {
            let parts: Vec<&str> = unit.split("::").collect();
            assert!(
                modules
                    .iter()
                    .any(|m| m.len() >= parts.len() && parts.iter().zip(m).all(|(a, b)| a == b)),
                "`{unit}` is listed in LAYERS but has no file under src/"
            );
        }
    }
}

/// The `§2 Layers` table of ARCHITECTURE.md: per row, its module paths with brace groups
/// expanded (`formats::{a, b}` → `formats::a`, `formats::b`).
fn architecture_table() -> Vec<Vec<String>> {
    let text =
        fs::read_to_string(crate_root().join("ARCHITECTURE.md")).expect("read ARCHITECTURE.md");
    let section = text
        .split("## 2. Layers")
        .nth(1)
        .expect("§2 Layers")
        .split("\n## ")
        .next()
        .unwrap_or_default();
    let mut rows = Vec::new();
    for line in section
        .lines()
        .filter(|l| l.starts_with("| ") && l.contains('`'))
    {
        let cells: Vec<&str> = line.split('|').collect();
        let modules = cells[2];
        let mut paths = Vec::new();
        for item in modules.split('`').skip(1).step_by(2) {
            match item.split_once("::{") {
                Some((head, rest)) => {
                    for name in rest.trim_end_matches('}').split(',') {
                        paths.push(format!("{head}::{}", name.trim()));
                    }
                }
                None => paths.push(item.to_string()),
            }
        }
        rows.push(paths);
    }
    rows
}

#[test]
fn the_table_is_the_one_in_architecture_md() {
    let rows = architecture_table();
    assert_eq!(
        rows.len(),
        LAYERS.len(),
        "ARCHITECTURE.md §2 rows: {rows:?}"
    );
    for (row, (name, units)) in rows.iter().zip(LAYERS) {
        // Each documented module belongs to one listed module of that layer...
        let mut seen: Vec<&str> = Vec::new();
        for path in row {
            let segments: Vec<String> = path.split("::").map(str::to_string).collect();
            let unit = unit_of(&segments)
                .unwrap_or_else(|| panic!("`{path}` (ARCHITECTURE.md) is in no layer of LAYERS"));
            assert_eq!(
                LAYERS[unit.layer].0, *name,
                "`{path}` is in layer {name} of ARCHITECTURE.md"
            );
            let parent = units
                .iter()
                .any(|u| u.starts_with(&format!("{}::", unit.path)));
            assert!(
                !parent || unit.path == path,
                "`{path}` (ARCHITECTURE.md) is not in LAYERS"
            );
            if seen.last() != Some(&unit.path) {
                seen.push(unit.path);
            }
        }
        // ...and the listed modules appear in the same order (a parent such as `formats`, which
        // only holds the others, is implied by its children).
        let listed: Vec<&str> = units
            .iter()
            .copied()
            .filter(|u| !units.iter().any(|c| c.starts_with(&format!("{u}::"))) || seen.contains(u))
            .collect();
        assert_eq!(
            seen, listed,
            "layer {name}: ARCHITECTURE.md and LAYERS differ"
        );
    }
}

// ---- self-tests: the checker catches what it is for ----

#[test]
fn catches_a_made_up_upward_import() {
    let problems = check(
        "src/formats/quote.rs",
        "use crate::error::Error;\n\nuse crate::render::render_base;\n",
    );
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("src/formats/quote.rs:3: `crate::render::render_base`"),
        "{}",
        problems[0]
    );
    assert!(problems[0].contains("a higher layer"), "{}", problems[0]);
}

#[test]
fn catches_imports_in_brace_groups_and_inline_paths() {
    let src = "use crate::{\n    error::{Error, Result},\n    image::{self, Image as I},\n};\n\
               fn f() -> usize {\n    crate::resolve::walk::WalkedFile { x: 1 }; crate::limits::MAX\n}\n";
    let problems = check("src/spec/decode.rs", src);
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(
        problems[0].starts_with("src/spec/decode.rs:3: `crate::image`"),
        "{}",
        problems[0]
    );
    assert!(
        problems[1].starts_with("src/spec/decode.rs:3: `crate::image::Image`"),
        "{}",
        problems[1]
    );
    assert!(
        problems[2].starts_with("src/spec/decode.rs:6: `crate::resolve::walk::WalkedFile`"),
        "{}",
        problems[2]
    );
}

#[test]
fn catches_imports_through_the_crate_root() {
    let problems = check(
        "src/formats/reference/mod.rs",
        "use crate::{Error, ErrorCode};\nfn f() -> crate::Result<()> {}\n",
    );
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(problems[0]
        .starts_with("src/formats/reference/mod.rs:1: `crate::Error` goes through the crate root"));
    assert!(problems[2].starts_with("src/formats/reference/mod.rs:2: `crate::Result`"));
    // The crate root itself declares and re-exports; it is not checked.
    assert!(check("src/lib.rs", "pub use image::Image;\nuse crate::Image;\n").is_empty());
}

#[test]
fn formats_use_only_the_formats_listed_before_them() {
    assert!(check(
        "src/formats/dockerfile/mod.rs",
        "use crate::formats::quote::shell_quote;\n"
    )
    .is_empty());
    let problems = check(
        "src/formats/quote.rs",
        "use crate::formats::{paths, dockerfile::parse};\n",
    );
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[1].contains("`formats::quote` uses `formats::dockerfile`, listed after it"),
        "{}",
        problems[1]
    );
    // A format names the format it uses, not the parent module.
    let problems = check("src/formats/quote.rs", "use crate::formats;\n");
    assert!(
        problems[0].contains("uses its parent `formats`"),
        "{problems:?}"
    );
    // In other layers too: `render` comes before `hash`.
    assert!(check("src/hash/mod.rs", "use crate::render::render;\n").is_empty());
    assert_eq!(
        check("src/render.rs", "use crate::hash::sha256_hex;\n").len(),
        1
    );
    // A module's own files use each other freely.
    assert!(check(
        "src/formats/ignore/dfa.rs",
        "use super::{Inst, Program};\nuse crate::formats::ignore::Patterns;\n"
    )
    .is_empty());
}

#[test]
fn follows_super_and_inline_modules() {
    // `super::super` from a Dockerfile submodule is the formats module; one more is the root.
    let problems = check(
        "src/formats/dockerfile/words.rs",
        "use super::super::reference::parse;\nuse super::super::super::Image;\n",
    );
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("src/formats/dockerfile/words.rs:2: `crate::Image`"),
        "{}",
        problems[0]
    );
    // `super` inside `mod tests { … }` is the file's own module.
    assert!(
        check(
            "src/error.rs",
            "fn a() {}\n#[cfg(test)]\nmod tests {\n    use super::*;\n}\nuse super::wasm;\n"
        )
        .len()
            == 1
    );
    // serde names paths in strings.
    let problems = check(
        "src/spec/mod.rs",
        "#[serde(try_from = \"crate::image::Raw\")]\nstruct S;\n",
    );
    assert_eq!(problems.len(), 1, "{problems:?}");
}

#[test]
fn ignores_comments_strings_and_char_literals() {
    let src = "// use crate::image::Image;\n/* crate::resolve::x /* nested */ crate::wasm::y */\n\
               /// [`crate::Image`]\nconst A: &str = \"not a path: crate::image::Image\";\n\
               const B: char = '\"'; const C: &str = r#\"see crate::wasm::x\"#; fn f<'a>(x: &'a str) {}\n";
    assert_eq!(check("src/formats/quote.rs", src), Vec::<String>::new());
    assert_eq!(lex(src).last().map(|t| t.line), Some(5));
}

#[test]
fn a_file_outside_every_layer_is_reported() {
    let problems = check("src/extra.rs", "");
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].contains("`extra` is in no layer"),
        "{}",
        problems[0]
    );
}
