//! Each failure reason in words a newcomer can act on: what happened and
//! what to do about it, naming the HTTP status, the server's cap and its
//! default, and the flag that changes it. The report shows one
//! [`Explanation`] beside each reason's count.
//!
//! The bot client does not depend on the server, so the server's defaults
//! and flag names written here are checked against `rallypoint_server`'s
//! own `Config` and `Cli` in the tests.

use std::fmt;

use hyper::StatusCode;
use rallypoint_shared::{ErrorCode, MAX_TICKET_BYTES};
use serde::Serialize;

use super::{FailReason, HandshakeFail, RedirectFail, ResumeFail, Stage, TcpFail};
use crate::bot::{MAX_REDIRECTS, STAGE_TIMEOUT, STALL_LIMIT};

/// The server's `max_connections_per_ip` default (`--max-connections-per-ip`).
const SERVER_MAX_CONNECTIONS_PER_IP: usize = 128;
/// The server's `max_connections` default (`--max-connections`).
const SERVER_MAX_CONNECTIONS: usize = 4096;
/// The server's `max_lobbies` default (`--max-lobbies`).
const SERVER_MAX_LOBBIES: usize = 256;
/// The server's `rate_limit_per_sec` default (`--rate-limit-per-sec`).
const SERVER_RATE_LIMIT_PER_SEC: u32 = 150;
/// The server's `resume_grace_secs` default (`--resume-grace-secs`).
const SERVER_RESUME_GRACE_SECS: u16 = 20;
/// The server's `ticket_secs` default: how long a join ticket lasts.
const SERVER_TICKET_SECS: u64 = 10;

/// Remedy for anything the server's log explains better than the bot can.
const SEE_SERVER_LOG: &str = "the server's log says why";
/// Remedy for a server too slow to keep up.
const OVERLOADED: &str = "the server (or this bot process) is overloaded or stuck: \
                          spread the connects (--ramp-ms), run fewer --bots, or see the server's log";
/// Remedy for a resume that came back wrong.
const RESUME_BUG: &str =
    "a bug in the server's resume: report it with the --seed and --chaos of this run";
/// Remedy for bots and a server that do not speak the same protocol.
const SAME_BUILD: &str = "build the bots and the server from the same commit";
/// Remedy for a node advertising a URL the bots cannot reach.
const CHECK_PUBLIC_URL: &str = "each node of the fleet must advertise a ws:// URL it listens \
                                at (--public-url; GET /fleet lists them)";

/// A failure reason in plain words. `Display` joins the two with `; `.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// What happened.
    pub cause: String,
    /// What to do about it.
    pub remedy: String,
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}; {}", self.cause, self.remedy)
    }
}

fn words(cause: impl Into<String>, remedy: impl Into<String>) -> Explanation {
    Explanation {
        cause: cause.into(),
        remedy: remedy.into(),
    }
}

impl FailReason {
    /// This reason in words; `url` is the bots' `--url`.
    pub(crate) fn explain(&self, url: &str) -> Explanation {
        match *self {
            FailReason::Connect(tcp) => connect(tcp, url),
            FailReason::Handshake(handshake) => self::handshake(handshake),
            FailReason::Timeout(stage) => timeout(stage),
            FailReason::ServerError(code) => server_error(code),
            FailReason::ClosedEarly => words(
                "the server closed the connection (or a write to it failed) before the bot was done",
                SEE_SERVER_LOG,
            ),
            FailReason::LeftEarly => words(
                "the server took the bot out of its lobby (Left) without being asked",
                SEE_SERVER_LOG,
            ),
            FailReason::WrongGame => words(
                "the lobby the bots joined plays another game than their --game",
                "pass the lobby's game as --game (arena or four)",
            ),
            FailReason::NoSnapshots => words(
                "the bot joined a lobby but never received a snapshot",
                "the lobby is not ticking or not sending: see the server's log",
            ),
            FailReason::Stalled => words(
                format!(
                    "snapshots stopped for longer than the stall limit ({} s at the usual rates) \
                     while the bot was in its lobby",
                    STALL_LIMIT.as_secs()
                ),
                OVERLOADED,
            ),
            FailReason::ProtocolMismatch => words(
                "Welcome named another protocol version than the bots speak",
                SAME_BUILD,
            ),
            FailReason::NoJoinCode => words(
                "the bot's group creator never got a join code to share",
                "the creator failed first: see its reason in this list",
            ),
            FailReason::Panicked => words(
                "the bot's task panicked: a bug in the bot client",
                "report it with the panic message printed on stderr",
            ),
            FailReason::ServerShutdown => words(
                "the server shut down during the run (it said so, or closed with 1001)",
                "let the run finish before stopping the server",
            ),
            FailReason::Resume(fail) => resume(fail, url),
            FailReason::Redirect(fail) => redirect(fail),
            FailReason::ScoreLost => words(
                "after a resume the bot's score (arena: kills or deaths; four: wins or the \
                 game number) was lower than before the drop (or missing from the snapshot)",
                RESUME_BUG,
            ),
        }
    }
}

