//! The contact record and its wire shape (D12).

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::clock::Timestamp;
use crate::json::{put, put_array, put_opt_str, put_str, put_uuid};
use crate::store::tag::TagTable;

/// A contact's lifecycle status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Just added.
    New,
    /// Being worked with.
    Active,
    /// Paused.
    Inactive,
    /// Kept for the record only.
    Archived,
}

impl Status {
    /// The status's name on the wire.
    pub fn name(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Active => "active",
            Status::Inactive => "inactive",
            Status::Archived => "archived",
        }
    }

    /// The status named `name` on the wire.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "new" => Some(Status::New),
            "active" => Some(Status::Active),
            "inactive" => Some(Status::Inactive),
            "archived" => Some(Status::Archived),
            _ => None,
        }
    }
}

/// The optional string fields of a contact: they may be unset (`null` on the wire).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptionalField {
    /// `phone`
    Phone,
    /// `mobile`
    Mobile,
    /// `company`
    Company,
    /// `notes`
    Notes,
    /// `first_name`
    FirstName,
    /// `last_name`
    LastName,
    /// `city`
    City,
    /// `state`
    State,
    /// `zip`
    Zip,
    /// `country`
    Country,
}

impl OptionalField {
    /// Every optional field, in wire order.
    pub const ALL: [OptionalField; 10] = [
        OptionalField::Phone,
        OptionalField::Mobile,
        OptionalField::Company,
        OptionalField::Notes,
        OptionalField::FirstName,
        OptionalField::LastName,
        OptionalField::City,
        OptionalField::State,
        OptionalField::Zip,
        OptionalField::Country,
    ];

    /// The field's name on the wire.
    pub fn name(self) -> &'static str {
        match self {
            OptionalField::Phone => "phone",
            OptionalField::Mobile => "mobile",
            OptionalField::Company => "company",
            OptionalField::Notes => "notes",
            OptionalField::FirstName => "first_name",
            OptionalField::LastName => "last_name",
            OptionalField::City => "city",
            OptionalField::State => "state",
            OptionalField::Zip => "zip",
            OptionalField::Country => "country",
        }
    }

    /// The field named `name` on the wire.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|field| field.name() == name)
    }
}

/// One contact of one project.
#[derive(Clone, Debug, PartialEq)]
pub struct Contact {
    /// Its UUID.
    pub id: Uuid,
    /// The project it belongs to (D5).
    pub project_id: Uuid,
    /// Full name.
    pub name: String,
    /// E-mail address, unique within the project regardless of case (D10).
    pub email: String,
    /// The optional strings, indexed as [`OptionalField::ALL`].
    pub optional: [Option<String>; 10],
    /// Lifecycle status.
    pub status: Status,
    /// Free-form fields.
    pub custom_fields: Map<String, Value>,
    /// Ids of its tags, in the order they were given.
    pub tags: Vec<Uuid>,
    /// Whether it is unsubscribed.
    pub unsubscribed: bool,
    /// When it was last contacted; never changed by this API (D9).
    pub last_contacted_at: Option<Timestamp>,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// What create accepts and no response shows (`address_line_1`, `address_line_2`,
    /// `external_id`), kept as sent.
    pub create_only: CreateOnly,
}

/// The fields only create accepts. The contact object (D12) does not carry them, so they
/// are stored and never sent back (a mock choice).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreateOnly {
    /// `address_line_1`
    pub address_line_1: Option<String>,
    /// `address_line_2`
    pub address_line_2: Option<String>,
    /// `external_id`
    pub external_id: Option<String>,
}

impl Contact {
    /// The value of an optional field.
    pub fn get(&self, field: OptionalField) -> Option<&str> {
        self.optional[field as usize].as_deref()
    }

    /// The slot of an optional field.
    pub fn slot_mut(&mut self, field: OptionalField) -> &mut Option<String> {
        &mut self.optional[field as usize]
    }

    /// The contact as the API sends it, its tags resolved against `tags`.
    pub fn view<'a>(&'a self, tags: &'a TagTable) -> ContactView<'a> {
        ContactView {
            contact: self,
            tags,
        }
    }
}

/// A contact ready to be written in the D12 shape: every key present, tags as objects.
pub struct ContactView<'a> {
    contact: &'a Contact,
    tags: &'a TagTable,
}

