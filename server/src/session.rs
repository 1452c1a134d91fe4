//! One client's protocol state: which phase it is in, what it may send
//! there, and what each message does. It sees decoded messages and answers
//! through the [`Outbox`]; it never touches a socket, so whole sessions are
//! tested in memory.

use std::sync::Arc;

use bytes::Bytes;
use rallypoint_shared::codec::MAX_CLIENT_MSG_BYTES;
use rallypoint_shared::movement::sanitize_input;
use rallypoint_shared::{
    ClientMsg, ErrorCode, InputFrame, JoinTarget, PROTOCOL_VERSION, PlayerId, ServerMsg,
    encode_server,
};
use tracing::{debug, warn};

use crate::close;
use crate::lobby::{JoinError, LobbyCmd, Registry, Seat};
use crate::outbox::{OutFrame, Outbox};

/// Longest player name, in characters. Default: 24.
pub const MAX_PLAYER_NAME_CHARS: usize = 24;
/// Longest lobby name, in characters. Default: 32.
pub const MAX_LOBBY_NAME_CHARS: usize = 32;

/// Where a connection is in the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Connected; only `Hello` is allowed.
    AwaitingHello,
    /// Welcomed, not in a lobby.
    Lobbyless,
    /// Holding a seat in a lobby.
    InLobby,
}

/// Whether `msg` is allowed in `phase`. The one place that says so.
pub fn allowed(phase: Phase, msg: &ClientMsg) -> bool {
    use ClientMsg::*;
    match phase {
        Phase::AwaitingHello => matches!(msg, Hello { .. }),
        Phase::Lobbyless => matches!(
            msg,
            ListLobbies | CreateLobby { .. } | JoinLobby(_) | QuickJoin | Ping { .. }
        ),
        Phase::InLobby => matches!(msg, ListLobbies | LeaveLobby | Input(_) | Ping { .. }),
    }
}

/// What the connection should do after a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    /// Close with this code once the queued replies are sent.
    Close {
        code: u16,
        reason: &'static str,
    },
}

/// See the module docs.
pub struct Session {
    player: PlayerId,
    name: String,
    phase: Phase,
    seat: Option<Seat>,
    registry: Arc<Registry>,
    outbox: Arc<Outbox>,
    /// Inputs dropped because the lobby's channel was full.
    dropped_inputs: u64,
}

