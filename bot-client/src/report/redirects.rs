//! The fleet in the report: the `Redirect`s the bots followed to other
//! nodes and those that failed (by reason), how long a redirected join
//! took, and which node (by URL) each bot ended on. Each has a text line
//! only when it says something: redirects when there were any, nodes when
//! the bots ended on more than one.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::Latency;
use super::histograms::latency;
use crate::outcome::BotResult;

/// The redirects of a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RedirectReport {
    /// `Redirect`s that got their bot to the node they named: answered
    /// there with `Joined` (or with the next `Redirect`).
    pub followed: u64,
    /// `Redirect`s that did not; each failed its bot, so its reason is in
    /// the report's `failures` too.
    pub failed: u64,
    /// The failed ones by their bot's failure key: `redirect:<reason>`
    /// (`remote_host`, `bad_url`, `resolve`, `too_many`,
    /// `ticket_too_long`, `connect:refused`, `connect`,
    /// `handshake:http_<status>`, `handshake`, `timeout:<stage>`,
    /// `ticket_rejected`, `server_error:<ErrorCode>`, `closed`,
    /// `protocol_mismatch`), or a reason that keeps its own key
    /// (`server_shutdown`, `panic`).
    pub failures: BTreeMap<String, u32>,
    /// Per redirected join: from sending the `JoinLobby` or `QuickJoin`
    /// that got the (first) `Redirect` to `Joined` on the node that
    /// seated the bot, closing the old connection and opening the new one
    /// included.
    pub latency_ms: Latency,
}

impl RedirectReport {
    pub(super) fn build(results: &[BotResult]) -> Self {
        let mut failures = BTreeMap::new();
        for r in results.iter().filter(|r| r.redirects_failed > 0) {
            if let Some(reason) = r.failure {
                *failures.entry(reason.to_string()).or_insert(0) += r.redirects_failed;
            }
        }
        Self {
            followed: results
                .iter()
                .map(|r| u64::from(r.redirects_followed))
                .sum(),
            failed: results.iter().map(|r| u64::from(r.redirects_failed)).sum(),
            failures,
            latency_ms: latency(results.iter().map(|r| &r.redirect_us)),
        }
    }

    /// `  redirects     312 followed, 0 failed; latency p50 …`, when there
    /// were any (the latency only when a redirected join completed).
    pub(super) fn line(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.followed + self.failed == 0 {
            return Ok(());
        }
        write!(
            f,
            "  redirects     {} followed, {} failed",
            self.followed, self.failed
        )?;
        if !self.failures.is_empty() {
            let reasons: Vec<String> = (self.failures.iter())
                .map(|(reason, n)| format!("{reason} {n}"))
                .collect();
            write!(f, " ({})", reasons.join(", "))?;
        }
        let l = &self.latency_ms;
        if l.samples == 0 {
            // No redirected join got as far as `Joined`.
            return writeln!(f);
        }
        writeln!(
            f,
            "; latency p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} samples)",
            l.p50, l.p95, l.p99, l.max, l.samples
        )
    }
}

/// How many bots ended on each node: the URL of each bot's last
/// connection (bots that never connected are not counted).
pub(super) fn bots_per_node(results: &[BotResult]) -> BTreeMap<String, u32> {
    let mut nodes = BTreeMap::new();
    for url in results.iter().filter_map(|r| r.node.as_deref()) {
        *nodes.entry(url.to_owned()).or_insert(0) += 1;
    }
    nodes
}

/// `  nodes         ws://127.0.0.1:7001/ws 300, …`, most bots first, when
/// the bots ended on more than one node.
pub(super) fn nodes_line(nodes: &BTreeMap<String, u32>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    if nodes.len() < 2 {
        return Ok(());
    }
    let mut by_count: Vec<(&String, &u32)> = nodes.iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    let counts: Vec<String> = (by_count.iter())
        .map(|(url, n)| format!("{url} {n}"))
        .collect();
    writeln!(f, "  nodes         {}", counts.join(", "))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;
    use crate::games::GameName;
    use crate::outcome::{FailReason, RedirectFail};
    use crate::report::Report;

    const A: &str = "ws://127.0.0.1:7000/ws";
    const B: &str = "ws://127.0.0.1:7001/ws";

    fn on(index: u32, node: &str) -> BotResult {
        let mut r = BotResult::new(index);
        r.node = Some(Arc::from(node));
        r
    }

    fn build(results: &[BotResult]) -> Report {
        let (duration, elapsed) = (Duration::from_secs(2), Duration::from_secs(3));
        Report::build(GameName::Arena, A, 3, duration, elapsed, None, results)
    }

    #[test]
    fn redirects_and_nodes_are_counted_and_shown() {
        let mut moved = on(0, B);
        moved.redirects_followed = 1;
        moved.redirect_us.record(4_000).unwrap();
        let mut bounced = on(1, A);
        bounced.redirects_followed = 3;
        bounced.redirects_failed = 1;
        bounced.failure = Some(FailReason::Redirect(RedirectFail::TooMany));
        let report = build(&[moved, bounced, on(2, B)]);
        let r = &report.redirects;
        assert_eq!((r.followed, r.failed), (4, 1));
        assert_eq!(r.failures["redirect:too_many"], 1);
        assert_eq!(r.latency_ms.samples, 1);
        assert!((r.latency_ms.p50 - 4.0).abs() < 0.05, "{r:?}");
        assert_eq!(report.bots_per_node[B], 2);
        assert_eq!(report.bots_per_node[A], 1);
        assert_eq!(report.failures["redirect:too_many"], 1);
        assert!(!report.passed());

        let text = report.to_string();
        let line = text
            .lines()
            .find(|l| l.starts_with("  redirects"))
            .expect("a redirects line");
        assert!(
            line.starts_with(
                "  redirects     4 followed, 1 failed (redirect:too_many 1); latency p50 4.0"
            ),
            "{text}"
        );
        assert!(line.ends_with(" ms (1 samples)"), "{text}");
        assert!(
            text.contains(&format!("  nodes         {B} 2, {A} 1\n")),
            "{text}"
        );

        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["redirects"]["followed"], 4);
        assert_eq!(json["redirects"]["failed"], 1);
        assert_eq!(json["redirects"]["failures"]["redirect:too_many"], 1);
        assert_eq!(json["redirects"]["latency_ms"]["samples"], 1);
        assert_eq!(json["bots_per_node"][B], 2);
    }

    #[test]
    fn no_redirects_and_one_node_print_nothing() {
        let report = build(&[on(0, A), on(1, A), BotResult::new(2)]);
        assert_eq!(report.redirects, RedirectReport::default());
        assert_eq!(report.bots_per_node.len(), 1);
        assert_eq!(report.bots_per_node[A], 2);
        let text = report.to_string();
        assert!(!text.contains("redirects"), "{text}");
        assert!(!text.contains("nodes"), "{text}");
    }
}
