//! Replication: turning a game's declared state into each member's
//! snapshot. Pure (no tokio, no clock), so it is tested exactly and
//! benchmarked directly, and generic over the game: it knows entities,
//! tracks, scopes, rows and a singleton, never what they mean.
//!
//! Each tick the lobby pushes the game's state into [`Frames`] (fixed
//! point, dead-reckoned tracks), files it in the interest [`Grid`], and asks
//! the [`Encoder`] for every member's snapshot: a delta against the newest
//! snapshot that member acknowledged (its [`Replica`] remembers what each
//! recent snapshot held), or a full one when there is no usable baseline.
//! Each member gets the spatial entities within the game's view distance
//! of its avatar, those scoped to everyone or to it, and every row.
//!
//! # Layout
//! - `frames`: canonical per-tick state and the dead-reckoning rule.
//! - `interest`: the spatial grid answering "what can this client see".
//! - `client`: per-client memory of sent snapshots and acks.
//! - `encoder`: per-client assembly from parts encoded once per tick.

mod client;
mod encoder;
mod frames;
mod interest;
#[cfg(test)]
mod tests;

pub use client::Replica;
pub use encoder::{Encoder, SnapshotKind, Viewer};
pub use frames::{Frame, Frames, Rec};
pub use interest::{Grid, MAX_CELLS_PER_AXIS, Visible};
