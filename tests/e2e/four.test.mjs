// End-to-end: Four in a Row's page (games/four/web/, a DOM grid) served
// by the real server, in Debian's headless Chromium.
//
// 1. Two pages: A creates a private four table, B joins by code; a drop
//    out of turn is refused (the Illegal event shown as an error); they
//    take turns clicking columns until the first mover has four in a row:
//    both pages show the win and the winning line; both ask for a rematch
//    and game 2 starts.
// 2. A page against a bot: A creates a private four table and
//    `rallypoint-bots --game four --join CODE --bots 1` takes the other
//    seat; A plays its turns until the game ends, and the page shows it.
//
// Screenshots and measured-four.json land in target/e2e/. Run by
// scripts/e2e.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BOTS_BIN, OUT, launchBrowser, openPage, run, startServer, state, waitFor,
} from './harness.mjs';

let server;
let browser;
const pages = [];
const measured = { started: new Date().toISOString(), timeline_ms: {} };
const T0 = Date.now();
const mark = (step) => (measured.timeline_ms[step] = Date.now() - T0);

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop('server-four.log');
  measured.finished = new Date().toISOString();
  writeFileSync(join(OUT, 'measured-four.json'), `${JSON.stringify(measured, null, 2)}\n`);
  console.log(`measured (${join(OUT, 'measured-four.json')}):\n${JSON.stringify(measured, null, 2)}`);
});

async function newPage(label) {
  const page = await openPage(browser, `http://127.0.0.1:${server.port}/`, label);
  page.label = label;
  pages.push(page);
  return page;
}

function assertNoErrors() {
  const errors = pages.flatMap((p) => p.errors);
  assert.deepEqual(errors, [], 'no console errors or uncaught exceptions on any page');
}

/** What a page shows, for measured-four.json. */
async function snapshotOf(page) {
  const s = await state(page);
  const hud = await page.evaluate(() => Object.fromEntries(
    ['hud-game', 'hud-code', 'hud-ping', 'hud-tick', 'hud-fps', 'four-status', 'four-countdown']
      .map((id) => [id, document.getElementById(id)?.textContent ?? null]),
  ));
  const { status, phase, moves, wins } = s.four ?? {};
  return {
    hud, fps: s.fps, pingMs: s.pingMs, snapshotsPerSec: s.snapshotsPerSec, stats: s.stats,
    four: { status, phase, moves, wins }, bytesDown: s.bytesDown, bytesUp: s.bytesUp,
  };
}

async function createTable(page, name, lobby) {
  await page.fill('#name', name);
  await page.selectOption('#game-select', 'four');
  await page.fill('#lobby-name', lobby);
  await page.fill('#max-players', '2');
  await page.setChecked('#private', true);
  await page.click('#create');
  await waitFor(`${name} at the new table`, async () => (await state(page))?.phase === 'game');
  const code = await waitFor(`${name}'s join code in the HUD`, () => page.textContent('#hud-code'));
  assert.match(code, /^[A-Z2-9]{6}$/);
  return code;
}

let A;
let B;
/** A four page's state (window.rallypoint.four), or null. */
async function four(page) {
  return (await state(page))?.four ?? null;
}

/** Waits until `page` is in the menu after leaving its lobby. */
async function leave(page) {
  await page.click('#leave');
  await waitFor(`${page.label} back in the menu`, async () => (await state(page)).phase === 'menu');
}

