//! Writing JSON by hand, where serde_json's cost per value shows: every response body and
//! every journal entry is mostly short strings (keys, ids, names, header values), and a
//! serializer per string costs more than the string. These helpers write exactly what
//! serde_json writes.

use hyper::header::HeaderName;
use serde::Serialize;
use uuid::Uuid;

/// Appends `value` as JSON, through serde_json.
pub(crate) fn put(out: &mut Vec<u8>, value: &(impl Serialize + ?Sized)) {
    serde_json::to_writer(out, value).expect("plain values serialise into a Vec");
}

/// Appends `text` as a JSON string, byte for byte as serde_json writes it. Most strings
/// have nothing to escape: those are copied as they are; the rest go through serde_json.
pub(crate) fn put_str(out: &mut Vec<u8>, text: &str) {
    if !any_flagged(text.as_bytes(), escapes_in) {
        put_plain(out, text.as_bytes());
    } else {
        put(out, text);
    }
}

/// Appends `bytes` as a JSON string, any invalid UTF-8 replaced by U+FFFD (as
/// [`String::from_utf8_lossy`] does): for header values, which are bytes, and nearly always
/// plain ASCII, copied as they are.
pub(crate) fn put_str_lossy(out: &mut Vec<u8>, bytes: &[u8]) {
    if !any_flagged(bytes, |word| escapes_in(word) | word & each(0x80)) {
        put_plain(out, bytes);
    } else {
        put_str(out, &String::from_utf8_lossy(bytes));
    }
}

/// Appends `name`, the text of a [`HeaderName`], as a JSON string: a header name is made
/// of lowercase token characters, none of which JSON escapes.
pub(crate) fn put_header_name(out: &mut Vec<u8>, name: &str) {
    debug_assert!(HeaderName::from_bytes(name.as_bytes()).is_ok_and(|n| n == name));
    put_plain(out, name.as_bytes());
}

/// Whether `flags` finds anything in `bytes`, looked at eight bytes at a time: most strings
/// are a few dozen bytes, and looking at them a byte at a time cost more than copying them.
/// A short tail is padded with spaces, which nothing flags.
fn any_flagged(bytes: &[u8], flags: impl Fn(u64) -> u64) -> bool {
    let mut words = bytes.chunks_exact(8);
    let mut found = 0;
    for word in &mut words {
        found |= flags(u64::from_le_bytes(word.try_into().expect("eight bytes")));
    }
    let mut last = each(b' ');
    for &byte in words.remainder().iter().rev() {
        last = last << 8 | u64::from(byte);
    }
    found | flags(last) != 0
}

/// Non-zero when a byte of `word` is below 0x20, `"` or `\`: what serde_json escapes. The
/// classic bit tricks: the top bit of a byte survives `(b - n) & !b` only when `b < n`
/// (n ≤ 0x80), and a byte equal to `c` is a zero byte of `word ^ c…c`. A borrow can only
/// flag bytes above one that is truly flagged, so "is any flagged" is exact.
fn escapes_in(word: u64) -> u64 {
    let below = |word: u64, n: u8| word.wrapping_sub(each(n)) & !word;
    (below(word, 0x20) | below(word ^ each(b'"'), 1) | below(word ^ each(b'\\'), 1)) & each(0x80)
}

/// `byte` in each of a word's eight bytes.
const fn each(byte: u8) -> u64 {
    u64::from_ne_bytes([byte; 8])
}

/// `"bytes"`, for bytes that need no escaping.
fn put_plain(out: &mut Vec<u8>, bytes: &[u8]) {
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    out.extend_from_slice(bytes);
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

    #[test]
    fn every_byte_that_needs_escaping_is_found_wherever_it_is() {
        for len in 1..=17 {
            for at in 0..len {
                for byte in 0..=u8::MAX {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = byte;
                    let escaped = byte < 0x20 || byte == b'"' || byte == b'\\';
                    assert_eq!(
                        any_flagged(&bytes, escapes_in),
                        escaped,
                        "{byte:#x} at {at} of {len}"
                    );
                }
            }
        }
        assert!(!any_flagged(b"", escapes_in));
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
