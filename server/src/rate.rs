//! A token bucket: the per-connection rate limit. Time is passed in, so it
//! is tested exactly.

use tokio::time::Instant;

/// Allows `per_sec` events a second on average and bursts of up to `burst`.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    per_sec: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    /// A full bucket at `now`.
    pub fn new(per_sec: u32, burst: u32, now: Instant) -> Self {
        Self {
            per_sec: f64::from(per_sec),
            burst: f64::from(burst),
            tokens: f64::from(burst),
            last: now,
        }
    }

    /// Takes one token; false when the bucket is empty (the event is over
    /// the limit).
    pub fn take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last);
        self.last = now;
        self.tokens = (self.tokens + elapsed.as_secs_f64() * self.per_sec).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn allows_the_burst_then_the_rate() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(10, 5, t0);
        assert_eq!((0..5).filter(|_| b.take(t0)).count(), 5);
        assert!(!b.take(t0));
        // 10/s refills one token every 100 ms.
        assert!(b.take(t0 + Duration::from_millis(100)));
        assert!(!b.take(t0 + Duration::from_millis(150)));
        // A long pause refills to the burst, not beyond.
        let later = t0 + Duration::from_secs(60);
        assert_eq!((0..20).filter(|_| b.take(later)).count(), 5);
    }

    #[test]
    fn a_steady_client_at_the_rate_is_never_limited() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(30, 30, t0);
        for i in 0..3000u32 {
            assert!(
                b.take(t0 + Duration::from_secs(1) * i / 30),
                "limited at {i}"
            );
        }
    }
}
