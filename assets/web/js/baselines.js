// The views a client holds (a port of shared/src/baselines.rs): the last
// BASELINE_WINDOW it built, so that whichever acknowledged tick the server
// deltas against is still here. A delta whose baseline is not held is
// refused and counted; keep acknowledging `ackTick()` and the server heals
// it. The same for every game: the game's schema reads the fields.
// Checked against Rust by tests/web/ (golden.json).

import { ApplyError, BASELINE_WINDOW, applySnapshot, emptyView } from './views.js';

/** The baseline tick a snapshot names, or null for a full snapshot. */
function baselineTick(snap) {
  return snap.baseline_age === 0 ? null : (snap.tick - snap.baseline_age) >>> 0;
}

/** `a <= b` in wrapping tick order. */
function tickNotAfter(a, b) {
  return ((b - a) >>> 0) < 0x7fffffff;
}

export class Baselines {
  #schema;
  #views = [];
  #stats = { full: 0, delta: 0, resets: 0, missing_baseline: 0, stale: 0 };
  #hadDelta = false;

  /** @param {object} schema the game module's schema (records.js) */
  constructor(schema) {
    this.#schema = schema;
  }

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
      next = applySnapshot(emptyView(), snap, this.#schema);
      if (this.#hadDelta) this.#stats.resets += 1;
      this.#hadDelta = false;
      this.#stats.full += 1;
      // Older views stay: the server may still delta against one this
      // client acknowledged before the full snapshot came.
    } else {
      const base = this.#views.findLast((v) => v.tick === baseline);
      if (base === undefined) {
        this.#stats.missing_baseline += 1;
        throw new ApplyError('MissingBaseline', { tick: snap.tick, baseline },
          `snapshot ${snap.tick} is a delta against tick ${baseline}, which is not held`);
      }
      next = applySnapshot(base, snap, this.#schema);
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

  /** @returns {number} the tick to acknowledge (in an Input or an Ack):
   *  the newest view held, 0 for none */
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
