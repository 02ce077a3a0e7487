//! The execution plan: run the base image directly, or a derived image keyed by the build key,
//! with a managed CPython (python-build-standalone) when the base has no suitable Python.

use serde::Serialize;
use serde_json::{json, Value};

use crate::error::{Error, ErrorCode, Quoted, Result};
pub use crate::render::managed_python::ManagedPython;
use crate::render::managed_python::{install_lines, is_version, shown, DEFAULT_ARCH, DEFAULT_LIBC};
use crate::render::render_base_for;
use crate::resolve::host::{Host, ImageInspection, LayersUnread};
use crate::resolve::inspection::{self, is_digest, Assumed};
use crate::resolve::Diagnostic;
use crate::spec::canonical::added_python_build;
use crate::spec::defaults::debian_slim_reference;
use crate::spec::Base;

/// Where `addPython` puts the `python3` the plan runs.
const ADDED_PYTHON_PATH: &str = "/usr/local/bin/python3";

/// Direct or derived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub enum PlanMode {
    /// Run the base image as is (a registry image with no build steps, or `prebuilt`).
    Direct,
    /// Build (or reuse) the derived image keyed by the build key.
    Derived,
}

/// Which Python runs the code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum PythonPlan {
    /// The image's own Python (path and version when the host said).
    Image {
        /// Path of `python3`.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "wasm", tsify(optional))]
        path: Option<String>,
        /// Its version.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "wasm", tsify(optional))]
        version: Option<String>,
    },
    /// A python-build-standalone CPython installed into the derived image.
    Managed {
        /// CPython version.
        version: String,
        /// `x86_64` or `aarch64`.
        arch: String,
        /// `gnu` or `musl`.
        libc: String,
        /// Where the tarball comes from.
        url: String,
    },
}

/// How the image executes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// Direct or derived.
    pub mode: PlanMode,
    /// Direct: the base reference. Derived: the already published image `lookupDerived`
    /// returned, or `null` when it must be built.
    pub image: Option<String>,
    /// The image hash (the resolution's).
    pub image_hash: String,
    /// The key of the derived image (the resolution's): what `lookupDerived` is asked for and
    /// the registry tag is made from. A direct plan builds nothing and looks nothing up; it
    /// carries the key all the same, so every plan has one shape.
    pub build_key: String,
    /// Which Python runs the code.
    pub python: PythonPlan,
}

/// What the base inspection decided, before the steps are known.
pub(crate) struct BasePlan {
    pub digest: Option<String>,
    pub python: PythonPlan,
    /// The base's own instructions when the plan renders them: a registry base with
    /// `addPython`, installed for the arch and libc the host reported (`None`: the renderer's).
    pub base_instructions: Option<String>,
    /// Instructions that install the managed CPython fallback (empty otherwise).
    pub install_instructions: String,
    /// The CPython `addPython` installs, as the base layer document records it.
    added_python: Option<Value>,
    /// What the inspection leaves uncertain about this plan (`IMAGE_NOT_FULLY_INSPECTED`).
    pub diagnostics: Vec<Diagnostic>,
    /// The base's user, when its inspection read the image config: `Some("")` when the config
    /// sets none (root); for lint (`runs-as-root`).
    pub user: Option<String>,
}

/// The user an inspection reports: its `user`, or `""` (root) when it read the image config
/// (it reports `env`, `workdir`, `entrypoint` or `cmd`) and found none; `None` when it says
/// nothing about the config.
fn configured_user(answer: &ImageInspection) -> Option<String> {
    let read_config = answer.env.is_some()
        || answer.workdir.is_some()
        || answer.entrypoint.is_some()
        || answer.cmd.is_some();
    answer
        .user
        .clone()
        .or_else(|| read_config.then(String::new))
}

impl BasePlan {
    /// The part of the base layer document that depends on the plan.
    pub fn python_document(&self) -> Value {
        match &self.python {
            PythonPlan::Managed {
                version,
                arch,
                libc,
                url,
            } => {
                json!({ "managed": { "version": version, "arch": arch, "libc": libc, "url": url } })
            }
            PythonPlan::Image { .. } => match &self.added_python {
                Some(added) => json!({ "added": added }),
                None => Value::Null,
            },
        }
    }
}

/// The architectures an image may report (OCI/Go names and the kernel's), each with the name
/// python-build-standalone uses.
const ARCHES: [(&str, &str); 16] = [
    ("amd64", "x86_64"),
    ("x86_64", "x86_64"),
    ("x86-64", "x86_64"),
    ("arm64", "aarch64"),
    ("aarch64", "aarch64"),
    ("arm64/v8", "aarch64"),
    ("386", "i686"),
    ("i386", "i686"),
    ("i686", "i686"),
    ("arm", "armv7"),
    ("arm/v7", "armv7"),
    ("armv7", "armv7"),
    ("armv7l", "armv7"),
    ("ppc64le", "ppc64le"),
    ("s390x", "s390x"),
    ("riscv64", "riscv64"),
];

