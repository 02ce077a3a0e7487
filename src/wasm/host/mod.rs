//! The JavaScript host: an object of callbacks (`readFile`, `readDir`, optional `hashFile`,
//! `realPath`, `resolvePythonModule`, `inspectImage`, `lookupDerived`) seen as the core's
//! `Host`. Every call is guarded: a callback that throws, rejects, returns the wrong type or does not answer within
//! the timeout gives an error naming the callback and the path; an aborted `AbortSignal` stops
//! resolution at the next call. Files without `hashFile` are hashed in 1 MiB chunks copied out
//! of the returned `Uint8Array`, so wasm memory stays bounded whatever the file size.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Function, Promise, Reflect};
use sha2::{Digest, Sha256};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::error::{Error, ErrorCode, Quoted, Result};
use crate::limits::MAX_CONTEXT_BYTES;

mod answers;

use answers::{
    bounded_string, checked_promise_resolve, describe, is_valid_unicode, MAX_ANSWER_CHARS,
};

use crate::resolve::{DirEntry, Host, ImageInspection, ListingLimit, PythonModule};

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

/// A function of the global object (`setTimeout`), if there is one.
fn global_function(name: &str) -> Option<Function> {
    Reflect::get(&js_sys::global(), &JsValue::from_str(name))
        .ok()?
        .dyn_into()
        .ok()
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

    /// Calls `name(arg)`, awaiting a promise with the timeout. `None` when the host has no such
    /// callback.
    async fn call(&self, name: &str, arg: &str) -> Result<Option<JsValue>> {
        self.check_aborted()?;
        let Some(function) = self.callback(name) else {
            return Ok(None);
        };
        let result = function
            .call1(&self.host, &JsValue::from_str(arg))
            .map_err(|e| answers::thrown(name, arg, "threw", &e))?;
        // A promise or any thenable (`then` read with Reflect.get: a throwing getter or trap
        // makes it a plain value, which then fails the type checks).
        let thenable = result.is_object()
            && Reflect::get(&result, &JsValue::from_str("then"))
                .ok()
                .is_some_and(|t| t.is_function());
        let value = if thenable {
            let promise = checked_promise_resolve(&result)
                .map_err(|e| answers::thrown(name, arg, "threw", &e))?;
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
            Err(e) => Err(answers::thrown(name, arg, "rejected", &e)),
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
        let array = answers::bytes_of("readFile", path, answer, max)?;
        let bytes = answers::copy_in(path, &array)?;
        self.progress(bytes.len() as u64);
        Ok(bytes)
    }

    async fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>> {
        self.read_dir_at_most(path, &ListingLimit::NONE).await
    }

    async fn read_dir_at_most(&self, path: &str, limit: &ListingLimit) -> Result<Vec<DirEntry>> {
        answers::dir_entries(path, self.required("readDir", path).await?, limit)
    }

    async fn real_path(&self, path: &str) -> Result<Option<String>> {
        let Some(value) = self.call("realPath", path).await? else {
            return Ok(None);
        };
        match bounded_string(&value, MAX_ANSWER_CHARS) {
            Some(Ok(real)) if !real.is_empty() && is_valid_unicode(&value, &real) => {
                Ok(Some(real))
            }
            _ => Err(answers::failed(
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
                return Err(answers::failed(
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
        let array = answers::bytes_of("readFile", path, answer, u64::MAX)?;
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
            Some(value) => answers::python_module(name, &value).map(Some),
        }
    }

    async fn inspect_image(&self, reference: &str) -> Result<Option<ImageInspection>> {
        match self.call("inspectImage", reference).await? {
            Some(value) if !value.is_null() && !value.is_undefined() => {
                answers::inspection(reference, &value).map(Some)
            }
            _ => Ok(None),
        }
    }

    async fn lookup_derived(&self, image_hash: &str) -> Result<Option<String>> {
        match self.call("lookupDerived", image_hash).await? {
            Some(value) if value.is_string() => match bounded_string(&value, MAX_ANSWER_CHARS) {
                Some(Ok(image)) => Ok(Some(image)),
                _ => Err(answers::failed(
                    "lookupDerived",
                    image_hash,
                    format!("returned a string longer than {MAX_ANSWER_CHARS} characters, expected an image reference"),
                )),
            },
            Some(value) if value.is_null() || value.is_undefined() => Ok(None),
            Some(value) => Err(answers::failed(
                "lookupDerived",
                image_hash,
                format!("returned {}, expected a string or null", describe(&value)),
            )),
            None => Ok(None),
        }
    }
}
