//! A step's result row, the run's summary, the table printed at the end
//! and `result.json`.

use serde::Serialize;

use crate::game::GameMeasure;
use crate::hold::{self, Failure, Observed};
use crate::metrics::Quantile;
use crate::procfs::CoreUse;
use crate::relay::RelayMeasure;

/// One step, as written to `result.json` (one object per step).
#[derive(Clone, Debug, Serialize)]
pub struct StepResult {
    pub clients: usize,
    pub holds: bool,
    pub failures: Vec<Failure>,
    pub bots_saturated: bool,
    /// Something else ran on the cores (hypervisor steal, other
    /// processes): the numbers of this step are suspect. See the `*_core`
    /// fields.
    pub noisy: bool,
    /// Server CPU over the window, % of one core (utime + stime).
    pub server_cpu_pct: f64,
    pub server_rss_kib: u64,
    /// Bots' delivery ratio (snapshots ÷ seconds in lobby × tick rate),
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
    pub bots_inputs_per_sec: f64,
    pub server_frames_out_per_client_tick: f64,
    pub snapshots_replaced: u64,
    /// Relay sizes used, in bytes (WebSocket header included).
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
    /// Server CPU µs per delivered client-tick: CPU ÷ (N × hz × window ×
    /// delivery).
    pub server_us_per_client_tick: f64,
    /// Relay server CPU µs per delivered client-tick, the same way.
    pub relay_us_per_client_tick: f64,
    /// server_us_per_client_tick ÷ relay_us_per_client_tick.
    pub ratio: f64,
    /// Clients one core could serve at this step's server cost.
    pub implied_capacity: Option<f64>,
    #[serde(skip)]
    pub lateness: Option<Quantile>,
    #[serde(skip)]
    pub duration: Option<Quantile>,
}

impl StepResult {
    pub fn new(
        clients: usize,
        tick_hz: u32,
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
        let per_client_tick = |cpu_secs: f64, wall_secs: f64, delivered: f64| {
            let ticks = clients as f64 * f64::from(tick_hz) * wall_secs * delivered;
            if ticks > 0.0 {
                cpu_secs * 1e6 / ticks
            } else {
                0.0
            }
        };
        let server_us = per_client_tick(game.server.cpu_secs, game.server.wall_secs, delivery);
        let relay_us = per_client_tick(
            relay.server.cpu_secs,
            relay.server.wall_secs,
            relay.delivery,
        );
        let bots_cpu_pct = game.bots_cpu.pct_of_core();
        let inputs = game.bots.inputs_per_bot_per_sec.mean;
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
            failures,
            bots_saturated: hold::bots_saturated(bots_cpu_pct, inputs, tick_hz),
            noisy: hold::noisy(&steals, &server_core),
            server_cpu_pct,
            server_rss_kib: game.server_rss_kib,
            delivery,
            delivery_min: game.bots.delivery_ratio.min,
            tick_lateness_p99_ms: game.tick_lateness_p99.at_most_ms(),
            tick_duration_p99_ms: game.tick_duration_p99.at_most_ms(),
            rtt_p99_ms: game.bots.rtt_ms.p99,
            bots_cpu_pct,
            bots_joined: game.bots.bots_joined,
            bots_failed: game.bots.bots_failed,
            bots_inputs_per_sec: inputs,
            server_frames_out_per_client_tick: game.frames_out_per_client_tick,
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
            server_us_per_client_tick: server_us,
            relay_us_per_client_tick: relay_us,
            ratio: if relay_us > 0.0 {
                server_us / relay_us
            } else {
                0.0
            },
            implied_capacity: hold::implied_capacity(server_us, tick_hz),
            lateness: Some(game.tick_lateness_p99),
            duration: Some(game.tick_duration_p99),
        }
    }
}

/// What the run found, over all steps.
#[derive(Debug, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Clients at the highest step that held.
    pub highest_holding_step: Option<usize>,
    /// Clients at the first step that did not hold.
    pub first_failing_step: Option<usize>,
    /// Clients at the first step where the bot process was saturated.
    pub bots_saturated_from: Option<usize>,
    /// True when the bots saturated at or before the first failing step
    /// (or with no failing step at all): the run then measured the bots'
    /// limit, and `estimate` is the better capacity figure.
    pub bots_limited: bool,
    /// The server's cost at the highest step that held with the bots not
    /// saturated, and the capacity it implies.
    pub estimate: Option<Estimate>,
    pub ratio_at_1000: Option<f64>,
    pub ratio_at_2000: Option<f64>,
    /// Steps measured while something else used the cores.
    pub noisy_steps: Vec<usize>,
}

#[derive(Debug, PartialEq, Serialize)]
pub struct Estimate {
    pub from_step: usize,
    pub server_us_per_client_tick: f64,
    pub relay_us_per_client_tick: f64,
    /// 1 core ÷ (server µs per client-tick × tick rate).
    pub implied_capacity: f64,
}

