//! The directory's keys in Redis, and the calls that read and write them.
//! Every key starts with `rp:`; every key a node writes carries the node's
//! TTL and is refreshed by its heartbeat, so nothing of a dead node
//! outlives it by more than the TTL:
//! - `rp:seq`: the counter nodes take their fleet-wide number from.
//! - `rp:nodes`: the set of node ids (a dead node's id is pruned by the
//!   first reader that finds its hash gone).
//! - `rp:node:{id}`: a hash: `url`, `games`, `players`, `lobbies`,
//!   `draining` (0 or 1), and `admin_url` when its admin API is on.
//! - `rp:lobby:{lobby id}`: a hash per lobby: `node`, `url`, `game`,
//!   `name`, `players`, `max_players`, `label`, `private`, `locked`. Lobby ids are
//!   unique in the fleet (the node's number is in their high bits).
//! - `rp:public`: a sorted set of public lobby ids (score: the id), what a
//!   listing reads, at most [`super::MAX_LISTED`] at a time.
//! - `rp:open:{game}`: a sorted set of the public lobbies of a game with a
//!   free seat on a node that is not draining (score: players), for
//!   quick-join to take the fullest without reading every lobby (a lobby
//!   an operator locked is left out).
//! - `rp:code:{code}`: a private lobby's id by its join code.
//!
//! The fleet's bans (`rp:bans`, `rp:bans:v`, without a TTL: they outlive
//! nodes) and its login channel (`rp:logins`) are in [`super::accounts`].
//!
//! A heartbeat writes all of a node's keys in one `MULTI`. Sorted-set
//! members outlive a dead node; readers skip and remove those whose lobby
//! hash is gone.

use std::collections::HashMap;
use std::time::Duration;

use rallypoint_shared::{JoinTarget, LobbyId, LobbyInfo};
use redis::aio::ConnectionManager;
use redis::{RedisResult, pipe};
use serde::Serialize;

use super::seats::Place;
use crate::lobby::{LOCAL_ID_BITS, Published};

/// Node numbers fit above a lobby id's local bits: 4096 of them.
pub(super) const NODE_NUMBERS: u32 = 1 << (32 - LOCAL_ID_BITS);

const SEQ: &str = "rp:seq";
const NODES: &str = "rp:nodes";
const PUBLIC: &str = "rp:public";

pub(super) fn node_key(id: &str) -> String {
    format!("rp:node:{id}")
}

pub(super) fn lobby_key(id: u32) -> String {
    format!("rp:lobby:{id}")
}

pub(super) fn open_key(game: &str) -> String {
    format!("rp:open:{game}")
}

fn code_key(code: &str) -> String {
    format!("rp:code:{code}")
}

pub(super) fn count(commands: usize) {
    crate::metrics::metrics()
        .fleet_redis_commands
        .inc_by(commands as u64);
}

/// A public lobby of the fleet, as `GET /lobbies` lists it: its
/// `LobbyInfo`, and the node it lives on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Listed {
    #[serde(flatten)]
    pub info: LobbyInfo,
    /// The node's id (empty for a node alone).
    pub node: String,
    /// Where players reach that node.
    pub url: String,
}

/// A live node, as `GET /fleet` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeInfo {
    pub id: String,
    pub url: String,
    pub games: Vec<String>,
    pub players: u64,
    pub lobbies: u64,
    pub draining: bool,
    /// Where its admin API answers (not shown by the public `GET /fleet`).
    #[serde(skip)]
    pub admin_url: Option<String>,
}

/// What one heartbeat publishes.
pub(super) struct Beat<'a> {
    pub id: &'a str,
    pub url: &'a str,
    pub admin_url: Option<&'a str>,
    pub ttl: Duration,
    pub draining: bool,
    pub games: Vec<&'static str>,
    pub players: usize,
    pub lobbies: &'a [Published],
    /// Lobbies published before that are gone now.
    pub gone: &'a [u32],
}

/// A new number for this node.
pub(super) async fn node_number(mut conn: ConnectionManager) -> RedisResult<u32> {
    count(1);
    let n: u64 = redis::cmd("INCR").arg(SEQ).query_async(&mut conn).await?;
    Ok((n % u64::from(NODE_NUMBERS)) as u32)
}

