//! A bot's driver: it owns the write half and walks the session from
//! `Hello` through joining, playing and leaving to the close, answering the
//! events its reader forwards. Every wait has a deadline.
//!
//! Inputs go out on a tokio interval with `MissedTickBehavior::Skip`: when
//! the bot process falls behind (thousands of bots on one core), a real
//! client's frame loop would send the next input on the next frame, not a
//! burst of catch-up inputs; Burst would hand the server artificial bursts,
//! and Delay would let the schedule drift late for good. `seq` counts the
//! inputs actually sent, so it stays contiguous either way, and the report's
//! inputs-per-second shows when ticks were skipped.

use std::sync::Arc;
use std::time::Duration;

use rallypoint_shared::{ClientMsg, ErrorCode, JoinTarget, PROTOCOL_VERSION};
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior, interval_at, sleep_until, timeout_at};
use tracing::debug;

use super::{
    BotSpec, CLOSE_TIMEOUT, LEAVE_TIMEOUT, LobbyAction, PING_INTERVAL, RunCtx, STAGE_TIMEOUT,
};
use crate::acks::AckRing;
use crate::conn::Sender;
use crate::outcome::{FailReason, Stage};
use crate::progress::Counters;
use crate::reader::Event;
use crate::wander::Wander;

/// The driver's state for one connection; the fields the bot reads once
/// the session is over are `pub(super)`.
pub(super) struct Session<'a> {
    index: u32,
    play_end: Instant,
    ctx: &'a RunCtx,
    pub(super) sender: Sender,
    pub(super) events: mpsc::Receiver<Event>,
    acks: Arc<AckRing>,
    pub(super) stage: Stage,
    pub(super) tick_hz: Option<u16>,
    pub(super) joined_at: Option<Instant>,
    pub(super) lobby_end: Option<Instant>,
    pub(super) inputs_sent: u64,
    /// Seconds spent sending inputs.
    pub(super) play_secs: f64,
    pub(super) server_errors: u64,
    /// The latest `Error` code, blamed if the connection then closes.
    last_error: Option<ErrorCode>,
    pub(super) left_acknowledged: bool,
}

impl<'a> Session<'a> {
    pub(super) fn new(
        spec: &BotSpec,
        ctx: &'a RunCtx,
        sender: Sender,
        events: mpsc::Receiver<Event>,
        acks: Arc<AckRing>,
    ) -> Self {
        Self {
            index: spec.index,
            play_end: spec.play_end,
            ctx,
            sender,
            events,
            acks,
            stage: Stage::Welcome,
            tick_hz: None,
            joined_at: None,
            lobby_end: None,
            inputs_sent: 0,
            play_secs: 0.0,
            server_errors: 0,
            last_error: None,
            left_acknowledged: false,
        }
    }

