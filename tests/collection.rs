//! The routes around PATCH: list (D19), create and delete (D20), through real HTTP. Every
//! answer is checked against the mock's own schemas by the test client (D13).

mod common;

use common::{ACME, GLOBEX_KEY, JANE, Mock, start, start_with};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn list(mock: &Mock, query: &str) -> common::Answer {
    mock.send(mock.request(Method::GET, &format!("/api/v1/contacts{query}")))
        .await
}

fn names(page: &Value) -> Vec<&str> {
    page["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect()
}

async fn create(mock: &Mock, body: Value) -> common::Answer {
    mock.send(mock.request(Method::POST, "/api/v1/contacts").json(&body))
        .await
}

// ---- list --------------------------------------------------------------------------------

#[tokio::test]
async fn the_list_is_the_projects_contacts_newest_first() {
    let mock = start().await;

    let page = list(&mock, "").await;

    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.body["pagination"],
        json!({"page": 1, "limit": 50, "total": 11, "pages": 1})
    );
    let created: Vec<&str> = page.body["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["created_at"].as_str().unwrap())
        .collect();
    let mut sorted = created.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(created, sorted, "created_at descending");
    assert!(
        page.body["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["project_id"] == ACME),
        "D5"
    );
}

#[tokio::test]
async fn pagination_edges() {
    let mock = start().await;

    let last = list(&mock, "?limit=4&page=3").await;
    let past_the_end = list(&mock, "?limit=4&page=4").await;
    let largest = list(&mock, "?limit=200").await;
    let too_large = list(&mock, "?limit=201").await;
    let page_zero = list(&mock, "?page=0&limit=abc").await;

    assert_eq!(
        last.body["pagination"],
        json!({"page": 3, "limit": 4, "total": 11, "pages": 3})
    );
    assert_eq!(names(&last.body).len(), 3, "11 = 4 + 4 + 3");
    assert_eq!(names(&past_the_end.body).len(), 0);
    assert_eq!(largest.body["pagination"]["limit"], 200);
    assert_eq!(too_large.status, StatusCode::BAD_REQUEST);
    snapshot!("limit_201", too_large.body);
    assert_eq!(page_zero.status, StatusCode::BAD_REQUEST);
    let pointers: Vec<&str> = page_zero.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(
        pointers,
        ["/query/page", "/query/limit"],
        "every bad parameter at once"
    );
}

#[tokio::test]
async fn an_empty_result_has_zero_pages() {
    let mock = start().await;
    let page = list(&mock, "?search=nobody-has-this").await;
    assert_eq!(
        page.body["pagination"],
        json!({"page": 1, "limit": 50, "total": 0, "pages": 0})
    );
    assert_eq!(page.body["contacts"], json!([]));
}

#[tokio::test]
async fn filters_search_status_and_tags_combine() {
    let mock = start().await;

    let by_company = list(&mock, "?search=acme").await;
    let by_email = list(&mock, "?search=WEI.CHEN@").await;
    let active = list(&mock, "?status=active").await;
    let tagged = list(&mock, "?tags=Enterprise,Partner").await;
    let active_vip = list(&mock, "?status=active&tags=VIP&search=a").await;
    let bad_status = list(&mock, "?status=churned").await;

    assert_eq!(names(&by_company.body), ["Jane Smith"]);
    assert_eq!(names(&by_email.body), ["Wei Chen"]);
    assert!(
        active.body["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == "active")
    );
    assert_eq!(names(&active.body).len(), 4);
    let mut any_of = names(&tagged.body);
    any_of.sort();
    assert_eq!(
        any_of,
        ["Emma Martin", "Maria Garcia"],
        "a contact matches if it has any of the tags"
    );
    let mut combined = names(&active_vip.body);
    combined.sort();
    assert_eq!(combined, ["Emma Martin", "Jane Smith", "Maria Garcia"]);
    assert_eq!(bad_status.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_parameter_name_with_a_line_break_is_named_in_a_valid_problem() {
    let mock = start().await;
    // The answer is checked against schemas/problem.json (D13): its pointer holds "\n".
    let answer = list(&mock, "?a%0Ab=1").await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.body["errors"][0]["pointer"], "/query/a\nb");
}

#[tokio::test]
async fn segment_id_must_be_a_segment_of_the_project() {
    let mock = start().await;
    let malformed = list(&mock, "?segment_id=3b8f").await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    snapshot!("segment_id", malformed.body);
    let unknown = list(&mock, "?segment_id=00000000-0000-4000-8000-000000000000").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.body["code"], "segment_not_found");
    assert_eq!(common::pointers(&unknown.body), ["/query/segment_id"]);
}

#[tokio::test]
async fn an_unknown_parameter_is_refused_strictly_and_a_warning_leniently() {
    let strict = start().await;
    let lenient = start_with(|o| o.lenient()).await;

    assert_eq!(
        list(&strict, "?sort=name").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(list(&lenient, "?sort=name").await.status, StatusCode::OK);
    let journal = lenient.journal("").await;
    assert_eq!(journal["requests"][0]["verdict"], "warning");
}

#[tokio::test]
async fn a_mistyped_parameter_or_status_is_told_the_one_likely_meant() {
    let mock = start().await;
    let refused = list(&mock, "?stauts=active&status=actve").await;

    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.body["code"], "invalid_query");
    assert_eq!(
        common::messages(&refused.body),
        [
            (
                "/query/stauts",
                "unknown query parameter \"stauts\" (did you mean \"status\"?); \
                 the list takes page, limit, search, status, tags and segment_id"
            ),
            (
                "/query/status",
                "\"actve\" is not one of new, active, inactive, archived: did you mean \"active\"?"
            ),
        ]
    );
}

// ---- create ------------------------------------------------------------------------------

#[tokio::test]
async fn create_answers_201_with_defaults_and_the_contact_is_listed() {
    let mock = start().await;

    let created = create(
        &mock,
        json!({"name": "Ada Lovelace", "email": "ada@example.com", "tags": ["VIP", "Analytical"], "address_line_1": "12 St James's Sq", "external_id": "crm-42"}),
    )
    .await;
    let read_back = mock.get_contact(created.body["id"].as_str().unwrap()).await;
    let newest = list(&mock, "?limit=1").await;

    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(created.body["status"], "new");
    assert_eq!(created.body["created_at"], common::FROZEN);
    assert_eq!(created.body["last_contacted_at"], Value::Null);
    assert_eq!(read_back.body, created.body);
    assert_eq!(names(&newest.body), ["Ada Lovelace"]);
    snapshot!("created_contact", created.body);
}

#[tokio::test]
async fn create_needs_name_and_email_and_reports_every_violation() {
    let mock = start().await;
    let answer = create(
        &mock,
        json!({"company": "Nameless", "status": "pending", "unsubscribed": true}),
    )
    .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    snapshot!("create_violations", answer.body);
}

#[tokio::test]
async fn create_with_a_taken_email_is_a_conflict_in_any_case() {
    let mock = start().await;
    let answer = create(
        &mock,
        json!({"name": "Jane Again", "email": "JANE@example.com"}),
    )
    .await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
    assert_eq!(
        list(&mock, "").await.body["pagination"]["total"],
        11,
        "nothing created"
    );
}

#[tokio::test]
async fn a_read_only_key_cannot_create() {
    let mock = start().await;
    let answer = mock
        .send(
            mock.http
                .post(mock.url("/api/v1/contacts"))
                .bearer_auth(common::PUBLIC_KEY)
                .json(&json!({"name": "X", "email": "x@example.com"})),
        )
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
}

// ---- delete ------------------------------------------------------------------------------

#[tokio::test]
async fn delete_answers_a_message_and_the_contact_is_gone_everywhere() {
    let mock = start().await;

    let deleted = mock
        .send(mock.request(Method::DELETE, &format!("/api/v1/contacts/{JANE}")))
        .await;
    let read = mock.get_contact(JANE).await;
    let again = mock
        .send(mock.request(Method::DELETE, &format!("/api/v1/contacts/{JANE}")))
        .await;
    let listed = list(&mock, "?search=jane").await;
    let reused = create(
        &mock,
        json!({"name": "New Jane", "email": "jane@example.com"}),
    )
    .await;

    assert_eq!(deleted.status, StatusCode::OK);
    assert_eq!(
        deleted.body,
        json!({"message": "Contact deleted successfully"})
    );
    assert_eq!(read.status, StatusCode::NOT_FOUND);
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert_eq!(listed.body["pagination"]["total"], 0);
    assert_eq!(
        reused.status,
        StatusCode::CREATED,
        "the e-mail is free again"
    );
}

#[tokio::test]
async fn another_projects_key_cannot_delete() {
    let mock = start().await;
    let answer = mock
        .send(
            mock.http
                .delete(mock.url(&format!("/api/v1/contacts/{JANE}")))
                .bearer_auth(GLOBEX_KEY),
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "D5");
    assert_eq!(mock.get_contact(JANE).await.status, StatusCode::OK);
}

#[tokio::test]
async fn static_words_are_not_taken_for_a_contact_id() {
    let mock = start().await;
    for word in ["tags", "lists", "segments"] {
        let answer = mock
            .send(mock.request(Method::GET, &format!("/api/v1/contacts/{word}")))
            .await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "the {word}, not a contact called {word:?}"
        );
        assert!(answer.body.is_array(), "{word}: {}", answer.body);
    }
}

// ---- bulk import -------------------------------------------------------------------------

async fn import(mock: &Mock, rows: Value) -> common::Answer {
    mock.send(
        mock.request(Method::POST, "/api/v1/contacts/bulk-import")
            .json(&json!({ "contacts": rows })),
    )
    .await
}

#[tokio::test]
async fn bulk_import_creates_the_good_rows_and_skips_the_rest_with_reasons() {
    let mock = start().await;

    let answer = import(
        &mock,
        json!([
            {"name": "Ann Lee", "email": "ann@example.com", "tags": ["Newsletter"]},
            {"name": "", "email": "not-an-email"},
            {"name": "Jane Twin", "email": "jane@example.com"},
            {"name": "Ann Again", "email": "ANN@example.com"},
            {"name": "Bo Chen", "email": "bo@example.com", "company": "Initech"}
        ]),
    )
    .await;
    let listed = list(&mock, "?search=example.com&limit=200").await;

    assert_eq!(answer.status, StatusCode::OK);
    snapshot!("bulk_import_result", answer.body);
    assert_eq!(
        listed.body["pagination"]["total"], 13,
        "11 fixtures + Ann + Bo"
    );
    let journal = mock.journal("").await;
    let recorded = &journal["requests"][0];
    assert_eq!(
        recorded["verdict"], "violation",
        "the invalid row broke the contract"
    );
    assert_eq!(recorded["violations"][0]["pointer"], "/contacts/1/email");
}

#[tokio::test]
async fn bulk_import_refuses_more_than_1000_rows_and_imports_nothing() {
    let mock = start().await;
    let rows: Vec<Value> = (0..1001)
        .map(|i| json!({"name": format!("N{i}"), "email": format!("n{i}@example.com")}))
        .collect();

    let answer = import(&mock, Value::Array(rows)).await;

    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer.body["errors"][0]["pointer"], "/contacts");
    assert_eq!(answer.body["errors"][0]["keyword"], "maxItems");
    assert_eq!(list(&mock, "").await.body["pagination"]["total"], 11);
}

#[tokio::test]
async fn a_thousand_rows_are_imported() {
    let mock = start().await;
    let rows: Vec<Value> = (0..1000)
        .map(|i| json!({"name": format!("N{i}"), "email": format!("n{i}@example.com")}))
        .collect();
    let answer = import(&mock, Value::Array(rows)).await;
    assert_eq!(
        (
            answer.body["imported"].as_u64(),
            answer.body["skipped"].as_u64()
        ),
        (Some(1000), Some(0))
    );
    assert_eq!(
        list(&mock, "?limit=1").await.body["pagination"]["total"],
        1011
    );
}
