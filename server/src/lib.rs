//! Rallypoint's authoritative game server.
//!
//! # Layout
//! - [`game`]: the pure simulation of the reference game "arena": maps and
//!   `World::step`. No tokio, no sockets, no clock.
pub mod game;
