"""Bad WebSocket framing (RFC 6455), which only a hand-rolled client can
produce: frames a client did not mask, reserved bits, a continuation with
nothing to continue. PROTOCOL.md section 7: close 1002."""

import rallypoint_wire as wire
from canary import survives
from harness import bounded
from rawws import BINARY, CONT, RawWs, frame


def with_rsv1(data: bytes) -> bytes:
    # RSV1 means a negotiated extension; none was, so it is a protocol error.
    return bytes([data[0] | 0x40]) + data[1:]


# name -> (say Hello first?, the offending bytes)
CASES = {
    "unmasked hello": (False, frame(BINARY, wire.hello("bare"), masked=False)),
    "unmasked ping after hello": (True, frame(BINARY, wire.ping(1), masked=False)),
    "rsv1 set": (True, with_rsv1(frame(BINARY, wire.ping(1)))),
    "stray continuation": (True, frame(CONT, wire.ping(1))),
}


@bounded(30)
async def test_bad_framing_is_closed_with_1002(start_server):
    server = start_server()

    async def attack():
        codes = {}
        for name, (hello_first, data) in CASES.items():
            raw = await RawWs.connect(server.port)
            if hello_first:
                await raw.send_msg(wire.hello("framer"))
                assert isinstance(wire.decode_server(await raw.recv_msg()), wire.Welcome)
            await raw.send_raw(data)
            end = await raw.read_until_end(timeout=3)
            raw.close()
            codes[name] = end.close_code
        return codes

    codes = await survives(server, attack)
    assert codes == dict.fromkeys(codes, 1002), codes
