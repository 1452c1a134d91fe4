// The page: wires the connection (net.js), the lobby model (lobby.js) and
// the game's module together, runs the menu (name, game picker, lobby list
// refreshed every 2 s, create, join by click or code, quick-join), loads
// and mounts the module of the game it joined (/games/<game>/index.js),
// runs the clocks (a game with per-tick input gets an input clock at
// tick_hz from a steady timer; a Ping a second; frames at display rate),
// acknowledges snapshots with Ack for a game without input, and publishes
// `window.rallypoint` for tests.

import { Net } from './net.js';
import { Lobby } from './lobby.js';
import { errorText, CLIENT_TEXT } from './errors.js';
import { lobbyToCreate, playerName, renderGames, renderLobbies } from './menu.js';
import { Hud, pageState } from './hud.js';
import { FpsMeter, InputClock } from './pacing.js';

const LOBBY_REFRESH_MS = 2000;
const PING_INTERVAL_MS = 1000;
const NAME_KEY = 'rallypoint.name';
const GAME_KEY = 'rallypoint.game';
/** Where the game's own site leaves the player's session token (a JWT) for
 *  a server with authentication on. Never a URL parameter: URLs end up in
 *  logs and histories. */
const TOKEN_KEY = 'rallypoint.token';
/** What a game's name must look like to be loaded as a module path. */
const GAME_NAME = /^[a-z0-9_-]{1,32}$/;
/** Messages for the lobby that wait while its game's module loads. */
const LOBBY_MESSAGES = new Set(['Roster', 'RosterUpdate', 'Snapshot', 'Event']);

const $ = (id) => document.getElementById(id);
const el = {
  status: $('status'), error: $('error'), notice: $('notice'), name: $('name'), lobbies: $('lobbies'), game: $('game-select'),
  lobbyName: $('lobby-name'), maxPlayers: $('max-players'), private: $('private'),
  createForm: $('create-form'), code: $('code'), codeForm: $('code-form'),
  quickJoin: $('quick-join'), leave: $('leave'), stage: $('stage'), gameHud: $('game-hud'),
};
const hud = new Hud(document);

const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
const net = new Net(`${scheme}://${location.host}/ws`, {
  welcome: onWelcome,
  message: onMessage,
  lost: onLost,
  resumeFailed: onResumeFailed,
  ended: onEnded,
  unreachable: () => showError(CLIENT_TEXT.cannotConnect, true),
  redirectFailed: ({ node, reason }) => {
    console.warn(`rallypoint: redirect to node ${node} failed: ${reason}`);
    showError(CLIENT_TEXT.redirectFailed(node, reason));
  },
  decodeError: (err) => {
    console.warn('rallypoint: undecodable server message', err);
    showError(CLIENT_TEXT.decode);
  },
});

const app = {
  phase: 'menu', // 'menu' | 'game' | 'reconnecting'
  tickHz: 30,
  snapshotHz: 30,
  games: [],
  lobby: null, // the engine's Lobby we are in (kept while reconnecting)
  game: null, // the mounted game module's instance
  joining: null, // {msg, queue}: a Joined whose module is loading
  pending: null, // an action waiting for Welcome
  ended: false, // the session ended for good (no retry running)
  pingMs: null,
  pings: [], // the last 30 round trips, ms
  fps: null,
  errorIsConnection: false,
};
const fpsMeter = new FpsMeter();
const inputs = new InputClock(() => app.tickHz, (now) => {
  if (app.game && net.welcomed) net.send(app.game.input(now));
});
const modules = new Map(); // game name -> Promise<module>

// ---- Phases and messages -------------------------------------------------

function setPhase(phase) {
  app.phase = phase;
  const inGame = app.game !== null && phase !== 'menu';
  document.body.className = inGame ? `phase-${phase}` : 'phase-menu';
  app.game?.setActive(phase === 'game');
  if (phase === 'game' && app.lobby?.module.input) inputs.start();
  else inputs.stop();
  updateStatus();
}

function updateStatus() {
  const who = net.name ? `as ${net.name}` : '';
  const text = {
    menu: net.welcomed ? `connected ${who}` : app.ended ? 'disconnected' : 'connecting…',
    game: `in lobby ${app.lobby ? app.lobby.lobby : ''} ${who}`,
    reconnecting: 'reconnecting…',
  }[app.phase];
  el.status.textContent = text;
}

/** `connection`: a connection trouble, cleared as soon as a session is up. */
function showError(text, connection = false) {
  el.error.textContent = text;
  app.errorIsConnection = connection;
}

function clearError() {
  el.error.textContent = '';
  app.errorIsConnection = false;
}

/** The operators' latest `Notice`, shown until the next one replaces it. */
function showNotice(text) {
  el.notice.textContent = text ? CLIENT_TEXT.notice(text) : '';
}

/** The session token for Hello, if the game's site left one. */
function sessionToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null; // storage disabled: no token
  }
}

