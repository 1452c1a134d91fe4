//! Turns the newest frame into each member's snapshot. Every part that
//! does not depend on the member is encoded at most once per tick and then
//! spliced into each snapshot that needs it:
//! - an entity's "enter" record (its whole state), for members that did
//!   not hold it;
//! - an entity's changes since tick B, for every member whose baseline is B
//!   (on a healthy link most members share one or two baseline ages);
//! - the lobby-wide rows and singleton: changes since B, or the whole of
//!   them for full snapshots.
//!
//! Only the member's own position and the list of what entered or left its
//! view are written per member. The encoder is monomorphised on the game:
//! the per-entity loops call the game's record writers directly.

use std::marker::PhantomData;

use glam::IVec2;
use rallypoint_game::fields::ALL;
use rallypoint_game::{EntityKey, Fields, Game, PlayerId};
use rallypoint_shared::snapshot::{BASELINE_WINDOW, Record, write_record};
use rallypoint_shared::{CodecError, encode_snapshot_into};

use super::client::Replica;
use super::frames::{Frame, Frames, Rec};
use super::interest::{Grid, Visible};

/// Where some encoded records sit in the tick's arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: u32,
    len: u32,
}

const UNSET: Span = Span {
    start: u32::MAX,
    len: 0,
};

/// The parts shared by every member whose baseline is a given number of
/// ticks old, valid for one tick.
#[derive(Debug, Default)]
struct AgeCache {
    tick: Option<u32>,
    /// Per index into the frame's entities.
    entities: Vec<Span>,
    /// Rows and singleton.
    lobby: Option<Span>,
}

/// Whether a snapshot was full or a delta.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotKind {
    Full,
    Delta { age: u8 },
}

/// Who a snapshot is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    pub player: PlayerId,
    /// The member's avatar, whose exact position the snapshot carries and
    /// whose surroundings it shows.
    pub avatar: Option<EntityKey>,
    /// The member's last applied input.
    pub last_input_seq: u32,
}

/// Per-lobby snapshot encoder; its buffers are reused tick after tick.
#[derive(Debug)]
pub struct Encoder<G> {
    tick: Option<u32>,
    arena: Vec<u8>,
    enter: Vec<Span>,
    full_lobby: Option<Span>,
    /// Indexed by baseline age, 1 to [`BASELINE_WINDOW`].
    by_age: Vec<AgeCache>,
    parts: Vec<Span>,
    visible: Visible,
    game: PhantomData<fn() -> G>,
}

impl<G> Default for Encoder<G> {
    fn default() -> Self {
        Encoder {
            tick: None,
            arena: Vec::new(),
            enter: Vec::new(),
            full_lobby: None,
            by_age: Vec::new(),
            parts: Vec::new(),
            visible: Visible::new(),
            game: PhantomData,
        }
    }
}

impl<G: Game> Encoder<G> {
    pub fn new() -> Self {
        Self::default()
    }

    fn begin(&mut self, frame: &Frame<G>) {
        self.tick = Some(frame.tick);
        self.arena.clear();
        self.enter.clear();
        self.enter.resize(frame.entities.len(), UNSET);
        self.full_lobby = None;
        if self.by_age.is_empty() {
            self.by_age
                .resize_with(BASELINE_WINDOW as usize + 1, AgeCache::default);
        }
    }

    /// Encodes the snapshot of the newest frame for `viewer`, into `out`
    /// (cleared first), and records it in `replica`. `None` if there is no
    /// frame yet or the viewer's avatar is not in it.
    pub fn encode(
        &mut self,
        frames: &Frames<G>,
        grid: &Grid,
        replica: &mut Replica,
        viewer: Viewer,
        out: &mut Vec<u8>,
    ) -> Result<Option<SnapshotKind>, CodecError> {
        let Some(t) = frames.newest() else {
            return Ok(None);
        };
        if self.tick != Some(t.tick) {
            self.begin(t);
        }
        let me = match viewer.avatar {
            Some(key) => match t.entity(key) {
                Some(rec) => Some(rec.exact),
                None => return Ok(None),
            },
            None => None,
        };
        grid.query(t, me, viewer.player, &mut self.visible);
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
        if let Some(exact) = me {
            let own = Record::Me {
                offset: exact - me_base,
            };
            let span = self.write(|out| write_record(&own, out))?;
            self.parts.push(span);
        }
        self.entities(t, base.map(|(s, b)| (b, &s.entities[..])))?;
        let lobby = self.lobby(t, base.map(|(_, b)| b))?;
        self.parts.push(lobby);

        let (age, seq_advance) = match kind {
            SnapshotKind::Full => (0, viewer.last_input_seq),
            SnapshotKind::Delta { age } => (age, viewer.last_input_seq.wrapping_sub(seq_base)),
        };
        let len: u32 = self.parts.iter().map(|s| s.len).sum();
        out.clear();
        let arena = &self.arena;
        encode_snapshot_into(
            t.tick,
            age,
            seq_advance,
            len as usize,
            self.parts.iter().map(|s| &arena[range(*s)]),
            out,
        )?;

        let mut sent = replica.next_record();
        sent.tick = t.tick;
        sent.me = me.unwrap_or(IVec2::ZERO);
        sent.last_input_seq = viewer.last_input_seq;
        sent.entities.extend_from_slice(&self.visible);
        replica.record(sent);
        Ok(Some(kind))
    }

