//! Prometheus metrics, served at `GET /metrics` in the OpenMetrics text
//! format by `prometheus-client`. One process-wide set: every server in the
//! process (tests start several) adds to the same counters.
//!
//! Counters only grow; gauges are set where the thing they count changes
//! (connections) or read at scrape time (lobbies, players). Every label is
//! one of a fixed set of static strings, so no label can grow without
//! bound.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// A `reason` label: always a `&'static str` from the code, never from a
/// client.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Reason {
    pub reason: &'static str,
}

/// Every metric the server exports.
pub struct Metrics {
    registry: Registry,
    /// Open WebSocket connections.
    pub connections: Gauge,
    pub lobbies: Gauge,
    /// Players seated in lobbies (detached ones included).
    pub players: Gauge,
    /// Time one lobby tick takes: inputs, step, replication, queueing.
    pub tick_duration: Histogram,
    /// How late a tick started after its deadline.
    pub tick_lateness: Histogram,
    /// WebSocket messages and payload bytes read from clients.
    pub frames_in: Counter,
    pub bytes_in: Counter,
    /// WebSocket messages and payload bytes written to clients.
    pub frames_out: Counter,
    pub bytes_out: Counter,
    /// Snapshots replaced by a newer one before they were sent.
    pub snapshots_replaced: Counter,
    pub disconnects: Family<Reason, Counter>,
    pub inputs_rejected: Family<Reason, Counter>,
    /// 1 while the fleet's Redis directory answers, 0 while it does not
    /// (the node keeps serving its own lobbies); absent from a node alone.
    pub fleet_redis_up: Gauge,
    /// Redis commands this node sent to the fleet's directory.
    pub fleet_redis_commands: Counter,
    /// Calls to the directory that failed (unreachable, timed out, refused).
    pub fleet_redis_errors: Counter,
    /// Players this node sent to another node with a join ticket.
    pub fleet_redirects: Counter,
    /// Join tickets this node took, and refused (by reason).
    pub fleet_tickets: Family<Reason, Counter>,
    /// Logins whose session token was good (authentication on).
    pub auth_logins: Counter,
    /// Session tokens refused, by reason (authentication on).
    pub auth_failures: Family<Reason, Counter>,
    /// Sessions ended here because their account logged in on another
    /// node of the fleet.
    pub auth_replaced_elsewhere: Counter,
    /// Admin API requests with a bad or no token.
    pub admin_unauthorized: Counter,
    /// Admin API requests refused unread: too many failures from the address.
    pub admin_throttled: Counter,
    /// Admin actions taken, by action.
    pub admin_actions: Family<Action, Counter>,
    /// Ticks run, and those that started more than [`LATE_TICK`] after
    /// their deadline, for the admin console's chart (`GET
    /// /admin/api/stats`; `prometheus-client` does not read a histogram
    /// back). Not exported: Prometheus has them as the lateness
    /// histogram's count, less its `le="0.002"` bucket.
    pub ticks: Counter,
    pub ticks_late: Counter,
    /// The reasons `disconnects` has seen, so that the admin API can list
    /// the family's counts (`prometheus-client` does not iterate a family).
    disconnect_reasons: Mutex<BTreeSet<&'static str>>,
}

/// A tick is late, for the console, when it starts more than this after
/// its deadline. Default: 2 ms: tokio's timer alone rounds a deadline up
/// to the next millisecond, so 1 ms is routine; past 2 ms the task was
/// kept waiting.
pub const LATE_TICK: Duration = Duration::from_millis(2);

/// An `action` label: one of the admin API's actions.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Action {
    pub action: &'static str,
}

/// Bucket upper bounds, in seconds: 50 µs to half a second, with the
/// boundaries people ask about (1 and 2 ms of lateness, the 33 ms tick
/// budget at 30 Hz) exact, and half-millisecond steps from 1 to 3 ms, where
/// lateness under load lands (tokio's timer alone rounds every deadline up
/// to the next millisecond). A tick normally takes tens of microseconds to
/// a few milliseconds; an overrun still lands in a bucket of its own.
const TICK_BUCKETS: [f64; 17] = [
    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.001_5, 0.002, 0.002_5, 0.003, 0.004, 0.008,
    0.016, 0.033, 0.066, 0.133, 0.266, 0.533,
];

