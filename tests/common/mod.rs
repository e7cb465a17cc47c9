//! What every end-to-end test shares: a real server on port 0, a client that checks every
//! response it receives against the mock's own response schemas (D13), insta settings, and
//! the agreement check: when a test's server goes, `check` of everything it recorded must
//! give each exchange the verdict, violations and warnings the server gave it.
#![allow(dead_code)] // each test binary uses its own part of this module
#![allow(unreachable_pub)] // shared by every test binary, so `pub` though no crate exports it

pub mod upstream;

use std::sync::Arc;

pub use gately_mock::internals::SchemaRegistry;
use gately_mock::{
    ContractReport, CoverageReport, Exchange, MockServer, MockServerBuilder, Outcome, Side,
    Verdict, Workspace,
};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The instant every test server's clock is frozen at (D16).
pub const FROZEN: &str = "2025-06-15T14:30:00.000Z";
/// The read-write key bound to the Acme project.
pub const SECRET_KEY: &str = "gately_sk_test_9f8e7d6c5b4a39281706f5e4d3c2b1a0";
/// The account key, bound to no project.
pub const ACCOUNT_KEY: &str = "gately_sk_test_0a1b2c3d4e5f60718293a4b5c6d7e8f9";
/// The read-only key of the Acme project.
pub const PUBLIC_KEY: &str = "gately_pk_test_5e4d3c2b1a0f9e8d7c6b5a4938271605";
/// The read-write key of the Globex project.
pub const GLOBEX_KEY: &str = "gately_sk_test_1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f";
pub const ACME: &str = "3f6c2a91-8d4e-4b7a-9c15-2e8f0d6b4a73";
pub const GLOBEX: &str = "b7e1d9c4-5a2f-4e8b-8d36-91c0f7a2e5d8";
/// The seed's contact.
pub const JANE: &str = "a1b2c3d4-e5f6-4789-abcd-ef1234567890";
/// Another Acme contact.
pub const JOHN: &str = "f7c2a47a-ed10-47d4-8ae0-28a305d98934";
/// A Globex contact.
pub const TOM: &str = "46282c91-3dc7-42d1-ac26-a564c4ce05fe";

/// The pointer and message of each of a problem's `errors`, in order.
pub fn messages(problem: &Value) -> Vec<(&str, &str)> {
    problem["errors"]
        .as_array()
        .expect("a problem with errors")
        .iter()
        .map(|error| {
            (
                error["pointer"]
                    .as_str()
                    .expect("every error has a pointer"),
                error["message"]
                    .as_str()
                    .expect("every error has a message"),
            )
        })
        .collect()
}

/// The pointers of a problem's `errors`, in order.
pub fn pointers(problem: &Value) -> Vec<&str> {
    messages(problem)
        .into_iter()
        .map(|(pointer, _)| pointer)
        .collect()
}

/// Each item of an array answer as its `name` and its count `field` (`member_count`,
/// `contact_count`).
pub fn counts<'a>(items: &'a Value, field: &str) -> Vec<(&'a str, u64)> {
    items
        .as_array()
        .expect("an array answer")
        .iter()
        .map(|item| {
            (
                item["name"].as_str().expect("a name"),
                item[field].as_u64().expect("a count"),
            )
        })
        .collect()
}

/// A server of its own for one test, and a client for it.
pub struct Mock {
    pub server: MockServer,
    pub http: reqwest::Client,
    schemas: Arc<SchemaRegistry>,
}

/// What came back, already checked against the response schemas.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

/// Starts a server with the frozen clock, the embedded fixtures and what `options` adds.
pub async fn start_with(options: impl FnOnce(MockServerBuilder) -> MockServerBuilder) -> Mock {
    let server = options(MockServer::builder().frozen_time(FROZEN))
        .try_start()
        .await
        .expect("the test server starts");
    Mock {
        server,
        http: reqwest::Client::new(),
        schemas: Arc::new(SchemaRegistry::compile().expect("the schemas compile")),
    }
}

