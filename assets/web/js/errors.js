// What the page tells a person when something goes wrong: each ErrorCode of
// docs/PROTOCOL.md section 7 as plain text, and the connection troubles
// the page itself runs into. The server's own `message` is for humans too but
// "not stable", so it is only appended as detail, never parsed.

const TEXT = {
  BadMessage: 'The server could not read a message from this page. Reload the page.',
  VersionMismatch: 'This page and the server speak different protocol versions. Reload the page to get the version the server serves.',
  UnexpectedMessage: 'The server did not expect that request right now.',
  InvalidField: 'Something was out of range: a name must be 1 to 24 characters, a lobby name 1 to 32, max players 1 to 255.',
  LobbyNotFound: 'No lobby has that code (or that lobby has closed). Check the code and try again.',
  LobbyFull: 'That lobby is full.',
  TooManyLobbies: 'The server is running as many lobbies as it can. Join an existing lobby or try again later.',
  ServerFull: 'The server is full. Try again later.',
  ShuttingDown: 'The server is shutting down and starts no new games.',
  LobbyClosed: 'That lobby has closed.',
  RateLimited: 'This page sent too many messages and the server closed the connection.',
  ResumeRejected: 'The connection was lost for too long and your seat is gone. You are back in the menu.',
  JoinRefused: 'The game refused to let you join.',
  TicketRejected: 'The seat held for you on another server of this game could not be taken. Try joining again.',
  AuthFailed: 'The server could not confirm who you are. Sign in to the game again, then reload the page.',
  Kicked: 'An operator removed you from the server.',
  Banned: 'You are banned from this server.',
  LobbyLocked: 'That lobby is locked and takes no new players.',
  SessionReplaced: 'Your account logged in somewhere else, which took over this session.',
};

/** Codes whose `message` a person needs: why auth failed, the operator's
 *  reason for a kick or for closing the lobby, until when a ban lasts. */
const WITH_MESSAGE = new Set(['VersionMismatch', 'InvalidField', 'TicketRejected', 'AuthFailed', 'Kicked',
  'Banned', 'LobbyClosed']);

/** The text for a server `Error { code, message }`. */
export function errorText(code, message) {
  const text = TEXT[code] ?? `The server refused the request (${code}).`;
  // The game's reason is the whole point of a refusal.
  if (code === 'JoinRefused' && message) return `The game refused to let you join: ${message}`;
  // Detail only where it adds something a person can act on (which of
  // expired, used, forged ... helps a person retry or report).
  if (WITH_MESSAGE.has(code) && message) return `${text} (${message})`;
  return text;
}

export const CLIENT_TEXT = {
  cannotConnect: 'Cannot reach the server. Retrying…',
  lost: 'Connection lost. Reconnecting…',
  lostForGood: 'The connection was lost for too long: starting a new session.',
  shutdown: (secs) => `The server is shutting down (in at most ${secs} s).`,
  notice: (text) => `Notice from the server: ${text}`,
  closedByServer: (code, reason) => `The server closed the connection (${code}${reason ? `: ${reason}` : ''}).`,
  badName: 'Enter a name of 1 to 24 characters.',
  badLobbyName: 'A lobby name must be 1 to 32 characters.',
  badMaxPlayers: 'Max players must be a whole number from 1 to 255.',
  badCode: 'Enter a join code.',
  noGame: 'Pick a game first (the list fills once connected).',
  cannotPlay: (game) => `This page cannot play ${game}: its browser module did not load.`,
  decode: 'The server sent something this page cannot read. Reload the page.',
  redirectFailed: (node, reason) => `The lobby is on another server (${node || 'unnamed'}), which this page could not join (${reason}). Try again.`,
};
