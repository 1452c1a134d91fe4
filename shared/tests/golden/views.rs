//! Snapshot vectors: fixed point, aim bytes and extrapolation, single
//! `WorldView::apply` calls (every change, every error), and `to_full` of
//! every view built here and in the `Baselines` runs (`baselines.rs`).

use glam::IVec2;
use rallypoint_shared::Snapshot;
use rallypoint_shared::snapshot::{Change, Track, WorldView, byte_to_aim, from_fixed};
use serde_json::{Value, json};

use super::js;
use crate::common::{ivec, track};

pub(super) fn snap(
    tick: u32,
    baseline_age: u8,
    input_seq_advance: u32,
    changes: Vec<Change>,
) -> Snapshot {
    Snapshot {
        tick,
        baseline_age,
        input_seq_advance,
        changes,
    }
}

pub(super) fn me(x: i32, y: i32) -> Change {
    Change::Me { offset: ivec(x, y) }
}

pub(super) fn enter(index: u32, t: Track, aim: u8) -> Change {
    Change::PlayerEnter {
        index,
        track: t,
        aim,
        hp: 100,
        alive: true,
    }
}

pub(super) fn score(index: u32, kills: u32, deaths: u32) -> Change {
    Change::Score {
        index,
        kills,
        deaths,
    }
}

/// Fixed point to world units: exact up to 2^24, rounded to `f32` beyond.
fn fixed() -> Value {
    let values = [
        0,
        1,
        -1,
        512,
        1024,
        -1536,
        102_400,
        16_384_000,
        (1 << 24) + 1,
        123_456_789,
        i32::MAX,
        i32::MIN,
    ];
    let cases = values.windows(2).map(|w| {
        let v = ivec(w[0], w[1]);
        json!({ "fixed": js::ivec2(v), "bits": js::bits(from_fixed(v)) })
    });
    Value::Array(cases.collect())
}

fn aims() -> Value {
    let cases = (0..=255u8).map(|b| json!({ "byte": b, "bits": js::bits(byte_to_aim(b)) }));
    Value::Array(cases.collect())
}

fn track_after() -> Value {
    let cases = [
        (track(0, 0, 7_509, -7_509), 3),
        (track(100, -100, 0, 0), 1_000),
        (track(-5, 5, 1, -1), 0),
        (track(i32::MAX, i32::MIN, 1, -1), 1),
        (track(0, 0, i32::MAX, i32::MIN), 255),
        (track(1, 2, 3, 4), u32::MAX),
        (track(i32::MIN, i32::MAX, i32::MAX, 65_537), 2_147_483_648),
        // Products past 2^53, where a double loses the low bits.
        (track(7, -7, 123_456_789, -987_654_321), 987_654_321),
        (track(0, 0, -2_000_000_001, 1_999_999_999), 3_000_000_001),
    ]
    .into_iter()
    .map(|(t, ticks)| {
        json!({ "track": js::track(t), "ticks": ticks, "result": js::track(t.after(ticks)) })
    });
    Value::Array(cases.collect())
}

/// The world a few sequences start from: this client at (100, 200), a
/// still player 1, player 2 walking, a projectile, two score lines.
pub(super) fn base_full(tick: u32) -> Snapshot {
    snap(
        tick,
        0,
        4,
        vec![
            me(102_400, 204_800),
            enter(1, track(102_400, 204_800, 0, 0), 0),
            enter(2, track(0, 0, 10, -5), 64),
            Change::ProjectileEnter {
                index: 7,
                owner: 2,
                track: track(5, 5, 100, 0),
            },
            score(1, 0, 0),
            score(2, 3, 1),
        ],
    )
}

/// One change against [`base_full`]`(10)` three ticks later.
fn one_change(change: Change) -> Snapshot {
    snap(13, 3, 1, vec![change])
}

