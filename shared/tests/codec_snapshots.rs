//! Snapshots on the wire (`docs/PROTOCOL.md`, "Snapshot records"): the
//! header's layout, record heads and their one-byte tags (`8 + 16 * op +
//! kind` for entities), which heads carry fields, and zigzag varints.
//! Splicing is in `codec_splice.rs`, `Reader` in `codec_reader.rs`.

mod common;

use bincode::error::DecodeError;
use common::*;
use rallypoint_shared::snapshot::{MAX_KINDS, Record, Track, read_record, write_record};
use rallypoint_shared::*;

/// Reads every record of `records` back, with the fields that follow each:
/// the sample's field bytes are known, so the reader skips exactly them.
fn read_back(records: &[u8], samples: &[Sample]) -> Vec<Sample> {
    let mut reader = Reader::new(records);
    let mut out = Vec::new();
    for (_, fields) in samples {
        let head = read_record(&mut reader).unwrap();
        let at = records.len() - reader.remaining();
        let mut skipped = Vec::new();
        for _ in 0..fields.len() {
            skipped.push(reader.read::<u8>().unwrap());
        }
        assert_eq!(records[at..at + fields.len()], skipped[..]);
        out.push((head, skipped));
    }
    assert!(reader.is_empty(), "{} bytes left", reader.remaining());
    out
}

/// A snapshot of tick 0 against nothing, with the given records.
fn snapshot_of(samples: &[Sample]) -> ServerMsg {
    ServerMsg::Snapshot(Snapshot {
        records: records(samples),
        ..Snapshot::default()
    })
}

/// The entity record of operation `op` (0 Enter to 5 Gone, then 6 to 13:
/// the update of field `op - 6` alone, in tag order).
fn entity_record(op: u8, kind: u8, index: u32) -> Record {
    match op {
        6..=13 => Record::Update {
            kind,
            index,
            mask: 1 << (op - 6),
        },
        0 => Record::Enter {
            kind,
            index,
            track: track(1, -1, 0, 0),
        },
        1 => Record::EnterStill { kind, index },
        2 => Record::Motion {
            kind,
            index,
            offset: ivec(0, 0),
            vel: ivec(-1, 1),
        },
        3 => Record::Update {
            kind,
            index,
            mask: 0b101,
        },
        4 => Record::Hidden { kind, index },
        5 => Record::Gone { kind, index },
        _ => unreachable!("fourteen entity operations"),
    }
}

// ---- record heads ----------------------------------------------------------

#[test]
fn every_record_round_trips_with_its_tag() {
    for (head, fields) in every_record() {
        let part = head_bytes(&head);
        assert_eq!(u32::from(part[0]), record_tag(&head), "{head:?}");
        // Tag 3, tick 0, age 0, advance 0, the records' length: then the
        // head and its fields.
        let sample = vec![(head, fields.clone())];
        let msg = snapshot_of(&sample);
        let bytes = server_bytes(&msg);
        let len = part.len() + fields.len();
        assert_eq!(bytes[..5], [3, 0, 0, 0, len as u8], "{head:?}");
        assert_eq!(bytes[5..5 + part.len()], part, "{head:?}");
        assert_eq!(bytes[5 + part.len()..], fields, "{head:?}");
        assert_eq!(decode_server(&bytes).unwrap(), msg);
        assert_eq!(read_back(&bytes[5..], &sample), sample);
    }
    // All the samples back to back read back in order.
    let samples = every_record();
    assert_eq!(read_back(&records(&samples).0, &samples), samples);
}

#[test]
fn every_record_kind_has_a_sample() {
    let lobby_wide: std::collections::BTreeSet<u32> = every_record()
        .iter()
        .map(|(head, _)| record_tag(head))
        .filter(|&tag| tag < 8)
        .collect();
    assert_eq!(
        lobby_wide,
        (0..7).collect(),
        "a lobby-wide record has no sample"
    );
    let ops: std::collections::BTreeSet<u32> = every_record()
        .iter()
        .map(|(head, _)| record_tag(head))
        .filter(|&tag| tag >= 8)
        .map(|tag| (tag - 8) / 16)
        .collect();
    // Every operation, and a lone-field update (op 6 and up) too.
    assert_eq!(ops, (0..7).collect(), "an entity operation has no sample");
}

#[test]
fn entity_tags_are_8_plus_16_op_plus_kind() {
    for op in 0..14u8 {
        for kind in 0..MAX_KINDS {
            let record = entity_record(op, kind, 300);
            let bytes = head_bytes(&record);
            let tag = 8 + 16 * u32::from(op) + u32::from(kind);
            assert_eq!(u32::from(bytes[0]), tag, "{record:?}");
            assert_eq!(record_tag(&record), tag, "{record:?}");
            // Then the index, a u32 varint.
            assert_eq!(bytes[1..4], [251, 0x2c, 0x01], "{record:?}");
            let mut reader = Reader::new(&bytes);
            assert_eq!(read_record(&mut reader).unwrap(), record);
            assert!(reader.is_empty(), "{record:?}");
        }
    }
    // The doc's example: Gone, kind 15, index 5.
    assert_eq!(head_bytes(&Record::Gone { kind: 15, index: 5 }), [103, 5]);
}

