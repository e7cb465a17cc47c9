//! What the mock answers, before the browser headers are added.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{ALLOW, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, WWW_AUTHENTICATE};
use hyper::{Response, StatusCode};
use serde::Serialize;

use crate::api::ApiError;
use crate::auth::AuthError;
use crate::faults::Effect;
use crate::journal::changes::Changes;
use crate::journal::exchange::Origin;
use crate::schema::Violation;

/// The header that gives an API answer's verdict to the browser's developer tools.
pub(crate) const VERDICT: HeaderName = HeaderName::from_static("x-gately-mock-verdict");
/// The header that gives an API answer's `seq`.
pub(crate) const SEQ: HeaderName = HeaderName::from_static("x-gately-mock-seq");

/// The content type of success bodies.
pub(crate) const JSON: &str = "application/json";
/// The content type of error bodies (RFC 9457).
pub(crate) const PROBLEM_JSON: &str = "application/problem+json";

/// Room for the headers of most replies (`Content-Type`, `Vary`, `X-Gately-Mock`, CORS),
/// so that adding them does not grow the map.
const HEADERS_PER_REPLY: usize = 6;

/// A response with what the mock noticed about the exchange.
#[derive(Clone, Debug)]
pub struct Reply {
    /// The status.
    pub status: StatusCode,
    /// The body.
    pub body: Bytes,
    /// The headers the mock sets (`Content-Type`, `Allow`, CORS, …), kept as hyper's map so
    /// that the response takes them as they are.
    pub headers: HeaderMap,
    /// What the request broke (the problem's `errors`); empty when it kept the contract,
    /// including for refusals the contract foresees (unknown contact, e-mail taken).
    pub violations: Vec<Violation>,
    /// What lenient mode let through, and advice (D7, D8).
    pub warnings: Vec<Violation>,
    /// Whether `Prefer: code=` chose the status (D15).
    pub forced: bool,
    /// The exchange's journal `seq` when the handler drew it under the store lock.
    pub seq: Option<u64>,
    /// What the exchange changed in the resource it updated, field by field, as the JSON
    /// the journal records.
    pub changes: Option<Changes>,
    /// What injected faults do to the answer (D30), if any fired.
    pub(crate) effect: Option<Box<Effect>>,
    /// Who answered: the mock, or in proxy mode the upstream (D31).
    pub(crate) origin: Origin,
}

impl Reply {
    /// A JSON body.
    pub(crate) fn json(status: StatusCode, value: &impl Serialize) -> Self {
        let mut body = Vec::with_capacity(1024);
        serde_json::to_writer(&mut body, value)
            .expect("answers serialise: string keys, and no Serialize impl of ours fails");
        Self::with_body(status, JSON, body.into())
    }

    /// The answer to a refused request: its problem body (D1), its violations, and the
    /// headers its status calls for (D2).
    pub(crate) fn refusal(refusal: ApiError) -> Self {
        let mut reply = Self::with_body(refusal.status(), PROBLEM_JSON, refusal.problem().into());
        reply.violations = refusal.violations();
        reply.forced = matches!(refusal, ApiError::Forced { .. });
        match refusal {
            ApiError::Auth(AuthError::Missing | AuthError::NotBearer) => reply.header(
                WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"gately-mock\""),
            ),
            ApiError::Auth(AuthError::UnknownKey) => reply.header(
                WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"gately-mock\", error=\"invalid_token\""),
            ),
            ApiError::MethodNotAllowed { allow, .. } => {
                reply.header(ALLOW, HeaderValue::from_static(allow))
            }
            ApiError::Internal { message } => {
                eprintln!("gately-mock: internal error: {message}");
                reply
            }
            _ => reply,
        }
    }

    /// A body of `content_type`.
    pub(crate) fn with_body(status: StatusCode, content_type: &'static str, body: Bytes) -> Self {
        Self {
            body,
            ..Self::empty(status)
        }
        .header(CONTENT_TYPE, HeaderValue::from_static(content_type))
    }

    /// No body.
    pub(crate) fn empty(status: StatusCode) -> Self {
        Self {
            status,
            body: Bytes::new(),
            headers: HeaderMap::with_capacity(HEADERS_PER_REPLY),
            violations: Vec::new(),
            warnings: Vec::new(),
            forced: false,
            seq: None,
            changes: None,
            effect: None,
            origin: Origin::Mock,
        }
    }

    /// Adds a header.
    pub(crate) fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.append(name, value);
        self
    }

    /// The reply as HTTP/1.1 bytes, head and body, for the few answers written to the
    /// socket without hyper (a refused connection, a head hyper could not parse).
    pub(crate) fn to_http1(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256 + self.body.len());
        out.extend_from_slice(b"HTTP/1.1 ");
        out.extend_from_slice(self.status.as_str().as_bytes());
        out.push(b' ');
        out.extend_from_slice(self.status.canonical_reason().unwrap_or("").as_bytes());
        out.extend_from_slice(b"\r\n");
        for (name, value) in &self.headers {
            out.extend_from_slice(name.as_str().as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(format!("content-length: {}\r\n\r\n", self.body.len()).as_bytes());
        out.extend_from_slice(&self.body);
        out
    }

    /// The hyper response, made of the reply's parts: once the exchange is recorded, the
    /// reply has nothing left to keep.
    pub(crate) fn into_response(self) -> Response<Full<Bytes>> {
        let mut response = Response::new(Full::new(self.body));
        *response.status_mut() = self.status;
        *response.headers_mut() = self.headers;
        response
    }
}
