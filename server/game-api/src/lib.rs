//! The seam between Rallypoint's engine and a game. A game is a type that
//! implements [`Game`]: the engine creates one per lobby, calls its
//! lifecycle hooks from the lobby's tick task, and replicates the state it
//! declares. Nothing here does I/O: no tokio, no sockets, no clock and no
//! randomness, so a game is a pure function of what the engine hands it
//! (the tick number, that tick's inputs and messages, joins and leaves),
//! and the same calls always give bit-identical state (see [`replay`]).
//!
//! The shape follows Nakama's authoritative match handler (create, admit,
//! join, leave, a loop that gets the tick and that tick's messages, end)
//! and Colyseus's rooms (several game types in one process), with the
//! replication of bevy_replicon and naia: the game declares what
//! replicates, and the engine diffs it per client against that client's
//! acknowledged baseline, so a game never writes a delta by hand.
//!
//! # Layout
//! - [`Game`]: the trait, with [`LobbyParams`], [`LeaveReason`],
//!   [`Refusal`] and [`Events`].
//! - [`fields`]: [`Fields`], which fields of a replicated record changed,
//!   so the engine computes every delta; the [`fields!`] macro.
//! - [`state`]: the replicated state a game writes each tick: entities
//!   with an optional dead-reckoned track and a scope, one row per member,
//!   one lobby singleton.
//! - [`view`]: a client's side: the state it rebuilds from snapshots, for
//!   any game, as bots and tests use it.
//! - [`replay`]: records the calls a lobby makes and replays them, to
//!   check a game is deterministic.

pub mod fields;
pub mod replay;
pub mod state;
pub mod view;

use std::fmt;

pub use fields::Fields;
pub use rallypoint_shared::{EntityId, PlayerId, encode_value_into};
use serde::Serialize;
use serde::de::DeserializeOwned;
pub use state::{Entity, EntityKey, Interest, Motion, Row, Scope, State};

/// What a lobby is, as a game sees it at creation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LobbyParams {
    /// Ticks per second; every duration a game counts is in these ticks.
    pub tick_hz: u16,
    /// Seats in the lobby: what its creator asked for, after
    /// [`Game::seats`], within 1 to 255.
    pub max_players: u8,
}

/// Why a member left the game.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LeaveReason {
    /// The player asked to leave.
    Left,
    /// The player's connection dropped and the resume grace ran out: the
    /// seat was held, and now it is freed.
    Expired,
}

/// A join refused by [`Game::admit`]; the text reaches the client in an
/// `Error`, so it should tell a player what happened ("the game has
/// started").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub String);

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who a game event goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum To {
    One(PlayerId),
    All,
    AllBut(PlayerId),
}

/// Most events a game may raise in one hook call (the engine delivers
/// them after each call). Default: 1024. Past it
/// further events are dropped and counted, so a runaway game cannot grow a
/// lobby's memory without bound.
pub const MAX_EVENTS_PER_TICK: usize = 1024;

/// The reliable events a game raises from its hooks, in order, for the
/// engine to deliver after the hook returns.
#[derive(Debug)]
pub struct Events<E> {
    list: Vec<(To, E)>,
    dropped: u32,
}

impl<E> Default for Events<E> {
    fn default() -> Self {
        Events {
            list: Vec::new(),
            dropped: 0,
        }
    }
}

