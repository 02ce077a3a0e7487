//! The immutable `Image` builder. Every method returns a new `Image` and leaves the receiver
//! untouched, also when it fails. Images share their history (a persistent list of steps), so
//! cloning is O(1) and adding a step never copies the steps before it.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCode, Result};
use crate::formats::paths::{self, DEFAULT_WORKDIR, DOCKERFILE_WORKDIR};
use crate::spec::canonical::{self, Context};
use crate::spec::defaults::{
    self, DEFAULT_DOCKERFILE_BASE, DEFAULT_PYTHON_VERSION, DEFAULT_UV_VERSION,
};
use crate::spec::{in_user_words, Base, ImageSpec, PipOptions, Step, SPEC_VERSION};
use crate::{hash, limits, render};

/// Options of `Image.debianSlim()`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DebianSlimOptions {
    /// `X.Y` or `X.Y.Z` (3.10 to 3.15); defaults to 3.11.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub python_version: Option<String>,
    /// Install Debian's `build-essential` (gcc, g++, make, libc headers) right after `FROM`, as
    /// Modal's `debian_slim` ships compilers, so packages that build C extensions from an sdist
    /// install. Off by default: it adds roughly 200 MB or more to a slim image.
    #[serde(default)]
    pub build_tools: bool,
}

/// Options of `Image.fromRegistry()`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegistryOptions {
    /// The image is already a ready execution image (Python and runtime inside).
    #[serde(default)]
    pub prebuilt: bool,
    /// Install a managed CPython (python-build-standalone, pinned release) at build time, with
    /// `python`, `python3` and `pip` in `/usr/local/bin`, as Modal's `add_python` does: `X.Y`
    /// from 3.10 to 3.13 (or the pinned `X.Y.Z` of that line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add_python: Option<String>,
}

/// Options of `Image.fromDockerfile()`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DockerfileOptions {
    /// Build context folder; defaults to the Dockerfile's folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_dir: Option<String>,
    /// Image put before a Dockerfile without `FROM`; defaults to `python:3.11-slim`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
}

/// Options of the `uvPipInstall*` methods: pip's options plus the uv release.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UvPipOptions {
    /// The installer options shared with pip.
    #[serde(flatten)]
    pub pip: PipOptions,
    /// Pinned uv release (defaults to the crate's pinned version; never `latest`).
    pub uv_version: Option<String>,
}

/// A base or step with what never changes about it, computed once when it is added: its
/// canonical JSON (part of the definition hash) and its rendered instructions (or the error that
/// rendering it gives, such as `NEEDS_RESOLVE`).
#[derive(Debug)]
struct Rendered<T> {
    value: T,
    canonical: String,
    instructions: Result<String>,
}

/// One step in an image's shared history.
#[derive(Debug)]
struct StepNode {
    step: Rendered<Step>,
    prev: Option<Arc<StepNode>>,
}

/// An image definition: a base and the steps applied on top. Cheap to clone; never changes.
#[derive(Debug, Clone)]
pub struct Image {
    base: Arc<Rendered<Base>>,
    last: Option<Arc<StepNode>>,
    len: usize,
    /// The working directory: absolute, or relative to a `fromDockerfile` base's own `WORKDIR`
    /// (`"."` until a `workdir` step), which only resolution can read.
    workdir: Arc<str>,
    /// Index of the first `addLocal*` step, after which no build step may come.
    first_runtime_step: Option<usize>,
    /// The active shell after the last step, for rendering the next one.
    render_state: render::RenderState,
    /// Bytes of canonical JSON of the base and the steps (the spec's size, about), kept under
    /// [`limits::MAX_SPEC_BYTES`].
    spec_bytes: usize,
}

/// Drops a long history one node at a time: the default drop would recurse once per step and
/// could overflow the stack (the wasm stack is small) on an image with many steps.
impl Drop for StepNode {
    fn drop(&mut self) {
        let mut prev = self.prev.take();
        while let Some(node) = prev {
            match Arc::try_unwrap(node) {
                Ok(mut node) => prev = node.prev.take(),
                Err(_) => break,
            }
        }
    }
}

