//! Phase 5 of [`World::step`]: projectile flight and what it hits. Owns the
//! rules of a hit: swept collision so no speed or tick rate lets a shot pass
//! through a wall or a player, the earliest contact wins, and damage and
//! death are applied immediately, so a player killed by one projectile is no
//! longer a target for the next one in the same tick.

use crate::movement::PLAYER_RADIUS;
use crate::protocol::MapInfo;
use glam::Vec2;
use rallypoint_shared::{EntityId, Rect};
use slotmap::SlotMap;

use super::{GameEvent, Player, Projectile, World};
use crate::config::Rules;
use crate::geom::{segment_enters_rect, segment_hits_circle, segment_leaves_rect};
use crate::ids::{PlayerKey, entity_id, key_of};

impl World {
    /// Phase 5: moves every projectile one tick, in slot order.
    pub(super) fn move_projectiles(&mut self, events: &mut Vec<GameEvent>) {
        let rules = self.rules;
        let map = &self.map.info;
        let players = &mut self.players;
        // Nobody moves during this phase, so the targets' positions are
        // gathered once into a compact list; only `alive` changes, and it
        // is checked again on each hit.
        let targets: Vec<(PlayerKey, Vec2)> = players
            .iter()
            .filter(|(_, p)| p.alive)
            .map(|(key, p)| (key, p.pos))
            .collect();
        self.projectiles.retain(|_, shot| {
            let delta = shot.vel * rules.dt;
            let blocked_at = first_obstacle(shot.pos, delta, rules.projectile_radius, map);
            // A tie goes to the wall: nobody is hit through a wall's face.
            let limit = blocked_at.unwrap_or(f32::INFINITY);
            if let Some(target) = first_target(shot, delta, limit, rules, &targets, players) {
                apply_hit(players, target, shot.owner, rules.damage, rules, events);
                return false;
            }
            if blocked_at.is_some() {
                return false;
            }
            shot.pos += delta;
            true
        });
    }
}

/// When along `start + t * delta` a projectile of `radius` meets a wall or
/// its centre leaves the bounds. Hitscan rays use it with a radius of 0.
pub(super) fn first_obstacle(start: Vec2, delta: Vec2, radius: f32, map: &MapInfo) -> Option<f32> {
    // Growing each wall by the radius turns "circle meets rectangle" into
    // "point enters rectangle". It squares off the corners, so a shot that
    // grazes a corner is stopped slightly early: the safe side to err on.
    let grow = Vec2::splat(radius);
    map.walls
        .iter()
        .filter_map(|wall| {
            let grown = Rect {
                min: wall.min - grow,
                max: wall.max + grow,
            };
            segment_enters_rect(start, delta, &grown)
        })
        .chain(segment_leaves_rect(start, delta, &map.bounds))
        .reduce(f32::min)
}

/// The living player, other than the owner, that the projectile touches
/// first before `limit`; the first in slot order on a tie.
fn first_target(
    shot: &Projectile,
    delta: Vec2,
    limit: f32,
    rules: Rules,
    targets: &[(PlayerKey, Vec2)],
    players: &SlotMap<PlayerKey, Player>,
) -> Option<PlayerKey> {
    let owner = key_of::<PlayerKey>(shot.owner);
    let reach = PLAYER_RADIUS + rules.projectile_radius;
    // Every point of the move lies within half its length of its midpoint,
    // so a player farther than that plus `reach` cannot be touched. This
    // one cheap test rules out nearly everyone; the margin keeps rounding
    // from ever ruling out a true (grazing) hit.
    let mid = shot.pos + delta * 0.5;
    let near = reach + delta.length() * 0.5 + BROADPHASE_MARGIN;
    let near_sq = near * near;
    let mut best: Option<(f32, PlayerKey)> = None;
    for &(key, pos) in targets {
        if pos.distance_squared(mid) > near_sq || owner == Some(key) {
            continue;
        }
        let Some(t) = segment_hits_circle(shot.pos, delta, pos, reach) else {
            continue;
        };
        // Killed earlier this phase by another projectile: no longer a target.
        if t < best.map_or(limit, |(first, _)| first) && players[key].alive {
            best = Some((t, key));
        }
    }
    best.map(|(_, key)| key)
}

/// Extra slack, in world units, for the broad-phase distance test.
const BROADPHASE_MARGIN: f32 = 1.0;

/// Deals up to `damage` to `target`, and kills it at 0 HP, crediting
/// `shooter` if it is still in the world. Every weapon's hits go through
/// here, so hits, deaths, kills and respawns follow the same rules.
pub(super) fn apply_hit(
    players: &mut SlotMap<PlayerKey, Player>,
    target_key: PlayerKey,
    shooter: EntityId,
    damage: u8,
    rules: Rules,
    events: &mut Vec<GameEvent>,
) {
    let target = &mut players[target_key];
    let damage = damage.min(target.hp);
    target.hp -= damage;
    let victim = entity_id(target_key);
    events.push(GameEvent::Hit {
        shooter,
        target: victim,
        damage,
    });
    if target.hp > 0 {
        return;
    }
    target.alive = false;
    target.deaths = target.deaths.saturating_add(1);
    target.respawn_in = rules.respawn_delay_ticks;
    if let Some(killer) = key_of::<PlayerKey>(shooter).and_then(|key| players.get_mut(key)) {
        killer.kills = killer.kills.saturating_add(1);
    }
    events.push(GameEvent::Killed {
        killer: shooter,
        victim,
    });
}
