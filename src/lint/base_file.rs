//! A `fromDockerfile` base's Dockerfile, which only resolution reads: its `FROM` images (AL203
//! `latest-base-tag`, AL204 `base-without-digest`), the secrets its `ENV`s and `ARG`s set
//! (AL101 `secret-in-env`) and the user its final stage runs as (AL301, in `user`). Findings
//! are on the base (`step: null`) and name the Dockerfile's lines; none has a fix (the
//! Dockerfile is the user's file). Each instruction is looked at once.

use crate::formats::dockerfile::parse;
use crate::lint::pins::base_pin;
use crate::lint::rules::{LATEST_BASE, SECRET_IN_ENV, UNPINNED_BASE_DIGEST};
use crate::lint::secrets::{instruction_secrets, reasons};
use crate::lint::{items_list, Draft, Resolved};
use crate::spec::{Base, ImageSpec};

/// What lint needs of a base's Dockerfile.
pub(super) struct BaseFile {
    /// The Dockerfile's path, as the spec names it.
    pub(super) path: String,
    /// Each `FROM` that pulls an image, as (line, reference): not a `FROM` of an earlier stage,
    /// of `scratch`, or with a variable. Line 0 is the spec's default base (no `FROM`).
    froms: Vec<(usize, String)>,
    /// The secrets of its `ENV`s and `ARG`s, as (line, name, why).
    secrets: Vec<(usize, String, String)>,
    /// The final stage's last `USER` as (line, user), following `FROM` of an earlier stage;
    /// `None` when it sets none.
    pub(super) user: Option<(usize, String)>,
}

/// The base's Dockerfile, when resolution read one (and it parses, as resolution checked).
pub(super) fn read(spec: &ImageSpec, resolved: Option<&Resolved>) -> Option<BaseFile> {
    let Base::FromDockerfile {
        path,
        base: default_base,
        ..
    } = &spec.base
    else {
        return None;
    };
    let parsed = parse(resolved?.base_dockerfile.as_deref()?).ok()?;
    let mut file = BaseFile {
        path: path.clone(),
        froms: Vec::new(),
        secrets: Vec::new(),
        user: None,
    };
    // Each stage's name (lower case) and last `USER`.
    type Stage = (Option<String>, Option<(usize, String)>);
    let mut stages: Vec<Stage> = Vec::new();
    if !parsed.instructions.iter().any(|i| i.keyword == "FROM") {
        file.froms.push((0, default_base.clone()));
        stages.push((None, None));
    }
    for instruction in &parsed.instructions {
        let line = instruction.start_line;
        match instruction.keyword.as_str() {
            "FROM" => {
                let words = &instruction.values;
                let image = words.first().cloned().unwrap_or_default();
                let lower = image.to_ascii_lowercase();
                let earlier = stages
                    .iter()
                    .rev()
                    .find(|(name, _)| name.as_deref() == Some(lower.as_str()));
                let user = earlier.and_then(|(_, user)| user.clone());
                if earlier.is_none() && lower != "scratch" && !image.contains('$') {
                    file.froms.push((line, image));
                }
                let named = words.len() >= 3 && words[1].eq_ignore_ascii_case("as");
                stages.push((named.then(|| words[2].to_ascii_lowercase()), user));
            }
            "USER" => {
                if let (Some(stage), Some(user)) = (stages.last_mut(), instruction.values.first()) {
                    stage.1 = Some((line, user.clone()));
                }
            }
            _ => file.secrets.extend(
                instruction_secrets(instruction)
                    .into_iter()
                    .map(|(name, why)| (line, name, why)),
            ),
        }
    }
    file.user = stages.pop().and_then(|(_, user)| user);
    Some(file)
}

/// AL203 and AL204 on the Dockerfile's `FROM`s, AL101 on its `ENV`s and `ARG`s.
pub(super) fn check(file: &BaseFile, out: &mut Vec<Draft>) {
    let path = &file.path;
    for rule in [&LATEST_BASE, &UNPINNED_BASE_DIGEST] {
        let found: Vec<&(usize, String)> = file
            .froms
            .iter()
            .filter(|(_, reference)| base_pin(reference) == Some(rule))
            .collect();
        if found.is_empty() {
            continue;
        }
        let listed: Vec<String> = found
            .iter()
            .map(|(line, reference)| match line {
                0 => format!("`{reference}` (the default base: the Dockerfile has no `FROM`)"),
                line => format!("`FROM {reference}` (line {line})"),
            })
            .collect();
        let what = format!("`{path}`: {}", items_list(&listed, listed.len()));
        let message = if rule == &LATEST_BASE {
            format!(
                "{what} {} whatever `latest` points to on the day of the build; name a tag with a version (`:3.12-slim`), best with its digest (`@sha256:…`)",
                if found.len() == 1 { "is" } else { "are" }
            )
        } else {
            format!(
                "{what} {} no digest: a tag can be moved to another image; add the digest (`image:tag@sha256:…`) to build the same base every time",
                if found.len() == 1 { "has" } else { "have" }
            )
        };
        out.push(Draft::new(rule, None, message));
    }
    if !file.secrets.is_empty() {
        let found: Vec<(String, String)> = file
            .secrets
            .iter()
            .map(|(line, name, why)| (name.clone(), format!("line {line}: {why}")))
            .collect();
        out.push(Draft::new(
            &SECRET_IN_ENV,
            None,
            format!(
                "`{path}`, {}: an `ENV` or `ARG` value of the base's Dockerfile is kept in the image's history; pass it when the container runs, or use a build secret (`RUN --mount=type=secret`)",
                reasons(&found)
            ),
        ));
    }
}
