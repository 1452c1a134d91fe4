//! The instant-hit weapon and its lag compensation: shots are checked
//! against the world at `timing::view_tick`, from the position history.

use rallypoint_shared::timing::{MAX_REWIND_MS, ms_to_ticks};

use super::*;

fn hitscan(aim: Vec2, ack_tick: u32) -> InputFrame {
    InputFrame {
        hitscan: true,
        ack_tick,
        ..frame(Vec2::ZERO, aim, false)
    }
}

fn walk(dir: Vec2) -> InputFrame {
    frame(dir, Vec2::ZERO, false)
}

fn fired(shooter: EntityId, view_tick: u32, hit: Option<EntityId>) -> GameEvent {
    GameEvent::HitscanFired {
        shooter,
        view_tick,
        hit,
    }
}

#[test]
fn history_keeps_exactly_the_rewindable_ticks() {
    let (mut world, _, _) = duel(vec![]);
    let keep = ms_to_ticks(MAX_REWIND_MS, 30) + 1;
    assert_eq!(world.history.len(), keep as usize);
    assert!(world.history.at(0).is_none(), "tick 0 is never stepped");
    run(&mut world, keep + 2, &[]);
    let now = world.tick();
    assert!(world.history.at(now).is_some());
    assert!(world.history.at(now - keep + 1).is_some());
    assert!(world.history.at(now - keep).is_none(), "overwritten");
}

#[test]
fn a_shot_on_target_on_the_shooters_screen_hits() {
    let (mut world, a, b) = duel(vec![]);
    world.step(&[]);
    let (seen, spot) = (world.tick(), pos(&world, b));
    // b walks off the line of fire; 6 ticks is 44 units.
    run(&mut world, 6, &[(b, walk(Vec2::Y))]);
    let now = world.tick();
    assert!(pos(&world, b).distance(spot) > 40.0);

    // With the freshest possible view (ack = now, so now - 3), b is gone.
    let mut fresh = world.clone();
    let events = fresh.step(&[(a, hitscan(Vec2::X, now)), (b, walk(Vec2::Y))]);
    assert_eq!(events, vec![fired(a, now - 3, None)]);

    // The shooter had received tick `seen + 3`, so drew b at tick `seen`,
    // where it aimed: a hit.
    let events = world.step(&[(a, hitscan(Vec2::X, seen + 3)), (b, walk(Vec2::Y))]);
    assert_eq!(
        events,
        vec![
            fired(a, seen, Some(b)),
            GameEvent::Hit {
                shooter: a,
                target: b,
                damage: 20
            }
        ]
    );
    assert_eq!(world.player(b).unwrap().hp, 80);
}

#[test]
fn a_shot_beyond_the_maximum_rewind_is_clamped_and_misses() {
    let (mut world, a, b) = duel(vec![]);
    world.step(&[]);
    let (seen, spot) = (world.tick(), pos(&world, b));
    let max_rewind = ms_to_ticks(MAX_REWIND_MS, 30);
    assert_eq!(max_rewind, 9);
    run(&mut world, max_rewind, &[(b, walk(Vec2::Y))]);
    // Aim 12 units short of b's centre at `seen`: on it then, but off it
    // one step (7.3 units) later.
    let aim = (spot - Vec2::Y * 12.0 - pos(&world, a)).normalize();

    // At exactly the limit, the rewind still reaches `seen`.
    let mut at_limit = world.clone();
    let events = at_limit.step(&[(a, hitscan(aim, seen + 3))]);
    assert_eq!(events[0], fired(a, seen, Some(b)));

    // One tick later the same claim is clamped to `seen + 1`: a miss.
    world.step(&[(b, walk(Vec2::Y))]);
    let events = world.step(&[(a, hitscan(aim, seen + 3))]);
    assert_eq!(events, vec![fired(a, seen + 1, None)]);
    assert_eq!(world.player(b).unwrap().hp, 100);
}

#[test]
fn walls_block_hitscan() {
    let wall = rect([300.0, 400.0], [340.0, 600.0]);
    let (mut world, a, b) = duel(vec![wall]);
    run(&mut world, 5, &[]);
    let now = world.tick();
    let events = world.step(&[(a, hitscan(Vec2::X, now))]);
    assert_eq!(events, vec![fired(a, now - 3, None)]);
    assert_eq!(world.player(b).unwrap().hp, 100);
}

