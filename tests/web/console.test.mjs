// The admin console's pure modules (assets/admin/): the samples and rates
// behind the charts, the lobby table's search, filters and sort, and how
// a null is shown (the API's why_null reason, never "undefined").

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { KEEP, Samples, rate } from '../../assets/admin/samples.js';
import { ALONE, choices, filterLobbies, sortLobbies } from '../../assets/admin/filter.js';
import { bytes, duration, shown } from '../../assets/admin/show.js';
import { ApiError, createApi, explain } from '../../assets/admin/api.js';

const stats = (uptime, over = {}) => ({
  uptime_secs: uptime, connections: 4, players: 3, lobbies: 1,
  ticks: uptime * 30, ticks_late: 0, late_tick_ms: 2,
  bytes_in: uptime * 100, bytes_out: uptime * 1000, disconnects: {}, why_null: {},
  ...over,
});

describe('samples', () => {
  test('a rate needs two samples, time going forward, and a counter not going down', () => {
    assert.equal(rate(null, 5, 1), null);
    assert.equal(rate(5, 10, 0), null);
    assert.equal(rate(10, 5, 1), null);
    assert.equal(rate(5, 15, 2), 5);
  });

  test('gauges as they are, counters as per-second rates timed by the uptime', () => {
    const s = new Samples();
    s.push(1000, stats(10));
    s.push(1001, stats(12, { ticks_late: 4 }));
    assert.deepEqual(s.players, [3, 3]);
    assert.deepEqual(s.ticks, [null, 30]);
    assert.deepEqual(s.lateTicks, [null, 2]);
    assert.deepEqual(s.bytesOut, [null, 1000]);
    // A restart: the uptime goes back, no rate.
    s.push(1002, stats(1));
    assert.equal(Samples.newest(s.bytesIn), null);
  });

  test('a disconnect reason seen late is 0 before, where there were rates', () => {
    const s = new Samples();
    s.push(1, stats(1));
    s.push(2, stats(2));
    s.push(3, stats(3, { disconnects: { kicked: 2 } }));
    s.push(4, stats(4, { disconnects: { kicked: 2, lost: 1 } }));
    assert.deepEqual(s.reasons(), ['kicked', 'lost']);
    assert.deepEqual(s.disconnects.get('kicked'), [null, 0, 2, 0]);
    assert.deepEqual(s.disconnects.get('lost'), [null, 0, 0, 1]);
  });

  test(`keeps the last ${KEEP} samples, every series aligned`, () => {
    const s = new Samples();
    for (let i = 0; i < KEEP + 20; i++) s.push(i, stats(i, i === 5 ? {} : { disconnects: { kicked: 1 } }));
    assert.equal(s.length, KEEP);
    assert.equal(s.at[0], 20);
    for (const series of [s.players, s.ticks, s.bytesIn, s.disconnects.get('kicked')]) assert.equal(series.length, KEEP);
  });
});

