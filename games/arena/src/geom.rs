//! Swept collision for projectiles: where along one tick's straight-line
//! move a point first meets a rectangle or a circle. Every function takes
//! the move as `start + t * delta` and answers with the earliest `t` in
//! `[0, 1]`, or `None` when nothing is met, so callers can compare hits
//! against each other and let the earliest win. Touching counts as meeting.

use glam::Vec2;
use rallypoint_shared::Rect;

/// The earliest `t` at which the moving point is inside `rect`; `Some(0.0)`
/// if it starts inside.
pub(crate) fn segment_enters_rect(start: Vec2, delta: Vec2, rect: &Rect) -> Option<f32> {
    // Most rectangles are nowhere near: rule them out with compares alone,
    // before the divisions below.
    let end = start + delta;
    if start.min(end).cmpgt(rect.max).any() || start.max(end).cmplt(rect.min).any() {
        return None;
    }
    // Slab method: intersect the parameter ranges in which each axis is
    // inside its slab.
    let mut t_in = 0.0_f32;
    let mut t_out = 1.0_f32;
    for axis in 0..2 {
        let (p, d) = (start[axis], delta[axis]);
        let (lo, hi) = (rect.min[axis], rect.max[axis]);
        if d == 0.0 {
            // Parallel to the slab: inside it for the whole move, or never.
            if p < lo || p > hi {
                return None;
            }
            continue;
        }
        let (a, b) = ((lo - p) / d, (hi - p) / d);
        t_in = t_in.max(a.min(b));
        t_out = t_out.min(a.max(b));
        if t_in > t_out {
            return None;
        }
    }
    Some(t_in)
}

/// The `t` at which the moving point leaves `rect`, or `None` if it ends
/// the move inside. `Some(0.0)` if it starts outside.
pub(crate) fn segment_leaves_rect(start: Vec2, delta: Vec2, rect: &Rect) -> Option<f32> {
    let end = start + delta;
    if end.cmpge(rect.min).all() && end.cmple(rect.max).all() {
        return None;
    }
    let mut t_exit = 1.0_f32;
    for axis in 0..2 {
        let (p, d) = (start[axis], delta[axis]);
        let edge = if d > 0.0 {
            rect.max[axis]
        } else if d < 0.0 {
            rect.min[axis]
        } else {
            continue;
        };
        t_exit = t_exit.min((edge - p) / d);
    }
    Some(t_exit.clamp(0.0, 1.0))
}

/// The earliest `t` at which the moving point is within `radius` of
/// `centre`; `Some(0.0)` if it starts within.
pub(crate) fn segment_hits_circle(
    start: Vec2,
    delta: Vec2,
    centre: Vec2,
    radius: f32,
) -> Option<f32> {
    let m = start - centre;
    let c = m.length_squared() - radius * radius;
    if c <= 0.0 {
        return Some(0.0);
    }
    let b = m.dot(delta);
    if b >= 0.0 {
        // Standing still or moving away from the centre.
        return None;
    }
    let a = delta.length_squared();
    let disc = b * b - a * c;
    if disc < 0.0 {
        return None;
    }
    let t = (-b - disc.sqrt()) / a;
    (t <= 1.0).then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rect(min: [f32; 2], max: [f32; 2]) -> Rect {
        Rect {
            min: Vec2::from(min),
            max: Vec2::from(max),
        }
    }

    #[test]
    fn enters_rect_at_its_near_face() {
        let r = rect([10.0, -5.0], [20.0, 5.0]);
        assert_eq!(
            segment_enters_rect(Vec2::ZERO, Vec2::new(40.0, 0.0), &r),
            Some(0.25)
        );
        // Passes above it, stops short of it, or starts inside it.
        assert_eq!(
            segment_enters_rect(Vec2::new(0.0, 6.0), Vec2::new(40.0, 0.0), &r),
            None
        );
        assert_eq!(
            segment_enters_rect(Vec2::ZERO, Vec2::new(9.0, 0.0), &r),
            None
        );
        assert_eq!(
            segment_enters_rect(Vec2::new(15.0, 0.0), Vec2::X, &r),
            Some(0.0)
        );
    }

    #[test]
    fn enters_rect_diagonally_through_a_corner() {
        let r = rect([10.0, 10.0], [20.0, 20.0]);
        let t = segment_enters_rect(Vec2::ZERO, Vec2::splat(40.0), &r).unwrap();
        assert_eq!(t, 0.25);
        // A diagonal that misses the corner.
        assert_eq!(
            segment_enters_rect(Vec2::new(0.0, 25.0), Vec2::new(40.0, 40.0), &r),
            None
        );
    }

    #[test]
    fn leaves_rect_only_when_it_ends_outside() {
        let r = rect([0.0, 0.0], [100.0, 100.0]);
        let start = Vec2::new(90.0, 50.0);
        assert_eq!(segment_leaves_rect(start, Vec2::new(5.0, 0.0), &r), None);
        assert_eq!(
            segment_leaves_rect(start, Vec2::new(20.0, 0.0), &r),
            Some(0.5)
        );
        assert_eq!(
            segment_leaves_rect(Vec2::new(-1.0, 50.0), Vec2::new(-1.0, 0.0), &r),
            Some(0.0)
        );
    }

    #[test]
    fn hits_circle_at_first_contact() {
        let t = segment_hits_circle(
            Vec2::ZERO,
            Vec2::new(100.0, 0.0),
            Vec2::new(50.0, 0.0),
            10.0,
        );
        assert_eq!(t, Some(0.4));
        // Grazing past, moving away, too short, starting inside.
        let centre = Vec2::new(50.0, 11.0);
        assert_eq!(
            segment_hits_circle(Vec2::ZERO, Vec2::new(100.0, 0.0), centre, 10.0),
            None
        );
        assert_eq!(
            segment_hits_circle(
                Vec2::ZERO,
                Vec2::new(-100.0, 0.0),
                Vec2::new(50.0, 0.0),
                10.0
            ),
            None
        );
        assert_eq!(
            segment_hits_circle(Vec2::ZERO, Vec2::new(30.0, 0.0), Vec2::new(50.0, 0.0), 10.0),
            None
        );
        assert_eq!(
            segment_hits_circle(Vec2::new(45.0, 0.0), Vec2::X, Vec2::new(50.0, 0.0), 10.0),
            Some(0.0)
        );
    }
}
