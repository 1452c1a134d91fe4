// assets/web/js/net.js with a fake WebSocket: the handshake (with a
// session token or without), following a Redirect (PROTOCOL 6.12) to
// another node of a fleet without the page seeing it, resuming on that
// node afterwards, what happens when a redirect cannot be followed, and
// the errors that end a session for good. Server messages are the golden vectors'
// bytes where one fits, or written here with wire.js's Writer.

import { afterEach, beforeEach, mock, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  MAX_CLIENT_MSG_BYTES, PROTOCOL_VERSION, decodeServer, encodeClient,
} from '../../assets/web/js/codec.js';
import { Net, redirectTarget } from '../../assets/web/js/net.js';
import { encodeWhole } from '../../assets/web/js/wire.js';
import { fromHex, golden, toHex } from './golden.mjs';

const HOME = 'ws://home.example.net:7000/ws';
const NODE_B = 'wss://b.example.net/ws';

/** A WebSocket that talks to the test instead of a server. */
class FakeSocket {
  static OPEN = 1;

  static made = [];

  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.sent = [];
    this.closedWith = null;
    FakeSocket.made.push(this);
  }

  send(bytes) {
    assert.equal(this.readyState, 1, 'sent on a socket that is not open');
    this.sent.push(toHex(bytes));
  }

  close(code, reason) {
    this.closedWith = { code, reason };
    this.readyState = 3;
  }

  // ---- the server's side ----

  accept() {
    this.readyState = 1;
    this.onopen?.();
  }

  deliver(bytes) {
    this.onmessage?.({ data: bytes.slice().buffer });
  }

  drop(code = 1006, reason = '') {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}

/** The first golden server vector of `type` (and `pick`), as bytes. */
function vector(type, pick = () => true) {
  const v = golden.server.find((x) => x.msg.type === type && pick(x.msg));
  assert.ok(v, `no golden ${type}`);
  return fromHex(v.hex);
}

/** A Redirect's bytes (tag 11: node, url, ticket). */
function redirect(node, url, ticket) {
  return encodeWhole((w) => {
    w.varint(11);
    w.string(node, 'node');
    w.string(url, 'url');
    w.payload(ticket, 'ticket');
  });
}

/** A Welcome's bytes with `token` and a long grace (tag 0). */
function welcome(player, token) {
  return encodeWhole((w) => {
    w.varint(0);
    w.u64(player, 'player');
    w.u16(PROTOCOL_VERSION, 'protocol_version');
    w.u16(30, 'tick_hz');
    w.u16(30, 'snapshot_hz');
    w.u32(MAX_CLIENT_MSG_BYTES, 'max_message_bytes');
    w.token(token, 'token');
    w.u16(20, 'resume_grace_secs');
    w.varint(1);
    w.string('arena', 'game');
  });
}

const TICKET = Uint8Array.from({ length: 78 }, (_, i) => (i * 37 + 251) & 0xff);
const TOKEN_A = new Uint8Array(16).fill(0xa1);
const TOKEN_B = new Uint8Array(16).fill(0xb2);

const hex = (msg) => toHex(encodeClient(msg));
const hello = (name, token = null) => hex({ type: 'Hello', protocol_version: PROTOCOL_VERSION, name, token });
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2ln';

/** A Net on the fake socket, its callbacks recorded in `calls`. */
function makeNet() {
  const calls = [];
  const record = (name) => (...args) => calls.push([name, ...args]);
  const on = {
    welcome: record('welcome'),
    message: record('message'),
    lost: record('lost'),
    resumeFailed: record('resumeFailed'),
    ended: record('ended'),
    unreachable: record('unreachable'),
    decodeError: record('decodeError'),
    redirectFailed: record('redirectFailed'),
  };
  return { net: new Net(HOME, on, { WebSocket: FakeSocket }), calls };
}

