use glam::{IVec2, Vec2};
use rallypoint_shared::movement::{sanitize_input, step_player, tick_dt};
use rallypoint_shared::snapshot::{Change, Track, to_fixed};
use rallypoint_shared::{InputFrame, MapInfo, Rect, encode_server};

use super::*;
use crate::predict::Predictor;

const ME: EntityId = EntityId {
    index: 4,
    generation: 2,
};

fn enter(index: u32, x: i32) -> Change {
    Change::PlayerEnter {
        index,
        track: Track {
            pos: IVec2::new(x, 0),
            vel: IVec2::new(100, 0),
        },
        aim: 0,
        hp: 100,
        alive: true,
    }
}

fn score(index: u32, deaths: u32) -> Change {
    Change::Score {
        index,
        kills: 0,
        deaths,
    }
}

fn snapshot(tick: u32, baseline_age: u8, changes: Vec<Change>) -> Snapshot {
    Snapshot {
        tick,
        baseline_age,
        input_seq_advance: 1,
        changes,
    }
}

fn full_size(view: &WorldView) -> u64 {
    encode_server(&ServerMsg::Snapshot(view.to_full()))
        .unwrap()
        .len() as u64
}

#[test]
fn bytes_are_split_by_kind_and_applied_views_priced_as_full() {
    let mut d = Deltas::default();
    let first = snapshot(
        10,
        0,
        vec![enter(ME.index, 0), enter(7, 5_000), score(7, 0)],
    );
    let view = d.receive(&first, 90).unwrap().clone();
    assert_eq!(d.full_equivalent_bytes(), full_size(&view));
    // Nothing but extrapolation: a tiny delta, priced (by the sample) as
    // the whole view.
    let view = d.receive(&snapshot(11, 1, vec![]), 8).unwrap().clone();
    assert_eq!(view.players[&7].track.pos, IVec2::new(5_100, 0));
    let priced = d.full_equivalent_bytes();
    assert_eq!(priced, full_size(&view) * 2);
    // Refused (baseline 12 was never held) and stale: bytes, no price.
    assert!(d.receive(&snapshot(13, 1, vec![]), 8).is_none());
    assert!(d.receive(&snapshot(11, 0, vec![]), 50).is_none());
    assert_eq!(d.full_equivalent_bytes(), priced);
    assert_eq!((d.full_bytes, d.delta_bytes), (140, 16));
    let stats = d.stats();
    assert_eq!((stats.full, stats.delta), (1, 1));
    assert_eq!((stats.missing_baseline, stats.stale), (1, 1));
    assert_eq!(d.ack_tick(), 11);
    assert_eq!(d.invalid, 0);
}

/// One view in `FULL_EQUIVALENT_EVERY` is priced, the first included,
/// and the total is their mean size times the views applied.
#[test]
fn the_full_equivalent_is_sampled_and_scaled() {
    let n = FULL_EQUIVALENT_EVERY as u32;
    let mut d = Deltas::default();
    let first = d.receive(&snapshot(1, 0, vec![enter(ME.index, 0)]), 10);
    let first = full_size(first.unwrap());
    let mut sizes = Vec::new();
    // Each tick a player enters, so every view is bigger than the last.
    for tick in 2..=2 * n + 1 {
        let view = d
            .receive(&snapshot(tick, 1, vec![enter(100 + tick, 0)]), 10)
            .unwrap();
        sizes.push(full_size(view));
    }
    let applied = u64::from(2 * n + 1);
    // Views 0, n and 2n (counting from 0) were priced.
    let priced = [first, sizes[n as usize - 1], sizes[2 * n as usize - 1]];
    let mean = priced.iter().sum::<u64>() as f64 / 3.0;
    assert_eq!(
        d.full_equivalent_bytes(),
        (mean * applied as f64).round() as u64
    );
    // An estimate of what pricing every view gives, close for a view that
    // grows steadily.
    let every: u64 = first + sizes.iter().sum::<u64>();
    assert!(d.full_equivalent_bytes().abs_diff(every) < every / 20);
}

