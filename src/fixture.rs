//! Fixtures (D22): the API keys, tags, contacts, and optionally contact lists and segments
//! the mock starts with, read from a directory (`--fixtures DIR`) or from the copy of
//! `fixtures/` compiled into the binary.
//!
//! A fixture set is checked in full at start-up, first against `schemas/fixtures.json`, then
//! for what a schema cannot say (unique ids, keys and names, unique e-mails per project, tag
//! names and list members that resolve). The first failure names the file and the JSON
//! pointer at fault.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::clock::Timestamp;
use crate::schema::Schema;
use crate::store::contact::{Contact, CreateOnly, OptionalField, Status};
use crate::store::list::{ContactList, Member};
use crate::store::segment::{Rule, Segment};
use crate::store::tag::{self, Tag, TagTable};
use crate::store::{Records, Store};

const KEYS_FILE: &str = "api-keys.json";
const TAGS_FILE: &str = "tags.json";
const CONTACTS_FILE: &str = "contacts.json";
const LISTS_FILE: &str = "lists.json";
const SEGMENTS_FILE: &str = "segments.json";
/// The files, in the order they are read.
const FILES: [&str; 5] = [
    KEYS_FILE,
    TAGS_FILE,
    CONTACTS_FILE,
    LISTS_FILE,
    SEGMENTS_FILE,
];
/// The files a directory may leave out: none of their records, then.
const OPTIONAL_FILES: [&str; 2] = [LISTS_FILE, SEGMENTS_FILE];

/// What a key may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Read and write (secret `gately_sk_` keys).
    ReadWrite,
    /// Read only (public `gately_pk_` keys).
    ReadOnly,
}

/// One API key of the fixtures.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct ApiKey {
    /// The bearer token.
    pub key: String,
    /// The project the key is bound to; `None` for an account key that names its project
    /// with `X-Project-ID`.
    pub project_id: Option<Uuid>,
    /// What the key may do.
    pub access: Access,
    /// What the key is for (fixtures only; never sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Where the fixtures come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FixtureSource {
    /// The copy of `fixtures/` compiled into the binary.
    Embedded,
    /// A directory holding the three fixture files.
    Dir(PathBuf),
}

impl FixtureSource {
    fn path_of(&self, file: &str) -> PathBuf {
        match self {
            FixtureSource::Embedded => Path::new("fixtures").join(file),
            FixtureSource::Dir(dir) => dir.join(file),
        }
    }

    fn read(&self, file: &str) -> Result<String, FixtureError> {
        match self {
            FixtureSource::Embedded => Ok(match file {
                KEYS_FILE => include_str!("../fixtures/api-keys.json"),
                TAGS_FILE => include_str!("../fixtures/tags.json"),
                LISTS_FILE => include_str!("../fixtures/lists.json"),
                SEGMENTS_FILE => include_str!("../fixtures/segments.json"),
                _ => include_str!("../fixtures/contacts.json"),
            }
            .to_owned()),
            FixtureSource::Dir(_) => {
                let path = self.path_of(file);
                match std::fs::read_to_string(&path) {
                    Err(err)
                        if err.kind() == std::io::ErrorKind::NotFound
                            && OPTIONAL_FILES.contains(&file) =>
                    {
                        Ok("[]".to_owned())
                    }
                    read => read.map_err(|source| FixtureError::Read { path, source }),
                }
            }
        }
    }
}

/// Why a fixture set cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    /// A file is missing or unreadable.
    #[error("{}: cannot be read", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A file is not JSON.
    #[error("{}: invalid JSON", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's error (with line and column).
        #[source]
        source: serde_json::Error,
    },
    /// A fixture set given inline (a workspace's) breaks the fixture contract.
    #[error("{pointer}: {message}")]
    Inline {
        /// JSON pointer into the inline set.
        pointer: String,
        /// What is wrong.
        message: String,
    },
    /// A value breaks the fixture contract.
    #[error("{}: {pointer}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// JSON pointer into the file.
        pointer: String,
        /// What is wrong.
        message: String,
    },
}

