//! The replicated state a game declares, written fresh each tick by
//! [`crate::Game::write_state`]. The engine turns it into fixed point,
//! dead-reckons every [`Motion`], files spatial entities in its interest
//! grid, and sends each client what changed since its acknowledged
//! baseline. Three kinds of state:
//! - **entities**, each with typed fields, an optional position track and
//!   a [`Scope`] saying who may see it;
//! - **rows**, one per member or seat (arena's score table), seen by all;
//! - **the singleton**, lobby-wide (a phase, whose turn it is), seen by all.

use glam::Vec2;
use rallypoint_shared::{EntityId, PlayerId};

/// An entity's identity: its kind (a namespace the game defines, such as
/// "player" and "projectile") and its id within that kind. Ordered by kind,
/// then slot index: the order entities are kept and sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntityKey {
    pub kind: u8,
    pub id: EntityId,
}

impl EntityKey {
    /// The key's place in sorted order: kind, then slot index (one entity
    /// holds a slot at a time, so the generation never decides).
    pub fn order(self) -> u64 {
        (u64::from(self.kind) << 32) | u64::from(self.id.index)
    }
}

/// Who may see an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Members whose avatar is within the game's view distance of it (it
    /// must have a [`Motion`]; without one it is seen by nobody).
    Spatial,
    /// Every member.
    Everyone,
    /// One member only (a hand of cards).
    Only(PlayerId),
}

/// Where an entity is and how it moves, in world units. The engine keeps a
/// fixed-point track of it that clients extrapolate; it re-sends the track
/// only when the truth strays from where the track says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Motion {
    pub pos: Vec2,
    /// The velocity a new track starts with, in world units per tick
    /// (later ticks learn it from the positions).
    pub vel: Vec2,
}

/// One entity as the game reports it for a tick.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity<E> {
    pub key: EntityKey,
    pub motion: Option<Motion>,
    pub scope: Scope,
    pub fields: E,
}

/// One row of lobby-wide state, such as a member's score. `key` is the
/// game's (arena: the member's avatar slot); rows are kept sorted by it.
#[derive(Debug, Clone, PartialEq)]
pub struct Row<R> {
    pub key: u32,
    pub fields: R,
}

/// A game's whole replicated state at one tick.
#[derive(Debug, Clone, PartialEq)]
pub struct State<E, R, S> {
    /// Sorted by [`EntityKey`] (the engine sorts what is not).
    pub entities: Vec<Entity<E>>,
    /// Sorted by key (the engine sorts what is not).
    pub rows: Vec<Row<R>>,
    pub singleton: Option<S>,
}

impl<E, R, S> Default for State<E, R, S> {
    fn default() -> Self {
        State {
            entities: Vec::new(),
            rows: Vec::new(),
            singleton: None,
        }
    }
}

impl<E, R, S> State<E, R, S> {
    /// Empties the state, keeping its allocations.
    pub fn clear(&mut self) {
        self.entities.clear();
        self.rows.clear();
        self.singleton = None;
    }
}

/// Where a game's spatial entities live and how far a member sees, for the
/// engine's interest grid: a member sees a [`Scope::Spatial`] entity when
/// it is within `view_distance` of the member's avatar along both axes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interest {
    pub bounds: rallypoint_shared::Rect,
    pub view_distance: f32,
}
