//! A bot's read half, in its own task: reads every frame, decodes server
//! messages, keeps the receive-side statistics (snapshots, bytes, RTT,
//! snapshot intervals, input acknowledgement, the bot's own score) and
//! forwards the few protocol events the driver acts on over a small
//! channel, WebSocket pings included: the driver owns the write half, so
//! it sends the pongs.
//!
//! One reader runs per connection; the statistics outlive it. When a
//! `--chaos` bot drops its connection, the driver stops the reader, takes
//! the statistics back and hands them to the reader of the resumed
//! connection, so every number covers the bot's whole session.
//!
//! `read_frame` is not cancel-safe, so it is never raced against anything
//! inside the loop. The loop as a whole is dropped only when the bot is done
//! with the connection for good, so a half-read frame lost then is never
//! needed.
//!
//! [`stats`] holds the statistics and turns each message into the event
//! the driver needs, if any; [`deltas`] rebuilds the world from delta
//! snapshots and measures what they save. This module runs the task around
//! them, and feeds `Welcome`, `Joined` and the bot's own player in each
//! applied snapshot to the bot's [`Predictor`]. With the link conditioner
//! on, frames come from its inbound delay line (a pump task reads the
//! socket) instead of straight off the socket.

use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use fastwebsockets::{Frame, OpCode};
use rallypoint_shared::{
    EntityId, ErrorCode, LobbyId, PlayerId, ResumeToken, ServerMsg, decode_server,
};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep_until};
use tracing::{Instrument, debug};

use crate::acks::AckRing;
use crate::conn::WsReader;
use crate::link::{Delays, PumpLine, spawn_pump};
use crate::predict::{Own, Predictor};
use crate::progress::Counters;

mod deltas;
mod stats;

pub use deltas::FULL_EQUIVALENT_EVERY;
pub(crate) use stats::{RecvStats, Score, micros_histogram};

/// Protocol events the driver acts on. Snapshots and pongs never become
/// events (the reader measures them itself), except the first snapshot
/// applied after each `Joined`, which ends a resume.
#[derive(Debug)]
pub(crate) enum Event {
    Welcome {
        player: PlayerId,
        protocol_version: u16,
        tick_hz: u16,
        snapshot_hz: u16,
        resume_token: ResumeToken,
    },
    Joined {
        lobby: LobbyId,
        entity: EntityId,
        join_code: Option<String>,
    },
    /// The first snapshot applied since the last `Joined`, received at
    /// `at_us` (µs since the run's epoch), with the bot's own score in it,
    /// if its entity was in the score table.
    FirstSnapshot {
        at_us: u64,
        score: Option<Score>,
    },
    Left,
    Error(ErrorCode),
    /// The server is draining and will close the connection.
    ShuttingDown {
        drain_secs: u16,
    },
    /// A WebSocket ping the driver must answer.
    Ping(Vec<u8>),
    /// The server's close frame, with its status code if any. Last event.
    Close(Option<u16>),
}

/// What the reader shares with the rest of the run.
pub(crate) struct ReaderCtx {
    pub epoch: Instant,
    pub acks: Arc<AckRing>,
    pub counters: Arc<Counters>,
    /// The bot's predictor, shared with the driver (which adds inputs).
    pub predictor: Arc<Mutex<Predictor>>,
    /// The inbound delay line's due times, when the conditioner is on.
    pub link: Option<Delays>,
}

impl ReaderCtx {
    fn now_us(&self) -> u64 {
        self.epoch.elapsed().as_micros() as u64
    }
}

/// The running reader task. Dropping it aborts the task.
pub(crate) struct ReaderHandle {
    join: JoinHandle<RecvStats>,
    stop: Option<oneshot::Sender<()>>,
}

impl ReaderHandle {
    /// Stops the reader (if still running) and returns its statistics;
    /// `None` only if the reader panicked.
    pub(crate) async fn finish(mut self) -> Option<RecvStats> {
        drop(self.stop.take());
        (&mut self.join).await.ok()
    }
}

impl Drop for ReaderHandle {
    fn drop(&mut self) {
        self.join.abort();
    }
}

/// Starts the reader task for `ws`, adding to `stats` and sending events
/// on `events`.
pub(crate) fn spawn(
    ws: WsReader,
    events: mpsc::Sender<Event>,
    ctx: ReaderCtx,
    stats: RecvStats,
) -> ReaderHandle {
    let (stop_tx, stop_rx) = oneshot::channel();
    let join = tokio::spawn(reader_task(ws, events, stop_rx, ctx, stats).in_current_span());
    ReaderHandle {
        join,
        stop: Some(stop_tx),
    }
}

