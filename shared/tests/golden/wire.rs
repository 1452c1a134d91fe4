//! Server message vectors: every message, with the values where a JS port
//! goes wrong (varint and zigzag thresholds, `u64`s past 2^53, `f32`
//! specials, non-ASCII text), the longer varint forms the decoder must
//! accept, and bytes it must refuse. Each vector is checked against the
//! real codec here before it is written down. The thresholds here serve the
//! client vectors (`client.rs`) too.

use rallypoint_shared::codec::MAX_SERVER_MSG_BYTES;
use rallypoint_shared::*;
use serde_json::{Value, json};

use super::js;
use crate::common::{self, avatar};

/// `f32`s a JS port must carry bit for bit: not exact in decimal, signed
/// zero, the smallest subnormal, the largest finite values, non-finite.
pub(super) const TRICKY_F32: [f32; 10] = [
    0.1,
    -0.0,
    1e-45,
    f32::MIN_POSITIVE,
    f32::MAX,
    f32::MIN,
    16_000.001,
    f32::INFINITY,
    f32::NEG_INFINITY,
    f32::NAN,
];

/// `u32`s at the varint thresholds.
pub(super) const TRICKY_U32: [u32; 7] = [0, 250, 251, 65_535, 65_536, u32::MAX - 1, u32::MAX];

/// `u64`s at the varint thresholds and past what a JS `number` holds.
pub(super) const TRICKY_U64: [u64; 9] = [
    0,
    250,
    251,
    65_535,
    65_536,
    u32::MAX as u64,
    u32::MAX as u64 + 1,
    (1 << 53) + 1,
    u64::MAX,
];

/// A snapshot whose header crosses varint thresholds; its records are
/// every record head (bytes to the envelope: `views.rs` applies records).
fn thresholds_snapshot() -> Snapshot {
    Snapshot {
        tick: 65_536,
        baseline_age: 251,
        input_seq_advance: 65_535,
        records: common::records(&common::every_record()),
    }
}

/// Messages beyond `common::every_server_msg`: every error code, the
/// thresholds of each integer field, `u64`s past 2^53, `f32` specials in a
/// map, and strings a UTF-8 decoder could mangle (a byte order mark must
/// survive, not be stripped).
fn more_server_msgs() -> Vec<(String, ServerMsg)> {
    let mut out = Vec::new();
    for code in common::ALL_ERROR_CODES {
        out.push((
            format!("Error {code:?}"),
            ServerMsg::Error {
                code,
                message: format!("{code:?}"),
            },
        ));
    }
    for (i, &player) in TRICKY_U64.iter().enumerate() {
        out.push((
            format!("Welcome player {player}"),
            ServerMsg::Welcome {
                player: PlayerId(player),
                protocol_version: [0, 250, 251, 65_535][i % 4],
                tick_hz: [30, 251, 1, 128][i % 4],
                snapshot_hz: [15, 250, 1, 65_535][(i + 2) % 4],
                max_message_bytes: TRICKY_U32[i % TRICKY_U32.len()],
                resume_token: ResumeToken([i as u8 * 29; 16]),
                resume_grace_secs: [0, 250, 251, 65_535][(i + 1) % 4],
                games: ["arena", "four", "\u{feff}"][..i % 4]
                    .iter()
                    .map(|g| g.to_string())
                    .collect(),
            },
        ));
        out.push((
            format!("Pong client_time {player}"),
            ServerMsg::Pong {
                client_time: player,
                tick: TRICKY_U32[i % TRICKY_U32.len()],
            },
        ));
    }
    out.push((
        "Joined with a BOM in its code and game".into(),
        ServerMsg::Joined {
            lobby: LobbyId(u32::MAX),
            game: "\u{feff}four".into(),
            join_code: Some("\u{feff}BOM".into()),
            max_players: 255,
            avatar: Some(EntityRef {
                kind: 15,
                index: 65_536,
                generation: u32::MAX,
            }),
            tick: 65_535,
            info: Payload(vec![0xfd; 251]),
        },
    ));
    out.push((
        "LobbyList at id thresholds".into(),
        ServerMsg::LobbyList {
            lobbies: TRICKY_U32
                .iter()
                .map(|&id| LobbyInfo {
                    id: LobbyId(id),
                    game: ["arena", "four", ""][id as usize % 3].into(),
                    name: format!("lobby {id} \u{1f980}"),
                    players: (id % 256) as u8,
                    max_players: 255,
                    label: "a\0b".into(),
                })
                .collect(),
        },
    ));
    out.push((
        "Roster with player ids past 2^53".into(),
        ServerMsg::Roster {
            players: TRICKY_U64
                .iter()
                .enumerate()
                .map(|(i, &player)| RosterEntry {
                    player: PlayerId(player),
                    name: ["", "ada", "Zoë", "\u{1f980}", "\u{feff}x", "日本語"][i % 6].into(),
                    avatar: (i % 3 != 0).then(|| avatar(TRICKY_U32[i % 7], TRICKY_U32[6 - i % 7])),
                })
                .collect(),
        },
    ));
    out.push((
        "RosterUpdate removing player ids past 2^53".into(),
        ServerMsg::RosterUpdate {
            added: vec![],
            removed: TRICKY_U64.iter().map(|&p| PlayerId(p)).collect(),
        },
    ));
    for len in [0, 250, 251, 65_536] {
        out.push((
            format!("Event of {len} bytes"),
            ServerMsg::Event(Payload((0..len).map(|i| (i % 256) as u8).collect())),
        ));
    }
    for len in [0, 1, MAX_TICKET_BYTES, 250, 251, 65_536] {
        out.push((
            format!("Redirect with a ticket of {len} bytes"),
            ServerMsg::Redirect {
                node: ["node-b", "", "\u{feff}nœud"][len % 3].into(),
                url: format!("wss://node-{len}.example.net:7443/ws"),
                ticket: common::ticket(len),
            },
        ));
    }
    out.push((
        "Snapshot crossing every varint threshold".into(),
        ServerMsg::Snapshot(thresholds_snapshot()),
    ));
    out.push((
        "Snapshot with 300 records (list length past 250)".into(),
        ServerMsg::Snapshot(common::snapshot(120, 59)),
    ));
    out
}

