//! One relay connection: a non-blocking, `TCP_NODELAY` loopback stream (the
//! server sets nodelay on every accepted socket too) and the bytes it
//! still owes its peer. A tick costs one `read` and one `write` per
//! connection, the least any relay could do.
//!
//! Messages are runs of zero bytes of a fixed length; the receiver counts
//! bytes, so only the stream's length matters. A message the socket cannot
//! take is not queued behind another: as with the server's snapshot slot,
//! at most one whole message waits, and a newer one replaces it (counted).

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::os::fd::{AsFd, BorrowedFd};

use serde::Serialize;

/// Largest frame or input the relay sends, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// Size of the buffer one `read` fills. Default: 64 KiB, enough for a
/// whole tick's worth of input in one call.
pub const READ_BUFFER_BYTES: usize = 64 * 1024;

/// What the connections of one process did, summed.
#[derive(Debug, Default, Serialize)]
pub struct Counters {
    pub bytes_read: u64,
    pub bytes_written: u64,
    pub reads: u64,
    pub writes: u64,
    /// Writes that the socket refused whole (buffer full).
    pub writes_blocked: u64,
    /// Messages not sent because a whole older one was still waiting.
    pub messages_replaced: u64,
    /// Connections that ended (end of stream or an error).
    pub closed: u64,
}

pub struct Link {
    stream: TcpStream,
    /// Bytes queued but not yet written: the tail of a message a short
    /// write cut, plus at most one whole message.
    owed: usize,
    open: bool,
}

impl Link {
    pub fn new(stream: TcpStream) -> std::io::Result<Link> {
        stream.set_nodelay(true)?;
        stream.set_nonblocking(true)?;
        Ok(Link {
            stream,
            owed: 0,
            open: true,
        })
    }

    pub fn is_open(&self) -> bool {
        self.open
    }

    /// Reads whatever has arrived: one `read`, more only if it filled `buf`.
    pub fn drain(&mut self, buf: &mut [u8], c: &mut Counters) {
        self.read(buf, c, false);
    }

    /// Reads until the end of stream (or an error, or nothing to read), for
    /// a connection whose peer has hung up: its last bytes and its end may
    /// arrive together, and an edge-triggered wait reports them only once,
    /// so a short read must not end the draining.
    pub fn drain_to_end(&mut self, buf: &mut [u8], c: &mut Counters) {
        self.read(buf, c, true);
    }

    fn read(&mut self, buf: &mut [u8], c: &mut Counters, to_end: bool) {
        while self.open {
            c.reads += 1;
            match self.stream.read(buf) {
                Ok(0) => self.close(c),
                Ok(n) => {
                    c.bytes_read += n as u64;
                    if n < buf.len() && !to_end {
                        return;
                    }
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(_) => self.close(c),
            }
        }
    }

    /// Queues one message of `len` bytes and writes what is owed in one
    /// `write`. `zeros` must hold at least `2 * len` bytes.
    pub fn send(&mut self, len: usize, zeros: &[u8], c: &mut Counters) {
        if !self.open {
            return;
        }
        let (owed, replaced) = queue(self.owed, len);
        self.owed = owed;
        c.messages_replaced += u64::from(replaced);
        c.writes += 1;
        match self.stream.write(&zeros[..self.owed]) {
            Ok(n) => {
                self.owed -= n;
                c.bytes_written += n as u64;
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::Interrupted => {
                c.writes_blocked += 1;
            }
            Err(_) => self.close(c),
        }
    }

    fn close(&mut self, c: &mut Counters) {
        if self.open {
            self.open = false;
            c.closed += 1;
            let _ = self.stream.shutdown(std::net::Shutdown::Both);
        }
    }
}

/// The socket, to register it for readiness.
impl AsFd for Link {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.stream.as_fd()
    }
}

/// Adds a message of `len` bytes to `owed` unless a whole one is already
/// waiting (latest wins; the stream stays aligned on message boundaries).
/// Returns the new owed count and whether the message was replaced.
pub fn queue(owed: usize, len: usize) -> (usize, bool) {
    if owed >= len {
        (owed, true)
    } else {
        (owed + len, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_added_to_a_partial_tail() {
        assert_eq!(queue(0, 32), (32, false));
        assert_eq!(queue(31, 32), (63, false));
    }

    #[test]
    fn a_whole_waiting_message_is_not_queued_behind() {
        assert_eq!(queue(32, 32), (32, true));
        assert_eq!(queue(40, 32), (40, true));
    }

    #[test]
    fn links_relay_bytes_over_loopback() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        let (mut a, mut b) = (Link::new(server).unwrap(), Link::new(client).unwrap());
        let (mut ca, mut cb) = (Counters::default(), Counters::default());
        let zeros = [0u8; 64];
        a.send(32, &zeros, &mut ca);
        a.send(32, &zeros, &mut ca);
        drop(a);
        let mut buf = [0u8; 16];
        while b.is_open() {
            b.drain(&mut buf, &mut cb);
        }
        assert_eq!((ca.bytes_written, cb.bytes_read, cb.closed), (64, 64, 1));
    }
}
