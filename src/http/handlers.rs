//! One function per route and method: `(&AppState, &RecordedRequest) -> Result<Reply, ApiError>`.

use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue};
use hyper::{Method, StatusCode};
use serde::Serialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::app::AppState;
use crate::auth::Need;
use crate::contract;
use crate::http::error::ApiError;
use crate::http::prefer;
use crate::http::reply::{JSON, Reply};
use crate::http::request::{Body, RecordedRequest};
use crate::http::router::{self, Route};
use crate::http::{admin, cors, query};
use crate::json;
use crate::schema::{Schema, Strictness, Violation};
use crate::store::StoreError;
use crate::store::contact::{ContactView, CreateOnly};
use crate::store::patch::ContactPatch;
use crate::store::tag::Tag;

/// The header that names the project for account keys (D4).
const PROJECT_HEADER: HeaderName = HeaderName::from_static("x-project-id");
/// The header of D15 (`Prefer: code=…`).
const PREFER: HeaderName = HeaderName::from_static("prefer");

/// The header that marks traffic as coming from this mock (D25).
const MARKER: HeaderName = HeaderName::from_static("x-gately-mock");

/// The synchronous core of the request path: the answer to `request`, errors turned into
/// problems, CORS and marker headers added. It neither waits (`--latency`) nor records;
/// the server does both. Fuzz targets and benchmarks call it to drive the whole path in
/// process.
pub fn respond(state: &AppState, request: &RecordedRequest) -> Reply {
    let mut reply = dispatch(state, request).unwrap_or_else(ApiError::into_reply);
    cors::decorate(&mut reply, &request.headers);
    reply
        .headers
        .append(MARKER, HeaderValue::from_static(env!("CARGO_PKG_VERSION")));
    reply
}

/// Routes `request` to its handler.
fn dispatch(state: &AppState, request: &RecordedRequest) -> Result<Reply, ApiError> {
    let Some(route) = router::route(&request.path) else {
        return Err(ApiError::RouteNotFound {
            method: request.method.clone(),
            path: request.path.clone(),
        });
    };
    match (route, &request.method) {
        (route, &Method::OPTIONS) => Ok(cors::preflight(route)),
        (Route::Contact { id }, &Method::GET) => get_contact(state, request, route, id),
        (Route::Contact { id }, &Method::PATCH) => patch_contact(state, request, route, id),
        (Route::Contact { id }, &Method::DELETE) => delete_contact(state, request, route, id),
        (Route::Contacts, &Method::GET) => list_contacts(state, request, route),
        (Route::Contacts, &Method::POST) => create_contact(state, request, route),
        (Route::BulkImport, &Method::POST) => bulk_import(state, request, route),
        (Route::Tags, &Method::GET) => list_tags(state, request, route),
        (Route::Tags, &Method::POST) => create_tag(state, request, route),
        (Route::Tag { id }, &Method::PUT) => update_tag(state, request, route, id),
        (Route::Tag { id }, &Method::DELETE) => delete_tag(state, request, route, id),
        (Route::ContactTags, &Method::POST) => attach_tag(state, request, route),
        (Route::ContactTags, &Method::DELETE) => detach_tag(state, request, route),
        (Route::Unsubscribes { id }, &Method::POST) => unsubscribe(state, request, route, id),
        (Route::Unsubscribes { id }, &Method::GET) => list_unsubscribes(state, request, route, id),
        (Route::Unsubscribes { id }, &Method::DELETE) => resubscribe(state, request, route, id),
        (Route::CustomFields { id }, &Method::GET) => get_custom_fields(state, request, route, id),
        (Route::CustomFields { id }, &Method::PATCH) => {
            merge_custom_fields(state, request, route, id)
        }
        (Route::AdminRequests, &Method::GET) => admin::list_requests(state, request),
        (Route::AdminRequests, &Method::DELETE) => admin::clear_requests(state),
        (Route::AdminRequestsHar, &Method::GET) => admin::export_har(state, request),
        (Route::AdminReset, &Method::POST) => admin::reset(state),
        (Route::AdminHealth, &Method::GET) => admin::health(state),
        (Route::AdminOpenapi, &Method::GET) => admin::openapi(state),
        (route, method) => Err(ApiError::MethodNotAllowed {
            method: method.clone(),
            allow: route.allow(),
        }),
    }
}

