//! Keys and projects (D4) and project isolation (D5), through real HTTP.

mod common;

use common::{ACCOUNT_KEY, ACME, GLOBEX, GLOBEX_KEY, JANE, PUBLIC_KEY, TOM, start};
use reqwest::{Method, StatusCode};
use serde_json::json;

fn contact_path(id: &str) -> String {
    format!("/api/v1/contacts/{id}")
}

#[tokio::test]
async fn no_authorization_header_is_401_with_a_bearer_challenge() {
    let mock = start().await;

    let answer = mock
        .send(mock.http.get(mock.url(&contact_path(JANE))))
        .await;

    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        answer.headers["www-authenticate"],
        "Bearer realm=\"gately-mock\""
    );
    snapshot!("missing_key", answer.body);
}

#[tokio::test]
async fn a_basic_or_empty_authorization_header_is_401() {
    let mock = start().await;
    for value in [
        "Basic Zm9vOmJhcg==",
        "Bearer",
        "Bearer   ",
        "gately_sk_test_9f8e7d6c5b4a39281706f5e4d3c2b1a0",
    ] {
        let answer = mock
            .send(
                mock.http
                    .get(mock.url(&contact_path(JANE)))
                    .header("authorization", value),
            )
            .await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{value}");
        assert_eq!(answer.body["code"], "invalid_authorization", "{value}");
        assert_eq!(
            answer.body["errors"][0]["pointer"],
            "/headers/authorization"
        );
    }
}

#[tokio::test]
async fn an_unknown_key_is_401_and_the_key_is_not_echoed() {
    let mock = start().await;

    let answer = mock
        .send(
            mock.http
                .get(mock.url(&contact_path(JANE)))
                .bearer_auth("gately_sk_test_unknownunknownunknownunknown0"),
        )
        .await;

    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.body["code"], "invalid_api_key");
    assert!(!answer.body.to_string().contains("unknownunknown"));
    snapshot!("unknown_key", answer.body);
}

#[tokio::test]
async fn an_account_key_without_a_project_header_is_400_project_required() {
    let mock = start().await;

    let answer = mock
        .send(
            mock.http
                .get(mock.url(&contact_path(JANE)))
                .bearer_auth(ACCOUNT_KEY),
        )
        .await;

    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    snapshot!("project_required", answer.body);
}

#[tokio::test]
async fn an_account_key_reads_and_writes_the_project_it_names() {
    let mock = start().await;
    let as_account = |method: Method, id: &str, project: &str| {
        mock.http
            .request(method, mock.url(&contact_path(id)))
            .bearer_auth(ACCOUNT_KEY)
            .header("x-project-id", project)
    };

    let jane = mock.send(as_account(Method::GET, JANE, ACME)).await;
    let tom = mock
        .send(as_account(Method::PATCH, TOM, GLOBEX).json(&json!({"status": "inactive"})))
        .await;
    let jane_via_globex = mock.send(as_account(Method::GET, JANE, GLOBEX)).await;

    assert_eq!(jane.status, StatusCode::OK);
    assert_eq!(tom.body["status"], "inactive");
    assert_eq!(jane_via_globex.status, StatusCode::NOT_FOUND, "D5");
}

#[tokio::test]
async fn an_account_key_naming_an_unknown_project_is_403() {
    let mock = start().await;
    for project in ["11111111-2222-4333-8444-555555555555", "not-a-uuid"] {
        let answer = mock
            .send(
                mock.http
                    .get(mock.url(&contact_path(JANE)))
                    .bearer_auth(ACCOUNT_KEY)
                    .header("x-project-id", project),
            )
            .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{project}");
        assert_eq!(answer.body["code"], "unknown_project");
    }
}

#[tokio::test]
async fn a_bound_key_naming_another_project_is_403_project_mismatch() {
    let mock = start().await;

    let answer = mock
        .send(
            mock.request(Method::GET, &contact_path(JANE))
                .header("x-project-id", GLOBEX),
        )
        .await;
    let same_project = mock
        .send(
            mock.request(Method::GET, &contact_path(JANE))
                .header("x-project-id", ACME),
        )
        .await;

    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    snapshot!("project_mismatch", answer.body);
    assert_eq!(same_project.status, StatusCode::OK);
}

#[tokio::test]
async fn a_read_only_key_reads_but_cannot_write() {
    let mock = start().await;
    let before = mock.get_contact(JANE).await.body;

    let read = mock
        .send(
            mock.http
                .get(mock.url(&contact_path(JANE)))
                .bearer_auth(PUBLIC_KEY),
        )
        .await;
    let write = mock
        .send(
            mock.http
                .patch(mock.url(&contact_path(JANE)))
                .bearer_auth(PUBLIC_KEY)
                .json(&json!({"status": "archived"})),
        )
        .await;

    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(write.status, StatusCode::FORBIDDEN);
    snapshot!("read_only_key_writing", write.body);
    assert_eq!(mock.get_contact(JANE).await.body, before);
}

#[tokio::test]
async fn a_contact_of_another_project_looks_exactly_like_a_missing_one() {
    let mock = start().await;
    let as_globex = |id: &str| {
        mock.http
            .get(mock.url(&contact_path(id)))
            .bearer_auth(GLOBEX_KEY)
    };

    let other_project = mock.send(as_globex(JANE)).await;
    let missing = mock
        .send(as_globex("00000000-0000-4000-8000-000000000000"))
        .await;

    assert_eq!(other_project.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        other_project.body["code"], missing.body["code"],
        "D5: the same code, so existence does not leak"
    );
    assert_eq!(
        other_project.body["detail"]
            .as_str()
            .unwrap()
            .replace(JANE, "ID"),
        missing.body["detail"]
            .as_str()
            .unwrap()
            .replace("00000000-0000-4000-8000-000000000000", "ID"),
    );
}
