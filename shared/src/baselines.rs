//! The client's side of delta snapshots: the last [`BASELINE_WINDOW`] views
//! it built, so that whichever acknowledged tick the server chose as the
//! baseline is still here, and the tick to acknowledge next.
//!
//! A delta whose baseline is not held is refused and counted, never applied
//! to another view. The client keeps acknowledging the newest view it does
//! hold; the server deltas against that one, or sends a full snapshot once it
//! is older than the window, so a mismatch heals by itself.

use std::collections::VecDeque;

use crate::snapshot::{ApplyError, BASELINE_WINDOW, Snapshot, SnapshotView};

/// Counts of what a [`Baselines`] received.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BaselineStats {
    /// Full snapshots applied.
    pub full: u64,
    /// Delta snapshots applied.
    pub delta: u64,
    /// Full snapshots after deltas had been flowing (since the last
    /// [`Baselines::clear`]): the server had no usable baseline for this
    /// client any more, typically after a stall longer than the window.
    /// Full snapshots before the first delta (the server has not yet heard
    /// an ack) are not resets.
    pub resets: u64,
    /// Deltas refused because their baseline was not held.
    pub missing_baseline: u64,
    /// Snapshots not newer than the newest view, ignored.
    pub stale: u64,
}

/// The views a client holds, oldest first: any [`SnapshotView`] (a game's
/// `rallypoint_game::view::View`).
#[derive(Debug)]
pub struct Baselines<V> {
    views: VecDeque<V>,
    stats: BaselineStats,
    /// A delta was applied since the last clear.
    had_delta: bool,
}

impl<V> Default for Baselines<V> {
    fn default() -> Self {
        Baselines {
            views: VecDeque::new(),
            stats: BaselineStats::default(),
            had_delta: false,
        }
    }
}

impl<V: SnapshotView> Baselines<V> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets every view: call on `Joined` (a new lobby, or a resumed
    /// session), after which the server starts with a full snapshot.
    pub fn clear(&mut self) {
        self.views.clear();
        self.had_delta = false;
    }

    /// Applies a snapshot and returns the new newest view. On an error
    /// nothing changes but the counters.
    pub fn receive(&mut self, snap: &Snapshot) -> Result<&V, ApplyError> {
        if let Some(newest) = self.views.back().map(|v| v.tick())
            && tick_not_after(snap.tick, newest)
        {
            self.stats.stale += 1;
            return Ok(self.views.back().expect("checked above"));
        }
        let next = match snap.baseline_tick() {
            None => {
                let next = V::default().apply(snap)?;
                if std::mem::take(&mut self.had_delta) {
                    self.stats.resets += 1;
                }
                self.stats.full += 1;
                // Older views stay: the server may still delta against one
                // this client acknowledged before the full snapshot came.
                next
            }
            Some(baseline) => {
                let Some(base) = self.views.iter().rev().find(|v| v.tick() == baseline) else {
                    self.stats.missing_baseline += 1;
                    return Err(ApplyError::MissingBaseline {
                        tick: snap.tick,
                        baseline,
                    });
                };
                let next = base.apply(snap)?;
                self.stats.delta += 1;
                self.had_delta = true;
                next
            }
        };
        if self.views.len() >= BASELINE_WINDOW as usize {
            self.views.pop_front();
        }
        self.views.push_back(next);
        Ok(self.views.back().expect("just pushed"))
    }

    /// The newest view, if any.
    pub fn newest(&self) -> Option<&V> {
        self.views.back()
    }

    /// The tick to acknowledge in the next `Input`: the newest view held,
    /// or 0 for none.
    pub fn ack_tick(&self) -> u32 {
        self.views.back().map_or(0, |v| v.tick())
    }

    pub fn stats(&self) -> BaselineStats {
        self.stats
    }
}

