// The movement rules the client predicts its own player with: a port of
// games/arena/src/movement.rs, bit for bit. Rust computes in f32; here every
// operation is a double rounded back to f32 with Math.fround, in the order
// Rust (and glam) performs them. For +, -, *, / and sqrt that double
// rounding gives exactly the f32 result, so the server's position and the
// prediction agree to the bit. Comparisons copy glam's (`a > b ? a : b`),
// not Math.max, where NaN and -0 would differ. Inputs are assumed to be
// f32 already (decoded map, fromFixed positions, sanitizeInput's output).
// Checked against Rust by tests/web/ (golden.json).

import { fromFixed, toFixed } from './fixed.js';

const f = Math.fround;

/** A player's collision radius, in world units. */
export const PLAYER_RADIUS = 16;

/** A player's top speed, in world units per second. */
export const PLAYER_SPEED = 220;

/** Longest distance moved before collisions are resolved again. */
const MAX_SUBSTEP = PLAYER_RADIUS * 0.5;

/**
 * The fixed simulation step, in seconds (f32), at a tick rate.
 * @param {number} tickHz `Welcome.tick_hz`; 0 counts as 1
 * @returns {number}
 */
export function tickDt(tickHz) {
  return f(1 / Math.max(tickHz, 1));
}

/** An input the server would refuse: `kind` is 'NonFiniteMovement' or
 *  'NonFiniteAim'. */
export class InputError extends Error {
  constructor(kind, message) {
    super(message);
    this.name = 'InputError';
    this.kind = kind;
  }
}

const isFiniteVec = (v) => Number.isFinite(v.x) && Number.isFinite(v.y);

/** x·x + y·y in f32, as glam's `dot`. */
const lengthSquared = (x, y) => f(f(x * x) + f(y * y));

/** glam's `clamp_length_max(1.0)`. */
function clampLength1(x, y) {
  const lenSq = lengthSquared(x, y);
  if (!(lenSq > 1)) return { x, y };
  const len = f(Math.sqrt(lenSq));
  return { x: f(x / len), y: f(y / len) };
}

/** glam's `normalize_or_zero`. */
function normalizeOrZero(x, y) {
  const rcp = f(1 / f(Math.sqrt(lengthSquared(x, y))));
  if (Number.isFinite(rcp) && rcp > 0) return { x: f(x * rcp), y: f(y * rcp) };
  return { x: 0, y: 0 };
}

/**
 * Brings an input into range as the server does: movement longer than 1
 * is scaled to length 1, aim becomes a unit vector (or zero). Components
 * are first rounded to f32, as the wire rounds them.
 * @param {{movement: {x, y}, aim: {x, y}}} input an Input message's fields
 * @returns {object} a copy of `input` with `movement` and `aim` replaced
 * @throws {InputError} on a non-finite vector (the server refuses it)
 */
export function sanitizeInput(input) {
  const m = { x: f(input.movement.x), y: f(input.movement.y) };
  const a = { x: f(input.aim.x), y: f(input.aim.y) };
  if (!isFiniteVec(m)) throw new InputError('NonFiniteMovement', 'movement vector is not finite');
  if (!isFiniteVec(a)) throw new InputError('NonFiniteAim', 'aim vector is not finite');
  return { ...input, movement: clampLength1(m.x, m.y), aim: normalizeOrZero(a.x, a.y) };
}

/**
 * A position on the wire's fixed-point grid (1/1024 unit), as Rust's
 * `from_fixed(to_fixed(pos))`: halves round away from zero, -0 becomes 0.
 * @param {{x: number, y: number}} pos
 * @returns {{x: number, y: number}}
 */
export function snap(pos) {
  return fromFixed(toFixed(pos));
}

// glam's component-wise max and min: the right-hand side unless the left
// is strictly greater (smaller).
const gmax = (a, b) => (a > b ? a : b);
const gmin = (a, b) => (a < b ? a : b);
const clamp = (v, lo, hi) => gmin(gmax(v, lo), hi);

/**
 * Keeps a circle's centre at least `radius` inside `bounds` (Rust's
 * `clamp_to_bounds`).
 * @param {{x: number, y: number}} pos
 * @param {number} radius
 * @param {{min: {x, y}, max: {x, y}}} bounds
 * @returns {{x: number, y: number}}
 */
