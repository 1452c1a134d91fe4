// assets/web/js/codec.js (the engine's envelope) against the Rust codec:
// every server vector decodes field by field to what Rust encoded, every
// client message encodes to Rust's bytes, and every kind of bad input
// throws CodecError, quickly and without allocating what a hostile length
// declares. Payloads and records stay bytes here (games.test.mjs and
// views.test.mjs read them).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  CodecError, MAX_CLIENT_MSG_BYTES, MAX_INPUTS_PER_MESSAGE, MAX_SERVER_MSG_BYTES,
  MAX_TICKET_BYTES, PROTOCOL_VERSION, decodeServer, encodeClient,
} from '../../assets/web/js/codec.js';
import { fromHex, golden, toHex } from './golden.mjs';

/** Asserts that `fn` throws a CodecError, of `kind` if given. */
function throwsCodecError(fn, kind, what) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof CodecError, `${what}: threw ${e} instead of a CodecError`);
    if (kind) assert.equal(e.kind, kind, `${what}: ${e.message}`);
    return true;
  }, what);
}

test('constants match Rust', () => {
  assert.equal(PROTOCOL_VERSION, golden.constants.PROTOCOL_VERSION);
  assert.equal(MAX_CLIENT_MSG_BYTES, golden.constants.MAX_CLIENT_MSG_BYTES);
  assert.equal(MAX_SERVER_MSG_BYTES, golden.constants.MAX_SERVER_MSG_BYTES);
  assert.equal(MAX_INPUTS_PER_MESSAGE, golden.constants.MAX_INPUTS_PER_MESSAGE);
  assert.equal(MAX_TICKET_BYTES, golden.constants.MAX_TICKET_BYTES);
});

describe('decodeServer: every server vector, field by field', () => {
  for (const v of golden.server) {
    test(v.name, () => {
      assert.deepStrictEqual(decodeServer(fromHex(v.hex)), v.msg);
    });
  }
});

describe('decodeServer: longer varint forms than needed are accepted', () => {
  for (const v of golden.server_lenient) {
    test(v.name, () => {
      assert.deepStrictEqual(decodeServer(fromHex(v.hex)), v.msg);
      assert.deepStrictEqual(decodeServer(fromHex(v.canonical_hex)), v.msg);
    });
  }
});

test('decodeServer reads from an ArrayBuffer and from a view into a larger buffer', () => {
  for (const v of golden.server) {
    const bytes = fromHex(v.hex);
    assert.deepStrictEqual(decodeServer(bytes.slice().buffer), v.msg, v.name);
    const padded = new Uint8Array(bytes.length + 7);
    padded.set(bytes, 3);
    assert.deepStrictEqual(decodeServer(padded.subarray(3, 3 + bytes.length)), v.msg, v.name);
  }
});

test('decoded tokens, payloads and records are copies, not views of the message buffer', () => {
  for (const type of ['Welcome', 'Joined', 'Snapshot', 'Event', 'Redirect']) {
    const v = golden.server.find((x) => x.msg.type === type && fromHex(x.hex).length > 20);
    const bytes = fromHex(v.hex);
    const msg = decodeServer(bytes);
    bytes.fill(0);
    assert.deepStrictEqual(msg, v.msg, type);
  }
});

describe('decodeServer: malformed input throws CodecError of the kind Rust reports', () => {
  for (const v of golden.server_malformed) {
    test(v.name, () => {
      const bytes = v.filled ? new Uint8Array(v.filled.len).fill(v.filled.byte) : fromHex(v.hex);
      throwsCodecError(() => decodeServer(bytes), v.error, v.name);
    });
  }
});

test('decodeServer: every strict prefix of every vector is truncated', () => {
  for (const v of [...golden.server, ...golden.server_lenient]) {
    const bytes = fromHex(v.hex);
    for (let len = 0; len < bytes.length; len++) {
      throwsCodecError(() => decodeServer(bytes.subarray(0, len)), 'Malformed', `${v.name}[..${len}]`);
    }
  }
});

