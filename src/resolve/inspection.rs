//! The parts of an `inspectImage` answer that describe how the image runs (its config's
//! environment, working directory, user, entrypoint and command) and what the host could not
//! read (`layersUnread`): checked like every other host answer, and turned into the diagnostic
//! a user sees when a plan rests on an incomplete inspection.

use crate::error::{is_control, Error, ErrorCode, Quoted, Result};
use crate::resolve::host::{ImageInspection, LayersUnread};
use crate::resolve::Diagnostic;

/// The most characters all the strings of one config list (`env`, `entrypoint`, `cmd`) hold.
pub const MAX_CONFIG_LIST_CHARS: usize = 262_144;

/// The most items one config list holds.
pub const MAX_CONFIG_ITEMS: usize = 1_024;

/// Whether `text` is `sha256:` and 64 lowercase hexadecimal digits.
pub fn is_digest(text: &str) -> bool {
    text.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// An answer field that does not hold what it should: `HOST_CALLBACK_FAILED` naming it.
fn bad(reference: &str, field: &str, why: String) -> Error {
    Error::new(
        ErrorCode::HostCallbackFailed,
        format!(
            "host.inspectImage({}) returned {field} {why}",
            Quoted(reference)
        ),
    )
}

/// Checks a config list: at most [`MAX_CONFIG_ITEMS`] items of [`MAX_CONFIG_LIST_CHARS`]
/// characters in all, no NUL (no process argument or environment entry can hold one), and
/// `item_ok` for each.
fn check_list(
    reference: &str,
    field: &str,
    list: &[String],
    item_ok: impl Fn(&str) -> std::result::Result<(), &'static str>,
) -> Result<()> {
    if list.len() > MAX_CONFIG_ITEMS {
        return Err(bad(
            reference,
            field,
            format!("with {} items, more than {MAX_CONFIG_ITEMS}", list.len()),
        ));
    }
    let chars: usize = list.iter().map(|item| item.chars().count()).sum();
    if chars > MAX_CONFIG_LIST_CHARS {
        return Err(bad(
            reference,
            field,
            format!("holding {chars} characters, more than {MAX_CONFIG_LIST_CHARS}"),
        ));
    }
    for (index, item) in list.iter().enumerate() {
        let why = if item.contains('\0') {
            Err("holds a NUL character")
        } else {
            item_ok(item)
        };
        if let Err(why) = why {
            return Err(bad(
                reference,
                &format!("{field}[{index}]"),
                format!("{}, which {why}", Quoted(item)),
            ));
        }
    }
    Ok(())
}

/// An environment entry: `NAME=value` with a name of printable characters.
fn env_entry(entry: &str) -> std::result::Result<(), &'static str> {
    match entry.split_once('=') {
        Some((name, _)) if !name.is_empty() && !name.chars().any(is_control) => Ok(()),
        _ => Err("is not NAME=value"),
    }
}

/// Checks the runtime config of an answer: `env` entries `NAME=value`, `workdir` an absolute
/// path, `user` a short word, lists bounded (see [`check_list`]). Nothing of it reaches a
/// Dockerfile or a plan; it is checked so that an answer is whole or refused.
pub fn runtime_config(reference: &str, inspection: &ImageInspection) -> Result<()> {
    if let Some(env) = &inspection.env {
        check_list(reference, "env", env, env_entry)?;
    }
    for (field, list) in [
        ("entrypoint", &inspection.entrypoint),
        ("cmd", &inspection.cmd),
    ] {
        if let Some(list) = list {
            check_list(reference, field, list, |_| Ok(()))?;
        }
    }
    if let Some(workdir) = inspection
        .workdir
        .as_deref()
        .filter(|w| !w.starts_with('/') || w.len() > 4096 || w.chars().any(is_control))
    {
        return Err(bad(
            reference,
            "workdir",
            format!(
                "{}, expected an absolute path (at most 4096 bytes) without control characters",
                Quoted(workdir)
            ),
        ));
    }
    if let Some(user) = inspection.user.as_deref().filter(|u| {
        u.is_empty() || u.len() > 256 || u.chars().any(|c| is_control(c) || c.is_whitespace())
    }) {
        return Err(bad(
            reference,
            "user",
            format!(
                "{}, expected a user name or id (at most 256 bytes, no spaces or control characters)",
                Quoted(user)
            ),
        ));
    }
    Ok(())
}

/// Checks `layersUnread`: a known reason, a `sha256:` digest and a media type of RFC 6838's
/// characters (at most 255).
pub fn layers_unread(reference: &str, unread: &LayersUnread) -> Result<()> {
    if !matches!(
        unread.reason.as_str(),
        "compression" | "mediaType" | "budget"
    ) {
        return Err(bad(
            reference,
            "layersUnread.reason",
            format!(
                "{}, expected \"compression\", \"mediaType\" or \"budget\"",
                Quoted(&unread.reason)
            ),
        ));
    }
    if !is_digest(&unread.digest) {
        return Err(bad(
            reference,
            "layersUnread.digest",
            format!(
                "{}, expected \"sha256:\" and 64 lowercase hexadecimal digits",
                Quoted(&unread.digest)
            ),
        ));
    }
    let media_type_ok = (1..=255).contains(&unread.media_type.len())
        && unread
            .media_type
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-/".contains(&b));
    if !media_type_ok {
        return Err(bad(
            reference,
            "layersUnread.mediaType",
            format!(
                "{}, expected a media type such as \"application/vnd.oci.image.layer.v1.tar+zstd\"",
                Quoted(&unread.media_type)
            ),
        ));
    }
    Ok(())
}

/// What a plan resting on an incomplete inspection assumed, for [`incomplete`]'s message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assumed {
    /// No Python was seen: the managed CPython is planned.
    ManagedPython,
    /// No libc was seen: `addPython`'s CPython is planned for glibc.
    GlibcForAddedPython,
}

/// The warning for a plan that rests on an inspection that left a layer unread: the image may
/// have a Python (or another libc) the host could not see.
pub fn incomplete(reference: &str, unread: &LayersUnread, assumed: Assumed) -> Diagnostic {
    let why = match unread.reason.as_str() {
        "compression" => "is compressed in a way the host cannot read",
        "mediaType" => "has a media type the host does not know",
        _ => "was past the host's byte budget for layers",
    };
    let consequence = match assumed {
        Assumed::ManagedPython => {
            "so no Python (or libc) was looked for in it or below; the managed CPython is \
             planned. If the image has Python 3.9 or newer, use fromRegistry(ref, { prebuilt: \
             true })"
        }
        Assumed::GlibcForAddedPython => {
            "so no libc was looked for in it or below; addPython's CPython is planned for \
             glibc. If the image uses musl (Alpine), answer inspectImage with libc: \"musl\""
        }
    };
    Diagnostic {
        code: "IMAGE_NOT_FULLY_INSPECTED".into(),
        message: format!(
            "the layer {} ({}) of {} {why}, {consequence} (a budget: raise registryHost's \
             maxLayerBytes)",
            unread.digest,
            unread.media_type,
            Quoted(reference)
        ),
        step: None,
    }
}
