//! The bot's copy of its lobby's world, rebuilt from delta snapshots, and
//! what the deltas cost.
//!
//! [`Deltas`] keeps the views ([`Baselines`]) a delta may name as its
//! baseline, cleared on every `Joined`, and counts the payload bytes of full
//! and delta snapshots. It also prices views as the plain full snapshot
//! (`WorldView::to_full`, encoded into a reused buffer): that size, the
//! *full-equivalent*, is what the same state would have cost without
//! deltas, so the report can say what they save.
//!
//! **Sampled**: it prices one applied snapshot in
//! [`FULL_EQUIVALENT_EVERY`] (the first, then every Nth), and estimates
//! the total as the mean priced size times the snapshots applied. Pricing
//! every one re-encoded every view just for this statistic, which profiling
//! showed was about a tenth of the bot process's CPU at 800 bots, more than
//! decoding the snapshots; a view's full size drifts slowly (players come
//! and go, projectiles fly), so a sample every half second per bot, over
//! hundreds of bots, estimates the mean closely.
//!
//! A snapshot that cannot be applied (its baseline is not held, or it names
//! an entity the baseline lacks) is counted and skipped, never fatal: the
//! bot keeps acknowledging the newest view it holds, and the server's next
//! delta against that one (or a full snapshot) heals it.

use rallypoint_shared::baselines::{BaselineStats, Baselines};
use rallypoint_shared::snapshot::{ApplyError, Snapshot, WorldView, from_fixed};
use rallypoint_shared::{CodecError, EntityId, ServerMsg, encode_server_into};
use tracing::debug;

use super::Score;
use crate::predict::Own;

/// Price one applied snapshot in this many as a full snapshot (the first
/// applied is always priced). Default: 16, about two a second per bot at
/// 30 snapshots a second: a run of hundreds of bots prices tens of
/// thousands of views, at a sixteenth of the cost of pricing them all.
pub const FULL_EQUIVALENT_EVERY: u64 = 16;

/// The bot's views and the byte counts of the snapshots that built them.
#[derive(Debug, Default)]
pub(crate) struct Deltas {
    baselines: Baselines,
    /// Payload bytes of full snapshots (`baseline_age` 0) received,
    /// applied or not.
    pub full_bytes: u64,
    /// Payload bytes of delta snapshots received, applied or not.
    pub delta_bytes: u64,
    /// Snapshots applied, full and delta, across all connections.
    applied: u64,
    /// Applied snapshots whose views were priced as full snapshots
    /// (one in [`FULL_EQUIVALENT_EVERY`]).
    priced: u64,
    /// What those priced views encode to as full snapshots.
    priced_bytes: u64,
    /// Snapshots refused because a change named an entity the baseline
    /// does not have: a server bug, not a lost baseline.
    pub invalid: u64,
    /// The encode buffer for the full-equivalent size, reused.
    scratch: Vec<u8>,
}

impl Deltas {
    /// Forgets every view: the server starts over with a full snapshot
    /// after each `Joined`. The counts are kept.
    pub(crate) fn clear(&mut self) {
        self.baselines.clear();
    }

    /// The tick to acknowledge in the next input: the newest view held.
    pub(crate) fn ack_tick(&self) -> u32 {
        self.baselines.ack_tick()
    }

    /// What the baselines counted: full and delta snapshots applied,
    /// resets, missing baselines, stale snapshots.
    pub(crate) fn stats(&self) -> BaselineStats {
        self.baselines.stats()
    }

    /// Takes a snapshot of `payload_len` bytes on the wire. Returns the new
    /// view when it was applied; `None` when it was refused or stale.
    pub(crate) fn receive(&mut self, snap: &Snapshot, payload_len: usize) -> Option<&WorldView> {
        let bytes = payload_len as u64;
        match snap.baseline_age {
            0 => self.full_bytes += bytes,
            _ => self.delta_bytes += bytes,
        }
        let stale_before = self.baselines.stats().stale;
        if let Err(err) = self.baselines.receive(snap) {
            debug!(%err, "snapshot not applied");
            if matches!(err, ApplyError::UnknownEntity { .. }) {
                self.invalid += 1;
            }
            return None;
        }
        // A stale snapshot comes back as the newest view, unchanged.
        if self.baselines.stats().stale != stale_before {
            return None;
        }
        let view = self.baselines.newest()?;
        if self.applied.is_multiple_of(FULL_EQUIVALENT_EVERY) {
            self.scratch.clear();
            let full = ServerMsg::Snapshot(view.to_full());
            self.priced_bytes += match encode_server_into(&full, &mut self.scratch) {
                Ok(()) => self.scratch.len(),
                // Past the message limit the server could not have sent it
                // whole; what it would have taken is still the number.
                Err(CodecError::TooLarge { len, .. }) => len,
                Err(_) => 0,
            } as u64;
            self.priced += 1;
        }
        self.applied += 1;
        Some(view)
    }

    /// What the snapshots applied would have cost as full snapshots: the
    /// mean priced size times the number applied (exact when every view
    /// has the same full size).
    pub(crate) fn full_equivalent_bytes(&self) -> u64 {
        match self.priced {
            0 => 0,
            priced => {
                (self.priced_bytes as f64 * self.applied as f64 / priced as f64).round() as u64
            }
        }
    }
}

/// The bot's own player in `view`, for prediction: its exact position and,
/// if the view shows its entity (`players` and `scores` are keyed by the
/// entity's index), whether it is alive and its deaths.
pub(crate) fn own(view: &WorldView, entity: EntityId) -> Option<Own> {
    let player = view.players.get(&entity.index)?;
    Some(Own {
        seq: view.last_input_seq,
        // Exact: the server keeps positions on the fixed-point grid, so
        // this is its `f32` position bit for bit.
        pos: from_fixed(view.me),
        alive: player.alive,
        deaths: view.scores.get(&entity.index).map_or(0, |s| s.deaths),
    })
}

/// The bot's score in `view`, if the score table has its entity.
pub(crate) fn own_score(view: &WorldView, entity: EntityId) -> Option<Score> {
    view.scores.get(&entity.index).map(|s| Score {
        kills: s.kills,
        deaths: s.deaths,
    })
}

#[cfg(test)]
mod tests;
