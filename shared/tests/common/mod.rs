//! Sample messages shared by the integration tests: at least one of every
//! variant, and tag functions written as exhaustive matches, so adding a
//! message, a record or an error code stops these tests compiling until the
//! samples, the expected tag numbers and `docs/PROTOCOL.md` are brought
//! along. Game payloads here are opaque bytes spelled like arena's (the
//! envelope never looks inside them); the games test their own payloads.

// Each test binary compiles this module on its own and uses only part of it.
#![allow(dead_code)]

use glam::{IVec2, Vec2};
use rallypoint_shared::snapshot::{Record, Track, write_record};
use rallypoint_shared::{
    ClientMsg, EntityRef, ErrorCode, Input, JoinTarget, LobbyId, LobbyInfo, MAX_INPUTS_PER_MESSAGE,
    MAX_TICKET_BYTES, Payload, PlayerId, Rect, ResumeToken, RosterEntry, ServerMsg, Snapshot,
    encode_payload, encode_value_into,
};

/// How many `ClientMsg` variants there are; tags are `0..CLIENT_VARIANTS`.
pub const CLIENT_VARIANTS: u32 = 12;
/// How many `ServerMsg` variants there are; tags are `0..SERVER_VARIANTS`.
pub const SERVER_VARIANTS: u32 = 13;

/// The wire tag of a client message, as `docs/PROTOCOL.md` lists it.
pub fn client_tag(msg: &ClientMsg) -> u32 {
    match msg {
        ClientMsg::Hello { .. } => 0,
        ClientMsg::ListLobbies => 1,
        ClientMsg::CreateLobby { .. } => 2,
        ClientMsg::JoinLobby(_) => 3,
        ClientMsg::QuickJoin { .. } => 4,
        ClientMsg::LeaveLobby => 5,
        ClientMsg::Input(_) => 6,
        ClientMsg::Ping { .. } => 7,
        ClientMsg::Resume { .. } => 8,
        ClientMsg::Inputs(_) => 9,
        ClientMsg::Game(_) => 10,
        ClientMsg::Ack { .. } => 11,
    }
}

/// The wire tag of a server message, as `docs/PROTOCOL.md` lists it.
pub fn server_tag(msg: &ServerMsg) -> u32 {
    match msg {
        ServerMsg::Welcome { .. } => 0,
        ServerMsg::LobbyList { .. } => 1,
        ServerMsg::Joined { .. } => 2,
        ServerMsg::Snapshot(_) => 3,
        ServerMsg::Pong { .. } => 4,
        ServerMsg::Error { .. } => 5,
        ServerMsg::Left => 6,
        ServerMsg::Roster { .. } => 7,
        ServerMsg::ShuttingDown { .. } => 8,
        ServerMsg::RosterUpdate { .. } => 9,
        ServerMsg::Event(_) => 10,
        ServerMsg::Redirect { .. } => 11,
        ServerMsg::Notice { .. } => 12,
    }
}

/// The wire tag of a snapshot record, as `docs/PROTOCOL.md` lists it:
/// lobby-wide records 0 to 6, entity records `8 + 16 * op + kind` (ops 6
/// to 13: the update of one field 0 to 7, with no mask).
pub fn record_tag(record: &Record) -> u32 {
    match *record {
        Record::Me { .. } => 0,
        Record::Row { .. } => 1,
        Record::RowUpdate { .. } => 2,
        Record::RowGone { .. } => 3,
        Record::Singleton => 4,
        Record::SingletonUpdate { .. } => 5,
        Record::SingletonGone => 6,
        Record::Enter { kind, .. } => 8 + u32::from(kind),
        Record::EnterStill { kind, .. } => 24 + u32::from(kind),
        Record::Motion { kind, .. } => 40 + u32::from(kind),
        // A lone field 0 to 7 has its own tag, without a mask.
        Record::Update { kind, mask, .. }
            if mask.count_ones() == 1 && mask.trailing_zeros() < 8 =>
        {
            8 + 16 * (6 + mask.trailing_zeros()) + u32::from(kind)
        }
        Record::Update { kind, .. } => 56 + u32::from(kind),
        Record::Hidden { kind, .. } => 72 + u32::from(kind),
        Record::Gone { kind, .. } => 88 + u32::from(kind),
    }
}

