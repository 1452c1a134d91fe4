//! Property tests of the codec: arbitrary messages round-trip, and arbitrary
//! or mutated bytes never make a decoder panic. Game payloads are arbitrary
//! bytes here (the envelope never looks inside them), plus arena-like
//! inputs whose floats are drawn from all 2^32 bit patterns, NaNs included,
//! so their round trips are checked bit for bit.
//!
//! Snapshots too: record heads round-trip through `write_record` and
//! `read_record`, a snapshot spliced from separately written records is the
//! same bytes as the whole message, and garbage read as records never
//! panics.

mod common;

use glam::{IVec2, Vec2};
use proptest::collection::vec;
use proptest::prelude::*;
use rallypoint_shared::codec::{MAX_CLIENT_MSG_BYTES, MAX_SERVER_MSG_BYTES};
use rallypoint_shared::snapshot::{MAX_KINDS, Record, Track, read_record, write_record};
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

/// A game's payload: short ones of any bytes, ones full of varint markers,
/// and ones whose length crosses the one-byte length form.
fn payload() -> impl Strategy<Value = Payload> {
    prop_oneof![
        vec(any::<u8>(), 0..24),
        vec(251u8..=255, 0..8),
        vec(any::<u8>(), 245..260),
    ]
    .prop_map(Payload)
}

/// A payload small enough for a batch of inputs to fit a client message.
fn small_payload() -> impl Strategy<Value = Payload> {
    vec(any::<u8>(), 0..24).prop_map(Payload)
}

/// An arena-like input payload (movement, aim, fire, hitscan): 18 bytes.
fn arena_payload() -> impl Strategy<Value = Payload> {
    (vec2(), vec2(), any::<bool>(), any::<bool>())
        .prop_map(|value| encode_payload(&value).expect("a tuple encodes"))
}

