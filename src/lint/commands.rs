//! AL401–AL405: what build commands (`runCommands`, and `RUN` in `withDockerfile`) do that a
//! step of this package does better or that makes a build unsafe or unrepeatable.

use crate::formats::dockerfile::{check_fragment, Args};
use crate::lint::rules::{
    Rule, APT_UPGRADE, CD_WITHOUT_EFFECT, PIPE_TO_SHELL, PIP_INSTALL_IN_RUN, SUDO,
};
use crate::lint::shell::{base_name, command, pipelines};
use crate::lint::{splice, Draft};
use crate::spec::{ImageSpec, PipOptions, Step};

/// Commands a download may be piped into to run it.
const SHELLS: [&str; 8] = [
    "sh", "bash", "zsh", "dash", "ash", "ksh", "python", "python3",
];

/// The longest part of a command a message quotes.
const QUOTED_CHARS: usize = 80;

/// Whether a command line shows what a rule looks for.
type Test = fn(&Seen) -> bool;

/// What one command line does that the rules look at.
#[derive(Default)]
struct Seen {
    pipe_to_shell: bool,
    sudo: bool,
    apt_upgrade: bool,
    /// The whole line is `cd DIR`: `Some(Some(dir))` with a plain `DIR`, `Some(None)` otherwise.
    cd_only: Option<Option<String>>,
    /// A `pip install`: `Some(Some(packages))` when the whole line is one with plain package
    /// arguments only (a `pipInstall` step can replace it), `Some(None)` otherwise.
    pip_install: Option<Option<Vec<String>>>,
}

fn look(line: &str) -> Seen {
    let mut seen = Seen::default();
    let lists = pipelines(line);
    let single = match lists.as_slice() {
        [pipeline] if pipeline.len() == 1 => Some(&pipeline[0]),
        _ => None,
    };
    for pipeline in &lists {
        let mut downloaded = false;
        for simple in pipeline {
            let words = command(simple);
            let name = words.first().map(|w| base_name(w)).unwrap_or("");
            let mut words_on = simple
                .iter()
                .skip_while(|w| w.contains('=') && !w.starts_with('-'));
            if words_on.next().is_some_and(|w| w == "sudo") {
                seen.sudo = true;
            }
            if downloaded && SHELLS.contains(&name) {
                seen.pipe_to_shell = true;
            }
            downloaded |= matches!(name, "curl" | "wget");
            if matches!(name, "apt-get" | "apt" | "aptitude")
                && words[1..]
                    .iter()
                    .any(|w| matches!(w.as_str(), "upgrade" | "dist-upgrade" | "full-upgrade"))
            {
                seen.apt_upgrade = true;
            }
            if let Some(packages) = pip_packages(words) {
                let alone = single.is_some_and(|s| command(s) == words);
                let fixable = alone && packages.iter().all(|p| plain(p) && !p.starts_with('-'));
                let previous = seen.pip_install.take().flatten();
                seen.pip_install = Some(match previous {
                    None if fixable && !packages.is_empty() => Some(packages.to_vec()),
                    _ => None,
                });
            }
        }
    }
    if let Some(simple) = single {
        match simple.as_slice() {
            [cd, dir] if cd == "cd" => {
                seen.cd_only = Some(Some(dir.clone()).filter(|d| plain(d) && !d.starts_with('-')))
            }
            [cd] if cd == "cd" => seen.cd_only = Some(None),
            _ => {}
        }
    }
    seen
}

/// The package arguments of a `pip install` (`pip`, `pip3`, `pip3.12`, `python -m pip`,
/// `uv pip`), or `None` for another command.
fn pip_packages(words: &[String]) -> Option<&[String]> {
    let name = base_name(words.first()?);
    let is_pip = |w: &str| {
        w.strip_prefix("pip")
            .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
    };
    let rest = if is_pip(name) {
        &words[1..]
    } else if name.starts_with("python") && words.get(1).is_some_and(|w| w == "-m") {
        words.get(2).filter(|w| is_pip(w))?;
        &words[3..]
    } else if name == "uv" && words.get(1).is_some_and(|w| w == "pip") {
        // Flagged, never rewritten: `uv pip` has options of its own.
        return words
            .get(2)
            .filter(|w| *w == "install")
            .map(|_| &[] as &[String]);
    } else {
        return None;
    };
    match rest.split_first() {
        Some((install, packages)) if install == "install" => Some(packages),
        _ => None,
    }
}

/// A word that means the same to a shell and as a spec value (nothing to expand).
fn plain(word: &str) -> bool {
    !word.is_empty()
        && !word
            .chars()
            .any(|c| matches!(c, '$' | '`' | '~' | '*' | '?' | '[' | '<' | '>' | '\\'))
}

