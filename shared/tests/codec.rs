//! The codec against the wire format of `docs/PROTOCOL.md`: every message
//! and every snapshot change round-trips, integers (signed ones zigzagged)
//! use the documented varint thresholds, a snapshot spliced from encoded
//! changes is the whole message's bytes, and every kind of bad input fails
//! with its specific error, without panicking and without allocating what a
//! hostile length asks for.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::BTreeSet;

use bincode::error::DecodeError;
use common::*;
use glam::Vec2;
use rallypoint_shared::codec::{MAX_CLIENT_MSG_BYTES, MAX_SERVER_MSG_BYTES};
use rallypoint_shared::snapshot::{Change, WorldView};
use rallypoint_shared::*;

/// Records the largest single allocation per thread, so a test can show that
/// decoding hostile bytes never allocates what they declare. Per thread
/// because the test harness runs other tests in parallel.
struct TrackingAlloc;

thread_local! {
    static LARGEST_ALLOC: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for TrackingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // `try_with` because the slot is gone while a thread is torn down.
        let _ = LARGEST_ALLOC.try_with(|m| m.set(m.get().max(layout.size())));
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: TrackingAlloc = TrackingAlloc;

/// Runs `f` and returns its result with the largest allocation it made.
fn largest_alloc_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    LARGEST_ALLOC.with(|m| m.set(0));
    let out = f();
    (out, LARGEST_ALLOC.with(Cell::get))
}

fn malformed(result: Result<impl std::fmt::Debug, CodecError>) -> DecodeError {
    match result {
        Err(CodecError::Malformed(e)) => e,
        other => panic!("expected a Malformed error, got {other:?}"),
    }
}

fn client_bytes(msg: &ClientMsg) -> Vec<u8> {
    encode_client(msg).expect("sample client message encodes")
}

fn server_bytes(msg: &ServerMsg) -> Vec<u8> {
    encode_server(msg).expect("sample server message encodes")
}

// ---- round trips -------------------------------------------------------

#[test]
fn every_client_variant_round_trips_with_its_tag() {
    let mut tags = BTreeSet::new();
    for msg in every_client_msg() {
        let bytes = client_bytes(&msg);
        let tag = client_tag(&msg);
        // Every tag is below 251, so it is the first byte, alone.
        assert_eq!(u32::from(bytes[0]), tag, "{msg:?}");
        assert_eq!(decode_client(&bytes).unwrap(), msg);
        tags.insert(tag);
    }
    assert_eq!(
        tags,
        (0..CLIENT_VARIANTS).collect(),
        "a variant has no sample"
    );
}

#[test]
fn every_server_variant_round_trips_with_its_tag() {
    let mut tags = BTreeSet::new();
    for msg in every_server_msg() {
        let bytes = server_bytes(&msg);
        let tag = server_tag(&msg);
        assert_eq!(u32::from(bytes[0]), tag, "{msg:?}");
        assert_eq!(decode_server(&bytes).unwrap(), msg);
        tags.insert(tag);
    }
    assert_eq!(
        tags,
        (0..SERVER_VARIANTS).collect(),
        "a variant has no sample"
    );
}

#[test]
fn every_error_code_round_trips_with_its_number() {
    for code in ALL_ERROR_CODES {
        let msg = ServerMsg::Error {
            code,
            message: String::new(),
        };
        let bytes = server_bytes(&msg);
        assert_eq!(bytes, [5, error_code_number(code) as u8, 0], "{code:?}");
        assert_eq!(decode_server(&bytes).unwrap(), msg);
    }
}

#[test]
fn join_targets_and_options_are_tagged() {
    let by_id = client_bytes(&ClientMsg::JoinLobby(JoinTarget::Id(LobbyId(7))));
    assert_eq!(by_id, [3, 0, 7]);
    let by_code = client_bytes(&ClientMsg::JoinLobby(JoinTarget::Code("AB".into())));
    assert_eq!(by_code, [3, 1, 2, b'A', b'B']);

    let joined = |join_code| ServerMsg::Joined {
        lobby: LobbyId(1),
        join_code,
        max_players: 2,
        entity: entity(0, 0),
        map: MapInfo {
            name: String::new(),
            bounds: Rect {
                min: Vec2::ZERO,
                max: Vec2::ZERO,
            },
            walls: vec![],
        },
        tick: 0,
    };
    let none = server_bytes(&joined(None));
    let some = server_bytes(&joined(Some("Q".into())));
    assert_eq!(none[..3], [2, 1, 0], "Option::None is the single byte 0");
    assert_eq!(some[..5], [2, 1, 1, 1, b'Q'], "Some is 1 then the value");
    assert_eq!(decode_server(&none).unwrap(), joined(None));
    assert_eq!(decode_server(&some).unwrap(), joined(Some("Q".into())));
}

