// The menu's lists, drawn from what the server sent: the game picker (from
// Welcome.games) and the public lobbies (LobbyList: each with its game and
// the game's label). Each redraws only when its content changed: an entry
// replaced under the pointer would swallow the click. And the checks of
// what the player typed, made before anything is sent, with the limits
// the server enforces (names counted in characters, not bytes).

import { CLIENT_TEXT } from './errors.js';

/** The longest player name (characters). */
export const MAX_NAME_CHARS = 24;
/** The longest lobby name (characters). */
export const MAX_LOBBY_NAME_CHARS = 32;
/** The largest lobby. */
export const MAX_PLAYERS = 255;

const chars = (s) => [...s].length;

/** The name typed in the menu, trimmed, or null when it is not 1 to
 *  MAX_NAME_CHARS characters. */
export function playerName(typed) {
  const name = typed.trim();
  return chars(name) >= 1 && chars(name) <= MAX_NAME_CHARS ? name : null;
}

/** The lobby the create form asks for (`name`: the lobby's, empty for
 *  "<player>'s lobby"), as `{ lobby }` with CreateLobby's fields but the
 *  game, or `{ error }` with the page's text. */
export function lobbyToCreate({ player, name, maxPlayers, private: priv }) {
  const lobbyName = name.trim() || `${player.trim()}'s lobby`;
  if (chars(lobbyName) > MAX_LOBBY_NAME_CHARS) return { error: CLIENT_TEXT.badLobbyName };
  const max = Number(maxPlayers);
  if (!Number.isInteger(max) || max < 1 || max > MAX_PLAYERS) return { error: CLIENT_TEXT.badMaxPlayers };
  return { lobby: { name: lobbyName, max_players: max, private: priv } };
}

/** Fills the game picker with `games`, keeping the choice if still there
 *  (else `preferred`, else the first). */
export function renderGames(select, games, preferred) {
  const keep = select.value || preferred;
  const key = JSON.stringify(games);
  if (select.dataset.games !== key) {
    select.dataset.games = key;
    select.replaceChildren(...games.map((g) => {
      const option = document.createElement('option');
      option.value = g;
      option.textContent = g;
      return option;
    }));
  }
  if (games.includes(keep)) select.value = keep;
}

/** Draws the public lobbies: name, then players, game and label. */
export function renderLobbies(list, lobbies) {
  const key = JSON.stringify(lobbies);
  if (list.dataset.lobbies === key) return;
  list.dataset.lobbies = key;
  if (!lobbies.length) {
    const li = document.createElement('li');
    li.className = 'empty';
    li.textContent = 'No public lobbies yet: create one or quick-join.';
    list.replaceChildren(li);
    return;
  }
  list.replaceChildren(...lobbies.map((l) => {
    const li = document.createElement('li');
    li.dataset.lobbyId = String(l.id);
    li.dataset.game = l.game;
    li.title = 'Click to join';
    if (l.players >= l.max_players) li.classList.add('full');
    const name = document.createElement('span');
    name.textContent = l.name;
    const meta = document.createElement('span');
    meta.className = 'meta';
    meta.textContent = [`${l.players}/${l.max_players}`, l.game, l.label].filter(Boolean).join(' · ');
    li.append(name, meta);
    return li;
  }));
}
