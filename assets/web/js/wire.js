// bincode 2's standard encoding, as docs/PROTOCOL.md spells it, and nothing
// about any message: unsigned integers as varints (one byte up to 250, else
// a 251/252/253 marker and a little-endian u16/u32/u64), i32 zigzagged into
// a u32 varint, u8 and bool as one byte, f32 little-endian, strings, lists
// and byte payloads as a varint length then the items, Option as 0/1 then
// the value, fixed arrays as their items, enums as a varint tag then the
// fields. The engine's codec (codec.js, records.js) and every game module's
// payloads and fields are written with these two classes.
//
// Reading is strict like the server's: a truncated value, a tag/bool/Option
// byte out of range, a varint too wide for its field or invalid UTF-8 throw
// CodecError; a declared length is checked against the bytes left before
// anything is read or allocated for it. Longer varint forms than needed are
// accepted, as the Rust decoder accepts them.

/**
 * Bytes that are not a valid message, or a value that cannot be encoded.
 * `kind` is 'TooLarge' (over the direction's limit), 'Malformed' (not a
 * valid message), 'TrailingBytes' (a whole message and bytes left over),
 * or 'InvalidValue' (an encoder was given something the wire cannot
 * carry: a missing field, an integer out of range, an unknown type).
 */
export class CodecError extends Error {
  /**
   * @param {'TooLarge'|'Malformed'|'TrailingBytes'|'InvalidValue'} kind
   * @param {string} message
   */
  constructor(kind, message) {
    super(message);
    this.name = 'CodecError';
    this.kind = kind;
  }
}

const U16_MARKER = 251;
const U32_MARKER = 252;
const U64_MARKER = 253;
const TOKEN_BYTES = 16;

// ignoreBOM: a leading U+FEFF is part of the string, as it is in Rust.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

const malformed = (message) => new CodecError('Malformed', message);
const invalid = (message) => new CodecError('InvalidValue', message);

