//! What the nodes of a fleet share about players besides the lobby
//! directory:
//! - **Bans.** The hash `rp:bans` holds every ban (field `account:{id}` or
//!   `ip:{address}`, value the ban as JSON) and the counter `rp:bans:v`
//!   moves on every change. The node that takes an operator's ban or lift
//!   writes it there; each heartbeat reads the counter and, when it moved,
//!   loads the whole table (at most [`MAX_BANS`]). So a node started after
//!   a ban, restarted, or missed by the forwarded call, enforces it within
//!   a heartbeat, and bans outlive every node. Expired bans are deleted by
//!   the node that loads them.
//! - **One session per account.** A node that welcomes a login announces
//!   it on the channel `rp:logins` (node, account, and when its connection
//!   opened). Every other node that holds a session of that account opened
//!   earlier ends it: its client gets `SessionReplaced`, and its seat is
//!   freed (the new login is on another node and joins from there). The
//!   later login wins on every node, whichever message arrives first.
//!   While Redis is unreachable a login is enforced on its node only.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use redis::aio::ConnectionManager;
use redis::{AsyncCommands, RedisResult, pipe};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::directory::count;
use crate::admin::{Ban, MAX_BANS, Target};
use crate::kick::KickReason;
use crate::resume::SessionTable;

const BANS: &str = "rp:bans";
const BANS_VERSION: &str = "rp:bans:v";
const LOGINS: &str = "rp:logins";

/// The largest login announcement read from `rp:logins`: an account id is
/// at most a token's length. Default: 2 KiB; a bigger message is dropped.
pub const MAX_LOGIN_MESSAGE_BYTES: usize = 2048;

/// How long the login listener waits before subscribing again after Redis
/// dropped it. Default: 1 s.
pub const RESUBSCRIBE_AFTER: Duration = Duration::from_secs(1);

/// A ban as `rp:bans` stores it (times in seconds since 1970).
#[derive(Serialize, Deserialize)]
struct Stored {
    reason: String,
    until: u64,
    by: String,
    since: u64,
}

fn secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn field(target: &Target) -> String {
    match target {
        Target::Account(a) => format!("account:{a}"),
        Target::Ip(ip) => format!("ip:{ip}"),
    }
}

fn target(field: &str) -> Option<Target> {
    if let Some(account) = field.strip_prefix("account:") {
        return Some(Target::Account(account.to_owned()));
    }
    field
        .strip_prefix("ip:")?
        .parse::<IpAddr>()
        .ok()
        .map(Target::Ip)
}

fn decode(field: &str, value: &str) -> Option<Ban> {
    let stored: Stored = serde_json::from_str(value).ok()?;
    Some(Ban {
        target: target(field)?,
        reason: stored.reason,
        until: UNIX_EPOCH + Duration::from_secs(stored.until),
        by: stored.by,
        since: UNIX_EPOCH + Duration::from_secs(stored.since),
    })
}

/// Writes `ban` and moves the version.
pub(super) async fn store_ban(mut conn: ConnectionManager, ban: &Ban) -> RedisResult<()> {
    let value = serde_json::to_string(&Stored {
        reason: ban.reason.clone(),
        until: secs(ban.until),
        by: ban.by.clone(),
        since: secs(ban.since),
    })
    .unwrap_or_default();
    count(2);
    pipe()
        .atomic()
        .hset(BANS, field(&ban.target), value)
        .ignore()
        .incr(BANS_VERSION, 1)
        .ignore()
        .query_async(&mut conn)
        .await
}

/// Deletes the ban of `target` and moves the version.
pub(super) async fn remove_ban(mut conn: ConnectionManager, target: &Target) -> RedisResult<()> {
    count(2);
    pipe()
        .atomic()
        .hdel(BANS, field(target))
        .ignore()
        .incr(BANS_VERSION, 1)
        .ignore()
        .query_async(&mut conn)
        .await
}

/// The table's version (0 before the first ban).
pub(super) async fn bans_version(mut conn: ConnectionManager) -> RedisResult<u64> {
    count(1);
    Ok(conn.get::<_, Option<u64>>(BANS_VERSION).await?.unwrap_or(0))
}

/// Every ban in force at `now`, at most [`MAX_BANS`] of them; deletes the
/// expired ones and any that cannot be read.
pub(super) async fn load_bans(
    mut conn: ConnectionManager,
    now: SystemTime,
) -> RedisResult<Vec<Ban>> {
    count(1);
    let all: HashMap<String, String> = conn.hgetall(BANS).await?;
    let mut bans = Vec::new();
    let mut stale = Vec::new();
    for (field, value) in all {
        match decode(&field, &value) {
            Some(ban) if ban.until > now => bans.push(ban),
            _ => stale.push(field),
        }
    }
    if !stale.is_empty() {
        count(1);
        let _: () = conn.hdel(BANS, stale).await?;
    }
    bans.sort_by_key(|b| b.until);
    bans.truncate(MAX_BANS);
    Ok(bans)
}

