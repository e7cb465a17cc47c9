//! Time as the mock sees it: the system clock, or one frozen instant (D16) so that recorded
//! traffic is byte-identical from run to run.

use std::fmt;

use serde::{Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

/// An instant, always written as UTC with milliseconds (`2025-06-15T14:30:00.000Z`, D9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(OffsetDateTime);

/// Why a text is not a timestamp.
#[derive(Debug, thiserror::Error)]
#[error("{text:?} is not an RFC 3339 date-time (e.g. 2025-06-15T14:30:00.000Z)")]
pub struct TimestampError {
    text: String,
    #[source]
    source: time::error::Parse,
}

impl Timestamp {
    /// Parses any RFC 3339 date-time; the offset is kept only to convert to UTC.
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        OffsetDateTime::parse(text, &Rfc3339)
            .map(|at| Self(at.to_offset(UtcOffset::UTC)))
            .map_err(|source| TimestampError {
                text: text.to_owned(),
                source,
            })
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let layout = format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        );
        let text = self.0.format(&layout).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Where `now` comes from.
#[derive(Clone, Copy, Debug)]
pub enum Clock {
    /// The machine's clock.
    System,
    /// Every reading is this instant (`--frozen-time`).
    Frozen(Timestamp),
}

impl Clock {
    /// The current instant.
    pub fn now(&self) -> Timestamp {
        match self {
            Clock::System => Timestamp(OffsetDateTime::now_utc()),
            Clock::Frozen(at) => *at,
        }
    }

    /// Whether readings are frozen (durations are then reported as 0).
    pub fn is_frozen(&self) -> bool {
        matches!(self, Clock::Frozen(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_written_in_utc_with_milliseconds() {
        let at = Timestamp::parse("2025-06-15T16:30:00.5+02:00").unwrap();
        assert_eq!(at.to_string(), "2025-06-15T14:30:00.500Z");
    }

    #[test]
    fn a_frozen_clock_always_reads_the_same_instant() {
        let clock = Clock::Frozen(Timestamp::parse("2025-06-15T14:30:00.000Z").unwrap());
        assert_eq!(clock.now(), clock.now());
        assert_eq!(clock.now().to_string(), "2025-06-15T14:30:00.000Z");
    }

    #[test]
    fn a_date_without_time_is_refused_with_an_example() {
        let err = Timestamp::parse("2025-06-15").unwrap_err();
        assert!(err.to_string().contains("2025-06-15T14:30:00.000Z"));
    }
}
