//! One step of the floor: `rallypoint-relay server` pinned to the server
//! core and `rallypoint-relay clients` pinned to the bots core, at the same
//! N and with the frame and input sizes of the step's bot run, frames at
//! the snapshot rate and inputs at the bots' message rate, the clients
//! waiting for frames as `--relay-wait` says (epoll by default, woken by
//! each frame as the bots are); the relay server's CPU over a steady
//! window of the same length.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Deserialize;

use crate::game::sleep_until;
use crate::plan::Plan;
use crate::procfs::{CoreTimes, CoreUse, CpuSample, CpuUse};
use crate::procs::{Proc, Stdout, expect_line};

/// How long the relay server waits for all N connections (its
/// `--accept-timeout-secs`), and a little more for the driver.
const ACCEPT_TIMEOUT_SECS: f64 = 60.0;
/// How long the relay server has to print its address after it starts.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);
/// How long each side may take to exit after its run should have ended.
const EXIT_GRACE: Duration = Duration::from_secs(30);

/// The parts of `rallypoint-relay server`'s report a step uses.
#[derive(Debug, Deserialize)]
pub struct RelayServerReport {
    /// Frames due within the run, per client.
    pub frames_scheduled: u64,
    pub ticks_skipped: u64,
    pub tick_lateness: RelaySummary,
    pub writes_blocked: u64,
}

#[derive(Debug, Deserialize)]
pub struct RelaySummary {
    pub p99_us: u32,
}

/// The parts of `rallypoint-relay clients`' report a step uses.
#[derive(Debug, Deserialize)]
pub struct RelayClientsReport {
    pub frames_received: u64,
}

/// What one relay step measured.
#[derive(Debug)]
pub struct RelayMeasure {
    pub server: CpuUse,
    pub clients_cpu: CpuUse,
    pub server_core: CoreUse,
    pub clients_core: CoreUse,
    /// Frames the clients received ÷ (N × frames the schedule called for).
    pub delivery: f64,
    pub report: RelayServerReport,
}

pub fn run(
    plan: &Plan,
    clients: usize,
    frame_bytes: usize,
    input_bytes: usize,
    dir: &Path,
) -> anyhow::Result<RelayMeasure> {
    let relay = plan.bin("rallypoint-relay");
    let run_secs = plan.relay_warmup_secs + plan.window_secs + 1.0;
    let common = |role: &str, addr: &str, secs: f64, json: &str| {
        let mut args = vec![
            role.to_string(),
            format!("--addr={addr}"),
            format!("--clients={clients}"),
            format!("--hz={}", plan.snapshot_hz),
            format!("--frame-bytes={frame_bytes}"),
            format!("--input-bytes={input_bytes}"),
            format!("--duration={secs:.3}"),
            format!("--json={}", dir.join(json).display()),
        ];
        if plan.input_hz() != plan.snapshot_hz {
            args.push(format!("--input-hz={}", plan.input_hz()));
        }
        args
    };
    let mut server_args = common("server", "127.0.0.1:0", run_secs, "relay-server.json");
    server_args.push(format!("--accept-timeout-secs={ACCEPT_TIMEOUT_SECS}"));
    let mut server = Proc::spawn(
        "rallypoint-relay server",
        plan.server_cpu,
        &relay,
        &server_args,
        &Plan::log(dir, "relay-server"),
        Stdout::Lines,
    )?;
    let lines = server.lines()?;
    let addr = expect_line(&lines, "listening ", STARTUP_TIMEOUT)?;

    // The clients stop when the server has closed every connection; their
    // own duration is only a bound.
    let clients_secs = ACCEPT_TIMEOUT_SECS + run_secs + 10.0;
    let mut client_args = common("clients", &addr, clients_secs, "relay-clients.json");
    client_args.push(format!("--wait={}", plan.relay_wait.as_arg()));
    let mut relay_clients = Proc::spawn(
        "rallypoint-relay clients",
        plan.bots_cpu,
        &relay,
        &client_args,
        &Plan::log(dir, "relay-clients"),
        Stdout::Log,
    )?;
    let accept_wait = Duration::from_secs_f64(ACCEPT_TIMEOUT_SECS + 5.0);
    expect_line(&lines, "ticking ", accept_wait).context("relay clients did not all connect")?;
    let ticking = Instant::now();

    sleep_until(ticking + Duration::from_secs_f64(plan.relay_warmup_secs));
    let sample = || -> anyhow::Result<_> {
        Ok((
            CpuSample::read(server.pid())?,
            CpuSample::read(relay_clients.pid())?,
            CoreTimes::read(plan.server_cpu)?,
            CoreTimes::read(plan.bots_cpu)?,
        ))
    };
    let a = sample()?;
    std::thread::sleep(plan.window());
    let b = sample()?;

    server.finish(Duration::from_secs_f64(run_secs) + EXIT_GRACE)?;
    relay_clients.finish(EXIT_GRACE)?;
    let report: RelayServerReport = read_json(&dir.join("relay-server.json"))?;
    let received: RelayClientsReport = read_json(&dir.join("relay-clients.json"))?;
    let expected = clients as f64 * report.frames_scheduled as f64;
    Ok(RelayMeasure {
        server: CpuUse::between(a.0, b.0),
        clients_cpu: CpuUse::between(a.1, b.1),
        server_core: CoreUse::between(a.2, b.2),
        clients_core: CoreUse::between(a.3, b.3),
        delivery: if expected > 0.0 {
            received.frames_received as f64 / expected
        } else {
            0.0
        },
        report,
    })
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}
