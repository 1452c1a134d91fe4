//! Server configuration: built-in defaults, overridden by an optional TOML
//! file (`--config PATH`), overridden by command-line flags. Every field is
//! a limit or a rate with its default documented here and in the README;
//! `assets/rallypoint.toml` lists them all with their defaults.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::admin::AdminConfig;
use crate::auth::AuthConfig;
use crate::proxy::TrustedProxies;
use crate::tls::TlsConfig;

mod cli;
pub use cli::Cli;

/// Lowest and highest accepted tick rates.
pub const TICK_HZ_RANGE: std::ops::RangeInclusive<u16> = 1..=128;

/// The largest lobby a client may create. Default: 255, the most
/// `max_players` (a `u8`) can say. Every member's snapshot is encoded each
/// tick, so this caps one lobby's per-tick cost: with interest management a
/// 256-player tick (step and every snapshot) measures about 1.3 ms in the
/// `replication` bench, well inside a 33 ms tick. Big lobbies want a map
/// with a view distance that is small next to the map (like `large`).
pub const MAX_PLAYERS_LIMIT: u8 = 255;

/// Validated server settings. Serialized (for `GET /admin/api/node`) with
/// every secret redacted (see `admin::redact`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on. Default: 127.0.0.1:7000 (loopback only; use
    /// 0.0.0.0:7000 to accept remote players).
    pub bind: SocketAddr,
    /// Simulation ticks per second of every lobby, 1 to 128. Default: 30.
    pub tick_hz: u16,
    /// Snapshots per second each member is sent, 1 to `tick_hz`. Default:
    /// unset, meaning `tick_hz` (one per tick). Lower rates (like Source's
    /// `cl_updaterate` or Colyseus's `patchRate`) send a snapshot every few
    /// ticks; each is still a delta against the member's acknowledged
    /// baseline, so nothing is lost, and every message and write saved is
    /// server CPU saved.
    pub snapshot_hz: Option<u16>,
    /// Open TCP connections (WebSocket or plain HTTP) at once. Default: 4096.
    /// Beyond it a new connection gets `503` and is closed.
    pub max_connections: usize,
    /// Lobbies at once. Default: 256. Beyond it, creating one fails with
    /// `TooManyLobbies`.
    pub max_lobbies: usize,
    /// Size of lobbies made by quick-join. Default: 16.
    pub quick_join_players: u8,
    /// How long an empty lobby lives before it is removed. Default: 30 s.
    pub lobby_idle_secs: u64,
    /// How long the writer waits on a socket that accepts no bytes before it
    /// gives up on the client. Default: 10 s.
    pub write_timeout_secs: u64,
    /// Each game's own settings, by game name: the `[games.NAME]` tables of
    /// the file (arena: `[games.arena]`, with its `map` and `[games.arena.rules]`).
    /// The engine only carries them; the server binary hands each to its
    /// game, which refuses keys it does not know. A table may say
    /// `enabled = false` to leave that game out. Default: empty, every
    /// game with its defaults.
    pub games: toml::Table,
    /// Open connections from one IP address. Default: 128, room for a LAN
    /// party or a campus NAT, not for one host hogging the server. Load
    /// tests from loopback raise it.
    pub max_connections_per_ip: usize,
    /// Browser `Origin`s allowed to open a WebSocket. Default: empty, which
    /// allows any origin. Requests without an `Origin` header (native
    /// clients, bots) are always allowed; a listed origin's page is the only
    /// one that can make a visitor's browser connect.
    pub allowed_origins: Vec<String>,
    /// Seconds a new connection has to send `Hello` (or `Resume`). Default: 5.
    pub hello_timeout_secs: u64,
    /// Seconds between the server's WebSocket pings. Default: 2.
    pub ping_interval_secs: u64,
    /// Seconds after which a client that has sent nothing, or has left a
    /// ping unanswered, is disconnected and its seat held for resume.
    /// Default: 8, so a dead peer goes within 8 s of its last frame and one
    /// that stopped reading within 10 s (ping interval + this) (Nakama:
    /// ping every 15 s, pong wait 25 s).
    pub peer_timeout_secs: u64,
    /// Seconds a dropped session keeps its seat, entity and score for a
    /// `Resume`. Default: 20 (Colyseus leaves it to each room).
    pub resume_grace_secs: u16,
    /// Frames per second a connection may send, sustained. Default: 150,
    /// enough for inputs at the highest tick rate (128 Hz) plus pings.
    pub rate_limit_per_sec: u32,
    /// Frames a connection may send in a burst above the sustained rate.
    /// Default: 300 (two seconds at the rate), for bunched-up inputs after
    /// a network stall.
    pub rate_limit_burst: u32,
    /// Seconds shutdown waits for players to leave before closing them with
    /// 1001. Default: 30.
    pub drain_secs: u16,
    /// Wake lobbies on a Linux `timerfd` at their exact tick deadlines,
    /// rather than on tokio's timer, which rounds every deadline up to the
    /// next millisecond (see `lobby::timer`). Default: true. Tests on
    /// tokio's paused clock turn it off; it has no effect off Linux.
    pub precise_timer: bool,
    /// The fleet's Redis directory (`redis://host:port`). Default: none: the
    /// node runs alone. See `fleet`.
    #[serde(serialize_with = "crate::admin::redact::url")]
    pub redis_url: Option<String>,
    /// The WebSocket URL players reach this node at, published to the
    /// fleet. Default: `ws://{bind}/ws` (`wss://` with `tls`).
    pub public_url: Option<String>,
    /// This node's id in the fleet. Default: a random one at each start.
    pub node_id: Option<String>,
    /// Seconds this node's keys in the directory live without a heartbeat.
    /// Default: 5 (`fleet::DEFAULT_NODE_TTL_SECS`).
    pub node_ttl_secs: u64,
    /// The key every node of the fleet signs join tickets with: required
    /// with `redis_url`, at least [`MIN_FLEET_SECRET_BYTES`] bytes; the
    /// same on every node. Also read from `RALLYPOINT_FLEET_SECRET`, which
    /// keeps it off the command line. Default: none.
    #[serde(serialize_with = "crate::admin::redact::secret")]
    pub fleet_secret: Option<String>,
    /// Seconds a join ticket, and the seat it holds, lasts. Default: 10
    /// (`fleet::DEFAULT_TICKET_SECS`).
    pub ticket_secs: u64,
    /// Run as an Agones GameServer: `Ready` once listening, health pings
    /// while the ticks run on time, the `players` and `lobbies` Counters,
    /// a label per lobby, and `Shutdown` after the drain (see `agones`).
    /// Needs a server built with `--features agones`. Default: false.
    pub agones: bool,
    /// The Agones SDK server's gRPC port. Default: unset, meaning
    /// `AGONES_SDK_GRPC_PORT` (Agones sets it in the pod), else 9357, as
    /// the `agones` crate does.
    pub agones_sdk_port: Option<u16>,
    /// Player authentication: `Hello` must carry a session token (a JWT)
    /// from the game's backend; see [`crate::auth`]. Default: none, every
    /// player is welcome under the name it gives.
    pub auth: Option<AuthConfig>,
    /// The proxies and load balancers allowed to say who their clients
    /// are: IP addresses or CIDR networks. A connection from one of them
    /// is known by the client its PROXY header (with `proxy_protocol`) or
    /// its requests' `Forwarded` / `X-Forwarded-For` headers name, and the
    /// per-IP cap counts that client (see `proxy`). Default: empty, no one:
    /// every connection is its TCP peer and such headers are ignored.
    pub trusted_proxies: TrustedProxies,
    /// Read a PROXY protocol v2 header at the start of every connection
    /// from a trusted proxy (and require it: such a connection without one
    /// is closed). Connections from other peers never may send one.
    /// Default: false.
    pub proxy_protocol: bool,
    /// The admin API (`[admin]`: tokens, and optionally its own `bind`);
    /// see [`crate::admin`]. Default: none, no admin API.
    pub admin: Option<AdminConfig>,
    /// Serve `https` and `wss` with this certificate and key (PEM files),
    /// loaded at start; see [`crate::tls`]. Default: none, plain `http`
    /// and `ws` (TLS at a proxy, or none).
    pub tls: Option<TlsConfig>,
}

