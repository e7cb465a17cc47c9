//! The mock inside a test, wiremock-style: start it on a free port with the built-in
//! fixtures, point the client under test at [`MockServer::uri`], then assert on what it
//! sent. The server stops when the value is dropped.
//!
//! ```
//! use gately_mock::MockServer;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let server = MockServer::start().await;
//! let jane = &server.contact_ids()[0];
//!
//! let response = reqwest::Client::new()
//!     .patch(format!("{}/api/v1/contacts/{jane}", server.uri()))
//!     .bearer_auth(server.api_key())
//!     .json(&serde_json::json!({"status": "inactive"}))
//!     .send()
//!     .await
//!     .unwrap();
//!
//! assert_eq!(response.status(), 200);
//! assert_eq!(server.requests().len(), 1);
//! server.assert_no_violations();
//! # }
//! ```

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use serde_json::Value;
use uuid::Uuid;

use crate::cli::ServeArgs;
use crate::clock::Timestamp;
use crate::config::{ConfigError, ServeConfig};
use crate::contract::{self, capture::Observed, report::ContractReport};
use crate::fixture::{Access, ApiKey};
use crate::http::AppState;
use crate::http::ServerHandle;
use crate::journal::{Exchange, Filter};

/// A running mock; dropped, it stops.
pub struct MockServer {
    server: ServerHandle,
    state: Arc<AppState>,
}

