"""Hostile game payloads (docs/PROTOCOL.md section 6.11): bytes that are a valid v5
envelope but a bad payload for the lobby's game. The envelope decodes, so
none of these is a BadMessage and none costs the connection: a payload the
game cannot read is Error{InvalidField} naming the game, a message the game
refuses is its own event (Four's Illegal, to the sender alone), and a
message for another game is refused clearly. Each test checks that the
lobby under attack keeps working for everyone in it, and (through
`survives`) that the canary in another lobby keeps its snapshot rate."""

import math
import re

import games_arena as arena
import games_four as four
import harness
import rallypoint_wire as wire
from canary import survives
from harness import bounded
from member import Member, four_table

E = wire.ErrorCode


def empty_board(state: dict) -> bool:
    return state["board"] == (0,) * four.CELLS


def illegal(m: Member) -> int:
    return sum(isinstance(e, four.Illegal) for e in m.events)


BAD_COLUMNS = (9, 7, 255)


@bounded(30)
async def test_a_bad_column_is_illegal_to_its_sender_alone_and_changes_nothing(start_server):
    server = start_server()

    async def attack():
        a, b = await four_table(server)
        before = a.views.newest().singleton
        # Columns past the board: each refused to seat 0 alone.
        for n, column in enumerate(BAD_COLUMNS, 1):
            await a.ws.send(four.drop_msg(column))
            await a.until(f"Illegal for column {column}", lambda: illegal(a) >= n or None)
        after = await a.view("a snapshot after the refusals", lambda v: True)
        # Seat 1 out of turn: refused to seat 1 alone.
        await b.ws.send(four.drop_msg(2))
        await b.event(four.Illegal)
        # Then seat 0's legal move: the turn was still seat 0's.
        await a.ws.send(four.drop_msg(3))
        moves = [await m.event(four.Moved) for m in (a, b)]
        for m in (a, b):
            m.check()
        return a, b, before, after.singleton, moves

    a, b, before, after, moves = await survives(server, attack)
    reasons = [e.reason for e in a.events if isinstance(e, four.Illegal)]
    for column, reason in zip(BAD_COLUMNS, reasons):
        assert re.search(rf"\b{column}\b", reason), f"Illegal for column {column}: {reason!r}"
    assert [type(e) for e in a.events] == [four.Started] + [four.Illegal] * 3 + [four.Moved], a.events
    assert [type(e) for e in b.events] == [four.Started, four.Illegal, four.Moved], b.events
    assert b.events[1].reason.strip(), "an Illegal with no reason"
    assert moves == [four.Moved(seat=0, column=3, row=0)] * 2, moves
    # Nothing changed: the same board (empty), turn, deadline and count.
    assert after == before and empty_board(after) and after["moves"] == 0, (before, after)
    assert (after["turn"], after["phase"]) == (0, four.Phase("Playing")), after
    assert not a.errors and not b.errors, (a.errors, b.errors)


# Payloads inside a valid Game envelope that are no FourMsg.
NOT_FOUR_MSGS = {
    "garbage": b"\xff\xff\xff",
    "unknown variant": b"\x07",
    "drop without its column": b"\x00",
    "drop with a trailing byte": four.drop(3) + b"\x00",
    "rematch with a trailing byte": four.rematch() + b"\x01",
    "empty": b"",
}


