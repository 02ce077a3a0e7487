//! Reading what a JavaScript host returns: values read only through operations that catch (a
//! Proxy's trap or a throwing getter becomes an error, never an unwind through wasm frames),
//! strings bounded before they are copied, and each callback's answer decoded strictly (an
//! unknown key is an error naming it) and checked against its limits before it is copied in.

use js_sys::{JsString, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

use crate::error::{Error, ErrorCode, Quoted, Result};
use crate::limits::{self, MAX_NAME_BYTES, MAX_WALK_ENTRIES};
use crate::resolve::host::default_mode;
use crate::resolve::{
    DirEntry, EntryKind, ImageInspection, LayersUnread, ListingLimit, PythonModule,
};

// What the host returns is never touched with an operation that can run its code uncaught: a
// Proxy's traps, a getter or an overridden method that throws would otherwise unwind through
// the wasm frames (skipping destructors, leaving the async task half-run). So values are read
// with `Reflect.get` and these imports, which catch; bytes are copied through a fresh
// `Uint8Array` made over the answer's buffer.
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    pub(super) fn checked_is_array(value: &JsValue) -> std::result::Result<bool, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ArrayBuffer, js_name = isView)]
    pub(super) fn checked_is_view(value: &JsValue) -> std::result::Result<bool, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Promise, js_name = resolve)]
    pub(super) fn checked_promise_resolve(value: &JsValue)
        -> std::result::Result<Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Object, js_name = keys)]
    pub(super) fn checked_keys(value: &JsValue) -> std::result::Result<js_sys::Array, JsValue>;
}

