"""The canary: an honest arena player in its own lobby, sending one input per tick
and reading every snapshot, while a test attacks the same server. The
point of every hostile test is that one client's misbehaviour costs only
that client, so each one checks that the canary keeps getting snapshots at
their rate (Welcome.snapshot_hz, the tick rate unless the server was told
otherwise) during and after the attack, and that its inputs are still
applied (last_input_seq keeps moving). It applies every snapshot (full or
delta, its records read with arena's field schema) to the views it holds,
as PROTOCOL.md 6.4 asks, acknowledges the newest in each Input's
ack_tick, and counts any snapshot it could not apply as a failure. It
keeps its lobby's roster from Roster and RosterUpdate messages (6.10),
and decodes every game Event it gets (arena's Killed) strictly.

Rates are measured by arrival time in the test process. The CI box has 2
cores and runs a debug build, so the bound is tolerant (80% of the
snapshot rate by default); a server stalled by an attack for a quarter of a
second misses it (snapshots are latest-wins, so a stall loses them).
"""

from __future__ import annotations

import asyncio
import math
import time

import games_arena as arena
import harness
import rallypoint_wire as wire

DEFAULT_FRACTION = 0.8
# Of the wall-clock snapshot rate, what a lobby must keep up during an attack:
# a blocked tick loop falls far below it, a slow (CPU-starved) one does not.
TICKING_FRACTION = 0.3
DEFAULT_WINDOW = 1.0


