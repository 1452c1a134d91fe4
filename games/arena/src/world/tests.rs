use crate::movement::{PLAYER_RADIUS, circle_overlaps_rect, step_player, tick_dt};
use crate::protocol::{InputFrame, MapInfo};
use glam::Vec2;
use rallypoint_shared::{EntityId, Rect};

use super::{GameConfig, GameEvent, World};
use crate::map::Map;

fn rect(min: [f32; 2], max: [f32; 2]) -> Rect {
    Rect {
        min: Vec2::from(min),
        max: Vec2::from(max),
    }
}

/// A 2000 x 1000 map with the given walls and spawn points.
fn test_map(walls: Vec<Rect>, spawns: &[[f32; 2]]) -> Map {
    let info = MapInfo {
        name: "test".into(),
        bounds: rect([0.0, 0.0], [2000.0, 1000.0]),
        walls,
    };
    Map::new(info, spawns.iter().copied().map(Vec2::from).collect()).unwrap()
}

fn frame(movement: Vec2, aim: Vec2, fire: bool) -> InputFrame {
    InputFrame {
        seq: 0,
        movement,
        aim,
        fire,
        hitscan: false,
        ack_tick: 0,
    }
}

fn shoot(aim: Vec2) -> InputFrame {
    frame(Vec2::ZERO, aim, true)
}

/// Two players 500 units apart on a horizontal line: `a` at x=100 and `b`
/// at x=600 (the spawn farthest from `a`).
fn duel(walls: Vec<Rect>) -> (World, EntityId, EntityId) {
    let map = test_map(walls, &[[100.0, 500.0], [600.0, 500.0]]);
    let mut world = World::new(map, GameConfig::default());
    let a = world.spawn_player();
    let b = world.spawn_player();
    (world, a, b)
}

fn pos(world: &World, id: EntityId) -> Vec2 {
    world.player(id).unwrap().pos
}

/// Steps `ticks` times with the same inputs, collecting every event.
fn run(world: &mut World, ticks: u32, inputs: &[(EntityId, InputFrame)]) -> Vec<GameEvent> {
    (0..ticks).flat_map(|_| world.step(inputs)).collect()
}

/// Has `a` shoot `b` until `b` dies, returning the events.
fn kill(world: &mut World, a: EntityId, b: EntityId) -> Vec<GameEvent> {
    let mut events = Vec::new();
    for _ in 0..200 {
        events.extend(world.step(&[(a, shoot(Vec2::X))]));
        if !world.player(b).unwrap().alive {
            return events;
        }
    }
    panic!("b never died: {events:?}");
}

#[test]
fn spawns_at_the_point_farthest_from_living_players() {
    let (world, a, b) = duel(vec![]);
    assert_eq!(pos(&world, a), Vec2::new(100.0, 500.0));
    assert_eq!(pos(&world, b), Vec2::new(600.0, 500.0));
    let state = world.player(a).unwrap();
    assert_eq!(
        (state.hp, state.alive, state.kills, state.deaths),
        (100, true, 0, 0)
    );
    assert_eq!(world.player_count(), 2);
    assert_eq!(world.tick(), 0);
}

#[test]
fn movement_is_the_shared_step_player() {
    let (mut world, a, _) = duel(vec![]);
    let dt = tick_dt(30);
    let dir = Vec2::new(0.6, -0.8);
    let aim = Vec2::new(0.0, 1.0);
    // Two inputs in one tick: two full steps, and the later one's aim.
    world.step(&[(a, frame(dir, -aim, false)), (a, frame(dir, aim, false))]);
    let once = step_player(Vec2::new(100.0, 500.0), dir, dt, &world.map().info);
    let expected = step_player(once, dir, dt, &world.map().info);
    assert_eq!(pos(&world, a), expected);
    assert_eq!(world.player(a).unwrap().aim, aim);
    assert_eq!(world.tick(), 1);
}

#[test]
fn walls_stop_players() {
    let wall = rect([200.0, 0.0], [240.0, 1000.0]);
    let (mut world, a, _) = duel(vec![wall]);
    run(&mut world, 60, &[(a, frame(Vec2::X, Vec2::X, false))]);
    let p = pos(&world, a);
    assert!(!circle_overlaps_rect(p, PLAYER_RADIUS, &wall), "{p}");
    assert!((p.x - (200.0 - PLAYER_RADIUS)).abs() < 1e-3, "{p}");
}