/// `GET /api/v1/contacts/{contactId}`
fn get_contact(
    state: &AppState,
    request: &RecordedRequest,
    route: Route<'_>,
    id: &str,
) -> Result<Reply, ApiError> {
    let (project, id) = contact_request(state, request, route, id, Need::Read)?;
    let store = state.store();
    answer_contact(
        state,
        StatusCode::OK,
        &store.contact(project, id)?,
        Vec::new(),
    )
}

/// `PATCH /api/v1/contacts/{contactId}` (D6–D11)
fn patch_contact(
    state: &AppState,
    request: &RecordedRequest,
    route: Route<'_>,
    id: &str,
) -> Result<Reply, ApiError> {
    let project = authorize(state, request, Need::Write)?;
    let id = contact_id(id)?;
    let (body, mut warnings) = checked_body(state, request, route, &state.schemas.contact_patch)?;
    let Value::Object(fields) = body else {
        return Err(ApiError::Internal {
            message: "schemas/contact-patch.json let a non-object body through".to_owned(),
        });
    };
    let patch = ContactPatch::from_body(fields)?;
    if patch.unsubscribed.is_some() {
        warnings.push(Violation::new(
            "/unsubscribed",
            contract::UNSUBSCRIBED_ADVICE,
            "unsubscribed",
        ));
    }
    let mut store = state.store();
    let view = store.patch_contact(project, id, patch, request.time)?;
    answer_contact(state, StatusCode::OK, &view, warnings)
}

/// `GET /api/v1/contacts` (D19)
fn list_contacts(
    state: &AppState,
    request: &RecordedRequest,
    route: Route<'_>,
) -> Result<Reply, ApiError> {
    let project = authorize(state, request, Need::Read)?;
    let (query, warnings) = query::contact_query(request.query.as_deref(), state.strictness)?;
    force_if_asked(request, route)?;
    let store = state.store();
    let (contacts, total) = store.list_contacts(project, &query);
    let mut body = b"{\"contacts\":".to_vec();
    json::put_array(&mut body, &contacts, |out, contact| contact.write_json(out));
    body.extend_from_slice(b",\"pagination\":");
    json::put(
        &mut body,
        &json!({
            "page": query.page,
            "limit": query.limit,
            "total": total,
            "pages": total.div_ceil(query.limit),
        }),
    );
    body.push(b'}');
    Ok(answered(
        state,
        Reply::with_body(StatusCode::OK, JSON, body.into()),
        warnings,
    ))
}

/// `POST /api/v1/contacts` (D20)
fn create_contact(
    state: &AppState,
    request: &RecordedRequest,
    route: Route<'_>,
) -> Result<Reply, ApiError> {
    let project = authorize(state, request, Need::Write)?;
    let (body, warnings) = checked_body(state, request, route, &state.schemas.contact_create)?;
    let (draft, create_only) = draft_of(body)?;
    let mut store = state.store();
    let view = store.create_contact(project, draft, create_only, request.time)?;
    answer_contact(state, StatusCode::CREATED, &view, warnings)
}

/// `POST /api/v1/contacts/bulk-import`: each row checked and created on its own, all or
/// nothing for that row; invalid rows and e-mails in use (already, or earlier in the
/// payload) are skipped, each with its reasons.
fn bulk_import(
    state: &AppState,
    request: &RecordedRequest,
    route: Route<'_>,
) -> Result<Reply, ApiError> {
    let project = authorize(state, request, Need::Write)?;
    let (body, mut warnings) = checked_body(state, request, route, &state.schemas.bulk_import)?;
    let Value::Object(mut body) = body else {
        return Err(ApiError::Internal {
            message: "schemas/bulk-import.json let a non-object body through".to_owned(),
        });
    };
    let Some(Value::Array(rows)) = body.remove("contacts") else {
        return Err(ApiError::Internal {
            message: "schemas/bulk-import.json let a body without a contacts array through"
                .to_owned(),
        });
    };
    let (mut imported, mut errors, mut violations) = (0_usize, Vec::new(), Vec::new());
    let mut store = state.store();
    let now = request.time;
    for (index, row) in rows.into_iter().enumerate() {
        let at = |mut violation: Violation| {
            violation.pointer = format!("/contacts/{index}{}", violation.pointer);
            violation
        };
        let email = row.get("email").and_then(Value::as_str).map(str::to_owned);
        let findings = state.schemas.contact_create.check(&row, state.strictness);
        warnings.extend(findings.warnings.into_iter().map(at));
        let refusal = if findings.violations.is_empty() {
            let (draft, create_only) = draft_of(row)?;
            match store.create_contact(project, draft, create_only, now) {
                Ok(_) => {
                    imported += 1;
                    continue;
                }
                Err(err @ StoreError::EmailTaken { .. }) => vec![Violation::new(
                    "/email",
                    format!("{err}; the row was skipped"),
                    "unique",
                )],
                Err(err) => return Err(err.into()),
            }
        } else {
            violations.extend(findings.violations.iter().cloned().map(at));
            findings.violations
        };
        errors.push(json!({ "index": index, "email": email, "errors": refusal }));
    }
    let result = json!({
        "success": true,
        "imported": imported,
        "skipped": errors.len(), // every skipped row has its entry
        "errors": errors,
        "message": format!("Successfully imported {imported} contacts"),
    });
    let mut reply = answer(state, StatusCode::OK, &result, warnings)?;
    reply.violations = violations;
    Ok(reply)
}

