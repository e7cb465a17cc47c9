//! Proxy mode end to end (D31): a second gately-mock behind the proxy (no violations), a
//! small fake upstream that answers drifted bodies (each violation named by its pointer),
//! the same fake over HTTPS with a self-signed certificate, and upstreams that refuse
//! connections or never answer (502/504 within the timeout). Every proxy's journal is
//! checked against `check` of the same exchanges, and its HAR against the binary's `check`.

mod common;

use std::time::{Duration, Instant};

use gately_mock::{ContractReport, Exchange, MockServer, Origin, Side, Verdict};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::net::TcpListener;

use common::TempDir;
use common::upstream::{drifted, fake_upstream, self_signed};

const BIN: &str = env!("CARGO_BIN_EXE_gately-mock");
const JANE: &str = "a1b2c3d4-e5f6-4789-abcd-ef1234567890";
const KEY: &str = "gately_sk_test_9f8e7d6c5b4a39281706f5e4d3c2b1a0";

/// A proxy in front of `upstream`, with the frozen clock of the suite's mocks.
async fn proxy(
    upstream: &str,
    options: impl FnOnce(gately_mock::MockServerBuilder) -> gately_mock::MockServerBuilder,
) -> MockServer {
    options(
        MockServer::builder()
            .frozen_time("2025-06-15T14:30:00.000Z")
            .upstream(upstream),
    )
    .try_start()
    .await
    .expect("the proxy starts")
}

/// `method path` through `base` with the seed's key, and a JSON body if given.
async fn call(base: &str, method: Method, path: &str, body: Option<Value>) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .request(method, format!("{base}{path}"))
        .bearer_auth(KEY);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.expect("the proxy answers")
}

/// The journal's findings of `exchange`, as (pointer, keyword) pairs.
fn findings(violations: &[gately_mock::Violation]) -> Vec<(&str, &str)> {
    violations
        .iter()
        .map(|v| (v.pointer.as_str(), v.keyword.as_str()))
        .collect()
}

/// Panics unless `check` of the journal judges each exchange as the proxy did: a request's
/// findings by their pointer, a response's under `/response/body` (`/response/status` for
/// the status itself).
fn assert_agreement(recorded: &[Exchange], report: &ContractReport) {
    assert_eq!(
        report.exchanges.len(),
        recorded.len(),
        "check judges every exchange"
    );
    let journal = |finding: &gately_mock::Finding| match finding.side {
        Side::Request => finding.pointer.clone(),
        Side::Response if finding.pointer.is_empty() && finding.keyword == "status" => {
            "/response/status".to_owned()
        }
        Side::Response => format!("/response/body{}", finding.pointer),
    };
    for (exchange, checked) in recorded.iter().zip(&report.exchanges) {
        let what = format!(
            "seq {} {} {}",
            exchange.seq, exchange.request.method, exchange.request.path
        );
        let mine: Vec<_> = checked.violations.iter().map(journal).collect();
        let theirs: Vec<_> = exchange
            .violations
            .iter()
            .map(|v| v.pointer.clone())
            .collect();
        assert_eq!(mine, theirs, "{what}: violations");
        let mine: Vec<_> = checked.warnings.iter().map(journal).collect();
        let theirs: Vec<_> = exchange
            .warnings
            .iter()
            .map(|v| v.pointer.clone())
            .collect();
        assert_eq!(mine, theirs, "{what}: warnings");
        let contract = if exchange.origin == Origin::Upstream {
            "documented"
        } else {
            "mock"
        };
        assert_eq!(checked.contract, contract, "{what}: contract");
    }
}

