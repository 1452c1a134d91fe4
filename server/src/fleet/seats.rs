//! Seats across the fleet: reservations for join tickets, and the seat
//! count a lobby's own node keeps true, each one atomic in Redis (a Lua
//! script), so two nodes can never overfill one lobby.
//!
//! - `rp:resv:{lobby id}`: a sorted set of the tickets holding a seat in
//!   the lobby (member: the ticket id in hex; score: its expiry in ms since
//!   the epoch). A reservation nobody claims falls out at its expiry: every
//!   script drops the expired ones before it counts.
//! - A node that issues a ticket for another node's lobby runs
//!   [`reserve`]: it takes a seat only if the lobby's players (as its node
//!   last wrote them) plus the live reservations leave one free, and the
//!   lobby's node is alive and not draining.
//! - The lobby's own node runs [`seat`] whenever one of its lobbies takes a
//!   player (a local join, or a ticket claimed): with its exact seat count
//!   and the live reservations, it confirms the seat or refuses it, and
//!   writes the new count (and the lobby's place in the quick-join set).
//!
//! Leaves lower the count at the node's next heartbeat, so between the two
//! the directory sees a lobby fuller than it is: never emptier.

use redis::aio::ConnectionManager;
use redis::{RedisResult, Script};

use super::directory::{count, lobby_key, node_key, open_key};

fn resv_key(lobby: u32) -> String {
    format!("rp:resv:{lobby}")
}

/// What [`reserve`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reserved {
    Held,
    Full,
    /// The lobby (or its node) is gone from the directory.
    Gone,
    Draining,
}

/// KEYS: lobby hash, reservations, open set of its game, its node's hash.
/// ARGV: ticket key, now ms, expiry ms, lobby id.
const RESERVE: &str = r#"
local h = redis.call('HMGET', KEYS[1], 'players', 'max_players', 'private')
if not h[1] or not h[2] then return -1 end
local draining = redis.call('HGET', KEYS[4], 'draining')
if not draining then return -1 end
if draining == '1' then return -2 end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[2])
local taken = tonumber(h[1]) + redis.call('ZCARD', KEYS[2])
local max = tonumber(h[2])
if taken >= max then return 0 end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('PEXPIREAT', KEYS[2], ARGV[3])
if h[3] == '0' then
  if taken + 1 >= max then redis.call('ZREM', KEYS[3], ARGV[4])
  else redis.call('ZADD', KEYS[3], taken + 1, ARGV[4]) end
end
return 1
"#;

/// Holds a seat in another node's lobby for the ticket `ticket` until
/// `expires_ms`.
pub(super) async fn reserve(
    mut conn: ConnectionManager,
    lobby: u32,
    game: &str,
    node: &str,
    ticket: &str,
    now_ms: u64,
    expires_ms: u64,
) -> RedisResult<Reserved> {
    count(1);
    let answer: i64 = Script::new(RESERVE)
        .key(lobby_key(lobby))
        .key(resv_key(lobby))
        .key(open_key(game))
        .key(node_key(node))
        .arg(ticket)
        .arg(now_ms)
        .arg(expires_ms)
        .arg(lobby)
        .invoke_async(&mut conn)
        .await?;
    Ok(match answer {
        1 => Reserved::Held,
        0 => Reserved::Full,
        -2 => Reserved::Draining,
        _ => Reserved::Gone,
    })
}

/// KEYS: lobby hash, reservations, open set of its game.
/// ARGV: now ms, the node's seat count with the new player, lobby id, the
/// ticket key being claimed ('' for a local join).
const SEAT: &str = r#"
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
if ARGV[4] ~= '' then redis.call('ZREM', KEYS[2], ARGV[4]) end
local h = redis.call('HMGET', KEYS[1], 'max_players', 'private')
if not h[1] then return 1 end
local seats = tonumber(ARGV[2])
local taken = seats + redis.call('ZCARD', KEYS[2])
local max = tonumber(h[1])
if taken > max then return 0 end
redis.call('HSET', KEYS[1], 'players', seats)
if h[2] == '0' then
  if taken >= max then redis.call('ZREM', KEYS[3], ARGV[3])
  else redis.call('ZADD', KEYS[3], taken, ARGV[3]) end
end
return 1
"#;

/// This node's lobby `lobby` now has `seats` players with the new one:
/// whether the seats others reserved leave room for it (`ticket` is the
/// claimed ticket's own reservation, which it takes over). A lobby the
/// directory does not know yet holds no reservations: yes.
pub(super) async fn seat(
    mut conn: ConnectionManager,
    lobby: u32,
    game: &str,
    seats: u8,
    ticket: Option<&str>,
    now_ms: u64,
) -> RedisResult<bool> {
    count(1);
    let answer: i64 = Script::new(SEAT)
        .key(lobby_key(lobby))
        .key(resv_key(lobby))
        .key(open_key(game))
        .arg(now_ms)
        .arg(seats)
        .arg(lobby)
        .arg(ticket.unwrap_or(""))
        .invoke_async(&mut conn)
        .await?;
    Ok(answer == 1)
}

/// A lobby of the fleet as a join needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub lobby: u32,
    pub node: String,
    pub url: String,
    pub game: String,
    pub private: bool,
    /// Players as the directory counts them (reservations included for a
    /// quick-join candidate).
    pub players: u32,
}

/// The fullest open public lobbies of `game` on live nodes that are not
/// draining, at most `n`, fullest first.
pub(super) async fn candidates(
    mut conn: ConnectionManager,
    game: &str,
    n: usize,
) -> RedisResult<Vec<Place>> {
    let ids: Vec<(u32, f64)> = redis::cmd("ZREVRANGE")
        .arg(open_key(game))
        .arg(0)
        .arg(n.max(1) as i64 - 1)
        .arg("WITHSCORES")
        .query_async(&mut conn)
        .await?;
    if ids.is_empty() {
        count(1);
        return Ok(Vec::new());
    }
    let mut p = redis::pipe();
    for (id, _) in &ids {
        p.cmd("HMGET")
            .arg(lobby_key(*id))
            .arg("node")
            .arg("url")
            .arg("private");
    }
    let rows: Vec<(Option<String>, Option<String>, Option<u8>)> = p.query_async(&mut conn).await?;
    count(1 + ids.len());
    Ok(ids
        .into_iter()
        .zip(rows)
        .filter_map(|((lobby, score), row)| match row {
            (Some(node), Some(url), Some(0)) => Some(Place {
                lobby,
                node,
                url,
                game: game.to_owned(),
                private: false,
                players: score as u32,
            }),
            _ => None,
        })
        .collect())
}

/// Counts one player on its way to `node`, so that the next quick-joins
/// see its load before its heartbeat does.
/// (Only while the node's hash lives: a dead node's must not come back.)
pub(super) async fn add_pending(mut conn: ConnectionManager, node: &str) -> RedisResult<()> {
    const PENDING: &str = r#"
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HINCRBY', KEYS[1], 'players', 1) end
return 1
"#;
    count(1);
    Script::new(PENDING)
        .key(node_key(node))
        .invoke_async::<()>(&mut conn)
        .await
}
