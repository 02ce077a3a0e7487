//! The execution plan: run the base image directly, or a derived image keyed by the image hash,
//! with a managed CPython (python-build-standalone) when the base has no suitable Python.

use serde::Serialize;
use serde_json::{json, Value};

use crate::error::Result;
use crate::resolve::host::Host;
use crate::spec::Base;

/// Where the managed CPython comes from. The URL is configuration: `{version}`, `{release}`,
/// `{arch}` (`x86_64`, `aarch64`) and `{libc}` (`gnu`, `musl`) are filled in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct ManagedPython {
    /// CPython version (`3.12.11`).
    pub version: String,
    /// python-build-standalone release tag (`20250723`).
    pub release: String,
    /// URL template of the `install_only` tarball.
    pub url_template: String,
}

impl Default for ManagedPython {
    fn default() -> Self {
        ManagedPython {
            version: "3.12.11".into(),
            release: "20250723".into(),
            url_template: "https://github.com/astral-sh/python-build-standalone/releases/download/{release}/cpython-{version}+{release}-{arch}-unknown-linux-{libc}-install_only.tar.gz".into(),
        }
    }
}

/// Direct or derived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub enum PlanMode {
    /// Run the base image as is (a registry image with no build steps, or `prebuilt`).
    Direct,
    /// Build (or reuse) the derived image keyed by the image hash.
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
    /// returned, or `None` when it must be built.
    pub image: Option<String>,
    /// The build key.
    pub image_hash: String,
    /// Which Python runs the code.
    pub python: PythonPlan,
}

/// What the base inspection decided, before the steps are known.
pub(crate) struct BasePlan {
    pub digest: Option<String>,
    pub python: PythonPlan,
    /// Instructions that install the managed CPython (empty otherwise).
    pub install_instructions: String,
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
            PythonPlan::Image { .. } => Value::Null,
        }
    }
}

fn normalise_arch(arch: &str) -> &str {
    match arch {
        "amd64" | "x86_64" | "x86-64" => "x86_64",
        "arm64" | "aarch64" | "arm64/v8" => "aarch64",
        other => other,
    }
}

fn normalise_libc(libc: &str) -> &str {
    match libc {
        "musl" => "musl",
        _ => "gnu",
    }
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
    let image_python = |digest| BasePlan {
        digest,
        python: PythonPlan::Image {
            path: None,
            version: None,
        },
        install_instructions: String::new(),
    };
    let (reference, decides_python) = match base {
        Base::FromRegistry {
            reference,
            prebuilt,
            ..
        } => (reference.clone(), !prebuilt),
        Base::DebianSlim { python_version } => {
            (crate::render::debian_slim_reference(python_version), false)
        }
        Base::FromDockerfile { .. } => return Ok(image_python(None)),
    };
    let Some(inspection) = host.inspect_image(&reference).await? else {
        return Ok(image_python(None));
    };
    if !decides_python {
        return Ok(image_python(inspection.digest));
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
            install_instructions: String::new(),
        });
    }
    let managed = &options.managed_python;
    let arch = normalise_arch(inspection.arch.as_deref().unwrap_or("x86_64")).to_string();
    let libc = normalise_libc(inspection.libc.as_deref().unwrap_or("glibc")).to_string();
    let url = managed
        .url_template
        .replace("{version}", &managed.version)
        .replace("{release}", &managed.release)
        .replace("{arch}", &arch)
        .replace("{libc}", &libc);
    let install = format!(
        "ADD {} /tmp/apothic-python.tar.gz\nRUN {}\n",
        crate::quote::escape_dockerfile_word(&url),
        [
            "mkdir -p /opt/apothic".to_string(),
            "tar -xzf /tmp/apothic-python.tar.gz -C /opt/apothic".to_string(),
            "rm /tmp/apothic-python.tar.gz".to_string(),
            "ln -sf /opt/apothic/python/bin/python3 /usr/local/bin/python3".to_string(),
            "ln -sf /opt/apothic/python/bin/python3 /usr/local/bin/python".to_string(),
        ]
        .join(" && ")
    );
    Ok(BasePlan {
        digest: inspection.digest,
        python: PythonPlan::Managed {
            version: managed.version.clone(),
            arch,
            libc,
            url,
        },
        install_instructions: install,
    })
}

/// The plan, once the steps and the image hash are known.
pub(crate) async fn plan<H: Host>(
    base: &Base,
    build_steps: usize,
    base_plan: BasePlan,
    image_hash: &str,
    host: &H,
) -> Result<Plan> {
    // Only a registry image that nothing is added to runs as it is (`prebuilt` says it needs
    // no Python installed; build steps still make a derived image).
    let direct = match base {
        Base::FromRegistry { reference, .. }
            if build_steps == 0 && base_plan.install_instructions.is_empty() =>
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
            python: base_plan.python,
        });
    }
    let existing = host.lookup_derived(image_hash).await?;
    Ok(Plan {
        mode: PlanMode::Derived,
        image: existing,
        image_hash: image_hash.to_string(),
        python: base_plan.python,
    })
}
