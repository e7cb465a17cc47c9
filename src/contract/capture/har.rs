//! A HAR 1.2 archive read entry by entry: browser dev-tools, proxies, the mock's own
//! `/__admin/requests.har`.
//!
//! A HAR is one JSON document, and a long browser session's is hundreds of MiB; `check` reads
//! it as a stream (serde's visitors over the file) and builds one entry's `Value` at a time,
//! so that its memory is that of the largest entry and one batch of exchanges.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::{CaptureError, Failure, MARKER_HEADER, Observed, epoch_ms};
use crate::journal::exchange::Origin;
use crate::journal::har::CREATOR;

/// What reading a file as a HAR came to.
pub(super) enum Read {
    /// It was one; its exchanges were handed on.
    Har,
    /// Its document has no `log` (or is not JSON): a journal document or a record file.
    NotHar,
}

/// Reads the file at `path`, named `name` in reports, as a HAR, handing its exchanges to
/// `each` in order, at most `batch` at a time.
pub(super) fn read(
    path: &Path,
    name: &str,
    batch: usize,
    each: &mut dyn FnMut(&[Observed]),
) -> Result<Read, CaptureError> {
    let mut reader = Reader {
        name,
        batch: batch.max(1),
        each,
        pass: Pass::Entries,
        from_mock_archive: None,
        creator_after_entries: false,
        progress: Progress::default(),
        failure: None,
        pending: Vec::new(),
    };
    let outcome = reader.pass(path, Pass::Entries);
    if !reader.creator_after_entries {
        return outcome;
    }
    // `entries` came before `creator` (or there is none): a pass for `creator` alone, then
    // the entries, knowing whose archive this is.
    reader.progress = Progress::default();
    reader.pass(path, Pass::CreatorOnly)?;
    reader.from_mock_archive = Some(reader.from_mock_archive.unwrap_or(false));
    reader.progress = Progress::default();
    reader.pass(path, Pass::Entries)
}

/// Which part of the archive a pass reads.
#[derive(Clone, Copy, PartialEq)]
enum Pass {
    /// `log.creator`, nothing else.
    CreatorOnly,
    /// The entries (and `creator`, when it comes first).
    Entries,
}

/// The state of a pass over the archive, shared by the visitors of its levels.
struct Reader<'a> {
    name: &'a str,
    batch: usize,
    each: &'a mut dyn FnMut(&[Observed]),
    pass: Pass,
    /// Whether the archive is the mock's own export (its `creator`): its comments then
    /// carry the `seq`, and every answer is the mock's.
    from_mock_archive: Option<bool>,
    creator_after_entries: bool,
    progress: Progress,
    /// A fault in an entry (or a `log` without entries), told rather than the parser's error.
    failure: Option<Failure>,
    pending: Vec<Observed>,
}

/// How far a pass got: the top-level `log`, inside its object, `entries`, inside its array,
/// and the number of entries read.
#[derive(Default)]
struct Progress {
    seen_log: bool,
    in_log: bool,
    seen_entries: bool,
    in_entries: bool,
    entries_read: usize,
}

impl Reader<'_> {
    /// One pass over the file.
    fn pass(&mut self, path: &Path, pass: Pass) -> Result<Read, CaptureError> {
        let unreadable = |source| CaptureError::Read {
            path: path.to_owned(),
            source,
        };
        let invalid = |(location, message): Failure| CaptureError::Invalid {
            path: path.to_owned(),
            location,
            message,
        };
        self.pass = pass;
        let file = std::fs::File::open(path).map_err(unreadable)?;
        let mut document =
            serde_json::Deserializer::from_reader(std::io::BufReader::with_capacity(1 << 20, file));
        let parsed = de::Deserializer::deserialize_any(&mut document, Top(self))
            .and_then(|()| document.end());
        let Err(err) = parsed else {
            return Ok(if self.progress.seen_log {
                Read::Har
            } else {
                Read::NotHar
            });
        };
        if let Some(failure) = self.failure.take() {
            return Err(invalid(failure));
        }
        if self.creator_after_entries && pass == Pass::Entries {
            return Ok(Read::Har);
        }
        if err.is_io() {
            return Err(unreadable(err.into()));
        }
        if !self.progress.seen_log {
            return Ok(Read::NotHar);
        }
        let wrong_shape = err.is_data()
            && ((!self.progress.in_log && !self.progress.seen_entries)
                || (self.progress.seen_entries && !self.progress.in_entries));
        Err(invalid(if wrong_shape {
            no_entries()
        } else if self.progress.in_entries {
            (
                format!("/log/entries/{}", self.progress.entries_read),
                format!("not valid JSON: {err}"),
            )
        } else {
            ("/log".to_owned(), format!("not valid JSON: {err}"))
        }))
    }

    /// Hands the pending exchanges on.
    fn flush(&mut self) {
        if !self.pending.is_empty() {
            (self.each)(&self.pending);
            self.pending.clear();
        }
    }
}

