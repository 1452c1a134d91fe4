//! A connection's outbound queue: the only path from the server to a client.
//!
//! Two kinds of frames leave through it. Control frames (welcome, joins,
//! errors, rosters, pongs, the close) are never dropped: they wait in a
//! bounded queue, and a client that lets that queue fill is too slow and is
//! disconnected. Snapshots are latest-wins: a new one replaces an unsent
//! stale one, because a client only ever wants the newest state. Frames keep
//! the order in which they were pushed, so a `Left` is never overtaken by a
//! snapshot pushed before it.
//!
//! Pushing never blocks and never awaits, so the lobby's tick can feed every
//! client without waiting on any socket. Once a socket is
//! [attached](Outbox::attach), a push to an idle outbox writes the frame at
//! once with one non-blocking `writev` ([`wire`]), under the outbox's lock so
//! frames never interleave; only what the kernel will not take yet waits,
//! for the writer task ([`Outbox::write_loop`]), which wakes only then. A
//! producer that may wait instead (the echo endpoint) awaits
//! [`Outbox::room`] before pushing.

mod state;
mod wire;

use std::io;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use fastwebsockets::OpCode;
use tokio::sync::Notify;

use crate::sock::WriteHalf;
use state::{Ended, State};
use wire::{Head, Kind, Pending};

/// Control frames a client may have queued and unsent. Default: 64, the same
/// as Nakama's outgoing queue. A client that reads so little that 64 control
/// messages pile up (a snapshot never queues behind them) is not playing.
pub const CONTROL_QUEUE_CAPACITY: usize = 64;

/// Pongs a client may have queued and unsent. Default: 16, more than a
/// well-behaved client has pings in flight (Autobahn's case 2.10 sends 10
/// at once and wants every one answered). Past it, the newest unsent pong
/// is changed to answer the newest ping, as RFC 6455 §5.5.3 allows, so a
/// ping flood cannot fill the control queue before the rate limit ends it.
pub const UNSENT_PONGS_MAX: usize = 16;

/// A connection handles its client's next request only when fewer than
/// this many control frames are queued: half the queue. A burst of requests
/// then waits for the replies to drain instead of overflowing the queue,
/// and the other half stays free for what the lobby sends. Default: 32.
pub const REPLY_HEADROOM: usize = CONTROL_QUEUE_CAPACITY / 2;

/// One frame for the writer half.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutFrame {
    /// An encoded `ServerMsg` (a binary message).
    Message(Bytes),
    /// A text message (only the echo endpoint sends these).
    Text(Bytes),
    /// A WebSocket ping (liveness).
    Ping(Bytes),
    /// A WebSocket pong answering a ping.
    Pong(Bytes),
    /// The closing handshake: the last frame the writer sends.
    Close { code: u16, reason: &'static str },
}

/// The queue was already full; the frame was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("outbound control queue is full ({CONTROL_QUEUE_CAPACITY} frames)")]
pub struct Overflow;

/// What a round of writing left behind.
enum Flushed {
    /// Everything queued is written.
    Idle,
    /// The kernel's send buffer is full; the rest waits for the writer.
    Blocked,
    /// Nothing more will be written.
    Ended,
}

/// A data frame is out: count it.
fn sent(kind: Kind, payload_len: usize) {
    if kind == Kind::Data {
        let m = crate::metrics::metrics();
        m.frames_out.inc();
        m.bytes_out.inc_by(payload_len as u64);
    }
}

/// See the module docs. Shared by a connection's reader, its writer and the
/// lobby it plays in.
#[derive(Default)]
pub struct Outbox {
    state: Mutex<State>,
    /// The client's socket, once attached; without one, frames wait for
    /// [`Outbox::try_pop`] (the in-memory tests).
    sock: OnceLock<Arc<WriteHalf>>,
    /// Signalled when there is work for the writer task.
    ready: Notify,
    /// Signalled when a control frame leaves the queue.
    freed: Notify,
}

