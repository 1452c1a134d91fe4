// The menu's checks of what the player typed (assets/web/js/menu.js), made
// before anything is sent, with the server's limits: a player name of 1 to
// 24 characters (MAX_PLAYER_NAME_CHARS), a lobby name of at most 32
// (MAX_LOBBY_NAME_CHARS), 1 to 255 players; names counted in characters.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { lobbyToCreate, playerName } from '../../assets/web/js/menu.js';
import { CLIENT_TEXT } from '../../assets/web/js/errors.js';

test('a player name is trimmed and must be 1 to 24 characters', () => {
  assert.equal(playerName('  ada '), 'ada');
  assert.equal(playerName('   '), null);
  assert.equal(playerName(''), null);
  assert.equal(playerName('x'.repeat(24)), 'x'.repeat(24));
  assert.equal(playerName('x'.repeat(25)), null);
  // 24 characters of 4 UTF-8 bytes each: counted as 24, not 96.
  assert.equal(playerName('🎮'.repeat(24)), '🎮'.repeat(24));
  assert.equal(playerName('🎮'.repeat(25)), null);
});

test('the create form gives the lobby CreateLobby asks for', () => {
  const form = { player: ' ada ', name: '', maxPlayers: '8', private: true };
  assert.deepEqual(lobbyToCreate(form), { lobby: { name: "ada's lobby", max_players: 8, private: true } });
  assert.deepEqual(
    lobbyToCreate({ ...form, name: ' duel ', maxPlayers: '2', private: false }),
    { lobby: { name: 'duel', max_players: 2, private: false } },
  );
  assert.equal(lobbyToCreate({ ...form, name: '🏆'.repeat(32) }).lobby.name, '🏆'.repeat(32));
});

test('a bad lobby name or size is refused with the page text', () => {
  const form = { player: 'ada', name: 'duel', maxPlayers: '8', private: false };
  assert.deepEqual(lobbyToCreate({ ...form, name: 'x'.repeat(33) }), { error: CLIENT_TEXT.badLobbyName });
  // The default name of the longest player name just fits: 24 + "'s lobby".
  assert.equal(lobbyToCreate({ ...form, player: 'x'.repeat(24), name: '' }).lobby.name.length, 32);
  for (const maxPlayers of ['0', '256', '2.5', '', 'eight', '-1']) {
    assert.deepEqual(lobbyToCreate({ ...form, maxPlayers }), { error: CLIENT_TEXT.badMaxPlayers }, maxPlayers);
  }
  assert.equal(lobbyToCreate({ ...form, maxPlayers: '255' }).lobby.max_players, 255);
  assert.equal(lobbyToCreate({ ...form, maxPlayers: '1' }).lobby.max_players, 1);
});
