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
#[derive(
    Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default,
)]
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
    /// The join ticket from a `Redirect`, on the node it named: the seat it
    /// reserved (or, from a quick-join, a place in that node's fullest
    /// lobby of the game). Opaque to the client; at most
    /// [`MAX_TICKET_BYTES`]. New in version 6.
    Ticket(#[serde(deserialize_with = "bounded_bytes")] Vec<u8>),
}

/// Decodes a byte vector the way [`Payload`] does (`deserialize_bytes`),
/// so bincode checks the declared length against the bytes left before
/// allocating: serde's default for `Vec<u8>` reserves from the declared
/// length (up to 1 MiB) first, which an 11-byte `JoinLobby(Ticket)` could
/// ask of the server. The wire format is the same.
fn bounded_bytes<'de, D>(deserializer: D) -> Result<Vec<u8>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    Payload::deserialize(deserializer).map(|payload| payload.0)
}

/// The longest session token `Hello` may carry, in bytes. Default: 900,
/// room for a JWT signed with RS256 and a 4096-bit key (a 683-character
/// signature) and a few claims, inside [`crate::codec::MAX_CLIENT_MSG_BYTES`].
pub const MAX_TOKEN_BYTES: usize = 900;

/// The longest join ticket a server issues or accepts, in bytes. Default:
/// 192, room for the ticket's fields with a 24-character name and the
/// node's and game's names, well inside a client message.
pub const MAX_TICKET_BYTES: usize = 192;

/// One tick's input of a member, as the engine frames it: the engine's
/// sequence number and acknowledgement around the game's own input.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// Increases by one per input the client sends; the server applies
    /// each input exactly once, in `seq` order, and reports the last one
    /// applied in snapshots (`input_seq_advance`).
    pub seq: u32,
    /// The newest snapshot tick this client holds (0: none yet): the
    /// baseline the server deltas its next snapshot against (a game may use
    /// it too: arena checks an instant-hit shot against that view).
    pub ack_tick: u32,
    /// The game's input, in the game's encoding (`games/<game>/PROTOCOL.md`).
    pub payload: Payload,
}

/// A game's bytes inside the engine's envelope: a length, then the bytes
/// (exactly bincode's `Vec<u8>`). The engine never looks inside; the game's
/// codec does, with the same rules as the envelope's (byte limit, no
/// trailing bytes).
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct Payload(pub Vec<u8>);

impl Serialize for Payload {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Payload {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Bytes;
        impl<'de> serde::de::Visitor<'de> for Bytes {
            type Value = Payload;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a game payload (bytes)")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Payload, E> {
                Ok(Payload(v.to_vec()))
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Payload, E> {
                Ok(Payload(v))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Payload, A::Error> {
                let mut out = Vec::new();
                while let Some(b) = seq.next_element()? {
                    out.push(b);
                }
                Ok(Payload(out))
            }
        }
        // `deserialize_bytes`, not `_byte_buf`: bincode then checks the
        // declared length against the bytes left before copying, so a
        // hostile length allocates nothing.
        d.deserialize_bytes(Bytes)
    }
}

/// Messages a client sends to the server.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub enum ClientMsg {
    /// Must be the first message on a connection.
    Hello {
        protocol_version: u16,
        name: String,
        /// The player's session token from the game's own backend (a JWT),
        /// required when the server has authentication on; the player's
        /// account and name then come from it, not from `name`. At most
        /// [`MAX_TOKEN_BYTES`]. New in version 7.
        token: Option<String>,
    },
    ListLobbies,
    /// Create a lobby of `game` (one of `Welcome::games`) and join it.
    CreateLobby {
        game: String,
        name: String,
        max_players: u8,
        private: bool,
    },
    JoinLobby(JoinTarget),
    /// Join the fullest public lobby of `game` with room, or create one.
    QuickJoin {
        game: String,
    },
    LeaveLobby,
    Input(Input),
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
    Inputs(#[serde(deserialize_with = "bounded_inputs")] Vec<Input>),
    /// One reliable message to the lobby's game (a move, "ready"), in the
    /// game's encoding; the game gets it at its next tick, in arrival order.
    Game(Payload),
    /// The newest snapshot tick this client holds, for a game without
    /// per-tick input (an `Input`'s `ack_tick` says the same).
    Ack {
        tick: u32,
    },
}

/// Decodes an `Inputs` list reserving room for at most
/// [`MAX_INPUTS_PER_MESSAGE`] up front, whatever count the bytes declare:
/// serde's default reserves from the declared count (up to 1 MiB) before
/// reading a single item, so a 6-byte message could make the server
/// allocate a megabyte. Longer lists still decode (growing as real items
/// arrive, within the codec's byte limit) so the server can refuse them
/// with a clear `InvalidField`.
fn bounded_inputs<'de, D>(deserializer: D) -> Result<Vec<Input>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct Bounded;
    impl<'de> serde::de::Visitor<'de> for Bounded {
        type Value = Vec<Input>;

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
    /// The game it plays.
    pub game: String,
    pub name: String,
    pub players: u8,
    pub max_players: u8,
    /// The game's label for it (arena: the map's name).
    pub label: String,
}

/// An entity of a lobby's game as the envelope names it (a member's
/// avatar): the game's kind, and the entity's slot index and generation.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EntityRef {
    pub kind: u8,
    pub index: u32,
    pub generation: u32,
}

