// Arena's model (games/arena/web/model.js) on the engine's lobby model
// (assets/web/js/lobby.js), without a browser: fed snapshots by hand with
// the time passed in, it must predict and reconcile the own player as
// NETCODE §1-2 says, interpolate others 100 ms in the past on the clock
// estimate of §4, and ignore snapshots it cannot apply (§6).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lobby } from '../../assets/web/js/lobby.js';
import { writeRecords } from '../../assets/web/js/records.js';
import { encodeWhole } from '../../assets/web/js/wire.js';
import { ArenaModel } from '../../games/arena/web/model.js';
import { stepPlayer, tickDt } from '../../games/arena/web/movement.js';
import * as arena from '../../games/arena/web/protocol.js';

const HZ = 30;
const TICK_MS = 1000 / HZ;
const MAP = {
  name: 'test',
  bounds: { min: { x: 0, y: 0 }, max: { x: 1000, y: 1000 } },
  walls: [{ min: { x: 600, y: 0 }, max: { x: 640, y: 1000 } }],
};
const ME = { kind: arena.KIND_PLAYER, index: 0, generation: 1 };
const OTHER = 1;
const fixed = (v) => Math.round(v * 1024);

/** The map as Joined.info carries it. */
const INFO = encodeWhole((w) => {
  w.string(MAP.name);
  for (const r of [MAP.bounds]) for (const v of [r.min.x, r.min.y, r.max.x, r.max.y]) w.f32(v);
  w.varint(MAP.walls.length);
  for (const r of MAP.walls) for (const v of [r.min.x, r.min.y, r.max.x, r.max.y]) w.f32(v);
});

/** The engine's lobby and arena's model on it, as the page has them. */
class Game {
  constructor(tickHz, snapshotHz = tickHz) {
    this.lobby = new Lobby(arena, tickHz, snapshotHz);
    this.model = new ArenaModel(this.lobby);
  }

  joined(msg) {
    this.lobby.joined(msg);
    this.model.joined();
  }

  snapshot(msg, now) {
    const applied = this.lobby.snapshot(msg, now);
    return applied ? this.model.snapshot(applied.view, now) : null;
  }
}

function joined(game) {
  game.joined({ type: 'Joined', lobby: 1, game: 'arena', join_code: 'ABCDEF', max_players: 4, avatar: ME, tick: 0, info: INFO });
  game.lobby.roster({ type: 'Roster', players: [
    { player: 1n, name: 'me', avatar: ME },
    { player: 2n, name: 'other', avatar: { kind: arena.KIND_PLAYER, index: OTHER, generation: 1 } },
  ] });
}

const track = (p, v) => ({ pos: { x: fixed(p.x), y: fixed(p.y) }, vel: { x: fixed(v.x), y: fixed(v.y) } });

/** A full snapshot: me at `me` (world units) after input `seq`, the other
 *  player at `other` moving `vel` units per tick. */
function full(tick, seq, me, other, vel = { x: 0, y: 0 }, alive = true) {
  const records = writeRecords([
    { type: 'Me', offset: { x: fixed(me.x), y: fixed(me.y) } },
    { type: 'Enter', kind: 0, index: ME.index, track: track(me, { x: 0, y: 0 }), fields: { aim: 0, hp: 100, alive } },
    { type: 'Enter', kind: 0, index: OTHER, track: track(other, vel), fields: { aim: 64, hp: 80, alive: true } },
    { type: 'Row', key: ME.index, fields: { generation: 1, kills: 2, deaths: 1 } },
    { type: 'Row', key: OTHER, fields: { generation: 1, kills: 1, deaths: 2 } },
  ], arena.schema);
  return { type: 'Snapshot', tick, baseline_age: 0, input_seq_advance: seq, records };
}

const controls = (x, y) => ({ movement: { x, y }, aim: { x: 1, y: 0 }, fire: false, hitscan: false });

test('prediction replays unacknowledged inputs on the exact own position', () => {
  const game = new Game(HZ);
  joined(game);
  const dt = tickDt(HZ);
  const start = { x: 100, y: 100 };
  const m = game.model;
  game.snapshot(full(1, 0, start, { x: 500, y: 500 }), 0);
  assert.deepEqual(m.pred, start);

  // Three inputs right; the server has applied one of them.
  const inputs = [1, 2, 3].map((i) => m.makeInput(controls(1, 0), i * TICK_MS));
  assert.deepEqual(inputs.map((i) => i.seq), [1, 2, 3]);
  assert.equal(inputs[2].ack_tick, 1, 'acknowledges the newest view held');
  assert.equal(inputs[2].payload.length, 18, "carries arena's input payload");
  let expect = start;
  for (let i = 0; i < 3; i++) expect = stepPlayer(expect, { x: 1, y: 0 }, dt, MAP);
  assert.deepEqual(m.pred, expect);

  const afterOne = stepPlayer(start, { x: 1, y: 0 }, dt, MAP);
  game.snapshot(full(2, 1, afterOne, { x: 500, y: 500 }), 4 * TICK_MS);
  assert.equal(m.unacked.length, 2, 'the acknowledged input is dropped');
  assert.deepEqual(m.pred, expect, 'replaying the rest lands where prediction was');
  assert.deepEqual(m.prediction, { samples: 1, maxError: 0, skipped: 0 });

  // The server put us elsewhere (say it dropped input 2): we follow it.
  game.snapshot(full(3, 2, afterOne, { x: 500, y: 500 }), 5 * TICK_MS);
  assert.deepEqual(m.pred, stepPlayer(afterOne, { x: 1, y: 0 }, dt, MAP));
  assert.ok(m.prediction.maxError > 0);
});

