//! The Agones metrics: whether the GameServer is allocated, its state, and
//! the health pings sent and withheld. One process-wide set, like
//! [`crate::metrics`], which serves them at `GET /metrics` once
//! [`register`] has added them to its registry.

use std::sync::LazyLock;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// The GameServer states Agones has (`GameServerState` in its API), the
/// only values the `state` label takes; anything else is `Other`.
pub const STATES: [&str; 11] = [
    "PortAllocation",
    "Creating",
    "Starting",
    "Scheduled",
    "RequestReady",
    "Ready",
    "Reserved",
    "Allocated",
    "Unhealthy",
    "Shutdown",
    "Error",
];

/// A `state` label: always one of [`STATES`] or `"Other"`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StateLabel {
    pub state: &'static str,
}

/// The static label for a state Agones reported.
pub fn state_label(state: &str) -> &'static str {
    STATES
        .iter()
        .find(|s| **s == state)
        .copied()
        .unwrap_or("Other")
}

pub struct AgonesMetrics {
    /// 1 while Agones has this GameServer allocated, else 0.
    pub allocated: Gauge,
    /// 1 for the GameServer's current state (as `WatchGameServer` last
    /// said), 0 for the states it was in before.
    pub state: Family<StateLabel, Gauge>,
    /// Health pings sent to the SDK server.
    pub health_pings: Counter,
    /// Health pings withheld because a lobby's ticks had stalled.
    pub health_withheld: Counter,
}

/// The process's Agones metrics.
pub fn metrics() -> &'static AgonesMetrics {
    static METRICS: LazyLock<AgonesMetrics> = LazyLock::new(|| AgonesMetrics {
        allocated: Gauge::default(),
        state: Family::default(),
        health_pings: Counter::default(),
        health_withheld: Counter::default(),
    });
    &METRICS
}

/// Adds the Agones metrics to `registry` (the server's, prefixed
/// `rallypoint`).
pub fn register(registry: &mut Registry) {
    let m = metrics();
    registry.register(
        "agones_allocated",
        "1 while Agones has this GameServer allocated",
        m.allocated.clone(),
    );
    registry.register(
        "agones_state",
        "1 for the GameServer's current Agones state",
        m.state.clone(),
    );
    registry.register(
        "agones_health_pings",
        "Health pings sent to the Agones SDK server",
        m.health_pings.clone(),
    );
    registry.register(
        "agones_health_withheld",
        "Health pings withheld because a lobby's ticks had stalled",
        m.health_withheld.clone(),
    );
}

/// Records the state Agones reported: the `state` family and `allocated`.
pub fn set_state(previous: Option<&str>, state: &str) {
    let m = metrics();
    if let Some(previous) = previous {
        m.state
            .get_or_create(&StateLabel {
                state: state_label(previous),
            })
            .set(0);
    }
    m.state
        .get_or_create(&StateLabel {
            state: state_label(state),
        })
        .set(1);
    m.allocated.set(i64::from(state == "Allocated"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_a_fixed_set() {
        assert_eq!(state_label("Allocated"), "Allocated");
        assert_eq!(state_label("whatever a newer Agones says"), "Other");
    }

    #[test]
    fn exposition_names_every_metric() {
        let mut registry = Registry::with_prefix("rallypoint");
        register(&mut registry);
        set_state(None, "Ready");
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
        for name in [
            "rallypoint_agones_allocated ",
            "rallypoint_agones_state{state=\"Ready\"} ",
            "rallypoint_agones_health_pings_total",
            "rallypoint_agones_health_withheld_total",
        ] {
            assert!(text.contains(name), "{name} missing from:\n{text}");
        }
    }
}
