use glam::IVec2;
use rallypoint_shared::snapshot::{Change, Track};

use super::*;

const ME: EntityId = EntityId {
    index: 1,
    generation: 0,
};

/// A full snapshot of `tick` acknowledging input `seq`, with nothing in it.
fn full(tick: u32, seq: u32) -> Snapshot {
    Snapshot {
        tick,
        baseline_age: 0,
        input_seq_advance: seq,
        changes: vec![],
    }
}

/// A delta of `tick` against `tick - age` that moves `last_input_seq` on
/// by `advance`.
fn delta(tick: u32, age: u8, advance: u32, changes: Vec<Change>) -> Snapshot {
    Snapshot {
        tick,
        baseline_age: age,
        input_seq_advance: advance,
        changes,
    }
}

/// A full snapshot of `tick` showing player `index` with this score.
fn scored(tick: u32, index: u32, kills: u32, deaths: u32) -> Snapshot {
    let mut s = full(tick, 0);
    s.changes = vec![
        Change::PlayerEnter {
            index,
            track: Track::default(),
            aim: 0,
            hp: 100,
            alive: true,
        },
        Change::Score {
            index,
            kills,
            deaths,
        },
    ];
    s
}

fn receive(s: &mut RecvStats, now_us: u64, snap: &Snapshot, acks: &AckRing) -> Outcome {
    s.on_snapshot(now_us, snap, 100, acks)
}

#[test]
fn snapshots_time_intervals_and_acknowledged_inputs() {
    let acks = AckRing::new();
    let mut s = RecvStats::new();
    acks.record(1, 1_000);
    acks.record(2, 2_000);
    acks.record(3, 3_000);
    receive(&mut s, 10_000, &full(1, 0), &acks);
    receive(&mut s, 12_000, &delta(2, 1, 2, vec![]), &acks); // acks 1 (11 ms) and 2 (10 ms)
    receive(&mut s, 15_000, &delta(3, 1, 0, vec![]), &acks); // nothing new
    receive(&mut s, 16_000, &delta(4, 2, 1, vec![]), &acks); // acks 3 (13 ms)
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
    let acks = AckRing::new();
    let mut s = RecvStats::new();
    s.on_joined(0, ME, &acks);
    receive(&mut s, 1_000, &full(7, 0), &acks);
    assert_eq!(acks.ack_tick(), 7);
    // Against tick 8, which the bot never got: refused and counted, and
    // the bot keeps acknowledging 7.
    let refused = receive(&mut s, 2_000, &delta(9, 1, 1, vec![]), &acks);
    assert!(refused.event.is_none() && refused.own.is_none());
    assert_eq!(acks.ack_tick(), 7);
    assert_eq!(s.deltas.stats().missing_baseline, 1);
    // It still arrived: delivery and gaps count it.
    assert_eq!(s.snapshots, 2);
    assert_eq!(s.snapshot_interval_us.len(), 1);
    // The server's next delta names what the bot acknowledged.
    receive(&mut s, 3_000, &delta(10, 3, 1, vec![]), &acks);
    assert_eq!(acks.ack_tick(), 10);
    // Stale: ignored.
    receive(&mut s, 4_000, &full(9, 0), &acks);
    assert_eq!(acks.ack_tick(), 10);
    assert_eq!(s.deltas.stats().stale, 1);
    // A resume's `Joined` clears the views: nothing to acknowledge, and
    // the first full snapshot after it is no reset.
    s.on_disconnect(0);
    s.on_joined(10_000, ME, &acks);
    assert_eq!(acks.ack_tick(), 0);
    receive(&mut s, 11_000, &full(20, 0), &acks);
    assert_eq!(acks.ack_tick(), 20);
    assert_eq!(s.deltas.stats().resets, 0);
}

#[test]
fn longest_gap_covers_the_start_the_middle_and_the_end() {
    let acks = AckRing::new();
    let gaps = |joined: u64, left: u64| {
        let mut s = RecvStats::new();
        assert_eq!(s.longest_gap_us(left), None);
        s.on_joined(joined, ME, &acks);
        for (tick, t) in [5_000, 6_000, 9_000, 10_000].into_iter().enumerate() {
            receive(&mut s, t, &full(tick as u32 + 1, 0), &acks);
        }
        s.longest_gap_us(left)
    };
    assert_eq!(gaps(4_000, 10_500), Some(3_000));
    assert_eq!(gaps(0, 10_500), Some(5_000));
    assert_eq!(gaps(4_000, 20_000), Some(10_000));
}

#[test]
fn time_disconnected_is_no_gap_and_old_inputs_are_not_timed() {
    let acks = AckRing::new();
    let mut s = RecvStats::new();
    s.on_joined(0, ME, &acks);
    acks.record(1, 0);
    receive(&mut s, 1_000, &full(1, 0), &acks);
    // Dropped at 2 ms after sending inputs 1 and 2; back at 900 ms.
    acks.record(2, 1_500);
    s.on_disconnect(2);
    assert_eq!(s.longest_gap_us(500_000), Some(1_000));
    s.on_joined(900_000, ME, &acks);
    acks.record(3, 900_500);
    receive(&mut s, 901_000, &full(30, 3), &acks);
    receive(&mut s, 902_000, &delta(31, 1, 0, vec![]), &acks);
    assert_eq!(s.longest_gap_us(902_000), Some(1_000));
    // Only input 3, sent on the new connection, was timed.
    assert_eq!(s.input_ack_us.len(), 1);
    assert_eq!(s.snapshot_interval_us.len(), 1);
}

