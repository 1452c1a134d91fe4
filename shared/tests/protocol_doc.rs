//! Keeps `docs/PROTOCOL.md` true. Every hex dump marked `<!-- dump: NAME -->`
//! must be exactly what the codec writes for the message NAME stands for, and
//! must decode back to it; the message, record, error-code and constant
//! tables must match the code. Changing the codec, a message or the doc alone
//! fails here.
//!
//! The doc's examples carry arena's and Four's payloads. This crate sits
//! below the games, so here they are spelled as plain values (a tuple of an
//! aim byte, HP and alive flag is exactly what arena writes for a player);
//! `games/arena/tests/protocol_doc.rs` decodes the same dumps with arena's
//! real types, applies the snapshots with the engine's `View` and checks the
//! worked example and the "not held" column, and each game's test checks its
//! own `PROTOCOL.md`.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::*;
use glam::Vec2;
use rallypoint_shared::codec::{MAX_CLIENT_MSG_BYTES, MAX_SERVER_MSG_BYTES};
use rallypoint_shared::snapshot::{
    BASELINE_WINDOW, FIXED_SCALE, MAX_KINDS, POSITION_TOLERANCE, Record, read_record, write_record,
};
use rallypoint_shared::*;

#[derive(Debug)]
enum Msg {
    Client(ClientMsg),
    Server(ServerMsg),
}

/// The resume token the doc's `Welcome` and `Resume` dumps carry: random
/// looking, with a `fb` that must not be read as a varint marker.
const DOC_TOKEN: ResumeToken = ResumeToken([
    0x9c, 0x4e, 0x21, 0xf7, 0x08, 0xb3, 0x5a, 0xd0, 0x66, 0x1e, 0xfb, 0x92, 0xc4, 0x07, 0xe8, 0x3d,
]);

/// The join ticket of the doc's `Redirect` and `JoinLobby(Ticket)` dumps:
/// 78 opaque bytes (about what a node names "node-b" signs for "ada"), with
/// an `fb` that must not be read as a varint marker.
const DOC_TICKET: [u8; 78] = [
    0x29, 0xf8, 0x85, 0x12, 0x00, 0x4a, 0xf0, 0xbf, 0xa3, 0x0b, 0x8b, 0xfa, 0x65, 0xd3, 0x30, 0x62,
    0x87, 0x2d, 0xd9, 0xab, 0x2f, 0xfb, 0xd1, 0x80, 0xe3, 0x30, 0x64, 0x95, 0x31, 0x17, 0x66, 0xb8,
    0xf9, 0x63, 0x0e, 0xb9, 0x7d, 0xdc, 0x9b, 0xb6, 0x3d, 0x2d, 0x65, 0x3b, 0x89, 0x9f, 0x64, 0xc2,
    0xf7, 0x72, 0x46, 0x6b, 0x06, 0x60, 0x56, 0x08, 0xaa, 0x9c, 0xbf, 0xc1, 0xc7, 0x94, 0x40, 0xfa,
    0x1b, 0x5e, 0xd8, 0xcb, 0x31, 0xe1, 0x7d, 0x2d, 0xe4, 0xe4, 0xc2, 0x27, 0xda, 0xf1,
];

/// A value in the wire encoding: how a game's fields and payloads are
/// spelled.
fn bytes<T: serde::Serialize>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    encode_value_into(value, &mut out).unwrap();
    out
}

/// An arena input payload: movement, aim, fire, hitscan.
fn arena_input(movement: Vec2, aim: Vec2, fire: bool, hitscan: bool) -> Payload {
    Payload(bytes(&(movement, aim, fire, hitscan)))
}

