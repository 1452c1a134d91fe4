//! The messages of the protocol. Variant and field order *is* the wire
//! format (bincode writes enum variants as their index and struct fields in
//! declaration order), so never reorder, only append, and bump
//! [`crate::PROTOCOL_VERSION`] on any change. `docs/PROTOCOL.md` documents
//! each of them byte by byte.

use glam::Vec2;
use serde::{Deserialize, Serialize};

pub use crate::snapshot::Snapshot;

/// A player's identity on one server, assigned at `Welcome`. Stable for the
/// life of the connection.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PlayerId(pub u64);

/// A lobby's identity on one server.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LobbyId(pub u32);

/// An entity in a lobby's world: a slot index plus a generation that changes
/// whenever the slot is reused, so a stale id never names a new entity.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntityId {
    pub index: u32,
    pub generation: u32,
}

/// An axis-aligned rectangle, `min` inclusive to `max` inclusive.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub min: Vec2,
    pub max: Vec2,
}

/// The geometry a client needs to draw the arena and predict movement.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct MapInfo {
    pub name: String,
    /// The playable area; players are kept inside it.
    pub bounds: Rect,
    /// Solid rectangles that stop players and projectiles.
    pub walls: Vec<Rect>,
}

/// A secret that lets a client take its session back after its connection
/// drops: 16 random bytes from the server's CSPRNG, sent in `Welcome` and
/// replaced on every resume, so each token works at most once.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResumeToken(pub [u8; 16]);

/// Which lobby a `JoinLobby` asks for.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum JoinTarget {
    /// A public lobby, by the id from `LobbyList`.
    Id(LobbyId),
    /// Any lobby (public or private) by its join code.
    Code(String),
}

/// One tick's worth of a player's intent. The server applies each input
/// exactly once, as one fixed step of movement, in `seq` order.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq)]
pub struct InputFrame {
    /// Increases by one per input the client sends; once applied it shows
    /// in the client's views as `last_input_seq` (see `snapshot`).
    pub seq: u32,
    /// Desired direction; its length is clamped to 1 (see `movement`).
    pub movement: Vec2,
    /// Where the player aims, as a direction; normalised by the server.
    pub aim: Vec2,
    /// Whether the player wants to fire a projectile this tick.
    pub fire: bool,
    /// Whether the player wants to fire the instant-hit weapon this tick.
    /// The server checks the shot against the world as this client saw it
    /// (see `timing::view_tick`).
    pub hitscan: bool,
    /// The newest snapshot tick this client holds a view of (0: none yet):
    /// the baseline the server deltas its next snapshot against, and the
    /// view a hitscan shot is checked against.
    pub ack_tick: u32,
}

/// Messages a client sends to the server.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub enum ClientMsg {
    /// Must be the first message on a connection.
    Hello {
        protocol_version: u16,
        name: String,
    },
    ListLobbies,
    CreateLobby {
        name: String,
        max_players: u8,
        private: bool,
    },
    JoinLobby(JoinTarget),
    /// Join the fullest public lobby with room, or create one.
    QuickJoin,
    LeaveLobby,
    Input(InputFrame),
    Ping {
        client_time: u64,
    },
    /// Instead of `Hello`, as the first message of a new connection: take
    /// back the session of a dropped connection, with the token from its
    /// last `Welcome`, within the server's resume grace period.
    Resume {
        protocol_version: u16,
        token: ResumeToken,
    },
    /// Several ticks' inputs in one message, oldest first, 1 to
    /// [`MAX_INPUTS_PER_MESSAGE`] of them: the server queues each as if it
    /// had come in its own `Input`, and applies them one tick at a time. A
    /// client sending inputs at half the tick rate, two at a time, halves
    /// its messages (and the server's reads) without losing any input.
    Inputs(#[serde(deserialize_with = "bounded_inputs")] Vec<InputFrame>),
}

/// Decodes an `Inputs` list reserving room for at most
/// [`MAX_INPUTS_PER_MESSAGE`] up front, whatever count the bytes declare:
/// serde's default reserves from the declared count (up to 1 MiB) before
/// reading a single item, so a 6-byte message could make the server
/// allocate a megabyte. Longer lists still decode (growing as real items
/// arrive, within the codec's byte limit) so the server can refuse them
/// with a clear `InvalidField`.
fn bounded_inputs<'de, D>(deserializer: D) -> Result<Vec<InputFrame>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct Bounded;
    impl<'de> serde::de::Visitor<'de> for Bounded {
        type Value = Vec<InputFrame>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list of inputs")
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let room = seq.size_hint().unwrap_or(0).min(MAX_INPUTS_PER_MESSAGE);
            let mut inputs = Vec::with_capacity(room);
            while let Some(input) = seq.next_element()? {
                inputs.push(input);
            }
            Ok(inputs)
        }
    }
    deserializer.deserialize_seq(Bounded)
}

