// Arena's model of the lobby, as docs/NETCODE.md describes it: the own
// player predicted with the shared movement rules and reconciled on every
// snapshot (§1, §2), everyone else interpolated 100 ms in the past (§3) on
// a clock estimated from snapshot arrivals (§4), and the score table. The
// engine's Lobby (assets/web/js/lobby.js) applies the snapshots, holds the
// roster and numbers the inputs; this reads its views: players are
// entities of kind 0, projectiles of kind 1, scores the rows.
//
// Pure: no DOM, no socket, no clock. Every method that needs the time takes
// `now` (milliseconds, performance.now() in the page), so Node tests can
// drive it exactly.

import { fromFixed } from './fixed.js';
import { tickDt, sanitizeInput, stepPlayer } from './movement.js';
import { KIND_PLAYER, KIND_PROJECTILE, aimFromByte } from './protocol.js';

/** How far in the past others are drawn (NETCODE §3; the server's lag
 *  compensation assumes the same, `timing::INTERPOLATION_DELAY_MS`). */
export const INTERPOLATION_DELAY_MS = 100;
/** Snapshot arrivals the clock estimate looks back over (NETCODE §4). */
export const CLOCK_WINDOW_MS = 2000;
/** Views kept for interpolation: about 2 s at 30 Hz. */
export const HISTORY_LEN = 64;
/** Unacknowledged inputs kept for replay: 8 s at 30 Hz, as the bots. */
export const MAX_UNACKED = 256;
/** Others are extrapolated past the newest view by at most this much. */
const MAX_EXTRAPOLATE_TICKS = 3;
/** A move larger than this between two views is a teleport (a respawn),
 *  drawn as a jump rather than a slide. */
const TELEPORT_UNITS = 96;

export class ArenaModel {
  /**
   * @param {object} lobby the engine's Lobby (assets/web/js/lobby.js): its
   *   tickHz, snapshotHz, avatar, info (the map), roster and input numbering
   */
  constructor(lobby) {
    this.lobby = lobby;
    const { tickHz, snapshotHz } = lobby;
    this.tickHz = tickHz;
    this.dt = tickDt(tickHz);
    this.tickMs = 1000 / tickHz;
    // 100 ms, and never less than two snapshot intervals, so that one late
    // or lost snapshot still leaves two to interpolate between (NETCODE §3).
    const interval = Math.ceil(tickHz / Math.max(1, Math.min(snapshotHz, tickHz)));
    this.delayTicks = Math.max(Math.round((INTERPOLATION_DELAY_MS * tickHz) / 1000), 2 * interval);
    this.unacked = [];
    this.history = [];
    this.arrivals = [];
    this.pred = null; // predicted own position (exact, world units)
    this.predPrev = null; // where the own player was one input earlier (for smooth drawing)
    this.predAt = 0; // when pred last stepped
    this.prediction = { samples: 0, maxError: 0, skipped: 0 };
  }

  /** The map: the join info. */
  get map() {
    return this.lobby.info;
  }

  /** The own player's entity index, or null without an avatar. */
  get myIndex() {
    const a = this.lobby.avatar;
    return a && a.kind === KIND_PLAYER ? a.index : null;
  }

  /** `Joined` (the lobby has taken it): a new lobby, or the same seat
   *  after a resume. The clock and the interpolation buffer start over; on
   *  a resume the inputs still unacknowledged were discarded by the
   *  server, so they go too. */
  joined() {
    this.history = [];
    this.arrivals = [];
    this.unacked = [];
    this.pred = null;
    this.predPrev = null;
  }

  /** Name of the player whose entity has slot `index`. */
  nameOf(index) {
    const e = this.lobby.avatarOwner(KIND_PLAYER, index);
    return e ? e.name : `#${index}`;
  }

  /** A new view (the engine applied a snapshot) arrived at `now`; `prev`
   *  is the newest before it. Returns arena's view of it. */
  snapshot(generic, now) {
    const newest = this.newest();
    const view = arenaView(generic);
    this.history.push(view);
    if (this.history.length > HISTORY_LEN) this.history.shift();
    this.arrivals.push({ at: now, offset: view.tick - (now * this.tickHz) / 1000 });
    while (this.arrivals.length > 1 && now - this.arrivals[0].at > CLOCK_WINDOW_MS) this.arrivals.shift();
    this.reconcile(newest, view, now);
    return view;
  }

  newest() {
    return this.history.length ? this.history[this.history.length - 1] : null;
  }

  /** The own player's state in `view` (hp, alive, aim), if it holds it. */
  own(view = this.newest()) {
    const index = this.myIndex;
    return view && index !== null ? view.players.get(index) ?? null : null;
  }