/// The doc's full snapshot (arena): this client (player 0) at (100, 200)
/// standing still, player 3 at (300, 150) walking towards -x, one
/// projectile of player 0's flying +x, and the score rows.
fn doc_full_records() -> Vec<Sample> {
    vec![
        (
            Record::Me {
                offset: ivec(102_400, 204_800),
            },
            vec![],
        ),
        (
            Record::Enter {
                kind: 0,
                index: 0,
                track: track(102_400, 204_800, 0, 0),
            },
            bytes(&(0u8, 100u8, true)),
        ),
        (
            Record::Enter {
                kind: 0,
                index: 3,
                track: track(307_200, 153_600, -7_509, 0),
            },
            bytes(&(128u8, 75u8, true)),
        ),
        (
            Record::Enter {
                kind: 1,
                index: 5,
                track: track(122_880, 204_800, 20_480, 0),
            },
            bytes(&0u32),
        ),
        (Record::Row { key: 0 }, bytes(&(1u32, 2u32, 0u32))),
        (Record::Row { key: 3 }, bytes(&(1u32, 0u32, 1u32))),
    ]
}

/// The doc's delta against [`doc_full_records`], three ticks later: this
/// client walked +x, player 3 turned and was killed by player 0, the
/// projectile is gone.
fn doc_delta_records() -> Vec<Sample> {
    vec![
        (
            Record::Me {
                offset: ivec(22_527, 0),
            },
            vec![],
        ),
        (
            Record::Motion {
                kind: 0,
                index: 0,
                offset: ivec(22_527, 0),
                vel: ivec(7_509, 0),
            },
            vec![],
        ),
        (
            Record::Update {
                kind: 0,
                index: 3,
                mask: 0b111,
            },
            bytes(&(96u8, 0u8, false)),
        ),
        (Record::Gone { kind: 1, index: 5 }, vec![]),
        (
            Record::RowUpdate {
                key: 0,
                mask: 0b010,
            },
            bytes(&3u32),
        ),
        (
            Record::RowUpdate {
                key: 3,
                mask: 0b100,
            },
            bytes(&2u32),
        ),
    ]
}

/// The map of the doc's `Joined`: "yard", 800 by 600, one wall.
fn doc_map() -> Payload {
    let bounds = Rect {
        min: Vec2::ZERO,
        max: Vec2::new(800.0, 600.0),
    };
    let walls = vec![Rect {
        min: Vec2::new(300.0, 200.0),
        max: Vec2::new(500.0, 240.0),
    }];
    Payload(bytes(&("yard", bounds, walls)))
}

