"""The Rallypoint wire envelope (protocol version 7), written from
docs/PROTOCOL.md, not from the
Rust code: these tests play clients written by someone other than the
server's authors, so a misreading of the document shows up here as a
failing test instead of being shared by both sides.

The envelope is game-neutral: game payloads travel as `bytes` inside it
(Input.payload, Game.payload, Event.payload, Joined.info) and the
snapshot's records hold the game's fields. Their spelling is each game's
(games_arena, games_four); the records and views are in `records`; the
bincode primitives in `bincode`.

Every client message is encoded; every server message is decoded strictly
(a truncated message, trailing bytes or a bad tag raise WireError).
Version 6 added joining across a fleet: `Redirect` (a node's URL and an
opaque join ticket), `join_ticket` to present the ticket there, and
`ErrorCode.TICKET_REJECTED`. Version 7 added player authentication and
operators: `hello` takes an optional session token (a JWT), a client
message may be 1024 bytes, `Notice` carries the operators' text, and five
error codes (AUTH_FAILED to SESSION_REPLACED) are new.
`apply_roster` keeps a lobby's roster from `Roster` and `RosterUpdate`.
"""

from __future__ import annotations

from dataclasses import dataclass

import bincode as b
from bincode import WireError, i32_wrap, u32_wrap, varint, zigzag  # noqa: F401 (re-exported)
from records import Snapshot  # noqa: F401 (re-exported)
from views import ApplyError, View, Views  # noqa: F401 (re-exported)

PROTOCOL_VERSION = 7
MAX_CLIENT_MSG_BYTES = 1024
# The longest session token (Hello.token) a server accepts.
MAX_TOKEN_BYTES = 900
# The longest join ticket a server issues or accepts (Redirect.ticket).
MAX_TICKET_BYTES = 192
# Most inputs in one Inputs message; the server answers an empty or longer
# batch with InvalidField.
MAX_INPUTS_PER_MESSAGE = 8
# The games this server hosts (Welcome.games), by the names CreateLobby and
# QuickJoin take.
ARENA, FOUR = "arena", "four"


# ErrorCode numbers (PROTOCOL.md section 7).
class ErrorCode:
    BAD_MESSAGE = 0
    VERSION_MISMATCH = 1
    UNEXPECTED_MESSAGE = 2
    INVALID_FIELD = 3
    LOBBY_NOT_FOUND = 4
    LOBBY_FULL = 5
    TOO_MANY_LOBBIES = 6
    SERVER_FULL = 7
    SHUTTING_DOWN = 8
    LOBBY_CLOSED = 9
    RATE_LIMITED = 10
    RESUME_REJECTED = 11
    JOIN_REFUSED = 12
    TICKET_REJECTED = 13
    AUTH_FAILED = 14
    KICKED = 15
    BANNED = 16
    LOBBY_LOCKED = 17
    SESSION_REPLACED = 18


# How many ErrorCodes there are: a code at or past it is refused.
ERROR_CODES = 19


# --- client messages (ClientMsg) ----------------------------------------------


def hello(name: str, version: int = PROTOCOL_VERSION, token: str | None = None) -> bytes:
    """Hello (tag 0). `token`: the session token (a JWT) a server with
    authentication on requires; an Option, so `00` when None."""
    return varint(0) + varint(version) + b.string(name) + b.option(token, b.string)


def list_lobbies() -> bytes:
    return varint(1)


def create_lobby(game: str, name: str, max_players: int, private: bool) -> bytes:
    return varint(2) + b.string(game) + b.string(name) + b.u8(max_players) + b.boolean(private)


def join_id(lobby: int) -> bytes:
    # JoinLobby (tag 3) wrapping JoinTarget::Id (tag 0).
    return varint(3) + varint(0) + varint(lobby)


def join_code(code: str) -> bytes:
    # JoinLobby (tag 3) wrapping JoinTarget::Code (tag 1).
    return varint(3) + varint(1) + b.string(code)


def join_ticket(ticket: bytes) -> bytes:
    """JoinLobby (tag 3) wrapping JoinTarget::Ticket (tag 2): the opaque
    ticket of a Redirect, as `bytes`, on the node it names."""
    return varint(3) + varint(2) + b.blob(ticket)


def quick_join(game: str) -> bytes:
    return varint(4) + b.string(game)


def leave_lobby() -> bytes:
    return varint(5)


def input_record(seq: int, ack_tick: int, payload: bytes) -> bytes:
    """An `Input { seq, ack_tick, payload }` as Input and Inputs carry it:
    the payload is the game's input type, as `bytes`."""
    return varint(seq) + varint(ack_tick) + b.blob(payload)


def input_msg(seq: int, ack_tick: int, payload: bytes) -> bytes:
    """Input (tag 6): one input."""
    return varint(6) + input_record(seq, ack_tick, payload)


def inputs(records: list[bytes]) -> bytes:
    """Inputs (tag 9): several inputs (from `input_record`), oldest first,
    as a list: a varint count, then the inputs, with no tag each."""
    return varint(9) + varint(len(records)) + b"".join(records)


def ping(client_time: int) -> bytes:
    return varint(7) + varint(client_time)


def resume(token: bytes, version: int = PROTOCOL_VERSION) -> bytes:
    # A ResumeToken is a fixed [u8; 16]: 16 raw bytes, no length prefix.
    if len(token) != 16:
        raise ValueError("a resume token is 16 bytes")
    return varint(8) + varint(version) + token


