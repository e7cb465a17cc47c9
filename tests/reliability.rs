//! Reliability under load and hostile clients: concurrent writers, oversized heads, and
//! exposure warnings.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::{JANE, SECRET_KEY, start};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn two_hundred_concurrent_patches_from_twenty_connections_leave_no_torn_write() {
    let mock = start().await;
    let url = mock.url(&format!("/api/v1/contacts/{JANE}"));

    let clients: Vec<_> = (0..20)
        .map(|client| {
            // One client, one keep-alive connection.
            let http = reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .build()
                .unwrap();
            let url = url.clone();
            tokio::spawn(async move {
                for request in 0..10 {
                    let mark = format!("c{client}-r{request}");
                    let answer = http
                        .patch(&url)
                        .bearer_auth(SECRET_KEY)
                        .json(&json!({"name": mark, "notes": mark, "city": mark}))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(answer.status(), StatusCode::OK);
                    let body: Value = answer.json().await.unwrap();
                    assert_eq!(
                        body["name"], body["notes"],
                        "a response shows one write, whole"
                    );
                }
            })
        })
        .collect();
    for client in clients {
        client.await.unwrap();
    }

    let journal = mock.journal("").await;
    let exchanges = journal["requests"].as_array().unwrap();
    let marks: BTreeSet<&str> = exchanges
        .iter()
        .map(|e| e["request"]["body"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(exchanges.len(), 200);
    assert_eq!(marks.len(), 200, "every request recorded once");
    let last_applied = &exchanges.last().unwrap()["request"]["body"];
    let jane = mock.get_contact(JANE).await.body;
    assert_eq!(
        (&jane["name"], &jane["notes"], &jane["city"]),
        (
            &last_applied["name"],
            &last_applied["notes"],
            &last_applied["city"]
        ),
        "the final state is the write with the highest seq, every field of it"
    );
}

/// Sends raw bytes and reads the whole answer.
async fn raw_answer(addr: std::net::SocketAddr, request: &[u8]) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let _ = stream.write_all(request).await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn an_oversized_request_head_is_refused_and_the_server_keeps_serving() {
    let mock = start().await;
    let huge = format!(
        "GET /api/v1/contacts/{JANE} HTTP/1.1\r\nhost: x\r\nx-padding: {}\r\nconnection: close\r\n\r\n",
        "a".repeat(200 * 1024)
    );
    let many: String = (0..200).map(|i| format!("x-h{i}: v\r\n")).collect();
    let many = format!(
        "GET /api/v1/contacts/{JANE} HTTP/1.1\r\nhost: x\r\n{many}connection: close\r\n\r\n"
    );

    // Heads just under and just over 32 KiB, each sent in one piece.
    let head_of = |size: usize| {
        let start = "GET /__admin/health HTTP/1.1\r\nhost: x\r\nconnection: close\r\nx-padding: ";
        format!("{start}{}\r\n\r\n", "a".repeat(size - start.len() - 4))
    };

    let too_large = raw_answer(mock.server.address(), huge.as_bytes()).await;
    let too_many = raw_answer(mock.server.address(), many.as_bytes()).await;
    let just_over = raw_answer(mock.server.address(), head_of(32 * 1024 + 1).as_bytes()).await;
    let just_under = raw_answer(mock.server.address(), head_of(32 * 1024 - 64).as_bytes()).await;

    for refused in [&too_large, &too_many, &just_over] {
        assert!(refused.starts_with("HTTP/1.1 431"), "{refused:.60}");
        assert_problem(refused, "head_too_large");
    }
    assert!(just_under.starts_with("HTTP/1.1 200"), "{just_under:.60}");
    assert_eq!(mock.get_contact(JANE).await.status, StatusCode::OK);
}

/// Asserts that `answer` has a problem body with `code`, valid against the problem schema,
/// whose detail says what to do.
fn assert_problem(answer: &str, code: &str) {
    let (head, body) = answer.split_once("\r\n\r\n").expect("a head and a body");
    assert!(
        head.to_ascii_lowercase()
            .contains("\r\ncontent-type: application/problem+json"),
        "{head}"
    );
    let length: usize = head
        .to_ascii_lowercase()
        .split("\r\ncontent-length: ")
        .nth(1)
        .and_then(|rest| rest.split("\r\n").next()?.parse().ok())
        .expect("a content-length");
    assert_eq!(length, body.len(), "the whole body, and nothing after it");
    let body: Value = serde_json::from_str(body).unwrap();
    assert_eq!(body["code"], code);
    assert!(
        common::SchemaRegistry::compile()
            .unwrap()
            .problem
            .violations(&body)
            .is_empty()
    );
}

#[tokio::test]
async fn a_request_hyper_cannot_parse_gets_a_400_problem_and_the_server_keeps_serving() {
    let mock = start().await;
    let addr = mock.server.address();

    let garbage = raw_answer(addr, b"GARBAGE\r\n\r\n").await;
    let bad_header = raw_answer(
        addr,
        b"GET /__admin/health HTTP/1.1\r\nhost: x\r\nno colon here\r\n\r\n",
    )
    .await;
    let bad_version = raw_answer(addr, b"GET /__admin/health HTTP/9.1\r\nhost: x\r\n\r\n").await;

    for refused in [&garbage, &bad_header, &bad_version] {
        assert!(refused.starts_with("HTTP/1.1 400"), "{refused:.60}");
        assert_problem(refused, "malformed_request");
    }
    assert_eq!(mock.get_contact(JANE).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_client_too_slow_to_send_its_head_is_disconnected() {
    let mock = common::start_with(|o| o.header_timeout(Duration::from_secs(1))).await;
    let mut stream = tokio::net::TcpStream::connect(mock.server.address())
        .await
        .unwrap();

    stream
        .write_all(b"GET /api/v1/contacts HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let closed = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        stream.read_to_end(&mut answer),
    )
    .await;

    assert!(
        closed.is_ok(),
        "the connection was closed by the mock within the timeout"
    );
    assert_eq!(mock.get_contact(JANE).await.status, StatusCode::OK);
}

/// Sends `GET path` on `stream` and reads the whole answer (head and `content-length`
/// body); `None` when the connection is closed instead.
async fn exchange_on(stream: &mut tokio::net::TcpStream, path: &str) -> Option<u16> {
    let request =
        format!("GET {path} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {SECRET_KEY}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut answer = Vec::new();
    let mut buffer = [0; 4096];
    loop {
        let read = stream.read(&mut buffer).await.ok()?;
        if read == 0 {
            return None;
        }
        answer.extend_from_slice(&buffer[..read]);
        let Some(split) = answer.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&answer[..split]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .map_or(0, |value| value.trim().parse().unwrap());
        if answer.len() >= split + 4 + length {
            return head.split(' ').nth(1)?.parse().ok();
        }
    }
}

#[tokio::test]
async fn a_keep_alive_connection_in_use_outlives_the_head_timeout() {
    let mock = common::start_with(|o| o.header_timeout(Duration::from_secs(1))).await;
    let mut stream = tokio::net::TcpStream::connect(mock.server.address())
        .await
        .unwrap();

    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(exchange_on(&mut stream, &format!("/api/v1/contacts/{JANE}")).await);
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }

    assert_eq!(statuses, vec![Some(200); 8], "2.4 s on one connection");
}

#[tokio::test]
async fn a_slow_answer_does_not_count_against_the_head_timeout() {
    let mock = common::start_with(|o| {
        let slow = Duration::from_millis(1500);
        o.header_timeout(Duration::from_secs(1)).latency(slow, slow)
    })
    .await;
    let mut stream = tokio::net::TcpStream::connect(mock.server.address())
        .await
        .unwrap();

    let slow = exchange_on(&mut stream, &format!("/api/v1/contacts/{JANE}")).await;
    let next = exchange_on(&mut stream, "/__admin/health").await;

    assert_eq!((slow, next), (Some(200), Some(200)));
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_head_timeout() {
    let mock = common::start_with(|o| o.header_timeout(Duration::from_secs(1))).await;
    let mut stream = tokio::net::TcpStream::connect(mock.server.address())
        .await
        .unwrap();
    assert_eq!(exchange_on(&mut stream, "/__admin/health").await, Some(200));

    let mut rest = Vec::new();
    let closed = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        stream.read_to_end(&mut rest),
    )
    .await;

    assert!(
        closed.is_ok(),
        "closed within the timeout, after its answer"
    );
    assert!(rest.is_empty(), "nothing more was sent");
}

#[tokio::test]
async fn connections_over_the_cap_are_refused_with_a_503_problem() {
    let mock = common::start_with(|o| o.max_connections(2)).await;
    let first = tokio::net::TcpStream::connect(mock.server.address())
        .await
        .unwrap();
    let second = tokio::net::TcpStream::connect(mock.server.address())
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;

    let refused = raw_answer(mock.server.address(), b"GET / HTTP/1.1\r\nhost: x\r\n\r\n").await;
    drop((first, second));
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let after = mock.get_contact(JANE).await;

    assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
    assert!(refused.contains("\r\nretry-after: 1\r\n"), "{refused}");
    assert_problem(&refused, "too_many_connections");
    assert_eq!(after.status, StatusCode::OK, "a freed slot is usable again");
}
