//! Reliability (issue 13, hole 8): text a user or a host gave never reaches an error message or
//! an error's Display form with a raw control character (C0, DEL, C1), so printing an error to a
//! terminal cannot move the cursor, recolour it or write the clipboard (OSC 52). The argument
//! path and file name stay exact (programs look them up; the golden vectors pin
//! `values.A\tB`), and Display escapes them.

use apothic_image::{DebianSlimOptions, Error, ErrorCode, Image};

/// An OSC 52 clipboard write, a CSI through its 8-bit C1 form, BEL, DEL, NEL and a newline.
const HOSTILE: &str = "\u{1b}]52;c;aGVsbG8=\u{7}\u{9b}31m\u{7f}\u{85}\n\r\t";

fn is_control(c: char) -> bool {
    matches!(u32::from(c), 0..=0x1f | 0x7f..=0x9f)
}

/// Fails if the error's message or Display form holds a control character, and checks that the
/// hostile text is still shown (escaped), so the message stays useful.
fn assert_clean(error: &Error, code: ErrorCode) {
    assert_eq!(error.code, code, "{error}");
    let display = error.to_string();
    for (what, text) in [
        ("message", error.message.as_str()),
        ("Display", display.as_str()),
    ] {
        assert!(
            !text.chars().any(is_control),
            "{what} holds a raw control character: {text:?}"
        );
    }
    assert!(
        display.contains("\\u001b]52;c;aGVsbG8=\\u0007")
            || display.contains("\\u001B]52;c;aGVsbG8=\\u0007"),
        "the escaped text is shown: {display}"
    );
    assert!(
        display.contains("\\u009b") && display.contains("\\u007f"),
        "C1 and DEL are shown as escapes: {display}"
    );
}

fn spec_with_step(step: &str) -> String {
    format!(
        r#"{{"version":1,"base":{{"op":"debianSlim","pythonVersion":"3.11"}},"steps":[{step}]}}"#
    )
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

fn slim() -> Image {
    Image::debian_slim(&DebianSlimOptions::default()).unwrap()
}

#[test]
fn unknown_spec_field_is_escaped() {
    let json = spec_with_step(&format!(
        r#"{{"op":"env","values":{{}},{}:1}}"#,
        json_string(HOSTILE)
    ));
    let error = Image::from_spec_json(&json).unwrap_err();
    assert_clean(&error, ErrorCode::InvalidSpec);
}

#[test]
fn unknown_op_is_escaped() {
    let json = spec_with_step(&format!(r#"{{"op":{}}}"#, json_string(HOSTILE)));
    let error = Image::from_spec_json(&json).unwrap_err();
    assert_clean(&error, ErrorCode::InvalidSpec);
}

#[test]
fn unknown_base_op_is_escaped() {
    let json = format!(
        r#"{{"version":1,"base":{{"op":{}}},"steps":[]}}"#,
        json_string(HOSTILE)
    );
    let error = Image::from_spec_json(&json).unwrap_err();
    assert_clean(&error, ErrorCode::InvalidSpec);
}

#[test]
fn unknown_dockerfile_instruction_is_escaped() {
    // The instruction word ends at whitespace, so the hostile text goes without its tab/newline.
    let word = HOSTILE.trim_end();
    let error = slim()
        .with_dockerfile(&format!("X{word}Y hello\n"))
        .unwrap_err();
    assert_clean(&error, ErrorCode::DockerfileSyntax);
}

#[test]
fn env_key_with_osc52_and_c1_is_escaped() {
    let key = format!("K{HOSTILE}");
    let error = slim().env(&[(key.as_str(), "v")]).unwrap_err();
    assert_clean(&error, ErrorCode::InvalidEnvKey);
    // The argument path names the key exactly; Display shows it escaped.
    assert_eq!(error.argument, Some(format!("values.{key}")));
    assert!(
        error.to_string().contains("(argument `values.K\\u001b]52"),
        "{error}"
    );
}

#[test]
fn env_key_in_a_spec_is_escaped() {
    let json = spec_with_step(&format!(
        r#"{{"op":"env","values":{{{}:"v"}}}}"#,
        json_string(&format!("K{HOSTILE}"))
    ));
    let error = Image::from_spec_json(&json).unwrap_err();
    assert_clean(&error, ErrorCode::InvalidEnvKey);
}

/// Every path into an `Error` escapes: the constructor, `at`, `within` and `in_file`.
#[test]
fn every_error_field_is_escaped_at_construction() {
    let error = Error::new(ErrorCode::InvalidPath, format!("bad {HOSTILE}"))
        .at(format!("values.{HOSTILE}"))
        .within(HOSTILE)
        .in_file(HOSTILE);
    assert_clean(&error, ErrorCode::InvalidPath);
    assert!(
        error.message.starts_with("bad \\u001b]52"),
        "{}",
        error.message
    );
}

/// Text without control characters is left exactly as it was (including quotes, backslashes
/// and non-ASCII), so existing messages do not change.
#[test]
fn printable_text_is_unchanged() {
    let text = "C:\\dir \"quoted\" é 🚀 \u{a0}\u{2028}";
    let error = Error::new(ErrorCode::InvalidPath, text)
        .at(text)
        .in_file(text);
    assert_eq!(error.message, text);
    assert_eq!(error.argument.as_deref(), Some(text));
    assert_eq!(error.file.as_deref(), Some(text));
}