/// Writes the node and its lobbies, in one transaction.
pub(super) async fn publish(mut conn: ConnectionManager, beat: &Beat<'_>) -> RedisResult<()> {
    let ttl = beat.ttl.as_secs().max(1);
    let mut p = pipe();
    p.atomic();
    let node = node_key(beat.id);
    p.hset_multiple(
        &node,
        &[
            ("url", beat.url.to_owned()),
            ("games", beat.games.join(",")),
            ("players", beat.players.to_string()),
            ("lobbies", beat.lobbies.len().to_string()),
            ("draining", u8::from(beat.draining).to_string()),
        ],
    )
    .ignore();
    if let Some(admin) = beat.admin_url {
        p.hset(&node, "admin_url", admin).ignore();
    }
    p.expire(&node, ttl as i64).ignore();
    p.sadd(NODES, beat.id).ignore();
    let mut commands = 3 + usize::from(beat.admin_url.is_some());
    for l in beat.lobbies {
        let i = &l.info;
        let key = lobby_key(i.id.0);
        p.hset_multiple(
            &key,
            &[
                ("node", beat.id.to_owned()),
                ("url", beat.url.to_owned()),
                ("game", i.game.clone()),
                ("name", i.name.clone()),
                ("players", i.players.to_string()),
                ("max_players", i.max_players.to_string()),
                ("label", i.label.clone()),
                ("private", u8::from(l.join_code.is_some()).to_string()),
                ("locked", u8::from(l.locked).to_string()),
            ],
        )
        .ignore();
        p.expire(&key, ttl as i64).ignore();
        commands += 3;
        match &l.join_code {
            Some(code) => {
                p.set_ex(code_key(code), i.id.0, ttl).ignore();
            }
            None => {
                p.zadd(PUBLIC, i.id.0, i.id.0).ignore();
                let open = open_key(&i.game);
                if i.players < i.max_players && !beat.draining && !l.locked {
                    p.zadd(&open, i.id.0, i.players).ignore();
                } else {
                    p.zrem(&open, i.id.0).ignore();
                }
                commands += 1;
            }
        }
    }
    for &id in beat.gone {
        p.del(lobby_key(id)).ignore();
        p.zrem(PUBLIC, id).ignore();
        for game in &beat.games {
            p.zrem(open_key(game), id).ignore();
        }
        commands += 2 + beat.games.len();
    }
    count(commands + 2);
    p.query_async::<()>(&mut conn).await
}

/// Takes the node's keys out (a clean shutdown); join codes expire with
/// their TTL.
pub(super) async fn leave(
    mut conn: ConnectionManager,
    id: &str,
    games: &[&str],
    published: &[u32],
) -> RedisResult<()> {
    let mut p = pipe();
    p.atomic();
    p.del(node_key(id)).ignore();
    p.srem(NODES, id).ignore();
    for &lobby in published {
        p.del(lobby_key(lobby)).ignore();
        p.zrem(PUBLIC, lobby).ignore();
        for game in games {
            p.zrem(open_key(game), lobby).ignore();
        }
    }
    count(4 + (2 + games.len()) * published.len());
    p.query_async::<()>(&mut conn).await
}

fn field<T: std::str::FromStr + Default>(h: &HashMap<String, String>, name: &str) -> T {
    h.get(name).and_then(|v| v.parse().ok()).unwrap_or_default()
}

/// The public lobbies of every live node, by id, at most
/// [`super::MAX_LISTED`]; members whose lobby is gone are pruned.
pub(super) async fn list(mut conn: ConnectionManager) -> RedisResult<Vec<Listed>> {
    let ids: Vec<u32> = redis::cmd("ZRANGE")
        .arg(PUBLIC)
        .arg(0)
        .arg(super::MAX_LISTED as i64 - 1)
        .query_async(&mut conn)
        .await?;
    if ids.is_empty() {
        count(1);
        return Ok(Vec::new());
    }
    let mut p = pipe();
    for &id in &ids {
        p.hgetall(lobby_key(id));
    }
    let hashes: Vec<HashMap<String, String>> = p.query_async(&mut conn).await?;
    count(1 + ids.len());
    let mut listed = Vec::with_capacity(ids.len());
    let mut stale = Vec::new();
    for (id, h) in ids.into_iter().zip(hashes) {
        if h.is_empty() {
            stale.push(id);
            continue;
        }
        listed.push(Listed {
            info: LobbyInfo {
                id: LobbyId(id),
                game: field(&h, "game"),
                name: field(&h, "name"),
                players: field(&h, "players"),
                max_players: field(&h, "max_players"),
                label: field(&h, "label"),
            },
            node: field(&h, "node"),
            url: field(&h, "url"),
        });
    }
    if !stale.is_empty() {
        count(1);
        redis::cmd("ZREM")
            .arg(PUBLIC)
            .arg(&stale)
            .query_async::<()>(&mut conn)
            .await?;
    }
    Ok(listed)
}

