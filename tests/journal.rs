//! The traffic journal (D23): what the mock saw, through `/__admin`, the record file and HAR.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::{JANE, JOHN, Mock, SECRET_KEY, raw, start, start_with};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn journal(mock: &Mock, query: &str) -> Value {
    mock.journal(query).await
}

fn seqs(journal: &Value) -> Vec<u64> {
    journal["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_u64().unwrap())
        .collect()
}

/// A small session: a read, a good write, a refused write, an advised write, a miss.
async fn session(mock: &Mock) {
    mock.get_contact(JANE).await;
    mock.patch_contact(
        JANE,
        json!({"status": "inactive", "notes": "Churned after trial"}),
    )
    .await;
    mock.patch_contact(JANE, json!({"statsu": "active"})).await;
    mock.patch_contact(JOHN, json!({"unsubscribed": true}))
        .await;
    mock.get_contact("00000000-0000-4000-8000-000000000000")
        .await;
}

#[tokio::test]
async fn every_exchange_is_recorded_in_order_with_its_verdict() {
    let mock = start().await;

    session(&mock).await;
    let recorded = journal(&mock, "").await;

    assert_eq!(seqs(&recorded), [1, 2, 3, 4, 5]);
    let verdicts: Vec<&str> = recorded["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, ["ok", "ok", "violation", "warning", "ok"]);
    snapshot!("session", recorded);
}

#[tokio::test]
async fn admin_traffic_is_not_recorded() {
    let mock = start().await;
    mock.get_contact(JANE).await;
    for path in ["/__admin/health", "/__admin/requests", "/__admin/nope"] {
        mock.http.get(mock.url(path)).send().await.unwrap();
    }
    assert_eq!(seqs(&journal(&mock, "").await), [1]);
}

#[tokio::test]
async fn filters_select_exactly_what_they_name() {
    let mock = start().await;
    session(&mock).await;

    assert_eq!(seqs(&journal(&mock, "?method=patch").await), [2, 3, 4]);
    assert_eq!(seqs(&journal(&mock, "?verdict=violation").await), [3]);
    assert_eq!(seqs(&journal(&mock, "?verdict=warning").await), [4]);
    assert_eq!(seqs(&journal(&mock, "?status=404").await), [5]);
    assert_eq!(
        seqs(&journal(&mock, &format!("?path=^/api/v1/contacts/{JOHN}$")).await),
        [4]
    );
    assert_eq!(
        seqs(&journal(&mock, "?path=contacts/a1b2%7Ccontacts/f7c2&method=GET").await),
        [1]
    );
    assert_eq!(seqs(&journal(&mock, "?since=2&limit=2").await), [3, 4]);
    assert_eq!(seqs(&journal(&mock, "?since=4&limit=2").await), [5]);
}

#[tokio::test]
async fn a_bad_filter_is_a_problem_naming_the_parameter() {
    let mock = start().await;
    let answer = mock
        .send(mock.http.get(mock.url("/__admin/requests?limit=-1")))
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    snapshot!("bad_filter", answer.body);
}

#[tokio::test]
async fn delete_clears_the_journal_and_seq_goes_on() {
    let mock = start().await;
    session(&mock).await;

    let deleted: Value = mock
        .http
        .delete(mock.url("/__admin/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    mock.get_contact(JANE).await;

    assert_eq!(deleted, json!({"deleted": 5}));
    assert_eq!(seqs(&journal(&mock, "").await), [6]);
}

#[tokio::test]
async fn reset_restores_the_fixtures_clears_the_journal_and_restarts_ids() {
    let mock = start().await;
    let before = mock.get_contact(JANE).await.body;
    let first = mock
        .patch_contact(JANE, json!({"tags": ["Fresh"], "name": "Jane S."}))
        .await
        .body;

    let reset = mock
        .http
        .post(mock.url("/__admin/reset"))
        .send()
        .await
        .unwrap();
    let restored = mock.get_contact(JANE).await.body;
    let again = mock
        .patch_contact(JANE, json!({"tags": ["Fresh"], "name": "Jane S."}))
        .await
        .body;

    assert_eq!(reset.status(), StatusCode::OK);
    assert_eq!(restored, before);
    assert_eq!(
        again["tags"][0]["id"], first["tags"][0]["id"],
        "the seeded generator restarted"
    );
    assert_eq!(
        seqs(&journal(&mock, "").await),
        [1, 2],
        "seq restarted at 1"
    );
}

#[tokio::test]
async fn the_journal_keeps_its_limit_and_reports_what_it_dropped() {
    let mock = start_with(|o| o.journal_limit(3)).await;
    for _ in 0..5 {
        mock.get_contact(JANE).await;
    }
    let recorded = journal(&mock, "").await;
    assert_eq!(seqs(&recorded), [3, 4, 5]);
    assert_eq!(recorded["dropped"], 2);
}

#[tokio::test]
async fn fifty_concurrent_clients_are_all_recorded_once_in_journal_record_file_and_har() {
    let record =
        std::env::temp_dir().join(format!("gately-concurrent-{}.jsonl", std::process::id()));
    let mock = start_with(|o| o.record(&record)).await;
    let clients = 50;
    let per_client = 4;

    let tasks: Vec<_> = (0..clients)
        .map(|client| {
            let http = mock.http.clone();
            let url = mock.url(&format!("/api/v1/contacts/{JANE}"));
            tokio::spawn(async move {
                for request in 0..per_client {
                    let answer = http
                        .patch(&url)
                        .bearer_auth(SECRET_KEY)
                        .json(&json!({"notes": format!("client {client} request {request}")}))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(answer.status(), StatusCode::OK);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }

    let expected: BTreeSet<String> = (0..clients)
        .flat_map(|c| (0..per_client).map(move |r| format!("client {c} request {r}")))
        .collect();
    let notes = |exchanges: &[Value], body: fn(&Value) -> Value| -> Vec<String> {
        exchanges
            .iter()
            .map(|e| body(e)["notes"].as_str().unwrap().to_owned())
            .collect()
    };
    let unique = |list: Vec<String>| -> BTreeSet<String> {
        let set: BTreeSet<String> = list.iter().cloned().collect();
        assert_eq!(set.len(), list.len(), "no duplicates");
        set
    };

    let recorded = journal(&mock, "").await;
    let in_journal = recorded["requests"].as_array().unwrap().clone();
    assert_eq!(seqs(&recorded), (1..=200).collect::<Vec<u64>>());
    assert_eq!(
        unique(notes(&in_journal, |e| e["request"]["body"].clone())),
        expected
    );

    let file = std::fs::read_to_string(&record).unwrap();
    let lines: Vec<Value> = file
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        unique(notes(&lines, |e| e["request"]["body"].clone())),
        expected
    );

    let har = mock.admin_json("/__admin/requests.har").await;
    let entries = har["log"]["entries"].as_array().unwrap();
    let har_notes: Vec<String> = entries
        .iter()
        .map(|e| {
            let text = e["request"]["postData"]["text"].as_str().unwrap();
            serde_json::from_str::<Value>(text).unwrap()["notes"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(unique(har_notes), expected);

    // The final state is the write with the highest seq: seq orders writes as applied.
    let last = in_journal.last().unwrap();
    assert_eq!(
        mock.get_contact(JANE).await.body["notes"],
        last["request"]["body"]["notes"]
    );
    std::fs::remove_file(record).unwrap();
}

#[tokio::test]
async fn no_key_appears_in_the_journal_the_record_file_or_the_har() {
    let record = std::env::temp_dir().join(format!("gately-secrets-{}.jsonl", std::process::id()));
    let mock = start_with(|o| o.record(&record)).await;
    session(&mock).await;
    mock.send(
        mock.http
            .get(mock.url(&format!("/api/v1/contacts/{JANE}")))
            .bearer_auth("gately_sk_test_notaknownkeynotaknownkeynotaknow"),
    )
    .await;
    mock.send(
        mock.http
            .get(mock.url(&format!("/api/v1/contacts/{JANE}")))
            .header("authorization", "Basic c2VjcmV0OnNlY3JldA=="),
    )
    .await;
    // Keys where clients also put them: the query, X-Api-Key, any header.
    mock.send(
        mock.request(
            Method::GET,
            &format!("/api/v1/contacts/{JANE}?api_key={SECRET_KEY}&token=opaquetokenvalue"),
        )
        .header("x-api-key", SECRET_KEY)
        .header("x-debug", format!("sent with {SECRET_KEY}")),
    )
    .await;
    mock.send(mock.request(
        Method::GET,
        &format!("/api/v1/contacts?search={SECRET_KEY}"),
    ))
    .await;
    // Keys sent as values that messages quote: a path id, a query value.
    mock.send(mock.request(Method::GET, &format!("/api/v1/contacts/{SECRET_KEY}")))
        .await;
    mock.send(mock.request(
        Method::GET,
        &format!("/api/v1/contacts?status={SECRET_KEY}"),
    ))
    .await;

    let journal = mock.admin_text("/__admin/requests").await;
    let har = mock.admin_text("/__admin/requests.har").await;
    let file = std::fs::read_to_string(&record).unwrap();

    for (name, text) in [("journal", &journal), ("har", &har), ("record file", &file)] {
        for secret in [
            &SECRET_KEY[15..],
            "notaknownkey",
            "c2VjcmV0OnNlY3JldA",
            "opaquetokenvalue",
        ] {
            assert!(
                !text.contains(secret),
                "{name} holds a secret: …{}…",
                text.find(secret)
                    .map_or("", |at| &text[at.saturating_sub(120)..at + 40])
            );
        }
        assert!(
            text.contains("Bearer gately_sk_test_…"),
            "{name} keeps the key's kind"
        );
    }
    std::fs::remove_file(record).unwrap();
}

#[tokio::test]
async fn the_har_export_has_every_field_har_1_2_requires() {
    let mock = start().await;
    session(&mock).await;
    mock.send(mock.request(Method::GET, &format!("/api/v1/contacts/{JANE}?fields=name")))
        .await;

    let har = mock.admin_json("/__admin/requests.har").await;

    let schema: Value = serde_json::from_str(include_str!("har-1.2.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&har)
        .map(|e| format!("{} {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(har["log"]["creator"]["name"], "gately-mock");
    let last = &har["log"]["entries"][5];
    assert_eq!(
        last["request"]["queryString"],
        json!([{"name": "fields", "value": "name"}])
    );
    assert!(
        last["request"]["url"]
            .as_str()
            .unwrap()
            .ends_with("?fields=name")
    );
}

#[tokio::test]
async fn latency_delays_api_responses_but_not_admin_ones() {
    let mock = start_with(|o| {
        let delay = Duration::from_millis(300);
        o.latency(delay, delay)
    })
    .await;

    let started = std::time::Instant::now();
    mock.get_contact(JANE).await;
    let api = started.elapsed();
    let started = std::time::Instant::now();
    journal(&mock, "").await;
    let admin = started.elapsed();

    assert!(api >= std::time::Duration::from_millis(300), "{api:?}");
    assert!(admin < std::time::Duration::from_millis(300), "{admin:?}");
}

#[tokio::test]
async fn health_reports_the_journal() {
    let mock = start_with(|o| o.lenient()).await;
    mock.get_contact(JANE).await;
    let health = mock.admin_json("/__admin/health").await;
    assert_eq!(health["status"], "ok");
    assert_eq!(health["mode"], "lenient");
    assert_eq!(
        health["journal"],
        json!({"entries": 1, "dropped": 0, "limit": 10000})
    );
}

#[tokio::test]
async fn a_body_sent_in_chunks_is_applied_and_recorded_whole() {
    let mock = start().await;
    let chunks: String = [
        r#"{"status":"#,
        r#""inactive","notes":"#,
        r#""in three chunks"}"#,
    ]
    .iter()
    .map(|chunk| format!("{:x}\r\n{chunk}\r\n", chunk.len()))
    .collect();
    let (status, contact) = raw(
        &mock,
        format!(
            "PATCH /api/v1/contacts/{JANE} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {SECRET_KEY}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n{chunks}0\r\n\r\n"
        )
        .as_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(contact["notes"], "in three chunks");
    let journal = journal(&mock, "").await;
    assert_eq!(
        journal["requests"][0]["request"]["body"],
        json!({"status": "inactive", "notes": "in three chunks"})
    );
}
