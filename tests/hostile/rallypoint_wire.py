"""The Rallypoint wire format (protocol version 3), written from
docs/PROTOCOL.md alone, not from the Rust code: these tests play clients
written by someone other than the server's authors, so a misreading of the
document shows up here as a failing test instead of being shared by both
sides.

Encoding (PROTOCOL.md section 2): bincode 2 standard config. Unsigned
integers are varints (one byte up to 250, else a 251/252/253 marker and a
little-endian u16/u32/u64), u8 is one raw byte, bool is 00/01, f32 is
little-endian IEEE, strings and lists are a varint length then the items,
Option is 00 or 01+value, and an enum is its variant index as a varint tag.
A message is the tag and its fields, nothing around it.

Only the client messages the hostile tests send are encoded. Every server
message is decoded strictly (a truncated message, trailing bytes or a bad
tag raise WireError), keeping the fields the tests read.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

PROTOCOL_VERSION = 3
MAX_CLIENT_MSG_BYTES = 512


class WireError(ValueError):
    """The bytes are not a valid server message."""


# ErrorCode numbers (PROTOCOL.md section 7, plus the v2 additions).
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


# --- encoding -------------------------------------------------------------


def varint(n: int) -> bytes:
    """The shortest varint form of n (encoders must write the shortest)."""
    if n < 0:
        raise ValueError("varints are unsigned")
    if n <= 250:
        return bytes([n])
    if n <= 0xFFFF:
        return b"\xfb" + struct.pack("<H", n)
    if n <= 0xFFFFFFFF:
        return b"\xfc" + struct.pack("<I", n)
    return b"\xfd" + struct.pack("<Q", n)


def string(s: str) -> bytes:
    raw = s.encode("utf-8")
    return varint(len(raw)) + raw


def boolean(b: bool) -> bytes:
    return b"\x01" if b else b"\x00"


def hello(name: str, version: int = PROTOCOL_VERSION) -> bytes:
    return varint(0) + varint(version) + string(name)


def list_lobbies() -> bytes:
    return varint(1)


def create_lobby(name: str, max_players: int, private: bool) -> bytes:
    return varint(2) + string(name) + bytes([max_players]) + boolean(private)


def join_code(code: str) -> bytes:
    # JoinLobby (tag 3) wrapping JoinTarget::Code (tag 1).
    return varint(3) + varint(1) + string(code)


def quick_join() -> bytes:
    return varint(4)


def leave_lobby() -> bytes:
    return varint(5)


def input_frame(
    seq: int,
    movement: tuple[float, float] = (0.0, 0.0),
    aim: tuple[float, float] = (0.0, 0.0),
    fire: bool = False,
    hitscan: bool = False,
    ack_tick: int = 0,
) -> bytes:
    """Input (tag 6). `hitscan` and `ack_tick` (the newest snapshot tick
    received, 0 before any) are the version-3 fields at the frame's end."""
    return (
        varint(6)
        + varint(seq)
        + struct.pack("<4f", *movement, *aim)
        + boolean(fire)
        + boolean(hitscan)
        + varint(ack_tick)
    )


def ping(client_time: int) -> bytes:
    return varint(7) + varint(client_time)


def resume(token: bytes, version: int = PROTOCOL_VERSION) -> bytes:
    # A ResumeToken is a fixed [u8; 16]: 16 raw bytes, no length prefix.
    if len(token) != 16:
        raise ValueError("a resume token is 16 bytes")
    return varint(8) + varint(version) + token


# --- decoding -------------------------------------------------------------


@dataclass
class EntityId:
    index: int
    generation: int


@dataclass
class Welcome:
    player: int
    protocol_version: int
    tick_hz: int
    max_message_bytes: int
    resume_token: bytes
    resume_grace_secs: int


@dataclass
class Joined:
    lobby: int
    join_code: str | None
    max_players: int
    entity: EntityId
    map_name: str
    tick: int


@dataclass
class PlayerState:
    id: EntityId
    pos: tuple[float, float]
    alive: bool


@dataclass
class Snapshot:
    tick: int
    last_input_seq: int
    players: list[PlayerState]
    projectiles: int


@dataclass
class Pong:
    client_time: int
    tick: int


@dataclass
class Error:
    code: int
    message: str


