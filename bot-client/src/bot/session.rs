//! A bot's driver: it owns the write half and walks the session from
//! `Hello` through joining, playing and leaving to the close, answering the
//! events its reader forwards (pings included). Every wait has a deadline.
//! With chaos on it also drops the connection now and then and resumes the
//! session ([`resume`]); the event handling shared by every phase is in
//! [`events`], sampling and sending inputs in [`inputs`], and the idle
//! session of `--idle` (no lobby, no inputs) in [`idle`], getting
//! into a lobby in [`join`], and following a `Redirect` to the node of the
//! fleet that serves the lobby in [`redirect`]: from then on the session
//! lives on that node (inputs, pings, and a chaos resume). What it sends
//! each tick, its game's policy (`games`) says: a per-tick input (arena),
//! or an `Ack` of the newest view for a game without one (four), and now
//! and then a reliable game message (four's moves).
//!
//! Inputs are sampled on a tokio interval with `MissedTickBehavior::Skip`:
//! when the bot process falls behind (thousands of bots on one core), a
//! real client's frame loop would sample the next input on the next frame,
//! not a burst of catch-up inputs; Burst would hand the server artificial
//! bursts, and Delay would let the schedule drift late for good. `seq`
//! counts the inputs sampled, so it stays contiguous either way (but for
//! a batch lost in a chaos drop, see [`inputs`]), and the report's
//! inputs-per-second shows when ticks were skipped.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use hdrhistogram::Histogram;
use rallypoint_shared::{
    ClientMsg, EntityRef, ErrorCode, Input, LobbyId, PROTOCOL_VERSION, PlayerId, ResumeToken,
};
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior, interval_at, sleep_until, timeout_at};
use tracing::debug;

use super::{
    BotSpec, CHAOS_QUIET_END, CLOSE_TIMEOUT, LEAVE_TIMEOUT, LobbyAction, PING_INTERVAL, RunCtx,
};
use crate::acks::AckRing;
use crate::chaos::Chaos;
use crate::conn::Sender;
use crate::games::BotGame;
use crate::outcome::{FailReason, ResumeFail, Stage};
use crate::progress::Counters;
use crate::reader::{Event, ReaderHandle, RecvStats, micros_histogram};
use crate::target::Node;

mod events;
mod idle;
mod inputs;
mod join;
mod redirect;
mod resume;

/// The driver's state across every connection of the session; the fields
/// the bot reads once the session is over are `pub(super)`.
pub(super) struct Session<'a, B> {
    index: u32,
    play_end: Instant,
    /// The bot's connect slot: the link conditioner's stalls count from it.
    stall_epoch: Instant,
    ctx: &'a RunCtx,
    /// The node the session connects (and resumes) to: `--url`'s, until a
    /// `Redirect` names another.
    node: Arc<Node>,
    /// The URL of the node of the latest connection made.
    pub(super) on_node: Option<Arc<str>>,
    pub(super) sender: Sender,
    /// Events of the current connection's reader.
    events: mpsc::Receiver<Event>,
    /// The current connection's reader; `None` before the first connect
    /// and between a drop and the reconnect.
    reader: Option<ReaderHandle>,
    /// The statistics while no reader runs.
    parked: Option<RecvStats>,
    acks: Arc<AckRing>,
    /// The bot's game policy: the reader shows it views and events, the
    /// driver asks it each tick what to send. Locked for one call at a
    /// time, only by this bot's two tasks.
    pub(super) game: Arc<Mutex<B>>,
    pub(super) stage: Stage,
    pub(super) tick_hz: Option<u16>,
    /// From `Welcome`: snapshots a second in a lobby.
    pub(super) snapshot_hz: Option<u16>,
    /// From `Welcome`: who this session is, and the token to resume it.
    player: Option<PlayerId>,
    resume_token: Option<ResumeToken>,
    /// From the first `Joined`: where a resume must land.
    lobby: Option<(LobbyId, Option<EntityRef>)>,
    pub(super) joined_at: Option<Instant>,
    pub(super) lobby_end: Option<Instant>,
    /// Counted in the progress display's "in lobby" right now.
    in_lobby: bool,
    /// Highest input `seq` sampled.
    seq: u32,
    /// Inputs sampled and not sent yet: fewer than the batch size.
    batch: Vec<Input>,
    /// How many of them fire the instant-hit weapon.
    batch_hitscans: u64,
    /// The last tick acknowledged with `Ack` (games without input).
    last_ack: u32,
    /// `Ack` messages sent.
    pub(super) acks_sent: u64,
    /// Reliable game messages sent (`Game`).
    pub(super) game_msgs_sent: u64,
    pub(super) inputs_sent: u64,
    /// `Input` and `Inputs` messages sent.
    pub(super) input_messages_sent: u64,
    /// Inputs sent with `hitscan` set.
    pub(super) hitscan_shots: u64,
    /// Seconds spent sending inputs (time offline excluded).
    pub(super) play_secs: f64,
    pub(super) server_errors: u64,
    /// The latest `Error` code on this connection, blamed if it closes.
    last_error: Option<ErrorCode>,
    /// The status of the server's close frame on this connection.
    close_code: Option<u16>,
    /// The server announced `ShuttingDown`.
    pub(super) shutdown: bool,
    /// A snapshot has arrived since the last `Joined`. A chaos bot drops
    /// its connection only then, so that every stay in the lobby (the
    /// first, and each resume) gets its full snapshot before the next drop.
    pub(super) snapshot_seen: bool,
    pub(super) left_acknowledged: bool,
    chaos: Option<Chaos>,
    pub(super) resumes_attempted: u32,
    pub(super) resumes_succeeded: u32,
    /// Drop to first snapshot after the resume, µs.
    pub(super) resume_us: Histogram<u32>,
    /// `Redirect`s that got the bot to the next node, and those that did
    /// not (each fails the bot).
    pub(super) redirects_followed: u32,
    pub(super) redirects_failed: u32,
    /// Per redirected join: from the request to `Joined` on the node
    /// that seated the bot, µs.
    pub(super) redirect_us: Histogram<u32>,
    /// Total time from drops to the resumed `Joined`.
    pub(super) offline: Duration,
    /// Idle mode: the bot stayed in the menu to the end of its duration.
    pub(super) idle_to_end: bool,
}

