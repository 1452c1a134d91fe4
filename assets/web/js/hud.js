// The engine's part of the page's state: the HUD beside every game (game,
// join code, ping, newest tick, FPS; the game's module draws the rest in
// #game-hud) and `window.rallypoint`, what tests and the curious read.

export class Hud {
  constructor(doc) {
    this.el = Object.fromEntries(['game', 'code', 'ping', 'tick', 'fps']
      .map((k) => [k, doc.getElementById(`hud-${k}`)]));
    this.shown = {};
  }

  /** Called every frame (and with a null lobby on leaving); touches the
   *  DOM only where a value changed. */
  update(lobby, app) {
    const view = lobby ? lobby.newest() : null;
    const ping = app.pingMs;
    const text = {
      game: lobby ? lobby.game : '',
      code: lobby ? lobby.joinCode ?? '' : '',
      ping: !lobby || ping === null ? '–' : `${ping < 10 ? ping.toFixed(1) : Math.round(ping)} ms`,
      tick: view ? String(view.tick) : '–',
      fps: !lobby || app.fps === null ? '–' : String(Math.round(app.fps)),
    };
    for (const [k, v] of Object.entries(text)) {
      if (this.shown[k] !== v) {
        this.shown[k] = v;
        this.el[k].textContent = v;
      }
    }
  }
}

/**
 * `window.rallypoint`: the engine's state, then the game's (its instance's
 * state(): arena adds me, players, prediction, screenOf; four adds four).
 */
export function pageState(app, net, now) {
  const lobby = app.lobby;
  const view = lobby ? lobby.newest() : null;
  return {
    phase: app.phase,
    games: app.games.slice(),
    game: lobby ? lobby.game : null,
    avatar: lobby ? lobby.avatar : null,
    tick: view ? view.tick : null,
    pingMs: app.pingMs,
    pings: app.pings.slice(),
    fps: app.fps,
    joinCode: lobby ? lobby.joinCode : null,
    stats: lobby ? lobby.baselines.stats : null,
    lobby: lobby ? lobby.lobby : null,
    snapshotsPerSec: lobby ? lobby.snapshotRate(now) : 0,
    bytesDown: net.bytesDown,
    bytesUp: net.bytesUp,
    drops: net.drops,
    resumes: net.resumes,
    redirects: net.redirects,
    players: [],
    ...(app.game && app.phase !== 'menu' ? app.game.state() : {}),
  };
}
