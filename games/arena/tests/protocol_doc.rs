//! Keeps `games/arena/PROTOCOL.md` true, and the arena-shaped parts of
//! `docs/PROTOCOL.md` that only arena's types can check. Every hex dump of
//! arena's page is encoded and decoded by the real codec and its payload
//! decoded with arena's real types; the kind, field and event tables are
//! compared with the code; the engine page's snapshot dumps are applied
//! with the engine's `View` of arena, giving the worked example, and its
//! "when the view has none" columns are what `View` does; and the movement
//! rules, written out here operation by operation exactly as the page
//! spells them, land on `movement::step_player`'s bits.

use std::path::Path;

use glam::{IVec2, Vec2};
use rallypoint_arena::movement::{
    PLAYER_RADIUS, PLAYER_SPEED, sanitize_input, step_player, tick_dt,
};
use rallypoint_arena::{
    Arena, ArenaEntity, ArenaEvent, ArenaRow, InputFrame, MapInfo, PLAYER, PROJECTILE,
};
use rallypoint_game::view::{GameView, Held};
use rallypoint_game::{Fields, Game};
use rallypoint_shared::snapshot::{
    ApplyError, Record, Snapshot, SnapshotView, Track, write_record,
};
use rallypoint_shared::*;

#[derive(Debug)]
enum Msg {
    Client(ClientMsg),
    Server(ServerMsg),
}

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn doc() -> String {
    read("PROTOCOL.md")
}

fn engine_doc() -> String {
    read("../../docs/PROTOCOL.md")
}

/// The name inside `<!-- KIND: NAME -->`, if the line is such a marker.
fn marker<'a>(line: &'a str, kind: &str) -> Option<&'a str> {
    let inner = line
        .trim()
        .strip_prefix("<!--")?
        .strip_suffix("-->")?
        .trim();
    Some(inner.strip_prefix(kind)?.strip_prefix(':')?.trim())
}

/// Every marked dump: its name and bytes (the hex before `#` on each line
/// of the fenced block after the marker).
fn dumps(doc: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut lines = doc.lines();
    while let Some(line) = lines.next() {
        let Some(name) = marker(line, "dump") else {
            continue;
        };
        let fence = lines.by_ref().find(|l| !l.trim().is_empty());
        assert!(
            fence.is_some_and(|f| f.trim_start().starts_with("```")),
            "dump {name}: the marker must be followed by a fenced block"
        );
        let mut bytes = Vec::new();
        for line in lines.by_ref() {
            if line.trim_start().starts_with("```") {
                break;
            }
            for token in line
                .split('#')
                .next()
                .unwrap_or_default()
                .split_whitespace()
            {
                assert!(token.len() == 2, "dump {name}: `{token}` is not one byte");
                let byte = u8::from_str_radix(token, 16)
                    .unwrap_or_else(|_| panic!("dump {name}: `{token}` is not hex"));
                bytes.push(byte);
            }
        }
        out.push((name.to_owned(), bytes));
    }
    out
}

/// The body rows of the Markdown table after `<!-- table: NAME -->`, as
/// trimmed cells with backticks removed.
fn table(doc: &str, name: &str) -> Vec<Vec<String>> {
    let mut lines = doc.lines().skip_while(|l| marker(l, "table") != Some(name));
    assert!(lines.next().is_some(), "no table marked {name}");
    let rows: Vec<Vec<String>> = lines
        .take_while(|l| l.trim_start().starts_with('|'))
        .map(|l| {
            l.trim()
                .trim_matches('|')
                .split('|')
                .map(|cell| cell.trim().replace('`', ""))
                .collect()
        })
        .collect();
    assert!(rows.len() > 2, "table {name} has no rows");
    rows[2..].to_vec()
}

