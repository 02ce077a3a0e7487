//! RFC 8785 (JSON Canonicalization Scheme) text of a serde value.
//!
//! Object members are sorted by their names' UTF-16 code units, no whitespace is written, and
//! strings use the minimal escapes of ECMAScript's `JSON.stringify` (as serde_json's string
//! writer does, byte for byte: `\b \t \n \f \r`, other controls as lowercase `\u00xx`).
//! Specs hold only strings, booleans, arrays, objects and small integers, whose decimal form is
//! already canonical. A general JCS crate (`serde_json_canonicalizer`, a dev-dependency) is the
//! oracle in the tests; this writer exists because it is an order of magnitude faster on specs,
//! which the per-call budget needs: it is a serde `Serializer` that writes the text directly
//! (no `serde_json::Value` in between, no string copied but into the output), and reorders an
//! object's members only when they are not already in order.

use std::cmp::Ordering;
use std::fmt;

use serde::ser::{self, Serialize};

/// The canonical JSON text of `value`, or `None` if it does not serialise to JSON or holds a
/// non-integer number (never the case for the spec types).
pub fn to_string<T: Serialize>(value: &T) -> Option<String> {
    let mut writer = Writer {
        out: String::with_capacity(256),
    };
    value.serialize(&mut writer).ok()?;
    Some(writer.out)
}

/// Why a value has no canonical text: a float, a non-string map key, or a custom error.
#[derive(Debug)]
pub struct Unsupported;

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not representable in canonical JSON")
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Unsupported
    }
}

type Done = Result<(), Unsupported>;

/// Writes canonical JSON into `out`.
struct Writer {
    out: String,
}

/// Writes `s` as a JSON string with `JSON.stringify`'s escapes.
fn write_string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        // `i` is at an ASCII byte: a char boundary.
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            out.push_str("\\u00");
            out.push(HEX[usize::from(byte >> 4)] as char);
            out.push(HEX[usize::from(byte & 0xf)] as char);
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// RFC 8785's order of member names: by UTF-16 code units. It is byte order unless a name holds
/// a character from U+E000 on (its UTF-8 starts at 0xEE), where a supplementary character's
/// surrogates sort lower than it does in UTF-8.
fn compare_names(a: &str, b: &str) -> Ordering {
    let plain = |s: &str| s.bytes().all(|byte| byte < 0xEE);
    if plain(a) && plain(b) {
        a.cmp(b)
    } else {
        a.encode_utf16().cmp(b.encode_utf16())
    }
}

/// An object being written: each member's name and where its `"name":value` text is in `out`.
struct Object<'a> {
    writer: &'a mut Writer,
    /// Where the object's first member starts (just after `{`).
    start: usize,
    members: Vec<(std::borrow::Cow<'static, str>, std::ops::Range<usize>)>,
}

impl<'a> Object<'a> {
    fn begin(writer: &'a mut Writer) -> Object<'a> {
        writer.out.push('{');
        let start = writer.out.len();
        Object {
            writer,
            start,
            members: Vec::new(),
        }
    }

    /// Starts a member named `name`: writes its `"name":`.
    fn name(&mut self, name: std::borrow::Cow<'static, str>) {
        let out = &mut self.writer.out;
        if !self.members.is_empty() {
            out.push(',');
        }
        let at = out.len();
        write_string(out, &name);
        out.push(':');
        self.members.push((name, at..at));
    }

    /// Ends the member started last, whose value has just been written.
    fn value_written(&mut self) {
        let end = self.writer.out.len();
        if let Some((_, range)) = self.members.last_mut() {
            range.end = end;
        }
    }

    fn member<T: ?Sized + Serialize>(
        &mut self,
        name: std::borrow::Cow<'static, str>,
        value: &T,
    ) -> Done {
        self.name(name);
        value.serialize(&mut *self.writer)?;
        self.value_written();
        Ok(())
    }

    /// Closes the object, putting the members in RFC 8785's order first when they are not.
    fn end(self) -> Done {
        self.finish();
        Ok(())
    }

    /// [`Object::end`], handing the writer back.
    fn finish(self) -> &'a mut Writer {
        let Object {
            writer,
            start,
            mut members,
        } = self;
        let sorted = members
            .windows(2)
            .all(|pair| compare_names(&pair[0].0, &pair[1].0) != Ordering::Greater);
        if !sorted {
            let text = writer.out.split_off(start);
            crate::sorting::sort_by(&mut members, |a, b| compare_names(&a.0, &b.0));
            for (i, (_, range)) in members.iter().enumerate() {
                if i > 0 {
                    writer.out.push(',');
                }
                writer
                    .out
                    .push_str(&text[range.start - start..range.end - start]);
            }
        }
        writer.out.push('}');
        writer
    }
}