/// The wire number of an error code, as `docs/PROTOCOL.md` lists it.
pub fn error_code_number(code: ErrorCode) -> u32 {
    match code {
        ErrorCode::BadMessage => 0,
        ErrorCode::VersionMismatch => 1,
        ErrorCode::UnexpectedMessage => 2,
        ErrorCode::InvalidField => 3,
        ErrorCode::LobbyNotFound => 4,
        ErrorCode::LobbyFull => 5,
        ErrorCode::TooManyLobbies => 6,
        ErrorCode::ServerFull => 7,
        ErrorCode::ShuttingDown => 8,
        ErrorCode::LobbyClosed => 9,
        ErrorCode::RateLimited => 10,
        ErrorCode::ResumeRejected => 11,
        ErrorCode::JoinRefused => 12,
        ErrorCode::TicketRejected => 13,
        ErrorCode::AuthFailed => 14,
        ErrorCode::Kicked => 15,
        ErrorCode::Banned => 16,
        ErrorCode::LobbyLocked => 17,
        ErrorCode::SessionReplaced => 18,
    }
}

/// Every error code, in wire order.
pub const ALL_ERROR_CODES: [ErrorCode; 19] = [
    ErrorCode::BadMessage,
    ErrorCode::VersionMismatch,
    ErrorCode::UnexpectedMessage,
    ErrorCode::InvalidField,
    ErrorCode::LobbyNotFound,
    ErrorCode::LobbyFull,
    ErrorCode::TooManyLobbies,
    ErrorCode::ServerFull,
    ErrorCode::ShuttingDown,
    ErrorCode::LobbyClosed,
    ErrorCode::RateLimited,
    ErrorCode::ResumeRejected,
    ErrorCode::JoinRefused,
    ErrorCode::TicketRejected,
    ErrorCode::AuthFailed,
    ErrorCode::Kicked,
    ErrorCode::Banned,
    ErrorCode::LobbyLocked,
    ErrorCode::SessionReplaced,
];

/// The name of the outermost variant in a `Debug` rendering, e.g. `Hello`
/// for `Hello { .. }`: how the doc's tables name messages.
pub fn variant_name(debug: &str) -> &str {
    let end = debug
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(debug.len());
    &debug[..end]
}

pub fn avatar(index: u32, generation: u32) -> EntityRef {
    EntityRef {
        kind: 0,
        index,
        generation,
    }
}

pub fn ivec(x: i32, y: i32) -> IVec2 {
    IVec2::new(x, y)
}

pub fn track(x: i32, y: i32, vx: i32, vy: i32) -> Track {
    Track {
        pos: ivec(x, y),
        vel: ivec(vx, vy),
    }
}

/// A record head and the field bytes that follow it (spelled like arena's:
/// a player's aim, HP and alive flag; a projectile's owner; a score row's
/// generation, kills and deaths).
pub type Sample = (Record, Vec<u8>);

fn fields<T: serde::Serialize>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    encode_value_into(value, &mut out).unwrap();
    out
}

