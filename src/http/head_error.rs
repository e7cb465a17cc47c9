//! hyper's own answers to request heads it cannot parse, given a problem body.
//!
//! A head hyper cannot parse (a malformed request line or header, more than 100 headers, a
//! head over 32 KiB) never reaches the service: hyper answers it itself with 400 or 431,
//! `content-length: 0`, and closes the connection. (hyper's third such answer, 414, needs
//! a target over 64 KiB, which the 32 KiB head bound refuses first.) hyper has no hook for
//! that answer, so [`ProblemIo`] sits between hyper and the socket: when hyper writes
//! exactly such an answer, it sends the same status with a problem body instead (a stable
//! `code`, and a `detail` a person can act on), as every other error of the mock has.
//! Every other write passes through after a look at its first bytes.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use hyper::header::{CONNECTION, DATE, HeaderValue};
use hyper::rt::{Read, ReadBufCursor, Write};

use crate::api::ApiError;
use crate::http::reply::Reply;

/// The largest request head (request line and headers) read; a larger one is refused with
/// 431. hyper also refuses more than 100 headers. Both get a problem body here.
pub(crate) const MAX_HEAD_BYTES: usize = 32 * 1024;

/// The start of each answer hyper writes on its own, after the status line.
const OWN_ANSWER_HEADERS: &[u8] = b"connection: close\r\ncontent-length: 0\r\n";

/// A connection's I/O, answering with a problem body where hyper would send an empty 400
/// or 431.
pub(crate) struct ProblemIo<T> {
    inner: T,
    /// The problem answer being written in place of hyper's, and how much of it is out.
    replacing: Option<Replacement>,
}

struct Replacement {
    bytes: Vec<u8>,
    written: usize,
    /// The length of hyper's answer, reported as written once the replacement is.
    replaces: usize,
}

impl<T> ProblemIo<T> {
    /// `inner`, watched for hyper's own answers.
    pub(crate) fn new(inner: T) -> Self {
        Self {
            inner,
            replacing: None,
        }
    }
}

impl<T: Read + Unpin> Read for ProblemIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<T: Write + Unpin> Write for ProblemIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let replacement = match &mut this.replacing {
            Some(replacement) => replacement,
            None => match problem_for(buf) {
                Some(bytes) => this.replacing.insert(Replacement {
                    bytes,
                    written: 0,
                    replaces: buf.len(),
                }),
                None => return Pin::new(&mut this.inner).poll_write(cx, buf),
            },
        };
        // The replacement goes out whole before hyper is told its answer was written; a
        // `Pending` keeps it, and hyper calls again with the same answer.
        while replacement.written < replacement.bytes.len() {
            let rest = &replacement.bytes[replacement.written..];
            match ready!(Pin::new(&mut this.inner).poll_write(cx, rest))? {
                0 => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                n => replacement.written += n,
            }
        }
        let replaces = replacement.replaces;
        this.replacing = None;
        Poll::Ready(Ok(replaces))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        // hyper's own answer is a head alone, so it comes as one buffer.
        if let [buf] = bufs {
            if this.replacing.is_some() || problem_for(buf).is_some() {
                return Pin::new(this).poll_write(cx, buf);
            }
        }
        Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// The problem answer to send instead of `bytes`, when they are a whole answer hyper wrote
