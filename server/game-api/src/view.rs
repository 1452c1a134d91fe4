//! A client's side of replication, for any game: [`View`] is the state a
//! client rebuilds from snapshots (its own exact position, the entities in
//! its view, the rows and the singleton), and [`View::apply`] is the one
//! way to move it forward, record by record, reading each record's fields
//! with the game's [`Fields`]. `rallypoint_shared::baselines::Baselines`
//! keeps the window of views a client needs. Bots and tests use it; the
//! browser client's `views.js` follows the same rules.

use std::collections::BTreeMap;

use glam::IVec2;
use rallypoint_shared::Payload;
use rallypoint_shared::codec::{CodecError, Reader};
use rallypoint_shared::snapshot::{
    ApplyError, Record, Snapshot, SnapshotView, Track, read_record, write_record,
};

use crate::fields::ALL;
use crate::{Fields, Game};

/// An entity as a client holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Held<E> {
    /// Its track, if it has one: extrapolated by the ticks between views.
    pub track: Option<Track>,
    pub fields: E,
}

/// One game's state at one tick, as one client knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct View<E, R, S> {
    pub tick: u32,
    pub last_input_seq: u32,
    /// This client's own exact position (its avatar's), fixed point.
    pub me: IVec2,
    /// What the client sees, by kind, then slot index.
    pub entities: BTreeMap<(u8, u32), Held<E>>,
    pub rows: BTreeMap<u32, R>,
    pub singleton: Option<S>,
}

/// The view of game `G`.
pub type GameView<G> = View<<G as Game>::Entity, <G as Game>::Row, <G as Game>::Singleton>;

impl<E, R, S> Default for View<E, R, S> {
    fn default() -> Self {
        View {
            tick: 0,
            last_input_seq: 0,
            me: IVec2::ZERO,
            entities: BTreeMap::new(),
            rows: BTreeMap::new(),
            singleton: None,
        }
    }
}

fn unknown(what: &'static str, index: u32) -> ApplyError {
    ApplyError::UnknownEntity { what, index }
}

/// A whole record of kind `kind`, read into a blank value.
fn read_new<T: Fields>(kind: u8, r: &mut Reader) -> Result<T, ApplyError> {
    let mut value = T::blank(kind)
        .ok_or_else(|| ApplyError::Malformed(format!("the game has no entity kind {kind}")))?;
    value.read(ALL, r)?;
    Ok(value)
}

impl<E, R, S> View<E, R, S>
where
    E: Fields + Clone,
    R: Fields + Clone,
    S: Fields + Clone,
{
    fn record(&mut self, record: Record, r: &mut Reader) -> Result<(), ApplyError> {
        match record {
            Record::Me { offset } => {
                self.me = IVec2::new(
                    self.me.x.wrapping_add(offset.x),
                    self.me.y.wrapping_add(offset.y),
                );
            }
            Record::Row { key } => {
                let row = read_new(0, r)?;
                self.rows.insert(key, row);
            }
            Record::RowUpdate { key, mask } => {
                let row = self.rows.get_mut(&key).ok_or(unknown("RowUpdate", key))?;
                row.read(mask, r)?;
            }
            Record::RowGone { key } => {
                self.rows.remove(&key).ok_or(unknown("RowGone", key))?;
            }
            Record::Singleton => self.singleton = Some(read_new(0, r)?),
            Record::SingletonUpdate { mask } => {
                let s = self
                    .singleton
                    .as_mut()
                    .ok_or(unknown("SingletonUpdate", 0))?;
                s.read(mask, r)?;
            }
            Record::SingletonGone => {
                self.singleton.take().ok_or(unknown("SingletonGone", 0))?;
            }
            Record::Enter { kind, index, track } => {
                let fields = read_new(kind, r)?;
                let held = Held {
                    track: Some(track),
                    fields,
                };
                self.entities.insert((kind, index), held);
            }
            Record::EnterStill { kind, index } => {
                let fields = read_new(kind, r)?;
                let held = Held {
                    track: None,
                    fields,
                };
                self.entities.insert((kind, index), held);
            }
            Record::Motion {
                kind,
                index,
                offset,
                vel,
            } => {
                let held = self
                    .entities
                    .get_mut(&(kind, index))
                    .ok_or(unknown("Motion", index))?;
                let track = held.track.as_mut().ok_or(unknown("Motion", index))?;
                track.pos = IVec2::new(
                    track.pos.x.wrapping_add(offset.x),
                    track.pos.y.wrapping_add(offset.y),
                );
                track.vel = vel;
            }
            Record::Update { kind, index, mask } => {
                let held = self
                    .entities
                    .get_mut(&(kind, index))
                    .ok_or(unknown("Update", index))?;
                held.fields.read(mask, r)?;
            }
            Record::Hidden { kind, index } => {
                self.entities
                    .remove(&(kind, index))
                    .ok_or(unknown("Hidden", index))?;
            }
            Record::Gone { kind, index } => {
                self.entities
                    .remove(&(kind, index))
                    .ok_or(unknown("Gone", index))?;
            }
        }
        Ok(())
    }

    /// This view as a full snapshot: what a client with no baseline would
    /// be sent for it (a client measures what deltas save with it).
    pub fn to_full(&self) -> Result<Snapshot, CodecError> {
        let mut out = Vec::new();
        write_record(&Record::Me { offset: self.me }, &mut out)?;
        for (&(kind, index), held) in &self.entities {
            let head = match held.track {
                Some(track) => Record::Enter { kind, index, track },
                None => Record::EnterStill { kind, index },
            };
            write_record(&head, &mut out)?;
            held.fields.write(ALL, &mut out)?;
        }
        for (&key, row) in &self.rows {
            write_record(&Record::Row { key }, &mut out)?;
            row.write(ALL, &mut out)?;
        }
        if let Some(s) = &self.singleton {
            write_record(&Record::Singleton, &mut out)?;
            s.write(ALL, &mut out)?;
        }
        Ok(Snapshot {
            tick: self.tick,
            baseline_age: 0,
            input_seq_advance: self.last_input_seq,
            records: Payload(out),
        })
    }
}

