//! Property tests of the codec: arbitrary messages round-trip, and arbitrary
//! or mutated bytes never make a decoder panic. Floats are drawn from all
//! 2^32 bit patterns, NaNs included, so round trips are checked on the bytes
//! (bit for bit) and, where no NaN is involved, on the values too.
//!
//! Snapshots too: a snapshot spliced from separately encoded changes is the
//! same bytes as the whole message, and a view a client built from a full
//! snapshot and deltas is rebuilt exactly from its own full snapshot.

mod common;

use glam::{IVec2, Vec2};
use proptest::collection::vec;
use proptest::prelude::*;
use rallypoint_shared::codec::{MAX_CLIENT_MSG_BYTES, MAX_SERVER_MSG_BYTES};
use rallypoint_shared::snapshot::{ApplyError, Change, Track, WorldView};
use rallypoint_shared::*;

/// Any f32, including NaNs with payloads, infinities and subnormals.
fn any_f32() -> impl Strategy<Value = f32> {
    prop_oneof![
        any::<u32>().prop_map(f32::from_bits),
        -2000.0f32..2000.0,
        Just(0.0),
        Just(-0.0),
    ]
}

fn vec2() -> impl Strategy<Value = Vec2> {
    (any_f32(), any_f32()).prop_map(|(x, y)| Vec2::new(x, y))
}

/// Integers biased towards the varint thresholds, where bugs would live.
fn varint_u32() -> impl Strategy<Value = u32> {
    prop_oneof![any::<u32>(), 245u32..260, 65_530u32..65_540, Just(u32::MAX),]
}

fn varint_u64() -> impl Strategy<Value = u64> {
    prop_oneof![
        any::<u64>(),
        varint_u32().prop_map(u64::from),
        (u64::from(u32::MAX) - 3)..(u64::from(u32::MAX) + 3),
    ]
}

/// Names of up to 24 arbitrary chars: at most 96 bytes, so any client
/// message stays far below its limit.
fn name() -> impl Strategy<Value = String> {
    "\\PC{0,24}"
}

fn entity_id() -> impl Strategy<Value = EntityId> {
    (varint_u32(), varint_u32()).prop_map(|(index, generation)| EntityId { index, generation })
}

fn input_frame() -> impl Strategy<Value = InputFrame> {
    (
        varint_u32(),
        vec2(),
        vec2(),
        any::<bool>(),
        any::<bool>(),
        varint_u32(),
    )
        .prop_map(|(seq, movement, aim, fire, hitscan, ack_tick)| InputFrame {
            seq,
            movement,
            aim,
            fire,
            hitscan,
            ack_tick,
        })
}

/// Any token, plus tokens made only of varint markers or zeros, which a
/// decoder that wrongly read the token as varints or as a length-prefixed
/// list would trip on.
fn resume_token() -> impl Strategy<Value = ResumeToken> {
    prop_oneof![
        any::<[u8; 16]>(),
        (251u8..=255).prop_map(|b| [b; 16]),
        Just([0; 16]),
    ]
    .prop_map(ResumeToken)
}

fn client_msg() -> impl Strategy<Value = ClientMsg> {
    prop_oneof![
        (any::<u16>(), name()).prop_map(|(protocol_version, name)| ClientMsg::Hello {
            protocol_version,
            name
        }),
        Just(ClientMsg::ListLobbies),
        (name(), any::<u8>(), any::<bool>()).prop_map(|(name, max_players, private)| {
            ClientMsg::CreateLobby {
                name,
                max_players,
                private,
            }
        }),
        varint_u32().prop_map(|id| ClientMsg::JoinLobby(JoinTarget::Id(LobbyId(id)))),
        name().prop_map(|code| ClientMsg::JoinLobby(JoinTarget::Code(code))),
        Just(ClientMsg::QuickJoin),
        Just(ClientMsg::LeaveLobby),
        input_frame().prop_map(ClientMsg::Input),
        varint_u64().prop_map(|client_time| ClientMsg::Ping { client_time }),
        (any::<u16>(), resume_token()).prop_map(|(protocol_version, token)| ClientMsg::Resume {
            protocol_version,
            token
        }),
        // Batches the server takes and ones it refuses: the codec carries
        // any length that fits the message.
        vec(input_frame(), 0..=MAX_INPUTS_PER_MESSAGE + 2).prop_map(ClientMsg::Inputs),
    ]
}

/// Signed integers biased towards the zigzag varint thresholds: 125/-126
/// is the last one-byte pair, 32767/-32769 the last three-byte one.
fn varint_i32() -> impl Strategy<Value = i32> {
    prop_oneof![
        any::<i32>(),
        -130i32..130,
        -32_775i32..-32_760,
        32_760i32..32_775,
        Just(i32::MIN),
        Just(i32::MAX),
    ]
}

