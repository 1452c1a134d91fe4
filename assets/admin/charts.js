// The four charts of the last minutes, drawn by uPlot (vendor/, loaded by
// index.html as window.uPlot): load (connections, players, lobbies), late
// ticks per second, bytes in and out per second, and disconnects per
// second by reason. Each chart has a readout of its newest values; uPlot's
// own legend only names the series.

import { el, fill } from './dom.js';
import { Samples } from './samples.js';
import { amount, bytes } from './show.js';

const COLORS = ['#2f7ed8', '#e4572e', '#29a36a', '#a05fd0', '#d4a017', '#17a2b8', '#c2185b', '#6d6d6d'];
const HEIGHT = 150;

/** One uPlot chart with a title and a readout line. */
class Chart {
  constructor(root, title, format) {
    this.root = root;
    this.format = format;
    this.head = el('h3', {}, title);
    this.readout = el('p', { className: 'readout' });
    this.plotBox = el('div', { className: 'plot' });
    fill(root, this.head, this.readout, this.plotBox);
    this.plot = null;
    this.labels = null;
  }

  /** Draws `columns` ([{label, values}]) against `at` (Unix seconds). */
  update(at, columns, empty, note = '') {
    const labels = columns.map((c) => c.label).join('\n');
    if (this.plot && labels !== this.labels) {
      // A new series (a disconnect reason seen for the first time).
      this.plot.destroy();
      this.plot = null;
    }
    const data = [at, ...columns.map((c) => c.values)];
    if (!this.plot) {
      this.labels = labels;
      this.plot = new globalThis.uPlot(this.options(columns), data, this.plotBox);
    } else {
      this.plot.setData(data);
    }
    this.showReadout(columns, empty, note);
  }

  options(columns) {
    const format = this.format;
    return {
      width: Math.max(240, this.root.clientWidth - 16),
      height: HEIGHT,
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [{}, { size: 64, values: (u, ticks) => ticks.map((t) => format(t)) }],
      series: [{}, ...columns.map((c, i) => ({
        label: c.label,
        stroke: COLORS[i % COLORS.length],
        width: 1.5,
        spanGaps: false,
      }))],
    };
  }

  showReadout(columns, empty, note) {
    if (!columns.length) {
      this.readout.textContent = empty;
      return;
    }
    const parts = columns.map((c) => {
      const v = Samples.newest(c.values);
      return `${c.label} ${v === null ? 'n/a (a rate needs two samples)' : this.format(v)}`;
    });
    this.readout.textContent = parts.join(' · ') + note;
  }

  resize() {
    this.plot?.setSize({ width: Math.max(240, this.root.clientWidth - 16), height: HEIGHT });
  }
}

const count = (v) => amount(v) ?? '0';
const perSec = (v) => `${amount(v)}/s`;
const bytesPerSec = (v) => `${bytes(v)}/s`;

/** The console's charts, fed with a Samples. */
export class Charts {
  constructor(ids) {
    this.load = new Chart(document.getElementById(ids.load), 'Connections, players, lobbies', count);
    this.late = new Chart(document.getElementById(ids.late), 'Late ticks (per second)', perSec);
    this.bytes = new Chart(document.getElementById(ids.bytes), 'Bytes in and out (per second)', bytesPerSec);
    this.disconnects = new Chart(document.getElementById(ids.disconnects), 'Disconnects by reason (per second)', perSec);
    this.observer = new ResizeObserver(() => this.all().forEach((c) => c.resize()));
    this.observer.observe(document.getElementById(ids.load).parentElement);
  }

  all() {
    return [this.load, this.late, this.bytes, this.disconnects];
  }

  /** Redraws every chart from `s`. */
  draw(s, lateTickMs) {
    // How many samples are charted, for the end-to-end test.
    document.querySelector('.charts').dataset.samples = String(s.length);
    this.late.head.textContent = `Ticks later than ${lateTickMs} ms (per second)`;
    this.load.update(s.at, [
      { label: 'connections', values: s.connections },
      { label: 'players', values: s.players },
      { label: 'lobbies', values: s.lobbies },
    ]);
    const ticks = Samples.newest(s.ticks);
    this.late.update(s.at, [{ label: 'late', values: s.lateTicks }], '',
      ticks === null ? '' : ` (of ${perSec(ticks)} ticks run)`);
    this.bytes.update(s.at, [
      { label: 'in', values: s.bytesIn },
      { label: 'out', values: s.bytesOut },
    ]);
    this.disconnects.update(
      s.at,
      s.reasons().map((reason) => ({ label: reason, values: s.disconnects.get(reason) })),
      'no connection has ended since the node started',
    );
  }
}
