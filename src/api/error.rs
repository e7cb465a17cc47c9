//! Every way a request can fail, and the one mapping from a failure to its status and its
//! RFC 9457 problem body (D1, D2).

use hyper::{Method, StatusCode};
use serde::Serialize;

use crate::api::route::PathParameter;
use crate::auth::AuthError;
use crate::clock::ClockError;
use crate::journal::FilterError;
use crate::schema::{Violation, child_pointer};
use crate::store::StoreError;
use crate::store::patch::PatchError;

/// The problem code of an upstream that cannot be reached (D31).
pub(crate) const UPSTREAM_UNREACHABLE: &str = "upstream_unreachable";
/// The problem code of an upstream that did not answer in time (D31).
pub(crate) const UPSTREAM_TIMEOUT: &str = "upstream_timeout";

/// A refused request. `Display` is the problem's `detail`.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ApiError {
    /// No route has this path.
    #[error("no route matches {method} {path}; {}", route_hint(closest))]
    RouteNotFound {
        /// The method asked for.
        method: Method,
        /// The path asked for.
        path: String,
        /// The routes closest to it, best first (`route::closest`).
        closest: Vec<String>,
    },
    /// The route exists, the method does not.
    #[error("{method} is not allowed on this route; use one of {allow}")]
    MethodNotAllowed {
        /// The method asked for.
        method: Method,
        /// The methods the route allows.
        allow: &'static str,
    },
    /// The key or project is missing, unknown or not allowed.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// A path id (`contactId`, `tagId`, …) is not a UUID.
    #[error("{} {id:?} is not a UUID (e.g. a1b2c3d4-e5f6-4789-abcd-ef1234567890)", parameter.name)]
    InvalidPathId {
        /// The parameter.
        parameter: &'static PathParameter,
        /// The segment sent.
        id: String,
    },
    /// The store refused (404, 409).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A refusal caused by the resource a field of the body or query names (the tag of
    /// `{"tag_id": …}` that the project lacks): the refusal, and that field's pointer.
    #[error("{error}")]
    Named {
        /// The refusal.
        error: Box<ApiError>,
        /// The field whose value it is about (`/tag_id`, `/query/segment_id`).
        pointer: String,
    },
    /// The body passed `--max-body`.
    #[error(
        "the body is larger than the limit of {limit} bytes; send less, or start the mock with a larger --max-body"
    )]
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The body could not be read from the connection.
    #[error("the request body could not be read: the connection failed while sending it")]
    BodyUnreadable,
    /// No body where one is needed.
    #[error("the body is empty: send a JSON object with the fields to change")]
    EmptyBody,
    /// A body that is not declared as JSON.
    #[error("send the body as JSON with the header `Content-Type: application/json`{}", found.as_ref().map(|f| format!(" (got {f:?})")).unwrap_or_default())]
    UnsupportedMediaType {
        /// The content type sent, if any.
        found: Option<String>,
    },
    /// A body that is not JSON.
    #[error("the body is not valid JSON: {source}")]
    MalformedJson {
        /// The parser's error, with line and column.
        #[source]
        source: serde_json::Error,
    },
    /// A body nested deeper than the mock takes.
    #[error(
        "the body nests objects and arrays more than {limit} levels deep; no Gately body needs more than a few"
    )]
    TooDeep {
        /// The deepest nesting taken.
        limit: usize,
    },
    /// The body breaks the schema.
    #[error("the body breaks the contract in {}; each is listed in errors", places(violations.len()))]
    Validation {
        /// Every violation.
        violations: Vec<Violation>,
    },
    /// The body passed the schema but not the code: a schema and code that drifted apart.
    #[error(transparent)]
    Patch(#[from] PatchError),
    /// `Prefer: code=` names a status the route does not document.
    #[error(
        "Prefer {value:?} asks for a status this route does not document; use code= with one of {documented:?}"
    )]
    InvalidPrefer {
        /// The header's value.
        value: String,
        /// The statuses documented for the route.
        documented: &'static [u16],
    },
    /// `Prefer: fault=` or `latency=` with a value the mock does not take (D30).
    #[error(
        "Prefer {value:?} asks for a fault the mock does not inject; use fault=reset, fault=hang or fault=dribble, and latency= a whole number of milliseconds up to 600000"
    )]
    InvalidPreferFault {
        /// The header's value.
        value: String,
    },
    /// The fault plan's rate limit: the key's bucket is empty (D30).
    #[error(
        "over the rate limit of {limit} requests of the fault plan's rule {rule}; retry after {retry_after_s} s (Retry-After)"
    )]
    RateLimited {
        /// The rule's name, or its index.
        rule: String,
        /// Requests per window.
        limit: u32,
        /// Seconds to wait.
        retry_after_s: u64,
    },
    /// An error the fault plan injected (D30): the request was valid and nothing changed.
    #[error(
        "injected by the fault plan's rule {rule}: the request was valid, and nothing was changed"
    )]
    InjectedFault {
        /// Its status (500, 502, 503, 504).
        status: StatusCode,
        /// The rule's name, or its index.
        rule: String,
    },
    /// `Prefer: code=` asked for this error (D15).
    #[error("forced by the Prefer header (code={}): the request was valid, and this documented error was asked for", status.as_u16())]
    Forced {
        /// The status asked for.
        status: StatusCode,
    },
    /// An admin query parameter the journal cannot use.
    #[error(transparent)]
    InvalidQuery(#[from] FilterError),
    /// Query parameters of an API route out of range or unknown (D19).
    #[error("the query breaks the contract in {}; each is listed in errors", places(violations.len()))]
    BadQuery {
        /// Every violation, pointers `/query/<name>`.
        violations: Vec<Violation>,
    },
    /// A request line or header hyper could not parse (answered for hyper, which sends no
    /// body of its own: `head_error`).
    #[error(
        "the request line or a header is not valid HTTP/1.1; check the method, the target, the version (HTTP/1.1) and that each header is one `name: value` line"
    )]
    MalformedHead,
    /// A request head over the limit, or with more than 100 headers.
    #[error(
        "the request head (request line and headers) is over {limit} bytes or has more than 100 headers; send fewer or shorter headers (large cookies are the usual cause)"
    )]
    HeadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// More connections are open than `--max-connections` allows.
    #[error(
        "the mock has {limit} connections open, its limit (--max-connections); retry shortly, or reuse connections"
    )]
    TooManyConnections {
        /// The limit.
        limit: usize,
    },
    /// Proxy mode: the upstream cannot be reached, or its answer broke off (D31).
    #[error(
        "the upstream {upstream} could not be reached: {reason}; check that it is up and that --upstream names it"
    )]
    UpstreamUnreachable {
        /// The upstream's base URL.
        upstream: String,
        /// Why, as the connection said.
        reason: String,
    },
    /// Proxy mode: the upstream did not answer in time (D31).
    #[error("the upstream {upstream} did not answer within {timeout_ms} ms (--upstream-timeout)")]
    UpstreamTimeout {
        /// The upstream's base URL.
        upstream: String,
        /// The timeout, in ms.
        timeout_ms: u64,
    },
    /// A refusal read back from a recording, at a step a recording cannot replay (the key
    /// and project, reading the body): what the mock answered then, verbatim.
    #[error("{detail}")]
    Recorded {
        /// The status answered.
        status: StatusCode,
        /// The problem's `code`.
        code: String,
        /// The problem's `detail`.
        detail: String,
        /// The problem's `errors`.
        errors: Vec<Violation>,
    },
    /// No live workspace has this id.
    #[error(
        "no workspace {id:?}: it was never made, was deleted, or ended after --workspace-ttl unused; GET /__admin/workspaces lists the live ones"
    )]
    WorkspaceNotFound {
        /// The id asked for.
        id: String,
    },
    /// A workspace of this name lives already.
    #[error(
        "a workspace named {id:?} exists already: choose another name, or DELETE /__admin/workspaces/{id} first"
    )]
    WorkspaceExists {
        /// The name asked for.
        id: String,
    },
    /// `--max-workspaces` live already.
    #[error(
        "{limit} workspaces live already (--max-workspaces): DELETE those finished jobs left, or raise the limit"
    )]
    TooManyWorkspaces {
        /// The limit.
        limit: usize,
    },
    /// `DELETE /__admin/workspaces/default`.
    #[error(
        "the default workspace is the server's own state and lives as long as the server; POST /__admin/reset restores it"
    )]
    DefaultWorkspace,
    /// A state whose keys are not the workspace's.
    #[error(
        "a workspace's keys are fixed when it is made: send api_keys as GET …/state gives them, or leave them out (make a new workspace for other keys)"
    )]
    KeysFixed,
    /// A clock change the clock cannot make (D27).
    #[error("{source}")]
    Clock {
        /// Why.
        source: ClockError,
        /// The member of the body at fault (`/advance`).
        pointer: &'static str,
    },
    /// A fault plan that cannot be used (D30).
    #[error("the fault plan is not valid: {detail}")]
    FaultPlan {
        /// The first fault, with its pointer, in one line.
        detail: String,
        /// Every fault.
        violations: Vec<Violation>,
    },
    /// A Pact provider state the mock cannot set up.
    #[error(
        "the mock cannot set up the provider state {state:?}: it knows \"the fixtures\", \"contact <id> exists\", \"contact <id> does not exist\", \"tag <id> exists\", \"a tag named <name> exists\" and \"a contact with e-mail <email> exists\", as gately-mock pact names them"
    )]
    ProviderState {
        /// The state's name.
        state: String,
    },
    /// A provider state whose params make no contact or tag.
    #[error("the provider state's params make no valid fixture: {message}")]
    ProviderStateParams {
        /// Why.
        message: String,
    },
    /// A bug in the mock. Never caused by input.
    #[error("the mock failed; this is a bug in gately-mock, please report it")]
    Internal {
        /// What failed (logged, not sent).
        message: String,
    },
}