fn no_entries() -> Failure {
    (
        "/log/entries".to_owned(),
        "a HAR needs an entries array".to_owned(),
    )
}

/// Stops the parser; what went wrong is in the [`Reader`].
fn stop<E: de::Error>() -> E {
    E::custom("stopped")
}

/// The document: an object with a `log`.
struct Top<'r, 'a>(&'r mut Reader<'a>);

impl<'de> Visitor<'de> for Top<'_, '_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a HAR document")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
        let reader = self.0;
        while let Some(key) = map.next_key::<String>()? {
            if key == "log" && !reader.progress.seen_log {
                reader.progress.seen_log = true;
                map.next_value_seed(Log(&mut *reader))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// `log`: its `creator`, then its `entries`.
struct Log<'r, 'a>(&'r mut Reader<'a>);

impl<'de> DeserializeSeed<'de> for Log<'_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Log<'_, '_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a HAR log object")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
        let reader = self.0;
        reader.progress.in_log = true;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "creator" if reader.from_mock_archive.is_none() => {
                    let creator: Value = map.next_value()?;
                    let name = creator.get("name").and_then(Value::as_str);
                    reader.from_mock_archive = Some(name == Some(CREATOR));
                }
                "entries" if reader.pass == Pass::Entries && !reader.progress.seen_entries => {
                    if reader.from_mock_archive.is_none() {
                        reader.creator_after_entries = true;
                        return Err(stop());
                    }
                    reader.progress.seen_entries = true;
                    map.next_value_seed(Entries(&mut *reader))?;
                    reader.progress.in_entries = false;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if reader.pass == Pass::Entries && !reader.progress.seen_entries {
            reader.failure = Some(no_entries());
            return Err(stop());
        }
        Ok(())
    }
}

/// `entries`: each read as a `Value`, made an [`Observed`] and let go.
struct Entries<'r, 'a>(&'r mut Reader<'a>);

impl<'de> DeserializeSeed<'de> for Entries<'_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Entries<'_, '_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an entries array")
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<(), S::Error> {
        let reader = self.0;
        reader.progress.in_entries = true;
        let from_mock_archive = reader.from_mock_archive.unwrap_or(false);
        while let Some(entry) = seq.next_element::<Value>()? {
            let index = reader.progress.entries_read;
            match observed(&entry, index, reader.name, from_mock_archive) {
                Ok(one) => reader.pending.push(one),
                Err(failure) => {
                    reader.failure = Some(failure);
                    return Err(stop());
                }
            }
            reader.progress.entries_read += 1;
            if reader.pending.len() >= reader.batch {
                reader.flush();
            }
        }
        reader.flush();
        Ok(())
    }
}

/// The exchange of entry `index` (from 0) of the HAR named `name`; `from_mock_archive`: the
/// archive is the mock's own export.
pub(super) fn observed(
    entry: &Value,
    index: usize,
    name: &str,
    from_mock_archive: bool,
) -> Result<Observed, Failure> {
    let at = |field: &str| format!("/log/entries/{index}/{field}");
    let text_of = |pointer: &str| entry.pointer(pointer).and_then(Value::as_str);
    let method =
        text_of("/request/method").ok_or_else(|| (at("request/method"), "missing".to_owned()))?;
    let url = text_of("/request/url").ok_or_else(|| (at("request/url"), "missing".to_owned()))?;
    let status = entry
        .pointer("/response/status")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .ok_or_else(|| (at("response/status"), "missing or not a status".to_owned()))?;
    let response_headers = name_values(entry.pointer("/response/headers"));
    let response_body = match (
        text_of("/response/content/text"),
        text_of("/response/content/encoding"),
    ) {
        (Some(text), None) => Some(body(text)),
        // Firefox and proxies write some text answers in base64.
        (Some(text), Some("base64")) => {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .map(|text| body(&text))
        }
        _ => None,
    };
    Ok(Observed {
        origin: format!("{name} entry {}", index + 1),
        workspace: text_of("/_workspace").map(str::to_owned),
        method: method.to_ascii_uppercase(),
        path: path_of(url).to_owned(),
        query: url
            .split_once('?')
            .map(|(_, query)| query.split('#').next().unwrap_or_default().to_owned()),
        request_headers: name_values(entry.pointer("/request/headers")),
        request_body: posted_bytes(
            text_of("/request/postData/text"),
            text_of("/request/postData/_encoding"),
        ),
        status,
        // An answer the mock forwarded from its upstream is the upstream's (D31), even
        // when the upstream is another gately-mock.
        from_mock: text_of("/_origin") != Some(Origin::Upstream.name())
            && (from_mock_archive || response_headers.contains_key(MARKER_HEADER)),
        forced: entry.get("_forced").and_then(Value::as_bool) == Some(true),
        seq: text_of("/comment")
            .filter(|_| from_mock_archive)
            .and_then(seq_of_comment)
            .unwrap_or(index as u64 + 1),
        time_ms: text_of("/startedDateTime").and_then(epoch_ms),
        duration_ms: entry
            .get("time")
            .and_then(Value::as_f64)
            .map_or(0, |ms| ms.max(0.0).round() as u64),
        retry_after: response_headers.get("retry-after").cloned(),
        faults: entry
            .get("_faults")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|fault| fault.get("kind")?.as_str().map(str::to_owned))
            .collect(),
        response_body,
    })
}

