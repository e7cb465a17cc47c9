//! The contract as JSON Schemas (draft 2020-12). The files in `schemas/` are embedded in the
//! binary and compiled once at start-up; they are the single source of truth for request
//! validation, the messages of problem bodies, the fixture checks and the mock's own
//! self-check (D13).
//!
//! A schema failure becomes a list of [`Violation`]s: one per failure, each with an RFC 6901
//! pointer into the instance and a message a person can act on. Two vendor keywords steer
//! lenient mode and the hints, so that they stay beside the fields they describe:
//! `x-gately-lenient-null` (lenient mode lets this property be `null`, D7) and
//! `x-gately-create-only` (names create accepts but this body does not, D3).

use std::borrow::Cow;
use std::sync::OnceLock;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{Draft, ValidationError, Validator};
use serde::Serialize;
use serde_json::Value;

use crate::suggest;
pub use in_place::InPlace;
use in_place::InPlaceJson;
pub(crate) use in_place::Scratch;

mod in_place;

/// One way an instance breaks the contract, in the D1 shape.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Violation {
    /// RFC 6901 pointer to the value at fault (`""` is the whole body); query parameters and
    /// headers use `/query/<name>` and `/headers/<name>`.
    pub pointer: String,
    /// What is wrong, in one sentence.
    pub message: String,
    /// The rule broken: a JSON Schema keyword, or the mock's own rule name.
    pub keyword: String,
}

impl Violation {
    /// A violation of a rule the schema does not express (headers, uniqueness, …). A key
    /// the message quotes (a client sent one as a value) is masked: messages are recorded.
    pub fn new(pointer: impl Into<String>, message: impl Into<String>, keyword: &str) -> Self {
        let message = message.into();
        Self {
            pointer: pointer.into(),
            message: match crate::secret::mask_keys_in(&message) {
                std::borrow::Cow::Borrowed(_) => message,
                std::borrow::Cow::Owned(masked) => masked,
            },
            keyword: keyword.to_owned(),
        }
    }
}

/// How much of what the docs do not promise is let through (see the decisions, "Two modes").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Strictness {
    /// The documented contract and nothing more.
    #[default]
    Strict,
    /// Harmless undocumented input is accepted and reported as a warning.
    Lenient,
    /// How `check` holds traffic from elsewhere to what the docs promise (D25): an
    /// undocumented field, or `null` where the docs say string, is a warning.
    Documented,
}

impl Strictness {
    /// `strict`, `lenient` or `documented`.
    pub fn name(self) -> &'static str {
        match self {
            Strictness::Strict => "strict",
            Strictness::Lenient => "lenient",
            Strictness::Documented => "documented",
        }
    }
}

/// The result of checking one instance: what refuses it and what only deserves a warning.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Findings {
    /// Failures that refuse the instance.
    pub violations: Vec<Violation>,
    /// Failures that lenient mode lets through.
    pub warnings: Vec<Violation>,
}

/// A compiled schema with the document it came from.
pub struct Schema {
    document: Value,
    validator: Validator,
    /// The same schema for a document read in place, compiled when first asked for.
    in_place: OnceLock<Validator<InPlaceJson>>,
}

/// Why an embedded schema could not be used: a bug in `schemas/`, caught by the test suite.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// The file is not JSON.
    #[error("schemas/{name}: invalid JSON")]
    Parse {
        /// The file name under `schemas/`.
        name: &'static str,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// The file is JSON but not a valid schema.
    #[error("schemas/{name}: invalid schema: {message}")]
    Compile {
        /// The file name under `schemas/`.
        name: &'static str,
        /// The compiler's explanation.
        message: String,
    },
}

impl Schema {
    /// Compiles the schema `source` (named `name` in errors), with format assertions on:
    /// the contract promises e-mail addresses, UUIDs and date-times, so they are checked.
    pub fn compile(name: &'static str, source: &str) -> Result<Self, SchemaError> {
        let document: Value =
            serde_json::from_str(source).map_err(|source| SchemaError::Parse { name, source })?;
        let validator = jsonschema::options()
            .with_draft(Draft::Draft202012)
            .should_validate_formats(true)
            .build(&document)
            .map_err(|err| SchemaError::Compile {
                name,
                message: err.to_string(),
            })?;
        Ok(Self {
            document,
            validator,
            in_place: OnceLock::new(),
        })
    }

    /// Compiles a schema built in code (from the schema files, never by hand).
    pub fn from_value(name: &'static str, document: Value) -> Result<Self, SchemaError> {
        Self::compile(name, &document.to_string())
    }

    /// The schema as written in `schemas/`.
    pub fn document(&self) -> &Value {
        &self.document
    }

    /// Whether `instance` satisfies the schema (the fast path: no messages are built).
    pub fn is_valid(&self, instance: &Value) -> bool {
        self.validator.is_valid(instance)
    }

    /// Whether `instance`, read in place, satisfies the schema: [`Schema::is_valid`] without
    /// building a `Value` (start-up's check of every contact of `contacts.json`). A text
    /// with a key twice cannot be read in place: judge its `Value`.
    pub(crate) fn is_valid_in_place(&self, instance: &InPlace<'_>) -> bool {
        let validator = self.in_place.get_or_init(|| {
            jsonschema::options_for::<InPlaceJson>()
                .with_draft(Draft::Draft202012)
                .should_validate_formats(true)
                .build(&self.document)
                .expect("the schema compiled for a Value compiles for any representation")
        });
        validator.is_valid(instance)
    }

