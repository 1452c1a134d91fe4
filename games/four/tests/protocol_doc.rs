//! Keeps `games/four/PROTOCOL.md` true: every hex dump is encoded and
//! decoded by the real codec, its payload written by Four's own types;
//! the tag and field tables are compared with the code; the events, the
//! error text and the snapshots are what a real game and the engine's
//! codec produce; and the snapshots, applied with the engine's view, give
//! the state the page describes.

use std::path::Path;

use rallypoint_four::{
    Board, Cell, ForfeitReason, Four, FourConfig, FourEvent, FourInfo, FourMsg, FourRow, FourState,
    Phase,
};
use rallypoint_game::view::GameView;
use rallypoint_game::{Events, Fields, Game, LobbyParams, PlayerId, State, To};
use rallypoint_shared::snapshot::{Record, Snapshot, SnapshotView, write_record};
use rallypoint_shared::*;

#[derive(Debug)]
enum Msg {
    Client(ClientMsg),
    Server(ServerMsg),
}

fn doc() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("PROTOCOL.md");
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

const HZ: u16 = 30;

/// The page's table: players 42 and 43 sit down at tick 998 (game 1
/// starts, seat 0 to move), seat 0 drops in column 3 at tick 999, seat 1
/// in column 3 at tick 1009. Returns the game after `last` ticks and the
/// events each call raised.
fn table_until(last: u32) -> (Four, Vec<FourEvent>) {
    let mut game = Four::create(
        &FourConfig::default(),
        &LobbyParams {
            tick_hz: HZ,
            max_players: 2,
        },
    );
    let mut events = Events::new();
    for tick in 1..=last {
        if tick == 998 {
            game.join(997, PlayerId(42), &mut events);
            game.join(997, PlayerId(43), &mut events);
        }
        let msgs = match tick {
            999 => vec![(PlayerId(42), FourMsg::Drop { column: 3 })],
            1009 => vec![(PlayerId(43), FourMsg::Drop { column: 3 })],
            _ => vec![],
        };
        game.step(tick, &[], &msgs, &mut events);
    }
    let sent = events.drain().0.map(|(_, e)| e).collect();
    (game, sent)
}

fn state_of(game: &Four) -> State<(), FourRow, FourState> {
    let mut state = State::default();
    game.write_state(&mut state);
    state
}

/// A snapshot's records as the engine writes them: a head, then fields.
fn records(parts: &[(Record, Vec<u8>)]) -> Payload {
    let mut out = Vec::new();
    for (head, fields) in parts {
        write_record(head, &mut out).unwrap();
        out.extend_from_slice(fields);
    }
    Payload(out)
}

/// The fields `mask` names of `value`, as a record carries them.
fn fields_of<T: Fields>(value: &T, mask: u32) -> Vec<u8> {
    let mut out = Vec::new();
    value.write(mask, &mut out).unwrap();
    out
}

/// The full snapshot of tick 1000 the page shows, from the real game.
fn full_snapshot() -> Snapshot {
    let (game, _) = table_until(1000);
    let state = state_of(&game);
    let mut parts: Vec<(Record, Vec<u8>)> = state
        .rows
        .iter()
        .map(|row| {
            (
                Record::Row { key: row.key },
                fields_of(&row.fields, u32::MAX),
            )
        })
        .collect();
    let s = state.singleton.unwrap();
    parts.push((Record::Singleton, fields_of(&s, u32::MAX)));
    Snapshot {
        tick: 1000,
        baseline_age: 0,
        input_seq_advance: 0,
        records: records(&parts),
    }
}

/// The delta of tick 1010 against tick 1000, from the real game: the
/// singleton's fields that changed, by the mask `Fields` computes.
fn delta_snapshot() -> Snapshot {
    let before = state_of(&table_until(1000).0).singleton.unwrap();
    let after = state_of(&table_until(1010).0).singleton.unwrap();
    let mask = after.changed(&before);
    assert_eq!(mask, 0b11011);
    Snapshot {
        tick: 1010,
        baseline_age: 10,
        input_seq_advance: 0,
        records: records(&[(Record::SingletonUpdate { mask }, fields_of(&after, mask))]),
    }
}

fn game_msg(msg: FourMsg) -> Msg {
    Msg::Client(ClientMsg::Game(encode_payload(&msg).unwrap()))
}

fn event(event: FourEvent) -> Msg {
    Msg::Server(ServerMsg::Event(encode_payload(&event).unwrap()))
}

