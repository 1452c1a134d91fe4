//! Two worlds fed the same inputs must stay bit-identical, tick after tick,
//! through movement, combat, deaths, respawns, joins and leaves.

use crate::movement::sanitize_input;

use super::*;

/// A tiny deterministic generator (xorshift64), so the test needs no crate.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform in [-1, 1).
    fn signed_unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u32 << 23) as f32 - 1.0
    }
}

/// Every bit of observable state, floats by their bit patterns.
fn fingerprint(world: &World) -> Vec<u32> {
    let (mut players, mut shots) = (Vec::new(), Vec::new());
    world.write_state(&mut players, &mut shots);
    let mut bits = vec![world.tick()];
    for p in players {
        bits.extend([p.id.index, p.id.generation, p.kills, p.deaths]);
        bits.extend([u32::from(p.hp), u32::from(p.alive)]);
        bits.extend([p.pos.x, p.pos.y, p.aim.x, p.aim.y].map(f32::to_bits));
    }
    for s in shots {
        bits.extend([
            s.id.index,
            s.id.generation,
            s.owner.index,
            s.owner.generation,
        ]);
        bits.extend([s.pos.x, s.pos.y, s.vel.x, s.vel.y].map(f32::to_bits));
    }
    bits
}

/// One or two inputs per player: random movement, aiming roughly at the
/// next player so that shots land, firing half the time, and the hitscan
/// weapon a quarter of the time with up to 12 ticks of lag (so some views
/// are clamped).
fn inputs(world: &World, ids: &[EntityId], rng: &mut XorShift) -> Vec<(EntityId, InputFrame)> {
    let mut out = Vec::new();
    for (i, &id) in ids.iter().enumerate() {
        let target = ids[(i + 1) % ids.len()];
        let (Some(me), Some(them)) = (world.player(id), world.player(target)) else {
            continue;
        };
        for _ in 0..1 + rng.next() % 2 {
            let jitter = Vec2::new(rng.signed_unit(), rng.signed_unit()) * 20.0;
            let raw = InputFrame {
                seq: 0,
                movement: Vec2::new(rng.signed_unit(), rng.signed_unit()) * 1.5,
                aim: them.pos + jitter - me.pos,
                fire: rng.next().is_multiple_of(2),
                hitscan: rng.next().is_multiple_of(4),
                ack_tick: world.tick().saturating_sub((rng.next() % 13) as u32),
            };
            out.push((id, sanitize_input(raw).unwrap()));
        }
    }
    out
}

#[test]
fn same_inputs_give_bit_identical_worlds() {
    let mut worlds = [0, 1].map(|_| World::new(Map::default_arena(), GameConfig::default()));
    let mut ids: Vec<EntityId> = (0..8).map(|_| worlds[0].spawn_player()).collect();
    assert_eq!(
        ids,
        (0..8).map(|_| worlds[1].spawn_player()).collect::<Vec<_>>()
    );
    let mut rng = XorShift(0x5eed_1234_abcd_0001);
    let (mut hits, mut kills, mut respawns, mut hitscans) = (0, 0, 0, 0);
    for tick in 0..600 {
        if tick == 200 {
            let gone = ids.remove(3);
            assert!(worlds.iter_mut().all(|w| w.remove_player(gone)));
        }
        if tick == 300 {
            let joined = worlds.each_mut().map(|w| w.spawn_player());
            assert_eq!(joined[0], joined[1]);
            ids.push(joined[0]);
        }
        let frame = inputs(&worlds[0], &ids, &mut rng);
        let [ea, eb] = worlds.each_mut().map(|w| w.step(&frame));
        assert_eq!(ea, eb, "events diverged at tick {tick}");
        assert_eq!(
            fingerprint(&worlds[0]),
            fingerprint(&worlds[1]),
            "tick {tick}"
        );
        for event in ea {
            match event {
                GameEvent::Hit { .. } => hits += 1,
                GameEvent::Killed { .. } => kills += 1,
                GameEvent::Respawned { .. } => respawns += 1,
                GameEvent::HitscanFired { hit: Some(_), .. } => hitscans += 1,
                GameEvent::Fired { .. } | GameEvent::HitscanFired { .. } => {}
            }
        }
    }
    // The run must exercise combat, or it proves little.
    assert!(
        hits > 20 && kills > 3 && respawns > 2 && hitscans > 5,
        "{hits} {kills} {respawns} {hitscans}"
    );
}