#[test]
fn protocol_2_messages_have_the_documented_layout() {
    let mut resume = vec![8, 2];
    resume.extend_from_slice(&token().0);
    let msg = ClientMsg::Resume {
        protocol_version: 2,
        token: token(),
    };
    assert_eq!(client_bytes(&msg), resume);
    assert_eq!(decode_client(&resume).unwrap(), msg);

    // Welcome's version-2 fields come last: the token, then the grace as
    // a varint. (`snapshot_hz`, after `tick_hz`, is from version 4.)
    let welcome = |resume_grace_secs| ServerMsg::Welcome {
        player: PlayerId(1),
        protocol_version: 2,
        tick_hz: 30,
        snapshot_hz: 15,
        max_message_bytes: 512,
        resume_token: token(),
        resume_grace_secs,
    };
    let mut expected = vec![0, 1, 2, 30, 15, 251, 0x00, 0x02];
    expected.extend_from_slice(&token().0);
    expected.push(20);
    assert_eq!(server_bytes(&welcome(20)), expected);
    expected.pop();
    expected.extend_from_slice(&[251, 0x2c, 0x01]);
    assert_eq!(server_bytes(&welcome(300)), expected);
    assert_eq!(decode_server(&expected).unwrap(), welcome(300));

    let notice = ServerMsg::ShuttingDown {
        reason: "bye".into(),
        drain_secs: 30,
    };
    assert_eq!(server_bytes(&notice), [8, 3, b'b', b'y', b'e', 30]);
}

#[test]
fn protocol_4_roster_update_is_added_then_removed() {
    let update = ServerMsg::RosterUpdate {
        added: vec![RosterEntry {
            entity: entity(2, 1),
            player: PlayerId(300),
            name: "bo".into(),
        }],
        removed: vec![entity(1, 3), entity(251, 0)],
    };
    // Tag 9; one entry: entity, player (251 form), name; two entities.
    let expected = [
        9, 1, 2, 1, 251, 0x2c, 0x01, 2, b'b', b'o', 2, 1, 3, 251, 251, 0, 0,
    ];
    assert_eq!(server_bytes(&update), expected);
    assert_eq!(decode_server(&expected).unwrap(), update);
    // Both lists are there even when empty.
    let empty = ServerMsg::RosterUpdate {
        added: vec![],
        removed: vec![],
    };
    assert_eq!(server_bytes(&empty), [9, 0, 0]);
    assert!(matches!(
        malformed(decode_server(&[9, 0])),
        DecodeError::UnexpectedEnd { .. }
    ));
}

#[test]
fn protocol_3_input_ends_with_hitscan_then_ack_tick() {
    let input = |hitscan, ack_tick| {
        ClientMsg::Input(InputFrame {
            seq: 7,
            movement: Vec2::ZERO,
            aim: Vec2::ZERO,
            fire: false,
            hitscan,
            ack_tick,
        })
    };
    // Tag, seq, 16 bytes of vectors, fire; then the two new fields.
    let mut expected = vec![6, 7];
    expected.extend_from_slice(&[0; 16]);
    expected.extend_from_slice(&[0, 1, 0]);
    assert_eq!(client_bytes(&input(true, 0)), expected);
    // ack_tick is a u32 varint: 1000 takes the 251 form.
    expected.truncate(expected.len() - 1);
    expected.extend_from_slice(&[251, 0xe8, 0x03]);
    assert_eq!(client_bytes(&input(true, 1000)), expected);
    assert_eq!(decode_client(&expected).unwrap(), input(true, 1000));

    // A version-2 Input (no hitscan, no ack_tick) is now truncated.
    let mut v2 = vec![6, 7];
    v2.extend_from_slice(&[0; 16]);
    v2.push(0);
    let e = malformed(decode_client(&v2));
    assert!(matches!(e, DecodeError::UnexpectedEnd { .. }), "{e:?}");
    // hitscan is a bool like fire: 2 is refused.
    v2.extend_from_slice(&[2, 0]);
    let e = malformed(decode_client(&v2));
    assert!(matches!(e, DecodeError::InvalidBooleanValue(2)), "{e:?}");
}

#[test]
fn protocol_4_welcome_has_snapshot_hz_right_after_tick_hz() {
    let welcome = |snapshot_hz| ServerMsg::Welcome {
        player: PlayerId(42),
        protocol_version: 4,
        tick_hz: 128,
        snapshot_hz,
        max_message_bytes: 512,
        resume_token: ResumeToken([0; 16]),
        resume_grace_secs: 20,
    };
    // A u16 varint like tick_hz: one byte up to 250, then the 251 form.
    let bytes = server_bytes(&welcome(15));
    assert_eq!(bytes[..8], [0, 42, 4, 128, 15, 251, 0x00, 0x02]);
    assert_eq!(bytes.len(), 8 + 16 + 1);
    let bytes = server_bytes(&welcome(300));
    assert_eq!(bytes[3..7], [128, 251, 0x2c, 0x01]);
    assert_eq!(decode_server(&bytes).unwrap(), welcome(300));
    // A version-3 Welcome, without it, no longer decodes as one: its
    // max_message_bytes is read as snapshot_hz and everything after
    // shifts, so the token runs out a byte early.
    let mut v3 = vec![0, 42, 4, 30, 251, 0x00, 0x02];
    v3.extend_from_slice(&[0; 16]);
    v3.push(20);
    let e = malformed(decode_server(&v3));
    assert!(matches!(e, DecodeError::UnexpectedEnd { .. }), "{e:?}");
}

