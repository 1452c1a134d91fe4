//! A step's result row, as `result.json` holds it, and the table printed at
//! the end of a run.
//!
//! Costs are CPU per delivered snapshot: per client per snapshot period,
//! counting only the snapshots that arrived. At a snapshot every tick (the
//! standard 30/30 run) that is the cost per client-tick earlier runs
//! reported; at 15 Hz snapshots a server does two ticks of simulation per
//! snapshot, and the figure says so by its name.

use serde::Serialize;

use crate::game::GameMeasure;
use crate::hold::{self, BotsLoad, Failure, Observed, Verdict};
use crate::metrics::Quantile;
use crate::plan::Plan;
use crate::procfs::CoreUse;
use crate::relay::RelayMeasure;

/// One step, as written to `result.json` (one object per step).
#[derive(Clone, Debug, Serialize)]
pub struct StepResult {
    pub clients: usize,
    pub holds: bool,
    /// Whose limit the step shows: `holds`, `server_failed` or
    /// `bots_saturated` (see `hold::verdict`).
    pub verdict: Verdict,
    pub failures: Vec<Failure>,
    pub bots_saturated: bool,
    /// Something else ran on the cores (hypervisor steal, other
    /// processes): the numbers of this step are suspect. See the `*_core`
    /// fields.
    pub noisy: bool,
    /// Server CPU over the window, % of one core (utime + stime).
    pub server_cpu_pct: f64,
    /// Server RSS at the end of the window.
    pub server_rss_kib: u64,
    /// Server RSS once it answered `/healthz`, before any client.
    pub server_start_rss_kib: u64,
    /// (server_rss_kib − server_start_rss_kib) ÷ clients: memory per
    /// playing client, lobbies and their worlds included.
    pub rss_per_client_kib: f64,
    /// Bots' delivery ratio (snapshots ÷ seconds in lobby × snapshot rate),
    /// mean and min over bots, over each bot's whole time in its lobby.
    pub delivery: f64,
    pub delivery_min: f64,
    /// Upper bound of the bucket holding the window's p99, in ms; null when
    /// there were no ticks or it is past the last bucket.
    pub tick_lateness_p99_ms: Option<f64>,
    pub tick_duration_p99_ms: Option<f64>,
    pub rtt_p99_ms: f64,
    pub bots_cpu_pct: f64,
    pub bots_joined: u64,
    pub bots_failed: u64,
    /// Inputs sampled per bot per second (the tick rate when keeping up).
    pub bots_inputs_per_sec: f64,
    /// Messages carrying them per bot per second (÷ the input batch).
    pub bots_input_messages_per_sec: f64,
    /// WebSocket messages the server wrote per client per snapshot period.
    pub server_frames_out_per_client_snapshot: f64,
    pub snapshots_replaced: u64,
    /// Relay sizes used, in bytes (WebSocket header included): a frame per
    /// snapshot, an input per input message.
    pub frame_bytes: usize,
    pub input_bytes: usize,
    pub relay_cpu_pct: f64,
    pub relay_clients_cpu_pct: f64,
    pub relay_delivery: f64,
    pub relay_tick_lateness_p99_ms: f64,
    pub relay_ticks_skipped: u64,
    pub relay_writes_blocked: u64,
    /// The cores as a whole over each window (busy includes softirq, which
    /// on loopback carries TCP receive work that may be in no process's
    /// CPU time).
    pub server_core: CoreUse,
    pub bots_core: CoreUse,
    pub relay_server_core: CoreUse,
    pub relay_clients_core: CoreUse,
    /// Server CPU µs per delivered snapshot: CPU ÷ (N × snapshot_hz ×
    /// window × delivery).
    pub server_us_per_client_snapshot: f64,
    /// Relay server CPU µs per delivered frame, the same way.
    pub relay_us_per_client_snapshot: f64,
    /// server_us_per_client_snapshot ÷ relay_us_per_client_snapshot.
    pub ratio: f64,
    /// Clients one core could serve at the snapshot rate at this step's
    /// server cost: 1 core ÷ (cost × snapshot_hz).
    pub implied_capacity: Option<f64>,
    /// … and at the relay's.
    pub relay_implied_capacity: Option<f64>,
    #[serde(skip)]
    pub lateness: Option<Quantile>,
    #[serde(skip)]
    pub duration: Option<Quantile>,
}

