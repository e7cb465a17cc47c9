//! A contact's custom fields (D18), held as their compact JSON text.
//!
//! A store may hold 100 000 contacts with a few custom fields each. As a `serde_json::Map`
//! (an `IndexMap`: its entries, its hash table, a `String` per key and per text value) three
//! fields took ~480 bytes a contact; as one boxed JSON text they take ~64 (BENCHMARKS.md,
//! "Scale"). They are read whole (a contact's JSON, `GET …/custom-fields`) far more often
//! than one by one (a segment rule), and changed only by a PATCH, which replaces them whole,
//! or a merge, which parses them.

use serde::de::{self, Deserialize, Deserializer};
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
        Self(Some(
            serde_json::value::to_raw_value(map).expect("a map of JSON values serialises"),
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

/// Custom fields read from any JSON document straight into their text, no map built between
/// (start-up reads 100 000 fixture contacts' this way). The text is what [`CustomFields::from_map`]
/// writes of the same object, members in the order read; a key twice would be written
/// twice, so read it from a document that holds each key once (a `Value`, an in-place
/// document).
impl<'de> Deserialize<'de> for CustomFields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = serde_json::value::to_raw_value(&serde_transcode::Transcoder::new(deserializer))
            .map_err(de::Error::custom)?;
        match text.get() {
            "{}" => Ok(Self(None)),
            object if object.starts_with('{') => Ok(Self(Some(text))),
            _ => Err(de::Error::custom("custom fields are an object")),
        }
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
    fn fields_read_from_a_document_are_written_as_from_its_map() {
        let document =
            json!({"b": "x\"y", "a": [1, -2, 2.5, 1e20, {"c": true}], "e": null, "é": {}});
        let read: CustomFields = serde_json::from_value(document.clone()).unwrap();
        assert_eq!(read, fields(document));
        let text = r#"{"n": 0.1, "big": 18446744073709551615, "s": "\u00e9\n"}"#;
        let from_text: CustomFields = serde_json::from_str(text).unwrap();
        assert_eq!(from_text, fields(serde_json::from_str(text).unwrap()));
        // As start-up reads them: from the in-place tree of a fixture contact.
        let text = r#"{"r\u00e9gion": "x", "n": [0.5, -3, 1e2, {"deep": [null, true]}], "big": 18446744073709551615}"#;
        let in_place = crate::schema::InPlace::parse(text).unwrap();
        assert_eq!(
            CustomFields::deserialize(&in_place).unwrap(),
            fields(serde_json::from_str(text).unwrap())
        );
        let empty: CustomFields = serde_json::from_str("{ }").unwrap();
        assert!(empty.is_empty());
        assert!(serde_json::from_str::<CustomFields>("[1]").is_err());
        assert!(serde_json::from_str::<CustomFields>("\"plan\"").is_err());
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
