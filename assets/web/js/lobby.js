// The engine's model of the lobby the page is in, the same for every game:
// the Joined facts (lobby, game, join code, avatar, the game's join info),
// the roster, delta snapshots applied through Baselines with the game's
// schema, the input sequence (kept across a resume, PROTOCOL 6.6), and the
// messages the page sends on the game's behalf (Input, Game, Ack), their
// payloads written by the game's module.
//
// Pure: no DOM, no socket, no clock. Methods that need the time take `now`
// (milliseconds), so Node tests drive it exactly.

import { Baselines } from './baselines.js';
import { ApplyError } from './views.js';
import { decodeWhole, encodeWhole } from './wire.js';

export class Lobby {
  /**
   * @param {object} module the game's module (tests/web/README.md): its
   *   schema, readInfo, readEvent and writeInput or writeMsg
   * @param {number} tickHz Welcome.tick_hz
   * @param {number} snapshotHz Welcome.snapshot_hz
   */
  constructor(module, tickHz, snapshotHz = tickHz) {
    this.module = module;
    this.tickHz = tickHz;
    this.snapshotHz = snapshotHz;
    this.baselines = new Baselines(module.schema);
    this.seq = 0;
    this.lobby = null;
    this.game = null;
    this.joinCode = null;
    this.maxPlayers = 0;
    this.avatar = null;
    this.info = null;
    this.players = new Map(); // PlayerId (BigInt) -> {player, name, avatar}
    this.lastAcked = null; // the tick of the last Ack sent
    this.snapshotTimes = [];
  }

  /** Whether `msg` (a Joined) gives back the seat this lobby holds: a
   *  resume, rather than a new lobby. */
  sameSeat(msg) {
    const a = this.avatar;
    const b = msg.avatar;
    const sameAvatar = a === null || b === null ? a === b
      : a.kind === b.kind && a.index === b.index && a.generation === b.generation;
    return this.lobby === msg.lobby && this.game === msg.game && sameAvatar;
  }

  /** `Joined`: a new lobby, or the same seat after a resume. The views
   *  start over; the input sequence goes on.
   *  @throws {CodecError} if the join info does not decode */
  joined(msg) {
    this.info = decodeWhole(msg.info, (r) => this.module.readInfo(r), 'join info');
    this.lobby = msg.lobby;
    this.game = msg.game;
    this.joinCode = msg.join_code ?? null;
    this.maxPlayers = msg.max_players;
    this.avatar = msg.avatar;
    this.baselines.clear();
    this.lastAcked = null;
  }

  roster(msg) {
    this.players = new Map();
    for (const e of msg.players) this.players.set(e.player, e);
  }

  rosterUpdate(msg) {
    for (const e of msg.added) this.players.set(e.player, e);
    for (const id of msg.removed) this.players.delete(id);
  }

  /** The roster entry of player `id` (a BigInt), or null. */
  player(id) {
    return this.players.get(id) ?? null;
  }

  /** The roster entry whose avatar is entity (`kind`, `index`), the newest
   *  generation if several (a slot reused), or null. */
  avatarOwner(kind, index) {
    let found = null;
    for (const e of this.players.values()) {
      const a = e.avatar;
      if (a && a.kind === kind && a.index === index && (!found || a.generation > found.avatar.generation)) found = e;
    }
    return found;
  }

  /** The newest view held, or null. */
  newest() {
    return this.baselines.newest();
  }

  /**
   * A `Snapshot` arrived at `now`. Returns `{view, prev}` (the new view and
   * the newest before it), or null when it was stale or could not be
   * applied (its baseline is not held, or it names what is not held:
   * NETCODE §6 says to drop it and keep acknowledging what we hold).
   */
  snapshot(msg, now) {
    const prev = this.baselines.newest();
    let view;
    try {
      view = this.baselines.receive(msg);
    } catch (e) {
      if (e instanceof ApplyError) return null;
      throw e;
    }
    if (view === prev) return null;
    this.snapshotTimes.push(now);
    while (this.snapshotTimes.length && now - this.snapshotTimes[0] > 1000) this.snapshotTimes.shift();
    return { view, prev };
  }

  /** Snapshots applied over the last second. */
  snapshotRate(now) {
    return this.snapshotTimes.filter((t) => now - t <= 1000).length;
  }

  /**
   * The `Ack` for the newest view, for a game without per-tick input; null
   * when that tick was acknowledged already (at most one per snapshot).
   */
  ack() {
    const tick = this.baselines.ackTick();
    if (this.baselines.newest() === null || tick === this.lastAcked) return null;
    this.lastAcked = tick;
    return { type: 'Ack', tick };
  }

  /** The next `Input`: numbered, acknowledging the newest view, carrying
   *  the game's input (written by its module's writeInput). */
  input(gameInput) {
    const payload = encodeWhole((w) => this.module.writeInput(w, gameInput));
    this.seq = (this.seq + 1) >>> 0;
    return { type: 'Input', seq: this.seq, ack_tick: this.baselines.ackTick(), payload };
  }

  /** A `Game` message carrying the game's message `msg` (its module's
   *  writeMsg). */
  gameMsg(msg) {
    return { type: 'Game', payload: encodeWhole((w) => this.module.writeMsg(w, msg)) };
  }

  /** The game's event in an `Event` message.
   *  @throws {CodecError} if it does not decode */
  event(msg) {
    return decodeWhole(msg.payload, (r) => this.module.readEvent(r), 'game event');
  }
}
