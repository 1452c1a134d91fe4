//! Arena's bot policy, as `rallypoint-bots` plays it: a seeded "wander"
//! that picks a heading, keeps it for a while, sometimes stands still,
//! sweeps its aim, fires projectiles in short bursts and, between bursts,
//! now and then a single instant-hit shot. Deterministic given the run
//! seed, the bot index and the tick rate, so a load run can be repeated
//! input for input.

use crate::InputFrame;
use glam::Vec2;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Shortest time a heading is kept, in seconds.
const HOLD_MIN_SECS: f32 = 0.5;
/// Longest time a heading is kept, in seconds.
const HOLD_MAX_SECS: f32 = 3.0;
/// Chance that a new heading is "stand still".
const IDLE_CHANCE: f64 = 0.15;
/// Chance per second that a burst of fire starts.
const BURSTS_PER_SEC: f64 = 0.6;
/// Length of a burst of fire, in seconds.
const BURST_SECS: f32 = 0.4;
/// Instant-hit shots per second, one tick each, outside projectile bursts
/// (a player holds one weapon at a time). Default: 0.5, so every bot makes
/// the server rewind for a shot every couple of seconds.
const HITSCAN_PER_SEC: f64 = 0.5;
/// How far the aim may drift from the heading, in radians.
const AIM_SPREAD: f32 = 0.8;

/// One bot's input source.
#[derive(Debug, Clone)]
pub struct Wander {
    rng: ChaCha8Rng,
    tick_hz: f32,
    movement: Vec2,
    aim: Vec2,
    hold_ticks: u32,
    burst_ticks: u32,
}

impl Wander {
    /// A generator for bot `bot` of a run seeded with `seed`. Every bot uses
    /// the same ChaCha8 key (from `seed`) on its own stream (`bot`), so the
    /// bots' sequences are independent and none depends on how many bots
    /// the run has.
    pub fn new(seed: u64, bot: u32, tick_hz: u16) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(u64::from(bot));
        Self {
            rng,
            tick_hz: f32::from(tick_hz.max(1)),
            movement: Vec2::ZERO,
            aim: Vec2::X,
            hold_ticks: 0,
            burst_ticks: 0,
        }
    }

    /// The input for the next tick, numbered `seq`, acknowledging snapshot
    /// tick `ack_tick` (which does not affect the generator).
    pub fn next_input(&mut self, seq: u32, ack_tick: u32) -> InputFrame {
        if self.hold_ticks == 0 {
            self.pick_heading();
        }
        self.hold_ticks -= 1;

        if self.burst_ticks == 0
            && self
                .rng
                .random_bool((BURSTS_PER_SEC / f64::from(self.tick_hz)).min(1.0))
        {
            self.burst_ticks = self.secs_to_ticks(BURST_SECS);
        }
        let fire = self.burst_ticks > 0;
        self.burst_ticks = self.burst_ticks.saturating_sub(1);
        // Drawn every tick, so the stream's use does not depend on `fire`.
        let hitscan = self
            .rng
            .random_bool((HITSCAN_PER_SEC / f64::from(self.tick_hz)).min(1.0))
            && !fire;

        InputFrame {
            seq,
            movement: self.movement,
            aim: self.aim,
            fire,
            hitscan,
            ack_tick,
        }
    }

    fn pick_heading(&mut self) {
        let angle = self.rng.random_range(0.0..std::f32::consts::TAU);
        let heading = Vec2::from_angle(angle);
        self.movement = if self.rng.random_bool(IDLE_CHANCE) {
            Vec2::ZERO
        } else {
            heading
        };
        let spread = self.rng.random_range(-AIM_SPREAD..=AIM_SPREAD);
        self.aim = Vec2::from_angle(angle + spread);
        let secs = self.rng.random_range(HOLD_MIN_SECS..=HOLD_MAX_SECS);
        self.hold_ticks = self.secs_to_ticks(secs);
    }

    fn secs_to_ticks(&self, secs: f32) -> u32 {
        ((secs * self.tick_hz).round() as u32).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(seed: u64, bot: u32, n: u32) -> Vec<InputFrame> {
        let mut w = Wander::new(seed, bot, 30);
        (1..=n).map(|seq| w.next_input(seq, seq / 2)).collect()
    }

    #[test]
    fn same_seed_and_bot_give_the_same_inputs() {
        assert_eq!(inputs(7, 3, 500), inputs(7, 3, 500));
    }

    #[test]
    fn bots_and_seeds_differ() {
        assert_ne!(inputs(7, 3, 200), inputs(7, 4, 200));
        assert_ne!(inputs(7, 3, 200), inputs(8, 3, 200));
    }

    #[test]
    fn inputs_are_valid_and_varied() {
        let all = inputs(1, 0, 3000);
        for (i, input) in all.iter().enumerate() {
            assert_eq!(input.seq, i as u32 + 1);
            assert!(input.movement.is_finite() && input.aim.is_finite());
            assert!(input.movement.length() <= 1.0 + 1e-5);
            assert!((input.aim.length() - 1.0).abs() < 1e-4);
        }
        let fired = all.iter().filter(|i| i.fire).count();
        assert!(fired > 0 && fired < all.len() / 2, "fired {fired}");
        // 3000 ticks at 30 Hz is 100 s: about 50 shots, fewer for bursts.
        let hitscans = all.iter().filter(|i| i.hitscan).count();
        assert!((15..=100).contains(&hitscans), "hitscans {hitscans}");
        assert!(!all.iter().any(|i| i.fire && i.hitscan));
        assert!(all.iter().all(|i| i.ack_tick == i.seq / 2));
        let idle = all.iter().filter(|i| i.movement == Vec2::ZERO).count();
        assert!(idle < all.len() / 2, "idle {idle}");
        // Headings are kept for a while, not changed every tick.
        let changes = all
            .windows(2)
            .filter(|w| w[0].movement != w[1].movement)
            .count();
        assert!(
            changes > 10 && changes < all.len() / 10,
            "changes {changes}"
        );
    }
}
