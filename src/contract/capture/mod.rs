//! Captured traffic, read from the files `check` is given: the mock's record file (JSON
//! Lines of D23 exchanges), a saved `GET /__admin/requests` document, or a HAR 1.2 archive
//! (browser dev-tools, proxies, the mock's own `/__admin/requests.har`). Each becomes a
//! list of [`Observed`] exchanges.

mod har;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::de::IgnoredAny;
use serde_json::Value;
use serde_json::value::RawValue;

use hyper::Method;

use crate::api::operation::{self, Operation};
use crate::api::route;
use crate::clock::Timestamp;
use crate::journal::exchange::{BodyEncoding, FaultRecord, Origin, RequestRecord};
use crate::journal::{Exchange, Verdict};
use crate::json;

/// The marker header of responses sent by this mock.
pub(crate) const MARKER_HEADER: &str = "x-gately-mock";

/// One exchange as a capture shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Observed {
    /// Where it is in the capture: `traffic.jsonl seq 3`, `traffic.jsonl workspace job-7
    /// seq 3`, `session.har entry 7`.
    pub origin: String,
    /// The workspace it happened in (D26), when the capture says; `None`: `default`.
    pub workspace: Option<String>,
    /// The request method, upper case.
    pub method: String,
    /// The request path, without host or query.
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// Request headers, names lower case.
    pub request_headers: BTreeMap<String, String>,
    /// The request body's bytes (empty if none).
    pub request_body: Vec<u8>,
    /// The response status.
    pub status: u16,
    /// The response body; `None` when the capture left it out.
    pub response_body: Option<AnswerBody>,
    /// Whether this mock sent the response (its contract is then the stricter one, D25).
    pub from_mock: bool,
    /// Whether `Prefer: code=` chose the response, or a fault changed it (the mock's record
    /// says so; a HAR does not).
    pub forced: bool,
    /// Its place in the capture: the record's `seq`, or the HAR entry's number.
    pub seq: u64,
    /// When the request was sent, in ms since the Unix epoch, if the capture says.
    pub time_ms: Option<i64>,
    /// How long the answer took, in ms.
    pub duration_ms: u64,
    /// The response's `Retry-After`, if it had one.
    pub retry_after: Option<String>,
    /// The kinds of the faults injected into it (D30): `rate_limit`, `error`, `reset`, …
    pub faults: Vec<String>,
}

/// A captured answer's body as its JSON text (a body that is not JSON, as a JSON string).
/// Most answers are only held to a schema, which reads them in place (`schema/in_place.rs`):
/// a `serde_json::Value` of each, an `IndexMap` per object and a `String` per key, was a
/// third of `check`'s time. The few readers of a body's members parse it when they read.
#[derive(Clone, Debug)]
pub struct AnswerBody(Box<RawValue>);

impl AnswerBody {
    /// The body `value` is.
    pub(crate) fn of(value: &Value) -> Self {
        Self(serde_json::value::to_raw_value(value).expect("a JSON value serialises"))
    }

    /// The body `raw` holds, as the capture wrote it.
    fn from_raw(raw: &RawValue) -> Self {
        Self(raw.to_owned())
    }

    /// Its JSON text.
    pub(crate) fn text(&self) -> &str {
        self.0.get()
    }

    /// The body as a `Value`, parsed now.
    pub(crate) fn value(&self) -> Value {
        serde_json::from_str(self.text()).expect("an answer body is one JSON value")
    }

    /// Whether it is a JSON string: a body that was not JSON.
    pub(crate) fn is_string(&self) -> bool {
        self.text().starts_with('"')
    }

    /// The text of its member `name`, when it is an object with one that is a string: a
    /// problem's `code`, a created resource's `id`. The other members are passed over unread.
    pub(crate) fn text_of(&self, name: &str) -> Option<String> {
        match crate::json::member(self.text(), name)? {
            Value::String(text) => Some(text),
            _ => None,
        }
    }
}

/// Two bodies are the same when they are the same JSON value, however each was spelled.
impl PartialEq for AnswerBody {
    fn eq(&self, other: &Self) -> bool {
        self.text() == other.text() || self.value() == other.value()
    }
}