  /** NETCODE §2: drop acknowledged inputs, reset to the exact `me`,
   *  replay the rest. A dead player is not moved by its inputs (§1). */
  reconcile(prevView, view, now) {
    const acked = view.last_input_seq;
    const mine = this.own(view);
    const alive = mine ? mine.alive : true;
    this.sample(prevView, view, acked, alive);
    while (this.unacked.length && this.unacked[0].seq <= acked) this.unacked.shift();
    let pos = fromFixed(view.me);
    for (const u of this.unacked) {
      if (alive) pos = stepPlayer(pos, u.movement, this.dt, this.map);
      u.predicted = pos;
    }
    const old = this.pred;
    this.pred = pos;
    if (!old || dist(old, pos) > TELEPORT_UNITS) {
      this.predPrev = pos;
      this.predAt = now;
    }
  }

  /** Prediction error, as the bots measure it: the position predicted for
   *  the input this view acknowledges against the exact one. Skipped around
   *  deaths and respawns, which the client cannot predict. */
  sample(prevView, view, acked, alive) {
    const prevSeq = prevView ? prevView.last_input_seq : 0;
    if (acked === prevSeq) return;
    const u = this.unacked.find((x) => x.seq === acked);
    if (!u) return;
    const before = prevView ? this.own(prevView) : null;
    const deaths = (v) => (v.scores.get(this.myIndex) ?? { deaths: 0 }).deaths;
    const trusted = u.predicted && before && before.alive && alive && deaths(prevView) === deaths(view);
    if (!trusted) {
      this.prediction.skipped++;
      return;
    }
    const err = dist(u.predicted, fromFixed(view.me));
    this.prediction.samples++;
    if (err > this.prediction.maxError) this.prediction.maxError = err;
  }

  /** The next `Input` (NETCODE §1): numbered, remembered until acknowledged,
   *  and applied to the prediction at once. `controls` is
   *  `{movement, aim, fire, hitscan}` with `aim` a world-space direction. */
  makeInput(controls, now) {
    const input = this.lobby.input({
      movement: controls.movement,
      aim: controls.aim,
      fire: !!controls.fire,
      hitscan: !!controls.hitscan,
    });
    let movement;
    try {
      movement = sanitizeInput(controls).movement;
    } catch {
      movement = { x: 0, y: 0 };
    }
    const mine = this.own();
    let predicted = null;
    if (this.pred) {
      predicted = mine && !mine.alive ? this.pred : stepPlayer(this.pred, movement, this.dt, this.map);
      this.predPrev = this.pred;
      this.pred = predicted;
      this.predAt = now;
    }
    this.unacked.push({ seq: input.seq, movement, predicted });
    if (this.unacked.length > MAX_UNACKED) this.unacked.shift();
    return input;
  }

  /** Estimated server tick at `now` (NETCODE §4): the arrival that was
   *  delayed least over the last couple of seconds sets the offset. */
  serverTick(now) {
    if (!this.arrivals.length) {
      const v = this.newest();
      return v ? v.tick : 0;
    }
    let best = -Infinity;
    for (const a of this.arrivals) best = Math.max(best, a.offset);
    return (now * this.tickHz) / 1000 + best;
  }

  /** The own position to draw: the prediction, smoothed over the tick in
   *  which it last stepped (inputs step at tick_hz, frames come faster). */
  drawnSelf(now) {
    if (!this.pred) return null;
    const a = Math.min(1, Math.max(0, (now - this.predAt) / this.tickMs));
    return lerp(this.predPrev ?? this.pred, this.pred, a);
  }

