//! The bridge between slotmap keys and the protocol's [`EntityId`]. It owns
//! the one rule that makes ids from the wire safe to look up: an id that is
//! not exactly a key the world handed out names nothing.

use rallypoint_shared::EntityId;
use slotmap::{Key, KeyData, new_key_type};

new_key_type! {
    /// A player's slot in the world.
    pub(crate) struct PlayerKey;
    /// A projectile's slot in the world. Projectile and player ids are
    /// separate namespaces: the same `EntityId` may name one of each.
    pub(crate) struct ProjectileKey;
}

/// A key as the protocol sees it: the slot index in the low 32 bits of the
/// FFI form, the version (generation) in the high 32.
pub(crate) fn entity_id<K: Key>(key: K) -> EntityId {
    let ffi = key.data().as_ffi();
    EntityId {
        index: ffi as u32,
        generation: (ffi >> 32) as u32,
    }
}

/// The key an id names, if it could be one the world handed out.
///
/// `KeyData::from_ffi` forces the version odd, so without the round-trip
/// check a forged even generation would alias the live key one above it.
pub(crate) fn key_of<K: Key>(id: EntityId) -> Option<K> {
    let ffi = (u64::from(id.generation) << 32) | u64::from(id.index);
    let data = KeyData::from_ffi(ffi);
    (data.as_ffi() == ffi).then(|| K::from(data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use slotmap::SlotMap;

    #[test]
    fn round_trips_live_keys() {
        let mut slots: SlotMap<PlayerKey, ()> = SlotMap::with_key();
        let a = slots.insert(());
        slots.remove(a);
        let b = slots.insert(());
        assert_eq!(key_of::<PlayerKey>(entity_id(a)), Some(a));
        assert_eq!(key_of::<PlayerKey>(entity_id(b)), Some(b));
        // The slot was reused: same index, new generation.
        assert_eq!(entity_id(a).index, entity_id(b).index);
        assert_ne!(entity_id(a).generation, entity_id(b).generation);
    }

    #[test]
    fn forged_ids_do_not_alias_live_keys() {
        let mut slots: SlotMap<PlayerKey, ()> = SlotMap::with_key();
        let live = slots.insert(());
        let id = entity_id(live);
        let even = EntityId {
            generation: id.generation - 1,
            ..id
        };
        assert_eq!(key_of::<PlayerKey>(even), None);
        for forged in [
            EntityId {
                generation: id.generation + 2,
                ..id
            },
            EntityId {
                index: u32::MAX,
                generation: u32::MAX,
            },
            EntityId {
                index: 0,
                generation: 1,
            },
        ] {
            let found = key_of::<PlayerKey>(forged).and_then(|k| slots.get(k));
            assert_eq!(found, None, "{forged:?}");
        }
    }
}
