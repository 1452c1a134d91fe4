// The wire's fixed point (1/1024 unit) as arena reads and predicts it: the
// engine's rule (assets/web/js/views.js, shared/src/snapshot.rs), repeated
// here because a game's folder imports nothing from the engine's. The
// golden vectors hold both to Rust's bits.

/** Fixed-point steps per world unit, for positions and velocities. */
export const FIXED_SCALE = 1024;

/**
 * World units for a fixed-point `{x, y}`, as f32, like Rust's `from_fixed`.
 * @param {{x: number, y: number}} v
 * @returns {{x: number, y: number}}
 */
export function fromFixed(v) {
  return { x: Math.fround(v.x) / FIXED_SCALE, y: Math.fround(v.y) / FIXED_SCALE };
}

/** One f32 coordinate to fixed point: rounded half away from zero,
 *  saturated to i32, NaN to 0, as Rust's `(v * 1024.0).round() as i32`. */
function toFixedAxis(v) {
  const scaled = Math.fround(v * FIXED_SCALE);
  if (Number.isNaN(scaled)) return 0;
  const rounded = Math.sign(scaled) * Math.round(Math.abs(scaled));
  return Math.min(Math.max(rounded, -2147483648), 2147483647) | 0;
}

/**
 * Fixed point for world units `{x, y}` (f32), like Rust's `to_fixed`.
 * @param {{x: number, y: number}} v
 * @returns {{x: number, y: number}}
 */
export function toFixed(v) {
  return { x: toFixedAxis(v.x), y: toFixedAxis(v.y) };
}
