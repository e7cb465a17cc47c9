//! What a handler gets: the request's query or body, checked against the contract and
//! read into typed values. A body reader runs after its schema passed, so a value of the
//! wrong shape there is a schema and code that drifted apart, never the client's fault; a
//! query reader checks its parameters itself (`query`).

use serde::Deserialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::api::error::ApiError;
use crate::api::query::{self, Page};
use crate::schema::{Findings, InPlace, SchemaRegistry, Strictness, Violation};
use crate::store::contact::CreateOnly;
use crate::store::patch::ContactPatch;
use crate::store::segment::Rule;
use crate::store::{ContactQuery, SegmentChange};

/// The advice recorded when `unsubscribed` changes through PATCH (D8).
pub(crate) const UNSUBSCRIBED_ADVICE: &str = "unsubscribed was changed through PATCH, which keeps no audit record; the docs advise POST or DELETE /api/v1/contacts/{contactId}/unsubscribes";

/// Reads a checked body; may add findings that do not refuse it (warnings, bulk rows).
#[derive(Clone, Copy, Debug)]
pub(crate) enum BodyReader {
    /// From the body's `Value`.
    Value(fn(Value, &SchemaRegistry, Strictness, &mut Findings) -> Result<Input, ApiError>),
    /// From the body read in place, its strings borrowed from the text: for the PATCH,
    /// which clients send most. A `Value` for it (3 200 instructions a seed PATCH, an
    /// `IndexMap` and a `String` for every key and value) was a tenth of its cost.
    InPlace(fn(&InPlace<'_>, &mut Findings) -> Result<Input, ApiError>),
}

/// Checks a raw query string and reads it; unknown parameters are warnings when lenient.
pub(crate) type QueryReader =
    fn(Option<&str>, Strictness, &mut Findings) -> Result<Input, ApiError>;

/// The typed input of one operation.
#[derive(Debug)]
pub(crate) enum Input {
    /// Nothing beyond the key and the path.
    None,
    /// `GET /api/v1/contacts`: the page asked for.
    ContactQuery(ContactQuery),
    /// `DELETE …/contact-tags`: the contact and the tag.
    ContactTagQuery(ContactTag),
    /// `PATCH …/{contactId}`: the fields sent.
    ContactPatch(ContactPatch),
    /// `POST /api/v1/contacts`: the new contact.
    NewContact(NewContact),
    /// `POST …/bulk-import`: every row, each readable or refused.
    BulkImport(Vec<BulkRow>),
    /// `POST …/tags`
    NewTag(NewTag),
    /// `PUT …/tags/{tagId}`
    TagChange(TagChange),
    /// `POST …/contact-tags`
    ContactTag(ContactTag),
    /// `POST …/unsubscribes`
    Unsubscribe(UnsubscribeRequest),
    /// `PATCH …/custom-fields`: the merge patch.
    CustomFields(Map<String, Value>),
    /// `POST …/lists`
    NewList(NewList),
    /// `PATCH …/lists/{listId}`
    ListChange(ListChange),
    /// `GET …/lists/{listId}/members`: the page asked for.
    Page(Page),
    /// `POST …/lists/{listId}/members`, `DELETE …/members?contact_id=`: the contact.
    Member(Uuid),
    /// `POST …/segments`
    NewSegment(NewSegment),
    /// `PATCH …/segments/{segmentId}`
    SegmentChange(SegmentChange),
}

/// `POST /api/v1/contacts/lists` (D28)
#[derive(Debug, Deserialize)]
pub(crate) struct NewList {
    /// The name, unique in the project.
    pub(crate) name: String,
    /// What the list is for.
    #[serde(default)]
    pub(crate) description: Option<String>,
}

/// `PATCH /api/v1/contacts/lists/{listId}`: `None` leaves a field as it is.
#[derive(Debug, Deserialize)]
pub(crate) struct ListChange {
    /// A new name.
    #[serde(default)]
    pub(crate) name: Option<String>,
    /// A new description; `Some(None)` clears it.
    #[serde(default, deserialize_with = "sent")]
    pub(crate) description: Option<Option<String>>,
}

/// `POST /api/v1/contacts/segments` (D29)
#[derive(Debug)]
pub(crate) struct NewSegment {
    /// Its name.
    pub(crate) name: String,
    /// What it is for.
    pub(crate) description: Option<String>,
    /// Its rules.
    pub(crate) rules: Vec<Rule>,
}

/// The body of `POST …/lists/{listId}/members`.
#[derive(Deserialize)]
struct MemberBody {
    contact_id: Uuid,
}

/// A contact to create (D20): its fields, and those only a create accepts.
#[derive(Debug)]
pub(crate) struct NewContact {
    /// The fields, as a patch of an empty contact.
    pub(crate) draft: ContactPatch,
    /// `address_line_1`, `address_line_2`, `external_id`.
    pub(crate) create_only: CreateOnly,
}

/// One row of a bulk import.
#[derive(Debug)]
pub(crate) struct BulkRow {
    /// Its place in the payload.
    pub(crate) index: usize,
    /// Its `email`, as sent, for the report.
    pub(crate) email: Option<String>,
    /// The contact, or why the row breaks the create contract.
    pub(crate) contact: Result<NewContact, Vec<Violation>>,
}

/// `POST /api/v1/contacts/tags`
#[derive(Debug, Deserialize)]
pub(crate) struct NewTag {
    /// The name, unique in the project.
    pub(crate) name: String,
    /// `#rrggbb`, or none.
    #[serde(default)]
    pub(crate) color: Option<String>,
}

/// `PUT /api/v1/contacts/tags/{tagId}`: `None` leaves a field as it is.
#[derive(Debug, Deserialize)]
pub(crate) struct TagChange {
    /// A new name.
    #[serde(default)]
    pub(crate) name: Option<String>,
    /// A new colour; `Some(None)` clears it.
    #[serde(default, deserialize_with = "sent")]
    pub(crate) color: Option<Option<String>>,
}

/// A contact and a tag of it.
#[derive(Debug, Deserialize)]
pub(crate) struct ContactTag {
    /// The contact.
    pub(crate) contact_id: Uuid,
    /// The tag.
    pub(crate) tag_id: Uuid,
}

/// `POST …/unsubscribes` (D21): both optional.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct UnsubscribeRequest {
    /// Why.
    #[serde(default)]
    pub(crate) reason: Option<String>,
    /// Where the request came from.
    #[serde(default)]
    pub(crate) source: Option<String>,
}

/// A field that was sent, `null` or not: `Some(None)` for `null`.
fn sent<'de, D: serde::Deserializer<'de>>(from: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(from).map(Some)
}

/// `body` as `T`; failing, a schema that let a body of the wrong shape through.
fn typed<T: serde::de::DeserializeOwned>(body: Value, schema: &str) -> Result<T, ApiError> {
    serde_json::from_value(body).map_err(|err| ApiError::Internal {
        message: format!("schemas/{schema} let a body through that does not read: {err}"),
    })
}

/// `body` as a JSON object.
fn object(body: Value, schema: &str) -> Result<Map<String, Value>, ApiError> {
    match body {
        Value::Object(fields) => Ok(fields),
        _ => Err(non_object(schema)),
    }
}

fn non_object(schema: &str) -> ApiError {
    ApiError::Internal {
        message: format!("schemas/{schema} let a non-object body through"),
    }
}

/// `PATCH /api/v1/contacts/{contactId}` (D6–D11).
pub(crate) fn contact_patch(
    body: &InPlace<'_>,
    findings: &mut Findings,
) -> Result<Input, ApiError> {
    if !matches!(body, InPlace::Object(_)) {
        return Err(non_object("contact-patch.json"));
    }
    let patch = ContactPatch::from_body(body)?;
    if patch.unsubscribed.is_some() {
        findings.warnings.push(Violation::new(
            "/unsubscribed",
            UNSUBSCRIBED_ADVICE,
            "unsubscribed",
        ));
    }
    Ok(Input::ContactPatch(patch))
}

/// `POST /api/v1/contacts` (D20).
pub(crate) fn new_contact(
    body: Value,
    _: &SchemaRegistry,
    _: Strictness,
    _: &mut Findings,
) -> Result<Input, ApiError> {
    Ok(Input::NewContact(read_new_contact(body)?))
}

fn read_new_contact(body: Value) -> Result<NewContact, ApiError> {
    let mut fields = object(body, "contact-create.json")?;
    let mut take = |name: &str| match fields.remove(name) {
        Some(Value::String(text)) => Some(text),
        _ => None,
    };
    let create_only = CreateOnly {
        address_line_1: take("address_line_1"),
        address_line_2: take("address_line_2"),
        external_id: take("external_id"),
    };
    Ok(NewContact {
        draft: ContactPatch::from_body(&InPlace::of(&Value::Object(fields)))?,
        create_only,
    })
}

/// `POST /api/v1/contacts/bulk-import`: each row held to the create contract on its own. A
/// row that breaks it is a violation of the exchange (pointers `/contacts/<index>/…`) but
/// does not refuse the others.
pub(crate) fn bulk_import(
    body: Value,
    schemas: &SchemaRegistry,
    strictness: Strictness,
    findings: &mut Findings,
) -> Result<Input, ApiError> {
    let mut body = object(body, "bulk-import.json")?;
    let Some(Value::Array(rows)) = body.remove("contacts") else {
        return Err(ApiError::Internal {
            message: "schemas/bulk-import.json let a body without a contacts array through"
                .to_owned(),
        });
    };
    let mut read = Vec::with_capacity(rows.len());
    for (index, row) in rows.into_iter().enumerate() {
        let at = |mut violation: Violation| {
            violation.pointer = format!("/contacts/{index}{}", violation.pointer);
            violation
        };
        let email = row.get("email").and_then(Value::as_str).map(str::to_owned);
        let checked = schemas.contact_create.check(&row, strictness);
        findings
            .warnings
            .extend(checked.warnings.into_iter().map(at));
        let contact = if checked.violations.is_empty() {
            Ok(read_new_contact(row)?)
        } else {
            findings
                .violations
                .extend(checked.violations.iter().cloned().map(at));
            Err(checked.violations)
        };
        read.push(BulkRow {
            index,
            email,
            contact,
        });
    }
    Ok(Input::BulkImport(read))
}

/// `POST /api/v1/contacts/tags`
pub(crate) fn new_tag(
    body: Value,
    _: &SchemaRegistry,
    _: Strictness,
    _: &mut Findings,
) -> Result<Input, ApiError> {
    typed(body, "tag-create.json").map(Input::NewTag)
}

/// `PUT /api/v1/contacts/tags/{tagId}`
pub(crate) fn tag_change(
    body: Value,
    _: &SchemaRegistry,
    _: Strictness,
    _: &mut Findings,
) -> Result<Input, ApiError> {
    typed(body, "tag-update.json").map(Input::TagChange)
}

/// `POST /api/v1/contacts/contact-tags`
pub(crate) fn contact_tag(
    body: Value,
    _: &SchemaRegistry,
    _: Strictness,
    _: &mut Findings,
) -> Result<Input, ApiError> {
    typed(body, "contact-tag.json").map(Input::ContactTag)
}

/// `POST /api/v1/contacts/{contactId}/unsubscribes` (D21)
pub(crate) fn unsubscribe(
    body: Value,
    _: &SchemaRegistry,
    _: Strictness,
    _: &mut Findings,
) -> Result<Input, ApiError> {
    typed(body, "unsubscribe.json").map(Input::Unsubscribe)
}

/// `PATCH /api/v1/contacts/{contactId}/custom-fields` (D18)
pub(crate) fn custom_fields(
    body: Value,
    _: &SchemaRegistry,
    _: Strictness,
    _: &mut Findings,
) -> Result<Input, ApiError> {
    object(body, "custom-fields.json").map(Input::CustomFields)
}

/// `GET /api/v1/contacts?…` (D19)
pub(crate) fn contact_list_query(
    raw: Option<&str>,
    strictness: Strictness,
    findings: &mut Findings,
) -> Result<Input, ApiError> {
    let (query, warnings) = query::contact_query(raw, strictness)?;
    findings.warnings.extend(warnings);
    Ok(Input::ContactQuery(query))
}

/// `DELETE /api/v1/contacts/contact-tags?contact_id=…&tag_id=…`
pub(crate) fn contact_tag_query(
    raw: Option<&str>,
    strictness: Strictness,
    findings: &mut Findings,
) -> Result<Input, ApiError> {
    let ([contact_id, tag_id], warnings) = query::ids_query(
        raw,
        [
            ("contact_id", "the contact and the tag to detach from it"),
            ("tag_id", "the contact and the tag to detach from it"),
        ],
        strictness,
    )?;
    findings.warnings.extend(warnings);
    Ok(Input::ContactTagQuery(ContactTag { contact_id, tag_id }))
}

/// `POST /api/v1/contacts/lists` (D28)
pub(crate) fn new_list(
    body: Value,
    _: &SchemaRegistry,
    _: Strictness,
    _: &mut Findings,
) -> Result<Input, ApiError> {
    typed(body, "list-create.json").map(Input::NewList)
}

/// `PATCH /api/v1/contacts/lists/{listId}` (D28)
pub(crate) fn list_change(
    body: Value,
    _: &SchemaRegistry,
    _: Strictness,
    _: &mut Findings,
) -> Result<Input, ApiError> {
    typed(body, "list-create.json").map(Input::ListChange)
}

/// `POST /api/v1/contacts/lists/{listId}/members` (D28)
pub(crate) fn new_member(
    body: Value,
    _: &SchemaRegistry,
    _: Strictness,
    _: &mut Findings,
) -> Result<Input, ApiError> {
    typed(body, "list-member-add.json").map(|member: MemberBody| Input::Member(member.contact_id))
}

/// `GET /api/v1/contacts/lists/{listId}/members?page&limit` (D28)
pub(crate) fn members_query(
    raw: Option<&str>,
    strictness: Strictness,
    findings: &mut Findings,
) -> Result<Input, ApiError> {
    let (page, warnings) = query::page_query(raw, strictness)?;
    findings.warnings.extend(warnings);
    Ok(Input::Page(page))
}

/// `DELETE /api/v1/contacts/lists/{listId}/members?contact_id=…` (D28)
pub(crate) fn member_query(
    raw: Option<&str>,
    strictness: Strictness,
    findings: &mut Findings,
) -> Result<Input, ApiError> {
    let ([contact_id], warnings) = query::ids_query(
        raw,
        [("contact_id", "the contact to remove from the list")],
        strictness,
    )?;
    findings.warnings.extend(warnings);
    Ok(Input::Member(contact_id))
}

/// `POST /api/v1/contacts/segments` (D29)
pub(crate) fn new_segment(
    body: Value,
    _: &SchemaRegistry,
    _: Strictness,
    _: &mut Findings,
) -> Result<Input, ApiError> {
    let mut change = segment_fields(body, "segment-create.json")?;
    match (change.name.take(), change.rules.take()) {
        (Some(name), Some(rules)) => Ok(Input::NewSegment(NewSegment {
            name,
            description: change.description.flatten(),
            rules,
        })),
        _ => Err(ApiError::Internal {
            message: "schemas/segment-create.json let a body without name or rules through"
                .to_owned(),
        }),
    }
}

/// `PATCH /api/v1/contacts/segments/{segmentId}` (D29)
pub(crate) fn segment_change(
    body: Value,
    _: &SchemaRegistry,
    _: Strictness,
    _: &mut Findings,
) -> Result<Input, ApiError> {
    segment_fields(body, "segment-create.json").map(Input::SegmentChange)
}

/// A checked segment body as sent: `None` where a field was left out.
#[derive(Deserialize)]
struct SegmentBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default, deserialize_with = "sent")]
    description: Option<Option<String>>,
    #[serde(default)]
    rules: Option<Vec<Value>>,
}

/// The fields of a checked segment body: what was sent.
fn segment_fields(body: Value, schema: &str) -> Result<SegmentChange, ApiError> {
    let SegmentBody {
        name,
        description,
        rules,
    } = typed(body, schema)?;
    let rules = rules
        .map(|rules| Rule::read_all(&rules, "/rules"))
        .transpose()
        .map_err(|err| ApiError::Internal {
            message: format!("schemas/{schema}: {err}"),
        })?;
    Ok(SegmentChange {
        name,
        description,
        rules,
    })
}
