//! Validation and canonical form of the spec's parts. Builder methods and `Image::from_spec`
//! both go through here, so a spec from the network is checked exactly like a builder call, and
//! every accepted step is stored in one canonical form (sorted sets, absolute paths).

use std::collections::BTreeMap;

use crate::error::{CharName, Error, ErrorCode, Quoted, Result};
use crate::formats::{dockerfile, paths, quote, reference};
use crate::spec::defaults::DEFAULT_UV_VERSION;
use crate::spec::{Base, PipOptions, Step};

/// What a step's canonical form depends on: the state left by the steps before it.
pub(crate) struct Context<'a> {
    /// The working directory relative paths resolve against: absolute, or `"."` while it is
    /// still a `fromDockerfile` base's own `WORKDIR` (then relative paths stay relative to the
    /// current working directory, cleaned, and resolve time makes them absolute).
    pub workdir: &'a str,
}

/// Checks a base and returns its canonical form (a registry base gets its normalised ref).
pub(crate) fn base(base: Base) -> Result<Base> {
    match base {
        Base::DebianSlim {
            python_version,
            build_tools,
        } => Ok(Base::DebianSlim {
            python_version: python_version_arg(&python_version)?,
            build_tools,
        }),
        Base::FromRegistry {
            reference,
            normalized,
            prebuilt,
            add_python,
        } => {
            let parsed = reference::parse_image_ref(&reference).map_err(|e| e.at("ref"))?;
            let expected = parsed.to_string();
            if !normalized.is_empty() && normalized != expected {
                return Err(Error::new(
                    ErrorCode::InvalidSpec,
                    format!("`normalized` is {normalized} but `ref` normalises to {expected}; fix or drop it", normalized = Quoted(&normalized), expected = Quoted(&expected)),
                )
                .at("normalized"));
            }
            if let Some(version) = &add_python {
                added_python_build(version)?;
            }
            Ok(Base::FromRegistry {
                reference,
                normalized: expected,
                prebuilt,
                add_python,
            })
        }
        Base::FromDockerfile {
            path,
            context_dir,
            base,
        } => {
            local_path(&path).map_err(|e| e.at("path"))?;
            local_path(&context_dir).map_err(|e| e.at("contextDir"))?;
            reference::parse_image_ref(&base).map_err(|e| e.at("base"))?;
            Ok(Base::FromDockerfile {
                path,
                context_dir,
                base,
            })
        }
    }
}

/// A step in canonical form, with what its check parsed that rendering reuses.
pub(crate) struct Checked {
    /// The step in canonical form.
    pub step: Step,
    /// For `withDockerfile`: its `contents`, parsed and checked (rendering writes these
    /// instructions instead of parsing the text a second time).
    pub fragment: Option<dockerfile::Dockerfile>,
}

/// Checks a step and returns its canonical form.
pub(crate) fn step(step: Step, ctx: &Context<'_>) -> Result<Step> {
    checked_step(step, ctx).map(|checked| checked.step)
}