/// At least one of every snapshot record, with signed values on both sides
/// of the zigzag varint thresholds (-126/125, -32769/32767) and the ends of
/// `i32`, indices and masks past the `u32` varint thresholds, kinds 0 and
/// 15, and field bytes that look like varint markers.
pub fn every_record() -> Vec<Sample> {
    vec![
        (Record::Me { offset: ivec(0, 0) }, vec![]),
        (
            Record::Me {
                offset: ivec(i32::MIN, i32::MAX),
            },
            vec![],
        ),
        (Record::Row { key: 0 }, fields(&(1u32, 0u32, 0u32))),
        (
            Record::Row { key: 70_000 },
            fields(&(3u32, 65_536u32, u32::MAX)),
        ),
        (
            Record::RowUpdate {
                key: 9,
                mask: 0b100,
            },
            fields(&251u32),
        ),
        (Record::RowGone { key: 4 }, vec![]),
        (Record::Singleton, vec![2, 0xfb]),
        (Record::SingletonUpdate { mask: u32::MAX }, vec![1]),
        (Record::SingletonGone, vec![]),
        (
            Record::Enter {
                kind: 0,
                index: 0,
                track: track(102_400, 204_800, 0, 0),
            },
            fields(&(0u8, 100u8, true)),
        ),
        (
            Record::Enter {
                kind: 0,
                index: 70_000,
                track: track(-126, 125, -32_769, 32_767),
            },
            fields(&(255u8, 251u8, false)),
        ),
        (
            Record::Enter {
                kind: 1,
                index: 1_000,
                track: track(i32::MAX, i32::MIN, i32::MIN, i32::MAX),
            },
            fields(&u32::MAX),
        ),
        (
            Record::EnterStill {
                kind: 15,
                index: 251,
            },
            vec![7],
        ),
        (
            Record::Motion {
                kind: 0,
                index: 251,
                offset: ivec(-300, 0),
                vel: ivec(7_509, -7_509),
            },
            vec![],
        ),
        (
            Record::Update {
                kind: 0,
                index: 1,
                mask: 0b001,
            },
            fields(&64u8),
        ),
        (
            Record::Update {
                kind: 0,
                index: 2,
                mask: 0b110,
            },
            fields(&(0u8, false)),
        ),
        (Record::Hidden { kind: 0, index: 3 }, vec![]),
        (
            Record::Hidden {
                kind: 0,
                index: u32::MAX,
            },
            vec![],
        ),
        (
            Record::Gone {
                kind: 1,
                index: 1_000,
            },
            vec![],
        ),
        (Record::Gone { kind: 15, index: 0 }, vec![]),
    ]
}

/// The bytes of records back to back, as a snapshot carries them.
pub fn records(samples: &[Sample]) -> Payload {
    let mut out = Vec::new();
    for (head, fields) in samples {
        write_record(head, &mut out).unwrap();
        out.extend_from_slice(fields);
    }
    Payload(out)
}

/// A full snapshot of an arena-like lobby: `players` players, all in view,
/// `projectiles` projectiles in flight and a score row per player, as a
/// server would send on join.
pub fn snapshot(players: u32, projectiles: u32) -> Snapshot {
    let mut samples = vec![(
        Record::Me {
            offset: ivec(102_400, 921_600),
        },
        vec![],
    )];
    samples.extend((0..players).map(|index| {
        (
            Record::Enter {
                kind: 0,
                index,
                track: track(
                    102_400 + index as i32 * 38_400,
                    921_600 - index as i32 * 12_544,
                    if index % 2 == 0 { 7_509 } else { 0 },
                    -(index as i32 % 3) * 5_000,
                ),
            },
            fields(&(
                (index * 37 % 256) as u8,
                100 - (index % 100) as u8,
                !index.is_multiple_of(5),
            )),
        )
    }));
    samples.extend((0..projectiles).map(|index| {
        (
            Record::Enter {
                kind: 1,
                index: 1_000 + index,
                track: track(index as i32 * 10_240, 51_712, -20_480, 0),
            },
            fields(&(index % 16)),
        )
    }));
    samples
        .extend((0..players).map(|key| (Record::Row { key }, fields(&(1u32, key * 7, key * 300)))));
    Snapshot {
        tick: 123_456,
        baseline_age: 0,
        input_seq_advance: 4_000,
        records: records(&samples),
    }
}

/// A delta snapshot carrying every record in [`every_record`].
pub fn delta_snapshot() -> Snapshot {
    Snapshot {
        tick: 123_460,
        baseline_age: 4,
        input_seq_advance: 3,
        records: records(&every_record()),
    }
}

/// An arena-like input payload: movement, aim, fire, hitscan.
pub fn payload(movement: Vec2, aim: Vec2, fire: bool, hitscan: bool) -> Payload {
    encode_payload(&(movement, aim, fire, hitscan)).unwrap()
}

pub fn input(seq: u32) -> Input {
    Input {
        seq,
        ack_tick: seq.wrapping_add(1_000),
        payload: payload(Vec2::new(-1.0, 0.5), Vec2::new(0.6, 0.8), true, false),
    }
}

