//! Workspaces (D26) and clock control (D27): many isolated states in one running mock.

mod common;

use std::time::Duration;

use common::{
    ACME, JANE, JOHN, Mock, SECRET_KEY, TempDir, assert_workspace_agreement, start, start_with,
};
use gately_mock::MockServer;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::task::JoinSet;

const BIN: &str = env!("CARGO_BIN_EXE_gately-mock");

/// `POST /__admin/workspaces` with `body`.
async fn create(mock: &Mock, body: Value) -> (StatusCode, Value) {
    admin(mock, Method::POST, "/__admin/workspaces", Some(body)).await
}

/// A workspace named `name` in which Jane was archived: its description and its key.
async fn with_jane_archived(mock: &Mock, name: &str) -> (Value, String) {
    let (status, made) = create(mock, json!({ "name": name })).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let key = text(&made, "/api_key").to_owned();
    let jane = format!("/api/v1/contacts/{JANE}");
    let (status, _) = api(
        mock,
        &key,
        Method::PATCH,
        &jane,
        Some(json!({ "status": "archived" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    (made, key)
}

/// An admin request, its answer as JSON.
async fn admin(
    mock: &Mock,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let request = mock.http.request(method, mock.url(path));
    let request = match body {
        Some(body) => request.json(&body),
        None => request,
    };
    let response = request.send().await.expect("the mock answers");
    let status = response.status();
    (
        status,
        response.json().await.expect("admin answers are JSON"),
    )
}

/// A request of the Contacts API with `key`.
async fn api(
    mock: &Mock,
    key: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let request = mock.http.request(method, mock.url(path)).bearer_auth(key);
    let request = match body {
        Some(body) => request.json(&body),
        None => request,
    };
    let answer = mock.send(request).await;
    (answer.status, answer.body)
}

fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{pointer} is a string in {value}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_workspaces_written_at_once_each_keep_exactly_their_own_writes() {
    let dir = TempDir::new("workspaces-parallel");
    let record = dir.0.join("traffic.jsonl");
    let mock = start_with(|options| options.record(&record)).await;
    let mut workspaces = Vec::new();
    for _ in 0..100 {
        let (status, workspace) = create(&mock, json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "{workspace}");
        workspaces.push(workspace);
    }

    let mut writers = JoinSet::new();
    for (index, workspace) in workspaces.iter().enumerate() {
        let (http, key) = (mock.http.clone(), text(workspace, "/api_key").to_owned());
        let url = mock.url(&format!("/api/v1/contacts/{JANE}"));
        writers.spawn(async move {
            for write in 0..50 {
                let response = http
                    .patch(&url)
                    .bearer_auth(&key)
                    .json(&json!({ "notes": format!("workspace {index} write {write}") }))
                    .send()
                    .await
                    .expect("the mock answers");
                assert_eq!(response.status(), StatusCode::OK);
            }
        });
    }
    while let Some(done) = writers.join_next().await {
        done.expect("a writer finished");
    }

    for (index, workspace) in workspaces.iter().enumerate() {
        let id = text(workspace, "/id");
        let (_, journal) = admin(
            &mock,
            Method::GET,
            &format!("/__admin/workspaces/{id}/requests"),
            None,
        )
        .await;
        let entries = journal["requests"].as_array().unwrap();
        let seen: Vec<(u64, &str, &str)> = entries
            .iter()
            .map(|entry| {
                (
                    entry["seq"].as_u64().unwrap(),
                    text(entry, "/workspace"),
                    text(entry, "/request/body/notes"),
                )
            })
            .collect();
        let expected: Vec<(u64, String)> = (0..50)
            .map(|write| (write + 1, format!("workspace {index} write {write}")))
            .collect();
        assert_eq!(
            seen.iter()
                .map(|(seq, _, notes)| (*seq, (*notes).to_owned()))
                .collect::<Vec<_>>(),
            expected,
            "{id}: its own 50 writes, in order"
        );
        assert!(seen.iter().all(|(_, workspace, _)| *workspace == id));
        let (status, jane) = api(
            &mock,
            text(workspace, "/api_key"),
            Method::GET,
            &format!("/api/v1/contacts/{JANE}"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(jane["notes"], format!("workspace {index} write 49"));
    }
    assert_eq!(
        mock.journal("").await["requests"],
        json!([]),
        "default saw none"
    );
    // The server's own Jane still has the fixture's notes: the default key sees no writes.
    assert_eq!(
        mock.get_contact(JANE).await.body["notes"],
        "Champion for the Q3 rollout"
    );

    // The record file holds every exchange, marked; check groups it by workspace.
    let junit = std::process::Command::new(BIN)
        .args(["check", "--group-by", "workspace", "--format", "junit"])
        .arg(&record)
        .output()
        .unwrap();
    assert!(junit.status.success(), "{junit:?}");
    let junit = String::from_utf8(junit.stdout).unwrap();
    let suites: Vec<&str> = junit
        .lines()
        .filter(|line| line.trim_start().starts_with("<testsuite "))
        .collect();
    assert_eq!(
        suites.len(),
        101,
        "100 workspaces and default (its one GET)"
    );
    for workspace in &workspaces {
        let suite = format!(
            // 50 writes and the GET that read Jane back
            "<testsuite name=\"workspace {}\" tests=\"51\" failures=\"0\"",
            text(workspace, "/id")
        );
        assert!(junit.contains(&suite), "{suite} in {suites:?}");
    }
}

#[tokio::test]
async fn what_one_workspace_creates_the_others_cannot_see() {
    let mock = start().await;
    let (_, a) = create(&mock, json!({ "name": "a" })).await;
    let (_, b) = create(&mock, json!({ "name": "b" })).await;
    let (a_key, b_key) = (text(&a, "/api_key"), text(&b, "/api_key"));

    let (status, created) = api(
        &mock,
        a_key,
        Method::POST,
        "/api/v1/contacts",
        Some(json!({ "name": "Ann", "email": "ann@example.com" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let path = format!("/api/v1/contacts/{}", text(&created, "/id"));
    assert_eq!(
        api(&mock, a_key, Method::GET, &path, None).await.0,
        StatusCode::OK
    );
    let (status, missing) = api(&mock, b_key, Method::GET, &path, None).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "D5: another workspace's contact"
    );
    assert_eq!(missing["code"], "contact_not_found");
    assert_eq!(
        mock.get_contact(text(&created, "/id")).await.status,
        StatusCode::NOT_FOUND
    );

    let (_, tag) = api(
        &mock,
        a_key,
        Method::POST,
        "/api/v1/contacts/tags",
        Some(json!({ "name": "Only in a" })),
    )
    .await;
    let (_, b_tags) = api(&mock, b_key, Method::GET, "/api/v1/contacts/tags", None).await;
    assert!(
        b_tags
            .as_array()
            .unwrap()
            .iter()
            .all(|listed| listed["id"] != tag["id"])
    );
    // The fixture keys open `default`, not a workspace: Ann is not there either.
    let (_, page) = api(
        &mock,
        SECRET_KEY,
        Method::GET,
        "/api/v1/contacts?search=ann",
        None,
    )
    .await;
    assert_eq!(page["pagination"]["total"], 0);
}

/// One run of a scripted session in a named, frozen, seeded workspace while `noise` other
/// workspaces write at the same time; its journal as the admin route sends it.
async fn scripted_journal(noise: usize) -> String {
    let mock = start().await;
    let mut writers = JoinSet::new();
    for index in 0..noise {
        let (_, workspace) = create(&mock, json!({ "seed": index })).await;
        let (http, key) = (mock.http.clone(), text(&workspace, "/api_key").to_owned());
        let url = mock.url("/api/v1/contacts");
        writers.spawn(async move {
            for write in 0..20 {
                let _ = http
                    .post(&url)
                    .bearer_auth(&key)
                    .json(&json!({ "name": "Noise", "email": format!("n{write}@example.com") }))
                    .send()
                    .await;
            }
        });
    }
    let (status, workspace) = create(
        &mock,
        json!({ "name": "snap", "frozen_time": "2031-02-03T04:05:06.000Z", "seed": 42 }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{workspace}");
    let key = text(&workspace, "/api_key").to_owned();
    let (_, contact) = api(
        &mock,
        &key,
        Method::POST,
        "/api/v1/contacts",
        Some(json!({ "name": "Sam", "email": "sam@example.com", "tags": ["Seeded"] })),
    )
    .await;
    let path = format!("/api/v1/contacts/{}", text(&contact, "/id"));
    api(
        &mock,
        &key,
        Method::PATCH,
        &path,
        Some(json!({ "status": "active" })),
    )
    .await;
    admin(
        &mock,
        Method::POST,
        "/__admin/workspaces/snap/clock",
        Some(json!({ "advance": "PT1H" })),
    )
    .await;
    api(
        &mock,
        &key,
        Method::PATCH,
        &path,
        Some(json!({ "statsu": "x" })),
    )
    .await;
    api(&mock, &key, Method::DELETE, &path, None).await;
    while writers.join_next().await.is_some() {}
    mock.admin_text("/__admin/workspaces/snap/requests").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_seeded_workspace_records_the_same_bytes_whatever_the_others_do() {
    let (quiet, busy) = (scripted_journal(0).await, scripted_journal(8).await);
    assert_eq!(quiet, busy);
    let journal: Value = serde_json::from_str(&quiet).unwrap();
    let entries = journal["requests"].as_array().unwrap();
    assert_eq!(entries.len(), 4);
    assert_eq!(entries[0]["time"], "2031-02-03T04:05:06.000Z");
    assert_eq!(entries[2]["time"], "2031-02-03T05:05:06.000Z", "advanced");
    // The seed is the workspace's: the id it created is not the server's first id.
    let mock = start().await;
    let server_made = mock
        .call(
            Method::POST,
            "/api/v1/contacts",
            Some(json!({ "name": "Sam", "email": "sam@example.com" })),
        )
        .await
        .body;
    assert_ne!(server_made["id"], entries[0]["response"]["body"]["id"]);
}

#[tokio::test]
async fn workspaces_are_listed_described_and_ended() {
    let mock = start().await;
    let (status, made) = create(&mock, json!({ "name": "job-7" })).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(made["base_url"], mock.server.uri());
    assert_eq!(made["project_id"], ACME);
    assert_eq!(made["contact_ids"][0], JANE);
    assert_eq!(
        made["api_keys"].as_array().unwrap().len(),
        4,
        "a twin per fixture key"
    );
    assert_ne!(made["api_key"], SECRET_KEY);
    assert!(text(&made, "/api_key").starts_with("gately_sk_test_"));
    let key = text(&made, "/api_key").to_owned();
    api(
        &mock,
        &key,
        Method::GET,
        &format!("/api/v1/contacts/{JANE}"),
        None,
    )
    .await;

    let (_, listed) = admin(&mock, Method::GET, "/__admin/workspaces", None).await;
    let ids: Vec<&str> = listed["workspaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|workspace| text(workspace, "/id"))
        .collect();
    assert_eq!(ids, ["default", "job-7"]);
    assert_eq!(listed["workspaces"][1]["journal"]["entries"], 1);
    assert_eq!(listed["workspaces"][1]["name"], "job-7");
    assert!(listed["workspaces"][1]["last_used"].is_string());
    let (status, described) = admin(&mock, Method::GET, "/__admin/workspaces/job-7", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(described["api_key"], made["api_key"]);

    let (status, _) = admin(&mock, Method::DELETE, "/__admin/workspaces/job-7", None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, refused) = api(
        &mock,
        &key,
        Method::GET,
        &format!("/api/v1/contacts/{JANE}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "its keys end with it");
    assert_eq!(refused["code"], "invalid_api_key");
    let (status, gone) = admin(
        &mock,
        Method::GET,
        "/__admin/workspaces/job-7/requests",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(gone["code"], "workspace_not_found");
}

#[tokio::test]
async fn bad_workspace_requests_are_refused_naming_the_field() {
    let mock = start().await;
    create(&mock, json!({ "name": "twice" })).await;
    for (body, status, code, pointer) in [
        (json!({ "name": "twice" }), 409, "workspace_exists", "/name"),
        (
            json!({ "name": "default" }),
            409,
            "workspace_exists",
            "/name",
        ),
        (
            json!({ "name": "no spaces" }),
            422,
            "validation_failed",
            "/name",
        ),
        (json!({ "seed": -1 }), 422, "validation_failed", "/seed"),
        (json!({ "seed": 1.5 }), 422, "validation_failed", "/seed"),
        (
            json!({ "frozen_time": "tomorrow" }),
            422,
            "validation_failed",
            "/frozen_time",
        ),
        (json!({ "nmae": "x" }), 422, "validation_failed", "/nmae"),
        (
            json!({ "fixtures": { "contacts": [{ "id": JANE, "project_id": ACME, "name": "A", "email": "a@example.com", "status": "actve", "created_at": "2025-01-01T00:00:00.000Z" }] } }),
            422,
            "validation_failed",
            "/fixtures/contacts/0/status",
        ),
        (
            json!({ "fixtures": { "contact": [] } }),
            422,
            "validation_failed",
            "/fixtures/contact",
        ),
    ] {
        let (answered, problem) = create(&mock, body.clone()).await;
        assert_eq!(answered.as_u16(), status, "{body}: {problem}");
        assert_eq!(problem["code"], code, "{body}");
        assert_eq!(
            problem["errors"][0]["pointer"], pointer,
            "{body}: {problem}"
        );
    }
    // The inline fixtures' message is the one `--fixtures` gives for the same mistake.
    let (_, problem) = create(
        &mock,
        json!({ "fixtures": { "contacts": [{ "id": JANE, "project_id": ACME, "name": "A", "email": "a@example.com", "status": "actve", "created_at": "2025-01-01T00:00:00.000Z" }] } }),
    )
    .await;
    assert_eq!(
        problem["errors"][0]["message"],
        "\"actve\" is not one of new, active, inactive, archived: did you mean \"active\"?"
    );
    let (status, problem) = create_raw(&mock, "{\"name\":").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(problem["code"], "malformed_json");

    let (status, problem) = admin(&mock, Method::DELETE, "/__admin/workspaces/default", None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(problem["code"], "default_workspace");
    let (status, problem) = admin(&mock, Method::PUT, "/__admin/workspaces", None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(problem["code"], "method_not_allowed");
}

async fn create_raw(mock: &Mock, body: &'static str) -> (StatusCode, Value) {
    let response = mock
        .http
        .post(mock.url("/__admin/workspaces"))
        .body(body)
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

#[tokio::test]
async fn past_the_limit_a_workspace_is_refused_with_429() {
    let mock = start_with(|options| options.max_workspaces(2)).await;
    assert_eq!(create(&mock, json!({})).await.0, StatusCode::CREATED);
    let (_, second) = create(&mock, json!({})).await;
    let (status, problem) = create(&mock, json!({})).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(problem["code"], "too_many_workspaces");
    let id = text(&second, "/id");
    admin(
        &mock,
        Method::DELETE,
        &format!("/__admin/workspaces/{id}"),
        None,
    )
    .await;
    assert_eq!(
        create(&mock, json!({})).await.0,
        StatusCode::CREATED,
        "room again"
    );
}

#[tokio::test]
async fn a_workspace_left_unused_past_its_ttl_ends() {
    let mock = start_with(|options| options.workspace_ttl(Duration::from_millis(300))).await;
    let (_, idle) = create(&mock, json!({ "name": "idle" })).await;
    let (_, busy) = create(&mock, json!({ "name": "busy" })).await;
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(150)).await;
        let key = text(&busy, "/api_key");
        assert_eq!(
            api(&mock, key, Method::GET, "/api/v1/contacts/tags", None)
                .await
                .0,
            StatusCode::OK,
            "used, so it lives on"
        );
    }
    let key = text(&idle, "/api_key");
    assert_eq!(
        api(&mock, key, Method::GET, "/api/v1/contacts/tags", None)
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    let (_, listed) = admin(&mock, Method::GET, "/__admin/workspaces", None).await;
    let ids: Vec<&str> = listed["workspaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|workspace| text(workspace, "/id"))
        .collect();
    assert_eq!(ids, ["default", "busy"]);
}

#[tokio::test]
async fn a_workspace_state_is_read_replaced_reset_and_loaded_as_fixtures() {
    let mock = start().await;
    let (made, key) = with_jane_archived(&mock, "stateful").await;
    let jane = format!("/api/v1/contacts/{JANE}");

    let (status, state) = admin(
        &mock,
        Method::GET,
        "/__admin/workspaces/stateful/state",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let contacts = state["contacts"].as_array().unwrap();
    let mut jane_now = contacts.iter().find(|c| c["id"] == JANE).unwrap().clone();
    assert_eq!(jane_now["status"], "archived");
    assert_eq!(
        jane_now["tags"],
        json!(["VIP", "Newsletter"]),
        "tags by name"
    );
    assert_eq!(state["api_keys"], made["api_keys"], "its own keys");

    // Loaded as a fixtures directory, the state starts a server of its own, keys and all.
    let dir = TempDir::new("workspace-state");
    for (member, file) in [
        ("api_keys", "api-keys.json"),
        ("tags", "tags.json"),
        ("contacts", "contacts.json"),
    ] {
        std::fs::write(dir.0.join(file), state[member].to_string()).unwrap();
    }
    let copy = MockServer::builder().fixtures(&dir.0).start().await;
    let answer = reqwest::Client::new()
        .get(format!("{}{jane}", copy.uri()))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(answer.json::<Value>().await.unwrap()["status"], "archived");

    // PUT replaces the data, and is what a reset restores.
    let (status, problem) = admin(
        &mock,
        Method::PUT,
        "/__admin/workspaces/stateful/state",
        Some(json!({ "contacts": [jane_now], "tags": [] })),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "her tags are gone"
    );
    assert_eq!(
        problem["errors"][0]["message"],
        format!("tag \"VIP\" is not in tags for project {ACME}")
    );
    jane_now.as_object_mut().unwrap().remove("tags");
    let (status, replaced) = admin(
        &mock,
        Method::PUT,
        "/__admin/workspaces/stateful/state",
        Some(json!({ "contacts": [jane_now], "tags": [] })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{replaced}");
    assert_eq!(replaced["contacts"].as_array().unwrap().len(), 1);
    let john = format!("/api/v1/contacts/{JOHN}");
    assert_eq!(
        api(&mock, &key, Method::GET, &john, None).await.0,
        StatusCode::NOT_FOUND
    );
    api(
        &mock,
        &key,
        Method::PATCH,
        &jane,
        Some(json!({ "status": "active" })),
    )
    .await;
    admin(
        &mock,
        Method::POST,
        "/__admin/workspaces/stateful/reset",
        None,
    )
    .await;
    let (_, after_reset) = api(&mock, &key, Method::GET, &jane, None).await;
    assert_eq!(after_reset["status"], "archived");
    assert_eq!(after_reset["tags"], json!([]));

    let (status, problem) = admin(
        &mock,
        Method::PUT,
        "/__admin/workspaces/stateful/state",
        Some(json!({ "api_keys": [{ "key": SECRET_KEY, "project_id": ACME, "access": "read_write" }] })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["code"], "keys_fixed");
    assert_eq!(problem["errors"][0]["pointer"], "/api_keys");
    let (status, problem) = admin(
        &mock,
        Method::PUT,
        "/__admin/workspaces/stateful/state",
        Some(json!({ "tags": [{ "id": "nope" }] })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        text(&problem, "/errors/0/pointer").starts_with("/tags/0"),
        "{problem}"
    );
}

#[tokio::test]
async fn a_clock_is_set_advanced_and_given_back_per_workspace() {
    let mock = start().await;
    let (_, made) = create(&mock, json!({ "name": "timed", "frozen_time": null })).await;
    let key = text(&made, "/api_key").to_owned();
    let clock = "/__admin/workspaces/timed/clock";

    let (_, reading) = admin(&mock, Method::GET, clock, None).await;
    assert_eq!(
        reading["frozen"], false,
        "frozen_time null: the machine's clock"
    );
    let (status, reading) = admin(
        &mock,
        Method::POST,
        clock,
        Some(json!({ "set": "2030-01-01T00:00:00Z" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        reading,
        json!({ "now": "2030-01-01T00:00:00.000Z", "frozen": true, "offset_ms": 0 })
    );
    let (_, reading) = admin(
        &mock,
        Method::POST,
        clock,
        Some(json!({ "advance": "P1DT30M" })),
    )
    .await;
    assert_eq!(reading["now"], "2030-01-02T00:30:00.000Z");
    let (_, reading) = admin(
        &mock,
        Method::POST,
        clock,
        Some(json!({ "advance_ms": -1800000 })),
    )
    .await;
    assert_eq!(reading["now"], "2030-01-02T00:00:00.000Z");

    // What the mock writes follows the clock: timestamps and the Date header.
    let response = mock
        .http
        .patch(mock.url(&format!("/api/v1/contacts/{JANE}")))
        .bearer_auth(&key)
        .json(&json!({ "status": "active" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["date"], "Wed, 02 Jan 2030 00:00:00 GMT");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["updated_at"], "2030-01-02T00:00:00.000Z");
    // The server's own clock is untouched (the test server's frozen one).
    let (_, default) = admin(&mock, Method::GET, "/__admin/clock", None).await;
    assert_eq!(default["now"], common::FROZEN);

    let (_, reading) = admin(&mock, Method::POST, clock, Some(json!({ "real": true }))).await;
    assert_eq!(reading["frozen"], false);
    for (body, pointer) in [
        (json!({ "advance": "P1M" }), "/advance"),
        (json!({ "advance": "an hour" }), "/advance"),
        (json!({ "set": "noon" }), "/set"),
        (json!({ "set": "2030-01-01T00:00:00Z", "real": true }), ""),
        (json!({}), ""),
        (json!({ "real": false }), "/real"),
    ] {
        let (status, problem) = admin(&mock, Method::POST, clock, Some(body.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(
            problem["errors"][0]["pointer"], pointer,
            "{body}: {problem}"
        );
    }
    // A reset gives the workspace back the clock it started with.
    admin(
        &mock,
        Method::POST,
        clock,
        Some(json!({ "set": "2030-01-01T00:00:00Z" })),
    )
    .await;
    admin(&mock, Method::POST, "/__admin/workspaces/timed/reset", None).await;
    assert_eq!(
        admin(&mock, Method::GET, clock, None).await.1["frozen"],
        false
    );
}

#[tokio::test]
async fn the_global_clock_route_moves_the_default_workspace() {
    let mock = start().await;
    let (_, made) = create(&mock, json!({})).await;
    let (_, reading) = admin(
        &mock,
        Method::POST,
        "/__admin/clock",
        Some(json!({ "advance": "PT2H" })),
    )
    .await;
    assert_eq!(reading["now"], "2025-06-15T16:30:00.000Z");
    let jane = mock
        .call(
            Method::PATCH,
            &format!("/api/v1/contacts/{JANE}"),
            Some(json!({ "status": "active" })),
        )
        .await
        .body;
    assert_eq!(jane["updated_at"], "2025-06-15T16:30:00.000Z");
    let id = text(&made, "/id");
    let (_, theirs) = admin(
        &mock,
        Method::GET,
        &format!("/__admin/workspaces/{id}/clock"),
        None,
    )
    .await;
    assert_eq!(
        theirs["now"],
        common::FROZEN,
        "the workspace's clock did not move"
    );
}

#[tokio::test]
async fn a_lenient_workspace_judges_its_own_requests_leniently() {
    let mock = start().await;
    let (_, made) = create(&mock, json!({ "lenient": true })).await;
    assert_eq!(made["mode"], "lenient");
    let body = json!({ "status": "active", "favourite_colour": "green" });
    let jane = format!("/api/v1/contacts/{JANE}");
    let (status, _) = api(
        &mock,
        text(&made, "/api_key"),
        Method::PATCH,
        &jane,
        Some(body.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        mock.patch_contact(JANE, body).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn inline_fixtures_give_a_workspace_data_of_its_own() {
    let mock = start().await;
    let ada = "0e8a3c1d-2b4f-4a6e-9c8d-7f1e2d3c4b5a";
    let (status, made) = create(
        &mock,
        json!({ "fixtures": { "contacts": [{ "id": ada, "project_id": ACME, "name": "Ada", "email": "ada@example.com", "status": "new", "tags": ["VIP"], "created_at": "2025-01-01T00:00:00.000Z" }] } }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(made["contact_ids"], json!([ada]));
    let key = text(&made, "/api_key");
    let (_, page) = api(&mock, key, Method::GET, "/api/v1/contacts", None).await;
    assert_eq!(page["pagination"]["total"], 1);
    assert_eq!(
        page["contacts"][0]["tags"][0]["name"], "VIP",
        "tags: the server's"
    );
}

#[tokio::test]
async fn the_harness_gives_each_test_a_workspace_of_its_own() {
    let server = MockServer::builder()
        .frozen_time(common::FROZEN)
        .start()
        .await;
    let http = reqwest::Client::new();
    let (mine, theirs) = (server.workspace().await, server.workspace().await);
    assert_ne!(mine.api_key(), theirs.api_key());
    assert_ne!(mine.id(), theirs.id());
    let jane = &mine.contact_ids()[0];
    let response = http
        .patch(format!("{}/api/v1/contacts/{jane}", mine.uri()))
        .bearer_auth(mine.api_key())
        .json(&json!({ "statsu": "active" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(mine.requests().len(), 1);
    assert_eq!(mine.requests()[0].workspace.as_deref(), Some(mine.id()));
    assert!(theirs.requests().is_empty());
    assert!(server.requests().is_empty());
    assert!(mine.contract_report().has_violations());
    theirs.assert_no_violations();
    assert_workspace_agreement(&mine);

    let key = mine.api_key().to_owned();
    drop(mine);
    let after = http
        .get(format!("{}/api/v1/contacts/{jane}", server.uri()))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(
        after.status(),
        StatusCode::UNAUTHORIZED,
        "dropped, it ended"
    );
}

#[tokio::test]
async fn a_workspace_har_names_it_and_check_reads_it_back() {
    let mock = start().await;
    let (_, made) = create(&mock, json!({ "name": "har" })).await;
    api(
        &mock,
        text(&made, "/api_key"),
        Method::GET,
        &format!("/api/v1/contacts/{JANE}"),
        None,
    )
    .await;
    let har: Value = serde_json::from_str(
        &mock
            .admin_text("/__admin/workspaces/har/requests.har")
            .await,
    )
    .unwrap();
    let entry = &har["log"]["entries"][0];
    assert_eq!(entry["_workspace"], "har");
    assert_eq!(entry["comment"], "workspace har seq 1: ok");

    let dir = TempDir::new("workspace-har");
    let file = dir.0.join("session.har");
    std::fs::write(&file, har.to_string()).unwrap();
    let output = std::process::Command::new(BIN)
        .args(["check", "--group-by", "workspace"])
        .arg(&file)
        .output()
        .unwrap();
    let human = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "{human}");
    assert!(
        human.starts_with("workspace har (1 exchange, 0 with violations)"),
        "{human}"
    );
}

#[tokio::test]
async fn ids_made_after_a_state_round_trip_never_repeat_one_already_there() {
    let mock = start().await;
    let (_, made) = create(&mock, json!({ "name": "round-trip" })).await;
    let key = text(&made, "/api_key").to_owned();
    let new = |email: &str| json!({ "name": "New", "email": email });
    let (_, first) = api(
        &mock,
        &key,
        Method::POST,
        "/api/v1/contacts",
        Some(new("a@example.com")),
    )
    .await;
    let (_, state) = admin(
        &mock,
        Method::GET,
        "/__admin/workspaces/round-trip/state",
        None,
    )
    .await;
    admin(
        &mock,
        Method::PUT,
        "/__admin/workspaces/round-trip/state",
        Some(state),
    )
    .await;
    let (status, second) = api(
        &mock,
        &key,
        Method::POST,
        "/api/v1/contacts",
        Some(new("b@example.com")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_ne!(
        second["id"], first["id"],
        "the stream starts again, and skips what is there"
    );
    for contact in [&first, &second] {
        let path = format!("/api/v1/contacts/{}", text(contact, "/id"));
        let (_, read) = api(&mock, &key, Method::GET, &path, None).await;
        assert_eq!(read["email"], contact["email"]);
    }
}

#[tokio::test]
async fn put_state_keeps_what_it_leaves_out_as_it_is_now() {
    let mock = start().await;
    let (_, key) = with_jane_archived(&mock, "partial").await;
    let jane = format!("/api/v1/contacts/{JANE}");
    let (status, _) = admin(
        &mock,
        Method::PUT,
        "/__admin/workspaces/partial/state",
        Some(json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        api(&mock, &key, Method::GET, &jane, None).await.1["status"],
        "archived"
    );
}

#[tokio::test]
async fn clock_moves_the_clock_cannot_make_are_refused_and_change_nothing() {
    let mock = start().await;
    let clock = "/__admin/clock";
    for (body, pointer) in [
        (json!({ "advance_ms": 1.5 }), "/advance_ms"),
        (json!({ "advance_ms": 1e300 }), "/advance_ms"),
        (
            json!({ "advance_ms": 9223372036854775807_i64 }),
            "/advance_ms",
        ),
        (json!({ "advance": "P1DT" }), "/advance"),
        (json!({ "advance": "PT1S1H" }), "/advance"),
    ] {
        let (status, problem) = admin(&mock, Method::POST, clock, Some(body.clone())).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {problem}"
        );
        assert_eq!(
            problem["errors"][0]["pointer"], pointer,
            "{body}: {problem}"
        );
    }
    let (_, reading) = admin(&mock, Method::GET, clock, None).await;
    assert_eq!(reading["now"], common::FROZEN, "still frozen where it was");
    let (_, reading) = admin(
        &mock,
        Method::POST,
        clock,
        Some(json!({ "advance_ms": 1000.0 })),
    )
    .await;
    assert_eq!(
        reading["now"], "2025-06-15T14:30:01.000Z",
        "a whole number written as a float"
    );

    // A running clock moves too, and stays in range.
    let (_, made) = create(&mock, json!({ "name": "running", "frozen_time": null })).await;
    let running = "/__admin/workspaces/running/clock";
    let (_, reading) = admin(
        &mock,
        Method::POST,
        running,
        Some(json!({ "advance": "P3650D" })),
    )
    .await;
    assert_eq!(reading["frozen"], false);
    assert!(reading["offset_ms"].as_i64().unwrap() == 3650 * 86_400_000);
    assert!(text(&reading, "/now") > "2035-01-01", "{reading}");
    let (status, problem) = admin(
        &mock,
        Method::POST,
        running,
        Some(json!({ "advance": "P3650000D" })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["pointer"], "/advance");
    let key = text(&made, "/api_key");
    let (_, jane) = api(
        &mock,
        key,
        Method::PATCH,
        &format!("/api/v1/contacts/{JANE}"),
        Some(json!({ "status": "active" })),
    )
    .await;
    assert!(text(&jane, "/updated_at") > "2035-01-01", "{jane}");
}

#[tokio::test]
async fn each_workspace_journal_is_bounded_filtered_and_cleared_on_its_own() {
    let mock = start_with(|options| options.journal_limit(3)).await;
    let (status, made) = create(&mock, json!({ "name": "bounded" })).await;
    assert_eq!(status, StatusCode::CREATED);
    let key = text(&made, "/api_key").to_owned();
    let jane = format!("/api/v1/contacts/{JANE}");
    for _ in 0..4 {
        api(&mock, &key, Method::GET, &jane, None).await;
    }
    api(
        &mock,
        &key,
        Method::PATCH,
        &jane,
        Some(json!({ "statsu": "x" })),
    )
    .await;
    let (_, journal) = admin(
        &mock,
        Method::GET,
        "/__admin/workspaces/bounded/requests",
        None,
    )
    .await;
    assert_eq!(journal["requests"].as_array().unwrap().len(), 3);
    assert_eq!(journal["dropped"], 2);
    let (_, violations) = admin(
        &mock,
        Method::GET,
        "/__admin/workspaces/bounded/requests?verdict=violation",
        None,
    )
    .await;
    let seqs: Vec<&Value> = violations["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["seq"])
        .collect();
    assert_eq!(seqs, [&json!(5)]);
    let (_, cleared) = admin(
        &mock,
        Method::DELETE,
        "/__admin/workspaces/bounded/requests",
        None,
    )
    .await;
    assert_eq!(cleared["deleted"], 3);
    let (_, listed) = admin(&mock, Method::GET, "/__admin/workspaces", None).await;
    assert_eq!(
        listed["workspaces"][1]["journal"],
        json!({ "entries": 0, "dropped": 0, "limit": 3 })
    );
    let (_, health) = admin(&mock, Method::GET, "/__admin/health", None).await;
    assert_eq!(health["workspaces"], 1);
}

#[tokio::test]
async fn every_fixture_key_has_a_twin_that_does_what_it_does() {
    let mock = start().await;
    let response = mock
        .http
        .post(mock.url("/__admin/workspaces"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let made: Value = response.json().await.unwrap();
    assert_eq!(
        location,
        format!("/__admin/workspaces/{}", text(&made, "/id"))
    );
    let twin = |original: &str| -> String {
        let index = [
            SECRET_KEY,
            common::ACCOUNT_KEY,
            common::PUBLIC_KEY,
            common::GLOBEX_KEY,
        ]
        .iter()
        .position(|key| *key == original)
        .unwrap();
        text(&made, &format!("/api_keys/{index}/key")).to_owned()
    };
    let public = twin(common::PUBLIC_KEY);
    assert!(public.starts_with("gately_pk_test_"));
    let jane = format!("/api/v1/contacts/{JANE}");
    assert_eq!(
        api(&mock, &public, Method::GET, &jane, None).await.0,
        StatusCode::OK
    );
    let (status, refused) = api(
        &mock,
        &public,
        Method::PATCH,
        &jane,
        Some(json!({ "status": "active" })),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(refused["code"], "insufficient_permissions");
    let account = twin(common::ACCOUNT_KEY);
    let tom = mock
        .send(
            mock.http
                .get(mock.url(&format!("/api/v1/contacts/{}", common::TOM)))
                .bearer_auth(&account)
                .header("X-Project-ID", common::GLOBEX),
        )
        .await;
    assert_eq!(
        tom.status,
        StatusCode::OK,
        "the account key names its project"
    );
    let globex = twin(common::GLOBEX_KEY);
    assert_eq!(
        api(&mock, &globex, Method::GET, &jane, None).await.0,
        StatusCode::NOT_FOUND,
        "D5 holds inside a workspace"
    );
}

#[tokio::test]
async fn unsubscribes_stay_in_their_workspace() {
    let mock = start().await;
    let (_, a) = create(&mock, json!({})).await;
    let (_, b) = create(&mock, json!({})).await;
    let records = format!("/api/v1/contacts/{JANE}/unsubscribes");
    let (status, _) = api(
        &mock,
        text(&a, "/api_key"),
        Method::POST,
        &records,
        Some(json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        api(&mock, text(&a, "/api_key"), Method::GET, &records, None)
            .await
            .1
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        api(&mock, text(&b, "/api_key"), Method::GET, &records, None)
            .await
            .1,
        json!([])
    );
    assert_eq!(mock.call(Method::GET, &records, None).await.body, json!([]));
}

#[tokio::test]
async fn with_no_room_for_workspaces_none_is_made() {
    let mock = start_with(|options| options.max_workspaces(0)).await;
    let (status, problem) = create(&mock, json!({})).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(problem["code"], "too_many_workspaces");
    assert!(text(&problem, "/detail").contains("--max-workspaces"));
}

#[tokio::test]
async fn an_expired_workspace_is_gone_for_every_route() {
    let mock = start_with(|options| options.workspace_ttl(Duration::from_millis(100))).await;
    create(&mock, json!({ "name": "short" })).await;
    tokio::time::sleep(Duration::from_millis(250)).await;
    for (method, path) in [
        (Method::GET, "/__admin/workspaces/short"),
        (Method::DELETE, "/__admin/workspaces/short"),
        (Method::GET, "/__admin/workspaces/short/state"),
    ] {
        let (status, problem) = admin(&mock, method.clone(), path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}");
        assert_eq!(problem["code"], "workspace_not_found");
    }
    assert_eq!(
        create(&mock, json!({ "name": "short" })).await.0,
        StatusCode::CREATED,
        "its name is free"
    );
}

#[tokio::test]
async fn a_dropped_harness_workspace_ends_only_itself() {
    let mock = start().await;
    let mine = mock
        .server
        .workspace_builder()
        .name("reused")
        .seed(3)
        .create()
        .await;
    admin(&mock, Method::DELETE, "/__admin/workspaces/reused", None).await;
    let (_, theirs) = create(&mock, json!({ "name": "reused" })).await;
    drop(mine);
    let (status, _) = admin(&mock, Method::GET, "/__admin/workspaces/reused", None).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the new workspace of that name lives on"
    );
    let key = text(&theirs, "/api_key");
    assert_eq!(
        api(&mock, key, Method::GET, "/api/v1/contacts/tags", None)
            .await
            .0,
        StatusCode::OK
    );
}

#[test]
fn the_shared_server_outlives_the_runtime_of_each_test() {
    for round in 0..2 {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let workspace = MockServer::shared()
                .workspace_builder()
                .frozen_time(common::FROZEN)
                .create()
                .await;
            let response = reqwest::Client::new()
                .get(format!("{}/api/v1/contacts/{JANE}", workspace.uri()))
                .bearer_auth(workspace.api_key())
                .send()
                .await
                .unwrap_or_else(|err| panic!("round {round}: the shared mock answers: {err}"));
            assert_eq!(response.status(), StatusCode::OK);
            assert_eq!(workspace.requests().len(), 1, "round {round}");
        });
        drop(runtime);
    }
}