/// A checked create body as a draft and the create-only fields.
fn draft_of(body: Value) -> Result<(ContactPatch, CreateOnly), ApiError> {
    let Value::Object(mut fields) = body else {
        return Err(ApiError::Internal {
            message: "schemas/contact-create.json let a non-object body through".to_owned(),
        });
    };
    let mut take = |name: &str| match fields.remove(name) {
        Some(Value::String(text)) => Some(text),
        _ => None,
    };
    let create_only = CreateOnly {
        address_line_1: take("address_line_1"),
        address_line_2: take("address_line_2"),
        external_id: take("external_id"),
    };
    Ok((ContactPatch::from_body(fields)?, create_only))
}

/// `DELETE /api/v1/contacts/{contactId}` (D20)
fn delete_contact(
    state: &AppState,
    request: &RecordedRequest,
    route: Route<'_>,
    id: &str,
) -> Result<Reply, ApiError> {
    let (project, id) = contact_request(state, request, route, id, Need::Write)?;
    let mut store = state.store();
    store.delete_contact(project, id)?;
    answer(
        state,
        StatusCode::OK,
        &json!({ "message": "Contact deleted successfully" }),
        Vec::new(),
    )
}

/// `POST /api/v1/contacts/{contactId}/unsubscribes` (D21): the body is optional.
fn unsubscribe(
    state: &AppState,
    request: &RecordedRequest,
    route: Route<'_>,
    id: &str,
) -> Result<Reply, ApiError> {
    let project = authorize(state, request, Need::Write)?;
    let id = contact_id(id)?;
    let body = match &request.body {
        Body::Complete(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => {
            Value::Object(Map::new())
        }
        _ => json_body(request)?,
    };
    let findings = checked(&state.schemas.unsubscribe, &body, state.strictness)?;
    force_if_asked(request, route)?;
    let text = |name: &str| body.get(name).and_then(Value::as_str).map(str::to_owned);
    let mut store = state.store();
    let record = store.unsubscribe(project, id, text("reason"), text("source"), request.time)?;
    answer(state, StatusCode::CREATED, record, findings)
}

/// `GET /api/v1/contacts/{contactId}/unsubscribes` (D21)
fn list_unsubscribes(
    state: &AppState,
    request: &RecordedRequest,
    route: Route<'_>,
    id: &str,
) -> Result<Reply, ApiError> {
    let (project, id) = contact_request(state, request, route, id, Need::Read)?;
    let store = state.store();
    answer(
        state,
        StatusCode::OK,
        &store.unsubscribes(project, id)?,
        Vec::new(),
    )
}

/// `DELETE /api/v1/contacts/{contactId}/unsubscribes` (D21): every record removed.
fn resubscribe(
    state: &AppState,
    request: &RecordedRequest,
    route: Route<'_>,
    id: &str,
) -> Result<Reply, ApiError> {
    let (project, id) = contact_request(state, request, route, id, Need::Write)?;
    let mut store = state.store();
    store.resubscribe(project, id, request.time)?;
    answer(
        state,
        StatusCode::OK,
        &json!({ "message": "Contact resubscribed successfully" }),
        Vec::new(),
    )
}

/// `GET /api/v1/contacts/{contactId}/custom-fields` (D18)
fn get_custom_fields(
    state: &AppState,
    request: &RecordedRequest,
    route: Route<'_>,
    id: &str,
) -> Result<Reply, ApiError> {
    let (project, id) = contact_request(state, request, route, id, Need::Read)?;
    let store = state.store();
    answer(
        state,
        StatusCode::OK,
        store.custom_fields(project, id)?,
        Vec::new(),
    )
}

/// `PATCH /api/v1/contacts/{contactId}/custom-fields` (D18): an RFC 7396 merge patch.
fn merge_custom_fields(
    state: &AppState,
    request: &RecordedRequest,
    route: Route<'_>,
    id: &str,
) -> Result<Reply, ApiError> {
    let project = authorize(state, request, Need::Write)?;
    let id = contact_id(id)?;
    let (body, warnings) = checked_body(state, request, route, &state.schemas.custom_fields)?;
    let Value::Object(patch) = body else {
        return Err(ApiError::Internal {
            message: "schemas/custom-fields.json let a non-object body through".to_owned(),
        });
    };
    let mut store = state.store();
    let merged = store.merge_custom_fields(project, id, patch, request.time)?;
    answer(state, StatusCode::OK, merged, warnings)
}

/// `GET /api/v1/contacts/tags`
fn list_tags(
    state: &AppState,
    request: &RecordedRequest,
    route: Route<'_>,
) -> Result<Reply, ApiError> {
    let project = authorize(state, request, Need::Read)?;
    force_if_asked(request, route)?;
    let store = state.store();
    let tags: Vec<_> = store.tags(project).into_iter().map(Tag::view).collect();
    answer(state, StatusCode::OK, &tags, Vec::new())
}

/// `POST /api/v1/contacts/tags`: `name` required, `color` optional.
fn create_tag(
    state: &AppState,
    request: &RecordedRequest,
    route: Route<'_>,
) -> Result<Reply, ApiError> {
    let project = authorize(state, request, Need::Write)?;
    let (body, warnings) = checked_body(state, request, route, &state.schemas.tag_create)?;
    let text = |name: &str| body.get(name).and_then(Value::as_str).map(str::to_owned);
    let mut store = state.store();
    let tag = store.create_tag(
        project,
        text("name").unwrap_or_default(),
        text("color"),
        request.time,
    )?;
    answer(state, StatusCode::CREATED, &tag.view(), warnings)
}

/// `PUT /api/v1/contacts/tags/{tagId}`: a partial update, as the docs use it.
fn update_tag(
    state: &AppState,
    request: &RecordedRequest,
    route: Route<'_>,
    id: &str,
) -> Result<Reply, ApiError> {
    let project = authorize(state, request, Need::Write)?;
    let id = tag_id(id)?;
    let (body, warnings) = checked_body(state, request, route, &state.schemas.tag_update)?;
    let name = body.get("name").and_then(Value::as_str).map(str::to_owned);
    let color = body
        .get("color")
        .map(|color| color.as_str().map(str::to_owned));
    let mut store = state.store();
    let tag = store.update_tag(project, id, name, color)?;
    answer(state, StatusCode::OK, &tag.view(), warnings)
}

/// `DELETE /api/v1/contacts/tags/{tagId}`: detached from every contact too.
fn delete_tag(
    state: &AppState,
    request: &RecordedRequest,
    route: Route<'_>,
    id: &str,
) -> Result<Reply, ApiError> {
    let project = authorize(state, request, Need::Write)?;
    let id = tag_id(id)?;
    force_if_asked(request, route)?;
    let mut store = state.store();
    store.delete_tag(project, id)?;
    answer(
        state,
        StatusCode::OK,
        &json!({ "message": "Tag deleted successfully" }),
        Vec::new(),
    )
}

/// `POST /api/v1/contacts/contact-tags`: attaches a tag of the project to a contact and
/// answers the contact, 201 when the tag was attached, 200 when it already was.
fn attach_tag(
    state: &AppState,
    request: &RecordedRequest,
    route: Route<'_>,
) -> Result<Reply, ApiError> {
    let project = authorize(state, request, Need::Write)?;
    let (body, warnings) = checked_body(state, request, route, &state.schemas.contact_tag)?;
    let id_of = |name: &str| {
        body.get(name)
            .and_then(Value::as_str)
            .and_then(|id| Uuid::try_parse(id).ok())
    };
    let (Some(contact), Some(tag)) = (id_of("contact_id"), id_of("tag_id")) else {
        return Err(ApiError::Internal {
            message: "schemas/contact-tag.json let a body without two UUIDs through".to_owned(),
        });
    };
    let mut store = state.store();
    let (attached, view) = store.attach_tag(project, contact, tag, request.time)?;
    let status = if attached {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    answer_contact(state, status, &view, warnings)
}

/// `DELETE /api/v1/contacts/contact-tags?contact_id=…&tag_id=…`: detaches the tag; one
/// that was not attached is not an error.
fn detach_tag(
    state: &AppState,
    request: &RecordedRequest,
    route: Route<'_>,
) -> Result<Reply, ApiError> {
    let project = authorize(state, request, Need::Write)?;
    let (contact, tag, warnings) =
        query::contact_tag_query(request.query.as_deref(), state.strictness)?;
    force_if_asked(request, route)?;
    let mut store = state.store();
    store.detach_tag(project, contact, tag, request.time)?;
    answer(
        state,
        StatusCode::OK,
        &json!({ "message": "Tag removed from contact successfully" }),
        warnings,
    )
}

/// `tagId` as a UUID.
fn tag_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::try_parse(raw).map_err(|_| ApiError::InvalidPathId {
        parameter: "tagId",
        id: raw.to_owned(),
    })
}

/// A JSON answer of a handler that holds the store lock.
fn answer(
    state: &AppState,
    status: StatusCode,
    body: &impl Serialize,
    warnings: Vec<Violation>,
) -> Result<Reply, ApiError> {
    Ok(answered(state, Reply::json(status, body)?, warnings))
}

/// A contact as the answer of a handler that holds the store lock.
fn answer_contact(
    state: &AppState,
    status: StatusCode,
    contact: &ContactView<'_>,
    warnings: Vec<Violation>,
) -> Result<Reply, ApiError> {
    let mut body = Vec::with_capacity(1024);
    contact.write_json(&mut body);
    Ok(answered(
        state,
        Reply::with_body(status, JSON, body.into()),
        warnings,
    ))
}

/// `reply` with its warnings, and its `seq` drawn now, under the store lock, so that `seq`
/// orders exchanges as the store saw them.
fn answered(state: &AppState, mut reply: Reply, warnings: Vec<Violation>) -> Reply {
    reply.warnings = warnings;
    reply.seq = Some(state.sequence.next());
    reply
}

/// The body of a write, parsed and checked against `schema`, then `Prefer` honoured: what
/// every write does once its key and path ids are checked (the order of the README's
/// decisions table). The violations refuse it, the warnings are returned with it.
fn checked_body(
    state: &AppState,
    request: &RecordedRequest,
    route: Route<'_>,
    schema: &Schema,
) -> Result<(Value, Vec<Violation>), ApiError> {
    let body = json_body(request)?;
    let warnings = checked(schema, &body, state.strictness)?;
    force_if_asked(request, route)?;
    Ok((body, warnings))
}

/// `body` against `schema`: the violations refuse it, the warnings are returned.
fn checked(
    schema: &Schema,
    body: &Value,
    strictness: Strictness,
) -> Result<Vec<Violation>, ApiError> {
    let findings = schema.check(body, strictness);
    if findings.violations.is_empty() {
        Ok(findings.warnings)
    } else {
        Err(ApiError::Validation {
            violations: findings.violations,
        })
    }
}

/// The project and contact of a body-less request on a contact route: the key allows
/// `need`, the id is a UUID, and `Prefer` has had its say.
fn contact_request(
    state: &AppState,
    request: &RecordedRequest,
    route: Route<'_>,
    id: &str,
    need: Need,
) -> Result<(Uuid, Uuid), ApiError> {
    let project = authorize(state, request, need)?;
    let id = contact_id(id)?;
    force_if_asked(request, route)?;
    Ok((project, id))
}

/// The project the request acts on (D4).
fn authorize(state: &AppState, request: &RecordedRequest, need: Need) -> Result<Uuid, ApiError> {
    let authorization = request.header(AUTHORIZATION);
    Ok(state
        .keyring
        .authorize(authorization, request.header(PROJECT_HEADER), need)?)
}

/// `contactId` as a UUID (a mock choice: a malformed id is a 400 naming the parameter).
fn contact_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::try_parse(raw).map_err(|_| ApiError::InvalidPathId {
        parameter: "contactId",
        id: raw.to_owned(),
    })
}