#[test]
fn protocol_4_inputs_is_a_count_then_input_frames() {
    let frame = |seq, ack_tick| InputFrame {
        seq,
        movement: Vec2::ZERO,
        aim: Vec2::ZERO,
        fire: false,
        hitscan: seq == 8,
        ack_tick,
    };
    // One frame as Input writes it, without Input's tag.
    let frame_bytes = |f: InputFrame| client_bytes(&ClientMsg::Input(f))[1..].to_vec();
    let batch = vec![frame(7, 40), frame(8, 1000)];
    let mut expected = vec![9, 2];
    expected.extend(frame_bytes(batch[0]));
    expected.extend(frame_bytes(batch[1]));
    assert_eq!(expected.len(), 2 + 20 + 22);
    assert_eq!(client_bytes(&ClientMsg::Inputs(batch.clone())), expected);
    assert_eq!(
        decode_client(&expected).unwrap(),
        ClientMsg::Inputs(batch.clone())
    );
    // The count is a varint (a u64 length) like any list's; an empty batch
    // is two bytes, and refused by the server, not by the codec.
    assert_eq!(client_bytes(&ClientMsg::Inputs(Vec::new())), [9, 0]);
    // A count beyond the frames that follow is truncated.
    expected[1] = 3;
    let e = malformed(decode_client(&expected));
    assert!(matches!(e, DecodeError::UnexpectedEnd { .. }), "{e:?}");
    // The most the server takes, with every field at its widest, is far
    // below the client message limit.
    let widest = InputFrame {
        seq: u32::MAX,
        movement: Vec2::ONE,
        aim: Vec2::ONE,
        fire: true,
        hitscan: true,
        ack_tick: u32::MAX,
    };
    let full = client_bytes(&ClientMsg::Inputs(vec![widest; MAX_INPUTS_PER_MESSAGE]));
    assert_eq!(full.len(), 2 + MAX_INPUTS_PER_MESSAGE * 28);
    assert!(full.len() < MAX_CLIENT_MSG_BYTES / 2);
}

// ---- snapshots (protocol 4) ----------------------------------------------

fn change_bytes(change: &Change) -> Vec<u8> {
    let mut out = Vec::new();
    encode_change_into(change, &mut out).unwrap();
    out
}

/// A snapshot of tick 0 against nothing, with the given changes.
fn snapshot_of(changes: Vec<Change>) -> ServerMsg {
    ServerMsg::Snapshot(Snapshot {
        changes,
        ..Snapshot::default()
    })
}

#[test]
fn every_change_variant_round_trips_with_its_tag() {
    let mut tags = BTreeSet::new();
    for change in every_change() {
        let part = change_bytes(&change);
        let tag = change_tag(&change);
        assert_eq!(u32::from(part[0]), tag, "{change:?}");
        // Tag 3, tick 0, age 0, advance 0, one change: then the change.
        let msg = snapshot_of(vec![change]);
        let bytes = server_bytes(&msg);
        assert_eq!(bytes[..5], [3, 0, 0, 0, 1], "{change:?}");
        assert_eq!(bytes[5..], part, "{change:?}");
        assert_eq!(decode_server(&bytes).unwrap(), msg);
        tags.insert(tag);
    }
    assert_eq!(
        tags,
        (0..CHANGE_VARIANTS).collect(),
        "a variant has no sample"
    );
}

#[test]
fn snapshot_header_is_tick_raw_age_advance_count() {
    let msg = ServerMsg::Snapshot(Snapshot {
        tick: 1000,
        baseline_age: 251,
        input_seq_advance: 70_000,
        changes: vec![Change::PlayerHidden { index: 1 }; 300],
    });
    let bytes = server_bytes(&msg);
    // baseline_age is a u8: 251 is one raw byte here, not a varint marker.
    assert_eq!(
        bytes[..13],
        [
            3, 251, 0xe8, 0x03, 251, 252, 0x70, 0x11, 0x01, 0x00, 251, 0x2c, 0x01
        ]
    );
    assert_eq!(bytes[13..], [2, 1].repeat(300));
    assert_eq!(decode_server(&bytes).unwrap(), msg);
}

#[test]
fn signed_integers_are_zigzag_varints() {
    let me = |x| change_bytes(&Change::Me { offset: ivec(x, 0) });
    let cases: [(i32, &[u8]); 10] = [
        (0, &[0]),
        (-1, &[1]),
        (1, &[2]),
        (-2, &[3]),
        (125, &[250]),
        (-126, &[251, 251, 0]),
        (32_767, &[251, 0xfe, 0xff]),
        (-32_769, &[252, 0x01, 0x00, 0x01, 0x00]),
        (i32::MAX, &[252, 0xfe, 0xff, 0xff, 0xff]),
        (i32::MIN, &[252, 0xff, 0xff, 0xff, 0xff]),
    ];
    for (value, expected) in cases {
        let mut want = vec![0];
        want.extend_from_slice(expected);
        want.push(0);
        assert_eq!(me(value), want, "{value}");
        let msg = snapshot_of(vec![Change::Me {
            offset: ivec(value, 0),
        }]);
        assert_eq!(decode_server(&server_bytes(&msg)).unwrap(), msg);
    }
    // The doc's example, and y after x.
    assert_eq!(
        change_bytes(&Change::Me {
            offset: ivec(102_400, -1)
        }),
        [0, 252, 0x00, 0x20, 0x03, 0x00, 1]
    );
}

