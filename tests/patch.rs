//! PATCH /api/v1/contacts/{contactId} through real HTTP: semantics D6–D11, responses D12.

mod common;

use common::{JANE, JOHN, start, start_with};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn the_seed_example_updates_jane_and_a_later_get_shows_it() {
    let mock = start().await;

    let patched = mock
        .patch_contact(
            JANE,
            json!({"status": "inactive", "notes": "Churned after trial"}),
        )
        .await;
    let read_back = mock.get_contact(JANE).await;

    assert_eq!(patched.status, StatusCode::OK);
    // The seed's response, field for field (the rest of D12's keys come on top).
    let seed = json!({
        "id": "a1b2c3d4-e5f6-4789-abcd-ef1234567890",
        "name": "Jane Smith",
        "email": "jane@example.com",
        "status": "inactive",
        "notes": "Churned after trial",
        "last_contacted_at": "2025-06-15T14:30:00.000Z",
        "updated_at": "2025-06-15T14:30:00.000Z"
    });
    for (key, value) in seed.as_object().unwrap() {
        assert_eq!(&patched.body[key], value, "{key}");
    }
    assert_eq!(read_back.body, patched.body);
    snapshot!("seed_example_response", patched.body);
}

#[tokio::test]
async fn only_the_sent_fields_change() {
    let mock = start().await;
    let before = mock.get_contact(JANE).await.body;

    let after = mock
        .patch_contact(
            JANE,
            json!({"first_name": "Janet", "custom_fields": {"plan": "team"}}),
        )
        .await
        .body;

    let mut expected = before.clone();
    expected["first_name"] = json!("Janet");
    expected["custom_fields"] = json!({"plan": "team"}); // replaced whole: "source" is gone
    expected["updated_at"] = json!(common::FROZEN);
    assert_eq!(after, expected);
    assert_eq!(
        after["name"], "Jane Smith",
        "name and first_name are independent"
    );
}

#[tokio::test]
async fn an_empty_object_changes_nothing_not_even_updated_at() {
    let mock = start().await;
    let before = mock.get_contact(JANE).await.body;

    let after = mock.patch_contact(JANE, json!({})).await;

    assert_eq!(after.status, StatusCode::OK);
    assert_eq!(after.body, before);
    assert_eq!(after.body["updated_at"], "2025-06-01T10:00:00.000Z");
}

#[tokio::test]
async fn tags_replace_all_in_the_given_order_and_unknown_names_become_tags() {
    let mock = start().await;

    let after = mock
        .patch_contact(JANE, json!({"tags": ["Churn risk", "VIP"]}))
        .await
        .body;
    let john = mock
        .patch_contact(JOHN, json!({"tags": ["Churn risk"]}))
        .await
        .body;

    let names: Vec<&str> = after["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Churn risk", "VIP"]);
    assert_eq!(after["tags"][0]["color"], Value::Null);
    assert_eq!(after["tags"][0]["created_at"], common::FROZEN);
    assert_eq!(
        john["tags"][0]["id"], after["tags"][0]["id"],
        "the created tag is reused"
    );
    snapshot!("tags_created_by_patch", after["tags"]);
}

#[tokio::test]
async fn an_empty_tag_list_clears_the_tags() {
    let mock = start().await;
    let after = mock.patch_contact(JANE, json!({"tags": []})).await;
    assert_eq!(after.body["tags"], json!([]));
}

#[tokio::test]
async fn the_same_tag_twice_is_refused() {
    let mock = start().await;
    let answer = mock
        .patch_contact(JANE, json!({"tags": ["VIP", "VIP"]}))
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    snapshot!("duplicate_tag", answer.body);
}

#[tokio::test]
async fn every_violation_is_reported_at_once_with_pointers_and_hints() {
    let mock = start().await;
    let before = mock.get_contact(JANE).await.body;

    let answer = mock
        .patch_contact(
            JANE,
            json!({
                "statsu": "active",
                "firstName": "J",
                "status": "actve",
                "email": "not-an-email",
                "name": "",
                "tags": "VIP",
                "unsubscribed": "yes",
                "custom_fields": [],
                "address_line_1": "1 Main St"
            }),
        )
        .await;

    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer.body["errors"].as_array().unwrap().len(), 9);
    snapshot!("every_violation_at_once", answer.body);
    assert_eq!(
        mock.get_contact(JANE).await.body,
        before,
        "D11: nothing changed"
    );
}