/// Starts a server with the defaults (strict).
pub async fn start() -> Mock {
    start_with(|options| options).await
}

impl Drop for Mock {
    /// The agreement check (see the module doc), unless the test failed already.
    fn drop(&mut self) {
        if !std::thread::panicking() {
            assert_agreement(&self.server);
        }
    }
}

/// Panics unless `check` of the journal's lines, read as a record file, judges every
/// exchange as the server did: the same verdict, the same violations and warnings, and
/// nothing wrong with any response the mock sent; and unless coverage counts every answer.
pub fn assert_agreement(server: &MockServer) {
    agree(server.requests(), server.contract_report());
    covered(&server.requests(), &server.coverage());
}

/// [`assert_agreement`] for one workspace of a server.
pub fn assert_workspace_agreement(workspace: &Workspace) {
    agree(workspace.requests(), workspace.contract_report());
    covered(&workspace.requests(), &workspace.coverage());
}

/// Every answer the mock gave an operation is an outcome of the operation table (D32):
/// coverage counts each exchange not forced by `Prefer: code=` once, and each answer a
/// fault injected among the injected ones. An answer whose code the table does not list
/// would be missing from the counts.
fn covered(recorded: &[Exchange], coverage: &CoverageReport) {
    let operation_answers = recorded
        .iter()
        .filter(|exchange| {
            let code = exchange.response.body.get("code").and_then(Value::as_str);
            let no_operation = matches!(code, Some("route_not_found" | "method_not_allowed"))
                || exchange.request.method == "OPTIONS";
            let prefer_forced = exchange.forced && exchange.faults.is_empty();
            !no_operation && !prefer_forced
        })
        .count();
    let counted: usize = coverage
        .outcomes
        .iter()
        .map(|outcome| outcome.seen - outcome.forced)
        .sum::<usize>()
        + coverage
            .injected
            .iter()
            .map(|outcome| outcome.seen)
            .sum::<usize>();
    assert_eq!(
        counted,
        operation_answers,
        "each answer to an operation is one outcome of the table: {:#?}",
        coverage
            .outcomes
            .iter()
            .filter(|outcome| outcome.seen > 0)
            .collect::<Vec<_>>()
    );
}

fn agree(recorded: Vec<Exchange>, report: ContractReport) {
    assert_eq!(
        report.exchanges.len(),
        recorded.len(),
        "check judges every exchange"
    );
    for (exchange, checked) in recorded.iter().zip(&report.exchanges) {
        let what = format!(
            "seq {} {} {} → {}",
            exchange.seq, exchange.request.method, exchange.request.path, exchange.response.status
        );
        let outcome = match exchange.verdict {
            Verdict::Ok => Outcome::Ok,
            Verdict::Warning => Outcome::Warning,
            Verdict::Violation => Outcome::Violation,
        };
        let on = |side, findings: &[gately_mock::Finding]| -> Vec<(String, String, String)> {
            findings
                .iter()
                .filter(|finding| finding.side == side)
                .map(|f| (f.pointer.clone(), f.message.clone(), f.keyword.clone()))
                .collect()
        };
        let said = |violations: &[gately_mock::Violation]| -> Vec<(String, String, String)> {
            violations
                .iter()
                .map(|v| (v.pointer.clone(), v.message.clone(), v.keyword.clone()))
                .collect()
        };
        assert_eq!(
            on(Side::Request, &checked.violations),
            said(&exchange.violations),
            "{what}: check's violations"
        );
        assert_eq!(
            on(Side::Request, &checked.warnings),
            said(&exchange.warnings),
            "{what}: check's warnings"
        );
        let response: Vec<_> = on(Side::Response, &checked.violations)
            .into_iter()
            .chain(on(Side::Response, &checked.warnings))
            .collect();
        assert!(
            response.is_empty(),
            "{what}: the mock's answer breaks its contract: {response:?}"
        );
        assert_eq!(checked.outcome, outcome, "{what}: check's verdict");
    }
}

