//! Why following a `Redirect` failed: refused before leaving the node
//! (a remote host, an unusable URL, too many redirects in a row, an
//! oversized ticket), or the new node's connection, `Welcome` or ticket
//! join went wrong. Each is a report key under `redirect:`, and every one
//! fails its bot.

use std::fmt;

use rallypoint_shared::ErrorCode;

use super::{FailReason, HandshakeFail, Stage, TcpFail};

/// Why a redirect could not be followed. `Display` gives the part after
/// `redirect:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirectFail {
    /// The URL's host is not loopback and `--allow-remote` is off (also
    /// when a name resolves to a non-loopback address).
    RemoteHost,
    /// Not a `ws://` or `wss://host[:port]/path` URL.
    BadUrl,
    /// The URL's host did not resolve.
    Resolve,
    /// More than `MAX_REDIRECTS` redirects in a row for one join.
    TooMany,
    /// The ticket is longer than `MAX_TICKET_BYTES`: no node would take it.
    TicketTooLong,
    /// The new node's TCP connection could not be made.
    Connect(TcpFail),
    /// The new node's HTTP upgrade failed.
    Handshake(HandshakeFail),
    /// A step on the new node (connect, `Welcome`, `Joined`) took too long.
    Timeout(Stage),
    /// The new node refused the ticket (`Error { TicketRejected }`).
    TicketRejected,
    /// The new node answered with another error (`LobbyFull`, say).
    ServerError(ErrorCode),
    /// The new node closed the connection before the bot joined.
    Closed,
    /// The new node's `Welcome` named another protocol version.
    ProtocolMismatch,
}

impl fmt::Display for RedirectFail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedirectFail::RemoteHost => f.write_str("remote_host"),
            RedirectFail::BadUrl => f.write_str("bad_url"),
            RedirectFail::Resolve => f.write_str("resolve"),
            RedirectFail::TooMany => f.write_str("too_many"),
            RedirectFail::TicketTooLong => f.write_str("ticket_too_long"),
            RedirectFail::Connect(tcp) => write!(f, "connect{tcp}"),
            RedirectFail::Handshake(handshake) => write!(f, "handshake{handshake}"),
            RedirectFail::Timeout(stage) => write!(f, "timeout:{stage}"),
            RedirectFail::TicketRejected => f.write_str("ticket_rejected"),
            RedirectFail::ServerError(code) => write!(f, "server_error:{code:?}"),
            RedirectFail::Closed => f.write_str("closed"),
            RedirectFail::ProtocolMismatch => f.write_str("protocol_mismatch"),
        }
    }
}

impl FailReason {
    /// The same failure, happening while following a redirect: what would
    /// fail a fresh connection or join fails the redirect instead. A server
    /// shutdown, a panic and the other reasons keep their own keys.
    pub(crate) fn during_redirect(self) -> FailReason {
        let fail = match self {
            FailReason::Connect(tcp) => RedirectFail::Connect(tcp),
            FailReason::Handshake(handshake) => RedirectFail::Handshake(handshake),
            FailReason::Timeout(stage) => RedirectFail::Timeout(stage),
            FailReason::ServerError(ErrorCode::TicketRejected) => RedirectFail::TicketRejected,
            FailReason::ServerError(code) => RedirectFail::ServerError(code),
            FailReason::ClosedEarly => RedirectFail::Closed,
            FailReason::ProtocolMismatch => RedirectFail::ProtocolMismatch,
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
        FailReason::Redirect(fail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_failures_have_stable_keys() {
        let key = |fail| FailReason::Redirect(fail).to_string();
        assert_eq!(key(RedirectFail::RemoteHost), "redirect:remote_host");
        assert_eq!(key(RedirectFail::TooMany), "redirect:too_many");
        assert_eq!(
            key(RedirectFail::TicketRejected),
            "redirect:ticket_rejected"
        );
        assert_eq!(
            key(RedirectFail::Connect(TcpFail::Refused)),
            "redirect:connect:refused"
        );
        assert_eq!(
            key(RedirectFail::Timeout(Stage::Join)),
            "redirect:timeout:join"
        );
    }

    #[test]
    fn failures_while_redirected_become_redirect_failures() {
        let redirected = |r: FailReason| r.during_redirect().to_string();
        assert_eq!(
            redirected(FailReason::ServerError(ErrorCode::TicketRejected)),
            "redirect:ticket_rejected"
        );
        assert_eq!(
            redirected(FailReason::ServerError(ErrorCode::LobbyFull)),
            "redirect:server_error:LobbyFull"
        );
        assert_eq!(
            redirected(FailReason::Handshake(HandshakeFail::Status(503))),
            "redirect:handshake:http_503"
        );
        assert_eq!(redirected(FailReason::ClosedEarly), "redirect:closed");
        assert_eq!(
            redirected(FailReason::Timeout(Stage::Welcome)),
            "redirect:timeout:welcome"
        );
        // Its own reason already, or one that keeps its key.
        let too_many = FailReason::Redirect(RedirectFail::TooMany);
        assert_eq!(too_many.during_redirect(), too_many);
        assert_eq!(redirected(FailReason::ServerShutdown), "server_shutdown");
    }
}
