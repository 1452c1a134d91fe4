"""Half-open and silent connections: each holds a socket, a task and
maybe a seat, so the server must notice and drop them. A connection that
never says Hello is closed with 1008 after `--hello-timeout-secs`; one
that said Hello and then stops answering the server's pings is dropped
after `--peer-timeout-secs`. A client that is merely quiet but answers its
pings must not be dropped."""

import asyncio
import time

import harness
import rallypoint_wire as wire
from canary import survives
from harness import bounded
from rawws import RawWs

# Timers fire a little late on a loaded box, never early; this is how late
# they may be (the close handshake and scheduling on 2 cores).
LATE = 1.5


@bounded(20)
async def test_no_hello_is_closed_with_1008_after_the_hello_timeout(start_server):
    hello_timeout = 1
    server = start_server("--hello-timeout-secs", str(hello_timeout))

    async def raw_silent():
        # Completes the upgrade, then sends nothing at all, not even pongs.
        raw = await RawWs.connect(server.port)
        opened = time.monotonic()
        end = await raw.read_until_end(timeout=hello_timeout + LATE + 1)
        raw.close()
        return end.close_code, end.at - opened

    async def library_silent():
        # Answers pings (the library does), but never says Hello.
        ws = await harness.connect(server)
        opened = time.monotonic()
        code, msgs = await harness.close_after_messages(ws, timeout=hello_timeout + LATE + 1)
        return code, time.monotonic() - opened

    async def attack():
        return await asyncio.gather(raw_silent(), library_silent())

    for code, after in await survives(server, attack):
        assert code == 1008
        assert hello_timeout * 0.9 <= after <= hello_timeout + LATE, f"closed after {after:.2f} s"


@bounded(30)
async def test_a_client_that_stops_answering_pings_is_dropped(start_server):
    peer_timeout, ping_interval = 2, 1
    server = start_server(
        "--peer-timeout-secs", str(peer_timeout), "--ping-interval-secs", str(ping_interval)
    )

    async def attack():
        # Hello, then dead silence: reads whatever comes, answers nothing.
        raw = await RawWs.connect(server.port)
        await raw.send_msg(wire.hello("ghost"))
        assert isinstance(wire.decode_server(await raw.recv_msg()), wire.Welcome)
        said_hello = time.monotonic()
        # Meanwhile a quiet client that does answer pings, and nothing else.
        quiet = await harness.connect(server)
        await harness.say_hello(quiet, "quiet")
        end = await raw.read_until_end(timeout=peer_timeout + ping_interval + LATE)
        raw.close()
        return end, end.at - said_hello, quiet

    end, after, quiet = await survives(server, attack)
    assert end.pings >= 1, "the server never pinged the silent client"
    assert end.close_code == 1008, f"closed with {end.close_code} {end.close_reason!r}"
    # It sent nothing after Hello, so it is dead within the peer timeout of
    # that (the server checks twice a second), not a moment before.
    assert peer_timeout * 0.9 <= after <= peer_timeout + 0.5 + LATE, f"dropped after {after:.2f} s"
    # The quiet client has now been connected for longer than the timeout.
    await quiet.send(wire.ping(5))
    pong = await harness.recv_until(quiet, wire.Pong)
    assert pong.client_time == 5, "the quiet but live client was dropped"