/// The message each dump in the doc claims to show.
fn expected_dumps() -> Vec<(&'static str, Msg)> {
    use Msg::{Client, Server};
    vec![
        (
            "client/hello",
            Client(ClientMsg::Hello {
                protocol_version: PROTOCOL_VERSION,
                name: "ada".into(),
                token: None,
            }),
        ),
        (
            "client/hello-token",
            Client(ClientMsg::Hello {
                protocol_version: PROTOCOL_VERSION,
                name: String::new(),
                token: Some("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2ln".into()),
            }),
        ),
        (
            "client/create-lobby",
            Client(ClientMsg::CreateLobby {
                game: "four".into(),
                name: "duel".into(),
                max_players: 2,
                private: true,
            }),
        ),
        (
            "client/join-code",
            Client(ClientMsg::JoinLobby(JoinTarget::Code("K7PQ3M".into()))),
        ),
        (
            "client/join-ticket",
            Client(ClientMsg::JoinLobby(JoinTarget::Ticket(
                DOC_TICKET.to_vec(),
            ))),
        ),
        (
            "client/quick-join",
            Client(ClientMsg::QuickJoin {
                game: "arena".into(),
            }),
        ),
        (
            "client/input",
            Client(ClientMsg::Input(Input {
                seq: 300,
                ack_tick: 1000,
                payload: arena_input(Vec2::new(-1.0, 0.5), Vec2::new(0.6, 0.8), true, false),
            })),
        ),
        (
            "client/inputs",
            Client(ClientMsg::Inputs(vec![
                Input {
                    seq: 301,
                    ack_tick: 1002,
                    payload: arena_input(Vec2::X, Vec2::NEG_Y, false, false),
                },
                Input {
                    seq: 302,
                    ack_tick: 1003,
                    payload: arena_input(Vec2::X, Vec2::NEG_Y, false, true),
                },
            ])),
        ),
        (
            "client/game",
            // Four's `FourMsg::Drop { column: 3 }`.
            Client(ClientMsg::Game(Payload(vec![0, 3]))),
        ),
        ("client/ack", Client(ClientMsg::Ack { tick: 1000 })),
        (
            "client/ping",
            Client(ClientMsg::Ping {
                client_time: 5_000_000_000,
            }),
        ),
        (
            "client/resume",
            Client(ClientMsg::Resume {
                protocol_version: PROTOCOL_VERSION,
                token: DOC_TOKEN,
            }),
        ),
        (
            "server/welcome",
            Server(ServerMsg::Welcome {
                player: PlayerId(42),
                protocol_version: PROTOCOL_VERSION,
                tick_hz: 30,
                snapshot_hz: 15,
                max_message_bytes: MAX_CLIENT_MSG_BYTES as u32,
                resume_token: DOC_TOKEN,
                resume_grace_secs: 20,
                games: vec!["arena".into(), "four".into()],
            }),
        ),
        (
            "server/lobby-list",
            Server(ServerMsg::LobbyList {
                lobbies: vec![
                    LobbyInfo {
                        id: LobbyId(1),
                        game: "arena".into(),
                        name: "fri".into(),
                        players: 3,
                        max_players: 16,
                        label: "arena".into(),
                    },
                    LobbyInfo {
                        id: LobbyId(2),
                        game: "four".into(),
                        name: "duel".into(),
                        players: 1,
                        max_players: 2,
                        label: String::new(),
                    },
                ],
            }),
        ),
        (
            "server/joined",
            Server(ServerMsg::Joined {
                lobby: LobbyId(3),
                game: "arena".into(),
                join_code: Some("K7PQ3M".into()),
                max_players: 8,
                avatar: Some(avatar(0, 1)),
                tick: 0,
                info: doc_map(),
            }),
        ),
        (
            "server/snapshot-full",
            Server(ServerMsg::Snapshot(Snapshot {
                tick: 1000,
                baseline_age: 0,
                input_seq_advance: 300,
                records: records(&doc_full_records()),
            })),
        ),
        (
            "server/snapshot-delta",
            Server(ServerMsg::Snapshot(Snapshot {
                tick: 1003,
                baseline_age: 3,
                input_seq_advance: 3,
                records: records(&doc_delta_records()),
            })),
        ),
        (
            "server/pong",
            Server(ServerMsg::Pong {
                client_time: 123_456,
                tick: 1000,
            }),
        ),
        (
            "server/error",
            // The server's text (`session/hello.rs`) for a Hello of the
            // previous version.
            Server(ServerMsg::Error {
                code: ErrorCode::VersionMismatch,
                message: format!(
                    "protocol version mismatch: client speaks {}, server speaks {PROTOCOL_VERSION}",
                    PROTOCOL_VERSION - 1
                ),
            }),
        ),
        (
            "server/error-ticket",
            // The server's text for a ticket whose lifetime ran out.
            Server(ServerMsg::Error {
                code: ErrorCode::TicketRejected,
                message: "the ticket expired".into(),
            }),
        ),
        ("server/left", Server(ServerMsg::Left)),
        (
            "server/shutting-down",
            Server(ServerMsg::ShuttingDown {
                reason: "the server is shutting down".into(),
                drain_secs: 30,
            }),
        ),
        (
            "server/roster-update",
            Server(ServerMsg::RosterUpdate {
                added: vec![RosterEntry {
                    player: PlayerId(300),
                    name: "grace".into(),
                    avatar: Some(avatar(2, 1)),
                }],
                removed: vec![PlayerId(7)],
            }),
        ),
        (
            "server/event",
            // Arena's `ArenaEvent::Killed { killer: 0, victim: 3 }`.
            Server(ServerMsg::Event(Payload(vec![0, 0, 3]))),
        ),
        (
            "server/redirect",
            Server(ServerMsg::Redirect {
                node: "node-b".into(),
                url: "wss://b.example.net/ws".into(),
                ticket: DOC_TICKET.to_vec(),
            }),
        ),
        (
            "server/notice",
            Server(ServerMsg::Notice {
                text: "Restart in 5 min".into(),
            }),
        ),
    ]
}

fn doc() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/PROTOCOL.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
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

