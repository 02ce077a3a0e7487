//! Decoding a `Step` (and a `Base`) from its JSON form through one flat struct. serde's derived decoder for an
//! internally tagged enum of 19 variants buffers every step and generates a visitor per variant;
//! in the wasm build it was the largest function (about 50 KB). Decoding into [`RawStep`] (every
//! field of every op, all optional, unknown names rejected) and then checking which fields the
//! op takes is equivalent for valid input and gives the same kinds of errors for invalid input.
//!
//! A spec written by hand may leave out the fields that have a default (docs/api.md, "Specs
//! written by hand"); they are filled in here, so the decoded spec is the full form `toSpec()`
//! writes and hashes: a base's `pythonVersion`, `normalized`, `prebuilt`, `contextDir` and
//! `base`; a step's `options`, `uvVersion`, `optionalDependencies` and `ignore`; the
//! spec's `steps`.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

use crate::spec::{defaults, Base, ImageSpec, PipOptions, Step};

/// A spec as it appears in JSON, `steps` optional. (Its defaults are filled in here rather than
/// with `#[serde(default)]` on [`ImageSpec`], which would make the field optional in the
/// TypeScript type of `toSpec()`'s result too; the same holds for the fields of a base or step.)
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct RawSpec {
    /// The JSON Schema an editor checks a spec file against (docs/api.md, "Editor support"):
    /// allowed so a file may name it, and not part of the spec.
    #[serde(rename = "$schema")]
    _schema: Option<String>,
    version: u32,
    base: Base,
    steps: Option<Vec<Step>>,
}

impl TryFrom<RawSpec> for ImageSpec {
    type Error = StepDecodeError;

    fn try_from(raw: RawSpec) -> Result<ImageSpec, StepDecodeError> {
        Ok(ImageSpec {
            version: raw.version,
            base: raw.base,
            steps: raw.steps.unwrap_or_default(),
        })
    }
}

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
        // The fields a hand-written spec may leave out, with their defaults.
        macro_rules! or_default {
            ($field:ident) => {
                f.raw.$field.take().unwrap_or_default()
            };
        }
        macro_rules! uv_version {
            () => {
                f.raw.uv_version.take().unwrap_or_else(defaults::uv_version)
            };
        }
        let step = match f.raw.op.as_str() {
            "pipInstall" => Step::PipInstall { packages: take!(packages, "packages"), options: or_default!(options) },
            "uvPipInstall" => Step::UvPipInstall {
                packages: take!(packages, "packages"),
                options: or_default!(options),
                uv_version: uv_version!(),
            },
            "pipInstallFromRequirements" => {
                Step::PipInstallFromRequirements { path: take!(path, "path"), options: or_default!(options) }
            }
            "uvPipInstallFromRequirements" => Step::UvPipInstallFromRequirements {
                path: take!(path, "path"),
                options: or_default!(options),
                uv_version: uv_version!(),
            },
            "pipInstallFromPyproject" => Step::PipInstallFromPyproject {
                path: take!(path, "path"),
                optional_dependencies: or_default!(optional_dependencies),
                options: or_default!(options),
            },
            "uvPipInstallFromPyproject" => Step::UvPipInstallFromPyproject {
                path: take!(path, "path"),
                optional_dependencies: or_default!(optional_dependencies),
                options: or_default!(options),
                uv_version: uv_version!(),
            },
            "env" => Step::Env { values: take!(values, "values") },
            "envFile" => Step::EnvFile { path: take!(path, "path") },
            "runCommands" => Step::RunCommands { commands: take!(commands, "commands") },
            // `shell` stays required (`null` for the default shell): a `commandShell` step
            // without one is more likely a slip than a request for `/bin/sh -c`.
            "commandShell" => Step::CommandShell { shell: take!(shell, "shell") },
            "workdir" => Step::Workdir { path: take!(path, "path") },
            "aptInstall" => Step::AptInstall { packages: take!(packages, "packages") },
            "withDockerfile" => Step::WithDockerfile { contents: take!(contents, "contents") },
            "addLocalFile" => Step::AddLocalFile { local: take!(local, "local"), remote: take!(remote, "remote") },
            "addLocalDir" => Step::AddLocalDir {
                local: take!(local, "local"),
                remote: take!(remote, "remote"),
                ignore: or_default!(ignore),
            },
            "copyLocalFile" => Step::CopyLocalFile { local: take!(local, "local"), remote: take!(remote, "remote") },
            "copyLocalDir" => Step::CopyLocalDir {
                local: take!(local, "local"),
                remote: take!(remote, "remote"),
                ignore: or_default!(ignore),
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
                    python_version: raw.python_version.clone().unwrap_or_else(defaults::python_version),
                    build_tools: raw.build_tools.unwrap_or(false),
                },
                [raw.reference.is_some(), raw.normalized.is_some(), raw.prebuilt.is_some(), raw.path.is_some(), raw.context_dir.is_some(), raw.base.is_some(), raw.add_python.is_some()],
            ),
            "fromRegistry" => (
                Base::FromRegistry {
                    reference: raw.reference.clone().ok_or_else(|| missing("ref"))?,
                    // Left out: `spec::canonical` fills in the normalised form of `ref`.
                    normalized: raw.normalized.clone().unwrap_or_default(),
                    prebuilt: raw.prebuilt.unwrap_or(false),
                    add_python: raw.add_python.clone(),
                },
                [raw.python_version.is_some(), raw.path.is_some(), raw.context_dir.is_some(), raw.base.is_some(), raw.build_tools.is_some(), false, false],
            ),
            "fromDockerfile" => {
                let path = raw.path.clone().ok_or_else(|| missing("path"))?;
                (
                Base::FromDockerfile {
                    context_dir: raw.context_dir.clone().unwrap_or_else(|| defaults::dockerfile_context_dir(&path)),
                    path,
                    base: raw.base.clone().unwrap_or_else(defaults::dockerfile_base),
                },
                [raw.python_version.is_some(), raw.reference.is_some(), raw.normalized.is_some(), raw.prebuilt.is_some(), raw.build_tools.is_some(), raw.add_python.is_some(), false],
            )
            }
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

