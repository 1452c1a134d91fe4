use glam::{IVec2, Vec2};
use rallypoint_arena::{ArenaEvent, MapInfo, PLAYER};
use rallypoint_shared::snapshot::Track;
use rallypoint_shared::{EntityRef, LobbyId, PlayerId, Rect, RosterEntry, encode_payload};

use super::*;
use crate::acks::ACK_RING;
use crate::games::{ArenaBot, GameCounts, Score};
use crate::test_records::{Part, me, player, score, snapshot};

const ME: EntityRef = EntityRef {
    kind: PLAYER,
    index: 1,
    generation: 0,
};

/// A reader of an arena bot, with its statistics and ack ring.
struct T {
    client: Client<ArenaBot>,
    game: Arc<Mutex<ArenaBot>>,
    stats: RecvStats,
    acks: AckRing,
}

impl T {
    fn new() -> T {
        let game = Arc::new(Mutex::new(ArenaBot::new(1, 0)));
        T {
            client: Client::new(Arc::clone(&game)),
            game,
            stats: RecvStats::new(),
            acks: AckRing::new(),
        }
    }

    fn msg(&mut self, now_us: u64, msg: ServerMsg) -> Option<Event> {
        (self.client).on_message(msg, 100, now_us, &mut self.stats, &self.acks)
    }

    fn receive(&mut self, now_us: u64, snap: Snapshot) -> Option<Event> {
        self.msg(now_us, ServerMsg::Snapshot(snap))
    }

    fn map() -> MapInfo {
        MapInfo {
            name: "test".into(),
            bounds: Rect {
                min: Vec2::ZERO,
                max: Vec2::splat(1000.0),
            },
            walls: vec![],
        }
    }

    fn joined(&mut self, now_us: u64) -> Option<Event> {
        let map = T::map();
        self.msg(
            now_us,
            ServerMsg::Joined {
                lobby: LobbyId(3),
                game: "arena".into(),
                join_code: None,
                max_players: 16,
                avatar: Some(ME),
                tick: 0,
                info: encode_payload(&map).unwrap(),
            },
        )
    }
}

/// A full snapshot of `tick` acknowledging input `seq`, with nothing in it.
fn full(tick: u32, seq: u32) -> Snapshot {
    snapshot(tick, 0, seq, vec![])
}

/// A delta of `tick` against `tick - age` that moves `last_input_seq` on
/// by `advance`.
fn delta(tick: u32, age: u8, advance: u32, parts: Vec<Part>) -> Snapshot {
    snapshot(tick, age, advance, parts)
}

/// A full snapshot of `tick` showing player `index` with this score.
fn scored(tick: u32, index: u32, kills: u32, deaths: u32) -> Snapshot {
    let parts = vec![player(index, Track::default()), score(index, kills, deaths)];
    snapshot(tick, 0, 0, parts)
}

#[test]
fn snapshots_time_intervals_and_acknowledged_inputs() {
    let mut t = T::new();
    t.acks.record(1, 1_000);
    t.acks.record(2, 2_000);
    t.acks.record(3, 3_000);
    t.receive(10_000, full(1, 0));
    t.receive(12_000, delta(2, 1, 2, vec![])); // acks 1 (11 ms) and 2 (10 ms)
    t.receive(15_000, delta(3, 1, 0, vec![])); // nothing new
    t.receive(16_000, delta(4, 2, 1, vec![])); // acks 3 (13 ms)
    let s = &t.stats;
    assert_eq!(s.snapshots, 4);
    assert_eq!(s.snapshot_interval_us.len(), 3);
    assert!(
        s.snapshot_interval_us
            .equivalent(s.snapshot_interval_us.max(), 3_000)
    );
    assert_eq!(s.input_ack_us.len(), 3);
    assert!(s.input_ack_us.equivalent(s.input_ack_us.min(), 10_000));
    assert!(s.input_ack_us.equivalent(s.input_ack_us.max(), 13_000));
    let stats = s.deltas.stats();
    assert_eq!((stats.full, stats.delta), (1, 3));
    assert_eq!((s.deltas.full_bytes, s.deltas.delta_bytes), (100, 300));
}

