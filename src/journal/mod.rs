//! The traffic journal: every exchange on the API routes, in order, bounded.
//!
//! `exchange.rs` defines what one recorded exchange is (in memory and on the wire),
//! `headers.rs` writes its headers, `recorder.rs` appends exchanges to the record file, `har.rs` exports them as HAR 1.2,
//! `stream.rs` hands each one to the readers of `/__admin/requests/stream` as it comes.
//! This module keeps them: a ring of at most `--journal-limit` entries, the oldest dropped
//! first and counted, and the filters of `GET /__admin/requests`.

pub(crate) mod changes;
pub(crate) mod exchange;
pub(crate) mod har;
mod headers;
pub(crate) mod recorder;
pub(crate) mod stream;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};

use hyper::Method;
use regex::Regex;

pub(crate) use exchange::Entry;
pub use exchange::{Exchange, Verdict};

/// The default `--journal-limit`.
pub(crate) const DEFAULT_LIMIT: usize = 10_000;

/// The recorded exchanges.
#[derive(Debug)]
pub(crate) struct Journal {
    entries: VecDeque<Entry>,
    limit: usize,
    dropped: u64,
    /// Who reads it as it grows.
    readers: stream::Readers,
    /// How many entries it has recorded since it was made.
    recorded: u64,
}

/// Where `seq` comes from: lock-free, so that a handler can draw it while it holds the
/// store lock (then `seq` orders writes as they were applied) without taking the journal's.
#[derive(Debug, Default)]
pub(crate) struct Sequence(AtomicU64);

impl Sequence {
    /// The next sequence number, from 1.
    pub(crate) fn next(&self) -> u64 {
        self.0.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Starts again at 1 (`POST /__admin/reset`).
    pub(crate) fn restart(&self) {
        self.0.store(0, Ordering::Relaxed);
    }
}

impl Journal {
    /// An empty journal keeping at most `limit` entries.
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            entries: VecDeque::with_capacity(limit.min(64)),
            limit,
            dropped: 0,
            readers: stream::Readers::default(),
            recorded: 0,
        }
    }

    /// A stream of the exchanges `filter` selects: those it holds (after position
    /// `after`, the id of the last event a reader saw), in the order they were recorded,
    /// then each one recorded from now on. Replay and live events meet without a gap or a
    /// repeat: both are taken under the journal's lock.
    pub(crate) fn stream(&mut self, filter: Filter, after: Option<u64>) -> stream::EventStream {
        let replay = self
            .replay(&filter, after)
            .map(|entry| stream::exchange_event(entry.position, &entry.json))
            .collect();
        // Live, every exchange comes after the replay, whatever its `seq` (a reset
        // restarts it).
        stream::EventStream::new(replay, self.readers.join(filter.without_since()))
    }

    /// The events a stream would replay, as one text: for a caller that cannot wait for
    /// live ones (the request path driven in process).
    pub(crate) fn replay_text(&self, filter: &Filter, after: Option<u64>) -> Vec<u8> {
        let mut text = Vec::new();
        for entry in self.replay(filter, after) {
            text.extend_from_slice(&stream::exchange_event(entry.position, &entry.json));
        }
        text
    }

    fn replay<'a>(
        &'a self,
        filter: &'a Filter,
        after: Option<u64>,
    ) -> impl Iterator<Item = &'a Entry> + 'a {
        let mut replayed: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|entry| filter.matches(entry))
            .filter(|entry| after.is_none_or(|after| entry.position > after))
            .collect();
        replayed.sort_by_key(|entry| entry.position);
        replayed.into_iter()
    }

    /// Ends every stream of it.
    pub(crate) fn close_streams(&mut self) {
        self.readers.close();
    }

    /// Keeps `entry` in `seq` order and hands back the oldest entry if that took the
    /// journal past its limit, for the caller to drop once the lock is released: freeing
    /// an old entry touches memory long out of cache.
    #[must_use = "the dropped entry is to be freed once the journal's lock is released"]
    pub(crate) fn record(&mut self, entry: Entry) -> Option<Entry> {
        let at = self
            .entries
            .iter()
            .rposition(|kept| kept.seq < entry.seq)
            .map_or(0, |before| before + 1);
        self.recorded += 1;
        let mut entry = entry;
        entry.position = self.recorded;
        self.readers.publish(&entry);
        self.entries.insert(at, entry);
        if self.entries.len() <= self.limit {
            return None;
        }
        self.dropped += 1;
        self.entries.pop_front()
    }

    /// Forgets every entry (and the dropped count).
    pub(crate) fn clear(&mut self) -> usize {
        let count = self.entries.len();
        self.entries.clear();
        self.dropped = 0;
        self.readers.cleared();
        count
    }

    /// How many entries were dropped to stay within the limit since the last clear.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped
    }

    /// `{"entries", "dropped", "limit"}`: what the admin routes say of it.
    pub(crate) fn summary(&self) -> serde_json::Value {
        serde_json::json!({ "entries": self.entries.len(), "dropped": self.dropped, "limit": self.limit })
    }

    /// The entries `filter` selects, oldest first.
    pub(crate) fn select<'a>(&'a self, filter: &'a Filter) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries
            .iter()
            .filter(|entry| filter.matches(entry))
            .take(filter.limit.unwrap_or(usize::MAX))
    }
}

/// Which entries to list (`GET /__admin/requests` query parameters).
#[derive(Clone, Debug, Default)]
pub(crate) struct Filter {
    method: Option<Method>,
    path: Option<Regex>,
    status: Option<u16>,
    verdict: Option<Verdict>,
    since: Option<u64>,
    limit: Option<usize>,
}

