//! The codec: the only module that knows the bytes are bincode. Swapping the
//! wire format means changing this file (and `docs/PROTOCOL.md`), nothing
//! else.
//!
//! Format: bincode 2 `config::standard()`: little-endian, variable-length
//! integers, enum variants as a varint index, fields in declaration order.
//! Every decode runs with a byte limit, so a few hostile bytes cannot declare
//! a huge length and make the decoder allocate it, and a message must use all
//! of its bytes: trailing bytes are an error, not ignored.

use bincode::config::{self, Configuration, Limit, LittleEndian, Varint};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::msg::{ClientMsg, Payload, ServerMsg};
use crate::snapshot::Snapshot;

/// The largest `ClientMsg` in bytes. Default: 1024 (1 KiB). The biggest
/// legitimate client message is a `Hello` carrying a session token (up to
/// [`crate::MAX_TOKEN_BYTES`], 900: an RS256 JWT); in play, a full `Inputs`
/// batch of arena's inputs (8 of about 28 bytes: 234). 1 KiB leaves room
/// for a game's larger payloads while keeping a hostile client's cost per
/// message tiny. The server sets its WebSocket message cap from this.
pub const MAX_CLIENT_MSG_BYTES: usize = 1024;

/// The largest `ServerMsg` in bytes a client will decode. Default: 256 KiB,
/// enough for a full snapshot of a 256-player lobby in a firefight (256
/// players and about 1,400 projectiles in flight: about 40 KiB) six times
/// over.
pub const MAX_SERVER_MSG_BYTES: usize = 256 * 1024;

/// How many bytes of bincode's decode budget one wire byte can claim at most.
/// bincode's `with_limit` counts the in-memory size of each value it decodes
/// (a one-byte varint `u64` claims 8), not wire bytes, so a budget equal to
/// the wire limit would refuse honest messages below it (a 504-byte `Hello`
/// claims 514). No value claims more than 8 bytes per wire byte, so with this
/// budget every message within the wire limit, which is checked on its own
/// first, decodes; the budget still caps what a hostile declared length can
/// make the decoder allocate, at 8x the wire limit.
const CLAIM_PER_WIRE_BYTE: usize = 8;

type LimitedConfig<const N: usize> = Configuration<LittleEndian, Varint, Limit<N>>;

fn limited<const N: usize>() -> LimitedConfig<N> {
    config::standard().with_limit::<N>()
}

/// Why bytes could not become a message, or a message bytes.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// The input is longer than the limit for its direction.
    #[error("message of {len} bytes exceeds the {max}-byte limit")]
    TooLarge { len: usize, max: usize },
    /// The bytes are not a valid message: truncated, an unknown variant
    /// tag, an invalid varint, a length beyond the limit, bad UTF-8 ...
    #[error("malformed message: {0}")]
    Malformed(#[from] bincode::error::DecodeError),
    /// The bytes decoded but mean nothing valid (an unknown record tag, an
    /// entity kind out of range).
    #[error("invalid message: {0}")]
    Invalid(&'static str),
    /// A whole message decoded but bytes were left over.
    #[error("{trailing} trailing bytes after a {used}-byte message")]
    TrailingBytes { used: usize, trailing: usize },
    /// bincode refused to encode the value (not expected for these types;
    /// a message over the limit is [`CodecError::TooLarge`]).
    #[error("cannot encode message: {0}")]
    Encode(#[from] bincode::error::EncodeError),
}

fn decode<T: DeserializeOwned, const N: usize, const BUDGET: usize>(
    bytes: &[u8],
) -> Result<T, CodecError> {
    if bytes.len() > N {
        return Err(CodecError::TooLarge {
            len: bytes.len(),
            max: N,
        });
    }
    let (msg, used) = bincode::serde::decode_from_slice(bytes, limited::<BUDGET>())?;
    if used != bytes.len() {
        return Err(CodecError::TrailingBytes {
            used,
            trailing: bytes.len() - used,
        });
    }
    Ok(msg)
}

fn encode_into<T: Serialize, const N: usize>(msg: &T, out: &mut Vec<u8>) -> Result<(), CodecError> {
    let start = out.len();
    bincode::serde::encode_into_std_write(msg, out, config::standard())?;
    let len = out.len() - start;
    if len > N {
        out.truncate(start);
        return Err(CodecError::TooLarge { len, max: N });
    }
    Ok(())
}

/// Decodes one client message; the server's side of the wire.
pub fn decode_client(bytes: &[u8]) -> Result<ClientMsg, CodecError> {
    decode::<ClientMsg, MAX_CLIENT_MSG_BYTES, { MAX_CLIENT_MSG_BYTES * CLAIM_PER_WIRE_BYTE }>(bytes)
}

/// Decodes one server message; a client's side of the wire.
pub fn decode_server(bytes: &[u8]) -> Result<ServerMsg, CodecError> {
    decode::<ServerMsg, MAX_SERVER_MSG_BYTES, { MAX_SERVER_MSG_BYTES * CLAIM_PER_WIRE_BYTE }>(bytes)
}

/// Encodes a client message into a new buffer.
pub fn encode_client(msg: &ClientMsg) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::with_capacity(32);
    encode_client_into(msg, &mut out)?;
    Ok(out)
}

/// Appends a client message to `out`, so a caller can reuse one buffer.
pub fn encode_client_into(msg: &ClientMsg, out: &mut Vec<u8>) -> Result<(), CodecError> {
    encode_into::<ClientMsg, MAX_CLIENT_MSG_BYTES>(msg, out)
}

/// Encodes a server message into a new buffer.
pub fn encode_server(msg: &ServerMsg) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::with_capacity(128);
    encode_server_into(msg, &mut out)?;
    Ok(out)
}