fn tick_buckets() -> Histogram {
    Histogram::new(TICK_BUCKETS)
}

impl Metrics {
    fn new() -> Metrics {
        let mut registry = Registry::with_prefix("rallypoint");
        let m = Metrics {
            connections: Gauge::default(),
            lobbies: Gauge::default(),
            players: Gauge::default(),
            tick_duration: tick_buckets(),
            tick_lateness: tick_buckets(),
            frames_in: Counter::default(),
            bytes_in: Counter::default(),
            frames_out: Counter::default(),
            bytes_out: Counter::default(),
            snapshots_replaced: Counter::default(),
            disconnects: Family::default(),
            inputs_rejected: Family::default(),
            fleet_redis_up: Gauge::default(),
            fleet_redis_commands: Counter::default(),
            fleet_redis_errors: Counter::default(),
            fleet_redirects: Counter::default(),
            auth_logins: Counter::default(),
            auth_failures: Family::default(),
            auth_replaced_elsewhere: Counter::default(),
            fleet_tickets: Family::default(),
            admin_unauthorized: Counter::default(),
            admin_throttled: Counter::default(),
            admin_actions: Family::default(),
            ticks: Counter::default(),
            ticks_late: Counter::default(),
            disconnect_reasons: Mutex::default(),
            registry: Registry::default(),
        };
        registry.register(
            "connections",
            "Open WebSocket connections",
            m.connections.clone(),
        );
        registry.register("lobbies", "Lobbies open", m.lobbies.clone());
        registry.register(
            "players",
            "Players seated in lobbies, detached ones included",
            m.players.clone(),
        );
        registry.register(
            "tick_duration_seconds",
            "Time one lobby tick takes (inputs, step, snapshots)",
            m.tick_duration.clone(),
        );
        registry.register(
            "tick_lateness_seconds",
            "How late a lobby tick started after its deadline",
            m.tick_lateness.clone(),
        );
        registry.register(
            "frames_in",
            "WebSocket messages read from clients",
            m.frames_in.clone(),
        );
        registry.register(
            "bytes_in",
            "WebSocket payload bytes read from clients",
            m.bytes_in.clone(),
        );
        registry.register(
            "frames_out",
            "WebSocket messages written to clients",
            m.frames_out.clone(),
        );
        registry.register(
            "bytes_out",
            "WebSocket payload bytes written to clients",
            m.bytes_out.clone(),
        );
        registry.register(
            "snapshots_replaced",
            "Snapshots replaced by a newer one before they were sent",
            m.snapshots_replaced.clone(),
        );
        registry.register(
            "disconnects",
            "Connections ended, by reason",
            m.disconnects.clone(),
        );
        registry.register(
            "inputs_rejected",
            "Inputs not applied, by reason",
            m.inputs_rejected.clone(),
        );
        registry.register(
            "fleet_redis_up",
            "1 while the fleet's Redis directory answers (0 when a fleet node cannot reach it)",
            m.fleet_redis_up.clone(),
        );
        registry.register(
            "fleet_redis_commands",
            "Redis commands sent to the fleet's directory",
            m.fleet_redis_commands.clone(),
        );
        registry.register(
            "fleet_redis_errors",
            "Calls to the fleet's Redis directory that failed",
            m.fleet_redis_errors.clone(),
        );
        registry.register(
            "fleet_redirects",
            "Players sent to another node of the fleet with a join ticket",
            m.fleet_redirects.clone(),
        );
        registry.register(
            "fleet_tickets",
            "Join tickets presented to this node, by outcome (taken, or why refused)",
            m.fleet_tickets.clone(),
        );
        registry.register(
            "auth_logins",
            "Logins whose session token was good",
            m.auth_logins.clone(),
        );
        registry.register(
            "auth_failures",
            "Session tokens refused at Hello, by reason",
            m.auth_failures.clone(),
        );
        registry.register(
            "auth_replaced_elsewhere",
            "Sessions ended because their account logged in on another node",
            m.auth_replaced_elsewhere.clone(),
        );
        registry.register(
            "admin_unauthorized",
            "Admin API requests with a bad or no token",
            m.admin_unauthorized.clone(),
        );
        registry.register(
            "admin_throttled",
            "Admin API requests refused with 429: too many failed logins from the address",
            m.admin_throttled.clone(),
        );
        registry.register(
            "admin_actions",
            "Admin actions taken, by action",
            m.admin_actions.clone(),
        );
        #[cfg(feature = "agones")]
        crate::agones::register_metrics(&mut registry);
        Metrics { registry, ..m }
    }