/// A query parameter the filter cannot use.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("query parameter {parameter:?}: {message}")]
pub(crate) struct FilterError {
    /// The parameter at fault.
    pub parameter: String,
    /// What is wrong with it.
    pub message: String,
}

impl Filter {
    /// Reads `method`, `path` (a regex), `status`, `verdict`, `since` and `limit` from a
    /// query string; other parameters are refused, so a typo does not silently list all.
    pub(crate) fn from_query(query: Option<&str>) -> Result<Self, FilterError> {
        let mut filter = Filter::default();
        for (name, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
            let fail = |message: String| FilterError {
                parameter: name.to_string(),
                message,
            };
            match name.as_ref() {
                "method" => {
                    filter.method = Some(
                        Method::from_bytes(value.to_ascii_uppercase().as_bytes())
                            .map_err(|_| fail(format!("{value:?} is not an HTTP method")))?,
                    );
                }
                "path" => {
                    filter.path = Some(
                        Regex::new(&value)
                            .map_err(|err| fail(format!("not a regular expression: {err}")))?,
                    );
                }
                "status" => filter.status = Some(number(&value).map_err(fail)?),
                "verdict" => {
                    filter.verdict = Some(Verdict::from_name(&value).ok_or_else(|| {
                        fail(format!("{value:?} is not one of ok, warning, violation"))
                    })?);
                }
                "since" => filter.since = Some(number(&value).map_err(fail)?),
                "limit" => filter.limit = Some(number(&value).map_err(fail)?),
                _ => {
                    return Err(fail(
                        "unknown parameter; use method, path, status, verdict, since or limit"
                            .to_owned(),
                    ));
                }
            }
        }
        Ok(filter)
    }

    /// The same filter, `since` left out.
    pub(crate) fn without_since(self) -> Self {
        Self {
            since: None,
            ..self
        }
    }

    fn matches(&self, entry: &Entry) -> bool {
        self.method.as_ref().is_none_or(|m| *m == entry.method)
            && self.path.as_ref().is_none_or(|re| re.is_match(&entry.path))
            && self.status.is_none_or(|s| s == entry.status)
            && self.verdict.is_none_or(|v| v == entry.verdict)
            && self.since.is_none_or(|s| entry.seq > s)
    }
}

fn number<T: std::str::FromStr>(value: &str) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("{value:?} is not a non-negative whole number"))
}

#[cfg(test)]
mod tests {

    use super::*;

    fn entry(seq: u64, method: Method, path: &str, status: u16, verdict: Verdict) -> Entry {
        Entry {
            seq,
            position: seq,
            method,
            path: path.into(),
            status,
            verdict,
            json: b"{}".to_vec(),
        }
    }

    fn seqs<'a>(entries: impl Iterator<Item = &'a Entry>) -> Vec<u64> {
        entries.map(|e| e.seq).collect()
    }

    #[test]
    fn the_journal_honours_its_limit_and_counts_what_it_dropped() {
        let mut journal = Journal::new(3);
        let dropped: Vec<Option<u64>> = (1..=5)
            .map(|seq| {
                let dropped = journal.record(entry(seq, Method::GET, "/a", 200, Verdict::Ok));
                dropped.map(|entry| entry.seq)
            })
            .collect();
        assert_eq!(dropped, [None, None, None, Some(1), Some(2)]);
        assert_eq!(seqs(journal.select(&Filter::default())), [3, 4, 5]);
        assert_eq!(journal.dropped(), 2);
    }

    #[test]
    fn entries_recorded_out_of_order_are_kept_in_seq_order() {
        let mut journal = Journal::new(10);
        for seq in [1, 3, 2, 5, 4] {
            assert!(
                journal
                    .record(entry(seq, Method::GET, "/a", 200, Verdict::Ok))
                    .is_none()
            );
        }
        assert_eq!(seqs(journal.select(&Filter::default())), [1, 2, 3, 4, 5]);
    }

    #[test]
    fn filters_combine_and_since_with_limit_pages_forward() {
        let mut journal = Journal::new(10);
        let _ = journal.record(entry(
            1,
            Method::GET,
            "/api/v1/contacts/a",
            200,
            Verdict::Ok,
        ));
        let _ = journal.record(entry(
            2,
            Method::PATCH,
            "/api/v1/contacts/a",
            422,
            Verdict::Violation,
        ));
        let _ = journal.record(entry(
            3,
            Method::PATCH,
            "/api/v1/contacts/b",
            200,
            Verdict::Warning,
        ));
        let _ = journal.record(entry(
            4,
            Method::PATCH,
            "/api/v1/contacts/a",
            200,
            Verdict::Ok,
        ));
        let select = |query: &str| {
            let filter = Filter::from_query(Some(query)).unwrap();
            seqs(journal.select(&filter))
        };
        assert_eq!(select("method=patch"), [2, 3, 4]);
        assert_eq!(select("method=PATCH&path=/a$"), [2, 4]);
        assert_eq!(select("status=422"), [2]);
        assert_eq!(select("verdict=warning"), [3]);
        assert_eq!(select("since=1&limit=2"), [2, 3]);
        assert_eq!(select("since=3&limit=2"), [4]);
    }

    #[test]
    fn a_bad_filter_names_its_parameter() {
        for (query, parameter) in [
            ("path=(", "path"),
            ("status=x", "status"),
            ("verdict=bad", "verdict"),
            ("limt=1", "limt"),
        ] {
            assert_eq!(
                Filter::from_query(Some(query)).unwrap_err().parameter,
                parameter,
                "{query}"
            );
        }
    }

    #[test]
    fn the_sequence_counts_from_one_and_restarts() {
        let sequence = Sequence::default();
        assert_eq!((sequence.next(), sequence.next()), (1, 2));
        sequence.restart();
        assert_eq!(sequence.next(), 1);
    }
}
