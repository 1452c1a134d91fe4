//! Canonical frames: the world at each of the last ticks, in fixed point,
//! as every client is told it. A frame is built once per tick and shared by
//! all clients; deltas are computed between two frames.
//!
//! Each moving thing carries a dead-reckoned [`Track`]: while the truth stays
//! within [`POSITION_TOLERANCE`] of where the previous frame's track
//! extrapolates, the track simply continues (and costs a client nothing);
//! otherwise it is re-anchored at the exact position with the velocity of
//! the last tick's step. Because every client extrapolates the very same
//! integers, client and server agree bit for bit on where an unlisted
//! entity is.

use std::collections::VecDeque;

use glam::IVec2;
use rallypoint_shared::snapshot::{
    BASELINE_WINDOW, POSITION_TOLERANCE, Track, aim_to_byte, to_fixed,
};
use rallypoint_shared::{EntityId, PlayerState, ProjectileState};

/// A player in a frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlayerRec {
    pub id: EntityId,
    /// The exact position, fixed point (player positions live on the grid).
    pub exact: IVec2,
    pub track: Track,
    pub aim: u8,
    pub hp: u8,
    pub alive: bool,
    pub kills: u32,
    pub deaths: u32,
}

/// A projectile in a frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProjectileRec {
    pub id: EntityId,
    /// The owner's player index.
    pub owner: u32,
    pub exact: IVec2,
    pub track: Track,
}

/// The world at one tick; both lists sorted by slot index.
#[derive(Debug, Clone, Default)]
pub struct Frame {
    pub tick: u32,
    pub players: Vec<PlayerRec>,
    pub projectiles: Vec<ProjectileRec>,
}

impl Frame {
    /// The player in slot `index`, whatever its generation.
    pub fn player(&self, index: u32) -> Option<&PlayerRec> {
        let i = self
            .players
            .binary_search_by_key(&index, |p| p.id.index)
            .ok()?;
        Some(&self.players[i])
    }

    /// The projectile in slot `index`, whatever its generation.
    pub fn projectile(&self, index: u32) -> Option<&ProjectileRec> {
        let i = self
            .projectiles
            .binary_search_by_key(&index, |p| p.id.index)
            .ok()?;
        Some(&self.projectiles[i])
    }
}

/// How many frames are kept: the newest plus [`BASELINE_WINDOW`] before it,
/// every tick a baseline may be.
const FRAMES_KEPT: usize = BASELINE_WINDOW as usize + 1;

/// The last [`FRAMES_KEPT`] frames of one lobby, oldest first.
#[derive(Debug, Default)]
pub struct Frames {
    frames: VecDeque<Frame>,
}

impl Frames {
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds the frame of `tick` from the world's state, continuing the
    /// tracks of the previous frame. `tick_hz` turns projectile velocities
    /// (units per second) into steps per tick.
    pub fn push(
        &mut self,
        tick: u32,
        players: &[PlayerState],
        projectiles: &[ProjectileState],
        tick_hz: u16,
    ) {
        // Reuse the oldest frame's allocations once the window is full.
        let mut frame = if self.frames.len() >= FRAMES_KEPT {
            self.frames.pop_front().unwrap_or_default()
        } else {
            Frame::default()
        };
        frame.tick = tick;
        frame.players.clear();
        frame.projectiles.clear();
        let prev = self.frames.back();
        for p in players {
            let exact = to_fixed(p.pos);
            let before = prev
                .and_then(|f| f.player(p.id.index))
                .filter(|b| b.id == p.id);
            frame.players.push(PlayerRec {
                id: p.id,
                exact,
                track: follow(before.map(|b| (b.track, b.exact)), exact, IVec2::ZERO),
                aim: aim_to_byte(p.aim),
                hp: p.hp,
                alive: p.alive,
                kills: p.kills,
                deaths: p.deaths,
            });
        }
        let per_tick = 1.0 / f32::from(tick_hz.max(1));
        for s in projectiles {
            let exact = to_fixed(s.pos);
            let before = prev
                .and_then(|f| f.projectile(s.id.index))
                .filter(|b| b.id == s.id);
            frame.projectiles.push(ProjectileRec {
                id: s.id,
                owner: s.owner.index,
                exact,
                track: follow(
                    before.map(|b| (b.track, b.exact)),
                    exact,
                    to_fixed(s.vel * per_tick),
                ),
            });
        }
        // The world writes in slot order already; this keeps the invariant
        // whatever the caller passes.
        frame.players.sort_unstable_by_key(|p| p.id.index);
        frame.projectiles.sort_unstable_by_key(|p| p.id.index);
        self.frames.push_back(frame);
    }

