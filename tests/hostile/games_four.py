"""Four in a Row's payloads in protocol v5 (games/four/PROTOCOL.md): the messages a client sends (`FourMsg`, inside the
envelope's Game message), the events it gets (`FourEvent`, inside Event),
what Joined.info holds (`FourInfo`) and the field schema of its snapshot
records (a row per seat, the `FourState` singleton; no entities). Four
takes no per-tick input: clients acknowledge snapshots with Ack.
"""

from __future__ import annotations

from dataclasses import dataclass

import bincode as b
import rallypoint_wire as wire
import records as rec

NAME = wire.FOUR
COLUMNS, ROWS = 7, 6
CELLS = COLUMNS * ROWS
FORFEIT_REASONS = ("TurnTimer", "Left", "Expired")


# --- messages (FourMsg) ------------------------------------------------------


def drop(column: int) -> bytes:
    """FourMsg::Drop { column: u8 }: the payload of a Game message."""
    return b.varint(0) + b.u8(column)


def rematch() -> bytes:
    """FourMsg::Rematch."""
    return b.varint(1)


def drop_msg(column: int) -> bytes:
    return wire.game_msg(drop(column))


# --- replicated state -----------------------------------------------------


@dataclass(frozen=True)
class Phase:
    name: str  # Waiting, Playing, Won, Draw, Forfeit
    seat: int | None = None  # Won, Forfeit
    why: str | None = None  # Forfeit: one of FORFEIT_REASONS


_PHASES = ("Waiting", "Playing", "Won", "Draw", "Forfeit")


def _encode_phase(p: Phase) -> bytes:
    out = b.varint(_PHASES.index(p.name))
    if p.name in ("Won", "Forfeit"):
        out += b.u8(p.seat)
    if p.name == "Forfeit":
        out += b.varint(FORFEIT_REASONS.index(p.why))
    return out


def _forfeit_reason(r: b.Reader) -> str:
    return FORFEIT_REASONS[r.tag(len(FORFEIT_REASONS), "ForfeitReason")]


def _decode_phase(r: b.Reader) -> Phase:
    name = _PHASES[r.tag(len(_PHASES), "Phase")]
    if name == "Won":
        return Phase(name, r.u8())
    if name == "Forfeit":
        return Phase(name, r.u8(), _forfeit_reason(r))
    return Phase(name)


PHASE = rec.FieldType("Phase", _encode_phase, _decode_phase)


def _decode_board(r: b.Reader) -> tuple:
    cells = tuple(r.take(CELLS))
    if max(cells) > 2:
        raise b.WireError(f"a board cell of {max(cells)}: each is 0, 1 or 2")
    return cells


# 42 cells, one byte each, no length (a fixed array).
BOARD = rec.FieldType("Board", rec.array(rec.U8, CELLS).encode, _decode_board)

SCHEMA = rec.GameSchema(
    name=NAME,
    kinds={},
    row=rec.RecordSchema((("player", rec.U64), ("wins", rec.U32), ("rematch", rec.BOOL))),
    singleton=rec.RecordSchema(
        (
            # cell index = row * 7 + column, rows from the bottom; 0 empty,
            # 1 seat 0's disc, 2 seat 1's.
            ("board", BOARD),
            ("turn", rec.option(rec.U8)),
            ("phase", PHASE),
            ("deadline", rec.U32),
            ("moves", rec.U8),
            ("game", rec.U32),
        )
    ),
)


def cell(board: tuple, column: int, row: int) -> int:
    return board[row * COLUMNS + column]


# --- what the server sends -------------------------------------------------


@dataclass
class FourInfo:
    seat: int | None
    turn_ticks: int


def decode_info(info: bytes) -> FourInfo:
    """Joined.info of a four lobby."""
    return b.decode_all(info, lambda r: FourInfo(r.option(r.u8), r.u32()), "FourInfo")


@dataclass
class Started:  # 0
    game: int
    first: int


@dataclass
class Moved:  # 1
    seat: int
    column: int
    row: int


@dataclass
class Won:  # 2
    seat: int
    cells: list[tuple[int, int]]  # four (column, row)


@dataclass
class Draw:  # 3
    pass


@dataclass
class Forfeit:  # 4
    seat: int
    why: str


@dataclass
class RematchRequested:  # 5
    seat: int


@dataclass
class Illegal:  # 6
    reason: str


_EVENTS = (
    lambda r: Started(r.u32(), r.u8()),
    lambda r: Moved(r.u8(), r.u8(), r.u8()),
    lambda r: Won(r.u8(), [(r.u8(), r.u8()) for _ in range(4)]),
    lambda r: Draw(),
    lambda r: Forfeit(r.u8(), _forfeit_reason(r)),
    lambda r: RematchRequested(r.u8()),
    lambda r: Illegal(r.string()),
)


def decode_event(payload: bytes):
    return b.decode_all(payload, lambda r: _EVENTS[r.tag(len(_EVENTS), "FourEvent")](r), "FourEvent")
