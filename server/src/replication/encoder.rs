//! Turns the newest frame into each client's snapshot. Every part that
//! does not depend on the client is encoded at most once per tick and then
//! spliced into each snapshot that needs it:
//! - an entity's "enter" record (its whole state), for clients that did not
//!   hold it;
//! - an entity's changes since tick B, for every client whose baseline is B
//!   (on a healthy link most clients share one or two baseline ages);
//! - the score table's changes since B, and the whole table for full
//!   snapshots.
//!
//! Only the client's own position and the list of who entered or left its
//! view are written per client.

use glam::IVec2;
use rallypoint_shared::snapshot::{BASELINE_WINDOW, Change};
use rallypoint_shared::{CodecError, EntityId, encode_change_into, encode_snapshot_into};

use super::client::Replica;
use super::frames::{Frame, Frames, PlayerRec, ProjectileRec};
use super::interest::{Grid, Visible};

/// Where some encoded changes sit in the tick's arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: u32,
    len: u32,
    /// How many changes the bytes hold.
    count: u32,
}

const UNSET: Span = Span {
    start: u32::MAX,
    len: 0,
    count: 0,
};

/// The parts shared by every client whose baseline is a given number of
/// ticks old, valid for one tick.
#[derive(Debug, Default)]
struct AgeCache {
    tick: Option<u32>,
    /// Per index into the frame's player list.
    players: Vec<Span>,
    projectiles: Vec<Span>,
    scores: Option<Span>,
}

/// Whether a snapshot was full or a delta.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotKind {
    Full,
    Delta { age: u8 },
}

/// Per-lobby snapshot encoder; its buffers are reused tick after tick.
#[derive(Debug, Default)]
pub struct Encoder {
    tick: Option<u32>,
    arena: Vec<u8>,
    player_enter: Vec<Span>,
    projectile_enter: Vec<Span>,
    full_scores: Option<Span>,
    /// Indexed by baseline age, 1 to [`BASELINE_WINDOW`].
    by_age: Vec<AgeCache>,
    parts: Vec<Span>,
    visible: Visible,
}

impl Encoder {
    pub fn new() -> Self {
        Self::default()
    }

    fn begin(&mut self, frame: &Frame) {
        self.tick = Some(frame.tick);
        self.arena.clear();
        self.player_enter.clear();
        self.player_enter.resize(frame.players.len(), UNSET);
        self.projectile_enter.clear();
        self.projectile_enter.resize(frame.projectiles.len(), UNSET);
        self.full_scores = None;
        if self.by_age.is_empty() {
            self.by_age
                .resize_with(BASELINE_WINDOW as usize + 1, AgeCache::default);
        }
    }

    /// Encodes the snapshot of the newest frame for the client `me`, into
    /// `out` (cleared first), and records it in `replica`. `None` if there
    /// is no frame yet or `me` is not in it.
    pub fn encode(
        &mut self,
        frames: &Frames,
        grid: &Grid,
        replica: &mut Replica,
        me: EntityId,
        last_input_seq: u32,
        out: &mut Vec<u8>,
    ) -> Result<Option<SnapshotKind>, CodecError> {
        let Some(t) = frames.newest() else {
            return Ok(None);
        };
        if self.tick != Some(t.tick) {
            self.begin(t);
        }
        let Some(me_rec) = t.player(me.index).filter(|p| p.id == me) else {
            return Ok(None);
        };
        grid.query(t, me_rec.exact, &mut self.visible);
        self.parts.clear();

        let base = replica
            .baseline(t.tick)
            .and_then(|s| Some((s, frames.get(s.tick)?)));
        let (kind, me_base, seq_base) = match base {
            Some((s, _)) => (
                SnapshotKind::Delta {
                    age: t.tick.wrapping_sub(s.tick) as u8,
                },
                s.me,
                s.last_input_seq,
            ),
            None => (SnapshotKind::Full, IVec2::ZERO, 0),
        };
        let own = Change::Me {
            offset: me_rec.exact - me_base,
        };
        let span = self.write(&[own])?;
        self.parts.push(span);
        let (held_players, held_projectiles) = base.map_or((&[][..], &[][..]), |(s, _)| {
            (&s.players[..], &s.projectiles[..])
        });
        self.players(t, base.map(|(_, b)| b), held_players)?;
        self.projectiles(t, base.map(|(_, b)| b), held_projectiles)?;
        let scores = self.scores(t, base.map(|(_, b)| b))?;
        self.parts.push(scores);

        let (age, seq_advance) = match kind {
            SnapshotKind::Full => (0, last_input_seq),
            SnapshotKind::Delta { age } => (age, last_input_seq.wrapping_sub(seq_base)),
        };
        let count: u32 = self.parts.iter().map(|s| s.count).sum();
        out.clear();
        let arena = &self.arena;
        encode_snapshot_into(
            t.tick,
            age,
            seq_advance,
            count as usize,
            self.parts.iter().map(|s| &arena[range(*s)]),
            out,
        )?;

        let mut sent = replica.next_record();
        sent.tick = t.tick;
        sent.me = me_rec.exact;
        sent.last_input_seq = last_input_seq;
        sent.players.extend(
            self.visible
                .players
                .iter()
                .map(|&i| t.players[i as usize].id),
        );
        sent.projectiles.extend(
            self.visible
                .projectiles
                .iter()
                .map(|&i| t.projectiles[i as usize].id),
        );
        replica.record(sent);
        Ok(Some(kind))
    }

