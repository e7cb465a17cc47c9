//! A Pact specification v3 consumer contract from recorded traffic (`gately-mock pact`),
//! for a provider team's tools. From the clean exchanges (the mock's own, verdict ok, not
//! forced, no fault), one interaction per distinct request shape: the operation, the
//! status, the query's parameter names and the body's top-level keys. Each response body
//! carries matching rules that say types, not the recorded values, for ids and timestamps
//! (by pattern) and for text and numbers; booleans, `null`s and a contact's `status` are
//! held to the value recorded. Requests carry no `Authorization`: the provider's verifier
//! sends its own key.
//!
//! Provider states name what an interaction needs, always starting from `the fixtures`
//! (the mock reset): `contact <id> exists` (with the contact's fields as the capture last
//! showed them before the interaction, and for each contact a page lists),
//! `contact <id> does not exist`, `tag <id> exists`, `a tag named <name> exists`, `a contact
//! with e-mail <email> exists`. The mock sets them up itself at `POST /__admin/provider-states`, so that it can
//! play the provider when a Pact verifier checks the contract.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Map, Value, json};

use crate::api::operation::{Operation, OperationId};
use crate::api::route::{self, RouteId};
use crate::contract::capture::{AnswerBody, Observed};

/// A UUID, as the mock writes one.
const UUID_PATTERN: &str = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";
/// An RFC 3339 date-time.
const TIMESTAMP_PATTERN: &str = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$";

/// The state every interaction starts from: the mock reset to its fixtures.
pub(crate) const FIXTURES_STATE: &str = "the fixtures";

/// The Pact document for `captured`, between `consumer` and `provider`, from the exchanges
/// whose origin `kept_the_contract` holds (the verdict `ok` of `check`).
pub(crate) fn contract(
    captured: &[Observed],
    kept_the_contract: &HashSet<String>,
    consumer: &str,
    provider: &str,
) -> Value {
    // Each workspace's contacts and tags as the answers so far showed them: what a state
    // sets up.
    let mut known: HashMap<Option<String>, Known> = HashMap::new();
    let mut shapes: Vec<String> = Vec::new();
    let mut interactions = Vec::new();
    for observed in captured {
        let clean = kept_the_contract.contains(&observed.origin) && is_clean(observed);
        if let Some((operation, id)) = observed.operation().filter(|_| clean) {
            let shape = shape_of(observed, operation);
            if !shapes.contains(&shape) {
                shapes.push(shape);
                let known = known.entry(observed.workspace.clone()).or_default();
                interactions.push(interaction(observed, operation, id, known));
            }
        }
        if observed.from_mock {
            known
                .entry(observed.workspace.clone())
                .or_default()
                .remember(observed);
        }
    }
    json!({
        "consumer": { "name": consumer },
        "provider": { "name": provider },
        "interactions": interactions,
        "metadata": {
            "pactSpecification": { "version": "3.0.0" },
            "gately-mock": { "version": env!("CARGO_PKG_VERSION") },
        },
    })
}

/// Whether an exchange may go into the contract: the mock answered it, it kept the
/// contract, and nothing forced its answer.
fn is_clean(observed: &Observed) -> bool {
    observed.from_mock
        && observed.status != 0
        && observed.status < 500
        && !observed.forced
        && observed.faults.is_empty()
        && observed
            .response_body
            .as_ref()
            .is_some_and(|body| !body.is_string())
}

/// What makes two requests the same interaction.
fn shape_of(observed: &Observed, operation: &Operation) -> String {
    let mut names: Vec<String> =
        form_urlencoded::parse(observed.query.as_deref().unwrap_or_default().as_bytes())
            .map(|(name, _)| name.into_owned())
            .collect();
    names.sort();
    names.dedup();
    let keys: Vec<String> = serde_json::from_slice::<Value>(&observed.request_body)
        .ok()
        .and_then(|body| body.as_object().map(|body| body.keys().cloned().collect()))
        .unwrap_or_default();
    format!(
        "{} {} {} ?{} {}",
        operation.name,
        observed.status,
        error_code(observed).as_deref().unwrap_or("ok"),
        names.join(","),
        keys.join(",")
    )
}

