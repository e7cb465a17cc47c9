//! A contact's custom fields (D18), held as their compact JSON text.
//!
//! A store may hold 100 000 contacts with a few custom fields each. As a `serde_json::Map`
//! (an `IndexMap`: its entries, its hash table, a `String` per key and per text value) three
//! fields took ~480 bytes a contact; as one boxed JSON text they take ~64 (BENCHMARKS.md,
//! "Scale"). They are read whole (a contact's JSON, `GET …/custom-fields`) far more often
//! than one by one (a segment rule), and changed only by a PATCH, which replaces them whole,
//! or a merge, which parses them.

use serde::{Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// The custom fields of one contact: the JSON text of an object, written by `serde_json`
/// from a map (so each key once, in the map's order), or nothing for an empty object.
#[derive(Clone, Debug, Default)]
pub struct CustomFields(Option<Box<RawValue>>);

impl CustomFields {
    /// The fields of `map`, in its order.
    pub fn from_map(map: &Map<String, Value>) -> Self {
        if map.is_empty() {
            return Self(None);
        }
        let text = serde_json::to_string(map).expect("a map of JSON values serialises");
        Self(Some(
            RawValue::from_string(text).expect("serde_json writes valid JSON"),
        ))
    }

    /// The fields as a map, in their order.
    pub fn to_map(&self) -> Map<String, Value> {
        match &self.0 {
            None => Map::new(),
            Some(text) => serde_json::from_str(text.get()).expect("the text was written as JSON"),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// The value of field `key`, read from the text without building the others.
    pub fn get(&self, key: &str) -> Option<Value> {
        crate::json::member(self.0.as_ref()?.get(), key)
    }
}

impl PartialEq for CustomFields {
    /// Equal when written the same: the same fields in the same order, as the JSON shows them.
    fn eq(&self, other: &Self) -> bool {
        self.0.as_ref().map(|text| text.get()) == other.0.as_ref().map(|text| text.get())
    }
}

impl Serialize for CustomFields {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Some(text) => text.serialize(serializer),
            None => serializer.collect_map(std::iter::empty::<((), ())>()),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn fields(value: Value) -> CustomFields {
        CustomFields::from_map(value.as_object().unwrap())
    }

    #[test]
    fn the_fields_are_written_compact_in_their_order() {
        let written = fields(json!({"seats": 3, "plan": "pro", "nested": {"a": [1, null]}}));
        assert_eq!(
            serde_json::to_string(&written).unwrap(),
            r#"{"seats":3,"plan":"pro","nested":{"a":[1,null]}}"#
        );
        assert_eq!(serde_json::to_string(&fields(json!({}))).unwrap(), "{}");
        assert!(fields(json!({})).is_empty());
        assert!(!written.is_empty());
    }

    #[test]
    fn a_map_comes_back_as_it_went_in() {
        let map = json!({"b": "x", "a": [1, 2.5, {"c": true}], "e": null});
        assert_eq!(Value::Object(fields(map.clone()).to_map()), map);
        assert!(CustomFields::default().to_map().is_empty());
    }

    #[test]
    fn one_field_is_found_by_its_unescaped_name() {
        let written = fields(json!({"plan": "pro", "a\"b": 2, "nested": {"plan": "inner"}}));
        assert_eq!(written.get("plan"), Some(json!("pro")));
        assert_eq!(written.get("a\"b"), Some(json!(2)));
        assert_eq!(written.get("nested"), Some(json!({"plan": "inner"})));
        assert_eq!(written.get("missing"), None);
        assert_eq!(CustomFields::default().get("plan"), None);
    }

    #[test]
    fn fields_are_equal_when_written_alike() {
        assert_eq!(
            fields(json!({"a": 1, "b": 2})),
            fields(json!({"a": 1, "b": 2}))
        );
        assert_ne!(
            fields(json!({"a": 1, "b": 2})),
            fields(json!({"b": 2, "a": 1}))
        );
        assert_eq!(fields(json!({})), CustomFields::default());
    }
}