fn single_applies() -> (Value, Vec<WorldView>) {
    let empty = WorldView::default();
    let base = empty.apply(&base_full(10)).unwrap();
    let wrong_tick = WorldView {
        tick: 11,
        ..base.clone()
    };
    let cases: Vec<(&str, &WorldView, Snapshot)> = vec![
        ("full snapshot onto an empty view", &empty, base_full(10)),
        (
            "full snapshot ignores the view it is given",
            &wrong_tick,
            base_full(20),
        ),
        (
            "delta with no changes extrapolates",
            &base,
            snap(13, 3, 0, vec![]),
        ),
        (
            "delta against another tick",
            &wrong_tick,
            snap(13, 3, 0, vec![]),
        ),
        ("Me adds to me", &base, one_change(me(-30, 7))),
        (
            "PlayerMotion corrects the extrapolated position",
            &base,
            one_change(Change::PlayerMotion {
                index: 2,
                offset: ivec(1, 1),
                vel: ivec(0, 0),
            }),
        ),
        (
            "PlayerAim",
            &base,
            one_change(Change::PlayerAim { index: 2, aim: 200 }),
        ),
        (
            "PlayerHealth",
            &base,
            one_change(Change::PlayerHealth {
                index: 1,
                hp: 0,
                alive: false,
            }),
        ),
        (
            "PlayerHidden keeps the score",
            &base,
            one_change(Change::PlayerHidden { index: 2 }),
        ),
        (
            "PlayerLeft drops player and score",
            &base,
            one_change(Change::PlayerLeft { index: 2 }),
        ),
        ("Score adds a line", &base, one_change(score(9, 1, 2))),
        (
            "PlayerEnter replaces",
            &base,
            one_change(enter(1, track(-1, -2, 3, 4), 255)),
        ),
        (
            "ProjectileEnter replaces",
            &base,
            one_change(Change::ProjectileEnter {
                index: 7,
                owner: 1,
                track: track(0, 0, -100, 0),
            }),
        ),
        (
            "ProjectileGone",
            &base,
            one_change(Change::ProjectileGone { index: 7 }),
        ),
        (
            "ProjectileMotion",
            &base,
            one_change(Change::ProjectileMotion {
                index: 7,
                offset: ivec(-300, 0),
                vel: ivec(50, 50),
            }),
        ),
        (
            "a later change sees an earlier one",
            &base,
            snap(
                11,
                1,
                0,
                vec![
                    enter(40, track(1, 1, 1, 1), 1),
                    Change::PlayerAim { index: 40, aim: 2 },
                    Change::PlayerLeft { index: 1 },
                    score(1, 5, 5),
                ],
            ),
        ),
        (
            "PlayerHidden unknown",
            &base,
            one_change(Change::PlayerHidden { index: 9 }),
        ),
        (
            "PlayerMotion unknown",
            &base,
            one_change(Change::PlayerMotion {
                index: 9,
                offset: IVec2::ZERO,
                vel: IVec2::ZERO,
            }),
        ),
        (
            "PlayerAim unknown",
            &base,
            one_change(Change::PlayerAim { index: 9, aim: 1 }),
        ),
        (
            "PlayerHealth unknown",
            &base,
            one_change(Change::PlayerHealth {
                index: 9,
                hp: 1,
                alive: true,
            }),
        ),
        (
            "PlayerLeft without a score line",
            &base,
            one_change(Change::PlayerLeft { index: 7 }),
        ),
        (
            "ProjectileGone unknown",
            &base,
            one_change(Change::ProjectileGone { index: 1 }),
        ),
        (
            "ProjectileMotion unknown",
            &base,
            one_change(Change::ProjectileMotion {
                index: 2,
                offset: IVec2::ZERO,
                vel: IVec2::ZERO,
            }),
        ),
        (
            "an error after good changes",
            &base,
            snap(
                13,
                3,
                0,
                vec![
                    me(1, 1),
                    Change::PlayerHidden { index: 1 },
                    Change::PlayerHidden { index: 1 },
                ],
            ),
        ),
        (
            "a full snapshot naming an entity it has not entered",
            &base,
            snap(20, 0, 0, vec![Change::PlayerHidden { index: 1 }]),
        ),
    ];
    let mut views = Vec::new();
    let cases = cases.into_iter().map(|(name, base, snapshot)| {
        let result = base.apply(&snapshot);
        if let Ok(v) = &result {
            views.push(v.clone());
        }
        json!({
            "name": name,
            "base": js::view(base),
            "snapshot": js::snapshot(&snapshot),
            "result": js::apply_result(result.as_ref()),
        })
    });
    let cases = Value::Array(cases.collect());
    (cases, views)
}

pub fn all() -> Value {
    let (applies, mut views) = single_applies();
    let runs = super::baselines::runs(&mut views);
    let to_full = views.iter().map(|v| {
        let full = v.to_full();
        assert_eq!(WorldView::default().apply(&full).as_ref(), Ok(v));
        json!({ "view": js::view(v), "snapshot": js::snapshot(&full) })
    });
    json!({
        "fixed": fixed(),
        "aim": aims(),
        "track_after": track_after(),
        "apply": applies,
        "baselines": runs,
        "to_full": to_full.collect::<Vec<_>>(),
    })
}
