//! The matcher's tests: Docker's behaviour, the errors, and the lazy automaton against the Pike
//! VM of `program.rs`.

use super::*;

fn pats(list: &[&str]) -> Patterns {
    let owned: Vec<String> = list.iter().map(|s| s.to_string()).collect();
    Patterns::new(&owned).expect("valid patterns")
}

fn err(list: &[&str]) -> Error {
    let owned: Vec<String> = list.iter().map(|s| s.to_string()).collect();
    Patterns::new(&owned).expect_err("invalid pattern")
}

#[test]
fn parse_then_compile_excludes_like_docker() {
    let text = "# build output\n*.pyc\n/build\n**/__pycache__\n.git\n!build/keep.txt\n";
    let p = Patterns::new(&parse_dockerignore(text)).unwrap();
    assert!(p.has_exclusions());
    assert_eq!(p.len(), 5);
    for (path, excluded) in [
        ("x.pyc", true),
        ("src/x.pyc", false),
        ("build", true),
        ("build/out/a.o", true),
        ("build/keep.txt", false),
        ("src/__pycache__/m.cpython-312.pyc", true),
        (".git/HEAD", true),
        (".gitignore", false),
        ("src/main.py", false),
    ] {
        assert_eq!(p.matches(path), excluded, "{path}");
    }
}

#[test]
fn later_patterns_override_earlier_ones() {
    let p = pats(&["docs", "!docs/README.md", "docs/README.md"]);
    assert!(p.matches("docs/README.md"));
    let p = pats(&["docs", "!docs/README.md"]);
    assert!(!p.matches("docs/README.md"));
    assert!(p.matches("docs/other.md"));
    // An exclusion before any inclusion re-includes nothing.
    let p = pats(&["!fileutils.go", "*.go"]);
    assert!(p.matches("fileutils.go"));
    let p = pats(&["*.go", "!fileutils.go"]);
    assert!(!p.matches("fileutils.go"));
    assert!(!pats(&[]).matches("anything"));
    assert!(!pats(&["**"]).matches("."));
    assert!(!pats(&["**"]).matches(""));
}

#[test]
fn leading_slash_and_whitespace_are_dropped() {
    let p = pats(&["  /build  ", "", "   ", "!/build/keep"]);
    assert_eq!(p.len(), 2);
    assert!(p.matches("build/x"));
    assert!(!p.matches("build/keep"));
    // "/" alone stays "/", which matches no relative path.
    assert!(!pats(&["/"]).matches("x"));
}

/// Results of patternmatcher 0.5.0 (Go 1.19), where Docker hands characters to its regexp
/// engine unescaped or the glob-to-regexp translation changes a class.
#[test]
fn go_regexp_quirks_are_reproduced() {
    for (pattern, path, want) in [
        // `|` is an alternation; its second branch is not anchored at the start.
        ("*.js|*.ts", "dir/x.ts", true),
        ("*.js|*.ts", "a.jsx", true),
        ("*.js|*.ts", "a.py", false),
        // Without a wildcard the pattern is compared literally.
        ("a|b", "a", false),
        ("a|b", "a|b", true),
        // `{n}` repeats; `{` that is no count is literal.
        ("a{2}*", "aab", true),
        ("a{2}*", "a{2}b", false),
        ("*.{js,ts}", "x.{js,ts}", true),
        // `*` and `?` inside a class become regexp syntax.
        ("[*]", "*", false),
        ("[*]", "[]", true),
        ("[?]x", "/]x", true),
        ("[?]x", "^]x", true),
        // POSIX and Perl classes, escapes.
        ("[[:alpha:]]", "b", true),
        ("[[:alpha:]]", "1", false),
        ("[[:^alpha:]]", "1", true),
        ("a\\d*", "a5", true),
        ("a\\d*", "ad", false),
        ("\\w?", "_x", true),
        // `\\Q…\\E` quotes the translated text: `*?` became `[^/]*[^/]`.
        ("x\\Q*?\\E", "x*?", false),
        ("x\\Q*?\\E", "x[^/]*[^/]", true),
        ("a\\x41*", "aA", true),
        ("a\\101*", "aA", true),
        ("a\\.b*", "a.bc", true),
        ("a\\nb*", "a\nb", true),
        // `.` of `**` does not match a newline, negated classes do.
        ("a/**/b", "a/x\ny/b", false),
        ("a/*/b", "a/x\ny/b", true),
        // `^` in the middle is an anchor.
        ("a^b*", "a^b", false),
        // `[!a]` is a class of `!` and `a`.
        ("[!a]", "!", true),
        ("[!a]", "b", false),
        ("[^a]", "b", true),
        // A leading `**` with no other wildcard is a plain suffix.
        ("**file", "dir/myfile", true),
        ("**/.foo", "bar.foo", false),
    ] {
        assert_eq!(pats(&[pattern]).matches(path), want, "{pattern} vs {path}");
    }
}

