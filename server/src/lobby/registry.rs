//! The directory of lobbies: creation, listing, join codes, quick-join and
//! seat accounting. Admission is decided here, under one short lock that is
//! never held across an await, so two players can never take the last seat
//! and a lobby can never be removed while someone holds a seat in it.
//!
//! A [`Seat`] is the right to be in a lobby. It is released when dropped,
//! so a connection that ends in any way frees its seat.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use rallypoint_shared::{JoinTarget, LobbyId, LobbyInfo};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::handle::LobbyHandle;
use super::join::new_join_code;
use super::task::LobbySpec;
use super::{GameHost, Games, JoinError};
use crate::config::{Config, MAX_PLAYERS_LIMIT};
use crate::fleet::Fleet;

struct Entry {
    handle: LobbyHandle,
    spec: LobbySpec,
    /// The game it plays (`Game::NAME`).
    game: &'static str,
    /// The game's label, for listings (arena: the map's name).
    label: String,
    seats: u8,
    /// Locked by an operator: no new seat (a held one can still resume).
    locked: bool,
}

#[derive(Default)]
struct Inner {
    lobbies: BTreeMap<LobbyId, Entry>,
    codes: HashMap<String, LobbyId>,
    next_id: u32,
    /// The high bits of this node's lobby ids (its number in a fleet).
    id_base: u32,
}

/// The low bits of a lobby id, counted per node; the high bits are the
/// node's number in a fleet (see [`Registry::set_id_base`]). Default: 20
/// bits, a million lobbies per node before ids repeat.
pub const LOCAL_ID_BITS: u32 = 20;

/// A lobby as the fleet's directory publishes it: its listing, and its
/// join code if it is private (a private lobby is never listed, but its
/// code resolves across the fleet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub info: LobbyInfo,
    pub join_code: Option<String>,
    /// Locked by an operator: out of the open sets, joins refused.
    pub locked: bool,
}

/// See the module docs.
pub struct Registry {
    inner: Mutex<Inner>,
    config: Arc<Config>,
    games: Games,
    tasks: TaskTracker,
    shutdown: CancellationToken,
    closed: AtomicBool,
    /// The fleet this node is part of, once set; alone until then.
    fleet: OnceLock<Fleet>,
}

/// A reserved place in a lobby; dropping it frees the place.
pub struct Seat {
    registry: Arc<Registry>,
    lobby: LobbyHandle,
    join_code: Option<String>,
    game: &'static str,
    /// The lobby's seats taken, this one included, when it was taken.
    taken: u8,
}

impl Seat {
    pub fn lobby(&self) -> &LobbyHandle {
        &self.lobby
    }

    /// The game the lobby plays.
    pub fn game(&self) -> &'static str {
        self.game
    }

    /// The lobby's seats taken when this one was, this one included.
    pub fn taken(&self) -> u8 {
        self.taken
    }

    pub fn join_code(&self) -> Option<&str> {
        self.join_code.as_deref()
    }
}

impl Drop for Seat {
    fn drop(&mut self) {
        self.registry.release(self.lobby.id);
    }
}

impl Registry {
    pub fn new(
        config: Arc<Config>,
        games: Games,
        tasks: TaskTracker,
        shutdown: CancellationToken,
    ) -> Arc<Self> {
        Arc::new(Self {
            inner: Mutex::default(),
            config,
            games,
            tasks,
            shutdown,
            closed: AtomicBool::new(false),
            fleet: OnceLock::new(),
        })
    }

    /// Joins this node to `fleet` (once; later calls change nothing).
    pub fn set_fleet(&self, fleet: Fleet) {
        let _ = self.fleet.set(fleet);
    }

    /// The fleet this node is part of: alone unless [`Registry::set_fleet`].
    pub fn fleet(&self) -> Fleet {
        self.fleet.get().cloned().unwrap_or_default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every edit under this lock completes without panicking paths, so a
        // poisoned lock still holds consistent data.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Makes this node's lobby ids unique in a fleet: every id given from
    /// now on carries `node` in its bits above [`LOCAL_ID_BITS`].
    pub fn set_id_base(&self, node: u32) {
        self.lock().id_base = node << LOCAL_ID_BITS;
    }

    /// Every lobby, public or private, for the fleet's directory.
    pub fn published(&self) -> Vec<Published> {
        self.lock()
            .lobbies
            .values()
            .map(|e| Published {
                info: self.info(e),
                join_code: e.spec.join_code.clone(),
                locked: e.locked,
            })
            .collect()
    }

    /// The games this server hosts.
    pub fn games(&self) -> &Games {
        &self.games
    }

    /// Refuses all joins and creations from now on (shutdown).
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
    }

