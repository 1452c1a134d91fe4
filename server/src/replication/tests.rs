//! Whole replication runs in memory: a real world with moving, firing
//! players, and clients that decode every snapshot from its bytes and
//! apply it exactly as a remote client would. Each client's view must
//! equal, at every tick, what the server's frame says it may see.

use std::collections::BTreeMap;

use glam::Vec2;
use rallypoint_arena::{Arena, ArenaConfig, GameConfig, InputFrame, Map, NoMsg, PLAYER};
use rallypoint_game::view::{GameView, Held, View};
use rallypoint_game::{EntityKey, Events, Game, LobbyParams, PlayerId, State};
use rallypoint_shared::ServerMsg;
use rallypoint_shared::baselines::Baselines;

use super::*;

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
    player: PlayerId,
    avatar: EntityKey,
    acks: Acks,
    replica: Replica,
    baselines: Baselines<GameView<Arena>>,
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

fn inputs(ids: &[PlayerId], tick: u32, seed: &mut u64, out: &mut Vec<(PlayerId, InputFrame)>) {
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
fn expected(frame: &Frame<Arena>, grid: &Grid, c: &Client, seq: u32) -> GameView<Arena> {
    let rec = frame.entity(c.avatar).unwrap();
    let mut visible = Visible::default();
    grid.query(frame, Some(rec.exact), c.player, &mut visible);
    let mut entities = BTreeMap::new();
    for &i in &visible {
        let r = &frame.entities[i as usize];
        let held = Held {
            track: Some(r.track),
            fields: r.fields,
        };
        entities.insert((r.key.kind, r.key.id.index), held);
    }
    let rows = frame.rows.iter().map(|r| (r.key, r.fields)).collect();
    View {
        tick: frame.tick,
        last_input_seq: seq,
        me: rec.exact,
        entities,
        rows,
        singleton: None,
    }
}

/// An arena game on `map` with `players` members; their ids and avatars.
fn arena(map: Map, players: usize) -> (Arena, Vec<(PlayerId, EntityKey)>) {
    let config = ArenaConfig {
        map,
        rules: GameConfig::default(),
    };
    let params = LobbyParams {
        tick_hz: 30,
        max_players: 255,
    };
    let mut game = Arena::create(&config, &params);
    let mut events = Events::new();
    let members = (0..players as u64)
        .map(|i| {
            let player = PlayerId(i + 1);
            (player, game.join(0, player, &mut events).unwrap())
        })
        .collect();
    (game, members)
}

/// Runs `ticks` ticks of `players` players on `map` with the given clients
/// (one per player, the rest of the players unobserved), checking every
/// snapshot every client applies. Returns the clients for more checks.
fn run(map: Map, players: usize, acks: &[Acks], ticks: u32) -> Vec<Client> {
    let (mut game, members) = arena(map, players);
    let mut grid = Grid::new(game.interest());
    let ids: Vec<PlayerId> = members.iter().map(|m| m.0).collect();
    let mut clients: Vec<Client> = acks
        .iter()
        .zip(&members)
        .map(|(&acks, &(player, avatar))| Client {
            player,
            avatar,
            acks,
            replica: Replica::new(),
            baselines: Baselines::new(),
            in_flight: Vec::new(),
            full: 0,
            delta: 0,
        })
        .collect();
    let mut frames = Frames::<Arena>::new();
    let mut encoder = Encoder::<Arena>::new();
    let mut state = State::default();
    let mut input = Vec::new();
    let mut events = Events::new();
    let mut seed = 7;
    let mut bytes = Vec::new();
    for tick in 1..=ticks {
        inputs(&ids, tick, &mut seed, &mut input);
        game.step(tick, &input, &[] as &[(PlayerId, NoMsg)], &mut events);
        events.drain();
        game.write_state(&mut state);
        frames.push(tick, &state);
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
            let viewer = Viewer {
                player: c.player,
                avatar: Some(c.avatar),
                last_input_seq: tick,
            };
            let kind = encoder
                .encode(&frames, &grid, &mut c.replica, viewer, &mut bytes)
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
                expected(frame, &grid, c, tick),
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
    let clients = run(Map::from_toml_str(LARGE_MAP).unwrap(), 256, &acks, 120);
    // The check in `run` already proves each view is exactly the visible
    // set; here, that the view really is a part of a 256-player world.
    for c in &clients {
        let view = c.baselines.newest().unwrap();
        assert_eq!(view.rows.len(), 256, "the score table is whole");
        let players = view.entities.keys().filter(|k| k.0 == PLAYER).count();
        assert!(players < 128, "{players} players seen");
        let me = (c.avatar.kind, c.avatar.id.index);
        assert!(view.entities.contains_key(&me), "itself");
    }
}

const LARGE_MAP: &str = include_str!("../../../games/arena/maps/large.toml");

#[test]
fn deltas_of_a_steady_world_are_small() {
    // Same world, encoded for a prompt client: after the first full
    // snapshot, a delta must be far smaller than the full encoding.
    let (mut game, members) = arena(Map::default_arena(), 16);
    let mut grid = Grid::new(game.interest());
    let (mut frames, mut encoder, mut replica) = (
        Frames::<Arena>::new(),
        Encoder::<Arena>::new(),
        Replica::new(),
    );
    let (mut state, mut events, mut bytes) = (State::default(), Events::new(), Vec::new());
    let still: Vec<_> = members
        .iter()
        .map(|&(player, _)| {
            (
                player,
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
    let viewer = Viewer {
        player: members[0].0,
        avatar: Some(members[0].1),
        last_input_seq: 1,
    };
    let mut sizes = Vec::new();
    for tick in 1..=10 {
        game.step(tick, &still, &[], &mut events);
        game.write_state(&mut state);
        frames.push(tick, &state);
        grid.rebuild(frames.newest().unwrap());
        encoder
            .encode(&frames, &grid, &mut replica, viewer, &mut bytes)
            .unwrap();
        sizes.push(bytes.len());
        replica.ack(tick);
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
