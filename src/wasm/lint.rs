//! `image.lint()`: the lint findings that need the spec alone (docs/lint.md), as plain values.

use wasm_bindgen::prelude::*;

use super::errors::to_js;
use super::image::JsImage;
use crate::error::{Error, ErrorCode};
use crate::lint;

#[wasm_bindgen(js_class = Image)]
impl JsImage {
    /// The lint findings that need the spec alone: no I/O (docs/lint.md). `resolve()` gives
    /// every finding, those that need files and the base's inspection too, in `lint`.
    #[wasm_bindgen(unchecked_return_type = "Finding[]")]
    pub fn lint(&self) -> Result<JsValue, JsValue> {
        let json = serde_json::to_string(&lint::lint(self.core()))
            .map_err(|e| to_js(Error::new(ErrorCode::InvalidSpec, e.to_string())))?;
        js_sys::JSON::parse(&json)
    }
}
