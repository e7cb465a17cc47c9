//! Injected faults (D30): a fault plan's rate limits, errors, latencies, resets, hangs and
//! dribbled answers, `Prefer: fault=` and `latency=`, and the judging of how a client copes
//! (a retry before `Retry-After`, a create repeated after a failure). Every test's traffic
//! is also checked by `check` when its server goes (`common::Mock`), which must agree.

mod common;

use std::time::{Duration, Instant};

use common::{JANE, Mock, SECRET_KEY, TempDir, start_with};
use gately_mock::MockServer;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_gately-mock");

/// A mock (frozen clock) whose fault plan is `plan`.
async fn with_plan(name: &str, plan: Value) -> (Mock, TempDir) {
    let dir = TempDir::new(name);
    let file = dir.0.join("faults.json");
    std::fs::write(&file, plan.to_string()).unwrap();
    (start_with(|options| options.faults(file)).await, dir)
}

/// Moves the mock's clock on by `ms`.
async fn advance(mock: &Mock, ms: u64) {
    let response = mock
        .http
        .post(mock.url("/__admin/clock"))
        .json(&json!({ "advance_ms": ms }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

/// The journal's exchanges.
async fn exchanges(mock: &Mock) -> Vec<Value> {
    mock.journal("").await["requests"]
        .as_array()
        .unwrap()
        .clone()
}

fn keywords(exchange: &Value) -> Vec<&str> {
    ["violations", "warnings"]
        .iter()
        .flat_map(|list| exchange[list].as_array().unwrap())
        .map(|finding| finding["keyword"].as_str().unwrap())
        .collect()
}

const JANE_PATH: &str = "/api/v1/contacts/a1b2c3d4-e5f6-4789-abcd-ef1234567890";

#[tokio::test]
async fn a_rate_limit_lets_the_configured_rate_through_and_says_when_to_come_back() {
    let (mock, _dir) = with_plan(
        "faults-rate",
        json!({"rules": [{"fault": "rate_limit", "limit": 20, "window_ms": 1000, "method": "GET"}]}),
    )
    .await;
    // 40 requests a second for 5 s of the mock's clock: the bucket's 20, then 20 a second.
    let mut passed = 0;
    let mut limited = None;
    for _ in 0..200 {
        let answer = mock.get_contact(JANE).await;
        match answer.status {
            StatusCode::OK => passed += 1,
            StatusCode::TOO_MANY_REQUESTS => limited = Some(answer),
            other => panic!("{other}"),
        }
        advance(&mock, 25).await;
    }
    assert!((114..=126).contains(&passed), "{passed} of 200 (120 ± 5 %)");
    let limited = limited.unwrap();
    assert_eq!(limited.body["code"], "rate_limited");
    let header = |name: &str| limited.headers[name].to_str().unwrap().to_owned();
    assert_eq!(header("retry-after"), "1");
    assert_eq!(header("x-ratelimit-limit"), "20");
    assert_eq!(header("x-ratelimit-remaining"), "0");
    assert!(header("x-ratelimit-reset").parse::<u64>().unwrap() >= 1);
    // An answer that passed says what is left, and a page's script may read it.
    let ok = mock
        .send(
            mock.request(Method::GET, JANE_PATH)
                .header("origin", "http://localhost:3000"),
        )
        .await;
    assert!(ok.headers.contains_key("x-ratelimit-remaining"));
    let exposed = ok.headers["access-control-expose-headers"]
        .to_str()
        .unwrap();
    for name in [
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
        "Retry-After",
    ] {
        assert!(exposed.contains(name), "{name} in {exposed}");
    }
    // A write is another operation: the rule is for GET.
    let patched = mock
        .patch_contact(JANE, json!({"notes": "still writable"}))
        .await;
    assert_eq!(patched.status, StatusCode::OK);
    assert!(!patched.headers.contains_key("x-ratelimit-limit"));
}

#[tokio::test]
async fn a_retry_before_retry_after_is_a_violation_and_a_patient_one_is_not() {
    let (mock, _dir) = with_plan(
        "faults-retry",
        json!({"rules": [{"fault": "rate_limit", "limit": 1, "window_ms": 2000}]}),
    )
    .await;
    assert_eq!(mock.get_contact(JANE).await.status, StatusCode::OK);
    let limited = mock.get_contact(JANE).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.headers["retry-after"], "2");
    assert_eq!(limited.headers["x-gately-mock-verdict"], "ok");
    advance(&mock, 1000).await;
    let early = mock.get_contact(JANE).await;
    assert_eq!(early.headers["x-gately-mock-verdict"], "violation");
    advance(&mock, 2000).await;
    let patient = mock.get_contact(JANE).await;
    assert_eq!(patient.status, StatusCode::OK);
    assert_eq!(patient.headers["x-gately-mock-verdict"], "ok");

    let recorded = exchanges(&mock).await;
    let early = &recorded[2];
    assert_eq!(keywords(early), ["retry_after"]);
    assert_eq!(early["violations"][0]["pointer"], "/headers");
    let message = early["violations"][0]["message"].as_str().unwrap();
    assert!(message.contains("1.0 s too early"), "{message}");
    assert!(message.contains("exchange 2"), "{message}");
    assert_eq!(recorded[1]["faults"][0]["kind"], "rate_limit");
    assert_eq!(recorded[1]["forced"], true);
    assert!(recorded[3].get("faults").is_none(), "{}", recorded[3]);
    assert!(keywords(&recorded[3]).is_empty());
}

#[tokio::test]
async fn an_injected_error_answers_its_status_and_changes_nothing() {
    let (mock, _dir) = with_plan(
        "faults-error",
        json!({"rules": [{"name": "flaky writes", "fault": "error", "status": 503, "retry_after_s": 3,
                          "method": "PATCH", "route": "/api/v1/contacts/{contactId}"}]}),
    )
    .await;
    let answer = mock
        .patch_contact(JANE, json!({"status": "inactive"}))
        .await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(answer.body["code"], "injected_fault");
    assert!(
        answer.body["detail"]
            .as_str()
            .unwrap()
            .contains("\"flaky writes\"")
    );
    assert_eq!(answer.headers["retry-after"], "3");
    assert_eq!(mock.get_contact(JANE).await.body["status"], "active");
    // A request the contract refuses is refused: a fault never hides a client's mistake.
    let invalid = mock.patch_contact(JANE, json!({"status": "gone"})).await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);

    let recorded = exchanges(&mock).await;
    assert_eq!(recorded[0]["response"]["status"], 503);
    assert_eq!(
        recorded[0]["faults"],
        json!([{"kind": "error", "rule": 0, "name": "flaky writes"}])
    );
    assert!(recorded[2].get("faults").is_none());
}

#[tokio::test]
async fn a_create_repeated_after_a_failure_is_a_possible_duplicate() {
    let mock = common::start().await;
    let create = |body: Value, prefer: Option<&'static str>| {
        let request = mock.request(Method::POST, "/api/v1/contacts").json(&body);
        match prefer {
            Some(prefer) => request.header("prefer", prefer),
            None => request,
        }
    };
    let ann = json!({"email": "ann@example.com", "name": "Ann"});
    let sent = mock
        .http
        .execute(create(ann.clone(), Some("fault=reset")).build().unwrap());
    assert!(sent.await.is_err(), "a reset gives no answer");
    let again = mock.send(create(ann.clone(), None)).await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.headers["x-gately-mock-verdict"], "warning");
    // Another body, or the same one after it went through: nothing to say.
    let bob = mock
        .send(create(
            json!({"email": "bob@example.com", "name": "Bob"}),
            None,
        ))
        .await;
    assert_eq!(bob.headers["x-gately-mock-verdict"], "ok");
    let twice = mock.send(create(ann, None)).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert_eq!(twice.headers["x-gately-mock-verdict"], "ok");

    let recorded = exchanges(&mock).await;
    assert_eq!(recorded[0]["response"]["status"], 0);
    assert_eq!(recorded[0]["response"]["body"], Value::Null);
    assert_eq!(
        recorded[0]["faults"],
        json!([{"kind": "reset", "rule": "prefer"}])
    );
    assert_eq!(keywords(&recorded[1]), ["duplicate_create"]);
    let message = recorded[1]["warnings"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("exchange 1, which got no answer"),
        "{message}"
    );
    assert!(keywords(&recorded[2]).is_empty() && keywords(&recorded[3]).is_empty());
}

