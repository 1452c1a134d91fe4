//! `--idle N`: what an idle connected client costs the server in memory.
//! The server, pinned to the server core, is read for RSS once it answers
//! `/healthz`; then `rallypoint-bots --idle` (pinned to the bots core)
//! opens N connections that each send `Hello`, get `Welcome` and stay in
//! the menu answering pings; once the server's `rallypoint_connections`
//! gauge reaches N the RSS is read again after a settle, and once more a
//! few seconds later to show it is stable. The figure is the growth over
//! N, in KiB per connection.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde::Serialize;

use crate::game::{self, sleep_until};
use crate::http;
use crate::metrics;
use crate::plan::Plan;
use crate::procfs;
use crate::procs::{Proc, Stdout};

/// What an idle connection should cost at most, in KiB of server RSS.
pub const TARGET_KIB_PER_CONNECTION: f64 = 8.0;
/// How long after the bots' connect ramp the gauge may take to reach N
/// before the run gives up. Default: 30 s; connects on loopback finish
/// well inside the ramp unless something is wrong.
const CONNECT_SLACK: Duration = Duration::from_secs(30);
/// Pause after the gauge reaches N before the first reading, so the last
/// bots' `Hello`s are answered and their buffers settled.
const SETTLE: Duration = Duration::from_secs(2);
/// Pause between the first reading and the second, which shows whether
/// the figure is stable.
const STABLE_GAP: Duration = Duration::from_secs(4);
/// How often the gauge is read while the bots connect.
const POLL: Duration = Duration::from_millis(250);
/// Pause after `/healthz` answers before the baseline reading, so start-up
/// allocations are done.
const BASELINE_SETTLE: Duration = Duration::from_millis(500);
/// How long each process may take to exit once stopped.
const STOP_GRACE: Duration = Duration::from_secs(15);
const HTTP_TIMEOUT: Duration = Duration::from_secs(5);

/// `idle.json`.
#[derive(Debug, PartialEq, Serialize)]
pub struct IdleResult {
    pub connections: usize,
    /// The gauge at the first and the second reading.
    pub connections_seen: (u64, u64),
    pub rss_before_kib: u64,
    /// RSS at the first reading, `SETTLE` after the gauge reached N.
    pub rss_connected_kib: u64,
    /// RSS at the second reading, `STABLE_GAP` later.
    pub rss_later_kib: u64,
    /// (rss_later − rss_before) ÷ N: the figure.
    pub kib_per_connection: f64,
    /// (rss_connected − rss_before) ÷ N.
    pub kib_per_connection_first: f64,
    pub target_kib_per_connection: f64,
    pub meets_target: bool,
}

impl IdleResult {
    pub fn new(connections: usize, seen: (u64, u64), rss: [u64; 3]) -> IdleResult {
        let [before, connected, later] = rss;
        let per = |kib: u64| crate::report::rss_per_client_kib(before, kib, connections);
        let kib_per_connection = per(later);
        IdleResult {
            connections,
            connections_seen: seen,
            rss_before_kib: before,
            rss_connected_kib: connected,
            rss_later_kib: later,
            kib_per_connection,
            kib_per_connection_first: per(connected),
            target_kib_per_connection: TARGET_KIB_PER_CONNECTION,
            meets_target: kib_per_connection <= TARGET_KIB_PER_CONNECTION,
        }
    }

    /// The line printed at the end.
    pub fn line(&self) -> String {
        let mib = |kib: u64| kib as f64 / 1024.0;
        format!(
            "idle: {} connections after Hello, not in a lobby: server RSS {:.1} → {:.1} → {:.1} MiB: \
             {:.2} KiB per connection ({:.2} at the first reading; target ≤ {} KiB: {})",
            self.connections,
            mib(self.rss_before_kib),
            mib(self.rss_connected_kib),
            mib(self.rss_later_kib),
            self.kib_per_connection,
            self.kib_per_connection_first,
            self.target_kib_per_connection,
            if self.meets_target { "met" } else { "missed" },
        )
    }
}

