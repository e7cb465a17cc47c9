//! A JSON document read in place, for the schema validator: strings borrowed from the text
//! (copied only when they hold an escape), an object's members in one `Vec`, its keys hashed
//! only to find a repeat among more than 32.
//!
//! `contacts.json` of 100 000 contacts is checked item by item at start-up. Parsed into
//! `serde_json::Value` (an `IndexMap` per object, a `String` per key and value), an item
//! cost 6.8 µs to parse and 2.0 µs to validate; read in place, 2.8 µs and 1.9 µs
//! (BENCHMARKS.md, "Scale"). A document with a key twice is not read in place (an error):
//! the caller judges it as a `Value`. jsonschema validates any representation that implements its
//! `json` traits (`options_for`); this is one, to the crate's documented contract.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use jsonschema::JsonType;
use jsonschema::json::{Array, Json, Node, NodeIdentity, Object};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// One JSON value of a document whose text outlives it.
#[derive(Debug, PartialEq)]
pub enum InPlace<'a> {
    /// `null`
    Null,
    /// `true`, `false`
    Bool(bool),
    /// A number, as serde_json reads it.
    Number(Number),
    /// A string, borrowed unless it held an escape.
    String(Cow<'a, str>),
    /// An array.
    Array(Vec<InPlace<'a>>),
    /// An object's members, in the text's order, each key once.
    Object(Vec<(Cow<'a, str>, InPlace<'a>)>),
}

impl<'a> InPlace<'a> {
    /// The document `text` holds.
    pub fn parse(text: &'a str) -> serde_json::Result<Self> {
        Self::parse_with(text, &mut Scratch::default())
    }

    /// The document `text` holds, read with `scratch`: one kept for many documents (the
    /// items of one file) grows once, not once a document.
    pub(crate) fn parse_with(text: &'a str, scratch: &mut Scratch<'a>) -> serde_json::Result<Self> {
        scratch.members.clear();
        scratch.items.clear();
        let mut reader = serde_json::Deserializer::from_str(text);
        let document = Seed(scratch).deserialize(&mut reader)?;
        reader.end()?;
        Ok(document)
    }

    /// `value` seen as a document read in place: its strings borrowed. For a reader of
    /// documents in place given a `Value` (a body with a key twice, a test).
    pub(crate) fn of(value: &'a Value) -> Self {
        match value {
            Value::Null => InPlace::Null,
            Value::Bool(flag) => InPlace::Bool(*flag),
            Value::Number(number) => InPlace::Number(number.clone()),
            Value::String(text) => InPlace::String(Cow::Borrowed(text)),
            Value::Array(items) => InPlace::Array(items.iter().map(InPlace::of).collect()),
            Value::Object(members) => InPlace::Object(
                members
                    .iter()
                    .map(|(name, value)| (Cow::Borrowed(name.as_str()), InPlace::of(value)))
                    .collect(),
            ),
        }
    }

    /// The same document as a `Value`: for error messages, which are rare.
    pub(crate) fn to_value(&self) -> Value {
        match self {
            InPlace::Null => Value::Null,
            InPlace::Bool(flag) => Value::Bool(*flag),
            InPlace::Number(number) => Value::Number(number.clone()),
            InPlace::String(text) => Value::String(text.as_ref().to_owned()),
            InPlace::Array(items) => Value::Array(items.iter().map(InPlace::to_value).collect()),
            InPlace::Object(members) => Value::Object(
                members
                    .iter()
                    .map(|(name, value)| (name.as_ref().to_owned(), value.to_value()))
                    .collect::<Map<_, _>>(),
            ),
        }
    }
}

/// The members and items of the objects and arrays being read, one stack of each for a
/// whole document: an object's members are moved off the top into a `Vec` of their number
/// once it ends. A `Vec` of its own grown member by member (0, 4, 8, 16, 32 for a contact's
/// ~20) was 11 % of the CPU of start-up.
#[derive(Default)]
pub(crate) struct Scratch<'a> {
    members: Vec<(Cow<'a, str>, InPlace<'a>)>,
    items: Vec<InPlace<'a>>,
}

/// Reads one value, its objects' members and arrays' items on the scratch stacks.
struct Seed<'s, 'a>(&'s mut Scratch<'a>);

impl<'de> DeserializeSeed<'de> for Seed<'_, 'de> {
    type Value = InPlace<'de>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_, 'de> {
    type Value = InPlace<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(InPlace::Null)
    }

    fn visit_bool<E>(self, flag: bool) -> Result<Self::Value, E> {
        Ok(InPlace::Bool(flag))
    }

    fn visit_u64<E>(self, number: u64) -> Result<Self::Value, E> {
        Ok(InPlace::Number(number.into()))
    }

