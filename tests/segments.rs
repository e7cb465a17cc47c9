//! Segments (D29): list, create, get, partial update, delete; rules checked with a pointer
//! for each fault; membership worked out on every read (`contact_count`, and
//! `GET /api/v1/contacts?segment_id=` with the other filters); through real HTTP, every
//! answer checked against the mock's own schemas (D13).

mod common;

use common::{GLOBEX_KEY, JANE, start};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// "Pro plan": `custom_fields.plan eq pro` (Jane, Emma).
const PRO: &str = "3c8e1f42-9a7b-4d5c-a6e2-0b4f8d1c7e53";
/// "Active VIPs": `tags contains VIP` and `status eq active` (Jane, Maria, Emma).
const ACTIVE_VIPS: &str = "5f2d7a84-1e6b-4c3a-9d8f-2a7c4e6b1d95";
const SEGMENTS: &str = "/api/v1/contacts/segments";

fn segment_path(id: &str) -> String {
    format!("{SEGMENTS}/{id}")
}

fn names(page: &Value) -> Vec<&str> {
    page["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|contact| contact["name"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn the_built_in_segments_count_their_members_on_every_read() {
    let mock = start().await;
    let segments = mock.call(Method::GET, SEGMENTS, None).await;
    assert_eq!(segments.status, StatusCode::OK);
    let summary = common::counts(&segments.body, "contact_count");
    assert_eq!(
        summary,
        [
            ("Pro plan", 2),
            ("Active VIPs", 3),
            ("Joined since March 2025", 6)
        ]
    );

    mock.patch_contact(JANE, json!({"custom_fields": {"plan": "enterprise"}}))
        .await;
    let pro = mock.call(Method::GET, &segment_path(PRO), None).await;
    assert_eq!(pro.body["contact_count"], 1, "Jane left the pro plan");

    let globex = mock
        .send(mock.request_as(GLOBEX_KEY, Method::GET, SEGMENTS))
        .await;
    assert_eq!(globex.body, json!([]));
}

#[tokio::test]
async fn segment_id_lists_the_members_with_the_other_filters_and_paging() {
    let mock = start().await;
    let list = |query: String| {
        let mock = &mock;
        async move {
            mock.call(Method::GET, &format!("/api/v1/contacts?{query}"), None)
                .await
        }
    };
    let all = list(format!("segment_id={ACTIVE_VIPS}")).await;
    assert_eq!(
        names(&all.body),
        ["Emma Martin", "Jane Smith", "Maria Garcia"]
    );
    assert_eq!(all.body["pagination"]["total"], 3);

    let searched = list(format!("segment_id={ACTIVE_VIPS}&search=garcia")).await;
    assert_eq!(names(&searched.body), ["Maria Garcia"]);
    let tagged = list(format!("segment_id={ACTIVE_VIPS}&tags=Partner")).await;
    assert_eq!(names(&tagged.body), ["Emma Martin"]);
    let paged = list(format!("segment_id={ACTIVE_VIPS}&limit=2&page=2")).await;
    assert_eq!(names(&paged.body), ["Maria Garcia"]);
    assert_eq!(
        paged.body["pagination"],
        json!({"page": 2, "limit": 2, "total": 3, "pages": 2})
    );

    let foreign = mock
        .send(mock.request_as(
            GLOBEX_KEY,
            Method::GET,
            &format!("/api/v1/contacts?segment_id={PRO}"),
        ))
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    assert_eq!(foreign.body["code"], "segment_not_found");
}

#[tokio::test]
async fn a_segment_is_created_changed_and_deleted() {
    let mock = start().await;
    let created = mock
        .call(
            Method::POST,
            SEGMENTS,
            Some(json!({
                "name": "Trials",
                "rules": [
                    {"field": "tags", "operator": "contains", "value": "Trial"},
                    {"field": "company", "operator": "exists"}
                ]
            })),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(created.body["description"], Value::Null);
    assert_eq!(
        created.body["rules"][1],
        json!({"field": "company", "operator": "exists"})
    );
    let id = created.body["id"].as_str().unwrap().to_owned();
    let members = created.body["contact_count"].as_u64().unwrap();
    let listed = mock
        .call(
            Method::GET,
            &format!("/api/v1/contacts?segment_id={id}"),
            None,
        )
        .await;
    assert_eq!(listed.body["pagination"]["total"].as_u64(), Some(members));
    assert!(members > 0);

    let changed = mock
        .call(
            Method::PATCH,
            &segment_path(&id),
            Some(json!({
                "description": "Trials who joined in June",
                "rules": [{"field": "created_at", "operator": "gte", "value": "2025-06-01T00:00:00Z"}]
            })),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK);
    assert_eq!(changed.body["name"], "Trials", "a name not sent stays");
    assert_eq!(
        changed.body["rules"].as_array().unwrap().len(),
        1,
        "rules sent replace all"
    );
    assert_eq!(
        changed.body["contact_count"], 2,
        "Sofia and Aisha joined in June"
    );
    assert_eq!(changed.body["updated_at"], common::FROZEN);

    let deleted = mock.call(Method::DELETE, &segment_path(&id), None).await;
    assert_eq!(
        deleted.body,
        json!({"message": "Segment deleted successfully"})
    );
    let gone = mock.call(Method::GET, &segment_path(&id), None).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(gone.body["code"], "segment_not_found");
    let bad_id = mock.call(Method::DELETE, &segment_path("pro"), None).await;
    assert_eq!(bad_id.body["code"], "invalid_segment_id");
}

#[tokio::test]
async fn every_bad_rule_is_named_with_its_pointer() {
    let mock = start().await;
    let refused = mock
        .call(
            Method::POST,
            SEGMENTS,
            Some(json!({
                "name": "Broken",
                "rules": [
                    {"field": "stauts", "operator": "eq", "value": "active"},
                    {"field": "status", "operator": "equals", "value": "active"},
                    {"field": "tags", "operator": "eq", "value": "VIP"},
                    {"field": "name", "operator": "contains", "value": 5},
                    {"field": "created_at", "operator": "gt", "value": true},
                    {"field": "phone", "operator": "exists", "value": "x"},
                    {"field": "company", "operator": "neq"},
                    {"field": "custom_fields.plan", "operator": "eq", "value": ["pro"]},
                    {"field": "status", "operator": "EQ", "value": "active"}
                ]
            })),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    snapshot!("segment_rules_refused", refused.body);

    let none = mock
        .call(
            Method::POST,
            SEGMENTS,
            Some(json!({"name": "Empty", "rules": []})),
        )
        .await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(none.body["errors"][0]["pointer"], "/rules");

    let patched = mock
        .call(
            Method::PATCH,
            &segment_path(PRO),
            Some(json!({"rules": [{"field": "custom_fields", "operator": "exists"}]})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(patched.body["errors"][0]["pointer"], "/rules/0/field");
    let pro = mock.call(Method::GET, &segment_path(PRO), None).await;
    assert_eq!(
        pro.body["rules"][0]["field"], "custom_fields.plan",
        "nothing changed"
    );
}

#[tokio::test]
async fn rule_values_far_from_the_contacts_compare_without_harm() {
    let mock = start().await;
    // Valid RFC 3339, but after the year 9999 once in UTC; and a custom field holding one.
    mock.call(
        Method::PATCH,
        &format!("/api/v1/contacts/{JANE}/custom-fields"),
        Some(json!({"renewal": "9999-12-31T23:59:59-00:01", "seats": 9007199254740993_u64})),
    )
    .await;
    let far = mock
        .call(
            Method::POST,
            SEGMENTS,
            Some(json!({"name": "Far", "rules": [
                {"field": "created_at", "operator": "lt", "value": "9999-12-31T23:59:59-23:59"},
                {"field": "custom_fields.renewal", "operator": "gt", "value": "2025"}
            ]})),
        )
        .await;
    assert_eq!(far.status, StatusCode::CREATED);
    assert_eq!(
        far.body["contact_count"], 1,
        "compared as text, the instants being out of range"
    );
    let exact = mock
        .call(
            Method::POST,
            SEGMENTS,
            Some(json!({"name": "Seats", "rules": [
                {"field": "custom_fields.seats", "operator": "eq", "value": 9007199254740992_u64}
            ]})),
        )
        .await;
    assert_eq!(exact.body["contact_count"], 0, "integers compare exactly");
    assert_eq!(
        mock.get_contact(JANE).await.status,
        StatusCode::OK,
        "the mock still answers"
    );
}

#[tokio::test]
async fn a_value_that_cannot_match_its_field_is_refused() {
    let mock = start().await;
    let refused = mock
        .call(
            Method::POST,
            SEGMENTS,
            Some(json!({"name": "Never", "rules": [
                {"field": "created_at", "operator": "gte", "value": "2025-03-01"},
                {"field": "status", "operator": "eq", "value": "Active"},
                {"field": "unsubscribed", "operator": "eq", "value": "true"}
            ]})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        common::messages(&refused.body),
        [
            (
                "/rules/0/value",
                "\"2025-03-01\" is not an RFC 3339 date-time: a timestamp field compares with one (e.g. 2025-03-01T00:00:00Z)"
            ),
            (
                "/rules/1/value",
                "\"Active\" is not a status: new, active, inactive or archived (did you mean \"active\"?)"
            ),
            (
                "/rules/2/value",
                "unsubscribed is true or false, not \"true\""
            ),
        ]
    );
}
