//! `*FromPyproject`: the requirements a `pyproject.toml` declares (PEP 621), read with a small
//! TOML parser of our own.
//!
//! # What is read
//!
//! [`dependencies`] returns `[project].dependencies` followed by each requested
//! `[project.optional-dependencies]` group, in file order and then in the order the groups are
//! asked for; the caller sorts and de-duplicates (as Modal, the list is installed by name, and
//! the project itself is not built). Only the arrays that are used are checked to hold strings.
//!
//! - A missing `dependencies` key is an empty list: PEP 621 makes the key optional, and a
//!   project with no dependencies (or only optional ones) is legitimate. The exception is a
//!   project that lists `"dependencies"` in `[project].dynamic`: then the build backend computes
//!   them, which cannot be done here, and it is an error that says so.
//! - A group is found by its exact name, or else by its normalized name (PEP 685: case
//!   folded, runs of `-`, `_`, `.` as one `-`), as pip matches extras. An unknown group is
//!   `UnknownDependencyGroup`, with the groups that exist (in file order).
//!
//! The TOML is read by the parser of our own in `toml/` (see there why it is ours and what it
//! checks).
//!
//! Errors are `PyprojectInvalid` (with line and column where there is a place to point at) and
//! `UnknownDependencyGroup`; the caller adds the file (`.in_file(path)`).

use crate::error::{Error, ErrorCode, Quoted, Result};

mod toml;

use toml::{get, invalid, parse, Value};

/// `[project].dependencies` plus each of the `groups` of `[project.optional-dependencies]`, in
/// file order then group order (not sorted or de-duplicated).
pub fn dependencies(text: &str, groups: &[String]) -> Result<Vec<String>> {
    let root = parse(text)?;
    let project = match get(&root, "project") {
        Some((_, Value::Table(project))) => project,
        found => {
            return Err(invalid(
                text,
                found.map(|f| f.0),
                "expected a [project] table with dependencies = [\"...\"] (PEP 621); [tool.*] tables are not read",
            ))
        }
    };
    let dynamic = |key: &str| match get(project, "dynamic") {
        Some((_, Value::Array(items))) => items
            .iter()
            .any(|(_, item)| matches!(item, Value::String(s) if s == key)),
        _ => false,
    };
    let mut out = Vec::new();
    match get(project, "dependencies") {
        Some((at, value)) => strings(text, "dependencies", at, value, &mut out)?,
        None if dynamic("dependencies") => {
            return Err(invalid(
                text,
                None,
                "[project] declares its dependencies dynamic (computed when the project is built): list them in dependencies = [...], or install from a requirements file",
            ))
        }
        None => {}
    }
    let optional = match get(project, "optional-dependencies") {
        Some((_, Value::Table(table))) => &table.entries[..],
        None => &[],
        Some((at, _)) => {
            return Err(invalid(
                text,
                Some(at),
                "`optional-dependencies` must be a table of lists",
            ))
        }
    };
    for group in groups {
        let wanted = normalize_group(group);
        let found = optional.iter().find(|entry| entry.0 == *group).or_else(|| {
            optional
                .iter()
                .find(|entry| normalize_group(&entry.0) == wanted)
        });
        if let Some((name, at, value)) = found {
            strings(text, name, *at, value, &mut out)?;
            continue;
        }
        let mut have = String::new();
        for (name, ..) in optional {
            have += if have.is_empty() {
                "its groups are "
            } else {
                ", "
            };
            have += &Quoted(name).to_string();
        }
        if have.is_empty() {
            have = if dynamic("optional-dependencies") {
                "its optional dependencies are dynamic (computed when the project is built)"
            } else {
                "it has no [project.optional-dependencies]"
            }
            .into();
        }
        return Err(Error::new(
            ErrorCode::UnknownDependencyGroup,
            format!(
                "pyproject.toml has no optional-dependency group {}: {have}",
                Quoted(group)
            ),
        ));
    }
    Ok(out)
}