    fn visit_i64<E>(self, number: i64) -> Result<Self::Value, E> {
        Ok(InPlace::Number(number.into()))
    }

    fn visit_f64<E>(self, number: f64) -> Result<Self::Value, E> {
        // serde_json reads only finite numbers, as `Value` does.
        Ok(Number::from_f64(number).map_or(InPlace::Null, InPlace::Number))
    }

    fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(InPlace::String(Cow::Borrowed(text)))
    }

    fn visit_str<E>(self, text: &str) -> Result<Self::Value, E> {
        Ok(InPlace::String(Cow::Owned(text.to_owned())))
    }

    fn visit_string<E>(self, text: String) -> Result<Self::Value, E> {
        Ok(InPlace::String(Cow::Owned(text)))
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Self::Value, S::Error> {
        let start = self.0.items.len();
        while let Some(item) = seq.next_element_seed(Seed(&mut *self.0))? {
            self.0.items.push(item);
        }
        Ok(InPlace::Array(self.0.items.drain(start..).collect()))
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
        /// Up to this many members, a key is looked for among those before it by a scan: a
        /// contact has ~20, and hashing them (with SipHash) was 7 % of start-up's CPU.
        /// Beyond, a set seeded per process: a captured body is someone else's text.
        const SCANNED: usize = 32;
        let start = self.0.members.len();
        let mut names = HashSet::with_hasher(foldhash::fast::RandomState::default());
        while let Some(Name(name)) = map.next_key::<Name<'de>>()? {
            // A key twice: `Value` keeps the last, its members would show both. Refused, so
            // that such a document is judged as a `Value` (`Schema::is_valid_in_place`).
            let before = &self.0.members[start..];
            let twice = if before.len() < SCANNED {
                before.iter().any(|(seen, _)| *seen == name)
            } else {
                if names.is_empty() {
                    names.extend(before.iter().map(|(seen, _)| seen.clone()));
                }
                !names.insert(name.clone())
            };
            if twice {
                return Err(de::Error::custom(format_args!(
                    "the key {name:?} appears twice"
                )));
            }
            let value = map.next_value_seed(Seed(&mut *self.0))?;
            self.0.members.push((name, value));
        }
        Ok(InPlace::Object(self.0.members.drain(start..).collect()))
    }
}

/// An object key, borrowed unless it held an escape.
struct Name<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Name<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match deserializer.deserialize_str(Seed(&mut Scratch::default()))? {
            InPlace::String(text) => Ok(Name(text)),
            _ => Err(de::Error::custom("an object key must be a string")),
        }
    }
}

