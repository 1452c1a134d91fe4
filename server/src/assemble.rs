//! Reassembles WebSocket frames into messages, enforcing the rule
//! fastwebsockets leaves to us: the *total* size of a message is capped,
//! not just each frame's (a client could otherwise send endless small
//! continuation frames). Whether text is acceptable at all is the caller's
//! decision; text that is accepted is checked for UTF-8 as each fragment
//! arrives, so a bad message fails at its first bad byte instead of after
//! its last frame (fastwebsockets only checks unfragmented text).

use std::borrow::Cow;

use fastwebsockets::OpCode;

/// Why a sequence of frames is not an acceptable message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AssembleError {
    #[error("message exceeds {0} bytes")]
    TooBig(usize),
    #[error("continuation frame without a message to continue")]
    StrayContinuation,
    #[error("new message started before the previous one finished")]
    Interleaved,
    #[error("text message is not valid UTF-8")]
    InvalidUtf8,
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
    /// Text or Binary: the opcode of the message being (or last) assembled.
    kind: OpCode,
    /// How many leading bytes of a partial text message are known to be
    /// whole, valid UTF-8 characters; only the rest is checked next time.
    checked: usize,
}

impl Assembler {
    pub fn new(max: usize) -> Self {
        Self {
            max,
            partial: None,
            kind: OpCode::Binary,
            checked: 0,
        }
    }

    /// Whether the last completed message was text or binary.
    pub fn completed_kind(&self) -> OpCode {
        self.kind
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
            OpCode::Binary | OpCode::Text if self.partial.is_some() => {
                Err(AssembleError::Interleaved)
            }
            OpCode::Binary | OpCode::Text | OpCode::Continuation if payload.len() > self.max => {
                Err(AssembleError::TooBig(self.max))
            }
            OpCode::Binary | OpCode::Text if fin => {
                self.kind = opcode;
                Ok(Assembled::Complete(Cow::Borrowed(payload)))
            }
            OpCode::Binary | OpCode::Text => {
                self.kind = opcode;
                self.checked = 0;
                if opcode == OpCode::Text {
                    check_utf8(payload, &mut self.checked, false)?;
                }
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
                if self.kind == OpCode::Text
                    && let Err(e) = check_utf8(buf, &mut self.checked, fin)
                {
                    self.partial = None;
                    return Err(e);
                }
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

/// Checks `buf[*checked..]` and moves `checked` past its whole characters.
/// A character cut off at the end is fine until the message's last frame.
fn check_utf8(buf: &[u8], checked: &mut usize, fin: bool) -> Result<(), AssembleError> {
    match std::str::from_utf8(&buf[*checked..]) {
        Ok(_) => {
            *checked = buf.len();
            Ok(())
        }
        // `error_len() == None`: the bytes end inside a character that may
        // yet be valid.
        Err(e) if e.error_len().is_none() && !fin => {
            *checked += e.valid_up_to();
            Ok(())
        }
        Err(_) => Err(AssembleError::InvalidUtf8),
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
    fn text_is_assembled_and_its_kind_remembered() {
        let mut a = Assembler::new(8);
        a.push(OpCode::Text, false, b"h").unwrap();
        assert_eq!(
            a.push(OpCode::Continuation, true, b"i"),
            Ok(Assembled::Complete(Cow::Owned(b"hi".to_vec())))
        );
        assert_eq!(a.completed_kind(), OpCode::Text);
        a.push(OpCode::Binary, true, b"x").unwrap();
        assert_eq!(a.completed_kind(), OpCode::Binary);
    }

    #[test]
    fn a_character_split_across_fragments_is_accepted() {
        let mut a = Assembler::new(16);
        let euro = "€".as_bytes();
        a.push(OpCode::Text, false, &euro[..1]).unwrap();
        a.push(OpCode::Continuation, false, &euro[1..2]).unwrap();
        assert_eq!(
            a.push(OpCode::Continuation, true, &euro[2..]),
            Ok(Assembled::Complete(Cow::Owned(euro.to_vec())))
        );
    }

    #[test]
    fn invalid_utf8_fails_at_the_first_bad_fragment() {
        let mut a = Assembler::new(64);
        // 0xF4 0x90 starts a code point above U+10FFFF: wrong at once,
        // although the message is not finished.
        assert_eq!(
            a.push(OpCode::Text, false, b"ok \xF4"),
            Ok(Assembled::Partial)
        );
        assert_eq!(
            a.push(OpCode::Continuation, false, b"\x90"),
            Err(AssembleError::InvalidUtf8)
        );
        assert_eq!(
            a.push(OpCode::Text, false, b"\xC0"),
            Err(AssembleError::InvalidUtf8)
        );
    }

    #[test]
    fn a_text_message_may_not_end_inside_a_character() {
        let mut a = Assembler::new(64);
        a.push(OpCode::Text, false, b"ok").unwrap();
        assert_eq!(
            a.push(OpCode::Continuation, true, &"€".as_bytes()[..2]),
            Err(AssembleError::InvalidUtf8)
        );
        // Binary messages are not checked.
        a.push(OpCode::Binary, false, b"\xFF").unwrap();
        assert!(a.push(OpCode::Continuation, true, b"\xC0").is_ok());
    }

    #[test]
    fn bad_sequences_are_refused() {
        let mut a = Assembler::new(8);
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
