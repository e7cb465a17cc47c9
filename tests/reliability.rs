//! Reliability under load and hostile clients: concurrent writers, oversized heads, and
//! exposure warnings.

mod common;

use std::collections::BTreeSet;

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

    let journal: Value = mock
        .http
        .get(mock.url("/__admin/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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

    let too_large = raw_answer(mock.server.addr(), huge.as_bytes()).await;
    let too_many = raw_answer(mock.server.addr(), many.as_bytes()).await;

    assert!(too_large.starts_with("HTTP/1.1 431"), "{too_large:.60}");
    assert!(too_many.starts_with("HTTP/1.1 431"), "{too_many:.60}");
    assert_eq!(mock.get_contact(JANE).await.status, StatusCode::OK);
}
