//! One bot's receive-side statistics, kept across all its connections:
//! snapshots and the gaps between them (time disconnected excluded), bytes,
//! RTT, input acknowledgement, the bot's own score (as its game keeps it),
//! and what became of the snapshots ([`Deltas`]). Game-neutral: the views
//! themselves are the reader's (`deltas::Views`).

use hdrhistogram::Histogram;

use super::Event;
use super::deltas::Deltas;
use crate::acks::{ACK_RING, AckRing};
use crate::games::Score;

/// A histogram of microseconds: 2 significant digits (1% resolution) and
/// auto-resizing, so an idle one is tiny and a busy one a few KiB.
pub(crate) fn micros_histogram() -> Histogram<u32> {
    Histogram::new(2).expect("2 significant digits is a valid histogram precision")
}

/// Receive-side statistics of one bot. Times are µs since the run's epoch.
#[derive(Debug)]
pub(crate) struct RecvStats {
    /// Snapshot messages received, applied or not: what the server
    /// delivered.
    pub snapshots: u64,
    /// WebSocket payload bytes of data frames received, snapshots included
    /// (they are also in `deltas`).
    pub bytes_down: u64,
    /// The snapshots' byte counts and fates.
    pub deltas: Deltas,
    /// Messages that did not decode (e.g. from a newer server); skipped.
    pub undecodable: u64,
    pub rtt_us: Histogram<u32>,
    pub snapshot_interval_us: Histogram<u32>,
    pub input_ack_us: Histogram<u32>,
    /// The bot's own score in the latest snapshot that showed its entity.
    pub score: Option<Score>,
    /// The longest time in the lobby without a snapshot so far, not
    /// counting time disconnected (see [`RecvStats::on_disconnect`]).
    max_gap_us: u64,
    /// When the current stay in the lobby began (`Joined` arrived); the
    /// first snapshot's wait counts from here.
    lobby_since_us: Option<u64>,
    /// The latest snapshot on the current connection.
    last_snapshot_us: Option<u64>,
    /// A `Joined` came and no snapshot was applied yet.
    first_pending: bool,
    acked_seq: u32,
}

impl RecvStats {
    pub(crate) fn new() -> Self {
        Self {
            snapshots: 0,
            bytes_down: 0,
            deltas: Deltas::default(),
            undecodable: 0,
            rtt_us: micros_histogram(),
            snapshot_interval_us: micros_histogram(),
            input_ack_us: micros_histogram(),
            score: None,
            max_gap_us: 0,
            lobby_since_us: None,
            last_snapshot_us: None,
            first_pending: false,
            acked_seq: 0,
        }
    }

    /// `Joined` arrived at `now_us`: the bot is (back) in its lobby, the
    /// server starts over with a full snapshot (the reader clears its
    /// views), and the wait for the first snapshot starts.
    pub(crate) fn on_joined(&mut self, now_us: u64, acks: &AckRing) {
        acks.set_ack_tick(0);
        self.lobby_since_us = Some(now_us);
        self.last_snapshot_us = None;
        self.first_pending = true;
    }

    /// The connection dropped (on purpose, for chaos) after input
    /// `last_sent_seq` was sent. The time until the bot is back in its
    /// lobby counts as no gap, and inputs sent before the drop are not
    /// timed when a later snapshot acknowledges them: that delay would be
    /// the outage, which the resume latency measures.
    pub(crate) fn on_disconnect(&mut self, last_sent_seq: u32) {
        self.lobby_since_us = None;
        self.last_snapshot_us = None;
        self.first_pending = false;
        self.acked_seq = self.acked_seq.max(last_sent_seq);
    }

    /// A snapshot arrived at `now_us`: counts it and times the gap since
    /// the previous one (or since `Joined`). The reader applies it next.
    pub(crate) fn on_snapshot(&mut self, now_us: u64) {
        self.snapshots += 1;
        if let Some(prev) = self.last_snapshot_us.replace(now_us) {
            let gap = now_us.saturating_sub(prev);
            record(&mut self.snapshot_interval_us, gap);
            self.max_gap_us = self.max_gap_us.max(gap);
        } else if let Some(since) = self.lobby_since_us {
            self.max_gap_us = self.max_gap_us.max(now_us.saturating_sub(since));
        }
    }

    /// The snapshot that arrived at `now_us` applied, as the view of `tick`
    /// with `last_input_seq`, showing the bot's `score` if its game found
    /// it: its tick becomes the driver's acknowledgement, every newly
    /// acknowledged input still in the ring is timed, and the score noted.
    /// A refused snapshot changes nothing but the counts in `deltas`.
    /// Returns the driver's event for the first applied after a `Joined`.
    pub(crate) fn on_applied(
        &mut self,
        now_us: u64,
        (tick, last_input_seq): (u32, u32),
        score: Option<Score>,
        acks: &AckRing,
    ) -> Option<Event> {
        acks.set_ack_tick(tick);
        if last_input_seq > self.acked_seq {
            let oldest = last_input_seq.saturating_sub(ACK_RING as u32 - 1);
            for seq in (self.acked_seq + 1).max(oldest)..=last_input_seq {
                if let Some(sent) = acks.sent_at(seq) {
                    record(&mut self.input_ack_us, now_us.saturating_sub(sent));
                }
            }
            self.acked_seq = last_input_seq;
        }
        if score.is_some() {
            self.score = score;
        }
        std::mem::take(&mut self.first_pending).then_some(Event::FirstSnapshot {
            at_us: now_us,
            score,
        })
    }

    /// The longest time in the lobby without a snapshot, up to `left_us`
    /// (when the bot left or failed): before the first after a `Joined`,
    /// between two, or after the last. Time disconnected does not count.
    /// `None` when no snapshot came at all.
    pub(crate) fn longest_gap_us(&self, left_us: u64) -> Option<u64> {
        if self.snapshots == 0 {
            return None;
        }
        let tail = self
            .last_snapshot_us
            .or(self.lobby_since_us)
            .map_or(0, |t| left_us.saturating_sub(t));
        Some(self.max_gap_us.max(tail))
    }

    /// A pong for the ping sent at `client_time` arrived at `now_us`.
    pub(crate) fn on_pong(&mut self, now_us: u64, client_time: u64) {
        if client_time <= now_us {
            record(&mut self.rtt_us, now_us - client_time);
        }
    }
}

fn record(h: &mut Histogram<u32>, value: u64) {
    // Auto-resizing histograms only refuse a value they cannot allocate
    // for; losing one sample then is the right trade.
    let _ = h.record(value);
}
