"""The Python codec against bytes built by hand from docs/PROTOCOL.md (each
expected byte string below is spelled out from its tables, field by field),
so that a failing hostile test is never just this codec disagreeing with
the document. No server needed."""

import struct

import pytest

import bincode
import games_arena as arena
import games_four as four
import rallypoint_wire as wire
import records as rec
import views as views_mod


def h(text: str) -> bytes:
    return bytes.fromhex(text)


def test_varints_use_the_shortest_form():
    assert wire.varint(7) == h("07")
    assert wire.varint(250) == h("fa")
    assert wire.varint(251) == h("fb fb 00")
    assert wire.varint(65535) == h("fb ff ff")
    assert wire.varint(65536) == h("fc 00 00 01 00")
    assert wire.varint(5_000_000_000) == h("fd 00 f2 05 2a 01 00 00 00")


def test_signed_integers_are_zigzag_varints():
    for n, text in [(0, "00"), (-1, "01"), (1, "02"), (125, "fa"), (-126, "fb fb 00"),
                    (102_400, "fc 00 20 03 00"), (2**31 - 1, "fc fe ff ff ff"),
                    (-(2**31), "fc ff ff ff ff")]:
        assert wire.zigzag(n) == h(text), n


def test_the_envelope_client_messages():
    # Hello: version, name, then the session token, an Option (00: none).
    assert wire.hello("ada") == h("00 07 03 616461 00")
    assert wire.hello("", token="a.b.c") == h("00 07 00 01 05 612e622e63")
    jwt = "t" * wire.MAX_TOKEN_BYTES
    assert wire.hello("x", token=jwt) == h("00 07 01 78 01 fb8403") + jwt.encode()
    assert wire.list_lobbies() == h("01")
    # CreateLobby: game, name, max_players (u8), private.
    assert wire.create_lobby("four", "duel", 2, True) == h("02 04 666f7572 04 6475656c 02 01")
    assert wire.join_id(300) == h("03 00 fb2c01")
    assert wire.join_code("K7PQ3M") == h("03 01 06 4b37 5051 334d")
    # JoinTarget::Ticket: the ticket's bytes (fb is a byte here, not a marker).
    assert wire.join_ticket(h("fb 00 2a")) == h("03 02 03 fb002a")
    assert wire.join_ticket(bytes(251))[:5] == h("03 02 fb fb00")
    assert wire.quick_join("arena") == h("04 05 6172656e61")
    assert wire.leave_lobby() == h("05")
    # Input { seq, ack_tick, payload: bytes }.
    assert wire.input_msg(300, 1000, h("aabb")) == h("06 fb2c01 fbe803 02 aabb")
    assert wire.ping(5_000_000_000) == h("07 fd00f2052a01000000")
    assert wire.resume(bytes(range(16))) == h("08 07") + bytes(range(16))
    batch = [wire.input_record(1, 0, h("01")), wire.input_record(2, 7, b"")]
    assert wire.inputs(batch) == h("09 02 01 00 01 01 02 07 00")
    assert wire.inputs([]) == h("09 00")
    assert wire.game_msg(h("00 03")) == h("0a 02 00 03")
    assert wire.ack(1000) == h("0b fbe803")


def test_arena_inputs_are_18_bytes_inside_the_envelope():
    p = arena.payload((-1.0, 0.5), (0.6, 0.8), fire=True)
    assert p == h("000080bf 0000003f 9a99193f cdcc4c3f 01 00")
    assert len(arena.payload()) == arena.INPUT_BYTES
    assert arena.input_msg(300, 1000, movement=(-1.0, 0.5), aim=(0.6, 0.8), fire=True) == (
        h("06 fb2c01 fbe803 12") + p
    )
    assert arena.frame(1, hitscan=True) == h("01 00 12") + bytes(16) + h("00 01")
    decoded = arena.decode_input(p)
    assert (decoded.movement, decoded.fire, decoded.hitscan) == ((-1.0, 0.5), True, False)
    assert arena.encode_input(decoded) == p
    for bad in (p[:-1], p + h("00"), p[:-1] + h("02")):
        with pytest.raises(wire.WireError):
            arena.decode_input(bad)


def test_four_messages():
    assert four.drop(3) == h("00 03")
    assert four.rematch() == h("01")
    assert four.drop_msg(9) == h("0a 02 00 09")


