//! Keeps the "Movement, bit for bit" section of `games/arena/PROTOCOL.md`
//! true: its rules, written out here operation by operation exactly as the
//! page spells them, land on `movement::step_player`'s bits, for the
//! page's worked example and for many random moves.

use glam::Vec2;
use rallypoint_arena::movement::{
    PLAYER_RADIUS, PLAYER_SPEED, sanitize_input, step_player, tick_dt,
};
use rallypoint_arena::{InputFrame, MapInfo};
use rallypoint_shared::Rect;

/// Step 5's push out of one wall, as the page writes it.
fn push_out(p: (f32, f32), wall: &Rect) -> (f32, f32) {
    let c = (
        p.0.max(wall.min.x).min(wall.max.x),
        p.1.max(wall.min.y).min(wall.max.y),
    );
    let o = (p.0 - c.0, p.1 - c.1);
    let q = (o.0 * o.0) + (o.1 * o.1);
    if q >= 256.0 {
        return p;
    }
    if q > 0.0 {
        let k = 16.0 / q.sqrt();
        return (c.0 + (o.0 * k), c.1 + (o.1 * k));
    }
    let left = p.0 - wall.min.x;
    let right = wall.max.x - p.0;
    let low = p.1 - wall.min.y;
    let high = wall.max.y - p.1;
    let nearest = left.min(right).min(low).min(high);
    if left == nearest {
        (wall.min.x - 16.0, p.1)
    } else if right == nearest {
        (wall.max.x + 16.0, p.1)
    } else if low == nearest {
        (p.0, wall.min.y - 16.0)
    } else {
        (p.0, wall.max.y + 16.0)
    }
}

/// Step 5: every wall in list order once, then the bounds.
fn resolve(mut p: (f32, f32), map: &MapInfo) -> (f32, f32) {
    for wall in &map.walls {
        p = push_out(p, wall);
    }
    let lo = (map.bounds.min.x + 16.0, map.bounds.min.y + 16.0);
    let hi = (
        (map.bounds.max.x - 16.0).max(lo.0),
        (map.bounds.max.y - 16.0).max(lo.1),
    );
    (p.0.max(lo.0).min(hi.0), p.1.max(lo.1).min(hi.1))
}

/// Step 6.
fn snap(v: f32) -> f32 {
    ((v * 1024.0).round() as i32) as f32 / 1024.0
}

/// The intermediate values of one documented step, for the worked example.
#[derive(Debug, Default)]
struct Trace {
    dt: f32,
    q: f32,
    len: f32,
    m: (f32, f32),
    s: f32,
    d: (f32, f32),
    sub_len: f32,
    n: f32,
    u: (f32, f32),
    subs: Vec<(f32, f32)>,
}

/// Steps 1 to 6 as the page spells them, from `start` with the movement
/// as sent; `None` where the page says the input is refused.
fn documented_step(
    start: (f32, f32),
    sent: (f32, f32),
    tick_hz: u16,
    map: &MapInfo,
) -> Option<((f32, f32), Trace)> {
    let mut t = Trace {
        dt: 1.0 / f32::from(tick_hz.max(1)),
        ..Trace::default()
    };
    let (x, y) = sent;
    if !x.is_finite() || !y.is_finite() {
        return None;
    }
    t.q = (x * x) + (y * y);
    t.m = if t.q > 1.0 {
        t.len = t.q.sqrt();
        (x / t.len, y / t.len)
    } else {
        (x, y)
    };
    t.s = 220.0 * t.dt;
    t.d = (t.m.0 * t.s, t.m.1 * t.s);
    t.sub_len = ((t.d.0 * t.d.0) + (t.d.1 * t.d.1)).sqrt();
    t.n = (t.sub_len / 8.0).ceil().max(1.0);
    t.u = (t.d.0 / t.n, t.d.1 / t.n);
    let mut p = start;
    for _ in 0..t.n as u32 {
        p = resolve((p.0 + t.u.0, p.1 + t.u.1), map);
        t.subs.push(p);
    }
    Some(((snap(p.0), snap(p.1)), t))
}

/// What the server does with an input: sanitise it on arrival, then step.
fn server_step(start: Vec2, sent: Vec2, tick_hz: u16, map: &MapInfo) -> Option<Vec2> {
    let input = sanitize_input(InputFrame {
        movement: sent,
        ..InputFrame::default()
    })
    .ok()?;
    Some(step_player(start, input.movement, tick_dt(tick_hz), map))
}

fn bits(v: f32) -> u32 {
    v.to_bits()
}

#[test]
fn the_movement_constants_are_the_codes() {
    assert_eq!(PLAYER_RADIUS, 16.0);
    assert_eq!(PLAYER_SPEED, 220.0);
    assert_eq!(bits(tick_dt(30)), 0x3D08_8889);
    assert_eq!(bits(tick_dt(20)), 0x3D4C_CCCD);
    assert_eq!(bits(PLAYER_SPEED * tick_dt(30)), 0x40EA_AAAB);
    assert_eq!(PLAYER_SPEED * tick_dt(20), 11.0);
    assert_eq!(tick_dt(0), 1.0, "0 Hz counts as 1");
}

