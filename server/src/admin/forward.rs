//! Reaching another node's admin API: a request about another node's
//! lobby is replayed there (same method, path, body and bearer token, plus
//! [`FORWARDED_HEADER`] so it is never forwarded again) and that node's
//! answer is returned as it is. A fleet-wide lobby table asks every node
//! for its own (`?scope=node`); a ban, a lift and a notice to all are sent
//! to every other node. Each node publishes its admin URL in its
//! `rp:node:{id}` hash. Plain HTTP/1.1 over TCP with hyper's client, each
//! call within [`FORWARD_TIMEOUT`], its answer within
//! [`MAX_FORWARD_ANSWER_BYTES`].

use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, Uri, header};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::task::JoinSet;

use super::reply::{ApiError, ApiResult, Body};
use super::routes::{Ctx, FORWARDED_HEADER};
use super::views::{LobbyList, LobbyView, NodeAnswer};
use crate::server::Shared;

/// How long a call to another node may take, connecting included.
/// Default: 2 s; a node slower than that is reported as not answering.
pub const FORWARD_TIMEOUT: Duration = Duration::from_secs(2);

/// The largest answer taken from another node. Default: 1 MiB, room for a
/// node's full lobby table (256 lobbies of about 500 bytes).
pub const MAX_FORWARD_ANSWER_BYTES: usize = 1024 * 1024;

/// One call: `method url+path` with `token` and `body`.
async fn call(
    url: &str,
    method: Method,
    path: &str,
    token: &[u8],
    body: Bytes,
) -> Result<(StatusCode, Bytes), String> {
    let uri: Uri = url
        .parse()
        .map_err(|e| format!("bad admin URL {url:?}: {e}"))?;
    let authority = uri
        .authority()
        .ok_or_else(|| format!("admin URL {url:?} has no host"))?
        .clone();
    let port = authority.port_u16().unwrap_or(80);
    let attempt = async {
        let stream = TcpStream::connect((authority.host(), port))
            .await
            .map_err(|e| format!("cannot connect: {e}"))?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        let driver = tokio::spawn(conn);
        let mut auth = b"Bearer ".to_vec();
        auth.extend_from_slice(token);
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, authority.as_str())
            .header(header::AUTHORIZATION, auth)
            .header(header::CONTENT_TYPE, "application/json")
            .header(FORWARDED_HEADER, "1")
            .body(Full::new(body))
            .map_err(|e| format!("cannot build the request: {e}"))?;
        let response = sender
            .send_request(req)
            .await
            .map_err(|e| format!("request failed: {e}"))?;
        let status = response.status();
        let bytes = Limited::new(response.into_body(), MAX_FORWARD_ANSWER_BYTES)
            .collect()
            .await
            .map_err(|e| format!("answer unreadable: {e}"))?
            .to_bytes();
        driver.abort();
        Ok((status, bytes))
    };
    tokio::time::timeout(FORWARD_TIMEOUT, attempt)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {} s", FORWARD_TIMEOUT.as_secs())))
}

/// Replays the request of `ctx` on the node at `url`; its answer, as is.
pub async fn replay(ctx: &Ctx, url: &str) -> ApiResult {
    let path = if ctx.query.is_empty() {
        ctx.path.clone()
    } else {
        format!("{}?{}", ctx.path, ctx.query)
    };
    let (status, body) = call(url, ctx.method.clone(), &path, &ctx.token, ctx.body.clone())
        .await
        .map_err(|e| ApiError::BadGateway(format!("the lobby's node ({url}): {e}")))?;
    Ok(Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CACHE_CONTROL, "no-store")
        .body(Body::from(body))
        .unwrap_or_default())
}

/// The other live nodes of the fleet: id and admin URL, if published.
pub async fn other_nodes(shared: &Shared) -> Result<Vec<(String, Option<String>)>, String> {
    let fleet = shared.registry.fleet();
    let me = fleet.member().map(|m| m.id);
    let nodes = fleet
        .nodes()
        .await
        .ok_or("the fleet's directory is unreachable: other nodes' lobbies are missing")?;
    Ok(nodes
        .into_iter()
        .filter(|n| Some(&n.id) != me.as_ref())
        .map(|n| (n.id, n.admin_url))
        .collect())
}

fn unreachable(node: String, error: String) -> NodeAnswer {
    NodeAnswer {
        node,
        ok: false,
        error: Some(error),
    }
}

const NO_URL: &str = "the node publishes no admin URL (its admin API is off)";

/// Every other node's own lobbies, asked at once.
pub async fn lobby_lists(
    ctx: &Ctx,
    nodes: Vec<(String, Option<String>)>,
) -> (Vec<LobbyView>, Vec<NodeAnswer>) {
    let mut calls = JoinSet::new();
    let mut answers = Vec::new();
    for (node, url) in nodes {
        let Some(url) = url else {
            answers.push(unreachable(node, NO_URL.into()));
            continue;
        };
        let token = ctx.token.clone();
        calls.spawn(async move {
            let path = "/admin/api/lobbies?scope=node";
            let answer = call(&url, Method::GET, path, &token, Bytes::new()).await;
            (node, answer)
        });
    }
    let mut lobbies = Vec::new();
    while let Some(joined) = calls.join_next().await {
        let Ok((node, answer)) = joined else { continue };
        let parsed = answer.and_then(|(status, body)| {
            if !status.is_success() {
                return Err(format!("answered {status}"));
            }
            serde_json::from_slice::<LobbyList>(&body).map_err(|e| format!("bad answer: {e}"))
        });
        match parsed {
            Ok(list) => {
                lobbies.extend(list.lobbies);
                answers.push(NodeAnswer {
                    node,
                    ok: true,
                    error: None,
                });
            }
            Err(e) => answers.push(unreachable(node, e)),
        }
    }
    answers.sort_by(|a, b| a.node.cmp(&b.node));
    (lobbies, answers)
}

/// Sends the request of `ctx` to every other node (none when it was
/// itself forwarded, or for a node alone); whether each took it.
pub async fn to_every_node(ctx: &Ctx) -> Vec<NodeAnswer> {
    if ctx.forwarded || ctx.shared.registry.fleet().member().is_none() {
        return Vec::new();
    }
    let nodes = match other_nodes(&ctx.shared).await {
        Ok(nodes) => nodes,
        Err(e) => return vec![unreachable("<directory>".into(), e)],
    };
    let mut calls = JoinSet::new();
    let mut answers = Vec::new();
    for (node, url) in nodes {
        let Some(url) = url else {
            answers.push(unreachable(node, NO_URL.into()));
            continue;
        };
        let (method, path, token, body) = (
            ctx.method.clone(),
            ctx.path.clone(),
            ctx.token.clone(),
            ctx.body.clone(),
        );
        calls.spawn(async move { (node, call(&url, method, &path, &token, body).await) });
    }
    while let Some(joined) = calls.join_next().await {
        let Ok((node, answer)) = joined else { continue };
        answers.push(match answer {
            Ok((status, _)) if status.is_success() => NodeAnswer {
                node,
                ok: true,
                error: None,
            },
            Ok((status, body)) => unreachable(
                node,
                format!("answered {status}: {}", String::from_utf8_lossy(&body)),
            ),
            Err(e) => unreachable(node, e),
        });
    }
    answers.sort_by(|a, b| a.node.cmp(&b.node));
    answers
}
