//! How long one `World::step` takes with every player moving and firing:
//! `world_step/16` on the bundled arena, `world_step/256` on the large map.
//! Each world is first run for a few seconds of game time so projectiles,
//! deaths and respawns are at their steady state when measuring starts.
//! `world_write_state/256` is the per-tick cost of filling snapshot buffers.
//!
//! Run with `cargo bench -p rallypoint-benches --bench world`.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rallypoint_benches::{Bots, populated_world};

/// Ticks run before measuring: 5 s at 30 Hz, longer than a projectile's
/// lifetime plus a respawn delay.
const WARMUP_TICKS: usize = 150;

const SEED: u64 = 0x5241_4c4c_5950_4f49;

fn world_step(c: &mut Criterion) {
    let mut group = c.benchmark_group("world_step");
    for players in [16, 256] {
        let (mut world, ids) = populated_world(players);
        let mut bots = Bots::new(SEED);
        let mut inputs = Vec::with_capacity(players);
        for _ in 0..WARMUP_TICKS {
            bots.fill(&ids, world.tick(), &mut inputs);
            world.step(&inputs);
        }
        eprintln!(
            "world_step/{players}: {} projectiles in flight after warm-up",
            world.projectile_count()
        );
        group.throughput(Throughput::Elements(players as u64));
        group.bench_function(BenchmarkId::from_parameter(players), |b| {
            b.iter(|| {
                bots.fill(&ids, world.tick(), &mut inputs);
                black_box(world.step(black_box(&inputs)))
            })
        });
    }
    group.finish();
}

fn world_write_state(c: &mut Criterion) {
    let (mut world, ids) = populated_world(256);
    let mut bots = Bots::new(SEED);
    let mut inputs = Vec::new();
    for _ in 0..WARMUP_TICKS {
        bots.fill(&ids, world.tick(), &mut inputs);
        world.step(&inputs);
    }
    let (mut players, mut projectiles) = (Vec::new(), Vec::new());
    c.bench_function("world_write_state/256", |b| {
        b.iter(|| {
            world.write_state(&mut players, &mut projectiles);
            black_box((&players, &projectiles));
        })
    });
}

criterion_group!(benches, world_step, world_write_state);
criterion_main!(benches);