    /// Every violation of `instance`, strictly.
    pub fn violations(&self, instance: &Value) -> Vec<Violation> {
        self.check(instance, Strictness::Strict).violations
    }

    /// Every failure of `instance`, sorted into violations and (lenient) warnings.
    pub fn check(&self, instance: &Value, strictness: Strictness) -> Findings {
        let mut findings = Findings::default();
        if self.is_valid(instance) {
            return findings;
        }
        for error in self.validator.iter_errors(instance) {
            self.sort_error(&error, strictness, &mut findings);
        }
        // The validator's order is its own; reports and snapshots want a stable one.
        let by_place =
            |a: &Violation, b: &Violation| (&a.pointer, &a.keyword).cmp(&(&b.pointer, &b.keyword));
        findings.violations.sort_by(by_place);
        findings.warnings.sort_by(by_place);
        findings
    }

    fn sort_error(&self, error: &ValidationError<'_>, strictness: Strictness, out: &mut Findings) {
        let lenient = strictness != Strictness::Strict;
        let pointer = error.instance_path().as_str();
        match error.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                let owner = self.schema_of_keyword(error);
                for name in unexpected {
                    let mut violation = Violation::new(
                        child_pointer(pointer, name),
                        unknown_field_message(name, owner),
                        "additionalProperties",
                    );
                    if lenient {
                        violation.message.push_str(match strictness {
                            Strictness::Documented => " (not documented)",
                            _ => " (ignored in lenient mode)",
                        });
                        out.warnings.push(violation);
                    } else {
                        out.violations.push(violation);
                    }
                }
            }
            ValidationErrorKind::Type { .. }
                if error.instance().is_null() && self.allows_lenient_null(error) =>
            {
                if lenient {
                    out.warnings.push(Violation::new(
                        pointer,
                        match strictness {
                            Strictness::Documented => "documented as string, null seen",
                            _ => "null is not documented for this field; lenient mode clears it",
                        },
                        "type",
                    ));
                } else {
                    out.violations.push(Violation::new(
                        pointer,
                        "expected string, found null: leave the field out to keep it (with --lenient, null clears it)",
                        "type",
                    ));
                }
            }
            ValidationErrorKind::Required { property } => {
                let name = property.as_str().unwrap_or_default();
                out.violations.push(Violation::new(
                    child_pointer(pointer, name),
                    format!("required field \"{name}\" is missing"),
                    "required",
                ));
            }
            kind => {
                // A value of the wrong JSON type is told as such, whichever rule caught it.
                let keyword = match kind {
                    ValidationErrorKind::Enum { options }
                        if !has_type_of(options, error.instance()) =>
                    {
                        "type"
                    }
                    kind => kind.keyword(),
                };
                let message = match self.schema_of_keyword(error) {
                    Some(owner) if owner.get(MESSAGE).is_some() => {
                        explained(owner, error.instance())
                    }
                    _ => describe(kind, error.instance()),
                };
                out.violations
                    .push(Violation::new(pointer, message, keyword));
            }
        }
    }

    /// The schema object that holds the failing keyword (e.g. the object schema of an
    /// `additionalProperties` failure), when it can be found in the document.
    fn schema_of_keyword(&self, error: &ValidationError<'_>) -> Option<&Value> {
        let path = error.schema_path().as_str();
        let parent = path.rsplit_once('/').map_or("", |(parent, _)| parent);
        node_at(&self.document, parent)
    }

    fn allows_lenient_null(&self, error: &ValidationError<'_>) -> bool {
        self.schema_of_keyword(error)
            .and_then(|property| property.get("x-gately-lenient-null"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }
}

/// The vendor keyword of a schema node whose failures all get one message, written for the
/// value's place: `{value}` is the value sent, `{type}` its JSON type. A value close to one
/// of the node's (or its branches') enumerated names is told which one it was likely meant
/// to be.
const MESSAGE: &str = "x-gately-message";

fn explained(owner: &Value, instance: &Value) -> String {
    let template = owner
        .get(MESSAGE)
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut message = template
        .replace("{value}", &excerpt(instance))
        .replace("{type}", json_type(instance));
    let branches = owner.get("anyOf").and_then(Value::as_array);
    let names = std::iter::once(owner)
        .chain(branches.into_iter().flatten())
        .filter_map(|node| node.get("enum").and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str);
    if let Some(meant) = instance
        .as_str()
        .and_then(|sent| suggest::closest(sent, names))
    {
        message.push_str(&format!(" (did you mean \"{meant}\"?)"));
    }
    message
}

/// The schema node at `path`, a keyword location: a `$ref` step goes to the definition
/// the reference names (`#/$defs/…`), as the validator went.
fn node_at<'a>(document: &'a Value, path: &str) -> Option<&'a Value> {
    let mut node = document;
    for step in path.split('/').skip(1) {
        let step = step.replace("~1", "/").replace("~0", "~");
        node = match (step.as_str(), node) {
            ("$ref", Value::Object(object)) => {
                let target = object.get("$ref")?.as_str()?.strip_prefix('#')?;
                document.pointer(target)?
            }
            (key, Value::Object(object)) => object.get(key)?,
            (index, Value::Array(items)) => items.get(index.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(node)
}

/// "unknown field", with a hint when the object schema documents something close (D3).
fn unknown_field_message(name: &str, owner: Option<&Value>) -> String {
    let create_only = owner
        .and_then(|schema| schema.get("x-gately-create-only"))
        .and_then(Value::as_array)
        .is_some_and(|names| names.iter().any(|known| known.as_str() == Some(name)));
    if create_only {
        return format!(
            "field \"{name}\" is accepted when creating a contact (POST /api/v1/contacts) but not when updating one"
        );
    }
    let known = owner
        .and_then(|schema| schema.get("properties"))
        .and_then(Value::as_object);
    match known.and_then(|props| suggest::closest(name, props.keys().map(String::as_str))) {
        Some(meant) => format!("unknown field \"{name}\": did you mean \"{meant}\"?"),
        None => format!("unknown field \"{name}\""),
    }
}

fn plural(count: u64) -> &'static str {
    if count == 1 { "" } else { "s" }
}

/// A message for one schema failure, written for the person who sent the value.
fn describe(kind: &ValidationErrorKind, instance: &Value) -> String {
    let value = excerpt(instance);
    match kind {
        ValidationErrorKind::Type { kind } => {
            let expected: Vec<&str> = match kind {
                TypeKind::Single(single) => vec![single.as_str()],
                TypeKind::Multiple(set) => set.iter().map(|t| t.as_str()).collect(),
            };
            format!(
                "expected {}, found {}",
                expected.join(" or "),
                json_type(instance)
            )
        }
        ValidationErrorKind::Enum { options } if !has_type_of(options, instance) => {
            let mut expected: Vec<&str> = options
                .as_array()
                .into_iter()
                .flatten()
                .map(json_type)
                .collect();
            expected.dedup();
            format!(
                "expected {}, found {}",
                expected.join(" or "),
                json_type(instance)
            )
        }
        ValidationErrorKind::Enum { options } => {
            let allowed: Vec<Cow<'_, str>> = options
                .as_array()
                .map(|values| values.iter().map(plain).collect())
                .unwrap_or_default();
            let names = options
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str);
            match instance
                .as_str()
                .and_then(|sent| suggest::closest(sent, names))
            {
                Some(meant) => format!(
                    "{value} is not one of {}: did you mean \"{meant}\"?",
                    allowed.join(", ")
                ),
                None => format!("{value} is not one of {}", allowed.join(", ")),
            }
        }
        ValidationErrorKind::Format { format } => match format.as_str() {
            "email" => email_refusal(&value, instance),
            "uuid" => format!("{value} is not a UUID"),
            "date-time" => format!("{value} is not an RFC 3339 date-time"),
            other => format!("{value} is not a valid {other}"),
        },
        ValidationErrorKind::MinLength { limit: 1 } => "must not be empty".to_owned(),
        ValidationErrorKind::MinLength { limit } => {
            format!("must be at least {limit} characters long")
        }
        ValidationErrorKind::MaxLength { limit } => {
            format!("must be at most {limit} characters long")
        }
        ValidationErrorKind::UniqueItems => match first_repeat(instance) {
            Some(repeated) => format!("{} appears more than once", excerpt(repeated)),
            None => "items must be unique".to_owned(),
        },
        ValidationErrorKind::Pattern { pattern } => format!("{value} does not match {pattern}"),
        ValidationErrorKind::MinItems { limit } => {
            format!("must hold at least {limit} item{}", plural(*limit))
        }
        ValidationErrorKind::MaxItems { limit } => {
            format!("must hold at most {limit} item{}", plural(*limit))
        }
        ValidationErrorKind::MinProperties { limit } => {
            format!("must hold at least {limit} member{}", plural(*limit))
        }
        ValidationErrorKind::MaxProperties { limit } => format!(
            "holds {} members; at most {limit} allowed",
            instance.as_object().map_or(0, serde_json::Map::len)
        ),
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            let reasons: Vec<String> = context
                .iter()
                .filter_map(|branch| branch.first())
                .map(|err| describe(err.kind(), err.instance()))
                .collect();
            format!("{value} matches no allowed form ({})", reasons.join("; "))
        }
        other => format!("{value} breaks the \"{}\" rule", other.keyword()),
    }
}