/// A command shortened for a message.
fn quoted(line: &str) -> String {
    let line = line.trim();
    match line.char_indices().nth(QUOTED_CHARS) {
        Some((at, _)) => format!("`{}…`", &line[..at]),
        None => format!("`{line}`"),
    }
}

/// The rules of the build commands of every step.
pub(super) fn check(spec: &ImageSpec, out: &mut Vec<Draft>) {
    for (index, step) in spec.steps.iter().enumerate() {
        let lines: Vec<String> = match step {
            Step::RunCommands { commands } => commands.clone(),
            Step::WithDockerfile { contents } => fragment_runs(contents),
            _ => continue,
        };
        let seen: Vec<Seen> = lines.iter().map(|line| look(line)).collect();
        let first =
            |test: fn(&Seen) -> bool| seen.iter().position(test).map(|at| quoted(&lines[at]));
        let simple_rules: [(&'static Rule, Test, &str); 3] = [
            (&PIPE_TO_SHELL, |s| s.pipe_to_shell, "runs whatever the URL serves when the image is built, unchecked; download to a file, check its SHA-256, then run it (or install a package of a pinned version)"),
            (&SUDO, |s| s.sudo, "build commands run as root already (`sudo` is often not installed, and with a `USER` set it asks for a password); drop `sudo`"),
            (&APT_UPGRADE, |s| s.apt_upgrade, "upgrades whatever is newest on the day of the build, so two builds of one spec differ; use a newer base image, or pin the packages that need updating with `aptInstall`"),
        ];
        for (rule, test, why) in simple_rules {
            if let Some(line) = first(test) {
                out.push(Draft::new(rule, Some(index), format!("{line}: {why}")));
            }
        }
        let runs = matches!(step, Step::RunCommands { .. });
        if let Some(line) = first(|s| s.cd_only.is_some()) {
            let what = if runs {
                "each command of `runCommands` is its own `RUN`, so the next one starts in the working directory again"
            } else {
                "each `RUN` starts in the working directory again"
            };
            let draft = Draft::new(
                &CD_WITHOUT_EFFECT,
                Some(index),
                format!("{line} changes nothing: {what}; use a `workdir` step"),
            );
            let fixable = runs && seen.iter().all(|s| !matches!(s.cd_only, Some(None)));
            out.push(if fixable {
                let steps = rewrite(&lines, &seen, true, false);
                draft.fix("Use a workdir step instead of `cd`".into(), move |spec| {
                    splice(spec, index, steps)
                })
            } else {
                draft
            });
        }
        if let Some(line) = first(|s| s.pip_install.is_some()) {
            let draft = Draft::new(
                &PIP_INSTALL_IN_RUN,
                Some(index),
                format!("{line}: a `pipInstall` step installs the same packages with the image's Python, in canonical order, without pip's cache, and lets lint check their pins"),
            );
            let fixable = runs && seen.iter().all(|s| !matches!(s.pip_install, Some(None)));
            out.push(if fixable {
                let steps = rewrite(&lines, &seen, false, true);
                draft.fix("Use a pipInstall step".into(), move |spec| {
                    splice(spec, index, steps)
                })
            } else {
                draft
            });
        }
    }
}

/// The steps that replace a `runCommands` step: its `cd DIR` commands as `workdir` steps
/// (`cd`), its plain `pip install`s as `pipInstall` steps (`pip`), the rest as `runCommands`.
fn rewrite(lines: &[String], seen: &[Seen], cd: bool, pip: bool) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut run: Vec<String> = Vec::new();
    let flush = |run: &mut Vec<String>, steps: &mut Vec<Step>| {
        if !run.is_empty() {
            steps.push(Step::RunCommands {
                commands: std::mem::take(run),
            });
        }
    };
    for (line, seen) in lines.iter().zip(seen) {
        match (&seen.cd_only, &seen.pip_install) {
            (Some(Some(dir)), _) if cd => {
                flush(&mut run, &mut steps);
                steps.push(Step::Workdir { path: dir.clone() });
            }
            (_, Some(Some(packages))) if pip => {
                flush(&mut run, &mut steps);
                steps.push(Step::PipInstall {
                    packages: packages.clone(),
                    options: PipOptions::default(),
                });
            }
            _ => run.push(line.clone()),
        }
    }
    flush(&mut run, &mut steps);
    steps
}

/// The shell commands of a fragment's `RUN` instructions.
fn fragment_runs(contents: &str) -> Vec<String> {
    let Ok(parsed) = check_fragment(contents) else {
        return Vec::new();
    };
    parsed
        .instructions
        .iter()
        .filter(|i| i.keyword == "RUN")
        .map(|i| match &i.args {
            Args::Text(text) => text.clone(),
            Args::Json(words) => words.join(" "),
        })
        .collect()
}
