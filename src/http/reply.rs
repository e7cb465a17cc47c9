//! What the mock answers, before the browser headers are added.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use hyper::{Response, StatusCode};
use serde::Serialize;

use crate::http::error::ApiError;
use crate::schema::Violation;

/// The content type of success bodies.
pub const JSON: &str = "application/json";
/// The content type of error bodies (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A response with what the mock noticed about the exchange.
#[derive(Debug)]
pub struct Reply {
    /// The status.
    pub status: StatusCode,
    /// The body's content type, when there is a body.
    pub content_type: Option<&'static str>,
    /// The body.
    pub body: Bytes,
    /// Headers beyond the content type (`Allow`, `WWW-Authenticate`, CORS).
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// What lenient mode let through, and advice (D7, D8).
    pub warnings: Vec<Violation>,
    /// Whether `Prefer: code=` chose the status (D15).
    pub forced: bool,
}

impl Reply {
    /// A JSON body.
    pub fn json(status: StatusCode, value: &impl Serialize) -> Result<Self, ApiError> {
        let body = serde_json::to_vec(value).map_err(|err| ApiError::Internal {
            message: format!("cannot serialise the response: {err}"),
        })?;
        Ok(Self::with_body(status, JSON, body.into()))
    }

    /// A body of `content_type`.
    pub fn with_body(status: StatusCode, content_type: &'static str, body: Bytes) -> Self {
        Self {
            status,
            content_type: Some(content_type),
            body,
            headers: Vec::new(),
            warnings: Vec::new(),
            forced: false,
        }
    }

    /// No body.
    pub fn empty(status: StatusCode) -> Self {
        Self {
            content_type: None,
            ..Self::with_body(status, JSON, Bytes::new())
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// The hyper response.
    pub fn to_response(&self) -> Response<Full<Bytes>> {
        let mut response = Response::new(Full::new(self.body.clone()));
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        if let Some(content_type) = self.content_type {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        for (name, value) in &self.headers {
            headers.append(name.clone(), value.clone());
        }
        response
    }
}