impl<'a, B: BotGame> Session<'a, B> {
    /// A session not connected yet: [`Session::connect`] it.
    pub(super) fn new(spec: &BotSpec, ctx: &'a RunCtx) -> Self {
        Self {
            index: spec.index,
            stall_epoch: spec.start_at,
            play_end: spec.play_end,
            ctx,
            node: Arc::clone(&ctx.home),
            on_node: None,
            sender: Sender::new(),
            events: closed_events(),
            reader: None,
            parked: Some(RecvStats::new()),
            acks: Arc::new(AckRing::new()),
            game: Arc::new(Mutex::new(B::new(ctx.seed, spec.index))),
            stage: Stage::Connect,
            tick_hz: None,
            snapshot_hz: None,
            player: None,
            resume_token: None,
            lobby: None,
            joined_at: None,
            lobby_end: None,
            in_lobby: false,
            seq: 0,
            batch: Vec::with_capacity(ctx.input_batch),
            batch_hitscans: 0,
            last_ack: 0,
            acks_sent: 0,
            game_msgs_sent: 0,
            inputs_sent: 0,
            input_messages_sent: 0,
            hitscan_shots: 0,
            play_secs: 0.0,
            server_errors: 0,
            last_error: None,
            close_code: None,
            shutdown: false,
            snapshot_seen: false,
            left_acknowledged: false,
            chaos: ctx.chaos.map(|rate| Chaos::new(ctx.seed, spec.index, rate)),
            resumes_attempted: 0,
            resumes_succeeded: 0,
            resume_us: micros_histogram(),
            redirects_followed: 0,
            redirects_failed: 0,
            redirect_us: micros_histogram(),
            offline: Duration::ZERO,
            idle_to_end: false,
        }
    }

    /// Whether `Welcome` arrived (on the first connection; a redirect's
    /// node welcomes the bot again).
    pub(super) fn welcomed(&self) -> bool {
        self.player.is_some()
    }

    /// The whole session. Leaving and closing are best effort: once the
    /// bot has played, a missing `Left` is counted, not a failure.
    pub(super) async fn drive(&mut self, lobby: LobbyAction) -> Result<(), FailReason> {
        let tick_hz = self.hello().await?;
        self.stage = Stage::Join;
        self.join(lobby).await?;
        // A redirect's node welcomed the bot with its own rate.
        let tick_hz = self.tick_hz.unwrap_or(tick_hz);
        self.stage = Stage::Play;
        let play_start = Instant::now();
        let played = self.play(tick_hz).await;
        let playing = play_start.elapsed().saturating_sub(self.offline);
        self.play_secs = playing.as_secs_f64();
        if let Err(reason) = played {
            self.lobby_end = Some(Instant::now());
            return Err(reason);
        }
        self.stage = Stage::Leave;
        self.leave().await;
        self.stage = Stage::Close;
        self.close().await;
        Ok(())
    }

    /// Says `Hello` (with the bot's name: the same on every node) and
    /// waits for `Welcome`, which starts a new session; returns the tick
    /// rate.
    async fn hello(&mut self) -> Result<u16, FailReason> {
        self.stage = Stage::Welcome;
        let name = format!("bot-{}", self.index);
        // With --auth-secret, a token of its own (the server then takes the
        // name from it); a token that cannot be made is left out, and the
        // server's AuthFailed says so.
        let token = self
            .ctx
            .auth
            .as_ref()
            .and_then(|a| a.token(self.index).ok());
        self.send(&ClientMsg::Hello {
            protocol_version: PROTOCOL_VERSION,
            name,
            token,
        })
        .await?;
        self.welcome(self.stage_deadline(), None).await
    }

