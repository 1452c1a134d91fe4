// assets/web/js/views.js against shared/src/snapshot.rs and baselines.rs:
// fixed point, aim bytes, extrapolation, single applies (with every error),
// toFull, and whole sequences through Baselines, decoded from Rust's bytes,
// with the view, ack tick and counters each step must leave.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { decodeServer } from '../../assets/web/js/codec.js';
import {
  ApplyError, BASELINE_WINDOW, Baselines, FIXED_SCALE, POSITION_TOLERANCE, applySnapshot,
  aimFromByte, emptyView, fromFixed, toFull, trackAfter,
} from '../../assets/web/js/views.js';
import { bitsOfVec, fromHex, golden, vecFromBits, viewFromJson } from './golden.mjs';

const { views } = golden;

/** Asserts `fn` throws an ApplyError with the fields Rust reported. */
function throwsApplyError(fn, expected, what) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof ApplyError, `${what}: threw ${e} instead of an ApplyError`);
    for (const [key, value] of Object.entries(expected)) assert.equal(e[key], value, `${what}: ${key}`);
    return true;
  }, what);
}

test('constants match Rust', () => {
  assert.equal(FIXED_SCALE, golden.constants.FIXED_SCALE);
  assert.equal(BASELINE_WINDOW, golden.constants.BASELINE_WINDOW);
  assert.equal(POSITION_TOLERANCE, golden.constants.POSITION_TOLERANCE);
});

test('fromFixed is bit-exact, rounding past 2^24 like Rust', () => {
  for (const c of views.fixed) {
    assert.deepStrictEqual(bitsOfVec(fromFixed(c.fixed), 'fromFixed'), c.bits, JSON.stringify(c.fixed));
  }
});

test('aimFromByte is within an f32 rounding of Rust for every byte', () => {
  // sin and cos are not correctly rounded everywhere; a rendered aim needs
  // no more than this. Bit-exact is not promised.
  for (const c of views.aim) {
    const want = vecFromBits(c.bits);
    const got = aimFromByte(c.byte);
    assert.ok(Math.abs(got.x - want.x) <= 2 ** -23 && Math.abs(got.y - want.y) <= 2 ** -23,
      `byte ${c.byte}: ${JSON.stringify(got)} vs ${JSON.stringify(want)}`);
  }
});

test('trackAfter wraps like Rust i32 arithmetic', () => {
  for (const c of views.track_after) {
    assert.deepStrictEqual(trackAfter(c.track, c.ticks), c.result, JSON.stringify(c));
  }
});

describe('applySnapshot: one snapshot onto one view', () => {
  for (const c of views.apply) {
    test(c.name, () => {
      const base = viewFromJson(c.base);
      const untouched = structuredClone(base);
      if (c.result.view) {
        assert.deepStrictEqual(applySnapshot(base, c.snapshot), viewFromJson(c.result.view));
      } else {
        throwsApplyError(() => applySnapshot(base, c.snapshot), c.result.error, c.name);
      }
      assert.deepStrictEqual(base, untouched, 'the base view is never changed');
    });
  }
});

test('applySnapshot: the new view shares nothing mutable with its base', () => {
  const c = views.apply.find((x) => x.result.view && x.snapshot.baseline_age > 0
    && x.base.players.length > 0 && x.base.projectiles.length > 0);
  const base = viewFromJson(c.base);
  const next = applySnapshot(base, c.snapshot);
  const untouched = structuredClone(base);
  for (const p of next.players.values()) p.track.pos.x += 1;
  for (const q of next.projectiles.values()) q.track.vel.y += 1;
  for (const s of next.scores.values()) s.kills += 1;
  next.scores.clear();
  next.me.x += 1;
  assert.deepStrictEqual(base, untouched);
});

describe('toFull: a view as the full snapshot that rebuilds it', () => {
  views.to_full.forEach((c, i) => {
    test(`view ${i} (tick ${c.view.tick})`, () => {
      const view = viewFromJson(c.view);
      const full = toFull(view);
      assert.deepStrictEqual(full, c.snapshot);
      assert.deepStrictEqual(applySnapshot(emptyView(), full), view);
    });
  });
});

describe('Baselines: sequences decoded from Rust bytes, step by step', () => {
  for (const run of views.baselines) {
    test(run.name, () => {
      const b = new Baselines();
      let newest = null;
      run.steps.forEach((step, i) => {
        const what = `${run.name}, step ${i}`;
        if (step.clear) {
          b.clear();
          newest = null;
        } else {
          const snap = decodeServer(fromHex(step.receive.hex));
          assert.deepStrictEqual(snap, { type: 'Snapshot', ...step.receive.snapshot }, what);
          if (step.result.view) {
            const stale = newest !== null && step.result.view.tick === newest.tick;
            const view = b.receive(snap);
            assert.deepStrictEqual(view, viewFromJson(step.result.view), what);
            if (stale) assert.equal(view, newest, `${what}: a stale snapshot hands back the newest view itself`);
            newest = view;
          } else {
            throwsApplyError(() => b.receive(snap), step.result.error, what);
          }
        }
        assert.equal(b.newest(), newest, `${what}: newest()`);
        assert.equal(b.ackTick(), step.ack_tick, `${what}: ackTick()`);
        assert.deepStrictEqual(b.stats, step.stats, `${what}: stats`);
      });
    });
  }
});

test('Baselines.stats is a copy', () => {
  const b = new Baselines();
  b.stats.full = 99;
  assert.equal(b.stats.full, 0);
});