/// `a <= b` in wrapping tick order.
fn tick_not_after(a: u32, b: u32) -> bool {
    b.wrapping_sub(a) < u32::MAX / 2
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msg::Payload;

    /// A view that sums the bytes of the records it was given, so a test
    /// can tell which baseline a delta was applied to.
    #[derive(Debug, Default, Clone, PartialEq)]
    struct Sum {
        tick: u32,
        seq: u32,
        sum: u32,
    }

    impl SnapshotView for Sum {
        fn tick(&self) -> u32 {
            self.tick
        }
        fn apply(&self, snap: &Snapshot) -> Result<Sum, ApplyError> {
            let base = match snap.baseline_tick() {
                None => Sum::default(),
                Some(b) if b == self.tick => self.clone(),
                Some(baseline) => {
                    return Err(ApplyError::MissingBaseline {
                        tick: snap.tick,
                        baseline,
                    });
                }
            };
            Ok(Sum {
                tick: snap.tick,
                seq: base.seq + snap.input_seq_advance,
                sum: base.sum + snap.records.0.iter().map(|&b| u32::from(b)).sum::<u32>(),
            })
        }
    }

    fn full(tick: u32) -> Snapshot {
        Snapshot {
            tick,
            baseline_age: 0,
            input_seq_advance: 1,
            records: Payload(vec![5]),
        }
    }

    fn delta(tick: u32, age: u8) -> Snapshot {
        Snapshot {
            tick,
            baseline_age: age,
            input_seq_advance: 1,
            records: Payload(vec![1]),
        }
    }

    #[test]
    fn deltas_apply_to_the_named_baseline_not_the_newest() {
        let mut b = Baselines::<Sum>::new();
        b.receive(&full(10)).unwrap();
        b.receive(&delta(11, 1)).unwrap();
        // Tick 12 against 10: the server had not yet seen the ack of 11.
        let v = b.receive(&delta(12, 2)).unwrap();
        assert_eq!(v.sum, 6);
        assert_eq!(v.seq, 2);
        assert_eq!(b.ack_tick(), 12);
        assert_eq!(b.stats().delta, 2);
    }

    #[test]
    fn a_missing_baseline_is_refused_and_counted_then_heals() {
        let mut b = Baselines::<Sum>::new();
        b.receive(&full(10)).unwrap();
        assert_eq!(
            b.receive(&delta(12, 1)),
            Err(ApplyError::MissingBaseline {
                tick: 12,
                baseline: 11
            })
        );
        assert_eq!(b.ack_tick(), 10, "still acknowledges what it holds");
        assert_eq!(b.stats().missing_baseline, 1);
        // The server then deltas against the acknowledged tick...
        assert!(b.receive(&delta(13, 3)).is_ok());
        // ... or, once it is too old, sends a full snapshot: a reset.
        b.receive(&full(60)).unwrap();
        assert_eq!(b.stats().resets, 1);
        assert_eq!(b.stats().full, 2);
        // Full snapshots before any delta (no ack heard yet) are not.
        b.clear();
        b.receive(&full(70)).unwrap();
        b.receive(&full(71)).unwrap();
        assert_eq!(b.stats().resets, 1);
        // A late delta against a view older than a full one still applies.
        assert!(b.receive(&delta(72, 2)).is_ok());
    }

    #[test]
    fn keeps_a_window_and_ignores_stale_snapshots() {
        let mut b = Baselines::<Sum>::new();
        b.receive(&full(1)).unwrap();
        for tick in 2..100 {
            b.receive(&delta(tick, 1)).unwrap();
        }
        assert_eq!(b.views.len(), BASELINE_WINDOW as usize);
        assert!(b.receive(&delta(100, BASELINE_WINDOW as u8)).is_ok());
        b.receive(&delta(50, 1)).unwrap();
        assert_eq!(b.stats().stale, 1);
        assert_eq!(b.ack_tick(), 100);
        b.clear();
        assert_eq!(b.ack_tick(), 0);
    }
}