#[test]
fn a_change_to_an_unknown_entity_is_invalid_not_a_missing_baseline() {
    let mut d = Deltas::default();
    d.receive(&snapshot(1, 0, vec![]), 10).unwrap();
    let bad = snapshot(2, 1, vec![Change::PlayerAim { index: 9, aim: 1 }]);
    assert!(d.receive(&bad, 10).is_none());
    assert_eq!(d.invalid, 1);
    assert_eq!(d.stats().missing_baseline, 0);
    assert_eq!(d.ack_tick(), 1);
    // Cleared on `Joined`: nothing to acknowledge until the next full one.
    d.clear();
    assert_eq!(d.ack_tick(), 0);
    assert!(d.receive(&snapshot(3, 1, vec![]), 10).is_none());
    assert_eq!(d.stats().missing_baseline, 1);
}

#[test]
fn the_own_player_is_found_by_entity_index() {
    let mut d = Deltas::default();
    let view = d
        .receive(
            &snapshot(1, 0, vec![enter(ME.index, 0), score(ME.index, 3)]),
            10,
        )
        .unwrap();
    let me = own(view, ME).unwrap();
    assert_eq!((me.seq, me.alive, me.deaths), (1, true, 3));
    assert_eq!(own_score(view, ME).map(|s| s.deaths), Some(3));
    let stranger = EntityId {
        index: 5,
        generation: 2,
    };
    assert!(own(view, stranger).is_none());
    assert!(own_score(view, stranger).is_none());
}

/// The whole client path: a "server" steps the player with the shared
/// rules (which end on the fixed-point grid) and sends the position as
/// `Me` offsets in deltas; the predictor, fed from the views, is exactly
/// right every time.
#[test]
fn prediction_through_deltas_is_exact() {
    let map = MapInfo {
        name: "test".into(),
        bounds: Rect {
            min: Vec2::ZERO,
            max: Vec2::new(400.0, 300.0),
        },
        walls: vec![Rect {
            min: Vec2::new(200.0, 0.0),
            max: Vec2::new(230.0, 200.0),
        }],
    };
    let input = |seq: u32| {
        let angle = seq as f32 * 0.37;
        InputFrame {
            seq,
            movement: Vec2::new(angle.cos(), angle.sin()) * 1.2,
            aim: Vec2::X,
            fire: false,
            hitscan: false,
            ack_tick: 0,
        }
    };
    let mut predictor = Predictor::new();
    predictor.on_welcome(30);
    predictor.on_joined(map.clone(), ME);
    let mut d = Deltas::default();
    let start = Vec2::new(150.0, 100.0);
    let mut server = start;
    let first = Snapshot {
        tick: 1,
        baseline_age: 0,
        input_seq_advance: 0,
        changes: vec![
            Change::Me {
                offset: to_fixed(start),
            },
            enter(ME.index, 0),
            score(ME.index, 0),
        ],
    };
    predictor.on_snapshot(own(d.receive(&first, 0).unwrap(), ME).unwrap());
    let mut sent_fixed = to_fixed(start);
    for tick in 2..=90u32 {
        let seq = tick - 1;
        predictor.on_input(&input(seq));
        // The server applies the input a tick later; deltas go out every
        // other tick, so some carry two inputs.
        let movement = sanitize_input(input(seq)).unwrap().movement;
        server = step_player(server, movement, tick_dt(30), &map);
        if tick % 2 == 1 {
            let now = to_fixed(server);
            let delta = Snapshot {
                tick,
                baseline_age: 2,
                input_seq_advance: 2,
                changes: vec![Change::Me {
                    offset: now - sent_fixed,
                }],
            };
            sent_fixed = now;
            let view = d.receive(&delta, 0).expect("baseline held");
            predictor.on_snapshot(own(view, ME).unwrap());
        }
    }
    assert!(predictor.error.len() > 40);
    assert_eq!(predictor.error.max(), 0, "prediction is exact");
    assert_eq!(predictor.skipped, 0);
}
