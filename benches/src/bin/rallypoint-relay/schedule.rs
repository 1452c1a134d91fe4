//! Tick deadlines and tick timings. Ticks run on absolute deadlines
//! (`start + n * period`), so they do not drift; a tick that overruns makes
//! the loop skip the deadlines it missed rather than replay them in a
//! burst, as Rallypoint's lobbies do, so the floor is held to the same
//! schedule as the server. A rate below the loop rate sends on the loops
//! where it is due, the way the server's lobbies pick snapshot ticks.

use std::time::{Duration, Instant};

use serde::Serialize;

/// The deadline schedule of one loop.
pub struct Ticker {
    start: Instant,
    period_ns: u64,
    /// Index of the next deadline to wait for.
    next: u64,
    /// Deadlines passed over because a tick ran past them.
    pub skipped: u64,
}

impl Ticker {
    pub fn new(start: Instant, hz: u32) -> Ticker {
        Ticker {
            start,
            period_ns: period_ns(hz),
            next: 0,
            skipped: 0,
        }
    }

    /// Index of the next tick to run.
    pub fn next(&self) -> u64 {
        self.next
    }

    /// When the next tick is due.
    pub fn deadline(&self) -> Instant {
        self.start + Duration::from_nanos(self.period_ns * self.next)
    }

    /// Sleeps until the next deadline and returns how late it woke.
    pub fn wait(&mut self) -> Duration {
        let deadline = self.deadline();
        let now = Instant::now();
        if now < deadline {
            std::thread::sleep(deadline - now);
        }
        Instant::now().saturating_duration_since(deadline)
    }

    /// Marks the current tick done and moves to the next deadline that is
    /// still ahead.
    pub fn done(&mut self) {
        let elapsed = self.start.elapsed();
        let next = next_tick(self.next, elapsed, self.period_ns);
        self.skipped += next - self.next - 1;
        self.next = next;
    }
}

/// Nanoseconds between deadlines at `hz` ticks per second.
pub fn period_ns(hz: u32) -> u64 {
    1_000_000_000 / u64::from(hz)
}

