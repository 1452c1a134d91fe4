//! Agones: the node as an Agones GameServer, behind the `agones` cargo
//! feature and the `agones` setting (`--agones`). It talks to the SDK
//! server (the pod's sidecar) through the official `agones` crate, on the
//! port in `AGONES_SDK_GRPC_PORT` unless `agones_sdk_port` says otherwise:
//!
//! 1. once the node listens: the `players` and `lobbies` Counters'
//!    capacities, then `Ready`;
//! 2. every [`HEALTH_PERIOD`]: a health ping, but only while every lobby
//!    completed a tick within the stall bound ([`ticks`]), so a node whose
//!    tick loop hangs stops pinging and Agones replaces it;
//! 3. every [`REPORT_PERIOD`]: the Counters' counts (players seated,
//!    lobbies open) and one `lobby-{id}` label per open lobby, when they
//!    changed;
//! 4. all along: the GameServer's state from `WatchGameServer`, logged and
//!    in the metrics (`rallypoint_agones_allocated`, `rallypoint_agones_state`);
//! 5. after the drain that SIGTERM starts: the last counts, then `Shutdown`.
//!
//! # Layout
//! - [`ticks`]: tick liveness; always compiled, since every lobby task
//!   stamps it.
//! - `health`: the pings and the stall verdict.
//! - `report`: the Counters and the lobby labels.
//! - `watch`: allocation and state, from `WatchGameServer`.
//! - `metrics`: the Agones metrics.
//! - `node`: the task that runs all of it, started and stopped by
//!   [`crate::server::serve`].

pub mod ticks;

#[cfg(feature = "agones")]
mod health;
#[cfg(feature = "agones")]
pub mod metrics;
#[cfg(feature = "agones")]
mod node;
#[cfg(feature = "agones")]
pub mod report;
#[cfg(feature = "agones")]
mod watch;

#[cfg(feature = "agones")]
pub use health::{Verdict, verdict};
#[cfg(feature = "agones")]
pub use metrics::register as register_metrics;
#[cfg(feature = "agones")]
pub use node::Agones;

use std::time::Duration;

/// How often the node sends a health ping while its ticks run on time.
/// Default: 2 s, so that Agones' default check (`periodSeconds: 5`) sees
/// two pings in every period and one late ping fails nothing.
pub const HEALTH_PERIOD: Duration = Duration::from_secs(2);

/// How often the node reports its counts and lobby labels (each only when
/// it changed). Default: 1 s; the sidecar batches what it writes to
/// Kubernetes about as often.
pub const REPORT_PERIOD: Duration = Duration::from_secs(1);

/// How long a call to the SDK server may take before it is given up (and
/// tried again at the next report). Default: 2 s, a loopback call that
/// normally takes a millisecond.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(2);

/// The pause before connecting, calling `Ready` or opening the watch
/// again after a failure. Default: 1 s.
pub const RETRY_PERIOD: Duration = Duration::from_secs(1);

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::config::{Cli, Config};

    #[test]
    fn the_flags_turn_agones_on_only_where_it_was_built() {
        let cli = Cli::parse_from(["x", "--agones", "--agones-sdk-port", "9358"]);
        let config = cli.into_config();
        if cfg!(feature = "agones") {
            let config = config.unwrap();
            assert!(config.agones);
            assert_eq!(config.agones_sdk_port, Some(9358));
        } else {
            let error = config.unwrap_err().to_string();
            assert!(error.contains("--features agones"), "{error}");
        }
        let off = Cli::parse_from(["x"]).into_config().unwrap();
        assert!(!off.agones);
        assert_eq!(off.agones_sdk_port, None);
        assert_eq!(Config::default(), off);
    }
}
