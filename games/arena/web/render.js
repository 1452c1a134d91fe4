// Draws one frame of the arena on the canvas: the map (bounds, floor grid,
// walls), projectiles, players (own one highlighted, dead ones hollow and
// crossed), own instant-hit tracers and the crosshair. The camera fits the
// map to the canvas when it is small enough (arena, 1600x1000) and follows
// the player on bigger maps (large, 4000x4000).

import { PLAYER_RADIUS } from './movement.js';

/** The most of the world shown across, in units: on a bigger map the
 *  camera follows the player instead of fitting the whole map. */
const MAX_SPAN = { x: 1700, y: 1100 };
/** World units of margin around the map when it fits. */
const MARGIN = 20;
const PROJECTILE_RADIUS = 4;
const HITSCAN_RANGE = 900;
const TRACER_MS = 180;

const COLORS = {
  void: '#0b0e13',
  floor: '#19202b',
  grid: '#212a37',
  bounds: '#3b4a60',
  wall: '#4a5568',
  wallEdge: '#718096',
  self: '#4fb3ff',
  other: '#ff6b6b',
  dead: '#7b8494',
  ownShot: '#9ee3ff',
  shot: '#ffc15e',
  text: '#e6e9ef',
  hpBack: '#3a1c22',
  hp: '#5fd17a',
};