#[test]
fn the_ack_tick_is_the_newest_view_held() {
    let mut t = T::new();
    assert!(matches!(
        t.joined(0),
        Some(Event::Joined {
            avatar: Some(ME),
            ..
        })
    ));
    t.receive(1_000, full(7, 0));
    assert_eq!(t.acks.ack_tick(), 7);
    // Against tick 8, which the bot never got: refused and counted, and
    // the bot keeps acknowledging 7.
    assert!(t.receive(2_000, delta(9, 1, 1, vec![])).is_none());
    assert_eq!(t.acks.ack_tick(), 7);
    assert_eq!(t.stats.deltas.stats().missing_baseline, 1);
    // It still arrived: delivery and gaps count it.
    assert_eq!(t.stats.snapshots, 2);
    assert_eq!(t.stats.snapshot_interval_us.len(), 1);
    // The server's next delta names what the bot acknowledged.
    t.receive(3_000, delta(10, 3, 1, vec![]));
    assert_eq!(t.acks.ack_tick(), 10);
    // Stale: ignored.
    t.receive(4_000, full(9, 0));
    assert_eq!(t.acks.ack_tick(), 10);
    assert_eq!(t.stats.deltas.stats().stale, 1);
    // A resume's `Joined` clears the views: nothing to acknowledge, and
    // the first full snapshot after it is no reset.
    t.stats.on_disconnect(0);
    t.joined(10_000);
    assert_eq!(t.acks.ack_tick(), 0);
    t.receive(11_000, full(20, 0));
    assert_eq!(t.acks.ack_tick(), 20);
    assert_eq!(t.stats.deltas.stats().resets, 0);
}

#[test]
fn longest_gap_covers_the_start_the_middle_and_the_end() {
    let gaps = |joined: u64, left: u64| {
        let mut t = T::new();
        assert_eq!(t.stats.longest_gap_us(left), None);
        t.joined(joined);
        for (tick, at) in [5_000, 6_000, 9_000, 10_000].into_iter().enumerate() {
            t.receive(at, full(tick as u32 + 1, 0));
        }
        t.stats.longest_gap_us(left)
    };
    assert_eq!(gaps(4_000, 10_500), Some(3_000));
    assert_eq!(gaps(0, 10_500), Some(5_000));
    assert_eq!(gaps(4_000, 20_000), Some(10_000));
}

#[test]
fn time_disconnected_is_no_gap_and_old_inputs_are_not_timed() {
    let mut t = T::new();
    t.joined(0);
    t.acks.record(1, 0);
    t.receive(1_000, full(1, 0));
    // Dropped at 2 ms after sending inputs 1 and 2; back at 900 ms.
    t.acks.record(2, 1_500);
    t.stats.on_disconnect(2);
    assert_eq!(t.stats.longest_gap_us(500_000), Some(1_000));
    t.joined(900_000);
    t.acks.record(3, 900_500);
    t.receive(901_000, full(30, 3));
    t.receive(902_000, delta(31, 1, 0, vec![]));
    assert_eq!(t.stats.longest_gap_us(902_000), Some(1_000));
    // Only input 3, sent on the new connection, was timed.
    assert_eq!(t.stats.input_ack_us.len(), 1);
    assert_eq!(t.stats.snapshot_interval_us.len(), 1);
}

#[test]
fn the_first_snapshot_applied_after_joined_carries_the_own_score() {
    let mut t = T::new();
    t.joined(0);
    // A delta right after `Joined` cannot apply: no event yet.
    assert!(t.receive(500, delta(5, 1, 0, vec![])).is_none());
    let first = t.receive(1_000, scored(10, 2, 9, 9));
    assert!(matches!(
        first,
        Some(Event::FirstSnapshot {
            at_us: 1_000,
            score: None
        })
    ));
    let next = t.receive(2_000, delta(11, 1, 0, vec![score(ME.index, 3, 1)]));
    assert!(next.is_none());
    let kept = Score([3, 1]);
    assert_eq!(t.stats.score, Some(kept));
    // A view without the own row keeps the last score seen.
    t.receive(3_000, full(12, 0));
    assert_eq!(t.stats.score, Some(kept));
    t.stats.on_disconnect(0);
    t.joined(10_000);
    let first = t.receive(11_000, scored(40, ME.index, 3, 2));
    let Some(Event::FirstSnapshot {
        score: Some(after), ..
    }) = first
    else {
        panic!("{first:?}");
    };
    assert!(after.kept(kept));
    assert!(!Score([2, 5]).kept(kept));
}

#[test]
fn acks_beyond_the_ring_are_not_timed() {
    let mut t = T::new();
    for seq in 1..=1000 {
        t.acks.record(seq, u64::from(seq));
    }
    t.receive(5_000, full(1, 1000));
    assert_eq!(t.stats.input_ack_us.len(), ACK_RING as u64);
}