/// An array being written.
struct Array<'a> {
    writer: &'a mut Writer,
    first: bool,
}

impl<'a> Array<'a> {
    fn begin(writer: &'a mut Writer) -> Array<'a> {
        writer.out.push('[');
        Array {
            writer,
            first: true,
        }
    }

    fn element<T: ?Sized + Serialize>(&mut self, value: &T) -> Done {
        if !std::mem::take(&mut self.first) {
            self.writer.out.push(',');
        }
        value.serialize(&mut *self.writer)
    }

    fn end(self) -> Done {
        self.writer.out.push(']');
        Ok(())
    }
}

/// A variant written as `{"variant":…}`: the inner array or object, then the closing brace.
struct Variant<T> {
    inner: T,
}

impl<'a> ser::Serializer for &'a mut Writer {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Array<'a>;
    type SerializeTuple = Array<'a>;
    type SerializeTupleStruct = Array<'a>;
    type SerializeTupleVariant = Variant<Array<'a>>;
    type SerializeMap = Object<'a>;
    type SerializeStruct = Object<'a>;
    type SerializeStructVariant = Variant<Object<'a>>;

    fn serialize_bool(self, v: bool) -> Done {
        self.out.push_str(if v { "true" } else { "false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Done {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Done {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Done {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Done {
        if v < 0 {
            self.out.push('-');
        }
        self.serialize_u64(v.unsigned_abs())
    }
    fn serialize_u8(self, v: u8) -> Done {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Done {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Done {
        self.serialize_u64(v.into())
    }
    fn serialize_u64(self, mut v: u64) -> Done {
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        loop {
            at -= 1;
            digits[at] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        for &digit in &digits[at..] {
            self.out.push(char::from(digit));
        }
        Ok(())
    }
    fn serialize_f32(self, _: f32) -> Done {
        Err(Unsupported)
    }
    fn serialize_f64(self, _: f64) -> Done {
        Err(Unsupported)
    }
    fn serialize_char(self, v: char) -> Done {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Done {
        write_string(&mut self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Done {
        let mut array = Array::begin(self);
        for byte in v {
            array.element(byte)?;
        }
        array.end()
    }
    fn serialize_none(self) -> Done {
        self.serialize_unit()
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Done {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Done {
        self.out.push_str("null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Done {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Done {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _: &'static str, value: &T) -> Done {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Done {
        let mut object = Object::begin(self);
        object.member(variant.into(), value)?;
        object.end()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Array<'a>, Unsupported> {
        Ok(Array::begin(self))
    }
    fn serialize_tuple(self, _: usize) -> Result<Array<'a>, Unsupported> {
        Ok(Array::begin(self))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Array<'a>, Unsupported> {
        Ok(Array::begin(self))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Variant<Array<'a>>, Unsupported> {
        self.out.push('{');
        write_string(&mut self.out, variant);
        self.out.push(':');
        Ok(Variant {
            inner: Array::begin(self),
        })
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Object<'a>, Unsupported> {
        Ok(Object::begin(self))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Object<'a>, Unsupported> {
        Ok(Object::begin(self))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Variant<Object<'a>>, Unsupported> {
        self.out.push('{');
        write_string(&mut self.out, variant);
        self.out.push(':');
        Ok(Variant {
            inner: Object::begin(self),
        })
    }
}

impl ser::SerializeSeq for Array<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Done {
        self.element(value)
    }
    fn end(self) -> Done {
        Array::end(self)
    }
}

impl ser::SerializeTuple for Array<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Done {
        self.element(value)
    }
    fn end(self) -> Done {
        Array::end(self)
    }
}

impl ser::SerializeTupleStruct for Array<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Done {
        self.element(value)
    }
    fn end(self) -> Done {
        Array::end(self)
    }
}

impl ser::SerializeTupleVariant for Variant<Array<'_>> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Done {
        self.inner.element(value)
    }
    fn end(self) -> Done {
        let writer = self.inner.writer;
        writer.out.push_str("]}");
        Ok(())
    }
}

impl ser::SerializeMap for Object<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Done {
        let name = key.serialize(NameOf)?;
        self.name(name.into());
        Ok(())
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Done {
        value.serialize(&mut *self.writer)?;
        self.value_written();
        Ok(())
    }
    fn end(self) -> Done {
        Object::end(self)
    }
}

impl ser::SerializeStruct for Object<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, value: &T) -> Done {
        self.member(key.into(), value)
    }
    fn end(self) -> Done {
        Object::end(self)
    }
}

impl ser::SerializeStructVariant for Variant<Object<'_>> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, value: &T) -> Done {
        self.inner.member(key.into(), value)
    }
    fn end(self) -> Done {
        self.inner.finish().out.push('}');
        Ok(())
    }
}

/// A map key as the member name serde_json would give it: a string, a char, or an integer's
/// decimal text; anything else has no canonical form.
struct NameOf;

impl ser::Serializer for NameOf {
    type Ok = String;
    type Error = Unsupported;
    type SerializeSeq = ser::Impossible<String, Unsupported>;
    type SerializeTuple = ser::Impossible<String, Unsupported>;
    type SerializeTupleStruct = ser::Impossible<String, Unsupported>;
    type SerializeTupleVariant = ser::Impossible<String, Unsupported>;
    type SerializeMap = ser::Impossible<String, Unsupported>;
    type SerializeStruct = ser::Impossible<String, Unsupported>;
    type SerializeStructVariant = ser::Impossible<String, Unsupported>;

