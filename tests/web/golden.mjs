// Loads golden.json (written by shared/tests/golden_vectors.rs) and turns
// its JSON stand-ins back into what the JS modules produce: u64 decimal
// strings into BigInts, hex resume tokens, payloads and join tickets into
// Uint8Arrays (but not a Hello's session token, which is a string), "NaN" and "Infinity" coordinates into numbers, a view's
// entity list and [key, value] row pairs into Maps. Plus the f32 bit-pattern helpers the
// bit-exact tests compare with, and the game modules by name.

import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';

import { entityKey } from '../../assets/web/js/views.js';
import * as arena from '../../games/arena/web/protocol.js';
import * as four from '../../games/four/web/protocol.js';

/** The game modules' protocol parts, by the name golden.json gives. */
export const GAMES = { arena, four };

const BIGINT_KEYS = new Set(['player', 'client_time']);
const BYTES_KEYS = new Set(['resume_token', 'token', 'info', 'payload', 'records', 'ticket', 'Ticket']);
const NON_FINITE = new Set(['NaN', 'Infinity', '-Infinity']);

/** @param {string} hex @returns {Uint8Array} */
export function fromHex(hex) {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** @param {Uint8Array} bytes @returns {string} */
export function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

// `this` is the object holding `key`: a Hello's `token` is the session
// token, a string, not a Resume's bytes.
function revive(key, value) {
  if (key === 'removed' && Array.isArray(value)) return value.map(BigInt);
  if (typeof value !== 'string') return value;
  if (BIGINT_KEYS.has(key)) return BigInt(value);
  if (key === 'token' && this.type === 'Hello') return value;
  if (BYTES_KEYS.has(key)) return fromHex(value);
  if ((key === 'x' || key === 'y') && NON_FINITE.has(value)) return Number(value);
  return value;
}

export const golden = JSON.parse(
  readFileSync(new URL('./golden.json', import.meta.url), 'utf8'),
  revive,
);

/** A golden view (entities as a list, rows as [key, value] pairs) as
 *  views.js builds it. */
export function viewFromJson(v) {
  return {
    ...v,
    entities: new Map(v.entities.map((e) => [entityKey(e.kind, e.index), e])),
    rows: new Map(v.rows),
  };
}

const scratch = new DataView(new ArrayBuffer(4));

/** The number whose f32 bit pattern is `bits`. */
export function f32FromBits(bits) {
  scratch.setUint32(0, bits, true);
  return scratch.getFloat32(0, true);
}

/**
 * The f32 bit pattern of `v`, which must already be an f32: a double that
 * is not would be rounded by the conversion and could hide a missing
 * Math.fround.
 */
export function bitsOf(v, what = 'value') {
  assert.ok(Object.is(Math.fround(v), v), `${what} = ${v} is not an f32`);
  scratch.setFloat32(0, v, true);
  return scratch.getUint32(0, true);
}

/** `{x, y}` bit patterns to numbers. */
export const vecFromBits = (b) => ({ x: f32FromBits(b.x), y: f32FromBits(b.y) });

/** `{x, y}` numbers (f32s) to bit patterns. */
export const bitsOfVec = (v, what = 'vector') => ({
  x: bitsOf(v.x, `${what}.x`),
  y: bitsOf(v.y, `${what}.y`),
});