impl Image {
    fn from_base(base: Base) -> Result<Image> {
        let base = canonical::base(base)?;
        let canonical = hash::canonical_json_of(&base);
        let spec_bytes = canonical.len();
        if spec_bytes > limits::MAX_SPEC_BYTES {
            return Err(limits::spec_too_large(spec_bytes));
        }
        let workdir = match base {
            Base::FromDockerfile { .. } => DOCKERFILE_WORKDIR,
            _ => DEFAULT_WORKDIR,
        };
        Ok(Image {
            base: Arc::new(Rendered {
                canonical,
                instructions: render::render_base(&base),
                value: base,
            }),
            last: None,
            len: 0,
            workdir: Arc::from(workdir),
            first_runtime_step: None,
            render_state: render::RenderState::default(),
            spec_bytes,
        })
    }

    /// `Image.debianSlim`: `FROM python:{X.Y}-slim-trixie`.
    pub fn debian_slim(options: &DebianSlimOptions) -> Result<Image> {
        let python_version = options
            .python_version
            .as_deref()
            .unwrap_or(DEFAULT_PYTHON_VERSION);
        Image::from_base(Base::DebianSlim {
            python_version: python_version.to_string(),
            build_tools: options.build_tools,
        })
    }

    /// `Image.fromRegistry`: any image reference `docker pull` accepts.
    pub fn from_registry(reference: &str, options: &RegistryOptions) -> Result<Image> {
        Image::from_base(Base::FromRegistry {
            reference: reference.to_string(),
            normalized: String::new(),
            prebuilt: options.prebuilt,
            add_python: options.add_python.clone(),
        })
    }

    /// `Image.fromDockerfile`: a Dockerfile read through the host at resolve time.
    pub fn from_dockerfile(path: &str, options: &DockerfileOptions) -> Result<Image> {
        let context_dir = match &options.context_dir {
            Some(dir) => dir.clone(),
            None => defaults::dockerfile_context_dir(path),
        };
        Image::from_base(Base::FromDockerfile {
            path: path.to_string(),
            context_dir,
            base: options
                .base
                .clone()
                .unwrap_or_else(|| DEFAULT_DOCKERFILE_BASE.to_string()),
        })
    }

    /// Rebuilds an image from a spec, validating it fully (a spec from the network is untrusted).
    /// `Image::from_spec(&image.to_spec())` gives back an image with an identical spec.
    pub fn from_spec(spec: &ImageSpec) -> Result<Image> {
        if spec.version != SPEC_VERSION {
            return Err(Error::new(
                ErrorCode::UnsupportedSpecVersion,
                format!(
                    "spec version {} is not supported: this package reads version {SPEC_VERSION}",
                    spec.version
                ),
            )
            .at("version"));
        }
        if spec.steps.len() > limits::MAX_STEPS {
            return Err(limits::too_many_steps().at("steps"));
        }
        let mut image = Image::from_base(spec.base.clone()).map_err(|e| e.within("base"))?;
        for (i, step) in spec.steps.iter().enumerate() {
            image = image
                .push(step.clone())
                .map_err(|e| e.within(&format!("steps[{i}]")))?;
        }
        Ok(image)
    }

    /// Parses a spec from JSON text and validates it (see [`Image::from_spec`]).
    pub fn from_spec_json(json: &str) -> Result<Image> {
        if json.len() > limits::MAX_SPEC_BYTES {
            return Err(limits::spec_too_large(json.len()));
        }
        let spec: ImageSpec = serde_json::from_str(json).map_err(|e| {
            // serde_json appends the position, which `position` holds.
            let detail = e.to_string();
            let detail = detail
                .rfind(" at line ")
                .map_or(&detail[..], |end| &detail[..end]);
            Error::new(
                ErrorCode::InvalidSpec,
                format!("spec is not a valid image spec: {}", in_user_words(detail)),
            )
            .at_position(e.line(), e.column())
        })?;
        Image::from_spec(&spec)
    }

