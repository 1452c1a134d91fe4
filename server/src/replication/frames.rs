//! Canonical frames: a game's replicated state at each of the last ticks,
//! in fixed point, as every client is told it. A frame is built once per
//! tick and shared by all clients; deltas are computed between two frames.
//!
//! Each entity with a motion carries a dead-reckoned [`Track`]: while the
//! truth stays within [`POSITION_TOLERANCE`] of where the previous frame's
//! track extrapolates, the track simply continues (and costs a client
//! nothing); otherwise it is re-anchored at the exact position with the
//! velocity of the last tick's step. Because every client extrapolates the
//! very same integers, client and server agree bit for bit on where an
//! unlisted entity is.

use std::collections::VecDeque;

use glam::IVec2;
use rallypoint_game::{EntityKey, Game, Row, Scope, State};
use rallypoint_shared::snapshot::{BASELINE_WINDOW, POSITION_TOLERANCE, Track, to_fixed};

/// An entity in a frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rec<E> {
    pub key: EntityKey,
    /// Whether the entity has a position (and so a track).
    pub moving: bool,
    /// The exact position, fixed point; zero without a motion.
    pub exact: IVec2,
    /// Zero without a motion.
    pub track: Track,
    pub scope: Scope,
    pub fields: E,
}

impl<E> Rec<E> {
    /// The track, if the entity has one.
    pub fn motion(&self) -> Option<Track> {
        self.moving.then_some(self.track)
    }
}

/// The state at one tick; entities sorted by key, rows by key.
#[derive(Debug, Clone)]
pub struct Frame<G: Game> {
    pub tick: u32,
    pub entities: Vec<Rec<G::Entity>>,
    /// Each entity's [`EntityKey::order`], in the same order: the searches
    /// read this dense list rather than striding through the records.
    pub orders: Vec<u64>,
    pub rows: Vec<Row<G::Row>>,
    pub singleton: Option<G::Singleton>,
}

impl<G: Game> Default for Frame<G> {
    fn default() -> Self {
        Frame {
            tick: 0,
            entities: Vec::new(),
            orders: Vec::new(),
            rows: Vec::new(),
            singleton: None,
        }
    }
}

impl<G: Game> Frame<G> {
    /// The index of the entity whose key orders as `order` (same kind and
    /// slot, whatever its generation).
    pub fn position(&self, order: u64) -> Option<usize> {
        self.orders.binary_search(&order).ok()
    }

    /// The entity in the slot of `key`, whatever its generation.
    pub fn slot(&self, key: EntityKey) -> Option<&Rec<G::Entity>> {
        self.position(key.order()).map(|i| &self.entities[i])
    }

    /// The entity `key` itself (same generation).
    pub fn entity(&self, key: EntityKey) -> Option<&Rec<G::Entity>> {
        self.slot(key).filter(|r| r.key == key)
    }

    /// The row of `key`.
    pub fn row(&self, key: u32) -> Option<&Row<G::Row>> {
        let i = self.rows.binary_search_by_key(&key, |r| r.key).ok()?;
        Some(&self.rows[i])
    }
}

/// How many frames are kept: the newest plus [`BASELINE_WINDOW`] before it,
/// every tick a baseline may be.
const FRAMES_KEPT: usize = BASELINE_WINDOW as usize + 1;

/// The last [`FRAMES_KEPT`] frames of one lobby, oldest first.
#[derive(Debug)]
pub struct Frames<G: Game> {
    frames: VecDeque<Frame<G>>,
}

impl<G: Game> Default for Frames<G> {
    fn default() -> Self {
        Frames {
            frames: VecDeque::new(),
        }
    }
}

impl<G: Game> Frames<G> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds the frame of `tick` from the game's state, continuing the
    /// tracks of the previous frame.
    pub fn push(&mut self, tick: u32, state: &State<G::Entity, G::Row, G::Singleton>) {
        // Reuse the oldest frame's allocations once the window is full.
        let mut frame = if self.frames.len() >= FRAMES_KEPT {
            self.frames.pop_front().unwrap_or_default()
        } else {
            Frame::default()
        };
        frame.tick = tick;
        frame.entities.clear();
        let prev = self.frames.back();
        // Games write in key order, so the previous frame is walked once
        // beside them rather than searched for each entity.
        let mut cursor = Cursor::default();
        for e in &state.entities {
            let (moving, exact, track) = match e.motion {
                Some(m) => {
                    let exact = to_fixed(m.pos);
                    let before = prev
                        .and_then(|f| cursor.find(f, e.key))
                        .filter(|b| b.key == e.key);
                    let track = follow(before.map(|b| (b.track, b.exact)), exact, to_fixed(m.vel));
                    (true, exact, track)
                }
                None => (false, IVec2::ZERO, Track::default()),
            };
            frame.entities.push(Rec {
                key: e.key,
                moving,
                exact,
                track,
                scope: e.scope,
                fields: e.fields.clone(),
            });
        }
        frame.rows.clear();
        frame.rows.extend_from_slice(&state.rows);
        frame.singleton.clone_from(&state.singleton);
        // Games write in key order already; this keeps the invariant
        // whatever they pass.
        if !frame.entities.is_sorted_by_key(|r| r.key.order()) {
            frame.entities.sort_unstable_by_key(|r| r.key.order());
        }
        frame.orders.clear();
        frame
            .orders
            .extend(frame.entities.iter().map(|r| r.key.order()));
        if !frame.rows.is_sorted_by_key(|r| r.key) {
            frame.rows.sort_unstable_by_key(|r| r.key);
        }
        self.frames.push_back(frame);
    }

    /// The newest frame, if any was pushed.
    pub fn newest(&self) -> Option<&Frame<G>> {
        self.frames.back()
    }

    /// The frame of `tick`, if still kept.
    pub fn get(&self, tick: u32) -> Option<&Frame<G>> {
        let newest = self.frames.back()?;
        let back = newest.tick.wrapping_sub(tick) as usize;
        let i = self.frames.len().checked_sub(1 + back)?;
        self.frames.get(i).filter(|f| f.tick == tick)
    }
}