impl ContactView<'_> {
    /// Appends the contact as the API sends it: every key, in the order of D12, with its
    /// tags as objects. Written by hand rather than through `Serialize`: it is the body of
    /// most answers, and serde_json's cost per field was most of the cost of writing it.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        let c = self.contact;
        out.extend_from_slice(b"{\"id\":");
        put_uuid(out, &c.id);
        out.extend_from_slice(b",\"project_id\":");
        put_uuid(out, &c.project_id);
        out.extend_from_slice(b",\"name\":");
        put_str(out, &c.name);
        out.extend_from_slice(b",\"email\":");
        put_str(out, &c.email);
        let (before_status, after_status) = OptionalField::ALL.split_at(3);
        self.write_optional(out, before_status);
        out.extend_from_slice(b",\"status\":");
        put_str(out, c.status.name());
        self.write_optional(out, after_status);
        out.extend_from_slice(b",\"custom_fields\":");
        put(out, &c.custom_fields);
        out.extend_from_slice(b",\"tags\":");
        // An id with no tag (never expected) is left out.
        let tags = c.tags.iter().filter_map(|id| self.tags.get(id));
        put_array(out, tags, |out, tag| tag.write_summary_json(out));
        out.extend_from_slice(b",\"unsubscribed\":");
        out.extend_from_slice(if c.unsubscribed { b"true" } else { b"false" });
        out.extend_from_slice(b",\"last_contacted_at\":");
        match &c.last_contacted_at {
            Some(at) => at.write_json(out),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"created_at\":");
        c.created_at.write_json(out);
        out.extend_from_slice(b",\"updated_at\":");
        c.updated_at.write_json(out);
        out.push(b'}');
    }

    /// `,"field":value` for each of `fields`.
    fn write_optional(&self, out: &mut Vec<u8>, fields: &[OptionalField]) {
        /// `,"field":` for every optional field, made once: one copy per field instead of
        /// three.
        static KEYS: LazyLock<[String; 10]> =
            LazyLock::new(|| OptionalField::ALL.map(|field| format!(",\"{}\":", field.name())));
        let keys = &*KEYS;
        for field in fields {
            out.extend_from_slice(keys[*field as usize].as_bytes());
            put_opt_str(out, self.contact.get(*field));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::store::tag::Tag;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    #[test]
    fn a_contact_is_written_in_the_d12_shape_with_every_string_escaped() {
        let tag = Tag::new(
            "5d9e5080-6a91-462b-8a91-e13bb106a302".parse().unwrap(),
            "3f6c2a91-8d4e-4b7a-9c15-2e8f0d6b4a73".parse().unwrap(),
            "Say \"hi\"".to_owned(),
            None,
            at("2025-01-10T09:00:00Z"),
        );
        let tags: TagTable = [(tag.id(), tag.clone())].into();
        let mut optional: [Option<String>; 10] = Default::default();
        optional[OptionalField::Notes as usize] = Some("line 1\nline 2 \\ café 🙂".to_owned());
        optional[OptionalField::City as usize] = Some("Zürich".to_owned());
        let contact = Contact {
            id: "a1b2c3d4-e5f6-4789-abcd-ef1234567890".parse().unwrap(),
            project_id: tag.project_id(),
            name: "Jane \u{1}Smith".to_owned(),
            email: "jane@example.com".to_owned(),
            optional,
            status: Status::Archived,
            custom_fields: json!({"plan": "pro", "seats": 3, "nested": {"a": [1, null]}})
                .as_object()
                .unwrap()
                .clone(),
            tags: vec![
                tag.id(),
                "00000000-0000-4000-8000-000000000000".parse().unwrap(),
            ],
            unsubscribed: true,
            last_contacted_at: None,
            created_at: at("2025-03-02T10:15:00Z"),
            updated_at: at("2025-06-15T14:30:00.5+02:00"),
            create_only: CreateOnly::default(),
        };

        let mut out = Vec::new();
        contact.view(&tags).write_json(&mut out);
        let written: Value = serde_json::from_slice(&out).expect("valid JSON");

        let expected = json!({
            "id": "a1b2c3d4-e5f6-4789-abcd-ef1234567890",
            "project_id": "3f6c2a91-8d4e-4b7a-9c15-2e8f0d6b4a73",
            "name": "Jane \u{1}Smith",
            "email": "jane@example.com",
            "phone": null, "mobile": null, "company": null,
            "status": "archived",
            "notes": "line 1\nline 2 \\ café 🙂",
            "first_name": null, "last_name": null,
            "city": "Zürich", "state": null, "zip": null, "country": null,
            "custom_fields": {"plan": "pro", "seats": 3, "nested": {"a": [1, null]}},
            "tags": [{
                "id": "5d9e5080-6a91-462b-8a91-e13bb106a302",
                "name": "Say \"hi\"",
                "color": null,
                "created_at": "2025-01-10T09:00:00.000Z",
            }],
            "unsubscribed": true,
            "last_contacted_at": null,
            "created_at": "2025-03-02T10:15:00.000Z",
            "updated_at": "2025-06-15T12:30:00.500Z",
        });
        assert_eq!(written, expected);
        // Byte for byte what serde_json writes for the same value, key order included.
        assert_eq!(out, serde_json::to_vec(&expected).unwrap());
    }
}
