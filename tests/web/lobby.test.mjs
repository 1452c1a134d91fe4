// The engine's lobby model (assets/web/js/lobby.js) with each game's
// module: the join info decoded by the game, snapshots applied with its
// schema, inputs numbered across a resume, Game messages and events
// through the game's payload code, and at most one Ack per snapshot.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { encodeClient } from '../../assets/web/js/codec.js';
import { Lobby } from '../../assets/web/js/lobby.js';
import { writeRecords } from '../../assets/web/js/records.js';
import { encodeWhole } from '../../assets/web/js/wire.js';
import * as arena from '../../games/arena/web/protocol.js';
import * as four from '../../games/four/web/protocol.js';
import { fromHex, golden } from './golden.mjs';

const joined = (game, info, avatar = null) => ({
  type: 'Joined', lobby: 3, game, join_code: 'K7PQ3M', max_players: 2, avatar, tick: 0, info,
});
const fourInfo = fromHex(golden.games.four.info[0].hex); // seat 0, 900 ticks a turn
const snapshot = (tick, age, records) => ({ type: 'Snapshot', tick, baseline_age: age, input_seq_advance: 0, records });

test('Joined: the game reads its join info; a resume is the same seat', () => {
  const lobby = new Lobby(four, 30);
  const msg = joined('four', fourInfo);
  lobby.joined(msg);
  assert.deepStrictEqual(lobby.info, { seat: 0, turn_ticks: 900 });
  assert.equal(lobby.joinCode, 'K7PQ3M');
  assert.ok(lobby.sameSeat(msg));
  assert.ok(!lobby.sameSeat({ ...msg, lobby: 4 }));
  assert.ok(!lobby.sameSeat({ ...msg, game: 'arena' }));
  assert.ok(!lobby.sameSeat({ ...msg, avatar: { kind: 0, index: 0, generation: 1 } }));
  assert.throws(() => lobby.joined(joined('four', new Uint8Array([2, 0, 0]))), /Option byte/);
});

test('four: snapshots apply with its schema, and each new one is acked once', () => {
  const lobby = new Lobby(four, 30);
  lobby.joined(joined('four', fourInfo));
  assert.equal(lobby.ack(), null, 'nothing to ack before a snapshot');
  const state = {
    board: new Array(42).fill(0), turn: 0, phase: { type: 'Playing' }, deadline: 930, moves: 0, game: 1,
  };
  const full = writeRecords([
    { type: 'Row', key: 0, fields: { player: 7n, wins: 0, rematch: false } },
    { type: 'Singleton', fields: state },
  ], four.schema);
  const applied = lobby.snapshot(snapshot(30, 0, full), 1000);
  assert.equal(applied.prev, null);
  assert.deepStrictEqual(applied.view.singleton, state);
  assert.deepStrictEqual(lobby.ack(), { type: 'Ack', tick: 30 });
  assert.equal(lobby.ack(), null, 'at most one Ack per snapshot');
  assert.equal(lobby.snapshot(snapshot(30, 0, full), 1001), null, 'a stale snapshot is not applied');
  assert.equal(lobby.snapshot(snapshot(40, 5, new Uint8Array()), 1002), null, 'nor one without its baseline');
  const next = lobby.snapshot(snapshot(31, 1, writeRecords([{ type: 'RowGone', key: 0 }], four.schema)), 1003);
  assert.equal(next.view.rows.size, 0);
  assert.deepStrictEqual(lobby.ack(), { type: 'Ack', tick: 31 });
  assert.equal(lobby.snapshotRate(1500), 2);
});

test('four: Drop and Rematch go out as Game messages; events come in decoded', () => {
  const lobby = new Lobby(four, 30);
  const drop = lobby.gameMsg({ type: 'Drop', column: 3 });
  assert.deepStrictEqual(drop, { type: 'Game', payload: new Uint8Array([0, 3]) });
  assert.deepStrictEqual(encodeClient(drop), new Uint8Array([10, 2, 0, 3]));
  assert.deepStrictEqual(lobby.gameMsg({ type: 'Rematch' }).payload, new Uint8Array([1]));
  const illegal = golden.games.four.events.find((c) => c.event.type === 'Illegal');
  assert.deepStrictEqual(lobby.event({ type: 'Event', payload: fromHex(illegal.hex) }), illegal.event);
});

test('arena: inputs are numbered, carry the game payload and ack the newest view, across a resume', () => {
  const lobby = new Lobby(arena, 30);
  const map = encodeWhole((w) => {
    w.string('m');
    for (let i = 0; i < 4; i++) w.f32(0, 'bounds');
    w.varint(0);
  });
  const msg = joined('arena', map, { kind: 0, index: 1, generation: 1 });
  lobby.joined(msg);
  const controls = { movement: { x: 1, y: 0 }, aim: { x: 0, y: 1 }, fire: true, hitscan: false };
  const first = lobby.input(controls);
  assert.equal(first.seq, 1);
  assert.equal(first.ack_tick, 0);
  assert.equal(first.payload.length, 18);
  lobby.snapshot(snapshot(12, 0, writeRecords([{ type: 'Me', offset: { x: 5, y: 5 } }], arena.schema)), 0);
  assert.equal(lobby.input(controls).ack_tick, 12);
  lobby.joined(msg); // resumed
  const third = lobby.input(controls);
  assert.deepStrictEqual([third.seq, third.ack_tick], [3, 0], 'seq goes on; views start over');
});

test('the roster: players by id, avatars to their owners', () => {
  const lobby = new Lobby(arena, 30);
  lobby.roster({ type: 'Roster', players: [
    { player: 1n, name: 'ada', avatar: { kind: 0, index: 2, generation: 1 } },
    { player: 2n, name: 'bob', avatar: null },
  ] });
  lobby.rosterUpdate({ type: 'RosterUpdate', added: [
    { player: 3n, name: 'cy', avatar: { kind: 0, index: 2, generation: 2 } },
  ], removed: [2n] });
  assert.equal(lobby.player(1n).name, 'ada');
  assert.equal(lobby.player(2n), null);
  assert.equal(lobby.avatarOwner(0, 2).name, 'cy', 'the newest generation of a reused slot');
  assert.equal(lobby.avatarOwner(1, 2), null);
});
