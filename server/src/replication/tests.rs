//! Whole replication runs in memory: a real world with moving, firing
//! players, and clients that decode every snapshot from its bytes and
//! apply it exactly as a remote client would. Each client's view must
//! equal, at every tick, what the server's frame says it may see.

use std::collections::BTreeMap;

use glam::Vec2;
use rallypoint_shared::baselines::Baselines;
use rallypoint_shared::snapshot::{PlayerView, ProjectileView, ScoreView, WorldView};
use rallypoint_shared::{EntityId, InputFrame, PlayerState, ProjectileState, ServerMsg};

use super::*;
use crate::game::{GameConfig, Map, World};

/// How a test client acknowledges.
#[derive(Debug, Clone, Copy)]
enum Acks {
    /// Every snapshot, the next tick.
    Prompt,
    /// Its acks reach the server this many ticks late.
    Lagging(u32),
    /// Loses every n-th snapshot (it never arrives).
    Lossy(u32),
    /// Never acks: every snapshot is full.
    Never,
    /// Goes silent (no snapshots, no acks) for these ticks, from tick 40.
    Stalls(u32),
}

struct Client {
    entity: EntityId,
    acks: Acks,
    replica: Replica,
    baselines: Baselines,
    /// Acks on their way to the server: (arrival tick, acked tick).
    in_flight: Vec<(u32, u32)>,
    full: u32,
    delta: u32,
}

/// A tiny deterministic generator (no RNG state shared with the world).
fn lcg(state: &mut u64) -> f32 {
    *state = state
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    ((*state >> 33) as f32) / (1u64 << 31) as f32
}

fn inputs(ids: &[EntityId], tick: u32, seed: &mut u64, out: &mut Vec<(EntityId, InputFrame)>) {
    out.clear();
    for (i, &id) in ids.iter().enumerate() {
        // Headings change every 20 ticks, staggered, so motion is mostly
        // steady (cheap) with regular turns and stops (corrections).
        let phase = (tick + i as u32 * 7) / 20;
        let angle = (phase as f32 * 2.4 + i as f32) % std::f32::consts::TAU;
        let movement = if phase % 5 == 4 {
            Vec2::ZERO
        } else {
            Vec2::from_angle(angle)
        };
        let r = lcg(seed);
        out.push((
            id,
            InputFrame {
                seq: tick,
                movement,
                aim: Vec2::from_angle(angle + 0.5),
                fire: r < 0.3,
                hitscan: r > 0.95,
                ack_tick: tick.saturating_sub(2),
            },
        ));
    }
}

/// What `client` should hold at the newest frame: the visible part of it.
fn expected(frame: &Frame, grid: &Grid, me: EntityId, seq: u32) -> WorldView {
    let rec = frame.player(me.index).unwrap();
    let mut visible = interest::Visible::default();
    grid.query(frame, rec.exact, &mut visible);
    let players: BTreeMap<u32, PlayerView> = visible
        .players
        .iter()
        .map(|&i| {
            let p = &frame.players[i as usize];
            (
                p.id.index,
                PlayerView {
                    track: p.track,
                    aim: p.aim,
                    hp: p.hp,
                    alive: p.alive,
                },
            )
        })
        .collect();
    let projectiles = visible
        .projectiles
        .iter()
        .map(|&i| {
            let p = &frame.projectiles[i as usize];
            (
                p.id.index,
                ProjectileView {
                    owner: p.owner,
                    track: p.track,
                },
            )
        })
        .collect();
    let scores = frame
        .players
        .iter()
        .map(|p| {
            (
                p.id.index,
                ScoreView {
                    kills: p.kills,
                    deaths: p.deaths,
                },
            )
        })
        .collect();
    WorldView {
        tick: frame.tick,
        last_input_seq: seq,
        me: rec.exact,
        players,
        projectiles,
        scores,
    }
}

