//! What Four exchanges with its clients, as Rust types: the messages a
//! client sends ([`FourMsg`]), the reliable events the game raises
//! ([`FourEvent`]), the replicated state (a [`FourRow`] per seat and the
//! lobby-wide [`FourState`]) and what a client is told on joining
//! ([`FourInfo`]). Each is spelled on the wire by the codec, as
//! `games/four/PROTOCOL.md` shows byte by byte.

use rallypoint_game::PlayerId;
use serde::{Deserialize, Serialize};

use crate::board::{Board, Cell, LINE};

/// Seats at the table: 2.
pub const SEATS: usize = 2;

/// Four has no per-tick input: every move is a reliable [`FourMsg`]. This
/// type has no values, so an input cannot even be built, and the engine's
/// per-tick input queue stays empty for this game.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoInput {}

/// A client's message to the game.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FourMsg {
    /// Drop a disc in `column` (0 = leftmost).
    Drop { column: u8 },
    /// After a game ends, ask for another; it starts once both seated
    /// players have asked.
    Rematch,
}

/// Why a seat forfeited a game.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ForfeitReason {
    /// The seat to move let its turn timer run out.
    TurnTimer,
    /// The player left.
    Left,
    /// The player's connection dropped and the resume grace ran out.
    Expired,
}

/// A reliable event from the game. All go to everyone but
/// [`FourEvent::Illegal`], which goes only to the player it refuses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FourEvent {
    /// Game number `game` began (a rematch too); `first` moves first.
    Started { game: u32, first: u8 },
    /// `seat` dropped a disc in `column`, and it landed on `row`.
    Moved { seat: u8, column: u8, row: u8 },
    /// `seat` won with four in a row at `cells`, in order along the line.
    Won { seat: u8, cells: [Cell; LINE] },
    /// The board filled with no line.
    Draw,
    /// `seat` forfeited the game in progress; the other seat wins it.
    Forfeit { seat: u8, why: ForfeitReason },
    /// `seat` asked for a rematch.
    RematchRequested { seat: u8 },
    /// The message from this player was refused and changed nothing.
    Illegal { reason: String },
}

/// Where the table is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Phase {
    /// Fewer than two players are seated. The board still shows the last
    /// game's final position, if there was one.
    #[default]
    Waiting,
    /// A game is in progress.
    Playing,
    /// `seat` won the last game; waiting for both to ask for a rematch.
    Won { seat: u8 },
    /// The last game was a draw; waiting for a rematch.
    Draw,
    /// `seat` forfeited the last game (in practice by its turn timer: a
    /// forfeit by leaving empties a seat, which makes the phase
    /// [`Phase::Waiting`]); waiting for a rematch.
    Forfeit { seat: u8, why: ForfeitReason },
}

impl Phase {
    /// Whether a game has ended and both players are still seated, so a
    /// rematch may be asked for.
    pub fn is_over(self) -> bool {
        matches!(
            self,
            Phase::Won { .. } | Phase::Draw | Phase::Forfeit { .. }
        )
    }
}

/// A seat's row, keyed by the seat (0 or 1); there is no row for an empty
/// seat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FourRow {
    pub player: PlayerId,
    /// Games this player has won from this seat, forfeits by the opponent
    /// included. Kept across rematches; a new player in the seat starts
    /// at 0.
    pub wins: u32,
    /// Whether the player has asked for a rematch of the game just ended.
    pub rematch: bool,
}

/// The lobby-wide state every member sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FourState {
    pub board: Board,
    /// The seat to move, while a game is in progress.
    pub turn: Option<u8>,
    pub phase: Phase,
    /// The tick at which the seat to move forfeits if it has not moved; 0
    /// when no game is in progress. A deadline rather than a countdown, so
    /// the singleton changes once a turn, not every tick: a client shows
    /// [`FourState::ticks_left`] at its snapshot's tick.
    pub deadline: u32,
    /// Discs dropped in the current (or last) game.
    pub moves: u8,
    /// Games started in this lobby, rematches included; 0 before the first.
    pub game: u32,
}

// The engine diffs both field by field: a move changes the board, the
// turn, the deadline and the move count, and nothing else is sent.
rallypoint_game::fields!(FourRow {
    player,
    wins,
    rematch
});
rallypoint_game::fields!(FourState {
    board,
    turn,
    phase,
    deadline,
    moves,
    game
});

/// What a client is told when it joins or resumes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FourInfo {
    /// The client's seat; `None` if it has none.
    pub seat: Option<u8>,
    /// A full turn, in ticks, for drawing the countdown.
    pub turn_ticks: u32,
}

impl FourState {
    /// Ticks the seat to move has left at `tick` before it forfeits; 0 when
    /// no game is in progress. A turn starts with the full timer, and the
    /// forfeit comes at the tick this reaches 0.
    pub fn ticks_left(&self, tick: u32) -> u32 {
        self.deadline.saturating_sub(tick)
    }
}
