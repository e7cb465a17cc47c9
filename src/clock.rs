//! Time as the mock sees it: the system clock, one frozen instant (D16) so that recorded
//! traffic is byte-identical from run to run, or either moved by a test through
//! `/__admin/clock` (D27).

use std::fmt;
use std::sync::RwLock;

use hyper::header::HeaderValue;

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
pub enum TimestampError {
    /// Not RFC 3339.
    #[error("{text:?} is not an RFC 3339 date-time (e.g. 2025-06-15T14:30:00.000Z)")]
    Parse {
        /// The text.
        text: String,
        /// The parser's error.
        #[source]
        source: time::error::Parse,
    },
    /// RFC 3339, but outside the years the timestamps of the API can be written in, once in
    /// UTC (`9999-12-31T23:59:59-00:01`).
    #[error("{text:?} is outside the years 0000 to 9999 once in UTC")]
    OutOfRange {
        /// The text.
        text: String,
    },
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
        let at = OffsetDateTime::parse(text, &Rfc3339).map_err(|source| TimestampError::Parse {
            text: text.to_owned(),
            source,
        })?;
        at.checked_to_offset(UtcOffset::UTC)
            .filter(|at| (0..=9999).contains(&at.year()))
            .map(Self::new)
            .ok_or_else(|| TimestampError::OutOfRange {
                text: text.to_owned(),
            })
    }

    /// The instant `at` (in UTC) to the millisecond, with its text written digit by digit:
    /// no allocation and no `fmt` padding. The instant is the one its text shows, so that
    /// two timestamps compare as a client reading them would (a segment's
    /// `created_at lte <the contact's created_at>` holds).
    fn new(at: OffsetDateTime) -> Self {
        let (year, month, day) = at.to_calendar_date();
        let (hour, minute, second, milli) = at.to_hms_milli();
        let at = at
            .replace_nanosecond(u32::from(milli) * 1_000_000)
            .expect("whole milliseconds are a valid nanosecond");
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

    /// Milliseconds since the Unix epoch: what a rate limit and a `Retry-After` count in.
    pub(crate) fn unix_ms(&self) -> i64 {
        i64::try_from(self.at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    /// The machine's clock.
    System,
    /// The machine's clock moved by this many milliseconds (an `advance` of a running
    /// clock).
    Shifted(i64),
    /// Every reading is this instant (`--frozen-time`, or a clock `set`).
    Frozen(Timestamp),
}

/// How a test moves a clock (D27).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ClockChange {
    /// Frozen at this instant.
    Set(Timestamp),
    /// Moved by this many milliseconds; a frozen clock stays frozen, a running one runs on
    /// from its new reading.
    Advance(i64),
    /// Back to the machine's clock.
    Real,
}

/// Why a clock cannot be moved as asked.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum ClockError {
    /// Not an ISO 8601 duration the mock reads.
    #[error(
        "{text:?} is not an ISO 8601 duration of weeks, days, hours, minutes and seconds (e.g. PT1H30M, P2D)"
    )]
    Duration {
        /// The text.
        text: String,
    },
    /// Years and months have no fixed length.
    #[error(
        "{text:?} counts years or months, which have no fixed length: count days instead (P30D)"
    )]
    Calendar {
        /// The text.
        text: String,
    },
    /// The reading would leave the years 0000–9999.
    #[error("the clock would leave the years 0000 to 9999")]
    OutOfRange,
}

impl Clock {
    /// The current instant.
    pub fn now(&self) -> Timestamp {
        match self {
            Clock::System => Timestamp::new(OffsetDateTime::now_utc()),
            Clock::Shifted(ms) => Timestamp::new(
                OffsetDateTime::now_utc().saturating_add(time::Duration::milliseconds(*ms)),
            ),
            Clock::Frozen(at) => *at,
        }
    }

    /// Whether readings are frozen (durations are then reported as 0).
    pub fn is_frozen(&self) -> bool {
        matches!(self, Clock::Frozen(_))
    }

