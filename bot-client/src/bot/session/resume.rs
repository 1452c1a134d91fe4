//! The session's connections: the first connect (to the session's node:
//! `--url`'s, or the one a `Redirect` named), and for `--chaos` the abrupt
//! drop and the resume that must follow it, on the same node.
//!
//! A resume is judged end to end: reconnect at once, `Resume` with the
//! latest token, `Welcome` for the same player, `Joined` for the same lobby
//! and avatar, then the first snapshot, which must show the bot's score
//! (its game's counters that only grow: arena's kills and deaths, four's
//! wins and game number) at least where the last snapshot before the drop
//! left it. Its latency runs from the drop to that snapshot.
//! Each step has [`STAGE_TIMEOUT`], but all must end by the play end plus
//! [`LEAVE_TIMEOUT`], before the bot's hard deadline, so a hung resume is
//! reported as a resume failure, not as a generic timeout.

use std::sync::Arc;

use rallypoint_shared::{ClientMsg, PROTOCOL_VERSION};
use tokio::sync::mpsc;
use tokio::time::{Instant, timeout_at};
use tracing::debug;

use super::{Session, closed_events};
use crate::bot::{EVENT_QUEUE, LEAVE_TIMEOUT, STAGE_TIMEOUT};
use crate::conn::{self, ConnectError};
use crate::games::{BotGame, Score};
use crate::link::{Delays, Direction};
use crate::outcome::{FailReason, HandshakeFail, ResumeFail, Stage, TcpFail};
use crate::progress::Counters;
use crate::reader::{self, Event, ReaderCtx, RecvStats};

impl<B: BotGame> Session<'_, B> {
    /// Opens a connection and starts its reader, which carries on the
    /// session's statistics.
    pub(in crate::bot) async fn connect(&mut self) -> Result<(), FailReason> {
        let (ws_read, writer) = conn::connect(self.node.addr, &self.node.target, &self.ctx.tls)
            .await
            .map_err(|err| {
                debug!(%err, "connect failed");
                match err {
                    ConnectError::Refused(_) => FailReason::Connect(TcpFail::Refused),
                    ConnectError::Tcp(_) => FailReason::Connect(TcpFail::Other),
                    ConnectError::Tls(_) => FailReason::Handshake(HandshakeFail::Tls),
                    ConnectError::Status(status) => {
                        FailReason::Handshake(HandshakeFail::Status(status))
                    }
                    ConnectError::HandshakeIo(_)
                    | ConnectError::HandshakeClosed
                    | ConnectError::Malformed(_)
                    | ConnectError::HeadTooLong
                    | ConnectError::NotUpgraded(_) => FailReason::Handshake(HandshakeFail::Other),
                }
            })?;
        let link = self.ctx.link;
        let delays = |dir| {
            let epoch = self.stall_epoch;
            link.is_on()
                .then(|| Delays::new(link, self.ctx.seed, self.index, dir, epoch))
        };
        self.sender.attach(writer, delays(Direction::Up));
        self.on_node = Some(Arc::clone(&self.node.url));
        let (events_tx, events) = mpsc::channel(EVENT_QUEUE);
        self.events = events;
        self.last_error = None;
        self.close_code = None;
        let stats = self.parked.take().unwrap_or_else(RecvStats::new);
        let ctx = ReaderCtx {
            epoch: self.ctx.epoch,
            acks: self.acks.clone(),
            counters: self.ctx.counters.clone(),
            game: self.game.clone(),
            link: delays(Direction::Down),
        };
        self.reader = Some(reader::spawn(ws_read, events_tx, ctx, stats));
        Ok(())
    }

    /// Ends the current connection for good and returns the statistics;
    /// `None` only if the reader panicked.
    pub(in crate::bot) async fn finish_reader(&mut self) -> Option<RecvStats> {
        // The reader may be blocked on a full channel.
        self.events = closed_events();
        match self.reader.take() {
            Some(reader) => reader.finish().await,
            None => self.parked.take(),
        }
    }

    /// Drops the connection abruptly and resumes the session on a new one.
    /// `Ok` once the first snapshot after the resume has shown the score
    /// kept.
    pub(super) async fn drop_and_resume(&mut self) -> Result<(), FailReason> {
        let dropped_at = Instant::now();
        let dropped_us = self.now_us();
        self.snapshot_seen = false;
        self.sender.drop_connection();
        // Sampled but not sent: lost with the connection (see `inputs`);
        // `self.seq` covers them below.
        self.clear_batch();
        let mut stats = self.finish_reader().await.ok_or(FailReason::Panicked)?;
        let before = stats.score;
        stats.on_disconnect(self.seq);
        if let Ok(mut game) = self.game.lock() {
            game.on_disconnect(self.seq);
        }
        self.parked = Some(stats);
        self.set_in_lobby(false);
        self.resumes_attempted += 1;
        debug!(?before, "dropped the connection; resuming");
        let resumed = self.resume(before, dropped_at, dropped_us).await;
        self.stage = Stage::Play;
        resumed.map_err(FailReason::during_resume)
    }

    async fn resume(
        &mut self,
        before: Option<Score>,
        dropped_at: Instant,
        dropped_us: u64,
    ) -> Result<(), FailReason> {
        let (Some(token), Some((lobby, avatar))) = (self.resume_token, self.lobby) else {
            // Chaos drops only happen in the lobby, after `Welcome`.
            return Err(FailReason::Resume(ResumeFail::Closed));
        };
        self.stage = Stage::Connect;
        timeout_at(self.resume_deadline(), self.connect())
            .await
            .map_err(|_| FailReason::Timeout(Stage::Connect))??;

        self.stage = Stage::Welcome;
        self.send(&ClientMsg::Resume {
            protocol_version: PROTOCOL_VERSION,
            token,
        })
        .await?;
        self.welcome(self.resume_deadline(), self.player).await?;

        self.stage = Stage::Join;
        let joined = self
            .expect(self.resume_deadline(), |ev| match ev {
                Event::Joined { lobby, avatar, .. } => Ok((lobby, avatar)),
                other => Err(other),
            })
            .await?;
        if joined.0 != lobby {
            return Err(FailReason::Resume(ResumeFail::LobbyChanged));
        }
        if joined.1 != avatar {
            return Err(FailReason::Resume(ResumeFail::EntityChanged));
        }
        self.offline += dropped_at.elapsed();
        self.set_in_lobby(true);

        self.stage = Stage::FirstSnapshot;
        let (at_us, after) = self
            .expect(self.resume_deadline(), |ev| match ev {
                Event::FirstSnapshot { at_us, score } => Ok((at_us, score)),
                other => Err(other),
            })
            .await?;
        if let Some(before) = before
            && !after.is_some_and(|after| after.kept(before))
        {
            debug!(?before, ?after, "score lost in the resume");
            return Err(FailReason::ScoreLost);
        }
        self.snapshot_seen = true;
        // Cannot fail: the histogram auto-resizes.
        let _ = self.resume_us.record(at_us.saturating_sub(dropped_us));
        self.resumes_succeeded += 1;
        Counters::bump(&self.ctx.counters.resumes);
        Ok(())
    }

    /// The deadline of one resume step.
    fn resume_deadline(&self) -> Instant {
        let slack = self.ctx.slack();
        (Instant::now() + STAGE_TIMEOUT + slack).min(self.play_end + LEAVE_TIMEOUT + slack)
    }
}
