//! `ImageSpec`: the plain, versioned JSON form of an image (`toSpec()` / `fromSpec()`).
//!
//! Field and op names are the TypeScript names of the API. Every list and map is stored in its
//! canonical form (see `crate::spec::canonical`), so two images that mean the same thing have
//! equal specs and equal definition hashes. Optional strings are omitted when unset; booleans and
//! lists are always present. The product's defaults are in [`defaults`].

pub(crate) mod canonical;
mod decode;
pub mod defaults;

pub(crate) use decode::in_user_words;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The spec format version this crate writes and reads.
pub const SPEC_VERSION: u32 = 1;

/// A whole image: where it starts and the ordered steps applied on top.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
// The schema is that of the JSON the decoder reads (`spec::decode` takes it through flat
// structs), so it is derived from this type, not from the `try_from` one.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema), schemars(!try_from))]
#[cfg_attr(
    feature = "wasm",
    derive(tsify::Tsify),
    tsify(hashmap_as_object, missing_as_null)
)]
#[serde(
    try_from = "crate::spec::decode::RawSpec",
    rename_all = "camelCase",
    deny_unknown_fields
)]
pub struct ImageSpec {
    /// The spec format version: always `1`.
    #[cfg_attr(feature = "schema", schemars(extend("const" = SPEC_VERSION)))]
    pub version: u32,
    /// The constructor the image starts from.
    pub base: Base,
    /// Builder calls in order (may be left out: none).
    #[cfg_attr(feature = "schema", schemars(default))]
    pub steps: Vec<Step>,
}

/// The constructor an image starts from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
// The schema is that of the JSON the decoder reads (`spec::decode` takes it through flat
// structs), so it is derived from this type, not from the `try_from` one.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema), schemars(!try_from))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(
    try_from = "crate::spec::decode::RawBase",
    tag = "op",
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum Base {
    /// `Image.debianSlim({ pythonVersion, buildTools })`: `FROM python:{X.Y}-slim-trixie`.
    DebianSlim {
        /// `X.Y` or `X.Y.Z`, 3.10 to 3.15 (may be left out: 3.11).
        #[cfg_attr(feature = "schema", schemars(default = "defaults::python_version"))]
        python_version: String,
        /// Debian's `build-essential` (gcc, g++, make, libc headers) installed right after
        /// `FROM`; present in the spec only when `true`, so specs without it keep their hashes.
        #[serde(default, skip_serializing_if = "is_false")]
        #[cfg_attr(feature = "wasm", tsify(optional))]
        build_tools: bool,
    },
    /// `Image.fromRegistry(ref, { prebuilt })`.
    FromRegistry {
        /// The reference as the user wrote it.
        #[serde(rename = "ref")]
        reference: String,
        /// Its normalised form (`python:3.12` → `docker.io/library/python:3.12`); may be left
        /// out: it is worked out from `ref`.
        #[cfg_attr(
            feature = "schema",
            schemars(default, skip_serializing_if = "String::is_empty")
        )]
        normalized: String,
        /// The image is already a ready execution image (Python and runtime inside); may be
        /// left out: `false`.
        #[cfg_attr(feature = "schema", schemars(default))]
        prebuilt: bool,
        /// `X.Y` (or the pinned `X.Y.Z`) of a managed CPython installed at build time, with
        /// `python`, `python3` and `pip` in `/usr/local/bin`; present only when set.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "wasm", tsify(optional))]
        add_python: Option<String>,
    },
    /// `Image.fromDockerfile(path, { contextDir, base })`.
    FromDockerfile {
        /// Path of the Dockerfile, read through the host.
        path: String,
        /// The build context folder (may be left out: the Dockerfile's folder).
        #[cfg_attr(
            feature = "schema",
            schemars(default, skip_serializing_if = "String::is_empty")
        )]
        context_dir: String,
        /// Image put before a Dockerfile that has no `FROM` (may be left out: `python:3.11-slim`).
        #[cfg_attr(feature = "schema", schemars(default = "defaults::dockerfile_base"))]
        base: String,
    },
}

/// Options of the pip and uv install steps (Modal's names).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PipOptions {
    /// `--index-url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_url: Option<String>,
    /// `--extra-index-url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_index_url: Option<String>,
    /// `--find-links`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub find_links: Option<String>,
    /// Allow pre-releases (`--pre`; uv: `--prerelease allow`).
    #[serde(default)]
    pub pre: bool,
    /// More installer flags, split into words like a shell would (quotes honoured, no expansion).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_options: Option<String>,
}

