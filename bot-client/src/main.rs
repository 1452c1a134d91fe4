//! `rallypoint-bots`: parses flags into `RunOptions`, installs tracing,
//! runs the bots on a current-thread runtime and prints the report (and
//! writes it as JSON with `--json`). Exit code: 0 when every bot passed,
//! 1 when any bot failed or got no snapshots, 2 when the run could not start
//! or the JSON report could not be written (the text report is printed
//! first either way).
//!
//! The runtime is single-threaded on purpose: load tests target this machine,
//! so the bots share it with the server under test, and one thread caps the
//! load generator at one core and leaves the rest to the server. It also
//! keeps every bot's timestamps on one clock thread, with no cross-core
//! wakeups in the numbers.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use rallypoint_bot_client::auth::{BotAuth, MIN_SECRET_BYTES};
use rallypoint_bot_client::link::{LinkOptions, Stall};
use rallypoint_bot_client::options::{MAX_BOTS, MAX_CHAOS_PER_MIN, MAX_DURATION};
use rallypoint_bot_client::{GameName, LobbyMode, Report, RunOptions, ServerMetrics, run};
use rallypoint_shared::MAX_INPUTS_PER_MESSAGE;
use tracing_subscriber::EnvFilter;

/// Rallypoint load-test bots: connect N bots, fill lobbies, play, report.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// The server's WebSocket endpoint: ws://, or wss:// for a server
    /// serving TLS (default port 443).
    #[arg(long, default_value = "ws://127.0.0.1:7000/ws")]
    url: String,
    /// Also trust the CA certificates in this PEM file for wss:// [default:
    /// the Mozilla roots built into the bots (webpki-roots) only].
    #[arg(long, value_name = "PATH")]
    ca: Option<std::path::PathBuf>,
    /// Allow a host that is not loopback.
    ///
    /// Off by default: a load generator aimed at another machine is a
    /// denial-of-service tool, and its numbers would measure the network as
    /// much as the server.
    #[arg(long)]
    allow_remote: bool,
    /// The game the bots play: arena (wander, fire, predict) or four (four
    /// in a row: a move on each turn, then a rematch).
    #[arg(long, value_name = "GAME", default_value = "arena", value_parser = parse_game)]
    game: GameName,
    /// Number of bots.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_BOTS)))]
    bots: u32,
    /// Seconds each bot lives, from its connect, before it leaves.
    #[arg(long, value_name = "SECS", default_value = "10", value_parser = parse_secs)]
    duration: Duration,
    /// Bots per lobby [default: the game's seats: 16 for arena, 2 for four].
    ///
    /// Each group of K bots has its first bot create a private lobby for K
    /// players and hand the join code to the others, which join by code.
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u8).range(1..),
          conflicts_with_all = ["join", "quick_join"])]
    lobby_size: Option<u8>,
    /// Seed of the bots' input generators (bot i uses stream i) and of
    /// their chaos drops.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Write the report as JSON to this file.
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    /// Spread the connects evenly over this many milliseconds
    /// [default: 2 per bot].
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(..=MAX_DURATION.as_millis() as u64))]
    ramp_ms: Option<u64>,
    /// Every bot joins this join code (e.g. to fill a person's private lobby).
    #[arg(long, value_name = "CODE", conflicts_with = "quick_join")]
    join: Option<String>,
    /// Every bot sends QuickJoin instead of forming its own lobbies.
    #[arg(long)]
    quick_join: bool,
    /// Chaos: while in its lobby, each bot drops its TCP connection (no
    /// close frame) at random moments, RATE times per minute on average,
    /// reconnects at once and resumes its session. Without RATE: 2.
    ///
    /// Every resume must keep the player, lobby, entity and score; a failed
    /// one fails its bot. Drops are seeded by --seed.
    #[arg(long, value_name = "RATE", num_args = 0..=1,
          default_missing_value = DEFAULT_CHAOS_STR, value_parser = parse_rate)]
    chaos: Option<f64>,
    /// Link conditioner: milliseconds added to each direction (everything
    /// the bot sends and everything it receives), so RTT grows by twice
    /// this. At most 1000.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    latency_ms: u64,
    /// Link conditioner: uniform ± jitter per message, in milliseconds, at
    /// most --latency-ms. Messages are never reordered.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    jitter_ms: u64,
    /// Link conditioner: every SECS (from each bot's connect slot), hold
    /// all traffic both ways for --stall-ms.
    #[arg(long, value_name = "SECS", requires = "stall_ms", value_parser = parse_secs)]
    stall_every: Option<Duration>,
    /// Length of each stall, in milliseconds (below 5000, so the server's
    /// 8 s ping timeout is never reached).
    #[arg(long, value_name = "MS", requires = "stall_every")]
    stall_ms: Option<u64>,
    /// Inputs per message: each bot samples an input every tick as always,
    /// but sends K at a time in one Inputs message (1 to 8; 1 sends each in
    /// its own Input). At 2, a bot sends 15 input messages a second at
    /// 30 Hz.
    #[arg(long, value_name = "K", default_value_t = 1,
          value_parser = clap::value_parser!(u8).range(1..=MAX_INPUTS_PER_MESSAGE as i64))]
    input_batch: u8,
    /// Idle bots: each connects, gets Welcome and stays in the menu until
    /// --duration ends (no lobby, no inputs), answering the server's pings,
    /// then closes. Passes when every bot got Welcome and none failed.
    ///
    /// For measuring what idle connections cost the server.
    #[arg(long, conflicts_with_all = ["chaos", "join", "quick_join", "lobby_size", "input_batch"])]
    idle: bool,
    /// Scrape the server's Prometheus metrics here (http:// only) for the
    /// report's server section [default: /metrics on --url's host and
    /// port, when that is loopback].
    #[arg(long, value_name = "URL", conflicts_with = "no_server_metrics")]
    metrics_url: Option<String>,
    /// Do not scrape the server's metrics (no server section).
    #[arg(long)]
    no_server_metrics: bool,
    /// For a server with authentication on: the HS256 secret it shares
    /// with the game's backend (at least 32 bytes); each bot mints its own
    /// session token (account and name bot-INDEX).
    #[arg(long, value_name = "SECRET", env = "RALLYPOINT_AUTH_SECRET",
          hide_env_values = true, value_parser = parse_auth_secret)]
    auth_secret: Option<String>,
    /// The audience to put in the bots' tokens (the server's auth audience).
    #[arg(long, value_name = "AUD", requires = "auth_secret")]
    auth_audience: Option<String>,
}

