// The wire format of docs/PROTOCOL.md, and nothing else: client messages to
// bytes, bytes to server messages. bincode 2's standard config: unsigned
// integers as varints (one byte up to 250, else a 251/252/253 marker and a
// little-endian u16/u32/u64), i32 zigzagged into a u32 varint, u8 and bool
// as one byte, f32 little-endian, strings and lists as a varint length then
// the items, Option as 0/1 then the value, fixed arrays as their bytes, enums
// as a varint tag then the fields. Objects use the Rust names: `type` is the
// variant, fields are snake_case. u64s (PlayerId, client_time) are BigInts.
//
// Decoding is strict like the server's: a truncated message, trailing bytes,
// a tag/bool/Option byte out of range, a varint too wide for its field or
// invalid UTF-8 throw CodecError; a declared length is checked against the
// bytes left before anything is read or allocated for it. Longer varint
// forms than needed are accepted, as the Rust decoder accepts them.
// Checked against Rust by tests/web/ (golden.json).

/** Sent in Hello and Resume; the server refuses any other. */
export const PROTOCOL_VERSION = 4;

/** The largest client message in bytes: encodeClient refuses longer. */
export const MAX_CLIENT_MSG_BYTES = 512;

/** The largest server message in bytes: decodeServer refuses longer. */
export const MAX_SERVER_MSG_BYTES = 256 * 1024;

/**
 * The most inputs one `Inputs` message may carry; the server answers an
 * empty or longer batch with Error InvalidField. encodeClient, like the
 * Rust encoder, writes any length that fits in MAX_CLIENT_MSG_BYTES.
 */
export const MAX_INPUTS_PER_MESSAGE = 8;

/**
 * Bytes that are not a valid message, or a value that cannot be encoded.
 * `kind` is 'TooLarge' (over the direction's limit), 'Malformed' (not a
 * valid message), 'TrailingBytes' (a whole message and bytes left over),
 * or 'InvalidValue' (encodeClient was given something the wire cannot
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

// Variant names in wire order: a name's index is its tag. Append only, as
// in the Rust enums.
const SERVER_TYPES = ['Welcome', 'LobbyList', 'Joined', 'Snapshot', 'Pong', 'Error', 'Left',
  'Roster', 'ShuttingDown', 'RosterUpdate'];
const CLIENT_TYPES = ['Hello', 'ListLobbies', 'CreateLobby', 'JoinLobby', 'QuickJoin',
  'LeaveLobby', 'Input', 'Ping', 'Resume', 'Inputs'];
const ERROR_CODES = ['BadMessage', 'VersionMismatch', 'UnexpectedMessage', 'InvalidField',
  'LobbyNotFound', 'LobbyFull', 'TooManyLobbies', 'ServerFull', 'ShuttingDown', 'LobbyClosed',
  'RateLimited', 'ResumeRejected'];
const CHANGE_TYPES = ['Me', 'PlayerEnter', 'PlayerHidden', 'PlayerMotion', 'PlayerAim',
  'PlayerHealth', 'Score', 'PlayerLeft', 'ProjectileEnter', 'ProjectileGone',
  'ProjectileMotion'];

const U16_MARKER = 251;
const U32_MARKER = 252;
const U64_MARKER = 253;
const TOKEN_BYTES = 16;

// ignoreBOM: a leading U+FEFF is part of the string, as it is in Rust.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

const malformed = (message) => new CodecError('Malformed', message);

/** A cursor over one message's bytes. */
class Reader {
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

  entity() {
    return { index: this.u32('entity index'), generation: this.u32('entity generation') };
  }

  rect() {
    return { min: this.vec2(), max: this.vec2() };
  }

  rosterEntry() {
    return { entity: this.entity(), player: this.u64('player'), name: this.string('name') };
  }
}

function readChange(r) {
  const type = r.tag(CHANGE_TYPES, 'change tag');
  switch (type) {
    case 'Me':
      return { type, offset: r.ivec2() };
    case 'PlayerEnter':
      return { type, index: r.u32(), track: r.track(), aim: r.u8(), hp: r.u8(), alive: r.bool() };
    case 'PlayerMotion':
    case 'ProjectileMotion':
      return { type, index: r.u32(), offset: r.ivec2(), vel: r.ivec2() };
    case 'PlayerAim':
      return { type, index: r.u32(), aim: r.u8() };
    case 'PlayerHealth':
      return { type, index: r.u32(), hp: r.u8(), alive: r.bool() };
    case 'Score':
      return { type, index: r.u32(), kills: r.u32(), deaths: r.u32() };
    case 'ProjectileEnter':
      return { type, index: r.u32(), owner: r.u32(), track: r.track() };
    default: // PlayerHidden, PlayerLeft, ProjectileGone
      return { type, index: r.u32() };
  }
}

function readServerMsg(r) {
  const type = r.tag(SERVER_TYPES, 'message tag');
  switch (type) {
    case 'Welcome':
      return {
        type,
        player: r.u64('player'),
        protocol_version: r.u16(),
        tick_hz: r.u16(),
        snapshot_hz: r.u16(),
        max_message_bytes: r.u32(),
        resume_token: r.token(),
        resume_grace_secs: r.u16(),
      };
    case 'LobbyList':
      return {
        type,
        lobbies: r.list('lobbies', () => ({
          id: r.u32(), name: r.string(), players: r.u8(), max_players: r.u8(), map: r.string(),
        })),
      };
    case 'Joined':
      return {
        type,
        lobby: r.u32(),
        join_code: r.option('join_code', () => r.string('join_code')),
        max_players: r.u8(),
        entity: r.entity(),
        map: { name: r.string('map name'), bounds: r.rect(), walls: r.list('walls', () => r.rect()) },
        tick: r.u32(),
      };
    case 'Snapshot':
      return {
        type,
        tick: r.u32(),
        baseline_age: r.u8(),
        input_seq_advance: r.u32(),
        changes: r.list('changes', () => readChange(r)),
      };
    case 'Pong':
      return { type, client_time: r.u64('client_time'), tick: r.u32() };
    case 'Error':
      return { type, code: r.tag(ERROR_CODES, 'error code'), message: r.string('message') };
    case 'Left':
      return { type };
    case 'Roster':
      return { type, players: r.list('players', () => r.rosterEntry()) };
    case 'ShuttingDown':
      return { type, reason: r.string('reason'), drain_secs: r.u16() };
    default: // RosterUpdate
      return {
        type,
        added: r.list('added', () => r.rosterEntry()),
        removed: r.list('removed', () => r.entity()),
      };
  }
}

