// A lobby's detail (`GET /admin/api/lobbies/{id}`): its facts, and its
// members with their connection, RTT, delivery, input backlog and age,
// each with kick and ban buttons. Buttons call `act(kind, member)`.

import { $, cell, el, fill } from './dom.js';
import { bytes, duration, ms, shown, yesNo } from './show.js';

function fact(term, { text, why }) {
  return [el('dt', {}, term), el('dd', { className: why ? 'why' : '' }, text)];
}

const value = (text) => ({ text, why: false });

function connection(m) {
  if (m.connected) return el('td', {}, 'connected');
  const { text, why } = shown(m, 'detached_secs', (s) => `dropped ${duration(s)} ago, awaiting a resume`);
  return el('td', { className: why ? 'why' : 'detached' }, text);
}

function memberRow(m, act) {
  const buttons = el('td', { className: 'buttons' },
    el('button', { type: 'button', dataset: { action: 'kick' }, onclick: () => act('kick', m) }, 'Kick…'),
    m.account !== null && m.account !== undefined
      ? el('button', { type: 'button', dataset: { action: 'ban-account' }, onclick: () => act('ban-account', m) }, 'Ban account…')
      : null,
    m.ip !== null && m.ip !== undefined
      ? el('button', { type: 'button', dataset: { action: 'ban-ip' }, onclick: () => act('ban-ip', m) }, 'Ban IP…')
      : null,
  );
  return el('tr', { dataset: { player: String(m.player) } },
    el('td', {}, String(m.player)),
    el('td', { className: 'name' }, m.name),
    cell(m, 'account'),
    cell(m, 'ip'),
    connection(m),
    cell(m, 'rtt_ms', ms),
    cell(m, 'snapshots_offered'),
    cell(m, 'snapshots_replaced'),
    cell(m, 'input_backlog'),
    cell(m, 'connection_secs', duration),
    buttons,
  );
}

/** Shows `d`, the lobby's detail. */
export function renderDetail(d, act) {
  $('detail-title').textContent = `Lobby ${d.id}: ${d.name}`;
  const lateness = (l) => `p99 ${ms(l.p99_ms)}, max ${ms(l.max_ms)} over the last ${l.ticks} ticks`;
  fill($('detail-facts'), ...[
    fact('Game', value(`${d.game} (${d.label})`)),
    fact('Node', shown(d, 'node')),
    fact('Code', shown(d, 'code')),
    fact('Players', value(`${d.players} of ${d.max_players}`)),
    fact('Locked', value(yesNo(d.locked))),
    fact('Private', value(yesNo(d.private))),
    fact('Tick', shown(d, 'tick')),
    fact('Tick lateness', shown(d, 'tick_lateness', lateness)),
    fact('Out', shown(d, 'bytes_out_per_sec', (b) => `${bytes(b)}/s`)),
    fact('Age', shown(d, 'age_secs', duration)),
  ].flat());
  document.body.classList.toggle('lobby-locked', d.locked);
  fill($('members').tBodies[0], ...d.members.map((m) => memberRow(m, act)));
  $('member-count').textContent = `(${d.members.length})`;
  $('members-empty').textContent = d.members.length ? '' : 'No member.';
}

/** Shows that the lobby is gone (closed, or never was). */
export function renderGone(id, why) {
  $('detail-title').textContent = `Lobby ${id}`;
  fill($('detail-facts'), ...fact('Gone', { text: why, why: true }));
  fill($('members').tBodies[0]);
  $('member-count').textContent = '';
  $('members-empty').textContent = 'This lobby is not open any more.';
}
