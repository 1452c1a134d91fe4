//! Snapshots on the wire: per-client deltas against the last snapshot the
//! client acknowledged, in fixed point.
//!
//! A [`Snapshot`] names its baseline (`tick - baseline_age`) and lists the
//! [`Change`]s that turn the client's copy of that baseline into the state at
//! `tick`. A baseline age of 0 means "from nothing": a full snapshot, sent on
//! join, on resume and whenever the client's acknowledged baseline is too old
//! or unknown. Everything the server did not list is *extrapolated*: each
//! moving thing carries a fixed-point velocity, and an unlisted one is where
//! its baseline position plus `age` ticks of that velocity puts it. The
//! server re-sends a position only when the truth strays more than
//! [`POSITION_TOLERANCE`] from that, so a player walking straight or a
//! projectile in flight costs nothing per tick.
//!
//! The client's own position is exact: it is needed for reconciliation, so it
//! comes in [`Change::Me`] rather than through dead reckoning.
//!
//! [`WorldView`] is what a client holds and [`WorldView::apply`] is the one
//! way to move it forward; [`crate::baselines::Baselines`] keeps the window
//! of them a client needs. The byte-level layout is in `docs/PROTOCOL.md`.

use std::collections::BTreeMap;

use glam::{IVec2, Vec2};
use serde::{Deserialize, Serialize};

/// Fixed-point steps per world unit, for positions and velocities alike.
/// Default: 1024, so a position is exact to 1/1024 unit (a player is 32
/// units across). The server snaps player positions to this grid every
/// movement step (see `movement::snap`), so a client's own position on the
/// wire is exact, not rounded. Coordinates must stay within ±16,384 units,
/// where `f32` still holds every grid point; maps are validated to that.
pub const FIXED_SCALE: f32 = 1024.0;

/// The largest coordinate a map may use, in world units: beyond it `f32`
/// cannot represent every point of the fixed-point grid.
pub const MAX_COORDINATE: f32 = 16_000.0;

/// How far another entity's extrapolated position may drift from the truth,
/// per axis, before the server re-sends it, in fixed-point steps. Default:
/// 256 (1/4 unit, 1/128 of a player's width): invisible on screen and far
/// below what a hitscan shot can tell apart, yet wide enough that rounding
/// and small speed changes do not cost a correction every tick.
pub const POSITION_TOLERANCE: i32 = 256;

/// Ticks of snapshots a baseline can be. Default: 32 (about a second at
/// 30 Hz). The server deltas only against an acknowledged tick at most this
/// old and a client keeps at least this many, so every delta the server
/// sends names a baseline the client still has. A client silent for longer
/// gets a full snapshot.
pub const BASELINE_WINDOW: u32 = 32;

/// A value in fixed point: world units times [`FIXED_SCALE`], rounded. Out of
/// range values saturate and NaN becomes 0, so this never panics.
pub fn to_fixed(v: Vec2) -> IVec2 {
    IVec2::new(
        (v.x * FIXED_SCALE).round() as i32,
        (v.y * FIXED_SCALE).round() as i32,
    )
}

/// A fixed-point value back in world units.
pub fn from_fixed(v: IVec2) -> Vec2 {
    Vec2::new(v.x as f32 / FIXED_SCALE, v.y as f32 / FIXED_SCALE)
}

/// An aim direction as one byte: the angle in 256ths of a turn, counter-
/// clockwise from +x (1.4 degrees a step). No direction (zero) reads as 0.
pub fn aim_to_byte(aim: Vec2) -> u8 {
    if aim == Vec2::ZERO || !aim.is_finite() {
        return 0;
    }
    let turns = aim.y.atan2(aim.x) / std::f32::consts::TAU;
    (turns * 256.0).round().rem_euclid(256.0) as u8
}

/// The unit vector for an aim byte.
pub fn byte_to_aim(aim: u8) -> Vec2 {
    Vec2::from_angle(f32::from(aim) / 256.0 * std::f32::consts::TAU)
}

/// A position and a per-tick velocity, both fixed point. Where something
/// unlisted is `ticks` later is [`Track::after`].
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Track {
    pub pos: IVec2,
    /// Fixed-point steps per tick.
    pub vel: IVec2,
}

impl Track {
    /// The track extrapolated `ticks` ahead. Wrapping arithmetic: hostile
    /// values give nonsense, never a panic.
    pub fn after(self, ticks: u32) -> Track {
        let t = ticks as i32;
        Track {
            pos: IVec2::new(
                self.pos.x.wrapping_add(self.vel.x.wrapping_mul(t)),
                self.pos.y.wrapping_add(self.vel.y.wrapping_mul(t)),
            ),
            vel: self.vel,
        }
    }
}

