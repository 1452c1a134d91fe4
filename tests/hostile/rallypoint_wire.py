"""The Rallypoint wire format (protocol version 4), written from
docs/PROTOCOL.md alone, not from the Rust code: these tests play clients
written by someone other than the server's authors, so a misreading of the
document shows up here as a failing test instead of being shared by both
sides.

Encoding (PROTOCOL.md section 2): bincode 2 standard config. Unsigned
integers are varints (one byte up to 250, else a 251/252/253 marker and a
little-endian u16/u32/u64), u8 is one raw byte, bool is 00/01, f32 is
little-endian IEEE, strings and lists are a varint length then the items,
Option is 00 or 01+value, and an enum is its variant index as a varint tag.
i32 (only in snapshots) is zigzagged into a u32 varint. A message is the tag
and its fields, nothing around it.

Only the client messages the hostile tests send are encoded (`Inputs`, a
batch of input frames, included), plus snapshots
(to measure what a full one costs). Every server message is decoded
strictly (a truncated message, trailing bytes or a bad tag raise
WireError), keeping the fields the tests read. A snapshot decodes to its
header and list of changes; `Views` applies them as PROTOCOL.md section 6.4
says and gives the `View`s (tick, last_input_seq, players, scores ...) the
tests read. `apply_roster` keeps a lobby's roster from `Roster` and
`RosterUpdate` messages as section 6.10 says.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field, replace

PROTOCOL_VERSION = 4
MAX_CLIENT_MSG_BYTES = 512
# Most inputs in one Inputs message (PROTOCOL.md section 1); the server
# answers an empty or longer batch with InvalidField.
MAX_INPUTS_PER_MESSAGE = 8
# Snapshot constants (PROTOCOL.md section 1).
FIXED_SCALE = 1024
BASELINE_WINDOW = 32


class WireError(ValueError):
    """The bytes are not a valid server message."""


class ApplyError(ValueError):
    """A snapshot that cannot be applied: its baseline is not held, or a
    change names an index the view does not hold (PROTOCOL.md 6.4)."""


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


def zigzag(n: int) -> bytes:
    """An i32: zigzagged into a u32, then a varint."""
    if not -(2**31) <= n < 2**31:
        raise ValueError("not an i32")
    return varint(2 * n if n >= 0 else -2 * n - 1)


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


def u32_wrap(n: int) -> int:
    return n & 0xFFFFFFFF


def i32_wrap(n: int) -> int:
    """n as a wrapping 32-bit signed integer."""
    return ((n + 2**31) & 0xFFFFFFFF) - 2**31


def frame(
    seq: int,
    movement: tuple[float, float] = (0.0, 0.0),
    aim: tuple[float, float] = (0.0, 0.0),
    fire: bool = False,
    hitscan: bool = False,
    ack_tick: int = 0,
) -> bytes:
    """An InputFrame's fields (section 3), as Input and Inputs carry it.
    `hitscan` and `ack_tick` (the newest snapshot tick held as a view, 0
    for none) are the version-3 fields at its end."""
    return (
        varint(seq)
        + struct.pack("<4f", *movement, *aim)
        + boolean(fire)
        + boolean(hitscan)
        + varint(ack_tick)
    )


def input_frame(seq: int, *args, **kwargs) -> bytes:
    """Input (tag 6): one frame; the arguments are `frame`'s."""
    return varint(6) + frame(seq, *args, **kwargs)


def inputs(frames: list[bytes]) -> bytes:
    """Inputs (tag 9): several frames (from `frame`), oldest first, as a
    list: a varint count, then the frames, with no tag each."""
    return varint(9) + varint(len(frames)) + b"".join(frames)


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
    snapshot_hz: int  # snapshots per second in a lobby, 1 to tick_hz
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


# Snapshots (PROTOCOL.md section 3). Fixed-point pairs are (x, y) tuples of
# ints; velocities are per tick.


@dataclass(frozen=True)
class Track:
    pos: tuple[int, int]
    vel: tuple[int, int]

    def after(self, ticks: int) -> "Track":
        """Extrapolated `ticks` ahead, wrapping like the i32s it is made of."""
        return Track(
            (
                i32_wrap(self.pos[0] + self.vel[0] * ticks),
                i32_wrap(self.pos[1] + self.vel[1] * ticks),
            ),
            self.vel,
        )


