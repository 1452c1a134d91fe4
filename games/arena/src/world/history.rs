//! Where every player was in the recent past, for lag-compensated hitscan.
//! [`History`] keeps one frame per tick for the last
//! `ms_to_ticks(MAX_REWIND_MS, tick_hz) + 1` ticks (10 at 30 Hz): exactly
//! the ticks `timing::view_tick` can name, from `now - max rewind` to `now`.
//! It is a ring indexed by `tick % len`; each frame's sample buffer is
//! cleared and refilled in place, so once every buffer has grown to the
//! player count, recording allocates nothing.
//!
//! A frame for tick T is recorded at the very end of the step that produced
//! T, after the tick counter advances: it is the state snapshot T showed
//! the clients, so "the world at tick T" means what they saw.

use glam::Vec2;
use rallypoint_shared::EntityId;
use rallypoint_shared::timing::{MAX_REWIND_MS, ms_to_ticks};
use slotmap::SlotMap;

use super::Player;
use crate::ids::{PlayerKey, entity_id};

/// One player at one past tick.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Sample {
    pub id: EntityId,
    pub pos: Vec2,
    pub alive: bool,
    /// The player's death count then. Deaths only grow, so equal counts at
    /// two ticks at which the player was alive mean the same life: a shot
    /// aimed at a past life never hits the respawned player.
    pub deaths: u32,
}

#[derive(Debug, Clone, Default)]
struct Slot {
    /// The tick this frame holds, or `None` before it is first written.
    tick: Option<u32>,
    /// Every player then, dead or alive, in slot order (ascending index).
    samples: Vec<Sample>,
}

/// The bounded ring of past frames; see the module docs.
#[derive(Debug, Clone)]
pub(super) struct History {
    frames: Vec<Slot>,
}

impl History {
    pub fn new(tick_hz: u16) -> History {
        let len = ms_to_ticks(MAX_REWIND_MS, tick_hz) as usize + 1;
        History {
            frames: vec![Slot::default(); len],
        }
    }

    /// How many ticks are kept.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    /// Records every player as they are at the end of the step producing
    /// `tick`, overwriting the frame from `len` ticks earlier.
    pub fn record(&mut self, tick: u32, players: &SlotMap<PlayerKey, Player>) {
        let frame = self.slot_mut(tick);
        frame.tick = Some(tick);
        frame.samples.clear();
        frame.samples.extend(players.iter().map(|(key, p)| Sample {
            id: entity_id(key),
            pos: p.pos,
            alive: p.alive,
            deaths: p.deaths,
        }));
    }

    /// The players at `tick`, or `None` if that tick was never recorded or
    /// has been overwritten (too old).
    pub fn at(&self, tick: u32) -> Option<Frame<'_>> {
        let frame = &self.frames[self.index(tick)];
        (frame.tick == Some(tick)).then_some(Frame(&frame.samples))
    }

    fn index(&self, tick: u32) -> usize {
        // `len` is at least 1 and far below `u32::MAX`.
        (tick % self.frames.len() as u32) as usize
    }

    fn slot_mut(&mut self, tick: u32) -> &mut Slot {
        let i = self.index(tick);
        &mut self.frames[i]
    }
}

/// A recorded tick's samples, looked up by player.
#[derive(Debug, Clone, Copy)]
pub(super) struct Frame<'a>(&'a [Sample]);

impl<'a> Frame<'a> {
    /// The sample of exactly `id` (same slot *and* generation), or `None`
    /// if that player was not in the world then. Samples are in slot order,
    /// so a binary search by slot index finds it.
    pub fn get(self, id: EntityId) -> Option<&'a Sample> {
        let i = self
            .0
            .binary_search_by_key(&id.index, |s| s.id.index)
            .ok()?;
        let sample = &self.0[i];
        (sample.id == id).then_some(sample)
    }
}
