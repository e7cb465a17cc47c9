//! The contact record and its wire shape (D12).

use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::clock::Timestamp;
use crate::store::tag::{Tag, TagTable};

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

impl Serialize for ContactView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let c = self.contact;
        let mut out = serializer.serialize_struct("Contact", 21)?;
        out.serialize_field("id", &c.id)?;
        out.serialize_field("project_id", &c.project_id)?;
        out.serialize_field("name", &c.name)?;
        out.serialize_field("email", &c.email)?;
        for field in [
            OptionalField::Phone,
            OptionalField::Mobile,
            OptionalField::Company,
        ] {
            out.serialize_field(field.name(), &c.get(field))?;
        }
        out.serialize_field("status", &c.status)?;
        for field in &OptionalField::ALL[3..] {
            out.serialize_field(field.name(), &c.get(*field))?;
        }
        out.serialize_field("custom_fields", &c.custom_fields)?;
        out.serialize_field("tags", &TagList(self.tags, &c.tags))?;
        out.serialize_field("unsubscribed", &c.unsubscribed)?;
        out.serialize_field("last_contacted_at", &c.last_contacted_at)?;
        out.serialize_field("created_at", &c.created_at)?;
        out.serialize_field("updated_at", &c.updated_at)?;
        out.end()
    }
}

/// A contact's tags, resolved in order; an id with no tag (never expected) is left out.
struct TagList<'a>(&'a TagTable, &'a [Uuid]);

impl Serialize for TagList<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            self.1
                .iter()
                .filter_map(|id| self.0.get(id).map(Tag::summary)),
        )
    }
}