pub fn server_vectors() -> Value {
    let common = common::every_server_msg()
        .into_iter()
        .enumerate()
        .map(|(i, msg)| (format!("common {i}: {}", variant(&msg)), msg));
    let vectors = common.chain(more_server_msgs()).map(|(name, msg)| {
        let bytes = encode_server(&msg).expect("sample server message encodes");
        let back = decode_server(&bytes).expect("sample server message decodes");
        assert!(same_server_msg(&back, &msg), "{name} round-trips");
        json!({ "name": name, "hex": js::hex(&bytes), "msg": js::server_msg(&msg) })
    });
    Value::Array(vectors.collect())
}

/// `PartialEq`, except that NaN equals NaN (the map sample carries one).
fn same_server_msg(a: &ServerMsg, b: &ServerMsg) -> bool {
    a == b || format!("{a:?}") == format!("{b:?}")
}

fn variant(msg: &ServerMsg) -> String {
    let debug = format!("{msg:?}");
    common::variant_name(&debug).to_owned()
}

fn from_hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(u8::is_ascii_hexdigit).collect();
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
        .collect()
}

/// Longer varint forms than needed, which decoders accept (PROTOCOL.md
/// 2.1): the decoder must read the marker, not assume the shortest form.
const LENIENT: [(&str, &str); 8] = [
    ("tag in the u16 form", "fb 06 00"),
    (
        "Welcome: every varint in a longer form",
        "00 fd 2a 00 00 00 00 00 00 00  fb 05 00  fb 1e 00  fb 0f 00  fc 00 02 00 00
         00 fb fc fd fe ff 01 7f 80 61 64 61 10 20 fa 05  fb 14 00  fc 01 00 00 00  fb 04 00 66 6f 75 72",
    ),
    (
        "Error: message length in the u64 form",
        "05 fb 01 00 fd 03 00 00 00 00 00 00 00 61 64 61",
    ),
    (
        "Pong: small client_time in the u64 form, tick in the u32 form",
        "04 fd 07 00 00 00 00 00 00 00 fc 01 00 00 00",
    ),
    (
        "Snapshot: tick, seq advance and records length in longer forms",
        "03 fc 0a 00 00 00 00 fb 01 00 fd 03 00 00 00 00 00 00 00 00 03 04",
    ),
    (
        "RosterUpdate: list lengths and player in longer forms",
        "09 fb 00 00 fc 01 00 00 00 fd 03 00 00 00 00 00 00 00",
    ),
    ("Event: payload length in the u16 form", "0a fb 02 00 01 02"),
    (
        "Redirect: node, url and ticket lengths in longer forms",
        "0b fb 01 00 62 fc 01 00 00 00 75 fd 02 00 00 00 00 00 00 00 fb 00",
    ),
];

