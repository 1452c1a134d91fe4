//! When a lobby ticks: absolute deadlines (`start + n * period`), missed
//! ones skipped, as `tokio::time::Interval` with `MissedTickBehavior::Skip`.
//!
//! tokio's timer wheel has a resolution of one millisecond and rounds every
//! deadline up to the next one, so on its own it starts ticks half a
//! millisecond late on average and up to a whole one, before the lobby has
//! waited for anything else. On Linux the default timer is a `timerfd`
//! armed for each deadline instead: the kernel's high-resolution timer,
//! woken through the same epoll as the sockets, at the cost of one
//! `timerfd_settime` and one `read` per tick. Tests on tokio's paused clock
//! use the coarse timer ([`crate::config::Config::precise_timer`]), since a
//! `timerfd` follows the real clock.

use std::io;
use std::time::Duration;

use tokio::time::{Instant, Interval, MissedTickBehavior};

/// See the module docs.
pub enum TickTimer {
    Coarse(Interval),
    #[cfg(target_os = "linux")]
    Precise(precise::Precise),
}

impl TickTimer {
    /// Ticks every `period`, the first one `period` from now. `precise`
    /// asks for the `timerfd`; if one cannot be made, the coarse timer is
    /// used and the error returned beside it, for the log.
    pub fn new(period: Duration, precise: bool) -> (TickTimer, Option<io::Error>) {
        let first = Instant::now() + period;
        #[cfg(target_os = "linux")]
        if precise {
            match precise::Precise::new(first, period) {
                Ok(p) => return (TickTimer::Precise(p), None),
                Err(e) => return (Self::coarse(first, period), Some(e)),
            }
        }
        let _ = precise;
        (Self::coarse(first, period), None)
    }

    fn coarse(first: Instant, period: Duration) -> TickTimer {
        let mut interval = tokio::time::interval_at(first, period);
        interval.set_missed_tick_behavior(MissedTickBehavior::Skip);
        TickTimer::Coarse(interval)
    }

    /// Waits for the next deadline and returns it. Cancel-safe.
    pub async fn tick(&mut self) -> Instant {
        match self {
            TickTimer::Coarse(interval) => interval.tick().await,
            #[cfg(target_os = "linux")]
            TickTimer::Precise(p) => p.tick().await,
        }
    }
}