/** A new session as `name`, with the session token if there is one. */
function startSession(name) {
  net.start(name, { token: sessionToken() });
}

/** `redirected`: the Welcome of the node a Redirect sent us to, still
 *  in the menu: net.js has sent the ticket, and Joined (or an Error)
 *  follows as after any join. */
function onWelcome(msg, resumed, redirected) {
  app.tickHz = msg.tick_hz;
  app.snapshotHz = msg.snapshot_hz;
  app.games = msg.games;
  renderGames(el.game, msg.games, localStorage.getItem(GAME_KEY));
  app.ended = false;
  if (app.errorIsConnection) clearError();
  if (resumed) {
    clearError();
    // Joined follows if the seat was held; LobbyClosed if it was not.
    if (!app.game) setPhase('menu');
  } else if (!redirected) {
    leaveGame();
    setPhase('menu');
    net.send({ type: 'ListLobbies' });
  }
  updateStatus();
  const action = app.pending;
  app.pending = null;
  if (action) action();
}

function onMessage(msg) {
  if (app.joining && LOBBY_MESSAGES.has(msg.type)) {
    app.joining.queue.push(msg);
    return;
  }
  const now = performance.now();
  switch (msg.type) {
    case 'LobbyList':
      if (app.phase === 'menu') renderLobbies(el.lobbies, msg.lobbies);
      break;
    case 'Joined':
      onJoined(msg);
      break;
    case 'Roster':
      app.lobby?.roster(msg);
      break;
    case 'RosterUpdate':
      app.lobby?.rosterUpdate(msg);
      break;
    case 'Snapshot':
      onSnapshot(msg, now);
      break;
    case 'Event':
      onEvent(msg, now);
      break;
    case 'Pong':
      app.pingMs = now - Number(msg.client_time) / 1000;
      app.pings.push(app.pingMs);
      if (app.pings.length > 30) app.pings.shift();
      break;
    case 'Error':
      if (msg.code === 'UnexpectedMessage' && !app.lobby) {
        // Out of a game the page sends nothing a lobbyless session refuses:
        // this answers an input or ack that crossed the lobby's end (a
        // close, a kick) on the wire. The reason the game ended stays shown.
        console.info(`rallypoint: ${msg.message}`);
        break;
      }
      showError(errorText(msg.code, msg.message));
      if (msg.code === 'LobbyClosed' && app.lobby) {
        leaveGame();
        setPhase('menu');
      }
      break;
    case 'Left':
      leaveGame();
      setPhase('menu');
      net.send({ type: 'ListLobbies' });
      break;
    case 'ShuttingDown':
      showError(CLIENT_TEXT.shutdown(msg.drain_secs));
      break;
    case 'Notice':
      showNotice(msg.text);
      break;
    default:
      break;
  }
}

function onSnapshot(msg, now) {
  const lobby = app.lobby;
  if (!lobby) return;
  const applied = lobby.snapshot(msg, now);
  if (!applied) return;
  app.game.snapshot(applied.view, now);
  if (!lobby.module.input) {
    const ack = lobby.ack();
    if (ack) net.send(ack);
  }
}

function onEvent(msg, now) {
  if (!app.lobby) return;
  let ev;
  try {
    ev = app.lobby.event(msg);
  } catch (err) {
    console.warn('rallypoint: undecodable game event', err);
    showError(CLIENT_TEXT.decode);
    return;
  }
  app.game.event(ev, now);
}

/** The module of game `name`, loaded once. */
function loadModule(name) {
  if (!GAME_NAME.test(name)) return Promise.reject(new Error(`bad game name ${JSON.stringify(name)}`));
  if (!modules.has(name)) {
    const loading = import(`/games/${name}/index.js`);
    loading.catch(() => modules.delete(name));
    modules.set(name, loading);
  }
  return modules.get(name);
}

function onJoined(msg) {
  if (app.lobby && app.lobby.sameSeat(msg)) {
    // A resume: the same seat, the same module.
    app.lobby.joined(msg);
    app.game.joined();
    enterGame();
    return;
  }
  leaveGame();
  const joining = { msg, queue: [] };
  app.joining = joining;
  loadModule(msg.game).then((module) => {
    if (app.joining !== joining) return;
    app.joining = null;
    const lobby = new Lobby(module, app.tickHz, app.snapshotHz);
    lobby.joined(msg);
    app.lobby = lobby;
    app.game = module.mount({
      stage: el.stage, hud: el.gameHud, lobby, send: (m) => net.send(m), showError: (t) => showError(t),
    });
    app.game.joined();
    enterGame();
    for (const queued of joining.queue) onMessage(queued);
  }).catch((err) => {
    if (app.joining !== joining) return;
    app.joining = null;
    console.warn(`rallypoint: cannot play ${msg.game}`, err);
    showError(CLIENT_TEXT.cannotPlay(msg.game));
    net.send({ type: 'LeaveLobby' });
  });
}