/** A session as "ada" on the home node, welcomed, then a JoinLobby sent. */
function welcomedAtHome() {
  const { net, calls } = makeNet();
  net.start('ada');
  const home = FakeSocket.made.at(-1);
  home.accept();
  home.deliver(welcome(7, TOKEN_A));
  assert.ok(net.send({ type: 'JoinLobby', target: { Code: 'K7PQ3M' } }));
  return { net, calls, home };
}

beforeEach(() => {
  FakeSocket.made = [];
  mock.timers.enable({ apis: ['setTimeout'] });
});

afterEach(() => {
  mock.timers.reset();
});

test('only ws:// and wss:// URLs are followed', () => {
  assert.equal(redirectTarget('wss://b.example.net/ws'), 'wss://b.example.net/ws');
  assert.equal(redirectTarget('ws://10.0.0.3:7000/ws'), 'ws://10.0.0.3:7000/ws');
  assert.equal(redirectTarget('WSS://B.example.net/ws'), 'wss://b.example.net/ws');
  for (const bad of ['', 'b.example.net/ws', '/ws', 'https://b.example.net/ws', 'http://b/ws',
    'javascript:alert(1)', 'data:text/plain,hi', 'file:///etc/passwd', 'ws//b/ws']) {
    assert.equal(redirectTarget(bad), null, bad);
  }
});

test('Hello carries no session token unless start() was given one', () => {
  const { net } = makeNet();
  net.start('ada');
  const plain = FakeSocket.made.at(-1);
  plain.accept();
  assert.deepEqual(plain.sent, [hello('ada')]);
  assert.match(plain.sent[0], /00$/, 'Option None: a trailing 00');

  net.start('ada', { token: JWT });
  const withToken = FakeSocket.made.at(-1);
  withToken.accept();
  assert.deepEqual(withToken.sent, [hello('ada', JWT)]);
  // The same golden bytes Rust writes for a Hello with this token.
  const v = golden.client.find((x) => x.msg.type === 'Hello' && x.msg.token === JWT);
  assert.ok(v, 'no golden Hello with a token');
  assert.equal(hello(v.msg.name, JWT), v.hex);

  // A new session without a token forgets the old one.
  net.start('ada');
  const again = FakeSocket.made.at(-1);
  again.accept();
  assert.deepEqual(again.sent, [hello('ada')]);
});

test('the session token goes in the Hello on the node a Redirect names, and after a lost resume', () => {
  const { net } = makeNet();
  net.start('ada', { token: JWT });
  const home = FakeSocket.made.at(-1);
  home.accept();
  home.deliver(welcome(7, TOKEN_A));
  home.deliver(redirect('node-b', NODE_B, TICKET));
  const b = FakeSocket.made.at(-1);
  b.accept();
  assert.deepEqual(b.sent, [hello('ada', JWT)]);
  b.deliver(welcome(9, TOKEN_B));
  b.drop(1006);
  mock.timers.tick(1000);
  const resume = FakeSocket.made.at(-1);
  resume.accept();
  assert.deepEqual(resume.sent, [hex({ type: 'Resume', protocol_version: PROTOCOL_VERSION, token: TOKEN_B })]);
  resume.deliver(vector('Error', (m) => m.code === 'ResumeRejected'));
  resume.drop(1008, 'resume rejected');
  mock.timers.tick(5000);
  const fresh = FakeSocket.made.at(-1);
  assert.notEqual(fresh, resume);
  fresh.accept();
  assert.deepEqual(fresh.sent, [hello('ada', JWT)]);
  assert.equal(net.authToken, JWT);
});

for (const code of ['AuthFailed', 'Kicked', 'Banned', 'SessionReplaced']) {
  test(`${code} ends the session for good: no resume, no new Hello`, () => {
    const { calls, home } = welcomedAtHome();
    const error = vector('Error', (m) => m.code === code);
    home.deliver(error);
    home.drop(1008, 'closed');
    mock.timers.tick(10_000);
    assert.equal(FakeSocket.made.length, 1, 'no reconnect');
    assert.deepEqual(calls.at(-1), ['ended', { error: decodeServer(error), code: 1008, reason: 'closed' }]);
  });
}

