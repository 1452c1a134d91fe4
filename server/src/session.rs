//! One client's protocol state: which phase it is in, what it may send
//! there, and what each message does. It sees decoded messages and answers
//! through the [`Outbox`]; it never touches a socket, so whole sessions are
//! tested in memory.

use std::sync::Arc;

use bytes::Bytes;
use rallypoint_shared::codec::MAX_CLIENT_MSG_BYTES;
use rallypoint_shared::{
    ClientMsg, ErrorCode, InputFrame, JoinTarget, MAX_INPUTS_PER_MESSAGE, PROTOCOL_VERSION,
    PlayerId, ResumeToken, ServerMsg, encode_server,
};
use tokio::sync::oneshot;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::close;
use crate::lobby::{JoinError, LobbyCmd, LobbyHandle, Offer, Registry, Seat};
use crate::outbox::{OutFrame, Outbox};
use crate::resume::{SessionInfo, SessionTable};

/// Longest player name, in characters. Default: 24.
pub const MAX_PLAYER_NAME_CHARS: usize = 24;
/// Longest lobby name, in characters. Default: 32.
pub const MAX_LOBBY_NAME_CHARS: usize = 32;

/// Where a connection is in the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Connected; only `Hello` or `Resume` is allowed.
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
        Phase::AwaitingHello => matches!(msg, Hello { .. } | Resume { .. }),
        Phase::Lobbyless => matches!(
            msg,
            ListLobbies | CreateLobby { .. } | JoinLobby(_) | QuickJoin | Ping { .. }
        ),
        Phase::InLobby => matches!(
            msg,
            ListLobbies | LeaveLobby | Input(_) | Inputs(_) | Ping { .. }
        ),
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

/// How a connection ended, which decides what happens to its session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The client closed, was refused, or the server shut down: the session
    /// is over and its seat is freed.
    Final,
    /// The connection dropped without a goodbye: hold the session and its
    /// seat for the resume grace period.
    Dropped,
    /// The client resumed on another connection, which now owns it all.
    Superseded,
}

/// The shared tables a session works with.
#[derive(Clone)]
pub struct SessionCtx {
    pub registry: Arc<Registry>,
    pub sessions: Arc<SessionTable>,
}

/// See the module docs.
pub struct Session {
    player: PlayerId,
    name: String,
    phase: Phase,
    lobby: Option<LobbyHandle>,
    token: Option<ResumeToken>,
    ctx: SessionCtx,
    outbox: Arc<Outbox>,
    /// Cancelled when another connection resumes this session.
    kick: CancellationToken,
    /// Inputs dropped because the lobby's channel was full.
    dropped_inputs: u64,
}

impl Session {
    pub fn new(
        player: PlayerId,
        ctx: SessionCtx,
        outbox: Arc<Outbox>,
        kick: CancellationToken,
    ) -> Self {
        Self {
            player,
            name: String::new(),
            phase: Phase::AwaitingHello,
            lobby: None,
            token: None,
            ctx,
            outbox,
            kick,
            dropped_inputs: 0,
        }
    }

