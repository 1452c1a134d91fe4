// Helpers for the end-to-end test: the real server on a free loopback port,
// Debian's Chromium through playwright-core, a TCP proxy that can cut
// connections (to exercise resume), polling with deadlines, and a record of
// what was measured. Every wait is bounded; every process started here is
// killed at the end, even on failure.

import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const OUT = join(ROOT, 'target/e2e');
export const SERVER_BIN = join(ROOT, 'target/debug/rallypoint-server');
export const BOTS_BIN = join(ROOT, 'target/debug/rallypoint-bots');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Scales every timeout (E2E_SLOW=2 on a slow machine). */
const SLOW = Number(process.env.E2E_SLOW ?? 1) || 1;

const children = new Set();
function killAll() {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export { sleep };

/** Polls `fn` until it returns something truthy, at most `ms` (scaled). */
export async function waitFor(what, fn, ms = 10_000, every = 100) {
  const deadline = Date.now() + ms * SLOW;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? `: ${last.message}` : last !== undefined ? ` (last: ${JSON.stringify(last)})` : '';
      throw new Error(`timed out after ${ms * SLOW} ms waiting for ${what}${detail}`);
    }
    await sleep(every);
  }
}

const ANSI = /\x1b\[[0-9;]*m/g;

/** Starts the server on 127.0.0.1:0 and resolves with its port once it
 *  logs the address it listens on. */
export async function startServer(args = []) {
  mkdirSync(OUT, { recursive: true });
  const child = spawn(SERVER_BIN, ['--bind', '127.0.0.1:0', ...args], {
    cwd: ROOT,
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'info', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  writeFileSync(join(OUT, 'server.pid'), String(child.pid));
  let log = '';
  const port = await new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`server did not start:\n${log}`)), 15_000 * SLOW);
    const onData = (d) => {
      log += d.toString().replace(ANSI, '');
      const m = /listening.*addr=127\.0\.0\.1:(\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        res(Number(m[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => rej(new Error(`server exited (${code}):\n${log}`)));
  });
  return {
    port,
    /** Stops the server (SIGINT, then SIGKILL after 8 s) and writes its
     *  log to target/e2e/`logName`. */
    async stop(logName = 'server.log') {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGINT');
        const done = new Promise((r) => child.once('exit', r));
        // The drain waits for empty lobbies; the pages are closed by now.
        if (await Promise.race([done.then(() => true), sleep(8000).then(() => false)]) === false) child.kill('SIGKILL');
      }
      writeFileSync(join(OUT, logName), log);
      rmSync(join(OUT, 'server.pid'), { force: true });
    },
  };
}

/** Runs a program to completion (bounded), collecting its output. */
export function run(bin, args, ms) {
  return new Promise((res) => {
    const child = spawn(bin, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), ms * SLOW);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      res({ code, signal, out: out.replace(ANSI, '') });
    });
  });
}

/** Starts a program in the background, for as long as a test needs it
 *  (killed at exit in any case): `out()` is its output so far, `done`
 *  resolves when it ends, `stop()` kills it and waits. */
export function startProcess(bin, args) {
  const child = spawn(bin, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const done = new Promise((res) => child.on('exit', (code, signal) => res({ code, signal })));
  return {
    out: () => out.replace(ANSI, ''),
    done,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      return done;
    },
  };
}

/** Chromium with the flags this closed network needs. Playwright gives it
 *  a fresh temporary profile (--user-data-dir) and removes it on close.
 *  Each page gets a context (a window) of its own: tabs sharing a window
 *  would hide each other, and a hidden page gets no animation frames. */
export async function launchBrowser() {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000 * SLOW,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  return {
    browser,
    async newContext() {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      context.setDefaultTimeout(15_000 * SLOW);
      return context;
    },
    async close() {
      await Promise.race([browser.close(), sleep(10_000)]);
    },
  };
}

/** A new page, in a window of its own, that records console errors and
 *  uncaught exceptions. */
export async function openPage(browser, url, label) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (err) => page.errors.push(`${label}: uncaught ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') page.errors.push(`${label}: console.error ${msg.text()}`);
  });
  await page.goto(url);
  return page;
}

/** window.rallypoint, minus its function. */
export function state(page) {
  return page.evaluate(() => {
    const s = window.rallypoint;
    if (!s) return null;
    const { screenOf, ...rest } = s;
    return rest;
  });
}

/** The #scores table as [{name, kills, deaths}]. */
export function scores(page) {
  return page.$$eval('#scores tbody tr', (rows) => rows.map((r) => ({
    name: r.cells[0].textContent,
    kills: Number(r.cells[1].textContent),
    deaths: Number(r.cells[2].textContent),
  })));
}

/** A TCP proxy to `port` whose connections can all be cut at once, as a
 *  network path dying would (no WebSocket close frame). */
export async function startProxy(port) {
  const sockets = new Set();
  let holdUntil = 0;
  const server = net.createServer(async (client) => {
    sockets.add(client);
    client.on('error', () => {});
    // Held: the connection stays open but goes nowhere for a while, like a
    // network that is slow to come back.
    client.pause();
    const wait = holdUntil - Date.now();
    if (wait > 0) await sleep(wait);
    if (client.destroyed) return;
    client.resume();
    const upstream = net.connect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      s.setNoDelay(true);
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: server.address().port,
    /** New connections wait `ms` before reaching the server. */
    hold(ms) {
      holdUntil = Date.now() + ms;
    },
    cut() {
      const n = sockets.size;
      for (const s of sockets) s.destroy();
      return n;
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(r));
    },
  };
}
