//! What one bot's run came to: the per-bot result the report aggregates,
//! and the reasons a bot fails, each a stable string key in the report's
//! breakdown.

use std::fmt;

use rallypoint_shared::ErrorCode;

use crate::reader::RecvStats;

/// The phase a bot was in, for timeouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// TCP connect and WebSocket upgrade.
    Connect,
    /// `Hello` sent, waiting for `Welcome`.
    Welcome,
    /// Waiting for a join code or for `Joined`.
    Join,
    /// In the lobby, sending inputs.
    Play,
    /// `LeaveLobby` sent.
    Leave,
    /// Close frame sent.
    Close,
    /// Still running at the run's overall deadline, and aborted.
    Run,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Connect => "connect",
            Stage::Welcome => "welcome",
            Stage::Join => "join",
            Stage::Play => "play",
            Stage::Leave => "leave",
            Stage::Close => "close",
            Stage::Run => "run",
        })
    }
}

/// Why a bot failed. `Display` gives the report's key for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailReason {
    /// The TCP connection could not be made.
    Connect,
    /// The HTTP upgrade to WebSocket failed.
    Handshake,
    /// A phase did not finish in time.
    Timeout(Stage),
    /// The server refused with this code (while joining), or sent it just
    /// before closing the connection.
    ServerError(ErrorCode),
    /// The connection closed (or a write failed) before the bot was done.
    ClosedEarly,
    /// The server sent `Left` without being asked.
    LeftEarly,
    /// The bot joined a lobby but never received a snapshot.
    NoSnapshots,
    /// Snapshots stopped for longer than the stall limit while in the lobby.
    Stalled,
    /// `Welcome` named another protocol version.
    ProtocolMismatch,
    /// The group's creator never produced a join code to follow.
    NoJoinCode,
    /// The bot's task panicked (a bug in the bot client).
    Panicked,
}

impl fmt::Display for FailReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FailReason::Connect => f.write_str("connect"),
            FailReason::Handshake => f.write_str("handshake"),
            FailReason::Timeout(stage) => write!(f, "timeout:{stage}"),
            FailReason::ServerError(code) => write!(f, "server_error:{code:?}"),
            FailReason::ClosedEarly => f.write_str("closed_early"),
            FailReason::LeftEarly => f.write_str("left_early"),
            FailReason::NoSnapshots => f.write_str("no_snapshots"),
            FailReason::Stalled => f.write_str("snapshots_stalled"),
            FailReason::ProtocolMismatch => f.write_str("protocol_mismatch"),
            FailReason::NoJoinCode => f.write_str("no_join_code"),
            FailReason::Panicked => f.write_str("panic"),
        }
    }
}

/// Everything one bot measured, and how it ended.
#[derive(Debug)]
pub(crate) struct BotResult {
    pub index: u32,
    /// The WebSocket upgrade succeeded.
    pub connected: bool,
    /// `Joined` arrived.
    pub joined: bool,
    pub failure: Option<FailReason>,
    /// From `Welcome`.
    pub tick_hz: Option<u16>,
    /// From the upgrade to the end of the connection.
    pub connected_secs: f64,
    /// From `Joined` to `Left` (or to `LeaveLobby` sent, when `Left` never
    /// came, or to the failure).
    pub in_lobby_secs: f64,
    pub inputs_sent: u64,
    /// From `Joined` to the end of play (or the failure): the time inputs
    /// were being sent.
    pub play_secs: f64,
    /// WebSocket payload bytes of data frames sent.
    pub bytes_up: u64,
    /// `Left` arrived after `LeaveLobby`.
    pub left_acknowledged: bool,
    /// `Error` messages received that did not fail the bot.
    pub server_errors: u64,
    pub recv: RecvStats,
}

impl BotResult {
    pub(crate) fn new(index: u32) -> Self {
        Self {
            index,
            connected: false,
            joined: false,
            failure: None,
            tick_hz: None,
            connected_secs: 0.0,
            in_lobby_secs: 0.0,
            inputs_sent: 0,
            play_secs: 0.0,
            bytes_up: 0,
            left_acknowledged: false,
            server_errors: 0,
            recv: RecvStats::new(),
        }
    }

    /// A bot that failed before it had anything to measure.
    pub(crate) fn failed(index: u32, reason: FailReason) -> Self {
        Self {
            failure: Some(reason),
            ..Self::new(index)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_have_stable_keys() {
        assert_eq!(FailReason::Connect.to_string(), "connect");
        assert_eq!(
            FailReason::Timeout(Stage::Welcome).to_string(),
            "timeout:welcome"
        );
        assert_eq!(
            FailReason::ServerError(ErrorCode::LobbyFull).to_string(),
            "server_error:LobbyFull"
        );
        assert_eq!(FailReason::NoSnapshots.to_string(), "no_snapshots");
    }
}
