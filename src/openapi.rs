//! The OpenAPI 3.1 description of every route the mock serves, built from the same JSON
//! Schemas the mock validates with (`gately-mock openapi`, `GET /__admin/openapi.json`).
//!
//! OpenAPI 3.1 schema objects are JSON Schema 2020-12, so each schema file becomes a
//! component as it is; only its `$defs` move to their own components (a `$ref` inside a
//! component resolves against the OpenAPI document, not against the schema file).

use serde_json::{Map, Value, json};

use crate::api::route::RouteId;
use crate::api::{Operation, operation};
use crate::schema::{Schema, SchemaId, SchemaRegistry};

/// The OpenAPI document.
pub(crate) fn document(schemas: &SchemaRegistry) -> Value {
    let mut components = Map::new();
    for (name, schema) in [
        ("ContactPatch", &schemas.contact_patch),
        ("ContactCreate", &schemas.contact_create),
        ("Contact", &schemas.contact),
        ("ContactList", &schemas.contact_list),
        ("Message", &schemas.message),
        ("Unsubscribe", &schemas.unsubscribe),
        ("UnsubscribeRecord", &schemas.unsubscribe_record),
        ("UnsubscribeList", &schemas.unsubscribe_list),
        ("CustomFields", &schemas.custom_fields),
        ("BulkImport", &schemas.bulk_import),
        ("BulkImportResult", &schemas.bulk_import_result),
        ("Tag", &schemas.tag),
        ("TagList", &schemas.tag_list),
        ("TagCreate", &schemas.tag_create),
        ("TagUpdate", &schemas.tag_update),
        ("ContactTag", &schemas.contact_tag),
        ("Problem", &schemas.problem),
        ("Exchange", &schemas.exchange),
        ("FixtureSet", &schemas.fixture_layout),
        ("WorkspaceCreate", &schemas.workspace_create),
        ("ClockChange", &schemas.clock_change),
        ("FaultPlan", &schemas.fault_plan),
        ("ContactListObject", &schemas.list),
        ("ContactLists", &schemas.lists),
        ("ContactListCreate", &schemas.list_create),
        ("ContactListUpdate", &schemas.list_update),
        ("ListMember", &schemas.list_member),
        ("ListMembers", &schemas.list_members),
        ("ListMemberAdd", &schemas.list_member_add),
        ("SegmentRule", &schemas.segment_rule),
        ("Segment", &schemas.segment),
        ("Segments", &schemas.segments),
        ("SegmentCreate", &schemas.segment_create),
        ("SegmentUpdate", &schemas.segment_update),
    ] {
        add_component(&mut components, name, schema);
    }
    // A segment rule is described once (`segment-rule.json`); each schema that holds rules
    // carries a copy as `segment_rule`, which the document names once.
    share_definition(&mut components, "segment_rule", "SegmentRule");
    // The lists name their items once, by reference: generated clients then share one
    // type for a contact, a tag, an unsubscribe record, a list, a member, a segment.
    for (name, items, item) in [
        ("ContactList", "/properties/contacts/items", "Contact"),
        ("TagList", "/items", "Tag"),
        ("UnsubscribeList", "/items", "UnsubscribeRecord"),
        ("ContactLists", "/items", "ContactListObject"),
        ("ListMember", "/properties/crm_contacts", "Contact"),
        ("ListMembers", "/items", "ListMember"),
        ("Segments", "/items", "Segment"),
    ] {
        refer_items(&mut components, name, items, item);
    }
    // A bulk import's row is meant to be a contact to create, but the envelope takes any
    // object: a row that breaks the create contract is skipped with its reasons, not
    // refused. The document says both, so that typed clients can send a ContactCreate.
    if let Some(rows) = components
        .get_mut("BulkImport")
        .and_then(|bulk| bulk.pointer_mut("/properties/contacts/items"))
    {
        *rows = json!({ "anyOf": [
            { "$ref": "#/components/schemas/ContactCreate" },
            { "type": "object", "description": "A row that breaks the create contract: skipped, with its reasons" },
        ] });
    }
    let mut paths = Map::new();
    for route in RouteId::ALL {
        paths.insert(route.template().to_owned(), path_item(route));
    }
    paths.extend(admin_paths());
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Gately CRM Contacts API (gately-mock)",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The routes gately-mock serves, with the contract it enforces. Written from the public Gately docs; where they are silent, the mock's documented decisions (README).",
            "license": { "name": "MIT OR Apache-2.0", "identifier": "MIT OR Apache-2.0" },
        },
        "servers": [{ "url": "http://127.0.0.1:4010" }],
        "tags": [
            { "name": "contacts", "description": "Contacts: list, create, read, update, delete, bulk import" },
            { "name": "tags", "description": "Tags, and attaching them to contacts" },
            { "name": "unsubscribes", "description": "Unsubscribe records (D21)" },
            { "name": "custom-fields", "description": "A contact's custom fields (D18, the mock's path)" },
            { "name": "lists", "description": "Contact lists: static, members added by hand (D28)" },
            { "name": "segments", "description": "Segments: rules over the contacts, membership worked out on each read (D29)" },
            { "name": "admin", "description": "The mock's own routes: journal, reset, state, clock, health" },
            { "name": "workspaces", "description": "Isolated states in one mock (D26), each with the admin routes of its own" },
        ],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer", "description": "An API key from api-keys.json" } },
        },
    })
}