test('decodeServer: a byte after a whole message is an error', () => {
  for (const v of golden.server) {
    const bytes = fromHex(v.hex);
    for (const extra of [0x00, 0x06, 0xff]) {
      const longer = new Uint8Array([...bytes, extra]);
      throwsCodecError(() => decodeServer(longer), 'TrailingBytes', `${v.name} + ${extra}`);
    }
  }
});

test('decodeServer: mangled vectors decode or throw CodecError, nothing else', () => {
  // A seeded xorshift, so a failure reproduces.
  let s = 0x2545f491;
  const rand = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
  for (const v of golden.server) {
    const original = fromHex(v.hex);
    for (let round = 0; round < 40; round++) {
      const bytes = original.slice();
      const flips = 1 + (rand() % 3);
      for (let i = 0; i < flips && bytes.length > 0; i++) bytes[rand() % bytes.length] = rand() & 0xff;
      try {
        decodeServer(bytes);
      } catch (e) {
        assert.ok(e instanceof CodecError, `${v.name} mangled to ${toHex(bytes)}: ${e}`);
      }
    }
  }
});

test('a hostile declared length throws at once, without allocating it', () => {
  const hostile = [
    '01fdffffffffffffff7f00', // LobbyList of ~2^63 lobbies
    '07fcffffffff00', // Roster of 2^32 - 1 players
    '0500fdffffffffffffffff61', // Error message of ~2^64 bytes
    '0500fc0000008061', // Error message of 2 GiB
    '03010000fcffffff7f00', // Snapshot of 2^31 bytes of records
    '0afdffffffffffffff7f00', // Event of ~2^63 bytes
  ].map(fromHex);
  const before = process.memoryUsage();
  const start = performance.now();
  for (let i = 0; i < 1000; i++) {
    for (const bytes of hostile) throwsCodecError(() => decodeServer(bytes), 'Malformed', toHex(bytes));
  }
  const elapsed = performance.now() - start;
  const after = process.memoryUsage();
  // 6000 refusals: generous bounds that a single allocation of what the
  // bytes declare, or a loop over it, would blow by orders of magnitude.
  assert.ok(elapsed < 2000, `took ${elapsed.toFixed(0)} ms`);
  assert.ok(after.arrayBuffers - before.arrayBuffers < 16 << 20, 'allocated an ArrayBuffer');
  assert.ok(after.heapUsed - before.heapUsed < 64 << 20, 'grew the heap');
});

describe('encodeClient: every client vector, byte for byte', () => {
  for (const v of golden.client) {
    test(v.name, () => {
      assert.equal(toHex(encodeClient(v.msg)), v.hex);
    });
  }
});

test('encodeClient: a Ping client_time may be a safe-integer number', () => {
  for (const v of golden.client.filter((x) => x.msg.type === 'Ping')) {
    if (v.msg.client_time > BigInt(Number.MAX_SAFE_INTEGER)) continue;
    const asNumber = { ...v.msg, client_time: Number(v.msg.client_time) };
    assert.equal(toHex(encodeClient(asNumber)), v.hex, v.name);
  }
});

test('encodeClient: Inputs is a count, then each input as Input writes it', () => {
  const inputs = golden.client.filter((x) => x.msg.type === 'Input').map((x) => x.msg).slice(0, 4);
  const batch = { type: 'Inputs', inputs };
  const frames = inputs.map((input) => toHex(encodeClient(input)).slice(2));
  const count = inputs.length.toString(16).padStart(2, '0');
  assert.equal(toHex(encodeClient(batch)), `09${count}${frames.join('')}`);
  // A frame's own `type`, if it has one, is ignored.
  assert.deepStrictEqual(encodeClient(batch),
    encodeClient({ type: 'Inputs', inputs: inputs.map(({ type, ...frame }) => frame) }));
  assert.equal(toHex(encodeClient({ type: 'Inputs', inputs: [] })), '0900');
});

describe('encodeClient: messages over MAX_CLIENT_MSG_BYTES are refused', () => {
  for (const v of golden.client_refused) {
    test(v.name, () => throwsCodecError(() => encodeClient(v.msg), v.error, v.name));
  }
});

