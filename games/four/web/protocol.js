// Four in a Row's payloads and replicated fields (games/four/PROTOCOL.md;
// games/four/src/protocol.rs): the schema the engine reads
// snapshot records with (a row per seat, the table as the singleton; no
// entities), the join info, the events and the messages a client sends.
// Four has no per-tick input. Pure: it reads and writes with the engine's
// Reader and Writer, passed in. Checked against Rust by tests/web/.

/** Columns and rows of the board; a cell's index is row * COLUMNS + column,
 *  rows counted from the bottom. */
export const COLUMNS = 7;
export const ROWS = 6;
export const CELLS = COLUMNS * ROWS;
/** Discs in a winning line. */
export const LINE = 4;

const PHASES = ['Waiting', 'Playing', 'Won', 'Draw', 'Forfeit'];
const FORFEIT_REASONS = ['TurnTimer', 'Left', 'Expired'];
const EVENTS = ['Started', 'Moved', 'Won', 'Draw', 'Forfeit', 'RematchRequested', 'Illegal'];
const MSGS = ['Drop', 'Rematch'];

/** `Phase`: {type:'Waiting'|'Playing'|'Draw'}, {type:'Won', seat},
 *  {type:'Forfeit', seat, why} (why: 'TurnTimer' | 'Left' | 'Expired'). */
function readPhase(r) {
  const type = r.tag(PHASES, 'phase');
  if (type === 'Won') return { type, seat: r.u8('seat') };
  if (type === 'Forfeit') return { type, seat: r.u8('seat'), why: r.tag(FORFEIT_REASONS, 'forfeit reason') };
  return { type };
}

function writePhase(w, v) {
  w.tag(v?.type, PHASES, 'phase');
  if (v.type === 'Won' || v.type === 'Forfeit') w.u8(v.seat, 'phase.seat');
  if (v.type === 'Forfeit') w.tag(v.why, FORFEIT_REASONS, 'phase.why');
}

const field = (name, read, write) => ({ name, read, write });

/** The board's 42 bytes, each 0, 1 or 2, as numbers. */
function readBoard(r) {
  const board = Array.from(r.fixedBytes(CELLS, 'board'));
  const bad = board.find((b) => b > 2);
  if (bad !== undefined) throw r.malformed(`board: a cell is 0, 1 or 2, not ${bad}`);
  return board;
}
const NO_FIELDS = { fields: [] };

/** Rows keyed by seat (0, 1): `{player (BigInt), wins, rematch}`. The
 *  singleton `FourState`: `{board (42 numbers: 0 empty, 1 seat 0, 2 seat
 *  1), turn (seat or null), phase, deadline (tick), moves, game}`. */
export const schema = {
  // Rust's `()`: an entity record of any kind carries no bytes (four sends
  // none).
  entity: () => NO_FIELDS,
  row: {
    fields: [
      field('player', (r) => r.u64('player'), (w, v) => w.u64(v, 'player')),
      field('wins', (r) => r.u32('wins'), (w, v) => w.u32(v, 'wins')),
      field('rematch', (r) => r.bool('rematch'), (w, v) => w.bool(v, 'rematch')),
    ],
  },
  singleton: {
    fields: [
      field('board', readBoard, (w, v) => w.fixedBytes(v, CELLS, 'board')),
      field('turn', (r) => r.option('turn', () => r.u8('turn')), (w, v) => w.option(v, (x) => w.u8(x, 'turn'))),
      field('phase', readPhase, writePhase),
      field('deadline', (r) => r.u32('deadline'), (w, v) => w.u32(v, 'deadline')),
      field('moves', (r) => r.u8('moves'), (w, v) => w.u8(v, 'moves')),
      field('game', (r) => r.u32('game'), (w, v) => w.u32(v, 'game')),
    ],
  },
};

/** `Joined.info`: `FourInfo {seat (number or null), turn_ticks}`. */
export function readInfo(r) {
  return { seat: r.option('seat', () => r.u8('seat')), turn_ticks: r.u32('turn_ticks') };
}

function cell(r) {
  return { column: r.u8('column'), row: r.u8('row') };
}

/** An `Event` payload: `FourEvent` as `{type, ...fields}`. */
export function readEvent(r) {
  const type = r.tag(EVENTS, 'four event');
  switch (type) {
    case 'Started':
      return { type, game: r.u32('game'), first: r.u8('first') };
    case 'Moved':
      return { type, seat: r.u8('seat'), column: r.u8('column'), row: r.u8('row') };
    case 'Won':
      return { type, seat: r.u8('seat'), cells: [cell(r), cell(r), cell(r), cell(r)] };
    case 'Forfeit':
      return { type, seat: r.u8('seat'), why: r.tag(FORFEIT_REASONS, 'forfeit reason') };
    case 'RematchRequested':
      return { type, seat: r.u8('seat') };
    case 'Illegal':
      return { type, reason: r.string('reason') };
    default: // Draw
      return { type };
  }
}

/** A `Game` payload: `FourMsg`, `{type:'Drop', column}` or `{type:'Rematch'}`. */
export function writeMsg(w, msg) {
  w.tag(msg?.type, MSGS, 'four message');
  if (msg.type === 'Drop') w.u8(msg.column, 'column');
}
