//! The movement rules a client predicts. The server's simulation calls these
//! very functions, so a client that applies its own inputs with them, from the
//! last authoritative position, lands exactly where the server will put it.
//! All arithmetic is `f32` in a fixed order, so results are bit-identical on
//! every IEEE-754 platform (a JS client uses `Math.fround` at each step).

use glam::Vec2;

use rallypoint_shared::Rect;
use rallypoint_shared::snapshot::{from_fixed, to_fixed};

use crate::protocol::{InputFrame, MapInfo};

/// A player's collision radius, in world units.
pub const PLAYER_RADIUS: f32 = 16.0;

/// A player's top speed, in world units per second.
pub const PLAYER_SPEED: f32 = 220.0;

/// Longest distance moved before collisions are resolved again. Half the
/// radius, so no single sub-step can tunnel through a wall that is at least
/// one radius thick, whatever the tick rate.
const MAX_SUBSTEP: f32 = PLAYER_RADIUS * 0.5;

/// The fixed simulation step, in seconds, at a tick rate.
pub fn tick_dt(tick_hz: u16) -> f32 {
    1.0 / f32::from(tick_hz.max(1))
}

/// Why an input was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("movement vector is not finite")]
    NonFiniteMovement,
    #[error("aim vector is not finite")]
    NonFiniteAim,
}

/// Checks an input and brings it into range: a non-finite vector is refused,
/// a movement longer than 1 is scaled down to length 1, and the aim becomes
/// a unit vector (or zero when it has no direction).
pub fn sanitize_input(input: InputFrame) -> Result<InputFrame, InputError> {
    if !input.movement.is_finite() {
        return Err(InputError::NonFiniteMovement);
    }
    if !input.aim.is_finite() {
        return Err(InputError::NonFiniteAim);
    }
    Ok(InputFrame {
        movement: input.movement.clamp_length_max(1.0),
        aim: input.aim.normalize_or_zero(),
        ..input
    })
}

/// A position on the fixed-point grid of the wire format (1/1024 unit; see
/// `snapshot::FIXED_SCALE`). Every movement step ends with it, so a player's
/// authoritative position is always exactly what a snapshot can carry, and
/// a client that predicts from it lands on the server's bits.
pub fn snap(pos: Vec2) -> Vec2 {
    from_fixed(to_fixed(pos))
}

/// Moves a player from `pos` by one input over `dt` seconds, stopping at
/// walls and the map bounds, and snaps the result to the wire's grid.
/// `movement` must already be sanitised.
pub fn step_player(pos: Vec2, movement: Vec2, dt: f32, map: &MapInfo) -> Vec2 {
    let delta = movement * (PLAYER_SPEED * dt);
    let steps = (delta.length() / MAX_SUBSTEP).ceil().max(1.0) as u32;
    let part = delta / steps as f32;
    let mut p = pos;
    for _ in 0..steps {
        p = resolve_collisions(p + part, PLAYER_RADIUS, map);
    }
    snap(p)
}

/// Pushes a circle out of every wall, in map order, then keeps it inside the
/// bounds.
pub fn resolve_collisions(pos: Vec2, radius: f32, map: &MapInfo) -> Vec2 {
    let mut p = pos;
    for wall in &map.walls {
        p = push_out_of_rect(p, radius, wall);
    }
    clamp_to_bounds(p, radius, &map.bounds)
}

/// Keeps a circle's centre at least `radius` inside `bounds`.
pub fn clamp_to_bounds(pos: Vec2, radius: f32, bounds: &Rect) -> Vec2 {
    let lo = bounds.min + Vec2::splat(radius);
    let hi = (bounds.max - Vec2::splat(radius)).max(lo);
    pos.clamp(lo, hi)
}

/// Whether a circle overlaps a rectangle.
pub fn circle_overlaps_rect(pos: Vec2, radius: f32, rect: &Rect) -> bool {
    let closest = pos.clamp(rect.min, rect.max);
    pos.distance_squared(closest) < radius * radius
}

