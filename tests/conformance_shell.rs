//! Quoting conformance against BuildKit's word lexer.
//!
//! 1. The lexer port in `support/buildkit_lexer.rs` passes BuildKit's own lexer tables
//!    (`envVarTest`, `wordsTest` from moby/buildkit `frontend/dockerfile/shell`, Apache-2.0; see
//!    `tests/conformance/NOTICE.md`), kept as `tests/conformance/shell-words.json` with the
//!    environments of `TestShellParser4EnvVars` / `TestShellParser4Words` (lex_test.go). That
//!    shows the port is faithful.
//! 2. Every value BuildKit produced in those tables, every input of them, and a set of hostile
//!    strings survive `shell_quote` → lexer and `escape_dockerfile_word` → lexer unchanged, and
//!    `shell_split(shell_join(words)) == words`.
//! 3. The same properties hold for generated strings (proptest).

#[path = "support/buildkit_lexer.rs"]
mod buildkit_lexer;

use apothic_image::formats::quote::{escape_dockerfile_word, shell_join, shell_quote, shell_split};
use buildkit_lexer::{build_envs, process_word, process_words, Env, Lex};
use proptest::prelude::*;
use serde_json::Value;

const TABLES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/conformance/shell-words.json"
);

/// `shell-words.json`, parsed.
fn tables() -> Value {
    let text =
        std::fs::read_to_string(TABLES).unwrap_or_else(|e| panic!("cannot read {TABLES}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{TABLES} is not JSON: {e}"))
}

/// The cases of one table of `shell-words.json`.
fn cases(table: &str) -> Vec<Value> {
    tables()[table]["cases"]
        .as_array()
        .unwrap_or_else(|| panic!("{TABLES}: no `{table}.cases` list"))
        .clone()
}

/// A string field of a case.
fn string_field(case: &Value, key: &str) -> String {
    case[key]
        .as_str()
        .unwrap_or_else(|| panic!("{TABLES}: case without a string `{key}`: {case}"))
        .to_string()
}

/// A list-of-strings field of a case.
fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("{TABLES}: expected a list of strings, got {value}"))
        .iter()
        .map(|v| {
            v.as_str()
                .unwrap_or_else(|| panic!("{TABLES}: expected a string, got {v}"))
                .to_string()
        })
        .collect()
}

/// Whether a case expects an error (`"error": true`).
fn expects_error(case: &Value) -> bool {
    case["error"].as_bool() == Some(true)
}

/// One case of `process_word` that applies on Unix.
struct EnvVarRow {
    index: usize,
    source: String,
    /// The expected `ProcessWord` result; `None` when the case expects an error.
    expected: Option<String>,
}

/// The cases of `process_word` (BuildKit's `envVarTest`) that apply on Unix: all but those
/// marked `"platform": "windows"`.
fn env_var_rows() -> Vec<EnvVarRow> {
    let mut rows = Vec::new();
    for (index, case) in cases("process_word").iter().enumerate() {
        match case["platform"].as_str() {
            None | Some("unix") => {}
            Some("windows") => continue,
            Some(other) => panic!("{TABLES}: process_word[{index}]: bad platform {other:?}"),
        }
        rows.push(EnvVarRow {
            index,
            source: string_field(case, "input"),
            expected: (!expects_error(case)).then(|| string_field(case, "output")),
        });
    }
    rows
}

/// The environment of `TestShellParser4EnvVars`.
fn env_var_test_env() -> Env {
    build_envs(&strings(&tables()["process_word"]["env"]))
}

/// One case of `process_words` (BuildKit's `wordsTest`), with its environment.
struct WordsRow {
    index: usize,
    envs: Vec<String>,
    source: String,
    /// The expected `ProcessWords` result; `None` when the case expects an error.
    expected: Option<Vec<String>>,
}

/// The cases of `process_words`. (`TestShellParser4Words` has a second mode, raw quotes with
/// unset variables kept, that never reads a row in Go: the file is already at its end by then.)
fn words_rows() -> Vec<WordsRow> {
    cases("process_words")
        .iter()
        .enumerate()
        .map(|(index, case)| WordsRow {
            index,
            envs: strings(&case["env"]),
            source: string_field(case, "input"),
            expected: (!expects_error(case)).then(|| strings(&case["words"])),
        })
        .collect()
}