/// The problem `code` of an error answer.
fn error_code(observed: &Observed) -> Option<String> {
    (observed.status >= 400)
        .then(|| observed.response_body.as_ref()?.text_of("code"))
        .flatten()
}

/// What a workspace's answers so far showed of its contacts and tags.
#[derive(Default)]
struct Known {
    /// Each contact and tag by id, as last shown (a contact's fields it changed without
    /// showing it, such as its unsubscribed flag, merged in).
    resources: HashMap<String, Value>,
    /// Contacts deleted, in order.
    deleted: Vec<String>,
}

impl Known {
    /// Remembers what `observed`'s answer shows or changed.
    fn remember(&mut self, observed: &Observed) {
        let Some(body) = &observed.response_body else {
            return;
        };
        if !(200..300).contains(&observed.status) {
            return;
        }
        let body = &body.value();
        let path_id = route::route(&observed.path)
            .and_then(|found| found.param)
            .map(str::to_owned);
        let operation = observed.operation().map(|(operation, _)| operation.id);
        match (operation, path_id) {
            (Some(OperationId::DeleteContact), Some(id)) => {
                self.resources.remove(&id);
                self.deleted.push(id);
                return;
            }
            (Some(OperationId::Unsubscribe | OperationId::Resubscribe), Some(id)) => {
                let unsubscribed = operation == Some(OperationId::Unsubscribe);
                self.merge(&id, "unsubscribed", json!(unsubscribed));
                return;
            }
            (Some(OperationId::MergeCustomFields), Some(id)) => {
                self.merge(&id, "custom_fields", body.clone());
                return;
            }
            _ => {}
        }
        let mut keep = |value: &Value| {
            if let Some(id) = value.get("id").and_then(Value::as_str) {
                if value.get("project_id").is_some() && value.get("name").is_some() {
                    self.deleted.retain(|deleted| deleted != id);
                    self.resources.insert(id.to_owned(), value.clone());
                }
            }
        };
        keep(body);
        for item in body
            .as_array()
            .into_iter()
            .chain(body.get("contacts").and_then(Value::as_array))
            .flatten()
        {
            keep(item);
        }
        for tag in body
            .get("tags")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            keep(tag);
        }
    }

    /// Sets `field` of the contact `id`, shown or not.
    fn merge(&mut self, id: &str, field: &str, value: Value) {
        let contact = self
            .resources
            .entry(id.to_owned())
            .or_insert_with(|| json!({ "id": id }));
        contact[field] = value;
    }
}

/// One interaction of the contract.
fn interaction(
    observed: &Observed,
    operation: &Operation,
    id: Option<&str>,
    known: &Known,
) -> Value {
    let body: Option<Value> = serde_json::from_slice(&observed.request_body).ok();
    let mut request = json!({
        "method": observed.method,
        "path": observed.path,
    });
    let mut query: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in
        form_urlencoded::parse(observed.query.as_deref().unwrap_or_default().as_bytes())
    {
        query
            .entry(name.into_owned())
            .or_default()
            .push(value.into_owned());
    }
    if !query.is_empty() {
        request["query"] = json!(query);
    }
    if let Some(body) = &body {
        request["headers"] = json!({ "Content-Type": "application/json" });
        request["body"] = body.clone();
    }
    let mut response_body =
        (observed.response_body.as_ref()).map_or(Value::Null, AnswerBody::value);
    template(&mut response_body, false);
    let mut rules = Map::new();
    matching_rules(&response_body, "$", false, &mut rules);
    let mut response = json!({
        "status": observed.status,
        "headers": { "Content-Type": content_type(observed.status) },
        "body": response_body,
    });
    if !rules.is_empty() {
        response["matchingRules"] = json!({ "body": rules });
    }
    json!({
        "description": description(observed, operation),
        "providerStates": provider_states(observed, operation, id, body.as_ref(), known),
        "request": request,
        "response": response,
    })
}

/// `updateContact → 409 email_taken (body: email)`.
fn description(observed: &Observed, operation: &Operation) -> String {
    let mut text = format!("{} → {}", operation.name, observed.status);
    if let Some(code) = error_code(observed) {
        text.push(' ');
        text.push_str(&code);
    }
    let keys: Vec<String> = serde_json::from_slice::<Value>(&observed.request_body)
        .ok()
        .and_then(|body| body.as_object().map(|body| body.keys().cloned().collect()))
        .unwrap_or_default();
    if !keys.is_empty() {
        text.push_str(&format!(" (body: {})", keys.join(", ")));
    }
    if let Some(query) = observed.query.as_deref().filter(|query| !query.is_empty()) {
        text.push_str(&format!(" (query: {query})"));
    }
    text
}

