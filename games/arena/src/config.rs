//! The arena's settings: [`ArenaSettings`], its `[games.arena]` table of the
//! server's config file (a map file and the rules); [`GameConfig`], the
//! tunable rules as an operator writes them (in seconds and units per
//! second); and [`Rules`], the same numbers converted once into the ticks
//! and per-tick distances the simulation steps with.

use std::path::PathBuf;

use crate::movement::tick_dt;
use serde::{Deserialize, Serialize};

use crate::game::ArenaConfig;
use crate::map::{Map, MapError};

/// Arena's table of the server's config file, `[games.arena]`:
///
/// ```toml
/// [games.arena]
/// map = "games/arena/maps/large.toml"   # default: the built-in arena
/// [games.arena.rules]
/// max_hp = 150                          # any GameConfig field but tick_hz
/// ```
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ArenaSettings {
    /// Map file. Default: the built-in arena, `games/arena/maps/arena.toml`.
    pub map: Option<PathBuf>,
    pub rules: GameConfig,
}

impl ArenaSettings {
    /// Loads the map and makes the game's config.
    pub fn load(self) -> Result<ArenaConfig, MapError> {
        let map = match &self.map {
            Some(path) => Map::load(path)?,
            None => Map::default_arena(),
        };
        Ok(ArenaConfig {
            map,
            rules: self.rules,
        })
    }
}

/// The rules of an arena game. Durations are in seconds and speeds in world
/// units per second; the world converts them to whole ticks at `tick_hz`
/// (rounded, at least one tick). Odd values (zero, negative, not finite) are
/// tolerated and never make the world panic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GameConfig {
    /// Simulation steps per second. Default: 30, smooth enough for a
    /// top-down shooter while a 256-player tick stays well inside its budget.
    /// Set by the server from its own `tick_hz`, never read from a file.
    #[serde(skip)]
    pub tick_hz: u16,
    /// A player's health at (re)spawn. Default: 100. Zero is treated as 1.
    pub max_hp: u8,
    /// Projectile speed. Default: 700, about three times a player's speed,
    /// so shots can be dodged at range but not up close.
    pub projectile_speed: f32,
    /// Projectile collision radius. Default: 4.
    pub projectile_radius: f32,
    /// Damage per hit. Default: 25, four hits to kill at the default HP.
    pub projectile_damage: u8,
    /// How long a projectile flies before it vanishes. Default: 1.5 s,
    /// about 1050 units at the default speed: most of the arena's width.
    pub projectile_lifetime_secs: f32,
    /// Least time between two shots of one player. Default: 0.25 s.
    pub fire_cooldown_secs: f32,
    /// How long a dead player waits to respawn. Default: 2 s.
    pub respawn_delay_secs: f32,
    /// Damage per hit of the instant-hit weapon. Default: 20, five hits to
    /// kill: a little weaker than a projectile, since it cannot be dodged.
    pub hitscan_damage: u8,
    /// How far the instant-hit weapon reaches. Default: 900 units, a bit
    /// less than a projectile flies in its lifetime.
    pub hitscan_range: f32,
    /// Least time between two instant-hit shots of one player, independent
    /// of the projectile cooldown. Default: 0.5 s.
    pub hitscan_cooldown_secs: f32,
}

impl Default for GameConfig {
    fn default() -> Self {
        GameConfig {
            tick_hz: 30,
            max_hp: 100,
            projectile_speed: 700.0,
            projectile_radius: 4.0,
            projectile_damage: 25,
            projectile_lifetime_secs: 1.5,
            fire_cooldown_secs: 0.25,
            respawn_delay_secs: 2.0,
            hitscan_damage: 20,
            hitscan_range: 900.0,
            hitscan_cooldown_secs: 0.5,
        }
    }
}

/// A [`GameConfig`] in the units the simulation uses, computed once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rules {
    /// Seconds per tick, exactly as clients compute it for prediction.
    pub dt: f32,
    pub max_hp: u8,
    /// Projectile damage.
    pub damage: u8,
    pub projectile_speed: f32,
    pub projectile_radius: f32,
    pub projectile_lifetime_ticks: u32,
    pub fire_cooldown_ticks: u32,
    pub respawn_delay_ticks: u32,
    pub hitscan_damage: u8,
    pub hitscan_range: f32,
    pub hitscan_cooldown_ticks: u32,
}

