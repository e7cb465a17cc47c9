//! A token bucket: `limit` tokens, refilled evenly over a window, one taken per request.
//! Time is the workspace's clock in ms, so that a frozen clock holds the bucket where it
//! is until a test advances it.

/// One key's bucket under one rule.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TokenBucket {
    tokens: f64,
    at_ms: i64,
}

/// A request the bucket let through: what is left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Passed {
    /// Whole tokens left.
    pub(crate) remaining: u32,
    /// Seconds until the bucket is full again.
    pub(crate) reset_s: u64,
}

/// A request over the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Empty {
    /// Seconds until one token is back (at least 1): the `Retry-After`.
    pub(crate) retry_after_s: u64,
    /// Seconds until the bucket is full again.
    pub(crate) reset_s: u64,
}

impl TokenBucket {
    /// A full bucket at `now_ms`.
    pub(crate) fn full(limit: u32, now_ms: i64) -> Self {
        Self {
            tokens: f64::from(limit),
            at_ms: now_ms,
        }
    }

    /// Takes a token at `now_ms`, if there is one. A clock moved back refills nothing.
    pub(crate) fn take(
        &mut self,
        limit: u32,
        window_ms: u64,
        now_ms: i64,
    ) -> Result<Passed, Empty> {
        let size = f64::from(limit);
        let per_ms = size / window_ms as f64;
        let elapsed = now_ms.saturating_sub(self.at_ms).max(0) as f64;
        self.tokens = (self.tokens + elapsed * per_ms).min(size);
        self.at_ms = self.at_ms.max(now_ms);
        let seconds = |ms: f64| (ms / 1000.0).ceil() as u64;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(Passed {
                remaining: self.tokens.floor() as u32,
                reset_s: seconds((size - self.tokens) / per_ms),
            })
        } else {
            Err(Empty {
                retry_after_s: seconds((1.0 - self.tokens) / per_ms).max(1),
                reset_s: seconds((size - self.tokens) / per_ms),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_bucket_lets_its_size_through_then_refuses() {
        let mut bucket = TokenBucket::full(3, 0);
        let remaining: Vec<u32> = (0..3)
            .map(|_| bucket.take(3, 1000, 0).unwrap().remaining)
            .collect();
        assert_eq!(remaining, [2, 1, 0]);
        let empty = bucket.take(3, 1000, 0).unwrap_err();
        assert_eq!(empty.retry_after_s, 1);
        assert_eq!(empty.reset_s, 1);
    }

    #[test]
    fn tokens_come_back_evenly_over_the_window() {
        let mut bucket = TokenBucket::full(10, 0);
        for _ in 0..10 {
            bucket.take(10, 10_000, 0).unwrap();
        }
        assert!(bucket.take(10, 10_000, 999).is_err());
        assert!(bucket.take(10, 10_000, 1000).is_ok());
        assert!(bucket.take(10, 10_000, 1000).is_err());
        let empty = bucket.take(10, 10_000, 1500).unwrap_err();
        assert_eq!(empty.retry_after_s, 1);
        assert_eq!(empty.reset_s, 10);
    }

    #[test]
    fn over_a_long_run_the_rate_is_the_configured_one() {
        // 20 per second, asked 40 times a second for 5 s: the first 20, then 20 a second.
        let mut bucket = TokenBucket::full(20, 0);
        let passed = (0..200)
            .filter(|at| bucket.take(20, 1000, at * 25).is_ok())
            .count();
        assert!((114..=126).contains(&passed), "{passed}");
    }

    #[test]
    fn a_clock_moved_back_refills_nothing() {
        let mut bucket = TokenBucket::full(1, 10_000);
        bucket.take(1, 1000, 10_000).unwrap();
        assert!(bucket.take(1, 1000, 5_000).is_err());
        assert!(bucket.take(1, 1000, 10_999).is_err());
        assert!(bucket.take(1, 1000, 11_000).is_ok());
    }
}
