// The client side of delta snapshots: a port of shared/src/snapshot.rs
// (WorldView::apply, to_full, fixed point, aim bytes, Track::after) and
// shared/src/baselines.rs (Baselines), with the same rules. Fixed-point
// values stay integers and wrap like Rust's i32 (`| 0`, Math.imul); ticks
// and sequence numbers wrap like u32 (`>>> 0`).
//
// A view is `{tick, last_input_seq, me: {x, y}, players, projectiles,
// scores}`; the last three are Maps keyed by entity index. Views are never
// changed once built: applying a snapshot makes a new one, so a view can be
// kept as a baseline and read by the renderer at the same time.
// Checked against Rust by tests/web/ (golden.json).

/** Fixed-point steps per world unit, for positions and velocities. */
export const FIXED_SCALE = 1024;

/** Ticks of views kept: the oldest baseline the server deltas against. */
export const BASELINE_WINDOW = 32;

/** How far (fixed-point steps per axis) an unlisted entity may drift. */
export const POSITION_TOLERANCE = 256;

/** f32 2π, as Rust's std::f32::consts::TAU. */
const TAU = Math.fround(2 * Math.PI);

/**
 * A snapshot that cannot be applied; nothing was changed. `kind` is
 * 'MissingBaseline' (with `tick`, `baseline`) or 'UnknownEntity' (with
 * `what`, the change's type, and `index`).
 */
export class ApplyError extends Error {
  constructor(kind, fields, message) {
    super(message);
    this.name = 'ApplyError';
    this.kind = kind;
    Object.assign(this, fields);
  }
}

function missingBaseline(tick, baseline) {
  return new ApplyError('MissingBaseline', { tick, baseline },
    `snapshot ${tick} is a delta against tick ${baseline}, which is not held`);
}

function unknownEntity(what, index) {
  return new ApplyError('UnknownEntity', { what, index },
    `${what} names entity ${index}, which the baseline does not have`);
}

/**
 * The view before any snapshot: the base of a full snapshot.
 * @returns {object}
 */
export function emptyView() {
  return {
    tick: 0,
    last_input_seq: 0,
    me: { x: 0, y: 0 },
    players: new Map(),
    projectiles: new Map(),
    scores: new Map(),
  };
}

/**
 * World units for a fixed-point `{x, y}`, as f32 (exact within the map's
 * coordinate range), like Rust's `from_fixed`.
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

/**
 * The unit vector an aim byte stands for: 256ths of a turn from +x towards
 * +y. Equal to Rust's `byte_to_aim` to within an f32 rounding (sin and cos
 * are not bit-exact across platforms; nothing predicted depends on them).
 * @param {number} b 0..=255
 * @returns {{x: number, y: number}}
 */
export function aimFromByte(b) {
  const angle = Math.fround((b / 256) * TAU);
  return { x: Math.fround(Math.cos(angle)), y: Math.fround(Math.sin(angle)) };
}

/**
 * A track `ticks` later: `pos + vel * ticks` per axis in wrapping i32
 * arithmetic, `vel` unchanged. `ticks` is a u32, wrapped to i32 as Rust's
 * `ticks as i32`.
 * @param {{pos: {x, y}, vel: {x, y}}} track
 * @param {number} ticks
 */
export function trackAfter(track, ticks) {
  const t = ticks | 0;
  const { pos, vel } = track;
  return {
    pos: { x: (pos.x + Math.imul(vel.x, t)) | 0, y: (pos.y + Math.imul(vel.y, t)) | 0 },
    vel: { x: vel.x, y: vel.y },
  };
}

/** The baseline tick a snapshot names, or null for a full snapshot. */
function baselineTick(snap) {
  return snap.baseline_age === 0 ? null : (snap.tick - snap.baseline_age) >>> 0;
}

/** `track` moved by `offset` (wrapping), moving at `vel` from now on. */
function moved(track, offset, vel) {
  return {
    pos: { x: (track.pos.x + offset.x) | 0, y: (track.pos.y + offset.y) | 0 },
    vel: { x: vel.x, y: vel.y },
  };
}

function copyTrack(t) {
  return { pos: { x: t.pos.x, y: t.pos.y }, vel: { x: t.vel.x, y: t.vel.y } };
}

/** Applies one change to `next`, which this snapshot alone owns. */
function applyChange(next, c) {
  const known = (map, what) => {
    const entry = map.get(c.index);
    if (entry === undefined) throw unknownEntity(what, c.index);
    return entry;
  };
  switch (c.type) {
    case 'Me':
      next.me = { x: (next.me.x + c.offset.x) | 0, y: (next.me.y + c.offset.y) | 0 };
      break;
    case 'PlayerEnter':
      next.players.set(c.index, { track: copyTrack(c.track), aim: c.aim, hp: c.hp, alive: c.alive });
      break;
    case 'PlayerHidden':
      if (!next.players.delete(c.index)) throw unknownEntity(c.type, c.index);
      break;
    case 'PlayerMotion': {
      const p = known(next.players, c.type);
      next.players.set(c.index, { ...p, track: moved(p.track, c.offset, c.vel) });
      break;
    }
    case 'PlayerAim':
      next.players.set(c.index, { ...known(next.players, c.type), aim: c.aim });
      break;
    case 'PlayerHealth':
      next.players.set(c.index, { ...known(next.players, c.type), hp: c.hp, alive: c.alive });
      break;
    case 'Score':
      next.scores.set(c.index, { kills: c.kills, deaths: c.deaths });
      break;
    case 'PlayerLeft':
      if (!next.scores.delete(c.index)) throw unknownEntity(c.type, c.index);
      next.players.delete(c.index);
      break;
    case 'ProjectileEnter':
      next.projectiles.set(c.index, { owner: c.owner, track: copyTrack(c.track) });
      break;
    case 'ProjectileGone':
      if (!next.projectiles.delete(c.index)) throw unknownEntity(c.type, c.index);
      break;
    case 'ProjectileMotion': {
      const q = known(next.projectiles, c.type);
      next.projectiles.set(c.index, { ...q, track: moved(q.track, c.offset, c.vel) });
      break;
    }
    default:
      throw new TypeError(`unknown snapshot change type ${String(c.type)}`);
  }
}

