//! Protocol v4 still has the reference game's shape: `Input` carries
//! arena's `InputFrame`, `Joined` a `MapInfo`, and a snapshot's records are
//! arena's `Change` kinds. Until the protocol gains a game-neutral
//! envelope, a game says here how its inputs and records map onto those
//! messages. The engine decides *what* to send (which entities entered,
//! moved, changed or went, per client and baseline); [`Wire4`] only says
//! how each record is spelled.
//!
//! Every record writer appends to `out` and returns how many snapshot
//! changes it wrote (a snapshot's header counts them).

use glam::IVec2;
use rallypoint_shared::snapshot::Track;
use rallypoint_shared::{CodecError, InputFrame, MapInfo};

use crate::{EntityKey, Game};

/// A game's spelling of protocol v4. See the module docs.
pub trait Wire4: Game {
    /// Checks a client's input and turns it into the game's; the error
    /// reaches the client as `InvalidField`. `seq` and `ack_tick` are the
    /// engine's and are read before this is called.
    fn input(frame: InputFrame) -> Result<Self::Input, String>;

    /// The map `Joined` carries.
    fn map_info(info: &Self::JoinInfo) -> MapInfo;

    /// An entity the client did not hold: its whole state.
    fn enter(
        key: EntityKey,
        track: Option<Track>,
        fields: &Self::Entity,
        out: &mut Vec<u8>,
    ) -> Result<u32, CodecError>;

    /// A held entity's track changed: it is `offset` from where
    /// extrapolation put it, and moves at `vel` from now on.
    fn motion(
        key: EntityKey,
        offset: IVec2,
        vel: IVec2,
        out: &mut Vec<u8>,
    ) -> Result<u32, CodecError>;

    /// A held entity's fields that changed: `changed` is the engine's
    /// [`crate::Fields`] mask against the client's baseline, never 0.
    fn fields(
        key: EntityKey,
        changed: u32,
        now: &Self::Entity,
        out: &mut Vec<u8>,
    ) -> Result<u32, CodecError>;

    /// A held entity still exists but is out of the client's scope.
    fn hidden(key: EntityKey, out: &mut Vec<u8>) -> Result<u32, CodecError>;

    /// A held entity no longer exists.
    fn gone(key: EntityKey, out: &mut Vec<u8>) -> Result<u32, CodecError>;

    /// A row that is new or changed since the client's baseline (all rows
    /// in a full snapshot): `changed` is the engine's [`crate::Fields`]
    /// mask, `u32::MAX` for a new row.
    fn row(key: u32, changed: u32, row: &Self::Row, out: &mut Vec<u8>) -> Result<u32, CodecError>;

    /// A row that existed at the baseline and is gone.
    fn row_gone(key: u32, out: &mut Vec<u8>) -> Result<u32, CodecError>;

    /// The singleton, when new (`changed` is `u32::MAX`) or changed since
    /// the baseline (the engine's [`crate::Fields`] mask).
    fn singleton(
        changed: u32,
        state: &Self::Singleton,
        out: &mut Vec<u8>,
    ) -> Result<u32, CodecError>;
}