export class Renderer {
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.cam = { left: 0, top: 0, scale: 1 };
    this.cssW = 0;
    this.cssH = 0;
    this.dpr = 1;
    // The map (void, floor, grid, walls) drawn once per camera position and
    // reused: with the camera still (the arena fits the canvas) a frame is
    // one blit plus the moving things, a fraction of the cost of redrawing.
    this.layer = null;
    this.layerKey = '';
  }

  /** Keeps the backing store at the canvas's CSS size times the pixel ratio. */
  resize() {
    const dpr = window.devicePixelRatio || 1;
    this.dpr = dpr;
    const w = this.canvas.clientWidth;
    const h = this.canvas.clientHeight;
    if (w !== this.cssW || h !== this.cssH || this.canvas.width !== Math.round(w * dpr)) {
      this.cssW = w;
      this.cssH = h;
      this.canvas.width = Math.max(1, Math.round(w * dpr));
      this.canvas.height = Math.max(1, Math.round(h * dpr));
    }
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  }

  /** Sets the camera for `map`, following `focus` on big maps. */
  aim(map, focus) {
    const b = map.bounds;
    const mw = b.max.x - b.min.x + 2 * MARGIN;
    const mh = b.max.y - b.min.y + 2 * MARGIN;
    const scale = Math.min(this.cssW / Math.min(mw, MAX_SPAN.x), this.cssH / Math.min(mh, MAX_SPAN.y)) || 1;
    const vw = this.cssW / scale;
    const vh = this.cssH / scale;
    const axis = (lo, hi, want, span) => {
      const extent = hi - lo + 2 * MARGIN;
      if (span >= extent) return (lo + hi) / 2 - span / 2;
      const c = Math.min(Math.max(want, lo - MARGIN + span / 2), hi + MARGIN - span / 2);
      return c - span / 2;
    };
    const f = focus ?? { x: (b.min.x + b.max.x) / 2, y: (b.min.y + b.max.y) / 2 };
    this.cam = { left: axis(b.min.x, b.max.x, f.x, vw), top: axis(b.min.y, b.max.y, f.y, vh), scale };
  }

  /** World point to CSS pixels relative to the canvas. */
  toScreen(p) {
    return { x: (p.x - this.cam.left) * this.cam.scale, y: (p.y - this.cam.top) * this.cam.scale };
  }

  /** CSS pixels relative to the canvas to a world point. */
  toWorld(s) {
    return { x: s.x / this.cam.scale + this.cam.left, y: s.y / this.cam.scale + this.cam.top };
  }

  clear() {
    this.ctx.fillStyle = COLORS.void;
    this.ctx.fillRect(0, 0, this.cssW, this.cssH);
  }

  /** One frame. `frame` is ArenaModel.frame(now); `extra` has the tracers, the
   *  mouse, and a banner text. */
  draw(map, frame, extra) {
    this.drawStatic(map);
    if (frame) {
      for (const q of frame.projectiles) this.drawProjectile(q);
      const others = frame.players.filter((p) => !p.self);
      for (const p of others) if (!p.alive) this.drawPlayer(p);
      for (const p of others) if (p.alive) this.drawPlayer(p);
      const me = frame.players.find((p) => p.self);
      if (me) this.drawPlayer(me);
    }
    for (const t of extra.tracers) this.drawTracer(map, t, extra.now);
    if (extra.mouse) this.drawCrosshair(extra.mouse);
    if (extra.banner) this.drawBanner(extra.banner);
  }

  drawStatic(map) {
    const c = this.cam;
    const key = `${this.canvas.width}x${this.canvas.height}@${this.dpr}:${c.left},${c.top},${c.scale}`;
    if (!this.layer) this.layer = document.createElement('canvas');
    if (key !== this.layerKey || map !== this.layerMap) {
      this.layer.width = this.canvas.width;
      this.layer.height = this.canvas.height;
      const lctx = this.layer.getContext('2d');
      lctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
      lctx.fillStyle = COLORS.void;
      lctx.fillRect(0, 0, this.cssW, this.cssH);
      this.drawMap(lctx, map);
      this.layerKey = key;
      this.layerMap = map;
    }
    this.ctx.save();
    this.ctx.setTransform(1, 0, 0, 1, 0, 0);
    this.ctx.drawImage(this.layer, 0, 0);
    this.ctx.restore();
  }

  drawMap(ctx, map) {
    const b = map.bounds;
    const s = this.cam.scale;
    const tl = this.toScreen(b.min);
    const br = this.toScreen(b.max);
    ctx.fillStyle = COLORS.floor;
    ctx.fillRect(tl.x, tl.y, br.x - tl.x, br.y - tl.y);
    // A 100-unit grid, so motion reads even on an empty floor.
    ctx.strokeStyle = COLORS.grid;
    ctx.lineWidth = 1;
    ctx.beginPath();
    const x0 = Math.max(b.min.x, Math.floor(this.cam.left / 100) * 100);
    const x1 = Math.min(b.max.x, this.cam.left + this.cssW / s);
    for (let x = Math.ceil(x0 / 100) * 100; x <= x1; x += 100) {
      const px = Math.round(this.toScreen({ x, y: 0 }).x) + 0.5;
      ctx.moveTo(px, tl.y);
      ctx.lineTo(px, br.y);
    }
    const y0 = Math.max(b.min.y, Math.floor(this.cam.top / 100) * 100);
    const y1 = Math.min(b.max.y, this.cam.top + this.cssH / s);
    for (let y = Math.ceil(y0 / 100) * 100; y <= y1; y += 100) {
      const py = Math.round(this.toScreen({ x: 0, y }).y) + 0.5;
      ctx.moveTo(tl.x, py);
      ctx.lineTo(br.x, py);
    }
    ctx.stroke();
    ctx.strokeStyle = COLORS.bounds;
    ctx.lineWidth = 3;
    ctx.strokeRect(tl.x, tl.y, br.x - tl.x, br.y - tl.y);
    ctx.fillStyle = COLORS.wall;
    ctx.strokeStyle = COLORS.wallEdge;
    ctx.lineWidth = 1.5;
    for (const w of map.walls) {
      const a = this.toScreen(w.min);
      const c = this.toScreen(w.max);
      ctx.fillRect(a.x, a.y, c.x - a.x, c.y - a.y);
      ctx.strokeRect(a.x, a.y, c.x - a.x, c.y - a.y);
    }
  }

  drawProjectile(q) {
    const ctx = this.ctx;
    const p = this.toScreen(q);
    ctx.fillStyle = q.own ? COLORS.ownShot : COLORS.shot;
    ctx.beginPath();
    ctx.arc(p.x, p.y, Math.max(2, PROJECTILE_RADIUS * this.cam.scale), 0, Math.PI * 2);
    ctx.fill();
  }

  drawPlayer(p) {
    const ctx = this.ctx;
    const c = this.toScreen(p);
    const r = Math.max(4, PLAYER_RADIUS * this.cam.scale);
    const color = p.self ? COLORS.self : COLORS.other;
    ctx.save();
    if (!p.alive) {
      // Dead: a hollow, dashed grey ring with a cross, until the respawn.
      ctx.globalAlpha = 0.6;
      ctx.strokeStyle = COLORS.dead;
      ctx.lineWidth = 2;
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      ctx.arc(c.x, c.y, r, 0, Math.PI * 2);
      ctx.stroke();
      ctx.setLineDash([]);
      const k = r * 0.55;
      ctx.beginPath();
      ctx.moveTo(c.x - k, c.y - k);
      ctx.lineTo(c.x + k, c.y + k);
      ctx.moveTo(c.x + k, c.y - k);
      ctx.lineTo(c.x - k, c.y + k);
      ctx.stroke();
    } else {
      if (p.aim && (p.aim.x || p.aim.y)) {
        ctx.strokeStyle = color;
        ctx.lineWidth = Math.max(2, 4 * this.cam.scale);
        ctx.beginPath();
        ctx.moveTo(c.x, c.y);
        ctx.lineTo(c.x + p.aim.x * r * 1.8, c.y + p.aim.y * r * 1.8);
        ctx.stroke();
      }
      ctx.fillStyle = color;
      ctx.strokeStyle = p.self ? '#ffffff' : '#2a0f12';
      ctx.lineWidth = p.self ? 2 : 1.5;
      ctx.beginPath();
      ctx.arc(c.x, c.y, r, 0, Math.PI * 2);
      ctx.fill();
      ctx.stroke();
      // HP bar.
      const w = r * 2;
      ctx.fillStyle = COLORS.hpBack;
      ctx.fillRect(c.x - w / 2, c.y - r - 8, w, 4);
      ctx.fillStyle = COLORS.hp;
      ctx.fillRect(c.x - w / 2, c.y - r - 8, (w * Math.min(100, p.hp)) / 100, 4);
    }
    ctx.globalAlpha = p.alive ? 1 : 0.7;
    ctx.fillStyle = COLORS.text;
    ctx.font = `${p.self ? 'bold ' : ''}12px system-ui, sans-serif`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    ctx.fillText(p.name, c.x, c.y - r - 10);
    ctx.restore();
  }

  /** An own instant-hit shot, fading: from where it was fired along its
   *  aim to the first wall or the weapon's range. */
  drawTracer(map, t, now) {
    const age = now - t.at;
    if (age > TRACER_MS) return;
    const len = rayLength(map, t.from, t.dir, HITSCAN_RANGE);
    const a = this.toScreen(t.from);
    const b = this.toScreen({ x: t.from.x + t.dir.x * len, y: t.from.y + t.dir.y * len });
    const ctx = this.ctx;
    ctx.save();
    ctx.globalAlpha = 1 - age / TRACER_MS;
    ctx.strokeStyle = COLORS.ownShot;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(a.x, a.y);
    ctx.lineTo(b.x, b.y);
    ctx.stroke();
    ctx.restore();
  }

  drawCrosshair(m) {
    const ctx = this.ctx;
    ctx.save();
    ctx.strokeStyle = '#ffffffcc';
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.arc(m.x, m.y, 7, 0, Math.PI * 2);
    ctx.moveTo(m.x - 11, m.y);
    ctx.lineTo(m.x - 4, m.y);
    ctx.moveTo(m.x + 4, m.y);
    ctx.lineTo(m.x + 11, m.y);
    ctx.moveTo(m.x, m.y - 11);
    ctx.lineTo(m.x, m.y - 4);
    ctx.moveTo(m.x, m.y + 4);
    ctx.lineTo(m.x, m.y + 11);
    ctx.stroke();
    ctx.restore();
  }

  drawBanner(text) {
    const ctx = this.ctx;
    ctx.save();
    ctx.font = 'bold 20px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    const w = ctx.measureText(text).width + 32;
    ctx.fillStyle = '#000000aa';
    ctx.fillRect(this.cssW / 2 - w / 2, 16, w, 36);
    ctx.fillStyle = COLORS.text;
    ctx.fillText(text, this.cssW / 2, 24);
    ctx.restore();
  }
}