/// An `inspectImage` answer that does not hold what it should.
fn bad_inspection(reference: &str, field: &str, value: &str, expected: &str) -> Error {
    Error::new(
        ErrorCode::HostCallbackFailed,
        format!(
            "host.inspectImage({}) returned {field} {}, expected {expected}",
            Quoted(reference),
            shown(value)
        ),
    )
}

/// An `inspectImage` answer whose fields are all checked: `arch` and `libc` normalised to the
/// names python-build-standalone uses.
struct Inspected {
    digest: Option<String>,
    arch: Option<&'static str>,
    libc: Option<&'static str>,
    python_path: Option<String>,
    python_version: Option<String>,
    layers_unread: Option<LayersUnread>,
}

/// Checks every field of an `inspectImage` answer before any of it reaches a Dockerfile or a
/// plan: `digest` is `sha256:<64 hex>`, `os` a lowercase word, `arch` one of [`ARCHES`], `libc`
/// `glibc` or `musl`, `pythonPath` an absolute path without control characters and
/// `pythonVersion` `X.Y[.Z]`. Errors are `HOST_CALLBACK_FAILED` naming the field.
fn check_inspection(reference: &str, inspection: ImageInspection) -> Result<Inspected> {
    let bad = |field: &str, value: &str, expected: &str| {
        Err(bad_inspection(reference, field, value, expected))
    };
    if let Some(digest) = inspection.digest.as_deref().filter(|d| !is_digest(d)) {
        return bad(
            "digest",
            digest,
            "\"sha256:\" and 64 lowercase hexadecimal digits",
        );
    }
    if let Some(os) = inspection.os.as_deref().filter(|os| {
        !(1..=32).contains(&os.len())
            || !os
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    }) {
        return bad("os", os, "a lowercase word such as \"linux\"");
    }
    let arch = match inspection.arch.as_deref() {
        None => None,
        Some(arch) => match ARCHES.iter().find(|(name, _)| *name == arch) {
            Some((_, normalised)) => Some(*normalised),
            None => {
                let names: Vec<&str> = ARCHES.iter().map(|(name, _)| *name).collect();
                return bad("arch", arch, &format!("one of {}", names.join(", ")));
            }
        },
    };
    let libc = match inspection.libc.as_deref() {
        None => None,
        Some("glibc") => Some("gnu"),
        Some("musl") => Some("musl"),
        Some(libc) => return bad("libc", libc, "\"glibc\" or \"musl\""),
    };
    if let Some(path) = inspection.python_path.as_deref().filter(|p| {
        !p.starts_with('/') || p.len() > 4096 || p.chars().any(crate::error::is_control)
    }) {
        return bad(
            "pythonPath",
            path,
            "an absolute path (at most 4096 bytes) without control characters",
        );
    }
    if let Some(version) = inspection
        .python_version
        .as_deref()
        .filter(|v| !is_version(v))
    {
        return bad(
            "pythonVersion",
            version,
            "a version such as \"3.12\" or \"3.12.7\"",
        );
    }
    if let Some(unread) = &inspection.layers_unread {
        inspection::layers_unread(reference, unread)?;
    }
    inspection::runtime_config(reference, &inspection)?;
    Ok(Inspected {
        layers_unread: inspection.layers_unread,
        digest: inspection.digest,
        arch,
        libc,
        python_path: inspection.python_path,
        python_version: inspection.python_version,
    })
}

/// A Python the package can run on: 3.9 or newer (when the version is known).
fn suitable(version: Option<&str>) -> bool {
    let Some(version) = version else { return true };
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    matches!((parts.next(), parts.next()), (Some(3), Some(minor)) if minor >= 9)
}

