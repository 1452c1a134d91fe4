//! `result.json`: the machine, the plan, the rules, every step, the steps
//! that could not be measured and the summary, rewritten after each step
//! (with `capacity.svg`) so an interrupted run keeps what it measured.

use anyhow::Context;
use serde::Serialize;

use crate::plan::Plan;
use crate::report::StepResult;
use crate::summary::{self, Summary};
use crate::{hold, online_cpus, plot};

/// `result.json`.
#[derive(Serialize)]
struct Output<'a> {
    machine: Machine,
    plan: &'a Plan,
    rules: Rules,
    notes: &'static str,
    steps: &'a [StepResult],
    step_errors: &'a [StepError],
    summary: Summary,
}

#[derive(Serialize)]
struct Machine {
    cores: usize,
    kernel: String,
}

#[derive(Serialize)]
struct Rules {
    min_delivery: f64,
    max_tick_lateness_p99_ms: f64,
    max_server_cpu_pct: f64,
    bots_saturated_cpu_pct: f64,
    bots_core_saturated_pct: f64,
    bots_min_input_share: f64,
}

#[derive(Serialize)]
pub struct StepError {
    pub clients: usize,
    pub error: String,
}

const NOTES: &str = "tick_*_p99_ms are upper bounds of the server's histogram buckets \
(50 µs doubling: 0.8, 1.6, 3.2 ms …), from the bucket counts' growth over the window. \
delivery (against snapshot_hz) and rtt come from the bots' report (whole time in lobby); CPU \
and RSS from /proc over the window. *_us_per_client_snapshot = CPU ÷ (clients × snapshot_hz \
× window × delivery): CPU per delivered snapshot, which at snapshot_hz = tick_hz is the \
former *_us_per_client_tick. implied_capacity = 1 core ÷ (that × snapshot_hz). \
rss_per_client_kib = (RSS at the window's end − RSS before any client) ÷ clients. Relay \
frames go at snapshot_hz and inputs at tick_hz ÷ input_batch; sizes include the WebSocket \
header (2 B down, 6 B up); the relay clients wait for frames as plan.relay_wait says (epoll: \
woken by each frame as the bots are, the wakeups charged to the relay server; tick: reading \
every connection once a tick, which spares the relay server that cost). *_core: the whole core over the window from /proc/stat; its \
softirq share carries loopback TCP work that may be in no process's CPU time, and a step is \
noisy when steal exceeds 2% or the server core is busy with others by over 5 points. verdict: \
server_failed unless only delivery or failed bots broke with the bots saturated \
(bots_saturated).";

pub fn write_outputs(
    plan: &Plan,
    steps: &[StepResult],
    errors: &[StepError],
) -> anyhow::Result<()> {
    let output = Output {
        machine: Machine {
            cores: online_cpus(),
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .unwrap_or_default()
                .trim()
                .to_string(),
        },
        plan,
        rules: Rules {
            min_delivery: hold::MIN_DELIVERY,
            max_tick_lateness_p99_ms: hold::MAX_TICK_LATENESS_P99_MS,
            max_server_cpu_pct: hold::MAX_SERVER_CPU_PCT,
            bots_saturated_cpu_pct: hold::BOTS_SATURATED_CPU_PCT,
            bots_core_saturated_pct: hold::BOTS_CORE_SATURATED_PCT,
            bots_min_input_share: hold::BOTS_MIN_INPUT_SHARE,
        },
        notes: NOTES,
        steps,
        step_errors: errors,
        summary: summary::summarize(steps, plan.snapshot_hz),
    };
    let json = plan.out.join("result.json");
    std::fs::write(&json, serde_json::to_string_pretty(&output)?)
        .with_context(|| format!("writing {}", json.display()))?;
    if !steps.is_empty() {
        let rates = if plan.every_tick() {
            format!("{} Hz", plan.tick_hz)
        } else {
            format!(
                "{} Hz ticks, {} Hz snapshots, {} Hz input messages",
                plan.tick_hz,
                plan.snapshot_hz,
                plan.input_hz()
            )
        };
        let title = format!(
            "Rallypoint capacity: {}-player lobbies at {rates}, server on CPU {}, bots on CPU {}",
            plan.lobby_size, plan.server_cpu, plan.bots_cpu
        );
        plot::write_svg(&plan.out.join("capacity.svg"), steps, &title)?;
    }
    Ok(())
}
