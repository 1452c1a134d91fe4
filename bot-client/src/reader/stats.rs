//! One bot's receive-side statistics, kept across all its connections:
//! snapshots and the gaps between them (time disconnected excluded), bytes,
//! RTT, input acknowledgement and the bot's own score; and which server
//! messages become events for the driver.

use hdrhistogram::Histogram;
use rallypoint_shared::{EntityId, ServerMsg, Snapshot};
use tracing::debug;

use super::Event;
use crate::acks::{ACK_RING, AckRing};

/// A player's score as snapshots show it. It only ever grows, resumes
/// included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Score {
    pub kills: u32,
    pub deaths: u32,
}

impl Score {
    /// Whether `self`, seen after a resume, kept everything of `before`.
    pub(crate) fn kept(self, before: Score) -> bool {
        self.kills >= before.kills && self.deaths >= before.deaths
    }
}

/// A histogram of microseconds: 2 significant digits (1% resolution) and
/// auto-resizing, so an idle one is tiny and a busy one a few KiB.
pub(crate) fn micros_histogram() -> Histogram<u32> {
    Histogram::new(2).expect("2 significant digits is a valid histogram precision")
}

/// Receive-side statistics of one bot. Times are µs since the run's epoch.
#[derive(Debug)]
pub(crate) struct RecvStats {
    pub snapshots: u64,
    /// WebSocket payload bytes of data frames received.
    pub bytes_down: u64,
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
    /// The bot's entity, from the latest `Joined`.
    entity: Option<EntityId>,
    /// A `Joined` came and no snapshot yet.
    first_pending: bool,
    acked_seq: u32,
}

impl RecvStats {
    pub(crate) fn new() -> Self {
        Self {
            snapshots: 0,
            bytes_down: 0,
            undecodable: 0,
            rtt_us: micros_histogram(),
            snapshot_interval_us: micros_histogram(),
            input_ack_us: micros_histogram(),
            score: None,
            max_gap_us: 0,
            lobby_since_us: None,
            last_snapshot_us: None,
            entity: None,
            first_pending: false,
            acked_seq: 0,
        }
    }

