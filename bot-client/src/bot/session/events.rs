//! How the driver handles what its reader forwards, in every phase: waiting
//! for one particular event while answering the rest, WebSocket pings
//! (every one gets a pong with its payload, or the server drops the bot),
//! errors, `ShuttingDown`, an unasked-for `Redirect` and the close; and
//! which failure a closed connection is blamed on.

use rallypoint_shared::{ClientMsg, ErrorCode};
use tokio::time::{Instant, timeout_at};
use tracing::debug;

use super::Session;
use crate::bot::STAGE_TIMEOUT;
use crate::games::BotGame;
use crate::outcome::{FailReason, Stage};
use crate::reader::Event;

/// WebSocket close status 1001 (going away): the server is shutting down.
const GOING_AWAY: u16 = 1001;

impl<B: BotGame> Session<'_, B> {
    /// Waits until `pick` takes an event, handling the others meanwhile.
    pub(super) async fn expect<T>(
        &mut self,
        deadline: Instant,
        mut pick: impl FnMut(Event) -> Result<T, Event>,
    ) -> Result<T, FailReason> {
        loop {
            let event = match timeout_at(deadline, self.events.recv()).await {
                Ok(Some(event)) => event,
                Ok(None) => return Err(self.closed_reason()),
                Err(_) => return Err(FailReason::Timeout(self.stage)),
            };
            match pick(event) {
                Ok(value) => return Ok(value),
                Err(other) => self.on_event(other).await?,
            }
        }
    }

    /// Handles an event nobody is waiting for.
    pub(super) async fn on_event(&mut self, event: Event) -> Result<(), FailReason> {
        match event {
            Event::Ping(payload) => {
                if self.sender.pong(payload).await.is_err() {
                    return Err(self.closed_reason());
                }
            }
            Event::Error(code) => {
                self.last_error = Some(code);
                // Before the lobby an error is a refusal; in it, the server
                // objected to one message and the session goes on.
                if matches!(self.stage, Stage::Welcome | Stage::Join) {
                    return Err(refusal(code));
                }
                self.server_errors += 1;
            }
            Event::ShuttingDown { drain_secs } => {
                debug!(drain_secs, "server draining");
                self.shutdown = true;
            }
            Event::Close(code) => {
                debug!(?code, "server closed the connection");
                self.close_code = code;
                let _ = self.sender.close(1000).await;
                return Err(self.closed_reason());
            }
            Event::Left if matches!(self.stage, Stage::Play | Stage::FirstSnapshot) => {
                return Err(FailReason::LeftEarly);
            }
            Event::FirstSnapshot { .. } => self.snapshot_seen = true,
            // Only the answer to a join is followed (`join`); one that
            // comes at any other time is not the bot's to act on.
            Event::Redirect { node, url, .. } => {
                debug!(node, url, stage = %self.stage, "unasked-for Redirect ignored");
            }
            Event::Left | Event::Welcome { .. } | Event::Joined { .. } => {}
        }
        Ok(())
    }

    pub(super) async fn send(&mut self, msg: &ClientMsg) -> Result<(), FailReason> {
        match self.sender.send(msg).await {
            Ok(()) => Ok(()),
            Err(err) => {
                debug!(%err, "send failed");
                Err(self.closed_reason())
            }
        }
    }

    /// Why the connection ended early: a shutdown if the server announced
    /// one (or went away), else the server's last error, if any.
    pub(super) fn closed_reason(&self) -> FailReason {
        if self.shutdown || self.close_code == Some(GOING_AWAY) {
            return FailReason::ServerShutdown;
        }
        self.last_error.map_or(FailReason::ClosedEarly, refusal)
    }

    pub(super) fn stage_deadline(&self) -> Instant {
        (Instant::now() + STAGE_TIMEOUT + self.ctx.slack()).min(self.play_end)
    }

    pub(super) fn now_us(&self) -> u64 {
        self.ctx.epoch.elapsed().as_micros() as u64
    }
}

/// The failure an error code stands for when it ends the session.
fn refusal(code: ErrorCode) -> FailReason {
    match code {
        ErrorCode::ShuttingDown => FailReason::ServerShutdown,
        code => FailReason::ServerError(code),
    }
}
