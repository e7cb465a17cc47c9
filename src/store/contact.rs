//! The contact record and its wire shape (D12).

use std::cell::OnceCell;
use std::sync::{Arc, LazyLock};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::clock::Timestamp;
use crate::json::{put, put_array, put_opt_str, put_str, put_uuid};
use crate::store::custom_fields::CustomFields;
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
    /// Every status, in the docs' order.
    pub const ALL: [Status; 4] = [
        Status::New,
        Status::Active,
        Status::Inactive,
        Status::Archived,
    ];

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
    /// The optional strings, indexed as [`OptionalField::ALL`]; boxed strings (no spare
    /// capacity, 16 bytes a slot), as a store may hold 100 000 contacts.
    pub optional: [Option<Box<str>>; 10],
    /// Lifecycle status.
    pub status: Status,
    /// Free-form fields.
    pub custom_fields: CustomFields,
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
    /// `external_id`), kept as sent; `None` when none was sent (the common case: 8 bytes
    /// a contact instead of 72).
    pub create_only: Option<Box<CreateOnly>>,
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

#[cfg(test)]
impl Contact {
    /// A contact of `project` with only a name and an e-mail, created at 2025-01-01, for a
    /// test of what is built from contacts.
    pub(crate) fn for_test(id: Uuid, project: Uuid, name: &str, email: &str) -> Self {
        let at = Timestamp::parse("2025-01-01T00:00:00Z").expect("a valid timestamp");
        Self {
            id,
            project_id: project,
            name: name.to_owned(),
            email: email.to_owned(),
            optional: Default::default(),
            status: Status::New,
            custom_fields: CustomFields::default(),
            tags: Vec::new(),
            unsubscribed: false,
            last_contacted_at: None,
            created_at: at,
            updated_at: at,
            create_only: None,
        }
    }
}

impl Contact {
    /// The value of an optional field.
    pub fn get(&self, field: OptionalField) -> Option<&str> {
        self.optional[field as usize].as_deref()
    }

    /// The slot of an optional field.
    pub fn slot_mut(&mut self, field: OptionalField) -> &mut Option<Box<str>> {
        &mut self.optional[field as usize]
    }
}

/// A contact as the store keeps it: with its JSON up to `updated_at`, written the first
/// time it is sent and kept until the contact or one of its tags changes. Most answers send
/// a contact unchanged since it was last sent (a GET, a page of a list, a PATCH that sets
/// what is already set), and writing its 800 bytes field by field was a tenth of the
/// instructions of the seed PATCH. The contact changes only through the methods below, so
/// that the kept JSON is never stale.
///
/// The contact is shared (an `Arc`) with the fixture set it was loaded from and with every
/// other store made from that set (a reset, a workspace) until one of them changes it: a
/// store of 100 000 fixture contacts then costs no copy of them.
#[derive(Clone)]
pub(crate) struct StoredContact {
    contact: Arc<Contact>,
    /// `{"id":…,"updated_at":`: every key and value but the last. Shared with the
    /// [`Written`] forms taken of it, so that telling what an update changed copies none.
    head: OnceCell<Arc<[u8]>>,
}

/// The contact, and the size of its kept JSON rather than its bytes as numbers.
impl std::fmt::Debug for StoredContact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredContact")
            .field("contact", &self.contact)
            .field("kept_json_bytes", &self.head.get().map(|head| head.len()))
            .finish()
    }
}

impl StoredContact {
    /// `contact`, its JSON not written yet.
    pub(crate) fn new(contact: impl Into<Arc<Contact>>) -> Self {
        Self {
            contact: contact.into(),
            head: OnceCell::new(),
        }
    }

    /// The contact.
    pub(crate) fn contact(&self) -> &Contact {
        &self.contact
    }

    /// The contact, as shared with the fixture set it came from.
    pub(crate) fn shared(&self) -> &Arc<Contact> {
        &self.contact
    }

    /// The contact, to change (copied first if it is shared): the kept JSON is forgotten.
    pub(crate) fn edit(&mut self) -> &mut Contact {
        self.head.take();
        Arc::make_mut(&mut self.contact)
    }

