//! Arena is deterministic through the `Game` trait: a recorded session of
//! joins, leaves (voluntary and expired), rejoins and seeded inputs with
//! movement, fire and lagged hitscan, replayed into a fresh game, gives the
//! same state and events after every call.

use glam::Vec2;
use rallypoint_arena::protocol::InputFrame;
use rallypoint_arena::{Arena, ArenaConfig};
use rallypoint_game::replay::Recorder;
use rallypoint_game::{LeaveReason, LobbyParams, PlayerId};

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u32 << 23) as f32 - 1.0
    }
}

#[test]
fn a_recorded_arena_session_replays_bit_for_bit() {
    let params = LobbyParams {
        tick_hz: 30,
        max_players: 8,
    };
    let mut rec = Recorder::<Arena>::new(ArenaConfig::default(), params);
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut members: Vec<PlayerId> = Vec::new();
    let mut next = 1;
    let mut inputs = Vec::new();
    for tick in 1..=600u32 {
        let seq = tick;
        // Churn between ticks: a join every 30 ticks, a leave every 70, an
        // expiry every 90.
        if tick % 30 == 1 && members.len() < 8 {
            let p = PlayerId(next);
            next += 1;
            assert!(rec.join(tick - 1, p).is_some(), "arena gives an avatar");
            members.push(p);
        }
        if tick % 70 == 0 && members.len() > 1 {
            let p = members.remove(0);
            rec.leave(tick - 1, p, LeaveReason::Left);
        }
        if tick % 90 == 0 && members.len() > 1 {
            let p = members.pop().unwrap();
            rec.leave(tick - 1, p, LeaveReason::Expired);
        }
        inputs.clear();
        let game = rec.game();
        let pos = |p: PlayerId| {
            let id = game.avatar(p).expect("a member has an avatar");
            game.world().player(id).expect("its player exists").pos
        };
        for (i, &p) in members.iter().enumerate() {
            let movement = Vec2::new(rng.unit(), rng.unit());
            // Aim roughly at the next member, so shots land.
            let target = members[(i + 1) % members.len()];
            let aim = pos(target) - pos(p) + Vec2::new(rng.unit(), rng.unit()) * 20.0;
            let roll = rng.next();
            let frame = InputFrame {
                seq,
                movement,
                aim,
                fire: roll.is_multiple_of(2),
                hitscan: roll.is_multiple_of(5),
                ack_tick: tick.saturating_sub(1 + (roll % 8) as u32),
            };
            if let Ok(input) = rallypoint_arena::movement::sanitize_input(frame) {
                inputs.push((p, input));
            }
        }
        rec.step(tick, &inputs, &[]);
    }
    let world = rec.game().world();
    assert!(world.player_count() >= 2, "players left in the world");
    assert!(
        world.players().any(|p| p.kills > 0),
        "the session saw combat"
    );
    assert_eq!(rec.replay(), Ok(()));
}
