//! Command-line flags, and how they override the config file.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

use super::{Config, ConfigError};
use crate::admin::{AdminConfig, AdminToken};
use crate::auth::AuthConfig;
use crate::proxy::TrustedProxies;
use crate::tls::TlsConfig;

/// Command-line flags. Each one, when given, overrides the config file.
#[derive(Debug, Parser)]
#[command(
    name = "rallypoint-server",
    version,
    about = "Rallypoint authoritative game server"
)]
pub struct Cli {
    /// TOML config file; see assets/rallypoint.toml for every key.
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:7000].
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<SocketAddr>,
    /// Simulation ticks per second, 1 to 128 [default: 30].
    #[arg(long, value_name = "HZ")]
    pub tick_hz: Option<u16>,
    /// Snapshots per second to each client, 1 to the tick rate [default: the tick rate].
    #[arg(long, value_name = "HZ")]
    pub snapshot_hz: Option<u16>,
    /// Maximum open connections [default: 4096].
    #[arg(long, value_name = "N")]
    pub max_connections: Option<usize>,
    /// Maximum lobbies [default: 256].
    #[arg(long, value_name = "N")]
    pub max_lobbies: Option<usize>,
    /// Maximum open connections from one IP address [default: 128].
    #[arg(long, value_name = "N")]
    pub max_connections_per_ip: Option<usize>,
    /// Allow WebSockets from this browser Origin (repeatable) [default: any].
    #[arg(long = "allowed-origin", value_name = "ORIGIN")]
    pub allowed_origins: Vec<String>,
    /// Seconds a new connection has to send Hello [default: 5].
    #[arg(long, value_name = "SECS")]
    pub hello_timeout_secs: Option<u64>,
    /// Seconds between WebSocket pings [default: 2].
    #[arg(long, value_name = "SECS")]
    pub ping_interval_secs: Option<u64>,
    /// Seconds of silence or an unanswered ping before a client is dropped [default: 8].
    #[arg(long, value_name = "SECS")]
    pub peer_timeout_secs: Option<u64>,
    /// Seconds a dropped session can be resumed [default: 20].
    #[arg(long, value_name = "SECS")]
    pub resume_grace_secs: Option<u16>,
    /// Frames per second a connection may send, sustained [default: 150].
    #[arg(long, value_name = "N")]
    pub rate_limit_per_sec: Option<u32>,
    /// Frames a connection may send in a burst [default: 300].
    #[arg(long, value_name = "N")]
    pub rate_limit_burst: Option<u32>,
    /// Seconds shutdown waits for players to leave [default: 30].
    #[arg(long, value_name = "SECS")]
    pub drain_secs: Option<u16>,
    /// Seconds a socket may accept no bytes before its client is dropped [default: 10].
    #[arg(long, value_name = "SECS")]
    pub write_timeout_secs: Option<u64>,
    /// Join the fleet whose lobby directory is this Redis [default: none, alone]
    #[arg(long = "redis", value_name = "URL")]
    pub redis_url: Option<String>,
    /// The WebSocket URL players reach this node at [default: ws://BIND/ws]
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// This node's id in the fleet [default: random]
    #[arg(long, value_name = "ID")]
    pub node_id: Option<String>,
    /// Seconds a join ticket, and the seat it holds, lasts [default: 10]
    #[arg(long, value_name = "SECS")]
    pub ticket_secs: Option<u64>,
    /// The key the fleet signs join tickets with (required with --redis)
    #[arg(
        long,
        value_name = "KEY",
        env = "RALLYPOINT_FLEET_SECRET",
        hide_env_values = true
    )]
    pub fleet_secret: Option<String>,
    /// Run as an Agones GameServer (needs a build with --features agones) [default: off]
    #[arg(long)]
    pub agones: bool,
    /// The Agones SDK server's gRPC port [default: AGONES_SDK_GRPC_PORT, else 9357]
    #[arg(long, value_name = "PORT")]
    pub agones_sdk_port: Option<u16>,
    /// Turn authentication on with this HS256 secret (at least 32 bytes) shared with the game's backend
    #[arg(
        long,
        value_name = "SECRET",
        env = "RALLYPOINT_AUTH_SECRET",
        hide_env_values = true
    )]
    pub auth_secret: Option<String>,
    /// Turn authentication on with the backend's public key (PEM), for EdDSA or RS256 tokens
    #[arg(long, value_name = "PATH")]
    pub auth_public_key: Option<PathBuf>,
    /// The algorithm of the tokens: HS256, EdDSA or RS256 [default: HS256 with a secret, EdDSA with a key]
    #[arg(long, value_name = "ALG")]
    pub auth_algorithm: Option<String>,
    /// Refuse tokens whose `aud` does not contain this [default: aud not checked]
    #[arg(long, value_name = "AUD")]
    pub auth_audience: Option<String>,
    /// Trust this proxy's word on who its clients are: an IP or a CIDR network (repeatable) [default: none]
    #[arg(long = "trusted-proxy", value_name = "CIDR", value_parser = crate::proxy::parse_net)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Read a PROXY protocol v2 header from trusted proxies [default: off]
    #[arg(long)]
    pub proxy_protocol: bool,
    /// Turn the admin API on with this token, NAME:ROLE:TOKEN, ROLE read or full, TOKEN at least 32 bytes (repeatable)
    #[arg(
        long = "admin-token",
        value_name = "NAME:ROLE:TOKEN",
        env = "RALLYPOINT_ADMIN_TOKENS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub admin_tokens: Vec<String>,
    /// Serve the admin API on this address only, not on the game port [default: on the game port]
    #[arg(long, value_name = "ADDR")]
    pub admin_bind: Option<SocketAddr>,
    /// The URL other nodes reach this node's admin API at [default: http://ADMIN_BIND or http://BIND]
    #[arg(long, value_name = "URL")]
    pub admin_url: Option<String>,
    /// Serve https and wss with this certificate chain (PEM; needs --tls-key) [default: no TLS]
    #[arg(long, value_name = "PATH", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert
    #[arg(long, value_name = "PATH", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

