//! A small Gately client, as a client team would write it, tested against the in-process
//! `MockServer`: its traffic snapshotted with insta, and a client bug caught as a contract
//! violation.

use std::panic::AssertUnwindSafe;

use gately_mock::MockServer;
use serde::{Deserialize, Serialize};

/// The client under test: a thin layer over reqwest.
struct GatelyClient {
    http: reqwest::Client,
    base_url: String,
    api_key: String,
}

/// The fields the app changes; absent fields are not sent (the API's PATCH semantics).
#[derive(Default, Serialize)]
struct ContactUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notes: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tags: Option<Vec<String>>,
}

/// A buggy update: camelCase where the API wants snake_case.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BuggyUpdate {
    first_name: String,
}

#[derive(Debug, Deserialize)]
struct Contact {
    id: String,
    name: String,
    status: String,
    notes: Option<String>,
    tags: Vec<Tag>,
}

#[derive(Debug, Deserialize)]
struct Tag {
    name: String,
}

impl GatelyClient {
    fn new(base_url: String, api_key: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            base_url,
            api_key: api_key.to_owned(),
        }
    }

    async fn get_contact(&self, id: &str) -> reqwest::Result<Contact> {
        self.http
            .get(format!("{}/api/v1/contacts/{id}", self.base_url))
            .bearer_auth(&self.api_key)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await
    }

    async fn update_contact(&self, id: &str, update: &impl Serialize) -> reqwest::Result<Contact> {
        self.http
            .patch(format!("{}/api/v1/contacts/{id}", self.base_url))
            .bearer_auth(&self.api_key)
            .json(update)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await
    }
}

fn snapshot_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"));
    settings.set_prepend_module_to_snapshot(true);
    settings
}

#[tokio::test]
async fn churning_a_contact_sends_only_the_changed_fields() {
    let server = MockServer::builder()
        .frozen_time("2025-06-15T14:30:00.000Z")
        .start()
        .await;
    let client = GatelyClient::new(server.uri(), server.api_key());
    let jane = server.contact_ids()[0].clone();

    let before = client.get_contact(&jane).await.unwrap();
    let after = client
        .update_contact(
            &jane,
            &ContactUpdate {
                status: Some("inactive".into()),
                notes: Some("Churned after trial".into()),
                ..ContactUpdate::default()
            },
        )
        .await
        .unwrap();

    assert_eq!(
        (before.name.as_str(), before.status.as_str()),
        ("Jane Smith", "active")
    );
    assert_eq!((after.id, after.status.as_str()), (jane, "inactive"));
    assert_eq!(after.notes.as_deref(), Some("Churned after trial"));
    server.assert_no_violations();
    snapshot_settings().bind(|| insta::assert_json_snapshot!("churn_traffic", server.requests()));
}

#[tokio::test]
async fn traffic_snapshots_are_stable_without_a_frozen_clock() {
    let server = MockServer::start().await;
    let client = GatelyClient::new(server.uri(), server.api_key());
    let jane = server.contact_ids()[0].clone();

    let tagged = client
        .update_contact(
            &jane,
            &ContactUpdate {
                tags: Some(vec!["Churn risk".into(), "VIP".into()]),
                ..ContactUpdate::default()
            },
        )
        .await
        .unwrap();

    assert_eq!(
        tagged
            .tags
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>(),
        ["Churn risk", "VIP"]
    );
    // Real time and a created tag id: both redacted, so the snapshot holds run after run.
    snapshot_settings().bind(|| {
        insta::assert_json_snapshot!("tagging_traffic_redacted", server.redacted_requests())
    });
}

#[tokio::test]
async fn a_client_bug_is_caught_as_a_contract_violation() {
    let server = MockServer::start().await;
    let client = GatelyClient::new(server.uri(), server.api_key());
    let jane = server.contact_ids()[0].clone();

    let refused = client
        .update_contact(
            &jane,
            &BuggyUpdate {
                first_name: "Janet".into(),
            },
        )
        .await;
    let verdict = std::panic::catch_unwind(AssertUnwindSafe(|| server.assert_no_violations()));

    assert_eq!(refused.unwrap_err().status().map(|s| s.as_u16()), Some(422));
    let report = verdict.expect_err("the violation is caught");
    let report = report.downcast_ref::<String>().expect("a readable report");
    snapshot_settings().bind(|| insta::assert_snapshot!("client_bug_report", report));
}

#[tokio::test]
async fn reset_isolates_two_tests_on_one_server() {
    let server = MockServer::start().await;
    let client = GatelyClient::new(server.uri(), server.api_key());
    let jane = server.contact_ids()[0].clone();
    client
        .update_contact(
            &jane,
            &ContactUpdate {
                status: Some("archived".into()),
                ..ContactUpdate::default()
            },
        )
        .await
        .unwrap();

    server.reset();

    assert!(server.requests().is_empty());
    assert_eq!(client.get_contact(&jane).await.unwrap().status, "active");
}

#[tokio::test]
async fn twenty_servers_run_side_by_side_without_port_clashes() {
    let servers = futures_join_all((0..20).map(|_| MockServer::start())).await;

    let mut ports: Vec<String> = servers.iter().map(MockServer::uri).collect();
    ports.sort();
    ports.dedup();
    assert_eq!(ports.len(), 20);
    for server in &servers {
        let client = GatelyClient::new(server.uri(), server.api_key());
        let jane = client.get_contact(&server.contact_ids()[0]).await.unwrap();
        assert_eq!(jane.name, "Jane Smith");
        assert_eq!(
            server.requests().len(),
            1,
            "each server saw only its own request"
        );
    }
}

#[tokio::test]
async fn a_bad_option_is_an_error_not_a_panic() {
    let err = MockServer::builder()
        .frozen_time("yesterday")
        .try_start()
        .await
        .err()
        .expect("refused");
    assert!(
        err.to_string()
            .starts_with("invalid frozen time: \"yesterday\" is not an RFC 3339 date-time"),
        "{err}"
    );
}

/// Starts every future at once on this runtime and waits for all (no extra dependency).
async fn futures_join_all<F: std::future::Future<Output = MockServer> + Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<MockServer> {
    let tasks: Vec<_> = futures.map(tokio::spawn).collect();
    let mut servers = Vec::with_capacity(tasks.len());
    for task in tasks {
        servers.push(task.await.expect("a server starts"));
    }
    servers
}
