//! The listener: accepts TCP connections under the connection cap, hands
//! them to [`crate::http`], and runs the shutdown sequence.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{info, warn};

use crate::config::Config;
use crate::game::{Map, MapError};
use crate::lobby::Registry;

/// How long shutdown waits for connections to finish their closing
/// handshakes before the server returns anyway. Default: 5 s.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Pause after a failed `accept` (e.g. out of file descriptors), so the
/// loop does not spin. Default: 100 ms.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot load map: {0}")]
    Map(#[from] MapError),
    #[error("cannot read listener address: {0}")]
    Io(#[from] std::io::Error),
}

/// What every connection and lobby shares.
pub struct Shared {
    pub config: Arc<Config>,
    pub registry: Arc<Registry>,
    pub next_player: AtomicU64,
    pub shutdown: CancellationToken,
    pub tasks: TaskTracker,
}

/// Runs the server on `listener` until `shutdown` completes, then closes
/// every client with 1001 and returns once they are gone (or after
/// [`SHUTDOWN_GRACE`]).
pub async fn serve(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let map = match &config.map {
        Some(path) => Map::load(path)?,
        None => Map::default_arena(),
    };
    let config = Arc::new(config);
    let token = CancellationToken::new();
    let tasks = TaskTracker::new();
    let registry = Registry::new(config.clone(), Arc::new(map), tasks.clone(), token.clone());
    let shared = Arc::new(Shared {
        config: config.clone(),
        registry: registry.clone(),
        next_player: AtomicU64::new(1),
        shutdown: token.clone(),
        tasks: tasks.clone(),
    });
    let permits = Arc::new(Semaphore::new(config.max_connections));
    info!(addr = %listener.local_addr()?, tick_hz = config.tick_hz, "listening");

    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => match permits.clone().try_acquire_owned() {
                    Ok(permit) => {
                        let _ = stream.set_nodelay(true);
                        tasks.spawn(crate::http::serve(stream, peer, shared.clone(), permit));
                    }
                    Err(_) => refuse_full(stream, peer),
                },
                Err(e) => {
                    warn!(error = %e, "accept failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                }
            },
        }
    }

    info!("shutting down");
    drop(listener);
    registry.close();
    token.cancel();
    tasks.close();
    if tokio::time::timeout(SHUTDOWN_GRACE, tasks.wait())
        .await
        .is_err()
    {
        warn!("some connections did not close in time");
    }
    info!("stopped");
    Ok(())
}

/// Answers a connection over the cap with a 503 (best effort, never
/// waiting) and drops it.
fn refuse_full(stream: tokio::net::TcpStream, peer: std::net::SocketAddr) {
    const RESPONSE: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 12\r\nConnection: close\r\n\r\nserver full\n";
    let _ = stream.try_write(RESPONSE);
    warn!(%peer, "connection refused: at max_connections");
}
