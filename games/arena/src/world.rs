//! The arena's world: every player and projectile of one lobby, and the
//! fixed-tick rules that move them. [`World`] owns this state outright and
//! changes only in [`World::step`], as a pure function of its inputs: no
//! clock, no randomness, no I/O. The same map, config and input sequence
//! always give bit-identical state, which is what makes it testable exactly
//! and benchmarkable directly.
//!
//! Projectile flight and damage live in the `combat` submodule, the
//! lag-compensated instant-hit weapon in `hitscan`, and the record of past
//! positions it rewinds to in `history`.

mod combat;
mod history;
mod hitscan;
#[cfg(test)]
mod tests;

use crate::movement::{PLAYER_RADIUS, step_player};
use crate::protocol::{InputFrame, PlayerState, ProjectileState};
use glam::Vec2;
use rallypoint_shared::EntityId;
use slotmap::SlotMap;

pub use super::config::GameConfig;
use super::config::Rules;
use super::ids::{PlayerKey, ProjectileKey, entity_id, key_of};
use super::map::Map;
use history::History;
use hitscan::PendingShot;

/// Something that happened during a tick, in the order it happened.
/// Player ids and projectile ids are separate namespaces.
#[derive(Debug, Clone, PartialEq)]
pub enum GameEvent {
    /// `shooter` fired the projectile `projectile`.
    Fired {
        shooter: EntityId,
        projectile: EntityId,
    },
    /// A projectile of `shooter` hit `target`. `damage` is the HP actually
    /// taken, so a final blow may be less than the configured damage.
    /// `shooter` may have left the world since firing.
    Hit {
        shooter: EntityId,
        target: EntityId,
        damage: u8,
    },
    /// `victim` died. `killer` is the projectile's owner; if it has left the
    /// world, the kill is credited to nobody but still reported.
    Killed { killer: EntityId, victim: EntityId },
    /// A dead player came back at `pos` with full HP.
    Respawned { entity: EntityId, pos: Vec2 },
    /// `shooter` fired the instant-hit weapon, checked against the world at
    /// `view_tick`; `hit` is the player it struck, if any (a `Hit`, and
    /// maybe a `Killed`, follow).
    HitscanFired {
        shooter: EntityId,
        view_tick: u32,
        hit: Option<EntityId>,
    },
}

#[derive(Debug, Clone)]
struct Player {
    pos: Vec2,
    /// A unit vector, or zero before the player has aimed.
    aim: Vec2,
    hp: u8,
    alive: bool,
    kills: u32,
    deaths: u32,
    /// Ticks until the player may fire again; 0 means now. Counted down
    /// rather than compared with the tick counter, so wrapping is no concern.
    fire_cooldown: u32,
    /// Ticks until a dead player respawns.
    respawn_in: u32,
    /// Set by this tick's inputs, consumed by the fire phase.
    wants_fire: bool,
    /// Ticks until the player may fire the instant-hit weapon again.
    hitscan_cooldown: u32,
    /// Set by this tick's latest input with `hitscan`, consumed by the
    /// hitscan phase.
    pending_shot: Option<PendingShot>,
}

impl Player {
    fn state(&self, key: PlayerKey) -> PlayerState {
        PlayerState {
            id: entity_id(key),
            pos: self.pos,
            aim: self.aim,
            hp: self.hp,
            alive: self.alive,
            kills: self.kills,
            deaths: self.deaths,
        }
    }
}

#[derive(Debug, Clone)]
struct Projectile {
    owner: EntityId,
    pos: Vec2,
    /// Units per second.
    vel: Vec2,
    /// Moves left before it vanishes; always at least 1 while it exists.
    ticks_left: u32,
}

/// One lobby's game: the map, the players, the projectiles in flight.
#[derive(Debug, Clone)]
pub struct World {
    map: Map,
    config: GameConfig,
    rules: Rules,
    players: SlotMap<PlayerKey, Player>,
    projectiles: SlotMap<ProjectileKey, Projectile>,
    tick: u32,
    /// Players at each of the last few ticks, for lag compensation.
    history: History,
}

impl World {
    /// An empty world at tick 0. `map` should come validated (from
    /// [`Map::new`] or a map file); an unchecked one never makes the world
    /// panic, it only makes for odd play.
    pub fn new(map: Map, config: GameConfig) -> World {
        World {
            map,
            rules: Rules::new(&config),
            history: History::new(config.tick_hz),
            config,
            players: SlotMap::with_key(),
            projectiles: SlotMap::with_key(),
            tick: 0,
        }
    }

    pub fn map(&self) -> &Map {
        &self.map
    }

    pub fn config(&self) -> &GameConfig {
        &self.config
    }

