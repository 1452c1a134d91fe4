//! Who may call, and which handler answers. A path under `/admin` outside
//! `/admin/api` is the console's page (`web::console`), served to anyone.
//! For the API: the throttle first (an
//! address over its failures gets `429` before its token is looked at),
//! then the bearer token (`401`, counted), then the role (`403` for a
//! `read` token on anything but `GET`), then the path.
//!
//! Paths, under `/admin/api/`:
//! `GET node`, `GET stats`, `GET lobbies`, `GET lobbies/{id}`,
//! `POST lobbies/{id}/lock|unlock|close|notice`,
//! `POST lobbies/{id}/members/{player}/kick`, `GET bans`, `POST bans`,
//! `POST bans/lift`, `POST notice`, `POST drain`.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use hyper::body::Incoming;
use tokio::time::Instant;
use tracing::info;

use super::reply::{ApiError, ApiResult, Body, body_bytes};
use super::tokens::{Caller, Role, bearer};
use super::{lobbies, players};
use crate::server::Shared;

/// The header of a request one node forwards to another: the node that
/// gets it answers for itself and never forwards it again.
pub const FORWARDED_HEADER: &str = "x-rallypoint-admin-forwarded";

/// Most path segments under `/admin/api/` a request may have. Default: 8;
/// the longest route has 5.
const MAX_SEGMENTS: usize = 8;

/// Which listener a request came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    GamePort,
    AdminPort,
}

/// What a handler knows about its request.
pub struct Ctx {
    pub shared: Arc<Shared>,
    pub caller: Caller,
    /// The bearer token presented, for forwarding.
    pub token: Bytes,
    /// Another node forwarded it: answer for this node only.
    pub forwarded: bool,
    pub method: Method,
    /// The path, for forwarding.
    pub path: String,
    /// The query string (`scope=node`).
    pub query: String,
    pub body: Bytes,
}

/// Answers a request under `/admin`.
pub async fn route(
    req: Request<Incoming>,
    shared: Arc<Shared>,
    peer: SocketAddr,
    via: Via,
) -> Response<Body> {
    let served = match via {
        Via::GamePort => shared.admin.on_game_port(),
        Via::AdminPort => true,
    };
    if !served {
        return Response::builder()
            .status(StatusCode::NOT_FOUND)
            .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .body(Body::from("not found\n"))
            .unwrap_or_default();
    }
    let path = req.uri().path();
    if path != "/admin/api" && !path.starts_with("/admin/api/") {
        return console(req.method(), path);
    }
    match handle(req, shared, peer).await {
        Ok(response) => response,
        Err(e) => e.response(),
    }
}

/// The console's page and files: no token needed to load them (they hold
/// no data; every datum comes from the API, which checks the token).
fn console(method: &Method, path: &str) -> Response<Body> {
    let plain = |status: StatusCode, text: &'static str| {
        Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .body(Body::from(text))
            .unwrap_or_default()
    };
    if method != Method::GET {
        return plain(StatusCode::METHOD_NOT_ALLOWED, "use GET\n");
    }
    crate::web::console(path).unwrap_or_else(|| plain(StatusCode::NOT_FOUND, "not found\n"))
}

async fn handle(req: Request<Incoming>, shared: Arc<Shared>, peer: SocketAddr) -> ApiResult {
    let caller = authenticate(&req, &shared, peer)?;
    let method = req.method().clone();
    if method != Method::GET && caller.role == Role::Read {
        info!(admin = %caller.name, %peer, %method, path = req.uri().path(), "admin request refused: read-only token");
        return Err(ApiError::Forbidden);
    }
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or_default().to_owned();
    let forwarded = req.headers().contains_key(FORWARDED_HEADER);
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| bearer(v.as_bytes()))
        .map(Bytes::copy_from_slice)
        .unwrap_or_default();
    let body = if method == Method::GET {
        Bytes::new()
    } else {
        body_bytes(req.into_body()).await?
    };
    let Some(rest) = path.strip_prefix("/admin/api/") else {
        return Err(ApiError::NotFound(format!("no admin endpoint {path}")));
    };
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    if segments.len() > MAX_SEGMENTS {
        return Err(ApiError::NotFound(format!("no admin endpoint {path}")));
    }
    let ctx = Ctx {
        shared,
        caller,
        token,
        forwarded,
        method: method.clone(),
        path: path.clone(),
        query,
        body,
    };
    dispatch(&ctx, &method, &segments).await
}

/// The throttle, then the token.
fn authenticate(
    req: &Request<Incoming>,
    shared: &Shared,
    peer: SocketAddr,
) -> Result<Caller, ApiError> {
    let admin = &shared.admin;
    let m = crate::metrics::metrics();
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| bearer(v.as_bytes()));
    let attempt = admin.throttle.attempt(peer.ip(), Instant::now(), || {
        presented.and_then(|t| admin.tokens.check(t)).cloned()
    });
    match attempt {
        None => {
            m.admin_throttled.inc();
            Err(ApiError::Throttled)
        }
        Some(Some(caller)) => Ok(caller),
        Some(None) => {
            m.admin_unauthorized.inc();
            info!(%peer, path = req.uri().path(), token = presented.is_some(), "admin request refused: bad or no token");
            Err(ApiError::Unauthorized)
        }
    }
}

async fn dispatch(ctx: &Ctx, method: &Method, path: &[&str]) -> ApiResult {
    use Method as M;
    match (method, path) {
        (&M::GET, ["node"]) => players::node(ctx).await,
        (&M::GET, ["stats"]) => players::stats(ctx),
        (&M::GET, ["lobbies"]) => lobbies::list(ctx).await,
        (&M::GET, ["lobbies", id]) => lobbies::detail(ctx, id).await,
        (&M::POST, ["lobbies", id, "lock"]) => lobbies::lock(ctx, id, true).await,
        (&M::POST, ["lobbies", id, "unlock"]) => lobbies::lock(ctx, id, false).await,
        (&M::POST, ["lobbies", id, "close"]) => lobbies::close(ctx, id).await,
        (&M::POST, ["lobbies", id, "notice"]) => lobbies::notice(ctx, id).await,
        (&M::POST, ["lobbies", id, "members", player, "kick"]) => {
            lobbies::kick(ctx, id, player).await
        }
        (&M::GET, ["bans"]) => players::bans(ctx),
        (&M::POST, ["bans"]) => players::ban(ctx).await,
        (&M::POST, ["bans", "lift"]) => players::lift(ctx).await,
        (&M::POST, ["notice"]) => players::notice_all(ctx).await,
        (&M::POST, ["drain"]) => players::drain(ctx),
        (_, ["node" | "stats" | "lobbies" | "bans"] | ["lobbies", _]) => {
            Err(ApiError::MethodNotAllowed("use GET (or POST for bans)"))
        }
        (
            _,
            ["lobbies", _, "lock" | "unlock" | "close" | "notice"]
            | ["lobbies", _, "members", _, "kick"]
            | ["bans", "lift"]
            | ["notice" | "drain"],
        ) => Err(ApiError::MethodNotAllowed("use POST")),
        _ => Err(ApiError::NotFound(format!(
            "no admin endpoint /admin/api/{}",
            path.join("/")
        ))),
    }
}