/// The statuses of 60 GETs of Jane under `plan` (0: no answer).
async fn statuses(mock: &Mock) -> Vec<u16> {
    let mut statuses = Vec::new();
    for _ in 0..60 {
        let request = mock
            .request(Method::GET, JANE_PATH)
            .build()
            .expect("a request");
        statuses.push(match mock.http.execute(request).await {
            Ok(response) => response.status().as_u16(),
            Err(_) => 0,
        });
    }
    statuses
}

#[tokio::test]
async fn a_seeded_plan_gives_the_same_faults_on_two_runs_and_after_a_reset() {
    let plan = json!({"seed": 2025, "rules": [
        {"fault": "error", "status": 500, "probability": 0.2},
        {"fault": "error", "status": 502, "probability": 0.2},
        {"fault": "reset", "probability": 0.1},
        {"fault": "latency", "distribution": "uniform", "min_ms": 0, "max_ms": 3}
    ]});
    let (first, _a) = with_plan("faults-seed-a", plan.clone()).await;
    let (second, _b) = with_plan("faults-seed-b", plan).await;
    let run = statuses(&first).await;
    assert_eq!(run, statuses(&second).await);
    for status in [200, 500, 502, 0] {
        assert!(run.contains(&status), "{status} in {run:?}");
    }
    let reset = first
        .http
        .post(first.url("/__admin/reset"))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), StatusCode::OK);
    assert_eq!(run, statuses(&first).await);
}

