"""Fixtures: `start_server(*flags)` starts a fresh rallypoint-server for the
test and kills it when the test ends. When a test fails, the tail of that
server's log is printed with the failure."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import harness  # noqa: E402


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for server in getattr(item, "_servers", []):
            report.sections.append((f"server log (port {server.port})", server.log_tail()))


@pytest.fixture
def start_server(request, tmp_path):
    servers: list[harness.Server] = []
    request.node._servers = servers

    def start(*flags: str) -> harness.Server:
        server = harness.Server(list(flags), tmp_path / f"server-{len(servers)}.log")
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
