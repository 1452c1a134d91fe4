//! What the codec costs: encoding a full 16-player snapshot with the
//! generic encoder (the server itself splices shared parts instead; see the
//! `replication` bench), decoding it and applying its records to a view
//! (each client's side), and decoding one input, envelope and arena's
//! payload (the server's side, once per player per tick).
//!
//! Run: `cargo bench -p rallypoint-benches --bench codec`.

use std::f32::consts::FRAC_1_SQRT_2;
use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use glam::Vec2;
use rallypoint_arena::{Arena, InputFrame};
use rallypoint_benches::Lobby;
use rallypoint_game::view::GameView;
use rallypoint_shared::snapshot::SnapshotView;
use rallypoint_shared::{
    ClientMsg, Input, ServerMsg, decode_client, decode_payload, decode_server, encode_client,
    encode_payload, encode_server_into,
};

/// A full snapshot of a 16-player arena in play: the one a client gets on
/// joining, taken from a [`Lobby`] after five seconds of bots.
fn snapshot() -> ServerMsg {
    let mut lobby = Lobby::new(16, 0x5241_4c4c);
    for _ in 0..150 {
        lobby.step();
    }
    lobby.encode_all();
    decode_server(lobby.last_bytes()).expect("the server's snapshot decodes")
}

fn input() -> ClientMsg {
    let frame = InputFrame {
        movement: Vec2::new(FRAC_1_SQRT_2, -FRAC_1_SQRT_2),
        aim: Vec2::new(-0.28, 0.96),
        fire: true,
        ..InputFrame::default()
    };
    ClientMsg::Input(Input {
        seq: 107_951,
        ack_tick: 107_998,
        payload: encode_payload(&frame).expect("an input encodes"),
    })
}

fn snapshot_codec(c: &mut Criterion) {
    let players = 16;
    let msg = snapshot();
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
        b.iter(|| {
            let ServerMsg::Snapshot(snap) = decode_server(black_box(bytes)).unwrap() else {
                unreachable!("a snapshot")
            };
            GameView::<Arena>::default().apply(&snap).unwrap()
        })
    });
    group.finish();
}

fn input_codec(c: &mut Criterion) {
    let bytes = encode_client(&input()).expect("input encodes");
    c.bench_function("input_decode", |b| {
        b.iter(|| {
            let ClientMsg::Input(input) = decode_client(black_box(&bytes)).unwrap() else {
                unreachable!("an input")
            };
            decode_payload::<InputFrame>(&input.payload.0).unwrap()
        })
    });
}

criterion_group!(benches, snapshot_codec, input_codec);
criterion_main!(benches);
