//! HTTP/1.1 on hyper: the WebSocket upgrade at `GET /ws`, `GET /healthz`,
//! `GET /lobbies`, `GET /metrics` (Prometheus), and the browser client's files at `GET /` and below. Each TCP connection holds one permit of the
//! connection cap for as long as it, or the WebSocket it became, lives.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use rallypoint_shared::PlayerId;
use tokio::net::TcpStream;
use tracing::debug;

use crate::caps::Slot;
use crate::connection;
use crate::server::Shared;

/// Time a client has to send its request headers. Default: 10 s; a client
/// that dribbles headers (slowloris) is dropped instead of holding a permit.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

type Body = Full<Bytes>;

/// Serves one accepted TCP connection.
pub async fn serve(stream: TcpStream, peer: SocketAddr, shared: Arc<Shared>, slot: Slot) {
    let permit = Arc::new(slot);
    let shutdown = shared.closing.clone();
    let service = service_fn(move |req| {
        let (shared, permit) = (shared.clone(), permit.clone());
        async move { Ok::<_, std::convert::Infallible>(route(req, shared, peer, permit).await) }
    });
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades();
    tokio::pin!(conn);
    let result = tokio::select! {
        res = conn.as_mut() => res,
        _ = shutdown.cancelled() => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = result {
        debug!(%peer, error = %e, "http connection ended with an error");
    }
}

async fn route(
    mut req: Request<Incoming>,
    shared: Arc<Shared>,
    peer: SocketAddr,
    permit: Arc<Slot>,
) -> Response<Body> {
    match (req.method(), req.uri().path()) {
        (&Method::GET, "/ws") => upgrade(&mut req, shared, peer, permit),
        (&Method::GET, "/healthz") => text(StatusCode::OK, "ok\n"),
        (&Method::GET, "/metrics") => {
            let m = crate::metrics::metrics();
            m.lobbies.set(shared.registry.lobby_count() as i64);
            m.players.set(shared.registry.player_count() as i64);
            Response::builder()
                .header(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)
                .body(Body::from(m.encode()))
                .unwrap_or_default()
        }
        (&Method::GET, "/lobbies") => {
            let fleet = shared.registry.fleet();
            json(&fleet.list(&shared.registry).await)
        }
        (&Method::GET, "/fleet") => {
            let fleet = shared.registry.fleet();
            json(&FleetView {
                node: fleet.member(),
                nodes: fleet.nodes().await,
            })
        }
        (_, path) if path == "/admin" || path.starts_with("/admin/") => {
            crate::admin::route(req, shared, peer, crate::admin::Via::GamePort).await
        }
        (_, "/ws" | "/healthz" | "/lobbies" | "/fleet" | "/metrics") => {
            text(StatusCode::METHOD_NOT_ALLOWED, "use GET\n")
        }
        (&Method::GET, path) => match crate::web::asset(path) {
            Some((bytes, kind)) => Response::builder()
                .header(header::CONTENT_TYPE, kind)
                // Always revalidate: a new server build may bring new files.
                .header(header::CACHE_CONTROL, "no-cache")
                .body(Body::from(Bytes::from_static(bytes)))
                .unwrap_or_default(),
            None => text(StatusCode::NOT_FOUND, "not found\n"),
        },
        _ => text(StatusCode::NOT_FOUND, "not found\n"),
    }
}

fn upgrade(
    req: &mut Request<Incoming>,
    shared: Arc<Shared>,
    peer: SocketAddr,
    permit: Arc<Slot>,
) -> Response<Body> {
    if !fastwebsockets::upgrade::is_upgrade_request(req) {
        return text(
            StatusCode::UPGRADE_REQUIRED,
            "this endpoint speaks WebSocket\n",
        );
    }
    if !origin_allowed(req, &shared.config.allowed_origins) {
        return text(StatusCode::FORBIDDEN, "origin not allowed\n");
    }
    if let Some(ban) = shared
        .admin
        .bans()
        .ip(peer.ip(), std::time::SystemTime::now())
    {
        return text(StatusCode::FORBIDDEN, &format!("{}\n", ban.message()));
    }
    let (response, upgrade) = match fastwebsockets::upgrade::upgrade(req) {
        Ok(pair) => pair,
        Err(e) => return text(StatusCode::BAD_REQUEST, &format!("{e}\n")),
    };
    let player = PlayerId(shared.next_player.fetch_add(1, Ordering::Relaxed));
    let tasks = shared.tasks.clone();
    tasks.spawn(async move {
        let _permit = permit;
        match upgrade.await {
            Ok(ws) => connection::run(ws, shared, player, peer).await,
            Err(e) => debug!(%peer, error = %e, "upgrade failed"),
        }
    });
    let (parts, _) = response.into_parts();
    Response::from_parts(parts, Body::default())
}

/// Browsers always send `Origin` on a WebSocket handshake; native clients
/// usually do not, and a page cannot forge it, so only a present header is
/// checked, against the allow-list if there is one.
fn origin_allowed(req: &Request<Incoming>, allowed: &[String]) -> bool {
    if allowed.is_empty() {
        return true;
    }
    match req.headers().get(header::ORIGIN) {
        None => true,
        Some(origin) => allowed.iter().any(|a| a.as_bytes() == origin.as_bytes()),
    }
}

fn text(status: StatusCode, body: &str) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(Body::from(body.to_owned()))
        .unwrap_or_default()
}

/// `GET /fleet`: this node, and the fleet's live nodes (`null` for a node
/// alone, or while Redis is unreachable).
#[derive(serde::Serialize)]
struct FleetView {
    node: Option<crate::fleet::Member>,
    nodes: Option<Vec<crate::fleet::NodeInfo>>,
}

fn json<T: serde::Serialize>(value: &T) -> Response<Body> {
    match serde_json::to_vec(value) {
        Ok(json) => Response::builder()
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json))
            .unwrap_or_default(),
        Err(_) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot encode the answer\n",
        ),
    }
}
