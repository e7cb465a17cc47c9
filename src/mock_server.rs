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

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serde_json::Value;
use uuid::Uuid;

use crate::clock::{Clock, Timestamp, TimestampError};
use crate::config::{ConfigError, Options, ServeConfig};
use crate::contract::capture::Observed;
use crate::contract::coverage::CoverageReport;
use crate::contract::{self, capture, report::ContractReport};
use crate::fixture::FixtureSource;
use crate::http::workspace::{Blueprint, WorkspaceState};
use crate::http::{AppState, ServerHandle};
use crate::journal::{Exchange, Filter};
use crate::latency::{Latency, LatencyError};
use crate::schema::Strictness;
use crate::upstream::{DEFAULT_TIMEOUT, UpstreamOptions};

/// A running mock; dropped, it stops.
pub struct MockServer {
    server: ServerHandle,
    state: Arc<AppState>,
    /// The server's own state, as a workspace.
    default: Workspace,
}

/// Why a mock could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The frozen time is not an RFC 3339 instant.
    #[error("invalid frozen time: {0}")]
    FrozenTime(TimestampError),
    /// The latency range ends before it starts.
    #[error("invalid latency: {0}")]
    Latency(LatencyError),
    /// The fixtures or schemas cannot be loaded, or the record file cannot be created.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// No port could be bound.
    #[error("cannot listen on 127.0.0.1")]
    Bind(#[source] std::io::Error),
}

/// The options of a [`MockServer`]; [`MockServer::builder`] makes one. They are the
/// options of `gately-mock serve`, typed, with the same defaults.
#[derive(Clone, Debug)]
pub struct MockServerBuilder {
    options: Options,
    frozen_time: Option<String>,
    latency: Option<(Duration, Duration)>,
    upstream_ca: Option<PathBuf>,
    upstream_timeout: Option<Duration>,
}

impl Default for MockServerBuilder {
    fn default() -> Self {
        Self {
            options: Options {
                port: 0,
                ..Options::default()
            },
            frozen_time: None,
            latency: None,
            upstream_ca: None,
            upstream_timeout: None,
        }
    }
}

impl MockServerBuilder {
    /// Loads the fixtures from `dir` instead of the built-in ones (`--fixtures`).
    pub fn fixtures(mut self, dir: impl Into<PathBuf>) -> Self {
        self.options.fixtures = FixtureSource::Dir(dir.into());
        self
    }

    /// Lenient validation, as `serve --lenient`.
    pub fn lenient(mut self) -> Self {
        self.options.strictness = Strictness::Lenient;
        self
    }

    /// Freezes the clock at `rfc3339` (e.g. `2025-06-15T14:30:00.000Z`).
    pub fn frozen_time(mut self, rfc3339: &str) -> Self {
        self.frozen_time = Some(rfc3339.to_owned());
        self
    }

    /// Delays every API response by `min` to `max` (`--latency`), to the microsecond.
    pub fn latency(mut self, min: Duration, max: Duration) -> Self {
        self.latency = Some((min, max));
        self
    }

    /// Keeps at most `limit` exchanges (`--journal-limit`).
    pub fn journal_limit(mut self, limit: usize) -> Self {
        self.options.journal_limit = limit;
        self
    }

