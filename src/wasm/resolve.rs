//! `image.resolve(host, options)` and `image.buildContext(host, options)`: async, with the JS
//! host guarded by `JsHost`, results handed over as plain JSON values.

use js_sys::{Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use std::collections::BTreeMap;

use super::errors::{invalid_argument, to_js};
use super::host::JsHost;
use super::image::JsImage;
use crate::error::{Error, ErrorCode, Result};
use crate::limits::{DEFAULT_MAX_BYTES, MAX_MAX_BYTES, MAX_PYTHON_DIGESTS};
use crate::resolve::{self, ManagedPython, ResolveOptions};

#[wasm_bindgen(typescript_custom_section)]
const HOST_TYPES: &'static str = r#"
/** The callbacks resolution reads files and images through (docs/resolution.md). Each may return a
 * value or a promise. `nodeHost({ root })` and `memoryHost(files)` are ready-made hosts. */
export interface ImageHost {
  /** The bytes of a file. */
  readFile(path: string): Uint8Array | Promise<Uint8Array>;
  /** The entries of a folder. */
  readDir(path: string): DirEntry[] | Promise<DirEntry[]>;
  /** `"sha256:<hex>"` of a file, computed natively (node:crypto, WebCrypto) for big files. */
  hashFile?(path: string): string | Promise<string>;
  /** Where a file really is: its path after following every symlink, relative to the same
   * root as `path`. Two paths with one real path are one file (a requirements file reached
   * again through a symlinked folder is read once; one that includes itself that way is a
   * cycle). Without it, files are told apart by path. */
  realPath?(path: string): string | Promise<string>;
  /** Where a Python module's source is. */
  resolvePythonModule?(name: string): PythonModule | Promise<PythonModule>;
  /** What is known about a base image (digest, arch, libc, Python). */
  inspectImage?(ref: string): ImageInspection | null | Promise<ImageInspection | null>;
  /** An already published derived image for a build key (`resolution.buildKey`, `"sha256:<hex>"`:
   * the image hash, the rendered Dockerfile and the context layout; HASHING.md, "buildKey"). */
  lookupDerived?(buildKey: string): string | null | Promise<string | null>;
}

/** Files and bytes read or hashed so far. */
export interface ResolveProgress {
  files: number;
  bytes: number;
}

/** Options of `resolve` and `buildContext`. */
export interface ResolveOptions {
  /** Called as files are read and hashed, for a progress bar. */
  onProgress?: (progress: ResolveProgress) => void;
  /** Cancels resolution at the next host call. */
  signal?: { readonly aborted: boolean };
  /** How long one host callback may take (default 30,000 ms; `Infinity` or anything above
   * 2^31 - 1 ms is the longest timer JavaScript has, about 24.8 days). */
  timeoutMs?: number;
  /** Where the managed CPython comes from when the base image has none. */
  managedPython?: Partial<ManagedPython>;
  /** The bytes this call may hold: files read whole and folder listings (names plus 64 bytes
   * an entry), added up, the build context of `buildContext` included. Default 256 MiB, at
   * most 1 GiB (2^30). Past it: `RESOLVE_TOO_LARGE` (`FOLDER_TOO_LARGE` for the build
   * context), before the bytes are copied. */
  maxBytes?: number;
  /** The build key the files must give: a `buildKey` of an earlier resolution of this image.
   * When they give another (a file changed in between), the call fails with `CONTEXT_CHANGED`:
   * pass it to `buildContext` after `resolve` to build exactly what the key names. */
  buildKey?: string;
}
"#;

/// `options.maxBytes`: a whole number of bytes from 1 to [`MAX_MAX_BYTES`], or the default.
fn max_bytes(options: &JsValue) -> Result<u64> {
    let given = if options.is_object() {
        Reflect::get(options, &JsValue::from_str("maxBytes")).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    };
    if given.is_undefined() {
        return Ok(DEFAULT_MAX_BYTES);
    }
    match given.as_f64() {
        Some(n) if n >= 1.0 && n <= MAX_MAX_BYTES as f64 && n.fract() == 0.0 => Ok(n as u64),
        _ => Err(Error::new(
            ErrorCode::InvalidArgument,
            format!("maxBytes must be a whole number of bytes from 1 to {MAX_MAX_BYTES} (1 GiB)"),
        )
        .at("options.maxBytes")),
    }
}

/// `options.buildKey`: `sha256:` + 64 lowercase hex digits, or none.
fn build_key(options: &JsValue) -> Result<Option<String>> {
    let given = if options.is_object() {
        Reflect::get(options, &JsValue::from_str("buildKey"))
            .map_err(|_| invalid_argument("options.buildKey", "reading it threw"))?
    } else {
        JsValue::UNDEFINED
    };
    if given.is_undefined() {
        return Ok(None);
    }
    match given.as_string() {
        Some(key) if crate::resolve::inspection::is_digest(&key) => Ok(Some(key)),
        _ => Err(Error::new(
            ErrorCode::InvalidArgument,
            "buildKey must be a resolution's buildKey: \"sha256:\" and 64 lowercase hex digits",
        )
        .at("options.buildKey")),
    }
}

/// Reads `options.managedPython` over the defaults, `options.maxBytes` and `options.buildKey`.
fn resolve_options(options: &JsValue) -> Result<ResolveOptions> {
    let mut managed = ManagedPython::default();
    let given = if options.is_object() {
        Reflect::get(options, &JsValue::from_str("managedPython")).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    };
    if given.is_object() {
        for (key, field) in [
            ("version", &mut managed.version),
            ("release", &mut managed.release),
            ("urlTemplate", &mut managed.url_template),
        ] {
            let value = Reflect::get(&given, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED);
            if let Some(text) = value.as_string() {
                *field = text;
            } else if !value.is_undefined() {
                return Err(Error::new(
                    ErrorCode::InvalidArgument,
                    format!("managedPython.{key} must be a string"),
                )
                .at(format!("options.managedPython.{key}")));
            }
        }
        let sha256 = Reflect::get(&given, &JsValue::from_str("sha256"))
            .map_err(|_| invalid_argument("options.managedPython.sha256", "reading it threw"))?;
        if !sha256.is_undefined() {
            managed.sha256 = python_digests(&sha256)?;
        }
    }
    Ok(ResolveOptions {
        managed_python: managed,
        max_bytes: max_bytes(options)?,
        build_key: build_key(options)?,
    })
}

#[wasm_bindgen]
extern "C" {
    // `Object.entries` and `Object.getPrototypeOf` that catch what a Proxy's traps throw.
    #[wasm_bindgen(catch, js_namespace = Object, js_name = entries)]
    fn checked_entries(value: &JsValue) -> std::result::Result<js_sys::Array, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Object, js_name = getPrototypeOf)]
    fn checked_prototype(value: &JsValue) -> std::result::Result<JsValue, JsValue>;
}

