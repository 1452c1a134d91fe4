//! The codec against the envelope's wire format (`docs/PROTOCOL.md`):
//! every message round-trips with its tag, each message's fields have the
//! documented layout. The encoding rules and the byte limits are in
//! `codec_encoding.rs`; snapshots and their records in `codec_snapshots.rs`
//! and `codec_splice.rs`; `Reader` and game payloads in `codec_reader.rs`;
//! bad input in `codec_bad_input.rs`; properties in `codec_props.rs`.

mod common;

use std::collections::BTreeSet;

use bincode::error::DecodeError;
use common::*;
use glam::Vec2;
use rallypoint_shared::codec::MAX_CLIENT_MSG_BYTES;
use rallypoint_shared::*;

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
    // v5's one new code comes after all of v4's, and v6's after v5's.
    assert_eq!(error_code_number(ErrorCode::JoinRefused), 12);
    assert_eq!(error_code_number(ErrorCode::TicketRejected), 13);
}

// ---- the documented layout of each message ------------------------------

#[test]
fn join_targets_and_options_are_tagged() {
    let by_id = client_bytes(&ClientMsg::JoinLobby(JoinTarget::Id(LobbyId(7))));
    assert_eq!(by_id, [3, 0, 7]);
    let by_code = client_bytes(&ClientMsg::JoinLobby(JoinTarget::Code("AB".into())));
    assert_eq!(by_code, [3, 1, 2, b'A', b'B']);
    // A ticket is a byte vector: a length, then raw bytes (251 is a byte
    // here, not a varint marker).
    let by_ticket = client_bytes(&ClientMsg::JoinLobby(JoinTarget::Ticket(vec![
        0xaa, 251, 0,
    ])));
    assert_eq!(by_ticket, [3, 2, 3, 0xaa, 251, 0]);

    let joined = |join_code, avatar| ServerMsg::Joined {
        lobby: LobbyId(1),
        game: "a".into(),
        join_code,
        max_players: 2,
        avatar,
        tick: 0,
        info: Payload::default(),
    };
    let none = server_bytes(&joined(None, None));
    assert_eq!(none, [2, 1, 1, b'a', 0, 2, 0, 0, 0], "None is the byte 0");
    let some = server_bytes(&joined(Some("Q".into()), Some(avatar(3, 1))));
    assert_eq!(
        some,
        [2, 1, 1, b'a', 1, 1, b'Q', 2, 1, 0, 3, 1, 0, 0],
        "Some is 1 then the value"
    );
    assert_eq!(decode_server(&none).unwrap(), joined(None, None));
    assert_eq!(
        decode_server(&some).unwrap(),
        joined(Some("Q".into()), Some(avatar(3, 1)))
    );
}

#[test]
fn input_is_seq_then_ack_tick_then_the_payload() {
    let input = |seq, ack_tick, payload: &[u8]| {
        ClientMsg::Input(Input {
            seq,
            ack_tick,
            payload: Payload(payload.to_vec()),
        })
    };
    assert_eq!(client_bytes(&input(7, 0, &[])), [6, 7, 0, 0]);
    // Both are u32 varints; the payload is a length, then raw bytes (251
    // here is a payload byte, not a varint marker).
    let bytes = client_bytes(&input(7, 1000, &[251, 0]));
    assert_eq!(bytes, [6, 7, 251, 0xe8, 0x03, 2, 251, 0]);
    assert_eq!(decode_client(&bytes).unwrap(), input(7, 1000, &[251, 0]));
    // A payload of 251 bytes or more has a wide length.
    let long = client_bytes(&input(0, 0, &[9; 300]));
    assert_eq!(long[..6], [6, 0, 0, 251, 0x2c, 0x01]);
    assert_eq!(long.len(), 6 + 300);
    // Arena's input is 18 bytes of payload: 22 bytes in all for small
    // seq and ack_tick.
    assert_eq!(client_bytes(&ClientMsg::Input(input_of(1, 2))).len(), 22);

    // A v4 Input (seq, two vectors, fire, hitscan, ack_tick) reads as
    // seq 7, ack_tick 0 and an empty payload, and then has 17 bytes left.
    let mut v4 = vec![6, 7];
    v4.extend_from_slice(&[0; 16]);
    v4.extend_from_slice(&[0, 1, 0]);
    assert!(matches!(
        decode_client(&v4),
        Err(CodecError::TrailingBytes {
            used: 4,
            trailing: 17
        })
    ));
}

