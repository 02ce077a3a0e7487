//! AL201–AL204: what is not pinned, so two builds of one spec may install different things:
//! Python packages without `==`/`~=`, Debian packages without `=version`, a `fromRegistry` base
//! on `:latest` or without a digest (fixed by pinning the digest its inspection reported).

use crate::formats::reference::parse_image_ref;
use crate::lint::rules::{
    LATEST_BASE, UNPINNED_APT_PACKAGE, UNPINNED_BASE_DIGEST, UNPINNED_PIP_PACKAGE,
};
use crate::lint::{names_list, Draft, Resolved};
use crate::spec::{Base, ImageSpec, Step};

/// True when a requirement names one version (`==`, `===`, `~=`), or is a direct reference
/// (`name @ url`, a URL or a path: no version range to pin).
fn pip_pinned(requirement: &str) -> bool {
    let requirement = requirement.split(';').next().unwrap_or("");
    requirement.contains("==")
        || requirement.contains("~=")
        || requirement.contains('@')
        || requirement.contains("://")
        || requirement.starts_with(['.', '/'])
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
fn are(names: &[String]) -> String {
    let verb = if names.len() == 1 { "is" } else { "are" };
    format!("{} {verb}", names_list(names))
}

/// AL203 and AL204 on a `fromRegistry` base.
fn base(spec: &ImageSpec, resolved: Option<&Resolved>, out: &mut Vec<Draft>) {
    let Base::FromRegistry { reference, .. } = &spec.base else {
        return;
    };
    let Ok(parsed) = parse_image_ref(reference) else {
        return;
    };
    if parsed.digest().is_some() {
        return;
    }
    let draft = match parsed.tag() {
        None | Some("latest") => Draft::new(
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
