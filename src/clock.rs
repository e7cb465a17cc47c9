//! Time as the mock sees it: the system clock, or one frozen instant (D16) so that recorded
//! traffic is byte-identical from run to run.

use std::fmt;

use serde::{Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// An instant, always written as UTC with milliseconds (`2025-06-15T14:30:00.000Z`, D9).
///
/// The text is written once, when the instant is made: every response carries several
/// timestamps, most of which never change (a contact's `created_at`, its tags'), and
/// copying 24 bytes costs a fraction of working out a calendar date.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp {
    at: OffsetDateTime,
    text: [u8; 24],
}

/// Why a text is not a timestamp.
#[derive(Debug, thiserror::Error)]
#[error("{text:?} is not an RFC 3339 date-time (e.g. 2025-06-15T14:30:00.000Z)")]
pub struct TimestampError {
    text: String,
    #[source]
    source: time::error::Parse,
}

impl Timestamp {
    /// The instant as an HTTP `Date` header writes it (RFC 9110 IMF-fixdate):
    /// `Sun, 15 Jun 2025 14:30:00 GMT`.
    pub(crate) fn http_date(&self) -> String {
        let at = self.at;
        let (weekday, month) = (at.weekday().to_string(), at.month().to_string());
        format!(
            "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
            &weekday[..3],
            at.day(),
            &month[..3],
            at.year(),
            at.hour(),
            at.minute(),
            at.second()
        )
    }

    /// Parses any RFC 3339 date-time; the offset is kept only to convert to UTC.
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        OffsetDateTime::parse(text, &Rfc3339)
            .map(|at| Self::new(at.to_offset(UtcOffset::UTC)))
            .map_err(|source| TimestampError {
                text: text.to_owned(),
                source,
            })
    }

    /// The instant `at` (in UTC), with its text written digit by digit: no allocation and
    /// no `fmt` padding.
    fn new(at: OffsetDateTime) -> Self {
        let (year, month, day) = at.to_calendar_date();
        let (hour, minute, second, milli) = at.to_hms_milli();
        let fields: [(u32, usize); 7] = [
            (u32::try_from(year).unwrap_or(0).min(9999), 4),
            (u32::from(u8::from(month)), 2),
            (u32::from(day), 2),
            (u32::from(hour), 2),
            (u32::from(minute), 2),
            (u32::from(second), 2),
            (u32::from(milli), 3),
        ];
        let mut text = *b"0000-00-00T00:00:00.000Z";
        let starts = [0, 5, 8, 11, 14, 17, 20];
        for ((value, width), start) in fields.into_iter().zip(starts) {
            let mut rest = value;
            for digit in text[start..start + width].iter_mut().rev() {
                *digit = b'0' + (rest % 10) as u8;
                rest /= 10;
            }
        }
        Self { at, text }
    }

    /// The text: `2025-06-15T14:30:00.000Z`.
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.text).expect("digits and ASCII separators")
    }

    /// Appends the timestamp as a JSON string, as its `Serialize` writes it.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.push(b'"');
        out.extend_from_slice(&self.text);
        out.push(b'"');
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({})", self.as_str())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
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
            Clock::System => Timestamp::new(OffsetDateTime::now_utc()),
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
    fn every_field_is_zero_padded() {
        let at = Timestamp::parse("0999-01-02T03:04:05.006Z").unwrap();
        assert_eq!(at.to_string(), "0999-01-02T03:04:05.006Z");
        assert_eq!(
            serde_json::to_string(&at).unwrap(),
            "\"0999-01-02T03:04:05.006Z\""
        );
    }

    #[test]
    fn an_http_date_is_an_imf_fixdate() {
        let at = Timestamp::parse("2025-06-15T16:30:05.5+02:00").unwrap();
        assert_eq!(at.http_date(), "Sun, 15 Jun 2025 14:30:05 GMT");
        let at = Timestamp::parse("2026-01-01T00:00:00Z").unwrap();
        assert_eq!(at.http_date(), "Thu, 01 Jan 2026 00:00:00 GMT");
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