#[test]
fn buildkit_lexer_port_passes_buildkit_tables() {
    let env = env_var_test_env();
    let rows = env_var_rows();
    let mut failures = Vec::new();
    for row in &rows {
        let got = process_word(&row.source, &env);
        let ok = match (&row.expected, &got) {
            (None, Err(_)) => true,
            (Some(want), Ok(have)) => want == have,
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "process_word[{}]: {:?} expected {:?}, got {:?}",
                row.index, row.source, row.expected, got
            ));
        }
    }
    let env_var_passed = rows.len() - failures.len();

    let words = words_rows();
    let before = failures.len();
    for row in &words {
        let got = process_words(&row.source, &build_envs(&row.envs));
        let ok = match (&row.expected, &got) {
            (None, Err(_)) => true,
            (Some(want), Ok(have)) => want == have,
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "process_words[{}]: {:?} expected {:?}, got {:?}",
                row.index, row.source, row.expected, got
            ));
        }
    }
    let words_passed = words.len() - (failures.len() - before);

    println!(
        "buildkit lexer conformance: envVarTest {env_var_passed}/{}, wordsTest {words_passed}/{}",
        rows.len(),
        words.len()
    );
    assert!(
        rows.len() > 200 && words.len() > 20,
        "tables look truncated"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Cases of `TestProcessWithMatches` and `TestShellParserMandatoryEnvVars` (lex_test.go): the
/// modifiers the tables do not reach (`#`, `##`, `%`, `%%`, `/`, `//`, `?`).
#[test]
fn buildkit_lexer_port_passes_process_with_matches_cases() {
    fn env(pairs: &[(&str, &str)]) -> Env {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }
    let fx = env(&[("FOO", "xxx"), ("BAR", "")]);
    let cases: Vec<(&str, Env, Option<&str>)> = vec![
        ("x", env(&[("DUMMY", "dummy")]), Some("x")),
        ("x ${UNUSED}", env(&[("DUMMY", "dummy")]), Some("x ")),
        ("x ${FOO}", env(&[("FOO", "y")]), Some("x y")),
        ("${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}", fx.clone(), Some("xxx  ccc")),
        ("${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}", fx.clone(), Some("xxx bbb ccc")),
        ("${FOO:-}", fx.clone(), Some("xxx")),
        ("${FOO:-}", env(&[]), Some("")),
        ("${FOO+aaa} ${BAR+bbb} ${BAZ+ccc}", fx.clone(), Some("aaa bbb ")),
        ("${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}", fx.clone(), Some("aaa  ")),
        ("${FOO?aaa}", fx.clone(), Some("xxx")),
        ("${BAR?bbb}", fx.clone(), Some("")),
        ("${BAZ?ccc}", fx.clone(), None),
        ("${FOO:?aaa}", fx.clone(), Some("xxx")),
        ("${BAR:?bbb}", fx.clone(), None),
        ("${BAZ:?ccc}", fx.clone(), None),
        ("${BAZ:?}", fx.clone(), None),
        ("${FOO=aaa}", fx.clone(), None),
        ("${FOO=:aaa}", fx.clone(), None),
        ("${FOO=}", env(&[]), None),
        (
            r"${FOO#()[]{\}^$.\*\?|\\}",
            env(&[("FOO", r"()[]{}^$.*?|\x")]),
            Some("x"),
        ),
        (r"${FOO%%\**}", env(&[("FOO", "xx**")]), Some("xx")),
        ("${FOO#*x*y}", env(&[("FOO", "xxyy")]), Some("y")),
        ("${FOO#*}", env(&[("FOO", "xxyy")]), Some("xxyy")),
        ("${FOO#$BAR}", env(&[("FOO", "xxyy"), ("BAR", "x")]), Some("xyy")),
        ("${FOO#$BAR}", env(&[("FOO", "xxyy"), ("BAR", "")]), Some("xxyy")),
        ("${FOO#}", env(&[("FOO", "xxyy")]), Some("xxyy")),
        ("${FOO##*x}", env(&[("FOO", "xxyy")]), Some("yy")),
        ("${FOO##}", env(&[("FOO", "xxyy")]), Some("xxyy")),
        (r"${FOO#?\?}", env(&[("FOO", "???y")]), Some("?y")),
        ("${ABC:-.}${FOO%x}${ABC:-.}", env(&[("FOO", "xxyy")]), Some(".xxyy.")),
        (r"${FOO%%\**\*}", env(&[("FOO", "a***yy*")]), Some("a")),
        ("${FOO%}", env(&[("FOO", "xxyy")]), Some("xxyy")),
        ("${FOO%%$BAR}", env(&[("FOO", "xxyy"), ("BAR", "")]), Some("xxyy")),
        (
            "${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}",
            env(&[("FOO", "/foo*/*/*.txt"), ("NEEDLE", r"\*/")]),
            Some("/foo.*/*.txt - /foo..*.txt"),
        ),
        (
            "${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}",
            env(&[("FOO", "/tmp/tmp/bar.txt"), ("NEEDLE", "/tmp")]),
            Some("/tmp/bar.txt - /bar.txt"),
        ),
        (
            "${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}",
            env(&[
                ("FOO", "/a/foo/b/c.txt"),
                ("NEEDLE", "/?/"),
                ("REPLACEMENT", "/"),
            ]),
            Some("/foo/b/c.txt - /foo/c.txt"),
        ),
        (
            "${FOO/$NEEDLE/$REPLACEMENT}",
            env(&[
                ("FOO", "http://google.de"),
                ("NEEDLE", "http://"),
                ("REPLACEMENT", "https://"),
            ]),
            Some("https://google.de"),
        ),
        (
            r"${FOO//\//\/}",
            env(&[("FOO", "/tmp/foo.txt")]),
            Some(r"\/tmp\/foo.txt"),
        ),
        ("${FOO/$BAR/ww}", env(&[("FOO", "xxyy"), ("BAR", "")]), Some("wwxxyy")),
        ("${FOO//ww}", env(&[("FOO", "xxyy")]), None),
        ("${FOO//}", env(&[("FOO", "xxyy")]), None),
        ("${FOO///}", env(&[("FOO", "xxyy")]), Some("xxyy")),
        ("${FOO///}", env(&[]), Some("")),
        // TestProcessWithMatchesPlatform
        (
            "something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz",
            env(&[
                ("VERSION", "v1.2.3"),
                ("TARGETOS", "linux"),
                ("TARGETARCH", "arm"),
                ("TARGETVARIANT", "v7"),
            ]),
            Some("something-v1.2.3.linux-arm-v7.tar.gz"),
        ),
        // TestShellParserMandatoryEnvVars
        ("${VAR:?message here$ARG}", env(&[("VAR", "plain"), ("ARG", "x")]), Some("plain")),
        ("${VAR:?message here$ARG}", env(&[("VAR", ""), ("ARG", "x")]), None),
        ("${VAR:?message here$ARG}", env(&[("ARG", "x")]), None),
        ("${VAR?message here$ARG}", env(&[("VAR", "plain"), ("ARG", "x")]), Some("plain")),
        ("${VAR?message here$ARG}", env(&[("VAR", ""), ("ARG", "x")]), Some("")),
        ("${VAR?message here$ARG}", env(&[("ARG", "x")]), None),
    ];
    let mut failures = Vec::new();
    for (input, env, want) in &cases {
        let got = process_word(input, env);
        let ok = match (want, &got) {
            (None, Err(_)) => true,
            (Some(w), Ok(g)) => w == g,
            _ => false,
        };
        if !ok {
            failures.push(format!("{input:?} expected {want:?}, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // The `?` message carries the expanded word.
    let e = process_word("${VAR:?message here$ARG}", &env(&[("ARG", "x")])).unwrap_err();
    assert!(e.0.contains("message herex"), "{e}");

    // Matched and unmatched names.
    let r = Lex::new('\\')
        .process("${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}", &fx)
        .unwrap();
    assert_eq!(r.matched.into_iter().collect::<Vec<_>>(), ["BAR", "FOO"]);
    assert_eq!(r.unmatched.into_iter().collect::<Vec<_>>(), ["BAZ"]);
}

/// Strings chosen to break quoting: quotes, expansions, escapes, unicode, dashes, tabs.
fn hostile_strings() -> Vec<String> {
    [
        "",
        " ",
        "   ",
        "\t",
        " \t ",
        "'",
        "''",
        "\"",
        "\"\"",
        "'\"'\"'",
        "it's",
        "'quoted'",
        "\"double\"",
        "$HOME",
        "${HOME}",
        "$X",
        "${X}",
        "a$X b",
        "${X:-default}",
        "${X:+alt}",
        "${X?err}",
        "${X:?err}",
        "${X#pre}",
        "${X%suf}",
        "${X/a/b}",
        "${X//a/b}",
        "${",
        "${}",
        "}",
        "$",
        "$$",
        "$1",
        "$@",
        "$*",
        "$#",
        "$?",
        "$!",
        "$0",
        "$-",
        "$.",
        "\\",
        "\\\\",
        "trailing\\",
        "trailing\\\\",
        "\\$HOME",
        "\\'",
        "a\\'b",
        "\\\"",
        "'\\'",
        "\"\\\"",
        "\\t",
        "`id`",
        "$(id)",
        "한국어",
        "안녕 하세요",
        "$KOREAN",
        "😀",
        "emoji 😀 $HOME",
        "👩‍👩‍👧‍👦 family",
        "-rf",
        "--flag=value",
        "-",
        "--",
        "tab\there",
        "a\tb c",
        "*",
        "?",
        "[a]",
        "~",
        "~/x",
        "#comment",
        "a#b",
        "!",
        "&&",
        "|",
        ";",
        "<>",
        "{}",
        "\u{feff}bom",
        "\u{feff}",
        "x\u{feff}",
        "\u{a0}nbsp\u{a0}",
        "\u{2028}",
        "\u{85}",
        "\u{b}\u{c}",
        "C:\\Program Files\\x",
        "/root/my dir/file's \"name\".txt",
        "=",
        "A=B",
        "${PWD:+${SHELL}}",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// An environment where every name the hostile strings mention has a value, so an expansion
/// that should not happen changes the result.
fn hostile_env() -> Env {
    build_envs(&[
        "HOME=/root",
        "X=expanded",
        "PWD=/home",
        "SHELL=bash",
        "KOREAN=한국어",
        "NULL=",
        "1=one",
        "@=at",
        "*=star",
        "#=hash",
        "?=question",
        "!=bang",
        "0=zero",
        "-=dash",
        "$=dollar",
        "hi=hi",
        "XX=xx",
        "aaa=AAA",
        "foo=FOO",
        "space=abc  def",
    ])
}

/// Every value that appears in BuildKit's tables: inputs, expected outputs, env values.
fn conformance_values() -> Vec<String> {
    let mut values = Vec::new();
    for row in env_var_rows() {
        values.push(row.source);
        if let Some(v) = row.expected {
            values.push(v);
        }
    }
    for row in words_rows() {
        values.push(row.source);
        if let Some(expected) = row.expected {
            values.push(expected.join(" "));
            values.extend(expected);
        }
        for e in row.envs {
            if let Some((_, v)) = e.split_once('=') {
                values.push(v.to_string());
            }
        }
    }
    values.sort();
    values.dedup();
    values
}

fn all_values() -> Vec<String> {
    let mut v = conformance_values();
    v.extend(hostile_strings());
    v
}

/// `shell_quote(v)` read by BuildKit's lexer is `v`, as one word.
fn check_quote(v: &str, env: &Env) -> Result<(), String> {
    let q = shell_quote(v);
    let got = process_word(&q, env);
    if got.as_deref() != Ok(v) {
        return Err(format!("shell_quote({v:?}) = {q:?} reads back as {got:?}"));
    }
    let words = process_words(&q, env);
    // ProcessWords drops empty words, quoted or not.
    let want: Vec<String> = if v.is_empty() {
        vec![]
    } else {
        vec![v.to_string()]
    };
    if words.as_ref() != Ok(&want) {
        return Err(format!("shell_quote({v:?}) = {q:?} splits into {words:?}"));
    }
    Ok(())
}

/// `escape_dockerfile_word(v)` read by BuildKit's lexer is `v` (as one word if `v` has no
/// whitespace).
fn check_escape(v: &str, env: &Env) -> Result<(), String> {
    let e = escape_dockerfile_word(v);
    let got = process_word(&e, env);
    if got.as_deref() != Ok(v) {
        return Err(format!(
            "escape_dockerfile_word({v:?}) = {e:?} reads back as {got:?}"
        ));
    }
    if !v.is_empty() && !v.chars().any(char::is_whitespace) {
        let words = process_words(&e, env);
        if words != Ok(vec![v.to_string()]) {
            return Err(format!(
                "escape_dockerfile_word({v:?}) = {e:?} splits into {words:?}"
            ));
        }
    }
    Ok(())
}

#[test]
fn shell_quote_survives_buildkit_lexer() {
    let env = hostile_env();
    let values = all_values();
    let failures: Vec<String> = values
        .iter()
        .filter_map(|v| check_quote(v, &env).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The values really are hostile: most change when given to the lexer unquoted.
    let changed = values
        .iter()
        .filter(|v| process_word(v, &env).as_deref() != Ok(v.as_str()))
        .count();
    assert!(changed > 100, "only {changed} values change unquoted");
}

#[test]
fn escape_dockerfile_word_survives_buildkit_lexer() {
    let env = hostile_env();
    let failures: Vec<String> = all_values()
        .iter()
        .filter(|v| !v.chars().any(char::is_whitespace))
        .filter_map(|v| check_escape(v, &env).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn escape_dockerfile_word_survives_buildkit_lexer_with_whitespace_too() {
    // ProcessWord (no splitting) keeps whitespace; only the Dockerfile line parser splits.
    let env = hostile_env();
    let failures: Vec<String> = all_values()
        .iter()
        .filter_map(|v| check_escape(v, &env).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn shell_split_inverts_shell_join() {
    let values = all_values();
    assert_eq!(shell_split(&shell_join(&values)).unwrap(), values);
    for v in &values {
        assert_eq!(shell_split(&shell_quote(v)).unwrap(), [v.as_str()], "{v:?}");
        assert_eq!(
            shell_split(&shell_join([v, v])).unwrap(),
            [v.as_str(), v.as_str()]
        );
    }
}

/// Characters that matter to quoting, mixed with any character.
fn interesting_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => prop::sample::select(vec![
            '\'', '"', '$', '\\', '{', '}', ' ', '\t', '`', '#', '%', '/', ':', '-', '+', '?',
            '=', '*', '@', '!', 'a', 'Z', '0', '1', '_', '한', '😀', '\u{feff}', '\u{a0}', '\n',
            '\r', '\0', '~', ';', '|',
        ]),
        1 => any::<char>(),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::collection::vec(interesting_char(), 0..32)
            .prop_map(|v| v.into_iter().collect::<String>()),
        // Short words of mostly quote-free characters with the odd special one, so that a
        // quoting rule that lets a special character through unquoted gets caught.
        2 => prop::collection::vec(
            prop::sample::select(vec![
                'a', 'B', '1', '_', '-', '/', '.', '=', ':', '@', '%', '+', ',', '$', '\\', '\'',
                '"', '{', '}', ' ', '`', '#', '~', '*',
            ]),
            0..8,
        )
        .prop_map(|v| v.into_iter().collect::<String>()),
        1 => any::<String>(),
    ]
}

/// A string that can sit on a Dockerfile line: no `\n`, `\r` or NUL.
fn line_text() -> impl Strategy<Value = String> {
    text().prop_map(|s| s.replace(['\n', '\r', '\0'], ""))
}

proptest! {
    // No failure persistence: integration tests have no lib.rs next to them to anchor the file.
    #![proptest_config(ProptestConfig {
        cases: 2000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn prop_shell_quote_reads_back(v in line_text()) {
        if let Err(e) = check_quote(&v, &hostile_env()) {
            return Err(TestCaseError::fail(e));
        }
    }

    #[test]
    fn prop_escape_dockerfile_word_reads_back(v in line_text()) {
        let v: String = v.chars().filter(|c| !c.is_whitespace()).collect();
        if let Err(e) = check_escape(&v, &hostile_env()) {
            return Err(TestCaseError::fail(e));
        }
    }

    #[test]
    fn prop_escape_dockerfile_word_reads_back_with_whitespace(v in line_text()) {
        if let Err(e) = check_escape(&v, &hostile_env()) {
            return Err(TestCaseError::fail(e));
        }
    }

    #[test]
    fn prop_shell_split_inverts_shell_join(words in prop::collection::vec(text(), 0..6)) {
        prop_assert_eq!(shell_split(&shell_join(&words)).unwrap(), words);
    }

    #[test]
    fn prop_shell_split_never_panics(s in text()) {
        let _ = shell_split(&s);
    }

    #[test]
    fn prop_lexer_port_never_panics(s in text()) {
        let _ = process_word(&s, &hostile_env());
        let _ = process_words(&s, &hostile_env());
    }
}