/// `new Uint8Array(buffer, offset, length)`, caught (a detached buffer or bad bounds throw).
pub(super) fn checked_uint8_view(
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
pub(super) const MAX_ANSWER_CHARS: u32 = 65_536;

/// How much of a thrown error's message is kept.
pub(super) const MESSAGE_CHARS: u32 = 500;

/// A JS string, refused (`Err(length)`) when longer than `max` UTF-16 units, so a huge one is
/// never copied into wasm memory; `None` for a non-string. Lone surrogates become U+FFFD.
pub(super) fn bounded_string(
    value: &JsValue,
    max: u32,
) -> Option<std::result::Result<String, u32>> {
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
pub(super) fn is_valid_unicode(value: &JsValue, converted: &str) -> bool {
    !converted.contains('\u{FFFD}')
        || value
            .dyn_ref::<JsString>()
            .is_some_and(JsString::is_valid_utf16)
}

pub(super) fn describe(value: &JsValue) -> String {
    match value.js_typeof().as_string().as_deref() {
        Some("object") if value.is_null() => "null".into(),
        Some("object") if checked_is_array(value).unwrap_or(false) => "an array".into(),
        Some(kind) => format!("a value of type {kind}"),
        None => "an unknown value".into(),
    }
}

/// `value[key]`, or `undefined` when `value` is not an object.
pub(super) fn field(value: &JsValue, key: &str) -> JsValue {
    if value.is_object() {
        Reflect::get(value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

/// The first own enumerable key of `value` (`Object.keys`, caught) that is not in `allowed`, as
/// it can be shown in a message (a key longer than 256 characters is not copied). Host answers
/// are decoded as strictly as builder arguments: a misspelt key is an error, not ignored.
pub(super) fn unknown_key(
    value: &JsValue,
    allowed: &[&str],
) -> std::result::Result<Option<String>, JsValue> {
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
pub(super) const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// `Some(None)` for undefined/null, `Some(Some(n))` for a whole number in `0..=max`, `None`
/// for anything else.
pub(super) fn whole_number(value: &JsValue, max: f64) -> Option<Option<u64>> {
    if value.is_undefined() || value.is_null() {
        return Some(None);
    }
    let n = value.as_f64()?;
    (n >= 0.0 && n <= max && n.fract() == 0.0).then_some(Some(n as u64))
}

/// A thrown value's message (its `message`, or the value itself when it is a string), cut to
/// [`MESSAGE_CHARS`]; never runs code that could throw again uncaught.
pub(super) fn message_of(error: &JsValue) -> String {
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

/// The error for a callback that threw or rejected with `thrown` (`verb`: "threw",
/// "rejected"). A file callback failing with a Node-style `code` of `ENOENT` or `ENOTDIR` means
/// the path does not exist: that is `FILE_NOT_FOUND` naming the file (the module, for
/// `resolvePythonModule`), whichever host answered; anything else is `HOST_CALLBACK_FAILED`.
pub(super) fn thrown(name: &str, arg: &str, verb: &str, thrown: &JsValue) -> Error {
    let what = format!("{verb}: {}", message_of(thrown));
    let code = if thrown.is_object() {
        Reflect::get(thrown, &JsValue::from_str("code")).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    };
    let missing = matches!(code.as_string().as_deref(), Some("ENOENT" | "ENOTDIR"));
    match name {
        "resolvePythonModule" if missing => Error::new(
            ErrorCode::FileNotFound,
            format!(
                "the Python module {} was not found (host.{name} {what})",
                Quoted(arg)
            ),
        ),
        "readFile" | "readDir" | "realPath" | "hashFile" if missing => Error::new(
            ErrorCode::FileNotFound,
            format!("{} does not exist (host.{name} {what})", Quoted(arg)),
        )
        .in_file(arg),
        _ => failed(name, arg, what),
    }
}

pub(super) fn failed(name: &str, arg: &str, what: String) -> Error {
    Error::new(
        ErrorCode::HostCallbackFailed,
        format!("host.{name}({}) {what}", Quoted(arg)),
    )
}

/// The entries of a `readDir` answer, checked field by field. `limit` is checked on the
/// array's length before any entry is read, and on each name's length before it is copied.
pub(super) fn dir_entries(
    path: &str,
    value: JsValue,
    limit: &ListingLimit,
) -> Result<Vec<DirEntry>> {
    let wrong = |what: String| failed("readDir", path, what);
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
            known_keys(
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
fn known_keys(name: &str, arg: &str, what: &str, value: &JsValue, allowed: &[&str]) -> Result<()> {
    let unknown = unknown_key(value, allowed).map_err(|e| {
        failed(
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
        Some(key) => Err(failed(
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
pub(super) fn python_module(name: &str, value: &JsValue) -> Result<PythonModule> {
    if value.is_object() {
        known_keys(
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
        _ => Err(failed(
            "resolvePythonModule",
            name,
            format!(
                "returned {}, expected {{ path: string, isPackage: boolean }}",
                describe(value)
            ),
        )),
    }
}

/// The most items an image config list (`env`, `entrypoint`, `cmd`) may hold in an answer.
const MAX_CONFIG_ITEMS: u32 = 1_024;

/// `object[key]`, read through `Reflect.get` (a throwing getter is an error naming `key`).
fn property(reference: &str, object: &JsValue, key: &str) -> Result<JsValue> {
    Reflect::get(object, &JsValue::from_str(key)).map_err(|e| {
        failed(
            "inspectImage",
            reference,
            format!("returned an object whose {key} threw: {}", message_of(&e)),
        )
    })
}

/// An optional string of an answer (`null` and `undefined` are absent).
fn optional_text(reference: &str, object: &JsValue, key: &str) -> Result<Option<String>> {
    let v = property(reference, object, key)?;
    if v.is_null() || v.is_undefined() {
        return Ok(None);
    }
    bounded_string(&v, MAX_ANSWER_CHARS)
        .and_then(std::result::Result::ok)
        .map(Some)
        .ok_or_else(|| {
            failed(
                "inspectImage",
                reference,
                format!(
                    "returned {key} as {}, expected a string (of at most {MAX_ANSWER_CHARS} characters)",
                    describe(&v)
                ),
            )
        })
}

/// An optional list of strings of an answer: at most [`MAX_CONFIG_ITEMS`] items, each a string
/// of at most [`MAX_ANSWER_CHARS`] characters, checked before each is copied.
fn optional_list(reference: &str, object: &JsValue, key: &str) -> Result<Option<Vec<String>>> {
    let v = property(reference, object, key)?;
    if v.is_null() || v.is_undefined() {
        return Ok(None);
    }
    let bad = |what: String| {
        failed("inspectImage", reference, format!("returned {key} as {what}, expected a list of at most {MAX_CONFIG_ITEMS} strings of at most {MAX_ANSWER_CHARS} characters"))
    };
    if !checked_is_array(&v).unwrap_or(false) {
        return Err(bad(describe(&v)));
    }
    let length = property(reference, &v, "length")?
        .as_f64()
        .unwrap_or(f64::NAN);
    if !(0.0..=f64::from(MAX_CONFIG_ITEMS)).contains(&length) {
        return Err(bad(format!("an array of {length} items")));
    }
    let mut items = Vec::with_capacity(length as usize);
    for index in 0..length as u32 {
        let item = Reflect::get_u32(&v, index).map_err(|e| {
            failed(
                "inspectImage",
                reference,
                format!(
                    "returned {key} whose item [{index}] threw: {}",
                    message_of(&e)
                ),
            )
        })?;
        match bounded_string(&item, MAX_ANSWER_CHARS) {
            Some(Ok(text)) => items.push(text),
            _ => {
                return Err(bad(format!(
                    "an array whose item [{index}] is {}",
                    describe(&item)
                )))
            }
        }
    }
    Ok(Some(items))
}

/// The `layersUnread` of an answer: `{ reason, digest, mediaType }`, strings, no other key.
fn layers_unread(reference: &str, object: &JsValue) -> Result<Option<LayersUnread>> {
    let v = property(reference, object, "layersUnread")?;
    if v.is_null() || v.is_undefined() {
        return Ok(None);
    }
    let shape = "{ reason: string, digest: string, mediaType: string }";
    if !v.is_object() {
        return Err(failed(
            "inspectImage",
            reference,
            format!(
                "returned layersUnread as {}, expected {shape}",
                describe(&v)
            ),
        ));
    }
    known_keys(
        "inspectImage",
        reference,
        "a layersUnread",
        &v,
        &["reason", "digest", "mediaType"],
    )?;
    let required = |key: &str| {
        optional_text(reference, &v, key)?.ok_or_else(|| {
            failed(
                "inspectImage",
                reference,
                format!("returned a layersUnread without {key}, expected {shape}"),
            )
        })
    };
    Ok(Some(LayersUnread {
        reason: required("reason")?,
        digest: required("digest")?,
        media_type: required("mediaType")?,
    }))
}

/// An `inspectImage` answer: strings, lists of strings and `layersUnread`, every one optional.
pub(super) fn inspection(reference: &str, value: &JsValue) -> Result<ImageInspection> {
    let text = |key: &str| optional_text(reference, value, key);
    let list = |key: &str| optional_list(reference, value, key);
    if !value.is_object() {
        return Err(failed(
            "inspectImage",
            reference,
            format!(
                "returned {}, expected an ImageInspection object",
                describe(value)
            ),
        ));
    }
    known_keys(
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
            "env",
            "workdir",
            "user",
            "entrypoint",
            "cmd",
            "layersUnread",
        ],
    )?;
    Ok(ImageInspection {
        digest: text("digest")?,
        os: text("os")?,
        arch: text("arch")?,
        libc: text("libc")?,
        python_path: text("pythonPath")?,
        python_version: text("pythonVersion")?,
        env: list("env")?,
        workdir: text("workdir")?,
        user: text("user")?,
        entrypoint: list("entrypoint")?,
        cmd: list("cmd")?,
        layers_unread: layers_unread(reference, value)?,
    })
}

/// The bytes a callback returned (a `Uint8Array`, or any other view of an `ArrayBuffer`),
/// as a fresh `Uint8Array` over the same memory, so no getter or trap of the answer runs
/// again. More than `max` bytes is `FILE_TOO_LARGE`, checked before anything is copied.
pub(super) fn bytes_of(name: &str, arg: &str, value: JsValue, max: u64) -> Result<Uint8Array> {
    let not_bytes = |value: &JsValue| {
        failed(
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
pub(super) fn copy_in(arg: &str, bytes: &Uint8Array) -> Result<Vec<u8>> {
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
