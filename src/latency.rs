//! Artificial response delay (`--latency`), so that frontends can see their loading states.

use std::str::FromStr;
use std::time::Duration;

/// A delay: fixed (`250` ms) or drawn from a range (`100..500` ms), kept in microseconds
/// so that a library caller's sub-millisecond delay stays what it asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Latency {
    min_us: u64,
    max_us: u64,
}

/// A `--latency` value that is neither `MS` nor `MIN..MAX`, or a range whose end comes
/// before its start.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("expected milliseconds (250) or a range (100..500) with MIN <= MAX")]
pub struct LatencyError;

impl Latency {
    /// A delay from `min` to `max` (the same for a fixed one).
    pub fn between(min: Duration, max: Duration) -> Result<Self, LatencyError> {
        let micros = |duration: Duration| u64::try_from(duration.as_micros()).unwrap_or(u64::MAX);
        let (min_us, max_us) = (micros(min), micros(max));
        if min_us > max_us {
            return Err(LatencyError);
        }
        Ok(Self { min_us, max_us })
    }
}

impl FromStr for Latency {
    type Err = LatencyError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let millis = |part: &str| {
            part.trim()
                .parse::<u64>()
                .map(Duration::from_millis)
                .map_err(|_| LatencyError)
        };
        match text.split_once("..") {
            Some((min, max)) => Self::between(millis(min)?, millis(max)?),
            None => {
                let fixed = millis(text)?;
                Self::between(fixed, fixed)
            }
        }
    }
}

impl Latency {
    /// The delay of exchange `seq`: spread over the range, and the same for the same `seq`
    /// in every run, so that a latency run stays reproducible.
    pub fn delay(&self, seq: u64) -> Duration {
        let span = self.max_us - self.min_us + 1;
        let spread = seq.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32;
        Duration::from_micros(self.min_us + spread % span)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_latency_is_always_the_same() {
        let latency: Latency = "250".parse().unwrap();
        assert_eq!(latency.delay(1), Duration::from_millis(250));
        assert_eq!(latency.delay(99), Duration::from_millis(250));
    }

    #[test]
    fn a_range_stays_within_its_bounds_and_varies() {
        let latency: Latency = "100..120".parse().unwrap();
        let delays: Vec<u128> = (1..50).map(|seq| latency.delay(seq).as_millis()).collect();
        assert!(delays.iter().all(|ms| (100..=120).contains(ms)));
        assert!(delays.iter().any(|ms| *ms != delays[0]));
    }

    #[test]
    fn a_sub_millisecond_delay_keeps_its_precision() {
        let half = Duration::from_micros(500);
        let latency = Latency::between(half, half).unwrap();
        assert_eq!(latency.delay(7), half);
        assert_eq!(
            Latency::between(Duration::from_millis(2), Duration::from_millis(1)),
            Err(LatencyError)
        );
    }

    #[test]
    fn malformed_values_are_refused() {
        for text in ["", "fast", "5..1", "1..", "-3"] {
            assert_eq!(text.parse::<Latency>(), Err(LatencyError), "{text}");
        }
    }
}
