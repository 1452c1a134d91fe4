//! The bot's copy of its lobby's game, rebuilt from delta snapshots, and
//! what the deltas cost.
//!
//! [`Views`] keeps the views ([`Baselines`] of the game's
//! [`GameView`]) a delta may name as its baseline; a reader starts with
//! none, and every `Joined` clears them. [`Deltas`] counts, across all of a
//! bot's connections, the payload bytes of full and delta snapshots and
//! what became of them. Views are also priced as the plain full snapshot
//! (`View::to_full`, encoded into a reused buffer): that size, the
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

use rallypoint_game::Game;
use rallypoint_game::view::GameView;
use rallypoint_shared::baselines::{BaselineStats, Baselines};
use rallypoint_shared::snapshot::{ApplyError, Snapshot};
use rallypoint_shared::{CodecError, ServerMsg, encode_server_into};
use tracing::debug;

/// Price one applied snapshot in this many as a full snapshot (the first
/// applied is always priced). Default: 16, about two a second per bot at
/// 30 snapshots a second: a run of hundreds of bots prices tens of
/// thousands of views, at a sixteenth of the cost of pricing them all.
pub const FULL_EQUIVALENT_EVERY: u64 = 16;

/// The byte counts and fates of a bot's snapshots, over all its
/// connections.
#[derive(Debug, Default)]
pub(crate) struct Deltas {
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
    /// Snapshots refused because a record named an entity, row or
    /// singleton the baseline does not have: a server bug, not a lost
    /// baseline.
    pub invalid: u64,
    /// What the baselines of every connection counted.
    baselines: BaselineStats,
}

impl Deltas {
    /// Full and delta snapshots applied, resets, missing baselines, stale
    /// snapshots.
    pub(crate) fn stats(&self) -> BaselineStats {
        self.baselines
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

    /// Adds what a [`Baselines`] counted between `before` and `after`.
    fn add_baselines(&mut self, before: BaselineStats, after: BaselineStats) {
        let b = &mut self.baselines;
        b.full += after.full - before.full;
        b.delta += after.delta - before.delta;
        b.resets += after.resets - before.resets;
        b.missing_baseline += after.missing_baseline - before.missing_baseline;
        b.stale += after.stale - before.stale;
    }
}

/// The views of game `G` one connection's reader holds.
#[derive(Debug)]
pub(crate) struct Views<G: Game> {
    baselines: Baselines<GameView<G>>,
    /// The encode buffer for the full-equivalent size, reused.
    scratch: Vec<u8>,
}

impl<G: Game> Default for Views<G> {
    fn default() -> Self {
        Views {
            baselines: Baselines::new(),
            scratch: Vec::new(),
        }
    }
}

impl<G: Game> Views<G> {
    /// Forgets every view: the server starts over with a full snapshot
    /// after each `Joined`.
    pub(crate) fn clear(&mut self) {
        self.baselines.clear();
    }

    /// The tick to acknowledge next: the newest view held (0: none).
    #[cfg(test)]
    pub(crate) fn ack_tick(&self) -> u32 {
        self.baselines.ack_tick()
    }

    /// Takes a snapshot of `payload_len` bytes on the wire, counted in
    /// `counts`. Returns the new view when it was applied; `None` when it
    /// was refused or stale.
    pub(crate) fn receive(
        &mut self,
        snap: &Snapshot,
        payload_len: usize,
        counts: &mut Deltas,
    ) -> Option<&GameView<G>> {
        let bytes = payload_len as u64;
        match snap.baseline_age {
            0 => counts.full_bytes += bytes,
            _ => counts.delta_bytes += bytes,
        }
        let before = self.baselines.stats();
        let received = self.baselines.receive(snap).map(|_| ());
        let after = self.baselines.stats();
        counts.add_baselines(before, after);
        if let Err(err) = received {
            debug!(%err, "snapshot not applied");
            if matches!(err, ApplyError::UnknownEntity { .. }) {
                counts.invalid += 1;
            }
            return None;
        }
        // A stale snapshot comes back as the newest view, unchanged.
        if after.stale != before.stale {
            return None;
        }
        let view = self.baselines.newest()?;
        if counts.applied.is_multiple_of(FULL_EQUIVALENT_EVERY) {
            counts.priced_bytes += full_size::<G>(view, &mut self.scratch);
            counts.priced += 1;
        }
        counts.applied += 1;
        Some(view)
    }
}

/// What `view` encodes to as a full snapshot message.
fn full_size<G: Game>(view: &GameView<G>, scratch: &mut Vec<u8>) -> u64 {
    let full = match view.to_full() {
        Ok(full) => ServerMsg::Snapshot(full),
        Err(err) => {
            debug!(%err, "view not encodable as a full snapshot");
            return 0;
        }
    };
    scratch.clear();
    (match encode_server_into(&full, scratch) {
        Ok(()) => scratch.len(),
        // Past the message limit the server could not have sent it whole;
        // what it would have taken is still the number.
        Err(CodecError::TooLarge { len, .. }) => len,
        Err(_) => 0,
    }) as u64
}

#[cfg(test)]
mod tests;
