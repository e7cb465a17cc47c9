//! The journal as it grows, as server-sent events (`GET /__admin/requests/stream`): what the
//! inspector page and `curl -N` read.
//!
//! # The stream
//!
//! Each recorded exchange is one event, its data the exchange as the journal keeps it (D23,
//! one line), its id the exchange's place in the order the journal recorded them: `seq`
//! orders exchanges as the store applied them, and concurrent ones are recorded a little
//! out of that order, so an id that only grows is what lets a reader resume without a gap
//! or a repeat. It never restarts, not even at a reset.
//!
//! ```text
//! id: 3
//! event: exchange
//! data: {"seq":3,"time":"2025-06-15T14:30:00.000Z",…}
//!
//! ```
//!
//! A stream first replays the journal after `Last-Event-ID` (what a reconnecting
//! `EventSource` sends), or the exchanges after `?since=<seq>`, or all it holds, then goes
//! on live. When the journal is emptied (a reset, a clear) the stream says so with a
//! `cleared` event. Each reader has a buffer of [`BUFFER`] events; a reader that falls that
//! far behind misses what did not fit, and is told so by a `dropped` event (`data:
//! {"dropped": N}`) before the next exchange, so that it can reconnect with the last id it
//! saw. The request path never waits for a reader. A comment line every 15 s keeps idle
//! connections open through proxies.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame};
use tokio::sync::mpsc;
use tokio::time::{Interval, MissedTickBehavior};

use crate::journal::{Entry, Filter};

/// Events a reader may fall behind by before it misses some.
pub(crate) const BUFFER: usize = 1024;

/// How often an idle stream sends a comment line.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The readers of one journal; once closed, a new reader's stream ends at once.
#[derive(Debug, Default)]
pub(crate) struct Readers {
    readers: Vec<Reader>,
    closed: bool,
}

#[derive(Debug)]
struct Reader {
    events: mpsc::Sender<Bytes>,
    /// Which exchanges it reads (the journal's filters).
    filter: Filter,
    /// Events it missed since the last one it got.
    missed: u64,
}

impl Readers {
    /// A new reader of the exchanges `filter` selects: what it receives from now on.
    pub(crate) fn join(&mut self, filter: Filter) -> mpsc::Receiver<Bytes> {
        let (events, received) = mpsc::channel(BUFFER);
        if !self.closed {
            self.readers.push(Reader {
                events,
                filter,
                missed: 0,
            });
        }
        received
    }

    /// Tells every reader that the journal was emptied.
    pub(crate) fn cleared(&mut self) {
        let event = Bytes::from_static(b"event: cleared\ndata: {}\n\n");
        self.readers.retain(|reader| {
            reader.events.try_send(event.clone()).is_ok() || !reader.events.is_closed()
        });
    }

    /// Hands `entry` to every reader it is for, without waiting: one whose buffer is full
    /// misses it, one that left is forgotten. Costs nothing without readers.
    pub(crate) fn publish(&mut self, entry: &Entry) {
        if self.readers.is_empty() {
            return;
        }
        let event = exchange_event(entry.position, &entry.json);
        self.readers.retain_mut(|reader| {
            if !reader.filter.matches(entry) {
                return !reader.events.is_closed();
            }
            if reader.missed > 0 {
                match reader.events.try_send(dropped_event(reader.missed)) {
                    Ok(()) => reader.missed = 0,
                    Err(mpsc::error::TrySendError::Full(_)) => {
                        reader.missed += 1;
                        return true;
                    }
                    Err(mpsc::error::TrySendError::Closed(_)) => return false,
                }
            }
            match reader.events.try_send(event.clone()) {
                Ok(()) => true,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    reader.missed += 1;
                    true
                }
                Err(mpsc::error::TrySendError::Closed(_)) => false,
            }
        })
    }

    /// Ends every stream, and every stream opened later (the server is stopping, or the
    /// workspace ended).
    pub(crate) fn close(&mut self) {
        self.readers.clear();
        self.closed = true;
    }
}

