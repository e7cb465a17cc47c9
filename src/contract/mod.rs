//! The contract as a tool: checking captured traffic in both directions.
//!
//! `capture` reads a record file or a HAR into [`Observed`] exchanges; `judge` is the one
//! judge of a request, shared with the server; this module judges each captured exchange
//! that hit the API: the request as the server would, the response against the response
//! contract of the operation, in the strength D25 gives it (the mock's own contract for
//! traffic this mock answered, the documented one for the rest); `report` renders the
//! verdicts as text, JSON or JUnit XML (`xml` makes text safe for the latter, for coverage's
//! JUnit too).

pub(crate) mod capture;
pub(crate) mod client;
pub(crate) mod coverage;
pub(crate) mod drift;
pub(crate) mod judge;
pub(crate) mod pact;
pub(crate) mod report;
mod xml;

use std::collections::HashMap;

use hyper::{Method, StatusCode};
use serde_json::Value;
use uuid::Uuid;

use crate::api::error::{UPSTREAM_TIMEOUT, UPSTREAM_UNREACHABLE};
use crate::api::route::{self, CONTACTS};
use crate::api::{ApiError, Documented, Operation, operation};
use crate::auth::Need;
use crate::schema::{Findings, InPlace, Schema, SchemaId, SchemaRegistry, Strictness, Violation};
use capture::{AnswerBody, Observed};
use client::{ClientWatch, Seen, client_of};
use judge::{BodyView, Judged, RequestView, Witness};
use report::{CheckedExchange, ContractReport, Finding, Side};

/// Checks every exchange of `captured`. `strictness` applies to request bodies and query
/// parameters, as in the server.
pub(crate) fn check(
    captured: &[Observed],
    schemas: &SchemaRegistry,
    strictness: Strictness,
) -> ContractReport {
    let mut checker = Checker::new(schemas, strictness);
    let mut exchanges = Vec::new();
    checker.add(captured, |checked| exchanges.push(checked));
    ContractReport {
        exchanges,
        skipped: checker.skipped(),
        ..ContractReport::default()
    }
}

/// The check of a capture read a batch at a time (`check` of a long record file): each
/// batch's exchanges are judged on every core, then their clients watched in order, so the
/// verdicts come out as [`check`] gives them of the whole capture.
pub(crate) struct Checker<'a> {
    schemas: &'a SchemaRegistry,
    strictness: Strictness,
    /// Exchanges not on Gately routes, so far.
    skipped: usize,
    /// Each workspace's client watch (D30), carried from one batch to the next.
    watches: HashMap<Option<String>, ClientWatch>,
}

impl<'a> Checker<'a> {
    /// A check with no exchange yet.
    pub(crate) fn new(schemas: &'a SchemaRegistry, strictness: Strictness) -> Self {
        Self {
            schemas,
            strictness,
            skipped: 0,
            watches: HashMap::new(),
        }
    }

    /// Checks `batch`, the exchanges that follow those checked so far, and hands each
    /// verdict on Gately routes to `each`, in capture order.
    pub(crate) fn add(&mut self, batch: &[Observed], mut each: impl FnMut(CheckedExchange)) {
        /// Fewer exchanges than this per core are judged on the calling thread.
        const PER_THREAD: usize = 256;
        let (schemas, strictness) = (self.schemas, self.strictness);
        let judged = crate::parallel::chunks(batch, PER_THREAD, |_, part| {
            part.iter()
                .map(|observed| {
                    // Traffic from elsewhere holds assets and other APIs; the mock's holds
                    // only what it recorded, all of it judged.
                    if !observed.from_mock && !route::is_contacts_path(&observed.path) {
                        return None;
                    }
                    let mut checked = CheckedExchange::new(observed);
                    judge_exchange(observed, schemas, strictness, &mut checked);
                    Some(checked)
                })
                .collect::<Vec<_>>()
        });
        for (observed, checked) in batch.iter().zip(judged.into_iter().flatten()) {
            let Some(mut checked) = checked else {
                self.skipped += 1;
                continue;
            };
            let watch = match self.watches.get_mut(&observed.workspace) {
                Some(watch) => watch,
                None => self.watches.entry(observed.workspace.clone()).or_default(),
            };
            watch_client(observed, watch, &mut checked);
            checked.settle();
            each(checked);
        }
    }

