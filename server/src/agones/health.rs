//! Health pings: one every [`HEALTH_PERIOD`](super::HEALTH_PERIOD) while
//! every lobby of the node completed a tick within the stall bound (see
//! [`super::ticks`]); none while one has not. Agones counts the periods
//! without a ping and, past the GameServer's `failureThreshold`, marks it
//! Unhealthy and replaces the pod: a node whose tick loop hangs is
//! replaced, one whose lobbies are merely slow is not.

use std::sync::Arc;
use std::time::Duration;

use agones::Sdk;
use rallypoint_shared::LobbyId;
use tokio::sync::mpsc::{Sender, error::TrySendError};
use tokio::time::Instant;
use tracing::{info, warn};

use super::metrics::metrics;
use super::ticks::TickBoard;

/// What one health period decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every lobby ticked within the bound (or there is none): ping.
    Ping,
    /// This lobby has gone this long without a tick: no ping.
    Stalled(LobbyId, Duration),
}

/// Whether the lobbies on `board` deserve a ping at `now`.
pub fn verdict(board: &TickBoard, now: Instant, bound: Duration) -> Verdict {
    match board.stalled(now, bound) {
        Some((lobby, silent)) => Verdict::Stalled(lobby, silent),
        None => Verdict::Ping,
    }
}

pub(super) struct Health {
    sdk: Sdk,
    /// Each message sent here is one ping on the SDK's `Health` stream.
    pings: Sender<()>,
    board: Arc<TickBoard>,
    bound: Duration,
    /// The stalled lobby last logged, so a stall is logged once.
    stalled: Option<LobbyId>,
}

impl Health {
    pub(super) fn new(sdk: &Sdk, board: Arc<TickBoard>, bound: Duration) -> Health {
        Health {
            sdk: sdk.clone(),
            pings: sdk.health_check(),
            board,
            bound,
            stalled: None,
        }
    }

    /// One health period: a ping, or none and why.
    pub(super) fn period(&mut self, now: Instant) {
        match verdict(&self.board, now, self.bound) {
            Verdict::Stalled(lobby, silent) => {
                metrics().health_withheld.inc();
                if self.stalled != Some(lobby) {
                    warn!(
                        lobby = lobby.0,
                        silent_ms = silent.as_millis() as u64,
                        "a lobby's ticks have stalled: withholding Agones health pings"
                    );
                    self.stalled = Some(lobby);
                }
            }
            Verdict::Ping => {
                if let Some(lobby) = self.stalled.take() {
                    info!(
                        lobby = lobby.0,
                        "ticks run on time again: Agones health pings resume"
                    );
                }
                self.ping();
            }
        }
    }

    fn ping(&mut self) {
        match self.pings.try_send(()) {
            Ok(()) => {
                metrics().health_pings.inc();
            }
            // The stream is behind by the channel's ten pings: this one
            // would say nothing new.
            Err(TrySendError::Full(())) => {}
            Err(TrySendError::Closed(())) => {
                // The SDK's health stream ended (the sidecar restarted, say):
                // open a new one.
                warn!("the Agones health stream ended; opening a new one");
                self.pings = self.sdk.health_check();
                if self.pings.try_send(()).is_ok() {
                    metrics().health_pings.inc();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn no_ping_while_a_lobby_is_stalled() {
        let board = TickBoard::new();
        let bound = Duration::from_secs(2);
        let t0 = Instant::now();
        assert_eq!(
            verdict(&board, t0, bound),
            Verdict::Ping,
            "no lobby: healthy"
        );
        let beat = board.join(LobbyId(7), t0);
        assert_eq!(verdict(&board, t0 + bound, bound), Verdict::Ping);
        assert_eq!(
            verdict(&board, t0 + 3 * bound, bound),
            Verdict::Stalled(LobbyId(7), 3 * bound)
        );
        beat.ticked(t0 + 3 * bound);
        assert_eq!(verdict(&board, t0 + 3 * bound, bound), Verdict::Ping);
    }
}
