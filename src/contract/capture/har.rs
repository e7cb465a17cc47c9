//! A HAR 1.2 archive read entry by entry: browser dev-tools, proxies, the mock's own
//! `/__admin/requests.har`.
//!
//! A HAR is one JSON document, and a long browser session's is hundreds of MiB; `check` reads
//! it as a stream (serde's visitors over the file), keeping one batch of entries as their
//! text, each batch then parsed on every core: its memory is that of one batch, whatever the
//! archive's length (for an archive that writes `creator` after its entries, that of the
//! entries' text, held until `creator` is known).

use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use super::{AnswerBody, CaptureError, Failure, MARKER_HEADER, Observed, epoch_ms};
use crate::journal::exchange::Origin;
use crate::journal::har::CREATOR;
use crate::parallel;

/// What reading a file as a HAR came to.
pub(super) enum Read {
    /// It was one; its exchanges were handed on.
    Har,
    /// Its document has no `log` (or is not JSON): a journal document or a record file,
    /// whose reader must start with the bytes this one took (a pipe cannot be read again).
    NotHar {
        /// Every byte read of the input so far, from its start.
        taken: Vec<u8>,
    },
}

/// Reads `input`, the file at `path`, named `name` in reports, as a HAR, handing its
/// exchanges to `each` in order, at most `batch` at a time.
///
/// The entries come in batches once `log.creator` has told whose archive it is (the mock's
/// own export numbers its entries with their `seq`). Browsers and the mock write `creator`
/// first; an archive that writes it after its entries, or not at all, is held (as text)
/// until its `log` ends.
pub(super) fn read(
    input: &mut impl std::io::Read,
    path: &Path,
    name: &str,
    batch: usize,
    each: &mut dyn FnMut(&[Observed]),
) -> Result<Read, CaptureError> {
    let unreadable = |source| CaptureError::Read {
        path: path.to_owned(),
        source,
    };
    let invalid = |(location, message): Failure| CaptureError::Invalid {
        path: path.to_owned(),
        location,
        message,
    };
    let keeping = Cell::new(true);
    let mut taken = Vec::new();
    let mut reader = Reader {
        name,
        batch: batch.max(1),
        each,
        from_mock_archive: None,
        progress: Progress::default(),
        keeping: &keeping,
        failure: None,
        pending: Vec::new(),
        first_pending: 0,
    };
    let parsed = {
        let copy = Copied {
            input,
            taken: &mut taken,
            keeping: &keeping,
        };
        // serde_json reads a byte at a time, which std serves from a `BufReader`'s buffer
        // without a call per byte: the buffer is on top of the copy.
        let buffered = std::io::BufReader::with_capacity(1 << 20, copy);
        let mut document = serde_json::Deserializer::from_reader(buffered);
        de::Deserializer::deserialize_any(&mut document, Top(&mut reader))
            .and_then(|()| document.end())
    };
    let progress = &reader.progress;
    if !progress.seen_log {
        return match parsed {
            Err(err) if err.is_io() => Err(unreadable(err.into())),
            _ => Ok(Read::NotHar { taken }),
        };
    }
    let Err(err) = parsed else {
        return Ok(Read::Har);
    };
    if let Some(failure) = reader.failure.take() {
        return Err(invalid(failure));
    }
    // The entries read before the parser stopped, not yet handed on: a fault in one of them
    // comes first in the file. (They are not handed on: the capture fails.)
    if let Err(failure) = reader.exchanges_of(&reader.pending, reader.first_pending) {
        return Err(invalid(failure));
    }
    if err.is_io() {
        return Err(unreadable(err.into()));
    }
    let wrong_shape = err.is_data()
        && ((!progress.in_log && !progress.seen_entries)
            || (progress.seen_entries && !progress.in_entries));
    Err(invalid(if wrong_shape {
        no_entries()
    } else if progress.in_entries {
        (
            format!("/log/entries/{}", progress.entries_read),
            format!("not valid JSON: {err}"),
        )
    } else {
        ("/log".to_owned(), format!("not valid JSON: {err}"))
    }))
}

/// The input, a copy kept of each block read through it while `keeping` holds.
struct Copied<'a, R> {
    input: R,
    taken: &'a mut Vec<u8>,
    keeping: &'a Cell<bool>,
}

impl<R: std::io::Read> std::io::Read for Copied<'_, R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let read = self.input.read(buffer)?;
        if self.keeping.get() {
            self.taken.extend_from_slice(&buffer[..read]);
        }
        Ok(read)
    }
}