    /// Refuses bodies larger than `bytes` with 413 (`--max-body`).
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.options.max_body = bytes;
        self
    }

    /// Also writes every exchange to `file`, one JSON line each (`--record`).
    pub fn record(mut self, file: impl Into<PathBuf>) -> Self {
        self.options.record = Some(file.into());
        self
    }

    /// Closes a connection whose client takes longer than `timeout` to send a request
    /// head, or leaves it idle that long (`--header-timeout`).
    pub fn header_timeout(mut self, timeout: Duration) -> Self {
        self.options.limits.header_timeout = timeout;
        self
    }

    /// Answers connections over `limit` with 503 (`--max-connections`).
    pub fn max_connections(mut self, limit: usize) -> Self {
        self.options.limits.max_connections = limit;
        self
    }

    /// Lets at most `limit` workspaces live besides `default` (`--max-workspaces`).
    pub fn max_workspaces(mut self, limit: usize) -> Self {
        self.options.workspaces.max = limit;
        self
    }

    /// Ends a workspace left unused for `ttl` (`--workspace-ttl`), to the millisecond.
    pub fn workspace_ttl(mut self, ttl: Duration) -> Self {
        self.options.workspaces.ttl = ttl;
        self
    }

    /// Injects faults as the plan in `file` says (`--faults`, D30).
    pub fn faults(mut self, file: impl Into<PathBuf>) -> Self {
        self.options.faults = Some(file.into());
        self
    }

    /// Proxy mode (`--upstream`, D31): forwards every API request to `url` and answers with
    /// its answer, both directions judged by the documented contract and recorded.
    pub fn upstream(mut self, url: &str) -> Self {
        self.options.upstream = Some(UpstreamOptions {
            url: url.to_owned(),
            ca: None,
            timeout: DEFAULT_TIMEOUT,
        });
        self
    }

    /// Trusts the certificates of the PEM `file` for the upstream (`--upstream-ca`).
    pub fn upstream_ca(mut self, file: impl Into<PathBuf>) -> Self {
        self.upstream_ca = Some(file.into());
        self
    }

    /// How long the upstream may take to answer (`--upstream-timeout`; 30 s).
    pub fn upstream_timeout(mut self, timeout: Duration) -> Self {
        self.upstream_timeout = Some(timeout);
        self
    }

    /// Forwards requests that break the contract too, instead of refusing them
    /// (`--forward-invalid`).
    pub fn forward_invalid(mut self) -> Self {
        self.options.forward_invalid = true;
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
        let mut options = self.options;
        if let Some(at) = &self.frozen_time {
            options.frozen_time = Some(Timestamp::parse(at).map_err(StartError::FrozenTime)?);
        }
        if let Some((min, max)) = self.latency {
            options.latency = Some(Latency::between(min, max).map_err(StartError::Latency)?);
        }
        if let Some(upstream) = &mut options.upstream {
            upstream.ca = self.upstream_ca;
            upstream.timeout = self.upstream_timeout.unwrap_or(upstream.timeout);
        }
        let state = Arc::new(AppState::new(ServeConfig::load(options)?));
        let server = ServerHandle::start(("127.0.0.1", 0), Arc::clone(&state))
            .await
            .map_err(StartError::Bind)?;
        let default = Workspace::new(Arc::clone(&state), None, server.base_url());
        Ok(MockServer {
            server,
            state,
            default,
        })
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

    /// The address the mock listens on, for clients that need a socket.
    pub fn address(&self) -> SocketAddr {
        self.server.addr()
    }

    /// One mock for a whole test binary, with the defaults of `serve`: started on first
    /// use, on a thread and a runtime of its own, so that it outlives the runtime of each
    /// `#[tokio::test]` that uses it. Give each test a [`MockServer::workspace`] of it.
    ///
    /// # Panics
    /// When it cannot start (no free port).
    pub fn shared() -> &'static MockServer {
        static SHARED: OnceLock<MockServer> = OnceLock::new();
        SHARED.get_or_init(|| {
            let (started, server) = std::sync::mpsc::channel();
            std::thread::Builder::new()
                .name("gately-mock".to_owned())
                .spawn(move || {
                    let runtime = tokio::runtime::Builder::new_multi_thread()
                        .worker_threads(2)
                        .enable_all()
                        .build()
                        .expect("a runtime for the shared mock");
                    runtime.block_on(async {
                        let _ = started.send(MockServer::start().await);
                        std::future::pending::<()>().await;
                    });
                })
                .expect("a thread for the shared mock");
            server.recv().expect("the shared mock starts")
        })
    }

    /// A new workspace (D26) on this server, as the server starts: its own contacts,
    /// journal, ids and clock, opened by its own keys, so that tests running at once share
    /// the server without sharing state. It ends when the value is dropped. (`async` for
    /// the harness's sake: it is made in process, without a request.)
    ///
    /// # Panics
    /// When `--max-workspaces` (1 000) workspaces live already.
    pub async fn workspace(&self) -> Workspace {
        self.workspace_builder().create().await
    }

    /// Options for a workspace of this server: `.name(…)`, `.frozen_time(…)`, `.seed(…)`,
    /// `.lenient()`, then `.create().await`.
    pub fn workspace_builder(&self) -> WorkspaceBuilder<'_> {
        WorkspaceBuilder {
            server: self,
            name: None,
            frozen_time: None,
            seed: None,
            lenient: false,
        }
    }

    /// The first read-write key bound to a project (with the built-in fixtures, the Acme
    /// project's `gately_sk_test_9f8e…`).
    pub fn api_key(&self) -> &str {
        self.default.api_key()
    }

    /// The ids of the contacts of [`MockServer::api_key`]'s project, in fixture order
    /// (with the built-in fixtures, Jane Smith first).
    pub fn contact_ids(&self) -> Vec<String> {
        self.default.contact_ids()
    }

    /// Every recorded exchange of the server's own state (not its workspaces'), oldest
    /// first, in the D23 shape (serialisable: snapshot it).
    pub fn requests(&self) -> Vec<Exchange> {
        self.default.requests()
    }

    /// [`MockServer::requests`] with what changes from run to run replaced, so that a
    /// snapshot is stable without a frozen clock: `time` and every timestamp in headers and
    /// bodies become `"[timestamp]"`, `duration_ms` 0, and ids the mock created (UUIDs that
    /// are not in the fixtures) `"[id 1]"`, `"[id 2]"`… in order of appearance.
    pub fn redacted_requests(&self) -> Value {
        self.default.redacted_requests()
    }

    /// Fixtures restored, journal cleared, ids and `seq` restarted.
    pub fn reset(&self) {
        self.default.reset();
    }

    /// The contract check of everything recorded so far: what `gately-mock check` says of
    /// the record file, read from the same lines.
    pub fn contract_report(&self) -> ContractReport {
        self.default.contract_report()
    }

    /// Which outcomes its recorded exchanges had (D32): [`Workspace::coverage`] of
    /// `default`.
    pub fn coverage(&self) -> CoverageReport {
        self.default.coverage()
    }

    /// Panics with the report of `gately-mock check` if any recorded exchange broke the
    /// contract.
    pub fn assert_no_violations(&self) {
        self.default.assert_no_violations();
    }

    /// Stops accepting, lets open exchanges finish, then returns.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

