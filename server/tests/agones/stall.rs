//! A game that can be made to stall: while its switch is on, `step` does
//! not return, as a game stuck in a loop would not, and the lobby stops
//! ticking. Turning the switch off lets the tick finish.
//!
//! It waits inside `tokio::task::block_in_place`, which hands the worker's
//! other tasks and its share of driving I/O and timers to another thread.
//! Without it the blocked worker can take the runtime's I/O driver with it
//! (the other workers asleep, waiting to be woken by that driver), and the
//! whole node freezes: pings would stop, but not because the node chose
//! to withhold them, which is what the test must show.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rallypoint_game::{EntityKey, Events, Game, LeaveReason, LobbyParams, PlayerId, State};

/// The switch: on, every lobby of the game stalls in its next `step`.
pub type Switch = Arc<AtomicBool>;

/// Turns the switch off when dropped, so that a failing test does not
/// leave a lobby stalled and its runtime unable to shut down.
pub struct Release(pub Switch);

impl Drop for Release {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

pub struct Stall {
    switch: Switch,
}

impl Game for Stall {
    const NAME: &'static str = "stall";
    type Config = Switch;
    type Input = ();
    type Msg = ();
    type Event = ();
    type JoinInfo = ();
    type Entity = ();
    type Row = ();
    type Singleton = ();

    fn create(switch: &Switch, _: &LobbyParams) -> Self {
        Stall {
            switch: switch.clone(),
        }
    }

    fn join(&mut self, _: u32, _: PlayerId, _: &mut Events<()>) -> Option<EntityKey> {
        None
    }

    fn leave(&mut self, _: u32, _: PlayerId, _: LeaveReason, _: &mut Events<()>) {}

    fn step(&mut self, _: u32, _: &[(PlayerId, ())], _: &[(PlayerId, ())], _: &mut Events<()>) {
        if self.switch.load(Ordering::Acquire) {
            tokio::task::block_in_place(|| {
                while self.switch.load(Ordering::Acquire) {
                    std::thread::sleep(Duration::from_millis(5));
                }
            });
        }
    }

    fn join_info(&self, _: PlayerId) {}

    fn write_state(&self, state: &mut State<(), (), ()>) {
        state.clear();
    }
}
