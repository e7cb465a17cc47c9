//! `gately-mock replay FILE… --against URL --key KEY` (D31): the requests of a record file
//! or HAR re-sent in order to a live API (staging, or another mock), each live answer
//! compared with the recorded one (`contract::drift`) and held to the documented contract
//! (D25) by `check`'s judge, in `check`'s three report formats.
//!
//! Ids a replayed create gets live are mapped: a later request that named the recorded id
//! (a PATCH of the new contact, a tag attached to it) names the live one instead, and one
//! that names the id of a create that failed live is not sent. The recorded key is masked
//! (D17), so each request carries the `--key` of the same kind (a read-only `gately_pk_`
//! key is never replaced by a read-write one), except one the recording shows refused for
//! its key (401), which is sent with the key it had.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use bytes::Bytes;
use hyper::Method;
use hyper::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};

use crate::api::route;
use crate::cli::ReplayArgs;
use crate::contract::capture::{self, AnswerBody, Observed};
use crate::contract::report::{
    CheckedExchange, GroupBy, Rendering, Side, WriteError, report_format, write_report,
};
use crate::contract::{drift, judge_observed};
use crate::journal::exchange::recorded_body;
use crate::schema::{SchemaError, SchemaRegistry, Strictness};
use crate::secret;
use crate::upstream::{Outgoing, SendError, Upstream, UpstreamError, UpstreamOptions};

/// Why a replay stopped, or could not start.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// An embedded schema is broken (a bug).
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// A capture cannot be read.
    #[error(transparent)]
    Capture(#[from] capture::CaptureError),
    /// The report cannot be written.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// The report's spool (an unnamed file in the temporary directory) cannot be written.
    #[error("cannot spool the report in the temporary directory ($TMPDIR)")]
    Spool(#[source] std::io::Error),
    /// `--against` is not an http(s) URL.
    #[error("--against {url}: {reason}; give an absolute http:// or https:// URL")]
    Url {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// `--ca` cannot be read or holds no certificate.
    #[error("--ca {}: {reason}", path.display())]
    Ca {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// `--key` or `--project` cannot go in a header.
    #[error("--{flag}: not a header value (a line break or control character?)")]
    Header {
        /// The flag.
        flag: &'static str,
    },
    /// `--output` names one of the captures.
    #[error("--output {}: is one of the captures replayed; name another file", path.display())]
    OutputIsInput {
        /// The file.
        path: PathBuf,
    },
    /// The runtime cannot start.
    #[error("cannot start the runtime")]
    Runtime(#[source] std::io::Error),
    /// The live API gave no answer to a request.
    #[error(
        "{origin}: {url} could not be reached: {reason}; nothing after it was replayed (check --against, and --ca for a private CA)"
    )]
    Unreachable {
        /// The exchange whose request went unanswered.
        origin: String,
        /// The live API.
        url: String,
        /// Why.
        reason: String,
    },
    /// No exchange of the captures could be replayed.
    #[error("no exchange was replayed: the captures hold none on Gately routes that could be sent")]
    Nothing,
    /// The live API did not answer a request in time.
    #[error(
        "{origin}: {url} did not answer within {} s (--timeout); nothing after it was replayed",
        timeout.as_secs_f64()
    )]
    Timeout {
        /// The exchange whose request went unanswered.
        origin: String,
        /// The live API.
        url: String,
        /// The timeout.
        timeout: Duration,
    },
}

