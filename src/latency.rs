//! Artificial response delay (`--latency`), so that frontends can see their loading states.

use std::str::FromStr;
use std::time::Duration;

/// A delay in milliseconds: fixed (`250`) or drawn from a range (`100..500`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Latency {
    min_ms: u64,
    max_ms: u64,
}

/// A `--latency` value that is neither `MS` nor `MIN..MAX`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("expected milliseconds (250) or a range (100..500) with MIN <= MAX")]
pub struct LatencyError;

impl FromStr for Latency {
    type Err = LatencyError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let number = |part: &str| part.trim().parse::<u64>().map_err(|_| LatencyError);
        let (min_ms, max_ms) = match text.split_once("..") {
            Some((min, max)) => (number(min)?, number(max)?),
            None => {
                let fixed = number(text)?;
                (fixed, fixed)
            }
        };
        if min_ms > max_ms {
            return Err(LatencyError);
        }
        Ok(Self { min_ms, max_ms })
    }
}

impl Latency {
    /// The delay of exchange `seq`: spread over the range, and the same for the same `seq`
    /// in every run, so that a latency run stays reproducible.
    pub fn delay(&self, seq: u64) -> Duration {
        let span = self.max_ms - self.min_ms + 1;
        let spread = seq.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32;
        Duration::from_millis(self.min_ms + spread % span)
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
    fn malformed_values_are_refused() {
        for text in ["", "fast", "5..1", "1..", "-3"] {
            assert_eq!(text.parse::<Latency>(), Err(LatencyError), "{text}");
        }
    }
}
