//! Rallypoint's wire protocol, and nothing else: the message types that the
//! server and every client exchange, the one codec that turns them into bytes,
//! and the protocol version: the engine's envelope, which every game shares.
//! A game's own payloads (its inputs, messages, events and replicated
//! fields) are the game's types, carried inside it. No tokio, no sockets, no
//! clock: everything here is a pure function of its inputs.
//!
//! # Layout
//! - [`msg`]: `ClientMsg`, `ServerMsg` and the plain data types inside them.
//! - [`codec`]: `encode` / `decode`, the only module that calls bincode, with
//!   the byte limits and the typed [`codec::CodecError`].
//! - [`snapshot`]: the delta snapshot format (fixed point, dead reckoning,
//!   the engine's records) and [`snapshot::SnapshotView`], what a client
//!   rebuilds from them.
//! - [`baselines`]: the window of views a client keeps to apply deltas.
//! - [`timing`]: the interpolation delay clients render others with, and
//!   how far back the server rewinds for an instant-hit shot.
//!
//! The wire format is specified in `docs/PROTOCOL.md`.

pub mod baselines;
pub mod codec;
pub mod msg;
pub mod snapshot;
pub mod timing;

pub use codec::{
    CodecError, Reader, decode_client, decode_payload, decode_server, encode_client,
    encode_client_into, encode_payload, encode_server, encode_server_into, encode_snapshot_into,
    encode_value_into,
};
pub use msg::*;

/// The protocol version. A client states it in `Hello`; the server refuses a
/// different one with [`msg::ErrorCode::VersionMismatch`] and closes.
/// Bump it on any change to the message types or their order.
pub const PROTOCOL_VERSION: u16 = 7;