/// The path item of `route`: its parameters, and one operation per row of the table.
fn path_item(route: RouteId) -> Value {
    let mut parameters = Vec::new();
    if let Some(parameter) = route.parameter() {
        let what = format!("The {} UUID", parameter.resource);
        parameters.push(json!({ "name": parameter.name, "in": "path", "required": true, "description": what, "schema": { "type": "string", "format": "uuid" } }));
    }
    parameters.push(json!({ "name": "X-Project-ID", "in": "header", "required": false, "description": "The project UUID; not needed when the key is bound to a project", "schema": { "type": "string", "format": "uuid" } }));
    parameters.push(json!({ "name": "Prefer", "in": "header", "required": false, "description": "code=NNN answers that documented error instead (D15)", "schema": { "type": "string" } }));
    let mut item = Map::new();
    item.insert("parameters".to_owned(), Value::Array(parameters));
    for operation in operation::of_route(route) {
        item.insert(
            operation.method.as_str().to_ascii_lowercase(),
            operation_object(operation),
        );
    }
    Value::Object(item)
}

/// One operation of the table, as OpenAPI describes it.
fn operation_object(operation: &Operation) -> Value {
    let mut object = Map::new();
    object.insert("operationId".to_owned(), json!(operation.name));
    object.insert("summary".to_owned(), json!(operation.summary));
    object.insert("tags".to_owned(), json!([tag_of(operation.route)]));
    if let Some(description) = operation.description {
        object.insert("description".to_owned(), json!(description));
    }
    object.insert("security".to_owned(), json!([{ "bearer": [] }]));
    if let Some(rule) = &operation.query {
        let parameters: Vec<Value> = rule
            .parameters
            .iter()
            .map(|parameter| {
                let schema: Value = serde_json::from_str(parameter.schema)
                    .expect("the table's parameter schemas are JSON");
                json!({ "name": parameter.name, "in": "query", "required": parameter.required, "description": parameter.description, "schema": schema })
            })
            .collect();
        object.insert("parameters".to_owned(), Value::Array(parameters));
    }
    if let Some(body) = &operation.body {
        object.insert(
            "requestBody".to_owned(),
            json!({
                "required": body.required,
                "content": { "application/json": { "schema": component_ref(body.schema) } },
            }),
        );
    }
    object.insert(
        "responses".to_owned(),
        responses(operation.statuses(), operation.answer),
    );
    Value::Object(object)
}

/// The tag that groups the operations of `route`.
fn tag_of(route: RouteId) -> &'static str {
    match route {
        RouteId::Contacts | RouteId::Contact | RouteId::BulkImport => "contacts",
        RouteId::Tags | RouteId::Tag | RouteId::ContactTags => "tags",
        RouteId::Unsubscribes => "unsubscribes",
        RouteId::CustomFields => "custom-fields",
        RouteId::Lists | RouteId::List | RouteId::ListMembers => "lists",
        RouteId::Segments | RouteId::Segment => "segments",
    }
}