/// A token whose bytes include 0, varint markers (251 to 255) and ASCII,
/// none of which may be read as anything but one raw byte.
pub fn token() -> ResumeToken {
    ResumeToken([
        0x00, 0xfb, 0xfc, 0xfd, 0xfe, 0xff, 0x01, 0x7f, 0x80, b'a', b'd', b'a', 0x10, 0x20, 0xfa,
        0x05,
    ])
}

/// A join ticket of `len` bytes: opaque to a client, so any bytes, here
/// including 0, varint markers (251 to 255) and ASCII, none of which may
/// be read as anything but one raw byte.
pub fn ticket(len: usize) -> Vec<u8> {
    let pattern = token().0;
    (0..len)
        .map(|i| pattern[i % pattern.len()] ^ (i / pattern.len()) as u8)
        .collect()
}

/// An arena-like join info: a map's name, bounds and walls.
pub fn map() -> Payload {
    let bounds = Rect {
        min: Vec2::ZERO,
        max: Vec2::new(1600.0, 1200.0),
    };
    let walls = vec![
        Rect {
            min: Vec2::new(700.0, 500.0),
            max: Vec2::new(900.0, 540.0),
        },
        Rect {
            min: Vec2::new(-10.0, -10.0),
            max: Vec2::new(0.0, 1210.0),
        },
    ];
    encode_payload(&("courtyard", bounds, walls)).unwrap()
}

/// At least one of every client message, with values that cross varint
/// thresholds, non-ASCII text, resume tokens full of varint markers,
/// payloads empty, short and past 250 bytes, and `Inputs` batches of one,
/// of the most the server takes, and of what it refuses (none, one too
/// many), and join tickets likewise (empty, the longest the server takes,
/// and one past it with a wide length): the codec carries any length.
pub fn every_client_msg() -> Vec<ClientMsg> {
    vec![
        ClientMsg::Hello {
            protocol_version: rallypoint_shared::PROTOCOL_VERSION,
            name: "ada".into(),
            token: None,
        },
        ClientMsg::Hello {
            protocol_version: rallypoint_shared::PROTOCOL_VERSION,
            name: String::new(),
            token: Some("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2ln".into()),
        },
        ClientMsg::Hello {
            protocol_version: rallypoint_shared::PROTOCOL_VERSION,
            name: "x".into(),
            token: Some("t".repeat(rallypoint_shared::MAX_TOKEN_BYTES)),
        },
        ClientMsg::Hello {
            protocol_version: u16::MAX,
            name: "Zoë 🦀".into(),
            token: None,
        },
        ClientMsg::ListLobbies,
        ClientMsg::CreateLobby {
            game: "arena".into(),
            name: "friday night".into(),
            max_players: 16,
            private: false,
        },
        ClientMsg::CreateLobby {
            game: String::new(),
            name: String::new(),
            max_players: u8::MAX,
            private: true,
        },
        ClientMsg::JoinLobby(JoinTarget::Id(LobbyId(7))),
        ClientMsg::JoinLobby(JoinTarget::Id(LobbyId(u32::MAX))),
        ClientMsg::JoinLobby(JoinTarget::Code("K7PQ3M".into())),
        ClientMsg::JoinLobby(JoinTarget::Ticket(ticket(96))),
        ClientMsg::JoinLobby(JoinTarget::Ticket(ticket(MAX_TICKET_BYTES))),
        ClientMsg::JoinLobby(JoinTarget::Ticket(Vec::new())),
        ClientMsg::JoinLobby(JoinTarget::Ticket(ticket(300))),
        ClientMsg::QuickJoin {
            game: "four".into(),
        },
        ClientMsg::LeaveLobby,
        ClientMsg::Input(input(1)),
        ClientMsg::Input(Input {
            seq: 70_000,
            ack_tick: 0,
            payload: payload(Vec2::ZERO, Vec2::new(-0.0, f32::MIN_POSITIVE), false, true),
        }),
        ClientMsg::Input(Input {
            seq: u32::MAX,
            ack_tick: u32::MAX,
            payload: Payload(vec![]),
        }),
        ClientMsg::Ping { client_time: 0 },
        ClientMsg::Ping {
            client_time: u64::MAX,
        },
        ClientMsg::Resume {
            protocol_version: rallypoint_shared::PROTOCOL_VERSION,
            token: token(),
        },
        ClientMsg::Resume {
            protocol_version: u16::MAX,
            token: ResumeToken([0xff; 16]),
        },
        ClientMsg::Inputs(vec![input(251)]),
        ClientMsg::Inputs(inputs(u32::MAX - 7, MAX_INPUTS_PER_MESSAGE)),
        ClientMsg::Inputs(Vec::new()),
        ClientMsg::Inputs(inputs(1, MAX_INPUTS_PER_MESSAGE + 1)),
        ClientMsg::Game(Payload(vec![0, 3])),
        ClientMsg::Game(Payload(vec![])),
        ClientMsg::Game(Payload(vec![0xfb; 300])),
        ClientMsg::Ack { tick: 0 },
        ClientMsg::Ack { tick: u32::MAX },
    ]
}

