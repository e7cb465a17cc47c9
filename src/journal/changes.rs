//! What an exchange changed in the resource it updated: `changes` on the recorded exchange,
//! field by field, `{"status": {"before": "active", "after": "inactive"}}`.
//!
//! Worked out from the resource's JSON before and after the update, as the API sends it.
//! Most updates of a busy client set what is already set, and then the two texts differ in
//! `updated_at` alone: that is found by comparing bytes, without parsing either.

use serde_json::{Map, Value, json};

/// The key a contact's JSON ends with; everything before it is the contact's fields.
const LAST_KEY: &[u8] = b",\"updated_at\":";

/// The fields that differ between `before` and `after` (two JSON objects), each with its
/// two values; `None` when nothing differs or either is not an object.
pub(crate) fn between(before: &[u8], after: &[u8]) -> Option<Value> {
    if before == after {
        return None;
    }
    if let (Some((head_before, tail_before)), Some((head_after, tail_after))) =
        (split_last_key(before), split_last_key(after))
    {
        let value = |tail: &[u8]| -> Option<Value> {
            let text = tail.get(LAST_KEY.len()..tail.len().checked_sub(1)?)?;
            serde_json::from_slice(text).ok()
        };
        if head_before == head_after {
            if let (Some(was), Some(now)) = (value(tail_before), value(tail_after)) {
                return Some(json!({ "updated_at": { "before": was, "after": now } }));
            }
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
pub(crate) fn of_values(before: &Value, after: &Value) -> Option<Value> {
    match (before, after) {
        (Value::Object(before), Value::Object(after)) => fields_between(before, after),
        _ => None,
    }
}

fn fields_between(before: &Map<String, Value>, after: &Map<String, Value>) -> Option<Value> {
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
    (!changed.is_empty()).then_some(Value::Object(changed))
}

/// A contact's JSON cut before its last key, `updated_at`.
fn split_last_key(json: &[u8]) -> Option<(&[u8], &[u8])> {
    memchr::memmem::rfind(json, LAST_KEY).map(|at| json.split_at(at))
}

#[cfg(test)]
mod tests {
    use super::*;

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
