//! One session's world as the fake simulates it, and the v4 snapshots of
//! it: a full snapshot when the client acknowledges nothing the fake still
//! has (after every join and resume), else a real delta against the
//! acknowledged view, built change by change.
//!
//! The world: the client's own player, moved by its inputs with the shared
//! movement rules (so its prediction must be exact); a second player
//! (index 0) walking a square, with a sideways step every 7 ticks that dead
//! reckoning cannot foresee, turning its aim, losing health and hiding
//! every third 3 s; a projectile (index 5) in flight 20 ticks of every 30;
//! and both players' scores. Every delta is checked to rebuild the truth
//! exactly before it goes out.

use std::collections::VecDeque;

use glam::{IVec2, Vec2};
use rallypoint_shared::movement::{sanitize_input, step_player, tick_dt};
use rallypoint_shared::snapshot::{
    BASELINE_WINDOW, Change, PlayerView, ProjectileView, ScoreView, Snapshot, Track, WorldView,
    to_fixed,
};
use rallypoint_shared::{EntityId, InputFrame};

use super::wire::fake_map;

/// Views kept to delta against; more than the window, so an acknowledged
/// tick too old for a delta is still known to have been sent.
const HISTORY: usize = 2 * BASELINE_WINDOW as usize;

/// The other player's slot index.
const GHOST: u32 = 0;
/// The projectile's slot index.
const SHOT: u32 = 5;

/// What [`World::snapshot`] sent.
pub(super) enum Sent {
    Full(Snapshot),
    Delta(Snapshot),
    /// A delta against a tick the client was never sent.
    Unheld(Snapshot),
    /// Nothing: this tick is skipped, so the next can name it.
    Skipped,
}

pub(super) struct World {
    /// The highest input seq applied, and the own position after it.
    last_seq: u32,
    pos: Vec2,
    /// The views sent that the client can hold, oldest first.
    sent: VecDeque<WorldView>,
    /// Ticks the client must never acknowledge: skipped, or sent as a
    /// delta against a baseline it does not hold.
    refused: Vec<u32>,
}

impl World {
    pub(super) fn new() -> Self {
        Self {
            last_seq: 0,
            pos: Vec2::splat(500.0),
            sent: VecDeque::new(),
            refused: Vec::new(),
        }
    }

    /// Applies an input as the server would: once, in seq order, one step.
    pub(super) fn on_input(&mut self, input: &InputFrame) {
        if input.seq <= self.last_seq {
            return;
        }
        self.last_seq = input.seq;
        if let Ok(input) = sanitize_input(*input) {
            self.pos = step_player(self.pos, input.movement, tick_dt(30), &fake_map());
        }
    }

    /// Whether a client could hold the view of tick `ack` (0: none).
    pub(super) fn could_hold(&self, ack: u32) -> bool {
        if ack == 0 {
            return true;
        }
        let oldest = self.sent.front().map_or(u32::MAX, |v| v.tick);
        !self.refused.contains(&ack) && (ack < oldest || self.sent.iter().any(|v| v.tick == ack))
    }

    /// The snapshot of `tick` for a client that acknowledged `ack`. With
    /// `unheld`, every 20th tick is skipped and the next one is a delta
    /// against it, which the client cannot apply.
    pub(super) fn snapshot(
        &mut self,
        tick: u32,
        ack: u32,
        me: EntityId,
        score: ScoreView,
        unheld: bool,
    ) -> Sent {
        let truth = self.truth(tick, me, score);
        if unheld && tick.is_multiple_of(20) {
            self.refused.push(tick);
            return Sent::Skipped;
        }
        if unheld && tick % 20 == 1 && tick > 1 {
            self.refused.push(tick);
            let mut snap = truth.to_full();
            snap.baseline_age = 1;
            return Sent::Unheld(snap);
        }
        let base = self
            .sent
            .iter()
            .rev()
            .find(|v| ack != 0 && v.tick == ack && tick - v.tick <= BASELINE_WINDOW);
        let sent = match base {
            Some(base) => {
                let delta = diff(base, &truth);
                assert_eq!(base.apply(&delta).as_ref(), Ok(&truth), "fake delta");
                Sent::Delta(delta)
            }
            None => Sent::Full(truth.to_full()),
        };
        if self.sent.len() == HISTORY {
            self.sent.pop_front();
        }
        self.sent.push_back(truth);
        sent
    }