/// Appends the strings of the array `value` (the list `name`) to `out`.
fn strings(text: &str, name: &str, at: usize, value: &Value, out: &mut Vec<String>) -> Result<()> {
    let Value::Array(items) = value else {
        return Err(invalid(
            text,
            Some(at),
            &format!("`{name}` must be a list of requirement strings, such as [\"requests>=2\"]"),
        ));
    };
    for (at, item) in items {
        let Value::String(s) = item else {
            return Err(invalid(
                text,
                Some(*at),
                &format!("`{name}` must hold only strings: quote each requirement"),
            ));
        };
        out.push(s.clone());
    }
    Ok(())
}

/// PEP 685 normalization of an extra's name: lower case, runs of `-`, `_`, `.` as one `-`.
fn normalize_group(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deps(text: &str, groups: &[&str]) -> Result<Vec<String>> {
        let groups: Vec<String> = groups.iter().map(|g| g.to_string()).collect();
        dependencies(text, &groups)
    }

    fn ok(text: &str, groups: &[&str]) -> Vec<String> {
        deps(text, groups).unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

    /// Code, line/column and message of a failure.
    fn err(text: &str, groups: &[&str]) -> (ErrorCode, Option<(usize, usize)>, String) {
        let e = deps(text, groups).expect_err(text);
        (e.code, e.position.map(|p| (p.line, p.column)), e.message)
    }

    /// Line and column of a TOML error.
    fn toml_err(text: &str) -> (usize, usize) {
        let (code, position, message) = err(text, &[]);
        assert_eq!(code, ErrorCode::PyprojectInvalid, "{message}");
        assert!(
            message.starts_with("pyproject.toml is not valid TOML: "),
            "{message}"
        );
        position.expect("position")
    }

    pub(super) const REAL_WORLD: &str = r#"# A typical modern project.
[build-system]
requires = ["hatchling>=1.18", "hatch-vcs"]
build-backend = "hatchling.build"

[project]
name = "acme-service"
dynamic = ["version"]
description = 'An "example" service'
readme = { file = "README.md", content-type = "text/markdown" }
requires-python = ">=3.10"
license = { text = "MIT" }
authors = [
  { name = "Ada", email = "ada@example.com" },
]
keywords = ["api", "service"]
classifiers = [
    "Programming Language :: Python :: 3",  # comment inside an array
    "License :: OSI Approved :: MIT License",
]
dependencies = [
    "fastapi>=0.110,<1",
    'pydantic[email]~=2.6',
    "uvicorn[standard]==0.29.*; platform_system != \"Windows\"",
    """httpx>=0.27""",
    '''numpy>=1.26; python_version >= "3.11"''',   # trailing comma next
]

[project.optional-dependencies]
dev = ["pytest>=8", "ruff==0.4.1"]
docs = [
  "mkdocs-material",
]
gpu_extra = ["torch==2.3.0"]

[project.urls]
Homepage = "https://example.com"

[project.scripts]
acme = "acme.cli:main"

[tool.ruff]
line-length = 100
target-version = "py311"

[tool.ruff.lint]
select = ["E", "F", "I"]
ignore = []

[tool.pytest.ini_options]
minversion = "8.0"
addopts = "-ra -q"
testpaths = ["tests"]
timeout = 30.5
markers = [
    "slow: marks tests as slow (deselect with '-m \"not slow\"')",
]

[[tool.mypy.overrides]]
module = ["boto3.*", "botocore.*"]
ignore_missing_imports = true

[[tool.mypy.overrides]]
module = "legacy.*"
strict = false

[tool.coverage.run]
branch = true
omit = ["*/tests/*"]
released = 2024-03-01T10:00:00Z
"#;

    #[test]
    fn real_world_pyproject() {
        let base = [
            "fastapi>=0.110,<1",
            "pydantic[email]~=2.6",
            "uvicorn[standard]==0.29.*; platform_system != \"Windows\"",
            "httpx>=0.27",
            "numpy>=1.26; python_version >= \"3.11\"",
        ];
        assert_eq!(ok(REAL_WORLD, &[]), base);
        let mut with_groups: Vec<&str> = base.to_vec();
        with_groups.extend(["mkdocs-material", "pytest>=8", "ruff==0.4.1"]);
        assert_eq!(ok(REAL_WORLD, &["docs", "dev"]), with_groups);
    }

    #[test]
    fn groups_match_exactly_then_normalized() {
        assert_eq!(
            ok(REAL_WORLD, &["GPU-Extra"]).last().unwrap(),
            "torch==2.3.0"
        );
        assert_eq!(
            ok(REAL_WORLD, &["gpu.extra"]).last().unwrap(),
            "torch==2.3.0"
        );
        let text = "[project]\noptional-dependencies = { a_b = [\"x\"], A-B = [\"y\"] }";
        assert_eq!(ok(text, &["A-B"]), ["y"]);
        assert_eq!(ok(text, &["a_b"]), ["x"]);
    }

    #[test]
    fn other_ways_to_write_the_project() {
        // Dotted keys, inline tables, a super-table defined after its child.
        assert_eq!(
            ok(
                "project.dependencies = ['a']\nproject.optional-dependencies.x = ['b']",
                &["x"]
            ),
            ["a", "b"]
        );
        assert_eq!(ok("project = { dependencies = ['a'] }", &[]), ["a"]);
        assert_eq!(
            ok(
                "[project.optional-dependencies]\nt = ['b']\n[project]\ndependencies = ['a']",
                &["t"]
            ),
            ["a", "b"]
        );
        assert_eq!(
            ok(
                "\u{feff}[project]\r\ndependencies = [\r\n 'a',\r\n]\r\n",
                &[]
            ),
            ["a"]
        );
    }

    #[test]
    fn missing_dependencies_are_empty_unless_dynamic() {
        assert_eq!(ok("[project]\nname = 'x'", &[]), Vec::<String>::new());
        assert_eq!(
            ok("[project]\ndependencies = []", &[]),
            Vec::<String>::new()
        );
        let (code, position, message) =
            err("[project]\ndynamic = ['version', 'dependencies']", &[]);
        assert_eq!((code, position), (ErrorCode::PyprojectInvalid, None));
        assert!(message.contains("dynamic"), "{message}");
    }

    #[test]
    fn error_no_project_table() {
        let (code, position, message) = err("[tool.poetry.dependencies]\npython = '^3.11'", &[]);
        assert_eq!((code, position), (ErrorCode::PyprojectInvalid, None));
        assert!(message.contains("expected a [project] table"), "{message}");
        let (code, position, message) = err("\nproject = 'x'", &[]);
        assert_eq!(
            (code, position),
            (ErrorCode::PyprojectInvalid, Some((2, 11)))
        );
        assert!(message.contains("expected a [project] table"), "{message}");
        let (_, position, _) = err("[[project]]\nname = 'x'", &[]);
        assert_eq!(position, Some((1, 3)));
    }

    #[test]
    fn error_dependencies_not_an_array_or_not_strings() {
        let (code, position, message) = err("[project]\ndependencies = 'requests'", &[]);
        assert_eq!(
            (code, position),
            (ErrorCode::PyprojectInvalid, Some((2, 16)))
        );
        assert!(
            message.contains("`dependencies` must be a list"),
            "{message}"
        );
        let (code, position, message) = err("[project]\ndependencies = [\n  'a',\n  1.5,\n]", &[]);
        assert_eq!(
            (code, position),
            (ErrorCode::PyprojectInvalid, Some((4, 3)))
        );
        assert!(message.contains("must hold only strings"), "{message}");
        let (_, position, message) = err(
            "[project.optional-dependencies]\ndev = [['pytest']]",
            &["dev"],
        );
        assert_eq!(position, Some((2, 8)));
        assert!(message.contains("`dev` must"), "{message}");
        let (_, position, _) = err("[project]\noptional-dependencies = []", &["dev"]);
        assert_eq!(position, Some((2, 25)));
        // Unused groups are not checked.
        assert_eq!(
            ok("[project.optional-dependencies]\nbad = 1", &[]),
            Vec::<String>::new()
        );
    }

    #[test]
    fn error_unknown_group_lists_the_groups() {
        let (code, position, message) = err(REAL_WORLD, &["dev", "tests"]);
        assert_eq!((code, position), (ErrorCode::UnknownDependencyGroup, None));
        assert_eq!(
            message,
            "pyproject.toml has no optional-dependency group \"tests\": its groups are \"dev\", \"docs\", \"gpu_extra\""
        );
        let (code, _, message) = err("[project]\ndependencies = []", &["dev"]);
        assert_eq!(code, ErrorCode::UnknownDependencyGroup);
        assert!(
            message.ends_with("it has no [project.optional-dependencies]"),
            "{message}"
        );
        let (_, _, message) = err("[project]\ndynamic = ['optional-dependencies']", &["dev"]);
        assert!(message.contains("dynamic"), "{message}");
    }

    #[test]
    fn toml_syntax_errors_have_positions() {
        for (text, position) in [
            ("[project", (1, 9)),
            ("[[project]\n", (1, 11)),
            ("[]", (1, 2)),
            ("a = 1 b = 2", (1, 7)),
            ("a 1", (1, 3)),
            ("= 1", (1, 1)),
            ("a =", (1, 4)),
            ("a = \"x", (1, 5)),
            ("a = 'x\ny'", (1, 7)),
            ("\na = \"\"\"x", (2, 5)),
            ("a = '''x", (1, 5)),
            ("a = \"\\q\"", (1, 6)),
            ("a = \"\\uD800\"", (1, 6)),
            ("a = \"\\u12\"", (1, 6)),
            ("a = \"\"\"x \\ y\"\"\"", (1, 10)),
            ("a = \"\"\"x\"\"\"\"\"\"", (1, 9)),
            ("a = \"x\u{1}\"", (1, 7)),
            ("a = 1 # x\u{7f}", (1, 10)),
            ("a = [1, 2", (1, 10)),
            ("a = [1 2]", (1, 8)),
            ("a = [,]", (1, 6)),
            ("a = {b = 1 c = 2}", (1, 12)),
            ("a = {,}", (1, 6)),
            ("a = hello", (1, 5)),
            ("a = 01", (1, 5)),
            ("a = 1__0", (1, 5)),
            ("a = 9223372036854775808", (1, 5)),
            ("a = 0x", (1, 5)),
            ("a = 1.", (1, 5)),
            ("a = 1e", (1, 5)),
            ("a = 2023-02-29", (1, 5)),
            ("a = 2024-13-01", (1, 5)),
            ("a = 24:00:00", (1, 5)),
            ("a = 12:00:00Z", (1, 5)),
            ("a = 1\ra = 2", (1, 6)),
            ("\n\na = 1\na = 2", (4, 1)),
            ("[a]\n[a]", (2, 2)),
            ("a.b = 1\n[a]", (2, 2)),
            ("[a.b]\n[a]\nb.c = 1", (3, 1)),
            ("a = {}\n[a.b]", (2, 2)),
            ("a = {b = 1}\na.c = 2", (2, 1)),
            ("a = []\n[[a]]", (2, 3)),
            ("[[a]]\n[a]", (2, 2)),
            ("a = 1\n[a.b]", (2, 2)),
            ("\"\"\"k\"\"\" = 1", (1, 1)),
            ("é = 1", (1, 1)),
            ("a = 'é' é", (1, 9)),
        ] {
            assert_eq!(toml_err(text), position, "{text:?}");
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = format!("a = {}1{}", "[".repeat(200), "]".repeat(200));
        assert_eq!(toml_err(&deep), (1, 132));
        let dotted = format!("{} = 1", vec!["k"; 200].join("."));
        assert_eq!(toml_err(&dotted), (1, 1));
        let header = format!("[{}]", vec!["k"; 200].join("."));
        assert_eq!(toml_err(&header), (1, 1));
        let inline = format!("a = {}1{}", "{b = ".repeat(100), "}".repeat(100));
        assert!(deps(&inline, &[]).is_err());
        // 100 levels is fine.
        let ok_deep = format!("[project]\nx = {}1{}", "[".repeat(100), "]".repeat(100));
        assert_eq!(ok(&ok_deep, &[]), Vec::<String>::new());
    }
}