TOKEN = h("9c4e21f7 08b35ad0 661efb92 c407e83d")


def test_server_messages_decode():
    welcome = wire.decode_server(
        h("00 2a 07 1e 0f fb0004") + TOKEN + h("14 02 05 6172656e61 04 666f7572")
    )
    assert welcome == wire.Welcome(42, 7, 30, 15, 1024, TOKEN, 20, ["arena", "four"])
    assert welcome.max_message_bytes == wire.MAX_CLIENT_MSG_BYTES
    # A v4 Welcome, without the games, is too short.
    with pytest.raises(wire.WireError):
        wire.decode_server(h("00 2a 04 1e 0f fb0002") + TOKEN + h("14"))

    lobbies = wire.decode_server(h("01 01 07 04666f7572 0161 01 02 03626f62"))
    assert lobbies == wire.LobbyList([wire.LobbyInfo(7, "four", "a", 1, 2, "bob")])

    # Joined into private arena lobby 3, avatar player (kind 0) 0 gen 1.
    map_info = h("04 79617264 00000000 00000000 00004844 00001644 00")
    joined = wire.decode_server(
        h("02 03 05 6172656e61 01 06 4b375051334d 08 01 00 00 01 fbe803")
        + bincode.blob(map_info)
    )
    assert joined == wire.Joined(3, "arena", "K7PQ3M", 8, wire.EntityRef(0, 0, 1), 1000, map_info)
    assert arena.decode_info(joined.info) == arena.MapInfo("yard", ((0, 0), (800, 600)), [])
    # Joined into a public four lobby: no code, no avatar, FourInfo seat 1.
    joined = wire.decode_server(h("02 09 04 666f7572 00 02 00 05 05 0101fb8403"))
    assert (joined.join_code, joined.avatar, joined.info) == (None, None, h("01 01 fb8403"))
    assert four.decode_info(joined.info) == four.FourInfo(1, 900)
    assert four.decode_info(h("00 1e")) == four.FourInfo(None, 30)

    assert wire.decode_server(h("04 fd00f2052a01000000 fbe803")) == wire.Pong(5_000_000_000, 1000)
    assert wire.decode_server(h("05 0c 02 6869")) == wire.Error(wire.ErrorCode.JOIN_REFUSED, "hi")
    assert wire.decode_server(h("05 0d 00")) == wire.Error(wire.ErrorCode.TICKET_REJECTED, "")
    # Version 7's codes: AuthFailed 14 to SessionReplaced 18.
    for number, code in [(14, wire.ErrorCode.AUTH_FAILED), (15, wire.ErrorCode.KICKED),
                         (16, wire.ErrorCode.BANNED), (17, wire.ErrorCode.LOBBY_LOCKED),
                         (18, wire.ErrorCode.SESSION_REPLACED)]:
        assert wire.decode_server(bytes([5, number]) + h("02 6869")) == wire.Error(code, "hi")
    # Notice { text: "Restart in 5 min" }, tag 12.
    notice = wire.decode_server(h("0c 10 5265737461727420696e2035206d696e"))
    assert notice == wire.Notice("Restart in 5 min")
    # Redirect { node: "b", url: "ws://b/ws", ticket }: the ticket as raw bytes.
    redirect = wire.decode_server(h("0b 01 62 09 77733a2f2f622f7773 03 fb00ff"))
    assert redirect == wire.Redirect("b", "ws://b/ws", h("fb00ff"))
    assert wire.join_ticket(redirect.ticket) == h("03 02 03 fb00ff")
    assert wire.decode_server(h("08 03 627965 1e")) == wire.ShuttingDown("bye", 30)
    assert wire.decode_server(h("06")) == wire.Left()
    assert wire.decode_server(h("0a 02 0605")) == wire.Event(h("0605"))


def test_roster_messages_decode_and_apply():
    ada = wire.RosterEntry(42, "ada", wire.EntityRef(0, 0, 1))
    bob = wire.RosterEntry(7, "bob", None)
    roster = wire.decode_server(h("07 02 2a 03616461 01 00 00 01 07 03626f62 00"))
    assert roster == wire.Roster([ada, bob])
    grace = wire.RosterEntry(300, "grace", None)
    update = wire.decode_server(h("09 01 fb2c01 05677261636500 01 07"))
    assert update == wire.RosterUpdate([grace], [7])

    table = {9: wire.RosterEntry(9, "stale", None)}
    wire.apply_roster(table, roster)
    assert table == {42: ada, 7: bob}
    wire.apply_roster(table, update)
    assert table == {42: ada, 300: grace}
    # Idempotent; removing what is not held is ignored; added then removed.
    wire.apply_roster(table, update)
    wire.apply_roster(table, wire.RosterUpdate([wire.RosterEntry(8, "eve", None)], [8, 99]))
    assert table == {42: ada, 300: grace}


