//! What a run found over all its steps: the highest step that held, whose
//! limit stopped it (the server's or the bots'), and the capacity the
//! server's measured cost implies on one core, beside the floor's; as a
//! struct for `result.json` and as the text printed at the end.

use serde::Serialize;

use crate::hold::Verdict;
use crate::report::StepResult;

/// What the run found, over all steps.
#[derive(Debug, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Snapshots per second the costs and capacities are counted at.
    pub snapshot_hz: u32,
    /// Clients at the highest step that held.
    pub highest_holding_step: Option<usize>,
    /// Clients at the first step that did not hold.
    pub first_failing_step: Option<usize>,
    /// Clients at the first step where the bots were saturated.
    pub bots_saturated_from: Option<usize>,
    /// Whose limit ended the run: the first failing step's verdict, or,
    /// with none failing, the bots if they saturated anywhere.
    pub limited_by: Limit,
    /// True when the bots, not the server, set the limit of this run
    /// (`limited_by == bots`): `estimate` is then the better capacity
    /// figure.
    pub bots_limited: bool,
    /// The server's cost at the highest step that held (preferring one
    /// with the bots not saturated), and the capacity it implies.
    pub estimate: Option<Estimate>,
    pub ratio_at_1000: Option<f64>,
    pub ratio_at_2000: Option<f64>,
    /// Steps measured while something else used the cores.
    pub noisy_steps: Vec<usize>,
}

/// Whose limit a run reached.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    /// Every step held with the bots keeping up: the run stopped short of
    /// any limit.
    #[default]
    NotReached,
    Server,
    Bots,
}

#[derive(Debug, PartialEq, Serialize)]
pub struct Estimate {
    pub from_step: usize,
    /// The bots were saturated at that step too (no step held without).
    pub bots_saturated: bool,
    pub server_us_per_client_snapshot: f64,
    pub relay_us_per_client_snapshot: f64,
    pub ratio: f64,
    /// 1 core ÷ (server µs per delivered snapshot × snapshot rate).
    pub implied_capacity: f64,
    /// 1 core ÷ (relay µs per delivered frame × snapshot rate).
    pub relay_implied_capacity: Option<f64>,
}

