//! Four in a Row, Rallypoint's second reference game, and the proof that
//! the engine–game seam is not arena-shaped: two seats, turns, moves as
//! reliable messages, no per-tick input, no avatars and no spatial
//! entities; the board is lobby-wide state. Pure like every game: no
//! tokio, no sockets, no clock, and randomness only in the bot policy,
//! seeded by its caller.
//!
//! `rallypoint-server` hosts it beside arena. Its messages, events, join
//! info and replicated fields travel as payloads inside the engine's
//! envelope, spelled byte by byte in `games/four/PROTOCOL.md`; a client
//! sends `Ack`s instead of per-tick inputs.
//!
//! # Rules
//! 7 columns of 6 cells with gravity; four discs of one seat in a row
//! (along a row, a column or a diagonal) win, and a full board with no
//! line is a draw. Seats are given in join order; a third player is
//! refused. The player to move has a turn timer (`turn_secs`, default
//! 30 s) and forfeits when it runs out; leaving, or a seat expiring after
//! a drop, forfeits a game in progress too. After a game both players ask
//! for a rematch to play again; who starts is in [`game`]'s docs.
//!
//! # Layout
//! - [`board`]: [`Board`], gravity and the line test: the rules without
//!   players or time.
//! - [`game`]: [`Four`], the `Game` implementation: seats, turns, the
//!   timer, wins and rematches.
//! - [`protocol`]: the messages, events and replicated records.
//! - [`config`]: [`FourConfig`], the tunable rules with their defaults.
//! - [`bot`]: the bot policy, [`bot::choose`], and its seeded generator.

pub mod board;
pub mod bot;
pub mod config;
pub mod game;
pub mod protocol;

pub use board::{Board, CELLS, COLUMNS, Cell, DropError, LINE, ROWS};
pub use config::{DEFAULT_TURN_SECS, FourConfig};
pub use game::Four;
pub use protocol::{
    ForfeitReason, FourEvent, FourInfo, FourMsg, FourRow, FourState, NoInput, Phase, SEATS,
};