    /// Appends what `f` writes to the arena as one span.
    fn write(
        &mut self,
        f: impl FnOnce(&mut Vec<u8>) -> Result<(), CodecError>,
    ) -> Result<Span, CodecError> {
        let start = self.arena.len();
        f(&mut self.arena)?;
        Ok(Span {
            start: start as u32,
            len: (self.arena.len() - start) as u32,
        })
    }

    /// The member's view of entities: changes for those it held at the
    /// baseline (`base`: that frame, and the indices into it the member
    /// held), enter records for newcomers, and for those it no longer
    /// sees, "hidden" (still in the frame) or "gone".
    fn entities(
        &mut self,
        t: &Frame<G>,
        base: Option<(&Frame<G>, &[u32])>,
    ) -> Result<(), CodecError> {
        let b = base.map(|(b, _)| b);
        let age = b.map_or(0, |b| t.tick.wrapping_sub(b.tick) as usize);
        let visible = std::mem::take(&mut self.visible);
        let result = walk(&visible, t, base, |step| match step {
            Step::Gone(key) => {
                let (kind, index) = (key.kind, key.id.index);
                let record = if t.position(key.order()).is_some() {
                    Record::Hidden { kind, index }
                } else {
                    Record::Gone { kind, index }
                };
                let span = self.write(|out| write_record(&record, out))?;
                self.parts.push(span);
                Ok(())
            }
            Step::Seen { vi, held } => {
                let r = &t.entities[vi];
                let span = match b.zip(held) {
                    // Most members share a baseline age: the first of them
                    // encodes the delta, the rest find it in the cache.
                    Some((b, bi)) => match self.age_cache(age, t).entities[vi] {
                        UNSET => self.delta(age, vi, t, &b.entities[bi])?,
                        cached => cached,
                    },
                    None => self.enter(vi, r)?,
                };
                self.parts.push(span);
                Ok(())
            }
        });
        self.visible = visible;
        result
    }

    fn enter(&mut self, vi: usize, r: &Rec<G::Entity>) -> Result<Span, CodecError> {
        if self.enter[vi] == UNSET {
            let (kind, index) = (r.key.kind, r.key.id.index);
            let head = match r.motion() {
                Some(track) => Record::Enter { kind, index, track },
                None => Record::EnterStill { kind, index },
            };
            self.enter[vi] = self.write(|out| {
                write_record(&head, out)?;
                r.fields.write(ALL, out)
            })?;
        }
        Ok(self.enter[vi])
    }

    fn age_cache(&mut self, age: usize, t: &Frame<G>) -> &mut AgeCache {
        let cache = &mut self.by_age[age];
        if cache.tick != Some(t.tick) {
            cache.tick = Some(t.tick);
            cache.entities.clear();
            cache.entities.resize(t.entities.len(), UNSET);
            cache.lobby = None;
        }
        cache
    }

    /// A held entity's changes since the baseline `age` ticks ago: its
    /// track, if extrapolation no longer puts it right, then its fields;
    /// cached for every member of that baseline age (the caller looks
    /// there first).
    fn delta(
        &mut self,
        age: usize,
        vi: usize,
        t: &Frame<G>,
        before: &Rec<G::Entity>,
    ) -> Result<Span, CodecError> {
        let r = &t.entities[vi];
        let predicted = before.track.after(age as u32);
        let (kind, index) = (r.key.kind, r.key.id.index);
        let span = self.write(|out| {
            if r.track != predicted {
                let motion = Record::Motion {
                    kind,
                    index,
                    offset: r.track.pos - predicted.pos,
                    vel: r.track.vel,
                };
                write_record(&motion, out)?;
            }
            let mask = r.fields.changed(&before.fields);
            if mask != 0 {
                write_record(&Record::Update { kind, index, mask }, out)?;
                r.fields.write(mask, out)?;
            }
            Ok(())
        })?;
        self.by_age[age].entities[vi] = span;
        Ok(span)
    }