    /// The whole session. Leaving and closing are best effort: once the
    /// bot has played, a missing `Left` is counted, not a failure.
    pub(super) async fn drive(&mut self, lobby: LobbyAction) -> Result<(), FailReason> {
        self.stage = Stage::Welcome;
        let name = format!("bot-{}", self.index);
        self.send(&ClientMsg::Hello {
            protocol_version: PROTOCOL_VERSION,
            name,
        })
        .await?;
        let tick_hz = self.await_welcome().await?;
        self.stage = Stage::Join;
        self.join(lobby).await?;
        self.stage = Stage::Play;
        let play_start = Instant::now();
        let played = self.play(tick_hz).await;
        self.play_secs = play_start.elapsed().as_secs_f64();
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

    async fn await_welcome(&mut self) -> Result<u16, FailReason> {
        let deadline = self.stage_deadline();
        let (version, tick_hz) = self
            .expect(deadline, |ev| match ev {
                Event::Welcome {
                    protocol_version,
                    tick_hz,
                } => Ok((protocol_version, tick_hz)),
                other => Err(other),
            })
            .await?;
        if version != PROTOCOL_VERSION {
            return Err(FailReason::ProtocolMismatch);
        }
        let tick_hz = tick_hz.max(1);
        self.tick_hz = Some(tick_hz);
        Ok(tick_hz)
    }

    async fn join(&mut self, lobby: LobbyAction) -> Result<(), FailReason> {
        let (request, publish) = match lobby {
            LobbyAction::Create {
                max_players,
                publish,
            } => {
                let name = format!("bots-{}", self.index);
                let create = ClientMsg::CreateLobby {
                    name,
                    max_players,
                    private: true,
                };
                (create, Some(publish))
            }
            LobbyAction::Follow(mut code) => {
                let code = match timeout_at(self.play_end, code.wait_for(Option::is_some)).await {
                    Ok(Ok(code)) => code.clone().unwrap_or_default(),
                    Ok(Err(_)) => return Err(FailReason::NoJoinCode),
                    Err(_) => return Err(FailReason::Timeout(Stage::Join)),
                };
                (ClientMsg::JoinLobby(JoinTarget::Code(code)), None)
            }
            LobbyAction::Code(code) => (
                ClientMsg::JoinLobby(JoinTarget::Code(code.to_string())),
                None,
            ),
            LobbyAction::Quick => (ClientMsg::QuickJoin, None),
        };
        self.send(&request).await?;
        let deadline = self.stage_deadline();
        let join_code = self
            .expect(deadline, |ev| match ev {
                Event::Joined { join_code } => Ok(join_code),
                other => Err(other),
            })
            .await?;
        self.joined_at = Some(Instant::now());
        Counters::bump(&self.ctx.counters.in_lobby);
        if let Some(publish) = publish {
            match join_code {
                Some(code) => {
                    publish.send_replace(Some(code));
                }
                // Dropping `publish` tells the followers there is no code.
                None => debug!("created lobby came without a join code"),
            }
        }
        Ok(())
    }

    async fn play(&mut self, tick_hz: u16) -> Result<(), FailReason> {
        let mut wander = Wander::new(self.ctx.seed, self.index, tick_hz);
        let start = Instant::now();
        let period = Duration::from_nanos(1_000_000_000 / u64::from(tick_hz));
        let mut inputs = interval_at(start, period);
        inputs.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let mut pings = interval_at(start, PING_INTERVAL);
        pings.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let end = sleep_until(self.play_end);
        tokio::pin!(end);
        let mut seq = 0u32;
        loop {
            tokio::select! {
                biased;
                () = &mut end => return Ok(()),
                event = self.events.recv() => match event {
                    Some(event) => self.on_event(event).await?,
                    None => return Err(self.closed_reason()),
                },
                _ = inputs.tick() => {
                    seq += 1;
                    let input = wander.next_input(seq);
                    self.acks.record(seq, self.now_us());
                    self.send(&ClientMsg::Input(input)).await?;
                    self.inputs_sent += 1;
                }
                _ = pings.tick() => {
                    let client_time = self.now_us();
                    self.send(&ClientMsg::Ping { client_time }).await?;
                }
            }
        }
    }

    async fn leave(&mut self) {
        if self.send(&ClientMsg::LeaveLobby).await.is_err() {
            self.lobby_end = Some(Instant::now());
            return;
        }
        let sent = Instant::now();
        self.lobby_end = Some(sent);
        let left = self
            .expect(sent + LEAVE_TIMEOUT, |ev| match ev {
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
        let deadline = Instant::now() + CLOSE_TIMEOUT;
        while let Ok(Some(_)) = timeout_at(deadline, self.events.recv()).await {}
    }

    /// Waits until `pick` takes an event, handling the others meanwhile.
    async fn expect<T>(
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
    async fn on_event(&mut self, event: Event) -> Result<(), FailReason> {
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
                    return Err(FailReason::ServerError(code));
                }
                self.server_errors += 1;
            }
            Event::Close(code) => {
                debug!(?code, "server closed the connection");
                let _ = self.sender.close(1000).await;
                return Err(self.closed_reason());
            }
            Event::Left if self.stage == Stage::Play => return Err(FailReason::LeftEarly),
            Event::Left | Event::Welcome { .. } | Event::Joined { .. } => {}
        }
        Ok(())
    }

    async fn send(&mut self, msg: &ClientMsg) -> Result<(), FailReason> {
        match self.sender.send(msg).await {
            Ok(()) => Ok(()),
            Err(err) => {
                debug!(%err, "send failed");
                Err(self.closed_reason())
            }
        }
    }

    /// Why the connection ended early: the server's last error, if any.
    fn closed_reason(&self) -> FailReason {
        self.last_error
            .map_or(FailReason::ClosedEarly, FailReason::ServerError)
    }

    fn stage_deadline(&self) -> Instant {
        (Instant::now() + STAGE_TIMEOUT).min(self.play_end)
    }

    fn now_us(&self) -> u64 {
        self.ctx.epoch.elapsed().as_micros() as u64
    }
}