/// A checked fixture set.
#[derive(Clone, Debug)]
pub struct FixtureSet {
    /// API keys (D4).
    pub keys: Vec<ApiKey>,
    /// Tags of every project.
    pub tags: Vec<Tag>,
    /// Contacts of every project, their tags resolved.
    pub contacts: Vec<Contact>,
    /// Contact lists of every project, with their members (D28).
    pub lists: Vec<ContactList>,
    /// Segments of every project (D29).
    pub segments: Vec<Segment>,
}

/// A contact as written in `contacts.json`: tags by name, unset fields left out.
#[derive(Deserialize)]
struct ContactRecord {
    id: Uuid,
    project_id: Uuid,
    name: String,
    email: String,
    status: Status,
    #[serde(default)]
    custom_fields: Map<String, Value>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    unsubscribed: bool,
    last_contacted_at: Option<String>,
    created_at: String,
    updated_at: Option<String>,
    #[serde(flatten)]
    optional: BTreeMap<String, Option<String>>,
}

/// A contact list as written in `lists.json`.
#[derive(Deserialize)]
struct ListRecord {
    id: Uuid,
    project_id: Uuid,
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    members: Vec<MemberRecord>,
    created_at: String,
    updated_at: Option<String>,
}

/// A member as written in `lists.json`.
#[derive(Deserialize)]
struct MemberRecord {
    contact_id: Uuid,
    added_at: String,
}

/// A segment as written in `segments.json`.
#[derive(Deserialize)]
struct SegmentRecord {
    id: Uuid,
    project_id: Uuid,
    name: String,
    #[serde(default)]
    description: Option<String>,
    rules: Vec<Value>,
    created_at: String,
    updated_at: Option<String>,
}

/// A tag as written in `tags.json`.
#[derive(Deserialize)]
struct TagRecord {
    id: Uuid,
    project_id: Uuid,
    name: String,
    #[serde(default)]
    color: Option<String>,
    created_at: String,
}

impl FixtureSet {
    /// A store holding exactly these fixtures, its id generator at the server's seed.
    pub fn store(&self) -> Store {
        self.store_seeded(crate::ids::DEFAULT_SEED)
    }

    /// A store holding exactly these fixtures, its id generator at `seed` (a workspace's).
    pub(crate) fn store_seeded(&self, seed: u64) -> Store {
        Store::new(
            Records {
                contacts: self.contacts.clone(),
                tags: self.tags.clone(),
                lists: self.lists.clone(),
                segments: self.segments.clone(),
            },
            seed,
        )
    }

    /// Reads and checks the fixture files of `source` against `schema`
    /// (`schemas/fixtures.json`) and against each other.
    pub fn load(source: &FixtureSource, schema: &Schema) -> Result<Self, FixtureError> {
        let mut document = Map::new();
        for file in FILES {
            let text = source.read(file)?;
            let value: Value =
                serde_json::from_str(&text).map_err(|source_err| FixtureError::Parse {
                    path: source.path_of(file),
                    source: source_err,
                })?;
            document.insert(file.to_owned(), value);
        }
        Self::check(document, &Origin::Files(source), schema, Members::Checked)
    }

    /// What `store` holds now, with `keys`: a workspace's `state`.
    pub(crate) fn of_store(store: &Store, keys: Vec<ApiKey>) -> Self {
        Self {
            keys,
            tags: store.every_tag().cloned().collect(),
            contacts: store.every_contact().cloned().collect(),
            lists: store.every_list().cloned().collect(),
            segments: store.every_segment().cloned().collect(),
        }
    }

    /// Checks a fixture set given inline, in the layout `…/state` answers
    /// (`{"api_keys", "tags", "contacts"}`), exactly as [`FixtureSet::load`] checks files;
    /// a member left out is `base`'s. Errors point into `inline`.
    pub(crate) fn from_inline(
        inline: &Map<String, Value>,
        base: &FixtureSet,
        schema: &Schema,
    ) -> Result<Self, FixtureError> {
        if let Some(unknown) = inline
            .keys()
            .find(|member| !FILES.iter().any(|file| member_of(file) == member.as_str()))
        {
            return Err(FixtureError::Inline {
                pointer: crate::schema::child_pointer("", unknown),
                message: "not a member of a fixture set: it holds api_keys, tags, contacts, lists and segments"
                    .to_owned(),
            });
        }
        let mut layout = None;
        let mut document = Map::new();
        for file in FILES {
            let value = match inline.get(member_of(file)) {
                Some(value) => value.clone(),
                None => layout
                    .get_or_insert_with(|| base.layout())
                    .remove(member_of(file))
                    .unwrap_or(Value::Null),
            };
            document.insert(file.to_owned(), value);
        }
        // Lists left out are `base`'s: their members whose contacts the set no longer
        // holds go, as they go when the contact is deleted (D28).
        let members = if inline.contains_key(member_of(LISTS_FILE)) {
            Members::Checked
        } else {
            Members::Pruned
        };
        Self::check(document, &Origin::Inline, schema, members)
    }

