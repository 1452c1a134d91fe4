//! The type-erased side of a lobby: what connections and the registry hold.
//! A lobby's task is monomorphised on its game; everything that reaches it
//! goes through [`LobbyHandle`], which knows no game. Commands travel as
//! [`LobbyCmd`]s; inputs and game messages are decoded and checked by the
//! game's own [`Inbound`] before they are queued, so a bad payload is
//! refused on the connection's task and never costs the tick.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use rallypoint_game::Game;
use rallypoint_shared::{LobbyId, PlayerId, decode_payload};
use tokio::sync::{mpsc, oneshot};

use super::Seat;
use super::admin::AdminCmd;
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
    /// An operator's request (the admin API).
    Admin(AdminCmd),
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

/// What a connection hands a lobby's task between ticks, in arrival
/// order: the tick drains them all before it steps.
#[derive(Debug, Clone)]
pub enum Incoming<I, M> {
    /// An input for the member's pending queue.
    Input(Queued<I>),
    /// A reliable message for the game's next `step`.
    Msg(M),
    /// The newest snapshot tick the member holds.
    Ack(u32),
}

/// A lobby's inbound channel, with the game's decoding and checks in front
/// of it: a payload that is not the game's, or that the game refuses, is
/// answered on the connection's task and never reaches the tick.
pub(super) trait Inbound: Send + Sync {
    fn input(&self, player: PlayerId, seq: u32, ack_tick: u32, payload: &[u8]) -> Offer;
    fn msg(&self, player: PlayerId, payload: &[u8]) -> Offer;
    fn ack(&self, player: PlayerId, tick: u32) -> Offer;
}

/// What a lobby of game `G` receives from connections, and from whom.
pub(super) type Inbox<G> = (PlayerId, Incoming<<G as Game>::Input, <G as Game>::Msg>);

pub(super) struct Sink<G: Game> {
    pub tx: mpsc::Sender<Inbox<G>>,
}

impl<G: Game> Sink<G> {
    fn send(&self, player: PlayerId, incoming: Incoming<G::Input, G::Msg>) -> Offer {
        match self.tx.try_send((player, incoming)) {
            Ok(()) => Offer::Queued,
            Err(_) => Offer::Dropped,
        }
    }
}

impl<G: Game> Inbound for Sink<G> {
    fn input(&self, player: PlayerId, seq: u32, ack_tick: u32, payload: &[u8]) -> Offer {
        let input = decode_payload::<G::Input>(payload)
            .map_err(|e| format!("not {} input: {e}", article(G::NAME)))
            .and_then(|input| G::input(seq, ack_tick, input));
        match input {
            Ok(input) => self.send(
                player,
                Incoming::Input(Queued {
                    seq,
                    ack_tick,
                    input,
                }),
            ),
            Err(reason) => Offer::Invalid(reason),
        }
    }

    fn msg(&self, player: PlayerId, payload: &[u8]) -> Offer {
        let msg = decode_payload::<G::Msg>(payload)
            .map_err(|e| format!("not {} message: {e}", article(G::NAME)))
            .and_then(G::check_msg);
        match msg {
            Ok(msg) => self.send(player, Incoming::Msg(msg)),
            Err(reason) => Offer::Invalid(reason),
        }
    }

    fn ack(&self, player: PlayerId, tick: u32) -> Offer {
        self.send(player, Incoming::Ack(tick))
    }
}

/// "an arena", "a four": the game's name with its article, for errors.
fn article(name: &str) -> String {
    let vowel = name.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {name}", if vowel { "an" } else { "a" })
}

/// A cheap, cloneable way to reach a lobby's task, whatever its game.
#[derive(Clone)]
pub struct LobbyHandle {
    pub id: LobbyId,
    pub(super) tx: mpsc::Sender<LobbyCmd>,
    pub(super) inbound: Arc<dyn Inbound>,
    pub(super) tick: Arc<AtomicU32>,
}

/// The lobby's task has ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("lobby closed")]
pub struct LobbyClosed;

/// Why [`LobbyHandle::try_send`] did not send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LobbyBusy {
    #[error("the lobby's command queue is full")]
    Full,
    #[error("the lobby closed")]
    Closed,
}

impl LobbyHandle {
    /// Sends a command; waits for room in the channel (the connection
    /// waits, never the tick).
    pub async fn send(&self, cmd: LobbyCmd) -> Result<(), LobbyClosed> {
        self.tx.send(cmd).await.map_err(|_| LobbyClosed)
    }

    /// Offers an input (the game's payload, with the envelope's seq and
    /// ack) for the next tick, without waiting and without waking the
    /// lobby.
    pub fn offer_input(&self, player: PlayerId, seq: u32, ack_tick: u32, payload: &[u8]) -> Offer {
        self.inbound.input(player, seq, ack_tick, payload)
    }

    /// Offers a reliable game message for the next tick, like an input.
    pub fn offer_msg(&self, player: PlayerId, payload: &[u8]) -> Offer {
        self.inbound.msg(player, payload)
    }

    /// Tells the lobby the newest snapshot tick the player holds.
    pub fn offer_ack(&self, player: PlayerId, tick: u32) -> Offer {
        self.inbound.ack(player, tick)
    }

    /// Sends a command if the channel has room now: the admin API never
    /// waits on a busy lobby.
    pub fn try_send(&self, cmd: LobbyCmd) -> Result<(), LobbyBusy> {
        self.tx.try_send(cmd).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => LobbyBusy::Full,
            mpsc::error::TrySendError::Closed(_) => LobbyBusy::Closed,
        })
    }

    /// Whether the lobby's task has ended (closed by an operator, or the
    /// server is closing).
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }

    /// The last tick the lobby simulated.
    pub fn tick(&self) -> u32 {
        self.tick.load(Ordering::Relaxed)
    }
}