    /// Changes the contact through `change`, which says whether it changed anything; the
    /// kept JSON is forgotten only then. For updates that often set what is already set.
    pub(crate) fn change(&mut self, change: impl FnOnce(&mut Contact) -> bool) {
        if change(Arc::make_mut(&mut self.contact)) {
            self.head.take();
        }
    }

    /// Moves `updated_at`, which the kept JSON leaves out.
    pub(crate) fn touch(&mut self, now: Timestamp) {
        Arc::make_mut(&mut self.contact).updated_at = now;
    }

    /// Forgets the kept JSON, for a change to one of the contact's tags, which it shows.
    pub(crate) fn forget_json(&mut self) {
        self.head.take();
    }

    /// The contact as the API sends it, its tags resolved against `tags`.
    pub(crate) fn view<'a>(&'a self, tags: &'a TagTable) -> ContactView<'a> {
        ContactView { stored: self, tags }
    }

    /// The kept JSON, if any: for tests that show it is reused.
    #[cfg(test)]
    pub(crate) fn kept_json(&self) -> Option<&[u8]> {
        self.head.get().map(|head| &head[..])
    }
}

/// A contact ready to be written in the D12 shape: every key present, tags as objects.
pub struct ContactView<'a> {
    stored: &'a StoredContact,
    tags: &'a TagTable,
}

/// A contact's JSON as it stood when it was taken, without a copy of it: the JSON kept with
/// it (shared) and its `updated_at`. Two of them, before and after an update, tell what it
/// changed (`changes`).
#[derive(Clone, Debug)]
pub(crate) struct Written {
    head: Arc<[u8]>,
    updated_at: Timestamp,
}

impl Written {
    /// Whether every field but `updated_at` reads the same in both: the same kept JSON
    /// (an update that set what was set keeps it), or the same bytes.
    pub(crate) fn same_fields(&self, other: &Written) -> bool {
        Arc::ptr_eq(&self.head, &other.head) || self.head == other.head
    }

    /// `updated_at`, the one field the kept JSON leaves out.
    pub(crate) fn updated_at(&self) -> Timestamp {
        self.updated_at
    }

    /// The JSON as the API sent it then.
    pub(crate) fn json(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.head.len() + 27);
        out.extend_from_slice(&self.head);
        self.updated_at.write_json(&mut out);
        out.push(b'}');
        out
    }
}