    /// The public lobbies, by id, for `LobbyList` and `GET /lobbies`.
    pub fn list_public(&self) -> Vec<LobbyInfo> {
        self.lock()
            .lobbies
            .values()
            .filter(|e| e.spec.join_code.is_none())
            .map(|e| self.info(e))
            .collect()
    }

    pub fn lobby_count(&self) -> usize {
        self.lock().lobbies.len()
    }

    /// Seats taken across all lobbies, including those held for a resume.
    pub fn player_count(&self) -> usize {
        self.lock()
            .lobbies
            .values()
            .map(|e| usize::from(e.seats))
            .sum()
    }

    fn info(&self, e: &Entry) -> LobbyInfo {
        LobbyInfo {
            id: e.spec.id,
            game: e.game.to_owned(),
            name: e.spec.name.clone(),
            players: e.seats,
            max_players: e.spec.max_players,
            label: e.label.clone(),
        }
    }

    /// Creates a lobby of `game` and takes its first seat.
    pub fn create(
        self: &Arc<Self>,
        game: &Arc<dyn GameHost>,
        name: String,
        max_players: u8,
        private: bool,
    ) -> Result<Seat, JoinError> {
        if !(1..=MAX_PLAYERS_LIMIT).contains(&max_players) {
            return Err(JoinError::BadMaxPlayers);
        }
        let mut inner = self.lock();
        self.check_open()?;
        let id = self.create_locked(&mut inner, game, name, max_players, private)?;
        self.take_seat(&mut inner, id)
    }

    /// Takes a seat in a lobby: public ones by id, any by join code.
    pub fn join(self: &Arc<Self>, target: &JoinTarget) -> Result<Seat, JoinError> {
        let mut inner = self.lock();
        self.check_open()?;
        let id = match target {
            JoinTarget::Id(id) => match inner.lobbies.get(id) {
                Some(e) if e.spec.join_code.is_none() => *id,
                _ => return Err(JoinError::NotFound),
            },
            JoinTarget::Code(code) => *inner
                .codes
                .get(&code.trim().to_ascii_uppercase())
                .ok_or(JoinError::NotFound)?,
            JoinTarget::Ticket(_) => return Err(JoinError::NotFound),
        };
        self.take_seat(&mut inner, id)
    }

    /// Takes a seat in a lobby by id, public or private: for a join ticket
    /// another node of the fleet issued.
    pub fn join_ticketed(self: &Arc<Self>, id: LobbyId) -> Result<Seat, JoinError> {
        let mut inner = self.lock();
        self.check_open()?;
        self.take_seat(&mut inner, id)
    }

    /// Takes a seat in the fullest public lobby of `game` with room (oldest
    /// first on a tie), or creates a public lobby of `quick_join_players`
    /// (or the game's seat count, if it says otherwise). Lobbies in `skip`
    /// are passed over: the fleet found their free seats held for players
    /// coming from other nodes.
    pub fn quick_join(
        self: &Arc<Self>,
        game: &Arc<dyn GameHost>,
        skip: &[LobbyId],
    ) -> Result<Seat, JoinError> {
        self.quick_seat(game.name(), Some(game), skip)
    }

    /// Takes a seat in the fullest public lobby of `game` with room, like
    /// [`Registry::quick_join`], but never creates one: `Full` when every
    /// such lobby filled since the caller looked.
    pub fn quick_join_open(
        self: &Arc<Self>,
        game: &str,
        skip: &[LobbyId],
    ) -> Result<Seat, JoinError> {
        self.quick_seat(game, None, skip)
    }

    /// A seat in the fullest open public lobby of `name` not in `skip`,
    /// else in a new one of `create` (`Full` without it), under one lock.
    fn quick_seat(
        self: &Arc<Self>,
        name: &str,
        create: Option<&Arc<dyn GameHost>>,
        skip: &[LobbyId],
    ) -> Result<Seat, JoinError> {
        let mut inner = self.lock();
        self.check_open()?;
        let id = match (fullest_open(&inner, name, skip).map(|e| e.spec.id), create) {
            (Some(id), _) => id,
            (None, Some(game)) => {
                let lobby = format!("Quick match {}", inner.next_id + 1);
                let seats = self.config.quick_join_players;
                self.create_locked(&mut inner, game, lobby, seats, false)?
            }
            (None, None) => return Err(JoinError::Full),
        };
        self.take_seat(&mut inner, id)
    }

    /// The players of this node's fullest public lobby of `game` with a
    /// free seat and not in `skip`, the one a quick-join here would take.
    pub fn fullest_open(&self, game: &str, skip: &[LobbyId]) -> Option<u8> {
        fullest_open(&self.lock(), game, skip).map(|e| e.seats)
    }

