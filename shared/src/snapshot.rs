//! Snapshots on the wire: per-client deltas against the last snapshot the
//! client acknowledged, in fixed point.
//!
//! A [`Snapshot`] names its baseline (`tick - baseline_age`) and lists the
//! [`Record`]s that turn the client's copy of that baseline into the state at
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
//! comes in [`Record::Me`] rather than through dead reckoning.
//!
//! The records are the engine's, the same for every game: entities (each of
//! a game-defined kind, with an optional track and the game's fields), rows
//! keyed by a number, and one lobby singleton. A record's fields are the
//! game's, written field by field in the game's encoding after the record's
//! head (see `rallypoint_game::Fields`), so only the game's code can read
//! them; [`read_record`] reads the head, the game reads the rest. A client's
//! view of a game is `rallypoint_game::view::View`, and
//! [`crate::baselines::Baselines`] keeps the window of them it needs. The
//! byte-level layout is in `docs/PROTOCOL.md`.

use glam::{IVec2, Vec2};
use serde::{Deserialize, Serialize};

use crate::codec::{CodecError, Reader, encode_value_into};
use crate::msg::Payload;

/// Fixed-point steps per world unit, for positions and velocities alike.
/// Default: 1024, so a position is exact to 1/1024 unit (an arena player
/// is 32 units across). A game that keeps its avatars on this grid (arena
/// snaps every movement step to it, in its `movement::snap`) gives
/// its clients their own exact position on the wire, not a rounded one. Coordinates must stay within ±16,384 units,
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

/// Entity kinds a game may define: 0 to 15. Default: 16, so an entity
/// record's tag (its operation and kind) stays one byte.
pub const MAX_KINDS: u8 = 16;

/// The first entity record's tag: tags below are the lobby-wide records.
const ENTITY_TAGS: u32 = 8;

/// The head of one snapshot record. Records whose doc says "fields follow"
/// are followed by the game's fields: all of them, or those `mask` names
/// (bit `i` for field `i`), each in the game's encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    /// The client's own exact position, as an offset from its position in
    /// the baseline (from the origin in a full snapshot). Tag 0.
    Me { offset: IVec2 },
    /// A row the client did not hold, or a replacement: all fields follow.
    /// Tag 1.
    Row { key: u32 },
    /// A held row changed: the fields `mask` names follow. Tag 2.
    RowUpdate { key: u32, mask: u32 },
    /// A held row is gone. Tag 3.
    RowGone { key: u32 },
    /// The singleton, new or replaced: all fields follow. Tag 4.
    Singleton,
    /// The held singleton changed: the fields `mask` names follow. Tag 5.
    SingletonUpdate { mask: u32 },
    /// The singleton is gone. Tag 6.
    SingletonGone,
    /// An entity came into view (or its slot was reused), with a track:
    /// replaces any entity of that kind and index; all fields follow.
    /// Tag 8 + kind.
    Enter { kind: u8, index: u32, track: Track },
    /// Like `Enter`, for an entity without a track. Tag 24 + kind.
    EnterStill { kind: u8, index: u32 },
    /// A held entity's track changed: it is `offset` away from where
    /// extrapolation put it, and moves at `vel` from now on. Tag 40 + kind.
    Motion {
        kind: u8,
        index: u32,
        offset: IVec2,
        vel: IVec2,
    },
    /// A held entity's fields changed: those `mask` names follow. Tag
    /// 56 + kind, then the mask; or, when the mask names exactly one of
    /// fields 0 to 7 (an aim that turned: the most common change), tag
    /// `8 + 16 * (6 + field) + kind` and no mask, a byte less.
    Update { kind: u8, index: u32, mask: u32 },
    /// A held entity left the client's view; it still exists. Tag 72 + kind.
    Hidden { kind: u8, index: u32 },
    /// A held entity no longer exists. Tag 88 + kind.
    Gone { kind: u8, index: u32 },
}

/// An entity record's operation: its tag is `8 + 16 * op + kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Enter,
    EnterStill,
    Motion,
    Update,
    Hidden,
    Gone,
    /// An update of exactly one field, 0 to [`ONE_FIELD_UPDATES`] - 1,
    /// without a mask: ops 6 to 13.
    UpdateOne(u8),
}

/// Fields whose lone update has its own tag (no mask byte): 0 to 7.
pub const ONE_FIELD_UPDATES: u32 = 8;

impl Op {
    fn number(self) -> u32 {
        match self {
            Op::Enter => 0,
            Op::EnterStill => 1,
            Op::Motion => 2,
            Op::Update => 3,
            Op::Hidden => 4,
            Op::Gone => 5,
            Op::UpdateOne(field) => 6 + u32::from(field),
        }
    }

    fn from_number(n: u32) -> Option<Op> {
        Some(match n {
            0 => Op::Enter,
            1 => Op::EnterStill,
            2 => Op::Motion,
            3 => Op::Update,
            4 => Op::Hidden,
            5 => Op::Gone,
            6..=13 => Op::UpdateOne((n - 6) as u8),
            _ => return None,
        })
    }
}

fn entity_tag(op: Op, kind: u8) -> Result<u32, CodecError> {
    if kind >= MAX_KINDS {
        return Err(CodecError::Invalid("entity kind above 15"));
    }
    Ok(ENTITY_TAGS + 16 * op.number() + u32::from(kind))
}

