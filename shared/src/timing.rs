//! Time as the client sees it. A client draws other players
//! [`INTERPOLATION_DELAY_MS`] in the past (see `docs/NETCODE.md`), so when it
//! fires the instant-hit weapon it aims at where they were then. The server
//! checks such a shot against the world at [`view_tick`]: the newest tick the
//! client had received, minus that delay, but never further back than
//! [`MAX_REWIND_MS`], so a client cannot claim an arbitrarily old view.

/// How far in the past clients draw other entities, and the server assumes
/// they do. Default: 100 ms, two snapshot intervals at 30 Hz plus jitter
/// margin.
pub const INTERPOLATION_DELAY_MS: u32 = 100;

/// The furthest back the server rewinds for a shot. Default: 300 ms: the
/// interpolation delay plus 200 ms of round trip. A shooter on a worse link
/// has to lead targets a little; a target is never hit more than 300 ms
/// after it left the line of fire.
pub const MAX_REWIND_MS: u32 = 300;

/// Whole ticks in `ms` milliseconds at `tick_hz`, rounded to nearest.
pub fn ms_to_ticks(ms: u32, tick_hz: u16) -> u32 {
    (ms * u32::from(tick_hz) + 500) / 1000
}

/// The tick whose world a shot fired at `now` is checked against: the
/// shooter's acknowledged tick minus the interpolation delay, clamped to
/// `[now - max rewind, now]`. An `ack_tick` of 0 (nothing received yet) or
/// one from the future is treated as `now`.
pub fn view_tick(now: u32, ack_tick: u32, tick_hz: u16) -> u32 {
    let ack = if ack_tick == 0 || ack_tick > now {
        now
    } else {
        ack_tick
    };
    let wanted = ack.saturating_sub(ms_to_ticks(INTERPOLATION_DELAY_MS, tick_hz));
    let oldest = now.saturating_sub(ms_to_ticks(MAX_REWIND_MS, tick_hz));
    wanted.max(oldest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_is_ack_minus_the_delay_within_the_rewind_cap() {
        // 30 Hz: 100 ms = 3 ticks, 300 ms = 9 ticks.
        assert_eq!(view_tick(100, 98, 30), 95);
        assert_eq!(view_tick(100, 100, 30), 97);
        assert_eq!(view_tick(100, 80, 30), 91, "capped at 9 ticks back");
        assert_eq!(view_tick(100, 0, 30), 97);
        assert_eq!(view_tick(100, 5000, 30), 97, "a future ack is now");
        assert_eq!(view_tick(2, 1, 30), 0);
    }
}
