"""Players from chosen loopback addresses, for scripts/proxy-test: a raw
WebSocket upgrade (tests/hostile's stdlib client and wire module) on a
socket bound to a 127.0.0.x source address, with any extra request
headers, followed by Hello and the server's Welcome. Loopback accepts the
whole of 127/8, so each source address is a different client to nginx.

Every wait is bounded; the caller closes what it keeps.
"""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import struct
import sys

HOSTILE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "hostile")
sys.path.insert(0, HOSTILE)

import rallypoint_wire as wire  # noqa: E402
from rawws import HandshakeRefused, RawWs  # noqa: E402

TIMEOUT = 5.0  # one upgrade, or one Welcome


# The PROXY protocol v2 signature (haproxy's proxy-protocol.txt, 2.2).
PROXY_V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"


def proxy_v2_header(client: str, client_port: int, server: str, server_port: int) -> bytes:
    """A PROXY v2 header (PROXY command, TCP over IPv4) naming `client`, as
    a proxy writes it; for a peer that forges one."""
    addrs = socket.inet_aton(client) + socket.inet_aton(server) + struct.pack(
        "!HH", client_port, server_port)
    return PROXY_V2_SIGNATURE + bytes([0x21, 0x11]) + struct.pack("!H", len(addrs)) + addrs


async def upgrade(port: int, source: str, headers: dict[str, str] | None = None,
                  prefix: bytes = b"") -> RawWs:
    """Upgrades a connection from `source` to 127.0.0.1:port at /ws, after
    sending `prefix` (a forged PROXY header, say). Raises HandshakeRefused
    with the HTTP status if refused (0: closed without an answer)."""
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((source, 0))
        sock.setblocking(False)
        async with asyncio.timeout(TIMEOUT):
            await loop.sock_connect(sock, ("127.0.0.1", port))
            key = base64.b64encode(os.urandom(16)).decode()
            lines = [
                "GET /ws HTTP/1.1",
                f"Host: 127.0.0.1:{port}",
                "Upgrade: websocket",
                "Connection: Upgrade",
                f"Sec-WebSocket-Key: {key}",
                "Sec-WebSocket-Version: 13",
            ] + [f"{k}: {v}" for k, v in (headers or {}).items()]
            request = ("\r\n".join(lines) + "\r\n\r\n").encode()
            await loop.sock_sendall(sock, prefix + request)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = await loop.sock_recv(sock, 4096)
                if not chunk:
                    raise HandshakeRefused(0, data.decode("latin-1"))
                data += chunk
    except ConnectionResetError:
        # Closed with the request unread: refused without an answer.
        sock.close()
        raise HandshakeRefused(0, "connection reset") from None
    except BaseException:
        sock.close()
        raise
    head, _, rest = data.partition(b"\r\n\r\n")
    text = head.decode("latin-1")
    status = int(text.split(" ", 2)[1])
    if status != 101:
        sock.close()
        raise HandshakeRefused(status, text)
    return RawWs(sock, rest)


async def player(port: int, source: str, headers: dict[str, str] | None = None) -> RawWs:
    """An upgraded connection that has said Hello and been welcomed."""
    ws = await upgrade(port, source, headers)
    try:
        async with asyncio.timeout(TIMEOUT):
            await ws.send_msg(wire.hello("proxied"))
            msg = wire.decode_server(await ws.recv_msg())
    except BaseException:
        ws.close()
        raise
    if not isinstance(msg, wire.Welcome):
        ws.close()
        raise AssertionError(f"expected Welcome, got {msg!r}")
    return ws


async def refused_status(port: int, source: str, headers: dict[str, str] | None = None,
                         prefix: bytes = b"") -> int:
    """The HTTP status an upgrade from `source` is refused with (0: closed
    without an answer); fails if it is accepted."""
    try:
        ws = await upgrade(port, source, headers, prefix)
    except HandshakeRefused as e:
        return e.status
    ws.close()
    raise AssertionError(f"upgrade from {source} with {headers or 'no extra headers'} accepted")