/**
 * Decodes one server message: the payload of one binary WebSocket message.
 * @param {Uint8Array|ArrayBuffer} bytes
 * @returns {object} `{type, ...fields}` as tests/web/README.md lists them
 * @throws {CodecError} on anything but exactly one valid message
 */
export function decodeServer(bytes) {
  if (bytes instanceof ArrayBuffer) bytes = new Uint8Array(bytes);
  if (!(bytes instanceof Uint8Array)) {
    throw new CodecError('InvalidValue', 'decodeServer takes a Uint8Array or an ArrayBuffer');
  }
  if (bytes.length > MAX_SERVER_MSG_BYTES) {
    throw new CodecError('TooLarge',
      `message of ${bytes.length} bytes exceeds the ${MAX_SERVER_MSG_BYTES}-byte limit`);
  }
  const r = new Reader(bytes);
  const msg = readServerMsg(r);
  if (r.remaining() !== 0) {
    throw new CodecError('TrailingBytes',
      `${r.remaining()} trailing bytes after a ${r.pos}-byte message`);
  }
  return msg;
}

const invalid = (message) => new CodecError('InvalidValue', message);

/** Bytes being written, with the checks a value must pass first. */
class Writer {
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

  /** An InputFrame's fields, as `Input` carries them after its tag. */
  inputFrame(v, what) {
    if (v === null || typeof v !== 'object') throw invalid(`${what}: not an input object`);
    this.u32(v.seq, `${what}.seq`);
    this.vec2(v.movement, `${what}.movement`);
    this.vec2(v.aim, `${what}.aim`);
    this.bool(v.fire, `${what}.fire`);
    this.bool(v.hitscan, `${what}.hitscan`);
    this.u32(v.ack_tick, `${what}.ack_tick`);
  }

  token(v, what) {
    if (v === null || typeof v !== 'object' || v.length !== TOKEN_BYTES) {
      throw invalid(`${what}: not ${TOKEN_BYTES} bytes`);
    }
    for (let i = 0; i < TOKEN_BYTES; i++) this.u8(v[i], `${what}[${i}]`);
  }
}

function writeClientMsg(w, msg) {
  if (msg === null || typeof msg !== 'object') throw invalid('a message is an object');
  const tag = CLIENT_TYPES.indexOf(msg.type);
  if (tag < 0) throw invalid(`unknown client message type ${String(msg.type)}`);
  w.varint(tag);
  switch (msg.type) {
    case 'Hello':
      w.u16(msg.protocol_version, 'protocol_version');
      w.string(msg.name, 'name');
      break;
    case 'CreateLobby':
      w.string(msg.name, 'name');
      w.u8(msg.max_players, 'max_players');
      w.bool(msg.private, 'private');
      break;
    case 'JoinLobby': {
      const target = msg.target !== null && typeof msg.target === 'object' ? msg.target : {};
      if ('Id' in target) {
        w.varint(0);
        w.u32(target.Id, 'target.Id');
      } else if ('Code' in target) {
        w.varint(1);
        w.string(target.Code, 'target.Code');
      } else {
        throw invalid('JoinLobby target is neither {Id} nor {Code}');
      }
      break;
    }
    case 'Input':
      w.inputFrame(msg, 'Input');
      break;
    case 'Inputs':
      // Checked before anything is written, so a huge array costs nothing.
      if (!Array.isArray(msg.inputs)) throw invalid('Inputs: inputs is not an array');
      if (msg.inputs.length > MAX_CLIENT_MSG_BYTES) {
        throw new CodecError('TooLarge', `Inputs: ${msg.inputs.length} inputs cannot fit in `
          + `${MAX_CLIENT_MSG_BYTES} bytes`);
      }
      w.varint(msg.inputs.length);
      msg.inputs.forEach((input, i) => w.inputFrame(input, `inputs[${i}]`));
      break;
    case 'Ping':
      w.u64(msg.client_time, 'client_time');
      break;
    case 'Resume':
      w.u16(msg.protocol_version, 'protocol_version');
      w.token(msg.token, 'token');
      break;
    default: // ListLobbies, QuickJoin, LeaveLobby: the tag alone
      break;
  }
}

/**
 * Encodes one client message, to send as one binary WebSocket message.
 * `f32` fields are rounded to the nearest f32 (as Math.fround does).
 * @param {object} msg `{type, ...fields}` as tests/web/README.md lists them
 * @returns {Uint8Array}
 * @throws {CodecError} 'InvalidValue' for a value the wire cannot carry,
 *   'TooLarge' for a message over MAX_CLIENT_MSG_BYTES
 */
export function encodeClient(msg) {
  const w = new Writer();
  writeClientMsg(w, msg);
  if (w.bytes.length > MAX_CLIENT_MSG_BYTES) {
    throw new CodecError('TooLarge',
      `message of ${w.bytes.length} bytes exceeds the ${MAX_CLIENT_MSG_BYTES}-byte limit`);
  }
  return Uint8Array.from(w.bytes);
}