test('LobbyLocked and Notice reach the page, and the session stays up', () => {
  const { net, calls, home } = welcomedAtHome();
  for (const bytes of [vector('Error', (m) => m.code === 'LobbyLocked'), vector('Notice')]) {
    home.deliver(bytes);
    assert.deepEqual(calls.at(-1), ['message', decodeServer(bytes)]);
  }
  assert.ok(net.send({ type: 'ListLobbies' }));
  assert.equal(FakeSocket.made.length, 1);
});

test('a Redirect is followed: close 1000, Hello there with the same name, then the ticket', () => {
  const { net, calls, home } = welcomedAtHome();
  assert.equal(home.url, HOME);
  assert.deepEqual(home.sent, [hello('ada'), hex({ type: 'JoinLobby', target: { Code: 'K7PQ3M' } })]);

  home.deliver(redirect('node-b', NODE_B, TICKET));
  assert.deepEqual(home.closedWith, { code: 1000, reason: 'redirected' });
  const b = FakeSocket.made.at(-1);
  assert.equal(FakeSocket.made.length, 2);
  assert.equal(b.url, NODE_B);
  assert.equal(net.send({ type: 'ListLobbies' }), false, 'nothing is sent before the Welcome there');
  // The old socket's late close event changes nothing.
  home.drop(1000);
  assert.equal(FakeSocket.made.length, 2);

  b.accept();
  assert.deepEqual(b.sent, [hello('ada')]);
  b.deliver(welcome(9, TOKEN_B));
  assert.deepEqual(b.sent, [hello('ada'), hex({ type: 'JoinLobby', target: { Ticket: TICKET } })]);
  assert.equal(net.redirects, 1);
  assert.equal(net.url, NODE_B);

  // The page saw two Welcomes (the second marked redirected) and no
  // Redirect; the Joined from node B comes as after any join.
  const joined = vector('Joined');
  b.deliver(joined);
  const seen = calls.map(([name, ...args]) => [name, args[0]?.type, args[1], args[2]]);
  assert.deepEqual(seen, [
    ['welcome', 'Welcome', false, false],
    ['welcome', 'Welcome', false, true],
    ['message', 'Joined', undefined, undefined],
  ]);
  assert.deepEqual(calls[2][1], decodeServer(joined));
});

test('the ticket goes back exactly as it came, whatever its bytes', () => {
  for (const v of golden.server.filter((x) => x.msg.type === 'Redirect' && x.msg.ticket.length <= 400)) {
    FakeSocket.made = [];
    const { calls, home } = welcomedAtHome();
    home.deliver(fromHex(v.hex));
    const b = FakeSocket.made.at(-1);
    if (!redirectTarget(v.msg.url)) {
      assert.equal(b, home, `${v.name}: not followed`);
      assert.equal(calls.at(-1)[0], 'redirectFailed', v.name);
      continue;
    }
    b.accept();
    b.deliver(welcome(9, TOKEN_B));
    assert.equal(b.sent[1], hex({ type: 'JoinLobby', target: { Ticket: v.msg.ticket } }), v.name);
  }
});

test('after a redirect, a drop resumes on the new node with its token', () => {
  const { net, calls, home } = welcomedAtHome();
  home.deliver(redirect('node-b', NODE_B, TICKET));
  const b = FakeSocket.made.at(-1);
  b.accept();
  b.deliver(welcome(9, TOKEN_B));
  b.deliver(vector('Joined'));

  b.drop(1006);
  assert.equal(calls.at(-1)[0], 'lost');
  mock.timers.tick(1000);
  const again = FakeSocket.made.at(-1);
  assert.notEqual(again, b);
  assert.equal(again.url, NODE_B);
  again.accept();
  assert.deepEqual(again.sent, [hex({ type: 'Resume', protocol_version: PROTOCOL_VERSION, token: TOKEN_B })]);
  again.deliver(welcome(9, new Uint8Array(16).fill(0xb3)));
  const [name, , resumed, redirected] = calls.at(-1);
  assert.deepEqual([name, resumed, redirected], ['welcome', true, false]);
  assert.equal(net.resumes, 1);
  // A resume sends no ticket: it was used.
  assert.equal(again.sent.length, 1);
});