def ivec(x: int, y: int) -> bytes:
    return wire.zigzag(x) + wire.zigzag(y)


# An arena full snapshot: Me, player 0 (Enter, kind 0: tag 8), player 3,
# projectile 5 (Enter, kind 1: tag 9), score rows 0 and 3.
ARENA_FULL_RECORDS = (
    h("00") + ivec(102_400, 204_800)
    + h("08 00") + ivec(102_400, 204_800) + ivec(0, 0) + h("00 64 01")
    + h("08 03") + ivec(307_200, 153_600) + ivec(-7509, 0) + h("80 4b 01")
    + h("09 05") + ivec(122_880, 204_800) + ivec(20_480, 0) + h("00")
    + h("01 00 01 02 00")
    + h("01 03 01 00 01")
)
# A delta three ticks later: Me, Motion of player 0 (8+32 = 40), Update of
# player 3's aim alone (8+16*6 = 104, no mask) and of its hp+alive (mask 6,
# 8+48 = 56), projectile 5
# Gone (8+80+1 = 89), RowUpdate of 0's kills (mask 2), 3's deaths (mask 4).
ARENA_DELTA_RECORDS = (
    h("00") + ivec(22_527, 0)
    + h("28 00") + ivec(22_527, 0) + ivec(7509, 0)
    + h("68 03 60")  # a lone field (aim, 0): tag 8 + 16 * (6 + 0) + 0, no mask
    + h("38 03 06 00 00")
    + h("59 05")
    + h("02 00 02 03")
    + h("02 03 04 02")
)


def snapshot_bytes(tick: int, age: int, advance: int, records: bytes) -> bytes:
    return h("03") + wire.varint(tick) + bytes([age]) + wire.varint(advance) + bincode.blob(records)


def test_arena_snapshots_decode_and_apply():
    full = wire.decode_server(snapshot_bytes(1000, 0, 300, ARENA_FULL_RECORDS))
    assert (full.tick, full.baseline_age, full.input_seq_advance, full.full) == (1000, 0, 300, True)
    player = lambda aim, hp, alive: {"aim": aim, "hp": hp, "alive": alive}  # noqa: E731
    assert rec.parse(full.records, arena.SCHEMA) == [
        rec.Me((102_400, 204_800)),
        rec.Enter(0, 0, rec.Track((102_400, 204_800), (0, 0)), player(0, 100, True)),
        rec.Enter(0, 3, rec.Track((307_200, 153_600), (-7509, 0)), player(128, 75, True)),
        rec.Enter(1, 5, rec.Track((122_880, 204_800), (20_480, 0)), {"owner": 0}),
        rec.Row(0, {"generation": 1, "kills": 2, "deaths": 0}),
        rec.Row(3, {"generation": 1, "kills": 0, "deaths": 1}),
    ]
    delta = wire.decode_server(snapshot_bytes(1003, 3, 3, ARENA_DELTA_RECORDS))
    assert delta.baseline_tick == 1000
    assert rec.parse(delta.records, arena.SCHEMA) == [
        rec.Me((22_527, 0)),
        rec.Motion(0, 0, (22_527, 0), (7509, 0)),
        rec.Update(0, 3, 1, {"aim": 96}),
        rec.Update(0, 3, 6, {"hp": 0, "alive": False}),
        rec.Gone(1, 5),
        rec.RowUpdate(0, 2, {"kills": 3}),
        rec.RowUpdate(3, 4, {"deaths": 2}),
    ]
    for snap, raw in ((full, ARENA_FULL_RECORDS), (delta, ARENA_DELTA_RECORDS)):
        assert rec.encode(rec.parse(snap.records, arena.SCHEMA), arena.SCHEMA) == raw
        assert wire.decode_server(wire.encode_snapshot(snap)) == snap
    # The long form of a lone-field update (op 3 with its mask) reads the same.
    assert rec.parse(h("38 03 01 60"), arena.SCHEMA) == [rec.Update(0, 3, 1, {"aim": 96})]

    views = wire.Views(arena.SCHEMA)
    base = views.receive(full)
    assert (base.tick, base.last_input_seq, base.me) == (1000, 300, (102_400, 204_800))
    view = views.receive(delta)
    assert (view.tick, view.last_input_seq, view.me) == (1003, 303, (124_927, 204_800))
    players = arena.players(view)
    assert players[0].track == rec.Track((124_927, 204_800), (7509, 0))
    # Player 3 had no Motion: three ticks of its velocity moved it.
    assert players[3] == views_mod.EntityView(rec.Track((284_673, 153_600), (-7509, 0)), player(96, 0, False))
    assert arena.projectiles(view) == {}
    assert arena.scores(view) == {0: (3, 0), 3: (0, 2)}
    assert views.ack_tick() == 1003
    # The baseline was not touched, and a view rebuilds from its full snapshot.
    assert arena.players(base)[3].track.pos == (307_200, 153_600) and 5 in arena.projectiles(base)
    again = wire.Views(arena.SCHEMA).receive(view.to_full(arena.SCHEMA))
    assert again == view


