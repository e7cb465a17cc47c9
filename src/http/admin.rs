//! `/__admin/…`: what CI and test harnesses ask the mock about its traffic. No key needed;
//! never recorded.

use hyper::StatusCode;
use hyper::header::HOST;
use serde_json::json;

use crate::app::AppState;
use crate::http::error::ApiError;
use crate::http::reply::{JSON, Reply};
use crate::http::request::RecordedRequest;
use crate::journal::{Entry, Exchange, Filter, har};
use crate::json;

/// `GET /__admin/requests`: `{ "requests": [...], "dropped": N }`, filtered. The entries'
/// JSON is joined as written: nothing is parsed or serialised again.
pub fn list_requests(state: &AppState, request: &RecordedRequest) -> Result<Reply, ApiError> {
    let filter = Filter::from_query(request.query.as_deref())?;
    let journal = state.journal();
    let mut body = b"{\"requests\":".to_vec();
    json::put_array(&mut body, journal.select(&filter), |out, entry| {
        out.extend_from_slice(&entry.json);
    });
    body.extend_from_slice(format!(",\"dropped\":{}}}", journal.dropped()).as_bytes());
    Ok(Reply::with_body(StatusCode::OK, JSON, body.into()))
}

/// `GET /__admin/requests.har`: the same selection as HAR 1.2.
pub fn export_har(state: &AppState, request: &RecordedRequest) -> Result<Reply, ApiError> {
    let filter = Filter::from_query(request.query.as_deref())?;
    let exchanges: Vec<Exchange> = state
        .journal()
        .select(&filter)
        .map(Entry::to_exchange)
        .collect();
    let host = request
        .headers
        .get(HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("127.0.0.1");
    Reply::json(
        StatusCode::OK,
        &har::archive(&exchanges, &format!("http://{host}")),
    )
}

/// `DELETE /__admin/requests`: forgets the journal (`seq` goes on).
pub fn clear_requests(state: &AppState) -> Result<Reply, ApiError> {
    let deleted = state.journal().clear();
    Reply::json(StatusCode::OK, &json!({ "deleted": deleted }))
}

/// `POST /__admin/reset`: fixtures restored, journal emptied, ids and `seq` restarted.
pub fn reset(state: &AppState) -> Result<Reply, ApiError> {
    state.reset();
    Reply::json(
        StatusCode::OK,
        &json!({ "message": "fixtures restored, journal cleared, ids restarted" }),
    )
}

/// `GET /__admin/health`
pub fn health(state: &AppState) -> Result<Reply, ApiError> {
    let journal = state.journal();
    Reply::json(
        StatusCode::OK,
        &json!({
            "status": "ok",
            "version": env!("CARGO_PKG_VERSION"),
            "mode": state.strictness.name(),
            "journal": { "entries": journal.len(), "dropped": journal.dropped(), "limit": journal.limit() },
            "record_file": state.recorder.is_some(),
        }),
    )
}

/// `GET /__admin/openapi.json`: the document `gately-mock openapi` prints.
pub fn openapi(state: &AppState) -> Result<Reply, ApiError> {
    Reply::json(StatusCode::OK, &crate::openapi::document(&state.schemas))
}
