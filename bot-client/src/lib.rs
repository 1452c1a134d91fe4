//! Rallypoint's load-test client: many headless bots, each a real protocol
//! client over its own WebSocket, that connect with a ramp, fill lobbies of
//! one game (`--game`: arena with seeded random inputs, or four in a row
//! with a simple seeded policy), ping once a second, answer the server's
//! WebSocket pings and leave cleanly. With chaos on they also drop their
//! connections at random moments and resume their sessions. The run ends in
//! a [`Report`] of what the bots saw: who failed and why, snapshot
//! delivery, bandwidth and what delta snapshots saved of it, round-trip,
//! input-acknowledgement and resume latencies, the error of each arena
//! bot's client-side prediction and the game's own counters, and against
//! a fleet of nodes the redirects followed and where the bots ended up;
//! beside it, what the server's own metrics said about the run. Idle runs (`idle`) have each bot stay in the menu after
//! `Welcome` instead, to measure what idle connections cost the server.
//!
//! The binary `rallypoint-bots` only turns flags into [`RunOptions`] and
//! prints the report; tests call [`run()`] directly.
//!
//! # Layout
//! - [`options`]: [`RunOptions`] and their validation.
//! - [`target`]: URLs, the loopback-only rule, resolution, and the
//!   nodes of a fleet the bots are redirected to.
//! - [`plan`]: pure scheduling: the connect ramp and which bot creates or
//!   joins which lobby.
//! - [`games`]: each game behind one trait (`BotGame`): how a bot plays it
//!   (the policies themselves live with the games: `rallypoint_arena::bot`,
//!   `rallypoint_four::bot`), and the game's counters for the report.
//! - [`chaos`]: the per-bot seeded schedule of connection drops.
//! - [`link`]: the link conditioner (latency, jitter, stalls) as delay
//!   lines on a bot's send and receive paths.
//! - `predict`: client-side prediction of an arena bot's own player with
//!   arena's movement rules, and its error against the snapshots.
//! - `conn`: the only code touching a socket: TCP, TLS for `wss://`, the
//!   HTTP upgrade (written by hand in `conn::handshake`, so a refusal's
//!   status is kept), the plain or TLS halves (`conn::stream`), framing.
//! - [`tls`]: the trust store of `wss://` URLs: `--ca` and webpki-roots.
//! - `reader`: a bot's read half, generic over the game: decodes server
//!   messages, rebuilds the game's views from delta snapshots
//!   (`reader::deltas`), measures receive-side statistics, shows the game
//!   policy its views and events, forwards protocol events to the driver.
//! - `bot`: one bot's life (ramp slot, connect, hard deadline, result) and
//!   the timeouts it lives by; `bot::session` is its driver, owning the
//!   write half from `Hello` to the close, with its event handling
//!   (`events`), what it sends each tick: inputs sent alone or batched, or
//!   acknowledgements, and game messages (`inputs`), its connections, drops and resumes (`resume`),
//!   following a `Redirect` to another node (`redirect`), and the
//!   idle session of `--idle` (`idle`).
//! - `outcome`: one bot's result and the reasons a bot fails, each with
//!   its cause and remedy in words (`outcome::explain`).
//! - `acks`: the lock-free record of input sample times and the tick to
//!   acknowledge, which both halves share.
//! - `run`: starts the bots, enforces the run's deadline, collects results.
//! - [`report`]: aggregation of per-bot results into the [`Report`], its
//!   redirects and nodes, and its `server` section.
//! - [`server_metrics`]: the scrapes of the server's `/metrics` around the
//!   run (a bounded HTTP GET and a Prometheus text parser).
//! - `progress`: the optional live counters on stderr.
//!
//! # Cost per bot
//! Two tasks (driver and reader) and one socket per bot; the encode buffers
//! and the read buffer are reused for the life of the connection. Per
//! snapshot the reader allocates its decoded list of changes and the new
//! view (a copy of its baseline's maps, as `View::apply` builds it);
//! one view in [`FULL_EQUIVALENT_EVERY`] is also encoded as a full snapshot
//! to price it (`deltas.full_equivalent_*` in the report, scaled up from
//! the sample). Each bot keeps its last `BASELINE_WINDOW` (32) views.
//! Histograms are per bot (merged at the end, so the hot path takes no
//! lock) at 2 significant digits and auto-resized, so each stays about a
//! KiB; the 3-digit prediction error histogram (16 KiB) is allocated on its
//! first sample. An idle bot holds about 25 KiB of the process's memory,
//! most of it fastwebsockets' 8 KiB read buffer and the two tasks.

mod acks;
pub mod auth;
mod bot;
pub mod chaos;
mod conn;
pub mod games;
pub mod link;
pub mod options;
mod outcome;
pub mod plan;
mod predict;
mod progress;
mod reader;
pub mod report;
mod run;
pub mod server_metrics;
pub mod target;
#[cfg(test)]
mod test_records;
pub mod tls;

pub use bot::MAX_REDIRECTS;
pub use games::GameName;
pub use options::{LobbyMode, RunError, RunOptions};
pub use reader::FULL_EQUIVALENT_EVERY;
pub use report::Report;
pub use run::run;
pub use server_metrics::ServerMetrics;
