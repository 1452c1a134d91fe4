//! Allocation: the node follows its GameServer on `WatchGameServer` and
//! reports each change of state (a log line, and the `agones_state` and
//! `agones_allocated` metrics). Allocation is Agones' decision (a
//! GameServerAllocation picked this GameServer); the node only learns it
//! here. The stream is opened again if it ends.

use agones::{GameServer, Sdk};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::RETRY_PERIOD;
use super::metrics::set_state;

/// Follows the GameServer until `stop`.
pub(super) async fn follow(mut sdk: Sdk, stop: CancellationToken) {
    let mut state: Option<String> = None;
    loop {
        let opened = tokio::select! {
            _ = stop.cancelled() => return,
            opened = sdk.watch_gameserver() => opened,
        };
        match opened {
            Ok(mut stream) => loop {
                let next = tokio::select! {
                    _ = stop.cancelled() => return,
                    next = stream.message() => next,
                };
                match next {
                    Ok(Some(gs)) => observe(&gs, &mut state),
                    Ok(None) => {
                        warn!("the Agones WatchGameServer stream ended; opening it again");
                        break;
                    }
                    Err(e) => {
                        warn!(error = %e, "the Agones WatchGameServer stream failed; opening it again");
                        break;
                    }
                }
            },
            Err(e) => warn!(error = %e, cause = ?e, "cannot watch the Agones GameServer"),
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(RETRY_PERIOD) => {}
        }
    }
}

/// Reports a change of the GameServer's state.
fn observe(gs: &GameServer, last: &mut Option<String>) {
    let Some(status) = &gs.status else { return };
    if last.as_deref() == Some(status.state.as_str()) {
        return;
    }
    let name = gs.object_meta.as_ref().map_or("", |m| m.name.as_str());
    if status.state == "Allocated" {
        // The allocation's own labels (not the ones this node set).
        let labels: Vec<_> = gs
            .object_meta
            .iter()
            .flat_map(|m| &m.labels)
            .filter(|(k, _)| !k.starts_with("agones.dev/"))
            .collect();
        info!(gameserver = name, ?labels, "allocated by Agones");
    } else {
        info!(gameserver = name, state = %status.state, "Agones state");
    }
    set_state(last.as_deref(), &status.state);
    *last = Some(status.state.clone());
}