/// Checks a step and returns its canonical form, keeping the parse of a `withDockerfile`
/// fragment for rendering.
pub(crate) fn checked_step(step: Step, ctx: &Context<'_>) -> Result<Checked> {
    let mut fragment = None;
    let step = match step {
        Step::PipInstall { packages, options } => Step::PipInstall {
            packages: pip_packages(packages)?,
            options: pip_options(options)?,
        },
        Step::UvPipInstall {
            packages,
            options,
            uv_version,
        } => Step::UvPipInstall {
            packages: pip_packages(packages)?,
            options: pip_options(options)?,
            uv_version: uv_version_arg(uv_version)?,
        },
        Step::PipInstallFromRequirements { path, options } => Step::PipInstallFromRequirements {
            path: local_path_arg(path, "path")?,
            options: pip_options(options)?,
        },
        Step::UvPipInstallFromRequirements {
            path,
            options,
            uv_version,
        } => Step::UvPipInstallFromRequirements {
            path: local_path_arg(path, "path")?,
            options: pip_options(options)?,
            uv_version: uv_version_arg(uv_version)?,
        },
        Step::PipInstallFromPyproject {
            path,
            optional_dependencies,
            options,
        } => Step::PipInstallFromPyproject {
            path: local_path_arg(path, "path")?,
            optional_dependencies: extras(optional_dependencies)?,
            options: pip_options(options)?,
        },
        Step::UvPipInstallFromPyproject {
            path,
            optional_dependencies,
            options,
            uv_version,
        } => Step::UvPipInstallFromPyproject {
            path: local_path_arg(path, "path")?,
            optional_dependencies: extras(optional_dependencies)?,
            options: pip_options(options)?,
            uv_version: uv_version_arg(uv_version)?,
        },
        Step::Env { values } => Step::Env {
            values: env_values(values)?,
        },
        Step::EnvFile { path } => Step::EnvFile {
            path: local_path_arg(path, "path")?,
        },
        Step::RunCommands { commands } => Step::RunCommands {
            commands: run_commands(commands)?,
        },
        Step::CommandShell { shell } => Step::CommandShell {
            shell: shell_argv(shell)?,
        },
        Step::Workdir { path } => {
            image_path(&path).map_err(|e| e.at("path"))?;
            Step::Workdir {
                path: paths::resolve_from(ctx.workdir, &path),
            }
        }
        Step::AptInstall { packages } => Step::AptInstall {
            packages: apt_packages(packages)?,
        },
        Step::WithDockerfile { contents } => {
            fragment = Some(dockerfile::check_fragment(&contents).map_err(|e| e.at("contents"))?);
            Step::WithDockerfile { contents }
        }
        Step::AddLocalFile { local, remote } => {
            let (local, remote) = local_and_remote(local, remote, ctx)?;
            Step::AddLocalFile { local, remote }
        }
        Step::CopyLocalFile { local, remote } => {
            let (local, remote) = local_and_remote(local, remote, ctx)?;
            Step::CopyLocalFile { local, remote }
        }
        Step::AddLocalDir {
            local,
            remote,
            ignore,
        } => {
            let (local, remote) = local_and_remote(local, remote, ctx)?;
            Step::AddLocalDir {
                local,
                remote,
                ignore: ignore_patterns(ignore)?,
            }
        }
        Step::CopyLocalDir {
            local,
            remote,
            ignore,
        } => {
            let (local, remote) = local_and_remote(local, remote, ctx)?;
            Step::CopyLocalDir {
                local,
                remote,
                ignore: ignore_patterns(ignore)?,
            }
        }
        Step::AddLocalPythonSource { modules } => Step::AddLocalPythonSource {
            modules: module_names(modules)?,
        },
        Step::CopyLocalPythonSource { modules } => Step::CopyLocalPythonSource {
            modules: module_names(modules)?,
        },
        Step::Entrypoint { args } => Step::Entrypoint {
            args: exec_args(args)?,
        },
        Step::Cmd { args } => Step::Cmd {
            args: exec_args(args)?,
        },
    };
    Ok(Checked { step, fragment })
}

/// The CPython builds `fromRegistry(ref, { addPython })` installs, by `X.Y`: the final releases
/// that python-build-standalone release `20250723` (the default `managedPython.release`)
/// publishes. 3.9 is end-of-life (October 2025) and refused; 3.14 is only a release candidate
/// there.
pub const ADDED_PYTHON_BUILDS: [(&str, &str); 4] = [
    ("3.10", "3.10.18"),
    ("3.11", "3.11.13"),
    ("3.12", "3.12.11"),
    ("3.13", "3.13.5"),
];

