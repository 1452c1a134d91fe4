//! The encoding rules `docs/PROTOCOL.md` states for every message (raw
//! token bytes, varint thresholds and widths, raw u8 and bool, little-endian
//! floats in game payloads), and the byte limits in both directions: what
//! fits round-trips, what does not is refused and leaves the buffer alone.

mod common;

use bincode::error::DecodeError;
use common::*;
use glam::Vec2;
use rallypoint_shared::codec::{MAX_CLIENT_MSG_BYTES, MAX_SERVER_MSG_BYTES};
use rallypoint_shared::*;

// ---- the encoding rules the doc states ----------------------------------

#[test]
fn resume_tokens_are_sixteen_raw_bytes_without_a_length() {
    // Every byte value, varint markers included, is one byte of the token:
    // a fixed-size array has no length prefix and its u8s are not varints.
    for fill in [0u8, 1, 250, 251, 252, 253, 254, 255] {
        let token = ResumeToken([fill; 16]);
        let msg = ClientMsg::Resume {
            protocol_version: 0,
            token,
        };
        let bytes = client_bytes(&msg);
        assert_eq!(bytes.len(), 2 + 16, "fill {fill}");
        assert_eq!(bytes[2..], [fill; 16]);
        assert_eq!(decode_client(&bytes).unwrap(), msg);
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
            token: None,
        })
    };
    assert_eq!(hello(250), [0, 250, 0, 0]);
    assert_eq!(hello(0x1234), [0, 251, 0x34, 0x12, 0, 0]);
}

#[test]
fn u8_and_bool_are_single_raw_bytes() {
    let bytes = client_bytes(&ClientMsg::CreateLobby {
        game: String::new(),
        name: String::new(),
        max_players: 255,
        private: true,
    });
    assert_eq!(bytes, [2, 0, 0, 0xff, 1]);
}

#[test]
fn floats_are_four_little_endian_bytes_x_before_y() {
    // Floats live in game payloads now; they use the envelope's encoding.
    let value = (
        Vec2::new(1.0, -2.0),
        Vec2::new(f32::from_bits(0x7fc0_0001), f32::INFINITY),
    );
    let payload = encode_payload(&value).unwrap();
    assert_eq!(
        payload.0,
        [
            0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0, // 1.0, -2.0
            0x01, 0x00, 0xc0, 0x7f, 0x00, 0x00, 0x80, 0x7f, // a NaN payload survives
        ]
    );
    let (_, back) = decode_payload::<(Vec2, Vec2)>(&payload.0).unwrap();
    assert_eq!(back.x.to_bits(), 0x7fc0_0001);
}

#[test]
fn non_canonical_varints_are_accepted() {
    // The doc tells encoders to write the shortest form but decoders (this
    // one included) to accept a wider one: protocol_version 1 as 251 01 00.
    assert_eq!(
        decode_client(&[0, 251, 1, 0, 0, 0]).unwrap(),
        ClientMsg::Hello {
            protocol_version: 1,
            name: String::new(),
            token: None,
        }
    );
    // A payload's length too: two bytes declared as 251 02 00.
    assert_eq!(
        decode_client(&[10, 251, 2, 0, 7, 8]).unwrap(),
        ClientMsg::Game(Payload(vec![7, 8]))
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
    // Ack's tick is a u32 too.
    let e = malformed(decode_client(&[11, 253, 0, 0, 0, 0, 0, 0, 0, 0]));
    assert!(matches!(e, DecodeError::InvalidIntegerType { .. }), "{e:?}");
    // 254 (u128) and 255 are never valid here.
    for marker in [254, 255] {
        let e = malformed(decode_client(&[7, marker, 0, 0, 0, 0, 0, 0, 0, 0]));
        assert!(matches!(e, DecodeError::InvalidIntegerType { .. }), "{e:?}");
    }
}

// ---- limits --------------------------------------------------------------

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
    let name = "n".repeat(MAX_CLIENT_MSG_BYTES - 6);
    let msg = ClientMsg::Hello {
        protocol_version: 1,
        name,
        token: None,
    };
    let bytes = client_bytes(&msg);
    assert_eq!(bytes.len(), MAX_CLIENT_MSG_BYTES);
    assert_eq!(decode_client(&bytes).unwrap(), msg);
    // The same for a game message: tag + 3-byte length + payload.
    let msg = ClientMsg::Game(Payload(vec![0; MAX_CLIENT_MSG_BYTES - 4]));
    let bytes = client_bytes(&msg);
    assert_eq!(bytes.len(), MAX_CLIENT_MSG_BYTES);
    assert_eq!(decode_client(&bytes).unwrap(), msg);
}

