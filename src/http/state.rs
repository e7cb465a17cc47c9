//! The state every connection shares, behind one `Arc`, and what happens to an exchange
//! once it has been answered: it is recorded.

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::Response;
use hyper::header::{DATE, HeaderValue};

use crate::auth::Keyring;
use crate::clock::Clock;
use crate::config::{ConnectionLimits, ServeConfig};
use crate::fixture::FixtureSet;
use crate::http::{Body, RecordedRequest, Reply};
use crate::journal::exchange::ExchangeView;
use crate::journal::recorder::{RecordTicket, Recorder};
use crate::journal::{Entry, Journal, Sequence, Verdict};
use crate::latency::Latency;
use crate::schema::{SchemaRegistry, Strictness};
use crate::store::Store;

/// What a request handler can see. Locks are taken store first, journal second, and held
/// only for in-memory work: never across an `.await`, never around file I/O.
pub struct AppState {
    /// The compiled contract.
    pub(crate) schemas: SchemaRegistry,
    /// Keys and projects.
    pub(crate) keyring: Keyring,
    /// The fixtures, kept to restore the store on reset.
    pub(crate) fixtures: FixtureSet,
    /// Contacts and tags.
    pub(crate) store: Mutex<Store>,
    /// Recorded exchanges.
    pub(crate) journal: Mutex<Journal>,
    /// Where `seq` comes from.
    pub(crate) sequence: Sequence,
    /// The record file, if any.
    pub(crate) recorder: Option<Recorder>,
    /// Where `now` comes from.
    pub(crate) clock: Clock,
    /// Strict or lenient validation.
    pub(crate) strictness: Strictness,
    /// Largest body accepted, in bytes.
    pub(crate) max_body: usize,
    /// Delay added to API responses.
    pub(crate) latency: Option<Latency>,
    /// Whether to print one line per exchange on stderr.
    pub(crate) log_requests: bool,
    /// What one client may hold.
    pub(crate) limits: ConnectionLimits,
    /// The `Date` header of every answer under a frozen clock (hyper writes the real one
    /// otherwise), so that a snapshot of whole responses is stable too.
    frozen_date: Option<HeaderValue>,
}

impl AppState {
    /// The state of a fresh server for `config`.
    pub fn new(config: ServeConfig) -> Self {
        Self {
            keyring: Keyring::new(&config.fixtures),
            store: Mutex::new(config.fixtures.store()),
            fixtures: config.fixtures,
            journal: Mutex::new(Journal::new(config.journal_limit)),
            sequence: Sequence::default(),
            recorder: config.recorder,
            schemas: config.schemas,
            clock: config.clock,
            strictness: config.strictness,
            max_body: config.max_body,
            latency: config.latency,
            log_requests: config.log_requests,
            limits: config.limits,
            frozen_date: match config.clock {
                Clock::Frozen(at) => HeaderValue::from_str(&at.http_date()).ok(),
                Clock::System => None,
            },
        }
    }

    /// `response` with the frozen `Date`, if the clock is frozen.
    pub(crate) fn dated(&self, mut response: Response<Full<Bytes>>) -> Response<Full<Bytes>> {
        if let Some(date) = &self.frozen_date {
            response.headers_mut().insert(DATE, date.clone());
        }
        response
    }

    /// The store, locked.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().expect("the store lock is never poisoned")
    }

    /// The journal, locked.
    pub fn journal(&self) -> MutexGuard<'_, Journal> {
        self.journal
            .lock()
            .expect("the journal lock is never poisoned")
    }

    /// Fixtures restored, journal emptied, seeded ids and `seq` restarted: the isolation
    /// step between two tests.
    pub fn reset(&self) {
        let mut store = self.store();
        *store = self.fixtures.store();
        self.journal().clear();
        self.sequence.restart();
    }

    /// Records an answered exchange: written as JSON once, kept in the journal and handed
    /// to the record file, if any. The response must wait for the returned ticket, so that
    /// its line is in the file before it leaves.
    pub fn record(
        &self,
        request: RecordedRequest,
        reply: &Reply,
        elapsed: Duration,
    ) -> Option<RecordTicket> {
        let verdict = if !reply.violations.is_empty() {
            Verdict::Violation
        } else if !reply.warnings.is_empty() {
            Verdict::Warning
        } else {
            Verdict::Ok
        };
        let seq = reply.seq.unwrap_or_else(|| self.sequence.next());
        let request_body = match &request.body {
            Body::Complete(bytes) => bytes.as_ref(),
            Body::TooLarge { .. } | Body::Unreadable => &[],
        };
        let mut json = Vec::new();
        ExchangeView {
            seq,
            time: request.time,
            duration_ms: if self.clock.is_frozen() {
                0
            } else {
                u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
            },
            method: &request.method,
            path: &request.path,
            query: request.query.as_deref(),
            request_headers: &request.headers,
            request_body,
            request_body_is_json: request.body_is_json(),
            status: reply.status,
            response_headers: &reply.headers,
            response_body: &reply.body,
            verdict,
            violations: &reply.violations,
            warnings: &reply.warnings,
            forced: reply.forced,
        }
        .write_json(&mut json);
        if self.log_requests {
            eprintln!(
                "gately-mock: #{seq} {} {} → {} {}",
                request.method,
                crate::secret::mask_keys_in(&request.path),
                reply.status.as_u16(),
                verdict.name()
            );
        }
        let ticket = self
            .recorder
            .as_ref()
            .map(|recorder| recorder.append(&json));
        let entry = Entry {
            seq,
            method: request.method,
            path: request.path.into_boxed_str(),
            status: reply.status,
            verdict,
            json,
        };
        // Bound before it is dropped, so that the journal's lock is released first.
        let dropped = self.journal().record(entry);
        drop(dropped);
        ticket
    }
}
