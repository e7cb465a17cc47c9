//! The one judge of a request: the steps every request goes through, in the order the
//! server answers them (route → method → key and project → path id → query → body size,
//! type, JSON and depth → schema → the operation's reader → `Prefer`: `code=`, then
//! `fault=` and `latency=`). The server runs it
//! on each live request and acts on what it accepts; `check`, `validate` and
//! [`crate::MockServer`] run it on recorded ones. A request is refused at its first failing
//! step, with that step's error, and the verdict of an exchange is what the steps found:
//! so the journal and `check` agree on every exchange the suite records (the end-to-end
//! tests check it), as far as a recording keeps what the server saw.
//!
//! Two steps depend on more than the request: which projects a key opens (the fixtures'
//! keys), and whether the body could be read in full (the connection). A [`Witness`]
//! answers the first; [`BodyView`] carries the second. For a live request they are the
//! keyring and the body read; for a recorded one, what the mock answered at that step.

use std::borrow::Cow;
use std::cell::Cell;

use hyper::Method;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName};
use serde_json::Value;
use uuid::Uuid;

use crate::api::input::{BodyReader, Input};
use crate::api::operation::{self, Operation};
use crate::api::prefer::{self, Preferences};
use crate::api::route::{self, RouteId};
use crate::api::{ApiError, PREFER, PROJECT_HEADER, Route};
use crate::auth::{self, Keyring, Need};
use crate::schema::{Findings, InPlace, Schema, SchemaRegistry, Strictness, Violation};

/// A request's headers, looked up by name: a live request's `HeaderMap`, or a captured
/// request's map of lower-case names. A header sent more than once is its values joined
/// with `, `, as the journal records it, so that both are judged alike.
pub(crate) trait Headers {
    /// The raw value of header `name`, if sent.
    fn value(&self, name: &HeaderName) -> Option<Cow<'_, [u8]>>;
}

impl Headers for HeaderMap {
    fn value(&self, name: &HeaderName) -> Option<Cow<'_, [u8]>> {
        let mut values = self.get_all(name).iter();
        let first = values.next()?.as_bytes();
        match values.next() {
            None => Some(Cow::Borrowed(first)),
            Some(second) => {
                let mut joined = [first, second.as_bytes()].join(&b", "[..]);
                for more in values {
                    joined.extend_from_slice(b", ");
                    joined.extend_from_slice(more.as_bytes());
                }
                Some(Cow::Owned(joined))
            }
        }
    }
}

impl Headers for std::collections::BTreeMap<String, String> {
    fn value(&self, name: &HeaderName) -> Option<Cow<'_, [u8]>> {
        self.get(name.as_str())
            .map(|value| Cow::Borrowed(value.as_bytes()))
    }
}

/// The body as the judge sees it.
#[derive(Debug)]
pub(crate) enum BodyView<'a> {
    /// Every byte sent (possibly none).
    Sent(&'a [u8]),
    /// Why the body could not be read (too large, a broken connection).
    Unread(ApiError),
}

/// What the judge sees of one request.
pub(crate) struct RequestView<'a> {
    /// The method.
    pub(crate) method: &'a Method,
    /// The path, without the query.
    pub(crate) path: &'a str,
    /// The raw query string, if any.
    pub(crate) query: Option<&'a str>,
    /// The headers.
    pub(crate) headers: &'a dyn Headers,
    /// The body.
    pub(crate) body: BodyView<'a>,
    /// Set when the body parsed as JSON, so that the journal embeds it without parsing it
    /// a second time.
    pub(crate) parsed: Option<&'a Cell<bool>>,
}

/// What the judge cannot see in a request: which project its key opens (D4).
pub(crate) trait Witness {
    /// The project key `token` acts on with `project_header`, if it allows `need`.
    fn project(
        &self,
        token: &str,
        project_header: Option<&[u8]>,
        need: Need,
    ) -> Result<Uuid, ApiError>;
}

impl Witness for Keyring {
    fn project(
        &self,
        token: &str,
        project_header: Option<&[u8]>,
        need: Need,
    ) -> Result<Uuid, ApiError> {
        Ok(self.resolve(token, project_header, need)?)
    }
}

