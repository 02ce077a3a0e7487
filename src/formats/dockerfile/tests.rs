//! Tests of [`super::parse`] and [`super::check_fragment`] against BuildKit's behaviour.

use super::*;
use crate::error::{ErrorCode, Result};

use proptest::prelude::*;

fn err(result: Result<Dockerfile>) -> (ErrorCode, usize, usize, String) {
    let e = result.expect_err("expected an error");
    let p = e.position.expect("error without a position");
    (e.code, p.line, p.column, e.message)
}

fn forbidden_at(fragment: &str, line: usize, column: usize) -> String {
    let (code, l, c, message) = err(check_fragment(fragment));
    assert_eq!(
        (code, l, c),
        (ErrorCode::ForbiddenInstruction, line, column),
        "{fragment:?}: {message}"
    );
    message
}

fn syntax_at(result: Result<Dockerfile>, line: usize, column: usize) -> String {
    let (code, l, c, message) = err(result);
    assert_eq!(
        (code, l, c),
        (ErrorCode::DockerfileSyntax, line, column),
        "{message}"
    );
    message
}

fn keywords(df: &Dockerfile) -> Vec<&str> {
    df.instructions.iter().map(|i| i.keyword.as_str()).collect()
}

#[test]
fn multi_stage_in_order() {
    let df = parse(
        "FROM python:3.12 AS build\nrun pip wheel -w /w .\n\nfrom python:3.12-slim\nCOPY --from=build --chown=1:1 /w /w\nCMD [\"python\", \"-m\", \"app\"]\n",
    )
    .unwrap();
    assert_eq!(keywords(&df), ["FROM", "RUN", "FROM", "COPY", "CMD"]);
    assert_eq!(df.instructions[0].values, ["python:3.12", "AS", "build"]);
    let copy = &df.instructions[3];
    assert_eq!(
        copy.flag("from"),
        Some(&Flag {
            name: "from".into(),
            value: Some("build".into())
        })
    );
    assert_eq!(
        copy.flag("chown").and_then(|f| f.value.as_deref()),
        Some("1:1")
    );
    assert_eq!(copy.args, Args::Text("/w /w".into()));
    assert_eq!(
        copy.sources_and_destination(),
        Some((&["/w".to_string()][..], "/w"))
    );
    assert_eq!((copy.start_line, copy.end_line), (5, 5));
    assert_eq!(
        df.instructions[4].args,
        Args::Json(vec!["python".into(), "-m".into(), "app".into()])
    );
    assert_eq!(df.instructions[1].logical_line, "run pip wheel -w /w .");
}

#[test]
fn directives() {
    let df = parse(
        "# syntax=docker/dockerfile:1\n #ESCAPE = `\n# check=skip=all\nFROM a\nRUN echo `\n  hi\n",
    )
    .unwrap();
    assert_eq!(df.escape, '`');
    assert_eq!(
        df.directives,
        [
            ("syntax".to_string(), "docker/dockerfile:1".to_string()),
            ("escape".to_string(), "`".to_string()),
            ("check".to_string(), "skip=all".to_string()),
        ]
    );
    assert_eq!(df.instructions[1].logical_line, "RUN echo   hi");
    // After a comment, an empty line or an unknown key, directives are comments.
    for text in [
        "# hello\n# escape=`\nFROM a",
        "\n# escape=`\nFROM a",
        "# foo=bar\n# escape=`\nFROM a",
    ] {
        let df = parse(text).unwrap();
        assert_eq!(df.escape, '\\', "{text:?}");
    }
    syntax_at(parse("# escape=`\n# escape=\\\nFROM a"), 2, 1);
    let message = syntax_at(parse("  # escape=x\nFROM a"), 1, 3);
    assert!(message.contains("invalid escape token"), "{message}");
    // `# escape=` followed only by whitespace: the value is the whitespace (invalid).
    syntax_at(parse("# escape= \nFROM a"), 1, 1);
}

