//! Determinism, checked: [`Recorder`] drives a game exactly as a lobby
//! does (joins, leaves, steps with their inputs and messages) and records
//! every call with the state and events that followed it. [`Recorder::replay`]
//! plays the calls into a fresh game and reports the first call after which
//! anything differs. A game that reads no clock and no unseeded randomness
//! replays bit for bit.
//!
//! [`Recorded`] is a game that wraps another and records every call the
//! engine makes to it: host it instead of the game to record whole
//! sessions through the real engine, connections, ticks and all; each
//! lobby hands its recording to a [`Tap`] when it ends.

use crate::{EntityKey, Events, Game, LeaveReason, LobbyParams, PlayerId, Refusal, State, To};

/// One call a lobby made.
pub enum Call<G: Game> {
    /// An admission asked, with the game's answer.
    Admit {
        tick: u32,
        player: PlayerId,
        answer: Result<(), Refusal>,
    },
    Join {
        tick: u32,
        player: PlayerId,
    },
    Leave {
        tick: u32,
        player: PlayerId,
        reason: LeaveReason,
    },
    Disconnected {
        tick: u32,
        player: PlayerId,
    },
    Reconnected {
        tick: u32,
        player: PlayerId,
    },
    Step {
        tick: u32,
        inputs: Vec<(PlayerId, G::Input)>,
        msgs: Vec<(PlayerId, G::Msg)>,
    },
}

type GameState<G> = State<<G as Game>::Entity, <G as Game>::Row, <G as Game>::Singleton>;

/// What followed one call.
struct After<G: Game> {
    state: GameState<G>,
    events: Vec<(To, G::Event)>,
}

/// A game that records the calls made to it. See the module docs.
pub struct Recorder<G: Game> {
    config: G::Config,
    params: LobbyParams,
    game: G,
    calls: Vec<Call<G>>,
    after: Vec<After<G>>,
}

/// Where a replay first differed from the recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Divergence {
    /// Index of the call after which state or events differed.
    pub call: usize,
    pub what: String,
}

impl<G: Game> Recorder<G> {
    pub fn new(config: G::Config, params: LobbyParams) -> Self {
        let game = G::create(&config, &params);
        Recorder {
            config,
            params,
            game,
            calls: Vec::new(),
            after: Vec::new(),
        }
    }

    /// The game being driven.
    pub fn game(&self) -> &G {
        &self.game
    }

    /// The calls so far.
    pub fn calls(&self) -> &[Call<G>] {
        &self.calls
    }

    /// Asks the game to admit `player`, recording its answer.
    pub fn admit(&mut self, tick: u32, player: PlayerId) -> Result<(), Refusal> {
        let answer = self.game.admit(tick, player);
        let call = Call::Admit {
            tick,
            player,
            answer: answer.clone(),
        };
        self.record(call, &[]);
        answer
    }

    pub fn disconnected(&mut self, tick: u32, player: PlayerId) {
        self.disconnected_into(tick, player, &mut Events::new());
    }

    pub fn reconnected(&mut self, tick: u32, player: PlayerId) {
        self.reconnected_into(tick, player, &mut Events::new());
    }

    pub fn join(&mut self, tick: u32, player: PlayerId) -> Option<EntityKey> {
        self.join_into(tick, player, &mut Events::new())
    }

    pub fn leave(&mut self, tick: u32, player: PlayerId, reason: LeaveReason) {
        self.leave_into(tick, player, reason, &mut Events::new());
    }

    pub fn step(
        &mut self,
        tick: u32,
        inputs: &[(PlayerId, G::Input)],
        msgs: &[(PlayerId, G::Msg)],
    ) {
        self.step_into(tick, inputs, msgs, &mut Events::new());
    }

    // The same calls, raising their events into the caller's queue (the
    // engine's, when recording through `Recorded`).

    fn disconnected_into(&mut self, tick: u32, player: PlayerId, events: &mut Events<G::Event>) {
        let from = events.len();
        self.game.disconnected(tick, player, events);
        self.record(
            Call::Disconnected { tick, player },
            &events.queued()[from..],
        );
    }

    fn reconnected_into(&mut self, tick: u32, player: PlayerId, events: &mut Events<G::Event>) {
        let from = events.len();
        self.game.reconnected(tick, player, events);
        self.record(Call::Reconnected { tick, player }, &events.queued()[from..]);
    }

