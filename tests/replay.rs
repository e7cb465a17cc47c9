//! `gately-mock replay` end to end (D31): a mock's recorded traffic re-sent to a fresh mock
//! (no drift, created ids mapped), to a small fake that answers drifted bodies (each drift
//! and each violation named by pointer and decision), to it over HTTPS with a self-signed
//! certificate, and exit 2 for input it cannot read or an API it cannot reach.

mod common;

use std::path::Path;
use std::process::Output;

use gately_mock::MockServer;
use reqwest::Method;
use serde_json::{Value, json};

use common::TempDir;
use common::upstream::{drifted, fake_upstream, self_signed};

const BIN: &str = env!("CARGO_BIN_EXE_gately-mock");
const JANE: &str = "a1b2c3d4-e5f6-4789-abcd-ef1234567890";
const KEY: &str = "gately_sk_test_9f8e7d6c5b4a39281706f5e4d3c2b1a0";

async fn call(base: &str, method: Method, path: &str, body: Option<Value>) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .request(method, format!("{base}{path}"))
        .bearer_auth(KEY);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

/// Runs `gately-mock replay` with `args` (the runtime keeps serving the tests' mocks).
async fn replay(args: &[&str]) -> Output {
    tokio::process::Command::new(BIN)
        .arg("replay")
        .args(args)
        .output()
        .await
        .unwrap()
}

/// Replays `file` against `live` with the suite's key and `extra` arguments.
async fn against(file: &Path, live: &str, extra: &[&str]) -> Output {
    let mut args = vec![file.to_str().unwrap(), "--against", live, "--key", KEY];
    args.extend_from_slice(extra);
    replay(&args).await
}

/// The JSON report of a replay that exited with `code`.
fn report(output: &Output, code: i32) -> Value {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// A session recorded in `file`: a create and a PATCH and GET of the new contact, a refused
/// PATCH, an unknown contact, a request without a key, a forced answer, a preflight.
/// Returns the id the recording mock gave the new contact.
async fn record_session(file: &Path) -> String {
    let mock = MockServer::builder().record(file).start().await;
    let base = mock.uri();
    let created: Value = call(
        &base,
        Method::POST,
        "/api/v1/contacts",
        Some(json!({"name": "Replay Person", "email": "replay@example.com"})),
    )
    .await
    .json()
    .await
    .unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    let new = format!("/api/v1/contacts/{id}");
    let patched = call(
        &base,
        Method::PATCH,
        &new,
        Some(json!({"status": "active", "tags": ["VIP"]})),
    )
    .await;
    assert_eq!(patched.status(), 200);
    call(&base, Method::GET, &new, None).await;
    // A second create, then the first contact again: with the live ids one create ahead,
    // the first recorded id is the live id of the second create, and must not be mapped twice.
    call(
        &base,
        Method::POST,
        "/api/v1/contacts",
        Some(json!({"name": "Second Person", "email": "second@example.com"})),
    )
    .await;
    call(&base, Method::PATCH, &new, Some(json!({"notes": "again"}))).await;
    let jane = format!("/api/v1/contacts/{JANE}");
    let refused = call(&base, Method::PATCH, &jane, Some(json!({"statsu": "x"}))).await;
    assert_eq!(refused.status(), 422);
    let unknown = "/api/v1/contacts/00000000-0000-4000-8000-000000000000";
    assert_eq!(call(&base, Method::GET, unknown, None).await.status(), 404);
    let client = reqwest::Client::new();
    let keyless = client.get(format!("{base}{jane}")).send().await.unwrap();
    assert_eq!(keyless.status(), 401);
    let mistyped = client
        .get(format!("{base}{jane}"))
        .bearer_auth("gately_sk_test_mistyped")
        .send()
        .await
        .unwrap();
    assert_eq!(mistyped.status(), 401);
    let forced = client
        .get(format!("{base}{jane}"))
        .bearer_auth(KEY)
        .header("prefer", "code=404")
        .send()
        .await
        .unwrap();
    assert_eq!(forced.status(), 404);
    let preflight = client
        .request(Method::OPTIONS, format!("{base}{jane}"))
        .header("origin", "http://localhost:3000")
        .header("access-control-request-method", "PATCH")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 204);
    id
}

/// A fresh mock that has already made a contact with `email`.
async fn live_after_a_create(email: &str) -> MockServer {
    let live = MockServer::start().await;
    let created = call(
        &live.uri(),
        Method::POST,
        "/api/v1/contacts",
        Some(json!({"name": "Made Live", "email": email})),
    )
    .await;
    assert_eq!(created.status(), 201);
    live
}

