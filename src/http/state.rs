//! The state every connection shares, behind one `Arc`, and what happens to an exchange
//! once it has been answered: it is recorded.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::Method;
use hyper::Response;
use hyper::header::{AUTHORIZATION, DATE, HeaderMap, HeaderValue, RETRY_AFTER};

use crate::api::PROJECT_HEADER;
use crate::api::route;
use crate::config::{ConnectionLimits, ServeConfig};
use crate::contract::client::{Seen, client_of};
use crate::http::workspace::{Scope, Template, WorkspaceState, Workspaces};
use crate::http::{Body, RecordedRequest, Reply};
use crate::journal::exchange::ExchangeView;
use crate::journal::recorder::{RecordTicket, Recorder};
use crate::journal::{Entry, Verdict};
use crate::latency::Latency;
use crate::schema::SchemaRegistry;
use crate::upstream::Upstream;

/// What a request handler can see: the server's settings and its workspaces, each with
/// its own store and journal. A workspace's locks are taken store first, journal second,
/// and held only for in-memory work: never across an `.await`, never around file I/O.
pub struct AppState {
    /// The compiled contract.
    pub(crate) schemas: SchemaRegistry,
    /// The server's state (`default`) and every workspace made since.
    pub(crate) workspaces: Workspaces,
    /// The record file, if any: one for every workspace.
    pub(crate) recorder: Option<Recorder>,
    /// Largest body accepted, in bytes.
    pub(crate) max_body: usize,
    /// Delay added to API responses.
    pub(crate) latency: Option<Latency>,
    /// Whether to print one line per exchange on stderr.
    pub(crate) log_requests: bool,
    /// What one client may hold.
    pub(crate) limits: ConnectionLimits,
    /// The upstream of proxy mode (D31), if any.
    pub(crate) upstream: Option<Upstream>,
    /// Whether proxy mode forwards requests that break the contract (`--forward-invalid`).
    pub(crate) forward_invalid: bool,
    /// Set when the server begins to shut down: injected delays and hangs end then.
    stopping: tokio::sync::watch::Sender<bool>,
}

impl AppState {
    /// The state of a fresh server for `config`.
    pub fn new(config: ServeConfig) -> Self {
        let template = Template {
            fixtures: Arc::new(config.fixtures),
            clock: config.clock,
            strictness: config.strictness,
            journal_limit: config.journal_limit,
            faults: Arc::new(config.faults),
        };
        Self {
            workspaces: Workspaces::new(template, config.workspaces),
            recorder: config.recorder,
            schemas: config.schemas,
            max_body: config.max_body,
            latency: config.latency,
            log_requests: config.log_requests,
            limits: config.limits,
            upstream: config.upstream,
            forward_invalid: config.forward_invalid,
            stopping: tokio::sync::watch::Sender::new(false),
        }
    }

    /// Ends every injected delay and hang: the server is shutting down.
    pub(crate) fn stop(&self) {
        self.stopping.send_replace(true);
    }

    /// Turns true when the server begins to shut down.
    pub(crate) fn stopping(&self) -> tokio::sync::watch::Receiver<bool> {
        self.stopping.subscribe()
    }

    /// Waits for `wait`, or until the server begins to shut down.
    pub(crate) async fn until_stopped(&self, wait: impl Future<Output = ()>) {
        let mut stopping = self.stopping.subscribe();
        tokio::select! {
            () = wait => {}
            _ = stopping.wait_for(|stopping| *stopping) => {}
        }
    }