/// Inspects a registry base through the host (when it can): its digest joins the base layer,
/// and for a plain `fromRegistry` base the Python it has decides the plan. A `debianSlim` base
/// (a Python image) and a `prebuilt` one (ready by definition) are asked only for their
/// digest; the `FROM` lines of a `fromDockerfile` base are not inspected.
pub(crate) async fn inspect_base<H: Host>(
    base: &Base,
    host: &H,
    options: &super::ResolveOptions,
) -> Result<BasePlan> {
    options.managed_python.check()?;
    let image_python = |digest| BasePlan {
        digest,
        python: PythonPlan::Image {
            path: None,
            version: None,
        },
        base_instructions: None,
        install_instructions: String::new(),
        added_python: None,
        diagnostics: Vec::new(),
        user: None,
    };
    let (reference, decides_python) = match base {
        Base::FromRegistry {
            reference,
            prebuilt,
            ..
        } => (reference.clone(), !prebuilt),
        Base::DebianSlim { python_version, .. } => (debian_slim_reference(python_version), false),
        Base::FromDockerfile { .. } => return Ok(image_python(None)),
    };
    let answer = host.inspect_image(&reference).await?;
    let user = answer.as_ref().and_then(configured_user);
    let inspection = answer
        .map(|answer| check_inspection(&reference, answer))
        .transpose()?;
    if let Base::FromRegistry {
        add_python: Some(version),
        ..
    } = base
    {
        return added_python(
            base,
            &reference,
            version,
            inspection,
            &options.managed_python,
        )
        .map(|plan| BasePlan { user, ..plan });
    }
    let Some(inspection) = inspection else {
        return Ok(image_python(None));
    };
    if !decides_python {
        return Ok(BasePlan {
            user,
            ..image_python(inspection.digest)
        });
    }
    let has_python =
        inspection.python_path.is_some() && suitable(inspection.python_version.as_deref());
    if has_python {
        return Ok(BasePlan {
            digest: inspection.digest,
            python: PythonPlan::Image {
                path: inspection.python_path,
                version: inspection.python_version,
            },
            base_instructions: None,
            install_instructions: String::new(),
            added_python: None,
            diagnostics: Vec::new(),
            user,
        });
    }
    let managed = &options.managed_python;
    let arch = inspection.arch.unwrap_or(DEFAULT_ARCH).to_string();
    let libc = inspection.libc.unwrap_or(DEFAULT_LIBC).to_string();
    let url = managed.url(&managed.version, &arch, &libc);
    let install = install_lines(&url, managed.sha256_of(&url), false);
    let diagnostics = inspection
        .layers_unread
        .iter()
        .map(|unread| inspection::incomplete(&reference, unread, Assumed::ManagedPython))
        .collect();
    Ok(BasePlan {
        diagnostics,
        user,
        digest: inspection.digest,
        python: PythonPlan::Managed {
            version: managed.version.clone(),
            arch,
            libc,
            url,
        },
        base_instructions: None,
        install_instructions: install,
        added_python: None,
    })
}

/// The plan of a registry base with `addPython`: the CPython it names installed for the arch
/// and libc the host reported (x86_64 and glibc when it did not say), run from
/// `/usr/local/bin/python3`; never a second, managed install. A glibc guessed because a layer
/// was left unread carries `IMAGE_NOT_FULLY_INSPECTED`.
fn added_python(
    base: &Base,
    reference: &str,
    version: &str,
    inspection: Option<Inspected>,
    managed: &ManagedPython,
) -> Result<BasePlan> {
    let version = added_python_build(version).map_err(|e| e.within("base"))?;
    let (digest, arch, libc, unread) = match inspection {
        Some(inspected) => (
            inspected.digest,
            inspected.arch,
            inspected.libc,
            inspected.layers_unread,
        ),
        None => (None, None, None, None),
    };
    let diagnostics = match (libc, &unread) {
        (None, Some(unread)) => vec![inspection::incomplete(
            reference,
            unread,
            Assumed::GlibcForAddedPython,
        )],
        _ => Vec::new(),
    };
    let arch = arch.unwrap_or(DEFAULT_ARCH);
    let libc = libc.unwrap_or(DEFAULT_LIBC);
    let url = managed.url(version, arch, libc);
    Ok(BasePlan {
        digest,
        python: PythonPlan::Image {
            path: Some(ADDED_PYTHON_PATH.to_string()),
            version: Some(version.to_string()),
        },
        base_instructions: Some(render_base_for(base, arch, libc, managed)?),
        install_instructions: String::new(),
        added_python: Some(json!({ "arch": arch, "libc": libc, "url": url, "version": version })),
        diagnostics,
        user: None,
    })
}

/// The plan, once the steps, the image hash and the build key are known.
pub(crate) async fn plan<H: Host>(
    base: &Base,
    build_steps: usize,
    base_plan: BasePlan,
    image_hash: &str,
    build_key: &str,
    host: &H,
) -> Result<Plan> {
    // Only a registry image that nothing is added to runs as it is (`prebuilt` says it needs
    // no Python installed; build steps still make a derived image).
    let direct = match base {
        Base::FromRegistry { reference, .. }
            if build_steps == 0
                && base_plan.install_instructions.is_empty()
                && base_plan.base_instructions.is_none() =>
        {
            Some(reference.clone())
        }
        _ => None,
    };
    if let Some(reference) = direct {
        return Ok(Plan {
            mode: PlanMode::Direct,
            image: Some(reference),
            image_hash: image_hash.to_string(),
            build_key: build_key.to_string(),
            python: base_plan.python,
        });
    }
    let existing = host.lookup_derived(build_key).await?;
    if let Some(image) = &existing {
        crate::formats::reference::parse_image_ref(image).map_err(|e| {
            Error::new(
                ErrorCode::HostCallbackFailed,
                format!(
                    "host.lookupDerived({}) returned {}, which is not an image reference: {}",
                    Quoted(build_key),
                    shown(image),
                    e.message
                ),
            )
        })?;
    }
    Ok(Plan {
        mode: PlanMode::Derived,
        image: existing,
        image_hash: image_hash.to_string(),
        build_key: build_key.to_string(),
        python: base_plan.python,
    })
}