    pub fn player(&self) -> PlayerId {
        self.player
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Handles a message that needs no waiting (inputs and pings: the hot
    /// path, or one not allowed now) and returns its flow; gives back any
    /// other, for [`Session::handle`].
    pub fn handle_now(&mut self, msg: ClientMsg) -> Result<Flow, ClientMsg> {
        if !allowed(self.phase, &msg) {
            return Ok(self.refuse(&msg));
        }
        match msg {
            ClientMsg::Input(input) => Ok(self.input(input)),
            ClientMsg::Inputs(inputs) => Ok(self.inputs(inputs)),
            ClientMsg::Ping { client_time } => Ok(self.pong(client_time)),
            other => Err(other),
        }
    }

    fn refuse(&mut self, msg: &ClientMsg) -> Flow {
        let flow = if self.phase == Phase::AwaitingHello {
            close_policy("Hello or Resume must be the first message")
        } else {
            Flow::Continue
        };
        let what = match msg {
            // Allowed in no later phase: say so, not which phase this is.
            ClientMsg::Hello { .. } | ClientMsg::Resume { .. } => format!(
                "{} is only allowed as the first message of a connection",
                kind(msg)
            ),
            _ => format!("{} is not allowed {}", kind(msg), phase_text(self.phase)),
        };
        self.error(ErrorCode::UnexpectedMessage, what, flow)
    }

    fn pong(&mut self, client_time: u64) -> Flow {
        let tick = self.lobby.as_ref().map_or(0, |l| l.tick());
        self.send(&ServerMsg::Pong { client_time, tick })
    }

    /// Handles one decoded message.
    pub async fn handle(&mut self, msg: ClientMsg) -> Flow {
        if !allowed(self.phase, &msg) {
            return self.refuse(&msg);
        }
        match msg {
            ClientMsg::Hello {
                protocol_version,
                name,
            } => self.hello(protocol_version, name),
            ClientMsg::Resume {
                protocol_version,
                token,
            } => self.resume(protocol_version, token).await,
            ClientMsg::ListLobbies => self.list_lobbies(),
            ClientMsg::CreateLobby {
                name,
                max_players,
                private,
            } => match valid_name(&name, MAX_LOBBY_NAME_CHARS) {
                Ok(name) => {
                    let seat = self.ctx.registry.create(name, max_players, private);
                    self.enter(seat).await
                }
                Err(e) => self.error(
                    ErrorCode::InvalidField,
                    format!("lobby {e}"),
                    Flow::Continue,
                ),
            },
            ClientMsg::JoinLobby(target) => {
                let seat = self.ctx.registry.join(&target);
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
                let seat = self.ctx.registry.quick_join();
                self.enter(seat).await
            }
            ClientMsg::LeaveLobby => {
                self.leave(true).await;
                Flow::Continue
            }
            ClientMsg::Input(input) => self.input(input),
            ClientMsg::Inputs(inputs) => self.inputs(inputs),
            ClientMsg::Ping { client_time } => self.pong(client_time),
        }
    }

    fn check_version(&mut self, version: u16) -> Result<(), Flow> {
        if version == PROTOCOL_VERSION {
            return Ok(());
        }
        let message = format!(
            "protocol version mismatch: client speaks {version}, server speaks {PROTOCOL_VERSION}"
        );
        Err(self.error(
            ErrorCode::VersionMismatch,
            message,
            close_policy("protocol version mismatch"),
        ))
    }

    fn hello(&mut self, version: u16, name: String) -> Flow {
        if let Err(flow) = self.check_version(version) {
            return flow;
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
        let info = SessionInfo {
            player: self.player,
            name: self.name.clone(),
            lobby: None,
        };
        let token = self.ctx.sessions.insert(info, self.kick.clone());
        self.welcome(token)
    }

    /// Takes back a dropped session: same player, same lobby seat and
    /// entity, a fresh token.
    async fn resume(&mut self, version: u16, token: ResumeToken) -> Flow {
        if let Err(flow) = self.check_version(version) {
            return flow;
        }
        let resumed = self
            .ctx
            .sessions
            .resume(&token, self.kick.clone(), Instant::now());
        let (info, fresh) = match resumed {
            Ok(pair) => pair,
            Err(e) => {
                return self.error(
                    ErrorCode::ResumeRejected,
                    e.to_string(),
                    close_policy("resume rejected"),
                );
            }
        };
        info!(player = info.player.0, "resumed");
        self.player = info.player;
        self.name = info.name;
        let flow = self.welcome(fresh);
        if let Some(lobby) = info.lobby {
            let (found, reply) = oneshot::channel();
            let cmd = LobbyCmd::Reattach {
                player: self.player,
                outbox: self.outbox.clone(),
                found,
            };
            let back = lobby.send(cmd).await.is_ok() && reply.await.unwrap_or(false);
            if !back {
                self.ctx.sessions.set_lobby(&fresh, None);
                let message = "your seat in the lobby was released".into();
                return self.error(ErrorCode::LobbyClosed, message, flow);
            }
            self.lobby = Some(lobby);
            self.phase = Phase::InLobby;
        }
        flow
    }

    fn welcome(&mut self, token: ResumeToken) -> Flow {
        self.token = Some(token);
        self.phase = Phase::Lobbyless;
        let config = self.ctx.registry.config();
        self.send(&ServerMsg::Welcome {
            player: self.player,
            protocol_version: PROTOCOL_VERSION,
            tick_hz: config.tick_hz,
            snapshot_hz: config.snapshot_hz(),
            max_message_bytes: MAX_CLIENT_MSG_BYTES as u32,
            resume_token: token,
            resume_grace_secs: config.resume_grace_secs,
        })
    }

    fn list_lobbies(&mut self) -> Flow {
        let lobbies = self.ctx.registry.list_public();
        self.send(&ServerMsg::LobbyList { lobbies })
    }

    async fn enter(&mut self, seat: Result<Seat, JoinError>) -> Flow {
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

    fn input(&mut self, input: InputFrame) -> Flow {
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
    fn inputs(&mut self, inputs: Vec<InputFrame>) -> Flow {
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
        ClientMsg::Inputs(_) => "Inputs",
        ClientMsg::Ping { .. } => "Ping",
        ClientMsg::Resume { .. } => "Resume",
    }
}

fn phase_text(phase: Phase) -> &'static str {
    match phase {
        Phase::AwaitingHello => "before Hello",
        Phase::Lobbyless => "outside a lobby",
        Phase::InLobby => "inside a lobby",
    }
}