/// Why `instance` (quoted as `value`) is not an e-mail address the contract takes.
fn email_refusal(value: &str, instance: &Value) -> String {
    /// The longest address SMTP carries (RFC 5321: a 256-octet path, less its brackets).
    const LONGEST: usize = 254;
    let text = instance.as_str().unwrap_or_default();
    if let Some(c) = text.chars().find(|c| !c.is_ascii()) {
        return format!(
            "{value} is not an e-mail address the contract takes: it contains {c:?} (U+{:04X}), and the contract's email format is ASCII",
            u32::from(c)
        );
    }
    if text.len() > LONGEST {
        return format!(
            "{value} is not an e-mail address: it is {} characters long, and an address has at most {LONGEST}",
            text.len()
        );
    }
    format!("{value} is not an e-mail address")
}

/// Whether one of the enum's `options` has the JSON type of `instance`.
fn has_type_of(options: &Value, instance: &Value) -> bool {
    options
        .as_array()
        .into_iter()
        .flatten()
        .any(|option| json_type(option) == json_type(instance))
}

/// The JSON type name of a value, as JSON itself names it (any number is a number).
pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A value as JSON, cut short so that a message stays one readable line; a string cut
/// short still ends with its quote (`"aaaa…"`).
fn excerpt(value: &Value) -> String {
    const MAX: usize = 60;
    let text = value.to_string();
    match text.char_indices().nth(MAX) {
        Some((cut, _)) if value.is_string() => format!("{}…\"", &text[..cut]),
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// Enum options are listed bare when they are strings (`new, active`), as JSON otherwise.
fn plain(value: &Value) -> Cow<'_, str> {
    match value {
        Value::String(s) => Cow::Borrowed(s),
        other => Cow::Owned(other.to_string()),
    }
}

fn first_repeat(instance: &Value) -> Option<&Value> {
    let items = instance.as_array()?;
    items
        .iter()
        .enumerate()
        .find(|(i, item)| items[..*i].contains(item))
        .map(|(_, item)| item)
}

/// `parent` extended by one RFC 6901 reference token.
pub(crate) fn child_pointer(parent: &str, token: &str) -> String {
    let escaped = token.replace('~', "~0").replace('/', "~1");
    format!("{parent}/{escaped}")
}

/// Every schema of the contract, compiled.
pub struct SchemaRegistry {
    /// `PATCH /api/v1/contacts/{contactId}` request body.
    pub contact_patch: Schema,
    /// `POST /api/v1/contacts` request body.
    pub contact_create: Schema,
    /// `GET /api/v1/contacts` response: a page of contacts (built around `contact.json`).
    pub contact_list: Schema,
    /// `{ "message": … }` bodies (delete).
    pub message: Schema,
    /// `POST /api/v1/contacts/{contactId}/unsubscribes` request body.
    pub unsubscribe: Schema,
    /// An unsubscribe record (D21).
    pub unsubscribe_record: Schema,
    /// `GET …/unsubscribes`: an array of records (built around the record schema).
    pub unsubscribe_list: Schema,
    /// The custom-fields object, and its merge patch (D18).
    pub custom_fields: Schema,
    /// A tag, as the tag routes answer it.
    pub tag: Schema,
    /// `GET /api/v1/contacts/tags`: an array of tags.
    pub tag_list: Schema,
    /// `POST /api/v1/contacts/bulk-import` body (the envelope; rows use `contact_create`).
    pub bulk_import: Schema,
    /// The bulk import's answer.
    pub bulk_import_result: Schema,
    /// `POST /api/v1/contacts/tags` body.
    pub tag_create: Schema,
    /// `PUT /api/v1/contacts/tags/{tagId}` body.
    pub tag_update: Schema,
    /// `POST /api/v1/contacts/contact-tags` body.
    pub contact_tag: Schema,
    /// The contact object the mock sends (D12).
    pub contact: Schema,
    /// The contact object as the docs promise it (D25).
    pub contact_documented: Schema,
    /// Problem details (D1).
    pub problem: Schema,
    /// A fixtures directory (D22).
    pub fixtures: Schema,
    /// One item of `contacts.json` (built from `fixtures.json`): a long file's contacts are
    /// checked one by one.
    pub contact_fixture: Schema,
    /// A recorded exchange (D23).
    pub exchange: Schema,
    /// A fixture set in the inline layout (`{"api_keys", "tags", "contacts"}`, each
    /// optional): a workspace's `state` (built around `fixtures.json`).
    pub fixture_layout: Schema,
    /// `POST /__admin/workspaces` body (D26).
    pub workspace_create: Schema,
    /// `POST /__admin/clock` body (D27).
    pub clock_change: Schema,
    /// A fault plan: `--faults`, `PUT /__admin/faults` (D30).
    pub fault_plan: Schema,
    /// A contact list, as the list routes answer it (D28).
    pub list: Schema,
    /// `GET /api/v1/contacts/lists`: an array of lists.
    pub lists: Schema,
    /// `POST /api/v1/contacts/lists` body.
    pub list_create: Schema,
    /// `PATCH /api/v1/contacts/lists/{listId}` body (built from `list-create.json`).
    pub list_update: Schema,
    /// A member of a list with its contact (built around `contact.json`).
    pub list_member: Schema,
    /// `GET …/lists/{listId}/members`: an array of members.
    pub list_members: Schema,
    /// `POST …/lists/{listId}/members` body.
    pub list_member_add: Schema,
    /// One rule of a segment (D29).
    pub segment_rule: Schema,
    /// A segment, as the segment routes answer it (D29).
    pub segment: Schema,
    /// `GET /api/v1/contacts/segments`: an array of segments.
    pub segments: Schema,
    /// `POST /api/v1/contacts/segments` body.
    pub segment_create: Schema,
    /// `PATCH /api/v1/contacts/segments/{segmentId}` body (built from
    /// `segment-create.json`).
    pub segment_update: Schema,
}

/// A schema of the registry, by name: how the operation table refers to one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SchemaId {
    /// `contact-patch.json`
    ContactPatch,
    /// `contact-create.json`
    ContactCreate,
    /// A page of contacts (built around `contact.json`).
    ContactList,
    /// `message.json`
    Message,
    /// `unsubscribe.json`
    Unsubscribe,
    /// `unsubscribe-record.json`
    UnsubscribeRecord,
    /// An array of unsubscribe records.
    UnsubscribeList,
    /// `custom-fields.json`
    CustomFields,
    /// `tag.json`
    Tag,
    /// An array of tags.
    TagList,
    /// `bulk-import.json`
    BulkImport,
    /// `bulk-import-result.json`
    BulkImportResult,
    /// `tag-create.json`
    TagCreate,
    /// `tag-update.json`
    TagUpdate,
    /// `contact-tag.json`
    ContactTag,
    /// `contact.json`
    Contact,
    /// `contact.documented.json`
    ContactDocumented,
    /// `list.json`
    List,
    /// An array of lists.
    Lists,
    /// `list-create.json`
    ListCreate,
    /// A partial `list-create.json`.
    ListUpdate,
    /// A list member with its contact.
    ListMember,
    /// An array of list members.
    ListMembers,
    /// `list-member-add.json`
    ListMemberAdd,
    /// `segment.json`
    Segment,
    /// An array of segments.
    Segments,
    /// `segment-create.json`
    SegmentCreate,
    /// A partial `segment-create.json`.
    SegmentUpdate,
}