/// The state of the reading, shared by the visitors of the archive's levels.
struct Reader<'a> {
    name: &'a str,
    batch: usize,
    each: &'a mut dyn FnMut(&[Observed]),
    /// Whether the archive is the mock's own export (its `creator`): its comments then
    /// carry the `seq`, and every answer is the mock's. `None` until `creator` is read.
    from_mock_archive: Option<bool>,
    progress: Progress,
    /// Cleared once the document shows a `log`: the bytes need not be kept for another
    /// reader then.
    keeping: &'a Cell<bool>,
    /// A fault in an entry (or a `log` without entries), told rather than the parser's error.
    failure: Option<Failure>,
    /// Entries read but not yet handed on, as their text, and the number of the first.
    pending: Vec<Box<RawValue>>,
    first_pending: usize,
}

/// How far the reading got: the top-level `log`, inside its object, `entries`, inside its
/// array, and the number of entries read.
#[derive(Default)]
struct Progress {
    seen_log: bool,
    in_log: bool,
    seen_entries: bool,
    in_entries: bool,
    entries_read: usize,
}

impl Reader<'_> {
    /// Keeps `failure` to be told, and stops the parser.
    fn fail<E: de::Error>(&mut self, failure: Failure) -> E {
        self.failure = Some(failure);
        stop()
    }

    /// [`Reader::flush`], stopping the parser on a fault.
    fn flush_or_stop<E: de::Error>(&mut self) -> Result<(), E> {
        self.flush().map_err(|failure| self.fail(failure))
    }

    /// Hands the pending entries on as exchanges, `batch` at a time, each batch parsed and
    /// read on every core (the stream itself is read on one).
    fn flush(&mut self) -> Result<(), Failure> {
        let pending = std::mem::take(&mut self.pending);
        for part in pending.chunks(self.batch) {
            let exchanges = self.exchanges_of(part, self.first_pending)?;
            (self.each)(&exchanges);
            self.first_pending += part.len();
        }
        Ok(())
    }

    /// The exchanges of `entries`, the first of them entry `first` (from 0).
    fn exchanges_of(
        &self,
        entries: &[Box<RawValue>],
        first: usize,
    ) -> Result<Vec<Observed>, Failure> {
        /// Fewer entries than this per core are read on the calling thread.
        const PER_THREAD: usize = 64;
        let name = self.name;
        let from_mock_archive = self.from_mock_archive.unwrap_or(false);
        let parts = parallel::chunks(entries, PER_THREAD, |start, part| {
            let read = |(offset, text): (usize, &RawValue)| {
                let index = first + start + offset;
                // The stream checked its syntax; a number out of range fails only here.
                let entry: Value = serde_json::from_str(text.get()).map_err(|err| {
                    (
                        format!("/log/entries/{index}"),
                        format!("not valid JSON: {err}"),
                    )
                })?;
                observed(&entry, index, name, from_mock_archive)
            };
            let texts = part.iter().map(|text| &**text);
            texts.enumerate().map(read).collect::<Vec<_>>()
        });
        parts.into_iter().flatten().collect()
    }
}