    fn serialize_str(self, v: &str) -> Result<String, Unsupported> {
        Ok(v.to_string())
    }
    fn serialize_char(self, v: char) -> Result<String, Unsupported> {
        Ok(v.to_string())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<String, Unsupported> {
        Ok(variant.to_string())
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<String, Unsupported> {
        value.serialize(self)
    }
    fn serialize_i64(self, v: i64) -> Result<String, Unsupported> {
        let mut writer = Writer { out: String::new() };
        ser::Serializer::serialize_i64(&mut writer, v)?;
        Ok(writer.out)
    }
    fn serialize_u64(self, v: u64) -> Result<String, Unsupported> {
        let mut writer = Writer { out: String::new() };
        ser::Serializer::serialize_u64(&mut writer, v)?;
        Ok(writer.out)
    }
    fn serialize_i8(self, v: i8) -> Result<String, Unsupported> {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<String, Unsupported> {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<String, Unsupported> {
        self.serialize_i64(v.into())
    }
    fn serialize_u8(self, v: u8) -> Result<String, Unsupported> {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<String, Unsupported> {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<String, Unsupported> {
        self.serialize_u64(v.into())
    }
    fn serialize_bool(self, _: bool) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_f32(self, _: f32) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_f64(self, _: f64) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_none(self) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_unit(self) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Unsupported> {
        Err(Unsupported)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Byte for byte what the JCS crate writes (through `serde_json::Value`).
    fn check(value: &serde_json::Value) {
        let oracle = serde_json_canonicalizer::to_string(value).expect("JCS oracle");
        assert_eq!(
            to_string(value).as_deref(),
            Some(oracle.as_str()),
            "{value}"
        );
    }

    #[test]
    fn names_sort_by_utf16_units_not_bytes() {
        // U+FF61 sorts after U+1F600 in UTF-8 but before its surrogates in UTF-16.
        check(&json!({"\u{ff61}": 1, "\u{1f600}": 2, "a": 3, "\u{e000}": 4, "é": 5, "": 6}));
        check(&json!({"b": {"z": [1, {"y": null, "x": true}], "a": false}, "a": "x"}));
    }

    #[test]
    fn strings_use_the_minimal_escapes() {
        let every_control: String = (0u8..0x20).map(char::from).collect();
        check(&json!({"s": format!("{every_control}\"\\/\u{7f}\u{2028}é\u{1f600}")}));
        check(&json!([every_control, "", "plain"]));
    }

    #[test]
    fn integers_and_nothing_else_numeric() {
        // Within 2^53, where the decimal text is the canonical number form (specs hold small ones).
        check(&json!([
            0,
            -1,
            1,
            9_007_199_254_740_991_i64,
            -9_007_199_254_740_991_i64,
            300
        ]));
        assert_eq!(to_string(&json!({"a": 1.5})), None);
        assert_eq!(to_string(&1.0f64), None);
    }

    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Unordered {
        zeta: u8,
        alpha: Vec<&'static str>,
        #[serde(flatten)]
        more: std::collections::BTreeMap<String, u32>,
    }

    #[derive(serde::Serialize)]
    enum Variants {
        Unit,
        Newtype(u8),
        Tuple(u8, &'static str),
        Struct { b: u8, a: u8 },
    }

    #[test]
    fn struct_fields_flatten_and_enum_variants_are_sorted_as_objects() {
        let value = Unordered {
            zeta: 1,
            alpha: vec!["x"],
            more: [("beta".to_string(), 2), ("\u{1f600}".to_string(), 3)].into(),
        };
        let expected = serde_json::to_value(&value).unwrap();
        check(&expected);
        assert_eq!(
            to_string(&value),
            Some(serde_json_canonicalizer::to_string(&expected).unwrap())
        );
        for variant in [
            Variants::Unit,
            Variants::Newtype(1),
            Variants::Tuple(1, "t"),
            Variants::Struct { b: 1, a: 2 },
        ] {
            let expected = serde_json::to_value(&variant).unwrap();
            assert_eq!(
                to_string(&variant),
                Some(serde_json_canonicalizer::to_string(&expected).unwrap())
            );
        }
    }
}