    /// `Joined` arrived at `now_us`: the bot is (back) in its lobby as
    /// `entity`, and the wait for the first snapshot starts.
    pub(crate) fn on_joined(&mut self, now_us: u64, entity: EntityId) {
        self.lobby_since_us = Some(now_us);
        self.last_snapshot_us = None;
        self.entity = Some(entity);
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

    /// A snapshot arrived at `now_us`: notes its tick for the driver's
    /// `ack_tick`, times the gap since the previous one (or since `Joined`),
    /// every newly acknowledged input still in the ring, and notes the bot's
    /// score. Returns the event for the first
    /// snapshot after a `Joined`.
    pub(crate) fn on_snapshot(
        &mut self,
        now_us: u64,
        snapshot: &Snapshot,
        acks: &AckRing,
    ) -> Option<Event> {
        self.snapshots += 1;
        acks.saw_tick(snapshot.tick);
        if let Some(prev) = self.last_snapshot_us.replace(now_us) {
            let gap = now_us.saturating_sub(prev);
            record(&mut self.snapshot_interval_us, gap);
            self.max_gap_us = self.max_gap_us.max(gap);
        } else if let Some(since) = self.lobby_since_us {
            self.max_gap_us = self.max_gap_us.max(now_us.saturating_sub(since));
        }
        let last_input_seq = snapshot.last_input_seq;
        if last_input_seq > self.acked_seq {
            let oldest = last_input_seq.saturating_sub(ACK_RING as u32 - 1);
            for seq in (self.acked_seq + 1).max(oldest)..=last_input_seq {
                if let Some(sent) = acks.sent_at(seq) {
                    record(&mut self.input_ack_us, now_us.saturating_sub(sent));
                }
            }
            self.acked_seq = last_input_seq;
        }
        let own = self
            .entity
            .and_then(|entity| snapshot.players.iter().find(|p| p.id == entity));
        let score = own.map(|p| Score {
            kills: p.kills,
            deaths: p.deaths,
        });
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

    /// Measures `msg`, and returns the event the driver needs, if any.
    pub(super) fn on_message(
        &mut self,
        msg: ServerMsg,
        now_us: u64,
        acks: &AckRing,
    ) -> Option<Event> {
        match msg {
            ServerMsg::Snapshot(s) => self.on_snapshot(now_us, &s, acks),
            ServerMsg::Pong { client_time, .. } => {
                self.on_pong(now_us, client_time);
                None
            }
            ServerMsg::Welcome {
                player,
                protocol_version,
                tick_hz,
                resume_token,
                ..
            } => Some(Event::Welcome {
                player,
                protocol_version,
                tick_hz,
                resume_token,
            }),
            ServerMsg::Joined {
                lobby,
                entity,
                join_code,
                ..
            } => {
                self.on_joined(now_us, entity);
                Some(Event::Joined {
                    lobby,
                    entity,
                    join_code,
                })
            }
            ServerMsg::Left => Some(Event::Left),
            ServerMsg::Error { code, message } => {
                debug!(?code, message, "server error");
                Some(Event::Error(code))
            }
            ServerMsg::ShuttingDown { reason, drain_secs } => {
                debug!(%reason, drain_secs, "server shutting down");
                Some(Event::ShuttingDown { drain_secs })
            }
            ServerMsg::LobbyList { .. } | ServerMsg::Roster { .. } => None,
        }
    }
}

fn record(h: &mut Histogram<u32>, value: u64) {
    // Auto-resizing histograms only refuse a value they cannot allocate
    // for; losing one sample then is the right trade.
    let _ = h.record(value);
}

#[cfg(test)]
mod tests {
    use glam::Vec2;
    use rallypoint_shared::PlayerState;

    use super::*;

    const ME: EntityId = EntityId {
        index: 1,
        generation: 0,
    };

    fn snap(last_input_seq: u32) -> Snapshot {
        Snapshot {
            last_input_seq,
            ..Snapshot::default()
        }
    }

    fn scored(id: EntityId, kills: u32, deaths: u32) -> Snapshot {
        Snapshot {
            players: vec![PlayerState {
                id,
                pos: Vec2::ZERO,
                aim: Vec2::X,
                hp: 100,
                alive: true,
                kills,
                deaths,
            }],
            ..Snapshot::default()
        }
    }

    #[test]
    fn snapshots_time_intervals_and_acknowledged_inputs() {
        let acks = AckRing::new();
        let mut s = RecvStats::new();
        acks.record(1, 1_000);
        acks.record(2, 2_000);
        acks.record(3, 3_000);
        s.on_snapshot(10_000, &snap(0), &acks);
        s.on_snapshot(12_000, &snap(2), &acks); // acks 1 (11 ms) and 2 (10 ms)
        s.on_snapshot(15_000, &snap(2), &acks); // nothing new
        s.on_snapshot(16_000, &snap(3), &acks); // acks 3 (13 ms)
        assert_eq!(s.snapshots, 4);
        assert_eq!(s.snapshot_interval_us.len(), 3);
        assert!(
            s.snapshot_interval_us
                .equivalent(s.snapshot_interval_us.max(), 3_000)
        );
        assert_eq!(s.input_ack_us.len(), 3);
        assert!(s.input_ack_us.equivalent(s.input_ack_us.min(), 10_000));
        assert!(s.input_ack_us.equivalent(s.input_ack_us.max(), 13_000));
    }

    #[test]
    fn snapshot_ticks_become_the_newest_ack_tick() {
        let acks = AckRing::new();
        let mut s = RecvStats::new();
        for tick in [7, 9, 8] {
            let snapshot = Snapshot {
                tick,
                ..Snapshot::default()
            };
            s.on_snapshot(u64::from(tick) * 1_000, &snapshot, &acks);
        }
        assert_eq!(acks.newest_tick(), 9);
    }

    #[test]
    fn longest_gap_covers_the_start_the_middle_and_the_end() {
        let acks = AckRing::new();
        let gaps = |joined: u64, left: u64| {
            let mut s = RecvStats::new();
            assert_eq!(s.longest_gap_us(left), None);
            s.on_joined(joined, ME);
            for t in [5_000, 6_000, 9_000, 10_000] {
                s.on_snapshot(t, &snap(0), &acks);
            }
            s.longest_gap_us(left)
        };
        assert_eq!(gaps(4_000, 10_500), Some(3_000));
        assert_eq!(gaps(0, 10_500), Some(5_000));
        assert_eq!(gaps(4_000, 20_000), Some(10_000));
    }

    #[test]
    fn time_disconnected_is_no_gap_and_old_inputs_are_not_timed() {
        let acks = AckRing::new();
        let mut s = RecvStats::new();
        s.on_joined(0, ME);
        acks.record(1, 0);
        s.on_snapshot(1_000, &snap(0), &acks);
        // Dropped at 2 ms after sending inputs 1 and 2; back at 900 ms.
        acks.record(2, 1_500);
        s.on_disconnect(2);
        assert_eq!(s.longest_gap_us(500_000), Some(1_000));
        s.on_joined(900_000, ME);
        acks.record(3, 900_500);
        s.on_snapshot(901_000, &snap(3), &acks);
        s.on_snapshot(902_000, &snap(3), &acks);
        assert_eq!(s.longest_gap_us(902_000), Some(1_000));
        // Only input 3, sent on the new connection, was timed.
        assert_eq!(s.input_ack_us.len(), 1);
        assert_eq!(s.snapshot_interval_us.len(), 1);
    }

    #[test]
    fn the_first_snapshot_after_joined_carries_the_own_score() {
        let acks = AckRing::new();
        let mut s = RecvStats::new();
        s.on_joined(0, ME);
        let other = EntityId {
            index: 2,
            generation: 0,
        };
        let first = s.on_snapshot(1_000, &scored(other, 9, 9), &acks);
        assert!(matches!(
            first,
            Some(Event::FirstSnapshot {
                at_us: 1_000,
                score: None
            })
        ));
        assert!(s.on_snapshot(2_000, &scored(ME, 3, 1), &acks).is_none());
        assert_eq!(
            s.score,
            Some(Score {
                kills: 3,
                deaths: 1
            })
        );
        // A snapshot without the own entity keeps the last score seen.
        s.on_snapshot(3_000, &snap(0), &acks);
        assert_eq!(
            s.score,
            Some(Score {
                kills: 3,
                deaths: 1
            })
        );
        s.on_disconnect(0);
        s.on_joined(10_000, ME);
        let first = s.on_snapshot(11_000, &scored(ME, 3, 2), &acks);
        let Some(Event::FirstSnapshot {
            score: Some(after), ..
        }) = first
        else {
            panic!("{first:?}");
        };
        assert!(after.kept(Score {
            kills: 3,
            deaths: 1
        }));
        assert!(
            !Score {
                kills: 2,
                deaths: 5
            }
            .kept(Score {
                kills: 3,
                deaths: 1
            })
        );
    }

    #[test]
    fn acks_beyond_the_ring_are_not_timed() {
        let acks = AckRing::new();
        let mut s = RecvStats::new();
        for seq in 1..=1000 {
            acks.record(seq, u64::from(seq));
        }
        s.on_snapshot(5_000, &snap(1000), &acks);
        assert_eq!(s.input_ack_us.len(), ACK_RING as u64);
    }

    #[test]
    fn pongs_measure_rtt_and_ignore_future_times() {
        let mut s = RecvStats::new();
        s.on_pong(5_000, 4_000);
        s.on_pong(5_000, 9_000);
        assert_eq!(s.rtt_us.len(), 1);
        assert!(s.rtt_us.equivalent(s.rtt_us.max(), 1_000));
    }
}