    fn truth(&self, tick: u32, me: EntityId, score: ScoreView) -> WorldView {
        let own = to_fixed(self.pos);
        let mut view = WorldView {
            tick,
            last_input_seq: self.last_seq,
            me: own,
            ..WorldView::default()
        };
        let still = Track {
            pos: own,
            vel: IVec2::ZERO,
        };
        view.players.insert(me.index, player(still, 0, 100));
        if (tick / 90) % 3 != 2 {
            let hp = 100 - (tick / 30 % 5) as u8 * 10;
            view.players
                .insert(GHOST, player(ghost(tick), (tick / 10) as u8, hp));
        }
        if tick % 30 < 20 {
            let k = (tick % 30) as i32;
            let vel = IVec2::new(2_000, 500);
            let track = Track {
                pos: IVec2::splat(100 * 1024) + vel * k,
                vel,
            };
            view.projectiles.insert(
                SHOT,
                ProjectileView {
                    owner: GHOST,
                    track,
                },
            );
        }
        view.scores.insert(me.index, score);
        let ghost_score = ScoreView {
            kills: tick / 100,
            deaths: 0,
        };
        view.scores.insert(GHOST, ghost_score);
        view
    }
}

fn player(track: Track, aim: u8, hp: u8) -> PlayerView {
    PlayerView {
        track,
        aim,
        hp,
        alive: true,
    }
}

/// The other player: a square of 45-tick legs at 300 steps a tick, with a
/// step aside every 7 ticks.
fn ghost(tick: u32) -> Track {
    const LEG: u32 = 45;
    const SPEED: i32 = 300;
    let side = SPEED * LEG as i32;
    let leg = (tick / LEG % 4) as usize;
    let k = (tick % LEG) as i32;
    let corners = [
        IVec2::ZERO,
        IVec2::new(side, 0),
        IVec2::new(side, side),
        IVec2::new(0, side),
    ];
    let vel = [IVec2::X, IVec2::Y, IVec2::NEG_X, IVec2::NEG_Y][leg] * SPEED;
    let aside = match k % 7 {
        3 => IVec2::new(37, -11),
        _ => IVec2::ZERO,
    };
    Track {
        pos: IVec2::splat(400 * 1024) + corners[leg] + vel * k + aside,
        vel,
    }
}

/// The changes that turn `base` into `target` exactly: what `target` adds,
/// drops or changes, with every track corrected against its extrapolation.
fn diff(base: &WorldView, target: &WorldView) -> Snapshot {
    let age = target.tick - base.tick;
    let mut changes = Vec::new();
    if target.me != base.me {
        changes.push(Change::Me {
            offset: target.me - base.me,
        });
    }
    for (&index, p) in &target.players {
        let Some(b) = base.players.get(&index) else {
            changes.push(Change::PlayerEnter {
                index,
                track: p.track,
                aim: p.aim,
                hp: p.hp,
                alive: p.alive,
            });
            continue;
        };
        let guess = b.track.after(age);
        if guess != p.track {
            changes.push(Change::PlayerMotion {
                index,
                offset: p.track.pos - guess.pos,
                vel: p.track.vel,
            });
        }
        if b.aim != p.aim {
            changes.push(Change::PlayerAim { index, aim: p.aim });
        }
        if (b.hp, b.alive) != (p.hp, p.alive) {
            changes.push(Change::PlayerHealth {
                index,
                hp: p.hp,
                alive: p.alive,
            });
        }
    }
    for &index in base.players.keys() {
        if !target.players.contains_key(&index) {
            changes.push(Change::PlayerHidden { index });
        }
    }
    for (&index, s) in &target.scores {
        if base.scores.get(&index) != Some(s) {
            changes.push(Change::Score {
                index,
                kills: s.kills,
                deaths: s.deaths,
            });
        }
    }
    for (&index, p) in &target.projectiles {
        match base.projectiles.get(&index) {
            Some(b) if b.owner == p.owner => {
                let guess = b.track.after(age);
                if guess != p.track {
                    changes.push(Change::ProjectileMotion {
                        index,
                        offset: p.track.pos - guess.pos,
                        vel: p.track.vel,
                    });
                }
            }
            _ => changes.push(Change::ProjectileEnter {
                index,
                owner: p.owner,
                track: p.track,
            }),
        }
    }
    for &index in base.projectiles.keys() {
        if !target.projectiles.contains_key(&index) {
            changes.push(Change::ProjectileGone { index });
        }
    }
    Snapshot {
        tick: target.tick,
        baseline_age: age as u8,
        input_seq_advance: target.last_input_seq - base.last_input_seq,
        changes,
    }
}
