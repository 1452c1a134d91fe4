//! Record heads, tags and fixed point.
use super::*;

#[test]
fn record_heads_round_trip_with_one_byte_tags() {
    let track = Track {
        pos: IVec2::new(5, -5),
        vel: IVec2::new(1, 0),
    };
    let records = [
        Record::Me {
            offset: IVec2::new(3, -4),
        },
        Record::Row { key: 7 },
        Record::RowUpdate { key: 7, mask: 0b10 },
        Record::RowGone { key: 7 },
        Record::Singleton,
        Record::SingletonUpdate { mask: 1 },
        Record::SingletonGone,
        Record::Enter {
            kind: 15,
            index: 300,
            track,
        },
        Record::EnterStill { kind: 0, index: 1 },
        Record::Motion {
            kind: 1,
            index: 2,
            offset: IVec2::new(-1, 1),
            vel: IVec2::new(9, 9),
        },
        Record::Update {
            kind: 2,
            index: 3,
            mask: 5,
        },
        Record::Hidden { kind: 3, index: 4 },
        Record::Gone { kind: 15, index: 5 },
    ];
    let mut out = Vec::new();
    for r in &records {
        let start = out.len();
        write_record(r, &mut out).unwrap();
        assert!(out[start] < 251, "{r:?} has a one-byte tag");
    }
    let mut reader = Reader::new(&out);
    for r in &records {
        assert_eq!(read_record(&mut reader).unwrap(), *r);
    }
    assert!(reader.is_empty());
    assert_eq!(out[0], 0);
    let mut gone = Vec::new();
    write_record(&Record::Gone { kind: 15, index: 5 }, &mut gone).unwrap();
    assert_eq!(gone, [8 + 16 * 5 + 15, 5]);
    // A lone field 0 to 7 has its own tag and no mask; more, or field
    // 8 and up, carry the mask.
    for (mask, bytes) in [
        (1u32, vec![8 + 16 * 6 + 2, 3]),
        (1 << 7, vec![8 + 16 * 13 + 2, 3]),
        (1 << 8, vec![8 + 16 * 3 + 2, 3, 251, 0, 1]),
        (0b11, vec![8 + 16 * 3 + 2, 3, 3]),
    ] {
        let update = Record::Update {
            kind: 2,
            index: 3,
            mask,
        };
        let mut out = Vec::new();
        write_record(&update, &mut out).unwrap();
        assert_eq!(out, bytes, "{mask:#b}");
        assert_eq!(read_record(&mut Reader::new(&out)).unwrap(), update);
    }
}

#[test]
fn bad_tags_and_kinds_are_errors() {
    for tag in [7u8, 232, 250] {
        assert!(read_record(&mut Reader::new(&[tag, 0])).is_err(), "{tag}");
    }
    let mut out = Vec::new();
    assert!(write_record(&Record::Hidden { kind: 16, index: 0 }, &mut out).is_err());
    assert!(read_record(&mut Reader::new(&[8])).is_err(), "truncated");
}

#[test]
fn fixed_point_round_trips() {
    let v = Vec2::new(123.25, -7.5);
    assert_eq!(from_fixed(to_fixed(v)), v);
    assert_eq!(to_fixed(Vec2::new(f32::NAN, 1e30)).x, 0);
}

#[test]
fn extrapolation_wraps_instead_of_panicking() {
    let t = Track {
        pos: IVec2::new(i32::MAX, 0),
        vel: IVec2::new(i32::MAX, 1),
    }
    .after(u32::MAX);
    assert_eq!(t.vel, IVec2::new(i32::MAX, 1));
}
