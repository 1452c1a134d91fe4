//! Rallypoint's engine: an authoritative game server whose lobbies each run
//! a fixed-tick simulation of a game, and clients that talk to them in
//! compact binary WebSocket messages (see `docs/PROTOCOL.md`). The engine
//! knows no game: it hosts any type that implements `rallypoint_game::Game`
//! (see [`lobby::host`]), and carries each game's inputs, messages, events
//! and replicated fields inside its own envelope. The `rallypoint-server`
//! binary hosts arena and Four in a Row, from this repository's `games/`
//! folder.
//!
//! # Layout
//! - [`config`]: defaults, the TOML file and the flags.
//! - [`fleet`]: the lobby directory a fleet of nodes shares in Redis.
//! - [`agones`]: the node as an Agones GameServer (feature `agones`), and
//!   the tick liveness its health pings follow.
//! - [`server`]: the listener, the connection cap and shutdown.
//! - [`admit`]: a connection between accept and HTTP: the PROXY header,
//!   the client's per-IP place.
//! - [`proxy`]: who a client is behind trusted proxies: `Forwarded`,
//!   `X-Forwarded-For`, the PROXY protocol v2.
//! - [`http`]: hyper routes: `/ws` (upgrade), `/healthz`, `/lobbies`, and
//!   the browser client's files.
//! - [`metrics`]: the Prometheus metrics behind `GET /metrics`.
//! - [`web`]: the browser client (`assets/web/`), embedded at build time.
//! - [`caps`]: the global and per-IP connection caps.
//! - [`tls`]: TLS served directly: the `[tls]` certificate, the handshake,
//!   and a TLS connection as a non-blocking socket after the upgrade.
//! - [`ws`]: the WebSocket transport: checked reader half, writer half.
//! - [`sock`]: the upgraded socket's halves, plain TCP or TLS.
//! - [`mask_check`]: refuses unmasked client frames.
//! - [`assemble`]: fragment reassembly with a cap on the whole message.
//! - [`rate`]: the per-connection token bucket.
//! - [`liveness`]: pings, and when to give up on a peer.
//! - [`connection`]: one game client: transport, watchdog and session together.
//! - [`outbox`]: a client's bounded outbound queue, latest-wins for snapshots.
//! - [`session`]: one client's protocol phases and message handlers.
//! - [`resume`]: resume tokens and the sessions they take back; the
//!   account index that lets a second login take a session over.
//! - [`auth`]: player authentication: session tokens (JWTs) from the
//!   game's backend, checked at `Hello`.
//! - [`kick`]: ending a connection from outside it, with a reason.
//! - [`lobby`]: the games hosted, the lobby registry (codes, seats,
//!   quick-join) and each lobby's tick task, which owns its game.
//! - [`replication`]: per-client delta snapshots, fixed point, interest
//!   management; pure, generic over the game, driven by each lobby's tick.
//! - [`close`]: the WebSocket close codes the server uses.
//! - [`admin`]: the operators' API under `/admin/api/` (tokens, lobbies,
//!   kicks, bans, locks, notices, the drain), on the game port or its own.

pub mod admin;
pub mod admit;
pub mod agones;
pub mod assemble;
pub mod auth;
pub mod caps;
pub mod close;
pub mod config;
pub mod connection;
pub mod fleet;
pub mod frame_source;
pub mod http;
pub mod kick;
pub mod liveness;
pub mod lobby;
pub mod mask_check;
pub mod metrics;
pub mod outbox;
pub mod proxy;
pub mod rate;
pub mod replication;
pub mod resume;
pub mod server;
pub mod session;
pub mod sock;
pub mod tls;
pub mod web;
pub mod ws;

pub use config::{Cli, Config};
pub use server::{ServerError, serve};