/// Moves a circle the shortest way out of a rectangle it overlaps.
pub fn push_out_of_rect(pos: Vec2, radius: f32, rect: &Rect) -> Vec2 {
    let closest = pos.clamp(rect.min, rect.max);
    let offset = pos - closest;
    let dist_sq = offset.length_squared();
    if dist_sq >= radius * radius {
        return pos;
    }
    if dist_sq > 0.0 {
        return closest + offset * (radius / dist_sq.sqrt());
    }
    // The centre is inside the rectangle: leave by the nearest edge.
    let to_left = pos.x - rect.min.x;
    let to_right = rect.max.x - pos.x;
    let to_bottom = pos.y - rect.min.y;
    let to_top = rect.max.y - pos.y;
    let nearest = to_left.min(to_right).min(to_bottom).min(to_top);
    if nearest == to_left {
        Vec2::new(rect.min.x - radius, pos.y)
    } else if nearest == to_right {
        Vec2::new(rect.max.x + radius, pos.y)
    } else if nearest == to_bottom {
        Vec2::new(pos.x, rect.min.y - radius)
    } else {
        Vec2::new(pos.x, rect.max.y + radius)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open_map() -> MapInfo {
        MapInfo {
            name: "test".into(),
            bounds: Rect {
                min: Vec2::ZERO,
                max: Vec2::new(1000.0, 1000.0),
            },
            walls: vec![Rect {
                min: Vec2::new(500.0, 0.0),
                max: Vec2::new(540.0, 1000.0),
            }],
        }
    }

    fn input(movement: Vec2, aim: Vec2) -> InputFrame {
        InputFrame {
            seq: 1,
            movement,
            aim,
            fire: false,
            hitscan: false,
            ack_tick: 0,
        }
    }

    #[test]
    fn moves_at_player_speed() {
        let map = open_map();
        let p = step_player(Vec2::new(100.0, 100.0), Vec2::X, 0.5, &map);
        // Sub-steps accumulate in f32, so allow a rounding error, not a drift.
        assert!((p.x - (100.0 + PLAYER_SPEED * 0.5)).abs() < 1e-3, "{p}");
        assert_eq!(p.y, 100.0);
    }

    #[test]
    fn steps_end_on_the_wire_grid() {
        let map = open_map();
        let mut p = Vec2::new(100.3, 200.7);
        for _ in 0..50 {
            p = step_player(p, Vec2::new(0.6, 0.8), 1.0 / 30.0, &map);
            assert_eq!(snap(p), p);
            assert_eq!(from_fixed(to_fixed(p)), p);
        }
    }

    #[test]
    fn wall_stops_player_even_at_one_hz() {
        let map = open_map();
        // One second of movement would carry the centre to x=700, through the wall.
        let p = step_player(Vec2::new(480.0 - PLAYER_RADIUS, 300.0), Vec2::X, 1.0, &map);
        assert!(p.x <= 500.0 - PLAYER_RADIUS + 1e-3, "tunnelled to {p}");
    }

    #[test]
    fn bounds_keep_player_inside() {
        let map = open_map();
        let p = step_player(Vec2::new(20.0, 20.0), Vec2::new(-1.0, -1.0), 1.0, &map);
        assert_eq!(p, Vec2::splat(PLAYER_RADIUS));
    }

    #[test]
    fn centre_inside_wall_leaves_by_nearest_edge() {
        let rect = Rect {
            min: Vec2::new(0.0, 0.0),
            max: Vec2::new(10.0, 100.0),
        };
        assert_eq!(
            push_out_of_rect(Vec2::new(8.0, 50.0), 4.0, &rect),
            Vec2::new(14.0, 50.0)
        );
    }

    #[test]
    fn sanitize_clamps_and_rejects() {
        let ok = sanitize_input(input(Vec2::new(30.0, 40.0), Vec2::new(0.0, 5.0))).unwrap();
        assert!((ok.movement.length() - 1.0).abs() < 1e-6);
        assert_eq!(ok.aim, Vec2::Y);
        assert_eq!(
            sanitize_input(input(Vec2::new(f32::NAN, 0.0), Vec2::ZERO)),
            Err(InputError::NonFiniteMovement)
        );
        assert_eq!(
            sanitize_input(input(Vec2::ZERO, Vec2::new(f32::INFINITY, 0.0))),
            Err(InputError::NonFiniteAim)
        );
    }
}