fn content_type(status: u16) -> &'static str {
    if status >= 400 {
        "application/problem+json"
    } else {
        "application/json"
    }
}

/// What the provider must set up for the interaction.
fn provider_states(
    observed: &Observed,
    operation: &Operation,
    id: Option<&str>,
    body: Option<&Value>,
    known: &Known,
) -> Vec<Value> {
    let mut states = vec![json!({ "name": FIXTURES_STATE })];
    // What earlier calls deleted is gone for this one too.
    for id in &known.deleted {
        states.push(json!({
            "name": format!("contact {id} does not exist"),
            "params": { "id": id },
        }));
    }
    let code = error_code(observed);
    let code = code.as_deref();
    let exists = |kind: &str, id: &str| {
        let mut params = known
            .resources
            .get(id)
            .cloned()
            .unwrap_or_else(|| json!({}));
        params["id"] = json!(id);
        json!({ "name": format!("{kind} {id} exists"), "params": params })
    };
    match (operation.route, id) {
        (RouteId::Contact | RouteId::Unsubscribes | RouteId::CustomFields, Some(id)) => {
            if code == Some("contact_not_found") {
                states.push(json!({
                    "name": format!("contact {id} does not exist"),
                    "params": { "id": id },
                }));
            } else {
                states.push(exists("contact", id));
            }
        }
        (RouteId::Tag, Some(id)) if code != Some("tag_not_found") => {
            states.push(exists("tag", id));
        }
        _ => {}
    }
    if operation.route == RouteId::ContactTags && code.is_none() {
        let reference = |name: &str| {
            body.and_then(|body| body.get(name))
                .and_then(Value::as_str)
                .map(str::to_owned)
                .or_else(|| {
                    form_urlencoded::parse(observed.query.as_deref().unwrap_or_default().as_bytes())
                        .find(|(key, _)| key == name)
                        .map(|(_, value)| value.into_owned())
                })
        };
        if let Some(contact) = reference("contact_id") {
            states.push(exists("contact", &contact));
        }
        if let Some(tag) = reference("tag_id") {
            states.push(exists("tag", &tag));
        }
    }
    // A page of contacts shows the contacts the provider must have.
    if operation.route == RouteId::Contacts && observed.method == "GET" {
        let page = (observed.response_body.as_ref()).map(AnswerBody::value);
        let listed = page
            .as_ref()
            .and_then(|body| body.get("contacts"))
            .and_then(Value::as_array);
        for contact in listed.into_iter().flatten() {
            if let Some(id) = contact.get("id").and_then(Value::as_str) {
                states.push(json!({
                    "name": format!("contact {id} exists"),
                    "params": contact,
                }));
            }
        }
    }
    if code == Some("tag_exists") {
        if let Some(name) = body
            .and_then(|body| body.get("name"))
            .and_then(Value::as_str)
        {
            states.push(json!({
                "name": format!("a tag named {name} exists"),
                "params": { "name": name },
            }));
        }
    }
    if code == Some("email_taken") {
        if let Some(email) = body
            .and_then(|body| body.get("email"))
            .and_then(Value::as_str)
        {
            states.push(json!({
                "name": format!("a contact with e-mail {email} exists"),
                "params": { "email": email },
            }));
        }
    }
    states
}