/// A request the contract accepts.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "made once per request and moved once; a box would allocate on every request"
)]
pub(crate) enum Judged {
    /// A CORS preflight (D14) on a route, or on another path under `/api/v1/` (`None`):
    /// the browser then sends the real request and can read its answer, a 404 included.
    Preflight(Option<RouteId>),
    /// An operation, ready for its handler.
    Accepted(Accepted),
}

/// An operation's request, checked and read.
#[derive(Debug)]
pub(crate) struct Accepted {
    /// The operation.
    pub(crate) operation: &'static Operation,
    /// The project it acts on.
    pub(crate) project: Uuid,
    /// The route's path parameter (`contactId`, `tagId`), if it has one.
    pub(crate) id: Option<Uuid>,
    /// The query or body, read.
    pub(crate) input: Input,
    /// What the request broke without being refused (bulk rows), and its warnings.
    pub(crate) findings: Findings,
    /// The faults it asks for (`Prefer: fault=`, `latency=`).
    pub(crate) prefer: Preferences,
}

/// Judges `request`: accepted, with its typed input, or refused at its first failing step.
pub(crate) fn judge(
    request: RequestView<'_>,
    schemas: &SchemaRegistry,
    strictness: Strictness,
    witness: &dyn Witness,
) -> Result<Judged, ApiError> {
    let found = route::route(request.path);
    if request.method == Method::OPTIONS && (found.is_some() || route::is_api_path(request.path)) {
        return Ok(Judged::Preflight(found.map(|found| found.id)));
    }
    let Some(Route { id: route, param }) = found else {
        return Err(ApiError::RouteNotFound {
            method: request.method.clone(),
            path: request.path.to_owned(),
            closest: route::closest(request.path),
        });
    };
    let Some(operation) = operation::find(route, request.method) else {
        return Err(ApiError::MethodNotAllowed {
            method: request.method.clone(),
            allow: route.allow(),
        });
    };
    let headers = request.headers;
    let authorization = headers.value(&AUTHORIZATION);
    let token = auth::bearer(authorization.as_deref())?;
    let need = if operation.writes {
        Need::Write
    } else {
        Need::Read
    };
    let project = witness.project(token, headers.value(&PROJECT_HEADER).as_deref(), need)?;
    let id = match (route.parameter(), param) {
        (Some(parameter), Some(raw)) => {
            Some(Uuid::try_parse(raw).map_err(|_| ApiError::InvalidPathId {
                parameter,
                id: raw.to_owned(),
            })?)
        }
        _ => None,
    };
    let mut findings = Findings::default();
    let mut input = Input::None;
    match &operation.query {
        Some(query) => input = (query.read)(request.query, strictness, &mut findings)?,
        None => crate::api::query::none(request.query, strictness, &mut findings)?,
    }
    if let Some(rule) = &operation.body {
        // An optional body left empty reads as `{}`; what was sent is then no JSON.
        let (text, parsed) = match json_text(request.body, headers, rule.required)? {
            Some(text) => (text, request.parsed),
            None => (&b"{}"[..], None),
        };
        let schema = schemas.get(rule.schema);
        input = match rule.read {
            BodyReader::Value(read) => {
                let body = checked_value(text, schema, strictness, parsed, &mut findings)?;
                read(body, schemas, strictness, &mut findings)?
            }
            BodyReader::InPlace(read) => match valid_in_place(text, schema, parsed)? {
                Some(body) => read(&body, &mut findings)?,
                // Not valid, or a key twice: judged as a `Value`, for the messages.
                None => {
                    let body = checked_value(text, schema, strictness, parsed, &mut findings)?;
                    read(&InPlace::of(&body), &mut findings)?
                }
            },
        };
    }
    let prefer = headers.value(&PREFER);
    if let Some(status) = prefer::forced_status(prefer.as_deref(), operation.statuses())? {
        return Err(ApiError::Forced { status });
    }
    let prefer = prefer::preferences(prefer.as_deref())?;
    Ok(Judged::Accepted(Accepted {
        operation,
        project,
        id,
        input,
        findings,
        prefer,
    }))
}