    /// Appends a step after checking it against the image so far.
    fn push(&self, step: Step) -> Result<Image> {
        if self.len >= limits::MAX_STEPS {
            return Err(limits::too_many_steps());
        }
        if let (Some(index), false) = (self.first_runtime_step, step.is_runtime()) {
            return Err(Error::new(
                ErrorCode::BuildStepAfterRuntimeStep,
                format!(
                    "{} is a build step but comes after step {index} ({}), whose files are only attached when a container starts; move the addLocal* steps last, or use copyLocal* to bake the files into the image",
                    step.op_name(),
                    self.step_at(index).map_or("addLocal*", Step::op_name),
                ),
            ));
        }
        let canonical::Checked { step, fragment } = canonical::checked_step(
            step,
            &Context {
                workdir: self.path_base(),
            },
        )?;
        let workdir = match &step {
            Step::Workdir { path } => Arc::from(paths::resolve_from(&self.workdir, path)),
            _ => self.workdir.clone(),
        };
        let first_runtime_step = self
            .first_runtime_step
            .or(step.is_runtime().then_some(self.len));
        let mut render_state = self.render_state.clone();
        let canonical = hash::canonical_json_of(&step);
        let spec_bytes = self.spec_bytes + canonical.len() + 1;
        if spec_bytes > limits::MAX_SPEC_BYTES {
            return Err(limits::spec_too_large(spec_bytes));
        }
        let step = Rendered {
            canonical,
            instructions: render::render_checked_step(
                &step,
                fragment.as_ref(),
                self.len,
                &mut render_state,
            ),
            value: step,
        };
        Ok(Image {
            base: self.base.clone(),
            last: Some(Arc::new(StepNode {
                step,
                prev: self.last.clone(),
            })),
            len: self.len + 1,
            workdir,
            first_runtime_step,
            render_state,
            spec_bytes,
        })
    }

    fn step_at(&self, index: usize) -> Option<&Step> {
        let mut node = self.last.as_deref();
        for _ in index + 1..self.len {
            node = node?.prev.as_deref();
        }
        node.map(|n| &n.step.value)
    }

    /// The steps, first to last.
    fn steps(&self) -> Vec<&Rendered<Step>> {
        let mut steps = Vec::with_capacity(self.len);
        let mut node = self.last.as_deref();
        while let Some(n) = node {
            steps.push(&n.step);
            node = n.prev.as_deref();
        }
        steps.reverse();
        steps
    }

    /// `pipInstall`: installs packages with pip; de-duplicated and sorted. An empty list adds no step.
    pub fn pip_install<S: AsRef<str>>(
        &self,
        packages: &[S],
        options: &PipOptions,
    ) -> Result<Image> {
        self.push_unless_empty(packages, |packages| Step::PipInstall {
            packages,
            options: options.clone(),
        })
    }

    /// `uvPipInstall`: installs packages with a pinned uv; de-duplicated and sorted.
    pub fn uv_pip_install<S: AsRef<str>>(
        &self,
        packages: &[S],
        options: &UvPipOptions,
    ) -> Result<Image> {
        self.push_unless_empty(packages, |packages| Step::UvPipInstall {
            packages,
            options: options.pip.clone(),
            uv_version: uv_version(options),
        })
    }

    /// `pipInstallFromRequirements`: installs a requirements file (read at resolve time).
    pub fn pip_install_from_requirements(&self, path: &str, options: &PipOptions) -> Result<Image> {
        self.push(Step::PipInstallFromRequirements {
            path: path.to_string(),
            options: options.clone(),
        })
    }

    /// `uvPipInstallFromRequirements`: the same with uv.
    pub fn uv_pip_install_from_requirements(
        &self,
        path: &str,
        options: &UvPipOptions,
    ) -> Result<Image> {
        self.push(Step::UvPipInstallFromRequirements {
            path: path.to_string(),
            options: options.pip.clone(),
            uv_version: uv_version(options),
        })
    }

    /// `pipInstallFromPyproject`: `[project].dependencies` plus the named optional groups.
    pub fn pip_install_from_pyproject<S: AsRef<str>>(
        &self,
        path: &str,
        optional_dependencies: &[S],
        options: &PipOptions,
    ) -> Result<Image> {
        self.push(Step::PipInstallFromPyproject {
            path: path.to_string(),
            optional_dependencies: strings(optional_dependencies),
            options: options.clone(),
        })
    }

    /// `uvPipInstallFromPyproject`: the same with uv.
    pub fn uv_pip_install_from_pyproject<S: AsRef<str>>(
        &self,
        path: &str,
        optional_dependencies: &[S],
        options: &UvPipOptions,
    ) -> Result<Image> {
        self.push(Step::UvPipInstallFromPyproject {
            path: path.to_string(),
            optional_dependencies: strings(optional_dependencies),
            options: options.pip.clone(),
            uv_version: uv_version(options),
        })
    }

    /// `env`: sets environment variables (values already stringified). An empty map adds no step.
    pub fn env<K: AsRef<str>, V: AsRef<str>>(&self, values: &[(K, V)]) -> Result<Image> {
        if values.is_empty() {
            return Ok(self.clone());
        }
        let values: BTreeMap<String, String> = values
            .iter()
            .map(|(k, v)| (k.as_ref().to_string(), v.as_ref().to_string()))
            .collect();
        self.push(Step::Env { values })
    }