/// Answers with a documented error when `Prefer: code=` asks for one (D15).
fn force_if_asked(request: &RecordedRequest, route: Route<'_>) -> Result<(), ApiError> {
    let documented = route.documented_statuses(&request.method);
    match prefer::forced_status(request.header(PREFER), documented)? {
        Some(status) => Err(ApiError::Forced { status }),
        None => Ok(()),
    }
}

/// The body as JSON: present, declared as `application/json`, and well-formed.
fn json_body(request: &RecordedRequest) -> Result<Value, ApiError> {
    let bytes = match &request.body {
        Body::Complete(bytes) => bytes,
        Body::TooLarge { limit } => return Err(ApiError::BodyTooLarge { limit: *limit }),
        Body::Unreadable => return Err(ApiError::BodyUnreadable),
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::EmptyBody);
    }
    let content_type = request.header(CONTENT_TYPE);
    if !content_type.is_some_and(is_json) {
        return Err(ApiError::UnsupportedMediaType {
            found: content_type.map(|raw| String::from_utf8_lossy(raw).into_owned()),
        });
    }
    let body =
        serde_json::from_slice(bytes).map_err(|source| ApiError::MalformedJson { source })?;
    request.mark_body_json();
    Ok(body)
}

/// `application/json`, with any parameters (`; charset=utf-8`), in any case.
fn is_json(content_type: &[u8]) -> bool {
    let essence = content_type
        .split(|byte| *byte == b';')
        .next()
        .unwrap_or_default();
    essence
        .trim_ascii()
        .eq_ignore_ascii_case(b"application/json")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use bytes::Bytes;
    use clap::Parser;
    use hyper::header::{AUTHORIZATION, HeaderMap, HeaderValue};

    use super::*;
    use crate::cli::ServeArgs;
    use crate::clock::Timestamp;
    use crate::config::ServeConfig;
    use crate::journal::Filter;

    fn frozen_state() -> AppState {
        let args = ServeArgs::parse_from(["serve", "--frozen-time", "2025-06-15T14:30:00.000Z"]);
        AppState::new(ServeConfig::from_args(&args).unwrap())
    }

    /// A PATCH of Jane with the seed's key, arriving at `arrived`.
    fn patch_jane(body: &'static [u8], arrived: Timestamp) -> RecordedRequest {
        let mut headers = HeaderMap::new();
        headers.insert(
            AUTHORIZATION,
            HeaderValue::from_static("Bearer gately_sk_test_9f8e7d6c5b4a39281706f5e4d3c2b1a0"),
        );
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        RecordedRequest::new(
            Method::PATCH,
            "/api/v1/contacts/a1b2c3d4-e5f6-4789-abcd-ef1234567890",
            headers,
            Bytes::from_static(body),
            arrived,
        )
    }

    #[test]
    fn a_body_is_marked_as_json_only_once_it_has_parsed() {
        let state = frozen_state();
        let now = state.clock.now();
        for (body, parsed) in [
            (&br#"{"status":"inactive"}"#[..], true),
            (br#"{"statsu":"inactive"}"#, true),
            (br#"{"status":"inactive""#, false),
            (b"", false),
        ] {
            let request = patch_jane(body, now);
            respond(&state, &request);
            assert_eq!(request.body_is_json(), parsed, "{body:?}");
        }
    }

    #[test]
    fn a_change_is_stamped_with_the_instant_its_request_arrived() {
        let state = frozen_state();
        let arrived = Timestamp::parse("2031-02-03T04:05:06.789Z").unwrap();
        let request = patch_jane(br#"{"status":"inactive"}"#, arrived);

        let reply = respond(&state, &request);
        let contact: Value = serde_json::from_slice(&reply.body).unwrap();
        assert_eq!(contact["updated_at"], "2031-02-03T04:05:06.789Z");
        let _ = state.record(request, &reply, Duration::ZERO);
        let journal = state.journal();
        let filter = Filter::from_query(None).unwrap();
        let recorded = journal.select(&filter).next().unwrap().to_exchange();
        assert_eq!(recorded.time, "2031-02-03T04:05:06.789Z");
    }

    #[test]
    fn json_content_types_are_recognised_with_parameters_and_in_any_case() {
        assert!(is_json(b"application/json"));
        assert!(is_json(b"Application/JSON; charset=utf-8"));
        assert!(!is_json(b"text/plain;charset=UTF-8"));
        assert!(!is_json(b"application/jsonx"));
    }
}
