//! A node's place in a fleet of Rallypoint servers that share one lobby
//! directory in Redis (`--redis URL`). Without it a node runs alone, as
//! ever. With it, the node:
//! - takes a fleet-wide number at start (`INCR`), which goes into the high
//!   bits of every lobby id it gives, so ids are unique across the fleet;
//! - publishes itself and its lobbies on a heartbeat (every fifth of the
//!   TTL), each key with the TTL, in one `MULTI`: a node that dies without
//!   a word drops out of every listing within the TTL, lobbies included;
//! - says at once when it starts draining, and leaves the open sets;
//! - answers `ListLobbies` and `GET /lobbies` from the directory, and
//!   `GET /fleet` with the live nodes.
//!
//! While Redis is unreachable the node keeps serving its own lobbies: it
//! lists them alone, logs the outage once, sets `fleet_redis_up` to 0 and
//! retries on every heartbeat; the directory is whole again one heartbeat
//! after Redis comes back. The key layout is in [`directory`].

pub mod accounts;
mod directory;
mod joins;
mod seats;
pub mod ticket;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use rallypoint_shared::ServerMsg;
use redis::aio::ConnectionManager;
use serde::Serialize;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::admin::{Ban, Bans, Target};
use crate::lobby::Registry;
use crate::resume::SessionTable;
pub use directory::{Listed, NodeInfo};
pub use joins::Here;
pub use seats::{Place, Reserved};
use ticket::Used;

/// How long a node's keys live without a heartbeat. Default: 5 s: a dead
/// node's lobbies leave every listing within 5 s, and a node refreshes its
/// keys five times in that time, so one slow heartbeat loses nothing.
pub const DEFAULT_NODE_TTL_SECS: u64 = 5;

/// Most lobbies one listing reads from the directory. Default: 256, as
/// many as one node may run: a listing costs a bounded read however big
/// the fleet.
pub const MAX_LISTED: usize = 256;

/// How long one call to Redis may take before the node gives up on it and
/// carries on alone. Default: 500 ms, far above a loopback or in-zone round
/// trip, far below a client's patience.
pub const REDIS_TIMEOUT: Duration = Duration::from_millis(500);

/// How long a join ticket, and the seat it holds, lasts. Default: 10 s:
/// a reconnect across a continent takes well under a second, and a seat
/// nobody claims is free again soon.
pub const DEFAULT_TICKET_SECS: u64 = 10;

/// How many of the fullest open lobbies a quick-join tries before it
/// makes a new one. Default: 8: each try that finds a lobby filled
/// meanwhile costs one round trip to Redis.
pub const QUICK_JOIN_CANDIDATES: usize = 8;

/// The shortest time between two publications of this node: a burst of
/// new lobbies publishes at most this often. Default: 100 ms.
pub const MIN_PUBLISH_INTERVAL: Duration = Duration::from_millis(100);

/// What a node needs to join a fleet.
pub struct Settings {
    /// The directory, `redis://host:port`.
    pub redis_url: String,
    /// This node's id in the fleet.
    pub id: String,
    /// Where players reach this node.
    pub url: String,
    /// Where this node's admin API answers, if it is on.
    pub admin_url: Option<String>,
    /// How long this node's keys live without a heartbeat.
    pub ttl: Duration,
    /// The key the fleet signs join tickets with.
    pub secret: Vec<u8>,
    /// How long a ticket lasts.
    pub ticket_ttl: Duration,
}

/// Why a fleet could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    #[error("invalid redis URL: {0}")]
    Url(#[from] redis::RedisError),
}

/// This node's view of its fleet: nothing for a node alone.
#[derive(Clone, Default)]
pub struct Fleet {
    node: Option<Arc<Node>>,
}

struct Node {
    id: String,
    url: String,
    admin_url: Option<String>,
    ttl: Duration,
    client: redis::Client,
    /// The connection, once made; the manager reconnects by itself after.
    conn: Mutex<Option<ConnectionManager>>,
    /// Whether the last call to Redis succeeded.
    up: AtomicBool,
    secret: Vec<u8>,
    ticket_ttl: Duration,
    /// The tickets this node has taken.
    used: Used,
    /// Asks the heartbeat to publish now (a new lobby).
    poke: tokio::sync::Notify,
}

/// Where a quick-join goes.
pub enum QuickPick {
    /// This node's own quick-join.
    Here,
    /// Another node: the `Redirect` to send.
    There(ServerMsg),
}

/// A node of the fleet, as `GET /fleet` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    pub id: String,
    pub url: String,
}

impl Fleet {
    /// A node alone.
    pub fn alone() -> Fleet {
        Fleet::default()
    }