    /// `envFile`: variables from a dotenv file (read at resolve time).
    pub fn env_file(&self, path: &str) -> Result<Image> {
        self.push(Step::EnvFile {
            path: path.to_string(),
        })
    }

    /// `runCommands`: one `RUN` per command, verbatim. An empty list adds no step.
    pub fn run_commands<S: AsRef<str>>(&self, commands: &[S]) -> Result<Image> {
        self.push_unless_empty(commands, |commands| Step::RunCommands { commands })
    }

    /// `commandShell`: the shell later `RUN` commands use (`None` restores `/bin/sh -c`).
    /// A shell line is split like a shell would; `-c` is added unless its last flag ends in `c`.
    pub fn command_shell(&self, shell: Option<&str>) -> Result<Image> {
        let shell = shell.map(canonical::shell_line).transpose()?;
        self.push(Step::CommandShell { shell })
    }

    /// `workdir`: sets `WORKDIR`; relative paths resolve against the current workdir.
    pub fn workdir(&self, path: &str) -> Result<Image> {
        self.push(Step::Workdir {
            path: path.to_string(),
        })
    }

    /// `aptInstall`: Debian packages in one non-interactive `RUN`; de-duplicated, order kept.
    pub fn apt_install<S: AsRef<str>>(&self, packages: &[S]) -> Result<Image> {
        self.push_unless_empty(packages, |packages| Step::AptInstall { packages })
    }

    /// `withDockerfile`: raw Dockerfile instructions, parsed and checked now.
    pub fn with_dockerfile(&self, contents: &str) -> Result<Image> {
        self.push(Step::WithDockerfile {
            contents: contents.to_string(),
        })
    }

    /// `addLocalFile`: a file attached when a container starts (not in the image).
    pub fn add_local_file(&self, local: &str, remote: Option<&str>) -> Result<Image> {
        let remote = canonical::default_remote(local, remote, self.path_base())?;
        self.push(Step::AddLocalFile {
            local: local.to_string(),
            remote,
        })
    }

    /// `addLocalDir`: a folder attached when a container starts, minus `ignore` patterns.
    pub fn add_local_dir<S: AsRef<str>>(
        &self,
        local: &str,
        remote: Option<&str>,
        ignore: &[S],
    ) -> Result<Image> {
        let remote = canonical::default_remote(local, remote, self.path_base())?;
        self.push(Step::AddLocalDir {
            local: local.to_string(),
            remote,
            ignore: strings(ignore),
        })
    }

    /// `copyLocalFile`: a file baked into the image with `COPY`.
    pub fn copy_local_file(&self, local: &str, remote: Option<&str>) -> Result<Image> {
        let remote = canonical::default_remote(local, remote, self.path_base())?;
        self.push(Step::CopyLocalFile {
            local: local.to_string(),
            remote,
        })
    }

    /// `copyLocalDir`: a folder baked into the image with `COPY`, minus `ignore` patterns.
    pub fn copy_local_dir<S: AsRef<str>>(
        &self,
        local: &str,
        remote: Option<&str>,
        ignore: &[S],
    ) -> Result<Image> {
        let remote = canonical::default_remote(local, remote, self.path_base())?;
        self.push(Step::CopyLocalDir {
            local: local.to_string(),
            remote,
            ignore: strings(ignore),
        })
    }

    /// `addLocalPythonSource`: Python modules attached under `/root/` when a container starts.
    pub fn add_local_python_source<S: AsRef<str>>(&self, modules: &[S]) -> Result<Image> {
        self.push_unless_empty(modules, |modules| Step::AddLocalPythonSource { modules })
    }

    /// `copyLocalPythonSource`: Python modules baked in under `/root/`.
    pub fn copy_local_python_source<S: AsRef<str>>(&self, modules: &[S]) -> Result<Image> {
        self.push_unless_empty(modules, |modules| Step::CopyLocalPythonSource { modules })
    }

    /// `entrypoint`: `ENTRYPOINT` in exec form, args in order; an empty list clears the base's.
    pub fn entrypoint<S: AsRef<str>>(&self, args: &[S]) -> Result<Image> {
        self.push(Step::Entrypoint {
            args: strings(args),
        })
    }