/// Every copy of definition `def` (component `<owner>_<def>`) dropped, and each reference
/// to one pointed at component `shared` instead.
fn share_definition(components: &mut Map<String, Value>, def: &str, shared: &str) {
    let suffix = format!("_{def}");
    components.retain(|name, _| !name.ends_with(&suffix));
    fn point(value: &mut Value, suffix: &str, to: &str) {
        match value {
            Value::Object(object) => {
                let copy = object
                    .get("$ref")
                    .and_then(Value::as_str)
                    .is_some_and(|target| target.ends_with(suffix));
                if copy {
                    object.insert("$ref".to_owned(), Value::from(to));
                }
                object
                    .values_mut()
                    .for_each(|value| point(value, suffix, to));
            }
            Value::Array(items) => items.iter_mut().for_each(|value| point(value, suffix, to)),
            _ => {}
        }
    }
    let to = format!("#/components/schemas/{shared}");
    components
        .values_mut()
        .for_each(|component| point(component, &suffix, &to));
}

/// Component `name` (a list, or a list member holding a contact) with the schema at
/// `items` replaced by a reference to component `item`, and the definitions it carried for
/// it left to `item`.
fn refer_items(components: &mut Map<String, Value>, name: &str, items: &str, item: &str) {
    let Some(Value::Object(list)) = components.get_mut(name) else {
        return;
    };
    list.remove("$defs");
    let mut list = Value::Object(std::mem::take(list));
    // The copies of the item's definitions that came with the list (`add_component`).
    let prefix = format!("{name}_");
    components.retain(|component, _| !component.starts_with(&prefix));
    if let Some(slot) = list.pointer_mut(items) {
        *slot = json!({ "$ref": format!("#/components/schemas/{item}") });
    }
    components.insert(name.to_owned(), list);
}

fn component_ref(schema: SchemaId) -> Value {
    json!({ "$ref": format!("#/components/schemas/{}", schema.component()) })
}

fn responses(statuses: &[u16], success: SchemaId) -> Value {
    let mut out = Map::new();
    for status in statuses {
        let response = if *status < 300 {
            json_response("Success", component_ref(success))
        } else {
            problem()
        };
        out.insert(status.to_string(), response);
    }
    Value::Object(out)
}

