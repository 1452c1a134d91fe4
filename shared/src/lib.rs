//! Rallypoint's wire protocol, and nothing else: the message types that the
//! server and every client exchange, the one codec that turns them into bytes,
//! the protocol version, and the movement rules a client needs to predict its
//! own player exactly as the server simulates it. No tokio, no sockets, no
//! clock: everything here is a pure function of its inputs.
//!
//! # Layout
//! - [`msg`]: `ClientMsg`, `ServerMsg` and the plain data types inside them.
//! - [`codec`]: `encode` / `decode`, the only module that calls bincode, with
//!   the byte limits and the typed [`codec::CodecError`].
//! - [`movement`]: player movement, wall collision and input sanitising,
//!   shared by the server's simulation and client-side prediction.
//! - [`snapshot`]: the delta snapshot format (fixed point, dead reckoning)
//!   and [`snapshot::WorldView`], the state a client rebuilds from it.
//! - [`baselines`]: the window of views a client keeps to apply deltas.
//! - [`timing`]: the interpolation delay clients render others with, and
//!   how far back the server rewinds for an instant-hit shot.
//!
//! The wire format is specified in `docs/PROTOCOL.md`.

pub mod baselines;
pub mod codec;
pub mod movement;
pub mod msg;
pub mod snapshot;
pub mod timing;

pub use codec::{
    CodecError, decode_client, decode_server, encode_change_into, encode_client,
    encode_client_into, encode_server, encode_server_into, encode_snapshot_into,
};
pub use msg::*;

/// The protocol version. A client states it in `Hello`; the server refuses a
/// different one with [`msg::ErrorCode::VersionMismatch`] and closes.
/// Bump it on any change to the message types or their order.
pub const PROTOCOL_VERSION: u16 = 4;
