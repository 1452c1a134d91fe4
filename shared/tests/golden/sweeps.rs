//! Seeded sweeps of many thousand movement cases, each checked by a digest
//! of its results with a few cases written out to debug with:
//! `step_player` at every tick rate and at the lowest ones, and the
//! collision functions unsnapped (the final snap to the 1/1024 grid hides
//! most intermediate rounding errors from `step_player`'s result).
//! `tests/web/movement.test.mjs` regenerates the same inputs with the same
//! generator and the same `f32` arithmetic.

use glam::Vec2;
use rallypoint_arena::MapInfo;
use rallypoint_arena::movement::{
    push_out_of_rect, resolve_collisions, sanitize_input, step_player, tick_dt,
};
use rallypoint_shared::snapshot::from_fixed;
use serde_json::{Value, json};

use super::js;
use super::movement::input;
use crate::common::ivec;

/// A seeded 32-bit xorshift: the walks and sweeps are the same on every
/// run, and `tests/web/movement.test.mjs` regenerates the sweeps' inputs
/// with the same generator and the same `f32` arithmetic.
pub(super) struct Rng(pub(super) u32);

impl Rng {
    pub(super) fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }

    /// A movement component in [-1.5, 1.5], sometimes exactly 0.
    pub(super) fn component(&mut self) -> f32 {
        match self.next() % 8 {
            0 => 0.0,
            _ => (self.next() % 3001) as f32 / 1000.0 - 1.5,
        }
    }

    /// A value in [lo, hi], a millionth of the range apart.
    fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (self.next() % 1_000_001) as f32 / 1_000_000.0 * (hi - lo)
    }
}

/// FNV-1a over the little-endian bytes of `f32` bit patterns.
struct Digest(u32);

impl Digest {
    fn add(&mut self, v: Vec2) {
        for bits in [v.x.to_bits(), v.y.to_bits()] {
            for byte in bits.to_le_bytes() {
                self.0 = (self.0 ^ u32::from(byte)).wrapping_mul(16_777_619);
            }
        }
    }
}

/// Cases written out in full at the head of each sweep, to debug with.
const SHOWN: usize = 4;

/// Runs `case` `cases` times on one generator, digesting what it returns.
fn sweep(
    name: &str,
    seed: u32,
    cases: usize,
    mut case: impl FnMut(&mut Rng) -> (Value, Vec<Vec2>),
) -> Value {
    let mut rng = Rng(seed);
    let mut digest = Digest(2_166_136_261);
    let mut first = Vec::new();
    for i in 0..cases {
        let (shown, outputs) = case(&mut rng);
        outputs.iter().for_each(|&v| digest.add(v));
        if i < SHOWN {
            first.push(shown);
        }
    }
    json!({ "name": name, "seed": seed, "cases": cases, "digest": digest.0, "first": first })
}

/// `step_player` from a random grid position with a random input, at a
/// random tick rate from 1 to `max_hz`. Digests the sanitised movement and
/// the position after. Low rates mean many sub-steps, whose rounding
/// errors add up until one can flip the final snap.
fn sweep_steps(map: &MapInfo, name: &str, seed: u32, max_hz: u32) -> Value {
    sweep(name, seed, 20_000, |rng| {
        let tick_hz = 1 + (rng.next() % max_hz) as u16;
        let x = (rng.next() % (1600 * 1024)) as i32;
        let y = (rng.next() % (1000 * 1024)) as i32;
        let pos = from_fixed(ivec(x, y));
        let raw = Vec2::new(rng.component(), rng.component());
        let movement = sanitize_input(input(raw, Vec2::X)).unwrap().movement;
        let after = step_player(pos, movement, tick_dt(tick_hz), map);
        let shown = json!({
            "tick_hz": tick_hz,
            "pos": js::bits(pos),
            "raw": js::bits(raw),
            "movement": js::bits(movement),
            "after": js::bits(after),
        });
        (shown, vec![movement, after])
    })
}

/// `push_out_of_rect` from a random point within 24 units of a random
/// wall, with a radius of 16, 5.5 or 0.75. Digests the result.
fn sweep_push_out(map: &MapInfo) -> Value {
    sweep("push_out_of_rect", 0x0bad_cafe, 20_000, |rng| {
        let wall = map.walls[rng.next() as usize % map.walls.len()];
        let radius = [16.0, 5.5, 0.75][rng.next() as usize % 3];
        let x = rng.range(wall.min.x - 24.0, wall.max.x + 24.0);
        let y = rng.range(wall.min.y - 24.0, wall.max.y + 24.0);
        let pos = Vec2::new(x, y);
        let after = push_out_of_rect(pos, radius, &wall);
        let shown = json!({
            "wall": js::rect(&wall),
            "radius": radius,
            "pos": js::bits(pos),
            "after": js::bits(after),
        });
        (shown, vec![after])
    })
}

/// `resolve_collisions` (every wall, then the bounds) from a random point
/// in and around the arena. Digests the result.
fn sweep_resolve(map: &MapInfo) -> Value {
    sweep("resolve_collisions", 0xfeed_f00d, 20_000, |rng| {
        let x = rng.range(-40.0, 1640.0);
        let y = rng.range(-40.0, 1040.0);
        let pos = Vec2::new(x, y);
        let after = resolve_collisions(pos, 16.0, map);
        (
            json!({ "pos": js::bits(pos), "after": js::bits(after) }),
            vec![after],
        )
    })
}

pub fn all(map: &MapInfo) -> Value {
    json!([
        sweep_steps(map, "step_player", 0x1234_5678, 128),
        sweep_steps(map, "step_player at 1 to 4 Hz", 0x8765_4321, 4),
        sweep_push_out(map),
        sweep_resolve(map),
    ])
}
