//! Bans: an account (the session token's `sub`, with authentication on) or
//! a client address, refused until a time. A banned account is refused at
//! `Hello` with `Error{Banned, "banned until <RFC 3339 time>: reason"}`; a
//! banned address gets `403` at the WebSocket upgrade. The table is
//! bounded by [`MAX_BANS`]; in a fleet it mirrors the one kept in Redis
//! (`fleet::accounts`). A ban ends by itself at its time, or when lifted.
//! Time (the wall clock, since bans are shown as dates) is passed in.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// Bans held at once. Default: 10 000. When full, expired bans are dropped
/// first; if none has expired, a new ban is refused (409) rather than
/// forgetting one.
pub const MAX_BANS: usize = 10_000;

/// The longest ban. Default: 366 days; a longer one is refused (400).
pub const MAX_BAN: Duration = Duration::from_secs(366 * 24 * 3600);

/// Who is banned.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    Account(String),
    Ip(IpAddr),
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Account(a) => write!(f, "account {a}"),
            Target::Ip(ip) => write!(f, "ip {ip}"),
        }
    }
}

/// One ban.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ban {
    pub target: Target,
    pub reason: String,
    pub until: SystemTime,
    /// The name of the admin token that set it.
    pub by: String,
    pub since: SystemTime,
}

impl Ban {
    /// What the banned player is told.
    pub fn message(&self) -> String {
        format!("banned until {}: {}", rfc3339(self.until), self.reason)
    }
}

/// The table is full of bans that have not expired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the ban table is full ({MAX_BANS} bans in force)")]
pub struct BansFull;

/// See the module docs.
pub struct Bans {
    bans: Mutex<HashMap<Target, Ban>>,
    cap: usize,
}

impl Default for Bans {
    fn default() -> Self {
        Self::new(MAX_BANS)
    }
}

