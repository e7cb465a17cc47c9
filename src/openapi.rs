//! The OpenAPI 3.1 description of every route the mock serves, built from the same JSON
//! Schemas the mock validates with (`gately-mock openapi`, `GET /__admin/openapi.json`).
//!
//! OpenAPI 3.1 schema objects are JSON Schema 2020-12, so each schema file becomes a
//! component as it is; only its `$defs` move to their own components (a `$ref` inside a
//! component resolves against the OpenAPI document, not against the schema file).

use hyper::Method;
use serde_json::{Map, Value, json};

use crate::http::router::Route;
use crate::schema::{Schema, SchemaRegistry};

/// The OpenAPI document.
pub fn document(schemas: &SchemaRegistry) -> Value {
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
    ] {
        add_component(&mut components, name, schema);
    }
    let contact_route = Route::Contact { id: "" };
    let contacts_route = Route::Contacts;
    let unsubscribes = Route::Unsubscribes { id: "" };
    let custom_fields = Route::CustomFields { id: "" };
    let tags = Route::Tags;
    let tag = Route::Tag { id: "" };
    let bearer_and_project = json!([
        { "name": "X-Project-ID", "in": "header", "required": false, "description": "The project UUID; not needed when the key is bound to a project", "schema": { "type": "string", "format": "uuid" } },
        { "name": "Prefer", "in": "header", "required": false, "description": "code=NNN answers that documented error instead (D15)", "schema": { "type": "string" } },
    ]);
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Gately CRM Contacts API (gately-mock)",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The routes gately-mock serves, with the contract it enforces. Written from the public Gately docs; where they are silent, the mock's documented decisions (README).",
        },
        "servers": [{ "url": "http://127.0.0.1:4010" }],
        "paths": {
            "/api/v1/contacts": {
                "parameters": bearer_and_project.clone(),
                "get": {
                    "operationId": "listContacts",
                    "summary": "List contacts, newest first (D19)",
                    "description": "The docs also name a segment_id filter; the mock has no segments, so it answers a request with segment_id with 422 unsupported_filter instead of ignoring it.",
                    "security": [{ "bearer": [] }],
                    "parameters": [
                        query("page", "the page, from 1", json!({ "type": "integer", "minimum": 1, "default": 1 })),
                        query("limit", "contacts per page", json!({ "type": "integer", "minimum": 1, "maximum": 200, "default": 50 })),
                        query("search", "case-insensitive text in name, email or company", json!({ "type": "string" })),
                        query("status", "only this status", json!({ "enum": ["new", "active", "inactive", "archived"] })),
                        query("tags", "comma-separated tag names; a contact matches if it has any", json!({ "type": "string" })),
                    ],
                    "responses": responses(contacts_route.documented_statuses(&Method::GET), "ContactList"),
                },
                "post": {
                    "operationId": "createContact",
                    "summary": "Create a contact (D20)",
                    "security": [{ "bearer": [] }],
                    "requestBody": {
                        "required": true,
                        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ContactCreate" } } },
                    },
                    "responses": responses(contacts_route.documented_statuses(&Method::POST), "Contact"),
                },
            },
            "/api/v1/contacts/{contactId}": {
                "parameters": contact_parameters(),
                "get": {
                    "operationId": "getContact",
                    "summary": "Get a contact",
                    "security": [{ "bearer": [] }],
                    "responses": responses(contact_route.documented_statuses(&Method::GET), "Contact"),
                },
                "patch": {
                    "operationId": "updateContact",
                    "summary": "Update a contact: only the fields sent change",
                    "security": [{ "bearer": [] }],
                    "requestBody": {
                        "required": true,
                        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ContactPatch" } } },
                    },
                    "responses": responses(contact_route.documented_statuses(&Method::PATCH), "Contact"),
                },
                "delete": {
                    "operationId": "deleteContact",
                    "summary": "Delete a contact (D20)",
                    "security": [{ "bearer": [] }],
                    "responses": responses(contact_route.documented_statuses(&Method::DELETE), "Message"),
                },
            },
            "/api/v1/contacts/bulk-import": {
                "parameters": bearer_and_project.clone(),
                "post": {
                    "operationId": "bulkImportContacts",
                    "summary": "Import up to 1 000 contacts; bad rows and e-mails in use are skipped with their reasons",
                    "security": [{ "bearer": [] }],
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/BulkImport" } } } },
                    "responses": responses(Route::BulkImport.documented_statuses(&Method::POST), "BulkImportResult"),
                },
            },
            "/api/v1/contacts/tags": {
                "parameters": bearer_and_project.clone(),
                "get": {
                    "operationId": "listTags",
                    "summary": "The project's tags",
                    "security": [{ "bearer": [] }],
                    "responses": responses(tags.documented_statuses(&Method::GET), "TagList"),
                },
                "post": {
                    "operationId": "createTag",
                    "summary": "Create a tag",
                    "security": [{ "bearer": [] }],
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/TagCreate" } } } },
                    "responses": responses(tags.documented_statuses(&Method::POST), "Tag"),
                },
            },
            "/api/v1/contacts/tags/{tagId}": {
                "parameters": [
                    { "name": "tagId", "in": "path", "required": true, "description": "The tag UUID", "schema": { "type": "string", "format": "uuid" } },
                    { "name": "X-Project-ID", "in": "header", "required": false, "description": "The project UUID; not needed when the key is bound to a project", "schema": { "type": "string", "format": "uuid" } },
                    { "name": "Prefer", "in": "header", "required": false, "description": "code=NNN answers that documented error instead (D15)", "schema": { "type": "string" } },
                ],
                "put": {
                    "operationId": "updateTag",
                    "summary": "Change a tag's name or colour (a partial update)",
                    "security": [{ "bearer": [] }],
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/TagUpdate" } } } },
                    "responses": responses(tag.documented_statuses(&Method::PUT), "Tag"),
                },
                "delete": {
                    "operationId": "deleteTag",
                    "summary": "Delete a tag; it is detached from every contact",
                    "security": [{ "bearer": [] }],
                    "responses": responses(tag.documented_statuses(&Method::DELETE), "Message"),
                },
            },
            "/api/v1/contacts/contact-tags": {
                "parameters": bearer_and_project,
                "post": {
                    "operationId": "addTagToContact",
                    "summary": "Attach a tag to a contact: the contact is answered, 201 when the tag was attached, 200 when it already was",
                    "security": [{ "bearer": [] }],
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ContactTag" } } } },
                    "responses": responses(Route::ContactTags.documented_statuses(&Method::POST), "Contact"),
                },
                "delete": {
                    "operationId": "removeTagFromContact",
                    "summary": "Detach a tag from a contact; one that was not attached is not an error",
                    "security": [{ "bearer": [] }],
                    "parameters": [
                        required_query("contact_id", "the contact", json!({ "type": "string", "format": "uuid" })),
                        required_query("tag_id", "the tag to detach from it", json!({ "type": "string", "format": "uuid" })),
                    ],
                    "responses": responses(Route::ContactTags.documented_statuses(&Method::DELETE), "Message"),
                },
            },
            "/api/v1/contacts/{contactId}/unsubscribes": {
                "parameters": contact_parameters(),
                "get": {
                    "operationId": "listUnsubscribes",
                    "summary": "The contact's unsubscribe records, oldest first (D21)",
                    "security": [{ "bearer": [] }],
                    "responses": responses(unsubscribes.documented_statuses(&Method::GET), "UnsubscribeList"),
                },
                "post": {
                    "operationId": "unsubscribeContact",
                    "summary": "Unsubscribe the contact, keeping an audit record (D21)",
                    "security": [{ "bearer": [] }],
                    "requestBody": {
                        "required": false,
                        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Unsubscribe" } } },
                    },
                    "responses": responses(unsubscribes.documented_statuses(&Method::POST), "UnsubscribeRecord"),
                },
                "delete": {
                    "operationId": "resubscribeContact",
                    "summary": "Resubscribe: every record removed (D21)",
                    "security": [{ "bearer": [] }],
                    "responses": responses(unsubscribes.documented_statuses(&Method::DELETE), "Message"),
                },
            },
            "/api/v1/contacts/{contactId}/custom-fields": {
                "parameters": contact_parameters(),
                "get": {
                    "operationId": "getCustomFields",
                    "summary": "The contact's custom fields (D18; the path is the mock's choice)",
                    "security": [{ "bearer": [] }],
                    "responses": responses(custom_fields.documented_statuses(&Method::GET), "CustomFields"),
                },
                "patch": {
                    "operationId": "mergeCustomFields",
                    "summary": "RFC 7396 merge patch of the custom fields: null deletes a key (D18)",
                    "security": [{ "bearer": [] }],
                    "requestBody": {
                        "required": true,
                        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/CustomFields" } } },
                    },
                    "responses": responses(custom_fields.documented_statuses(&Method::PATCH), "CustomFields"),
                },
            },
            "/__admin/requests": {
                "get": {
                    "operationId": "listRequests",
                    "summary": "The recorded exchanges, oldest first",
                    "tags": ["admin"],
                    "security": [],
                    "parameters": [
                        query("method", "only this HTTP method", json!({ "type": "string" })),
                        query("path", "only paths matching this regular expression", json!({ "type": "string" })),
                        query("status", "only this response status", json!({ "type": "integer", "minimum": 0 })),
                        query("verdict", "only this verdict", json!({ "enum": ["ok", "warning", "violation"] })),
                        query("since", "only seq greater than this", json!({ "type": "integer", "minimum": 0 })),
                        query("limit", "at most this many", json!({ "type": "integer", "minimum": 0 })),
                    ],
                    "responses": {
                        "200": json_response("The journal", json!({
                            "type": "object",
                            "additionalProperties": false,
                            "required": ["requests", "dropped"],
                            "properties": {
                                "requests": { "type": "array", "items": { "$ref": "#/components/schemas/Exchange" } },
                                "dropped": { "type": "integer", "minimum": 0 },
                            },
                        })),
                        "400": problem(),
                    },
                },
                "delete": {
                    "operationId": "clearRequests",
                    "summary": "Forget the recorded exchanges",
                    "tags": ["admin"],
                    "security": [],
                    "responses": { "200": json_response("How many were forgotten", json!({
                        "type": "object", "required": ["deleted"], "properties": { "deleted": { "type": "integer", "minimum": 0 } },
                    })) },
                },
            },
            "/__admin/requests.har": {
                "get": {
                    "operationId": "exportHar",
                    "summary": "The recorded exchanges as HAR 1.2",
                    "tags": ["admin"],
                    "security": [],
                    "responses": { "200": json_response("A HAR 1.2 archive", json!({ "type": "object", "required": ["log"] })), "400": problem() },
                },
            },
            "/__admin/reset": {
                "post": {
                    "operationId": "reset",
                    "summary": "Restore the fixtures, clear the journal, restart ids and seq",
                    "tags": ["admin"],
                    "security": [],
                    "responses": { "200": json_response("Done", json!({ "type": "object", "required": ["message"], "properties": { "message": { "type": "string" } } })) },
                },
            },
            "/__admin/health": {
                "get": {
                    "operationId": "health",
                    "summary": "Whether the mock runs, and its journal",
                    "tags": ["admin"],
                    "security": [],
                    "responses": { "200": json_response("Running", json!({ "type": "object", "required": ["status"], "properties": { "status": { "const": "ok" } } })) },
                },
            },
            "/__admin/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "tags": ["admin"],
                    "security": [],
                    "responses": { "200": json_response("OpenAPI 3.1", json!({ "type": "object", "required": ["openapi"] })) },
                },
            },
        },
        "components": {
            "schemas": components,
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer", "description": "An API key from api-keys.json" } },
        },
    })
}

/// The path and header parameters of every `/api/v1/contacts/{contactId}…` route.
fn contact_parameters() -> Value {
    json!([
        { "name": "contactId", "in": "path", "required": true, "description": "The contact UUID", "schema": { "type": "string", "format": "uuid" } },
        { "name": "X-Project-ID", "in": "header", "required": false, "description": "The project UUID; not needed when the key is bound to a project", "schema": { "type": "string", "format": "uuid" } },
        { "name": "Prefer", "in": "header", "required": false, "description": "code=NNN answers that documented error instead (D15)", "schema": { "type": "string" } },
    ])
}

fn responses(statuses: &[u16], success: &str) -> Value {
    let mut out = Map::new();
    for status in statuses {
        let response = if *status < 300 {
            json_response(
                "Success",
                json!({ "$ref": format!("#/components/schemas/{success}") }),
            )
        } else {
            problem()
        };
        out.insert(status.to_string(), response);
    }
    Value::Object(out)
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

fn required_query(name: &str, description: &str, schema: Value) -> Value {
    let mut parameter = query(name, description, schema);
    parameter["required"] = Value::Bool(true);
    parameter
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
