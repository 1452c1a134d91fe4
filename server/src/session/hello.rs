//! Opening a session: the protocol version check, `Hello` and `Welcome`,
//! and `Resume`, which takes back a dropped session with its token.

use std::time::SystemTime;

use rallypoint_shared::codec::MAX_CLIENT_MSG_BYTES;
use rallypoint_shared::{ErrorCode, PROTOCOL_VERSION, ResumeToken, ServerMsg};
use tokio::sync::oneshot;
use tokio::time::Instant;
use tracing::info;

use super::{Flow, MAX_PLAYER_NAME_CHARS, Phase, Session, close_policy, valid_name};
use crate::lobby::LobbyCmd;
use crate::resume::SessionInfo;

impl Session {
    pub(super) fn check_version(&mut self, version: u16) -> Result<(), Flow> {
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

    pub(super) async fn hello(
        &mut self,
        version: u16,
        name: String,
        token: Option<String>,
    ) -> Flow {
        if let Err(flow) = self.check_version(version) {
            return flow;
        }
        let Some(auth) = self.ctx.auth.clone() else {
            return match valid_name(&name, MAX_PLAYER_NAME_CHARS) {
                Ok(name) => {
                    self.name = name;
                    self.open(None)
                }
                Err(e) => self.error(
                    ErrorCode::InvalidField,
                    format!("player {e}"),
                    close_policy("invalid name"),
                ),
            };
        };
        // The token names the player: its account, id and name. It is
        // checked here, once per connection, never per message.
        let identity = match auth.verify(token.as_deref()) {
            Ok(identity) => identity,
            Err(e) => {
                crate::metrics::metrics().auth_failure(e.label());
                info!(reason = e.label(), "session token refused");
                return self.error(
                    ErrorCode::AuthFailed,
                    e.to_string(),
                    close_policy("auth failed"),
                );
            }
        };
        if let Some(ban) = self.ctx.bans.account(&identity.account, SystemTime::now()) {
            info!(account = %identity.account, until = %crate::admin::rfc3339(ban.until), "banned account refused");
            crate::metrics::metrics().auth_failure("banned");
            return self.error(ErrorCode::Banned, ban.message(), close_policy("banned"));
        }
        crate::metrics::metrics().auth_logins.inc();
        self.player = identity.player();
        self.name = identity.name;
        self.account = Some(identity.account.clone());
        let now = Instant::now();
        // Sessions of this account on other nodes end (fleet::accounts).
        self.ctx
            .registry
            .fleet()
            .announce_login(&identity.account, self.kick.link().connected_at);
        match self
            .ctx
            .sessions
            .take_over(&identity.account, self.kick.clone(), now)
        {
            Some((info, fresh)) => {
                info!(player = info.player.0, account = %identity.account, "took the account's session over");
                // The seat and entity stay the player's. The session takes
                // the token's newest name for later joins; the lobby's
                // roster keeps the name the seat was taken with.
                self.ctx.sessions.rename(&fresh, &self.name);
                self.reattach(info, fresh).await
            }
            None => self.open(Some(identity.account)),
        }
    }

    /// Registers a new session (with its account, under auth) and
    /// welcomes it.
    fn open(&mut self, account: Option<String>) -> Flow {
        let info = SessionInfo {
            player: self.player,
            name: self.name.clone(),
            lobby: None,
            account,
        };
        let token = self.ctx.sessions.insert(info, self.kick.clone());
        self.welcome(token)
    }

    /// Takes back a dropped session: same player, same lobby seat and
    /// entity, a fresh token.
    pub(super) async fn resume(&mut self, version: u16, token: ResumeToken) -> Flow {
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
        self.name = info.name.clone();
        self.account = info.account.clone();
        self.reattach(info, fresh).await
    }

    /// Makes a session taken over (by a resume or a login of its account)
    /// this connection's: welcomes it under `fresh`, and moves its seat,
    /// if it had one, to this connection.
    async fn reattach(&mut self, info: SessionInfo, fresh: ResumeToken) -> Flow {
        self.player = info.player;
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

    pub(super) fn welcome(&mut self, token: ResumeToken) -> Flow {
        self.welcomed
            .store(true, std::sync::atomic::Ordering::Relaxed);
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
            games: self
                .ctx
                .registry
                .games()
                .names()
                .map(String::from)
                .collect(),
        })
    }
}
