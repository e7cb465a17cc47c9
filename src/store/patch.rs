//! A contact update (D6–D8) read from a validated request body, and its effect on a contact.
//!
//! Reading is separate from applying so that every check happens before any write (D11):
//! [`ContactPatch::from_body`] only reads, [`crate::store::Store::patch_contact`] checks what
//! depends on other records (e-mail uniqueness) and only then writes.

use serde_json::{Map, Value};

use crate::schema::InPlace;
use crate::store::contact::{Contact, OptionalField, Status};
use crate::store::custom_fields::CustomFields;

/// The fields one PATCH sends. `None` means "not sent".
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ContactPatch {
    /// `name`
    pub name: Option<String>,
    /// `email`
    pub email: Option<String>,
    /// `status`
    pub status: Option<Status>,
    /// Optional strings sent, with `None` clearing the field (lenient `null`, D7).
    pub optional: Vec<(OptionalField, Option<String>)>,
    /// `custom_fields`: replaces the whole object.
    pub custom_fields: Option<Map<String, Value>>,
    /// `tags`: names replacing every tag.
    pub tags: Option<Vec<String>>,
    /// `unsubscribed`
    pub unsubscribed: Option<bool>,
}

/// A body that does not have the shape of an update. The schema refuses these first, so
/// this only guards against a schema that drifted from the code.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("field \"{field}\" does not have the documented type")]
pub struct PatchError {
    /// The field at fault.
    pub field: String,
}

impl ContactPatch {
    /// Reads the documented fields of `body`, an object read in place (a `Value` is seen
    /// through [`InPlace::of`]); fields the contract does not know (accepted only in
    /// lenient mode) are skipped.
    pub fn from_body(body: &InPlace<'_>) -> Result<Self, PatchError> {
        let InPlace::Object(members) = body else {
            return Err(PatchError {
                field: String::new(),
            });
        };
        let mut patch = ContactPatch::default();
        for (field, value) in members {
            let mismatch = || PatchError {
                field: field.as_ref().to_owned(),
            };
            match (field.as_ref(), value) {
                ("name", InPlace::String(s)) => patch.name = Some(s.as_ref().to_owned()),
                ("email", InPlace::String(s)) => patch.email = Some(s.as_ref().to_owned()),
                ("status", InPlace::String(s)) => {
                    patch.status = Some(Status::from_name(s).ok_or_else(mismatch)?);
                }
                ("custom_fields", InPlace::Object(_)) => {
                    if let Value::Object(map) = value.to_value() {
                        patch.custom_fields = Some(map);
                    }
                }
                ("tags", InPlace::Array(items)) => {
                    let names = items
                        .iter()
                        .map(|item| match item {
                            InPlace::String(name) => Ok(name.as_ref().to_owned()),
                            _ => Err(mismatch()),
                        })
                        .collect::<Result<_, _>>()?;
                    patch.tags = Some(names);
                }
                ("unsubscribed", InPlace::Bool(flag)) => patch.unsubscribed = Some(*flag),
                (name, value) => match (OptionalField::from_name(name), value) {
                    (Some(slot), InPlace::String(s)) => {
                        patch.optional.push((slot, Some(s.as_ref().to_owned())));
                    }
                    (Some(slot), InPlace::Null) => patch.optional.push((slot, None)),
                    (None, _) if !is_documented(name) => {}
                    _ => return Err(mismatch()),
                },
            }
        }
        Ok(patch)
    }

    /// Whether the update sends no field at all (`{}`: nothing changes, D9).
    pub fn is_empty(&self) -> bool {
        *self == ContactPatch::default()
    }

    /// Writes every field but the tags (resolved by the store) onto `contact`, and says
    /// whether any of them changed: a contact that did not change keeps its JSON.
    pub(crate) fn apply_fields(self, contact: &mut Contact) -> bool {
        let mut changed = false;
        if let Some(name) = self.name {
            changed |= set(&mut contact.name, name);
        }
        if let Some(email) = self.email {
            changed |= set(&mut contact.email, email);
        }
        if let Some(status) = self.status {
            changed |= set(&mut contact.status, status);
        }
        for (field, value) in self.optional {
            changed |= set(contact.slot_mut(field), value.map(String::into_boxed_str));
        }
        if let Some(custom_fields) = self.custom_fields {
            // Compared as written, keys' order too: as the JSON shows them.
            changed |= set(
                &mut contact.custom_fields,
                CustomFields::from_map(&custom_fields),
            );
        }
        if let Some(flag) = self.unsubscribed {
            changed |= set(&mut contact.unsubscribed, flag);
        }
        changed
    }
}

/// Puts `value` in `slot`, and says whether that changed it.
pub(crate) fn set<T: PartialEq>(slot: &mut T, value: T) -> bool {
    let changed = *slot != value;
    if changed {
        *slot = value;
    }
    changed
}

fn is_documented(name: &str) -> bool {
    matches!(
        name,
        "name" | "email" | "status" | "custom_fields" | "tags" | "unsubscribed"
    ) || OptionalField::from_name(name).is_some()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read(body: Value) -> Result<ContactPatch, PatchError> {
        ContactPatch::from_body(&InPlace::of(&body))
    }

    #[test]
    fn only_the_sent_fields_are_read() {
        let patch = read(json!({"status": "inactive", "notes": "Churned after trial"})).unwrap();
        assert_eq!(patch.status, Some(Status::Inactive));
        assert_eq!(
            patch.optional,
            [(OptionalField::Notes, Some("Churned after trial".to_owned()))]
        );
        assert_eq!(patch.name, None);
        assert!(!patch.is_empty());
    }

    #[test]
    fn a_body_read_in_place_reads_as_its_value_does() {
        for text in [
            r#"{"status":"inactive","notes":"Churned after trial"}"#,
            r#"{"name":"J\u00e9r\u00f4me \"J\" O'Neil","email":"j@example.com","phone":null}"#,
            r#"{"custom_fields":{"plan":"pro","seats":3,"nested":{"a":[1,null]}},"tags":["vip","b\/c"]}"#,
            r#"{"unsubscribed":true,"favourite":{"x":1},"company":"Acme"}"#,
            r#"{"tags":[1]}"#,
            r#"{}"#,
        ] {
            let value: Value = serde_json::from_str(text).unwrap();
            let in_place = InPlace::parse(text).unwrap();
            assert_eq!(
                ContactPatch::from_body(&in_place),
                ContactPatch::from_body(&InPlace::of(&value)),
                "{text}"
            );
        }
    }

    #[test]
    fn an_empty_body_is_an_empty_patch() {
        assert!(read(json!({})).unwrap().is_empty());
    }

    #[test]
    fn a_null_optional_string_clears_it_and_unknown_fields_are_skipped() {
        let patch = read(json!({"phone": null, "favourite": 1})).unwrap();
        assert_eq!(patch.optional, [(OptionalField::Phone, None)]);
    }

    #[test]
    fn a_mistyped_documented_field_is_an_error() {
        assert_eq!(
            read(json!({"tags": [1]})).unwrap_err().field,
            "tags".to_owned()
        );
        assert!(read(json!({"name": null})).is_err());
        assert!(read(json!({"status": "actve"})).is_err());
    }
}
