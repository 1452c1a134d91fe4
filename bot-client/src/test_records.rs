//! Arena snapshots for unit tests, written record by record with the
//! engine's record heads and arena's fields, as the server writes them.

use glam::IVec2;
use rallypoint_arena::{ArenaEntity, ArenaRow, PLAYER};
use rallypoint_game::Fields;
use rallypoint_game::fields::ALL;
use rallypoint_shared::Payload;
use rallypoint_shared::snapshot::{Record, Snapshot, Track, write_record};

/// One record: its head and its fields' bytes.
pub(crate) type Part = (Record, Vec<u8>);

fn fields(f: &impl Fields, mask: u32) -> Vec<u8> {
    let mut out = Vec::new();
    f.write(mask, &mut out).unwrap();
    out
}

/// The snapshot of `tick` against `tick - age` (0: full), moving
/// `last_input_seq` on by `advance`.
pub(crate) fn snapshot(tick: u32, age: u8, advance: u32, parts: Vec<Part>) -> Snapshot {
    let mut records = Vec::new();
    for (head, fields) in parts {
        write_record(&head, &mut records).unwrap();
        records.extend(fields);
    }
    Snapshot {
        tick,
        baseline_age: age,
        input_seq_advance: advance,
        records: Payload(records),
    }
}

/// The client's own position, as an offset.
pub(crate) fn me(offset: IVec2) -> Part {
    (Record::Me { offset }, vec![])
}

/// A live player with full health entering view at `track`.
pub(crate) fn player(index: u32, track: Track) -> Part {
    let f = ArenaEntity::Player {
        aim: 0,
        hp: 100,
        alive: true,
    };
    let head = Record::Enter {
        kind: PLAYER,
        index,
        track,
    };
    (head, fields(&f, ALL))
}

/// A player's aim changed.
pub(crate) fn aim(index: u32, aim: u8) -> Part {
    let f = ArenaEntity::Player {
        aim,
        hp: 0,
        alive: false,
    };
    let head = Record::Update {
        kind: PLAYER,
        index,
        mask: rallypoint_arena::game::AIM,
    };
    (head, fields(&f, rallypoint_arena::game::AIM))
}

/// Player `index`'s score row.
pub(crate) fn score(index: u32, kills: u32, deaths: u32) -> Part {
    let row = ArenaRow {
        generation: 0,
        kills,
        deaths,
    };
    (Record::Row { key: index }, fields(&row, ALL))
}
