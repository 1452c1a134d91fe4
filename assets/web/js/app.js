// The page: wires the connection (net.js), the lobby model (game.js), the
// controls, the renderer and the HUD together, runs the menu (name, lobby
// list refreshed every 2 s, create, join by click or code, quick-join), the
// three clocks (inputs at tick_hz from a steady timer, a Ping a second,
// frames at display rate) and publishes `window.rallypoint` for tests.

import { Net } from './net.js';
import { Game } from './game.js';
import { Controls } from './input.js';
import { Renderer } from './render.js';
import { Hud } from './hud.js';
import { errorText, CLIENT_TEXT } from './errors.js';

const LOBBY_REFRESH_MS = 2000;
const PING_INTERVAL_MS = 1000;
/** The instant-hit weapon's cooldown (the server's default, 0.5 s), plus a
 *  tick of margin for timer jitter. */
const HITSCAN_COOLDOWN_MS = 540;
const NAME_KEY = 'rallypoint.name';

const $ = (id) => document.getElementById(id);
const el = {
  status: $('status'), error: $('error'), name: $('name'), lobbies: $('lobbies'),
  lobbyName: $('lobby-name'), maxPlayers: $('max-players'), private: $('private'),
  createForm: $('create-form'), code: $('code'), codeForm: $('code-form'),
  quickJoin: $('quick-join'), leave: $('leave'), canvas: $('game'),
};

const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
const net = new Net(`${scheme}://${location.host}/ws`, {
  welcome: onWelcome,
  message: onMessage,
  lost: onLost,
  resumeFailed: onResumeFailed,
  ended: onEnded,
  unreachable: () => showError(CLIENT_TEXT.cannotConnect, true),
  decodeError: (err) => {
    console.warn('rallypoint: undecodable server message', err);
    showError(CLIENT_TEXT.decode);
  },
});
const controls = new Controls(el.canvas);
const renderer = new Renderer(el.canvas);
const hud = new Hud(document);

const app = {
  phase: 'menu', // 'menu' | 'game' | 'reconnecting'
  tickHz: 30,
  snapshotHz: 30,
  game: null, // the lobby we are in (kept while reconnecting)
  pending: null, // an action waiting for Welcome
  ended: false, // the session ended for good (no retry running)
  pingMs: null,
  pings: [], // the last 30 round trips, ms
  frameTimes: [],
  fps: null,
  tracers: [],
  lastAim: { x: 1, y: 0 },
  lobbiesKey: null, // the lobby list last rendered
  lastHitscanAt: -Infinity,
  errorIsConnection: false,
  inputTimer: null,
  nextInputAt: 0,
};

// ---- Phases and messages -------------------------------------------------

function setPhase(phase) {
  app.phase = phase;
  const inGame = app.game !== null && phase !== 'menu';
  document.body.className = inGame ? `phase-${phase}` : 'phase-menu';
  controls.setEnabled(phase === 'game');
  if (phase === 'game') startInputs();
  else stopInputs();
  updateStatus();
}