    /// How many exchanges checked so far were not on Gately routes.
    pub(crate) fn skipped(&self) -> usize {
        self.skipped
    }
}

/// Judges one exchange in both directions, as `check` does, its client aside: the verdict
/// of an answer the mock forwarded from its upstream (proxy mode, D31), before it is
/// recorded; the server watches the client itself.
pub(crate) fn judge_observed(
    observed: &Observed,
    schemas: &SchemaRegistry,
    strictness: Strictness,
) -> CheckedExchange {
    let mut checked = CheckedExchange::new(observed);
    judge_exchange(observed, schemas, strictness, &mut checked);
    checked.settle();
    checked
}

/// What the exchange tells of how its client copes with failure (D30), after those
/// before it in its workspace: the server's own watch, replayed from the capture's times.
fn watch_client(observed: &Observed, watch: &mut ClientWatch, checked: &mut CheckedExchange) {
    let Some(at_ms) = observed.time_ms else {
        return;
    };
    let header = |name| observed.request_headers.get(name).map(String::as_bytes);
    let client = client_of(header("authorization"), header("x-project-id"));
    let answered = !observed
        .faults
        .iter()
        .any(|kind| kind == "reset" || kind == "hang");
    let seen = Seen {
        key: &client,
        at_ms,
        answered_ms: at_ms.saturating_add(i64::try_from(observed.duration_ms).unwrap_or(i64::MAX)),
        seq: observed.seq,
        creates: observed.method == "POST",
        path: &observed.path,
        body: &observed.request_body,
        status: answered.then_some(observed.status),
        retry_after: observed.retry_after.as_deref().map(str::as_bytes),
    };
    if Seen::may_matter(seen.status, seen.creates) || !watch.is_empty() {
        checked.add(Side::Request, watch.observe(&seen));
    }
}

/// What the server says of `body` as the body of a PATCH of a contact: its violations
/// and warnings, found by the same judge (`gately-mock validate`).
pub(crate) fn judge_patch_body(
    body: &[u8],
    schemas: &SchemaRegistry,
    strictness: Strictness,
) -> Findings {
    let headers = std::collections::BTreeMap::from([
        (
            "authorization".to_owned(),
            "Bearer gately_sk_test_…".to_owned(),
        ),
        ("content-type".to_owned(), "application/json".to_owned()),
    ]);
    let request = RequestView {
        method: &Method::PATCH,
        path: "/api/v1/contacts/00000000-0000-4000-8000-000000000000",
        query: None,
        headers: &headers,
        body: BodyView::Sent(body),
        parsed: None,
    };
    let no_recording = RecordedAnswer { refusal: None };
    match judge::judge(request, schemas, strictness, &no_recording) {
        Ok(Judged::Accepted(accepted)) => accepted.findings,
        Ok(Judged::Preflight(_)) => Findings::default(),
        Err(refusal) => Findings {
            violations: refusal.violations(),
            warnings: Vec::new(),
        },
    }
}