/// One entry of a snapshot. Variant order is the wire tag: append only.
/// "Index" is an entity's slot index (`EntityId::index`); players and
/// projectiles are separate namespaces.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq)]
pub enum Change {
    /// The client's own exact position, as an offset from its position in
    /// the baseline (from the origin in a full snapshot).
    Me {
        offset: IVec2,
    },
    /// A player came into view, or its slot was reused: its whole state,
    /// replacing any player of that index.
    PlayerEnter {
        index: u32,
        track: Track,
        aim: u8,
        hp: u8,
        alive: bool,
    },
    /// A player left the client's view; it is still in the lobby.
    PlayerHidden {
        index: u32,
    },
    /// A player's motion changed: its position is `offset` away from where
    /// extrapolation put it, and it moves at `vel` from now on.
    PlayerMotion {
        index: u32,
        offset: IVec2,
        vel: IVec2,
    },
    PlayerAim {
        index: u32,
        aim: u8,
    },
    PlayerHealth {
        index: u32,
        hp: u8,
        alive: bool,
    },
    /// A player's score; sent for every player in the lobby, seen or not.
    /// An index not in the score table adds it.
    Score {
        index: u32,
        kills: u32,
        deaths: u32,
    },
    /// A player left the lobby: its score goes, and its entity if shown.
    PlayerLeft {
        index: u32,
    },
    /// A projectile came into view (or its slot was reused).
    ProjectileEnter {
        index: u32,
        owner: u32,
        track: Track,
    },
    /// A projectile hit something, expired, or left the client's view.
    ProjectileGone {
        index: u32,
    },
    /// Like `PlayerMotion`, for a projectile.
    ProjectileMotion {
        index: u32,
        offset: IVec2,
        vel: IVec2,
    },
}

/// What one client receives each tick.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct Snapshot {
    pub tick: u32,
    /// How many ticks before `tick` the baseline is; 0 for a full snapshot.
    /// The baseline is the snapshot of tick `tick - baseline_age` this
    /// client received; a client that does not hold it must not apply this.
    pub baseline_age: u8,
    /// How far this client's `last_input_seq` moved since the baseline
    /// (the seq itself in a full snapshot).
    pub input_seq_advance: u32,
    pub changes: Vec<Change>,
}

impl Snapshot {
    /// The tick of the baseline, or `None` for a full snapshot.
    pub fn baseline_tick(&self) -> Option<u32> {
        (self.baseline_age != 0).then(|| self.tick.wrapping_sub(u32::from(self.baseline_age)))
    }
}

/// A player as a client sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlayerView {
    pub track: Track,
    pub aim: u8,
    pub hp: u8,
    pub alive: bool,
}

/// A projectile as a client sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProjectileView {
    pub owner: u32,
    pub track: Track,
}

/// One line of the score table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScoreView {
    pub kills: u32,
    pub deaths: u32,
}

/// Why a snapshot could not be applied. Nothing is changed when it fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    /// A delta against a baseline the client does not hold.
    #[error("snapshot {tick} is a delta against tick {baseline}, which is not held")]
    MissingBaseline { tick: u32, baseline: u32 },
    /// A change names an entity the baseline does not have.
    #[error("{what} names entity {index}, which the baseline does not have")]
    UnknownEntity { what: &'static str, index: u32 },
}

/// The world at one tick as one client knows it: what it could see, plus
/// the whole score table. Positions are fixed point.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WorldView {
    pub tick: u32,
    pub last_input_seq: u32,
    /// This client's own exact position, fixed point.
    pub me: IVec2,
    pub players: BTreeMap<u32, PlayerView>,
    pub projectiles: BTreeMap<u32, ProjectileView>,
    pub scores: BTreeMap<u32, ScoreView>,
}