    /// Waits for `Welcome` and keeps its player id, resume token and
    /// rates. On a resume (`same_as`), the player id must be the dropped
    /// session's. Returns the tick rate.
    async fn welcome(
        &mut self,
        deadline: Instant,
        same_as: Option<PlayerId>,
    ) -> Result<u16, FailReason> {
        let (player, version, (tick_hz, snapshot_hz), token) = self
            .expect(deadline, |ev| match ev {
                Event::Welcome {
                    player,
                    protocol_version,
                    tick_hz,
                    snapshot_hz,
                    resume_token,
                } => Ok((
                    player,
                    protocol_version,
                    (tick_hz, snapshot_hz),
                    resume_token,
                )),
                other => Err(other),
            })
            .await?;
        if version != PROTOCOL_VERSION {
            return Err(FailReason::ProtocolMismatch);
        }
        if same_as.is_some_and(|before| before != player) {
            return Err(FailReason::Resume(ResumeFail::PlayerChanged));
        }
        self.player = Some(player);
        self.resume_token = Some(token);
        let tick_hz = tick_hz.max(1);
        self.tick_hz = Some(tick_hz);
        self.snapshot_hz = Some(snapshot_hz.max(1));
        Ok(tick_hz)
    }

    async fn play(&mut self, tick_hz: u16) -> Result<(), FailReason> {
        let start = Instant::now();
        let period = Duration::from_nanos(1_000_000_000 / u64::from(tick_hz));
        let mut inputs = interval_at(start, period);
        inputs.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let mut pings = interval_at(start, PING_INTERVAL);
        pings.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let end = sleep_until(self.play_end);
        tokio::pin!(end);
        let mut next_drop = self.next_drop(start);
        let chaos = sleep_until(next_drop.unwrap_or(self.play_end));
        tokio::pin!(chaos);
        loop {
            tokio::select! {
                biased;
                () = &mut end => return Ok(()),
                event = self.events.recv() => match event {
                    Some(event) => self.on_event(event).await?,
                    None => return Err(self.closed_reason()),
                },
                () = &mut chaos, if next_drop.is_some() && self.snapshot_seen && !self.shutdown => {
                    self.drop_and_resume().await?;
                    next_drop = self.next_drop(Instant::now());
                    if let Some(at) = next_drop {
                        chaos.as_mut().reset(at);
                    }
                }
                _ = inputs.tick() => self.on_tick().await?,
                _ = pings.tick() => {
                    let client_time = self.now_us();
                    self.send(&ClientMsg::Ping { client_time }).await?;
                }
            }
        }
    }

    /// When to drop the connection next, counting from `from`; `None` when
    /// chaos is off or the drop would come too close to the end of play.
    fn next_drop(&mut self, from: Instant) -> Option<Instant> {
        let gap = self.chaos.as_mut()?.next_gap();
        from.checked_add(gap)
            .filter(|&at| at + CHAOS_QUIET_END < self.play_end)
    }

    async fn leave(&mut self) {
        if self.send(&ClientMsg::LeaveLobby).await.is_err() {
            self.lobby_end = Some(Instant::now());
            return;
        }
        let sent = Instant::now();
        self.lobby_end = Some(sent);
        let left = self
            .expect(sent + LEAVE_TIMEOUT + self.ctx.slack(), |ev| match ev {
                Event::Left => Ok(()),
                other => Err(other),
            })
            .await;
        match left {
            Ok(()) => {
                self.left_acknowledged = true;
                self.lobby_end = Some(Instant::now());
            }
            Err(reason) => debug!(%reason, "leave not acknowledged"),
        }
    }

    /// Sends close 1000 and waits (bounded) for the server's close, which
    /// ends the reader and so the event channel.
    async fn close(&mut self) {
        if self.sender.close(1000).await.is_err() {
            return;
        }
        let deadline = Instant::now() + CLOSE_TIMEOUT + self.ctx.slack();
        while let Ok(Some(_)) = timeout_at(deadline, self.events.recv()).await {}
    }

    /// Keeps the progress display's "in lobby" count right.
    pub(super) fn set_in_lobby(&mut self, in_lobby: bool) {
        if in_lobby != self.in_lobby {
            self.in_lobby = in_lobby;
            if in_lobby {
                Counters::bump(&self.ctx.counters.in_lobby);
            } else {
                Counters::drop_one(&self.ctx.counters.in_lobby);
            }
        }
    }
}

/// An event channel that is already closed, for the time without a
/// connection.
fn closed_events() -> mpsc::Receiver<Event> {
    mpsc::channel(1).1
}