    /// This clock after `change`; its readings must stay within the years 0000–9999.
    pub(crate) fn changed(self, change: ClockChange) -> Result<Clock, ClockError> {
        let moved = |from: OffsetDateTime, ms: i64| {
            from.checked_add(time::Duration::milliseconds(ms))
                .filter(|moved| (0..=9999).contains(&moved.year()))
                .ok_or(ClockError::OutOfRange)
        };
        Ok(match (change, self) {
            (ClockChange::Set(at), _) => Clock::Frozen(at),
            (ClockChange::Real, _) => Clock::System,
            (ClockChange::Advance(ms), Clock::Frozen(at)) => {
                Clock::Frozen(Timestamp::new(moved(at.at, ms)?))
            }
            (ClockChange::Advance(ms), Clock::System) => {
                moved(OffsetDateTime::now_utc(), ms)?;
                Clock::Shifted(ms)
            }
            (ClockChange::Advance(ms), Clock::Shifted(by)) => {
                let by = by.checked_add(ms).ok_or(ClockError::OutOfRange)?;
                moved(OffsetDateTime::now_utc(), by)?;
                Clock::Shifted(by)
            }
        })
    }
}

/// A clock that tests may move while requests read it, with the `Date` header its frozen
/// instant gives every answer (hyper writes the real one otherwise), so that a snapshot of
/// whole responses is stable too.
#[derive(Debug)]
pub(crate) struct SharedClock(RwLock<(Clock, Option<HeaderValue>)>);

impl SharedClock {
    /// A clock reading as `clock` does.
    pub(crate) fn new(clock: Clock) -> Self {
        Self(RwLock::new((clock, date_header(clock))))
    }

    /// The clock as it is now.
    pub(crate) fn get(&self) -> Clock {
        self.0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .0
    }

    /// The current instant.
    pub(crate) fn now(&self) -> Timestamp {
        self.get().now()
    }

    /// The `Date` header of a frozen clock.
    pub(crate) fn date_header(&self) -> Option<HeaderValue> {
        self.0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .1
            .clone()
    }

    /// Moves the clock; answers its new state.
    pub(crate) fn change(&self, change: ClockChange) -> Result<Clock, ClockError> {
        let mut held = self
            .0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let clock = held.0.changed(change)?;
        *held = (clock, date_header(clock));
        Ok(clock)
    }

    /// Back to `clock`, as after a reset.
    pub(crate) fn restore(&self, clock: Clock) {
        *self
            .0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = (clock, date_header(clock));
    }
}

fn date_header(clock: Clock) -> Option<HeaderValue> {
    match clock {
        Clock::Frozen(at) => HeaderValue::from_str(&at.http_date()).ok(),
        Clock::System | Clock::Shifted(_) => None,
    }
}

