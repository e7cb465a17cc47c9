//! The contract as a tool: checking captured traffic in both directions.
//!
//! `capture` reads a record file or a HAR into [`Observed`] exchanges; this module judges
//! each one that hit a documented Gately route: the request against the request contract,
//! the response against the response contract, in the strength D25 gives it (the mock's
//! own contract for traffic this mock answered, the documented one for the rest); `report`
//! renders the verdicts as text, JSON or JUnit XML.

pub mod capture;
pub mod report;

use hyper::Method;
use serde_json::Value;
use uuid::Uuid;

use crate::http::router::{self, Route};
use crate::http::{ApiError, query};
use crate::schema::{Findings, Schema, SchemaRegistry, Strictness, Violation};
use capture::Observed;
use report::{CheckedExchange, ContractReport, Finding, Outcome, Side};

/// The advice recorded when `unsubscribed` changes through PATCH (D8).
pub const UNSUBSCRIBED_ADVICE: &str = "unsubscribed was changed through PATCH, which keeps no audit record; the docs advise POST or DELETE /api/v1/contacts/{contactId}/unsubscribes";

/// Where a captured path lands among the documented routes.
enum Landing<'a> {
    /// A route the mock serves (the same router decides, so `check` and the server agree).
    Served(Route<'a>),
    /// A documented route with no contract in the mock yet (lists, segments, …).
    Unchecked,
    /// Under `/api/v1/contacts` but no documented route.
    Undocumented,
}

/// `None` for paths outside the contacts API (assets, other APIs): `check` skips them.
fn land(path: &str) -> Option<Landing<'_>> {
    let rest = path.strip_prefix(router::CONTACTS)?;
    if !(rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    let path = if rest == "/" { router::CONTACTS } else { path };
    Some(match router::route(path) {
        Some(route) => Landing::Served(route),
        None => {
            let first = rest
                .trim_start_matches('/')
                .split('/')
                .next()
                .unwrap_or_default();
            if router::STATIC_WORDS.contains(&first) {
                Landing::Unchecked
            } else {
                Landing::Undocumented
            }
        }
    })
}

