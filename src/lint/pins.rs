//! AL201–AL205: what is not pinned, so two builds of one spec may install different things:
//! Python packages without `==`/`~=`, Debian packages without `=version`, a `fromRegistry` base
//! on `:latest` or without a digest (fixed by pinning the digest its inspection reported), a VCS
//! requirement on a branch or tag. The same tests serve the files resolution reads
//! (`installs`, `base_file`).

use crate::formats::reference::parse_image_ref;
use crate::lint::rules::{
    Rule, LATEST_BASE, UNPINNED_APT_PACKAGE, UNPINNED_BASE_DIGEST, UNPINNED_PIP_PACKAGE,
    UNPINNED_VCS_REQUIREMENT,
};
use crate::lint::{names_list, Draft, Resolved};
use crate::spec::{Base, ImageSpec, Step};

/// True when a requirement names one version (`==`, `===`, `~=`), or is a direct reference
/// (`name @ url`, a URL or a path: no version range to pin).
pub(super) fn pip_pinned(requirement: &str) -> bool {
    let requirement = requirement.split(';').next().unwrap_or("");
    requirement.contains("==")
        || requirement.contains("~=")
        || requirement.contains('@')
        || requirement.contains("://")
        || requirement.starts_with(['.', '/'])
}

/// The VCS schemes pip knows (`git+https://…`).
const VCS_SCHEMES: [&str; 4] = ["git+", "hg+", "svn+", "bzr+"];

/// True for a VCS requirement (`name @ git+https://host/repo@REF`, `git+…#egg=name`) whose ref
/// is not a full commit hash (40 or 64 hex digits; for Subversion a revision number): a branch
/// or tag can be moved, and pip only treats a full commit as immutable.
pub(super) fn vcs_unpinned(requirement: &str) -> bool {
    let Some(at) = VCS_SCHEMES
        .iter()
        .filter_map(|scheme| requirement.find(scheme))
        .min()
    else {
        return false;
    };
    let url = requirement[at..].split_whitespace().next().unwrap_or("");
    let url = url.split(['#', '?']).next().unwrap_or("");
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    // The ref follows the last `@` of the path (an `@` before the first `/` is a user).
    let path = after_scheme.split_once('/').map_or("", |(_, path)| path);
    let Some((_, reference)) = path.rsplit_once('@') else {
        return true;
    };
    let hex = |n: usize| reference.len() == n && reference.bytes().all(|b| b.is_ascii_hexdigit());
    let svn_revision = url.starts_with("svn+")
        && !reference.is_empty()
        && reference.bytes().all(|b| b.is_ascii_digit());
    !(hex(40) || hex(64) || svn_revision)
}

/// The message of AL205, for `what` (the requirements, already listed).
pub(super) fn vcs_message(what: &str) -> String {
    format!(
        "{what} installed from a VCS branch or tag: the branch moves and a tag can, so two builds may install different code; pin a full commit hash (`git+https://…/repo.git@<40 hex digits>`)"
    )
}

/// The rules of package pins and of the base reference.
pub(super) fn check(spec: &ImageSpec, resolved: Option<&Resolved>, out: &mut Vec<Draft>) {
    base(spec, resolved, out);
    for (index, step) in spec.steps.iter().enumerate() {
        match step {
            Step::PipInstall { packages, .. } | Step::UvPipInstall { packages, .. } => {
                let loose: Vec<String> = packages
                    .iter()
                    .filter(|p| !pip_pinned(p))
                    .cloned()
                    .collect();
                let vcs: Vec<String> = packages
                    .iter()
                    .filter(|p| vcs_unpinned(p))
                    .cloned()
                    .collect();
                if !vcs.is_empty() {
                    out.push(Draft::new(
                        &UNPINNED_VCS_REQUIREMENT,
                        Some(index),
                        vcs_message(&are(&vcs)),
                    ));
                }
                if !loose.is_empty() {
                    out.push(Draft::new(
                        &UNPINNED_PIP_PACKAGE,
                        Some(index),
                        format!(
                            "{} not pinned: each build installs the newest release, so two builds of this spec may differ; pin them (`name==1.2.3`, or `~=` for compatible releases)",
                            are(&loose)
                        ),
                    ));
                }
            }
            Step::AptInstall { packages } => {
                let loose: Vec<String> = packages
                    .iter()
                    .filter(|p| !p.contains('='))
                    .cloned()
                    .collect();
                if !loose.is_empty() {
                    out.push(Draft::new(
                        &UNPINNED_APT_PACKAGE,
                        Some(index),
                        format!(
                            "{} not pinned to a version (`name=version`); usual for Debian packages, whose versions a release keeps stable, but two builds may differ after a point release",
                            are(&loose)
                        ),
                    ));
                }
            }
            _ => {}
        }
    }
}

/// "`a` is" or "`a`, `b` are".
pub(super) fn are(names: &[String]) -> String {
    let verb = if names.len() == 1 { "is" } else { "are" };
    format!("{} {verb}", names_list(names))
}

/// AL203 and AL204 on a `fromRegistry` base.
fn base(spec: &ImageSpec, resolved: Option<&Resolved>, out: &mut Vec<Draft>) {
    let Base::FromRegistry { reference, .. } = &spec.base else {
        return;
    };
    let draft = match base_pin(reference) {
        None => return,
        Some(rule) if rule == &LATEST_BASE => Draft::new(
            &LATEST_BASE,
            None,
            format!(
                "`{reference}` is whatever `latest` points to on the day of the build; name a tag with a version (`:3.12-slim`), best with its digest (`@sha256:…`)"
            ),
        ),
        Some(_) => Draft::new(
            &UNPINNED_BASE_DIGEST,
            None,
            format!(
                "`{reference}` has no digest: a tag can be moved to another image; add its digest (`{reference}@sha256:…`) to build the same base every time"
            ),
        ),
    };
    let digest = resolved.and_then(|r| r.base_digest.clone());
    out.push(match digest {
        Some(digest) => {
            let pinned = format!("{reference}@{digest}");
            draft.fix(format!("Pin the base to {digest}"), move |spec| {
                if let Base::FromRegistry {
                    reference,
                    normalized,
                    ..
                } = &mut spec.base
                {
                    *reference = pinned;
                    normalized.clear();
                }
            })
        }
        None => draft,
    });
}

/// Which pin rule an image reference breaks: AL203 for `:latest` or no tag, AL204 for a tag
/// without a digest; `None` with a digest, or for what is not a reference.
pub(super) fn base_pin(reference: &str) -> Option<&'static Rule> {
    let parsed = parse_image_ref(reference).ok()?;
    if parsed.digest().is_some() {
        return None;
    }
    Some(match parsed.tag() {
        None | Some("latest") => &LATEST_BASE,
        Some(_) => &UNPINNED_BASE_DIGEST,
    })
}
