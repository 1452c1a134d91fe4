"""Join tickets as an attacker sees them (PROTOCOL.md 6.12) on a node that
is not part of a fleet: it never issued a ticket, so every one is refused
with TicketRejected and the connection stays usable; an over-long ticket is
refused the same way, not with a bigger allocation; a flood of them costs
the other lobbies nothing. (Forged, used, expired and other players'
tickets on a real fleet are scripts/fleet-test's.)"""

import os

import harness
import rallypoint_wire as wire
from canary import survives
from harness import bounded

E = wire.ErrorCode

TICKETS = (
    b"",
    b"\x01" * 90,  # the length of a real ticket, all wrong
    os.urandom(192),  # MAX_TICKET_BYTES
    os.urandom(400),  # over it, still well inside MAX_CLIENT_MSG_BYTES
)


@bounded(30)
async def test_a_node_alone_refuses_every_ticket_and_keeps_the_connection(start_server):
    server = start_server()

    async def attack():
        ws = await harness.connect(server)
        await harness.say_hello(ws, "ticketeer")
        messages = []
        for ticket in TICKETS:
            await ws.send(wire.join_ticket(ticket))
            messages.append(await harness.recv_until(ws, wire.Error))
        # Then a burst: each answered, none closes the connection.
        for _ in range(50):
            await ws.send(wire.join_ticket(b"\xff" * 120))
        for _ in range(50):
            messages.append(await harness.recv_until(ws, wire.Error))
        joined = await harness.create_lobby(ws, "arena", "after the tickets")
        await ws.close()
        return messages, joined

    messages, joined = await survives(server, attack)
    for m in messages:
        assert m.code == E.TICKET_REJECTED, m
        assert "not part of a fleet" in m.message, m.message
    assert isinstance(joined, wire.Joined), joined
