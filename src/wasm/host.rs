//! The JavaScript host: an object of callbacks (`readFile`, `readDir`, optional `hashFile`,
//! `realPath`, `resolvePythonModule`, `inspectImage`, `lookupDerived`) seen as the core's
//! `Host`. Every call is guarded: a callback that throws, rejects, returns the wrong type or does not answer within
//! the timeout gives an error naming the callback and the path; an aborted `AbortSignal` stops
//! resolution at the next call. Files without `hashFile` are hashed in 1 MiB chunks copied out
//! of the returned `Uint8Array`, so wasm memory stays bounded whatever the file size.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Function, JsString, Promise, Reflect, Uint8Array};
use sha2::{Digest, Sha256};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::error::{Error, ErrorCode, Quoted, Result};
use crate::limits::{self, MAX_CONTEXT_BYTES, MAX_NAME_BYTES, MAX_WALK_ENTRIES};
use crate::resolve::host::default_mode;

// What the host returns is never touched with an operation that can run its code uncaught: a
// Proxy's traps, a getter or an overridden method that throws would otherwise unwind through
// the wasm frames (skipping destructors, leaving the async task half-run). So values are read
// with `Reflect.get` and these imports, which catch; bytes are copied through a fresh
// `Uint8Array` made over the answer's buffer.
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    fn checked_is_array(value: &JsValue) -> std::result::Result<bool, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ArrayBuffer, js_name = isView)]
    fn checked_is_view(value: &JsValue) -> std::result::Result<bool, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Promise, js_name = resolve)]
    fn checked_promise_resolve(value: &JsValue) -> std::result::Result<Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Object, js_name = keys)]
    fn checked_keys(value: &JsValue) -> std::result::Result<js_sys::Array, JsValue>;
}

/// `new Uint8Array(buffer, offset, length)`, caught (a detached buffer or bad bounds throw).
fn checked_uint8_view(
    buffer: &JsValue,
    offset: f64,
    length: f64,
) -> std::result::Result<Uint8Array, JsValue> {
    let constructor = js_sys::Object::from(Uint8Array::new_with_length(0)).constructor();
    let args = js_sys::Array::of3(
        buffer,
        &JsValue::from_f64(offset),
        &JsValue::from_f64(length),
    );
    Reflect::construct(&constructor, &args).map(JsCast::unchecked_into)
}

/// The longest text a host answer may hold where a short one is expected (a path, a digest,
/// an image reference, an error message is cut to [`MESSAGE_CHARS`]).
const MAX_ANSWER_CHARS: u32 = 65_536;

/// How much of a thrown error's message is kept.
const MESSAGE_CHARS: u32 = 500;

/// A JS string, refused (`Err(length)`) when longer than `max` UTF-16 units, so a huge one is
/// never copied into wasm memory; `None` for a non-string. Lone surrogates become U+FFFD.
fn bounded_string(value: &JsValue, max: u32) -> Option<std::result::Result<String, u32>> {
    let text = value.dyn_ref::<JsString>()?;
    let length = text.length();
    Some(if length > max {
        Err(length)
    } else {
        Ok(String::from(text))
    })
}

/// Whether a string as JS holds it is valid UTF-16 (no lone surrogate), checked only when its
/// conversion shows a replacement character.
fn is_valid_unicode(value: &JsValue, converted: &str) -> bool {
    !converted.contains('\u{FFFD}')
        || value
            .dyn_ref::<JsString>()
            .is_some_and(JsString::is_valid_utf16)
}
use crate::resolve::{DirEntry, EntryKind, Host, ImageInspection, ListingLimit, PythonModule};

/// Bytes hashed per chunk when the host has no `hashFile`.
const CHUNK: u32 = 1 << 20;

/// While hashing a big file in wasm: bytes between progress reports and event-loop turns.
const YIELD_EVERY: u32 = 16 * CHUNK;

/// How long one callback may take by default.
pub(crate) const DEFAULT_TIMEOUT_MS: f64 = 30_000.0;

/// The longest delay `setTimeout` honours.
const MAX_TIMER_MS: f64 = 2_147_483_647.0;

