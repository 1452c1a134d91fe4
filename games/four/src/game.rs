//! Four behind the engine's `Game` trait: the table (two seats, given in
//! join order), the life of a game (start, moves, win, draw, forfeit,
//! rematch) and the turn timer. Moves arrive as reliable messages; there is
//! no per-tick input, no avatar and no entity, and the replicated state is
//! one row per seated player plus the lobby-wide board.
//!
//! Choices where the rules of the game are silent:
//! - **Seats**: two, whatever the lobby's `max_players`; a joiner takes
//!   the lowest free seat, and [`Game::admit`] refuses a third.
//! - **Who moves first**: seat 0 in the lobby's first game; after that the
//!   loser of the last game (the seat that forfeited, after a forfeit), or
//!   after a draw the player who moved second. After a forfeit by leaving,
//!   the loser's seat is the one a newcomer takes, so the newcomer starts.
//! - **Wins** are counted per seated player: a forfeit counts as the
//!   opponent's win, rematches keep the counts, and a new player in a seat
//!   starts at 0.
//! - **Between games** there is no timer: both players ask for a rematch,
//!   or one leaves. With a seat empty the phase is `Waiting` and the board
//!   keeps the last game's final position until the next game starts.
//! - **A dropped connection** does not pause the game (Four ignores the
//!   `disconnected` and `reconnected` hooks): the timer of a disconnected
//!   player to move keeps running, and it forfeits by the timer or when its
//!   seat expires, whichever comes first.

use rallypoint_game::{
    EntityKey, Events, Game, LeaveReason, LobbyParams, PlayerId, Refusal, Row, State, To,
};

use crate::board::{Board, Cell, DropError};
use crate::config::FourConfig;
use crate::protocol::{
    ForfeitReason, FourEvent, FourInfo, FourMsg, FourRow, FourState, NoInput, Phase, SEATS,
};

/// A player in a seat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Seated {
    player: PlayerId,
    wins: u32,
    rematch: bool,
}

/// One Four lobby's game. See the module docs.
#[derive(Debug, Clone)]
pub struct Four {
    /// The turn timer, converted once at creation.
    turn_ticks: u32,
    /// The last tick any hook was given: "now" for the timer.
    tick: u32,
    seats: [Option<Seated>; SEATS],
    board: Board,
    phase: Phase,
    /// The seat to move; meaningful while playing.
    turn: u8,
    /// The seat that moved first in the current or last game.
    first: u8,
    /// The seat that moves first in the next game.
    next_first: u8,
    /// The tick at which the seat to move forfeits, if it has not moved.
    deadline: u32,
    moves: u8,
    game: u32,
}

/// The other seat.
fn other(seat: u8) -> u8 {
    1 - seat
}

