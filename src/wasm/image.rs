//! The JavaScript `Image` class: a thin wrapper over the core `Image` that converts arguments
//! and errors. Every method returns a new `Image`; the receiver never changes.

use serde::de::DeserializeOwned;
use tsify::Ts;
use wasm_bindgen::prelude::*;

use super::errors::{invalid_argument, to_js};
use super::types::{
    ArgList, EnvValues, LocalDirOptions, PyprojectOptions, StringList, UvPipOptions,
};
use crate::error::{Error, ErrorCode, Quoted, Result};
use crate::hash;
use crate::image::{DebianSlimOptions, DockerfileOptions, Image as CoreImage, RegistryOptions};
use crate::spec::{in_user_words, ImageSpec, PipOptions};

/// An immutable container image definition. Build one with `Image.debianSlim()`,
/// `Image.fromRegistry(ref)`, `Image.fromDockerfile(path)` or `Image.fromSpec(spec)`, then chain
/// builder methods; each returns a new `Image` and leaves the receiver as it was. Failures throw
/// an `ApothicError` with a stable `code`.
#[wasm_bindgen(js_name = Image)]
pub struct JsImage {
    inner: CoreImage,
}

type JsResult<T> = std::result::Result<T, JsValue>;

/// Converts a `Ts<T>` argument, naming the argument when its shape is wrong. The value goes
/// through `JSON.stringify` and serde_json, so JavaScript input is checked exactly like JSON
/// input natively (serde-wasm-bindgen reads only the fields it knows and would let unknown ones,
/// such as a misspelt option, pass silently).
fn arg<T: tsify::Tsify + DeserializeOwned>(value: Ts<T>, name: &str) -> Result<T> {
    from_js(&value.js_value(), name, ErrorCode::InvalidArgument)
}

/// Converts an optional `Ts<T>` argument; `undefined` and `null` give the default.
fn opt<T: tsify::Tsify + DeserializeOwned + Default>(
    value: Option<Ts<T>>,
    name: &str,
) -> Result<T> {
    value.map_or_else(|| Ok(T::default()), |v| arg(v, name))
}

/// Reads a JavaScript value as `T` through its JSON text; failures get `code`, and name the
/// key of an object at fault (`options.indexUrl`) when there is one.
fn from_js<T: DeserializeOwned>(value: &JsValue, name: &str, code: ErrorCode) -> Result<T> {
    let json = js_sys::JSON::stringify(value)
        .ok()
        .map(|text| bounded(&text, name))
        .transpose()?
        .flatten()
        .ok_or_else(|| Error::new(code, format!("`{name}` cannot be read as JSON (a BigInt, a cycle, nesting too deep, or undefined); pass plain data")).at(name))?;
    serde_json::from_str(&json).map_err(|e| {
        // `JSON.stringify` writes one line, so the column is a byte offset into `json`.
        let key = (e.line() == 1).then(|| key_at(&json, e.column())).flatten();
        // serde_json ends its message with a position in our own JSON text: not the caller's.
        let detail = in_user_words(&serde_detail(&e));
        let detail = detail.as_str();
        match (code, key) {
            (ErrorCode::InvalidArgument, Some(key)) => {
                invalid_argument(&format!("{name}.{key}"), detail)
            }
            (ErrorCode::InvalidArgument, None) => invalid_argument(name, detail),
            _ => Error::new(code, format!("`{name}` is not valid: {detail}")).at(name),
        }
    })
}

/// serde_json's message without the position it appends (` at line 1 column 9`), which is a
/// position in a text the caller may not have written.
fn serde_detail(e: &serde_json::Error) -> String {
    let detail = e.to_string();
    match detail.rfind(" at line ") {
        Some(end) => detail[..end].to_string(),
        None => detail,
    }
}