#[tokio::test]
async fn a_mocks_traffic_replayed_against_a_fresh_mock_has_no_drift_and_targets_created_ids() {
    let dir = TempDir::new("replay-clean");
    let file = dir.0.join("traffic.jsonl");
    let recorded_id = record_session(&file).await;
    // One create first, so that the live mock's next id is not the recording's.
    let live = live_after_a_create("else@example.com").await;

    let output = against(&file, &live.uri(), &["--format", "json"]).await;

    let report = report(&output, 0);
    assert_eq!(
        report["summary"]["exchanges"], 10,
        "the forced answer is not replayed"
    );
    assert_eq!(report["summary"]["with_violations"], 0, "{report:#}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("1 exchange not replayed: answer forced by Prefer"),
        "{stderr}"
    );
    let seen: Vec<_> = live
        .requests()
        .into_iter()
        .skip(1)
        .map(|exchange| {
            (
                exchange.request.method,
                exchange.request.path,
                exchange.response.status,
            )
        })
        .collect();
    let created = live.requests()[1].response.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(created, recorded_id);
    let new = format!("/api/v1/contacts/{created}");
    let jane = format!("/api/v1/contacts/{JANE}");
    assert_eq!(
        seen,
        [
            ("POST".to_owned(), "/api/v1/contacts".to_owned(), 201),
            ("PATCH".to_owned(), new.clone(), 200),
            ("GET".to_owned(), new.clone(), 200),
            ("POST".to_owned(), "/api/v1/contacts".to_owned(), 201),
            ("PATCH".to_owned(), new, 200),
            ("PATCH".to_owned(), jane.clone(), 422),
            (
                "GET".to_owned(),
                "/api/v1/contacts/00000000-0000-4000-8000-000000000000".to_owned(),
                404
            ),
            ("GET".to_owned(), jane.clone(), 401),
            ("GET".to_owned(), jane.clone(), 401),
            ("OPTIONS".to_owned(), jane, 204),
        ],
        "every request in order, the created contact's id mapped"
    );
    // A request refused for its key goes with the mask, never a key.
    let refused_for_key = &live.requests()[9];
    assert_eq!(refused_for_key.response.status, 401);
    assert_eq!(
        refused_for_key.request.headers["authorization"],
        "Bearer gately_sk_test_…"
    );
    // The report names exchanges as the recording does, whatever ids the live API gave.
    assert_eq!(
        report["exchanges"][1]["path"],
        format!("/api/v1/contacts/{recorded_id}")
    );
}

/// The findings of the exchange `at` in a JSON report: (pointer, keyword, decision).
fn findings(report: &Value, at: usize) -> Vec<(String, String, Value)> {
    report["exchanges"][at]["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["pointer"].as_str().unwrap().to_owned(),
                v["keyword"].as_str().unwrap().to_owned(),
                v.get("decision").cloned().unwrap_or(Value::Null),
            )
        })
        .collect()
}

