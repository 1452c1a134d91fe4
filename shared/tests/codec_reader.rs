//! `Reader` and `decode_payload`, the two ways a client and a game read
//! bytes the envelope carries: values back to back with errors on
//! truncation, and whole payloads that must use every byte.

mod common;

use bincode::error::DecodeError;
use common::*;
use rallypoint_shared::codec::MAX_SERVER_MSG_BYTES;
use rallypoint_shared::*;

// ---- Reader and game payloads ---------------------------------------------------

#[test]
fn a_reader_reads_values_back_to_back() {
    let mut bytes = Vec::new();
    encode_value_into(&300u32, &mut bytes).unwrap();
    encode_value_into("héllo", &mut bytes).unwrap();
    encode_value_into(&-2i32, &mut bytes).unwrap();
    encode_value_into(&(true, 251u8), &mut bytes).unwrap();
    encode_value_into(&Payload(vec![4, 5]), &mut bytes).unwrap();
    assert_eq!(bytes.len(), 3 + 7 + 1 + 2 + 3);

    let mut reader = Reader::new(&bytes);
    assert_eq!(reader.remaining(), 16);
    assert_eq!(reader.read::<u32>().unwrap(), 300);
    assert_eq!(reader.remaining(), 13);
    let from_here = reader.clone();
    assert_eq!(reader.read::<String>().unwrap(), "héllo");
    assert_eq!(reader.read::<i32>().unwrap(), -2);
    assert_eq!(reader.read::<(bool, u8)>().unwrap(), (true, 251));
    assert!(!reader.is_empty());
    assert_eq!(reader.read::<Payload>().unwrap(), Payload(vec![4, 5]));
    assert!(reader.is_empty());
    assert_eq!(reader.remaining(), 0);
    // Reading past the end is an error, not a panic.
    let e = malformed(reader.read::<u8>());
    assert!(matches!(e, DecodeError::UnexpectedEnd { .. }), "{e:?}");
    // A clone reads on from where it was taken.
    let mut again = from_here;
    assert_eq!(again.read::<String>().unwrap(), "héllo");
}

#[test]
fn a_reader_errors_on_truncation() {
    let mut bytes = Vec::new();
    encode_value_into(&(70_000u32, "abc"), &mut bytes).unwrap();
    for len in 0..bytes.len() {
        let mut reader = Reader::new(&bytes[..len]);
        let result = reader.read::<u32>().and_then(|_| reader.read::<String>());
        let e = malformed(result);
        assert!(
            matches!(e, DecodeError::UnexpectedEnd { .. }),
            "cut to {len}: {e:?}"
        );
    }
    // Bytes past a server message's limit are refused outright.
    let huge = vec![0u8; MAX_SERVER_MSG_BYTES + 1];
    assert!(matches!(
        Reader::new(&huge).read::<u8>(),
        Err(CodecError::TooLarge {
            max: MAX_SERVER_MSG_BYTES,
            ..
        })
    ));
}

#[test]
fn decode_payload_uses_every_byte() {
    let payload = encode_payload(&(7u8, "ab")).unwrap();
    assert_eq!(payload.0, [7, 2, b'a', b'b']);
    assert_eq!(
        decode_payload::<(u8, String)>(&payload.0).unwrap(),
        (7, "ab".into())
    );
    let mut longer = payload.0.clone();
    longer.extend_from_slice(&[0, 0]);
    assert!(matches!(
        decode_payload::<(u8, String)>(&longer),
        Err(CodecError::TrailingBytes {
            used: 4,
            trailing: 2
        })
    ));
    let e = malformed(decode_payload::<(u8, String)>(&payload.0[..3]));
    assert!(matches!(e, DecodeError::UnexpectedEnd { .. }), "{e:?}");
    let huge = vec![0u8; MAX_SERVER_MSG_BYTES + 1];
    assert!(matches!(
        decode_payload::<Payload>(&huge),
        Err(CodecError::TooLarge { .. })
    ));
}
