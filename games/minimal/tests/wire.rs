//! Twenty-one's payloads as they travel, with the bytes
//! `games/minimal/PROTOCOL.md` shows: its message and events through the
//! engine's codec (`encode_payload` / `decode_payload`, what the server and
//! its clients call), and its replicated rows and phase written into
//! snapshot records the way the engine writes them, then rebuilt by the
//! generic client view (`rallypoint_game::view::View`), as a bot or a test
//! client would.

use std::fmt::Debug;

use rallypoint_game::fields::ALL;
use rallypoint_game::view::GameView;
use rallypoint_game::{Events, Fields, Game, LeaveReason, LobbyParams, PlayerId, State, To};
use rallypoint_minimal::{Event, Msg, NoInput, Phase, Total, TwentyOne};
use rallypoint_shared::snapshot::{ApplyError, Record, Snapshot, SnapshotView, write_record};
use rallypoint_shared::{Payload, decode_payload, encode_payload};
use serde::Serialize;
use serde::de::DeserializeOwned;

type Seen = State<(), Total, Phase>;
type View = GameView<TwentyOne>;

const A: PlayerId = PlayerId(1);
const B: PlayerId = PlayerId(2);

/// `value`'s payload, checked to decode back to `value`.
fn round_trip<T>(value: &T) -> Vec<u8>
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let payload = encode_payload(value).unwrap();
    assert_eq!(&decode_payload::<T>(&payload.0).unwrap(), value);
    payload.0
}

#[test]
fn the_message_and_the_events_round_trip_through_the_codec() {
    assert_eq!(round_trip(&Msg::Add(3)), [0, 3]);
    assert_eq!(round_trip(&Event::Won { winner: A }), [0, 1]);
    // A player id is a varint: 300 takes the 251 marker and two bytes.
    let big = Event::Won {
        winner: PlayerId(300),
    };
    assert_eq!(round_trip(&big), [0, 251, 44, 1]);
    let refused = Event::Refused {
        reason: "no".into(),
    };
    assert_eq!(round_trip(&refused), [1, 2, b'n', b'o']);
    // The join info, `()`, is an empty payload.
    assert_eq!(encode_payload(&()).unwrap(), Payload(vec![]));
}

#[test]
fn payloads_that_are_not_twenty_ones_do_not_decode() {
    // No input exists: no bytes decode to one (the server answers an
    // `Input` to a Twenty-one lobby with `InvalidField`).
    assert!(decode_payload::<NoInput>(&[]).is_err());
    assert!(decode_payload::<NoInput>(&[0]).is_err());
    assert!(decode_payload::<Msg>(&[1, 3]).is_err(), "no variant 1");
    assert!(decode_payload::<Msg>(&[0]).is_err(), "truncated");
    assert!(
        decode_payload::<Msg>(&[0, 3, 0]).is_err(),
        "a trailing byte"
    );
    // A number out of range still decodes: refusing it is a rule, which
    // `step` answers with `Refused`.
    assert_eq!(decode_payload::<Msg>(&[0, 9]).unwrap(), Msg::Add(9));
}

/// Appends a record's head, then the fields `mask` names.
fn put<T: Fields>(out: &mut Vec<u8>, head: Record, fields: &T, mask: u32) {
    write_record(&head, out).unwrap();
    fields.write(mask, out).unwrap();
}

/// The records that take a client from `before` (`None`: from nothing, a
/// full snapshot) to `now`, written as the engine's encoder
/// (`server/src/replication/encoder.rs`) writes a lobby's rows and
/// singleton: a new row whole, a changed one by its `Fields` mask, a
/// vanished one gone; the singleton likewise.
fn records(now: &Seen, before: Option<&Seen>) -> Payload {
    let nothing = Seen::default();
    let before = before.unwrap_or(&nothing);
    let mut out = Vec::new();
    for row in &now.rows {
        let key = row.key;
        match before.rows.iter().find(|b| b.key == key) {
            None => put(&mut out, Record::Row { key }, &row.fields, ALL),
            Some(b) => match row.fields.changed(&b.fields) {
                0 => {}
                mask => put(&mut out, Record::RowUpdate { key, mask }, &row.fields, mask),
            },
        }
    }
    for b in &before.rows {
        if !now.rows.iter().any(|r| r.key == b.key) {
            write_record(&Record::RowGone { key: b.key }, &mut out).unwrap();
        }
    }
    match (&now.singleton, &before.singleton) {
        (Some(s), None) => put(&mut out, Record::Singleton, s, ALL),
        (Some(s), Some(b)) => match s.changed(b) {
            0 => {}
            mask => put(&mut out, Record::SingletonUpdate { mask }, s, mask),
        },
        (None, Some(_)) => write_record(&Record::SingletonGone, &mut out).unwrap(),
        (None, None) => {}
    }
    Payload(out)
}