    /// Appends changes to the arena as one span.
    fn write(&mut self, changes: &[Change]) -> Result<Span, CodecError> {
        let start = self.arena.len();
        for c in changes {
            encode_change_into(c, &mut self.arena)?;
        }
        Ok(Span {
            start: start as u32,
            len: (self.arena.len() - start) as u32,
            count: changes.len() as u32,
        })
    }

    /// The client's view of players: deltas for those it held at the
    /// baseline, enter records for newcomers, `PlayerHidden` for those
    /// that left its view (one that left the lobby goes with `PlayerLeft`
    /// in the scores instead).
    fn players(
        &mut self,
        t: &Frame,
        b: Option<&Frame>,
        held: &[EntityId],
    ) -> Result<(), CodecError> {
        let age = b.map_or(0, |b| t.tick.wrapping_sub(b.tick) as usize);
        let visible = std::mem::take(&mut self.visible.players);
        let result = walk(
            &visible,
            |vi| t.players[vi].id,
            held,
            |step| match step {
                Step::Gone(id) => self.hide_player(t, id),
                Step::Seen { vi, held } => {
                    let r = t.players[vi];
                    let span = match b.filter(|_| held).and_then(|b| b.player(r.id.index)) {
                        Some(p) => self.player_delta(age, vi, t, p)?,
                        None => self.player_enter(vi, &r)?,
                    };
                    self.parts.push(span);
                    Ok(())
                }
            },
        );
        self.visible.players = visible;
        result
    }

    fn hide_player(&mut self, t: &Frame, id: EntityId) -> Result<(), CodecError> {
        if t.player(id.index).is_some() {
            let span = self.write(&[Change::PlayerHidden { index: id.index }])?;
            self.parts.push(span);
        }
        Ok(())
    }

    fn player_enter(&mut self, vi: usize, r: &PlayerRec) -> Result<Span, CodecError> {
        if self.player_enter[vi] == UNSET {
            self.player_enter[vi] = self.write(&[Change::PlayerEnter {
                index: r.id.index,
                track: r.track,
                aim: r.aim,
                hp: r.hp,
                alive: r.alive,
            }])?;
        }
        Ok(self.player_enter[vi])
    }

    fn age_cache(&mut self, age: usize, t: &Frame) -> &mut AgeCache {
        let cache = &mut self.by_age[age];
        if cache.tick != Some(t.tick) {
            cache.tick = Some(t.tick);
            cache.players.clear();
            cache.players.resize(t.players.len(), UNSET);
            cache.projectiles.clear();
            cache.projectiles.resize(t.projectiles.len(), UNSET);
            cache.scores = None;
        }
        cache
    }

    fn player_delta(
        &mut self,
        age: usize,
        vi: usize,
        t: &Frame,
        before: &PlayerRec,
    ) -> Result<Span, CodecError> {
        let cached = self.age_cache(age, t).players[vi];
        if cached != UNSET {
            return Ok(cached);
        }
        let r = &t.players[vi];
        let index = r.id.index;
        let mut changes = [Change::PlayerLeft { index }; 3];
        let mut n = 0;
        let predicted = before.track.after(age as u32);
        if r.track != predicted {
            changes[n] = Change::PlayerMotion {
                index,
                offset: r.track.pos - predicted.pos,
                vel: r.track.vel,
            };
            n += 1;
        }
        if r.aim != before.aim {
            changes[n] = Change::PlayerAim { index, aim: r.aim };
            n += 1;
        }
        if r.hp != before.hp || r.alive != before.alive {
            changes[n] = Change::PlayerHealth {
                index,
                hp: r.hp,
                alive: r.alive,
            };
            n += 1;
        }
        let span = self.write(&changes[..n])?;
        self.by_age[age].players[vi] = span;
        Ok(span)
    }

