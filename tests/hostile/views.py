"""Views: what a client holds of its lobby at one tick, rebuilt from
snapshots as docs/PROTOCOL.md section 6.4 says: a full
snapshot starts from nothing, a delta from the held view of tick `tick -
baseline_age`; every track is advanced by the age, then the records are
applied in order. A record naming an entity, row or singleton the view
does not hold is an ApplyError (v4's UnknownEntity), and the whole
snapshot is dropped. `Views` keeps the last BASELINE_WINDOW views so
whichever tick the server deltas against is held.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import bincode as b
from bincode import WireError
from records import (
    Enter, EnterStill, GameSchema, Gone, Hidden, Me, Motion, Row, RowGone, RowUpdate,
    Singleton, SingletonGone, SingletonUpdate, Snapshot, Track, Update, encode, parse,
)

BASELINE_WINDOW = 32


class ApplyError(ValueError):
    """A snapshot that cannot be applied: its baseline is not held, or a
    record names an entity, row or singleton the view does not hold."""


@dataclass
class EntityView:
    track: Track | None  # None: entered still
    fields: dict


@dataclass
class View:
    """The lobby at one tick as a client knows it: `entities` by (kind,
    index), `rows` by key, the `singleton` (None if absent)."""

    tick: int = 0
    last_input_seq: int = 0
    me: tuple[int, int] = (0, 0)
    entities: dict = field(default_factory=dict)
    rows: dict = field(default_factory=dict)
    singleton: dict | None = None

    def of_kind(self, kind: int) -> dict:
        """index -> EntityView for the entities of one kind."""
        return {i: e for (k, i), e in self.entities.items() if k == kind}

    def apply(self, snap: Snapshot, records: list) -> "View":
        """The view `snap` (whose parsed records are `records`) describes,
        with `self` as its baseline (ignored if `snap` is full). Raises
        ApplyError, leaving `self` alone."""
        if snap.full:
            base = View()
        elif snap.baseline_tick == self.tick:
            base = self
        else:
            raise ApplyError(f"snapshot {snap.tick} needs baseline {snap.baseline_tick}, not {self.tick}")
        age = snap.baseline_age
        nxt = View(
            tick=snap.tick,
            last_input_seq=b.u32_wrap(base.last_input_seq + snap.input_seq_advance),
            me=base.me,
            entities={
                key: EntityView(e.track.after(age) if e.track else None, dict(e.fields))
                for key, e in base.entities.items()
            },
            rows={key: dict(fields) for key, fields in base.rows.items()},
            singleton=None if base.singleton is None else dict(base.singleton),
        )
        for record in records:
            nxt._record(record)
        return nxt

    def _held(self, table: dict, key, c):
        if key not in table:
            raise ApplyError(f"{type(c).__name__} names {key}, which is not held")
        return table[key]

    def _record(self, c) -> None:
        if isinstance(c, Me):
            self.me = (b.i32_wrap(self.me[0] + c.offset[0]), b.i32_wrap(self.me[1] + c.offset[1]))
        elif isinstance(c, Row):
            self.rows[c.key] = dict(c.fields)
        elif isinstance(c, RowUpdate):
            self._held(self.rows, c.key, c).update(c.fields)
        elif isinstance(c, RowGone):
            self._held(self.rows, c.key, c)
            del self.rows[c.key]
        elif isinstance(c, Singleton):
            self.singleton = dict(c.fields)
        elif isinstance(c, (SingletonUpdate, SingletonGone)):
            if self.singleton is None:
                raise ApplyError(f"{type(c).__name__} with no singleton held")
            if isinstance(c, SingletonGone):
                self.singleton = None
            else:
                self.singleton.update(c.fields)
        else:
            self._entity(c)

    def _entity(self, c) -> None:
        key = (c.kind, c.index)
        if isinstance(c, Enter):
            self.entities[key] = EntityView(c.track, dict(c.fields))
        elif isinstance(c, EnterStill):
            self.entities[key] = EntityView(None, dict(c.fields))
        elif isinstance(c, Motion):
            e = self._held(self.entities, key, c)
            if e.track is None:
                raise ApplyError(f"Motion for {key}, which entered still")
            x, y = e.track.pos
            e.track = Track((b.i32_wrap(x + c.offset[0]), b.i32_wrap(y + c.offset[1])), c.vel)
        elif isinstance(c, Update):
            self._held(self.entities, key, c).fields.update(c.fields)
        elif isinstance(c, (Hidden, Gone)):
            self._held(self.entities, key, c)
            del self.entities[key]
        else:
            raise TypeError(f"not a record: {c!r}")

    def to_full(self, schema: GameSchema) -> Snapshot:
        """This view as the full snapshot a client without a baseline would
        be sent for it."""
        records: list = [Me(self.me)] if schema.avatar else []
        for (kind, index), e in sorted(self.entities.items()):
            if e.track is None:
                records.append(EnterStill(kind, index, e.fields))
            else:
                records.append(Enter(kind, index, e.track, e.fields))
        records += [Row(key, fields) for key, fields in sorted(self.rows.items())]
        if self.singleton is not None:
            records.append(Singleton(self.singleton))
        return Snapshot(self.tick, 0, self.last_input_seq, encode(records, schema))


class Views:
    """The views a client keeps (at least BASELINE_WINDOW of them) so that
    whichever acknowledged tick the server deltas against is still held."""

    def __init__(self, schema: GameSchema, keep: int = BASELINE_WINDOW):
        self.schema = schema
        self.keep = keep
        self.views: list[View] = []  # oldest first
        self.refused = 0  # snapshots not applied: baseline not held, or invalid
        self.last_error: Exception | None = None

    def clear(self) -> None:
        """On Joined: ticks from before it are never baselines."""
        self.views.clear()

    def receive(self, snap: Snapshot) -> View:
        """Applies `snap`; the new newest view. Raises ApplyError or
        WireError (and counts it) if it cannot be applied; nothing held
        changes then."""
        try:
            records = parse(snap.records, self.schema)
            if snap.full:
                view = View().apply(snap, records)
            else:
                wanted = snap.baseline_tick
                base = next((v for v in reversed(self.views) if v.tick == wanted), None)
                if base is None:
                    raise ApplyError(f"snapshot {snap.tick}: baseline {wanted} not held")
                view = base.apply(snap, records)
        except (ApplyError, WireError) as e:
            self.refused += 1
            self.last_error = e
            raise
        self.views.append(view)
        del self.views[: -self.keep]
        return view

    def newest(self) -> View | None:
        return self.views[-1] if self.views else None

    def ack_tick(self) -> int:
        """What to acknowledge (Input.ack_tick, Ack.tick): the newest view
        held, 0 for none."""
        return self.views[-1].tick if self.views else 0