@dataclass
class Roster:
    players: list[tuple[EntityId, int, str]]


@dataclass
class ShuttingDown:
    reason: str
    drain_secs: int


@dataclass
class LobbyList:
    lobbies: list[tuple[int, str, int, int, str]]  # id, name, players, max, map


@dataclass
class Left:
    pass


# Widest varint marker each field type accepts (section 2.1).
U16, U32, U64 = 0xFB, 0xFC, 0xFD


class _Reader:
    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise WireError(f"truncated at byte {self.pos}, wanted {n} more")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def varint(self, widest: int) -> int:
        b = self.take(1)[0]
        if b <= 250:
            return b
        if b > widest:
            raise WireError(f"varint marker {b:#x} too wide for its field")
        size = {0xFB: 2, 0xFC: 4, 0xFD: 8}[b]
        return int.from_bytes(self.take(size), "little")

    def u8(self) -> int:
        return self.take(1)[0]

    def boolean(self) -> bool:
        b = self.u8()
        if b > 1:
            raise WireError(f"bad bool byte {b:#x}")
        return b == 1

    def f32(self) -> float:
        return struct.unpack("<f", self.take(4))[0]

    def vec2(self) -> tuple[float, float]:
        return (self.f32(), self.f32())

    def string(self) -> str:
        raw = self.take(self.varint(U64))
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise WireError(f"string is not UTF-8: {e}") from None

    def option(self, read):
        tag = self.u8()
        if tag > 1:
            raise WireError(f"bad Option byte {tag:#x}")
        return read() if tag == 1 else None

    def entity(self) -> EntityId:
        return EntityId(self.varint(U32), self.varint(U32))

    def rect(self) -> None:
        self.take(16)


def _welcome(r: _Reader) -> Welcome:
    return Welcome(
        player=r.varint(U64),
        protocol_version=r.varint(U16),
        tick_hz=r.varint(U16),
        max_message_bytes=r.varint(U32),
        resume_token=r.take(16),
        resume_grace_secs=r.varint(U16),
    )


def _joined(r: _Reader) -> Joined:
    lobby = r.varint(U32)
    code = r.option(r.string)
    max_players = r.u8()
    entity = r.entity()
    map_name = r.string()
    r.rect()  # bounds
    for _ in range(r.varint(U64)):
        r.rect()  # walls
    return Joined(lobby, code, max_players, entity, map_name, r.varint(U32))


def _player(r: _Reader) -> PlayerState:
    pid, pos = r.entity(), r.vec2()
    r.vec2()  # aim
    r.u8()  # hp
    alive = r.boolean()
    r.varint(U32)  # kills
    r.varint(U32)  # deaths
    return PlayerState(pid, pos, alive)


def _snapshot(r: _Reader) -> Snapshot:
    tick, last_seq = r.varint(U32), r.varint(U32)
    players = [_player(r) for _ in range(r.varint(U64))]
    projectiles = r.varint(U64)
    for _ in range(projectiles):
        r.entity(), r.entity(), r.vec2(), r.vec2()
    return Snapshot(tick, last_seq, players, projectiles)


def _roster(r: _Reader) -> Roster:
    return Roster([(r.entity(), r.varint(U64), r.string()) for _ in range(r.varint(U64))])


def _lobby_list(r: _Reader) -> LobbyList:
    items = range(r.varint(U64))
    return LobbyList([(r.varint(U32), r.string(), r.u8(), r.u8(), r.string()) for _ in items])


_DECODERS = {
    0: _welcome,
    1: _lobby_list,
    2: _joined,
    3: _snapshot,
    4: lambda r: Pong(r.varint(U64), r.varint(U32)),
    5: lambda r: Error(r.varint(U32), r.string()),
    6: lambda r: Left(),
    7: _roster,
    8: lambda r: ShuttingDown(r.string(), r.varint(U16)),
}


def decode_server(data: bytes):
    """Decodes one server message; WireError if it is not valid."""
    r = _Reader(bytes(data))
    tag = r.varint(U32)
    if tag not in _DECODERS:
        raise WireError(f"unknown server message tag {tag}")
    msg = _DECODERS[tag](r)
    if r.pos != len(r.data):
        raise WireError(f"{len(r.data) - r.pos} trailing bytes after {type(msg).__name__}")
    return msg
