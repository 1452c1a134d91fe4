"""A hand-rolled WebSocket client on a bare TCP socket, for the attacks a
well-behaved library will not make: unmasked frames, endless fragments,
floods of control frames, never answering pings, never reading at all.

Nothing happens behind the test's back: the socket is read only when the
test calls a recv method (no background reader, no asyncio transport
buffering ahead), so a client that "never reads" really leaves every byte
in the kernel, and pings are answered only if the test does so.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import socket
import struct
import time
from dataclasses import dataclass, field

# Opcodes (RFC 6455 section 5.2).
CONT, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class HandshakeRefused(Exception):
    def __init__(self, status: int, head: str):
        super().__init__(f"upgrade refused with HTTP {status}: {head!r}")
        self.status = status


def frame(opcode: int, payload: bytes = b"", fin: bool = True, masked: bool = True) -> bytes:
    """One WebSocket frame as a client would send it (masked unless told)."""
    head = bytes([(0x80 if fin else 0) | opcode])
    mask_bit = 0x80 if masked else 0
    n = len(payload)
    if n < 126:
        head += bytes([mask_bit | n])
    elif n < 1 << 16:
        head += bytes([mask_bit | 126]) + struct.pack(">H", n)
    else:
        head += bytes([mask_bit | 127]) + struct.pack(">Q", n)
    if not masked:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


@dataclass
class Ending:
    """How a connection ended, as seen by read_until_end."""

    close_code: int | None  # None: the TCP connection ended without a close frame
    close_reason: str
    messages: list[bytes] = field(default_factory=list)  # binary messages before the end
    pings: int = 0
    at: float = 0.0  # time.monotonic() when the end was seen


class RawWs:
    def __init__(self, sock: socket.socket, leftover: bytes):
        self.sock = sock
        self.buf = leftover
        self.loop = asyncio.get_running_loop()

    @classmethod
    async def connect(
        cls,
        port: int,
        origin: str | None = None,
        rcvbuf: int | None = None,
    ) -> "RawWs":
        """Opens a TCP connection to 127.0.0.1:port and upgrades it at /ws.
        `rcvbuf` shrinks the kernel receive buffer (before connecting, so the
        advertised window is small too): a slow reader fills up sooner."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.setblocking(False)
        loop = asyncio.get_running_loop()
        await loop.sock_connect(sock, ("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            "GET /ws HTTP/1.1",
            f"Host: 127.0.0.1:{port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
        ]
        if origin is not None:
            lines.append(f"Origin: {origin}")
        await loop.sock_sendall(sock, ("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = await loop.sock_recv(sock, 4096)
            if not chunk:
                sock.close()
                raise HandshakeRefused(0, data.decode("latin-1"))
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        text = head.decode("latin-1")
        status = int(text.split(" ", 2)[1])
        if status != 101:
            sock.close()
            raise HandshakeRefused(status, text)
        accept = base64.b64encode(hashlib.sha1(key.encode() + _GUID).digest()).decode()
        if f"sec-websocket-accept: {accept.lower()}" not in text.lower():
            sock.close()
            raise AssertionError(f"bad Sec-WebSocket-Accept in {text!r}")
        return cls(sock, rest)

    async def send_raw(self, data: bytes) -> None:
        await self.loop.sock_sendall(self.sock, data)

    async def send_frame(self, opcode: int, payload: bytes = b"", fin=True, masked=True):
        await self.send_raw(frame(opcode, payload, fin, masked))

    async def send_msg(self, payload: bytes) -> None:
        await self.send_frame(BINARY, payload)

    async def _fill(self, n: int) -> None:
        while len(self.buf) < n:
            chunk = await self.loop.sock_recv(self.sock, 65536)
            if not chunk:
                raise EOFError
            self.buf += chunk

    async def recv_frame(self) -> tuple[bool, int, bytes]:
        """(fin, opcode, payload) of the server's next frame. Raises EOFError
        or ConnectionResetError when the TCP connection has ended."""
        await self._fill(2)
        b0, b1 = self.buf[0], self.buf[1]
        n, at = b1 & 0x7F, 2
        if n == 126:
            await self._fill(4)
            n, at = struct.unpack(">H", self.buf[2:4])[0], 4
        elif n == 127:
            await self._fill(10)
            n, at = struct.unpack(">Q", self.buf[2:10])[0], 10
        assert not b1 & 0x80, "the server must not mask its frames"
        await self._fill(at + n)
        payload, self.buf = self.buf[at : at + n], self.buf[at + n :]
        return bool(b0 & 0x80), b0 & 0x0F, payload

    async def recv_msg(self, answer_pings: bool = True) -> bytes:
        """The next binary message's payload (the server never fragments)."""
        while True:
            fin, op, payload = await self.recv_frame()
            if op == BINARY:
                assert fin, "the server sends each message as one frame"
                return payload
            if op == PING and answer_pings:
                await self.send_frame(PONG, payload)
            elif op == CLOSE:
                raise AssertionError(f"closed early: {close_of(payload)}")

    async def read_until_end(self, timeout: float, answer_pings=False) -> Ending:
        """Reads until a close frame or the end of the TCP stream; fails the
        test if neither comes within `timeout` seconds."""
        end = Ending(None, "")
        try:
            async with asyncio.timeout(timeout):
                while True:
                    _, op, payload = await self.recv_frame()
                    if op == BINARY:
                        end.messages.append(payload)
                    elif op == PING:
                        end.pings += 1
                        if answer_pings:
                            await self.send_frame(PONG, payload)
                    elif op == CLOSE:
                        end.close_code, end.close_reason = close_of(payload)
                        break
        except (EOFError, ConnectionResetError):
            pass
        except TimeoutError:
            raise AssertionError(
                f"connection still open after {timeout} s "
                f"({len(end.messages)} messages, {end.pings} pings read)"
            ) from None
        end.at = time.monotonic()
        return end

    def close(self) -> None:
        self.sock.close()


def close_of(payload: bytes) -> tuple[int, str]:
    if len(payload) < 2:
        return 1005, ""  # RFC 6455 7.1.5: a close frame with no status code
    return struct.unpack(">H", payload[:2])[0], payload[2:].decode("utf-8", "replace")