/// on its own: a 400 or 431 status line, `connection: close`, `content-length: 0`,
/// the date, and nothing after the head. Every answer of the mock's own has a body.
fn problem_for(bytes: &[u8]) -> Option<Vec<u8>> {
    let rest = bytes.strip_prefix(b"HTTP/1.1 4")?;
    let error = match rest.get(..2)? {
        b"00" => ApiError::MalformedHead,
        b"31" => ApiError::HeadTooLarge {
            limit: MAX_HEAD_BYTES,
        },
        _ => return None,
    };
    let line_end = rest.windows(2).position(|pair| pair == b"\r\n")?;
    let headers = rest[line_end + 2..].strip_prefix(OWN_ANSWER_HEADERS)?;
    let date = match headers {
        b"\r\n" => None,
        _ => {
            let value = headers.strip_prefix(b"date: ")?.strip_suffix(b"\r\n\r\n")?;
            if value.contains(&b'\r') {
                return None;
            }
            Some(HeaderValue::from_bytes(value).ok()?)
        }
    };
    let mut reply = Reply::refusal(error).header(CONNECTION, HeaderValue::from_static("close"));
    if let Some(date) = date {
        reply = reply.header(DATE, date);
    }
    Some(reply.to_http1())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::task::Wake;

    use serde_json::Value;

    use super::*;

    const HEAD_TOO_LARGE: &[u8] = b"HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 0\r\ndate: Fri, 27 Nov 2026 09:48:33 GMT\r\n\r\n";
    const MALFORMED: &[u8] = b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\ndate: Fri, 27 Nov 2026 09:48:33 GMT\r\n\r\n";

    /// A socket that takes at most `chunk` bytes per write, and every other write not at
    /// all (`Pending`), as a full socket buffer would.
    struct Trickle {
        sent: Vec<u8>,
        chunk: usize,
        writes: usize,
    }

    impl Write for Trickle {
        fn poll_write(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            let this = self.get_mut();
            this.writes += 1;
            if this.writes % 2 == 0 {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            let n = buf.len().min(this.chunk);
            this.sent.extend_from_slice(&buf[..n]);
            Poll::Ready(Ok(n))
        }

        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    struct NoWake;

    impl Wake for NoWake {
        fn wake(self: Arc<Self>) {}
    }

    /// Writes `bytes` through a [`ProblemIo`] as hyper does: the same bytes again after a
    /// `Pending`, the rest after a short write. What reached the socket.
    fn sent_through(bytes: &[u8]) -> Vec<u8> {
        let mut io = ProblemIo::new(Trickle {
            sent: Vec::new(),
            chunk: 7,
            writes: 0,
        });
        let waker = Arc::new(NoWake).into();
        let mut cx = Context::from_waker(&waker);
        let mut at = 0;
        while at < bytes.len() {
            if let Poll::Ready(written) = Pin::new(&mut io).poll_write(&mut cx, &bytes[at..]) {
                at += written.unwrap();
            }
        }
        io.inner.sent
    }

    fn split(answer: &[u8]) -> (String, Value) {
        let text = String::from_utf8(answer.to_vec()).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        (head.to_owned(), serde_json::from_str(body).unwrap())
    }

    #[test]
    fn hyper_s_empty_431_goes_out_with_a_problem_body_whatever_the_socket_takes() {
        let (head, body) = split(&sent_through(HEAD_TOO_LARGE));

        assert!(
            head.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"),
            "{head}"
        );
        assert!(head.contains("\r\nconnection: close"), "{head}");
        assert!(
            head.contains("\r\ndate: Fri, 27 Nov 2026 09:48:33 GMT"),
            "{head}"
        );
        assert!(
            head.contains("\r\ncontent-type: application/problem+json"),
            "{head}"
        );
        assert_eq!(body["code"], "head_too_large");
        assert_eq!(body["status"], 431);
    }

    #[test]
    fn hyper_s_empty_400_goes_out_with_a_problem_body() {
        let (head, body) = split(&sent_through(MALFORMED));

        assert!(head.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{head}");
        assert_eq!(body["code"], "malformed_request");
    }

    #[test]
    fn the_mock_s_own_answers_pass_through_untouched() {
        let problem = Reply::refusal(ApiError::MalformedHead).to_http1();
        for answer in [
            &b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"[..],
            &problem,
            b"HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 0\r\ndate: x\r\n\r\n{}",
            b"HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n",
        ] {
            assert_eq!(sent_through(answer), answer);
        }
    }
}
