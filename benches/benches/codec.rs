//! What the codec costs per tick: encoding one 16-player snapshot (the
//! lobby task does this once per member per tick, into a reused buffer),
//! decoding it (each client's side), and decoding one input (the server's
//! side, once per player per tick).
//!
//! Run: `cargo bench -p rallypoint-benches --bench codec`.

use std::f32::consts::FRAC_1_SQRT_2;
use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use glam::Vec2;
use rallypoint_shared::{
    ClientMsg, EntityId, InputFrame, PlayerState, ProjectileState, ServerMsg, Snapshot,
    decode_client, decode_server, encode_client, encode_server_into,
};

/// A snapshot as a busy lobby sends it an hour in: ticks and input numbers
/// past 65 535 (five-byte varints), positions with fractions, unit aims, a
/// few dead players and reused entity slots.
fn snapshot(players: u32, projectiles: u32) -> ServerMsg {
    let players = (0..players)
        .map(|i| {
            let angle = i as f32 * 0.39;
            PlayerState {
                id: EntityId {
                    index: i,
                    generation: 1 + i % 4,
                },
                pos: Vec2::new(83.25 + i as f32 * 91.7, 1107.5 - i as f32 * 63.3),
                aim: Vec2::from_angle(angle),
                hp: 100 - (i * 13 % 100) as u8,
                alive: i % 7 != 3,
                kills: i * 3 % 40,
                deaths: i * 5 % 30,
            }
        })
        .collect();
    let projectiles = (0..projectiles)
        .map(|i| {
            let dir = Vec2::from_angle(i as f32 * 0.77);
            ProjectileState {
                id: EntityId {
                    index: 16 + i,
                    generation: 40 + i * 17,
                },
                owner: EntityId {
                    index: i % 16,
                    generation: 1 + i % 4,
                },
                pos: Vec2::new(200.0 + i as f32 * 71.1, 150.0 + i as f32 * 49.9),
                vel: dir * 600.0,
            }
        })
        .collect();
    ServerMsg::Snapshot(Snapshot {
        tick: 108_000,
        last_input_seq: 107_950,
        players,
        projectiles,
    })
}

fn input() -> ClientMsg {
    ClientMsg::Input(InputFrame {
        seq: 107_951,
        movement: Vec2::new(FRAC_1_SQRT_2, -FRAC_1_SQRT_2),
        aim: Vec2::new(-0.28, 0.96),
        fire: true,
        hitscan: false,
        ack_tick: 107_998,
    })
}

fn snapshot_codec(c: &mut Criterion) {
    let players = 16;
    let msg = snapshot(players, 16);
    let mut buf = Vec::new();
    encode_server_into(&msg, &mut buf).expect("snapshot encodes");
    let bytes = buf.clone();

    let mut group = c.benchmark_group("snapshot_encode");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_with_input(BenchmarkId::from_parameter(players), &msg, |b, msg| {
        b.iter(|| {
            buf.clear();
            encode_server_into(black_box(msg), &mut buf).unwrap();
            black_box(buf.len())
        })
    });
    group.finish();

    let mut group = c.benchmark_group("snapshot_decode");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_with_input(BenchmarkId::from_parameter(players), &bytes, |b, bytes| {
        b.iter(|| decode_server(black_box(bytes)).unwrap())
    });
    group.finish();
}

fn input_codec(c: &mut Criterion) {
    let bytes = encode_client(&input()).expect("input encodes");
    c.bench_function("input_decode", |b| {
        b.iter(|| decode_client(black_box(&bytes)).unwrap())
    });
}

criterion_group!(benches, snapshot_codec, input_codec);
criterion_main!(benches);
