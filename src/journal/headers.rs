//! An exchange's headers as JSON: an object, names in order, repeated headers joined with
//! `, `, the `Authorization` value masked (D17), transport headers left out.
//!
//! A client sends the same request headers on every request of a session, and the mock
//! answers a route with the same headers every time; writing them (sorted, joined, the key
//! masked, every value checked for escapes) cost about 3 000 instructions of the seed
//! PATCH's 37 100 (callgrind). So each thread keeps the request headers and the response
//! headers it wrote last, with their JSON: headers equal to those, compared byte by byte,
//! have their JSON copied. The JSON is the same either way.

use std::cell::RefCell;

use hyper::header::{
    AUTHORIZATION, CONNECTION, CONTENT_LENGTH, HOST, HeaderMap, HeaderName, HeaderValue,
    TRANSFER_ENCODING,
};
use smallvec::SmallVec;

use crate::json::{put_header_name, put_str};
use crate::secret::{mask_authorization, mask_header};

/// Headers that describe the transport, not the exchange: left out of the record so that
/// two runs on different ports record the same thing.
const TRANSPORT_HEADERS: [HeaderName; 5] = [
    HOST,
    CONNECTION,
    CONTENT_LENGTH,
    TRANSFER_ENCODING,
    HeaderName::from_static("keep-alive"),
];

thread_local! {
    /// The request headers this thread wrote last, and their JSON.
    static LAST_REQUEST: RefCell<Written> = const { RefCell::new(Written::new(Side::Request)) };
    /// The response headers this thread wrote last, and their JSON.
    static LAST_RESPONSE: RefCell<Written> = const { RefCell::new(Written::new(Side::Response)) };
}

/// Appends a request's headers (transport headers left out).
pub(crate) fn write_request(out: &mut Vec<u8>, headers: &HeaderMap) {
    LAST_REQUEST.with_borrow_mut(|last| last.write(out, headers));
}

/// Appends a response's headers: the ones the mock set, all of them.
pub(crate) fn write_response(out: &mut Vec<u8>, headers: &HeaderMap) {
    LAST_RESPONSE.with_borrow_mut(|last| last.write(out, headers));
}

/// Whose headers: a request's or a response's.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Request,
    Response,
}

impl Side {
    /// The headers that are recorded: all the mock set on a response, all but the
    /// transport headers of a request.
    fn recorded(self, headers: &HeaderMap) -> impl Iterator<Item = (&str, &HeaderValue)> {
        headers
            .iter()
            .filter(move |(name, _)| self == Side::Response || !TRANSPORT_HEADERS.contains(name))
            .map(|(name, value)| (name.as_str(), value))
    }
}

/// Headers as last written on one side: each recorded name and value as sent, in the
/// order sent, each preceded by its length; and the JSON written for them.
struct Written {
    side: Side,
    sent: Vec<u8>,
    json: Vec<u8>,
}

impl Written {
    const fn new(side: Side) -> Self {
        Self {
            side,
            sent: Vec::new(),
            json: Vec::new(),
        }
    }

    /// Appends the JSON of `headers`: the one kept if they are the ones written last,
    /// else written afresh (and kept).
    fn write(&mut self, out: &mut Vec<u8>, headers: &HeaderMap) {
        if !self.is_of(headers) {
            self.keep(headers);
        }
        out.extend_from_slice(&self.json);
    }

    /// Whether `headers` are the ones written, in the same order (a different order of
    /// the same headers is written again: it is rare, and gives the same JSON).
    fn is_of(&self, headers: &HeaderMap) -> bool {
        if self.json.is_empty() {
            // Nothing written yet on this thread: not even `{}`.
            return false;
        }
        let mut rest = self.sent.as_slice();
        for (name, value) in self.side.recorded(headers) {
            for part in [name.as_bytes(), value.as_bytes()] {
                // The length as one 4-byte comparison: most parts differ there if at all.
                let Some((length, after)) = rest.split_first_chunk::<4>() else {
                    return false;
                };
                if *length != length_of(part) || !after.starts_with(part) {
                    return false;
                }
                rest = &after[part.len()..];
            }
        }
        rest.is_empty()
    }

    /// Writes the JSON of `headers`, and keeps both.
    fn keep(&mut self, headers: &HeaderMap) {
        self.sent.clear();
        for (name, value) in self.side.recorded(headers) {
            for part in [name.as_bytes(), value.as_bytes()] {
                self.sent.extend_from_slice(&length_of(part));
                self.sent.extend_from_slice(part);
            }
        }
        self.json.clear();
        write_sorted(&mut self.json, self.side.recorded(headers));
    }
}

/// A name's or a value's length, as kept in [`Written::sent`]. A request head is at most
/// 32 KiB, so a part's length always fits.
fn length_of(part: &[u8]) -> [u8; 4] {
    u32::try_from(part.len()).unwrap_or(u32::MAX).to_le_bytes()
}

/// Headers to be written, by name, sorted; on the stack for any ordinary request.
type Headers<'a> = SmallVec<[(&'a str, &'a HeaderValue); 16]>;

