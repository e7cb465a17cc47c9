//! The inspector's parts that a browser is not needed for: the page is served, the stream of
//! exchanges (server-sent events), and the verdict headers of every API answer. The page
//! in a real browser is `.ci/inspector.mjs`, run by `.ci/run`.

mod common;

use std::time::Duration;

use common::{JANE, Mock, SECRET_KEY, start};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The whole events of `text`: (event name, id, data). A block the blank line has not ended
/// yet is left out: a read may stop inside an event's data.
fn events(text: &str) -> Vec<(String, Option<u64>, String)> {
    let whole = text.rfind("\n\n").map_or("", |end| &text[..end]);
    whole
        .split("\n\n")
        .filter_map(|block| {
            let (mut name, mut id, mut data) = (None, None, None);
            for line in block.lines() {
                if let Some(value) = line.strip_prefix("event: ") {
                    name = Some(value.to_owned());
                } else if let Some(value) = line.strip_prefix("id: ") {
                    id = value.parse().ok();
                } else if let Some(value) = line.strip_prefix("data: ") {
                    data = Some(value.to_owned());
                }
            }
            Some((name?, id, data?))
        })
        .collect()
}

/// Whether the event with this id has come whole.
fn has_event(text: &str, id: u64) -> bool {
    events(text).iter().any(|(_, seen, _)| *seen == Some(id))
}

#[test]
fn a_read_that_stops_inside_an_event_sees_only_the_whole_ones() {
    let text = "id: 1\nevent: exchange\ndata: {\"seq\":1}\n\nid: 2\nevent: exchange\ndata: {\"se";
    assert_eq!(
        events(text),
        [("exchange".to_owned(), Some(1), "{\"seq\":1}".to_owned())]
    );
    assert!(has_event(text, 1) && !has_event(text, 2));
}