#[tokio::test]
async fn latency_and_dribble_slow_the_answer_down_and_it_arrives_whole() {
    let (mock, _dir) = with_plan(
        "faults-slow",
        json!({"rules": [
            {"fault": "dribble", "over_ms": 400, "chunk_bytes": 64, "route": "/api/v1/contacts/tags"},
            {"fault": "latency", "ms": 250, "method": "DELETE"}
        ]}),
    )
    .await;
    let started = Instant::now();
    let tags = mock
        .send(mock.request(Method::GET, "/api/v1/contacts/tags"))
        .await;
    assert!(
        started.elapsed() >= Duration::from_millis(380),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(tags.status, StatusCode::OK);
    assert!(tags.body.as_array().is_some_and(|tags| !tags.is_empty()));

    let started = Instant::now();
    let slow = mock
        .send(
            mock.request(Method::GET, JANE_PATH)
                .header("prefer", "latency=300"),
        )
        .await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(slow.body["id"], JANE);

    let started = Instant::now();
    let deleted = mock
        .send(mock.request(
            Method::DELETE,
            &format!("/api/v1/contacts/{}", common::JOHN),
        ))
        .await;
    assert!(started.elapsed() >= Duration::from_millis(250));
    assert_eq!(deleted.status, StatusCode::OK);
    let recorded = exchanges(&mock).await;
    assert_eq!(
        recorded[2]["faults"],
        json!([{"kind": "latency", "rule": 1, "ms": 250}])
    );
    assert_eq!(recorded[0]["faults"][0]["kind"], "dribble");
    assert_eq!(
        recorded[1]["faults"],
        json!([{"kind": "latency", "rule": "prefer", "ms": 300}])
    );
}

#[tokio::test]
async fn a_hang_is_bounded_and_does_not_hold_the_shutdown() {
    let dir = TempDir::new("faults-hang");
    let file = dir.0.join("faults.json");
    let plan = json!({"rules": [{"fault": "hang", "ms": 300, "method": "GET"},
                                {"fault": "hang", "ms": 600000, "method": "DELETE"}]});
    std::fs::write(&file, plan.to_string()).unwrap();
    let server = MockServer::builder().faults(&file).start().await;
    let http = reqwest::Client::new();
    let url = format!("{}{JANE_PATH}", server.uri());
    let started = Instant::now();
    let hung = http.get(&url).bearer_auth(SECRET_KEY).send().await;
    assert!(hung.is_err(), "no answer, then the connection closes");
    assert!(started.elapsed() >= Duration::from_millis(300));

    let waiting = tokio::spawn(http.delete(&url).bearer_auth(SECRET_KEY).send());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let stopping = Instant::now();
    server.shutdown().await;
    assert!(
        stopping.elapsed() < Duration::from_secs(2),
        "shutdown took {:?}",
        stopping.elapsed()
    );
    assert!(waiting.await.unwrap().is_err());
}

#[tokio::test]
async fn faults_never_fire_on_the_admin_routes() {
    let (mock, _dir) = with_plan("faults-admin", json!({"rules": [{"fault": "reset"}]})).await;
    for path in [
        "/__admin/health",
        "/__admin/requests",
        "/__admin/faults",
        "/__admin/",
    ] {
        let answer = mock
            .http
            .get(mock.url(path))
            .header("prefer", "fault=reset")
            .send()
            .await
            .unwrap_or_else(|err| panic!("{path}: {err}"));
        assert_eq!(answer.status(), StatusCode::OK, "{path}");
    }
    // Nor on a refused request, nor on a preflight.
    let missing_key = mock.http.get(mock.url(JANE_PATH)).send().await.unwrap();
    assert_eq!(missing_key.status(), StatusCode::UNAUTHORIZED);
    let preflight = mock
        .http
        .request(Method::OPTIONS, mock.url(JANE_PATH))
        .header("origin", "http://localhost:3000")
        .header("access-control-request-method", "PATCH")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn the_plan_is_read_and_replaced_at_the_admin_route_and_a_bad_one_names_its_member() {
    let mock = common::start().await;
    let plan = mock.admin_json("/__admin/faults").await;
    assert_eq!(plan, json!({"seed": 0, "rules": []}));
    let put = |body: Value| {
        mock.http
            .put(mock.url("/__admin/faults"))
            .json(&body)
            .send()
    };
    let refused = put(json!({"rules": [{"fault": "latency", "distribution": "uniform", "min_ms": 9, "max_ms": 1}]}))
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = refused.json().await.unwrap();
    assert_eq!(problem["code"], "invalid_fault_plan");
    assert_eq!(problem["errors"][0]["pointer"], "/rules/0/max_ms");

    let plan = json!({"seed": 1, "rules": [{"fault": "error", "status": 504, "method": "GET"}]});
    let replaced = put(plan.clone()).await.unwrap();
    assert_eq!(replaced.status(), StatusCode::OK);
    assert_eq!(mock.admin_json("/__admin/faults").await, plan);
    assert_eq!(
        mock.get_contact(JANE).await.status,
        StatusCode::GATEWAY_TIMEOUT
    );
    // A reset keeps the plan put last, and starts its draws again.
    mock.http
        .post(mock.url("/__admin/reset"))
        .send()
        .await
        .unwrap();
    assert_eq!(mock.admin_json("/__admin/faults").await, plan);
}

#[tokio::test]
async fn each_workspace_has_its_own_plan() {
    let mock = common::start().await;
    let made = mock
        .make_workspace(
            json!({"name": "flaky", "faults": {"rules": [{"fault": "error", "status": 500}]}}),
        )
        .await;
    let key = made["api_key"].as_str().unwrap();
    let in_workspace = mock
        .http
        .get(mock.url(JANE_PATH))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert_eq!(in_workspace.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(mock.get_contact(JANE).await.status, StatusCode::OK);
    let plan = mock.admin_json("/__admin/workspaces/flaky/faults").await;
    assert_eq!(plan["rules"][0]["status"], 500);

    let refused = mock
        .http
        .post(mock.url("/__admin/workspaces"))
        .json(&json!({"faults": {"rules": [{"fault": "hang"}]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = refused.json().await.unwrap();
    assert_eq!(problem["errors"][0]["pointer"], "/faults/rules/0/ms");
}

#[test]
fn a_plan_that_does_not_parse_stops_start_up_with_one_line() {
    let dir = TempDir::new("faults-bad");
    let file = dir.0.join("faults.json");
    std::fs::write(&file, r#"{"rules": [{"fault": "error", "status": 418}]}"#).unwrap();
    let output = std::process::Command::new(BIN)
        .args(["serve", "--port", "0", "--faults"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("faults.json: /rules/0/status: 418 is not one of 500, 502, 503, 504"),
        "{stderr}"
    );
}

#[test]
fn check_finds_an_early_retry_in_a_record_file_by_its_times() {
    let dir = TempDir::new("faults-check");
    let file = dir.0.join("traffic.jsonl");
    let exchange = |seq: u64, time: &str, status: u16, retry_after: Option<&str>| {
        let headers = match retry_after {
            Some(seconds) => {
                json!({"content-type": "application/problem+json", "retry-after": seconds})
            }
            None => json!({"content-type": "application/json"}),
        };
        let body = if status == 429 {
            json!({"type": "urn:gately-mock:problem:rate_limited", "title": "Too Many Requests",
                   "status": 429, "detail": "over the rate limit", "code": "rate_limited"})
        } else {
            json!({"message": "x"})
        };
        json!({"seq": seq, "time": time, "duration_ms": 0,
               "request": {"method": "DELETE", "path": "/api/v1/contacts/tags/00000000-0000-4000-8000-000000000000",
                           "query": null, "headers": {"authorization": format!("Bearer {}", &SECRET_KEY[..15])}, "body": null},
               "response": {"status": status, "headers": headers, "body": body},
               "verdict": "ok", "violations": [], "warnings": [], "forced": status == 429,
               "faults": if status == 429 { json!([{"kind": "rate_limit", "rule": 0}]) } else { json!([]) }})
        .to_string()
    };
    let lines = [
        exchange(1, "2025-06-15T14:30:00.000Z", 429, Some("2")),
        exchange(2, "2025-06-15T14:30:00.500Z", 429, Some("2")),
        exchange(3, "2025-06-15T14:30:03.000Z", 200, None),
    ];
    std::fs::write(&file, lines.join("\n")).unwrap();
    let output = std::process::Command::new(BIN)
        .args(["check", "--format", "json"])
        .arg(&file)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let findings: Vec<Vec<&str>> = report["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|checked| {
            checked["violations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|finding| finding["keyword"].as_str().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(findings, [vec![], vec!["retry_after"], vec![]], "{report}");
    assert!(!output.status.success());
}

/// `check --format json` of `file`: each exchange's request keywords, and whether it
/// passed.
fn check_keywords(file: &std::path::Path) -> (Vec<Vec<String>>, bool) {
    let output = std::process::Command::new(BIN)
        .args(["check", "--format", "json"])
        .arg(file)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let keywords = report["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|checked| {
            ["violations", "warnings"]
                .iter()
                .flat_map(|list| checked[list].as_array().unwrap())
                .map(|finding| finding["keyword"].as_str().unwrap().to_owned())
                .collect()
        })
        .collect();
    (keywords, output.status.success())
}

#[tokio::test]
async fn the_mock_s_own_har_of_faulted_traffic_checks_as_its_journal_does() {
    let (mock, dir) = with_plan(
        "faults-har",
        json!({"rules": [{"fault": "error", "status": 503, "method": "POST"},
                         {"fault": "rate_limit", "limit": 1, "window_ms": 60000, "method": "GET"}]}),
    )
    .await;
    let create = json!({"email": "dup@example.com", "name": "Dup"});
    for _ in 0..2 {
        let answer = mock
            .send(mock.request(Method::POST, "/api/v1/contacts").json(&create))
            .await;
        assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    }
    mock.get_contact(JANE).await;
    assert_eq!(
        mock.get_contact(JANE).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    let reset = mock
        .request(Method::DELETE, JANE_PATH)
        .header("prefer", "fault=reset");
    assert!(mock.http.execute(reset.build().unwrap()).await.is_err());

    let journal: Vec<Vec<String>> = exchanges(&mock)
        .await
        .iter()
        .map(|exchange| keywords(exchange).into_iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(journal[1], ["duplicate_create"]);
    let har = dir.0.join("traffic.har");
    std::fs::write(&har, mock.admin_text("/__admin/requests.har").await).unwrap();
    let (checked, passed) = check_keywords(&har);
    assert_eq!(checked, journal);
    assert!(passed, "a warning and injected answers are no violation");
}

#[tokio::test]
async fn a_request_sent_before_the_429_left_is_not_an_early_retry() {
    // A real clock: the first request is delayed, the second overtakes it and is limited.
    let dir = TempDir::new("faults-overtaken");
    let file = dir.0.join("faults.json");
    let plan = json!({"rules": [
        {"fault": "rate_limit", "limit": 1, "window_ms": 60000, "method": "GET"},
        {"fault": "latency", "ms": 600, "method": "GET"}
    ]});
    std::fs::write(&file, plan.to_string()).unwrap();
    let server = MockServer::builder().faults(&file).start().await;
    let http = reqwest::Client::new();
    let url = format!("{}{JANE_PATH}", server.uri());
    let slow = tokio::spawn(http.get(&url).bearer_auth(SECRET_KEY).send());
    tokio::time::sleep(Duration::from_millis(150)).await;
    let limited = http.get(&url).bearer_auth(SECRET_KEY).send().await.unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let slow = slow.await.unwrap().unwrap();
    assert_eq!(slow.status(), StatusCode::OK);
    assert_eq!(slow.headers()["x-gately-mock-verdict"], "ok");
    common::assert_agreement(&server);
}

#[tokio::test]
async fn a_dribble_longer_than_the_header_timeout_arrives_whole() {
    let server = MockServer::builder()
        .header_timeout(Duration::from_millis(500))
        .start()
        .await;
    let http = reqwest::Client::new();
    let started = Instant::now();
    let tags = http
        .get(format!("{}/api/v1/contacts/tags", server.uri()))
        .bearer_auth(SECRET_KEY)
        .header("prefer", "fault=dribble")
        .send()
        .await
        .unwrap();
    let body: Value = tags
        .json()
        .await
        .expect("the whole body, after the timeout");
    assert!(started.elapsed() >= Duration::from_millis(1900));
    assert!(body.as_array().is_some_and(|tags| !tags.is_empty()));
}