/// The options of a workspace, as the body of `POST /__admin/workspaces` gives them;
/// [`MockServer::workspace_builder`] makes one.
pub struct WorkspaceBuilder<'a> {
    server: &'a MockServer,
    name: Option<String>,
    frozen_time: Option<String>,
    seed: Option<u64>,
    lenient: bool,
}

impl WorkspaceBuilder<'_> {
    /// Its id (unique among the live ones); without one it is `ws-<n>`.
    pub fn name(mut self, name: &str) -> Self {
        self.name = Some(name.to_owned());
        self
    }

    /// Freezes its clock at `rfc3339`.
    pub fn frozen_time(mut self, rfc3339: &str) -> Self {
        self.frozen_time = Some(rfc3339.to_owned());
        self
    }

    /// The seed of the ids it creates.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Judges its requests as `serve --lenient` does.
    pub fn lenient(mut self) -> Self {
        self.lenient = true;
        self
    }

    /// Makes the workspace.
    ///
    /// # Panics
    /// When the frozen time is not an RFC 3339 instant, the name is taken, or
    /// `--max-workspaces` workspaces live already.
    pub async fn create(self) -> Workspace {
        let clock = self.frozen_time.map(|at| match Timestamp::parse(&at) {
            Ok(at) => Clock::Frozen(at),
            Err(err) => panic!("invalid frozen time: {err}"),
        });
        let blueprint = Blueprint {
            name: self.name,
            clock,
            seed: self.seed,
            strictness: self.lenient.then_some(Strictness::Lenient),
            fixtures: None,
            faults: None,
        };
        let state = &self.server.state;
        let made = state
            .workspaces
            .create(blueprint)
            .unwrap_or_else(|err| panic!("gately-mock could not make a workspace: {err}"));
        Workspace::new(Arc::clone(state), Some(made), self.server.uri())
    }
}

/// One workspace of a [`MockServer`] (D26), for one test among many that share the
/// server: its own contacts, journal, ids and clock, opened by its own keys. Dropped, it
/// ends (its keys then get 401).
///
/// ```
/// use gately_mock::MockServer;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let server = MockServer::start().await;
/// let (mine, theirs) = (server.workspace().await, server.workspace().await);
/// let jane = &mine.contact_ids()[0];
///
/// let response = reqwest::Client::new()
///     .patch(format!("{}/api/v1/contacts/{jane}", mine.uri()))
///     .bearer_auth(mine.api_key())
///     .json(&serde_json::json!({"status": "inactive"}))
///     .send()
///     .await
///     .unwrap();
///
/// assert_eq!(response.status(), 200);
/// assert_eq!(mine.requests().len(), 1);
/// assert!(theirs.requests().is_empty(), "nothing leaks across workspaces");
/// mine.assert_no_violations();
/// # }
/// ```
pub struct Workspace {
    state: Arc<AppState>,
    /// `None`: the server's own state, `default`, which is never ended.
    made: Option<Arc<WorkspaceState>>,
    uri: String,
    api_key: String,
}

