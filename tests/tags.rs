//! The project's tags: list, create, update (PUT, partial), delete; through real HTTP, every
//! answer checked against the mock's own schemas (D13).

mod common;

use common::{JANE, start};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn the_list_holds_the_projects_tags_only() {
    let mock = start().await;
    let tags = mock.call(Method::GET, "/api/v1/contacts/tags", None).await;
    assert_eq!(tags.status, StatusCode::OK);
    assert_eq!(
        names(&tags.body),
        ["Enterprise", "Newsletter", "Partner", "Trial", "VIP"]
    );
    assert!(
        tags.body
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["project_id"] == common::ACME)
    );
}

#[tokio::test]
async fn a_created_tag_can_be_used_renamed_and_deleted() {
    let mock = start().await;

    let created = mock
        .call(
            Method::POST,
            "/api/v1/contacts/tags",
            Some(json!({"name": "Churn risk", "color": "#ff0000"})),
        )
        .await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    mock.patch_contact(JANE, json!({"tags": ["Churn risk", "VIP"]}))
        .await;
    let renamed = mock
        .call(
            Method::PUT,
            &format!("/api/v1/contacts/tags/{id}"),
            Some(json!({"color": null, "name": "At risk"})),
        )
        .await;
    let on_jane = mock.get_contact(JANE).await.body["tags"].clone();
    let deleted = mock
        .call(Method::DELETE, &format!("/api/v1/contacts/tags/{id}"), None)
        .await;
    let after = mock.get_contact(JANE).await.body["tags"].clone();

    assert_eq!(created.status, StatusCode::CREATED);
    snapshot!("created_tag", created.body);
    assert_eq!(
        (renamed.body["name"].clone(), renamed.body["color"].clone()),
        (json!("At risk"), Value::Null)
    );
    assert_eq!(
        names(&on_jane),
        ["At risk", "VIP"],
        "a contact shows the renamed tag"
    );
    assert_eq!(on_jane[0]["color"], Value::Null, "and its cleared colour");
    assert_eq!(deleted.body, json!({"message": "Tag deleted successfully"}));
    assert_eq!(
        names(&after),
        ["VIP"],
        "deleting detaches the tag from every contact"
    );
}

#[tokio::test]
async fn a_duplicate_name_is_a_conflict_and_bad_bodies_are_refused() {
    let mock = start().await;

    let duplicate = mock
        .call(
            Method::POST,
            "/api/v1/contacts/tags",
            Some(json!({"name": "VIP"})),
        )
        .await;
    let nameless = mock
        .call(
            Method::POST,
            "/api/v1/contacts/tags",
            Some(json!({"color": "red", "label": "x"})),
        )
        .await;

    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    snapshot!("duplicate_tag_name", duplicate.body);
    assert_eq!(nameless.status, StatusCode::UNPROCESSABLE_ENTITY);
    snapshot!("tag_violations", nameless.body);
}

#[tokio::test]
async fn unknown_tags_are_404_and_malformed_ids_400() {
    let mock = start().await;
    let unknown = mock
        .call(
            Method::DELETE,
            "/api/v1/contacts/tags/00000000-0000-4000-8000-000000000000",
            None,
        )
        .await;
    let malformed = mock
        .call(
            Method::PUT,
            "/api/v1/contacts/tags/vip",
            Some(json!({"color": "#000000"})),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.body["code"], "tag_not_found");
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(malformed.body["errors"][0]["pointer"], "/path/tagId");
}

#[tokio::test]
async fn another_projects_tag_is_not_found() {
    let mock = start().await;
    let globex_tags: Value = mock
        .http
        .get(mock.url("/api/v1/contacts/tags"))
        .bearer_auth(common::GLOBEX_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let theirs = globex_tags[0]["id"].as_str().unwrap();
    let answer = mock
        .call(
            Method::DELETE,
            &format!("/api/v1/contacts/tags/{theirs}"),
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "D5");
}
