// End-to-end: the admin console (GET /admin, assets/admin/) in Debian's
// headless Chromium, against the real server with admin tokens and a run
// of bots (6 bots in private lobbies of 3).
//
// 1. A wrong token is refused on the login form ("wrong token"); the
//    right one logs in.
// 2. The table lists the bots' two lobbies, 3 of 3 players each; the
//    search finds one by its code; the charts show the node's 6 players
//    and per-second rates, and take a sample a second; nothing on the
//    page reads "undefined".
// 3. Opening a lobby shows its 3 members; kicking one (confirmed, with a
//    reason) removes it from the members table, the API agrees, and the
//    disconnects chart gets a "kicked" series.
// 4. Locking that lobby (now with a free seat) makes a bot's join by code
//    fail with LobbyLocked; once unlocked, the same join succeeds.
// 5. A read-only token can look but not act: the lock says so (403).
// 6. A player page joins that lobby by code: a notice sent from the
//    console shows on it; closing the lobby sends it back to its menu
//    with the operator's reason, and the lobby leaves the table.
// 7. Banning the bots' address (127.0.0.1) from a member's row ends the
//    other lobby's sessions and refuses a new bot with 403; lifting the
//    ban lets it in again.
// 8. The drain: the console says the node stops within its drain time,
//    and the server process exits by itself.
//
// Screenshots land in target/e2e/admin-*.png. Run by scripts/e2e.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  BOTS_BIN, OUT, launchBrowser, openPage, run, startProcess, startServer, state, waitFor,
} from './harness.mjs';

const FULL = 'ops-e2e-console-0123456789abcdef0123456789abcdef';
const READ = 'dash-e2e-console-0123456789abcdef0123456789abcdef';

let server;
let browser;
let bots;
let base;
let page; // logged in with the full token
const pages = [];

before(async () => {
  server = await startServer([
    '--admin-token', `ops:full:${FULL}`, '--admin-token', `dash:read:${READ}`,
    // The bots are killed at the end: do not wait long for their seats.
    '--drain-secs', '2',
  ]);
  base = `http://127.0.0.1:${server.port}`;
  browser = await launchBrowser();
  bots = startProcess(BOTS_BIN, [
    '--url', `ws://127.0.0.1:${server.port}/ws`, '--bots', '6', '--lobby-size', '3', '--duration', '300',
    '--no-server-metrics',
  ]);
});

after(async () => {
  await bots?.stop();
  await browser?.close();
  await server?.stop('server-admin.log');
});

/** The admin API from the test itself (Node's fetch). */
async function api(path, status = 200) {
  const r = await fetch(`${base}/admin/api/${path}`, { headers: { Authorization: `Bearer ${FULL}` } });
  assert.equal(r.status, status, `GET ${path}`);
  return r.json();
}

/** One bot playing for 2 s (`args`: where it joins): its exit code and output. */
const oneBot = (...args) => run(BOTS_BIN, [
  '--url', `ws://127.0.0.1:${server.port}/ws`, '--bots', '1', '--duration', '2', '--no-server-metrics',
  ...args,
], 30_000);
const joinByCode = (code) => oneBot('--join', code);
const quickJoin = () => oneBot();

async function newPage(label) {
  const p = await openPage(browser, `${base}/admin`, label);
  pages.push(p);
  return p;
}

async function logIn(p, token) {
  await p.fill('#token', token);
  await p.click('#login-submit');
}

const rows = (p, table) => p.$$eval(`#${table} tbody tr`, (trs) => trs.map((tr) => ({
  ...tr.dataset,
  cells: [...tr.cells].map((td) => td.textContent),
})));

/** Confirms the open dialog, with a reason when given. */
async function confirm(p, reason) {
  await p.waitForSelector('#confirm[open]');
  if (reason !== undefined) await p.fill('#confirm-reason', reason);
  await p.click('#confirm-ok');
  await p.waitForSelector('#confirm:not([open])', { state: 'attached' });
}

/** Chromium logs every 4xx fetch as a console error: the refusals this
 *  test provokes (a wrong token, a read-only token acting, the detail of
 *  a lobby just closed) are expected. */
const EXPECTED = /Failed to load resource: the server responded with a status of 40[134] /;

function assertNoErrors() {
  const errors = pages.flatMap((p) => p.errors).filter((e) => !EXPECTED.test(e));
  assert.deepEqual(errors, [], 'no console errors or uncaught exceptions');
}

test('a wrong token is refused on the login form, the right one logs in', async () => {
  page = await newPage('ops');
  await logIn(page, 'not-the-token-0123456789abcdef0123456789');
  await waitFor('the refusal', async () => (await page.textContent('#login-error')).includes('wrong token'));
  assert.ok(await page.isVisible('#login'), 'still at the login form');
  assert.ok(!(await page.isVisible('#app')), 'no console behind a wrong token');
  await page.screenshot({ path: join(OUT, 'admin-login-refused.png') });
  await logIn(page, FULL);
  await page.waitForSelector('#app', { state: 'visible' });
  assert.equal(await page.evaluate(() => sessionStorage.getItem('rallypoint.admin-token')), FULL);
  assertNoErrors();
});