    fn join_into(
        &mut self,
        tick: u32,
        player: PlayerId,
        events: &mut Events<G::Event>,
    ) -> Option<EntityKey> {
        let from = events.len();
        let avatar = self.game.join(tick, player, events);
        self.record(Call::Join { tick, player }, &events.queued()[from..]);
        avatar
    }

    fn leave_into(
        &mut self,
        tick: u32,
        player: PlayerId,
        reason: LeaveReason,
        events: &mut Events<G::Event>,
    ) {
        let from = events.len();
        self.game.leave(tick, player, reason, events);
        let call = Call::Leave {
            tick,
            player,
            reason,
        };
        self.record(call, &events.queued()[from..]);
    }

    fn step_into(
        &mut self,
        tick: u32,
        inputs: &[(PlayerId, G::Input)],
        msgs: &[(PlayerId, G::Msg)],
        events: &mut Events<G::Event>,
    ) {
        let from = events.len();
        self.game.step(tick, inputs, msgs, events);
        let call = Call::Step {
            tick,
            inputs: inputs.to_vec(),
            msgs: msgs.to_vec(),
        };
        self.record(call, &events.queued()[from..]);
    }

    fn record(&mut self, call: Call<G>, events: &[(To, G::Event)]) {
        self.calls.push(call);
        self.after.push(after(&self.game, events));
    }

    /// Plays every recorded call into a fresh game; `Ok` if the state and
    /// the events after each call are identical.
    pub fn replay(&self) -> Result<(), Divergence> {
        let mut game = G::create(&self.config, &self.params);
        for (i, (call, want)) in self.calls.iter().zip(&self.after).enumerate() {
            let mut events = Events::new();
            match call {
                Call::Admit {
                    tick,
                    player,
                    answer,
                } => {
                    let again = game.admit(*tick, *player);
                    if again != *answer {
                        return Err(Divergence {
                            call: i,
                            what: format!("admit answered {again:?}, recorded {answer:?}"),
                        });
                    }
                }
                Call::Disconnected { tick, player } => {
                    game.disconnected(*tick, *player, &mut events)
                }
                Call::Reconnected { tick, player } => game.reconnected(*tick, *player, &mut events),
                Call::Join { tick, player } => {
                    game.join(*tick, *player, &mut events);
                }
                Call::Leave {
                    tick,
                    player,
                    reason,
                } => game.leave(*tick, *player, *reason, &mut events),
                Call::Step { tick, inputs, msgs } => game.step(*tick, inputs, msgs, &mut events),
            }
            let got = after(&game, events.queued());
            // Debug text tells apart every float that differs in any bit
            // (but NaN payloads), where `==` would call 0.0 and -0.0 equal.
            if got.state != want.state || format!("{:?}", got.state) != format!("{:?}", want.state)
            {
                return Err(Divergence {
                    call: i,
                    what: format!("state differs after {}", describe(call)),
                });
            }
            if got.events != want.events {
                return Err(Divergence {
                    call: i,
                    what: format!("events differ: {:?} vs {:?}", got.events, want.events),
                });
            }
        }
        Ok(())
    }
}

/// The state of `game` now, and the events a call raised.
fn after<G: Game>(game: &G, events: &[(To, G::Event)]) -> After<G> {
    let mut state = State::default();
    game.write_state(&mut state);
    After {
        state,
        events: events.to_vec(),
    }
}

fn describe<G: Game>(call: &Call<G>) -> String {
    match call {
        Call::Admit { tick, player, .. } => format!("admit of {player:?} at tick {tick}"),
        Call::Disconnected { tick, player } => format!("drop of {player:?} at tick {tick}"),
        Call::Reconnected { tick, player } => format!("resume of {player:?} at tick {tick}"),
        Call::Join { tick, player } => format!("join of {player:?} at tick {tick}"),
        Call::Leave { tick, player, .. } => format!("leave of {player:?} at tick {tick}"),
        Call::Step { tick, inputs, msgs } => format!(
            "step {tick} ({} inputs, {} messages)",
            inputs.len(),
            msgs.len()
        ),
    }
}

mod recorded;
#[cfg(test)]
mod tests;

pub use recorded::{Recorded, RecordedConfig, Tap};