#[cfg(test)]
impl Observed {
    /// An exchange the mock answered, for unit tests: `body` is the request's (`null`:
    /// none), `answer` the response's.
    pub(crate) fn answered(
        method: &str,
        path: &str,
        body: Value,
        status: u16,
        answer: Value,
    ) -> Self {
        Self {
            origin: format!("test {method} {path} {status}"),
            workspace: None,
            method: method.to_owned(),
            path: path.to_owned(),
            query: None,
            request_headers: BTreeMap::new(),
            request_body: match body {
                Value::Null => Vec::new(),
                body => body.to_string().into_bytes(),
            },
            status,
            response_body: Some(AnswerBody::of(&answer)),
            from_mock: true,
            forced: false,
            seq: 1,
            time_ms: None,
            duration_ms: 0,
            retry_after: None,
            faults: Vec::new(),
        }
    }
}

/// When `text` (an RFC 3339 instant) was, in ms since the Unix epoch.
fn epoch_ms(text: &str) -> Option<i64> {
    Timestamp::parse(text).ok().map(|at| at.unix_ms())
}

impl Observed {
    /// The operation the exchange called, and its path id, if its route and method name
    /// one.
    pub(crate) fn operation(&self) -> Option<(&'static Operation, Option<&str>)> {
        let method = Method::from_bytes(self.method.as_bytes()).ok()?;
        let found = route::route(&self.path)?;
        Some((operation::find(found.id, &method)?, found.param))
    }

    /// An exchange this mock recorded; `origin` names where it came from (`traffic.jsonl`).
    pub fn from_exchange(exchange: Exchange, origin: &str) -> Self {
        let request_body = exchange.request.body_bytes();
        Self {
            origin: record_origin(origin, exchange.workspace.as_deref(), exchange.seq),
            seq: exchange.seq,
            time_ms: epoch_ms(&exchange.time),
            duration_ms: exchange.duration_ms,
            retry_after: exchange.response.headers.get("retry-after").cloned(),
            faults: exchange
                .faults
                .into_iter()
                .map(|fault| fault.kind)
                .collect(),
            workspace: exchange.workspace,
            method: exchange.request.method,
            path: exchange.request.path,
            query: exchange.request.query,
            request_headers: exchange.request.headers,
            request_body,
            status: exchange.response.status,
            response_body: Some(AnswerBody::of(&exchange.response.body)),
            from_mock: exchange.origin == Origin::Mock,
            forced: exchange.forced,
        }
    }
}

/// Where a recorded exchange is: `traffic.jsonl seq 3`, `traffic.jsonl workspace job-7 seq 3`.
fn record_origin(name: &str, workspace: Option<&str>, seq: u64) -> String {
    match workspace {
        Some(workspace) => format!("{name} workspace {workspace} seq {seq}"),
        None => format!("{name} seq {seq}"),
    }
}

/// A capture that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The file cannot be read.
    #[error("{}: cannot be read", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A line of a record file, or a HAR, is not what it should be.
    #[error("{}: {location}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// `line 3`, `/log/entries/2/request`.
        location: String,
        /// What is wrong.
        message: String,
    },
}

/// Reads `path`: a HAR when the file is one JSON object with a `log`, a journal document
/// with `requests`, else a record file.
pub(crate) fn read(path: &Path) -> Result<Vec<Observed>, CaptureError> {
    let mut observed = Vec::new();
    read_batches(path, usize::MAX, |batch| observed.extend_from_slice(batch))?;
    Ok(observed)
}

