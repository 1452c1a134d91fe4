// End-to-end: the page served by the real server at GET /, played in
// Debian's headless Chromium, against each other and against bots.
//
// 1. Duel: A creates a private lobby (2 seats) and reads its code from the
//    HUD; B first tries a bad code (error shown), then joins by A's code;
//    C (through a TCP proxy) finds the duel full (error shown). A walks
//    (held key) and B sees A move; A walks into range, aims at B and fires
//    both weapons until B dies: both score tables show it. A's prediction
//    error must be exactly 0.
// 2. Bots: A leaves, creates another private lobby, 7 bots join it by code;
//    A's score table shows 8 players and the bots exit 0.
// 3. Menu and resume: C quick-joins; B leaves the duel, sees C's public
//    lobby in the list and joins it by clicking; the proxy cuts C's
//    connections (no close frame) and C resumes the same seat. Cut again
//    and held past the resume grace, C is refused and starts over.
//
// Four in a Row's flows are in four.test.mjs.
//
// Screenshots and measured.json land in target/e2e/. Run by scripts/e2e.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BOTS_BIN, CHROMIUM, OUT, launchBrowser, openPage, run, scores, sleep, startProxy, startServer, state, waitFor,
} from './harness.mjs';

const RESUME_GRACE_SECS = 3;
let server;
let browser;
let proxy; // C's way to the server, cut to test resume
const pages = [];
const measured = { started: new Date().toISOString(), timeline_ms: {} };
const T0 = Date.now();
/** Records when a step of the run finished (ms since the start). */
const mark = (step) => (measured.timeline_ms[step] = Date.now() - T0);

before(async () => {
  // A short resume grace, so that test 3 can also see a resume refused.
  server = await startServer(['--resume-grace-secs', String(RESUME_GRACE_SECS)]);
  browser = await launchBrowser();
  proxy = await startProxy(server.port);
  const version = await run(CHROMIUM, ['--version'], 10_000);
  measured.chromium = version.out.split('\n').find((l) => /^Chromium \d/.test(l))?.trim() ?? null;
});

after(async () => {
  for (const p of pages) {
    try {
      measured[`page_${p.label}`] ??= await snapshotOf(p);
    } catch { /* page gone */ }
  }
  await browser?.close();
  await proxy?.close();
  await server?.stop();
  measured.finished = new Date().toISOString();
  writeFileSync(join(OUT, 'measured.json'), `${JSON.stringify(measured, null, 2)}\n`);
  console.log(`measured (${join(OUT, 'measured.json')}):\n${JSON.stringify(measured, null, 2)}`);
});

async function newPage(label, port = server.port) {
  const page = await openPage(browser, `http://127.0.0.1:${port}/`, label);
  page.label = label;
  pages.push(page);
  return page;
}

function assertNoErrors() {
  const errors = pages.flatMap((p) => p.errors);
  assert.deepEqual(errors, [], 'no console errors or uncaught exceptions on any page');
}

/** What a page shows and measured, for measured.json. */
async function snapshotOf(page) {
  const s = await state(page);
  const hud = await page.evaluate(() => Object.fromEntries(
    ['hud-game', 'hud-code', 'hud-ping', 'hud-tick', 'hud-hp', 'hud-fps']
      .map((id) => [id, document.getElementById(id)?.textContent ?? null]),
  ));
  const sorted = [...s.pings].sort((x, y) => x - y);
  return {
    hud,
    fps: s.fps,
    pingMs: s.pingMs,
    pings: sorted.length ? {
      samples: sorted.length,
      min: sorted[0],
      median: sorted[Math.floor(sorted.length / 2)],
      max: sorted[sorted.length - 1],
    } : null,
    game: s.game,
    snapshotsPerSec: s.snapshotsPerSec,
    stats: s.stats,
    prediction: s.prediction ?? null,
    bytesDown: s.bytesDown,
    bytesUp: s.bytesUp,
  };
}

async function createLobby(page, { name, lobby, max, priv }) {
  await page.fill('#name', name);
  await page.selectOption('#game-select', 'arena');
  await page.fill('#lobby-name', lobby);
  await page.fill('#max-players', String(max));
  await page.setChecked('#private', priv);
  await page.click('#create');
  await waitFor(`${name} in the new lobby`, async () => (await state(page))?.phase === 'game');
  if (!priv) return null;
  const code = await waitFor(`${name}'s join code in the HUD`, () => page.textContent('#hud-code'));
  assert.match(code, /^[A-Z2-9]{6}$/);
  return code;
}

/** Page `page`'s rendered view of the player with entity index `index`. */
async function seen(page, index) {
  return (await state(page)).players.find((p) => p.index === index) ?? null;
}

let A;
let B;
let C;
let duelCode;

