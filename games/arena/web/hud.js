// Arena's part of the HUD: HP, the score table and the controls, built in
// the element the engine gives the game. Called every frame, it touches the
// DOM only when a value changed. (The engine's HUD shows the code, ping,
// tick and FPS.)

const HTML = `
  <dl class="stats"><dt>HP</dt><dd id="hud-hp">–</dd></dl>
  <table id="scores" class="scores">
    <thead><tr><th>Player</th><th>K</th><th>D</th></tr></thead>
    <tbody></tbody>
  </table>
  <div class="controls">
    <h3>Controls</h3>
    <ul>
      <li><kbd>W</kbd><kbd>A</kbd><kbd>S</kbd><kbd>D</kbd> or arrow keys: move</li>
      <li>Mouse: aim</li>
      <li>Left button (hold): fire projectiles (25 damage, dodgeable)</li>
      <li>Right button or <kbd>Space</kbd>: one instant-hit shot (20 damage, range 900, every 0.5 s)</li>
    </ul>
  </div>`;

export class Hud {
  /** @param {HTMLElement} root the game's HUD element */
  constructor(root) {
    root.innerHTML = HTML;
    this.hp = root.querySelector('#hud-hp');
    this.scores = root.querySelector('#scores tbody');
    this.lastHp = '–';
    this.lastScores = '';
  }

  /** `s`: {hp, alive, scores: [{index, name, kills, deaths, self, alive}]} */
  update(s) {
    const hp = s.hp === null ? '–' : s.alive ? String(s.hp) : '0 (respawning)';
    if (hp !== this.lastHp) {
      this.lastHp = hp;
      this.hp.textContent = hp;
    }
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
    this.scores.replaceChildren(...rows);
  }
}