    /// `cmd`: `CMD` in exec form, args in order; an empty list clears the base's.
    pub fn cmd<S: AsRef<str>>(&self, args: &[S]) -> Result<Image> {
        self.push(Step::Cmd {
            args: strings(args),
        })
    }

    fn push_unless_empty<S: AsRef<str>>(
        &self,
        items: &[S],
        make: impl FnOnce(Vec<String>) -> Step,
    ) -> Result<Image> {
        if items.is_empty() {
            Ok(self.clone())
        } else {
            self.push(make(strings(items)))
        }
    }

    /// The number of steps.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the image has no steps beyond its base.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The working directory later relative paths resolve against: absolute, or, on a
    /// `fromDockerfile` base before any absolute `workdir`, relative to the Dockerfile's own
    /// `WORKDIR` (`"."`: that folder itself), which resolution reads.
    pub fn current_workdir(&self) -> &str {
        &self.workdir
    }

    /// What a step's relative paths are made absolute against in the spec: the working
    /// directory when it is absolute, else `"."` (they stay relative to the current one).
    fn path_base(&self) -> &str {
        if self.workdir.starts_with('/') {
            &self.workdir
        } else {
            DOCKERFILE_WORKDIR
        }
    }

    /// The spec: base and steps in order, in canonical form.
    pub fn to_spec(&self) -> ImageSpec {
        ImageSpec {
            version: SPEC_VERSION,
            base: self.base.value.clone(),
            steps: self.steps().into_iter().map(|s| s.value.clone()).collect(),
        }
    }

    /// Renders the Dockerfile; steps that need file contents give a `NEEDS_RESOLVE` error.
    /// Equal to `render::render(&self.to_spec())`, from instructions rendered when each step
    /// was added.
    pub fn dockerfile(&self) -> Result<String> {
        let steps = self.steps();
        let base = self.base.instructions.as_ref().map_err(Clone::clone)?;
        let mut out = String::with_capacity(base.len() + steps.len() * 96);
        out.push_str(base);
        for step in steps {
            out.push_str(step.instructions.as_ref().map_err(Clone::clone)?);
        }
        Ok(out)
    }

    /// The RFC 8785 canonical JSON of the spec: the bytes [`Image::definition_hash`] covers.
    /// Equal to `hash::canonical_json(&self.to_spec())`, assembled from parts computed when
    /// each step was added (`{"base":…,"steps":[…],"version":1}` is already in JCS key order).
    pub fn canonical_json(&self) -> String {
        let steps = self.steps();
        let size = 40
            + self.base.canonical.len()
            + steps.iter().map(|s| s.canonical.len() + 1).sum::<usize>();
        let mut out = String::with_capacity(size);
        out.push_str("{\"base\":");
        out.push_str(&self.base.canonical);
        out.push_str(",\"steps\":[");
        for (i, step) in steps.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&step.canonical);
        }
        out.push_str("],\"version\":");
        out.push_str(&SPEC_VERSION.to_string());
        out.push('}');
        out
    }

    /// `sha256:` + hex of the RFC 8785 canonical JSON of the spec. No I/O.
    pub fn definition_hash(&self) -> String {
        hash::sha256_hex(self.canonical_json().as_bytes())
    }
}

fn strings<S: AsRef<str>>(items: &[S]) -> Vec<String> {
    items.iter().map(|s| s.as_ref().to_string()).collect()
}

fn uv_version(options: &UvPipOptions) -> String {
    options
        .uv_version
        .clone()
        .unwrap_or_else(|| DEFAULT_UV_VERSION.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::paths;

    #[test]
    fn failed_call_leaves_receiver_untouched() {
        let image = Image::debian_slim(&DebianSlimOptions::default())
            .unwrap()
            .pip_install(&["a"], &PipOptions::default())
            .unwrap();
        let before = image.to_spec();
        assert!(image
            .pip_install(&["-e ."], &PipOptions::default())
            .is_err());
        assert_eq!(image.to_spec(), before);
    }

    #[test]
    fn workdir_is_tracked() {
        let image = Image::debian_slim(&DebianSlimOptions::default()).unwrap();
        assert_eq!(image.current_workdir(), DEFAULT_WORKDIR);
        let image = image.workdir("app").unwrap().workdir("../srv").unwrap();
        assert_eq!(image.current_workdir(), "/root/srv");
        assert_eq!(paths::resolve(image.current_workdir(), "x"), "/root/srv/x");
    }
}