#[test]
fn projectile_hits_and_damages_a_player() {
    let (mut world, a, b) = duel(vec![]);
    let first = world.step(&[(a, shoot(Vec2::X))]);
    let [GameEvent::Fired { shooter, .. }] = first[..] else {
        panic!("{first:?}");
    };
    assert_eq!(shooter, a);
    assert_eq!(world.projectile_count(), 1);
    let events = run(&mut world, 30, &[]);
    assert_eq!(
        events,
        vec![GameEvent::Hit {
            shooter: a,
            target: b,
            damage: 25
        }]
    );
    assert_eq!(world.player(b).unwrap().hp, 75);
    assert_eq!(world.player(a).unwrap().hp, 100);
    assert_eq!(world.projectile_count(), 0);
}

#[test]
fn walls_stop_projectiles() {
    let wall = rect([300.0, 400.0], [340.0, 600.0]);
    let (mut world, a, b) = duel(vec![wall]);
    let mut projectiles = Vec::new();
    world.step(&[(a, shoot(Vec2::X))]);
    let mut ticks_alive = 0;
    while world.projectile_count() > 0 {
        world.write_state(&mut Vec::new(), &mut projectiles);
        assert!(projectiles[0].pos.x < 300.0, "passed the wall");
        ticks_alive += 1;
        assert!(world.step(&[]).is_empty());
    }
    // Removed at the wall, long before its 45-tick lifetime.
    assert!(ticks_alive < 15, "{ticks_alive}");
    assert_eq!(world.player(b).unwrap().hp, 100);
}

#[test]
fn point_blank_shots_hit() {
    let map = test_map(vec![], &[[100.0, 500.0], [120.0, 500.0]]);
    let mut world = World::new(map, GameConfig::default());
    let a = world.spawn_player();
    let b = world.spawn_player();
    let events = world.step(&[(a, shoot(Vec2::X))]);
    assert!(events.contains(&GameEvent::Hit {
        shooter: a,
        target: b,
        damage: 25
    }));
}

#[test]
fn projectiles_expire_after_their_lifetime() {
    // Alone, shooting along the top edge: 45 ticks at 23.3 units a tick
    // end around x=1170, still inside the 2000-unit-wide map.
    let map = test_map(vec![], &[[100.0, 16.0]]);
    let mut world = World::new(map, GameConfig::default());
    let a = world.spawn_player();
    world.step(&[(a, shoot(Vec2::X))]);
    run(&mut world, 43, &[]);
    assert_eq!(world.projectile_count(), 1);
    world.step(&[]);
    assert_eq!(world.projectile_count(), 0);
}

#[test]
fn bounds_stop_projectiles() {
    let (mut world, a, _) = duel(vec![]);
    world.step(&[(a, shoot(-Vec2::X))]);
    run(&mut world, 2, &[]);
    assert_eq!(world.projectile_count(), 1);
    // Fired 84 units from the edge: gone on the fourth move (4 * 23.3 > 84).
    world.step(&[]);
    assert_eq!(world.projectile_count(), 0);
}

#[test]
fn fire_respects_the_cooldown() {
    let (mut world, a, _) = duel(vec![]);
    // Aim away from b so nobody is hit.
    let fired: Vec<u32> = (0..17)
        .filter(|_| !world.step(&[(a, shoot(-Vec2::Y))]).is_empty())
        .collect();
    // 0.25 s at 30 Hz rounds to 8 ticks.
    assert_eq!(fired, vec![0, 8, 16]);
    // No aim, no shot; and only one shot per tick however many inputs.
    let (mut world, a, _) = duel(vec![]);
    assert!(world.step(&[(a, shoot(Vec2::ZERO))]).is_empty());
    let many = [(a, shoot(-Vec2::Y)), (a, shoot(-Vec2::Y))];
    assert_eq!(world.step(&many).len(), 1);
}

#[test]
fn death_counts_and_respawn_after_the_delay() {
    let (mut world, a, b) = duel(vec![]);
    let events = kill(&mut world, a, b);
    assert_eq!(
        events.last(),
        Some(&GameEvent::Killed {
            killer: a,
            victim: b
        })
    );
    let hits = events
        .iter()
        .filter(|e| matches!(e, GameEvent::Hit { .. }))
        .count();
    assert_eq!(hits, 4);
    let dead = world.player(b).unwrap();
    assert_eq!((dead.hp, dead.alive, dead.deaths), (0, false, 1));
    assert_eq!(world.player(a).unwrap().kills, 1);

    // Respawn exactly 2 s (60 ticks) later, at the spawn farthest from a.
    assert!(run(&mut world, 59, &[]).is_empty());
    assert!(!world.player(b).unwrap().alive);
    let events = world.step(&[]);
    let spawn = Vec2::new(600.0, 500.0);
    assert_eq!(
        events,
        vec![GameEvent::Respawned {
            entity: b,
            pos: spawn
        }]
    );
    let back = world.player(b).unwrap();
    assert_eq!((back.hp, back.alive, back.pos), (100, true, spawn));
    assert_eq!((back.deaths, back.kills), (1, 0));
}