pub fn summarize(steps: &[StepResult], snapshot_hz: u32) -> Summary {
    let highest_holding_step = steps.iter().filter(|s| s.holds).map(|s| s.clients).max();
    let first_failing = steps.iter().find(|s| !s.holds);
    let bots_saturated_from = steps.iter().find(|s| s.bots_saturated).map(|s| s.clients);
    let limited_by = match (first_failing.map(|s| s.verdict), bots_saturated_from) {
        (Some(Verdict::BotsSaturated), _) => Limit::Bots,
        (Some(_), _) => Limit::Server,
        (None, Some(_)) => Limit::Bots,
        (None, None) => Limit::NotReached,
    };
    let held = |clean: bool| {
        steps
            .iter()
            .filter(|s| s.holds && (!clean || !s.bots_saturated))
            .max_by_key(|s| s.clients)
    };
    let estimate = held(true).or_else(|| held(false)).and_then(|s| {
        Some(Estimate {
            from_step: s.clients,
            bots_saturated: s.bots_saturated,
            server_us_per_client_snapshot: s.server_us_per_client_snapshot,
            relay_us_per_client_snapshot: s.relay_us_per_client_snapshot,
            ratio: s.ratio,
            implied_capacity: s.implied_capacity?,
            relay_implied_capacity: s.relay_implied_capacity,
        })
    });
    let ratio_at = |n| steps.iter().find(|s| s.clients == n).map(|s| s.ratio);
    Summary {
        snapshot_hz,
        highest_holding_step,
        first_failing_step: first_failing.map(|s| s.clients),
        bots_saturated_from,
        limited_by,
        bots_limited: limited_by == Limit::Bots,
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

/// The summary as the lines printed after the table.
pub fn text(s: &Summary, steps: &[StepResult]) -> String {
    let hz = s.snapshot_hz;
    let mut out = String::new();
    match (s.highest_holding_step, &s.estimate) {
        (Some(n), Some(e)) if e.from_step == n => {
            out += &format!(
                "highest step that held: {n} clients; the server's cost there implies {:.0} on one core\n",
                e.implied_capacity
            );
        }
        (Some(n), _) => out += &format!("highest step that held: {n} clients\n"),
        (None, _) => out += "no step held\n",
    }
    if let Some(e) = &s.estimate {
        let saturated = if e.bots_saturated {
            ", bots saturated there too"
        } else {
            ", bots not saturated"
        };
        let floor = e
            .relay_implied_capacity
            .map_or(String::new(), |c| format!(", which implies {c:.0}"));
        out += &format!(
            "server cost at {} clients{saturated}: {:.2} µs per delivered snapshot: \
             1 core ÷ ({:.2} µs × {hz} Hz) ≈ {:.0} clients \
             (floor {:.2} µs{floor}; {:.2}× the floor)\n",
            e.from_step,
            e.server_us_per_client_snapshot,
            e.server_us_per_client_snapshot,
            e.implied_capacity,
            e.relay_us_per_client_snapshot,
            e.ratio,
        );
    }
    if let Some(f) = s
        .first_failing_step
        .and_then(|n| steps.iter().find(|s| s.clients == n))
    {
        let why: Vec<String> = f.failures.iter().map(|x| format!("{x:?}")).collect();
        let who = match f.verdict {
            Verdict::BotsSaturated => "the bots saturated (not the server's limit)",
            Verdict::ServerFailed | Verdict::Holds => "the server failed",
        };
        out += &format!(
            "first step that failed: {} clients: {who}: {} (bots {:.0}% CPU, bots core {:.0}% busy, \
             delivery {:.2}%)\n",
            f.clients,
            why.join(", "),
            f.bots_cpu_pct,
            f.bots_core.busy_pct,
            100.0 * f.delivery
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
                 and no step held, so there is no estimate"
            }
        };
        out += &format!("bots saturated from {n} clients{limit}\n");
    }
    if !s.noisy_steps.is_empty() {
        out += &format!(
            "warning: steps {:?} ran while something else used the cores (hypervisor steal \
             or other processes; see *_core in result.json): rerun them on a quiet machine\n",
            s.noisy_steps
        );
    }
    let ratio = |r: Option<f64>| r.map_or("not measured".into(), |r| format!("{r:.2}×"));
    out += &format!(
        "server ÷ floor CPU per delivered snapshot: {} at 1000 clients, {} at 2000\n",
        ratio(s.ratio_at_1000),
        ratio(s.ratio_at_2000)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hold::{self, Failure};
    use crate::report::tests::step;

    #[test]
    fn summary_when_the_server_fails_first() {
        let steps = [
            step(1000, true, false, 20.0),
            step(2000, true, false, 25.0),
            step(2500, false, false, 30.0),
            step(3000, false, true, 30.0),
        ];
        let s = summarize(&steps, 30);
        assert_eq!(s.highest_holding_step, Some(2000));
        assert_eq!(s.first_failing_step, Some(2500));
        assert_eq!(s.bots_saturated_from, Some(3000));
        assert_eq!(s.limited_by, Limit::Server);
        assert!(!s.bots_limited);
        let e = s.estimate.as_ref().unwrap();
        assert_eq!((e.from_step, e.server_us_per_client_snapshot), (2000, 25.0));
        assert!((e.implied_capacity - 1333.3).abs() < 0.1);
        assert!((e.relay_implied_capacity.unwrap() - 3333.3).abs() < 0.1);
        assert_eq!((s.ratio_at_1000, s.ratio_at_2000), (Some(2.0), Some(2.5)));
        let t = text(&s, &steps);
        assert!(
            t.contains(
                "highest step that held: 2000 clients; the server's cost there implies 1333"
            ),
            "{t}"
        );
        assert!(
            t.contains("2500 clients: the server failed: Delivery"),
            "{t}"
        );
    }

    #[test]
    fn summary_when_the_bots_saturate_first() {
        let steps = [
            step(500, true, false, 20.0),
            step(1000, true, true, 21.0),
            step(1500, false, true, 22.0),
        ];
        let s = summarize(&steps, 30);
        assert_eq!(s.highest_holding_step, Some(1000));
        assert_eq!(s.limited_by, Limit::Bots);
        assert!(s.bots_limited);
        assert_eq!(
            s.estimate.as_ref().unwrap().from_step,
            500,
            "a step with the bots keeping up counts first"
        );
        assert_eq!(s.ratio_at_2000, None);
        assert!(s.noisy_steps.is_empty());
        let t = text(&s, &steps);
        assert!(
            t.contains("1500 clients: the bots saturated (not the server's limit)"),
            "{t}"
        );
        assert!(
            t.contains("server cost at 500 clients, bots not saturated"),
            "{t}"
        );
    }

    #[test]
    fn with_the_bots_always_saturated_the_highest_held_step_still_gives_an_estimate() {
        let steps = [step(500, true, true, 20.0), step(1000, true, true, 18.0)];
        let s = summarize(&steps, 30);
        assert_eq!(
            s.limited_by,
            Limit::Bots,
            "no step failed, the bots saturated"
        );
        let e = s.estimate.as_ref().unwrap();
        assert_eq!((e.from_step, e.bots_saturated), (1000, true));
        assert!(text(&s, &steps).contains("implies 1852 on one core"));
    }

    #[test]
    fn capacity_is_counted_at_the_snapshot_rate() {
        // The same 20 µs per snapshot at 15 Hz: twice the clients of 30 Hz.
        let mut one = step(1000, true, false, 20.0);
        one.implied_capacity = hold::implied_capacity(20.0, 15);
        let s = summarize(&[one], 15);
        assert!((s.estimate.unwrap().implied_capacity - 3333.3).abs() < 0.1);
    }

    #[test]
    fn a_server_rule_broken_with_the_bots_saturated_is_the_servers() {
        let mut late = step(2000, false, true, 30.0);
        late.failures = vec![Failure::TickLateness];
        late.verdict = hold::verdict(&late.failures, true);
        let s = summarize(&[step(1000, true, false, 20.0), late], 30);
        assert_eq!(s.limited_by, Limit::Server);
        assert!(!s.bots_limited);
        assert_eq!(summarize(&[], 30).limited_by, Limit::NotReached);
    }
}
