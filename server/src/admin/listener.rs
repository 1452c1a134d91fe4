//! The admin API's own port (`admin.bind`): an accept loop that serves
//! only `/admin`, under its own small connection cap, until the server
//! closes. The game port then answers 404 under `/admin`.

use std::net::SocketAddr;
use std::sync::Arc;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tracing::{debug, info, warn};

use super::routes::{Via, route};
use crate::http::HEADER_READ_TIMEOUT;
use crate::server::Shared;

/// Open connections to the admin port at once. Default: 64: dashboards
/// and scripts, not players; past it a connection is dropped at once.
pub const MAX_ADMIN_CONNECTIONS: usize = 64;

/// Binds `admin.bind`, if set, and serves the admin API there until the
/// server closes.
pub async fn start(shared: &Arc<Shared>) -> std::io::Result<()> {
    let Some(bind) = shared.config.admin.as_ref().and_then(|a| a.bind) else {
        return Ok(());
    };
    let listener = TcpListener::bind(bind).await?;
    info!(addr = %listener.local_addr()?, "admin API listening");
    shared.tasks.spawn(accept(listener, shared.clone()));
    Ok(())
}

async fn accept(listener: TcpListener, shared: Arc<Shared>) {
    let permits = Arc::new(Semaphore::new(MAX_ADMIN_CONNECTIONS));
    loop {
        let (stream, peer) = tokio::select! {
            _ = shared.closing.cancelled() => return,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    warn!(error = %e, "admin accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            debug!(%peer, "admin connection refused: too many");
            continue;
        };
        let shared = shared.clone();
        shared.tasks.clone().spawn(async move {
            serve(stream, peer, shared).await;
            drop(permit);
        });
    }
}

async fn serve(stream: TcpStream, peer: SocketAddr, shared: Arc<Shared>) {
    let closing = shared.closing.clone();
    let service = service_fn(move |req| {
        let shared = shared.clone();
        async move { Ok::<_, std::convert::Infallible>(route(req, shared, peer, Via::AdminPort).await) }
    });
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    let result = tokio::select! {
        res = conn.as_mut() => res,
        _ = closing.cancelled() => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = result {
        debug!(%peer, error = %e, "admin connection ended with an error");
    }
}