/// One builder call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
// The schema is that of the JSON the decoder reads (`spec::decode` takes it through flat
// structs), so it is derived from this type, not from the `try_from` one.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema), schemars(!try_from))]
#[cfg_attr(
    feature = "wasm",
    derive(tsify::Tsify),
    tsify(hashmap_as_object, missing_as_null)
)]
#[serde(
    try_from = "crate::spec::decode::RawStep",
    tag = "op",
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum Step {
    /// `pipInstall(packages, options)`; packages de-duplicated and sorted.
    PipInstall {
        /// Requirement strings.
        #[cfg_attr(feature = "schema", schemars(length(min = 1)))]
        packages: Vec<String>,
        /// Installer options (may be left out: none).
        #[cfg_attr(feature = "schema", schemars(default))]
        options: PipOptions,
    },
    /// `uvPipInstall(packages, options)`; packages de-duplicated and sorted.
    UvPipInstall {
        /// Requirement strings.
        #[cfg_attr(feature = "schema", schemars(length(min = 1)))]
        packages: Vec<String>,
        /// Installer options (may be left out: none).
        #[cfg_attr(feature = "schema", schemars(default))]
        options: PipOptions,
        /// The pinned uv release copied in from its image (may be left out: the package's pinned release).
        #[cfg_attr(feature = "schema", schemars(default = "defaults::uv_version"))]
        uv_version: String,
    },
    /// `pipInstallFromRequirements(path, options)`.
    PipInstallFromRequirements {
        /// requirements.txt path, read through the host.
        path: String,
        /// Installer options (may be left out: none).
        #[cfg_attr(feature = "schema", schemars(default))]
        options: PipOptions,
    },
    /// `uvPipInstallFromRequirements(path, options)`.
    UvPipInstallFromRequirements {
        /// requirements.txt path, read through the host.
        path: String,
        /// Installer options (may be left out: none).
        #[cfg_attr(feature = "schema", schemars(default))]
        options: PipOptions,
        /// The pinned uv release (may be left out: the package's pinned release).
        #[cfg_attr(feature = "schema", schemars(default = "defaults::uv_version"))]
        uv_version: String,
    },
    /// `pipInstallFromPyproject(path, { optionalDependencies })`.
    PipInstallFromPyproject {
        /// pyproject.toml path, read through the host.
        path: String,
        /// `[project.optional-dependencies]` groups to add, de-duplicated and sorted (may be left
        /// out: none).
        #[cfg_attr(feature = "schema", schemars(default))]
        optional_dependencies: Vec<String>,
        /// Installer options (may be left out: none).
        #[cfg_attr(feature = "schema", schemars(default))]
        options: PipOptions,
    },
    /// `uvPipInstallFromPyproject(path, { optionalDependencies })`.
    UvPipInstallFromPyproject {
        /// pyproject.toml path, read through the host.
        path: String,
        /// Optional-dependency groups, de-duplicated and sorted (may be left out: none).
        #[cfg_attr(feature = "schema", schemars(default))]
        optional_dependencies: Vec<String>,
        /// Installer options (may be left out: none).
        #[cfg_attr(feature = "schema", schemars(default))]
        options: PipOptions,
        /// The pinned uv release (may be left out: the package's pinned release).
        #[cfg_attr(feature = "schema", schemars(default = "defaults::uv_version"))]
        uv_version: String,
    },
    /// `env(values)`; keys sorted.
    Env {
        /// Variable name → value.
        #[cfg_attr(feature = "schema", schemars(extend("minProperties" = 1)))]
        values: BTreeMap<String, String>,
    },
    /// `envFile(path)`.
    EnvFile {
        /// dotenv file path, read through the host.
        path: String,
    },
    /// `runCommands(commands)`: one `RUN` per command, verbatim.
    RunCommands {
        /// Shell commands.
        #[cfg_attr(feature = "schema", schemars(length(min = 1)))]
        commands: Vec<String>,
    },
    /// `commandShell(shell)`: the shell as argv (`["/bin/bash", "-c"]`), `null` for the default.
    CommandShell {
        /// Shell argv, or `null` for `["/bin/sh", "-c"]`.
        #[cfg_attr(
            feature = "schema",
            schemars(required, length(min = 1), extend("type" = ["array", "null"]))
        )]
        shell: Option<Vec<String>>,
    },
    /// `workdir(path)`; stored as a normalised absolute path, except on a `fromDockerfile` base
    /// before any absolute `workdir`: there a relative path stays relative to the working
    /// directory before it (cleaned), and resolution makes it absolute against the
    /// Dockerfile's `WORKDIR` (the `remote` of the `*Local*` steps likewise).
    Workdir {
        /// Absolute path.
        path: String,
    },
    /// `aptInstall(packages)`; de-duplicated, user order kept.
    AptInstall {
        /// Debian package names (optionally `=version`, `:arch`, `/release`).
        #[cfg_attr(feature = "schema", schemars(length(min = 1)))]
        packages: Vec<String>,
    },
    /// `withDockerfile(contents)`: raw instructions, checked on the spot.
    WithDockerfile {
        /// Dockerfile instructions.
        contents: String,
    },
    /// `addLocalFile(local, remote)`: attached when a container starts.
    AddLocalFile {
        /// Local path, read through the host.
        local: String,
        /// Absolute path in the container.
        remote: String,
    },
    /// `addLocalDir(local, remote, { ignore })`: attached when a container starts.
    AddLocalDir {
        /// Local folder, read through the host.
        local: String,
        /// Absolute path in the container.
        remote: String,
        /// dockerignore-style patterns (may be left out: none).
        #[cfg_attr(feature = "schema", schemars(default))]
        ignore: Vec<String>,
    },
    /// `copyLocalFile(local, remote)`: baked in with `COPY`.
    CopyLocalFile {
        /// Local path, read through the host.
        local: String,
        /// Absolute path in the image.
        remote: String,
    },
    /// `copyLocalDir(local, remote, { ignore })`: baked in with `COPY`.
    CopyLocalDir {
        /// Local folder, read through the host.
        local: String,
        /// Absolute path in the image.
        remote: String,
        /// dockerignore-style patterns (may be left out: none).
        #[cfg_attr(feature = "schema", schemars(default))]
        ignore: Vec<String>,
    },
    /// `addLocalPythonSource(modules)`: attached at start under `/root/`.
    AddLocalPythonSource {
        /// Dotted module names, de-duplicated, user order kept.
        #[cfg_attr(feature = "schema", schemars(length(min = 1)))]
        modules: Vec<String>,
    },
    /// `copyLocalPythonSource(modules)`: baked in under `/root/`.
    CopyLocalPythonSource {
        /// Dotted module names, de-duplicated, user order kept.
        #[cfg_attr(feature = "schema", schemars(length(min = 1)))]
        modules: Vec<String>,
    },
    /// `entrypoint(args)`: `ENTRYPOINT` in exec form, args in order; `[]` clears the base's.
    Entrypoint {
        /// The argv, possibly empty.
        args: Vec<String>,
    },
    /// `cmd(args)`: `CMD` in exec form, args in order; `[]` clears the base's.
    Cmd {
        /// The argv, possibly empty.
        args: Vec<String>,
    },
}