#[test]
fn unknown_instruction_named_with_position() {
    let message = syntax_at(parse("FROM a\n  FORM b\n"), 2, 3);
    assert!(
        message.contains("FORM") && message.contains("did you mean FROM"),
        "{message}"
    );
    let message = syntax_at(parse("FROM a\nCOPY x y\n  \\\n  BOGUS thing"), 4, 3);
    assert!(message.contains("BOGUS"), "{message}");
    // A lone continuation at the end of the file makes an empty instruction.
    syntax_at(parse("FROM a\n\\"), 2, 1);
    // ONBUILD triggers BuildKit refuses.
    syntax_at(parse("FROM a\nONBUILD ONBUILD RUN x"), 2, 9);
    syntax_at(parse("FROM a\nONBUILD   from b"), 2, 11);
    syntax_at(parse("FROM a\nONBUILD MAINTAINER me"), 2, 9);
    syntax_at(parse("FROM a\nONBUILD NOPE x"), 2, 9);
    // Keywords are case-insensitive the way Go lowers them (U+212A KELVIN SIGN is `k`).
    assert_eq!(keywords(&parse("wor\u{212a}dir /x").unwrap()), ["WORKDIR"]);
}

#[test]
fn continuations_comments_and_blank_lines() {
    let text = "FROM a\nRUN apt-get update \\\n    # a comment inside\n\n    && apt-get install -y curl \\\n  \t\n\t&& rm -rf /var/lib/apt/lists\nENV A=1\n";
    let df = parse(text).unwrap();
    let run = &df.instructions[1];
    assert_eq!(
        run.logical_line,
        "RUN apt-get update     && apt-get install -y curl \t&& rm -rf /var/lib/apt/lists"
    );
    assert_eq!((run.start_line, run.end_line), (2, 7));
    assert_eq!(
        run.args,
        Args::Text(
            "apt-get update     && apt-get install -y curl \t&& rm -rf /var/lib/apt/lists".into()
        )
    );
    assert_eq!(
        (df.instructions[2].start_line, df.instructions[2].end_line),
        (8, 8)
    );
    // Continuation at the end of the file ends the instruction.
    let df = parse("RUN a \\").unwrap();
    assert_eq!(
        (
            df.instructions[0].logical_line.as_str(),
            df.instructions[0].end_line
        ),
        ("RUN a ", 1)
    );
    // An escaped escape token does not continue the line.
    let df = parse("ENV C trailing\\\\\nENV D x").unwrap();
    assert_eq!(df.instructions.len(), 2);
}

#[test]
fn crlf_and_bom() {
    let df = parse("\u{feff}FROM a\r\nRUN echo hi \\\r\n  there\r\n\r\nUSER me\r\n").unwrap();
    assert_eq!(keywords(&df), ["FROM", "RUN", "USER"]);
    assert_eq!(df.instructions[1].logical_line, "RUN echo hi   there");
    assert_eq!(df.instructions[2].values, ["me"]);
    assert_eq!(
        (df.instructions[2].start_line, df.instructions[2].end_line),
        (5, 5)
    );
    let df = check_fragment("RUN a \\\r\n  b\r\nENV X=1\r\n").unwrap();
    assert_eq!(df.instructions[0].logical_line, "RUN a   b");
    forbidden_at("RUN a\r\nFROM b\r\n", 2, 1);
}

#[test]
fn unicode() {
    let df = check_fragment("RUN echo héllo ☃ \\\n  😀\nENV ÉTÉ=☀ X=\"a b\"\nLABEL org.opencontainers.image.title=\"Ünïcode\"").unwrap();
    assert_eq!(df.instructions[0].logical_line, "RUN echo héllo ☃   😀");
    assert_eq!(
        df.instructions[1].values,
        ["ÉTÉ", "☀", "=", "X", "\"a b\"", "="]
    );
    // Columns count characters.
    forbidden_at("RUN ☃\n\u{a0}\u{a0}COPY a b", 2, 3);
    syntax_at(check_fragment("RUN ☃ ☃\rb"), 1, 8);
}

