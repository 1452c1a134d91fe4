//! What a run is asked to do, and the checks that turn a request into
//! something safe to start: the options struct with its defaults and the
//! typed [`RunError`] for everything refused before the first connect. The
//! URLs and their loopback-only rule are in [`crate::target`].

use std::time::Duration;

use rallypoint_shared::MAX_INPUTS_PER_MESSAGE;

use crate::auth::BotAuth;
pub use crate::games::GameName;
use crate::link::{LinkError, LinkOptions};
pub use crate::server_metrics::ServerMetrics;
pub use crate::target::{Target, is_loopback_host, parse_target};

/// How bots find their lobbies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LobbyMode {
    /// Groups of `size` consecutive bots: each group's first bot creates a
    /// private lobby with `max_players = size` and hands its join code to the
    /// others in-process, which join by code.
    Groups { size: u8 },
    /// Every bot sends `QuickJoin`.
    QuickJoin,
    /// Every bot joins this one code (e.g. to fill a person's private lobby).
    Code(String),
}

/// Everything a run needs. `Default` is a small local run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The server's WebSocket endpoint. Default: `ws://127.0.0.1:7000/ws`.
    pub url: String,
    /// The game the bots play. Default: [`GameName::Arena`].
    pub game: GameName,
    /// Permit a host that is not loopback (see the module docs for why this
    /// is off). Default: `false`.
    pub allow_remote: bool,
    /// How many bots. Default: 16.
    pub bots: u32,
    /// How long each bot lives, counted from its scheduled connect, before it
    /// leaves. Default: 10 s.
    pub duration: Duration,
    /// How bots find lobbies. Default: groups of 16 (arena's default;
    /// the binary's `--lobby-size` defaults to the game's,
    /// [`GameName::default_lobby_size`]).
    pub lobby: LobbyMode,
    /// Seed of every bot's input generator (bot `i` uses stream `i`) and
    /// chaos schedule.
    /// Default: 1.
    pub seed: u64,
    /// The window over which connects are spread evenly. Default: `None`,
    /// meaning [`DEFAULT_RAMP_PER_BOT`] per bot.
    pub ramp: Option<Duration>,
    /// Show live counters on stderr (hidden anyway when stderr is not a
    /// terminal). Default: `false`.
    pub progress: bool,
    /// Chaos: each bot drops its connection abruptly at random moments
    /// while in its lobby, this many times per minute on average, and
    /// resumes its session at once (see [`crate::chaos`]). Default: `None`
    /// (off); the flag's default rate is [`DEFAULT_CHAOS_PER_MIN`].
    pub chaos: Option<f64>,
    /// The link conditioner on every bot's traffic (see [`crate::link`]).
    /// Default: off.
    pub link: LinkOptions,
    /// Inputs per message, 1 to [`MAX_INPUTS_PER_MESSAGE`]: a bot still
    /// samples one input per tick, but sends them this many at a time in
    /// one `Inputs` message (1: each in its own `Input`). Default: 1.
    pub input_batch: u8,
    /// Idle bots: each connects, says `Hello`, gets `Welcome` and stays in
    /// the menu until its duration ends, answering the server's pings and
    /// sending nothing else (no lobby, no inputs, no pings of its own),
    /// then closes. For measuring what an idle connection costs the
    /// server. Default: `false`.
    pub idle: bool,
    /// Where to read the server's Prometheus metrics for the report's
    /// `server` section. Default: [`ServerMetrics::Auto`] (`/metrics` on
    /// the game server's host and port, when that is loopback).
    pub server_metrics: ServerMetrics,
    /// Session tokens for a server with authentication on: each bot mints
    /// its own (see [`crate::auth`]). Default: `None`, no token.
    pub auth: Option<BotAuth>,
    /// A PEM file of CA certificates trusted for `wss://` URLs, besides
    /// the Mozilla roots of webpki-roots (see [`crate::tls`]). Default:
    /// `None`, those roots only.
    pub ca: Option<std::path::PathBuf>,
}

/// The ramp per bot when none is given: 2 ms, i.e. 500 connects a second,
/// which a server accepts without a burst of its own making while a run of
/// a few thousand bots is still up within seconds.
pub const DEFAULT_RAMP_PER_BOT: Duration = Duration::from_millis(2);