/// A document read in place is decoded the way `serde_json::from_value` decodes its
/// `Value`, from the tree rather than its text: start-up decodes each contact of
/// `contacts.json` from the tree its schema check read, instead of reading the item again.
impl<'de, 'a: 'de> de::Deserializer<'de> for &'de InPlace<'a> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> serde_json::Result<V::Value> {
        match self {
            InPlace::Null => visitor.visit_unit(),
            InPlace::Bool(flag) => visitor.visit_bool(*flag),
            InPlace::Number(number) => number.deserialize_any(visitor),
            InPlace::String(text) => visitor.visit_borrowed_str(text),
            InPlace::Array(items) => {
                let mut items = de::value::SeqDeserializer::new(items.iter());
                let value = visitor.visit_seq(&mut items)?;
                items.end()?;
                Ok(value)
            }
            InPlace::Object(members) => {
                let mut members = de::value::MapDeserializer::new(
                    members.iter().map(|(name, value)| (name.as_ref(), value)),
                );
                let value = visitor.visit_map(&mut members)?;
                members.end()?;
                Ok(value)
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> serde_json::Result<V::Value> {
        match self {
            InPlace::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> serde_json::Result<V::Value> {
        match self {
            InPlace::String(text) => {
                visitor.visit_enum(de::IntoDeserializer::into_deserializer(text.as_ref()))
            }
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> serde_json::Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct identifier
        ignored_any
    }
}

impl<'de, 'a: 'de> de::IntoDeserializer<'de, serde_json::Error> for &'de InPlace<'a> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

/// The representation for jsonschema's `options_for`.
pub struct InPlaceJson;

impl Json for InPlaceJson {
    type Node<'a> = &'a InPlace<'a>;
    type PreparedKey = String;
    type StringBuffer = ();

    // A tree: no node is its own descendant.
    const ACYCLIC: bool = true;

    fn prepare_key(key: &str) -> String {
        key.to_owned()
    }

    fn with_string_node<T>((): &mut (), string: &str, f: impl FnOnce(Self::Node<'_>) -> T) -> T {
        f(&InPlace::String(Cow::Borrowed(string)))
    }
}

impl<'a> Node<'a, InPlaceJson> for &'a InPlace<'a> {
    type Object = Members<'a>;
    type Array = &'a [InPlace<'a>];
    type Number = &'a Number;

    fn as_object(&self) -> Option<Members<'a>> {
        match self {
            InPlace::Object(members) => Some(Members(members)),
            _ => None,
        }
    }

    fn as_array(&self) -> Option<&'a [InPlace<'a>]> {
        match self {
            InPlace::Array(items) => Some(items),
            _ => None,
        }
    }

    fn as_string(&self) -> Option<Cow<'a, str>> {
        match self {
            InPlace::String(text) => Some(Cow::Borrowed(text.as_ref())),
            _ => None,
        }
    }

    fn as_number(&self) -> Option<&'a Number> {
        match self {
            InPlace::Number(number) => Some(number),
            _ => None,
        }
    }

    fn as_boolean(&self) -> Option<bool> {
        match self {
            InPlace::Bool(flag) => Some(*flag),
            _ => None,
        }
    }

    fn is_null(&self) -> bool {
        matches!(self, InPlace::Null)
    }

    fn json_type(&self) -> JsonType {
        match self {
            InPlace::Null => JsonType::Null,
            InPlace::Bool(_) => JsonType::Boolean,
            InPlace::Number(_) => JsonType::Number,
            InPlace::String(_) => JsonType::String,
            InPlace::Array(_) => JsonType::Array,
            InPlace::Object(_) => JsonType::Object,
        }
    }

    fn equals_value(&self, expected: &Value) -> bool {
        // `enum` and `const` of strings (a status) without building a `Value`.
        match (self, expected) {
            (InPlace::String(text), Value::String(other)) => text == other,
            (InPlace::String(_), _) => false,
            _ => jsonschema::json::cmp::equal(&self.to_value(), expected),
        }
    }

    fn to_value(&self) -> Cow<'a, Value> {
        Cow::Owned(InPlace::to_value(self))
    }

    fn identity(&self) -> Option<NodeIdentity> {
        Some(NodeIdentity::new(
            std::ptr::from_ref::<InPlace<'_>>(*self) as usize
        ))
    }
}

/// An object's members, looked up by a scan: a contact has ~20, and a scan of borrowed
/// names costs less than hashing.
#[derive(Clone, Copy)]
pub struct Members<'a>(&'a [(Cow<'a, str>, InPlace<'a>)]);

impl<'a> Object<'a, InPlaceJson> for Members<'a> {
    type Node = &'a InPlace<'a>;
    type MemberName = &'a str;
    type MembersIter = MembersIter<'a>;

    fn len(&self) -> usize {
        self.0.len()
    }

    fn get(&self, key: &String) -> Option<&'a InPlace<'a>> {
        self.0
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value)
    }

    fn members(&self) -> MembersIter<'a> {
        MembersIter(self.0.iter())
    }
}

/// The members of an object, in order.
pub struct MembersIter<'a>(std::slice::Iter<'a, (Cow<'a, str>, InPlace<'a>)>);

impl<'a> Iterator for MembersIter<'a> {
    type Item = (&'a str, &'a InPlace<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(name, value)| (name.as_ref(), value))
    }
}

impl<'a> Array<'a, InPlaceJson> for &'a [InPlace<'a>] {
    type Node = &'a InPlace<'a>;
    type ElementsIter = std::slice::Iter<'a, InPlace<'a>>;