@dataclass(frozen=True)
class Me:  # change tag 0
    offset: tuple[int, int]


@dataclass(frozen=True)
class PlayerEnter:  # 1
    index: int
    track: Track
    aim: int
    hp: int
    alive: bool


@dataclass(frozen=True)
class PlayerHidden:  # 2
    index: int


@dataclass(frozen=True)
class PlayerMotion:  # 3
    index: int
    offset: tuple[int, int]
    vel: tuple[int, int]


@dataclass(frozen=True)
class PlayerAim:  # 4
    index: int
    aim: int


@dataclass(frozen=True)
class PlayerHealth:  # 5
    index: int
    hp: int
    alive: bool


@dataclass(frozen=True)
class Score:  # 6
    index: int
    kills: int
    deaths: int


@dataclass(frozen=True)
class PlayerLeft:  # 7
    index: int


@dataclass(frozen=True)
class ProjectileEnter:  # 8
    index: int
    owner: int
    track: Track


@dataclass(frozen=True)
class ProjectileGone:  # 9
    index: int


@dataclass(frozen=True)
class ProjectileMotion:  # 10
    index: int
    offset: tuple[int, int]
    vel: tuple[int, int]


# Change classes in tag order.
CHANGES = (
    Me,
    PlayerEnter,
    PlayerHidden,
    PlayerMotion,
    PlayerAim,
    PlayerHealth,
    Score,
    PlayerLeft,
    ProjectileEnter,
    ProjectileGone,
    ProjectileMotion,
)


@dataclass
class Snapshot:
    tick: int
    baseline_age: int  # 0: a full snapshot
    input_seq_advance: int
    changes: list

    @property
    def full(self) -> bool:
        return self.baseline_age == 0

    @property
    def baseline_tick(self) -> int | None:
        """The tick of the view this is a delta against; None if full."""
        return None if self.full else u32_wrap(self.tick - self.baseline_age)


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
    players: list[tuple[EntityId, int, str]]  # entity, player, name


@dataclass
class RosterUpdate:
    added: list[tuple[EntityId, int, str]]  # entity, player, name
    removed: list[EntityId]


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

    def i32(self) -> int:
        n = self.varint(U32)
        return n >> 1 if n % 2 == 0 else -(n >> 1) - 1

    def ivec2(self) -> tuple[int, int]:
        return (self.i32(), self.i32())

    def track(self) -> Track:
        return Track(self.ivec2(), self.ivec2())

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
        snapshot_hz=r.varint(U16),
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


# How to read each change's fields, in tag order.
_CHANGE_FIELDS = (
    lambda r: Me(r.ivec2()),
    lambda r: PlayerEnter(r.varint(U32), r.track(), r.u8(), r.u8(), r.boolean()),
    lambda r: PlayerHidden(r.varint(U32)),
    lambda r: PlayerMotion(r.varint(U32), r.ivec2(), r.ivec2()),
    lambda r: PlayerAim(r.varint(U32), r.u8()),
    lambda r: PlayerHealth(r.varint(U32), r.u8(), r.boolean()),
    lambda r: Score(r.varint(U32), r.varint(U32), r.varint(U32)),
    lambda r: PlayerLeft(r.varint(U32)),
    lambda r: ProjectileEnter(r.varint(U32), r.varint(U32), r.track()),
    lambda r: ProjectileGone(r.varint(U32)),
    lambda r: ProjectileMotion(r.varint(U32), r.ivec2(), r.ivec2()),
)


def _change(r: _Reader):
    tag = r.varint(U32)
    if tag >= len(_CHANGE_FIELDS):
        raise WireError(f"unknown snapshot change tag {tag}")
    return _CHANGE_FIELDS[tag](r)


def _snapshot(r: _Reader) -> Snapshot:
    tick, age, advance = r.varint(U32), r.u8(), r.varint(U32)
    count = r.varint(U64)
    # Every change is at least 2 bytes: refuse a count the rest cannot hold
    # before looping over it.
    if count > (len(r.data) - r.pos) // 2:
        raise WireError(f"truncated: {count} changes declared")
    return Snapshot(tick, age, advance, [_change(r) for _ in range(count)])