    /// Like [`Encoder::players`]; a projectile that left the view, hit
    /// something or expired is `ProjectileGone` either way.
    fn projectiles(
        &mut self,
        t: &Frame,
        b: Option<&Frame>,
        held: &[EntityId],
    ) -> Result<(), CodecError> {
        let age = b.map_or(0, |b| t.tick.wrapping_sub(b.tick) as usize);
        let visible = std::mem::take(&mut self.visible.projectiles);
        let result = walk(
            &visible,
            |vi| t.projectiles[vi].id,
            held,
            |step| match step {
                Step::Gone(id) => {
                    let span = self.write(&[Change::ProjectileGone { index: id.index }])?;
                    self.parts.push(span);
                    Ok(())
                }
                Step::Seen { vi, held } => {
                    let r = t.projectiles[vi];
                    let span = match b.filter(|_| held).and_then(|b| b.projectile(r.id.index)) {
                        Some(p) => self.projectile_delta(age, vi, t, p)?,
                        None => self.projectile_enter(vi, &r)?,
                    };
                    self.parts.push(span);
                    Ok(())
                }
            },
        );
        self.visible.projectiles = visible;
        result
    }

    fn projectile_enter(&mut self, vi: usize, r: &ProjectileRec) -> Result<Span, CodecError> {
        if self.projectile_enter[vi] == UNSET {
            self.projectile_enter[vi] = self.write(&[Change::ProjectileEnter {
                index: r.id.index,
                owner: r.owner,
                track: r.track,
            }])?;
        }
        Ok(self.projectile_enter[vi])
    }

    fn projectile_delta(
        &mut self,
        age: usize,
        vi: usize,
        t: &Frame,
        before: &ProjectileRec,
    ) -> Result<Span, CodecError> {
        let cached = self.age_cache(age, t).projectiles[vi];
        if cached != UNSET {
            return Ok(cached);
        }
        let r = &t.projectiles[vi];
        let predicted = before.track.after(age as u32);
        let span = if r.track != predicted {
            self.write(&[Change::ProjectileMotion {
                index: r.id.index,
                offset: r.track.pos - predicted.pos,
                vel: r.track.vel,
            }])?
        } else {
            self.write(&[])?
        };
        self.by_age[age].projectiles[vi] = span;
        Ok(span)
    }

    /// The score table: whole for a full snapshot, else what changed since
    /// the baseline frame, including who joined and who left the lobby.
    fn scores(&mut self, t: &Frame, b: Option<&Frame>) -> Result<Span, CodecError> {
        let Some(b) = b else {
            if let Some(span) = self.full_scores {
                return Ok(span);
            }
            let changes: Vec<Change> = t.players.iter().map(score).collect();
            let span = self.write(&changes)?;
            self.full_scores = Some(span);
            return Ok(span);
        };
        let age = t.tick.wrapping_sub(b.tick) as usize;
        if let Some(span) = self.age_cache(age, t).scores {
            return Ok(span);
        }
        let mut changes = Vec::new();
        for r in &t.players {
            let same = b
                .player(r.id.index)
                .filter(|p| p.id == r.id)
                .is_some_and(|p| p.kills == r.kills && p.deaths == r.deaths);
            if !same {
                changes.push(score(r));
            }
        }
        for p in &b.players {
            if t.player(p.id.index).is_none() {
                changes.push(Change::PlayerLeft { index: p.id.index });
            }
        }
        let span = self.write(&changes)?;
        self.by_age[age].scores = Some(span);
        Ok(span)
    }
}

/// One step of matching what a client sees now against what it held at
/// its baseline, both in slot-index order.
enum Step {
    /// Held at the baseline, not visible now.
    Gone(EntityId),
    /// Visible now, at index `vi` of the frame's list; `held` when the
    /// client held this very entity (same generation) at the baseline.
    Seen { vi: usize, held: bool },
}

/// Walks `visible` (indices into a frame list, ascending) and `held`
/// (entities, ascending by slot) together, in slot order. A held entity
/// whose slot now holds another generation is replaced, not hidden: `Seen`
/// with `held: false`, and no `Gone`.
fn walk(
    visible: &[u32],
    id_of: impl Fn(usize) -> EntityId,
    held: &[EntityId],
    mut step: impl FnMut(Step) -> Result<(), CodecError>,
) -> Result<(), CodecError> {
    let mut j = 0;
    for &vi in visible {
        let vi = vi as usize;
        let id = id_of(vi);
        while j < held.len() && held[j].index < id.index {
            step(Step::Gone(held[j]))?;
            j += 1;
        }
        let same = j < held.len() && held[j] == id;
        if j < held.len() && held[j].index == id.index {
            j += 1;
        }
        step(Step::Seen { vi, held: same })?;
    }
    for &id in &held[j..] {
        step(Step::Gone(id))?;
    }
    Ok(())
}

fn score(r: &PlayerRec) -> Change {
    Change::Score {
        index: r.id.index,
        kills: r.kills,
        deaths: r.deaths,
    }
}

fn range(s: Span) -> std::ops::Range<usize> {
    s.start as usize..(s.start + s.len) as usize
}
