//! The node and player endpoints: the node with its (redacted)
//! configuration, its stats for the console's charts, bans (list, ban, lift), a notice to every player, and
//! the drain. A ban and a notice to all reach every node of a fleet
//! (`forward::to_every_node`); the drain is this node's.

use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use rallypoint_shared::{PROTOCOL_VERSION, PlayerId};
use serde::{Deserialize, Serialize};
use tokio::time::Instant;
use tracing::info;

use super::bans::{Ban, Target};
use super::forward;
use super::lobbies::{NoticeBody, release};
use super::reply::{ApiError, ApiResult, json, parse, text};
use super::routes::Ctx;
use super::views::{BanView, NodeAnswer, NodeView, StatsView, WhyNull, secs};
use super::{MAX_BAN, MAX_NOTICE_CHARS, MAX_REASON_CHARS};
use crate::kick::KickReason;
use crate::resume::{Kicked, SessionTable};

/// `GET /admin/api/node`.
pub async fn node(ctx: &Ctx) -> ApiResult {
    let shared = &ctx.shared;
    let registry = &shared.registry;
    let id = registry.fleet().member().map(|m| m.id);
    let mut why = WhyNull::new();
    if id.is_none() {
        why.insert("id", "this node runs alone (no fleet)".into());
    }
    let config = serde_json::to_value(&*shared.config)
        .map_err(|e| ApiError::Unavailable(format!("cannot show the configuration: {e}")))?;
    json(&NodeView {
        id,
        version: env!("CARGO_PKG_VERSION"),
        protocol_version: PROTOCOL_VERSION,
        draining: shared.draining.is_cancelled(),
        uptime_secs: secs(Instant::now().saturating_duration_since(shared.admin.started)),
        connections: crate::metrics::metrics().connections.get(),
        sessions: shared.sessions.len(),
        players: registry.player_count(),
        lobbies: registry.lobby_count(),
        bans: shared.admin.bans.list(SystemTime::now()).len(),
        games: registry.games().names().map(String::from).collect(),
        config,
        why_null: why,
    })
}

/// `GET /admin/api/stats`: this node's only, also on a fleet (each node
/// has its own counters; the console charts the node it is served by).
pub fn stats(ctx: &Ctx) -> ApiResult {
    let shared = &ctx.shared;
    let m = crate::metrics::metrics();
    json(&StatsView {
        uptime_secs: secs(Instant::now().saturating_duration_since(shared.admin.started)),
        connections: m.connections.get(),
        players: shared.registry.player_count(),
        lobbies: shared.registry.lobby_count(),
        ticks: m.ticks.get(),
        ticks_late: m.ticks_late.get(),
        late_tick_ms: secs(crate::metrics::LATE_TICK) * 1000.0,
        bytes_in: m.bytes_in.get(),
        bytes_out: m.bytes_out.get(),
        disconnects: m.disconnects_by_reason(),
        why_null: WhyNull::new(),
    })
}

/// `GET /admin/api/bans`.
pub fn bans(ctx: &Ctx) -> ApiResult {
    let bans = ctx.shared.admin.bans.list(SystemTime::now());
    let views: Vec<BanView> = bans.iter().map(BanView::from).collect();
    json(&serde_json::json!({ "bans": views }))
}

/// The body of `POST /admin/api/bans` and `/bans/lift`: exactly one of
/// `account` and `ip`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BanBody {
    account: Option<String>,
    ip: Option<String>,
    /// How long, in seconds (ban only).
    secs: Option<u64>,
    reason: Option<String>,
}

impl BanBody {
    fn target(&self, auth_on: bool) -> Result<Target, ApiError> {
        match (&self.account, &self.ip) {
            (Some(a), None) => {
                if !auth_on {
                    return Err(ApiError::BadRequest(
                        "authentication is off: sessions have no account; ban the ip".into(),
                    ));
                }
                let a = text("account", a, crate::auth::MAX_ACCOUNT_BYTES, false)?;
                Ok(Target::Account(a))
            }
            (None, Some(ip)) => ip
                .trim()
                .parse::<IpAddr>()
                .map(|ip| Target::Ip(ip.to_canonical()))
                .map_err(|_| ApiError::BadRequest(format!("{ip:?} is not an IP address"))),
            _ => Err(ApiError::BadRequest(
                "give exactly one of account and ip".into(),
            )),
        }
    }
}

/// What a ban answers.
#[derive(Serialize)]
struct Banned {
    ban: BanView,
    /// Sessions of this node it ended.
    kicked: usize,
    /// The other nodes of the fleet it was sent to.
    nodes: Vec<NodeAnswer>,
}

