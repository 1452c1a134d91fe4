//! A bot's read half, in its own task: reads every frame, decodes server
//! messages, keeps the receive-side statistics (snapshots, bytes, RTT,
//! snapshot intervals, input acknowledgement) and forwards the few
//! protocol events the driver acts on over a small channel.
//!
//! `read_frame` is not cancel-safe, so it is never raced against anything
//! inside the loop. The loop as a whole is dropped only when the bot is done
//! with the connection for good, so a half-read frame lost then is never
//! needed.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use fastwebsockets::{Frame, OpCode};
use hdrhistogram::Histogram;
use rallypoint_shared::{ErrorCode, ServerMsg, decode_server};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tracing::{Instrument, debug};

use crate::acks::{ACK_RING, AckRing};
use crate::conn::WsReader;
use crate::progress::Counters;

/// Protocol events the driver acts on. Snapshots and pongs never become
/// events: the reader measures them itself.
#[derive(Debug)]
pub(crate) enum Event {
    Welcome {
        protocol_version: u16,
        tick_hz: u16,
    },
    Joined {
        join_code: Option<String>,
    },
    Left,
    Error(ErrorCode),
    /// A WebSocket ping the driver must answer.
    Ping(Vec<u8>),
    /// The server's close frame, with its status code if any. Last event.
    Close(Option<u16>),
}

/// A histogram of microseconds: 2 significant digits (1% resolution) and
/// auto-resizing, so an idle one is tiny and a busy one a few KiB.
pub(crate) fn micros_histogram() -> Histogram<u32> {
    Histogram::new(2).expect("2 significant digits is a valid histogram precision")
}

/// Receive-side statistics of one bot. Times are µs since the run's epoch.
#[derive(Debug)]
pub(crate) struct RecvStats {
    pub snapshots: u64,
    /// WebSocket payload bytes of data frames received.
    pub bytes_down: u64,
    /// Messages that did not decode (e.g. from a newer server); skipped.
    pub undecodable: u64,
    pub rtt_us: Histogram<u32>,
    pub snapshot_interval_us: Histogram<u32>,
    pub input_ack_us: Histogram<u32>,
    first_snapshot_us: Option<u64>,
    last_snapshot_us: Option<u64>,
    acked_seq: u32,
}

impl RecvStats {
    pub(crate) fn new() -> Self {
        Self {
            snapshots: 0,
            bytes_down: 0,
            undecodable: 0,
            rtt_us: micros_histogram(),
            snapshot_interval_us: micros_histogram(),
            input_ack_us: micros_histogram(),
            first_snapshot_us: None,
            last_snapshot_us: None,
            acked_seq: 0,
        }
    }

    /// A snapshot arrived at `now_us` acknowledging inputs up to
    /// `last_input_seq`: times every newly acknowledged input still in the
    /// ring.
    pub(crate) fn on_snapshot(&mut self, now_us: u64, last_input_seq: u32, acks: &AckRing) {
        self.snapshots += 1;
        self.first_snapshot_us.get_or_insert(now_us);
        if let Some(prev) = self.last_snapshot_us.replace(now_us) {
            record(&mut self.snapshot_interval_us, now_us.saturating_sub(prev));
        }
        if last_input_seq > self.acked_seq {
            let oldest = last_input_seq.saturating_sub(ACK_RING as u32 - 1);
            for seq in (self.acked_seq + 1).max(oldest)..=last_input_seq {
                if let Some(sent) = acks.sent_at(seq) {
                    record(&mut self.input_ack_us, now_us.saturating_sub(sent));
                }
            }
            self.acked_seq = last_input_seq;
        }
    }

    /// The longest time without a snapshot while in the lobby from
    /// `joined_us` to `left_us`: before the first, between two, or after
    /// the last. `None` when no snapshot came at all.
    pub(crate) fn longest_gap_us(&self, joined_us: u64, left_us: u64) -> Option<u64> {
        let first = self.first_snapshot_us?;
        let last = self.last_snapshot_us?;
        let between = if self.snapshot_interval_us.is_empty() {
            0
        } else {
            self.snapshot_interval_us.max()
        };
        Some(
            first
                .saturating_sub(joined_us)
                .max(between)
                .max(left_us.saturating_sub(last)),
        )
    }

    /// A pong for the ping sent at `client_time` arrived at `now_us`.
    pub(crate) fn on_pong(&mut self, now_us: u64, client_time: u64) {
        if client_time <= now_us {
            record(&mut self.rtt_us, now_us - client_time);
        }
    }

    /// Measures `msg`, and returns the event the driver needs, if any.
    fn on_message(&mut self, msg: ServerMsg, now_us: u64, acks: &AckRing) -> Option<Event> {
        match msg {
            ServerMsg::Snapshot(s) => {
                self.on_snapshot(now_us, s.last_input_seq, acks);
                None
            }
            ServerMsg::Pong { client_time, .. } => {
                self.on_pong(now_us, client_time);
                None
            }
            ServerMsg::Welcome {
                protocol_version,
                tick_hz,
                ..
            } => Some(Event::Welcome {
                protocol_version,
                tick_hz,
            }),
            ServerMsg::Joined { join_code, .. } => Some(Event::Joined { join_code }),
            ServerMsg::Left => Some(Event::Left),
            ServerMsg::Error { code, message } => {
                debug!(?code, message, "server error");
                Some(Event::Error(code))
            }
            ServerMsg::LobbyList { .. } | ServerMsg::Roster { .. } => None,
        }
    }
}