/// The `Illegal` reason a real game gives seat 0 dropping out of turn.
fn out_of_turn_reason() -> String {
    let (mut game, _) = table_until(1000);
    let mut events = Events::new();
    game.step(
        1001,
        &[],
        &[(PlayerId(42), FourMsg::Drop { column: 0 })],
        &mut events,
    );
    let (sent, _) = events.drain();
    let sent: Vec<_> = sent.collect();
    match sent.as_slice() {
        [(To::One(p), FourEvent::Illegal { reason })] if *p == PlayerId(42) => reason.clone(),
        other => panic!("{other:?}"),
    }
}

fn expected_dumps() -> Vec<(&'static str, Msg)> {
    // The server's text for a `Game` payload that does not decode
    // (`lobby/handle.rs`: "not a four message: " and the codec's error).
    let bad = decode_payload::<FourMsg>(&[0]).unwrap_err();
    vec![
        (
            "four/joined",
            Msg::Server(ServerMsg::Joined {
                lobby: LobbyId(4),
                game: Four::NAME.into(),
                join_code: None,
                max_players: Four::seats(16),
                avatar: None,
                tick: 998,
                info: encode_payload(&table_until(998).0.join_info(PlayerId(43))).unwrap(),
            }),
        ),
        ("four/drop", game_msg(FourMsg::Drop { column: 3 })),
        ("four/rematch", game_msg(FourMsg::Rematch)),
        ("four/ack", Msg::Client(ClientMsg::Ack { tick: 1010 })),
        (
            "four/error",
            Msg::Server(ServerMsg::Error {
                code: ErrorCode::InvalidField,
                message: format!("not a four message: {bad}"),
            }),
        ),
        (
            "four/started",
            event(FourEvent::Started { game: 1, first: 0 }),
        ),
        (
            "four/moved",
            event(FourEvent::Moved {
                seat: 1,
                column: 3,
                row: 1,
            }),
        ),
        (
            "four/won",
            event(FourEvent::Won {
                seat: 0,
                cells: [
                    Cell::new(0, 0),
                    Cell::new(1, 1),
                    Cell::new(2, 2),
                    Cell::new(3, 3),
                ],
            }),
        ),
        ("four/draw", event(FourEvent::Draw)),
        (
            "four/forfeit",
            event(FourEvent::Forfeit {
                seat: 1,
                why: ForfeitReason::TurnTimer,
            }),
        ),
        (
            "four/rematch-requested",
            event(FourEvent::RematchRequested { seat: 0 }),
        ),
        (
            "four/illegal",
            event(FourEvent::Illegal {
                reason: out_of_turn_reason(),
            }),
        ),
        (
            "four/snapshot-full",
            Msg::Server(ServerMsg::Snapshot(full_snapshot())),
        ),
        (
            "four/snapshot-delta",
            Msg::Server(ServerMsg::Snapshot(delta_snapshot())),
        ),
    ]
}

#[test]
fn every_dump_is_what_the_codec_writes_and_reads() {
    check_dumps(&doc(), &expected_dumps());
}

#[test]
fn the_joined_info_and_the_games_events_are_the_pages() {
    let info = table_until(998).0.join_info(PlayerId(43));
    assert_eq!(
        info,
        FourInfo {
            seat: Some(1),
            turn_ticks: 900
        }
    );
    let (_, events) = table_until(1010);
    assert_eq!(
        events,
        [
            FourEvent::Started { game: 1, first: 0 },
            FourEvent::Moved {
                seat: 0,
                column: 3,
                row: 0
            },
            FourEvent::Moved {
                seat: 1,
                column: 3,
                row: 1
            },
        ]
    );
}

/// The snapshots, applied with the engine's view, give the state the
/// paragraph after them describes.
#[test]
fn the_snapshots_apply_as_the_page_says() {
    let base = GameView::<Four>::default().apply(&full_snapshot()).unwrap();
    assert_eq!(base.rows.len(), 2);
    assert_eq!(base.rows[&0].player, PlayerId(42));
    assert_eq!(base.rows[&1].player, PlayerId(43));
    assert!(base.entities.is_empty());
    let next = base.apply(&delta_snapshot()).unwrap();
    assert_eq!(next.rows, base.rows);
    let s = next.singleton.unwrap();
    let cells = s.board.cells();
    assert_eq!((cells[3], cells[10]), (Some(0), Some(1)));
    assert_eq!(cells.iter().filter(|c| c.is_some()).count(), 2);
    assert_eq!(
        (s.turn, s.phase, s.moves, s.game),
        (Some(0), Phase::Playing, 2, 1)
    );
    assert_eq!(s.ticks_left(1010), 899);
    assert_eq!(s.deadline, 1909);
}