/// `POST /admin/api/bans`: bans, and ends the banned sessions.
pub async fn ban(ctx: &Ctx) -> ApiResult {
    let body: BanBody = parse(&ctx.body)?;
    let target = body.target(ctx.shared.auth.is_some())?;
    let secs = body
        .secs
        .ok_or_else(|| ApiError::BadRequest("secs (the ban's length) is required".into()))?;
    if secs == 0 || secs > MAX_BAN.as_secs() {
        return Err(ApiError::BadRequest(format!(
            "secs must be 1 to {}",
            MAX_BAN.as_secs()
        )));
    }
    let reason = text(
        "reason",
        body.reason.as_deref().unwrap_or_default(),
        MAX_REASON_CHARS,
        false,
    )?;
    let now = SystemTime::now();
    let ban = Ban {
        target: target.clone(),
        reason: reason.clone(),
        until: now + Duration::from_secs(secs),
        by: ctx.caller.name.clone(),
        since: now,
    };
    let admin = &ctx.shared.admin;
    let before = admin.bans.get(&target, now);
    admin
        .bans
        .add(ban.clone(), now)
        .map_err(|e| ApiError::Conflict(e.to_string()))?;
    if !ctx.forwarded && !ctx.shared.registry.fleet().store_ban(&ban).await {
        match before {
            Some(before) => drop(admin.bans.add(before, now)),
            None => drop(admin.bans.lift(&target, now)),
        }
        return Err(unstored("ban"));
    }
    let kicked = kick_banned(&ctx.shared.sessions, &ban);
    info!(admin = %ctx.caller.name, action = "ban", target = %target, secs, %reason, kicked, "admin action");
    crate::metrics::metrics().admin_action("ban");
    let nodes = forward::to_every_node(ctx).await;
    json(&Banned {
        ban: BanView::from(&ban),
        kicked,
        nodes,
    })
}

/// A fleet's bans live in its directory: without it, none is made or lifted.
fn unstored(action: &str) -> ApiError {
    ApiError::Unavailable(format!(
        "the fleet's directory (Redis) is unreachable, where the fleet's bans are kept: the {action} was not made; try again"
    ))
}

/// Ends this node's sessions of the banned account or address.
pub(crate) fn kick_banned(sessions: &SessionTable, ban: &Ban) -> usize {
    let why = KickReason::Banned(ban.message());
    let kicked = match &ban.target {
        Target::Account(a) => {
            let (player, kicked) = sessions.kick_account(a, why);
            player.map(|p| (p, kicked)).into_iter().collect()
        }
        Target::Ip(ip) => sessions.kick_ip(*ip, &why),
    };
    kicked
        .into_iter()
        .filter(|(player, kicked)| end_kicked(*player, kicked))
        .count()
}

/// Whether a kick ended a session of `player`; frees the seat of one that
/// had dropped (a connection frees its own).
pub(crate) fn end_kicked(player: PlayerId, kicked: &Kicked) -> bool {
    match kicked {
        Kicked::Connection => true,
        Kicked::Detached(lobby) => {
            release(lobby.clone(), player);
            true
        }
        Kicked::Unknown => false,
    }
}

/// `POST /admin/api/bans/lift`.
pub async fn lift(ctx: &Ctx) -> ApiResult {
    let body: BanBody = parse(&ctx.body)?;
    if body.secs.is_some() || body.reason.is_some() {
        return Err(ApiError::BadRequest(
            "lifting takes only account or ip".into(),
        ));
    }
    // An account ban is lifted even with authentication off.
    let target = body.target(true)?;
    if !ctx.forwarded && !ctx.shared.registry.fleet().remove_ban(&target).await {
        return Err(unstored("lift"));
    }
    let lifted = ctx.shared.admin.bans.lift(&target, SystemTime::now());
    let nodes = forward::to_every_node(ctx).await;
    if !lifted && nodes.iter().all(|n| !n.ok) {
        return Err(ApiError::NotFound(format!("no ban of {target} in force")));
    }
    info!(admin = %ctx.caller.name, action = "lift", target = %target, "admin action");
    crate::metrics::metrics().admin_action("lift");
    json(&serde_json::json!({ "lifted": target.to_string(), "here": lifted, "nodes": nodes }))
}

/// `POST /admin/api/notice`: a `Notice` to every welcomed player.
pub async fn notice_all(ctx: &Ctx) -> ApiResult {
    let body: NoticeBody = parse(&ctx.body)?;
    let text = text("text", &body.text, MAX_NOTICE_CHARS, true)?;
    let admin = &ctx.shared.admin;
    admin.notices.send_replace(text.as_str().into());
    let connections = admin.notices.receiver_count();
    info!(admin = %ctx.caller.name, action = "notice_all", %text, connections, "admin action");
    crate::metrics::metrics().admin_action("notice_all");
    let nodes = forward::to_every_node(ctx).await;
    json(&serde_json::json!({ "text": text, "connections": connections, "nodes": nodes }))
}

/// `POST /admin/api/drain`: this node drains, as on SIGTERM.
pub fn drain(ctx: &Ctx) -> ApiResult {
    let admin = &ctx.shared.admin;
    let already = admin.drain.is_cancelled() || ctx.shared.draining.is_cancelled();
    admin.drain.cancel();
    info!(admin = %ctx.caller.name, action = "drain", already, "admin action");
    crate::metrics::metrics().admin_action("drain");
    json(&serde_json::json!({
        "draining": true,
        "already": already,
        "drain_secs": ctx.shared.config.drain_secs,
    }))
}
