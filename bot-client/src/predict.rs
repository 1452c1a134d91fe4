//! Client-side prediction of the bot's own player, with the shared movement
//! rules the server runs (`rallypoint_arena::movement`), and the
//! measurement of its error.
//!
//! The standard model: the bot keeps every input the server has not yet
//! acknowledged, with the position it predicts after each. A snapshot gives
//! the authoritative position after input `last_input_seq` (the baseline);
//! the acknowledged inputs are dropped and the rest are replayed from the
//! baseline, one `step_player` each, exactly as the server will apply them.
//! The position is the view's exact own position (`View::me`): the
//! server snaps every step to the wire's fixed-point grid, so `from_fixed`
//! of it is the server's `f32` position bit for bit.
//!
//! **Prediction error**: for each snapshot acknowledging a new seq `k`, the
//! distance between the position predicted for `k` (when it was sampled, or
//! its latest re-prediction) and the authoritative one. The rules are the
//! same `f32` code in the same order on both sides, from the same bits, so
//! without loss or reordering the error is exactly 0. A sample is
//! *skipped* (and counted) when the player was dead in the baseline or the
//! snapshot, died or respawned in between (deaths changed: a respawn
//! teleports), when there was no baseline yet, or after a drop and resume
//! (inputs in flight at the drop may never have reached the server).
//!
//! Pure: no clock, no socket. The driver feeds inputs, the reader feeds
//! the bot's own player from each applied snapshot ([`Own`]), both
//! through the arena bot (`games::arena`), which the bot's two halves
//! share behind a mutex.

use std::collections::VecDeque;

use glam::Vec2;
use hdrhistogram::Histogram;
use rallypoint_arena::movement::{sanitize_input, step_player, tick_dt};
use rallypoint_arena::{InputFrame, MapInfo};
use rallypoint_shared::EntityRef;

/// Unacknowledged inputs kept for replay. Default: 256, over 8 s at 30 Hz,
/// beyond any stall the link conditioner allows plus its latency. When full
/// the oldest is dropped and the next sample is skipped: the baseline can
/// no longer be replayed exactly.
pub(crate) const MAX_UNACKED: usize = 256;

/// Error samples are recorded in micro-units: millionths of a world unit.
const MICRO: f32 = 1_000_000.0;

/// The bot's own player as one applied snapshot shows it: its
/// authoritative state after input `seq`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Own {
    /// The view's `last_input_seq`: the highest input the server applied.
    pub seq: u32,
    /// Exact: `from_fixed(View::me)`.
    pub pos: Vec2,
    pub alive: bool,
    pub deaths: u32,
}

#[derive(Debug, Clone, Copy)]
struct Unacked {
    seq: u32,
    /// Sanitised, as the server applies it.
    movement: Vec2,
    /// Where the player will be after this input; `None` before the first
    /// baseline.
    predicted: Option<Vec2>,
}

/// One bot's predictor.
#[derive(Debug)]
pub(crate) struct Predictor {
    map: Option<MapInfo>,
    dt: f32,
    entity: Option<EntityRef>,
    baseline: Option<Own>,
    unacked: VecDeque<Unacked>,
    /// Inputs up to this seq may or may not have reached the server (sent
    /// before a drop, or forgotten at [`MAX_UNACKED`]): a sample is trusted
    /// only from a baseline that already includes them.
    uncertain_through: u32,
    /// Prediction error per sample, in micro-units.
    pub(crate) error: ErrorSamples,
    pub(crate) skipped: u64,
}

/// A histogram of micro-units: 3 significant digits, auto-resizing.
pub(crate) fn error_histogram() -> Histogram<u64> {
    Histogram::new(3).expect("3 significant digits is a valid histogram precision")
}

/// Prediction error samples in micro-units, in a histogram allocated on
/// the first sample: an empty 3-digit one is 16 KiB, and a bot that never
/// predicts (idle, or failed early) should not pay that, twice over
/// (predictor and result), at 10 000 bots.
#[derive(Debug, Default)]
pub(crate) struct ErrorSamples(Option<Histogram<u64>>);

impl ErrorSamples {
    pub(crate) fn record(&mut self, micro: u64) {
        // Cannot fail: the histogram auto-resizes.
        let _ = self.0.get_or_insert_with(error_histogram).record(micro);
    }