    /// The rows and the singleton: whole for a full snapshot, else what
    /// changed since the baseline frame, including rows that went.
    fn lobby(&mut self, t: &Frame<G>, b: Option<&Frame<G>>) -> Result<Span, CodecError> {
        let Some(b) = b else {
            if let Some(span) = self.full_lobby {
                return Ok(span);
            }
            let span = self.write(|out| {
                for r in &t.rows {
                    write_record(&Record::Row { key: r.key }, out)?;
                    r.fields.write(ALL, out)?;
                }
                if let Some(s) = &t.singleton {
                    write_record(&Record::Singleton, out)?;
                    s.write(ALL, out)?;
                }
                Ok(())
            })?;
            self.full_lobby = Some(span);
            return Ok(span);
        };
        let age = t.tick.wrapping_sub(b.tick) as usize;
        if let Some(span) = self.age_cache(age, t).lobby {
            return Ok(span);
        }
        let span = self.write(|out| {
            for r in &t.rows {
                let key = r.key;
                match b.row(key) {
                    None => {
                        write_record(&Record::Row { key }, out)?;
                        r.fields.write(ALL, out)?;
                    }
                    Some(before) => {
                        let mask = r.fields.changed(&before.fields);
                        if mask != 0 {
                            write_record(&Record::RowUpdate { key, mask }, out)?;
                            r.fields.write(mask, out)?;
                        }
                    }
                }
            }
            for r in &b.rows {
                if t.row(r.key).is_none() {
                    write_record(&Record::RowGone { key: r.key }, out)?;
                }
            }
            match (&t.singleton, &b.singleton) {
                (Some(s), None) => {
                    write_record(&Record::Singleton, out)?;
                    s.write(ALL, out)?;
                }
                (Some(s), Some(before)) => {
                    let mask = s.changed(before);
                    if mask != 0 {
                        write_record(&Record::SingletonUpdate { mask }, out)?;
                        s.write(mask, out)?;
                    }
                }
                (None, Some(_)) => write_record(&Record::SingletonGone, out)?,
                (None, None) => {}
            }
            Ok(())
        })?;
        self.by_age[age].lobby = Some(span);
        Ok(span)
    }
}

/// One step of matching what a member sees now against what it held at
/// its baseline, both in key order.
enum Step {
    /// Held at the baseline, not visible now.
    Gone(EntityKey),
    /// Visible now, at index `vi` of the frame's entities; `held` is the
    /// index in the baseline frame when the member held this very entity
    /// (same generation) there.
    Seen { vi: usize, held: Option<usize> },
}

/// Walks `visible` (indices into `t`, ascending) and what the member held
/// at its baseline (indices into the baseline frame, ascending) together,
/// in key order. A held entity whose slot now holds another generation is
/// replaced, not hidden: `Seen` with `held: None`, and no `Gone`.
fn walk<G: Game>(
    visible: &[u32],
    t: &Frame<G>,
    base: Option<(&Frame<G>, &[u32])>,
    mut step: impl FnMut(Step) -> Result<(), CodecError>,
) -> Result<(), CodecError> {
    let Some((b, held)) = base else {
        // A full snapshot: everything visible is new to the member.
        for &vi in visible {
            step(Step::Seen {
                vi: vi as usize,
                held: None,
            })?;
        }
        return Ok(());
    };
    let mut j = 0;
    for &vi in visible {
        let vi = vi as usize;
        let now = t.orders[vi];
        while j < held.len() && b.orders[held[j] as usize] < now {
            step(Step::Gone(b.entities[held[j] as usize].key))?;
            j += 1;
        }
        let mut same = None;
        if j < held.len() && b.orders[held[j] as usize] == now {
            if b.entities[held[j] as usize].key == t.entities[vi].key {
                same = Some(held[j] as usize);
            }
            j += 1;
        }
        step(Step::Seen { vi, held: same })?;
    }
    for &bi in &held[j..] {
        step(Step::Gone(b.entities[bi as usize].key))?;
    }
    Ok(())
}

fn range(s: Span) -> std::ops::Range<usize> {
    s.start as usize..(s.start + s.len) as usize
}