/// The longest tarball file name `managedPython.sha256` takes, in UTF-16 units.
const MAX_TARBALL_NAME: u32 = 255;

/// The length of a SHA-256 digest in hexadecimal.
const DIGEST_HEX: u32 = 64;

/// Reads `options.managedPython.sha256`: a plain object (`{}` or `Object.create(null)`) of
/// tarball file name → string, at most [`MAX_PYTHON_DIGESTS`] entries, each name and value
/// checked for length before it is copied. Anything else is `INVALID_ARGUMENT` at
/// `options.managedPython.sha256` (or `.sha256.<name>` for a value); the names and digests
/// themselves are checked by [`ManagedPython::check`] when resolution starts.
fn python_digests(value: &JsValue) -> Result<BTreeMap<String, String>> {
    const AT: &str = "options.managedPython.sha256";
    let shape = "expected a plain object of tarball file name → SHA-256 (64 lowercase hex digits), as the release's SHA256SUMS lists them";
    // A plain object's prototype is `Object.prototype`, whose own is `null`; an array's, a
    // `Map`'s or a class instance's prototype is a step further from `null`.
    let plain = value.is_object()
        && checked_prototype(value).is_ok_and(|proto| {
            proto.is_null() || checked_prototype(&proto).is_ok_and(|up| up.is_null())
        });
    if !plain {
        return Err(invalid_argument(AT, shape));
    }
    let entries =
        checked_entries(value).map_err(|_| invalid_argument(AT, "reading its entries threw"))?;
    if entries.length() as usize > MAX_PYTHON_DIGESTS {
        return Err(invalid_argument(
            AT,
            format!(
                "it has {} entries, more than the {MAX_PYTHON_DIGESTS} taken; give the digests of the tarballs this image uses",
                entries.length()
            ),
        ));
    }
    let mut digests = BTreeMap::new();
    for entry in entries.iter() {
        let entry: js_sys::Array = entry.unchecked_into();
        let (name, digest) = (entry.get(0), entry.get(1));
        let name = match name.dyn_ref::<js_sys::JsString>() {
            Some(name) if name.length() <= MAX_TARBALL_NAME => String::from(name),
            _ => {
                return Err(invalid_argument(
                    AT,
                    format!("a name is longer than {MAX_TARBALL_NAME} characters"),
                ))
            }
        };
        let at = format!("{AT}.{name}");
        match digest.dyn_ref::<js_sys::JsString>() {
            Some(digest) if digest.length() <= DIGEST_HEX => {
                digests.insert(name, String::from(digest));
            }
            Some(_) => {
                return Err(invalid_argument(
                    &at,
                    "expected 64 lowercase hex digits, got a longer string",
                ))
            }
            None => {
                return Err(invalid_argument(
                    &at,
                    "expected a string of 64 lowercase hex digits",
                ))
            }
        }
    }
    Ok(digests)
}

