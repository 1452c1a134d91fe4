//! Replication: turning a lobby's world into each client's snapshot. Pure
//! (no tokio, no clock), so it is tested exactly and benchmarked directly.
//!
//! Each tick the lobby pushes the world's state into [`Frames`] (fixed
//! point, dead-reckoned tracks), files it in the interest [`Grid`], and asks
//! the [`Encoder`] for every member's snapshot: a delta against the newest
//! snapshot that member acknowledged (its [`Replica`] remembers what each
//! recent snapshot held), or a full one when there is no usable baseline.
//! Each client gets only what lies within the map's view distance of it,
//! plus itself and the whole score table.
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
pub use encoder::{Encoder, SnapshotKind};
pub use frames::{Frame, Frames};
pub use interest::{Grid, MAX_CELLS_PER_AXIS};