impl SchemaId {
    /// The component name of the schema in the OpenAPI document.
    pub(crate) fn component(self) -> &'static str {
        match self {
            SchemaId::ContactPatch => "ContactPatch",
            SchemaId::ContactCreate => "ContactCreate",
            SchemaId::ContactList => "ContactList",
            SchemaId::Message => "Message",
            SchemaId::Unsubscribe => "Unsubscribe",
            SchemaId::UnsubscribeRecord => "UnsubscribeRecord",
            SchemaId::UnsubscribeList => "UnsubscribeList",
            SchemaId::CustomFields => "CustomFields",
            SchemaId::Tag => "Tag",
            SchemaId::TagList => "TagList",
            SchemaId::BulkImport => "BulkImport",
            SchemaId::BulkImportResult => "BulkImportResult",
            SchemaId::TagCreate => "TagCreate",
            SchemaId::TagUpdate => "TagUpdate",
            SchemaId::ContactTag => "ContactTag",
            SchemaId::Contact => "Contact",
            SchemaId::ContactDocumented => "ContactDocumented",
            SchemaId::List => "ContactListObject",
            SchemaId::Lists => "ContactLists",
            SchemaId::ListCreate => "ContactListCreate",
            SchemaId::ListUpdate => "ContactListUpdate",
            SchemaId::ListMember => "ListMember",
            SchemaId::ListMembers => "ListMembers",
            SchemaId::ListMemberAdd => "ListMemberAdd",
            SchemaId::Segment => "Segment",
            SchemaId::Segments => "Segments",
            SchemaId::SegmentCreate => "SegmentCreate",
            SchemaId::SegmentUpdate => "SegmentUpdate",
        }
    }
}

