//! Movement vectors on the bundled arena map, every `f32` as its bit
//! pattern so the JS port is checked bit for bit: `tick_dt`, `snap`,
//! `sanitize_input`, and runs of `step_player` into walls, round a corner,
//! into the bounds, at extreme tick rates, from inside a wall, and long
//! pseudo-random walks. Seeded sweeps of many more cases are in `sweeps.rs`.

use std::path::Path;

use glam::Vec2;
use rallypoint_arena::movement::{sanitize_input, snap, step_player, tick_dt};
use rallypoint_arena::{InputFrame, MapInfo};
use rallypoint_shared::Rect;
use serde_json::{Value, json};

use super::js;
use super::sweeps::{self, Rng};

/// The arena as the server loads it (`games/arena/src/map.rs` also
/// validates it; only the geometry matters here).
pub fn arena() -> MapInfo {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../games/arena/maps/arena.toml");
    let text = std::fs::read_to_string(&path).expect("the bundled arena map is readable");
    let file: toml::Table = text.parse().expect("the arena map is TOML");
    let point = |v: &toml::Value| {
        let xy = v.as_array().expect("a point is [x, y]");
        let coord = |c: &toml::Value| c.as_float().expect("coordinates are floats") as f32;
        Vec2::new(coord(&xy[0]), coord(&xy[1]))
    };
    let rect = |v: &toml::Value| Rect {
        min: point(&v["min"]),
        max: point(&v["max"]),
    };
    MapInfo {
        name: file["name"].as_str().expect("a name").to_owned(),
        bounds: rect(&file["bounds"]),
        walls: file["walls"]
            .as_array()
            .expect("walls")
            .iter()
            .map(rect)
            .collect(),
    }
}

pub(super) fn input(movement: Vec2, aim: Vec2) -> InputFrame {
    InputFrame {
        seq: 77,
        movement,
        aim,
        fire: true,
        hitscan: false,
        ack_tick: 65_536,
    }
}

fn sanitize_cases() -> Value {
    let v = Vec2::new;
    let cases = [
        (v(3.0, 4.0), v(0.0, 5.0)),
        (v(0.6, 0.8), v(0.6, 0.8)),
        (v(1.0, 1.0), v(-1.0, -1.0)),
        (v(0.5, -0.0), v(0.0, 0.0)),
        (v(0.1, 0.1), v(1e-45, 0.0)),
        (v(-0.0, 0.0), v(1e-20, 1e-20)),
        (v(1e20, 0.0), v(1e20, 1e20)),
        (v(f32::MAX, f32::MAX), v(f32::MAX, 0.0)),
        (v(0.70710677, 0.70710677), v(0.70710677, 0.70710677)),
        (v(1.0000001, 0.0), v(3.0, -4.0)),
        (v(f32::NAN, 0.0), v(1.0, 0.0)),
        (v(0.0, f32::NEG_INFINITY), v(1.0, 0.0)),
        (v(0.0, 0.0), v(f32::INFINITY, 0.0)),
        (v(0.0, 0.0), v(0.0, f32::NAN)),
        (v(f32::NAN, 0.0), v(f32::NAN, 0.0)),
    ];
    let cases = cases.into_iter().map(|(movement, aim)| {
        let raw = input(movement, aim);
        let result = match sanitize_input(raw) {
            Ok(out) => {
                assert_eq!((out.seq, out.fire, out.ack_tick), (77, true, 65_536));
                json!({ "ok": { "movement": js::bits(out.movement), "aim": js::bits(out.aim) } })
            }
            Err(e) => json!({ "error": format!("{e:?}") }),
        };
        json!({
            "input": {
                "seq": raw.seq,
                "movement": js::bits(movement),
                "aim": js::bits(aim),
                "fire": raw.fire,
                "hitscan": raw.hitscan,
                "ack_tick": raw.ack_tick,
            },
            "result": result,
        })
    });
    Value::Array(cases.collect())
}

fn snap_cases() -> Value {
    let half = 0.5 / 1024.0;
    let values = [
        0.0,
        -0.0,
        half,
        -half,
        1.5 * half,
        3.0 * half,
        -3.0 * half,
        1e-45,
        0.1,
        100.3,
        -100.3,
        16_000.001,
        2_097_151.9,
        2_097_152.0,
        -2_097_152.0,
        3e9,
        -3e9,
        f32::MAX,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
    ];
    let cases = values.windows(2).map(|w| {
        let pos = Vec2::new(w[0], w[1]);
        json!({ "pos": js::bits(pos), "snapped": js::bits(snap(pos)) })
    });
    Value::Array(cases.collect())
}

