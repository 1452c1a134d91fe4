//! The fake server's liveness and rate checks, scaled down from the real
//! server's so tests notice quickly: pings with distinct payloads that must
//! come back as pongs, in order, and a token bucket over every frame the
//! client sends.

use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rallypoint_shared::{ErrorCode, ServerMsg};
use tokio::time::Instant;

use super::{FakeStats, Out, OutTx};

/// How often the fake pings each connection.
pub const PING_EVERY: Duration = Duration::from_millis(100);
/// How long a ping may go unanswered before the connection is closed.
pub const PONG_DEADLINE: Duration = Duration::from_secs(1);
/// Frames a client may send per second, sustained (as the real server).
pub const RATE_PER_SEC: f64 = 150.0;
/// Frames a client may send in a burst (as the real server).
pub const RATE_BURST: f64 = 300.0;

pub(super) struct Liveness {
    stats: Arc<FakeStats>,
    state: Mutex<State>,
}

struct State {
    /// Pings sent and not yet answered, oldest first.
    outstanding: VecDeque<(Vec<u8>, Instant)>,
    next_ping: u32,
    tokens: f64,
    refilled: Instant,
}

impl Liveness {
    pub(super) fn new(stats: Arc<FakeStats>) -> Self {
        Self {
            stats,
            state: Mutex::new(State {
                outstanding: VecDeque::new(),
                next_ping: 0,
                tokens: RATE_BURST,
                refilled: Instant::now(),
            }),
        }
    }

    /// Counts a frame from the client; false once it is over its rate.
    pub(super) fn on_frame(&self) -> bool {
        let mut s = self.state.lock().unwrap();
        let now = Instant::now();
        let refill = (now - s.refilled).as_secs_f64() * RATE_PER_SEC;
        s.tokens = (s.tokens + refill).min(RATE_BURST);
        s.refilled = now;
        s.tokens -= 1.0;
        let ok = s.tokens >= 0.0;
        if !ok {
            self.stats.rate_kicks.fetch_add(1, Ordering::Relaxed);
        }
        ok
    }

    /// A pong must carry the payload of the oldest outstanding ping.
    pub(super) fn on_pong(&self, payload: &[u8]) {
        let mut s = self.state.lock().unwrap();
        let counter = match s.outstanding.pop_front() {
            Some((expected, _)) if expected == payload => &self.stats.pongs_ok,
            _ => &self.stats.pongs_bad,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The next ping's payload, or `None` if an older ping is overdue.
    fn next_ping(&self) -> Option<Vec<u8>> {
        let mut s = self.state.lock().unwrap();
        if s.outstanding
            .front()
            .is_some_and(|(_, sent)| sent.elapsed() > PONG_DEADLINE)
        {
            return None;
        }
        s.next_ping += 1;
        let payload = format!("ping-{}", s.next_ping).into_bytes();
        s.outstanding.push_back((payload.clone(), Instant::now()));
        Some(payload)
    }
}

/// Pings every [`PING_EVERY`] until the writer is gone; closes the
/// connection (1008) when a ping goes unanswered too long.
pub(super) async fn pinger(liveness: Arc<Liveness>, out: OutTx) {
    let mut every = tokio::time::interval(PING_EVERY);
    while !out.is_closed() {
        every.tick().await;
        match liveness.next_ping() {
            Some(payload) => {
                liveness.stats.pings_sent.fetch_add(1, Ordering::Relaxed);
                let _ = out.send(Out::Ping(payload));
            }
            None => {
                liveness
                    .stats
                    .liveness_kicks
                    .fetch_add(1, Ordering::Relaxed);
                let _ = out.send(Out::Msg(ServerMsg::Error {
                    code: ErrorCode::BadMessage,
                    message: "no pong".into(),
                }));
                let _ = out.send(Out::Close(1008));
                return;
            }
        }
    }
}