    /// Checks the documents (by file name) against `schema` and against each other.
    fn check(
        document: Map<String, Value>,
        origin: &Origin<'_>,
        schema: &Schema,
        members: Members,
    ) -> Result<Self, FixtureError> {
        let document = Value::Object(document);
        if let Some(first) = schema.violations(&document).into_iter().next() {
            let (file, pointer) = split_file(&first.pointer);
            return Err(origin.invalid(file, pointer, first.message));
        }
        let Value::Object(mut files) = document else {
            unreachable!("built as an object above")
        };
        let mut take = |file: &str| files.remove(file).unwrap_or(Value::Null);
        let keys: Vec<ApiKey> = decode(origin, KEYS_FILE, take(KEYS_FILE))?;
        let tag_records: Vec<TagRecord> = decode(origin, TAGS_FILE, take(TAGS_FILE))?;
        let contact_records: Vec<ContactRecord> =
            decode(origin, CONTACTS_FILE, take(CONTACTS_FILE))?;
        let list_records: Vec<ListRecord> = decode(origin, LISTS_FILE, take(LISTS_FILE))?;
        let segment_records: Vec<SegmentRecord> =
            decode(origin, SEGMENTS_FILE, take(SEGMENTS_FILE))?;

        check_unique(origin, KEYS_FILE, keys.iter().map(|k| k.key.clone()), "key")?;
        let tags = build_tags(origin, tag_records)?;
        let contacts = build_contacts(origin, contact_records, &tags)?;
        let lists = build_lists(origin, list_records, &contacts, members)?;
        let segments = build_segments(origin, segment_records)?;
        Ok(Self {
            keys,
            tags: tags.into_values().collect(),
            contacts,
            lists,
            segments,
        })
    }

