// The lobby table's search, filters and sort, as pure functions of the
// API's lobby list (tested in Node: tests/web/console.test.mjs).

/** The node filter's value for a lobby of a node alone (`node` is null). */
export const ALONE = '(this node)';

export const nodeOf = (lobby) => lobby.node ?? ALONE;

/**
 * The lobbies matching `f`: `search` (case-insensitive, in the name, id,
 * code, game and node), `game`, `node`, `locked` and `priv` ('' for any,
 * 'yes', 'no').
 */
export function filterLobbies(lobbies, f = {}) {
  const needle = (f.search ?? '').trim().toLowerCase();
  const flag = (want, value) => !want || (want === 'yes') === Boolean(value);
  return lobbies.filter((l) => {
    if (f.game && l.game !== f.game) return false;
    if (f.node && nodeOf(l) !== f.node) return false;
    if (!flag(f.locked, l.locked) || !flag(f.priv, l.private)) return false;
    if (!needle) return true;
    return [l.name, String(l.id), l.code, l.game, l.node]
      .some((v) => typeof v === 'string' && v.toLowerCase().includes(needle));
  });
}

/**
 * Sorted by `sort`: 'players-desc', 'players-asc', or anything else for
 * the API's order (by id). Ties keep their order by id.
 */
export function sortLobbies(lobbies, sort) {
  const byId = [...lobbies].sort((a, b) => a.id - b.id);
  if (sort === 'players-desc') return byId.sort((a, b) => b.players - a.players);
  if (sort === 'players-asc') return byId.sort((a, b) => a.players - b.players);
  return byId;
}

/** The distinct values of `pick(lobby)`, sorted: a filter's options. */
export function choices(lobbies, pick) {
  return [...new Set(lobbies.map(pick))].sort();
}
