//! The query parameters of `GET /api/v1/contacts` (D19), of a page of list members (D28),
//! and of the deletes that name their ids in the query, checked all at once: every
//! violation is reported, each with its `/query/<name>` pointer.

use uuid::Uuid;

use crate::api::error::ApiError;
use crate::schema::{Findings, Strictness, Violation, child_pointer};
use crate::store::ContactQuery;
use crate::store::contact::Status;
use crate::suggest;

/// The parameters of `GET /api/v1/contacts` (D19), in the order the docs list them.
const CONTACT_PARAMETERS: [&str; 6] = ["page", "limit", "search", "status", "tags", "segment_id"];
/// The parameters of a page of list members (D28).
const PAGE_PARAMETERS: [&str; 2] = ["page", "limit"];

/// The query `raw` asks for, and the warnings of lenient mode (unknown parameters).
pub(crate) fn contact_query(
    raw: Option<&str>,
    strictness: Strictness,
) -> Result<(ContactQuery, Vec<Violation>), ApiError> {
    let mut query = ContactQuery::default();
    let mut page = Page {
        page: query.page,
        limit: query.limit,
    };
    let mut violations = Vec::new();
    let mut warnings = Vec::new();
    for (name, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        let pointer = child_pointer("/query", &name);
        match name.as_ref() {
            "page" | "limit" => page.read(&name, &value, &mut violations),
            "search" => query.search = Some(value.to_lowercase()),
            "status" => match Status::from_name(&value) {
                Some(status) => query.status = Some(status),
                None => violations.push(Violation::new(pointer, not_a_status(&value), "enum")),
            },
            "tags" => {
                query.tags = value
                    .split(',')
                    .map(str::trim)
                    .filter(|tag| !tag.is_empty())
                    .map(str::to_owned)
                    .collect();
            }
            "segment_id" => match Uuid::try_parse(&value) {
                Ok(id) => query.segment = Some(id),
                Err(_) => violations.push(Violation::new(
                    pointer,
                    format!("segment_id must be a UUID, got {value:?}"),
                    "format",
                )),
            },
            _ => unknown(
                &name,
                &CONTACT_PARAMETERS,
                "the list takes page, limit, search, status, tags and segment_id",
                strictness,
                (&mut violations, &mut warnings),
            ),
        }
    }
    if !violations.is_empty() {
        return Err(ApiError::BadQuery { violations });
    }
    (query.page, query.limit) = (page.page, page.limit);
    Ok((query, warnings))
}

/// A page of a bare array (D28's members): `page` from 1, `limit` from 1 to 200.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Page {
    /// The page, from 1.
    pub(crate) page: usize,
    /// Items per page.
    pub(crate) limit: usize,
}

impl Page {
    /// Reads parameter `name` (`page` or `limit`) into the page, or says what is wrong.
    fn read(&mut self, name: &str, value: &str, violations: &mut Vec<Violation>) {
        let pointer = child_pointer("/query", name);
        match (name, value.parse::<usize>()) {
            ("page", Ok(page)) if page >= 1 => self.page = page,
            ("page", _) => violations.push(Violation::new(
                pointer,
                format!("page must be a whole number from 1, got {value:?}"),
                "minimum",
            )),
            (_, Ok(limit)) if (1..=200).contains(&limit) => self.limit = limit,
            _ => violations.push(Violation::new(
                pointer,
                format!("limit must be a whole number from 1 to 200, got {value:?}"),
                "maximum",
            )),
        }
    }
}

/// The page `GET …/lists/{listId}/members?page&limit` asks for (D28: 100 by default), and
/// the warnings of lenient mode (unknown parameters).
pub(crate) fn page_query(
    raw: Option<&str>,
    strictness: Strictness,
) -> Result<(Page, Vec<Violation>), ApiError> {
    let mut page = Page {
        page: 1,
        limit: 100,
    };
    let mut violations = Vec::new();
    let mut warnings = Vec::new();
    for (name, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match name.as_ref() {
            "page" | "limit" => page.read(&name, &value, &mut violations),
            _ => unknown(
                &name,
                &PAGE_PARAMETERS,
                "this route takes page and limit",
                strictness,
                (&mut violations, &mut warnings),
            ),
        }
    }
    if violations.is_empty() {
        Ok((page, warnings))
    } else {
        Err(ApiError::BadQuery { violations })
    }
}