/// The milliseconds of an ISO 8601 duration of weeks, days, hours, minutes and seconds
/// (`PT1H30M`, `P2D`, `PT0.5S`, `-PT1H`): what `{"advance": …}` takes. Each unit at most
/// once, largest first, and a `T` only before hours, minutes or seconds. Years and months
/// are refused, since their length depends on where the clock stands.
pub(crate) fn parse_duration(text: &str) -> Result<i64, ClockError> {
    let bad = || ClockError::Duration {
        text: text.to_owned(),
    };
    let (sign, rest) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text),
    };
    let rest = rest.strip_prefix(['P', 'p']).ok_or_else(bad)?;
    let (mut total, mut in_time, mut last_unit) = (0_i64, false, None);
    let mut number = String::new();
    for symbol in rest.chars() {
        match symbol.to_ascii_uppercase() {
            'T' if !in_time && number.is_empty() => in_time = true,
            digit @ ('0'..='9' | '.' | ',') => number.push(if digit == ',' { '.' } else { digit }),
            unit => {
                // Units in the order they must come, with their length.
                let (order, milliseconds_per) = match (unit, in_time) {
                    ('W', false) => (0, 604_800_000.0),
                    ('D', false) => (1, 86_400_000.0),
                    ('H', true) => (2, 3_600_000.0),
                    ('M', true) => (3, 60_000.0),
                    ('S', true) => (4, 1_000.0),
                    ('Y' | 'M', false) => {
                        return Err(ClockError::Calendar {
                            text: text.to_owned(),
                        });
                    }
                    _ => return Err(bad()),
                };
                if last_unit.is_some_and(|last| last >= order) {
                    return Err(bad());
                }
                last_unit = Some(order);
                let value: f64 = number.parse().map_err(|_| bad())?;
                number.clear();
                total = total
                    .checked_add((value * milliseconds_per).round() as i64)
                    .ok_or(ClockError::OutOfRange)?;
            }
        }
    }
    let time_unit_after_t = !in_time || last_unit.is_some_and(|last| last >= 2);
    if last_unit.is_none() || !number.is_empty() || !time_unit_after_t {
        return Err(bad());
    }
    Ok(sign * total)
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
    fn an_instant_is_the_one_its_text_shows() {
        let fine = Timestamp::parse("2025-06-15T14:30:00.123456789Z").unwrap();
        let shown = Timestamp::parse(&fine.to_string()).unwrap();
        assert_eq!(fine, shown);
    }

    #[test]
    fn a_date_time_that_leaves_the_years_0000_to_9999_in_utc_is_refused_not_a_panic() {
        for text in ["9999-12-31T23:59:59-00:01", "0000-01-01T00:00:00+00:01"] {
            assert!(
                matches!(
                    Timestamp::parse(text),
                    Err(TimestampError::OutOfRange { .. })
                ),
                "{text}"
            );
        }
        assert!(Timestamp::parse("9999-12-31T23:59:59Z").is_ok());
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
    fn iso_durations_are_read_to_the_millisecond() {
        assert_eq!(parse_duration("PT1H"), Ok(3_600_000));
        assert_eq!(parse_duration("PT1H30M"), Ok(5_400_000));
        assert_eq!(parse_duration("P1W2D"), Ok(9 * 86_400_000));
        assert_eq!(parse_duration("PT0.5S"), Ok(500));
        assert_eq!(parse_duration("-P1DT1S"), Ok(-86_401_000));
        for bad in [
            "", "P", "PT", "1H", "PT1", "P1H", "PTH", "PT1.2.3S", "P1DT", "PT1H1H", "PT1S1H",
            "P1D1W",
        ] {
            assert!(
                matches!(parse_duration(bad), Err(ClockError::Duration { .. })),
                "{bad:?}"
            );
        }
        assert!(matches!(
            parse_duration("P1M"),
            Err(ClockError::Calendar { .. })
        ));
    }

    #[test]
    fn a_frozen_clock_advances_and_stays_frozen() {
        let at = Timestamp::parse("2025-06-15T14:30:00.000Z").unwrap();
        let moved = Clock::Frozen(at)
            .changed(ClockChange::Advance(3_600_000))
            .unwrap();
        assert_eq!(moved.now().to_string(), "2025-06-15T15:30:00.000Z");
        assert!(moved.is_frozen());
        let running = Clock::System.changed(ClockChange::Advance(-1)).unwrap();
        assert_eq!(running, Clock::Shifted(-1));
        assert_eq!(running.changed(ClockChange::Real), Ok(Clock::System));
        assert_eq!(
            Clock::Frozen(at).changed(ClockChange::Advance(i64::MAX / 2)),
            Err(ClockError::OutOfRange)
        );
        assert_eq!(
            Clock::System.changed(ClockChange::Advance(i64::MAX)),
            Err(ClockError::OutOfRange),
            "a running clock too"
        );
        assert_eq!(
            Clock::Shifted(1).changed(ClockChange::Advance(i64::MAX)),
            Err(ClockError::OutOfRange)
        );
    }

    #[test]
    fn a_shared_clock_dates_answers_only_while_frozen() {
        let clock = SharedClock::new(Clock::System);
        assert_eq!(clock.date_header(), None);
        let at = Timestamp::parse("2025-06-15T14:30:00.000Z").unwrap();
        clock.change(ClockChange::Set(at)).unwrap();
        assert_eq!(
            clock.date_header().unwrap(),
            "Sun, 15 Jun 2025 14:30:00 GMT"
        );
        assert_eq!(clock.now(), at);
    }

    #[test]
    fn a_date_without_time_is_refused_with_an_example() {
        let err = Timestamp::parse("2025-06-15").unwrap_err();
        assert!(err.to_string().contains("2025-06-15T14:30:00.000Z"));
    }
}