impl Four {
    /// The board of the current (or last) game.
    pub fn board(&self) -> &Board {
        &self.board
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// The seat to move, while a game is in progress.
    pub fn turn(&self) -> Option<u8> {
        (self.phase == Phase::Playing).then_some(self.turn)
    }

    /// The seat `player` holds, if any.
    pub fn seat_of(&self, player: PlayerId) -> Option<u8> {
        (0..SEATS as u8).find(|&s| self.seated(s).is_some_and(|p| p.player == player))
    }

    /// Who holds `seat`.
    pub fn player_in(&self, seat: u8) -> Option<PlayerId> {
        self.seated(seat).map(|p| p.player)
    }

    /// Games won from `seat` by its current player.
    pub fn wins(&self, seat: u8) -> u32 {
        self.seated(seat).map_or(0, |p| p.wins)
    }

    /// The turn timer in ticks.
    pub fn turn_ticks(&self) -> u32 {
        self.turn_ticks
    }

    /// Ticks the seat to move has left; 0 when no game is in progress.
    pub fn ticks_left(&self) -> u32 {
        if self.phase == Phase::Playing {
            self.deadline.saturating_sub(self.tick)
        } else {
            0
        }
    }

    fn seated(&self, seat: u8) -> Option<&Seated> {
        self.seats.get(usize::from(seat))?.as_ref()
    }

    fn seated_mut(&mut self, seat: u8) -> Option<&mut Seated> {
        self.seats.get_mut(usize::from(seat))?.as_mut()
    }

    fn both_seated(&self) -> bool {
        self.seats.iter().all(Option::is_some)
    }

    /// A fresh board and `next_first` to move; every seated player hears.
    fn start(&mut self, events: &mut Events<FourEvent>) {
        self.game = self.game.wrapping_add(1);
        self.board = Board::new();
        self.phase = Phase::Playing;
        self.first = self.next_first;
        self.turn = self.first;
        self.moves = 0;
        self.deadline = self.tick.saturating_add(self.turn_ticks);
        for s in self.seats.iter_mut().flatten() {
            s.rematch = false;
        }
        events.send(
            To::All,
            FourEvent::Started {
                game: self.game,
                first: self.first,
            },
        );
    }

    /// `seat` gives up the game in progress: the other seat wins it.
    fn forfeit(&mut self, seat: u8, why: ForfeitReason, events: &mut Events<FourEvent>) {
        debug_assert_eq!(self.phase, Phase::Playing);
        if let Some(winner) = self.seated_mut(other(seat)) {
            winner.wins = winner.wins.saturating_add(1);
        }
        self.phase = Phase::Forfeit { seat, why };
        self.next_first = seat;
        events.send(To::All, FourEvent::Forfeit { seat, why });
    }

    /// Handles one message; an illegal one is refused to its sender alone
    /// and changes nothing.
    fn message(&mut self, player: PlayerId, msg: FourMsg, events: &mut Events<FourEvent>) {
        let result = match msg {
            FourMsg::Drop { column } => self.drop_disc(player, column, events),
            FourMsg::Rematch => self.rematch(player, events),
        };
        if let Err(reason) = result {
            events.send(To::One(player), FourEvent::Illegal { reason });
        }
    }

    fn drop_disc(
        &mut self,
        player: PlayerId,
        column: u8,
        events: &mut Events<FourEvent>,
    ) -> Result<(), String> {
        let seat = self.seat_of(player).ok_or("you are not seated")?;
        if self.phase != Phase::Playing {
            return Err("no game is in progress".into());
        }
        if seat != self.turn {
            return Err("it is not your turn".into());
        }
        let row = self.board.play(column, seat).map_err(|e| match e {
            DropError::OutOfRange => format!("column {column} does not exist (0 to 6)"),
            DropError::Full => format!("column {column} is full"),
        })?;
        self.moves += 1;
        events.send(To::All, FourEvent::Moved { seat, column, row });
        if let Some(cells) = self.board.four_through(Cell::new(column, row)) {
            if let Some(winner) = self.seated_mut(seat) {
                winner.wins = winner.wins.saturating_add(1);
            }
            self.phase = Phase::Won { seat };
            self.next_first = other(seat);
            events.send(To::All, FourEvent::Won { seat, cells });
        } else if self.board.is_full() {
            self.phase = Phase::Draw;
            self.next_first = other(self.first);
            events.send(To::All, FourEvent::Draw);
        } else {
            self.turn = other(seat);
            self.deadline = self.tick.saturating_add(self.turn_ticks);
        }
        Ok(())
    }

    fn rematch(&mut self, player: PlayerId, events: &mut Events<FourEvent>) -> Result<(), String> {
        let seat = self.seat_of(player).ok_or("you are not seated")?;
        match self.phase {
            Phase::Playing => return Err("a game is in progress".into()),
            Phase::Waiting => return Err("waiting for an opponent".into()),
            _ => {}
        }
        let me = self.seated_mut(seat).expect("seat_of found it");
        if me.rematch {
            return Err("you already asked for a rematch".into());
        }
        me.rematch = true;
        events.send(To::All, FourEvent::RematchRequested { seat });
        if self.seats.iter().flatten().all(|s| s.rematch) {
            self.start(events);
        }
        Ok(())
    }
}

impl Game for Four {
    const NAME: &'static str = "four";
    type Config = FourConfig;
    type Input = NoInput;
    type Msg = FourMsg;
    type Event = FourEvent;
    type JoinInfo = FourInfo;
    type Entity = ();
    type Row = FourRow;
    type Singleton = FourState;

