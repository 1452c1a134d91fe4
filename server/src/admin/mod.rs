//! The admin API (`/admin/api/...`): what operators use to see a node's
//! (or the fleet's) lobbies and players, and to act on them: kick, ban,
//! lock, close, notices, the drain. It is off without an `[admin]` section
//! with at least one token. It is served on the game port, or, with
//! `admin.bind`, on a listener of its own and nowhere else.
//!
//! Every request carries `Authorization: Bearer TOKEN`; each token has a
//! name (logged with every action) and a role (`read`: `GET` only;
//! `full`: everything). An address that keeps presenting bad tokens is
//! throttled. The API never holds a lobby's state: it asks the lobby's task
//! over its command channel and waits a bounded time for the answer. On a
//! fleet, a request about another node's lobby is forwarded to that node's
//! admin API (see `forward`). `docs/ADMIN.md` documents every endpoint.
//!
//! # Layout
//! - `tokens`: bearer tokens, roles, constant-time checks.
//! - `throttle`: failed logins per address.
//! - `bans`: the ban table, and RFC 3339 times.
//! - `views`: the JSON answers.
//! - `reply`: errors, bodies and JSON responses.
//! - `routes`: authentication and the dispatch of each path.
//! - `lobbies`: the lobby table, a lobby's detail, lock, close, notices.
//! - `players`: the node, kicks, bans, notices to all, the drain.
//! - `forward`: reaching another node's admin API.
//! - `listener`: the admin API's own port.
//! - `redact`: the configuration without its secrets.

mod bans;
mod forward;
mod listener;
mod lobbies;
mod players;
pub mod redact;
mod reply;
mod routes;
mod throttle;
mod tokens;
mod views;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

pub use bans::{Ban, Bans, BansFull, MAX_BAN, MAX_BANS, Target, rfc3339};
pub use listener::{MAX_ADMIN_CONNECTIONS, start};
pub(crate) use players::{end_kicked, kick_banned};
pub use routes::{Via, route};
pub use throttle::{FAILURE_WINDOW, MAX_FAILURES_PER_MINUTE, MAX_THROTTLED_IPS, Throttle};
pub use tokens::{AdminToken, Caller, MIN_ADMIN_TOKEN_BYTES, Role, Tokens};

/// The longest kick or ban reason, lock reason or close reason, in
/// characters. Default: 200: a sentence a player can read; longer is 400.
pub const MAX_REASON_CHARS: usize = 200;

/// The longest notice, in characters. Default: 500.
pub const MAX_NOTICE_CHARS: usize = 500;

/// The largest request body. Default: 16 KiB, far more than any request
/// needs; a larger one is 413.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// How long a client has to send its request body. Default: 5 s; a slower
/// one gets 408.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(5);

/// How long the API waits for a lobby's task to answer. Default: 1 s; a
/// lobby that does not answer in time is shown with `null` stats (and
/// says why), or the action answers 503.
pub const LOBBY_ANSWER_TIMEOUT: Duration = Duration::from_secs(1);

/// The `[admin]` section.
#[derive(Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdminConfig {
    /// Serve the admin API on this address only (the game port then
    /// answers 404 under `/admin`). Default: unset, on the game port.
    pub bind: Option<SocketAddr>,
    /// The URL (`http://host:port`) other nodes of a fleet reach this
    /// node's admin API at. Default: `http://{admin.bind or bind}`.
    pub url: Option<String>,
    /// The tokens, each with a name and a role. Also `--admin-token
    /// NAME:ROLE:TOKEN` and `RALLYPOINT_ADMIN_TOKENS` (comma-separated).
    /// Default: none (the API is off).
    #[serde(serialize_with = "redact::tokens")]
    pub tokens: Vec<AdminToken>,
}

/// Never prints a token.
impl std::fmt::Debug for AdminConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminConfig")
            .field("bind", &self.bind)
            .field("url", &self.url)
            .field("tokens", &self.tokens)
            .finish()
    }
}

impl AdminConfig {
    /// Checks every token, and that names are unique.
    pub fn validate(&self) -> Result<(), String> {
        if self.tokens.is_empty() {
            return Err("[admin] needs at least one token (admin.tokens or --admin-token)".into());
        }
        for (i, t) in self.tokens.iter().enumerate() {
            t.validate()?;
            if self.tokens[..i].iter().any(|o| o.name == t.name) {
                return Err(format!("two admin tokens are named {:?}", t.name));
            }
        }
        if let Some(url) = &self.url
            && !url.starts_with("http://")
        {
            return Err("admin.url must be an http:// URL".into());
        }
        Ok(())
    }

    /// This node's admin URL, for the fleet.
    pub fn url(&self, game_bind: SocketAddr) -> String {
        self.url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.bind.unwrap_or(game_bind)))
    }
}

/// The admin API's state on one node.
pub struct Admin {
    config: Option<AdminConfig>,
    tokens: Tokens,
    throttle: Throttle,
    bans: Arc<Bans>,
    /// The newest notice to every connected player.
    notices: watch::Sender<Arc<str>>,
    /// Cancelled when an operator starts the drain.
    drain: CancellationToken,
    started: Instant,
}

impl Admin {
    pub fn new(config: Option<&AdminConfig>) -> Self {
        let tokens = config.map_or(&[][..], |c| &c.tokens[..]);
        Self {
            config: config.cloned(),
            tokens: Tokens::new(tokens),
            throttle: Throttle::default(),
            bans: Arc::default(),
            notices: watch::Sender::new(Arc::from("")),
            drain: CancellationToken::new(),
            started: Instant::now(),
        }
    }

    /// The ban table (sessions check it at `Hello`).
    pub fn bans(&self) -> &Arc<Bans> {
        &self.bans
    }

    /// Notices to every player: `changed()` fires for each new one.
    pub fn notices(&self) -> watch::Receiver<Arc<str>> {
        self.notices.subscribe()
    }

    /// Completes once an operator asks for the drain.
    pub async fn drain_requested(&self) {
        self.drain.cancelled().await;
    }

    /// Whether the game port serves `/admin`.
    pub fn on_game_port(&self) -> bool {
        self.config.as_ref().is_some_and(|c| c.bind.is_none())
    }
}
