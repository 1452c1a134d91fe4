//! Tick liveness: when each lobby of a server last completed a tick. Each
//! lobby task holds a [`TickBeat`] and stamps it after every tick (one
//! relaxed atomic store, no lock); whoever asks whether the ticks run on
//! time (Agones' health pings) reads the server's [`TickBoard`]. A lobby
//! whose tick hangs (a game stuck in `step`, a blocked task) stops
//! stamping, and after [`stall_bound`] the board names it. A lobby that
//! runs late but still ticks (the overrun policy skips deadlines) is not
//! stalled: it is slow, and the tick metrics say so.
//!
//! Always compiled (the lobby task stamps whether or not anyone reads);
//! only the `agones` feature reads it today.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, Weak};
use std::time::Duration;

use rallypoint_shared::LobbyId;
use tokio::time::Instant;

use crate::lobby::Registry;

/// How long a lobby may go without completing a tick before it counts as
/// stalled. Default: 2 s, sixty ticks at 30 Hz: no overrun a working
/// lobby logs comes near it, and Agones (health pings every 2 s, checked
/// every 5 s, three failures) replaces a stalled node within about 20 s.
pub const TICK_STALL_BOUND: Duration = Duration::from_secs(2);

/// At low tick rates a lobby may miss this many tick periods before it is
/// stalled, whatever [`TICK_STALL_BOUND`] says. Default: 3 (3 s at 1 Hz).
pub const STALL_PERIODS: u32 = 3;

/// The silence after which a lobby ticking every `tick_period` is stalled:
/// the larger of [`TICK_STALL_BOUND`] and [`STALL_PERIODS`] periods.
pub fn stall_bound(tick_period: Duration) -> Duration {
    TICK_STALL_BOUND.max(tick_period * STALL_PERIODS)
}

/// One server's lobbies, and when each last completed a tick.
pub struct TickBoard {
    /// Stamps are microseconds since this instant.
    epoch: Instant,
    slots: Mutex<Vec<Slot>>,
}

struct Slot {
    lobby: LobbyId,
    last: Arc<AtomicU64>,
}

/// The boards of the servers in this process, by their registry's
/// address (tests run several servers in one process; each must see its
/// own lobbies only). A board lives while a lobby or a reader holds it,
/// and each holds its registry too, so an address is never reused while
/// its board lives.
static BOARDS: LazyLock<Mutex<HashMap<usize, Weak<TickBoard>>>> = LazyLock::new(Mutex::default);

impl TickBoard {
    /// An empty board, on its own.
    pub fn new() -> Arc<TickBoard> {
        Arc::new(TickBoard {
            epoch: Instant::now(),
            slots: Mutex::default(),
        })
    }

    /// The board of the server whose lobbies `registry` holds.
    pub fn of(registry: &Registry) -> Arc<TickBoard> {
        Self::by_key(std::ptr::from_ref(registry).addr())
    }

    fn by_key(key: usize) -> Arc<TickBoard> {
        let mut boards = BOARDS.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(board) = boards.get(&key).and_then(Weak::upgrade) {
            return board;
        }
        boards.retain(|_, b| b.strong_count() > 0);
        let board = TickBoard::new();
        boards.insert(key, Arc::downgrade(&board));
        board
    }

    fn slots(&self) -> MutexGuard<'_, Vec<Slot>> {
        // Every edit under this lock is a push or a retain: a poisoned
        // lock still holds a consistent list.
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn stamp(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.epoch).as_micros()).unwrap_or(u64::MAX)
    }

    /// Puts a lobby on the board, as if it had just ticked at `now`; it
    /// stays there until the returned beat is dropped.
    pub fn join(self: &Arc<Self>, lobby: LobbyId, now: Instant) -> TickBeat {
        let last = Arc::new(AtomicU64::new(self.stamp(now)));
        self.slots().push(Slot {
            lobby,
            last: last.clone(),
        });
        TickBeat {
            board: self.clone(),
            last,
        }
    }

    /// Lobbies on the board.
    pub fn len(&self) -> usize {
        self.slots().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The lobby furthest behind, with how long it has gone without a
    /// tick, if that is longer than `bound`; `None` when every lobby ticked
    /// within it (and on a board with no lobby).
    pub fn stalled(&self, now: Instant, bound: Duration) -> Option<(LobbyId, Duration)> {
        let now = self.stamp(now);
        self.slots()
            .iter()
            .map(|s| {
                let silent = now.saturating_sub(s.last.load(Ordering::Relaxed));
                (s.lobby, Duration::from_micros(silent))
            })
            .filter(|&(_, silent)| silent > bound)
            .max_by_key(|&(_, silent)| silent)
    }
}

/// A lobby's place on its server's [`TickBoard`], held by its task.
pub struct TickBeat {
    board: Arc<TickBoard>,
    last: Arc<AtomicU64>,
}

impl TickBeat {
    /// The lobby completed a tick that started at `at`.
    pub fn ticked(&self, at: Instant) {
        self.last.store(self.board.stamp(at), Ordering::Relaxed);
    }
}

impl Drop for TickBeat {
    fn drop(&mut self) {
        self.board
            .slots()
            .retain(|s| !Arc::ptr_eq(&s.last, &self.last));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn the_bound_grows_with_slow_ticks() {
        assert_eq!(stall_bound(Duration::from_micros(33_334)), TICK_STALL_BOUND);
        assert_eq!(stall_bound(SECOND), 3 * SECOND);
    }

    #[tokio::test(start_paused = true)]
    async fn a_lobby_that_stops_ticking_is_named_until_it_ticks_or_leaves() {
        let board = TickBoard::new();
        let t0 = Instant::now();
        assert_eq!(board.stalled(t0 + 60 * SECOND, TICK_STALL_BOUND), None);
        let a = board.join(LobbyId(1), t0);
        let b = board.join(LobbyId(2), t0);
        assert_eq!(board.len(), 2);
        a.ticked(t0 + SECOND);
        b.ticked(t0 + SECOND);
        assert_eq!(board.stalled(t0 + 3 * SECOND, TICK_STALL_BOUND), None);
        // a keeps ticking, b's last tick was at 1 s.
        a.ticked(t0 + 3 * SECOND + SECOND / 2);
        assert_eq!(
            board.stalled(t0 + 3 * SECOND + SECOND / 2, TICK_STALL_BOUND),
            Some((LobbyId(2), 2 * SECOND + SECOND / 2))
        );
        b.ticked(t0 + 4 * SECOND);
        assert_eq!(board.stalled(t0 + 4 * SECOND, TICK_STALL_BOUND), None);
        assert!(board.stalled(t0 + 9 * SECOND, TICK_STALL_BOUND).is_some());
        drop((a, b));
        assert!(board.is_empty());
        assert_eq!(board.stalled(t0 + 9 * SECOND, TICK_STALL_BOUND), None);
    }

    #[tokio::test]
    async fn each_server_has_its_own_board_while_anyone_holds_it() {
        // Keys no registry has: its address is a multiple of 8.
        let (one, two) = (usize::MAX - 1, usize::MAX - 3);
        let board = TickBoard::by_key(one);
        let beat = board.join(LobbyId(1), Instant::now());
        assert!(Arc::ptr_eq(&board, &TickBoard::by_key(one)));
        assert_eq!(TickBoard::by_key(one).len(), 1);
        assert!(TickBoard::by_key(two).is_empty());
        drop((board, beat));
        assert!(
            TickBoard::by_key(one).is_empty(),
            "a new board once the last holder is gone"
        );
    }
}