impl Rules {
    pub fn new(config: &GameConfig) -> Rules {
        let ticks = |secs: f32| secs_to_ticks(secs, config.tick_hz);
        Rules {
            dt: tick_dt(config.tick_hz),
            max_hp: config.max_hp.max(1),
            damage: config.projectile_damage,
            projectile_speed: non_negative(config.projectile_speed),
            projectile_radius: non_negative(config.projectile_radius),
            projectile_lifetime_ticks: ticks(config.projectile_lifetime_secs),
            fire_cooldown_ticks: ticks(config.fire_cooldown_secs),
            respawn_delay_ticks: ticks(config.respawn_delay_secs),
            hitscan_damage: config.hitscan_damage,
            hitscan_range: non_negative(config.hitscan_range),
            hitscan_cooldown_ticks: ticks(config.hitscan_cooldown_secs),
        }
    }
}

/// Whole ticks in `secs`, rounded, at least one. `as` saturates, and turns
/// NaN into 0, so no value can panic or wrap.
fn secs_to_ticks(secs: f32, tick_hz: u16) -> u32 {
    let ticks = (f64::from(secs) * f64::from(tick_hz.max(1))).round() as u32;
    ticks.max(1)
}

/// A finite, non-negative copy of `x`: anything else becomes 0.
fn non_negative(x: f32) -> f32 {
    if x.is_finite() && x > 0.0 { x } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_rules_at_thirty_hz() {
        let rules = Rules::new(&GameConfig::default());
        assert_eq!(rules.dt, tick_dt(30));
        // 0.25 s * 30 = 7.5, rounded half away from zero.
        assert_eq!(rules.fire_cooldown_ticks, 8);
        assert_eq!(rules.projectile_lifetime_ticks, 45);
        assert_eq!(rules.respawn_delay_ticks, 60);
        assert_eq!(rules.hitscan_cooldown_ticks, 15);
        assert_eq!(rules.hitscan_range, 900.0);
    }

    #[test]
    fn odd_values_are_tamed() {
        let rules = Rules::new(&GameConfig {
            tick_hz: 0,
            max_hp: 0,
            projectile_speed: f32::NAN,
            projectile_radius: -3.0,
            projectile_lifetime_secs: f32::INFINITY,
            fire_cooldown_secs: 0.0,
            respawn_delay_secs: f32::NAN,
            hitscan_range: f32::NEG_INFINITY,
            hitscan_cooldown_secs: -1.0,
            ..GameConfig::default()
        });
        assert_eq!(rules.dt, 1.0);
        assert_eq!(rules.max_hp, 1);
        assert_eq!(rules.projectile_speed, 0.0);
        assert_eq!(rules.projectile_radius, 0.0);
        assert_eq!(rules.projectile_lifetime_ticks, u32::MAX);
        assert_eq!(rules.fire_cooldown_ticks, 1);
        assert_eq!(rules.respawn_delay_ticks, 1);
        assert_eq!(rules.hitscan_range, 0.0);
        assert_eq!(rules.hitscan_cooldown_ticks, 1);
    }

    #[test]
    fn config_reads_from_toml_with_defaults() {
        let config: GameConfig = toml::from_str("max_hp = 50").unwrap();
        assert_eq!(config.tick_hz, 30);
        assert_eq!(config.max_hp, 50);
        assert_eq!(config.respawn_delay_secs, 2.0);
        // The tick rate is the server's, not the game's.
        assert!(toml::from_str::<GameConfig>("tick_hz = 60").is_err());
        let settings: ArenaSettings =
            toml::from_str("map = \"x.toml\"\n[rules]\nmax_hp = 7").unwrap();
        assert_eq!(settings.rules.max_hp, 7);
        assert!(toml::from_str::<ArenaSettings>("mapp = 1").is_err());
    }
}
