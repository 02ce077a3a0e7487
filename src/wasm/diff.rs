//! `Image.diff(before, after, resolutions?)`: the diff of two images for review (docs/diff.md),
//! as plain values. The resolutions are read field by field, only what the diff needs of each
//! (`dockerfile`, `imageHash`, `layers[].{step, op, hash, inputs, lines}`), each read caught
//! (a throwing getter or a Proxy's trap is an error, never an unwind) and bounded.

use js_sys::Reflect;
use wasm_bindgen::prelude::*;

use super::errors::{invalid_argument, to_js};
use super::image::{spec_arg, JsImage};
use crate::diff::{self, DiffLines, LayerInput, Resolutions, ResolvedImage, ResolvedLayer};
use crate::error::{Error, ErrorCode, Result};
use crate::image::Image;
use crate::limits::{MAX_SPEC_BYTES, MAX_STEPS, MAX_TEXT_FILE_BYTES};

#[wasm_bindgen(typescript_custom_section)]
const DIFF_TYPES: &'static str = r#"
/** The resolutions of both sides of `Image.diff`, each as `resolve()` returns it (only its
 * `dockerfile`, `imageHash` and `layers` are read). */
export interface DiffResolutions {
  before: Pick<Resolution, "dockerfile" | "imageHash" | "layers">;
  after: Pick<Resolution, "dockerfile" | "imageHash" | "layers">;
}
"#;

#[wasm_bindgen]
extern "C" {
    // `Array.isArray` and `Object.keys` that catch what a Proxy's traps throw.
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    fn checked_is_array(value: &JsValue) -> std::result::Result<bool, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Object, js_name = keys)]
    fn checked_keys(value: &JsValue) -> std::result::Result<js_sys::Array, JsValue>;
}

#[wasm_bindgen(js_class = Image)]
impl JsImage {
    /// The diff of two images, each an `Image`, a spec or its JSON text: which layers of `after`
    /// a build after `before` reuses and which rebuild, the steps added, removed and changed, and
    /// the unified diff of the two Dockerfiles. No I/O: layers that read files are `unknown`
    /// until resolved; with `resolutions` (both sides' `resolve()` results) layers are compared
    /// by hash and the resolved Dockerfiles are diffed (docs/diff.md). Past its work limit:
    /// `DIFF_TOO_LARGE`.
    #[wasm_bindgen(unchecked_return_type = "ImageDiff")]
    pub fn diff(
        #[wasm_bindgen(unchecked_param_type = "Image | ImageSpec | string")] before: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Image | ImageSpec | string")] after: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "DiffResolutions")] resolutions: JsValue,
    ) -> std::result::Result<JsValue, JsValue> {
        let result = image_arg(&before, "before")
            .and_then(|before| Ok((before, image_arg(&after, "after")?)))
            .and_then(|(before, after)| match resolutions_arg(&resolutions)? {
                None => diff::diff(&before, &after),
                Some(resolutions) => diff::diff_resolved(&before, &after, &resolutions),
            })
            .and_then(|d| {
                serde_json::to_string(&d)
                    .map_err(|e| Error::new(ErrorCode::InvalidSpec, e.to_string()))
            });
        js_sys::JSON::parse(&result.map_err(to_js)?)
    }
}

/// An image argument: an `Image`, a spec or the JSON text of one, validated as `fromSpec` does.
fn image_arg(value: &JsValue, name: &str) -> Result<Image> {
    let spec = spec_arg(value, name)?;
    Image::from_spec(&spec).map_err(|e| e.within(name))
}

/// The longest `dockerfile` read: a base Dockerfile (a text file) and what the steps render.
const MAX_DOCKERFILE_CHARS: usize = MAX_TEXT_FILE_BYTES as usize + 4 * MAX_SPEC_BYTES;
/// The longest hash, op or input path read.
const MAX_SHORT_CHARS: usize = 65_536;

/// `{ before, after }`, both or neither (`undefined` or `null`: no resolutions).
fn resolutions_arg(value: &JsValue) -> Result<Option<Resolutions>> {
    const AT: &str = "resolutions";
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    object(value, AT)?;
    let side = |name: &str| {
        let at = format!("{AT}.{name}");
        let given = get(value, name, AT)?;
        if given.is_undefined() || given.is_null() {
            return Err(invalid_argument(
                &at,
                "missing: give both resolutions (`before` and `after`, each as resolve() returns it) or none",
            ));
        }
        resolution(&given, &at)
    };
    let (before, after) = (side("before")?, side("after")?);
    let keys = checked_keys(value).map_err(|_| invalid_argument(AT, "reading its keys threw"))?;
    if let Some(key) = keys
        .iter()
        .find(|k| !matches!(k.as_string().as_deref(), Some("before" | "after")))
    {
        let key = key.as_string().unwrap_or_default();
        return Err(invalid_argument(
            &format!("{AT}.{key}"),
            "unknown key: resolutions hold `before` and `after` only",
        ));
    }
    Ok(Some(Resolutions { before, after }))
}

