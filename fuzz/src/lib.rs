//! Shared checks of the fuzz targets: what must hold for every image the package accepts, and
//! the generator of arbitrary specs for the renderer target.

use std::collections::BTreeMap;

use apothic_image::formats::dockerfile::{self, Args, Instruction};
use apothic_image::{Base, Image, ImageSpec, PipOptions, Step, SPEC_VERSION};
use arbitrary::Arbitrary;

#[path = "../../tests/support/buildkit_lexer.rs"]
#[allow(dead_code, clippy::all)]
pub mod buildkit_lexer;

/// Everything that must hold for an accepted image: `fromSpec(toSpec(x))` is `x` (spec,
/// canonical JSON, hash), the JSON form reads back the same, and a Dockerfile that renders
/// means exactly the spec ([`check_dockerfile`]).
pub fn check_image(image: &Image) {
    let spec = image.to_spec();
    let again = Image::from_spec(&spec).expect("a canonical spec is valid");
    assert_eq!(again.to_spec(), spec, "fromSpec(toSpec(x)) != x");
    assert_eq!(again.definition_hash(), image.definition_hash());
    let json = serde_json::to_string(&spec).expect("spec to JSON");
    let from_json = Image::from_spec_json(&json).expect("the JSON of a canonical spec is valid");
    assert_eq!(from_json.to_spec(), spec);
    assert_eq!(from_json.canonical_json(), image.canonical_json());
    match image.dockerfile() {
        Ok(text) => {
            assert_eq!(
                again.dockerfile().as_ref(),
                Ok(&text),
                "rendering is deterministic"
            );
            check_dockerfile(&spec, &text);
        }
        Err(e) => assert!(
            matches!(
                e.code,
                apothic_image::ErrorCode::NeedsResolve | apothic_image::ErrorCode::LineTooLong
            ),
            "render failed with {e}"
        ),
    }
}

/// A word as BuildKit's lexer reads it (no variables are defined, so any expansion shows).
fn lexed(word: &str) -> String {
    buildkit_lexer::process_word(word, &buildkit_lexer::Env::new())
        .unwrap_or_else(|e| panic!("BuildKit's lexer fails on {word:?}: {e}"))
}

fn text_of(instruction: &Instruction) -> &str {
    match &instruction.args {
        Args::Text(text) => text,
        Args::Json(_) => panic!("{} in JSON form: {instruction:?}", instruction.keyword),
    }
}

