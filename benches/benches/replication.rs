//! What replication costs per tick, with every player a client acking each
//! snapshot at once (so snapshots are deltas against the previous tick):
//! - `delta_encode/16x16`: 16 clients' snapshots in a 16-player arena;
//! - `delta_encode/256`: 256 clients' snapshots in a 256-player lobby on
//!   the large map, with interest management;
//! - `tick/16`, `tick/256`: a whole tick, the arena game's step through
//!   the `Game` trait plus its declared state, frame, grid,
//!   every client's snapshot and queueing it in the client's outbox: what a
//!   lobby task spends per tick, but for the socket write itself (these
//!   outboxes have no socket, so each push queues a copy, taken off again
//!   as the writer would; with a socket the push writes instead, and what
//!   that costs is the kernel's, measured by `benches/capacity`).
//!
//! Before measuring, each case prints the snapshot bytes per client per
//! tick it produced over its warm-up, full and delta.
//!
//! Run: `cargo bench -p rallypoint-benches --bench replication`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rallypoint_benches::Lobby;

/// Ticks run before measuring: 5 s at 30 Hz, so projectiles, deaths and
/// respawns are at their steady state.
const WARMUP_TICKS: usize = 150;

const SEED: u64 = 0x5241_4c4c_5950_4f49;

fn warmed(players: usize) -> Lobby {
    let mut lobby = Lobby::new(players, SEED);
    for _ in 0..WARMUP_TICKS {
        lobby.step();
        lobby.encode_all();
    }
    let per = |bytes: u64| bytes as f64 / lobby.snapshots as f64;
    eprintln!(
        "{players} players: {:.1} B per snapshot on average over {} snapshots \
         ({:.0} B full, {:.1} B delta of it), {} projectiles in flight",
        per(lobby.full_bytes + lobby.delta_bytes),
        lobby.snapshots,
        per(lobby.full_bytes),
        per(lobby.delta_bytes),
        lobby.game.world().projectile_count(),
    );
    lobby
}

fn delta_encode(c: &mut Criterion) {
    let mut group = c.benchmark_group("delta_encode");
    for (name, players) in [("16x16", 16), ("256", 256)] {
        let mut lobby = warmed(players);
        group.throughput(Throughput::Elements(players as u64));
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            // Only the encoding is timed; each iteration needs a new tick.
            b.iter_custom(|iters| {
                let mut spent = Duration::ZERO;
                for _ in 0..iters {
                    lobby.step();
                    let start = Instant::now();
                    black_box(lobby.encode_all());
                    spent += start.elapsed();
                }
                spent
            })
        });
    }
    group.finish();
}

fn tick(c: &mut Criterion) {
    let mut group = c.benchmark_group("tick");
    for players in [16, 256] {
        let mut lobby = warmed(players);
        group.throughput(Throughput::Elements(players as u64));
        group.bench_function(BenchmarkId::from_parameter(players), |b| {
            b.iter(|| {
                lobby.step();
                black_box(lobby.encode_and_queue_all())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, delta_encode, tick);
criterion_main!(benches);
