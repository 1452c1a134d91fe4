// The connection to the server: one WebSocket at a time, the handshake
// (Hello, or Resume with the newest token), and what to do when the socket
// goes (PROTOCOL 6.1, 6.6, 7). It decodes every message and hands the rest
// to the page; it knows nothing about lobbies or the game.
//
// Session rules kept here:
// - every Welcome brings a new resume token; only the newest is kept;
// - a close the page did not ask for (1006, or 1008 from a peer timeout)
//   may have left the session held: Resume on a new socket, retrying with
//   a back-off, until resume_grace_secs after the drop;
// - a close after an Error that ends the session (VersionMismatch,
//   BadMessage, RateLimited, a bad Hello name, AuthFailed, Kicked, Banned,
//   SessionReplaced), a shutdown (1001) or a superseded connection is
//   final: no resume;
// - every Hello carries the session token start() was given (a JWT from
//   the game's backend, for a server with authentication on), or none;
// - ResumeRejected (or the grace running out) starts over with Hello;
// - a Redirect (PROTOCOL 6.12: the lobby is on another node of the fleet)
//   is followed here, unseen by the page: close this socket with 1000,
//   open the node's URL (ws:// or wss:// only), Hello with the same name
//   and session token, then JoinLobby with the ticket, so the page gets
//   the usual Joined. From
//   then on the session, and its resume token, are that node's; a new
//   session (start) goes back to the page's own server. A redirect that
//   cannot be followed is reported with redirectFailed.

import { encodeClient, decodeServer, PROTOCOL_VERSION } from './codec.js';

/** Errors after which the server closes and the session is over. */
const ENDING_ERRORS = new Set(['VersionMismatch', 'BadMessage', 'RateLimited', 'ServerFull',
  'AuthFailed', 'Kicked', 'Banned', 'SessionReplaced']);
/** Back-off between reconnect attempts, in ms: doubles up to the cap. */
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 2000;
/** WebSocket's readyState when open (the standard constant). */
const OPEN = 1;

/**
 * The URL a Redirect names, if the page may follow it: ws:// or wss://
 * only, so a server (or anyone who could forge its messages) cannot send
 * the page, or the ticket, anywhere else.
 * @param {string} url
 * @returns {string|null} the URL to open, or null
 */
export function redirectTarget(url) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  return parsed.protocol === 'ws:' || parsed.protocol === 'wss:' ? parsed.href : null;
}

export class Net {
  /**
   * @param {string} url  ws(s)://host/ws: the page's own server
   * @param {object} on   callbacks: welcome(msg, resumed, redirected),
   *   message(msg), lost() (the socket dropped, resuming), resumeFailed()
   *   (seat gone, starting over), ended({error, code, reason}) (final, no
   *   retry), unreachable() (could not connect, retrying), decodeError(err),
   *   redirectFailed({node, url, reason}) (a Redirect not followed, or its
   *   node not reached: the session starts over at the page's server)
   * @param {object} [deps] for tests: `WebSocket`, the class to open
   *   sockets with (default: the global one)
   */
  constructor(url, on, { WebSocket: Socket = globalThis.WebSocket } = {}) {
    this.homeUrl = url;
    this.url = url; // the node the session is on: home, or where a Redirect sent it
    this.on = on;
    this.Socket = Socket;
    this.ws = null;
    this.gen = 0;
    this.name = null;
    this.authToken = null; // the session token every Hello carries, or null
    this.token = null; // the newest resume token
    this.graceMs = 0;
    this.lostAt = null; // when the session's socket dropped (resume deadline base)
    this.welcomed = false;
    this.lastError = null;
    this.retryMs = RETRY_MIN_MS;
    this.retryTimer = null;
    this.bytesDown = 0;
    this.bytesUp = 0;
    this.drops = 0; // sockets lost while a session was up
    this.resumes = 0; // sessions taken back with Resume
    this.redirects = 0; // Redirects followed
    this.redirect = null; // {node, url, ticket} while following one, until its Welcome
  }

  /** A new session as `name`, at the page's own server: ends any current
   *  one with a close frame. `token`: the player's session token from the
   *  game's backend, sent in every Hello of this session (a server with
   *  authentication on takes the account and name from it); none if
   *  absent. */
  start(name, { token = null } = {}) {
    this.stop();
    this.name = name;
    this.authToken = token || null;
    this.token = null;
    this.lostAt = null;
    this.url = this.homeUrl;
    this.open(this.hello());
  }

  /** The Hello of this session: its name, and its session token if any. */
  hello() {
    return { type: 'Hello', protocol_version: PROTOCOL_VERSION, name: this.name, token: this.authToken };
  }

  /** Ends the session (close frame: the server frees the seat at once). */
  stop() {
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.gen++;
    if (this.ws) {
      try { this.ws.close(1000, 'bye'); } catch { /* already closing */ }
    }
    this.ws = null;
    this.welcomed = false;
    this.redirect = null;
  }