#[test]
fn the_nearest_target_in_range_is_hit() {
    let map = test_map(vec![], &[[100.0, 500.0], [600.0, 500.0], [1100.0, 500.0]]);
    let mut world = World::new(map, GameConfig::default());
    // a at x=100, b at x=1100, c between them at x=600.
    let [a, b, c] = [(); 3].map(|_| world.spawn_player());
    world.step(&[]);
    let events = world.step(&[(a, hitscan(Vec2::X, 1))]);
    assert_eq!(events[0], fired(a, 0, Some(c)));
    // Without c in the way, b is 1000 units off: beyond the 900 range.
    assert!(world.remove_player(c));
    run(&mut world, 15, &[]);
    let now = world.tick();
    let events = world.step(&[(a, hitscan(Vec2::X, now))]);
    assert_eq!(events, vec![fired(a, now - 3, None)]);
    assert_eq!(world.player(b).unwrap().hp, 100);
}

#[test]
fn dead_and_respawned_targets_are_not_hit_where_they_were() {
    let map = test_map(vec![], &[[100.0, 500.0], [600.0, 500.0]]);
    let config = GameConfig {
        respawn_delay_secs: 0.1, // 3 ticks
        hitscan_damage: 100,
        hitscan_cooldown_secs: 0.0, // every tick
        ..GameConfig::default()
    };
    let mut world = World::new(map, config);
    let [a, b] = [(); 2].map(|_| world.spawn_player());
    // b walks to a spot off its spawn point and stands there.
    run(&mut world, 10, &[(b, walk(Vec2::Y))]);
    let spot = pos(&world, b);
    run(&mut world, 3, &[]);
    let aim = (spot - pos(&world, a)).normalize();

    let events = world.step(&[(a, hitscan(aim, 13))]);
    assert_eq!(events[0], fired(a, 10, Some(b)));
    assert!(events.contains(&GameEvent::Killed {
        killer: a,
        victim: b
    }));
    // Dead now, though alive at the spot in the view: no hit.
    let events = world.step(&[(a, hitscan(aim, 14))]);
    assert_eq!(events, vec![fired(a, 11, None)]);

    let events = run(&mut world, 2, &[]);
    let spawn = Vec2::new(600.0, 500.0);
    assert_eq!(
        events,
        vec![GameEvent::Respawned {
            entity: b,
            pos: spawn
        }]
    );
    // Alive now and alive at the spot in the view, but in another life.
    let events = world.step(&[(a, hitscan(aim, 16))]);
    assert_eq!(events, vec![fired(a, 13, None)]);
    // Nor is b hit at its new position until the view shows it there.
    let events = world.step(&[(a, hitscan(Vec2::X, 18))]);
    assert_eq!(events, vec![fired(a, 15, None)]);
    run(&mut world, 2, &[]);
    let events = world.step(&[(a, hitscan(Vec2::X, 21))]);
    assert_eq!(events[0], fired(a, 18, Some(b)));
}

#[test]
fn hitscan_respects_its_own_cooldown() {
    let (mut world, a, _) = duel(vec![]);
    // Aim away from b so nobody is hit.
    let shots: Vec<u32> = (0..31)
        .filter(|_| !world.step(&[(a, hitscan(-Vec2::Y, 0))]).is_empty())
        .collect();
    // 0.5 s at 30 Hz is 15 ticks.
    assert_eq!(shots, vec![0, 15, 30]);

    // No aim, no shot (and no cooldown spent); one shot per tick however
    // many inputs; the projectile weapon fires alongside.
    let (mut world, a, _) = duel(vec![]);
    assert!(world.step(&[(a, hitscan(Vec2::ZERO, 0))]).is_empty());
    let both = InputFrame {
        fire: true,
        ..hitscan(-Vec2::Y, 0)
    };
    let events = world.step(&[(a, both), (a, both)]);
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(matches!(events[0], GameEvent::Fired { .. }));
    assert_eq!(events[1], fired(a, 0, None));
}
