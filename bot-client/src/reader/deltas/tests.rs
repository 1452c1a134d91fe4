use glam::{IVec2, Vec2};
use rallypoint_arena::movement::{sanitize_input, step_player, tick_dt};
use rallypoint_arena::{Arena, InputFrame, MapInfo, PLAYER};
use rallypoint_shared::snapshot::{Track, to_fixed};
use rallypoint_shared::{EntityRef, Rect, encode_server};

use super::*;
use crate::games::arena::own;
use crate::predict::Predictor;
use crate::test_records::{Part, aim, me, player, score, snapshot as snap};

const ME: EntityRef = EntityRef {
    kind: PLAYER,
    index: 4,
    generation: 2,
};

fn enter(index: u32, x: i32) -> Part {
    player(
        index,
        Track {
            pos: IVec2::new(x, 0),
            vel: IVec2::new(100, 0),
        },
    )
}

fn snapshot(tick: u32, baseline_age: u8, parts: Vec<Part>) -> Snapshot {
    snap(tick, baseline_age, 1, parts)
}

fn full_size(view: &GameView<Arena>) -> u64 {
    encode_server(&ServerMsg::Snapshot(view.to_full().unwrap()))
        .unwrap()
        .len() as u64
}

/// A reader's views of arena and the counts they add to.
#[derive(Default)]
struct D {
    views: Views<Arena>,
    counts: Deltas,
}

impl D {
    fn receive(&mut self, snap: &Snapshot, len: usize) -> Option<&GameView<Arena>> {
        self.views.receive(snap, len, &mut self.counts)
    }
}

#[test]
fn bytes_are_split_by_kind_and_applied_views_priced_as_full() {
    let mut d = D::default();
    let first = snapshot(
        10,
        0,
        vec![enter(ME.index, 0), enter(7, 5_000), score(7, 0, 0)],
    );
    let view = d.receive(&first, 90).unwrap().clone();
    assert_eq!(d.counts.full_equivalent_bytes(), full_size(&view));
    // Nothing but extrapolation: a tiny delta, priced (by the sample) as
    // the whole view.
    let view = d.receive(&snapshot(11, 1, vec![]), 8).unwrap().clone();
    let track = view.entities[&(PLAYER, 7)].track.unwrap();
    assert_eq!(track.pos, IVec2::new(5_100, 0));
    let priced = d.counts.full_equivalent_bytes();
    assert_eq!(priced, full_size(&view) * 2);
    // Refused (baseline 12 was never held) and stale: bytes, no price.
    assert!(d.receive(&snapshot(13, 1, vec![]), 8).is_none());
    assert!(d.receive(&snapshot(11, 0, vec![]), 50).is_none());
    let c = &d.counts;
    assert_eq!(c.full_equivalent_bytes(), priced);
    assert_eq!((c.full_bytes, c.delta_bytes), (140, 16));
    let stats = c.stats();
    assert_eq!((stats.full, stats.delta), (1, 1));
    assert_eq!((stats.missing_baseline, stats.stale), (1, 1));
    assert_eq!(d.views.ack_tick(), 11);
    assert_eq!(c.invalid, 0);
}

/// One view in `FULL_EQUIVALENT_EVERY` is priced, the first included,
/// and the total is their mean size times the views applied.
#[test]
fn the_full_equivalent_is_sampled_and_scaled() {
    let n = FULL_EQUIVALENT_EVERY as u32;
    let mut d = D::default();
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
        d.counts.full_equivalent_bytes(),
        (mean * applied as f64).round() as u64
    );
    // An estimate of what pricing every view gives, close for a view that
    // grows steadily.
    let every: u64 = first + sizes.iter().sum::<u64>();
    assert!(d.counts.full_equivalent_bytes().abs_diff(every) < every / 20);
}

#[test]
fn a_change_to_an_unknown_entity_is_invalid_not_a_missing_baseline() {
    let mut d = D::default();
    d.receive(&snapshot(1, 0, vec![]), 10).unwrap();
    let bad = snapshot(2, 1, vec![aim(9, 1)]);
    assert!(d.receive(&bad, 10).is_none());
    assert_eq!(d.counts.invalid, 1);
    assert_eq!(d.counts.stats().missing_baseline, 0);
    assert_eq!(d.views.ack_tick(), 1);
    // Cleared on `Joined`: nothing to acknowledge until the next full one.
    d.views.clear();
    assert_eq!(d.views.ack_tick(), 0);
    assert!(d.receive(&snapshot(3, 1, vec![]), 10).is_none());
    assert_eq!(d.counts.stats().missing_baseline, 1);
    // A new reader's views (after a resume) count on into the same counts.
    d.views = Views::default();
    assert!(d.receive(&snapshot(4, 1, vec![]), 10).is_none());
    assert_eq!(d.counts.stats().missing_baseline, 2);
}

#[test]
fn the_own_player_is_found_by_its_avatar_index() {
    let mut d = D::default();
    let view = d
        .receive(
            &snapshot(1, 0, vec![enter(ME.index, 0), score(ME.index, 1, 3)]),
            10,
        )
        .unwrap();
    let me = own(view, ME).unwrap();
    assert_eq!((me.seq, me.alive, me.deaths), (1, true, 3));
    let stranger = EntityRef { index: 5, ..ME };
    assert!(own(view, stranger).is_none());
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
    let mut d = D::default();
    let start = Vec2::new(150.0, 100.0);
    let mut server = start;
    let first = snap(
        1,
        0,
        0,
        vec![
            me(to_fixed(start)),
            enter(ME.index, 0),
            score(ME.index, 0, 0),
        ],
    );
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
            let delta = snap(tick, 2, 2, vec![me(now - sent_fixed)]);
            sent_fixed = now;
            let view = d.receive(&delta, 0).expect("baseline held");
            predictor.on_snapshot(own(view, ME).unwrap());
        }
    }
    assert!(predictor.error.len() > 40);
    assert_eq!(predictor.error.max(), 0, "prediction is exact");
    assert_eq!(predictor.skipped, 0);
}
