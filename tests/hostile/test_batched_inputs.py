"""Batched inputs (`Inputs`, PROTOCOL.md sections 4 and 6.4; in v5 a list
of envelope Inputs, each carrying an ArenaInput payload) used wrongly:
a batch of no inputs or of more than MAX_INPUTS_PER_MESSAGE is refused
whole with InvalidField and the connection stays open; outside a lobby it
is UnexpectedMessage; a count the bytes cannot hold is a BadMessage (1008).
A batch of the most allowed is then applied input by input, at most two a
tick. The canary plays on throughout."""

import asyncio

import games_arena as arena
import harness
import rallypoint_wire as wire
from canary import survives
from harness import bounded

E = wire.ErrorCode


def batch(first_seq: int, count: int) -> bytes:
    """`count` inputs from `first_seq`, walking +x, acknowledging nothing
    (so every snapshot this client gets is full, and any one applies)."""
    frames = [arena.frame(seq, movement=(1.0, 0.0)) for seq in range(first_seq, first_seq + count)]
    return wire.inputs(frames)


async def answers(ws, sent: list[bytes], nonce: int) -> list[int]:
    """Sends `sent` then a Ping; the codes of every Error read before its
    Pong: what the server said to those messages (snapshots are skipped)."""
    for msg in sent:
        await ws.send(msg)
    await ws.send(wire.ping(nonce))
    codes = []
    async with asyncio.timeout(3):
        while True:
            msg = await harness.recv(ws)
            if isinstance(msg, wire.Error):
                codes.append(msg.code)
            elif isinstance(msg, wire.Pong) and msg.client_time == nonce:
                return codes


async def views_until(ws, views: wire.Views, seq: int, extra: int = 5) -> list[wire.View]:
    """Applies snapshots until one shows `last_input_seq` >= `seq`, and
    `extra` more; every view applied, in order."""
    seen: list[wire.View] = []
    after = None
    async with asyncio.timeout(3):
        while after is None or len(seen) < after + extra:
            msg = await harness.recv(ws)
            if isinstance(msg, wire.Error):
                raise AssertionError(f"unexpected {msg}")
            if isinstance(msg, wire.Snapshot):
                seen.append(views.receive(msg))
                if after is None and seen[-1].last_input_seq >= seq:
                    after = len(seen)
    return seen


@bounded(30)
async def test_bad_batches_get_invalid_field_and_the_connection_stays(start_server):
    server = start_server()

    async def attack():
        ws = await harness.connect(server)
        await harness.say_hello(ws, "batcher")
        outside = await answers(ws, [batch(1, 1)], nonce=1)
        await harness.create_lobby(ws, arena.NAME, "batches", 2)
        views = wire.Views(arena.SCHEMA)
        await views_until(ws, views, 0, extra=0)
        # One too many, then none: each refused whole, the session kept.
        refused = await answers(
            ws, [batch(1, wire.MAX_INPUTS_PER_MESSAGE + 1), wire.inputs([])], nonce=2
        )
        # A full batch from seq 1: applied, so nothing of the refused one
        # was queued (its seq 1 to 8 would have made these stale).
        await ws.send(batch(1, wire.MAX_INPUTS_PER_MESSAGE))
        applied = await views_until(ws, views, wire.MAX_INPUTS_PER_MESSAGE)
        await ws.close()
        return outside, refused, applied

    outside, refused, applied = await survives(server, attack)
    assert outside == [E.UNEXPECTED_MESSAGE], outside
    assert refused == [E.INVALID_FIELD, E.INVALID_FIELD], refused
    seqs = [v.last_input_seq for v in applied]
    assert max(seqs) == wire.MAX_INPUTS_PER_MESSAGE, f"the refused batch was applied: {seqs}"
    assert seqs == sorted(seqs), seqs
    # One input a tick, two while more than two wait: never more than two
    # a tick, so eight take at least four ticks.
    for a, b in zip(applied, applied[1:]):
        assert b.last_input_seq - a.last_input_seq <= 2 * (b.tick - a.tick), seqs
    first = next(v.tick for v in applied if v.last_input_seq > 0)
    last = next(v.tick for v in applied if v.last_input_seq == wire.MAX_INPUTS_PER_MESSAGE)
    assert last - first >= 3, f"eight inputs applied within ticks {first} to {last}: {seqs}"


@bounded(20)
async def test_a_batch_count_past_the_message_is_a_bad_message(start_server):
    server = start_server()

    async def attack():
        ws = await harness.connect(server)
        await harness.say_hello(ws, "counter")
        await harness.create_lobby(ws, arena.NAME, "counts", 2)
        # Inputs declaring 4 Gi - 1 frames, in six bytes.
        await ws.send(bytes([9, 0xFC, 0xFF, 0xFF, 0xFF, 0xFF]))
        return await harness.close_after_messages(ws)

    code, msgs = await survives(server, attack)
    errors = harness.errors(msgs)
    assert errors == [E.BAD_MESSAGE], msgs[-3:]
    assert code == 1008, code
