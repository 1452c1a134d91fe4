//! One session's arena world as the fake simulates it, and the v5
//! snapshots of it: a full snapshot when the client acknowledges nothing
//! the fake still has (after every join and resume), else a real delta
//! against the acknowledged view, built record by record.
//!
//! The world: the client's own player, moved by its inputs with arena's
//! movement rules (so its prediction must be exact); a second player
//! (index 0) walking a square, with a sideways step every 7 ticks that dead
//! reckoning cannot foresee, turning its aim, losing health and hiding
//! every third 3 s; a projectile (index 5) in flight 20 ticks of every 30;
//! and both players' score rows. Every delta is checked to rebuild the
//! truth exactly before it goes out.

use std::collections::VecDeque;

use glam::{IVec2, Vec2};
use rallypoint_arena::movement::{sanitize_input, step_player, tick_dt};
use rallypoint_arena::{Arena, ArenaEntity, ArenaRow, InputFrame, PLAYER, PROJECTILE};
use rallypoint_game::Fields;
use rallypoint_game::fields::ALL;
use rallypoint_game::view::{GameView, Held};
use rallypoint_shared::snapshot::{
    BASELINE_WINDOW, Record, Snapshot, SnapshotView, Track, to_fixed, write_record,
};
use rallypoint_shared::{EntityRef, Payload};

use super::wire::fake_map;

/// Views kept to delta against; more than the window, so an acknowledged
/// tick too old for a delta is still known to have been sent.
const HISTORY: usize = 2 * BASELINE_WINDOW as usize;

/// The other player's slot index.
pub(super) const GHOST: u32 = 0;
/// The projectile's slot index.
const SHOT: u32 = 5;

type View = GameView<Arena>;

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
    sent: VecDeque<View>,
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
        me: EntityRef,
        score: ArenaRow,
        unheld: bool,
    ) -> Sent {
        let truth = self.truth(tick, me, score);
        if unheld && tick.is_multiple_of(20) {
            self.refused.push(tick);
            return Sent::Skipped;
        }
        if unheld && tick % 20 == 1 && tick > 1 {
            self.refused.push(tick);
            let mut snap = truth.to_full().unwrap();
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
            None => Sent::Full(truth.to_full().unwrap()),
        };
        if self.sent.len() == HISTORY {
            self.sent.pop_front();
        }
        self.sent.push_back(truth);
        sent
    }

    fn truth(&self, tick: u32, me: EntityRef, score: ArenaRow) -> View {
        let own = to_fixed(self.pos);
        let mut view = View {
            tick,
            last_input_seq: self.last_seq,
            me: own,
            ..View::default()
        };
        let still = Track {
            pos: own,
            vel: IVec2::ZERO,
        };
        view.entities
            .insert((PLAYER, me.index), player(still, 0, 100));
        if (tick / 90) % 3 != 2 {
            let hp = 100 - (tick / 30 % 5) as u8 * 10;
            let ghost = player(ghost(tick), (tick / 10) as u8, hp);
            view.entities.insert((PLAYER, GHOST), ghost);
        }
        if tick % 30 < 20 {
            let k = (tick % 30) as i32;
            let vel = IVec2::new(2_000, 500);
            let track = Track {
                pos: IVec2::splat(100 * 1024) + vel * k,
                vel,
            };
            let shot = Held {
                track: Some(track),
                fields: ArenaEntity::Projectile { owner: GHOST },
            };
            view.entities.insert((PROJECTILE, SHOT), shot);
        }
        view.rows.insert(me.index, score);
        let ghost_score = ArenaRow {
            generation: 0,
            kills: tick / 100,
            deaths: 0,
        };
        view.rows.insert(GHOST, ghost_score);
        view
    }
}

fn player(track: Track, aim: u8, hp: u8) -> Held<ArenaEntity> {
    Held {
        track: Some(track),
        fields: ArenaEntity::Player {
            aim,
            hp,
            alive: true,
        },
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

/// Appends a record's head, and the fields `mask` names of `fields`.
fn put(out: &mut Vec<u8>, head: Record, fields: Option<(&impl Fields, u32)>) {
    write_record(&head, out).unwrap();
    if let Some((f, mask)) = fields {
        f.write(mask, out).unwrap();
    }
}

/// The records that turn `base` into `target` exactly: what `target` adds,
/// hides or changes, with every track corrected against its
/// extrapolation and every field change masked.
fn diff(base: &View, target: &View) -> Snapshot {
    let age = target.tick - base.tick;
    let mut out = Vec::new();
    let none = None::<(&ArenaRow, u32)>;
    if target.me != base.me {
        let offset = target.me - base.me;
        put(&mut out, Record::Me { offset }, none);
    }
    for (&(kind, index), held) in &target.entities {
        let track = held.track.expect("every fake entity moves");
        let Some(b) = base.entities.get(&(kind, index)) else {
            let head = Record::Enter { kind, index, track };
            put(&mut out, head, Some((&held.fields, ALL)));
            continue;
        };
        let guess = b.track.expect("every fake entity moves").after(age);
        if guess != track {
            let head = Record::Motion {
                kind,
                index,
                offset: track.pos - guess.pos,
                vel: track.vel,
            };
            put(&mut out, head, none);
        }
        let mask = held.fields.changed(&b.fields);
        if mask != 0 {
            let head = Record::Update { kind, index, mask };
            put(&mut out, head, Some((&held.fields, mask)));
        }
    }
    for &(kind, index) in base.entities.keys() {
        if !target.entities.contains_key(&(kind, index)) {
            let head = match kind {
                PROJECTILE => Record::Gone { kind, index },
                _ => Record::Hidden { kind, index },
            };
            put(&mut out, head, none);
        }
    }
    for (&key, row) in &target.rows {
        match base.rows.get(&key) {
            None => put(&mut out, Record::Row { key }, Some((row, ALL))),
            Some(b) => {
                let mask = row.changed(b);
                if mask != 0 {
                    put(&mut out, Record::RowUpdate { key, mask }, Some((row, mask)));
                }
            }
        }
    }
    Snapshot {
        tick: target.tick,
        baseline_age: age as u8,
        input_seq_advance: target.last_input_seq - base.last_input_seq,
        records: Payload(out),
    }
}