#[test]
fn invalid_patterns_are_errors_that_say_what_to_do() {
    for (pattern, hint) in [
        ("!", "lone \"!\""),
        ("  !  ", "lone \"!\""),
        ("[", "malformed \"[...]\" class"),
        ("a[]b", "malformed \"[...]\" class"),
        ("[a-]", "malformed \"[...]\" class"),
        ("[-a]", "malformed \"[...]\" class"),
        ("[^]", "malformed \"[...]\" class"),
        ("abc\\", "backslash that escapes nothing"),
        ("[z-a]", "lower character first"),
        ("[[:foo:]]", "unknown"),
        ("a\\yb", "escape only punctuation"),
        ("a\\1b", "escape only punctuation"),
        ("src\\main", "escape only punctuation"),
        ("a\\pL", "Unicode class"),
        ("*{2}", "repetition"),
        ("|{2}a?", "repetition"),
        ("a{1001}*", "count over 1000"),
        ("a{1000}{1000}*", "repetition"),
    ] {
        let e = err(&["ok", pattern]);
        assert_eq!(e.code, ErrorCode::InvalidIgnorePattern);
        assert_eq!(e.argument.as_deref(), Some("ignore[1]"), "{pattern}");
        assert!(e.message.starts_with("ignore pattern \""), "{}", e.message);
        assert!(e.message.contains(hint), "{pattern}: {}", e.message);
    }
    let too_complex = format!("*{}", "a{1000}".repeat(11));
    assert!(err(&[&too_complex]).message.contains("10000"));
    let e = err(&["a\"b\\"]);
    assert!(
        e.message.starts_with("ignore pattern \"a\\\"b\\\\\" ends"),
        "{}",
        e.message
    );
}

#[test]
fn may_skip_dir_only_when_nothing_under_it_can_come_back() {
    let p = pats(&["build", "node_modules", "!node_modules/keep/x.js", "!other"]);
    assert!(p.may_skip_dir("build"));
    assert!(!p.may_skip_dir("node_modules"));
    assert!(!p.may_skip_dir("node_modules/keep"));
    assert!(p.may_skip_dir("node_modules/drop"));
    assert!(!p.may_skip_dir("src"), "not excluded");
    // A wildcard or escaped exclusion could match anything: never skip.
    assert!(!pats(&["build", "!**/*.keep"]).may_skip_dir("build"));
    assert!(!pats(&["build", "!build\\/x"]).may_skip_dir("build"));
    // Without exclusions every excluded folder may be skipped.
    let p = pats(&["**/target", "*.o"]);
    assert!(!p.has_exclusions());
    assert!(p.may_skip_dir("a/b/target"));
    assert!(!p.may_skip_dir("a/b"));
    // An exclusion of the folder itself or of a prefix name only.
    assert!(!pats(&["build", "!build"]).may_skip_dir("build"));
    assert!(pats(&["build", "!buildx/y"]).may_skip_dir("build"));
}

