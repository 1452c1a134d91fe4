//! The report's part on delta snapshots: where the bytes down went (full
//! snapshots, deltas, everything else), what full snapshots of the same
//! states would have cost, and how the bots' baselines fared.

use std::fmt;

use serde::Serialize;

use super::mean_min;
use crate::outcome::BotResult;
use crate::reader::FULL_EQUIVALENT_EVERY;

/// Delta snapshots, as the bots received them. Byte rates are WebSocket
/// payload bytes per second connected, the mean over the bots that
/// connected, like `bytes_down_per_bot_per_sec`, which is the sum of the
/// full, delta and other rates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct DeltaReport {
    /// Snapshots with `baseline_age` 0, applied or not.
    pub full_bytes_per_bot_per_sec: f64,
    /// Snapshots against a baseline, applied or not.
    pub delta_bytes_per_bot_per_sec: f64,
    /// Every other message received, undecodable ones included.
    pub other_bytes_per_bot_per_sec: f64,
    /// What the plain full-snapshot encoding of the same states would have
    /// cost: per bot, the mean encoded size of
    /// `ServerMsg::Snapshot(view.to_full())` over the views it priced (one
    /// applied snapshot in `full_equivalent_sampled_every`), times the
    /// snapshots it applied.
    pub full_equivalent_bytes_per_bot_per_sec: f64,
    /// Full-equivalent bytes ÷ snapshot bytes received (full and delta,
    /// refused ones included), summed over all bots: how many times fewer
    /// bytes the deltas took. 0 when no snapshot came.
    pub full_equivalent_ratio: f64,
    /// Each bot priced one applied snapshot in this many (the first
    /// included) for the full-equivalent, and scaled up.
    pub full_equivalent_sampled_every: u64,
    /// Full snapshots applied: one after every join and resume, plus resets.
    pub full_snapshots: u64,
    /// Delta snapshots applied.
    pub delta_snapshots: u64,
    /// Full snapshots that replaced views a bot held: the server had no
    /// baseline it could use for it.
    pub baseline_resets: u64,
    /// Deltas refused because their baseline was not held (not a failure:
    /// the bot acknowledges what it holds, and the server heals it).
    pub missing_baseline: u64,
    /// Bots that refused at least one delta for a missing baseline.
    pub bots_missing_baseline: u32,
    /// Snapshots not newer than the bot's newest view, ignored.
    pub stale_snapshots: u64,
    /// Snapshots refused for naming an entity their baseline lacks.
    pub invalid_snapshots: u64,
}

impl DeltaReport {
    /// Aggregates `results`; the byte rates over `connected`, the bots that
    /// were connected for some time.
    pub(super) fn build(results: &[BotResult], connected: &[&BotResult]) -> Self {
        let rate = |bytes: fn(&BotResult) -> u64| {
            mean_min(connected, |r| bytes(r) as f64 / r.connected_secs).mean
        };
        let sum = |count: fn(&BotResult) -> u64| results.iter().map(count).sum::<u64>();
        let snapshot_bytes = sum(|r| r.recv.deltas.full_bytes + r.recv.deltas.delta_bytes);
        let full_equivalent = sum(|r| r.recv.deltas.full_equivalent_bytes());
        Self {
            full_bytes_per_bot_per_sec: rate(|r| r.recv.deltas.full_bytes),
            delta_bytes_per_bot_per_sec: rate(|r| r.recv.deltas.delta_bytes),
            other_bytes_per_bot_per_sec: rate(|r| {
                let d = &r.recv.deltas;
                r.recv
                    .bytes_down
                    .saturating_sub(d.full_bytes + d.delta_bytes)
            }),
            full_equivalent_bytes_per_bot_per_sec: rate(|r| r.recv.deltas.full_equivalent_bytes()),
            full_equivalent_ratio: match snapshot_bytes {
                0 => 0.0,
                bytes => full_equivalent as f64 / bytes as f64,
            },
            full_equivalent_sampled_every: FULL_EQUIVALENT_EVERY,
            full_snapshots: sum(|r| r.recv.deltas.stats().full),
            delta_snapshots: sum(|r| r.recv.deltas.stats().delta),
            baseline_resets: sum(|r| r.recv.deltas.stats().resets),
            missing_baseline: sum(|r| r.recv.deltas.stats().missing_baseline),
            bots_missing_baseline: results
                .iter()
                .filter(|r| r.recv.deltas.stats().missing_baseline > 0)
                .count() as u32,
            stale_snapshots: sum(|r| r.recv.deltas.stats().stale),
            invalid_snapshots: sum(|r| r.recv.deltas.invalid),
        }
    }

    /// The text report's lines: `down` (the split of the bytes down),
    /// `deltas` (what they saved) and `baselines` (counts; missing
    /// baselines are printed even though they fail no bot).
    pub(super) fn lines(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "  down          snapshots full {:.0} B/s + delta {:.0} B/s, other {:.0} B/s per bot",
            self.full_bytes_per_bot_per_sec,
            self.delta_bytes_per_bot_per_sec,
            self.other_bytes_per_bot_per_sec
        )?;
        writeln!(
            f,
            "  deltas        full-equivalent {:.0} B/s per bot, {:.2}× the snapshot bytes received \
             (1 view in {} priced)",
            self.full_equivalent_bytes_per_bot_per_sec,
            self.full_equivalent_ratio,
            self.full_equivalent_sampled_every
        )?;
        write!(
            f,
            "  baselines     {} full ({} resets), {} delta, {} missing baseline",
            self.full_snapshots, self.baseline_resets, self.delta_snapshots, self.missing_baseline
        )?;
        if self.missing_baseline > 0 {
            write!(f, " in {} bots (not a failure)", self.bots_missing_baseline)?;
        }
        if self.stale_snapshots > 0 {
            write!(f, ", {} stale", self.stale_snapshots)?;
        }
        if self.invalid_snapshots > 0 {
            write!(f, ", {} invalid", self.invalid_snapshots)?;
        }
        writeln!(f)
    }
}