    fn create(config: &FourConfig, lobby: &LobbyParams) -> Self {
        Four {
            turn_ticks: config.turn_ticks(lobby.tick_hz),
            tick: 0,
            seats: [None; SEATS],
            board: Board::new(),
            phase: Phase::Waiting,
            turn: 0,
            first: 0,
            next_first: 0,
            deadline: 0,
            moves: 0,
            game: 0,
        }
    }

    /// Two seats, whatever the lobby's creator asked for.
    fn seats(_requested: u8) -> u8 {
        SEATS as u8
    }

    fn admit(&self, _tick: u32, player: PlayerId) -> Result<(), Refusal> {
        if self.seat_of(player).is_some() {
            return Err(Refusal("you already hold a seat at this table".into()));
        }
        if self.both_seated() {
            return Err(Refusal("both seats are taken".into()));
        }
        Ok(())
    }

    /// Seats `player` in the lowest free seat and starts a game once both
    /// are taken. A member joining with no free seat (the engine asks
    /// `admit` first, so only a caller that did not) gets no seat: it may
    /// watch, and its messages are refused as "not seated".
    fn join(
        &mut self,
        tick: u32,
        player: PlayerId,
        events: &mut Events<FourEvent>,
    ) -> Option<EntityKey> {
        self.tick = tick;
        if self.seat_of(player).is_some() {
            return None;
        }
        if let Some(free) = self.seats.iter_mut().find(|s| s.is_none()) {
            *free = Some(Seated {
                player,
                wins: 0,
                rematch: false,
            });
            if self.both_seated() {
                self.start(events);
            }
        }
        None
    }

    /// A leave mid-game forfeits it, whether the player left or its seat
    /// expired after a drop. Either way the seat frees, a pending rematch
    /// request of the other player lapses (there is nobody to play), and
    /// the table waits for a new player.
    fn leave(
        &mut self,
        tick: u32,
        player: PlayerId,
        reason: LeaveReason,
        events: &mut Events<FourEvent>,
    ) {
        self.tick = tick;
        let Some(seat) = self.seat_of(player) else {
            return;
        };
        if self.phase == Phase::Playing {
            let why = match reason {
                LeaveReason::Left => ForfeitReason::Left,
                LeaveReason::Expired => ForfeitReason::Expired,
            };
            self.forfeit(seat, why, events);
        }
        self.seats[usize::from(seat)] = None;
        for s in self.seats.iter_mut().flatten() {
            s.rematch = false;
        }
        self.phase = Phase::Waiting;
    }

    /// Messages first, in arrival order, then the timer: a move that
    /// arrives by the tick the timer runs out counts.
    fn step(
        &mut self,
        tick: u32,
        _inputs: &[(PlayerId, NoInput)],
        msgs: &[(PlayerId, FourMsg)],
        events: &mut Events<FourEvent>,
    ) {
        self.tick = tick;
        for &(player, msg) in msgs {
            self.message(player, msg, events);
        }
        if self.phase == Phase::Playing && tick >= self.deadline {
            self.forfeit(self.turn, ForfeitReason::TurnTimer, events);
        }
    }

    fn end(&mut self, tick: u32) {
        self.tick = tick;
    }

    fn join_info(&self, player: PlayerId) -> FourInfo {
        FourInfo {
            seat: self.seat_of(player),
            turn_ticks: self.turn_ticks,
        }
    }

    fn write_state(&self, state: &mut State<(), FourRow, FourState>) {
        state.clear();
        for (seat, s) in self.seats.iter().enumerate() {
            if let Some(s) = s {
                state.rows.push(Row {
                    key: seat as u32,
                    fields: FourRow {
                        player: s.player,
                        wins: s.wins,
                        rematch: s.rematch,
                    },
                });
            }
        }
        state.singleton = Some(FourState {
            board: self.board,
            turn: self.turn(),
            phase: self.phase,
            deadline: if self.phase == Phase::Playing {
                self.deadline
            } else {
                0
            },
            moves: self.moves,
            game: self.game,
        });
    }
}
