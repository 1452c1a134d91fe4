"""A lobby member for the game-payload tests: a client that reads
everything the server sends it in the background, so a test can send
whatever it likes and then look at what came back, in order. Snapshots are
applied to its views with the game's field schema (any it cannot apply is
counted, and fails `check`), each newest view is acknowledged with Ack
when the game takes no per-tick input (Four), game events are decoded
with the game's decoder, and every Error and other message is kept.
Unlike the canary it plays no part of its own: it sends only what the
test tells it to."""

from __future__ import annotations

import asyncio

import games_four as four
import harness
import rallypoint_wire as wire


class Member:
    def __init__(self, ws, welcome: wire.Welcome, joined: wire.Joined, acks: bool):
        self.ws = ws
        self.welcome = welcome
        self.joined = joined
        self.game = harness.GAMES[joined.game]
        self.info = self.game.decode_info(joined.info)
        self.acks = acks
        self.views = wire.Views(self.game.SCHEMA)
        self.deltas = 0  # snapshots applied that were deltas
        self.events: list = []  # the game's events, decoded, in order
        self.errors: list[wire.Error] = []
        self.others: list = []  # everything else but snapshots, in order
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def create(cls, server, game: str, name: str, acks: bool = True, **kwargs) -> "Member":
        """Hello, then CreateLobby (private, unless told otherwise)."""
        ws = await harness.connect(server)
        welcome = await harness.say_hello(ws, name)
        joined = await harness.create_lobby(ws, game, name, **kwargs)
        return cls(ws, welcome, joined, acks)

    @classmethod
    async def join(cls, server, code: str, name: str, acks: bool = True) -> "Member":
        """Hello, then JoinLobby by code."""
        ws = await harness.connect(server)
        welcome = await harness.say_hello(ws, name)
        await ws.send(wire.join_code(code))
        joined = await harness.recv(ws)
        assert isinstance(joined, wire.Joined), f"join by code answered {joined}"
        return cls(ws, welcome, joined, acks)

    @classmethod
    async def resume(cls, server, token: bytes, acks: bool = True) -> "Member":
        """Resume with `token` on a new connection: Welcome, then Joined."""
        ws = await harness.connect(server)
        await ws.send(wire.resume(token))
        welcome = await harness.recv(ws)
        assert isinstance(welcome, wire.Welcome), f"Resume answered {welcome}"
        joined = await harness.recv(ws)
        assert isinstance(joined, wire.Joined), f"Resume's Welcome followed by {joined}"
        return cls(ws, welcome, joined, acks)

    def drop(self) -> None:
        """Loses the TCP connection without a close frame: the session is
        held for a resume."""
        self._reader.cancel()
        self.ws.transport.abort()

    async def _read(self) -> None:
        async for data in self.ws:
            msg = wire.decode_server(data)
            if isinstance(msg, wire.Snapshot):
                try:
                    view = self.views.receive(msg)
                except (wire.ApplyError, wire.WireError):
                    continue  # counted in views.refused; check() fails on it
                self.deltas += not msg.full
                if self.acks:
                    await self.ws.send(wire.ack(view.tick))
            elif isinstance(msg, wire.Event):
                self.events.append(self.game.decode_event(msg.payload))
            elif isinstance(msg, wire.Error):
                self.errors.append(msg)
            else:
                self.others.append(msg)

    def check(self) -> None:
        """Fails if the connection ended or a snapshot could not be applied."""
        if self._reader.done() and not self._reader.cancelled():
            raise AssertionError(
                f"{self.joined.game} member: connection ended "
                f"(close code {self.ws.close_code}): {self._reader.exception()!r}"
            )
        assert not self.views.refused, (
            f"{self.views.refused} snapshots could not be applied: {self.views.last_error}"
        )

    async def until(self, what: str, found, timeout: float = 3.0):
        """Polls `found()` until it returns something other than None."""
        try:
            async with asyncio.timeout(timeout):
                while (value := found()) is None:
                    self.check()
                    await asyncio.sleep(0.01)
        except TimeoutError:
            raise AssertionError(
                f"no {what} within {timeout} s; events {self.events}, errors {self.errors}, "
                f"others {self.others[-5:]}"
            ) from None
        return value

    async def event(self, kind, after: int = 0):
        """The first event of type `kind` at or after position `after`."""
        return await self.until(
            kind.__name__, lambda: next((e for e in self.events[after:] if isinstance(e, kind)), None)
        )

    async def error(self, after: int = 0) -> wire.Error:
        """The first Error at or after position `after`."""
        return await self.until("Error", lambda: self.errors[after] if len(self.errors) > after else None)

    async def view(self, what: str, test, since: int = 0) -> wire.View:
        """The first view applied from now on (or newer than tick `since`)
        for which `test(view)` holds."""
        since = max(since, self.views.ack_tick())
        return await self.until(
            what,
            lambda: next((v for v in self.views.views if v.tick > since and test(v)), None),
        )

    async def roundtrip(self, nonce: int) -> None:
        """A Ping, and its Pong: the connection still works."""
        await self.ws.send(wire.ping(nonce))
        await self.until(
            f"Pong {nonce}",
            lambda: next(
                (m for m in self.others if isinstance(m, wire.Pong) and m.client_time == nonce), None
            ),
        )

    async def close(self) -> None:
        self._reader.cancel()
        await self.ws.close()


async def four_table(server, b_acks: bool = True) -> tuple[Member, Member]:
    """Two players at a private four table, the game started: `a` holds
    seat 0 and moves first (the lobby's first game), `b` seat 1. Four has
    two seats whatever the creator asks for."""
    a = await Member.create(server, four.NAME, "alice", max_players=8)
    assert a.joined.avatar is None and a.joined.max_players == 2, a.joined
    b = await Member.join(server, a.joined.join_code, "bob", acks=b_acks)
    assert (a.info.seat, b.info.seat) == (0, 1), (a.info, b.info)
    for m in (a, b):
        assert await m.event(four.Started) == four.Started(game=1, first=0), m.events
    await a.view("a game in progress", lambda v: v.singleton["phase"] == four.Phase("Playing"))
    return a, b