/// For `skip_serializing_if`: a `false` flag is left out of the spec.
fn is_false(flag: &bool) -> bool {
    !flag
}

impl Step {
    /// The TypeScript method name of this step (`"pipInstall"`), used in messages.
    pub fn op_name(&self) -> &'static str {
        match self {
            Step::PipInstall { .. } => "pipInstall",
            Step::UvPipInstall { .. } => "uvPipInstall",
            Step::PipInstallFromRequirements { .. } => "pipInstallFromRequirements",
            Step::UvPipInstallFromRequirements { .. } => "uvPipInstallFromRequirements",
            Step::PipInstallFromPyproject { .. } => "pipInstallFromPyproject",
            Step::UvPipInstallFromPyproject { .. } => "uvPipInstallFromPyproject",
            Step::Env { .. } => "env",
            Step::EnvFile { .. } => "envFile",
            Step::RunCommands { .. } => "runCommands",
            Step::CommandShell { .. } => "commandShell",
            Step::Workdir { .. } => "workdir",
            Step::AptInstall { .. } => "aptInstall",
            Step::WithDockerfile { .. } => "withDockerfile",
            Step::AddLocalFile { .. } => "addLocalFile",
            Step::AddLocalDir { .. } => "addLocalDir",
            Step::CopyLocalFile { .. } => "copyLocalFile",
            Step::CopyLocalDir { .. } => "copyLocalDir",
            Step::AddLocalPythonSource { .. } => "addLocalPythonSource",
            Step::CopyLocalPythonSource { .. } => "copyLocalPythonSource",
            Step::Entrypoint { .. } => "entrypoint",
            Step::Cmd { .. } => "cmd",
        }
    }

    /// True for the `addLocal*` steps, whose files are attached when a container starts and are
    /// not part of the built image.
    pub fn is_runtime(&self) -> bool {
        matches!(
            self,
            Step::AddLocalFile { .. }
                | Step::AddLocalDir { .. }
                | Step::AddLocalPythonSource { .. }
        )
    }

    /// True for steps whose rendering needs file contents read through a host (`resolve`).
    pub fn needs_resolve(&self) -> bool {
        matches!(
            self,
            Step::PipInstallFromRequirements { .. }
                | Step::UvPipInstallFromRequirements { .. }
                | Step::PipInstallFromPyproject { .. }
                | Step::UvPipInstallFromPyproject { .. }
                | Step::EnvFile { .. }
                | Step::CopyLocalFile { .. }
                | Step::CopyLocalDir { .. }
                | Step::CopyLocalPythonSource { .. }
        )
    }
}