class Canary:
    def __init__(self, ws, welcome: wire.Welcome, joined: wire.Joined, fire: bool):
        self.ws = ws
        self.tick_hz = welcome.tick_hz  # inputs a second
        self.snapshot_hz = welcome.snapshot_hz  # snapshots a second
        self.player = welcome.player
        self.joined = joined
        self.fire = fire
        # Each snapshot applied, as the view it produced, by arrival time.
        self.arrivals: list[tuple[float, wire.View]] = []
        self.views = wire.Views(arena.SCHEMA)
        self.snapshot_bytes = 0
        self.others: list = []  # every non-snapshot message, in order
        self.events: list = []  # arena events, decoded
        # player -> RosterEntry: who is in the lobby.
        self.roster: dict = {}
        self.seq = 0
        self._reader = asyncio.create_task(self._read())
        self._player = asyncio.create_task(self._play())

    @classmethod
    async def start(
        cls,
        server: harness.Server,
        name: str = "canary",
        code: str | None = None,
        max_players: int = 8,
        fire: bool = False,
        token: str | None = None,
    ) -> "Canary":
        """Joins the private lobby `code`, or creates one of its own, and
        waits for its first snapshot. `fire`: shoot every tick it can, aiming
        round the clock, so that snapshots carry projectiles."""
        ws = await harness.connect(server)
        welcome = await harness.say_hello(ws, name, token)
        if code is None:
            await ws.send(wire.create_lobby(arena.NAME, name, max_players, private=True))
        else:
            await ws.send(wire.join_code(code))
        joined = await harness.recv_until(ws, wire.Joined)
        assert joined.game == arena.NAME, joined
        arena.decode_info(joined.info)  # a MapInfo, strictly
        canary = cls(ws, welcome, joined, fire)
        await canary.wait_for_snapshot()
        return canary

    async def _read(self) -> None:
        async for data in self.ws:
            msg = wire.decode_server(data)
            if isinstance(msg, wire.Snapshot):
                self.snapshot_bytes += len(data)
                try:
                    view = self.views.receive(msg)
                except (wire.ApplyError, wire.WireError):
                    continue  # counted in views.refused; _check fails on it
                self.arrivals.append((time.monotonic(), view))
            else:
                if isinstance(msg, wire.Joined):
                    self.views.clear()
                elif isinstance(msg, (wire.Roster, wire.RosterUpdate)):
                    wire.apply_roster(self.roster, msg)
                elif isinstance(msg, wire.Left):
                    self.roster.clear()
                elif isinstance(msg, wire.Event):
                    self.events.append(arena.decode_event(msg.payload))
                self.others.append(msg)

    async def _play(self) -> None:
        """One input per tick, as the protocol asks (section 6.4)."""
        period = 1.0 / self.tick_hz
        next_at = time.monotonic()
        while True:
            self.seq += 1
            turn = self.seq * 0.1
            await self.ws.send(
                arena.input_msg(
                    self.seq,
                    ack_tick=self.views.ack_tick(),
                    movement=(math.cos(turn / 7), math.sin(turn / 7)),
                    aim=(math.cos(turn), math.sin(turn)),
                    fire=self.fire,
                )
            )
            next_at += period
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))

    async def wait_for_snapshot(self, timeout: float = 3.0) -> None:
        async with asyncio.timeout(timeout):
            while not self.arrivals:
                await asyncio.sleep(0.01)

    async def wait_for_players(self, count: int, timeout: float = 5.0) -> None:
        """Until the newest view shows `count` players in the lobby (its
        rows, the score table: players out of view are in it too)."""
        try:
            async with asyncio.timeout(timeout):
                while len(self.arrivals[-1][1].rows) != count:
                    await asyncio.sleep(0.02)
        except TimeoutError:
            seen = len(self.arrivals[-1][1].rows)
            raise AssertionError(f"lobby has {seen} players, expected {count}") from None

    async def wait_for_roster(self, count: int, timeout: float = 5.0) -> None:
        """Until the roster, built from the Roster after Joined and the
        RosterUpdates since, names `count` players."""
        try:
            async with asyncio.timeout(timeout):
                while len(self.roster) != count:
                    self._check_tasks("waiting for the roster")
                    await asyncio.sleep(0.02)
        except TimeoutError:
            seen = len(self.roster)
            raise AssertionError(f"roster names {seen} players, expected {count}") from None

    def full_snapshot_bytes(self) -> int:
        """The size of a full snapshot of the newest view: what a client
        that acknowledges nothing is sent every tick."""
        return len(wire.encode_snapshot(self.arrivals[-1][1].to_full(arena.SCHEMA)))

    def snapshots_between(self, since: float, until: float) -> int:
        return sum(since <= t <= until for t, _ in self.arrivals)

    def window(self, since: float, until: float) -> list:
        """The views applied between two monotonic times."""
        return [s for t, s in self.arrivals if since <= t <= until]

    def produced(self, window: list) -> float:
        """How many snapshots the lobby sent this client over the ticks the
        window spans (independent of how fast the machine ran them)."""
        if not window:
            return 0.0
        return (window[-1].tick - window[0].tick) * self.snapshot_hz / self.tick_hz + 1

    def _check(self, since: float, until: float, label: str, fraction: float) -> None:
        self._check_tasks(label)
        assert not self.views.refused, (
            f"canary {label}: {self.views.refused} snapshots could not be applied "
            "(a delta against a baseline it does not hold, an unknown entity or row, "
            f"or bad records); the last: {self.views.last_error}"
        )
        window = self.window(since, until)
        assert window, f"canary {label}: no snapshot at all in {until - since:.2f} s"
        ticks = [s.tick for s in window]
        assert ticks == sorted(set(ticks)), f"canary {label}: ticks not increasing: {ticks}"
        # Two separate questions, so that a VM whose hypervisor steals CPU
        # (seen here at 30-50% for minutes) slows the whole server without
        # failing the suite, while an attack that hurts others still does:
        # 1. did the canary get the snapshots its lobby produced? (an attack
        #    that starves one connection's writer shows here)
        produced = self.produced(window)
        assert len(window) >= fraction * produced, (
            f"canary {label}: {len(window)} snapshots of the {produced:.0f} its lobby "
            f"produced between ticks {ticks[0]} and {ticks[-1]}"
        )
        # 2. did the lobby keep ticking? (an attack that blocks ticks shows
        #    here; steal alone slows them, it does not stop them)
        expected = self.snapshot_hz * (until - since)
        assert len(window) >= TICKING_FRACTION * expected, (
            f"canary {label}: {len(window)} snapshots in {until - since:.2f} s, "
            f"expected at least {TICKING_FRACTION:.0%} of {expected:.0f} at {self.snapshot_hz} Hz"
        )
        acked = [s.last_input_seq for s in window]
        assert acked[-1] > acked[0], (
            f"canary {label}: its inputs stopped being applied "
            f"(last_input_seq stuck at {acked[-1]}, {self.seq} sent)"
        )

    def _check_tasks(self, label: str) -> None:
        for task in (self._reader, self._player):
            if task.done() and not task.cancelled():
                raise AssertionError(
                    f"canary {label}: connection ended "
                    f"(close code {self.ws.close_code}): {task.exception()!r}"
                )

    def stop_playing(self) -> None:
        """Stops sending inputs; it keeps reading."""
        self._player.cancel()

    async def wait_for(self, kind, timeout: float = 3.0):
        """The first message of type `kind` (other than a snapshot) read."""
        async with asyncio.timeout(timeout):
            while True:
                for msg in self.others:
                    if isinstance(msg, kind):
                        return msg
                await asyncio.sleep(0.02)

    async def closed(self, timeout: float) -> int | None:
        """Waits for the server to end the connection; its close code."""
        async with asyncio.timeout(timeout):
            await asyncio.wait([self._reader])
        return self.ws.close_code

    async def measure_while(self, attack, fraction=DEFAULT_FRACTION, min_window=DEFAULT_WINDOW):
        """Runs the `attack` coroutine; the canary's rate is checked over the
        attack's whole duration (stretched to at least `min_window` s)."""
        since = time.monotonic()
        result = await attack
        remaining = since + min_window - time.monotonic()
        if remaining > 0:
            await asyncio.sleep(remaining)
        self._check(since, time.monotonic(), "during the attack", fraction)
        return result

    async def check_rate(self, label="after the attack", window=DEFAULT_WINDOW, fraction=DEFAULT_FRACTION):
        since = time.monotonic()
        await asyncio.sleep(window)
        self._check(since, time.monotonic(), label, fraction)

    async def close(self) -> None:
        self._reader.cancel()
        self._player.cancel()
        await self.ws.close()


async def survives(server: harness.Server, attack_fn, token: str | None = None):
    """The frame of every attack test: start a canary, run
    `attack_fn()` while measuring it, measure it again after, and check the
    server process is still alive. Returns whatever the attack returned.
    `token`: the canary's session token, for a server with auth on."""
    canary = await Canary.start(server, token=token)
    result = await canary.measure_while(attack_fn())
    await canary.check_rate()
    assert server.alive(), "the server process died"
    await canary.close()
    return result
