//! Crate errors as JavaScript `Error` objects named `ApothicError`, with `code`, `argument`,
//! `file`, `line` and `column` as own properties. The package entries export an `ApothicError`
//! class whose `instanceof` check recognises them.

use wasm_bindgen::prelude::*;

use crate::error::{Error, ErrorCode};

#[wasm_bindgen(typescript_custom_section)]
const ERROR_CODE_TYPE: &'static str = r#"
/** Stable identifiers of every kind of failure (`ApothicError.code`). */
export type ErrorCode =
  | "INVALID_ARGUMENT"
  | "INVALID_PYTHON_VERSION"
  | "INVALID_IMAGE_REF"
  | "INVALID_PACKAGE"
  | "INVALID_OPTION"
  | "INVALID_ENV_KEY"
  | "INVALID_ENV_VALUE"
  | "INVALID_COMMAND"
  | "INVALID_SHELL"
  | "INVALID_PATH"
  | "INVALID_MODULE_NAME"
  | "DOCKERFILE_SYNTAX"
  | "FORBIDDEN_INSTRUCTION"
  | "BUILD_STEP_AFTER_RUNTIME_STEP"
  | "NEEDS_RESOLVE"
  | "LINE_TOO_LONG"
  | "INVALID_IGNORE_PATTERN"
  | "DOTENV_SYNTAX"
  | "REQUIREMENTS_SYNTAX"
  | "PYPROJECT_INVALID"
  | "UNKNOWN_DEPENDENCY_GROUP"
  | "MISSING_HOST_CALLBACK"
  | "FILE_NOT_FOUND"
  | "HOST_CALLBACK_FAILED"
  | "HOST_TIMEOUT"
  | "ABORTED"
  | "CONTEXT_CHANGED"
  | "INVALID_SPEC"
  | "UNSUPPORTED_SPEC_VERSION"
  | "SPEC_TOO_LARGE"
  | "FILE_TOO_LARGE"
  | "FOLDER_TOO_LARGE"
  | "RESOLVE_TOO_LARGE"
  | "DIFF_TOO_LARGE";
"#;

/// The TypeScript `DiagnosticCode` union, written from the one list of the codes a resolution
/// `Diagnostic` carries (tests/user_words.rs checks that list against every code `src/` emits).
macro_rules! diagnostic_codes {
    ($($code:literal),+ $(,)?) => {
        #[wasm_bindgen(typescript_custom_section)]
        const DIAGNOSTIC_CODE_TYPE: &'static str = concat!(
            "\n/** The stable identifiers of resolution's diagnostics (`Diagnostic.code`). */\nexport type DiagnosticCode =",
            $("\n  | \"", $code, "\"",)+
            ";\n"
        );
    };
}

diagnostic_codes!(
    "SYMLINK_SKIPPED",
    "EMPTY_ENV_FILE",
    "NO_DEPENDENCIES",
    "DOCKERFILE_REPLACED",
    "VARIABLE_IN_COPY_SOURCE",
    "COPY_SOURCE_MISSING",
    "IMAGE_NOT_FULLY_INSPECTED",
);

/// Converts a crate error into the JS error the caller sees thrown.
pub(crate) fn to_js(error: Error) -> JsValue {
    let js = js_sys::Error::new(&error.message);
    js.set_name("ApothicError");
    let object: &JsValue = js.as_ref();
    let set = |key: &str, value: JsValue| {
        // Setting a property on a fresh Error object cannot fail.
        let _ = js_sys::Reflect::set(object, &JsValue::from_str(key), &value);
    };
    set("code", JsValue::from_str(error.code.as_str()));
    if let Some(argument) = &error.argument {
        set("argument", JsValue::from_str(argument));
    }
    if let Some(file) = &error.file {
        set("file", JsValue::from_str(file));
    }
    if let Some(position) = error.position {
        set("line", JsValue::from_f64(position.line as f64));
        set("column", JsValue::from_f64(position.column as f64));
    }
    js.into()
}

/// An argument of the wrong JavaScript type or shape (`INVALID_ARGUMENT`).
pub(crate) fn invalid_argument(argument: &str, detail: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorCode::InvalidArgument,
        format!("`{argument}` has the wrong type or shape: {detail}; see the TypeScript types for what it takes"),
    )
    .at(argument)
}
