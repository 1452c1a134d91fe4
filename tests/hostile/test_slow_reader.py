"""Slow readers: clients in a lobby that never read a byte while the others
play. Their sockets fill up; the server must neither queue snapshots for
them without bound (its memory stays flat) nor let them slow the tick (the
others keep their snapshot rate), and must in the end drop them (STYLE.md:
"a client that stays too slow is disconnected")."""

import asyncio
import time

import canary
import rallypoint_wire as wire
from canary import Canary
from harness import bounded
from rawws import RawWs

TICK_HZ = 30
ACTIVE = 6  # players who read everything and fire every tick they can
SLOW = 40  # players who never read: many, so a backlog would show
WARMUP = 2.0  # s for the slow readers' kernel buffers to fill up
WINDOW = 8.0  # s over which memory and the others' rate are measured
# Growth of the server's RSS over the window that still counts as flat.
# The signal it must catch: a server that queued every snapshot for the 40
# slow readers would grow by SLOW * TICK_HZ * WINDOW * snapshot size. A slow
# reader acknowledges nothing, so every snapshot it is sent is a full one:
# 9600 snapshots of ~1.2 KiB (46 players, a few projectiles) ≈ 11 MiB of
# payload alone, before any per-message overhead; the test checks below
# that this would-be backlog really is at least twice the bound. Against
# it, a healthy server's RSS moves by allocator slack over the window
# (measured: 10 to 60 KiB), so 2 MiB is far above noise and far below the
# signal.
RSS_BOUND_KIB = 2 * 1024


async def slow_reader(server, code: str) -> RawWs:
    """Says Hello and joins `code` in one write, then never reads again. A
    4 KiB receive buffer makes it fill up in a fraction of a second."""
    raw = await RawWs.connect(server.port, rcvbuf=4096)
    await raw.send_msg(wire.hello("sloth"))
    await raw.send_msg(wire.join_code(code))
    return raw


async def lobby_with_slow_readers(server, slow: int, active: int):
    host = await Canary.start(server, "host", max_players=64, fire=True)
    code = host.joined.join_code
    assert code, "a private lobby must have a join code"
    others = [await Canary.start(server, f"p{i}", code=code, fire=True) for i in range(active - 1)]
    sloths = [await slow_reader(server, code) for _ in range(slow)]
    await host.wait_for_players(active + slow)
    # Each player who reads learned of those already there from the Roster
    # after its Joined, and of later joiners from RosterUpdates (PROTOCOL.md
    # 6.10): all end up with the same roster, naming everyone, each with
    # the avatar its Joined named.
    players = [host, *others]
    for p in players:
        await p.wait_for_roster(active + slow)
    for p in players:
        assert p.roster == host.roster, "the players' rosters differ"
        entry = host.roster.get(p.player)
        assert entry is not None, f"player {p.player} not in the roster"
        assert entry.avatar == p.joined.avatar and entry.avatar is not None, (entry, p.joined)
    return players, sloths


@bounded(40)
async def test_slow_readers_cost_neither_memory_nor_the_others_rate(start_server):
    # Timeouts longer than the test, so the slow readers stay for the whole
    # window and their sockets stay full.
    server = start_server(
        "--tick-hz", str(TICK_HZ), "--peer-timeout-secs", "60", "--write-timeout-secs", "60"
    )
    players, sloths = await lobby_with_slow_readers(server, SLOW, ACTIVE)
    await asyncio.sleep(WARMUP)

    rss_before, since = server.rss_kib(), time.monotonic()
    bytes_before = players[0].snapshot_bytes
    await asyncio.sleep(WINDOW)
    rss_after, until = server.rss_kib(), time.monotonic()

    expected = TICK_HZ * (until - since)
    host_got = players[0].snapshots_between(since, until)
    per_delta = (players[0].snapshot_bytes - bytes_before) / max(1, host_got)
    # What the slow readers are sent: full snapshots, estimated by the size
    # of the host's newest view as a full one (the host acknowledges, so it
    # gets deltas).
    per_snapshot = players[0].full_snapshot_bytes()
    backlog_kib = SLOW * expected * per_snapshot / 1024
    growth = rss_after - rss_before
    print(
        f"RSS {rss_before} -> {rss_after} KiB over {until - since:.1f} s; "
        f"full snapshots of {per_snapshot} B (the host's deltas: {per_delta:.0f} B); "
        f"a full backlog would be {backlog_kib:.0f} KiB"
    )
    for p in players:
        window = p.window(since, until)
        got, produced = len(window), p.produced(window)
        # Against what the lobby produced (a CPU-starved VM slows every
        # tick, the slow readers must not make the others miss any) ...
        assert got >= 0.9 * produced, (
            f"{got} snapshots of the {produced:.0f} the lobby produced: "
            "the slow readers slowed the others down"
        )
        # ... and the lobby kept ticking.
        assert got >= canary.TICKING_FRACTION * expected, (
            f"{got} snapshots in {until - since:.1f} s, expected at least "
            f"{canary.TICKING_FRACTION:.0%} of {expected:.0f}: the lobby stalled"
        )
    assert backlog_kib >= 2 * RSS_BOUND_KIB, (
        f"snapshots of {per_snapshot:.0f} B are too small for the memory check to mean anything"
    )
    assert growth < RSS_BOUND_KIB, (
        f"server RSS grew by {growth} KiB in {WINDOW} s with {SLOW} slow readers"
    )
    assert server.alive()
    for s in sloths:
        s.close()


@bounded(40)
async def test_a_slow_reader_is_eventually_dropped(start_server):
    peer_timeout, ping_interval = 3, 1
    server = start_server(
        "--tick-hz", str(TICK_HZ),
        "--peer-timeout-secs", str(peer_timeout),
        "--ping-interval-secs", str(ping_interval),
    )
    players, [sloth] = await lobby_with_slow_readers(server, slow=1, active=2)
    joined = time.monotonic()
    # Leave it alone until it should have been dropped, then read what it
    # was sent: the stream must end (close frame or EOF) by the deadline.
    # A dropped socket whose send buffer is full cannot even carry its FIN
    # until the peer reads, so reading is the only way to see the drop.
    # The slack: one ping interval for the ping that goes unanswered, and
    # 2 s for the server's close handshake grace.
    await asyncio.sleep(peer_timeout)
    deadline = joined + peer_timeout + ping_interval + 2 + 1.5
    end = await sloth.read_until_end(timeout=deadline - time.monotonic())
    sloth.close()
    assert end.at <= deadline
    # The players who read were never held up, before or after the drop.
    for p in players:
        await p.check_rate("after the slow reader was dropped", fraction=0.9)
    assert server.alive()