/// Replays the captures of `args` and writes the report; exit 0 when no answer drifted or
/// broke the documented contract, 1 when one did or when a request had no `--key` of its
/// kind (the replay is not whole). A replay that stops (the live API does not answer)
/// still writes the report of what it replayed, then fails; so does one that replayed
/// nothing.
pub fn replay(args: &ReplayArgs) -> Result<ExitCode, ReplayError> {
    let schemas = SchemaRegistry::compile()?;
    // Before anything is sent: a report that cannot be written makes the writes for nothing.
    // Opened, not emptied: a replay that cannot start leaves the last report as it was.
    if let Some(path) = &args.output {
        let same = |file: &PathBuf| {
            std::fs::canonicalize(file).ok() == std::fs::canonicalize(path).ok() && path.exists()
        };
        if args.files.iter().any(same) {
            return Err(ReplayError::OutputIsInput { path: path.clone() });
        }
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|source| WriteError {
                path: path.clone(),
                source,
            })?;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(ReplayError::Runtime)?;
    let mut session = runtime.block_on(async { Session::new(args) })?;
    // Each capture read through before anything is sent: one broken late in a file, or a
    // later file missing, would stop the replay after the live API took the writes before
    // it. A pipe can be read only once: it is checked as it is replayed.
    for file in args.files.iter().filter(|file| !is_read_once(file)) {
        capture::read_batches(file, 256, |_| {})?;
    }
    let mut rendering = Rendering::new(
        report_format(args.format, args.output.as_deref()),
        GroupBy::Route,
    )
    .titled("gately-mock replay");
    let mut tally = Tally::default();
    let mut stopped = None;
    let mut spooled = Ok(());
    for file in &args.files {
        capture::read_batches(file, 256, |batch| {
            for recorded in batch {
                if stopped.is_some() {
                    return;
                }
                match runtime.block_on(session.replay(recorded, &schemas)) {
                    Ok(Replayed::Judged(checked)) => {
                        tally.replayed += 1;
                        if spooled.is_ok() {
                            spooled = rendering.add(&checked);
                        }
                    }
                    Ok(Replayed::NotSent(reason)) => {
                        *tally.not_sent.entry(reason).or_default() += 1
                    }
                    Ok(Replayed::NotGately) => tally.not_gately += 1,
                    Err(err) => stopped = Some(err),
                }
            }
        })?;
        if stopped.is_some() {
            break;
        }
    }
    spooled.map_err(ReplayError::Spool)?;
    let drifted = rendering.has_violations();
    write_report(args.output.as_deref(), |out| {
        rendering.finish(tally.not_gately, None, out)
    })?;
    for (reason, count) in &tally.not_sent {
        eprintln!(
            "gately-mock: {count} exchange{} not replayed: {reason}",
            if *count == 1 { "" } else { "s" }
        );
    }
    if let Some(err) = stopped {
        return Err(err);
    }
    if tally.replayed == 0 {
        return Err(ReplayError::Nothing);
    }
    let incomplete = tally.not_sent.contains_key(&NotSent::NoKey);
    Ok(if drifted || incomplete {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Whether `file` is a pipe, a socket or a device, which a second reading would find empty.
fn is_read_once(file: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        std::fs::metadata(file).is_ok_and(|metadata| {
            let kind = metadata.file_type();
            kind.is_fifo() || kind.is_socket() || kind.is_char_device() || kind.is_block_device()
        })
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        false
    }
}

/// What a replay did with the exchanges it read.
#[derive(Default)]
struct Tally {
    /// Sent, answered and judged.
    replayed: usize,
    /// How many were not sent, by reason, in the reasons' order.
    not_sent: std::collections::BTreeMap<NotSent, usize>,
    /// Not on Gately routes (a browser HAR's assets and other APIs).
    not_gately: usize,
}

/// Why a recorded exchange on a Gately route was not sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum NotSent {
    /// `Prefer: code=` or a fault made its answer: the live API honours neither.
    Forced,
    /// It got no answer when recorded: there is nothing to compare.
    Unanswered,
    /// Its method is not one HTTP has.
    Method,
    /// It was made with a key of a kind no `--key` is.
    NoKey,
    /// It names an id that a create which failed live was to make.
    Dependent,
}

impl std::fmt::Display for NotSent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NotSent::Forced => "answer forced by Prefer or made by a fault",
            NotSent::Unanswered => "no answer when recorded",
            NotSent::Method => "method not an HTTP method",
            NotSent::NoKey => {
                "made with a key no --key may stand in for (give a gately_pk_ key for read-only requests); the replay is incomplete"
            }
            NotSent::Dependent => "names a contact or other resource whose create failed live",
        })
    }
}

/// What became of one recorded exchange.
enum Replayed {
    /// Sent, answered, compared and judged.
    Judged(CheckedExchange),
    /// Not sent.
    NotSent(NotSent),
    /// Not on a Gately route.
    NotGately,
}

/// A replay under way: the live API, the keys, and the ids created so far.
struct Session {
    live: Upstream,
    /// Each `--key`, as an `Authorization` value, with its masked form.
    keys: Vec<(String, HeaderValue)>,
    /// `--project`, for `X-Project-ID`.
    project: Option<HeaderValue>,
    /// Recorded id → the id the live API gave the same create.
    ids: HashMap<String, String>,
    /// Ids of recorded creates that failed live.
    lost: HashSet<String>,
}

