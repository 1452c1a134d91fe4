//! One client's side of replication on the server: the snapshots sent to it
//! lately (what it could see in each, its exact position, its input seq)
//! and the newest one it acknowledged, which is the baseline of its next
//! delta.

use std::collections::VecDeque;

use glam::IVec2;
use rallypoint_shared::snapshot::BASELINE_WINDOW;

/// What one snapshot gave a client: enough to delta the next against it.
#[derive(Debug, Clone, Default)]
pub struct Sent {
    pub tick: u32,
    pub me: IVec2,
    pub last_input_seq: u32,
    /// The entities in it: indices into the entities of the frame of
    /// `tick`, ascending (so in key order). Four bytes an entity, where a
    /// key would take twelve: each client keeps a window of these.
    pub entities: Vec<u32>,
}

/// Most snapshots remembered per client: every tick that can still be a
/// baseline. Default: [`BASELINE_WINDOW`] + 1.
const SENT_KEPT: usize = BASELINE_WINDOW as usize + 1;

/// A client's replication state. Starts (and after [`Replica::reset`]
/// restarts) with nothing acknowledged, so its first snapshot is full.
#[derive(Debug, Default)]
pub struct Replica {
    sent: VecDeque<Sent>,
    /// The newest acknowledged tick that was sent to this client.
    acked: Option<u32>,
}

impl Replica {
    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets everything: on a resume, the new connection's client holds
    /// no views.
    pub fn reset(&mut self) {
        self.sent.clear();
        self.acked = None;
    }

    /// The client says it holds the snapshot of `tick`. Only a tick that
    /// was sent on this replica and is newer than the last ack counts: a
    /// forged or stale ack cannot make the server delta against something
    /// the client never had.
    pub fn ack(&mut self, tick: u32) {
        let newer = self.acked.is_none_or(|a| newer_than(tick, a));
        // Newest first: an ack almost always names one of the last few
        // snapshots, and this runs for every input.
        if newer && self.sent.iter().rev().any(|s| s.tick == tick) {
            self.acked = Some(tick);
        }
    }

    /// The snapshot to delta against at tick `now`: the acknowledged one,
    /// if it is at most [`BASELINE_WINDOW`] ticks old.
    pub fn baseline(&self, now: u32) -> Option<&Sent> {
        let acked = self.acked?;
        let age = now.wrapping_sub(acked);
        if age == 0 || age > BASELINE_WINDOW {
            return None;
        }
        self.sent.iter().rev().find(|s| s.tick == acked)
    }

    /// A record for the snapshot about to be sent, to fill in; it reuses the
    /// oldest record's allocations once the window is full.
    pub fn next_record(&mut self) -> Sent {
        let mut s = if self.sent.len() >= SENT_KEPT {
            self.sent.pop_front().unwrap_or_default()
        } else {
            Sent::default()
        };
        s.entities.clear();
        s
    }

    /// Remembers a snapshot as sent.
    pub fn record(&mut self, sent: Sent) {
        if self
            .acked
            .is_some_and(|a| !self.sent.iter().any(|s| s.tick == a))
        {
            self.acked = None; // the acked record fell out of the window
        }
        self.sent.push_back(sent);
    }
}

/// `a` is after `b` in wrapping tick order.
fn newer_than(a: u32, b: u32) -> bool {
    let d = a.wrapping_sub(b);
    d != 0 && d < u32::MAX / 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn send(r: &mut Replica, tick: u32) {
        let mut s = r.next_record();
        s.tick = tick;
        r.record(s);
    }

    #[test]
    fn only_acks_of_sent_ticks_count_and_only_newer_ones() {
        let mut r = Replica::new();
        assert!(r.baseline(5).is_none());
        send(&mut r, 1);
        send(&mut r, 2);
        r.ack(7); // never sent
        assert!(r.baseline(3).is_none());
        r.ack(2);
        assert_eq!(r.baseline(3).unwrap().tick, 2);
        r.ack(1); // older than the last ack
        assert_eq!(r.baseline(3).unwrap().tick, 2);
        r.reset();
        assert!(r.baseline(3).is_none());
    }

    #[test]
    fn a_baseline_too_old_is_none() {
        let mut r = Replica::new();
        send(&mut r, 10);
        r.ack(10);
        assert!(r.baseline(10 + BASELINE_WINDOW).is_some());
        assert!(r.baseline(11 + BASELINE_WINDOW).is_none());
        for t in 11..=(12 + BASELINE_WINDOW) {
            send(&mut r, t);
        }
        assert_eq!(r.sent.len(), SENT_KEPT);
        assert!(r.acked.is_none(), "the acked record is gone");
    }
}
