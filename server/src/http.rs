//! HTTP/1.1 on hyper: the WebSocket upgrade at `GET /ws`, `GET /healthz`,
//! `GET /lobbies`, `GET /metrics` (Prometheus), and the browser client's
//! files at `GET /` and below, over a TCP or a TLS stream. Each connection
//! holds its [`Slot`] of the connection caps for as long as it, or the
//! WebSocket it became, lives. On a connection from a trusted proxy each
//! upgrade is admitted by the client its forwarding headers name: that
//! client takes a per-IP place for as long as its WebSocket lives.

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
use tokio::io::{AsyncRead, AsyncWrite};
use tracing::debug;

use crate::caps::{CapError, IpPlace, Slot};
use crate::connection;
use crate::proxy::{ClientAddr, forwarded};
use crate::server::Shared;

/// Time a client has to send its request headers. Default: 10 s; a client
/// that dribbles headers (slowloris) is dropped instead of holding a permit.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

type Body = Full<Bytes>;

/// Who is at the other end of an HTTP connection.
#[derive(Debug, Clone, Copy)]
pub struct Peer {
    /// The connection's TCP peer, or the client its PROXY header named.
    pub addr: SocketAddr,
    /// The trusted proxy that sent a PROXY header naming `addr`.
    pub via: Option<SocketAddr>,
    /// Whether `addr` is a trusted proxy, whose requests' forwarding
    /// headers say who their clients are.
    pub proxy: bool,
}

impl Peer {
    /// The connection's own client (before any forwarding header).
    fn client(&self) -> ClientAddr {
        ClientAddr {
            via: self.via,
            ..ClientAddr::direct(self.addr)
        }
    }
}

/// Serves one accepted connection, plain or TLS.
pub async fn serve<S>(stream: S, peer: Peer, shared: Arc<Shared>, slot: Slot)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
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
        debug!(peer = %peer.client(), error = %e, "http connection ended with an error");
    }
}

async fn route(
    mut req: Request<Incoming>,
    shared: Arc<Shared>,
    peer: Peer,
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
            // Throttled and logged by the client's address, as resolved
            // through a trusted proxy.
            let client = client_addr(&req, &shared, peer);
            crate::admin::route(req, shared, client, crate::admin::Via::GamePort).await
        }
        (_, "/ws" | "/healthz" | "/lobbies" | "/fleet" | "/metrics") => {
            text(StatusCode::METHOD_NOT_ALLOWED, "use GET\n")
        }
        (&Method::GET, path) => match crate::web::asset(path) {
            Some((bytes, kind)) => crate::web::file_response(bytes, kind),
            None => text(StatusCode::NOT_FOUND, "not found\n"),
        },
        _ => text(StatusCode::NOT_FOUND, "not found\n"),
    }
}

fn upgrade(
    req: &mut Request<Incoming>,
    shared: Arc<Shared>,
    peer: Peer,
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
    let Ok((client, place)) = admit(req, &shared, peer) else {
        return text(
            StatusCode::TOO_MANY_REQUESTS,
            "too many connections from here\n",
        );
    };
    if let Some(ban) = shared
        .admin
        .bans()
        .ip(client.ip, std::time::SystemTime::now())
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
        let _permit = (permit, place);
        match upgrade.await {
            Ok(ws) => connection::run(ws, shared, player, client).await,
            Err(e) => debug!(peer = %client, error = %e, "upgrade failed"),
        }
    });
    let (parts, _) = response.into_parts();
    Response::from_parts(parts, Body::default())
}

/// Who a WebSocket's client is, and on a trusted proxy's connection its
/// place under the per-IP cap (over it: `429`, as at accept). Forwarding
/// headers that name no client leave the proxy's address, logged at debug.
fn admit(
    req: &Request<Incoming>,
    shared: &Shared,
    peer: Peer,
) -> Result<(ClientAddr, Option<IpPlace>), CapError> {
    if !peer.proxy {
        return Ok((peer.client(), None));
    }
    let trusted = &shared.config.trusted_proxies;
    let client = forwarded::client_from_headers(req.headers(), peer.addr, trusted)
        .unwrap_or_else(|e| {
            debug!(peer = %peer.client(), error = %e, "forwarding headers name no client: the proxy's address is used");
            peer.client()
        });
    match shared.caps.try_place(client.ip) {
        Ok(place) => Ok((client, Some(place))),
        Err(e) => {
            debug!(peer = %client, via = %peer.addr, reason = %e, "connection refused");
            Err(e)
        }
    }
}

/// The address of the client behind a plain HTTP request: its forwarding
/// headers' client when the peer is a trusted proxy, else the peer (a port
/// the headers do not give is 0).
fn client_addr(req: &Request<Incoming>, shared: &Shared, peer: Peer) -> SocketAddr {
    let client = if peer.proxy {
        forwarded::client_from_headers(req.headers(), peer.addr, &shared.config.trusted_proxies)
            .unwrap_or_else(|_| peer.client())
    } else {
        peer.client()
    };
    SocketAddr::new(client.ip, client.port.unwrap_or(0))
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