    /// How many ticks have been stepped (wrapping at `u32::MAX`).
    pub fn tick(&self) -> u32 {
        self.tick
    }

    /// Adds a player with full HP at the spawn point farthest from every
    /// living player (ties go to the first in map order).
    pub fn spawn_player(&mut self) -> EntityId {
        let pos = self.pick_spawn();
        let key = self.players.insert(Player {
            pos,
            aim: Vec2::ZERO,
            hp: self.rules.max_hp,
            alive: true,
            kills: 0,
            deaths: 0,
            fire_cooldown: 0,
            respawn_in: 0,
            wants_fire: false,
            hitscan_cooldown: 0,
            pending_shot: None,
        });
        entity_id(key)
    }

    /// Removes a player; false if `id` names no player. Its projectiles
    /// keep flying and still do damage, but earn nobody a kill.
    pub fn remove_player(&mut self, id: EntityId) -> bool {
        key_of::<PlayerKey>(id).is_some_and(|key| self.players.remove(key).is_some())
    }

    pub fn player(&self, id: EntityId) -> Option<PlayerState> {
        let key = key_of::<PlayerKey>(id)?;
        self.players.get(key).map(|p| p.state(key))
    }

    /// Players in the world, dead or alive.
    pub fn player_count(&self) -> usize {
        self.players.len()
    }

    /// Projectiles in flight.
    pub fn projectile_count(&self) -> usize {
        self.projectiles.len()
    }

    /// Advances the world by one tick and returns what happened, in order.
    ///
    /// Inputs are applied in slice order; one entity may have several (each
    /// is one full movement step). Inputs of unknown or dead entities are
    /// ignored. The phases, in order:
    ///
    /// 1. **Respawn**: dead players whose delay has run out reappear with
    ///    full HP, before inputs, so they can act this very tick.
    /// 2. **Inputs**: each input moves its player one step through
    ///    `crate::movement::step_player` (exactly what clients
    ///    predict); the latest sets the aim; any `fire` marks a wish to fire;
    ///    the latest `hitscan` input readies a shot from where it left the
    ///    player, along its aim, with its `ack_tick`.
    /// 3. **Fire**: players wishing to fire, off cooldown and aiming, each
    ///    launch one projectile from the edge of their circle.
    /// 4. **Hitscan**: readied shots off their own cooldown are resolved at
    ///    once against the world as the shooter saw it (see `hitscan`).
    /// 5. **Projectiles**: each moves one tick with swept collision; the
    ///    earliest of a living non-owner player, a wall or the bounds edge
    ///    stops it. Hits deal damage, and a player at 0 HP dies.
    /// 6. **Expiry**: projectiles that have flown their lifetime vanish.
    ///
    /// Finally the tick counter advances and every player is recorded in
    /// the history under the new tick: the state snapshot `tick()` shows.
    pub fn step(&mut self, inputs: &[(EntityId, InputFrame)]) -> Vec<GameEvent> {
        let mut events = Vec::new();
        self.respawn_players(&mut events);
        self.apply_inputs(inputs);
        self.fire(&mut events);
        self.fire_hitscan(&mut events);
        self.move_projectiles(&mut events);
        self.expire_projectiles();
        self.tick = self.tick.wrapping_add(1);
        self.history.record(self.tick, &self.players);
        events
    }