#[test]
fn json_forms() {
    let df = parse("FROM a\nCMD [\"a\", \"b\"]\nCMD ['a']\nRUN [\"a\"] && b\nVOLUME [\"/a\", \"/b\"]\nSHELL [\"/bin/bash\", \"-c\"]\nENTRYPOINT []\nCOPY [\"a b\", \"/c\"]").unwrap();
    let args: Vec<&Args> = df.instructions.iter().map(|i| &i.args).collect();
    assert_eq!(args[1], &Args::Json(vec!["a".into(), "b".into()]));
    assert_eq!(args[2], &Args::Text("['a']".into()));
    // Go's JSON decoder stops after the array.
    assert_eq!(args[3], &Args::Json(vec!["a".into()]));
    assert_eq!(args[4], &Args::Json(vec!["/a".into(), "/b".into()]));
    assert_eq!(args[6], &Args::Json(vec![]));
    assert_eq!(
        df.instructions[7].sources_and_destination(),
        Some((&["a b".to_string()][..], "/c"))
    );
    let message = syntax_at(parse("FROM a\n\nCMD [ \"echo\", [ \"nested\" ] ]"), 3, 1);
    assert!(message.contains("strings only"), "{message}");
    // ENV/LABEL/ARG argument errors.
    syntax_at(parse("FROM a\n ENV PATH"), 2, 2);
    syntax_at(parse("FROM a\nLABEL a=b c"), 2, 1);
}

#[test]
fn heredocs_like_buildkit() {
    // Adapted from BuildKit's TestParseExtractsHeredoc and TestParseJSONHeredoc
    // (parser_heredoc_test.go, moby/buildkit, Apache-2.0).
    let text = "\nFROM alpine:3.6\n\nENV NAME=me\n\nRUN ls\n\nRUN <<EMPTY\nEMPTY\n\nRUN 3<<EMPTY2\nEMPTY2\n\nRUN \"<<NOHEREDOC\"\n\nRUN <<INDENT\n\tfoo\n\tbar\nINDENT\n\nRUN <<-UNINDENT\n\tbaz\n\tquux\nUNINDENT\n\nRUN <<-UNINDENT2\n\tbaz\n\tquux\n\tUNINDENT2\n\nRUN <<-EXPAND\n\texpand $NAME\nEXPAND\n\nRUN <<-'NOEXPAND'\n\tdon't expand $NAME\nNOEXPAND\n\nRUN <<COPY\necho hello world\necho foo bar\nCOPY\n\nRUN <<COMMENT\n# internal comment\necho hello world\necho foo bar # trailing comment\nCOMMENT\n\nRUN --mount=type=cache,target=/foo <<MOUNT\necho hello\nMOUNT\n\nCOPY <<FILE1 <<FILE2 /dest\ncontent 1\nFILE1\ncontent 2\nFILE2\n\nCOPY <<X <<Y /dest\nY\nX\nX\nY\n\nRUN [\"<<EOF\"]\nRUN [\"<<'EOF'\"]\n\t";
    let df = parse(text).unwrap();
    let h = |name: &str, body: &str, expand: bool, chomp: bool| Heredoc {
        name: name.into(),
        body: body.into(),
        expand,
        chomp,
    };
    let expected: Vec<Vec<Heredoc>> = vec![
        vec![],
        vec![],
        vec![h("EMPTY", "", true, false)],
        vec![h("EMPTY2", "", true, false)],
        vec![],
        vec![h("INDENT", "\tfoo\n\tbar\n", true, false)],
        vec![h("UNINDENT", "\tbaz\n\tquux\n", true, true)],
        vec![h("UNINDENT2", "\tbaz\n\tquux\n", true, true)],
        vec![h("EXPAND", "\texpand $NAME\n", true, true)],
        vec![h("NOEXPAND", "\tdon't expand $NAME\n", false, true)],
        vec![h("COPY", "echo hello world\necho foo bar\n", true, false)],
        vec![h(
            "COMMENT",
            "# internal comment\necho hello world\necho foo bar # trailing comment\n",
            true,
            false,
        )],
        vec![h("MOUNT", "echo hello\n", true, false)],
        vec![
            h("FILE1", "content 1\n", true, false),
            h("FILE2", "content 2\n", true, false),
        ],
        vec![h("X", "Y\n", true, false), h("Y", "X\n", true, false)],
        vec![],
        vec![],
    ];
    let got: Vec<Vec<Heredoc>> = df.instructions[1..]
        .iter()
        .map(|i| i.heredocs.clone())
        .collect();
    assert_eq!(got, expected);
    let copy = &df.instructions[15];
    assert_eq!((copy.start_line, copy.end_line), (60, 64));
    // USER takes no heredoc: the next line is an instruction of its own (here an unknown one).
    let message = syntax_at(parse("FROM a\nUSER <<INVALID\nINVALID\n"), 3, 1);
    assert!(message.contains("INVALID"), "{message}");
    syntax_at(parse("FROM a\nRUN cat <<EOF\nnever ends\n"), 2, 1);
    // ONBUILD triggers take heredocs too.
    let df = parse("FROM a\nONBUILD RUN <<EOF\nx\nEOF\n").unwrap();
    assert_eq!(df.instructions[1].heredocs, [h("EOF", "x\n", true, false)]);
    assert_eq!(
        df.instructions[1]
            .trigger
            .as_ref()
            .map(|t| t.keyword.as_str()),
        Some("RUN")
    );
    assert_eq!(df.instructions[1].end_line, 4);
}

