//! Sample messages shared by the integration tests: at least one of every
//! variant, and tag functions written as exhaustive matches, so adding a
//! message or an error code stops these tests compiling until the samples,
//! the expected tag numbers and `docs/PROTOCOL.md` are brought along.

// Each test binary compiles this module on its own and uses only part of it.
#![allow(dead_code)]

use glam::{IVec2, Vec2};
use rallypoint_shared::snapshot::{Change, Track};
use rallypoint_shared::{
    ClientMsg, EntityId, ErrorCode, InputFrame, JoinTarget, LobbyId, LobbyInfo,
    MAX_INPUTS_PER_MESSAGE, MapInfo, PlayerId, Rect, ResumeToken, RosterEntry, ServerMsg, Snapshot,
};

/// How many `ClientMsg` variants there are; tags are `0..CLIENT_VARIANTS`.
pub const CLIENT_VARIANTS: u32 = 10;
/// How many `ServerMsg` variants there are; tags are `0..SERVER_VARIANTS`.
pub const SERVER_VARIANTS: u32 = 10;
/// How many snapshot `Change` variants there are; tags are
/// `0..CHANGE_VARIANTS`.
pub const CHANGE_VARIANTS: u32 = 11;

/// The wire tag of a client message, as `docs/PROTOCOL.md` lists it.
pub fn client_tag(msg: &ClientMsg) -> u32 {
    match msg {
        ClientMsg::Hello { .. } => 0,
        ClientMsg::ListLobbies => 1,
        ClientMsg::CreateLobby { .. } => 2,
        ClientMsg::JoinLobby(_) => 3,
        ClientMsg::QuickJoin => 4,
        ClientMsg::LeaveLobby => 5,
        ClientMsg::Input(_) => 6,
        ClientMsg::Ping { .. } => 7,
        ClientMsg::Resume { .. } => 8,
        ClientMsg::Inputs(_) => 9,
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
    }
}

/// The wire tag of a snapshot change, as `docs/PROTOCOL.md` lists it.
pub fn change_tag(change: &Change) -> u32 {
    match change {
        Change::Me { .. } => 0,
        Change::PlayerEnter { .. } => 1,
        Change::PlayerHidden { .. } => 2,
        Change::PlayerMotion { .. } => 3,
        Change::PlayerAim { .. } => 4,
        Change::PlayerHealth { .. } => 5,
        Change::Score { .. } => 6,
        Change::PlayerLeft { .. } => 7,
        Change::ProjectileEnter { .. } => 8,
        Change::ProjectileGone { .. } => 9,
        Change::ProjectileMotion { .. } => 10,
    }
}

/// The index a change names, if any.
pub fn change_index(change: &Change) -> Option<u32> {
    match *change {
        Change::Me { .. } => None,
        Change::PlayerEnter { index, .. }
        | Change::PlayerHidden { index }
        | Change::PlayerMotion { index, .. }
        | Change::PlayerAim { index, .. }
        | Change::PlayerHealth { index, .. }
        | Change::Score { index, .. }
        | Change::PlayerLeft { index }
        | Change::ProjectileEnter { index, .. }
        | Change::ProjectileGone { index }
        | Change::ProjectileMotion { index, .. } => Some(index),
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
    }
}

/// Every error code, in wire order.
pub const ALL_ERROR_CODES: [ErrorCode; 12] = [
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
];

/// The name of the outermost variant in a `Debug` rendering, e.g. `Hello`
/// for `Hello { .. }`: how the doc's tables name messages.
pub fn variant_name(debug: &str) -> &str {
    let end = debug
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(debug.len());
    &debug[..end]
}

