//! One bot: waits for its ramp slot, has its [`session`] driver connect
//! (which starts the reader), drives the session (or, with `--idle`, idles
//! in the menu) under a hard deadline, and turns what both halves measured
//! into a [`BotResult`]. The timeouts (and the redirect limit) every bot
//! lives by are named here.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::{Instant, sleep_until, timeout_at};
use tracing::{debug, instrument};

use crate::games::BotGame;
use crate::link::LinkOptions;
use crate::outcome::{BotResult, FailReason, Stage};
use crate::progress::Counters;
use crate::target::{Node, Nodes};

mod session;

use session::Session;

/// Longest wait for each of connect+upgrade, `Welcome` and `Joined`.
/// Default: 5 s; a local server answers in milliseconds, so anything near
/// this is a failure worth reporting, not patience worth having.
pub(crate) const STAGE_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest wait for `Left` after `LeaveLobby`. Default: 2 s.
pub(crate) const LEAVE_TIMEOUT: Duration = Duration::from_secs(2);
/// Longest wait for the server's close frame after ours. Default: 1 s.
pub(crate) const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);
/// A bot's hard deadline is its play end plus the leave and close
/// timeouts plus this, covering writes that block. Default: 1 s.
pub(crate) const DEADLINE_SLACK: Duration = Duration::from_secs(1);
/// The longest time in a lobby without a snapshot before a bot counts as
/// failed (`snapshots_stalled`). Default: 2 s, 60 missed snapshots at
/// 30 a second: far beyond any jitter, so it only catches a server (or a
/// bot process) that stopped delivering. At a snapshot rate below 2 a
/// second the limit is three snapshot periods instead (see
/// [`stall_limit`]).
pub(crate) const STALL_LIMIT: Duration = Duration::from_secs(2);
/// How often a bot pings. Default: 1 s.
pub(crate) const PING_INTERVAL: Duration = Duration::from_secs(1);
/// Capacity of the reader-to-driver event channel. Default: 16; events
/// are rare (snapshots and pongs never become events, but for the first
/// snapshot after each `Joined`).
const EVENT_QUEUE: usize = 16;
/// A chaos bot does not drop its connection when less than this is left of
/// its play time, so each resume has time to finish (and be judged) before
/// the bot leaves. Default: 500 ms; a resume on loopback takes a few ms.
pub(crate) const CHAOS_QUIET_END: Duration = Duration::from_millis(500);
/// The most `Redirect`s one join follows in a row; the next one fails the
/// bot (`redirect:too_many`). Default: 3: a fleet answers with one (the
/// node the ticket names seats the bot itself), a lobby that moved in
/// between may add a second, and beyond a few, two nodes that disagree
/// would bounce the bot forever.
pub const MAX_REDIRECTS: u32 = 3;

/// How a bot gets into its lobby, with its link to the rest of its group.
pub(crate) enum LobbyAction {
    /// Create a private lobby and publish its code on `publish`.
    Create {
        max_players: u8,
        publish: watch::Sender<Option<String>>,
    },
    /// Wait for the group creator's code, then join it.
    Follow(watch::Receiver<Option<String>>),
    /// Join this code.
    Code(Arc<str>),
    Quick,
}

/// What every bot of a run shares.
pub(crate) struct RunCtx {
    /// `--url`'s node, where every bot connects first.
    pub home: Arc<Node>,
    /// Every node known so far (the home node and those redirected to),
    /// under the loopback rule of `--allow-remote`.
    pub nodes: Nodes,
    pub epoch: Instant,
    pub seed: u64,
    /// Chaos drops per bot per minute, if chaos is on.
    pub chaos: Option<f64>,
    /// The link conditioner; its worst-case hold extends every wait.
    pub link: LinkOptions,
    /// Inputs per message (`--input-batch`), 1 to 8.
    pub input_batch: usize,
    /// Idle bots (`--idle`): `Welcome`, then the menu until the end.
    pub idle: bool,
    /// The trust store of `wss://` URLs (`--ca` and webpki-roots).
    pub tls: tokio_rustls::TlsConnector,
    /// Mints each bot's session token (`--auth-secret`).
    pub auth: Option<crate::auth::BotAuth>,
    pub counters: Arc<Counters>,
}

impl RunCtx {
    /// What the link conditioner may add to a request and its answer, so
    /// every wait for the server gets it on top of its own timeout.
    pub(crate) fn slack(&self) -> Duration {
        self.link.round_trip_hold()
    }
}

/// One bot's plan.
pub(crate) struct BotSpec {
    pub index: u32,
    pub lobby: LobbyAction,
    pub start_at: Instant,
    pub play_end: Instant,
}

/// Runs one bot to its end and reports what it saw.
#[instrument(skip_all, fields(bot = spec.index))]
pub(crate) async fn run_bot<B: BotGame>(spec: BotSpec, ctx: Arc<RunCtx>) -> BotResult {
    sleep_until(spec.start_at).await;
    let result = connect_and_play::<B>(spec, &ctx).await;
    Counters::bump(&ctx.counters.finished);
    if let Some(reason) = result.failure {
        Counters::bump(&ctx.counters.failed);
        debug!(%reason, "bot failed");
    }
    result
}

