//! [`Recorded`]: a game that wraps another and records every call the
//! engine makes to it, for replaying whole sessions run through the real
//! engine (see the parent module).

use std::cell::RefCell;
use std::sync::{Arc, Mutex};

use super::Recorder;
use crate::State;
use crate::{EntityKey, Events, Game, Interest, LeaveReason, LobbyParams, PlayerId, Refusal};

/// Where [`Recorded`] lobbies leave their recordings: each lobby's
/// recorder, pushed when the lobby ends.
pub type Tap<G> = Arc<Mutex<Vec<Recorder<G>>>>;

/// The settings of a [`Recorded`] game: the wrapped game's own, and the
/// tap its lobbies leave their recordings in.
pub struct RecordedConfig<G: Game> {
    pub inner: G::Config,
    pub tap: Tap<G>,
}

impl<G: Game> Clone for RecordedConfig<G> {
    fn clone(&self) -> Self {
        RecordedConfig {
            inner: self.inner.clone(),
            tap: self.tap.clone(),
        }
    }
}

/// Game `G` with every call the engine makes to it recorded (see the
/// module docs). It plays exactly as `G`, on the wire too.
pub struct Recorded<G: Game> {
    /// A cell because `admit` is recorded too, and it takes `&self`. The
    /// engine calls one hook at a time, from the lobby's task.
    rec: RefCell<Recorder<G>>,
    tap: Tap<G>,
}

impl<G: Game> Recorded<G> {
    fn with<R>(&self, f: impl FnOnce(&mut Recorder<G>) -> R) -> R {
        f(&mut self.rec.borrow_mut())
    }
}

impl<G: Game> Game for Recorded<G> {
    const NAME: &'static str = G::NAME;
    type Config = RecordedConfig<G>;
    type Input = G::Input;
    type Msg = G::Msg;
    type Event = G::Event;
    type JoinInfo = G::JoinInfo;
    type Entity = G::Entity;
    type Row = G::Row;
    type Singleton = G::Singleton;

    fn seats(requested: u8) -> u8 {
        G::seats(requested)
    }

    fn input(seq: u32, ack_tick: u32, input: G::Input) -> Result<G::Input, String> {
        G::input(seq, ack_tick, input)
    }

    fn check_msg(msg: G::Msg) -> Result<G::Msg, String> {
        G::check_msg(msg)
    }

    fn create(config: &RecordedConfig<G>, lobby: &LobbyParams) -> Self {
        Recorded {
            rec: RefCell::new(Recorder::new(config.inner.clone(), *lobby)),
            tap: config.tap.clone(),
        }
    }

    fn label(&self) -> String {
        self.with(|r| r.game().label())
    }

    fn interest(&self) -> Option<Interest> {
        self.with(|r| r.game().interest())
    }

    fn admit(&self, tick: u32, player: PlayerId) -> Result<(), Refusal> {
        self.with(|r| r.admit(tick, player))
    }

    fn join(
        &mut self,
        tick: u32,
        player: PlayerId,
        events: &mut Events<G::Event>,
    ) -> Option<EntityKey> {
        self.rec.get_mut().join_into(tick, player, events)
    }

    fn leave(
        &mut self,
        tick: u32,
        player: PlayerId,
        reason: LeaveReason,
        events: &mut Events<G::Event>,
    ) {
        self.rec.get_mut().leave_into(tick, player, reason, events);
    }

    fn disconnected(&mut self, tick: u32, player: PlayerId, events: &mut Events<G::Event>) {
        self.rec.get_mut().disconnected_into(tick, player, events);
    }

    fn reconnected(&mut self, tick: u32, player: PlayerId, events: &mut Events<G::Event>) {
        self.rec.get_mut().reconnected_into(tick, player, events);
    }

    fn step(
        &mut self,
        tick: u32,
        inputs: &[(PlayerId, G::Input)],
        msgs: &[(PlayerId, G::Msg)],
        events: &mut Events<G::Event>,
    ) {
        self.rec.get_mut().step_into(tick, inputs, msgs, events);
    }

    /// Hands the recording to the tap, and starts a fresh one.
    fn end(&mut self, tick: u32) {
        let rec = self.rec.get_mut();
        rec.game.end(tick);
        let fresh = Recorder::new(rec.config.clone(), rec.params);
        let done = std::mem::replace(rec, fresh);
        // A poisoned tap still holds whole recordings: each push is one step.
        self.tap
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(done);
    }

    fn join_info(&self, player: PlayerId) -> G::JoinInfo {
        self.with(|r| r.game().join_info(player))
    }

    fn write_state(&self, state: &mut State<G::Entity, G::Row, G::Singleton>) {
        self.with(|r| r.game().write_state(state));
    }
}