impl<E> Events<E> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues `event` for `to`; false (and counted) past
    /// [`MAX_EVENTS_PER_TICK`].
    pub fn send(&mut self, to: To, event: E) -> bool {
        if self.list.len() >= MAX_EVENTS_PER_TICK {
            self.dropped = self.dropped.saturating_add(1);
            return false;
        }
        self.list.push((to, event));
        true
    }

    /// Takes the queued events, oldest first, and the count dropped since
    /// the last drain.
    pub fn drain(&mut self) -> (std::vec::Drain<'_, (To, E)>, u32) {
        let dropped = std::mem::take(&mut self.dropped);
        (self.list.drain(..), dropped)
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// The queued events, oldest first, without taking them.
    pub fn queued(&self) -> &[(To, E)] {
        &self.list
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

/// A game Rallypoint can host. The engine owns the clock, the players'
/// connections and the replication; the game owns its rules and state.
///
/// Every hook gets the lobby's tick number: the tick just stepped for
/// `admit`, `join`, `leave`, `disconnected`, `reconnected` and `end` (which
/// happen between ticks), and the tick being computed for `step`. The
/// first `step` is tick 1. From `admit` on, hooks run on the lobby's own
/// task; `seats`, `create`, `label` and `interest` run where the lobby is
/// created, before its task starts.
pub trait Game: Sized + Send + 'static {
    /// The game's name, as clients and the config name it. Lowercase ASCII
    /// letters and digits, at most 16 bytes.
    const NAME: &'static str;
    /// The game's settings, read from its own table of the config file.
    type Config: Clone + Send + Sync + 'static;
    /// A member's intent for one tick, where the game has one; the engine
    /// queues them per member and hands them to `step` in `seq` order. Its
    /// encoding is the payload of the envelope's `Input` (an uninhabited
    /// enum for a game without one: every input is then refused).
    type Input: Serialize + DeserializeOwned + Clone + Send + fmt::Debug + 'static;
    /// A reliable message from a client (a move, "ready", a chat line),
    /// handed to the next `step` in arrival order; the payload of the
    /// envelope's `Game` message.
    type Msg: Serialize + DeserializeOwned + Clone + PartialEq + Send + fmt::Debug + 'static;
    /// A reliable message from the game to one client, all, or all but one;
    /// the payload of the envelope's `Event`.
    type Event: Serialize + DeserializeOwned + Clone + PartialEq + Send + fmt::Debug + 'static;
    /// What a client is told when it joins (arena: the map); the payload of
    /// `Joined`.
    type JoinInfo: Serialize + DeserializeOwned;
    /// The replicated fields of an entity, diffed field by field by the
    /// engine against each client's baseline (see [`Fields`]).
    type Entity: Fields + Clone + PartialEq + Send + fmt::Debug + 'static;
    /// The replicated fields of a member's row (arena: the score).
    type Row: Fields + Clone + PartialEq + Send + fmt::Debug + 'static;
    /// The replicated lobby-wide state (a phase, whose turn it is); `()`
    /// for none.
    type Singleton: Fields + Clone + PartialEq + Send + fmt::Debug + 'static;

    /// How many seats a lobby of this game has when its creator asks for
    /// `requested` (quick-join asks for the server's `quick_join_players`).
    /// The engine counts seats with this number, so listings and
    /// quick-join never offer a seat the game would refuse. Default:
    /// `requested`; a two-player game says 2.
    fn seats(requested: u8) -> u8 {
        requested
    }

    /// Checks a client's decoded input and stamps it with the envelope's
    /// sequence number and acknowledged tick, which a game may use (arena
    /// checks an instant-hit shot against that tick's view). Runs on the
    /// connection's task, before the input is queued; the error reaches
    /// the client as `InvalidField`. Default: the input as it came.
    fn input(seq: u32, ack_tick: u32, input: Self::Input) -> Result<Self::Input, String> {
        let _ = (seq, ack_tick);
        Ok(input)
    }

    /// Checks a client's decoded message before it is queued, like
    /// [`Game::input`]. Default: accepted. Rules that depend on the game's
    /// state (whose turn it is) belong in `step`, which answers with an
    /// event.
    fn check_msg(msg: Self::Msg) -> Result<Self::Msg, String> {
        Ok(msg)
    }

    /// A new game for a new lobby.
    fn create(config: &Self::Config, lobby: &LobbyParams) -> Self;

    /// A short label for lobby listings (arena: the map's name), fixed at
    /// creation like Nakama's match label.
    fn label(&self) -> String {
        String::new()
    }

    /// The geometry of the game's interest management, if it has spatial
    /// entities. With `None`, every [`Scope::Spatial`] entity is seen by
    /// every member.
    fn interest(&self) -> Option<Interest> {
        None
    }

    /// Whether `player` may join now. Seats are counted by the engine; a
    /// game refuses for its own reasons ("the game has started").
    fn admit(&self, tick: u32, player: PlayerId) -> Result<(), Refusal> {
        let _ = (tick, player);
        Ok(())
    }

    /// `player` joined (after `admit` accepted). Returns the member's
    /// avatar, if the game gives it one: the entity whose exact position
    /// the member's snapshots carry and whose view decides what is in its
    /// interest.
    fn join(
        &mut self,
        tick: u32,
        player: PlayerId,
        events: &mut Events<Self::Event>,
    ) -> Option<EntityKey>;

    /// `player` is gone for good: it left, or its seat expired after a
    /// drop. A member whose connection dropped but may still resume has
    /// not left.
    fn leave(
        &mut self,
        tick: u32,
        player: PlayerId,
        reason: LeaveReason,
        events: &mut Events<Self::Event>,
    );

    /// `player`'s connection dropped; its seat is held for the resume
    /// grace, and it will either come back (`reconnected`) or leave with
    /// [`LeaveReason::Expired`]. Default: nothing (Colyseus's `onDrop`).
    fn disconnected(&mut self, tick: u32, player: PlayerId, events: &mut Events<Self::Event>) {
        let _ = (tick, player, events);
    }

    /// `player` resumed its session after a drop. Default: nothing
    /// (Colyseus's `onReconnect`).
    fn reconnected(&mut self, tick: u32, player: PlayerId, events: &mut Events<Self::Event>) {
        let _ = (tick, player, events);
    }

    /// Advances the game to `tick`, with that tick's inputs (each member's
    /// in `seq` order, members in join order) and the messages that
    /// arrived since the last tick, in arrival order.
    fn step(
        &mut self,
        tick: u32,
        inputs: &[(PlayerId, Self::Input)],
        msgs: &[(PlayerId, Self::Msg)],
        events: &mut Events<Self::Event>,
    );

    /// The lobby is closing; the last hook called.
    fn end(&mut self, tick: u32) {
        let _ = tick;
    }

    /// What `player` is told when it joins or resumes.
    fn join_info(&self, player: PlayerId) -> Self::JoinInfo;

    /// Clears `state` and writes the whole replicated state into it, every
    /// entity sorted by key (see [`State`]). Called once per tick after
    /// `step`; the buffers are reused, so a steady game allocates nothing.
    fn write_state(&self, state: &mut State<Self::Entity, Self::Row, Self::Singleton>);
}