    fn len(&self) -> usize {
        <[InPlace<'a>]>::len(self)
    }

    fn elements(&self) -> std::slice::Iter<'a, InPlace<'a>> {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::schema::SchemaRegistry;

    #[test]
    fn the_representation_keeps_jsonschema_s_contract() {
        let text = jsonschema::json::conformance::document().to_string();
        let document = InPlace::parse(&text).unwrap();
        jsonschema::json::conformance::assert_conformance::<InPlaceJson>(&&document);
    }

    #[test]
    fn strings_are_borrowed_unless_they_hold_an_escape() {
        let text = r#"{"plain": "a", "escaped": "a\nb", "k\u00e9y": [1, -2, 2.5, true, null]}"#;
        let InPlace::Object(members) = InPlace::parse(text).unwrap() else {
            panic!("an object")
        };
        assert!(matches!(&members[0].1, InPlace::String(Cow::Borrowed("a"))));
        assert!(matches!(&members[1].1, InPlace::String(Cow::Owned(text)) if text == "a\nb"));
        assert_eq!(members[2].0, "kéy");
        let value: Value = serde_json::from_str(text).unwrap();
        assert_eq!(InPlace::parse(text).unwrap().to_value(), value);
        let twice = InPlace::parse(r#"{"a": {"b": 1, "b": 2}}"#).unwrap_err();
        assert!(twice.to_string().contains("\"b\" appears twice"), "{twice}");
        // Past the members a scan looks through, a set tells the same.
        let many = |last: &str| {
            let keys: Vec<String> = (0..40).map(|n| format!("\"k{n}\": {n}")).collect();
            format!("{{{}, \"{last}\": 0}}", keys.join(", "))
        };
        assert!(InPlace::parse(&many("k3")).is_err());
        assert!(InPlace::parse(&many("k39")).is_err());
        assert!(InPlace::parse(&many("other")).is_ok());
    }

    #[test]
    fn a_document_read_in_place_decodes_as_its_value_does() {
        #[derive(Debug, PartialEq, Deserialize)]
        #[serde(rename_all = "lowercase")]
        enum Kind {
            Person,
            Company,
        }
        #[derive(Debug, PartialEq, Deserialize)]
        struct Seats(u32);
        #[derive(Debug, PartialEq, Deserialize)]
        struct Record {
            id: uuid::Uuid,
            kind: Kind,
            note: Option<String>,
            gone: Option<String>,
            tags: Vec<String>,
            seats: Seats,
            rest: Map<String, Value>,
            ratio: f64,
        }
        let decoded = |text: &str| {
            let in_place = InPlace::parse(text).unwrap();
            let value: Value = serde_json::from_str(text).unwrap();
            (
                Record::deserialize(&in_place).map_err(|err| err.to_string()),
                serde_json::from_value::<Record>(value).map_err(|err| err.to_string()),
            )
        };
        let text = r#"{"id": "a1b2c3d4-e5f6-4789-abcd-ef1234567890", "kind": "company",
            "note": null, "tags": ["a", "b\n"], "seats": 7,
            "rest": {"x": [1, {"y": null}], "z": -2.5}, "ratio": 0.5}"#;
        let (in_place, from_value) = decoded(text);
        assert_eq!(in_place, from_value);
        let record = in_place.unwrap();
        assert_eq!(
            (record.kind, record.note, record.gone),
            (Kind::Company, None, None)
        );
        assert_eq!(record.tags, ["a", "b\n"]);
        assert_eq!(record.rest["x"], json!([1, {"y": null}]));
        let wrong = [
            ("kind", json!(3)),
            ("kind", json!("robot")),
            ("seats", json!(-1)),
            ("tags", json!("a")),
        ];
        for (field, value) in wrong {
            let mut changed: Value = serde_json::from_str(text).unwrap();
            changed[field] = value;
            let (in_place, from_value) = decoded(&changed.to_string());
            assert!(
                in_place.is_err() && from_value.is_err(),
                "{changed}: {in_place:?}"
            );
        }
    }

    #[test]
    fn a_schema_judges_a_document_read_in_place_as_it_judges_its_value() {
        let schemas = SchemaRegistry::compile().unwrap();
        let schema = &schemas.contact_fixture;
        let contact = json!({
            "id": "a1b2c3d4-e5f6-4789-abcd-ef1234567890",
            "project_id": "3f6c2a91-8d4e-4b7a-9c15-2e8f0d6b4a73",
            "name": "Jane", "email": "jane@example.com", "status": "active",
            "custom_fields": {"plan": "pro", "seats": 3}, "tags": ["VIP"],
            "created_at": "2025-01-01T00:00:00.000Z"
        });
        let mut cases = vec![contact.clone()];
        for (field, value) in [
            ("status", json!("deleted")),
            ("status", json!(3)),
            ("email", json!("jane@")),
            ("id", json!("not-a-uuid")),
            ("created_at", json!("yesterday")),
            ("tags", json!("VIP")),
            ("custom_fields", json!([])),
            ("surprise", json!(true)),
            ("phone", json!(null)),
        ] {
            let mut changed = contact.clone();
            changed[field] = value;
            cases.push(changed);
        }
        let mut missing = contact.clone();
        missing.as_object_mut().unwrap().remove("email");
        cases.push(missing);
        let mut valid = 0;
        for case in &cases {
            let text = case.to_string();
            let in_place = InPlace::parse(&text).unwrap();
            assert_eq!(
                schema.is_valid_in_place(&in_place),
                schema.is_valid(case),
                "{text}"
            );
            valid += usize::from(schema.is_valid(case));
        }
        assert!(
            valid >= 1 && valid < cases.len(),
            "{valid} of {} valid",
            cases.len()
        );
    }
}