impl Record {
    /// Whether the game's fields follow this head, and which: `Some(mask)`,
    /// with `u32::MAX` for all of them.
    pub fn fields(&self) -> Option<u32> {
        match *self {
            Record::Row { .. }
            | Record::Singleton
            | Record::Enter { .. }
            | Record::EnterStill { .. } => Some(u32::MAX),
            Record::RowUpdate { mask, .. }
            | Record::SingletonUpdate { mask }
            | Record::Update { mask, .. } => Some(mask),
            _ => None,
        }
    }
}

/// Appends a record's head (the caller appends its fields, if any).
pub fn write_record(record: &Record, out: &mut Vec<u8>) -> Result<(), CodecError> {
    match *record {
        Record::Me { offset } => encode_value_into(&(0u32, offset), out),
        Record::Row { key } => encode_value_into(&(1u32, key), out),
        Record::RowUpdate { key, mask } => encode_value_into(&(2u32, key, mask), out),
        Record::RowGone { key } => encode_value_into(&(3u32, key), out),
        Record::Singleton => encode_value_into(&4u32, out),
        Record::SingletonUpdate { mask } => encode_value_into(&(5u32, mask), out),
        Record::SingletonGone => encode_value_into(&6u32, out),
        Record::Enter { kind, index, track } => {
            encode_value_into(&(entity_tag(Op::Enter, kind)?, index, track), out)
        }
        Record::EnterStill { kind, index } => {
            encode_value_into(&(entity_tag(Op::EnterStill, kind)?, index), out)
        }
        Record::Motion {
            kind,
            index,
            offset,
            vel,
        } => encode_value_into(&(entity_tag(Op::Motion, kind)?, index, offset, vel), out),
        Record::Update { kind, index, mask }
            if mask.count_ones() == 1 && mask.trailing_zeros() < ONE_FIELD_UPDATES =>
        {
            let field = mask.trailing_zeros() as u8;
            encode_value_into(&(entity_tag(Op::UpdateOne(field), kind)?, index), out)
        }
        Record::Update { kind, index, mask } => {
            encode_value_into(&(entity_tag(Op::Update, kind)?, index, mask), out)
        }
        Record::Hidden { kind, index } => {
            encode_value_into(&(entity_tag(Op::Hidden, kind)?, index), out)
        }
        Record::Gone { kind, index } => {
            encode_value_into(&(entity_tag(Op::Gone, kind)?, index), out)
        }
    }
}

/// Reads the next record's head from a snapshot's records (the caller then
/// reads its fields, if [`Record::fields`] says some follow).
pub fn read_record(r: &mut Reader) -> Result<Record, CodecError> {
    let tag: u32 = r.read()?;
    Ok(match tag {
        0 => Record::Me { offset: r.read()? },
        1 => Record::Row { key: r.read()? },
        2 => Record::RowUpdate {
            key: r.read()?,
            mask: r.read()?,
        },
        3 => Record::RowGone { key: r.read()? },
        4 => Record::Singleton,
        5 => Record::SingletonUpdate { mask: r.read()? },
        6 => Record::SingletonGone,
        t if t >= ENTITY_TAGS && Op::from_number((t - ENTITY_TAGS) / 16).is_some() => {
            let kind = ((t - ENTITY_TAGS) % 16) as u8;
            let op = Op::from_number((t - ENTITY_TAGS) / 16).expect("checked by the guard");
            let index = r.read()?;
            match op {
                Op::Enter => Record::Enter {
                    kind,
                    index,
                    track: r.read()?,
                },
                Op::EnterStill => Record::EnterStill { kind, index },
                Op::Motion => Record::Motion {
                    kind,
                    index,
                    offset: r.read()?,
                    vel: r.read()?,
                },
                Op::Update => Record::Update {
                    kind,
                    index,
                    mask: r.read()?,
                },
                Op::Hidden => Record::Hidden { kind, index },
                Op::Gone => Record::Gone { kind, index },
                Op::UpdateOne(field) => Record::Update {
                    kind,
                    index,
                    mask: 1 << field,
                },
            }
        }
        _ => return Err(CodecError::Invalid("unknown snapshot record tag")),
    })
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
    /// The records, back to back, read until the bytes end.
    pub records: Payload,
}

impl Snapshot {
    /// The tick of the baseline, or `None` for a full snapshot.
    pub fn baseline_tick(&self) -> Option<u32> {
        (self.baseline_age != 0).then(|| self.tick.wrapping_sub(u32::from(self.baseline_age)))
    }
}

/// Why a snapshot could not be applied. Nothing is changed when it fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    /// A delta against a baseline the client does not hold.
    #[error("snapshot {tick} is a delta against tick {baseline}, which is not held")]
    MissingBaseline { tick: u32, baseline: u32 },
    /// A record names an entity, row or singleton the baseline does not
    /// have.
    #[error("{what} names {index}, which the baseline does not have")]
    UnknownEntity { what: &'static str, index: u32 },
    /// The records do not decode: a bad tag, a truncated field, a kind the
    /// game does not have.
    #[error("malformed snapshot records: {0}")]
    Malformed(String),
}

impl From<CodecError> for ApplyError {
    fn from(e: CodecError) -> Self {
        ApplyError::Malformed(e.to_string())
    }
}

/// A client's state rebuilt from snapshots, as [`crate::baselines::Baselines`]
/// keeps it: `apply` is the one way to move it forward.
pub trait SnapshotView: Default + Sized {
    /// The tick this view is of.
    fn tick(&self) -> u32;
    /// The state `snap` describes, from `self` as its baseline (ignored
    /// for a full snapshot). Checks that `self` is the baseline `snap`
    /// names.
    fn apply(&self, snap: &Snapshot) -> Result<Self, ApplyError>;
}

#[cfg(test)]
mod tests;
