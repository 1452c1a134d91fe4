//! What an operator may ask of a lobby's task ([`AdminCmd`]), and the
//! cheap bookkeeping that lets it answer: the lateness of its last
//! [`LATENESS_WINDOW`] ticks and the bytes it queued to its members over
//! the last second ([`LobbyStats`]). The task owns its members and game, so
//! an inspection is a command answered between ticks, never a lock.

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rallypoint_game::{Game, LeaveReason, PlayerId};
use rallypoint_shared::{ErrorCode, ServerMsg};
use tokio::sync::oneshot;
use tokio::time::Instant;
use tracing::info;

use super::task::Lobby;

/// Ticks whose lateness an inspection summarises. Default: 128, about four
/// seconds at 30 Hz: long enough for a p99 to mean something, and an array
/// of 128 `u32`s costs the tick one store.
pub const LATENESS_WINDOW: usize = 128;

/// A request from the admin API to a lobby's task.
pub enum AdminCmd {
    /// Describe the lobby and its members.
    Inspect(oneshot::Sender<LobbyReport>),
    /// Remove a member whatever its connection (a kicked or banned player
    /// whose connection had already dropped); `found` says whether it was
    /// there.
    Remove {
        player: PlayerId,
        found: oneshot::Sender<bool>,
    },
    /// Send every connected member a `Notice`.
    Notice(String),
    /// Tell every member the lobby closed (`Error{LobbyClosed}`, then
    /// `Left`), free every seat and end the task.
    Close(String),
}

/// How late the lobby's recent ticks started, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Lateness {
    /// Ticks summarised (up to [`LATENESS_WINDOW`]).
    pub ticks: usize,
    pub p99_us: u32,
    pub max_us: u32,
}

/// A lobby as its task sees it.
#[derive(Debug, Clone)]
pub struct LobbyReport {
    pub tick: u32,
    pub age: Duration,
    pub lateness: Lateness,
    /// Bytes queued to members over the last whole second (snapshots a
    /// newer one replaced before they were sent included).
    pub bytes_out_per_sec: u64,
    pub members: Vec<MemberReport>,
}

/// One member as its lobby sees it.
#[derive(Debug, Clone)]
pub struct MemberReport {
    pub player: PlayerId,
    pub name: String,
    /// `None`: connected; otherwise how long ago its connection dropped.
    pub detached_for: Option<Duration>,
    /// Inputs waiting for the next ticks.
    pub input_backlog: usize,
    /// Snapshots the lobby produced for it.
    pub snapshots_offered: u64,
    /// Of its connection's snapshots, those replaced by a newer one before
    /// they were written (`None` while detached).
    pub snapshots_replaced: Option<u64>,
}

/// See the module docs. Time is passed in.
pub struct LobbyStats {
    created: Instant,
    lateness_us: [u32; LATENESS_WINDOW],
    ticks: usize,
    /// Bytes queued in the current second, and in the last whole one.
    bytes: AtomicU64,
    last_second: u64,
    second_start: Instant,
}

impl LobbyStats {
    pub fn new(now: Instant) -> Self {
        Self {
            created: now,
            lateness_us: [0; LATENESS_WINDOW],
            ticks: 0,
            bytes: AtomicU64::new(0),
            last_second: 0,
            second_start: now,
        }
    }

    /// A tick started `late` after its deadline, at `now`.
    pub fn ticked(&mut self, late: Duration, now: Instant) {
        let us = u32::try_from(late.as_micros()).unwrap_or(u32::MAX);
        self.lateness_us[self.ticks % LATENESS_WINDOW] = us;
        self.ticks = self.ticks.wrapping_add(1);
        let since = now.saturating_duration_since(self.second_start);
        if since >= Duration::from_secs(1) {
            let bytes = self.bytes.swap(0, Ordering::Relaxed);
            // A lobby starved for longer than a second: spread its bytes.
            self.last_second = bytes / since.as_secs().max(1);
            self.second_start = now;
        }
    }

    /// `n` bytes were queued to a member.
    pub fn queued(&self, n: usize) {
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
    }

    pub fn lateness(&self) -> Lateness {
        let n = self.ticks.min(LATENESS_WINDOW);
        let mut window = self.lateness_us[..n].to_vec();
        window.sort_unstable();
        // The nearest-rank p99: the smallest value at or above 99% of them.
        let rank = (n * 99).div_ceil(100).max(1);
        Lateness {
            ticks: n,
            p99_us: window.get(rank - 1).copied().unwrap_or(0),
            max_us: window.last().copied().unwrap_or(0),
        }
    }

