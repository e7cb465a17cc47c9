//! Bad input never crashes or corrupts: every malformed request gets a problem body (D1, D2)
//! and leaves the contact as it was.

mod common;

use common::{JANE, SECRET_KEY, raw, start, start_with};
use reqwest::{Method, StatusCode};

const JANE_PATH: &str = "/api/v1/contacts/a1b2c3d4-e5f6-4789-abcd-ef1234567890";

fn patch_with(
    mock: &common::Mock,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> reqwest::RequestBuilder {
    mock.request(Method::PATCH, JANE_PATH)
        .header("content-type", content_type)
        .body(body)
}

#[tokio::test]
async fn malformed_json_is_400_with_line_and_column() {
    let mock = start().await;
    let answer = mock
        .send(patch_with(
            &mock,
            "application/json",
            "{\n  \"status\": \"active\",\n}",
        ))
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        (answer.body["line"].as_u64(), answer.body["column"].as_u64()),
        (Some(3), Some(1))
    );
    snapshot!("malformed_json", answer.body);
}

#[tokio::test]
async fn json_that_is_not_an_object_is_422_at_the_root_pointer() {
    let mock = start().await;
    for (body, found) in [
        ("[]", "array"),
        ("\"active\"", "string"),
        ("42", "number"),
        ("null", "null"),
        ("true", "boolean"),
    ] {
        let answer = mock.send(patch_with(&mock, "application/json", body)).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(answer.body["errors"][0]["pointer"], "", "{body}");
        assert_eq!(
            answer.body["errors"][0]["message"],
            format!("expected object, found {found}")
        );
    }
}

#[tokio::test]
async fn deeply_nested_json_is_refused_without_exhausting_the_stack() {
    let mock = start().await;
    let depth = 100_000;
    let body = format!(
        "{{\"custom_fields\":{}{}}}",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let answer = mock.send(patch_with(&mock, "application/json", body)).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.body["code"], "malformed_json");
    assert!(
        answer.body["detail"]
            .as_str()
            .unwrap()
            .contains("recursion limit")
    );
}

#[tokio::test]
async fn json_nested_past_the_limit_is_refused_and_every_recording_still_reads() {
    let mock = start().await;
    let nested = |levels: usize| format!("{}{}", "[".repeat(levels), "]".repeat(levels));
    let too_deep = format!("{{\"custom_fields\":{{\"a\":{}}}}}", nested(99));
    let deepest_taken = format!("{{\"custom_fields\":{{\"a\":{}}}}}", nested(98));

    let refused = mock
        .send(patch_with(&mock, "application/json", too_deep))
        .await;
    let patched = mock
        .send(
            mock.request(Method::PATCH, &format!("{JANE_PATH}/custom-fields"))
                .header("content-type", "application/json")
                .body(format!("{{\"a\":{}}}", nested(99))),
        )
        .await;
    let ignored = mock
        .send(mock.request(Method::GET, JANE_PATH).body(nested(127)))
        .await;
    let taken = mock
        .send(patch_with(&mock, "application/json", deepest_taken))
        .await;

    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.body["code"], "body_too_deep");
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    assert_eq!(ignored.status, StatusCode::OK);
    assert_eq!(taken.status, StatusCode::OK);
    let list = mock
        .send(mock.request(Method::GET, "/api/v1/contacts"))
        .await;
    assert_eq!(list.status, StatusCode::OK);
    let har = mock.admin_json("/__admin/requests.har").await;
    assert_eq!(har["log"]["entries"].as_array().unwrap().len(), 5);
    let journal = mock.journal("").await;
    assert_eq!(journal["requests"][2]["request"]["body_encoding"], "text");
}

#[tokio::test]
async fn a_header_sent_twice_is_judged_as_the_journal_records_it() {
    let mock = start().await;
    let request = format!(
        "PATCH {JANE_PATH} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {SECRET_KEY}\r\ncontent-type: application/json\r\ncontent-type: text/plain\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{{}}"
    );

    let (status, body) = raw(&mock, request.as_bytes()).await;

    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        body["detail"],
        "send the body as JSON with the header `Content-Type: application/json` (got \"application/json, text/plain\")"
    );
}

#[tokio::test]
async fn a_key_that_is_not_text_is_refused_as_not_bearer_and_check_agrees() {
    let mock = start().await;
    let request: Vec<u8> = [
        format!("GET {JANE_PATH} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ").as_bytes(),
        &[0xff, 0xfe],
        b"\r\nconnection: close\r\n\r\n",
    ]
    .concat();

    let (status, body) = raw(&mock, &request).await;

    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "invalid_authorization");
}

