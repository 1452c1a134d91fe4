// games/arena/web/movement.js against games/arena/src/movement.rs, bit for bit:
// every f32 the JS produces must be the very f32 Rust produced, or client
// prediction drifts from the server. Runs on the bundled arena map, then
// sweeps of many thousand seeded cases each, checked against Rust's digest
// (the inputs are regenerated here exactly as golden/movement.rs made them).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  InputError, PLAYER_RADIUS, PLAYER_SPEED, pushOutOfRect, resolveCollisions, sanitizeInput, snap,
  stepPlayer, tickDt,
} from '../../games/arena/web/movement.js';
import { fromFixed } from '../../games/arena/web/fixed.js';
import { bitsOf, bitsOfVec, f32FromBits, golden, vecFromBits } from './golden.mjs';

const { movement } = golden;
const f = Math.fround;
const hex = (bits) => `0x${bits.toString(16).padStart(8, '0')}`;
const showBits = (b) => `(${hex(b.x)}, ${hex(b.y)})`;

test('constants match Rust', () => {
  assert.equal(PLAYER_RADIUS, golden.constants.PLAYER_RADIUS);
  assert.equal(PLAYER_SPEED, golden.constants.PLAYER_SPEED);
});

test('tickDt is bit-exact', () => {
  for (const c of movement.tick_dt) {
    assert.equal(bitsOf(tickDt(c.tick_hz), 'dt'), c.dt, `tick_hz ${c.tick_hz}`);
  }
});

test('snap is bit-exact: halves away from zero, -0 to 0, saturating, NaN to 0', () => {
  for (const c of movement.snap) {
    const got = bitsOfVec(snap(vecFromBits(c.pos)), 'snap');
    assert.deepStrictEqual(got, c.snapped, `snap${showBits(c.pos)}`);
  }
});

test('sanitizeInput is bit-exact, and refuses what the server refuses', () => {
  for (const c of movement.sanitize) {
    const input = { ...c.input, movement: vecFromBits(c.input.movement), aim: vecFromBits(c.input.aim) };
    const what = `movement ${showBits(c.input.movement)}, aim ${showBits(c.input.aim)}`;
    if (c.result.ok) {
      const out = sanitizeInput(input);
      assert.deepStrictEqual(bitsOfVec(out.movement, 'movement'), c.result.ok.movement, what);
      assert.deepStrictEqual(bitsOfVec(out.aim, 'aim'), c.result.ok.aim, what);
      const { seq, fire, hitscan, ack_tick } = out;
      assert.deepStrictEqual({ seq, fire, hitscan, ack_tick },
        { seq: input.seq, fire: input.fire, hitscan: input.hitscan, ack_tick: input.ack_tick }, what);
    } else {
      assert.throws(() => sanitizeInput(input), (e) => e instanceof InputError
        && e instanceof Error && e.kind === c.result.error, what);
    }
  }
});

test('sanitizeInput rounds to f32 first, as the wire does', () => {
  const input = (x, y) => ({ seq: 1, movement: { x, y }, aim: { x: 1, y: 0 }, fire: false, hitscan: false, ack_tick: 0 });
  assert.deepStrictEqual(sanitizeInput(input(0.1, 0.2)), sanitizeInput(input(Math.fround(0.1), Math.fround(0.2))));
  assert.throws(() => sanitizeInput(input(1e39, 0)), InputError, 'finite in f64, infinite on the wire');
});

describe('stepPlayer on the arena is bit-exact, step after step', () => {
  for (const run of movement.runs) {
    test(`${run.name} (${run.steps.length} steps at ${run.tick_hz} Hz)`, () => {
      const dt = tickDt(run.tick_hz);
      assert.equal(bitsOf(dt, 'dt'), run.dt);
      let pos = vecFromBits(run.start);
      run.steps.forEach((step, i) => {
        const what = `step ${i} from ${showBits(bitsOfVec(pos))}`;
        const input = { seq: i + 1, movement: vecFromBits(step.raw), aim: { x: 1, y: 0 }, fire: false, hitscan: false, ack_tick: 0 };
        const { movement: m } = sanitizeInput(input);
        assert.deepStrictEqual(bitsOfVec(m, 'movement'), step.movement, `${what}: sanitised movement`);
        pos = stepPlayer(pos, m, dt, movement.map);
        assert.deepStrictEqual(bitsOfVec(pos, 'position'), step.pos, what);
      });
    });
  }
});

