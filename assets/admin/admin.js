// The admin console (served at /admin): log in with an admin token, then,
// once a second, chart this node's stats and refresh the lobby table or
// the open lobby's detail. Everything comes from the admin API
// (docs/ADMIN.md); the token lives in this tab's sessionStorage only.
//
// Modules: api.js (fetch with the token), samples.js (the last five
// minutes, rates), charts.js (uPlot), filter.js and table.js (the lobby
// table), detail.js (a lobby and its members), actions.js and confirm.js
// (every action behind a confirmation), show.js and dom.js (display, with
// the API's reason wherever a value is null).

import * as actions from './actions.js';
import { createApi, explain } from './api.js';
import { Charts } from './charts.js';
import { renderDetail, renderGone } from './detail.js';
import { $ } from './dom.js';
import { Samples } from './samples.js';
import { duration, shown } from './show.js';
import { renderLobbies } from './table.js';

const TOKEN_KEY = 'rallypoint.admin-token';
/** How often the page asks the API. Default: 1 s. */
const REFRESH_MS = 1000;

const state = {
  api: null,
  /** Bumped at each login and logout: a loop of an older session stops. */
  session: 0,
  samples: new Samples(),
  charts: null,
  list: null,
  detail: null,
  sort: 'players-desc',
  lateTickMs: 2,
  /** The status line shows a failed refresh (cleared by the next good one). */
  refreshFailed: false,
};

/** The lobby the URL names (`#lobby/ID`), or null for the table. */
function openLobbyId() {
  const m = /^#lobby\/(\d+)$/.exec(location.hash);
  return m ? Number(m[1]) : null;
}

function say(text, kind = 'ok') {
  const status = $('status');
  status.textContent = text;
  status.className = `status ${kind}`;
}

// --- Login ---------------------------------------------------------------

function showLogin(error = '') {
  state.session += 1;
  state.api = null;
  document.body.classList.replace('logged-in', 'logged-out');
  $('login-error').textContent = error;
  $('token').value = '';
  $('token').focus();
}