    /// The set in the inline layout (`{"api_keys", "tags", "contacts"}`): what `…/state`
    /// answers, loadable back inline, or as files (each member is one file's content).
    /// Tags and contacts oldest first, then by id; unset fields left out.
    pub(crate) fn layout(&self) -> Map<String, Value> {
        let mut tags: Vec<&Tag> = self.tags.iter().collect();
        tags.sort_by_key(|tag| (tag.created_at(), tag.id()));
        let mut contacts: Vec<&Contact> = self.contacts.iter().collect();
        contacts.sort_by_key(|contact| (contact.created_at, contact.id));
        let tag_name = |id: &Uuid| {
            self.tags
                .iter()
                .find(|tag| tag.id() == *id)
                .map(|tag| tag.name().to_owned())
        };
        let contacts = contacts
            .into_iter()
            .map(|contact| {
                let mut record = serde_json::json!({
                    "id": contact.id,
                    "project_id": contact.project_id,
                    "name": contact.name,
                    "email": contact.email,
                    "status": contact.status.name(),
                });
                let fields = record.as_object_mut().expect("built as an object");
                for field in OptionalField::ALL {
                    if let Some(value) = contact.get(field) {
                        fields.insert(field.name().to_owned(), Value::from(value));
                    }
                }
                if !contact.custom_fields.is_empty() {
                    fields.insert(
                        "custom_fields".to_owned(),
                        Value::Object(contact.custom_fields.clone()),
                    );
                }
                if !contact.tags.is_empty() {
                    let names: Vec<String> = contact.tags.iter().filter_map(tag_name).collect();
                    fields.insert("tags".to_owned(), Value::from(names));
                }
                if contact.unsubscribed {
                    fields.insert("unsubscribed".to_owned(), Value::Bool(true));
                }
                if let Some(at) = contact.last_contacted_at {
                    fields.insert("last_contacted_at".to_owned(), Value::from(at.to_string()));
                }
                fields.insert(
                    "created_at".to_owned(),
                    Value::from(contact.created_at.to_string()),
                );
                fields.insert(
                    "updated_at".to_owned(),
                    Value::from(contact.updated_at.to_string()),
                );
                record
            })
            .collect();
        let tags = tags
            .into_iter()
            .map(|tag| {
                serde_json::json!({
                    "id": tag.id(),
                    "project_id": tag.project_id(),
                    "name": tag.name(),
                    "color": tag.color(),
                    "created_at": tag.created_at().to_string(),
                })
            })
            .collect();
        let keys = self
            .keys
            .iter()
            .map(|key| serde_json::to_value(key).expect("a key serialises"))
            .collect();
        let mut lists: Vec<&ContactList> = self.lists.iter().collect();
        lists.sort_by_key(|list| (list.created_at, list.id));
        let lists = lists
            .into_iter()
            .map(|list| {
                let members: Vec<Value> = list
                    .members
                    .iter()
                    .map(|member| {
                        serde_json::json!({
                            "contact_id": member.contact_id,
                            "added_at": member.added_at.to_string(),
                        })
                    })
                    .collect();
                serde_json::json!({
                    "id": list.id,
                    "project_id": list.project_id,
                    "name": list.name,
                    "description": list.description,
                    "members": members,
                    "created_at": list.created_at.to_string(),
                    "updated_at": list.updated_at.to_string(),
                })
            })
            .collect();
        let mut segments: Vec<&Segment> = self.segments.iter().collect();
        segments.sort_by_key(|segment| (segment.created_at, segment.id));
        let segments = segments
            .into_iter()
            .map(|segment| {
                serde_json::json!({
                    "id": segment.id,
                    "project_id": segment.project_id,
                    "name": segment.name,
                    "description": segment.description,
                    "rules": segment.rules.iter().map(Rule::to_json).collect::<Vec<_>>(),
                    "created_at": segment.created_at.to_string(),
                    "updated_at": segment.updated_at.to_string(),
                })
            })
            .collect();
        Map::from_iter([
            (member_of(KEYS_FILE).to_owned(), Value::Array(keys)),
            (member_of(TAGS_FILE).to_owned(), Value::Array(tags)),
            (member_of(CONTACTS_FILE).to_owned(), Value::Array(contacts)),
            (member_of(LISTS_FILE).to_owned(), Value::Array(lists)),
            (member_of(SEGMENTS_FILE).to_owned(), Value::Array(segments)),
        ])
    }
}

/// What is done with a list member whose contact the set does not hold.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Members {
    /// It is refused, naming its pointer: the lists were written with the contacts.
    Checked,
    /// It is left out: the lists are kept from a set whose contacts were replaced.
    Pruned,
}

/// Where a fixture set comes from, for its errors.
enum Origin<'a> {
    /// Files (or the built-in copy).
    Files(&'a FixtureSource),
    /// A request body.
    Inline,
}

impl Origin<'_> {
    /// What `file` is called where the set comes from: `tags.json`, or `tags` inline.
    fn name_of<'f>(&self, file: &'f str) -> &'f str {
        match self {
            Origin::Files(_) => file,
            Origin::Inline => member_of(file),
        }
    }

    fn invalid(
        &self,
        file: &str,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> FixtureError {
        match self {
            Origin::Files(source) => FixtureError::Invalid {
                path: source.path_of(file),
                pointer: pointer.into(),
                message: message.into(),
            },
            Origin::Inline => FixtureError::Inline {
                pointer: format!("/{}{}", member_of(file), pointer.into()),
                message: message.into(),
            },
        }
    }
}

/// The member of the inline layout that holds `file`'s content.
fn member_of(file: &str) -> &'static str {
    match file {
        KEYS_FILE => "api_keys",
        TAGS_FILE => "tags",
        LISTS_FILE => "lists",
        SEGMENTS_FILE => "segments",
        _ => "contacts",
    }
}

/// `/contacts.json/3/status` → (`contacts.json`, `/3/status`).
fn split_file(pointer: &str) -> (&str, &str) {
    let rest = pointer.strip_prefix('/').unwrap_or(pointer);
    match rest.find('/') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, ""),
    }
}

