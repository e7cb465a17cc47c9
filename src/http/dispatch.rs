//! The request path, top to bottom: admin routes aside, the judge decides (route, method,
//! key and project, path id, query, body, schema, `Prefer`), then the operation's handler
//! acts; refusals become problems; CORS and the marker header go on everything.

use hyper::header::{HeaderName, HeaderValue};

use crate::api::ApiError;
use crate::contract::judge::{self, Judged};
use crate::http::reply::Reply;
use crate::http::request::RecordedRequest;
use crate::http::state::AppState;
use crate::http::workspace::WorkspaceState;
use crate::http::{admin, cors, handlers};

/// The header that marks traffic as coming from this mock (D25).
const MARKER: HeaderName = HeaderName::from_static("x-gately-mock");

/// The synchronous core of the request path: the answer to `request` in the workspace its
/// key opens, refusals turned into problems, CORS and marker headers added. It neither
/// waits (`--latency`) nor records; the server does both. Fuzz targets and benchmarks call
/// it to drive the whole path in process.
pub fn respond(state: &AppState, request: &RecordedRequest) -> Reply {
    respond_in(state, &state.workspace_of(request), request)
}

/// [`respond`] in `workspace`, which the server picked from the key before it read the
/// body (the request's arrival is stamped by the workspace's clock).
pub(crate) fn respond_in(
    state: &AppState,
    workspace: &WorkspaceState,
    request: &RecordedRequest,
) -> Reply {
    let reply = answer(state, workspace, request).unwrap_or_else(Reply::refusal);
    decorated(reply, request)
}

/// `reply` with the headers every answer carries: CORS for `request`'s origin, and the
/// marker.
pub(crate) fn decorated(mut reply: Reply, request: &RecordedRequest) -> Reply {
    cors::decorate(&mut reply, &request.headers);
    reply
        .headers
        .append(MARKER, HeaderValue::from_static(env!("CARGO_PKG_VERSION")));
    reply
}

fn answer(
    state: &AppState,
    workspace: &WorkspaceState,
    request: &RecordedRequest,
) -> Result<Reply, ApiError> {
    if admin::is_admin(&request.path) {
        return admin::respond(state, request);
    }
    match judge::judge(
        request.view(),
        &state.schemas,
        workspace.strictness,
        &workspace.keyring,
    )? {
        Judged::Preflight(route) => Ok(cors::preflight(
            route.map_or(cors::ANY_METHOD, |route| route.allow()),
        )),
        Judged::Accepted(accepted) => Ok(handlers::act(workspace, accepted, request.time)),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use bytes::Bytes;
    use hyper::Method;
    use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap};
    use serde_json::Value;

    use super::*;
    use crate::clock::Timestamp;
    use crate::config::{Options, ServeConfig};
    use crate::journal::Filter;

    fn frozen_state() -> AppState {
        let options = Options {
            frozen_time: Some(Timestamp::parse("2025-06-15T14:30:00.000Z").unwrap()),
            ..Options::default()
        };
        AppState::new(ServeConfig::load(options).unwrap())
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
    fn the_stream_in_process_is_the_journal_so_far_and_needs_no_runtime() {
        let state = frozen_state();
        let now = state.workspaces.default_workspace().clock.now();
        let request = patch_jane(br#"{"status":"inactive"}"#, now);
        let reply = respond(&state, &request);
        let _ = state.record(request, &reply, Duration::ZERO);
        let stream = RecordedRequest::new(
            Method::GET,
            "/__admin/requests/stream",
            HeaderMap::new(),
            Bytes::new(),
            now,
        );
        let reply = respond(&state, &stream);
        assert_eq!(reply.status.as_u16(), 200);
        assert!(
            reply
                .body
                .starts_with(b"id: 1\nevent: exchange\ndata: {\"seq\":1,")
        );
    }

    #[test]
    fn a_body_is_marked_as_json_only_once_it_has_parsed() {
        let state = frozen_state();
        let now = state.workspaces.default_workspace().clock.now();
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
        let journal = state.workspaces.default_workspace().journal();
        let filter = Filter::from_query(None).unwrap();
        let recorded = journal.select(&filter).next().unwrap().to_exchange();
        assert_eq!(recorded.time, "2031-02-03T04:05:06.789Z");
    }
}