pub fn lenient_vectors() -> Value {
    let vectors = LENIENT.iter().map(|&(name, text)| {
        let bytes = from_hex(text);
        let msg = decode_server(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let canonical = encode_server(&msg).unwrap();
        assert_ne!(canonical, bytes, "{name} is not in the shortest form");
        json!({
            "name": name,
            "hex": js::hex(&bytes),
            "msg": js::server_msg(&msg),
            "canonical_hex": js::hex(&canonical),
        })
    });
    Value::Array(vectors.collect())
}

/// Bytes a server message decoder must refuse, each for one reason.
const MALFORMED: [(&str, &str); 28] = [
    ("empty", ""),
    ("unknown message tag 13", "0d"),
    ("tag in the u64 form", "fd 06 00 00 00 00 00 00 00"),
    ("reserved varint marker 255 as a tag", "ff"),
    ("Left with a trailing byte", "06 00"),
    ("truncated u16 varint", "04 fb 01"),
    (
        "u16 field in the u32 form",
        "00 2a fc 05 00 00 00 1e fb 00 02",
    ),
    (
        "u32 field in the u64 form",
        "04 00 fd 00 00 00 00 00 00 00 00",
    ),
    (
        "u64 field in the u128 form",
        "04 fe 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
    ),
    ("unknown ErrorCode 19", "05 13 00"),
    ("string of invalid UTF-8", "05 00 02 c3 28"),
    ("string of a UTF-8 surrogate", "05 00 03 ed a0 80"),
    ("string longer than the message", "05 00 05 61 64 61"),
    (
        "string length near u64::MAX",
        "05 00 fd ff ff ff ff ff ff ff ff 61",
    ),
    ("string length 2^32", "05 00 fd 00 00 00 00 01 00 00 00 61"),
    (
        "list length near u64::MAX",
        "01 fd ff ff ff ff ff ff ff 7f 00",
    ),
    ("list length u32::MAX", "07 fc ff ff ff ff 00"),
    (
        "snapshot records length past the bytes",
        "03 01 00 00 fc 00 00 00 01 00 00",
    ),
    ("Option byte 2", "02 03 00 02 00"),
    ("truncated resume token", "00 2a 05 1e 0f fb 00 02 01 02 03"),
    (
        "Welcome without games (a version-4 layout)",
        "00 2a 05 1e 0f fb 00 02  000102030405060708090a0b0c0d0e0f  14",
    ),
    (
        "Joined with bytes after the info",
        // Lobby 3, game "", no code, 8 players, no avatar, tick 0, no
        // info: 8 bytes, then one more.
        "02 03 00 00 08 00 00 00  01",
    ),
    ("RosterUpdate missing its removed list", "09 00"),
    (
        "ShuttingDown drain_secs in the u32 form",
        "08 00 fc 1e 00 00 00",
    ),
    ("Event payload longer than the message", "0a 05 01 02"),
    (
        "Redirect ticket longer than the message",
        "0b 01 62 00 05 01 02",
    ),
    (
        "Redirect without its ticket (node and url only)",
        "0b 01 62 01 75",
    ),
    ("Redirect url of invalid UTF-8", "0b 00 01 ff 00"),
];

pub(super) fn error_kind(e: &CodecError) -> &'static str {
    match e {
        CodecError::TooLarge { .. } => "TooLarge",
        CodecError::Malformed(_) | CodecError::Invalid(_) => "Malformed",
        CodecError::TrailingBytes { .. } => "TrailingBytes",
        CodecError::Encode(_) => "Encode",
    }
}

pub fn malformed_vectors() -> Value {
    let vectors = MALFORMED.iter().map(|&(name, text)| {
        let bytes = from_hex(text);
        let err = match decode_server(&bytes) {
            Err(e) => e,
            Ok(msg) => panic!("{name}: decoded as {msg:?}"),
        };
        json!({ "name": name, "hex": js::hex(&bytes), "error": error_kind(&err) })
    });
    let mut vectors: Vec<Value> = vectors.collect();
    // Too large to write down: the JS test builds it from this length.
    let over = vec![6; MAX_SERVER_MSG_BYTES + 1];
    let err = decode_server(&over).unwrap_err();
    vectors.push(json!({
        "name": "one byte over MAX_SERVER_MSG_BYTES",
        "filled": { "byte": 6, "len": over.len() },
        "error": error_kind(&err),
    }));
    Value::Array(vectors)
}
