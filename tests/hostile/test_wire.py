"""The Python codec against the byte dumps of docs/PROTOCOL.md section 8
(and the v2 and v3 additions), so that a failing hostile test is never just this
codec disagreeing with the document. No server needed."""

import pytest

import rallypoint_wire as wire


def h(text: str) -> bytes:
    return bytes.fromhex(text)


def test_varints_use_the_shortest_form():
    assert wire.varint(7) == h("07")
    assert wire.varint(250) == h("fa")
    assert wire.varint(251) == h("fb fb 00")
    assert wire.varint(65535) == h("fb ff ff")
    assert wire.varint(65536) == h("fc 00 00 01 00")
    assert wire.varint(5_000_000_000) == h("fd 00 f2 05 2a 01 00 00 00")


def test_client_messages_match_the_documented_dumps():
    assert wire.hello("ada") == h("00 03 03 616461")
    assert wire.hello("ada", version=1) == h("00 01 03 616461")
    assert wire.create_lobby("duel", 2, True) == h("02 04 6475656c 02 01")
    assert wire.join_code("K7PQ") == h("03 01 04 4b375051")
    assert wire.input_frame(300, (-1.0, 0.5), (0.6, 0.8), True, ack_tick=1000) == h(
        "06 fb2c01 000080bf 0000003f 9a99193f cdcc4c3f 01 00 fbe803"
    )
    # The v3 fields default to no hitscan and nothing acknowledged.
    assert wire.input_frame(1) == h("06 01") + bytes(16) + h("00 00 00")
    assert wire.input_frame(1, hitscan=True, ack_tick=7)[-2:] == h("01 07")
    assert wire.ping(5_000_000_000) == h("07 fd00f2052a01000000")
    assert wire.resume(bytes(range(16))) == h("08 03") + bytes(range(16))


def test_server_messages_decode():
    token = bytes(range(16, 32))
    welcome = wire.decode_server(h("00 2a 03 1e fb0002") + token + h("14"))
    assert welcome == wire.Welcome(42, 3, 30, 512, token, 20)

    joined = wire.decode_server(
        h(
            "02 03 01 044b375051 08 0001 0479617264"
            "00000000 00000000 00004844 00001644"
            "01 00009643 00004843 0000fa43 00007043 00"
        )
    )
    assert (joined.lobby, joined.join_code, joined.entity.generation) == (3, "K7PQ", 1)

    snap = wire.decode_server(
        h(
            "03 fbe803 fb2c01 01 0001 0000c842 00004843 0000803f 00000000 64 01 02 00"
            "01 0502 0001 0000f042 00004843 00001644 00000000"
        )
    )
    assert (snap.tick, snap.last_input_seq, len(snap.players), snap.projectiles) == (
        1000, 300, 1, 1,
    )
    assert wire.decode_server(h("05 0a 02 6869")) == wire.Error(wire.ErrorCode.RATE_LIMITED, "hi")
    assert wire.decode_server(h("08 03 627965 1e")) == wire.ShuttingDown("bye", 30)
    assert wire.decode_server(h("06")) == wire.Left()
    assert wire.decode_server(h("01 01 07 0161 03 10 0461726561")) == wire.LobbyList(
        [(7, "a", 3, 16, "area")]
    )


@pytest.mark.parametrize(
    "data",
    [h("05 01"), h("06 00"), h("00 2a 02 1e fc00020000"), h("ff")],
    ids=["truncated", "trailing", "varint-too-wide", "bad-tag"],
)
def test_bad_server_bytes_are_refused(data):
    with pytest.raises(wire.WireError):
        wire.decode_server(data)
