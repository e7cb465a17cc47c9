//! The request path, top to bottom: admin routes aside, the judge decides (route, method,
//! key and project, path id, query, body, schema, `Prefer`), then the workspace's faults
//! are drawn, then the operation's handler acts (unless a fault answers in its place);
//! refusals become problems; CORS and the marker header go on everything.

use hyper::StatusCode;
use hyper::header::{AUTHORIZATION, HeaderName, HeaderValue, RETRY_AFTER};

use crate::api::{ApiError, PROJECT_HEADER};
use crate::auth;
use crate::contract::client::client_of;
use crate::contract::judge::{self, Accepted, Judged};
use crate::faults::{Effect, Fired, Injected, RateHeaders};
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
        Judged::Preflight(route) => Ok(cors::api_preflight(route)),
        Judged::Accepted(accepted) => Ok(act(workspace, accepted, request)),
    }
}

/// The answer to an accepted request: the operation's, unless a fault takes its place
/// (then the handler does not run, and nothing changes).
fn act(workspace: &WorkspaceState, accepted: Accepted, request: &RecordedRequest) -> Reply {
    if !workspace.faults.may_fire(&accepted.prefer) {
        return handlers::act(workspace, accepted, request.time);
    }
    let header = |name| request.headers.get(name).map(HeaderValue::as_bytes);
    let key = auth::bearer(header(AUTHORIZATION)).unwrap_or_default();
    let client = || client_of(header(AUTHORIZATION), header(PROJECT_HEADER));
    let Some(effect) = workspace.faults.draw(
        accepted.operation,
        key,
        client,
        request.time.unix_ms(),
        &accepted.prefer,
    ) else {
        return handlers::act(workspace, accepted, request.time);
    };
    let mut reply = match (effect.answer, effect.delivery.is_none()) {
        (Some(injected), _) => {
            let mut reply = injected_reply(injected, &effect);
            reply.warnings = accepted.findings.warnings;
            reply
        }
        // No answer leaves; the exchange is recorded without one.
        (None, true) => {
            let mut reply = Reply::empty(StatusCode::OK);
            reply.warnings = accepted.findings.warnings;
            reply
        }
        (None, false) => handlers::act(workspace, accepted, request.time),
    };
    if let Some(rate) = effect.passed.filter(|_| effect.answer.is_none()) {
        reply = rate_headers(reply, rate);
    }
    reply.forced = !effect.fired.is_empty();
    reply.effect = Some(effect);
    reply
}

/// The answer a fault gives in place of the operation's.
fn injected_reply(injected: Injected, effect: &Effect) -> Reply {
    let rule = effect.fired.last().map_or_else(String::new, Fired::label);
    match injected {
        Injected::RateLimited(rate) => {
            let refusal = ApiError::RateLimited {
                rule,
                limit: rate.limit,
                retry_after_s: rate.retry_after_s,
            };
            rate_headers(Reply::refusal(refusal), rate)
                .header(RETRY_AFTER, HeaderValue::from(rate.retry_after_s))
        }
        Injected::Error {
            status,
            retry_after_s,
        } => {
            let reply = Reply::refusal(ApiError::InjectedFault { status, rule });
            match retry_after_s {
                Some(seconds) => reply.header(RETRY_AFTER, HeaderValue::from(seconds)),
                None => reply,
            }
        }
    }
}

/// `reply` with the `X-RateLimit-*` headers of the rate limit it passed or hit.
fn rate_headers(reply: Reply, rate: RateHeaders) -> Reply {
    reply
        .header(RATE_LIMIT, HeaderValue::from(rate.limit))
        .header(RATE_REMAINING, HeaderValue::from(rate.remaining))
        .header(RATE_RESET, HeaderValue::from(rate.reset_s))
}

/// `X-RateLimit-Limit`: requests per window.
const RATE_LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
/// `X-RateLimit-Remaining`: requests left in the window.
const RATE_REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
/// `X-RateLimit-Reset`: seconds until the window is whole again.
const RATE_RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");

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
        let mut reply = respond(&state, &request);
        let _ = state.record(request, &mut reply, Duration::ZERO);
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

        let mut reply = respond(&state, &request);
        let contact: Value = serde_json::from_slice(&reply.body).unwrap();
        assert_eq!(contact["updated_at"], "2031-02-03T04:05:06.789Z");
        let _ = state.record(request, &mut reply, Duration::ZERO);
        let journal = state.workspaces.default_workspace().journal();
        let filter = Filter::from_query(None).unwrap();
        let recorded = journal.select(&filter).next().unwrap().to_exchange();
        assert_eq!(recorded.time, "2031-02-03T04:05:06.789Z");
    }
}