async fn reader_task(
    ws: WsReader,
    events: mpsc::Sender<Event>,
    stop: oneshot::Receiver<()>,
    mut ctx: ReaderCtx,
    mut stats: RecvStats,
) -> RecvStats {
    let read = async {
        match ctx.link.take() {
            Some(delays) => {
                let mut line = spawn_pump(ws, delays);
                read_delayed(&mut line, &mut stats, &events, &ctx).await
            }
            None => read_loop(ws, &mut stats, &events, &ctx).await,
        }
    };
    tokio::select! {
        end = read => debug!(end, "reader done"),
        // Sent or dropped: the driver is finished with this connection.
        _ = stop => {}
    }
    stats
}

/// Reads until the connection ends; returns why, for the log.
async fn read_loop(
    mut ws: WsReader,
    stats: &mut RecvStats,
    events: &mpsc::Sender<Event>,
    ctx: &ReaderCtx,
) -> &'static str {
    // Auto-close and auto-pong are off, so the reader never owes a write.
    let mut no_writes = |_: Frame<'_>| std::future::ready(Ok::<(), Infallible>(()));
    loop {
        let frame = match ws.read_frame(&mut no_writes).await {
            Ok(frame) => frame,
            Err(err) => {
                debug!(%err, "read failed");
                return "read error";
            }
        };
        if let Some(end) = on_frame(frame.opcode, &frame.payload, stats, events, ctx).await {
            return end;
        }
    }
}

/// Takes each frame off the inbound delay line at its due time, until the
/// pump ends (after the close frame or a read error).
async fn read_delayed(
    line: &mut PumpLine,
    stats: &mut RecvStats,
    events: &mpsc::Sender<Event>,
    ctx: &ReaderCtx,
) -> &'static str {
    while let Some((due, frame)) = line.frames.recv().await {
        sleep_until(due).await;
        if let Some(end) = on_frame(frame.opcode, &frame.payload, stats, events, ctx).await {
            return end;
        }
    }
    "read error"
}

/// Handles one frame; `Some(why)` when it ends the connection.
async fn on_frame(
    opcode: OpCode,
    payload: &[u8],
    stats: &mut RecvStats,
    events: &mpsc::Sender<Event>,
    ctx: &ReaderCtx,
) -> Option<&'static str> {
    let event = match opcode {
        OpCode::Binary => {
            stats.bytes_down += payload.len() as u64;
            match decode_server(payload) {
                Ok(msg) => {
                    let is_snapshot = matches!(msg, ServerMsg::Snapshot(_));
                    prepare_predictor(&ctx.predictor, &msg);
                    let outcome = stats.on_message(msg, payload.len(), ctx.now_us(), &ctx.acks);
                    if is_snapshot {
                        ctx.counters.snapshots.fetch_add(1, Ordering::Relaxed);
                    }
                    if let Some(own) = outcome.own {
                        predict(&ctx.predictor, own);
                    }
                    outcome.event
                }
                Err(err) => {
                    debug!(%err, "undecodable message skipped");
                    stats.undecodable += 1;
                    None
                }
            }
        }
        OpCode::Text => {
            // The protocol is binary only; tolerate and count.
            stats.bytes_down += payload.len() as u64;
            stats.undecodable += 1;
            None
        }
        OpCode::Ping => Some(Event::Ping(payload.to_vec())),
        OpCode::Close => {
            let code = payload.get(..2).map(|b| u16::from_be_bytes([b[0], b[1]]));
            let _ = events.send(Event::Close(code)).await;
            return Some("server closed");
        }
        OpCode::Pong | OpCode::Continuation => None,
    };
    // A closed channel means the driver is finishing; keep reading
    // until it stops this task, so the statistics stay complete.
    if let Some(event) = event {
        let _ = events.send(event).await;
    }
    None
}

/// Gives the predictor the tick rate and the map it predicts with.
fn prepare_predictor(predictor: &Mutex<Predictor>, msg: &ServerMsg) {
    // Only these two matter, and the lock is not free on every snapshot.
    if !matches!(msg, ServerMsg::Welcome { .. } | ServerMsg::Joined { .. }) {
        return;
    }
    // A poisoned lock means the driver panicked; the bot is failing anyway.
    let Ok(mut predictor) = predictor.lock() else {
        return;
    };
    match msg {
        ServerMsg::Welcome { tick_hz, .. } => predictor.on_welcome(*tick_hz),
        ServerMsg::Joined { map, entity, .. } => predictor.on_joined(map.clone(), *entity),
        _ => {}
    }
}

/// Rebases the predictor on the bot's own player in an applied snapshot.
fn predict(predictor: &Mutex<Predictor>, own: Own) {
    if let Ok(mut predictor) = predictor.lock() {
        predictor.on_snapshot(own);
    }
}