impl Outbox {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the queue half-edited
        // (every edit is a single push/pop), so a poisoned lock is still sound.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Gives the outbox its client's socket: from now on frames are written
    /// as they are pushed. Call it once, before anything is pushed.
    pub fn attach(&self, sock: impl Into<WriteHalf>) {
        let sock = sock.into();
        // TLS records from before the upgrade may still wait.
        let pending = sock.pending();
        let _ = self.sock.set(Arc::new(sock));
        if pending {
            self.ready.notify_one();
        }
    }

    /// Writes what the socket takes now, in order, without waiting.
    fn flush(&self, s: &mut State, sock: &WriteHalf) -> Flushed {
        let mut freed = false;
        let flushed = loop {
            if s.ended.is_some() {
                break Flushed::Ended;
            }
            if s.pending.is_none() {
                match s.take_next() {
                    Some((frame, control)) => {
                        freed |= control;
                        s.pending = Some(Pending::new(frame));
                    }
                    // Every frame is out, but (TLS) not every byte yet.
                    None if sock.pending() => match sock.flush() {
                        Ok(true) => break Flushed::Idle,
                        Ok(false) => break Flushed::Blocked,
                        Err(e) => {
                            s.ended = Some(Ended::Failed(Some(e)));
                            continue;
                        }
                    },
                    None => break Flushed::Idle,
                }
            }
            let Some(p) = s.pending.as_mut() else {
                continue;
            };
            match p.write(sock) {
                Ok(true) => {
                    sent(p.kind, p.payload_len());
                    if p.kind == Kind::Close {
                        sock.close();
                        s.ended = Some(Ended::Closed);
                    }
                    s.pending = None;
                }
                Ok(false) => break Flushed::Blocked,
                Err(e) if blocked(&e) => break Flushed::Blocked,
                Err(e) => s.ended = Some(Ended::Failed(Some(e))),
            }
        };
        if freed {
            self.freed.notify_one();
        }
        flushed
    }

    /// After queuing: writes now if a socket is attached, and wakes the
    /// writer task only if something is left for it.
    fn after_push(&self, mut s: std::sync::MutexGuard<'_, State>) {
        let flushed = match self.sock.get() {
            Some(sock) if s.pending.is_none() => self.flush(&mut s, sock),
            _ => Flushed::Blocked,
        };
        drop(s);
        if !matches!(flushed, Flushed::Idle) {
            self.ready.notify_one();
        }
    }

    /// Queues a control frame. Fails when the client has let
    /// [`CONTROL_QUEUE_CAPACITY`] frames pile up; the caller then closes it.
    /// Frames pushed after a close are discarded.
    pub fn push(&self, frame: OutFrame) -> Result<(), Overflow> {
        let mut s = self.lock();
        if s.closing {
            return Ok(());
        }
        if s.control.len() >= CONTROL_QUEUE_CAPACITY {
            return Err(Overflow);
        }
        s.closing = matches!(frame, OutFrame::Close { .. });
        let order = s.next_order;
        s.next_order += 1;
        s.control.push_back((order, frame));
        self.after_push(s);
        Ok(())
    }

    /// Queues a pong answering a ping whose payload was `payload`; see
    /// [`UNSENT_PONGS_MAX`]. Fails only when the control queue is full.
    pub fn push_pong(&self, payload: Bytes) -> Result<(), Overflow> {
        let mut s = self.lock();
        let mut pongs = s.control.iter_mut().rev().filter_map(|(_, f)| match f {
            OutFrame::Pong(b) => Some(b),
            _ => None,
        });
        if let Some(newest) = pongs.next()
            && pongs.count() + 1 >= UNSENT_PONGS_MAX
        {
            *newest = payload;
            return Ok(());
        }
        drop(s);
        self.push(OutFrame::Pong(payload))
    }

    /// Queues a close even when the control queue is full: a close must always
    /// get through, and it is the last frame.
    pub fn close(&self, code: u16, reason: &'static str) {
        let mut s = self.lock();
        if s.closing {
            return;
        }
        s.closing = true;
        let order = s.next_order;
        s.next_order += 1;
        s.control
            .push_back((order, OutFrame::Close { code, reason }));
        self.after_push(s);
    }