test("the table lists the bots' lobbies and the charts show the load", async () => {
  const lobbies = await waitFor('two full lobbies of bots', async () => {
    const r = await rows(page, 'lobbies');
    return r.length === 2 && r.every((l) => l.cells[5] === '3 / 3') && r;
  }, 20_000);
  const { lobbies: listed } = await api('lobbies');
  assert.deepEqual(lobbies.map((l) => Number(l.id)).sort(), listed.map((l) => l.id).sort());
  // Search by one lobby's join code.
  const code = listed[0].code;
  await page.fill('#search', code.toLowerCase());
  await waitFor('the search', async () => {
    const r = await rows(page, 'lobbies');
    return r.length === 1 && Number(r[0].id) === listed[0].id;
  });
  await page.fill('#search', '');
  await page.selectOption('#filter-locked', 'yes');
  await waitFor('no locked lobby', async () => (await rows(page, 'lobbies')).length === 0);
  await page.selectOption('#filter-locked', '');
  // Charts: the node's players, and rates once two samples are in.
  await waitFor('6 players charted', async () => (await page.textContent('#chart-load .readout')).includes('players 6'));
  await waitFor('bytes per second charted', async () => /out \d/.test(await page.textContent('#chart-bytes .readout')));
  assert.equal(await page.locator('#chart-load canvas').count() > 0, true, 'uPlot drew a canvas');
  // A sample a second: 3 more within 5 s (the page keeps the last 300).
  const samples = async () => Number(await page.getAttribute('.charts', 'data-samples'));
  const before = await samples();
  await waitFor('3 more samples', async () => (await samples()) >= before + 3, 5_000);
  const text = await page.textContent('body');
  assert.ok(!/undefined|NaN/.test(text), `nothing reads undefined or NaN: ${text}`);
  await page.screenshot({ path: join(OUT, 'admin-lobbies.png'), fullPage: true });
  assertNoErrors();
});

let lobby; // the lobby opened, kicked from and locked

test('a lobby opens with its members; a kicked bot leaves it', async () => {
  const [first] = await rows(page, 'lobbies');
  await page.click(`#lobbies tbody tr[data-id="${first.id}"]`);
  await page.waitForSelector('#detail-view', { state: 'visible' });
  const members = await waitFor('3 members', async () => {
    const r = await rows(page, 'members');
    return r.length === 3 && r;
  });
  lobby = await api(`lobbies/${first.id}`);
  // Every cell has a value or the API's reason (auth is off: no account).
  for (const m of members) assert.ok(m.cells.every((c) => c.trim() !== ''), JSON.stringify(m));
  assert.ok(members[0].cells[2].includes('authentication is off'), members[0].cells[2]);
  const victim = members[0].player;
  await page.click(`#members tbody tr[data-player="${victim}"] button[data-action="kick"]`);
  await confirm(page, 'e2e: kicked from the console');
  await waitFor('the kicked bot gone from the members', async () => {
    const r = await rows(page, 'members');
    return r.length === 2 && !r.some((m) => m.player === victim);
  });
  // The status line is written when the API answers, which may come after
  // the player reaches the page or a periodic refresh: wait for it.
  await waitFor('the kick said', async () => (await page.textContent('#status')).includes(`kick player ${victim}`));
  await waitFor('the kick charted as a disconnect', async () => (await page.textContent('#chart-disconnects .readout')).includes('kicked'));
  const after = await api(`lobbies/${first.id}`);
  assert.deepEqual(after.members.map((m) => String(m.player)).includes(victim), false, 'the API agrees');
  assert.equal(after.players, 2);
  await page.screenshot({ path: join(OUT, 'admin-lobby.png'), fullPage: true });
  assertNoErrors();
});

test('a locked lobby refuses a join, and takes it once unlocked', async () => {
  await page.click('[data-lobby-action="lock"]');
  await confirm(page, 'e2e: tournament');
  await waitFor('the lobby shown locked', async () => (await page.textContent('#detail-facts')).includes('Lockedyes'));
  assert.equal((await api(`lobbies/${lobby.id}`)).locked, true);
  await page.screenshot({ path: join(OUT, 'admin-locked.png'), fullPage: true });
  const refused = await joinByCode(lobby.code);
  assert.notEqual(refused.code, 0, `the join must fail:\n${refused.out}`);
  assert.match(refused.out, /LobbyLocked/, refused.out);
  await page.click('[data-lobby-action="unlock"]');
  await confirm(page, '');
  await waitFor('the lobby shown unlocked', async () => (await page.textContent('#detail-facts')).includes('Lockedno'));
  const taken = await joinByCode(lobby.code);
  assert.equal(taken.code, 0, `the join succeeds once unlocked:\n${taken.out}`);
  assertNoErrors();
});

test('a read-only token may look but not act', async () => {
  const reader = await newPage('dash');
  await logIn(reader, READ);
  await reader.waitForSelector('#app', { state: 'visible' });
  await reader.click(`#lobbies tbody tr[data-id="${lobby.id}"]`);
  await reader.waitForSelector('#members tbody tr');
  await reader.click('[data-lobby-action="lock"]');
  await confirm(reader, '');
  await waitFor('the refusal', async () => (await reader.textContent('#status')).includes('read-only'));
  assert.equal((await api(`lobbies/${lobby.id}`)).locked, false, 'nothing was done');
  assertNoErrors();
});