/// Headers as an object: names in order, repeated headers joined with `, `, the
/// `Authorization` value masked.
fn write_sorted<'a>(out: &mut Vec<u8>, headers: impl Iterator<Item = (&'a str, &'a HeaderValue)>) {
    let mut headers: Headers<'_> = headers.collect();
    headers.sort_by_key(|(name, _)| *name);
    out.push(b'{');
    for (index, group) in headers.chunk_by(|(a, _), (b, _)| a == b).enumerate() {
        if index > 0 {
            out.push(b',');
        }
        let name = group[0].0;
        put_header_name(out, name);
        out.push(b':');
        let joined: Vec<u8>;
        let value = match group {
            [(_, one)] => one.as_bytes(),
            many => {
                let values: SmallVec<[&[u8]; 4]> = many.iter().map(|(_, v)| v.as_bytes()).collect();
                joined = values.join(&b", "[..]);
                &joined
            }
        };
        if name == AUTHORIZATION.as_str() {
            put_str(out, &mask_authorization(value));
        } else {
            put_str(out, &mask_header(name, &String::from_utf8_lossy(value)));
        }
    }
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn request_json(headers: &HeaderMap) -> String {
        let mut out = Vec::new();
        write_request(&mut out, headers);
        String::from_utf8(out).unwrap()
    }

    fn response_json(headers: &HeaderMap) -> String {
        let mut out = Vec::new();
        write_response(&mut out, headers);
        String::from_utf8(out).unwrap()
    }

    /// What `write_request` would write with nothing kept.
    fn fresh_json(headers: &HeaderMap) -> String {
        let mut out = Vec::new();
        write_sorted(&mut out, Side::Request.recorded(headers));
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn request_headers_are_sorted_joined_masked_and_transport_headers_left_out() {
        let sent = headers(&[
            ("x-many", "a"),
            ("authorization", "Bearer gately_sk_test_secretsecretsecret"),
            ("host", "127.0.0.1:5555"),
            ("x-many", "b"),
            ("content-length", "2"),
        ]);
        assert_eq!(
            request_json(&sent),
            r#"{"authorization":"Bearer gately_sk_test_…","x-many":"a, b"}"#
        );
    }

    #[test]
    fn no_headers_on_a_fresh_thread_are_an_empty_object() {
        let written = std::thread::spawn(|| request_json(&HeaderMap::new()));
        assert_eq!(written.join().unwrap(), "{}");
    }

    #[test]
    fn the_same_headers_again_are_copied_from_what_was_kept() {
        let sent = headers(&[("accept", "*/*"), ("x-a", "ab")]);
        request_json(&sent);
        response_json(&sent);
        LAST_REQUEST.with_borrow_mut(|last| last.json = b"kept request".to_vec());
        LAST_RESPONSE.with_borrow_mut(|last| last.json = b"kept response".to_vec());

        assert_eq!(request_json(&sent), "kept request");
        assert_eq!(response_json(&sent), "kept response");
        let other = headers(&[("accept", "*/*")]);
        assert_eq!(request_json(&other), r#"{"accept":"*/*"}"#);
        assert_eq!(response_json(&other), r#"{"accept":"*/*"}"#);
    }

    #[test]
    fn response_headers_are_all_written_and_kept_apart_from_request_headers() {
        let request = headers(&[("accept", "*/*"), ("host", "127.0.0.1:1")]);
        let created = headers(&[("location", "/x"), ("content-type", "application/json")]);
        let refused = headers(&[("content-type", "application/problem+json")]);

        assert_eq!(request_json(&request), r#"{"accept":"*/*"}"#);
        assert_eq!(
            response_json(&created),
            r#"{"content-type":"application/json","location":"/x"}"#
        );
        assert_eq!(request_json(&request), r#"{"accept":"*/*"}"#);
        assert_eq!(
            response_json(&refused),
            r#"{"content-type":"application/problem+json"}"#
        );
        // A response's `host` is the mock's own header, and written like any other.
        assert_eq!(
            response_json(&request),
            r#"{"accept":"*/*","host":"127.0.0.1:1"}"#
        );
    }

    #[test]
    fn headers_that_differ_from_the_last_ones_in_any_way_are_written_afresh() {
        let sessions = [
            headers(&[("accept", "*/*"), ("x-a", "ab")]),
            headers(&[("accept", "*/*"), ("x-a", "ab")]),
            // A value shorter by its last byte, the rest the same.
            headers(&[("accept", "*/*"), ("x-a", "a")]),
            // The bytes of the two parts moved across their boundary.
            headers(&[("accept", "*/*"), ("x-ab", "")]),
            // One more header; then one fewer.
            headers(&[("accept", "*/*"), ("x-a", "ab"), ("x-b", "c")]),
            headers(&[("accept", "*/*")]),
            // The same headers in another order: the same JSON.
            headers(&[("x-a", "ab"), ("accept", "*/*")]),
            headers(&[]),
            headers(&[("accept", "*/*"), ("x-a", "ab")]),
            // A transport header changes nothing recorded.
            headers(&[("accept", "*/*"), ("x-a", "ab"), ("host", "elsewhere")]),
        ];
        for (index, sent) in sessions.iter().enumerate() {
            assert_eq!(request_json(sent), fresh_json(sent), "request {index}");
        }
    }

    proptest::proptest! {
        #[test]
        fn a_run_of_requests_is_written_as_each_would_be_alone(
            run in proptest::collection::vec(
                proptest::collection::vec((0..3usize, 0..3usize), 0..4),
                1..12,
            ),
        ) {
            const NAMES: [&str; 3] = ["accept", "x-a", "x-ab"];
            const VALUES: [&str; 3] = ["", "a", "ab"];
            for pairs in run {
                let sent = headers(
                    &pairs.iter().map(|&(n, v)| (NAMES[n], VALUES[v])).collect::<Vec<_>>(),
                );
                proptest::prop_assert_eq!(request_json(&sent), fresh_json(&sent));
            }
        }
    }
}