#[test]
fn record_heads_have_the_documented_layout() {
    let cases: [(Record, &[u8]); 9] = [
        (
            Record::Me {
                offset: ivec(1, -1),
            },
            &[0, 2, 1],
        ),
        (Record::Row { key: 300 }, &[1, 251, 0x2c, 0x01]),
        (
            Record::RowUpdate { key: 1, mask: 251 },
            &[2, 1, 251, 251, 0],
        ),
        (Record::RowGone { key: 0 }, &[3, 0]),
        (Record::Singleton, &[4]),
        (Record::SingletonUpdate { mask: 0b11 }, &[5, 3]),
        (Record::SingletonGone, &[6]),
        (
            Record::Enter {
                kind: 1,
                index: 2,
                track: track(3, -3, 1, 0),
            },
            // Track is pos then vel, each x then y.
            &[9, 2, 6, 5, 2, 0],
        ),
        (
            Record::Motion {
                kind: 0,
                index: 2,
                offset: ivec(-1, 0),
                vel: ivec(0, 1),
            },
            &[40, 2, 1, 0, 0, 2],
        ),
    ];
    for (record, expected) in cases {
        assert_eq!(head_bytes(&record), expected, "{record:?}");
        let mut reader = Reader::new(expected);
        assert_eq!(read_record(&mut reader).unwrap(), record);
        assert!(reader.is_empty());
    }
}

#[test]
fn fields_follow_the_records_that_carry_them() {
    let all = Some(u32::MAX);
    assert_eq!(Record::Row { key: 1 }.fields(), all);
    assert_eq!(Record::Singleton.fields(), all);
    assert_eq!(entity_record(0, 3, 1).fields(), all, "Enter");
    assert_eq!(entity_record(1, 3, 1).fields(), all, "EnterStill");
    assert_eq!(Record::RowUpdate { key: 1, mask: 6 }.fields(), Some(6));
    assert_eq!(Record::SingletonUpdate { mask: 0 }.fields(), Some(0));
    assert_eq!(entity_record(3, 3, 1).fields(), Some(0b101), "Update");
    for record in [
        Record::Me { offset: ivec(0, 0) },
        Record::RowGone { key: 1 },
        Record::SingletonGone,
        entity_record(2, 3, 1),
        entity_record(4, 3, 1),
        entity_record(5, 3, 1),
    ] {
        assert_eq!(record.fields(), None, "{record:?}");
    }
}

#[test]
fn tags_outside_the_table_are_refused() {
    // 7 is unused; 232 is the first past the update of field 7 of kind
    // 15; a tag is a u32 varint, so the wide forms of those are refused
    // too.
    let mut bad: Vec<Vec<u8>> = vec![vec![7, 0], vec![251, 7, 0, 0], vec![252, 8, 0, 0, 1, 0]];
    bad.extend((232..=250).map(|tag| vec![tag, 0, 0, 0, 0, 0]));
    bad.push(vec![251, 232, 0, 0]);
    bad.push(vec![251, 0xff, 0xff, 0]);
    for bytes in bad {
        let result = read_record(&mut Reader::new(&bytes));
        assert!(
            matches!(result, Err(CodecError::Invalid(_))),
            "{bytes:?}: {result:?}"
        );
    }
    // A u64 marker for the u32 tag, and the never-valid 254 and 255.
    for marker in [253u8, 254, 255] {
        let mut bytes = vec![marker];
        bytes.extend_from_slice(&[0; 16]);
        let e = malformed(read_record(&mut Reader::new(&bytes)));
        assert!(matches!(e, DecodeError::InvalidIntegerType { .. }), "{e:?}");
    }
    // A wider form than needed is accepted, as for every varint: Hidden of
    // kind 0 (tag 72) as 251 72 0.
    assert_eq!(
        read_record(&mut Reader::new(&[251, 72, 0, 5])).unwrap(),
        Record::Hidden { kind: 0, index: 5 }
    );
}

#[test]
fn kinds_past_15_are_refused_and_write_nothing() {
    for kind in [MAX_KINDS, 17, 255] {
        for op in 0..6 {
            let record = entity_record(op, kind, 1);
            let mut out = vec![0xaa];
            let result = write_record(&record, &mut out);
            assert!(
                matches!(result, Err(CodecError::Invalid(_))),
                "{record:?}: {result:?}"
            );
            assert_eq!(out, [0xaa], "{record:?}");
        }
    }
}

#[test]
fn truncated_record_heads_are_unexpected_end() {
    for (head, _) in every_record() {
        let bytes = head_bytes(&head);
        for len in 0..bytes.len() {
            let e = malformed(read_record(&mut Reader::new(&bytes[..len])));
            assert!(
                matches!(e, DecodeError::UnexpectedEnd { .. }),
                "{head:?} cut to {len}: {e:?}"
            );
        }
    }
}

