//! One step against the real server: `rallypoint-server` pinned to the
//! server core, `rallypoint-bots` (N bots in lobbies of 16) pinned to the
//! bots core; the server's RSS before any client, then after the connect
//! ramp and a warm-up, a steady window bracketed by two scrapes of
//! `/metrics` and of `/proc` for both processes; then the bots' own report
//! once they have left.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::http;
use crate::metrics::{self, Quantile};
use crate::plan::{BOTS_TAIL_SECS, Plan};
use crate::procfs::{self, CoreTimes, CoreUse, CpuSample, CpuUse};
use crate::procs::{Proc, Stdout};

/// How long the server has to answer `/healthz` after it starts.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);
/// Timeout of one HTTP request to the server.
const HTTP_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the server may take to exit after SIGTERM, once the bots have
/// left (it then has no lobby to drain).
const STOP_GRACE: Duration = Duration::from_secs(15);

/// The parts of the bots' JSON report a step uses (see bot-client/README.md).
#[derive(Debug, Deserialize)]
pub struct BotsReport {
    /// The rates `Welcome` announced: delivery is counted against
    /// `snapshot_hz`.
    pub tick_hz: u32,
    pub snapshot_hz: u32,
    pub bots_joined: u64,
    pub bots_failed: u64,
    pub delivery_ratio: MeanMin,
    pub inputs_per_bot_per_sec: MeanMin,
    pub input_messages_per_bot_per_sec: MeanMin,
    pub bytes_down_per_bot_per_sec: f64,
    pub bytes_up_per_bot_per_sec: f64,
    pub rtt_ms: Latency,
}

#[derive(Debug, Deserialize)]
pub struct MeanMin {
    pub mean: f64,
    pub min: f64,
}

#[derive(Debug, Deserialize)]
pub struct Latency {
    pub p99: f64,
}

/// What one step against the server measured.
#[derive(Debug)]
pub struct GameMeasure {
    pub server: CpuUse,
    pub bots_cpu: CpuUse,
    /// The two cores over the window, whatever ran on them.
    pub server_core: CoreUse,
    pub bots_core: CoreUse,
    /// The server's RSS once it answered `/healthz`, before any client.
    pub server_start_rss_kib: u64,
    /// … and at the end of the window.
    pub server_rss_kib: u64,
    pub tick_lateness_p99: Quantile,
    pub tick_duration_p99: Quantile,
    /// WebSocket messages the server wrote in the window, per client per
    /// snapshot period (snapshots, plus pings and pongs).
    pub frames_out_per_client_snapshot: f64,
    /// Snapshots replaced by newer ones before they were sent, in the window.
    pub snapshots_replaced: u64,
    pub bots: BotsReport,
}

/// Metrics and CPU at one edge of the steady window.
struct Edge {
    metrics: String,
    server: CpuSample,
    bots: CpuSample,
    server_core: CoreTimes,
    bots_core: CoreTimes,
}

pub fn run(plan: &Plan, clients: usize, port: u16, dir: &Path) -> anyhow::Result<GameMeasure> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    TcpListener::bind(addr).with_context(|| format!("port {port} is not free"))?;
    let mut server_args = server_args(plan, addr, clients);
    server_args.push(format!(
        "--max-lobbies={}",
        clients.div_ceil(plan.lobby_size) + 8
    ));
    let mut server = Proc::spawn(
        "rallypoint-server",
        plan.server_cpu,
        &plan.bin("rallypoint-server"),
        &server_args,
        &Plan::log(dir, "server"),
        Stdout::Log,
    )?;
    wait_healthy(addr, &mut server)?;
    let server_start_rss_kib = procfs::rss_kib(server.pid())?;

    let ramp_ms = plan.ramp_ms(clients);
    let ramp = Duration::from_millis(ramp_ms);
    let play_secs = ramp.as_secs_f64() + plan.warmup_secs + plan.window_secs + BOTS_TAIL_SECS;
    let bots_json = dir.join("bots.json");
    let mut bots_args = vec![
        format!("--url=ws://{addr}/ws"),
        format!("--bots={clients}"),
        format!("--duration={play_secs:.3}"),
        format!("--lobby-size={}", plan.lobby_size),
        format!("--ramp-ms={ramp_ms}"),
        format!("--json={}", bots_json.display()),
    ];
    // Only when asked for, so a 30/30 run starts the bots exactly as before.
    if plan.input_batch != 1 {
        bots_args.push(format!("--input-batch={}", plan.input_batch));
    }
    let started = Instant::now();
    let mut bots = Proc::spawn(
        "rallypoint-bots",
        plan.bots_cpu,
        &plan.bin("rallypoint-bots"),
        &bots_args,
        &Plan::log(dir, "bots"),
        Stdout::Log,
    )?;

    sleep_until(started + ramp + Duration::from_secs_f64(plan.warmup_secs));
    let a = edge(plan, addr, &server, &bots)?;
    std::thread::sleep(plan.window());
    let b = edge(plan, addr, &server, &bots)?;
    let server_rss_kib = procfs::rss_kib(server.pid())?;
    std::fs::write(dir.join("metrics-start.txt"), &a.metrics)?;
    std::fs::write(dir.join("metrics-end.txt"), &b.metrics)?;

    // The bots stop by themselves by ramp + duration + 5 s.
    let bots_status = bots.finish(ramp + Duration::from_secs_f64(play_secs + 30.0))?;
    server.stop(STOP_GRACE)?;
    let text = std::fs::read_to_string(&bots_json).with_context(|| {
        format!(
            "reading {} (bots exited with {bots_status})",
            bots_json.display()
        )
    })?;
    let report: BotsReport =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", bots_json.display()))?;
    // Delivery is judged against the rate the server announced; it must
    // be the rate asked for, or every per-snapshot figure is off. (0: no
    // bot got Welcome, which the step's failures show.)
    anyhow::ensure!(
        report.snapshot_hz == 0
            || (report.tick_hz, report.snapshot_hz) == (plan.tick_hz, plan.snapshot_hz),
        "the server announced {} Hz ticks and {} Hz snapshots, not the {} and {} asked for",
        report.tick_hz,
        report.snapshot_hz,
        plan.tick_hz,
        plan.snapshot_hz
    );
    let rss = (server_start_rss_kib, server_rss_kib);
    measure(plan, clients, &a, &b, rss, report)
}

