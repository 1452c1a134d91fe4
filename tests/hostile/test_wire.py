"""The Python codec against the byte dumps of docs/PROTOCOL.md section 8
(and the v2, v3 and v4 additions, RosterUpdate and Inputs included), so
that a failing hostile test is never just this codec disagreeing with the
document. No server needed."""

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
    assert wire.hello("ada") == h("00 04 03 616461")
    assert wire.hello("ada", version=1) == h("00 01 03 616461")
    assert wire.create_lobby("duel", 2, True) == h("02 04 6475656c 02 01")
    assert wire.join_code("K7PQ") == h("03 01 04 4b375051")
    assert wire.input_frame(300, (-1.0, 0.5), (0.6, 0.8), True, ack_tick=1000) == h(
        "06 fb2c01 000080bf 0000003f 9a99193f cdcc4c3f 01 00 fbe803"
    )
    # The v3 fields default to no hitscan and nothing acknowledged.
    assert wire.input_frame(1) == h("06 01") + bytes(16) + h("00 00 00")
    assert wire.input_frame(1, hitscan=True, ack_tick=7)[-2:] == h("01 07")
    # The Inputs dump: two frames after a count, each laid out as in Input.
    walk = {"movement": (1.0, 0.0), "aim": (0.0, -1.0)}
    batch = [
        wire.frame(301, **walk, ack_tick=1002),
        wire.frame(302, **walk, hitscan=True, ack_tick=1003),
    ]
    assert wire.inputs(batch) == h(
        "09 02"
        "fb2d01 0000803f 00000000 00000000 000080bf 00 00 fbea03"
        "fb2e01 0000803f 00000000 00000000 000080bf 00 01 fbeb03"
    )
    assert wire.inputs([wire.frame(1)]) == h("09 01") + wire.input_frame(1)[1:]
    assert wire.inputs([]) == h("09 00")
    assert wire.ping(5_000_000_000) == h("07 fd00f2052a01000000")
    assert wire.resume(bytes(range(16))) == h("08 04") + bytes(range(16))


def test_server_messages_decode():
    # The Welcome dump: 30 ticks a second, 15 snapshots.
    token = h("9c4e21f7 08b35ad0 661efb92 c407e83d")
    welcome = wire.decode_server(h("00 2a 04 1e 0f fb0002") + token + h("14"))
    assert welcome == wire.Welcome(42, 4, 30, 15, 512, token, 20)
    # A version-3 Welcome, without snapshot_hz, is a byte short.
    with pytest.raises(wire.WireError):
        wire.decode_server(h("00 2a 04 1e fb0002") + token + h("14"))

    joined = wire.decode_server(
        h(
            "02 03 01 044b375051 08 0001 0479617264"
            "00000000 00000000 00004844 00001644"
            "01 00009643 00004843 0000fa43 00007043 00"
        )
    )
    assert (joined.lobby, joined.join_code, joined.entity.generation) == (3, "K7PQ", 1)

    assert wire.decode_server(h("05 0a 02 6869")) == wire.Error(wire.ErrorCode.RATE_LIMITED, "hi")
    assert wire.decode_server(h("08 03 627965 1e")) == wire.ShuttingDown("bye", 30)
    assert wire.decode_server(h("06")) == wire.Left()
    assert wire.decode_server(h("01 01 07 0161 03 10 0461726561")) == wire.LobbyList(
        [(7, "a", 3, 16, "area")]
    )


# The two snapshot dumps of section 8: a full one, then a delta against it.
FULL = h(
    "03 fbe803 00 fb2c01 06"
    "00 fc00200300 fc00400600"
    "01 00 fc00200300 fc00400600 00 00 00 64 01"
    "01 03 fc00600900 fc00b00400 fba93a 00 80 4b 01"
    "08 05 00 fc00c00300 fc00400600 fb00a0 00"
    "06 00 02 00"
    "06 03 00 01"
)
DELTA = h(
    "03 fbeb03 03 03 07"
    "00 fbfeaf 00"
    "03 00 fbfeaf 00 fbaa3a 00"
    "04 03 60"
    "05 03 00 00"
    "09 05"
    "06 00 03 00"
    "06 03 00 02"
)