/// The most bots one run accepts. Default: 100 000; beyond that one loopback
/// address runs out of ephemeral ports anyway.
pub const MAX_BOTS: u32 = 100_000;

/// Drops per bot per minute for `--chaos` given without a rate: 2, so a
/// 60 s run of 300 bots resumes about 600 sessions while each bot still
/// spends nearly all its time playing.
pub const DEFAULT_CHAOS_PER_MIN: f64 = 2.0;

/// The highest chaos rate accepted: 600 drops per bot per minute (10 a
/// second). A resume on loopback takes milliseconds, so even this leaves
/// bots mostly connected; beyond it a run measures reconnects, not play.
pub const MAX_CHAOS_PER_MIN: f64 = 600.0;

/// The longest run accepted: one day, so an arithmetic slip in a script does
/// not start a run that never ends.
pub const MAX_DURATION: Duration = Duration::from_secs(24 * 60 * 60);

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            url: "ws://127.0.0.1:7000/ws".to_owned(),
            game: GameName::Arena,
            allow_remote: false,
            bots: 16,
            duration: Duration::from_secs(10),
            lobby: LobbyMode::Groups { size: 16 },
            seed: 1,
            ramp: None,
            progress: false,
            chaos: None,
            link: LinkOptions::default(),
            input_batch: 1,
            idle: false,
            server_metrics: ServerMetrics::Auto,
            auth: None,
            ca: None,
        }
    }
}