    /// The samples; `None` before the first.
    pub(crate) fn histogram(&self) -> Option<&Histogram<u64>> {
        self.0.as_ref()
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> u64 {
        self.0.as_ref().map_or(0, Histogram::len)
    }

    /// The largest sample; 0 with none.
    #[cfg(test)]
    pub(crate) fn max(&self) -> u64 {
        self.0.as_ref().map_or(0, Histogram::max)
    }
}

impl Predictor {
    pub(crate) fn new() -> Self {
        Self {
            map: None,
            dt: tick_dt(1),
            entity: None,
            baseline: None,
            unacked: VecDeque::new(),
            uncertain_through: 0,
            error: ErrorSamples::default(),
            skipped: 0,
        }
    }

    /// `Welcome`: the tick rate sets the step.
    pub(crate) fn on_welcome(&mut self, tick_hz: u16) {
        self.dt = tick_dt(tick_hz);
    }

    /// `Joined`: the map and the entity to predict. A second `Joined` (a
    /// resume) keeps the unacknowledged inputs: the server keeps its seq.
    pub(crate) fn on_joined(&mut self, map: MapInfo, entity: EntityRef) {
        if self.entity.is_some_and(|e| e != entity) {
            self.baseline = None;
        }
        self.map = Some(map);
        self.entity = Some(entity);
    }

    /// The connection dropped after input `last_sent_seq` was sent: the
    /// inputs in flight may be lost, so samples are skipped until a
    /// baseline includes all of them.
    pub(crate) fn on_disconnect(&mut self, last_sent_seq: u32) {
        self.uncertain_through = self.uncertain_through.max(last_sent_seq);
    }

    /// Input `input` was sampled (and is sent now or with its batch):
    /// predicts where it takes the player.
    pub(crate) fn on_input(&mut self, input: &InputFrame) {
        // A non-finite input is refused by the server and never acknowledged.
        let Ok(input) = sanitize_input(*input) else {
            return;
        };
        let from = self
            .unacked
            .back()
            .map_or(self.baseline.map(|b| b.pos), |u| u.predicted);
        // A dead player's inputs are acknowledged but do not move it.
        let moves = self.baseline.is_none_or(|b| b.alive);
        let predicted = from.map(|pos| match moves {
            true => self.step(pos, input.movement),
            false => pos,
        });
        if self.unacked.len() >= MAX_UNACKED
            && let Some(forgotten) = self.unacked.pop_front()
        {
            self.uncertain_through = self.uncertain_through.max(forgotten.seq);
        }
        self.unacked.push_back(Unacked {
            seq: input.seq,
            movement: input.movement,
            predicted,
        });
    }

    /// An applied snapshot showing the bot's player: samples the error if
    /// it acknowledges a new input, then rebases on it and replays the
    /// inputs it does not include yet.
    pub(crate) fn on_snapshot(&mut self, own: Own) {
        let last_input_seq = own.seq;
        let prev = self.baseline;
        if prev.is_some_and(|b| last_input_seq < b.seq) {
            return; // Older than what we have: never happens in order.
        }
        if prev.is_none_or(|b| last_input_seq > b.seq) && self.unacked_has(last_input_seq) {
            self.sample(prev, &own);
        }
        while self
            .unacked
            .front()
            .is_some_and(|u| u.seq <= last_input_seq)
        {
            self.unacked.pop_front();
        }
        self.baseline = Some(own);
        self.replay();
    }

    fn unacked_has(&self, seq: u32) -> bool {
        self.unacked.iter().any(|u| u.seq == seq)
    }

    fn sample(&mut self, prev: Option<Own>, own: &Own) {
        let predicted = self
            .unacked
            .iter()
            .find(|u| u.seq == own.seq)
            .and_then(|u| u.predicted);
        let trusted = prev
            .is_some_and(|b| b.seq >= self.uncertain_through && b.alive && b.deaths == own.deaths)
            && own.alive;
        match predicted {
            Some(predicted) if trusted => {
                let micro = (predicted.distance(own.pos) * MICRO).round() as u64;
                self.error.record(micro);
            }
            _ => self.skipped += 1,
        }
    }

    /// Re-predicts every unacknowledged input from the baseline.
    fn replay(&mut self) {
        let Some(base) = self.baseline else {
            return;
        };
        let mut pos = base.pos;
        for i in 0..self.unacked.len() {
            // A dead player's inputs are acknowledged but do not move it.
            if base.alive {
                pos = self.step(pos, self.unacked[i].movement);
            }
            self.unacked[i].predicted = Some(pos);
        }
    }

    fn step(&self, pos: Vec2, movement: Vec2) -> Vec2 {
        match &self.map {
            Some(map) => step_player(pos, movement, self.dt, map),
            None => pos,
        }
    }
}

#[cfg(test)]
mod tests;
