"""Arena's payloads in protocol v5 (games/arena/PROTOCOL.md):
the input a client sends each tick (`ArenaInput`, inside the envelope's
Input), what Joined.info holds (`MapInfo`), the field schema of its
snapshot records (kind 0 players, kind 1 projectiles, a row per player
slot for the score) and its one event (`Killed`). Arena has no game
message: a Game message into an arena lobby is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

import bincode as b
import rallypoint_wire as wire
import records as rec
import views

NAME = wire.ARENA
PLAYER, PROJECTILE = 0, 1  # entity kinds
INPUT_BYTES = 18

SCHEMA = rec.GameSchema(
    name=NAME,
    kinds={
        PLAYER: rec.RecordSchema((("aim", rec.U8), ("hp", rec.U8), ("alive", rec.BOOL))),
        PROJECTILE: rec.RecordSchema((("owner", rec.U32),)),
    },
    row=rec.RecordSchema((("generation", rec.U32), ("kills", rec.U32), ("deaths", rec.U32))),
    avatar=True,
)


@dataclass
class ArenaInput:
    movement: tuple[float, float] = (0.0, 0.0)
    aim: tuple[float, float] = (0.0, 0.0)
    fire: bool = False
    hitscan: bool = False


def encode_input(i: ArenaInput) -> bytes:
    """ArenaInput: four f32s then two bools, 18 bytes."""
    return b.f32s(*i.movement, *i.aim) + b.boolean(i.fire) + b.boolean(i.hitscan)


def decode_input(data: bytes) -> ArenaInput:
    def read(r: b.Reader) -> ArenaInput:
        return ArenaInput(r.vec2(), r.vec2(), r.boolean(), r.boolean())

    return b.decode_all(data, read, "ArenaInput")


def payload(
    movement: tuple[float, float] = (0.0, 0.0),
    aim: tuple[float, float] = (0.0, 0.0),
    fire: bool = False,
    hitscan: bool = False,
) -> bytes:
    return encode_input(ArenaInput(movement, aim, fire, hitscan))


def frame(seq: int, ack_tick: int = 0, **kwargs) -> bytes:
    """One Input record (for `wire.inputs`) carrying an ArenaInput; the
    keyword arguments are `payload`'s."""
    return wire.input_record(seq, ack_tick, payload(**kwargs))


def input_msg(seq: int, ack_tick: int = 0, **kwargs) -> bytes:
    """An Input message (tag 6) carrying an ArenaInput."""
    return wire.input_msg(seq, ack_tick, payload(**kwargs))


# --- what the server sends -------------------------------------------------

Rect = tuple[tuple[float, float], tuple[float, float]]


@dataclass
class MapInfo:
    name: str
    bounds: Rect
    walls: list[Rect]


def decode_info(info: bytes) -> MapInfo:
    """Joined.info of an arena lobby."""

    def read(r: b.Reader) -> MapInfo:
        rect = lambda: (r.vec2(), r.vec2())  # noqa: E731
        return MapInfo(r.string(), rect(), r.items(rect))

    return b.decode_all(info, read, "MapInfo")


@dataclass
class Killed:  # ArenaEvent 0
    killer: int  # the killer's player slot index
    victim: int


def decode_event(payload: bytes) -> Killed:
    def read(r: b.Reader) -> Killed:
        r.tag(1, "ArenaEvent")
        return Killed(r.u32(), r.u32())

    return b.decode_all(payload, read, "ArenaEvent")


def players(view: views.View) -> dict:
    """index -> EntityView (track, fields aim/hp/alive) of players in view."""
    return view.of_kind(PLAYER)


def projectiles(view: views.View) -> dict:
    """index -> EntityView (track, field owner) of projectiles in view."""
    return view.of_kind(PROJECTILE)


def scores(view: views.View) -> dict:
    """slot index -> (kills, deaths), for every player in the lobby."""
    return {k: (row["kills"], row["deaths"]) for k, row in view.rows.items()}
