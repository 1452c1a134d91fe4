//! The admin API's JSON: one serde struct per view, so a field added later
//! (a game phase, spectators) is one line here. No field is ever left out
//! or made up: a value the server cannot give is `null`, and the view's
//! `why_null` names each such field with the reason.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use super::bans::{Ban, Target, rfc3339};
use crate::lobby::Lateness;

/// For each `null` field of a view, why it is null.
pub type WhyNull = BTreeMap<&'static str, String>;

/// Seconds, to the millisecond.
pub fn secs(d: Duration) -> f64 {
    (d.as_millis() as f64) / 1000.0
}

/// `GET /admin/api/node`.
#[derive(Debug, Serialize)]
pub struct NodeView {
    /// The node's id in the fleet; `null` alone.
    pub id: Option<String>,
    pub version: &'static str,
    pub protocol_version: u16,
    pub draining: bool,
    pub uptime_secs: f64,
    pub connections: i64,
    pub sessions: usize,
    pub players: usize,
    pub lobbies: usize,
    pub bans: usize,
    pub games: Vec<String>,
    /// The whole configuration, secrets replaced by `"<redacted>"`.
    pub config: serde_json::Value,
    pub why_null: WhyNull,
}

/// `GET /admin/api/stats`: this node's counters and gauges, for the
/// console's charts. Counters only grow (from the process's start); the
/// console turns successive samples into rates.
#[derive(Debug, Serialize)]
pub struct StatsView {
    /// Seconds since the node started, to the millisecond: the time base
    /// of the rates.
    pub uptime_secs: f64,
    pub connections: i64,
    pub players: usize,
    pub lobbies: usize,
    /// Ticks run, and those that started more than `late_tick_ms` late.
    pub ticks: u64,
    pub ticks_late: u64,
    pub late_tick_ms: f64,
    /// WebSocket payload bytes read from and written to clients.
    pub bytes_in: u64,
    pub bytes_out: u64,
    /// Connections ended, by reason (a reason appears once it has
    /// happened).
    pub disconnects: BTreeMap<&'static str, u64>,
    pub why_null: WhyNull,
}

/// A lobby in `GET /admin/api/lobbies`.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct LobbyView {
    pub id: u32,
    /// The node it runs on (its fleet id); `null` for a node alone.
    pub node: Option<String>,
    pub game: String,
    pub name: String,
    /// The game's label (arena: the map).
    pub label: String,
    pub private: bool,
    pub locked: bool,
    /// Seats taken (members detached within their resume grace included).
    pub players: u8,
    pub max_players: u8,
    /// The join code of a private lobby.
    pub code: Option<String>,
    /// The last tick simulated.
    pub tick: Option<u32>,
    pub tick_lateness: Option<LatenessView>,
    pub bytes_out_per_sec: Option<u64>,
    pub age_secs: Option<f64>,
    pub why_null: BTreeMap<String, String>,
}

