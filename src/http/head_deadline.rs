//! The request-head deadline (`--header-timeout`): a connection that has waited longer than
//! the timeout for its next request head is closed, whether the client sends the head too
//! slowly (slowloris) or sends nothing at all on an idle keep-alive connection.
//!
//! hyper can do this itself (`header_read_timeout`), but it makes a new boxed timer for
//! every request head, enters it in tokio's timer wheel and takes it out again once the
//! head is read: about 1 500 instructions per request, 4 % of the mock's (callgrind). Here
//! each connection has one timer, which fires at most once per timeout and is then moved
//! to the connection's next deadline; a request only notes when it began and ended.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// `waiting_since` while a request is being answered: no head is awaited then.
const ANSWERING: u64 = u64::MAX;

/// One connection's head deadline: since when it has been waiting for a request head.
#[derive(Debug)]
pub(crate) struct HeadDeadline {
    timeout: Duration,
    /// When the connection was opened: the origin of `waiting_since`.
    opened: Instant,
    /// Milliseconds after `opened` since which the connection has waited for a head, or
    /// [`ANSWERING`].
    waiting_since: AtomicU64,
}

impl HeadDeadline {
    /// A deadline for a connection opened now, waiting for its first head.
    pub(crate) fn new(timeout: Duration) -> Self {
        Self {
            timeout,
            opened: Instant::now(),
            waiting_since: AtomicU64::new(0),
        }
    }

    /// Notes that a request's head has arrived; the connection waits for no head until
    /// the returned guard is dropped, when the request has been answered. The guard holds
    /// the deadline by value, so that an answer whose body outlives the handler (a stream)
    /// can keep it.
    pub(crate) fn answering(self: &Arc<Self>) -> Answering {
        self.waiting_since.store(ANSWERING, Ordering::Relaxed);
        Answering(Arc::clone(self))
    }

    /// Runs `connection` until it ends, or until it has waited for a head for longer than
    /// the timeout: it is then dropped, which closes it. How it ended is not kept: a client
    /// that goes away mid-exchange is not the mock's error.
    pub(crate) async fn guard(&self, connection: impl Future) {
        let mut connection = pin!(connection);
        let mut timer = pin!(tokio::time::sleep(self.timeout));
        loop {
            tokio::select! {
                biased;
                _ = &mut connection => return,
                () = &mut timer => {
                    let waiting_since = self.waiting_since.load(Ordering::Relaxed);
                    match next_check(waiting_since, self.elapsed_ms(), self.timeout) {
                        Some(after) => {
                            let now = tokio::time::Instant::now();
                            timer.as_mut().reset(now + after);
                        }
                        None => return,
                    }
                }
            }
        }
    }

    fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(ANSWERING - 1)
    }
}

/// A request being answered; dropping it (answered, or abandoned) starts the wait for
/// the next head.
pub(crate) struct Answering(Arc<HeadDeadline>);

impl Drop for Answering {
    fn drop(&mut self) {
        let deadline = &*self.0;
        deadline
            .waiting_since
            .store(deadline.elapsed_ms(), Ordering::Relaxed);
    }
}

/// When the timer fires at `now_ms`: how long until the next look, or `None` when the
/// connection has waited for a head for `timeout` or more.
fn next_check(waiting_since: u64, now_ms: u64, timeout: Duration) -> Option<Duration> {
    if waiting_since == ANSWERING {
        return Some(timeout);
    }
    let waited = Duration::from_millis(now_ms.saturating_sub(waiting_since));
    timeout.checked_sub(waited).filter(|left| !left.is_zero())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEN_S: Duration = Duration::from_secs(10);

    #[test]
    fn a_connection_waiting_for_a_head_is_looked_at_again_when_its_time_is_up() {
        assert_eq!(next_check(0, 4_000, TEN_S), Some(Duration::from_secs(6)));
        assert_eq!(
            next_check(2_500, 10_000, TEN_S),
            Some(Duration::from_millis(2_500))
        );
    }

    #[test]
    fn a_connection_that_waited_the_whole_timeout_is_closed() {
        assert_eq!(next_check(0, 10_000, TEN_S), None);
        assert_eq!(next_check(1_000, 60_000, TEN_S), None);
    }

    #[test]
    fn a_connection_answering_a_request_is_given_a_whole_timeout_more() {
        assert_eq!(next_check(ANSWERING, 10_000, TEN_S), Some(TEN_S));
    }

    #[test]
    fn answering_stops_the_wait_and_its_end_starts_the_next() {
        let deadline = Arc::new(HeadDeadline::new(TEN_S));
        let answering = deadline.answering();
        assert_eq!(deadline.waiting_since.load(Ordering::Relaxed), ANSWERING);
        drop(answering);
        assert!(deadline.waiting_since.load(Ordering::Relaxed) < ANSWERING);
    }
}
