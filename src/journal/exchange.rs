//! One recorded exchange (decision D23), the shape shared by `GET /__admin/requests`, the
//! record file and the library.
//!
//! An exchange is written as JSON once, when it is recorded ([`ExchangeView`]); the journal
//! keeps that text with the few fields its filters need ([`Entry`]), the record file gets
//! the same text, and the admin API answers by joining texts. [`Exchange`] reads the text
//! back, for the HAR export, `check` and the library.
//!
//! # The record file
//!
//! `serve --record FILE` writes one exchange per line (JSON Lines), in the order the
//! exchanges finished: a line is complete before its response is sent. Under
//! `--frozen-time` every field is a function of the traffic alone (`time` is frozen,
//! `duration_ms` is 0), so the same requests sent one after another give the same file,
//! byte for byte:
//!
//! `origin` says who answered (D31): `mock`, or `upstream` in proxy mode, where the
//! response body is the upstream's, kept as a request body is (below).
//! An update that changed its contact or tag adds `"changes"` after `origin` (see
//! [`Exchange::changes`]); an exchange a fault was injected into adds `"faults"` last (see
//! [`Exchange::faults`]), and its `status` is 0 when no answer left.
//!
//! ```json
//! {"seq":1,"time":"2025-06-15T14:30:00.000Z","duration_ms":0,"request":{"method":"PATCH","path":"/api/v1/contacts/a1b2…","query":null,"headers":{"authorization":"Bearer gately_sk_test_…","content-type":"application/json"},"body":{"status":"inactive"}},"response":{"status":200,"headers":{"content-type":"application/json"},"body":{"id":"a1b2…"}},"verdict":"ok","violations":[],"warnings":[],"forced":false,"origin":"mock"}
//! ```
//!
//! Request bodies are embedded as sent when they are one-line JSON, re-written on one line
//! when they are JSON over several lines, and kept as a string when they are not JSON.

use std::collections::BTreeMap;

use hyper::Method;
use hyper::header::HeaderMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::clock::Timestamp;
use crate::journal::changes::Changes;
use crate::journal::headers;
use crate::json::{MAX_DEPTH, minify, nests_deeper_than, put, put_opt_str, put_str};
use crate::schema::Violation;
use crate::secret::{mask_keys_in, mask_query};

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
    /// `ok`, `warning` or `violation`.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Warning => "warning",
            Verdict::Violation => "violation",
        }
    }

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

/// Who answered an exchange (D31): the mock, or in proxy mode the upstream.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// The mock answered (in proxy mode too: a preflight, a refused request, an upstream
    /// that could not be reached).
    #[default]
    Mock,
    /// The upstream answered; the mock forwarded the request and judged both directions.
    Upstream,
}

impl Origin {
    /// `mock` or `upstream`.
    pub fn name(self) -> &'static str {
        match self {
            Origin::Mock => "mock",
            Origin::Upstream => "upstream",
        }
    }
}

/// A recorded exchange in the journal: its JSON and what the filters look at.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    /// Position in the journal, from 1.
    pub seq: u64,
    /// Its place in the order the journal recorded entries, from 1, never restarted: the
    /// id of its stream event (set by the journal).
    pub position: u64,
    /// The request method.
    pub method: Method,
    /// The request path.
    pub path: Box<str>,
    /// The response status; 0 when no answer left (an injected reset or hang).
    pub status: u16,
    /// The verdict.
    pub verdict: Verdict,
    /// The exchange as one line of JSON (D23), UTF-8.
    pub json: Vec<u8>,
}

impl Entry {
    /// The exchange, read back from its JSON.
    pub(crate) fn to_exchange(&self) -> Exchange {
        serde_json::from_slice(&self.json)
            .expect("an entry holds the JSON of an Exchange, written by ExchangeView")
    }
}