/// A decoding error of serde_json in the words of the JSON the user wrote: `invalid type:
/// integer `5`, expected struct PipOptions` becomes `expected an object, got the number 5`
/// (JSON's `array`, `object`, `null`, `number` for serde's `sequence`, `map`, `unit value`,
/// `integer`, and no Rust type name). Only the parts serde itself writes are rewritten: a string
/// the user gave, quoted in the message, is kept as it is. Any other message is returned as is.
pub(crate) fn in_user_words(message: &str) -> String {
    let (given, expected) = match ["invalid type: ", "invalid value: "]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
        .and_then(|rest| rest.rsplit_once(", expected "))
    {
        Some(parts) => parts,
        None if message.starts_with("data did not match any variant of untagged enum") => {
            return "the value has none of the shapes this argument takes".to_string()
        }
        // serde reads a struct from an array too, and then counts its elements.
        None if message.starts_with("invalid length ")
            && message.contains(", expected struct ") =>
        {
            return "expected an object, got an array".to_string()
        }
        None => return message.to_string(),
    };
    let given = match given {
        "unit value" => "null".to_string(),
        "sequence" => "an array".to_string(),
        "map" => "an object".to_string(),
        _ => match given.split_once(' ') {
            Some(("integer" | "floating", rest)) => {
                format!(
                    "the number {}",
                    rest.trim_start_matches("point ").trim_matches('`')
                )
            }
            Some(("boolean", rest)) => rest.trim_matches('`').to_string(),
            Some(("string", text)) => format!("the string {text}"),
            _ => given.to_string(),
        },
    };
    let expected = match expected {
        "a sequence" => "an array",
        "a map" => "an object",
        "u8" | "u16" | "u32" | "u64" | "usize" | "i32" | "i64" => "a whole number",
        "f32" | "f64" => "a number",
        e if e.starts_with("struct ") || e.starts_with("tuple struct ") => "an object",
        e => e,
    };
    format!("expected {expected}, got {given}")
}
