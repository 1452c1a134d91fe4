// What the person at the keyboard wants, sampled once per input tick:
// WASD or the arrow keys move; the mouse over the canvas aims; the left
// button held fires projectiles; the right button or Space fires one
// instant-hit shot per press (held keys do not repeat it).

const UP = new Set(['KeyW', 'ArrowUp']);
const DOWN = new Set(['KeyS', 'ArrowDown']);
const LEFT = new Set(['KeyA', 'ArrowLeft']);
const RIGHT = new Set(['KeyD', 'ArrowRight']);
const GAME_KEYS = new Set([...UP, ...DOWN, ...LEFT, ...RIGHT, 'Space']);

export class Controls {
  constructor(canvas) {
    this.canvas = canvas;
    this.enabled = false;
    this.keys = new Set();
    this.mouse = null; // {x, y} in CSS pixels, relative to the canvas
    this.fireHeld = false;
    this.hitscanQueued = false;
    // Every listener goes with dispose(): the page outlives a lobby.
    this.listening = new AbortController();
    const opts = { signal: this.listening.signal };

    window.addEventListener('keydown', (e) => this.keydown(e), opts);
    window.addEventListener('keyup', (e) => this.keys.delete(e.code), opts);
    window.addEventListener('blur', () => this.release(), opts);
    canvas.addEventListener('mousemove', (e) => this.track(e), opts);
    canvas.addEventListener('mousedown', (e) => {
      if (!this.enabled) return;
      this.track(e);
      canvas.focus();
      if (e.button === 0) this.fireHeld = true;
      if (e.button === 2) this.hitscanQueued = true;
      e.preventDefault();
    }, opts);
    window.addEventListener('mouseup', (e) => {
      if (e.button === 0) this.fireHeld = false;
    }, opts);
    canvas.addEventListener('contextmenu', (e) => e.preventDefault(), opts);
  }

  /** Removes every listener. */
  dispose() {
    this.listening.abort();
    this.setEnabled(false);
  }

  keydown(e) {
    if (!this.enabled || !GAME_KEYS.has(e.code)) return;
    const t = e.target;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA')) return;
    e.preventDefault(); // no page scrolling on arrows and Space
    if (e.code === 'Space') {
      if (!e.repeat) this.hitscanQueued = true;
      return;
    }
    this.keys.add(e.code);
  }

  track(e) {
    const r = this.canvas.getBoundingClientRect();
    this.mouse = { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  release() {
    this.keys.clear();
    this.fireHeld = false;
  }

  setEnabled(on) {
    this.enabled = on;
    if (!on) {
      this.release();
      this.hitscanQueued = false;
    }
  }

  /** Desired direction; y grows downwards, as on screen and in the world. */
  movement() {
    const has = (set) => [...set].some((k) => this.keys.has(k));
    return {
      x: (has(RIGHT) ? 1 : 0) - (has(LEFT) ? 1 : 0),
      y: (has(DOWN) ? 1 : 0) - (has(UP) ? 1 : 0),
    };
  }

  /** A queued instant-hit shot, consumed by the input that carries it. */
  takeHitscan() {
    const q = this.hitscanQueued;
    this.hitscanQueued = false;
    return q;
  }
}
