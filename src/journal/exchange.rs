//! One recorded exchange: in memory as an [`Entry`] (bodies kept as the bytes that crossed
//! the wire, cheap to record), and on the wire as an [`Exchange`] (decision D23), the shape
//! shared by `GET /__admin/requests`, the record file and the library.
//!
//! # The record file
//!
//! `serve --record FILE` writes one [`Exchange`] per line (JSON Lines), in the order the
//! exchanges finished: a line is complete before its response is sent. Under
//! `--frozen-time` every field is a function of the traffic alone (`time` is frozen,
//! `duration_ms` is 0), so the same requests sent one after another give the same file,
//! byte for byte:
//!
//! ```json
//! {"seq":1,"time":"2025-06-15T14:30:00.000Z","duration_ms":0,"request":{"method":"PATCH","path":"/api/v1/contacts/a1b2…","query":null,"headers":{"authorization":"Bearer gately_sk_test_…","content-type":"application/json"},"body":{"status":"inactive"}},"response":{"status":200,"headers":{"content-type":"application/json"},"body":{"id":"a1b2…"}},"verdict":"ok","violations":[],"warnings":[],"forced":false}
//! ```

use std::collections::BTreeMap;

use bytes::Bytes;
use hyper::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::clock::Timestamp;
use crate::schema::Violation;
use crate::secret::mask_authorization;

/// How an exchange stands against the contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The request kept the contract.
    Ok,
    /// The request was served, with warnings (lenient mode, advice).
    Warning,
    /// The request broke the contract.
    Violation,
}

impl Verdict {
    /// The verdict named `name` (`ok`, `warning`, `violation`).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "ok" => Some(Verdict::Ok),
            "warning" => Some(Verdict::Warning),
            "violation" => Some(Verdict::Violation),
            _ => None,
        }
    }
}

/// Headers that describe the transport, not the exchange: left out of the record so that
/// two runs on different ports record the same thing.
const TRANSPORT_HEADERS: [&str; 5] = [
    "host",
    "connection",
    "content-length",
    "transfer-encoding",
    "keep-alive",
];

/// A recorded exchange in memory.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Position in the journal, from 1.
    pub seq: u64,
    /// When the request arrived.
    pub time: Timestamp,
    /// How long the mock took, in ms (0 under a frozen clock).
    pub duration_ms: u64,
    /// The request method.
    pub method: Method,
    /// The request path.
    pub path: String,
    /// The raw query string.
    pub query: Option<String>,
    /// The request headers, `Authorization` already masked.
    pub request_headers: HeaderMap,
    /// The request body as sent.
    pub request_body: Bytes,
    /// The response status.
    pub status: StatusCode,
    /// The response headers the mock set.
    pub response_headers: Vec<(HeaderName, HeaderValue)>,
    /// The response body.
    pub response_body: Bytes,
    /// The verdict.
    pub verdict: Verdict,
    /// What the request broke (the problem body's `errors`).
    pub violations: Vec<Violation>,
    /// What the mock let through or advises against.
    pub warnings: Vec<Violation>,
    /// Whether `Prefer: code=` chose the response.
    pub forced: bool,
}

impl Entry {
    /// Masks the secrets of `headers` in place (D17).
    pub fn mask(headers: &mut HeaderMap) {
        if let Some(value) = headers.get_mut(AUTHORIZATION) {
            let masked = mask_authorization(&String::from_utf8_lossy(value.as_bytes()));
            *value =
                HeaderValue::from_str(&masked).unwrap_or_else(|_| HeaderValue::from_static("…"));
        }
    }

    /// The wire shape of this entry.
    pub fn to_exchange(&self) -> Exchange {
        Exchange {
            seq: self.seq,
            time: self.time.to_string(),
            duration_ms: self.duration_ms,
            request: RequestRecord {
                method: self.method.to_string(),
                path: self.path.clone(),
                query: self.query.clone(),
                headers: header_object(
                    self.request_headers
                        .iter()
                        .filter(|(name, _)| !TRANSPORT_HEADERS.contains(&name.as_str())),
                ),
                body: body_value(&self.request_body),
            },
            response: ResponseRecord {
                status: self.status.as_u16(),
                headers: header_object(self.response_headers.iter().map(|(n, v)| (n, v))),
                body: body_value(&self.response_body),
            },
            verdict: self.verdict,
            violations: self.violations.clone(),
            warnings: self.warnings.clone(),
            forced: self.forced,
        }
    }
}

/// One exchange as written by the admin API, the record file and the library (D23).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    /// Position in the journal, from 1; restarts at 1 after a reset.
    pub seq: u64,
    /// When the request arrived (UTC, milliseconds).
    pub time: String,
    /// How long the mock took, in ms (0 under a frozen clock).
    pub duration_ms: u64,
    /// The request.
    pub request: RequestRecord,
    /// The response.
    pub response: ResponseRecord,
    /// How the exchange stands against the contract.
    pub verdict: Verdict,
    /// What the request broke.
    pub violations: Vec<Violation>,
    /// What the mock let through or advises against.
    pub warnings: Vec<Violation>,
    /// Whether `Prefer: code=` chose the response.
    pub forced: bool,
}

/// The request half of an [`Exchange`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// The method.
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// Header names (lower case) and values; repeated headers joined with `, `.
    pub headers: BTreeMap<String, String>,
    /// The body: parsed JSON when it is JSON, else the text; `null` when empty.
    pub body: Value,
}

/// The response half of an [`Exchange`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResponseRecord {
    /// The status.
    pub status: u16,
    /// Header names (lower case) and values, as the mock set them.
    pub headers: BTreeMap<String, String>,
    /// The body: parsed JSON, `null` when empty.
    pub body: Value,
}

fn header_object<'a>(
    headers: impl Iterator<Item = (&'a HeaderName, &'a HeaderValue)>,
) -> BTreeMap<String, String> {
    let mut object: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        object
            .entry(name.as_str().to_owned())
            .and_modify(|joined| {
                joined.push_str(", ");
                joined.push_str(&value);
            })
            .or_insert_with(|| value.into_owned());
    }
    object
}

/// A body as JSON when it parses, else as (lossy) text.
fn body_value(body: &Bytes) -> Value {
    if body.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}
