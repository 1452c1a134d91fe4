//! `rallypoint-relay`: the floor that a capacity run measures the server
//! against. It moves the bytes Rallypoint moves, with nothing else: the
//! `server` holds N loopback TCP connections and, each tick, reads whatever
//! input bytes arrived on every one and writes one frame to each; the
//! `clients` (a second process, on another core) write one input per
//! connection per tick and count the frames that arrive. No game logic, no
//! codec, no WebSocket framing, no async runtime: one thread, non-blocking
//! std sockets, one `read` and one `write` per client per tick on the
//! server, so what it costs is what the kernel charges for loopback TCP.
//!
//! The clients wait for frames in epoll by default (`--wait epoll`), as
//! real clients do (browsers; the bots, on tokio): each frame the server
//! writes then wakes them, and Linux charges that wakeup to the server's
//! `send`, as it does when the server feeds the bots. `--wait tick` (read
//! every connection once a tick, no one waiting on a socket) is cheaper to
//! feed than any real client, so a floor measured with it is not
//! like-for-like; it is kept to compare with earlier runs.
//!
//! Frames and inputs may go at different rates (`--hz` down, `--input-hz`
//! up, as with Rallypoint's `--snapshot-hz` and batched inputs): both sides
//! then loop at the higher rate, reading every loop, and write a frame or
//! an input only on the loops where one is due, spread as evenly as the
//! server spreads snapshots over its ticks.
//!
//! Layout:
//! - `schedule`: absolute tick deadlines that skip missed ones (as the
//!   server's lobbies do), and small statistics;
//! - `wire`: one connection's owed bytes (latest-wins, like the server's
//!   snapshot slot) and the per-tick read and write;
//! - `epoll`: a small safe wrapper over Linux epoll, for the clients;
//! - `server`, `clients`: the two subcommands.
//!
//! Both stop by themselves after `--duration`, and both refuse an address
//! that is not loopback.

mod clients;
mod epoll;
mod schedule;
mod server;
mod wire;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// Loopback TCP relay: the floor for Rallypoint's capacity run.
#[derive(Debug, Parser)]
#[command(name = "rallypoint-relay", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Accept N connections, then every tick read each one's input and write
    /// each one a frame. Prints `listening ADDR` once bound and `ticking N`
    /// once all N are connected, on stdout.
    Server {
        #[command(flatten)]
        common: Common,
        /// Seconds to wait for all N connections before giving up.
        #[arg(long, default_value_t = 60.0, value_name = "SECS")]
        accept_timeout_secs: f64,
    },
    /// Open N connections, then every tick write each one an input, and
    /// count the frames that arrive. Stops when the server has closed them
    /// all, or after `--duration`.
    Clients {
        #[command(flatten)]
        common: Common,
        /// How to wait for frames. epoll is the default because real
        /// clients are event-driven: each frame the server writes wakes
        /// them, and the kernel charges that to the server's send; with
        /// tick the server's writes wake no one, so the floor is cheaper
        /// than the server's real work.
        #[arg(long, value_enum, default_value_t = clients::Wait::Epoll)]
        wait: clients::Wait,
    },
}

/// Flags both sides take.
#[derive(Debug, Args)]
pub struct Common {
    /// Loopback address to listen on (server; port 0 picks one) or connect
    /// to (clients).
    #[arg(long, default_value = "127.0.0.1:7600", value_name = "ADDR")]
    pub addr: SocketAddr,
    /// Number of connections.
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub clients: usize,
    /// Frames per second, server to client (the snapshot rate).
    #[arg(long, default_value_t = 30, value_name = "HZ")]
    pub hz: u32,
    /// Input messages per second, client to server [default: --hz].
    #[arg(long, value_name = "HZ")]
    pub input_hz: Option<u32>,
    /// Bytes of each server-to-client frame. The default is a typical
    /// Rallypoint delta snapshot (about 30 B of payload) with its 2-byte
    /// WebSocket header.
    #[arg(long, default_value_t = 32, value_name = "BYTES")]
    pub frame_bytes: usize,
    /// Bytes of each client-to-server input. The default is a Rallypoint
    /// input (about 23.5 B of payload, rounded up); pass 30 to add its
    /// masked 6-byte WebSocket header.
    #[arg(long, default_value_t = 24, value_name = "BYTES")]
    pub input_bytes: usize,
    /// Seconds to run: the server counts from its first tick, the clients
    /// from their first connect.
    #[arg(long, default_value_t = 10.0, value_name = "SECS")]
    pub duration: f64,
    /// Also write the report as JSON to this file.
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
}

impl Common {
    fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.addr.ip().is_loopback(),
            "{} is not a loopback address: the relay measures this machine only",
            self.addr
        );
        anyhow::ensure!(
            (1..=100_000).contains(&self.clients),
            "--clients must be 1 to 100000"
        );
        anyhow::ensure!(
            (1..=1000).contains(&self.hz) && (1..=1000).contains(&self.input_hz()),
            "--hz and --input-hz must be 1 to 1000"
        );
        anyhow::ensure!(
            (1..=wire::MAX_MESSAGE_BYTES).contains(&self.frame_bytes)
                && (1..=wire::MAX_MESSAGE_BYTES).contains(&self.input_bytes),
            "--frame-bytes and --input-bytes must be 1 to {}",
            wire::MAX_MESSAGE_BYTES
        );
        anyhow::ensure!(
            self.duration.is_finite() && self.duration > 0.0 && self.duration <= 86_400.0,
            "--duration must be above 0 and at most a day"
        );
        Ok(())
    }

    /// Input messages per second: `--input-hz`, else `--hz`.
    pub fn input_hz(&self) -> u32 {
        self.input_hz.unwrap_or(self.hz)
    }

    /// Loops per second on both sides: the higher of the two rates, so
    /// every frame and every input has a loop of its own.
    pub fn loop_hz(&self) -> u32 {
        self.hz.max(self.input_hz())
    }

    /// Writes `report` to `--json`, if given, and as one line on stderr.
    fn write_report<T: serde::Serialize>(&self, report: &T) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(report)?;
        if let Some(path) = &self.json {
            std::fs::write(path, &text)?;
        }
        eprintln!("{}", serde_json::to_string(report)?);
        Ok(())
    }
}

fn main() -> ExitCode {
    // One descriptor per connection: the usual soft limit (1024) is far
    // below what a capacity run opens.
    if let Err(e) = rlimit::increase_nofile_limit(u64::MAX) {
        eprintln!("rallypoint-relay: cannot raise the open file limit: {e}");
    }
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Server {
            common,
            accept_timeout_secs,
        } => common
            .validate()
            .and_then(|()| server::run(common, *accept_timeout_secs))
            .and_then(|r| common.write_report(&r)),
        Command::Clients { common, wait } => common
            .validate()
            .and_then(|()| clients::run(common, *wait))
            .and_then(|r| common.write_report(&r)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rallypoint-relay: {e:#}");
            ExitCode::FAILURE
        }
    }
}