/// The full CPython version `addPython` installs for `version` (`X.Y`, or the pinned `X.Y.Z`
/// itself), or `INVALID_PYTHON_VERSION` at `addPython` naming the versions there are.
pub fn added_python_build(version: &str) -> Result<&'static str> {
    let found = ADDED_PYTHON_BUILDS
        .iter()
        .find(|(minor, full)| version == *minor || version == *full);
    if let Some((_, full)) = found {
        return Ok(full);
    }
    let listed: Vec<String> = ADDED_PYTHON_BUILDS
        .iter()
        .map(|(minor, full)| format!("\"{minor}\" ({full})"))
        .collect();
    let eol = if version == "3.9" || version.starts_with("3.9.") {
        "Python 3.9 is end-of-life since October 2025; "
    } else {
        ""
    };
    Err(Error::new(
        ErrorCode::InvalidPythonVersion,
        format!(
            "addPython {version} is not a CPython build this package installs: {eol}use one of {}, as X.Y or the X.Y.Z shown",
            listed.join(", "),
            version = Quoted(version)
        ),
    )
    .at("addPython"))
}

/// `entrypoint`/`cmd` argv: any strings, in order, none holding a NUL (no process can receive
/// one). An empty list is meaningful: it clears what the base set.
fn exec_args(args: Vec<String>) -> Result<Vec<String>> {
    each(&args, "args", |arg| {
        if arg.contains('\0') {
            Err(Error::new(
                ErrorCode::InvalidCommand,
                "argument contains a NUL character, which no process can receive; remove it",
            ))
        } else {
            Ok(())
        }
    })?;
    Ok(args)
}

/// Accepts `X.Y` or `X.Y.Z` with `X.Y` between 3.10 and 3.15 (no leading zeros): the
/// `python:X.Y-slim-trixie` tags there are. 3.9 (end-of-life, no trixie tag) gets its own message.
pub(crate) fn python_version_arg(version: &str) -> Result<String> {
    let parts: Vec<&str> = version.split('.').collect();
    let numeric = |p: &str| {
        !p.is_empty()
            && p.len() <= 4
            && p.bytes().all(|b| b.is_ascii_digit())
            && (p == "0" || !p.starts_with('0'))
    };
    let minor_ok = |p: &str| matches!(p, "10" | "11" | "12" | "13" | "14" | "15");
    let ok = match parts.as_slice() {
        ["3", minor] => minor_ok(minor),
        ["3", minor, patch] => minor_ok(minor) && numeric(patch),
        _ => false,
    };
    if ok {
        return Ok(version.to_string());
    }
    let message = match parts.as_slice() {
        ["3", "9"] | ["3", "9", _] => format!(
            "Python {version} is end-of-life since October 2025 and has no python:3.9-slim-trixie image: use \"3.10\" to \"3.15\" as X.Y or X.Y.Z, or fromRegistry(\"python:3.9-slim-bookworm\") at your own risk", version = Quoted(version)
        ),
        _ => format!(
            "Python version {version} is not supported: use \"3.10\" to \"3.15\" as X.Y (e.g. \"3.12\") or X.Y.Z (e.g. \"3.12.7\")", version = Quoted(version)
        ),
    };
    Err(Error::new(ErrorCode::InvalidPythonVersion, message).at("pythonVersion"))
}

/// Rejects a value holding a character that no Dockerfile line can carry.
fn no_line_breaks(value: &str, code: ErrorCode, what: &str) -> Result<()> {
    match value.chars().find(|c| matches!(c, '\n' | '\r' | '\0')) {
        None => Ok(()),
        Some(c) => Err(Error::new(
            code,
            format!(
                "{what} contains {c}, which a Dockerfile line cannot hold; remove it",
                c = CharName(c)
            ),
        )),
    }
}

/// Rejects empty values and values with control characters (names, paths, URLs).
fn plain_text(value: &str, code: ErrorCode, what: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::new(code, format!("{what} is empty; give a value")));
    }
    match value.chars().find(|c| c.is_control()) {
        None => Ok(()),
        Some(c) => Err(Error::new(
            code,
            format!(
                "{what} {value} contains the control character {c}; remove it",
                value = Quoted(value),
                c = CharName(c)
            ),
        )),
    }
}

