//! When a step holds, when the bots are the bottleneck, when the run
//! stops, and what capacity a measured cost implies. Pure functions of the
//! numbers, so the rules are tested exactly.

use serde::Serialize;

/// A step holds only if the bots received at least this share of the
/// snapshots the snapshot rate implies (mean over bots).
pub const MIN_DELIVERY: f64 = 0.99;
/// … and p99 tick lateness (a histogram bucket's upper bound) is at most
/// this many milliseconds. The server's buckets double (0.8, 1.6, 3.2 ms),
/// so in practice this means the 1.6 ms bucket.
pub const MAX_TICK_LATENESS_P99_MS: f64 = 2.0;
/// … and the server used less than this share of its one core.
pub const MAX_SERVER_CPU_PCT: f64 = 95.0;
/// The bot process at or above this share of its core is saturated: its
/// own delays then show in delivery and RTT, so the step says more about
/// the bots than about the server.
pub const BOTS_SATURATED_CPU_PCT: f64 = 90.0;
/// The bots' core at or above this share busy (their process plus the
/// loopback softirq work it runs, plus anything else) is saturated too,
/// even if the bot process's own share is lower.
pub const BOTS_CORE_SATURATED_PCT: f64 = 95.0;
/// Bots sending fewer inputs than this share of the tick rate have fallen
/// behind (the bot client's own warning uses the same idea).
pub const BOTS_MIN_INPUT_SHARE: f64 = 0.98;

/// Hypervisor steal above this share of a core, in either window, marks
/// the step as measured on a machine that was not quiet.
pub const MAX_STEAL_PCT: f64 = 2.0;
/// So does this much of the server's core busy with something other than
/// the server (or the relay server) and softirq, in percentage points.
pub const MAX_OTHERS_ON_SERVER_CORE_PCT: f64 = 5.0;

/// Why a step did not hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    /// Delivery below [`MIN_DELIVERY`].
    Delivery,
    /// Tick lateness p99 above [`MAX_TICK_LATENESS_P99_MS`], or not known
    /// (no ticks in the window, or past the last bucket).
    TickLateness,
    /// Server CPU at or above [`MAX_SERVER_CPU_PCT`].
    ServerCpu,
    /// Some bots failed (could not connect or join, stalled, …): the
    /// server did not serve N clients.
    BotsFailed,
}

/// Whose limit a step shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Holds,
    /// The server broke a rule of its own (tick lateness, CPU), or broke
    /// delivery with the bots keeping up: the server's limit.
    ServerFailed,
    /// Only delivery (or failed bots) broke, and the bots were saturated:
    /// the bots' limit, which says nothing against the server.
    BotsSaturated,
}

/// The numbers a step is judged on.
#[derive(Clone, Copy, Debug)]
pub struct Observed {
    pub delivery: f64,
    pub tick_lateness_p99_ms: Option<f64>,
    pub server_cpu_pct: f64,
    pub bots_failed: u64,
}

/// Every rule the step broke, in a fixed order; empty when it holds.
pub fn failures(o: &Observed) -> Vec<Failure> {
    let mut out = Vec::new();
    if o.delivery < MIN_DELIVERY {
        out.push(Failure::Delivery);
    }
    if o.tick_lateness_p99_ms
        .is_none_or(|ms| ms > MAX_TICK_LATENESS_P99_MS)
    {
        out.push(Failure::TickLateness);
    }
    if o.server_cpu_pct >= MAX_SERVER_CPU_PCT {
        out.push(Failure::ServerCpu);
    }
    if o.bots_failed > 0 {
        out.push(Failure::BotsFailed);
    }
    out
}

/// What the bots' side did in a step.
#[derive(Clone, Copy, Debug)]
pub struct BotsLoad {
    /// The bot process, % of one core.
    pub cpu_pct: f64,
    /// The bots' core as a whole, % busy.
    pub core_busy_pct: f64,
    /// Inputs sampled and sent per bot per second, however batched.
    pub inputs_per_sec: f64,
}

/// Whether the bots were the bottleneck: their process near its core's
/// limit, their core nearly full, or sending fewer inputs than the tick
/// rate (inputs are sampled every tick whatever the batching).
pub fn bots_saturated(bots: &BotsLoad, tick_hz: u32) -> bool {
    bots.cpu_pct >= BOTS_SATURATED_CPU_PCT
        || bots.core_busy_pct >= BOTS_CORE_SATURATED_PCT
        || bots.inputs_per_sec < BOTS_MIN_INPUT_SHARE * f64::from(tick_hz)
}

/// Whose limit a step shows, from the rules it broke and whether the bots
/// were saturated. Tick lateness and server CPU are the server's own
/// (the bots run on another core); delivery and failed bots are the
/// server's only if the bots kept up.
pub fn verdict(failures: &[Failure], bots_saturated: bool) -> Verdict {
    let servers_own = failures
        .iter()
        .any(|f| matches!(f, Failure::TickLateness | Failure::ServerCpu));
    match (failures.is_empty(), servers_own, bots_saturated) {
        (true, _, _) => Verdict::Holds,
        (false, true, _) | (false, false, false) => Verdict::ServerFailed,
        (false, false, true) => Verdict::BotsSaturated,
    }
}