# The RosterUpdate dump of section 8: grace (player 300) joined as entity
# (2, 1), and entity (1, 3) left.
ROSTER_UPDATE = h("09 01 0201 fb2c01 05 6772616365 01 0103")


def test_roster_messages_decode():
    update = wire.decode_server(ROSTER_UPDATE)
    assert update == wire.RosterUpdate(
        added=[(wire.EntityId(2, 1), 300, "grace")], removed=[wire.EntityId(1, 3)]
    )
    assert wire.decode_server(h("09 00 00")) == wire.RosterUpdate([], [])
    # Only removals; an entity past the one-byte varint range.
    assert wire.decode_server(h("09 00 02 0103 fbfb00 00")) == wire.RosterUpdate(
        [], [wire.EntityId(1, 3), wire.EntityId(251, 0)]
    )
    roster = wire.decode_server(h("07 01 0001 2a 03616461"))
    assert roster == wire.Roster([(wire.EntityId(0, 1), 42, "ada")])


def test_the_roster_is_replaced_by_a_roster_and_patched_by_updates():
    ada, bob = wire.EntityId(0, 1), wire.EntityId(1, 3)
    table = {(9, 9): (9, "stale")}
    wire.apply_roster(table, wire.Roster([(ada, 42, "ada"), (bob, 7, "bob")]))
    assert table == {(0, 1): (42, "ada"), (1, 3): (7, "bob")}
    # The documented example: grace in, bob out.
    wire.apply_roster(table, wire.decode_server(ROSTER_UPDATE))
    assert table == {(0, 1): (42, "ada"), (2, 1): (300, "grace")}
    # Idempotent: the same update again (as a joiner may get one repeating
    # its Roster) changes nothing; removing what is not held is ignored.
    wire.apply_roster(table, wire.decode_server(ROSTER_UPDATE))
    assert table == {(0, 1): (42, "ada"), (2, 1): (300, "grace")}
    # Added first, then removed: an entity in both ends up gone; an added
    # entity replaces the entry with the same index and generation only.
    wire.apply_roster(
        table,
        wire.RosterUpdate(
            [(wire.EntityId(5, 0), 8, "eve"), (wire.EntityId(0, 2), 43, "ada2")],
            [wire.EntityId(5, 0)],
        ),
    )
    assert table == {(0, 1): (42, "ada"), (2, 1): (300, "grace"), (0, 2): (43, "ada2")}
    wire.apply_roster(table, wire.RosterUpdate([(ada, 42, "Ada")], []))
    assert table[(0, 1)] == (42, "Ada")


def test_signed_integers_are_zigzag_varints():
    for n, text in [(0, "00"), (-1, "01"), (1, "02"), (125, "fa"), (-126, "fb fb 00"),
                    (102_400, "fc 00 20 03 00"), (2**31 - 1, "fc fe ff ff ff"),
                    (-(2**31), "fc ff ff ff ff")]:
        assert wire.zigzag(n) == h(text), n