@bounded(30)
async def test_garbage_in_a_game_envelope_is_invalid_field_naming_the_game(start_server):
    server = start_server()

    async def attack():
        a, b = await four_table(server)
        for i, payload in enumerate(NOT_FOUR_MSGS.values()):
            await a.ws.send(wire.game_msg(payload))
            await a.error(after=i)
        await a.roundtrip(1)
        # The lobby still plays: seat 0's turn, none of the garbage moved.
        await a.ws.send(four.drop_msg(4))
        moves = [await m.event(four.Moved) for m in (a, b)]
        view = await b.view("the move in a snapshot", lambda v: v.singleton["moves"] == 1)
        return a, b, moves, view

    a, b, moves, view = await survives(server, attack)
    for (kind, _), error in zip(NOT_FOUR_MSGS.items(), a.errors):
        assert error.code == E.INVALID_FIELD, f"{kind}: {error}"
        assert "four" in error.message.lower(), f"{kind}: the message names no game: {error.message!r}"
    assert len(a.errors) == len(NOT_FOUR_MSGS), a.errors
    assert moves == [four.Moved(seat=0, column=4, row=0)] * 2, moves
    assert four.cell(view.singleton["board"], 4, 0) == 1 and view.singleton["turn"] == 1, view
    assert [type(e) for e in a.events] == [four.Started, four.Moved], f"garbage reached the game: {a.events}"
    assert not b.errors, b.errors


@bounded(30)
async def test_a_message_for_the_other_game_gets_a_clear_error(start_server):
    server = start_server()

    async def attack():
        # Four's messages into an arena lobby (arena has no game message).
        fighter = await Member.create(server, arena.NAME, "fighter", acks=False)
        for i, payload in enumerate((four.drop(3), four.rematch())):
            await fighter.ws.send(wire.game_msg(payload))
            await fighter.error(after=i)
        # The arena lobby still plays: this player's inputs are applied.
        for seq in range(1, 4):
            await fighter.ws.send(arena.input_msg(seq, fighter.views.ack_tick(), movement=(1.0, 0.0)))
        await fighter.view("inputs applied", lambda v: v.last_input_seq == 3)

        # Arena's input into a four lobby (four takes no input).
        a, b = await four_table(server)
        await a.ws.send(arena.input_msg(1, a.views.ack_tick(), movement=(1.0, 0.0)))
        await a.error(after=0)
        # A batch is handled input by input, as if each came alone: one
        # error each.
        await a.ws.send(wire.inputs([arena.frame(2), arena.frame(3)]))
        await a.error(after=2)
        await a.ws.send(four.drop_msg(0))
        moves = [await m.event(four.Moved) for m in (a, b)]
        return fighter, a, moves

    fighter, a, moves = await survives(server, attack)
    for game, member in (("arena", fighter), ("four", a)):
        assert len(member.errors) == (2 if game == "arena" else 3), member.errors
        for error in member.errors:
            assert error.code == E.INVALID_FIELD, f"{game}: {error}"
            assert re.search(rf"\b{game}\b", error.message), f"{game}: no game named in {error.message!r}"
    assert fighter.events == [], fighter.events
    assert moves == [four.Moved(seat=0, column=0, row=0)] * 2, moves


GOOD_INPUT = arena.payload(movement=(1.0, 0.0))
# Payloads that are no ArenaInput: the error names the game ...
UNDECODABLE_INPUTS = {
    "trailing byte": GOOD_INPUT + b"\x00",
    "truncated": GOOD_INPUT[:-1],
    "empty": b"",
    "not a bool": GOOD_INPUT[:-1] + b"\x02",
}
# ... and ArenaInputs with a value out of range: the error names the field.
OUT_OF_RANGE_INPUTS = {
    "NaN movement": arena.payload(movement=(math.nan, 0.0)),
    "infinite aim": arena.payload(aim=(math.inf, 0.0)),
}


