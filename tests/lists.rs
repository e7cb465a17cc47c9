//! Contact lists (D28): list, create, get, partial update, delete; members paged through,
//! added and removed one by one; through real HTTP, every answer checked against the mock's
//! own schemas (D13) and every exchange's verdict against `check` of the recording.

mod common;

use common::{GLOBEX_KEY, JANE, JOHN, PUBLIC_KEY, TOM, start};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The built-in "Weekly Newsletter" list: Jane, Wei and Liam.
const NEWSLETTER: &str = "7a4c2e10-3b5d-4f6a-8c9e-1d2f3a4b5c60";
/// The built-in "Event Invitees" list: Maria and Emma.
const INVITEES: &str = "9e1b5d73-6c2a-4e8f-b4d1-7f3a2c5e8b91";
const LISTS: &str = "/api/v1/contacts/lists";

fn list_path(id: &str) -> String {
    format!("{LISTS}/{id}")
}

fn members_path(id: &str) -> String {
    format!("{LISTS}/{id}/members")
}

fn member_names(members: &Value) -> Vec<&str> {
    members
        .as_array()
        .unwrap()
        .iter()
        .map(|member| member["crm_contacts"]["name"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn the_built_in_lists_are_the_project_s_oldest_first_with_their_member_counts() {
    let mock = start().await;
    let lists = mock.call(Method::GET, LISTS, None).await;
    assert_eq!(lists.status, StatusCode::OK);
    let summary = common::counts(&lists.body, "member_count");
    assert_eq!(summary, [("Weekly Newsletter", 3), ("Event Invitees", 2)]);

    let globex = mock
        .send(mock.request_as(GLOBEX_KEY, Method::GET, LISTS))
        .await;
    assert_eq!(
        globex.body,
        json!([]),
        "another project's lists are not shown"
    );
    let foreign = mock
        .send(mock.request_as(GLOBEX_KEY, Method::GET, &list_path(NEWSLETTER)))
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    assert_eq!(foreign.body["code"], "list_not_found");
}

#[tokio::test]
async fn a_created_list_is_renamed_described_and_deleted_and_its_contacts_stay() {
    let mock = start().await;
    let created = mock
        .call(
            Method::POST,
            LISTS,
            Some(json!({"name": "Beta testers", "description": "Early access"})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(created.body["member_count"], 0);
    assert_eq!(created.body["created_at"], common::FROZEN);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        mock.call(Method::GET, &list_path(&id), None).await.body,
        created.body
    );

    let renamed = mock
        .call(
            Method::PATCH,
            &list_path(&id),
            Some(json!({"name": "Beta", "description": null})),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK);
    assert_eq!(renamed.body["name"], "Beta");
    assert_eq!(renamed.body["description"], Value::Null);
    let journal = mock.journal("").await;
    assert_eq!(
        journal["requests"][2]["changes"],
        json!({
            "name": {"before": "Beta testers", "after": "Beta"},
            "description": {"before": "Early access", "after": null},
        })
    );

    let added = mock
        .call(
            Method::POST,
            &members_path(&id),
            Some(json!({"contact_id": JANE})),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED);
    let deleted = mock.call(Method::DELETE, &list_path(&id), None).await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert_eq!(
        deleted.body,
        json!({"message": "List deleted successfully"})
    );
    let gone = mock.call(Method::GET, &list_path(&id), None).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(gone.body["code"], "list_not_found");
    assert_eq!(mock.get_contact(JANE).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_list_name_is_unique_in_its_project() {
    let mock = start().await;
    let again = mock
        .call(
            Method::POST,
            LISTS,
            Some(json!({"name": "Weekly Newsletter"})),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.body["code"], "list_exists");
    assert_eq!(again.body["errors"][0]["pointer"], "/name");

    let renamed = mock
        .call(
            Method::PATCH,
            &list_path(INVITEES),
            Some(json!({"name": "Weekly Newsletter"})),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::CONFLICT);
    let same = mock
        .call(
            Method::PATCH,
            &list_path(NEWSLETTER),
            Some(json!({"name": "Weekly Newsletter"})),
        )
        .await;
    assert_eq!(same.status, StatusCode::OK, "its own name is not taken");

    let elsewhere = mock
        .send(
            mock.request_as(GLOBEX_KEY, Method::POST, LISTS)
                .json(&json!({"name": "Weekly Newsletter"})),
        )
        .await;
    assert_eq!(elsewhere.status, StatusCode::CREATED, "unique per project");
}

#[tokio::test]
async fn a_bad_list_body_or_id_is_refused_naming_the_field() {
    let mock = start().await;
    let nameless = mock
        .call(Method::POST, LISTS, Some(json!({"nmae": "Beta"})))
        .await;
    assert_eq!(nameless.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(common::pointers(&nameless.body), ["/name", "/nmae"]);
    assert!(
        nameless.body["errors"][1]["message"]
            .as_str()
            .unwrap()
            .contains("did you mean \"name\"?")
    );

    let empty_name = mock
        .call(
            Method::PATCH,
            &list_path(NEWSLETTER),
            Some(json!({"name": ""})),
        )
        .await;
    assert_eq!(empty_name.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(empty_name.body["errors"][0]["pointer"], "/name");

    let bad_id = mock.call(Method::GET, &list_path("newsletter"), None).await;
    assert_eq!(bad_id.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_id.body["code"], "invalid_list_id");
    assert_eq!(bad_id.body["errors"][0]["pointer"], "/path/listId");

    let read_only = mock
        .send(
            mock.request_as(PUBLIC_KEY, Method::POST, LISTS)
                .json(&json!({"name": "Beta"})),
        )
        .await;
    assert_eq!(read_only.status, StatusCode::FORBIDDEN);
    assert_eq!(read_only.body["code"], "insufficient_permissions");
}

#[tokio::test]
async fn members_are_paged_oldest_first_each_with_its_contact() {
    let mock = start().await;
    let all = mock
        .call(Method::GET, &members_path(NEWSLETTER), None)
        .await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(
        member_names(&all.body),
        ["Jane Smith", "Wei Chen", "Liam Johnson"]
    );
    assert_eq!(all.body[0]["list_id"], NEWSLETTER);
    assert_eq!(all.body[0]["contact_id"], JANE);
    assert_eq!(
        all.body[0]["crm_contacts"],
        mock.get_contact(JANE).await.body
    );

    let second = mock
        .call(
            Method::GET,
            &format!("{}?page=2&limit=2", members_path(NEWSLETTER)),
            None,
        )
        .await;
    assert_eq!(member_names(&second.body), ["Liam Johnson"]);
    let past = mock
        .call(
            Method::GET,
            &format!("{}?page=3&limit=2", members_path(NEWSLETTER)),
            None,
        )
        .await;
    assert_eq!(past.body, json!([]));

    let too_many = mock
        .call(
            Method::GET,
            &format!("{}?limit=201&colour=red", members_path(NEWSLETTER)),
            None,
        )
        .await;
    assert_eq!(too_many.status, StatusCode::BAD_REQUEST);
    assert_eq!(too_many.body["code"], "invalid_query");
    assert_eq!(
        common::pointers(&too_many.body),
        ["/query/limit", "/query/colour"]
    );

    let unknown = mock
        .call(
            Method::GET,
            &members_path("00000000-0000-4000-8000-000000000000"),
            None,
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.body["code"], "list_not_found");
}

#[tokio::test]
async fn a_member_is_added_once_and_removed_by_its_contact_id() {
    let mock = start().await;
    let added = mock
        .call(
            Method::POST,
            &members_path(INVITEES),
            Some(json!({"contact_id": JOHN})),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED);
    assert_eq!(added.body["added_at"], common::FROZEN);
    assert_eq!(added.body["crm_contacts"]["name"], "John Doe");
    let again = mock
        .call(
            Method::POST,
            &members_path(INVITEES),
            Some(json!({"contact_id": JOHN})),
        )
        .await;
    assert_eq!(again.status, StatusCode::OK, "already a member");
    assert_eq!(again.body, added.body);
    let list = mock.call(Method::GET, &list_path(INVITEES), None).await;
    assert_eq!(list.body["member_count"], 3);
    let journal = mock.journal("").await;
    assert_eq!(
        journal["requests"][0]["changes"],
        json!({"member_count": {"before": 2, "after": 3}}),
        "the add is recorded as the list's change"
    );
    assert_eq!(
        journal["requests"][1]["changes"],
        Value::Null,
        "already a member: none"
    );

    let removed = mock
        .call(
            Method::DELETE,
            &format!("{}?contact_id={JOHN}", members_path(INVITEES)),
            None,
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK);
    assert_eq!(
        removed.body,
        json!({"message": "Contact removed from list successfully"})
    );
    let not_a_member = mock
        .call(
            Method::DELETE,
            &format!("{}?contact_id={JOHN}", members_path(INVITEES)),
            None,
        )
        .await;
    assert_eq!(not_a_member.status, StatusCode::OK, "not an error");
    assert_eq!(
        mock.call(Method::GET, &list_path(INVITEES), None)
            .await
            .body["member_count"],
        2
    );

    let nobody = mock
        .call(Method::DELETE, &members_path(INVITEES), None)
        .await;
    assert_eq!(nobody.status, StatusCode::BAD_REQUEST);
    assert_eq!(nobody.body["errors"][0]["pointer"], "/query/contact_id");
    assert_eq!(nobody.body["errors"][0]["keyword"], "required");
}

#[tokio::test]
async fn only_a_contact_of_the_project_can_be_a_member() {
    let mock = start().await;
    for (contact, why) in [
        (TOM, "a Globex contact"),
        ("00000000-0000-4000-8000-000000000000", "no contact"),
    ] {
        let refused = mock
            .call(
                Method::POST,
                &members_path(INVITEES),
                Some(json!({"contact_id": contact})),
            )
            .await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{why}");
        assert_eq!(refused.body["code"], "contact_not_found", "{why}");
        assert_eq!(common::pointers(&refused.body), ["/contact_id"], "{why}");
    }
    let not_an_id = mock
        .call(
            Method::POST,
            &members_path(INVITEES),
            Some(json!({"contact_id": "jane"})),
        )
        .await;
    assert_eq!(not_an_id.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(not_an_id.body["errors"][0]["pointer"], "/contact_id");
}

#[tokio::test]
async fn deleting_a_contact_leaves_no_membership_behind() {
    let mock = start().await;
    mock.call(
        Method::POST,
        &members_path(INVITEES),
        Some(json!({"contact_id": JANE})),
    )
    .await;
    let deleted = mock
        .call(Method::DELETE, &format!("/api/v1/contacts/{JANE}"), None)
        .await;
    assert_eq!(deleted.status, StatusCode::OK);

    for list in [NEWSLETTER, INVITEES] {
        let members = mock.call(Method::GET, &members_path(list), None).await;
        assert!(
            members
                .body
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["contact_id"] != JANE),
            "{list}: {}",
            members.body
        );
    }
    let lists = mock.call(Method::GET, LISTS, None).await;
    assert_eq!(lists.body[0]["member_count"], 2);
    assert_eq!(lists.body[1]["member_count"], 2);
    let state = mock.admin_json("/__admin/state").await;
    let state_text = state["lists"].to_string();
    assert!(
        !state_text.contains(JANE),
        "the state keeps no membership: {state_text}"
    );
}

#[tokio::test]
async fn a_documented_refusal_of_a_list_route_can_be_asked_for() {
    let mock = start().await;
    let forced = mock
        .send(
            mock.request(Method::POST, LISTS)
                .header("prefer", "code=409")
                .json(&json!({"name": "Beta"})),
        )
        .await;
    assert_eq!(forced.status, StatusCode::CONFLICT);
    let lists = mock.call(Method::GET, LISTS, None).await;
    assert_eq!(
        lists.body.as_array().unwrap().len(),
        2,
        "nothing was created"
    );
    let journal = mock.journal("").await;
    assert_eq!(journal["requests"][0]["forced"], true);
}
