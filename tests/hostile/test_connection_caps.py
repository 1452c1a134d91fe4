"""Refusals before the upgrade (PROTOCOL.md section 1, Admission): one
address may hold at most `--max-connections-per-ip` connections (the next
gets HTTP 429 and no WebSocket), the server at most `--max-connections`
(HTTP 503), and with `--allowed-origin` a browser page from any other
Origin gets HTTP 403 (clients that send no Origin, i.e. not browsers, are
let in)."""

import asyncio

import websockets

import harness
import rallypoint_wire as wire
from canary import survives
from harness import bounded


async def refused_status(server, **kwargs) -> int:
    """The HTTP status a WebSocket handshake is refused with; fails the
    test if it is accepted."""
    try:
        ws = await harness.connect(server, **kwargs)
    except websockets.InvalidStatus as e:
        return e.response.status_code
    await ws.close()
    raise AssertionError(f"handshake accepted with {kwargs or 'no extra headers'}")


async def accepted(server, **kwargs) -> wire.Welcome:
    ws = await harness.connect(server, **kwargs)
    welcome = await harness.say_hello(ws, "welcome")
    await ws.close()
    return welcome


@bounded(20)
async def test_one_address_gets_at_most_its_connection_cap(start_server):
    cap = 3
    server = start_server("--max-connections-per-ip", str(cap))

    async def attack():
        # The canary already holds one of the three.
        held = [await harness.connect(server) for _ in range(cap - 1)]
        for ws in held:
            await harness.say_hello(ws, "holder")
        status = await refused_status(server)
        # A freed slot can be taken again (once the server has seen the
        # close: retry for up to 2 s).
        await held.pop().close()
        async with asyncio.timeout(2):
            while True:
                try:
                    held.append(await harness.connect(server))
                    break
                except websockets.InvalidStatus:
                    await asyncio.sleep(0.05)
        await harness.say_hello(held[-1], "late")
        for ws in held:
            await ws.close()
        return status

    status = await survives(server, attack)
    assert status == 429, f"over the per-IP cap: HTTP {status}"


@bounded(20)
async def test_the_server_wide_connection_cap_answers_503(start_server):
    cap = 3
    server = start_server("--max-connections", str(cap))

    async def attack():
        held = [await harness.connect(server) for _ in range(cap - 1)]
        status = await refused_status(server)
        for ws in held:
            await ws.close()
        return status

    status = await survives(server, attack)
    assert status == 503, f"over the server's cap: HTTP {status}"


@bounded(20)
async def test_only_allowed_origins_may_open_a_websocket(start_server):
    server = start_server(
        "--allowed-origin", "http://good.example", "--allowed-origin", "https://also.example"
    )

    async def attack():
        return {
            "evil": await refused_status(server, origin="http://evil.example"),
            # An allowed host on another scheme or port is another origin.
            "good host, other scheme": await refused_status(server, origin="https://good.example"),
            "good": await accepted(server, origin="http://good.example"),
            "also": await accepted(server, origin="https://also.example"),
            "none": await accepted(server),
        }

    outcomes = await survives(server, attack)
    assert outcomes["evil"] == 403
    assert outcomes["good host, other scheme"] == 403