/// How many deadlines fall within `duration` of the start (the first is
/// at the start itself).
pub fn ticks_within(duration: Duration, hz: u32) -> u64 {
    let n = duration.as_nanos().div_ceil(u128::from(period_ns(hz)));
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// Whether loop `step` of a loop at `loop_hz` carries a message of a
/// stream at `rate_hz` (at most `loop_hz`): when `step × rate ÷ loop`
/// reaches the next whole number, as the server's `snapshot_due` does, so
/// the messages are spread as evenly as the loops allow.
pub fn due(step: u64, loop_hz: u32, rate_hz: u32) -> bool {
    let (rate, hz) = (u64::from(rate_hz), u64::from(loop_hz.max(1)));
    step == 0 || (step * rate) / hz != ((step - 1) * rate) / hz
}

/// How many of the loops `0..steps` carry a message (see [`due`]).
pub fn due_within(steps: u64, loop_hz: u32, rate_hz: u32) -> u64 {
    match steps {
        0 => 0,
        n => (n - 1) * u64::from(rate_hz) / u64::from(loop_hz.max(1)) + 1,
    }
}

/// The index of the tick to run after tick `done`, `elapsed` after the
/// start: the first deadline not yet passed, and never `done` itself again.
pub fn next_tick(done: u64, elapsed: Duration, period_ns: u64) -> u64 {
    let due = u64::try_from(elapsed.as_nanos().div_ceil(u128::from(period_ns))).unwrap_or(u64::MAX);
    due.max(done + 1)
}

/// Microsecond timings of many ticks.
#[derive(Default)]
pub struct Timings {
    micros: Vec<u32>,
}

/// A summary of [`Timings`] in microseconds, by nearest rank.
#[derive(Debug, Default, PartialEq, Serialize)]
pub struct Summary {
    pub samples: usize,
    pub p50_us: u32,
    pub p99_us: u32,
    pub max_us: u32,
    pub mean_us: f64,
}

impl Timings {
    pub fn record(&mut self, d: Duration) {
        self.micros
            .push(u32::try_from(d.as_micros()).unwrap_or(u32::MAX));
    }

    pub fn summary(mut self) -> Summary {
        if self.micros.is_empty() {
            return Summary::default();
        }
        self.micros.sort_unstable();
        let rank = |q: f64| {
            let i = (q * self.micros.len() as f64).ceil() as usize;
            self.micros[i.clamp(1, self.micros.len()) - 1]
        };
        let sum: u64 = self.micros.iter().map(|&m| u64::from(m)).sum();
        Summary {
            samples: self.micros.len(),
            p50_us: rank(0.50),
            p99_us: rank(0.99),
            max_us: *self.micros.last().unwrap_or(&0),
            mean_us: sum as f64 / self.micros.len() as f64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PERIOD: u64 = 33_333_333;

    #[test]
    fn on_time_ticks_advance_by_one() {
        assert_eq!(next_tick(0, Duration::from_millis(1), PERIOD), 1);
        assert_eq!(
            next_tick(5, Duration::from_nanos(5 * PERIOD + 10), PERIOD),
            6
        );
    }

    #[test]
    fn an_overrun_skips_the_missed_deadlines() {
        // Tick 2 ran until 4.5 periods in: deadlines 3 and 4 are gone.
        let elapsed = Duration::from_nanos(4 * PERIOD + PERIOD / 2);
        assert_eq!(next_tick(2, elapsed, PERIOD), 5);
    }

    #[test]
    fn a_deadline_exactly_now_is_still_run() {
        assert_eq!(next_tick(2, Duration::from_nanos(4 * PERIOD), PERIOD), 4);
    }

    #[test]
    fn deadlines_within_a_duration() {
        assert_eq!(
            ticks_within(Duration::from_secs(1), 30),
            31,
            "0 to 30 periods of 33.33 ms"
        );
        assert_eq!(ticks_within(Duration::from_millis(1000), 10), 10);
        assert_eq!(ticks_within(Duration::from_millis(1001), 10), 11);
        assert_eq!(ticks_within(Duration::ZERO, 10), 0);
    }

    #[test]
    fn a_slower_stream_is_due_on_evenly_spread_loops() {
        let on =
            |loop_hz, rate| -> Vec<u64> { (0..6).filter(|&s| due(s, loop_hz, rate)).collect() };
        assert_eq!(on(30, 30), vec![0, 1, 2, 3, 4, 5]);
        assert_eq!(on(30, 15), vec![0, 2, 4]);
        assert_eq!(on(30, 10), vec![0, 3]);
        assert_eq!(on(30, 20), vec![0, 2, 3, 5]);
        for (loop_hz, rate) in [(30, 30), (30, 15), (30, 10), (30, 20), (30, 7)] {
            for steps in [0, 1, 2, 29, 30, 31, 451] {
                let counted = (0..steps).filter(|&s| due(s, loop_hz, rate)).count() as u64;
                assert_eq!(
                    due_within(steps, loop_hz, rate),
                    counted,
                    "{loop_hz} {rate} {steps}"
                );
            }
        }
        assert_eq!(
            due_within(451, 30, 15),
            226,
            "15 s at 15 Hz, plus the first"
        );
    }

    #[test]
    fn summary_uses_nearest_rank() {
        let mut t = Timings::default();
        for us in 1..=100u64 {
            t.record(Duration::from_micros(us));
        }
        let s = t.summary();
        assert_eq!(
            (s.samples, s.p50_us, s.p99_us, s.max_us),
            (100, 50, 99, 100)
        );
        assert_eq!(s.mean_us, 50.5);
        assert_eq!(Timings::default().summary(), Summary::default());
    }
}
