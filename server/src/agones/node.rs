//! The Agones task: connects to the SDK server, says `Ready`, then sends
//! health pings and reports until the server's drain is over, and ends
//! with `Shutdown`. It runs beside the server's own tasks, not among them,
//! because it must outlive the drain that waits for them.

use std::sync::Arc;
use std::time::Duration;

use agones::Sdk;
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, info, warn};

use super::health::Health;
use super::report::Report;
use super::ticks::{TickBoard, stall_bound};
use super::{CALL_TIMEOUT, HEALTH_PERIOD, REPORT_PERIOD, RETRY_PERIOD};
use crate::config::Config;
use crate::lobby::Registry;

/// What the task needs from the configuration.
struct Settings {
    /// `None`: `AGONES_SDK_GRPC_PORT`, else 9357 (the crate's rule).
    port: Option<u16>,
    players_capacity: i64,
    lobbies_capacity: i64,
    stall_bound: Duration,
}

/// The running Agones task; see the module docs.
pub struct Agones {
    stop: CancellationToken,
    task: JoinHandle<()>,
}

impl Agones {
    /// Starts talking to Agones; call once the node listens.
    pub fn start(config: &Config, registry: Arc<Registry>) -> Agones {
        let settings = Settings {
            port: config.agones_sdk_port,
            players_capacity: i64::try_from(config.max_connections).unwrap_or(i64::MAX),
            lobbies_capacity: i64::try_from(config.max_lobbies).unwrap_or(i64::MAX),
            stall_bound: stall_bound(config.tick_period()),
        };
        let stop = CancellationToken::new();
        let task = tokio::spawn(
            run(settings, registry, stop.clone()).instrument(tracing::info_span!("agones")),
        );
        Agones { stop, task }
    }

    /// Sends the last counts and `Shutdown`; call after the drain. Waits
    /// at most two [`CALL_TIMEOUT`]s.
    pub async fn shutdown(self) {
        self.stop.cancel();
        let abort = self.task.abort_handle();
        if tokio::time::timeout(2 * CALL_TIMEOUT, self.task)
            .await
            .is_err()
        {
            warn!("the Agones SDK server did not take Shutdown in time");
            abort.abort();
        }
    }
}

async fn run(settings: Settings, registry: Arc<Registry>, stop: CancellationToken) {
    let Some(mut sdk) = connect(settings.port, &stop).await else {
        return;
    };
    let mut report = Report::default();
    let capacities = report.capacities(
        &mut sdk,
        settings.players_capacity,
        settings.lobbies_capacity,
    );
    if tokio::time::timeout(CALL_TIMEOUT, capacities)
        .await
        .is_err()
    {
        warn!("setting the Agones counters' capacities timed out");
    }
    if ready(&mut sdk, &stop).await {
        let watch = tokio::spawn(
            super::watch::follow(sdk.clone(), stop.clone()).instrument(tracing::Span::current()),
        );
        let board = TickBoard::of(&registry);
        let mut health = Health::new(&sdk, board, settings.stall_bound);
        let mut health_every = tokio::time::interval(HEALTH_PERIOD);
        let mut report_every = tokio::time::interval(REPORT_PERIOD);
        health_every.set_missed_tick_behavior(MissedTickBehavior::Delay);
        report_every.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                biased;
                _ = stop.cancelled() => break,
                _ = health_every.tick() => health.period(Instant::now()),
                _ = report_every.tick() => send(&mut report, &mut sdk, &registry).await,
            }
        }
        let _ = watch.await;
        send(&mut report, &mut sdk, &registry).await;
    }
    match tokio::time::timeout(CALL_TIMEOUT, sdk.shutdown()).await {
        Ok(Ok(())) => info!("told Agones: Shutdown"),
        Ok(Err(e)) => warn!(error = %e, cause = ?e, "Agones Shutdown failed"),
        Err(_) => warn!("Agones Shutdown timed out"),
    }
}

/// Connects to the SDK server, trying again until it answers or `stop`.
async fn connect(port: Option<u16>, stop: &CancellationToken) -> Option<Sdk> {
    loop {
        // `Sdk::new` itself waits up to 30 s for the server to answer.
        let connected = tokio::select! {
            _ = stop.cancelled() => return None,
            connected = Sdk::new(port, None) => connected,
        };
        match connected {
            Ok(sdk) => {
                info!("connected to the Agones SDK server");
                return Some(sdk);
            }
            Err(e) => {
                warn!(error = %e, cause = ?e, "cannot reach the Agones SDK server; trying again")
            }
        }
        tokio::select! {
            _ = stop.cancelled() => return None,
            _ = tokio::time::sleep(RETRY_PERIOD) => {}
        }
    }
}

/// Calls `Ready` until it is taken (true) or `stop` comes first (false).
async fn ready(sdk: &mut Sdk, stop: &CancellationToken) -> bool {
    loop {
        match tokio::time::timeout(CALL_TIMEOUT, sdk.ready()).await {
            Ok(Ok(())) => {
                info!("told Agones: Ready");
                return true;
            }
            Ok(Err(e)) => warn!(error = %e, cause = ?e, "Agones Ready failed; trying again"),
            Err(_) => warn!("Agones Ready timed out; trying again"),
        }
        tokio::select! {
            _ = stop.cancelled() => return false,
            _ = tokio::time::sleep(RETRY_PERIOD) => {}
        }
    }
}

/// One report, given up after [`CALL_TIMEOUT`] (what it had not sent is
/// sent at the next one).
async fn send(report: &mut Report, sdk: &mut Sdk, registry: &Registry) {
    if tokio::time::timeout(CALL_TIMEOUT, report.send(sdk, registry))
        .await
        .is_err()
    {
        warn!("an Agones report timed out");
    }
}