/// `steps` inputs from `start`, each sanitised then stepped, recording the
/// raw movement, the sanitised one and the position after.
fn run(
    map: &MapInfo,
    name: &str,
    tick_hz: u16,
    start: Vec2,
    inputs: impl IntoIterator<Item = Vec2>,
) -> Value {
    let dt = tick_dt(tick_hz);
    let mut pos = start;
    let steps = inputs.into_iter().map(|raw| {
        let movement = sanitize_input(input(raw, Vec2::X)).unwrap().movement;
        pos = step_player(pos, movement, dt, map);
        json!({ "raw": js::bits(raw), "movement": js::bits(movement), "pos": js::bits(pos) })
    });
    let steps: Vec<Value> = steps.collect();
    json!({
        "name": name,
        "tick_hz": tick_hz,
        "dt": dt.to_bits(),
        "start": js::bits(start),
        "steps": steps,
    })
}

fn runs(map: &MapInfo) -> Value {
    let v = Vec2::new;
    let times = |movement: Vec2, n: usize| std::iter::repeat_n(movement, n);
    let mut rng = Rng(0x5eed_cafe);
    let mut walk = |n: usize| -> Vec<Vec2> {
        (0..n)
            .map(|_| v(rng.component(), rng.component()))
            .collect()
    };
    let runs = [
        run(
            map,
            "diagonal in the open",
            30,
            v(80.0, 80.0),
            times(v(1.0, 1.0), 20),
        ),
        run(
            map,
            "into the centre block's left side",
            30,
            v(600.0, 500.0),
            times(v(1.0, 0.0), 40),
        ),
        run(
            map,
            "sliding along a cover's underside",
            30,
            v(350.0, 300.0),
            times(v(0.3, -1.0), 40),
        ),
        run(
            map,
            "round a cover's corner",
            30,
            v(262.0, 150.0),
            times(v(1.0, 1.3), 30),
        ),
        run(
            map,
            "into the bounds' corner",
            30,
            v(80.0, 80.0),
            times(v(-1.0, -1.0), 20),
        ),
        run(
            map,
            "into the far bounds",
            30,
            v(1520.0, 920.0),
            times(v(0.9, 1.0), 20),
        ),
        run(
            map,
            "one second at 1 Hz",
            1,
            v(600.0, 500.0),
            times(v(1.0, 0.0), 2),
        ),
        run(
            map,
            "tick_hz 0 steps like 1 Hz",
            0,
            v(400.0, 500.0),
            times(v(-0.6, 0.8), 2),
        ),
        run(
            map,
            "128 Hz",
            128,
            v(1000.0, 500.0),
            times(v(-1.0, 0.25), 60),
        ),
        run(
            map,
            "off the grid at the start",
            30,
            v(100.3, 200.7),
            times(v(0.6, 0.8), 10),
        ),
        run(
            map,
            "tiny movements",
            30,
            v(1040.0, 80.0),
            times(v(0.001, -0.0003), 10),
        ),
        run(
            map,
            "from inside the centre block",
            30,
            v(800.0, 430.0),
            times(v(0.0, 0.0), 2),
        ),
        run(
            map,
            "from inside a pillar, near its left",
            30,
            v(185.0, 500.0),
            times(v(0.0, 0.5), 2),
        ),
        run(map, "a random walk", 30, v(80.0, 920.0), walk(300)),
        // Below 27.5 Hz a full-speed step is over 8 units: several sub-steps,
        // each an inexact division of the step.
        run(
            map,
            "a random walk at 20 Hz",
            20,
            v(1520.0, 340.0),
            walk(100),
        ),
        run(map, "a random walk at 7 Hz", 7, v(800.0, 300.0), walk(100)),
        run(map, "a random walk at 3 Hz", 3, v(400.0, 500.0), walk(60)),
    ];
    Value::Array(runs.into())
}

pub fn all() -> Value {
    let map = arena();
    let tick_dt = [0u16, 1, 20, 30, 60, 128, 144, u16::MAX]
        .map(|hz| json!({ "tick_hz": hz, "dt": tick_dt(hz).to_bits() }));
    json!({
        "map": js::map_info(&map),
        "tick_dt": tick_dt,
        "snap": snap_cases(),
        "sanitize": sanitize_cases(),
        "runs": runs(&map),
        "sweeps": sweeps::all(&map),
    })
}