impl Mock {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.uri())
    }

    /// `GET /__admin/requests` with `query` (e.g. `?verdict=violation`), as JSON.
    pub async fn journal(&self, query: &str) -> Value {
        let url = self.url(&format!("/__admin/requests{query}"));
        let response = self.http.get(url).send().await.expect("the mock answers");
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("the journal is JSON")
    }

    /// The text an admin route answers (`/__admin/requests.har`, …).
    pub async fn admin_text(&self, path: &str) -> String {
        let response = self
            .http
            .get(self.url(path))
            .send()
            .await
            .expect("the mock answers");
        response.text().await.expect("a complete body")
    }

    /// The JSON an admin route answers.
    /// `POST /__admin/workspaces` with `body`: the workspace made (201).
    pub async fn make_workspace(&self, body: Value) -> Value {
        let made = self
            .http
            .post(self.url("/__admin/workspaces"))
            .json(&body)
            .send()
            .await
            .expect("the mock answers");
        assert_eq!(made.status(), StatusCode::CREATED);
        made.json().await.expect("a workspace is JSON")
    }

    pub async fn admin_json(&self, path: &str) -> Value {
        serde_json::from_str(&self.admin_text(path).await).expect("admin answers are JSON")
    }

    /// A request with the default key, with `body` as JSON if given, checked as `send` does.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let request = self.request(method, path);
        self.send(match body {
            Some(body) => request.json(&body),
            None => request,
        })
        .await
    }

    /// A request with the default secret key.
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .bearer_auth(SECRET_KEY)
    }

    /// A request with `key` instead of the default key.
    pub fn request_as(&self, key: &str, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, self.url(path)).bearer_auth(key)
    }

    /// GET a contact with the default key.
    pub async fn get_contact(&self, id: &str) -> Answer {
        self.send(self.request(Method::GET, &format!("/api/v1/contacts/{id}")))
            .await
    }

    /// PATCH a contact with the default key and a JSON body.
    pub async fn patch_contact(&self, id: &str, body: Value) -> Answer {
        self.send(
            self.request(Method::PATCH, &format!("/api/v1/contacts/{id}"))
                .json(&body),
        )
        .await
    }

    /// Sends `request` and checks the answer against the mock's own contract (D13): an
    /// error is problem+json valid against schemas/problem.json; a success is a contact
    /// (schemas/contact.json), a page of contacts (the list schema built around it) or a
    /// message (schemas/message.json); a 204 has no body.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let request = request.build().expect("a well-formed request");
        let (method, path) = (request.method().clone(), request.url().path().to_owned());
        let response = self.http.execute(request).await.expect("the mock answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("a complete body");
        let body = self.check_d13(&method, &path, status, &headers, &bytes);
        Answer {
            status,
            headers,
            body,
        }
    }

    /// D13 for one response; returns the parsed body (`Null` when there is none).
    pub fn check_d13(
        &self,
        method: &Method,
        path: &str,
        status: StatusCode,
        headers: &reqwest::header::HeaderMap,
        bytes: &[u8],
    ) -> Value {
        let content_type = headers
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned());
        if status == StatusCode::NO_CONTENT {
            assert!(bytes.is_empty(), "204 with a body");
            return Value::Null;
        }
        let body: Value = serde_json::from_slice(bytes).expect("every body is JSON");
        let schemas = &self.schemas;
        let (schema, expected_type) = if !status.is_success() {
            (&schemas.problem, "application/problem+json")
        } else if path.ends_with("/unsubscribes") {
            match *method {
                Method::GET => (&schemas.unsubscribe_list, "application/json"),
                Method::POST => (&schemas.unsubscribe_record, "application/json"),
                _ => (&schemas.message, "application/json"),
            }
        } else if path == "/api/v1/contacts/bulk-import" {
            (&schemas.bulk_import_result, "application/json")
        } else if path == "/api/v1/contacts/tags" {
            match *method {
                Method::GET => (&schemas.tag_list, "application/json"),
                _ => (&schemas.tag, "application/json"),
            }
        } else if path.starts_with("/api/v1/contacts/tags/") {
            match *method {
                Method::DELETE => (&schemas.message, "application/json"),
                _ => (&schemas.tag, "application/json"),
            }
        } else if let Some(rest) = path
            .split('?')
            .next()
            .and_then(|path| path.strip_prefix("/api/v1/contacts/lists"))
        {
            match (rest.ends_with("/members"), method) {
                (true, &Method::GET) => (&schemas.list_members, "application/json"),
                (true, &Method::POST) => (&schemas.list_member, "application/json"),
                (false, &Method::GET) if rest.is_empty() => (&schemas.lists, "application/json"),
                (_, &Method::DELETE) => (&schemas.message, "application/json"),
                _ => (&schemas.list, "application/json"),
            }
        } else if let Some(rest) = path.strip_prefix("/api/v1/contacts/segments") {
            match *method {
                Method::GET if rest.is_empty() => (&schemas.segments, "application/json"),
                Method::DELETE => (&schemas.message, "application/json"),
                _ => (&schemas.segment, "application/json"),
            }
        } else if path.ends_with("/custom-fields") {
            (&schemas.custom_fields, "application/json")
        } else if path == "/api/v1/contacts" && *method == Method::GET {
            (&schemas.contact_list, "application/json")
        } else if *method == Method::DELETE {
            (&schemas.message, "application/json")
        } else {
            (&schemas.contact, "application/json")
        };
        assert_eq!(
            content_type.as_deref(),
            Some(expected_type),
            "{status} {body}"
        );
        let violations = schema.violations(&body);
        assert!(
            violations.is_empty(),
            "D13: the mock sent {status} {body} breaking its own schema: {violations:?}"
        );
        if !status.is_success() {
            assert_eq!(
                body["status"],
                status.as_u16(),
                "problem status matches the HTTP status"
            );
        }
        body
    }
}