/// The game's replicated state now.
fn seen(game: &TwentyOne) -> Seen {
    let mut state = Seen::default();
    game.write_state(&mut state);
    state
}

/// The rows (by key) and the singleton of a state, and of a view: what a
/// client should hold is what the game wrote.
fn held(state: &Seen) -> (Vec<(u32, Total)>, Option<Phase>) {
    let rows = state.rows.iter().map(|r| (r.key, r.fields)).collect();
    (rows, state.singleton)
}

fn holds(view: &View) -> (Vec<(u32, Total)>, Option<Phase>) {
    let rows = view.rows.iter().map(|(&k, &r)| (k, r)).collect();
    (rows, view.singleton)
}

#[test]
fn a_client_view_rebuilds_the_rows_and_the_phase_from_snapshots() {
    let params = LobbyParams {
        tick_hz: 30,
        max_players: 8,
    };
    let mut game = TwentyOne::create(&(), &params);
    let mut events = Events::new();
    for p in [A, B] {
        assert_eq!(game.join(0, p, &mut events), None);
    }
    // Tick 1: A climbs to 20, B to 3.
    let mut msgs = vec![(A, Msg::Add(3)); 6];
    msgs.extend([(A, Msg::Add(2)), (B, Msg::Add(3))]);
    game.step(1, &[], &msgs, &mut events);
    assert!(events.is_empty());
    let tick1 = seen(&game);

    // A full snapshot: row 0 (player 1, total 20), row 1 (player 2, total
    // 3), the singleton `Playing`. No `Me`: Twenty-one gives no avatar.
    let full = Snapshot {
        tick: 1,
        baseline_age: 0,
        input_seq_advance: 0,
        records: records(&tick1, None),
    };
    assert_eq!(full.records.0, [1, 0, 1, 20, 1, 1, 2, 3, 4, 0]);
    let view1 = View::default().apply(&full).unwrap();
    assert_eq!(holds(&view1), held(&tick1));
    assert_eq!(view1.tick, 1);
    assert!(view1.entities.is_empty());

    // Between ticks B leaves; at tick 2 A reaches 21 and everyone is told.
    game.leave(1, B, LeaveReason::Left, &mut events);
    game.step(2, &[], &[(A, Msg::Add(1))], &mut events);
    let (raised, _) = events.drain();
    let raised: Vec<(To, Event)> = raised.collect();
    assert_eq!(raised, [(To::All, Event::Won { winner: A })]);
    assert_eq!(encode_payload(&raised[0].1).unwrap().0, [0, 1]);
    let tick2 = seen(&game);

    // The delta against tick 1: row 0's field 1 (total) alone, row 1
    // gone, the phase (the singleton's one field) now `Over { winner: 1 }`.
    let delta = Snapshot {
        tick: 2,
        baseline_age: 1,
        input_seq_advance: 0,
        records: records(&tick2, Some(&tick1)),
    };
    assert_eq!(delta.records.0, [2, 0, 0b10, 21, 3, 1, 5, 1, 1, 1]);
    let view2 = view1.apply(&delta).unwrap();
    assert_eq!(holds(&view2), held(&tick2));
    assert_eq!(view2.singleton, Some(Phase::Over { winner: A }));

    // A view written back as a full snapshot rebuilds the same view.
    let again = View::default().apply(&view2.to_full().unwrap()).unwrap();
    assert_eq!(again, view2);
}

#[test]
fn records_a_view_cannot_apply_are_refused() {
    let view = View::default();
    let snap = |records: Vec<u8>| Snapshot {
        tick: 1,
        records: Payload(records),
        ..Snapshot::default()
    };
    // A row whose total is missing.
    let truncated = view.apply(&snap(vec![1, 0, 1]));
    assert!(matches!(truncated, Err(ApplyError::Malformed(_))));
    // A phase with no variant 2.
    let bad_phase = view.apply(&snap(vec![4, 2]));
    assert!(matches!(bad_phase, Err(ApplyError::Malformed(_))));
    // An update to a row the client does not hold.
    let unknown = view.apply(&snap(vec![2, 7, 0b10, 21]));
    assert!(matches!(unknown, Err(ApplyError::UnknownEntity { .. })));
}