/// How late the last ticks started.
#[derive(Debug, Clone, Copy, Serialize, serde::Deserialize, PartialEq)]
pub struct LatenessView {
    /// How many recent ticks this covers.
    pub ticks: usize,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl From<Lateness> for LatenessView {
    fn from(l: Lateness) -> Self {
        Self {
            ticks: l.ticks,
            p99_ms: f64::from(l.p99_us) / 1000.0,
            max_ms: f64::from(l.max_us) / 1000.0,
        }
    }
}

/// `GET /admin/api/lobbies`: every lobby of the fleet, and which nodes
/// answered.
#[derive(Debug, Serialize, serde::Deserialize)]
pub struct LobbyList {
    pub lobbies: Vec<LobbyView>,
    pub nodes: Vec<NodeAnswer>,
}

/// Whether a node's lobbies are in a fleet-wide list.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct NodeAnswer {
    /// The node's fleet id (`local` for a node alone).
    pub node: String,
    pub ok: bool,
    /// Why its lobbies are missing (absent when `ok`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `GET /admin/api/lobbies/{id}`.
#[derive(Debug, Serialize)]
pub struct LobbyDetail {
    #[serde(flatten)]
    pub lobby: LobbyView,
    pub members: Vec<MemberView>,
}

/// A member of a lobby.
#[derive(Debug, Serialize)]
pub struct MemberView {
    pub player: u64,
    pub name: String,
    /// The session token's `sub` (authentication on).
    pub account: Option<String>,
    pub ip: Option<String>,
    /// Whether its connection is open (else its seat waits for a resume).
    pub connected: bool,
    pub detached_secs: Option<f64>,
    /// The round trip of the last WebSocket ping answered.
    pub rtt_ms: Option<f64>,
    /// Snapshots the lobby produced for it.
    pub snapshots_offered: u64,
    /// Of those its connection was offered, how many a newer one replaced
    /// before they were written (a slow reader).
    pub snapshots_replaced: Option<u64>,
    /// Its inputs waiting in the lobby.
    pub input_backlog: usize,
    /// How long its connection has been open.
    pub connection_secs: Option<f64>,
    pub connected_at: Option<String>,
    pub why_null: WhyNull,
}

/// A ban, in `GET /admin/api/bans`.
#[derive(Debug, Serialize)]
pub struct BanView {
    pub account: Option<String>,
    pub ip: Option<String>,
    pub reason: String,
    pub until: String,
    pub since: String,
    pub by: String,
    pub why_null: WhyNull,
}

impl From<&Ban> for BanView {
    fn from(b: &Ban) -> Self {
        let (account, ip, other) = match &b.target {
            Target::Account(a) => (Some(a.clone()), None, "ip"),
            Target::Ip(ip) => (None, Some(ip.to_string()), "account"),
        };
        BanView {
            account,
            ip,
            reason: b.reason.clone(),
            until: rfc3339(b.until),
            since: rfc3339(b.since),
            by: b.by.clone(),
            why_null: WhyNull::from([(other, format!("this ban is of {}", b.target))]),
        }
    }
}

/// The body of every error answer.
#[derive(Debug, Serialize)]
pub struct ErrorView<'a> {
    pub error: &'a str,
}

#[cfg(test)]
mod tests {
    use std::time::{SystemTime, UNIX_EPOCH};

    use super::*;

    /// Every `null` in `value` (not inside `why_null`) is named in the
    /// `why_null` of the object holding it.
    pub fn assert_nulls_explained(value: &serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                let why = map.get("why_null").and_then(|w| w.as_object());
                for (k, v) in map {
                    if v.is_null() {
                        let reason = why.and_then(|w| w.get(k)).and_then(|r| r.as_str());
                        assert!(
                            reason.is_some_and(|r| !r.is_empty()),
                            "{k} is null without a reason in {value}"
                        );
                    } else if k != "why_null" {
                        assert_nulls_explained(v);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(assert_nulls_explained),
            _ => {}
        }
    }

    #[test]
    fn a_ban_view_names_its_target_and_explains_the_other() {
        let ban = Ban {
            target: Target::Ip("203.0.113.9".parse().unwrap()),
            reason: "flooding".into(),
            until: UNIX_EPOCH + Duration::from_secs(86_400),
            by: "ops".into(),
            since: SystemTime::UNIX_EPOCH,
        };
        let json = serde_json::to_value(BanView::from(&ban)).unwrap();
        assert_eq!(json["ip"], "203.0.113.9");
        assert_eq!(json["until"], "1970-01-02T00:00:00Z");
        assert_nulls_explained(&json);
    }

    #[test]
    fn a_member_view_with_nothing_known_explains_every_null() {
        let mut why = WhyNull::new();
        why.insert("account", "authentication is off".into());
        let view = MemberView {
            player: 7,
            name: "ada".into(),
            account: None,
            ip: Some("127.0.0.1".into()),
            connected: true,
            detached_secs: None,
            rtt_ms: Some(0.25),
            snapshots_offered: 3,
            snapshots_replaced: Some(0),
            input_backlog: 0,
            connection_secs: Some(1.5),
            connected_at: Some("1970-01-01T00:00:00Z".into()),
            why_null: why,
        };
        let json = serde_json::to_value(&view).unwrap();
        let result = std::panic::catch_unwind(|| assert_nulls_explained(&json));
        assert!(result.is_err(), "detached_secs is null without a reason");
        let mut view = view;
        view.why_null.insert("detached_secs", "connected".into());
        assert_nulls_explained(&serde_json::to_value(&view).unwrap());
    }
}
