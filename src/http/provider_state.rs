//! Pact provider states (`POST /__admin/provider-states`): the state change call a Pact
//! verifier makes before each interaction, `{"state": NAME, "params": {...}, "action":
//! "setup" | "teardown"}`, so that the mock can play the provider of a contract that
//! `gately-mock pact` wrote. The states it knows are the ones that command names:
//! `the fixtures` (a reset), `contact <id> exists` (made from its params, the contact as
//! recorded, over what the fixtures have), `contact <id> does not exist`, `tag <id>
//! exists`, `a tag named <name> exists` and `a contact with e-mail <email> exists`. A teardown changes nothing: the next
//! interaction starts from `the fixtures` again.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::api::ApiError;
use crate::contract::pact::FIXTURES_STATE;
use crate::fixture::FixtureSet;
use crate::http::workspace::WorkspaceState;
use crate::schema::Schema;

/// The members of a contact that a fixture record takes, besides its tags.
const CONTACT_FIELDS: [&str; 19] = [
    "id",
    "project_id",
    "name",
    "email",
    "status",
    "phone",
    "mobile",
    "company",
    "notes",
    "first_name",
    "last_name",
    "city",
    "state",
    "zip",
    "country",
    "custom_fields",
    "unsubscribed",
    "last_contacted_at",
    "created_at",
];

/// When a contact or tag made for a state was created, if its params do not say.
const MADE_AT: &str = "2025-01-01T00:00:00.000Z";

static EXISTS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(contact|tag) ([0-9a-fA-F-]{36}) (exists|does not exist)$")
        .expect("a valid pattern")
});
static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^a contact with e-mail (\S+) exists$").expect("a valid pattern"));
static TAG_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^a tag named (.+) exists$").expect("a valid pattern"));

/// Sets up the state `body` names in `workspace` (or tears it down: nothing to do).
pub(crate) fn change(
    workspace: &WorkspaceState,
    fixtures_schema: &Schema,
    body: &Value,
) -> Result<Value, ApiError> {
    let name = body
        .get("state")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let params = body.get("params").cloned().unwrap_or_else(|| json!({}));
    if body.get("action").and_then(Value::as_str) == Some("teardown") {
        return Ok(json!({ "state": name, "action": "teardown" }));
    }
    if name == FIXTURES_STATE {
        workspace.reset();
    } else if let Some(found) = EXISTS.captures(name) {
        let id = Uuid::try_parse(&found[2]).map_err(|_| unknown(name))?;
        match (&found[1], &found[3]) {
            ("contact", "exists") => ensure(workspace, fixtures_schema, "contacts", id, &params)?,
            ("tag", "exists") => ensure(workspace, fixtures_schema, "tags", id, &params)?,
            ("contact", _) => remove_contact(workspace, id),
            _ => return Err(unknown(name)),
        }
    } else if let Some(found) = EMAIL.captures(name) {
        ensure_email(workspace, fixtures_schema, &found[1])?;
    } else if let Some(found) = TAG_NAME.captures(name) {
        ensure_tag_name(workspace, fixtures_schema, &found[1])?;
    } else {
        return Err(unknown(name));
    }
    Ok(json!({ "state": name, "action": "setup" }))
}

fn unknown(name: &str) -> ApiError {
    ApiError::ProviderState {
        state: name.to_owned(),
    }
}

/// Makes the contact or tag `id` exist as `params` (its recorded fields) describe it; with
/// no more than its id, as it is if it exists.
fn ensure(
    workspace: &WorkspaceState,
    schema: &Schema,
    member: &str,
    id: Uuid,
    params: &Value,
) -> Result<(), ApiError> {
    let current = workspace.current();
    let there = match member {
        "contacts" => current.contacts().iter().any(|contact| contact.id == id),
        _ => current.tags.iter().any(|tag| tag.id() == id),
    };
    // Params that say more than the id are the resource as the interaction found it.
    let described = params
        .as_object()
        .is_some_and(|params| params.keys().any(|key| key != "id"));
    if there && !described {
        return Ok(());
    }
    let project = params
        .get("project_id")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| main_project(workspace))
        .unwrap_or_default();
    let record = match member {
        "contacts" => {
            let existing = current.layout().get("contacts").and_then(|contacts| {
                contacts
                    .as_array()?
                    .iter()
                    .find(|contact| {
                        contact.get("id").and_then(Value::as_str) == Some(&id.to_string())
                    })
                    .cloned()
            });
            contact_record(&current, id, &project, params, existing)
        }
        _ => json!({
            "id": id,
            "project_id": project,
            "name": params.get("name").and_then(Value::as_str).unwrap_or("Pact state tag"),
            "color": params.get("color").cloned().unwrap_or(Value::Null),
            "created_at": params.get("created_at").and_then(Value::as_str).unwrap_or(MADE_AT),
        }),
    };
    add(workspace, schema, &current, member, record)
}