/// The mock's own routes: those of one workspace's state, at the top for `default` and
/// under `/__admin/workspaces/{workspaceId}` for each workspace, and the rest.
fn admin_paths() -> Map<String, Value> {
    let mut paths = Map::new();
    for in_workspace in [false, true] {
        let prefix = if in_workspace {
            "/__admin/workspaces/{workspaceId}"
        } else {
            "/__admin"
        };
        for (path, mut item) in state_routes(in_workspace) {
            if in_workspace {
                if let Value::Object(item) = &mut item {
                    item.insert("parameters".to_owned(), json!([workspace_id()]));
                    for operation in item.values_mut().filter_map(Value::as_object_mut) {
                        if let Some(Value::Object(responses)) = operation.get_mut("responses") {
                            responses.insert("404".to_owned(), problem());
                        }
                    }
                }
            }
            paths.insert(format!("{prefix}{path}"), item);
        }
    }
    let admin = |id: &str, summary: &str, responses: Value| json!({ "operationId": id, "summary": summary, "tags": ["admin"], "security": [], "responses": responses });
    let workspaces = |id: &str, summary: &str, responses: Value| json!({ "operationId": id, "summary": summary, "tags": ["workspaces"], "security": [], "responses": responses });
    let mut create = workspaces(
        "createWorkspace",
        "Make a workspace: its own contacts, journal, ids and clock, opened by its own keys",
        json!({ "201": json_response("The workspace, and how to use it", workspace()), "400": problem(), "409": problem(), "422": problem(), "429": problem() }),
    );
    create["requestBody"] = json!({ "required": false, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/WorkspaceCreate" } } } });
    let rest = json!({
        "/__admin/health": { "get": admin("health", "Whether the mock runs, and its journal", json!({ "200": json_response("Running", json!({ "type": "object", "required": ["status"], "properties": { "status": { "const": "ok" }, "workspaces": { "type": "integer", "minimum": 0 } } })) })) },
        "/__admin/openapi.json": { "get": admin("openapi", "This document", json!({ "200": json_response("OpenAPI 3.1", json!({ "type": "object", "required": ["openapi"], "properties": { "openapi": { "type": "string" } } })) })) },
        "/__admin/workspaces": {
            "get": workspaces("listWorkspaces", "The live workspaces, default first", json!({ "200": json_response("The workspaces", json!({ "type": "object", "required": ["workspaces"], "properties": { "workspaces": { "type": "array", "items": workspace_summary() } } })) })),
            "post": create,
        },
        "/__admin/workspaces/{workspaceId}": {
            "parameters": [workspace_id()],
            "get": workspaces("getWorkspace", "A workspace, and how to use it", json!({ "200": json_response("The workspace", workspace()), "404": problem() })),
            "delete": workspaces("deleteWorkspace", "End a workspace: its keys get 401 from then on", json!({ "200": json_response("Ended", message()), "404": problem(), "409": problem() })),
        },
    });
    if let Value::Object(rest) = rest {
        paths.extend(rest);
    }
    paths
}

/// The routes of one workspace's state; operation ids name the workspace variants apart.
fn state_routes(in_workspace: bool) -> Map<String, Value> {
    let operation = |ids: (&str, &str), summary: &str, responses: Value| {
        json!({
            "operationId": if in_workspace { ids.1 } else { ids.0 },
            "summary": summary,
            "tags": [if in_workspace { "workspaces" } else { "admin" }],
            "security": [],
            "responses": responses,
        })
    };
    let body = |schema: &str| json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } });
    let journal = json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["requests", "dropped"],
        "properties": {
            "requests": { "type": "array", "items": { "$ref": "#/components/schemas/Exchange" } },
            "dropped": { "type": "integer", "minimum": 0 },
        },
    });
    let clock = json!({
        "type": "object",
        "required": ["now", "frozen", "offset_ms"],
        "properties": {
            "now": { "type": "string", "format": "date-time" },
            "frozen": { "type": "boolean" },
            "offset_ms": { "type": "integer", "description": "how far a running clock was advanced" },
        },
    });
    let state = json!({ "$ref": "#/components/schemas/FixtureSet" });
    let mut list = operation(
        ("listRequests", "listWorkspaceRequests"),
        "The recorded exchanges, oldest first",
        json!({ "200": json_response("The journal", journal), "400": problem() }),
    );
    list["parameters"] = json!([
        query(
            "method",
            "only this HTTP method",
            json!({ "type": "string" })
        ),
        query(
            "path",
            "only paths matching this regular expression",
            json!({ "type": "string" })
        ),
        query(
            "status",
            "only this response status",
            json!({ "type": "integer", "minimum": 0 })
        ),
        query(
            "verdict",
            "only this verdict",
            json!({ "enum": ["ok", "warning", "violation"] })
        ),
        query(
            "since",
            "only seq greater than this",
            json!({ "type": "integer", "minimum": 0 })
        ),
        query(
            "limit",
            "at most this many",
            json!({ "type": "integer", "minimum": 0 })
        ),
    ]);
    let mut replace = operation(
        ("replaceState", "replaceWorkspaceState"),
        "Replace the contacts and tags (the keys are fixed); a reset restores this state",
        json!({ "200": json_response("The new state", state.clone()), "400": problem(), "422": problem() }),
    );
    replace["requestBody"] = body("FixtureSet");
    let mut move_clock = operation(
        ("moveClock", "moveWorkspaceClock"),
        "Set, advance, or give back the clock (D27)",
        json!({ "200": json_response("The clock's reading", clock.clone()), "400": problem(), "422": problem() }),
    );
    move_clock["requestBody"] = body("ClockChange");
    let plan = json!({ "$ref": "#/components/schemas/FaultPlan" });
    let mut replace_faults = operation(
        ("replaceFaults", "replaceWorkspaceFaults"),
        "Put a fault plan in force, its draws from the start; a reset keeps it (D30)",
        json!({ "200": json_response("The plan in force", plan.clone()), "400": problem(), "422": problem() }),
    );
    replace_faults["requestBody"] = body("FaultPlan");
    let mut provider_states = operation(
        ("setUpProviderState", "setUpWorkspaceProviderState"),
        "Set up a Pact provider state, as a verifier's state change call asks (gately-mock pact names them)",
        json!({
            "200": json_response("The state set up", json!({
                "type": "object", "required": ["state", "action"],
                "properties": { "state": { "type": "string" }, "action": { "enum": ["setup", "teardown"] } },
            })),
            "400": problem(),
            "422": problem(),
        }),
    );
    provider_states["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": {
        "type": "object",
        "required": ["state"],
        "properties": {
            "state": { "type": "string", "description": "the fixtures; contact <id> exists; contact <id> does not exist; tag <id> exists; a tag named <name> exists; a contact with e-mail <email> exists" },
            "params": { "type": "object", "additionalProperties": true, "description": "the resource as the interaction found it" },
            "action": { "enum": ["setup", "teardown"], "description": "default setup" },
        },
    } } } });
    let routes = json!({
        "/requests": {
            "get": list,
            "delete": operation(("clearRequests", "clearWorkspaceRequests"), "Forget the recorded exchanges", json!({ "200": json_response("How many were forgotten", json!({
                "type": "object", "required": ["deleted"], "properties": { "deleted": { "type": "integer", "minimum": 0 } },
            })) })),
        },
        "/requests.har": {
            "get": operation(("exportHar", "exportWorkspaceHar"), "The recorded exchanges as HAR 1.2", json!({ "200": json_response("A HAR 1.2 archive", json!({ "type": "object", "required": ["log"], "properties": { "log": { "type": "object" } } })), "400": problem() })),
        },
        "/reset": {
            "post": operation(("reset", "resetWorkspace"), "Restore the fixtures and the clock, clear the journal, restart ids and seq", json!({ "200": json_response("Done", message()) })),
        },
        "/state": {
            "get": operation(("getState", "getWorkspaceState"), "The contacts, tags and keys now, in the fixtures layout", json!({ "200": json_response("The state", state) })),
            "put": replace,
        },
        "/clock": {
            "get": operation(("getClock", "getWorkspaceClock"), "The clock's reading", json!({ "200": json_response("The clock's reading", clock) })),
            "post": move_clock,
        },
        "/faults": {
            "get": operation(("getFaults", "getWorkspaceFaults"), "The fault plan in force (D30)", json!({ "200": json_response("The plan in force", plan) })),
            "put": replace_faults,
        },
        "/provider-states": {
            "post": provider_states,
        },
        "/coverage": {
            "get": operation(("getCoverage", "getWorkspaceCoverage"), "The outcomes the recorded exchanges had, and those they never did (D32)", json!({ "200": json_response("The coverage", coverage()) })),
        },
    });
    match routes {
        Value::Object(routes) => routes,
        _ => Map::new(),
    }
}