/// Runs `check` on every item, with the item's index in the error's argument path.
fn each<T>(items: &[T], field: &str, check: impl Fn(&T) -> Result<()>) -> Result<()> {
    for (i, item) in items.iter().enumerate() {
        check(item).map_err(|e| e.within(&format!("{field}[{i}]")))?;
    }
    Ok(())
}

/// Rejects an empty list in a spec step (the builder adds no step for an empty list, so only a
/// hand-made spec can hold one, and it would render an instruction that fails to build).
fn non_empty<T>(items: &[T], field: &str) -> Result<()> {
    if items.is_empty() {
        Err(Error::new(
            ErrorCode::InvalidSpec,
            format!("`{field}` is empty; drop the step or give at least one item"),
        )
        .at(field))
    } else {
        Ok(())
    }
}

/// Removes later duplicates, keeping the first occurrence's position.
fn dedup_keep_order(items: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::with_capacity(items.len());
    items
        .into_iter()
        .filter(|item| seen.insert(item.clone()))
        .collect()
}

/// Sorts and de-duplicates (for sets whose order does not change the image).
fn sorted_set(mut items: Vec<String>) -> Vec<String> {
    crate::sorting::sort_strings(&mut items);
    items.dedup();
    items
}

fn pip_packages(packages: Vec<String>) -> Result<Vec<String>> {
    non_empty(&packages, "packages")?;
    each(&packages, "packages", |p| {
        plain_text(p, ErrorCode::InvalidPackage, "package")?;
        if p.trim().is_empty() {
            return Err(Error::new(
                ErrorCode::InvalidPackage,
                "package is blank; give a requirement such as \"numpy>=2\"",
            ));
        }
        if p.starts_with('-') {
            return Err(Error::new(
                ErrorCode::InvalidPackage,
                format!("package {p} starts with '-': pass installer flags in options (indexUrl, extraIndexUrl, findLinks, pre, extraOptions), not as packages", p = Quoted(p)),
            ));
        }
        Ok(())
    })?;
    Ok(sorted_set(packages))
}

fn apt_packages(packages: Vec<String>) -> Result<Vec<String>> {
    non_empty(&packages, "packages")?;
    each(&packages, "packages", |p| {
        plain_text(p, ErrorCode::InvalidPackage, "package")?;
        if p.starts_with('-') || p.chars().any(char::is_whitespace) {
            return Err(Error::new(
                ErrorCode::InvalidPackage,
                format!("{p} is not a Debian package name: give one name per item, such as \"git\" or \"curl=8.5.0-2\", without flags or spaces", p = Quoted(p)),
            ));
        }
        Ok(())
    })?;
    Ok(dedup_keep_order(packages))
}

fn pip_options(options: PipOptions) -> Result<PipOptions> {
    let url = |value: &Option<String>, field: &str| -> Result<()> {
        if let Some(v) = value {
            plain_text(v, ErrorCode::InvalidOption, field)
                .map_err(|e| e.at(format!("options.{field}")))?;
            if v.chars().any(char::is_whitespace) {
                return Err(Error::new(
                    ErrorCode::InvalidOption,
                    format!(
                        "{field} {v} contains whitespace; give one URL or path",
                        v = Quoted(v)
                    ),
                )
                .at(format!("options.{field}")));
            }
        }
        Ok(())
    };
    url(&options.index_url, "indexUrl")?;
    url(&options.extra_index_url, "extraIndexUrl")?;
    url(&options.find_links, "findLinks")?;
    if let Some(extra) = &options.extra_options {
        no_line_breaks(extra, ErrorCode::InvalidOption, "extraOptions")
            .map_err(|e| e.at("options.extraOptions"))?;
        quote::shell_split(extra).map_err(|e| {
            Error::new(
                ErrorCode::InvalidOption,
                format!(
                    "extraOptions cannot be split into words: {e}; close the quote or escape it"
                ),
            )
            .at("options.extraOptions")
        })?;
    }
    Ok(options)
}