/// Each key repeated at `pointers`: a violation, or a warning when lenient.
fn add_repeated_keys(pointers: Vec<String>, strictness: Strictness, checked: &mut Findings) {
    for pointer in pointers {
        let token = pointer.rsplit('/').next().unwrap_or_default();
        let key = token.replace("~1", "/").replace("~0", "~");
        let repeat = Violation::new(
            pointer,
            format!(
                "the key {key:?} appears more than once in this object; JSON leaves open which one counts (the mock takes the last)"
            ),
            "duplicateKey",
        );
        match strictness {
            Strictness::Strict => checked.violations.push(repeat),
            _ => checked.warnings.push(repeat),
        }
    }
}

/// The body's text, to be read as JSON: present and declared as `application/json`;
/// `None` for an empty body where it is optional.
fn json_text<'a>(
    body: BodyView<'a>,
    headers: &dyn Headers,
    required: bool,
) -> Result<Option<&'a [u8]>, ApiError> {
    let bytes = match body {
        BodyView::Sent(bytes) => bytes,
        BodyView::Unread(refusal) => return Err(refusal),
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return if required {
            Err(ApiError::EmptyBody)
        } else {
            Ok(None)
        };
    }
    let content_type = headers.value(&CONTENT_TYPE);
    if !content_type.as_deref().is_some_and(is_json) {
        return Err(ApiError::UnsupportedMediaType {
            found: content_type.map(|raw| String::from_utf8_lossy(&raw).into_owned()),
        });
    }
    Ok(Some(bytes))
}

/// `text` as a `Value` that `schema` accepts: well-formed, not too deep, each key once
/// (else a violation, or a warning when lenient); what the schema finds without refusing
/// it goes into `findings`.
fn checked_value(
    text: &[u8],
    schema: &Schema,
    strictness: Strictness,
    parsed: Option<&Cell<bool>>,
    findings: &mut Findings,
) -> Result<Value, ApiError> {
    let body: Value =
        serde_json::from_slice(text).map_err(|source| ApiError::MalformedJson { source })?;
    not_too_deep(text, parsed)?;
    let repeated = crate::json::duplicate_keys(text, &body);
    let mut checked = schema.check(&body, strictness);
    add_repeated_keys(repeated, strictness, &mut checked);
    if !checked.violations.is_empty() {
        checked.violations.sort_by(|a, b| a.pointer.cmp(&b.pointer));
        return Err(ApiError::Validation {
            violations: checked.violations,
        });
    }
    checked.warnings.sort_by(|a, b| a.pointer.cmp(&b.pointer));
    findings.warnings.extend(checked.warnings);
    Ok(body)
}

/// `text` read in place, if it is well-formed, has each key once and `schema` accepts it
/// as it is: then there is nothing to report. `None` for any other text, which
/// [`checked_value`] judges.
fn valid_in_place<'a>(
    text: &'a [u8],
    schema: &Schema,
    parsed: Option<&Cell<bool>>,
) -> Result<Option<InPlace<'a>>, ApiError> {
    let Some(body) = std::str::from_utf8(text)
        .ok()
        .and_then(|text| InPlace::parse(text).ok())
    else {
        return Ok(None);
    };
    not_too_deep(text, parsed)?;
    Ok(schema.is_valid_in_place(&body).then_some(body))
}

/// Refuses JSON `text` nested deeper than the mock reads; marks it as parsed otherwise, so
/// that the journal embeds it as it is.
fn not_too_deep(text: &[u8], parsed: Option<&Cell<bool>>) -> Result<(), ApiError> {
    if crate::json::nests_deeper_than(text, crate::json::MAX_DEPTH) {
        return Err(ApiError::TooDeep {
            limit: crate::json::MAX_DEPTH,
        });
    }
    if let Some(parsed) = parsed {
        parsed.set(true);
    }
    Ok(())
}

/// `application/json`, with any parameters (`; charset=utf-8`), in any case.
fn is_json(content_type: &[u8]) -> bool {
    let essence = content_type
        .split(|byte| *byte == b';')
        .next()
        .unwrap_or_default();
    essence
        .trim_ascii()
        .eq_ignore_ascii_case(b"application/json")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types_are_recognised_with_parameters_and_in_any_case() {
        assert!(is_json(b"application/json"));
        assert!(is_json(b"Application/JSON; charset=utf-8"));
        assert!(!is_json(b"text/plain;charset=UTF-8"));
        assert!(!is_json(b"application/jsonx"));
    }
}