    /// A node of the fleet `settings` describe. Redis need not be up yet:
    /// the heartbeat connects when it can.
    pub fn new(settings: Settings) -> Result<Fleet, FleetError> {
        let client = redis::Client::open(settings.redis_url.as_str())?;
        Ok(Fleet {
            node: Some(Arc::new(Node {
                id: settings.id,
                url: settings.url,
                admin_url: settings.admin_url,
                ttl: settings.ttl,
                client,
                conn: Mutex::new(None),
                up: AtomicBool::new(false),
                secret: settings.secret,
                ticket_ttl: settings.ticket_ttl,
                used: Used::default(),
                poke: tokio::sync::Notify::new(),
            })),
        })
    }

    /// This node's id and URL, if it is in a fleet.
    pub fn member(&self) -> Option<Member> {
        self.node.as_ref().map(|n| Member {
            id: n.id.clone(),
            url: n.url.clone(),
        })
    }

    /// Takes this node's fleet-wide number and makes the registry's lobby
    /// ids carry it. Without Redis now, a random number (logged): ids are
    /// then unique only with high probability.
    pub async fn register(&self, registry: &Registry) {
        let Some(node) = &self.node else {
            return;
        };
        let number = match node.call(directory::node_number).await {
            Some(n) => n,
            None => {
                let n = rand::random::<u32>();
                warn!(node = %node.id, "no Redis at start: this node's lobby ids carry a random number");
                n
            }
        };
        registry.set_id_base(number % directory::NODE_NUMBERS);
    }

    /// Publishes this node and its lobbies until `closing`, saying so at
    /// once when `draining` starts; on `closing` it takes its keys out.
    pub async fn heartbeat(
        self,
        registry: Arc<Registry>,
        sessions: Arc<SessionTable>,
        bans: Arc<Bans>,
        draining: CancellationToken,
        closing: CancellationToken,
    ) {
        let Some(node) = self.node else {
            return;
        };
        let period = (node.ttl / 5).max(Duration::from_millis(200));
        let mut published = Vec::new();
        let mut drain_seen = false;
        // The version of the fleet's bans last loaded.
        let mut bans_loaded = None;
        loop {
            let draining_now = draining.is_cancelled();
            let lobbies = registry.published();
            let ids: Vec<u32> = lobbies.iter().map(|l| l.info.id.0).collect();
            let gone: Vec<u32> = published
                .iter()
                .copied()
                .filter(|id| !ids.contains(id))
                .collect();
            let beat = directory::Beat {
                id: &node.id,
                url: &node.url,
                admin_url: node.admin_url.as_deref(),
                ttl: node.ttl,
                draining: draining_now,
                games: registry.games().names().collect(),
                players: registry.player_count(),
                lobbies: &lobbies,
                gone: &gone,
            };
            if node.call(|c| directory::publish(c, &beat)).await.is_some() {
                published = ids;
                node.sync_bans(&mut bans_loaded, &bans, &sessions).await;
            }
            tokio::select! {
                _ = tokio::time::sleep(period) => {}
                _ = node.poke.notified() => {
                    tokio::time::sleep(MIN_PUBLISH_INTERVAL).await;
                }
                _ = draining.cancelled(), if !drain_seen => drain_seen = true,
                _ = closing.cancelled() => break,
            }
        }
        let games: Vec<&str> = registry.games().names().collect();
        let _ = node
            .call(|c| directory::leave(c, &node.id, &games, &published))
            .await;
        info!(node = %node.id, "left the fleet's directory");
    }

    /// The public lobbies of every live node (this node's alone while
    /// Redis is unreachable, or for a node alone), at most [`MAX_LISTED`].
    pub async fn list(&self, registry: &Registry) -> Vec<Listed> {
        let local = || {
            let (id, url) = match &self.node {
                Some(n) => (n.id.clone(), n.url.clone()),
                None => (String::new(), String::new()),
            };
            registry
                .list_public()
                .into_iter()
                .map(|info| Listed {
                    info,
                    node: id.clone(),
                    url: url.clone(),
                })
                .collect()
        };
        let Some(node) = &self.node else {
            return local();
        };
        match node.ask(directory::list).await {
            Some(listed) => listed,
            None => local(),
        }
    }

    /// The node of lobby `id` and its admin URL (if published), from the
    /// directory; `None` if unknown, alone, or Redis is unreachable.
    pub async fn lobby_admin_url(&self, id: u32) -> Option<(String, Option<String>)> {
        self.node
            .as_ref()?
            .ask(|c| directory::lobby_admin_url(c, id))
            .await?
    }