def game_msg(payload: bytes) -> bytes:
    """Game (tag 10): one reliable game message, the game's Msg as bytes."""
    return varint(10) + b.blob(payload)


def ack(tick: int) -> bytes:
    """Ack (tag 11): the newest snapshot tick held, for games without input."""
    return varint(11) + varint(tick)


# --- server messages (ServerMsg) ------------------------------------------------


@dataclass(frozen=True)
class EntityRef:
    kind: int
    index: int
    generation: int


@dataclass
class Welcome:
    player: int
    protocol_version: int
    tick_hz: int
    snapshot_hz: int  # snapshots per second in a lobby, 1 to tick_hz
    max_message_bytes: int
    resume_token: bytes
    resume_grace_secs: int
    games: list[str]


@dataclass
class LobbyInfo:
    id: int
    game: str
    name: str
    players: int
    max_players: int
    label: str


@dataclass
class LobbyList:
    lobbies: list[LobbyInfo]


@dataclass
class Joined:
    lobby: int
    game: str
    join_code: str | None
    max_players: int
    avatar: EntityRef | None
    tick: int
    info: bytes  # the game's JoinInfo: games_*.decode_info


@dataclass
class Pong:
    client_time: int
    tick: int


@dataclass
class Error:
    code: int
    message: str


@dataclass
class Left:
    pass


@dataclass(frozen=True)
class RosterEntry:
    player: int
    name: str
    avatar: EntityRef | None


@dataclass
class Roster:
    players: list[RosterEntry]


@dataclass
class ShuttingDown:
    reason: str
    drain_secs: int


@dataclass
class RosterUpdate:
    added: list[RosterEntry]
    removed: list[int]  # player ids


@dataclass
class Event:
    payload: bytes  # one reliable game event: games_*.decode_event


@dataclass
class Redirect:
    """The lobby is on another node of the fleet: close (1000), connect to
    `url`, Hello with the same name, then `join_ticket(ticket)`."""

    node: str
    url: str
    ticket: bytes  # opaque: sent back unchanged


@dataclass
class Notice:
    """A notice from the server's operators to show the player."""

    text: str


def _entity_ref(r: b.Reader) -> EntityRef:
    return EntityRef(r.u8(), r.u32(), r.u32())


def _welcome(r: b.Reader) -> Welcome:
    return Welcome(
        player=r.u64(),
        protocol_version=r.u16(),
        tick_hz=r.u16(),
        snapshot_hz=r.u16(),
        max_message_bytes=r.u32(),
        resume_token=r.take(16),
        resume_grace_secs=r.u16(),
        games=r.items(r.string),
    )


def _lobby_info(r: b.Reader) -> LobbyInfo:
    return LobbyInfo(r.u32(), r.string(), r.string(), r.u8(), r.u8(), r.string())


def _joined(r: b.Reader) -> Joined:
    return Joined(
        lobby=r.u32(),
        game=r.string(),
        join_code=r.option(r.string),
        max_players=r.u8(),
        avatar=r.option(lambda: _entity_ref(r)),
        tick=r.u32(),
        info=r.blob(),
    )


def _roster_entry(r: b.Reader) -> RosterEntry:
    return RosterEntry(r.u64(), r.string(), r.option(lambda: _entity_ref(r)))


def _snapshot(r: b.Reader) -> Snapshot:
    return Snapshot(r.u32(), r.u8(), r.u32(), r.blob())


_DECODERS = {
    0: _welcome,
    1: lambda r: LobbyList(r.items(lambda: _lobby_info(r))),
    2: _joined,
    3: _snapshot,
    4: lambda r: Pong(r.u64(), r.u32()),
    5: lambda r: Error(r.tag(ERROR_CODES, "ErrorCode"), r.string()),
    6: lambda r: Left(),
    7: lambda r: Roster(r.items(lambda: _roster_entry(r))),
    8: lambda r: ShuttingDown(r.string(), r.u16()),
    9: lambda r: RosterUpdate(r.items(lambda: _roster_entry(r)), r.items(r.u64)),
    10: lambda r: Event(r.blob()),
    11: lambda r: Redirect(r.string(), r.string(), r.blob()),
    12: lambda r: Notice(r.string()),
}


def decode_server(data: bytes):
    """Decodes one server message; WireError if it is not valid. A
    Snapshot's records and the payloads stay bytes: the game reads them."""
    r = b.Reader(data)
    tag = r.varint(b.U32)
    if tag not in _DECODERS:
        raise WireError(f"unknown server message tag {tag}")
    msg = _DECODERS[tag](r)
    r.end(type(msg).__name__)
    return msg


def encode_snapshot(snap: Snapshot) -> bytes:
    """The server message for `snap` (tag 3), as the server would send it."""
    return (
        varint(3)
        + varint(snap.tick)
        + b.u8(snap.baseline_age)
        + varint(snap.input_seq_advance)
        + b.blob(snap.records)
    )


def apply_roster(roster: dict, msg) -> None:
    """Applies a Roster or RosterUpdate to `roster`, a client's table of
    its lobby: player -> RosterEntry. A Roster replaces it all; an update
    inserts or replaces its `added`, then deletes its `removed`, ignoring
    players not held."""
    if isinstance(msg, Roster):
        roster.clear()
        added, removed = msg.players, []
    elif isinstance(msg, RosterUpdate):
        added, removed = msg.added, msg.removed
    else:
        raise TypeError(f"not a roster message: {msg!r}")
    for entry in added:
        roster[entry.player] = entry
    for player in removed:
        roster.pop(player, None)