/// An input with arena's 18-byte payload.
fn input_of(seq: u32, ack_tick: u32) -> Input {
    Input {
        seq,
        ack_tick,
        ..input(0)
    }
}

#[test]
fn inputs_is_a_count_then_inputs() {
    // One input as Input writes it, without Input's tag.
    let input_bytes = |i: &Input| client_bytes(&ClientMsg::Input(i.clone()))[1..].to_vec();
    let batch = vec![input_of(7, 40), input_of(8, 1000)];
    let mut expected = vec![9, 2];
    expected.extend(input_bytes(&batch[0]));
    expected.extend(input_bytes(&batch[1]));
    assert_eq!(expected.len(), 2 + 21 + 23);
    assert_eq!(client_bytes(&ClientMsg::Inputs(batch.clone())), expected);
    assert_eq!(decode_client(&expected).unwrap(), ClientMsg::Inputs(batch));
    // The count is a varint (a u64 length) like any list's; an empty batch
    // is two bytes, and refused by the server, not by the codec.
    assert_eq!(client_bytes(&ClientMsg::Inputs(Vec::new())), [9, 0]);
    // A count beyond the inputs that follow is truncated.
    expected[1] = 3;
    let e = malformed(decode_client(&expected));
    assert!(matches!(e, DecodeError::UnexpectedEnd { .. }), "{e:?}");
    // The most the server takes, with arena's payload and seq and ack_tick
    // at their widest, is far below the client message limit.
    let widest = input_of(u32::MAX, u32::MAX);
    let full = client_bytes(&ClientMsg::Inputs(vec![widest; MAX_INPUTS_PER_MESSAGE]));
    assert_eq!(full.len(), 2 + MAX_INPUTS_PER_MESSAGE * (5 + 5 + 1 + 18));
    assert!(full.len() < MAX_CLIENT_MSG_BYTES / 2);
}

#[test]
fn game_ack_and_event_carry_a_payload_or_a_tick() {
    let game = ClientMsg::Game(Payload(vec![0, 3]));
    assert_eq!(client_bytes(&game), [10, 2, 0, 3]);
    assert_eq!(decode_client(&[10, 2, 0, 3]).unwrap(), game);
    assert_eq!(client_bytes(&ClientMsg::Game(Payload::default())), [10, 0]);
    let long = client_bytes(&ClientMsg::Game(Payload(vec![0xfb; 300])));
    assert_eq!(long[..4], [10, 251, 0x2c, 0x01]);
    assert_eq!(long[4..], [0xfb; 300]);

    assert_eq!(client_bytes(&ClientMsg::Ack { tick: 0 }), [11, 0]);
    let ack = ClientMsg::Ack { tick: 1000 };
    assert_eq!(client_bytes(&ack), [11, 251, 0xe8, 0x03]);
    assert_eq!(decode_client(&[11, 251, 0xe8, 0x03]).unwrap(), ack);

    let event = ServerMsg::Event(Payload(vec![0, 1, 2]));
    assert_eq!(server_bytes(&event), [10, 3, 0, 1, 2]);
    assert_eq!(decode_server(&[10, 3, 0, 1, 2]).unwrap(), event);
    assert_eq!(server_bytes(&ServerMsg::Event(Payload::default())), [10, 0]);
}

#[test]
fn a_payload_is_exactly_a_byte_vector() {
    // The envelope's bytes are bincode's `Vec<u8>`, so a game (or another
    // language's client) can treat them as one.
    for len in [0usize, 1, 250, 251, 300, 70_000] {
        let bytes: Vec<u8> = (0..len).map(|i| i as u8).collect();
        let (mut as_payload, mut as_vec) = (Vec::new(), Vec::new());
        encode_value_into(&Payload(bytes.clone()), &mut as_payload).unwrap();
        encode_value_into(&bytes, &mut as_vec).unwrap();
        assert_eq!(as_payload, as_vec, "{len}");
        assert_eq!(decode_payload::<Payload>(&as_vec).unwrap(), Payload(bytes));
    }
}

#[test]
fn payloads_encode_a_games_values_as_the_envelope_does() {
    let value = (Vec2::new(1.0, -2.0), 300u32, true, "hi".to_string());
    let payload = encode_payload(&value).unwrap();
    let mut expected = vec![0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0];
    expected.extend_from_slice(&[251, 0x2c, 0x01, 1, 2, b'h', b'i']);
    assert_eq!(payload.0, expected);
    assert_eq!(
        decode_payload::<(Vec2, u32, bool, String)>(&payload.0).unwrap(),
        value
    );
}

