//! A table for tests: a [`Four`] game driven the way a lobby drives it
//! (joins and leaves between ticks, one step per tick with that tick's
//! messages), returning the events each call raised.

#![allow(dead_code)] // each test file uses its own part of this

use rallypoint_four::{Four, FourConfig, FourEvent, FourMsg, FourRow, FourState};
use rallypoint_game::{Events, Game, LeaveReason, LobbyParams, PlayerId, State, To};

/// The tick rate of test lobbies: 10 Hz, so a one-second turn is ten ticks.
pub const HZ: u16 = 10;

pub type Sent = Vec<(To, FourEvent)>;

pub struct Table {
    pub game: Four,
    /// The last tick stepped.
    pub tick: u32,
}

pub fn p(n: u64) -> PlayerId {
    PlayerId(n)
}

fn drain(mut events: Events<FourEvent>) -> Sent {
    events.drain().0.collect()
}

impl Table {
    pub fn new(turn_secs: f32) -> Table {
        let params = LobbyParams {
            tick_hz: HZ,
            max_players: 2,
        };
        Table {
            game: Four::create(&FourConfig { turn_secs }, &params),
            tick: 0,
        }
    }

    /// A table with players 1 and 2 seated (so a game has started) and a
    /// turn timer long enough never to matter.
    pub fn pair() -> Table {
        let mut t = Table::new(1000.0);
        t.join(1);
        t.join(2);
        t
    }

    pub fn join(&mut self, player: u64) -> Sent {
        let mut events = Events::new();
        assert_eq!(self.game.join(self.tick, p(player), &mut events), None);
        drain(events)
    }

    pub fn leave(&mut self, player: u64, reason: LeaveReason) -> Sent {
        let mut events = Events::new();
        self.game.leave(self.tick, p(player), reason, &mut events);
        drain(events)
    }

    /// Steps the next tick with `msgs`.
    pub fn step(&mut self, msgs: &[(u64, FourMsg)]) -> Sent {
        self.tick += 1;
        let msgs: Vec<_> = msgs.iter().map(|&(n, m)| (p(n), m)).collect();
        let mut events = Events::new();
        self.game.step(self.tick, &[], &msgs, &mut events);
        drain(events)
    }

    /// Steps the next tick with one drop.
    pub fn drop(&mut self, player: u64, column: u8) -> Sent {
        self.step(&[(player, FourMsg::Drop { column })])
    }

    /// Plays `columns` one a tick, each by whichever of players 1 and 2
    /// holds the seat to move; the events of the last.
    pub fn play(&mut self, columns: &[u8]) -> Sent {
        let mut last = Vec::new();
        for &c in columns {
            let seat = self.game.turn().expect("a game is in progress");
            let player = self.game.player_in(seat).expect("the seat is held");
            last = self.drop(player.0, c);
        }
        last
    }

    pub fn state(&self) -> State<(), FourRow, FourState> {
        let mut s = State::default();
        self.game.write_state(&mut s);
        s
    }

    pub fn singleton(&self) -> FourState {
        self.state()
            .singleton
            .expect("Four always writes its singleton")
    }
}

/// Three discs of seat 0 on the bottom row, seat 1's stacked on them, and
/// then seat 0's fourth: seat 0 wins with (0..4, 0).
pub const HORIZONTAL_WIN: [u8; 7] = [0, 0, 1, 1, 2, 2, 3];

/// A whole game with no line: the board fills and it is a draw. Found by
/// random playouts and checked by the tests that use it.
pub const DRAW: [u8; 42] = [
    5, 4, 5, 0, 6, 2, 4, 5, 5, 0, 4, 1, 1, 0, 4, 5, 6, 5, 3, 1, 1, 2, 2, 6, 2, 6, 6, 3, 6, 2, 0, 3,
    0, 3, 3, 4, 3, 1, 4, 2, 1, 0,
];