/// The `seq` of a comment the mock's HAR export writes: `seq 3: ok`, `workspace job-7 seq
/// 3: ok`.
fn seq_of_comment(comment: &str) -> Option<u64> {
    let (before, _) = comment.split_once(':')?;
    before.rsplit_once("seq ")?.1.parse().ok()
}

/// The bytes a HAR's `postData` holds: its text, or the bytes of base64 text marked so
/// (`_encoding`, the mock's own export of a body that is not UTF-8).
fn posted_bytes(text: Option<&str>, encoding: Option<&str>) -> Vec<u8> {
    use base64::Engine as _;
    let text = text.unwrap_or_default();
    match encoding {
        Some("base64") => base64::engine::general_purpose::STANDARD
            .decode(text)
            .unwrap_or_else(|_| text.as_bytes().to_vec()),
        _ => text.as_bytes().to_vec(),
    }
}

/// `https://host:443/a/b?c=d` → `/a/b`; a URL without scheme is taken as a path.
fn path_of(url: &str) -> &str {
    let without_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = if url.contains("://") {
        without_scheme
            .find('/')
            .map_or("/", |at| &without_scheme[at..])
    } else {
        without_scheme
    };
    path.split(['?', '#']).next().unwrap_or("/")
}

/// HAR `[{name, value}]` headers as a map with lower-case names; a repeated header's
/// values joined as HTTP/1.1 would send them (HTTP/2 captures split `cookie` in pieces).
fn name_values(list: Option<&Value>) -> BTreeMap<String, String> {
    let mut named: BTreeMap<String, String> = BTreeMap::new();
    let headers = list.and_then(Value::as_array).into_iter().flatten();
    for header in headers {
        let (Some(name), Some(value)) = (
            header.get("name").and_then(Value::as_str),
            header.get("value").and_then(Value::as_str),
        ) else {
            continue;
        };
        let name = name.to_ascii_lowercase();
        let separator = if name == "cookie" { "; " } else { ", " };
        named
            .entry(name)
            .and_modify(|joined| {
                joined.push_str(separator);
                joined.push_str(value);
            })
            .or_insert_with(|| value.to_owned());
    }
    named
}