pub fn run(plan: &Plan, connections: usize, port: u16) -> anyhow::Result<IdleResult> {
    let dir = plan.out.join(format!("idle-{connections:05}"));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    TcpListener::bind(addr).with_context(|| format!("port {port} is not free"))?;
    let mut server = Proc::spawn(
        "rallypoint-server",
        plan.server_cpu,
        &plan.bin("rallypoint-server"),
        &game::server_args(plan, addr, connections),
        &Plan::log(&dir, "server"),
        Stdout::Log,
    )?;
    game::wait_healthy(addr, &mut server)?;
    std::thread::sleep(BASELINE_SETTLE);
    let rss_before = procfs::rss_kib(server.pid())?;

    let ramp_ms = plan.ramp_ms(connections);
    let ramp = Duration::from_millis(ramp_ms);
    // Each bot lives this long from its own connect: the first must still
    // be there at the last reading, however long the gauge took.
    let life = ramp + CONNECT_SLACK + SETTLE + STABLE_GAP + Duration::from_secs(5);
    let bots_args = vec![
        format!("--url=ws://{addr}/ws"),
        "--idle".into(),
        format!("--bots={connections}"),
        format!("--duration={:.3}", life.as_secs_f64()),
        format!("--ramp-ms={ramp_ms}"),
        format!("--json={}", dir.join("bots.json").display()),
    ];
    let started = Instant::now();
    let mut bots = Proc::spawn(
        "rallypoint-bots --idle",
        plan.bots_cpu,
        &plan.bin("rallypoint-bots"),
        &bots_args,
        &Plan::log(&dir, "bots"),
        Stdout::Log,
    )?;
    let reached =
        wait_for_connections(addr, &mut bots, connections, started + ramp + CONNECT_SLACK)?;
    eprintln!(
        "capacity: idle: {connections} connections after {:.1} s",
        (reached - started).as_secs_f64()
    );
    sleep_until(reached + SETTLE);
    let (seen_a, rss_connected) = (gauge(addr)?, procfs::rss_kib(server.pid())?);
    std::thread::sleep(STABLE_GAP);
    let (seen_b, rss_later) = (gauge(addr)?, procfs::rss_kib(server.pid())?);
    // The readings are taken; the bots need not live out their duration.
    bots.stop(STOP_GRACE)?;
    server.stop(STOP_GRACE)?;
    Ok(IdleResult::new(
        connections,
        (seen_a, seen_b),
        [rss_before, rss_connected, rss_later],
    ))
}

/// Waits until the server's connection gauge reaches `n`; fails at
/// `deadline` or if the bots exit first.
fn wait_for_connections(
    addr: SocketAddr,
    bots: &mut Proc,
    n: usize,
    deadline: Instant,
) -> anyhow::Result<Instant> {
    let mut seen = 0;
    while Instant::now() < deadline {
        seen = gauge(addr)?;
        if seen >= n as u64 {
            return Ok(Instant::now());
        }
        if let Some(status) = bots.wait_for(POLL)? {
            bail!("rallypoint-bots exited with {status} at {seen} of {n} connections; see its log");
        }
    }
    bail!("only {seen} of {n} connections by the deadline")
}

/// The server's `rallypoint_connections` gauge (open WebSocket
/// connections).
fn gauge(addr: SocketAddr) -> anyhow::Result<u64> {
    let (status, body) = http::get(addr, "/metrics", HTTP_TIMEOUT).context("scraping /metrics")?;
    anyhow::ensure!(status == 200, "/metrics answered {status}");
    let text = String::from_utf8(body).context("/metrics is not UTF-8")?;
    connections_in(&text)
}

pub fn connections_in(metrics_text: &str) -> anyhow::Result<u64> {
    let v = metrics::value(metrics_text, "rallypoint_connections")
        .context("no rallypoint_connections in /metrics")?;
    anyhow::ensure!(v >= 0.0 && v.is_finite(), "rallypoint_connections is {v}");
    Ok(v as u64)
}

/// Writes `idle.json` into `out`.
pub fn write(out: &Path, result: &IdleResult) -> anyhow::Result<()> {
    let path = out.join("idle.json");
    std::fs::write(&path, serde_json::to_string_pretty(result)?)
        .with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_connection_is_growth_over_n_against_the_target() {
        // 20 MiB to 90 MiB and 90.5 MiB over 10 000 connections.
        let r = IdleResult::new(10_000, (10_000, 10_000), [20_480, 92_160, 92_672]);
        assert!((r.kib_per_connection - 7.2192).abs() < 1e-9, "{r:?}");
        assert!((r.kib_per_connection_first - 7.168).abs() < 1e-9, "{r:?}");
        assert!(r.meets_target);
        let fat = IdleResult::new(1000, (1000, 1000), [20_000, 29_000, 29_100]);
        assert!(!fat.meets_target, "9.1 KiB a connection: {fat:?}");
        assert!(
            fat.line().contains("9.10 KiB per connection"),
            "{}",
            fat.line()
        );
        assert!(fat.line().ends_with("missed)"), "{}", fat.line());
    }

    #[test]
    fn the_gauge_is_read_from_metrics_text() {
        let text = "# TYPE rallypoint_connections gauge\nrallypoint_connections 9998\n\
                    rallypoint_lobbies 0\n# EOF\n";
        assert_eq!(connections_in(text).unwrap(), 9998);
        assert!(connections_in("rallypoint_lobbies 0\n").is_err());
    }
}
