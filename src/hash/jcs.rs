//! RFC 8785 (JSON Canonicalization Scheme) text of a serde value.
//!
//! Object members are sorted by their names' UTF-16 code units, no whitespace is written, and
//! strings use the minimal escapes of ECMAScript's `JSON.stringify` (which serde_json's string
//! writer produces byte for byte: `\b \t \n \f \r`, other controls as lowercase `\u00xx`).
//! Specs hold only strings, booleans, arrays, objects and small integers, whose decimal form is
//! already canonical. A general JCS crate (`serde_json_canonicalizer`, a dev-dependency) is the
//! oracle in the tests; this writer exists because it is an order of magnitude faster on specs,
//! which the render + hash budget needs.

use serde::Serialize;
use serde_json::Value;

/// The canonical JSON text of `value`, or `None` if it does not serialise to JSON or holds a
/// non-integer number (never the case for the spec types).
pub fn to_string<T: Serialize>(value: &T) -> Option<String> {
    let value = serde_json::to_value(value).ok()?;
    let mut out = String::with_capacity(256);
    write_value(&value, &mut out)?;
    Some(out)
}

fn write_value(value: &Value, out: &mut String) -> Option<()> {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) if n.is_i64() || n.is_u64() => out.push_str(&n.to_string()),
        Value::Number(_) => return None,
        Value::String(s) => write_string(s, out)?,
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out)?;
            }
            out.push(']');
        }
        Value::Object(members) => {
            let mut sorted: Vec<(&String, &Value)> = members.iter().collect();
            crate::sorting::sort_by(&mut sorted, |a, b| {
                a.0.encode_utf16().cmp(b.0.encode_utf16())
            });
            out.push('{');
            for (i, (name, member)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(name, out)?;
                out.push(':');
                write_value(member, out)?;
            }
            out.push('}');
        }
    }
    Some(())
}

fn write_string(s: &str, out: &mut String) -> Option<()> {
    out.push_str(&serde_json::to_string(s).ok()?);
    Some(())
}