test('a player sees a notice, then the close and its reason, and the lobby leaves the table', async () => {
  const player = await openPage(browser, `${base}/`, 'player');
  pages.push(player);
  await player.fill('#name', 'e2e-player');
  await player.fill('#code', lobby.code);
  await player.click('#join-code');
  await waitFor('the player in the lobby', async () => (await state(player))?.phase === 'game');
  await page.bringToFront();
  await waitFor('the player among the members', async () => (await rows(page, 'members'))
    .some((m) => m.cells.includes('e2e-player')));
  await page.click('[data-lobby-action="notice"]');
  await page.waitForSelector('#confirm[open]');
  await page.fill('#confirm-text', 'e2e: the server restarts in 10 minutes');
  await page.click('#confirm-ok');
  await waitFor('the notice on the player page', async () => (await player.textContent('#notice'))
    .includes('e2e: the server restarts in 10 minutes'));
  await waitFor('the notice said', async () => /notice sent to lobby/.test(await page.textContent('#status')));
  await page.click('[data-lobby-action="close"]');
  await confirm(page, 'e2e: closed for the test');
  await waitFor('the player back in its menu', async () => (await state(player))?.phase === 'menu');
  assert.match(await player.textContent('#error'), /That lobby has closed\. .*e2e: closed for the test/);
  await waitFor('the lobby gone from the API', async () => !(await api('lobbies')).lobbies
    .some((l) => l.id === lobby.id));
  await api(`lobbies/${lobby.id}`, 404);
  await waitFor('the detail saying so', async () => (await page.textContent('#members-empty'))
    .includes('not open any more'));
  await page.click('#back');
  await waitFor('the lobby gone from the table', async () => {
    const r = await rows(page, 'lobbies');
    return r.length > 0 && !r.some((l) => Number(l.id) === lobby.id);
  });
  await player.screenshot({ path: join(OUT, 'admin-closed-player.png'), fullPage: true });
  assertNoErrors();
});

test("an address ban ends its sessions and refuses its upgrades until lifted", async () => {
  const other = await waitFor('the other lobby, full', async () => {
    const r = await rows(page, 'lobbies');
    return r.length === 1 && r[0].cells[5] === '3 / 3' && r[0];
  });
  await page.click(`#lobbies tbody tr[data-id="${other.id}"]`);
  await waitFor('its 3 members', async () => (await rows(page, 'members')).length === 3);
  await page.click('#members tbody tr button[data-action="ban-ip"]');
  await page.waitForSelector('#confirm[open]');
  await page.selectOption('#confirm-secs', '3600');
  await confirm(page, 'e2e: banned for the test');
  await waitFor('the ban said', async () => /banned ip 127\.0\.0\.1 until .*sessions ended here: [1-9]/
    .test(await page.textContent('#status')));
  await waitFor('the lobby emptied', async () => {
    const detail = await fetch(`${base}/admin/api/lobbies/${other.id}`, { headers: { Authorization: `Bearer ${FULL}` } });
    return detail.status === 404 || (await detail.json()).players === 0;
  });
  const { bans } = await api('bans');
  assert.ok(bans.some((b) => b.ip === '127.0.0.1' && b.by === 'ops'), JSON.stringify(bans));
  const refused = await quickJoin();
  assert.notEqual(refused.code, 0, `a banned address is refused:\n${refused.out}`);
  assert.match(refused.out, /HTTP 403 Forbidden: the bots' address is banned/, refused.out);
  const lift = await fetch(`${base}/admin/api/bans/lift`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${FULL}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ ip: '127.0.0.1' }),
  });
  assert.equal(lift.status, 200, await lift.text());
  const welcomed = await quickJoin();
  assert.equal(welcomed.code, 0, `the lifted address plays again:\n${welcomed.out}`);
  assertNoErrors();
});

test('the drain ends the node', async () => {
  // A player for the drain to wait on (2 s, --drain-secs), so the console
  // is seen draining before the node exits.
  const player = startProcess(BOTS_BIN, [
    '--url', `ws://127.0.0.1:${server.port}/ws`, '--bots', '1', '--duration', '60', '--no-server-metrics',
  ]);
  await waitFor('the player in a lobby', async () => (await api('lobbies')).lobbies.some((l) => l.players > 0));
  await page.click('#drain');
  await confirm(page);
  await waitFor('the drain said', async () => /draining: the node stops within 2 s/
    .test(await page.textContent('#status')));
  await waitFor('the node shown draining', async () => (await page.textContent('#node')).includes('DRAINING'));
  await page.screenshot({ path: join(OUT, 'admin-draining.png'), fullPage: true });
  await waitFor('the server gone', async () => {
    try {
      await fetch(`${base}/healthz`);
      return false;
    } catch {
      return true;
    }
  }, 15_000);
  const { code } = await player.done;
  assert.notEqual(code, null, 'the bot ended by itself when the node went');
});
