//! Browser access (D14), test control with Prefer (D15) and the marker header.

mod common;

use common::{JANE, start};
use reqwest::{Method, StatusCode};
use serde_json::json;

const JANE_PATH: &str = "/api/v1/contacts/a1b2c3d4-e5f6-4789-abcd-ef1234567890";

#[tokio::test]
async fn a_preflight_is_answered_204_without_a_key() {
    let mock = start().await;

    let answer = mock
        .send(
            mock.http
                .request(Method::OPTIONS, mock.url(JANE_PATH))
                .header("origin", "http://localhost:5173")
                .header("access-control-request-method", "PATCH")
                .header(
                    "access-control-request-headers",
                    "authorization, content-type",
                ),
        )
        .await;

    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    let header = |name: &str| answer.headers[name].to_str().unwrap().to_owned();
    assert_eq!(
        header("access-control-allow-origin"),
        "http://localhost:5173"
    );
    assert_eq!(
        header("access-control-allow-methods"),
        "GET, PATCH, DELETE, OPTIONS"
    );
    assert_eq!(
        header("access-control-allow-headers"),
        "Authorization, X-Project-ID, Content-Type, Prefer"
    );
    assert_eq!(header("access-control-max-age"), "600");
    assert_eq!(header("vary"), "Origin");
}

#[tokio::test]
async fn a_preflight_on_any_api_path_is_answered_so_the_browser_can_read_the_404() {
    let mock = start().await;
    let preflight = |path: &str| {
        mock.http
            .request(Method::OPTIONS, mock.url(path))
            .header("origin", "http://localhost:5173")
            .header("access-control-request-method", "GET")
    };

    let unserved_path = "/api/v1/contacts/a1b2c3d4-e5f6-4789-abcd-ef1234567890/notes";
    let unserved = mock.send(preflight(unserved_path)).await;
    let elsewhere = mock.send(preflight("/api/v1/nothing/here")).await;
    let outside = mock.send(preflight("/favicon.ico")).await;
    let then = mock
        .send(
            mock.request(Method::GET, unserved_path)
                .header("origin", "http://localhost:5173"),
        )
        .await;

    for answer in [&unserved, &elsewhere] {
        assert_eq!(answer.status, StatusCode::NO_CONTENT);
        assert_eq!(
            answer.headers["access-control-allow-methods"],
            "GET, POST, PUT, PATCH, DELETE, OPTIONS"
        );
        assert_eq!(
            answer.headers["access-control-allow-origin"],
            "http://localhost:5173"
        );
    }
    assert_eq!(outside.status, StatusCode::NOT_FOUND, "not an API path");
    assert_eq!(then.status, StatusCode::NOT_FOUND);
    assert_eq!(then.body["code"], "route_not_found");
    assert_eq!(
        then.headers["access-control-allow-origin"],
        "http://localhost:5173"
    );
}

