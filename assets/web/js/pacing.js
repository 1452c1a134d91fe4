// The page's clocks that are not the display's: the input clock, which
// sends one input per server tick from absolute deadlines (NETCODE §4,
// "Input pacing"), and the frame-rate meter the HUD shows. Both take the
// time from the caller (or `now`), so that tests drive them.

/** Calls `tick(now)` at `hz()` a second from a steady timer: each deadline
 *  is the previous one plus a period, so timer lateness does not add up;
 *  when the page stalls for more than a period, the missed ticks are
 *  skipped, not sent in a burst. */
export class InputClock {
  constructor(hz, tick, { now = () => performance.now(), timers = globalThis } = {}) {
    this.hz = hz;
    this.tick = tick;
    this.now = now;
    this.timers = timers;
    this.timer = null;
    this.next = 0;
  }

  get running() {
    return this.timer !== null;
  }

  start() {
    if (this.running) return;
    this.next = this.now();
    this.loop();
  }

  stop() {
    this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  loop() {
    const period = 1000 / this.hz();
    const now = this.now();
    if (now >= this.next) {
      this.tick(now);
      this.next += period;
      if (now - this.next > period) this.next = now + period;
    }
    this.timer = this.timers.setTimeout(() => this.loop(), Math.max(0, this.next - this.now()));
  }
}

/** Frames per second over the last second of frames. */
export class FpsMeter {
  constructor() {
    this.times = [];
    this.fps = null;
  }

  /** Counts a frame drawn at `now` (ms); the rate so far, or null. */
  frame(now) {
    this.times.push(now);
    while (now - this.times[0] > 1000) this.times.shift();
    if (this.times.length > 1) {
      const span = now - this.times[0];
      this.fps = span > 0 ? ((this.times.length - 1) * 1000) / span : null;
    }
    return this.fps;
  }
}