/// A raw HTTP/1.1 exchange, for requests a well-behaved client cannot send. Returns the
/// status and the body, after checking D13.
pub async fn raw(mock: &Mock, request: &[u8]) -> (StatusCode, Value) {
    let mut stream = TcpStream::connect(mock.server.address())
        .await
        .expect("connect");
    stream.write_all(request).await.expect("send");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("read");
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let mut headers = reqwest::header::HeaderMap::new();
    for line in lines {
        let (name, value) = line.split_once(':').unwrap();
        headers.append(
            reqwest::header::HeaderName::from_bytes(name.trim().as_bytes()).unwrap(),
            value.trim().parse().unwrap(),
        );
    }
    let status = StatusCode::from_u16(status).unwrap();
    let request_line =
        String::from_utf8_lossy(request.split(|b| *b == b'\r').next().unwrap_or_default())
            .into_owned();
    let mut words = request_line.split(' ');
    let method = Method::from_bytes(words.next().unwrap_or("GET").as_bytes()).unwrap();
    let path = words.next().unwrap_or("/").to_owned();
    let body = mock.check_d13(&method, &path, status, &headers, &response[split + 4..]);
    (status, body)
}

/// Every snapshot lands in the top-level `snapshots/`.
pub fn snapshot_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"));
    settings.set_prepend_module_to_snapshot(true);
    settings
}

/// Snapshots a JSON value under `name` in `snapshots/`.
#[macro_export]
macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        common::snapshot_settings().bind(|| insta::assert_json_snapshot!($name, $value));
    };
}

/// Snapshots a text under `name` in `snapshots/`.
#[macro_export]
macro_rules! snapshot_text {
    ($name:expr, $value:expr) => {
        common::snapshot_settings().bind(|| insta::assert_snapshot!($name, $value));
    };
}

/// A temporary directory of this test binary, removed when dropped.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!("gately-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
