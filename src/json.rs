//! Writing JSON piece by piece into a buffer: the contact, the journal entry and list
//! pages are written as their parts come, keys as literals and values through serde_json.
//! These helpers write exactly what serde_json writes. A few read without building a tree:
//! a body's depth, its duplicate keys, one member of an object, whether a value is whole.

use hyper::header::HeaderName;
use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// Appends `value` as JSON, through serde_json.
pub(crate) fn put(out: &mut Vec<u8>, value: &(impl Serialize + ?Sized)) {
    serde_json::to_writer(out, value).expect("plain values serialise into a Vec");
}

/// Appends `text` as a JSON string. (An eight-bytes-at-a-time scan that copied strings
/// with nothing to escape saved 300 of 31 900 instructions per seed PATCH: under 1 %, so
/// serde_json escapes them, BENCHMARKS.md.)
pub(crate) fn put_str(out: &mut Vec<u8>, text: &str) {
    put(out, text);
}

/// Appends `name`, the text of a [`HeaderName`], as a JSON string: a header name is made
/// of lowercase token characters, none of which JSON escapes, so it is copied as it is.
pub(crate) fn put_header_name(out: &mut Vec<u8>, name: &str) {
    debug_assert!(HeaderName::from_bytes(name.as_bytes()).is_ok_and(|n| n == name));
    out.reserve(name.len() + 2);
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.push(b'"');
}

/// The deepest the mock nests JSON it takes in: request bodies are refused beyond it, and
/// what it records is kept as text beyond it. serde_json refuses 128 levels; an exchange
/// adds three around a body, and a list page four around a contact's custom fields.
pub(crate) const MAX_DEPTH: usize = 100;

/// Whether the JSON text `bytes` nests objects and arrays deeper than `limit`. A text
/// needs a bracket per level, so a short one is not looked at, and counting the brackets
/// first keeps the scan off the usual body, which has a handful.
pub(crate) fn nests_deeper_than(bytes: &[u8], limit: usize) -> bool {
    if bytes.len() <= limit || count(bytes, b'[') + count(bytes, b'{') <= limit {
        return false;
    }
    let (mut depth, mut in_string, mut escaped) = (0_usize, false, false);
    for &byte in bytes {
        match (in_string, byte) {
            (true, _) if escaped => escaped = false,
            (true, b'\\') => escaped = true,
            (true, b'"') | (false, b'"') => in_string = !in_string,
            (false, b'[' | b'{') => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            (false, b']' | b'}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// The pointers of every key that appears twice in one object of `bytes`, a JSON text that
/// parsed as `value` (whose objects kept only the last of each key). RFC 8259 leaves the
/// meaning of such an object open; serde_json keeps the last. Counting first keeps the walk
/// off the usual body: with no more `:` in the text than keys in the value, no key repeats.
pub(crate) fn duplicate_keys(bytes: &[u8], value: &Value) -> Vec<String> {
    fn keys(value: &Value) -> usize {
        match value {
            Value::Object(map) => map.len() + map.values().map(keys).sum::<usize>(),
            Value::Array(items) => items.iter().map(keys).sum(),
            _ => 0,
        }
    }
    if count(bytes, b':') <= keys(value) {
        return Vec::new();
    }
    let mut found = Vec::new();
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    // The text parsed once already, as `value`.
    let _ = serde::de::DeserializeSeed::deserialize(
        Walk {
            pointer: String::new(),
            found: &mut found,
        },
        &mut deserializer,
    );
    found
}

/// How many of `bytes` are `byte`.
fn count(bytes: &[u8], byte: u8) -> usize {
    memchr::memchr_iter(byte, bytes).count()
}

/// A walk over a JSON value that notes the pointer of every repeated key.
struct Walk<'a> {
    pointer: String,
    found: &'a mut Vec<String>,
}

impl<'de> serde::de::DeserializeSeed<'de> for Walk<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, from: D) -> Result<(), D::Error> {
        from.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("JSON")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen: Vec<String> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let pointer = crate::schema::child_pointer(&self.pointer, &key);
            if seen.contains(&key) && !self.found.contains(&pointer) {
                self.found.push(pointer.clone());
            }
            map.next_value_seed(Walk {
                pointer,
                found: &mut *self.found,
            })?;
            seen.push(key);
        }
        Ok(())
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut items: A) -> Result<(), A::Error> {
        let mut index = 0_usize;
        while items
            .next_element_seed(Walk {
                pointer: format!("{}/{index}", self.pointer),
                found: &mut *self.found,
            })?
            .is_some()
        {
            index += 1;
        }
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

/// `bytes`, a JSON text, without the whitespace outside its strings: the same text on one
/// line, every key kept as sent (a round trip through `Value` would merge repeated keys).
pub(crate) fn minify(bytes: &[u8], out: &mut Vec<u8>) {
    let (mut in_string, mut escaped) = (false, false);
    for &byte in bytes {
        match (in_string, byte) {
            (true, _) if escaped => escaped = false,
            (true, b'\\') => escaped = true,
            (_, b'"') => in_string = !in_string,
            (false, b' ' | b'\t' | b'\n' | b'\r') => continue,
            _ => {}
        }
        out.push(byte);
    }
}

/// Appends `text` as a JSON string, or `null`.
pub(crate) fn put_opt_str(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        Some(text) => put_str(out, text),
        None => out.extend_from_slice(b"null"),
    }
}

/// Appends a JSON array of `items`, each written by `write`.
pub(crate) fn put_array<T>(
    out: &mut Vec<u8>,
    items: impl IntoIterator<Item = T>,
    mut write: impl FnMut(&mut Vec<u8>, T),
) {
    out.push(b'[');
    for (index, item) in items.into_iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        write(out, item);
    }
    out.push(b']');
}