test('the runs reach what they are named for', () => {
  const end = (name) => vecFromBits(movement.runs.find((r) => r.name === name).steps.at(-1).pos);
  // Not a check of JS against Rust, but of the vectors: they must exercise
  // the walls and bounds they claim to, or bit-exactness proves little.
  assert.equal(end("into the centre block's left side").x, 760 - PLAYER_RADIUS);
  assert.deepStrictEqual(end("into the bounds' corner"), { x: PLAYER_RADIUS, y: PLAYER_RADIUS });
  assert.deepStrictEqual(end('into the far bounds'), { x: 1600 - PLAYER_RADIUS, y: 1000 - PLAYER_RADIUS });
  assert.equal(end('from inside the centre block').y, 420 - PLAYER_RADIUS);
  assert.equal(end("sliding along a cover's underside").y, 240 + PLAYER_RADIUS);
  assert.equal(f32FromBits(movement.runs.find((r) => r.tick_hz === 1).dt), 1);
});

/** golden/movement.rs's Rng: xorshift32, and its f32 helpers. */
class Rng {
  constructor(seed) {
    this.s = seed >>> 0;
  }

  next() {
    let s = this.s;
    s = (s ^ (s << 13)) >>> 0;
    s = (s ^ (s >>> 17)) >>> 0;
    s = (s ^ (s << 5)) >>> 0;
    this.s = s;
    return s;
  }

  component() {
    return this.next() % 8 === 0 ? 0 : f(f((this.next() % 3001) / 1000) - 1.5);
  }

  range(lo, hi) {
    return f(lo + f(f((this.next() % 1000001) / 1000000) * f(hi - lo)));
  }
}

/** golden/movement.rs's Digest: FNV-1a over f32 bit patterns. */
class Digest {
  h = 2166136261;

  add(v) {
    for (const bits of [bitsOf(v.x), bitsOf(v.y)]) {
      for (let i = 0; i < 32; i += 8) this.h = Math.imul(this.h ^ ((bits >>> i) & 0xff), 16777619) >>> 0;
    }
  }
}

const inputOf = (movement) => ({ seq: 77, movement, aim: { x: 1, y: 0 }, fire: true, hitscan: false, ack_tick: 65536 });

/** A step_player sweep case at a random rate from 1 to `maxHz`. */
function stepCase(rng, map, maxHz) {
  const tickHz = 1 + (rng.next() % maxHz);
  const x = rng.next() % (1600 * 1024);
  const y = rng.next() % (1000 * 1024);
  const pos = fromFixed({ x, y });
  const raw = { x: rng.component(), y: rng.component() };
  const { movement: m } = sanitizeInput(inputOf(raw));
  const after = stepPlayer(pos, m, tickDt(tickHz), map);
  return [{ tick_hz: tickHz, pos: bitsOfVec(pos), raw: bitsOfVec(raw), movement: bitsOfVec(m), after: bitsOfVec(after) }, [m, after]];
}

/** Each sweep's case, as golden/movement.rs generates it: what it shows
 *  and the vectors it digests. */
const SWEEPS = {
  step_player: (rng, map) => stepCase(rng, map, 128),
  'step_player at 1 to 4 Hz': (rng, map) => stepCase(rng, map, 4),
  push_out_of_rect(rng, map) {
    const wall = map.walls[rng.next() % map.walls.length];
    const radius = [16, 5.5, 0.75][rng.next() % 3];
    const x = rng.range(f(wall.min.x - 24), f(wall.max.x + 24));
    const y = rng.range(f(wall.min.y - 24), f(wall.max.y + 24));
    const pos = { x, y };
    const after = pushOutOfRect(pos, radius, wall);
    return [{ wall, radius, pos: bitsOfVec(pos), after: bitsOfVec(after) }, [after]];
  },
  resolve_collisions(rng, map) {
    const pos = { x: rng.range(-40, 1640), y: rng.range(-40, 1040) };
    const after = resolveCollisions(pos, 16, map);
    return [{ pos: bitsOfVec(pos), after: bitsOfVec(after) }, [after]];
  },
};

describe('sweeps: thousands of seeded cases, bit-exact by digest', () => {
  for (const sweep of movement.sweeps) {
    test(`${sweep.name} (${sweep.cases} cases)`, () => {
      const rng = new Rng(sweep.seed);
      const digest = new Digest();
      for (let i = 0; i < sweep.cases; i++) {
        const [shown, outputs] = SWEEPS[sweep.name](rng, movement.map);
        if (i < sweep.first.length) assert.deepStrictEqual(shown, sweep.first[i], `case ${i}`);
        for (const v of outputs) digest.add(v);
      }
      assert.equal(digest.h, sweep.digest, 'digest of every result: some case differs from Rust');
    });
  }
});
