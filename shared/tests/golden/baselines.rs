//! Sequences through `Baselines`, decoded from the codec's bytes: fulls,
//! deltas against older views, a missing baseline, errors that change
//! nothing, resets, the window's edge, tick and arithmetic wrapping. Each
//! step with the view (or error), ack tick and counters it must leave.

use rallypoint_shared::baselines::Baselines;
use rallypoint_shared::snapshot::{BASELINE_WINDOW, Change, WorldView};
use rallypoint_shared::{ServerMsg, Snapshot, encode_server};
use serde_json::{Value, json};

use super::js;
use super::views::{base_full, enter, me, score, snap};
use crate::common::track;

/// One `Baselines` fed step by step, with what each step must leave.
struct Run {
    name: &'static str,
    baselines: Baselines,
    steps: Vec<Value>,
}

impl Run {
    fn new(name: &'static str) -> Self {
        Run {
            name,
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

    fn done(&mut self, to_full: &mut Vec<WorldView>) -> Value {
        to_full.extend(self.baselines.newest().cloned());
        json!({ "name": self.name, "steps": std::mem::take(&mut self.steps) })
    }
}

fn step(tick: u32, age: u8) -> Snapshot {
    snap(tick, age, 1, vec![me(1, 0)])
}

pub(super) fn runs(to_full: &mut Vec<WorldView>) -> Value {
    let mut runs = Vec::new();

    let mut run = Run::new("deltas against the named baseline, not the newest");
    run.receive(base_full(10))
        .receive(snap(
            11,
            1,
            1,
            vec![me(10, 0), Change::PlayerAim { index: 1, aim: 3 }],
        ))
        .receive(snap(
            12,
            2,
            2,
            vec![me(5, 5), Change::ProjectileGone { index: 7 }],
        ))
        .receive(snap(14, 2, 0, vec![score(3, 0, 0)]));
    runs.push(run.done(to_full));

    let mut run = Run::new("a missing baseline is refused and counted, then heals");
    run.receive(step(10, 0))
        .receive(step(12, 1))
        .receive(step(13, 3))
        .receive(step(60, 0))
        .clear()
        .receive(step(70, 0))
        .receive(step(71, 0))
        .receive(step(72, 2));
    runs.push(run.done(to_full));

    let mut run = Run::new("errors change nothing but what they count");
    run.receive(base_full(10))
        .receive(snap(
            11,
            1,
            1,
            vec![me(1, 1), Change::PlayerHidden { index: 9 }],
        ))
        .receive(snap(12, 0, 1, vec![Change::PlayerLeft { index: 2 }]))
        .receive(snap(13, 3, 1, vec![Change::PlayerLeft { index: 2 }]))
        .receive(snap(13, 3, 1, vec![]))
        .receive(snap(9, 0, 0, vec![]))
        .receive(snap(13, 0, 0, vec![]));
    runs.push(run.done(to_full));

    let mut run = Run::new("the window keeps the last 32 views");
    run.receive(step(1, 0));
    for tick in 2..=40 {
        run.receive(step(tick, 1));
    }
    let window = BASELINE_WINDOW as u8;
    run.receive(step(41, window)).receive(step(42, window + 1));
    runs.push(run.done(to_full));

    let mut run = Run::new("ticks, sequence numbers and tracks wrap");
    run.receive(snap(
        u32::MAX - 1,
        0,
        u32::MAX,
        vec![
            me(i32::MAX, i32::MIN),
            enter(0, track(i32::MAX, i32::MIN, i32::MAX, -7_509), 128),
            Change::ProjectileEnter {
                index: u32::MAX,
                owner: 0,
                track: track(0, 0, i32::MIN, 1 << 30),
            },
            score(u32::MAX, u32::MAX, 0),
        ],
    ))
    .receive(snap(1, 3, 2, vec![me(1, -1)]))
    .receive(snap(256, 255, 0, vec![]))
    .receive(snap(u32::MAX, 0, 0, vec![]))
    .receive(snap(300, 44, u32::MAX, vec![]));
    runs.push(run.done(to_full));

    Value::Array(runs)
}