/// Why a mock could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// An option has a value the server refuses (e.g. a malformed frozen time).
    #[error("invalid option: {0}")]
    Option(#[source] clap::Error),
    /// The fixtures or schemas cannot be loaded.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// No port could be bound.
    #[error("cannot listen on 127.0.0.1")]
    Bind(#[source] std::io::Error),
}

/// The options of a [`MockServer`]; [`MockServer::builder`] makes one.
#[derive(Clone, Debug, Default)]
pub struct MockServerBuilder {
    fixtures: Option<PathBuf>,
    lenient: bool,
    frozen_time: Option<String>,
    latency: Option<(Duration, Duration)>,
    journal_limit: Option<usize>,
}

impl MockServerBuilder {
    /// Loads the fixtures from `dir` instead of the built-in ones.
    pub fn fixtures(mut self, dir: impl Into<PathBuf>) -> Self {
        self.fixtures = Some(dir.into());
        self
    }

    /// Lenient validation, as `serve --lenient`.
    pub fn lenient(mut self) -> Self {
        self.lenient = true;
        self
    }

    /// Freezes the clock at `rfc3339` (e.g. `2025-06-15T14:30:00.000Z`).
    pub fn frozen_time(mut self, rfc3339: &str) -> Self {
        self.frozen_time = Some(rfc3339.to_owned());
        self
    }

    /// Delays every API response by `min` to `max`.
    pub fn latency(mut self, min: Duration, max: Duration) -> Self {
        self.latency = Some((min, max));
        self
    }

    /// Keeps at most `limit` exchanges.
    pub fn journal_limit(mut self, limit: usize) -> Self {
        self.journal_limit = Some(limit);
        self
    }

    /// Starts the mock on a free port of 127.0.0.1.
    ///
    /// # Panics
    /// When it cannot start; [`MockServerBuilder::try_start`] returns the error instead.
    pub async fn start(self) -> MockServer {
        match self.try_start().await {
            Ok(server) => server,
            Err(err) => panic!("gately-mock could not start: {err}"),
        }
    }

    /// Starts the mock on a free port of 127.0.0.1.
    pub async fn try_start(self) -> Result<MockServer, StartError> {
        let mut argv: Vec<String> = ["serve", "--port", "0"].map(String::from).to_vec();
        if let Some(dir) = &self.fixtures {
            argv.extend(["--fixtures".to_owned(), dir.display().to_string()]);
        }
        if self.lenient {
            argv.push("--lenient".to_owned());
        }
        if let Some(at) = &self.frozen_time {
            argv.extend(["--frozen-time".to_owned(), at.clone()]);
        }
        if let Some((min, max)) = self.latency {
            argv.extend([
                "--latency".to_owned(),
                format!("{}..{}", min.as_millis(), max.as_millis()),
            ]);
        }
        if let Some(limit) = self.journal_limit {
            argv.extend(["--journal-limit".to_owned(), limit.to_string()]);
        }
        let args = ServeArgs::try_parse_from(argv).map_err(StartError::Option)?;
        let state = Arc::new(AppState::new(ServeConfig::from_args(&args)?));
        let server = ServerHandle::start(("127.0.0.1", 0), Arc::clone(&state))
            .await
            .map_err(StartError::Bind)?;
        Ok(MockServer { server, state })
    }
}

impl MockServer {
    /// A mock with the built-in fixtures and the defaults of `serve`.
    ///
    /// # Panics
    /// When it cannot start (no free port).
    pub async fn start() -> MockServer {
        MockServerBuilder::default().start().await
    }

    /// Options for a mock.
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::default()
    }

    /// `http://127.0.0.1:PORT`: the base URL to give the client.
    pub fn uri(&self) -> String {
        self.server.base_url()
    }

    /// The first read-write key bound to a project (with the built-in fixtures, the Acme
    /// project's `gately_sk_test_9f8e…`).
    pub fn api_key(&self) -> &str {
        self.default_key().map_or("", |key| key.key.as_str())
    }

    /// The ids of the contacts of [`MockServer::api_key`]'s project, in fixture order
    /// (with the built-in fixtures, Jane Smith first).
    pub fn contact_ids(&self) -> Vec<String> {
        let project = self.default_key().and_then(|key| key.project_id);
        self.state
            .fixtures
            .contacts
            .iter()
            .filter(|contact| Some(contact.project_id) == project)
            .map(|contact| contact.id.to_string())
            .collect()
    }

    fn default_key(&self) -> Option<&ApiKey> {
        self.state
            .fixtures
            .keys
            .iter()
            .find(|key| key.access == Access::ReadWrite && key.project_id.is_some())
    }

    /// Every recorded exchange, oldest first, in the D23 shape (serialisable: snapshot it).
    pub fn requests(&self) -> Vec<Exchange> {
        let filter = Filter::default();
        self.state
            .journal()
            .select(&filter)
            .map(|entry| entry.to_exchange())
            .collect()
    }

    /// [`MockServer::requests`] with what changes from run to run replaced, so that a
    /// snapshot is stable without a frozen clock: `time` and every timestamp in headers and
    /// bodies become `"[timestamp]"`, `duration_ms` 0, and ids the mock created (UUIDs that
    /// are not in the fixtures) `"[id 1]"`, `"[id 2]"`… in order of appearance.
    pub fn redacted_requests(&self) -> Value {
        let mut value = serde_json::to_value(self.requests()).expect("exchanges serialise");
        let mut created = Vec::new();
        redact(&mut value, &self.fixture_ids(), &mut created);
        value
    }

    fn fixture_ids(&self) -> Vec<Uuid> {
        let fixtures = &self.state.fixtures;
        let mut ids: Vec<Uuid> = fixtures
            .contacts
            .iter()
            .flat_map(|c| [c.id, c.project_id])
            .collect();
        ids.extend(fixtures.tags.iter().flat_map(|t| [t.id(), t.project_id()]));
        ids.extend(fixtures.keys.iter().filter_map(|k| k.project_id));
        ids
    }

    /// Fixtures restored, journal cleared, ids and `seq` restarted.
    pub fn reset(&self) {
        self.state.reset();
    }

    /// The contract check of everything recorded so far (what `gately-mock check` says of
    /// the record file).
    pub fn contract_report(&self) -> ContractReport {
        let observed: Vec<Observed> = self
            .requests()
            .into_iter()
            .map(|exchange| Observed::from_exchange(exchange, "journal"))
            .collect();
        contract::check(&observed, &self.state.schemas, self.state.strictness)
    }

    /// Panics with the report of `gately-mock check` if any recorded exchange broke the
    /// contract.
    pub fn assert_no_violations(&self) {
        let report = self.contract_report();
        if report.has_violations() {
            panic!(
                "the client broke the Gately contract:\n{}",
                report.to_human(false)
            );
        }
    }

    /// Stops accepting, lets open exchanges finish, then returns.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

/// Replaces timestamps, durations and created ids in `value` (see `redacted_requests`).
fn redact(value: &mut Value, fixture_ids: &[Uuid], created: &mut Vec<Uuid>) {
    match value {
        Value::Object(object) => {
            for (key, item) in object.iter_mut() {
                if key == "duration_ms" {
                    *item = Value::from(0);
                } else {
                    redact(item, fixture_ids, created);
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| redact(item, fixture_ids, created)),
        Value::String(text) => {
            if text.len() >= 20 && text.as_bytes()[10] == b'T' && Timestamp::parse(text).is_ok() {
                *text = "[timestamp]".to_owned();
            } else if let Ok(id) = Uuid::try_parse(text) {
                if !fixture_ids.contains(&id) {
                    let number = match created.iter().position(|known| *known == id) {
                        Some(at) => at + 1,
                        None => {
                            created.push(id);
                            created.len()
                        }
                    };
                    *text = format!("[id {number}]");
                }
            } else if text.starts_with("/api/v1/contacts/") {
                // ids in paths: the same numbering
                let mut parts: Vec<String> = text.split('/').map(str::to_owned).collect();
                for part in &mut parts {
                    let mut segment = Value::String(part.clone());
                    redact(&mut segment, fixture_ids, created);
                    if let Value::String(redacted) = segment {
                        *part = redacted;
                    }
                }
                *text = parts.join("/");
            }
        }
        _ => {}
    }
}