/// Reads `path` as [`read`] does, handing its exchanges to `each` in order, at most
/// `batch` at a time. A record file is read a block at a time and its lines parsed on every
/// core, a HAR an entry at a time, so that a capture of any length needs the memory of one
/// batch, not of the file.
pub(crate) fn read_batches(
    path: &Path,
    batch: usize,
    mut each: impl FnMut(&[Observed]),
) -> Result<(), CaptureError> {
    let unreadable = |source| CaptureError::Read {
        path: path.to_owned(),
        source,
    };
    let invalid = |(location, message)| CaptureError::Invalid {
        path: path.to_owned(),
        location,
        message,
    };
    let name = spelled_once(path);
    let mut file = std::fs::File::open(path).map_err(unreadable)?;
    // A HAR is one document, on one line or many: tried first, as it is told by its `log`
    // before a record file's first exchange would be read whole. The file is read once (it
    // may be a pipe): what the HAR reader took of something else comes first again.
    let taken = match har::read(&mut file, path, &name, batch, &mut each)? {
        har::Read::Har => return Ok(()),
        har::Read::NotHar { taken } => taken,
    };
    let rest = std::io::BufReader::with_capacity(1 << 20, file);
    let mut lines = Lines::new(std::io::Read::chain(std::io::Cursor::new(taken), rest));
    let per_batch = batch.clamp(1, 4096);
    lines.read_batch(per_batch).map_err(unreadable)?;
    // A first line that is a whole exchange makes a record file, read a batch of lines at a
    // time; anything else (a journal document, a record file whose first line is broken) is
    // read whole, as it must be to say which it is.
    let first = lines.batch().map_err(unreadable)?;
    let streamed = first
        .iter()
        .find(|(_, line)| !line.trim().is_empty())
        .is_some_and(|(_, line)| {
            matches!(
                serde_json::from_str::<Value>(line),
                Ok(Value::Object(object)) if !object.contains_key("requests")
            )
        });
    if !streamed {
        let text = lines.rest().map_err(unreadable)?;
        let observed = match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(document)) if document.contains_key("requests") => {
                from_journal(&text, &name)
            }
            _ => from_record_file(&text, &name),
        };
        for part in observed.map_err(invalid)?.chunks(batch.max(1)) {
            each(part);
        }
        return Ok(());
    }
    loop {
        let read = lines.batch().map_err(unreadable)?;
        if read.is_empty() {
            return Ok(());
        }
        let parsed = crate::parallel::chunks(&read, 256, |_, part| {
            part.iter()
                .map(|(index, line)| from_record_line(line, *index, &name))
                .collect::<Vec<_>>()
        });
        let mut observed = Vec::with_capacity(read.len());
        for one in parsed.into_iter().flatten() {
            observed.extend(one.map_err(invalid)?);
        }
        each(&observed);
        lines.read_batch(per_batch).map_err(unreadable)?;
    }
}

/// A file's lines a batch at a time, read (`BufRead::read_until`) into one buffer that is
/// kept from batch to batch: a long capture's lines are sliced out of it, not each copied
/// into a string of its own.
struct Lines<R> {
    reader: R,
    /// The batch's bytes, and where each of its lines lies in them.
    buffer: Vec<u8>,
    spans: Vec<(usize, usize)>,
    /// The number (from 0) of the batch's first line.
    first: usize,
}

impl<R: std::io::BufRead> Lines<R> {
    fn new(reader: R) -> Self {
        Self {
            reader,
            buffer: Vec::new(),
            spans: Vec::new(),
            first: 0,
        }
    }

    /// Reads the next `count` lines (fewer at the end of the file) in place of the batch.
    fn read_batch(&mut self, count: usize) -> std::io::Result<()> {
        self.first += self.spans.len();
        self.buffer.clear();
        self.spans.clear();
        while self.spans.len() < count {
            let start = self.buffer.len();
            if self.reader.read_until(b'\n', &mut self.buffer)? == 0 {
                break;
            }
            self.spans.push((start, self.buffer.len()));
        }
        Ok(())
    }

    /// The batch's lines, each with its number (from 0), as text without its line break.
    fn batch(&self) -> std::io::Result<Vec<(usize, &str)>> {
        let text = |(n, (from, to)): (usize, &(usize, usize))| {
            let line = std::str::from_utf8(&self.buffer[*from..*to])
                .map_err(|err| std::io::Error::new(std::io::ErrorKind::InvalidData, err))?;
            let line = line.strip_suffix('\n').unwrap_or(line);
            Ok((self.first + n, line.strip_suffix('\r').unwrap_or(line)))
        };
        self.spans.iter().enumerate().map(text).collect()
    }