/// A body text as JSON when it parses, else as text; empty is `Null`.
fn body(text: &str) -> Value {
    if text.is_empty() {
        return Value::Null;
    }
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The exchanges of the HAR `text`, read from a file `batch` at a time, with the sizes
    /// of the batches; or what stopped it.
    fn streamed(text: &str, batch: usize) -> Result<(Vec<Observed>, Vec<usize>), String> {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), text).unwrap();
        let (mut observed, mut sizes) = (Vec::new(), Vec::new());
        let read = read(file.path(), "t.har", batch, &mut |part| {
            sizes.push(part.len());
            observed.extend_from_slice(part);
        });
        match read {
            Ok(Read::Har) => Ok((observed, sizes)),
            Ok(Read::NotHar) => Err("not a HAR".to_owned()),
            Err(CaptureError::Invalid {
                location, message, ..
            }) => Err(format!("{location}: {message}")),
            Err(err) => Err(err.to_string()),
        }
    }

    /// The exchanges of `document`, a whole HAR in memory, entry by entry.
    fn whole(document: &Value) -> Vec<Observed> {
        let log = &document["log"];
        let from_mock_archive = log["creator"]["name"] == CREATOR;
        let entries = log["entries"].as_array().unwrap().iter().enumerate();
        entries
            .map(|(index, entry)| observed(entry, index, "t.har", from_mock_archive).unwrap())
            .collect()
    }

    fn entry(seq: u64, marked: bool) -> Value {
        let headers = if marked {
            json!([{"name": "X-Gately-Mock", "value": "1"}])
        } else {
            json!([])
        };
        json!({
            "startedDateTime": "2025-06-15T14:30:00.000Z", "time": 2, "comment": format!("seq {}: ok", seq * 10),
            "request": {"method": "get", "url": format!("http://127.0.0.1:4010/api/v1/contacts?page={seq}"), "headers": []},
            "response": {"status": 200, "headers": headers, "content": {"text": "{\"total\":0}"}}
        })
    }

    #[test]
    fn a_har_streamed_in_batches_gives_its_entries_as_read_whole() {
        let entries: Vec<Value> = (1..=5).map(|seq| entry(seq, seq == 2)).collect();
        for creator in [CREATOR, "Firefox"] {
            let document = json!({"log": {"version": "1.2", "creator": {"name": creator}, "entries": entries}});
            let expected = whole(&document);
            assert_eq!(expected[0].seq, if creator == CREATOR { 10 } else { 1 });
            assert_eq!(expected[0].from_mock, creator == CREATOR);
            for text in [
                document.to_string(),
                serde_json::to_string_pretty(&document).unwrap(),
            ] {
                for (batch, sizes) in [(1, vec![1; 5]), (2, vec![2, 2, 1]), (100, vec![5])] {
                    assert_eq!(
                        streamed(&text, batch),
                        Ok((expected.clone(), sizes)),
                        "{creator} {batch}"
                    );
                }
            }
            // `creator` after `entries`: read again once it is known.
            let late = format!(
                r#"{{"log": {{"entries": {}, "creator": {{"name": "{creator}"}}}}}}"#,
                Value::from(entries.clone())
            );
            assert_eq!(streamed(&late, 2).unwrap().0, expected, "{creator} late");
        }
        let anonymous = json!({"log": {"entries": entries}});
        assert_eq!(
            streamed(&anonymous.to_string(), 3).unwrap().0,
            whole(&anonymous)
        );
    }

    #[test]
    fn a_broken_har_is_told_where_it_breaks() {
        let one = entry(1, false).to_string();
        let cases = [
            (
                r#"{"log": 5}"#.to_owned(),
                "/log/entries: a HAR needs an entries array",
            ),
            (
                r#"{"log": {"version": "1.2"}}"#.to_owned(),
                "/log/entries: a HAR needs an entries array",
            ),
            (
                r#"{"log": {"creator": {}, "entries": {}}}"#.to_owned(),
                "/log/entries: a HAR needs an entries array",
            ),
            (
                r#"{"log": {"creator": {}, "entries": [{"request": {}}]}}"#.to_owned(),
                "/log/entries/0/request/method: missing",
            ),
            (
                format!(r#"{{"log": {{"creator": {{}}, "entries": [{one}, {{"request": "#),
                "/log/entries/1: not valid JSON: EOF while parsing a value at line 1 column ",
            ),
            (
                format!(r#"{{"log": {{"creator": {{}}, "entries": [{one}]}}}} trailing"#),
                "/log: not valid JSON: trailing characters at line 1 column ",
            ),
        ];
        for (text, told) in cases {
            let failure = streamed(&text, 10).expect_err(&text);
            assert!(failure.starts_with(told), "{text}: {failure}");
        }
        for not_a_har in [
            r#"{"requests": []}"#,
            "[1, 2]",
            "{\"seq\": 1}\n{\"seq\": 2}\n",
            "not JSON",
        ] {
            assert_eq!(
                streamed(not_a_har, 10),
                Err("not a HAR".to_owned()),
                "{not_a_har}"
            );
        }
    }

    #[test]
    fn a_har_answer_in_base64_is_read_and_repeated_headers_are_joined() {
        let entry = json!({
            "request": {"method": "GET", "url": "https://api.example/api/v1/contacts",
                        "headers": [{"name": "Cookie", "value": "a=1"}, {"name": "cookie", "value": "b=2"},
                                    {"name": "Accept", "value": "text/html"}, {"name": "accept", "value": "*/*"}]},
            "response": {"status": 200, "headers": [],
                         "content": {"text": "eyJ0b3RhbCI6MH0=", "encoding": "base64"}}
        });
        let observed = observed(&entry, 0, "firefox.har", false).expect("an entry");
        assert_eq!(observed.response_body, Some(json!({"total": 0})));
        assert_eq!(observed.request_headers["cookie"], "a=1; b=2");
        assert_eq!(observed.request_headers["accept"], "text/html, */*");
    }

    #[test]
    fn paths_come_out_of_any_url() {
        assert_eq!(
            path_of("https://api.usegately.com/api/v1/contacts/x?a=b"),
            "/api/v1/contacts/x"
        );
        assert_eq!(
            path_of("http://127.0.0.1:4010/api/v1/contacts/x"),
            "/api/v1/contacts/x"
        );
        assert_eq!(path_of("https://host"), "/");
        assert_eq!(path_of("/api/v1/contacts/x#frag"), "/api/v1/contacts/x");
    }
}