    /// Offers a snapshot. On an idle outbox with a socket, it is written at
    /// once, straight from `payload`; otherwise a copy waits, replacing an
    /// unsent older one. Returns true when it replaced one.
    pub fn push_snapshot(&self, payload: &[u8]) -> bool {
        let mut s = self.lock();
        if s.closing {
            return false;
        }
        if let Some(sock) = self.sock.get()
            && s.idle()
        {
            let head = Head::new(OpCode::Binary, payload);
            match wire::write_some(sock, &head, payload, 0) {
                Ok(n) if wire::complete(&head, payload, n) => {
                    sent(Kind::Data, payload.len());
                    if sock.pending() {
                        drop(s);
                        self.ready.notify_one();
                    }
                    return false;
                }
                Ok(n) => s.pending = Some(Pending::rest_of(head, payload, n, Kind::Data)),
                Err(e) if blocked(&e) => {
                    s.queue_snapshot(Bytes::copy_from_slice(payload));
                }
                Err(e) => s.ended = Some(Ended::Failed(Some(e))),
            }
            drop(s);
            self.ready.notify_one();
            return false;
        }
        let replaced = s.queue_snapshot(Bytes::copy_from_slice(payload));
        self.after_push(s);
        replaced
    }

    /// Takes the oldest frame, if any, without waiting. For an outbox
    /// without a socket (tests, which play the writer's part).
    pub fn try_pop(&self) -> Option<OutFrame> {
        let mut s = self.lock();
        let (frame, control) = s.take_next()?;
        drop(s);
        if control {
            self.freed.notify_one();
        }
        Some(frame)
    }

    /// The writer task: writes what pushes could not, until the close frame
    /// is out or the socket fails. A write that makes no progress for
    /// `write_timeout` fails the connection: the client stopped reading.
    /// Needs an [attached](Outbox::attach) socket.
    pub async fn write_loop(&self, write_timeout: Duration) -> io::Result<()> {
        let Some(sock) = self.sock.get().cloned() else {
            return Err(io::Error::other("no socket attached to the outbox"));
        };
        loop {
            let flushed = self.flush(&mut self.lock(), &sock);
            match flushed {
                Flushed::Idle => self.ready.notified().await,
                Flushed::Blocked => {
                    match tokio::time::timeout(write_timeout, sock.writable()).await {
                        Ok(ready) => ready?,
                        Err(_) => {
                            return Err(io::Error::new(
                                io::ErrorKind::TimedOut,
                                "client stopped reading",
                            ));
                        }
                    }
                }
                Flushed::Ended => {
                    if let Some(Ended::Failed(e)) = self.lock().ended.as_mut() {
                        return Err(e
                            .take()
                            .unwrap_or_else(|| io::Error::other("socket failed")));
                    }
                    return finish(&sock, write_timeout).await;
                }
            }
        }
    }

    /// Waits until the control queue has room for a frame. Meant for one
    /// producer that would rather wait than be disconnected; with several,
    /// one may be woken for room another takes. Cancel-safe.
    pub async fn room(&self) {
        self.fewer_than(CONTROL_QUEUE_CAPACITY).await;
    }

    /// Waits until fewer than `n` control frames are queued. Cancel-safe.
    pub async fn fewer_than(&self, n: usize) {
        loop {
            if self.lock().control.len() < n {
                return;
            }
            self.freed.notified().await;
        }
    }

    /// Frames waiting to be written (or being written).
    pub fn queued(&self) -> usize {
        let s = self.lock();
        s.control.len() + usize::from(s.snapshot.is_some()) + usize::from(s.pending.is_some())
    }

    /// Snapshots that were replaced before the writer got to them.
    pub fn replaced_snapshots(&self) -> u64 {
        self.lock().replaced
    }
}

/// After the close frame: sends what still waits below the outbox (TLS
/// records, close_notify last), as long as the socket keeps taking bytes.
async fn finish(sock: &WriteHalf, write_timeout: Duration) -> io::Result<()> {
    while !sock.flush()? {
        match tokio::time::timeout(write_timeout, sock.writable()).await {
            Ok(ready) => ready?,
            Err(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "client stopped reading",
                ));
            }
        }
    }
    Ok(())
}

/// The socket cannot take more now; the writer waits for it.
fn blocked(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
    )
}

#[cfg(test)]
mod tests;