/// The shortest fleet secret a node accepts. Default: 16 bytes (128 bits
/// if random).
pub const MIN_FLEET_SECRET_BYTES: usize = 16;

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 7000)),
            tick_hz: 30,
            snapshot_hz: None,
            max_connections: 4096,
            max_lobbies: 256,
            quick_join_players: 16,
            lobby_idle_secs: 30,
            write_timeout_secs: 10,
            games: toml::Table::new(),
            max_connections_per_ip: 128,
            allowed_origins: Vec::new(),
            hello_timeout_secs: 5,
            ping_interval_secs: 2,
            peer_timeout_secs: 8,
            resume_grace_secs: 20,
            rate_limit_per_sec: 150,
            rate_limit_burst: 300,
            drain_secs: 30,
            precise_timer: true,
            redis_url: None,
            public_url: None,
            node_id: None,
            node_ttl_secs: crate::fleet::DEFAULT_NODE_TTL_SECS,
            fleet_secret: None,
            ticket_secs: crate::fleet::DEFAULT_TICKET_SECS,
            agones: false,
            agones_sdk_port: None,
            auth: None,
            trusted_proxies: TrustedProxies::default(),
            proxy_protocol: false,
            admin: None,
            tls: None,
        }
    }
}

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {source}")]
    Parse {
        path: PathBuf,
        source: toml::de::Error,
    },
    #[error("{0}")]
    Invalid(String),
}