#[test]
fn signed_varints_wider_than_u32_are_refused() {
    // Me { offset.x: a u64 marker }.
    let e = malformed(decode_server(&[
        3, 0, 0, 0, 1, 0, 253, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ]));
    assert!(matches!(e, DecodeError::InvalidIntegerType { .. }), "{e:?}");
    // A shorter form than needed is tolerated, as for unsigned fields.
    let msg = decode_server(&[3, 0, 0, 0, 1, 0, 251, 3, 0, 0]).unwrap();
    assert_eq!(
        msg,
        snapshot_of(vec![Change::Me {
            offset: ivec(-2, 0)
        }])
    );
}

#[test]
fn change_sizes_are_as_documented() {
    let size = |change: Change| change_bytes(&change).len();
    let t0 = track(0, 0, 0, 0);
    let t_max = track(i32::MIN, i32::MIN, i32::MIN, i32::MIN);
    let (m, z) = (u32::MAX, ivec(i32::MIN, i32::MIN));
    let o = ivec(0, 0);
    let pairs = [
        (Change::Me { offset: o }, Change::Me { offset: z }, 3, 11),
        (
            Change::PlayerEnter {
                index: 0,
                track: t0,
                aim: 0,
                hp: 0,
                alive: false,
            },
            Change::PlayerEnter {
                index: m,
                track: t_max,
                aim: 255,
                hp: 255,
                alive: true,
            },
            9,
            29,
        ),
        (
            Change::PlayerHidden { index: 0 },
            Change::PlayerHidden { index: m },
            2,
            6,
        ),
        (
            Change::PlayerMotion {
                index: 0,
                offset: o,
                vel: o,
            },
            Change::ProjectileMotion {
                index: m,
                offset: z,
                vel: z,
            },
            6,
            26,
        ),
        (
            Change::Score {
                index: 0,
                kills: 0,
                deaths: 0,
            },
            Change::Score {
                index: m,
                kills: m,
                deaths: m,
            },
            4,
            16,
        ),
        (
            Change::ProjectileEnter {
                index: 0,
                owner: 0,
                track: t0,
            },
            Change::ProjectileEnter {
                index: m,
                owner: m,
                track: t_max,
            },
            7,
            31,
        ),
    ];
    for (small, large, min, max) in pairs {
        assert_eq!(size(small), min, "{small:?}");
        assert_eq!(size(large), max, "{large:?}");
    }
}

#[test]
fn bad_change_bytes_are_refused() {
    // The first tag past the last variant.
    let e = malformed(decode_server(&[3, 0, 0, 0, 1, CHANGE_VARIANTS as u8, 0]));
    assert!(matches!(e, DecodeError::OtherString(_)), "{e:?}");
    // PlayerHealth { index: 1, hp: 5, alive: <2> }.
    let e = malformed(decode_server(&[3, 0, 0, 0, 1, 5, 1, 5, 2]));
    assert!(matches!(e, DecodeError::InvalidBooleanValue(2)), "{e:?}");
    // PlayerEnter's alive comes last, after the track, aim and hp.
    let e = malformed(decode_server(&[
        3, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 7, 100, 0xff,
    ]));
    assert!(matches!(e, DecodeError::InvalidBooleanValue(0xff)), "{e:?}");
    // Two changes declared, one present.
    let e = malformed(decode_server(&[3, 0, 0, 0, 2, 9, 1]));
    assert!(matches!(e, DecodeError::UnexpectedEnd { .. }), "{e:?}");
    // One change declared, two present.
    assert!(matches!(
        decode_server(&[3, 0, 0, 0, 1, 9, 1, 9, 2]),
        Err(CodecError::TrailingBytes {
            used: 7,
            trailing: 2
        })
    ));
    // A version-3 snapshot (tick, last_input_seq, one player ...) reads as
    // tick, age, advance, then a change list that does not add up.
    let v3 = [3, 0xfb, 0xe8, 0x03, 0xfb, 0x2c, 0x01, 0x01, 0x00, 0x01];
    assert!(decode_server(&v3).is_err());
}

#[test]
fn every_truncation_of_a_delta_snapshot_is_unexpected_end() {
    let bytes = server_bytes(&ServerMsg::Snapshot(delta_snapshot()));
    assert!(bytes.len() > 100);
    for len in 0..bytes.len() {
        let e = malformed(decode_server(&bytes[..len]));
        assert!(
            matches!(e, DecodeError::UnexpectedEnd { .. }),
            "cut to {len}: {e:?}"
        );
    }
}