impl ContactView<'_> {
    /// The contact's JSON as it stands, kept rather than copied (written and kept first
    /// if it was not).
    pub(crate) fn written(&self) -> Written {
        let head = self.stored.head.get_or_init(|| {
            let mut head = Vec::with_capacity(1024);
            self.write_head(&mut head);
            head.into()
        });
        Written {
            head: Arc::clone(head),
            updated_at: self.stored.contact.updated_at,
        }
    }

    /// Appends the contact as the API sends it: every key, in the order of D12, with its
    /// tags as objects. All but `updated_at` is copied from the JSON kept with the contact,
    /// or written and kept.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        let stored = self.stored;
        if let Some(head) = stored.head.get() {
            out.extend_from_slice(head);
        } else {
            let start = out.len();
            self.write_head(out);
            // The cell was empty a moment ago, and a `OnceCell` is never shared between
            // threads, so this cannot fail.
            let _ = stored.head.set(out[start..].into());
        }
        stored.contact.updated_at.write_json(out);
        out.push(b'}');
    }

    /// Appends the contact's JSON up to the value of `updated_at`: every key, in the order
    /// of D12. Written by hand rather than through `Serialize`: serde_json's cost per field
    /// was most of the cost of writing it.
    fn write_head(&self, out: &mut Vec<u8>) {
        let c = &self.stored.contact;
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
            put_opt_str(out, self.stored.contact.get(*field));
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
        let mut optional: [Option<Box<str>>; 10] = Default::default();
        optional[OptionalField::Notes as usize] = Some("line 1\nline 2 \\ café 🙂".into());
        optional[OptionalField::City as usize] = Some("Zürich".into());
        let contact = Contact {
            id: "a1b2c3d4-e5f6-4789-abcd-ef1234567890".parse().unwrap(),
            project_id: tag.project_id(),
            name: "Jane \u{1}Smith".to_owned(),
            email: "jane@example.com".to_owned(),
            optional,
            status: Status::Archived,
            custom_fields: CustomFields::from_map(
                json!({"plan": "pro", "seats": 3, "nested": {"a": [1, null]}})
                    .as_object()
                    .unwrap(),
            ),
            tags: vec![
                tag.id(),
                "00000000-0000-4000-8000-000000000000".parse().unwrap(),
            ],
            unsubscribed: true,
            last_contacted_at: None,
            created_at: at("2025-03-02T10:15:00Z"),
            updated_at: at("2025-06-15T14:30:00.5+02:00"),
            create_only: None,
        };

        let stored = StoredContact::new(contact);
        let mut out = Vec::new();
        stored.view(&tags).write_json(&mut out);
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
        // And the same again from the kept JSON.
        let mut again = Vec::new();
        stored.view(&tags).write_json(&mut again);
        assert_eq!(again, out);
    }

    /// Jane, written once so that her JSON is kept, then that JSON replaced by a sentinel
    /// that shows whether the next answer copies it.
    fn jane_with_planted_json() -> (StoredContact, TagTable) {
        let mut optional: [Option<Box<str>>; 10] = Default::default();
        optional[OptionalField::Notes as usize] = Some("Met at the fair".into());
        let stored = StoredContact::new(Contact {
            id: "a1b2c3d4-e5f6-4789-abcd-ef1234567890".parse().unwrap(),
            project_id: "3f6c2a91-8d4e-4b7a-9c15-2e8f0d6b4a73".parse().unwrap(),
            name: "Jane Smith".to_owned(),
            email: "jane@example.com".to_owned(),
            optional,
            status: Status::Active,
            custom_fields: CustomFields::default(),
            tags: Vec::new(),
            unsubscribed: false,
            last_contacted_at: None,
            created_at: at("2025-03-02T10:15:00Z"),
            updated_at: at("2025-06-15T12:30:00Z"),
            create_only: None,
        });
        let tags = TagTable::new();
        stored.view(&tags).write_json(&mut Vec::new());
        let mut stored = stored;
        stored.head = OnceCell::from(Arc::from(&b"SENTINEL:"[..]));
        (stored, tags)
    }

    fn written(stored: &StoredContact, tags: &TagTable) -> String {
        let mut out = Vec::new();
        stored.view(tags).write_json(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn an_unchanged_contact_is_copied_from_its_kept_json_with_a_fresh_updated_at() {
        let (mut stored, tags) = jane_with_planted_json();
        assert_eq!(
            written(&stored, &tags),
            "SENTINEL:\"2025-06-15T12:30:00.000Z\"}"
        );
        stored.touch(at("2025-07-01T08:00:00Z"));
        stored.change(|contact| {
            let changed = contact.status != Status::Active;
            contact.status = Status::Active;
            changed
        });
        assert_eq!(
            written(&stored, &tags),
            "SENTINEL:\"2025-07-01T08:00:00.000Z\"}"
        );
    }

    #[test]
    fn a_change_or_a_changed_tag_makes_the_contact_written_afresh() {
        for forget in [
            (|stored: &mut StoredContact| stored.edit().name = "Jane Doe".to_owned())
                as fn(&mut StoredContact),
            |stored| {
                stored.change(|contact| {
                    contact.status = Status::Inactive;
                    true
                })
            },
            StoredContact::forget_json,
        ] {
            let (mut stored, tags) = jane_with_planted_json();
            forget(&mut stored);
            let fresh = StoredContact::new(stored.contact().clone());
            let text = written(&stored, &tags);
            assert!(text.starts_with("{\"id\":"), "{text}");
            assert_eq!(text, written(&fresh, &tags));
        }
    }
}
