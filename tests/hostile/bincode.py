"""bincode 2, standard config, as protocol v5 uses it (docs/PROTOCOL.md
section 2): the primitives the
envelope (rallypoint_wire), the snapshot records (records) and each game's
payloads (games_arena, games_four) are spelled with, written from the
document, not from the Rust code.

Unsigned integers are varints (one byte up to 250, else a 251/252/253
marker and a little-endian u16/u32/u64), u8 is one raw byte, bool is
00/01, f32 is little-endian IEEE, strings, lists and `bytes` are a varint
length then the items, Option is 00 or 01+value, an enum is its variant
index as a varint, a fixed array is its items with no length, and i32 is
zigzagged into a u32 varint.

Encoders are plain functions returning bytes. `Reader` decodes strictly:
a truncated value, a varint wider than its field, a bad bool or Option
byte or invalid UTF-8 raise WireError.
"""

from __future__ import annotations

import struct


class WireError(ValueError):
    """The bytes are not a valid encoding of what was expected."""


# Widest varint marker each field type accepts (PROTOCOL.md 2.1).
U16, U32, U64 = 0xFB, 0xFC, 0xFD


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


def u8(n: int) -> bytes:
    return bytes([n])


def boolean(b: bool) -> bytes:
    return b"\x01" if b else b"\x00"


def f32s(*values: float) -> bytes:
    return struct.pack(f"<{len(values)}f", *values)


def string(s: str) -> bytes:
    raw = s.encode("utf-8")
    return varint(len(raw)) + raw


def blob(raw: bytes) -> bytes:
    """`bytes` (a Vec<u8>): a varint length, then the raw bytes."""
    return varint(len(raw)) + bytes(raw)


def option(value, encode) -> bytes:
    return b"\x00" if value is None else b"\x01" + encode(value)


def ivec2(v: tuple[int, int]) -> bytes:
    return zigzag(v[0]) + zigzag(v[1])


def u32_wrap(n: int) -> int:
    return n & 0xFFFFFFFF


def i32_wrap(n: int) -> int:
    """n as a wrapping 32-bit signed integer."""
    return ((n + 2**31) & 0xFFFFFFFF) - 2**31


# --- decoding -------------------------------------------------------------


class Reader:
    def __init__(self, data: bytes):
        self.data = bytes(data)
        self.pos = 0

    def left(self) -> int:
        return len(self.data) - self.pos

    def done(self) -> bool:
        return self.pos == len(self.data)

    def end(self, what: str) -> None:
        """Raises WireError if any byte is left after `what`."""
        if not self.done():
            raise WireError(f"{self.left()} trailing bytes after {what}")

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

    def u16(self) -> int:
        return self.varint(U16)

    def u32(self) -> int:
        return self.varint(U32)

    def u64(self) -> int:
        return self.varint(U64)

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

    def length(self) -> int:
        """A list's or string's length, refused if the rest cannot hold it
        (every item is at least a byte), before anything loops over it."""
        n = self.varint(U64)
        if n > self.left():
            raise WireError(f"truncated: {n} items declared, {self.left()} bytes left")
        return n

    def string(self) -> str:
        raw = self.take(self.length())
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise WireError(f"string is not UTF-8: {e}") from None

    def blob(self) -> bytes:
        return self.take(self.length())

    def option(self, read):
        tag = self.u8()
        if tag > 1:
            raise WireError(f"bad Option byte {tag:#x}")
        return read() if tag == 1 else None

    def items(self, read) -> list:
        return [read() for _ in range(self.length())]

    def tag(self, count: int, what: str) -> int:
        """An enum's variant index, refused unless below `count`."""
        t = self.varint(U32)
        if t >= count:
            raise WireError(f"unknown {what} tag {t}")
        return t


def decode_all(data: bytes, read, what: str):
    """`read(reader)` over the whole of `data`; WireError if it is
    truncated or leaves bytes over."""
    r = Reader(data)
    value = read(r)
    r.end(what)
    return value
