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
//! client without waiting on any socket. A producer that may wait instead
//! (the echo endpoint) awaits [`Outbox::room`] before pushing.

use std::collections::VecDeque;
use std::sync::Mutex;

use bytes::Bytes;
use tokio::sync::Notify;

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

#[derive(Default)]
struct State {
    /// Control frames with the order number they were pushed at.
    control: VecDeque<(u64, OutFrame)>,
    /// The newest unsent snapshot, if any, with its order number.
    snapshot: Option<(u64, Bytes)>,
    next_order: u64,
    /// Set once a close is queued: nothing may follow it.
    closing: bool,
    /// Snapshots replaced before they were sent.
    replaced: u64,
}

/// See the module docs. Shared by a connection's reader, its writer and the
/// lobby it plays in.
#[derive(Default)]
pub struct Outbox {
    state: Mutex<State>,
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
        drop(s);
        self.ready.notify_one();
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
        drop(s);
        self.ready.notify_one();
    }

    /// Offers a snapshot. Returns true when it replaced an unsent older one.
    pub fn push_snapshot(&self, bytes: Bytes) -> bool {
        let mut s = self.lock();
        if s.closing {
            return false;
        }
        let order = s.next_order;
        s.next_order += 1;
        let replaced = s.snapshot.replace((order, bytes)).is_some();
        s.replaced += u64::from(replaced);
        drop(s);
        self.ready.notify_one();
        replaced
    }

    /// Takes the oldest frame, if any, without waiting.
    pub fn try_pop(&self) -> Option<OutFrame> {
        let mut s = self.lock();
        let control_order = s.control.front().map(|(o, _)| *o);
        let snapshot_order = s.snapshot.as_ref().map(|(o, _)| *o);
        match (control_order, snapshot_order) {
            (Some(c), Some(n)) if n < c => s.snapshot.take().map(|(_, b)| OutFrame::Message(b)),
            (Some(_), _) => {
                let frame = s.control.pop_front().map(|(_, f)| f);
                drop(s);
                self.freed.notify_one();
                frame
            }
            (None, Some(_)) => s.snapshot.take().map(|(_, b)| OutFrame::Message(b)),
            (None, None) => None,
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

    /// Waits for the next frame. Cancel-safe: a frame is only taken when
    /// this returns.
    pub async fn pop(&self) -> OutFrame {
        loop {
            if let Some(frame) = self.try_pop() {
                return frame;
            }
            self.ready.notified().await;
        }
    }

    /// Control frames waiting to be written.
    pub fn queued(&self) -> usize {
        let s = self.lock();
        s.control.len() + usize::from(s.snapshot.is_some())
    }

    /// Snapshots that were replaced before the writer got to them.
    pub fn replaced_snapshots(&self) -> u64 {
        self.lock().replaced
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(b: &'static [u8]) -> OutFrame {
        OutFrame::Message(Bytes::from_static(b))
    }

    #[test]
    fn snapshot_is_latest_wins() {
        let out = Outbox::new();
        assert!(!out.push_snapshot(Bytes::from_static(b"s1")));
        assert!(out.push_snapshot(Bytes::from_static(b"s2")));
        assert_eq!(out.try_pop(), Some(msg(b"s2")));
        assert_eq!(out.try_pop(), None);
        assert_eq!(out.replaced_snapshots(), 1);
    }

    #[test]
    fn frames_keep_push_order() {
        let out = Outbox::new();
        out.push(msg(b"joined")).unwrap();
        out.push_snapshot(Bytes::from_static(b"s1"));
        out.push(msg(b"left")).unwrap();
        assert_eq!(out.try_pop(), Some(msg(b"joined")));
        assert_eq!(out.try_pop(), Some(msg(b"s1")));
        assert_eq!(out.try_pop(), Some(msg(b"left")));
    }

    #[test]
    fn control_queue_is_bounded_but_close_gets_through() {
        let out = Outbox::new();
        for _ in 0..CONTROL_QUEUE_CAPACITY {
            out.push(msg(b"x")).unwrap();
        }
        assert_eq!(out.push(msg(b"x")), Err(Overflow));
        out.close(1008, "too slow");
        let mut last = None;
        while let Some(f) = out.try_pop() {
            last = Some(f);
        }
        assert_eq!(
            last,
            Some(OutFrame::Close {
                code: 1008,
                reason: "too slow"
            })
        );
    }

    #[test]
    fn pongs_past_the_cap_answer_only_the_newest_ping() {
        let out = Outbox::new();
        let pong = |i: u8| Bytes::copy_from_slice(&[i]);
        for i in 0..=UNSENT_PONGS_MAX as u8 + 3 {
            out.push_pong(pong(i)).unwrap();
            out.push(msg(b"m")).unwrap();
        }
        let pongs: Vec<_> = std::iter::from_fn(|| out.try_pop())
            .filter_map(|f| match f {
                OutFrame::Pong(b) => Some(b[0]),
                _ => None,
            })
            .collect();
        let mut expected: Vec<u8> = (0..UNSENT_PONGS_MAX as u8 - 1).collect();
        expected.push(UNSENT_PONGS_MAX as u8 + 3);
        assert_eq!(pongs, expected);
        // Once sent, pongs no longer count against the cap.
        out.push_pong(pong(7)).unwrap();
        assert_eq!(out.try_pop(), Some(OutFrame::Pong(pong(7))));
    }

    #[tokio::test]
    async fn room_waits_for_the_writer_to_take_a_frame() {
        let out = Outbox::new();
        for _ in 0..CONTROL_QUEUE_CAPACITY {
            out.push(msg(b"x")).unwrap();
        }
        let room = out.room();
        tokio::pin!(room);
        assert!(futures_util::poll!(room.as_mut()).is_pending());
        out.try_pop();
        room.await;
        out.push(msg(b"y")).unwrap();
    }

    #[test]
    fn nothing_follows_a_close() {
        let out = Outbox::new();
        out.close(1001, "bye");
        out.push(msg(b"late")).unwrap();
        out.push_snapshot(Bytes::from_static(b"late"));
        assert!(matches!(out.try_pop(), Some(OutFrame::Close { .. })));
        assert_eq!(out.try_pop(), None);
    }
}
