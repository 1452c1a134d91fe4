//! The bytes of outbound frames, and writing them without waiting.
//!
//! A server frame is a WebSocket header (built by fastwebsockets'
//! `Frame::fmt_head`, unmasked as RFC 6455 requires of a server) and its
//! payload, written with one vectored, non-blocking `writev`: the payload is
//! never copied to put a header in front of it. Whoever queues a frame on an
//! idle outbox writes it at once ([`Outbox`](super::Outbox)), so a lobby
//! feeding its clients costs one system call per client and wakes no task;
//! only when the kernel's send buffer is full does the rest wait here, as a
//! [`Pending`] frame, for the connection's writer task.

use std::io::{self, IoSlice};

use super::OutFrame;
use crate::sock::WriteHalf;
use bytes::Bytes;
use fastwebsockets::{Frame, OpCode, Payload};

/// The longest header a server frame has: 2 bytes, plus 8 of extended length.
const MAX_HEAD: usize = 10;

/// What a frame is, for the metrics and the writer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A binary or text message: counted in `frames_out` and `bytes_out`.
    Data,
    /// A ping or a pong.
    Control,
    /// The close frame: the last one written.
    Close,
}

/// A frame's header, built once.
#[derive(Debug, Clone, Copy)]
pub struct Head {
    bytes: [u8; MAX_HEAD],
    len: u8,
}

impl Head {
    pub fn new(opcode: OpCode, payload: &[u8]) -> Self {
        let mut bytes = [0; MAX_HEAD];
        let len = Frame::new(true, opcode, None, Payload::Borrowed(payload)).fmt_head(&mut bytes);
        Self {
            bytes,
            len: len as u8,
        }
    }

    fn as_slice(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// The header after its first byte: the length field.
    #[cfg(test)]
    pub fn len_bytes(&self) -> Vec<u8> {
        self.as_slice()[1..].to_vec()
    }
}

/// A frame on its way out: header, payload, and how much of them the
/// kernel has taken.
#[derive(Debug)]
pub struct Pending {
    head: Head,
    payload: Bytes,
    written: usize,
    pub kind: Kind,
}

impl Pending {
    /// The frame for a queued [`OutFrame`].
    pub fn new(frame: OutFrame) -> Self {
        let (opcode, payload, kind) = match frame {
            OutFrame::Message(b) => (OpCode::Binary, b, Kind::Data),
            OutFrame::Text(b) => (OpCode::Text, b, Kind::Data),
            OutFrame::Ping(b) => (OpCode::Ping, b, Kind::Control),
            OutFrame::Pong(b) => (OpCode::Pong, b, Kind::Control),
            OutFrame::Close { code, reason } => {
                let mut body = Vec::with_capacity(2 + reason.len());
                body.extend_from_slice(&code.to_be_bytes());
                body.extend_from_slice(reason.as_bytes());
                (OpCode::Close, Bytes::from(body), Kind::Close)
            }
        };
        Self {
            head: Head::new(opcode, &payload),
            payload,
            written: 0,
            kind,
        }
    }

    /// The rest of a frame that was written in part from borrowed bytes.
    pub fn rest_of(head: Head, payload: &[u8], written: usize, kind: Kind) -> Self {
        Self {
            head,
            payload: Bytes::copy_from_slice(payload),
            written,
            kind,
        }
    }

    /// Payload bytes: what the metrics count.
    pub fn payload_len(&self) -> usize {
        self.payload.len()
    }

    /// Writes what the socket takes now. True once the whole frame is out.
    pub fn write(&mut self, sock: &WriteHalf) -> io::Result<bool> {
        self.written += write_some(sock, &self.head, &self.payload, self.written)?;
        Ok(complete(&self.head, &self.payload, self.written))
    }
}

/// Writes as much of `head` + `payload`, from offset `written`, as the
/// socket takes without blocking, in one `writev`. Returns the bytes taken;
/// `WouldBlock` when the send buffer is full.
pub fn write_some(
    sock: &WriteHalf,
    head: &Head,
    payload: &[u8],
    written: usize,
) -> io::Result<usize> {
    let head = head.as_slice();
    let n = if written < head.len() {
        sock.try_write_vectored(&[IoSlice::new(&head[written..]), IoSlice::new(payload)])?
    } else {
        sock.try_write(&payload[written - head.len()..])?
    };
    if n == 0 {
        return Err(io::ErrorKind::WriteZero.into());
    }
    Ok(n)
}

/// Whether `written` bytes complete a frame of `head` and `payload`.
pub fn complete(head: &Head, payload: &[u8], written: usize) -> bool {
    written == usize::from(head.len) + payload.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_match_rfc_6455() {
        assert_eq!(Head::new(OpCode::Binary, &[0; 5]).as_slice(), [0x82, 5]);
        assert_eq!(
            Head::new(OpCode::Binary, &[0; 300]).as_slice(),
            [0x82, 126, 0x01, 0x2c]
        );
        let big = vec![0; 70_000];
        assert_eq!(
            Head::new(OpCode::Text, &big).as_slice(),
            [0x81, 127, 0, 0, 0, 0, 0, 0x01, 0x11, 0x70]
        );
    }

    #[test]
    fn close_frames_carry_code_and_reason() {
        let p = Pending::new(OutFrame::Close {
            code: 1008,
            reason: "slow",
        });
        assert_eq!(p.kind, Kind::Close);
        assert_eq!(p.head.as_slice(), [0x88, 6]);
        assert_eq!(&p.payload[..], b"\x03\xf0slow");
    }
}
