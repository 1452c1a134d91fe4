"""Resume tokens as an attacker sees them (PROTOCOL.md 6.6): a guessed
token, a token already spent, a Resume out of place. The token is the only
proof of identity, so each must be refused: ResumeRejected then close 1008
for a bad token, UnexpectedMessage (connection open) after Hello."""

import os

import games_arena as arena
import harness
import rallypoint_wire as wire
from canary import survives
from harness import bounded
from rawws import RawWs

E = wire.ErrorCode


async def resume(server, token: bytes, version: int = wire.PROTOCOL_VERSION):
    """A new connection whose first message is Resume. Returns the
    connection and the server's first answer."""
    ws = await harness.connect(server)
    await ws.send(wire.resume(token, version))
    return ws, await harness.recv(ws)


async def dropped_session(server):
    """A player who joins a lobby and then loses its TCP connection without
    a close frame, so its session is held for a resume."""
    raw = await RawWs.connect(server.port)
    await raw.send_msg(wire.hello("dropper"))
    welcome = wire.decode_server(await raw.recv_msg())
    await raw.send_msg(wire.create_lobby(arena.NAME, "held", 4, private=True))
    while not isinstance(joined := wire.decode_server(await raw.recv_msg()), wire.Joined):
        pass
    raw.close()
    return welcome, joined


@bounded(20)
async def test_forged_tokens_are_rejected_with_1008(start_server):
    server = start_server()

    async def attack():
        outcomes = []
        for token in (os.urandom(16), bytes(16), b"\xff" * 16):
            ws, answer = await resume(server, token)
            code, rest = await harness.close_after_messages(ws)
            outcomes.append((answer, rest, code))
        return outcomes

    for answer, rest, code in await survives(server, attack):
        assert isinstance(answer, wire.Error) and answer.code == E.RESUME_REJECTED, answer
        assert rest == [] and code == 1008, (rest, code)


@bounded(20)
async def test_a_token_works_once(start_server):
    server = start_server()
    welcome, joined = await dropped_session(server)

    taker, answer = await resume(server, welcome.resume_token)
    assert isinstance(answer, wire.Welcome), answer
    assert answer.player == welcome.player
    assert answer.resume_token != welcome.resume_token, "the token was not replaced"
    back = await harness.recv_until(taker, wire.Joined)
    assert (back.lobby, back.game, back.avatar) == (joined.lobby, arena.NAME, joined.avatar)
    assert back.avatar is not None, "an arena player has an avatar"

    replayer, answer = await resume(server, welcome.resume_token)
    assert isinstance(answer, wire.Error) and answer.code == E.RESUME_REJECTED, answer
    assert (await harness.close_after_messages(replayer))[0] == 1008
    # The replay cost the rightful holder nothing.
    await harness.recv_until(taker, wire.Snapshot)


@bounded(20)
async def test_a_wrong_version_does_not_spend_the_token(start_server):
    server = start_server()
    welcome, _ = await dropped_session(server)

    ws, answer = await resume(server, welcome.resume_token, version=1)
    assert isinstance(answer, wire.Error) and answer.code == E.VERSION_MISMATCH, answer
    assert (await harness.close_after_messages(ws))[0] == 1008

    _, answer = await resume(server, welcome.resume_token)
    assert isinstance(answer, wire.Welcome) and answer.player == welcome.player, answer


@bounded(20)
async def test_resume_after_hello_is_unexpected_and_harmless(start_server):
    server = start_server()
    welcome, _ = await dropped_session(server)

    ws = await harness.connect(server)
    await harness.say_hello(ws, "interloper")
    await ws.send(wire.resume(welcome.resume_token))
    answer = await harness.recv(ws)
    assert isinstance(answer, wire.Error) and answer.code == E.UNEXPECTED_MESSAGE, answer
    await ws.send(wire.ping(3))
    assert (await harness.recv_until(ws, wire.Pong)).client_time == 3, "not left open"
    # And the token was not spent by it.
    _, answer = await resume(server, welcome.resume_token)
    assert isinstance(answer, wire.Welcome) and answer.player == welcome.player, answer
