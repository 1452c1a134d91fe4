// The client side of delta snapshots (docs/PROTOCOL.md section 6.4), for any game: a
// port of the engine's view (rallypoint_game::view) and Baselines
// (shared/src/baselines.rs), with the same rules. Fixed-point values stay
// integers and wrap like Rust's i32 (`| 0`, Math.imul); ticks and sequence
// numbers wrap like u32 (`>>> 0`).
//
// A view is `{tick, last_input_seq, me: {x, y}, entities, rows, singleton}`:
// `entities` a Map from entityKey(kind, index) to `{kind, index, track,
// fields}` (`track` null for an entity without one), `rows` a Map from key
// to fields, `singleton` the singleton's fields or null. Fields are the
// objects records.js reads with the game's schema. Views are never changed
// once built: applying a snapshot makes a new one, so a view can be kept as
// a baseline and read by the page at the same time.
// Checked against Rust by tests/web/ (golden.json).

import { CodecError, Reader } from './wire.js';
import { fieldMask, fieldsOf, readFields, readHead } from './records.js';

/** Fixed-point steps per world unit, for positions and velocities. */
export const FIXED_SCALE = 1024;

/** Ticks of views kept: the oldest baseline the server deltas against. */
export const BASELINE_WINDOW = 32;

/** How far (fixed-point steps per axis) an unlisted entity may drift. */
export const POSITION_TOLERANCE = 256;

/**
 * A snapshot that cannot be applied; nothing was changed. `kind` is
 * 'MissingBaseline' (with `tick`, `baseline`), 'UnknownEntity' (with
 * `what`, the record's type, and `index`, the entity index or row key) or
 * 'Malformed' (the records do not decode with the game's schema).
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

function unknown(what, index) {
  return new ApplyError('UnknownEntity', { what, index },
    `${what} names ${index}, which the baseline does not have`);
}

/** The Map key of entity (`kind`, `index`): distinct for every pair. */
export function entityKey(kind, index) {
  return kind * 0x1_0000_0000 + index;
}

/**
 * The view before any snapshot: the base of a full snapshot.
 * @returns {object}
 */
export function emptyView() {
  return {
    tick: 0, last_input_seq: 0, me: { x: 0, y: 0 }, entities: new Map(), rows: new Map(), singleton: null,
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

function copyTrack(t) {
  return { pos: { x: t.pos.x, y: t.pos.y }, vel: { x: t.vel.x, y: t.vel.y } };
}

/**
 * Applies one record to `next`, which this snapshot alone owns: `rec` is
 * its head, and its fields (if any) are read from `r` once the record is
 * known to apply, as Rust reads them. Fields objects are replaced, never
 * changed, so views may share them.
 */
function applyRecord(next, rec, r, schema) {
  const key = rec.kind === undefined ? null : entityKey(rec.kind, rec.index);
  const held = () => {
    const e = next.entities.get(key);
    if (e === undefined) throw unknown(rec.type, rec.index);
    return e;
  };
  const fields = () => readFields(r, fieldsOf(schema, rec), fieldMask(rec));
  switch (rec.type) {
    case 'Me':
      next.me = { x: (next.me.x + rec.offset.x) | 0, y: (next.me.y + rec.offset.y) | 0 };
      break;
    case 'Row':
      next.rows.set(rec.key, fields());
      break;
    case 'RowUpdate': {
      const row = next.rows.get(rec.key);
      if (row === undefined) throw unknown(rec.type, rec.key);
      next.rows.set(rec.key, { ...row, ...fields() });
      break;
    }
    case 'RowGone':
      if (!next.rows.delete(rec.key)) throw unknown(rec.type, rec.key);
      break;
    case 'Singleton':
      next.singleton = fields();
      break;
    case 'SingletonUpdate':
      if (next.singleton === null) throw unknown(rec.type, 0);
      next.singleton = { ...next.singleton, ...fields() };
      break;
    case 'SingletonGone':
      if (next.singleton === null) throw unknown(rec.type, 0);
      next.singleton = null;
      break;
    case 'Enter':
    case 'EnterStill':
      next.entities.set(key, {
        kind: rec.kind,
        index: rec.index,
        track: rec.type === 'Enter' ? copyTrack(rec.track) : null,
        fields: fields(),
      });
      break;
    case 'Motion': {
      const e = held();
      // An entity without a track has no motion to correct.
      if (e.track === null) throw unknown(rec.type, rec.index);
      const track = {
        pos: { x: (e.track.pos.x + rec.offset.x) | 0, y: (e.track.pos.y + rec.offset.y) | 0 },
        vel: { x: rec.vel.x, y: rec.vel.y },
      };
      next.entities.set(key, { ...e, track });
      break;
    }
    case 'Update': {
      const e = held();
      next.entities.set(key, { ...e, fields: { ...e.fields, ...fields() } });
      break;
    }
    default: // Hidden, Gone
      held();
      next.entities.delete(key);
      break;
  }
}

/**
 * The view a snapshot describes, built on `base` (ignored for a full
 * snapshot, `baseline_age` 0). `base` is not changed.
 * @param {object} base the view of tick `snap.tick - snap.baseline_age`
 * @param {object} snap `{tick, baseline_age, input_seq_advance, records}`
 *   (a decoded Snapshot message; `records` its bytes)
 * @param {object} schema the game module's schema (records.js)
 * @returns {object} the new view
 * @throws {ApplyError} 'MissingBaseline' if `base` is not the baseline the
 *   snapshot names; 'UnknownEntity' if a record names an entity, row or
 *   singleton not held; 'Malformed' if the records do not decode
 */
export function applySnapshot(base, snap, schema) {
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
    entities: new Map(),
    rows: new Map(base.rows),
    singleton: base.singleton,
  };
  for (const [key, e] of base.entities) {
    next.entities.set(key, e.track === null ? e : { ...e, track: trackAfter(e.track, age) });
  }
  const r = new Reader(snap.records);
  try {
    while (r.remaining() > 0) applyRecord(next, readHead(r), r, schema);
  } catch (e) {
    if (e instanceof CodecError) throw new ApplyError('Malformed', {}, `malformed snapshot records: ${e.message}`);
    throw e;
  }
  return next;
}

/** The held entity of `kind` and `index` in `view`, or null. */
export function entityOf(view, kind, index) {
  return view.entities.get(entityKey(kind, index)) ?? null;
}

/** The held entities of `kind` in `view`, in Map order. */
export function* entitiesOf(view, kind) {
  for (const e of view.entities.values()) if (e.kind === kind) yield e;
}

/**
 * A view as the full snapshot's records that would rebuild it: Me, then
 * entities by (kind, index), rows by key, the singleton. Measures what
 * deltas save.
 * @param {object} view
 * @returns {object[]} record objects (records.js writeRecords spells them)
 */
export function toFullRecords(view) {
  const records = [{ type: 'Me', offset: { x: view.me.x, y: view.me.y } }];
  const entities = [...view.entities.values()].sort((a, b) => a.kind - b.kind || a.index - b.index);
  for (const e of entities) {
    records.push(e.track === null
      ? { type: 'EnterStill', kind: e.kind, index: e.index, fields: { ...e.fields } }
      : { type: 'Enter', kind: e.kind, index: e.index, track: copyTrack(e.track), fields: { ...e.fields } });
  }
  for (const [key, fields] of [...view.rows.entries()].sort((a, b) => a[0] - b[0])) {
    records.push({ type: 'Row', key, fields: { ...fields } });
  }
  if (view.singleton !== null) records.push({ type: 'Singleton', fields: { ...view.singleton } });
  return records;
}