#[test]
fn dead_players_inputs_are_ignored() {
    let (mut world, a, b) = duel(vec![]);
    kill(&mut world, a, b);
    // Let a's last shots fly out (45 ticks), well before b respawns (60).
    run(&mut world, 45, &[]);
    assert_eq!(world.projectile_count(), 0);
    let before = world.player(b).unwrap();
    let events = run(&mut world, 10, &[(b, frame(Vec2::Y, -Vec2::X, true))]);
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(world.player(b).unwrap(), before);
    assert_eq!(world.projectile_count(), 0);
}

#[test]
fn a_player_killed_this_tick_is_no_longer_a_target() {
    let map = test_map(vec![], &[[100.0, 500.0], [600.0, 500.0], [1100.0, 500.0]]);
    let mut world = World::new(map, GameConfig::default());
    // a at x=100, b at x=1100 (farthest from a), c between them at x=600.
    let [a, b, c] = [(); 3].map(|_| world.spawn_player());
    assert_eq!(pos(&world, c), Vec2::new(600.0, 500.0));
    for _ in 0..3 {
        kill_step(&mut world, a);
    }
    assert_eq!(world.player(c).unwrap().hp, 25);
    // Two shots reach c in the same tick: the first kills, the second
    // flies on through where c stood.
    world.step(&[(a, shoot(Vec2::X)), (b, shoot(-Vec2::X))]);
    let events = run(&mut world, 21, &[]);
    let on_c = |e: &&GameEvent| matches!(e, GameEvent::Hit { target, .. } if *target == c);
    assert_eq!(events.iter().filter(on_c).count(), 1, "{events:?}");
    assert_eq!(world.player(c).unwrap().deaths, 1);
    assert_eq!(world.projectile_count(), 1);
}

#[test]
fn a_departed_shooters_projectile_still_hurts_but_credits_nobody() {
    let (mut world, a, b) = duel(vec![]);
    for _ in 0..3 {
        kill_step(&mut world, a);
    }
    world.step(&[(a, shoot(Vec2::X))]);
    assert!(world.remove_player(a));
    let events = run(&mut world, 30, &[]);
    assert!(events.contains(&GameEvent::Killed {
        killer: a,
        victim: b
    }));
    let dead = world.player(b).unwrap();
    assert_eq!((dead.alive, dead.deaths, dead.kills), (false, 1, 0));
    assert_eq!(world.player(a), None);
}

/// Fires one shot along +x and waits out the cooldown and its flight.
fn kill_step(world: &mut World, a: EntityId) {
    world.step(&[(a, shoot(Vec2::X))]);
    run(world, 30, &[]);
}

#[test]
fn forged_and_stale_ids_are_ignored() {
    let (mut world, a, _) = duel(vec![]);
    let forged = [
        EntityId {
            generation: a.generation ^ 1,
            ..a
        },
        EntityId {
            index: u32::MAX,
            generation: 7,
        },
        EntityId {
            index: 0,
            generation: 0,
        },
    ];
    let before = world.clone();
    for id in forged {
        assert_eq!(world.player(id), None, "{id:?}");
        assert!(!world.remove_player(id));
        assert!(world.step(&[(id, shoot(Vec2::X))]).is_empty());
    }
    assert_eq!(world.player(a), before.player(a));
    // A removed player's id stays dead even once its slot is reused.
    assert!(world.remove_player(a));
    let c = world.spawn_player();
    assert_eq!(c.index, a.index);
    assert_eq!(world.player(a), None);
    assert!(!world.remove_player(a));
}

#[test]
fn malformed_inputs_cannot_corrupt_the_world() {
    let (mut world, a, _) = duel(vec![]);
    let start = pos(&world, a);
    world.step(&[(a, frame(Vec2::new(f32::NAN, 0.0), Vec2::X, true))]);
    assert_eq!(pos(&world, a), start);
    assert_eq!(world.projectile_count(), 0);
    // A huge vector moves one normal step, not across the map.
    world.step(&[(a, frame(Vec2::new(1e30, 0.0), Vec2::new(0.0, 1e30), false))]);
    let moved = pos(&world, a);
    assert!(
        moved.is_finite() && moved.x > start.x && moved.x < start.x + 10.0,
        "{moved}"
    );
    assert_eq!(world.player(a).unwrap().aim, Vec2::Y);
}

mod determinism;
mod hitscan;
