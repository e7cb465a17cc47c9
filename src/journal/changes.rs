//! What an exchange changed in the resource it updated: `changes` on the recorded exchange,
//! field by field, `{"status": {"before": "active", "after": "inactive"}}`, kept as the JSON
//! text the journal writes.
//!
//! Most updates of a busy client set what is already set, and then a contact keeps the
//! JSON it had and only `updated_at` moves: that is told by the kept JSON being the same,
//! and its `changes` written from the two timestamps (built as a `Value` and compared
//! from two copies of the contact's JSON, 6 000 instructions of the seed PATCH's 41 500).
//! Any other change is found by comparing the two JSON documents field by field.

use serde_json::{Map, Value, json};

use crate::clock::Timestamp;
use crate::store::contact::Written;

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

/// What an update changed in a contact, written `before` and `after` it; `None` when
/// nothing did.
pub(crate) fn of_contact(before: &Written, after: &Written) -> Option<Changes> {
    if !before.same_fields(after) {
        return between(&before.json(), &after.json());
    }
    let (was, now) = (before.updated_at(), after.updated_at());
    (was != now).then(|| updated_at_moved(was, now))
}

/// `{"updated_at":{"before":…,"after":…}}`.
fn updated_at_moved(was: Timestamp, now: Timestamp) -> Changes {
    let mut text = Vec::with_capacity(96);
    text.extend_from_slice(b"{\"updated_at\":{\"before\":");
    was.write_json(&mut text);
    text.extend_from_slice(b",\"after\":");
    now.write_json(&mut text);
    text.extend_from_slice(b"}}");
    Changes(
        String::from_utf8(text)
            .expect("a timestamp is ASCII")
            .into_boxed_str(),
    )
}

/// The fields that differ between `before` and `after` (two JSON objects), each with its
/// two values; `None` when nothing differs or either is not an object.
pub(crate) fn between(before: &[u8], after: &[u8]) -> Option<Changes> {
    if before == after {
        return None;
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
        let (was, now) = (
            Timestamp::parse("2025-01-01T00:00:00.000Z").unwrap(),
            Timestamp::parse("2025-06-15T14:30:00.000Z").unwrap(),
        );
        let value = json!({ "updated_at": { "before": "2025-01-01T00:00:00.000Z", "after": "2025-06-15T14:30:00.000Z" } });
        assert_eq!(
            updated_at_moved(was, now).as_json(),
            serde_json::to_string(&value).unwrap()
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
