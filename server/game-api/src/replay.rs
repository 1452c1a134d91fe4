//! Determinism, checked: [`Recorder`] drives a game exactly as a lobby
//! does (joins, leaves, steps with their inputs and messages) and records
//! every call with the state and events that followed it. [`Recorder::replay`]
//! plays the calls into a fresh game and reports the first call after which
//! anything differs. A game that reads no clock and no unseeded randomness
//! replays bit for bit.

use crate::{Events, Game, LeaveReason, LobbyParams, PlayerId, Refusal, State, To};

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
        self.record(call, Events::new());
        answer
    }

    pub fn disconnected(&mut self, tick: u32, player: PlayerId) {
        let mut events = Events::new();
        self.game.disconnected(tick, player, &mut events);
        self.record(Call::Disconnected { tick, player }, events);
    }

    pub fn reconnected(&mut self, tick: u32, player: PlayerId) {
        let mut events = Events::new();
        self.game.reconnected(tick, player, &mut events);
        self.record(Call::Reconnected { tick, player }, events);
    }

    pub fn join(&mut self, tick: u32, player: PlayerId) -> Option<crate::EntityKey> {
        let mut events = Events::new();
        let avatar = self.game.join(tick, player, &mut events);
        self.record(Call::Join { tick, player }, events);
        avatar
    }

    pub fn leave(&mut self, tick: u32, player: PlayerId, reason: LeaveReason) {
        let mut events = Events::new();
        self.game.leave(tick, player, reason, &mut events);
        self.record(
            Call::Leave {
                tick,
                player,
                reason,
            },
            events,
        );
    }

    pub fn step(
        &mut self,
        tick: u32,
        inputs: &[(PlayerId, G::Input)],
        msgs: &[(PlayerId, G::Msg)],
    ) {
        let mut events = Events::new();
        self.game.step(tick, inputs, msgs, &mut events);
        let call = Call::Step {
            tick,
            inputs: inputs.to_vec(),
            msgs: msgs.to_vec(),
        };
        self.record(call, events);
    }

    fn record(&mut self, call: Call<G>, mut events: Events<G::Event>) {
        self.calls.push(call);
        self.after.push(after(&self.game, &mut events));
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
            let got = after(&game, &mut events);
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

fn after<G: Game>(game: &G, events: &mut Events<G::Event>) -> After<G> {
    let mut state = State::default();
    game.write_state(&mut state);
    After {
        state,
        events: events.drain().0.collect(),
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;
    use crate::{EntityKey, Row};

    /// A toy game whose score is the sum of its inputs, plus (when
    /// `cheat`) a process-wide counter: state the calls do not determine.
    struct Sum {
        cheat: bool,
        total: u32,
    }

    static OUTSIDE: AtomicU32 = AtomicU32::new(0);

    impl Game for Sum {
        const NAME: &'static str = "sum";
        type Config = bool;
        type Input = u32;
        type Msg = u32;
        type Event = u32;
        type JoinInfo = ();
        type Entity = ();
        type Row = u32;
        type Singleton = ();

        fn create(cheat: &bool, _: &LobbyParams) -> Self {
            Sum {
                cheat: *cheat,
                total: 0,
            }
        }

        fn join(&mut self, _: u32, _: PlayerId, _: &mut Events<u32>) -> Option<EntityKey> {
            None
        }

        fn leave(&mut self, _: u32, _: PlayerId, _: LeaveReason, _: &mut Events<u32>) {}

        fn step(
            &mut self,
            _: u32,
            inputs: &[(PlayerId, u32)],
            msgs: &[(PlayerId, u32)],
            events: &mut Events<u32>,
        ) {
            for (_, n) in inputs.iter().chain(msgs) {
                self.total = self.total.wrapping_add(*n);
            }
            if self.cheat {
                self.total += OUTSIDE.fetch_add(1, Ordering::Relaxed);
            }
            events.send(To::All, self.total);
        }

        fn join_info(&self, _: PlayerId) {}

        fn write_state(&self, state: &mut State<(), u32, ()>) {
            state.clear();
            state.rows.push(Row {
                key: 0,
                fields: self.total,
            });
        }
    }

    fn session(cheat: bool) -> Recorder<Sum> {
        let params = LobbyParams {
            tick_hz: 30,
            max_players: 2,
        };
        let mut r = Recorder::<Sum>::new(cheat, params);
        r.join(0, PlayerId(1));
        for tick in 1..=10 {
            r.step(tick, &[(PlayerId(1), tick)], &[(PlayerId(1), 2)]);
        }
        r.leave(10, PlayerId(1), LeaveReason::Expired);
        r
    }

    #[test]
    fn a_pure_game_replays_and_one_that_reads_outside_state_does_not() {
        assert_eq!(session(false).replay(), Ok(()));
        assert_eq!(session(false).calls().len(), 12);
        let err = session(true).replay().unwrap_err();
        assert_eq!(err.call, 1, "{err:?}");
    }
}
