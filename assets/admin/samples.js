// The charts' data: the last KEEP samples of `GET /admin/api/stats`, one a
// second, kept in the page only. Gauges are charted as they are; counters
// become per-second rates between successive samples, timed by the node's
// own uptime (not the page's clock, which a slow fetch would skew). A rate
// the samples cannot give (the first sample, a counter that went down
// because the node restarted) is null: a gap in the chart, never a zero.

/** Samples kept: five minutes at one a second. */
export const KEEP = 300;

/** `(next - prev) / secs`, or null when there is no honest answer. */
export function rate(prev, next, secs) {
  if (prev === null || prev === undefined || next === null || next === undefined) return null;
  if (!(secs > 0) || next < prev) return null;
  return (next - prev) / secs;
}

export class Samples {
  constructor(keep = KEEP) {
    this.keep = keep;
    /** Page time of each sample, in Unix seconds (the charts' x axis). */
    this.at = [];
    this.connections = [];
    this.players = [];
    this.lobbies = [];
    /** Ticks per second that started late, and all ticks per second. */
    this.lateTicks = [];
    this.ticks = [];
    this.bytesIn = [];
    this.bytesOut = [];
    /** reason -> per-second rates, aligned with `at`. */
    this.disconnects = new Map();
    this.last = null;
  }

  get length() {
    return this.at.length;
  }

  /** Adds the stats fetched at `at` (Unix seconds). */
  push(at, stats) {
    const prev = this.last;
    const secs = prev ? stats.uptime_secs - prev.uptime_secs : 0;
    const r = (key) => (prev ? rate(prev[key], stats[key], secs) : null);
    this.at.push(at);
    this.connections.push(stats.connections ?? null);
    this.players.push(stats.players ?? null);
    this.lobbies.push(stats.lobbies ?? null);
    this.lateTicks.push(r('ticks_late'));
    this.ticks.push(r('ticks'));
    this.bytesIn.push(r('bytes_in'));
    this.bytesOut.push(r('bytes_out'));
    const now = stats.disconnects ?? {};
    for (const reason of Object.keys(now)) {
      if (!this.disconnects.has(reason)) {
        // A reason appears once it has happened: before, its rate was 0
        // wherever the samples gave rates at all.
        const earlier = this.ticks.slice(0, -1).map((t) => (t === null ? null : 0));
        this.disconnects.set(reason, earlier);
      }
    }
    for (const [reason, rates] of this.disconnects) {
      const before = prev ? prev.disconnects?.[reason] ?? 0 : null;
      rates.push(rate(before, now[reason] ?? 0, secs));
    }
    this.last = stats;
    if (this.at.length > this.keep) this.#trim(this.at.length - this.keep);
  }

  #trim(n) {
    for (const a of [this.at, this.connections, this.players, this.lobbies, this.lateTicks, this.ticks, this.bytesIn, this.bytesOut]) {
      a.splice(0, n);
    }
    for (const rates of this.disconnects.values()) rates.splice(0, n);
  }

  /** The disconnect reasons seen, sorted. */
  reasons() {
    return [...this.disconnects.keys()].sort();
  }

  /** The newest value of a series, or null. */
  static newest(series) {
    return series.length ? series[series.length - 1] : null;
  }
}