/// The coverage report (D32), as `GET /__admin/coverage` answers it.
fn coverage() -> Value {
    let outcome = json!({
        "type": "object",
        "required": ["id", "operation", "route", "status", "code", "seen", "forced"],
        "properties": {
            "id": { "type": "string", "description": "OPERATION:STATUS:CODE, as check --require takes it" },
            "operation": { "type": "string" },
            "route": { "type": "string", "description": "METHOD /path/{param}" },
            "status": { "type": "integer", "minimum": 0 },
            "code": { "type": "string", "description": "the problem's code, or ok" },
            "seen": { "type": "integer", "minimum": 0 },
            "forced": { "type": "integer", "minimum": 0, "description": "of seen, forced by Prefer: code= or a fault" },
        },
    });
    json!({
        "type": "object",
        "required": ["covered", "total", "percent", "outcomes", "injected"],
        "properties": {
            "covered": { "type": "integer", "minimum": 0 },
            "total": { "type": "integer", "minimum": 0 },
            "percent": { "type": "number", "minimum": 0, "maximum": 100 },
            "outcomes": { "type": "array", "items": outcome.clone() },
            "injected": { "type": "array", "items": outcome, "description": "answers faults injected (D30)" },
        },
    })
}

fn workspace_id() -> Value {
    json!({ "name": "workspaceId", "in": "path", "required": true, "description": "The workspace's id (default for the server's own state)", "schema": { "type": "string" } })
}

fn message() -> Value {
    json!({ "type": "object", "required": ["message"], "properties": { "message": { "type": "string" } } })
}

/// A line of the workspace list.
fn workspace_summary() -> Value {
    json!({
        "type": "object",
        "required": ["id", "name", "created", "last_used", "journal"],
        "properties": {
            "id": { "type": "string" },
            "name": { "type": ["string", "null"] },
            "created": { "type": "string", "format": "date-time" },
            "last_used": { "type": ["string", "null"], "format": "date-time" },
            "journal": {
                "type": "object",
                "required": ["entries", "dropped", "limit"],
                "properties": {
                    "entries": { "type": "integer", "minimum": 0 },
                    "dropped": { "type": "integer", "minimum": 0 },
                    "limit": { "type": "integer", "minimum": 0 },
                },
            },
        },
    })
}

