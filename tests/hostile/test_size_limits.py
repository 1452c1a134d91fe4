"""MAX_CLIENT_MSG_BYTES (1024): a client message over it is refused with
close 1009 however it is framed (one frame, a few fragments, a trickle of
tiny fragments, a frame whose header alone announces 64 KiB), and a
message of exactly the limit is still read and decoded, as is a Hello
carrying the longest session token. Every size is computed from the
constant, so a new limit needs no edit here."""

import games_arena as arena
import harness
import rallypoint_wire as wire
from canary import survives
from harness import bounded
from rawws import BINARY, CONT, RawWs

E = wire.ErrorCode
LIMIT = wire.MAX_CLIENT_MSG_BYTES


async def raw_after_hello(server) -> RawWs:
    raw = await RawWs.connect(server.port)
    await raw.send_msg(wire.hello("raw"))
    assert isinstance(wire.decode_server(await raw.recv_msg()), wire.Welcome)
    return raw


async def one_frame(server, size: int):
    ws = await harness.connect(server)
    await harness.say_hello(ws, "big")
    await ws.send(wire.ping(1) + bytes(size - 2))
    return (await harness.close_after_messages(ws))[0]


async def two_fragments(server):
    ws = await harness.connect(server)
    await harness.say_hello(ws, "split")
    # An iterable of bytes goes out as one fragmented message: two halves
    # of the limit and a byte each, each fragment under it, the whole over.
    await ws.send([bytes(LIMIT // 2 + 1), bytes(LIMIT // 2 + 1)])
    return (await harness.close_after_messages(ws))[0]


# Fragments of the trickle: enough 10-byte ones to pass the limit, and a
# few more. 111 frames at 1024 is well below the rate limit's burst of 300,
# so only the size limit can close this.
TRICKLE_FRAGMENTS = LIMIT // 10 + 8


async def trickle(server):
    # 10-byte fragments, never a final one, until past the limit.
    raw = await raw_after_hello(server)
    await raw.send_frame(BINARY, bytes(10), fin=False)
    for _ in range(TRICKLE_FRAGMENTS - 1):
        await raw.send_frame(CONT, bytes(10), fin=False)
    end = await raw.read_until_end(timeout=3)
    raw.close()
    return end.close_code


async def announced_64k(server):
    # A frame header announcing 65 536 bytes: refused on its length alone.
    raw = await raw_after_hello(server)
    await raw.send_frame(BINARY, bytes(65536))
    end = await raw.read_until_end(timeout=3)
    raw.close()
    return end.close_code


@bounded(30)
async def test_messages_over_the_limit_are_closed_with_1009(start_server):
    assert 10 * TRICKLE_FRAGMENTS > LIMIT
    assert TRICKLE_FRAGMENTS < 250, "the trickle must stay inside the rate limit's burst"
    server = start_server()

    async def attack():
        return {
            f"one frame of {LIMIT + 1}": await one_frame(server, LIMIT + 1),
            f"two fragments of {LIMIT // 2 + 1}": await two_fragments(server),
            "trickle of 10-byte fragments": await trickle(server),
            "one frame of 64 KiB": await announced_64k(server),
        }

    codes = await survives(server, attack)
    assert codes == dict.fromkeys(codes, 1009), codes


def create_lobby_of_size(size: int) -> bytes:
    # tag + game ("arena": 6 bytes) + 3-byte length varint + name +
    # max_players + private = size
    msg = wire.create_lobby(arena.NAME, "n" * (size - 12), 8, private=True)
    assert len(msg) == size
    return msg


@bounded(20)
async def test_a_message_of_the_limit_is_decoded_and_one_byte_more_is_not(start_server):
    server = start_server()

    async def attack():
        ws = await harness.connect(server)
        await harness.say_hello(ws, "edge")
        # LIMIT bytes: decoded, then refused for its over-long lobby name
        # (LIMIT - 12 bytes) with InvalidField, which leaves the connection
        # open.
        await ws.send(create_lobby_of_size(LIMIT))
        refused = await harness.recv(ws)
        await ws.send(wire.ping(77))
        pong = await harness.recv(ws)
        # One byte more is over the limit: closed, not decoded.
        await ws.send(create_lobby_of_size(LIMIT + 1))
        code, msgs = await harness.close_after_messages(ws)
        return refused, pong, code, msgs

    refused, pong, code, msgs = await survives(server, attack)
    assert isinstance(refused, wire.Error) and refused.code == E.INVALID_FIELD, refused
    assert isinstance(pong, wire.Pong) and pong.client_time == 77, pong
    assert code == 1009
    assert not [m for m in msgs if isinstance(m, wire.Error) and m.code == E.INVALID_FIELD], (
        f"the {LIMIT + 1}-byte message was decoded: {msgs}"
    )


@bounded(20)
async def test_a_hello_with_the_longest_token_fits_and_is_ignored_without_auth(start_server):
    # A server without authentication ignores the token (PROTOCOL.md 6.1).
    # The longest token with a 24-character name still fits in a message.
    server = start_server()
    token = "t" * wire.MAX_TOKEN_BYTES
    hello = wire.hello("w" * 24, token=token)
    assert len(hello) <= LIMIT, len(hello)

    async def attack():
        ws = await harness.connect(server)
        await ws.send(hello)
        welcome = await harness.recv(ws)
        await ws.send(wire.ping(5))
        pong = await harness.recv(ws)
        await ws.close()
        return welcome, pong

    welcome, pong = await survives(server, attack)
    assert isinstance(welcome, wire.Welcome), welcome
    assert welcome.max_message_bytes == LIMIT, welcome
    assert isinstance(pong, wire.Pong) and pong.client_time == 5, pong