    /// The batch and every line after it, as one text: the first batch and the rest of a
    /// file that must be read whole.
    fn rest(mut self) -> std::io::Result<String> {
        self.reader.read_to_end(&mut self.buffer)?;
        String::from_utf8(self.buffer)
            .map_err(|err| std::io::Error::new(std::io::ErrorKind::InvalidData, err))
    }
}

/// `path` as reports name it, however it was spelled on the command line (`traffic.jsonl`,
/// `./traffic.jsonl`, `ci/../traffic.jsonl`): relative to the working directory when it is
/// below it, else absolute, so that test-case names stay the same from run to run.
fn spelled_once(path: &Path) -> String {
    let Ok(absolute) = std::fs::canonicalize(path) else {
        return path.display().to_string();
    };
    let here = std::env::current_dir().and_then(std::fs::canonicalize);
    match here.as_deref().map(|here| absolute.strip_prefix(here)) {
        Ok(Ok(relative)) => relative.display().to_string(),
        _ => absolute.display().to_string(),
    }
}

/// Where a capture is wrong, and how.
pub(crate) type Failure = (String, String);

/// The exchanges of a record file's `text`, named after `name`.
pub(crate) fn from_record_file(text: &str, name: &str) -> Result<Vec<Observed>, Failure> {
    let mut observed = Vec::new();
    for (index, line) in text.lines().enumerate() {
        observed.extend(from_record_line(line, index, name)?);
    }
    Ok(observed)
}

/// The exchanges of a saved `GET /__admin/requests` document, `text`, named `FILE seq N` as
/// a record file's are: each read as a record file's line is, so that its request body is
/// judged as it was written (duplicate keys and all).
fn from_journal(text: &str, name: &str) -> Result<Vec<Observed>, Failure> {
    #[derive(serde::Deserialize)]
    struct Journal<'a> {
        #[serde(borrow)]
        requests: Vec<&'a RawValue>,
    }
    let journal: Journal<'_> = serde_json::from_str(text).map_err(|err| {
        (
            "/requests".to_owned(),
            format!("not the journal's document: {err}"),
        )
    })?;
    let mut observed = Vec::with_capacity(journal.requests.len());
    for (index, exchange) in journal.requests.iter().enumerate() {
        let one = from_record_line(exchange.get(), index, name)
            .map_err(|(_, message)| (format!("/requests/{index}"), message))?;
        observed.extend(one);
    }
    Ok(observed)
}

/// The exchange of line `index` (from 0) of a record file named `name`; none for a blank
/// line. The line is parsed once, its bodies kept as the line holds them.
fn from_record_line(line: &str, index: usize, name: &str) -> Result<Option<Observed>, Failure> {
    if line.trim().is_empty() {
        return Ok(None);
    }
    let not_an_exchange = |err: serde_json::Error| {
        (
            format!("line {}", index + 1),
            format!(
                "not a recorded exchange (a record file has one JSON exchange per line, or give a HAR): {err}"
            ),
        )
    };
    let record: RecordLine<'_> = serde_json::from_str(line).map_err(not_an_exchange)?;
    let (request, response) = (record.request, record.response);
    // A body taken raw was only skipped over; read through, it must be what a `Value` of it
    // would accept (numbers in range, escapes whole, nesting within the limit), as the
    // `Exchange` it was read as once required. If not, that reading says where.
    let bodies = [request.body, response.body];
    if let Some(err) = bodies
        .into_iter()
        .find_map(|body| json::read_through(body.get()).err())
    {
        let err = serde_json::from_str::<Exchange>(line).err().unwrap_or(err);
        return Err(not_an_exchange(err));
    }
    Ok(Some(Observed {
        origin: record_origin(name, record.workspace.as_deref(), record.seq),
        workspace: record.workspace,
        request_body: request.body_bytes(),
        method: request.method,
        path: request.path,
        query: request.query,
        request_headers: request.headers,
        status: response.status,
        retry_after: response.headers.get("retry-after").cloned(),
        response_body: Some(AnswerBody::from_raw(response.body)),
        from_mock: record.origin == Origin::Mock,
        forced: record.forced,
        seq: record.seq,
        time_ms: epoch_ms(&record.time),
        duration_ms: record.duration_ms,
        faults: record.faults.into_iter().map(|fault| fault.kind).collect(),
    }))
}