#[test]
fn no_instructions_is_an_error() {
    syntax_at(parse(""), 1, 1);
    syntax_at(parse("# Hello\n# only comments\n\n"), 3, 1);
    syntax_at(check_fragment(""), 1, 1);
    syntax_at(check_fragment("\n\n  \n# nothing\n"), 4, 1);
}

#[test]
fn line_length_limit() {
    let long = format!("RUN {}", "a".repeat(MAX_LINE_BYTES));
    syntax_at(parse(&format!("FROM a\n{long}\n")), 2, 1);
    let ok = format!("RUN {}", "a".repeat(MAX_LINE_BYTES - 4));
    assert!(parse(&ok).is_ok());
    // Short physical lines, but too long for one rendered line.
    let half = "a".repeat(40_000);
    let joined = format!("RUN {half} \\\n{half}");
    assert!(parse(&joined).is_ok());
    let message = syntax_at(check_fragment(&format!("ENV A=1\n{joined}")), 2, 1);
    assert!(message.contains("one line"), "{message}");
}

#[test]
fn fragment_from_is_forbidden() {
    let message = forbidden_at("RUN a\nFROM python:3.12", 2, 1);
    assert!(
        message.contains("fromRegistry") && message.contains("fromDockerfile"),
        "{message}"
    );
    forbidden_at("  from x AS y", 1, 3);
}

#[test]
fn fragment_copy_add_need_a_source_outside_the_context() {
    let message = forbidden_at("COPY app.py /app/", 1, 1);
    assert!(
        message.contains("copyLocalFile") && message.contains("copyLocalDir"),
        "{message}"
    );
    forbidden_at("RUN a\n\tcopy --chown=1 . /", 2, 2);
    forbidden_at("COPY --from= a b", 1, 1);
    forbidden_at("COPY --from a b", 1, 1);
    forbidden_at("COPY --FROM=x a b", 1, 1);
    forbidden_at("COPY [\"a\", \"b\"]", 1, 1);
    assert!(check_fragment("COPY --from=ghcr.io/astral-sh/uv:0.5.0 /uv /usr/local/bin/uv").is_ok());
    assert!(check_fragment("COPY --link --from=build [\"/a b\", \"/c\"]").is_ok());
    let message = forbidden_at("ADD . /src", 1, 1);
    assert!(message.contains("copyLocalFile"), "{message}");
    forbidden_at("ADD https://example.com/a.tgz local.txt /x/", 1, 1);
    assert!(check_fragment("ADD https://example.com/a.tgz /x/").is_ok());
    assert!(check_fragment(
        "ADD --checksum=sha256:00 https://e.com/a git@github.com:moby/buildkit.git /x/"
    )
    .is_ok());
    let message = forbidden_at("ADD --from=build /a /b", 1, 1);
    assert!(message.contains("COPY --from"), "{message}");
    syntax_at(check_fragment("COPY --from=x onlyone"), 1, 1);
    // Continuation lines: the error points at the keyword.
    forbidden_at("RUN apt-get update \\\n    # comment\n\n    && apt-get install -y curl\nCOPY \\\n  a \\\n  b", 5, 1);
    forbidden_at("\\\n  COPY a b", 2, 3);
}

