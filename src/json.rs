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

/// Appends `bytes`, a header value, as a JSON string, any invalid UTF-8 replaced by
/// U+FFFD (as [`String::from_utf8_lossy`] does).
pub(crate) fn put_str_lossy(out: &mut Vec<u8>, bytes: &[u8]) {
    put_str(out, &String::from_utf8_lossy(bytes));
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
    fn strings_are_written_exactly_as_serde_json_writes_them() {
        for text in [
            "",
            "plain /api/v1/contacts?page=2",
            "quote \" backslash \\ tab \t newline \n nul \u{0} del \u{7f}",
            "non-ASCII: café, 日本, 🙂",
            "a string longer than one vector of bytes, with a quote at its end: \"",
            "a string longer than one vector of bytes, with a control at its end: \u{1f}",
        ] {
            let mut out = Vec::new();
            put_str(&mut out, text);
            assert_eq!(out, serde_json::to_vec(text).unwrap(), "{text:?}");
        }
        let mut out = Vec::new();
        put_opt_str(&mut out, None);
        assert_eq!(out, b"null");
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_written_as_serde_json_writes_it(
            text in ".*",
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..80),
        ) {
            let mut out = Vec::new();
            put_str(&mut out, &text);
            proptest::prop_assert_eq!(out, serde_json::to_vec(&text).unwrap());
            let mut out = Vec::new();
            put_str_lossy(&mut out, &bytes);
            let expected = serde_json::to_vec(&String::from_utf8_lossy(&bytes)).unwrap();
            proptest::prop_assert_eq!(out, expected);
        }
    }

    #[test]
    fn header_bytes_are_written_as_from_utf8_lossy_reads_them() {
        for bytes in [
            &b"Bearer gately_sk_test_\xe2\x80\xa6"[..],
            b"text/plain; q=\"0.9\"",
            b"tab\tin a value",
            b"latin-1 caf\xe9",
            b"",
        ] {
            let mut out = Vec::new();
            put_str_lossy(&mut out, bytes);
            let expected = serde_json::to_vec(&String::from_utf8_lossy(bytes)).unwrap();
            assert_eq!(out, expected, "{bytes:?}");
        }
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
