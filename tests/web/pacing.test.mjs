// The page's input clock and frame-rate meter (assets/web/js/pacing.js),
// driven by a fake clock: inputs go out at the tick rate from absolute
// deadlines, a late timer does not shift the ones after it, and a stall
// skips the missed ticks instead of sending them in a burst (NETCODE §4).

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { FpsMeter, InputClock } from '../../assets/web/js/pacing.js';

/** A clock and a timer queue the test advances by hand. */
function fakeTime() {
  const t = { now: 0, timers: new Map(), next: 1 };
  t.api = {
    setTimeout: (fn, ms) => {
      const id = t.next++;
      t.timers.set(id, { fn, at: t.now + ms });
      return id;
    },
    clearTimeout: (id) => t.timers.delete(id),
  };
  /** Moves to `to` ms, firing each timer that is due on the way (a timer
   *  fires `late` ms after its time). */
  t.advance = (to, late = 0) => {
    for (;;) {
      const due = [...t.timers].filter(([, x]) => x.at + late <= to).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      t.timers.delete(due[0]);
      t.now = Math.max(t.now, due[1].at + late);
      due[1].fn();
    }
    t.now = to;
  };
  return t;
}

function clockAt(hz) {
  const t = fakeTime();
  const ticks = [];
  const clock = new InputClock(() => hz, (now) => ticks.push(now), { now: () => t.now, timers: t.api });
  return { t, ticks, clock };
}

test('inputs go out at the tick rate, one per period, from the start', () => {
  const { t, ticks, clock } = clockAt(20); // 50 ms
  clock.start();
  assert.deepEqual(ticks, [0], 'the first input at once');
  t.advance(1000);
  assert.equal(ticks.length, 21, 'one a period for a second');
  assert.deepEqual(ticks.slice(0, 4), [0, 50, 100, 150]);
});

test('a late timer does not shift the deadlines after it', () => {
  const { t, ticks, clock } = clockAt(20);
  clock.start();
  t.advance(1000, 7); // every timer 7 ms late
  // Each input is sent 7 ms after its deadline, and the next deadline is
  // still a period after the last one, not after the late send.
  assert.deepEqual(ticks.slice(0, 4), [0, 57, 107, 157]);
  assert.equal(ticks.length, 20);
});

test('a stall skips the missed ticks rather than sending a burst', () => {
  const { t, ticks, clock } = clockAt(20);
  clock.start();
  t.advance(100); // 0, 50, 100
  assert.equal(ticks.length, 3);
  // The page freezes for 400 ms: the timer due at 150 fires at 500.
  const [[, timer]] = [...t.timers];
  t.timers.clear();
  t.now = 500;
  timer.fn();
  assert.deepEqual(ticks.slice(3), [500], 'one input for the stall, not eight');
  t.advance(600);
  assert.deepEqual(ticks.slice(3), [500, 550, 600], 'then the period again from there');
});

test('stop ends the inputs, start resumes them, and start twice is one clock', () => {
  const { t, ticks, clock } = clockAt(10);
  clock.start();
  clock.start();
  assert.equal(ticks.length, 1);
  assert.equal(t.timers.size, 1, 'one timer');
  clock.stop();
  assert.equal(clock.running, false);
  t.advance(1000);
  assert.equal(ticks.length, 1, 'nothing after stop');
  clock.start();
  t.advance(1200);
  assert.deepEqual(ticks.slice(1), [1000, 1100, 1200]);
});

test('the frame-rate meter counts the frames of the last second', () => {
  const fps = new FpsMeter();
  assert.equal(fps.frame(0), null, 'one frame is no rate');
  let rate;
  for (let i = 1; i <= 120; i += 1) rate = fps.frame(i * (1000 / 60));
  assert.ok(Math.abs(rate - 60) < 1e-9, String(rate));
  // Frames slow to 20 a second: within a second the rate says so.
  for (let i = 1; i <= 20; i += 1) rate = fps.frame(2000 + i * 50);
  assert.ok(Math.abs(rate - 20) < 1e-9, String(rate));
});
