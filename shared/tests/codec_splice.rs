//! Snapshots spliced from records written once (as a server writes each
//! record once for every client that gets it) are byte for byte the whole
//! message, for every form of the records' length, and within the server
//! message limit.

mod common;

use common::*;
use rallypoint_shared::codec::MAX_SERVER_MSG_BYTES;
use rallypoint_shared::snapshot::{Record, read_record};
use rallypoint_shared::*;

// ---- splicing ----------------------------------------------------------------

/// `snap` spliced after `prefix` from `parts`.
fn spliced<'a>(
    snap: &Snapshot,
    parts: impl IntoIterator<Item = &'a [u8]>,
    prefix: &[u8],
) -> Result<Vec<u8>, CodecError> {
    let mut out = prefix.to_vec();
    encode_snapshot_into(
        snap.tick,
        snap.baseline_age,
        snap.input_seq_advance,
        snap.records.0.len(),
        parts,
        &mut out,
    )?;
    assert_eq!(out[..prefix.len()], *prefix, "appends");
    Ok(out[prefix.len()..].to_vec())
}

#[test]
fn spliced_snapshots_equal_whole_ones() {
    for msg in every_server_msg() {
        let ServerMsg::Snapshot(snap) = &msg else {
            continue;
        };
        let whole = server_bytes(&msg);
        // In one part, and cut anywhere (a server writes each record's head
        // and fields once, for every client that gets them).
        let one = spliced(snap, [snap.records.0.as_slice()], &[0xaa]).unwrap();
        assert_eq!(one, whole, "{snap:?}");
        for size in [1, 3, 7] {
            let parts = snap.records.0.chunks(size);
            assert_eq!(spliced(snap, parts, &[]).unwrap(), whole, "{snap:?}");
        }
    }
    // A head and its fields as separate parts.
    let samples = every_record();
    let snap = delta_snapshot();
    let heads: Vec<Vec<u8>> = samples.iter().map(|(h, _)| head_bytes(h)).collect();
    let parts = heads
        .iter()
        .zip(&samples)
        .flat_map(|(head, (_, fields))| [head.as_slice(), fields.as_slice()]);
    let msg = ServerMsg::Snapshot(snap.clone());
    assert_eq!(spliced(&snap, parts, &[1, 2]).unwrap(), server_bytes(&msg));
}

#[test]
fn spliced_records_lengths_take_every_varint_form() {
    // 251 bytes (the 251 form) and 65,536 (the 252 form) of records: the
    // header's empty length is one byte, which the splice replaces.
    for count in [125, 126, 32_768] {
        let part = head_bytes(&Record::Gone { kind: 1, index: 3 });
        let snap = Snapshot {
            records: Payload(part.repeat(count)),
            ..delta_snapshot()
        };
        let out = spliced(&snap, std::iter::repeat_n(part.as_slice(), count), &[]).unwrap();
        let msg = ServerMsg::Snapshot(snap);
        assert_eq!(out, server_bytes(&msg), "{count}");
        assert_eq!(decode_server(&out).unwrap(), msg);
    }
}

#[test]
fn a_spliced_snapshot_over_the_limit_fails_and_leaves_the_buffer_alone() {
    // Header: tag, tick 1, age 0, advance 0, a 5-byte length.
    let fits = MAX_SERVER_MSG_BYTES - 9;
    let mut out = vec![0xaa; 3];
    let zeros = vec![0u8; fits + 1];
    encode_snapshot_into(1, 0, 0, fits, [&zeros[..fits]], &mut out).unwrap();
    assert_eq!(out.len(), 3 + MAX_SERVER_MSG_BYTES, "exactly the limit");
    assert!(decode_server(&out[3..]).is_ok());
    out.truncate(3);
    assert!(matches!(
        encode_snapshot_into(1, 0, 0, fits + 1, [&zeros[..]], &mut out),
        Err(CodecError::TooLarge {
            max: MAX_SERVER_MSG_BYTES,
            len,
        }) if len == MAX_SERVER_MSG_BYTES + 1
    ));
    assert_eq!(out, [0xaa; 3]);
}

#[test]
fn a_snapshot_of_small_records_near_the_limit_reads_back() {
    // Two-byte heads, each claiming 8 bytes of bincode's budget for the
    // read that decodes it: a Reader's budget is per value, so a whole
    // message of them reads. Header: tag, tick 5, age 1, advance 5, length
    // 5 bytes.
    let count = (MAX_SERVER_MSG_BYTES - 17) / 2;
    let hidden = Record::Hidden { kind: 0, index: 7 };
    let msg = ServerMsg::Snapshot(Snapshot {
        tick: u32::MAX,
        baseline_age: 1,
        input_seq_advance: u32::MAX,
        records: Payload(head_bytes(&hidden).repeat(count)),
    });
    let bytes = server_bytes(&msg);
    assert!(bytes.len() > MAX_SERVER_MSG_BYTES - 16, "{}", bytes.len());
    let back = decode_server(&bytes).unwrap();
    assert_eq!(back, msg);
    let ServerMsg::Snapshot(snap) = back else {
        unreachable!()
    };
    let mut reader = Reader::new(&snap.records.0);
    for _ in 0..count {
        assert_eq!(read_record(&mut reader).unwrap(), hidden);
    }
    assert!(reader.is_empty());
}