fn twice(container: &str) -> String {
    format!("appears twice in the {container}; a HAR has one")
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
            if key == "requests" && !reader.progress.seen_log {
                // A journal document: read whole by its own reader, not copied through to
                // its end here.
                return Err(stop());
            } else if key != "log" {
                map.next_value::<IgnoredAny>()?;
            } else if reader.progress.seen_log {
                return Err(reader.fail(("/log".to_owned(), twice("document"))));
            } else {
                reader.progress.seen_log = true;
                reader.keeping.set(false);
                map.next_value_seed(Log(&mut *reader))?;
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
        let mut creator_seen = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "creator" if creator_seen => {
                    return Err(reader.fail(("/log/creator".to_owned(), twice("log"))));
                }
                "creator" => {
                    creator_seen = true;
                    let creator: Value = map.next_value()?;
                    let name = creator.get("name").and_then(Value::as_str);
                    reader.from_mock_archive = Some(name == Some(CREATOR));
                }
                "entries" if reader.progress.seen_entries => {
                    return Err(reader.fail(("/log/entries".to_owned(), twice("log"))));
                }
                "entries" => {
                    reader.progress.seen_entries = true;
                    map.next_value_seed(Entries(&mut *reader))?;
                    reader.progress.in_entries = false;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !reader.progress.seen_entries {
            return Err(reader.fail(no_entries()));
        }
        // Entries held for a `creator` that came after them, or never did.
        reader.from_mock_archive.get_or_insert(false);
        reader.flush_or_stop()
    }
}

/// `entries`: each read as its text, a batch of them then made [`Observed`] and let go.
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
        while let Some(entry) = seq.next_element::<Box<RawValue>>()? {
            reader.pending.push(entry);
            reader.progress.entries_read += 1;
            // Until `creator` is known, the entries are held.
            if reader.from_mock_archive.is_some() && reader.pending.len() >= reader.batch {
                reader.flush_or_stop()?;
            }
        }
        if reader.from_mock_archive.is_some() {
            reader.flush_or_stop()?;
        }
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
        (Some(text), None) => Some(AnswerBody::of(&body(text))),
        // Firefox and proxies write some text answers in base64.
        (Some(text), Some("base64")) => {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .map(|text| AnswerBody::of(&body(&text)))
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
        let mut input = std::fs::File::open(file.path()).unwrap();
        let read = read(&mut input, file.path(), "t.har", batch, &mut |part| {
            sizes.push(part.len());
            observed.extend_from_slice(part);
        });
        match read {
            Ok(Read::Har) => Ok((observed, sizes)),
            Ok(Read::NotHar { taken }) => {
                // What was taken, then what is left, is the whole input.
                let mut rest = Vec::new();
                std::io::Read::read_to_end(&mut input, &mut rest).unwrap();
                assert_eq!([taken, rest].concat(), text.as_bytes());
                Err("not a HAR".to_owned())
            }
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
            // `creator` after `entries`: the entries are held until it is known.
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
        // Batches large enough to be read on every core come out in order.
        let many: Vec<Value> = (1..=300).map(|seq| entry(seq, seq % 7 == 0)).collect();
        let document = json!({"log": {"creator": {"name": CREATOR}, "entries": many}});
        let read = streamed(&document.to_string(), 200).unwrap();
        assert_eq!(read, (whole(&document), vec![200, 100]));
    }

    /// Gives its text a few bytes a read, as a pipe may.
    struct Trickle<'a>(&'a [u8]);

    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
            let count = buffer.len().min(7).min(self.0.len());
            buffer[..count].copy_from_slice(&self.0[..count]);
            self.0 = &self.0[count..];
            Ok(count)
        }
    }

    #[test]
    fn what_is_not_a_har_comes_back_whole_however_it_is_read() {
        let line = r#"{"seq":1,"request":{"method":"GET","body":"x"}}"#;
        let lines: String = std::iter::repeat_n(format!("{line}\n"), 60_000).collect();
        assert!(lines.len() > 2 << 20, "longer than the reader's buffer");
        let texts = [
            lines.clone(),
            format!("not JSON\n{lines}"),
            format!("{{\"requests\": [{line}]}}\n{lines}"),
        ];
        for text in texts {
            let mut input = Trickle(text.as_bytes());
            let read = read(&mut input, Path::new("t"), "t", 10, &mut |_| {
                panic!("nothing is handed on")
            });
            let Ok(Read::NotHar { taken }) = read else {
                panic!("not a HAR")
            };
            assert!(taken.len() < 2 << 20, "a buffer or so: {}", taken.len());
            let mut rest = Vec::new();
            std::io::Read::read_to_end(&mut input, &mut rest).unwrap();
            assert!([taken, rest].concat() == text.as_bytes());
        }
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
            (
                format!(r#"{{"log": {{"creator": {{}}, "entries": [{one}, {{"time": 1e400}}]}}}}"#),
                "/log/entries/1: not valid JSON: number out of range",
            ),
            // The first fault in the file, though a later one stopped the parser.
            (
                format!(
                    r#"{{"log": {{"creator": {{}}, "entries": [{one}, {{"request": {{}}}}, {one}, {{"x": ]"#
                ),
                "/log/entries/1/request/method: missing",
            ),
            (
                format!(
                    r#"{{"log": {{"creator": {{}}, "entries": [{one}, {{"time": 1e400}}, {one}, {{"x": ]"#
                ),
                "/log/entries/1: not valid JSON: number out of range",
            ),
            // `creator` late or missing: the same faults.
            (
                r#"{"log": {"entries": 5}}"#.to_owned(),
                "/log/entries: a HAR needs an entries array",
            ),
            (
                r#"{"log": {"entries": {}, "creator": {}}}"#.to_owned(),
                "/log/entries: a HAR needs an entries array",
            ),
            (
                format!(r#"{{"log": {{"entries": [{one}, {{"request": "#),
                "/log/entries/1: not valid JSON: EOF while parsing",
            ),
            (
                r#"{"log": {"entries": [{"request": {}}]}}"#.to_owned(),
                "/log/entries/0/request/method: missing",
            ),
            // Twice what a HAR has once.
            (
                format!(r#"{{"log": {{"creator": {{}}, "entries": [{one}]}}, "log": 5}}"#),
                "/log: appears twice in the document",
            ),
            (
                format!(r#"{{"log": {{"creator": {{}}, "entries": [], "entries": [{one}]}}}}"#),
                "/log/entries: appears twice in the log",
            ),
            (
                r#"{"log": {"creator": {}, "creator": {}, "entries": []}}"#.to_owned(),
                "/log/creator: appears twice in the log",
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
        assert_eq!(
            observed.response_body.map(|body| body.value()),
            Some(json!({"total": 0}))
        );
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
