"""Running the real server binary and talking to it with the `websockets`
library: the pieces every hostile test shares.

Each test starts its own server (fixture `start_server` in conftest.py) on
a free loopback port, so one test's attack can never leak into the next,
and every test body runs under a hard deadline (`bounded`), so a server
that hangs fails the test instead of hanging the suite.
"""

from __future__ import annotations

import asyncio
import functools
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import websockets
from websockets.asyncio.client import ClientConnection

import games_arena
import games_four
import rallypoint_wire as wire

REPO = Path(__file__).resolve().parents[2]
SERVER_BIN = os.environ.get(
    "RALLYPOINT_SERVER_BIN", str(REPO / "target" / "debug" / "rallypoint-server")
)

# The payload modules of the games the server hosts, by name.
GAMES = {games_arena.NAME: games_arena, games_four.NAME: games_four}

# How long a debug build may take to start listening on a loaded CI box.
STARTUP_DEADLINE = 15.0


def bounded(seconds: float):
    """Runs an async test body under asyncio.run with a hard deadline."""

    def wrap(fn):
        @functools.wraps(fn)
        def run(*args, **kwargs):
            async def body():
                async with asyncio.timeout(seconds):
                    await fn(*args, **kwargs)

            asyncio.run(body())

        return run

    return wrap


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One rallypoint-server process on 127.0.0.1:port."""

    def __init__(self, flags: list[str], log_path: Path):
        self.port = free_port()
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(
            [SERVER_BIN, "--bind", f"127.0.0.1:{self.port}", *flags],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "NO_COLOR": "1"},
        )
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def alive(self) -> bool:
        return self.proc.poll() is None

    def rss_kib(self) -> int:
        """Resident set size from /proc/PID/status (Linux)."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS line")

    def metrics_text(self) -> str:
        """The server's /metrics page."""
        url = f"http://127.0.0.1:{self.port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.read().decode()

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def log_head(self, lines: int = 15) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[:lines])

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + STARTUP_DEADLINE
        url = f"http://127.0.0.1:{self.port}/healthz"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"server exited with {self.proc.returncode} at startup:\n{self.log_head()}"
                )
            try:
                with urllib.request.urlopen(url, timeout=1) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"server not healthy within {STARTUP_DEADLINE} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        self.log.close()


# --- a well-behaved client, with the websockets library ---------------------


async def connect(server: Server, **kwargs) -> ClientConnection:
    """A plain client: no compression (each message is exactly the bytes we
    chose) and no keepalive pings of its own (so every frame it sends is one
    the test sent). It still answers the server's pings, as a client must."""
    return await websockets.connect(
        server.url, compression=None, ping_interval=None, open_timeout=5, **kwargs
    )


async def recv(ws: ClientConnection, timeout: float = 3.0):
    """The next server message, decoded."""
    async with asyncio.timeout(timeout):
        data = await ws.recv()
    assert isinstance(data, bytes), f"server sent a text frame: {data!r}"
    return wire.decode_server(data)


async def recv_until(ws: ClientConnection, kind, timeout: float = 3.0):
    """Reads until a message of type `kind`, skipping snapshots and the like."""
    async with asyncio.timeout(timeout):
        while True:
            msg = await recv(ws, timeout)
            if isinstance(msg, kind):
                return msg


async def say_hello(
    ws: ClientConnection, name: str = "player", token: str | None = None
) -> wire.Welcome:
    await ws.send(wire.hello(name, token=token))
    welcome = await recv(ws)
    assert isinstance(welcome, wire.Welcome), welcome
    assert welcome.protocol_version == wire.PROTOCOL_VERSION
    return welcome


async def create_lobby(
    ws: ClientConnection, game: str, name: str, max_players: int = 8, private: bool = True
) -> wire.Joined:
    """CreateLobby for `game`; its Joined (anything else before it fails)."""
    await ws.send(wire.create_lobby(game, name, max_players, private))
    joined = await recv(ws)
    assert isinstance(joined, wire.Joined), f"CreateLobby({game!r}) answered {joined}"
    assert joined.game == game, joined
    return joined


async def close_after_messages(ws: ClientConnection, timeout: float = 3.0):
    """Reads everything up to the server's close. Returns (close code or
    None if no close frame came, the decoded messages received before)."""
    msgs = []
    try:
        async with asyncio.timeout(timeout):
            while True:
                data = await ws.recv()
                msgs.append(wire.decode_server(data) if isinstance(data, bytes) else data)
    except websockets.ConnectionClosed as e:
        return (e.rcvd.code if e.rcvd else None), msgs
    except TimeoutError:
        raise AssertionError(f"not closed within {timeout} s; got {msgs[-5:]}") from None


def errors(msgs) -> list[int]:
    return [m.code for m in msgs if isinstance(m, wire.Error)]


def assert_only_error(msgs, code: int, case: str = "") -> None:
    """The server said exactly one thing before closing: Error{code}."""
    what = f"{case}: " if case else ""
    assert len(msgs) == 1 and isinstance(msgs[0], wire.Error), f"{what}expected one Error, got {msgs}"
    assert msgs[0].code == code, f"{what}expected error code {code}, got {msgs[0]}"