/// Appends `id` as a JSON string, hyphenated and lowercase, as its `Serialize` writes it.
pub(crate) fn put_uuid(out: &mut Vec<u8>, id: &Uuid) {
    out.push(b'"');
    out.extend_from_slice(
        id.hyphenated()
            .encode_lower(&mut Uuid::encode_buffer())
            .as_bytes(),
    );
    out.push(b'"');
}

/// The value of member `key` of the JSON object `text` (the last, if it is there twice, as a
/// `Value` of the text would have it), the other members passed over unread; `None` when it
/// has none or `text` is no JSON object.
pub(crate) fn member(text: &str, key: &str) -> Option<Value> {
    let mut reader = serde_json::Deserializer::from_str(text);
    de::Deserializer::deserialize_map(&mut reader, Find(key))
        .ok()
        .flatten()
}

/// Visits an object for the value of one key, passing over the others unread.
struct Find<'k>(&'k str);

impl<'de> Visitor<'de> for Find<'_> {
    type Value = Option<Value>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(matched) = map.next_key_seed(KeyIs(self.0))? {
            if matched {
                found = Some(map.next_value()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

/// Reads an object key, telling whether it is the one sought (escapes undone first).
struct KeyIs<'k>(&'k str);

impl<'de> DeserializeSeed<'de> for KeyIs<'_> {
    type Value = bool;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyIs<'_> {
    type Value = bool;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an object key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<bool, E> {
        Ok(key == self.0)
    }
}

/// Reads `text` through, building nothing, with every check a `Value` of it would make:
/// a `RawValue` is only skipped over by serde_json, so a number out of range, a lone
/// surrogate escape or nesting past the limit pass it (a record file's bodies).
pub(crate) fn read_through(text: &str) -> serde_json::Result<()> {
    serde_json::from_str::<Whole>(text).map(|_| ())
}

/// A JSON value read through and dropped ([`read_through`]).
struct Whole;

impl<'de> Deserialize<'de> for Whole {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(Whole)
    }
}