#[test]
fn fragment_directives_are_forbidden() {
    let message = forbidden_at("# syntax=docker/dockerfile:1\nRUN x", 1, 1);
    assert!(
        message.contains("top") || message.contains("first lines"),
        "{message}"
    );
    assert!(message.contains("middle"), "{message}");
    forbidden_at("  # escape=`\nRUN x", 1, 3);
    forbidden_at("#check=skip=all", 1, 1);
    // Not at the top, it is an ordinary comment.
    assert!(check_fragment("RUN x\n# escape=`\nRUN y").is_ok());
}

#[test]
fn fragment_heredocs_are_forbidden() {
    let message = forbidden_at("RUN <<EOF\napt-get update\nEOF", 1, 5);
    assert!(
        message.contains("runCommands") && message.contains("older"),
        "{message}"
    );
    forbidden_at("ENV A=1\nRUN cat \\\n  <<'EOF' > /x\nhi\nEOF\n", 3, 3);
    forbidden_at("COPY --from=x <<EOF /dest\nhi\nEOF", 1, 15);
    // Not heredocs: JSON form, quoted, or not a heredoc-capable instruction.
    assert!(check_fragment(
        "RUN [\"sh\", \"-c\", \"cat <<EOF\"]\nRUN echo '<<EOF'\nLABEL a=\"<<EOF\""
    )
    .is_ok());
}

#[test]
fn fragment_onbuild_wrapping_forbidden_things() {
    let message = forbidden_at("ONBUILD COPY . /app", 1, 9);
    assert!(message.starts_with("ONBUILD COPY"), "{message}");
    forbidden_at("ONBUILD \\\n  ADD . /app", 2, 3);
    let message = forbidden_at("ONBUILD RUN <<EOF\nx\nEOF", 1, 13);
    assert!(message.starts_with("ONBUILD"), "{message}");
    syntax_at(check_fragment("ONBUILD FROM x"), 1, 9);
    let df = check_fragment("ONBUILD COPY --from=x /a /b\nONBUILD RUN make").unwrap();
    assert_eq!(
        df.instructions[1].trigger.as_ref().unwrap().values,
        ["make"]
    );
    assert_eq!(
        df.instructions[1].trigger.as_ref().unwrap().logical_line,
        "RUN make"
    );
}

#[test]
fn fragment_lines_must_survive_rendering() {
    syntax_at(check_fragment("RUN a\rb"), 1, 6);
    // A continuation into the end of the text whose result still ends with `\`.
    let df = parse("RUN a \\\t\\").unwrap();
    assert_eq!(df.instructions[0].logical_line, "RUN a \\\t");
    syntax_at(check_fragment("ENV A=1\nRUN a \\\t\\\n# comment\n\n"), 2, 7);
    assert!(check_fragment("RUN a \\\n").is_ok());
    syntax_at(check_fragment("ENV A=1\nRUN a \\\n b\0"), 3, 3);
}

#[test]
fn fragment_accepted_and_returned() {
    let df = check_fragment(
        "# install tools\nSHELL [\"/bin/bash\", \"-c\"]\nRUN apt-get update && \\\n    apt-get install -y curl\nENV A=1 B=\"two words\"\nWORKDIR /app\nARG X\nLABEL k=v\nUSER root\nEXPOSE 80 443\nVOLUME /data\nHEALTHCHECK --interval=5s CMD curl -f localhost\nSTOPSIGNAL SIGTERM\nENTRYPOINT [\"python\"]\nCMD [\"-m\", \"app\"]\nMAINTAINER me",
    )
    .unwrap();
    assert_eq!(
        keywords(&df),
        [
            "SHELL",
            "RUN",
            "ENV",
            "WORKDIR",
            "ARG",
            "LABEL",
            "USER",
            "EXPOSE",
            "VOLUME",
            "HEALTHCHECK",
            "STOPSIGNAL",
            "ENTRYPOINT",
            "CMD",
            "MAINTAINER"
        ]
    );
    assert_eq!(
        df.instructions[1].logical_line,
        "RUN apt-get update &&     apt-get install -y curl"
    );
    assert_eq!(df.instructions[9].values, ["CMD", "curl -f localhost"]);
    assert_eq!(
        df.instructions[9].flags[0],
        Flag {
            name: "interval".into(),
            value: Some("5s".into())
        }
    );
}

