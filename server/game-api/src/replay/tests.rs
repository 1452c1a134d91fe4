//! The recorder catches a game that reads state its calls do not
//! determine.

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
