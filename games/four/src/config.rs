//! Four's settings: [`FourConfig`] as an operator writes it (in seconds,
//! in the game's own table of the config file), and the one conversion the
//! game makes from it at creation, seconds to whole ticks at the lobby's
//! tick rate.

use serde::{Deserialize, Serialize};

/// The turn timer when the config names none: 30 s, long enough to think
/// about a move, short enough that a player who walked away does not hold
/// the opponent for long.
pub const DEFAULT_TURN_SECS: f32 = 30.0;

/// The rules of a Four lobby. Odd values (zero, negative, not finite) are
/// tolerated and never make the game panic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FourConfig {
    /// How long the player to move has before forfeiting the game.
    /// Default: [`DEFAULT_TURN_SECS`] (30 s). Converted once, when a lobby
    /// is created, to whole ticks at its tick rate (rounded, at least one
    /// tick); anything not a positive number becomes one tick, and a huge
    /// value becomes `u32::MAX` ticks, in effect no timer.
    pub turn_secs: f32,
}

impl Default for FourConfig {
    fn default() -> Self {
        FourConfig {
            turn_secs: DEFAULT_TURN_SECS,
        }
    }
}

impl FourConfig {
    /// The turn timer in ticks at `tick_hz` (a rate of 0 counts as 1).
    pub fn turn_ticks(&self, tick_hz: u16) -> u32 {
        // In f64 so 30 s at any u16 rate is exact; `as` saturates and turns
        // NaN into 0, so no value can panic or wrap.
        let ticks = (f64::from(self.turn_secs) * f64::from(tick_hz.max(1))).round() as u32;
        ticks.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(turn_secs: f32) -> FourConfig {
        FourConfig { turn_secs }
    }

    #[test]
    fn seconds_become_rounded_ticks_of_at_least_one() {
        assert_eq!(FourConfig::default().turn_ticks(30), 900);
        assert_eq!(secs(0.25).turn_ticks(30), 8, "7.5 rounds half away from 0");
        assert_eq!(secs(0.01).turn_ticks(30), 1);
        assert_eq!(secs(2.0).turn_ticks(0), 2, "a rate of 0 counts as 1 Hz");
        assert_eq!(secs(0.0).turn_ticks(30), 1);
        assert_eq!(secs(-5.0).turn_ticks(30), 1);
        assert_eq!(secs(f32::NAN).turn_ticks(30), 1);
        assert_eq!(secs(f32::INFINITY).turn_ticks(30), u32::MAX);
    }

    #[test]
    fn config_reads_from_toml_with_defaults_and_refuses_unknown_keys() {
        let config: FourConfig = toml::from_str("").unwrap();
        assert_eq!(config, FourConfig::default());
        let config: FourConfig = toml::from_str("turn_secs = 10").unwrap();
        assert_eq!(config.turn_secs, 10.0);
        assert!(toml::from_str::<FourConfig>("turn_sec = 10").is_err());
    }
}