/** Distance along a unit ray from `from` to the first wall or the bounds,
 *  at most `max` (slab test against each rectangle). For drawing only: the
 *  server decides what a shot hits. */
export function rayLength(map, from, dir, max) {
  let best = max;
  for (const w of map.walls) {
    const t = rayRect(from, dir, w.min, w.max);
    if (t !== null && t < best) best = t;
  }
  const b = map.bounds;
  for (const [d, p, lo, hi] of [[dir.x, from.x, b.min.x, b.max.x], [dir.y, from.y, b.min.y, b.max.y]]) {
    if (d > 0) best = Math.min(best, (hi - p) / d);
    if (d < 0) best = Math.min(best, (lo - p) / d);
  }
  return Math.max(0, best);
}

function rayRect(o, d, min, max) {
  let t0 = 0;
  let t1 = Infinity;
  for (const [od, dd, lo, hi] of [[o.x, d.x, min.x, max.x], [o.y, d.y, min.y, max.y]]) {
    if (dd === 0) {
      if (od < lo || od > hi) return null;
      continue;
    }
    let a = (lo - od) / dd;
    let b = (hi - od) / dd;
    if (a > b) [a, b] = [b, a];
    t0 = Math.max(t0, a);
    t1 = Math.min(t1, b);
    if (t0 > t1) return null;
  }
  return t0;
}