fn connect(tcp: TcpFail, url: &str) -> Explanation {
    match tcp {
        TcpFail::Refused => words(
            format!("connect refused: nothing listens at {url}"),
            "start rallypoint-server or check --url",
        ),
        TcpFail::Other => words(
            format!(
                "the TCP connect to {url} failed \
                 (RUST_LOG=rallypoint_bot_client=debug shows the OS error)"
            ),
            "with thousands of bots, raise the open-file limit (ulimit -n) \
             or spread the connects (--ramp-ms); otherwise check --url",
        ),
    }
}

fn handshake(handshake: HandshakeFail) -> Explanation {
    let status = match handshake {
        HandshakeFail::Status(status) => status,
        HandshakeFail::Other => {
            return words(
                "handshake failed without an HTTP answer: the connection was closed or reset, \
                 or the answer was not a WebSocket upgrade",
                "check that --url is rallypoint-server's /ws; otherwise the server's log says why",
            );
        }
        HandshakeFail::Tls => {
            return words(
                "the TLS handshake failed: the server's certificate is not trusted or not for \
                 this host, or the server does not speak TLS on this port",
                "pass --ca with the PEM of the CA that issued the server's certificate, use the \
                 host name the certificate names, or use ws:// for a server without [tls] \
                 (RUST_LOG=rallypoint_bot_client=debug shows rustls's error)",
            );
        }
    };
    let name = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("(non-standard status)");
    let refused = format!("handshake refused: HTTP {status} {name}");
    // What rallypoint-server means by each status it answers on /ws
    // (`server::refuse`, `http::upgrade`), and what a wrong path gets.
    match status {
        429 => words(
            format!(
                "{refused}: the server's per-IP connection cap \
                 (default {SERVER_MAX_CONNECTIONS_PER_IP}) was reached"
            ),
            "start the server with a higher --max-connections-per-ip \
             (above --bots, since every bot connects from the same address)",
        ),
        503 => words(
            format!(
                "{refused}: the server's connection cap \
                 (default {SERVER_MAX_CONNECTIONS}) was reached"
            ),
            "start the server with a higher --max-connections \
             (above --bots plus the server's other clients)",
        ),
        403 => words(
            format!("{refused}: the bots' address is banned, or the request's origin refused"),
            "an operator banned this address (the admin API's GET /admin/api/bans lists it; \
             POST /admin/api/bans/lift ends it), or the server refused a browser Origin \
             outside its --allowed-origin list, which the bots never send",
        ),
        200..=299 | 404 => words(
            format!("{refused}: --url's path is not the server's WebSocket endpoint"),
            "point --url at the server's /ws (e.g. ws://127.0.0.1:7000/ws)",
        ),
        400 | 426 => words(
            format!("{refused}: the server found the upgrade request invalid"),
            "a bug in the bot client, or a proxy rewrote the request: \
             report it with the server's log",
        ),
        _ => words(
            format!("{refused}: the server refused the WebSocket upgrade"),
            "check that --url is rallypoint-server's /ws; otherwise the server's log says why",
        ),
    }
}