    fn check_open(&self) -> Result<(), JoinError> {
        if self.closed.load(Ordering::SeqCst) {
            Err(JoinError::ShuttingDown)
        } else {
            Ok(())
        }
    }

    fn create_locked(
        self: &Arc<Self>,
        inner: &mut Inner,
        game: &Arc<dyn GameHost>,
        name: String,
        max_players: u8,
        private: bool,
    ) -> Result<LobbyId, JoinError> {
        if inner.lobbies.len() >= self.config.max_lobbies {
            return Err(JoinError::TooManyLobbies);
        }
        inner.next_id = inner.next_id.wrapping_add(1);
        let local = inner.next_id & ((1 << LOCAL_ID_BITS) - 1);
        let id = LobbyId(inner.id_base | local);
        if inner.lobbies.contains_key(&id) {
            // A million lobbies later, an old one still lives: refuse
            // rather than collide.
            return Err(JoinError::TooManyLobbies);
        }
        let join_code = private.then(|| new_join_code(&inner.codes));
        if let Some(code) = &join_code {
            inner.codes.insert(code.clone(), id);
        }
        // As many seats as the game has for what was asked.
        let spec = LobbySpec {
            id,
            name,
            join_code,
            max_players: game.seats(max_players).clamp(1, MAX_PLAYERS_LIMIT),
        };
        let (handle, label) = game.spawn(
            spec.clone(),
            self.clone(),
            &self.tasks,
            self.shutdown.child_token(),
        );
        inner.lobbies.insert(
            id,
            Entry {
                handle,
                spec,
                game: game.name(),
                label,
                seats: 0,
                locked: false,
            },
        );
        Ok(id)
    }

    fn take_seat(self: &Arc<Self>, inner: &mut Inner, id: LobbyId) -> Result<Seat, JoinError> {
        let entry = inner.lobbies.get_mut(&id).ok_or(JoinError::NotFound)?;
        if entry.locked {
            return Err(JoinError::Locked);
        }
        if entry.seats >= entry.spec.max_players {
            return Err(JoinError::Full);
        }
        entry.seats += 1;
        Ok(Seat {
            registry: self.clone(),
            lobby: entry.handle.clone(),
            join_code: entry.spec.join_code.clone(),
            game: entry.game,
            taken: entry.seats,
        })
    }

    fn release(&self, id: LobbyId) {
        if let Some(e) = self.lock().lobbies.get_mut(&id) {
            e.seats = e.seats.saturating_sub(1);
        }
    }

    /// The handle of lobby `id`, public or private.
    pub fn handle(&self, id: LobbyId) -> Option<LobbyHandle> {
        self.lock().lobbies.get(&id).map(|e| e.handle.clone())
    }

    /// Locks or unlocks lobby `id`; false if there is no such lobby.
    pub fn set_locked(&self, id: LobbyId, locked: bool) -> bool {
        match self.lock().lobbies.get_mut(&id) {
            Some(e) => {
                e.locked = locked;
                true
            }
            None => false,
        }
    }

    /// Removes lobby `id` whoever holds seats in it: an operator closed it
    /// (its task drops every member next, and the seats still out come
    /// back to no entry).
    pub(super) fn remove_closed(&self, id: LobbyId) {
        let mut inner = self.lock();
        if let Some(e) = inner.lobbies.remove(&id)
            && let Some(code) = &e.spec.join_code
        {
            inner.codes.remove(code);
        }
    }

    /// Removes a lobby if nobody holds a seat in it; called by the lobby's
    /// own task once it has been empty for the idle time. Returns whether it
    /// was removed (the task then ends).
    pub(super) fn remove_if_unused(&self, id: LobbyId) -> bool {
        let mut inner = self.lock();
        match inner.lobbies.get(&id) {
            Some(e) if e.seats == 0 => {
                if let Some(code) = &e.spec.join_code {
                    let code = code.clone();
                    inner.codes.remove(&code);
                }
                inner.lobbies.remove(&id);
                true
            }
            Some(_) => false,
            None => true,
        }
    }
}

/// The fullest public lobby of `game` with a free seat (the oldest on a
/// tie).
fn fullest_open<'a>(inner: &'a Inner, game: &str, skip: &[LobbyId]) -> Option<&'a Entry> {
    inner
        .lobbies
        .values()
        .filter(|e| {
            e.game == game
                && e.spec.join_code.is_none()
                && !e.locked
                && e.seats < e.spec.max_players
                && !skip.contains(&e.spec.id)
        })
        .max_by_key(|e| (e.seats, std::cmp::Reverse(e.spec.id)))
}
