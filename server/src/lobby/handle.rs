//! The type-erased side of a lobby: what connections and the registry hold.
//! A lobby's task is monomorphised on its game; everything that reaches it
//! goes through [`LobbyHandle`], which knows no game. Commands travel as
//! [`LobbyCmd`]s; inputs are checked and converted to the game's input type
//! by the game's own [`InputSink`] before they are queued, so a bad input
//! is refused on the connection's task and never costs the tick.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use rallypoint_game::{Game, Wire4};
use rallypoint_shared::{InputFrame, LobbyId, PlayerId};
use tokio::sync::{mpsc, oneshot};

use super::Seat;
use crate::outbox::Outbox;

/// A request to a lobby. Commands about a player carry the outbox of the
/// connection that sent them; a lobby ignores a `Leave` or `Detach` from a
/// connection the player has since replaced by resuming.
pub enum LobbyCmd {
    /// Add a player who holds a seat, if the game admits it: `admitted`
    /// hears `Ok` once the player is in (it has been sent `Joined` and a
    /// `Roster`; the others hear of it in the next tick's `RosterUpdate`),
    /// or the game's reason for refusing. The lobby keeps the seat until
    /// the player is gone for good.
    Join {
        player: PlayerId,
        name: String,
        outbox: Arc<Outbox>,
        seat: Seat,
        admitted: oneshot::Sender<Result<(), String>>,
    },
    /// Remove a player; `notify` sends `Left` (a voluntary leave).
    Leave {
        player: PlayerId,
        outbox: Arc<Outbox>,
        notify: bool,
    },
    /// The player's connection dropped: keep its member and seat for the
    /// resume grace period, send it nothing.
    Detach {
        player: PlayerId,
        outbox: Arc<Outbox>,
    },
    /// The player resumed on a new connection: send there from now on,
    /// starting with `Joined` (same avatar) and a `Roster`. `found` says
    /// whether the lobby still held the player's seat.
    Reattach {
        player: PlayerId,
        outbox: Arc<Outbox>,
        found: oneshot::Sender<bool>,
    },
}

/// An input as a lobby queues it: the engine's sequence number and
/// acknowledgement, and the game's input.
#[derive(Debug, Clone)]
pub struct Queued<I> {
    pub seq: u32,
    pub ack_tick: u32,
    pub input: I,
}

/// What became of an offered input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Offer {
    /// Queued for the next tick.
    Queued,
    /// Dropped: the lobby's input channel is full, or the lobby closed.
    Dropped,
    /// Refused by the game, with a reason for the client.
    Invalid(String),
}

/// A lobby's input channel, with the game's check in front of it.
pub(super) trait InputSink: Send + Sync {
    fn offer(&self, player: PlayerId, frame: InputFrame) -> Offer;
}

pub(super) struct Sink<G: Game> {
    pub tx: mpsc::Sender<(PlayerId, Queued<G::Input>)>,
}

impl<G: Wire4> InputSink for Sink<G> {
    fn offer(&self, player: PlayerId, frame: InputFrame) -> Offer {
        let (seq, ack_tick) = (frame.seq, frame.ack_tick);
        match G::input(frame) {
            Ok(input) => {
                let queued = Queued {
                    seq,
                    ack_tick,
                    input,
                };
                match self.tx.try_send((player, queued)) {
                    Ok(()) => Offer::Queued,
                    Err(_) => Offer::Dropped,
                }
            }
            Err(reason) => Offer::Invalid(reason),
        }
    }
}

/// A cheap, cloneable way to reach a lobby's task, whatever its game.
#[derive(Clone)]
pub struct LobbyHandle {
    pub id: LobbyId,
    pub(super) tx: mpsc::Sender<LobbyCmd>,
    pub(super) inputs: Arc<dyn InputSink>,
    pub(super) tick: Arc<AtomicU32>,
}

/// The lobby's task has ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("lobby closed")]
pub struct LobbyClosed;

impl LobbyHandle {
    /// Sends a command; waits for room in the channel (the connection
    /// waits, never the tick).
    pub async fn send(&self, cmd: LobbyCmd) -> Result<(), LobbyClosed> {
        self.tx.send(cmd).await.map_err(|_| LobbyClosed)
    }

    /// Offers an input for the next tick, without waiting and without
    /// waking the lobby.
    pub fn offer_input(&self, player: PlayerId, input: InputFrame) -> Offer {
        self.inputs.offer(player, input)
    }

    /// The last tick the lobby simulated.
    pub fn tick(&self) -> u32 {
        self.tick.load(Ordering::Relaxed)
    }
}
