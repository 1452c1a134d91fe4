//! Refuses unmasked client frames, which RFC 6455 §5.1 requires of a
//! server and fastwebsockets 0.10 does not do (it unmasks a masked frame but
//! silently accepts an unmasked one, and does not expose the mask bit).
//!
//! [`MaskCheck`] wraps the server's byte stream and follows the frame
//! boundaries in the bytes as they are read: it parses each frame header,
//! skips the payload, and fails the read with [`UNMASKED`] at the first
//! header whose mask bit is clear. It copies nothing and allocates nothing.
//! Following the boundaries, it also knows how many whole frames the bytes
//! read so far hold ([`Progress`]): when the reader above has returned that
//! many, it holds no unread bytes.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, ReadBuf};

/// The error message a read fails with on an unmasked frame.
pub const UNMASKED: &str = "unmasked client frame";

/// Where the parser is in the frame stream.
#[derive(Debug, Clone, Copy)]
enum State {
    /// Collecting a header: `have` bytes of it seen, `need` in total (known
    /// once the first two bytes are in).
    Header { head: [u8; 10], have: usize },
    /// Skipping this many payload and masking-key bytes.
    Skip(u64),
}

/// What the bytes read so far hold, shared with whoever reads frames
/// through a [`MaskCheck`] (which owns it, out of reach, once wrapped).
#[derive(Debug)]
pub struct Progress {
    frames: AtomicU64,
    between_frames: AtomicBool,
}

impl Default for Progress {
    fn default() -> Self {
        Self {
            frames: AtomicU64::new(0),
            between_frames: AtomicBool::new(true),
        }
    }
}

impl Progress {
    /// Whether the bytes read so far are exactly `frames` whole frames.
    pub fn is_exactly(&self, frames: u64) -> bool {
        self.between_frames.load(Ordering::Relaxed) && self.frames.load(Ordering::Relaxed) == frames
    }
}

/// See the module docs.
pub struct MaskCheck<S> {
    inner: S,
    state: State,
    progress: Arc<Progress>,
}

impl<S> MaskCheck<S> {
    pub fn new(inner: S) -> Self {
        Self::with_progress(inner, Arc::default())
    }

    /// Checks `inner` from a frame boundary on, counting in `progress`.
    pub fn with_progress(inner: S, progress: Arc<Progress>) -> Self {
        Self {
            inner,
            state: State::Header {
                head: [0; 10],
                have: 0,
            },
            progress,
        }
    }

    /// Follows `bytes` through the frame stream; fails on an unmasked frame.
    fn scan(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            match &mut self.state {
                State::Skip(n) => {
                    let take = (*n).min(bytes.len() as u64);
                    *n -= take;
                    bytes = &bytes[take as usize..];
                    if *n == 0 {
                        self.state = State::Header {
                            head: [0; 10],
                            have: 0,
                        };
                        self.progress.frames.fetch_add(1, Ordering::Relaxed);
                    }
                }
                State::Header { head, have } => {
                    head[*have] = bytes[0];
                    *have += 1;
                    bytes = &bytes[1..];
                    if *have == 2 && head[1] & 0x80 == 0 {
                        return Err(io::Error::new(io::ErrorKind::InvalidData, UNMASKED));
                    }
                    let ext = match head[1] & 0x7f {
                        126 => 2,
                        127 => 8,
                        _ => 0,
                    };
                    if *have >= 2 && *have == 2 + ext {
                        let len = match ext {
                            0 => u64::from(head[1] & 0x7f),
                            2 => u64::from(u16::from_be_bytes([head[2], head[3]])),
                            _ => u64::from_be_bytes([
                                head[2], head[3], head[4], head[5], head[6], head[7], head[8],
                                head[9],
                            ]),
                        };
                        // The 4-byte masking key, then the payload.
                        self.state = State::Skip(len.saturating_add(4));
                    }
                }
            }
        }
        let between = matches!(self.state, State::Header { have: 0, .. });
        self.progress
            .between_frames
            .store(between, Ordering::Relaxed);
        Ok(())
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for MaskCheck<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => Poll::Ready(this.scan(&buf.filled()[before..])),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(masked: bool, len: usize) -> Vec<u8> {
        let mut f = vec![0x82];
        let m = if masked { 0x80 } else { 0 };
        match len {
            0..=125 => f.push(m | len as u8),
            126..=65535 => {
                f.push(m | 126);
                f.extend_from_slice(&(len as u16).to_be_bytes());
            }
            _ => {
                f.push(m | 127);
                f.extend_from_slice(&(len as u64).to_be_bytes());
            }
        }
        if masked {
            f.extend_from_slice(&[1, 2, 3, 4]);
        }
        f.extend(std::iter::repeat_n(0xAB, len));
        f
    }

    fn scan_in_pieces(bytes: &[u8], piece: usize) -> io::Result<()> {
        let mut check = MaskCheck::new(());
        bytes.chunks(piece).try_for_each(|c| check.scan(c))
    }

    #[test]
    fn masked_frames_of_every_length_form_pass_in_any_split() {
        let mut stream = Vec::new();
        for len in [0, 5, 125, 126, 300, 65535, 65536, 70000] {
            stream.extend(frame(true, len));
        }
        for piece in [1, 2, 3, 7, 64, 4096, stream.len()] {
            scan_in_pieces(&stream, piece).unwrap();
        }
    }

    #[test]
    fn an_unmasked_frame_after_masked_ones_is_refused() {
        for len in [0, 10, 200, 70000] {
            let mut stream = frame(true, 130);
            stream.extend(frame(false, len));
            for piece in [1, 5, 4096] {
                let err = scan_in_pieces(&stream, piece).unwrap_err();
                assert_eq!(err.to_string(), UNMASKED);
            }
        }
    }

    #[test]
    fn progress_counts_whole_frames_only() {
        let mut stream = frame(true, 5);
        stream.extend(frame(true, 300));
        let first = frame(true, 5).len();
        let progress = Arc::new(Progress::default());
        let mut check = MaskCheck::with_progress((), progress.clone());
        assert!(progress.is_exactly(0));
        check.scan(&stream[..3]).unwrap();
        assert!(!progress.is_exactly(0) && !progress.is_exactly(1));
        check.scan(&stream[3..first]).unwrap();
        assert!(progress.is_exactly(1));
        check.scan(&stream[first..stream.len() - 1]).unwrap();
        assert!(!progress.is_exactly(1) && !progress.is_exactly(2));
        check.scan(&stream[stream.len() - 1..]).unwrap();
        assert!(progress.is_exactly(2));
    }
}