async fn connect_and_play<B: BotGame>(spec: BotSpec, ctx: &RunCtx) -> BotResult {
    let mut session = Session::<B>::new(&spec, ctx);
    let deadline = (Instant::now() + STAGE_TIMEOUT).min(spec.play_end);
    match timeout_at(deadline, session.connect()).await {
        Ok(Ok(())) => {}
        Ok(Err(reason)) => return BotResult::failed(spec.index, reason),
        Err(_) => return BotResult::failed(spec.index, FailReason::Timeout(Stage::Connect)),
    }
    let connected_at = Instant::now();
    Counters::bump(&ctx.counters.connected);

    // Leaving, closing and what is still queued may each wait out the
    // conditioner's hold.
    let hard_deadline =
        spec.play_end + LEAVE_TIMEOUT + CLOSE_TIMEOUT + DEADLINE_SLACK + ctx.slack() * 3;
    let outcome = if ctx.idle {
        timeout_at(hard_deadline, session.idle()).await
    } else {
        timeout_at(hard_deadline, session.drive(spec.lobby)).await
    };
    let outcome = outcome.unwrap_or(Err(FailReason::Timeout(session.stage)));
    let ended_at = Instant::now();
    session.set_in_lobby(false);
    let recv = session.finish_reader().await;

    let mut result = BotResult::new(spec.index);
    let offline = session.offline.as_secs_f64();
    result.connected = true;
    result.welcomed = session.welcomed();
    result.idle = session.idle_to_end;
    result.connected_secs = ((ended_at - connected_at).as_secs_f64() - offline).max(0.0);
    if let Some(joined_at) = session.joined_at {
        result.joined = true;
        let lobby_end = session.lobby_end.unwrap_or(ended_at);
        let in_lobby = lobby_end.saturating_duration_since(joined_at).as_secs_f64();
        result.in_lobby_secs = (in_lobby - offline).max(0.0);
    }
    result.tick_hz = session.tick_hz;
    result.snapshot_hz = session.snapshot_hz;
    result.inputs_sent = session.inputs_sent;
    result.input_messages_sent = session.input_messages_sent;
    result.hitscan_shots = session.hitscan_shots;
    result.acks_sent = session.acks_sent;
    result.game_msgs_sent = session.game_msgs_sent;
    result.play_secs = session.play_secs;
    result.offline_secs = offline;
    result.bytes_up = session.sender.bytes_up;
    result.left_acknowledged = session.left_acknowledged;
    result.server_errors = session.server_errors;
    result.saw_shutdown = session.shutdown;
    result.resumes_attempted = session.resumes_attempted;
    result.resumes_succeeded = session.resumes_succeeded;
    std::mem::swap(&mut result.resume_us, &mut session.resume_us);
    result.redirects_followed = session.redirects_followed;
    result.redirects_failed = session.redirects_failed;
    std::mem::swap(&mut result.redirect_us, &mut session.redirect_us);
    result.node = session.on_node.clone();
    if let Ok(mut game) = session.game.lock() {
        let prediction = game.take_prediction();
        result.prediction_error = prediction.error;
        result.prediction_skipped = prediction.skipped;
        result.game = Some(game.counts());
    }
    result.failure = match (outcome, recv) {
        (Err(reason), Some(recv)) => {
            result.recv = recv;
            Some(reason)
        }
        // An idle bot is judged by its session alone: no lobby, no
        // snapshots expected.
        (Ok(()), Some(recv)) if ctx.idle => {
            result.recv = recv;
            None
        }
        (Ok(()), Some(recv)) => {
            result.recv = recv;
            let left = session.lobby_end.unwrap_or(ended_at);
            let left_us = left.saturating_duration_since(ctx.epoch).as_micros() as u64;
            // A conditioner stall (and jitter) widens gaps on purpose.
            let limit = stall_limit(session.snapshot_hz) + ctx.link.max_added_gap();
            match result.recv.longest_gap_us(left_us) {
                None => Some(FailReason::NoSnapshots),
                Some(gap) if gap > limit.as_micros() as u64 => Some(FailReason::Stalled),
                Some(_) => None,
            }
        }
        (_, None) => Some(FailReason::Panicked),
    };
    result
}

/// The longest gap between snapshots a bot accepts at `snapshot_hz`
/// snapshots a second: [`STALL_LIMIT`], or three snapshot periods when
/// snapshots are rarer than two a second.
fn stall_limit(snapshot_hz: Option<u16>) -> Duration {
    let period = Duration::from_secs(1) / u32::from(snapshot_hz.unwrap_or(1).max(1));
    STALL_LIMIT.max(period * 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stall_limit_grows_only_for_rare_snapshots() {
        assert_eq!(stall_limit(Some(30)), STALL_LIMIT);
        assert_eq!(stall_limit(Some(2)), STALL_LIMIT);
        assert_eq!(stall_limit(Some(1)), Duration::from_secs(3));
        assert_eq!(stall_limit(None), Duration::from_secs(3));
    }
}