    pub fn disconnect(&self, reason: &'static str) {
        self.disconnects.get_or_create(&Reason { reason }).inc();
        // Once per connection, never per tick: a lock is cheap enough.
        if let Ok(mut seen) = self.disconnect_reasons.lock() {
            seen.insert(reason);
        }
    }

    /// Connections ended so far, by reason.
    pub fn disconnects_by_reason(&self) -> BTreeMap<&'static str, u64> {
        let seen = match self.disconnect_reasons.lock() {
            Ok(seen) => seen.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        seen.into_iter()
            .filter_map(|reason| {
                let count = self.disconnects.get(&Reason { reason })?.get();
                Some((reason, count))
            })
            .collect()
    }

    pub fn ticket(&self, reason: &'static str) {
        self.fleet_tickets.get_or_create(&Reason { reason }).inc();
    }

    pub fn auth_failure(&self, reason: &'static str) {
        self.auth_failures.get_or_create(&Reason { reason }).inc();
    }

    pub fn admin_action(&self, action: &'static str) {
        self.admin_actions.get_or_create(&Action { action }).inc();
    }

    pub fn reject_input(&self, reason: &'static str) {
        self.inputs_rejected.get_or_create(&Reason { reason }).inc();
    }

    pub fn tick(&self, duration: Duration, lateness: Duration) {
        self.tick_duration.observe(duration.as_secs_f64());
        self.tick_lateness.observe(lateness.as_secs_f64());
        self.ticks.inc();
        if lateness > LATE_TICK {
            self.ticks_late.inc();
        }
    }

    /// The OpenMetrics text exposition.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// The process's metrics.
pub fn metrics() -> &'static Metrics {
    static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);
    &METRICS
}

/// Content type of [`Metrics::encode`]'s output.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_names_every_metric() {
        let m = metrics();
        m.disconnect("test");
        m.reject_input("test");
        m.tick(Duration::from_micros(120), Duration::from_micros(3));
        let text = m.encode();
        for name in [
            "rallypoint_connections ",
            "rallypoint_lobbies ",
            "rallypoint_players ",
            "rallypoint_tick_duration_seconds_bucket",
            "rallypoint_tick_lateness_seconds_count",
            "rallypoint_frames_in_total",
            "rallypoint_bytes_out_total",
            "rallypoint_snapshots_replaced_total",
            "rallypoint_disconnects_total{reason=\"test\"}",
            "rallypoint_inputs_rejected_total{reason=\"test\"}",
        ] {
            assert!(text.contains(name), "{name} missing from:\n{text}");
        }
        assert!(text.ends_with("# EOF\n"));
    }

    #[test]
    fn late_ticks_and_disconnects_by_reason_are_counted() {
        let m = metrics();
        // Other tests in this process add to the same counters: compare
        // before and after.
        let late = m.ticks_late.get();
        let before = m.disconnects_by_reason().get("counted").copied();
        m.tick(Duration::from_micros(50), LATE_TICK);
        m.tick(
            Duration::from_micros(50),
            LATE_TICK + Duration::from_micros(1),
        );
        m.disconnect("counted");
        m.disconnect("counted");
        assert!(m.ticks_late.get() > late);
        assert_eq!(before, None);
        assert_eq!(m.disconnects_by_reason().get("counted"), Some(&2));
        // Late first: `tick` counts a tick before it counts it late.
        let late_now = m.ticks_late.get();
        assert!(m.ticks.get() > late_now, "the tick on time counts too");
        let text = m.encode();
        assert!(
            !text.contains("ticks_late") && !text.contains("rallypoint_ticks"),
            "not exported"
        );
    }
}