test('duel: private lobby by code, movement seen by the other, a kill on both score tables', async () => {
  A = await newPage('A');
  B = await newPage('B');
  duelCode = await createLobby(A, { name: 'Alice', lobby: 'e2e duel', max: 2, priv: true });
  mark('duel created');

  // A bad code: a clear message, and the page stays in the menu.
  await B.fill('#name', 'Bob');
  await B.fill('#code', 'ZZZZZZ');
  await B.click('#join-code');
  const err = await waitFor('the bad-code error on B', async () => B.textContent('#error'));
  assert.match(err, /No lobby has that code/);
  assert.equal((await state(B)).phase, 'menu');

  await B.fill('#code', duelCode.toLowerCase());
  await B.click('#join-code');
  await waitFor('B in the duel', async () => (await state(B))?.phase === 'game');
  assert.equal(await B.textContent('#error'), '', 'the error clears on joining');
  assert.equal(await B.textContent('#hud-code'), duelCode);

  // A third player finds the duel full (C comes through the proxy: test 3).
  C = await newPage('C', proxy.port);
  await C.fill('#name', 'Carol');
  await C.fill('#code', duelCode);
  await C.click('#join-code');
  assert.match(await waitFor('the full-lobby error on C', () => C.textContent('#error')), /full/);
  assert.equal((await state(C)).phase, 'menu');
  mark('bad code, join, full lobby');

  const a = await waitFor('both players on both pages', async () => {
    const [sa, sb] = [await state(A), await state(B)];
    return sa.players.length === 2 && sb.players.length === 2 && sa.me && sa;
  });
  assert.equal(a.game, 'arena');
  assert.equal(await A.textContent('#hud-game'), 'arena');
  const aIndex = a.avatar.index;
  const bIndex = (await state(B)).avatar.index;
  const start = await seen(B, aIndex);

  // A holds a movement key; B sees A's entity move (interpolated).
  const t0 = Date.now();
  const dir = (await seen(A, bIndex)).x > a.me.x ? 'KeyD' : 'KeyA';
  await A.keyboard.down(dir);
  await waitFor("B seeing A's entity move", async () => Math.abs((await seen(B, aIndex)).x - start.x) > 100);
  measured.duel_move_seen_ms = Date.now() - t0;
  mark('move seen');

  // Walk along the x axis until B is in hitscan range (900), then along y.
  await waitFor('A within range of B on x', async () => {
    const s = await state(A);
    const b = s.players.find((p) => p.index === bIndex);
    return Math.abs(b.x - s.me.x) < 80 || Math.hypot(b.x - s.me.x, b.y - s.me.y) < 850;
  }, 20_000);
  await A.keyboard.up(dir);
  let s = await state(A);
  let b = s.players.find((p) => p.index === bIndex);
  if (Math.hypot(b.x - s.me.x, b.y - s.me.y) >= 850) {
    const vdir = b.y > s.me.y ? 'KeyS' : 'KeyW';
    await A.keyboard.down(vdir);
    await waitFor('A within range of B', async () => {
      const t = await state(A);
      const q = t.players.find((p) => p.index === bIndex);
      return Math.hypot(q.x - t.me.x, q.y - t.me.y) < 850;
    }, 20_000);
    await A.keyboard.up(vdir);
  }
  mark('in range');

  // Once A stands still, B's interpolated view of A settles on A's own
  // (predicted, exact) position, within the wire's 1/4-unit tolerance.
  await waitFor("B's view of A matching A's own position", async () => {
    const me = (await state(A)).me;
    const there = await seen(B, aIndex);
    return Math.hypot(there.x - me.x, there.y - me.y) < 0.5;
  });

  // Aim at B and fire: projectiles held, instant-hit shots on Space.
  const t1 = Date.now();
  s = await state(A);
  b = s.players.find((p) => p.index === bIndex);
  const target = await A.evaluate(([x, y]) => window.rallypoint.screenOf(x, y), [b.x, b.y]);
  await A.mouse.move(target.x, target.y);
  await A.mouse.down({ button: 'left' });
  try {
    await waitFor('a kill on both score tables', async () => {
      await A.keyboard.press('Space');
      const both = [await scores(A), await scores(B)];
      return both.every((rows) => rows.length === 2 &&
        rows.find((r) => r.name === 'Alice').kills >= 1 && rows.find((r) => r.name === 'Bob').deaths >= 1);
    }, 20_000, 550);
  } finally {
    await A.mouse.up({ button: 'left' });
  }
  measured.duel_kill_ms = Date.now() - t1;
  mark('kill');
  const dead = await waitFor('B dead on A (or already respawned)', async () => {
    const p = await seen(A, bIndex);
    return p && { alive: p.alive, hp: p.hp };
  });
  measured.duel_b_after_kill = dead;
  await A.screenshot({ path: join(OUT, 'page-a.png') });
  await B.screenshot({ path: join(OUT, 'page-b.png') });
  mark('duel screenshots');

  const sa = await state(A);
  assert.ok(sa.prediction.samples > 30, `prediction sampled (${JSON.stringify(sa.prediction)})`);
  assert.equal(sa.prediction.maxError, 0, 'own movement predicted exactly');
  assert.equal(sa.stats.missing_baseline, 0);
  assert.ok(sa.stats.delta > 0, 'delta snapshots applied');
  assert.ok(sa.pingMs !== null && sa.pingMs >= 0, 'ping measured');
  assert.match(await A.textContent('#hud-ping'), /\d ms$/);
  assert.match(await A.textContent('#hud-fps'), /^\d+$/);
  assert.match(await A.textContent('#hud-tick'), /^\d+$/);
  measured.duel_A = await snapshotOf(A);
  measured.duel_B = await snapshotOf(B);
  // Both windows keep drawing (a hidden page would get no frames at all).
  for (const m of [measured.duel_A, measured.duel_B]) assert.ok(m.fps > 5, `frames drawn (${m.fps} fps)`);
  mark('duel done');
  assertNoErrors();
});

