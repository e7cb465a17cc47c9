//! Writing JSON by hand, where serde_json's cost per value shows: every response body and
//! every journal entry is mostly short strings (keys, ids, names, header values), and a
//! serializer per string costs more than the string. These helpers write exactly what
//! serde_json writes.

use serde::Serialize;
use uuid::Uuid;

/// Appends `value` as JSON, through serde_json.
pub fn put(out: &mut Vec<u8>, value: &(impl Serialize + ?Sized)) {
    serde_json::to_writer(out, value).expect("plain values serialise into a Vec");
}

/// Appends `text` as a JSON string, byte for byte as serde_json writes it. Most strings
/// have nothing to escape: those are copied as they are; the rest go through serde_json.
pub fn put_str(out: &mut Vec<u8>, text: &str) {
    if text
        .bytes()
        .all(|byte| byte >= 0x20 && byte != b'"' && byte != b'\\')
    {
        out.reserve(text.len() + 2);
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    } else {
        put(out, text);
    }
}

/// Appends `text` as a JSON string, or `null`.
pub fn put_opt_str(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        Some(text) => put_str(out, text),
        None => out.extend_from_slice(b"null"),
    }
}

/// Appends a JSON array of `items`, each written by `write`.
pub fn put_array<T>(
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
pub fn put_uuid(out: &mut Vec<u8>, id: &Uuid) {
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
