//! Lint: findings about an image this package renders, with stable rule ids and names (as
//! hadolint and Docker's build checks give), each with a severity, the step it concerns and,
//! when a mechanical fix exists, the whole spec with the fix applied (docs/lint.md).
//!
//! [`lint`] (`image.lint()`) needs the spec alone and does no I/O. [`lint_resolved`] adds what
//! only resolution knows (the variables an `envFile` brings in, the base image's user and
//! digest from its inspection, the lines of the requirements and pyproject files install steps
//! read, a `fromDockerfile` base's Dockerfile); `resolve` fills `Resolution.lint` with it, so a
//! resolved image has one list. The rules are in [`rules::RULES`]; each family has its file:
//! `secrets` (variables), `pins` (packages and the base), `installs` (what pip installs from:
//! requirements files, pyproject dependencies, index URLs), `base_file` (a base's Dockerfile),
//! `commands` (shell commands), `user` (root).
//!
//! Work is bounded by the spec (its size is limited) and by what resolution read (its byte
//! budget): each rule looks at each line once; findings are grouped per step and rule, and fix
//! specs stop at [`MAX_FIX_BYTES`] a call.

mod base_file;
mod commands;
mod installs;
mod pins;
pub mod rules;
mod secrets;
mod shell;
mod user;

use serde::Serialize;

use crate::image::Image;
use crate::spec::{ImageSpec, Step};

/// How much a finding matters; the CLI's `--fail-on` compares against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; often a deliberate choice.
    Info,
    /// Likely a problem: fix it or say why not.
    Warning,
    /// A real problem (a secret in an image layer).
    Error,
}

/// A mechanical fix: the image's whole spec with it applied (load it to apply the fix).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Fix {
    /// What the fix does, for a button or a menu.
    pub title: String,
    /// The whole spec with the fix applied, in canonical form.
    pub spec: ImageSpec,
}

/// One lint finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// The stable rule id (`AL101`).
    pub rule: String,
    /// The stable rule name (`secret-in-env`).
    pub name: String,
    /// How much it matters.
    pub severity: Severity,
    /// The step it concerns, or `null` for the base.
    pub step: Option<usize>,
    /// What is wrong and what to do; never a secret's value.
    pub message: String,
    /// The fix, when a mechanical one exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub fix: Option<Fix>,
}

/// What an `envFile` step brought in: its step index, its path and its `(name, value)`s.
pub type EnvFile = (usize, String, Vec<(String, String)>);

/// What an install step read, for lint: its step index, the file's path, and its lines as
/// (1-based line, text): a requirements file's logical lines without comments (one entry per
/// file, includes too), a `pyproject.toml`'s dependencies (no line: `None`).
pub type InstallFile = (usize, String, RequirementLines);

/// A file's requirement lines as (1-based line when known, text).
pub type RequirementLines = Vec<(Option<usize>, String)>;

pub(crate) use installs::requirement_lines;

/// A fix as an edit of the spec, with its title.
type Edit = (String, Box<dyn FnOnce(&mut ImageSpec)>);

/// What resolution learned that lint rules use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolved {
    /// The variables each `envFile` step brings in.
    pub env_files: Vec<EnvFile>,
    /// The base image's digest (`sha256:…`) from its inspection, when known.
    pub base_digest: Option<String>,
    /// The base image's configured user from its inspection: `None` when it was not inspected,
    /// `Some("")` when the image sets none (it runs as root).
    pub base_user: Option<String>,
    /// What each `*FromRequirements` / `*FromPyproject` step read, in step order.
    pub install_files: Vec<InstallFile>,
    /// The text of a `fromDockerfile` base's Dockerfile (line ends as `\n`).
    pub base_dockerfile: Option<String>,
}

/// The most bytes of fix specs (estimated as the spec's canonical JSON size each) one call
/// gives; later findings carry no fix. Bounds the work of an image with many findings.
pub const MAX_FIX_BYTES: usize = 16 << 20;