#[tokio::test]
async fn invalid_utf8_is_400() {
    let mock = start().await;
    let body: Vec<u8> = [b"{\"notes\":\"".as_slice(), &[0xff, 0xfe], b"\"}"].concat();
    let answer = mock.send(patch_with(&mock, "application/json", body)).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.body["code"], "malformed_json");

    // Kept byte for byte, so that check of the HAR judges the bytes the server did.
    let journal = mock.journal("").await;
    assert_eq!(journal["requests"][0]["request"]["body_encoding"], "base64");
    assert_eq!(
        journal["requests"][0]["request"]["body"],
        "eyJub3RlcyI6Iv/+In0="
    );
    let har = mock.admin_text("/__admin/requests.har").await;
    let har_value: serde_json::Value = serde_json::from_str(&har).unwrap();
    assert_eq!(
        har_value["log"]["entries"][0]["request"]["postData"]["_encoding"],
        "base64"
    );
    let dir = common::TempDir::new("utf8-har");
    std::fs::write(dir.0.join("session.har"), &har).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_gately-mock"))
        .args(["check", "session.har", "--format", "json"])
        .current_dir(&dir.0)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        report["exchanges"][0]["violations"][0]["message"],
        journal["requests"][0]["violations"][0]["message"]
    );
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_whether_declared_or_streamed() {
    let mock = start_with(|o| o.max_body(64)).await;
    let big = format!("{{\"notes\":\"{}\"}}", "x".repeat(100));

    let declared = mock
        .send(patch_with(&mock, "application/json", big.clone()))
        .await;
    let chunk = format!("{:x}\r\n{big}\r\n0\r\n\r\n", big.len());
    let streamed = raw(
        &mock,
        format!(
            "PATCH {JANE_PATH} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {SECRET_KEY}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n{chunk}"
        )
        .as_bytes(),
    )
    .await;

    assert_eq!(declared.status, StatusCode::PAYLOAD_TOO_LARGE);
    snapshot!("body_too_large", declared.body);
    assert_eq!(streamed.0, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn a_body_that_is_not_json_is_415() {
    let mock = start().await;
    let text = mock
        .send(patch_with(
            &mock,
            "text/plain;charset=UTF-8",
            "{\"status\":\"active\"}",
        ))
        .await;
    let none = mock
        .send(
            mock.request(Method::PATCH, JANE_PATH)
                .body("{\"status\":\"active\"}"),
        )
        .await;
    assert_eq!(text.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    snapshot!("wrong_content_type", text.body);
    assert_eq!(none.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(none.body["errors"][0]["pointer"], "/headers/content-type");
}

#[tokio::test]
async fn an_empty_body_is_400_empty_body() {
    let mock = start().await;
    let answer = mock.send(patch_with(&mock, "application/json", "")).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    snapshot!("empty_body", answer.body);
}

#[tokio::test]
async fn an_unknown_contact_is_404() {
    let mock = start().await;
    let answer = mock
        .get_contact("00000000-0000-4000-8000-000000000000")
        .await;
    let patched = mock
        .patch_contact(
            "00000000-0000-4000-8000-000000000000",
            serde_json::json!({"notes": "x"}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(patched.status, StatusCode::NOT_FOUND);
    snapshot!("unknown_contact", answer.body);
}

#[tokio::test]
async fn a_contact_id_that_is_not_a_uuid_is_400_naming_the_parameter() {
    let mock = start().await;
    let answer = mock.get_contact("con_abc123").await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    snapshot!("non_uuid_id", answer.body);
}

#[tokio::test]
async fn a_wrong_method_is_405_with_allow() {
    let mock = start().await;
    for method in [Method::PUT, Method::POST, Method::HEAD] {
        let response = mock
            .request(method.clone(), JANE_PATH)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method}"
        );
        assert_eq!(response.headers()["allow"], "GET, PATCH, DELETE, OPTIONS");
    }
    let answer = mock.send(mock.request(Method::PUT, JANE_PATH)).await;
    snapshot!("method_not_allowed", answer.body);
}

#[tokio::test]
async fn unknown_routes_are_404() {
    let mock = start().await;
    for path in [
        "/",
        "/api/v1/contact/x",
        "/api/v1/contacts/a/b/c",
        "/api/v2/contacts/x",
        "/api/v1/contacts/",
    ] {
        let answer = mock.send(mock.request(Method::GET, path)).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(answer.body["code"], "route_not_found");
    }
    let answer = mock.send(mock.request(Method::GET, "/nope")).await;
    snapshot!("unknown_route", answer.body);
    let slash = mock
        .send(mock.request(Method::GET, "/api/v1/contacts/"))
        .await;
    assert_eq!(
        slash.body["detail"],
        "no route matches GET /api/v1/contacts/; did you mean /api/v1/contacts? (every route is in GET /__admin/openapi.json)"
    );
    let typo = mock
        .send(mock.request(
            Method::POST,
            &format!("/api/v1/contacts/{JANE}/unsubscribe"),
        ))
        .await;
    assert_eq!(
        typo.body["detail"],
        format!(
            "no route matches POST /api/v1/contacts/{JANE}/unsubscribe; did you mean /api/v1/contacts/{{contactId}}/unsubscribes? (every route is in GET /__admin/openapi.json)"
        )
    );
}

#[tokio::test]
async fn garbage_on_the_wire_gets_a_400_and_the_server_keeps_serving() {
    let mock = start().await;

    let mut stream = tokio::net::TcpStream::connect(mock.server.address())
        .await
        .unwrap();
    tokio::io::AsyncWriteExt::write_all(&mut stream, b"\x00\x01NOT HTTP AT ALL\r\n\r\n")
        .await
        .unwrap();
    let mut reply = Vec::new();
    tokio::io::AsyncReadExt::read_to_end(&mut stream, &mut reply)
        .await
        .unwrap();

    assert!(String::from_utf8_lossy(&reply).starts_with("HTTP/1.1 400"));
    assert_eq!(mock.get_contact(JANE).await.status, StatusCode::OK);
}

#[tokio::test]
async fn after_every_bad_request_the_contact_is_unchanged() {
    let mock = start_with(|o| o.max_body(64)).await;
    let before = mock.get_contact(JANE).await.body;
    let bad: [(&str, &str); 5] = [
        ("application/json", "{\"status\":"),
        ("application/json", "[1]"),
        ("text/plain", "{\"status\":\"archived\"}"),
        ("application/json", "{\"status\":\"archived\",\"nope\":1}"),
        (
            "application/json",
            "{\"notes\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
        ),
    ];
    for (content_type, body) in bad {
        let answer = mock.send(patch_with(&mock, content_type, body)).await;
        assert!(answer.status.is_client_error(), "{body}");
    }
    assert_eq!(mock.get_contact(JANE).await.body, before);
}