/// A GET of Jane and a refused PATCH, recorded by a mock in `file`, and in its HAR export
/// beside it (`traffic.har`).
async fn record_drift_session(file: &Path) {
    let mock = MockServer::builder().record(file).start().await;
    let jane = format!("/api/v1/contacts/{JANE}");
    call(&mock.uri(), Method::GET, &jane, None).await;
    call(
        &mock.uri(),
        Method::PATCH,
        &jane,
        Some(json!({"statsu": "x"})),
    )
    .await;
    let har = reqwest::get(format!("{}/__admin/requests.har", mock.uri()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    std::fs::write(file.with_extension("har"), har).unwrap();
}

/// The drift `fake_upstream(drifted)` shows against [`record_drift_session`].
fn assert_drift_named(report: &Value) {
    assert_eq!(report["summary"]["with_violations"], 2, "{report:#}");
    let read = findings(report, 0);
    for expected in [
        ("/tags/0", "drift-type", json!("D12")),
        ("/updated_at", "drift-missing", json!("D12")),
        ("/project_id", "drift-missing", json!("D12")),
        ("/status", "enum", Value::Null),
    ] {
        assert!(
            read.iter()
                .any(|(p, k, d)| (p.as_str(), k.as_str(), d)
                    == (expected.0, expected.1, &expected.2)),
            "{expected:?} in {read:#?}"
        );
    }
    assert_eq!(
        findings(report, 1),
        [("".to_owned(), "drift-status".to_owned(), json!("D2"))],
        "422 recorded, 400 live"
    );
    assert_eq!(
        report["exchanges"][1]["violations"][0]["message"],
        "the status was 422 when recorded, 400 live"
    );
}

#[tokio::test]
async fn a_drifted_api_is_reported_by_pointer_and_decision_in_json_and_junit() {
    let dir = TempDir::new("replay-drift");
    let file = dir.0.join("traffic.jsonl");
    record_drift_session(&file).await;
    let live = fake_upstream(drifted, None).await;

    let json = against(&file, &live, &["--format", "json"]).await;
    assert_drift_named(&report(&json, 1));
    let har = file.with_extension("har");
    let from_har = against(&har, &live, &["--format", "json"]).await;
    assert_drift_named(&report(&from_har, 1));

    let junit = against(&file, &live, &["--format", "junit"]).await;
    assert_eq!(junit.status.code(), Some(1));
    let xml = String::from_utf8(junit.stdout).unwrap();
    assert!(
        xml.contains(r#"<testsuites name="gately-mock replay" tests="2" failures="2""#),
        "{xml}"
    );
    assert!(
        xml.contains("response (whole): the status was 422 when recorded, 400 live [drift-status; contradicts D2]"),
        "{xml}"
    );
    let human = against(&file, &live, &[]).await;
    let text = String::from_utf8(human.stdout).unwrap();
    assert!(
        text.contains(
            "response /tags/0: an object when recorded, a string live [drift-type; contradicts D12]"
        ),
        "{text}"
    );
    assert!(
        !text.contains(&KEY[15..]) && !xml.contains(&KEY[15..]),
        "the key is never written"
    );
}

#[tokio::test]
async fn an_https_api_is_replayed_with_its_ca_and_refused_without_it() {
    let dir = TempDir::new("replay-tls");
    let file = dir.0.join("traffic.jsonl");
    record_drift_session(&file).await;
    let (acceptor, ca) = self_signed(&dir);
    let live = fake_upstream(drifted, Some(acceptor)).await;

    let trusted = against(
        &file,
        &live,
        &["--ca", ca.to_str().unwrap(), "--format", "json"],
    )
    .await;
    assert_drift_named(&report(&trusted, 1));

    let untrusted = against(&file, &live, &[]).await;
    assert_eq!(untrusted.status.code(), Some(2));
    let stderr = String::from_utf8(untrusted.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "gately-mock: {} seq 1: {live} could not be reached: ",
            file.display()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("certificate"), "{stderr}");
}

#[tokio::test]
async fn unreadable_input_an_unreachable_api_and_a_bad_url_exit_2_with_one_line() {
    let dir = TempDir::new("replay-fail");
    let file = dir.0.join("traffic.jsonl");
    record_drift_session(&file).await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let refusing = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    // Accepts connections and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("http://{}", silent.local_addr().unwrap());
    let missing = dir.0.join("missing.jsonl");
    // A report written over a capture would lose it: refused, the capture kept.
    let before = std::fs::read(&file).unwrap();
    let over = against(
        &file,
        "http://127.0.0.1:1",
        &["--output", file.to_str().unwrap()],
    )
    .await;
    assert_eq!(over.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&over.stderr).contains("is one of the captures replayed"));
    assert_eq!(std::fs::read(&file).unwrap(), before);
    // A report that cannot be written stops the replay before anything is sent.
    let untouched = MockServer::start().await;
    let unwritable = against(
        &file,
        &untouched.uri(),
        &["--output", "/nonexistent/dir/drift.xml"],
    )
    .await;
    assert_eq!(unwritable.status.code(), Some(2));
    assert!(untouched.requests().is_empty());
    // Nor is anything sent when a capture is broken late, past the first batch the
    // replay reads (256 exchanges) and after exchanges that would be sent.
    let broken = dir.0.join("broken-late.jsonl");
    let mut late = before.repeat(300 / before.iter().filter(|b| **b == b'\n').count() + 1);
    late.extend_from_slice(b"{\"seq\": 99, \"request\"\n");
    std::fs::write(&broken, &late).unwrap();
    let lines = late.iter().filter(|byte| **byte == b'\n').count() - 1;
    let refused = against(&broken, &untouched.uri(), &[]).await;
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8(refused.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!("gately-mock: {}", broken.display()))
            && stderr.contains(&format!("line {}:", lines + 1)),
        "{stderr}"
    );
    assert!(untouched.requests().is_empty(), "nothing sent");
    // Nor when a later capture is missing.
    let gone = replay(&[
        file.to_str().unwrap(),
        missing.to_str().unwrap(),
        "--against",
        &untouched.uri(),
        "--key",
        KEY,
    ])
    .await;
    assert_eq!(gone.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&gone.stderr).contains("cannot be read"));
    assert!(
        untouched.requests().is_empty(),
        "nothing sent before the missing file"
    );
    let stopped_report = dir.0.join("stopped.xml");
    let stopped = against(
        &file,
        &refusing,
        &[
            "--format",
            "junit",
            "--output",
            stopped_report.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(stopped.status.code(), Some(2));
    let xml = std::fs::read_to_string(&stopped_report).expect("the report of what was replayed");
    assert!(
        xml.contains(r#"<testsuites name="gately-mock replay" tests="0""#),
        "{xml}"
    );
    for (args, starts) in [
        (
            vec![
                missing.to_str().unwrap(),
                "--against",
                "http://127.0.0.1:1",
                "--key",
                KEY,
            ],
            format!("gately-mock: {}: cannot be read", missing.display()),
        ),
        (
            vec![file.to_str().unwrap(), "--against", &refusing, "--key", KEY],
            format!(
                "gately-mock: {} seq 1: {refusing} could not be reached: ",
                file.display()
            ),
        ),
        (
            vec![
                file.to_str().unwrap(),
                "--against",
                &silent_url,
                "--key",
                KEY,
                "--timeout",
                "0.5",
            ],
            format!(
                "gately-mock: {} seq 1: {silent_url} did not answer within 0.5 s (--timeout)",
                file.display()
            ),
        ),
        (
            vec![file.to_str().unwrap(), "--against", "ftp://x", "--key", KEY],
            "gately-mock: --against ftp://x: the scheme is neither http nor https".to_owned(),
        ),
    ] {
        let output = replay(&args).await;
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with(&starts), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"));
    }
}

#[tokio::test]
async fn requests_that_name_a_create_which_failed_live_are_not_sent() {
    let dir = TempDir::new("replay-lost");
    let file = dir.0.join("traffic.jsonl");
    let recorded_id = record_session(&file).await;
    // The live API already has the e-mail: the replayed create is a 409.
    let live = live_after_a_create("replay@example.com").await;

    let output = against(&file, &live.uri(), &["--format", "json"]).await;

    let report = report(&output, 1);
    assert_eq!(
        findings(&report, 0),
        [("".to_owned(), "drift-status".to_owned(), json!("D20"))]
    );
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains(
            "3 exchanges not replayed: names a contact or other resource whose create failed live"
        ),
        "{stderr}"
    );
    assert!(
        live.requests()
            .iter()
            .all(|exchange| !exchange.request.path.contains(&recorded_id)),
        "nothing was sent for the contact the live API never made"
    );
    assert_eq!(report["summary"]["exchanges"], 7, "{report:#}");
}

#[tokio::test]
async fn a_read_only_key_is_replaced_only_by_a_read_only_key() {
    const PUBLIC: &str = "gately_pk_test_5e4d3c2b1a0f9e8d7c6b5a4938271605";
    let dir = TempDir::new("replay-keys");
    let file = dir.0.join("traffic.jsonl");
    {
        let mock = MockServer::builder().record(&file).start().await;
        let refused = reqwest::Client::new()
            .patch(format!("{}/api/v1/contacts/{JANE}", mock.uri()))
            .bearer_auth(PUBLIC)
            .json(&json!({"status": "inactive"}))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 403);
        call(
            &mock.uri(),
            Method::GET,
            &format!("/api/v1/contacts/{JANE}"),
            None,
        )
        .await;
    }
    let live = MockServer::start().await;

    // Without a read-only key the replay is not whole: it fails, and the write is not sent.
    let secret_only = against(&file, &live.uri(), &["--format", "json"]).await;
    assert_eq!(report(&secret_only, 1)["summary"]["exchanges"], 1);
    let stderr = String::from_utf8_lossy(&secret_only.stderr).into_owned();
    assert!(
        stderr.contains("1 exchange not replayed: made with a key no --key may stand in for"),
        "{stderr}"
    );
    let sent: Vec<_> = live
        .requests()
        .into_iter()
        .map(|e| e.request.method)
        .collect();
    assert_eq!(
        sent,
        ["GET"],
        "the write never reached the live API with a read-write key"
    );
    // A key of neither kind replays nothing: exit 2.
    let garbage = replay(&[
        file.to_str().unwrap(),
        "--against",
        &live.uri(),
        "--key",
        "garbage",
    ])
    .await;
    assert_eq!(garbage.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&garbage.stderr).into_owned();
    assert!(
        stderr.contains("gately-mock: no exchange was replayed"),
        "{stderr}"
    );

    let both = against(&file, &live.uri(), &["--key", PUBLIC, "--format", "json"]).await;
    let report = report(&both, 0);
    assert_eq!(report["exchanges"][0]["status"], 403);
    let jane: Value = call(
        &live.uri(),
        Method::GET,
        &format!("/api/v1/contacts/{JANE}"),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_ne!(jane["status"], "inactive");
}