/// The matching rules of `value` at `path`: types for text, numbers, ids and timestamps
/// (the last two by pattern), each item of an array like the first, the rest by value. In
/// an array's items (`in_items`) every other item is held to the first's rules, so a text
/// may also be `null` there (the API's optional fields are text or null), and a contact's
/// `status` is a type.
fn matching_rules(value: &Value, path: &str, in_items: bool, rules: &mut Map<String, Value>) {
    let mut rule = |matcher: Value| {
        let rule = if in_items && !matches!(value, Value::Array(_) | Value::Number(_)) {
            json!({ "matchers": [matcher, { "match": "null" }], "combine": "OR" })
        } else {
            json!({ "matchers": [matcher] })
        };
        rules.insert(path.to_owned(), rule);
    };
    match value {
        Value::Object(members) => {
            for (key, member) in members {
                if key == "status" && member.is_string() && !in_items {
                    continue;
                }
                // A key a Pact path cannot spell is held to its value.
                if let Some(path) = child(path, key) {
                    matching_rules(member, &path, in_items, rules);
                }
            }
        }
        Value::Array(items) => {
            rule(json!({ "match": "type", "min": 0 }));
            if let Some(first) = items.first() {
                matching_rules(first, &format!("{path}[*]"), true, rules);
            }
        }
        Value::String(text) if uuid::Uuid::try_parse(text).is_ok() => {
            rule(json!({ "match": "regex", "regex": UUID_PATTERN }));
        }
        Value::String(text) if crate::clock::Timestamp::parse(text).is_ok() => {
            rule(json!({ "match": "regex", "regex": TIMESTAMP_PATTERN }));
        }
        Value::String(_) | Value::Number(_) => rule(json!({ "match": "type" })),
        // Text that may be there, or not: the API's optional fields are text or null.
        Value::Null if in_items => rule(json!({ "match": "regex", "regex": "^.*$" })),
        Value::Bool(_) | Value::Null => {}
    }
}

/// `body` as the example of a response: each array's first item, the template every item
/// is held to, and in such an item a contact's `custom_fields` left empty (each contact
/// has its own keys; an object in a Pact needs only the keys it lists).
fn template(body: &mut Value, in_items: bool) {
    match body {
        Value::Array(items) => {
            items.truncate(1);
            for item in items {
                template(item, true);
            }
        }
        Value::Object(members) => {
            for (key, member) in members.iter_mut() {
                if in_items && key == "custom_fields" && member.is_object() {
                    *member = json!({});
                } else {
                    template(member, in_items);
                }
            }
        }
        _ => {}
    }
}

