//! What the node tells Agones about its load, once per
//! [`REPORT_PERIOD`](super::REPORT_PERIOD): the counters
//! [`PLAYERS_COUNTER`] and [`LOBBIES_COUNTER`] (Agones' Counters, which
//! allocations and autoscalers can filter and sort on) and one label per
//! lobby (`lobby-{id}`, which the sidecar writes as
//! `agones.dev/sdk-lobby-{id}`), so that a label selector finds the
//! GameServer holding a lobby. Each call goes out only when its value
//! changed, and a failed one is tried again at the next report.

use std::collections::{BTreeMap, HashSet};

use agones::Sdk;
use rallypoint_shared::LobbyId;
use tracing::{debug, info, warn};

use crate::lobby::Registry;

/// The Counter holding the players seated on this node (detached ones
/// held for a resume included). Declare it in the GameServer spec's
/// `counters`; its capacity is set to `max_connections` at start.
pub const PLAYERS_COUNTER: &str = "players";

/// The Counter holding this node's lobbies; its capacity is set to
/// `max_lobbies` at start.
pub const LOBBIES_COUNTER: &str = "lobbies";

/// SetLabel calls one report makes at most, so that a burst of new
/// lobbies reaches Agones over a few seconds rather than in one flood of
/// GameServer updates. Default: 64.
pub const MAX_LABELS_PER_REPORT: usize = 64;

/// The key of a lobby's label, before the sidecar's `agones.dev/sdk-`.
pub fn lobby_label_key(lobby: LobbyId) -> String {
    format!("lobby-{}", lobby.0)
}

/// A lobby's label value: its game's name, cut to what Kubernetes takes
/// in a label value (up to 63 of `A-Za-z0-9._-`, starting and ending with
/// a letter or digit). A closed lobby's label is set to the empty value:
/// the SDK cannot remove a label, and an empty one no longer matches a
/// selector on the game.
pub fn lobby_label_value(game: &str) -> String {
    let kept: String = game
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .take(63)
        .collect();
    let value = kept.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    if value.is_empty() {
        "open".to_owned()
    } else {
        value.to_owned()
    }
}

/// The labels to set so that Agones holds `now`'s lobbies when it holds
/// `labelled`'s: a value for each new lobby, the empty value for each
/// gone one; at most `max`, lowest ids first.
pub fn label_changes(
    labelled: &BTreeMap<LobbyId, String>,
    now: &BTreeMap<LobbyId, String>,
    max: usize,
) -> Vec<(LobbyId, String)> {
    let gone = labelled
        .keys()
        .filter(|id| !now.contains_key(id))
        .map(|&id| (id, String::new()));
    let new = now
        .iter()
        .filter(|(id, value)| labelled.get(id) != Some(value))
        .map(|(&id, value)| (id, value.clone()));
    let mut changes: Vec<_> = gone.chain(new).collect();
    changes.sort_by_key(|(id, _)| *id);
    changes.truncate(max);
    changes
}

/// What Agones was last told, to send only changes.
#[derive(Default)]
pub(super) struct Report {
    players: Option<i64>,
    lobbies: Option<i64>,
    players_capacity: i64,
    /// Open lobbies whose label Agones holds, with its value.
    labelled: BTreeMap<LobbyId, String>,
    /// Counters whose update failed, so a missing counter is logged once.
    failing: HashSet<&'static str>,
}

impl Report {
    /// Sets the counters' capacities from the node's limits; before
    /// `Ready`, so allocations see them from the start.
    pub(super) async fn capacities(&mut self, sdk: &mut Sdk, players: i64, lobbies: i64) {
        self.players_capacity = players;
        for (counter, capacity) in [(PLAYERS_COUNTER, players), (LOBBIES_COUNTER, lobbies)] {
            if let Err(e) = sdk
                .beta()
                .clone()
                .set_counter_capacity(counter, capacity)
                .await
            {
                warn!(counter, error = %e, cause = ?e, "cannot set an Agones counter's capacity; is it declared in the GameServer spec?");
            }
        }
    }

    /// Sends what changed since the last report.
    pub(super) async fn send(&mut self, sdk: &mut Sdk, registry: &Registry) {
        let players = i64::try_from(registry.player_count())
            .unwrap_or(i64::MAX)
            .min(self.players_capacity);
        let lobbies = i64::try_from(registry.lobby_count()).unwrap_or(i64::MAX);
        let sent = self.players;
        self.players = self.counter(sdk, PLAYERS_COUNTER, sent, players).await;
        let sent = self.lobbies;
        self.lobbies = self.counter(sdk, LOBBIES_COUNTER, sent, lobbies).await;
        let now = registry
            .published()
            .into_iter()
            .map(|p| (p.info.id, lobby_label_value(&p.info.game)))
            .collect();
        self.labels(sdk, &now).await;
    }

    /// Sets `counter` to `count` unless it was `sent`; what Agones holds
    /// afterwards (as far as this node knows).
    async fn counter(
        &mut self,
        sdk: &mut Sdk,
        counter: &'static str,
        sent: Option<i64>,
        count: i64,
    ) -> Option<i64> {
        if sent == Some(count) {
            return sent;
        }
        match sdk.beta().clone().set_counter_count(counter, count).await {
            Ok(()) => {
                if self.failing.remove(counter) {
                    info!(counter, "Agones counter updated again");
                }
                debug!(counter, count, "Agones counter set");
                Some(count)
            }
            Err(e) => {
                if self.failing.insert(counter) {
                    warn!(counter, count, error = %e, cause = ?e, "cannot set an Agones counter; trying again at each report");
                }
                sent
            }
        }
    }

    async fn labels(&mut self, sdk: &mut Sdk, now: &BTreeMap<LobbyId, String>) {
        for (lobby, value) in label_changes(&self.labelled, now, MAX_LABELS_PER_REPORT) {
            let key = lobby_label_key(lobby);
            if let Err(e) = sdk.set_label(key.as_str(), value.as_str()).await {
                warn!(lobby = lobby.0, error = %e, "cannot set a lobby's Agones label; trying again at the next report");
                return;
            }
            if value.is_empty() {
                self.labelled.remove(&lobby);
            } else {
                self.labelled.insert(lobby, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lobbies(list: &[(u32, &str)]) -> BTreeMap<LobbyId, String> {
        list.iter()
            .map(|&(id, v)| (LobbyId(id), v.to_owned()))
            .collect()
    }

    #[test]
    fn labels_follow_lobbies_opening_and_closing() {
        let none = lobbies(&[]);
        let two = lobbies(&[(1, "arena"), (2, "four")]);
        assert_eq!(
            label_changes(&none, &two, 64),
            vec![(LobbyId(1), "arena".into()), (LobbyId(2), "four".into())]
        );
        assert_eq!(label_changes(&two, &two, 64), vec![]);
        let later = lobbies(&[(2, "four"), (3, "arena")]);
        assert_eq!(
            label_changes(&two, &later, 64),
            vec![(LobbyId(1), String::new()), (LobbyId(3), "arena".into())]
        );
        assert_eq!(
            label_changes(&two, &later, 1),
            vec![(LobbyId(1), String::new())]
        );
    }

    #[test]
    fn label_values_are_valid_kubernetes_label_values() {
        assert_eq!(lobby_label_value("arena"), "arena");
        assert_eq!(lobby_label_value("-my game!_"), "mygame");
        assert_eq!(lobby_label_value("???"), "open");
        assert_eq!(lobby_label_value(&"x".repeat(100)).len(), 63);
        assert_eq!(lobby_label_key(LobbyId(4_194_305)), "lobby-4194305");
    }
}