fn uv_version_arg(version: String) -> Result<String> {
    let ok = version.len() <= 128
        && version.starts_with(|c: char| c.is_ascii_digit())
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if ok {
        Ok(version)
    } else {
        Err(Error::new(
            ErrorCode::InvalidOption,
            format!("uvVersion {version} is not a uv release: give a pinned version such as \"{DEFAULT_UV_VERSION}\" (never \"latest\")", version = Quoted(&version)),
        )
        .at("uvVersion"))
    }
}

fn extras(groups: Vec<String>) -> Result<Vec<String>> {
    each(&groups, "optionalDependencies", |g| {
        let ok = !g.is_empty()
            && g.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
        if ok {
            Ok(())
        } else {
            Err(Error::new(
                ErrorCode::InvalidOption,
                format!("{g} is not an optional-dependency group name: use letters, digits, '.', '-' and '_'", g = Quoted(g)),
            ))
        }
    })?;
    Ok(sorted_set(groups))
}

fn env_values(values: BTreeMap<String, String>) -> Result<BTreeMap<String, String>> {
    if values.is_empty() {
        return Err(Error::new(
            ErrorCode::InvalidSpec,
            "`values` is empty; drop the step or give at least one variable",
        )
        .at("values"));
    }
    for (key, value) in &values {
        let bad_key = key.is_empty()
            || key
                .chars()
                .any(|c| c == '=' || c.is_whitespace() || c.is_control());
        if bad_key {
            return Err(Error::new(
                ErrorCode::InvalidEnvKey,
                format!("environment variable name {key} is not allowed: names must be non-empty, without '=', whitespace or control characters", key = Quoted(key)),
            )
            .at(format!("values.{key}")));
        }
        no_line_breaks(
            value,
            ErrorCode::InvalidEnvValue,
            &format!("the value of {key}"),
        )
        .map_err(|e| e.at(format!("values.{key}")))?;
    }
    Ok(values)
}

fn run_commands(commands: Vec<String>) -> Result<Vec<String>> {
    non_empty(&commands, "commands")?;
    each(&commands, "commands", |c| {
        if c.trim().is_empty() {
            return Err(Error::new(
                ErrorCode::InvalidCommand,
                "command is empty; give a shell command such as \"echo hello\"",
            ));
        }
        if c.contains('\0') {
            return Err(Error::new(
                ErrorCode::InvalidCommand,
                "command contains a NUL character, which no shell can receive; remove it",
            ));
        }
        Ok(())
    })?;
    Ok(commands)
}

fn shell_argv(shell: Option<Vec<String>>) -> Result<Option<Vec<String>>> {
    let Some(argv) = shell else { return Ok(None) };
    if argv.first().is_none_or(|program| program.is_empty()) {
        return Err(Error::new(
            ErrorCode::InvalidShell,
            "shell is empty; give a shell such as \"/bin/bash\", or null for the default",
        )
        .at("shell"));
    }
    each(&argv, "shell", |word| {
        no_line_breaks(word, ErrorCode::InvalidShell, "shell word")
    })?;
    Ok(Some(argv))
}

/// Splits a `commandShell` line like a shell would and makes sure it ends with a `-c` flag.
pub(crate) fn shell_line(line: &str) -> Result<Vec<String>> {
    let mut argv = quote::shell_split(line).map_err(|e| {
        Error::new(
            ErrorCode::InvalidShell,
            format!(
                "shell {line} cannot be split into words: {e}",
                line = Quoted(line)
            ),
        )
        .at("shell")
    })?;
    let ends_with_c = argv.last().is_some_and(|w| {
        w.len() > 1 && w.starts_with('-') && !w.starts_with("--") && w.ends_with('c')
    });
    if argv.len() > 1 && ends_with_c || argv.is_empty() {
        return shell_argv(Some(argv)).map(Option::unwrap_or_default);
    }
    argv.push("-c".to_string());
    shell_argv(Some(argv)).map(Option::unwrap_or_default)
}

fn local_path(path: &str) -> Result<()> {
    plain_text(path, ErrorCode::InvalidPath, "local path")
}

