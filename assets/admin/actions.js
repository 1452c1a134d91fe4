// Every action the console takes, as what its confirmation asks and which
// API call it makes: lock, unlock, close and notice on a lobby; kick and
// ban on a member; a notice to every player; the drain. `run(api, spec)`
// asks, calls, and resolves with a sentence for the status line (or null
// when cancelled); an API error is thrown as it is.

import { confirmAction } from './confirm.js';

/** Limits of the API (server/src/admin/mod.rs), so a field says so. */
export const MAX_REASON_CHARS = 200;
export const MAX_NOTICE_CHARS = 500;

const reason = (required) => ({ name: 'reason', label: 'Reason', required, max: MAX_REASON_CHARS });
const noticeText = { name: 'text', label: 'Text', kind: 'textarea', required: true, max: MAX_NOTICE_CHARS };
const BAN_LENGTH = {
  name: 'secs',
  label: 'For',
  kind: 'select',
  required: true,
  value: '86400',
  options: [['3600', '1 hour'], ['86400', '1 day'], ['604800', '7 days'], ['2592000', '30 days'], ['31536000', '365 days']],
};

const lobbyName = (l) => `lobby ${l.id} (“${l.name}”)`;
const playerName = (m) => `player ${m.player} (“${m.name}”)`;

export function lock(lobby) {
  return {
    title: 'Lock the lobby?',
    message: `${lobbyName(lobby)} will refuse every new player (LobbyLocked); its members keep playing.`,
    okLabel: 'Lock',
    fields: [reason(false)],
    path: `lobbies/${lobby.id}/lock`,
    body: (v) => (v.reason ? { reason: v.reason } : {}),
  };
}

export function unlock(lobby) {
  return {
    title: 'Unlock the lobby?',
    message: `${lobbyName(lobby)} will take new players again.`,
    okLabel: 'Unlock',
    fields: [reason(false)],
    path: `lobbies/${lobby.id}/unlock`,
    body: (v) => (v.reason ? { reason: v.reason } : {}),
  };
}

export function close(lobby) {
  return {
    title: 'Close the lobby?',
    message: `Every member of ${lobbyName(lobby)} is told the reason and leaves it; the lobby ends.`,
    okLabel: 'Close',
    fields: [reason(true)],
    path: `lobbies/${lobby.id}/close`,
    body: (v) => ({ reason: v.reason }),
  };
}

export function notice(lobby) {
  return {
    title: 'Send a notice to the lobby?',
    message: `Every member of ${lobbyName(lobby)} sees this text.`,
    okLabel: 'Send',
    fields: [noticeText],
    path: `lobbies/${lobby.id}/notice`,
    body: (v) => ({ text: v.text }),
    said: () => `notice sent to ${lobbyName(lobby)}`,
  };
}

export function kick(lobby, member) {
  return {
    title: 'Kick the player?',
    message: `${playerName(member)} is told the reason and disconnected; its seat in ${lobbyName(lobby)} is freed.`,
    okLabel: 'Kick',
    fields: [reason(true)],
    path: `lobbies/${lobby.id}/members/${member.player}/kick`,
    body: (v) => ({ reason: v.reason }),
  };
}

/** `target` is 'account' or 'ip'. */
export function ban(member, target) {
  const value = member[target];
  return {
    title: target === 'ip' ? 'Ban the address?' : 'Ban the account?',
    message: target === 'ip'
      ? `Every session from ${value} ends now, and its connections are refused (403) until the ban ends. Other players behind the same address are banned too.`
      : `Account ${value} (${playerName(member)}) is disconnected now and refused at Hello until the ban ends.`,
    okLabel: 'Ban',
    fields: [BAN_LENGTH, reason(true)],
    path: 'bans',
    body: (v) => ({ [target]: value, secs: Number(v.secs), reason: v.reason }),
    said: (answer) => `banned ${target} ${value} until ${answer.ban.until}; sessions ended here: ${answer.kicked}`,
  };
}

export function noticeAll() {
  return {
    title: 'Send a notice to every player?',
    message: 'Every welcomed player of every node sees this text.',
    okLabel: 'Send',
    fields: [noticeText],
    path: 'notice',
    body: (v) => ({ text: v.text }),
    said: (answer) => `notice sent to ${answer.connections} connections of this node`
      + (answer.nodes?.length ? ` and to ${answer.nodes.filter((n) => n.ok).length} of ${answer.nodes.length} other nodes` : ''),
  };
}

export function drain() {
  return {
    title: 'Drain this node?',
    message: 'Joins stop, players are told the node shuts down, and after the drain time (or once every lobby is empty) the process exits. This cannot be undone from here.',
    okLabel: 'Drain',
    fields: [],
    path: 'drain',
    body: () => ({}),
    said: (answer) => (answer.already ? 'the node was already draining' : `draining: the node stops within ${answer.drain_secs} s`),
  };
}

/** Asks, then calls. Resolves with what happened, or null if cancelled. */
export async function run(api, spec) {
  const values = await confirmAction(spec);
  if (values === null) return null;
  const answer = await api.post(spec.path, spec.body(values));
  if (spec.said) return spec.said(answer);
  return `${answer.action} ${answer.target}: ${answer.detail}`;
}