/// Deadline `n`: `start + n * period`.
fn deadline(start: Instant, period: Duration, n: u64) -> Instant {
    let nanos = period.as_nanos().saturating_mul(u128::from(n));
    start + Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

/// The first deadline from index `after` on that is not before `now`:
/// missed deadlines are skipped, and the schedule never drifts.
fn next_deadline(start: Instant, period: Duration, after: u64, now: Instant) -> (u64, Instant) {
    let elapsed = now.saturating_duration_since(start).as_nanos();
    let reached = elapsed.div_ceil(period.as_nanos().max(1));
    let n = after.max(u64::try_from(reached).unwrap_or(u64::MAX));
    (n, deadline(start, period, n))
}

#[cfg(target_os = "linux")]
mod precise {
    use std::io;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::time::Duration;

    use tokio::io::Interest;
    use tokio::io::unix::AsyncFd;
    use tokio::time::Instant;

    /// Deadlines on a `timerfd`.
    pub struct Precise {
        fd: AsyncFd<OwnedFd>,
        start: Instant,
        period: Duration,
        /// The index of the deadline the timer is armed for.
        next: u64,
        /// Set for good if the timerfd ever fails: tokio's timer stands in.
        failed: bool,
    }

    impl Precise {
        pub fn new(first: Instant, period: Duration) -> io::Result<Precise> {
            // SAFETY: timerfd_create takes no pointers; a non-negative
            // return is a new descriptor that nothing else owns.
            let raw = unsafe {
                libc::timerfd_create(
                    libc::CLOCK_MONOTONIC,
                    libc::TFD_NONBLOCK | libc::TFD_CLOEXEC,
                )
            };
            if raw < 0 {
                return Err(io::Error::last_os_error());
            }
            // SAFETY: `raw` is a fresh descriptor owned by nothing else.
            let fd = unsafe { OwnedFd::from_raw_fd(raw) };
            // SAFETY: the `OwnedFd` owns an open timerfd and moves into the
            // `AsyncFd`, which closes it only when dropped.
            let fd = unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) }
                .map_err(|e| e.into_parts().1)?;
            let mut p = Precise {
                fd,
                start: first,
                period,
                next: 0,
                failed: false,
            };
            p.arm(first)?;
            Ok(p)
        }

        /// Arms the timer for `deadline` (relative to now, on the same
        /// monotonic clock `Instant` reads).
        fn arm(&mut self, deadline: Instant) -> io::Result<()> {
            let wait = deadline.saturating_duration_since(Instant::now());
            // A zero it_value disarms a timerfd: fire in 1 ns instead.
            let wait = wait.max(Duration::from_nanos(1));
            let spec = libc::itimerspec {
                it_interval: libc::timespec {
                    tv_sec: 0,
                    tv_nsec: 0,
                },
                it_value: libc::timespec {
                    tv_sec: wait.as_secs() as libc::time_t,
                    tv_nsec: wait.subsec_nanos() as libc::c_long,
                },
            };
            // SAFETY: the descriptor is a timerfd we own; `spec` is a valid
            // itimerspec and the old value is not asked for (null).
            let r = unsafe {
                libc::timerfd_settime(self.fd.as_raw_fd(), 0, &spec, std::ptr::null_mut())
            };
            if r < 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        }

        /// Waits until the timerfd has fired, and takes its expirations.
        async fn fired(&mut self) {
            loop {
                let Ok(mut guard) = self.fd.readable().await else {
                    // Cannot happen with a registered timerfd: give up on
                    // it rather than spin.
                    tracing::warn!("tick timer failed; using tokio's");
                    self.failed = true;
                    return;
                };
                let mut expirations = [0u8; 8];
                // SAFETY: reads at most 8 bytes into a buffer of 8.
                let n = unsafe {
                    libc::read(
                        self.fd.as_raw_fd(),
                        expirations.as_mut_ptr().cast(),
                        expirations.len(),
                    )
                };
                // One read takes every expiration: the timerfd is not
                // readable again until it is re-armed and fires.
                guard.clear_ready();
                if n == 8 {
                    return;
                }
            }
        }

        pub async fn tick(&mut self) -> Instant {
            let due = super::deadline(self.start, self.period, self.next);
            if !self.failed {
                self.fired().await;
            }
            if self.failed {
                tokio::time::sleep_until(due).await;
            }
            let (n, next) =
                super::next_deadline(self.start, self.period, self.next + 1, Instant::now());
            self.next = n;
            if !self.failed
                && let Err(e) = self.arm(next)
            {
                tracing::warn!(error = %e, "cannot re-arm the tick timer; using tokio's");
                self.failed = true;
            }
            due
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_skip_what_was_missed_and_never_drift() {
        let start = Instant::now();
        let p = Duration::from_millis(10);
        let at = |ms: u64| start + Duration::from_millis(ms);
        assert_eq!(next_deadline(start, p, 1, at(0)), (1, at(10)));
        assert_eq!(next_deadline(start, p, 1, at(10)), (1, at(10)));
        assert_eq!(next_deadline(start, p, 1, at(11)), (2, at(20)));
        assert_eq!(next_deadline(start, p, 3, at(11)), (3, at(30)));
        assert_eq!(next_deadline(start, p, 2, at(57)), (6, at(60)));
        assert_eq!(next_deadline(start, p, 2, at(60)), (6, at(60)));
    }

    #[tokio::test]
    async fn ticks_come_on_their_deadlines() {
        let period = Duration::from_millis(5);
        let (mut timer, err) = TickTimer::new(period, true);
        assert!(err.is_none(), "{err:?}");
        let first = timer.tick().await;
        let second = timer.tick().await;
        assert_eq!(second - first, period);
        assert!(Instant::now() >= second);
        // Sleep past three deadlines: the first missed one comes at once
        // (as with tokio's `MissedTickBehavior::Skip`), the others are
        // skipped, not replayed.
        tokio::time::sleep(period * 3 + period / 2).await;
        let late = timer.tick().await;
        assert_eq!(late - second, period);
        let next = timer.tick().await;
        let gap = (next - second).as_nanos();
        assert_eq!(gap % period.as_nanos(), 0, "off the schedule");
        assert!(gap >= (period * 4).as_nanos(), "missed deadlines replayed");
    }
}
