//! A session's life around lobbies: listing, entering (with the game's
//! admission), leaving, settling when the connection ends, and offering
//! inputs to the lobby.

use std::sync::Arc;

use rallypoint_shared::{ErrorCode, Input, JoinTarget, LobbyId, MAX_INPUTS_PER_MESSAGE, ServerMsg};
use tokio::sync::oneshot;
use tokio::time::Instant;
use tracing::debug;

use super::{Ending, Flow, Phase, Session};
use crate::fleet::ticket::Ticket;
use crate::fleet::{Here, QuickPick};
use crate::lobby::{GameHost, JoinError, LobbyCmd, Offer, Seat};

/// How many times one quick-join may choose where to go, when the lobby
/// it chose on this node fills before it takes a seat, or turns out to
/// have its free seats held for players coming from other nodes of the
/// fleet. Default: 3; the last choice takes a seat (or creates a lobby)
/// where it points, or answers `LobbyFull`.
pub const QUICK_JOIN_ATTEMPTS: u32 = 3;

/// Why a seat was not taken.
enum Refused {
    /// This node's registry refused it.
    Join(JoinError),
    /// The fleet found the free seats of this node's lobby held for
    /// players coming from other nodes (a quick-join chooses again).
    Held(LobbyId),
}

impl Session {
    /// The hosted game called `name`.
    pub(super) fn game_named(&self, name: &str) -> Option<Arc<dyn GameHost>> {
        self.ctx.registry.games().get(name).cloned()
    }

    pub(super) fn unknown_game(&mut self, name: &str) -> Flow {
        let hosted: Vec<&str> = self.ctx.registry.games().names().collect();
        let name: String = name.chars().take(32).collect();
        let message = format!(
            "no game named {name:?}; this server hosts: {}",
            hosted.join(", ")
        );
        self.error(ErrorCode::InvalidField, message, Flow::Continue)
    }

    /// A lobby this node does not have: if the fleet's directory knows it
    /// on another node, a seat is held there and the client redirected
    /// with a join ticket.
    pub(super) async fn elsewhere(&mut self, target: &JoinTarget) -> Flow {
        let fleet = self.ctx.registry.fleet();
        let Some(place) = fleet.locate(target).await else {
            let message = match target {
                JoinTarget::Code(_) => "no lobby has that join code".into(),
                _ => JoinError::NotFound.to_string(),
            };
            return self.error(ErrorCode::LobbyNotFound, message, Flow::Continue);
        };
        match fleet.redirect(&place, &self.name).await {
            Ok(redirect) => self.redirect(redirect),
            Err((code, message)) => self.error(code, message, Flow::Continue),
        }
    }

    /// Quick-join across the fleet: the fullest open lobby of the game on
    /// any live node, else a new lobby on the least-loaded one.
    ///
    /// The choice is made while other players choose too. It is made again
    /// (up to [`QUICK_JOIN_ATTEMPTS`] times) when it was this node's open
    /// lobby and that lobby filled meanwhile, so that a burst of
    /// quick-joins starts its new lobbies on the least-loaded nodes rather
    /// than wherever the burst arrived; and when the fleet finds that
    /// lobby's free seats held for players redirected from other nodes,
    /// which this node's own count does not show.
    pub(super) async fn quick_join(&mut self, game: &str) -> Flow {
        let Some(game) = self.game_named(game) else {
            return self.unknown_game(game);
        };
        let fleet = self.ctx.registry.fleet();
        let mut held = Vec::new();
        let mut attempt = 1;
        loop {
            let last = attempt >= QUICK_JOIN_ATTEMPTS;
            attempt += 1;
            let open_here = self.ctx.registry.fullest_open(game.name(), &held);
            let here = Here {
                players: self.ctx.registry.player_count(),
                open: open_here,
            };
            let seat = match fleet.quick_join(game.name(), &self.name, here).await {
                QuickPick::There(redirect) => return self.redirect(redirect),
                QuickPick::Here if open_here.is_some() && !last => {
                    match self.ctx.registry.quick_join_open(game.name(), &held) {
                        Err(JoinError::Full) => continue,
                        seat => seat,
                    }
                }
                QuickPick::Here => self.ctx.registry.quick_join(&game, &held),
            };
            fleet.poke();
            match self.confirm(seat, None).await {
                Ok(seat) => return self.admit(seat).await,
                Err(Refused::Held(lobby)) if !last => held.push(lobby),
                Err(refused) => return self.not_seated(refused),
            }
        }
    }