/// The worked example's table, value by value.
#[test]
fn the_worked_movement_example_holds() {
    let open = MapInfo {
        name: "open".into(),
        bounds: Rect {
            min: Vec2::ZERO,
            max: Vec2::new(1000.0, 1000.0),
        },
        walls: vec![],
    };
    let sent = (0.22f32, 0.98f32);
    assert_eq!((bits(sent.0), bits(sent.1)), (0x3E61_47AE, 0x3F7A_E148));
    let (end, t) = documented_step((400.0, 300.0), sent, 20, &open).unwrap();
    assert_eq!(bits(t.q), 0x3F81_205C);
    assert_eq!(bits(t.len), 0x3F80_8FDD);
    assert_eq!((bits(t.m.0), bits(t.m.1)), (0x3E60_4B96, 0x3F79_C88B));
    assert_eq!(t.s, 11.0);
    assert_eq!((bits(t.d.0), bits(t.d.1)), (0x401A_33F7, 0x412B_B9E0));
    assert_eq!((bits(t.sub_len), t.n), (0x4130_0001, 2.0));
    assert_eq!((bits(t.u.0), bits(t.u.1)), (0x3F9A_33F7, 0x40AB_B9E0));
    assert_eq!(
        t.subs
            .iter()
            .map(|p| (bits(p.0), bits(p.1)))
            .collect::<Vec<_>>(),
        [(0x43C8_9A34, 0x4398_AEE8), (0x43C9_3468, 0x439B_5DD0)]
    );
    // 402.409_179_687_5 and 310.733_398_437_5: on the 1/1024 grid.
    assert_eq!(end, (412_067.0 / 1024.0, 318_191.0 / 1024.0));
    let server = server_step(
        Vec2::new(400.0, 300.0),
        Vec2::new(sent.0, sent.1),
        20,
        &open,
    );
    assert_eq!(server, Some(Vec2::new(end.0, end.1)));

    // The wrong grouping, (my * 220) * dt, lands one grid step short.
    let wrong_dy = (t.m.1 * 220.0) * t.dt;
    assert_eq!(bits(wrong_dy), 0x412B_B9DF);
    let y = (300.0 + wrong_dy / 2.0) + wrong_dy / 2.0;
    assert_eq!(snap(y) * 1024.0, 318_190.0);
    assert_eq!(end.1 * 1024.0, 318_191.0);

    // And for the normalised (1, 1) at 30 Hz.
    let (_, t) = documented_step((400.0, 300.0), (1.0, 1.0), 30, &open).unwrap();
    assert_eq!(bits(t.d.0), 0x40A5_EF34);
    assert_eq!(bits((t.m.0 * 220.0) * t.dt), 0x40A5_EF35);
}

#[test]
fn a_centre_inside_a_wall_leaves_by_the_nearest_side() {
    // The wall of the page's dumps' map, "yard".
    let wall = Rect {
        min: Vec2::new(300.0, 200.0),
        max: Vec2::new(500.0, 240.0),
    };
    assert_eq!(push_out((310.0, 215.0), &wall), (284.0, 215.0));
    assert_eq!(
        rallypoint_arena::movement::push_out_of_rect(Vec2::new(310.0, 215.0), 16.0, &wall),
        Vec2::new(284.0, 215.0)
    );
}

/// The page's rules, run op by op, land on `step_player`'s bits for many
/// movements, start points and tick rates, on a map with walls, corners
/// and bounds near, starts inside walls included.
#[test]
fn the_documented_rules_are_step_player_bit_for_bit() {
    let map = MapInfo {
        name: "maze".into(),
        bounds: Rect {
            min: Vec2::new(-50.0, 0.0),
            max: Vec2::new(600.0, 400.0),
        },
        walls: vec![
            Rect {
                min: Vec2::new(100.0, 100.0),
                max: Vec2::new(140.0, 300.0),
            },
            Rect {
                min: Vec2::new(130.0, 280.0),
                max: Vec2::new(400.0, 300.0),
            },
            Rect {
                min: Vec2::new(300.0, 0.0),
                max: Vec2::new(316.0, 120.0),
            },
        ],
    };
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut unit = || (next() >> 40) as f32 / (1u64 << 24) as f32;
    let mut compared = 0;
    for i in 0..20_000 {
        let hz = [1, 7, 20, 30, 60, 128][i % 6];
        let start = (snap(unit() * 700.0 - 60.0), snap(unit() * 420.0 - 10.0));
        let scale = [1.0, 1.5, 40.0, 1e20][i % 4];
        let sent = ((unit() * 2.0 - 1.0) * scale, (unit() * 2.0 - 1.0) * scale);
        let documented = documented_step(start, sent, hz, &map).map(|(p, _)| Vec2::new(p.0, p.1));
        let server = server_step(
            Vec2::new(start.0, start.1),
            Vec2::new(sent.0, sent.1),
            hz,
            &map,
        );
        assert_eq!(
            documented.map(|p| (bits(p.x), bits(p.y))),
            server.map(|p| (bits(p.x), bits(p.y))),
            "start {start:?}, movement {sent:?}, {hz} Hz"
        );
        compared += 1;
    }
    assert_eq!(compared, 20_000);
    // A non-finite movement is refused, so never predicted.
    assert_eq!(
        documented_step((0.0, 0.0), (f32::NAN, 0.0), 30, &map).map(|p| p.0),
        None
    );
    assert_eq!(
        server_step(Vec2::ZERO, Vec2::new(f32::INFINITY, 0.0), 30, &map),
        None
    );
}
