//! An answer sent in small chunks over a time (D30's `dribble`), so that a client's
//! progress and read timeouts can be seen at work. The length is known up front, so the
//! response still carries `Content-Length`.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Frame, SizeHint};
use tokio::time::Sleep;

/// A body sent `chunk` bytes at a time, the first at once and the rest `interval` apart.
pub(crate) struct Dribble {
    rest: Bytes,
    chunk: usize,
    interval: Duration,
    wait: Option<Pin<Box<Sleep>>>,
}

impl Dribble {
    /// `body` in chunks of `chunk` bytes spread evenly over `over`.
    pub(crate) fn new(body: Bytes, chunk: usize, over: Duration) -> Self {
        let chunk = chunk.max(1);
        let gaps = body.len().div_ceil(chunk).saturating_sub(1).max(1);
        Self {
            rest: body,
            chunk,
            interval: over / u32::try_from(gaps).unwrap_or(u32::MAX),
            wait: None,
        }
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
        this.wait = (!this.rest.is_empty()).then(|| Box::pin(tokio::time::sleep(this.interval)));
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

    #[tokio::test(start_paused = true)]
    async fn the_body_arrives_whole_in_chunks_over_the_time() {
        let started = tokio::time::Instant::now();
        let mut body = Dribble::new(Bytes::from_static(b"0123456789"), 4, Duration::from_secs(2));
        let mut chunks = Vec::new();
        while let Some(frame) = body.frame().await {
            chunks.push(frame.unwrap().into_data().unwrap());
        }
        assert_eq!(chunks, ["0123", "4567", "89"]);
        assert_eq!(started.elapsed(), Duration::from_secs(2));
    }
}