/// The lobby `target` names, wherever it is in the fleet: by id (public
/// lobbies only), or by join code (which the directory keeps as the
/// client typed it, upper-cased).
pub(super) async fn locate(
    mut conn: ConnectionManager,
    target: &JoinTarget,
) -> RedisResult<Option<Place>> {
    let id: Option<u32> = match target {
        JoinTarget::Id(id) => Some(id.0),
        JoinTarget::Code(code) => {
            count(1);
            let key = code_key(&code.trim().to_ascii_uppercase());
            redis::cmd("GET").arg(key).query_async(&mut conn).await?
        }
        JoinTarget::Ticket(_) => None,
    };
    let Some(id) = id else {
        return Ok(None);
    };
    count(1);
    type Row = (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<u8>,
        Option<u32>,
    );
    let (node, url, game, private, players): Row = redis::cmd("HMGET")
        .arg(lobby_key(id))
        .arg("node")
        .arg("url")
        .arg("game")
        .arg("private")
        .arg("players")
        .query_async(&mut conn)
        .await?;
    let (Some(node), Some(url), Some(game), Some(private)) = (node, url, game, private) else {
        return Ok(None);
    };
    let private = private == 1;
    if private && matches!(target, JoinTarget::Id(_)) {
        return Ok(None);
    }
    Ok(Some(Place {
        lobby: id,
        node,
        url,
        game,
        private,
        players: players.unwrap_or(0),
    }))
}

/// The node of lobby `id` (public or private), and that node's admin
/// URL if it publishes one.
pub(super) async fn lobby_admin_url(
    mut conn: ConnectionManager,
    id: u32,
) -> RedisResult<Option<(String, Option<String>)>> {
    count(2);
    let node: Option<String> = redis::cmd("HGET")
        .arg(lobby_key(id))
        .arg("node")
        .query_async(&mut conn)
        .await?;
    let Some(node) = node else {
        return Ok(None);
    };
    let url: Option<String> = redis::cmd("HGET")
        .arg(node_key(&node))
        .arg("admin_url")
        .query_async(&mut conn)
        .await?;
    Ok(Some((node, url)))
}

/// The live nodes; ids whose hash is gone are pruned.
pub(super) async fn nodes(mut conn: ConnectionManager) -> RedisResult<Vec<NodeInfo>> {
    let mut ids: Vec<String> = redis::cmd("SMEMBERS")
        .arg(NODES)
        .query_async(&mut conn)
        .await?;
    ids.sort();
    if ids.is_empty() {
        count(1);
        return Ok(Vec::new());
    }
    let mut p = pipe();
    for id in &ids {
        p.hgetall(node_key(id));
    }
    let hashes: Vec<HashMap<String, String>> = p.query_async(&mut conn).await?;
    count(1 + ids.len());
    let mut live = Vec::new();
    let mut dead = Vec::new();
    for (id, h) in ids.into_iter().zip(hashes) {
        if h.is_empty() {
            dead.push(id);
            continue;
        }
        let games: String = field(&h, "games");
        live.push(NodeInfo {
            url: field(&h, "url"),
            games: games
                .split(',')
                .filter(|g| !g.is_empty())
                .map(String::from)
                .collect(),
            players: field(&h, "players"),
            lobbies: field(&h, "lobbies"),
            draining: field::<u8>(&h, "draining") == 1,
            admin_url: h.get("admin_url").cloned(),
            id,
        });
    }
    if !dead.is_empty() {
        count(1);
        redis::cmd("SREM")
            .arg(NODES)
            .arg(&dead)
            .query_async::<()>(&mut conn)
            .await?;
    }
    Ok(live)
}