  /** Everything to draw at `now`: others interpolated at the render tick,
   *  the own player from prediction, own projectiles extrapolated to now. */
  frame(now) {
    const newest = this.newest();
    const myIndex = this.myIndex;
    if (!newest || myIndex === null) return null;
    const est = this.serverTick(now);
    const rt = est - this.delayTicks;
    const [v0, v1, t] = this.bracket(rt);
    const players = [];
    const mine = this.own(newest);
    const score = (i) => {
      const s = newest.scores.get(i);
      return { kills: s ? s.kills : 0, deaths: s ? s.deaths : 0 };
    };
    const selfPos = this.drawnSelf(now) ?? fromFixed(newest.me);
    if (mine) {
      players.push({
        index: myIndex, name: this.nameOf(myIndex), self: true,
        x: selfPos.x, y: selfPos.y, alive: mine.alive, hp: mine.hp,
        aim: aimFromByte(mine.aim), ...score(myIndex),
      });
    }
    for (const [index, p1] of v1.players) {
      if (index === myIndex) continue;
      const p0 = v0.players.get(index);
      const pos = v0 === v1 ? extrapolate(p1.track, clampEx(rt - v1.tick)) : interpolate(p0 && p0.track, p1.track, t);
      players.push({
        index, name: this.nameOf(index), self: false, x: pos.x, y: pos.y,
        alive: p1.alive, hp: p1.hp, aim: p0 ? lerpAim(p0.aim, p1.aim, t) : aimFromByte(p1.aim),
        ...score(index),
      });
    }
    const projectiles = [];
    for (const [index, q] of newest.projectiles) {
      if (q.owner !== myIndex) continue;
      const pos = extrapolate(q.track, Math.max(0, est - newest.tick));
      // Past a wall or the bounds it is gone; the server's word is on its way.
      if (!inOpen(this.map, pos)) continue;
      projectiles.push({ index, owner: q.owner, x: pos.x, y: pos.y, own: true });
    }
    for (const [index, q1] of v1.projectiles) {
      if (q1.owner === myIndex) continue;
      const q0 = v0.projectiles.get(index);
      const pos = v0 === v1
        ? extrapolate(q1.track, Math.max(0, rt - v1.tick))
        : interpolate(q0 && q0.owner === q1.owner ? q0.track : null, q1.track, t);
      projectiles.push({ index, owner: q1.owner, x: pos.x, y: pos.y, own: false });
    }
    return { tick: newest.tick, estTick: est, renderTick: rt, players, projectiles, me: mine, self: selfPos };
  }

  /** The two views around render tick `rt` and the fraction between them;
   *  before the oldest or after the newest, that one view twice. */
  bracket(rt) {
    const h = this.history;
    const last = h[h.length - 1];
    if (rt >= last.tick) return [last, last, 0];
    if (rt <= h[0].tick) return [h[0], h[0], 0];
    for (let i = h.length - 2; i >= 0; i--) {
      if (h[i].tick <= rt) {
        const a = h[i], b = h[i + 1];
        return [a, b, (rt - a.tick) / (b.tick - a.tick)];
      }
    }
    return [h[0], h[0], 0];
  }

  /** The score table: every player in the lobby (view.scores), named from
   *  the roster, best first. */
  scores() {
    const v = this.newest();
    if (!v) return [];
    const rows = [];
    for (const [index, s] of v.scores) {
      const p = v.players.get(index);
      rows.push({ index, name: this.nameOf(index), kills: s.kills, deaths: s.deaths,
        self: index === this.myIndex, alive: p ? p.alive : true });
    }
    rows.sort((a, b) => b.kills - a.kills || a.deaths - b.deaths || a.index - b.index);
    return rows;
  }
}

/** Whether `p` is inside the map's bounds and outside every wall. */
function inOpen(map, p) {
  const inside = (r) => p.x >= r.min.x && p.x <= r.max.x && p.y >= r.min.y && p.y <= r.max.y;
  return inside(map.bounds) && !map.walls.some(inside);
}

/** Arena's shape of an engine view: players, projectiles and scores as
 *  Maps by entity index (slot index for scores). */
export function arenaView(view) {
  const players = new Map();
  const projectiles = new Map();
  for (const e of view.entities.values()) {
    if (e.kind === KIND_PLAYER) players.set(e.index, { track: e.track, ...e.fields });
    else if (e.kind === KIND_PROJECTILE) projectiles.set(e.index, { track: e.track, ...e.fields });
  }
  return {
    tick: view.tick, last_input_seq: view.last_input_seq, me: view.me, players, projectiles, scores: view.rows,
  };
}

function dist(a, b) {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

function lerp(a, b, t) {
  return { x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t };
}

function clampEx(ticks) {
  return Math.min(MAX_EXTRAPOLATE_TICKS, Math.max(0, ticks));
}

function extrapolate(track, ticks) {
  const p = fromFixed(track.pos);
  const v = fromFixed(track.vel);
  return { x: p.x + v.x * ticks, y: p.y + v.y * ticks };
}

/** Position between two tracks (t in [0, 1]); at `b` when it has no
 *  predecessor (it just came into view). Teleports jump. */
function interpolate(a, b, t) {
  if (!a) return fromFixed(b.pos);
  const pa = fromFixed(a.pos);
  const pb = fromFixed(b.pos);
  if (dist(pa, pb) > TELEPORT_UNITS) return t < 0.5 ? pa : pb;
  return lerp(pa, pb, t);
}

/** Aim interpolated by angle, the short way round (NETCODE §3). */
function lerpAim(a, b, t) {
  let d = (((b - a) % 256) + 256) % 256;
  if (d > 128) d -= 256;
  const angle = ((a + d * t) * 2 * Math.PI) / 256;
  return { x: Math.cos(angle), y: Math.sin(angle) };
}
