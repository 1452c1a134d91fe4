//! `rallypoint-capacity`: how many clients one core of this machine serves,
//! and how far the server is from the floor the kernel sets.
//!
//! For each step of N clients it runs the standard scenario
//! (`rallypoint-server` pinned to one core, `rallypoint-bots` in 16-player
//! lobbies at 30 Hz pinned to another) and measures a steady window: server
//! CPU and RSS from `/proc`, tick lateness and duration p99 from the
//! server's `/metrics`, delivery and RTT p99 from the bots' report, and the
//! bot process's own CPU. Then it runs `rallypoint-relay` (the loopback
//! floor) at the same N with the frame sizes that run produced, and
//! compares CPU per delivered client-tick. A step holds when delivery is
//! at least 99 %, tick lateness p99 at most 2 ms and server CPU under 95 %;
//! the run stops one step after the first that does not hold.
//!
//! Writes `result.json` and `capacity.svg` in `--out` (rewritten after
//! every step), with each step's logs, bot report and metrics scrapes in
//! `step-NNNNN/`. `benches/capacity` builds the binaries and runs this.
//!
//! Layout: `plan` (settings), `game` (a step against the server), `relay`
//! (the floor step), `procs` (pinned child processes), `procfs` (CPU and
//! RSS), `http` and `metrics` (scraping), `hold` (the rules), `report`
//! (rows, summary, table), `plot` (the SVG).

mod game;
mod hold;
mod http;
mod metrics;
mod plan;
mod plot;
mod procfs;
mod procs;
mod relay;
mod report;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, ensure};
use clap::Parser;
use serde::Serialize;

use crate::plan::Plan;
use crate::report::{StepResult, Summary};

/// Capacity run: the server and its bots at growing N, beside the relay floor.
#[derive(Debug, Parser)]
#[command(name = "rallypoint-capacity", version)]
struct Cli {
    /// Numbers of playing bots, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "500,1000,1500,2000,2500,3000,3500,4000"
    )]
    steps: Vec<usize>,
    /// Seconds of the steady window each step is measured over.
    #[arg(long, default_value_t = 15.0, value_name = "SECS")]
    window_secs: f64,
    /// Seconds after the bots' connect ramp before the window opens.
    #[arg(long, default_value_t = 5.0, value_name = "SECS")]
    warmup_secs: f64,
    /// Seconds after the relay starts ticking before its window opens.
    #[arg(long, default_value_t = 2.0, value_name = "SECS")]
    relay_warmup_secs: f64,
    /// Output directory.
    #[arg(long, default_value = "target/capacity", value_name = "DIR")]
    out: PathBuf,
    /// Ticks per second of the server and the relay.
    #[arg(long, default_value_t = 30, value_name = "HZ")]
    tick_hz: u32,
    /// Bots per lobby.
    #[arg(long, default_value_t = 16, value_name = "K")]
    lobby_size: usize,
    /// The bots' connect ramp, in milliseconds per bot.
    #[arg(long, default_value_t = 2.0, value_name = "MS")]
    ramp_ms_per_bot: f64,
    /// Relay frame size in bytes [default: each step's bytes down per bot
    /// per tick + 2 (WebSocket header)].
    #[arg(long, value_name = "BYTES")]
    frame_bytes: Option<usize>,
    /// Relay input size in bytes [default: each step's bytes up per bot
    /// per tick + 6 (masked WebSocket header)].
    #[arg(long, value_name = "BYTES")]
    input_bytes: Option<usize>,
    /// CPU the server and the relay server are pinned to.
    #[arg(long, default_value_t = 0, value_name = "CPU")]
    server_cpu: usize,
    /// CPU the bots and the relay clients are pinned to.
    #[arg(long, default_value_t = 1, value_name = "CPU")]
    bots_cpu: usize,
    /// The server of step i listens on this port + i.
    #[arg(long, default_value_t = 7450, value_name = "PORT")]
    base_port: u16,
    /// Directory of rallypoint-server, -bots and -relay [default: this
    /// program's own].
    #[arg(long, value_name = "DIR")]
    bin_dir: Option<PathBuf>,
    /// Run every step, not stopping one step after the first that fails.
    #[arg(long)]
    all_steps: bool,
}

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
    bots_min_input_share: f64,
}

#[derive(Serialize)]
struct StepError {
    clients: usize,
    error: String,
}

