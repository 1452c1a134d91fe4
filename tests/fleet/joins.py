"""Joins across a fleet, for scripts/fleet-test: raw WebSocket players
(tests/hostile's stdlib client and wire module) that join by code through
one node and are redirected to the node that runs the lobby, present
their join tickets, race for a lobby's last seat through several nodes,
and try tickets that must be refused (used, forged, another player's,
another node's, expired).

Every wait is bounded; every socket is closed when its check ends.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import urllib.parse

HOSTILE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "hostile")
sys.path.insert(0, HOSTILE)

import rallypoint_wire as wire  # noqa: E402
from rawws import RawWs  # noqa: E402

REPLY_SECS = 5.0  # the longest a node may take to answer a join


class Refused(Exception):
    """A node answered a join with an `Error`."""

    def __init__(self, error):
        super().__init__(f"{error.code}: {error.message}")
        self.error = error


def port_of(url: str) -> int:
    return urllib.parse.urlparse(url).port


class Player:
    """One raw client: a connection to a node, after its `Welcome`."""

    def __init__(self, name: str):
        self.name = name
        self.ws: RawWs | None = None
        self.node_port: int | None = None

    async def connect(self, port: int) -> "Player":
        self.close()
        self.ws = await RawWs.connect(port)
        self.node_port = port
        await self.ws.send_msg(wire.hello(self.name))
        welcome = await self.answer()
        if not isinstance(welcome, wire.Welcome):
            raise AssertionError(f"{self.name}: expected Welcome, got {welcome}")
        return self

    async def answer(self):
        """The next message that answers a request (skipping snapshots,
        rosters and events)."""
        async with asyncio.timeout(REPLY_SECS):
            while True:
                msg = wire.decode_server(await self.ws.recv_msg())
                if isinstance(msg, (wire.Welcome, wire.Joined, wire.Redirect, wire.Error,
                                    wire.LobbyList)):
                    return msg

    async def ask(self, request: bytes):
        await self.ws.send_msg(request)
        return await self.answer()

    async def join(self, request: bytes):
        """Sends a join; returns the `Joined` or `Redirect`, raises
        `Refused` on an `Error`."""
        msg = await self.ask(request)
        if isinstance(msg, wire.Error):
            raise Refused(msg)
        return msg

    async def follow(self, redirect) -> "wire.Joined":
        """Follows a `Redirect`: the node it names, the same name, the ticket."""
        await self.connect(port_of(redirect.url))
        joined = await self.join(wire.join_ticket(redirect.ticket))
        if not isinstance(joined, wire.Joined):
            raise AssertionError(f"{self.name}: a ticket answered with {joined}")
        return joined

    def close(self):
        if self.ws is not None:
            self.ws.close()
            self.ws = None


async def create_private(node, name: str, max_players: int):
    host = await Player(name).connect(node.port)
    joined = await host.join(wire.create_lobby("arena", f"{name}'s lobby", max_players, True))
    return host, joined


async def until_known(redis, code: str, deadline: float = 3.0):
    """Waits until the directory in `redis` resolves `code` (its node
    publishes a new lobby within about 100 ms)."""
    start = time.monotonic()
    while not redis.cli("GET", f"rp:code:{code}"):
        if time.monotonic() - start > deadline:
            raise AssertionError(f"the directory did not learn code {code} in {deadline} s")
        await asyncio.sleep(0.02)
    return time.monotonic() - start


async def expect_refused(player: Player, request: bytes, code: int, words: str):
    msg = await player.ask(request)
    if not (isinstance(msg, wire.Error) and msg.code == code and words in msg.message):
        raise AssertionError(f"{player.name}: expected error {code} with {words!r}, got {msg}")
    return msg.message


async def redirect_and_tickets(redis, a, b, c, ticket_secs: float):
    """Join by code through a, land on b; the refused tickets; a seat held
    by a ticket is free again once it expires."""
    E = wire.ErrorCode
    host, lobby = await create_private(b, "host", 3)
    players = [host]
    try:
        await until_known(redis, lobby.join_code)
        p1 = Player("p1")
        players.append(p1)
        await p1.connect(a.port)
        t0 = time.monotonic()
        redirect = await p1.join(wire.join_code(lobby.join_code))
        if not isinstance(redirect, wire.Redirect) or (redirect.node, redirect.url) != ("b", b.ws):
            raise AssertionError(f"expected a Redirect to b ({b.ws}), got {redirect}")
        joined = await p1.follow(redirect)
        took = time.monotonic() - t0
        if joined.lobby != lobby.lobby:
            raise AssertionError(f"p1 joined lobby {joined.lobby}, not b's {lobby.lobby}")
        lines = [f"join by code through a: Redirect to b, Joined b's lobby in {took * 1000:.1f} ms"]

        replay = await Player("p1").connect(b.port)
        players.append(replay)
        lines.append("used: " + await expect_refused(
            replay, wire.join_ticket(redirect.ticket), E.TICKET_REJECTED, "already used"))
        forged = bytearray(redirect.ticket)
        forged[20] ^= 1
        lines.append("forged: " + await expect_refused(
            replay, wire.join_ticket(bytes(forged)), E.TICKET_REJECTED, "signature"))

        # A ticket for a third seat (3 of 3 taken), tried by someone else
        # and on c.
        p2 = Player("p2")
        players.append(p2)
        await p2.connect(a.port)
        r2 = await p2.join(wire.join_code(lobby.join_code))
        mallory = await Player("mallory").connect(b.port)
        players.append(mallory)
        lines.append("another player's: " + await expect_refused(
            mallory, wire.join_ticket(r2.ticket), E.TICKET_REJECTED, "another player"))
        on_c = await Player("p2").connect(c.port)
        players.append(on_c)
        lines.append("on another node: " + await expect_refused(
            on_c, wire.join_ticket(r2.ticket), E.TICKET_REJECTED, "for node b"))

        # Host, p1 and p2's ticket: nobody else gets in until it expires.
        p4 = await Player("p4").connect(c.port)
        players.append(p4)
        await expect_refused(p4, wire.join_code(lobby.join_code), E.LOBBY_FULL, "full")
        expire_at = t0 + ticket_secs + 0.3
        await asyncio.sleep(max(0.0, expire_at - time.monotonic()))
        late = await Player("p2").connect(b.port)
        players.append(late)
        lines.append("expired: " + await expect_refused(
            late, wire.join_ticket(r2.ticket), E.TICKET_REJECTED, "expired"))
        r4 = await p4.join(wire.join_code(lobby.join_code))
        if not isinstance(r4, wire.Redirect):
            raise AssertionError(f"after the tickets expired, c answered p4 with {r4}")
        await p4.follow(r4)
        lines.append(f"seats held by unused tickets free again after {ticket_secs:.0f} s: "
                     "p4 refused (full) before, joined after")
        return lobby.join_code, lines
    finally:
        for p in players:
            p.close()


async def race(redis, a, b, c):
    """Rounds of four players racing for the last seat of a lobby on b:
    through a, a, c and on b itself, then twice through a, c, a and c alone
    (two nodes racing to reserve it). Exactly one gets it; the others are
    told the lobby is full."""
    lines = []
    for round_, via in enumerate([(a, a, c, b), (a, c, a, c), (a, c, a, c)]):
        host, lobby = await create_private(b, f"host{round_}", 2)
        racers = [Player(f"r{round_}{i}") for i in range(4)]
        try:
            await until_known(redis, lobby.join_code)
            for p, node in zip(racers, via):
                await p.connect(node.port)

            async def go(p):
                try:
                    msg = await p.join(wire.join_code(lobby.join_code))
                    if isinstance(msg, wire.Redirect):
                        await p.follow(msg)
                    return "joined"
                except Refused as e:
                    return e.error.code
            outcomes = await asyncio.gather(*(go(p) for p in racers))
            names = ", ".join(n.name for n in via)
            if outcomes.count("joined") != 1 or \
                    any(o not in ("joined", wire.ErrorCode.LOBBY_FULL) for o in outcomes):
                raise AssertionError(f"lobby {lobby.lobby} (2 seats, 1 taken): "
                                     f"racers through {names} got {outcomes}")
            players = redis.cli("HGET", f"rp:lobby:{lobby.lobby}", "players")
            if players and int(players) > 2:
                raise AssertionError(f"the directory counts {players} players in a lobby of 2")
            winner = via[outcomes.index("joined")].name
            lines.append(f"lobby {lobby.lobby}, racers through {names}: the seat went to "
                         f"the one through {winner}, 3 told LobbyFull")
        finally:
            host.close()
            for p in racers:
                p.close()
    return lines


async def quick_joins(node, n: int):
    """`n` quick-joins of arena through `node`: the nodes they went to."""
    went = []
    for i in range(n):
        p = await Player(f"q{i}").connect(node.port)
        try:
            msg = await p.join(wire.quick_join("arena"))
            went.append(msg.node if isinstance(msg, wire.Redirect) else node.name)
        finally:
            p.close()
    return went
