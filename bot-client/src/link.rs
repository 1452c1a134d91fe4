//! The link conditioner: added latency, jitter and periodic stalls on a
//! bot's own traffic, so prediction and resume can be exercised at
//! realistic round trips on loopback.
//!
//! Each direction of each connection is a delay line: a message gets a due
//! time ([`Delays::due`]) when it enters, waits in a bounded FIFO
//! ([`MAX_QUEUED`]) and leaves at its due time. Due times never decrease,
//! so a message never overtakes an earlier one. Outbound, the driver's
//! messages queue into a writer task that owns the socket's write half;
//! inbound, a pump task reads frames off the socket into the queue and the
//! reader takes each one at its due time (so every receive-side timestamp
//! includes the added delay). With the conditioner off neither task exists.
//!
//! `--latency-ms L` is added to *each* direction, so a round trip gains
//! 2·L. Jitter is uniform in ±J per message, from a ChaCha8 stream of the
//! run's seed per bot and direction. A stall holds traffic both ways: a
//! message due inside a stall window is delivered when the window ends.
//! Windows are per bot, `stall_every` apart from the bot's connect slot.

use std::time::Duration;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use tokio::time::Instant;

/// Messages a delay line holds per direction per bot. Default: 1024, over
/// four times what 5 s of stall plus 2 s of delay queue at 30 Hz; when full
/// the sender waits (inbound, that is TCP backpressure on the server).
pub(crate) const MAX_QUEUED: usize = 1024;

/// Longest accepted one-way latency. Default: 1 s.
pub const MAX_LATENCY: Duration = Duration::from_secs(1);

/// Longest accepted stall: below the 8 s after which the server drops a
/// peer that left its ping unanswered, with room for the delays.
pub const MAX_STALL: Duration = Duration::from_millis(4999);

/// The most a ping may be held, there and back: latency plus jitter both
/// ways plus one stall. Default: 6 s, 2 s under the server's 8 s peer
/// timeout.
pub const MAX_HOLD_ROUND_TRIP: Duration = Duration::from_secs(6);

/// A periodic stall.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Stall {
    /// Time from one stall's start to the next.
    pub every: Duration,
    /// How long each stall holds all traffic.
    pub length: Duration,
}

/// The conditioner's settings. Default: off (no delay, no stalls).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LinkOptions {
    /// Added to each direction. Default: 0.
    pub latency: Duration,
    /// Uniform ± per message, at most `latency`. Default: 0.
    pub jitter: Duration,
    /// Default: none.
    pub stall: Option<Stall>,
}

/// Why link options were refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LinkError {
    #[error("latency must be at most {MAX_LATENCY:?}, got {0:?}")]
    Latency(Duration),
    #[error("jitter must be at most the latency ({latency:?}), got {jitter:?}")]
    Jitter { jitter: Duration, latency: Duration },
    #[error("stall length must be positive and below 5000 ms, got {0:?}")]
    StallLength(Duration),
    #[error("stalls must come at least 1 s and twice their length apart, got every {0:?}")]
    StallEvery(Duration),
    #[error(
        "latency and jitter both ways plus a stall hold a ping {0:?}; the server's \
         8 s peer timeout needs it at most {MAX_HOLD_ROUND_TRIP:?}"
    )]
    Liveness(Duration),
}

impl LinkOptions {
    /// Whether any delay or stall applies.
    pub fn is_on(&self) -> bool {
        !self.latency.is_zero() || !self.jitter.is_zero() || self.stall.is_some()
    }

    pub fn validate(&self) -> Result<(), LinkError> {
        if self.latency > MAX_LATENCY {
            return Err(LinkError::Latency(self.latency));
        }
        if self.jitter > self.latency {
            return Err(LinkError::Jitter {
                jitter: self.jitter,
                latency: self.latency,
            });
        }
        if let Some(stall) = self.stall {
            if stall.length.is_zero() || stall.length > MAX_STALL {
                return Err(LinkError::StallLength(stall.length));
            }
            if stall.every < Duration::from_secs(1) || stall.every < stall.length * 2 {
                return Err(LinkError::StallEvery(stall.every));
            }
        }
        let hold = self.round_trip_hold();
        if hold > MAX_HOLD_ROUND_TRIP {
            return Err(LinkError::Liveness(hold));
        }
        Ok(())
    }

    /// The most the conditioner adds to a request and its answer: the
    /// slack every wait for the server gets on top of its own timeout.
    pub fn round_trip_hold(&self) -> Duration {
        let stall = self.stall.map_or(Duration::ZERO, |s| s.length);
        (self.latency + self.jitter) * 2 + stall
    }

    /// The most the conditioner widens a gap between two messages in one
    /// direction: a stall plus the jitter spread.
    pub fn max_added_gap(&self) -> Duration {
        let stall = self.stall.map_or(Duration::ZERO, |s| s.length);
        stall + self.jitter * 2
    }
}

/// Which way a delay line carries traffic; picks its random stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Up = 0,
    Down = 1,
}

/// The due times of one direction's messages. Pure: time is passed in.
#[derive(Debug)]
pub(crate) struct Delays {
    opts: LinkOptions,
    /// Stall windows start at `stall_epoch + n·every`, n ≥ 1.
    stall_epoch: Instant,
    rng: ChaCha8Rng,
    last_due: Option<Instant>,
}

impl Delays {
    /// Bot `bot`'s delays in `dir`: ChaCha8 keyed by `seed`, on stream
    /// 2³³ + 2·bot + dir (chaos uses 2³² + bot, inputs `bot`).
    pub(crate) fn new(
        opts: LinkOptions,
        seed: u64,
        bot: u32,
        dir: Direction,
        stall_epoch: Instant,
    ) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream((1 << 33) + 2 * u64::from(bot) + dir as u64);
        Self {
            opts,
            stall_epoch,
            rng,
            last_due: None,
        }
    }

    /// When a message entering the line at `now` leaves it: after the
    /// latency ± jitter, never before the previous message, and never
    /// inside a stall.
    pub(crate) fn due(&mut self, now: Instant) -> Instant {
        let jitter_us = self.opts.jitter.as_micros() as i64;
        let offset = match jitter_us {
            0 => 0,
            j => self.rng.random_range(-j..=j),
        };
        let delay_us = (self.opts.latency.as_micros() as i64 + offset).max(0);
        let mut due = now + Duration::from_micros(delay_us as u64);
        if let Some(last) = self.last_due {
            due = due.max(last);
        }
        due = self.after_stall(due);
        self.last_due = Some(due);
        due
    }

    /// `at`, or the end of the stall window it falls in.
    fn after_stall(&self, at: Instant) -> Instant {
        let Some(stall) = self.opts.stall else {
            return at;
        };
        let since = at.saturating_duration_since(self.stall_epoch);
        let every = stall.every.as_nanos();
        let n = since.as_nanos() / every;
        let into = since.as_nanos() % every;
        if n >= 1 && into < stall.length.as_nanos() {
            let start = self.stall_epoch + stall.every * n as u32;
            start + stall.length
        } else {
            at
        }
    }
}

mod lines;

pub(crate) use lines::{Outgoing, PumpLine, WriterLine, spawn_pump, spawn_writer};

#[cfg(test)]
mod tests;
