"""Four in a Row played wrongly on purpose through the real server: every
kind of illegal message the game can get across a whole game (a full
column, a move after the game ended, a rematch mid-game or twice), a third
player at a two-seat table, and a seat that drops, resumes and then
leaves. Each refusal must reach only its sender and change nothing; the
replicated board, rows and phase must tell the same story as the events;
and the canary in another lobby keeps its snapshot rate throughout."""

import harness
import games_four as four
import rallypoint_wire as wire
from canary import survives
from harness import bounded
from member import Member, four_table

E = wire.ErrorCode


def count(m: Member, kind) -> int:
    return sum(isinstance(e, kind) for e in m.events)


async def move(a: Member, b: Member, mover: Member, column: int) -> four.Moved:
    """`mover` drops in `column`; both hear the Moved. Returns it."""
    n = count(a, four.Moved) + 1
    await mover.ws.send(four.drop_msg(column))
    for m in (a, b):
        await m.until(f"Moved {n}", lambda m=m: count(m, four.Moved) >= n or None)
    return [e for e in a.events if isinstance(e, four.Moved)][-1]


async def refused(m: Member, payload: bytes) -> str:
    """Sends a FourMsg `m`'s seat may not send now; its Illegal reason."""
    n = count(m, four.Illegal) + 1
    await m.ws.send(wire.game_msg(payload))
    await m.until(f"Illegal {n}", lambda: count(m, four.Illegal) >= n or None)
    return [e for e in m.events if isinstance(e, four.Illegal)][-1].reason


def types(m: Member) -> list[str]:
    return [type(e).__name__ for e in m.events]


@bounded(40)
async def test_illegal_messages_through_a_whole_game(start_server):
    server = start_server()

    async def attack():
        # b never acknowledges: every snapshot it gets must be full.
        a, b = await four_table(server, b_acks=False)
        reasons = {}
        # Column 3 filled, seats alternating: no line.
        for i in range(6):
            assert await move(a, b, (a, b)[i % 2], 3) == four.Moved(i % 2, 3, i)
        reasons["full column"] = await refused(a, four.drop(3))
        reasons["rematch mid-game"] = await refused(b, four.rematch())
        # Seat 0 builds column 0 while seat 1 builds column 1: 0 wins first.
        for i in range(7):
            await move(a, b, (a, b)[i % 2], i % 2)
        won = await b.event(four.Won)
        ended = await a.view("the win replicated", lambda v: v.singleton["phase"].name == "Won")
        reasons["drop after the win"] = await refused(a, four.drop(5))
        await b.ws.send(wire.game_msg(four.rematch()))
        await b.event(four.RematchRequested)
        reasons["rematch twice"] = await refused(b, four.rematch())
        await a.ws.send(wire.game_msg(four.rematch()))
        restarted = [await m.event(four.Started, after=1) for m in (a, b)]
        views = [
            await m.view("the rematch replicated", lambda v: v.singleton["game"] == 2) for m in (a, b)
        ]
        for m in (a, b):
            m.check()
        return a, b, reasons, won, ended, restarted, views

    a, b, reasons, won, ended, restarted, views = await survives(server, attack)
    for case, reason in reasons.items():
        assert reason.strip(), f"{case}: an Illegal with no reason"
    assert "3" in reasons["full column"], reasons
    assert won.seat == 0 and sorted(won.cells) == [(0, 0), (0, 1), (0, 2), (0, 3)], won
    # Each Illegal went to its sender alone; everything else to both.
    moves = ["Moved"] * 6
    assert types(a) == ["Started", *moves, "Illegal", *moves, "Moved", "Won", "Illegal",
                        "RematchRequested", "RematchRequested", "Started"], types(a)
    assert types(b) == ["Started", *moves, "Illegal", *moves, "Moved", "Won",
                        "RematchRequested", "Illegal", "RematchRequested", "Started"], types(b)
    # The state replicated agrees with the events: the win, counted, and
    # the refusals changed nothing (13 discs, where the moves put them).
    state = ended.singleton
    assert (state["phase"], state["turn"], state["moves"]) == (four.Phase("Won", 0), None, 13), state
    board = state["board"]
    assert [four.cell(board, 3, row) for row in range(6)] == [1, 2, 1, 2, 1, 2], board
    assert [four.cell(board, 0, row) for row in range(4)] == [1] * 4, board
    assert sum(c != 0 for c in board) == 13, board
    assert ended.rows[0]["wins"] == 1 and ended.rows[1]["wins"] == 0, ended.rows
    assert {ended.rows[0]["player"], ended.rows[1]["player"]} == {a.welcome.player, b.welcome.player}
    # The loser starts the rematch, on an empty board.
    assert restarted == [four.Started(game=2, first=1)] * 2, restarted
    for v in views:
        assert v.singleton["board"] == (0,) * four.CELLS and v.singleton["turn"] == 1, v.singleton
        assert not v.rows[0]["rematch"] and not v.rows[1]["rematch"], v.rows
    # Acknowledging with Ack earns deltas; never acknowledging, full ones.
    assert a.deltas > 0, "the client that sent Ack got no delta"
    assert b.deltas == 0, f"the client that never acknowledged got {b.deltas} deltas"
    assert not a.errors and not b.errors, (a.errors, b.errors)