fn input(payload: impl Strategy<Value = Payload>) -> impl Strategy<Value = Input> {
    (varint_u32(), varint_u32(), payload).prop_map(|(seq, ack_tick, payload)| Input {
        seq,
        ack_tick,
        payload,
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

/// A join ticket: opaque bytes, up to the longest a server issues, full of
/// varint markers, or longer (which a server refuses, but the codec
/// carries).
fn ticket() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        vec(any::<u8>(), 0..=MAX_TICKET_BYTES),
        vec(251u8..=255, 0..8),
        vec(any::<u8>(), 245..300),
    ]
}

fn client_msg() -> impl Strategy<Value = ClientMsg> {
    prop_oneof![
        (any::<u16>(), name(), proptest::option::of(name())).prop_map(
            |(protocol_version, name, token)| ClientMsg::Hello {
                protocol_version,
                name,
                token,
            }
        ),
        Just(ClientMsg::ListLobbies),
        (name(), name(), any::<u8>(), any::<bool>()).prop_map(
            |(game, name, max_players, private)| ClientMsg::CreateLobby {
                game,
                name,
                max_players,
                private,
            }
        ),
        varint_u32().prop_map(|id| ClientMsg::JoinLobby(JoinTarget::Id(LobbyId(id)))),
        name().prop_map(|code| ClientMsg::JoinLobby(JoinTarget::Code(code))),
        ticket().prop_map(|ticket| ClientMsg::JoinLobby(JoinTarget::Ticket(ticket))),
        name().prop_map(|game| ClientMsg::QuickJoin { game }),
        Just(ClientMsg::LeaveLobby),
        input(prop_oneof![payload(), arena_payload()]).prop_map(ClientMsg::Input),
        varint_u64().prop_map(|client_time| ClientMsg::Ping { client_time }),
        (any::<u16>(), resume_token()).prop_map(|(protocol_version, token)| ClientMsg::Resume {
            protocol_version,
            token
        }),
        // Batches the server takes and ones it refuses: the codec carries
        // any length that fits the message.
        vec(input(small_payload()), 0..=MAX_INPUTS_PER_MESSAGE + 2).prop_map(ClientMsg::Inputs),
        payload().prop_map(ClientMsg::Game),
        varint_u32().prop_map(|tick| ClientMsg::Ack { tick }),
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

/// Any record head, of every kind a game may use.
fn record() -> impl Strategy<Value = Record> {
    let kind = 0..MAX_KINDS;
    let i = varint_u32;
    prop_oneof![
        ivec2().prop_map(|offset| Record::Me { offset }),
        i().prop_map(|key| Record::Row { key }),
        (i(), i()).prop_map(|(key, mask)| Record::RowUpdate { key, mask }),
        i().prop_map(|key| Record::RowGone { key }),
        Just(Record::Singleton),
        i().prop_map(|mask| Record::SingletonUpdate { mask }),
        Just(Record::SingletonGone),
        (kind.clone(), i(), track()).prop_map(|(kind, index, track)| Record::Enter {
            kind,
            index,
            track
        }),
        (kind.clone(), i()).prop_map(|(kind, index)| Record::EnterStill { kind, index }),
        (kind.clone(), i(), ivec2(), ivec2()).prop_map(|(kind, index, offset, vel)| {
            Record::Motion {
                kind,
                index,
                offset,
                vel,
            }
        }),
        (kind.clone(), i(), i()).prop_map(|(kind, index, mask)| Record::Update {
            kind,
            index,
            mask
        }),
        (kind.clone(), i()).prop_map(|(kind, index)| Record::Hidden { kind, index }),
        (kind, i()).prop_map(|(kind, index)| Record::Gone { kind, index }),
    ]
}

/// Record heads, each with the field bytes that follow it (any bytes: only
/// the game can read them).
fn samples() -> impl Strategy<Value = Vec<(Record, Vec<u8>)>> {
    vec((record(), vec(any::<u8>(), 0..6)), 0..=96)
}

fn snapshot_of(samples: Vec<(Record, Vec<u8>)>) -> impl Strategy<Value = Snapshot> {
    let records = common::records(&samples);
    (varint_u32(), any::<u8>(), varint_u32()).prop_map(move |(tick, baseline_age, advance)| {
        Snapshot {
            tick,
            baseline_age,
            input_seq_advance: advance,
            records: records.clone(),
        }
    })
}

fn snapshot() -> impl Strategy<Value = Snapshot> {
    prop_oneof![
        samples().prop_flat_map(snapshot_of),
        // Records the envelope carries without reading them: any bytes.
        (varint_u32(), any::<u8>(), varint_u32(), payload()).prop_map(
            |(tick, baseline_age, input_seq_advance, records)| Snapshot {
                tick,
                baseline_age,
                input_seq_advance,
                records,
            }
        ),
    ]
}

fn entity_ref() -> impl Strategy<Value = EntityRef> {
    (any::<u8>(), varint_u32(), varint_u32()).prop_map(|(kind, index, generation)| EntityRef {
        kind,
        index,
        generation,
    })
}

fn roster_entry() -> impl Strategy<Value = RosterEntry> {
    (varint_u64(), name(), proptest::option::of(entity_ref())).prop_map(|(player, name, avatar)| {
        RosterEntry {
            player: PlayerId(player),
            name,
            avatar,
        }
    })
}

fn lobby_info() -> impl Strategy<Value = LobbyInfo> {
    (
        varint_u32(),
        name(),
        name(),
        any::<u8>(),
        any::<u8>(),
        name(),
    )
        .prop_map(|(id, game, name, players, max_players, label)| LobbyInfo {
            id: LobbyId(id),
            game,
            name,
            players,
            max_players,
            label,
        })
}

fn welcome() -> impl Strategy<Value = ServerMsg> {
    (
        (varint_u64(), any::<u16>(), any::<u16>(), any::<u16>()),
        (
            varint_u32(),
            resume_token(),
            any::<u16>(),
            vec(name(), 0..4),
        ),
    )
        .prop_map(
            |(
                (player, protocol_version, tick_hz, snapshot_hz),
                (max_message_bytes, resume_token, resume_grace_secs, games),
            )| ServerMsg::Welcome {
                player: PlayerId(player),
                protocol_version,
                tick_hz,
                snapshot_hz,
                max_message_bytes,
                resume_token,
                resume_grace_secs,
                games,
            },
        )
}

fn joined() -> impl Strategy<Value = ServerMsg> {
    (
        (varint_u32(), name(), proptest::option::of(name())),
        (any::<u8>(), proptest::option::of(entity_ref())),
        (varint_u32(), payload()),
    )
        .prop_map(
            |((lobby, game, join_code), (max_players, avatar), (tick, info))| ServerMsg::Joined {
                lobby: LobbyId(lobby),
                game,
                join_code,
                max_players,
                avatar,
                tick,
                info,
            },
        )
}

fn server_msg() -> impl Strategy<Value = ServerMsg> {
    prop_oneof![
        welcome(),
        vec(lobby_info(), 0..8).prop_map(|lobbies| ServerMsg::LobbyList { lobbies }),
        joined(),
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
        (vec(roster_entry(), 0..8), vec(varint_u64(), 0..8)).prop_map(|(added, removed)| {
            ServerMsg::RosterUpdate {
                added,
                removed: removed.into_iter().map(PlayerId).collect(),
            }
        }),
        payload().prop_map(ServerMsg::Event),
        (name(), name(), ticket()).prop_map(|(node, url, ticket)| ServerMsg::Redirect {
            node,
            url,
            ticket
        }),
        name().prop_map(|text| ServerMsg::Notice { text }),
    ]
}

/// Reads record heads from `bytes` until they end or one fails; each head
/// read must re-encode to one that reads back the same.
fn read_heads(bytes: &[u8]) -> Result<usize, TestCaseError> {
    let mut reader = Reader::new(bytes);
    let mut heads = 0;
    while !reader.is_empty() {
        let Ok(head) = read_record(&mut reader) else {
            break;
        };
        heads += 1;
        let mut again = Vec::new();
        write_record(&head, &mut again).unwrap();
        prop_assert_eq!(read_record(&mut Reader::new(&again)).unwrap(), head);
    }
    Ok(heads)
}

proptest! {
    #[test]
    fn client_messages_round_trip(msg in client_msg()) {
        // No floats in the envelope: values compare exactly.
        let bytes = encode_client(&msg).unwrap();
        prop_assert!(bytes.len() <= MAX_CLIENT_MSG_BYTES);
        let back = decode_client(&bytes).unwrap();
        prop_assert_eq!(encode_client(&back).unwrap(), bytes);
        prop_assert_eq!(back, msg);
    }

    #[test]
    fn arena_like_inputs_round_trip_bit_for_bit(
        frame in input(arena_payload()),
        value in (vec2(), vec2(), any::<bool>(), any::<bool>()),
    ) {
        let bytes = encode_client(&ClientMsg::Input(frame.clone())).unwrap();
        prop_assert_eq!(decode_client(&bytes).unwrap(), ClientMsg::Input(frame));
        // The game's own payload, floats and all, survives its codec.
        let payload = encode_payload(&value).unwrap();
        prop_assert_eq!(payload.0.len(), 18);
        let back: (Vec2, Vec2, bool, bool) = decode_payload(&payload.0).unwrap();
        prop_assert_eq!((back.2, back.3), (value.2, value.3));
        for (a, b) in [(back.0, value.0), (back.1, value.1)] {
            prop_assert_eq!(a.x.to_bits(), b.x.to_bits());
            prop_assert_eq!(a.y.to_bits(), b.y.to_bits());
        }
    }

    #[test]
    fn record_heads_round_trip(samples in samples()) {
        let mut bytes = Vec::new();
        for (head, _) in &samples {
            let start = bytes.len();
            write_record(head, &mut bytes).unwrap();
            // One byte of tag, whatever follows.
            prop_assert_eq!(u32::from(bytes[start]), common::record_tag(head));
            prop_assert!(bytes[start] < 251);
        }
        let mut reader = Reader::new(&bytes);
        for (head, _) in &samples {
            prop_assert_eq!(read_record(&mut reader).unwrap(), *head);
        }
        prop_assert!(reader.is_empty());
    }

    #[test]
    fn snapshots_round_trip(snapshot in snapshot()) {
        let msg = ServerMsg::Snapshot(snapshot);
        let mut bytes = Vec::new();
        encode_server_into(&msg, &mut bytes).unwrap();
        let back = decode_server(&bytes).unwrap();
        prop_assert_eq!(encode_server(&back).unwrap(), bytes);
        prop_assert_eq!(back, msg);
    }

    #[test]
    fn spliced_snapshots_are_the_whole_encoding(
        samples in samples(),
        header in (varint_u32(), any::<u8>(), varint_u32()),
        prefix in vec(any::<u8>(), 0..4),
    ) {
        // Each head and its fields written on their own, as a server writes
        // a record once for every client that gets it...
        let mut parts = Vec::new();
        for (head, fields) in &samples {
            let mut part = Vec::new();
            write_record(head, &mut part).unwrap();
            parts.push(part);
            parts.push(fields.clone());
        }
        let len = parts.iter().map(Vec::len).sum();
        // ... then spliced after whatever the buffer already held.
        let (tick, baseline_age, input_seq_advance) = header;
        let mut out = prefix.clone();
        encode_snapshot_into(
            tick,
            baseline_age,
            input_seq_advance,
            len,
            parts.iter().map(Vec::as_slice),
            &mut out,
        )
        .unwrap();
        prop_assert_eq!(&out[..prefix.len()], &prefix[..]);
        let msg = ServerMsg::Snapshot(Snapshot {
            tick,
            baseline_age,
            input_seq_advance,
            records: common::records(&samples),
        });
        let whole = encode_server(&msg).unwrap();
        prop_assert_eq!(&out[prefix.len()..], &whole[..]);
        prop_assert_eq!(decode_server(&out[prefix.len()..]).unwrap(), msg);
    }

    #[test]
    fn server_messages_round_trip(msg in server_msg()) {
        let bytes = encode_server(&msg).unwrap();
        prop_assert!(bytes.len() <= MAX_SERVER_MSG_BYTES);
        let back = decode_server(&bytes).unwrap();
        prop_assert_eq!(encode_server(&back).unwrap(), bytes);
        prop_assert_eq!(back, msg);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..600)) {
        // Any result is fine; a decoded message must re-encode stably.
        if let Ok(msg) = decode_client(&bytes) {
            let again = encode_client(&msg).unwrap();
            prop_assert_eq!(decode_client(&again).unwrap(), msg);
        }
        if let Ok(msg) = decode_server(&bytes) {
            let again = encode_server(&msg).unwrap();
            prop_assert_eq!(decode_server(&again).unwrap(), msg);
        }
        // The same bytes as records, as a game's payload and as values.
        read_heads(&bytes)?;
        if let Ok(payload) = decode_payload::<Payload>(&bytes) {
            let again = encode_payload(&payload).unwrap();
            prop_assert_eq!(decode_payload::<Payload>(&again.0).unwrap(), payload);
        }
        let mut reader = Reader::new(&bytes);
        while reader.read::<(u32, String)>().is_ok() {}
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
            prop_assert_eq!(decode_server(&again).unwrap(), msg);
        }
        // The same bytes as a client message.
        let _ = decode_client(&bytes);
    }

    #[test]
    fn mutated_records_never_panic(
        samples in samples(),
        edits in vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in any::<prop::sample::Index>(),
    ) {
        // Valid records with a few bytes changed and maybe cut short reach
        // every head's fields; reading stops at the first that fails.
        let mut bytes = common::records(&samples).0;
        if !bytes.is_empty() {
            for (at, byte) in edits {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
        }
        bytes.truncate(cut.index(bytes.len() + 1));
        read_heads(&bytes)?;
    }
}
