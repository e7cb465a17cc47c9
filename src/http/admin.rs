//! `/__admin/…`: what CI and test harnesses ask the mock about its traffic, and the
//! workspaces they make (D26) and the clocks they move (D27). No key needed; never
//! recorded. These are the mock's own routes, not the Gately API's, so they are routed
//! here rather than in the operation table.
//!
//! The routes of one workspace's state (`requests`, `requests.har`, `reset`, `state`,
//! `clock`) are served under `/__admin/workspaces/{id}/…`, and under `/__admin/…` for
//! `default`.

use bytes::Bytes;
use hyper::header::{CACHE_CONTROL, HOST, HeaderValue, LOCATION};
use hyper::{Method, StatusCode};
use serde_json::{Map, Value, json};

use crate::api::ApiError;
use crate::api::route::ADMIN;
pub(crate) use crate::api::route::is_admin;
use crate::clock::{Clock, ClockChange, Timestamp, parse_duration};
use crate::contract::capture::Observed;
use crate::contract::coverage::CoverageReport;
use crate::faults::plan::{FaultPlan, PlanError};
use crate::fixture::{FixtureError, FixtureSet};
use crate::http::reply::{JSON, Reply};
use crate::http::request::{Body, RecordedRequest};
use crate::http::state::AppState;
use crate::http::workspace::{Blueprint, WorkspaceState};
use crate::http::{cors, provider_state};
use crate::journal::stream::EventStream;
use crate::journal::{Entry, Exchange, Filter, FilterError, har};
use crate::json::{self, MAX_DEPTH};
use crate::schema::{Schema, Strictness, Violation};

/// An admin route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AdminRoute<'a> {
    /// `/__admin/` itself: the inspector page.
    Inspector,
    /// `health`
    Health,
    /// `openapi.json`
    Openapi,
    /// `workspaces`: list and create.
    Workspaces,
    /// `workspaces/{id}`: describe and delete.
    Workspace(&'a str),
    /// A route of one workspace's state: under `workspaces/{id}/`, or at the top for
    /// `default`.
    State {
        /// The workspace's id; `None`: `default`.
        workspace: Option<&'a str>,
        /// Which route.
        route: StateRoute,
    },
}

/// The routes of one workspace's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StateRoute {
    /// `requests`: the journal.
    Requests,
    /// `requests/stream`: the journal as it grows, as server-sent events.
    Stream,
    /// `requests.har`: the journal as HAR 1.2.
    RequestsHar,
    /// `reset`: back to the fixtures.
    Reset,
    /// `state`: the data, in the fixtures layout.
    State,
    /// `clock`: read or move it (D27).
    Clock,
    /// `faults`: the fault plan, read or replaced (D30).
    Faults,
    /// `coverage`: the outcomes the journal exercised (D32).
    Coverage,
    /// `provider-states`: a Pact verifier's state change call.
    ProviderStates,
}

impl StateRoute {
    fn of(name: &str) -> Option<Self> {
        Some(match name {
            "requests" => StateRoute::Requests,
            "requests/stream" => StateRoute::Stream,
            "requests.har" => StateRoute::RequestsHar,
            "reset" => StateRoute::Reset,
            "state" => StateRoute::State,
            "clock" => StateRoute::Clock,
            "faults" => StateRoute::Faults,
            "coverage" => StateRoute::Coverage,
            "provider-states" => StateRoute::ProviderStates,
            _ => return None,
        })
    }
}

impl<'a> AdminRoute<'a> {
    fn of(path: &'a str) -> Option<Self> {
        if path == ADMIN.trim_end_matches('/') {
            return Some(AdminRoute::Inspector);
        }
        let rest = path.strip_prefix(ADMIN)?;
        Some(match rest {
            "" => AdminRoute::Inspector,
            "health" => AdminRoute::Health,
            "openapi.json" => AdminRoute::Openapi,
            "workspaces" => AdminRoute::Workspaces,
            _ => match rest.strip_prefix("workspaces/") {
                None => AdminRoute::State {
                    workspace: None,
                    route: StateRoute::of(rest)?,
                },
                Some(within) => match within.split_once('/') {
                    None if !within.is_empty() => AdminRoute::Workspace(within),
                    Some((id, name)) if !id.is_empty() => AdminRoute::State {
                        workspace: Some(id),
                        route: StateRoute::of(name)?,
                    },
                    _ => return None,
                },
            },
        })
    }