/// The parts of an instruction that must survive writing `logical_line` back on one line.
fn meaning(i: &Instruction) -> String {
    format!(
        "{}|{:?}|{:?}|{:?}|{:?}|{}|{}",
        i.keyword,
        i.flags,
        i.args,
        i.values,
        i.heredocs,
        i.trigger.as_deref().map(meaning).unwrap_or_default(),
        i.logical_line
    )
}

fn fragment_strategy() -> impl Strategy<Value = String> {
    let keyword = prop::sample::select(vec![
        "RUN",
        "run",
        "ENV A=",
        "ENV",
        "ARG",
        "LABEL l=",
        "CMD",
        "SHELL",
        "WORKDIR",
        "USER",
        "EXPOSE",
        "VOLUME",
        "ENTRYPOINT",
        "HEALTHCHECK",
        "STOPSIGNAL",
        "COPY --from=x",
        "ONBUILD RUN",
        "ONBUILD ENV B=",
        "COPY",
        "FROM",
        "# c",
        "  RUN",
        "ENV A=1",
        "RUN --mount=type=cache,target=/x",
        "ONBUILD COPY --from=y",
    ]);
    let word = prop::string::string_regex("[a-z=\"'\\\\`$ \t{}\\[\\],:#<>☃-]{0,12}").unwrap();
    let ending = prop::sample::select(vec![
        "\n",
        "\n",
        "\n",
        "\\\n",
        "\\ \t\n",
        "\r\n",
        "\\\r\n",
        "\n\n",
        "\n  # c\n",
        "\\\n# c\n",
    ]);
    let line = (keyword, prop::collection::vec((word, ending), 1..4)).prop_map(|(k, parts)| {
        let mut s = format!("{k} ");
        for (w, e) in parts {
            s.push_str(&w);
            s.push_str(e);
        }
        s
    });
    prop::collection::vec(line, 1..4).prop_map(|lines| lines.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parse_never_panics(text in any::<String>()) {
        let _ = parse(&text);
        let _ = check_fragment(&text);
    }

    #[test]
    fn parse_never_panics_on_dockerfile_like_text(text in prop::string::string_regex("[A-Za-z \t\r\n\\\\`#=\"'\\[\\]{}$<>:,.-☃\u{a0}\u{feff}]{0,300}").unwrap()) {
        let _ = parse(&text);
        let _ = check_fragment(&text);
    }

    #[test]
    fn accepted_fragments_survive_one_line_per_instruction(fragment in fragment_strategy()) {
        if let Ok(df) = check_fragment(&fragment) {
            let rendered: String = df.instructions.iter().map(|i| format!("{}\n", i.logical_line)).collect();
            let again = parse(&rendered).expect("a rendered fragment parses");
            let before: Vec<String> = df.instructions.iter().map(meaning).collect();
            let after: Vec<String> = again.instructions.iter().map(meaning).collect();
            prop_assert_eq!(before, after, "fragment {:?} rendered {:?}", fragment, rendered);
            prop_assert!(check_fragment(&rendered).is_ok());
        }
    }
}

#[test]
fn some_generated_fragments_are_accepted() {
    // The round-trip property is only meaningful if the strategy produces accepted fragments.
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = fragment_strategy();
    let accepted = (0..500)
        .filter(|_| check_fragment(&strategy.new_tree(&mut runner).unwrap().current()).is_ok())
        .count();
    assert!(
        accepted > 100,
        "only {accepted} of 500 generated fragments accepted"
    );
}