fn parse_auth_secret(secret: &str) -> Result<String, String> {
    if secret.len() < MIN_SECRET_BYTES {
        return Err(format!(
            "at least {MIN_SECRET_BYTES} bytes, like the server's"
        ));
    }
    Ok(secret.to_owned())
}

/// `options::DEFAULT_CHAOS_PER_MIN` as the flag's text (a test checks they
/// agree).
const DEFAULT_CHAOS_STR: &str = "2";

/// Parses a chaos rate: drops per bot per minute, more than 0, at most
/// [`MAX_CHAOS_PER_MIN`].
fn parse_rate(s: &str) -> Result<f64, String> {
    let rate: f64 = s
        .parse()
        .map_err(|_| format!("{s:?} is not a number of drops per minute"))?;
    if !(rate > 0.0 && rate <= MAX_CHAOS_PER_MIN) {
        return Err(format!(
            "must be more than 0 and at most {MAX_CHAOS_PER_MIN} per minute"
        ));
    }
    Ok(rate)
}

/// Parses a game the bots can play.
fn parse_game(s: &str) -> Result<GameName, String> {
    GameName::parse(s).ok_or_else(|| format!("{s:?} is not a game the bots play (arena, four)"))
}

/// Parses positive seconds, fractions allowed, at most one day.
fn parse_secs(s: &str) -> Result<Duration, String> {
    let secs: f64 = s
        .parse()
        .map_err(|_| format!("{s:?} is not a number of seconds"))?;
    if !(secs > 0.0 && secs <= MAX_DURATION.as_secs_f64()) {
        return Err(format!(
            "must be more than 0 and at most {} seconds",
            MAX_DURATION.as_secs()
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

impl Cli {
    fn options(&self) -> RunOptions {
        let lobby = match (&self.join, self.quick_join) {
            (Some(code), _) => LobbyMode::Code(code.clone()),
            (None, true) => LobbyMode::QuickJoin,
            (None, false) => LobbyMode::Groups {
                size: (self.lobby_size).unwrap_or(self.game.default_lobby_size()),
            },
        };
        RunOptions {
            url: self.url.clone(),
            game: self.game,
            allow_remote: self.allow_remote,
            bots: self.bots,
            duration: self.duration,
            lobby,
            seed: self.seed,
            ramp: self.ramp_ms.map(Duration::from_millis),
            progress: true,
            chaos: self.chaos,
            link: LinkOptions {
                latency: Duration::from_millis(self.latency_ms),
                jitter: Duration::from_millis(self.jitter_ms),
                stall: self
                    .stall_every
                    .zip(self.stall_ms)
                    .map(|(every, ms)| Stall {
                        every,
                        length: Duration::from_millis(ms),
                    }),
            },
            input_batch: self.input_batch,
            idle: self.idle,
            server_metrics: match (&self.metrics_url, self.no_server_metrics) {
                (_, true) => ServerMetrics::Off,
                (Some(url), false) => ServerMetrics::Url(url.clone()),
                (None, false) => ServerMetrics::Auto,
            },
            auth: self
                .auth_secret
                .as_deref()
                .and_then(|secret| BotAuth::new(secret, self.auth_audience.clone()).ok()),
            ca: self.ca.clone(),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    // One socket per bot: raise the soft open-file limit to the hard one.
    if let Err(e) = rlimit::increase_nofile_limit(u64::MAX) {
        tracing::warn!(error = %e, "cannot raise the open file limit");
    }
    let report = match run_cli(&cli) {
        Ok(report) => report,
        Err(err) => {
            eprintln!("error: {err:#}");
            return ExitCode::from(2);
        }
    };
    // The final report is the program's output.
    println!("{report}");
    if let Some(path) = &cli.json
        && let Err(err) = write_json(&report, path)
    {
        eprintln!("error: {err:#}");
        return ExitCode::from(2);
    }
    if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn run_cli(cli: &Cli) -> anyhow::Result<Report> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the tokio runtime")?;
    Ok(runtime.block_on(run(cli.options()))?)
}

fn write_json(report: &Report, path: &Path) -> anyhow::Result<()> {
    let json = serde_json::to_string_pretty(report).context("serialising the report")?;
    std::fs::write(path, json + "\n")
        .with_context(|| format!("writing the report to {}", path.display()))
}

#[cfg(test)]
mod tests {
    use rallypoint_bot_client::options::DEFAULT_CHAOS_PER_MIN;

    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("rallypoint-bots").chain(args.iter().copied()))
    }

    #[test]
    fn chaos_takes_an_optional_rate() {
        let cli = parse(&["--bots", "300", "--chaos", "--duration", "60"]).unwrap();
        assert_eq!(cli.chaos, Some(DEFAULT_CHAOS_PER_MIN));
        assert_eq!(cli.duration, Duration::from_secs(60));
        assert_eq!(
            parse(&["--chaos"]).unwrap().chaos,
            Some(DEFAULT_CHAOS_PER_MIN)
        );
        assert_eq!(parse(&["--chaos", "30"]).unwrap().chaos, Some(30.0));
        assert_eq!(parse(&["--chaos=0.5"]).unwrap().chaos, Some(0.5));
        assert_eq!(parse(&[]).unwrap().chaos, None);
        assert!(parse(&["--chaos", "0"]).is_err());
        assert!(parse(&["--chaos", "1000"]).is_err());
    }

    #[test]
    fn idle_and_metrics_flags() {
        let o = parse(&["--idle", "--bots", "10000"]).unwrap().options();
        assert!(o.idle);
        assert_eq!(o.server_metrics, ServerMetrics::Auto);
        for other in [&["--chaos"][..], &["--quick-join"], &["--lobby-size", "4"]] {
            let args: Vec<&str> = std::iter::once("--idle")
                .chain(other.iter().copied())
                .collect();
            assert!(parse(&args).is_err(), "{args:?}");
        }
        assert!(!parse(&[]).unwrap().options().idle);
        let url = "http://127.0.0.1:9/metrics";
        assert_eq!(
            parse(&["--metrics-url", url])
                .unwrap()
                .options()
                .server_metrics,
            ServerMetrics::Url(url.into())
        );
        assert_eq!(
            parse(&["--no-server-metrics"])
                .unwrap()
                .options()
                .server_metrics,
            ServerMetrics::Off
        );
        assert!(parse(&["--no-server-metrics", "--metrics-url", url]).is_err());
    }

    #[test]
    fn the_game_sets_the_default_lobby_size() {
        let groups = |args: &[&str]| parse(args).unwrap().options().lobby;
        assert_eq!(groups(&[]), LobbyMode::Groups { size: 16 });
        assert_eq!(groups(&["--game", "four"]), LobbyMode::Groups { size: 2 });
        assert_eq!(
            groups(&["--game", "arena", "--lobby-size", "4"]),
            LobbyMode::Groups { size: 4 }
        );
        let o = parse(&["--game", "four", "--join", "ABCD", "--bots", "1"])
            .unwrap()
            .options();
        assert_eq!(
            (o.game, o.lobby),
            (GameName::Four, LobbyMode::Code("ABCD".into()))
        );
        assert!(parse(&["--game", "chess"]).is_err());
    }

    #[test]
    fn input_batch_is_one_to_eight() {
        assert_eq!(parse(&[]).unwrap().options().input_batch, 1);
        assert_eq!(
            parse(&["--input-batch", "2"])
                .unwrap()
                .options()
                .input_batch,
            2
        );
        assert_eq!(parse(&["--input-batch", "8"]).unwrap().input_batch, 8);
        for bad in ["0", "9", "-1", "x"] {
            assert!(parse(&["--input-batch", bad]).is_err(), "{bad}");
        }
    }
}