    /// The workspace the key of `request` opens (`default` for any other).
    pub(crate) fn workspace_of(&self, request: &RecordedRequest) -> Scope<'_> {
        self.workspaces.for_headers(&request.headers)
    }

    /// `response` with the frozen `Date` of `workspace`'s clock, if it is frozen.
    pub(crate) fn dated(
        workspace: &WorkspaceState,
        mut response: Response<Full<Bytes>>,
    ) -> Response<Full<Bytes>> {
        if let Some(date) = workspace.clock.date_header() {
            response.headers_mut().insert(DATE, date);
        }
        response
    }

    /// Records an answered exchange in the workspace its key opens: [`AppState::record_in`],
    /// for callers that drive the request path in process (fuzz targets, benchmarks).
    /// As in the server, only API exchanges are recorded: an admin answer (a page of the
    /// journal, its stream) recorded in the journal would be copied into the next one.
    pub fn record(
        &self,
        request: RecordedRequest,
        reply: &mut Reply,
        elapsed: Duration,
    ) -> Option<RecordTicket> {
        if route::is_admin(&request.path) {
            return None;
        }
        let workspace = self.workspace_of(&request);
        self.record_in(&workspace, request, reply, elapsed).0
    }

    /// Records an exchange answered in `workspace`: written as JSON once, kept in its
    /// journal and handed to the record file, if any. The response must wait for the
    /// returned ticket, so that its line is in the file before it leaves. Answers the
    /// ticket and the exchange's verdict.
    pub(crate) fn record_in(
        &self,
        workspace: &WorkspaceState,
        request: RecordedRequest,
        reply: &mut Reply,
        elapsed: Duration,
    ) -> (Option<RecordTicket>, Verdict) {
        let seq = reply.seq.unwrap_or_else(|| workspace.sequence.next());
        let answered = reply
            .effect
            .as_ref()
            .is_none_or(|effect| !effect.delivery.is_none());
        let request_body = match &request.body {
            Body::Complete(bytes) => bytes.as_ref(),
            Body::TooLarge { .. } | Body::Unreadable => &[],
        };
        let duration_ms = if workspace.clock.get().is_frozen() {
            0
        } else {
            u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
        };
        let (status, creates) = (
            answered.then_some(reply.status.as_u16()),
            request.method == Method::POST,
        );
        // Most answers are none the watch remembers, and it remembers nothing yet.
        if Seen::may_matter(status, creates) || workspace.is_watching() {
            let header = |name| request.headers.get(name).map(HeaderValue::as_bytes);
            let client = client_of(header(AUTHORIZATION), header(PROJECT_HEADER));
            let at_ms = request.time.unix_ms();
            let seen = Seen {
                key: &client,
                at_ms,
                answered_ms: at_ms.saturating_add(i64::try_from(duration_ms).unwrap_or(i64::MAX)),
                seq,
                creates,
                path: &request.path,
                body: request_body,
                status,
                retry_after: reply.headers.get(RETRY_AFTER).map(HeaderValue::as_bytes),
            };
            let findings = workspace.watch_client(&seen);
            reply.violations.extend(findings.violations);
            reply.warnings.extend(findings.warnings);
        }
        let verdict = if !reply.violations.is_empty() {
            Verdict::Violation
        } else if !reply.warnings.is_empty() {
            Verdict::Warning
        } else {
            Verdict::Ok
        };
        let status = if answered { reply.status.as_u16() } else { 0 };
        let faults = match &reply.effect {
            Some(effect) if !effect.fired.is_empty() => serde_json::to_vec(&effect.fired)
                .expect("fired faults serialise: strings and numbers"),
            _ => Vec::new(),
        };
        let mut json = Vec::new();
        ExchangeView {
            seq,
            workspace: (!workspace.is_default()).then(|| workspace.id()),
            time: request.time,
            duration_ms,
            method: &request.method,
            path: &request.path,
            query: request.query.as_deref(),
            request_headers: &request.headers,
            request_body,
            request_body_is_json: request.body_is_json(),
            status,
            response_headers: if answered {
                &reply.headers
            } else {
                &NO_HEADERS
            },
            response_body: if answered { &reply.body } else { &[] },
            origin: reply.origin,
            verdict,
            violations: &reply.violations,
            warnings: &reply.warnings,
            forced: reply.forced,
            changes: reply.changes.as_ref(),
            faults: &faults,
        }
        .write_json(&mut json);
        if self.log_requests {
            eprintln!(
                "gately-mock: {}#{seq} {} {} → {} {}",
                if workspace.is_default() {
                    String::new()
                } else {
                    format!("{} ", workspace.id())
                },
                request.method,
                crate::secret::mask_keys_in(&request.path),
                status,
                verdict.name()
            );
        }
        let ticket = self
            .recorder
            .as_ref()
            .map(|recorder| recorder.append(&json));
        let entry = Entry {
            seq,
            position: 0,
            method: request.method,
            path: request.path.into_boxed_str(),
            status,
            verdict,
            json,
        };
        // Bound before it is dropped, so that the journal's lock is released first.
        let dropped = workspace.journal().record(entry);
        drop(dropped);
        (ticket, verdict)
    }
}

/// The headers of an exchange that got no answer.
static NO_HEADERS: std::sync::LazyLock<HeaderMap> = std::sync::LazyLock::new(HeaderMap::new);