async function login(token) {
  const session = ++state.session;
  state.api = null;
  const api = createApi(token, {
    onUnauthorized: () => {
      // While logging in, the failed `node` call below says it.
      if (state.session !== session || state.api !== api) return;
      sessionStorage.removeItem(TOKEN_KEY);
      showLogin('wrong token: the API refused it (401). Log in again.');
    },
  });
  $('login-error').textContent = '';
  let node;
  try {
    node = await api.get('node');
  } catch (err) {
    if (state.session !== session) return;
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin(explain(err));
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  state.api = api;
  state.samples = new Samples();
  document.body.classList.replace('logged-out', 'logged-in');
  showNode(node);
  say('');
  state.charts ??= new Charts({ load: 'chart-load', late: 'chart-late', bytes: 'chart-bytes', disconnects: 'chart-disconnects' });
  route();
  loop(session);
}

function showNode(node) {
  const id = node.id === null || node.id === undefined ? shown(node, 'id').text : `node ${node.id}`;
  const draining = node.draining ? ' · DRAINING' : '';
  $('node').textContent = `${id} · v${node.version} · up ${duration(node.uptime_secs)}${draining}`;
}

// --- The refresh loop ------------------------------------------------------

async function loop(session) {
  while (state.session === session) {
    const started = Date.now();
    await refresh(session, { sample: true });
    const wait = Math.max(100, REFRESH_MS - (Date.now() - started));
    await new Promise((r) => setTimeout(r, wait));
  }
}

/**
 * One round: the table or the open lobby, the node, and with `sample` (the
 * once-a-second loop only, so that samples are evenly spaced) the stats
 * for the charts.
 */
async function refresh(session, { sample = false } = {}) {
  const api = state.api;
  if (!api) return;
  const lobbyId = openLobbyId();
  const [stats, view, node] = await Promise.allSettled([
    sample ? api.get('stats') : Promise.resolve(null),
    lobbyId === null ? api.get('lobbies') : api.get(`lobbies/${lobbyId}`),
    api.get('node'),
  ]);
  if (state.session !== session) return;
  if (stats.status === 'fulfilled' && stats.value) {
    state.samples.push(Date.now() / 1000, stats.value);
    state.lateTickMs = stats.value.late_tick_ms;
    state.charts.draw(state.samples, state.lateTickMs);
  }
  if (node.status === 'fulfilled') showNode(node.value);
  if (openLobbyId() !== lobbyId) return; // the operator moved on meanwhile
  if (view.status === 'fulfilled') {
    if (lobbyId === null) {
      state.list = view.value;
      renderLobbies(state.list, state.sort, openLobby);
    } else {
      state.detail = view.value;
      renderDetail(state.detail, memberAction);
    }
  } else if (lobbyId !== null && view.reason.status === 404) {
    state.detail = null;
    renderGone(lobbyId, view.reason.message);
  }
  // A lobby that is gone was shown above; a 401 is back at the login form.
  const failed = [stats, view, node].find((r) => r.status === 'rejected'
    && r.reason.status !== 401 && !(r === view && r.reason.status === 404));
  if (failed) {
    say(`Refresh failed: ${explain(failed.reason)}`, 'error');
    state.refreshFailed = true;
  } else if (state.refreshFailed) {
    state.refreshFailed = false;
    say('');
  }
}

// --- Views -------------------------------------------------------------------

function openLobby(id) {
  location.hash = `#lobby/${id}`;
}

function route() {
  const id = openLobbyId();
  $('lobbies-view').hidden = id !== null;
  $('detail-view').hidden = id === null;
  if (id === null) {
    state.detail = null;
    if (state.list) renderLobbies(state.list, state.sort, openLobby);
  } else if (state.detail?.id !== id) {
    $('detail-title').textContent = `Lobby ${id}`;
    $('detail-facts').replaceChildren();
    $('members').tBodies[0].replaceChildren();
    $('members-empty').textContent = 'Loading…';
  }
  if (state.api) refresh(state.session);
}

// --- Actions ----------------------------------------------------------------

async function act(spec) {
  if (!state.api) return;
  try {
    const said = await actions.run(state.api, spec);
    if (said === null) return;
    say(said, 'ok');
    await refresh(state.session);
  } catch (err) {
    if (err.status !== 401) say(explain(err), 'error');
  }
}

function memberAction(kind, member) {
  const lobby = state.detail;
  if (!lobby) return;
  if (kind === 'kick') act(actions.kick(lobby, member));
  else if (kind === 'ban-account') act(actions.ban(member, 'account'));
  else if (kind === 'ban-ip') act(actions.ban(member, 'ip'));
}

function lobbyAction(kind) {
  const lobby = state.detail;
  if (!lobby) return;
  act(actions[kind](lobby));
}

// --- Wiring -----------------------------------------------------------------

function start() {
  $('login').addEventListener('submit', (e) => {
    e.preventDefault();
    const token = $('token').value.trim();
    if (token) login(token);
  });
  $('logout').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin('');
    say('Logged out.');
  });
  $('back').addEventListener('click', () => {
    location.hash = '';
  });
  window.addEventListener('hashchange', route);
  for (const id of ['search', 'filter-game', 'filter-node', 'filter-locked', 'filter-private']) {
    $(id).addEventListener('input', () => state.list && renderLobbies(state.list, state.sort, openLobby));
  }
  $('sort-players').addEventListener('click', () => {
    state.sort = state.sort === 'players-desc' ? 'players-asc' : 'players-desc';
    if (state.list) renderLobbies(state.list, state.sort, openLobby);
  });
  for (const button of document.querySelectorAll('[data-lobby-action]')) {
    button.addEventListener('click', () => lobbyAction(button.dataset.lobbyAction));
  }
  $('notice-all').addEventListener('click', () => act(actions.noticeAll()));
  $('drain').addEventListener('click', () => act(actions.drain()));

  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) login(saved);
  else showLogin();
}

start();
