"""Messages a correct client never sends: garbage bytes, the wrong first
message, text frames, another protocol version. Each must cost the sender
its connection, with the close code PROTOCOL.md section 7 documents, and
nothing else: the canary in the same server plays on."""

import re

import games_arena as arena
import harness
import rallypoint_wire as wire
from canary import survives
from harness import bounded

E = wire.ErrorCode

# Bytes that are not a ClientMsg, each for a different rule of section 2.5
# (the envelope's rules: payload bytes the game cannot read are another
# matter, InvalidField, in test_game_payloads.py).
GARBAGE = {
    "unknown-tag": bytes([0x63]),
    "tag-after-the-last": bytes([0x0C]),
    "invalid-varint-marker": bytes([0xFF]),
    "truncated-ping": bytes([0x07, 0xFB, 0x01]),
    "trailing-byte": wire.ping(1) + b"\x00",
    "bad-bool": wire.create_lobby(arena.NAME, "x", 2, False)[:-1] + b"\x02",
    "payload-longer-than-message": wire.game_msg(b"\x00\x03")[:-1],
    "input-payload-length-past-the-end": bytes([0x06, 0x01, 0x00, 0x12]) + bytes(17),
    "u16-in-u32-marker": bytes([0x00, 0xFC, 0x02, 0x00, 0x00, 0x00, 0x01, 0x61]),
    "bad-utf8": bytes([0x00, 0x02, 0x02, 0xC3, 0x28]),
    "string-longer-than-message": bytes([0x00, 0x02, 0xFC, 0xFF, 0xFF, 0xFF, 0x7F]),
}


@bounded(30)
async def test_undecodable_bytes_get_bad_message_then_1008(start_server):
    # One server and one canary for every kind of garbage, one attacker
    # connection each (and one more sending garbage as its very first
    # message): the canary's window spans them all.
    server = start_server()

    async def garbage(payload: bytes, hello_first: bool = True):
        ws = await harness.connect(server)
        if hello_first:
            await harness.say_hello(ws, "garbage")
        await ws.send(payload)
        return await harness.close_after_messages(ws)

    async def attack():
        outcomes = {kind: await garbage(payload) for kind, payload in GARBAGE.items()}
        outcomes["as the first message"] = await garbage(GARBAGE["unknown-tag"], False)
        return outcomes

    for kind, (code, msgs) in (await survives(server, attack)).items():
        harness.assert_only_error(msgs, E.BAD_MESSAGE, kind)
        assert code == 1008, f"{kind}: closed with {code}"


FIRST_MESSAGES = {
    "input": arena.input_msg(1, movement=(1.0, 0.0)),
    "quick-join": wire.quick_join(arena.NAME),
    "game": wire.game_msg(b"\x00\x03"),
    "ack": wire.ack(1),
    "ping": wire.ping(1),
}


@bounded(20)
async def test_any_message_before_hello_gets_unexpected_message_then_1008(start_server):
    server = start_server()

    async def attack():
        outcomes = {}
        for kind, first in FIRST_MESSAGES.items():
            ws = await harness.connect(server)
            await ws.send(first)
            outcomes[kind] = await harness.close_after_messages(ws)
        return outcomes

    for kind, (code, msgs) in (await survives(server, attack)).items():
        harness.assert_only_error(msgs, E.UNEXPECTED_MESSAGE, kind)
        assert code == 1008, f"{kind}: closed with {code}"


@bounded(20)
async def test_a_text_frame_is_closed_with_1003(start_server):
    server = start_server()

    async def text_frame(phase: str):
        ws = await harness.connect(server)
        if phase == "in a lobby":
            await harness.say_hello(ws, "texter")
            await ws.send(wire.create_lobby(arena.NAME, "texts", 2, private=True))
            await harness.recv_until(ws, wire.Snapshot)
        await ws.send("hello")  # a str goes out as a text frame
        return (await harness.close_after_messages(ws))[0]

    async def attack():
        return {phase: await text_frame(phase) for phase in ("before Hello", "in a lobby")}

    codes = await survives(server, attack)
    assert codes == dict.fromkeys(codes, 1003), codes


@bounded(20)
async def test_another_protocol_version_gets_version_mismatch_naming_both(start_server):
    server = start_server()

    async def attack():
        outcomes = {}
        for version in (wire.PROTOCOL_VERSION - 1, wire.PROTOCOL_VERSION + 1, 65535):
            ws = await harness.connect(server)
            await ws.send(wire.hello("time-traveller", version=version))
            outcomes[version] = await harness.close_after_messages(ws)
        return outcomes

    for version, (code, msgs) in (await survives(server, attack)).items():
        harness.assert_only_error(msgs, E.VERSION_MISMATCH, f"version {version}")
        text = msgs[0].message
        for named in (version, wire.PROTOCOL_VERSION):
            assert re.search(rf"\b{named}\b", text), f"{named} not named in {text!r}"
        assert code == 1008, f"version {version}: closed with {code}"