impl<E, R, S> SnapshotView for View<E, R, S>
where
    E: Fields + Clone,
    R: Fields + Clone,
    S: Fields + Clone,
{
    fn tick(&self) -> u32 {
        self.tick
    }

    fn apply(&self, snap: &Snapshot) -> Result<Self, ApplyError> {
        let empty = View::default();
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
        let mut next = View {
            tick: snap.tick,
            last_input_seq: base.last_input_seq.wrapping_add(snap.input_seq_advance),
            me: base.me,
            entities: base.entities.clone(),
            rows: base.rows.clone(),
            singleton: base.singleton.clone(),
        };
        for held in next.entities.values_mut() {
            if let Some(t) = &mut held.track {
                *t = t.after(age);
            }
        }
        let mut r = Reader::new(&snap.records.0);
        while !r.is_empty() {
            let record = read_record(&mut r)?;
            next.record(record, &mut r)?;
        }
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, Default)]
    struct Score {
        kills: u32,
        deaths: u32,
    }
    crate::fields!(Score { kills, deaths });

    type V = View<u8, Score, ()>;

    fn snap(tick: u32, age: u8, records: &[(Record, Vec<u8>)]) -> Snapshot {
        let mut out = Vec::new();
        for (head, fields) in records {
            write_record(head, &mut out).unwrap();
            out.extend_from_slice(fields);
        }
        Snapshot {
            tick,
            baseline_age: age,
            input_seq_advance: 1,
            records: Payload(out),
        }
    }

    fn track(x: i32, vx: i32) -> Track {
        Track {
            pos: IVec2::new(x, 0),
            vel: IVec2::new(vx, 0),
        }
    }

    #[test]
    fn deltas_extrapolate_correct_and_update_field_by_field() {
        let full = snap(
            10,
            0,
            &[
                (
                    Record::Me {
                        offset: IVec2::new(100, 200),
                    },
                    vec![],
                ),
                (
                    Record::Enter {
                        kind: 0,
                        index: 1,
                        track: track(0, 10),
                    },
                    vec![7],
                ),
                (Record::EnterStill { kind: 1, index: 1 }, vec![9]),
                (Record::Row { key: 1 }, vec![3, 1]),
                (Record::Singleton, vec![]),
            ],
        );
        let base = V::default().apply(&full).unwrap();
        assert_eq!(base.to_full().unwrap().records, full.records);
        let delta = snap(
            13,
            3,
            &[
                (
                    Record::Motion {
                        kind: 0,
                        index: 1,
                        offset: IVec2::new(5, 0),
                        vel: IVec2::ZERO,
                    },
                    vec![],
                ),
                (
                    Record::Update {
                        kind: 1,
                        index: 1,
                        mask: 1,
                    },
                    vec![4],
                ),
                (Record::RowUpdate { key: 1, mask: 0b10 }, vec![2]),
                (Record::SingletonGone, vec![]),
            ],
        );
        let next = base.apply(&delta).unwrap();
        assert_eq!(next.entities[&(0, 1)].track, Some(track(35, 0)));
        assert_eq!(next.entities[&(1, 1)].fields, 4);
        assert_eq!(
            next.rows[&1],
            Score {
                kills: 3,
                deaths: 2
            }
        );
        assert_eq!(next.singleton, None);
        assert_eq!(next.last_input_seq, 2);
    }

    #[test]
    fn records_about_what_is_not_held_or_malformed_are_refused() {
        let base = V::default();
        for (head, fields) in [
            (Record::Hidden { kind: 0, index: 9 }, vec![]),
            (Record::RowUpdate { key: 1, mask: 1 }, vec![1]),
            (Record::SingletonUpdate { mask: 1 }, vec![]),
            (Record::Row { key: 1 }, vec![1]), // truncated: deaths missing
        ] {
            let s = snap(1, 0, &[(head, fields)]);
            assert!(base.apply(&s).is_err(), "{head:?}");
        }
        let garbage = Snapshot {
            records: Payload(vec![7]),
            ..Snapshot::default()
        };
        assert!(matches!(
            base.apply(&garbage),
            Err(ApplyError::Malformed(_))
        ));
    }
}