/// The schema files, by name, exactly as embedded.
pub(crate) const SOURCES: [(&str, &str); 26] = [
    (
        "contact-patch.json",
        include_str!("../../schemas/contact-patch.json"),
    ),
    (
        "contact-create.json",
        include_str!("../../schemas/contact-create.json"),
    ),
    ("message.json", include_str!("../../schemas/message.json")),
    (
        "bulk-import.json",
        include_str!("../../schemas/bulk-import.json"),
    ),
    (
        "bulk-import-result.json",
        include_str!("../../schemas/bulk-import-result.json"),
    ),
    ("tag.json", include_str!("../../schemas/tag.json")),
    (
        "tag-create.json",
        include_str!("../../schemas/tag-create.json"),
    ),
    (
        "tag-update.json",
        include_str!("../../schemas/tag-update.json"),
    ),
    (
        "contact-tag.json",
        include_str!("../../schemas/contact-tag.json"),
    ),
    (
        "unsubscribe.json",
        include_str!("../../schemas/unsubscribe.json"),
    ),
    (
        "unsubscribe-record.json",
        include_str!("../../schemas/unsubscribe-record.json"),
    ),
    (
        "custom-fields.json",
        include_str!("../../schemas/custom-fields.json"),
    ),
    ("contact.json", include_str!("../../schemas/contact.json")),
    (
        "contact.documented.json",
        include_str!("../../schemas/contact.documented.json"),
    ),
    ("problem.json", include_str!("../../schemas/problem.json")),
    ("fixtures.json", include_str!("../../schemas/fixtures.json")),
    ("exchange.json", include_str!("../../schemas/exchange.json")),
    (
        "workspace-create.json",
        include_str!("../../schemas/workspace-create.json"),
    ),
    (
        "clock-change.json",
        include_str!("../../schemas/clock-change.json"),
    ),
    (
        "fault-plan.json",
        include_str!("../../schemas/fault-plan.json"),
    ),
    ("list.json", include_str!("../../schemas/list.json")),
    (
        "list-create.json",
        include_str!("../../schemas/list-create.json"),
    ),
    (
        "list-member-add.json",
        include_str!("../../schemas/list-member-add.json"),
    ),
    (
        "segment-rule.json",
        include_str!("../../schemas/segment-rule.json"),
    ),
    ("segment.json", include_str!("../../schemas/segment.json")),
    (
        "segment-create.json",
        include_str!("../../schemas/segment-create.json"),
    ),
];

