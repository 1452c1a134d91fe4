"""Snapshot records and views (docs/PROTOCOL.md, section 3.2).

A v5 `Snapshot` carries `records`: game-neutral records back to back, read
until the bytes end. The envelope is the engine's; the fields inside a
record are the game's, so reading them needs the game's field schema: a
`GameSchema` names each entity kind's fields, the row's and the
singleton's, each field a `FieldType` (its bincode encoding). Each game
module (games_arena, games_four) declares its schema.

`parse(records, schema)` turns the bytes into record objects (strictly:
WireError on a bad tag, a kind or mask the game does not have, a truncated
field); `encode(records, schema)` writes them back. Applying them is
`views`'s business.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import bincode as b
from bincode import Reader, WireError

FIXED_SCALE = 1024
# Entity records: tag = ENTITY_BASE + 16 * op + kind. Ops 6 to 13 are the
# update of the one field op - 6 (0 to 7), written without a mask.
ENTITY_BASE, KINDS, OPS = 8, 16, 14
ONE_FIELD_OPS = 6


# --- field schemas ---------------------------------------------------------


@dataclass(frozen=True)
class FieldType:
    name: str
    encode: Callable[[Any], bytes]
    decode: Callable[[Reader], Any]


U8 = FieldType("u8", b.u8, Reader.u8)
BOOL = FieldType("bool", b.boolean, Reader.boolean)
U32 = FieldType("u32", b.varint, Reader.u32)
U64 = FieldType("u64", b.varint, Reader.u64)


def option(t: FieldType) -> FieldType:
    return FieldType(
        f"Option<{t.name}>", lambda v: b.option(v, t.encode), lambda r: r.option(lambda: t.decode(r))
    )


def array(t: FieldType, n: int) -> FieldType:
    """A fixed array [t; n]: n items, no length."""

    def encode(v) -> bytes:
        if len(v) != n:
            raise ValueError(f"[{t.name}; {n}] given {len(v)} items")
        return b"".join(t.encode(x) for x in v)

    return FieldType(f"[{t.name}; {n}]", encode, lambda r: tuple(t.decode(r) for _ in range(n)))


@dataclass(frozen=True)
class RecordSchema:
    """A record type's fields 0..n in declaration order: (name, type)."""

    fields: tuple[tuple[str, FieldType], ...]

    def names(self) -> list[str]:
        return [name for name, _ in self.fields]

    def read_all(self, r: Reader) -> dict:
        return {name: t.decode(r) for name, t in self.fields}

    def write_all(self, values: dict) -> bytes:
        return b"".join(t.encode(values[name]) for name, t in self.fields)

    def check_mask(self, mask: int) -> None:
        if mask >> len(self.fields):
            raise WireError(f"mask {mask:#x} names a field past the {len(self.fields)} there are")

    def read_masked(self, r: Reader, mask: int) -> dict:
        self.check_mask(mask)
        return {name: t.decode(r) for i, (name, t) in enumerate(self.fields) if mask >> i & 1}

    def write_masked(self, mask: int, values: dict) -> bytes:
        self.check_mask(mask)
        return b"".join(t.encode(values[n]) for i, (n, t) in enumerate(self.fields) if mask >> i & 1)

    def mask_of(self, values: dict) -> int:
        return sum(1 << i for i, name in enumerate(self.names()) if name in values)


@dataclass(frozen=True)
class GameSchema:
    name: str
    kinds: dict  # kind number -> RecordSchema of its fields
    row: RecordSchema | None = None
    singleton: RecordSchema | None = None
    avatar: bool = False  # whether full snapshots carry Me


# --- records ---------------------------------------------------------------


@dataclass(frozen=True)
class Track:
    pos: tuple[int, int]
    vel: tuple[int, int]

    def after(self, ticks: int) -> "Track":
        """Extrapolated `ticks` ahead, wrapping like the i32s it is made of."""
        x, y = self.pos
        return Track(
            (b.i32_wrap(x + self.vel[0] * ticks), b.i32_wrap(y + self.vel[1] * ticks)), self.vel
        )


@dataclass
class Me:  # tag 0
    offset: tuple[int, int]


@dataclass
class Row:  # 1
    key: int
    fields: dict


@dataclass
class RowUpdate:  # 2
    key: int
    mask: int
    fields: dict


@dataclass
class RowGone:  # 3
    key: int


@dataclass
class Singleton:  # 4
    fields: dict


@dataclass
class SingletonUpdate:  # 5
    mask: int
    fields: dict


@dataclass
class SingletonGone:  # 6
    pass


@dataclass
class Enter:  # op 0
    kind: int
    index: int
    track: Track
    fields: dict


@dataclass
class EnterStill:  # op 1
    kind: int
    index: int
    fields: dict


@dataclass
class Motion:  # op 2
    kind: int
    index: int
    offset: tuple[int, int]
    vel: tuple[int, int]


@dataclass
class Update:  # op 3
    kind: int
    index: int
    mask: int
    fields: dict