/// The ids a query of UUID parameters names (`DELETE …/contact-tags?contact_id=…&tag_id=…`,
/// `DELETE …/members?contact_id=…`), each required, in the order of `names` (each a name
/// and what it is), and the warnings of lenient mode (unknown parameters).
pub(crate) fn ids_query<const N: usize>(
    raw: Option<&str>,
    names: [(&str, &str); N],
    strictness: Strictness,
) -> Result<([Uuid; N], Vec<Violation>), ApiError> {
    let mut ids = [None; N];
    let mut violations = Vec::new();
    let mut warnings = Vec::new();
    let takes: Vec<&str> = names.iter().map(|(name, _)| *name).collect();
    for (name, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        let Some(slot) = names.iter().position(|(known, _)| *known == name) else {
            unknown(
                &name,
                &takes,
                &format!("this route takes {}", takes.join(" and ")),
                strictness,
                (&mut violations, &mut warnings),
            );
            continue;
        };
        match Uuid::try_parse(&value) {
            Ok(id) => ids[slot] = Some(id),
            Err(_) => violations.push(Violation::new(
                child_pointer("/query", &name),
                format!("{name} must be a UUID, got {value:?}"),
                "format",
            )),
        }
    }
    for ((name, what), slot) in names.iter().zip(&ids) {
        let named = violations
            .iter()
            .any(|violation| violation.pointer == child_pointer("/query", name));
        if slot.is_none() && !named {
            violations.push(Violation::new(
                child_pointer("/query", name),
                format!("{name} is required: {what}"),
                "required",
            ));
        }
    }
    match ids.iter().copied().collect::<Option<Vec<Uuid>>>() {
        Some(found) if violations.is_empty() => {
            Ok((found.try_into().expect("one id per name"), warnings))
        }
        _ => Err(ApiError::BadQuery { violations }),
    }
}

/// The query of an operation that reads none: every parameter is unknown, refused in
/// strict mode, a warning in lenient mode.
pub(crate) fn none(
    raw: Option<&str>,
    strictness: Strictness,
    findings: &mut Findings,
) -> Result<(), ApiError> {
    let Some(raw) = raw.filter(|raw| !raw.is_empty()) else {
        return Ok(());
    };
    let mut violations = Vec::new();
    for (name, _) in form_urlencoded::parse(raw.as_bytes()) {
        unknown(
            &name,
            &[],
            "this route takes no query parameters",
            strictness,
            (&mut violations, &mut findings.warnings),
        );
    }
    if violations.is_empty() {
        Ok(())
    } else {
        Err(ApiError::BadQuery { violations })
    }
}

/// What is wrong with `status=value`, with the status likely meant, as the schema's enum
/// messages say it (`"actve" is not one of …: did you mean "active"?`).
fn not_a_status(value: &str) -> String {
    let names = Status::ALL.map(Status::name);
    let message = format!("{value:?} is not one of {}", names.join(", "));
    match suggest::closest(value, names) {
        Some(meant) => format!("{message}: did you mean {meant:?}?"),
        None => message,
    }
}

