// What the Four page shows, worked out from the engine's newest view and
// the lobby (pure: no DOM, no clock, so Node tests check it): whose turn,
// the countdown from the replicated deadline, each seat's name and wins,
// the winning line, and which columns take a disc.

import { CELLS, COLUMNS, LINE, ROWS } from './protocol.js';

/** The disc in a cell: 0 none, 1 seat 0, 2 seat 1. */
export function disc(board, column, row) {
  return board[row * COLUMNS + column];
}

/** Whether `column` has room for another disc. */
export function columnOpen(board, column) {
  return column >= 0 && column < COLUMNS && disc(board, column, ROWS - 1) === 0;
}

const DIRECTIONS = [[1, 0], [0, 1], [1, 1], [1, -1]];

/** The cells of a line of LINE discs of `seat`, or null. */
export function winningLine(board, seat) {
  const want = seat + 1;
  for (let row = 0; row < ROWS; row++) {
    for (let column = 0; column < COLUMNS; column++) {
      for (const [dc, dr] of DIRECTIONS) {
        const cells = [];
        for (let k = 0; k < LINE; k++) {
          const c = column + dc * k;
          const r = row + dr * k;
          if (c < 0 || c >= COLUMNS || r < 0 || r >= ROWS || disc(board, c, r) !== want) break;
          cells.push({ column: c, row: r });
        }
        if (cells.length === LINE) return cells;
      }
    }
  }
  return null;
}

/** Ticks the seat to move has left at `tick`: the deadline minus the tick,
 *  0 once passed or with no game in progress (FourState::ticks_left). */
export function ticksLeft(deadline, tick) {
  return deadline > tick ? deadline - tick : 0;
}

const REASONS = { TurnTimer: 'ran out of time', Left: 'left', Expired: 'lost the connection' };

/**
 * Everything the page shows, from the newest view.
 * @param {object} lobby the engine's Lobby (info.seat, roster, tickHz)
 * @param {object|null} view the newest view, or null before the first
 * @returns {object} {seat, phase, turn, board, moves, game, deadline,
 *   ticksLeft, secondsLeft, seats: [{seat, name, wins, rematch, self}],
 *   winner, line, status, myTurn, canDrop: [bool x7], canRematch}
 */
export function describe(lobby, view) {
  const seat = lobby.info ? lobby.info.seat : null;
  const s = view && view.singleton;
  const board = s ? s.board : new Array(CELLS).fill(0);
  const phase = s ? s.phase : { type: 'Waiting' };
  const turn = s ? s.turn : null;
  const left = s && phase.type === 'Playing' ? ticksLeft(s.deadline, view.tick) : 0;
  const seats = [0, 1].map((k) => {
    const row = view ? view.rows.get(k) : undefined;
    if (!row) return { seat: k, name: null, wins: 0, rematch: false, self: k === seat };
    const entry = lobby.player(row.player);
    return { seat: k, name: entry ? entry.name : `player ${row.player}`, wins: row.wins, rematch: row.rematch, self: k === seat };
  });
  const who = (k) => (k === seat ? 'You' : seats[k]?.name ?? `Seat ${k + 1}`);
  const winner = phase.type === 'Won' ? phase.seat : phase.type === 'Forfeit' ? 1 - phase.seat : null;
  const myTurn = phase.type === 'Playing' && seat !== null && turn === seat;
  let status;
  switch (phase.type) {
    case 'Playing':
      status = myTurn ? 'Your turn' : `${who(turn)}'s turn`;
      break;
    case 'Won':
      status = phase.seat === seat ? 'You won!' : `${who(phase.seat)} won`;
      break;
    case 'Draw':
      status = 'A draw: the board is full';
      break;
    case 'Forfeit':
      status = `${who(phase.seat)} ${REASONS[phase.why] ?? 'forfeited'}: ${winner === seat ? 'you win' : `${who(winner)} wins`}`;
      break;
    default:
      status = 'Waiting for an opponent…';
  }
  const over = phase.type === 'Won' || phase.type === 'Draw' || phase.type === 'Forfeit';
  return {
    seat,
    phase,
    turn,
    board,
    moves: s ? s.moves : 0,
    game: s ? s.game : 0,
    deadline: s ? s.deadline : 0,
    ticksLeft: left,
    secondsLeft: Math.ceil(left / Math.max(1, lobby.tickHz)),
    seats,
    winner,
    line: phase.type === 'Won' ? winningLine(board, phase.seat) : null,
    status,
    myTurn,
    canDrop: Array.from({ length: COLUMNS }, (_, c) => myTurn && columnOpen(board, c)),
    canRematch: over && seat !== null && !seats[seat].rematch,
  };
}
