// The lobby table: rows from `GET /admin/api/lobbies` through the search,
// the filters and the sort (filter.js), the filters' options kept in step
// with the lobbies listed, and a warning for each node that did not
// answer. A click on a row opens that lobby.

import { $, cell, el, fill } from './dom.js';
import { ALONE, choices, filterLobbies, nodeOf, sortLobbies } from './filter.js';
import { bytes, duration, ms, yesNo } from './show.js';

/** The search and filters as typed. */
export function readFilters() {
  return {
    search: $('search').value,
    game: $('filter-game').value,
    node: $('filter-node').value,
    locked: $('filter-locked').value,
    priv: $('filter-private').value,
  };
}

/** Sets a select's options to "any" plus `values`, keeping its choice. */
function options(select, values, label = (v) => v) {
  const chosen = select.value;
  const all = chosen && !values.includes(chosen) ? [...values, chosen] : values;
  fill(select, el('option', { value: '' }, 'any'), ...all.map((v) => el('option', { value: v }, label(v))));
  select.value = chosen;
}

const lateness = (l) => `${ms(l.p99_ms)} / ${ms(l.max_ms)} (last ${l.ticks} ticks)`;

function row(lobby, open) {
  const tr = el('tr', { dataset: { id: String(lobby.id) }, tabIndex: 0, title: 'open this lobby' },
    el('td', {}, String(lobby.id)),
    el('td', { className: 'name' }, lobby.name),
    el('td', {}, lobby.game),
    cell(lobby, 'node'),
    cell(lobby, 'code'),
    el('td', { className: 'num' }, `${lobby.players} / ${lobby.max_players}`),
    el('td', { className: lobby.locked ? 'locked' : '' }, yesNo(lobby.locked)),
    el('td', {}, yesNo(lobby.private)),
    cell(lobby, 'tick_lateness', lateness),
    cell(lobby, 'bytes_out_per_sec', (b) => `${bytes(b)}/s`),
    cell(lobby, 'age_secs', duration),
  );
  tr.addEventListener('click', () => open(lobby.id));
  tr.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') open(lobby.id);
  });
  return tr;
}

/** Redraws the table from the API's `list` (`{lobbies, nodes}`). */
export function renderLobbies(list, sort, open) {
  const all = list.lobbies;
  options($('filter-game'), choices(all, (l) => l.game));
  options($('filter-node'), choices(all, nodeOf), (v) => (v === ALONE ? 'this node (no fleet)' : v));
  const shownLobbies = sortLobbies(filterLobbies(all, readFilters()), sort);
  fill($('lobbies').tBodies[0], ...shownLobbies.map((l) => row(l, open)));
  $('lobby-count').textContent = shownLobbies.length === all.length
    ? `(${all.length})`
    : `(${shownLobbies.length} of ${all.length})`;
  $('lobbies-empty').textContent = all.length === 0
    ? 'No lobby is open.'
    : shownLobbies.length === 0 ? 'No lobby matches the search and filters.' : '';
  const missing = list.nodes.filter((n) => !n.ok);
  $('nodes-warning').textContent = missing
    .map((n) => `Node ${n.node} is missing from the table: ${n.error ?? 'it did not answer'}.`)
    .join(' ');
  const arrow = sort === 'players-desc' ? ' ▼' : sort === 'players-asc' ? ' ▲' : '';
  $('sort-players').textContent = `Players${arrow}`;
}
