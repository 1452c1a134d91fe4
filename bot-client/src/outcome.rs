//! What one bot's run came to: the per-bot result the report aggregates,
//! and the reasons a bot fails, each a stable string key in the report's
//! breakdown and, in `explain`, a cause and a remedy in plain words; the
//! reasons a redirect fails are in `redirect`.

use std::fmt;
use std::sync::Arc;

use hdrhistogram::Histogram;
use rallypoint_shared::ErrorCode;

use crate::games::GameCounts;
use crate::predict::ErrorSamples;
use crate::reader::{RecvStats, micros_histogram};

mod explain;
mod redirect;

pub use explain::Explanation;
pub use redirect::RedirectFail;

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
    /// Idle in the menu after `Welcome` (`--idle`).
    Idle,
    /// Resumed (`Welcome` and `Joined` came back), waiting for the first
    /// snapshot.
    FirstSnapshot,
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
            Stage::Idle => "idle",
            Stage::FirstSnapshot => "first_snapshot",
            Stage::Run => "run",
        })
    }
}

/// Why the TCP connect failed. `Display` gives the part after `connect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcpFail {
    /// Refused: nothing listens at the address (the server is not running,
    /// or `--url` names the wrong port).
    Refused,
    /// Any other error; the bot's debug log has the OS error.
    Other,
}

/// Why the HTTP upgrade to WebSocket failed. `Display` gives the part
/// after `handshake`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandshakeFail {
    /// The server answered with this HTTP status instead of 101 (the
    /// server's caps answer 429 and 503).
    Status(u16),
    /// No usable HTTP answer: the connection closed or was reset, or the
    /// response was not a valid upgrade.
    Other,
    /// The TLS handshake of a `wss://` URL failed (an untrusted or wrong
    /// certificate, or a server that does not speak TLS).
    Tls,
}

impl fmt::Display for TcpFail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TcpFail::Refused => f.write_str(":refused"),
            TcpFail::Other => Ok(()),
        }
    }
}

impl fmt::Display for HandshakeFail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandshakeFail::Status(status) => write!(f, ":http_{status}"),
            HandshakeFail::Other => Ok(()),
            HandshakeFail::Tls => f.write_str(":tls"),
        }
    }
}

/// Why a bot failed. `Display` gives the report's key for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailReason {
    /// The TCP connection could not be made.
    Connect(TcpFail),
    /// The HTTP upgrade to WebSocket failed.
    Handshake(HandshakeFail),
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
    /// The server is shutting down: it said so (`ShuttingDown`, or
    /// `Error { ShuttingDown }`) or closed with 1001 (going away).
    ServerShutdown,
    /// A resume after a chaos drop failed.
    Resume(ResumeFail),
    /// The first snapshot after a resume showed a lower score for the bot
    /// (arena: kills or deaths; four: wins or the game number) than the
    /// last one before the drop (or did not show it).
    ScoreLost,
    /// The lobby joined plays another game than the bots' `--game`.
    WrongGame,
    /// A `Redirect` to another node of the fleet could not be followed.
    Redirect(RedirectFail),
}

/// Why a resume failed. `Display` gives the part after `resume:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResumeFail {
    /// The new TCP connection could not be made.
    Connect(TcpFail),
    /// The HTTP upgrade of the new connection failed.
    Handshake(HandshakeFail),
    /// A step of the resume did not finish in time.
    Timeout(Stage),
    /// The server refused the token (`Error { ResumeRejected }`).
    Rejected,
    /// The server answered with another error.
    ServerError(ErrorCode),
    /// The new connection closed before the resume was done.
    Closed,
    /// `Welcome` named another protocol version.
    ProtocolMismatch,
    /// `Welcome` named another player id than the dropped session's.
    PlayerChanged,
    /// `Joined` named another lobby than the dropped session's.
    LobbyChanged,
    /// `Joined` named another entity than the dropped session's.
    EntityChanged,
}

impl fmt::Display for ResumeFail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResumeFail::Connect(tcp) => write!(f, "connect{tcp}"),
            ResumeFail::Handshake(handshake) => write!(f, "handshake{handshake}"),
            ResumeFail::Timeout(stage) => write!(f, "timeout:{stage}"),
            ResumeFail::Rejected => f.write_str("rejected"),
            ResumeFail::ServerError(code) => write!(f, "server_error:{code:?}"),
            ResumeFail::Closed => f.write_str("closed"),
            ResumeFail::ProtocolMismatch => f.write_str("protocol_mismatch"),
            ResumeFail::PlayerChanged => f.write_str("player_changed"),
            ResumeFail::LobbyChanged => f.write_str("lobby_changed"),
            ResumeFail::EntityChanged => f.write_str("entity_changed"),
        }
    }
}

