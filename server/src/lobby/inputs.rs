//! A lobby's input policy: each member's bounded queue of pending inputs
//! in `seq` order, how many a tick applies, and when snapshots are due.

use std::time::Duration;

use rallypoint_game::{Game, PlayerId};

use super::handle::{Incoming, Queued};
use super::task::Lobby;

/// Inputs of one member applied in a single tick. Default: 2. A client sends
/// one input per tick; allowing two lets a burst that arrives late after
/// network jitter drain within a few ticks, while capping how much faster
/// than the tick rate a cheating client can move (2x for one tick at most
/// per queued input).
pub const MAX_INPUTS_PER_TICK: usize = 2;

/// Pending inputs at or below which a tick applies just one: a client
/// sends one input per tick, so a queue this short is jitter (two inputs
/// landing between the same pair of ticks), not lag. Applying one keeps the
/// player moving one step every tick instead of two steps then none, which
/// is smoother to watch and cheaper to replicate (a steady track costs no
/// bytes). Default: 2. A longer queue is lag, and drains at
/// [`MAX_INPUTS_PER_TICK`].
pub const STEADY_PENDING_INPUTS: usize = 2;

/// Inputs one member may have waiting. Default: 32, about a second at 30 Hz.
/// When full, the oldest pending input is dropped: the newest intent wins.
pub const MAX_PENDING_INPUTS: usize = 32;

/// Whether tick `tick` sends snapshots, at `snapshot_hz` of `tick_hz`: when
/// `tick * snapshot_hz / tick_hz` moves on to the next whole number, so
/// snapshots are spread as evenly as the ticks allow (every tick at equal
/// rates, every other tick at half).
pub(super) fn snapshot_due(tick: u32, tick_hz: u16, snapshot_hz: u16) -> bool {
    let (t, s, hz) = (
        u64::from(tick),
        u64::from(snapshot_hz),
        u64::from(tick_hz.max(1)),
    );
    t == 0 || (t * s) / hz != ((t - 1) * s) / hz
}

/// How many of `pending` queued inputs a tick applies, when `elapsed` tick
/// periods have passed since the last tick (1 on time; more when the
/// machine was too busy and deadlines were skipped). Per period: one while
/// the queue is short, up to [`MAX_INPUTS_PER_TICK`] to drain a backlog.
/// Scaling by the periods that really passed keeps a starved lobby applying
/// inputs as fast as clients send them, instead of letting queues fill and
/// drop inputs (which breaks every client's reconciliation), and gives a
/// client no more than it gets on time: at most two inputs a period.
pub(super) fn inputs_this_tick(pending: usize, elapsed: usize) -> usize {
    let elapsed = elapsed.clamp(1, MAX_PENDING_INPUTS);
    if pending <= STEADY_PENDING_INPUTS * elapsed {
        pending.min(elapsed)
    } else {
        pending.min(MAX_INPUTS_PER_TICK * elapsed)
    }
}

/// Whole tick periods in `since_last`, at least 1: how many ticks should
/// have run since the previous one.
pub(super) fn ticks_elapsed(since_last: Duration, period: Duration) -> usize {
    let periods = since_last.as_secs_f64() / period.as_secs_f64().max(1e-9);
    (periods.round() as usize).max(1)
}

impl<G: Game> Lobby<G> {
    /// Files what came from a connection: an input in its member's pending
    /// queue, a message in this tick's list, an ack in the member's
    /// replica. Anything from a player who is not an attached member (it
    /// left, or dropped, since sending) is ignored.
    pub(super) fn incoming(&mut self, player: PlayerId, incoming: Incoming<G::Input, G::Msg>) {
        match incoming {
            Incoming::Input(input) => self.queue_input(player, input),
            Incoming::Msg(msg) => {
                if self.attached(player).is_some() {
                    self.msgs.push((player, msg));
                }
            }
            Incoming::Ack(tick) => {
                if let Some(m) = self.attached(player) {
                    m.replica.ack(tick);
                }
            }
        }
    }

    fn attached(&mut self, player: PlayerId) -> Option<&mut super::members::Member<G::Input>> {
        self.members
            .iter_mut()
            .find(|m| m.player == player && m.outbox.is_some())
    }

    /// Files an input in its member's pending queue.
    fn queue_input(&mut self, player: PlayerId, input: Queued<G::Input>) {
        let Some(m) = self.members.iter_mut().find(|m| m.player == player) else {
            return;
        };
        if m.outbox.is_none() {
            return;
        }
        // Even a stale input's ack is news: it names a baseline.
        m.replica.ack(input.ack_tick);
        if input.seq <= m.last_accepted {
            // Stale or repeated: each seq is applied at most once.
            crate::metrics::metrics().reject_input("stale seq");
            return;
        }
        m.last_accepted = input.seq;
        if m.pending.len() >= MAX_PENDING_INPUTS {
            m.pending.pop_front();
            crate::metrics::metrics().reject_input("pending queue full");
        }
        m.pending.push_back(input);
    }

    /// This tick's inputs: each member's pending ones, in order, up to the
    /// cap, members in join order.
    pub(super) fn collect_inputs(&mut self, elapsed: usize) {
        self.inputs.clear();
        for m in &mut self.members {
            let n = inputs_this_tick(m.pending.len(), elapsed);
            for queued in m.pending.drain(..n) {
                m.last_applied = queued.seq;
                self.inputs.push((m.player, queued.input));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_are_spread_evenly_at_their_rate() {
        let due = |tick_hz, snapshot_hz| {
            (1..=60)
                .filter(|&t| snapshot_due(t, tick_hz, snapshot_hz))
                .collect::<Vec<u32>>()
        };
        assert_eq!(due(30, 30).len(), 60);
        let half = due(30, 15);
        assert_eq!(half.len(), 30);
        assert!(half.iter().all(|t| t % 2 == 0), "{half:?}");
        let twenty = due(30, 20);
        assert_eq!(twenty.len(), 40);
        assert!(twenty.windows(2).all(|w| (1..=2).contains(&(w[1] - w[0]))));
        assert_eq!(due(30, 1).len(), 2);
    }

    #[test]
    fn a_short_queue_is_applied_one_a_tick_and_a_long_one_drains_faster() {
        let applied: Vec<usize> = (0..=5).map(|n| inputs_this_tick(n, 1)).collect();
        assert_eq!(applied, [0, 1, 1, 2, 2, 2]);
        assert_eq!(inputs_this_tick(MAX_PENDING_INPUTS, 1), MAX_INPUTS_PER_TICK);
    }

    #[test]
    fn a_late_tick_applies_the_inputs_of_every_period_it_missed() {
        // Three periods since the last tick: three inputs for a steady
        // client, up to six to drain a backlog, never the whole queue.
        assert_eq!(inputs_this_tick(3, 3), 3);
        assert_eq!(inputs_this_tick(2, 3), 2);
        assert_eq!(inputs_this_tick(20, 3), 6);
        let period = Duration::from_millis(33);
        assert_eq!(ticks_elapsed(Duration::from_millis(30), period), 1);
        assert_eq!(ticks_elapsed(Duration::ZERO, period), 1);
        assert_eq!(ticks_elapsed(Duration::from_millis(100), period), 3);
    }
}
