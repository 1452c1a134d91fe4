//! Twenty-one, the smallest whole game behind Rallypoint's `Game` trait,
//! written to be read: `docs/GAME_API.md` walks through it.
//!
//! Members send `Add(n)` messages (n from 1 to 3) to raise their own
//! totals; the first to reach exactly [`TARGET`] wins. A number out of
//! range, or one that would pass the target, is refused to its sender
//! alone and changes nothing; after a win, adds and joins are refused. The
//! state is a row per member and a lobby-wide phase: no per-tick input, no
//! entity, no avatar. Pure (no clock, no randomness): same calls, same state.
//!
//! On the wire (protocol v5) each of its types travels as a payload in the
//! engine's envelope, spelled by the engine's codec from its `serde`
//! derives: [`Msg`] in a client's `Game` message, [`Event`] in the
//! server's `Event`, the join info `()` as `Joined`'s empty `info`, and
//! [`Total`] and [`Phase`] field by field in snapshot records.
//! `games/minimal/PROTOCOL.md` shows the bytes; `tests/wire.rs` checks them.

use rallypoint_game::{
    EntityKey, Events, Game, LeaveReason, LobbyParams, PlayerId, Refusal, Row, State, To,
};
use serde::{Deserialize, Serialize};

/// The total that wins.
pub const TARGET: u8 = 21;

/// No per-tick input: every move is a reliable [`Msg`]. An enum without
/// variants has no values, so no input can ever reach `step`: no payload
/// decodes to one, and the server refuses every `Input` to this game.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum NoInput {}

/// What a member sends, as the payload of a `Game` message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Msg {
    /// Add 1, 2 or 3 to my total.
    Add(u8),
}

/// What the game tells members. A total is replicated state, so an add
/// raises no event: events are for what happens once (a win) or concerns
/// one player (a refusal). Each goes out as the payload of an `Event`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// `winner` reached exactly [`TARGET`]; sent to everyone.
    Won { winner: PlayerId },
    /// Your message changed nothing, and why; sent to you alone.
    Refused { reason: String },
}

/// A member's row. Row keys are the game's own `u32`s, so the row names
/// its player. `Default` is the blank a client reads a new row into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Total {
    pub player: PlayerId,
    pub total: u8,
}

/// The lobby-wide singleton.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Phase {
    #[default]
    Playing,
    Over {
        winner: PlayerId,
    },
}

/// One lobby's game.
#[derive(Debug, Clone)]
pub struct TwentyOne {
    /// The members' rows in join order, so in key order: exactly what
    /// replicates. A `Vec`, not a `HashMap`, whose order is seeded at
    /// random per process: nothing may differ between two runs.
    rows: Vec<Row<Total>>,
    /// The next row key: a counter, so a newcomer never takes the key of
    /// someone who left, and clients see a new row, not a changed one.
    next_key: u32,
    phase: Phase,
}

impl TwentyOne {
    /// Applies `Add(n)` from `player`: whether it won, or why it is refused.
    fn add(&mut self, player: PlayerId, n: u8) -> Result<bool, String> {
        if self.phase != Phase::Playing {
            return Err("the game is over".into());
        }
        if !(1..=3).contains(&n) {
            return Err(format!("add 1, 2 or 3, not {n}"));
        }
        let row = self.rows.iter_mut().find(|r| r.fields.player == player);
        let me = &mut row.ok_or("you are not playing")?.fields;
        // At most 21 + 3 here: a u8 cannot overflow.
        if me.total + n > TARGET {
            return Err(format!("{} + {n} would pass {TARGET}", me.total));
        }
        me.total += n;
        let won = me.total == TARGET;
        if won {
            self.phase = Phase::Over { winner: player };
        }
        Ok(won)
    }
}

impl Game for TwentyOne {
    const NAME: &'static str = "twentyone";
    type Config = ();
    type Input = NoInput;
    type Msg = Msg;
    type Event = Event;
    type JoinInfo = ();
    type Entity = ();
    type Row = Total;
    type Singleton = Phase;

    fn create(_config: &(), _lobby: &LobbyParams) -> Self {
        TwentyOne {
            rows: Vec::new(),
            next_key: 0,
            phase: Phase::Playing,
        }
    }

    /// Nobody joins a finished game: there is nothing left to play.
    fn admit(&self, _tick: u32, _player: PlayerId) -> Result<(), Refusal> {
        match self.phase {
            Phase::Playing => Ok(()),
            Phase::Over { .. } => Err(Refusal("this game is over".into())),
        }
    }

    /// A new member starts at 0. No avatar: a member here is a row.
    fn join(&mut self, _tick: u32, player: PlayerId, _: &mut Events<Event>) -> Option<EntityKey> {
        self.rows.push(Row {
            key: self.next_key,
            fields: Total { player, total: 0 },
        });
        self.next_key = self.next_key.wrapping_add(1);
        None
    }

    /// Gone for good (left, or dropped and not back in time): the row
    /// goes. A win stays won.
    fn leave(&mut self, _tick: u32, player: PlayerId, _: LeaveReason, _: &mut Events<Event>) {
        self.rows.retain(|r| r.fields.player != player);
    }

    /// Messages in arrival order: when two members reach 21 in one tick,
    /// the first to arrive wins and the second is refused.
    fn step(
        &mut self,
        _tick: u32,
        _inputs: &[(PlayerId, NoInput)],
        msgs: &[(PlayerId, Msg)],
        events: &mut Events<Event>,
    ) {
        for &(player, Msg::Add(n)) in msgs {
            let (to, event) = match self.add(player, n) {
                Ok(false) => continue,
                Ok(true) => (To::All, Event::Won { winner: player }),
                Err(reason) => (To::One(player), Event::Refused { reason }),
            };
            events.send(to, event);
        }
    }

    /// Nothing to tell a joiner: everything it needs is replicated.
    fn join_info(&self, _player: PlayerId) {}

    fn write_state(&self, state: &mut State<(), Total, Phase>) {
        state.clear();
        state.rows.extend_from_slice(&self.rows);
        state.singleton = Some(self.phase);
    }
}

// The engine diffs replicated state field by field, and a snapshot record
// carries the fields that changed, each in the codec's encoding: a row's
// player and total are fields 0 and 1; the phase is one field of its own.
rallypoint_game::fields!(Total { player, total });
rallypoint_game::fields!(Phase);