/// The matcher as patternmatcher runs it: each parent folder separately, the Pike VM for
/// regular expressions. The automaton must agree with it everywhere.
fn reference(patterns: &Patterns, path: &str) -> bool {
    let hit = |p: &Pattern, path: &str| {
        let (t, b) = (p.text.as_bytes(), path.as_bytes());
        match &p.kind {
            Kind::Exact => path == p.text,
            Kind::Prefix => b.starts_with(&t[..t.len().saturating_sub(2)]),
            Kind::Suffix => {
                let suffix = t.get(2..).unwrap_or_default();
                b.ends_with(suffix) || (suffix.first() == Some(&b'/') && b == &suffix[1..])
            }
            Kind::Regexp(program) => program.is_match(path),
        }
    };
    if path.is_empty() || path == "." {
        return false;
    }
    let parent = dir(path);
    let mut matched = false;
    for p in &patterns.list {
        if p.exclusion != matched {
            continue;
        }
        let parents = parent != "."
            && (parent.match_indices('/').any(|(k, _)| hit(p, &parent[..k])) || hit(p, &parent));
        if hit(p, path) || parents {
            matched = !p.exclusion;
        }
    }
    matched
}

#[test]
fn the_automaton_agrees_with_the_pike_vm_on_quirks() {
    for (list, path) in [
        (&["a/**/b"][..], "a/x/y/b/c"),
        (&["*.js|*.ts"][..], "dir/x.ts/y"),
        (&["\\bx\\b*"][..], "x/y"),
        (&["a\\B*"][..], "ab/c"),
        (&["[^a]"][..], "\n/x"),
        (&["**/a$*"][..], "b/a/c"),
        (&["x", "!x/**", "x/y/z*"][..], "x/y/zz/w"),
    ] {
        let p = pats(list);
        for prefix in ["", "q/", "/", "a//"] {
            let path = format!("{prefix}{path}");
            assert_eq!(
                p.matches(&path),
                reference(&p, &path),
                "{list:?} vs {path:?}"
            );
        }
    }
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn piece() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "*",
            "**",
            "?",
            "[",
            "]",
            "^",
            "!",
            "-",
            "\\",
            "/",
            ".",
            "..",
            "a",
            "b",
            "z",
            "{",
            "}",
            "|",
            "(",
            ")",
            "$",
            "+",
            ":",
            ",",
            "1",
            "0",
            "x",
            "Q",
            "E",
            "d",
            "[:alpha:]",
            "{2}",
            "{1,3}",
            "\u{FEFF}",
            "é",
            "\n",
            " ",
        ])
        .prop_map(str::to_string)
    }

    fn pattern() -> impl Strategy<Value = String> {
        prop::collection::vec(piece(), 0..12).prop_map(|v| v.concat())
    }

    fn path() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop::sample::select(vec!["a", "b", "/", ".", "x.txt", "*", "[", "é", "\n", "_"]),
            0..10,
        )
        .prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn no_pattern_or_path_panics(list in prop::collection::vec(pattern(), 0..4), p in path()) {
            if let Ok(patterns) = Patterns::new(&list) {
                let excluded = patterns.matches(&p);
                let clean_relative = clean(&p) == p && !p.starts_with('/') && !p.starts_with("..");
                if clean_relative && patterns.may_skip_dir(&p) {
                    prop_assert!(excluded);
                    for child in ["x", "a/b", "x.txt"] {
                        let under = format!("{}/{}", p, child);
                        prop_assert!(patterns.matches(&under), "{} under {}", child, p);
                    }
                }
            }
        }

        #[test]
        fn the_automaton_agrees_with_the_pike_vm(list in prop::collection::vec(pattern(), 1..4), paths in prop::collection::vec(path(), 1..6)) {
            if let Ok(patterns) = Patterns::new(&list) {
                // One list for all paths: its automata are cached across them.
                for p in &paths {
                    prop_assert_eq!(patterns.matches(p), reference(&patterns, p), "{:?} vs {:?}", list, p);
                }
                prop_assert!(patterns.check().is_ok());
            }
        }

        #[test]
        fn arbitrary_text_never_panics(list in prop::collection::vec(any::<String>(), 0..3), p in any::<String>()) {
            if let Ok(patterns) = Patterns::new(&list) {
                patterns.matches(&p);
                patterns.may_skip_dir(&p);
            }
        }

        #[test]
        fn dockerignore_lines_compile_as_they_read(text in prop::collection::vec(pattern(), 0..6).prop_map(|v| v.join("\n"))) {
            let lines = parse_dockerignore(&text);
            prop_assert!(lines.iter().all(|l| !l.is_empty()));
            let _ = Patterns::new(&lines);
        }
    }
}