impl Bans {
    pub fn new(cap: usize) -> Self {
        Self {
            bans: Mutex::default(),
            cap,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Target, Ban>> {
        // Every edit is one insert or remove: a poisoned lock is sound.
        self.bans.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds (or replaces) the ban of `ban.target`.
    pub fn add(&self, ban: Ban, now: SystemTime) -> Result<(), BansFull> {
        let mut bans = self.lock();
        if bans.len() >= self.cap && !bans.contains_key(&ban.target) {
            bans.retain(|_, b| b.until > now);
            if bans.len() >= self.cap {
                return Err(BansFull);
            }
        }
        bans.insert(ban.target.clone(), ban);
        Ok(())
    }

    /// Makes `bans` (the fleet's, loaded from its directory) the whole
    /// table; the bans that are new to it, whose sessions are to end.
    pub fn replace(&self, bans: Vec<Ban>) -> Vec<Ban> {
        let mut table = self.lock();
        let fresh: Vec<Ban> = bans
            .iter()
            .filter(|b| table.get(&b.target).is_none_or(|old| old.until < b.until))
            .cloned()
            .collect();
        *table = bans
            .into_iter()
            .take(self.cap)
            .map(|b| (b.target.clone(), b))
            .collect();
        fresh
    }

    /// Lifts the ban of `target`; whether there was one in force.
    pub fn lift(&self, target: &Target, now: SystemTime) -> bool {
        self.lock().remove(target).is_some_and(|b| b.until > now)
    }

    /// The ban in force on `target` at `now`, if any.
    pub fn get(&self, target: &Target, now: SystemTime) -> Option<Ban> {
        let mut bans = self.lock();
        match bans.get(target) {
            Some(b) if b.until > now => Some(b.clone()),
            Some(_) => {
                bans.remove(target);
                None
            }
            None => None,
        }
    }

    /// The ban in force on `account`, if any.
    pub fn account(&self, account: &str, now: SystemTime) -> Option<Ban> {
        // An empty table (the usual case) costs a lock and no allocation.
        if self.lock().is_empty() {
            return None;
        }
        self.get(&Target::Account(account.to_owned()), now)
    }

    /// The ban in force on `ip`, if any.
    pub fn ip(&self, ip: IpAddr, now: SystemTime) -> Option<Ban> {
        self.get(&Target::Ip(ip), now)
    }

    /// Every ban in force, soonest to end first; drops expired ones.
    pub fn list(&self, now: SystemTime) -> Vec<Ban> {
        let mut bans = self.lock();
        bans.retain(|_, b| b.until > now);
        let mut list: Vec<Ban> = bans.values().cloned().collect();
        list.sort_by_key(|b| (b.until, b.target.to_string()));
        list
    }
}

/// `2025-03-01T12:00:00Z`: a time as RFC 3339 in UTC, to the second.
pub fn rfc3339(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard
/// Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn ban(target: Target, until: u64) -> Ban {
        Ban {
            target,
            reason: "cheating".into(),
            until: at(until),
            by: "ops".into(),
            since: at(0),
        }
    }

    #[test]
    fn times_are_rfc3339_in_utc() {
        assert_eq!(rfc3339(at(0)), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(at(951_782_400)), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(at(1_740_830_400 + 3_723)), "2025-03-01T13:02:03Z");
    }

    #[test]
    fn a_ban_holds_until_its_time_then_ends() {
        let bans = Bans::new(8);
        let ada = Target::Account("ada".into());
        bans.add(ban(ada.clone(), 100), at(0)).unwrap();
        let ip: IpAddr = "198.51.100.4".parse().unwrap();
        bans.add(ban(Target::Ip(ip), 50), at(0)).unwrap();
        assert!(bans.account("ada", at(99)).is_some());
        assert!(bans.account("bob", at(99)).is_none());
        assert!(bans.ip(ip, at(49)).is_some());
        assert!(bans.ip(ip, at(50)).is_none(), "expired");
        assert_eq!(bans.list(at(60)).len(), 1);
        assert_eq!(
            bans.account("ada", at(0)).unwrap().message(),
            "banned until 1970-01-01T00:01:40Z: cheating"
        );
        assert!(bans.lift(&ada, at(10)));
        assert!(!bans.lift(&ada, at(10)));
        assert!(bans.account("ada", at(10)).is_none());
    }

    #[test]
    fn the_table_is_bounded_and_expired_bans_make_room() {
        let bans = Bans::new(2);
        bans.add(ban(Target::Account("a".into()), 10), at(0))
            .unwrap();
        bans.add(ban(Target::Account("b".into()), 100), at(0))
            .unwrap();
        assert_eq!(
            bans.add(ban(Target::Account("c".into()), 100), at(5)),
            Err(BansFull)
        );
        // Replacing one in the table is always allowed.
        bans.add(ban(Target::Account("b".into()), 200), at(5))
            .unwrap();
        // Once "a" has expired, "c" fits.
        bans.add(ban(Target::Account("c".into()), 100), at(10))
            .unwrap();
        let listed: Vec<String> = bans
            .list(at(10))
            .iter()
            .map(|b| b.target.to_string())
            .collect();
        assert_eq!(listed, ["account c", "account b"]);
    }

    #[test]
    fn a_loaded_table_replaces_this_ones_and_names_its_new_bans() {
        let bans = Bans::new(8);
        bans.add(ban(Target::Account("lifted elsewhere".into()), 100), at(0))
            .unwrap();
        bans.add(ban(Target::Account("kept".into()), 100), at(0))
            .unwrap();
        let loaded = vec![
            ban(Target::Account("kept".into()), 100),
            ban(Target::Account("new".into()), 100),
        ];
        let fresh: Vec<String> = bans
            .replace(loaded)
            .iter()
            .map(|b| b.target.to_string())
            .collect();
        assert_eq!(fresh, ["account new"]);
        assert!(bans.account("lifted elsewhere", at(1)).is_none());
        assert!(bans.account("new", at(1)).is_some());
        assert_eq!(bans.list(at(1)).len(), 2);
    }
}
