//! The listener: accepts TCP connections under the connection cap, hands
//! them to [`crate::http`], and runs the shutdown sequence.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{debug, info, warn};

use crate::auth::{AuthConfigError, Verifier};
use crate::caps::{CapError, Caps};
use crate::config::Config;
use crate::fleet::Fleet;
use crate::lobby::{Games, Registry};
use crate::resume::SessionTable;

/// How long shutdown waits for connections to finish their closing
/// handshakes before the server returns anyway. Default: 5 s.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Pause after a failed `accept` (e.g. out of file descriptors), so the
/// loop does not spin. Default: 100 ms.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot read listener address: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot join the fleet: {0}")]
    Fleet(#[from] crate::fleet::FleetError),
    #[error("cannot turn authentication on: {0}")]
    Auth(#[from] AuthConfigError),
    #[error("cannot serve TLS: {0}")]
    Tls(#[from] crate::tls::TlsConfigError),
}

/// How often the resume table drops expired sessions, and the drain checks
/// whether everyone has left. Default: 250 ms.
const HOUSEKEEPING_PERIOD: Duration = Duration::from_millis(250);

/// What every connection and lobby shares.
pub struct Shared {
    pub config: Arc<Config>,
    pub registry: Arc<Registry>,
    pub sessions: Arc<SessionTable>,
    pub next_player: AtomicU64,
    /// The session-token check, when authentication is on (`[auth]`).
    pub auth: Option<Arc<Verifier>>,
    /// The admin API's state: tokens, throttle, bans, notices, the drain.
    pub admin: Arc<crate::admin::Admin>,
    /// The TLS handshake's settings, when TLS is on (`[tls]`).
    pub tls: Option<tokio_rustls::TlsAcceptor>,
    /// Cancelled when shutdown starts: players get a notice, joins stop.
    pub draining: CancellationToken,
    /// Cancelled when the drain ends: every connection closes with 1001.
    pub closing: CancellationToken,
    pub tasks: TaskTracker,
    /// The global and per-IP connection caps.
    pub caps: Caps,
}

/// Runs the server on `listener`, hosting `games`, until `shutdown`
/// completes, then drains:
/// joins stop, players get a `ShuttingDown` notice, and the server waits up
/// to `drain_secs` for every lobby to empty. Then it closes the remaining
/// clients with 1001 and returns once they are gone (or after
/// [`SHUTDOWN_GRACE`]).
pub async fn serve(
    listener: TcpListener,
    config: Config,
    games: Games,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let auth = match &config.auth {
        Some(auth) => Some(Arc::new(Verifier::new(auth)?)),
        None => None,
    };
    let tls = config.tls.as_ref().map(crate::tls::acceptor).transpose()?;
    let config = Arc::new(config);
    let closing = CancellationToken::new();
    let tasks = TaskTracker::new();
    let registry = Registry::new(config.clone(), games, tasks.clone(), closing.clone());
    let sessions = Arc::new(SessionTable::new(
        config.resume_grace(),
        config.max_connections,
    ));
    let shared = Arc::new(Shared {
        config: config.clone(),
        registry: registry.clone(),
        sessions: sessions.clone(),
        next_player: AtomicU64::new(1),
        auth,
        admin: Arc::new(crate::admin::Admin::new(config.admin.as_ref())),
        tls,
        draining: CancellationToken::new(),
        closing: closing.clone(),
        tasks: tasks.clone(),
        caps: Caps::new(config.max_connections, config.max_connections_per_ip),
    });
    tasks.spawn(sweep_sessions(sessions, closing.clone()));
    if let Some(url) = &config.redis_url {
        let id = config
            .node_id
            .clone()
            .unwrap_or_else(|| format!("{:016x}", rand::random::<u64>()));
        let fleet = Fleet::new(crate::fleet::Settings {
            redis_url: url.clone(),
            id,
            url: config.public_url(),
            ttl: Duration::from_secs(config.node_ttl_secs),
            secret: config.fleet_secret.clone().unwrap_or_default().into_bytes(),
            ticket_ttl: Duration::from_secs(config.ticket_secs),
            admin_url: config.admin.as_ref().map(|a| a.url(config.bind)),
        })?;
        fleet.register(&registry).await;
        registry.set_fleet(fleet.clone());
        tasks.spawn(fleet.clone().heartbeat(
            registry.clone(),
            shared.sessions.clone(),
            shared.admin.bans().clone(),
            shared.draining.clone(),
            closing.clone(),
        ));
        // One session per account across the fleet (fleet::accounts).
        if shared.auth.is_some() {
            tasks.spawn(fleet.listen_logins(shared.sessions.clone(), closing.clone()));
        }
    }
    crate::admin::start(&shared).await?;
    info!(addr = %listener.local_addr()?, tick_hz = config.tick_hz, tls = shared.tls.is_some(), auth = shared.auth.is_some(), "listening");
    // Agones (src/agones/): Ready now that the node listens.
    #[cfg(feature = "agones")]
    let agones = config
        .agones
        .then(|| crate::agones::Agones::start(&config, registry.clone()));

    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            _ = shared.admin.drain_requested() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    // A trusted proxy's clients are counted per IP once
                    // known (see `admit`); everyone else at once.
                    let proxy = config.trusted_proxies.contains(peer.ip());
                    let slot = if proxy {
                        shared.caps.try_acquire_global()
                    } else {
                        shared.caps.try_acquire(peer.ip())
                    };
                    match slot {
                        Ok(slot) => {
                            let _ = stream.set_nodelay(true);
                            let conn = crate::admit::connection(stream, peer, proxy, shared.clone(), slot);
                            tasks.spawn(conn);
                        }
                        Err(e) => refuse(&stream, &peer, e),
                    }
                }
                Err(e) => {
                    warn!(error = %e, "accept failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                }
            },
        }
    }

    drop(listener);
    registry.close();
    shared.draining.cancel();
    let drain_end = Instant::now() + config.drain();
    info!(
        drain_secs = config.drain_secs,
        players = registry.player_count(),
        "draining"
    );
    while registry.player_count() > 0 && Instant::now() < drain_end {
        tokio::time::sleep(HOUSEKEEPING_PERIOD).await;
    }
    info!(
        players = registry.player_count(),
        "closing remaining clients"
    );
    closing.cancel();
    tasks.close();
    if tokio::time::timeout(SHUTDOWN_GRACE, tasks.wait())
        .await
        .is_err()
    {
        warn!("some connections did not close in time");
    }
    // Agones: Shutdown once the drain is over.
    #[cfg(feature = "agones")]
    if let Some(agones) = agones {
        agones.shutdown().await;
    }
    info!("stopped");
    Ok(())
}

/// Answers a connection over a cap (503 for the global one, 429 per IP)
/// without waiting, best effort; the caller then drops it.
pub(crate) fn refuse(stream: &tokio::net::TcpStream, peer: &dyn std::fmt::Display, why: CapError) {
    let response: &[u8] = match why {
        CapError::Global => b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 12\r\nConnection: close\r\n\r\nserver full\n",
        CapError::PerIp => b"HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/plain\r\nContent-Length: 32\r\nConnection: close\r\n\r\ntoo many connections from here\n\n",
    };
    let _ = stream.try_write(response);
    debug!(peer = %peer, reason = %why, "connection refused");
}

/// Drops expired resumable sessions until the server closes.
async fn sweep_sessions(sessions: Arc<SessionTable>, closing: CancellationToken) {
    let mut every = tokio::time::interval(HOUSEKEEPING_PERIOD);
    loop {
        tokio::select! {
            _ = closing.cancelled() => return,
            _ = every.tick() => sessions.sweep(Instant::now()),
        }
    }
}