def _ivec(v: tuple[int, int]) -> bytes:
    return zigzag(v[0]) + zigzag(v[1])


def _track(t: Track) -> bytes:
    return _ivec(t.pos) + _ivec(t.vel)


def _encode_change(c) -> bytes:
    out = varint(CHANGES.index(type(c)))
    if isinstance(c, Me):
        return out + _ivec(c.offset)
    out += varint(c.index)
    if isinstance(c, PlayerEnter):
        return out + _track(c.track) + bytes([c.aim, c.hp]) + boolean(c.alive)
    if isinstance(c, (PlayerMotion, ProjectileMotion)):
        return out + _ivec(c.offset) + _ivec(c.vel)
    if isinstance(c, PlayerAim):
        return out + bytes([c.aim])
    if isinstance(c, PlayerHealth):
        return out + bytes([c.hp]) + boolean(c.alive)
    if isinstance(c, Score):
        return out + varint(c.kills) + varint(c.deaths)
    if isinstance(c, ProjectileEnter):
        return out + varint(c.owner) + _track(c.track)
    return out  # PlayerHidden, PlayerLeft, ProjectileGone: the index alone


def encode_snapshot(snap: Snapshot) -> bytes:
    """The server message for `snap` (ServerMsg tag 3), as the server would
    send it."""
    return (
        varint(3)
        + varint(snap.tick)
        + bytes([snap.baseline_age])
        + varint(snap.input_seq_advance)
        + varint(len(snap.changes))
        + b"".join(_encode_change(c) for c in snap.changes)
    )


# --- views: applying snapshots (PROTOCOL.md 6.4) -----------------------------


@dataclass
class PlayerView:
    track: Track
    aim: int
    hp: int
    alive: bool


@dataclass
class ProjectileView:
    owner: int
    track: Track


@dataclass
class View:
    """The world at one tick as a client knows it. `players` and
    `projectiles` are what is in its view, by index; `scores` is
    index -> (kills, deaths) for every player in the lobby."""

    tick: int = 0
    last_input_seq: int = 0
    me: tuple[int, int] = (0, 0)
    players: dict = field(default_factory=dict)
    projectiles: dict = field(default_factory=dict)
    scores: dict = field(default_factory=dict)

    @property
    def me_units(self) -> tuple[float, float]:
        """This client's own position in world units."""
        return (self.me[0] / FIXED_SCALE, self.me[1] / FIXED_SCALE)

    def apply(self, snap: Snapshot) -> "View":
        """The view `snap` describes, with `self` as its baseline (ignored
        if `snap` is full). Raises ApplyError, leaving `self` alone."""
        if snap.full:
            base = View()
        elif snap.baseline_tick == self.tick:
            base = self
        else:
            raise ApplyError(
                f"snapshot {snap.tick} needs baseline {snap.baseline_tick}, not {self.tick}"
            )
        age = snap.baseline_age
        nxt = View(
            tick=snap.tick,
            last_input_seq=u32_wrap(base.last_input_seq + snap.input_seq_advance),
            me=base.me,
            players={i: replace(p, track=p.track.after(age)) for i, p in base.players.items()},
            projectiles={
                i: replace(p, track=p.track.after(age)) for i, p in base.projectiles.items()
            },
            scores=dict(base.scores),
        )
        for change in snap.changes:
            nxt._change(change)
        return nxt

    def _change(self, c) -> None:
        def held(table: dict, index: int):
            if index not in table:
                raise ApplyError(f"{type(c).__name__} names {index}, which is not held")
            return table[index]

        def moved(track: Track, offset, vel) -> Track:
            pos = (i32_wrap(track.pos[0] + offset[0]), i32_wrap(track.pos[1] + offset[1]))
            return Track(pos, vel)

        if isinstance(c, Me):
            self.me = (i32_wrap(self.me[0] + c.offset[0]), i32_wrap(self.me[1] + c.offset[1]))
        elif isinstance(c, PlayerEnter):
            self.players[c.index] = PlayerView(c.track, c.aim, c.hp, c.alive)
        elif isinstance(c, PlayerHidden):
            held(self.players, c.index)
            del self.players[c.index]
        elif isinstance(c, PlayerMotion):
            p = held(self.players, c.index)
            p.track = moved(p.track, c.offset, c.vel)
        elif isinstance(c, PlayerAim):
            held(self.players, c.index).aim = c.aim
        elif isinstance(c, PlayerHealth):
            p = held(self.players, c.index)
            p.hp, p.alive = c.hp, c.alive
        elif isinstance(c, Score):
            self.scores[c.index] = (c.kills, c.deaths)
        elif isinstance(c, PlayerLeft):
            held(self.scores, c.index)
            del self.scores[c.index]
            self.players.pop(c.index, None)
        elif isinstance(c, ProjectileEnter):
            self.projectiles[c.index] = ProjectileView(c.owner, c.track)
        elif isinstance(c, ProjectileGone):
            held(self.projectiles, c.index)
            del self.projectiles[c.index]
        elif isinstance(c, ProjectileMotion):
            p = held(self.projectiles, c.index)
            p.track = moved(p.track, c.offset, c.vel)
        else:
            raise TypeError(f"not a change: {c!r}")

    def to_full(self) -> Snapshot:
        """This view as the full snapshot a client without a baseline would
        be sent for it."""
        changes: list = [Me(self.me)]
        for i, p in sorted(self.players.items()):
            changes.append(PlayerEnter(i, p.track, p.aim, p.hp, p.alive))
        for i, p in sorted(self.projectiles.items()):
            changes.append(ProjectileEnter(i, p.owner, p.track))
        for i, (kills, deaths) in sorted(self.scores.items()):
            changes.append(Score(i, kills, deaths))
        return Snapshot(self.tick, 0, self.last_input_seq, changes)


