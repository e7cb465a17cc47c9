//! The journal as HAR 1.2 (`GET /__admin/requests.har`): the archive format browser
//! dev-tools, proxies and HAR viewers read. Built from the same [`Exchange`] as every
//! other export, so secrets are already masked.

use serde_json::{Value, json};

use crate::journal::Exchange;
use crate::journal::exchange::{BodyEncoding, Origin};

/// The creator name that marks an archive as recorded by this mock.
pub(crate) const CREATOR: &str = "gately-mock";

/// A HAR 1.2 document of `exchanges`; URLs are absolute under `base_url`.
pub(crate) fn archive(exchanges: &[Exchange], base_url: &str) -> Value {
    json!({
        "log": {
            "version": "1.2",
            "creator": { "name": CREATOR, "version": env!("CARGO_PKG_VERSION") },
            "entries": exchanges.iter().map(|exchange| entry(exchange, base_url)).collect::<Vec<_>>(),
        }
    })
}

fn entry(exchange: &Exchange, base_url: &str) -> Value {
    let request = &exchange.request;
    let response = &exchange.response;
    let url = match &request.query {
        Some(query) => format!("{base_url}{}?{query}", request.path),
        None => format!("{base_url}{}", request.path),
    };
    let query_string: Vec<Value> =
        form_urlencoded::parse(request.query.as_deref().unwrap_or_default().as_bytes())
            .map(|(name, value)| json!({ "name": name, "value": value }))
            .collect();
    let request_text = body_text(&request.body);
    let response_text = body_text(&response.body);
    let mut har_request = json!({
        "method": request.method,
        "url": url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": name_values(&request.headers),
        "queryString": query_string,
        "headersSize": -1,
        "bodySize": request_text.as_ref().map_or(0, String::len),
    });
    if let Some(text) = request_text {
        let mime = request
            .headers
            .get("content-type")
            .map_or("application/octet-stream", String::as_str);
        har_request["postData"] = json!({ "mimeType": mime, "text": text });
        // HAR 1.2 has no encoding for postData; custom fields start with `_`. Bytes that
        // are not UTF-8 are kept in base64, as `content.encoding` keeps response bytes.
        if request.body_encoding == Some(BodyEncoding::Base64) {
            har_request["postData"]["_encoding"] = json!("base64");
        }
    }
    let mime = response
        .headers
        .get("content-type")
        .map_or("", String::as_str);
    let size = response_text.as_ref().map_or(0, String::len);
    let mut entry = json!({
        "startedDateTime": exchange.time,
        "time": exchange.duration_ms,
        "request": har_request,
        "response": {
            "status": response.status,
            "statusText": hyper::StatusCode::from_u16(response.status).ok().and_then(|s| s.canonical_reason()).unwrap_or(""),
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": name_values(&response.headers),
            "content": { "size": size, "mimeType": mime, "text": response_text.unwrap_or_default() },
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": size,
        },
        "cache": {},
        "timings": { "send": 0, "wait": exchange.duration_ms, "receive": 0 },
        "comment": match &exchange.workspace {
            Some(workspace) => format!("workspace {workspace} seq {}: {}", exchange.seq, exchange.verdict.name()),
            None => format!("seq {}: {}", exchange.seq, exchange.verdict.name()),
        },
    });
    // HAR 1.2 has no field for these either: custom ones, read back by `check`.
    if let Some(fields) = entry.as_object_mut() {
        if let Some(workspace) = &exchange.workspace {
            fields.insert("_workspace".to_owned(), Value::from(workspace.as_str()));
        }
        if exchange.forced {
            fields.insert("_forced".to_owned(), Value::Bool(true));
        }
        if exchange.origin == Origin::Upstream {
            fields.insert("_origin".to_owned(), Value::from(Origin::Upstream.name()));
        }
        if !exchange.faults.is_empty() {
            fields.insert("_faults".to_owned(), json!(exchange.faults));
        }
    }
    entry
}

fn name_values(headers: &std::collections::BTreeMap<String, String>) -> Vec<Value> {
    headers
        .iter()
        .map(|(name, value)| json!({ "name": name, "value": value }))
        .collect()
}

/// A recorded body as the text that crossed the wire (JSON re-serialised compactly).
fn body_text(body: &Value) -> Option<String> {
    match body {
        Value::Null => None,
        Value::String(text) => Some(text.clone()),
        other => Some(other.to_string()),
    }
}