function updateStatus() {
  const who = net.name ? `as ${net.name}` : '';
  const text = {
    menu: net.welcomed ? `connected ${who}` : app.ended ? 'disconnected' : 'connecting…',
    game: `in lobby ${app.game ? app.game.lobby : ''} ${who}`,
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

function onWelcome(msg, resumed) {
  app.tickHz = msg.tick_hz;
  app.snapshotHz = msg.snapshot_hz ?? msg.tick_hz;
  app.ended = false;
  if (app.errorIsConnection) clearError();
  if (resumed) {
    clearError();
    // Joined follows if the seat was held; LobbyClosed if it was not.
    if (!app.game) setPhase('menu');
  } else {
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
  const now = performance.now();
  switch (msg.type) {
    case 'LobbyList':
      renderLobbies(msg.lobbies);
      break;
    case 'Joined':
      onJoined(msg);
      break;
    case 'Roster':
      app.game?.roster(msg);
      break;
    case 'RosterUpdate':
      app.game?.rosterUpdate(msg);
      break;
    case 'Snapshot':
      app.game?.snapshot(msg, now);
      break;
    case 'Pong':
      app.pingMs = now - Number(msg.client_time) / 1000;
      app.pings.push(app.pingMs);
      if (app.pings.length > 30) app.pings.shift();
      break;
    case 'Error':
      showError(errorText(msg.code, msg.message));
      if (msg.code === 'LobbyClosed' && app.game) {
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
    default:
      break;
  }
}

function onJoined(msg) {
  const same = app.game && app.game.lobby === msg.lobby &&
    app.game.entity.index === msg.entity.index && app.game.entity.generation === msg.entity.generation;
  if (!same) app.game = new Game(app.tickHz, app.snapshotHz);
  app.game.joined(msg);
  clearError();
  if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
  setPhase('game');
  el.canvas.focus();
}

function onLost() {
  showError(CLIENT_TEXT.lost, true);
  setPhase('reconnecting');
}

function onResumeFailed() {
  showError(app.game ? errorText('ResumeRejected') : CLIENT_TEXT.lostForGood);
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
  app.game = null;
  app.tracers = [];
  hud.clear();
}

// ---- Menu ------------------------------------------------------------------

function chars(s) {
  return [...s].length;
}

function currentName() {
  const name = el.name.value.trim();
  if (chars(name) < 1 || chars(name) > 24) return null;
  return name;
}

/** Runs `action` once a session under the name in #name is up: reconnects
 *  with a new Hello when the name changed (or the last session ended). */
function withSession(action) {
  const name = currentName();
  if (!name) {
    showError(CLIENT_TEXT.badName);
    return;
  }
  localStorage.setItem(NAME_KEY, name);
  if (net.name !== name || app.ended) {
    app.pending = action;
    app.ended = false;
    net.start(name);
    updateStatus();
  } else if (net.welcomed) {
    action();
  } else {
    app.pending = action;
  }
}

function renderLobbies(lobbies) {
  if (app.phase !== 'menu') return;
  // Only when something changed: an entry replaced under the pointer would
  // swallow the click.
  const key = JSON.stringify(lobbies);
  if (key === app.lobbiesKey) return;
  app.lobbiesKey = key;
  if (!lobbies.length) {
    const li = document.createElement('li');
    li.className = 'empty';
    li.textContent = 'No public lobbies yet: create one or quick-join.';
    el.lobbies.replaceChildren(li);
    return;
  }
  el.lobbies.replaceChildren(...lobbies.map((l) => {
    const li = document.createElement('li');
    li.dataset.lobbyId = String(l.id);
    li.title = 'Click to join';
    if (l.players >= l.max_players) li.classList.add('full');
    const name = document.createElement('span');
    name.textContent = l.name;
    const meta = document.createElement('span');
    meta.className = 'meta';
    meta.textContent = `${l.players}/${l.max_players} · ${l.map}`;
    li.append(name, meta);
    return li;
  }));
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
  const lobbyName = el.lobbyName.value.trim() || `${el.name.value.trim()}'s lobby`;
  if (chars(lobbyName) > 32) return showError(CLIENT_TEXT.badLobbyName);
  const max = Number(el.maxPlayers.value);
  if (!Number.isInteger(max) || max < 1 || max > 255) return showError(CLIENT_TEXT.badMaxPlayers);
  const priv = el.private.checked;
  withSession(() => net.send({ type: 'CreateLobby', name: lobbyName, max_players: max, private: priv }));
});

el.codeForm.addEventListener('submit', (e) => {
  e.preventDefault();
  clearError();
  const code = el.code.value.trim();
  if (!code) return showError(CLIENT_TEXT.badCode);
  withSession(() => net.send({ type: 'JoinLobby', target: { Code: code } }));
});

el.quickJoin.addEventListener('click', () => {
  clearError();
  withSession(() => net.send({ type: 'QuickJoin' }));
});

el.leave.addEventListener('click', () => {
  clearError();
  // No Input may follow LeaveLobby: the server would answer it with
  // UnexpectedMessage once we are out.
  stopInputs();
  controls.setEnabled(false);
  if (app.phase === 'game' && net.send({ type: 'LeaveLobby' })) return;
  // Reconnecting: give the seat up and start over.
  leaveGame();
  net.start(net.name);
  setPhase('menu');
});

el.name.addEventListener('change', () => {
  const name = currentName();
  if (!name) return showError(CLIENT_TEXT.badName);
  clearError();
  if (name !== net.name && app.phase === 'menu') withSession(() => {});
});

// ---- Clocks ----------------------------------------------------------------

/** Inputs at tick_hz from absolute deadlines; missed ticks are skipped,
 *  not sent in a burst (NETCODE §4, "Input pacing"). */
function startInputs() {
  if (app.inputTimer !== null) return;
  app.nextInputAt = performance.now();
  const loop = () => {
    const period = 1000 / app.tickHz;
    const now = performance.now();
    if (now >= app.nextInputAt) {
      sendInput(now);
      app.nextInputAt += period;
      if (now - app.nextInputAt > period) app.nextInputAt = now + period;
    }
    app.inputTimer = setTimeout(loop, Math.max(0, app.nextInputAt - performance.now()));
  };
  loop();
}

function stopInputs() {
  clearTimeout(app.inputTimer);
  app.inputTimer = null;
}

function sendInput(now) {
  const game = app.game;
  if (!game || !net.welcomed) return;
  const me = game.pred;
  if (controls.mouse && me) {
    const target = renderer.toWorld(controls.mouse);
    const aim = { x: target.x - me.x, y: target.y - me.y };
    if (Math.hypot(aim.x, aim.y) > 1e-3) app.lastAim = aim;
  }
  let hitscan = controls.takeHitscan();
  // The server ignores shots within the weapon's cooldown; so do we, so
  // that every tracer drawn is a shot the server took.
  if (hitscan && now - app.lastHitscanAt < HITSCAN_COOLDOWN_MS) hitscan = false;
  if (hitscan) app.lastHitscanAt = now;
  const input = game.makeInput({
    movement: controls.movement(), aim: app.lastAim, fire: controls.fireHeld, hitscan,
  }, now);
  net.send(input);
  const own = game.own();
  if (hitscan && me && (!own || own.alive)) {
    const len = Math.hypot(app.lastAim.x, app.lastAim.y);
    app.tracers.push({ from: me, dir: { x: app.lastAim.x / len, y: app.lastAim.y / len }, at: now });
  }
}

setInterval(() => {
  if (app.phase === 'menu') net.send({ type: 'ListLobbies' });
}, LOBBY_REFRESH_MS);

setInterval(() => {
  net.send({ type: 'Ping', client_time: BigInt(Math.round(performance.now() * 1000)) });
}, PING_INTERVAL_MS);

function frame() {
  const now = performance.now();
  app.frameTimes.push(now);
  while (now - app.frameTimes[0] > 1000) app.frameTimes.shift();
  if (app.frameTimes.length > 1) {
    const span = now - app.frameTimes[0];
    app.fps = span > 0 ? ((app.frameTimes.length - 1) * 1000) / span : null;
  }
  app.tracers = app.tracers.filter((t) => now - t.at < 500);
  const game = app.game;
  let f = null;
  renderer.resize();
  if (game && game.map && app.phase !== 'menu') {
    f = game.frame(now);
    renderer.aim(game.map, f ? f.self : null);
    renderer.draw(game.map, f, {
      tracers: app.tracers, mouse: controls.mouse, now, banner: banner(game, f),
    });
    const own = f ? f.me : null;
    hud.update({
      code: game.joinCode ?? '', pingMs: app.pingMs, tick: f ? f.tick : null,
      hp: own ? own.hp : null, alive: own ? own.alive : true, fps: app.fps, scores: game.scores(),
    });
  }
  publish(game, f, now);
  requestAnimationFrame(frame);
}

function banner(game, f) {
  if (app.phase === 'reconnecting') return 'Connection lost: reconnecting…';
  if (!f) return 'Waiting for the first snapshot…';
  if (f.me && !f.me.alive) return 'You are down: respawning in a moment';
  return null;
}

/** `window.rallypoint`, the page's state for tests and the curious. */
function publish(game, f, now) {
  const canvasRect = () => el.canvas.getBoundingClientRect();
  window.rallypoint = {
    phase: app.phase,
    entity: game ? game.entity : null,
    tick: f ? f.tick : null,
    pingMs: app.pingMs,
    pings: app.pings.slice(),
    fps: app.fps,
    joinCode: game ? game.joinCode : null,
    me: game && game.pred ? { x: game.pred.x, y: game.pred.y } : null,
    players: f ? f.players.map((p) => ({
      index: p.index, name: p.name, x: p.x, y: p.y, alive: p.alive, hp: p.hp, kills: p.kills, deaths: p.deaths,
    })) : [],
    stats: game ? { ...game.baselines.stats } : null,
    // Beyond the contract: what the e2e test also measures.
    lobby: game ? game.lobby : null,
    snapshotsPerSec: game ? game.snapshotRate(now) : 0,
    prediction: game ? { ...game.prediction } : null,
    unacked: game ? game.unacked.length : 0,
    bytesDown: net.bytesDown,
    bytesUp: net.bytesUp,
    drops: net.drops,
    resumes: net.resumes,
    /** Page coordinates (for mouse events) of world point (x, y). */
    screenOf: (x, y) => {
      const s = renderer.toScreen({ x, y });
      const r = canvasRect();
      return { x: r.left + s.x, y: r.top + s.y };
    },
  };
}

// ---- Start -----------------------------------------------------------------

el.name.value = localStorage.getItem(NAME_KEY) || `player-${Math.floor(1000 + Math.random() * 9000)}`;
el.lobbyName.placeholder = 'defaults to "<name>\'s lobby"';
hud.clear();
setPhase('menu');
net.start(currentName() ?? 'player');
requestAnimationFrame(frame);