/// Most inputs one `Inputs` message may carry. Default: 8, a quarter
/// second at 30 Hz; at about 25 bytes each that stays far under the
/// 512-byte client message limit.
pub const MAX_INPUTS_PER_MESSAGE: usize = 8;

/// A public lobby as listed by `LobbyList` and `GET /lobbies`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct LobbyInfo {
    pub id: LobbyId,
    pub name: String,
    pub players: u8,
    pub max_players: u8,
    pub map: String,
}

/// A player's authoritative state, as the server's world reports it.
/// Not sent as such: snapshots carry it in fixed point (see `snapshot`).
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq)]
pub struct PlayerState {
    pub id: EntityId,
    pub pos: Vec2,
    pub aim: Vec2,
    pub hp: u8,
    /// False while dead and waiting to respawn.
    pub alive: bool,
    pub kills: u32,
    pub deaths: u32,
}

/// A projectile in flight, as the server's world reports it.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq)]
pub struct ProjectileState {
    pub id: EntityId,
    pub owner: EntityId,
    pub pos: Vec2,
    pub vel: Vec2,
}

/// A name shown for an entity, in `Roster` and `RosterUpdate`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct RosterEntry {
    pub entity: EntityId,
    pub player: PlayerId,
    pub name: String,
}

/// Why a request was refused. Codes are stable on the wire; see
/// `docs/PROTOCOL.md` for which ones also close the connection.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The bytes did not decode as a `ClientMsg`. The connection is closed.
    BadMessage,
    /// `Hello` named another protocol version. The connection is closed.
    VersionMismatch,
    /// The message is not allowed in the connection's current phase
    /// (e.g. `Input` before joining a lobby).
    UnexpectedMessage,
    /// A field is out of range: an empty or over-long name, a bad
    /// `max_players`, a non-finite vector.
    InvalidField,
    LobbyNotFound,
    LobbyFull,
    /// The server already runs its maximum number of lobbies.
    TooManyLobbies,
    /// The server is at its connection limit. The connection is closed.
    ServerFull,
    /// The server is shutting down.
    ShuttingDown,
    /// The lobby can no longer take this player (it closed meanwhile).
    LobbyClosed,
    /// The client sent messages faster than its rate limit. The connection
    /// is closed.
    RateLimited,
    /// `Resume` named a token that is unknown, already used, or expired.
    /// The connection is closed; start over with `Hello`.
    ResumeRejected,
}

/// Messages the server sends to a client.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub enum ServerMsg {
    Welcome {
        player: PlayerId,
        protocol_version: u16,
        tick_hz: u16,
        /// Snapshots per second a member receives: `tick_hz` or fewer (a
        /// snapshot then covers several ticks; deltas still name the
        /// acknowledged baseline).
        snapshot_hz: u16,
        /// The largest client message, in bytes, the server accepts.
        max_message_bytes: u32,
        /// Present this with `Resume` to take this session back if the
        /// connection drops. Replaced by a new one on each resume.
        resume_token: ResumeToken,
        /// How long after a drop the session can be resumed, in seconds.
        resume_grace_secs: u16,
    },
    LobbyList {
        lobbies: Vec<LobbyInfo>,
    },
    Joined {
        lobby: LobbyId,
        /// Set for a private lobby: the code others join it with.
        join_code: Option<String>,
        max_players: u8,
        entity: EntityId,
        map: MapInfo,
        tick: u32,
    },
    Snapshot(Snapshot),
    Pong {
        client_time: u64,
        tick: u32,
    },
    Error {
        code: ErrorCode,
        message: String,
    },
    Left,
    /// The names behind all the entities in the lobby; sent to a client
    /// when it joins or resumes. Changes follow as `RosterUpdate`s.
    Roster {
        players: Vec<RosterEntry>,
    },
    /// The server is shutting down: no new joins; games may finish for up to
    /// `drain_secs`, after which remaining clients are closed with 1001.
    ShuttingDown {
        reason: String,
        drain_secs: u16,
    },
    /// Who joined and who left the lobby since the last update: at most one
    /// per tick, sent to every member whenever membership changed. Apply
    /// `added` first (insert or replace by entity), then `removed`; both are
    /// idempotent, so an update that repeats what a `Roster` already said is
    /// harmless.
    RosterUpdate {
        added: Vec<RosterEntry>,
        removed: Vec<EntityId>,
    },
}