#[test]
fn garbage_changes_never_panic_the_decoder_or_apply() {
    // Random bytes after a valid snapshot header reach every change
    // decoder; whatever decodes must re-encode stably and apply (or be
    // refused) without panicking, against nothing or against a view.
    let held = WorldView::default()
        .apply(&snapshot(4, 4))
        .expect("a full snapshot applies");
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut decoded = 0;
    for _ in 0..20_000 {
        let count = (next() % 4) as u8;
        let age = [0, 1, 4][(next() % 3) as usize];
        let mut bytes = vec![3, 0xfb, 0x44, 0xe2, age, 7, count];
        let len = (next() % 40) as usize;
        bytes.extend((0..len).map(|_| {
            // Mostly small bytes, so tags and varints are often valid.
            let b = next();
            if b % 4 == 0 { b as u8 } else { (b % 12) as u8 }
        }));
        let Ok(msg) = decode_server(&bytes) else {
            continue;
        };
        decoded += 1;
        let again = server_bytes(&msg);
        assert_eq!(server_bytes(&decode_server(&again).unwrap()), again);
        let ServerMsg::Snapshot(snap) = msg else {
            panic!("a snapshot header decoded as another message");
        };
        let _ = WorldView::default().apply(&snap);
        let _ = held.apply(&snap);
    }
    assert!(decoded > 100, "only {decoded} inputs decoded");
}

#[test]
fn spliced_snapshots_equal_whole_ones() {
    for msg in every_server_msg() {
        let ServerMsg::Snapshot(snap) = &msg else {
            continue;
        };
        let parts: Vec<Vec<u8>> = snap.changes.iter().map(change_bytes).collect();
        let mut out = vec![0xaa];
        encode_snapshot_into(
            snap.tick,
            snap.baseline_age,
            snap.input_seq_advance,
            parts.len(),
            parts.iter().map(Vec::as_slice),
            &mut out,
        )
        .unwrap();
        assert_eq!(out[0], 0xaa, "appends");
        assert_eq!(out[1..], server_bytes(&msg), "{snap:?}");
    }
    // A count past the one-byte varint form (the header's empty list is one
    // byte, which the splice replaces).
    let snap = Snapshot {
        changes: vec![Change::ProjectileGone { index: 300 }; 251],
        ..delta_snapshot()
    };
    let part = change_bytes(&snap.changes[0]);
    let mut out = Vec::new();
    encode_snapshot_into(
        snap.tick,
        snap.baseline_age,
        snap.input_seq_advance,
        251,
        std::iter::repeat_n(part.as_slice(), 251),
        &mut out,
    )
    .unwrap();
    let msg = ServerMsg::Snapshot(snap);
    assert_eq!(out, server_bytes(&msg));
    assert_eq!(decode_server(&out).unwrap(), msg);
}

#[test]
fn a_spliced_snapshot_over_the_limit_fails_and_leaves_the_buffer_alone() {
    let part = change_bytes(&Change::PlayerHidden { index: 1 });
    let count = MAX_SERVER_MSG_BYTES / part.len() + 1;
    let mut out = vec![0xaa; 3];
    assert!(matches!(
        encode_snapshot_into(
            1,
            0,
            0,
            count,
            std::iter::repeat_n(part.as_slice(), count),
            &mut out
        ),
        Err(CodecError::TooLarge {
            max: MAX_SERVER_MSG_BYTES,
            ..
        })
    ));
    assert_eq!(out, [0xaa; 3]);
}

#[test]
fn a_snapshot_of_small_changes_near_the_limit_round_trips() {
    // Two-byte changes claim 8 bytes of bincode's decode budget each (tag
    // and index, both u32): the budget must allow a whole message of them.
    // Header: tag 1, tick 5, age 1, advance 5, count 5 bytes.
    let changes = vec![Change::PlayerHidden { index: 7 }; (MAX_SERVER_MSG_BYTES - 17) / 2];
    let msg = ServerMsg::Snapshot(Snapshot {
        tick: u32::MAX,
        baseline_age: 1,
        input_seq_advance: u32::MAX,
        changes,
    });
    let bytes = server_bytes(&msg);
    assert!(bytes.len() > MAX_SERVER_MSG_BYTES - 16, "{}", bytes.len());
    assert_eq!(decode_server(&bytes).unwrap(), msg);
}

// ---- the encoding rules the doc states ----------------------------------

#[test]
fn resume_tokens_are_sixteen_raw_bytes_without_a_length() {
    // Every byte value, varint markers included, is one byte of the token:
    // a fixed-size array has no length prefix and its u8s are not varints.
    for fill in [0u8, 1, 250, 251, 252, 253, 254, 255] {
        let token = ResumeToken([fill; 16]);
        let bytes = client_bytes(&ClientMsg::Resume {
            protocol_version: 0,
            token,
        });
        assert_eq!(bytes.len(), 2 + 16, "fill {fill}");
        assert_eq!(bytes[2..], [fill; 16]);
        assert_eq!(
            decode_client(&bytes).unwrap(),
            ClientMsg::Resume {
                protocol_version: 0,
                token
            }
        );
    }
    // 15 token bytes are too few; 17 are one too many.
    let mut bytes = vec![8, 2];
    bytes.extend_from_slice(&[7; 15]);
    let e = malformed(decode_client(&bytes));
    assert!(matches!(e, DecodeError::UnexpectedEnd { .. }), "{e:?}");
    bytes.extend_from_slice(&[7, 7]);
    assert!(matches!(
        decode_client(&bytes),
        Err(CodecError::TrailingBytes {
            used: 18,
            trailing: 1
        })
    ));
}