/// A workspace as `POST /__admin/workspaces` answers it.
fn workspace() -> Value {
    let mut schema = workspace_summary();
    let key = json!({
        "type": "object",
        "required": ["key", "project_id", "access"],
        "properties": {
            "key": { "type": "string" },
            "project_id": { "type": ["string", "null"], "format": "uuid" },
            "access": { "enum": ["read_write", "read_only"] },
            "description": { "type": "string" },
        },
    });
    if let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        for (name, property) in [
            (
                "api_key",
                json!({ "type": ["string", "null"], "description": "its twin of the first read-write key bound to a project" }),
            ),
            (
                "project_id",
                json!({ "type": ["string", "null"], "format": "uuid" }),
            ),
            (
                "contact_ids",
                json!({ "type": "array", "items": { "type": "string", "format": "uuid" } }),
            ),
            ("base_url", json!({ "type": "string" })),
            ("admin_url", json!({ "type": "string" })),
            ("api_keys", json!({ "type": "array", "items": key })),
            (
                "frozen_time",
                json!({ "type": ["string", "null"], "format": "date-time" }),
            ),
            ("mode", json!({ "enum": ["strict", "lenient"] })),
        ] {
            properties.insert(name.to_owned(), property);
        }
    }
    if let Some(Value::Array(required)) = schema.get_mut("required") {
        required.extend(
            [
                "api_key",
                "project_id",
                "contact_ids",
                "base_url",
                "api_keys",
            ]
            .map(Value::from),
        );
    }
    schema
}

fn json_response(description: &str, schema: Value) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": schema } } })
}

fn problem() -> Value {
    json!({
        "description": "An RFC 9457 problem naming what is at fault",
        "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } },
    })
}

fn query(name: &str, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema })
}

/// Adds `schema` as component `name`, its `$defs` as components `name_def`.
fn add_component(components: &mut Map<String, Value>, name: &str, schema: &Schema) {
    let mut document = schema.document().clone();
    if let Value::Object(object) = &mut document {
        object.remove("$schema");
        if let Some(Value::Object(defs)) = object.remove("$defs") {
            for (def, mut value) in defs {
                rewrite_refs(&mut value, name);
                components.insert(format!("{name}_{def}"), value);
            }
        }
    }
    rewrite_refs(&mut document, name);
    components.insert(name.to_owned(), document);
}

/// `#/$defs/x` → `#/components/schemas/{owner}_x`, everywhere in `value`.
fn rewrite_refs(value: &mut Value, owner: &str) {
    match value {
        Value::Object(object) => {
            for (key, item) in object.iter_mut() {
                match (key.as_str(), item) {
                    ("$ref", Value::String(target)) => {
                        if let Some(def) = target.strip_prefix("#/$defs/") {
                            *target = format!("#/components/schemas/{owner}_{def}");
                        }
                    }
                    (_, item) => rewrite_refs(item, owner),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| rewrite_refs(item, owner)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_refer_to_their_items_and_every_operation_has_an_id_a_summary_and_a_tag() {
        let document = document(&SchemaRegistry::compile().unwrap());
        let schemas = &document["components"]["schemas"];
        assert_eq!(
            schemas["ContactList"]["properties"]["contacts"]["items"]["$ref"],
            "#/components/schemas/Contact"
        );
        assert_eq!(
            schemas["TagList"]["items"]["$ref"],
            "#/components/schemas/Tag"
        );
        assert_eq!(
            schemas["UnsubscribeList"]["items"]["$ref"],
            "#/components/schemas/UnsubscribeRecord"
        );
        assert_eq!(
            schemas["Contact"]["properties"]["custom_fields"]["additionalProperties"],
            true
        );
        for (path, item) in document["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                if method == "parameters" {
                    continue;
                }
                for field in ["operationId", "summary", "tags"] {
                    assert!(
                        operation.get(field).is_some(),
                        "{method} {path} has no {field}"
                    );
                }
            }
        }
    }

    #[test]
    fn every_ref_points_at_a_component_that_exists() {
        let document = document(&SchemaRegistry::compile().unwrap());
        let text = document.to_string();
        let mut rest = text.as_str();
        while let Some(at) = rest.find("\"$ref\":\"") {
            rest = &rest[at + 8..];
            let target = &rest[..rest.find('"').unwrap()];
            assert!(
                document.pointer(target.trim_start_matches('#')).is_some(),
                "{target}"
            );
        }
    }
}