#[test]
fn pongs_measure_rtt_and_ignore_future_times() {
    let mut t = T::new();
    t.msg(
        5_000,
        ServerMsg::Pong {
            client_time: 4_000,
            tick: 1,
        },
    );
    t.msg(
        5_000,
        ServerMsg::Pong {
            client_time: 9_000,
            tick: 1,
        },
    );
    let s = &t.stats;
    assert_eq!(s.rtt_us.len(), 1);
    assert!(s.rtt_us.equivalent(s.rtt_us.max(), 1_000));
}

#[test]
fn a_redirect_reaches_the_driver_whole() {
    let mut t = T::new();
    let redirect = ServerMsg::Redirect {
        node: "b".into(),
        url: "ws://127.0.0.1:7001/ws".into(),
        ticket: vec![1, 2, 3],
    };
    match t.msg(1_000, redirect) {
        Some(Event::Redirect { node, url, ticket }) => {
            assert_eq!(
                (node.as_str(), url.as_str(), ticket),
                ("b", "ws://127.0.0.1:7001/ws", vec![1, 2, 3])
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(t.stats.undecodable, 0);
}

#[test]
fn rosters_are_just_bytes_and_game_events_reach_the_game() {
    let mut t = T::new();
    t.joined(0);
    let entry = RosterEntry {
        player: PlayerId(7),
        name: "bot".into(),
        avatar: Some(ME),
    };
    let msgs = [
        ServerMsg::Roster {
            players: vec![entry.clone()],
        },
        ServerMsg::RosterUpdate {
            added: vec![entry],
            removed: vec![PlayerId(8)],
        },
    ];
    for msg in msgs {
        assert!(t.msg(1_000, msg).is_none());
    }
    assert_eq!(t.stats.snapshots, 0);
    let killed = |killer, victim| {
        ServerMsg::Event(encode_payload(&ArenaEvent::Killed { killer, victim }).unwrap())
    };
    assert!(t.msg(2_000, killed(ME.index, 5)).is_none());
    t.msg(2_000, killed(5, ME.index));
    t.msg(2_000, killed(5, 6));
    // Not an arena event: skipped and counted.
    t.msg(
        2_000,
        ServerMsg::Event(rallypoint_shared::Payload(vec![9, 9])),
    );
    assert_eq!(t.stats.undecodable, 1);
    let GameCounts::Arena(c) = t.game.lock().unwrap().counts() else {
        panic!("an arena bot");
    };
    assert_eq!((c.kill_events, c.kills, c.deaths), (3, 1, 1));
}

/// The whole arena path: `Welcome` and `Joined` set the bot's prediction
/// up, the bot's own input moves it, and a delta with the server's exact
/// position for that input judges the prediction exact.
#[test]
fn the_exact_own_position_reaches_the_prediction() {
    use rallypoint_arena::InputFrame;
    use rallypoint_arena::movement::{sanitize_input, step_player, tick_dt};
    use rallypoint_shared::snapshot::{from_fixed, to_fixed};

    let mut t = T::new();
    t.msg(
        0,
        ServerMsg::Welcome {
            player: PlayerId(1),
            protocol_version: rallypoint_shared::PROTOCOL_VERSION,
            tick_hz: 30,
            snapshot_hz: 30,
            max_message_bytes: 512,
            resume_token: rallypoint_shared::ResumeToken([0; 16]),
            resume_grace_secs: 20,
            games: vec!["arena".into()],
        },
    );
    let map = match t.joined(0) {
        Some(Event::Joined { .. }) => T::map(),
        other => panic!("{other:?}"),
    };
    // 100.5 and 200.25 units, on the fixed-point grid.
    let start = IVec2::new(102_912, 205_056);
    let first = vec![
        me(start),
        player(ME.index, Track::default()),
        score(ME.index, 0, 0),
    ];
    t.receive(1_000, snapshot(3, 0, 0, first));
    let mut moved = start;
    for seq in 1..=20 {
        let tick = t.game.lock().unwrap().tick(seq, 2 + seq);
        let payload = tick.input.expect("arena sends an input every tick").payload;
        let input: InputFrame = rallypoint_shared::decode_payload(&payload.0).unwrap();
        let movement = sanitize_input(input).unwrap().movement;
        let next = to_fixed(step_player(from_fixed(moved), movement, tick_dt(30), &map));
        t.receive(
            2_000 + u64::from(seq),
            delta(3 + seq, 1, 1, vec![me(next - moved)]),
        );
        moved = next;
    }
    assert_ne!(moved, start, "the bot wandered");
    let prediction = t.game.lock().unwrap().take_prediction();
    assert_eq!(prediction.error.len(), 20);
    assert_eq!(prediction.error.max(), 0, "prediction is exact");
    assert_eq!(prediction.skipped, 0);
}
