//! Lobbies: each one a task that owns its [`World`] and runs the fixed-tick
//! loop. Connections talk to it only through a bounded channel of
//! [`LobbyCmd`]s and hear back only through their [`Outbox`]es, so no lock
//! is ever held on the world and no tick waits on a socket.
//!
//! # The tick loop
//! Ticks run on absolute deadlines (`start + n * period`), so they do not
//! drift. **Overrun policy:** when a tick (or the machine) runs late past the
//! next deadline, the missed deadlines are skipped, not replayed in a burst:
//! the next tick runs at the next deadline still in the future. Game time is
//! counted in ticks, so an overloaded lobby runs slower rather than jerkier,
//! and every overrun is logged.
//!
//! Between ticks the task drains its channel: inputs go into each member's
//! bounded pending queue in `seq` order, joins and leaves take effect at
//! once. At each tick every member's pending inputs are applied in order (one,
//! or up to [`MAX_INPUTS_PER_TICK`] while more than
//! [`STEADY_PENDING_INPUTS`] wait), the world steps once, and every
//! member is sent a snapshot naming the last input of theirs applied.

mod registry;
mod task;

pub use registry::{JOIN_CODE_LEN, JoinError, Registry, Seat};
pub use task::{
    DETACH_MARGIN, LobbyCmd, LobbyHandle, LobbySpec, MAX_INPUTS_PER_TICK, MAX_PENDING_INPUTS,
    MAX_ROSTER_CHANGES, STEADY_PENDING_INPUTS,
};

/// Commands a lobby's channel holds before senders wait (joins, leaves) or
/// inputs are dropped. Default: 1024, four ticks of inputs from a full
/// 255-player lobby; the task drains it continuously, not only at ticks.
pub const LOBBY_INBOX_CAPACITY: usize = 1024;

use crate::game::World;
use crate::outbox::Outbox;