#[tokio::test]
async fn a_mock_behind_the_proxy_is_forwarded_to_judged_and_recorded_without_violations() {
    let upstream = common::start().await;
    let proxy = proxy(&upstream.server.uri(), |options| options).await;
    let base = proxy.uri();

    let listed = call(&base, Method::GET, "/api/v1/contacts?limit=2", None).await;
    assert_eq!(listed.status(), 200);
    assert_eq!(listed.headers()["x-gately-mock-verdict"], "warning");
    let patched = call(
        &base,
        Method::PATCH,
        &format!("/api/v1/contacts/{JANE}"),
        Some(json!({"status": "inactive"})),
    )
    .await;
    assert_eq!(patched.status(), 200);
    // The upstream keeps the change: the proxy holds no state of its own.
    let read: Value = call(
        &base,
        Method::GET,
        &format!("/api/v1/contacts/{JANE}"),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(read["status"], "inactive");
    let created = call(
        &base,
        Method::POST,
        "/api/v1/contacts",
        Some(json!({"name": "Proxy Person", "email": "proxy@example.com"})),
    )
    .await;
    assert_eq!(created.status(), 201);
    // A request that breaks the contract is refused by the proxy and never reaches the
    // upstream.
    let refused = call(
        &base,
        Method::PATCH,
        &format!("/api/v1/contacts/{JANE}"),
        Some(json!({"statsu": "x"})),
    )
    .await;
    assert_eq!(refused.status(), 422);
    assert_eq!(refused.headers()["x-gately-mock-verdict"], "violation");
    // A browser's preflight is the proxy's to answer.
    let preflight = reqwest::Client::new()
        .request(Method::OPTIONS, format!("{base}/api/v1/contacts/{JANE}"))
        .header("origin", "http://localhost:3000")
        .header("access-control-request-method", "PATCH")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 204);

    let recorded = proxy.requests();
    let origins: Vec<_> = recorded
        .iter()
        .map(|e| (e.response.status, e.origin))
        .collect();
    assert_eq!(
        origins,
        [
            (200, Origin::Upstream),
            (200, Origin::Upstream),
            (200, Origin::Upstream),
            (201, Origin::Upstream),
            (422, Origin::Mock),
            (204, Origin::Mock),
        ]
    );
    assert_eq!(
        upstream.server.requests().len(),
        4,
        "the upstream saw the four forwarded requests"
    );
    for exchange in recorded
        .iter()
        .filter(|exchange| exchange.response.status != 422)
    {
        assert!(
            exchange.violations.is_empty(),
            "seq {}: {:?}",
            exchange.seq,
            exchange.violations
        );
    }
    // The key went through (the upstream took it), but is masked in what the proxy recorded.
    for exchange in &recorded[..4] {
        assert_eq!(
            exchange.request.headers["authorization"], "Bearer gately_sk_test_…",
            "seq {}",
            exchange.seq
        );
    }
    // The upstream mock's own seq and verdict are not recorded as its answer's headers.
    for exchange in &recorded[..4] {
        assert!(!exchange.response.headers.contains_key("x-gately-mock-seq"));
        assert!(
            !exchange
                .response
                .headers
                .contains_key("x-gately-mock-verdict")
        );
    }
    let health: Value = reqwest::get(format!("{base}/__admin/health"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["upstream"], upstream.server.uri());
    // The inspector page and its stream show the proxied exchanges as any others.
    let page = reqwest::get(format!("{base}/__admin")).await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let mut stream = reqwest::get(format!("{base}/__admin/requests/stream?verdict=warning"))
        .await
        .unwrap();
    let first = tokio::time::timeout(Duration::from_secs(10), stream.chunk())
        .await
        .expect("an event")
        .unwrap()
        .unwrap();
    let first = String::from_utf8_lossy(&first);
    assert!(first.contains(r#""origin":"upstream""#), "{first}");
    // The documented contract (D25): the mock's own nulls are warnings there.
    assert!(
        findings(&recorded[0].warnings).contains(&("/response/body/contacts/0/mobile", "type"))
    );
    assert_agreement(&recorded, &proxy.contract_report());
    assert_eq!(recorded[4].verdict, Verdict::Violation);
}

#[tokio::test]
async fn with_forward_invalid_a_broken_request_reaches_the_upstream_and_keeps_its_verdict() {
    let upstream = common::start().await;
    let proxy = proxy(&upstream.server.uri(), |options| options.forward_invalid()).await;
    let answer = call(
        &proxy.uri(),
        Method::PATCH,
        &format!("/api/v1/contacts/{JANE}"),
        Some(json!({"statsu": "x"})),
    )
    .await;
    assert_eq!(answer.status(), 422);
    assert_eq!(answer.headers()["x-gately-mock-verdict"], "violation");
    let recorded = proxy.requests();
    assert_eq!(recorded[0].origin, Origin::Upstream);
    assert_eq!(
        findings(&recorded[0].violations),
        [("/statsu", "additionalProperties")]
    );
    assert_eq!(upstream.server.requests().len(), 1);
    assert_agreement(&recorded, &proxy.contract_report());
}

/// Reads a drifted contact and PATCHes one through `proxy`, and checks what was found.
async fn assert_drift_is_named(proxy: &MockServer) {
    let read = call(
        &proxy.uri(),
        Method::GET,
        &format!("/api/v1/contacts/{JANE}"),
        None,
    )
    .await;
    assert_eq!(read.status(), 200);
    assert_eq!(read.headers()["x-gately-mock-verdict"], "violation");
    let patched = call(
        &proxy.uri(),
        Method::PATCH,
        &format!("/api/v1/contacts/{JANE}"),
        Some(json!({"status": "inactive"})),
    )
    .await;
    assert_eq!(patched.status(), 400, "the upstream's answer, as it came");
    let recorded = proxy.requests();
    assert_eq!(
        findings(&recorded[0].violations),
        [
            ("/response/body/status", "enum"),
            ("/response/body/tags/0", "type")
        ]
    );
    // 400 is in the docs' list: a status the mock would not send here is no violation of
    // the documented contract (drift is `replay`'s to report).
    assert_eq!(
        recorded[1].verdict,
        Verdict::Ok,
        "{:?}",
        recorded[1].violations
    );
    assert_agreement(&recorded, &proxy.contract_report());
}

#[tokio::test]
async fn a_drifted_upstream_answer_is_a_violation_naming_each_field() {
    let upstream = fake_upstream(drifted, None).await;
    let proxy = proxy(&upstream, |options| options).await;
    assert_drift_is_named(&proxy).await;
}

#[tokio::test]
async fn an_https_upstream_is_reached_with_its_ca_and_refused_without_it() {
    let dir = TempDir::new("proxy-tls");
    let (acceptor, pem) = self_signed(&dir);
    let upstream = fake_upstream(drifted, Some(acceptor)).await;

    let trusting = proxy(&upstream, |options| options.upstream_ca(&pem)).await;
    assert_drift_is_named(&trusting).await;

    let untrusting = proxy(&upstream, |options| options).await;
    let answer = call(
        &untrusting.uri(),
        Method::GET,
        &format!("/api/v1/contacts/{JANE}"),
        None,
    )
    .await;
    assert_eq!(answer.status(), 502);
    let problem: Value = answer.json().await.unwrap();
    assert_eq!(problem["code"], "upstream_unreachable");
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("certificate"), "{detail}");
}

#[tokio::test]
async fn an_upstream_that_refuses_connections_is_a_502_and_one_that_never_answers_a_504() {
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let refusing = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_url = format!("http://{}", silent.local_addr().unwrap());
    // Accepts, then holds every connection without a word.
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            held.push(stream);
        }
    });

    for (upstream, status, code) in [
        (refusing, 502, "upstream_unreachable"),
        (silent_url, 504, "upstream_timeout"),
    ] {
        let proxy = proxy(&upstream, |options| {
            options.upstream_timeout(Duration::from_millis(300))
        })
        .await;
        let started = Instant::now();
        let answer = call(&proxy.uri(), Method::GET, "/api/v1/contacts", None).await;
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{code} took {:?}",
            started.elapsed()
        );
        assert_eq!(answer.status(), status);
        let problem: Value = answer.json().await.unwrap();
        assert_eq!(problem["code"], code);
        let recorded = proxy.requests();
        assert_eq!(
            (recorded[0].origin, recorded[0].verdict),
            (Origin::Mock, Verdict::Ok)
        );
        assert_agreement(&recorded, &proxy.contract_report());
    }
}