fn decode<T: DeserializeOwned>(
    origin: &Origin<'_>,
    file: &str,
    value: Value,
) -> Result<T, FixtureError> {
    serde_json::from_value(value).map_err(|err| origin.invalid(file, "", err.to_string()))
}

fn timestamp(
    origin: &Origin<'_>,
    file: &str,
    pointer: String,
    text: &str,
) -> Result<Timestamp, FixtureError> {
    Timestamp::parse(text).map_err(|err| origin.invalid(file, pointer, err.to_string()))
}

/// Fails on the first value of `values` seen before.
fn check_unique(
    origin: &Origin<'_>,
    file: &str,
    values: impl Iterator<Item = String>,
    field: &str,
) -> Result<(), FixtureError> {
    let mut seen = HashSet::new();
    for (index, value) in values.enumerate() {
        if !seen.insert(value.clone()) {
            return Err(origin.invalid(
                file,
                format!("/{index}/{field}"),
                format!("{value:?} appears twice; each {field} must be unique"),
            ));
        }
    }
    Ok(())
}

/// Fails on the first `(project, value)` of `values` seen before: a name or e-mail twice in
/// one project.
fn check_unique_in_project(
    origin: &Origin<'_>,
    file: &str,
    values: impl Iterator<Item = (Uuid, String)>,
    field: &str,
) -> Result<(), FixtureError> {
    let mut seen = HashSet::new();
    for (index, (project, value)) in values.enumerate() {
        if !seen.insert((project, value.clone())) {
            return Err(origin.invalid(
                file,
                format!("/{index}/{field}"),
                format!(
                    "{value:?} appears twice in project {project}; each {field} must be unique in its project"
                ),
            ));
        }
    }
    Ok(())
}

fn build_tags(origin: &Origin<'_>, records: Vec<TagRecord>) -> Result<TagTable, FixtureError> {
    check_unique(
        origin,
        TAGS_FILE,
        records.iter().map(|t| t.id.to_string()),
        "id",
    )?;
    check_unique_in_project(
        origin,
        TAGS_FILE,
        records.iter().map(|t| (t.project_id, t.name.clone())),
        "name",
    )?;
    let mut tags = TagTable::new();
    for (index, record) in records.into_iter().enumerate() {
        let created_at = timestamp(
            origin,
            TAGS_FILE,
            format!("/{index}/created_at"),
            &record.created_at,
        )?;
        tags.insert(
            record.id,
            Tag::new(
                record.id,
                record.project_id,
                record.name,
                record.color,
                created_at,
            ),
        );
    }
    Ok(tags)
}

fn build_contacts(
    origin: &Origin<'_>,
    records: Vec<ContactRecord>,
    tags: &TagTable,
) -> Result<Vec<Contact>, FixtureError> {
    check_unique(
        origin,
        CONTACTS_FILE,
        records.iter().map(|c| c.id.to_string()),
        "id",
    )?;
    check_unique_in_project(
        origin,
        CONTACTS_FILE,
        records
            .iter()
            .map(|c| (c.project_id, c.email.to_lowercase())),
        "email",
    )?;
    let at = |index: usize, field: &str| format!("/{index}/{field}");
    let mut contacts = Vec::with_capacity(records.len());
    for (index, record) in records.into_iter().enumerate() {
        let mut tag_ids = Vec::with_capacity(record.tags.len());
        for (position, name) in record.tags.iter().enumerate() {
            let id = tag::find_by_name(tags, record.project_id, name).ok_or_else(|| {
                origin.invalid(
                    CONTACTS_FILE,
                    format!("/{index}/tags/{position}"),
                    format!(
                        "tag {name:?} is not in {} for project {}",
                        origin.name_of(TAGS_FILE),
                        record.project_id
                    ),
                )
            })?;
            tag_ids.push(id);
        }
        let created_at = timestamp(
            origin,
            CONTACTS_FILE,
            at(index, "created_at"),
            &record.created_at,
        )?;
        let updated_at = updated_at(
            origin,
            CONTACTS_FILE,
            index,
            record.updated_at.as_deref(),
            created_at,
        )?;
        let last_contacted_at = match &record.last_contacted_at {
            Some(text) => Some(timestamp(
                origin,
                CONTACTS_FILE,
                at(index, "last_contacted_at"),
                text,
            )?),
            None => None,
        };
        let mut optional: [Option<String>; 10] = Default::default();
        for (name, value) in record.optional {
            if let Some(field) = OptionalField::from_name(&name) {
                optional[field as usize] = value;
            }
        }
        contacts.push(Contact {
            id: record.id,
            project_id: record.project_id,
            name: record.name,
            email: record.email,
            optional,
            status: record.status,
            custom_fields: record.custom_fields,
            tags: tag_ids,
            unsubscribed: record.unsubscribed,
            last_contacted_at,
            created_at,
            updated_at,
            create_only: CreateOnly::default(),
        });
    }
    Ok(contacts)
}