pub fn summarize(steps: &[StepResult]) -> Summary {
    let highest_holding_step = steps.iter().filter(|s| s.holds).map(|s| s.clients).max();
    let first_failing_step = steps.iter().find(|s| !s.holds).map(|s| s.clients);
    let bots_saturated_from = steps.iter().find(|s| s.bots_saturated).map(|s| s.clients);
    let bots_limited = match (bots_saturated_from, first_failing_step) {
        (Some(b), Some(f)) => b <= f,
        (Some(_), None) => true,
        (None, _) => false,
    };
    let estimate = steps
        .iter()
        .filter(|s| s.holds && !s.bots_saturated)
        .max_by_key(|s| s.clients)
        .and_then(|s| {
            Some(Estimate {
                from_step: s.clients,
                server_us_per_client_tick: s.server_us_per_client_tick,
                relay_us_per_client_tick: s.relay_us_per_client_tick,
                implied_capacity: s.implied_capacity?,
            })
        });
    let ratio_at = |n| steps.iter().find(|s| s.clients == n).map(|s| s.ratio);
    Summary {
        highest_holding_step,
        first_failing_step,
        bots_saturated_from,
        bots_limited,
        estimate,
        ratio_at_1000: ratio_at(1000),
        ratio_at_2000: ratio_at(2000),
        noisy_steps: steps
            .iter()
            .filter(|s| s.noisy)
            .map(|s| s.clients)
            .collect(),
    }
}

/// The table printed at the end of a run.
pub fn table(steps: &[StepResult]) -> String {
    let mut out = format!(
        "{:>7} {:>7} {:>7} {:>7} {:>8} {:>8} {:>8} {:>7} {:>7} {:>7} {:>7} {:>6}  {}\n",
        "clients",
        "srv%",
        "RSS MiB",
        "deliv%",
        "late99",
        "dur99",
        "RTT99",
        "bots%",
        "relay%",
        "srv µs",
        "rly µs",
        "ratio",
        "holds"
    );
    for s in steps {
        let q = |q: Option<Quantile>| q.map_or("-".into(), Quantile::describe_ms);
        let verdict = if s.holds {
            "yes".to_string()
        } else {
            let why: Vec<String> = s.failures.iter().map(|f| format!("{f:?}")).collect();
            format!("no ({})", why.join(", "))
        };
        let saturated = if s.bots_saturated {
            " [bots saturated]"
        } else {
            ""
        };
        let noisy = if s.noisy { " [noisy machine]" } else { "" };
        out += &format!(
            "{:>7} {:>7.1} {:>7.1} {:>7.2} {:>8} {:>8} {:>8.2} {:>7.1} {:>7.1} {:>7.2} {:>7.2} {:>6.2}  {verdict}{saturated}{noisy}\n",
            s.clients,
            s.server_cpu_pct,
            s.server_rss_kib as f64 / 1024.0,
            100.0 * s.delivery,
            q(s.lateness),
            q(s.duration),
            s.rtt_p99_ms,
            s.bots_cpu_pct,
            s.relay_cpu_pct,
            s.server_us_per_client_tick,
            s.relay_us_per_client_tick,
            s.ratio,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(clients: usize, holds: bool, bots_saturated: bool, us: f64) -> StepResult {
        StepResult {
            clients,
            holds,
            failures: if holds {
                vec![]
            } else {
                vec![Failure::Delivery]
            },
            bots_saturated,
            noisy: false,
            server_cpu_pct: 0.0,
            server_rss_kib: 0,
            delivery: 1.0,
            delivery_min: 1.0,
            tick_lateness_p99_ms: Some(0.8),
            tick_duration_p99_ms: Some(0.4),
            rtt_p99_ms: 1.0,
            bots_cpu_pct: 0.0,
            bots_joined: clients as u64,
            bots_failed: 0,
            bots_inputs_per_sec: 30.0,
            server_frames_out_per_client_tick: 1.0,
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
            server_us_per_client_tick: us,
            relay_us_per_client_tick: 10.0,
            ratio: us / 10.0,
            implied_capacity: hold::implied_capacity(us, 30),
            lateness: None,
            duration: None,
        }
    }

    #[test]
    fn summary_when_the_server_fails_first() {
        let steps = [
            step(1000, true, false, 20.0),
            step(2000, true, false, 25.0),
            step(2500, false, false, 30.0),
            step(3000, false, true, 30.0),
        ];
        let s = summarize(&steps);
        assert_eq!(s.highest_holding_step, Some(2000));
        assert_eq!(s.first_failing_step, Some(2500));
        assert_eq!(s.bots_saturated_from, Some(3000));
        assert!(!s.bots_limited);
        let e = s.estimate.unwrap();
        assert_eq!((e.from_step, e.server_us_per_client_tick), (2000, 25.0));
        assert!((e.implied_capacity - 1333.3).abs() < 0.1);
        assert_eq!((s.ratio_at_1000, s.ratio_at_2000), (Some(2.0), Some(2.5)));
    }

    #[test]
    fn summary_when_the_bots_saturate_first() {
        let steps = [
            step(500, true, false, 20.0),
            step(1000, true, true, 21.0),
            step(1500, false, true, 22.0),
        ];
        let s = summarize(&steps);
        assert_eq!(s.highest_holding_step, Some(1000));
        assert!(s.bots_limited);
        assert_eq!(
            s.estimate.unwrap().from_step,
            500,
            "only the clean step counts"
        );
        assert_eq!(s.ratio_at_2000, None);
        assert!(s.noisy_steps.is_empty());
        assert!(table(&steps).contains("[bots saturated]"));
    }
}
