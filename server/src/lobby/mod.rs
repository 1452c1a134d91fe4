//! Lobbies: each one a task that owns its game and runs the fixed-tick
//! loop, monomorphised on the game. Connections talk to it only through
//! two bounded channels, one of [`LobbyCmd`]s and one of inputs, and hear
//! back only through their [`Outbox`](crate::outbox::Outbox)es, so no lock is ever held on a game
//! and no tick waits on a socket.
//!
//! # The tick loop
//! Ticks run on absolute deadlines (`start + n * period`), so they do not
//! drift; on Linux a `timerfd` wakes the lobby at each deadline, to the
//! microsecond rather than tokio's millisecond (see `timer`). **Overrun
//! policy:** when a tick (or the machine) runs late past the next
//! deadline, the missed deadlines are skipped, not replayed in a burst:
//! the next tick runs at the next deadline still in the future. Game time
//! is counted in ticks, so an overloaded lobby runs slower rather than
//! jerkier, and every overrun is logged.
//!
//! Between ticks the task handles commands as they come: joins and leaves
//! take effect at once (the game's `join` and `leave` hooks run between
//! ticks, with the tick last stepped). Inputs wait in their channel until
//! the next tick, which drains it first, so a lobby wakes once per tick
//! however many players send, not once per input; each input goes into
//! its member's bounded pending queue in `seq` order. At each tick every
//! member's pending inputs are applied in order (one, or up to
//! [`MAX_INPUTS_PER_TICK`] while more than [`STEADY_PENDING_INPUTS`]
//! wait), the game steps once, and every member is sent a snapshot naming
//! the last input of theirs applied.
//!
//! # Layout
//! - `admin`: an operator's commands, and the stats that answer them.
//! - `handle`: the type-erased [`LobbyHandle`] and [`LobbyCmd`].
//! - `host`: [`GameHost`] and [`Games`], the games a server hosts.
//! - `registry`: lobby ids, join codes, seats and quick-join.
//! - `task`: the tick loop.
//! - `members`: joins, leaves, resumes and the roster.
//! - `inputs`: pending inputs and how many a tick applies.
//! - `timer`: the precise tick timer.

mod admin;
mod handle;
mod host;
mod inputs;
mod join;
mod members;
mod registry;
mod task;
mod timer;

pub use admin::{AdminCmd, LATENESS_WINDOW, Lateness, LobbyReport, MemberReport};
pub use handle::{LobbyBusy, LobbyClosed, LobbyCmd, LobbyHandle, Offer, Queued};
pub use host::{GameHost, Games, GamesError, host};
pub use inputs::{MAX_INPUTS_PER_TICK, MAX_PENDING_INPUTS, STEADY_PENDING_INPUTS};
pub use join::{JOIN_CODE_LEN, JoinError};
pub use members::{DETACH_MARGIN, MAX_ROSTER_CHANGES};
pub use registry::{LOCAL_ID_BITS, Published, Registry, Seat};
pub use task::LobbySpec;

/// Commands (joins, leaves, resumes) a lobby's command channel holds before
/// senders wait. Default: 1024; the task handles them as they come.
pub const LOBBY_INBOX_CAPACITY: usize = 1024;

/// Inputs a lobby's input channel holds before new ones are dropped (and
/// counted in `inputs_rejected{reason="lobby inbox full"}`). It is drained
/// at every tick. Default: 2048, four ticks of inputs from a full 255-player
/// lobby with every client sending two per tick.
pub const LOBBY_INPUT_CAPACITY: usize = 2048;