fn record(h: &mut Histogram<u32>, value: u64) {
    // Auto-resizing histograms only refuse a value they cannot allocate
    // for; losing one sample then is the right trade.
    let _ = h.record(value);
}

/// What the reader shares with the rest of the run.
pub(crate) struct ReaderCtx {
    pub epoch: Instant,
    pub acks: Arc<AckRing>,
    pub counters: Arc<Counters>,
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

/// Starts the reader task for `ws`, sending events on `events`.
pub(crate) fn spawn(ws: WsReader, events: mpsc::Sender<Event>, ctx: ReaderCtx) -> ReaderHandle {
    let (stop_tx, stop_rx) = oneshot::channel();
    let join = tokio::spawn(reader_task(ws, events, stop_rx, ctx).in_current_span());
    ReaderHandle {
        join,
        stop: Some(stop_tx),
    }
}

async fn reader_task(
    mut ws: WsReader,
    events: mpsc::Sender<Event>,
    stop: oneshot::Receiver<()>,
    ctx: ReaderCtx,
) -> RecvStats {
    let mut stats = RecvStats::new();
    tokio::select! {
        end = read_loop(&mut ws, &mut stats, &events, &ctx) => debug!(end, "reader done"),
        // Sent or dropped: the driver is finished with this connection.
        _ = stop => {}
    }
    stats
}

/// Reads until the connection ends; returns why, for the log.
async fn read_loop(
    ws: &mut WsReader,
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
        let event = match frame.opcode {
            OpCode::Binary => {
                stats.bytes_down += frame.payload.len() as u64;
                match decode_server(&frame.payload) {
                    Ok(msg) => {
                        let is_snapshot = matches!(msg, ServerMsg::Snapshot(_));
                        let event = stats.on_message(msg, ctx.now_us(), &ctx.acks);
                        if is_snapshot {
                            ctx.counters.snapshots.fetch_add(1, Ordering::Relaxed);
                        }
                        event
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
                stats.bytes_down += frame.payload.len() as u64;
                stats.undecodable += 1;
                None
            }
            OpCode::Ping => Some(Event::Ping(frame.payload.into())),
            OpCode::Close => {
                let code = frame
                    .payload
                    .get(..2)
                    .map(|b| u16::from_be_bytes([b[0], b[1]]));
                let _ = events.send(Event::Close(code)).await;
                return "server closed";
            }
            OpCode::Pong | OpCode::Continuation => None,
        };
        // A closed channel means the driver is finishing; keep reading
        // until it stops this task, so the statistics stay complete.
        if let Some(event) = event {
            let _ = events.send(event).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_time_intervals_and_acknowledged_inputs() {
        let acks = AckRing::new();
        let mut s = RecvStats::new();
        acks.record(1, 1_000);
        acks.record(2, 2_000);
        acks.record(3, 3_000);
        s.on_snapshot(10_000, 0, &acks);
        s.on_snapshot(12_000, 2, &acks); // acks 1 (11 ms) and 2 (10 ms)
        s.on_snapshot(15_000, 2, &acks); // nothing new
        s.on_snapshot(16_000, 3, &acks); // acks 3 (13 ms)
        assert_eq!(s.snapshots, 4);
        assert_eq!(s.snapshot_interval_us.len(), 3);
        assert!(
            s.snapshot_interval_us
                .equivalent(s.snapshot_interval_us.max(), 3_000)
        );
        assert_eq!(s.input_ack_us.len(), 3);
        assert!(s.input_ack_us.equivalent(s.input_ack_us.min(), 10_000));
        assert!(s.input_ack_us.equivalent(s.input_ack_us.max(), 13_000));
    }

    #[test]
    fn longest_gap_covers_the_start_the_middle_and_the_end() {
        let acks = AckRing::new();
        let mut s = RecvStats::new();
        assert_eq!(s.longest_gap_us(0, 10_000), None);
        for t in [5_000, 6_000, 9_000, 10_000] {
            s.on_snapshot(t, 0, &acks);
        }
        assert_eq!(
            s.longest_gap_us(4_000, 10_500),
            Some(3_000).map(|g| s.snapshot_interval_us.highest_equivalent(g))
        );
        assert_eq!(s.longest_gap_us(0, 10_500), Some(5_000));
        assert_eq!(s.longest_gap_us(4_000, 20_000), Some(10_000));
    }

    #[test]
    fn acks_beyond_the_ring_are_not_timed() {
        let acks = AckRing::new();
        let mut s = RecvStats::new();
        for seq in 1..=1000 {
            acks.record(seq, u64::from(seq));
        }
        s.on_snapshot(5_000, 1000, &acks);
        assert_eq!(s.input_ack_us.len(), ACK_RING as u64);
    }

    #[test]
    fn pongs_measure_rtt_and_ignore_future_times() {
        let mut s = RecvStats::new();
        s.on_pong(5_000, 4_000);
        s.on_pong(5_000, 9_000);
        assert_eq!(s.rtt_us.len(), 1);
        assert!(s.rtt_us.equivalent(s.rtt_us.max(), 1_000));
    }
}