/// `count` consecutive inputs from `first_seq`, as a batch carries them.
pub fn inputs(first_seq: u32, count: usize) -> Vec<Input> {
    (0..count as u32)
        .map(|i| Input {
            payload: payload(Vec2::new(-1.0, 0.5), Vec2::new(0.6, 0.8), true, i % 3 == 1),
            ..input(first_seq.wrapping_add(i))
        })
        .collect()
}

fn roster_entry(player: u64, name: &str, avatar: Option<EntityRef>) -> RosterEntry {
    RosterEntry {
        player: PlayerId(player),
        name: name.into(),
        avatar,
    }
}

/// At least one of every server message, including `Joined` with and
/// without a join code and an avatar, empty and non-empty lists, every
/// error code added since protocol 1, full and delta snapshots with every
/// kind of record, events, roster updates that add, remove, both, or
/// (harmlessly) neither, and redirects with tickets short, the longest a
/// server issues, and past a one-byte length.
pub fn every_server_msg() -> Vec<ServerMsg> {
    vec![
        ServerMsg::Welcome {
            player: PlayerId(42),
            protocol_version: rallypoint_shared::PROTOCOL_VERSION,
            tick_hz: 30,
            snapshot_hz: 30,
            max_message_bytes: rallypoint_shared::codec::MAX_CLIENT_MSG_BYTES as u32,
            resume_token: token(),
            resume_grace_secs: 20,
            games: vec!["arena".into(), "four".into()],
        },
        ServerMsg::Welcome {
            player: PlayerId(u64::MAX),
            protocol_version: 300,
            tick_hz: 251,
            snapshot_hz: 250,
            max_message_bytes: 70_000,
            resume_token: ResumeToken([0; 16]),
            resume_grace_secs: u16::MAX,
            games: vec![],
        },
        ServerMsg::LobbyList { lobbies: vec![] },
        ServerMsg::LobbyList {
            lobbies: vec![
                LobbyInfo {
                    id: LobbyId(1),
                    game: "arena".into(),
                    name: "friday night".into(),
                    players: 3,
                    max_players: 16,
                    label: "courtyard".into(),
                },
                LobbyInfo {
                    id: LobbyId(260),
                    game: "four".into(),
                    name: "überfüllt".into(),
                    players: 2,
                    max_players: 2,
                    label: String::new(),
                },
            ],
        },
        ServerMsg::Joined {
            lobby: LobbyId(3),
            game: "arena".into(),
            join_code: Some("K7PQ3M".into()),
            max_players: 8,
            avatar: Some(avatar(0, 1)),
            tick: 0,
            info: map(),
        },
        ServerMsg::Joined {
            lobby: LobbyId(4),
            game: "four".into(),
            join_code: None,
            max_players: 2,
            avatar: None,
            tick: 1_000_000,
            info: Payload(vec![1, 1, 0xfb, 0x2c, 0x01]),
        },
        ServerMsg::Snapshot(Snapshot::default()),
        ServerMsg::Snapshot(snapshot(0, 0)),
        ServerMsg::Snapshot(snapshot(3, 2)),
        ServerMsg::Snapshot(delta_snapshot()),
        ServerMsg::Snapshot(Snapshot {
            tick: u32::MAX,
            baseline_age: u8::MAX,
            input_seq_advance: u32::MAX,
            records: Payload(vec![]),
        }),
        ServerMsg::Pong {
            client_time: 5_000_000_000,
            tick: 99,
        },
        ServerMsg::Error {
            code: ErrorCode::VersionMismatch,
            message: "protocol version mismatch: client speaks 5, server speaks 6".into(),
        },
        ServerMsg::Error {
            code: ErrorCode::RateLimited,
            message: "rate limit exceeded".into(),
        },
        ServerMsg::Error {
            code: ErrorCode::JoinRefused,
            message: "the game has started".into(),
        },
        ServerMsg::Error {
            code: ErrorCode::TicketRejected,
            message: "the ticket expired".into(),
        },
        ServerMsg::Left,
        ServerMsg::Roster { players: vec![] },
        ServerMsg::Roster {
            players: vec![
                roster_entry(42, "ada", Some(avatar(0, 1))),
                roster_entry(1 << 40, "grace", None),
            ],
        },
        ServerMsg::ShuttingDown {
            reason: "the server is shutting down".into(),
            drain_secs: 30,
        },
        ServerMsg::ShuttingDown {
            reason: String::new(),
            drain_secs: u16::MAX,
        },
        ServerMsg::RosterUpdate {
            added: vec![],
            removed: vec![],
        },
        ServerMsg::RosterUpdate {
            added: vec![roster_entry(300, "grace", Some(avatar(2, 1)))],
            removed: vec![],
        },
        ServerMsg::RosterUpdate {
            added: vec![],
            removed: vec![PlayerId(1 << 40), PlayerId(251)],
        },
        ServerMsg::RosterUpdate {
            added: vec![
                roster_entry(u64::MAX, "Zoë 🦀", Some(avatar(251, 70_000))),
                roster_entry(0, "", None),
            ],
            removed: vec![PlayerId(u64::MAX - 1)],
        },
        ServerMsg::Event(Payload(vec![0, 1, 2])),
        ServerMsg::Event(Payload(vec![])),
        ServerMsg::Redirect {
            node: "node-b".into(),
            url: "wss://b.example.net/ws".into(),
            ticket: ticket(96),
        },
        ServerMsg::Redirect {
            node: "nœud-3 🦀".into(),
            url: "ws://10.0.0.3:7000/ws".into(),
            ticket: ticket(MAX_TICKET_BYTES),
        },
        ServerMsg::Redirect {
            node: String::new(),
            url: String::new(),
            ticket: ticket(300),
        },
        ServerMsg::Notice {
            text: "The server restarts in 5 minutes 🦀".into(),
        },
        ServerMsg::Notice {
            text: String::new(),
        },
    ]
}

// ---- helpers for the codec tests ---------------------------------------

use bincode::error::DecodeError;
use rallypoint_shared::{CodecError, encode_client, encode_server};

/// A sample client message's bytes.
pub fn client_bytes(msg: &ClientMsg) -> Vec<u8> {
    encode_client(msg).expect("sample client message encodes")
}

/// A sample server message's bytes.
pub fn server_bytes(msg: &ServerMsg) -> Vec<u8> {
    encode_server(msg).expect("sample server message encodes")
}

/// A record head's bytes, without fields.
pub fn head_bytes(record: &Record) -> Vec<u8> {
    let mut out = Vec::new();
    write_record(record, &mut out).expect("sample record encodes");
    out
}

/// The bincode error inside a `Malformed`; panics on any other outcome.
pub fn malformed(result: Result<impl std::fmt::Debug, CodecError>) -> DecodeError {
    match result {
        Err(CodecError::Malformed(e)) => e,
        other => panic!("expected a Malformed error, got {other:?}"),
    }
}

/// A fixed xorshift stream from `seed` (not 0), so a test fed garbage
/// reproduces its failures.
pub fn xorshift(mut state: u64) -> impl FnMut() -> u64 {
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}