impl WorldView {
    /// The state `snap` describes, from `self` as its baseline (ignored for
    /// a full snapshot). Checks that `self` is the baseline `snap` names.
    pub fn apply(&self, snap: &Snapshot) -> Result<WorldView, ApplyError> {
        let empty = WorldView::default();
        let base = match snap.baseline_tick() {
            None => &empty,
            Some(baseline) if baseline == self.tick => self,
            Some(baseline) => {
                return Err(ApplyError::MissingBaseline {
                    tick: snap.tick,
                    baseline,
                });
            }
        };
        let age = u32::from(snap.baseline_age);
        let mut next = WorldView {
            tick: snap.tick,
            last_input_seq: base.last_input_seq.wrapping_add(snap.input_seq_advance),
            me: base.me,
            players: base.players.clone(),
            projectiles: base.projectiles.clone(),
            scores: base.scores.clone(),
        };
        for p in next.players.values_mut() {
            p.track = p.track.after(age);
        }
        for p in next.projectiles.values_mut() {
            p.track = p.track.after(age);
        }
        for change in &snap.changes {
            next.change(change)?;
        }
        Ok(next)
    }

    fn change(&mut self, change: &Change) -> Result<(), ApplyError> {
        fn known<'a, T>(
            map: &'a mut BTreeMap<u32, T>,
            index: u32,
            what: &'static str,
        ) -> Result<&'a mut T, ApplyError> {
            map.get_mut(&index)
                .ok_or(ApplyError::UnknownEntity { what, index })
        }
        fn moved(track: &mut Track, offset: IVec2, vel: IVec2) {
            track.pos = IVec2::new(
                track.pos.x.wrapping_add(offset.x),
                track.pos.y.wrapping_add(offset.y),
            );
            track.vel = vel;
        }
        match *change {
            Change::Me { offset } => {
                self.me = IVec2::new(
                    self.me.x.wrapping_add(offset.x),
                    self.me.y.wrapping_add(offset.y),
                );
            }
            Change::PlayerEnter {
                index,
                track,
                aim,
                hp,
                alive,
            } => {
                self.players.insert(
                    index,
                    PlayerView {
                        track,
                        aim,
                        hp,
                        alive,
                    },
                );
            }
            Change::PlayerHidden { index } => {
                if self.players.remove(&index).is_none() {
                    return Err(ApplyError::UnknownEntity {
                        what: "PlayerHidden",
                        index,
                    });
                }
            }
            Change::PlayerMotion { index, offset, vel } => {
                moved(
                    &mut known(&mut self.players, index, "PlayerMotion")?.track,
                    offset,
                    vel,
                );
            }
            Change::PlayerAim { index, aim } => {
                known(&mut self.players, index, "PlayerAim")?.aim = aim;
            }
            Change::PlayerHealth { index, hp, alive } => {
                let p = known(&mut self.players, index, "PlayerHealth")?;
                p.hp = hp;
                p.alive = alive;
            }
            Change::Score {
                index,
                kills,
                deaths,
            } => {
                self.scores.insert(index, ScoreView { kills, deaths });
            }
            Change::PlayerLeft { index } => {
                if self.scores.remove(&index).is_none() {
                    return Err(ApplyError::UnknownEntity {
                        what: "PlayerLeft",
                        index,
                    });
                }
                self.players.remove(&index);
            }
            Change::ProjectileEnter {
                index,
                owner,
                track,
            } => {
                self.projectiles
                    .insert(index, ProjectileView { owner, track });
            }
            Change::ProjectileGone { index } => {
                if self.projectiles.remove(&index).is_none() {
                    return Err(ApplyError::UnknownEntity {
                        what: "ProjectileGone",
                        index,
                    });
                }
            }
            Change::ProjectileMotion { index, offset, vel } => {
                moved(
                    &mut known(&mut self.projectiles, index, "ProjectileMotion")?.track,
                    offset,
                    vel,
                );
            }
        }
        Ok(())
    }

    /// This view as a full snapshot: what a client with no baseline would
    /// be sent for it. A client measures what deltas save with it.
    pub fn to_full(&self) -> Snapshot {
        let mut changes =
            Vec::with_capacity(1 + self.players.len() + self.projectiles.len() + self.scores.len());
        changes.push(Change::Me { offset: self.me });
        changes.extend(self.players.iter().map(|(&index, p)| Change::PlayerEnter {
            index,
            track: p.track,
            aim: p.aim,
            hp: p.hp,
            alive: p.alive,
        }));
        changes.extend(
            self.projectiles
                .iter()
                .map(|(&index, p)| Change::ProjectileEnter {
                    index,
                    owner: p.owner,
                    track: p.track,
                }),
        );
        changes.extend(self.scores.iter().map(|(&index, s)| Change::Score {
            index,
            kills: s.kills,
            deaths: s.deaths,
        }));
        Snapshot {
            tick: self.tick,
            baseline_age: 0,
            input_seq_advance: self.last_input_seq,
            changes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(x: i32, y: i32, vx: i32, vy: i32) -> Track {
        Track {
            pos: IVec2::new(x, y),
            vel: IVec2::new(vx, vy),
        }
    }

    fn full() -> Snapshot {
        Snapshot {
            tick: 10,
            baseline_age: 0,
            input_seq_advance: 4,
            changes: vec![
                Change::Me {
                    offset: IVec2::new(100, 200),
                },
                Change::PlayerEnter {
                    index: 1,
                    track: track(100, 200, 0, 0),
                    aim: 0,
                    hp: 100,
                    alive: true,
                },
                Change::PlayerEnter {
                    index: 2,
                    track: track(0, 0, 10, -5),
                    aim: 64,
                    hp: 100,
                    alive: true,
                },
                Change::Score {
                    index: 1,
                    kills: 0,
                    deaths: 0,
                },
                Change::Score {
                    index: 2,
                    kills: 3,
                    deaths: 1,
                },
            ],
        }
    }

    #[test]
    fn unlisted_entities_are_extrapolated_and_listed_ones_corrected() {
        let base = WorldView::default().apply(&full()).unwrap();
        assert_eq!(base.last_input_seq, 4);
        let delta = Snapshot {
            tick: 13,
            baseline_age: 3,
            input_seq_advance: 3,
            changes: vec![
                Change::Me {
                    offset: IVec2::new(30, 0),
                },
                Change::PlayerMotion {
                    index: 1,
                    offset: IVec2::new(30, 0),
                    vel: IVec2::new(10, 0),
                },
            ],
        };
        let next = base.apply(&delta).unwrap();
        assert_eq!(next.tick, 13);
        assert_eq!(next.last_input_seq, 7);
        assert_eq!(next.me, IVec2::new(130, 200));
        assert_eq!(next.players[&1].track, track(130, 200, 10, 0));
        assert_eq!(next.players[&2].track, track(30, -15, 10, -5));
        assert_eq!(
            next.scores[&2],
            ScoreView {
                kills: 3,
                deaths: 1
            }
        );
    }

    #[test]
    fn a_delta_against_another_tick_is_refused() {
        let base = WorldView::default().apply(&full()).unwrap();
        let delta = Snapshot {
            tick: 13,
            baseline_age: 2,
            ..Snapshot::default()
        };
        assert_eq!(
            base.apply(&delta),
            Err(ApplyError::MissingBaseline {
                tick: 13,
                baseline: 11
            })
        );
    }

    #[test]
    fn changes_to_unknown_entities_are_refused() {
        let base = WorldView::default().apply(&full()).unwrap();
        for change in [
            Change::PlayerHidden { index: 9 },
            Change::PlayerAim { index: 9, aim: 1 },
            Change::PlayerLeft { index: 9 },
            Change::ProjectileGone { index: 1 },
        ] {
            let delta = Snapshot {
                tick: 11,
                baseline_age: 1,
                input_seq_advance: 0,
                changes: vec![change],
            };
            assert!(
                matches!(base.apply(&delta), Err(ApplyError::UnknownEntity { .. })),
                "{change:?}"
            );
        }
    }

    #[test]
    fn a_view_round_trips_through_its_full_snapshot() {
        let mut view = WorldView::default().apply(&full()).unwrap();
        view.projectiles.insert(
            7,
            ProjectileView {
                owner: 2,
                track: track(5, 5, 100, 0),
            },
        );
        assert_eq!(WorldView::default().apply(&view.to_full()).unwrap(), view);
        // A full snapshot ignores whatever the client held.
        let other = WorldView {
            tick: 99,
            ..WorldView::default()
        };
        assert_eq!(other.apply(&view.to_full()).unwrap(), view);
    }

    #[test]
    fn fixed_point_and_aim_round_trip() {
        let v = Vec2::new(123.25, -7.5);
        assert_eq!(from_fixed(to_fixed(v)), v);
        assert_eq!(to_fixed(Vec2::new(f32::NAN, 1e30)).x, 0);
        for b in 0..=255u8 {
            assert_eq!(aim_to_byte(byte_to_aim(b)), b);
        }
        assert_eq!(aim_to_byte(Vec2::ZERO), 0);
        assert_eq!(aim_to_byte(Vec2::Y), 64);
        assert_eq!(aim_to_byte(-Vec2::Y), 192);
    }

    #[test]
    fn extrapolation_wraps_instead_of_panicking() {
        let t = track(i32::MAX, 0, i32::MAX, 1).after(u32::MAX);
        assert_eq!(t.vel, IVec2::new(i32::MAX, 1));
    }
}
