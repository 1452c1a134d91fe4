"""The admin API (docs/ADMIN.md) attacked from outside: calls with no
token or a wrong one (HTTP 401 with a JSON error and `WWW-Authenticate:
Bearer`), a read-only token on a write (403), and a flood of bad logins
from one address, which is throttled (429, the token no longer even
checked) while an honest player on the same server keeps playing. The
server gets its tokens by flag (`--admin-token NAME:ROLE:TOKEN`)."""

import asyncio
import json
import urllib.error
import urllib.request

from canary import survives
from harness import bounded

FULL = "full-token-0123456789abcdef0123456789abcdef"
READ = "read-token-0123456789abcdef0123456789abcdef"
TOKENS = ("--admin-token", f"ops:full:{FULL}", "--admin-token", f"dash:read:{READ}")

# server::admin::MAX_FAILURES_PER_MINUTE
FAILURES_PER_MINUTE = 10


def call(server, method: str, path: str, token: str | None = None, body: bytes | None = None):
    """(status, headers, decoded JSON body) of one admin call."""
    req = urllib.request.Request(f"http://127.0.0.1:{server.port}{path}", data=body, method=method)
    if token is not None:
        req.add_header("Authorization", f"Bearer {token}")
    if body is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.headers, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, e.headers, json.loads(raw)


async def acall(*args, **kwargs):
    return await asyncio.to_thread(call, *args, **kwargs)


@bounded(30)
async def test_no_token_a_wrong_token_and_a_read_token_on_a_write(start_server):
    server = start_server(*TOKENS)

    async def attack():
        results = {}
        results["none"] = await acall(server, "GET", "/admin/api/lobbies")
        results["wrong"] = await acall(server, "GET", "/admin/api/lobbies", "not-the-token")
        results["basic"] = await acall(server, "GET", "/admin/api/lobbies", None)
        results["read_on_write"] = await acall(
            server, "POST", "/admin/api/notice", READ, b'{"text":"pwned"}'
        )
        results["read_on_read"] = await acall(server, "GET", "/admin/api/lobbies", READ)
        return results

    results = await survives(server, attack)
    for case in ("none", "wrong", "basic"):
        status, headers, body = results[case]
        assert status == 401, f"{case}: HTTP {status} {body}"
        assert headers.get("WWW-Authenticate") == "Bearer", f"{case}: {dict(headers)}"
        assert isinstance(body.get("error"), str), f"{case}: {body}"
    status, _, body = results["read_on_write"]
    assert status == 403, f"read token on a write: HTTP {status} {body}"
    status, _, body = results["read_on_read"]
    assert status == 200, f"read token on a read: HTTP {status} {body}"
    # The canary's lobby is there, private, with its join code.
    assert any(lobby["private"] and lobby["code"] for lobby in body["lobbies"]), body


@bounded(40)
async def test_a_flood_of_bad_logins_is_throttled_while_the_game_plays_on(start_server):
    server = start_server(*TOKENS)

    async def attack():
        statuses = []
        # Five rounds of bad tokens from several concurrent "scripts".
        for _ in range(5):
            batch = [acall(server, "GET", "/admin/api/node", f"guess-{i}") for i in range(20)]
            statuses += [status for status, _, _ in await asyncio.gather(*batch)]
        good = await acall(server, "GET", "/admin/api/node", FULL)
        return statuses, good

    statuses, (good_status, _, good_body) = await survives(server, attack)
    assert statuses.count(401) <= FAILURES_PER_MINUTE, f"{statuses.count(401)} tokens checked"
    assert statuses.count(429) >= len(statuses) - FAILURES_PER_MINUTE, statuses
    assert set(statuses) <= {401, 429}, statuses
    # Throttled means throttled: even the right token is not looked at.
    assert good_status == 429, f"good token after the flood: HTTP {good_status} {good_body}"
    assert server.alive()