const NOTES: &str = "tick_*_p99_ms are upper bounds of the server's histogram buckets \
(50 µs doubling: 0.8, 1.6, 3.2 ms …), from the bucket counts' growth over the window. \
delivery and rtt come from the bots' report (whole time in lobby); CPU and RSS from /proc \
over the window. *_us_per_client_tick = CPU ÷ (clients × tick_hz × window × delivery). \
Relay sizes include the WebSocket header (2 B down, 6 B up). *_core: the whole core over \
the window from /proc/stat; its softirq share carries loopback TCP work that may be in no \
process's CPU time, and a step is noisy when steal exceeds 2% or the server core is busy with \
others by over 5 points.";

fn main() -> ExitCode {
    // Children inherit the limit: raise it for the server, bots and relay too.
    if let Err(e) = rlimit::increase_nofile_limit(u64::MAX) {
        eprintln!("capacity: cannot raise the open file limit: {e}");
    }
    match run(Cli::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("capacity: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Runs the steps; `Ok(false)` when a step could not be measured.
fn run(cli: Cli) -> anyhow::Result<bool> {
    let plan = plan_from(&cli)?;
    std::fs::create_dir_all(&plan.out)
        .with_context(|| format!("creating {}", plan.out.display()))?;
    let (mut steps, mut errors) = (Vec::new(), Vec::new());
    let mut holds = Vec::new();
    for (i, &clients) in cli.steps.iter().enumerate() {
        if !cli.all_steps && hold::should_stop(&holds) {
            break;
        }
        eprintln!("capacity: step {clients} clients …");
        let port = plan
            .base_port
            .checked_add(u16::try_from(i)?)
            .context("port overflow")?;
        match run_step(&plan, clients, port) {
            Ok(step) => {
                eprintln!(
                    "capacity: {clients}: server {:.1}% CPU, delivery {:.2}%, lateness p99 {}, relay {:.1}% CPU, ratio {:.2}, {}{}",
                    step.server_cpu_pct,
                    100.0 * step.delivery,
                    step.lateness
                        .map_or("-".into(), metrics::Quantile::describe_ms),
                    step.relay_cpu_pct,
                    step.ratio,
                    if step.holds { "holds" } else { "does not hold" },
                    if step.noisy {
                        " (noisy: steal or other processes on the cores)"
                    } else {
                        ""
                    },
                );
                holds.push(step.holds);
                steps.push(step);
            }
            Err(e) => {
                eprintln!("capacity: {clients}: step failed: {e:#}");
                holds.push(false);
                errors.push(StepError {
                    clients,
                    error: format!("{e:#}"),
                });
            }
        }
        write_outputs(&plan, &steps, &errors)?;
    }
    print!("{}", report::table(&steps));
    print_summary(&report::summarize(&steps), plan.tick_hz);
    println!(
        "wrote {} and {}",
        plan.out.join("result.json").display(),
        plan.out.join("capacity.svg").display()
    );
    Ok(errors.is_empty())
}

fn run_step(plan: &Plan, clients: usize, port: u16) -> anyhow::Result<StepResult> {
    let dir = plan.step_dir(clients);
    std::fs::create_dir_all(&dir)?;
    let game = game::run(plan, clients, port, &dir)?;
    let sizes = plan::relay_sizes(
        plan,
        game.bots.bytes_down_per_bot_per_sec,
        game.bots.bytes_up_per_bot_per_sec,
    );
    let relay = relay::run(plan, clients, sizes.0, sizes.1, &dir).context("relay floor")?;
    Ok(StepResult::new(clients, plan.tick_hz, &game, &relay, sizes))
}

fn plan_from(cli: &Cli) -> anyhow::Result<Plan> {
    ensure!(!cli.steps.is_empty(), "--steps is empty");
    ensure!(cli.steps.iter().all(|&n| n > 0), "--steps must be above 0");
    ensure!(
        cli.steps.windows(2).all(|w| w[0] < w[1]),
        "--steps must be ascending"
    );
    for secs in [
        cli.window_secs,
        cli.warmup_secs,
        cli.relay_warmup_secs,
        cli.ramp_ms_per_bot,
    ] {
        ensure!(secs.is_finite() && secs >= 0.0, "times must be 0 or more");
    }
    ensure!(cli.window_secs >= 1.0, "--window-secs must be at least 1");
    let cores = online_cpus();
    ensure!(
        cli.server_cpu < cores && cli.bots_cpu < cores,
        "--server-cpu and --bots-cpu must be below {cores}, the CPUs this machine has"
    );
    if cli.server_cpu == cli.bots_cpu {
        eprintln!(
            "capacity: warning: the server and the bots share CPU {}",
            cli.server_cpu
        );
    }
    let bin_dir = match &cli.bin_dir {
        Some(d) => d.clone(),
        None => std::env::current_exe()?
            .parent()
            .context("this program has no directory")?
            .to_path_buf(),
    };
    for name in ["rallypoint-server", "rallypoint-bots", "rallypoint-relay"] {
        let path = bin_dir.join(name);
        ensure!(
            path.is_file(),
            "{} not found: build it (cargo build --release --bins) or pass --bin-dir",
            path.display()
        );
    }
    Ok(Plan {
        bin_dir,
        out: cli.out.clone(),
        tick_hz: cli.tick_hz,
        lobby_size: cli.lobby_size,
        window_secs: cli.window_secs,
        warmup_secs: cli.warmup_secs,
        relay_warmup_secs: cli.relay_warmup_secs,
        ramp_ms_per_bot: cli.ramp_ms_per_bot,
        server_cpu: cli.server_cpu,
        bots_cpu: cli.bots_cpu,
        frame_bytes: cli.frame_bytes,
        input_bytes: cli.input_bytes,
        base_port: cli.base_port,
    })
}

/// CPUs online on the machine. Not `available_parallelism`, which counts
/// only the CPUs this process may run on, and `benches/capacity` pins it.
fn online_cpus() -> usize {
    // SAFETY: sysconf only reads a configuration value.
    let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
    usize::try_from(n).unwrap_or(1).max(1)
}

fn write_outputs(plan: &Plan, steps: &[StepResult], errors: &[StepError]) -> anyhow::Result<()> {
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
            bots_min_input_share: hold::BOTS_MIN_INPUT_SHARE,
        },
        notes: NOTES,
        steps,
        step_errors: errors,
        summary: report::summarize(steps),
    };
    let json = plan.out.join("result.json");
    std::fs::write(&json, serde_json::to_string_pretty(&output)?)
        .with_context(|| format!("writing {}", json.display()))?;
    if !steps.is_empty() {
        let title = format!(
            "Rallypoint capacity: {}-player lobbies at {} Hz, server on CPU {}, bots on CPU {}",
            plan.lobby_size, plan.tick_hz, plan.server_cpu, plan.bots_cpu
        );
        plot::write_svg(&plan.out.join("capacity.svg"), steps, &title)?;
    }
    Ok(())
}

fn print_summary(s: &Summary, tick_hz: u32) {
    match s.highest_holding_step {
        Some(n) => println!("highest step that held: {n} clients"),
        None => println!("no step held"),
    }
    if let Some(e) = &s.estimate {
        println!(
            "server cost at {} clients (bots not saturated): {:.2} µs per client-tick \
             (floor {:.2} µs): 1 core ÷ ({:.2} µs × {tick_hz} Hz) ≈ {:.0} clients",
            e.from_step,
            e.server_us_per_client_tick,
            e.relay_us_per_client_tick,
            e.server_us_per_client_tick,
            e.implied_capacity
        );
    }
    if let Some(n) = s.bots_saturated_from {
        let limit = match (s.bots_limited, &s.estimate) {
            (false, _) => "",
            (true, Some(_)) => {
                ": the bots, not the server, set the limit of this run; \
                 the estimate above is the server's"
            }
            (true, None) => {
                ": the bots, not the server, set the limit of this run, \
                 and no step held with the bots unsaturated, so there is no estimate"
            }
        };
        println!("bot process saturated from {n} clients{limit}");
    }
    if !s.noisy_steps.is_empty() {
        println!(
            "warning: steps {:?} ran while something else used the cores (hypervisor steal \
             or other processes; see *_core in result.json): rerun them on a quiet machine",
            s.noisy_steps
        );
    }
    let ratio = |r: Option<f64>| r.map_or("not measured".into(), |r| format!("{r:.2}×"));
    println!(
        "server ÷ floor CPU per client-tick: {} at 1000 clients, {} at 2000",
        ratio(s.ratio_at_1000),
        ratio(s.ratio_at_2000)
    );
}
