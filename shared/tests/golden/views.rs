//! Snapshot vectors, for both games: fixed point and extrapolation, single
//! `View::apply` calls (every record, every error), and `to_full` of every
//! view built here and in the `Baselines` runs (`baselines.rs`). Records
//! are written with the real record heads and the games' own `Fields`.

use glam::IVec2;
use rallypoint_arena::{ArenaEntity, ArenaRow, PLAYER, PROJECTILE};
use rallypoint_four::{Board, FourRow, FourState, Phase};
use rallypoint_game::Fields;
use rallypoint_game::view::View;
use rallypoint_shared::snapshot::{Record, SnapshotView, from_fixed};
use rallypoint_shared::{Payload, PlayerId, Snapshot};
use serde_json::{Value, json};

use super::js::{self, JsFields};
use crate::common::{Sample, ivec, records, track};

pub type ArenaView = View<ArenaEntity, ArenaRow, ()>;
pub type FourView = View<(), FourRow, FourState>;

/// A record head and the fields of `value` it names.
pub fn rec<F: Fields>(head: Record, value: &F) -> Sample {
    let mut out = Vec::new();
    if let Some(mask) = head.fields() {
        value.write(mask, &mut out).unwrap();
    }
    (head, out)
}

/// A record head with no fields after it.
pub fn bare(head: Record) -> Sample {
    (head, Vec::new())
}

pub fn snap(tick: u32, baseline_age: u8, input_seq_advance: u32, samples: &[Sample]) -> Snapshot {
    Snapshot {
        tick,
        baseline_age,
        input_seq_advance,
        records: records(samples),
    }
}

/// A snapshot whose records are `bytes` as they are.
pub fn raw(tick: u32, baseline_age: u8, bytes: Vec<u8>) -> Snapshot {
    Snapshot {
        tick,
        baseline_age,
        input_seq_advance: 0,
        records: Payload(bytes),
    }
}

pub fn me(x: i32, y: i32) -> Sample {
    bare(Record::Me { offset: ivec(x, y) })
}

pub fn player(index: u32, t: rallypoint_shared::snapshot::Track, aim: u8) -> Sample {
    rec(
        Record::Enter {
            kind: PLAYER,
            index,
            track: t,
        },
        &ArenaEntity::Player {
            aim,
            hp: 100,
            alive: true,
        },
    )
}

pub fn projectile(index: u32, t: rallypoint_shared::snapshot::Track, owner: u32) -> Sample {
    rec(
        Record::Enter {
            kind: PROJECTILE,
            index,
            track: t,
        },
        &ArenaEntity::Projectile { owner },
    )
}