#[tokio::test]
async fn the_proxys_har_is_checked_by_the_documented_contract() {
    let upstream = fake_upstream(drifted, None).await;
    let proxy = proxy(&upstream, |options| options).await;
    call(
        &proxy.uri(),
        Method::GET,
        &format!("/api/v1/contacts/{JANE}"),
        None,
    )
    .await;
    let har = reqwest::get(format!("{}/__admin/requests.har", proxy.uri()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let dir = TempDir::new("proxy-har");
    let file = dir.0.join("proxy.har");
    std::fs::write(&file, har).unwrap();
    let output = std::process::Command::new(BIN)
        .args(["check", "--format", "json"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let exchange = &report["exchanges"][0];
    assert_eq!(exchange["contract"], "documented");
    let pointers: Vec<_> = exchange["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(pointers, ["/status", "/tags/0"]);
}

#[tokio::test]
async fn the_browser_gets_the_mocks_cors_and_the_upstream_an_uncompressed_request() {
    let upstream = fake_upstream(drifted, None).await;
    let proxy = proxy(&upstream, |options| options).await;

    let answer = reqwest::Client::new()
        .get(format!("{}/api/v1/contacts/{JANE}", proxy.uri()))
        .bearer_auth(KEY)
        .header("origin", "http://localhost:3000")
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .unwrap();

    assert_eq!(answer.status(), 200);
    let headers = answer.headers();
    let allowed: Vec<_> = headers
        .get_all("access-control-allow-origin")
        .iter()
        .collect();
    assert_eq!(
        allowed,
        ["http://localhost:3000"],
        "the mock's CORS (D14) only"
    );
    let vary: Vec<_> = headers.get_all("vary").iter().collect();
    assert_eq!(vary, ["Origin"], "one Vary: Origin, the mock's");
    assert_eq!(headers["x-saw-accept-encoding"], "none");
    assert_eq!(headers["x-gately-mock-verdict"], "violation");
    let recorded = proxy.requests();
    assert_eq!(
        recorded[0]
            .response
            .headers
            .get("access-control-allow-origin")
            .map(String::as_str),
        Some("http://localhost:3000")
    );
}
