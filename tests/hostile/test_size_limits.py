"""MAX_CLIENT_MSG_BYTES = 512: a client message over it is refused with
close 1009 however it is framed (one frame, a few fragments, a trickle of
tiny fragments, a frame whose header alone announces 64 KiB), and a
message of exactly 512 bytes is still read and decoded."""

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
    # An iterable of bytes goes out as one fragmented message.
    await ws.send([bytes(300), bytes(300)])
    return (await harness.close_after_messages(ws))[0]


async def trickle(server):
    # 10-byte fragments, never a final one: the 52nd takes the message past
    # 512 bytes. 52 frames is far below the rate limit's burst of 300, so
    # only the size limit can close this.
    raw = await raw_after_hello(server)
    await raw.send_frame(BINARY, bytes(10), fin=False)
    for _ in range(60):
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
async def test_messages_over_512_bytes_are_closed_with_1009(start_server):
    server = start_server()

    async def attack():
        return {
            "one frame of 513": await one_frame(server, LIMIT + 1),
            "two fragments of 300": await two_fragments(server),
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
async def test_a_512_byte_message_is_decoded_and_513_is_not(start_server):
    server = start_server()

    async def attack():
        ws = await harness.connect(server)
        await harness.say_hello(ws, "edge")
        # 512 bytes: decoded, then refused for its 500-byte lobby name with
        # InvalidField, which leaves the connection open.
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
        f"the 513-byte message was decoded: {msgs}"
    )