impl SchemaRegistry {
    /// The schema `id` names.
    pub(crate) fn get(&self, id: SchemaId) -> &Schema {
        match id {
            SchemaId::ContactPatch => &self.contact_patch,
            SchemaId::ContactCreate => &self.contact_create,
            SchemaId::ContactList => &self.contact_list,
            SchemaId::Message => &self.message,
            SchemaId::Unsubscribe => &self.unsubscribe,
            SchemaId::UnsubscribeRecord => &self.unsubscribe_record,
            SchemaId::UnsubscribeList => &self.unsubscribe_list,
            SchemaId::CustomFields => &self.custom_fields,
            SchemaId::Tag => &self.tag,
            SchemaId::TagList => &self.tag_list,
            SchemaId::BulkImport => &self.bulk_import,
            SchemaId::BulkImportResult => &self.bulk_import_result,
            SchemaId::TagCreate => &self.tag_create,
            SchemaId::TagUpdate => &self.tag_update,
            SchemaId::ContactTag => &self.contact_tag,
            SchemaId::Contact => &self.contact,
            SchemaId::ContactDocumented => &self.contact_documented,
            SchemaId::List => &self.list,
            SchemaId::Lists => &self.lists,
            SchemaId::ListCreate => &self.list_create,
            SchemaId::ListUpdate => &self.list_update,
            SchemaId::ListMember => &self.list_member,
            SchemaId::ListMembers => &self.list_members,
            SchemaId::ListMemberAdd => &self.list_member_add,
            SchemaId::Segment => &self.segment,
            SchemaId::Segments => &self.segments,
            SchemaId::SegmentCreate => &self.segment_create,
            SchemaId::SegmentUpdate => &self.segment_update,
        }
    }

    /// Compiles every embedded schema.
    pub fn compile() -> Result<Self, SchemaError> {
        let [
            patch,
            create,
            message,
            bulk_import,
            bulk_import_result,
            tag,
            tag_create,
            tag_update,
            contact_tag,
            unsubscribe,
            record,
            custom_fields,
            contact,
            documented,
            problem,
            fixtures,
            exchange,
            workspace_create,
            clock_change,
            fault_plan,
            list,
            list_create,
            list_member_add,
            segment_rule,
            segment,
            segment_create,
        ] = SOURCES;
        let rule = Schema::compile(segment_rule.0, segment_rule.1)?;
        let with_rule = |(name, source): (&'static str, &str)| {
            let document: Value = serde_json::from_str(source)
                .map_err(|source| SchemaError::Parse { name, source })?;
            Schema::from_value(name, with_rule(document, rule.document()))
        };
        let fixtures = with_rule(fixtures)?;
        let contact = Schema::compile(contact.0, contact.1)?;
        let list_member = member_of(contact.document());
        let unsubscribe_record = Schema::compile(record.0, record.1)?;
        let tag = Schema::compile(tag.0, tag.1)?;
        let list = Schema::compile(list.0, list.1)?;
        let list_create_schema = Schema::compile(list_create.0, list_create.1)?;
        let segment = with_rule(segment)?;
        let segment_create = with_rule(segment_create)?;
        Ok(Self {
            contact_patch: Schema::compile(patch.0, patch.1)?,
            contact_create: Schema::compile(create.0, create.1)?,
            contact_list: Schema::from_value("contact list", list_of(contact.document()))?,
            message: Schema::compile(message.0, message.1)?,
            unsubscribe: Schema::compile(unsubscribe.0, unsubscribe.1)?,
            unsubscribe_list: Schema::from_value(
                "unsubscribe list",
                array_of("Unsubscribe records", unsubscribe_record.document()),
            )?,
            unsubscribe_record,
            custom_fields: Schema::compile(custom_fields.0, custom_fields.1)?,
            tag_list: Schema::from_value("tag list", array_of("Tags", tag.document()))?,
            tag,
            tag_create: Schema::compile(tag_create.0, tag_create.1)?,
            bulk_import: Schema::compile(bulk_import.0, bulk_import.1)?,
            bulk_import_result: Schema::compile(bulk_import_result.0, bulk_import_result.1)?,
            tag_update: Schema::compile(tag_update.0, tag_update.1)?,
            contact_tag: Schema::compile(contact_tag.0, contact_tag.1)?,
            contact,
            contact_documented: Schema::compile(documented.0, documented.1)?,
            problem: Schema::compile(problem.0, problem.1)?,
            fixture_layout: Schema::from_value("fixture layout", layout_of(fixtures.document()))?,
            contact_fixture: Schema::from_value(
                "contact fixture",
                item_of(fixtures.document(), "contacts.json"),
            )?,
            fixtures,
            exchange: Schema::compile(exchange.0, exchange.1)?,
            workspace_create: Schema::compile(workspace_create.0, workspace_create.1)?,
            clock_change: Schema::compile(clock_change.0, clock_change.1)?,
            fault_plan: Schema::compile(fault_plan.0, fault_plan.1)?,
            list_members: Schema::from_value(
                "list members",
                array_of("List members", &list_member),
            )?,
            list_member: Schema::from_value("list member", list_member)?,
            list_update: Schema::from_value(
                "list update",
                partial_of(
                    list_create_schema.document(),
                    "Contact list update request",
                    "Body of PATCH /api/v1/contacts/lists/{listId} (D28): only the fields sent change; a null description clears it.",
                ),
            )?,
            list_create: list_create_schema,
            lists: Schema::from_value("list list", array_of("Contact lists", list.document()))?,
            list,
            list_member_add: Schema::compile(list_member_add.0, list_member_add.1)?,
            segments: Schema::from_value("segment list", array_of("Segments", segment.document()))?,
            segment,
            segment_update: Schema::from_value(
                "segment update",
                partial_of(
                    segment_create.document(),
                    "Segment update request",
                    "Body of PATCH /api/v1/contacts/segments/{segmentId} (D29): only the fields sent change; rules, when sent, replace every rule.",
                ),
            )?,
            segment_create,
            segment_rule: rule,
        })
    }
}