fn ivec2() -> impl Strategy<Value = IVec2> {
    (varint_i32(), varint_i32()).prop_map(|(x, y)| IVec2::new(x, y))
}

fn track() -> impl Strategy<Value = Track> {
    (ivec2(), ivec2()).prop_map(|(pos, vel)| Track { pos, vel })
}

/// Any change, its indices drawn from `index`: wide for the codec, a few
/// small ones when changes should meet the entities earlier ones made.
fn change(index: BoxedStrategy<u32>) -> impl Strategy<Value = Change> {
    let i = index;
    prop_oneof![
        ivec2().prop_map(|offset| Change::Me { offset }),
        (i.clone(), track(), any::<u8>(), any::<u8>(), any::<bool>()).prop_map(
            |(index, track, aim, hp, alive)| Change::PlayerEnter {
                index,
                track,
                aim,
                hp,
                alive,
            }
        ),
        i.clone().prop_map(|index| Change::PlayerHidden { index }),
        (i.clone(), ivec2(), ivec2()).prop_map(|(index, offset, vel)| Change::PlayerMotion {
            index,
            offset,
            vel
        }),
        (i.clone(), any::<u8>()).prop_map(|(index, aim)| Change::PlayerAim { index, aim }),
        (i.clone(), any::<u8>(), any::<bool>())
            .prop_map(|(index, hp, alive)| Change::PlayerHealth { index, hp, alive }),
        (i.clone(), varint_u32(), varint_u32()).prop_map(|(index, kills, deaths)| {
            Change::Score {
                index,
                kills,
                deaths,
            }
        }),
        i.clone().prop_map(|index| Change::PlayerLeft { index }),
        (i.clone(), i.clone(), track()).prop_map(|(index, owner, track)| {
            Change::ProjectileEnter {
                index,
                owner,
                track,
            }
        }),
        i.clone().prop_map(|index| Change::ProjectileGone { index }),
        (i, ivec2(), ivec2()).prop_map(|(index, offset, vel)| Change::ProjectileMotion {
            index,
            offset,
            vel
        }),
    ]
}

fn snapshot() -> impl Strategy<Value = Snapshot> {
    (
        varint_u32(),
        any::<u8>(),
        varint_u32(),
        vec(change(varint_u32().boxed()), 0..=96),
    )
        .prop_map(
            |(tick, baseline_age, input_seq_advance, changes)| Snapshot {
                tick,
                baseline_age,
                input_seq_advance,
                changes,
            },
        )
}

/// The changes a full snapshot is made of, for a handful of indices.
fn entering_change() -> impl Strategy<Value = Change> {
    let i = 0u32..6;
    prop_oneof![
        ivec2().prop_map(|offset| Change::Me { offset }),
        (i.clone(), track(), any::<u8>(), any::<u8>(), any::<bool>()).prop_map(
            |(index, track, aim, hp, alive)| Change::PlayerEnter {
                index,
                track,
                aim,
                hp,
                alive,
            }
        ),
        (i.clone(), varint_u32(), varint_u32()).prop_map(|(index, kills, deaths)| {
            Change::Score {
                index,
                kills,
                deaths,
            }
        }),
        (i.clone(), i, track()).prop_map(|(index, owner, track)| Change::ProjectileEnter {
            index,
            owner,
            track,
        }),
    ]
}

/// A view built the way a client builds one: an arbitrary full snapshot,
/// then deltas of a few ticks each, of arbitrary changes to the same
/// handful of indices (so that they meet the entities they name). Deltas
/// `apply` refuses are skipped, as a client would.
fn built_view() -> impl Strategy<Value = WorldView> {
    (
        varint_u32(),
        varint_u32(),
        vec(entering_change(), 0..24),
        vec(
            (1u8..=32, varint_u32(), vec(change((0u32..6).boxed()), 0..6)),
            0..8,
        ),
    )
        .prop_map(|(tick, seq, first, deltas)| {
            let full = Snapshot {
                tick,
                baseline_age: 0,
                input_seq_advance: seq,
                changes: first,
            };
            let mut view = WorldView::default()
                .apply(&full)
                .expect("entering changes cannot fail");
            for (age, advance, changes) in deltas {
                let delta = Snapshot {
                    tick: view.tick.wrapping_add(u32::from(age)),
                    baseline_age: age,
                    input_seq_advance: advance,
                    changes,
                };
                if let Ok(next) = view.apply(&delta) {
                    view = next;
                }
            }
            view
        })
}

