//! Why a join fails, and private lobbies' join codes.

use std::collections::HashMap;

use rallypoint_shared::{ErrorCode, LobbyId};
use rand::RngExt;

use crate::config::MAX_PLAYERS_LIMIT;

/// Length of a private lobby's join code. Default: 6 characters from a
/// 31-letter alphabet, about 887 million codes: short enough to read out,
/// and with at most `max_lobbies` lobbies, guessing one is hopeless.
pub const JOIN_CODE_LEN: usize = 6;

/// Letters and digits that cannot be misread for one another (no 0/O, 1/I/L).
const JOIN_CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// Why a player could not get a seat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum JoinError {
    #[error("no such lobby")]
    NotFound,
    #[error("lobby is full")]
    Full,
    #[error("the server is at its lobby limit")]
    TooManyLobbies,
    #[error("max_players must be 1 to {MAX_PLAYERS_LIMIT}")]
    BadMaxPlayers,
    #[error("the server is shutting down")]
    ShuttingDown,
    #[error("the lobby is locked by an operator")]
    Locked,
}

impl JoinError {
    pub fn code(self) -> ErrorCode {
        match self {
            JoinError::NotFound => ErrorCode::LobbyNotFound,
            JoinError::Full => ErrorCode::LobbyFull,
            JoinError::TooManyLobbies => ErrorCode::TooManyLobbies,
            JoinError::BadMaxPlayers => ErrorCode::InvalidField,
            JoinError::ShuttingDown => ErrorCode::ShuttingDown,
            JoinError::Locked => ErrorCode::LobbyLocked,
        }
    }
}

/// A fresh code, not in `taken`.
pub(super) fn new_join_code(taken: &HashMap<String, LobbyId>) -> String {
    let mut rng = rand::rng();
    loop {
        let code: String = (0..JOIN_CODE_LEN)
            .map(|_| {
                let i = rng.random_range(0..JOIN_CODE_ALPHABET.len());
                char::from(JOIN_CODE_ALPHABET[i])
            })
            .collect();
        if !taken.contains_key(&code) {
            return code;
        }
    }
}