# A four full snapshot: row of seat 0 (player 42, 1 win), the singleton
# (a disc of seat 0 in column 3, seat 1 to move, playing, deadline 1900,
# 1 move, game 2). Then a delta: seat 1 drops in column 3 (board, turn,
# deadline, moves: mask 0b11011), seat 1's row arrives, seat 0's row asks
# for a rematch (mask 4).
BOARD = [0] * 42
BOARD[3] = 1
FOUR_FULL_RECORDS = (
    h("01 00 2a 01 00")
    + h("04") + bytes(BOARD) + h("01 01 01 fb6c07 01 02")
)
BOARD2 = list(BOARD)
BOARD2[10] = 2
FOUR_DELTA_RECORDS = (
    h("05 1b") + bytes(BOARD2) + h("01 00 fb4c08 02")
    + h("01 01 07 00 00")
    + h("02 00 04 01")
)


def test_four_snapshots_decode_and_apply():
    full = wire.decode_server(snapshot_bytes(1000, 0, 0, FOUR_FULL_RECORDS))
    state = {"board": tuple(BOARD), "turn": 1, "phase": four.Phase("Playing"),
             "deadline": 1900, "moves": 1, "game": 2}
    assert rec.parse(full.records, four.SCHEMA) == [
        rec.Row(0, {"player": 42, "wins": 1, "rematch": False}),
        rec.Singleton(state),
    ]
    delta = wire.decode_server(snapshot_bytes(1002, 2, 0, FOUR_DELTA_RECORDS))
    parsed = rec.parse(delta.records, four.SCHEMA)
    assert parsed[0] == rec.SingletonUpdate(
        0b11011, {"board": tuple(BOARD2), "turn": 0, "deadline": 2124, "moves": 2}
    )
    assert rec.encode(parsed, four.SCHEMA) == FOUR_DELTA_RECORDS
    views = wire.Views(four.SCHEMA)
    views.receive(full)
    view = views.receive(delta)
    assert view.rows == {0: {"player": 42, "wins": 1, "rematch": True},
                         1: {"player": 7, "wins": 0, "rematch": False}}
    assert four.cell(view.singleton["board"], 3, 1) == 2
    assert (view.singleton["turn"], view.singleton["moves"], view.singleton["game"]) == (0, 2, 2)
    assert wire.Views(four.SCHEMA).receive(view.to_full(four.SCHEMA)) == view
    # The phases with fields, and a gone singleton.
    for phase, raw in ((four.Phase("Won", 1), "02 01"), (four.Phase("Draw"), "03"),
                       (four.Phase("Forfeit", 0, "Expired"), "04 00 02")):
        assert four.PHASE.encode(phase) == h(raw)
        assert four.PHASE.decode(bincode.Reader(h(raw))) == phase
    # A cell other than 0, 1 or 2 is no board.
    with pytest.raises(wire.WireError):
        views.receive(wire.Snapshot(1003, 1, 0, h("05 01") + bytes(41) + h("03")))
    gone = views.receive(wire.Snapshot(1003, 1, 0, h("06 03 01")))
    assert gone.singleton is None and list(gone.rows) == [0]