impl Workspace {
    fn new(state: Arc<AppState>, made: Option<Arc<WorkspaceState>>, uri: String) -> Self {
        let mut this = Self {
            state,
            made,
            uri,
            api_key: String::new(),
        };
        this.api_key = this
            .inner()
            .main_key()
            .map(|key| key.key)
            .unwrap_or_default();
        this
    }

    fn inner(&self) -> &WorkspaceState {
        self.made
            .as_deref()
            .unwrap_or_else(|| self.state.workspaces.default_workspace())
    }

    /// Its id: what its admin routes are under (`/__admin/workspaces/{id}/…`) and what its
    /// recorded exchanges carry as `workspace`.
    pub fn id(&self) -> &str {
        self.inner().id()
    }

    /// `http://127.0.0.1:PORT`: the server's base URL; the key selects the workspace.
    pub fn uri(&self) -> String {
        self.uri.clone()
    }

    /// Its twin of the first read-write key bound to a project.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// The ids of the contacts of [`Workspace::api_key`]'s project, in fixture order.
    pub fn contact_ids(&self) -> Vec<String> {
        self.inner().contact_ids()
    }

    /// Its recorded exchanges, oldest first, in the D23 shape.
    pub fn requests(&self) -> Vec<Exchange> {
        let filter = Filter::default();
        self.inner()
            .journal()
            .select(&filter)
            .map(|entry| entry.to_exchange())
            .collect()
    }

    /// [`Workspace::requests`] redacted as [`MockServer::redacted_requests`] does.
    pub fn redacted_requests(&self) -> Value {
        let mut value = serde_json::to_value(self.requests()).expect("exchanges serialise");
        let mut created = Vec::new();
        redact(&mut value, &self.fixture_ids(), &mut created);
        value
    }

    fn fixture_ids(&self) -> Vec<Uuid> {
        let fixtures = self.inner().fixtures();
        let mut ids: Vec<Uuid> = fixtures
            .contacts()
            .iter()
            .flat_map(|c| [c.id, c.project_id])
            .collect();
        ids.extend(fixtures.tags.iter().flat_map(|t| [t.id(), t.project_id()]));
        ids.extend(fixtures.keys.iter().filter_map(|k| k.project_id));
        ids
    }

    /// Fixtures restored, journal cleared, ids and `seq` restarted, clock as it started.
    pub fn reset(&self) {
        self.inner().reset();
    }

    /// The contract check of its recorded exchanges: what `gately-mock check` says of
    /// their record-file lines.
    pub fn contract_report(&self) -> ContractReport {
        contract::check(
            &self.observed(),
            &self.state.schemas,
            self.inner().strictness,
        )
    }

    /// Which outcomes (operation, status, problem code) its recorded exchanges had, and
    /// which they never did (D32), as `gately-mock check --coverage` reports them.
    pub fn coverage(&self) -> CoverageReport {
        CoverageReport::of(&self.observed())
    }

    /// Its journal, read back as `check` reads a record file.
    fn observed(&self) -> Vec<Observed> {
        let mut lines = Vec::new();
        for entry in self.inner().journal().select(&Filter::default()) {
            lines.extend_from_slice(&entry.json);
            lines.push(b'\n');
        }
        capture::from_record_file(&String::from_utf8_lossy(&lines), "journal")
            .expect("the journal's lines are recorded exchanges")
    }

    /// Panics with the report of `gately-mock check` if any of its recorded exchanges
    /// broke the contract.
    pub fn assert_no_violations(&self) {
        let report = self.contract_report();
        if report.has_violations() {
            panic!(
                "the client broke the Gately contract:\n{}",
                report.to_human(false)
            );
        }
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        if let Some(made) = &self.made {
            self.state.workspaces.end(made);
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_builder_hands_its_options_to_the_server_as_they_are() {
        let half = Duration::from_micros(500);
        let server = MockServer::builder()
            .latency(half, half)
            .max_body(64)
            .header_timeout(Duration::from_millis(1500))
            .start()
            .await;
        assert_eq!(server.state.latency.map(|l| l.delay(1)), Some(half));
        assert_eq!(server.state.max_body, 64);
        assert_eq!(
            server.state.limits.header_timeout,
            Duration::from_millis(1500)
        );
    }
}