test('encodeClient: values the wire cannot carry throw CodecError', () => {
  const input = { type: 'Input', seq: 1, ack_tick: 0, payload: new Uint8Array(18) };
  const token = new Uint8Array(16);
  const bad = [
    null,
    {},
    { type: 'Shout' },
    { type: 'Hello', protocol_version: 65536, name: 'ada' },
    { type: 'Hello', protocol_version: 5 },
    { type: 'Hello', protocol_version: 4.5, name: 'ada' },
    { type: 'Hello', protocol_version: 7, name: 'ada', token: 5 },
    { type: 'Hello', protocol_version: 7, name: 'ada', token: new Uint8Array(3) },
    { type: 'CreateLobby', game: 'arena', name: 'x', max_players: 256, private: false },
    { type: 'CreateLobby', game: 'arena', name: 'x', max_players: 2, private: 1 },
    { type: 'CreateLobby', name: 'x', max_players: 2, private: false },
    { type: 'QuickJoin' },
    { type: 'QuickJoin', game: 4 },
    { type: 'JoinLobby', target: { Id: -1 } },
    { type: 'JoinLobby', target: { Id: 2 ** 32 } },
    { type: 'JoinLobby', target: {} },
    { type: 'JoinLobby' },
    { type: 'JoinLobby', target: 'K7PQ' },
    { type: 'JoinLobby', target: { Code: 7 } },
    { type: 'JoinLobby', target: { Ticket: [1, 2] } },
    { type: 'JoinLobby', target: { Ticket: 'c0ffee' } },
    { type: 'JoinLobby', target: { Ticket: null } },
    { ...input, seq: -1 },
    { ...input, ack_tick: 2 ** 32 },
    { ...input, payload: [0, 1] },
    { ...input, payload: undefined },
    { type: 'Ping', client_time: -1n },
    { type: 'Ping', client_time: 2n ** 64n },
    { type: 'Ping', client_time: 2 ** 53 },
    { type: 'Ping', client_time: 1.5 },
    { type: 'Resume', protocol_version: 5, token: token.subarray(0, 15) },
    { type: 'Resume', protocol_version: 5, token: [...token.subarray(0, 15), 256] },
    { type: 'Resume', protocol_version: 5 },
    { type: 'Inputs' },
    { type: 'Inputs', inputs: input },
    { type: 'Inputs', inputs: [input, null] },
    { type: 'Inputs', inputs: [{ ...input, seq: 2 ** 32 }] },
    { type: 'Game' },
    { type: 'Game', payload: 'ab' },
    { type: 'Ack' },
    { type: 'Ack', tick: -1 },
  ];
  for (const msg of bad) {
    throwsCodecError(() => encodeClient(msg), 'InvalidValue', JSON.stringify(msg, (k, v) =>
      (typeof v === 'bigint' ? `${v}n` : v)));
  }
});

test('encodeClient: a huge Inputs array is refused before any frame is written', () => {
  const inputs = new Array(10_000_000);
  const start = performance.now();
  throwsCodecError(() => encodeClient({ type: 'Inputs', inputs }), 'TooLarge', 'ten million');
  assert.ok(performance.now() - start < 100);
});

test('a Redirect\'s ticket goes back in JoinLobby byte for byte', () => {
  // The ticket is opaque: what the decoder gives is what the encoder takes.
  const redirects = golden.server.filter((x) => x.msg.type === 'Redirect');
  assert.ok(redirects.length > 0);
  for (const v of redirects) {
    const { ticket } = decodeServer(fromHex(v.hex));
    const join = () => encodeClient({ type: 'JoinLobby', target: { Ticket: ticket } });
    if (ticket.length > MAX_CLIENT_MSG_BYTES - 5) {
      throwsCodecError(join, 'TooLarge', v.name);
      continue;
    }
    const bytes = join();
    const wide = ticket.length > 250 ? 'fb' + toHex(Uint8Array.of(ticket.length & 0xff, ticket.length >> 8)) : '';
    const length = wide || ticket.length.toString(16).padStart(2, '0');
    assert.equal(toHex(bytes), `0302${length}${toHex(ticket)}`, v.name);
  }
});
