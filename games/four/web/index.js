// Four in a Row's browser module, as the engine's page loads it from
// /games/four/index.js (the contract is in tests/web/README.md): the
// protocol parts the engine calls and `mount`, which builds the board as a
// DOM grid (no canvas) and the seats, countdown and rematch button beside
// it. A click on a column sends Drop{column}; there is no per-tick input
// (the engine acknowledges each snapshot with an Ack). A refused move
// (the Illegal event) is shown as the page's error.

import { COLUMNS, ROWS } from './protocol.js';
import { describe, disc } from './model.js';

export { schema, readInfo, readEvent, writeMsg } from './protocol.js';

export const name = 'four';
export const title = 'Four in a Row';
/** No per-tick input: moves are Game messages, snapshots are Acked. */
export const input = false;

const HUD = `
  <dl class="stats"><dt>Clock</dt><dd id="four-countdown">–</dd></dl>
  <table id="four-seats" class="scores">
    <thead><tr><th></th><th>Player</th><th>Wins</th></tr></thead>
    <tbody></tbody>
  </table>
  <button id="four-rematch" type="button" disabled>Rematch</button>
  <div class="controls">
    <h3>How to play</h3>
    <ul>
      <li>Click a column to drop a disc; it falls to the lowest free cell.</li>
      <li>Four of yours in a row (across, up or diagonal) wins.</li>
      <li>Move before your clock runs out, or you forfeit the game.</li>
    </ul>
  </div>`;

/**
 * Puts the table in the page.
 * @param {{stage: HTMLElement, hud: HTMLElement, lobby: object,
 *   send: (msg: object) => boolean, showError: (text: string) => void}} ctx
 */
export function mount(ctx) {
  return new FourPage(ctx);
}

class FourPage {
  constructor(ctx) {
    this.ctx = ctx;
    this.view = null;
    this.shown = '';
    this.active = false;
    this.css = document.createElement('link');
    this.css.rel = 'stylesheet';
    this.css.href = new URL('./four.css', import.meta.url).href;
    document.head.append(this.css);
    this.root = document.createElement('div');
    this.root.className = 'four';
    this.status = document.createElement('p');
    this.status.id = 'four-status';
    this.status.className = 'four-status';
    this.board = document.createElement('div');
    this.board.id = 'four-board';
    this.board.className = 'four-board';
    this.columns = [];
    this.cells = [];
    for (let c = 0; c < COLUMNS; c++) {
      const col = document.createElement('button');
      col.type = 'button';
      col.className = 'four-col';
      col.dataset.column = String(c);
      col.setAttribute('aria-label', `column ${c + 1}`);
      const cells = [];
      for (let r = ROWS - 1; r >= 0; r--) {
        const cell = document.createElement('span');
        cell.className = 'cell';
        cell.dataset.row = String(r);
        col.append(cell);
        cells[r] = cell;
      }
      this.columns.push(col);
      this.cells.push(cells);
      this.board.append(col);
    }
    this.root.append(this.status, this.board);
    ctx.stage.replaceChildren(this.root);
    ctx.hud.innerHTML = HUD;
    this.countdown = ctx.hud.querySelector('#four-countdown');
    this.seats = ctx.hud.querySelector('#four-seats tbody');
    this.rematch = ctx.hud.querySelector('#four-rematch');
    this.board.addEventListener('click', (e) => {
      const col = e.target.closest('[data-column]');
      if (col && !col.disabled) this.drop(Number(col.dataset.column));
    });
    this.rematch.addEventListener('click', () => {
      if (this.active && this.ctx.send(this.ctx.lobby.gameMsg({ type: 'Rematch' }))) this.rematch.disabled = true;
    });
  }

  drop(column) {
    if (!this.active) return;
    this.ctx.send(this.ctx.lobby.gameMsg({ type: 'Drop', column }));
  }

  joined() {
    this.view = null;
  }

  snapshot(view) {
    this.view = view;
  }

  /** Illegal is this player's refused message: the page's error. The rest
   *  show in the replicated state. */
  event(ev) {
    if (ev.type === 'Illegal') this.ctx.showError(`That move was refused: ${ev.reason}`);
  }

  setActive(on) {
    this.active = on;
  }

  /** Redraws what changed (the board, the seats, the clock). */
  frame(now, { reconnecting }) {
    const d = describe(this.ctx.lobby, this.view);
    const status = reconnecting ? 'Connection lost: reconnecting…' : d.status;
    const key = JSON.stringify([status, d.board, d.seats, d.canDrop, d.canRematch, d.line, d.turn, this.active]);
    this.countdownText(d);
    if (key === this.shown) return;
    this.shown = key;
    this.status.textContent = status;
    this.root.dataset.phase = d.phase.type;
    const line = new Set((d.line ?? []).map((c) => `${c.column}/${c.row}`));
    for (let c = 0; c < COLUMNS; c++) {
      this.columns[c].disabled = !(this.active && d.canDrop[c]);
      for (let r = 0; r < ROWS; r++) {
        const v = disc(d.board, c, r);
        const cell = this.cells[c][r];
        cell.className = `cell${v ? ` p${v - 1}` : ''}${line.has(`${c}/${r}`) ? ' win' : ''}`;
      }
    }
    const rows = d.seats.map((s) => {
      const tr = document.createElement('tr');
      tr.dataset.seat = String(s.seat);
      if (s.self) tr.classList.add('me');
      if (d.turn === s.seat && d.phase.type === 'Playing') tr.classList.add('turn');
      const mark = document.createElement('td');
      mark.className = `disc p${s.seat}`;
      const who = document.createElement('td');
      who.textContent = s.name === null ? '(empty)' : `${s.name}${s.rematch ? ' (rematch?)' : ''}`;
      const wins = document.createElement('td');
      wins.textContent = String(s.wins);
      tr.append(mark, who, wins);
      return tr;
    });
    this.seats.replaceChildren(...rows);
    this.rematch.disabled = !(this.active && d.canRematch);
  }

  countdownText(d) {
    const text = d.phase.type === 'Playing' ? `${d.secondsLeft} s` : '–';
    if (this.countdown.textContent !== text) this.countdown.textContent = text;
  }

  /** Four's part of `window.rallypoint`. */
  state() {
    const d = describe(this.ctx.lobby, this.view);
    return {
      four: {
        seat: d.seat, phase: d.phase, turn: d.turn, board: d.board, moves: d.moves, game: d.game,
        deadline: d.deadline, ticksLeft: d.ticksLeft, winner: d.winner, status: d.status,
        wins: d.seats.map((s) => s.wins), names: d.seats.map((s) => s.name), myTurn: d.myTurn,
      },
    };
  }

  unmount() {
    this.root.remove();
    this.css.remove();
  }
}
