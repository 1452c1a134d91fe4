//! Connection caps: a global maximum and a maximum per client IP address.
//! A connection holds a [`Slot`] for as long as it lives; dropping it gives
//! its places back.
//!
//! Most connections take both places at accept ([`Caps::try_acquire`]).
//! A connection from a trusted proxy does not yet know its client there:
//! it takes only the global place ([`Caps::try_acquire_global`]), and the
//! per-IP place ([`IpPlace`]) is taken once the client is known, from the
//! PROXY header (for the whole connection) or from the headers of each
//! WebSocket upgrade (for that WebSocket), so that the cap counts clients,
//! not the proxy.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Why a connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CapError {
    #[error("server is at its connection limit")]
    Global,
    #[error("too many connections from this address")]
    PerIp,
}

/// See the module docs.
pub struct Caps {
    global: Arc<Semaphore>,
    per_ip: Arc<PerIp>,
}

/// Open connections by client address.
struct PerIp {
    counts: Mutex<HashMap<IpAddr, usize>>,
    max: usize,
}

/// One connection's place under the global cap, and under the per-IP cap
/// once its client is known.
pub struct Slot {
    _global: OwnedSemaphorePermit,
    place: Option<IpPlace>,
}

/// One place under the per-IP cap, given back on drop.
pub struct IpPlace {
    ip: IpAddr,
    per_ip: Arc<PerIp>,
}

impl Caps {
    pub fn new(max_connections: usize, max_per_ip: usize) -> Self {
        Self {
            global: Arc::new(Semaphore::new(max_connections)),
            per_ip: Arc::new(PerIp {
                counts: Mutex::default(),
                max: max_per_ip,
            }),
        }
    }

    /// Takes a place for a connection from `ip`, if both caps allow.
    pub fn try_acquire(&self, ip: IpAddr) -> Result<Slot, CapError> {
        let mut slot = self.try_acquire_global()?;
        slot.place = Some(self.try_place(ip)?);
        Ok(slot)
    }

    /// Takes a place under the global cap only: for a connection whose
    /// client is not known yet.
    pub fn try_acquire_global(&self) -> Result<Slot, CapError> {
        let global = self
            .global
            .clone()
            .try_acquire_owned()
            .map_err(|_| CapError::Global)?;
        Ok(Slot {
            _global: global,
            place: None,
        })
    }

    /// Takes a place under the per-IP cap for `ip`.
    pub fn try_place(&self, ip: IpAddr) -> Result<IpPlace, CapError> {
        let mut counts = self.per_ip.lock();
        let count = counts.entry(ip).or_insert(0);
        if *count >= self.per_ip.max {
            if *count == 0 {
                counts.remove(&ip);
            }
            return Err(CapError::PerIp);
        }
        *count += 1;
        Ok(IpPlace {
            ip,
            per_ip: self.per_ip.clone(),
        })
    }
}

impl Slot {
    /// Gives a global-only slot its client's per-IP place.
    pub fn set_place(&mut self, place: IpPlace) {
        self.place = Some(place);
    }
}

impl PerIp {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, usize>> {
        // Each edit is one insert or decrement; a poisoned map is still whole.
        self.counts.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for IpPlace {
    fn drop(&mut self) {
        let mut counts = self.per_ip.lock();
        if let Some(count) = counts.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                // Keep the map as small as the set of connected addresses.
                counts.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_ip_and_global_caps_hold_and_release() {
        let caps = Caps::new(3, 2);
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        let a1 = caps.try_acquire(a).unwrap();
        let _a2 = caps.try_acquire(a).unwrap();
        assert_eq!(caps.try_acquire(a).err(), Some(CapError::PerIp));
        let _b1 = caps.try_acquire(b).unwrap();
        assert_eq!(caps.try_acquire(b).err(), Some(CapError::Global));
        drop(a1);
        assert!(caps.try_acquire(a).is_ok());
        assert_eq!(caps.per_ip.lock().len(), 2);
    }

    #[test]
    fn a_global_slot_takes_its_per_ip_place_later() {
        let caps = Caps::new(10, 1);
        let client: IpAddr = [203, 0, 113, 7].into();
        // Two connections from one proxy: only the global cap counts them.
        let mut first = caps.try_acquire_global().unwrap();
        let second = caps.try_acquire_global().unwrap();
        first.set_place(caps.try_place(client).unwrap());
        assert_eq!(caps.try_place(client).err(), Some(CapError::PerIp));
        // Places taken per WebSocket on a proxy's connection are separate.
        let other = caps.try_place([203, 0, 113, 8].into()).unwrap();
        drop(first);
        let again = caps.try_place(client).unwrap();
        drop((second, other, again));
        assert!(caps.per_ip.lock().is_empty());
    }
}