/// Reads `response` until `done` holds of what came, or 20 s pass.
async fn read_until(response: &mut reqwest::Response, done: impl Fn(&str) -> bool) -> String {
    let mut text = String::new();
    let reading = async {
        while !done(&text) {
            match response.chunk().await.expect("the stream reads") {
                Some(chunk) => text.push_str(&String::from_utf8_lossy(&chunk)),
                None => break,
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), reading)
        .await
        .expect("the events came within 20 s");
    text
}

async fn stream(mock: &Mock, path: &str) -> reqwest::Response {
    let response = mock.http.get(mock.url(path)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    response
}

#[tokio::test]
async fn the_page_is_served_whole_from_the_binary() {
    let mock = start().await;
    let response = mock.http.get(mock.url("/__admin/")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    let page = response.text().await.unwrap();
    assert!(page.contains("/requests/stream"), "it reads the stream");
    for elsewhere in [
        "http://",
        "https://",
        "//cdn",
        "<script src",
        "<link rel=\"stylesheet\"",
    ] {
        assert!(
            !page.contains(elsewhere),
            "nothing fetched from elsewhere: {elsewhere}"
        );
    }
    assert!(
        mock.journal("").await["requests"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn every_api_answer_carries_its_verdict_and_seq_for_the_browser() {
    let mock = start().await;
    let ok = mock.get_contact(JANE).await;
    let bad = mock
        .patch_contact(JANE, json!({ "statsu": "active" }))
        .await;
    let preflight = mock
        .http
        .request(
            Method::OPTIONS,
            mock.url(&format!("/api/v1/contacts/{JANE}")),
        )
        .header("Origin", "http://localhost:3000")
        .header("Access-Control-Request-Method", "PATCH")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.headers["x-gately-mock-verdict"], "ok");
    assert_eq!(ok.headers["x-gately-mock-seq"], "1");
    assert_eq!(bad.headers["x-gately-mock-verdict"], "violation");
    assert_eq!(bad.headers["x-gately-mock-seq"], "2");
    assert_eq!(preflight.headers()["x-gately-mock-seq"], "3");
    let exposed = mock
        .http
        .get(mock.url(&format!("/api/v1/contacts/{JANE}")))
        .bearer_auth(SECRET_KEY)
        .header("Origin", "http://localhost:3000")
        .send()
        .await
        .unwrap();
    let exposed = exposed.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap();
    assert!(exposed.contains("X-Gately-Mock-Verdict") && exposed.contains("X-Gately-Mock-Seq"));
    // The journal records the exchange's own headers, not these two, which restate it.
    let journal = mock.journal("").await;
    let headers = &journal["requests"][1]["response"]["headers"];
    assert!(headers.get("x-gately-mock-verdict").is_none(), "{headers}");
    let admin = mock
        .http
        .get(mock.url("/__admin/health"))
        .send()
        .await
        .unwrap();
    assert!(
        admin.headers().get("x-gately-mock-verdict").is_none(),
        "admin answers are not exchanges"
    );
}

#[tokio::test]
async fn the_stream_delivers_every_exchange_in_seq_order_as_it_comes() {
    let mock = start().await;
    mock.get_contact(JANE).await;
    let mut response = stream(&mock, "/__admin/requests/stream").await;
    // The journal first (one exchange), then the thousand sent while the stream is open.
    let sender = {
        let (http, url) = (mock.http.clone(), mock.url("/api/v1/contacts/tags"));
        tokio::spawn(async move {
            for _ in 0..1000 {
                let answer = http.get(&url).bearer_auth(SECRET_KEY).send().await.unwrap();
                assert_eq!(answer.status(), StatusCode::OK);
            }
        })
    };
    let text = read_until(&mut response, |text| has_event(text, 1001)).await;
    sender.await.unwrap();
    let received = events(&text);
    let ids: Vec<u64> = received.iter().filter_map(|(_, id, _)| *id).collect();
    assert_eq!(ids, (1..=1001).collect::<Vec<_>>());
    for (name, id, data) in &received {
        assert_eq!(name, "exchange");
        let exchange: Value = serde_json::from_str(data).expect("each event is one exchange");
        assert_eq!(exchange["seq"].as_u64(), *id);
    }
}

#[tokio::test]
async fn a_stream_resumes_after_last_event_id_and_takes_the_journal_filters() {
    let mock = start().await;
    for body in [
        json!({ "status": "active" }),
        json!({ "statsu": "x" }),
        json!({ "notes": "n" }),
    ] {
        mock.patch_contact(JANE, body).await;
    }
    let resumed = mock
        .http
        .get(mock.url("/__admin/requests/stream"))
        .header("Last-Event-ID", "1")
        .send()
        .await
        .unwrap();
    let mut resumed = resumed;
    let text = read_until(&mut resumed, |text| has_event(text, 3)).await;
    let ids: Vec<u64> = events(&text).iter().filter_map(|(_, id, _)| *id).collect();
    assert_eq!(ids, [2, 3], "after the last one seen");

    let mut violations = stream(&mock, "/__admin/requests/stream?verdict=violation").await;
    mock.patch_contact(JANE, json!({ "emial": "x" })).await;
    mock.get_contact(JANE).await;
    mock.patch_contact(JANE, json!({ "stauts": "x" })).await;
    let text = read_until(&mut violations, |text| has_event(text, 6)).await;
    let ids: Vec<u64> = events(&text).iter().filter_map(|(_, id, _)| *id).collect();
    assert_eq!(ids, [2, 4, 6], "replayed and live, violations only");

    let bad = mock
        .http
        .get(mock.url("/__admin/requests/stream"))
        .header("Last-Event-ID", "latest")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = bad.json().await.unwrap();
    assert_eq!(problem["errors"][0]["pointer"], "/headers/last-event-id");
    let typo = mock
        .http
        .get(mock.url("/__admin/requests/stream?verdcit=ok"))
        .send()
        .await
        .unwrap();
    assert_eq!(typo.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_reader_that_stops_reading_never_holds_the_api_and_can_resume() {
    let mock = start().await;
    // A reader with a small socket buffer that sends its request, then reads nothing for a
    // while. (How far behind it falls before it misses events depends on the kernel's
    // buffers as well as the mock's; the missing itself is `journal::stream`'s unit test.)
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut reader = socket.connect(mock.server.address()).await.unwrap();
    reader
        .write_all(b"GET /__admin/requests/stream HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let sent = 1500;
    let flood = async {
        for _ in 0..sent {
            let answer = mock
                .http
                .get(mock.url("/api/v1/contacts/tags"))
                .bearer_auth(SECRET_KEY)
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status(), StatusCode::OK);
        }
    };
    tokio::time::timeout(Duration::from_secs(120), flood)
        .await
        .expect("the API answers while a reader lags");
    // Now it reads: events in order, and a `dropped` event before any gap, counting it.
    mock.get_contact(JANE).await;
    let mut text = String::new();
    let mut buffer = vec![0; 65536];
    let reading = async {
        while !text.contains(&format!("id: {}\n", sent + 1)) {
            let read = reader.read(&mut buffer).await.unwrap();
            assert!(read > 0, "the stream stays open");
            text.push_str(&String::from_utf8_lossy(&buffer[..read]));
        }
    };
    tokio::time::timeout(Duration::from_secs(30), reading)
        .await
        .expect("the reader gets the rest");
    let (mut last, mut seen) = (0, Vec::new());
    let mut told = 0;
    for (name, id, data) in events(&text) {
        if name == "dropped" {
            let missed: Value = serde_json::from_str(&data).unwrap();
            told = missed["dropped"].as_u64().unwrap();
            continue;
        }
        let id = id.unwrap();
        assert_eq!(
            id - last - 1,
            told,
            "a gap of {} after #{last}, told {told}",
            id - last - 1
        );
        (last, told) = (id, 0);
        seen.push(id);
    }
    // Resumed after any id it saw, the journal gives back what came after.
    let from = seen[seen.len() / 2];
    let mut resumed = mock
        .http
        .get(mock.url("/__admin/requests/stream"))
        .header("Last-Event-ID", from.to_string())
        .send()
        .await
        .unwrap();
    let text = read_until(&mut resumed, |text| {
        text.contains(&format!("id: {}\n", sent + 1))
    })
    .await;
    let ids: Vec<u64> = events(&text).iter().filter_map(|(_, id, _)| *id).collect();
    assert_eq!(ids, ((from + 1)..=(sent + 1)).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_workspace_has_a_stream_of_its_own_which_ends_with_it() {
    let mock = start().await;
    let made: Value = mock
        .http
        .post(mock.url("/__admin/workspaces"))
        .body(r#"{"name":"streamed"}"#)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut own = stream(&mock, "/__admin/workspaces/streamed/requests/stream").await;
    mock.get_contact(JANE).await; // default's, not the workspace's
    let key = made["api_key"].as_str().unwrap();
    mock.send(
        mock.http
            .get(mock.url(&format!("/api/v1/contacts/{JANE}")))
            .bearer_auth(key),
    )
    .await;
    let text = read_until(&mut own, |text| has_event(text, 1)).await;
    let exchange: Value = serde_json::from_str(&events(&text)[0].2).unwrap();
    assert_eq!(exchange["workspace"], "streamed");
    mock.http
        .delete(mock.url("/__admin/workspaces/streamed"))
        .send()
        .await
        .unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        while own.chunk().await.unwrap().is_some() {}
    })
    .await;
    assert!(ended.is_ok(), "the stream ends with its workspace");
}

#[tokio::test]
async fn an_open_stream_does_not_hold_the_server_at_shutdown() {
    let server = gately_mock::MockServer::start().await;
    let mut open = reqwest::get(format!("{}/__admin/requests/stream", server.uri()))
        .await
        .unwrap();
    assert_eq!(open.status(), StatusCode::OK);
    let stopped = tokio::time::timeout(Duration::from_secs(3), server.shutdown()).await;
    assert!(
        stopped.is_ok(),
        "shut down without waiting out the grace period"
    );
    assert!(
        open.chunk()
            .await
            .map(|chunk| chunk.is_none())
            .unwrap_or(true)
    );
}

#[tokio::test]
async fn an_update_records_what_it_changed_field_by_field() {
    let mock = start().await;
    // Jane is active already; the second PATCH comes at the same (frozen) instant.
    for _ in 0..2 {
        mock.patch_contact(JANE, json!({ "status": "active" }))
            .await;
    }
    mock.patch_contact(JANE, json!({ "statsu": "x" })).await; // refused
    mock.call(
        Method::PATCH,
        &format!("/api/v1/contacts/{JANE}/custom-fields"),
        Some(json!({ "plan": "enterprise", "source": null })),
    )
    .await;
    let tags = mock
        .call(Method::GET, "/api/v1/contacts/tags", None)
        .await
        .body;
    let vip = tags[0]["id"].as_str().unwrap().to_owned();
    mock.call(
        Method::PUT,
        &format!("/api/v1/contacts/tags/{vip}"),
        Some(json!({ "color": "#000000" })),
    )
    .await;
    let journal = mock.journal("").await;
    let changes: Vec<&Value> = journal["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|exchange| &exchange["changes"])
        .collect();
    assert_eq!(
        changes[0],
        &json!({ "updated_at": { "before": "2025-06-01T10:00:00.000Z", "after": common::FROZEN } }),
        "set what was set: only the time moves"
    );
    assert_eq!(
        changes[1],
        &Value::Null,
        "set again at the same instant: nothing"
    );
    assert_eq!(changes[2], &Value::Null, "a refusal changes nothing");
    assert_eq!(
        changes[3]["custom_fields"],
        json!({
            "before": { "plan": "pro", "source": "webinar" },
            "after": { "plan": "enterprise" },
        })
    );
    assert!(
        changes[3].get("updated_at").is_none(),
        "moved by the first PATCH already"
    );
    assert_eq!(changes[4], &Value::Null, "a read");
    assert_eq!(
        changes[5],
        &json!({ "color": { "before": tags[0]["color"], "after": "#000000" } })
    );
}

#[tokio::test]
async fn an_open_stream_outlives_the_head_timeout() {
    let mock = common::start_with(|options| options.header_timeout(Duration::from_secs(1))).await;
    let mut open = stream(&mock, "/__admin/requests/stream").await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    mock.get_contact(JANE).await;
    let text = read_until(&mut open, |text| has_event(text, 1)).await;
    assert!(
        text.contains("event: exchange"),
        "still open after 2.5 s: {text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_exchanges_resume_without_a_gap_or_a_repeat() {
    let mock = common::start_with(|options| {
        options.latency(Duration::from_millis(1), Duration::from_millis(20))
    })
    .await;
    let mut first = stream(&mock, "/__admin/requests/stream").await;
    let senders: Vec<_> = (0..16)
        .map(|_| {
            let (http, url) = (mock.http.clone(), mock.url("/api/v1/contacts/tags"));
            tokio::spawn(async move {
                for _ in 0..20 {
                    http.get(&url).bearer_auth(SECRET_KEY).send().await.unwrap();
                }
            })
        })
        .collect();
    // Half of them seen on the first stream; then it goes away, and a second one resumes.
    let text = read_until(&mut first, |text| events(text).len() >= 160).await;
    drop(first);
    let seen: Vec<(u64, u64)> = events(&text)
        .iter()
        .map(|(_, id, data)| {
            let exchange: Value = serde_json::from_str(data).unwrap();
            (id.unwrap(), exchange["seq"].as_u64().unwrap())
        })
        .collect();
    let last = seen.last().unwrap().0;
    for sender in senders {
        sender.await.unwrap();
    }
    let mut resumed = mock
        .http
        .get(mock.url("/__admin/requests/stream"))
        .header("Last-Event-ID", last.to_string())
        .send()
        .await
        .unwrap();
    let text = read_until(&mut resumed, |text| has_event(text, 320)).await;
    let mut all = seen;
    all.extend(events(&text).iter().map(|(_, id, data)| {
        let exchange: Value = serde_json::from_str(data).unwrap();
        (id.unwrap(), exchange["seq"].as_u64().unwrap())
    }));
    let ids: Vec<u64> = all.iter().map(|(id, _)| *id).collect();
    assert_eq!(
        ids,
        (1..=320).collect::<Vec<_>>(),
        "every event once, ids in order"
    );
    let mut seqs: Vec<u64> = all.iter().map(|(_, seq)| *seq).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=320).collect::<Vec<_>>(), "every exchange once");
}

#[tokio::test]
async fn a_reset_is_told_to_open_streams_and_limit_is_refused() {
    let mock = start().await;
    let mut open = stream(&mock, "/__admin/requests/stream").await;
    mock.get_contact(JANE).await;
    mock.http
        .post(mock.url("/__admin/reset"))
        .send()
        .await
        .unwrap();
    mock.get_contact(JANE).await;
    let text = read_until(&mut open, |text| has_event(text, 2)).await;
    let received: Vec<(String, Option<u64>)> = events(&text)
        .into_iter()
        .map(|(name, id, _)| (name, id))
        .collect();
    assert_eq!(
        received,
        [
            ("exchange".to_owned(), Some(1)),
            ("cleared".to_owned(), None),
            ("exchange".to_owned(), Some(2)),
        ],
        "ids go on after a reset: a reconnect resumes from the right place"
    );
    let limited = mock
        .http
        .get(mock.url("/__admin/requests/stream?limit=3"))
        .send()
        .await
        .unwrap();
    assert_eq!(limited.status(), StatusCode::BAD_REQUEST);
    let problem: Value = limited.json().await.unwrap();
    assert_eq!(problem["errors"][0]["pointer"], "/query/limit");
}