/// CPU µs per delivered message: `cpu_secs` ÷ (clients × hz × wall ×
/// delivery); 0 when nothing was delivered.
pub fn us_per_delivered(cpu_secs: f64, clients: usize, hz: u32, wall: f64, delivery: f64) -> f64 {
    let delivered = clients as f64 * f64::from(hz) * wall * delivery;
    if delivered > 0.0 {
        cpu_secs * 1e6 / delivered
    } else {
        0.0
    }
}

/// KiB of RSS per client between two readings; 0 with no clients, and
/// negative if memory was returned (reported as it is).
pub fn rss_per_client_kib(start_kib: u64, now_kib: u64, clients: usize) -> f64 {
    if clients == 0 {
        return 0.0;
    }
    (now_kib as f64 - start_kib as f64) / clients as f64
}

impl StepResult {
    pub fn new(
        clients: usize,
        plan: &Plan,
        game: &GameMeasure,
        relay: &RelayMeasure,
        (frame_bytes, input_bytes): (usize, usize),
    ) -> StepResult {
        let delivery = game.bots.delivery_ratio.mean;
        let server_cpu_pct = game.server.pct_of_core();
        let observed = Observed {
            delivery,
            tick_lateness_p99_ms: game.tick_lateness_p99.at_most_ms(),
            server_cpu_pct,
            bots_failed: game.bots.bots_failed,
        };
        let failures = hold::failures(&observed);
        let hz = plan.snapshot_hz;
        let server_us = us_per_delivered(
            game.server.cpu_secs,
            clients,
            hz,
            game.server.wall_secs,
            delivery,
        );
        let relay_us = us_per_delivered(
            relay.server.cpu_secs,
            clients,
            hz,
            relay.server.wall_secs,
            relay.delivery,
        );
        let bots = BotsLoad {
            cpu_pct: game.bots_cpu.pct_of_core(),
            core_busy_pct: game.bots_core.busy_pct,
            inputs_per_sec: game.bots.inputs_per_bot_per_sec.mean,
        };
        let bots_saturated = hold::bots_saturated(&bots, plan.tick_hz);
        let relay_cpu_pct = relay.server.pct_of_core();
        let steals = [
            game.server_core.steal_pct,
            game.bots_core.steal_pct,
            relay.server_core.steal_pct,
            relay.clients_core.steal_pct,
        ];
        let server_core = [
            (
                game.server_core.busy_pct,
                game.server_core.softirq_pct,
                server_cpu_pct,
            ),
            (
                relay.server_core.busy_pct,
                relay.server_core.softirq_pct,
                relay_cpu_pct,
            ),
        ];
        StepResult {
            clients,
            holds: failures.is_empty(),
            verdict: hold::verdict(&failures, bots_saturated),
            failures,
            bots_saturated,
            noisy: hold::noisy(&steals, &server_core),
            server_cpu_pct,
            server_rss_kib: game.server_rss_kib,
            server_start_rss_kib: game.server_start_rss_kib,
            rss_per_client_kib: rss_per_client_kib(
                game.server_start_rss_kib,
                game.server_rss_kib,
                clients,
            ),
            delivery,
            delivery_min: game.bots.delivery_ratio.min,
            tick_lateness_p99_ms: game.tick_lateness_p99.at_most_ms(),
            tick_duration_p99_ms: game.tick_duration_p99.at_most_ms(),
            rtt_p99_ms: game.bots.rtt_ms.p99,
            bots_cpu_pct: bots.cpu_pct,
            bots_joined: game.bots.bots_joined,
            bots_failed: game.bots.bots_failed,
            bots_inputs_per_sec: bots.inputs_per_sec,
            bots_input_messages_per_sec: game.bots.input_messages_per_bot_per_sec.mean,
            server_frames_out_per_client_snapshot: game.frames_out_per_client_snapshot,
            snapshots_replaced: game.snapshots_replaced,
            frame_bytes,
            input_bytes,
            relay_cpu_pct,
            relay_clients_cpu_pct: relay.clients_cpu.pct_of_core(),
            relay_delivery: relay.delivery,
            relay_tick_lateness_p99_ms: f64::from(relay.report.tick_lateness.p99_us) / 1000.0,
            relay_ticks_skipped: relay.report.ticks_skipped,
            relay_writes_blocked: relay.report.writes_blocked,
            server_core: game.server_core,
            bots_core: game.bots_core,
            relay_server_core: relay.server_core,
            relay_clients_core: relay.clients_core,
            server_us_per_client_snapshot: server_us,
            relay_us_per_client_snapshot: relay_us,
            ratio: if relay_us > 0.0 {
                server_us / relay_us
            } else {
                0.0
            },
            implied_capacity: hold::implied_capacity(server_us, hz),
            relay_implied_capacity: hold::implied_capacity(relay_us, hz),
            lateness: Some(game.tick_lateness_p99),
            duration: Some(game.tick_duration_p99),
        }
    }
}