impl Session {
    /// The session `args` asks for; the client is made inside the runtime.
    fn new(args: &ReplayArgs) -> Result<Self, ReplayError> {
        let live = Upstream::new(&UpstreamOptions {
            url: args.against.clone(),
            ca: args.ca.clone(),
            timeout: args.timeout,
        })
        .map_err(|err| match err {
            UpstreamError::Url { url, reason } => ReplayError::Url { url, reason },
            UpstreamError::Ca { path, reason } => ReplayError::Ca { path, reason },
        })?;
        let keys = args
            .keys
            .iter()
            .map(|key| {
                let value = HeaderValue::from_str(&format!("Bearer {key}"))
                    .map_err(|_| ReplayError::Header { flag: "key" })?;
                Ok((secret::mask_authorization(value.as_bytes()), value))
            })
            .collect::<Result<_, ReplayError>>()?;
        let project = args
            .project
            .as_deref()
            .map(HeaderValue::from_str)
            .transpose()
            .map_err(|_| ReplayError::Header { flag: "project" })?;
        Ok(Self {
            live,
            keys,
            project,
            ids: HashMap::new(),
            lost: HashSet::new(),
        })
    }

    /// Sends `recorded`'s request, with the ids mapped, and judges the live answer.
    async fn replay(
        &mut self,
        recorded: &Observed,
        schemas: &SchemaRegistry,
    ) -> Result<Replayed, ReplayError> {
        if route::route(&recorded.path).is_none() {
            return Ok(Replayed::NotGately);
        }
        let not_sent = |reason| Ok(Replayed::NotSent(reason));
        if recorded.forced || !recorded.faults.is_empty() {
            return not_sent(NotSent::Forced);
        }
        if recorded.status == 0 {
            return not_sent(NotSent::Unanswered);
        }
        let Ok(method) = Method::from_bytes(recorded.method.as_bytes()) else {
            return not_sent(NotSent::Method);
        };
        let Some(headers) = self.headers(recorded) else {
            return not_sent(NotSent::NoKey);
        };
        let body = std::str::from_utf8(&recorded.request_body).ok();
        let texts = [
            Some(recorded.path.as_str()),
            recorded.query.as_deref(),
            body,
        ];
        if texts.iter().flatten().any(|text| self.names_lost(text)) {
            return not_sent(NotSent::Dependent);
        }
        let mut sent = recorded.clone();
        sent.path = self.mapped(&recorded.path);
        sent.query = recorded.query.as_deref().map(|query| self.mapped(query));
        if let Some(body) = body {
            sent.request_body = self.mapped(body).into_bytes();
        }
        let outgoing = Outgoing {
            method,
            path: sent.path.clone(),
            query: sent.query.clone(),
            headers,
            body: Bytes::from(sent.request_body.clone()),
        };
        let answered = self
            .live
            .send(outgoing)
            .await
            .map_err(|failure| Self::stopped(recorded, failure))?;
        let mut live = sent;
        live.status = answered.status.as_u16();
        live.response_body = Some(AnswerBody::of(&recorded_body(&answered.body)));
        // The live API's answer is held to what the docs promise (D25), whoever sent it.
        live.from_mock = false;
        self.learn(recorded, &live);
        let mut checked = judge_observed(&live, schemas, Strictness::Strict);
        // The request is the recording's: its own violations were judged when it was made.
        checked
            .violations
            .retain(|finding| finding.side == Side::Response);
        checked
            .warnings
            .retain(|finding| finding.side == Side::Response);
        checked.violations.extend(drift::drift(recorded, &live));
        // Named as recorded, so that the report reads the same whatever ids the API gave.
        checked.path = recorded.path.clone();
        checked.settle();
        Ok(Replayed::Judged(checked))
    }

    /// Why the replay stops at `recorded`, whose request got no answer.
    fn stopped(recorded: &Observed, failure: SendError) -> ReplayError {
        let origin = recorded.origin.clone();
        match failure {
            SendError::Timeout { upstream, timeout } => ReplayError::Timeout {
                origin,
                url: upstream,
                timeout,
            },
            SendError::Unreachable { upstream, reason } => ReplayError::Unreachable {
                origin,
                url: upstream,
                reason,
            },
        }
    }