    /// Every player (dead or alive), in slot order.
    pub fn players(&self) -> impl Iterator<Item = PlayerState> + '_ {
        self.players.iter().map(|(key, p)| p.state(key))
    }

    /// Every projectile in flight, in slot order.
    pub fn projectiles(&self) -> impl Iterator<Item = ProjectileState> + '_ {
        self.projectiles.iter().map(|(key, shot)| ProjectileState {
            id: entity_id(key),
            owner: shot.owner,
            pos: shot.pos,
            vel: shot.vel,
        })
    }

    /// Clears and refills the buffers with every player (dead or alive) and
    /// every projectile, in slot order, so that the same world always writes
    /// the same sequence.
    pub fn write_state(
        &self,
        players: &mut Vec<PlayerState>,
        projectiles: &mut Vec<ProjectileState>,
    ) {
        players.clear();
        players.extend(self.players());
        projectiles.clear();
        projectiles.extend(self.projectiles());
    }

    /// Phase 1.
    fn respawn_players(&mut self, events: &mut Vec<GameEvent>) {
        let mut due = Vec::new();
        for (key, player) in self.players.iter_mut().filter(|(_, p)| !p.alive) {
            player.respawn_in = player.respawn_in.saturating_sub(1);
            if player.respawn_in == 0 {
                due.push(key);
            }
        }
        // One at a time, so each respawn keeps clear of those just before it.
        for key in due {
            let pos = self.pick_spawn();
            let player = &mut self.players[key];
            player.pos = pos;
            player.hp = self.rules.max_hp;
            player.alive = true;
            player.fire_cooldown = 0;
            player.hitscan_cooldown = 0;
            events.push(GameEvent::Respawned {
                entity: entity_id(key),
                pos,
            });
        }
    }

    /// Phase 2.
    fn apply_inputs(&mut self, inputs: &[(EntityId, InputFrame)]) {
        for (id, input) in inputs {
            let Some(key) = key_of::<PlayerKey>(*id) else {
                continue;
            };
            let Some(player) = self.players.get_mut(key).filter(|p| p.alive) else {
                continue;
            };
            let Some((movement, aim)) = guard_input(input) else {
                continue;
            };
            player.pos = step_player(player.pos, movement, self.rules.dt, &self.map.info);
            player.aim = aim;
            player.wants_fire |= input.fire;
            if input.hitscan {
                player.pending_shot = Some(PendingShot {
                    origin: player.pos,
                    aim,
                    ack_tick: input.ack_tick,
                });
            }
        }
    }

    /// Phase 3.
    fn fire(&mut self, events: &mut Vec<GameEvent>) {
        let rules = self.rules;
        for (key, player) in &mut self.players {
            player.fire_cooldown = player.fire_cooldown.saturating_sub(1);
            let wants = std::mem::take(&mut player.wants_fire);
            if !wants || !player.alive || player.fire_cooldown > 0 || player.aim == Vec2::ZERO {
                continue;
            }
            player.fire_cooldown = rules.fire_cooldown_ticks;
            let shooter = entity_id(key);
            let projectile = self.projectiles.insert(Projectile {
                owner: shooter,
                pos: player.pos + player.aim * PLAYER_RADIUS,
                vel: player.aim * rules.projectile_speed,
                ticks_left: rules.projectile_lifetime_ticks,
            });
            events.push(GameEvent::Fired {
                shooter,
                projectile: entity_id(projectile),
            });
        }
    }

    /// Phase 6.
    fn expire_projectiles(&mut self) {
        self.projectiles.retain(|_, shot| {
            shot.ticks_left -= 1;
            shot.ticks_left > 0
        });
    }

    /// The spawn point whose nearest living player is farthest away; the
    /// first in map order on a tie (so with nobody alive, the first).
    fn pick_spawn(&self) -> Vec2 {
        let living: Vec<Vec2> = self
            .players
            .values()
            .filter(|p| p.alive)
            .map(|p| p.pos)
            .collect();
        let mut best: Option<(f32, Vec2)> = None;
        for &spawn in &self.map.spawns {
            // Only a strictly farther spawn can win, so stop measuring one as
            // soon as it cannot: this makes a 256-player respawn cheap.
            let to_beat = best.map_or(f32::NEG_INFINITY, |(d, _)| d);
            let mut nearest = f32::INFINITY;
            for pos in &living {
                nearest = nearest.min(pos.distance_squared(spawn));
                if nearest <= to_beat {
                    break;
                }
            }
            if nearest > to_beat {
                best = Some((nearest, spawn));
            }
        }
        // A validated map has spawns, but `Map`'s fields are public: fall
        // back to the middle of the bounds rather than panic.
        best.map_or_else(
            || (self.map.info.bounds.min + self.map.info.bounds.max) * 0.5,
            |(_, spawn)| spawn,
        )
    }
}

/// How far a squared length may stray from 1 and still count as already
/// sanitised. `sanitize_input` leaves lengths a rounding error from 1.
const UNIT_SLACK: f32 = 1e-3;

/// The caller sanitises inputs; this only stops a caller's mistake from
/// corrupting the world (a NaN position, or a huge vector making
/// `step_player` loop for ages). A sanitised input passes bit for bit:
/// sanitising again could round differently from what the client predicted.
fn guard_input(input: &InputFrame) -> Option<(Vec2, Vec2)> {
    let (movement, aim) = (input.movement, input.aim);
    if !movement.is_finite() || !aim.is_finite() {
        return None;
    }
    let movement = if movement.length_squared() > 1.0 + UNIT_SLACK {
        direction(movement)
    } else {
        movement
    };
    let aim = if (aim.length_squared() - 1.0).abs() > UNIT_SLACK {
        direction(aim)
    } else {
        aim
    };
    Some((movement, aim))
}

/// A finite vector's direction as a unit vector, or zero. Scaling by the
/// largest component first keeps a huge vector's squared length from
/// overflowing to infinity, which would normalise it to zero.
fn direction(v: Vec2) -> Vec2 {
    let largest = v.abs().max_element();
    if largest == 0.0 {
        return Vec2::ZERO;
    }
    (v / largest).normalize_or_zero()
}
