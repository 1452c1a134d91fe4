//! Resume tokens: which session each token takes back, and until when.
//!
//! A session gets a token at `Welcome`. While its connection lives the
//! entry is *live* and can kick that connection (a client whose connection
//! went half-open resumes from a new one before the server noticed). When
//! the connection drops abnormally the entry is *detached* until the grace
//! period ends. A resume consumes the token and issues a new one, so every
//! token works at most once. Tokens are 16 bytes from the OS-seeded CSPRNG.
//!
//! With authentication on, a session also belongs to an account, and the
//! table keeps an index by account: a second login of the same account
//! takes the session over ([`SessionTable::take_over`]) as a resume would,
//! and the first connection is told why and closed. An index by player
//! lets an operator kick a player.
//!
//! Bounded: live entries are at most the connection cap; detached entries
//! are capped at [`Config::max_connections`] too, evicting the oldest. The
//! indexes hold one key per entry.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use rallypoint_shared::{PlayerId, ResumeToken};
use rand::Rng;
use tokio::time::Instant;

use crate::kick::{Kick, KickReason, Link};
use crate::lobby::LobbyHandle;

/// What a token takes back.
#[derive(Clone)]
pub struct SessionInfo {
    pub player: PlayerId,
    pub name: String,
    /// The lobby the session was in, if any.
    pub lobby: Option<LobbyHandle>,
    /// The account it belongs to, with authentication on.
    pub account: Option<String>,
}

enum State {
    /// The connection is open; firing the kick closes it.
    Live(Kick),
    Detached {
        until: Instant,
    },
}

struct Entry {
    info: SessionInfo,
    state: State,
    /// Its current (or last) connection.
    link: Arc<Link>,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<ResumeToken, Entry>,
    /// Detached tokens in detach order, which is also expiry order. May hold
    /// tokens already resumed; those are skipped.
    detached: VecDeque<(Instant, ResumeToken)>,
    /// The token of each account's session.
    accounts: HashMap<String, ResumeToken>,
    /// The token of each player's session.
    players: HashMap<PlayerId, ResumeToken>,
}

impl Inner {
    fn insert(&mut self, token: ResumeToken, entry: Entry) {
        if let Some(account) = &entry.info.account {
            self.accounts.insert(account.clone(), token);
        }
        self.players.insert(entry.info.player, token);
        self.entries.insert(token, entry);
    }

    fn remove(&mut self, token: &ResumeToken) -> Option<Entry> {
        let entry = self.entries.remove(token)?;
        if let Some(account) = &entry.info.account
            && self.accounts.get(account) == Some(token)
        {
            self.accounts.remove(account);
        }
        if self.players.get(&entry.info.player) == Some(token) {
            self.players.remove(&entry.info.player);
        }
        Some(entry)
    }
}

/// What [`SessionTable::kick_player`] did.
pub enum Kicked {
    /// The player's connection was told why and is closing; it releases
    /// its seat itself.
    Connection,
    /// The player had no connection (it dropped and was waiting for a
    /// resume): the session is gone, and its seat, if it had one, is in
    /// this lobby for the caller to release.
    Detached(Option<LobbyHandle>),
    /// No session has this player.
    Unknown,
}

/// A session as [`SessionTable::player`] shows it.
pub struct SessionView {
    pub info: SessionInfo,
    /// Whether its connection is open (else it awaits a resume).
    pub live: bool,
    /// Its current connection, or the last one.
    pub link: Arc<Link>,
}

/// Why a resume was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown, used or expired resume token")]
pub struct Rejected;

/// See the module docs.
pub struct SessionTable {
    inner: Mutex<Inner>,
    grace: Duration,
    max_detached: usize,
}

