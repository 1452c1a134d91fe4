// What the Four page shows (games/four/web/model.js), from a view and the
// lobby: whose turn, the countdown from the replicated deadline (ticks_left
// = deadline - snapshot tick), names and wins from the rows and roster,
// the winning line, which columns take a disc, when a rematch may be asked.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { columnOpen, describe as show, ticksLeft, winningLine } from '../../games/four/web/model.js';

const board = (columns) => {
  const b = new Array(42).fill(0);
  columns.forEach((c, i) => {
    let row = 0;
    while (b[row * 7 + c] !== 0) row++;
    b[row * 7 + c] = (i % 2) + 1;
  });
  return b;
};

const lobby = (seat) => ({
  info: { seat, turn_ticks: 900 },
  tickHz: 30,
  player: (id) => ({ 7n: { name: 'ada' }, 9n: { name: 'bob' } })[id] ?? null,
});

const view = (tick, singleton, rows = [[0, { player: 7n, wins: 1, rematch: false }], [1, { player: 9n, wins: 0, rematch: false }]]) => ({
  tick, last_input_seq: 0, me: { x: 0, y: 0 }, entities: new Map(), rows: new Map(rows), singleton,
});

const playing = (columns, turn, deadline) => ({
  board: board(columns), turn, phase: { type: 'Playing' }, deadline, moves: columns.length, game: 1,
});

test('the countdown is the deadline minus the snapshot tick, never below 0', () => {
  assert.equal(ticksLeft(930, 30), 900);
  assert.equal(ticksLeft(930, 930), 0);
  assert.equal(ticksLeft(930, 1000), 0);
  const d = show(lobby(0), view(100, playing([3], 1, 160)));
  assert.equal(d.ticksLeft, 60);
  assert.equal(d.secondsLeft, 2);
});

test('my turn: every open column takes a disc; theirs: none', () => {
  const full = [0, 0, 0, 0, 0, 0];
  const mine = show(lobby(0), view(10, playing(full, 0, 900)));
  assert.equal(mine.status, 'Your turn');
  assert.ok(mine.myTurn);
  assert.deepStrictEqual(mine.canDrop, [false, true, true, true, true, true, true]);
  const theirs = show(lobby(1), view(10, playing(full, 0, 900)));
  assert.equal(theirs.status, "ada's turn");
  assert.deepStrictEqual(theirs.canDrop, new Array(7).fill(false));
  const watcher = show(lobby(null), view(10, playing(full, 0, 900)));
  assert.ok(!watcher.myTurn && !watcher.canRematch);
});

test('a win: the line is found, names and wins shown, a rematch may be asked', () => {
  const cols = [0, 1, 0, 1, 0, 1, 0];
  const s = { board: board(cols), turn: null, phase: { type: 'Won', seat: 0 }, deadline: 0, moves: 7, game: 1 };
  const rows = [[0, { player: 7n, wins: 2, rematch: false }], [1, { player: 9n, wins: 0, rematch: true }]];
  const won = show(lobby(0), view(50, s, rows));
  assert.equal(won.status, 'You won!');
  assert.equal(won.winner, 0);
  assert.deepStrictEqual(won.line, [0, 1, 2, 3].map((row) => ({ column: 0, row })));
  assert.deepStrictEqual(won.seats.map((x) => [x.name, x.wins, x.rematch]), [['ada', 2, false], ['bob', 0, true]]);
  assert.ok(won.canRematch);
  assert.equal(won.ticksLeft, 0);
  const lost = show(lobby(1), view(50, s, rows));
  assert.equal(lost.status, 'ada won');
  assert.ok(!lost.canRematch, 'bob asked already');
});

test('a forfeit names who ran out of time and who wins; waiting before a game', () => {
  const s = { board: board([3]), turn: null, phase: { type: 'Forfeit', seat: 1, why: 'TurnTimer' }, deadline: 0, moves: 1, game: 1 };
  const d = show(lobby(0), view(50, s));
  assert.equal(d.winner, 0);
  assert.equal(d.status, 'bob ran out of time: you win');
  const empty = show(lobby(0), null);
  assert.equal(empty.status, 'Waiting for an opponent…');
  assert.deepStrictEqual(empty.seats.map((x) => x.name), [null, null]);
});

test('winningLine finds diagonals and nothing on a board without four', () => {
  const diag = board([0, 1, 1, 2, 2, 3, 2, 3, 3, 6, 3]);
  assert.deepStrictEqual(winningLine(diag, 0), [0, 1, 2, 3].map((i) => ({ column: i, row: i })));
  assert.equal(winningLine(board([0, 1, 0, 1]), 0), null);
  assert.ok(!columnOpen(board([2, 2, 2, 2, 2, 2]), 2));
  assert.ok(!columnOpen(board([]), 7));
});
