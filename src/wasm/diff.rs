//! `Image.diff(before, after)`: the diff of two images for review (docs/diff.md), as plain values.

use wasm_bindgen::prelude::*;

use super::errors::to_js;
use super::image::{spec_arg, JsImage};
use crate::diff;
use crate::error::{Error, ErrorCode, Result};
use crate::image::Image;

#[wasm_bindgen(js_class = Image)]
impl JsImage {
    /// The diff of two images, each an `Image`, a spec or its JSON text: which layers of `after`
    /// a build after `before` reuses and which rebuild, the steps added, removed and changed, and
    /// the unified diff of the two Dockerfiles. No I/O: layers that read files are `unknown`
    /// until resolved (docs/diff.md). Past its work limit: `DIFF_TOO_LARGE`.
    #[wasm_bindgen(unchecked_return_type = "ImageDiff")]
    pub fn diff(
        #[wasm_bindgen(unchecked_param_type = "Image | ImageSpec | string")] before: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Image | ImageSpec | string")] after: JsValue,
    ) -> std::result::Result<JsValue, JsValue> {
        let result = image_arg(&before, "before")
            .and_then(|before| Ok((before, image_arg(&after, "after")?)))
            .and_then(|(before, after)| diff::diff(&before, &after))
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