export function clampToBounds(pos, radius, bounds) {
  const loX = f(bounds.min.x + radius);
  const loY = f(bounds.min.y + radius);
  const hiX = gmax(f(bounds.max.x - radius), loX);
  const hiY = gmax(f(bounds.max.y - radius), loY);
  return { x: clamp(pos.x, loX, hiX), y: clamp(pos.y, loY, hiY) };
}

/**
 * Moves a circle the shortest way out of a rectangle it overlaps (Rust's
 * `push_out_of_rect`); one that does not overlap is returned as it is.
 * @param {{x: number, y: number}} pos
 * @param {number} radius
 * @param {{min: {x, y}, max: {x, y}}} rect
 * @returns {{x: number, y: number}}
 */
export function pushOutOfRect(pos, radius, rect) {
  const cx = clamp(pos.x, rect.min.x, rect.max.x);
  const cy = clamp(pos.y, rect.min.y, rect.max.y);
  const ox = f(pos.x - cx);
  const oy = f(pos.y - cy);
  const distSq = lengthSquared(ox, oy);
  if (distSq >= f(radius * radius)) return pos;
  if (distSq > 0) {
    const k = f(radius / f(Math.sqrt(distSq)));
    return { x: f(cx + f(ox * k)), y: f(cy + f(oy * k)) };
  }
  // The centre is inside the rectangle: leave by the nearest edge.
  const toLeft = f(pos.x - rect.min.x);
  const toRight = f(rect.max.x - pos.x);
  const toBottom = f(pos.y - rect.min.y);
  const toTop = f(rect.max.y - pos.y);
  const nearest = Math.min(toLeft, toRight, toBottom, toTop);
  if (nearest === toLeft) return { x: f(rect.min.x - radius), y: pos.y };
  if (nearest === toRight) return { x: f(rect.max.x + radius), y: pos.y };
  if (nearest === toBottom) return { x: pos.x, y: f(rect.min.y - radius) };
  return { x: pos.x, y: f(rect.max.y + radius) };
}

/**
 * Pushes a circle out of every wall, in map order, then keeps it inside the
 * bounds (Rust's `resolve_collisions`).
 * @param {{x: number, y: number}} pos
 * @param {number} radius
 * @param {{bounds: object, walls: object[]}} map the join info (MapInfo)
 * @returns {{x: number, y: number}}
 */
export function resolveCollisions(pos, radius, map) {
  let p = pos;
  for (const wall of map.walls) p = pushOutOfRect(p, radius, wall);
  return clampToBounds(p, radius, map.bounds);
}

/**
 * Moves a player one input's worth: `movement * PLAYER_SPEED * dt` in
 * sub-steps of at most half a radius, pushing out of walls and keeping
 * inside the bounds after each, then snapping to the wire's grid. The
 * server runs the same steps, so from the same bits this lands on the
 * server's bits.
 * @param {{x: number, y: number}} pos f32 world units, e.g. fromFixed(view.me)
 * @param {{x: number, y: number}} movement already sanitised (sanitizeInput)
 * @param {number} dt tickDt(tick_hz)
 * @param {{bounds: object, walls: object[]}} map the join info (MapInfo)
 * @returns {{x: number, y: number}}
 */
export function stepPlayer(pos, movement, dt, map) {
  const speed = f(PLAYER_SPEED * f(dt));
  const dx = f(f(movement.x) * speed);
  const dy = f(f(movement.y) * speed);
  const length = f(Math.sqrt(lengthSquared(dx, dy)));
  // Rust: `(length / 8).ceil().max(1.0) as u32`; max(NaN, 1) is 1 there.
  const substeps = f(length / MAX_SUBSTEP);
  const steps = Math.min(Math.ceil(substeps) >= 1 ? Math.ceil(substeps) : 1, 0xffffffff);
  const n = f(steps);
  const partX = f(dx / n);
  const partY = f(dy / n);
  let p = { x: f(pos.x), y: f(pos.y) };
  for (let i = 0; i < steps; i++) {
    p = resolveCollisions({ x: f(p.x + partX), y: f(p.y + partY) }, PLAYER_RADIUS, map);
  }
  return snap(p);
}
