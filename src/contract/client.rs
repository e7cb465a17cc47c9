//! How a client copes with failure (D30), judged from the order and times of its
//! exchanges: a request on a key sent after a 429 reached the client and before its
//! `Retry-After` had elapsed is a violation (`/headers`, keyword `retry_after`); a create
//! that repeats the body of an earlier create which failed (a 5xx, or no answer) is a
//! warning (`duplicate_create`), a possible duplicate if that one reached the data. The
//! server watches each workspace's traffic in the order it records it; `check` replays a
//! capture's exchanges in the same order through the same watch, so both find the same.
//!
//! A client is known by its key as recordings keep it (masked, D17) and the project it
//! names (`X-Project-ID`): the server judges by what `check` can read back, so that the
//! two agree; two keys that mask alike and name the same project are one client.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

use crate::schema::{Findings, Violation};
use crate::secret::mask_authorization;

/// The client a request came from, as a recording can tell it: its `Authorization` masked,
/// and its `X-Project-ID`.
pub(crate) fn client_of(authorization: Option<&[u8]>, project: Option<&[u8]>) -> String {
    let mut client = authorization.map(mask_authorization).unwrap_or_default();
    if let Some(project) = project {
        client.push_str(" project ");
        client.push_str(&String::from_utf8_lossy(project));
    }
    client
}

/// Entries kept per watch before the oldest failures are forgotten: a client that fails
/// this often has been told.
const MAX_REMEMBERED: usize = 10_000;

/// One exchange, as the watch sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Seen<'a> {
    /// Who sent it ([`client_of`]).
    pub(crate) key: &'a str,
    /// When it arrived, in ms since the Unix epoch.
    pub(crate) at_ms: i64,
    /// When its answer left, in ms since the Unix epoch (its arrival and its duration).
    pub(crate) answered_ms: i64,
    /// Its `seq`, which the findings of later exchanges name.
    pub(crate) seq: u64,
    /// Whether it creates (a `POST`).
    pub(crate) creates: bool,
    /// Its path.
    pub(crate) path: &'a str,
    /// Its body.
    pub(crate) body: &'a [u8],
    /// The status answered; `None`: no answer (a reset, a hang).
    pub(crate) status: Option<u16>,
    /// The answer's `Retry-After` (seconds), if it had one.
    pub(crate) retry_after: Option<&'a [u8]>,
}

/// What the watch remembers of a workspace's traffic.
#[derive(Debug, Default)]
pub(crate) struct ClientWatch {
    /// Per key, the 429 whose `Retry-After` has not elapsed yet.
    waits: HashMap<Box<str>, Wait>,
    /// Per key, path and body, the last create that failed.
    failed: HashMap<(Box<str>, u64), Failure>,
    hasher: RandomState,
}

#[derive(Debug, Clone, Copy)]
struct Wait {
    /// When the 429 left: a request that arrived before could not have known of it.
    from_ms: i64,
    until_ms: i64,
    seq: u64,
    seconds: u64,
}

#[derive(Debug, Clone, Copy)]
struct Failure {
    seq: u64,
    status: Option<u16>,
}

impl Seen<'_> {
    /// Whether an answer of `status` (`None`: no answer) to a request that `creates` or not
    /// may be one the watch remembers: a 429, or a failed create. Only then, or once the
    /// watch remembers something, need it be shown to the watch.
    pub(crate) fn may_matter(status: Option<u16>, creates: bool) -> bool {
        match status {
            None => creates,
            Some(429) => true,
            Some(status) => creates && status >= 500,
        }
    }
}

impl ClientWatch {
    /// Whether the watch remembers nothing (so an exchange that does not
    /// [`Seen::matters`] need not be shown to it).
    pub(crate) fn is_empty(&self) -> bool {
        self.waits.is_empty() && self.failed.is_empty()
    }

    /// What `seen` tells of its client, given what came before; then remembers it.
    pub(crate) fn observe(&mut self, seen: &Seen<'_>) -> Findings {
        let mut findings = Findings::default();
        if let Some(wait) = self.waits.get(seen.key).copied() {
            if seen.at_ms <= wait.from_ms {
                // Sent before the 429 left, or as it left: not an answer to it.
            } else if seen.at_ms < wait.until_ms {
                findings.violations.push(Violation::new(
                    "/headers",
                    format!(
                        "this request came {} too early: exchange {} answered 429 with Retry-After: {} to this client ({}), which must wait that long before it sends again",
                        early(wait.until_ms - seen.at_ms),
                        wait.seq,
                        wait.seconds,
                        seen.key,
                    ),
                    "retry_after",
                ));
            } else {
                self.waits.remove(seen.key);
            }
        }
        if let Some(retry_after) = seen.retry_after.filter(|_| seen.status == Some(429)) {
            if let Some(seconds) = std::str::from_utf8(retry_after)
                .ok()
                .and_then(|text| text.trim().parse::<u64>().ok())
            {
                let until_ms = seen.answered_ms.saturating_add(
                    i64::try_from(seconds.saturating_mul(1000)).unwrap_or(i64::MAX),
                );
                self.remember_wait(
                    seen.key,
                    Wait {
                        from_ms: seen.answered_ms,
                        until_ms,
                        seq: seen.seq,
                        seconds,
                    },
                );
            }
        }
        if seen.creates {
            let identity = (
                Box::<str>::from(seen.key),
                self.hasher.hash_one((seen.path, seen.body)),
            );
            if let Some(failure) = self.failed.get(&identity) {
                let how = match failure.status {
                    Some(status) => format!("failed with {status}"),
                    None => "got no answer".to_owned(),
                };
                findings.warnings.push(Violation::new(
                    "",
                    format!(
                        "the same create as exchange {}, which {how}: if that one reached the data, this one makes a second; look the first one up before you send it again",
                        failure.seq
                    ),
                    "duplicate_create",
                ));
            }
            let failed = seen.status.is_none_or(|status| status >= 500);
            if failed {
                if self.failed.len() >= MAX_REMEMBERED {
                    self.failed.clear();
                }
                self.failed.insert(
                    identity,
                    Failure {
                        seq: seen.seq,
                        status: seen.status,
                    },
                );
            } else {
                self.failed.remove(&identity);
            }
        }
        findings
    }

