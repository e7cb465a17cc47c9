//! The project's tags: list, create, update (PUT, partial), delete, attach to and detach
//! from a contact (`contact-tags`); through real HTTP, every
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

/// The id of a tag of another project (Globex).
async fn another_projects_tag(mock: &common::Mock) -> String {
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
    globex_tags[0]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn another_projects_tag_is_not_found() {
    let mock = start().await;
    let theirs = another_projects_tag(&mock).await;
    let answer = mock
        .call(
            Method::DELETE,
            &format!("/api/v1/contacts/tags/{theirs}"),
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "D5");
}

/// The id of the project's tag named `name`.
async fn tag_id(mock: &common::Mock, name: &str) -> String {
    let tags = mock.call(Method::GET, "/api/v1/contacts/tags", None).await;
    let tag = tags
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name);
    tag.expect("a fixture tag")["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_tag_attached_to_a_contact_shows_on_it_until_it_is_detached() {
    let mock = start().await;
    let partner = tag_id(&mock, "Partner").await;
    let link = json!({"contact_id": JANE, "tag_id": partner});
    let detach = format!("/api/v1/contacts/contact-tags?contact_id={JANE}&tag_id={partner}");

    let attached = mock
        .call(
            Method::POST,
            "/api/v1/contacts/contact-tags",
            Some(link.clone()),
        )
        .await;
    let again = mock
        .call(Method::POST, "/api/v1/contacts/contact-tags", Some(link))
        .await;
    let shown = mock.get_contact(JANE).await;
    let detached = mock.call(Method::DELETE, &detach, None).await;
    let detached_again = mock.call(Method::DELETE, &detach, None).await;
    let after = mock.get_contact(JANE).await;

    assert_eq!(attached.status, StatusCode::CREATED);
    assert_eq!(
        names(&attached.body["tags"]),
        ["VIP", "Newsletter", "Partner"]
    );
    assert_ne!(
        attached.body["updated_at"], "2025-06-01T10:00:00.000Z",
        "D9"
    );
    assert_eq!(
        again.status,
        StatusCode::OK,
        "already attached: nothing created"
    );
    assert_eq!(again.body, attached.body, "and nothing changed");
    assert_eq!(shown.body, attached.body, "a GET shows the tag");
    assert_eq!(detached.status, StatusCode::OK);
    assert_eq!(
        detached.body,
        json!({"message": "Tag removed from contact successfully"})
    );
    assert_eq!(
        detached_again.status,
        StatusCode::OK,
        "not attached: not an error"
    );
    assert_eq!(names(&after.body["tags"]), ["VIP", "Newsletter"]);
}

#[tokio::test]
async fn contact_tags_name_what_is_missing_unknown_or_malformed() {
    let mock = start().await;
    let vip = tag_id(&mock, "VIP").await;
    let unknown = "00000000-0000-4000-8000-000000000000";
    let attach = |contact: &str, tag: &str| json!({"contact_id": contact, "tag_id": tag});

    let no_tag = mock
        .call(
            Method::POST,
            "/api/v1/contacts/contact-tags",
            Some(attach(JANE, unknown)),
        )
        .await;
    let no_contact = mock
        .call(
            Method::POST,
            "/api/v1/contacts/contact-tags",
            Some(attach(unknown, &vip)),
        )
        .await;
    let malformed = mock
        .call(
            Method::POST,
            "/api/v1/contacts/contact-tags",
            Some(json!({"contact_id": JANE, "tag_id": "vip"})),
        )
        .await;
    let detach_no_tag = mock
        .call(
            Method::DELETE,
            &format!("/api/v1/contacts/contact-tags?contact_id={JANE}&tag_id={unknown}"),
            None,
        )
        .await;
    let no_query = mock
        .call(Method::DELETE, "/api/v1/contacts/contact-tags", None)
        .await;
    let bad_query = mock
        .call(
            Method::DELETE,
            &format!("/api/v1/contacts/contact-tags?contact_id={JANE}&tag_id=vip"),
            None,
        )
        .await;

    assert_eq!(no_tag.status, StatusCode::NOT_FOUND);
    assert_eq!(no_tag.body["code"], "tag_not_found");
    assert_eq!(common::pointers(&no_tag.body), ["/tag_id"]);
    assert_eq!(no_contact.status, StatusCode::NOT_FOUND);
    assert_eq!(no_contact.body["code"], "contact_not_found");
    assert_eq!(common::pointers(&no_contact.body), ["/contact_id"]);
    assert_eq!(malformed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(malformed.body["errors"][0]["pointer"], "/tag_id");
    assert_eq!(detach_no_tag.status, StatusCode::NOT_FOUND);
    assert_eq!(detach_no_tag.body["code"], "tag_not_found");
    assert_eq!(common::pointers(&detach_no_tag.body), ["/query/tag_id"]);
    assert_eq!(no_query.status, StatusCode::BAD_REQUEST);
    let pointers: Vec<&Value> = no_query.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| &error["pointer"])
        .collect();
    assert_eq!(
        pointers,
        [&json!("/query/contact_id"), &json!("/query/tag_id")]
    );
    assert_eq!(bad_query.body["errors"][0]["pointer"], "/query/tag_id");
    assert_eq!(bad_query.body["errors"][0]["keyword"], "format");
}

#[tokio::test]
async fn another_projects_tag_cannot_be_attached() {
    let mock = start().await;
    let theirs = another_projects_tag(&mock).await;
    let answer = mock
        .call(
            Method::POST,
            "/api/v1/contacts/contact-tags",
            Some(json!({"contact_id": JANE, "tag_id": theirs})),
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "D5");
    assert_eq!(answer.body["code"], "tag_not_found");
}
