//! One client's protocol state: which phase it is in, what it may send
//! there, and what each message does. It sees decoded messages and answers
//! through the [`Outbox`]; it never touches a socket, so whole sessions are
//! tested in memory.
//!
//! `hello` opens a session (version, `Hello`, `Resume`); `lobby` holds the
//! handlers around lobbies and inputs.

mod hello;
mod lobby;

pub use lobby::QUICK_JOIN_ATTEMPTS;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use bytes::Bytes;
use rallypoint_shared::{
    ClientMsg, ErrorCode, JoinTarget, PlayerId, ResumeToken, ServerMsg, encode_server,
};
use tracing::{debug, warn};

use crate::auth::Verifier;
use crate::close;
use crate::kick::Kick;
use crate::lobby::{JoinError, LobbyHandle, Registry};
use crate::outbox::{OutFrame, Outbox};
use crate::resume::SessionTable;

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
            ListLobbies | CreateLobby { .. } | JoinLobby(_) | QuickJoin { .. } | Ping { .. }
        ),
        Phase::InLobby => matches!(
            msg,
            ListLobbies | LeaveLobby | Input(_) | Inputs(_) | Game(_) | Ack { .. } | Ping { .. }
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
    /// The session-token check, when authentication is on.
    pub auth: Option<Arc<Verifier>>,
    /// Bans (an operator's): a banned account is refused at `Hello`.
    pub bans: Arc<crate::admin::Bans>,
}

/// See the module docs.
pub struct Session {
    player: PlayerId,
    name: String,
    /// The account the session token named, with authentication on.
    account: Option<String>,
    phase: Phase,
    lobby: Option<LobbyHandle>,
    token: Option<ResumeToken>,
    ctx: SessionCtx,
    outbox: Arc<Outbox>,
    /// Fired when another connection takes this session over (a resume,
    /// or a second login of its account), or an operator kicks it.
    kick: Kick,
    /// Inputs dropped because the lobby's channel was full.
    dropped_inputs: u64,
    /// Set once welcomed: the connection then passes notices on.
    welcomed: Arc<AtomicBool>,
}

impl Session {
    pub fn new(player: PlayerId, ctx: SessionCtx, outbox: Arc<Outbox>, kick: Kick) -> Self {
        Self {
            player,
            name: String::new(),
            account: None,
            phase: Phase::AwaitingHello,
            lobby: None,
            token: None,
            ctx,
            outbox,
            kick,
            dropped_inputs: 0,
            welcomed: Arc::default(),
        }
    }

    pub fn player(&self) -> PlayerId {
        self.player
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// A flag set once the session is welcomed, readable while the
    /// connection's reader holds the session.
    pub fn welcomed(&self) -> Arc<AtomicBool> {
        self.welcomed.clone()
    }

    /// Handles a message that needs no waiting (inputs and pings: the hot
    /// path, or one not allowed now) and returns its flow; gives back any
    /// other, for [`Session::handle`].
    pub fn handle_now(&mut self, msg: ClientMsg) -> Result<Flow, ClientMsg> {
        self.notice_closed_lobby();
        if !allowed(self.phase, &msg) {
            return Ok(self.refuse(&msg));
        }
        match msg {
            ClientMsg::Input(input) => Ok(self.input(input)),
            ClientMsg::Inputs(inputs) => Ok(self.inputs(inputs)),
            ClientMsg::Game(payload) => Ok(self.game_msg(&payload.0)),
            ClientMsg::Ack { tick } => Ok(self.ack(tick)),
            ClientMsg::Ping { client_time } => Ok(self.pong(client_time)),
            other => Err(other),
        }
    }

    /// An operator closed the lobby (its task ended, the member was told
    /// `Left`): the session is outside it from now on. One atomic load.
    fn notice_closed_lobby(&mut self) {
        if self.lobby.as_ref().is_some_and(|l| l.is_closed()) {
            self.lobby = None;
            self.phase = Phase::Lobbyless;
            if let Some(token) = &self.token {
                self.ctx.sessions.set_lobby(token, None);
            }
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
        self.notice_closed_lobby();
        if !allowed(self.phase, &msg) {
            return self.refuse(&msg);
        }
        match msg {
            ClientMsg::Hello {
                protocol_version,
                name,
                token,
            } => self.hello(protocol_version, name, token).await,
            ClientMsg::Resume {
                protocol_version,
                token,
            } => self.resume(protocol_version, token).await,
            ClientMsg::ListLobbies => self.list_lobbies().await,
            ClientMsg::CreateLobby {
                game,
                name,
                max_players,
                private,
            } => match valid_name(&name, MAX_LOBBY_NAME_CHARS) {
                Ok(name) => {
                    let Some(game) = self.game_named(&game) else {
                        return self.unknown_game(&game);
                    };
                    let seat = self.ctx.registry.create(&game, name, max_players, private);
                    self.ctx.registry.fleet().poke();
                    self.enter(seat, None).await
                }
                Err(e) => self.error(
                    ErrorCode::InvalidField,
                    format!("lobby {e}"),
                    Flow::Continue,
                ),
            },
            ClientMsg::JoinLobby(JoinTarget::Ticket(ticket)) => self.join_ticketed(&ticket).await,
            ClientMsg::JoinLobby(target) => {
                let seat = self.ctx.registry.join(&target);
                if let Err(JoinError::NotFound) = seat {
                    return self.elsewhere(&target).await;
                }
                self.enter(seat, None).await
            }
            ClientMsg::QuickJoin { game } => self.quick_join(&game).await,
            ClientMsg::LeaveLobby => {
                self.leave(true).await;
                Flow::Continue
            }
            ClientMsg::Input(input) => self.input(input),
            ClientMsg::Inputs(inputs) => self.inputs(inputs),
            ClientMsg::Game(payload) => self.game_msg(&payload.0),
            ClientMsg::Ack { tick } => self.ack(tick),
            ClientMsg::Ping { client_time } => self.pong(client_time),
        }
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
pub(crate) fn valid_name(name: &str, max: usize) -> Result<String, String> {
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
        ClientMsg::QuickJoin { .. } => "QuickJoin",
        ClientMsg::LeaveLobby => "LeaveLobby",
        ClientMsg::Input(_) => "Input",
        ClientMsg::Inputs(_) => "Inputs",
        ClientMsg::Ping { .. } => "Ping",
        ClientMsg::Resume { .. } => "Resume",
        ClientMsg::Game(_) => "Game",
        ClientMsg::Ack { .. } => "Ack",
    }
}

fn phase_text(phase: Phase) -> &'static str {
    match phase {
        Phase::AwaitingHello => "before Hello",
        Phase::Lobbyless => "outside a lobby",
        Phase::InLobby => "inside a lobby",
    }
}
