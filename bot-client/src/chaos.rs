//! When a `--chaos` bot drops its connection: a seeded Poisson process, so
//! drops come at random moments (no two bots in step, no hidden period the
//! server could happen to match) at a given mean rate, and a run repeats
//! drop for drop given its seed.
//!
//! The generator is ChaCha8 keyed by the run seed, like arena's `bot::Wander`,
//! but on a stream of its own per bot, so turning chaos on does not change
//! a single input the bots send.

use std::time::Duration;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Added to a bot's index to pick its chaos stream: input streams use the
/// indexes themselves (below 2^32), so the two never share a stream.
const CHAOS_STREAM_BASE: u64 = 1 << 32;

/// One bot's drop schedule.
#[derive(Debug, Clone)]
pub struct Chaos {
    rng: ChaCha8Rng,
    /// Mean time between drops, in seconds.
    mean_gap_secs: f64,
}

impl Chaos {
    /// The schedule of bot `bot` in a run seeded with `seed`, dropping
    /// `per_min` times a minute on average (must be positive and finite).
    pub fn new(seed: u64, bot: u32, per_min: f64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(CHAOS_STREAM_BASE + u64::from(bot));
        Self {
            rng,
            mean_gap_secs: 60.0 / per_min,
        }
    }

    /// Time from now (the start of play, or the end of the last resume)
    /// to the next drop: exponentially distributed, so drops are
    /// memoryless and the mean rate is `per_min`.
    pub fn next_gap(&mut self) -> Duration {
        // 1 - u is in (0, 1], so its logarithm is finite.
        let u: f64 = self.rng.random_range(0.0..1.0);
        let secs = -(1.0 - u).ln() * self.mean_gap_secs;
        Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gaps(seed: u64, bot: u32, per_min: f64, n: usize) -> Vec<Duration> {
        let mut chaos = Chaos::new(seed, bot, per_min);
        (0..n).map(|_| chaos.next_gap()).collect()
    }

    #[test]
    fn schedules_are_seeded_and_per_bot() {
        assert_eq!(gaps(1, 3, 2.0, 50), gaps(1, 3, 2.0, 50));
        assert_ne!(gaps(1, 3, 2.0, 50), gaps(1, 4, 2.0, 50));
        assert_ne!(gaps(1, 3, 2.0, 50), gaps(2, 3, 2.0, 50));
    }

    #[test]
    fn mean_gap_matches_the_rate() {
        // 60 per minute: a mean gap of 1 s. 20 000 samples put the sample
        // mean within a few percent.
        let all = gaps(7, 0, 60.0, 20_000);
        let mean = all.iter().map(Duration::as_secs_f64).sum::<f64>() / all.len() as f64;
        assert!((mean - 1.0).abs() < 0.05, "mean {mean}");
        // Memoryless: a fair share of short gaps, and some long ones.
        let short = all.iter().filter(|g| g.as_secs_f64() < 0.1).count();
        assert!(short > 1_000, "short {short}");
        assert!(all.iter().any(|g| g.as_secs_f64() > 5.0));
    }
}
