// Each game's browser protocol module (games/<game>/web/protocol.js)
// against its Rust types: arena's input payload, map info, events and aim
// bytes; four's messages, events and join info; payloads both refuse. The
// modules read and write with the engine's Reader and Writer, as the page
// hands them over (decodeWhole / encodeWhole: every byte must be used).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { CodecError, decodeWhole, encodeWhole } from '../../assets/web/js/wire.js';
import * as arena from '../../games/arena/web/protocol.js';
import * as four from '../../games/four/web/protocol.js';
import { GAMES, fromHex, golden, toHex, vecFromBits } from './golden.mjs';

const { games } = golden;
const throwsCodec = (fn, kind, what) => assert.throws(fn, (e) => {
  assert.ok(e instanceof CodecError, `${what}: threw ${e}`);
  assert.equal(e.kind, kind, `${what}: ${e.message}`);
  return true;
}, what);

describe('arena', () => {
  test('input payload: 18 bytes, as Rust writes InputFrame, and read back', () => {
    for (const c of games.arena.input) {
      const bytes = encodeWhole((w) => arena.writeInput(w, c.input));
      assert.equal(bytes.length, 18);
      assert.equal(toHex(bytes), c.hex, JSON.stringify(c.input));
      assert.deepStrictEqual(decodeWhole(bytes, arena.readInput, 'input'), c.input);
    }
  });

  test('input payload: f64s are rounded to f32, and bad values refused', () => {
    const input = (x) => ({ movement: { x, y: 0 }, aim: { x: 0, y: 0 }, fire: false, hitscan: false });
    const enc = (v) => encodeWhole((w) => arena.writeInput(w, v));
    assert.deepStrictEqual(enc(input(0.1)), enc(input(Math.fround(0.1))));
    assert.deepStrictEqual(enc(input(1e39)), enc(input(Infinity)));
    for (const bad of [null, { ...input(0), fire: 1 }, { ...input(0), aim: null }, { ...input('1') }]) {
      throwsCodec(() => enc(bad), 'InvalidValue', JSON.stringify(bad));
    }
  });

  test('join info: MapInfo, f32 specials and all', () => {
    for (const c of games.arena.info) {
      assert.deepStrictEqual(decodeWhole(fromHex(c.hex), arena.readInfo, 'info'), c.info);
    }
  });

  test('events: ArenaEvent::Killed', () => {
    for (const c of games.arena.events) {
      assert.deepStrictEqual(decodeWhole(fromHex(c.hex), arena.readEvent, 'event'), c.event);
    }
  });

  test('aimFromByte is within an f32 rounding of Rust for every byte', () => {
    // sin and cos are not correctly rounded everywhere; a rendered aim needs
    // no more than this. Bit-exact is not promised.
    for (const c of games.arena.aim) {
      const want = vecFromBits(c.bits);
      const got = arena.aimFromByte(c.byte);
      assert.ok(Math.abs(got.x - want.x) <= 2 ** -23 && Math.abs(got.y - want.y) <= 2 ** -23,
        `byte ${c.byte}: ${JSON.stringify(got)} vs ${JSON.stringify(want)}`);
    }
  });

  test('schema: players and projectiles are kinds 0 and 1, nothing else', () => {
    assert.deepStrictEqual(arena.schema.entity(arena.KIND_PLAYER).fields.map((f) => f.name), ['aim', 'hp', 'alive']);
    assert.deepStrictEqual(arena.schema.entity(arena.KIND_PROJECTILE).fields.map((f) => f.name), ['owner']);
    assert.equal(arena.schema.entity(2), null);
    assert.deepStrictEqual(arena.schema.row.fields.map((f) => f.name), ['generation', 'kills', 'deaths']);
  });
});

describe('four', () => {
  test('messages: FourMsg as Rust writes it', () => {
    for (const c of games.four.msgs) {
      assert.equal(toHex(encodeWhole((w) => four.writeMsg(w, c.msg))), c.hex, JSON.stringify(c.msg));
    }
  });

  test('messages: what FourMsg cannot carry is refused', () => {
    for (const bad of [null, { type: 'Pass' }, { type: 'Drop' }, { type: 'Drop', column: 256 }, { type: 'Drop', column: -1 }]) {
      throwsCodec(() => encodeWhole((w) => four.writeMsg(w, bad)), 'InvalidValue', JSON.stringify(bad));
    }
  });

  test('events: every FourEvent', () => {
    for (const c of games.four.events) {
      assert.deepStrictEqual(decodeWhole(fromHex(c.hex), four.readEvent, 'event'), c.event);
    }
  });

  test('join info: FourInfo', () => {
    for (const c of games.four.info) {
      assert.deepStrictEqual(decodeWhole(fromHex(c.hex), four.readInfo, 'info'), c.info);
    }
  });

  test('schema: seat rows, the table singleton, entities of any kind carry nothing', () => {
    assert.deepStrictEqual(four.schema.row.fields.map((f) => f.name), ['player', 'wins', 'rematch']);
    assert.deepStrictEqual(four.schema.singleton.fields.map((f) => f.name),
      ['board', 'turn', 'phase', 'deadline', 'moves', 'game']);
    assert.deepStrictEqual(four.schema.entity(15).fields, []);
  });
});

test('payloads Rust refuses are refused with the same kind', () => {
  for (const c of games.malformed) {
    const module = GAMES[c.game];
    const read = c.what === 'event' ? module.readEvent : module.readInfo;
    throwsCodec(() => decodeWhole(fromHex(c.hex), read, c.what), c.error, `${c.game}: ${c.name}`);
  }
});