impl FailReason {
    /// The same failure, happening while resuming: what would fail a
    /// fresh connection fails the resume instead. A server shutdown, a lost
    /// score, an unasked-for `Left` and a panic keep their own keys.
    pub(crate) fn during_resume(self) -> FailReason {
        let fail = match self {
            FailReason::Connect(tcp) => ResumeFail::Connect(tcp),
            FailReason::Handshake(handshake) => ResumeFail::Handshake(handshake),
            FailReason::Timeout(stage) => ResumeFail::Timeout(stage),
            FailReason::ServerError(ErrorCode::ResumeRejected) => ResumeFail::Rejected,
            FailReason::ServerError(code) => ResumeFail::ServerError(code),
            FailReason::ClosedEarly => ResumeFail::Closed,
            FailReason::ProtocolMismatch => ResumeFail::ProtocolMismatch,
            other @ (FailReason::LeftEarly
            | FailReason::NoSnapshots
            | FailReason::Stalled
            | FailReason::NoJoinCode
            | FailReason::Panicked
            | FailReason::ServerShutdown
            | FailReason::Resume(_)
            | FailReason::Redirect(_)
            | FailReason::ScoreLost
            | FailReason::WrongGame) => return other,
        };
        FailReason::Resume(fail)
    }
}

impl fmt::Display for FailReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FailReason::Connect(tcp) => write!(f, "connect{tcp}"),
            FailReason::Handshake(handshake) => write!(f, "handshake{handshake}"),
            FailReason::Timeout(stage) => write!(f, "timeout:{stage}"),
            FailReason::ServerError(code) => write!(f, "server_error:{code:?}"),
            FailReason::ClosedEarly => f.write_str("closed_early"),
            FailReason::LeftEarly => f.write_str("left_early"),
            FailReason::NoSnapshots => f.write_str("no_snapshots"),
            FailReason::Stalled => f.write_str("snapshots_stalled"),
            FailReason::ProtocolMismatch => f.write_str("protocol_mismatch"),
            FailReason::NoJoinCode => f.write_str("no_join_code"),
            FailReason::Panicked => f.write_str("panic"),
            FailReason::ServerShutdown => f.write_str("server_shutdown"),
            FailReason::Resume(fail) => write!(f, "resume:{fail}"),
            FailReason::ScoreLost => f.write_str("score_lost"),
            FailReason::WrongGame => f.write_str("wrong_game"),
            FailReason::Redirect(fail) => write!(f, "redirect:{fail}"),
        }
    }
}

/// Everything one bot measured, and how it ended.
#[derive(Debug)]
pub(crate) struct BotResult {
    pub index: u32,
    /// The WebSocket upgrade succeeded.
    pub connected: bool,
    /// `Welcome` arrived.
    pub welcomed: bool,
    /// Idle mode: it stayed in the menu from `Welcome` to the end of its
    /// duration.
    pub idle: bool,
    /// `Joined` arrived.
    pub joined: bool,
    pub failure: Option<FailReason>,
    /// From `Welcome`.
    pub tick_hz: Option<u16>,
    /// From `Welcome`: snapshots a second in a lobby.
    pub snapshot_hz: Option<u16>,
    /// From the upgrade to the end of the connection, less `offline_secs`.
    pub connected_secs: f64,
    /// From `Joined` to `Left` (or to `LeaveLobby` sent, when `Left` never
    /// came, or to the failure), less `offline_secs`.
    pub in_lobby_secs: f64,
    pub inputs_sent: u64,
    /// Messages carrying them: `Input`s and `Inputs`.
    pub input_messages_sent: u64,
    /// Inputs sent with `hitscan` set.
    pub hitscan_shots: u64,
    /// `Ack` messages sent (a game without per-tick input).
    pub acks_sent: u64,
    /// Reliable game messages sent (`Game`).
    pub game_msgs_sent: u64,
    /// From `Joined` to the end of play (or the failure), less
    /// `offline_secs`: the time inputs were being sent.
    pub play_secs: f64,
    /// Time between chaos drops and the resumed `Joined`: neither
    /// connected nor in the lobby.
    pub offline_secs: f64,
    /// Chaos drops, each followed by a resume attempt.
    pub resumes_attempted: u32,
    /// Resumes that got `Welcome` (same player), `Joined` (same lobby and
    /// entity) and a first snapshot with the score kept.
    pub resumes_succeeded: u32,
    /// Drop to first snapshot after the resume, per successful resume.
    pub resume_us: Histogram<u32>,
    /// `Redirect`s that got the bot to the next node: answered there with
    /// `Joined` (or with the next `Redirect`).
    pub redirects_followed: u32,
    /// `Redirect`s that did not (0 or 1: the bot fails with the first).
    pub redirects_failed: u32,
    /// Per join that was redirected: from sending the `JoinLobby`,
    /// `QuickJoin` or `CreateLobby` that got the first `Redirect` to
    /// `Joined` on the node that seated the bot, µs.
    pub redirect_us: Histogram<u32>,
    /// The URL of the node the bot's last connection was to (`--url`
    /// unless redirected); `None` if it never connected.
    pub node: Option<Arc<str>>,
    /// Client-side prediction error per sample, in millionths of a world
    /// unit (see `predict`).
    pub prediction_error: ErrorSamples,
    /// Acknowledgements not judged (dead, respawned, no baseline, drop).
    pub prediction_skipped: u64,
    /// The server announced `ShuttingDown` to this bot.
    pub saw_shutdown: bool,
    /// WebSocket payload bytes of data frames sent.
    pub bytes_up: u64,
    /// `Left` arrived after `LeaveLobby`.
    pub left_acknowledged: bool,
    /// `Error` messages received that did not fail the bot.
    pub server_errors: u64,
    pub recv: RecvStats,
    /// The game's own counters; `None` if the bot never got to play.
    pub game: Option<GameCounts>,
}