class Views:
    """The views a client keeps (at least BASELINE_WINDOW of them) so that
    whichever acknowledged tick the server deltas against is still held."""

    def __init__(self, keep: int = BASELINE_WINDOW):
        self.keep = keep
        self.views: list[View] = []  # oldest first
        self.refused = 0  # deltas whose baseline was not held, or invalid

    def clear(self) -> None:
        """On Joined: ticks from before it are never baselines."""
        self.views.clear()

    def receive(self, snap: Snapshot) -> View:
        """Applies `snap`; the new newest view. Raises ApplyError (and
        counts it) if it cannot be applied; nothing held changes then."""
        try:
            if snap.full:
                view = View().apply(snap)
            else:
                wanted = snap.baseline_tick
                base = next((v for v in reversed(self.views) if v.tick == wanted), None)
                if base is None:
                    raise ApplyError(f"snapshot {snap.tick}: baseline {wanted} not held")
                view = base.apply(snap)
        except ApplyError:
            self.refused += 1
            raise
        self.views.append(view)
        del self.views[: -self.keep]
        return view

    def newest(self) -> View | None:
        return self.views[-1] if self.views else None

    def ack_tick(self) -> int:
        """What to send as Input.ack_tick: the newest view held, 0 for none."""
        return self.views[-1].tick if self.views else 0


def _roster_entries(r: _Reader) -> list[tuple[EntityId, int, str]]:
    return [(r.entity(), r.varint(U64), r.string()) for _ in range(r.varint(U64))]


def _roster(r: _Reader) -> Roster:
    return Roster(_roster_entries(r))


def _roster_update(r: _Reader) -> RosterUpdate:
    added = _roster_entries(r)
    return RosterUpdate(added, [r.entity() for _ in range(r.varint(U64))])


def apply_roster(roster: dict, msg) -> None:
    """Applies a Roster or RosterUpdate to `roster`, a client's table of
    its lobby: (index, generation) -> (player, name). A Roster replaces it
    all; an update inserts or replaces its `added`, then deletes its
    `removed`, ignoring entities not held (PROTOCOL.md 6.10)."""
    if isinstance(msg, Roster):
        roster.clear()
        added, removed = msg.players, []
    elif isinstance(msg, RosterUpdate):
        added, removed = msg.added, msg.removed
    else:
        raise TypeError(f"not a roster message: {msg!r}")
    for entity, player, name in added:
        roster[(entity.index, entity.generation)] = (player, name)
    for entity in removed:
        roster.pop((entity.index, entity.generation), None)


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
    9: _roster_update,
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
