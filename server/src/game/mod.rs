//! The reference game, "arena": a top-down 2D shooter simulated purely, with
//! no tokio, no sockets and no clock. This module owns everything about the
//! game itself; lobbies drive it one [`World::step`] per tick and turn its
//! state into snapshots.
//!
//! # Layout
//! - [`map`]: the map file format, its validation and limits, and the
//!   bundled default map.
//! - [`config`]: [`GameConfig`], the tunable rules with their defaults.
//! - [`world`]: [`World`], its public API and the phases of a tick.
//! - `geom`: swept segment tests for projectiles.
//! - `ids`: slotmap keys as protocol [`EntityId`](rallypoint_shared::EntityId)s.

pub mod config;
mod geom;
mod ids;
pub mod map;
pub mod world;

pub use config::GameConfig;
pub use map::{DEFAULT_MAP_TOML, Map, MapError};
pub use world::{GameEvent, World};
