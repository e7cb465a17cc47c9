//! The request as the mock keeps it: head and body, the body read exactly once, here.

use std::cell::Cell;

use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_LENGTH, HeaderMap};
use hyper::{Method, Request};

use crate::api::ApiError;
use crate::clock::Timestamp;
use crate::contract::judge::{BodyView, RequestView};

/// The body of a request, or why there is none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// The whole body (possibly empty).
    Complete(Bytes),
    /// The body is longer than the limit; reading stopped there.
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The connection failed while the body was being read.
    Unreadable,
}

/// One request, owned, so that everything behind it is synchronous and testable.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// The method.
    pub method: Method,
    /// The path, without the query.
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Body,
    /// When the request arrived: the instant the journal records, and the one any change it
    /// makes is stamped with (`updated_at`, `created_at`), so that the two agree.
    pub time: Timestamp,
    /// Set once the judge has parsed the body as JSON, so that the journal embeds it
    /// without parsing it a second time.
    body_is_json: Cell<bool>,
}

impl RecordedRequest {
    /// Reads `request`, stopping at `max_body` bytes of body: a declared length over the
    /// limit is refused before a byte is read, and a streamed body as soon as it passes it.
    pub async fn from_hyper(request: Request<Incoming>, max_body: usize, time: Timestamp) -> Self {
        let (parts, incoming) = request.into_parts();
        let declared = parts
            .headers
            .get(CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|text| text.parse::<u64>().ok());
        let body = match declared {
            Some(length) if length > max_body as u64 => Body::TooLarge { limit: max_body },
            _ => read_body(incoming, max_body).await,
        };
        Self {
            method: parts.method,
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().map(str::to_owned),
            headers: parts.headers,
            body,
            time,
            body_is_json: Cell::new(false),
        }
    }

    /// A request built in process (fuzzing, benchmarks): `target` is the path with an
    /// optional `?query`.
    pub fn new(
        method: Method,
        target: &str,
        headers: HeaderMap,
        body: Bytes,
        time: Timestamp,
    ) -> Self {
        let (path, query) = match target.split_once('?') {
            Some((path, query)) => (path, Some(query.to_owned())),
            None => (target, None),
        };
        Self {
            method,
            path: path.to_owned(),
            query,
            headers,
            body: Body::Complete(body),
            time,
            body_is_json: Cell::new(false),
        }
    }

    /// The request as the judge sees it.
    pub(crate) fn view(&self) -> RequestView<'_> {
        RequestView {
            method: &self.method,
            path: &self.path,
            query: self.query.as_deref(),
            headers: &self.headers,
            body: match &self.body {
                Body::Complete(bytes) => BodyView::Sent(bytes),
                Body::TooLarge { limit } => {
                    BodyView::Unread(ApiError::BodyTooLarge { limit: *limit })
                }
                Body::Unreadable => BodyView::Unread(ApiError::BodyUnreadable),
            },
            parsed: Some(&self.body_is_json),
        }
    }

    /// Whether the judge found the body to be JSON (false when none looked).
    pub fn body_is_json(&self) -> bool {
        self.body_is_json.get()
    }
}

/// Reads a body of at most `limit` bytes. A body that arrives as one chunk, as a small one
/// usually does, is kept as that chunk: nothing is copied or allocated for it.
async fn read_body(incoming: Incoming, limit: usize) -> Body {
    let mut incoming = Limited::new(incoming, limit);
    let mut first = Bytes::new();
    let mut joined: Option<BytesMut> = None;
    while let Some(frame) = incoming.frame().await {
        let data = match frame.map(|frame| frame.into_data()) {
            Ok(Ok(data)) => data,
            // Trailers carry nothing the mock records.
            Ok(Err(_trailers)) => continue,
            Err(err) if err.downcast_ref::<LengthLimitError>().is_some() => {
                return Body::TooLarge { limit };
            }
            Err(_) => return Body::Unreadable,
        };
        match &mut joined {
            Some(joined) => joined.extend_from_slice(&data),
            None if first.is_empty() => first = data,
            None => {
                let mut both = BytesMut::with_capacity(first.len() + data.len());
                both.extend_from_slice(&first);
                both.extend_from_slice(&data);
                joined = Some(both);
            }
        }
    }
    Body::Complete(joined.map_or(first, BytesMut::freeze))
}