/// `updated_at` as written, or `created_at` when left out.
fn updated_at(
    origin: &Origin<'_>,
    file: &str,
    index: usize,
    written: Option<&str>,
    created_at: Timestamp,
) -> Result<Timestamp, FixtureError> {
    match written {
        Some(text) => timestamp(origin, file, format!("/{index}/updated_at"), text),
        None => Ok(created_at),
    }
}

fn build_lists(
    origin: &Origin<'_>,
    records: Vec<ListRecord>,
    contacts: &[Contact],
    unknown_members: Members,
) -> Result<Vec<ContactList>, FixtureError> {
    check_unique(
        origin,
        LISTS_FILE,
        records.iter().map(|l| l.id.to_string()),
        "id",
    )?;
    check_unique_in_project(
        origin,
        LISTS_FILE,
        records.iter().map(|l| (l.project_id, l.name.clone())),
        "name",
    )?;
    let project_of: BTreeMap<Uuid, Uuid> = contacts
        .iter()
        .map(|contact| (contact.id, contact.project_id))
        .collect();
    let mut lists = Vec::with_capacity(records.len());
    for (index, record) in records.into_iter().enumerate() {
        let mut members: Vec<Member> = Vec::with_capacity(record.members.len());
        for (position, member) in record.members.iter().enumerate() {
            let at = format!("/{index}/members/{position}");
            if project_of.get(&member.contact_id) != Some(&record.project_id) {
                if unknown_members == Members::Pruned {
                    continue;
                }
                return Err(origin.invalid(
                    LISTS_FILE,
                    format!("{at}/contact_id"),
                    format!(
                        "contact {} is not in {} for project {}",
                        member.contact_id,
                        origin.name_of(CONTACTS_FILE),
                        record.project_id
                    ),
                ));
            }
            if members.iter().any(|m| m.contact_id == member.contact_id) {
                return Err(origin.invalid(
                    LISTS_FILE,
                    format!("{at}/contact_id"),
                    format!("contact {} is a member twice", member.contact_id),
                ));
            }
            members.push(Member {
                contact_id: member.contact_id,
                added_at: timestamp(
                    origin,
                    LISTS_FILE,
                    format!("{at}/added_at"),
                    &member.added_at,
                )?,
            });
        }
        // Oldest first, as the members are paged (D28), whatever order they were written in.
        members.sort_by_key(|member| member.added_at);
        let created_at = timestamp(
            origin,
            LISTS_FILE,
            format!("/{index}/created_at"),
            &record.created_at,
        )?;
        lists.push(ContactList {
            id: record.id,
            project_id: record.project_id,
            name: record.name,
            description: record.description,
            members,
            created_at,
            updated_at: updated_at(
                origin,
                LISTS_FILE,
                index,
                record.updated_at.as_deref(),
                created_at,
            )?,
        });
    }
    Ok(lists)
}