/// A JS host object with the options of one `resolve` call.
pub(crate) struct JsHost {
    host: JsValue,
    timeout_ms: f64,
    on_progress: Option<Function>,
    signal: Option<JsValue>,
    files: Cell<u64>,
    bytes: Cell<u64>,
    /// The global `setTimeout` and `clearTimeout`, looked up once.
    timers: Option<(Function, Function)>,
}

fn describe(value: &JsValue) -> String {
    match value.js_typeof().as_string().as_deref() {
        Some("object") if value.is_null() => "null".into(),
        Some("object") if checked_is_array(value).unwrap_or(false) => "an array".into(),
        Some(kind) => format!("a value of type {kind}"),
        None => "an unknown value".into(),
    }
}

/// A function of the global object (`setTimeout`), if there is one.
fn global_function(name: &str) -> Option<Function> {
    Reflect::get(&js_sys::global(), &JsValue::from_str(name))
        .ok()?
        .dyn_into()
        .ok()
}

/// `value[key]`, or `undefined` when `value` is not an object.
fn field(value: &JsValue, key: &str) -> JsValue {
    if value.is_object() {
        Reflect::get(value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

/// The first own enumerable key of `value` (`Object.keys`, caught) that is not in `allowed`, as
/// it can be shown in a message (a key longer than 256 characters is not copied). Host answers
/// are decoded as strictly as builder arguments: a misspelt key is an error, not ignored.
fn unknown_key(value: &JsValue, allowed: &[&str]) -> std::result::Result<Option<String>, JsValue> {
    let keys = checked_keys(value)?;
    // Keys are distinct, so at most `allowed.len() + 1` of them are looked at.
    for index in 0..keys.length() {
        let key = keys.get(index);
        match bounded_string(&key, 256) {
            Some(Ok(key)) if allowed.contains(&key.as_str()) => {}
            Some(Ok(key)) => return Ok(Some(Quoted(&key).to_string())),
            Some(Err(length)) => return Ok(Some(format!("of {length} characters"))),
            None => return Ok(Some(describe(&key))),
        }
    }
    Ok(None)
}

/// The largest integer a JS number holds exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// `Some(None)` for undefined/null, `Some(Some(n))` for a whole number in `0..=max`, `None`
/// for anything else.
fn whole_number(value: &JsValue, max: f64) -> Option<Option<u64>> {
    if value.is_undefined() || value.is_null() {
        return Some(None);
    }
    let n = value.as_f64()?;
    (n >= 0.0 && n <= max && n.fract() == 0.0).then_some(Some(n as u64))
}

/// A thrown value's message (its `message`, or the value itself when it is a string), cut to
/// [`MESSAGE_CHARS`]; never runs code that could throw again uncaught.
fn message_of(error: &JsValue) -> String {
    let message = if error.is_object() {
        Reflect::get(error, &JsValue::from_str("message")).unwrap_or(JsValue::UNDEFINED)
    } else {
        error.clone()
    };
    match message.dyn_ref::<JsString>() {
        Some(text) if text.length() > MESSAGE_CHARS => {
            format!("{}…", String::from(text.slice(0, MESSAGE_CHARS)))
        }
        Some(text) => String::from(text),
        None => describe(error),
    }
}

impl JsHost {
    /// Wraps `host`; `options` may hold `onProgress`, `signal` and `timeoutMs`.
    pub(crate) fn new(host: JsValue, options: &JsValue) -> Result<JsHost> {
        if !host.is_object() {
            return Err(Error::new(ErrorCode::InvalidArgument, "the host must be an object of callbacks (readFile, readDir, …), such as nodeHost({ root }) or memoryHost(files)").at("host"));
        }
        let get = |key: &str| {
            if options.is_object() {
                Reflect::get(options, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
            } else {
                JsValue::UNDEFINED
            }
        };
        let timeout = get("timeoutMs");
        let timeout_ms = match timeout.as_f64() {
            // Timers hold at most 2^31 - 1 ms (about 24.8 days; longer ones fire at once), so
            // a longer timeout, `Infinity` included, is that long.
            Some(ms) if ms > 0.0 => ms.min(MAX_TIMER_MS),
            None if timeout.is_undefined() => DEFAULT_TIMEOUT_MS,
            _ => {
                return Err(Error::new(
                    ErrorCode::InvalidArgument,
                    "timeoutMs must be a positive number of milliseconds",
                )
                .at("options.timeoutMs"))
            }
        };
        let on_progress = get("onProgress").dyn_into::<Function>().ok();
        let signal = Some(get("signal")).filter(|s| s.is_object());
        Ok(JsHost {
            host,
            timeout_ms,
            on_progress,
            signal,
            files: Cell::new(0),
            bytes: Cell::new(0),
            timers: global_function("setTimeout").zip(global_function("clearTimeout")),
        })
    }

    fn check_aborted(&self) -> Result<()> {
        let aborted = self.signal.as_ref().is_some_and(|s| {
            Reflect::get(s, &JsValue::from_str("aborted"))
                .ok()
                .is_some_and(|a| a.is_truthy())
        });
        if aborted {
            Err(Error::new(
                ErrorCode::Aborted,
                "resolution was cancelled through its AbortSignal",
            ))
        } else {
            Ok(())
        }
    }

    fn callback(&self, name: &str) -> Option<Function> {
        Reflect::get(&self.host, &JsValue::from_str(name))
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok())
    }

    fn failed(name: &str, arg: &str, what: String) -> Error {
        Error::new(
            ErrorCode::HostCallbackFailed,
            format!("host.{name}({}) {what}", Quoted(arg)),
        )
    }

    /// Calls `name(arg)`, awaiting a promise with the timeout. `None` when the host has no such
    /// callback.
    async fn call(&self, name: &str, arg: &str) -> Result<Option<JsValue>> {
        self.check_aborted()?;
        let Some(function) = self.callback(name) else {
            return Ok(None);
        };
        let result = function
            .call1(&self.host, &JsValue::from_str(arg))
            .map_err(|e| Self::failed(name, arg, format!("threw: {}", message_of(&e))))?;
        // A promise or any thenable (`then` read with Reflect.get: a throwing getter or trap
        // makes it a plain value, which then fails the type checks).
        let thenable = result.is_object()
            && Reflect::get(&result, &JsValue::from_str("then"))
                .ok()
                .is_some_and(|t| t.is_function());
        let value = if thenable {
            let promise = checked_promise_resolve(&result)
                .map_err(|e| Self::failed(name, arg, format!("threw: {}", message_of(&e))))?;
            self.await_with_timeout(name, arg, promise).await?
        } else {
            result
        };
        self.check_aborted()?;
        Ok(Some(value))
    }

    async fn await_with_timeout(&self, name: &str, arg: &str, promise: Promise) -> Result<JsValue> {
        let timed_out = js_sys::Object::new();
        let timer = Rc::new(Cell::new(JsValue::UNDEFINED));
        let set_timeout = self.timers.as_ref().map(|(set, _)| set.clone());
        let timeout = {
            let timed_out = timed_out.clone();
            let timer = timer.clone();
            let ms = self.timeout_ms;
            Promise::new(&mut move |resolve, _reject| {
                if let Some(set_timeout) = &set_timeout {
                    let id = set_timeout
                        .call3(
                            &JsValue::UNDEFINED,
                            &resolve,
                            &JsValue::from_f64(ms),
                            &timed_out,
                        )
                        .unwrap_or(JsValue::UNDEFINED);
                    timer.set(id);
                }
            })
        };
        let race = Promise::race(&js_sys::Array::of2(&promise, &timeout));
        let outcome = JsFuture::from(race).await;
        if let Some((_, clear)) = &self.timers {
            let _ = clear.call1(&JsValue::UNDEFINED, &timer.take());
        }
        match outcome {
            Ok(value) if value == JsValue::from(timed_out) => Err(Error::new(
                ErrorCode::HostTimeout,
                format!("host.{name}({}) did not answer within {} ms; raise timeoutMs or fix the callback", Quoted(arg), self.timeout_ms as u64),
            )),
            Ok(value) => Ok(value),
            Err(e) => Err(Self::failed(name, arg, format!("rejected: {}", message_of(&e)))),
        }
    }

    async fn required(&self, name: &str, arg: &str) -> Result<JsValue> {
        self.call(name, arg).await?.ok_or_else(|| {
            Error::new(
                ErrorCode::MissingHostCallback,
                format!(
                    "the host has no {name} callback, which resolution needs to read {}",
                    Quoted(arg)
                ),
            )
        })
    }

    /// The entries of a `readDir` answer, checked field by field. `limit` is checked on the
    /// array's length before any entry is read, and on each name's length before it is copied.
    fn dir_entries(path: &str, value: JsValue, limit: &ListingLimit) -> Result<Vec<DirEntry>> {
        let wrong = |what: String| Self::failed("readDir", path, what);
        if !checked_is_array(&value).unwrap_or(false) {
            return Err(wrong(format!(
                "returned {}, expected an array of {{ name, kind, size, mode }}",
                describe(&value)
            )));
        }
        let length = Reflect::get(&value, &JsValue::from_str("length"))
            .ok()
            .and_then(|l| l.as_f64())
            .ok_or_else(|| wrong("returned an array whose length cannot be read".into()))?;
        if length > MAX_WALK_ENTRIES as f64 {
            return Err(Error::new(
                ErrorCode::FolderTooLarge,
                format!(
                    "host.readDir({}) returned {length} entries, more than the {MAX_WALK_ENTRIES} a walk accepts",
                    Quoted(path)
                ),
            ));
        }
        let length = length as u32;
        limit.check(path, u64::from(length), 0)?;
        let mut entries = Vec::with_capacity(length as usize);
        let mut name_bytes = 0u64;
        for index in 0..length {
            let item = Reflect::get(&value, &JsValue::from_f64(f64::from(index)))
                .map_err(|e| wrong(format!("threw reading entry [{index}]: {}", message_of(&e))))?;
            if item.is_object() {
                let what = format!("the entry [{index}]");
                Self::known_keys(
                    "readDir",
                    path,
                    &what,
                    &item,
                    &["name", "kind", "size", "mode"],
                )?;
            }
            let name_value = field(&item, "name");
            // A name takes at least one byte a UTF-16 unit: counted before it is copied.
            if let Some(text) = name_value.dyn_ref::<JsString>() {
                limit.check(
                    path,
                    u64::from(length),
                    name_bytes + u64::from(text.length()),
                )?;
            }
            let name = match bounded_string(&name_value, MAX_NAME_BYTES as u32) {
                Some(Ok(name)) if is_valid_unicode(&name_value, &name) => name,
                Some(Ok(_)) => {
                    return Err(Error::new(
                        ErrorCode::InvalidPath,
                        format!("host.readDir({}) returned the entry [{index}] whose name is not valid Unicode (a lone UTF-16 surrogate); rename the file", Quoted(path)),
                    ))
                }
                Some(Err(units)) => {
                    return Err(Error::new(
                        ErrorCode::InvalidPath,
                        format!("host.readDir({}) returned the entry [{index}] whose name is {units} characters long, more than the {MAX_NAME_BYTES} bytes a file name may have", Quoted(path)),
                    ))
                }
                None => {
                    return Err(wrong(format!(
                        "returned an entry [{index}] whose name is not a string"
                    )))
                }
            };
            let kind = match field(&item, "kind").as_string().as_deref() {
                Some("file") => EntryKind::File,
                Some("dir") => EntryKind::Dir,
                Some("symlink") => EntryKind::Symlink,
                _ => {
                    return Err(wrong(format!(
                        "returned the entry {} whose kind is not \"file\", \"dir\" or \"symlink\"",
                        Quoted(&name)
                    )))
                }
            };
            let size = whole_number(&field(&item, "size"), MAX_SAFE_INTEGER)
                .ok_or_else(|| {
                    wrong(format!(
                        "returned the entry {} whose size is not a whole number of bytes",
                        Quoted(&name)
                    ))
                })?
                .unwrap_or(0);
            let mode = whole_number(&field(&item, "mode"), f64::from(0o7777))
                .ok_or_else(|| {
                    wrong(format!(
                        "returned the entry {} whose mode is not a number from 0 to 0o7777",
                        Quoted(&name)
                    ))
                })?
                .map_or(default_mode(), |m| m as u32);
            name_bytes += name.len() as u64;
            limit.check(path, u64::from(length), name_bytes)?;
            entries.push(DirEntry {
                name,
                kind,
                size,
                mode,
            });
        }
        Ok(entries)
    }

    /// Fails when the object a callback returned (`what`: "an object", "the entry [3]") has a
    /// key that is not one of `allowed`.
    fn known_keys(
        name: &str,
        arg: &str,
        what: &str,
        value: &JsValue,
        allowed: &[&str],
    ) -> Result<()> {
        let unknown = unknown_key(value, allowed).map_err(|e| {
            Self::failed(
                name,
                arg,
                format!(
                    "returned {what} whose keys cannot be listed: {}",
                    message_of(&e)
                ),
            )
        })?;
        match unknown {
            None => Ok(()),
            Some(key) => Err(Self::failed(
                name,
                arg,
                format!(
                    "returned {what} with the unknown key {key}; the keys are {} (check the spelling)",
                    allowed.join(", ")
                ),
            )),
        }
    }

    /// A `resolvePythonModule` answer.
    fn python_module(name: &str, value: &JsValue) -> Result<PythonModule> {
        if value.is_object() {
            Self::known_keys(
                "resolvePythonModule",
                name,
                "an object",
                value,
                &["path", "isPackage"],
            )?;
        }
        match (
            bounded_string(&field(value, "path"), MAX_ANSWER_CHARS),
            field(value, "isPackage").as_bool(),
        ) {
            (Some(Ok(path)), Some(is_package)) => Ok(PythonModule { path, is_package }),
            _ => Err(Self::failed(
                "resolvePythonModule",
                name,
                format!(
                    "returned {}, expected {{ path: string, isPackage: boolean }}",
                    describe(value)
                ),
            )),
        }
    }

    /// An `inspectImage` answer: every field an optional string.
    fn inspection(reference: &str, value: &JsValue) -> Result<ImageInspection> {
        let text = |key: &str| -> Result<Option<String>> {
            let v = Reflect::get(value, &JsValue::from_str(key)).map_err(|e| {
                Self::failed(
                    "inspectImage",
                    reference,
                    format!("returned an object whose {key} threw: {}", message_of(&e)),
                )
            })?;
            if v.is_null() || v.is_undefined() {
                Ok(None)
            } else {
                bounded_string(&v, MAX_ANSWER_CHARS).and_then(std::result::Result::ok).map(Some).ok_or_else(|| {
                    Self::failed(
                        "inspectImage",
                        reference,
                        format!("returned {key} as {}, expected a string (of at most {MAX_ANSWER_CHARS} characters)", describe(&v)),
                    )
                })
            }
        };
        if !value.is_object() {
            return Err(Self::failed(
                "inspectImage",
                reference,
                format!(
                    "returned {}, expected an ImageInspection object",
                    describe(value)
                ),
            ));
        }
        Self::known_keys(
            "inspectImage",
            reference,
            "an object",
            value,
            &[
                "digest",
                "os",
                "arch",
                "libc",
                "pythonPath",
                "pythonVersion",
            ],
        )?;
        Ok(ImageInspection {
            digest: text("digest")?,
            os: text("os")?,
            arch: text("arch")?,
            libc: text("libc")?,
            python_path: text("pythonPath")?,
            python_version: text("pythonVersion")?,
        })
    }

    /// The bytes a callback returned (a `Uint8Array`, or any other view of an `ArrayBuffer`),
    /// as a fresh `Uint8Array` over the same memory, so no getter or trap of the answer runs
    /// again. More than `max` bytes is `FILE_TOO_LARGE`, checked before anything is copied.
    fn bytes_of(name: &str, arg: &str, value: JsValue, max: u64) -> Result<Uint8Array> {
        let not_bytes = |value: &JsValue| {
            Self::failed(
                name,
                arg,
                format!("returned {}, expected a Uint8Array", describe(value)),
            )
        };
        if !checked_is_view(&value).unwrap_or(false) {
            return Err(not_bytes(&value));
        }
        let get = |key: &str| Reflect::get(&value, &JsValue::from_str(key)).ok();
        let (Some(buffer), Some(offset), Some(length)) = (
            get("buffer"),
            get("byteOffset").and_then(|v| v.as_f64()),
            get("byteLength").and_then(|v| v.as_f64()),
        ) else {
            return Err(not_bytes(&value));
        };
        limits::check_file_size(arg, length as u64, max)?;
        if length > f64::from(u32::MAX) {
            return Err(Error::new(
                ErrorCode::FileTooLarge,
                format!("host.{name}({}) returned {length} bytes; files over 4 GiB are hashed only by a hashFile callback", Quoted(arg)),
            ));
        }
        checked_uint8_view(&buffer, offset, length).map_err(|_| not_bytes(&value))
    }

    /// Copies bytes into wasm memory, failing (instead of trapping) when the memory cannot grow.
    fn copy_in(arg: &str, bytes: &Uint8Array) -> Result<Vec<u8>> {
        let length = bytes.length() as usize;
        let mut out = Vec::new();
        out.try_reserve_exact(length).map_err(|_| {
            Error::new(
                ErrorCode::FileTooLarge,
                format!(
                    "{} ({}) does not fit in the memory left to the module",
                    Quoted(arg),
                    limits::show_bytes(length as u64)
                ),
            )
            .in_file(arg)
        })?;
        out.resize(length, 0);
        bytes.copy_to(&mut out);
        Ok(out)
    }

    /// Waits one turn of the event loop (`setTimeout(0)`), so the page can paint and an
    /// `AbortSignal` can flip during a long hash.
    async fn yield_to_event_loop(&self) {
        if let Some((set_timeout, _)) = &self.timers {
            let set_timeout = set_timeout.clone();
            let turn = Promise::new(&mut move |resolve, _reject| {
                let _ = set_timeout.call2(&JsValue::UNDEFINED, &resolve, &JsValue::from_f64(0.0));
            });
            let _ = JsFuture::from(turn).await;
        }
    }

    /// Counts a file done and its bytes, and reports.
    fn progress(&self, bytes: u64) {
        self.files.set(self.files.get() + 1);
        self.bytes_progress(bytes);
    }

    /// Counts bytes read or hashed (a chunk of a big file), and reports.
    fn bytes_progress(&self, bytes: u64) {
        self.bytes.set(self.bytes.get() + bytes);
        if let Some(callback) = &self.on_progress {
            let report = js_sys::Object::new();
            let _ = Reflect::set(
                &report,
                &JsValue::from_str("files"),
                &JsValue::from_f64(self.files.get() as f64),
            );
            let _ = Reflect::set(
                &report,
                &JsValue::from_str("bytes"),
                &JsValue::from_f64(self.bytes.get() as f64),
            );
            let _ = callback.call1(&JsValue::UNDEFINED, &report);
        }
    }
}

impl Host for JsHost {
    async fn read_file(&self, path: &str) -> Result<Vec<u8>> {
        self.read_file_at_most(path, MAX_CONTEXT_BYTES).await
    }

    async fn read_file_at_most(&self, path: &str, max: u64) -> Result<Vec<u8>> {
        let answer = self.required("readFile", path).await?;
        let array = Self::bytes_of("readFile", path, answer, max)?;
        let bytes = Self::copy_in(path, &array)?;
        self.progress(bytes.len() as u64);
        Ok(bytes)
    }

    async fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>> {
        self.read_dir_at_most(path, &ListingLimit::NONE).await
    }

    async fn read_dir_at_most(&self, path: &str, limit: &ListingLimit) -> Result<Vec<DirEntry>> {
        Self::dir_entries(path, self.required("readDir", path).await?, limit)
    }

    async fn real_path(&self, path: &str) -> Result<Option<String>> {
        let Some(value) = self.call("realPath", path).await? else {
            return Ok(None);
        };
        match bounded_string(&value, MAX_ANSWER_CHARS) {
            Some(Ok(real)) if !real.is_empty() && is_valid_unicode(&value, &real) => {
                Ok(Some(real))
            }
            _ => Err(Self::failed(
                "realPath",
                path,
                format!(
                    "returned {}, expected a non-empty path of at most {MAX_ANSWER_CHARS} characters",
                    describe(&value)
                ),
            )),
        }
    }

    async fn digest_file(&self, path: &str, size: u64) -> Result<String> {
        if let Some(value) = self.call("hashFile", path).await? {
            let text = match bounded_string(&value, 100) {
                Some(Ok(text)) => text,
                Some(Err(units)) => format!("a string of {units} characters"),
                None => describe(&value),
            };
            let hex = text.strip_prefix("sha256:").unwrap_or(&text);
            if hex.len() != 64
                || !hex
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            {
                return Err(Self::failed(
                    "hashFile",
                    path,
                    format!(
                        "returned {}, expected \"sha256:\" + 64 lowercase hex digits",
                        Quoted(&text)
                    ),
                ));
            }
            self.progress(size);
            return Ok(format!("sha256:{hex}"));
        }
        let answer = self.required("readFile", path).await?;
        let array = Self::bytes_of("readFile", path, answer, u64::MAX)?;
        let mut hasher = Sha256::new();
        let mut chunk = vec![0u8; CHUNK.min(array.length()) as usize];
        let mut offset = 0;
        let mut reported = 0;
        while offset < array.length() {
            let end = array.length().min(offset + CHUNK);
            let part = &mut chunk[..(end - offset) as usize];
            array.subarray(offset, end).copy_to(part);
            hasher.update(&*part);
            offset = end;
            // A big file: report the bytes so far, and let the page (and an AbortSignal) in.
            if offset - reported >= YIELD_EVERY && offset < array.length() {
                self.bytes_progress(u64::from(offset - reported));
                reported = offset;
                self.yield_to_event_loop().await;
                self.check_aborted()?;
                // The host may have detached or shrunk the buffer meanwhile.
                if array.length() < end {
                    return Err(Error::new(
                        ErrorCode::ContextChanged,
                        format!("the bytes host.readFile({}) returned changed while they were hashed; run again", Quoted(path)),
                    ));
                }
            }
        }
        self.files.set(self.files.get() + 1);
        self.bytes_progress(u64::from(array.length() - reported));
        Ok(crate::hash::hex_digest(&hasher.finalize()))
    }

    async fn resolve_python_module(&self, name: &str) -> Result<Option<PythonModule>> {
        match self.call("resolvePythonModule", name).await? {
            None => Ok(None),
            Some(value) => Self::python_module(name, &value).map(Some),
        }
    }

    async fn inspect_image(&self, reference: &str) -> Result<Option<ImageInspection>> {
        match self.call("inspectImage", reference).await? {
            Some(value) if !value.is_null() && !value.is_undefined() => {
                Self::inspection(reference, &value).map(Some)
            }
            _ => Ok(None),
        }
    }

    async fn lookup_derived(&self, image_hash: &str) -> Result<Option<String>> {
        match self.call("lookupDerived", image_hash).await? {
            Some(value) if value.is_string() => match bounded_string(&value, MAX_ANSWER_CHARS) {
                Some(Ok(image)) => Ok(Some(image)),
                _ => Err(Self::failed(
                    "lookupDerived",
                    image_hash,
                    format!("returned a string longer than {MAX_ANSWER_CHARS} characters, expected an image reference"),
                )),
            },
            Some(value) if value.is_null() || value.is_undefined() => Ok(None),
            Some(value) => Err(Self::failed(
                "lookupDerived",
                image_hash,
                format!("returned {}, expected a string or null", describe(&value)),
            )),
            None => Ok(None),
        }
    }
}