/// The table printed at the end of a run. `µs/snap` is CPU per delivered
/// snapshot (per client-tick at a snapshot every tick); `cap` the clients
/// one core could serve at that cost.
pub fn table(steps: &[StepResult]) -> String {
    let mut out = format!(
        "{:>7} {:>6} {:>7} {:>6} {:>7} {:>6} {:>6} {:>7} {:>6} {:>6} {:>6} {:>7} {:>7} {:>5} {:>6} {:>6}  {}\n",
        "clients",
        "srv%",
        "RSS MiB",
        "KiB/cl",
        "deliv%",
        "late99",
        "dur99",
        "RTT99",
        "bots%",
        "bcore%",
        "relay%",
        "srv µs",
        "rly µs",
        "ratio",
        "srvcap",
        "rlycap",
        "verdict"
    );
    for s in steps {
        let q = |q: Option<Quantile>| q.map_or("-".into(), Quantile::describe_ms);
        let cap = |c: Option<f64>| c.map_or("-".into(), |c| format!("{c:.0}"));
        let verdict = match s.verdict {
            Verdict::Holds => "holds".to_string(),
            Verdict::ServerFailed | Verdict::BotsSaturated => {
                let why: Vec<String> = s.failures.iter().map(|f| format!("{f:?}")).collect();
                let who = if s.verdict == Verdict::ServerFailed {
                    "server failed"
                } else {
                    "bots saturated"
                };
                format!("{who} ({})", why.join(", "))
            }
        };
        let saturated = if s.bots_saturated && s.verdict != Verdict::BotsSaturated {
            " [bots saturated]"
        } else {
            ""
        };
        let noisy = if s.noisy { " [noisy machine]" } else { "" };
        out += &format!(
            "{:>7} {:>6.1} {:>7.1} {:>6.1} {:>7.2} {:>6} {:>6} {:>7.2} {:>6.1} {:>6.1} {:>6.1} {:>7.2} {:>7.2} {:>5.2} {:>6} {:>6}  {verdict}{saturated}{noisy}\n",
            s.clients,
            s.server_cpu_pct,
            s.server_rss_kib as f64 / 1024.0,
            s.rss_per_client_kib,
            100.0 * s.delivery,
            q(s.lateness),
            q(s.duration),
            s.rtt_p99_ms,
            s.bots_cpu_pct,
            s.bots_core.busy_pct,
            s.relay_cpu_pct,
            s.server_us_per_client_snapshot,
            s.relay_us_per_client_snapshot,
            s.ratio,
            cap(s.implied_capacity),
            cap(s.relay_implied_capacity),
        );
    }
    out
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// A step row for tests: `us` server µs per snapshot against a relay
    /// at 10, at 30 Hz snapshots.
    pub fn step(clients: usize, holds: bool, bots_saturated: bool, us: f64) -> StepResult {
        let failures = if holds {
            vec![]
        } else {
            vec![Failure::Delivery]
        };
        StepResult {
            clients,
            holds,
            verdict: hold::verdict(&failures, bots_saturated),
            failures,
            bots_saturated,
            noisy: false,
            server_cpu_pct: 0.0,
            server_rss_kib: 0,
            server_start_rss_kib: 0,
            rss_per_client_kib: 0.0,
            delivery: 1.0,
            delivery_min: 1.0,
            tick_lateness_p99_ms: Some(0.8),
            tick_duration_p99_ms: Some(0.4),
            rtt_p99_ms: 1.0,
            bots_cpu_pct: 0.0,
            bots_joined: clients as u64,
            bots_failed: 0,
            bots_inputs_per_sec: 30.0,
            bots_input_messages_per_sec: 30.0,
            server_frames_out_per_client_snapshot: 1.0,
            snapshots_replaced: 0,
            frame_bytes: 32,
            input_bytes: 30,
            relay_cpu_pct: 0.0,
            relay_clients_cpu_pct: 0.0,
            relay_delivery: 1.0,
            relay_tick_lateness_p99_ms: 0.1,
            relay_ticks_skipped: 0,
            relay_writes_blocked: 0,
            server_core: CoreUse::default(),
            bots_core: CoreUse::default(),
            relay_server_core: CoreUse::default(),
            relay_clients_core: CoreUse::default(),
            server_us_per_client_snapshot: us,
            relay_us_per_client_snapshot: 10.0,
            ratio: us / 10.0,
            implied_capacity: hold::implied_capacity(us, 30),
            relay_implied_capacity: hold::implied_capacity(10.0, 30),
            lateness: None,
            duration: None,
        }
    }

    #[test]
    fn cost_is_per_delivered_snapshot() {
        // 0.6 CPU-s over 10 s for 1000 clients at 15 Hz, 99% delivered:
        // 148 500 snapshots, 4.04 µs each.
        let us = us_per_delivered(0.6, 1000, 15, 10.0, 0.99);
        assert!((us - 4.0404).abs() < 1e-3, "{us}");
        // The same CPU at 30 Hz is half the cost per snapshot.
        let at_30 = us_per_delivered(0.6, 1000, 30, 10.0, 0.99);
        assert!((at_30 - us / 2.0).abs() < 1e-9);
        assert_eq!(us_per_delivered(0.6, 1000, 30, 10.0, 0.0), 0.0);
    }

    #[test]
    fn rss_per_client_is_growth_over_clients() {
        assert_eq!(rss_per_client_kib(10_000, 30_480, 1000), 20.48);
        assert_eq!(rss_per_client_kib(10_000, 9_000, 1000), -1.0);
        assert_eq!(rss_per_client_kib(10_000, 30_000, 0), 0.0);
    }

    #[test]
    fn the_table_says_whose_limit_a_step_shows() {
        let mut late = step(3000, false, true, 30.0);
        late.failures = vec![Failure::TickLateness];
        late.verdict = hold::verdict(&late.failures, true);
        let steps = [
            step(1000, true, false, 20.0),
            step(1500, true, true, 21.0),
            step(2000, false, true, 22.0),
            late,
        ];
        let t = table(&steps);
        let lines: Vec<&str> = t.lines().collect();
        assert!(lines[1].ends_with("holds"), "{}", lines[1]);
        assert!(lines[2].ends_with("holds [bots saturated]"), "{}", lines[2]);
        assert!(
            lines[3].ends_with("bots saturated (Delivery)"),
            "{}",
            lines[3]
        );
        assert!(
            lines[4].ends_with("server failed (TickLateness) [bots saturated]"),
            "{}",
            lines[4]
        );
        // 20 µs a snapshot at 30 Hz: 1 666 clients on one core.
        assert!(lines[1].contains(" 1667 "), "{}", lines[1]);
    }
}