/// One resolution: its `dockerfile`, `imageHash` and `layers`.
fn resolution(value: &JsValue, at: &str) -> Result<ResolvedImage> {
    object(value, at)?;
    let layers_at = format!("{at}.layers");
    let layers = array(&get(value, "layers", at)?, &layers_at, MAX_STEPS + 1)?;
    Ok(ResolvedImage {
        dockerfile: string(
            &get(value, "dockerfile", at)?,
            &format!("{at}.dockerfile"),
            MAX_DOCKERFILE_CHARS,
        )?,
        image_hash: string(
            &get(value, "imageHash", at)?,
            &format!("{at}.imageHash"),
            MAX_SHORT_CHARS,
        )?,
        layers: layers
            .iter()
            .enumerate()
            .map(|(k, layer)| self::layer(&layer, &format!("{layers_at}[{k}]")))
            .collect::<Result<_>>()?,
    })
}

/// One layer: `step`, `op`, `hash`, `inputs` and `lines`.
fn layer(value: &JsValue, at: &str) -> Result<ResolvedLayer> {
    object(value, at)?;
    let field = |key: &str| Ok::<_, Error>((get(value, key, at)?, format!("{at}.{key}")));
    let (step, step_at) = field("step")?;
    let (op, op_at) = field("op")?;
    let (hash, hash_at) = field("hash")?;
    let (inputs, inputs_at) = field("inputs")?;
    let (lines, lines_at) = field("lines")?;
    Ok(ResolvedLayer {
        step: if step.is_null() {
            None
        } else {
            Some(count(&step, &step_at, MAX_STEPS)?)
        },
        op: string(&op, &op_at, MAX_SHORT_CHARS)?,
        hash: string(&hash, &hash_at, MAX_SHORT_CHARS)?,
        inputs: array(&inputs, &inputs_at, u32::MAX as usize)?
            .iter()
            .enumerate()
            .map(|(k, input)| self::input(&input, &format!("{inputs_at}[{k}]")))
            .collect::<Result<_>>()?,
        lines: if lines.is_null() {
            None
        } else {
            object(&lines, &lines_at)?;
            let number = |key: &str| {
                count(
                    &get(&lines, key, &lines_at)?,
                    &format!("{lines_at}.{key}"),
                    u32::MAX as usize,
                )
            };
            Some(DiffLines {
                first: number("first")?,
                last: number("last")?,
            })
        },
    })
}

/// One input: `path`, `sha256`, `mode`.
fn input(value: &JsValue, at: &str) -> Result<LayerInput> {
    object(value, at)?;
    let text = |key: &str| {
        string(
            &get(value, key, at)?,
            &format!("{at}.{key}"),
            MAX_SHORT_CHARS,
        )
    };
    Ok(LayerInput {
        path: text("path")?,
        sha256: text("sha256")?,
        mode: count(&get(value, "mode", at)?, &format!("{at}.mode"), 0o777)? as u32,
    })
}

/// `value[key]`, caught (`value` is an object).
fn get(value: &JsValue, key: &str, at: &str) -> Result<JsValue> {
    Reflect::get(value, &JsValue::from_str(key))
        .map_err(|_| invalid_argument(&format!("{at}.{key}"), "reading it threw"))
}

fn kind(value: &JsValue) -> String {
    if value.is_null() {
        "null".into()
    } else if checked_is_array(value).unwrap_or(false) {
        "an array".into()
    } else {
        value.js_typeof().as_string().unwrap_or_default()
    }
}

/// Checks that `value` is an object, not an array.
fn object(value: &JsValue, at: &str) -> Result<()> {
    if value.is_object() && !checked_is_array(value).unwrap_or(true) {
        Ok(())
    } else {
        Err(invalid_argument(
            at,
            format!("expected an object, got {}", kind(value)),
        ))
    }
}

/// An array of at most `max` elements.
fn array(value: &JsValue, at: &str, max: usize) -> Result<js_sys::Array> {
    if !checked_is_array(value).unwrap_or(false) {
        return Err(invalid_argument(
            at,
            format!("expected an array, got {}", kind(value)),
        ));
    }
    let array: js_sys::Array = value.clone().unchecked_into();
    if array.length() as usize > max {
        return Err(invalid_argument(
            at,
            format!(
                "{} elements, more than the {max} it may hold",
                array.length()
            ),
        ));
    }
    Ok(array)
}

/// A string of at most `max` UTF-16 units (checked before it is copied).
fn string(value: &JsValue, at: &str, max: usize) -> Result<String> {
    let Some(text) = value.dyn_ref::<js_sys::JsString>() else {
        return Err(invalid_argument(
            at,
            format!("expected a string, got {}", kind(value)),
        ));
    };
    if text.length() as usize > max {
        return Err(invalid_argument(
            at,
            format!(
                "{} characters, more than the {max} it may hold",
                text.length()
            ),
        ));
    }
    Ok(String::from(text))
}

/// A whole number from 0 to `max`.
fn count(value: &JsValue, at: &str, max: usize) -> Result<usize> {
    match value.as_f64() {
        Some(n) if n >= 0.0 && n <= max as f64 && n.fract() == 0.0 => Ok(n as usize),
        _ => Err(invalid_argument(
            at,
            format!(
                "expected a whole number from 0 to {max}, got {}",
                kind(value)
            ),
        )),
    }
}