/// The key of the top-level object whose entry holds byte `end` of `json` (compact JSON, as
/// `JSON.stringify` writes it); `None` outside such an entry. A small scan instead of path
/// tracking through every deserializer, which costs kilobytes of wasm.
fn key_at(json: &str, end: usize) -> Option<String> {
    let bytes = json.as_bytes();
    let (mut depth, mut i, mut key, mut string_start) = (0usize, 0usize, None, None);
    while i < bytes.len().min(end) {
        match bytes[i] {
            b'\\' if string_start.is_some() => i += 1,
            b'"' => match string_start.take() {
                None => string_start = Some(i),
                Some(start) if depth == 1 && bytes.get(i + 1) == Some(&b':') => {
                    // As written in JSON (escapes kept): the keys that matter are names.
                    key = Some(start + 1..i);
                }
                Some(_) => {}
            },
            _ if string_start.is_some() => {}
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    key.filter(|_| json.starts_with('{'))
        .map(|range| json[range].to_string())
}

/// A Rust value as a plain JavaScript value (through JSON, the inverse of [`from_js`]).
fn to_js_value<T: serde::Serialize>(value: &T) -> JsResult<JsValue> {
    let json = serde_json::to_string(value)
        .map_err(|e| to_js(Error::new(ErrorCode::InvalidSpec, e.to_string())))?;
    js_sys::JSON::parse(&json)
}

/// A string argument; anything else (a number, `undefined`) is `INVALID_ARGUMENT` rather than
/// being coerced to text.
fn text(value: &JsValue, name: &str) -> Result<String> {
    let text = bounded(value, name)?.ok_or_else(|| invalid_argument(name, "expected a string"))?;
    if text.contains('\u{FFFD}')
        && !value
            .dyn_ref::<js_sys::JsString>()
            .is_some_and(js_sys::JsString::is_valid_utf16)
    {
        return Err(invalid_argument(
            name,
            "the string holds a lone UTF-16 surrogate (it is not valid Unicode)",
        ));
    }
    Ok(text)
}

/// A JS string as Rust text, refused with `SPEC_TOO_LARGE` past the largest spec before it is
/// copied into wasm memory (`None` for a non-string).
fn bounded(value: &JsValue, name: &str) -> Result<Option<String>> {
    let Some(text) = value.dyn_ref::<js_sys::JsString>() else {
        return Ok(None);
    };
    // UTF-16 units: each is at least one byte of UTF-8.
    if text.length() as usize > crate::limits::MAX_SPEC_BYTES {
        return Err(Error::new(
            ErrorCode::SpecTooLarge,
            format!(
                "`{name}` is {} characters long, more than the {} bytes a spec may hold",
                text.length(),
                crate::limits::MAX_SPEC_BYTES
            ),
        )
        .at(name));
    }
    Ok(Some(String::from(text)))
}

#[wasm_bindgen]
extern "C" {
    // `Object.entries` and `Array.isArray` that catch what a Proxy's traps throw.
    #[wasm_bindgen(catch, js_namespace = Object, js_name = entries)]
    fn checked_entries(value: &JsValue) -> std::result::Result<js_sys::Array, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    fn checked_is_array(value: &JsValue) -> std::result::Result<bool, JsValue>;
}

/// An optional string argument: `undefined` and `null` are `None`.
fn optional_text(value: &JsValue, name: &str) -> Result<Option<String>> {
    if value.is_undefined() || value.is_null() {
        Ok(None)
    } else {
        text(value, name).map(Some)
    }
}

fn list(value: Ts<StringList>, name: &str) -> Result<Vec<String>> {
    arg(value, name).map(StringList::into_vec)
}

fn wrap(result: Result<CoreImage>) -> JsResult<JsImage> {
    result.map(|inner| JsImage { inner }).map_err(to_js)
}

fn pip_only(uv_version: &Option<String>) -> Result<()> {
    match uv_version {
        None => Ok(()),
        Some(_) => Err(Error::new(
            ErrorCode::InvalidOption,
            "uvVersion applies to the uvPipInstall* methods only; drop it or use uvPipInstallFromPyproject",
        )
        .at("options.uvVersion")),
    }
}

#[wasm_bindgen(js_class = Image)]
impl JsImage {
    /// `FROM python:{X.Y}-slim-trixie`; `pythonVersion` is 3.10 to 3.15 as `X.Y` or `X.Y.Z`
    /// (default 3.11); `buildTools: true` adds Debian's `build-essential` (compilers).
    #[wasm_bindgen(js_name = debianSlim)]
    pub fn debian_slim(options: Option<Ts<DebianSlimOptions>>) -> JsResult<JsImage> {
        wrap((|| CoreImage::debian_slim(&opt(options, "options")?))())
    }

    /// Any image reference `docker pull` accepts (`python:3.12`, `ghcr.io/org/app@sha256:…`);
    /// `prebuilt: true` says it already is a ready execution image; `addPython: "3.12"` installs
    /// a managed CPython with `python`, `python3` and `pip` on `PATH`.
    #[wasm_bindgen(js_name = fromRegistry)]
    pub fn from_registry(
        #[wasm_bindgen(js_name = "ref", unchecked_param_type = "string")] reference: JsValue,
        options: Option<Ts<RegistryOptions>>,
    ) -> JsResult<JsImage> {
        wrap((|| {
            CoreImage::from_registry(&text(&reference, "ref")?, &opt(options, "options")?)
        })())
    }

    /// A Dockerfile read through the host at resolve time; `contextDir` defaults to its folder,
    /// `base` (used when it has no `FROM`) to `python:3.11-slim`.
    #[wasm_bindgen(js_name = fromDockerfile)]
    pub fn from_dockerfile(
        #[wasm_bindgen(unchecked_param_type = "string")] path: JsValue,
        options: Option<Ts<DockerfileOptions>>,
    ) -> JsResult<JsImage> {
        wrap((|| {
            CoreImage::from_dockerfile(&text(&path, "path")?, &opt(options, "options")?)
        })())
    }

    /// Rebuilds an image from a spec (as `toSpec()` returns, or its JSON text), validating it
    /// fully. Fields with a default may be left out (docs/api.md): the image's `toSpec()` is
    /// then the full form. A JSON text that does not parse is `INVALID_SPEC` with its `line`
    /// and `column`.
    #[wasm_bindgen(js_name = fromSpec)]
    pub fn from_spec(
        #[wasm_bindgen(unchecked_param_type = "ImageSpec | string")] spec: JsValue,
    ) -> JsResult<JsImage> {
        wrap(spec_arg(&spec, "spec").and_then(|s| CoreImage::from_spec(&s)))
    }

    /// Installs packages with pip (de-duplicated and sorted; flags go in `options`).
    #[wasm_bindgen(js_name = pipInstall)]
    pub fn pip_install(
        &self,
        packages: Ts<StringList>,
        options: Option<Ts<PipOptions>>,
    ) -> JsResult<JsImage> {
        wrap((|| {
            self.inner
                .pip_install(&list(packages, "packages")?, &opt(options, "options")?)
        })())
    }

    /// Installs packages with a pinned uv copied in from its image.
    #[wasm_bindgen(js_name = uvPipInstall)]
    pub fn uv_pip_install(
        &self,
        packages: Ts<StringList>,
        options: Option<Ts<UvPipOptions>>,
    ) -> JsResult<JsImage> {
        wrap((|| {
            let options = opt::<UvPipOptions>(options, "options")?.into_core();
            self.inner
                .uv_pip_install(&list(packages, "packages")?, &options)
        })())
    }

    /// Installs a requirements file (read through the host at resolve time).
    #[wasm_bindgen(js_name = pipInstallFromRequirements)]
    pub fn pip_install_from_requirements(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] path: JsValue,
        options: Option<Ts<PipOptions>>,
    ) -> JsResult<JsImage> {
        wrap((|| {
            self.inner
                .pip_install_from_requirements(&text(&path, "path")?, &opt(options, "options")?)
        })())
    }

    /// Installs a requirements file with uv.
    #[wasm_bindgen(js_name = uvPipInstallFromRequirements)]
    pub fn uv_pip_install_from_requirements(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] path: JsValue,
        options: Option<Ts<UvPipOptions>>,
    ) -> JsResult<JsImage> {
        wrap((|| {
            let options = opt::<UvPipOptions>(options, "options")?.into_core();
            self.inner
                .uv_pip_install_from_requirements(&text(&path, "path")?, &options)
        })())
    }

    /// Installs `[project].dependencies` of a pyproject.toml plus the named optional groups.
    #[wasm_bindgen(js_name = pipInstallFromPyproject)]
    pub fn pip_install_from_pyproject(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] path: JsValue,
        options: Option<Ts<PyprojectOptions>>,
    ) -> JsResult<JsImage> {
        wrap((|| {
            let options = opt::<PyprojectOptions>(options, "options")?;
            pip_only(&options.uv_version)?;
            let (groups, uv) = options.into_core();
            self.inner
                .pip_install_from_pyproject(&text(&path, "path")?, &groups, &uv.pip)
        })())
    }

    /// Installs a pyproject.toml's dependencies with uv.
    #[wasm_bindgen(js_name = uvPipInstallFromPyproject)]
    pub fn uv_pip_install_from_pyproject(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] path: JsValue,
        options: Option<Ts<PyprojectOptions>>,
    ) -> JsResult<JsImage> {
        wrap((|| {
            let (groups, uv) = opt::<PyprojectOptions>(options, "options")?.into_core();
            self.inner
                .uv_pip_install_from_pyproject(&text(&path, "path")?, &groups, &uv)
        })())
    }

    /// Sets environment variables; numbers and booleans are stringified like `String(x)`.
    /// Any other value (`undefined`, an object, a function) is an error naming the variable, so
    /// `env({ TOKEN: process.env.TOKEN })` cannot silently lose `TOKEN`.
    pub fn env(&self, values: Ts<EnvValues>) -> JsResult<JsImage> {
        wrap((|| self.inner.env(&env_pairs(&values.js_value())?))())
    }

    /// Variables from a dotenv file (read through the host at resolve time).
    #[wasm_bindgen(js_name = envFile)]
    pub fn env_file(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] path: JsValue,
    ) -> JsResult<JsImage> {
        wrap((|| self.inner.env_file(&text(&path, "path")?))())
    }

    /// One `RUN` per command, verbatim (exec form where the shell form would change it).
    #[wasm_bindgen(js_name = runCommands)]
    pub fn run_commands(&self, commands: Ts<StringList>) -> JsResult<JsImage> {
        wrap((|| self.inner.run_commands(&list(commands, "commands")?))())
    }

    /// The shell later `RUN` commands use (`"/bin/bash"`, `"/bin/bash -euo pipefail -c"`), or
    /// `null` for `/bin/sh -c`.
    #[wasm_bindgen(js_name = commandShell)]
    pub fn command_shell(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | null")] shell: JsValue,
    ) -> JsResult<JsImage> {
        wrap((|| {
            self.inner
                .command_shell(optional_text(&shell, "shell")?.as_deref())
        })())
    }

    /// Sets `WORKDIR`; relative paths resolve against the current workdir (`/root` at first).
    pub fn workdir(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] path: JsValue,
    ) -> JsResult<JsImage> {
        wrap((|| self.inner.workdir(&text(&path, "path")?))())
    }

    /// Debian packages in one non-interactive `RUN`; de-duplicated, order kept.
    #[wasm_bindgen(js_name = aptInstall)]
    pub fn apt_install(&self, packages: Ts<StringList>) -> JsResult<JsImage> {
        wrap((|| self.inner.apt_install(&list(packages, "packages")?))())
    }

    /// `ENTRYPOINT` in exec form (`["python", "-m", "app"]`), args in order; `[]` clears the
    /// base image's entrypoint.
    pub fn entrypoint(&self, args: Ts<ArgList>) -> JsResult<JsImage> {
        wrap((|| self.inner.entrypoint(&arg(args, "args")?.0))())
    }

    /// `CMD` in exec form (`["serve", "--port", "8000"]`), args in order; `[]` clears the base
    /// image's command.
    pub fn cmd(&self, args: Ts<ArgList>) -> JsResult<JsImage> {
        wrap((|| self.inner.cmd(&arg(args, "args")?.0))())
    }

    /// Raw Dockerfile instructions, parsed and checked now (errors carry line and column).
    #[wasm_bindgen(js_name = withDockerfile)]
    pub fn with_dockerfile(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] contents: JsValue,
    ) -> JsResult<JsImage> {
        wrap((|| {
            self.inner.with_dockerfile(&text(&contents, "contents")?)
        })())
    }

    /// A file attached when a container starts (not in the image, not in its hash).
    #[wasm_bindgen(js_name = addLocalFile)]
    pub fn add_local_file(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] local: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "string")] remote: JsValue,
    ) -> JsResult<JsImage> {
        wrap((|| {
            let remote = optional_text(&remote, "remote")?;
            self.inner
                .add_local_file(&text(&local, "local")?, remote.as_deref())
        })())
    }

    /// A folder attached when a container starts, minus `ignore` patterns.
    #[wasm_bindgen(js_name = addLocalDir)]
    pub fn add_local_dir(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] local: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "string")] remote: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "LocalDirOptions")] options: Option<
            Ts<LocalDirOptions>,
        >,
    ) -> JsResult<JsImage> {
        wrap((|| {
            let (local, remote, ignore) = local_dir_args(&local, &remote, options)?;
            self.inner.add_local_dir(&local, remote.as_deref(), &ignore)
        })())
    }

    /// A file baked into the image with `COPY`.
    #[wasm_bindgen(js_name = copyLocalFile)]
    pub fn copy_local_file(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] local: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "string")] remote: JsValue,
    ) -> JsResult<JsImage> {
        wrap((|| {
            let remote = optional_text(&remote, "remote")?;
            self.inner
                .copy_local_file(&text(&local, "local")?, remote.as_deref())
        })())
    }

    /// A folder baked into the image with `COPY`, minus `ignore` patterns.
    #[wasm_bindgen(js_name = copyLocalDir)]
    pub fn copy_local_dir(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] local: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "string")] remote: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "LocalDirOptions")] options: Option<
            Ts<LocalDirOptions>,
        >,
    ) -> JsResult<JsImage> {
        wrap((|| {
            let (local, remote, ignore) = local_dir_args(&local, &remote, options)?;
            self.inner
                .copy_local_dir(&local, remote.as_deref(), &ignore)
        })())
    }

    /// Python modules attached under `/root/` when a container starts.
    #[wasm_bindgen(js_name = addLocalPythonSource)]
    pub fn add_local_python_source(&self, modules: Ts<StringList>) -> JsResult<JsImage> {
        wrap((|| {
            self.inner
                .add_local_python_source(&list(modules, "modules")?)
        })())
    }

    /// Python modules baked in under `/root/`.
    #[wasm_bindgen(js_name = copyLocalPythonSource)]
    pub fn copy_local_python_source(&self, modules: Ts<StringList>) -> JsResult<JsImage> {
        wrap((|| {
            self.inner
                .copy_local_python_source(&list(modules, "modules")?)
        })())
    }

    /// The spec: a plain JSON value (`version`, `base`, `steps`) in canonical form.
    #[wasm_bindgen(js_name = toSpec)]
    pub fn to_spec(&self) -> JsResult<Ts<ImageSpec>> {
        to_js_value(&self.inner.to_spec()).map(Ts::new_unchecked)
    }

    /// The spec, as `toSpec()`: `JSON.stringify(image)` writes the image's spec.
    #[wasm_bindgen(js_name = toJSON)]
    pub fn to_json(&self) -> JsResult<Ts<ImageSpec>> {
        self.to_spec()
    }

    /// The Dockerfile; steps that need file contents throw `NEEDS_RESOLVE`.
    pub fn dockerfile(&self) -> JsResult<String> {
        self.inner.dockerfile().map_err(to_js)
    }

    /// `sha256:` + hex of the RFC 8785 canonical JSON of the spec (see HASHING.md). No I/O.
    #[wasm_bindgen(js_name = definitionHash)]
    pub fn definition_hash(&self) -> String {
        self.inner.definition_hash()
    }

    /// The RFC 8785 canonical JSON of the spec: the exact bytes `definitionHash()` covers.
    #[wasm_bindgen(js_name = canonicalJson)]
    pub fn canonical_json(&self) -> String {
        self.inner.canonical_json()
    }

    /// The number of steps after the base.
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> usize {
        self.inner.len()
    }
}