@bounded(30)
async def test_a_third_player_at_a_four_table_is_refused(start_server):
    server = start_server()

    async def attack():
        a, b = await four_table(server)
        ws = await harness.connect(server)
        await harness.say_hello(ws, "third")
        await ws.send(wire.join_code(a.joined.join_code))
        answer = await harness.recv(ws)
        await ws.send(wire.ping(3))
        pong = await harness.recv_until(ws, wire.Pong)
        await ws.close()
        # The table plays on.
        moved = await move(a, b, a, 6)
        return a, b, answer, pong, moved

    a, b, answer, pong, moved = await survives(server, attack)
    # Four has two seats whatever the creator asked for (Joined.max_players
    # said 2), so the engine refuses the third before the game is asked.
    assert isinstance(answer, wire.Error) and answer.code == E.LOBBY_FULL, answer
    assert pong.client_time == 3, "the refused player's connection was closed"
    assert moved == four.Moved(0, 6, 0)
    assert not [e for e in a.events + b.events if not isinstance(e, (four.Started, four.Moved))], (
        a.events, b.events,
    )


@bounded(40)
async def test_a_seat_that_drops_resumes_then_leaves(start_server):
    server = start_server()

    async def attack():
        a, b = await four_table(server)
        await move(a, b, a, 2)
        a.drop()
        # Within the resume grace: the seat is held, the game goes on.
        back = await Member.resume(server, a.welcome.resume_token)
        assert back.welcome.player == a.welcome.player, back.welcome
        held = await back.view("the game after the resume", lambda v: v.singleton is not None)
        await move(back, b, b, 2)
        # Then seat 0 leaves mid-game: a forfeit, to the one left.
        await back.ws.send(wire.leave_lobby())
        await back.until("Left", lambda: next((m for m in back.others if isinstance(m, wire.Left)), None))
        forfeit = await b.event(four.Forfeit)
        waiting = await b.view("the empty seat replicated", lambda v: 0 not in v.rows)
        b.check()
        return back, b, held, forfeit, waiting

    back, b, held, forfeit, waiting = await survives(server, attack)
    assert back.joined.game == four.NAME and back.info.seat == 0, (back.joined, back.info)
    assert four.cell(held.singleton["board"], 2, 0) == 1 and held.singleton["turn"] == 1, held.singleton
    assert forfeit == four.Forfeit(0, "Left"), forfeit
    state = waiting.singleton
    assert state["phase"] == four.Phase("Waiting") and state["turn"] is None, state
    assert list(waiting.rows) == [1] and waiting.rows[1]["wins"] == 1, waiting.rows
    assert "Illegal" not in types(b), b.events


@bounded(30)
async def test_acks_of_ticks_never_sent_change_nothing(start_server):
    # Ack names the newest snapshot held; the server may delta only against
    # a tick it sent this connection. A client acknowledging ticks it was
    # never sent (the future, u32::MAX) or none (0) must go on getting full
    # snapshots it can apply, not deltas against nothing.
    server = start_server()

    async def attack():
        a, b = await four_table(server, b_acks=False)
        for _ in range(10):
            newest = b.views.ack_tick()
            for tick in (newest + 3, newest + 1000, 0xFFFFFFFF, 0):
                await b.ws.send(wire.ack(tick))
            await b.view("another snapshot", lambda v: True)
        await move(a, b, a, 1)
        after = await b.view("the move replicated", lambda v: v.singleton["moves"] == 1)
        b.check()
        return b, after

    b, after = await survives(server, attack)
    assert b.deltas == 0, f"{b.deltas} deltas against ticks this client was never sent"
    assert four.cell(after.singleton["board"], 1, 0) == 1, after.singleton


@bounded(30)
async def test_a_flood_of_illegal_moves_costs_only_the_sender(start_server):
    # 250 refused moves at once (inside the rate limit's burst of 300):
    # each is an Illegal for the sender, nobody else hears of them, the
    # table's state does not move, and the game goes on.
    server = start_server()
    flood = 250

    async def attack():
        a, b = await four_table(server)
        before = b.views.newest().singleton
        for _ in range(flood):
            await a.ws.send(four.drop_msg(9))
        await a.until("every Illegal", lambda: count(a, four.Illegal) >= flood or None, timeout=10)
        during = await b.view("a snapshot after the flood", lambda v: True)
        moved = await move(a, b, a, 5)
        return a, b, before, during.singleton, moved

    a, b, before, during, moved = await survives(server, attack)
    assert count(a, four.Illegal) == flood, count(a, four.Illegal)
    assert types(b) == ["Started", "Moved"], f"the flood reached the other seat: {types(b)[:5]}"
    assert during == before, (before, during)
    assert moved == four.Moved(0, 5, 0), moved
    assert not a.errors, a.errors[:3]