/// The RFC 9457 body.
#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: String,
    code: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<Violation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<usize>,
}

impl ApiError {
    /// The HTTP status: the only place a failure gets one.
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            ApiError::Named { error, .. } => error.status(),
            ApiError::RouteNotFound { .. } => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Auth(err) => match err {
                AuthError::Missing | AuthError::NotBearer | AuthError::UnknownKey => {
                    StatusCode::UNAUTHORIZED
                }
                AuthError::ProjectRequired => StatusCode::BAD_REQUEST,
                AuthError::UnknownProject { .. }
                | AuthError::ProjectMismatch { .. }
                | AuthError::ReadOnly => StatusCode::FORBIDDEN,
            },
            ApiError::InvalidPathId { .. }
            | ApiError::EmptyBody
            | ApiError::MalformedJson { .. }
            | ApiError::TooDeep { .. }
            | ApiError::InvalidPrefer { .. }
            | ApiError::InvalidPreferFault { .. }
            | ApiError::InvalidQuery(_)
            | ApiError::BadQuery { .. }
            | ApiError::BodyUnreadable => StatusCode::BAD_REQUEST,
            ApiError::Store(StoreError::Incomplete) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Store(
                StoreError::ContactNotFound { .. }
                | StoreError::TagNotFound { .. }
                | StoreError::ListNotFound { .. }
                | StoreError::SegmentNotFound { .. },
            ) => StatusCode::NOT_FOUND,
            ApiError::Store(
                StoreError::EmailTaken { .. }
                | StoreError::TagExists { .. }
                | StoreError::ListExists { .. },
            ) => StatusCode::CONFLICT,
            ApiError::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Validation { .. } | ApiError::Patch(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Forced { status }
            | ApiError::Recorded { status, .. }
            | ApiError::InjectedFault { status, .. } => *status,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::MalformedHead => StatusCode::BAD_REQUEST,
            ApiError::HeadTooLarge { .. } => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ApiError::TooManyConnections { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::UpstreamUnreachable { .. } => StatusCode::BAD_GATEWAY,
            ApiError::UpstreamTimeout { .. } => StatusCode::GATEWAY_TIMEOUT,
            ApiError::WorkspaceNotFound { .. } => StatusCode::NOT_FOUND,
            ApiError::WorkspaceExists { .. } | ApiError::DefaultWorkspace => StatusCode::CONFLICT,
            ApiError::TooManyWorkspaces { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::KeysFixed
            | ApiError::Clock { .. }
            | ApiError::FaultPlan { .. }
            | ApiError::ProviderStateParams { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::ProviderState { .. } => StatusCode::BAD_REQUEST,
        }
    }

    /// The stable machine-readable code (D1).
    pub(crate) fn code(&self) -> &str {
        match self {
            ApiError::Named { error, .. } => error.code(),
            ApiError::RouteNotFound { .. } => "route_not_found",
            ApiError::MethodNotAllowed { .. } => "method_not_allowed",
            ApiError::Auth(err) => match err {
                AuthError::Missing => "missing_api_key",
                AuthError::NotBearer => "invalid_authorization",
                AuthError::UnknownKey => "invalid_api_key",
                AuthError::ProjectRequired => "project_required",
                AuthError::UnknownProject { .. } => "unknown_project",
                AuthError::ProjectMismatch { .. } => "project_mismatch",
                AuthError::ReadOnly => "insufficient_permissions",
            },
            ApiError::InvalidPathId { parameter, .. } => parameter.invalid_code,
            ApiError::Store(StoreError::ContactNotFound { .. }) => "contact_not_found",
            ApiError::Store(StoreError::EmailTaken { .. }) => "email_taken",
            ApiError::Store(StoreError::TagNotFound { .. }) => "tag_not_found",
            ApiError::Store(StoreError::TagExists { .. }) => "tag_exists",
            ApiError::Store(StoreError::ListNotFound { .. }) => "list_not_found",
            ApiError::Store(StoreError::ListExists { .. }) => "list_exists",
            ApiError::Store(StoreError::SegmentNotFound { .. }) => "segment_not_found",
            ApiError::BodyTooLarge { .. } => "body_too_large",
            ApiError::BodyUnreadable => "body_unreadable",
            ApiError::EmptyBody => "empty_body",
            ApiError::UnsupportedMediaType { .. } => "unsupported_media_type",
            ApiError::MalformedJson { .. } => "malformed_json",
            ApiError::TooDeep { .. } => "body_too_deep",
            ApiError::Validation { .. } | ApiError::Patch(_) => "validation_failed",
            ApiError::InvalidPrefer { .. } | ApiError::InvalidPreferFault { .. } => {
                "invalid_prefer"
            }
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::InjectedFault { .. } => "injected_fault",
            ApiError::InvalidQuery(_) | ApiError::BadQuery { .. } => "invalid_query",
            ApiError::Store(StoreError::Incomplete) => "validation_failed",
            ApiError::Forced { status } => forced_code(*status),
            ApiError::Recorded { code, .. } => code,
            ApiError::Internal { .. } => "internal_error",
            ApiError::MalformedHead => "malformed_request",
            ApiError::HeadTooLarge { .. } => "head_too_large",
            ApiError::TooManyConnections { .. } => "too_many_connections",
            ApiError::UpstreamUnreachable { .. } => UPSTREAM_UNREACHABLE,
            ApiError::UpstreamTimeout { .. } => UPSTREAM_TIMEOUT,
            ApiError::WorkspaceNotFound { .. } => "workspace_not_found",
            ApiError::WorkspaceExists { .. } => "workspace_exists",
            ApiError::TooManyWorkspaces { .. } => "too_many_workspaces",
            ApiError::DefaultWorkspace => "default_workspace",
            ApiError::KeysFixed => "keys_fixed",
            ApiError::Clock { .. } => "invalid_clock",
            ApiError::FaultPlan { .. } => "invalid_fault_plan",
            ApiError::ProviderState { .. } => "unknown_provider_state",
            ApiError::ProviderStateParams { .. } => "invalid_provider_state",
        }
    }

    /// Whether the request broke the contract (as opposed to a refusal the contract
    /// foresees for a valid request: an unknown contact, a taken e-mail, a forced error).
    pub(crate) fn is_violation(&self) -> bool {
        if let ApiError::Named { error, .. } = self {
            return error.is_violation();
        }
        !matches!(
            self,
            ApiError::Store(
                StoreError::ContactNotFound { .. }
                    | StoreError::EmailTaken { .. }
                    | StoreError::TagNotFound { .. }
                    | StoreError::TagExists { .. }
                    | StoreError::ListNotFound { .. }
                    | StoreError::ListExists { .. }
                    | StoreError::SegmentNotFound { .. }
            ) | ApiError::Forced { .. }
                | ApiError::RateLimited { .. }
                | ApiError::InjectedFault { .. }
                | ApiError::UpstreamUnreachable { .. }
                | ApiError::UpstreamTimeout { .. }
        )
    }

    /// The field at fault, when one is.
    fn errors(&self) -> Vec<Violation> {
        let one =
            |pointer: &str, keyword: &str| vec![Violation::new(pointer, self.to_string(), keyword)];
        match self {
            ApiError::Auth(err) => {
                let keyword = match err {
                    AuthError::Missing | AuthError::ProjectRequired => "required",
                    AuthError::NotBearer => "format",
                    AuthError::UnknownKey | AuthError::UnknownProject { .. } => "known",
                    AuthError::ProjectMismatch { .. } => "project",
                    AuthError::ReadOnly => "access",
                };
                one(err.pointer(), keyword)
            }
            ApiError::InvalidPathId { parameter, .. } => {
                one(&child_pointer("/path", parameter.name), "format")
            }
            ApiError::Store(StoreError::EmailTaken { .. }) => one("/email", "unique"),
            ApiError::Store(StoreError::TagExists { .. } | StoreError::ListExists { .. }) => {
                one("/name", "unique")
            }
            ApiError::EmptyBody => one("", "required"),
            ApiError::UnsupportedMediaType { .. } => one("/headers/content-type", "mediaType"),
            ApiError::InvalidPrefer { .. } | ApiError::InvalidPreferFault { .. } => {
                one("/headers/prefer", "enum")
            }
            ApiError::InvalidQuery(err) => one(&child_pointer("/query", &err.parameter), "query"),
            ApiError::Patch(err) => one(&child_pointer("", &err.field), "type"),
            ApiError::Validation { violations }
            | ApiError::BadQuery { violations }
            | ApiError::Recorded {
                errors: violations, ..
            } => violations.clone(),
            ApiError::WorkspaceExists { .. } => one("/name", "unique"),
            ApiError::Named { pointer, .. } => one(pointer, "known"),
            ApiError::FaultPlan { violations, .. } => violations.clone(),
            ApiError::ProviderState { .. } => one("/state", "enum"),
            ApiError::ProviderStateParams { .. } => one("/params", "fixture"),
            ApiError::KeysFixed => one("/api_keys", "const"),
            ApiError::Clock { source, pointer } => match source {
                ClockError::Duration { .. } | ClockError::Calendar { .. } => one(pointer, "format"),
                ClockError::OutOfRange => one(pointer, "range"),
            },
            _ => Vec::new(),
        }
    }

    /// What the refused request broke: the problem's `errors`, or its `detail` when no
    /// field is at fault; nothing for a refusal the contract foresees.
    pub(crate) fn violations(&self) -> Vec<Violation> {
        if !self.is_violation() {
            return Vec::new();
        }
        match self.errors() {
            errors if errors.is_empty() => vec![Violation::new("", self.to_string(), self.code())],
            errors => errors,
        }
    }

    /// This refusal naming the field at fault when it is a "not found" of a resource one of
    /// `fields` (each a resource kind, as [`StoreError::missing`] says it, and the field's
    /// pointer) names: an unknown `tag_id` is then told at `/tag_id`.
    pub(crate) fn naming(self, fields: &[(&str, &str)]) -> ApiError {
        let missing = match &self {
            ApiError::Store(err) => err.missing(),
            _ => None,
        };
        match fields
            .iter()
            .find(|(resource, _)| Some(*resource) == missing)
        {
            Some((_, pointer)) => ApiError::Named {
                error: Box::new(self),
                pointer: (*pointer).to_owned(),
            },
            None => self,
        }
    }

    /// The RFC 9457 problem body (D1).
    pub(crate) fn problem(&self) -> Vec<u8> {
        let status = self.status();
        let (line, column) = match self {
            ApiError::MalformedJson { source } => (Some(source.line()), Some(source.column())),
            _ => (None, None),
        };
        let code = self.code();
        let problem = Problem {
            kind: format!("urn:gately-mock:problem:{code}"),
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail: crate::secret::mask_keys_in(&self.to_string()).into_owned(),
            code,
            errors: self.errors(),
            line,
            column,
        };
        serde_json::to_vec(&problem).expect("a problem serialises: plain strings and numbers")
    }
}

/// What a 404 for an unknown route suggests.
fn route_hint(closest: &[String]) -> String {
    let all = "every route is in GET /__admin/openapi.json";
    match closest {
        [] => format!("the mock serves /api/v1/contacts and the routes below it; {all}"),
        [one] => format!("did you mean {one}? ({all})"),
        many => format!("did you mean one of {}? ({all})", many.join(", ")),
    }
}

/// "1 place", "3 places".
fn places(count: usize) -> String {
    match count {
        1 => "1 place".to_owned(),
        n => format!("{n} places"),
    }
}

/// The code of a forced error: the generic code of its status.
fn forced_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        409 => "conflict",
        413 => "body_too_large",
        415 => "unsupported_media_type",
        422 => "validation_failed",
        _ => "forced_error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn a_named_refusal_keeps_its_status_and_code_and_points_at_the_field() {
        let tag = ApiError::from(StoreError::TagNotFound { id: Uuid::nil() });
        let named = tag.naming(&[("contact", "/contact_id"), ("tag", "/tag_id")]);

        assert_eq!(named.status(), StatusCode::NOT_FOUND);
        assert_eq!(named.code(), "tag_not_found");
        assert!(
            !named.is_violation(),
            "a missing tag is a refusal the contract foresees"
        );
        let problem: serde_json::Value = serde_json::from_slice(&named.problem()).unwrap();
        assert_eq!(problem["errors"][0]["pointer"], "/tag_id");
        assert_eq!(problem["errors"][0]["keyword"], "known");

        let taken = ApiError::from(StoreError::TagExists { name: "VIP".into() });
        let unnamed = taken.naming(&[("tag", "/tag_id")]);
        assert!(matches!(
            unnamed,
            ApiError::Store(StoreError::TagExists { .. })
        ));
    }
}