/// Checks, with the crate's port of BuildKit's parser and lexer, that `text` (the rendered
/// Dockerfile of `spec`) means the spec: one FROM, then each step's instructions with the
/// values of the spec (ENV pairs, RUN commands in shell or exec form with the active shell,
/// SHELL, WORKDIR, the withDockerfile fragments), and nothing else.
pub fn check_dockerfile(spec: &ImageSpec, text: &str) {
    assert!(text.ends_with('\n'), "no final newline");
    assert!(!text.contains(['\r', '\0']), "a CR or NUL in {text:?}");
    for line in text.lines() {
        assert!(line.len() <= 65_535, "a line of {} bytes", line.len());
    }
    let parsed = dockerfile::parse(text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert!(parsed.directives.is_empty(), "directives in {text:?}");
    let mut rest = parsed.instructions.iter().peekable();
    let from = rest.next().expect("a FROM line");
    assert_eq!(from.keyword, "FROM");
    assert!(from.heredocs.is_empty());
    let default_shell = vec!["/bin/sh".to_string(), "-c".to_string()];
    let mut shell = default_shell.clone();
    let mut next = |what: &str| -> &Instruction {
        let i = rest
            .next()
            .unwrap_or_else(|| panic!("missing {what} in {text}"));
        assert!(i.heredocs.is_empty(), "a heredoc in {text}");
        assert_eq!(i.keyword, what, "in {text}");
        i
    };
    for step in &spec.steps {
        match step {
            Step::PipInstall { .. } | Step::AptInstall { .. } => {
                let _ = text_of(next("RUN"));
            }
            Step::UvPipInstall { .. } => {
                let copy = next("COPY");
                assert!(copy.flag("from").is_some());
                let _ = text_of(next("RUN"));
            }
            Step::Env { values } => {
                let mut got = BTreeMap::new();
                while got.len() < values.len() {
                    let env = next("ENV");
                    assert!(env.flags.is_empty(), "ENV with flags: {env:?}");
                    assert!(!env.values.is_empty());
                    for triple in env.values.chunks(3) {
                        got.insert(lexed(&triple[0]), lexed(&triple[1]));
                    }
                }
                assert_eq!(&got, values, "ENV reads back differently in {text}");
            }
            Step::RunCommands { commands } => {
                for command in commands {
                    let run = next("RUN");
                    assert!(run.flags.is_empty(), "RUN with flags: {run:?}");
                    match &run.args {
                        Args::Text(t) => assert_eq!(t, command, "shell form changed the command"),
                        Args::Json(argv) => {
                            let mut expected = shell.clone();
                            expected.push(command.clone());
                            assert_eq!(argv, &expected, "exec form with the wrong shell");
                        }
                    }
                }
            }
            Step::CommandShell { shell: argv } => {
                let line = next("SHELL");
                shell = argv.clone().unwrap_or_else(|| default_shell.clone());
                assert_eq!(line.args, Args::Json(shell.clone()));
            }
            Step::Workdir { path } => {
                assert_eq!(&lexed(text_of(next("WORKDIR"))), path);
            }
            Step::WithDockerfile { contents } => {
                let fragment = dockerfile::check_fragment(contents).expect("an accepted fragment");
                for expected in &fragment.instructions {
                    let got = next(&expected.keyword);
                    assert_eq!(got.flags, expected.flags);
                    assert_eq!(got.args, expected.args, "fragment changed in {text}");
                    assert_eq!(got.values, expected.values);
                    if got.keyword == "SHELL" {
                        if let Args::Json(argv) = &got.args {
                            shell = argv.clone();
                        }
                    }
                }
            }
            Step::AddLocalFile { .. }
            | Step::AddLocalDir { .. }
            | Step::AddLocalPythonSource { .. } => {}
            other => panic!("{} rendered without resolve", other.op_name()),
        }
    }
    assert!(rest.next().is_none(), "extra instructions in {text}");
}

/// Text users put in values that a naive renderer breaks on.
const HOSTILE: &[&str] = &[
    "$HOME", "${PATH}", "${X:-y}", "'", "\"", "\\", "\\'", "a\\", "\\$", "`id`", "$(id)", "#", " ",
    "\t", "\n", "\r\n", "--", "-x", "=", "&&", ";", "|", "*", "?", "[", "]", "{", "}", "<<EOF",
    "<<-E", "\u{a0}", "\u{85}", "\u{2028}", "\u{1c}", "한", "🚀", "é", "\u{feff}", "ENV", "RUN",
    "[\"a\"]", "\\\n", "python", "pkg>=1", "/", "..", ".", "~", "%", "@",
];

/// A string built from hostile pieces and arbitrary text.
#[derive(Debug, Arbitrary)]
pub struct Text(Vec<Piece>);

#[derive(Debug, Arbitrary)]
enum Piece {
    Hostile(u8),
    Plain(u8),
    Raw(String),
}

impl Text {
    fn get(&self) -> String {
        self.0
            .iter()
            .take(12)
            .map(|p| match p {
                Piece::Hostile(i) => HOSTILE[*i as usize % HOSTILE.len()].to_string(),
                Piece::Plain(i) => {
                    ["a", "x1", "pkg", "A_B", "v", "0.1"][*i as usize % 6].to_string()
                }
                Piece::Raw(s) => s.chars().take(16).collect(),
            })
            .collect()
    }
}

fn texts(items: &[Text]) -> Vec<String> {
    items.iter().take(6).map(Text::get).collect()
}

#[derive(Debug, Arbitrary)]
pub struct FuzzOptions {
    index_url: Option<Text>,
    extra_index_url: Option<Text>,
    find_links: Option<Text>,
    pre: bool,
    extra_options: Option<Text>,
}

impl FuzzOptions {
    fn get(&self) -> PipOptions {
        let url = |t: &Option<Text>| {
            t.as_ref()
                .map(|t| format!("https://example.org/{}", t.get()))
        };
        PipOptions {
            index_url: url(&self.index_url),
            extra_index_url: url(&self.extra_index_url),
            find_links: url(&self.find_links),
            pre: self.pre,
            extra_options: self.extra_options.as_ref().map(Text::get),
        }
    }
}

/// A step that renders without resolve (and the runtime ones, which render nothing).
#[derive(Debug, Arbitrary)]
pub enum FuzzStep {
    Pip(Vec<Text>, FuzzOptions),
    Uv(Vec<Text>, FuzzOptions, u8, u8),
    Env(Vec<(Text, Text)>),
    Run(Vec<Text>),
    Shell(Option<Vec<Text>>),
    Workdir(Text),
    Apt(Vec<Text>),
    Fragment(Vec<(u8, Text)>),
    AddLocalFile(Text, Text),
    AddLocalDir(Text, Text, Vec<Text>),
}

const KEYWORDS: &[&str] = &[
    "RUN",
    "ENV",
    "SHELL",
    "WORKDIR",
    "LABEL",
    "ARG",
    "USER",
    "EXPOSE",
    "CMD",
    "ENTRYPOINT",
    "VOLUME",
    "STOPSIGNAL",
    "HEALTHCHECK CMD",
    "ONBUILD RUN",
    "COPY --from=x",
    "run",
    "Env",
];

impl FuzzStep {
    fn get(&self) -> Step {
        match self {
            FuzzStep::Pip(p, o) => Step::PipInstall {
                packages: texts(p),
                options: o.get(),
            },
            FuzzStep::Uv(p, o, a, b) => Step::UvPipInstall {
                packages: texts(p),
                options: o.get(),
                uv_version: format!("0.{}.{}", a % 20, b % 20),
            },
            FuzzStep::Env(pairs) => Step::Env {
                values: pairs
                    .iter()
                    .take(6)
                    .map(|(k, v)| (k.get(), v.get()))
                    .collect(),
            },
            FuzzStep::Run(c) => Step::RunCommands { commands: texts(c) },
            FuzzStep::Shell(s) => Step::CommandShell {
                shell: s.as_ref().map(|s| texts(s)),
            },
            FuzzStep::Workdir(p) => Step::Workdir { path: p.get() },
            FuzzStep::Apt(p) => Step::AptInstall { packages: texts(p) },
            FuzzStep::Fragment(lines) => Step::WithDockerfile {
                contents: lines
                    .iter()
                    .take(6)
                    .map(|(k, t)| {
                        format!("{} {}\n", KEYWORDS[*k as usize % KEYWORDS.len()], t.get())
                    })
                    .collect(),
            },
            FuzzStep::AddLocalFile(l, r) => Step::AddLocalFile {
                local: l.get(),
                remote: r.get(),
            },
            FuzzStep::AddLocalDir(l, r, i) => Step::AddLocalDir {
                local: l.get(),
                remote: r.get(),
                ignore: texts(i),
            },
        }
    }
}

/// An arbitrary spec: a base and up to 16 steps, values full of hostile text.
#[derive(Debug, Arbitrary)]
pub struct FuzzSpec {
    base: (u8, Text),
    steps: Vec<FuzzStep>,
}

impl FuzzSpec {
    /// The raw spec (`Image::from_spec` canonicalises it or rejects it).
    pub fn get(&self) -> ImageSpec {
        let (kind, text) = &self.base;
        let base = match kind % 4 {
            0 => Base::DebianSlim {
                python_version: "3.12".into(),
            },
            1 => Base::FromRegistry {
                reference: "python:3.12".into(),
                normalized: String::new(),
                prebuilt: false,
            },
            2 => Base::FromRegistry {
                reference: text.get(),
                normalized: String::new(),
                prebuilt: kind & 4 != 0,
            },
            _ => Base::DebianSlim {
                python_version: text.get(),
            },
        };
        ImageSpec {
            version: SPEC_VERSION,
            base,
            steps: self.steps.iter().take(16).map(FuzzStep::get).collect(),
        }
    }
}