@bounded(30)
async def test_a_malformed_input_payload_is_invalid_field(start_server):
    server = start_server()
    bad = {**UNDECODABLE_INPUTS, **OUT_OF_RANGE_INPUTS}

    async def attack():
        m = await Member.create(server, arena.NAME, "malformed", acks=False)
        # Each with a seq far ahead: if one were applied, last_input_seq
        # would show it.
        for i, payload in enumerate(bad.values()):
            await m.ws.send(wire.input_msg(100 + i, m.views.ack_tick(), payload))
            await m.error(after=i)
        await m.roundtrip(5)
        # Good inputs from seq 1 are still applied.
        for seq in range(1, 6):
            await m.ws.send(arena.input_msg(seq, m.views.ack_tick(), movement=(0.0, 1.0)))
        view = await m.view("the good inputs applied", lambda v: v.last_input_seq >= 5)
        # A batch is handled input by input, as if each came alone: its
        # good input applies, its bad one is refused.
        batch = [arena.frame(6, movement=(1.0, 0.0)), wire.input_record(300, 0, b"\x00")]
        await m.ws.send(wire.inputs(batch))
        await m.error(after=len(bad))
        batched = await m.view("the batch's good input applied", lambda v: v.last_input_seq >= 6)
        await m.roundtrip(6)
        settled = await m.view("a later snapshot", lambda v: True, since=batched.tick + 3)
        return m, view, settled

    m, view, settled = await survives(server, attack)
    for kind, error in zip([*bad, "a batch with one bad payload"], m.errors):
        assert error.code == E.INVALID_FIELD, f"{kind}: {error}"
        if kind not in OUT_OF_RANGE_INPUTS:
            assert re.search(r"\barena\b", error.message), f"{kind}: no game named in {error.message!r}"
        else:
            assert re.search(r"movement|aim", error.message), f"{kind}: no field named in {error.message!r}"
    assert len(m.errors) == len(bad) + 1, m.errors
    assert view.last_input_seq == 5, f"a refused input was applied: last_input_seq {view.last_input_seq}"
    assert settled.last_input_seq == 6, f"the batch's bad input was applied: {settled.last_input_seq}"


@bounded(20)
async def test_an_unknown_game_is_invalid_field_listing_the_hosted_games(start_server):
    server = start_server()

    async def attack():
        ws = await harness.connect(server)
        welcome = await harness.say_hello(ws, "lost")
        answers = {}
        for kind, msg in {
            "create chess": wire.create_lobby("chess", "board", 2, private=True),
            "quick-join chess": wire.quick_join("chess"),
            "quick-join nothing": wire.quick_join(""),
        }.items():
            await ws.send(msg)
            answers[kind] = await harness.recv(ws)
        # Still lobbyless and open: a known game joins.
        await ws.send(wire.quick_join(four.NAME))
        joined = await harness.recv(ws)
        await ws.close()
        return welcome, answers, joined

    welcome, answers, joined = await survives(server, attack)
    assert sorted(welcome.games) == ["arena", "four"], welcome.games
    for kind, answer in answers.items():
        assert isinstance(answer, wire.Error) and answer.code == E.INVALID_FIELD, f"{kind}: {answer}"
        for game in welcome.games:
            assert re.search(rf"\b{game}\b", answer.message), f"{kind}: {game!r} not in {answer.message!r}"
    assert isinstance(joined, wire.Joined) and joined.game == four.NAME, joined
    assert four.decode_info(joined.info).seat == 0, joined


@bounded(20)
async def test_a_game_message_or_ack_outside_a_lobby_is_unexpected(start_server):
    server = start_server()

    async def attack():
        ws = await harness.connect(server)
        await harness.say_hello(ws, "early")
        await ws.send(wire.game_msg(four.drop(3)))
        before = await harness.recv(ws)
        # Ack, the other message only a lobby member sends, likewise.
        await ws.send(wire.ack(1))
        ack = await harness.recv(ws)
        # In a four lobby and out again: the same.
        await harness.create_lobby(ws, four.NAME, "brief")
        await ws.send(wire.leave_lobby())
        await harness.recv_until(ws, wire.Left)
        await ws.send(wire.game_msg(four.drop(3)))
        after = await harness.recv_until(ws, wire.Error)
        await ws.send(wire.ping(8))
        pong = await harness.recv_until(ws, wire.Pong)
        await ws.close()
        return before, ack, after, pong

    before, ack, after, pong = await survives(server, attack)
    for answer in (before, ack, after):
        assert isinstance(answer, wire.Error) and answer.code == E.UNEXPECTED_MESSAGE, answer
    assert pong.client_time == 8
