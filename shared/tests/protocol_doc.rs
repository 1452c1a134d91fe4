//! Keeps `docs/PROTOCOL.md` true. Every hex dump marked `<!-- dump: NAME -->`
//! must be exactly what the codec writes for the message NAME stands for, and
//! must decode back to it; the tag, change, error-code and constant tables
//! must match the code, and the worked delta example must be what applying
//! it gives. Changing the codec, a message or the doc alone fails here.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::*;
use glam::Vec2;
use rallypoint_shared::codec::{MAX_CLIENT_MSG_BYTES, MAX_SERVER_MSG_BYTES};
use rallypoint_shared::snapshot::{
    ApplyError, BASELINE_WINDOW, Change, FIXED_SCALE, POSITION_TOLERANCE, PlayerView, ScoreView,
    WorldView,
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

/// The doc's full snapshot: this client (player 0) at (100, 200) standing
/// still, player 3 at (300, 150) walking towards -x, one projectile of
/// player 0's flying +x, and the score table.
fn doc_full_snapshot() -> Snapshot {
    Snapshot {
        tick: 1000,
        baseline_age: 0,
        input_seq_advance: 300,
        changes: vec![
            Change::Me {
                offset: ivec(102_400, 204_800),
            },
            Change::PlayerEnter {
                index: 0,
                track: track(102_400, 204_800, 0, 0),
                aim: 0,
                hp: 100,
                alive: true,
            },
            Change::PlayerEnter {
                index: 3,
                track: track(307_200, 153_600, -7_509, 0),
                aim: 128,
                hp: 75,
                alive: true,
            },
            Change::ProjectileEnter {
                index: 5,
                owner: 0,
                track: track(122_880, 204_800, 20_480, 0),
            },
            Change::Score {
                index: 0,
                kills: 2,
                deaths: 0,
            },
            Change::Score {
                index: 3,
                kills: 0,
                deaths: 1,
            },
        ],
    }
}

/// The doc's delta against [`doc_full_snapshot`], three ticks later: this
/// client walked +x, player 3 turned and was killed by player 0, the
/// projectile is gone.
fn doc_delta_snapshot() -> Snapshot {
    Snapshot {
        tick: 1003,
        baseline_age: 3,
        input_seq_advance: 3,
        changes: vec![
            Change::Me {
                offset: ivec(22_527, 0),
            },
            Change::PlayerMotion {
                index: 0,
                offset: ivec(22_527, 0),
                vel: ivec(7_509, 0),
            },
            Change::PlayerAim { index: 3, aim: 96 },
            Change::PlayerHealth {
                index: 3,
                hp: 0,
                alive: false,
            },
            Change::ProjectileGone { index: 5 },
            Change::Score {
                index: 0,
                kills: 3,
                deaths: 0,
            },
            Change::Score {
                index: 3,
                kills: 0,
                deaths: 2,
            },
        ],
    }
}

/// The message each dump in the doc claims to show.
fn expected_dumps() -> Vec<(&'static str, Msg)> {
    use Msg::{Client, Server};
    vec![
        (
            "client/hello",
            Client(ClientMsg::Hello {
                protocol_version: 4,
                name: "ada".into(),
            }),
        ),
        (
            "client/create-lobby",
            Client(ClientMsg::CreateLobby {
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
            "client/input",
            Client(ClientMsg::Input(InputFrame {
                seq: 300,
                movement: Vec2::new(-1.0, 0.5),
                aim: Vec2::new(0.6, 0.8),
                fire: true,
                hitscan: false,
                ack_tick: 1000,
            })),
        ),
        (
            "client/inputs",
            Client(ClientMsg::Inputs(vec![
                InputFrame {
                    seq: 301,
                    movement: Vec2::X,
                    aim: Vec2::NEG_Y,
                    fire: false,
                    hitscan: false,
                    ack_tick: 1002,
                },
                InputFrame {
                    seq: 302,
                    movement: Vec2::X,
                    aim: Vec2::NEG_Y,
                    fire: false,
                    hitscan: true,
                    ack_tick: 1003,
                },
            ])),
        ),
        (
            "client/ping",
            Client(ClientMsg::Ping {
                client_time: 5_000_000_000,
            }),
        ),
        (
            "client/resume",
            Client(ClientMsg::Resume {
                protocol_version: 4,
                token: DOC_TOKEN,
            }),
        ),
        (
            "server/welcome",
            Server(ServerMsg::Welcome {
                player: PlayerId(42),
                protocol_version: 4,
                tick_hz: 30,
                snapshot_hz: 15,
                max_message_bytes: 512,
                resume_token: DOC_TOKEN,
                resume_grace_secs: 20,
            }),
        ),
        (
            "server/joined",
            Server(ServerMsg::Joined {
                lobby: LobbyId(3),
                join_code: Some("K7PQ3M".into()),
                max_players: 8,
                entity: entity(0, 1),
                map: MapInfo {
                    name: "yard".into(),
                    bounds: Rect {
                        min: Vec2::ZERO,
                        max: Vec2::new(800.0, 600.0),
                    },
                    walls: vec![Rect {
                        min: Vec2::new(300.0, 200.0),
                        max: Vec2::new(500.0, 240.0),
                    }],
                },
                tick: 0,
            }),
        ),
        (
            "server/snapshot-full",
            Server(ServerMsg::Snapshot(doc_full_snapshot())),
        ),
        (
            "server/snapshot-delta",
            Server(ServerMsg::Snapshot(doc_delta_snapshot())),
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
            Server(ServerMsg::Error {
                code: ErrorCode::VersionMismatch,
                message: "protocol version mismatch: client speaks 3, server speaks 4".into(),
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
                    entity: entity(2, 1),
                    player: PlayerId(300),
                    name: "grace".into(),
                }],
                removed: vec![entity(1, 3)],
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
    let from_code: BTreeSet<(u32, String)> =
        [JoinTarget::Id(LobbyId(1)), JoinTarget::Code("c".into())]
            .into_iter()
            .map(|target| {
                let name = variant_name(&format!("{target:?}")).to_owned();
                let bytes = encode_client(&ClientMsg::JoinLobby(target)).unwrap();
                (u32::from(bytes[1]), name)
            })
            .collect();
    assert_eq!(numbered(&doc(), "join-target-tags"), from_code);
}

#[test]
fn change_table_matches_the_codec() {
    let from_code: BTreeSet<(u32, String)> = every_change()
        .iter()
        .map(|change| {
            let mut bytes = Vec::new();
            encode_change_into(change, &mut bytes).unwrap();
            assert_eq!(u32::from(bytes[0]), change_tag(change));
            (
                change_tag(change),
                variant_name(&format!("{change:?}")).to_owned(),
            )
        })
        .collect();
    assert_eq!(from_code.len(), CHANGE_VARIANTS as usize);
    assert_eq!(numbered(&doc(), "change-tags"), from_code);
}

/// The table's last column says which changes are errors when the view
/// holds nothing of their index; `WorldView::apply` must agree.
#[test]
fn change_table_says_which_unknown_indices_are_errors() {
    let rows = table(&doc(), "change-tags");
    let empty = WorldView {
        tick: 1,
        ..WorldView::default()
    };
    for change in every_change() {
        let name = variant_name(&format!("{change:?}")).to_owned();
        let row = rows.iter().find(|row| row[1] == name).unwrap();
        let documented = row.last().unwrap().contains("error");
        let delta = Snapshot {
            tick: 2,
            baseline_age: 1,
            input_seq_advance: 0,
            changes: vec![change],
        };
        let refused = match empty.apply(&delta) {
            Ok(_) => false,
            Err(ApplyError::UnknownEntity { index, .. }) => {
                assert_eq!(Some(index), change_index(&change), "{change:?}");
                true
            }
            Err(e) => panic!("{change:?}: {e}"),
        };
        assert_eq!(refused, documented, "{change:?} against an empty view");
    }
}

/// The doc's delta, applied to the view its full snapshot builds, gives
/// the view the paragraph after the dumps describes.
#[test]
fn the_worked_example_holds() {
    let base = WorldView::default().apply(&doc_full_snapshot()).unwrap();
    assert_eq!((base.tick, base.last_input_seq), (1000, 300));
    let next = base.apply(&doc_delta_snapshot()).unwrap();
    assert_eq!((next.tick, next.last_input_seq), (1003, 303));
    assert_eq!(next.me, ivec(124_927, 204_800));
    assert_eq!(
        next.players[&0],
        PlayerView {
            track: track(124_927, 204_800, 7_509, 0),
            aim: 0,
            hp: 100,
            alive: true,
        }
    );
    assert_eq!(
        next.players[&3],
        PlayerView {
            track: track(284_673, 153_600, -7_509, 0),
            aim: 96,
            hp: 0,
            alive: false,
        }
    );
    assert_eq!(next.players.len(), 2);
    assert!(next.projectiles.is_empty());
    assert_eq!(
        next.scores.values().copied().collect::<Vec<_>>(),
        [
            ScoreView {
                kills: 3,
                deaths: 0
            },
            ScoreView {
                kills: 0,
                deaths: 2
            }
        ]
    );
    let other = WorldView { tick: 1001, ..base };
    assert_eq!(
        other.apply(&doc_delta_snapshot()),
        Err(ApplyError::MissingBaseline {
            tick: 1003,
            baseline: 1000
        })
    );
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
}

#[test]
fn the_dump_parser_refuses_what_it_cannot_read() {
    let bad = "<!-- dump: x -->\n```text\n0g # oops\n```\n";
    assert!(std::panic::catch_unwind(|| dumps(bad)).is_err());
    let good = "<!-- dump: x -->\n\n```text\n00 ff  # two bytes\n# a comment line\n01\n```\n";
    assert_eq!(dumps(good), [("x".to_owned(), vec![0, 0xff, 1])]);
}
