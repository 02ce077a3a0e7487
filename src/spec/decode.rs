//! Decoding a `Step` (and a `Base`) from its JSON form through one flat struct. serde's derived decoder for an
//! internally tagged enum of 19 variants buffers every step and generates a visitor per variant;
//! in the wasm build it was the largest function (about 50 KB). Decoding into [`RawStep`] (every
//! field of every op, all optional, unknown names rejected) and then checking which fields the
//! op takes is equivalent for valid input and gives the same kinds of errors for invalid input.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

use crate::spec::{Base, PipOptions, Step};

/// Every field any step has, as it appears in JSON.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct RawStep {
    op: String,
    packages: Option<Vec<String>>,
    options: Option<PipOptions>,
    uv_version: Option<String>,
    path: Option<String>,
    optional_dependencies: Option<Vec<String>>,
    values: Option<BTreeMap<String, String>>,
    commands: Option<Vec<String>>,
    /// `Some(None)` is an explicit `null` (the default shell); `None` is a missing field.
    #[serde(default, deserialize_with = "present")]
    shell: Option<Option<Vec<String>>>,
    contents: Option<String>,
    local: Option<String>,
    remote: Option<String>,
    ignore: Option<Vec<String>>,
    modules: Option<Vec<String>>,
    args: Option<Vec<String>>,
}

/// Marks a field as present even when its value is `null`.
fn present<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<Vec<String>>>, D::Error> {
    Option::<Vec<String>>::deserialize(d).map(Some)
}

/// Why a step's JSON does not describe a step.
#[derive(Debug)]
pub(crate) struct StepDecodeError(String);

impl fmt::Display for StepDecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Takes the fields of one op out of a [`RawStep`], failing on a missing one and, at the end, on
/// any field the op does not have.
struct Fields {
    raw: RawStep,
}

impl Fields {
    fn take<T>(&self, name: &str, field: Option<T>) -> Result<T, StepDecodeError> {
        field.ok_or_else(|| {
            StepDecodeError(format!("missing field `{name}` for op `{}`", self.raw.op))
        })
    }

    fn finish(self, step: Step) -> Result<Step, StepDecodeError> {
        let r = &self.raw;
        let leftover = [
            ("packages", r.packages.is_some()),
            ("options", r.options.is_some()),
            ("uvVersion", r.uv_version.is_some()),
            ("path", r.path.is_some()),
            ("optionalDependencies", r.optional_dependencies.is_some()),
            ("values", r.values.is_some()),
            ("commands", r.commands.is_some()),
            ("shell", r.shell.is_some()),
            ("contents", r.contents.is_some()),
            ("local", r.local.is_some()),
            ("remote", r.remote.is_some()),
            ("ignore", r.ignore.is_some()),
            ("modules", r.modules.is_some()),
            ("args", r.args.is_some()),
        ]
        .into_iter()
        .find(|(_, present)| *present);
        match leftover {
            Some((name, _)) => Err(StepDecodeError(format!(
                "unknown field `{name}` for op `{}`",
                step.op_name()
            ))),
            None => Ok(step),
        }
    }
}

impl TryFrom<RawStep> for Step {
    type Error = StepDecodeError;

