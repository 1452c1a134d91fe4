//! One bot: waits for its ramp slot, connects, starts its reader, hands
//! the write half to its [`session`] driver under a hard deadline, and turns
//! what both halves measured into a [`BotResult`]. The timeouts every bot
//! lives by are named here.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, sleep_until, timeout_at};
use tracing::{debug, instrument};

use crate::acks::AckRing;
use crate::conn::{self, ConnectError};
use crate::options::Target;
use crate::outcome::{BotResult, FailReason, Stage};
use crate::progress::Counters;

use crate::reader::{self, ReaderCtx};

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
/// failed (`snapshots_stalled`). Default: 2 s, 60 missed ticks at 30 Hz:
/// far beyond any jitter, so it only catches a server (or a bot process)
/// that stopped delivering.
pub(crate) const STALL_LIMIT: Duration = Duration::from_secs(2);
/// How often a bot pings. Default: 1 s.
pub(crate) const PING_INTERVAL: Duration = Duration::from_secs(1);
/// Capacity of the reader-to-driver event channel. Default: 16; events
/// are rare (snapshots and pongs never become events).
const EVENT_QUEUE: usize = 16;

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
    pub addr: std::net::SocketAddr,
    pub target: Target,
    pub epoch: Instant,
    pub seed: u64,
    pub counters: Arc<Counters>,
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
pub(crate) async fn run_bot(spec: BotSpec, ctx: Arc<RunCtx>) -> BotResult {
    sleep_until(spec.start_at).await;
    let result = connect_and_play(spec, &ctx).await;
    Counters::bump(&ctx.counters.finished);
    if let Some(reason) = result.failure {
        Counters::bump(&ctx.counters.failed);
        debug!(%reason, "bot failed");
    }
    result
}

async fn connect_and_play(spec: BotSpec, ctx: &RunCtx) -> BotResult {
    let deadline = (Instant::now() + STAGE_TIMEOUT).min(spec.play_end);
    let (ws_read, sender) = match timeout_at(deadline, conn::connect(ctx.addr, &ctx.target)).await {
        Ok(Ok(halves)) => halves,
        Ok(Err(err)) => {
            debug!(%err, "connect failed");
            let reason = match err {
                ConnectError::Tcp(_) => FailReason::Connect,
                _ => FailReason::Handshake,
            };
            return BotResult::failed(spec.index, reason);
        }
        Err(_) => return BotResult::failed(spec.index, FailReason::Timeout(Stage::Connect)),
    };
    let connected_at = Instant::now();
    Counters::bump(&ctx.counters.connected);

    let acks = Arc::new(AckRing::new());
    let (events_tx, events) = mpsc::channel(EVENT_QUEUE);
    let reader = reader::spawn(
        ws_read,
        events_tx,
        ReaderCtx {
            epoch: ctx.epoch,
            acks: Arc::clone(&acks),
            counters: Arc::clone(&ctx.counters),
        },
    );
    let mut session = Session::new(&spec, ctx, sender, events, acks);
    let hard_deadline = spec.play_end + LEAVE_TIMEOUT + CLOSE_TIMEOUT + DEADLINE_SLACK;
    let outcome = match timeout_at(hard_deadline, session.drive(spec.lobby)).await {
        Ok(outcome) => outcome,
        Err(_) => Err(FailReason::Timeout(session.stage)),
    };
    let ended_at = Instant::now();
    if session.joined_at.is_some() {
        Counters::drop_one(&ctx.counters.in_lobby);
    }
    drop(session.events); // The reader may be blocked on a full channel.
    let recv = reader.finish().await;

    let mut result = BotResult::new(spec.index);
    result.connected = true;
    result.connected_secs = (ended_at - connected_at).as_secs_f64();
    if let Some(joined_at) = session.joined_at {
        result.joined = true;
        let lobby_end = session.lobby_end.unwrap_or(ended_at);
        result.in_lobby_secs = lobby_end.saturating_duration_since(joined_at).as_secs_f64();
    }
    result.tick_hz = session.tick_hz;
    result.inputs_sent = session.inputs_sent;
    result.play_secs = session.play_secs;
    result.bytes_up = session.sender.bytes_up;
    result.left_acknowledged = session.left_acknowledged;
    result.server_errors = session.server_errors;
    result.failure = match (outcome, recv) {
        (Err(reason), Some(recv)) => {
            result.recv = recv;
            Some(reason)
        }
        (Ok(()), Some(recv)) => {
            result.recv = recv;
            let us = |t: Instant| t.saturating_duration_since(ctx.epoch).as_micros() as u64;
            let joined = session.joined_at.map_or(0, us);
            let left = us(session.lobby_end.unwrap_or(ended_at));
            match result.recv.longest_gap_us(joined, left) {
                None => Some(FailReason::NoSnapshots),
                Some(gap) if gap > STALL_LIMIT.as_micros() as u64 => Some(FailReason::Stalled),
                Some(_) => None,
            }
        }
        (_, None) => Some(FailReason::Panicked),
    };
    result
}