fn timeout(stage: Stage) -> Explanation {
    let secs = STAGE_TIMEOUT.as_secs();
    let at_deadline = |what: &str| format!("{what} at its hard deadline");
    let cause = match stage {
        Stage::Connect => format!(
            "the TCP connect and WebSocket upgrade took over {secs} s \
             (or longer than a shorter --duration)"
        ),
        Stage::Welcome => format!("no Welcome within {secs} s of Hello"),
        Stage::Join => format!("no Joined within {secs} s of asking to join"),
        Stage::FirstSnapshot => format!("no snapshot within {secs} s of the resumed Joined"),
        Stage::Play => at_deadline("the bot was still playing (a write to the server blocked)"),
        Stage::Leave => at_deadline("the bot was still leaving its lobby"),
        Stage::Close => at_deadline("the bot was still closing its connection"),
        Stage::Idle => {
            at_deadline("the idle bot was still waiting (a write to the server blocked)")
        }
        Stage::Run => {
            "the run's overall deadline passed with the bot still running, so it was aborted"
                .to_owned()
        }
    };
    words(cause, OVERLOADED)
}

fn server_error(code: ErrorCode) -> Explanation {
    let (cause, remedy) = match code {
        ErrorCode::BadMessage => (
            "the server could not decode a message from the bot".to_owned(),
            SAME_BUILD,
        ),
        ErrorCode::VersionMismatch => (
            "the server speaks another protocol version".to_owned(),
            SAME_BUILD,
        ),
        ErrorCode::UnexpectedMessage => (
            "the server refused a message in the connection's current phase".to_owned(),
            "a bug in the bot client: report it with the server's log",
        ),
        ErrorCode::InvalidField => (
            "the server refused a field of a message (a lobby size it does not allow, say)"
                .to_owned(),
            "check --lobby-size; otherwise report it as a bug in the bot client",
        ),
        ErrorCode::LobbyNotFound => (
            "no open lobby has the join code (mistyped, or the lobby closed)".to_owned(),
            "check --join's code and that its lobby is still open",
        ),
        ErrorCode::LobbyFull => (
            "the lobby had no free seat".to_owned(),
            "with --join, run no more --bots than the lobby has free seats",
        ),
        ErrorCode::TooManyLobbies => (
            format!("the server already runs its most lobbies (default {SERVER_MAX_LOBBIES})"),
            "start the server with a higher --max-lobbies, or put more bots in each (--lobby-size)",
        ),
        ErrorCode::ServerFull => (
            format!("the server's connection cap (default {SERVER_MAX_CONNECTIONS}) was reached"),
            "start the server with a higher --max-connections",
        ),
        ErrorCode::ShuttingDown => (
            "the server is shutting down".to_owned(),
            "let the run finish before stopping the server",
        ),
        ErrorCode::LobbyClosed => (
            "the lobby closed while the bot was joining it".to_owned(),
            SEE_SERVER_LOG,
        ),
        ErrorCode::RateLimited => (
            format!(
                "the bot sent more frames than the server's rate limit \
                 (default {SERVER_RATE_LIMIT_PER_SEC} a second) allows"
            ),
            "start the server with a higher --rate-limit-per-sec or --rate-limit-burst",
        ),
        ErrorCode::ResumeRejected => (
            format!(
                "the server refused the resume token: unknown, already used, or older than \
                 its --resume-grace-secs (default {SERVER_RESUME_GRACE_SECS})"
            ),
            RESUME_BUG,
        ),
        ErrorCode::JoinRefused => (
            "the lobby's game refused the join (a four table with both seats taken, say)"
                .to_owned(),
            "with --join, run no more --bots than the game has free seats",
        ),
        ErrorCode::TicketRejected => (
            format!(
                "the node refused the join ticket of a redirect: forged, for another node or \
                 player, expired (a ticket lasts {SERVER_TICKET_SECS} s by default) or already used"
            ),
            "give every node of the fleet the same --fleet-secret and keep their clocks in step; \
             the node's log says which",
        ),
        ErrorCode::AuthFailed => (
            "the server has authentication on and refused the bot's session token \
             (none, expired, wrongly signed or for another audience)"
                .to_owned(),
            "give the bots the server's HS256 secret with --auth-secret (and --auth-audience \
             if the server checks one); the server's log says which",
        ),
        ErrorCode::Kicked => (
            "an operator kicked the bot".to_owned(),
            "the server's log names who and why",
        ),
        ErrorCode::Banned => (
            "the bot's account or address is banned on the server".to_owned(),
            "lift the ban in the admin API, or run the bots from another address",
        ),
        ErrorCode::LobbyLocked => (
            "an operator locked the lobby the bot tried to join".to_owned(),
            "unlock it in the admin API, or join another lobby",
        ),
        ErrorCode::SessionReplaced => (
            "another connection logged in with the bot's account and took over its seat".to_owned(),
            "give each bot its own account (two runs with the same --auth-secret and \
             names share accounts)",
        ),
    };
    words(format!("server error {code:?}: {cause}"), remedy)
}