impl<'de> Visitor<'de> for Whole {
    type Value = Whole;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Whole, E> {
        Ok(Whole)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Whole, E> {
        Ok(Whole)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Whole, E> {
        Ok(Whole)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Whole, E> {
        Ok(Whole)
    }

    fn visit_str<E>(self, _: &str) -> Result<Whole, E> {
        Ok(Whole)
    }

    fn visit_unit<E>(self) -> Result<Whole, E> {
        Ok(Whole)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Whole, A::Error> {
        while items.next_element::<Whole>()?.is_some() {}
        Ok(Whole)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut members: A) -> Result<Whole, A::Error> {
        while members.next_entry::<Whole, Whole>()?.is_some() {}
        Ok(Whole)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_read_through_with_the_checks_a_value_tree_makes() {
        for whole in [
            r#"{"a":[1,2.5,-3],"a":"\u00e9","b":null}"#,
            "true",
            r#""x""#,
        ] {
            assert!(read_through(whole).is_ok(), "{whole}");
            assert!(serde_json::from_str::<Value>(whole).is_ok());
        }
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        for broken in ["1e400", r#"["\ud800"]"#, r#"{"n":1e400}"#, deep.as_str()] {
            assert!(read_through(broken).is_err(), "{broken}");
            assert!(serde_json::from_str::<Value>(broken).is_err());
        }
    }

    #[test]
    fn nesting_is_measured_outside_strings() {
        let deep = |levels: usize| format!("{}{}", "[".repeat(levels), "]".repeat(levels));
        assert!(!nests_deeper_than(deep(100).as_bytes(), 100));
        assert!(nests_deeper_than(deep(101).as_bytes(), 100));
        let quoted = format!("{{\"a\":\"{}\\\"\"}}", "[".repeat(200));
        assert!(!nests_deeper_than(quoted.as_bytes(), 100), "{quoted}");
    }

    #[test]
    fn a_repeated_key_is_found_at_its_pointer_wherever_it_is() {
        let found = |text: &str| {
            let value: Value = serde_json::from_str(text).unwrap();
            duplicate_keys(text.as_bytes(), &value)
        };
        assert_eq!(found(r#"{"status":"a","status":"b"}"#), ["/status"]);
        assert_eq!(
            found(r#"{"custom_fields":{"a/b":1,"a/b":2},"tags":[{"x":1,"x":1}]}"#),
            ["/custom_fields/a~1b", "/tags/0/x"]
        );
        assert!(found(r#"{"notes":"at 14:30, see http://x","a":1}"#).is_empty());
        assert!(found(r#"{"status":"active"}"#).is_empty());
    }

    #[test]
    fn minified_json_keeps_every_key_and_every_string() {
        let mut out = Vec::new();
        minify(b"{\n  \"a\": \"x y\\\" z\",\n  \"a\": [1, 2]\n}", &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"a":"x y\" z","a":[1,2]}"#
        );
    }

    #[test]
    fn a_missing_string_is_null() {
        let mut out = Vec::new();
        put_opt_str(&mut out, None);
        assert_eq!(out, b"null");
    }

    #[test]
    fn arrays_are_written_with_commas_between_items() {
        for (items, expected) in [(vec![], "[]"), (vec![1], "[1]"), (vec![1, 2, 3], "[1,2,3]")] {
            let mut out = Vec::new();
            put_array(&mut out, items, |out, n| put(out, &n));
            assert_eq!(String::from_utf8(out).unwrap(), expected);
        }
    }

    #[test]
    fn ids_are_written_exactly_as_serde_writes_them() {
        let id: Uuid = "A1B2C3D4-E5F6-4789-ABCD-EF1234567890".parse().unwrap();
        let mut out = Vec::new();
        put_uuid(&mut out, &id);
        assert_eq!(out, serde_json::to_vec(&id).unwrap());
    }
}
