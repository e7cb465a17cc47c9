//! The query parameters of `GET /api/v1/contacts` (D19) and of `DELETE
//! /api/v1/contacts/contact-tags`, checked all at once: every violation is reported, each
//! with its `/query/<name>` pointer.

use uuid::Uuid;

use crate::api::error::ApiError;
use crate::schema::{Findings, Strictness, Violation, child_pointer};
use crate::store::ContactQuery;
use crate::store::contact::Status;

/// The query `raw` asks for, and the warnings of lenient mode (unknown parameters).
pub(crate) fn contact_query(
    raw: Option<&str>,
    strictness: Strictness,
) -> Result<(ContactQuery, Vec<Violation>), ApiError> {
    let mut query = ContactQuery::default();
    let mut violations = Vec::new();
    let mut warnings = Vec::new();
    let mut segment = false;
    for (name, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        let pointer = child_pointer("/query", &name);
        match name.as_ref() {
            "page" => match value.parse::<usize>() {
                Ok(page) if page >= 1 => query.page = page,
                _ => violations.push(Violation::new(
                    pointer,
                    format!("page must be a whole number from 1, got {value:?}"),
                    "minimum",
                )),
            },
            "limit" => match value.parse::<usize>() {
                Ok(limit) if (1..=200).contains(&limit) => query.limit = limit,
                _ => violations.push(Violation::new(
                    pointer,
                    format!("limit must be a whole number from 1 to 200, got {value:?}"),
                    "maximum",
                )),
            },
            "search" => query.search = Some(value.to_lowercase()),
            "status" => match Status::from_name(&value) {
                Some(status) => query.status = Some(status),
                None => violations.push(Violation::new(
                    pointer,
                    format!("{value:?} is not one of new, active, inactive, archived"),
                    "enum",
                )),
            },
            "tags" => {
                query.tags = value
                    .split(',')
                    .map(str::trim)
                    .filter(|tag| !tag.is_empty())
                    .map(str::to_owned)
                    .collect();
            }
            "segment_id" => segment = true,
            _ => unknown(
                &name,
                "the list takes page, limit, search, status, tags and segment_id",
                strictness,
                (&mut violations, &mut warnings),
            ),
        }
    }
    if !violations.is_empty() {
        return Err(ApiError::BadQuery { violations });
    }
    if segment {
        return Err(ApiError::UnsupportedFilter {
            parameter: "segment_id",
        });
    }
    Ok((query, warnings))
}

/// The contact and the tag `DELETE /api/v1/contacts/contact-tags?contact_id=…&tag_id=…`
/// names, and the warnings of lenient mode (unknown parameters).
pub(crate) fn contact_tag_query(
    raw: Option<&str>,
    strictness: Strictness,
) -> Result<(Uuid, Uuid, Vec<Violation>), ApiError> {
    let (mut contact, mut tag) = (None, None);
    let mut violations = Vec::new();
    let mut warnings = Vec::new();
    for (name, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        let slot = match name.as_ref() {
            "contact_id" => &mut contact,
            "tag_id" => &mut tag,
            _ => {
                unknown(
                    &name,
                    "this route takes contact_id and tag_id",
                    strictness,
                    (&mut violations, &mut warnings),
                );
                continue;
            }
        };
        match Uuid::try_parse(&value) {
            Ok(id) => *slot = Some(id),
            Err(_) => violations.push(Violation::new(
                child_pointer("/query", &name),
                format!("{name} must be a UUID, got {value:?}"),
                "format",
            )),
        }
    }
    for (name, slot) in [("contact_id", contact), ("tag_id", tag)] {
        let named = violations
            .iter()
            .any(|violation| violation.pointer == child_pointer("/query", name));
        if slot.is_none() && !named {
            violations.push(Violation::new(
                child_pointer("/query", name),
                format!("{name} is required: the contact and the tag to detach from it"),
                "required",
            ));
        }
    }
    match (contact, tag) {
        (Some(contact), Some(tag)) if violations.is_empty() => Ok((contact, tag, warnings)),
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

/// An unknown parameter `name`: a violation in strict mode, a warning otherwise.
fn unknown(
    name: &str,
    expected: &str,
    strictness: Strictness,
    (violations, warnings): (&mut Vec<Violation>, &mut Vec<Violation>),
) {
    let unknown = Violation::new(
        child_pointer("/query", name),
        format!("unknown query parameter {name:?}; {expected}"),
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

    fn pointers(raw: &str) -> Vec<String> {
        match contact_query(Some(raw), Strictness::Strict) {
            Err(ApiError::BadQuery { violations }) => {
                violations.into_iter().map(|v| v.pointer).collect()
            }
            other => panic!("expected a bad query, got {other:?}"),
        }
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
        let (contact, tag, warnings) = contact_tag_query(
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
        let (_, _, warnings) = contact_tag_query(
            Some(&format!("contact_id={jane}&tag_id={vip}&colour=red")),
            Strictness::Lenient,
        )
        .unwrap();
        assert_eq!(warnings[0].pointer, "/query/colour");
    }

    #[test]
    fn segment_id_is_refused_not_ignored() {
        assert!(matches!(
            contact_query(Some("segment_id=x"), Strictness::Strict),
            Err(ApiError::UnsupportedFilter { .. })
        ));
    }
}