/// An exchange as it is recorded: borrowed from the request and the reply, written once.
pub(crate) struct ExchangeView<'a> {
    /// Position in the journal.
    pub seq: u64,
    /// The workspace it happened in; `None` for `default`.
    pub workspace: Option<&'a str>,
    /// When the request arrived.
    pub time: Timestamp,
    /// How long the mock took, in ms.
    pub duration_ms: u64,
    /// The request method.
    pub method: &'a Method,
    /// The request path.
    pub path: &'a str,
    /// The raw query string.
    pub query: Option<&'a str>,
    /// The request headers (transport headers are left out, `Authorization` masked).
    pub request_headers: &'a HeaderMap,
    /// The request body as sent.
    pub request_body: &'a [u8],
    /// Whether `request_body` is known to be JSON (the judge parsed it).
    pub request_body_is_json: bool,
    /// The response status; 0 when no answer left (an injected reset or hang).
    pub status: u16,
    /// The headers the mock set.
    pub response_headers: &'a HeaderMap,
    /// The body sent: JSON the mock wrote itself, or nothing; or the upstream's, any bytes.
    pub response_body: &'a [u8],
    /// Who answered.
    pub origin: Origin,
    /// The verdict.
    pub verdict: Verdict,
    /// What the request broke.
    pub violations: &'a [Violation],
    /// What the mock let through or advises against.
    pub warnings: &'a [Violation],
    /// Whether `Prefer: code=` chose the response.
    pub forced: bool,
    /// What it changed in the resource it updated, as JSON.
    pub changes: Option<&'a Changes>,
    /// The faults injected into it (D30), as a JSON array; empty when none was.
    pub faults: &'a [u8],
}

impl ExchangeView<'_> {
    /// Appends the exchange to `out` as one line of JSON. Written piece by piece: the
    /// response body is JSON the mock wrote on one line, so it goes in as it is, without
    /// being parsed again (the largest part of every exchange).
    pub(crate) fn write_json(&self, out: &mut Vec<u8>) {
        out.reserve(768 + self.request_body.len() + self.response_body.len());
        out.extend_from_slice(b"{\"seq\":");
        put(out, &self.seq);
        if let Some(workspace) = self.workspace {
            out.extend_from_slice(b",\"workspace\":");
            put_str(out, workspace);
        }
        out.extend_from_slice(b",\"time\":");
        self.time.write_json(out);
        out.extend_from_slice(b",\"duration_ms\":");
        put(out, &self.duration_ms);
        out.extend_from_slice(b",\"request\":{\"method\":");
        put_str(out, self.method.as_str());
        out.extend_from_slice(b",\"path\":");
        put_str(out, &mask_keys_in(self.path));
        out.extend_from_slice(b",\"query\":");
        put_opt_str(out, self.query.map(mask_query).as_deref());
        out.extend_from_slice(b",\"headers\":");
        headers::write_request(out, self.request_headers);
        out.extend_from_slice(b",\"body\":");
        match write_body(out, self.request_body, self.request_body_is_json) {
            None => {}
            Some(encoding) => {
                out.extend_from_slice(b",\"body_encoding\":");
                put_str(out, encoding.name());
            }
        }
        out.extend_from_slice(b"},\"response\":{\"status\":");
        put(out, &self.status);
        out.extend_from_slice(b",\"headers\":");
        headers::write_response(out, self.response_headers);
        out.extend_from_slice(b",\"body\":");
        match (self.origin, self.response_body.trim_ascii()) {
            (Origin::Mock, []) => out.extend_from_slice(b"null"),
            (Origin::Mock, json) => out.extend_from_slice(json),
            (Origin::Upstream, _) => {
                if let Some(encoding) = write_body(out, self.response_body, false) {
                    out.extend_from_slice(b",\"body_encoding\":");
                    put_str(out, encoding.name());
                }
            }
        }
        out.extend_from_slice(b"},\"verdict\":");
        put_str(out, self.verdict.name());
        out.extend_from_slice(b",\"violations\":");
        put(out, &self.violations);
        out.extend_from_slice(b",\"warnings\":");
        put(out, &self.warnings);
        out.extend_from_slice(b",\"forced\":");
        put(out, &self.forced);
        out.extend_from_slice(b",\"origin\":");
        put_str(out, self.origin.name());
        if let Some(changes) = self.changes {
            out.extend_from_slice(b",\"changes\":");
            out.extend_from_slice(changes.as_json().as_bytes());
        }
        if !self.faults.is_empty() {
            out.extend_from_slice(b",\"faults\":");
            out.extend_from_slice(self.faults);
        }
        out.push(b'}');
    }
}

/// A body as [`write_body`] records it, read back: what `check` sees of it in a record
/// file, for judging an answer before it is recorded (proxy mode).
pub(crate) fn recorded_body(body: &[u8]) -> Value {
    let mut out = Vec::with_capacity(body.len() + 2);
    let _ = write_body(&mut out, body, false);
    serde_json::from_slice(&out).expect("write_body writes one JSON value")
}

