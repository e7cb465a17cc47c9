//! A contact's unsubscribes (D21) and custom fields (D18), through real HTTP; every answer
//! checked against the mock's own schemas (D13).

mod common;

use common::{JANE, JOHN, start};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn unsubscribes(id: &str) -> String {
    format!("/api/v1/contacts/{id}/unsubscribes")
}

fn custom_fields(id: &str) -> String {
    format!("/api/v1/contacts/{id}/custom-fields")
}

#[tokio::test]
async fn unsubscribing_keeps_an_audit_trail_and_resubscribing_clears_it() {
    let mock = start().await;

    let first = mock
        .call(
            Method::POST,
            &unsubscribes(JANE),
            Some(json!({"reason": "Too many emails", "source": "user_request"})),
        )
        .await;
    let second = mock.call(Method::POST, &unsubscribes(JANE), None).await;
    let trail = mock.call(Method::GET, &unsubscribes(JANE), None).await;
    let unsubscribed = mock.get_contact(JANE).await;
    let resubscribed = mock.call(Method::DELETE, &unsubscribes(JANE), None).await;
    let cleared = mock.call(Method::GET, &unsubscribes(JANE), None).await;

    assert_eq!(first.status, StatusCode::CREATED);
    snapshot!("unsubscribe_record", first.body);
    assert_eq!(
        (second.body["reason"].clone(), second.body["source"].clone()),
        (Value::Null, Value::Null)
    );
    assert_eq!(trail.body.as_array().unwrap().len(), 2);
    assert_eq!(trail.body[0], first.body);
    assert_eq!(unsubscribed.body["unsubscribed"], true);
    assert_eq!(
        resubscribed.body,
        json!({"message": "Contact resubscribed successfully"})
    );
    assert_eq!(cleared.body, json!([]));
    assert_eq!(mock.get_contact(JANE).await.body["unsubscribed"], false);
}

#[tokio::test]
async fn patch_unsubscribed_flips_the_flag_but_writes_no_record() {
    let mock = start().await;

    mock.patch_contact(JOHN, json!({"unsubscribed": true}))
        .await;
    let trail = mock.call(Method::GET, &unsubscribes(JOHN), None).await;

    assert_eq!(mock.get_contact(JOHN).await.body["unsubscribed"], true);
    assert_eq!(
        trail.body,
        json!([]),
        "only the dedicated endpoint keeps the audit trail (D8, D21)"
    );
}

#[tokio::test]
async fn an_unsubscribe_body_outside_the_contract_is_refused() {
    let mock = start().await;
    let answer = mock
        .call(
            Method::POST,
            &unsubscribes(JANE),
            Some(json!({"reason": 3, "channel": "email"})),
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    snapshot!("unsubscribe_violations", answer.body);
    assert_eq!(
        mock.get_contact(JANE).await.body["unsubscribed"],
        false,
        "D11"
    );
}

#[tokio::test]
async fn deleting_a_contact_deletes_its_unsubscribe_records() {
    let mock = start().await;
    mock.call(Method::POST, &unsubscribes(JANE), None).await;

    mock.call(Method::DELETE, &format!("/api/v1/contacts/{JANE}"), None)
        .await;
    let after = mock.call(Method::GET, &unsubscribes(JANE), None).await;

    assert_eq!(after.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn custom_fields_merge_as_rfc_7396_and_show_on_the_contact() {
    let mock = start().await;

    let before = mock.call(Method::GET, &custom_fields(JANE), None).await;
    let merged = mock
        .call(
            Method::PATCH,
            &custom_fields(JANE),
            Some(json!({"plan": "enterprise", "source": null, "billing": {"cycle": "yearly"}})),
        )
        .await;
    let contact = mock.get_contact(JANE).await;

    assert_eq!(before.body, json!({"plan": "pro", "source": "webinar"}));
    assert_eq!(
        merged.body,
        json!({"plan": "enterprise", "billing": {"cycle": "yearly"}})
    );
    assert_eq!(contact.body["custom_fields"], merged.body);
    assert_eq!(contact.body["updated_at"], common::FROZEN);
}

#[tokio::test]
async fn custom_fields_need_an_object_and_an_existing_contact() {
    let mock = start().await;

    let not_object = mock
        .send(
            mock.request(Method::PATCH, &custom_fields(JANE))
                .header("content-type", "application/json")
                .body("[1]"),
        )
        .await;
    let missing = mock
        .call(
            Method::GET,
            &custom_fields("00000000-0000-4000-8000-000000000000"),
            None,
        )
        .await;

    assert_eq!(not_object.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(not_object.body["errors"][0]["pointer"], "");
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}