/// A documented operation the mock has a contract for.
#[derive(Clone, Copy)]
enum Operation<'a> {
    List,
    Create,
    Get { id: &'a str },
    Patch { id: &'a str },
    Delete { id: &'a str },
    Unsubscribe { id: &'a str },
    ListUnsubscribes { id: &'a str },
    Resubscribe { id: &'a str },
    GetCustomFields { id: &'a str },
    MergeCustomFields { id: &'a str },
    BulkImport,
    ListTags,
    CreateTag,
    UpdateTag { id: &'a str },
    DeleteTag { id: &'a str },
    AttachTag,
    DetachTag,
}

impl<'a> Operation<'a> {
    /// The operation `method` performs on `route`, if the contract documents it.
    fn of(route: Route<'a>, method: &str) -> Option<Self> {
        Some(match (route, method) {
            (Route::Contacts, "GET") => Operation::List,
            (Route::Contacts, "POST") => Operation::Create,
            (Route::Contact { id }, "GET") => Operation::Get { id },
            (Route::Contact { id }, "PATCH") => Operation::Patch { id },
            (Route::Contact { id }, "DELETE") => Operation::Delete { id },
            (Route::BulkImport, "POST") => Operation::BulkImport,
            (Route::Tags, "GET") => Operation::ListTags,
            (Route::Tags, "POST") => Operation::CreateTag,
            (Route::Tag { id }, "PUT") => Operation::UpdateTag { id },
            (Route::Tag { id }, "DELETE") => Operation::DeleteTag { id },
            (Route::ContactTags, "POST") => Operation::AttachTag,
            (Route::ContactTags, "DELETE") => Operation::DetachTag,
            (Route::Unsubscribes { id }, "POST") => Operation::Unsubscribe { id },
            (Route::Unsubscribes { id }, "GET") => Operation::ListUnsubscribes { id },
            (Route::Unsubscribes { id }, "DELETE") => Operation::Resubscribe { id },
            (Route::CustomFields { id }, "GET") => Operation::GetCustomFields { id },
            (Route::CustomFields { id }, "PATCH") => Operation::MergeCustomFields { id },
            _ => return None,
        })
    }

    /// The path id the operation names (`contactId`, `tagId`), if any.
    fn path_id(self) -> Option<(&'static str, &'a str)> {
        match self {
            Operation::List
            | Operation::Create
            | Operation::BulkImport
            | Operation::ListTags
            | Operation::CreateTag
            | Operation::AttachTag
            | Operation::DetachTag => None,
            Operation::UpdateTag { id } | Operation::DeleteTag { id } => Some(("tagId", id)),
            Operation::Get { id }
            | Operation::Patch { id }
            | Operation::Delete { id }
            | Operation::Unsubscribe { id }
            | Operation::ListUnsubscribes { id }
            | Operation::Resubscribe { id }
            | Operation::GetCustomFields { id }
            | Operation::MergeCustomFields { id } => Some(("contactId", id)),
        }
    }
}

/// Checks every exchange of `captured`. `strictness` applies to request bodies and query
/// parameters, as in the server.
pub fn check(
    captured: &[Observed],
    schemas: &SchemaRegistry,
    strictness: Strictness,
) -> ContractReport {
    let mut report = ContractReport::default();
    for observed in captured {
        let Some(landing) = land(&observed.path) else {
            report.skipped += 1;
            continue;
        };
        let mut checked = CheckedExchange::new(observed);
        let method = observed.method.as_str();
        checked.route = match &landing {
            Landing::Served(route) => format!("{method} {}", route.template()),
            Landing::Unchecked => format!("{method} /api/v1/contacts/{{documented sub-resource}}"),
            Landing::Undocumented => format!("{method} {}", observed.path),
        };
        match landing {
            Landing::Served(route) => match Operation::of(route, method) {
                Some(operation) => {
                    check_request(operation, observed, schemas, strictness, &mut checked);
                    check_response(operation, route, observed, schemas, &mut checked);
                }
                None => checked.violation(
                    Side::Request,
                    "",
                    format!("{method} is not a documented method of this route"),
                    "route",
                ),
            },
            Landing::Unchecked => checked.outcome = Outcome::Unchecked,
            Landing::Undocumented => checked.violation(
                Side::Request,
                "",
                "no documented Gately route has this path",
                "route",
            ),
        }
        checked.settle();
        report.exchanges.push(checked);
    }
    report
}

fn check_request(
    operation: Operation<'_>,
    observed: &Observed,
    schemas: &SchemaRegistry,
    strictness: Strictness,
    checked: &mut CheckedExchange,
) {
    match observed.request_headers.get("authorization") {
        None => checked.violation(
            Side::Request,
            "/headers/authorization",
            "no Authorization header: every contacts route needs `Bearer <API key>`",
            "required",
        ),
        Some(value)
            if !value
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("bearer ") =>
        {
            checked.violation(
                Side::Request,
                "/headers/authorization",
                "the Authorization header is not `Bearer <API key>`",
                "format",
            );
        }
        Some(_) => {}
    }
    if let Some((name, id)) = operation
        .path_id()
        .filter(|(_, id)| Uuid::try_parse(id).is_err())
    {
        checked.violation(
            Side::Request,
            &format!("/path/{name}"),
            format!("{name} {id:?} is not a UUID"),
            "format",
        );
    }
    match operation {
        Operation::List => add_query_findings(
            checked,
            query::contact_query(observed.query.as_deref(), strictness)
                .map(|(_, warnings)| warnings),
        ),
        Operation::Patch { .. } => {
            check_body(observed, &schemas.contact_patch, strictness, checked)
        }
        Operation::Create => check_body(observed, &schemas.contact_create, strictness, checked),
        Operation::CreateTag => check_body(observed, &schemas.tag_create, strictness, checked),
        Operation::BulkImport => {
            check_body(observed, &schemas.bulk_import, strictness, checked);
            let rows = observed
                .request_body
                .get("contacts")
                .and_then(Value::as_array);
            for (index, row) in rows.into_iter().flatten().enumerate() {
                let mut findings = schemas.contact_create.check(row, strictness);
                for violation in findings
                    .violations
                    .iter_mut()
                    .chain(findings.warnings.iter_mut())
                {
                    violation.pointer = format!("/contacts/{index}{}", violation.pointer);
                }
                checked.add(Side::Request, findings);
            }
        }
        Operation::UpdateTag { .. } => {
            check_body(observed, &schemas.tag_update, strictness, checked)
        }
        Operation::AttachTag => check_body(observed, &schemas.contact_tag, strictness, checked),
        Operation::DetachTag => add_query_findings(
            checked,
            query::contact_tag_query(observed.query.as_deref(), strictness)
                .map(|(_, _, warnings)| warnings),
        ),
        Operation::MergeCustomFields { .. } => {
            check_body(observed, &schemas.custom_fields, strictness, checked)
        }
        Operation::Unsubscribe { .. } if !observed.request_body.is_null() => {
            check_body(observed, &schemas.unsubscribe, strictness, checked);
        }
        _ => {}
    }
}

/// Adds what the server's query check found: its warnings, or what it refused the query
/// for.
fn add_query_findings(checked: &mut CheckedExchange, found: Result<Vec<Violation>, ApiError>) {
    let findings = match found {
        Ok(warnings) => Findings {
            violations: Vec::new(),
            warnings,
        },
        Err(ApiError::BadQuery { violations }) => Findings {
            violations,
            warnings: Vec::new(),
        },
        Err(err @ ApiError::UnsupportedFilter { parameter }) => Findings {
            violations: vec![Violation::new(
                crate::schema::child_pointer("/query", parameter),
                err.to_string(),
                "unsupported",
            )],
            warnings: Vec::new(),
        },
        Err(err) => Findings {
            violations: vec![Violation::new("", err.to_string(), "query")],
            warnings: Vec::new(),
        },
    };
    checked.add(Side::Request, findings);
}

fn check_response(
    operation: Operation<'_>,
    route: Route<'_>,
    observed: &Observed,
    schemas: &SchemaRegistry,
    checked: &mut CheckedExchange,
) {
    let status = observed.status;
    let method = Method::from_bytes(observed.method.as_bytes()).unwrap_or(Method::GET);
    if observed.from_mock {
        if !route.documented_statuses(&method).contains(&status) {
            checked.violation(
                Side::Response,
                "",
                format!("{status} is not a status this route answers"),
                "status",
            );
        }
    } else {
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
        (false, false, _) => Findings::default(), // the docs give no error format
        (true, true, Operation::List) => strict(&schemas.contact_list, body),
        (
            true,
            true,
            Operation::Delete { .. }
            | Operation::Resubscribe { .. }
            | Operation::DeleteTag { .. }
            | Operation::DetachTag,
        ) => strict(&schemas.message, body),
        (true, true, Operation::Unsubscribe { .. }) => strict(&schemas.unsubscribe_record, body),
        (true, true, Operation::ListUnsubscribes { .. }) => strict(&schemas.unsubscribe_list, body),
        (true, true, Operation::GetCustomFields { .. } | Operation::MergeCustomFields { .. }) => {
            strict(&schemas.custom_fields, body)
        }
        (true, true, Operation::ListTags) => strict(&schemas.tag_list, body),
        (true, true, Operation::CreateTag | Operation::UpdateTag { .. }) => {
            strict(&schemas.tag, body)
        }
        (true, true, Operation::BulkImport) => strict(&schemas.bulk_import_result, body),
        (false, true, Operation::BulkImport) => schemas
            .bulk_import_result
            .check(body, Strictness::Documented),
        (true, true, _) => strict(&schemas.contact, body),
        (
            false,
            true,
            Operation::Delete { .. } | Operation::Resubscribe { .. } | Operation::DeleteTag { .. },
        ) => schemas.message.check(body, Strictness::Documented),
        (false, true, Operation::ListTags) => schemas.tag_list.check(body, Strictness::Documented),
        (false, true, Operation::CreateTag | Operation::UpdateTag { .. }) => {
            schemas.tag.check(body, Strictness::Documented)
        }
        (false, true, Operation::Unsubscribe { .. }) => schemas
            .unsubscribe_record
            .check(body, Strictness::Documented),
        (false, true, Operation::ListUnsubscribes { .. }) => {
            schemas.unsubscribe_list.check(body, Strictness::Documented)
        }
        // The custom-fields path is the mock's own (D18), and the docs show no answer of
        // the contact-tags routes: they promise nothing of these.
        (
            false,
            true,
            Operation::GetCustomFields { .. }
            | Operation::MergeCustomFields { .. }
            | Operation::AttachTag
            | Operation::DetachTag,
        ) => Findings::default(),
        (false, true, Operation::List) => documented_page(body, schemas),
        (false, true, _) => schemas
            .contact_documented
            .check(body, Strictness::Documented),
    };
    checked.add(Side::Response, findings);
}

fn strict(schema: &Schema, body: &Value) -> Findings {
    Findings {
        violations: schema.violations(body),
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
    for (index, contact) in body
        .get("contacts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let one = schemas
            .contact_documented
            .check(contact, Strictness::Documented);
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

fn check_body(
    observed: &Observed,
    schema: &Schema,
    strictness: Strictness,
    checked: &mut CheckedExchange,
) {
    let is_json = observed
        .request_headers
        .get("content-type")
        .and_then(|value| value.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        checked.violation(
            Side::Request,
            "/headers/content-type",
            "the body must be sent as `Content-Type: application/json`",
            "mediaType",
        );
    }
    match &observed.request_body {
        Value::Null => checked.violation(
            Side::Request,
            "",
            "the body is empty: send a JSON object",
            "required",
        ),
        Value::String(text) if serde_json::from_str::<Value>(text).is_err() => {
            checked.violation(Side::Request, "", "the body is not valid JSON", "json");
        }
        body => {
            checked.add(Side::Request, schema.check(body, strictness));
            if body.get("unsubscribed").is_some() {
                checked.warning(
                    Side::Request,
                    "/unsubscribed",
                    UNSUBSCRIBED_ADVICE,
                    "unsubscribed",
                );
            }
        }
    }
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
            origin: "test".to_owned(),
            method: method.to_owned(),
            path: path.to_owned(),
            request_headers: headers,
            query: None,
            request_body: body,
            status,
            response_body: Some(response),
            from_mock,
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

    #[test]
    fn routes_land_where_the_docs_put_them() {
        let served = |path| match land(path) {
            Some(Landing::Served(route)) => Some(route),
            _ => None,
        };
        assert_eq!(served("/api/v1/contacts/tags"), Some(Route::Tags));
        assert_eq!(served("/api/v1/contacts/"), Some(Route::Contacts));
        assert_eq!(
            served("/api/v1/contacts/abc"),
            Some(Route::Contact { id: "abc" })
        );
        assert_eq!(
            served("/api/v1/contacts/abc/unsubscribes"),
            Some(Route::Unsubscribes { id: "abc" })
        );
        assert_eq!(
            served("/api/v1/contacts/contact-tags"),
            Some(Route::ContactTags)
        );
        assert!(matches!(
            land("/api/v1/contacts/lists"),
            Some(Landing::Unchecked)
        ));
        assert!(matches!(
            land("/api/v1/contacts/a/b/c"),
            Some(Landing::Undocumented)
        ));
        assert!(land("/static/app.js").is_none());
        assert!(land("/api/v1/contactsx").is_none());
    }
}