    /// `text` with each token (a run of letters, digits, `-` and `_`: an id in a path, a
    /// query or a JSON string) that is a recorded id the live API gave another replaced by
    /// that one, in one pass, so a live id is never mapped again.
    fn mapped(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for (token, is_token) in tokens(text) {
            match self.ids.get(token).filter(|_| is_token) {
                Some(live) => out.push_str(live),
                None => out.push_str(token),
            }
        }
        out
    }

    /// Whether `text` names an id whose create failed live.
    fn names_lost(&self, text: &str) -> bool {
        !self.lost.is_empty()
            && tokens(text).any(|(token, is_token)| is_token && self.lost.contains(token))
    }

    /// The recorded request's headers with a key in place of the masked one: the `--key`
    /// masked alike, else one of the same access (`gately_sk_`, `gately_pk_`); a request
    /// recorded without a key gets the first `--key` (a browser's HAR may leave
    /// `Authorization` out), one refused for its key (401) keeps what it had. `None` when
    /// no `--key` may stand in for its key. Headers that carried a key besides
    /// `Authorization` are left out, since only their mask was recorded.
    fn headers(&self, recorded: &Observed) -> Option<HeaderMap> {
        let mut headers = HeaderMap::new();
        for (name, value) in &recorded.request_headers {
            if secret::carries_key(name) {
                continue;
            }
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                headers.insert(name, value);
            }
        }
        if let (Some(project), true) = (&self.project, headers.contains_key("x-project-id")) {
            headers.insert("x-project-id", project.clone());
        }
        if recorded.status == 401 {
            // Refused for its key: sent with that key masked (what a record file holds
            // already; a browser's HAR holds it as sent), which no API takes.
            if let Some(masked) = headers
                .get(AUTHORIZATION)
                .map(|value| secret::mask_authorization(value.as_bytes()))
                .and_then(|masked| HeaderValue::from_str(&masked).ok())
            {
                headers.insert(AUTHORIZATION, masked);
            }
            return Some(headers);
        }
        let key = match recorded.request_headers.get("authorization") {
            None => self.keys.first(),
            Some(masked) => {
                let access = |mask: &str| ["_sk_", "_pk_"].into_iter().find(|a| mask.contains(a));
                self.keys
                    .iter()
                    .find(|(mask, _)| mask == masked)
                    .or_else(|| {
                        let wanted = access(masked)?;
                        self.keys
                            .iter()
                            .find(|(mask, _)| access(mask) == Some(wanted))
                    })
            }
        }?;
        headers.insert(AUTHORIZATION, key.1.clone());
        Some(headers)
    }

    /// After a create (a `POST` the recording shows answered 2xx with an `id`), maps that
    /// id to the one the live API gave, or marks it lost when the live create failed.
    fn learn(&mut self, recorded: &Observed, live: &Observed) {
        let id = |observed: &Observed| {
            observed
                .response_body
                .as_ref()
                .and_then(|body| body.text_of("id"))
        };
        let created = |observed: &Observed| (200..300).contains(&observed.status);
        if recorded.method != "POST" || !created(recorded) {
            return;
        }
        let Some(was) = id(recorded) else { return };
        match id(live).filter(|_| created(live)) {
            Some(is) if is != was => {
                self.ids.insert(was, is);
            }
            Some(_) => {}
            None => {
                self.lost.insert(was);
            }
        }
    }
}

/// `text` cut into runs of id characters (letters, digits, `-`, `_`), each `true`, and the
/// text between them, `false`; together they are `text`.
fn tokens(text: &str) -> impl Iterator<Item = (&str, bool)> {
    let is_id = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let mut rest = text;
    std::iter::from_fn(move || {
        let first = rest.chars().next()?;
        let kind = is_id(first);
        let end = rest.find(|c: char| is_id(c) != kind).unwrap_or(rest.len());
        let (piece, after) = rest.split_at(end);
        rest = after;
        Some((piece, kind))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_cut_into_id_runs_and_the_rest_and_back_whole() {
        let text = r#"/api/v1/contacts/con_1?x=con_12&"id":"con_1""#;
        let pieces: Vec<_> = tokens(text).collect();
        assert_eq!(pieces.iter().map(|(p, _)| *p).collect::<String>(), text);
        let ids: Vec<_> = pieces
            .iter()
            .filter(|(_, id)| *id)
            .map(|(p, _)| *p)
            .collect();
        assert_eq!(
            ids,
            [
                "api", "v1", "contacts", "con_1", "x", "con_12", "id", "con_1"
            ]
        );
    }
}
