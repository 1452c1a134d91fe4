//! Arena's payloads inside the engine's envelope (spelled byte by byte in
//! `games/arena/PROTOCOL.md`): the per-tick [`InputFrame`], the [`MapInfo`]
//! a member gets on joining, the [`ArenaEvent`]s the game sends, and the
//! one-byte aim of its replicated players. The world's own reports
//! ([`PlayerState`], [`ProjectileState`]) are here too; they are not sent.

use glam::Vec2;
use rallypoint_shared::{EntityId, Rect};
use serde::{Deserialize, Serialize};

/// The geometry a client needs to draw the arena and predict movement.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct MapInfo {
    pub name: String,
    /// The playable area; players are kept inside it.
    pub bounds: Rect,
    /// Solid rectangles that stop players and projectiles.
    pub walls: Vec<Rect>,
}

/// One tick's worth of a player's intent. The server applies each input
/// exactly once, as one fixed step of movement, in `seq` order. On the
/// wire it is the payload of the envelope's `Input`: `movement`, `aim`,
/// `fire` and `hitscan` (18 bytes); `seq` and `ack_tick` are the
/// envelope's, stamped on by the engine (`Game::input`).
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Default)]
pub struct InputFrame {
    /// The envelope's sequence number.
    #[serde(skip)]
    pub seq: u32,
    /// Desired direction; its length is clamped to 1 (see `movement`).
    pub movement: Vec2,
    /// Where the player aims, as a direction; normalised by the server.
    pub aim: Vec2,
    /// Whether the player wants to fire a projectile this tick.
    pub fire: bool,
    /// Whether the player wants to fire the instant-hit weapon this tick.
    /// The server checks the shot against the world as this client saw it
    /// (see `timing::view_tick`).
    pub hitscan: bool,
    /// The envelope's acknowledged tick: the view a hitscan shot is
    /// checked against.
    #[serde(skip)]
    pub ack_tick: u32,
}

/// A player's authoritative state, as the world reports it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlayerState {
    pub id: EntityId,
    pub pos: Vec2,
    pub aim: Vec2,
    pub hp: u8,
    /// False while dead and waiting to respawn.
    pub alive: bool,
    pub kills: u32,
    pub deaths: u32,
}

/// A projectile in flight, as the world reports it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProjectileState {
    pub id: EntityId,
    pub owner: EntityId,
    pub pos: Vec2,
    pub vel: Vec2,
}

/// What arena tells its clients as reliable events. Only kills are sent
/// (to everyone, for the kill feed): shots, hits and respawns already show
/// in the replicated state, and sending them would cost bytes every tick.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArenaEvent {
    /// The player in slot `victim` died; `killer` is the slot of the
    /// projectile's or shot's owner (who may have left since).
    Killed { killer: u32, victim: u32 },
}

/// An aim direction as one byte: the angle in 256ths of a turn, counter-
/// clockwise from +x (1.4 degrees a step). No direction (zero) reads as 0.
pub fn aim_to_byte(aim: Vec2) -> u8 {
    if aim == Vec2::ZERO || !aim.is_finite() {
        return 0;
    }
    let turns = aim.y.atan2(aim.x) / std::f32::consts::TAU;
    (turns * 256.0).round().rem_euclid(256.0) as u8
}

/// The unit vector for an aim byte.
pub fn byte_to_aim(aim: u8) -> Vec2 {
    Vec2::from_angle(f32::from(aim) / 256.0 * std::f32::consts::TAU)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aim_round_trips_through_its_byte() {
        for b in 0..=255u8 {
            assert_eq!(aim_to_byte(byte_to_aim(b)), b);
        }
        assert_eq!(aim_to_byte(Vec2::ZERO), 0);
        assert_eq!(aim_to_byte(Vec2::Y), 64);
        assert_eq!(aim_to_byte(-Vec2::Y), 192);
    }

    #[test]
    fn an_input_payload_is_its_four_fields() {
        let input = InputFrame {
            seq: 7,
            movement: Vec2::new(-1.0, 0.5),
            aim: Vec2::new(0.6, 0.8),
            fire: true,
            hitscan: false,
            ack_tick: 9,
        };
        let bytes = rallypoint_shared::encode_payload(&input).unwrap().0;
        assert_eq!(bytes.len(), 18);
        let back: InputFrame = rallypoint_shared::decode_payload(&bytes).unwrap();
        assert_eq!(
            back,
            InputFrame {
                seq: 0,
                ack_tick: 0,
                ..input
            }
        );
    }
}