/** A cursor over bytes: one message, a payload, a snapshot's records. */
export class Reader {
  constructor(bytes) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = 0;
  }

  remaining() {
    return this.bytes.length - this.pos;
  }

  need(n, what) {
    if (this.remaining() < n) {
      throw malformed(`truncated: ${what} needs ${n} bytes, ${this.remaining()} left`);
    }
  }

  u8(what = 'u8') {
    this.need(1, what);
    return this.bytes[this.pos++];
  }

  bool(what = 'bool') {
    const b = this.u8(what);
    if (b > 1) throw malformed(`${what}: bool byte ${b} is neither 0 nor 1`);
    return b === 1;
  }

  f32() {
    this.need(4, 'f32');
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /**
   * A varint whose marker is at most `widest` (U16/U32/U64_MARKER), as a
   * number; the u64 form as [low, high] u32 halves, for the caller to judge.
   */
  varint(widest, what) {
    const b = this.u8(what);
    if (b <= 250) return b;
    if (b > widest) throw malformed(`${what}: varint marker ${b} is too wide for the field`);
    if (b === U16_MARKER) {
      this.need(2, what);
      const v = this.view.getUint16(this.pos, true);
      this.pos += 2;
      return v;
    }
    if (b === U32_MARKER) {
      this.need(4, what);
      const v = this.view.getUint32(this.pos, true);
      this.pos += 4;
      return v;
    }
    this.need(8, what);
    const halves = [this.view.getUint32(this.pos, true), this.view.getUint32(this.pos + 4, true)];
    this.pos += 8;
    return halves;
  }

  u16(what = 'u16') {
    return this.varint(U16_MARKER, what);
  }

  u32(what = 'u32') {
    return this.varint(U32_MARKER, what);
  }

  /** A u64 as a BigInt, whatever its size. */
  u64(what = 'u64') {
    const v = this.varint(U64_MARKER, what);
    return Array.isArray(v) ? (BigInt(v[1]) << 32n) | BigInt(v[0]) : BigInt(v);
  }

  i32(what = 'i32') {
    const n = this.u32(what);
    return (n >>> 1) ^ -(n & 1);
  }

  /**
   * A string or list length (a u64). Every item is at least one byte, so a
   * length beyond the bytes left is refused here, before anything is read
   * or allocated for it.
   */
  length(what) {
    const v = this.varint(U64_MARKER, what);
    const n = Array.isArray(v) ? (v[1] === 0 ? v[0] : Infinity) : v;
    if (n > this.remaining()) {
      const shown = Array.isArray(v) ? ((BigInt(v[1]) << 32n) | BigInt(v[0])).toString() : n;
      throw malformed(`${what}: declared length ${shown} exceeds the ${this.remaining()} bytes left`);
    }
    return n;
  }

  string(what = 'string') {
    const n = this.length(what);
    const raw = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    try {
      return utf8Decoder.decode(raw);
    } catch {
      throw malformed(`${what}: invalid UTF-8`);
    }
  }

  list(what, item) {
    const n = this.length(what);
    const out = [];
    for (let i = 0; i < n; i++) out.push(item());
    return out;
  }

  option(what, value) {
    const b = this.u8(what);
    if (b > 1) throw malformed(`${what}: Option byte ${b} is neither 0 nor 1`);
    return b === 1 ? value() : null;
  }

  /** An enum tag, as the variant's name from `names`. */
  tag(names, what) {
    const t = this.u32(what);
    if (t >= names.length) throw malformed(`${what}: unknown tag ${t}`);
    return names[t];
  }

  token() {
    this.need(TOKEN_BYTES, 'resume token');
    const t = this.bytes.slice(this.pos, this.pos + TOKEN_BYTES);
    this.pos += TOKEN_BYTES;
    return t;
  }

  vec2() {
    return { x: this.f32(), y: this.f32() };
  }

  ivec2() {
    return { x: this.i32(), y: this.i32() };
  }

  track() {
    return { pos: this.ivec2(), vel: this.ivec2() };
  }

  /** A `bytes` value (a `Vec<u8>`: varint length, then the bytes), copied. */
  payload(what = 'bytes') {
    const n = this.length(what);
    const out = this.bytes.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** `n` raw bytes (a fixed array `[u8; n]`), copied. */
  fixedBytes(n, what = 'bytes') {
    this.need(n, what);
    const out = this.bytes.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A Malformed CodecError to throw, for a value a game's reader refuses
   *  (game modules cannot import this module: the engine hands them the
   *  reader). */
  malformed(message) {
    return malformed(message);
  }

  /** Throws TrailingBytes unless every byte was read. */
  end(what = 'value') {
    if (this.remaining() !== 0) {
      throw new CodecError('TrailingBytes',
        `${this.remaining()} trailing bytes after a ${this.pos}-byte ${what}`);
    }
  }
}

/** Bytes being written, with the checks a value must pass first. */
export class Writer {
  constructor() {
    this.bytes = [];
    this.scratch = new DataView(new ArrayBuffer(8));
  }

  uint(v, max, what) {
    if (!Number.isInteger(v) || v < 0 || v > max) {
      throw invalid(`${what}: ${String(v)} is not an integer in 0..=${max}`);
    }
    return v;
  }

  u8(v, what) {
    this.bytes.push(this.uint(v, 0xff, what));
  }

  bool(v, what) {
    if (typeof v !== 'boolean') throw invalid(`${what}: ${String(v)} is not a boolean`);
    this.bytes.push(v ? 1 : 0);
  }

  /** The shortest varint form of a number up to 2^53 - 1, or a BigInt. */
  varint(v) {
    if (typeof v === 'bigint' && v > 0xffffffffn) {
      this.bytes.push(U64_MARKER);
      for (let i = 0n; i < 64n; i += 8n) this.bytes.push(Number((v >> i) & 0xffn));
      return;
    }
    const n = Number(v);
    if (n <= 250) {
      this.bytes.push(n);
    } else if (n <= 0xffff) {
      this.bytes.push(U16_MARKER, n & 0xff, n >>> 8);
    } else if (n <= 0xffffffff) {
      this.bytes.push(U32_MARKER, n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24);
    } else {
      this.varint(BigInt(n));
    }
  }

  u16(v, what) {
    this.varint(this.uint(v, 0xffff, what));
  }

  u32(v, what) {
    this.varint(this.uint(v, 0xffffffff, what));
  }

  /** A BigInt, or a number that is a safe integer. */
  u64(v, what) {
    const ok = typeof v === 'bigint'
      ? v >= 0n && v <= 0xffffffffffffffffn
      : Number.isSafeInteger(v) && v >= 0;
    if (!ok) throw invalid(`${what}: ${String(v)} is not a u64 (a BigInt or a safe integer)`);
    this.varint(v);
  }

  f32(v, what) {
    if (typeof v !== 'number') throw invalid(`${what}: ${String(v)} is not a number`);
    this.scratch.setFloat32(0, v, true);
    for (let i = 0; i < 4; i++) this.bytes.push(this.scratch.getUint8(i));
  }

  vec2(v, what) {
    if (v === null || typeof v !== 'object') throw invalid(`${what}: not an {x, y} object`);
    this.f32(v.x, `${what}.x`);
    this.f32(v.y, `${what}.y`);
  }

  /** UTF-8; a lone surrogate becomes U+FFFD, as TextEncoder does. */
  string(v, what) {
    if (typeof v !== 'string') throw invalid(`${what}: ${String(v)} is not a string`);
    const raw = utf8Encoder.encode(v);
    this.varint(raw.length);
    for (const b of raw) this.bytes.push(b);
  }

  /** A `bytes` value: varint length, then the bytes. */
  payload(v, what = 'bytes') {
    if (!(v instanceof Uint8Array)) throw invalid(`${what}: not a Uint8Array`);
    this.varint(v.length);
    for (const b of v) this.bytes.push(b);
  }

  /** Exactly `n` raw bytes (a fixed array `[u8; n]`). */
  fixedBytes(v, n, what = 'bytes') {
    if (v === null || typeof v !== 'object' || v.length !== n) throw invalid(`${what}: not ${n} bytes`);
    for (let i = 0; i < n; i++) this.u8(v[i], `${what}[${i}]`);
  }

  i32(v, what = 'i32') {
    if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
      throw invalid(`${what}: ${String(v)} is not an i32`);
    }
    this.varint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  ivec2(v, what = 'ivec2') {
    if (v === null || typeof v !== 'object') throw invalid(`${what}: not an {x, y} object`);
    this.i32(v.x, `${what}.x`);
    this.i32(v.y, `${what}.y`);
  }

  track(v, what = 'track') {
    if (v === null || typeof v !== 'object') throw invalid(`${what}: not a {pos, vel} object`);
    this.ivec2(v.pos, `${what}.pos`);
    this.ivec2(v.vel, `${what}.vel`);
  }

  /** Option: 0 for null (or undefined), else 1 then `write(v)`. */
  option(v, write) {
    if (v === null || v === undefined) {
      this.bytes.push(0);
    } else {
      this.bytes.push(1);
      write(v);
    }
  }

  /** An enum tag: the index of `name` in `names`. */
  tag(name, names, what) {
    const t = names.indexOf(name);
    if (t < 0) throw invalid(`${what}: unknown variant ${String(name)}`);
    this.varint(t);
  }

  /** The bytes written so far. */
  finish() {
    return Uint8Array.from(this.bytes);
  }

  token(v, what) {
    this.fixedBytes(v, TOKEN_BYTES, what);
  }
}

/**
 * Decodes a whole value (a game payload, say) with `read(reader)`: every
 * byte must be used, as the Rust decoder requires.
 * @template T
 * @param {Uint8Array} bytes
 * @param {(r: Reader) => T} read
 * @param {string} what named in errors
 * @returns {T}
 * @throws {CodecError}
 */
export function decodeWhole(bytes, read, what) {
  const r = new Reader(bytes);
  const value = read(r);
  r.end(what);
  return value;
}

/**
 * Encodes a value with `write(writer)`.
 * @param {(w: Writer) => void} write
 * @returns {Uint8Array}
 * @throws {CodecError}
 */
export function encodeWhole(write) {
  const w = new Writer();
  write(w);
  return w.finish();
}