/// A body (a request's, or an upstream's answer): embedded as sent when it is one line of JSON, re-written on one line
/// when it is JSON over several lines (a record file holds one exchange per line), `null`
/// when empty; any other body is kept byte for byte, as a string: the text as it is, or
/// bytes that are not UTF-8 in base64. Returns the encoding of such a string. A body
/// `known_json` (the judge parsed it, and took its depth) is not parsed again. A JSON
/// string or `null` is kept as text too, so that an unmarked string always means text (as
/// in record files written before `body_encoding`) and `null` always means no body; so is
/// JSON nested deeper than the mock takes, so that every line reads back.
fn write_body(out: &mut Vec<u8>, body: &[u8], known_json: bool) -> Option<BodyEncoding> {
    if body.is_empty() {
        out.extend_from_slice(b"null");
        return None;
    }
    let json = body.trim_ascii();
    let embeddable = |json: &[u8]| !json.starts_with(b"\"") && json != b"null";
    let one_line = !json.contains(&b'\n') && !json.contains(&b'\r');
    if known_json && one_line && embeddable(json) {
        out.extend_from_slice(json);
        return None;
    }
    if embeddable(json)
        && (known_json
            || !nests_deeper_than(json, MAX_DEPTH)
                && serde_json::from_slice::<&RawValue>(json).is_ok())
    {
        // On one line, every key as sent: a record file holds one exchange per line.
        minify(json, out);
        return None;
    }
    match std::str::from_utf8(body) {
        Ok(text) => {
            put_str(out, text);
            Some(BodyEncoding::Text)
        }
        Err(_) => {
            use base64::Engine as _;
            put_str(out, &base64::engine::general_purpose::STANDARD.encode(body));
            Some(BodyEncoding::Base64)
        }
    }
}

/// One exchange as written by the admin API, the record file and the library (D23).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    /// Position in its workspace's journal, from 1; restarts at 1 after a reset.
    pub seq: u64,
    /// The workspace it happened in (D26); `None` for the server's own state, `default`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace: Option<String>,
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
    /// Who answered (D31); `mock` in record files written before proxy mode.
    #[serde(default)]
    pub origin: Origin,
    /// What the exchange changed in the contact or tag it updated, field by field:
    /// `{"status": {"before": "active", "after": "inactive"}}`; left out when it changed
    /// nothing (reads, refusals, creates and deletes, whose answer shows the resource).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<Value>,
    /// The faults injected into it (D30), in the order they were tried; left out when
    /// none was.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<FaultRecord>,
}

/// One injected fault of an [`Exchange`] (D30).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaultRecord {
    /// `rate_limit`, `error`, `latency`, `reset`, `hang` or `dribble`.
    pub kind: String,
    /// The index of the plan's rule that fired, or `"prefer"` when the request's `Prefer`
    /// header asked for it.
    pub rule: Value,
    /// The rule's name, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The time it added or held the answer back, in ms (latency, hang, dribble).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ms: Option<u64>,
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
    /// The body: parsed JSON when it is JSON; else a string, as `body_encoding` says;
    /// `null` when empty.
    pub body: Value,
    /// How a body that is not JSON is kept; `None` when it is JSON (or empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_encoding: Option<BodyEncoding>,
}

/// How a request body that is not JSON is kept in an [`Exchange`], byte for byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyEncoding {
    /// The body is UTF-8 text, kept as sent.
    Text,
    /// The body's bytes are not UTF-8; kept in base64 (RFC 4648, with padding).
    Base64,
}

impl BodyEncoding {
    /// `text` or `base64`.
    pub fn name(self) -> &'static str {
        match self {
            BodyEncoding::Text => "text",
            BodyEncoding::Base64 => "base64",
        }
    }
}

impl RequestRecord {
    /// The body's bytes as the mock received them (JSON bodies as JSON: the same value,
    /// not always the same spacing).
    pub fn body_bytes(&self) -> Vec<u8> {
        Self::body_bytes_of(&self.body, self.body_encoding)
    }