/// A walk through a frame's entities in key order, for looking up keys
/// that mostly come in that order: each lookup moves forward from the
/// last, and one that comes out of order falls back to a search.
#[derive(Debug, Default)]
struct Cursor {
    next: usize,
    last: u64,
}

impl Cursor {
    fn find<'f, G: Game>(
        &mut self,
        frame: &'f Frame<G>,
        key: EntityKey,
    ) -> Option<&'f Rec<G::Entity>> {
        let order = key.order();
        if order < self.last {
            return frame.slot(key);
        }
        self.last = order;
        let orders = &frame.orders;
        while self.next < orders.len() && orders[self.next] < order {
            self.next += 1;
        }
        (orders.get(self.next) == Some(&order)).then(|| &frame.entities[self.next])
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
    use rallypoint_arena::{Arena, ArenaEntity, ArenaRow, PLAYER};
    use rallypoint_game::{Entity, EntityId, Motion};

    type ArenaState = State<ArenaEntity, ArenaRow, ()>;

    fn player(index: u32, generation: u32, pos: Vec2) -> ArenaState {
        State {
            entities: vec![Entity {
                key: EntityKey {
                    kind: PLAYER,
                    id: EntityId { index, generation },
                },
                motion: Some(Motion {
                    pos,
                    vel: Vec2::ZERO,
                }),
                scope: Scope::Spatial,
                fields: ArenaEntity::Player {
                    aim: 0,
                    hp: 100,
                    alive: true,
                },
            }],
            rows: Vec::new(),
            singleton: None,
        }
    }

    #[test]
    fn steady_motion_is_extrapolated_and_a_turn_re_anchors() {
        let mut frames = Frames::<Arena>::new();
        // 7.3 units a tick along x: the track learns the step, then holds.
        for t in 0..10u32 {
            let pos = Vec2::new(100.0 + 7.3 * t as f32, 50.0);
            frames.push(t + 1, &player(0, 1, pos));
        }
        let f9 = frames.get(9).unwrap().entities[0];
        let f10 = frames.get(10).unwrap().entities[0];
        assert_eq!(f9.track.after(1), f10.track, "steady: pure extrapolation");
        assert!((f10.track.pos - f10.exact).abs().max_element() <= POSITION_TOLERANCE);
        // A turn: the truth leaves the tolerance, so the track re-anchors.
        let turned = Vec2::new(100.0 + 7.3 * 9.0, 57.3);
        frames.push(11, &player(0, 1, turned));
        let f11 = frames.get(11).unwrap().entities[0];
        assert_eq!(f11.track.pos, to_fixed(turned));
        assert_eq!(f11.track.vel, to_fixed(turned) - f10.exact);
    }

    #[test]
    fn a_reused_slot_starts_a_new_track() {
        let mut frames = Frames::<Arena>::new();
        frames.push(1, &player(0, 1, Vec2::new(10.0, 10.0)));
        frames.push(2, &player(0, 1, Vec2::new(20.0, 10.0)));
        let other = Vec2::new(500.0, 500.0);
        frames.push(3, &player(0, 3, other));
        let rec = frames.get(3).unwrap().entities[0];
        assert_eq!(rec.track.vel, IVec2::ZERO);
        assert_eq!(rec.track.pos, to_fixed(other));
    }

    #[test]
    fn keeps_a_window_of_frames_by_tick() {
        let mut frames = Frames::<Arena>::new();
        for t in 1..=100 {
            frames.push(t, &State::default());
        }
        assert_eq!(frames.get(100).unwrap().tick, 100);
        assert_eq!(frames.get(100 - BASELINE_WINDOW).unwrap().tick, 68);
        assert!(frames.get(100 - BASELINE_WINDOW - 1).is_none());
        assert!(frames.get(101).is_none());
    }
}