pub fn score(key: u32, kills: u32, deaths: u32) -> Sample {
    rec(
        Record::Row { key },
        &ArenaRow {
            generation: 1,
            kills,
            deaths,
        },
    )
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

/// The arena a few sequences start from: this client at (100, 200), a
/// still player 1, player 2 walking, a projectile, two score rows.
pub fn arena_full(tick: u32) -> Snapshot {
    snap(
        tick,
        0,
        4,
        &[
            me(102_400, 204_800),
            player(1, track(102_400, 204_800, 0, 0), 0),
            player(2, track(0, 0, 10, -5), 64),
            projectile(7, track(5, 5, 100, 0), 2),
            score(1, 0, 0),
            score(2, 3, 1),
        ],
    )
}

/// One record against [`arena_full`]`(10)` three ticks later.
fn one(sample: Sample) -> Snapshot {
    snap(13, 3, 1, &[sample])
}

fn hp(index: u32, mask: u32, hp: u8, alive: bool) -> Sample {
    rec(
        Record::Update {
            kind: PLAYER,
            index,
            mask,
        },
        &ArenaEntity::Player { aim: 9, hp, alive },
    )
}

fn motion(kind: u8, index: u32, offset: IVec2, vel: IVec2) -> Sample {
    bare(Record::Motion {
        kind,
        index,
        offset,
        vel,
    })
}

/// Every arena case: a name, the base, the snapshot.
fn arena_cases() -> Vec<(&'static str, ArenaView, Snapshot)> {
    let empty = ArenaView::default();
    let base = empty.apply(&arena_full(10)).unwrap();
    let wrong = ArenaView {
        tick: 11,
        ..base.clone()
    };
    let z = IVec2::ZERO;
    let row_update = |key, mask, kills| {
        let value = ArenaRow {
            generation: 2,
            kills,
            deaths: 5,
        };
        rec(Record::RowUpdate { key, mask }, &value)
    };
    vec![
        (
            "full snapshot onto an empty view",
            empty.clone(),
            arena_full(10),
        ),
        (
            "full snapshot ignores the view it is given",
            wrong.clone(),
            arena_full(20),
        ),
        (
            "delta with no records extrapolates",
            base.clone(),
            snap(13, 3, 0, &[]),
        ),
        ("delta against another tick", wrong, snap(13, 3, 0, &[])),
        ("Me adds to me", base.clone(), one(me(-30, 7))),
        (
            "Motion corrects the extrapolated position",
            base.clone(),
            one(motion(PLAYER, 2, ivec(1, 1), z)),
        ),
        (
            "Motion of a projectile",
            base.clone(),
            one(motion(PROJECTILE, 7, ivec(-300, 0), ivec(50, 50))),
        ),
        ("Update aim only", base.clone(), one(hp(2, 1, 0, false))),
        (
            "Update hp and alive",
            base.clone(),
            one(hp(1, 0b110, 0, false)),
        ),
        (
            "Update with mask bits past the last field",
            base.clone(),
            one(hp(1, u32::MAX, 7, true)),
        ),
        (
            "Update with an empty mask",
            base.clone(),
            one(hp(1, 0, 7, true)),
        ),
        (
            "Update of one field, in the long form with a mask",
            base.clone(),
            raw(13, 3, vec![56, 2, 1, 7]),
        ),
        (
            "Update of lone field 7, past the player's fields",
            base.clone(),
            raw(13, 3, vec![8 + 16 * 13, 1]),
        ),
        (
            "entity record tag 232, past the last op",
            base.clone(),
            raw(13, 3, vec![232, 1]),
        ),
        (
            "Update a projectile's owner",
            base.clone(),
            one(rec(
                Record::Update {
                    kind: PROJECTILE,
                    index: 7,
                    mask: 1,
                },
                &ArenaEntity::Projectile { owner: 70_000 },
            )),
        ),
        (
            "Hidden",
            base.clone(),
            one(bare(Record::Hidden {
                kind: PLAYER,
                index: 2,
            })),
        ),
        (
            "Gone",
            base.clone(),
            one(bare(Record::Gone {
                kind: PROJECTILE,
                index: 7,
            })),
        ),
        (
            "Enter replaces",
            base.clone(),
            one(player(1, track(-1, -2, 3, 4), 255)),
        ),
        (
            "Enter of the same index, another kind",
            base.clone(),
            one(projectile(1, track(0, 0, -100, 0), 1)),
        ),
        (
            "EnterStill has no track to extrapolate",
            base.clone(),
            snap(
                11,
                1,
                0,
                &[rec(
                    Record::EnterStill {
                        kind: PROJECTILE,
                        index: 8,
                    },
                    &ArenaEntity::Projectile { owner: 1 },
                )],
            ),
        ),
        ("Row adds a row", base.clone(), one(score(9, 1, 2))),
        (
            "RowUpdate changes the fields its mask names",
            base.clone(),
            one(row_update(2, 0b010, 44)),
        ),
        (
            "RowGone",
            base.clone(),
            one(bare(Record::RowGone { key: 1 })),
        ),
        (
            "Singleton of a game whose singleton is ()",
            base.clone(),
            one(bare(Record::Singleton)),
        ),
        (
            "a later record sees an earlier one",
            base.clone(),
            snap(
                11,
                1,
                0,
                &[
                    player(40, track(1, 1, 1, 1), 1),
                    hp(40, 1, 0, true),
                    bare(Record::Gone {
                        kind: PLAYER,
                        index: 1,
                    }),
                    bare(Record::RowGone { key: 1 }),
                    score(1, 5, 5),
                ],
            ),
        ),
        (
            "Hidden unknown",
            base.clone(),
            one(bare(Record::Hidden {
                kind: PLAYER,
                index: 9,
            })),
        ),
        (
            "Hidden of the right index, wrong kind",
            base.clone(),
            one(bare(Record::Hidden {
                kind: PROJECTILE,
                index: 2,
            })),
        ),
        (
            "Gone unknown",
            base.clone(),
            one(bare(Record::Gone {
                kind: PROJECTILE,
                index: 1,
            })),
        ),
        ("Motion unknown", base.clone(), one(motion(PLAYER, 9, z, z))),
        ("Update unknown", base.clone(), one(hp(9, 0b110, 1, true))),
        (
            "Update unknown, before its truncated fields",
            base.clone(),
            raw(13, 3, vec![8 + 48, 9, 2]),
        ),
        ("RowUpdate unknown", base.clone(), one(row_update(9, 1, 1))),
        (
            "RowGone unknown",
            base.clone(),
            one(bare(Record::RowGone { key: 9 })),
        ),
        (
            "SingletonUpdate without a singleton",
            base.clone(),
            one(bare(Record::SingletonUpdate { mask: 1 })),
        ),
        (
            "SingletonGone without a singleton",
            base.clone(),
            one(bare(Record::SingletonGone)),
        ),
        (
            "Motion of an entity without a track",
            base.clone(),
            snap(
                11,
                1,
                0,
                &[
                    rec(
                        Record::EnterStill {
                            kind: PROJECTILE,
                            index: 8,
                        },
                        &ArenaEntity::Projectile { owner: 1 },
                    ),
                    motion(PROJECTILE, 8, z, z),
                ],
            ),
        ),
        (
            "Enter of a kind arena does not have",
            base.clone(),
            raw(13, 3, vec![8 + 5, 1, 0, 0, 0, 0]),
        ),
        ("unknown record tag 7", base.clone(), raw(13, 3, vec![7])),
        (
            "truncated fields",
            base.clone(),
            raw(13, 3, vec![8, 1, 0, 0, 0, 0, 5, 100]),
        ),
        (
            "a bool field of 2",
            base.clone(),
            raw(13, 3, vec![8, 1, 0, 0, 0, 0, 5, 100, 2]),
        ),
        (
            "an error after good records",
            base.clone(),
            snap(
                13,
                3,
                0,
                &[
                    me(1, 1),
                    bare(Record::Hidden {
                        kind: PLAYER,
                        index: 1,
                    }),
                    bare(Record::Hidden {
                        kind: PLAYER,
                        index: 1,
                    }),
                ],
            ),
        ),
        (
            "a full snapshot naming an entity it has not entered",
            base,
            snap(
                20,
                0,
                0,
                &[bare(Record::Hidden {
                    kind: PLAYER,
                    index: 1,
                })],
            ),
        ),
    ]
}

/// A board with discs dropped in `columns`, seats taking turns from 0.
pub fn board(columns: &[u8]) -> Board {
    let mut b = Board::new();
    for (i, &c) in columns.iter().enumerate() {
        b.play(c, (i % 2) as u8).unwrap();
    }
    b
}

pub fn four_state(columns: &[u8], turn: Option<u8>, phase: Phase, deadline: u32) -> FourState {
    FourState {
        board: board(columns),
        turn,
        phase,
        deadline,
        moves: columns.len() as u8,
        game: 1,
    }
}

pub fn seat(key: u32, player: u64, wins: u32, rematch: bool) -> Sample {
    let row = FourRow {
        player: PlayerId(player),
        wins,
        rematch,
    };
    rec(Record::Row { key }, &row)
}

/// A four table mid-game: seats 0 and 1, three discs down, seat 1 to move.
pub fn four_full(tick: u32) -> Snapshot {
    snap(
        tick,
        0,
        0,
        &[
            seat(0, 42, 0, false),
            seat(1, u64::MAX, 2, false),
            rec(
                Record::Singleton,
                &four_state(&[3, 3, 4], Some(1), Phase::Playing, 500),
            ),
        ],
    )
}

fn four_cases() -> Vec<(&'static str, FourView, Snapshot)> {
    use rallypoint_four::ForfeitReason;
    let empty = FourView::default();
    let base = empty.apply(&four_full(10)).unwrap();
    let update = |mask, state: &FourState| rec(Record::SingletonUpdate { mask }, state);
    let won = four_state(&[0, 1, 0, 1, 0, 1, 0], None, Phase::Won { seat: 0 }, 0);
    let forfeit = four_state(
        &[3, 3, 4],
        None,
        Phase::Forfeit {
            seat: 1,
            why: ForfeitReason::TurnTimer,
        },
        0,
    );
    let moved = four_state(&[3, 3, 4, 4], Some(0), Phase::Playing, 8_000);
    vec![
        (
            "four: full snapshot onto an empty view",
            empty,
            four_full(10),
        ),
        (
            "four: a move updates board, turn, deadline and moves",
            base.clone(),
            one(update(0b11011, &moved)),
        ),
        ("four: a win", base.clone(), one(update(u32::MAX, &won))),
        (
            "four: a forfeit",
            base.clone(),
            one(update(0b100, &forfeit)),
        ),
        (
            "four: a rematch asked",
            base.clone(),
            one(rec(
                Record::RowUpdate {
                    key: 1,
                    mask: 0b100,
                },
                &FourRow {
                    player: PlayerId(0),
                    wins: 0,
                    rematch: true,
                },
            )),
        ),
        (
            "four: a seat left",
            base.clone(),
            one(bare(Record::RowGone { key: 0 })),
        ),
        (
            "four: the singleton replaced",
            base.clone(),
            one(rec(
                Record::Singleton,
                &four_state(&[], None, Phase::Waiting, 0),
            )),
        ),
        (
            "four: the singleton gone",
            base.clone(),
            one(bare(Record::SingletonGone)),
        ),
        (
            "four: an entity of any kind carries no bytes",
            base.clone(),
            snap(
                11,
                1,
                0,
                &[
                    bare(Record::Enter {
                        kind: 3,
                        index: 1,
                        track: track(1, 2, 3, 4),
                    }),
                    bare(Record::EnterStill { kind: 15, index: 2 }),
                ],
            ),
        ),
        (
            "four: a cell byte of 3",
            base.clone(),
            raw(13, 3, {
                let mut b = vec![5, 1];
                b.extend([3u8; 42]);
                b
            }),
        ),
        (
            "four: a turn Option byte of 2",
            base.clone(),
            raw(13, 3, vec![5, 2, 2, 0]),
        ),
        (
            "four: an unknown phase",
            base.clone(),
            raw(13, 3, vec![5, 4, 5]),
        ),
        (
            "four: a truncated board",
            base.clone(),
            raw(13, 3, vec![4, 0, 0, 0]),
        ),
        (
            "four: SingletonUpdate after SingletonGone",
            base,
            snap(
                11,
                1,
                0,
                &[bare(Record::SingletonGone), update(0b1000, &moved)],
            ),
        ),
    ]
}

fn applies<E, R, S>(
    cases: Vec<(&'static str, View<E, R, S>, Snapshot)>,
    game: &str,
    views: &mut Vec<View<E, R, S>>,
) -> Vec<Value>
where
    E: Fields + Clone + JsFields,
    R: Fields + Clone + JsFields,
    S: Fields + Clone + JsFields,
{
    cases
        .into_iter()
        .map(|(name, base, snapshot)| {
            let result = base.apply(&snapshot);
            if let Ok(v) = &result {
                views.push(v.clone());
            }
            json!({
                "name": name,
                "game": game,
                "base": js::view(&base),
                "snapshot": js::snapshot(&snapshot),
                "result": js::apply_result(result.as_ref()),
            })
        })
        .collect()
}

/// Each view as the full snapshot that rebuilds it.
fn to_full<E, R, S>(views: &[View<E, R, S>], game: &str) -> Vec<Value>
where
    E: Fields + Clone + JsFields + PartialEq + std::fmt::Debug,
    R: Fields + Clone + JsFields + PartialEq + std::fmt::Debug,
    S: Fields + Clone + JsFields + PartialEq + std::fmt::Debug,
{
    views
        .iter()
        .map(|v| {
            let full = v.to_full().unwrap();
            assert_eq!(View::default().apply(&full).as_ref(), Ok(v));
            json!({ "game": game, "view": js::view(v), "snapshot": js::snapshot(&full) })
        })
        .collect()
}

pub fn all() -> Value {
    let (mut arena_views, mut four_views) = (Vec::new(), Vec::new());
    let mut apply = applies(arena_cases(), "arena", &mut arena_views);
    apply.extend(applies(four_cases(), "four", &mut four_views));
    let runs = super::baselines::runs(&mut arena_views, &mut four_views);
    let mut full = to_full(&arena_views, "arena");
    full.extend(to_full(&four_views, "four"));
    json!({
        "fixed": fixed(),
        "track_after": track_after(),
        "apply": apply,
        "baselines": runs,
        "to_full": full,
    })
}