    /// The admin paths within a few edits of `path`, for a 404's hint.
    fn closest(path: &str) -> Vec<String> {
        const PATHS: [&str; 13] = [
            "/__admin/",
            "/__admin/requests",
            "/__admin/requests/stream",
            "/__admin/requests.har",
            "/__admin/reset",
            "/__admin/state",
            "/__admin/clock",
            "/__admin/faults",
            "/__admin/coverage",
            "/__admin/provider-states",
            "/__admin/workspaces",
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
            AdminRoute::State {
                route: StateRoute::Requests,
                ..
            }
            | AdminRoute::Workspace(_) => "GET, DELETE, OPTIONS",
            AdminRoute::State {
                route: StateRoute::RequestsHar | StateRoute::Stream | StateRoute::Coverage,
                ..
            }
            | AdminRoute::Inspector
            | AdminRoute::Health
            | AdminRoute::Openapi => "GET, OPTIONS",
            AdminRoute::State {
                route: StateRoute::Reset | StateRoute::ProviderStates,
                ..
            } => "POST, OPTIONS",
            AdminRoute::State {
                route: StateRoute::State | StateRoute::Faults,
                ..
            } => "GET, PUT, OPTIONS",
            AdminRoute::State {
                route: StateRoute::Clock,
                ..
            }
            | AdminRoute::Workspaces => "GET, POST, OPTIONS",
        }
    }
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
    if request.method == Method::OPTIONS {
        return Ok(cors::preflight(route.allow()));
    }
    let workspaces = &state.workspaces;
    match (route, &request.method) {
        (AdminRoute::Inspector, &Method::GET) => Ok(Reply::with_body(
            StatusCode::OK,
            "text/html; charset=utf-8",
            Bytes::from_static(INSPECTOR.as_bytes()),
        )),
        (AdminRoute::Health, &Method::GET) => Ok(health(state)),
        (AdminRoute::Openapi, &Method::GET) => Ok(openapi(state)),
        (AdminRoute::Workspaces, &Method::GET) => Ok(list_workspaces(state)),
        (AdminRoute::Workspaces, &Method::POST) => create_workspace(state, request),
        (AdminRoute::Workspace(id), &Method::GET) => Ok(Reply::json(
            StatusCode::OK,
            &workspaces
                .get(id)?
                .describe(&base_url(request), workspaces.epoch()),
        )),
        (AdminRoute::Workspace(id), &Method::DELETE) => {
            workspaces.delete(id)?;
            Ok(message(&format!(
                "workspace {id} deleted; its keys get 401 from now on"
            )))
        }
        (
            AdminRoute::State {
                workspace,
                route: state_route,
            },
            method,
        ) => {
            let workspace = workspaces.get(workspace.unwrap_or(crate::http::workspace::DEFAULT))?;
            match (state_route, method) {
                (StateRoute::Requests, &Method::GET) => list_requests(&workspace, request),
                (StateRoute::Requests, &Method::DELETE) => Ok(clear_requests(&workspace)),
                (StateRoute::RequestsHar, &Method::GET) => export_har(&workspace, request),
                (StateRoute::Coverage, &Method::GET) => Ok(coverage(&workspace)),
                (StateRoute::ProviderStates, &Method::POST) => {
                    let body = parse_body(request, false)?;
                    let changed =
                        provider_state::change(&workspace, &state.schemas.fixtures, &body)?;
                    Ok(Reply::json(StatusCode::OK, &changed))
                }
                (StateRoute::Stream, &Method::GET) => {
                    // In process there is no connection to stay on: the stream so far.
                    let (filter, after) = stream_start(request)?;
                    let replayed = workspace.journal().replay_text(&filter, after);
                    Ok(Reply::with_body(
                        StatusCode::OK,
                        EVENT_STREAM,
                        replayed.into(),
                    ))
                }
                (StateRoute::Reset, &Method::POST) => {
                    workspace.reset();
                    Ok(message("fixtures restored, journal cleared, ids restarted"))
                }
                (StateRoute::State, &Method::GET) => {
                    Ok(Reply::json(StatusCode::OK, &workspace.state()))
                }
                (StateRoute::State, &Method::PUT) => replace_state(state, &workspace, request),
                (StateRoute::Clock, &Method::GET) => Ok(clock_reading(workspace.clock.get())),
                (StateRoute::Clock, &Method::POST) => move_clock(state, &workspace, request),
                (StateRoute::Faults, &Method::GET) => {
                    Ok(Reply::json(StatusCode::OK, &workspace.faults.plan().text))
                }
                (StateRoute::Faults, &Method::PUT) => {
                    let plan = fault_plan(state, parse_body(request, false)?, "")?;
                    workspace.replace_faults(plan);
                    Ok(Reply::json(StatusCode::OK, &workspace.faults.plan().text))
                }
                (_, method) => Err(not_allowed(method, route)),
            }
        }
        (route, method) => Err(not_allowed(method, route)),
    }
}

