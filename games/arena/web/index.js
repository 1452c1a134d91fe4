// Arena's browser module, as the engine's page loads it from
// /games/arena/index.js (the contract is in tests/web/README.md): the
// protocol parts the engine calls (schema, join info, events, the input
// payload) and `mount`, which puts the canvas and the HUD in the page and
// plays: inputs at tick_hz (the engine's clock calls `input`), prediction
// and interpolation (model.js), drawing (render.js) and the score table.

import { ArenaModel } from './model.js';
import { Controls } from './input.js';
import { Renderer } from './render.js';
import { Hud } from './hud.js';

export { schema, readInfo, readEvent, writeInput } from './protocol.js';

export const name = 'arena';
export const title = 'Arena';
/** Arena sends an Input every tick (which acknowledges snapshots too). */
export const input = true;

/** The instant-hit weapon's cooldown (the server's default, 0.5 s), plus a
 *  tick of margin for timer jitter. */
const HITSCAN_COOLDOWN_MS = 540;
const TRACER_KEEP_MS = 500;

/**
 * Puts arena in the page.
 * @param {{stage: HTMLElement, hud: HTMLElement, lobby: object}} ctx
 */
export function mount(ctx) {
  return new ArenaPage(ctx);
}

class ArenaPage {
  constructor(ctx) {
    this.ctx = ctx;
    this.canvas = document.createElement('canvas');
    this.canvas.id = 'game';
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('aria-label', 'arena');
    ctx.stage.replaceChildren(this.canvas);
    this.hud = new Hud(ctx.hud);
    this.controls = new Controls(this.canvas);
    this.renderer = new Renderer(this.canvas);
    this.model = new ArenaModel(ctx.lobby);
    this.tracers = [];
    this.lastAim = { x: 1, y: 0 };
    this.lastHitscanAt = -Infinity;
    this.lastFrame = null;
  }

  joined() {
    this.model.joined();
    this.canvas.focus();
  }

  snapshot(view, now) {
    this.model.snapshot(view, now);
  }

  /** Kills show in the score table already; nothing more to do. */
  event() {}

  setActive(on) {
    this.controls.setEnabled(on);
  }

  /** The Input for this tick (the engine sends it). */
  input(now) {
    const me = this.model.pred;
    if (this.controls.mouse && me) {
      const target = this.renderer.toWorld(this.controls.mouse);
      const aim = { x: target.x - me.x, y: target.y - me.y };
      if (Math.hypot(aim.x, aim.y) > 1e-3) this.lastAim = aim;
    }
    let hitscan = this.controls.takeHitscan();
    // The server ignores shots within the weapon's cooldown; so do we, so
    // that every tracer drawn is a shot the server took.
    if (hitscan && now - this.lastHitscanAt < HITSCAN_COOLDOWN_MS) hitscan = false;
    if (hitscan) this.lastHitscanAt = now;
    const msg = this.model.makeInput({
      movement: this.controls.movement(), aim: this.lastAim, fire: this.controls.fireHeld, hitscan,
    }, now);
    const own = this.model.own();
    if (hitscan && me && (!own || own.alive)) {
      const len = Math.hypot(this.lastAim.x, this.lastAim.y);
      this.tracers.push({ from: me, dir: { x: this.lastAim.x / len, y: this.lastAim.y / len }, at: now });
    }
    return msg;
  }

  /** Draws a frame; `reconnecting` while the engine resumes. */
  frame(now, { reconnecting }) {
    this.tracers = this.tracers.filter((t) => now - t.at < TRACER_KEEP_MS);
    const map = this.model.map;
    const f = this.model.frame(now);
    this.lastFrame = f;
    this.renderer.resize();
    this.renderer.aim(map, f ? f.self : null);
    this.renderer.draw(map, f, {
      tracers: this.tracers, mouse: this.controls.mouse, now, banner: banner(f, reconnecting),
    });
    const own = f ? f.me : null;
    this.hud.update({ hp: own ? own.hp : null, alive: own ? own.alive : true, scores: this.model.scores() });
  }

  /** Arena's part of `window.rallypoint`. */
  state() {
    const f = this.lastFrame;
    const m = this.model;
    return {
      me: m.pred ? { x: m.pred.x, y: m.pred.y } : null,
      players: f ? f.players.map((p) => ({
        index: p.index, name: p.name, x: p.x, y: p.y, alive: p.alive, hp: p.hp, kills: p.kills, deaths: p.deaths,
      })) : [],
      prediction: { ...m.prediction },
      unacked: m.unacked.length,
      /** Page coordinates (for mouse events) of world point (x, y). */
      screenOf: (x, y) => {
        const s = this.renderer.toScreen({ x, y });
        const r = this.canvas.getBoundingClientRect();
        return { x: r.left + s.x, y: r.top + s.y };
      },
    };
  }

  unmount() {
    this.controls.dispose();
    this.canvas.remove();
  }
}

function banner(f, reconnecting) {
  if (reconnecting) return 'Connection lost: reconnecting…';
  if (!f) return 'Waiting for the first snapshot…';
  if (f.me && !f.me.alive) return 'You are down: respawning in a moment';
  return null;
}
