//! Phase 4 of [`World::step`]: the instant-hit weapon, lag-compensated.
//! Owns the rules of a hitscan shot:
//!
//! - The ray starts where the shooter stood right after the input that
//!   fired (its current position, as the client predicted it) and runs
//!   along that input's aim for `hitscan_range`. The first wall or the
//!   bounds edge stops it; a tie goes to the wall.
//! - Targets are checked as the shooter saw them: at
//!   `timing::view_tick(now, ack_tick, tick_hz)`, from the [`History`]
//!   (`now` is the last recorded tick, the one the step is building on).
//!   A target must have been alive then *and* be alive now, in the same
//!   life (no death in between). A player with no sample at the view tick
//!   (joined since, or the tick is not recorded) is tested where it is now.
//! - A target is hit if the ray passes within `PLAYER_RADIUS` of its
//!   (rewound) centre; the nearest along the ray wins, the first in slot
//!   order on a tie.
//! - Shooters are chosen at the start of the phase, so two players who
//!   shoot each other in the same tick both land (a trade); a target
//!   killed by an earlier shot of the phase is no longer hit.
//!
//! Damage and death go through `combat::apply_hit`, like projectile hits.
//!
//! [`History`]: super::history::History

use crate::movement::PLAYER_RADIUS;
use glam::Vec2;
use rallypoint_shared::timing::view_tick;

use super::combat::{apply_hit, first_obstacle};
use super::{GameEvent, World};
use crate::geom::segment_hits_circle;
use crate::ids::{PlayerKey, entity_id};

/// A hitscan shot asked for by this tick's inputs, waiting for phase 4.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct PendingShot {
    /// The shooter's position right after the input that fired.
    pub origin: Vec2,
    /// That input's aim: a unit vector, or zero (then nothing is fired).
    pub aim: Vec2,
    /// That input's `ack_tick`.
    pub ack_tick: u32,
}

impl World {
    /// Phase 4: counts hitscan cooldowns down and resolves every shot that
    /// is allowed, in slot order of the shooters.
    pub(super) fn fire_hitscan(&mut self, events: &mut Vec<GameEvent>) {
        let cooldown = self.rules.hitscan_cooldown_ticks;
        let mut shots = Vec::new();
        for (key, player) in &mut self.players {
            player.hitscan_cooldown = player.hitscan_cooldown.saturating_sub(1);
            let Some(shot) = player.pending_shot.take() else {
                continue;
            };
            if !player.alive || player.hitscan_cooldown > 0 || shot.aim == Vec2::ZERO {
                continue;
            }
            player.hitscan_cooldown = cooldown;
            shots.push((key, shot));
        }
        for (key, shot) in shots {
            self.resolve_shot(key, shot, events);
        }
    }

    fn resolve_shot(&mut self, shooter: PlayerKey, shot: PendingShot, events: &mut Vec<GameEvent>) {
        let rules = self.rules;
        let view = view_tick(self.tick, shot.ack_tick, self.config.tick_hz);
        let delta = shot.aim * rules.hitscan_range;
        let limit =
            first_obstacle(shot.origin, delta, 0.0, &self.map.info).unwrap_or(f32::INFINITY);
        let hit = self.first_rewound_target(shooter, shot.origin, delta, limit, view);
        let shooter = entity_id(shooter);
        events.push(GameEvent::HitscanFired {
            shooter,
            view_tick: view,
            hit: hit.map(entity_id),
        });
        if let Some(target) = hit {
            apply_hit(
                &mut self.players,
                target,
                shooter,
                rules.hitscan_damage,
                rules,
                events,
            );
        }
    }

    /// The target the ray `origin + t * delta` meets first before `limit`,
    /// with everyone placed as they were at `view` (see the module docs).
    fn first_rewound_target(
        &self,
        shooter: PlayerKey,
        origin: Vec2,
        delta: Vec2,
        limit: f32,
        view: u32,
    ) -> Option<PlayerKey> {
        let frame = self.history.at(view);
        let mut best: Option<(f32, PlayerKey)> = None;
        for (key, player) in &self.players {
            if key == shooter || !player.alive {
                continue;
            }
            let centre = match frame.and_then(|f| f.get(entity_id(key))) {
                Some(then) if then.alive && then.deaths == player.deaths => then.pos,
                // Dead then, or alive in an earlier life: not what was seen.
                Some(_) => continue,
                None => player.pos,
            };
            let Some(t) = segment_hits_circle(origin, delta, centre, PLAYER_RADIUS) else {
                continue;
            };
            if t < best.map_or(limit, |(first, _)| first) {
                best = Some((t, key));
            }
        }
        best.map(|(_, key)| key)
    }
}