test('a dead player is not moved by its inputs', () => {
  const game = new Game(HZ);
  joined(game);
  const at = { x: 300, y: 300 };
  game.snapshot(full(1, 0, at, { x: 500, y: 500 }, undefined, false), 0);
  game.model.makeInput(controls(0, 1), TICK_MS);
  game.model.makeInput(controls(0, 1), 2 * TICK_MS);
  assert.deepEqual(game.model.pred, at);
  game.snapshot(full(2, 1, at, { x: 500, y: 500 }, undefined, false), 3 * TICK_MS);
  assert.deepEqual(game.model.pred, at);
});

test('others are drawn 100 ms in the past, interpolated between views', () => {
  const game = new Game(HZ);
  joined(game);
  // The other player walks +x at 6 units per tick; snapshots arrive on time.
  for (let t = 1; t <= 10; t++) {
    game.snapshot(full(t, 0, { x: 100, y: 100 }, { x: 200 + 6 * t, y: 400 }, { x: 6, y: 0 }), t * TICK_MS);
  }
  // Half a tick after tick 10 arrived: the server is at 10.5, we draw 7.5.
  const now = 10.5 * TICK_MS;
  assert.ok(Math.abs(game.model.serverTick(now) - 10.5) < 1e-9);
  const f = game.model.frame(now);
  const other = f.players.find((p) => p.index === OTHER);
  assert.ok(Math.abs(other.x - (200 + 6 * 7.5)) < 1e-6, `x = ${other.x}`);
  assert.equal(other.name, 'other');
  assert.equal(other.hp, 80);
  assert.deepEqual([other.kills, other.deaths], [1, 2]);
  const self = f.players.find((p) => p.self);
  assert.deepEqual([self.x, self.y, self.name], [100, 100, 'me']);
  assert.deepEqual(game.model.scores().map((r) => r.name), ['me', 'other']);
});

test('the clock estimate follows the least-delayed snapshot', () => {
  const game = new Game(HZ);
  joined(game);
  // Tick 1 on time, tick 2 late by 20 ms, tick 3 on time.
  game.snapshot(full(1, 0, { x: 1, y: 1 }, { x: 2, y: 2 }), 1 * TICK_MS);
  game.snapshot(full(2, 0, { x: 1, y: 1 }, { x: 2, y: 2 }), 2 * TICK_MS + 20);
  assert.ok(Math.abs(game.model.serverTick(2 * TICK_MS + 20) - (2 + 20 / TICK_MS)) < 1e-9);
  // A late arrival never pulls the estimate back.
  game.snapshot(full(3, 0, { x: 1, y: 1 }, { x: 2, y: 2 }), 3 * TICK_MS + 30);
  assert.ok(Math.abs(game.model.serverTick(4 * TICK_MS) - 4) < 1e-9);
});

test('stale snapshots and deltas without their baseline are ignored', () => {
  const game = new Game(HZ);
  joined(game);
  assert.ok(game.snapshot(full(5, 0, { x: 1, y: 1 }, { x: 2, y: 2 }), 0));
  assert.equal(game.snapshot(full(4, 0, { x: 9, y: 9 }, { x: 2, y: 2 }), 1), null);
  const delta = { type: 'Snapshot', tick: 7, baseline_age: 1, input_seq_advance: 0, records: new Uint8Array() };
  assert.equal(game.snapshot(delta, 2), null);
  assert.equal(game.model.newest().tick, 5);
  assert.equal(game.lobby.baselines.ackTick(), 5);
  // Rejoining starts the views, the clock and the history over.
  joined(game);
  assert.equal(game.model.newest(), null);
  assert.equal(game.lobby.baselines.ackTick(), 0);
});

test('the interpolation delay is 100 ms, or two snapshot intervals if longer', () => {
  assert.equal(new Game(30).model.delayTicks, 3);
  assert.equal(new Game(30, 30).model.delayTicks, 3);
  assert.equal(new Game(30, 15).model.delayTicks, 4);
  assert.equal(new Game(30, 10).model.delayTicks, 6);
  assert.equal(new Game(60, 60).model.delayTicks, 6);
});