/// The flags every server of a run gets: loopback address, rates, and
/// connection caps with room for `clients`.
pub fn server_args(plan: &Plan, addr: SocketAddr, clients: usize) -> Vec<String> {
    let slack = clients + 64;
    let mut args = vec![
        format!("--bind={addr}"),
        format!("--tick-hz={}", plan.tick_hz),
        format!("--max-connections={slack}"),
        format!("--max-connections-per-ip={slack}"),
        "--drain-secs=2".into(),
    ];
    // Only when it differs, so a 30/30 run starts the server exactly as
    // before.
    if plan.snapshot_hz != plan.tick_hz {
        args.push(format!("--snapshot-hz={}", plan.snapshot_hz));
    }
    args
}

fn measure(
    plan: &Plan,
    clients: usize,
    a: &Edge,
    b: &Edge,
    (server_start_rss_kib, server_rss_kib): (u64, u64),
    bots: BotsReport,
) -> anyhow::Result<GameMeasure> {
    let server = CpuUse::between(a.server, b.server);
    let quantile = |name: &str| -> anyhow::Result<Quantile> {
        let start = metrics::histogram(&a.metrics, name)?;
        let end = metrics::histogram(&b.metrics, name)?;
        metrics::window_quantile(&start, &end, 0.99)
    };
    let counter_delta = |name: &str| {
        let v = |text: &str| metrics::value(text, name).unwrap_or(0.0);
        (v(&b.metrics) - v(&a.metrics)).max(0.0)
    };
    let client_snapshots = clients as f64 * f64::from(plan.snapshot_hz) * server.wall_secs;
    Ok(GameMeasure {
        server,
        bots_cpu: CpuUse::between(a.bots, b.bots),
        server_core: CoreUse::between(a.server_core, b.server_core),
        bots_core: CoreUse::between(a.bots_core, b.bots_core),
        server_start_rss_kib,
        server_rss_kib,
        tick_lateness_p99: quantile("rallypoint_tick_lateness_seconds")?,
        tick_duration_p99: quantile("rallypoint_tick_duration_seconds")?,
        frames_out_per_client_snapshot: counter_delta("rallypoint_frames_out_total")
            / client_snapshots,
        snapshots_replaced: counter_delta("rallypoint_snapshots_replaced_total") as u64,
        bots,
    })
}

fn edge(plan: &Plan, addr: SocketAddr, server: &Proc, bots: &Proc) -> anyhow::Result<Edge> {
    let (status, body) = http::get(addr, "/metrics", HTTP_TIMEOUT).context("scraping /metrics")?;
    anyhow::ensure!(status == 200, "/metrics answered {status}");
    Ok(Edge {
        metrics: String::from_utf8(body).context("/metrics is not UTF-8")?,
        server: CpuSample::read(server.pid())?,
        bots: CpuSample::read(bots.pid())
            .context("the bots exited before the window ended (raise --warmup-secs?)")?,
        server_core: CoreTimes::read(plan.server_cpu)?,
        bots_core: CoreTimes::read(plan.bots_cpu)?,
    })
}

pub fn wait_healthy(addr: SocketAddr, server: &mut Proc) -> anyhow::Result<()> {
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    while Instant::now() < deadline {
        if let Ok((200, _)) = http::get(addr, "/healthz", Duration::from_millis(500)) {
            return Ok(());
        }
        if let Some(status) = server.wait_for(Duration::from_millis(100))? {
            bail!("rallypoint-server exited at start with {status}; see its log");
        }
    }
    bail!("rallypoint-server did not answer /healthz within {STARTUP_TIMEOUT:?}")
}

pub fn sleep_until(t: Instant) {
    let now = Instant::now();
    if t > now {
        std::thread::sleep(t - now);
    }
}
