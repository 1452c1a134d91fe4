//! A session's life around lobbies: listing, entering (with the game's
//! admission), leaving, settling when the connection ends, and offering
//! inputs to the lobby.

use rallypoint_shared::{ErrorCode, InputFrame, MAX_INPUTS_PER_MESSAGE, ServerMsg};
use tokio::sync::oneshot;
use tokio::time::Instant;
use tracing::debug;

use super::{Ending, Flow, Phase, Session};
use crate::lobby::{JoinError, LobbyCmd, Offer, Seat};

impl Session {
    pub(super) fn list_lobbies(&mut self) -> Flow {
        let lobbies = self.ctx.registry.list_public();
        self.send(&ServerMsg::LobbyList { lobbies })
    }

    pub(super) async fn enter(&mut self, seat: Result<Seat, JoinError>) -> Flow {
        let seat = match seat {
            Ok(seat) => seat,
            Err(e) => return self.error(e.code(), e.to_string(), Flow::Continue),
        };
        let lobby = seat.lobby().clone();
        let (admitted, answer) = oneshot::channel();
        let join = LobbyCmd::Join {
            player: self.player,
            name: self.name.clone(),
            outbox: self.outbox.clone(),
            seat,
            admitted,
        };
        let answer = match lobby.send(join).await {
            Ok(()) => answer
                .await
                .unwrap_or_else(|_| Err("the lobby closed".into())),
            Err(_) => Err("the lobby closed".into()),
        };
        if let Err(reason) = answer {
            // The game refused, or the lobby closed meanwhile; the seat went
            // with the command and is free again.
            return self.error(ErrorCode::LobbyClosed, reason, Flow::Continue);
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

    pub(super) fn input(&mut self, input: InputFrame) -> Flow {
        let Some(lobby) = &self.lobby else {
            return Flow::Continue;
        };
        match lobby.offer_input(self.player, input) {
            Offer::Queued => Flow::Continue,
            Offer::Dropped => {
                crate::metrics::metrics().reject_input("lobby inbox full");
                self.dropped_inputs += 1;
                debug!(
                    dropped = self.dropped_inputs,
                    "lobby inbox full; input dropped"
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
    pub(super) fn inputs(&mut self, inputs: Vec<InputFrame>) -> Flow {
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