/// A login, as `rp:logins` carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Login {
    pub node: String,
    pub account: String,
    /// When its connection opened, in milliseconds since 1970.
    pub at_ms: u64,
}

impl Login {
    /// Whether this login comes after a session of the same account that
    /// opened at `at_ms` on `node`: the later connection wins, and the
    /// node's id breaks a tie the same way on every node.
    pub fn supersedes(&self, node: &str, at_ms: u64) -> bool {
        (self.at_ms, self.node.as_str()) > (at_ms, node)
    }
}

/// Milliseconds since 1970 at `t`.
pub fn millis(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

pub(super) async fn announce(mut conn: ConnectionManager, login: &Login) -> RedisResult<()> {
    count(1);
    let payload = serde_json::to_vec(login).unwrap_or_default();
    conn.publish(LOGINS, payload).await
}

/// Ends this node's session of a login's account made on another node, if
/// it is older; whether one was ended.
pub fn end_replaced(sessions: &SessionTable, me: &str, login: &Login) -> bool {
    if login.node == me {
        return false;
    }
    let Some(at) = sessions.account_since(&login.account) else {
        return false;
    };
    if !login.supersedes(me, millis(at)) {
        return false;
    }
    let why = KickReason::ReplacedElsewhere(login.node.clone());
    let (player, kicked) = sessions.kick_account(&login.account, why);
    let ended = player.is_some_and(|p| crate::admin::end_kicked(p, &kicked));
    if ended {
        crate::metrics::metrics().auth_replaced_elsewhere.inc();
        info!(account = %login.account, node = %login.node, "the account logged in on another node: its session here ended");
    }
    ended
}

/// Listens to `rp:logins` until `closing`, ending the sessions that logins
/// on other nodes replace; subscribes again after [`RESUBSCRIBE_AFTER`]
/// whenever Redis drops it.
pub(super) async fn listen(
    client: redis::Client,
    me: String,
    sessions: Arc<SessionTable>,
    closing: CancellationToken,
) {
    let mut warned = false;
    loop {
        let listening = async {
            let mut pubsub = client.get_async_pubsub().await?;
            pubsub.subscribe(LOGINS).await?;
            info!(node = %me, "listening to the fleet's logins");
            let mut messages = pubsub.on_message();
            while let Some(msg) = messages.next().await {
                let payload = msg.get_payload_bytes();
                if payload.len() > MAX_LOGIN_MESSAGE_BYTES {
                    continue;
                }
                match serde_json::from_slice::<Login>(payload) {
                    Ok(login) => {
                        end_replaced(&sessions, &me, &login);
                    }
                    Err(e) => warn!(error = %e, "unreadable message on rp:logins, dropped"),
                }
            }
            RedisResult::Ok(())
        };
        tokio::select! {
            ended = listening => {
                if !warned {
                    let why = ended.err().map_or("the subscription ended".to_owned(), |e| e.to_string());
                    warn!(node = %me, why, "not listening to the fleet's logins; one session per account holds on this node only until it is back");
                    warned = true;
                }
            }
            _ = closing.cancelled() => return,
        }
        tokio::select! {
            _ = tokio::time::sleep(RESUBSCRIBE_AFTER) => {}
            _ = closing.cancelled() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bans_round_trip_through_their_stored_form() {
        let ip: IpAddr = "2001:db8::7".parse().unwrap();
        for t in [Target::Account("acct:with:colons".into()), Target::Ip(ip)] {
            assert_eq!(target(&field(&t)), Some(t));
        }
        assert_eq!(target("ip:not an address"), None);
        assert_eq!(target("player:3"), None);
        let value = r#"{"reason":"aimbot","until":100,"by":"ops","since":40}"#;
        let ban = decode("account:ada", value).unwrap();
        assert_eq!(ban.until, UNIX_EPOCH + Duration::from_secs(100));
        assert_eq!((ban.reason.as_str(), ban.by.as_str()), ("aimbot", "ops"));
        assert!(decode("account:ada", "{").is_none());
    }

    #[test]
    fn the_later_login_wins_and_the_node_breaks_ties() {
        let login = Login {
            node: "b".into(),
            account: "ada".into(),
            at_ms: 1_000,
        };
        assert!(login.supersedes("a", 999));
        assert!(!login.supersedes("a", 1_001));
        // Same millisecond: "b" > "a" on both nodes.
        assert!(login.supersedes("a", 1_000));
        let from_a = Login {
            node: "a".into(),
            ..login
        };
        assert!(!from_a.supersedes("b", 1_000));
    }
}