/// Whether something else shared the cores during a step: steal above
/// [`MAX_STEAL_PCT`] on any core in any window, or the server core busier
/// than its own process and softirq by more than
/// [`MAX_OTHERS_ON_SERVER_CORE_PCT`]. `server_core` pairs the core's
/// (busy %, softirq %) with the pinned process's own CPU %.
pub fn noisy(steal_pcts: &[f64], server_core: &[(f64, f64, f64)]) -> bool {
    steal_pcts.iter().any(|&s| s > MAX_STEAL_PCT)
        || server_core
            .iter()
            .any(|&(busy, softirq, own)| busy - softirq - own > MAX_OTHERS_ON_SERVER_CORE_PCT)
}

/// Whether to stop after the steps so far: the run goes one step past the
/// first step that did not hold, then stops.
pub fn should_stop(holds: &[bool]) -> bool {
    holds
        .iter()
        .position(|h| !h)
        .is_some_and(|i| holds.len() > i + 1)
}

/// Clients one core could serve at `snapshot_hz` at this CPU cost per
/// delivered snapshot (per client per snapshot period): 1 core ÷ (cost ×
/// snapshot rate). At a snapshot every tick this is the cost per
/// client-tick times the tick rate.
pub fn implied_capacity(us_per_client_snapshot: f64, snapshot_hz: u32) -> Option<f64> {
    (us_per_client_snapshot > 0.0).then(|| 1e6 / (us_per_client_snapshot * f64::from(snapshot_hz)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> Observed {
        Observed {
            delivery: 0.999,
            tick_lateness_p99_ms: Some(1.6),
            server_cpu_pct: 80.0,
            bots_failed: 0,
        }
    }

    #[test]
    fn a_good_step_holds() {
        assert_eq!(failures(&good()), vec![]);
        let edge = Observed {
            delivery: 0.99,
            tick_lateness_p99_ms: Some(2.0),
            server_cpu_pct: 94.9,
            ..good()
        };
        assert_eq!(failures(&edge), vec![]);
    }

    #[test]
    fn each_rule_fails_on_its_own() {
        let low = Observed {
            delivery: 0.985,
            ..good()
        };
        assert_eq!(failures(&low), vec![Failure::Delivery]);
        let late = Observed {
            tick_lateness_p99_ms: Some(3.2),
            ..good()
        };
        assert_eq!(failures(&late), vec![Failure::TickLateness]);
        let unknown = Observed {
            tick_lateness_p99_ms: None,
            ..good()
        };
        assert_eq!(failures(&unknown), vec![Failure::TickLateness]);
        let busy = Observed {
            server_cpu_pct: 95.0,
            ..good()
        };
        assert_eq!(failures(&busy), vec![Failure::ServerCpu]);
        let failed = Observed {
            bots_failed: 1,
            ..good()
        };
        assert_eq!(failures(&failed), vec![Failure::BotsFailed]);
    }

    #[test]
    fn bots_saturate_on_cpu_core_or_input_rate() {
        let calm = BotsLoad {
            cpu_pct: 60.0,
            core_busy_pct: 80.0,
            inputs_per_sec: 30.0,
        };
        assert!(!bots_saturated(&calm, 30));
        let busy = BotsLoad {
            cpu_pct: 90.0,
            ..calm
        };
        assert!(bots_saturated(&busy, 30));
        let full_core = BotsLoad {
            core_busy_pct: 96.0,
            ..calm
        };
        assert!(bots_saturated(&full_core, 30));
        let behind = BotsLoad {
            inputs_per_sec: 29.0,
            ..calm
        };
        assert!(bots_saturated(&behind, 30));
    }

    #[test]
    fn a_verdict_blames_the_bots_only_for_what_they_can_cause() {
        use Failure::*;
        assert_eq!(verdict(&[], true), Verdict::Holds);
        assert_eq!(verdict(&[Delivery], false), Verdict::ServerFailed);
        assert_eq!(verdict(&[Delivery], true), Verdict::BotsSaturated);
        assert_eq!(
            verdict(&[Delivery, BotsFailed], true),
            Verdict::BotsSaturated
        );
        assert_eq!(
            verdict(&[Delivery, TickLateness], true),
            Verdict::ServerFailed
        );
        assert_eq!(verdict(&[ServerCpu], true), Verdict::ServerFailed);
    }

    #[test]
    fn a_step_is_noisy_on_steal_or_strangers_on_the_server_core() {
        assert!(!noisy(&[0.5, 1.0], &[(60.0, 10.0, 48.0)]));
        assert!(noisy(&[0.5, 2.5], &[(60.0, 10.0, 48.0)]));
        assert!(
            noisy(&[0.0], &[(60.0, 0.0, 48.0)]),
            "12 points unaccounted for"
        );
    }

    #[test]
    fn the_run_goes_one_step_past_the_first_failure() {
        assert!(!should_stop(&[]));
        assert!(!should_stop(&[true, true]));
        assert!(!should_stop(&[true, false]));
        assert!(should_stop(&[true, false, true]));
        assert!(should_stop(&[true, false, false]));
    }

    #[test]
    fn capacity_is_one_core_over_cost_per_second() {
        // 11 µs per client-tick at 30 Hz: 1e6 / 330 ≈ 3030 clients.
        let c = implied_capacity(11.0, 30).unwrap();
        assert!((c - 3030.3).abs() < 0.1, "{c}");
        assert_eq!(implied_capacity(0.0, 30), None);
        // The same cost per snapshot at 15 Hz serves twice the clients.
        let c = implied_capacity(11.0, 15).unwrap();
        assert!((c - 6060.6).abs() < 0.1, "{c}");
    }
}