test('two pages: a private table by code, turns by clicking columns, a win on both, a rematch', async () => {
  A = await newPage('A');
  const code = await createTable(A, 'Alice', 'e2e four');
  mark('four created');
  B = await newPage('B');
  await B.fill('#name', 'Bob');
  await B.fill('#code', code);
  await B.click('#join-code');
  await waitFor('B at the table', async () => (await state(B))?.phase === 'game');
  assert.equal(await B.textContent('#hud-game'), 'four');
  const [fa, fb] = await waitFor('a game in progress on both pages', async () => {
    const [a, b] = [await four(A), await four(B)];
    return a?.phase.type === 'Playing' && b?.phase.type === 'Playing' && [a, b];
  });
  assert.deepEqual([fa.seat, fb.seat].sort(), [0, 1], 'one seat each');
  assert.match(await A.textContent('#four-countdown'), /^\d+ s$/, 'the turn clock is shown');

  // Out of turn, a drop is refused: the Illegal event shows as an error.
  const [first, second] = fa.turn === fa.seat ? [A, B] : [B, A];
  await second.evaluate(() => {
    const col = document.querySelector('#four-board [data-column="3"]');
    col.disabled = false;
    col.click();
  });
  assert.match(await waitFor('the refused move shown', () => second.textContent('#error')), /refused/);

  // The first mover drops in column 0, the other in column 1: the first
  // has four in a row with its fourth disc, the seventh move.
  for (let move = 0; move < 7; move++) {
    const [page, column] = move % 2 === 0 ? [first, 0] : [second, 1];
    await waitFor(`move ${move + 1}: ${page.label}'s turn`, async () => (await four(page))?.myTurn);
    await page.click(`#four-board [data-column="${column}"]`);
    await waitFor(`move ${move + 1} on both pages`, async () =>
      (await four(A)).moves === move + 1 && (await four(B)).moves === move + 1);
  }
  const winner = await waitFor('the win on both pages', async () => {
    const [a, b] = [await four(A), await four(B)];
    return a.phase.type === 'Won' && b.phase.type === 'Won' && a;
  });
  const firstName = first === A ? 'Alice' : 'Bob';
  assert.equal(await first.textContent('#four-status'), 'You won!');
  assert.equal(await second.textContent('#four-status'), `${firstName} won`);
  assert.equal(await first.$$eval('#four-board .cell.win', (c) => c.length), 4, 'the winning line is marked');
  assert.deepEqual(winner.wins.slice().sort(), [0, 1], 'a win counted for the winner');
  await A.screenshot({ path: join(OUT, 'page-a-four.png') });
  await B.screenshot({ path: join(OUT, 'page-b-four.png') });
  measured.four_A = await snapshotOf(A);
  measured.four_B = await snapshotOf(B);
  mark('four won');

  // Both ask for a rematch: game 2 begins.
  await A.click('#four-rematch');
  await B.click('#four-rematch');
  await waitFor('a rematch on both pages', async () => {
    const [a, b] = [await four(A), await four(B)];
    return a.game === 2 && b.game === 2 && a.phase.type === 'Playing' && b.phase.type === 'Playing';
  });
  mark('four rematch');
  const sa = await state(A);
  assert.equal(sa.stats.missing_baseline, 0);
  assert.ok(sa.stats.delta > 0, 'delta snapshots applied (the page acknowledges with Ack)');
  assertNoErrors();
});

test('a page against a bot: the page plays its turns until the game ends', async () => {
  await leave(B);
  await leave(A);
  const code = await createTable(A, 'Alice', 'e2e four bot');
  const json = join(OUT, 'bots-four.json');
  const bots = run(BOTS_BIN, [
    '--url', `ws://127.0.0.1:${server.port}/ws`, '--game', 'four', '--join', code, '--bots', '1',
    '--duration', '12', '--json', json,
  ], 60_000);
  await waitFor('a game against the bot', async () => (await four(A))?.phase.type === 'Playing', 15_000);
  const t0 = Date.now();
  // On its turn, A drops in the open column nearest the centre.
  const over = await waitFor('the game over', async () => {
    const f = await four(A);
    if (['Won', 'Draw', 'Forfeit'].includes(f.phase.type)) return f;
    if (f.myTurn) {
      const column = [3, 2, 4, 1, 5, 0, 6].find((c) => f.board[35 + c] === 0);
      await A.click(`#four-board [data-column="${column}"]`, { timeout: 1000 });
    }
    return null;
  }, 20_000, 150);
  measured.four_bot_game_ms = Date.now() - t0;
  measured.four_bot_result = { phase: over.phase, moves: over.moves, status: over.status };
  assert.equal(await A.textContent('#four-status'), over.status, 'the result is shown');
  assert.ok(over.moves >= 7, `a whole game (${over.moves} moves)`);
  await A.screenshot({ path: join(OUT, 'page-a-four-bot.png') });
  const done = await bots;
  assert.equal(done.code, 0, `the bot exits 0:\n${done.out}`);
  mark('four bot game');
  assertNoErrors();
});