// ---- signed integers ---------------------------------------------------------

#[test]
fn signed_integers_are_zigzag_varints() {
    let me = |x| head_bytes(&Record::Me { offset: ivec(x, 0) });
    let cases: [(i32, &[u8]); 10] = [
        (0, &[0]),
        (-1, &[1]),
        (1, &[2]),
        (-2, &[3]),
        (125, &[250]),
        (-126, &[251, 251, 0]),
        (32_767, &[251, 0xfe, 0xff]),
        (-32_769, &[252, 0x01, 0x00, 0x01, 0x00]),
        (i32::MAX, &[252, 0xfe, 0xff, 0xff, 0xff]),
        (i32::MIN, &[252, 0xff, 0xff, 0xff, 0xff]),
    ];
    for (value, expected) in cases {
        let mut want = vec![0];
        want.extend_from_slice(expected);
        want.push(0);
        assert_eq!(me(value), want, "{value}");
        let record = Record::Me {
            offset: ivec(value, 0),
        };
        assert_eq!(read_record(&mut Reader::new(&want)).unwrap(), record);
    }
    // The doc's example, and y after x.
    assert_eq!(
        head_bytes(&Record::Me {
            offset: ivec(102_400, -1)
        }),
        [0, 252, 0x00, 0x20, 0x03, 0x00, 1]
    );
}

#[test]
fn signed_varints_wider_than_u32_are_refused() {
    // Me { offset.x: a u64 marker }.
    let e = malformed(read_record(&mut Reader::new(&[
        0, 253, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ])));
    assert!(matches!(e, DecodeError::InvalidIntegerType { .. }), "{e:?}");
    // A shorter form than needed is tolerated, as for unsigned fields.
    assert_eq!(
        read_record(&mut Reader::new(&[0, 251, 3, 0, 0])).unwrap(),
        Record::Me {
            offset: ivec(-2, 0)
        }
    );
}

#[test]
fn tracks_extrapolate_and_wrap() {
    let t = track(10, -10, 3, -1).after(4);
    assert_eq!(t, track(22, -14, 3, -1));
    // Hostile values wrap, never panic.
    let wild = Track {
        pos: ivec(i32::MAX, i32::MIN),
        vel: ivec(i32::MAX, i32::MIN),
    };
    assert_eq!(wild.after(u32::MAX).vel, wild.vel);
}

// ---- the snapshot header -------------------------------------------------------

#[test]
fn snapshot_header_is_tick_raw_age_advance_then_records_length() {
    let hidden = (Record::Hidden { kind: 0, index: 1 }, vec![]);
    let msg = ServerMsg::Snapshot(Snapshot {
        tick: 1000,
        baseline_age: 251,
        input_seq_advance: 70_000,
        records: records(&vec![hidden; 300]),
    });
    let bytes = server_bytes(&msg);
    // baseline_age is a u8: 251 is one raw byte here, not a varint marker.
    // The records are 600 bytes, a length in the 251 form: no count.
    assert_eq!(
        bytes[..13],
        [
            3, 251, 0xe8, 0x03, 251, 252, 0x70, 0x11, 0x01, 0x00, 251, 0x58, 0x02
        ]
    );
    assert_eq!(bytes[13..], [72, 1].repeat(300));
    assert_eq!(decode_server(&bytes).unwrap(), msg);
    // An empty snapshot is the header and a zero length.
    assert_eq!(
        server_bytes(&ServerMsg::Snapshot(Snapshot::default())),
        [3, 0, 0, 0, 0]
    );
    // A v4 snapshot (a count of changes, then the changes) reads its count
    // as the records' length, and then has bytes left over.
    let v4 = [3, 0, 0, 0, 1, 2, 1];
    assert!(matches!(
        decode_server(&v4),
        Err(CodecError::TrailingBytes {
            used: 6,
            trailing: 1
        })
    ));
}

#[test]
fn the_baseline_is_tick_minus_age() {
    let snap = |tick, baseline_age| Snapshot {
        tick,
        baseline_age,
        ..Snapshot::default()
    };
    assert_eq!(snap(100, 0).baseline_tick(), None);
    assert_eq!(snap(100, 4).baseline_tick(), Some(96));
    assert_eq!(snap(2, 4).baseline_tick(), Some(u32::MAX - 1), "wraps");
}

#[test]
fn every_truncation_of_a_delta_snapshot_is_unexpected_end() {
    let bytes = server_bytes(&ServerMsg::Snapshot(delta_snapshot()));
    assert!(bytes.len() > 100);
    for len in 0..bytes.len() {
        let e = malformed(decode_server(&bytes[..len]));
        assert!(
            matches!(e, DecodeError::UnexpectedEnd { .. }),
            "cut to {len}: {e:?}"
        );
    }
}