    fn try_from(raw: RawStep) -> Result<Step, StepDecodeError> {
        let mut f = Fields { raw };
        macro_rules! take {
            ($field:ident, $name:literal) => {{
                let value = f.raw.$field.take();
                f.take($name, value)?
            }};
        }
        let step = match f.raw.op.as_str() {
            "pipInstall" => Step::PipInstall { packages: take!(packages, "packages"), options: take!(options, "options") },
            "uvPipInstall" => Step::UvPipInstall {
                packages: take!(packages, "packages"),
                options: take!(options, "options"),
                uv_version: take!(uv_version, "uvVersion"),
            },
            "pipInstallFromRequirements" => {
                Step::PipInstallFromRequirements { path: take!(path, "path"), options: take!(options, "options") }
            }
            "uvPipInstallFromRequirements" => Step::UvPipInstallFromRequirements {
                path: take!(path, "path"),
                options: take!(options, "options"),
                uv_version: take!(uv_version, "uvVersion"),
            },
            "pipInstallFromPyproject" => Step::PipInstallFromPyproject {
                path: take!(path, "path"),
                optional_dependencies: take!(optional_dependencies, "optionalDependencies"),
                options: take!(options, "options"),
            },
            "uvPipInstallFromPyproject" => Step::UvPipInstallFromPyproject {
                path: take!(path, "path"),
                optional_dependencies: take!(optional_dependencies, "optionalDependencies"),
                options: take!(options, "options"),
                uv_version: take!(uv_version, "uvVersion"),
            },
            "env" => Step::Env { values: take!(values, "values") },
            "envFile" => Step::EnvFile { path: take!(path, "path") },
            "runCommands" => Step::RunCommands { commands: take!(commands, "commands") },
            "commandShell" => Step::CommandShell { shell: take!(shell, "shell") },
            "workdir" => Step::Workdir { path: take!(path, "path") },
            "aptInstall" => Step::AptInstall { packages: take!(packages, "packages") },
            "withDockerfile" => Step::WithDockerfile { contents: take!(contents, "contents") },
            "addLocalFile" => Step::AddLocalFile { local: take!(local, "local"), remote: take!(remote, "remote") },
            "addLocalDir" => Step::AddLocalDir {
                local: take!(local, "local"),
                remote: take!(remote, "remote"),
                ignore: take!(ignore, "ignore"),
            },
            "copyLocalFile" => Step::CopyLocalFile { local: take!(local, "local"), remote: take!(remote, "remote") },
            "copyLocalDir" => Step::CopyLocalDir {
                local: take!(local, "local"),
                remote: take!(remote, "remote"),
                ignore: take!(ignore, "ignore"),
            },
            "addLocalPythonSource" => Step::AddLocalPythonSource { modules: take!(modules, "modules") },
            "copyLocalPythonSource" => Step::CopyLocalPythonSource { modules: take!(modules, "modules") },
            "entrypoint" => Step::Entrypoint { args: take!(args, "args") },
            "cmd" => Step::Cmd { args: take!(args, "args") },
            other => {
                return Err(StepDecodeError(format!(
                    "unknown op `{other}`: a step's op is a builder method name such as \"pipInstall\" or \"runCommands\""
                )))
            }
        };
        f.finish(step)
    }
}

/// Every field any base has, as it appears in JSON.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct RawBase {
    op: String,
    python_version: Option<String>,
    #[serde(rename = "ref")]
    reference: Option<String>,
    normalized: Option<String>,
    prebuilt: Option<bool>,
    path: Option<String>,
    context_dir: Option<String>,
    base: Option<String>,
    build_tools: Option<bool>,
    add_python: Option<String>,
}

impl TryFrom<RawBase> for Base {
    type Error = StepDecodeError;

    fn try_from(raw: RawBase) -> Result<Base, StepDecodeError> {
        let missing = |name: &str| {
            StepDecodeError(format!("missing field `{name}` for base op `{}`", raw.op))
        };
        let (base, extra) = match raw.op.as_str() {
            "debianSlim" => (
                Base::DebianSlim {
                    python_version: raw.python_version.clone().ok_or_else(|| missing("pythonVersion"))?,
                    build_tools: raw.build_tools.unwrap_or(false),
                },
                [raw.reference.is_some(), raw.normalized.is_some(), raw.prebuilt.is_some(), raw.path.is_some(), raw.context_dir.is_some(), raw.base.is_some(), raw.add_python.is_some()],
            ),
            "fromRegistry" => (
                Base::FromRegistry {
                    reference: raw.reference.clone().ok_or_else(|| missing("ref"))?,
                    normalized: raw.normalized.clone().ok_or_else(|| missing("normalized"))?,
                    prebuilt: raw.prebuilt.ok_or_else(|| missing("prebuilt"))?,
                    add_python: raw.add_python.clone(),
                },
                [raw.python_version.is_some(), raw.path.is_some(), raw.context_dir.is_some(), raw.base.is_some(), raw.build_tools.is_some(), false, false],
            ),
            "fromDockerfile" => (
                Base::FromDockerfile {
                    path: raw.path.clone().ok_or_else(|| missing("path"))?,
                    context_dir: raw.context_dir.clone().ok_or_else(|| missing("contextDir"))?,
                    base: raw.base.clone().ok_or_else(|| missing("base"))?,
                },
                [raw.python_version.is_some(), raw.reference.is_some(), raw.normalized.is_some(), raw.prebuilt.is_some(), raw.build_tools.is_some(), raw.add_python.is_some(), false],
            ),
            other => {
                return Err(StepDecodeError(format!(
                    "unknown base op `{other}`: use \"debianSlim\", \"fromRegistry\" or \"fromDockerfile\""
                )))
            }
        };
        if extra.contains(&true) {
            return Err(StepDecodeError(format!(
                "base op `{}` has a field that belongs to another base op",
                raw.op
            )));
        }
        Ok(base)
    }
}
