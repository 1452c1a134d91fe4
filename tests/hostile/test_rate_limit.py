"""The per-connection token bucket: every frame a client sends costs one
token (`--rate-limit-per-sec`, default 150; `--rate-limit-burst`, default
300). A client that runs out gets Error{RateLimited} and close 1008,
whatever kind of frames it floods with, and a client that keeps within
the rate is never touched."""

import asyncio
import time

import pytest
import websockets

import harness
import rallypoint_wire as wire
from canary import survives
from harness import bounded
from rawws import BINARY, CONT, PING, RawWs, frame

E = wire.ErrorCode
DEFAULT_RATE, DEFAULT_BURST = 150, 300


async def flood_pings(server, count: int):
    """Hello, then `count` Pings as fast as the socket takes them. Returns
    (pongs received, seconds from the first ping to the close, close code,
    error codes received)."""
    ws = await harness.connect(server)
    await harness.say_hello(ws, "flooder")
    started = time.monotonic()
    try:
        for i in range(count):
            await ws.send(wire.ping(i))
    except websockets.ConnectionClosed:
        pass  # the server may close before the flood is all sent
    code, msgs = await harness.close_after_messages(ws, timeout=5)
    elapsed = time.monotonic() - started
    pongs = sum(isinstance(m, wire.Pong) for m in msgs)
    return pongs, elapsed, code, harness.errors(msgs)


@bounded(30)
async def test_a_message_flood_is_rate_limited_at_the_default_rate(start_server):
    server = start_server()
    pongs, elapsed, code, errs = await survives(server, lambda: flood_pings(server, 2000))
    assert errs == [E.RATE_LIMITED], (
        f"errors {errs}, close code {code}, {pongs} pongs in {elapsed:.3f} s"
    )
    assert code == 1008
    # Hello took one token; the rest of the burst must have been served (a
    # legitimate burst is not punished), and no more than the burst plus
    # what refilled while the flood lasted.
    assert pongs >= DEFAULT_BURST - 1 - 5, f"only {pongs} pings answered: the burst was not honoured"
    most = DEFAULT_BURST + DEFAULT_RATE * elapsed
    assert pongs <= most, f"{pongs} pings answered in {elapsed:.2f} s, more than {most:.0f}"


@bounded(20)
async def test_a_burst_within_the_bucket_is_served_in_full(start_server):
    # Hello plus 250 Pings written at once: 251 frames, inside the burst of
    # 300. Every one must be answered and the connection kept: the burst is
    # what the limit promises to allow.
    server = start_server()
    count = 250

    async def attack():
        ws = await harness.connect(server)
        await harness.say_hello(ws, "bursty")
        pongs = []
        try:
            for i in range(count):
                await ws.send(wire.ping(i))
            while len(pongs) < count:
                pongs.append((await harness.recv_until(ws, wire.Pong)).client_time)
        except websockets.ConnectionClosed as e:
            raise AssertionError(
                f"closed after {len(pongs)} of {count} pongs: {e.rcvd}"
            ) from None
        await ws.close()
        return pongs

    assert await survives(server, attack) == list(range(count))


@bounded(30)
async def test_a_client_within_its_rate_is_never_limited(start_server):
    # A small bucket (40/s, burst 60; the server wants more than the tick
    # rate of 30 plus a margin) so that both sides of it fit in a few
    # seconds: 30 pings a second for 2 s pass, then a burst of 120 does not.
    server = start_server("--rate-limit-per-sec", "40", "--rate-limit-burst", "60")

    async def attack():
        ws = await harness.connect(server)
        await harness.say_hello(ws, "steady")
        for i in range(60):
            await ws.send(wire.ping(i))
            pong = await harness.recv_until(ws, wire.Pong)
            assert pong.client_time == i
            await asyncio.sleep(1 / 30)
        for i in range(120):
            await ws.send(wire.ping(1000 + i))
        return await harness.close_after_messages(ws)

    code, msgs = await survives(server, attack)
    assert harness.errors(msgs) == [E.RATE_LIMITED], msgs
    assert code == 1008


# Frames that carry (almost) nothing: no message ever completes, so no size
# limit or decoder can catch them; only counting frames does.
TINY_FRAMES = {
    "empty-fragments": [frame(BINARY, b"", fin=False)] + [frame(CONT, b"", fin=False)] * 4999,
    "ping-frames": [frame(PING, b"p")] * 5000,
}


@pytest.mark.parametrize("frames", TINY_FRAMES.values(), ids=TINY_FRAMES.keys())
@bounded(30)
async def test_an_endless_flood_of_tiny_frames_is_rate_limited(start_server, frames):
    server = start_server()

    async def attack():
        raw = await RawWs.connect(server.port)
        await raw.send_msg(wire.hello("tiny"))
        assert isinstance(wire.decode_server(await raw.recv_msg()), wire.Welcome)
        ending = asyncio.create_task(raw.read_until_end(timeout=5))
        try:
            for at in range(0, len(frames), 50):
                if ending.done():
                    break
                await raw.send_raw(b"".join(frames[at : at + 50]))
                await asyncio.sleep(0)  # let the canary and the reader run
        except (BrokenPipeError, ConnectionResetError):
            pass
        end = await ending
        raw.close()
        return end

    end = await survives(server, attack)
    msgs = [wire.decode_server(m) for m in end.messages]
    assert harness.errors(msgs) == [E.RATE_LIMITED], (
        f"messages {msgs}, then close {end.close_code} {end.close_reason!r}"
    )
    assert end.close_code == 1008