  /** Sends a message if the session is up; false if it is not. */
  send(msg) {
    if (!this.welcomed || !this.ws || this.ws.readyState !== OPEN) return false;
    const bytes = encodeClient(msg);
    this.bytesUp += bytes.length;
    this.ws.send(bytes);
    return true;
  }

  open(first) {
    const gen = ++this.gen;
    this.welcomed = false;
    this.lastError = null;
    const ws = new this.Socket(this.url);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    let opened = false;
    ws.onopen = () => {
      if (gen !== this.gen) return;
      opened = true;
      ws.send(encodeClient(first));
    };
    ws.onmessage = (ev) => {
      if (gen !== this.gen) return;
      this.receive(ev.data);
    };
    ws.onclose = (ev) => {
      if (gen !== this.gen) return;
      this.ws = null;
      this.closed(ev, opened, first.type === 'Resume');
    };
    // An error is always followed by a close, handled there.
    ws.onerror = () => {};
  }

  receive(data) {
    this.bytesDown += data.byteLength;
    let msg;
    try {
      msg = decodeServer(new Uint8Array(data));
    } catch (err) {
      this.on.decodeError(err);
      return;
    }
    if (msg.type === 'Welcome') {
      const resumed = this.lostAt !== null;
      if (resumed) this.resumes++;
      this.token = msg.resume_token;
      this.graceMs = msg.resume_grace_secs * 1000;
      this.lostAt = null;
      this.welcomed = true;
      this.retryMs = RETRY_MIN_MS;
      const redirect = this.redirect;
      this.redirect = null;
      // The ticket first: it lasts seconds, and the page may send more.
      if (redirect) this.send({ type: 'JoinLobby', target: { Ticket: redirect.ticket } });
      this.on.welcome(msg, resumed, redirect !== null);
      return;
    }
    if (msg.type === 'Redirect') {
      this.follow(msg);
      return;
    }
    if (msg.type === 'Error') this.lastError = msg;
    this.on.message(msg);
  }

  /** Moves the session to the node a Redirect names (PROTOCOL 6.12). */
  follow(msg) {
    const url = redirectTarget(msg.url);
    if (!url) {
      // Stay where we are: the session here is intact.
      this.on.redirectFailed?.({ node: msg.node, url: msg.url, reason: 'not a ws:// or wss:// URL' });
      return;
    }
    const old = this.ws;
    this.gen++; // the old socket's events are ignored from now on
    this.ws = null;
    this.welcomed = false;
    try { old?.close(1000, 'redirected'); } catch { /* already closing */ }
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    // The old node's session ends with the close: its token is void.
    this.token = null;
    this.lostAt = null;
    this.url = url;
    this.redirect = { node: msg.node, url, ticket: msg.ticket };
    this.redirects++;
    this.open(this.hello());
  }

  closed(ev, opened, wasResume) {
    const wasWelcomed = this.welcomed;
    this.welcomed = false;
    const err = this.lastError;
    if (this.redirect) {
      // The node a Redirect named closed before its Welcome: back home.
      const { node, url } = this.redirect;
      this.redirect = null;
      this.url = this.homeUrl;
      const reason = err ? `${err.code}: ${err.message}`
        : opened ? `closed (${ev.code})` : 'could not connect';
      this.on.redirectFailed?.({ node, url, reason });
      this.restart();
      return;
    }
    if (err && err.code === 'ResumeRejected') {
      this.on.resumeFailed();
      this.restart();
      return;
    }
    if (err && (ENDING_ERRORS.has(err.code) || (!wasWelcomed && err.code === 'InvalidField'))) {
      this.on.ended({ error: err, code: ev.code, reason: ev.reason });
      return;
    }
    if (ev.code === 1001 || (ev.code === 1008 && /resumed on another connection/.test(ev.reason))) {
      this.on.ended({ error: null, code: ev.code, reason: ev.reason });
      return;
    }
    if (this.token && (wasWelcomed || wasResume)) {
      // The session may be held: resume within the grace.
      if (this.lostAt === null) {
        this.lostAt = performance.now();
        this.drops++;
        this.on.lost();
      }
      if (performance.now() - this.lostAt < this.graceMs) {
        this.retry(() => this.open({ type: 'Resume', protocol_version: PROTOCOL_VERSION, token: this.token }));
        return;
      }
      this.on.resumeFailed();
      this.restart();
      return;
    }
    // Never got a session: keep trying to say Hello.
    if (!opened) this.on.unreachable();
    this.retry(() => this.open(this.hello()));
  }

  /** Starts over with Hello after a lost session. */
  restart() {
    this.token = null;
    this.lostAt = null;
    this.retry(() => this.open(this.hello()));
  }

  retry(fn) {
    clearTimeout(this.retryTimer);
    const wait = this.retryMs;
    this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      fn();
    }, wait);
  }
}