/// An unknown parameter `name` of a route that takes `known` (`expected` says so in
/// words): a violation in strict mode, a warning otherwise. A name close to a known one
/// (`tag`, `stauts`) is told the one likely meant, as unknown body fields are.
fn unknown(
    name: &str,
    known: &[&str],
    expected: &str,
    strictness: Strictness,
    (violations, warnings): (&mut Vec<Violation>, &mut Vec<Violation>),
) {
    let message = match suggest::closest(name, known.iter().copied()) {
        Some(meant) => {
            format!("unknown query parameter {name:?} (did you mean {meant:?}?); {expected}")
        }
        None => format!("unknown query parameter {name:?}; {expected}"),
    };
    let unknown = Violation::new(
        child_pointer("/query", name),
        message,
        "additionalProperties",
    );
    match strictness {
        Strictness::Strict => violations.push(unknown),
        _ => warnings.push(unknown),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the contact list refuses in query `raw`.
    fn refused(raw: &str) -> Vec<Violation> {
        match contact_query(Some(raw), Strictness::Strict) {
            Err(ApiError::BadQuery { violations }) => violations,
            other => panic!("expected a bad query, got {other:?}"),
        }
    }

    fn pointers(raw: &str) -> Vec<String> {
        refused(raw).into_iter().map(|v| v.pointer).collect()
    }

    #[test]
    fn defaults_are_page_1_of_50() {
        let (query, warnings) = contact_query(None, Strictness::Strict).unwrap();
        assert_eq!((query.page, query.limit), (1, 50));
        assert!(warnings.is_empty());
    }

    #[test]
    fn every_bad_parameter_is_named() {
        assert_eq!(
            pointers("page=0&limit=201&status=gone&colour=red"),
            [
                "/query/page",
                "/query/limit",
                "/query/status",
                "/query/colour"
            ]
        );
    }

    #[test]
    fn a_near_miss_is_told_the_name_or_status_likely_meant() {
        let messages: Vec<(String, String)> = refused("status=actve&tag=vip&colour=red")
            .into_iter()
            .map(|v| (v.pointer, v.message))
            .collect();
        assert_eq!(
            messages,
            [
                (
                    "/query/status".to_owned(),
                    "\"actve\" is not one of new, active, inactive, archived: did you mean \"active\"?".to_owned()
                ),
                (
                    "/query/tag".to_owned(),
                    "unknown query parameter \"tag\" (did you mean \"tags\"?); the list takes page, limit, search, status, tags and segment_id".to_owned()
                ),
                (
                    "/query/colour".to_owned(),
                    "unknown query parameter \"colour\"; the list takes page, limit, search, status, tags and segment_id".to_owned()
                ),
            ]
        );
        match page_query(Some("limt=5"), Strictness::Strict) {
            Err(ApiError::BadQuery { violations }) => assert_eq!(
                violations[0].message,
                "unknown query parameter \"limt\" (did you mean \"limit\"?); this route takes page and limit"
            ),
            other => panic!("expected a bad query, got {other:?}"),
        }
    }

    #[test]
    fn tags_are_comma_separated_names() {
        let (query, _) = contact_query(
            Some("tags=VIP,%20Newsletter,&search=ACME"),
            Strictness::Strict,
        )
        .unwrap();
        assert_eq!(query.tags, ["VIP", "Newsletter"]);
        assert_eq!(query.search.as_deref(), Some("acme"));
    }

    #[test]
    fn a_contact_tag_query_names_both_ids_or_each_fault() {
        let jane = "a1b2c3d4-e5f6-4789-abcd-ef1234567890";
        let vip = "5d9e5080-6a91-462b-8a91-e13bb106a302";
        let ([contact, tag], warnings) = contact_tag_query(
            Some(&format!("contact_id={jane}&tag_id={vip}")),
            Strictness::Strict,
        )
        .unwrap();
        assert_eq!(
            (contact.to_string(), tag.to_string()),
            (jane.into(), vip.into())
        );
        assert!(warnings.is_empty());

        let faults = |raw: &str| match contact_tag_query(Some(raw), Strictness::Strict) {
            Err(ApiError::BadQuery { violations }) => violations
                .into_iter()
                .map(|v| (v.pointer, v.keyword))
                .collect::<Vec<_>>(),
            other => panic!("expected a bad query, got {other:?}"),
        };
        let pair = |pointer: &str, keyword: &str| (pointer.to_owned(), keyword.to_owned());
        assert_eq!(
            faults("contact_id=abc&colour=red"),
            [
                pair("/query/contact_id", "format"),
                pair("/query/colour", "additionalProperties"),
                pair("/query/tag_id", "required"),
            ]
        );
        let (_, warnings) = contact_tag_query(
            Some(&format!("contact_id={jane}&tag_id={vip}&colour=red")),
            Strictness::Lenient,
        )
        .unwrap();
        assert_eq!(warnings[0].pointer, "/query/colour");
    }

    /// `DELETE /api/v1/contacts/contact-tags`'s query.
    fn contact_tag_query(
        raw: Option<&str>,
        strictness: Strictness,
    ) -> Result<([Uuid; 2], Vec<Violation>), ApiError> {
        ids_query(
            raw,
            [("contact_id", "the contact"), ("tag_id", "the tag")],
            strictness,
        )
    }

    #[test]
    fn segment_id_is_a_uuid() {
        assert_eq!(pointers("segment_id=x"), ["/query/segment_id"]);
        let segment = "c0ffee00-0000-4000-8000-000000000001";
        let (query, _) =
            contact_query(Some(&format!("segment_id={segment}")), Strictness::Strict).unwrap();
        assert_eq!(
            query.segment.map(|id| id.to_string()).as_deref(),
            Some(segment)
        );
    }

    #[test]
    fn a_page_of_members_is_100_by_default_and_at_most_200() {
        let (page, _) = page_query(None, Strictness::Strict).unwrap();
        assert_eq!((page.page, page.limit), (1, 100));
        let Err(ApiError::BadQuery { violations }) =
            page_query(Some("limit=201&page=0"), Strictness::Strict)
        else {
            panic!("limit 201 is refused")
        };
        let pointers: Vec<&str> = violations.iter().map(|v| v.pointer.as_str()).collect();
        assert_eq!(pointers, ["/query/limit", "/query/page"]);
    }
}