/// Every marked dump: its name and bytes. On each line of the fenced block
/// after a marker, the hex bytes come before `#`; the rest is commentary.
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
            let hex = line.split('#').next().unwrap_or_default();
            for token in hex.split_whitespace() {
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
    // Skip the header and the `| --- |` line.
    rows[2..].to_vec()
}

/// The first two columns of a table as (number, name).
fn numbered(doc: &str, name: &str) -> BTreeSet<(u32, String)> {
    table(doc, name)
        .into_iter()
        .map(|row| {
            let number = row[0]
                .parse()
                .unwrap_or_else(|_| panic!("table {name}: `{}` is not a number", row[0]));
            (number, row[1].clone())
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn every_dump_is_what_the_codec_writes_and_reads() {
    let doc = doc();
    let found = dumps(&doc);
    let expected = expected_dumps();

    let found_names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
    let expected_names: Vec<&str> = expected.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        found_names.iter().collect::<BTreeSet<_>>(),
        expected_names.iter().collect::<BTreeSet<_>>(),
        "the doc's dumps and this test's list differ"
    );
    assert_eq!(
        found_names.len(),
        expected_names.len(),
        "a dump appears twice"
    );

    for (name, bytes) in &found {
        let (_, msg) = expected.iter().find(|(n, _)| n == name).unwrap();
        match msg {
            Msg::Client(msg) => {
                let encoded = encode_client(msg).unwrap();
                assert_eq!(
                    hex(bytes),
                    hex(&encoded),
                    "dump {name} (left: doc, right: codec)"
                );
                assert_eq!(&decode_client(bytes).unwrap(), msg, "dump {name}");
            }
            Msg::Server(msg) => {
                let encoded = encode_server(msg).unwrap();
                assert_eq!(
                    hex(bytes),
                    hex(&encoded),
                    "dump {name} (left: doc, right: codec)"
                );
                assert_eq!(&decode_server(bytes).unwrap(), msg, "dump {name}");
            }
        }
    }
}

/// The snapshot dumps' records read back, head by head, as the records
/// the doc describes (the fields between them skipped by their length).
#[test]
fn the_snapshot_dumps_read_back_record_by_record() {
    for (name, samples) in [
        ("server/snapshot-full", doc_full_records()),
        ("server/snapshot-delta", doc_delta_records()),
    ] {
        let (_, bytes) = dumps(&doc()).into_iter().find(|(n, _)| n == name).unwrap();
        let ServerMsg::Snapshot(snap) = decode_server(&bytes).unwrap() else {
            panic!("{name} is not a snapshot");
        };
        let mut r = Reader::new(&snap.records.0);
        for (head, fields) in &samples {
            assert_eq!(&read_record(&mut r).unwrap(), head, "{name}");
            for _ in fields {
                let _: u8 = r.read().unwrap();
            }
        }
        assert!(
            r.is_empty(),
            "{name}: no count, the records end with the bytes"
        );
    }
}

#[test]
fn client_tag_table_matches_the_codec() {
    let from_code: BTreeSet<(u32, String)> = every_client_msg()
        .iter()
        .map(|msg| {
            let tag = encode_client(msg).unwrap()[0];
            assert_eq!(u32::from(tag), client_tag(msg));
            (
                client_tag(msg),
                variant_name(&format!("{msg:?}")).to_owned(),
            )
        })
        .collect();
    assert_eq!(from_code.len(), CLIENT_VARIANTS as usize);
    assert_eq!(numbered(&doc(), "client-tags"), from_code);
}

#[test]
fn server_tag_table_matches_the_codec() {
    let from_code: BTreeSet<(u32, String)> = every_server_msg()
        .iter()
        .map(|msg| {
            let tag = encode_server(msg).unwrap()[0];
            assert_eq!(u32::from(tag), server_tag(msg));
            (
                server_tag(msg),
                variant_name(&format!("{msg:?}")).to_owned(),
            )
        })
        .collect();
    assert_eq!(from_code.len(), SERVER_VARIANTS as usize);
    assert_eq!(numbered(&doc(), "server-tags"), from_code);
}

#[test]
fn join_target_table_matches_the_codec() {
    // Exhaustive, so a new target stops this compiling until it is listed.
    let tag = |target: &JoinTarget| match target {
        JoinTarget::Id(_) => 0,
        JoinTarget::Code(_) => 1,
        JoinTarget::Ticket(_) => 2,
    };
    let from_code: BTreeSet<(u32, String)> = [
        JoinTarget::Id(LobbyId(1)),
        JoinTarget::Code("c".into()),
        JoinTarget::Ticket(vec![1]),
    ]
    .into_iter()
    .map(|target| {
        let name = variant_name(&format!("{target:?}")).to_owned();
        let expected = tag(&target);
        let bytes = encode_client(&ClientMsg::JoinLobby(target)).unwrap();
        assert_eq!(u32::from(bytes[1]), expected, "{name}");
        (expected, name)
    })
    .collect();
    assert_eq!(numbered(&doc(), "join-target-tags"), from_code);
}

/// The lobby-wide records' tags, and the entity records' operations with
/// their tag formula `8 + 16 * op + kind`, as the codec writes them.
#[test]
fn record_tables_match_the_codec() {
    let doc = doc();
    let mut lobby_wide = BTreeSet::new();
    let mut ops = BTreeSet::new();
    let mut one_field = false;
    for (record, _) in every_record() {
        let mut bytes = Vec::new();
        write_record(&record, &mut bytes).unwrap();
        let tag = u32::from(bytes[0]);
        // `common::record_tag` knows the masked form of `Update` only.
        let expected = match record {
            Record::Update { kind, mask, .. } if mask.count_ones() == 1 && mask < 1 << 8 => {
                104 + 16 * mask.trailing_zeros() + u32::from(kind)
            }
            _ => record_tag(&record),
        };
        assert_eq!(tag, expected, "{record:?}");
        let name = variant_name(&format!("{record:?}")).to_owned();
        if tag < 8 {
            lobby_wide.insert((tag, name));
        } else {
            let (op, kind) = ((tag - 8) / 16, (tag - 8) % 16);
            let declared = match record {
                Record::Enter { kind, .. }
                | Record::EnterStill { kind, .. }
                | Record::Motion { kind, .. }
                | Record::Update { kind, .. }
                | Record::Hidden { kind, .. }
                | Record::Gone { kind, .. } => kind,
                _ => panic!("{record:?} has an entity tag"),
            };
            assert_eq!(kind, u32::from(declared), "{record:?}");
            if op >= 6 {
                // The one-field form of `Update`: no mask, the field in the op.
                let Record::Update { mask, .. } = record else {
                    panic!("{record:?} has a one-field update's tag");
                };
                assert_eq!(mask, 1 << (op - 6), "{record:?}");
                one_field = true;
                continue;
            }
            ops.insert((op, name));
        }
    }
    assert_eq!(numbered(&doc, "record-tags"), lobby_wide);
    assert!(one_field, "the samples include a one-field update");
    let rows = table(&doc, "entity-ops");
    let (numbered_ops, one_field_rows): (Vec<_>, Vec<_>) =
        rows.iter().partition(|row| row[0].parse::<u32>().is_ok());
    let documented: BTreeSet<(u32, String)> = numbered_ops
        .iter()
        .map(|row| (row[0].parse().unwrap(), row[1].clone()))
        .collect();
    assert_eq!(documented, ops);
    // The "Tags" column spells each operation's first tag.
    for row in numbered_ops {
        let op: u32 = row[0].parse().unwrap();
        assert_eq!(row[2], format!("{} + kind", 8 + 16 * op), "{}", row[1]);
    }
    // Ops 6 to 13: an `Update` of field 0 to 7 alone, without its mask.
    assert_eq!(one_field_rows.len(), 1);
    assert_eq!(one_field_rows[0][0], "6 + f");
    assert_eq!(one_field_rows[0][2], "104 + 16 × f + kind");
    for field in 0..8u32 {
        let update = Record::Update {
            kind: 3,
            index: 9,
            mask: 1 << field,
        };
        let mut bytes = Vec::new();
        write_record(&update, &mut bytes).unwrap();
        assert_eq!(bytes, [(104 + 16 * field + 3) as u8, 9], "field {field}");
        assert_eq!(read_record(&mut Reader::new(&bytes)).unwrap(), update);
    }
    let ninth = Record::Update {
        kind: 0,
        index: 0,
        mask: 1 << 8,
    };
    let mut bytes = Vec::new();
    write_record(&ninth, &mut bytes).unwrap();
    assert_eq!(bytes[0], 56, "field 8 alone keeps its mask");
}

/// Tags the doc calls unused are refused, as is a kind past 15.
#[test]
fn unused_record_tags_and_kinds_are_refused() {
    let lowest_unused = 8 + 16 * 14;
    assert!(doc().contains(&format!("Tags {lowest_unused} and above are not used")));
    for tag in [7u8, lowest_unused, 250] {
        assert!(
            read_record(&mut Reader::new(&[tag, 0, 0, 0])).is_err(),
            "{tag}"
        );
    }
    let mut out = Vec::new();
    let past = Record::Gone {
        kind: MAX_KINDS,
        index: 0,
    };
    assert!(write_record(&past, &mut out).is_err());
}

#[test]
fn error_code_table_matches_the_codec() {
    let from_code: BTreeSet<(u32, String)> = ALL_ERROR_CODES
        .into_iter()
        .map(|code| {
            let bytes = encode_server(&ServerMsg::Error {
                code,
                message: String::new(),
            })
            .unwrap();
            assert_eq!(u32::from(bytes[1]), error_code_number(code));
            (error_code_number(code), format!("{code:?}"))
        })
        .collect();
    assert_eq!(numbered(&doc(), "error-codes"), from_code);
}

#[test]
fn constants_table_matches_the_code() {
    let doc = doc();
    let rows = table(&doc, "constants");
    let value = |name: &str| -> u64 {
        let row = rows
            .iter()
            .find(|row| row[0] == name)
            .unwrap_or_else(|| panic!("constants table lacks {name}"));
        row[1].parse().unwrap()
    };
    assert_eq!(value("PROTOCOL_VERSION"), u64::from(PROTOCOL_VERSION));
    assert_eq!(value("MAX_CLIENT_MSG_BYTES"), MAX_CLIENT_MSG_BYTES as u64);
    assert_eq!(value("MAX_SERVER_MSG_BYTES"), MAX_SERVER_MSG_BYTES as u64);
    assert_eq!(value("FIXED_SCALE") as f32, FIXED_SCALE);
    assert_eq!(value("POSITION_TOLERANCE"), POSITION_TOLERANCE as u64);
    assert_eq!(value("BASELINE_WINDOW"), u64::from(BASELINE_WINDOW));
    assert_eq!(
        value("MAX_INPUTS_PER_MESSAGE"),
        MAX_INPUTS_PER_MESSAGE as u64
    );
    assert_eq!(value("MAX_KINDS"), u64::from(MAX_KINDS));
    assert_eq!(value("MAX_TICKET_BYTES"), MAX_TICKET_BYTES as u64);
    assert_eq!(value("MAX_TOKEN_BYTES"), MAX_TOKEN_BYTES as u64);
}

/// The status line names the current version, and its changes are noted.
#[test]
fn the_doc_states_the_current_version() {
    let doc = doc();
    let status = format!("> **Status.** This is protocol version {PROTOCOL_VERSION}.");
    assert!(doc.contains(&status), "the status line is not `{status}`");
    let changes = format!("> **Changes in version {PROTOCOL_VERSION}.**");
    assert!(doc.contains(&changes), "no `{changes}` note");
    let refused = format!(
        "> A version-{} client is refused with `VersionMismatch`.",
        PROTOCOL_VERSION - 1
    );
    assert!(doc.contains(&refused), "no `{refused}`");
}

#[test]
fn the_dump_parser_refuses_what_it_cannot_read() {
    let bad = "<!-- dump: x -->\n```text\n0g # oops\n```\n";
    assert!(std::panic::catch_unwind(|| dumps(bad)).is_err());
    let good = "<!-- dump: x -->\n\n```text\n00 ff  # two bytes\n# a comment line\n01\n```\n";
    assert_eq!(dumps(good), [("x".to_owned(), vec![0, 0xff, 1])]);
}