#[test]
fn a_batch_of_empty_inputs_at_the_limit_round_trips() {
    // An input with an empty payload is 3 wire bytes but claims 16 bytes
    // of bincode's decode budget (two u32s and a u64 length).
    let count = (MAX_CLIENT_MSG_BYTES - 4) / 3;
    let inputs = (0..count as u32)
        .map(|seq| Input {
            seq: seq % 250,
            ack_tick: 0,
            payload: Payload::default(),
        })
        .collect();
    let msg = ClientMsg::Inputs(inputs);
    let bytes = client_bytes(&msg);
    assert!(bytes.len() > MAX_CLIENT_MSG_BYTES - 4, "{}", bytes.len());
    assert_eq!(decode_client(&bytes).unwrap(), msg);
}

#[test]
fn a_server_message_near_the_limit_round_trips() {
    // Roster entries with empty names and no avatar are 3 wire bytes but
    // 17 bytes of bincode's decode budget each.
    let players = (0..(MAX_SERVER_MSG_BYTES as u64 - 8) / 3)
        .map(|i| RosterEntry {
            player: PlayerId(i % 250),
            name: String::new(),
            avatar: None,
        })
        .collect();
    let msg = ServerMsg::Roster { players };
    let bytes = server_bytes(&msg);
    assert!(bytes.len() > MAX_SERVER_MSG_BYTES - 16, "{}", bytes.len());
    assert_eq!(decode_server(&bytes).unwrap(), msg);
}

#[test]
fn a_roster_update_of_removals_near_the_limit_round_trips() {
    // A removed player is 1 wire byte but a u64, 8 bytes of the decode
    // budget: the most any value claims per wire byte. Tag, an empty
    // `added`, a 5-byte count: 7 bytes of header.
    let removed = (0..(MAX_SERVER_MSG_BYTES as u64 - 7))
        .map(|i| PlayerId(i % 250))
        .collect();
    let msg = ServerMsg::RosterUpdate {
        added: vec![],
        removed,
    };
    let bytes = server_bytes(&msg);
    assert_eq!(bytes.len(), MAX_SERVER_MSG_BYTES);
    assert_eq!(decode_server(&bytes).unwrap(), msg);
}

#[test]
fn encoding_over_the_limit_fails_and_leaves_the_buffer_alone() {
    let msg = ClientMsg::Hello {
        protocol_version: 1,
        name: "n".repeat(MAX_CLIENT_MSG_BYTES),
        token: None,
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
    let msg = ServerMsg::Event(Payload(vec![0; MAX_SERVER_MSG_BYTES]));
    assert!(matches!(
        encode_server_into(&msg, &mut out),
        Err(CodecError::TooLarge {
            max: MAX_SERVER_MSG_BYTES,
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
    encode_client_into(&ClientMsg::Ack { tick: 1 }, &mut out).unwrap();
    assert_eq!(out, [0xaa, 6, 6, 11, 1]);
    encode_value_into(&300u32, &mut out).unwrap();
    assert_eq!(out, [0xaa, 6, 6, 11, 1, 251, 0x2c, 0x01]);
}
