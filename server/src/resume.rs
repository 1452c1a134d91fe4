//! Resume tokens: which session each token takes back, and until when.
//!
//! A session gets a token at `Welcome`. While its connection lives the
//! entry is *live* and can kick that connection (a client whose connection
//! went half-open resumes from a new one before the server noticed). When
//! the connection drops abnormally the entry is *detached* until the grace
//! period ends. A resume consumes the token and issues a new one, so every
//! token works at most once. Tokens are 16 bytes from the OS-seeded CSPRNG.
//!
//! Bounded: live entries are at most the connection cap; detached entries
//! are capped at [`Config::max_connections`] too, evicting the oldest.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use rallypoint_shared::{PlayerId, ResumeToken};
use rand::Rng;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::lobby::LobbyHandle;

/// What a token takes back.
#[derive(Clone)]
pub struct SessionInfo {
    pub player: PlayerId,
    pub name: String,
    /// The lobby the session was in, if any.
    pub lobby: Option<LobbyHandle>,
}

enum State {
    /// The connection is open; cancelling the token closes it.
    Live(CancellationToken),
    Detached {
        until: Instant,
    },
}

struct Entry {
    info: SessionInfo,
    state: State,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<ResumeToken, Entry>,
    /// Detached tokens in detach order, which is also expiry order. May hold
    /// tokens already resumed; those are skipped.
    detached: VecDeque<(Instant, ResumeToken)>,
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
    pub fn insert(&self, info: SessionInfo, kick: CancellationToken) -> ResumeToken {
        let token = new_token();
        self.lock().entries.insert(
            token,
            Entry {
                info,
                state: State::Live(kick),
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
        self.lock().entries.remove(token);
    }

    /// Takes a session back: consumes `token`, kicks the old connection if
    /// it is still open, and registers the new one under a fresh token.
    pub fn resume(
        &self,
        token: &ResumeToken,
        kick: CancellationToken,
        now: Instant,
    ) -> Result<(SessionInfo, ResumeToken), Rejected> {
        let mut inner = self.lock();
        let entry = inner.entries.remove(token).ok_or(Rejected)?;
        match entry.state {
            State::Detached { until } if until <= now => return Err(Rejected),
            State::Detached { .. } => {}
            State::Live(old) => old.cancel(),
        }
        let fresh = new_token();
        inner.entries.insert(
            fresh,
            Entry {
                info: entry.info.clone(),
                state: State::Live(kick),
            },
        );
        Ok((entry.info, fresh))
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

fn remove_if_detached(inner: &mut Inner, token: &ResumeToken) {
    if matches!(
        inner.entries.get(token).map(|e| &e.state),
        Some(State::Detached { .. })
    ) {
        inner.entries.remove(token);
    }
}

fn new_token() -> ResumeToken {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    ResumeToken(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(n: u64) -> SessionInfo {
        SessionInfo {
            player: PlayerId(n),
            name: format!("p{n}"),
            lobby: None,
        }
    }

    const GRACE: Duration = Duration::from_secs(20);

    #[test]
    fn a_token_resumes_once_and_is_renewed() {
        let t = SessionTable::new(GRACE, 10);
        let now = Instant::now();
        let old = CancellationToken::new();
        let t1 = t.insert(info(1), old.clone());
        t.detach(&t1, now);
        let (got, t2) = t.resume(&t1, CancellationToken::new(), now).unwrap();
        assert_eq!(got.player, PlayerId(1));
        assert_ne!(t1, t2);
        assert_eq!(
            t.resume(&t1, CancellationToken::new(), now).err(),
            Some(Rejected)
        );
        assert!(t.resume(&t2, CancellationToken::new(), now).is_ok());
    }

    #[test]
    fn resuming_a_live_session_kicks_the_old_connection() {
        let t = SessionTable::new(GRACE, 10);
        let old = CancellationToken::new();
        let t1 = t.insert(info(1), old.clone());
        t.resume(&t1, CancellationToken::new(), Instant::now())
            .unwrap();
        assert!(old.is_cancelled());
    }

    #[test]
    fn grace_expires_and_forged_tokens_fail() {
        let t = SessionTable::new(GRACE, 10);
        let now = Instant::now();
        let t1 = t.insert(info(1), CancellationToken::new());
        t.detach(&t1, now);
        assert!(
            t.resume(&ResumeToken([7; 16]), CancellationToken::new(), now)
                .is_err()
        );
        assert!(
            t.resume(&t1, CancellationToken::new(), now + GRACE)
                .is_err()
        );
        let t2 = t.insert(info(2), CancellationToken::new());
        t.detach(&t2, now);
        t.sweep(now + GRACE);
        assert!(t.is_empty());
    }

    #[test]
    fn detached_sessions_are_capped_oldest_first() {
        let t = SessionTable::new(GRACE, 2);
        let now = Instant::now();
        let tokens: Vec<_> = (0..3)
            .map(|i| {
                let tok = t.insert(info(i), CancellationToken::new());
                t.detach(&tok, now);
                tok
            })
            .collect();
        assert_eq!(t.len(), 2);
        assert!(t.resume(&tokens[0], CancellationToken::new(), now).is_err());
        assert!(t.resume(&tokens[2], CancellationToken::new(), now).is_ok());
    }
}
