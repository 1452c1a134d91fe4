//! Sequences through `Baselines`, decoded from the codec's bytes: fulls,
//! deltas against older views, a missing baseline, errors that change
//! nothing, resets, the window's edge, tick and arithmetic wrapping, and a
//! four game. Each step with the view (or error), ack tick and counters it
//! must leave.

use rallypoint_arena::{ArenaEntity, PLAYER, PROJECTILE};
use rallypoint_four::Phase;
use rallypoint_game::Fields;
use rallypoint_game::view::View;
use rallypoint_shared::baselines::Baselines;
use rallypoint_shared::snapshot::{BASELINE_WINDOW, Record};
use rallypoint_shared::{ServerMsg, Snapshot, encode_server};
use serde_json::{Value, json};

use super::js::{self, JsFields};
use super::views::{
    ArenaView, FourView, arena_full, bare, four_full, four_state, me, player, projectile, rec,
    score, seat, snap,
};
use crate::common::track;

/// One `Baselines` fed step by step, with what each step must leave.
struct Run<V> {
    name: &'static str,
    game: &'static str,
    baselines: Baselines<V>,
    steps: Vec<Value>,
}

impl<E, R, S> Run<View<E, R, S>>
where
    E: Fields + Clone + JsFields,
    R: Fields + Clone + JsFields,
    S: Fields + Clone + JsFields,
{
    fn new(name: &'static str, game: &'static str) -> Self {
        Run {
            name,
            game,
            baselines: Baselines::new(),
            steps: Vec::new(),
        }
    }

    fn receive(&mut self, snapshot: Snapshot) -> &mut Self {
        let bytes = encode_server(&ServerMsg::Snapshot(snapshot.clone())).unwrap();
        let result = js::apply_result(self.baselines.receive(&snapshot).as_ref().copied());
        self.steps.push(json!({
            "receive": { "hex": js::hex(&bytes), "snapshot": js::snapshot(&snapshot) },
            "result": result,
            "ack_tick": self.baselines.ack_tick(),
            "stats": js::stats(self.baselines.stats()),
        }));
        self
    }

    fn clear(&mut self) -> &mut Self {
        self.baselines.clear();
        self.steps.push(json!({
            "clear": true,
            "ack_tick": self.baselines.ack_tick(),
            "stats": js::stats(self.baselines.stats()),
        }));
        self
    }

    fn done(&mut self, to_full: &mut Vec<View<E, R, S>>) -> Value {
        to_full.extend(self.baselines.newest().cloned());
        let steps = std::mem::take(&mut self.steps);
        json!({ "name": self.name, "game": self.game, "steps": steps })
    }
}

fn step(tick: u32, age: u8) -> Snapshot {
    snap(tick, age, 1, &[me(1, 0)])
}

fn arena_runs(to_full: &mut Vec<ArenaView>) -> Vec<Value> {
    let mut runs = Vec::new();
    let aim = |index, aim| {
        rec(
            Record::Update {
                kind: PLAYER,
                index,
                mask: 1,
            },
            &ArenaEntity::Player {
                aim,
                hp: 0,
                alive: false,
            },
        )
    };
    let gone = |kind, index| bare(Record::Gone { kind, index });

    let mut run = Run::new("deltas against the named baseline, not the newest", "arena");
    run.receive(arena_full(10))
        .receive(snap(11, 1, 1, &[me(10, 0), aim(1, 3)]))
        .receive(snap(12, 2, 2, &[me(5, 5), gone(PROJECTILE, 7)]))
        .receive(snap(14, 2, 0, &[score(3, 0, 0)]));
    runs.push(run.done(to_full));

    let mut run = Run::new(
        "a missing baseline is refused and counted, then heals",
        "arena",
    );
    run.receive(step(10, 0))
        .receive(step(12, 1))
        .receive(step(13, 3))
        .receive(step(60, 0))
        .clear()
        .receive(step(70, 0))
        .receive(step(71, 0))
        .receive(step(72, 2));
    runs.push(run.done(to_full));

    let mut run = Run::new("errors change nothing but what they count", "arena");
    run.receive(arena_full(10))
        .receive(snap(
            11,
            1,
            1,
            &[
                me(1, 1),
                bare(Record::Hidden {
                    kind: PLAYER,
                    index: 9,
                }),
            ],
        ))
        .receive(snap(12, 0, 1, &[bare(Record::RowGone { key: 2 })]))
        .receive(snap(13, 3, 1, &[bare(Record::RowGone { key: 9 })]))
        .receive(snap(13, 3, 1, &[]))
        .receive(snap(9, 0, 0, &[]))
        .receive(snap(13, 0, 0, &[]));
    runs.push(run.done(to_full));

    let mut run = Run::new("the window keeps the last 32 views", "arena");
    run.receive(step(1, 0));
    for tick in 2..=40 {
        run.receive(step(tick, 1));
    }
    let window = BASELINE_WINDOW as u8;
    run.receive(step(41, window)).receive(step(42, window + 1));
    runs.push(run.done(to_full));

    let mut run = Run::new("ticks, sequence numbers and tracks wrap", "arena");
    run.receive(snap(
        u32::MAX - 1,
        0,
        u32::MAX,
        &[
            me(i32::MAX, i32::MIN),
            player(0, track(i32::MAX, i32::MIN, i32::MAX, -7_509), 128),
            projectile(u32::MAX, track(0, 0, i32::MIN, 1 << 30), 0),
            score(u32::MAX, u32::MAX, 0),
        ],
    ))
    .receive(snap(1, 3, 2, &[me(1, -1)]))
    .receive(snap(256, 255, 0, &[]))
    .receive(snap(u32::MAX, 0, 0, &[]))
    .receive(snap(300, 44, u32::MAX, &[]));
    runs.push(run.done(to_full));
    runs
}

fn four_runs(to_full: &mut Vec<FourView>) -> Vec<Value> {
    let mut run = Run::new("four: moves, a win, a rematch", "four");
    let state = |columns: &[u8], turn, phase, deadline| {
        rec(
            Record::SingletonUpdate { mask: u32::MAX },
            &four_state(columns, turn, phase, deadline),
        )
    };
    run.receive(four_full(10))
        .receive(snap(
            12,
            2,
            0,
            &[state(&[3, 3, 4, 4], Some(0), Phase::Playing, 900)],
        ))
        .receive(snap(
            13,
            1,
            0,
            &[state(&[3, 3, 4, 4, 5], Some(1), Phase::Playing, 1_000)],
        ))
        .receive(snap(
            15,
            3,
            0,
            &[
                state(&[3, 3, 4, 4, 5, 5, 6], None, Phase::Won { seat: 0 }, 0),
                seat(0, 42, 1, false),
            ],
        ))
        .receive(snap(16, 1, 0, &[seat(0, 42, 1, true)]))
        .receive(snap(
            17,
            1,
            0,
            &[
                bare(Record::SingletonGone),
                bare(Record::RowGone { key: 1 }),
            ],
        ));
    vec![run.done(to_full)]
}

pub(super) fn runs(arena: &mut Vec<ArenaView>, four: &mut Vec<FourView>) -> Value {
    let mut runs = arena_runs(arena);
    runs.extend(four_runs(four));
    Value::Array(runs)
}