/// A line of a record file: an [`Exchange`] as `check` reads it, its bodies as the line
/// holds them (a request body's keys as written, duplicates and all) and what the judge
/// does not read skipped, not built: the mock's own verdict (still one of the verdicts) and
/// findings (present, whatever they hold), which are judged again. A line without them is
/// still no exchange.
#[derive(serde::Deserialize)]
struct RecordLine<'a> {
    seq: u64,
    #[serde(default)]
    workspace: Option<String>,
    #[serde(borrow)]
    time: Cow<'a, str>,
    duration_ms: u64,
    #[serde(borrow)]
    request: LineRequest<'a>,
    #[serde(borrow)]
    response: LineResponse<'a>,
    #[serde(rename = "verdict")]
    _verdict: Verdict,
    #[serde(rename = "violations")]
    _violations: IgnoredAny,
    #[serde(rename = "warnings")]
    _warnings: IgnoredAny,
    forced: bool,
    #[serde(default)]
    origin: Origin,
    #[serde(default)]
    faults: Vec<FaultRecord>,
}

#[derive(serde::Deserialize)]
struct LineRequest<'a> {
    method: String,
    path: String,
    query: Option<String>,
    headers: BTreeMap<String, String>,
    #[serde(borrow)]
    body: &'a RawValue,
    #[serde(default)]
    body_encoding: Option<BodyEncoding>,
}

impl LineRequest<'_> {
    /// The body's bytes as the mock received them: a JSON object or array as the line
    /// writes it, a string as its text (or its base64's bytes), else as [`RequestRecord`]
    /// gives them.
    fn body_bytes(&self) -> Vec<u8> {
        let raw = self.body.get();
        if self.body_encoding.is_none() && (raw.starts_with('{') || raw.starts_with('[')) {
            return raw.as_bytes().to_vec();
        }
        let body = serde_json::from_str(raw).expect("a raw value is one JSON value");
        RequestRecord::body_bytes_of(&body, self.body_encoding)
    }
}

