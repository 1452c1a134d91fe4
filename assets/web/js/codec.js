// The engine's envelope of docs/PROTOCOL.md, and nothing else: client
// messages to bytes, bytes to server messages, in bincode's encoding
// (wire.js). Objects use the Rust names: `type` is the variant, fields are
// snake_case. u64s (PlayerId, client_time) are BigInts. A game's payloads
// (Input.payload, Game.payload, Joined.info, Event.payload) and a
// snapshot's records stay bytes here (Uint8Array): the game's module reads
// the payloads, records.js the records. A join ticket (Redirect.ticket,
// JoinLobby's {Ticket}) is bytes too, opaque: net.js hands it back as it
// came.
//
// Decoding is strict like the server's: a truncated message, trailing
// bytes, a tag/bool/Option byte out of range, a varint too wide for its
// field or invalid UTF-8 throw CodecError. Checked against Rust by
// tests/web/ (golden.json).

import { CodecError, Reader, Writer } from './wire.js';

export { CodecError };

/** Sent in Hello and Resume; the server refuses any other. */
export const PROTOCOL_VERSION = 7;

/**
 * The largest client message in bytes: encodeClient refuses longer. 1 KiB:
 * room for a Hello carrying a session token of MAX_TOKEN_BYTES.
 */
export const MAX_CLIENT_MSG_BYTES = 1024;

/** The largest server message in bytes: decodeServer refuses longer. */
export const MAX_SERVER_MSG_BYTES = 256 * 1024;

/**
 * The longest join ticket a server issues or accepts, in bytes. The
 * encoder carries longer ones (the server refuses them), as Rust's does.
 */
export const MAX_TICKET_BYTES = 192;

/**
 * The longest session token (a JWT from the game's backend) Hello may
 * carry, in bytes. The encoder carries longer ones (the server refuses
 * them with AuthFailed), as Rust's does.
 */
export const MAX_TOKEN_BYTES = 900;

/**
 * The most inputs one `Inputs` message may carry; the server answers an
 * empty or longer batch with Error InvalidField. encodeClient, like the
 * Rust encoder, writes any length that fits in MAX_CLIENT_MSG_BYTES.
 */
export const MAX_INPUTS_PER_MESSAGE = 8;

// Variant names in wire order: a name's index is its tag. Append only, as
// in the Rust enums.
const SERVER_TYPES = ['Welcome', 'LobbyList', 'Joined', 'Snapshot', 'Pong', 'Error', 'Left',
  'Roster', 'ShuttingDown', 'RosterUpdate', 'Event', 'Redirect', 'Notice'];
const CLIENT_TYPES = ['Hello', 'ListLobbies', 'CreateLobby', 'JoinLobby', 'QuickJoin',
  'LeaveLobby', 'Input', 'Ping', 'Resume', 'Inputs', 'Game', 'Ack'];
export const ERROR_CODES = ['BadMessage', 'VersionMismatch', 'UnexpectedMessage', 'InvalidField',
  'LobbyNotFound', 'LobbyFull', 'TooManyLobbies', 'ServerFull', 'ShuttingDown', 'LobbyClosed',
  'RateLimited', 'ResumeRejected', 'JoinRefused', 'TicketRejected', 'AuthFailed', 'Kicked',
  'Banned', 'LobbyLocked', 'SessionReplaced'];

function entityRef(r) {
  return { kind: r.u8('entity kind'), index: r.u32('entity index'), generation: r.u32('entity generation') };
}

function rosterEntry(r) {
  return {
    player: r.u64('player'),
    name: r.string('name'),
    avatar: r.option('avatar', () => entityRef(r)),
  };
}

function lobbyInfo(r) {
  return {
    id: r.u32(),
    game: r.string('game'),
    name: r.string('name'),
    players: r.u8(),
    max_players: r.u8(),
    label: r.string('label'),
  };
}

function readServerMsg(r) {
  const type = r.tag(SERVER_TYPES, 'message tag');
  switch (type) {
    case 'Welcome':
      return {
        type,
        player: r.u64('player'),
        protocol_version: r.u16(),
        tick_hz: r.u16(),
        snapshot_hz: r.u16(),
        max_message_bytes: r.u32(),
        resume_token: r.token(),
        resume_grace_secs: r.u16(),
        games: r.list('games', () => r.string('game')),
      };
    case 'LobbyList':
      return { type, lobbies: r.list('lobbies', () => lobbyInfo(r)) };
    case 'Joined':
      return {
        type,
        lobby: r.u32(),
        game: r.string('game'),
        join_code: r.option('join_code', () => r.string('join_code')),
        max_players: r.u8(),
        avatar: r.option('avatar', () => entityRef(r)),
        tick: r.u32(),
        info: r.payload('info'),
      };
    case 'Snapshot':
      return {
        type,
        tick: r.u32(),
        baseline_age: r.u8(),
        input_seq_advance: r.u32(),
        records: r.payload('records'),
      };
    case 'Pong':
      return { type, client_time: r.u64('client_time'), tick: r.u32() };
    case 'Error':
      return { type, code: r.tag(ERROR_CODES, 'error code'), message: r.string('message') };
    case 'Left':
      return { type };
    case 'Roster':
      return { type, players: r.list('players', () => rosterEntry(r)) };
    case 'ShuttingDown':
      return { type, reason: r.string('reason'), drain_secs: r.u16() };
    case 'RosterUpdate':
      return {
        type,
        added: r.list('added', () => rosterEntry(r)),
        removed: r.list('removed', () => r.u64('player')),
      };
    case 'Event':
      return { type, payload: r.payload('payload') };
    case 'Redirect':
      return { type, node: r.string('node'), url: r.string('url'), ticket: r.payload('ticket') };
    default: // Notice
      return { type, text: r.string('text') };
  }
}