impl Config {
    /// Parses a TOML document; missing keys keep their defaults.
    pub fn from_toml_str(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|source| ConfigError::Parse {
            path: path.to_owned(),
            source,
        })?;
        config.validate()
    }

    /// Checks every field's range.
    pub fn validate(self) -> Result<Self, ConfigError> {
        let invalid = |m: String| Err(ConfigError::Invalid(m));
        if !TICK_HZ_RANGE.contains(&self.tick_hz) {
            return invalid(format!("tick_hz must be 1 to 128, got {}", self.tick_hz));
        }
        if let Some(hz) = self.snapshot_hz
            && !(1..=self.tick_hz).contains(&hz)
        {
            return invalid(format!(
                "snapshot_hz must be 1 to tick_hz ({}), got {hz}",
                self.tick_hz
            ));
        }
        if self.max_connections == 0 || self.max_lobbies == 0 {
            return invalid("max_connections and max_lobbies must be at least 1".into());
        }
        if !(2..=MAX_PLAYERS_LIMIT).contains(&self.quick_join_players) {
            return invalid(format!(
                "quick_join_players must be 2 to {MAX_PLAYERS_LIMIT}, got {}",
                self.quick_join_players
            ));
        }
        let at_least_one = [
            ("write_timeout_secs", self.write_timeout_secs),
            ("hello_timeout_secs", self.hello_timeout_secs),
            ("ping_interval_secs", self.ping_interval_secs),
            ("peer_timeout_secs", self.peer_timeout_secs),
            ("max_connections_per_ip", self.max_connections_per_ip as u64),
            ("rate_limit_burst", u64::from(self.rate_limit_burst)),
            ("node_ttl_secs", self.node_ttl_secs),
            ("ticket_secs", self.ticket_secs),
        ];
        if let Some((name, _)) = at_least_one.iter().find(|(_, v)| *v == 0) {
            return invalid(format!("{name} must be at least 1"));
        }
        if self.redis_url.is_some() {
            match &self.fleet_secret {
                None => {
                    return invalid(
                        "redis_url needs fleet_secret (or RALLYPOINT_FLEET_SECRET): the nodes sign join tickets with it".into(),
                    );
                }
                Some(secret) if secret.len() < MIN_FLEET_SECRET_BYTES => {
                    return invalid(format!(
                        "fleet_secret must be at least {MIN_FLEET_SECRET_BYTES} bytes, got {}",
                        secret.len()
                    ));
                }
                Some(_) => {}
            }
        }
        if self.agones && !cfg!(feature = "agones") {
            return invalid("agones needs a server built with `--features agones`".into());
        }
        if self.proxy_protocol && self.trusted_proxies.is_empty() {
            return invalid(
                "proxy_protocol needs trusted_proxies: only a trusted proxy may send the header"
                    .into(),
            );
        }
        if self.ping_interval_secs >= self.peer_timeout_secs {
            return invalid("ping_interval_secs must be below peer_timeout_secs".into());
        }
        if let Some((name, _)) = self.games.iter().find(|(_, v)| !v.is_table()) {
            return invalid(format!(
                "games.{name} must be a table of that game's settings"
            ));
        }
        if let Some(admin) = &self.admin {
            admin.validate().map_err(ConfigError::Invalid)?;
        }
        if self.rate_limit_per_sec < u32::from(self.tick_hz) + 2 {
            return invalid(format!(
                "rate_limit_per_sec ({}) must exceed tick_hz ({}) + 2: clients send an input every tick",
                self.rate_limit_per_sec, self.tick_hz
            ));
        }
        Ok(self)
    }

    pub fn lobby_idle(&self) -> Duration {
        Duration::from_secs(self.lobby_idle_secs)
    }

    pub fn write_timeout(&self) -> Duration {
        Duration::from_secs(self.write_timeout_secs)
    }

    pub fn hello_timeout(&self) -> Duration {
        Duration::from_secs(self.hello_timeout_secs)
    }

    pub fn ping_interval(&self) -> Duration {
        Duration::from_secs(self.ping_interval_secs)
    }

    pub fn peer_timeout(&self) -> Duration {
        Duration::from_secs(self.peer_timeout_secs)
    }

    pub fn resume_grace(&self) -> Duration {
        Duration::from_secs(self.resume_grace_secs.into())
    }

    pub fn drain(&self) -> Duration {
        Duration::from_secs(self.drain_secs.into())
    }

    /// Snapshots per second: `snapshot_hz`, or the tick rate when unset.
    pub fn snapshot_hz(&self) -> u16 {
        self.snapshot_hz.unwrap_or(self.tick_hz)
    }

    pub fn tick_period(&self) -> Duration {
        Duration::from_secs(1) / u32::from(self.tick_hz)
    }

    /// The URL players reach this node at: `public_url`, or
    /// `ws://{bind}/ws` (`wss://` with `[tls]`).
    pub fn public_url(&self) -> String {
        let scheme = if self.tls.is_some() { "wss" } else { "ws" };
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("{scheme}://{}/ws", self.bind))
    }
}

#[cfg(test)]
mod tests;