    /// A quick-join another node sent here with a ticket for no lobby in
    /// particular (this node was the least loaded): a seat in this node's
    /// fullest open lobby of `game`, passing over those whose free seats
    /// the fleet holds for others (up to [`QUICK_JOIN_ATTEMPTS`] choices),
    /// else in a new lobby.
    async fn quick_join_here(&mut self, game: &Arc<dyn GameHost>, ticket: &Ticket) -> Flow {
        let mut held = Vec::new();
        loop {
            let last = held.len() + 1 >= QUICK_JOIN_ATTEMPTS as usize;
            let seat = self.ctx.registry.quick_join(game, &held);
            self.ctx.registry.fleet().poke();
            match self.confirm(seat, Some(ticket)).await {
                Ok(seat) => return self.admit(seat).await,
                Err(Refused::Held(lobby)) if !last => held.push(lobby),
                Err(refused) => return self.not_seated(refused),
            }
        }
    }

    fn redirect(&mut self, redirect: ServerMsg) -> Flow {
        crate::metrics::metrics().fleet_redirects.inc();
        if let ServerMsg::Redirect { node, .. } = &redirect {
            debug!(player = self.player.0, node, "redirected");
        }
        self.send(&redirect)
    }

    /// A join ticket another node of the fleet issued for this one.
    pub(super) async fn join_ticketed(&mut self, bytes: &[u8]) -> Flow {
        let m = crate::metrics::metrics();
        let ticket = match self.ctx.registry.fleet().claim(bytes, &self.name) {
            Ok(ticket) => ticket,
            Err(e) => {
                m.ticket(e.label());
                return self.error(ErrorCode::TicketRejected, e.to_string(), Flow::Continue);
            }
        };
        m.ticket("taken");
        match ticket.lobby {
            Some(id) => {
                let seat = self.ctx.registry.join_ticketed(LobbyId(id));
                self.enter(seat, Some(&ticket)).await
            }
            None => match self.game_named(&ticket.game) {
                Some(game) => self.quick_join_here(&game, &ticket).await,
                None => self.unknown_game(&ticket.game.clone()),
            },
        }
    }

    /// The public lobbies of the fleet (this node's alone, without one).
    pub(super) async fn list_lobbies(&mut self) -> Flow {
        let fleet = self.ctx.registry.fleet();
        let listed = fleet.list(&self.ctx.registry).await;
        let lobbies = listed.into_iter().map(|l| l.info).collect();
        self.send(&ServerMsg::LobbyList { lobbies })
    }

    /// Takes the seat, once the fleet's directory confirms that the seats
    /// other nodes hold for their players leave room for it (`ticket`: the
    /// one this player came with, whose seat it takes over).
    pub(super) async fn enter(
        &mut self,
        seat: Result<Seat, JoinError>,
        ticket: Option<&Ticket>,
    ) -> Flow {
        match self.confirm(seat, ticket).await {
            Ok(seat) => self.admit(seat).await,
            Err(refused) => self.not_seated(refused),
        }
    }

    /// The seat, once the fleet confirms it (dropped, and so freed, if not).
    async fn confirm(
        &self,
        seat: Result<Seat, JoinError>,
        ticket: Option<&Ticket>,
    ) -> Result<Seat, Refused> {
        let seat = seat.map_err(Refused::Join)?;
        let confirmed = self
            .ctx
            .registry
            .fleet()
            .confirm_seat(seat.lobby().id.0, seat.game(), seat.taken(), ticket)
            .await;
        if confirmed {
            Ok(seat)
        } else {
            Err(Refused::Held(seat.lobby().id))
        }
    }

    fn not_seated(&mut self, refused: Refused) -> Flow {
        let (code, message) = match refused {
            Refused::Join(e) => (e.code(), e.to_string()),
            Refused::Held(_) => (
                ErrorCode::LobbyFull,
                "lobby is full (its last seats are held for players coming from other nodes)"
                    .to_owned(),
            ),
        };
        self.error(code, message, Flow::Continue)
    }