/// Why a run could not start. Everything after the start is a per-bot
/// outcome in the report, not an error.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("invalid url {url:?}: {reason}")]
    InvalidUrl { url: String, reason: &'static str },
    #[error(
        "refusing host {host:?}: load tests target this machine only \
         (loopback addresses or localhost); pass --allow-remote to override"
    )]
    RemoteHost { host: String },
    #[error("cannot resolve {host:?}: {source}")]
    Resolve {
        host: String,
        #[source]
        source: std::io::Error,
    },
    #[error("bots must be between 1 and {MAX_BOTS}, got {0}")]
    BotCount(u32),
    #[error("duration must be positive and at most one day, got {0:?}")]
    Duration(Duration),
    #[error("ramp must be at most one day, got {0:?}")]
    Ramp(Duration),
    #[error("lobby size must be at least 1")]
    LobbySize,
    #[error("a {game} lobby seats at most {seats} players, so --lobby-size {size} cannot fill it")]
    TooManySeats {
        game: &'static str,
        seats: u8,
        size: u8,
    },
    #[error("join code must not be empty")]
    EmptyJoinCode,
    #[error("chaos rate must be more than 0 and at most {MAX_CHAOS_PER_MIN} per minute, got {0}")]
    ChaosRate(f64),
    #[error("link conditioner: {0}")]
    Link(#[from] LinkError),
    #[error("input batch must be 1 to {MAX_INPUTS_PER_MESSAGE} inputs per message, got {0}")]
    InputBatch(u8),
    #[error("idle bots never join a lobby, so chaos (which drops lobby sessions) cannot apply")]
    IdleChaos,
    #[error("{0}")]
    Ca(#[from] crate::tls::CaError),
}

impl RunOptions {
    /// Checks every field and parses the URL; the run starts only if this
    /// passes.
    pub fn validate(&self) -> Result<Target, RunError> {
        if self.bots == 0 || self.bots > MAX_BOTS {
            return Err(RunError::BotCount(self.bots));
        }
        if self.duration.is_zero() || self.duration > MAX_DURATION {
            return Err(RunError::Duration(self.duration));
        }
        if let Some(ramp) = self.ramp
            && ramp > MAX_DURATION
        {
            return Err(RunError::Ramp(ramp));
        }
        match &self.lobby {
            LobbyMode::Groups { size: 0 } => return Err(RunError::LobbySize),
            &LobbyMode::Groups { size } if self.game.max_seats().is_some_and(|s| size > s) => {
                return Err(RunError::TooManySeats {
                    game: self.game.name(),
                    seats: self.game.max_seats().unwrap_or(size),
                    size,
                });
            }
            LobbyMode::Code(code) if code.trim().is_empty() => {
                return Err(RunError::EmptyJoinCode);
            }
            _ => {}
        }
        if let Some(rate) = self.chaos
            && !(rate > 0.0 && rate <= MAX_CHAOS_PER_MIN)
        {
            return Err(RunError::ChaosRate(rate));
        }
        if !(1..=MAX_INPUTS_PER_MESSAGE).contains(&usize::from(self.input_batch)) {
            return Err(RunError::InputBatch(self.input_batch));
        }
        if self.idle && self.chaos.is_some() {
            return Err(RunError::IdleChaos);
        }
        self.link.validate()?;
        if let ServerMetrics::Url(url) = &self.server_metrics {
            crate::target::parse_http_target(url, self.allow_remote)?;
        }
        parse_target(&self.url, self.allow_remote)
    }

    /// The connect window actually used.
    pub fn ramp_window(&self) -> Duration {
        self.ramp.unwrap_or(DEFAULT_RAMP_PER_BOT * self.bots)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_fields() {
        let ok = RunOptions::default();
        assert!(ok.validate().is_ok());
        let bad = |f: fn(&mut RunOptions)| {
            let mut o = RunOptions::default();
            f(&mut o);
            o.validate().unwrap_err()
        };
        assert!(matches!(bad(|o| o.bots = 0), RunError::BotCount(0)));
        assert!(matches!(
            bad(|o| o.duration = Duration::ZERO),
            RunError::Duration(_)
        ));
        assert!(matches!(
            bad(|o| o.lobby = LobbyMode::Groups { size: 0 }),
            RunError::LobbySize
        ));
        assert!(matches!(
            bad(|o| {
                o.game = GameName::Four;
                o.lobby = LobbyMode::Groups { size: 3 };
            }),
            RunError::TooManySeats { seats: 2, .. }
        ));
        let four = RunOptions {
            game: GameName::Four,
            lobby: LobbyMode::Groups { size: 2 },
            ..RunOptions::default()
        };
        assert!(four.validate().is_ok());
        assert!(matches!(
            bad(|o| o.lobby = LobbyMode::Code(" ".into())),
            RunError::EmptyJoinCode
        ));
        let chaos = |rate| RunOptions {
            chaos: Some(rate),
            ..RunOptions::default()
        };
        for rate in [0.0, -1.0, f64::NAN, f64::INFINITY, MAX_CHAOS_PER_MIN + 1.0] {
            assert!(
                matches!(chaos(rate).validate(), Err(RunError::ChaosRate(_))),
                "{rate}"
            );
        }
        assert!(chaos(DEFAULT_CHAOS_PER_MIN).validate().is_ok());
        let batch = |input_batch| RunOptions {
            input_batch,
            ..RunOptions::default()
        };
        for k in [0, MAX_INPUTS_PER_MESSAGE as u8 + 1, u8::MAX] {
            assert!(
                matches!(batch(k).validate(), Err(RunError::InputBatch(_))),
                "{k}"
            );
        }
        assert!(batch(1).validate().is_ok());
        assert!(batch(MAX_INPUTS_PER_MESSAGE as u8).validate().is_ok());
        let idle = |chaos| RunOptions {
            idle: true,
            chaos,
            ..RunOptions::default()
        };
        assert!(idle(None).validate().is_ok());
        assert!(matches!(
            idle(Some(2.0)).validate(),
            Err(RunError::IdleChaos)
        ));
        let metrics = |url: &str| RunOptions {
            server_metrics: ServerMetrics::Url(url.into()),
            ..RunOptions::default()
        };
        assert!(metrics("http://127.0.0.1:9/metrics").validate().is_ok());
        assert!(matches!(
            metrics("ws://127.0.0.1:9/metrics").validate(),
            Err(RunError::InvalidUrl { .. })
        ));
        assert!(matches!(
            metrics("http://example.com/metrics").validate(),
            Err(RunError::RemoteHost { .. })
        ));
    }

    #[test]
    fn default_ramp_scales_with_bots() {
        let o = RunOptions {
            bots: 500,
            ..RunOptions::default()
        };
        assert_eq!(o.ramp_window(), Duration::from_secs(1));
        let o = RunOptions {
            ramp: Some(Duration::from_millis(7)),
            ..o
        };
        assert_eq!(o.ramp_window(), Duration::from_millis(7));
    }
}
