//! The reference game, "arena": a top-down 2D shooter simulated purely, with
//! no tokio, no sockets and no clock. [`Arena`] plugs it into Rallypoint's
//! engine through the `rallypoint_game::Game` trait: lobbies drive it one
//! [`World::step`] per tick, and the engine replicates the players,
//! projectiles and scores it declares.
//!
//! # Layout
//! - [`game`]: [`Arena`], the `Game` implementation: its replicated
//!   entities, rows and fields.
//! - [`protocol`]: its payloads inside the envelope: input, map, events.
//! - [`movement`]: player movement, wall collision and input sanitising,
//!   shared by the simulation and client-side prediction.
//! - [`bot`]: the bot policy load tests play arena with: seeded, so a run
//!   repeats input for input.
//! - [`map`]: the map file format, its validation and limits, and the
//!   bundled default map.
//! - [`config`]: [`GameConfig`], the tunable rules with their defaults.
//! - [`world`]: [`World`], its public API and the phases of a tick.
//! - `geom`: swept segment tests for projectiles.
//! - `ids`: slotmap keys as protocol [`EntityId`](rallypoint_shared::EntityId)s.

pub mod bot;
pub mod config;
pub mod game;
mod geom;
mod ids;
pub mod map;
pub mod movement;
pub mod protocol;
pub mod world;

pub use config::{ArenaSettings, GameConfig};
pub use game::{Arena, ArenaConfig, ArenaEntity, ArenaRow, NoMsg, PLAYER, PROJECTILE};
pub use map::{DEFAULT_MAP_TOML, Map, MapError};
pub use protocol::{ArenaEvent, InputFrame, MapInfo, aim_to_byte, byte_to_aim};
pub use world::{GameEvent, World};
