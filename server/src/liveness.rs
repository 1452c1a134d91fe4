//! Is the peer still there, and still reading? The reader half records
//! every frame it receives; a watchdog beside it sends WebSocket pings and
//! decides when to give up. A peer is dropped when it has sent nothing for
//! the peer timeout (dead, or a half-open TCP connection), or has left a
//! ping unanswered that long (alive but not reading: its pings sit unread
//! behind everything else we sent). A dead peer is dropped within the peer
//! timeout of its last frame; a deaf one within the ping interval plus the
//! peer timeout. Time is passed in.
//!
//! The round trip of the last answered ping is kept too, for the admin
//! API: the time from queuing a ping to reading a pong, so it includes
//! what was queued before the ping. A client may send a pong unasked; the
//! RTT is informational and never decides anything.
//!
//! Shared between the two halves of one connection, which run in one task;
//! atomics make it `Sync` without a lock.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

const NONE: u64 = u64::MAX;

/// What the watchdog should do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Fine,
    /// Send a ping (it has been recorded as outstanding).
    Ping,
    /// Give up on the peer, for this reason.
    Dead(&'static str),
}

/// See the module docs.
#[derive(Debug)]
pub struct Liveness {
    epoch: Instant,
    /// Milliseconds since `epoch` of the last frame received.
    last_heard: AtomicU64,
    /// When the unanswered ping was sent, or `NONE`.
    ping_outstanding: AtomicU64,
    /// When the last ping was sent.
    last_ping: AtomicU64,
    /// When the outstanding ping was sent, in microseconds since `epoch`.
    ping_sent_us: AtomicU64,
    /// The last measured round trip, in microseconds, or `NONE`.
    rtt_us: AtomicU64,
}

impl Liveness {
    pub fn new(now: Instant) -> Self {
        Self {
            epoch: now,
            last_heard: AtomicU64::new(0),
            ping_outstanding: AtomicU64::new(NONE),
            last_ping: AtomicU64::new(0),
            ping_sent_us: AtomicU64::new(0),
            rtt_us: AtomicU64::new(NONE),
        }
    }

    fn ms(&self, now: Instant) -> u64 {
        now.saturating_duration_since(self.epoch).as_millis() as u64
    }

    /// A frame arrived.
    pub fn heard(&self, now: Instant) {
        self.last_heard.store(self.ms(now), Ordering::Relaxed);
    }

    /// A pong arrived: the peer has read everything up to our ping.
    pub fn pong(&self, now: Instant) {
        self.heard(now);
        if self.ping_outstanding.swap(NONE, Ordering::Relaxed) != NONE {
            let sent = self.ping_sent_us.load(Ordering::Relaxed);
            let rtt = self.us(now).saturating_sub(sent);
            self.rtt_us.store(rtt, Ordering::Relaxed);
        }
    }

    /// The round trip of the last answered ping; `None` before one.
    pub fn rtt(&self) -> Option<Duration> {
        match self.rtt_us.load(Ordering::Relaxed) {
            NONE => None,
            us => Some(Duration::from_micros(us)),
        }
    }

    fn us(&self, now: Instant) -> u64 {
        now.saturating_duration_since(self.epoch).as_micros() as u64
    }

    /// Decides, at `now`, whether to ping, wait, or give up.
    pub fn check(&self, now: Instant, ping_interval: Duration, timeout: Duration) -> Verdict {
        let now_ms = self.ms(now);
        let timeout_ms = timeout.as_millis() as u64;
        if now_ms.saturating_sub(self.last_heard.load(Ordering::Relaxed)) >= timeout_ms {
            return Verdict::Dead("peer sent nothing within the peer timeout");
        }
        let outstanding = self.ping_outstanding.load(Ordering::Relaxed);
        if outstanding != NONE {
            if now_ms.saturating_sub(outstanding) >= timeout_ms {
                return Verdict::Dead("peer did not answer a ping within the peer timeout");
            }
            return Verdict::Fine;
        }
        if now_ms.saturating_sub(self.last_ping.load(Ordering::Relaxed))
            >= ping_interval.as_millis() as u64
        {
            self.last_ping.store(now_ms, Ordering::Relaxed);
            self.ping_sent_us.store(self.us(now), Ordering::Relaxed);
            self.ping_outstanding.store(now_ms, Ordering::Relaxed);
            return Verdict::Ping;
        }
        Verdict::Fine
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PING: Duration = Duration::from_secs(3);
    const TIMEOUT: Duration = Duration::from_secs(10);

    fn at(t0: Instant, ms: u64) -> Instant {
        t0 + Duration::from_millis(ms)
    }

    #[test]
    fn a_peer_that_answers_pings_stays() {
        let t0 = Instant::now();
        let l = Liveness::new(t0);
        let mut pings = 0;
        for ms in (0..60_000).step_by(500) {
            match l.check(at(t0, ms), PING, TIMEOUT) {
                Verdict::Ping => {
                    pings += 1;
                    l.pong(at(t0, ms + 50));
                }
                Verdict::Fine => {}
                Verdict::Dead(r) => panic!("dropped at {ms} ms: {r}"),
            }
        }
        // One every 3 s after the first 3 s: 3, 6, ... 57 s.
        assert_eq!(pings, 19);
    }

    #[test]
    fn the_round_trip_of_an_answered_ping_is_kept() {
        let t0 = Instant::now();
        let l = Liveness::new(t0);
        l.pong(at(t0, 10)); // unasked: nothing measured
        assert_eq!(l.rtt(), None);
        assert_eq!(l.check(at(t0, 3_000), PING, TIMEOUT), Verdict::Ping);
        l.pong(at(t0, 3_042));
        assert_eq!(l.rtt(), Some(Duration::from_millis(42)));
        l.pong(at(t0, 3_500)); // a second pong for the same ping
        assert_eq!(l.rtt(), Some(Duration::from_millis(42)));
    }

    #[test]
    fn a_silent_peer_is_dropped_at_the_timeout() {
        let t0 = Instant::now();
        let l = Liveness::new(t0);
        assert_eq!(l.check(at(t0, 9_999), PING, TIMEOUT), Verdict::Ping);
        assert!(matches!(
            l.check(at(t0, 10_000), PING, TIMEOUT),
            Verdict::Dead(_)
        ));
    }

    #[test]
    fn a_peer_that_sends_but_never_reads_is_dropped() {
        let t0 = Instant::now();
        let l = Liveness::new(t0);
        let mut dead_at = None;
        for ms in (0..30_000).step_by(100) {
            l.heard(at(t0, ms)); // inputs keep coming, pongs never do
            if let Verdict::Dead(_) = l.check(at(t0, ms), PING, TIMEOUT) {
                dead_at = Some(ms);
                break;
            }
        }
        // The first ping goes out after one interval; 10 s later it is still
        // unanswered: dropped within interval + timeout of going deaf.
        assert_eq!(dead_at, Some(13_000));
    }
}