impl JsImage {
    /// The core image this object wraps.
    pub(crate) fn core(&self) -> &CoreImage {
        &self.inner
    }
}

/// A spec argument called `name`: a spec object (an `Image` too: `JSON.stringify` writes its
/// spec), or the JSON text of one (decoded as written, so an error has the line and column in
/// that text).
pub(super) fn spec_arg(spec: &JsValue, name: &str) -> Result<ImageSpec> {
    match bounded(spec, name)? {
        Some(json) => serde_json::from_str(&json).map_err(|e| {
            Error::new(
                ErrorCode::InvalidSpec,
                format!(
                    "`{name}` is not a valid image spec: {}",
                    in_user_words(&serde_detail(&e))
                ),
            )
            .at(name)
            .at_position(e.line(), e.column())
        }),
        None => from_js(spec, name, ErrorCode::InvalidSpec),
    }
}

/// The own enumerable string keys of an `env` object with their values as text.
fn env_pairs(values: &JsValue) -> Result<Vec<(String, String)>> {
    if !values.is_object() || checked_is_array(values).unwrap_or(true) {
        return Err(invalid_argument(
            "values",
            "expected an object of name → string, number or boolean",
        ));
    }
    let object: &js_sys::Object = values.unchecked_ref();
    let entries = checked_entries(object)
        .map_err(|_| invalid_argument("values", "reading its entries threw"))?;
    let mut pairs = Vec::with_capacity(entries.length().min(4096) as usize);
    let mut total = 0usize;
    for entry in entries.iter() {
        let entry: js_sys::Array = entry.unchecked_into();
        let key = bounded(&entry.get(0), "values")?.unwrap_or_default();
        let value = entry.get(1);
        total += key.len();
        let text = if let Some(text) = bounded(&value, &format!("values.{key}"))? {
            total += text.len();
            if total > crate::limits::MAX_SPEC_BYTES {
                return Err(crate::limits::spec_too_large(total).at("values"));
            }
            text
        } else if let Some(b) = value.as_bool() {
            b.to_string()
        } else if let Some(n) = value.as_f64() {
            if !n.is_finite() {
                return Err(Error::new(
                    ErrorCode::InvalidEnvValue,
                    format!(
                        "the value of {} is not a finite number; give a string or a finite number",
                        Quoted(&key)
                    ),
                )
                .at(format!("values.{key}")));
            }
            js_sys::Number::from(n)
                .to_string_with_radix(10)
                .map(String::from)
                .unwrap_or_default()
        } else {
            return Err(invalid_argument(
                &format!("values.{key}"),
                "expected a string, a finite number or a boolean (undefined, null, objects and functions are not stringified)",
            ));
        };
        pairs.push((key, text));
    }
    Ok(pairs)
}

fn local_dir_args(
    local: &JsValue,
    remote: &JsValue,
    options: Option<Ts<LocalDirOptions>>,
) -> Result<(String, Option<String>, Vec<String>)> {
    let ignore = opt::<LocalDirOptions>(options, "options")?
        .ignore
        .map(StringList::into_vec)
        .unwrap_or_default();
    Ok((
        text(local, "local")?,
        optional_text(remote, "remote")?,
        ignore,
    ))
}

/// The canonical JSON of any spec value (or its JSON text), for tools that hash specs without
/// building images.
#[wasm_bindgen(js_name = canonicalJsonOf)]
pub fn canonical_json_of(
    #[wasm_bindgen(unchecked_param_type = "ImageSpec | string")] spec: JsValue,
) -> JsResult<String> {
    spec_arg(&spec, "spec")
        .map(|s| hash::canonical_json(&s))
        .map_err(to_js)
}
