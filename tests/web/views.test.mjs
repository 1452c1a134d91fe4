// The engine's snapshot side (assets/web/js/{records,views,baselines}.js)
// against rallypoint_game::view and shared/src/baselines.rs, for both
// games' schemas: fixed point, extrapolation, single applies (with every
// error), toFullRecords, and whole sequences through Baselines, decoded
// from Rust's bytes, with the view, ack tick and counters each step leaves.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { CodecError, decodeServer } from '../../assets/web/js/codec.js';
import { MAX_KINDS, readRecords, writeRecords } from '../../assets/web/js/records.js';
import {
  ApplyError, BASELINE_WINDOW, FIXED_SCALE, POSITION_TOLERANCE, applySnapshot, emptyView,
  entitiesOf, entityOf, fromFixed, toFixed, toFullRecords, trackAfter,
} from '../../assets/web/js/views.js';
import { Baselines } from '../../assets/web/js/baselines.js';
import * as arenaFixed from '../../games/arena/web/fixed.js';
import { GAMES, bitsOfVec, fromHex, golden, toHex, viewFromJson } from './golden.mjs';

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
  assert.equal(arenaFixed.FIXED_SCALE, golden.constants.FIXED_SCALE);
  assert.equal(BASELINE_WINDOW, golden.constants.BASELINE_WINDOW);
  assert.equal(POSITION_TOLERANCE, golden.constants.POSITION_TOLERANCE);
  assert.equal(MAX_KINDS, golden.constants.MAX_KINDS);
});

test("fromFixed is bit-exact, rounding past 2^24 like Rust (the engine's and arena's)", () => {
  for (const c of views.fixed) {
    assert.deepStrictEqual(bitsOfVec(fromFixed(c.fixed), 'fromFixed'), c.bits, JSON.stringify(c.fixed));
    assert.deepStrictEqual(bitsOfVec(arenaFixed.fromFixed(c.fixed), 'arena fromFixed'), c.bits);
    const back = fromFixed(c.fixed);
    assert.deepStrictEqual(arenaFixed.toFixed(back), toFixed(back));
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
      const { schema } = GAMES[c.game];
      const base = viewFromJson(c.base);
      const untouched = structuredClone(base);
      if (c.result.view) {
        assert.deepStrictEqual(applySnapshot(base, c.snapshot, schema), viewFromJson(c.result.view));
      } else {
        throwsApplyError(() => applySnapshot(base, c.snapshot, schema), c.result.error, c.name);
      }
      assert.deepStrictEqual(base, untouched, 'the base view is never changed');
    });
  }
});

test('applySnapshot: the new view shares nothing mutable with its base', () => {
  const c = views.apply.find((x) => x.game === 'arena' && x.result.view && x.snapshot.baseline_age > 0
    && x.base.entities.length > 2);
  const base = viewFromJson(c.base);
  const next = applySnapshot(base, c.snapshot, GAMES.arena.schema);
  const untouched = structuredClone(base);
  // Views are replaced, never changed: a track or a fields object is new
  // wherever it could differ, and shared only where nothing changed.
  for (const e of next.entities.values()) {
    if (e.track) e.track.pos.x += 1;
  }
  next.rows.clear();
  next.entities.clear();
  next.me.x += 1;
  assert.deepStrictEqual(base, untouched);
});

test('entityOf and entitiesOf find entities by kind and index', () => {
  const c = views.apply.find((x) => x.name === 'full snapshot onto an empty view');
  const view = viewFromJson(c.result.view);
  assert.equal(entityOf(view, 0, 2).fields.aim, 64);
  assert.equal(entityOf(view, 1, 2), null);
  assert.deepStrictEqual([...entitiesOf(view, 1)].map((e) => e.index), [7]);
});

describe('toFullRecords: a view as the records that rebuild it, byte for byte', () => {
  views.to_full.forEach((c, i) => {
    test(`${c.game} view ${i} (tick ${c.view.tick})`, () => {
      const { schema } = GAMES[c.game];
      const view = viewFromJson(c.view);
      const records = toFullRecords(view);
      assert.equal(toHex(writeRecords(records, schema)), toHex(c.snapshot.records));
      assert.deepStrictEqual(readRecords(c.snapshot.records, schema), records);
      const full = { ...c.snapshot, records: writeRecords(records, schema) };
      assert.deepStrictEqual(applySnapshot(emptyView(), full, schema), view);
    });
  });
});

test('readRecords refuses what Rust refuses, as CodecError Malformed', () => {
  for (const c of views.apply.filter((x) => x.result.error?.kind === 'Malformed')) {
    assert.throws(() => readRecords(c.snapshot.records, GAMES[c.game].schema),
      (e) => e instanceof CodecError && e.kind === 'Malformed', c.name);
  }
});

test('writeRecords spells an Update of one of fields 0 to 7 short, without its mask', () => {
  const { schema } = GAMES.arena;
  const update = (mask, fields) => writeRecords([{ type: 'Update', kind: 1, index: 2, mask, fields }], schema);
  // Tag 8 + 16 * (6 + 0) + 1, index, the owner.
  assert.equal(toHex(update(1, { owner: 5 })), '690205');
  const two = writeRecords([{ type: 'Update', kind: 0, index: 2, mask: 0b110, fields: { hp: 1, alive: true } }], schema);
  assert.equal(toHex(two), '3802060101', 'two fields: tag 56, index, mask, fields');
  for (const bytes of [update(1, { owner: 5 }), two]) {
    assert.deepStrictEqual(writeRecords(readRecords(bytes, schema), schema), bytes);
  }
});

test('writeRecords refuses records the wire cannot carry', () => {
  const { schema } = GAMES.arena;
  const bad = [
    [{ type: 'Shout' }],
    [{ type: 'Enter', kind: 16, index: 0, track: { pos: { x: 0, y: 0 }, vel: { x: 0, y: 0 } }, fields: {} }],
    [{ type: 'Enter', kind: 5, index: 0, track: { pos: { x: 0, y: 0 }, vel: { x: 0, y: 0 } }, fields: {} }],
    [{ type: 'EnterStill', kind: 0, index: 0, fields: { aim: 1, hp: 2 } }],
    [{ type: 'Row', key: -1, fields: { generation: 0, kills: 0, deaths: 0 } }],
    [{ type: 'Me', offset: { x: 2 ** 31, y: 0 } }],
  ];
  for (const records of bad) {
    assert.throws(() => writeRecords(records, schema), (e) => e instanceof CodecError, JSON.stringify(records));
  }
});

describe('Baselines: sequences decoded from Rust bytes, step by step', () => {
  for (const run of views.baselines) {
    test(run.name, () => {
      const b = new Baselines(GAMES[run.game].schema);
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
  const b = new Baselines(GAMES.arena.schema);
  b.stats.full = 99;
  assert.equal(b.stats.full, 0);
});