    /// The bytes of a recorded `body` kept as `encoding` says.
    pub(crate) fn body_bytes_of(body: &Value, encoding: Option<BodyEncoding>) -> Vec<u8> {
        use base64::Engine as _;
        match (body, encoding) {
            (Value::Null, None) => Vec::new(),
            // Text, marked or from a record file written before `body_encoding`.
            (Value::String(text), Some(BodyEncoding::Text) | None) => text.as_bytes().to_vec(),
            (Value::String(text), Some(BodyEncoding::Base64)) => {
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .unwrap_or_else(|_| text.as_bytes().to_vec())
            }
            (json, _) => serde_json::to_vec(json).expect("a JSON value serialises"),
        }
    }
}

/// The response half of an [`Exchange`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResponseRecord {
    /// The status.
    pub status: u16,
    /// Header names (lower case) and values, as the mock set them.
    pub headers: BTreeMap<String, String>,
    /// The body: parsed JSON, `null` when empty; an upstream's body that is not JSON is
    /// a string, as `body_encoding` says.
    pub body: Value,
    /// How an upstream's body that is not JSON is kept; `None` when it is JSON (or empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_encoding: Option<BodyEncoding>,
}

#[cfg(test)]
mod tests {
    use hyper::header::{AUTHORIZATION, HeaderValue};

    use super::*;

    fn recorded(headers: &HeaderMap, body: &[u8]) -> Exchange {
        let view = ExchangeView {
            seq: 1,
            workspace: None,
            time: Timestamp::parse("2025-06-15T14:30:00.000Z").unwrap(),
            duration_ms: 0,
            method: &Method::POST,
            path: "/x",
            query: Some("a=b"),
            request_headers: headers,
            request_body: body,
            request_body_is_json: false,
            status: 200,
            response_headers: &HeaderMap::from_iter([(
                hyper::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )]),
            response_body: br#"{"id":"x"}"#,
            origin: Origin::Mock,
            verdict: Verdict::Ok,
            violations: &[],
            warnings: &[],
            forced: false,
            faults: b"",
            changes: None,
        };
        let mut json = Vec::new();
        view.write_json(&mut json);
        assert!(!json.contains(&b'\n'), "one line");
        serde_json::from_slice(&json).expect("the written JSON reads back as an Exchange")
    }

    #[test]
    fn one_line_json_is_embedded_and_the_rest_made_safe_for_one_line() {
        let none = HeaderMap::new();
        assert_eq!(
            recorded(&none, br#" {"a":1} "#).request.body,
            serde_json::json!({"a": 1})
        );
        assert_eq!(
            recorded(&none, b"{\n  \"a\": 1\n}").request.body,
            serde_json::json!({"a": 1})
        );
        assert_eq!(
            recorded(&none, b"{\"status\":").request.body,
            serde_json::json!("{\"status\":")
        );
        assert_eq!(recorded(&none, b"").request.body, Value::Null);
        assert_eq!(
            recorded(&none, b"").response.body,
            serde_json::json!({"id": "x"})
        );
    }

    #[test]
    fn a_body_known_to_be_json_is_embedded_and_still_kept_on_one_line() {
        let embedded = |body: &[u8]| {
            let mut out = Vec::new();
            write_body(&mut out, body, true);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(embedded(br#" {"a":1} "#), r#"{"a":1}"#);
        assert_eq!(embedded(b"{\n  \"a\": 1\r\n}"), r#"{"a":1}"#);
        // The mark is trusted: a one-line body is copied without being parsed again (only
        // `json_body` sets it, after a successful parse). Unmarked, this would be a string.
        assert_eq!(embedded(b"{not parsed}"), "{not parsed}");
    }

    #[test]
    fn authorization_is_masked_and_transport_headers_are_left_out() {
        let mut headers = HeaderMap::new();
        headers.insert(
            AUTHORIZATION,
            HeaderValue::from_static("Bearer gately_sk_test_secretsecretsecretsecretsecret12"),
        );
        headers.insert("host", HeaderValue::from_static("127.0.0.1:5555"));
        headers.append("x-many", HeaderValue::from_static("a"));
        headers.append("x-many", HeaderValue::from_static("b"));
        let exchange = recorded(&headers, b"");
        let expected: BTreeMap<String, String> = [
            (
                "authorization".to_owned(),
                "Bearer gately_sk_test_…".to_owned(),
            ),
            ("x-many".to_owned(), "a, b".to_owned()),
        ]
        .into();
        assert_eq!(exchange.request.headers, expected);
        assert_eq!(exchange.request.query.as_deref(), Some("a=b"));
    }
}