#[test]
fn welcome_ends_with_the_games() {
    let welcome = |resume_grace_secs, games: &[&str]| ServerMsg::Welcome {
        player: PlayerId(42),
        protocol_version: 6,
        tick_hz: 30,
        snapshot_hz: 15,
        max_message_bytes: 512,
        resume_token: token(),
        resume_grace_secs,
        games: games.iter().map(|g| g.to_string()).collect(),
    };
    let mut expected = vec![0, 42, 6, 30, 15, 251, 0x00, 0x02];
    expected.extend_from_slice(&token().0);
    expected.push(20);
    let v4 = expected.clone();
    expected.extend_from_slice(&[
        2, 5, b'a', b'r', b'e', b'n', b'a', 4, b'f', b'o', b'u', b'r',
    ]);
    let msg = welcome(20, &["arena", "four"]);
    assert_eq!(server_bytes(&msg), expected);
    assert_eq!(decode_server(&expected).unwrap(), msg);
    // The grace is a u16 varint; an empty list of games is one byte.
    let mut wide = v4[..v4.len() - 1].to_vec();
    wide.extend_from_slice(&[251, 0x2c, 0x01, 0]);
    assert_eq!(server_bytes(&welcome(300, &[])), wide);
    assert_eq!(decode_server(&wide).unwrap(), welcome(300, &[]));
    // A v4 Welcome, which ended at the grace, is now truncated.
    let e = malformed(decode_server(&v4));
    assert!(matches!(e, DecodeError::UnexpectedEnd { .. }), "{e:?}");
}

#[test]
fn joined_is_lobby_game_code_max_avatar_tick_info() {
    let msg = ServerMsg::Joined {
        lobby: LobbyId(3),
        game: "four".into(),
        join_code: Some("K7".into()),
        max_players: 251,
        avatar: Some(EntityRef {
            kind: 251,
            index: 300,
            generation: 2,
        }),
        tick: 1000,
        info: Payload(vec![9, 251]),
    };
    let expected = [
        2, 3, // tag, lobby
        4, b'f', b'o', b'u', b'r', // game
        1, 2, b'K', b'7', // join_code
        251,  // max_players: a raw u8
        1, 251, 251, 0x2c, 0x01, 2, // avatar: kind (raw u8), index, generation
        251, 0xe8, 0x03, // tick
        2, 9, 251, // info
    ];
    assert_eq!(server_bytes(&msg), expected);
    assert_eq!(decode_server(&expected).unwrap(), msg);
}

#[test]
fn lobby_info_is_id_game_name_players_max_label() {
    let msg = ServerMsg::LobbyList {
        lobbies: vec![LobbyInfo {
            id: LobbyId(260),
            game: "four".into(),
            name: "x".into(),
            players: 2,
            max_players: 255,
            label: "yz".into(),
        }],
    };
    let expected = [
        1, 1, 251, 0x04, 0x01, 4, b'f', b'o', b'u', b'r', 1, b'x', 2, 255, 2, b'y', b'z',
    ];
    assert_eq!(server_bytes(&msg), expected);
    assert_eq!(decode_server(&expected).unwrap(), msg);
}

#[test]
fn roster_update_is_added_then_removed_players() {
    let update = ServerMsg::RosterUpdate {
        added: vec![RosterEntry {
            player: PlayerId(300),
            name: "bo".into(),
            avatar: Some(avatar(2, 1)),
        }],
        removed: vec![PlayerId(1 << 40), PlayerId(251)],
    };
    let expected = [
        9, 1, // tag, one entry:
        251, 0x2c, 0x01, 2, b'b', b'o', 1, 0, 2, 1, // player, name, avatar
        2, // two removed players, u64 varints:
        253, 0, 0, 0, 0, 0, 1, 0, 0, 251, 251, 0,
    ];
    assert_eq!(server_bytes(&update), expected);
    assert_eq!(decode_server(&expected).unwrap(), update);
    // An entry without an avatar ends with the byte 0.
    let roster = ServerMsg::Roster {
        players: vec![RosterEntry {
            player: PlayerId(1),
            name: String::new(),
            avatar: None,
        }],
    };
    assert_eq!(server_bytes(&roster), [7, 1, 1, 0, 0]);
    // Both lists are there even when empty.
    let empty = ServerMsg::RosterUpdate {
        added: vec![],
        removed: vec![],
    };
    assert_eq!(server_bytes(&empty), [9, 0, 0]);
    let e = malformed(decode_server(&[9, 0]));
    assert!(matches!(e, DecodeError::UnexpectedEnd { .. }), "{e:?}");
}