@dataclass
class Hidden:  # op 4
    kind: int
    index: int


@dataclass
class Gone:  # op 5
    kind: int
    index: int


PLAIN = (Me, Row, RowUpdate, RowGone, Singleton, SingletonUpdate, SingletonGone)
ENTITY_OPS = (Enter, EnterStill, Motion, Update, Hidden, Gone)


def _need(schema_part, what: str, game: str):
    if schema_part is None:
        raise WireError(f"{what} record, but {game} has none")
    return schema_part


def _read_record(r: Reader, s: GameSchema):
    tag = r.varint(b.U32)
    if tag == 7 or tag >= ENTITY_BASE + KINDS * OPS:
        raise WireError(f"unknown snapshot record tag {tag}")
    if tag == 0:
        return Me(r.ivec2())
    if 1 <= tag <= 3:
        row = _need(s.row, "a row", s.name)
        key = r.u32()
        if tag == 1:
            return Row(key, row.read_all(r))
        if tag == 2:
            mask = r.u32()
            return RowUpdate(key, mask, row.read_masked(r, mask))
        return RowGone(key)
    if 4 <= tag <= 6:
        single = _need(s.singleton, "a singleton", s.name)
        if tag == 4:
            return Singleton(single.read_all(r))
        if tag == 5:
            mask = r.u32()
            return SingletonUpdate(mask, single.read_masked(r, mask))
        return SingletonGone()
    op, kind = divmod(tag - ENTITY_BASE, KINDS)
    if kind not in s.kinds:
        raise WireError(f"entity kind {kind}, which {s.name} does not have")
    fields, index = s.kinds[kind], r.u32()
    if op == 0:
        return Enter(kind, index, Track(r.ivec2(), r.ivec2()), fields.read_all(r))
    if op == 1:
        return EnterStill(kind, index, fields.read_all(r))
    if op == 2:
        return Motion(kind, index, r.ivec2(), r.ivec2())
    if op == 3:
        mask = r.u32()
        return Update(kind, index, mask, fields.read_masked(r, mask))
    if op >= ONE_FIELD_OPS:
        mask = 1 << (op - ONE_FIELD_OPS)
        return Update(kind, index, mask, fields.read_masked(r, mask))
    return (Hidden, Gone)[op - 4](kind, index)


def parse(records: bytes, schema: GameSchema) -> list:
    """The records of a snapshot, in order; WireError if they are not valid
    for `schema`'s game."""
    r = Reader(records)
    out = []
    while not r.done():
        out.append(_read_record(r, schema))
    return out


def _encode_record(c, s: GameSchema) -> bytes:
    if isinstance(c, Me):
        return b.varint(0) + b.ivec2(c.offset)
    if isinstance(c, (Row, RowUpdate, RowGone)):
        out = b.varint(PLAIN.index(type(c))) + b.varint(c.key)
        if isinstance(c, Row):
            return out + s.row.write_all(c.fields)
        if isinstance(c, RowUpdate):
            return out + b.varint(c.mask) + s.row.write_masked(c.mask, c.fields)
        return out
    if isinstance(c, Singleton):
        return b.varint(4) + s.singleton.write_all(c.fields)
    if isinstance(c, SingletonUpdate):
        return b.varint(5) + b.varint(c.mask) + s.singleton.write_masked(c.mask, c.fields)
    if isinstance(c, SingletonGone):
        return b.varint(6)
    op = ENTITY_OPS.index(type(c))
    lone = isinstance(c, Update) and bin(c.mask).count("1") == 1 and c.mask < 1 << 8
    if lone:
        op = ONE_FIELD_OPS + c.mask.bit_length() - 1
    out = b.varint(ENTITY_BASE + KINDS * op + c.kind) + b.varint(c.index)
    fields = s.kinds[c.kind]
    if isinstance(c, Enter):
        return out + b.ivec2(c.track.pos) + b.ivec2(c.track.vel) + fields.write_all(c.fields)
    if isinstance(c, EnterStill):
        return out + fields.write_all(c.fields)
    if isinstance(c, Motion):
        return out + b.ivec2(c.offset) + b.ivec2(c.vel)
    if lone:
        return out + fields.write_masked(c.mask, c.fields)
    if isinstance(c, Update):
        return out + b.varint(c.mask) + fields.write_masked(c.mask, c.fields)
    return out  # Hidden, Gone: the index alone


def encode(records: list, schema: GameSchema) -> bytes:
    return b"".join(_encode_record(c, schema) for c in records)


@dataclass
class Snapshot:
    tick: int
    baseline_age: int  # 0: a full snapshot
    input_seq_advance: int
    records: bytes  # raw: parse() them with the lobby's game schema

    @property
    def full(self) -> bool:
        return self.baseline_age == 0

    @property
    def baseline_tick(self) -> int | None:
        """The tick of the view this is a delta against; None if full."""
        return None if self.full else b.u32_wrap(self.tick - self.baseline_age)