    /// Takes the confirmed `seat`: the game admits the player, or refuses.
    async fn admit(&mut self, seat: Seat) -> Flow {
        let lobby = seat.lobby().clone();
        let (admitted, answer) = oneshot::channel();
        let join = LobbyCmd::Join {
            player: self.player,
            name: self.name.clone(),
            outbox: self.outbox.clone(),
            seat,
            admitted,
        };
        let closed = || (ErrorCode::LobbyClosed, "the lobby closed".to_owned());
        let answer = match lobby.send(join).await {
            Ok(()) => match answer.await {
                Ok(admitted) => admitted.map_err(|reason| (ErrorCode::JoinRefused, reason)),
                Err(_) => Err(closed()),
            },
            Err(_) => Err(closed()),
        };
        if let Err((code, reason)) = answer {
            // The game refused, or the lobby closed meanwhile; the seat went
            // with the command and is free again.
            return self.error(code, reason, Flow::Continue);
        }
        if let Some(token) = &self.token {
            self.ctx.sessions.set_lobby(token, Some(lobby.clone()));
        }
        self.lobby = Some(lobby);
        self.phase = Phase::InLobby;
        Flow::Continue
    }

    /// Leaves the current lobby, if any. `notify` sends `Left`.
    pub async fn leave(&mut self, notify: bool) {
        if let Some(lobby) = self.lobby.take() {
            let cmd = LobbyCmd::Leave {
                player: self.player,
                outbox: self.outbox.clone(),
                notify,
            };
            // A closed lobby has already forgotten us.
            let _ = lobby.send(cmd).await;
            self.phase = Phase::Lobbyless;
            if let Some(token) = &self.token {
                self.ctx.sessions.set_lobby(token, None);
            }
        }
    }

    /// Settles the session when its connection ends.
    pub async fn finish(&mut self, ending: Ending) {
        match ending {
            Ending::Superseded => {}
            Ending::Dropped => {
                if let Some(token) = &self.token {
                    self.ctx.sessions.detach(token, Instant::now());
                }
                if let Some(lobby) = self.lobby.take() {
                    let cmd = LobbyCmd::Detach {
                        player: self.player,
                        outbox: self.outbox.clone(),
                    };
                    let _ = lobby.send(cmd).await;
                }
            }
            Ending::Final => {
                if let Some(token) = self.token.take() {
                    self.ctx.sessions.remove(&token);
                }
                self.leave(false).await;
            }
        }
    }

    pub(super) fn input(&mut self, input: Input) -> Flow {
        let Some(lobby) = &self.lobby else {
            return Flow::Continue;
        };
        let offer = lobby.offer_input(self.player, input.seq, input.ack_tick, &input.payload.0);
        self.offered(offer, "input")
    }

    /// A reliable message for the lobby's game.
    pub(super) fn game_msg(&mut self, payload: &[u8]) -> Flow {
        let Some(lobby) = &self.lobby else {
            return Flow::Continue;
        };
        let offer = lobby.offer_msg(self.player, payload);
        self.offered(offer, "message")
    }

    pub(super) fn ack(&mut self, tick: u32) -> Flow {
        let Some(lobby) = &self.lobby else {
            return Flow::Continue;
        };
        let offer = lobby.offer_ack(self.player, tick);
        self.offered(offer, "ack")
    }

    fn offered(&mut self, offer: Offer, what: &str) -> Flow {
        match offer {
            Offer::Queued => Flow::Continue,
            Offer::Dropped => {
                crate::metrics::metrics().reject_input("lobby inbox full");
                self.dropped_inputs += 1;
                debug!(
                    dropped = self.dropped_inputs,
                    what, "lobby inbox full; dropped"
                );
                Flow::Continue
            }
            Offer::Invalid(reason) => {
                crate::metrics::metrics().reject_input("invalid");
                self.error(ErrorCode::InvalidField, reason, Flow::Continue)
            }
        }
    }

    /// A batch: each input is handled as if it came alone, in order. An
    /// empty or oversized batch is refused whole.
    pub(super) fn inputs(&mut self, inputs: Vec<Input>) -> Flow {
        if inputs.is_empty() || inputs.len() > MAX_INPUTS_PER_MESSAGE {
            crate::metrics::metrics().reject_input("bad batch size");
            let message = format!(
                "Inputs carries {} inputs; 1 to {MAX_INPUTS_PER_MESSAGE} allowed",
                inputs.len()
            );
            return self.error(ErrorCode::InvalidField, message, Flow::Continue);
        }
        for input in inputs {
            match self.input(input) {
                Flow::Continue => {}
                other => return other,
            }
        }
        Flow::Continue
    }
}