#[tokio::test]
async fn null_is_refused_in_strict_mode() {
    let mock = start().await;
    let answer = mock.patch_contact(JANE, json!({"phone": null})).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    snapshot!("strict_null", answer.body);
}

#[tokio::test]
async fn lenient_mode_clears_optional_strings_with_null_and_ignores_unknown_fields() {
    let mock = start_with(|o| o.lenient()).await;

    let answer = mock
        .patch_contact(
            JANE,
            json!({"phone": null, "favourite_color": "blue", "city": "Oakland"}),
        )
        .await;

    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body["phone"], Value::Null);
    assert_eq!(answer.body["city"], "Oakland");
    assert!(answer.body.get("favourite_color").is_none());
}

#[tokio::test]
async fn lenient_mode_still_refuses_null_on_required_and_structured_fields() {
    let mock = start_with(|o| o.lenient()).await;
    for field in [
        "name",
        "email",
        "status",
        "tags",
        "custom_fields",
        "unsubscribed",
    ] {
        let answer = mock.patch_contact(JANE, json!({ field: null })).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert_eq!(answer.body["errors"][0]["pointer"], format!("/{field}"));
    }
}

#[tokio::test]
async fn an_email_another_contact_has_is_a_conflict_in_any_case() {
    let mock = start().await;
    let before = mock.get_contact(JANE).await.body;

    let answer = mock
        .patch_contact(JANE, json!({"email": "John.Doe@Example.com", "notes": "x"}))
        .await;

    assert_eq!(answer.status, StatusCode::CONFLICT);
    snapshot!("email_taken", answer.body);
    assert_eq!(
        mock.get_contact(JANE).await.body,
        before,
        "D11: nothing changed"
    );
}

#[tokio::test]
async fn an_email_used_in_another_project_is_free_here() {
    let mock = start().await;
    let answer = mock
        .patch_contact(JANE, json!({"email": "tom.becker@example.com"}))
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body["email"], "tom.becker@example.com");
}

#[tokio::test]
async fn a_contact_may_keep_its_own_email_in_another_case() {
    let mock = start().await;
    let answer = mock
        .patch_contact(JANE, json!({"email": "JANE@example.com"}))
        .await;
    assert_eq!(answer.status, StatusCode::OK);
}

#[tokio::test]
async fn unsubscribed_through_patch_flips_the_flag() {
    let mock = start().await;
    let answer = mock
        .patch_contact(JANE, json!({"unsubscribed": true}))
        .await;
    assert_eq!(answer.body["unsubscribed"], true);
    assert_eq!(mock.get_contact(JANE).await.body["unsubscribed"], true);
}

#[tokio::test]
async fn last_contacted_at_and_created_at_never_move() {
    let mock = start().await;
    let before = mock.get_contact(JOHN).await.body;
    let after = mock
        .patch_contact(JOHN, json!({"status": "active"}))
        .await
        .body;
    assert_eq!(after["last_contacted_at"], before["last_contacted_at"]);
    assert_eq!(after["created_at"], before["created_at"]);
    assert_eq!(after["last_contacted_at"], Value::Null);
}

#[tokio::test]
async fn a_key_sent_twice_is_a_violation_at_its_pointer_and_a_warning_when_lenient() {
    let strict = start().await;
    let lenient = start_with(|options| options.lenient()).await;
    let body = "{\n  \"status\": \"inactive\",\n  \"status\": \"active\"\n}";
    let patch = |mock: &common::Mock| {
        mock.request(reqwest::Method::PATCH, &format!("/api/v1/contacts/{JANE}"))
            .header("content-type", "application/json")
            .body(body)
    };

    let refused = strict.send(patch(&strict)).await;
    let served = lenient.send(patch(&lenient)).await;

    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.body["errors"][0]["pointer"], "/status");
    assert_eq!(refused.body["errors"][0]["keyword"], "duplicateKey");
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.body["status"], "active", "the last one counts");
    let journal = lenient.journal("").await;
    assert_eq!(journal["requests"][0]["verdict"], "warning");
    assert_eq!(journal["requests"][0]["warnings"][0]["pointer"], "/status");
}
