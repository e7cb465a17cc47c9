//! An answer sent in small chunks over a time (D30's `dribble`), so that a client's
//! progress and read timeouts can be seen at work. The length is known up front, so the
//! response still carries `Content-Length`. Each chunk is due at a fixed instant from the
//! first, so timer rounding does not add up; once the server begins to shut down, the rest
//! goes at once.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Frame, SizeHint};
use tokio::sync::watch;
use tokio::time::Instant;

/// A wait for the next chunk: its instant, or the server stopping, whichever is first.
type Wait = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A body sent `chunk` bytes at a time, the first at once and the rest `interval` apart.
pub(crate) struct Dribble {
    rest: Bytes,
    chunk: usize,
    started: Instant,
    interval: Duration,
    sent: u32,
    stopping: watch::Receiver<bool>,
    wait: Option<Wait>,
}

impl Dribble {
    /// `body` in chunks of `chunk` bytes spread evenly over `over`, cut short when
    /// `stopping` turns true.
    pub(crate) fn new(
        body: Bytes,
        chunk: usize,
        over: Duration,
        stopping: watch::Receiver<bool>,
    ) -> Self {
        let chunk = chunk.max(1);
        let gaps = body.len().div_ceil(chunk).saturating_sub(1).max(1);
        Self {
            rest: body,
            chunk,
            started: Instant::now(),
            interval: over / u32::try_from(gaps).unwrap_or(u32::MAX),
            sent: 0,
            stopping,
            wait: None,
        }
    }

    fn next_wait(&self) -> Wait {
        let due = self.started + self.interval.saturating_mul(self.sent);
        let mut stopping = self.stopping.clone();
        Box::pin(async move {
            tokio::select! {
                () = tokio::time::sleep_until(due) => {}
                _ = stopping.wait_for(|stopping| *stopping) => {}
            }
        })
    }
}

impl hyper::body::Body for Dribble {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        if this.rest.is_empty() {
            return Poll::Ready(None);
        }
        if let Some(wait) = this.wait.as_mut() {
            ready!(wait.as_mut().poll(cx));
        }
        let part = this.rest.split_to(this.chunk.min(this.rest.len()));
        this.sent = this.sent.saturating_add(1);
        this.wait = (!this.rest.is_empty()).then(|| this.next_wait());
        Poll::Ready(Some(Ok(Frame::data(part))))
    }

    fn is_end_stream(&self) -> bool {
        self.rest.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.rest.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;

    use super::*;

    async fn chunks(mut body: Dribble) -> Vec<Bytes> {
        let mut chunks = Vec::new();
        while let Some(frame) = body.frame().await {
            chunks.push(frame.unwrap().into_data().unwrap());
        }
        chunks
    }

    #[tokio::test(start_paused = true)]
    async fn the_body_arrives_whole_in_chunks_over_the_time() {
        let started = Instant::now();
        let (_stop, stopping) = watch::channel(false);
        let body = Dribble::new(
            Bytes::from_static(b"0123456789"),
            4,
            Duration::from_secs(2),
            stopping,
        );
        assert_eq!(chunks(body).await, ["0123", "4567", "89"]);
        assert_eq!(started.elapsed(), Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn a_shutdown_sends_the_rest_at_once() {
        let started = Instant::now();
        let (stop, stopping) = watch::channel(false);
        let body = Dribble::new(
            Bytes::from_static(b"0123456789"),
            1,
            Duration::from_secs(90),
            stopping,
        );
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(10)).await;
            stop.send_replace(true);
        });
        assert_eq!(chunks(body).await.concat(), b"0123456789");
        assert_eq!(started.elapsed(), Duration::from_secs(10));
    }
}