#[test]
fn the_first_snapshot_applied_after_joined_carries_the_own_score() {
    let acks = AckRing::new();
    let mut s = RecvStats::new();
    s.on_joined(0, ME, &acks);
    // A delta right after `Joined` cannot apply: no event yet.
    let early = receive(&mut s, 500, &delta(5, 1, 0, vec![]), &acks);
    assert!(early.event.is_none());
    let first = receive(&mut s, 1_000, &scored(10, 2, 9, 9), &acks);
    assert!(matches!(
        first.event,
        Some(Event::FirstSnapshot {
            at_us: 1_000,
            score: None
        })
    ));
    let score = |kills, deaths| Change::Score {
        index: ME.index,
        kills,
        deaths,
    };
    let next = receive(&mut s, 2_000, &delta(11, 1, 0, vec![score(3, 1)]), &acks);
    assert!(next.event.is_none());
    let kept = Score {
        kills: 3,
        deaths: 1,
    };
    assert_eq!(s.score, Some(kept));
    // A view without the own entity keeps the last score seen.
    receive(&mut s, 3_000, &full(12, 0), &acks);
    assert_eq!(s.score, Some(kept));
    s.on_disconnect(0);
    s.on_joined(10_000, ME, &acks);
    let first = receive(&mut s, 11_000, &scored(40, ME.index, 3, 2), &acks);
    let Some(Event::FirstSnapshot {
        score: Some(after), ..
    }) = first.event
    else {
        panic!("{first:?}");
    };
    assert!(after.kept(kept));
    assert!(
        !Score {
            kills: 2,
            deaths: 5
        }
        .kept(kept)
    );
}

#[test]
fn applied_snapshots_tell_the_predictor_the_exact_own_position() {
    let acks = AckRing::new();
    let mut s = RecvStats::new();
    s.on_joined(0, ME, &acks);
    let mut first = scored(3, ME.index, 0, 4);
    first.input_seq_advance = 12;
    // 100.5 and 200.25 units, on the fixed-point grid.
    first.changes.push(Change::Me {
        offset: IVec2::new(102_912, 205_056),
    });
    let own = receive(&mut s, 1_000, &first, &acks).own.unwrap();
    assert_eq!((own.seq, own.alive, own.deaths), (12, true, 4));
    assert_eq!(own.pos, glam::Vec2::new(100.5, 200.25));
    let moved = delta(
        4,
        1,
        2,
        vec![Change::Me {
            offset: IVec2::new(-1, 3),
        }],
    );
    let own = receive(&mut s, 2_000, &moved, &acks).own.unwrap();
    assert_eq!(own.seq, 14);
    assert_eq!(own.pos.x, 100.5 - 1.0 / 1024.0);
    assert_eq!(own.pos.y, 200.25 + 3.0 / 1024.0);
    // A view that does not show the bot's entity says nothing about it.
    assert!(receive(&mut s, 3_000, &full(5, 14), &acks).own.is_none());
}

#[test]
fn acks_beyond_the_ring_are_not_timed() {
    let acks = AckRing::new();
    let mut s = RecvStats::new();
    for seq in 1..=1000 {
        acks.record(seq, u64::from(seq));
    }
    receive(&mut s, 5_000, &full(1, 1000), &acks);
    assert_eq!(s.input_ack_us.len(), ACK_RING as u64);
}

#[test]
fn pongs_measure_rtt_and_ignore_future_times() {
    let mut s = RecvStats::new();
    s.on_pong(5_000, 4_000);
    s.on_pong(5_000, 9_000);
    assert_eq!(s.rtt_us.len(), 1);
    assert!(s.rtt_us.equivalent(s.rtt_us.max(), 1_000));
}

#[test]
fn rosters_and_roster_updates_are_just_bytes() {
    let acks = AckRing::new();
    let mut s = RecvStats::new();
    let entry = rallypoint_shared::RosterEntry {
        entity: ME,
        player: rallypoint_shared::PlayerId(7),
        name: "bot".into(),
    };
    let msgs = [
        ServerMsg::Roster {
            players: vec![entry.clone()],
        },
        ServerMsg::RosterUpdate {
            added: vec![entry],
            removed: vec![ME],
        },
    ];
    for msg in msgs {
        let outcome = s.on_message(msg, 20, 1_000, &acks);
        assert!(outcome.event.is_none() && outcome.own.is_none());
    }
    assert_eq!(s.snapshots, 0);
    assert_eq!(s.deltas.full_bytes + s.deltas.delta_bytes, 0);
}