test('a new session goes back to the page\'s own server', () => {
  const { net, home } = welcomedAtHome();
  home.deliver(redirect('node-b', NODE_B, TICKET));
  const b = FakeSocket.made.at(-1);
  b.accept();
  b.deliver(welcome(9, TOKEN_B));
  net.start('grace');
  assert.deepEqual(b.closedWith, { code: 1000, reason: 'bye' });
  const fresh = FakeSocket.made.at(-1);
  assert.equal(fresh.url, HOME);
  fresh.accept();
  assert.deepEqual(fresh.sent, [hello('grace')]);
});

test('a Redirect to anything but ws:// or wss:// is not followed, and reported', () => {
  for (const url of ['https://evil.example/ws', 'javascript:alert(1)', '']) {
    FakeSocket.made = [];
    const { net, calls, home } = welcomedAtHome();
    home.deliver(redirect('node-x', url, TICKET));
    assert.equal(FakeSocket.made.length, 1, url);
    assert.equal(home.closedWith, null, `${url}: the session here stays`);
    assert.deepEqual(calls.at(-1), ['redirectFailed', { node: 'node-x', url, reason: 'not a ws:// or wss:// URL' }]);
    assert.ok(net.send({ type: 'ListLobbies' }), `${url}: still welcomed`);
    assert.ok(!calls.some(([name, msg]) => name === 'message' && msg.type === 'Redirect'));
  }
});

test('a node that cannot be reached is reported, and the session starts over at home', () => {
  const { calls, home } = welcomedAtHome();
  home.deliver(redirect('node-b', NODE_B, TICKET));
  const b = FakeSocket.made.at(-1);
  b.drop(1006); // never opened
  assert.deepEqual(calls.at(-1), ['redirectFailed', { node: 'node-b', url: NODE_B, reason: 'could not connect' }]);
  mock.timers.tick(1000);
  const back = FakeSocket.made.at(-1);
  assert.equal(back.url, HOME);
  back.accept();
  assert.deepEqual(back.sent, [hello('ada')]);
  back.deliver(welcome(11, TOKEN_A));
  const [name, , resumed, redirected] = calls.at(-1);
  assert.deepEqual([name, resumed, redirected], ['welcome', false, false], 'a new session, not a redirect');
});

test('a node that refuses the Hello is reported with its error', () => {
  const { calls, home } = welcomedAtHome();
  home.deliver(redirect('node-b', NODE_B, TICKET));
  const b = FakeSocket.made.at(-1);
  b.accept();
  const mismatch = vector('Error', (m) => m.code === 'VersionMismatch');
  b.deliver(mismatch);
  b.drop(1008, 'protocol version mismatch');
  const failed = calls.find(([name]) => name === 'redirectFailed');
  assert.ok(failed, 'redirectFailed was called');
  assert.match(failed[1].reason, /^VersionMismatch: /);
  assert.ok(!calls.some(([name]) => name === 'ended'), 'not the end: back home instead');
  mock.timers.tick(1000);
  assert.equal(FakeSocket.made.at(-1).url, HOME);
});

test('a refused ticket surfaces as the usual Error, on the new node\'s open session', () => {
  const { net, calls, home } = welcomedAtHome();
  home.deliver(redirect('node-b', NODE_B, TICKET));
  const b = FakeSocket.made.at(-1);
  b.accept();
  b.deliver(welcome(9, TOKEN_B));
  const rejected = vector('Error', (m) => m.code === 'TicketRejected');
  b.deliver(rejected);
  assert.deepEqual(calls.at(-1), ['message', decodeServer(rejected)]);
  assert.equal(FakeSocket.made.length, 2, 'no reconnect');
  assert.ok(net.send({ type: 'ListLobbies' }), 'the session on node B is up');
});
