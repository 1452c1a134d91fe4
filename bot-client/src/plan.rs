//! Pure scheduling decisions, kept apart from any socket so they are tested
//! exactly: when each bot connects (the ramp) and how it gets into a lobby
//! (create, follow its group's creator, a fixed code, or quick-join).

use std::time::Duration;

use crate::options::LobbyMode;

/// How one bot gets into a lobby.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LobbyRole {
    /// First bot of its group: creates a private lobby for `max_players`
    /// and publishes the join code to the group.
    Create { group: u32, max_players: u8 },
    /// Waits for its group creator's code, then joins by code.
    Follow { group: u32 },
    /// Joins the run's fixed join code.
    Code,
    /// Sends `QuickJoin`.
    Quick,
}

/// The role of bot `bot` (0-based) under `mode`. In groups of `K`, bots
/// `g*K .. g*K+K` form group `g` and the first of them creates; the last
/// group may be smaller than `K` but still creates a lobby for `K`.
pub fn lobby_role(bot: u32, mode: &LobbyMode) -> LobbyRole {
    match *mode {
        LobbyMode::Groups { size } => {
            let size = u32::from(size.max(1));
            let group = bot / size;
            if bot.is_multiple_of(size) {
                LobbyRole::Create {
                    group,
                    max_players: size as u8,
                }
            } else {
                LobbyRole::Follow { group }
            }
        }
        LobbyMode::QuickJoin => LobbyRole::Quick,
        LobbyMode::Code(_) => LobbyRole::Code,
    }
}

/// How many creator groups `bots` bots form under `mode` (0 unless groups).
pub fn group_count(bots: u32, mode: &LobbyMode) -> u32 {
    match *mode {
        LobbyMode::Groups { size } => bots.div_ceil(u32::from(size.max(1))),
        LobbyMode::QuickJoin | LobbyMode::Code(_) => 0,
    }
}

/// When bot `bot` of `bots` connects, relative to the run's start: spread
/// evenly over `ramp`, the first at 0 and none at or after `ramp` itself
/// (unless the ramp is zero, when all start at once).
pub fn connect_offset(bot: u32, bots: u32, ramp: Duration) -> Duration {
    if bots == 0 {
        return Duration::ZERO;
    }
    let nanos = ramp.as_nanos() * u128::from(bot) / u128::from(bots);
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_of_k_have_one_creator_each() {
        let mode = LobbyMode::Groups { size: 4 };
        let roles: Vec<_> = (0..10).map(|b| lobby_role(b, &mode)).collect();
        let create = |group| LobbyRole::Create {
            group,
            max_players: 4,
        };
        let follow = |group| LobbyRole::Follow { group };
        assert_eq!(
            roles,
            vec![
                create(0),
                follow(0),
                follow(0),
                follow(0),
                create(1),
                follow(1),
                follow(1),
                follow(1),
                create(2),
                follow(2),
            ]
        );
        assert_eq!(group_count(10, &mode), 3);
        assert_eq!(group_count(8, &mode), 2);
    }

    #[test]
    fn lobby_of_one_is_all_creators() {
        let mode = LobbyMode::Groups { size: 1 };
        for b in 0..5 {
            assert_eq!(
                lobby_role(b, &mode),
                LobbyRole::Create {
                    group: b,
                    max_players: 1
                }
            );
        }
        assert_eq!(group_count(5, &mode), 5);
    }

    #[test]
    fn quick_and_code_modes_have_no_groups() {
        assert_eq!(lobby_role(3, &LobbyMode::QuickJoin), LobbyRole::Quick);
        let code = LobbyMode::Code("ABCD".into());
        assert_eq!(lobby_role(0, &code), LobbyRole::Code);
        assert_eq!(group_count(10, &code), 0);
        assert_eq!(group_count(10, &LobbyMode::QuickJoin), 0);
    }

    #[test]
    fn ramp_spreads_connects_evenly_inside_the_window() {
        let ramp = Duration::from_millis(100);
        let offsets: Vec<_> = (0..4).map(|b| connect_offset(b, 4, ramp)).collect();
        assert_eq!(offsets, [0, 25, 50, 75].map(Duration::from_millis).to_vec());
        assert_eq!(connect_offset(0, 1, ramp), Duration::ZERO);
        assert_eq!(connect_offset(9, 10, Duration::ZERO), Duration::ZERO);
        // Huge values do not overflow.
        let day = Duration::from_secs(86_400);
        assert!(connect_offset(99_999, 100_000, day) < day);
    }
}
