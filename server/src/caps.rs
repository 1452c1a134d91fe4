//! Connection caps: a global maximum and a maximum per IP address. A
//! connection holds a [`Slot`] for as long as it lives; dropping the slot
//! gives both places back.

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
    per_ip: Arc<Mutex<HashMap<IpAddr, usize>>>,
    max_per_ip: usize,
}

/// One connection's place under both caps.
pub struct Slot {
    _global: OwnedSemaphorePermit,
    ip: IpAddr,
    per_ip: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl Caps {
    pub fn new(max_connections: usize, max_per_ip: usize) -> Self {
        Self {
            global: Arc::new(Semaphore::new(max_connections)),
            per_ip: Arc::default(),
            max_per_ip,
        }
    }

    /// Takes a place for a connection from `ip`, if both caps allow.
    pub fn try_acquire(&self, ip: IpAddr) -> Result<Slot, CapError> {
        let global = self
            .global
            .clone()
            .try_acquire_owned()
            .map_err(|_| CapError::Global)?;
        let mut counts = lock(&self.per_ip);
        let count = counts.entry(ip).or_insert(0);
        if *count >= self.max_per_ip {
            return Err(CapError::PerIp);
        }
        *count += 1;
        Ok(Slot {
            _global: global,
            ip,
            per_ip: self.per_ip.clone(),
        })
    }
}

fn lock(m: &Mutex<HashMap<IpAddr, usize>>) -> std::sync::MutexGuard<'_, HashMap<IpAddr, usize>> {
    // Each edit is one insert or decrement; a poisoned map is still whole.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = lock(&self.per_ip);
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
        assert_eq!(lock(&caps.per_ip).len(), 2);
    }
}
