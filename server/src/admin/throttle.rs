//! Throttling failed admin logins per client address: after
//! [`MAX_FAILURES_PER_MINUTE`] bad or missing tokens from one address in a
//! one-minute window, that address gets `429` without its token even being
//! looked at until the window ends. The table holds at most
//! [`MAX_THROTTLED_IPS`] addresses; past it, expired windows go first, then
//! the oldest window. Time is passed in.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Failed logins one address may make per window before it is throttled.
/// Default: 10: a person who mistypes a token is never throttled; a script
/// trying tokens gets 10 guesses a minute.
pub const MAX_FAILURES_PER_MINUTE: u32 = 10;

/// The window the failures are counted in. Default: 60 s.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(60);

/// Addresses whose failures are tracked at once. Default: 4096 (about
/// 200 KiB). An attacker with more addresses than this can push its own
/// out early; each still gets at most its share of guesses.
pub const MAX_THROTTLED_IPS: usize = 4096;

#[derive(Clone, Copy)]
struct Window {
    start: Instant,
    failures: u32,
}

/// See the module docs.
pub struct Throttle {
    windows: Mutex<HashMap<IpAddr, Window>>,
    limit: u32,
    cap: usize,
}

impl Default for Throttle {
    fn default() -> Self {
        Self::new(MAX_FAILURES_PER_MINUTE, MAX_THROTTLED_IPS)
    }
}

impl Throttle {
    pub fn new(limit: u32, cap: usize) -> Self {
        Self {
            windows: Mutex::default(),
            limit,
            cap: cap.max(1),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, Window>> {
        // Every edit is one insert or remove: a poisoned lock is sound.
        self.windows.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether `ip` is throttled at `now`.
    pub fn blocked(&self, ip: IpAddr, now: Instant) -> bool {
        self.is_blocked(&self.lock(), ip, now)
    }

    fn is_blocked(&self, windows: &HashMap<IpAddr, Window>, ip: IpAddr, now: Instant) -> bool {
        windows
            .get(&ip)
            .is_some_and(|w| now < w.start + FAILURE_WINDOW && w.failures >= self.limit)
    }

    /// A login from `ip` at `now`: `None` if throttled (`check` is not
    /// run), else what `check` found, a failure counted. One lock around
    /// both, so concurrent guesses cannot slip past the limit.
    pub fn attempt<T>(
        &self,
        ip: IpAddr,
        now: Instant,
        check: impl FnOnce() -> Option<T>,
    ) -> Option<Option<T>> {
        let mut windows = self.lock();
        if self.is_blocked(&windows, ip, now) {
            return None;
        }
        let found = check();
        if found.is_none() {
            self.count(&mut windows, ip, now);
        }
        Some(found)
    }

    /// `ip` presented a bad or no token at `now`.
    pub fn failed(&self, ip: IpAddr, now: Instant) {
        self.count(&mut self.lock(), ip, now);
    }

    fn count(&self, windows: &mut HashMap<IpAddr, Window>, ip: IpAddr, now: Instant) {
        if let Some(w) = windows.get_mut(&ip) {
            if now >= w.start + FAILURE_WINDOW {
                *w = Window {
                    start: now,
                    failures: 0,
                };
            }
            w.failures = w.failures.saturating_add(1);
            return;
        }
        if windows.len() >= self.cap {
            windows.retain(|_, w| now < w.start + FAILURE_WINDOW);
        }
        if windows.len() >= self.cap
            && let Some(oldest) = windows
                .iter()
                .min_by_key(|(_, w)| w.start)
                .map(|(ip, _)| *ip)
        {
            windows.remove(&oldest);
        }
        windows.insert(
            ip,
            Window {
                start: now,
                failures: 1,
            },
        );
    }

    /// Addresses tracked now.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(n: u8) -> IpAddr {
        IpAddr::from([192, 0, 2, n])
    }

    #[test]
    fn an_address_is_throttled_after_its_failures_until_the_window_ends() {
        let t = Throttle::new(3, 16);
        let t0 = Instant::now();
        for _ in 0..2 {
            t.failed(ip(1), t0);
        }
        assert!(!t.blocked(ip(1), t0));
        t.failed(ip(1), t0 + Duration::from_secs(30));
        assert!(t.blocked(ip(1), t0 + Duration::from_secs(30)));
        assert!(!t.blocked(ip(2), t0), "only that address");
        assert!(!t.blocked(ip(1), t0 + FAILURE_WINDOW), "the window ended");
        // A new window starts counting from one.
        t.failed(ip(1), t0 + FAILURE_WINDOW);
        assert!(!t.blocked(ip(1), t0 + FAILURE_WINDOW));
    }

    #[test]
    fn an_attempt_checks_only_while_not_throttled() {
        let t = Throttle::new(2, 16);
        let t0 = Instant::now();
        assert_eq!(t.attempt(ip(1), t0, || Some("ops")), Some(Some("ops")));
        assert_eq!(t.attempt(ip(1), t0, || None::<&str>), Some(None));
        assert_eq!(t.attempt(ip(1), t0, || None::<&str>), Some(None));
        let mut checked = false;
        let throttled = t.attempt(ip(1), t0, || {
            checked = true;
            Some("ops")
        });
        assert_eq!(throttled, None);
        assert!(!checked, "a throttled address's token is not looked at");
    }

    #[test]
    fn the_table_is_bounded() {
        let t = Throttle::new(1, 4);
        let t0 = Instant::now();
        for n in 0..4 {
            t.failed(ip(n), t0 + Duration::from_secs(u64::from(n)));
        }
        assert_eq!(t.len(), 4);
        // Full: the oldest window goes.
        t.failed(ip(9), t0 + Duration::from_secs(5));
        assert_eq!(t.len(), 4);
        assert!(!t.blocked(ip(0), t0 + Duration::from_secs(5)));
        assert!(t.blocked(ip(9), t0 + Duration::from_secs(5)));
        // Expired windows go first, all of them.
        t.failed(ip(10), t0 + Duration::from_secs(64));
        assert_eq!(t.len(), 2, "ip(9) and ip(10) remain");
    }
}
