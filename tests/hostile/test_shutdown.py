"""Graceful shutdown on SIGTERM (PROTOCOL.md 6.9): every client is told
ShuttingDown{reason, drain_secs}; no new connection is accepted; games in
progress go on while joins are refused with Error{ShuttingDown} (the
connection stays open); once the last player has left, or `--drain-secs`
have passed, whoever is still connected is closed with 1001 and the
process exits 0. A second SIGTERM ends the drain at once."""

import asyncio
import signal
import time

import websockets

import games_arena as arena
import games_four as four
import harness
import rallypoint_wire as wire
from canary import Canary
from harness import bounded

E = wire.ErrorCode
LATE = 1.5  # how late a timer may fire on a loaded 2-core box


async def exit_code(server, within: float) -> int:
    try:
        async with asyncio.timeout(within):
            while server.proc.poll() is None:
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"server still running {within} s later") from None
    return server.proc.returncode


async def lobbyless(server, name: str):
    ws = await harness.connect(server)
    await harness.say_hello(ws, name)
    return ws


async def refused_join(ws, request: bytes):
    """Sends a join during the drain. Returns the ShuttingDown notice, the
    answer to the join, whether a Ping still worked after it (the
    connection stays open until the drain ends), and then everything up to
    the close and the close code."""
    told = await harness.recv_until(ws, wire.ShuttingDown)
    await ws.send(request)
    answer = await harness.recv(ws)
    await ws.send(wire.ping(9))
    still_open = (await harness.recv_until(ws, wire.Pong)).client_time == 9
    code, rest = await harness.close_after_messages(ws, timeout=10)
    return told, answer, still_open, rest, code


async def connect_refused(server) -> bool:
    try:
        ws = await harness.connect(server)
    except (OSError, TimeoutError, websockets.InvalidHandshake):
        return True
    await ws.close()
    return False


def shutting_down_told(msg, drain_secs: int) -> None:
    assert isinstance(msg, wire.ShuttingDown), msg
    assert msg.reason.strip(), "ShuttingDown carries no reason"
    assert msg.drain_secs == drain_secs, f"drain_secs {msg.drain_secs}, started with {drain_secs}"


@bounded(30)
async def test_drain_refuses_joins_and_ends_when_the_last_player_leaves(start_server):
    drain = 20
    server = start_server("--drain-secs", str(drain))
    player = await Canary.start(server, "stayer")
    joiners = {
        "quick-join": (await lobbyless(server, "q"), wire.quick_join(arena.NAME)),
        "quick-join four": (await lobbyless(server, "q4"), wire.quick_join(four.NAME)),
        "create": (await lobbyless(server, "c"), wire.create_lobby(arena.NAME, "late", 4, False)),
        "create four": (await lobbyless(server, "c4"), wire.create_lobby(four.NAME, "late", 2, True)),
        "join-by-code": (await lobbyless(server, "j"), wire.join_code(player.joined.join_code)),
    }

    server.proc.send_signal(signal.SIGTERM)
    shutting_down_told(await player.wait_for(wire.ShuttingDown), drain)
    refusals = [asyncio.create_task(refused_join(ws, req)) for ws, req in joiners.values()]
    assert await connect_refused(server), "a new connection was accepted during the drain"
    # The game in progress goes on during the drain.
    await player.check_rate("during the drain")
    assert server.alive(), "the server did not wait for its last player"

    player.stop_playing()
    await player.ws.send(wire.leave_lobby())
    left = time.monotonic()
    assert await player.closed(timeout=LATE + 1) == 1001
    assert await exit_code(server, within=LATE + 1) == 0
    assert time.monotonic() - left <= LATE + 1

    for name, task in zip(joiners, refusals):
        told, answer, still_open, rest, code = await task
        shutting_down_told(told, drain)
        assert answer == wire.Error(E.SHUTTING_DOWN, answer.message), f"{name}: {answer}"
        assert still_open, f"{name}: no Pong after the refusal"
        assert not [m for m in rest if isinstance(m, (wire.Joined, wire.Error))], f"{name}: {rest}"
        assert code == 1001, f"{name}: closed with {code}"


@bounded(30)
async def test_drain_ends_after_drain_secs_even_with_players_left(start_server):
    drain = 2
    server = start_server("--drain-secs", str(drain))
    player = await Canary.start(server, "stubborn")
    idle = await lobbyless(server, "idle")

    server.proc.send_signal(signal.SIGTERM)
    signalled = time.monotonic()
    shutting_down_told(await player.wait_for(wire.ShuttingDown), drain)
    shutting_down_told(await harness.recv_until(idle, wire.ShuttingDown), drain)
    await player.check_rate("during the drain")

    code = await player.closed(timeout=drain + LATE + 1)
    after = time.monotonic() - signalled
    assert code == 1001
    assert drain * 0.9 <= after <= drain + LATE, f"closed {after:.2f} s after SIGTERM"
    idle_code, _ = await harness.close_after_messages(idle, timeout=LATE)
    assert idle_code == 1001
    assert await exit_code(server, within=LATE) == 0


@bounded(30)
async def test_a_second_sigterm_ends_the_drain_at_once(start_server):
    server = start_server("--drain-secs", "30")
    player = await Canary.start(server, "player")

    server.proc.send_signal(signal.SIGTERM)
    await player.wait_for(wire.ShuttingDown)
    server.proc.send_signal(signal.SIGTERM)
    await exit_code(server, within=LATE)
    # The player's connection is gone with the process.
    await player.closed(timeout=LATE)
