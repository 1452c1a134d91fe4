//! The lobby endpoints: the fleet's lobby table, one lobby with its
//! members, and the actions on a lobby (lock, unlock, close, notice, kick a
//! member). A lobby of another node is answered by that node (`forward`).

use rallypoint_shared::{LobbyId, PlayerId};
use serde::Deserialize;
use tokio::sync::oneshot;
use tokio::time::Instant;
use tracing::info;

use super::forward;
use super::reply::{ApiError, ApiResult, json, parse, text};
use super::routes::Ctx;
use super::views::{LobbyDetail, LobbyList, LobbyView, MemberView, NodeAnswer, WhyNull, secs};
use super::{LOBBY_ANSWER_TIMEOUT, MAX_NOTICE_CHARS, MAX_REASON_CHARS, rfc3339};
use crate::kick::KickReason;
use crate::lobby::{AdminCmd, LobbyCmd, LobbyHandle, LobbyReport, MemberReport, Published};
use crate::resume::Kicked;
use crate::server::Shared;

fn lobby_id(s: &str) -> Result<LobbyId, ApiError> {
    s.parse()
        .map(LobbyId)
        .map_err(|_| ApiError::BadRequest(format!("{s:?} is not a lobby id")))
}

fn player_id(s: &str) -> Result<PlayerId, ApiError> {
    s.parse()
        .map(PlayerId)
        .map_err(|_| ApiError::BadRequest(format!("{s:?} is not a player id")))
}

/// Where lobby `id` is: here, or (already answered) on another node.
enum Found {
    Here(LobbyHandle),
    There(super::reply::ApiResult),
}

async fn find(ctx: &Ctx, id: &str) -> Result<Found, ApiError> {
    let id = lobby_id(id)?;
    if let Some(handle) = ctx.shared.registry.handle(id) {
        return Ok(Found::Here(handle));
    }
    let missing = || ApiError::NotFound(format!("no lobby {}", id.0));
    if ctx.forwarded {
        return Err(missing());
    }
    match ctx.shared.registry.fleet().lobby_admin_url(id.0).await {
        Some((_, Some(url))) => Ok(Found::There(forward::replay(ctx, &url).await)),
        Some((node, None)) => Err(ApiError::BadGateway(format!(
            "lobby {} is on node {node}, which publishes no admin URL (its admin API is off)",
            id.0
        ))),
        None => Err(missing()),
    }
}

/// Asks a lobby's task for its report, within [`LOBBY_ANSWER_TIMEOUT`].
async fn inspect(handle: &LobbyHandle) -> Result<LobbyReport, String> {
    let (tx, rx) = oneshot::channel();
    send(handle, AdminCmd::Inspect(tx))?;
    match tokio::time::timeout(LOBBY_ANSWER_TIMEOUT, rx).await {
        Ok(Ok(report)) => Ok(report),
        Ok(Err(_)) => Err("the lobby closed".into()),
        Err(_) => Err(format!(
            "the lobby did not answer within {} ms",
            LOBBY_ANSWER_TIMEOUT.as_millis()
        )),
    }
}

fn send(handle: &LobbyHandle, cmd: AdminCmd) -> Result<(), String> {
    handle
        .try_send(LobbyCmd::Admin(cmd))
        .map_err(|e| e.to_string())
}

fn node_id(shared: &Shared) -> Option<String> {
    shared.registry.fleet().member().map(|m| m.id)
}

fn view(p: &Published, report: &Result<LobbyReport, String>, node: &Option<String>) -> LobbyView {
    let mut why = std::collections::BTreeMap::new();
    if node.is_none() {
        why.insert("node".into(), "this node runs alone (no fleet)".into());
    }
    if p.join_code.is_none() {
        why.insert("code".into(), "a public lobby has no join code".into());
    }
    let r = report.as_ref().ok();
    if let Err(e) = report {
        for field in ["tick", "tick_lateness", "bytes_out_per_sec", "age_secs"] {
            why.insert(field.into(), e.clone());
        }
    }
    LobbyView {
        id: p.info.id.0,
        node: node.clone(),
        game: p.info.game.clone(),
        name: p.info.name.clone(),
        label: p.info.label.clone(),
        private: p.join_code.is_some(),
        locked: p.locked,
        players: p.info.players,
        max_players: p.info.max_players,
        code: p.join_code.clone(),
        tick: r.map(|r| r.tick),
        tick_lateness: r.map(|r| r.lateness.into()),
        bytes_out_per_sec: r.map(|r| r.bytes_out_per_sec),
        age_secs: r.map(|r| secs(r.age)),
        why_null: why,
    }
}