/// `id: <position>`, `event: exchange`, `data: <json>`.
pub(crate) fn exchange_event(position: u64, json: &[u8]) -> Bytes {
    let mut event = Vec::with_capacity(json.len() + 48);
    event.extend_from_slice(format!("id: {position}\nevent: exchange\ndata: ").as_bytes());
    event.extend_from_slice(json);
    event.extend_from_slice(b"\n\n");
    event.into()
}

fn dropped_event(missed: u64) -> Bytes {
    format!("event: dropped\ndata: {{\"dropped\":{missed}}}\n\n").into()
}

/// A response body of events: the replayed ones, then each live one as it comes.
#[derive(Debug)]
pub(crate) struct EventStream {
    replay: VecDeque<Bytes>,
    live: mpsc::Receiver<Bytes>,
    keep_alive: Interval,
}

impl EventStream {
    /// `replay`, then what `live` receives.
    pub(crate) fn new(replay: VecDeque<Bytes>, live: mpsc::Receiver<Bytes>) -> Self {
        let mut keep_alive =
            tokio::time::interval_at(tokio::time::Instant::now() + KEEP_ALIVE, KEEP_ALIVE);
        keep_alive.set_missed_tick_behavior(MissedTickBehavior::Delay);
        Self {
            replay,
            live,
            keep_alive,
        }
    }
}

impl Body for EventStream {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if let Some(event) = self.replay.pop_front() {
            return Poll::Ready(Some(Ok(Frame::data(event))));
        }
        match self.live.poll_recv(cx) {
            Poll::Ready(Some(event)) => {
                self.keep_alive.reset();
                Poll::Ready(Some(Ok(Frame::data(event))))
            }
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => match self.keep_alive.poll_tick(cx) {
                Poll::Ready(_) => Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(
                    b": keep-alive\n\n",
                ))))),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_is_the_exchange_with_its_seq_as_id() {
        assert_eq!(
            &exchange_event(3, br#"{"seq":3}"#)[..],
            b"id: 3\nevent: exchange\ndata: {\"seq\":3}\n\n"
        );
    }

    fn entry(seq: u64) -> Entry {
        Entry {
            seq,
            position: seq,
            method: hyper::Method::GET,
            path: "/api/v1/contacts".into(),
            status: 200,
            verdict: crate::journal::Verdict::Ok,
            json: b"{}".to_vec(),
        }
    }

    #[test]
    fn a_reader_that_falls_behind_misses_events_and_is_told_how_many() {
        let mut readers = Readers::default();
        let mut received = readers.join(Filter::default());
        for seq in 1..=(BUFFER as u64 + 5) {
            readers.publish(&entry(seq));
        }
        let mut first = Vec::new();
        while let Ok(event) = received.try_recv() {
            first.push(event);
        }
        assert_eq!(first.len(), BUFFER, "the buffer, and no more");
        readers.publish(&entry(BUFFER as u64 + 6));
        assert_eq!(
            &received.try_recv().unwrap()[..],
            b"event: dropped\ndata: {\"dropped\":5}\n\n"
        );
        assert!(
            received
                .try_recv()
                .unwrap()
                .starts_with(format!("id: {}\n", BUFFER + 6).as_bytes())
        );
    }

    #[test]
    fn a_reader_that_left_is_forgotten() {
        let mut readers = Readers::default();
        drop(readers.join(Filter::default()));
        readers.publish(&entry(1));
        assert!(readers.readers.is_empty());
    }

    #[test]
    fn after_closing_a_new_reader_gets_an_ended_stream() {
        let mut readers = Readers::default();
        readers.close();
        let mut received = readers.join(Filter::default());
        assert!(matches!(
            received.try_recv(),
            Err(mpsc::error::TryRecvError::Disconnected)
        ));
    }
}