impl Cli {
    /// Defaults, then the config file, then the flags.
    pub fn into_config(self) -> Result<Config, ConfigError> {
        let mut config = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.clone(),
                    source,
                })?;
                Config::from_toml_str(&text, path)?
            }
            None => Config::default(),
        };
        // Each flag given replaces the file's (or default) value.
        macro_rules! override_with_flags {
            ($($field:ident),*) => {
                $(if let Some(v) = self.$field {
                    config.$field = v;
                })*
            };
        }
        override_with_flags!(
            bind,
            tick_hz,
            max_connections,
            max_lobbies,
            max_connections_per_ip,
            hello_timeout_secs,
            ping_interval_secs,
            peer_timeout_secs,
            write_timeout_secs,
            ticket_secs,
            resume_grace_secs,
            rate_limit_per_sec,
            rate_limit_burst,
            drain_secs
        );
        if self.snapshot_hz.is_some() {
            config.snapshot_hz = self.snapshot_hz;
        }
        if !self.allowed_origins.is_empty() {
            config.allowed_origins = self.allowed_origins;
        }
        for (flag, field) in [
            (self.redis_url, &mut config.redis_url),
            (self.public_url, &mut config.public_url),
            (self.node_id, &mut config.node_id),
            (self.fleet_secret, &mut config.fleet_secret),
        ] {
            if flag.is_some() {
                *field = flag;
            }
        }
        // Agones: the flag turns it on; it never turns the file's off.
        config.agones |= self.agones;
        if !self.trusted_proxies.is_empty() {
            config.trusted_proxies = TrustedProxies::new(self.trusted_proxies);
        }
        config.proxy_protocol |= self.proxy_protocol;
        if let (Some(cert), Some(key)) = (self.tls_cert, self.tls_key) {
            config.tls = Some(TlsConfig { cert, key });
        }
        if self.agones_sdk_port.is_some() {
            config.agones_sdk_port = self.agones_sdk_port;
        }
        // Auth: any auth flag turns it on; each one given replaces the
        // file's value. A secret from the flags replaces a file's key.
        let flags = (
            self.auth_secret,
            self.auth_public_key,
            self.auth_algorithm,
            self.auth_audience,
        );
        if flags != (None, None, None, None) {
            let auth = config.auth.get_or_insert_with(AuthConfig::default);
            let (secret, public_key, algorithm, audience) = flags;
            if secret.is_some() {
                auth.secret = secret;
                auth.public_key = None;
            } else if public_key.is_some() {
                auth.public_key = public_key;
                auth.secret = None;
            }
            auth.algorithm = algorithm.or(auth.algorithm.take());
            auth.audience = audience.or(auth.audience.take());
        }
        // Admin: any admin flag turns it on; flag tokens come after the
        // file's.
        if !self.admin_tokens.is_empty() || self.admin_bind.is_some() || self.admin_url.is_some() {
            let admin = config.admin.get_or_insert_with(AdminConfig::default);
            for flag in &self.admin_tokens {
                admin
                    .tokens
                    .push(AdminToken::parse_flag(flag).map_err(ConfigError::Invalid)?);
            }
            admin.bind = self.admin_bind.or(admin.bind);
            admin.url = self.admin_url.or(admin.url.take());
        }
        config.validate()
    }
}
