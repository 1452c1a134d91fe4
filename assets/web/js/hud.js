// The HUD beside the arena: join code, ping, tick, HP, FPS and the score
// table. Called every frame, it touches the DOM only when a value changed.

export class Hud {
  constructor(doc) {
    this.el = {
      code: doc.getElementById('hud-code'),
      ping: doc.getElementById('hud-ping'),
      tick: doc.getElementById('hud-tick'),
      hp: doc.getElementById('hud-hp'),
      fps: doc.getElementById('hud-fps'),
      scores: doc.querySelector('#scores tbody'),
    };
    this.last = {};
    this.lastScores = '';
  }

  set(name, text) {
    if (this.last[name] === text) return;
    this.last[name] = text;
    this.el[name].textContent = text;
  }

  /** `s`: {code, pingMs, tick, hp, alive, fps, scores: [{index, name, kills, deaths, self, alive}]} */
  update(s) {
    this.set('code', s.code ?? '');
    this.set('ping', s.pingMs === null ? '–' : `${s.pingMs < 10 ? s.pingMs.toFixed(1) : Math.round(s.pingMs)} ms`);
    this.set('tick', s.tick === null ? '–' : String(s.tick));
    this.set('hp', s.hp === null ? '–' : s.alive ? String(s.hp) : '0 (respawning)');
    this.set('fps', s.fps === null ? '–' : String(Math.round(s.fps)));
    const key = JSON.stringify(s.scores);
    if (key === this.lastScores) return;
    this.lastScores = key;
    const rows = s.scores.map((r) => {
      const tr = document.createElement('tr');
      tr.dataset.index = String(r.index);
      if (r.self) tr.classList.add('me');
      if (!r.alive) tr.classList.add('dead');
      for (const v of [r.name, r.kills, r.deaths]) {
        const td = document.createElement('td');
        td.textContent = String(v);
        tr.append(td);
      }
      return tr;
    });
    this.el.scores.replaceChildren(...rows);
  }

  clear() {
    this.update({ code: '', pingMs: null, tick: null, hp: null, alive: true, fps: null, scores: [] });
  }
}
