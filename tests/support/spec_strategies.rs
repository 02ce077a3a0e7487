//! proptest strategies for random specs full of hostile values (quotes, `$`, backslashes,
//! unicode, leading dashes, line breaks in commands), shared by the parse-back and property tests.
//! They make raw specs; `Image::from_spec` canonicalises them or rejects the few invalid ones.

use std::collections::BTreeMap;

use apothic_image::{Base, ImageSpec, PipOptions, Step, SPEC_VERSION};
use proptest::prelude::*;

/// Text users put in values that a naive renderer would break on.
const HOSTILE: &[&str] = &[
    "$HOME",
    "${PATH}",
    "${X:-y}",
    "'",
    "\"",
    "\\",
    "\\'",
    "'\\",
    "a\\",
    "\\$HOME",
    "`id`",
    "$(id)",
    "#",
    " ",
    "\t",
    "--",
    "-x",
    "=",
    "&&",
    ";",
    "|",
    "*",
    "?",
    "[",
    "]",
    "{",
    "}",
    "한국어",
    "🚀",
    "é",
    "\u{a0}",
    "\u{85}",
    "\u{2028}",
    "<<EOF",
    "\u{1b}[31m",
];

fn hostile_text(max_parts: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            prop::sample::select(HOSTILE).prop_map(str::to_string),
            "[a-zA-Z0-9_./:=@%+,-]{1,8}",
            "\\PC{1,4}",
        ],
        0..max_parts,
    )
    .prop_map(|parts| parts.concat())
}

/// Values without the three characters no Dockerfile line can carry.
fn line_text(max_parts: usize) -> impl Strategy<Value = String> {
    hostile_text(max_parts).prop_map(|s| s.replace(['\n', '\r', '\0'], ""))
}

fn nonblank(s: String) -> Option<String> {
    (!s.trim().is_empty()).then_some(s)
}

fn package() -> impl Strategy<Value = String> {
    line_text(4).prop_filter_map("a package", |s| {
        let s = s.replace(|c: char| c.is_control(), "");
        nonblank(s).filter(|s| !s.starts_with('-'))
    })
}

fn url() -> impl Strategy<Value = Option<String>> {
    prop::option::of("https://[a-z]{1,8}\\.example/[a-zA-Z0-9$'\"~_-]{0,12}")
}

fn pip_options() -> impl Strategy<Value = PipOptions> {
    (
        url(),
        url(),
        url(),
        any::<bool>(),
        prop::option::of(prop::collection::vec(line_text(3), 0..3)),
    )
        .prop_map(
            |(index_url, extra_index_url, find_links, pre, extra)| PipOptions {
                index_url,
                extra_index_url,
                find_links,
                pre,
                extra_options: extra.map(apothic_image::formats::quote::shell_join),
            },
        )
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (prop::collection::vec(package(), 1..4), pip_options())
            .prop_map(|(packages, options)| Step::PipInstall { packages, options }),
        (
            prop::collection::vec(package(), 1..4),
            pip_options(),
            "0\\.[0-9]{1,2}\\.[0-9]{1,2}"
        )
            .prop_map(|(packages, options, uv_version)| Step::UvPipInstall {
                packages,
                options,
                uv_version
            }),
        prop::collection::btree_map(
            line_text(3).prop_filter_map("a key", |k| {
                let k: String = k
                    .chars()
                    .filter(|c| !(c.is_whitespace() || c.is_control() || *c == '='))
                    .collect();
                (!k.is_empty()).then_some(k)
            }),
            line_text(5),
            1..4,
        )
        .prop_map(|values: BTreeMap<String, String>| Step::Env { values }),
        prop::collection::vec(
            (
                hostile_text(6),
                prop::sample::select(&["", "\n", "\r\n", "\n\n"][..]),
                hostile_text(3)
            )
                .prop_filter_map("a command", |(a, sep, b)| nonblank(
                    format!("{a}{sep}{b}").replace('\0', "")
                )),
            1..4,
        )
        .prop_map(|commands| Step::RunCommands { commands }),
        prop::option::of(
            prop::collection::vec(line_text(2), 1..3).prop_map(|mut argv| {
                argv.insert(0, "/bin/bash".to_string());
                argv
            })
        )
        .prop_map(|shell| Step::CommandShell { shell }),
        line_text(4)
            .prop_filter_map("a path", |p| nonblank(
                p.replace(|c: char| c.is_control(), "")
            ))
            .prop_map(|path| Step::Workdir { path }),
        prop::collection::vec("[a-z0-9][a-z0-9+.-]{0,10}(=[0-9][a-z0-9.+~:-]{0,6})?", 1..5)
            .prop_map(|packages| Step::AptInstall { packages }),
        Just(Step::WithDockerfile {
            contents: "SHELL [\"/bin/bash\", \"-eu\", \"-c\"]\nRUN echo \\\n  split".into()
        }),
    ]
}

pub fn spec() -> impl Strategy<Value = ImageSpec> {
    let base = prop_oneof![
        (
            prop::sample::select(&["3.10", "3.11", "3.12", "3.13.2", "3.15"][..]),
            any::<bool>()
        )
            .prop_map(|(v, build_tools)| Base::DebianSlim {
                python_version: v.to_string(),
                build_tools,
            }),
        prop::sample::select(
            &[
                "python:3.12",
                "ubuntu",
                "ghcr.io/org/app:v1",
                "localhost:5000/a/b"
            ][..]
        )
        .prop_flat_map(
            |r| prop::sample::select(&[None, Some("3.10"), Some("3.13")][..]).prop_map(
                move |add_python| Base::FromRegistry {
                    reference: r.to_string(),
                    normalized: String::new(),
                    prebuilt: false,
                    add_python: add_python.map(Into::into),
                }
            )
        ),
    ];
    (base, prop::collection::vec(step(), 0..12)).prop_map(|(base, steps)| ImageSpec {
        version: SPEC_VERSION,
        base,
        steps,
    })
}