/// The first two columns of a table as (number, name).
fn numbered(doc: &str, name: &str) -> Vec<(u32, String)> {
    table(doc, name)
        .into_iter()
        .map(|row| (row[0].parse().expect("a number"), row[1].clone()))
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Checks that the doc's dumps are exactly `expected`, by name, each
/// encoded and decoded by the real codec.
fn check_dumps(doc: &str, expected: &[(&str, Msg)]) {
    let found = dumps(doc);
    let mut found_names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
    let mut expected_names: Vec<&str> = expected.iter().map(|(n, _)| *n).collect();
    found_names.sort_unstable();
    expected_names.sort_unstable();
    assert_eq!(
        found_names, expected_names,
        "the doc's dumps and this test's list differ"
    );
    for (name, bytes) in &found {
        let (_, msg) = expected.iter().find(|(n, _)| n == name).unwrap();
        let encoded = match msg {
            Msg::Client(m) => encode_client(m).unwrap(),
            Msg::Server(m) => encode_server(m).unwrap(),
        };
        assert_eq!(
            hex(bytes),
            hex(&encoded),
            "dump {name} (left: doc, right: codec)"
        );
        match msg {
            Msg::Client(m) => assert_eq!(&decode_client(bytes).unwrap(), m, "dump {name}"),
            Msg::Server(m) => assert_eq!(&decode_server(bytes).unwrap(), m, "dump {name}"),
        }
    }
}

fn yard() -> MapInfo {
    MapInfo {
        name: "yard".into(),
        bounds: Rect {
            min: Vec2::ZERO,
            max: Vec2::new(800.0, 600.0),
        },
        walls: vec![Rect {
            min: Vec2::new(300.0, 200.0),
            max: Vec2::new(500.0, 240.0),
        }],
    }
}

fn doc_input() -> InputFrame {
    InputFrame {
        movement: Vec2::new(0.6, -0.8),
        aim: Vec2::X,
        hitscan: true,
        ..InputFrame::default()
    }
}

/// The message each dump of arena's page claims to show, its payload
/// written by arena's own types.
fn expected_dumps() -> Vec<(&'static str, Msg)> {
    let refused = InputFrame {
        movement: Vec2::new(f32::NAN, 0.0),
        ..InputFrame::default()
    };
    vec![
        (
            "arena/input",
            Msg::Client(ClientMsg::Input(Input {
                seq: 7,
                ack_tick: 5,
                payload: encode_payload(&doc_input()).unwrap(),
            })),
        ),
        (
            "arena/joined",
            Msg::Server(ServerMsg::Joined {
                lobby: LobbyId(3),
                game: Arena::NAME.into(),
                join_code: Some("K7PQ3M".into()),
                max_players: 8,
                avatar: Some(EntityRef {
                    kind: PLAYER,
                    index: 0,
                    generation: 1,
                }),
                tick: 0,
                info: encode_payload(&yard()).unwrap(),
            }),
        ),
        (
            "arena/event",
            Msg::Server(ServerMsg::Event(
                encode_payload(&ArenaEvent::Killed {
                    killer: 2,
                    victim: 0,
                })
                .unwrap(),
            )),
        ),
        (
            "arena/error",
            // What the server answers (`Game::input` refuses, the session
            // sends the reason as `InvalidField`).
            Msg::Server(ServerMsg::Error {
                code: ErrorCode::InvalidField,
                message: Arena::input(1, 0, refused).unwrap_err(),
            }),
        ),
    ]
}

#[test]
fn every_dump_is_what_the_codec_writes_and_reads() {
    check_dumps(&doc(), &expected_dumps());
}

/// The payloads inside the dumps decode as arena's types, with every byte
/// used.
#[test]
fn the_payloads_decode_as_arenas_types() {
    for (name, bytes) in dumps(&doc()) {
        match (
            name.as_str(),
            decode_client(&bytes).ok(),
            decode_server(&bytes).ok(),
        ) {
            ("arena/input", Some(ClientMsg::Input(input)), _) => {
                assert_eq!(input.payload.0.len(), 18);
                let frame: InputFrame = decode_payload(&input.payload.0).unwrap();
                assert_eq!(frame, doc_input());
            }
            ("arena/joined", _, Some(ServerMsg::Joined { info, .. })) => {
                assert_eq!(decode_payload::<MapInfo>(&info.0).unwrap(), yard());
            }
            ("arena/event", _, Some(ServerMsg::Event(payload))) => {
                let event: ArenaEvent = decode_payload(&payload.0).unwrap();
                assert_eq!(
                    event,
                    ArenaEvent::Killed {
                        killer: 2,
                        victim: 0
                    }
                );
            }
            ("arena/error", _, Some(ServerMsg::Error { .. })) => {}
            (name, ..) => panic!("unexpected dump {name}"),
        }
    }
    // The engine page's input and event are arena's too.
    for (name, bytes) in dumps(&engine_doc()) {
        match (
            name.as_str(),
            decode_client(&bytes).ok(),
            decode_server(&bytes).ok(),
        ) {
            ("client/input", Some(ClientMsg::Input(input)), _) => {
                decode_payload::<InputFrame>(&input.payload.0).unwrap();
            }
            ("client/inputs", Some(ClientMsg::Inputs(inputs)), _) => {
                for input in inputs {
                    decode_payload::<InputFrame>(&input.payload.0).unwrap();
                }
            }
            ("server/joined", _, Some(ServerMsg::Joined { info, .. })) => {
                assert_eq!(decode_payload::<MapInfo>(&info.0).unwrap(), yard());
            }
            ("server/event", _, Some(ServerMsg::Event(payload))) => {
                let event: ArenaEvent = decode_payload(&payload.0).unwrap();
                assert_eq!(
                    event,
                    ArenaEvent::Killed {
                        killer: 0,
                        victim: 3
                    }
                );
            }
            _ => {}
        }
    }
}

/// What the page says of the input dump's movement: `q` is exactly 1, so
/// it is kept bit for bit.
#[test]
fn the_documented_input_is_kept_as_the_page_says() {
    let m = doc_input().movement;
    let q = (m.x * m.x) + (m.y * m.y);
    assert_eq!(q.to_bits(), 0x3F80_0000, "exactly 1.0");
    let kept = sanitize_input(doc_input()).unwrap().movement;
    assert_eq!(
        (kept.x.to_bits(), kept.y.to_bits()),
        (m.x.to_bits(), m.y.to_bits())
    );
}

#[test]
fn the_event_table_matches_the_codec() {
    let event = ArenaEvent::Killed {
        killer: 1,
        victim: 2,
    };
    let bytes = encode_payload(&event).unwrap().0;
    assert_eq!(bytes, [0, 1, 2], "tag, then killer and victim in order");
    let name = format!("{event:?}");
    let name = name.split(' ').next().unwrap();
    assert_eq!(numbered(&doc(), "arena-events"), [(0, name.to_owned())]);
}

#[test]
fn the_kind_table_matches_the_code() {
    assert_eq!(
        numbered(&doc(), "arena-kinds"),
        [
            (u32::from(PLAYER), "player".to_owned()),
            (u32::from(PROJECTILE), "projectile".to_owned())
        ]
    );
    assert!(ArenaEntity::blank(2).is_none(), "no third kind");
}

/// Each documented field bit writes exactly that field: a record of
/// distinct values written with one bit set gives that value's encoding.
fn check_fields<F: Fields>(doc: &str, table_name: &str, record: &F, values: &[(&str, Vec<u8>)]) {
    let rows = numbered(doc, table_name);
    assert_eq!(rows.len(), values.len(), "{table_name}");
    for ((bit, name), (field, bytes)) in rows.iter().zip(values) {
        assert_eq!(name, field, "{table_name}: bit {bit}");
        let mut out = Vec::new();
        record.write(1 << bit, &mut out).unwrap();
        assert_eq!(&out, bytes, "{table_name}: bit {bit} writes {name}");
    }
    let mut all = Vec::new();
    record.write(u32::MAX, &mut all).unwrap();
    assert_eq!(
        all,
        values
            .iter()
            .flat_map(|(_, b)| b.clone())
            .collect::<Vec<_>>()
    );
}

fn enc<T: serde::Serialize>(value: &T) -> Vec<u8> {
    encode_payload(value).unwrap().0
}

#[test]
fn the_field_tables_match_the_code() {
    let doc = doc();
    let player = ArenaEntity::Player {
        aim: 200,
        hp: 77,
        alive: true,
    };
    check_fields(
        &doc,
        "player-fields",
        &player,
        &[
            ("aim", enc(&200u8)),
            ("hp", enc(&77u8)),
            ("alive", enc(&true)),
        ],
    );
    let projectile = ArenaEntity::Projectile { owner: 300 };
    check_fields(
        &doc,
        "projectile-fields",
        &projectile,
        &[("owner", enc(&300u32))],
    );
    let row = ArenaRow {
        generation: 3,
        kills: 251,
        deaths: 9,
    };
    check_fields(
        &doc,
        "row-fields",
        &row,
        &[
            ("generation", enc(&3u32)),
            ("kills", enc(&251u32)),
            ("deaths", enc(&9u32)),
        ],
    );
}

// --- The engine page's snapshots, applied with arena's view. ---

type View = GameView<Arena>;

fn engine_snapshot(name: &str) -> Snapshot {
    let (_, bytes) = dumps(&engine_doc())
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no dump {name}"));
    match decode_server(&bytes).unwrap() {
        ServerMsg::Snapshot(s) => s,
        other => panic!("{name} is {other:?}"),
    }
}

fn track(x: i32, y: i32, vx: i32, vy: i32) -> Option<Track> {
    Some(Track {
        pos: IVec2::new(x, y),
        vel: IVec2::new(vx, vy),
    })
}

fn player(aim: u8, hp: u8, alive: bool) -> ArenaEntity {
    ArenaEntity::Player { aim, hp, alive }
}

fn row(generation: u32, kills: u32, deaths: u32) -> ArenaRow {
    ArenaRow {
        generation,
        kills,
        deaths,
    }
}

/// The paragraph after the engine page's delta dump.
#[test]
fn the_engine_pages_worked_example_holds() {
    let base = View::default()
        .apply(&engine_snapshot("server/snapshot-full"))
        .unwrap();
    assert_eq!((base.tick, base.last_input_seq), (1000, 300));
    assert_eq!(base.me, IVec2::new(102_400, 204_800));
    assert_eq!(base.entities.len(), 3);
    assert_eq!(
        base.entities[&(PROJECTILE, 5)],
        Held {
            track: track(122_880, 204_800, 20_480, 0),
            fields: ArenaEntity::Projectile { owner: 0 },
        }
    );
    let delta = engine_snapshot("server/snapshot-delta");
    let next = base.apply(&delta).unwrap();
    assert_eq!((next.tick, next.last_input_seq), (1003, 303));
    assert_eq!(next.me, IVec2::new(124_927, 204_800));
    assert_eq!(
        next.entities[&(PLAYER, 0)],
        Held {
            track: track(124_927, 204_800, 7_509, 0),
            fields: player(0, 100, true),
        }
    );
    assert_eq!(
        next.entities[&(PLAYER, 3)],
        Held {
            track: track(284_673, 153_600, -7_509, 0),
            fields: player(96, 0, false),
        }
    );
    assert_eq!(next.entities.len(), 2, "no projectile");
    assert_eq!(
        next.rows.iter().map(|(k, r)| (*k, *r)).collect::<Vec<_>>(),
        [(0, row(1, 3, 0)), (3, row(1, 0, 2))]
    );
    assert_eq!(next.singleton, None);
    let other = View {
        tick: 1001,
        ..base.clone()
    };
    assert_eq!(
        other.apply(&delta),
        Err(ApplyError::MissingBaseline {
            tick: 1003,
            baseline: 1000
        })
    );
    // What the view holds is exactly what a full snapshot of it would say.
    let again = View::default().apply(&next.to_full().unwrap()).unwrap();
    assert_eq!(again.entities, next.entities);
}

/// A record head and arena fields, as a snapshot carries them.
fn records(samples: &[(Record, Vec<u8>)]) -> Payload {
    let mut out = Vec::new();
    for (head, fields) in samples {
        write_record(head, &mut out).unwrap();
        out.extend_from_slice(fields);
    }
    Payload(out)
}

/// The engine page's "when the view has none" columns: applied to an
/// empty view, the records marked "error" are refused and the others add
/// what they name.
#[test]
fn the_engine_pages_not_held_columns_are_what_the_view_does() {
    let doc = engine_doc();
    let t = Track {
        pos: IVec2::new(5, 5),
        vel: IVec2::ZERO,
    };
    let player_fields = enc(&(1u8, 2u8, true));
    let samples: Vec<(Record, Vec<u8>)> = vec![
        (Record::Me { offset: IVec2::ONE }, vec![]),
        (Record::Row { key: 1 }, enc(&(1u32, 0u32, 0u32))),
        (Record::RowUpdate { key: 1, mask: 2 }, enc(&1u32)),
        (Record::RowGone { key: 1 }, vec![]),
        (Record::Singleton, vec![]),
        (Record::SingletonUpdate { mask: 1 }, vec![]),
        (Record::SingletonGone, vec![]),
        (
            Record::Enter {
                kind: 0,
                index: 1,
                track: t,
            },
            player_fields.clone(),
        ),
        (Record::EnterStill { kind: 0, index: 1 }, player_fields),
        (
            Record::Motion {
                kind: 0,
                index: 1,
                offset: IVec2::ONE,
                vel: IVec2::ONE,
            },
            vec![],
        ),
        (
            Record::Update {
                kind: 0,
                index: 1,
                mask: 1,
            },
            enc(&9u8),
        ),
        (Record::Hidden { kind: 0, index: 1 }, vec![]),
        (Record::Gone { kind: 0, index: 1 }, vec![]),
    ];
    let mut documented = table(&doc, "record-tags");
    documented.extend(table(&doc, "entity-ops"));
    let empty = View {
        tick: 1,
        ..View::default()
    };
    for (head, fields) in &samples {
        let name = format!("{head:?}");
        let name = name.split([' ', '{']).next().unwrap();
        let row = documented
            .iter()
            .find(|r| r[1] == name)
            .unwrap_or_else(|| panic!("{name} is not in the record tables"));
        let says_error = row.last().unwrap().contains("error");
        let delta = Snapshot {
            tick: 2,
            baseline_age: 1,
            input_seq_advance: 0,
            records: records(&[(*head, fields.clone())]),
        };
        let refused = match empty.apply(&delta) {
            Ok(_) => false,
            Err(ApplyError::UnknownEntity { .. }) => true,
            Err(e) => panic!("{name}: {e}"),
        };
        assert_eq!(refused, says_error, "{name} against an empty view");
    }
    // "also for an entity held without a track".
    let still = Snapshot {
        tick: 2,
        baseline_age: 1,
        input_seq_advance: 0,
        records: records(&samples[8..10]),
    };
    assert!(matches!(
        empty.apply(&still),
        Err(ApplyError::UnknownEntity { .. })
    ));
    // A kind the game does not have makes the snapshot invalid.
    let unknown_kind = Snapshot {
        records: records(&[(Record::EnterStill { kind: 2, index: 0 }, vec![])]),
        ..Snapshot::default()
    };
    assert!(matches!(
        View::default().apply(&unknown_kind),
        Err(ApplyError::Malformed(_))
    ));
}

// --- Movement, bit for bit: the page's steps, one f32 operation at a time. ---

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
    let wall = yard().walls[0];
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