/// The inspector page (`GET /__admin/`): one file, no build step, nothing fetched from
/// elsewhere.
const INSPECTOR: &str = include_str!("inspector.html");

/// The content type of the stream.
const EVENT_STREAM: &str = "text/event-stream";

/// The stream a `GET …/requests/stream` asks for, if `request` is one: the server answers
/// it with a body that stays open (`None`: any other request).
pub(crate) fn event_stream(
    state: &AppState,
    request: &RecordedRequest,
) -> Option<Result<(Reply, EventStream), ApiError>> {
    let Some(AdminRoute::State {
        workspace,
        route: StateRoute::Stream,
    }) = AdminRoute::of(&request.path)
    else {
        return None;
    };
    if request.method != Method::GET {
        return None;
    }
    Some((|| {
        let (filter, after) = stream_start(request)?;
        let workspace = state
            .workspaces
            .get(workspace.unwrap_or(crate::http::workspace::DEFAULT))?;
        let stream = workspace.journal().stream(filter, after);
        let head = Reply::with_body(StatusCode::OK, EVENT_STREAM, Bytes::new())
            .header(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        Ok((head, stream))
    })())
}

/// What a stream reads: the journal's filters but `limit` (a stream has no last page), and
/// where it starts: after the event `Last-Event-ID` names (an `EventSource` reconnecting;
/// it wins over `since`, which the reconnect repeats), else after `?since=<seq>`.
fn stream_start(request: &RecordedRequest) -> Result<(Filter, Option<u64>), ApiError> {
    let query = request.query.as_deref();
    if form_urlencoded::parse(query.unwrap_or_default().as_bytes()).any(|(name, _)| name == "limit")
    {
        return Err(ApiError::InvalidQuery(FilterError {
            parameter: "limit".to_owned(),
            message: "a stream has no last page: leave limit out (since, method, path, status and verdict apply)".to_owned(),
        }));
    }
    let filter = Filter::from_query(query)?;
    let Some(value) = request.headers.get("last-event-id") else {
        return Ok((filter, None));
    };
    let after = value
        .to_str()
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .ok_or_else(|| ApiError::Validation {
            violations: vec![Violation::new(
                "/headers/last-event-id",
                "Last-Event-ID must be the id of an event of this stream (a whole number)",
                "format",
            )],
        })?;
    Ok((filter.without_since(), Some(after)))
}

fn not_allowed(method: &Method, route: AdminRoute<'_>) -> ApiError {
    ApiError::MethodNotAllowed {
        method: method.clone(),
        allow: route.allow(),
    }
}

/// `{"message": …}`
fn message(text: &str) -> Reply {
    Reply::json(StatusCode::OK, &json!({ "message": text }))
}

/// `http://HOST`, as the client reached the mock.
fn base_url(request: &RecordedRequest) -> String {
    let host = request
        .headers
        .get(HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

/// `GET /__admin/requests`: `{ "requests": [...], "dropped": N }`, filtered. The entries'
/// JSON is joined as written: nothing is parsed or serialised again.
fn list_requests(workspace: &WorkspaceState, request: &RecordedRequest) -> Result<Reply, ApiError> {
    let filter = Filter::from_query(request.query.as_deref())?;
    let journal = workspace.journal();
    let mut body = b"{\"requests\":".to_vec();
    json::put_array(&mut body, journal.select(&filter), |out, entry| {
        out.extend_from_slice(&entry.json);
    });
    body.extend_from_slice(format!(",\"dropped\":{}}}", journal.dropped()).as_bytes());
    Ok(Reply::with_body(StatusCode::OK, JSON, body.into()))
}

/// `GET /__admin/requests.har`: the same selection as HAR 1.2.
fn export_har(workspace: &WorkspaceState, request: &RecordedRequest) -> Result<Reply, ApiError> {
    let filter = Filter::from_query(request.query.as_deref())?;
    let exchanges: Vec<Exchange> = workspace
        .journal()
        .select(&filter)
        .map(Entry::to_exchange)
        .collect();
    Ok(Reply::json(
        StatusCode::OK,
        &har::archive(&exchanges, &base_url(request)),
    ))
}

/// `GET …/coverage` (D32): the outcomes the exchanges in the journal had, and those they
/// never did.
fn coverage(workspace: &WorkspaceState) -> Reply {
    // Copied under the lock, read after it: requests do not wait while the journal is read.
    let texts: Vec<Vec<u8>> = workspace
        .journal()
        .select(&Filter::default())
        .map(|entry| entry.json.clone())
        .collect();
    let observed: Vec<Observed> = texts
        .iter()
        .filter_map(|text| serde_json::from_slice::<Exchange>(text).ok())
        .map(|exchange| Observed::from_exchange(exchange, "journal"))
        .collect();
    Reply::json(
        StatusCode::OK,
        &CoverageReport::of(&observed).to_json_value(),
    )
}

/// `DELETE /__admin/requests`: forgets the journal (`seq` goes on).
fn clear_requests(workspace: &WorkspaceState) -> Reply {
    let deleted = workspace.journal().clear();
    Reply::json(StatusCode::OK, &json!({ "deleted": deleted }))
}

/// `GET /__admin/health`
fn health(state: &AppState) -> Reply {
    let workspaces = state.workspaces.list();
    let journal = state.workspaces.default_workspace().journal();
    Reply::json(
        StatusCode::OK,
        &json!({
            "status": "ok",
            "version": env!("CARGO_PKG_VERSION"),
            "mode": state.workspaces.default_workspace().strictness.name(),
            "journal": journal.summary(),
            "record_file": state.recorder.is_some(),
            "workspaces": workspaces.len() - 1,
            "upstream": state.upstream.as_ref().map(|upstream| upstream.url()),
        }),
    )
}

/// `GET /__admin/openapi.json`: the document `gately-mock openapi` prints.
fn openapi(state: &AppState) -> Reply {
    Reply::json(StatusCode::OK, &crate::openapi::document(&state.schemas))
}

/// `GET /__admin/workspaces`: `default` first, then by id.
fn list_workspaces(state: &AppState) -> Reply {
    let epoch = state.workspaces.epoch();
    let listed: Vec<Value> = state
        .workspaces
        .list()
        .iter()
        .map(|workspace| workspace.summary(epoch))
        .collect();
    Reply::json(StatusCode::OK, &json!({ "workspaces": listed }))
}

/// `POST /__admin/workspaces`: 201 with how to use the new workspace.
fn create_workspace(state: &AppState, request: &RecordedRequest) -> Result<Reply, ApiError> {
    let body = json_body(request, &state.schemas.workspace_create, true)?;
    let fixtures = match body.get("fixtures") {
        Some(Value::Object(inline)) => Some(
            FixtureSet::from_inline(
                inline,
                &state.workspaces.template_fixtures(),
                &state.schemas.fixtures,
            )
            .map_err(|err| fixture_refusal(err, "/fixtures"))?,
        ),
        _ => None,
    };
    let clock = match body.get("frozen_time") {
        None => None,
        Some(Value::String(text)) => Some(Clock::Frozen(
            Timestamp::parse(text).map_err(|err| invalid("/frozen_time", &err.to_string()))?,
        )),
        Some(_) => Some(Clock::System),
    };
    let blueprint = Blueprint {
        name: body.get("name").and_then(Value::as_str).map(str::to_owned),
        clock,
        seed: match body.get("seed") {
            None => None,
            Some(seed) => Some(
                whole(seed)
                    .and_then(|seed| u64::try_from(seed).ok())
                    .ok_or_else(|| invalid("/seed", "must be a whole number from 0"))?,
            ),
        },
        strictness: body.get("lenient").and_then(Value::as_bool).map(|lenient| {
            if lenient {
                Strictness::Lenient
            } else {
                Strictness::Strict
            }
        }),
        fixtures,
        faults: body
            .get("faults")
            .map(|plan| fault_plan(state, plan.clone(), "/faults"))
            .transpose()?,
    };
    let workspace = state.workspaces.create(blueprint)?;
    let location = format!("/__admin/workspaces/{}", workspace.id());
    let reply = Reply::json(
        StatusCode::CREATED,
        &workspace.describe(&base_url(request), state.workspaces.epoch()),
    );
    Ok(match HeaderValue::from_str(&location) {
        Ok(location) => reply.header(LOCATION, location),
        Err(_) => reply,
    })
}

/// `PUT …/state`: the workspace's data replaced, and what its reset restores.
fn replace_state(
    state: &AppState,
    workspace: &WorkspaceState,
    request: &RecordedRequest,
) -> Result<Reply, ApiError> {
    let Value::Object(inline) = json_body(request, &state.schemas.fixture_layout, false)? else {
        return Err(ApiError::Internal {
            message: "the fixture layout schema let a body that is not an object through"
                .to_owned(),
        });
    };
    let fixtures = FixtureSet::from_inline(&inline, &workspace.current(), &state.schemas.fixtures)
        .map_err(|err| fixture_refusal(err, ""))?;
    workspace.replace_state(fixtures)?;
    Ok(Reply::json(StatusCode::OK, &workspace.state()))
}

/// `POST …/clock` (D27): set, advance, or back to real time; answers the new reading.
fn move_clock(
    state: &AppState,
    workspace: &WorkspaceState,
    request: &RecordedRequest,
) -> Result<Reply, ApiError> {
    let body = json_body(request, &state.schemas.clock_change, false)?;
    // The schema lets exactly one member through.
    let (pointer, change) = match body.as_object().and_then(|members| members.iter().next()) {
        Some((name, Value::String(at))) if name == "set" => (
            "/set",
            ClockChange::Set(
                Timestamp::parse(at).map_err(|err| invalid("/set", &err.to_string()))?,
            ),
        ),
        Some((name, Value::String(duration))) if name == "advance" => (
            "/advance",
            ClockChange::Advance(parse_duration(duration).map_err(|source| ApiError::Clock {
                source,
                pointer: "/advance",
            })?),
        ),
        Some((name, ms)) if name == "advance_ms" => {
            (
                "/advance_ms",
                ClockChange::Advance(whole(ms).ok_or_else(|| {
                    invalid("/advance_ms", "must be a whole number of milliseconds")
                })?),
            )
        }
        Some((name, Value::Bool(true))) if name == "real" => ("/real", ClockChange::Real),
        _ => {
            return Err(ApiError::Internal {
                message: format!("the clock schema let {body} through"),
            });
        }
    };
    let clock = workspace
        .clock
        .change(change)
        .map_err(|source| ApiError::Clock { source, pointer })?;
    Ok(clock_reading(clock))
}

/// A JSON number without a fraction (`5000`, `5000.0`) in the range of an `i64`.
fn whole(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| {
        let float = value.as_f64()?;
        // 2^63 is exactly representable; every float below it in magnitude fits.
        (float.fract() == 0.0 && float.abs() < 9_223_372_036_854_775_808.0).then_some(float as i64)
    })
}

/// What the clock routes answer: `{"now", "frozen", "offset_ms"}`.
fn clock_reading(clock: Clock) -> Reply {
    let offset = match clock {
        Clock::Shifted(ms) => ms,
        Clock::System | Clock::Frozen(_) => 0,
    };
    Reply::json(
        StatusCode::OK,
        &json!({ "now": clock.now().to_string(), "frozen": clock.is_frozen(), "offset_ms": offset }),
    )
}

/// The JSON body of an admin request, checked against `schema`; an empty body is `{}`
/// where `empty_is_object`.
fn json_body(
    request: &RecordedRequest,
    schema: &Schema,
    empty_is_object: bool,
) -> Result<Value, ApiError> {
    let value = parse_body(request, empty_is_object)?;
    match schema.violations(&value) {
        violations if violations.is_empty() => Ok(value),
        violations => Err(ApiError::Validation { violations }),
    }
}

/// `plan` read as a fault plan (D30); a refusal's pointers start with `at` (`/faults` in a
/// workspace's body).
fn fault_plan(state: &AppState, plan: Value, at: &str) -> Result<FaultPlan, ApiError> {
    FaultPlan::read(plan, &state.schemas.fault_plan).map_err(|err| {
        let violations: Vec<Violation> = err
            .violations
            .into_iter()
            .map(|mut violation| {
                violation.pointer = format!("{at}{}", violation.pointer);
                violation
            })
            .collect();
        ApiError::FaultPlan {
            detail: PlanError {
                violations: violations.clone(),
            }
            .to_string(),
            violations,
        }
    })
}

/// The body as JSON, not yet held to a schema.
fn parse_body(request: &RecordedRequest, empty_is_object: bool) -> Result<Value, ApiError> {
    let bytes = match &request.body {
        Body::Complete(bytes) => bytes,
        Body::TooLarge { limit } => return Err(ApiError::BodyTooLarge { limit: *limit }),
        Body::Unreadable => return Err(ApiError::BodyUnreadable),
    };
    let value = if bytes.trim_ascii().is_empty() {
        if !empty_is_object {
            return Err(ApiError::EmptyBody);
        }
        Value::Object(Map::new())
    } else if json::nests_deeper_than(bytes, MAX_DEPTH) {
        return Err(ApiError::TooDeep { limit: MAX_DEPTH });
    } else {
        serde_json::from_slice(bytes).map_err(|source| ApiError::MalformedJson { source })?
    };
    Ok(value)
}

/// A 422 naming `pointer`.
fn invalid(pointer: &str, message: &str) -> ApiError {
    ApiError::Validation {
        violations: vec![Violation::new(pointer, message, "format")],
    }
}

/// An inline fixture set's error as a 422, its pointer below `prefix`.
fn fixture_refusal(err: FixtureError, prefix: &str) -> ApiError {
    let (pointer, message) = match err {
        FixtureError::Inline { pointer, message } => (format!("{prefix}{pointer}"), message),
        other => (prefix.to_owned(), other.to_string()),
    };
    ApiError::Validation {
        violations: vec![Violation::new(pointer, message, "fixture")],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_paths_are_routes_of_their_own() {
        assert_eq!(
            AdminRoute::of("/__admin/requests"),
            Some(AdminRoute::State {
                workspace: None,
                route: StateRoute::Requests
            })
        );
        assert_eq!(
            AdminRoute::of("/__admin/requests.har"),
            Some(AdminRoute::State {
                workspace: None,
                route: StateRoute::RequestsHar
            })
        );
        assert_eq!(AdminRoute::of("/__admin/nope"), None);
        assert!(is_admin("/__admin/nope"));
        assert_eq!(AdminRoute::of("/__admin"), Some(AdminRoute::Inspector));
        assert!(is_admin("/__admin") && !is_admin("/__administrator"));
    }

    #[test]
    fn a_workspace_has_the_routes_of_the_state_under_its_id() {
        assert_eq!(
            AdminRoute::of("/__admin/workspaces"),
            Some(AdminRoute::Workspaces)
        );
        assert_eq!(
            AdminRoute::of("/__admin/workspaces/job-7"),
            Some(AdminRoute::Workspace("job-7"))
        );
        assert_eq!(
            AdminRoute::of("/__admin/workspaces/job-7/clock"),
            Some(AdminRoute::State {
                workspace: Some("job-7"),
                route: StateRoute::Clock
            })
        );
        for unserved in [
            "/__admin/workspaces/",
            "/__admin/workspaces//requests",
            "/__admin/workspaces/job-7/health",
            "/__admin/workspaces/job-7/requests/1",
        ] {
            assert_eq!(AdminRoute::of(unserved), None, "{unserved}");
        }
    }
}
