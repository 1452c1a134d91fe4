"""Slowloris: connections that trickle their HTTP request headers a byte
at a time, never finishing them, to hold the server's connection slots
forever. PROTOCOL.md section 1: a client has 10 seconds to send its
request headers (a fixed limit, no flag), so each must be closed by then
however steadily it trickles."""

import asyncio
import socket
import time

import harness
from canary import survives
from harness import bounded

HEADER_DEADLINE = 10
LATE = 1.5
TRICKLERS = 20


async def trickle(port: int) -> float:
    """Sends a request line and then one header byte every half second.
    Returns how long the server took to end the connection."""
    loop = asyncio.get_running_loop()
    sock = socket.socket()
    sock.setblocking(False)
    await loop.sock_connect(sock, ("127.0.0.1", port))
    opened = time.monotonic()
    await loop.sock_sendall(sock, b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")

    async def drip():
        while True:
            await asyncio.sleep(0.5)
            await loop.sock_sendall(sock, b"a")

    dripping = asyncio.create_task(drip())
    try:
        # Until EOF or reset; an HTTP error response first is fine.
        while await loop.sock_recv(sock, 4096):
            pass
    except ConnectionResetError:
        pass
    finally:
        dripping.cancel()
        sock.close()
    return time.monotonic() - opened


@bounded(HEADER_DEADLINE + 15)
async def test_connections_that_never_finish_their_headers_are_closed(start_server):
    server = start_server()

    async def attack():
        try:
            async with asyncio.timeout(HEADER_DEADLINE + LATE + 1):
                return await asyncio.gather(*(trickle(server.port) for _ in range(TRICKLERS)))
        except TimeoutError:
            raise AssertionError(
                f"trickling connections still open after {HEADER_DEADLINE + LATE + 1} s"
            ) from None

    lasted = await survives(server, attack)
    assert max(lasted) <= HEADER_DEADLINE + LATE, f"held for up to {max(lasted):.1f} s"
    # A real client still gets in afterwards.
    ws = await harness.connect(server)
    await harness.say_hello(ws, "after")
    await ws.close()