    /// The newest frame, if any was pushed.
    pub fn newest(&self) -> Option<&Frame> {
        self.frames.back()
    }

    /// The frame of `tick`, if still kept.
    pub fn get(&self, tick: u32) -> Option<&Frame> {
        let newest = self.frames.back()?;
        let back = newest.tick.wrapping_sub(tick) as usize;
        let i = self.frames.len().checked_sub(1 + back)?;
        self.frames.get(i).filter(|f| f.tick == tick)
    }
}

/// The next track of something whose previous track and exact position were
/// `before` (None: new this tick, starting at `vel`).
fn follow(before: Option<(Track, IVec2)>, exact: IVec2, vel: IVec2) -> Track {
    let Some((track, prev_exact)) = before else {
        return Track { pos: exact, vel };
    };
    let predicted = track.after(1);
    let off = (exact - predicted.pos).abs();
    if off.max_element() <= POSITION_TOLERANCE {
        predicted
    } else {
        Track {
            pos: exact,
            vel: exact - prev_exact,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use glam::Vec2;

    fn player(index: u32, pos: Vec2) -> PlayerState {
        PlayerState {
            id: EntityId {
                index,
                generation: 1,
            },
            pos,
            aim: Vec2::X,
            hp: 100,
            alive: true,
            kills: 0,
            deaths: 0,
        }
    }

    #[test]
    fn steady_motion_is_extrapolated_and_a_turn_re_anchors() {
        let mut frames = Frames::new();
        // 7.3 units a tick along x: the track learns the step, then holds.
        for t in 0..10u32 {
            let pos = Vec2::new(100.0 + 7.3 * t as f32, 50.0);
            frames.push(t + 1, &[player(0, pos)], &[], 30);
        }
        let f9 = frames.get(9).unwrap().players[0];
        let f10 = frames.get(10).unwrap().players[0];
        assert_eq!(f9.track.after(1), f10.track, "steady: pure extrapolation");
        assert!((f10.track.pos - f10.exact).abs().max_element() <= POSITION_TOLERANCE);
        // A turn: the truth leaves the tolerance, so the track re-anchors.
        let turned = Vec2::new(100.0 + 7.3 * 9.0, 57.3);
        frames.push(11, &[player(0, turned)], &[], 30);
        let f11 = frames.get(11).unwrap().players[0];
        assert_eq!(f11.track.pos, to_fixed(turned));
        assert_eq!(f11.track.vel, to_fixed(turned) - f10.exact);
    }

    #[test]
    fn a_reused_slot_starts_a_new_track() {
        let mut frames = Frames::new();
        frames.push(1, &[player(0, Vec2::new(10.0, 10.0))], &[], 30);
        frames.push(2, &[player(0, Vec2::new(20.0, 10.0))], &[], 30);
        let mut other = player(0, Vec2::new(500.0, 500.0));
        other.id.generation = 3;
        frames.push(3, &[other], &[], 30);
        let rec = frames.get(3).unwrap().players[0];
        assert_eq!(rec.track.vel, IVec2::ZERO);
        assert_eq!(rec.track.pos, to_fixed(other.pos));
    }

    #[test]
    fn keeps_a_window_of_frames_by_tick() {
        let mut frames = Frames::new();
        for t in 1..=100 {
            frames.push(t, &[], &[], 30);
        }
        assert_eq!(frames.get(100).unwrap().tick, 100);
        assert_eq!(frames.get(100 - BASELINE_WINDOW).unwrap().tick, 68);
        assert!(frames.get(100 - BASELINE_WINDOW - 1).is_none());
        assert!(frames.get(101).is_none());
    }
}