pub fn entity(index: u32, generation: u32) -> EntityId {
    EntityId { index, generation }
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

/// At least one of every snapshot change, with signed values on both sides
/// of the zigzag varint thresholds (-126/125, -32769/32767) and the ends of
/// `i32`, indices and scores past the `u32` varint thresholds, and `u8`s
/// that look like varint markers.
pub fn every_change() -> Vec<Change> {
    vec![
        Change::Me { offset: ivec(0, 0) },
        Change::Me {
            offset: ivec(-1, 1),
        },
        Change::Me {
            offset: ivec(i32::MIN, i32::MAX),
        },
        Change::PlayerEnter {
            index: 0,
            track: track(102_400, 204_800, 0, 0),
            aim: 0,
            hp: 100,
            alive: true,
        },
        Change::PlayerEnter {
            index: 70_000,
            track: track(-126, 125, -32_769, 32_767),
            aim: 255,
            hp: 251,
            alive: false,
        },
        Change::PlayerHidden { index: 3 },
        Change::PlayerHidden { index: u32::MAX },
        Change::PlayerMotion {
            index: 251,
            offset: ivec(-300, 0),
            vel: ivec(7_509, -7_509),
        },
        Change::PlayerAim { index: 1, aim: 64 },
        Change::PlayerAim { index: 2, aim: 253 },
        Change::PlayerHealth {
            index: 1,
            hp: 0,
            alive: false,
        },
        Change::Score {
            index: 0,
            kills: 0,
            deaths: 0,
        },
        Change::Score {
            index: 9,
            kills: 65_536,
            deaths: u32::MAX,
        },
        Change::PlayerLeft { index: 4 },
        Change::ProjectileEnter {
            index: 1_000,
            owner: 0,
            track: track(122_880, 204_800, 20_480, 0),
        },
        Change::ProjectileEnter {
            index: 0,
            owner: u32::MAX,
            track: track(i32::MAX, i32::MIN, i32::MIN, i32::MAX),
        },
        Change::ProjectileGone { index: 1_000 },
        Change::ProjectileMotion {
            index: 7,
            offset: ivec(1, -1),
            vel: ivec(0, -20_480),
        },
    ]
}

/// A full snapshot of a lobby: `players` players, all in view, and
/// `projectiles` projectiles in flight, as a server would send on join.
pub fn snapshot(players: u32, projectiles: u32) -> Snapshot {
    let mut changes = vec![Change::Me {
        offset: ivec(102_400, 921_600),
    }];
    changes.extend((0..players).map(|index| Change::PlayerEnter {
        index,
        track: track(
            102_400 + index as i32 * 38_400,
            921_600 - index as i32 * 12_544,
            if index % 2 == 0 { 7_509 } else { 0 },
            -(index as i32 % 3) * 5_000,
        ),
        aim: (index * 37 % 256) as u8,
        hp: 100 - (index % 100) as u8,
        alive: !index.is_multiple_of(5),
    }));
    changes.extend((0..projectiles).map(|index| Change::ProjectileEnter {
        index: 1_000 + index,
        owner: index % 16,
        track: track(index as i32 * 10_240, 51_712, -20_480, 0),
    }));
    changes.extend((0..players).map(|index| Change::Score {
        index,
        kills: index * 7,
        deaths: index * 300,
    }));
    Snapshot {
        tick: 123_456,
        baseline_age: 0,
        input_seq_advance: 4_000,
        changes,
    }
}

/// A delta snapshot carrying every change in [`every_change`].
pub fn delta_snapshot() -> Snapshot {
    Snapshot {
        tick: 123_460,
        baseline_age: 4,
        input_seq_advance: 3,
        changes: every_change(),
    }
}

pub fn input(seq: u32) -> InputFrame {
    InputFrame {
        seq,
        movement: Vec2::new(-1.0, 0.5),
        aim: Vec2::new(0.6, 0.8),
        fire: true,
        hitscan: false,
        ack_tick: seq.wrapping_add(1_000),
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

pub fn map() -> MapInfo {
    MapInfo {
        name: "courtyard".into(),
        bounds: Rect {
            min: Vec2::ZERO,
            max: Vec2::new(1600.0, 1200.0),
        },
        walls: vec![
            Rect {
                min: Vec2::new(700.0, 500.0),
                max: Vec2::new(900.0, 540.0),
            },
            Rect {
                min: Vec2::new(-10.0, -10.0),
                max: Vec2::new(0.0, 1210.0),
            },
        ],
    }
}

/// At least one of every client message, with values that cross varint
/// thresholds, non-ASCII text, resume tokens full of varint markers, and
/// `Inputs` batches of one, of the most the server takes, and of what it
/// refuses (none, one too many): the codec carries any length.
pub fn every_client_msg() -> Vec<ClientMsg> {
    vec![
        ClientMsg::Hello {
            protocol_version: rallypoint_shared::PROTOCOL_VERSION,
            name: "ada".into(),
        },
        ClientMsg::Hello {
            protocol_version: u16::MAX,
            name: "Zoë 🦀".into(),
        },
        ClientMsg::ListLobbies,
        ClientMsg::CreateLobby {
            name: "friday night".into(),
            max_players: 16,
            private: false,
        },
        ClientMsg::CreateLobby {
            name: String::new(),
            max_players: u8::MAX,
            private: true,
        },
        ClientMsg::JoinLobby(JoinTarget::Id(LobbyId(7))),
        ClientMsg::JoinLobby(JoinTarget::Id(LobbyId(u32::MAX))),
        ClientMsg::JoinLobby(JoinTarget::Code("K7PQ".into())),
        ClientMsg::QuickJoin,
        ClientMsg::LeaveLobby,
        ClientMsg::Input(input(1)),
        ClientMsg::Input(InputFrame {
            seq: 70_000,
            movement: Vec2::ZERO,
            aim: Vec2::new(-0.0, f32::MIN_POSITIVE),
            fire: false,
            hitscan: true,
            ack_tick: 0,
        }),
        ClientMsg::Input(InputFrame {
            seq: u32::MAX,
            movement: Vec2::new(1.0, 0.0),
            aim: Vec2::new(0.0, -1.0),
            fire: true,
            hitscan: true,
            ack_tick: u32::MAX,
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
    ]
}

/// `count` consecutive inputs from `first_seq`, as a batch carries them.
pub fn inputs(first_seq: u32, count: usize) -> Vec<InputFrame> {
    (0..count as u32)
        .map(|i| InputFrame {
            hitscan: i % 3 == 1,
            ..input(first_seq.wrapping_add(i))
        })
        .collect()
}

/// At least one of every server message, including `Joined` with and
/// without a join code, empty and non-empty lists, the error codes added
/// since protocol 1, full and delta snapshots with every kind of change,
/// and roster updates that add, remove, both, or (harmlessly) neither.
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
        },
        ServerMsg::Welcome {
            player: PlayerId(u64::MAX),
            protocol_version: 300,
            tick_hz: 251,
            snapshot_hz: 250,
            max_message_bytes: 70_000,
            resume_token: ResumeToken([0; 16]),
            resume_grace_secs: u16::MAX,
        },
        ServerMsg::LobbyList { lobbies: vec![] },
        ServerMsg::LobbyList {
            lobbies: vec![
                LobbyInfo {
                    id: LobbyId(1),
                    name: "friday night".into(),
                    players: 3,
                    max_players: 16,
                    map: "courtyard".into(),
                },
                LobbyInfo {
                    id: LobbyId(260),
                    name: "überfüllt".into(),
                    players: 16,
                    max_players: 16,
                    map: "docks".into(),
                },
            ],
        },
        ServerMsg::Joined {
            lobby: LobbyId(3),
            join_code: Some("K7PQ".into()),
            max_players: 8,
            entity: entity(0, 1),
            map: map(),
            tick: 0,
        },
        ServerMsg::Joined {
            lobby: LobbyId(4),
            join_code: None,
            max_players: 16,
            entity: entity(300, 70_000),
            map: MapInfo {
                walls: vec![],
                ..map()
            },
            tick: 1_000_000,
        },
        ServerMsg::Snapshot(Snapshot::default()),
        ServerMsg::Snapshot(snapshot(0, 0)),
        ServerMsg::Snapshot(snapshot(3, 2)),
        ServerMsg::Snapshot(delta_snapshot()),
        ServerMsg::Snapshot(Snapshot {
            tick: u32::MAX,
            baseline_age: u8::MAX,
            input_seq_advance: u32::MAX,
            changes: vec![],
        }),
        ServerMsg::Pong {
            client_time: 5_000_000_000,
            tick: 99,
        },
        ServerMsg::Error {
            code: ErrorCode::VersionMismatch,
            message: "protocol version mismatch: client speaks 3, server speaks 4".into(),
        },
        ServerMsg::Error {
            code: ErrorCode::RateLimited,
            message: "rate limit exceeded".into(),
        },
        ServerMsg::Error {
            code: ErrorCode::ResumeRejected,
            message: "unknown, used or expired resume token".into(),
        },
        ServerMsg::Left,
        ServerMsg::Roster { players: vec![] },
        ServerMsg::Roster {
            players: vec![
                RosterEntry {
                    entity: entity(0, 1),
                    player: PlayerId(42),
                    name: "ada".into(),
                },
                RosterEntry {
                    entity: entity(1, 3),
                    player: PlayerId(1 << 40),
                    name: "grace".into(),
                },
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
            added: vec![RosterEntry {
                entity: entity(2, 1),
                player: PlayerId(300),
                name: "grace".into(),
            }],
            removed: vec![],
        },
        ServerMsg::RosterUpdate {
            added: vec![],
            removed: vec![entity(1, 3), entity(u32::MAX, 251)],
        },
        ServerMsg::RosterUpdate {
            added: vec![
                RosterEntry {
                    entity: entity(251, 70_000),
                    player: PlayerId(u64::MAX),
                    name: "Zoë 🦀".into(),
                },
                RosterEntry {
                    entity: entity(0, 0),
                    player: PlayerId(0),
                    name: String::new(),
                },
            ],
            removed: vec![entity(251, 69_999)],
        },
    ]
}