#[test]
fn lobby_requests_name_their_game() {
    let create = ClientMsg::CreateLobby {
        game: "four".into(),
        name: "x".into(),
        max_players: 255,
        private: true,
    };
    let expected = [2, 4, b'f', b'o', b'u', b'r', 1, b'x', 0xff, 1];
    assert_eq!(client_bytes(&create), expected);
    assert_eq!(decode_client(&expected).unwrap(), create);
    let quick = ClientMsg::QuickJoin {
        game: "four".into(),
    };
    assert_eq!(client_bytes(&quick), [4, 4, b'f', b'o', b'u', b'r']);
    // v4's QuickJoin had no game: it is now truncated.
    let e = malformed(decode_client(&[4]));
    assert!(matches!(e, DecodeError::UnexpectedEnd { .. }), "{e:?}");
}

#[test]
fn resume_and_shutting_down_have_the_documented_layout() {
    let mut resume = vec![8, 6];
    resume.extend_from_slice(&token().0);
    let msg = ClientMsg::Resume {
        protocol_version: 6,
        token: token(),
    };
    assert_eq!(client_bytes(&msg), resume);
    assert_eq!(decode_client(&resume).unwrap(), msg);

    let notice = ServerMsg::ShuttingDown {
        reason: "bye".into(),
        drain_secs: 30,
    };
    assert_eq!(server_bytes(&notice), [8, 3, b'b', b'y', b'e', 30]);
    assert_eq!(server_bytes(&ServerMsg::Left), [6]);
    assert_eq!(client_bytes(&ClientMsg::ListLobbies), [1]);
    assert_eq!(client_bytes(&ClientMsg::LeaveLobby), [5]);
}

#[test]
fn redirect_is_node_url_then_ticket() {
    let msg = ServerMsg::Redirect {
        node: "b".into(),
        url: "ws://b/ws".into(),
        ticket: vec![0xfb, 0, 0xff],
    };
    let expected = [
        11, // tag
        1, b'b', // node
        9, b'w', b's', b':', b'/', b'/', b'b', b'/', b'w', b's', // url
        3, 0xfb, 0, 0xff, // ticket: a length, then raw bytes
    ];
    assert_eq!(server_bytes(&msg), expected);
    assert_eq!(decode_server(&expected).unwrap(), msg);
    // The ticket goes back unchanged, byte for byte, in a JoinLobby.
    let ServerMsg::Redirect { ticket, .. } = msg else {
        unreachable!()
    };
    let join = client_bytes(&ClientMsg::JoinLobby(JoinTarget::Ticket(ticket)));
    assert_eq!(join, [[3, 2].as_slice(), &expected[13..]].concat());
}

#[test]
fn the_longest_ticket_fits_a_join_with_room_to_spare() {
    // The longest ticket a server issues still has a one-byte length, and
    // the JoinLobby carrying it is far below the client message limit.
    let longest = ticket(MAX_TICKET_BYTES);
    let join = client_bytes(&ClientMsg::JoinLobby(JoinTarget::Ticket(longest.clone())));
    assert_eq!(join[..3], [3, 2, MAX_TICKET_BYTES as u8]);
    assert_eq!(join[3..], longest[..]);
    const { assert!(MAX_TICKET_BYTES <= 250) };
    assert!(join.len() < MAX_CLIENT_MSG_BYTES / 2);
    // A longer one (which a server refuses) has a wide length, like any
    // byte vector past 250.
    let long = client_bytes(&ClientMsg::JoinLobby(JoinTarget::Ticket(ticket(300))));
    assert_eq!(long[..5], [3, 2, 251, 0x2c, 0x01]);
    assert_eq!(long.len(), 5 + 300);
    // A version-5 decoder knew no JoinTarget 2 nor ServerMsg 11; this one
    // knows no JoinTarget 3 nor ServerMsg 13 (12, Notice, is version 7's).
    let e = malformed(decode_client(&[3, 3, 0]));
    assert!(matches!(e, DecodeError::OtherString(_)), "{e:?}");
    let e = malformed(decode_server(&[13, 0, 0, 0]));
    assert!(matches!(e, DecodeError::OtherString(_)), "{e:?}");
}
