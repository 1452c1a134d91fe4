//! What each server message means to a bot playing game `B`: the
//! engine's messages update the statistics ([`RecvStats`]) and become the
//! driver's events; snapshots are applied to the connection's [`Views`]
//! and each new view is shown to the bot's policy, as are what the game
//! says on joining and its events, decoded as the game's own types.

use std::sync::{Arc, Mutex};

use rallypoint_game::Game;
use rallypoint_shared::{ServerMsg, Snapshot, decode_payload};
use tracing::debug;

use super::Event;
use super::deltas::Views;
use super::stats::RecvStats;
use crate::acks::AckRing;
use crate::games::BotGame;

/// One connection's game side of the reader.
pub(super) struct Client<B: BotGame> {
    views: Views<B::Game>,
    /// The bot's policy, shared with the driver.
    game: Arc<Mutex<B>>,
}

impl<B: BotGame> Client<B> {
    pub(super) fn new(game: Arc<Mutex<B>>) -> Self {
        Client {
            views: Views::default(),
            game,
        }
    }

    /// Runs `f` on the policy. A poisoned lock means the driver panicked;
    /// the bot is failing anyway.
    fn with_game<T>(&self, f: impl FnOnce(&mut B) -> T) -> Option<T> {
        self.game.lock().ok().map(|mut g| f(&mut g))
    }

    /// Measures `msg` of `payload_len` bytes, arrived at `now_us`, and
    /// says what the driver needs of it, if anything.
    pub(super) fn on_message(
        &mut self,
        msg: ServerMsg,
        payload_len: usize,
        now_us: u64,
        stats: &mut RecvStats,
        acks: &AckRing,
    ) -> Option<Event> {
        match msg {
            ServerMsg::Snapshot(s) => self.on_snapshot(&s, payload_len, now_us, stats, acks),
            ServerMsg::Pong { client_time, .. } => {
                stats.on_pong(now_us, client_time);
                None
            }
            ServerMsg::Welcome {
                player,
                protocol_version,
                tick_hz,
                snapshot_hz,
                resume_token,
                ..
            } => {
                self.with_game(|g| g.on_welcome(tick_hz));
                Some(Event::Welcome {
                    player,
                    protocol_version,
                    tick_hz,
                    snapshot_hz,
                    resume_token,
                })
            }
            ServerMsg::Joined {
                lobby,
                game,
                join_code,
                avatar,
                info,
                ..
            } => {
                self.views.clear();
                stats.on_joined(now_us, acks);
                // Another game's info means nothing here; the driver fails
                // the bot for joining it.
                if game == <B::Game as Game>::NAME {
                    match decode_payload(&info.0) {
                        Ok(info) => {
                            self.with_game(|g| g.on_joined(info, avatar));
                        }
                        Err(err) => {
                            debug!(%err, "Joined's game info did not decode");
                            stats.undecodable += 1;
                        }
                    }
                }
                Some(Event::Joined {
                    lobby,
                    game,
                    avatar,
                    join_code,
                })
            }
            ServerMsg::Event(payload) => {
                match decode_payload(&payload.0) {
                    Ok(event) => {
                        self.with_game(|g| g.on_event(event));
                    }
                    Err(err) => {
                        debug!(%err, "game event did not decode");
                        stats.undecodable += 1;
                    }
                }
                None
            }
            ServerMsg::Redirect { node, url, ticket } => {
                Some(Event::Redirect { node, url, ticket })
            }
            ServerMsg::Left => Some(Event::Left),
            ServerMsg::Error { code, message } => {
                debug!(?code, message, "server error");
                Some(Event::Error(code))
            }
            ServerMsg::ShuttingDown { reason, drain_secs } => {
                debug!(%reason, drain_secs, "server shutting down");
                Some(Event::ShuttingDown { drain_secs })
            }
            ServerMsg::Notice { text } => {
                debug!(%text, "notice from the server's operators");
                None
            }
            ServerMsg::LobbyList { .. }
            | ServerMsg::Roster { .. }
            | ServerMsg::RosterUpdate { .. } => None,
        }
    }

    /// Times and applies a snapshot; shows a new view to the policy.
    fn on_snapshot(
        &mut self,
        snap: &Snapshot,
        payload_len: usize,
        now_us: u64,
        stats: &mut RecvStats,
        acks: &AckRing,
    ) -> Option<Event> {
        stats.on_snapshot(now_us);
        let view = self.views.receive(snap, payload_len, &mut stats.deltas)?;
        let score = self.game.lock().ok().and_then(|mut g| g.on_view(view));
        stats.on_applied(now_us, (view.tick, view.last_input_seq), score, acks)
    }
}

#[cfg(test)]
mod tests;
