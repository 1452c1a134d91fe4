//! Reassembles WebSocket frames into messages, enforcing the two rules
//! fastwebsockets leaves to us: only binary messages are accepted, and the
//! *total* size of a message is capped, not just each frame's (a client
//! could otherwise send endless small continuation frames).

use std::borrow::Cow;

use fastwebsockets::OpCode;

/// Why a sequence of frames is not an acceptable message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AssembleError {
    #[error("text frames are not accepted; the protocol is binary")]
    Text,
    #[error("message exceeds {0} bytes")]
    TooBig(usize),
    #[error("continuation frame without a message to continue")]
    StrayContinuation,
    #[error("new message started before the previous one finished")]
    Interleaved,
}

/// What one data frame contributed.
#[derive(Debug, PartialEq, Eq)]
pub enum Assembled<'a> {
    /// Part of a fragmented message; more frames follow.
    Partial,
    /// A whole message. Unfragmented messages are borrowed, not copied.
    Complete(Cow<'a, [u8]>),
}

/// See the module docs. Holds at most `max` bytes.
pub struct Assembler {
    max: usize,
    partial: Option<Vec<u8>>,
}

impl Assembler {
    pub fn new(max: usize) -> Self {
        Self { max, partial: None }
    }

    /// Feeds one data frame (text, binary or continuation). Control frames
    /// must not be passed here; they may arrive between fragments.
    pub fn push<'a>(
        &mut self,
        opcode: OpCode,
        fin: bool,
        payload: &'a [u8],
    ) -> Result<Assembled<'a>, AssembleError> {
        match opcode {
            OpCode::Text => Err(AssembleError::Text),
            OpCode::Binary if self.partial.is_some() => Err(AssembleError::Interleaved),
            OpCode::Binary | OpCode::Continuation if payload.len() > self.max => {
                Err(AssembleError::TooBig(self.max))
            }
            OpCode::Binary if fin => Ok(Assembled::Complete(Cow::Borrowed(payload))),
            OpCode::Binary => {
                self.partial = Some(payload.to_vec());
                Ok(Assembled::Partial)
            }
            OpCode::Continuation => {
                let buf = self
                    .partial
                    .as_mut()
                    .ok_or(AssembleError::StrayContinuation)?;
                if buf.len() + payload.len() > self.max {
                    return Err(AssembleError::TooBig(self.max));
                }
                buf.extend_from_slice(payload);
                if fin {
                    Ok(Assembled::Complete(Cow::Owned(
                        self.partial.take().unwrap_or_default(),
                    )))
                } else {
                    Ok(Assembled::Partial)
                }
            }
            OpCode::Close | OpCode::Ping | OpCode::Pong => Ok(Assembled::Partial),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_binary_message_is_borrowed() {
        let mut a = Assembler::new(8);
        assert_eq!(
            a.push(OpCode::Binary, true, b"abc"),
            Ok(Assembled::Complete(Cow::Borrowed(&b"abc"[..])))
        );
    }

    #[test]
    fn fragments_join_up_to_the_cap() {
        let mut a = Assembler::new(8);
        assert_eq!(
            a.push(OpCode::Binary, false, b"abc"),
            Ok(Assembled::Partial)
        );
        assert_eq!(
            a.push(OpCode::Continuation, false, b"de"),
            Ok(Assembled::Partial)
        );
        assert_eq!(
            a.push(OpCode::Continuation, true, b"fgh"),
            Ok(Assembled::Complete(Cow::Owned(b"abcdefgh".to_vec())))
        );
    }

    #[test]
    fn total_size_is_capped_across_fragments() {
        let mut a = Assembler::new(8);
        a.push(OpCode::Binary, false, b"abcde").unwrap();
        assert_eq!(
            a.push(OpCode::Continuation, false, b"fghij"),
            Err(AssembleError::TooBig(8))
        );
    }

    #[test]
    fn text_and_bad_sequences_are_refused() {
        let mut a = Assembler::new(8);
        assert_eq!(a.push(OpCode::Text, true, b"hi"), Err(AssembleError::Text));
        assert_eq!(
            a.push(OpCode::Continuation, true, b"x"),
            Err(AssembleError::StrayContinuation)
        );
        a.push(OpCode::Binary, false, b"x").unwrap();
        assert_eq!(
            a.push(OpCode::Binary, true, b"y"),
            Err(AssembleError::Interleaved)
        );
    }
}