    pub fn age(&self, now: Instant) -> Duration {
        now.saturating_duration_since(self.created)
    }

    pub fn bytes_out_per_sec(&self) -> u64 {
        self.last_second
    }
}

impl<G: Game> Lobby<G> {
    /// Carries out an operator's command; `Break` ends the task.
    pub(super) fn admin(&mut self, cmd: AdminCmd) -> ControlFlow<()> {
        match cmd {
            AdminCmd::Inspect(reply) => {
                let _ = reply.send(self.report());
            }
            AdminCmd::Remove { player, found } => {
                let i = self.members.iter().position(|m| m.player == player);
                if let Some(i) = i {
                    self.remove(i, true, LeaveReason::Left);
                }
                let _ = found.send(i.is_some());
            }
            AdminCmd::Notice(text) => {
                if let Some(bytes) = self.encode(&ServerMsg::Notice { text }) {
                    for i in 0..self.members.len() {
                        self.send_control(i, bytes.clone());
                    }
                }
            }
            AdminCmd::Close(reason) => {
                self.close(reason);
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    }

    fn report(&self) -> LobbyReport {
        let now = Instant::now();
        LobbyReport {
            tick: self.tick,
            age: self.stats.age(now),
            lateness: self.stats.lateness(),
            bytes_out_per_sec: self.stats.bytes_out_per_sec(),
            members: self
                .members
                .iter()
                .map(|m| MemberReport {
                    player: m.player,
                    name: m.name.clone(),
                    detached_for: m.detached_at.map(|t| now.saturating_duration_since(t)),
                    input_backlog: m.pending.len(),
                    snapshots_offered: m.snapshots,
                    snapshots_replaced: m.outbox.as_ref().map(|o| o.replaced_snapshots()),
                })
                .collect(),
        }
    }

    /// Takes the lobby out of the registry (no seat can be taken any
    /// more), tells each member why and sends it `Left`, then drops every
    /// member, which frees their seats.
    fn close(&mut self, reason: String) {
        self.registry.remove_closed(self.spec.id);
        let error = ServerMsg::Error {
            code: ErrorCode::LobbyClosed,
            message: reason,
        };
        for msg in [error, ServerMsg::Left] {
            if let Some(bytes) = self.encode(&msg) {
                for i in 0..self.members.len() {
                    self.send_control(i, bytes.clone());
                }
            }
        }
        for m in std::mem::take(&mut self.members) {
            self.game
                .leave(self.tick, m.player, LeaveReason::Left, &mut self.events);
        }
        info!(lobby = self.spec.id.0, "lobby closed by an operator");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lateness_summarises_the_last_window_of_ticks() {
        let t0 = Instant::now();
        let mut s = LobbyStats::new(t0);
        assert_eq!(
            s.lateness(),
            Lateness {
                ticks: 0,
                p99_us: 0,
                max_us: 0
            }
        );
        // 200 ticks: the first 72 very late, then 127 at 10 µs and one at
        // 5 ms. Only the last 128 count.
        for i in 0..200u64 {
            let late = match i {
                0..72 => Duration::from_secs(1),
                199 => Duration::from_millis(5),
                _ => Duration::from_micros(10),
            };
            s.ticked(late, t0);
        }
        let l = s.lateness();
        assert_eq!(l.ticks, LATENESS_WINDOW);
        assert_eq!(l.max_us, 5_000);
        // 1 of 128 above 10 µs: the 127th value (rank ceil(126.72)) is 10.
        assert_eq!(l.p99_us, 10);
    }

    #[test]
    fn bytes_per_second_roll_over_each_second() {
        let t0 = Instant::now();
        let mut s = LobbyStats::new(t0);
        s.queued(600);
        s.ticked(Duration::ZERO, t0 + Duration::from_millis(500));
        assert_eq!(s.bytes_out_per_sec(), 0, "no whole second yet");
        s.queued(400);
        s.ticked(Duration::ZERO, t0 + Duration::from_secs(1));
        assert_eq!(s.bytes_out_per_sec(), 1000);
        s.queued(9000);
        s.ticked(Duration::ZERO, t0 + Duration::from_secs(4));
        assert_eq!(s.bytes_out_per_sec(), 3000, "a starved lobby averages");
        assert_eq!(s.age(t0 + Duration::from_secs(4)), Duration::from_secs(4));
    }
}