/// A fixture record of the contact `id` from its recorded fields, over its record as it
/// is now (`existing`), so that params naming a few fields change only those.
fn contact_record(
    current: &FixtureSet,
    id: Uuid,
    project: &str,
    params: &Value,
    existing: Option<Value>,
) -> Value {
    let mut record = match existing {
        Some(Value::Object(record)) => record,
        _ => Map::new(),
    };
    for field in CONTACT_FIELDS {
        if let Some(value) = params.get(field).filter(|value| !value.is_null()) {
            record.insert(field.to_owned(), value.clone());
        }
    }
    record.insert("id".to_owned(), json!(id));
    record.entry("project_id").or_insert_with(|| json!(project));
    record
        .entry("name")
        .or_insert_with(|| json!("Pact state contact"));
    record
        .entry("email")
        .or_insert_with(|| json!(format!("pact-{id}@example.com")));
    record.entry("status").or_insert_with(|| json!("active"));
    record.entry("created_at").or_insert_with(|| json!(MADE_AT));
    // Tags by name, those of its project the fixtures have.
    let names: Vec<Value> = params
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|tag| tag.get("name").and_then(Value::as_str))
        .filter(|name| {
            current
                .tags
                .iter()
                .any(|tag| tag.name() == *name && tag.project_id().to_string() == project)
        })
        .map(|name| json!(name))
        .collect();
    if !names.is_empty() {
        record.insert("tags".to_owned(), Value::Array(names));
    }
    Value::Object(record)
}

/// Makes some contact of the main project have `email`, unless one has.
fn ensure_email(workspace: &WorkspaceState, schema: &Schema, email: &str) -> Result<(), ApiError> {
    let current = workspace.current();
    if current
        .contacts()
        .iter()
        .any(|contact| contact.email == email)
    {
        return Ok(());
    }
    let project = main_project(workspace).unwrap_or_default();
    let id = stable_id(email.as_bytes());
    let record = json!({
        "id": id,
        "project_id": project,
        "name": "Pact state contact",
        "email": email,
        "status": "active",
        "created_at": MADE_AT,
    });
    add(workspace, schema, &current, "contacts", record)
}

/// Makes a tag of the main project be named `name`, unless one is.
fn ensure_tag_name(
    workspace: &WorkspaceState,
    schema: &Schema,
    name: &str,
) -> Result<(), ApiError> {
    let current = workspace.current();
    let project = main_project(workspace).unwrap_or_default();
    if current
        .tags
        .iter()
        .any(|tag| tag.name() == name && tag.project_id().to_string() == project)
    {
        return Ok(());
    }
    let record = json!({
        "id": stable_id(name.as_bytes()),
        "project_id": project,
        "name": name,
        "created_at": MADE_AT,
    });
    add(workspace, schema, &current, "tags", record)
}

/// A stable id for a made contact: the same e-mail gives the same id in every run.
fn stable_id(bytes: &[u8]) -> Uuid {
    use std::hash::{Hash, Hasher};
    let mut high = std::hash::DefaultHasher::new();
    (0u8, bytes).hash(&mut high);
    let mut low = std::hash::DefaultHasher::new();
    (1u8, bytes).hash(&mut low);
    let mut raw = [0u8; 16];
    raw[..8].copy_from_slice(&high.finish().to_be_bytes());
    raw[8..].copy_from_slice(&low.finish().to_be_bytes());
    uuid::Builder::from_random_bytes(raw).into_uuid()
}

/// The workspace's data with `record` added to `member`, checked as fixtures are; the
/// baseline stays, so that `the fixtures` gives the fixtures back.
fn add(
    workspace: &WorkspaceState,
    schema: &Schema,
    current: &FixtureSet,
    member: &str,
    record: Value,
) -> Result<(), ApiError> {
    let mut layout = current.layout();
    if let Some(Value::Array(items)) = layout.get_mut(member) {
        items.retain(|item| item.get("id") != record.get("id"));
        items.push(record);
    }
    let fixtures = FixtureSet::from_inline(&layout, current, schema).map_err(|err| {
        ApiError::ProviderStateParams {
            message: err.to_string(),
        }
    })?;
    workspace.load(fixtures);
    Ok(())
}

fn remove_contact(workspace: &WorkspaceState, id: Uuid) {
    let mut store = workspace.store();
    let project = store
        .every_contact()
        .find(|contact| contact.id == id)
        .map(|contact| contact.project_id);
    if let Some(project) = project {
        let _ = store.delete_contact(project, id);
    }
}

/// The project of the workspace's main key.
fn main_project(workspace: &WorkspaceState) -> Option<String> {
    workspace
        .main_key()
        .and_then(|key| key.project_id)
        .map(|project| project.to_string())
}