describe('the lobby table', () => {
  const lobbies = [
    { id: 3, name: 'Quick match 1', game: 'four', node: null, code: null, players: 1, locked: false, private: false },
    { id: 1, name: 'Ada <b>', game: 'arena', node: 'eu-1', code: 'K7QMZP', players: 4, locked: true, private: true },
    { id: 2, name: 'duel', game: 'arena', node: 'eu-2', code: 'ABCDEF', players: 2, locked: false, private: true },
  ];
  const ids = (ls) => ls.map((l) => l.id);

  test('search looks in the name, id, code, game and node, in any case', () => {
    assert.deepEqual(ids(filterLobbies(lobbies, { search: 'k7qm' })), [1]);
    assert.deepEqual(ids(filterLobbies(lobbies, { search: 'EU-2' })), [2]);
    assert.deepEqual(ids(filterLobbies(lobbies, { search: '3' })), [3]);
    assert.deepEqual(ids(filterLobbies(lobbies, { search: '<b>' })), [1]);
    assert.deepEqual(ids(filterLobbies(lobbies, { search: 'four' })), [3]);
    assert.deepEqual(ids(filterLobbies(lobbies, { search: '  ' })), [3, 1, 2]);
  });

  test('filters by game, node, locked and private', () => {
    assert.deepEqual(ids(filterLobbies(lobbies, { game: 'arena' })), [1, 2]);
    assert.deepEqual(ids(filterLobbies(lobbies, { node: ALONE })), [3]);
    assert.deepEqual(ids(filterLobbies(lobbies, { locked: 'yes' })), [1]);
    assert.deepEqual(ids(filterLobbies(lobbies, { locked: 'no', priv: 'yes' })), [2]);
    assert.deepEqual(choices(lobbies, (l) => l.node ?? ALONE), [ALONE, 'eu-1', 'eu-2']);
  });

  test('sorts by players either way, ties by id', () => {
    assert.deepEqual(ids(sortLobbies(lobbies, 'players-desc')), [1, 2, 3]);
    assert.deepEqual(ids(sortLobbies(lobbies, 'players-asc')), [3, 2, 1]);
    assert.deepEqual(ids(sortLobbies([...lobbies, { ...lobbies[2], id: 0 }], 'players-desc')), [1, 0, 2, 3]);
    assert.deepEqual(ids(sortLobbies(lobbies, null)), [1, 2, 3]);
  });
});

describe('showing values', () => {
  test('a null shows the API reason; a missing field says so; never "undefined"', () => {
    const m = { rtt_ms: null, ip: '127.0.0.1', why_null: { rtt_ms: 'no ping answered yet' } };
    assert.deepEqual(shown(m, 'rtt_ms'), { text: 'no ping answered yet', why: true });
    assert.deepEqual(shown(m, 'ip'), { text: '127.0.0.1', why: false });
    assert.deepEqual(shown({ code: null }, 'code'), { text: 'no code, and the API gave no reason', why: true });
    assert.deepEqual(shown({}, 'age_secs'), { text: "no age_secs in the API's answer", why: true });
    for (const s of [shown(m, 'rtt_ms'), shown({}, 'x'), shown({ x: null }, 'x')]) assert.ok(!/undefined|null$/.test(s.text));
  });

  test('durations and byte counts', () => {
    assert.equal(duration(59.9), '59s');
    assert.equal(duration(83.4), '1m 23s');
    assert.equal(duration(4000), '1h 06m');
    assert.equal(bytes(999), '999 B');
    assert.equal(bytes(5810), '5.8 kB');
    assert.equal(bytes(12_345_678), '12 MB');
  });
});

describe('the API client', () => {
  const answer = (status, body) => async () => new Response(body, { status });

  test('sends the token, and turns an error into an ApiError with the API message', async () => {
    let seen;
    const api = createApi('tok', {
      fetch: async (url, init) => {
        seen = { url, init };
        return new Response('{"error":"no lobby 9"}', { status: 404 });
      },
    });
    await assert.rejects(api.get('lobbies/9'), (e) => e instanceof ApiError && e.status === 404 && e.message === 'no lobby 9');
    assert.equal(seen.url, '/admin/api/lobbies/9');
    assert.equal(seen.init.headers.Authorization, 'Bearer tok');
  });

  test('a 401 tells the page; 401, 403 and 429 are explained', async () => {
    let told = 0;
    const api = createApi('bad', { fetch: answer(401, '{"error":"x"}'), onUnauthorized: () => (told += 1) });
    await assert.rejects(api.post('drain', {}));
    assert.equal(told, 1);
    assert.match(explain(new ApiError(401, 'x')), /wrong token/);
    assert.match(explain(new ApiError(403, 'x')), /read-only/);
    assert.match(explain(new ApiError(429, 'x')), /too many failed logins/);
    assert.match(explain(new TypeError('Failed to fetch')), /did not answer/);
  });
});