/// The inline layout of a fixture set around `fixtures` (`schemas/fixtures.json`): each
/// file's content under its member name (`api-keys.json` → `api_keys`), every member
/// optional. Built here so that `fixtures.json` stays the one description of fixtures.
fn layout_of(fixtures: &Value) -> Value {
    let mut layout = fixtures.clone();
    if let Some(object) = layout.as_object_mut() {
        object.remove("required");
        object.insert("title".to_owned(), Value::from("Fixture set, inline"));
        object.insert(
            "description".to_owned(),
            Value::from("A workspace's state (D26): each member holds what one fixture file would; in PUT …/state a member left out keeps its data as it is now, in a new workspace's fixtures it is the server's."),
        );
        if let Some(Value::Object(properties)) = object.get_mut("properties") {
            let renamed = std::mem::take(properties)
                .into_iter()
                .map(|(file, schema)| {
                    let member = file.trim_end_matches(".json").replace('-', "_");
                    (member, schema)
                });
            *properties = renamed.collect();
        }
    }
    layout
}

/// The schema of one item of `file` in `fixtures` (`schemas/fixtures.json`), with the
/// definitions it refers to.
fn item_of(fixtures: &Value, file: &str) -> Value {
    let mut item = fixtures["properties"][file]["items"].clone();
    if let (Some(object), Some(defs)) = (item.as_object_mut(), fixtures.get("$defs")) {
        object.insert("$defs".to_owned(), defs.clone());
    }
    item
}

/// `document` with each reference to `segment-rule.json` pointed at a copy of `rule` in
/// its own `$defs` (`segment_rule`): the rule is described once, in its file, and
/// embedded where bodies and fixtures hold rules.
fn with_rule(mut document: Value, rule: &Value) -> Value {
    fn point(value: &mut Value) {
        match value {
            Value::Object(object) => {
                if object.get("$ref").and_then(Value::as_str) == Some("segment-rule.json") {
                    object.insert("$ref".to_owned(), Value::from("#/$defs/segment_rule"));
                }
                object.values_mut().for_each(point);
            }
            Value::Array(items) => items.iter_mut().for_each(point),
            _ => {}
        }
    }
    point(&mut document);
    let mut rule = rule.clone();
    if let Some(object) = rule.as_object_mut() {
        object.remove("$schema");
    }
    if let Some(object) = document.as_object_mut() {
        let defs = object
            .entry("$defs")
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
        if let Some(defs) = defs.as_object_mut() {
            defs.insert("segment_rule".to_owned(), rule);
        }
    }
    document
}

/// A partial update body made from a create body `create`: the same fields, none required.
fn partial_of(create: &Value, title: &str, description: &str) -> Value {
    let mut partial = create.clone();
    if let Some(object) = partial.as_object_mut() {
        object.remove("required");
        object.insert("title".to_owned(), Value::from(title));
        object.insert("description".to_owned(), Value::from(description));
    }
    partial
}

/// A list member (D28) around the contact schema `contact`: `crm_contacts` holds the
/// contact.
fn member_of(contact: &Value) -> Value {
    let mut item = contact.clone();
    let defs = item.as_object_mut().and_then(|object| {
        object.remove("$schema");
        object.remove("$defs")
    });
    // The contact's timestamp, written out: the member's own fields need none of the
    // contact's definitions, so the OpenAPI document can name the contact by reference.
    let timestamp = defs
        .as_ref()
        .and_then(|defs| defs.get("timestamp"))
        .cloned()
        .unwrap_or_else(|| serde_json::json!({ "type": "string", "format": "date-time" }));
    serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "List member",
        "description": "A contact's membership of a list (D28), with the contact.",
        "type": "object",
        "additionalProperties": false,
        "required": ["contact_id", "list_id", "added_at", "crm_contacts"],
        "properties": {
            "contact_id": { "type": "string", "format": "uuid" },
            "list_id": { "type": "string", "format": "uuid" },
            "added_at": timestamp,
            "crm_contacts": item,
        },
        "$defs": defs.unwrap_or_else(|| serde_json::json!({})),
    })
}