/// Runs `ticks` ticks of `players` players on `map` with the given clients
/// (one per player, the rest of the players unobserved), checking every
/// snapshot every client applies. Returns the clients for more checks.
fn run(map: Map, players: usize, acks: &[Acks], ticks: u32) -> Vec<Client> {
    let config = GameConfig::default();
    let tick_hz = config.tick_hz;
    let mut grid = Grid::new(&map.info.bounds, map.view_distance);
    let mut world = World::new(map, config);
    let ids: Vec<EntityId> = (0..players).map(|_| world.spawn_player()).collect();
    let mut clients: Vec<Client> = acks
        .iter()
        .zip(&ids)
        .map(|(&acks, &entity)| Client {
            entity,
            acks,
            replica: Replica::new(),
            baselines: Baselines::new(),
            in_flight: Vec::new(),
            full: 0,
            delta: 0,
        })
        .collect();
    let mut frames = Frames::new();
    let mut encoder = Encoder::new();
    let (mut ps, mut qs): (Vec<PlayerState>, Vec<ProjectileState>) = (Vec::new(), Vec::new());
    let mut input = Vec::new();
    let mut seed = 7;
    let mut bytes = Vec::new();
    for _ in 0..ticks {
        inputs(&ids, world.tick() + 1, &mut seed, &mut input);
        world.step(&input);
        let tick = world.tick();
        world.write_state(&mut ps, &mut qs);
        frames.push(tick, &ps, &qs, tick_hz);
        let frame = frames.newest().unwrap();
        grid.rebuild(frame);
        for c in &mut clients {
            // Acks that have arrived by now.
            let replica = &mut c.replica;
            c.in_flight.retain(|&(at, acked)| {
                if at <= tick {
                    replica.ack(acked);
                }
                at > tick
            });
            let kind = encoder
                .encode(&frames, &grid, &mut c.replica, c.entity, tick, &mut bytes)
                .unwrap()
                .unwrap();
            let lost = match c.acks {
                Acks::Lossy(n) => tick.is_multiple_of(n),
                Acks::Stalls(n) => (40..40 + n).contains(&tick),
                _ => false,
            };
            if lost {
                continue;
            }
            let ServerMsg::Snapshot(snap) = rallypoint_shared::decode_server(&bytes).unwrap()
            else {
                panic!("not a snapshot");
            };
            match kind {
                SnapshotKind::Full => c.full += 1,
                SnapshotKind::Delta { .. } => c.delta += 1,
            }
            let view = c.baselines.receive(&snap).unwrap().clone();
            assert_eq!(
                view,
                expected(frame, &grid, c.entity, tick),
                "client {:?} at tick {tick} ({kind:?})",
                c.acks
            );
            let delay = match c.acks {
                Acks::Never => continue,
                Acks::Lagging(n) => n,
                _ => 1,
            };
            c.in_flight.push((tick + delay, c.baselines.ack_tick()));
        }
    }
    clients
}

#[test]
fn every_client_rebuilds_exactly_what_it_may_see_in_the_arena() {
    let acks = [
        Acks::Prompt,
        Acks::Lagging(3),
        Acks::Lossy(5),
        Acks::Never,
        Acks::Stalls(40),
    ];
    let clients = run(Map::default_arena(), 16, &acks, 300);
    let by = |i: usize| (clients[i].full, clients[i].delta);
    assert_eq!(by(0), (1, 299), "prompt: one full snapshot, then deltas");
    assert_eq!(by(1), (3, 297), "full until the first ack lands");
    assert_eq!(by(3), (300, 0), "no acks, no deltas");
    // The stall outlasts the window: the first snapshot after it is full.
    assert_eq!(by(4).0, 2);
    assert_eq!(clients[4].baselines.stats().resets, 1);
    for c in &clients {
        assert_eq!(c.baselines.stats().missing_baseline, 0);
    }
}

#[test]
fn a_large_lobby_sends_only_what_is_in_view() {
    let acks = [Acks::Prompt; 32];
    let clients = run(
        crate::game::Map::from_toml_str(LARGE_MAP).unwrap(),
        256,
        &acks,
        120,
    );
    // The check in `run` already proves each view is exactly the visible
    // set; here, that the view really is a part of a 256-player world.
    for c in &clients {
        let view = c.baselines.newest().unwrap();
        assert_eq!(view.scores.len(), 256, "the score table is whole");
        assert!(
            view.players.len() < 128,
            "{} players seen",
            view.players.len()
        );
        assert!(view.players.contains_key(&c.entity.index), "itself");
    }
}

const LARGE_MAP: &str = include_str!("../../../assets/maps/large.toml");

#[test]
fn deltas_of_a_steady_world_are_small() {
    // Same world, encoded for a prompt client: after the first full
    // snapshot, a delta must be far smaller than the full encoding.
    let config = GameConfig::default();
    let map = Map::default_arena();
    let mut grid = Grid::new(&map.info.bounds, map.view_distance);
    let mut world = World::new(map, config);
    let ids: Vec<EntityId> = (0..16).map(|_| world.spawn_player()).collect();
    let (mut frames, mut encoder, mut replica) = (Frames::new(), Encoder::new(), Replica::new());
    let (mut ps, mut qs, mut bytes) = (Vec::new(), Vec::new(), Vec::new());
    let still: Vec<_> = ids
        .iter()
        .map(|&id| {
            (
                id,
                InputFrame {
                    seq: 1,
                    movement: Vec2::X,
                    aim: Vec2::Y,
                    fire: false,
                    hitscan: false,
                    ack_tick: 0,
                },
            )
        })
        .collect();
    let mut sizes = Vec::new();
    for _ in 0..10 {
        world.step(&still);
        world.write_state(&mut ps, &mut qs);
        frames.push(world.tick(), &ps, &qs, 30);
        grid.rebuild(frames.newest().unwrap());
        encoder
            .encode(&frames, &grid, &mut replica, ids[0], 1, &mut bytes)
            .unwrap();
        sizes.push(bytes.len());
        replica.ack(world.tick());
    }
    // Everyone walks straight at the same speed: once the second snapshot
    // has taught the velocities, a delta is the header and own position
    // (until players reach the far wall, around tick 9).
    assert!(sizes[0] > 200, "full snapshot {}", sizes[0]);
    assert!(sizes[1] > 100, "velocities {}", sizes[1]);
    for (i, &n) in sizes.iter().enumerate().take(8).skip(2) {
        assert!(n <= 12, "steady delta at tick {} is {n} bytes", i + 1);
    }
}