fn rect() -> impl Strategy<Value = Rect> {
    (vec2(), vec2()).prop_map(|(min, max)| Rect { min, max })
}

fn roster_entry() -> impl Strategy<Value = RosterEntry> {
    (entity_id(), varint_u64(), name()).prop_map(|(entity, player, name)| RosterEntry {
        entity,
        player: PlayerId(player),
        name,
    })
}

fn server_msg() -> impl Strategy<Value = ServerMsg> {
    let lobby_info = (varint_u32(), name(), any::<u8>(), any::<u8>(), name()).prop_map(
        |(id, name, players, max_players, map)| LobbyInfo {
            id: LobbyId(id),
            name,
            players,
            max_players,
            map,
        },
    );
    let map = (name(), rect(), vec(rect(), 0..8)).prop_map(|(name, bounds, walls)| MapInfo {
        name,
        bounds,
        walls,
    });
    prop_oneof![
        (
            varint_u64(),
            any::<u16>(),
            any::<u16>(),
            any::<u16>(),
            varint_u32(),
            resume_token(),
            any::<u16>()
        )
            .prop_map(
                |(
                    player,
                    protocol_version,
                    tick_hz,
                    snapshot_hz,
                    max_message_bytes,
                    resume_token,
                    resume_grace_secs,
                )| ServerMsg::Welcome {
                    player: PlayerId(player),
                    protocol_version,
                    tick_hz,
                    snapshot_hz,
                    max_message_bytes,
                    resume_token,
                    resume_grace_secs,
                }
            ),
        vec(lobby_info, 0..8).prop_map(|lobbies| ServerMsg::LobbyList { lobbies }),
        (
            varint_u32(),
            proptest::option::of(name()),
            any::<u8>(),
            entity_id(),
            map,
            varint_u32()
        )
            .prop_map(|(lobby, join_code, max_players, entity, map, tick)| {
                ServerMsg::Joined {
                    lobby: LobbyId(lobby),
                    join_code,
                    max_players,
                    entity,
                    map,
                    tick,
                }
            }),
        snapshot().prop_map(ServerMsg::Snapshot),
        (varint_u64(), varint_u32())
            .prop_map(|(client_time, tick)| ServerMsg::Pong { client_time, tick }),
        (0..common::ALL_ERROR_CODES.len(), name()).prop_map(|(i, message)| ServerMsg::Error {
            code: common::ALL_ERROR_CODES[i],
            message,
        }),
        Just(ServerMsg::Left),
        vec(roster_entry(), 0..8).prop_map(|players| ServerMsg::Roster { players }),
        (name(), any::<u16>())
            .prop_map(|(reason, drain_secs)| ServerMsg::ShuttingDown { reason, drain_secs }),
        (vec(roster_entry(), 0..8), vec(entity_id(), 0..8))
            .prop_map(|(added, removed)| ServerMsg::RosterUpdate { added, removed }),
    ]
}

/// Whether a message may hold a NaN, which never equals itself: `Debug`
/// prints every float, a NaN as "NaN". A name containing "NaN" only skips
/// the value comparison; the byte comparison still runs.
fn has_nan(debug: &str) -> bool {
    debug.contains("NaN")
}