fn local_path_arg(path: String, field: &str) -> Result<String> {
    local_path(&path).map_err(|e| e.at(field))?;
    Ok(path)
}

fn image_path(path: &str) -> Result<()> {
    plain_text(path, ErrorCode::InvalidPath, "path in the image")
}

fn local_and_remote(local: String, remote: String, ctx: &Context<'_>) -> Result<(String, String)> {
    local_path(&local).map_err(|e| e.at("local"))?;
    image_path(&remote).map_err(|e| e.at("remote"))?;
    let remote = paths::remote_path(ctx.workdir, &local, Some(&remote)).ok_or_else(|| {
        Error::new(
            ErrorCode::InvalidPath,
            format!("remote {remote} ends with '/' but {local} has no name to append; give the full remote path", remote = Quoted(&remote), local = Quoted(&local)),
        )
        .at("remote")
    })?;
    Ok((local, remote))
}

/// The remote path for a missing or directory-style remote, with the builder's error.
pub(crate) fn default_remote(local: &str, remote: Option<&str>, workdir: &str) -> Result<String> {
    if let Some(remote) = remote {
        return Ok(remote.to_string());
    }
    local_path(local).map_err(|e| e.at("local"))?;
    paths::remote_path(workdir, local, None).ok_or_else(|| {
        Error::new(
            ErrorCode::InvalidPath,
            format!(
                "{local} has no name to use in the image; give a remote path",
                local = Quoted(local)
            ),
        )
        .at("remote")
    })
}

fn ignore_patterns(patterns: Vec<String>) -> Result<Vec<String>> {
    each(&patterns, "ignore", |p| {
        no_line_breaks(p, ErrorCode::InvalidPath, "ignore pattern")
    })?;
    // Compiled here too, so a bad pattern fails at the call that names it, not at resolve.
    crate::formats::ignore::Patterns::new(&patterns)?;
    Ok(patterns)
}

fn module_names(modules: Vec<String>) -> Result<Vec<String>> {
    non_empty(&modules, "modules")?;
    each(&modules, "modules", |m| {
        let identifier = |s: &str| {
            let mut chars = s.chars();
            chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
                && chars.all(|c| c.is_alphanumeric() || c == '_')
        };
        if m.split('.').all(identifier) {
            Ok(())
        } else {
            Err(Error::new(
                ErrorCode::InvalidModuleName,
                format!("{m} is not a Python module name: use dotted identifiers such as \"app\" or \"app.models\"", m = Quoted(m)),
            ))
        }
    })?;
    Ok(dedup_keep_order(modules))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_versions() {
        for ok in ["3.10", "3.11", "3.15", "3.12.7", "3.13.0", "3.10.18"] {
            assert!(python_version_arg(ok).is_ok(), "{ok}");
        }
        for bad in [
            "3.9", "3.16", "3", "3.12.", "3.012", "3.12.07", "2.7", " 3.12", "3.12.1.1", "",
        ] {
            let err = python_version_arg(bad).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidPythonVersion, "{bad}");
            assert!(err.message.contains("X.Y"), "{}", err.message);
        }
    }

    #[test]
    fn shell_lines_get_a_dash_c() {
        assert_eq!(shell_line("/bin/bash").unwrap(), ["/bin/bash", "-c"]);
        assert_eq!(
            shell_line("/bin/bash -euo pipefail -c").unwrap(),
            ["/bin/bash", "-euo", "pipefail", "-c"]
        );
        assert_eq!(shell_line("bash -ec").unwrap(), ["bash", "-ec"]);
        assert_eq!(
            shell_line("/bin/bash -e").unwrap(),
            ["/bin/bash", "-e", "-c"]
        );
        assert_eq!(shell_line("").unwrap_err().code, ErrorCode::InvalidShell);
        assert_eq!(
            shell_line("'/bin/ba").unwrap_err().code,
            ErrorCode::InvalidShell
        );
    }
}
