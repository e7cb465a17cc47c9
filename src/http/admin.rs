//! `/__admin/…`: what CI and test harnesses ask the mock about its traffic. No key needed;
//! never recorded. These are the mock's own routes, not the Gately API's, so they are
//! routed here rather than in the operation table.

use hyper::header::HOST;
use hyper::{Method, StatusCode};
use serde_json::json;

use crate::api::ApiError;
use crate::http::cors;
use crate::http::reply::{JSON, Reply};
use crate::http::request::RecordedRequest;
use crate::http::state::AppState;
use crate::journal::{Entry, Exchange, Filter, har};
use crate::json;

/// The prefix of the admin routes.
const ADMIN: &str = "/__admin/";

/// An admin route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AdminRoute {
    /// `requests`: the journal.
    Requests,
    /// `requests.har`: the journal as HAR 1.2.
    RequestsHar,
    /// `reset`: back to the fixtures.
    Reset,
    /// `health`
    Health,
    /// `openapi.json`
    Openapi,
}

impl AdminRoute {
    fn of(path: &str) -> Option<Self> {
        Some(match path.strip_prefix(ADMIN)? {
            "requests" => AdminRoute::Requests,
            "requests.har" => AdminRoute::RequestsHar,
            "reset" => AdminRoute::Reset,
            "health" => AdminRoute::Health,
            "openapi.json" => AdminRoute::Openapi,
            _ => return None,
        })
    }

    /// The admin paths within a few edits of `path`, for a 404's hint.
    fn closest(path: &str) -> Vec<String> {
        const PATHS: [&str; 5] = [
            "/__admin/requests",
            "/__admin/requests.har",
            "/__admin/reset",
            "/__admin/health",
            "/__admin/openapi.json",
        ];
        PATHS
            .iter()
            .filter(|known| strsim::levenshtein(path, known) <= 3)
            .map(|known| (*known).to_owned())
            .collect()
    }

    fn allow(self) -> &'static str {
        match self {
            AdminRoute::Requests => "GET, DELETE, OPTIONS",
            AdminRoute::RequestsHar | AdminRoute::Health | AdminRoute::Openapi => "GET, OPTIONS",
            AdminRoute::Reset => "POST, OPTIONS",
        }
    }
}

/// Whether `path` is under `/__admin/` (served or not): such traffic is not recorded.
pub(crate) fn is_admin(path: &str) -> bool {
    path.starts_with(ADMIN)
}

/// The answer to an admin request.
pub(crate) fn respond(state: &AppState, request: &RecordedRequest) -> Result<Reply, ApiError> {
    let Some(route) = AdminRoute::of(&request.path) else {
        return Err(ApiError::RouteNotFound {
            method: request.method.clone(),
            path: request.path.clone(),
            closest: AdminRoute::closest(&request.path),
        });
    };
    match (route, &request.method) {
        (route, &Method::OPTIONS) => Ok(cors::preflight(route.allow())),
        (AdminRoute::Requests, &Method::GET) => list_requests(state, request),
        (AdminRoute::Requests, &Method::DELETE) => Ok(clear_requests(state)),
        (AdminRoute::RequestsHar, &Method::GET) => export_har(state, request),
        (AdminRoute::Reset, &Method::POST) => Ok(reset(state)),
        (AdminRoute::Health, &Method::GET) => Ok(health(state)),
        (AdminRoute::Openapi, &Method::GET) => Ok(openapi(state)),
        (route, method) => Err(ApiError::MethodNotAllowed {
            method: method.clone(),
            allow: route.allow(),
        }),
    }
}

/// `GET /__admin/requests`: `{ "requests": [...], "dropped": N }`, filtered. The entries'
/// JSON is joined as written: nothing is parsed or serialised again.
fn list_requests(state: &AppState, request: &RecordedRequest) -> Result<Reply, ApiError> {
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
fn export_har(state: &AppState, request: &RecordedRequest) -> Result<Reply, ApiError> {
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
    Ok(Reply::json(
        StatusCode::OK,
        &har::archive(&exchanges, &format!("http://{host}")),
    ))
}

/// `DELETE /__admin/requests`: forgets the journal (`seq` goes on).
fn clear_requests(state: &AppState) -> Reply {
    let deleted = state.journal().clear();
    Reply::json(StatusCode::OK, &json!({ "deleted": deleted }))
}

/// `POST /__admin/reset`: fixtures restored, journal emptied, ids and `seq` restarted.
fn reset(state: &AppState) -> Reply {
    state.reset();
    Reply::json(
        StatusCode::OK,
        &json!({ "message": "fixtures restored, journal cleared, ids restarted" }),
    )
}

/// `GET /__admin/health`
fn health(state: &AppState) -> Reply {
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
fn openapi(state: &AppState) -> Reply {
    Reply::json(StatusCode::OK, &crate::openapi::document(&state.schemas))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_paths_are_routes_of_their_own() {
        assert_eq!(
            AdminRoute::of("/__admin/requests"),
            Some(AdminRoute::Requests)
        );
        assert_eq!(
            AdminRoute::of("/__admin/requests.har"),
            Some(AdminRoute::RequestsHar)
        );
        assert_eq!(AdminRoute::of("/__admin/nope"), None);
        assert!(is_admin("/__admin/nope"));
    }
}