/// The findings that need the spec alone (no I/O): `image.lint()`.
pub fn lint(image: &Image) -> Vec<Finding> {
    run(image, None)
}

/// Every finding, with what resolution learned (`Resolution.lint`).
pub fn lint_resolved(image: &Image, resolved: &Resolved) -> Vec<Finding> {
    run(image, Some(resolved))
}

impl Image {
    /// The lint findings that need the spec alone (docs/lint.md); `resolve` gives them all.
    pub fn lint(&self) -> Vec<Finding> {
        lint(self)
    }
}

/// A finding before its fix spec is built: the fix as an edit of the spec.
pub(crate) struct Draft {
    rule: &'static rules::Rule,
    step: Option<usize>,
    message: String,
    fix: Option<Edit>,
}

impl Draft {
    /// A finding of `rule` at `step`.
    pub(crate) fn new(rule: &'static rules::Rule, step: Option<usize>, message: String) -> Draft {
        Draft {
            rule,
            step,
            message,
            fix: None,
        }
    }

    /// With a fix that edits the spec.
    pub(crate) fn fix(
        mut self,
        title: String,
        edit: impl FnOnce(&mut ImageSpec) + 'static,
    ) -> Draft {
        self.fix = Some((title, Box::new(edit)));
        self
    }
}

fn run(image: &Image, resolved: Option<&Resolved>) -> Vec<Finding> {
    let spec = image.to_spec();
    let mut drafts = Vec::new();
    let base_file = base_file::read(&spec, resolved);
    secrets::check(&spec, resolved, &mut drafts);
    pins::check(&spec, resolved, &mut drafts);
    installs::check(&spec, resolved, &mut drafts);
    commands::check(&spec, &mut drafts);
    user::check(&spec, resolved, base_file.as_ref(), &mut drafts);
    if let Some(base_file) = &base_file {
        base_file::check(base_file, &mut drafts);
    }
    // Base first, then by step, then by rule id: one order on every runtime.
    drafts.sort_by(|a, b| (a.step, a.rule.id).cmp(&(b.step, b.rule.id)));
    let spec_bytes = image.canonical_json().len().max(1);
    let mut fix_bytes = 0usize;
    drafts
        .into_iter()
        .map(|draft| {
            let fix = draft.fix.and_then(|(title, edit)| {
                if fix_bytes + spec_bytes > MAX_FIX_BYTES {
                    return None;
                }
                fix_bytes += spec_bytes;
                let mut fixed = spec.clone();
                edit(&mut fixed);
                // A fix that would not make a valid image is no fix.
                Image::from_spec(&fixed).ok().map(|image| Fix {
                    title,
                    spec: image.to_spec(),
                })
            });
            Finding {
                rule: draft.rule.id.to_string(),
                name: draft.rule.name.to_string(),
                severity: draft.rule.severity,
                step: draft.step,
                message: draft.message,
                fix,
            }
        })
        .collect()
}

/// Lists names for a message: the first few, then how many more.
pub(crate) fn names_list(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().take(SHOWN).map(|n| format!("`{n}`")).collect();
    items_list(&quoted, names.len())
}

/// How many names or places a message lists before "and N more".
pub(crate) const SHOWN: usize = 5;

/// Joins the first few of `total` items for a message (`shown` holds at least those), then
/// says how many more.
pub(crate) fn items_list(shown: &[String], total: usize) -> String {
    let listed = shown[..shown.len().min(SHOWN)].join(", ");
    match total {
        n if n > SHOWN => format!("{listed} and {} more", n - SHOWN),
        _ => listed,
    }
}

/// Replaces step `index` by `with` (several steps or none), in the spec a fix edits.
pub(crate) fn splice(spec: &mut ImageSpec, index: usize, with: Vec<Step>) {
    if index < spec.steps.len() {
        spec.steps.splice(index..=index, with);
    }
}