/// Judges one exchange: its request with the server's judge, its response against the
/// operation's response contract.
fn judge_exchange(
    observed: &Observed,
    schemas: &SchemaRegistry,
    strictness: Strictness,
    checked: &mut CheckedExchange,
) {
    let path = match observed.path.as_str() {
        // A trailing slash from elsewhere is the collection; the mock answers it 404.
        "/api/v1/contacts/" if !observed.from_mock => CONTACTS,
        path => path,
    };
    let Ok(method) = Method::from_bytes(observed.method.as_bytes()) else {
        checked.route = format!("{} {path}", observed.method);
        checked.violation(Side::Request, "", "not an HTTP method", "method");
        return;
    };
    let found = route::route(path);
    let operation = found.and_then(|found| operation::find(found.id, &method));
    checked.route = match found {
        Some(found) => format!("{method} {}", found.id.template()),
        None => format!("{method} {path}"),
    };
    let answer = RecordedAnswer::of(observed);
    let request = RequestView {
        method: &method,
        path,
        query: observed.query.as_deref(),
        headers: &observed.request_headers,
        body: answer.body(&observed.request_body),
        parsed: None,
    };
    match judge::judge(request, schemas, strictness, &answer) {
        Ok(Judged::Preflight(_)) => {
            if observed.from_mock && observed.status != StatusCode::NO_CONTENT.as_u16() {
                checked.violation(
                    Side::Response,
                    "",
                    format!("{} is not the 204 of a preflight", observed.status),
                    "status",
                );
            }
        }
        Ok(Judged::Accepted(accepted)) => {
            checked.add(Side::Request, accepted.findings);
            check_response(Some(accepted.operation), observed, schemas, checked);
        }
        Err(refusal) => {
            checked.add(
                Side::Request,
                Findings {
                    violations: refusal.violations(),
                    warnings: Vec::new(),
                },
            );
            check_response(operation, observed, schemas, checked);
        }
    }
}

/// What a recording tells of the two steps the judge cannot replay from the request: the
/// key (which projects it opens) and reading the body. Only the mock's own answers say it:
/// a problem with the code of one of these steps, whose errors are then the verdict's.
struct RecordedAnswer {
    refusal: Option<(StatusCode, String, String, Vec<Violation>)>,
}

/// Problem codes of the key and project step that the judge cannot tell from the request
/// (an `Authorization` that is not `Bearer <key>` for bytes the journal masked, too).
const KEY_CODES: [&str; 6] = [
    "invalid_authorization",
    "invalid_api_key",
    "project_required",
    "unknown_project",
    "project_mismatch",
    "insufficient_permissions",
];
/// Problem codes of reading the body.
const BODY_CODES: [&str; 2] = ["body_too_large", "body_unreadable"];

impl RecordedAnswer {
    fn of(observed: &Observed) -> Self {
        let refusal = observed
            .response_body
            .as_ref()
            // A forced answer (`Prefer: code=413`) says nothing of the request; a success is
            // no refusal.
            .filter(|_| observed.from_mock && !observed.forced && observed.status >= 400)
            .and_then(|answer| {
                let code = answer.text_of("code")?;
                let code = code.as_str();
                if !KEY_CODES.contains(&code) && !BODY_CODES.contains(&code) {
                    return None;
                }
                let body = answer.value();
                let detail = body.get("detail").and_then(Value::as_str).unwrap_or(code);
                let errors = body
                    .get("errors")
                    .and_then(|errors| serde_json::from_value(errors.clone()).ok())
                    .unwrap_or_default();
                let status = StatusCode::from_u16(observed.status).ok()?;
                Some((status, code.to_owned(), detail.to_owned(), errors))
            });
        Self { refusal }
    }

    /// The recorded refusal, if it has one of `codes`.
    fn refused(&self, codes: &[&str]) -> Option<ApiError> {
        let (status, code, detail, errors) = self.refusal.as_ref()?;
        codes.contains(&code.as_str()).then(|| ApiError::Recorded {
            status: *status,
            code: code.clone(),
            detail: detail.clone(),
            errors: errors.clone(),
        })
    }

    /// The body as the judge sees it: `bytes`, unless the mock could not read it.
    fn body<'a>(&self, bytes: &'a [u8]) -> BodyView<'a> {
        match self.refused(&BODY_CODES) {
            Some(refusal) => BodyView::Unread(refusal),
            None => BodyView::Sent(bytes),
        }
    }
}

impl Witness for RecordedAnswer {
    fn project(&self, _: &str, _: Option<&[u8]>, _: Need) -> Result<Uuid, ApiError> {
        match self.refused(&KEY_CODES) {
            Some(refusal) => Err(refusal),
            None => Ok(Uuid::nil()),
        }
    }
}

