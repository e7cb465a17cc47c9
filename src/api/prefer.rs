//! The `Prefer` header: `code=NNN` (D15), a test asks for one of the route's documented
//! errors, Prism-style; `fault=reset|hang|dribble` and `latency=MS` (D30), for one fault.

use hyper::StatusCode;

use crate::api::error::ApiError;

/// The longest `latency=` a request may ask for, in ms.
pub(crate) const MAX_LATENCY_MS: u64 = 600_000;

/// The faults a request asks for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Preferences {
    /// `fault=`.
    pub(crate) fault: Option<PreferredFault>,
    /// `latency=`, in ms.
    pub(crate) latency_ms: Option<u64>,
}

/// A fault `Prefer: fault=` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PreferredFault {
    /// `reset`: the connection closed without an answer.
    Reset,
    /// `hang`: no answer for a while, then closed.
    Hang,
    /// `dribble`: the answer sent in small chunks.
    Dribble,
}

/// The `fault=` and `latency=` of `prefer` (the raw `Prefer` header); an error names a
/// value the mock does not take.
pub(crate) fn preferences(prefer: Option<&[u8]>) -> Result<Preferences, ApiError> {
    let mut preferences = Preferences::default();
    let Some(raw) = prefer else {
        return Ok(preferences);
    };
    let text = String::from_utf8_lossy(raw);
    let invalid = || ApiError::InvalidPreferFault {
        value: text.to_string(),
    };
    for preference in text.split([',', ';']).map(str::trim) {
        if let Some(fault) = preference.strip_prefix("fault=") {
            preferences.fault = Some(match fault.trim().trim_matches('"') {
                "reset" => PreferredFault::Reset,
                "hang" => PreferredFault::Hang,
                "dribble" => PreferredFault::Dribble,
                _ => return Err(invalid()),
            });
        } else if let Some(ms) = preference.strip_prefix("latency=") {
            let ms: u64 = ms.trim().trim_matches('"').parse().map_err(|_| invalid())?;
            if ms > MAX_LATENCY_MS {
                return Err(invalid());
            }
            preferences.latency_ms = Some(ms);
        }
    }
    Ok(preferences)
}

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
    fn faults_and_latencies_are_read_beside_a_code() {
        let read = |header: &str| preferences(Some(header.as_bytes()));
        assert_eq!(
            read("fault=reset").unwrap().fault,
            Some(PreferredFault::Reset)
        );
        assert_eq!(
            read("code=404, latency=1500, fault=\"dribble\"").unwrap(),
            Preferences {
                fault: Some(PreferredFault::Dribble),
                latency_ms: Some(1500)
            }
        );
        assert_eq!(read("return=minimal").unwrap(), Preferences::default());
        for refused in [
            "fault=explode",
            "latency=soon",
            "latency=600001",
            "latency=-1",
        ] {
            assert!(
                matches!(read(refused), Err(ApiError::InvalidPreferFault { .. })),
                "{refused}"
            );
        }
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