#[derive(serde::Deserialize)]
struct LineResponse<'a> {
    status: u16,
    headers: BTreeMap<String, String>,
    #[serde(borrow)]
    body: &'a RawValue,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_come_out_whole_whatever_the_reads_they_span() {
        let text = "\n\n{\"a\":1}\r\nsecond line\n\nlast, with no break";
        for capacity in [1, 3, 7, 64] {
            let reader = std::io::BufReader::with_capacity(capacity, text.as_bytes());
            let mut lines = Lines::new(reader);
            lines.read_batch(4).unwrap();
            let first = lines.batch().unwrap();
            let expected = [(0, ""), (1, ""), (2, "{\"a\":1}"), (3, "second line")];
            assert_eq!(first, expected, "capacity {capacity}");
            lines.read_batch(10).unwrap();
            let rest = lines.batch().unwrap();
            assert_eq!(rest, [(4, ""), (5, "last, with no break")]);
            lines.read_batch(10).unwrap();
            assert!(lines.batch().unwrap().is_empty());
        }
        let mut whole = Lines::new(std::io::BufReader::with_capacity(
            2,
            "\n{\n\"log\": 1}".as_bytes(),
        ));
        whole.read_batch(2).unwrap();
        assert_eq!(whole.rest().unwrap(), "\n{\n\"log\": 1}");
    }

    const LINE: &str = r#"{"seq":4,"time":"2025-06-15T14:30:00.000Z","duration_ms":2,"request":{"method":"PATCH","path":"/api/v1/contacts/x","query":null,"headers":{"content-type":"application/json"},"body":{"b":1,"b":2}},"response":{"status":429,"headers":{"retry-after":"3"},"body":{"code":"rate_limited","detail":"slow down"}},"verdict":"ok","violations":[],"warnings":[],"forced":false,"faults":[{"kind":"rate_limit","rule":0}]}"#;

    #[test]
    fn a_record_line_is_read_once_its_bodies_as_written() {
        let observed = from_record_line(LINE, 0, "t.jsonl").unwrap().unwrap();
        assert_eq!(observed.origin, "t.jsonl seq 4");
        assert_eq!(
            observed.request_body, br#"{"b":1,"b":2}"#,
            "keys as written"
        );
        let answer = observed.response_body.as_ref().unwrap();
        assert_eq!(
            answer.text(),
            r#"{"code":"rate_limited","detail":"slow down"}"#
        );
        assert_eq!(answer.text_of("code").as_deref(), Some("rate_limited"));
        assert_eq!(
            (observed.retry_after.as_deref(), observed.faults),
            (Some("3"), vec!["rate_limit".to_owned()])
        );
        assert_eq!(observed.time_ms, epoch_ms("2025-06-15T14:30:00Z"));
    }

    #[test]
    fn a_record_line_without_the_mock_s_verdict_or_findings_is_no_exchange() {
        for field in [
            r#""verdict":"ok","#,
            r#""violations":[],"#,
            r#""warnings":[],"#,
        ] {
            let line = LINE.replace(field, "");
            let (location, message) = from_record_line(&line, 2, "t.jsonl").unwrap_err();
            assert_eq!(location, "line 3");
            assert!(message.contains("not a recorded exchange"), "{message}");
        }
        let verdict = LINE.replace(r#""verdict":"ok""#, r#""verdict":"fine""#);
        assert!(from_record_line(&verdict, 0, "t.jsonl").is_err());
    }

    #[test]
    fn a_body_a_value_could_not_hold_makes_the_line_no_exchange_as_it_did() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let broken = [
            LINE.replace(r#"{"b":1,"b":2}"#, r#""\ud800""#),
            LINE.replace(r#"{"b":1,"b":2}"#, "1e400"),
            LINE.replace(r#""detail":"slow down""#, r#""n":1e400"#),
            LINE.replace(r#"{"b":1,"b":2}"#, &deep),
        ];
        for line in broken {
            let old = serde_json::from_str::<Exchange>(&line).unwrap_err();
            let (location, message) = from_record_line(&line, 0, "t.jsonl").unwrap_err();
            assert_eq!(location, "line 1");
            assert!(message.ends_with(&old.to_string()), "{message} / {old}");
        }
    }

    #[test]
    fn answer_bodies_are_the_same_when_their_values_are() {
        let spelled =
            |text: &str| AnswerBody::from_raw(&RawValue::from_string(text.to_owned()).unwrap());
        let compact = AnswerBody::of(&serde_json::json!({"id": "c1", "n": [1, 2]}));
        assert_eq!(spelled(r#"{ "n": [1,2], "id": "c1" }"#), compact);
        assert_ne!(spelled(r#"{"id": "c2", "n": [1, 2]}"#), compact);
        assert_eq!(compact.text_of("id").as_deref(), Some("c1"));
        assert_eq!(compact.text_of("n"), None, "not a string");
        assert!(spelled(r#""<html>""#).is_string() && !compact.is_string());
        assert_eq!(spelled("[1]").text_of("id"), None);
    }

    #[test]
    fn a_record_file_read_in_batches_gives_what_it_gives_read_whole() {
        let path =
            std::env::temp_dir().join(format!("gately-capture-{}.jsonl", std::process::id()));
        let line = |seq: u64| {
            format!(
                r#"{{"seq":{seq},"time":"2025-06-15T14:30:00.000Z","duration_ms":1,"request":{{"method":"GET","path":"/api/v1/contacts","query":null,"headers":{{}},"body":null}},"response":{{"status":200,"headers":{{}},"body":{{"a":[1]}}}},"verdict":"ok","violations":[],"warnings":[],"forced":false}}"#
            )
        };
        let text: String = (1..=10).map(|seq| line(seq) + "\n").collect();
        std::fs::write(&path, &text).unwrap();
        let mut batches = Vec::new();
        read_batches(&path, 3, |batch| batches.push(batch.to_vec())).unwrap();
        assert_eq!(
            batches.iter().map(Vec::len).collect::<Vec<_>>(),
            [3, 3, 3, 1]
        );
        let whole = from_record_file(&text, &spelled_once(&path)).unwrap();
        assert_eq!(batches.concat(), whole);
        std::fs::remove_file(path).unwrap();
    }
}