function enterGame() {
  clearError();
  if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
  setPhase('game');
}

function onLost() {
  showError(CLIENT_TEXT.lost, true);
  setPhase('reconnecting');
}

function onResumeFailed() {
  showError(app.lobby ? errorText('ResumeRejected') : CLIENT_TEXT.lostForGood);
  leaveGame();
  setPhase('menu');
}

function onEnded({ error, code, reason }) {
  app.ended = true;
  showError(error ? errorText(error.code, error.message) : code === 1001
    ? 'The server shut down.' : CLIENT_TEXT.closedByServer(code, reason));
  leaveGame();
  setPhase('menu');
}

function leaveGame() {
  inputs.stop();
  app.joining = null;
  app.game?.unmount();
  app.game = null;
  app.lobby = null;
  el.stage.replaceChildren();
  el.gameHud.replaceChildren();
  hud.update(null, app);
}

// ---- Menu ------------------------------------------------------------------

function currentName() {
  return playerName(el.name.value);
}

/** Runs `action` once a session under the name in #name is up: reconnects
 *  with a new Hello when the name changed (or the last session ended). */
function withSession(action) {
  const name = currentName();
  if (!name) return showError(CLIENT_TEXT.badName);
  localStorage.setItem(NAME_KEY, name);
  if (net.name !== name || app.ended) {
    app.pending = action;
    app.ended = false;
    startSession(name);
    updateStatus();
  } else if (net.welcomed) {
    action();
  } else {
    app.pending = action;
  }
  return undefined;
}

/** The game picked for Create and Quick join, or null (with an error). */
function pickedGame() {
  const game = el.game.value;
  if (!game) {
    showError(CLIENT_TEXT.noGame);
    return null;
  }
  localStorage.setItem(GAME_KEY, game);
  return game;
}

el.lobbies.addEventListener('click', (e) => {
  const li = e.target.closest('[data-lobby-id]');
  if (!li) return;
  clearError();
  const id = Number(li.dataset.lobbyId);
  withSession(() => net.send({ type: 'JoinLobby', target: { Id: id } }));
});

el.createForm.addEventListener('submit', (e) => {
  e.preventDefault();
  clearError();
  const { lobby, error } = lobbyToCreate({
    player: el.name.value, name: el.lobbyName.value, maxPlayers: el.maxPlayers.value, private: el.private.checked,
  });
  if (error) return showError(error);
  const game = pickedGame();
  if (!game) return undefined;
  return withSession(() => net.send({ type: 'CreateLobby', game, ...lobby }));
});

el.codeForm.addEventListener('submit', (e) => {
  e.preventDefault();
  clearError();
  const code = el.code.value.trim();
  if (!code) return showError(CLIENT_TEXT.badCode);
  return withSession(() => net.send({ type: 'JoinLobby', target: { Code: code } }));
});

el.quickJoin.addEventListener('click', () => {
  clearError();
  const game = pickedGame();
  if (game) withSession(() => net.send({ type: 'QuickJoin', game }));
});

el.leave.addEventListener('click', () => {
  clearError();
  // No Input may follow LeaveLobby: the server would answer it with
  // UnexpectedMessage once we are out.
  inputs.stop();
  app.game?.setActive(false);
  if (app.phase === 'game' && net.send({ type: 'LeaveLobby' })) return;
  // Reconnecting: give the seat up and start over.
  leaveGame();
  startSession(net.name);
  setPhase('menu');
});

el.name.addEventListener('change', () => {
  const name = currentName();
  if (!name) return showError(CLIENT_TEXT.badName);
  clearError();
  if (name !== net.name && app.phase === 'menu') withSession(() => {});
  return undefined;
});

// ---- Clocks ----------------------------------------------------------------

setInterval(() => {
  if (app.phase === 'menu') net.send({ type: 'ListLobbies' });
}, LOBBY_REFRESH_MS);

setInterval(() => {
  net.send({ type: 'Ping', client_time: BigInt(Math.round(performance.now() * 1000)) });
}, PING_INTERVAL_MS);

function frame() {
  const now = performance.now();
  app.fps = fpsMeter.frame(now);
  if (app.game && app.phase !== 'menu') {
    app.game.frame(now, { reconnecting: app.phase === 'reconnecting' });
    hud.update(app.lobby, app);
  }
  publish(now);
  requestAnimationFrame(frame);
}

function publish(now) {
  window.rallypoint = pageState(app, net, now);
}

// ---- Start -----------------------------------------------------------------

el.name.value = localStorage.getItem(NAME_KEY) || `player-${Math.floor(1000 + Math.random() * 9000)}`;
el.lobbyName.placeholder = 'defaults to "<name>\'s lobby"';
setPhase('menu');
hud.update(null, app);
startSession(currentName() ?? 'player');
requestAnimationFrame(frame);
