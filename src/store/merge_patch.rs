//! RFC 7396 JSON merge patch, for `PATCH /api/v1/contacts/{id}/custom-fields` (D18).

use serde_json::{Map, Value};

/// Applies `patch` to `target`: a `null` member deletes the key, an object member merges
/// into an object (recursively), anything else replaces.
pub(crate) fn apply_merge_patch(target: &mut Map<String, Value>, patch: Map<String, Value>) {
    for (key, value) in patch {
        match value {
            Value::Null => {
                target.shift_remove(&key);
            }
            Value::Object(inner) => {
                let slot = target
                    .entry(key)
                    .or_insert_with(|| Value::Object(Map::new()));
                if !slot.is_object() {
                    *slot = Value::Object(Map::new());
                }
                if let Value::Object(existing) = slot {
                    apply_merge_patch(existing, inner);
                }
            }
            other => {
                target.insert(key, other);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn merged(target: Value, patch: Value) -> Value {
        let (Value::Object(mut target), Value::Object(patch)) = (target, patch) else {
            panic!("objects")
        };
        apply_merge_patch(&mut target, patch);
        Value::Object(target)
    }

    #[test]
    fn the_rfc_7396_examples_hold() {
        assert_eq!(
            merged(json!({"a": "b"}), json!({"a": "c"})),
            json!({"a": "c"})
        );
        assert_eq!(
            merged(json!({"a": "b"}), json!({"b": "c"})),
            json!({"a": "b", "b": "c"})
        );
        assert_eq!(merged(json!({"a": "b"}), json!({"a": null})), json!({}));
        assert_eq!(
            merged(
                json!({"a": {"b": "c"}}),
                json!({"a": {"b": "d", "c": null}})
            ),
            json!({"a": {"b": "d"}})
        );
        assert_eq!(
            merged(json!({"a": [{"b": "c"}]}), json!({"a": [1]})),
            json!({"a": [1]})
        );
        assert_eq!(
            merged(json!({"a": "foo"}), json!({"a": {"bb": {"ccc": null}}})),
            json!({"a": {"bb": {}}})
        );
    }
}