#[test]
fn unsigned_varints_switch_width_at_the_documented_thresholds() {
    let ping = |client_time| client_bytes(&ClientMsg::Ping { client_time })[1..].to_vec();
    assert_eq!(ping(0), [0]);
    assert_eq!(ping(250), [250]);
    assert_eq!(ping(251), [251, 251, 0]);
    assert_eq!(ping(0xffff), [251, 0xff, 0xff]);
    assert_eq!(ping(0x1_0000), [252, 0, 0, 1, 0]);
    assert_eq!(ping(0xffff_ffff), [252, 0xff, 0xff, 0xff, 0xff]);
    assert_eq!(ping(0x1_0000_0000), [253, 0, 0, 0, 0, 1, 0, 0, 0]);
    assert_eq!(
        ping(u64::MAX),
        [253, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
    );

    let hello = |protocol_version| {
        client_bytes(&ClientMsg::Hello {
            protocol_version,
            name: String::new(),
        })
    };
    assert_eq!(hello(250), [0, 250, 0]);
    assert_eq!(hello(0x1234), [0, 251, 0x34, 0x12, 0]);
}

#[test]
fn u8_and_bool_are_single_raw_bytes() {
    let bytes = client_bytes(&ClientMsg::CreateLobby {
        name: String::new(),
        max_players: 255,
        private: true,
    });
    assert_eq!(bytes, [2, 0, 0xff, 1]);
}

#[test]
fn floats_are_four_little_endian_bytes_x_before_y() {
    let bytes = client_bytes(&ClientMsg::Input(InputFrame {
        seq: 0,
        movement: Vec2::new(1.0, -2.0),
        aim: Vec2::new(f32::from_bits(0x7fc0_0001), f32::INFINITY),
        fire: false,
        hitscan: false,
        ack_tick: 0,
    }));
    assert_eq!(
        bytes,
        [
            6, 0, // tag, seq
            0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0, // movement
            0x01, 0x00, 0xc0, 0x7f, 0x00, 0x00, 0x80, 0x7f, // aim: a NaN payload survives
            0,    // fire
            0,    // hitscan
            0,    // ack_tick
        ]
    );
    let ClientMsg::Input(back) = decode_client(&bytes).unwrap() else {
        panic!("not an Input");
    };
    assert_eq!(back.aim.x.to_bits(), 0x7fc0_0001);
}

#[test]
fn non_canonical_varints_are_accepted() {
    // The doc tells encoders to write the shortest form but decoders (this
    // one included) to accept a wider one: protocol_version 1 as 251 01 00.
    assert_eq!(
        decode_client(&[0, 251, 1, 0, 0]).unwrap(),
        ClientMsg::Hello {
            protocol_version: 1,
            name: String::new()
        }
    );
}

#[test]
fn varints_wider_than_their_type_are_refused() {
    // u16 protocol_version with a u32 marker.
    let e = malformed(decode_client(&[0, 252, 1, 0, 0, 0, 0]));
    assert!(matches!(e, DecodeError::InvalidIntegerType { .. }), "{e:?}");
    // The variant index is a u32; a u64 marker is refused.
    let e = malformed(decode_client(&[253, 0, 0, 0, 0, 0, 0, 0, 0]));
    assert!(matches!(e, DecodeError::InvalidIntegerType { .. }), "{e:?}");
    // 254 (u128) and 255 are never valid here.
    for marker in [254, 255] {
        let e = malformed(decode_client(&[7, marker, 0, 0, 0, 0, 0, 0, 0, 0]));
        assert!(matches!(e, DecodeError::InvalidIntegerType { .. }), "{e:?}");
    }
}

// ---- bad input -----------------------------------------------------------

#[test]
fn empty_input_is_truncated() {
    assert!(matches!(
        malformed(decode_client(&[])),
        DecodeError::UnexpectedEnd { .. }
    ));
    assert!(matches!(
        malformed(decode_server(&[])),
        DecodeError::UnexpectedEnd { .. }
    ));
}

#[test]
fn every_truncation_of_every_sample_fails_as_unexpected_end() {
    for msg in every_client_msg() {
        let bytes = client_bytes(&msg);
        for len in 0..bytes.len() {
            let e = malformed(decode_client(&bytes[..len]));
            assert!(
                matches!(e, DecodeError::UnexpectedEnd { .. }),
                "{msg:?} cut to {len}: {e:?}"
            );
        }
    }
    for msg in every_server_msg() {
        let bytes = server_bytes(&msg);
        for len in 0..bytes.len() {
            let e = malformed(decode_server(&bytes[..len]));
            assert!(
                matches!(e, DecodeError::UnexpectedEnd { .. }),
                "{msg:?} cut to {len}: {e:?}"
            );
        }
    }
}

#[test]
fn trailing_bytes_are_refused() {
    for msg in every_client_msg() {
        let mut bytes = client_bytes(&msg);
        let used = bytes.len();
        bytes.push(0);
        assert!(
            matches!(
                decode_client(&bytes),
                Err(CodecError::TrailingBytes { used: u, trailing: 1 }) if u == used
            ),
            "{msg:?}"
        );
    }
    let mut bytes = server_bytes(&ServerMsg::Left);
    bytes.extend_from_slice(&[6, 6]);
    assert!(matches!(
        decode_server(&bytes),
        Err(CodecError::TrailingBytes {
            used: 1,
            trailing: 2
        })
    ));
}

#[test]
fn unknown_variant_tags_are_refused() {
    for tag in [CLIENT_VARIANTS as u8, CLIENT_VARIANTS as u8 + 1, 100, 250] {
        let e = malformed(decode_client(&[tag]));
        assert!(matches!(e, DecodeError::OtherString(_)), "tag {tag}: {e:?}");
    }
    // A large tag in its wide varint form is still just unknown.
    let e = malformed(decode_client(&[252, 0, 0, 0, 1]));
    assert!(matches!(e, DecodeError::OtherString(_)), "{e:?}");
    let e = malformed(decode_server(&[SERVER_VARIANTS as u8]));
    assert!(matches!(e, DecodeError::OtherString(_)), "{e:?}");
    // Nested enums: JoinTarget 2, and the first ErrorCode past the last.
    let e = malformed(decode_client(&[3, 2, 0]));
    assert!(matches!(e, DecodeError::OtherString(_)), "{e:?}");
    let e = malformed(decode_server(&[5, ALL_ERROR_CODES.len() as u8, 0]));
    assert!(matches!(e, DecodeError::OtherString(_)), "{e:?}");
}

#[test]
fn bool_and_option_tags_other_than_0_and_1_are_refused() {
    // CreateLobby { name: "", max_players: 4, private: <2> }.
    let e = malformed(decode_client(&[2, 0, 4, 2]));
    assert!(matches!(e, DecodeError::InvalidBooleanValue(2)), "{e:?}");
    let e = malformed(decode_client(&[2, 0, 4, 0xff]));
    assert!(matches!(e, DecodeError::InvalidBooleanValue(0xff)), "{e:?}");
    // Joined { lobby: 1, join_code: <2> ... }.
    let e = malformed(decode_server(&[2, 1, 2]));
    assert!(
        matches!(e, DecodeError::UnexpectedVariant { found: 2, .. }),
        "{e:?}"
    );
}

#[test]
fn invalid_utf8_is_refused() {
    // A lone continuation byte, an overlong '/', and a UTF-16 surrogate.
    for text in [&[0x80][..], &[0xc0, 0xaf], &[0xed, 0xa0, 0x80]] {
        let mut bytes = vec![0, 1, text.len() as u8];
        bytes.extend_from_slice(text);
        let e = malformed(decode_client(&bytes));
        assert!(matches!(e, DecodeError::Utf8 { .. }), "{text:x?}: {e:?}");
    }
}

#[test]
fn huge_declared_lengths_fail_without_allocating_them() {
    let cases: [(&str, &[u8]); 4] = [
        // CreateLobby whose name declares 4 GiB - 1 bytes: six bytes in all.
        ("u32 string length", &[2, 252, 0xff, 0xff, 0xff, 0xff]),
        // Hello whose name declares 2^63 bytes.
        ("u64 string length", &[0, 1, 253, 0, 0, 0, 0, 0, 0, 0, 0x80]),
        // A length just past what 512 bytes could hold.
        ("u16 string length", &[0, 1, 251, 0xff, 0xff]),
        (
            "u64::MAX length",
            &[0, 1, 253, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
        ),
    ];
    // The tracker does see allocations.
    let (_, control) = largest_alloc_during(|| std::hint::black_box(vec![0u8; 100_000]));
    assert!(control >= 100_000);

    for (what, bytes) in cases {
        let (result, largest) = largest_alloc_during(|| decode_client(bytes));
        let e = malformed(result);
        assert!(
            matches!(
                e,
                DecodeError::LimitExceeded | DecodeError::UnexpectedEnd { .. }
            ),
            "{what}: {e:?}"
        );
        assert!(largest < 16 * 1024, "{what}: allocated {largest} bytes");
    }

    // A client decoding a server's LobbyList, RosterUpdate or Snapshot that
    // declares billions of entries: bounded too, if by a larger budget.
    let cases: [(&str, &[u8]); 5] = [
        ("lobby list", &[1, 252, 0xff, 0xff, 0xff, 0xff]),
        ("roster update added", &[9, 252, 0xff, 0xff, 0xff, 0xff, 0]),
        (
            "roster update removed",
            &[9, 0, 252, 0xff, 0xff, 0xff, 0xff],
        ),
        // tick 0, baseline_age 0, input_seq_advance 0, then 2^32 changes.
        (
            "snapshot changes",
            &[3, 0, 0, 0, 253, 0, 0, 0, 0, 1, 0, 0, 0],
        ),
        (
            "error message",
            &[5, 0, 253, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
        ),
    ];
    for (what, bytes) in cases {
        let (result, largest) = largest_alloc_during(|| decode_server(bytes));
        let e = malformed(result);
        assert!(
            matches!(
                e,
                DecodeError::LimitExceeded | DecodeError::UnexpectedEnd { .. }
            ),
            "{what}: {e:?}"
        );
        assert!(largest <= 4 << 20, "{what}: allocated {largest} bytes");
    }
}

/// `Inputs` is the first list a client sends, and serde's `Vec` visitor
/// reserves what the declared count asks for, capped at 1 MiB, before
/// reading any frame: so a six-byte message makes the server allocate a
/// megabyte for a moment. Bounded, but by serde's cap rather than by the
/// 512-byte message; holding it to the limit above needs a `Vec` visitor in
/// `shared` that reserves at most `MAX_INPUTS_PER_MESSAGE`.
#[test]
fn a_huge_declared_input_count_reserves_no_more_than_a_full_batch() {
    let cases: [(&str, &[u8]); 2] = [
        // Inputs declaring 4 Gi - 1 frames, then 2^63.
        ("u32 input count", &[9, 252, 0xff, 0xff, 0xff, 0xff]),
        ("u64 input count", &[9, 253, 0, 0, 0, 0, 0, 0, 0, 0x80]),
    ];
    for (what, bytes) in cases {
        let (result, largest) = largest_alloc_during(|| decode_client(bytes));
        let e = malformed(result);
        assert!(
            matches!(e, DecodeError::UnexpectedEnd { .. }),
            "{what}: {e:?}"
        );
        // `Inputs` reserves room for at most MAX_INPUTS_PER_MESSAGE frames
        // up front (serde's default would reserve up to 1 MiB).
        assert!(largest < 16 * 1024, "{what}: allocated {largest} bytes");
    }
}

#[test]
fn oversized_input_is_refused_before_decoding() {
    let bytes = vec![1u8; MAX_CLIENT_MSG_BYTES + 1];
    assert!(matches!(
        decode_client(&bytes),
        Err(CodecError::TooLarge { len, max: MAX_CLIENT_MSG_BYTES }) if len == bytes.len()
    ));
    let bytes = vec![6u8; MAX_SERVER_MSG_BYTES + 1];
    assert!(matches!(
        decode_server(&bytes),
        Err(CodecError::TooLarge { len, max: MAX_SERVER_MSG_BYTES }) if len == bytes.len()
    ));
}

#[test]
fn a_message_of_exactly_the_limit_round_trips() {
    // tag + version + 3-byte length + name = 512.
    let name = "n".repeat(MAX_CLIENT_MSG_BYTES - 5);
    let msg = ClientMsg::Hello {
        protocol_version: 1,
        name,
    };
    let bytes = client_bytes(&msg);
    assert_eq!(bytes.len(), MAX_CLIENT_MSG_BYTES);
    assert_eq!(decode_client(&bytes).unwrap(), msg);
}

#[test]
fn a_server_message_near_the_limit_round_trips() {
    // Roster entries with empty names are 4 wire bytes but 24 bytes of
    // bincode's decode budget each: the case that budget must allow for.
    let players = (0..(MAX_SERVER_MSG_BYTES as u32 - 8) / 4)
        .map(|i| RosterEntry {
            entity: entity(i % 250, 0),
            player: PlayerId(0),
            name: String::new(),
        })
        .collect();
    let msg = ServerMsg::Roster { players };
    let bytes = server_bytes(&msg);
    assert!(bytes.len() > MAX_SERVER_MSG_BYTES - 16, "{}", bytes.len());
    assert_eq!(decode_server(&bytes).unwrap(), msg);
}

#[test]
fn a_roster_update_of_removals_near_the_limit_round_trips() {
    // A removed entity is 2 wire bytes but two u32s, 8 bytes of the decode
    // budget. Tag, an empty `added`, a 5-byte count: 7 bytes of header.
    let removed = (0..(MAX_SERVER_MSG_BYTES as u32 - 7) / 2)
        .map(|i| entity(i % 250, 0))
        .collect();
    let msg = ServerMsg::RosterUpdate {
        added: vec![],
        removed,
    };
    let bytes = server_bytes(&msg);
    assert!(bytes.len() > MAX_SERVER_MSG_BYTES - 16, "{}", bytes.len());
    assert_eq!(decode_server(&bytes).unwrap(), msg);
}

#[test]
fn encoding_over_the_limit_fails_and_leaves_the_buffer_alone() {
    let msg = ClientMsg::Hello {
        protocol_version: 1,
        name: "n".repeat(MAX_CLIENT_MSG_BYTES),
    };
    let mut out = vec![0xaa; 3];
    assert!(matches!(
        encode_client_into(&msg, &mut out),
        Err(CodecError::TooLarge {
            max: MAX_CLIENT_MSG_BYTES,
            ..
        })
    ));
    assert_eq!(out, [0xaa; 3]);
}

#[test]
fn encode_into_appends() {
    let mut out = vec![0xaa];
    encode_server_into(&ServerMsg::Left, &mut out).unwrap();
    encode_server_into(&ServerMsg::Left, &mut out).unwrap();
    assert_eq!(out, [0xaa, 6, 6]);
}

#[test]
fn deterministic_garbage_never_panics() {
    // A fixed xorshift stream, so a failure reproduces; proptest covers the
    // random case in `codec_props.rs`.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..20_000 {
        let len = (next() % 48) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        // Compared as bytes, since a decoded float may be NaN.
        if let Ok(msg) = decode_client(&bytes) {
            let again = client_bytes(&msg);
            assert_eq!(client_bytes(&decode_client(&again).unwrap()), again);
        }
        if let Ok(msg) = decode_server(&bytes) {
            let again = server_bytes(&msg);
            assert_eq!(server_bytes(&decode_server(&again).unwrap()), again);
        }
    }
}