    /// Keeps an operator's ban in the directory, for every node now and
    /// later; whether it is kept (always, for a node alone).
    pub async fn store_ban(&self, ban: &Ban) -> bool {
        match &self.node {
            Some(node) => node.call(|c| accounts::store_ban(c, ban)).await.is_some(),
            None => true,
        }
    }

    /// Takes the ban of `target` out of the directory; whether it is out
    /// (always, for a node alone).
    pub async fn remove_ban(&self, target: &Target) -> bool {
        match &self.node {
            Some(node) => node
                .call(|c| accounts::remove_ban(c, target))
                .await
                .is_some(),
            None => true,
        }
    }

    /// Tells the fleet that `account` logged in here on a connection
    /// opened at `opened`, so that other nodes end its older sessions.
    /// Returns at once; the message goes out in its own task.
    pub fn announce_login(&self, account: &str, opened: SystemTime) {
        let Some(node) = self.node.clone() else {
            return;
        };
        let login = accounts::Login {
            node: node.id.clone(),
            account: account.to_owned(),
            at_ms: accounts::millis(opened),
        };
        tokio::spawn(async move {
            node.ask(|c| async move { accounts::announce(c, &login).await })
                .await;
        });
    }

    /// Ends this node's sessions that logins on other nodes replace, until
    /// `closing` (nothing for a node alone).
    pub async fn listen_logins(self, sessions: Arc<SessionTable>, closing: CancellationToken) {
        if let Some(node) = self.node {
            accounts::listen(node.client.clone(), node.id.clone(), sessions, closing).await;
        }
    }

    /// The live nodes, or `None` for a node alone or without Redis.
    pub async fn nodes(&self) -> Option<Vec<NodeInfo>> {
        self.node.as_ref()?.call(directory::nodes).await
    }
}

impl Node {
    /// Loads the fleet's bans when their version moved since `loaded`,
    /// and ends this node's sessions of the bans new to it.
    async fn sync_bans(&self, loaded: &mut Option<u64>, bans: &Bans, sessions: &SessionTable) {
        let Some(version) = self.call(accounts::bans_version).await else {
            return;
        };
        if *loaded == Some(version) {
            return;
        }
        let now = SystemTime::now();
        let Some(table) = self.call(|c| accounts::load_bans(c, now)).await else {
            return;
        };
        let count = table.len();
        let mut ended = 0;
        for ban in bans.replace(table) {
            ended += crate::admin::kick_banned(sessions, &ban);
        }
        if loaded.is_some() || count > 0 {
            info!(node = %self.id, bans = count, ended, "loaded the fleet's bans");
        }
        *loaded = Some(version);
    }

    /// [`Node::call`] on a player's request path: while the directory is
    /// known to be down (the heartbeat keeps probing it), `None` at once
    /// rather than after [`REDIS_TIMEOUT`].
    pub(super) async fn ask<'a, T, F, Fut>(&'a self, f: F) -> Option<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: std::future::Future<Output = redis::RedisResult<T>> + 'a,
    {
        if !self.up.load(Ordering::Relaxed) {
            return None;
        }
        self.call(f).await
    }

    /// Runs one call against the directory, within [`REDIS_TIMEOUT`];
    /// `None` when Redis could not be reached or refused (logged on the
    /// change, counted always).
    async fn call<'a, T, F, Fut>(&'a self, f: F) -> Option<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: std::future::Future<Output = redis::RedisResult<T>> + 'a,
    {
        let outcome = tokio::time::timeout(REDIS_TIMEOUT, async {
            let conn = self.connection().await?;
            f(conn).await
        })
        .await;
        let m = crate::metrics::metrics();
        match outcome {
            Ok(Ok(value)) => {
                if !self.up.swap(true, Ordering::Relaxed) {
                    info!(node = %self.id, "fleet directory reachable");
                }
                m.fleet_redis_up.set(1);
                Some(value)
            }
            Ok(Err(e)) => self.failed(&e.to_string()),
            Err(_) => self.failed("timed out"),
        }
    }

    fn failed<T>(&self, why: &str) -> Option<T> {
        crate::metrics::metrics().fleet_redis_errors.inc();
        crate::metrics::metrics().fleet_redis_up.set(0);
        if self.up.swap(false, Ordering::Relaxed) {
            warn!(node = %self.id, why, "fleet directory unreachable; serving this node's lobbies alone");
        }
        None
    }

    async fn connection(&self) -> redis::RedisResult<ConnectionManager> {
        let cached = self.conn.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(conn) = cached {
            return Ok(conn);
        }
        let conn = ConnectionManager::new(self.client.clone()).await?;
        *self.conn.lock().unwrap_or_else(|e| e.into_inner()) = Some(conn.clone());
        Ok(conn)
    }
}
