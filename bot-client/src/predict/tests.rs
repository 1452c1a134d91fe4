use glam::Vec2;
use rallypoint_arena::movement::{sanitize_input, step_player, tick_dt};
use rallypoint_arena::{InputFrame, MapInfo};
use rallypoint_shared::{EntityRef, Rect};

use super::*;

const ME: EntityRef = EntityRef {
    kind: rallypoint_arena::PLAYER,
    index: 3,
    generation: 1,
};

fn map() -> MapInfo {
    MapInfo {
        name: "test".into(),
        bounds: Rect {
            min: Vec2::ZERO,
            max: Vec2::new(400.0, 300.0),
        },
        walls: vec![Rect {
            min: Vec2::new(200.0, 0.0),
            max: Vec2::new(230.0, 200.0),
        }],
    }
}

fn input(seq: u32) -> InputFrame {
    // Long enough to be clamped, and varied enough to hit the wall and the
    // bounds.
    let angle = seq as f32 * 0.7;
    InputFrame {
        seq,
        movement: Vec2::new(angle.cos(), angle.sin()) * 1.3,
        aim: Vec2::X,
        // Firing either weapon must not change the prediction.
        fire: seq.is_multiple_of(3),
        hitscan: seq.is_multiple_of(5),
        ack_tick: seq,
    }
}

/// The bot's player after input `seq`, as a snapshot shows it.
fn me(seq: u32, pos: Vec2, alive: bool, deaths: u32) -> Own {
    Own {
        seq,
        pos,
        alive,
        deaths,
    }
}

/// What the server does: every input, in order, one step each.
fn server_pos(from: Vec2, seqs: std::ops::RangeInclusive<u32>) -> Vec2 {
    let map = map();
    seqs.fold(from, |pos, seq| {
        let movement = sanitize_input(input(seq)).unwrap().movement;
        step_player(pos, movement, tick_dt(30), &map)
    })
}

fn predictor() -> Predictor {
    let mut p = Predictor::new();
    p.on_welcome(30);
    p.on_joined(map(), ME);
    p
}

const START: Vec2 = Vec2::new(150.0, 100.0);

#[test]
fn replay_after_an_ack_matches_applying_every_input() {
    let mut p = predictor();
    p.on_snapshot(me(0, START, true, 0));
    for seq in 1..=60 {
        p.on_input(&input(seq));
    }
    let all = p.unacked.back().unwrap().predicted.unwrap();
    assert_eq!(all, server_pos(START, 1..=60));

    // The server has applied 1..=25; the replay of 26..=60 from there
    // lands exactly where applying all 60 did.
    p.on_snapshot(me(25, server_pos(START, 1..=25), true, 0));
    assert_eq!(p.unacked.len(), 35);
    assert_eq!(p.unacked.back().unwrap().predicted.unwrap(), all);
    assert_eq!(p.error.len(), 1);
    assert_eq!(p.error.max(), 0, "prediction is exact");
    assert_eq!(p.skipped, 0);

    p.on_snapshot(me(60, all, true, 0));
    assert_eq!((p.error.len(), p.error.max(), p.skipped), (2, 0, 0));
    assert!(p.unacked.is_empty());
}

#[test]
fn a_wrong_baseline_shows_as_error_in_world_units() {
    let mut p = predictor();
    p.on_snapshot(me(0, START, true, 0));
    p.on_input(&input(1));
    let predicted = p.unacked[0].predicted.unwrap();
    // Something the client does not know moved the player 1.5 units.
    p.on_snapshot(me(1, predicted + Vec2::new(1.5, 0.0), true, 0));
    let err = p.error.max() as f64 / 1e6;
    assert!((err - 1.5).abs() < 0.01, "{err}");
}

#[test]
fn death_and_respawn_samples_are_skipped() {
    let mut p = predictor();
    p.on_snapshot(me(0, START, true, 0));
    p.on_input(&input(1));
    // Died while input 1 was in flight.
    p.on_snapshot(me(1, START, false, 1));
    // Dead in the baseline: inputs do not move it, and are not judged.
    p.on_input(&input(2));
    assert_eq!(p.unacked[0].predicted, Some(START));
    p.on_snapshot(me(2, START, false, 1));
    // Respawned (teleported) between baseline and snapshot.
    p.on_input(&input(3));
    let spawn = Vec2::new(50.0, 50.0);
    p.on_snapshot(me(3, spawn, true, 1));
    assert_eq!((p.error.len(), p.skipped), (0, 3));
    // Alive on both sides again: judged, and exact.
    p.on_input(&input(4));
    p.on_snapshot(me(4, server_pos(spawn, 4..=4), true, 1));
    assert_eq!((p.error.len(), p.error.max(), p.skipped), (1, 0, 3));
}

#[test]
fn a_drop_skips_samples_until_the_baseline_covers_its_inputs() {
    let mut p = predictor();
    p.on_snapshot(me(0, START, true, 0));
    for seq in 1..=5 {
        p.on_input(&input(seq));
    }
    p.on_disconnect(5);
    // Inputs 4 and 5 were lost with the connection; 6 and 7 arrive.
    p.on_input(&input(6));
    p.on_input(&input(7));
    let at3 = server_pos(START, 1..=3);
    p.on_snapshot(me(3, at3, true, 0));
    let movement = |seq| sanitize_input(input(seq)).unwrap().movement;
    let at6 = step_player(at3, movement(6), tick_dt(30), &map());
    p.on_snapshot(me(6, at6, true, 0));
    assert_eq!((p.error.len(), p.skipped), (0, 2));
    p.on_input(&input(8));
    let at8 = server_pos(step_player(at6, movement(7), tick_dt(30), &map()), 8..=8);
    p.on_snapshot(me(8, at8, true, 0));
    assert_eq!((p.error.len(), p.error.max(), p.skipped), (1, 0, 2));
}

#[test]
fn inputs_before_the_first_baseline_are_skipped_not_judged() {
    let mut p = predictor();
    p.on_input(&input(1));
    assert_eq!(p.unacked[0].predicted, None);
    p.on_snapshot(me(1, START, true, 0));
    assert_eq!((p.error.len(), p.skipped), (0, 1));
}