/// The board is 42 raw bytes in `row * 7 + column` order, rows from the
/// bottom; any byte but 0, 1 and 2 is refused.
#[test]
fn the_board_encoding_is_the_pages() {
    let mut board = Board::new();
    board.play(6, 1).unwrap();
    board.play(0, 0).unwrap();
    board.play(0, 1).unwrap();
    let bytes = encode_payload(&board).unwrap().0;
    assert_eq!(bytes.len(), 42);
    let mut expected = [0u8; 42];
    expected[6] = 2;
    expected[0] = 1;
    expected[7] = 2;
    assert_eq!(bytes, expected);
    assert_eq!(Cell::new(3, 1).index(), 10);
    assert!(decode_payload::<Board>(&[3; 42]).is_err());
    assert!(decode_payload::<Board>(&[0; 41]).is_err());
}

/// A tag table's (number, name) pairs against the names `Debug` gives the
/// values in tag order, and the first byte their encoding starts with.
fn check_tags<T: serde::Serialize + std::fmt::Debug>(doc: &str, name: &str, values: &[T]) {
    let from_code: Vec<(u32, String)> = values
        .iter()
        .map(|v| {
            let tag = encode_payload(v).unwrap().0[0];
            let debug = format!("{v:?}");
            let variant = debug.split([' ', '{', '(']).next().unwrap().to_owned();
            (u32::from(tag), variant)
        })
        .collect();
    assert_eq!(numbered(doc, name), from_code, "{name}");
}

#[test]
fn the_tag_tables_match_the_codec() {
    let doc = doc();
    check_tags(
        &doc,
        "four-msgs",
        &[FourMsg::Drop { column: 0 }, FourMsg::Rematch],
    );
    let cells = [Cell::new(0, 0); 4];
    check_tags(
        &doc,
        "four-events",
        &[
            FourEvent::Started { game: 1, first: 0 },
            FourEvent::Moved {
                seat: 0,
                column: 0,
                row: 0,
            },
            FourEvent::Won { seat: 0, cells },
            FourEvent::Draw,
            FourEvent::Forfeit {
                seat: 0,
                why: ForfeitReason::Left,
            },
            FourEvent::RematchRequested { seat: 0 },
            FourEvent::Illegal {
                reason: String::new(),
            },
        ],
    );
    check_tags(
        &doc,
        "forfeit-reasons",
        &[
            ForfeitReason::TurnTimer,
            ForfeitReason::Left,
            ForfeitReason::Expired,
        ],
    );
    check_tags(
        &doc,
        "phases",
        &[
            Phase::Waiting,
            Phase::Playing,
            Phase::Won { seat: 0 },
            Phase::Draw,
            Phase::Forfeit {
                seat: 0,
                why: ForfeitReason::TurnTimer,
            },
        ],
    );
}

/// Each documented field bit writes exactly that field.
fn check_fields<F: Fields>(doc: &str, table_name: &str, record: &F, values: &[(&str, Vec<u8>)]) {
    let rows = numbered(doc, table_name);
    assert_eq!(rows.len(), values.len(), "{table_name}");
    for ((bit, name), (field, bytes)) in rows.iter().zip(values) {
        assert_eq!(name, field, "{table_name}: bit {bit}");
        let mut out = Vec::new();
        record.write(1 << bit, &mut out).unwrap();
        assert_eq!(&out, bytes, "{table_name}: bit {bit} writes {name}");
    }
}

fn enc<T: serde::Serialize>(value: &T) -> Vec<u8> {
    encode_payload(value).unwrap().0
}

#[test]
fn the_field_tables_match_the_code() {
    let doc = doc();
    let row = FourRow {
        player: PlayerId(300),
        wins: 7,
        rematch: true,
    };
    check_fields(
        &doc,
        "row-fields",
        &row,
        &[
            ("player", enc(&300u64)),
            ("wins", enc(&7u32)),
            ("rematch", enc(&true)),
        ],
    );
    let mut board = Board::new();
    board.play(2, 1).unwrap();
    let state = FourState {
        board,
        turn: Some(1),
        phase: Phase::Won { seat: 1 },
        deadline: 70_000,
        moves: 9,
        game: 251,
    };
    check_fields(
        &doc,
        "state-fields",
        &state,
        &[
            ("board", enc(&board)),
            ("turn", enc(&Some(1u8))),
            ("phase", enc(&Phase::Won { seat: 1 })),
            ("deadline", enc(&70_000u32)),
            ("moves", enc(&9u8)),
            ("game", enc(&251u32)),
        ],
    );
}

/// Four refuses every per-tick input and has two seats whatever is asked.
#[test]
fn four_takes_no_input_and_two_seats() {
    assert!(decode_payload::<rallypoint_four::NoInput>(&[0]).is_err());
    assert!(decode_payload::<rallypoint_four::NoInput>(&[]).is_err());
    assert_eq!(Four::seats(16), 2);
    assert_eq!(Four::seats(1), 2);
}