/// An array of `item` documents, as a schema of its own.
/// The item's `$defs` move to the array, where its references (`#/$defs/…`) resolve.
fn array_of(title: &str, item: &Value) -> Value {
    let mut item = item.clone();
    let defs = item.as_object_mut().and_then(|object| {
        object.remove("$schema");
        object.remove("$defs")
    });
    let mut array = serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        "type": "array",
        "items": item,
    });
    if let Some(defs) = defs {
        array["$defs"] = defs;
    }
    array
}

/// The `GET /api/v1/contacts` body around the contact schema `contact` (D19): `contacts`
/// holds contact objects, `pagination` the page. Built here so that `contact.json` stays
/// the one description of a contact.
fn list_of(contact: &Value) -> Value {
    let mut item = contact.clone();
    let defs = item.as_object_mut().and_then(|object| {
        object.remove("$schema");
        object.remove("$defs")
    });
    let count = serde_json::json!({ "type": "integer", "minimum": 0 });
    serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Contact list",
        "type": "object",
        "additionalProperties": false,
        "required": ["contacts", "pagination"],
        "properties": {
            "contacts": { "type": "array", "items": item },
            "pagination": {
                "type": "object",
                "additionalProperties": false,
                "required": ["page", "limit", "total", "pages"],
                "properties": {
                    "page": { "type": "integer", "minimum": 1 },
                    "limit": { "type": "integer", "minimum": 1, "maximum": 200 },
                    "total": count,
                    "pages": count,
                },
            },
        },
        "$defs": defs.unwrap_or_else(|| serde_json::json!({})),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn registry() -> SchemaRegistry {
        SchemaRegistry::compile().expect("the embedded schemas compile")
    }

    #[test]
    fn the_seed_example_body_is_valid() {
        let body = json!({"status": "inactive", "notes": "Churned after trial"});
        assert!(registry().contact_patch.violations(&body).is_empty());
    }

    #[test]
    fn every_violation_is_reported_with_its_pointer() {
        let body = json!({"status": "actve", "email": "nope", "tags": ["VIP", "VIP"], "statsu": 1});
        let found = registry().contact_patch.violations(&body);
        let summary: Vec<(&str, &str, &str)> = found
            .iter()
            .map(|v| (v.pointer.as_str(), v.keyword.as_str(), v.message.as_str()))
            .collect();
        assert_eq!(
            summary,
            [
                ("/email", "format", "\"nope\" is not an e-mail address"),
                (
                    "/statsu",
                    "additionalProperties",
                    "unknown field \"statsu\": did you mean \"status\"?"
                ),
                (
                    "/status",
                    "enum",
                    "\"actve\" is not one of new, active, inactive, archived: did you mean \"active\"?"
                ),
                ("/tags", "uniqueItems", "\"VIP\" appears more than once"),
            ]
        );
    }

    #[test]
    fn a_value_of_the_wrong_type_is_told_as_such_not_as_a_missing_option() {
        let found = registry()
            .contact_patch
            .violations(&json!({"status": 1, "name": 2.5, "tags": "VIP"}));
        let summary: Vec<(&str, &str, &str)> = found
            .iter()
            .map(|v| (v.pointer.as_str(), v.keyword.as_str(), v.message.as_str()))
            .collect();
        assert_eq!(
            summary,
            [
                ("/name", "type", "expected string, found number"),
                ("/status", "type", "expected string, found number"),
                ("/tags", "type", "expected array, found string"),
            ]
        );
    }

    #[test]
    fn a_refused_e_mail_says_why() {
        let long = format!("{}@example.com", "a".repeat(250));
        let found = registry().contact_patch.violations(&json!({"email": long}));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].message.starts_with(&format!("\"{}…\" is not an e-mail address: it is 262 characters long, and an address has at most 254", "a".repeat(59))),
            "{}",
            found[0].message
        );
        let found = registry()
            .contact_patch
            .violations(&json!({"email": "josé@example.com"}));
        assert_eq!(
            found[0].message,
            "\"josé@example.com\" is not an e-mail address the contract takes: it contains 'é' (U+00E9), and the contract's email format is ASCII"
        );
    }

    #[test]
    fn a_create_only_field_says_so() {
        let found = registry()
            .contact_patch
            .violations(&json!({"external_id": "x"}));
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("accepted when creating"));
    }

    #[test]
    fn lenient_mode_turns_unknown_fields_and_nulls_into_warnings() {
        let body = json!({"statsu": "x", "phone": null, "name": null});
        let findings = registry().contact_patch.check(&body, Strictness::Lenient);
        let pointers = |list: &[Violation]| -> Vec<String> {
            list.iter().map(|v| v.pointer.clone()).collect()
        };
        assert_eq!(pointers(&findings.violations), ["/name"]);
        assert_eq!(pointers(&findings.warnings), ["/phone", "/statsu"]);
    }

    #[test]
    fn pointers_escape_slashes_and_tildes() {
        assert_eq!(child_pointer("", "a/b~c"), "/a~1b~0c");
    }
}
