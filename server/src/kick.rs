//! Ending a connection from outside its task, with a reason: a resume or a
//! second login of the same account that takes its session over, or an
//! operator's kick or ban. The connection's task waits on [`Kick::fired`]
//! beside its reads, tells its client why, and closes.
//!
//! A `Kick` is a child of the server's `closing` token, so the same wait
//! also hears the server close; [`Kick::reason`] is `None` then.
//!
//! A kick also carries the [`Link`] it ends: the client's address, since
//! when it is connected and its liveness (RTT), which the session table
//! keeps beside each session for the admin API and for bans by address.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::liveness::Liveness;

/// One client connection as an operator sees it.
#[derive(Debug)]
pub struct Link {
    /// The client's address (the TCP peer's; a trusted proxy's client's
    /// once those are resolved).
    pub ip: IpAddr,
    /// When it connected, by the wall clock (for display).
    pub connected_at: SystemTime,
    /// When it connected, for its age.
    pub opened: Instant,
    /// Its pings and pongs (the round trip).
    pub liveness: Arc<Liveness>,
}

impl Link {
    pub fn new(ip: IpAddr, liveness: Arc<Liveness>) -> Self {
        Self {
            ip,
            connected_at: SystemTime::now(),
            opened: Instant::now(),
            liveness,
        }
    }
}

impl Default for Link {
    /// A link to nowhere (0.0.0.0), for in-memory sessions.
    fn default() -> Self {
        Self::new(
            IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            Arc::new(Liveness::new(Instant::now())),
        )
    }
}

/// Why a connection was ended from outside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KickReason {
    /// Its session was resumed on another connection (`Resume`).
    Resumed,
    /// The same account logged in on another connection, which took its
    /// session and seat over.
    Replaced,
    /// The same account logged in on another node of the fleet (named):
    /// the session ends here and its seat is freed.
    ReplacedElsewhere(String),
    /// An operator kicked it; the reason is theirs and the client sees it.
    Kicked(String),
    /// An operator banned its account or address; the text says until when.
    Banned(String),
}

impl KickReason {
    /// Whether the session lives on in another connection, so the seat
    /// must be kept rather than released.
    pub fn superseded(&self) -> bool {
        matches!(self, KickReason::Resumed | KickReason::Replaced)
    }
}

/// See the module docs. Cheap to clone; every clone fires the same kick.
#[derive(Clone, Debug)]
pub struct Kick {
    token: CancellationToken,
    why: Arc<OnceLock<KickReason>>,
    link: Arc<Link>,
}

impl Kick {
    /// A kick that also fires when `closing` is cancelled (with no reason).
    pub fn child_of(closing: &CancellationToken) -> Self {
        Self {
            token: closing.child_token(),
            why: Arc::default(),
            link: Arc::default(),
        }
    }

    /// The same kick, for the connection `link`.
    pub fn with_link(self, link: Link) -> Self {
        Self {
            link: Arc::new(link),
            ..self
        }
    }

    /// The connection this kick ends.
    pub fn link(&self) -> &Arc<Link> {
        &self.link
    }

    /// A kick of its own, for tests and in-memory sessions.
    pub fn new() -> Self {
        Self::child_of(&CancellationToken::new())
    }

    /// Ends the connection for `why`. The first reason given wins: a
    /// connection kicked by an operator and then replaced says "kicked".
    pub fn fire(&self, why: KickReason) {
        let _ = self.why.set(why);
        self.token.cancel();
    }

    /// Completes once the kick fired or the server is closing.
    pub async fn fired(&self) {
        self.token.cancelled().await;
    }

    /// Whether it fired (or the server is closing).
    pub fn is_fired(&self) -> bool {
        self.token.is_cancelled()
    }

    /// Why it fired; `None` if it has not, or if the server is closing.
    pub fn reason(&self) -> Option<&KickReason> {
        self.why.get()
    }
}

impl Default for Kick {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_reason_wins_and_closing_has_none() {
        let kick = Kick::new();
        assert!(!kick.is_fired());
        kick.fire(KickReason::Kicked("spam".into()));
        kick.clone().fire(KickReason::Replaced);
        assert!(kick.is_fired());
        assert_eq!(kick.reason(), Some(&KickReason::Kicked("spam".into())));

        let closing = CancellationToken::new();
        let kick = Kick::child_of(&closing);
        closing.cancel();
        assert!(kick.is_fired());
        assert_eq!(kick.reason(), None);
    }

    #[test]
    fn only_a_resume_or_a_takeover_keeps_the_seat() {
        assert!(KickReason::Resumed.superseded());
        assert!(KickReason::Replaced.superseded());
        assert!(!KickReason::Kicked(String::new()).superseded());
        assert!(!KickReason::Banned(String::new()).superseded());
        assert!(!KickReason::ReplacedElsewhere(String::new()).superseded());
    }
}