proptest! {
    #[test]
    fn client_messages_round_trip(msg in client_msg()) {
        let bytes = encode_client(&msg).unwrap();
        prop_assert!(bytes.len() <= MAX_CLIENT_MSG_BYTES);
        let back = decode_client(&bytes).unwrap();
        prop_assert_eq!(encode_client(&back).unwrap(), bytes);
        if !has_nan(&format!("{msg:?}")) {
            prop_assert_eq!(back, msg);
        }
    }

    #[test]
    fn inputs_round_trip_bit_for_bit(frame in input_frame()) {
        let bytes = encode_client(&ClientMsg::Input(frame)).unwrap();
        let ClientMsg::Input(back) = decode_client(&bytes).unwrap() else {
            panic!("an Input decoded as another message");
        };
        prop_assert_eq!(back.seq, frame.seq);
        prop_assert_eq!(back.fire, frame.fire);
        prop_assert_eq!(back.hitscan, frame.hitscan);
        prop_assert_eq!(back.ack_tick, frame.ack_tick);
        for (a, b) in [(back.movement, frame.movement), (back.aim, frame.aim)] {
            prop_assert_eq!(a.x.to_bits(), b.x.to_bits());
            prop_assert_eq!(a.y.to_bits(), b.y.to_bits());
        }
    }

    #[test]
    fn snapshots_round_trip(snapshot in snapshot()) {
        // No floats in a snapshot: values compare exactly.
        let msg = ServerMsg::Snapshot(snapshot);
        let mut bytes = Vec::new();
        encode_server_into(&msg, &mut bytes).unwrap();
        let back = decode_server(&bytes).unwrap();
        prop_assert_eq!(encode_server(&back).unwrap(), bytes);
        prop_assert_eq!(back, msg);
    }

    #[test]
    fn spliced_snapshots_are_the_whole_encoding(
        snapshot in snapshot(),
        prefix in vec(any::<u8>(), 0..4),
    ) {
        // Each change encoded on its own, as a server encodes a change once
        // for every client that gets it...
        let parts: Vec<Vec<u8>> = snapshot
            .changes
            .iter()
            .map(|change| {
                let mut part = Vec::new();
                encode_change_into(change, &mut part).unwrap();
                part
            })
            .collect();
        // ... then spliced after whatever the buffer already held.
        let mut out = prefix.clone();
        encode_snapshot_into(
            snapshot.tick,
            snapshot.baseline_age,
            snapshot.input_seq_advance,
            parts.len(),
            parts.iter().map(Vec::as_slice),
            &mut out,
        )
        .unwrap();
        prop_assert_eq!(&out[..prefix.len()], &prefix[..]);
        let msg = ServerMsg::Snapshot(snapshot);
        let whole = encode_server(&msg).unwrap();
        prop_assert_eq!(&out[prefix.len()..], &whole[..]);
        prop_assert_eq!(decode_server(&out[prefix.len()..]).unwrap(), msg);
    }

    #[test]
    fn a_view_round_trips_through_its_full_snapshot(
        view in built_view(),
        other in built_view(),
    ) {
        let full = view.to_full();
        prop_assert_eq!(full.baseline_age, 0);
        prop_assert_eq!(&WorldView::default().apply(&full).unwrap(), &view);
        // A full snapshot ignores whatever the client held ...
        prop_assert_eq!(&other.apply(&full).unwrap(), &view);
        // ... and survives the wire.
        let bytes = encode_server(&ServerMsg::Snapshot(full)).unwrap();
        let ServerMsg::Snapshot(back) = decode_server(&bytes).unwrap() else {
            panic!("a snapshot decoded as another message");
        };
        prop_assert_eq!(WorldView::default().apply(&back).unwrap(), view);
    }

    #[test]
    fn applying_any_delta_to_its_baseline_never_panics(
        view in built_view(),
        age in 1u8..=255,
        advance in varint_u32(),
        changes in vec(change((0u32..8).boxed()), 0..8),
    ) {
        let delta = Snapshot {
            tick: view.tick.wrapping_add(u32::from(age)),
            baseline_age: age,
            input_seq_advance: advance,
            changes,
        };
        match view.apply(&delta) {
            Ok(next) => {
                prop_assert_eq!(next.tick, delta.tick);
                prop_assert_eq!(next.last_input_seq, view.last_input_seq.wrapping_add(advance));
            }
            Err(ApplyError::UnknownEntity { index, .. }) => prop_assert!(index < 8),
            Err(e) => prop_assert!(false, "{}", e),
        }
    }

    #[test]
    fn server_messages_round_trip(msg in server_msg()) {
        let bytes = encode_server(&msg).unwrap();
        prop_assert!(bytes.len() <= MAX_SERVER_MSG_BYTES);
        let back = decode_server(&bytes).unwrap();
        prop_assert_eq!(encode_server(&back).unwrap(), bytes);
        if !has_nan(&format!("{msg:?}")) {
            prop_assert_eq!(back, msg);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..600)) {
        // Any result is fine; a decoded message must re-encode stably.
        if let Ok(msg) = decode_client(&bytes) {
            let again = encode_client(&msg).unwrap();
            prop_assert_eq!(encode_client(&decode_client(&again).unwrap()).unwrap(), again);
        }
        if let Ok(msg) = decode_server(&bytes) {
            let again = encode_server(&msg).unwrap();
            prop_assert_eq!(encode_server(&decode_server(&again).unwrap()).unwrap(), again);
        }
    }

    #[test]
    fn mutated_messages_never_panic(
        msg in server_msg(),
        edits in vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in any::<prop::sample::Index>(),
    ) {
        // Random bytes rarely get past the first tag; a valid message with a
        // few bytes changed and maybe cut short reaches every field decoder.
        let mut bytes = encode_server(&msg).unwrap();
        for (at, byte) in edits {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        bytes.truncate(cut.index(bytes.len() + 1));
        if let Ok(msg) = decode_server(&bytes) {
            let again = encode_server(&msg).unwrap();
            prop_assert_eq!(encode_server(&decode_server(&again).unwrap()).unwrap(), again);
        }
        // The same bytes as a client message.
        let _ = decode_client(&bytes);
    }
}