test('bots and a browser player share a lobby', async () => {
  await A.click('#leave');
  await waitFor('A back in the menu', async () => (await state(A)).phase === 'menu');
  await sleep(300); // an error would come right after Left
  assert.equal(await A.textContent('#error'), '', 'leaving is no error');
  const code = await createLobby(A, { name: 'Alice', lobby: 'e2e bots', max: 8, priv: true });
  mark('bots lobby created');
  const json = join(OUT, 'bots.json');
  const bots = run(BOTS_BIN, [
    '--url', `ws://127.0.0.1:${server.port}/ws`, '--join', code, '--bots', '7', '--duration', '8', '--json', json,
  ], 60_000);
  const rows = await waitFor("8 players in A's score table", async () => {
    const r = await scores(A);
    return r.length === 8 && r;
  }, 15_000);
  mark('bots seen');
  await sleep(2000); // let the bots move and shoot a little for the picture
  await A.screenshot({ path: join(OUT, 'page-a-bots.png') });
  measured.bots_A = await snapshotOf(A);
  measured.bots_A.score_rows = (await scores(A)).length;
  const done = await bots;
  assert.equal(done.code, 0, `bots exit 0:\n${done.out}`);
  const report = JSON.parse(readFileSync(json, 'utf8'));
  measured.bots_report = Object.fromEntries(Object.entries(report).filter(([, v]) => typeof v !== 'object'));
  mark('bots exited');
  assert.equal(rows.length, 8);
  await waitFor("the bots gone from A's score table", async () => (await scores(A)).length === 1, 15_000);
  assertNoErrors();
});

test('menu: quick-join, lobby list, leave; resume after a dropped connection, and after the grace', async () => {
  await C.selectOption('#game-select', 'arena');
  await C.click('#quick-join');
  await waitFor('C in a quick-join lobby', async () => (await state(C))?.phase === 'game');
  const c = await state(C);
  assert.equal(await C.textContent('#hud-code'), '', 'a public lobby has no code');

  await B.click('#leave');
  await waitFor('B back in the menu', async () => (await state(B)).phase === 'menu');
  await sleep(300); // an error would come right after Left
  assert.equal(await B.textContent('#error'), '', 'leaving is no error');
  const item = `#lobbies [data-lobby-id="${c.lobby}"]`;
  await waitFor("C's lobby listed on B", async () => (await B.$(item)) !== null, 10_000);
  assert.match(await B.textContent(`${item} .meta`), /^1\/\d+ · arena/, 'the list shows the game');
  await B.screenshot({ path: join(OUT, 'menu-b.png') });
  await B.click(item);
  await waitFor('B in C\'s lobby', async () => {
    const s = await state(B);
    return s.phase === 'game' && s.players.length === 2;
  });

  // The network path dies: no close frame. C resumes the same seat.
  await waitFor('C sending acknowledged inputs', async () => (await state(C)).stats?.delta > 10);
  const t0 = Date.now();
  assert.ok(proxy.cut() > 0, 'the proxy had connections to cut');
  await waitFor('C resumed and back in the game', async () => {
    const s = await state(C);
    return s.drops === 1 && s.resumes === 1 && s.phase === 'game' && s.players.length === 2 && s.tick > c.tick;
  }, 15_000, 50);
  measured.resume_ms = Date.now() - t0;
  mark('resumed');
  const after = await state(C);
  assert.deepEqual(after.avatar, c.avatar, 'same avatar after the resume');
  assert.equal(after.lobby, c.lobby, 'same lobby after the resume');
  assert.equal(await C.textContent('#error'), '', 'the lost-connection message clears');
  await C.screenshot({ path: join(OUT, 'page-c.png') });
  measured.menu_C = await snapshotOf(C);

  // Dropped again, and the network stays away past the grace: the resume
  // is refused, and C starts over in the menu with a message.
  proxy.hold((RESUME_GRACE_SECS + 1.5) * 1000);
  assert.ok(proxy.cut() > 0);
  const refused = await waitFor('C back in the menu after the seat expired', async () => {
    const s = await state(C);
    return s.drops === 2 && s.phase === 'menu' && (await C.textContent('#error'));
  }, 15_000);
  assert.match(refused, /seat is gone/);
  await waitFor('C connected again', async () => /^connected/.test(await C.textContent('#status')));
  mark('resume refused');
  assertNoErrors();
});
