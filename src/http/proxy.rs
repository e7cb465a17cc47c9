//! The request path in proxy mode (`serve --upstream`, D31): the mock judges each API
//! request as it would in mock mode, forwards what it accepts to the upstream, and holds
//! the upstream's answer to the documented contract (D25) with `check`'s own judge, on the
//! exchange as its record will read back; so the journal's verdict of a proxied exchange is
//! the verdict `check` gives its record. The mock itself answers preflights, requests it
//! refuses (unless `--forward-invalid`), and for an upstream it cannot reach.

use std::collections::BTreeMap;

use hyper::header::{HeaderMap, VARY};
use uuid::Uuid;

use crate::api::ApiError;
use crate::auth::Need;
use crate::contract::capture::{AnswerBody, Observed};
use crate::contract::judge::{self, Judged, Witness};
use crate::contract::judge_observed;
use crate::contract::report::{Finding, Side};
use crate::http::cors;
use crate::http::dispatch::decorated;
use crate::http::reply::{Reply, SEQ, VERDICT};
use crate::http::request::{Body, RecordedRequest};
use crate::http::state::AppState;
use crate::http::workspace::WorkspaceState;
use crate::journal::exchange::{Origin, recorded_body};
use crate::schema::Violation;
use crate::upstream::{Answered, Outgoing, SendError};

/// What proxy mode does with a request: send it on, or answer it itself.
pub(crate) enum Step {
    /// Send this to the upstream, then [`answer`] with what comes back.
    Forward(Outgoing),
    /// The mock's own answer: to a preflight, to a request the judge refuses (unless
    /// `--forward-invalid`), to one whose body was not read (what was not read cannot be
    /// sent on).
    Answer(Reply),
}

/// What proxy mode does with `request`.
pub(crate) fn step(
    state: &AppState,
    workspace: &WorkspaceState,
    request: &RecordedRequest,
) -> Step {
    let mine = |refusal| Step::Answer(decorated(Reply::refusal(refusal), request));
    match judge::judge(
        request.view(),
        &state.schemas,
        workspace.strictness,
        &UpstreamKeys,
    ) {
        Ok(Judged::Preflight(route)) => {
            return Step::Answer(decorated(cors::api_preflight(route), request));
        }
        Err(refusal) if !state.forward_invalid => return mine(refusal),
        Ok(Judged::Accepted(_)) | Err(_) => {}
    }
    let body = match &request.body {
        Body::Complete(bytes) => bytes.clone(),
        Body::TooLarge { limit } => return mine(ApiError::BodyTooLarge { limit: *limit }),
        Body::Unreadable => return mine(ApiError::BodyUnreadable),
    };
    Step::Forward(Outgoing {
        method: request.method.clone(),
        path: request.path.clone(),
        query: request.query.clone(),
        headers: request.headers.clone(),
        body,
    })
}

/// The answer to `request` once the upstream has `answered`: its answer, judged in both
/// directions, or the mock's 502/504 problem when there is none.
pub(crate) fn answer(
    state: &AppState,
    workspace: &WorkspaceState,
    request: &RecordedRequest,
    answered: Result<Answered, SendError>,
) -> Reply {
    let answered = match answered {
        Ok(answered) => answered,
        Err(failure) => return decorated(Reply::refusal(failure.into()), request),
    };
    let checked = judge_observed(
        &observed(request, &answered),
        &state.schemas,
        workspace.strictness,
    );
    let mut reply = Reply::empty(answered.status);
    reply.body = answered.body;
    reply.headers = forwardable(answered.headers);
    reply.origin = Origin::Upstream;
    reply.violations = checked.violations.into_iter().map(recorded).collect();
    reply.warnings = checked.warnings.into_iter().map(recorded).collect();
    cors::decorate(&mut reply, &request.headers);
    reply
}

/// The keys of proxy mode are the upstream's: which project one opens is the upstream's
/// to say, so the judge checks their form only.
struct UpstreamKeys;

impl Witness for UpstreamKeys {
    fn project(&self, _: &str, _: Option<&[u8]>, _: Need) -> Result<Uuid, ApiError> {
        Ok(Uuid::nil())
    }
}

/// The exchange as `check` will read it back from the record: request headers by lower-case
/// name (repeats joined), the upstream's body as the record keeps it.
fn observed(request: &RecordedRequest, answered: &Answered) -> Observed {
    let request_body = match &request.body {
        Body::Complete(bytes) => bytes.to_vec(),
        Body::TooLarge { .. } | Body::Unreadable => Vec::new(),
    };
    Observed {
        origin: String::new(),
        workspace: None,
        method: request.method.as_str().to_owned(),
        path: request.path.clone(),
        query: request.query.clone(),
        request_headers: by_name(&request.headers),
        request_body,
        status: answered.status.as_u16(),
        response_body: Some(AnswerBody::of(&recorded_body(&answered.body))),
        from_mock: false,
        forced: false,
        seq: 0,
        time_ms: None,
        duration_ms: 0,
        retry_after: None,
        faults: Vec::new(),
    }
}

/// `headers` by lower-case name, a repeated header's values joined with `, `.
fn by_name(headers: &HeaderMap) -> BTreeMap<String, String> {
    let mut named: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        named
            .entry(name.as_str().to_owned())
            .and_modify(|joined| {
                joined.push_str(", ");
                joined.push_str(&value);
            })
            .or_insert_with(|| value.into_owned());
    }
    named
}

/// A finding as the journal records it (D1 shape): a request's pointer as it is, a
/// response's under `/response` (`/response/status`, `/response/body/tags/0`), so that
/// the two directions stay apart.
fn recorded(finding: Finding) -> Violation {
    let pointer = match finding.side {
        Side::Request => finding.pointer,
        Side::Response if finding.pointer.is_empty() && finding.keyword == "status" => {
            "/response/status".to_owned()
        }
        Side::Response => format!("/response/body{}", finding.pointer),
    };
    Violation::new(pointer, finding.message, &finding.keyword)
}

/// The upstream's headers without its CORS headers (and its `Vary: Origin`): the browser
/// talks to the mock, whose CORS rule (D14) is added in their place; and without the
/// `seq` and verdict of an upstream that is another gately-mock, which the proxy's own
/// replace on the way out and which must not be recorded as the upstream's answer.
fn forwardable(headers: HeaderMap) -> HeaderMap {
    let mut kept = HeaderMap::with_capacity(headers.len());
    let mut name = None;
    for (named, value) in headers {
        // `into_iter` names a header once, before its first value.
        name = named.or(name);
        let Some(name) = &name else { continue };
        let cors = name.as_str().starts_with("access-control-")
            || name == VARY && value.as_bytes().eq_ignore_ascii_case(b"origin");
        let restated = name == SEQ || name == VERDICT;
        if !cors && !restated {
            kept.append(name.clone(), value);
        }
    }
    kept
}