def test_the_documented_snapshots_decode_and_apply():
    full = wire.decode_server(FULL)
    assert (full.tick, full.baseline_age, full.input_seq_advance) == (1000, 0, 300)
    assert full.full and full.baseline_tick is None
    assert full.changes == [
        wire.Me((102_400, 204_800)),
        wire.PlayerEnter(0, wire.Track((102_400, 204_800), (0, 0)), 0, 100, True),
        wire.PlayerEnter(3, wire.Track((307_200, 153_600), (-7509, 0)), 128, 75, True),
        wire.ProjectileEnter(5, 0, wire.Track((122_880, 204_800), (20_480, 0))),
        wire.Score(0, 2, 0),
        wire.Score(3, 0, 1),
    ]
    delta = wire.decode_server(DELTA)
    assert (delta.tick, delta.baseline_age, delta.baseline_tick) == (1003, 3, 1000)
    assert delta.changes == [
        wire.Me((22_527, 0)),
        wire.PlayerMotion(0, (22_527, 0), (7509, 0)),
        wire.PlayerAim(3, 96),
        wire.PlayerHealth(3, 0, False),
        wire.ProjectileGone(5),
        wire.Score(0, 3, 0),
        wire.Score(3, 0, 2),
    ]
    assert wire.encode_snapshot(full) == FULL
    assert wire.encode_snapshot(delta) == DELTA

    # The worked example after the dumps.
    views = wire.Views()
    base = views.receive(full)
    assert (base.tick, base.last_input_seq, base.me_units) == (1000, 300, (100.0, 200.0))
    view = views.receive(delta)
    assert (view.tick, view.last_input_seq, view.me) == (1003, 303, (124_927, 204_800))
    me_track = wire.Track((124_927, 204_800), (7509, 0))
    p3_track = wire.Track((284_673, 153_600), (-7509, 0))
    assert view.players[0] == wire.PlayerView(me_track, 0, 100, True)
    # Player 3 was in no motion change: three ticks of its velocity moved it.
    assert view.players[3] == wire.PlayerView(p3_track, 96, 0, False)
    assert view.projectiles == {} and view.scores == {0: (3, 0), 3: (0, 2)}
    assert views.ack_tick() == 1003
    # The baseline was not touched, and a view rebuilds from its full snapshot.
    assert base.players[3].track.pos == (307_200, 153_600) and 5 in base.projectiles
    assert wire.View().apply(view.to_full()) == view


def test_the_changes_without_a_dump_decode():
    # PlayerHidden 7, PlayerLeft 7, ProjectileMotion 5 by (-1, 1) at (0, -126).
    snap = wire.decode_server(h("03 0a 01 00 03 02 07 07 07 0a 05 01 02 00 fb fb 00"))
    assert snap.changes == [
        wire.PlayerHidden(7),
        wire.PlayerLeft(7),
        wire.ProjectileMotion(5, (-1, 1), (0, -126)),
    ]
    assert wire.encode_snapshot(snap) == h("03 0a 01 00 03 02 07 07 07 0a 05 01 02 00 fb fb 00")


def test_views_refuse_what_they_cannot_apply():
    views = wire.Views()
    views.receive(wire.decode_server(FULL))
    # A delta against a tick not held: refused, counted, the newest view kept.
    with pytest.raises(wire.ApplyError):
        views.receive(wire.Snapshot(1005, 1, 0, []))
    # A change naming an index not held: the whole snapshot is refused.
    with pytest.raises(wire.ApplyError):
        views.receive(wire.Snapshot(1001, 1, 0, [wire.PlayerAim(3, 1), wire.PlayerHidden(9)]))
    assert views.refused == 2 and views.ack_tick() == 1000
    assert views.newest().players[3].aim == 128
    # Views from before a full snapshot stay baselines.
    views.receive(wire.Snapshot(1002, 0, 0, []))
    assert views.receive(wire.Snapshot(1004, 4, 1, [])).last_input_seq == 301
    views.clear()
    assert views.ack_tick() == 0


@pytest.mark.parametrize(
    "data",
    [h("05 01"), h("06 00"), h("00 2a 02 1e fc00020000"), h("ff"),
     FULL[:-1], FULL + h("00"), h("03 00 00 00 01 0b"), h("03 00 00 00 01 05 01 05 02"),
     h("03 00 00 00 01 00 fd0000000000000000 00"), h("03 00 00 00 fc00000001"),
     ROSTER_UPDATE[:-1], ROSTER_UPDATE + h("00"), h("09 00"), h("09 00 01 fd0000000000000000 00"),
     h("09 00 fcffffffff"), h("0a")],
    ids=["truncated", "trailing", "varint-too-wide", "bad-tag",
         "snapshot-truncated", "snapshot-trailing", "bad-change-tag", "bad-bool",
         "i32-too-wide", "huge-change-count",
         "roster-update-truncated", "roster-update-trailing", "roster-update-no-removed",
         "roster-update-entity-too-wide", "roster-update-huge-count", "tag-after-the-last"],
)
def test_bad_server_bytes_are_refused(data):
    with pytest.raises(wire.WireError):
        wire.decode_server(data)
