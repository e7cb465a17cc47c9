//! Writing JSON piece by piece into a buffer: the contact, the journal entry and list
//! pages are written as their parts come, keys as literals and values through serde_json.
//! These helpers write exactly what serde_json writes.

use hyper::header::HeaderName;
use serde::Serialize;
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

/// Whether the JSON text `bytes` nests objects and arrays deeper than `limit`. Counting
/// the brackets first keeps the scan off the usual body, which has a handful.
pub(crate) fn nests_deeper_than(bytes: &[u8], limit: usize) -> bool {
    if bytes.iter().filter(|b| matches!(b, b'[' | b'{')).count() <= limit {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_measured_outside_strings() {
        let deep = |levels: usize| format!("{}{}", "[".repeat(levels), "]".repeat(levels));
        assert!(!nests_deeper_than(deep(100).as_bytes(), 100));
        assert!(nests_deeper_than(deep(101).as_bytes(), 100));
        let quoted = format!("{{\"a\":\"{}\\\"\"}}", "[".repeat(200));
        assert!(!nests_deeper_than(quoted.as_bytes(), 100), "{quoted}");
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
