//! The query parameters of `GET /api/v1/contacts` (D19), checked all at once: every
//! violation is reported, each with its `/query/<name>` pointer.

use crate::http::error::ApiError;
use crate::schema::{Strictness, Violation, child_pointer};
use crate::store::ContactQuery;
use crate::store::contact::Status;

/// The query `raw` asks for, and the warnings of lenient mode (unknown parameters).
pub fn contact_query(
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
            _ => {
                let unknown = Violation::new(
                    pointer,
                    format!(
                        "unknown query parameter {name:?}; the list takes page, limit, search, status, tags and segment_id"
                    ),
                    "additionalProperties",
                );
                match strictness {
                    Strictness::Strict => violations.push(unknown),
                    _ => warnings.push(unknown),
                }
            }
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
    fn segment_id_is_refused_not_ignored() {
        assert!(matches!(
            contact_query(Some("segment_id=x"), Strictness::Strict),
            Err(ApiError::UnsupportedFilter { .. })
        ));
    }
}
