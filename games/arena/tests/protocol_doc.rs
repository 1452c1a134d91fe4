//! Keeps `games/arena/PROTOCOL.md` true, and the arena-shaped parts of
//! `docs/PROTOCOL.md` that only arena's types can check. Every hex dump of
//! arena's page is encoded and decoded by the real codec and its payload
//! decoded with arena's real types; the kind, field and event tables are
//! compared with the code; the engine page's snapshot dumps are applied
//! with the engine's `View` of arena, giving the worked example, and its
//! "when the view has none" columns are what `View` does. The page's
//! movement rules are checked in `movement_doc.rs`.

use std::path::Path;

use glam::{IVec2, Vec2};
use rallypoint_arena::movement::sanitize_input;
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
