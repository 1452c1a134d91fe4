"""Session tokens as an attacker sends them (PROTOCOL.md 6.1), to a server
with authentication on (`--auth-secret`, `--auth-audience`): forged,
expired, `alg: none`, another algorithm, another audience, garbage and
over-long tokens are each refused with AuthFailed and a close 1008 (a
token too long for a client message: 1009), a flood of them costs the
honest player nothing, and a second login of one account takes the first
one's session over. The tokens are made here with the standard library
(HMAC-SHA256), as any game backend could."""

import asyncio
import base64
import hashlib
import hmac
import json
import time

import harness
import rallypoint_wire as wire
from canary import survives
from harness import bounded

E = wire.ErrorCode
SECRET = "the hostile suite's HS256 secret, 32+ bytes"
AUDIENCE = "rallypoint"
FLAGS = ("--auth-secret", SECRET, "--auth-audience", AUDIENCE)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(claims: dict, secret: str = SECRET, header: dict | None = None, sign: bool = True) -> str:
    head = header or {"alg": "HS256", "typ": "JWT"}
    body = f"{b64(json.dumps(head).encode())}.{b64(json.dumps(claims).encode())}"
    if not sign:
        return body + "."
    mac = hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest()
    return f"{body}.{b64(mac)}"


def claims(sub: str = "acct-1", **extra) -> dict:
    return {"sub": sub, "name": sub, "exp": int(time.time()) + 300, "aud": AUDIENCE, **extra}


BAD = {
    "forged (another secret)": (jwt(claims(), secret="not the server's secret at all!!"), "signature"),
    "signature of another token": (
        jwt(claims()).rsplit(".", 1)[0] + "." + jwt(claims("acct-2")).rsplit(".", 1)[1],
        "signature",
    ),
    "expired": (jwt(claims(exp=int(time.time()) - 3600)), "expired"),
    "alg none": (jwt(claims(), header={"alg": "none", "typ": "JWT"}, sign=False), ""),
    "alg HS512": (jwt(claims(), header={"alg": "HS512", "typ": "JWT"}), "algorithm"),
    "another audience": (jwt(claims(aud="another-game")), "audience"),
    "no sub": (jwt({"exp": int(time.time()) + 300, "aud": AUDIENCE}), "sub"),
    "garbage": ("eyJhbGciOiJIUzI1NiJ9.!!!.???", "well-formed"),
    "none at all": (None, "needs a session token"),
    "901 bytes": ("a" * 901, "over 900 bytes"),
}


@bounded(60)
async def test_every_bad_token_is_refused_and_the_game_goes_on(start_server):
    server = start_server(*FLAGS)

    async def attack():
        seen = {}
        for case, (token, _) in BAD.items():
            ws = await harness.connect(server)
            await ws.send(wire.hello("mallory", token=token))
            seen[case] = await harness.close_after_messages(ws)
        return seen

    seen = await survives(server, attack, token=jwt(claims("canary")))
    for case, (code, msgs) in seen.items():
        harness.assert_only_error(msgs, E.AUTH_FAILED, case)
        assert BAD[case][1] in msgs[0].message, f"{case}: {msgs[0].message!r}"
        assert code == 1008, f"{case}: closed with {code}"


@bounded(60)
async def test_a_token_too_long_for_a_message_is_closed_with_1009(start_server):
    server = start_server(*FLAGS)

    async def attack():
        ws = await harness.connect(server)
        await ws.send(wire.hello("mallory", token="a" * 4000))
        return await harness.close_after_messages(ws)

    code, msgs = await survives(server, attack, token=jwt(claims("canary")))
    assert code == 1009, (code, msgs)


@bounded(90)
async def test_a_flood_of_bad_logins_costs_the_honest_player_nothing(start_server):
    server = start_server(*FLAGS, "--max-connections-per-ip", "1000")
    forged = jwt(claims(), secret="not the server's secret at all!!")

    async def one():
        ws = await harness.connect(server)
        await ws.send(wire.hello("mallory", token=forged))
        return await harness.close_after_messages(ws)

    async def attack():
        results = []
        for _ in range(10):  # 10 waves of 30 at once
            results += await asyncio.gather(*(one() for _ in range(30)))
        return results

    results = await survives(server, attack, token=jwt(claims("canary")))
    assert len(results) == 300
    for code, msgs in results:
        harness.assert_only_error(msgs, E.AUTH_FAILED, "flood")
        assert code == 1008
    metrics = server.metrics_text()
    line = next(
        (l for l in metrics.splitlines() if l.startswith("rallypoint_auth_failures_total") and 'reason="bad signature"' in l),
        None,
    )
    assert line is not None and float(line.split()[-1]) >= 300, line


@bounded(30)
async def test_a_second_login_of_an_account_replaces_the_first(start_server):
    server = start_server(*FLAGS)
    token = jwt(claims("acct-twice", name="Twice"))
    first = await harness.connect(server)
    w1 = await harness.say_hello(first, "ignored", token)
    await harness.create_lobby(first, "arena", "mine")
    second = await harness.connect(server)
    w2 = await harness.say_hello(second, "ignored", token)
    assert w1.player == w2.player, (w1, w2)
    assert w1.player >= 1 << 63, w1
    code, msgs = await harness.close_after_messages(first)
    assert E.SESSION_REPLACED in harness.errors(msgs), msgs
    assert code == 1008
    # The second connection has the seat: it gets the lobby's snapshots.
    await harness.recv_until(second, wire.Snapshot)
    await second.close()