/// This node's lobbies, each inspected (all asked at once, then awaited).
async fn local_lobbies(shared: &Shared) -> Vec<LobbyView> {
    let node = node_id(shared);
    let asked: Vec<_> = shared
        .registry
        .published()
        .into_iter()
        .map(|p| {
            let handle = shared.registry.handle(p.info.id);
            let (tx, rx) = oneshot::channel();
            let sent = match handle {
                Some(h) => send(&h, AdminCmd::Inspect(tx)),
                None => Err("the lobby closed".into()),
            };
            (p, sent.map(|()| rx))
        })
        .collect();
    let deadline = Instant::now() + LOBBY_ANSWER_TIMEOUT;
    let mut views = Vec::with_capacity(asked.len());
    for (p, rx) in asked {
        let report = match rx {
            Ok(rx) => match tokio::time::timeout_at(deadline, rx).await {
                Ok(Ok(r)) => Ok(r),
                Ok(Err(_)) => Err("the lobby closed".to_owned()),
                Err(_) => Err("the lobby did not answer in time".to_owned()),
            },
            Err(e) => Err(e),
        };
        views.push(view(&p, &report, &node));
    }
    views
}

/// `GET /admin/api/lobbies[?scope=node]`.
pub async fn list(ctx: &Ctx) -> ApiResult {
    let shared = &ctx.shared;
    let mut lobbies = local_lobbies(shared).await;
    let me = node_id(shared);
    let mut nodes = vec![NodeAnswer {
        node: me.clone().unwrap_or_else(|| "local".into()),
        ok: true,
        error: None,
    }];
    let node_only = ctx.forwarded || ctx.query.split('&').any(|kv| kv == "scope=node");
    if !node_only && me.is_some() {
        let others = forward::other_nodes(shared).await;
        match others {
            Ok(others) => {
                let (more, answers) = forward::lobby_lists(ctx, others).await;
                lobbies.extend(more);
                nodes.extend(answers);
            }
            Err(e) => nodes.push(NodeAnswer {
                node: "<directory>".into(),
                ok: false,
                error: Some(e),
            }),
        }
    }
    json(&LobbyList { lobbies, nodes })
}

/// `GET /admin/api/lobbies/{id}`: the lobby and its members.
pub async fn detail(ctx: &Ctx, id: &str) -> ApiResult {
    let handle = match find(ctx, id).await? {
        Found::Here(h) => h,
        Found::There(answer) => return answer,
    };
    let shared = &ctx.shared;
    let published = shared
        .registry
        .published()
        .into_iter()
        .find(|p| p.info.id == handle.id)
        .ok_or_else(|| ApiError::NotFound(format!("no lobby {}", handle.id.0)))?;
    let report = inspect(&handle).await;
    let members = match &report {
        Ok(r) => r.members.iter().map(|m| member(shared, m)).collect(),
        Err(e) => return Err(ApiError::Unavailable(e.clone())),
    };
    json(&LobbyDetail {
        lobby: view(&published, &report, &node_id(shared)),
        members,
    })
}

fn member(shared: &Shared, m: &MemberReport) -> MemberView {
    let mut why = WhyNull::new();
    let session = shared.sessions.player(m.player);
    let now = Instant::now();
    let account = session.as_ref().and_then(|s| s.info.account.clone());
    if account.is_none() {
        let reason = match (&shared.auth, &session) {
            (None, _) => "authentication is off: players have no account",
            (Some(_), None) => "no session holds this player (it is leaving)",
            (Some(_), Some(_)) => "the session has no account",
        };
        why.insert("account", reason.into());
    }
    let link = session.as_ref().map(|s| s.link.clone());
    let live = session.as_ref().is_some_and(|s| s.live) && m.detached_for.is_none();
    if link.is_none() {
        why.insert("ip", "no session holds this player (it is leaving)".into());
    }
    let rtt = link.as_ref().and_then(|l| l.liveness.rtt());
    if rtt.is_none() {
        why.insert("rtt_ms", "no ping answered yet on its connection".into());
    }
    if m.detached_for.is_none() {
        why.insert("detached_secs", "connected".into());
    }
    if m.snapshots_replaced.is_none() {
        why.insert("snapshots_replaced", "detached: no connection".into());
    }
    let open = link.as_ref().filter(|_| live);
    if open.is_none() {
        for field in ["connection_secs", "connected_at"] {
            why.insert(field, "no open connection".into());
        }
    }
    MemberView {
        player: m.player.0,
        name: m.name.clone(),
        account,
        ip: link.as_ref().map(|l| l.ip.to_string()),
        connected: live,
        detached_secs: m.detached_for.map(secs),
        rtt_ms: rtt.map(|d| d.as_secs_f64() * 1000.0),
        snapshots_offered: m.snapshots_offered,
        snapshots_replaced: m.snapshots_replaced,
        input_backlog: m.input_backlog,
        connection_secs: open.map(|l| secs(now.saturating_duration_since(l.opened))),
        connected_at: open.map(|l| rfc3339(l.connected_at)),
        why_null: why,
    }
}

