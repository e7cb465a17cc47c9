//! What an exchange changed in the resource it updated: `changes` on the recorded exchange,
//! field by field, `{"status": {"before": "active", "after": "inactive"}}`, kept as the JSON
//! text the journal writes.
//!
//! Worked out from the resource's JSON before and after the update, as the API sends it.
//! Most updates of a busy client set what is already set, and then the two texts differ in
//! `updated_at` alone: that is found by comparing bytes, and its `changes` written from the
//! two timestamps' text, without parsing either (as a `Value`, 5 100 instructions of the
//! seed PATCH's 41 500).

use serde_json::{Map, Value, json};

/// The JSON text of an exchange's `changes`: an object, written only by this module, so
/// that the journal copies it as it is. (A `RawValue` would parse its text again to check
/// it: 1 500 instructions for the timestamps' two strings.)
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Changes(Box<str>);

impl Changes {
    /// The JSON text.
    pub fn as_json(&self) -> &str {
        &self.0
    }
}

/// The key a contact's JSON ends with; everything before it is the contact's fields.
const LAST_KEY: &[u8] = b",\"updated_at\":";

/// The fields that differ between `before` and `after` (two JSON objects), each with its
/// two values; `None` when nothing differs or either is not an object.
pub(crate) fn between(before: &[u8], after: &[u8]) -> Option<Changes> {
    if before == after {
        return None;
    }
    if let (Some((head_before, was)), Some((head_after, now))) =
        (split_last_key(before), split_last_key(after))
    {
        if head_before == head_after {
            let mut text = String::with_capacity(40 + was.len() + now.len());
            text.push_str("{\"updated_at\":{\"before\":");
            text.push_str(was);
            text.push_str(",\"after\":");
            text.push_str(now);
            text.push_str("}}");
            return Some(Changes(text.into_boxed_str()));
        }
    }
    let (Ok(Value::Object(before)), Ok(Value::Object(after))) = (
        serde_json::from_slice::<Value>(before),
        serde_json::from_slice::<Value>(after),
    ) else {
        return None;
    };
    fields_between(&before, &after)
}

/// The fields that differ between `before` and `after`, two resources held as values (a
/// list, a segment), each with its two values; `None` when nothing differs or either is
/// not an object.
pub(crate) fn of_values(before: &Value, after: &Value) -> Option<Changes> {
    match (before, after) {
        (Value::Object(before), Value::Object(after)) => fields_between(before, after),
        _ => None,
    }
}

fn fields_between(before: &Map<String, Value>, after: &Map<String, Value>) -> Option<Changes> {
    let mut changed = Map::new();
    for (field, now) in after {
        let was = before.get(field).unwrap_or(&Value::Null);
        if was != now {
            changed.insert(field.clone(), json!({ "before": was, "after": now }));
        }
    }
    for (field, was) in before {
        if !after.contains_key(field) {
            changed.insert(
                field.clone(),
                json!({ "before": was, "after": Value::Null }),
            );
        }
    }
    (!changed.is_empty()).then(|| {
        Changes(
            serde_json::to_string(&changed)
                .expect("a JSON map serialises")
                .into_boxed_str(),
        )
    })
}

/// A contact's JSON cut before its last key, `updated_at`, and that key's value: a string
/// without escapes or control characters, as the mock writes a timestamp (so that the
/// value is JSON as it stands). The value holds no comma, so the key
/// follows the last one.
fn split_last_key(json: &[u8]) -> Option<(&[u8], &str)> {
    let at = memchr::memrchr(b',', json)?;
    let (head, tail) = json.split_at(at);
    let value = tail.strip_prefix(LAST_KEY)?.strip_suffix(b"}")?;
    let text = value.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
    if text
        .iter()
        .any(|byte| matches!(byte, b'"' | b'\\') || byte.is_ascii_control())
    {
        return None;
    }
    Some((head, std::str::from_utf8(value).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn between(before: &[u8], after: &[u8]) -> Option<Value> {
        super::between(before, after).map(|text| serde_json::from_str(text.as_json()).unwrap())
    }

    #[test]
    fn only_the_fields_that_differ_are_listed_with_both_values() {
        let before =
            br#"{"id":"x","status":"active","tags":[],"updated_at":"2025-01-01T00:00:00.000Z"}"#;
        let after = br#"{"id":"x","status":"inactive","tags":[{"name":"VIP"}],"updated_at":"2025-06-15T14:30:00.000Z"}"#;
        assert_eq!(
            between(before, after),
            Some(json!({
                "status": { "before": "active", "after": "inactive" },
                "tags": { "before": [], "after": [{ "name": "VIP" }] },
                "updated_at": { "before": "2025-01-01T00:00:00.000Z", "after": "2025-06-15T14:30:00.000Z" },
            }))
        );
    }

    #[test]
    fn an_update_that_set_what_was_set_moves_only_updated_at() {
        let before = br#"{"id":"x","status":"active","updated_at":"2025-01-01T00:00:00.000Z"}"#;
        let after = br#"{"id":"x","status":"active","updated_at":"2025-06-15T14:30:00.000Z"}"#;
        assert_eq!(
            between(before, after),
            Some(
                json!({ "updated_at": { "before": "2025-01-01T00:00:00.000Z", "after": "2025-06-15T14:30:00.000Z" } })
            )
        );
        assert_eq!(between(after, after), None);
    }

    #[test]
    fn updated_at_alone_is_written_as_its_value_would_be() {
        let before = br#"{"id":"x","updated_at":"2025-01-01T00:00:00.000Z"}"#;
        let after = br#"{"id":"x","updated_at":"2025-06-15T14:30:00.000Z"}"#;
        let written = super::between(before, after).unwrap();
        let value = json!({ "updated_at": { "before": "2025-01-01T00:00:00.000Z", "after": "2025-06-15T14:30:00.000Z" } });
        assert_eq!(written.as_json(), serde_json::to_string(&value).unwrap());
    }

    #[test]
    fn a_last_value_that_is_not_a_plain_string_is_compared_as_json() {
        let escaped = br#"{"id":"x","updated_at":"a\"b"}"#;
        let plain = br#"{"id":"x","updated_at":"a,b"}"#;
        let null = br#"{"id":"x","updated_at":null}"#;
        assert_eq!(
            between(escaped, null),
            Some(json!({ "updated_at": { "before": "a\"b", "after": null } }))
        );
        assert_eq!(
            between(plain, null),
            Some(json!({ "updated_at": { "before": "a,b", "after": null } }))
        );
    }

    #[test]
    fn a_removed_field_and_a_nested_updated_at_are_told_apart() {
        let before = br#"{"id":"x","custom_fields":{"updated_at":"a"},"note":"n","updated_at":"2025-01-01T00:00:00.000Z"}"#;
        let after = br#"{"id":"x","custom_fields":{"updated_at":"b"},"updated_at":"2025-01-01T00:00:00.000Z"}"#;
        assert_eq!(
            between(before, after),
            Some(json!({
                "custom_fields": { "before": { "updated_at": "a" }, "after": { "updated_at": "b" } },
                "note": { "before": "n", "after": null },
            }))
        );
        assert_eq!(between(b"[1]", b"[2]"), None, "not objects");
    }
}