/// A member of a lobby, in `Roster` and `RosterUpdate`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct RosterEntry {
    pub player: PlayerId,
    pub name: String,
    /// The member's avatar, if the game gives it one.
    pub avatar: Option<EntityRef>,
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
    /// The lobby's game refused the join; the message is its reason. The
    /// seat is not taken and the connection stays open.
    JoinRefused,
    /// A join ticket that this node cannot honour: forged, for another
    /// node or player, expired, or already used; the message says which.
    /// The connection stays open. New in version 6.
    TicketRejected,
    /// Authentication is on and `Hello` carried no valid session token:
    /// missing, malformed, wrongly signed, expired, for another audience,
    /// or too long; the message says which. The connection is closed. New
    /// in version 7.
    AuthFailed,
    /// An operator removed this player; the message is their reason. The
    /// connection is closed. New in version 7.
    Kicked,
    /// This account or address is banned; the message says until when. The
    /// connection is closed. New in version 7.
    Banned,
    /// The lobby is locked by an operator and takes no new players. The
    /// connection stays open. New in version 7.
    LobbyLocked,
    /// The same account logged in on another connection, which took over
    /// this session's seat. The connection is closed. New in version 7.
    SessionReplaced,
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
        /// The games this server hosts, for `CreateLobby` and `QuickJoin`;
        /// the first is the default.
        games: Vec<String>,
    },
    LobbyList {
        lobbies: Vec<LobbyInfo>,
    },
    Joined {
        lobby: LobbyId,
        /// The game the lobby plays.
        game: String,
        /// Set for a private lobby: the code others join it with.
        join_code: Option<String>,
        max_players: u8,
        /// This member's avatar, if the game gives it one: the entity whose
        /// exact position snapshots carry as `Me`.
        avatar: Option<EntityRef>,
        tick: u32,
        /// What the game tells a member on joining (arena: the map), in the
        /// game's encoding.
        info: Payload,
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
    /// Every member of the lobby; sent to a client when it joins or
    /// resumes. Changes follow as `RosterUpdate`s.
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
    /// `added` first (insert or replace by player), then `removed`; both are
    /// idempotent, so an update that repeats what a `Roster` already said is
    /// harmless.
    RosterUpdate {
        added: Vec<RosterEntry>,
        removed: Vec<PlayerId>,
    },
    /// One reliable event from the lobby's game, in the game's encoding.
    Event(Payload),
    /// The answer to a `JoinLobby` or `QuickJoin` that another node of the
    /// fleet serves: connect to `url`, say `Hello` with the same name, and
    /// send `JoinLobby(Ticket(ticket))` within the ticket's lifetime (10 s
    /// by default). The seat is held for the ticket until then. New in
    /// version 6.
    Redirect {
        /// The node's id in the fleet.
        node: String,
        /// Its WebSocket URL.
        url: String,
        #[serde(deserialize_with = "bounded_bytes")]
        ticket: Vec<u8>,
    },
    /// A notice from the server's operators to show the player ("the
    /// server restarts in 5 minutes"), to one lobby or to everyone. New in
    /// version 7.
    Notice {
        text: String,
    },
}
