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
use rallypoint_bot_client::options::{MAX_BOTS, MAX_DURATION};
use rallypoint_bot_client::{LobbyMode, Report, RunOptions, run};
use tracing_subscriber::EnvFilter;

/// Rallypoint load-test bots: connect N bots, fill lobbies, play, report.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// The server's WebSocket endpoint (ws:// only).
    #[arg(long, default_value = "ws://127.0.0.1:7000/ws")]
    url: String,
    /// Allow a host that is not loopback.
    ///
    /// Off by default: a load generator aimed at another machine is a
    /// denial-of-service tool, and its numbers would measure the network as
    /// much as the server.
    #[arg(long)]
    allow_remote: bool,
    /// Number of bots.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_BOTS)))]
    bots: u32,
    /// Seconds each bot lives, from its connect, before it leaves.
    #[arg(long, value_name = "SECS", default_value = "10", value_parser = parse_secs)]
    duration: Duration,
    /// Bots per lobby.
    ///
    /// Each group of K bots has its first bot create a private lobby for K
    /// players and hand the join code to the others, which join by code.
    #[arg(long, value_name = "K", default_value_t = 16, value_parser = clap::value_parser!(u8).range(1..),
          conflicts_with_all = ["join", "quick_join"])]
    lobby_size: u8,
    /// Seed of the bots' input generators (bot i uses stream i).
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
                size: self.lobby_size,
            },
        };
        RunOptions {
            url: self.url.clone(),
            allow_remote: self.allow_remote,
            bots: self.bots,
            duration: self.duration,
            lobby,
            seed: self.seed,
            ramp: self.ramp_ms.map(Duration::from_millis),
            progress: true,
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