/// The response against the contract of `operation` (`None`: the request named no
/// operation, so only an error body can be checked).
fn check_response(
    operation: Option<&Operation>,
    observed: &Observed,
    schemas: &SchemaRegistry,
    checked: &mut CheckedExchange,
) {
    let status = observed.status;
    let injected = observed.from_mock && (injected(observed) || upstream_failed(observed));
    if injected && status == 0 {
        // No answer left: nothing to check of it.
        return;
    }
    if observed.from_mock && !injected {
        if let Some(operation) = operation.filter(|op| !op.statuses().contains(&status)) {
            checked.violation(
                Side::Response,
                "",
                format!("{status} is not a status {} answers", operation.name),
                "status",
            );
        }
    } else if !observed.from_mock {
        match status {
            200 | 201 | 400 | 401 | 403 | 404 | 422 => {}
            409 | 413 | 415 | 429 | 500..=599 => checked.warning(
                Side::Response,
                "",
                format!("{status} is not in the docs' status list"),
                "status",
            ),
            _ => checked.violation(
                Side::Response,
                "",
                format!("{status} is not a documented status"),
                "status",
            ),
        }
    }
    let Some(body) = &observed.response_body else {
        checked.warning(
            Side::Response,
            "",
            "the capture holds no response body; it was not checked",
            "body",
        );
        return;
    };
    let success = (200..300).contains(&status);
    let findings = match (observed.from_mock, success, operation) {
        (true, false, _) => strict(&schemas.problem, body),
        // The docs give no error format.
        (false, false, _) => Findings::default(),
        (true, true, Some(operation)) => strict(schemas.get(operation.answer), body),
        (false, true, Some(operation)) => match operation.documented {
            Documented::Schema(id) => schemas.get(id).check(&body.value(), Strictness::Documented),
            Documented::ContactPage => documented_page(&body.value(), schemas),
            Documented::Nothing => Findings::default(),
        },
        (_, true, None) => Findings::default(),
    };
    checked.add(Side::Response, findings);
}

/// Whether a fault the mock recorded explains the exchange's status (D30): a 429 of a rate
/// limit, a 5xx of an error rule, no answer (0) of a reset or hang.
fn injected(observed: &Observed) -> bool {
    observed.faults.iter().any(|kind| match kind.as_str() {
        "rate_limit" => observed.status == 429,
        "error" => (500..=504).contains(&observed.status),
        "reset" | "hang" => observed.status == 0,
        _ => false,
    })
}

/// Whether the mock answered in place of an upstream it could not reach (D31): a 502 or
/// 504 problem the operation does not list, and no fault of the client's.
fn upstream_failed(observed: &Observed) -> bool {
    let expected = match observed.status {
        502 => UPSTREAM_UNREACHABLE,
        504 => UPSTREAM_TIMEOUT,
        _ => return false,
    };
    let code = (observed.response_body.as_ref()).and_then(|body| body.text_of("code"));
    code.as_deref() == Some(expected)
}

/// The violations of `body` against `schema`: read in place, and as a `Value` (whose
/// messages the report gives) only when that finds a fault or cannot read it.
fn strict(schema: &Schema, body: &AnswerBody) -> Findings {
    let valid = InPlace::parse(body.text()).is_ok_and(|read| schema.is_valid_in_place(&read));
    Findings {
        violations: if valid {
            Vec::new()
        } else {
            schema.violations(&body.value())
        },
        warnings: Vec::new(),
    }
}

/// A page of contacts from elsewhere: `contacts` and `pagination` present, each contact
/// held to the documented contract, pointers into the whole body.
fn documented_page(body: &Value, schemas: &SchemaRegistry) -> Findings {
    let mut findings = Findings::default();
    for key in ["contacts", "pagination"] {
        if body.get(key).is_none() {
            findings.violations.push(Violation::new(
                format!("/{key}"),
                format!("required field \"{key}\" is missing"),
                "required",
            ));
        }
    }
    let contact = schemas.get(SchemaId::ContactDocumented);
    for (index, item) in body
        .get("contacts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let one = contact.check(item, Strictness::Documented);
        let at = |mut v: Violation| {
            v.pointer = format!("/contacts/{index}{}", v.pointer);
            v
        };
        findings
            .violations
            .extend(one.violations.into_iter().map(at));
        findings.warnings.extend(one.warnings.into_iter().map(at));
    }
    findings
}

