//! A TLS connection after the WebSocket upgrade, as a socket: the same
//! non-blocking `try_write` / `writable` / `poll_read` / peek-like
//! readiness calls that the outbox and the frame source make on a TCP
//! socket, over tokio's `TcpStream` (whose calls take `&self`) and the
//! rustls `ServerConnection` behind one lock, shared by the read and write
//! halves.
//!
//! Writes never wait: TLS records rustls could not hand to the kernel wait
//! in rustls (at most [`TLS_SEND_BUFFER`] bytes past a write), and
//! [`TlsSock::pending`] tells the outbox there is more to flush even when
//! no frame is queued. A write first flushes those records, and takes new
//! plaintext only once they are out, so a full send buffer gives
//! `WouldBlock` just as a full kernel buffer does. Reads hand rustls only
//! what its own bounded buffer asks for, and only once the plaintext it
//! held is read, so it never holds more than one record's worth.

use std::io::{self, IoSlice, Read, Write};
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll};

use rustls::ServerConnection;
use tokio::io::ReadBuf;
use tokio::net::TcpStream;

/// Plaintext rustls accepts into encrypted, unsent records past what the
/// kernel took. Default: 64 KiB, a few snapshots: more would only queue
/// stale state, and a frame larger than this is taken in parts.
pub const TLS_SEND_BUFFER: usize = 64 * 1024;

/// See the module docs.
pub struct TlsSock {
    tcp: TcpStream,
    conn: Mutex<ServerConnection>,
}

/// `write_tls`'s sink: the kernel, without waiting.
struct Kernel<'a>(&'a TcpStream);

impl Write for Kernel<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.try_write(buf)
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.0.try_write_vectored(bufs)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// `read_tls`'s source: the kernel, without waiting.
struct KernelRead<'a>(&'a TcpStream);

impl Read for KernelRead<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.try_read(buf)
    }
}

impl TlsSock {
    pub fn new(tcp: TcpStream, mut conn: ServerConnection) -> Self {
        conn.set_buffer_limit(Some(TLS_SEND_BUFFER));
        Self {
            tcp,
            conn: Mutex::new(conn),
        }
    }

    fn lock(&self) -> MutexGuard<'_, ServerConnection> {
        // rustls state is only changed inside its own calls; a panic in
        // one of them is a bug whatever the lock says.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Hands queued TLS records to the kernel until they are all out (Ok)
    /// or it takes no more (`WouldBlock`).
    fn send_records(&self, conn: &mut ServerConnection) -> io::Result<()> {
        while conn.wants_write() {
            if conn.write_tls(&mut Kernel(&self.tcp))? == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
        }
        Ok(())
    }

    /// Encrypts as much of `bufs` as fits and sends what the kernel takes;
    /// `WouldBlock` while earlier records are still unsent.
    pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        let mut conn = self.lock();
        self.send_records(&mut conn)?;
        let n = conn.writer().write_vectored(bufs)?;
        if n == 0 && bufs.iter().any(|b| !b.is_empty()) {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        match self.send_records(&mut conn) {
            Err(e) if e.kind() != io::ErrorKind::WouldBlock => Err(e),
            // What is left goes out on the next write or flush.
            _ => Ok(n),
        }
    }

    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.try_write_vectored(&[IoSlice::new(buf)])
    }

    /// Whether encrypted records wait for the kernel.
    pub fn pending(&self) -> bool {
        self.lock().wants_write()
    }

    /// Sends waiting records; Ok(true) once none is left.
    pub fn flush(&self) -> io::Result<bool> {
        match self.send_records(&mut self.lock()) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Queues close_notify after everything written so far, and sends what
    /// the kernel takes; the rest waits for [`TlsSock::flush`].
    pub fn close_notify(&self) {
        let mut conn = self.lock();
        conn.send_close_notify();
        let _ = self.send_records(&mut conn);
    }

    pub async fn writable(&self) -> io::Result<()> {
        self.tcp.writable().await
    }

    /// Ready when decrypted bytes wait, or the kernel holds a byte (or the
    /// end of the stream). Peeks, like the TCP path, so that a stale
    /// readiness flag cannot make it ready early.
    pub fn poll_readable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        {
            let mut conn = self.lock();
            match conn.process_new_packets() {
                Ok(state) if state.plaintext_bytes_to_read() > 0 || state.peer_has_closed() => {
                    return Poll::Ready(Ok(()));
                }
                Ok(_) => {}
                Err(e) => return Poll::Ready(Err(io::Error::new(io::ErrorKind::InvalidData, e))),
            }
        }
        let mut one = [0u8; 1];
        self.tcp
            .poll_peek(cx, &mut ReadBuf::new(&mut one))
            .map_ok(|_| ())
    }

    /// Reads decrypted bytes: those rustls holds, else what the kernel has.
    /// A TLS error (after its alert is sent, best effort) fails the read;
    /// close_notify, or the end of the TCP stream, ends it.
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let mut conn = self.lock();
        loop {
            match conn.reader().read(buf.initialize_unfilled()) {
                Ok(n) => {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                // Closed without close_notify: the end of the stream all
                // the same (fastwebsockets then sees an unexpected EOF).
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    return Poll::Ready(Ok(()));
                }
                Err(e) => return Poll::Ready(Err(e)),
            }
            // No plaintext is held: rustls may take more records.
            match conn.read_tls(&mut KernelRead(&self.tcp)) {
                Ok(0) => return Poll::Ready(Ok(())),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    match self.tcp.poll_read_ready(cx) {
                        Poll::Ready(Ok(())) => continue,
                        Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                        Poll::Pending => return Poll::Pending,
                    }
                }
                Err(e) => return Poll::Ready(Err(e)),
            }
            if let Err(e) = self.decrypt(&mut conn) {
                return Poll::Ready(Err(e));
            }
        }
    }

    /// Decrypts the records rustls was given.
    fn decrypt(&self, conn: &mut ServerConnection) -> io::Result<()> {
        if let Err(e) = conn.process_new_packets() {
            // The alert that says why; the connection ends either way.
            let _ = self.send_records(conn);
            return Err(io::Error::new(io::ErrorKind::InvalidData, e));
        }
        // Post-handshake messages (a key update) may want an answer; the
        // next frame's write sends what the kernel does not take now.
        if conn.wants_write() {
            let _ = self.send_records(conn);
        }
        Ok(())
    }
}