/**
 * Decodes one server message: the payload of one binary WebSocket message.
 * @param {Uint8Array|ArrayBuffer} bytes
 * @returns {object} `{type, ...fields}` as tests/web/README.md lists them
 * @throws {CodecError} on anything but exactly one valid message
 */
export function decodeServer(bytes) {
  if (bytes instanceof ArrayBuffer) bytes = new Uint8Array(bytes);
  if (!(bytes instanceof Uint8Array)) {
    throw new CodecError('InvalidValue', 'decodeServer takes a Uint8Array or an ArrayBuffer');
  }
  if (bytes.length > MAX_SERVER_MSG_BYTES) {
    throw new CodecError('TooLarge',
      `message of ${bytes.length} bytes exceeds the ${MAX_SERVER_MSG_BYTES}-byte limit`);
  }
  const r = new Reader(bytes);
  const msg = readServerMsg(r);
  r.end('message');
  return msg;
}

const invalid = (message) => new CodecError('InvalidValue', message);
const isObject = (v) => v !== null && typeof v === 'object';

/** An `Input`'s fields (the envelope's seq and ack, the game's payload). */
function writeInput(w, v, what) {
  if (!isObject(v)) throw invalid(`${what}: not an input object`);
  w.u32(v.seq, `${what}.seq`);
  w.u32(v.ack_tick, `${what}.ack_tick`);
  w.payload(v.payload, `${what}.payload`);
}

function writeClientMsg(w, msg) {
  if (!isObject(msg)) throw invalid('a message is an object');
  const tag = CLIENT_TYPES.indexOf(msg.type);
  if (tag < 0) throw invalid(`unknown client message type ${String(msg.type)}`);
  w.varint(tag);
  switch (msg.type) {
    case 'Hello':
      w.u16(msg.protocol_version, 'protocol_version');
      w.string(msg.name, 'name');
      // A session token (a string), or none when absent or null.
      w.option(msg.token, (token) => w.string(token, 'token'));
      break;
    case 'CreateLobby':
      w.string(msg.game, 'game');
      w.string(msg.name, 'name');
      w.u8(msg.max_players, 'max_players');
      w.bool(msg.private, 'private');
      break;
    case 'JoinLobby': {
      const target = isObject(msg.target) ? msg.target : {};
      if ('Id' in target) {
        w.varint(0);
        w.u32(target.Id, 'target.Id');
      } else if ('Code' in target) {
        w.varint(1);
        w.string(target.Code, 'target.Code');
      } else if ('Ticket' in target) {
        w.varint(2);
        w.payload(target.Ticket, 'target.Ticket');
      } else {
        throw invalid('JoinLobby target is none of {Id}, {Code}, {Ticket}');
      }
      break;
    }
    case 'QuickJoin':
      w.string(msg.game, 'game');
      break;
    case 'Input':
      writeInput(w, msg, 'Input');
      break;
    case 'Inputs':
      // Checked before anything is written, so a huge array costs nothing.
      if (!Array.isArray(msg.inputs)) throw invalid('Inputs: inputs is not an array');
      if (msg.inputs.length > MAX_CLIENT_MSG_BYTES) {
        throw new CodecError('TooLarge', `Inputs: ${msg.inputs.length} inputs cannot fit in `
          + `${MAX_CLIENT_MSG_BYTES} bytes`);
      }
      w.varint(msg.inputs.length);
      msg.inputs.forEach((input, i) => writeInput(w, input, `inputs[${i}]`));
      break;
    case 'Ping':
      w.u64(msg.client_time, 'client_time');
      break;
    case 'Resume':
      w.u16(msg.protocol_version, 'protocol_version');
      w.token(msg.token, 'token');
      break;
    case 'Game':
      w.payload(msg.payload, 'payload');
      break;
    case 'Ack':
      w.u32(msg.tick, 'tick');
      break;
    default: // ListLobbies, LeaveLobby: the tag alone
      break;
  }
}

/**
 * Encodes one client message, to send as one binary WebSocket message.
 * @param {object} msg `{type, ...fields}` as tests/web/README.md lists them
 * @returns {Uint8Array}
 * @throws {CodecError} 'InvalidValue' for a value the wire cannot carry,
 *   'TooLarge' for a message over MAX_CLIENT_MSG_BYTES
 */
export function encodeClient(msg) {
  const w = new Writer();
  writeClientMsg(w, msg);
  if (w.bytes.length > MAX_CLIENT_MSG_BYTES) {
    throw new CodecError('TooLarge',
      `message of ${w.bytes.length} bytes exceeds the ${MAX_CLIENT_MSG_BYTES}-byte limit`);
  }
  return w.finish();
}