#[tokio::test]
async fn a_frontend_may_read_the_headers_it_acts_on() {
    let mock = start().await;

    let answer = mock
        .send(
            mock.http
                .get(mock.url(JANE_PATH))
                .header("origin", "http://localhost:5173"),
        )
        .await;

    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    let exposed = answer.headers["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_owned();
    for name in [
        "Allow",
        "Location",
        "Retry-After",
        "WWW-Authenticate",
        "X-Gately-Mock",
    ] {
        assert!(
            exposed.split(", ").any(|listed| listed == name),
            "{name} in {exposed}"
        );
    }
}

#[tokio::test]
async fn a_query_on_a_route_that_takes_none_is_refused_naming_each_parameter() {
    let strict = start().await;
    let lenient = common::start_with(|options| options.lenient()).await;
    let path = format!("{JANE_PATH}?foo=1&bar");

    let refused = strict
        .send(
            strict
                .request(Method::PATCH, &path)
                .json(&json!({"status": "active"})),
        )
        .await;
    let served = lenient
        .send(
            lenient
                .request(Method::PATCH, &path)
                .json(&json!({"status": "active"})),
        )
        .await;

    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.body["code"], "invalid_query");
    let pointers: Vec<&str> = refused.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| error["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(pointers, ["/query/foo", "/query/bar"]);
    assert_eq!(served.status, StatusCode::OK);
    let journal = lenient.journal("").await;
    let warnings: Vec<&str> = journal["requests"][0]["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|warning| warning["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(warnings, ["/query/foo", "/query/bar"]);
}

#[tokio::test]
async fn every_response_echoes_the_origin_errors_included() {
    let mock = start().await;
    let with_origin =
        |request: reqwest::RequestBuilder| request.header("origin", "https://app.example.com");

    let ok = mock
        .send(with_origin(mock.request(Method::GET, JANE_PATH)))
        .await;
    let refused = mock
        .send(with_origin(mock.http.get(mock.url(JANE_PATH))))
        .await;

    for answer in [&ok, &refused] {
        assert_eq!(
            answer.headers["access-control-allow-origin"],
            "https://app.example.com"
        );
        assert_eq!(answer.headers["vary"], "Origin");
    }
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn prefer_code_forces_a_documented_error_after_validation_and_changes_nothing() {
    let mock = start().await;
    let before = mock.get_contact(JANE).await.body;

    let forced = mock
        .send(
            mock.request(Method::PATCH, JANE_PATH)
                .header("prefer", "code=404")
                .json(&json!({"status": "archived"})),
        )
        .await;
    let invalid_first = mock
        .send(
            mock.request(Method::PATCH, JANE_PATH)
                .header("prefer", "code=404")
                .json(&json!({"status": "nope"})),
        )
        .await;

    assert_eq!(forced.status, StatusCode::NOT_FOUND);
    snapshot!("forced_404", forced.body);
    assert_eq!(
        invalid_first.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation comes first"
    );
    assert_eq!(mock.get_contact(JANE).await.body, before);
}

#[tokio::test]
async fn prefer_code_works_on_get_and_200_means_the_real_answer() {
    let mock = start().await;
    let forced = mock
        .send(
            mock.request(Method::GET, JANE_PATH)
                .header("prefer", "code=401"),
        )
        .await;
    let real = mock
        .send(
            mock.request(Method::GET, JANE_PATH)
                .header("prefer", "code=200"),
        )
        .await;
    assert_eq!(forced.status, StatusCode::UNAUTHORIZED);
    assert_eq!(forced.body["code"], "unauthorized");
    assert_eq!(real.status, StatusCode::OK);
}

#[tokio::test]
async fn prefer_code_for_an_undocumented_status_is_400_listing_the_documented_ones() {
    let mock = start().await;
    let answer = mock
        .send(
            mock.request(Method::GET, JANE_PATH)
                .header("prefer", "code=418"),
        )
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    snapshot!("prefer_undocumented", answer.body);
}

#[tokio::test]
async fn every_response_carries_the_marker_header() {
    let mock = start().await;
    let ok = mock.get_contact(JANE).await;
    let missing = mock.send(mock.request(Method::GET, "/nope")).await;
    for answer in [ok, missing] {
        assert_eq!(answer.headers["x-gately-mock"], env!("CARGO_PKG_VERSION"));
    }
}

#[tokio::test]
async fn a_frozen_clock_freezes_the_date_header_too() {
    let mock = start().await;

    let api = mock.send(mock.request(Method::GET, JANE_PATH)).await;
    let admin = mock
        .http
        .get(mock.url("/__admin/health"))
        .send()
        .await
        .unwrap();

    for date in [&api.headers["date"], &admin.headers()["date"]] {
        assert_eq!(date, "Sun, 15 Jun 2025 14:30:00 GMT");
    }
}

#[tokio::test]
async fn a_forced_413_is_ok_for_check_as_for_the_journal() {
    let mock = start().await;

    let forced = mock
        .send(
            mock.request(Method::PATCH, JANE_PATH)
                .header("prefer", "code=413")
                .json(&json!({"status": "active"})),
        )
        .await;

    assert_eq!(forced.status, StatusCode::PAYLOAD_TOO_LARGE);
    let report = mock.server.contract_report();
    assert_eq!(report.exchanges[0].outcome, gately_mock::Outcome::Ok);
}

#[tokio::test]
async fn a_refusal_after_the_judge_keeps_its_warnings() {
    let mock = common::start_with(|options| options.lenient()).await;

    let missing = mock
        .send(
            mock.request(
                Method::PATCH,
                "/api/v1/contacts/00000000-0000-4000-8000-000000000000",
            )
            .json(&json!({"status": "active", "favourite": true})),
        )
        .await;

    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let journal = mock.journal("").await;
    assert_eq!(journal["requests"][0]["verdict"], "warning");
    assert_eq!(
        journal["requests"][0]["warnings"][0]["pointer"],
        "/favourite"
    );
}