impl Session {
    pub fn new(player: PlayerId, registry: Arc<Registry>, outbox: Arc<Outbox>) -> Self {
        Self {
            player,
            name: String::new(),
            phase: Phase::AwaitingHello,
            seat: None,
            registry,
            outbox,
            dropped_inputs: 0,
        }
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Handles one decoded message.
    pub async fn handle(&mut self, msg: ClientMsg) -> Flow {
        if !allowed(self.phase, &msg) {
            let flow = if self.phase == Phase::AwaitingHello {
                close_policy("Hello must be the first message")
            } else {
                Flow::Continue
            };
            let what = format!("{} is not allowed {}", kind(&msg), phase_text(self.phase));
            return self.error(ErrorCode::UnexpectedMessage, what, flow);
        }
        match msg {
            ClientMsg::Hello {
                protocol_version,
                name,
            } => self.hello(protocol_version, name),
            ClientMsg::ListLobbies => self.list_lobbies(),
            ClientMsg::CreateLobby {
                name,
                max_players,
                private,
            } => match valid_name(&name, MAX_LOBBY_NAME_CHARS) {
                Ok(name) => {
                    let seat = self.registry.create(name, max_players, private);
                    self.enter(seat).await
                }
                Err(e) => self.error(
                    ErrorCode::InvalidField,
                    format!("lobby {e}"),
                    Flow::Continue,
                ),
            },
            ClientMsg::JoinLobby(target) => {
                let seat = self.registry.join(&target);
                let seat = match (&target, seat) {
                    (JoinTarget::Code(_), Err(JoinError::NotFound)) => {
                        return self.error(
                            ErrorCode::LobbyNotFound,
                            "no lobby has that join code".into(),
                            Flow::Continue,
                        );
                    }
                    (_, seat) => seat,
                };
                self.enter(seat).await
            }
            ClientMsg::QuickJoin => {
                let seat = self.registry.quick_join();
                self.enter(seat).await
            }
            ClientMsg::LeaveLobby => {
                self.leave(true).await;
                Flow::Continue
            }
            ClientMsg::Input(input) => self.input(input),
            ClientMsg::Ping { client_time } => {
                let tick = self.seat.as_ref().map_or(0, |s| s.lobby().tick());
                self.send(&ServerMsg::Pong { client_time, tick })
            }
        }
    }

    fn hello(&mut self, version: u16, name: String) -> Flow {
        if version != PROTOCOL_VERSION {
            let message = format!(
                "protocol version mismatch: client speaks {version}, server speaks {PROTOCOL_VERSION}"
            );
            return self.error(
                ErrorCode::VersionMismatch,
                message,
                close_policy("protocol version mismatch"),
            );
        }
        match valid_name(&name, MAX_PLAYER_NAME_CHARS) {
            Ok(name) => self.name = name,
            Err(e) => {
                return self.error(
                    ErrorCode::InvalidField,
                    format!("player {e}"),
                    close_policy("invalid name"),
                );
            }
        }
        self.phase = Phase::Lobbyless;
        self.send(&ServerMsg::Welcome {
            player: self.player,
            protocol_version: PROTOCOL_VERSION,
            tick_hz: self.registry.config().tick_hz,
            max_message_bytes: MAX_CLIENT_MSG_BYTES as u32,
        })
    }

    fn list_lobbies(&mut self) -> Flow {
        let lobbies = self.registry.list_public();
        self.send(&ServerMsg::LobbyList { lobbies })
    }

    async fn enter(&mut self, seat: Result<Seat, JoinError>) -> Flow {
        let seat = match seat {
            Ok(seat) => seat,
            Err(e) => return self.error(e.code(), e.to_string(), Flow::Continue),
        };
        let join = LobbyCmd::Join {
            player: self.player,
            name: self.name.clone(),
            outbox: self.outbox.clone(),
        };
        if seat.lobby().send(join).await.is_err() {
            return self.error(
                ErrorCode::LobbyClosed,
                "the lobby closed".into(),
                Flow::Continue,
            );
        }
        self.seat = Some(seat);
        self.phase = Phase::InLobby;
        Flow::Continue
    }

    /// Leaves the current lobby, if any. `notify` sends `Left`.
    pub async fn leave(&mut self, notify: bool) {
        if let Some(seat) = self.seat.take() {
            let cmd = LobbyCmd::Leave {
                player: self.player,
                notify,
            };
            // A closed lobby has already forgotten us.
            let _ = seat.lobby().send(cmd).await;
            self.phase = Phase::Lobbyless;
        }
    }

    fn input(&mut self, input: InputFrame) -> Flow {
        let input = match sanitize_input(input) {
            Ok(input) => input,
            Err(e) => return self.error(ErrorCode::InvalidField, e.to_string(), Flow::Continue),
        };
        if let Some(seat) = &self.seat
            && !seat.lobby().offer_input(self.player, input)
        {
            self.dropped_inputs += 1;
            debug!(
                dropped = self.dropped_inputs,
                "lobby inbox full; input dropped"
            );
        }
        Flow::Continue
    }

    fn error(&mut self, code: ErrorCode, message: String, flow: Flow) -> Flow {
        debug!(?code, %message, "refused");
        match self.send(&ServerMsg::Error { code, message }) {
            Flow::Continue => flow,
            overflow => overflow,
        }
    }

    fn send(&self, msg: &ServerMsg) -> Flow {
        send(&self.outbox, msg)
    }
}

/// Encodes and queues a control message; a full queue closes the client.
pub fn send(outbox: &Outbox, msg: &ServerMsg) -> Flow {
    let bytes = match encode_server(msg) {
        Ok(bytes) => Bytes::from(bytes),
        Err(e) => {
            warn!(error = %e, "reply not encodable");
            return Flow::Continue;
        }
    };
    match outbox.push(OutFrame::Message(bytes)) {
        Ok(()) => Flow::Continue,
        Err(_) => close_policy("outbound queue full"),
    }
}

fn close_policy(reason: &'static str) -> Flow {
    Flow::Close {
        code: close::POLICY,
        reason,
    }
}

/// Trims a name and checks it: 1 to `max` characters, none of them control
/// characters.
fn valid_name(name: &str, max: usize) -> Result<String, String> {
    let name = name.trim();
    let chars = name.chars().count();
    if chars == 0 || chars > max {
        return Err(format!("name must be 1 to {max} characters, got {chars}"));
    }
    if name.chars().any(char::is_control) {
        return Err("name must not contain control characters".into());
    }
    Ok(name.to_owned())
}

fn kind(msg: &ClientMsg) -> &'static str {
    match msg {
        ClientMsg::Hello { .. } => "Hello",
        ClientMsg::ListLobbies => "ListLobbies",
        ClientMsg::CreateLobby { .. } => "CreateLobby",
        ClientMsg::JoinLobby(_) => "JoinLobby",
        ClientMsg::QuickJoin => "QuickJoin",
        ClientMsg::LeaveLobby => "LeaveLobby",
        ClientMsg::Input(_) => "Input",
        ClientMsg::Ping { .. } => "Ping",
    }
}

fn phase_text(phase: Phase) -> &'static str {
    match phase {
        Phase::AwaitingHello => "before Hello",
        Phase::Lobbyless => "outside a lobby",
        Phase::InLobby => "inside a lobby",
    }
}