def test_four_events_decode():
    assert four.decode_event(h("00 02 01")) == four.Started(2, 1)
    assert four.decode_event(h("01 00 03 00")) == four.Moved(0, 3, 0)
    assert four.decode_event(h("02 01 0000 0100 0200 0300")) == four.Won(1, [(0, 0), (1, 0), (2, 0), (3, 0)])
    assert four.decode_event(h("03")) == four.Draw()
    assert four.decode_event(h("04 01 00")) == four.Forfeit(1, "TurnTimer")
    assert four.decode_event(h("05 00")) == four.RematchRequested(0)
    assert four.decode_event(h("06 02 6e6f")) == four.Illegal("no")
    assert arena.decode_event(h("00 fcffffffff 03")) == arena.Killed(0xFFFFFFFF, 3)
    for bad in (h("07"), h("06 02 6e"), h("05 00 00"), h("04 00 03"), h("02 01 0000")):
        with pytest.raises(wire.WireError):
            four.decode_event(bad)
    with pytest.raises(wire.WireError):
        arena.decode_event(h("01 00 00"))


def test_views_refuse_what_they_cannot_apply():
    views = wire.Views(arena.SCHEMA)
    views.receive(wire.decode_server(snapshot_bytes(1000, 0, 300, ARENA_FULL_RECORDS)))
    cases = [
        wire.Snapshot(1005, 1, 0, b""),  # a baseline not held
        wire.Snapshot(1001, 1, 0, h("38 03 01 01") + h("48 09")),  # Hidden of an unknown player
        wire.Snapshot(1001, 1, 0, h("02 09 01 05")),  # RowUpdate of an unknown row
        wire.Snapshot(1001, 1, 0, h("05 01 00")),  # arena has no singleton
        wire.Snapshot(1001, 1, 0, h("0a 01")),  # arena has no entity kind 2
        wire.Snapshot(1001, 1, 0, h("38 03 08 00")),  # mask past player's 3 fields
        wire.Snapshot(1001, 1, 0, h("07")),  # record tag 7 is unused
        wire.Snapshot(1001, 1, 0, h("08 03") + ivec(0, 0)),  # truncated Enter
    ]
    for snap in cases:
        with pytest.raises((wire.ApplyError, wire.WireError)):
            views.receive(snap)
    assert views.refused == len(cases) and views.ack_tick() == 1000
    assert arena.players(views.newest())[3].fields["aim"] == 128
    # Views from before a full snapshot stay baselines.
    views.receive(wire.Snapshot(1002, 0, 0, b""))
    assert views.receive(wire.Snapshot(1004, 4, 1, b"")).last_input_seq == 301
    views.clear()
    assert views.ack_tick() == 0
    four_views = wire.Views(four.SCHEMA)
    with pytest.raises(wire.ApplyError):
        four_views.receive(wire.Snapshot(5, 0, 0, h("05 10 00")))  # update, no singleton
    with pytest.raises(wire.WireError):
        four_views.receive(wire.Snapshot(5, 0, 0, h("08 00")))  # four has no entities


@pytest.mark.parametrize(
    "data",
    [h("05 01"), h("06 00"), h("00 2a 02 1e fc00020000"), h("ff"),
     snapshot_bytes(1, 0, 0, h("00 00 00"))[:-1], snapshot_bytes(1, 0, 0, b"") + h("00"),
     h("03 00 00 00 fc00000001"), h("0a 05 00"), h("0d"), h("0c"), h("0c 02 61"),
     h("02 03 05 6172656e61 00 08 02"), h("09 00 01 07 00"),
     h("09 00 fcffffffff"), h("07 01 2a 03616461 02"), h("05 13 00"),
     h("0b 01 62 00 05 0102"), h("0b 01 62 01 75")],
    ids=["truncated", "trailing", "varint-too-wide", "bad-tag",
         "snapshot-truncated", "snapshot-trailing", "huge-records-length",
         "event-truncated", "tag-after-the-last", "notice-without-text",
         "notice-truncated", "joined-bad-option",
         "roster-update-trailing", "roster-update-huge-count", "roster-bad-option",
         "error-code-after-the-last", "redirect-ticket-truncated", "redirect-without-ticket"],
)
def test_bad_server_bytes_are_refused(data):
    with pytest.raises(wire.WireError):
        wire.decode_server(data)


def test_f32_layout_is_little_endian():
    assert bincode.f32s(1.0) == struct.pack("<f", 1.0) == h("0000803f")