impl BotResult {
    pub(crate) fn new(index: u32) -> Self {
        Self {
            index,
            connected: false,
            welcomed: false,
            idle: false,
            joined: false,
            failure: None,
            tick_hz: None,
            snapshot_hz: None,
            connected_secs: 0.0,
            in_lobby_secs: 0.0,
            inputs_sent: 0,
            input_messages_sent: 0,
            hitscan_shots: 0,
            acks_sent: 0,
            game_msgs_sent: 0,
            play_secs: 0.0,
            offline_secs: 0.0,
            resumes_attempted: 0,
            resumes_succeeded: 0,
            resume_us: micros_histogram(),
            redirects_followed: 0,
            redirects_failed: 0,
            redirect_us: micros_histogram(),
            node: None,
            prediction_error: ErrorSamples::default(),
            prediction_skipped: 0,
            saw_shutdown: false,
            bytes_up: 0,
            left_acknowledged: false,
            server_errors: 0,
            recv: RecvStats::new(),
            game: None,
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
        assert_eq!(
            FailReason::Connect(TcpFail::Refused).to_string(),
            "connect:refused"
        );
        assert_eq!(FailReason::Connect(TcpFail::Other).to_string(), "connect");
        assert_eq!(
            FailReason::Handshake(HandshakeFail::Status(429)).to_string(),
            "handshake:http_429"
        );
        assert_eq!(
            FailReason::Handshake(HandshakeFail::Other).to_string(),
            "handshake"
        );
        assert_eq!(
            FailReason::Timeout(Stage::Welcome).to_string(),
            "timeout:welcome"
        );
        assert_eq!(
            FailReason::ServerError(ErrorCode::LobbyFull).to_string(),
            "server_error:LobbyFull"
        );
        assert_eq!(FailReason::NoSnapshots.to_string(), "no_snapshots");
        assert_eq!(FailReason::ServerShutdown.to_string(), "server_shutdown");
        assert_eq!(FailReason::ScoreLost.to_string(), "score_lost");
        assert_eq!(
            FailReason::Resume(ResumeFail::Timeout(Stage::FirstSnapshot)).to_string(),
            "resume:timeout:first_snapshot"
        );
    }

    #[test]
    fn failures_while_resuming_become_resume_failures() {
        let resume = |r: FailReason| r.during_resume().to_string();
        assert_eq!(
            resume(FailReason::ServerError(ErrorCode::ResumeRejected)),
            "resume:rejected"
        );
        assert_eq!(
            resume(FailReason::ServerError(ErrorCode::RateLimited)),
            "resume:server_error:RateLimited"
        );
        assert_eq!(resume(FailReason::ClosedEarly), "resume:closed");
        assert_eq!(
            resume(FailReason::Connect(TcpFail::Refused)),
            "resume:connect:refused"
        );
        assert_eq!(
            resume(FailReason::Handshake(HandshakeFail::Status(503))),
            "resume:handshake:http_503"
        );
        assert_eq!(
            resume(FailReason::Timeout(Stage::Welcome)),
            "resume:timeout:welcome"
        );
        assert_eq!(resume(FailReason::ServerShutdown), "server_shutdown");
        assert_eq!(resume(FailReason::ScoreLost), "score_lost");
    }
}