impl CheckedExchange {
    fn violation(&mut self, side: Side, pointer: &str, message: impl Into<String>, keyword: &str) {
        self.violations.push(Finding::new(
            side,
            Violation::new(pointer, message, keyword),
        ));
    }

    fn warning(&mut self, side: Side, pointer: &str, message: impl Into<String>, keyword: &str) {
        self.warnings.push(Finding::new(
            side,
            Violation::new(pointer, message, keyword),
        ));
    }

    fn add(&mut self, side: Side, findings: Findings) {
        self.violations.extend(
            findings
                .violations
                .into_iter()
                .map(|v| Finding::new(side, v)),
        );
        self.warnings
            .extend(findings.warnings.into_iter().map(|v| Finding::new(side, v)));
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use crate::contract::report::Outcome;

    use super::*;

    fn observed(
        method: &str,
        path: &str,
        body: Value,
        status: u16,
        response: Value,
        from_mock: bool,
    ) -> Observed {
        let mut headers = BTreeMap::new();
        headers.insert(
            "authorization".to_owned(),
            "Bearer gately_sk_test_…".to_owned(),
        );
        headers.insert("content-type".to_owned(), "application/json".to_owned());
        Observed {
            request_headers: headers,
            from_mock,
            ..Observed::answered(method, path, body, status, response)
        }
    }

    fn schemas() -> SchemaRegistry {
        SchemaRegistry::compile().unwrap()
    }

    #[test]
    fn the_docs_own_example_passes_the_documented_contract() {
        let seed_response = json!({
            "id": "a1b2c3d4-e5f6-4789-abcd-ef1234567890",
            "name": "Jane Smith",
            "email": "jane@example.com",
            "status": "inactive",
            "notes": "Churned after trial",
            "last_contacted_at": "2025-06-15T14:30:00.000Z",
            "updated_at": "2025-06-15T14:30:00.000Z"
        });
        let exchange = observed(
            "PATCH",
            "/api/v1/contacts/a1b2c3d4-e5f6-4789-abcd-ef1234567890",
            json!({"status": "inactive", "notes": "Churned after trial"}),
            200,
            seed_response,
            false,
        );
        let report = check(&[exchange], &schemas(), Strictness::Strict);
        assert_eq!(
            report.exchanges[0].outcome,
            Outcome::Ok,
            "{:?}",
            report.exchanges[0]
        );
    }

    #[test]
    fn real_traffic_gets_warnings_for_nulls_and_extras_and_violations_for_wrong_types() {
        let response = json!({"id": "x", "phone": null, "loyalty": 3, "status": "gone", "updated_at": "2025-06-15T14:30:00.123456+00:00"});
        let exchange = observed(
            "GET",
            "/api/v1/contacts/a1b2c3d4-e5f6-4789-abcd-ef1234567890",
            Value::Null,
            200,
            response,
            false,
        );
        let checked = &check(&[exchange], &schemas(), Strictness::Strict).exchanges[0];
        let pointers =
            |list: &[Finding]| list.iter().map(|f| f.pointer.clone()).collect::<Vec<_>>();
        assert_eq!(pointers(&checked.violations), ["/status"]);
        assert_eq!(pointers(&checked.warnings), ["/loyalty", "/phone"]);
    }

    #[test]
    fn a_detach_without_its_ids_is_a_request_violation_naming_each() {
        let mut exchange = observed(
            "DELETE",
            "/api/v1/contacts/contact-tags",
            Value::Null,
            200,
            json!({"message": "Tag removed from contact successfully"}),
            false,
        );
        exchange.query = Some("contact_id=jane".to_owned());
        let checked = &check(&[exchange], &schemas(), Strictness::Strict).exchanges[0];
        let pointers: Vec<&str> = checked
            .violations
            .iter()
            .map(|f| f.pointer.as_str())
            .collect();
        assert_eq!(pointers, ["/query/contact_id", "/query/tag_id"]);
    }
}