/// Appends a server message to `out`, so a caller can reuse one buffer.
pub fn encode_server_into(msg: &ServerMsg, out: &mut Vec<u8>) -> Result<(), CodecError> {
    encode_into::<ServerMsg, MAX_SERVER_MSG_BYTES>(msg, out)
}

/// Appends one value in the wire encoding: how snapshot records and a
/// game's fields and payloads are written.
pub fn encode_value_into<T: Serialize + ?Sized>(
    value: &T,
    out: &mut Vec<u8>,
) -> Result<(), CodecError> {
    bincode::serde::encode_into_std_write(value, out, config::standard())?;
    Ok(())
}

/// Encodes a game's value (an input, a message, an event, a join info) as
/// the payload the envelope carries.
pub fn encode_payload<T: Serialize + ?Sized>(value: &T) -> Result<Payload, CodecError> {
    let mut out = Vec::new();
    encode_value_into(value, &mut out)?;
    Ok(Payload(out))
}

/// Decodes a game's payload, with the rules of the envelope: within the
/// server message limit, and every byte used.
pub fn decode_payload<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
    decode::<T, MAX_SERVER_MSG_BYTES, { MAX_SERVER_MSG_BYTES * CLAIM_PER_WIRE_BYTE }>(bytes)
}

/// Reads values one after another from a run of bytes: how a client reads
/// a snapshot's records and the game's fields inside them. Each read runs
/// with the server message's decode budget, so a hostile length cannot
/// make it allocate more than that budget allows.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes }
    }

    /// Reads the next value.
    pub fn read<T: DeserializeOwned>(&mut self) -> Result<T, CodecError> {
        if self.bytes.len() > MAX_SERVER_MSG_BYTES {
            return Err(CodecError::TooLarge {
                len: self.bytes.len(),
                max: MAX_SERVER_MSG_BYTES,
            });
        }
        let (value, used) = bincode::serde::decode_from_slice(
            self.bytes,
            limited::<{ MAX_SERVER_MSG_BYTES * CLAIM_PER_WIRE_BYTE }>(),
        )?;
        self.bytes = &self.bytes[used..];
        Ok(value)
    }

    /// Whether every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.bytes.len()
    }
}

/// Appends a `ServerMsg::Snapshot` whose records were written back to back
/// (by `snapshot::write_record` and the game's fields) and are passed as
/// `parts`, in order, `len` bytes in all. The bytes are exactly those of
/// [`encode_server_into`] on the whole message (the records are a length,
/// then the bytes), so clients decode it like any other message.
pub fn encode_snapshot_into<'a>(
    tick: u32,
    baseline_age: u8,
    input_seq_advance: u32,
    len: usize,
    parts: impl IntoIterator<Item = &'a [u8]>,
    out: &mut Vec<u8>,
) -> Result<(), CodecError> {
    let start = out.len();
    let header = ServerMsg::Snapshot(Snapshot {
        tick,
        baseline_age,
        input_seq_advance,
        records: Payload::default(),
    });
    bincode::serde::encode_into_std_write(&header, out, config::standard())?;
    // The header ends with the empty records' length, a one-byte 0: replace it.
    out.pop();
    bincode::serde::encode_into_std_write(len as u64, out, config::standard())?;
    let body = out.len();
    for part in parts {
        out.extend_from_slice(part);
    }
    if out.len() - body != len {
        out.truncate(start);
        return Err(CodecError::Invalid(
            "snapshot parts differ from their stated length",
        ));
    }
    let total = out.len() - start;
    if total > MAX_SERVER_MSG_BYTES {
        out.truncate(start);
        return Err(CodecError::TooLarge {
            len: total,
            max: MAX_SERVER_MSG_BYTES,
        });
    }
    Ok(())
}