impl SessionTable {
    pub fn new(grace: Duration, max_detached: usize) -> Self {
        Self {
            inner: Mutex::default(),
            grace,
            max_detached,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Edits under this lock do not panic midway, so a poisoned lock
        // still holds consistent data.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a live session; returns its token.
    pub fn insert(&self, info: SessionInfo, kick: Kick) -> ResumeToken {
        let token = new_token();
        let link = kick.link().clone();
        self.lock().insert(
            token,
            Entry {
                info,
                state: State::Live(kick),
                link,
            },
        );
        token
    }

    /// Records the session's current lobby.
    pub fn set_lobby(&self, token: &ResumeToken, lobby: Option<LobbyHandle>) {
        if let Some(e) = self.lock().entries.get_mut(token) {
            e.info.lobby = lobby;
        }
    }

    /// Renames the session (a login that took it over brings the token's
    /// newest name).
    pub fn rename(&self, token: &ResumeToken, name: &str) {
        if let Some(e) = self.lock().entries.get_mut(token) {
            e.info.name = name.to_owned();
        }
    }

    /// The connection dropped abnormally: hold the session for the grace
    /// period.
    pub fn detach(&self, token: &ResumeToken, now: Instant) {
        let mut inner = self.lock();
        let until = now + self.grace;
        let Some(e) = inner.entries.get_mut(token) else {
            return;
        };
        e.state = State::Detached { until };
        inner.detached.push_back((until, *token));
        while inner.detached.len() > self.max_detached {
            if let Some((_, old)) = inner.detached.pop_front() {
                remove_if_detached(&mut inner, &old);
            }
        }
    }

    /// The session ended for good (a voluntary close, a kick, shutdown).
    pub fn remove(&self, token: &ResumeToken) {
        self.lock().remove(token);
    }

    /// Takes a session back: consumes `token`, kicks the old connection if
    /// it is still open, and registers the new one under a fresh token.
    pub fn resume(
        &self,
        token: &ResumeToken,
        kick: Kick,
        now: Instant,
    ) -> Result<(SessionInfo, ResumeToken), Rejected> {
        let mut inner = self.lock();
        match inner.entries.get(token).map(|e| &e.state) {
            None => return Err(Rejected),
            Some(State::Detached { until }) if *until <= now => return Err(Rejected),
            Some(_) => {}
        }
        Ok(move_session(&mut inner, token, kick, KickReason::Resumed))
    }

    /// A login of `account`: if the account has a session (connected, or
    /// dropped within its grace), the new connection takes it over like a
    /// resume, and the old connection, if open, is closed as replaced.
    /// `None`: no session to take over.
    pub fn take_over(
        &self,
        account: &str,
        kick: Kick,
        now: Instant,
    ) -> Option<(SessionInfo, ResumeToken)> {
        let mut inner = self.lock();
        let token = *inner.accounts.get(account)?;
        if let Some(State::Detached { until }) = inner.entries.get(&token).map(|e| &e.state)
            && *until <= now
        {
            inner.remove(&token);
            return None;
        }
        Some(move_session(&mut inner, &token, kick, KickReason::Replaced))
    }

    /// Ends `player`'s session for `why` (an operator's kick or ban).
    pub fn kick_player(&self, player: PlayerId, why: KickReason) -> Kicked {
        let mut inner = self.lock();
        match inner.players.get(&player).copied() {
            Some(token) => kick_token(&mut inner, &token, why),
            None => Kicked::Unknown,
        }
    }

    /// Ends the session of `account`, if any, for `why` (a ban).
    pub fn kick_account(&self, account: &str, why: KickReason) -> (Option<PlayerId>, Kicked) {
        let mut inner = self.lock();
        let Some(token) = inner.accounts.get(account).copied() else {
            return (None, Kicked::Unknown);
        };
        let player = inner.entries.get(&token).map(|e| e.info.player);
        (player, kick_token(&mut inner, &token, why))
    }

    /// When the connection of `account`'s session (or its last one)
    /// opened, if the account has a session.
    pub fn account_since(&self, account: &str) -> Option<SystemTime> {
        let inner = self.lock();
        let token = inner.accounts.get(account)?;
        inner.entries.get(token).map(|e| e.link.connected_at)
    }

    /// Ends every session whose connection (or last connection) came from
    /// `ip`, for `why` (a ban of the address).
    pub fn kick_ip(&self, ip: IpAddr, why: &KickReason) -> Vec<(PlayerId, Kicked)> {
        let mut inner = self.lock();
        let tokens: Vec<(ResumeToken, PlayerId)> = inner
            .entries
            .iter()
            .filter(|(_, e)| e.link.ip == ip)
            .map(|(t, e)| (*t, e.info.player))
            .collect();
        tokens
            .into_iter()
            .map(|(token, player)| (player, kick_token(&mut inner, &token, why.clone())))
            .collect()
    }

    /// The session of `player`, if any.
    pub fn player(&self, player: PlayerId) -> Option<SessionView> {
        let inner = self.lock();
        let token = inner.players.get(&player)?;
        let entry = inner.entries.get(token)?;
        Some(SessionView {
            info: entry.info.clone(),
            live: matches!(entry.state, State::Live(_)),
            link: entry.link.clone(),
        })
    }

    /// Drops detached entries whose grace has ended.
    pub fn sweep(&self, now: Instant) {
        let mut inner = self.lock();
        while let Some(&(until, token)) = inner.detached.front() {
            if until > now {
                break;
            }
            inner.detached.pop_front();
            remove_if_detached(&mut inner, &token);
        }
    }

    /// Sessions held, live or detached.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Fires the session's connection, or drops it if detached (its lobby
/// then goes back to the caller).
fn kick_token(inner: &mut Inner, token: &ResumeToken, why: KickReason) -> Kicked {
    match inner.entries.get(token).map(|e| &e.state) {
        Some(State::Live(kick)) => {
            kick.fire(why);
            Kicked::Connection
        }
        Some(State::Detached { .. }) => {
            let lobby = inner.remove(token).and_then(|e| e.info.lobby);
            Kicked::Detached(lobby)
        }
        None => Kicked::Unknown,
    }
}

fn remove_if_detached(inner: &mut Inner, token: &ResumeToken) {
    if matches!(
        inner.entries.get(token).map(|e| &e.state),
        Some(State::Detached { .. })
    ) {
        inner.remove(token);
    }
}

/// Moves the session under `token` (which must be there) to a fresh token
/// and the connection of `kick`, closing its old connection, if open, for
/// `why`.
fn move_session(
    inner: &mut Inner,
    token: &ResumeToken,
    kick: Kick,
    why: KickReason,
) -> (SessionInfo, ResumeToken) {
    let entry = inner.remove(token).expect("the caller found the entry");
    if let State::Live(old) = entry.state {
        old.fire(why);
    }
    let fresh = new_token();
    let link = kick.link().clone();
    inner.insert(
        fresh,
        Entry {
            info: entry.info.clone(),
            state: State::Live(kick),
            link,
        },
    );
    (entry.info, fresh)
}

fn new_token() -> ResumeToken {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    ResumeToken(bytes)
}

#[cfg(test)]
mod tests;
