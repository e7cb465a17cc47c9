//! `gately-mock pact` and the provider states route: a consumer's recorded traffic becomes
//! a Pact v3 contract, and a fresh mock sets up each interaction's states so that it can
//! play the provider. (CI verifies the written contract with pact-python's verifier too:
//! `.ci/pact.sh`.)

mod common;

use common::{JANE, JOHN, SECRET_KEY, TempDir, start_with};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_gately-mock");

/// A consumer's traffic, recorded in `file`.
async fn record_traffic(file: &std::path::Path) {
    let recorded = file.to_owned();
    let mock = start_with(|options| options.record(recorded)).await;
    mock.get_contact(JANE).await;
    mock.patch_contact(JANE, json!({"status": "inactive"}))
        .await;
    mock.patch_contact(JANE, json!({"notes": "after the first change"}))
        .await;
    mock.get_contact("00000000-0000-4000-8000-000000000000")
        .await;
    let made = mock
        .send(
            mock.request(Method::POST, "/api/v1/contacts")
                .json(&json!({"name": "Ada Lovelace", "email": "ada@example.com"})),
        )
        .await;
    let ada = made.body["id"].as_str().unwrap().to_owned();
    mock.patch_contact(&ada, json!({"company": "Analytical Engines"}))
        .await;
    // Changes no answer shows whole: an unsubscribe, then the contact; a tag made twice.
    mock.send(
        mock.request(
            Method::POST,
            &format!("/api/v1/contacts/{JOHN}/unsubscribes"),
        )
        .json(&json!({"reason": "Too many emails", "source": "user_request"})),
    )
    .await;
    mock.get_contact(JOHN).await;
    for _ in 0..2 {
        mock.send(
            mock.request(Method::POST, "/api/v1/contacts/tags")
                .json(&json!({"name": "Churn risk"})),
        )
        .await;
    }
    // Not in the contract: a refusal of the client's own mistake, and a forced answer.
    mock.patch_contact(JANE, json!({"statsu": "x"})).await;
    mock.send(
        mock.request(Method::DELETE, &format!("/api/v1/contacts/{JOHN}"))
            .header("prefer", "code=404"),
    )
    .await;
}

fn pact(file: &std::path::Path, out: &std::path::Path) -> (bool, String) {
    let output = std::process::Command::new(BIN)
        .arg("pact")
        .arg(file)
        .args(["--consumer", "web-app", "--output"])
        .arg(out)
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[tokio::test]
async fn the_contract_holds_one_interaction_per_request_shape_of_the_clean_traffic() {
    let dir = TempDir::new("pact-write");
    let (traffic, out) = (dir.0.join("traffic.jsonl"), dir.0.join("pact.json"));
    record_traffic(&traffic).await;
    let (ok, stderr) = pact(&traffic, &out);
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains("9 interactions for web-app from 12 exchanges"),
        "{stderr}"
    );
    let contract: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(contract["provider"]["name"], "gately-api");
    let descriptions: Vec<&str> = contract["interactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|interaction| interaction["description"].as_str().unwrap())
        .collect();
    assert_eq!(
        descriptions,
        [
            "getContact → 200",
            "updateContact → 200 (body: status)",
            "updateContact → 200 (body: notes)",
            "getContact → 404 contact_not_found",
            "createContact → 201 (body: name, email)",
            "updateContact → 200 (body: company)",
            "unsubscribeContact → 201 (body: reason, source)",
            "createTag → 201 (body: name)",
            "createTag → 409 tag_exists (body: name)",
        ],
        "the refused and the forced exchanges stay out: {descriptions:?}"
    );
}

#[tokio::test]
async fn a_fresh_mock_sets_up_each_interaction_s_states_and_answers_as_recorded() {
    let dir = TempDir::new("pact-provider");
    let (traffic, out) = (dir.0.join("traffic.jsonl"), dir.0.join("pact.json"));
    record_traffic(&traffic).await;
    assert!(pact(&traffic, &out).0);
    let contract: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();

    let provider = start_with(|options| options).await;
    for interaction in contract["interactions"].as_array().unwrap() {
        for state in interaction["providerStates"].as_array().unwrap() {
            let body =
                json!({"state": state["name"], "params": state["params"], "action": "setup"});
            let set_up = provider
                .http
                .post(provider.url("/__admin/provider-states"))
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(set_up.status(), StatusCode::OK, "{body}");
        }
        let request = &interaction["request"];
        let method = Method::from_bytes(request["method"].as_str().unwrap().as_bytes()).unwrap();
        let mut sent = provider
            .http
            .request(method, provider.url(request["path"].as_str().unwrap()))
            .bearer_auth(SECRET_KEY);
        if let Some(body) = request.get("body") {
            sent = sent.json(body);
        }
        let answer = sent.send().await.unwrap();
        let expected = &interaction["response"];
        assert_eq!(
            u64::from(answer.status().as_u16()),
            expected["status"].as_u64().unwrap(),
            "{}",
            interaction["description"]
        );
        let body: Value = answer.json().await.unwrap();
        for field in ["status", "unsubscribed", "code"] {
            assert_eq!(body.get(field), expected["body"].get(field), "{field}");
        }
    }
}

#[tokio::test]
async fn an_unknown_state_is_refused_with_the_states_the_mock_knows() {
    let mock = common::start().await;
    let refused = mock
        .http
        .post(mock.url("/__admin/provider-states"))
        .json(&json!({"state": "the moon is full", "action": "setup"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let problem: Value = refused.json().await.unwrap();
    assert_eq!(problem["code"], "unknown_provider_state");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("contact <id> exists")
    );
    // A teardown changes nothing; "does not exist" removes; "exists" with fields makes.
    let change = |state: Value| {
        mock.http
            .post(mock.url("/__admin/provider-states"))
            .json(&state)
            .send()
    };
    let gone = change(json!({"state": format!("contact {JOHN} does not exist")}));
    assert_eq!(gone.await.unwrap().status(), StatusCode::OK);
    assert_eq!(mock.get_contact(JOHN).await.status, StatusCode::NOT_FOUND);
    let made = change(json!({
        "state": "contact 11111111-2222-4333-8444-555555555555 exists",
        "params": {"name": "Made For A State", "email": "state@example.com", "status": "archived"}
    }));
    assert_eq!(made.await.unwrap().status(), StatusCode::OK);
    let contact = mock
        .get_contact("11111111-2222-4333-8444-555555555555")
        .await;
    assert_eq!(contact.body["status"], "archived");
    let taken = change(json!({"state": "a contact with e-mail taken@example.com exists"}));
    assert_eq!(taken.await.unwrap().status(), StatusCode::OK);
    let clash = mock
        .send(
            mock.request(Method::POST, "/api/v1/contacts")
                .json(&json!({"name": "Twin", "email": "taken@example.com"})),
        )
        .await;
    assert_eq!(clash.status, StatusCode::CONFLICT);
    let reset = change(json!({"state": "the fixtures"}));
    assert_eq!(reset.await.unwrap().status(), StatusCode::OK);
    assert_eq!(mock.get_contact(JOHN).await.status, StatusCode::OK);
}