/**
 * The view a snapshot describes, built on `base` (ignored for a full
 * snapshot, `baseline_age` 0). `base` is not changed.
 * @param {object} base the view of tick `snap.tick - snap.baseline_age`
 * @param {object} snap `{tick, baseline_age, input_seq_advance, changes}`
 *   (a decoded Snapshot message)
 * @returns {object} the new view
 * @throws {ApplyError} 'MissingBaseline' if `base` is not the baseline the
 *   snapshot names; 'UnknownEntity' if a change names an index not held
 */
export function applySnapshot(base, snap) {
  const baseline = baselineTick(snap);
  if (baseline === null) {
    base = emptyView();
  } else if (baseline !== base.tick) {
    throw missingBaseline(snap.tick, baseline);
  }
  const age = snap.baseline_age;
  const next = {
    tick: snap.tick,
    last_input_seq: (base.last_input_seq + snap.input_seq_advance) >>> 0,
    me: { x: base.me.x, y: base.me.y },
    players: new Map(),
    projectiles: new Map(),
    scores: new Map(),
  };
  for (const [index, s] of base.scores) next.scores.set(index, { kills: s.kills, deaths: s.deaths });
  for (const [index, p] of base.players) {
    next.players.set(index, { ...p, track: trackAfter(p.track, age) });
  }
  for (const [index, q] of base.projectiles) {
    next.projectiles.set(index, { ...q, track: trackAfter(q.track, age) });
  }
  for (const change of snap.changes) applyChange(next, change);
  return next;
}

const byIndex = (map) => [...map.entries()].sort((a, b) => a[0] - b[0]);

/**
 * A view as the full snapshot that would build it (`baseline_age` 0),
 * changes in Rust's order: Me, then players, projectiles and scores, each
 * by index. Measures what deltas save.
 * @param {object} view
 * @returns {object} `{tick, baseline_age, input_seq_advance, changes}`
 */
export function toFull(view) {
  const changes = [{ type: 'Me', offset: { x: view.me.x, y: view.me.y } }];
  for (const [index, p] of byIndex(view.players)) {
    changes.push({
      type: 'PlayerEnter', index, track: copyTrack(p.track), aim: p.aim, hp: p.hp, alive: p.alive,
    });
  }
  for (const [index, q] of byIndex(view.projectiles)) {
    changes.push({ type: 'ProjectileEnter', index, owner: q.owner, track: copyTrack(q.track) });
  }
  for (const [index, s] of byIndex(view.scores)) {
    changes.push({ type: 'Score', index, kills: s.kills, deaths: s.deaths });
  }
  return { tick: view.tick, baseline_age: 0, input_seq_advance: view.last_input_seq, changes };
}

/** `a <= b` in wrapping tick order. */
function tickNotAfter(a, b) {
  return ((b - a) >>> 0) < 0x7fffffff;
}

/**
 * The views a client holds: the last BASELINE_WINDOW it built, so that
 * whichever acknowledged tick the server deltas against is still here.
 * A delta whose baseline is not held is refused and counted; keep
 * acknowledging `ackTick()` and the server heals it.
 */
export class Baselines {
  #views = [];
  #stats = { full: 0, delta: 0, resets: 0, missing_baseline: 0, stale: 0 };
  #hadDelta = false;

  /**
   * Forgets every view: call on `Joined` (a new lobby or a resume). The
   * counters are kept.
   */
  clear() {
    this.#views = [];
    this.#hadDelta = false;
  }

  /**
   * Applies a snapshot and returns the newest view: the new one, or, for a
   * snapshot not newer than the newest held (ignored and counted as stale),
   * the very same newest view object as before.
   * @param {object} snap a decoded Snapshot message
   * @returns {object} the newest view
   * @throws {ApplyError} nothing is changed but the counters
   */
  receive(snap) {
    const newest = this.newest();
    if (newest !== null && tickNotAfter(snap.tick, newest.tick)) {
      this.#stats.stale += 1;
      return newest;
    }
    const baseline = baselineTick(snap);
    let next;
    if (baseline === null) {
      next = applySnapshot(emptyView(), snap);
      if (this.#hadDelta) this.#stats.resets += 1;
      this.#hadDelta = false;
      this.#stats.full += 1;
      // Older views stay: the server may still delta against one this
      // client acknowledged before the full snapshot came.
    } else {
      const base = this.#views.findLast((v) => v.tick === baseline);
      if (base === undefined) {
        this.#stats.missing_baseline += 1;
        throw missingBaseline(snap.tick, baseline);
      }
      next = applySnapshot(base, snap);
      this.#stats.delta += 1;
      this.#hadDelta = true;
    }
    if (this.#views.length >= BASELINE_WINDOW) this.#views.shift();
    this.#views.push(next);
    return next;
  }

  /** @returns {object|null} the newest view held */
  newest() {
    return this.#views.length === 0 ? null : this.#views[this.#views.length - 1];
  }

  /** @returns {number} the tick to acknowledge in the next Input: the
   *  newest view held, 0 for none */
  ackTick() {
    const newest = this.newest();
    return newest === null ? 0 : newest.tick;
  }

  /** @returns {{full, delta, resets, missing_baseline, stale}} a copy of
   *  the counters (see shared/src/baselines.rs BaselineStats) */
  get stats() {
    return { ...this.#stats };
  }
}
