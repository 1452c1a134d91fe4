//! `rallypoint-capacity`: how many clients one core of this machine serves,
//! and how far the server is from the floor the kernel sets.
//!
//! For each step of N clients it runs the standard scenario
//! (`rallypoint-server` pinned to one core, `rallypoint-bots` in 16-player
//! lobbies at 30 Hz pinned to another; `--snapshot-hz` and `--input-batch`
//! thin the traffic each way) and measures a steady window: server CPU and
//! RSS from `/proc` (RSS also before any client, for memory per playing
//! client), tick lateness and duration p99 from the server's `/metrics`,
//! delivery (against the snapshot rate) and RTT p99 from the bots' report,
//! and the bots' CPU and core. Then it runs `rallypoint-relay` (the
//! loopback floor) at the same N with the frame and input sizes and rates
//! that run produced, its clients waiting for frames in epoll as the bots
//! do (`--relay-wait`), and compares CPU per delivered snapshot, and the
//! capacity each implies on one core. A step holds when delivery is at
//! least 99 %, tick lateness p99 at most 2 ms and server CPU under 95 %;
//! a step that fails is the server's failure unless only delivery broke
//! with the bots saturated. The run stops one step after the first that
//! does not hold.
//!
//! `--idle N` instead measures server RSS per idle connection (after
//! `Hello`, not in a lobby) at N connections (`idle`).
//!
//! Writes `result.json` and `capacity.svg` in `--out` (rewritten after
//! every step), with each step's logs, bot report and metrics scrapes in
//! `step-NNNNN/`; or `idle.json` and `idle-NNNNN/`. `benches/capacity`
//! builds the binaries and runs this.
//!
//! Layout: `plan` (settings), `game` (a step against the server), `relay`
//! (the floor step), `idle` (memory per idle connection), `procs` (pinned
//! child processes), `procfs` (CPU and RSS), `http` and `metrics`
//! (scraping), `hold` (the rules), `report` (rows and table), `summary`
//! (the run's findings), `output` (`result.json`), `plot` (the SVG).

mod game;
mod hold;
mod http;
mod idle;
mod metrics;
mod output;
mod plan;
mod plot;
mod procfs;
mod procs;
mod relay;
mod report;
mod summary;

use std::path::PathBuf;
use std::process::ExitCode;

use crate::output::{StepError, write_outputs};
use crate::plan::{Plan, RelayWait};
use crate::report::StepResult;
use anyhow::{Context, ensure};
use clap::Parser;

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
    /// Ticks per second of the server.
    #[arg(long, default_value_t = 30, value_name = "HZ")]
    tick_hz: u32,
    /// Snapshots per second, passed to the server (1 to --tick-hz); the
    /// relay sends frames at this rate [default: --tick-hz].
    #[arg(long, value_name = "HZ")]
    snapshot_hz: Option<u32>,
    /// Ticks' inputs per bot message, passed to the bots (1 to 8, dividing
    /// --tick-hz): inputs go up at tick-hz ÷ K messages a second, and so do
    /// the relay's.
    #[arg(long, default_value_t = 1, value_name = "K")]
    input_batch: u32,
    /// Instead of the steps: server RSS per idle connection (after Hello,
    /// not in a lobby) at N connections; writes idle.json.
    #[arg(long, value_name = "N")]
    idle: Option<usize>,
    /// Bots per lobby.
    #[arg(long, default_value_t = 16, value_name = "K")]
    lobby_size: usize,
    /// The bots' connect ramp, in milliseconds per bot (the whole ramp is
    /// passed to the bots as --ramp-ms).
    #[arg(long, default_value_t = 2.0, value_name = "MS")]
    ramp_ms_per_bot: f64,
    /// Relay frame size in bytes [default: each step's bytes down per bot
    /// per snapshot + 2 (WebSocket header)].
    #[arg(long, value_name = "BYTES")]
    frame_bytes: Option<usize>,
    /// Relay input size in bytes [default: each step's bytes up per bot
    /// per input message + 6 (masked WebSocket header)].
    #[arg(long, value_name = "BYTES")]
    input_bytes: Option<usize>,
    /// How the relay's clients wait for frames. epoll: woken by each frame,
    /// as the bots (tokio) are, so the relay server pays for the wakeups
    /// as the server does (like-for-like); tick: asleep until each tick,
    /// which spares the relay server that cost (earlier runs' floor).
    #[arg(long, value_enum, default_value_t = RelayWait::Epoll)]
    relay_wait: RelayWait,
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
    if let Some(n) = cli.idle {
        eprintln!("capacity: idle: {n} connections …");
        let result = idle::run(&plan, n, plan.base_port)?;
        idle::write(&plan.out, &result)?;
        println!("{}", result.line());
        println!("wrote {}", plan.out.join("idle.json").display());
        return Ok(true);
    }
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
                    "capacity: {clients}: server {:.1}% CPU, {:.1} KiB RSS per client, delivery {:.2}%, \
                     lateness p99 {}, bots {:.1}% CPU, relay ({}) {:.1}% CPU, ratio {:.2}, {}{}",
                    step.server_cpu_pct,
                    step.rss_per_client_kib,
                    100.0 * step.delivery,
                    step.lateness
                        .map_or("-".into(), metrics::Quantile::describe_ms),
                    step.bots_cpu_pct,
                    plan.relay_wait.as_arg(),
                    step.relay_cpu_pct,
                    step.ratio,
                    match step.verdict {
                        hold::Verdict::Holds => "holds",
                        hold::Verdict::ServerFailed => "does not hold: server failed",
                        hold::Verdict::BotsSaturated => "does not hold: bots saturated",
                    },
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
    print!(
        "{}",
        summary::text(&summary::summarize(&steps, plan.snapshot_hz), &steps)
    );
    println!(
        "floor: rallypoint-relay, its clients waiting by {} (--relay-wait)",
        plan.relay_wait.as_arg()
    );
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
    Ok(StepResult::new(clients, plan, &game, &relay, sizes))
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
    let snapshot_hz = plan::check_rates(cli.tick_hz, cli.snapshot_hz, cli.input_batch)?;
    if let Some(n) = cli.idle {
        ensure!(n > 0, "--idle must be above 0");
    }
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
        snapshot_hz,
        input_batch: cli.input_batch,
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
        relay_wait: cli.relay_wait,
    })
}

/// CPUs online on the machine. Not `available_parallelism`, which counts
/// only the CPUs this process may run on, and `benches/capacity` pins it.
pub fn online_cpus() -> usize {
    // SAFETY: sysconf only reads a configuration value.
    let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
    usize::try_from(n).unwrap_or(1).max(1)
}
