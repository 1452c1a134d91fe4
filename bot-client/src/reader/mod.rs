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
//! [`stats`] holds the statistics; [`deltas`] rebuilds the game's state
//! from delta snapshots and measures what they save; [`client`] turns each
//! message into the event the driver needs, if any, and shows the bot's
//! game policy (`games`) what it needs: `Welcome`, `Joined`'s game info,
//! every applied view and the game's events. This module runs the task
//! around them, generic over the game. With the link conditioner on,
//! frames come from its inbound delay line (a pump task reads the socket)
//! instead of straight off the socket.

use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use fastwebsockets::{Frame, OpCode};
use rallypoint_shared::{
    EntityRef, ErrorCode, LobbyId, PlayerId, ResumeToken, ServerMsg, decode_server,
};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep_until};
use tracing::{Instrument, debug};

use crate::acks::AckRing;
use crate::conn::WsReader;
use crate::games::{BotGame, Score};
use crate::link::{Delays, PumpLine, spawn_pump};
use crate::progress::Counters;

mod client;
mod deltas;
mod stats;

use client::Client;
pub use deltas::FULL_EQUIVALENT_EVERY;
#[cfg(test)]
pub(crate) use deltas::Views;
pub(crate) use stats::{RecvStats, micros_histogram};

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
        /// The game the lobby plays.
        game: String,
        avatar: Option<EntityRef>,
        join_code: Option<String>,
    },
    /// The first snapshot applied since the last `Joined`, received at
    /// `at_us` (µs since the run's epoch), with the bot's own score in it,
    /// if its game found it there.
    FirstSnapshot {
        at_us: u64,
        score: Option<Score>,
    },
    /// Another node of the fleet serves the join: go there with `ticket`.
    Redirect {
        /// The node's id in the fleet, for the log.
        node: String,
        url: String,
        ticket: Vec<u8>,
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
pub(crate) struct ReaderCtx<B> {
    pub epoch: Instant,
    pub acks: Arc<AckRing>,
    pub counters: Arc<Counters>,
    /// The bot's game policy, shared with the driver (which asks it what
    /// to send each tick).
    pub game: Arc<Mutex<B>>,
    /// The inbound delay line's due times, when the conditioner is on.
    pub link: Option<Delays>,
}

impl<B> ReaderCtx<B> {
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
pub(crate) fn spawn<B: BotGame>(
    ws: WsReader,
    events: mpsc::Sender<Event>,
    ctx: ReaderCtx<B>,
    stats: RecvStats,
) -> ReaderHandle {
    let (stop_tx, stop_rx) = oneshot::channel();
    let join = tokio::spawn(reader_task(ws, events, stop_rx, ctx, stats).in_current_span());
    ReaderHandle {
        join,
        stop: Some(stop_tx),
    }
}

async fn reader_task<B: BotGame>(
    ws: WsReader,
    events: mpsc::Sender<Event>,
    stop: oneshot::Receiver<()>,
    mut ctx: ReaderCtx<B>,
    stats: RecvStats,
) -> RecvStats {
    let mut reader = Reader {
        client: Client::new(Arc::clone(&ctx.game)),
        stats,
    };
    let read = async {
        match ctx.link.take() {
            Some(delays) => {
                let mut line = spawn_pump(ws, delays);
                read_delayed(&mut line, &mut reader, &events, &ctx).await
            }
            None => read_loop(ws, &mut reader, &events, &ctx).await,
        }
    };
    tokio::select! {
        end = read => debug!(end, "reader done"),
        // Sent or dropped: the driver is finished with this connection.
        _ = stop => {}
    }
    reader.stats
}

/// One connection's reader state: the game side and the statistics.
struct Reader<B: BotGame> {
    client: Client<B>,
    stats: RecvStats,
}

/// Reads until the connection ends; returns why, for the log.
async fn read_loop<B: BotGame>(
    mut ws: WsReader,
    reader: &mut Reader<B>,
    events: &mpsc::Sender<Event>,
    ctx: &ReaderCtx<B>,
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
        if let Some(end) = on_frame(frame.opcode, &frame.payload, reader, events, ctx).await {
            return end;
        }
    }
}

/// Takes each frame off the inbound delay line at its due time, until the
/// pump ends (after the close frame or a read error).
async fn read_delayed<B: BotGame>(
    line: &mut PumpLine,
    reader: &mut Reader<B>,
    events: &mpsc::Sender<Event>,
    ctx: &ReaderCtx<B>,
) -> &'static str {
    while let Some((due, frame)) = line.frames.recv().await {
        sleep_until(due).await;
        if let Some(end) = on_frame(frame.opcode, &frame.payload, reader, events, ctx).await {
            return end;
        }
    }
    "read error"
}

/// Handles one frame; `Some(why)` when it ends the connection.
async fn on_frame<B: BotGame>(
    opcode: OpCode,
    payload: &[u8],
    reader: &mut Reader<B>,
    events: &mpsc::Sender<Event>,
    ctx: &ReaderCtx<B>,
) -> Option<&'static str> {
    let stats = &mut reader.stats;
    let event = match opcode {
        OpCode::Binary => {
            stats.bytes_down += payload.len() as u64;
            match decode_server(payload) {
                Ok(msg) => {
                    if matches!(msg, ServerMsg::Snapshot(_)) {
                        ctx.counters.snapshots.fetch_add(1, Ordering::Relaxed);
                    }
                    let (len, now_us) = (payload.len(), ctx.now_us());
                    (reader.client).on_message(msg, len, now_us, stats, &ctx.acks)
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