fn resume(fail: ResumeFail, url: &str) -> Explanation {
    let inner = match fail {
        ResumeFail::Connect(tcp) => connect(tcp, url),
        ResumeFail::Handshake(handshake) => self::handshake(handshake),
        ResumeFail::Timeout(stage) => timeout(stage),
        ResumeFail::Rejected => server_error(ErrorCode::ResumeRejected),
        ResumeFail::ServerError(code) => server_error(code),
        ResumeFail::ProtocolMismatch => FailReason::ProtocolMismatch.explain(url),
        ResumeFail::Closed => words(
            "the new connection closed before the resume was done",
            SEE_SERVER_LOG,
        ),
        ResumeFail::PlayerChanged => words("Welcome named another player", RESUME_BUG),
        ResumeFail::LobbyChanged => words("Joined named another lobby", RESUME_BUG),
        ResumeFail::EntityChanged => words("Joined named another entity", RESUME_BUG),
    };
    words(
        format!("resume after a chaos drop failed: {}", inner.cause),
        inner.remedy,
    )
}

fn redirect(fail: RedirectFail) -> Explanation {
    let inner = match fail {
        RedirectFail::RemoteHost => words(
            "the Redirect named a node that is not on this machine, and load tests target \
             loopback addresses or localhost only",
            "pass --allow-remote to follow it, or give every node of the fleet a loopback \
             --public-url",
        ),
        RedirectFail::BadUrl => words(
            "the Redirect's URL is not a ws:// or wss://host[:port]/path the bots can use",
            CHECK_PUBLIC_URL,
        ),
        RedirectFail::Resolve => words("the Redirect's host did not resolve", CHECK_PUBLIC_URL),
        RedirectFail::TooMany => words(
            format!("the nodes answered one join with over {MAX_REDIRECTS} Redirects in a row"),
            "the fleet's nodes disagree about which one serves the lobby: \
             compare their GET /fleet and see their logs",
        ),
        RedirectFail::TicketTooLong => words(
            format!("the Redirect's join ticket was over {MAX_TICKET_BYTES} bytes"),
            SAME_BUILD,
        ),
        RedirectFail::Connect(TcpFail::Refused) => words(
            "connect refused: nothing listens at the URL the Redirect named",
            CHECK_PUBLIC_URL,
        ),
        RedirectFail::Connect(TcpFail::Other) => words(
            "the TCP connect to the URL the Redirect named failed \
             (RUST_LOG=rallypoint_bot_client=debug shows the OS error)",
            CHECK_PUBLIC_URL,
        ),
        RedirectFail::Handshake(handshake) => self::handshake(handshake),
        RedirectFail::Timeout(stage) => timeout(stage),
        RedirectFail::TicketRejected => server_error(ErrorCode::TicketRejected),
        RedirectFail::ServerError(code) => server_error(code),
        RedirectFail::Closed => words(
            "the node the Redirect named closed the connection before the bot joined",
            SEE_SERVER_LOG,
        ),
        RedirectFail::ProtocolMismatch => FailReason::ProtocolMismatch.explain(""),
    };
    words(
        format!(
            "following a Redirect to another node of the fleet failed: {}",
            inner.cause
        ),
        inner.remedy,
    )
}

#[cfg(test)]
mod tests;
