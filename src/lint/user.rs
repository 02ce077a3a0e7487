//! AL301 `runs-as-root`: the image's processes run as root. Known from the spec when a
//! `withDockerfile` fragment sets `USER root` last, or when no fragment sets `USER` on a
//! `debianSlim` base (the `python` images run as root); for a `fromRegistry` base only once its
//! inspection reports the image's user; for a `fromDockerfile` base once resolution read its
//! Dockerfile, whose final stage sets `USER root` last or no `USER` (it then runs as its `FROM`
//! image's user, root for most). No mechanical fix: the default working directory and Python
//! sources live under `/root`, which another user cannot read.

use crate::formats::dockerfile::check_fragment;
use crate::lint::base_file::BaseFile;
use crate::lint::rules::RUNS_AS_ROOT;
use crate::lint::{Draft, Resolved};
use crate::spec::{Base, ImageSpec, Step};

/// What to do about it, for every message.
const ADVICE: &str = "a process that breaks out of its container is then root on the host; if the image does not need root, add a user and `USER` it (`withDockerfile`), with the working directory and the code where that user can read them";

/// True for `root`, `0`, `root:…` and `0:…`.
fn is_root(user: &str) -> bool {
    matches!(
        user.split(':').next().unwrap_or("").trim(),
        "" | "root" | "0"
    )
}

/// AL301.
pub(super) fn check(
    spec: &ImageSpec,
    resolved: Option<&Resolved>,
    base_file: Option<&BaseFile>,
    out: &mut Vec<Draft>,
) {
    let last_user = spec
        .steps
        .iter()
        .enumerate()
        .filter_map(|(index, step)| match step {
            Step::WithDockerfile { contents } => check_fragment(contents).ok().and_then(|f| {
                f.instructions
                    .iter()
                    .rev()
                    .find(|i| i.keyword == "USER")
                    .and_then(|i| i.values.first().cloned())
                    .map(|user| (index, user))
            }),
            _ => None,
        })
        .next_back();
    if let Some((index, user)) = last_user {
        if is_root(&user) {
            out.push(Draft::new(
                &RUNS_AS_ROOT,
                Some(index),
                format!("the last `USER` is `{user}`, so the container runs as root: {ADVICE}"),
            ));
        }
        return;
    }
    let base_user = match &spec.base {
        Base::DebianSlim { .. } => Some("the `python` slim image runs as root".to_string()),
        Base::FromRegistry { reference, .. } => resolved
            .and_then(|r| r.base_user.as_deref())
            .filter(|user| is_root(user))
            .map(|user| match user {
                "" => format!("`{reference}` sets no user (it runs as root)"),
                user => format!("`{reference}` runs as `{user}`"),
            }),
        Base::FromDockerfile { .. } => base_file.and_then(|file| match &file.user {
            None => Some(format!(
                "`{}` sets no `USER` in its final stage, so it runs as its `FROM` image's user (root for most images)",
                file.path
            )),
            Some((line, user)) if is_root(user) => Some(format!(
                "`{}` sets `USER {user}` last in its final stage (line {line})",
                file.path
            )),
            Some(_) => None,
        }),
    };
    if let Some(base_user) = base_user {
        out.push(Draft::new(
            &RUNS_AS_ROOT,
            None,
            format!("{base_user} and no step sets `USER`: {ADVICE}"),
        ));
    }
}