fn build_segments(
    origin: &Origin<'_>,
    records: Vec<SegmentRecord>,
) -> Result<Vec<Segment>, FixtureError> {
    check_unique(
        origin,
        SEGMENTS_FILE,
        records.iter().map(|s| s.id.to_string()),
        "id",
    )?;
    let mut segments = Vec::with_capacity(records.len());
    for (index, record) in records.into_iter().enumerate() {
        let rules = Rule::read_all(&record.rules, &format!("/{index}/rules"))
            .map_err(|err| origin.invalid(SEGMENTS_FILE, err.pointer.clone(), err.to_string()))?;
        let created_at = timestamp(
            origin,
            SEGMENTS_FILE,
            format!("/{index}/created_at"),
            &record.created_at,
        )?;
        segments.push(Segment {
            id: record.id,
            project_id: record.project_id,
            name: record.name,
            description: record.description,
            rules,
            created_at,
            updated_at: updated_at(
                origin,
                SEGMENTS_FILE,
                index,
                record.updated_at.as_deref(),
                created_at,
            )?,
        });
    }
    Ok(segments)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::SchemaRegistry;

    fn schema() -> Schema {
        SchemaRegistry::compile().unwrap().fixtures
    }

    fn dir_with(contacts: &str) -> tempdir::Dir {
        let dir = tempdir::Dir::new();
        for file in [KEYS_FILE, TAGS_FILE] {
            std::fs::write(
                dir.path().join(file),
                FixtureSource::Embedded.read(file).unwrap(),
            )
            .unwrap();
        }
        std::fs::write(dir.path().join(CONTACTS_FILE), contacts).unwrap();
        dir
    }

    /// A directory removed when dropped (std only; no extra dependency for three tests).
    mod tempdir {
        use std::path::{Path, PathBuf};
        use std::sync::atomic::{AtomicUsize, Ordering};

        pub(super) struct Dir(PathBuf);
        impl Dir {
            pub(super) fn new() -> Self {
                static NEXT: AtomicUsize = AtomicUsize::new(0);
                let path = std::env::temp_dir().join(format!(
                    "gately-fixture-{}-{}",
                    std::process::id(),
                    NEXT.fetch_add(1, Ordering::Relaxed)
                ));
                std::fs::create_dir_all(&path).unwrap();
                Self(path)
            }
            pub(super) fn path(&self) -> &Path {
                &self.0
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    fn load_error(contacts: &str) -> String {
        let dir = dir_with(contacts);
        let err =
            FixtureSet::load(&FixtureSource::Dir(dir.path().to_owned()), &schema()).unwrap_err();
        err.to_string()
            .replace(&dir.path().display().to_string(), "DIR")
    }

    #[test]
    fn the_embedded_fixtures_load() {
        let set = FixtureSet::load(&FixtureSource::Embedded, &schema()).unwrap();
        assert!(set.contacts.len() >= 12);
        assert!(set.keys.len() >= 3);
        assert_eq!((set.lists.len(), set.segments.len()), (2, 3));
    }

    /// The error of the built-in fixtures with `file` written as `text`.
    fn load_error_with(file: &str, text: &str) -> String {
        let dir = dir_with(&FixtureSource::Embedded.read(CONTACTS_FILE).unwrap());
        std::fs::write(dir.path().join(file), text).unwrap();
        let err =
            FixtureSet::load(&FixtureSource::Dir(dir.path().to_owned()), &schema()).unwrap_err();
        err.to_string()
            .replace(&dir.path().display().to_string(), "DIR")
    }

    #[test]
    fn lists_and_segments_may_be_left_out() {
        let dir = dir_with(&FixtureSource::Embedded.read(CONTACTS_FILE).unwrap());
        let set = FixtureSet::load(&FixtureSource::Dir(dir.path().to_owned()), &schema()).unwrap();
        assert!(set.lists.is_empty() && set.segments.is_empty());
    }

    #[test]
    fn a_list_member_must_be_a_contact_of_the_list_s_project() {
        let list = |members: &str| {
            format!(
                r#"[{{"id":"7a4c2e10-3b5d-4f6a-8c9e-1d2f3a4b5c60","project_id":"3f6c2a91-8d4e-4b7a-9c15-2e8f0d6b4a73","name":"L","members":{members},"created_at":"2025-01-01T00:00:00.000Z"}}]"#
            )
        };
        let member =
            |id: &str| format!(r#"{{"contact_id":"{id}","added_at":"2025-01-01T00:00:00.000Z"}}"#);
        let jane = member("a1b2c3d4-e5f6-4789-abcd-ef1234567890");
        // Tom is a Globex contact.
        let tom = member("46282c91-3dc7-42d1-ac26-a564c4ce05fe");
        assert_eq!(
            load_error_with(LISTS_FILE, &list(&format!("[{jane},{tom}]"))),
            "DIR/lists.json: /0/members/1/contact_id: contact 46282c91-3dc7-42d1-ac26-a564c4ce05fe is not in contacts.json for project 3f6c2a91-8d4e-4b7a-9c15-2e8f0d6b4a73"
        );
        assert!(
            load_error_with(LISTS_FILE, &list(&format!("[{jane},{jane}]")))
                .starts_with("DIR/lists.json: /0/members/1/contact_id: contact a1b2c3d4")
        );
    }

    #[test]
    fn list_members_are_kept_oldest_first() {
        let dir = dir_with(&FixtureSource::Embedded.read(CONTACTS_FILE).unwrap());
        let lists = r#"[{"id":"7a4c2e10-3b5d-4f6a-8c9e-1d2f3a4b5c60","project_id":"3f6c2a91-8d4e-4b7a-9c15-2e8f0d6b4a73","name":"L","members":[{"contact_id":"a1b2c3d4-e5f6-4789-abcd-ef1234567890","added_at":"2025-03-03T00:00:00.000Z"},{"contact_id":"f7c2a47a-ed10-47d4-8ae0-28a305d98934","added_at":"2025-01-01T00:00:00.000Z"}],"created_at":"2025-01-01T00:00:00.000Z"}]"#;
        std::fs::write(dir.path().join(LISTS_FILE), lists).unwrap();
        let set = FixtureSet::load(&FixtureSource::Dir(dir.path().to_owned()), &schema()).unwrap();
        let order: Vec<String> = set.lists[0]
            .members
            .iter()
            .map(|member| member.contact_id.to_string()[..8].to_owned())
            .collect();
        assert_eq!(order, ["f7c2a47a", "a1b2c3d4"]);
    }

    #[test]
    fn a_bad_segment_rule_names_its_pointer() {
        let segments = r#"[{"id":"3c8e1f42-9a7b-4d5c-a6e2-0b4f8d1c7e53","project_id":"3f6c2a91-8d4e-4b7a-9c15-2e8f0d6b4a73","name":"S","rules":[{"field":"status","operator":"eq","value":"active"},{"field":"plan","operator":"eq","value":"pro"}],"created_at":"2025-01-01T00:00:00.000Z"}]"#;
        let error = load_error_with(SEGMENTS_FILE, segments);
        assert!(
            error.starts_with(
                "DIR/segments.json: /0/rules/1/field: \"plan\" is not a contact field"
            ),
            "{error}"
        );
    }

    #[test]
    fn a_bad_status_names_the_file_and_the_pointer() {
        let contacts = r#"[{"id":"a1b2c3d4-e5f6-4789-abcd-ef1234567890","project_id":"3f6c2a91-8d4e-4b7a-9c15-2e8f0d6b4a73","name":"A","email":"a@example.com","status":"actve","created_at":"2025-01-01T00:00:00.000Z"}]"#;
        assert_eq!(
            load_error(contacts),
            "DIR/contacts.json: /0/status: \"actve\" is not one of new, active, inactive, archived: did you mean \"active\"?"
        );
    }

    #[test]
    fn an_unknown_tag_name_is_refused_with_its_pointer() {
        let contacts = r#"[{"id":"a1b2c3d4-e5f6-4789-abcd-ef1234567890","project_id":"3f6c2a91-8d4e-4b7a-9c15-2e8f0d6b4a73","name":"A","email":"a@example.com","status":"new","tags":["VIP","Nope"],"created_at":"2025-01-01T00:00:00.000Z"}]"#;
        assert!(load_error(contacts).starts_with("DIR/contacts.json: /0/tags/1: tag \"Nope\""));
    }

    #[test]
    fn the_same_email_twice_in_a_project_is_refused() {
        let contact = |id: &str, email: &str| {
            format!(
                r#"{{"id":"{id}","project_id":"3f6c2a91-8d4e-4b7a-9c15-2e8f0d6b4a73","name":"A","email":"{email}","status":"new","created_at":"2025-01-01T00:00:00.000Z"}}"#
            )
        };
        let contacts = format!(
            "[{},{}]",
            contact("a1b2c3d4-e5f6-4789-abcd-ef1234567890", "a@example.com"),
            contact("b1b2c3d4-e5f6-4789-abcd-ef1234567890", "A@example.com")
        );
        assert!(load_error(&contacts).starts_with("DIR/contacts.json: /1/email:"));
    }
}
