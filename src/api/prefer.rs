//! `Prefer: code=NNN` (D15): a test asks for one of the route's documented errors, Prism-style.

use hyper::StatusCode;

use crate::api::error::ApiError;

/// The status `prefer` (the raw `Prefer` header) forces, if any: `Ok(None)` when the header
/// asks nothing or asks for success; an error when it asks for a status the route does not
/// document.
pub(crate) fn forced_status(
    prefer: Option<&[u8]>,
    documented: &'static [u16],
) -> Result<Option<StatusCode>, ApiError> {
    let Some(raw) = prefer else { return Ok(None) };
    let text = String::from_utf8_lossy(raw);
    let Some(code) = text
        .split([',', ';'])
        .filter_map(|preference| preference.trim().strip_prefix("code="))
        .next()
    else {
        return Ok(None);
    };
    let invalid = || ApiError::InvalidPrefer {
        value: text.to_string(),
        documented,
    };
    let code: u16 = code
        .trim()
        .trim_matches('"')
        .parse()
        .map_err(|_| invalid())?;
    if !documented.contains(&code) {
        return Err(invalid());
    }
    let status = StatusCode::from_u16(code).map_err(|_| invalid())?;
    Ok((!status.is_success()).then_some(status))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCUMENTED: &[u16] = &[200, 404, 422];

    fn forced(header: &str) -> Result<Option<StatusCode>, ApiError> {
        forced_status(Some(header.as_bytes()), DOCUMENTED)
    }

    #[test]
    fn a_documented_error_code_is_forced() {
        assert_eq!(forced("code=404").unwrap(), Some(StatusCode::NOT_FOUND));
        assert_eq!(
            forced("respond-async, code=422").unwrap(),
            Some(StatusCode::UNPROCESSABLE_ENTITY)
        );
    }

    #[test]
    fn success_or_other_preferences_force_nothing() {
        assert_eq!(forced("code=200").unwrap(), None);
        assert_eq!(forced("return=minimal").unwrap(), None);
        assert_eq!(forced_status(None, DOCUMENTED).unwrap(), None);
    }

    #[test]
    fn an_undocumented_or_garbled_code_is_refused() {
        assert!(matches!(
            forced("code=418"),
            Err(ApiError::InvalidPrefer { .. })
        ));
        assert!(matches!(
            forced("code=abc"),
            Err(ApiError::InvalidPrefer { .. })
        ));
    }
}