fn to_js_json<T: serde::Serialize>(value: &T) -> std::result::Result<JsValue, JsValue> {
    let json = serde_json::to_string(value)
        .map_err(|e| to_js(Error::new(ErrorCode::InvalidSpec, e.to_string())))?;
    js_sys::JSON::parse(&json)
}

#[wasm_bindgen(js_class = Image)]
impl JsImage {
    /// Reads what the spec names through `host` and returns the full Dockerfile, the image and
    /// spec hashes, the layer hashes, the build-context files, the runtime mounts, the plan and
    /// diagnostics.
    #[wasm_bindgen(unchecked_return_type = "Promise<Resolution>")]
    pub fn resolve(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ImageHost")] host: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "ResolveOptions")] options: JsValue,
    ) -> Promise {
        let image = self.core().clone();
        future_to_promise(async move {
            let host = JsHost::new(host, &options).map_err(to_js)?;
            let options = resolve_options(&options).map_err(to_js)?;
            let resolution = resolve::resolve(&image, &host, &options)
                .await
                .map_err(to_js)?;
            to_js_json(&resolution)
        })
    }

    /// The build context as a deterministic tar (`docker build - < context.tar`), with the
    /// rendered Dockerfile at its root.
    #[wasm_bindgen(js_name = buildContext, unchecked_return_type = "Promise<Uint8Array>")]
    pub fn build_context(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ImageHost")] host: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "ResolveOptions")] options: JsValue,
    ) -> Promise {
        let image = self.core().clone();
        future_to_promise(async move {
            let host = JsHost::new(host, &options).map_err(to_js)?;
            let options = resolve_options(&options).map_err(to_js)?;
            let (_, tar) = resolve::build_context(&image, &host, &options)
                .await
                .map_err(to_js)?;
            Ok(Uint8Array::from(tar.as_slice()).into())
        })
    }
}