    fn remember_wait(&mut self, key: &str, wait: Wait) {
        if self.waits.len() >= MAX_REMEMBERED {
            self.waits.clear();
        }
        self.waits.insert(key.into(), wait);
    }
}

/// `1.2 s`, `350 ms`.
fn early(ms: i64) -> String {
    if ms >= 1000 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else {
        format!("{ms} ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(seq: u64, at_ms: i64, status: Option<u16>) -> Seen<'static> {
        Seen {
            key: "k",
            at_ms,
            answered_ms: at_ms,
            seq,
            creates: false,
            path: "/api/v1/contacts",
            body: b"",
            status,
            retry_after: None,
        }
    }

    fn keywords(findings: &Findings) -> Vec<&str> {
        findings
            .violations
            .iter()
            .chain(&findings.warnings)
            .map(|violation| violation.keyword.as_str())
            .collect()
    }

    #[test]
    fn a_request_before_retry_after_is_a_violation_and_one_after_is_not() {
        let mut watch = ClientWatch::default();
        let limited = Seen {
            retry_after: Some(b"2"),
            ..seen(1, 10_000, Some(429))
        };
        assert!(keywords(&watch.observe(&limited)).is_empty());
        let early = watch.observe(&seen(2, 11_200, Some(200)));
        assert_eq!(keywords(&early), ["retry_after"]);
        let message = &early.violations[0].message;
        assert!(message.contains("800 ms too early"), "{message}");
        assert!(message.contains("exchange 1"), "{message}");
        assert_eq!(early.violations[0].pointer, "/headers");
        assert!(keywords(&watch.observe(&seen(3, 12_000, Some(200)))).is_empty());
        assert!(watch.is_empty());
    }

    #[test]
    fn a_request_sent_before_the_429_reached_the_client_is_not_early() {
        let mut watch = ClientWatch::default();
        // The 429 arrived at 1 000 and left at 1 300 (a slow answer); Retry-After counts
        // from when it left.
        watch.observe(&Seen {
            retry_after: Some(b"1"),
            answered_ms: 1_300,
            ..seen(1, 1_000, Some(429))
        });
        assert!(keywords(&watch.observe(&seen(2, 1_200, Some(200)))).is_empty());
        let early = watch.observe(&seen(3, 2_250, Some(200)));
        assert!(
            early.violations[0].message.contains("50 ms too early"),
            "{early:?}"
        );
        assert!(keywords(&watch.observe(&seen(4, 2_300, Some(200)))).is_empty());
    }

    #[test]
    fn keys_are_known_as_recordings_keep_them() {
        let acme = client_of(Some(b"Bearer gately_sk_test_9f8e7d6c5b4a"), None);
        assert_eq!(acme, "Bearer gately_sk_test_…");
        assert_eq!(
            client_of(Some(acme.as_bytes()), None),
            acme,
            "a recording reads back alike"
        );
        assert_eq!(
            client_of(Some(b"Bearer gately_sk_test_0a1b"), Some(b"b7e1")),
            "Bearer gately_sk_test_… project b7e1"
        );
    }

    #[test]
    fn another_key_may_go_on() {
        let mut watch = ClientWatch::default();
        watch.observe(&Seen {
            retry_after: Some(b"5"),
            ..seen(1, 0, Some(429))
        });
        let other = Seen {
            key: "other",
            ..seen(2, 1, Some(200))
        };
        assert!(keywords(&watch.observe(&other)).is_empty());
    }

    #[test]
    fn a_create_repeated_after_a_failure_is_a_possible_duplicate() {
        let mut watch = ClientWatch::default();
        let create = |seq, status| Seen {
            creates: true,
            body: br#"{"email":"a@example.com"}"#,
            ..seen(seq, 0, status)
        };
        assert!(keywords(&watch.observe(&create(1, Some(503)))).is_empty());
        let again = watch.observe(&create(2, Some(201)));
        assert_eq!(keywords(&again), ["duplicate_create"]);
        assert!(again.warnings[0].message.contains("failed with 503"));
        // Once one went through, a further identical create is the server's to refuse.
        assert!(keywords(&watch.observe(&create(3, Some(409)))).is_empty());
        assert!(keywords(&watch.observe(&create(4, None))).is_empty());
        let after_reset = watch.observe(&create(5, Some(201)));
        assert!(after_reset.warnings[0].message.contains("got no answer"));
    }

    #[test]
    fn a_create_with_another_body_or_after_a_success_is_not_flagged() {
        let mut watch = ClientWatch::default();
        let create = |seq, body: &'static [u8], status| Seen {
            creates: true,
            body,
            ..seen(seq, 0, status)
        };
        watch.observe(&create(1, b"{\"a\":1}", Some(500)));
        assert!(keywords(&watch.observe(&create(2, b"{\"a\":2}", Some(201)))).is_empty());
        watch.observe(&create(3, b"{\"b\":1}", Some(201)));
        assert!(keywords(&watch.observe(&create(4, b"{\"b\":1}", Some(201)))).is_empty());
    }
}