/// `$.contacts`, or `$['custom field']` for a key that is not a plain name; `None` for a
/// key no path of a Pact can spell (empty, or with a quote).
fn child(path: &str, key: &str) -> Option<String> {
    let plain = !key.is_empty()
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !key.starts_with(|c: char| c.is_ascii_digit());
    if plain {
        Some(format!("{path}.{key}"))
    } else if key.is_empty() || key.contains(['\'', '\\']) {
        None
    } else {
        Some(format!("{path}['{key}']"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The contract of `captured`, every exchange taken as ok.
    fn contract_of(captured: &[Observed], consumer: &str, provider: &str) -> Value {
        let all = captured
            .iter()
            .map(|observed| observed.origin.clone())
            .collect();
        contract(captured, &all, consumer, provider)
    }

    const JANE: &str = "a1b2c3d4-e5f6-4789-abcd-ef1234567890";

    fn exchange(method: &str, path: &str, body: Value, status: u16, answer: Value) -> Observed {
        Observed::answered(method, path, body, status, answer)
    }

    fn jane() -> Value {
        json!({"id": JANE, "project_id": "3f6c2a91-8d4e-4b7a-9c15-2e8f0d6b4a73",
               "name": "Jane Smith", "email": "jane@example.com", "status": "inactive",
               "tags": [{"id": "e62e5128-0000-4000-8000-000000000000", "name": "VIP"}],
               "unsubscribed": false, "notes": null,
               "custom_fields": {"plan tier": "gold"},
               "created_at": "2025-03-02T10:15:00.000Z"})
    }

    #[test]
    fn one_interaction_per_request_shape_with_states_and_type_rules() {
        let path = format!("/api/v1/contacts/{JANE}");
        let pact = contract_of(
            &[
                exchange("PATCH", &path, json!({"status": "inactive"}), 200, jane()),
                exchange("PATCH", &path, json!({"status": "active"}), 200, jane()),
                exchange("PATCH", &path, json!({"notes": "x"}), 200, jane()),
                exchange(
                    "PATCH",
                    &path,
                    json!({"email": "john@example.com"}),
                    409,
                    json!({"code": "email_taken", "status": 409}),
                ),
            ],
            "web-app",
            "gately-api",
        );
        assert_eq!(pact["metadata"]["pactSpecification"]["version"], "3.0.0");
        assert_eq!(pact["consumer"]["name"], "web-app");
        let interactions = pact["interactions"].as_array().unwrap();
        assert_eq!(
            interactions.len(),
            3,
            "the second PATCH has the first's shape"
        );
        let first = &interactions[0];
        assert_eq!(first["providerStates"][0]["name"], FIXTURES_STATE);
        assert_eq!(
            first["providerStates"][1]["name"],
            format!("contact {JANE} exists")
        );
        // Nothing showed Jane before the first exchange: the fixtures' Jane will do. The
        // next interaction finds her as the first one's answer left her.
        assert_eq!(first["providerStates"][1]["params"], json!({ "id": JANE }));
        assert_eq!(
            interactions[1]["providerStates"][1]["params"]["status"],
            "inactive"
        );
        assert!(
            first["request"]
                .get("headers")
                .unwrap()
                .get("Authorization")
                .is_none()
        );
        let rules = &first["response"]["matchingRules"]["body"];
        assert_eq!(rules["$.id"]["matchers"][0]["match"], "regex");
        assert_eq!(rules["$.created_at"]["matchers"][0]["match"], "regex");
        assert_eq!(rules["$.name"]["matchers"][0]["match"], "type");
        assert_eq!(rules["$.tags"]["matchers"][0]["match"], "type");
        assert_eq!(rules["$.tags[*].id"]["matchers"][0]["match"], "regex");
        assert!(rules.get("$['custom_fields']").is_none());
        assert_eq!(
            rules["$.custom_fields['plan tier']"]["matchers"][0]["match"],
            "type"
        );
        assert!(
            rules.get("$.status").is_none(),
            "a status is held to its value"
        );
        assert!(rules.get("$.unsubscribed").is_none() && rules.get("$.notes").is_none());
        let taken = &interactions[2];
        assert_eq!(taken["response"]["status"], 409);
        assert_eq!(
            taken["providerStates"][2]["name"],
            "a contact with e-mail john@example.com exists"
        );
    }

    #[test]
    fn forced_faulted_and_failed_exchanges_stay_out() {
        let path = format!("/api/v1/contacts/{JANE}");
        let mut forced = exchange("GET", &path, Value::Null, 404, json!({"code": "not_found"}));
        forced.forced = true;
        let mut faulted = exchange("GET", &path, Value::Null, 200, jane());
        faulted.faults = vec!["latency".to_owned()];
        let elsewhere = Observed {
            from_mock: false,
            ..exchange("GET", &path, Value::Null, 200, jane())
        };
        let pact = contract_of(&[forced, faulted, elsewhere], "c", "p");
        assert!(pact["interactions"].as_array().unwrap().is_empty());
    }

    #[test]
    fn a_state_carries_what_earlier_calls_changed_without_showing_it() {
        let path = format!("/api/v1/contacts/{JANE}");
        let john = "/api/v1/contacts/f7c2a47a-ed10-47d4-8ae0-28a305d98934";
        let pact = contract_of(
            &[
                exchange(
                    "POST",
                    &format!("{path}/unsubscribes"),
                    json!({"reason": "x"}),
                    201,
                    json!({"id": "r1", "contact_id": JANE}),
                ),
                exchange("DELETE", john, Value::Null, 200, json!({"message": "gone"})),
                exchange("PATCH", &path, json!({"notes": "x"}), 200, jane()),
            ],
            "c",
            "p",
        );
        let states = &pact["interactions"][2]["providerStates"];
        assert_eq!(
            states[1]["name"],
            "contact f7c2a47a-ed10-47d4-8ae0-28a305d98934 does not exist"
        );
        assert_eq!(
            states[2]["params"],
            json!({"id": JANE, "unsubscribed": true})
        );
    }

    #[test]
    fn a_missing_contact_is_a_state_of_its_own() {
        let path = "/api/v1/contacts/00000000-0000-4000-8000-000000000000";
        let pact = contract_of(
            &[exchange(
                "GET",
                path,
                Value::Null,
                404,
                json!({"code": "contact_not_found"}),
            )],
            "c",
            "p",
        );
        assert_eq!(
            pact["interactions"][0]["providerStates"][1]["name"],
            "contact 00000000-0000-4000-8000-000000000000 does not exist"
        );
    }
}