/// A body with an optional reason (lock, unlock).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Because {
    reason: Option<String>,
}

/// A body with a required reason (close, kick).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Reason {
    reason: String,
}

/// A body with a notice's text.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NoticeBody {
    pub text: String,
}

/// What an action answers.
#[derive(serde::Serialize)]
pub(super) struct Done {
    pub action: &'static str,
    pub target: String,
    pub detail: String,
}

fn done(action: &'static str, target: String, detail: String) -> ApiResult {
    crate::metrics::metrics().admin_action(action);
    json(&Done {
        action,
        target,
        detail,
    })
}

/// `POST /admin/api/lobbies/{id}/lock` and `/unlock`.
pub async fn lock(ctx: &Ctx, id: &str, locked: bool) -> ApiResult {
    let handle = match find(ctx, id).await? {
        Found::Here(h) => h,
        Found::There(answer) => return answer,
    };
    let body: Because = parse(&ctx.body)?;
    let reason = match &body.reason {
        Some(r) => text("reason", r, MAX_REASON_CHARS, false)?,
        None => String::new(),
    };
    if !ctx.shared.registry.set_locked(handle.id, locked) {
        return Err(ApiError::NotFound(format!("no lobby {}", handle.id.0)));
    }
    ctx.shared.registry.fleet().poke();
    let action = if locked { "lock" } else { "unlock" };
    info!(admin = %ctx.caller.name, action, lobby = handle.id.0, %reason, "admin action");
    done(action, format!("lobby {}", handle.id.0), reason)
}

/// `POST /admin/api/lobbies/{id}/close`.
pub async fn close(ctx: &Ctx, id: &str) -> ApiResult {
    let handle = match find(ctx, id).await? {
        Found::Here(h) => h,
        Found::There(answer) => return answer,
    };
    let body: Reason = parse(&ctx.body)?;
    let reason = text("reason", &body.reason, MAX_REASON_CHARS, false)?;
    let told = format!("the lobby was closed by an operator: {reason}");
    send(&handle, AdminCmd::Close(told)).map_err(ApiError::Unavailable)?;
    ctx.shared.registry.fleet().poke();
    info!(admin = %ctx.caller.name, action = "close", lobby = handle.id.0, %reason, "admin action");
    done("close", format!("lobby {}", handle.id.0), reason)
}

/// `POST /admin/api/lobbies/{id}/notice`.
pub async fn notice(ctx: &Ctx, id: &str) -> ApiResult {
    let handle = match find(ctx, id).await? {
        Found::Here(h) => h,
        Found::There(answer) => return answer,
    };
    let body: NoticeBody = parse(&ctx.body)?;
    let text = text("text", &body.text, MAX_NOTICE_CHARS, true)?;
    send(&handle, AdminCmd::Notice(text.clone())).map_err(ApiError::Unavailable)?;
    info!(admin = %ctx.caller.name, action = "notice", lobby = handle.id.0, %text, "admin action");
    done("notice", format!("lobby {}", handle.id.0), text)
}

/// `POST /admin/api/lobbies/{id}/members/{player}/kick`.
pub async fn kick(ctx: &Ctx, id: &str, player: &str) -> ApiResult {
    let player = player_id(player)?;
    let handle = match find(ctx, id).await? {
        Found::Here(h) => h,
        Found::There(answer) => return answer,
    };
    let body: Reason = parse(&ctx.body)?;
    let reason = text("reason", &body.reason, MAX_REASON_CHARS, false)?;
    let sessions = &ctx.shared.sessions;
    let in_lobby = sessions
        .player(player)
        .and_then(|s| s.info.lobby)
        .is_some_and(|l| l.id == handle.id);
    if !in_lobby {
        return Err(ApiError::NotFound(format!(
            "player {} is not in lobby {}",
            player.0, handle.id.0
        )));
    }
    let detail = match sessions.kick_player(player, KickReason::Kicked(reason.clone())) {
        Kicked::Connection => "its connection was told why and closed",
        Kicked::Detached(lobby) => {
            release(lobby, player);
            "it had dropped; its session and seat are gone"
        }
        Kicked::Unknown => "it had just left",
    };
    info!(admin = %ctx.caller.name, action = "kick", lobby = handle.id.0, player = player.0, %reason, "admin action");
    done("kick", format!("player {}", player.0), detail.into())
}

/// Frees the seat of a kicked or banned session that had dropped.
pub(super) fn release(lobby: Option<LobbyHandle>, player: PlayerId) {
    if let Some(lobby) = lobby {
        let (found, _) = oneshot::channel();
        let _ = lobby.try_send(LobbyCmd::Admin(AdminCmd::Remove { player, found }));
    }
}
