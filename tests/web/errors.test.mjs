// What the page says for a server Error (assets/web/js/errors.js): the
// server's message is appended only where a person can act on it, such as
// an operator's reason for a kick or for closing the lobby.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { errorText } from '../../assets/web/js/errors.js';

test("an operator's reason is shown for a kick and for a closed lobby", () => {
  assert.equal(errorText('Kicked', 'cheating'), 'An operator removed you from the server. (cheating)');
  assert.equal(
    errorText('LobbyClosed', 'the lobby was closed by an operator: tournament over'),
    'That lobby has closed. (the lobby was closed by an operator: tournament over)',
  );
  assert.equal(errorText('LobbyClosed', ''), 'That lobby has closed.');
});

test('other codes keep their own text, without the server message', () => {
  assert.equal(errorText('LobbyFull', 'lobby 7 is full'), 'That lobby is full.');
  assert.equal(errorText('NoSuchCode', 'x'), 'The server refused the request (NoSuchCode).');
});
