//! A WebSocket's socket after the upgrade, plain TCP or TLS, as the two
//! halves the transport uses: [`WriteHalf`] for the outbox's non-blocking
//! writes from any thread, [`ReadHalf`] for the frame source's reads and
//! its peek-like readiness. An enum rather than a trait object, so that the
//! plain path costs one predictable branch and no indirect call.

use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, ReadBuf};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

use crate::tls::sock::TlsSock;

/// The write side; see the module docs.
pub enum WriteHalf {
    Tcp(OwnedWriteHalf),
    Tls(Arc<TlsSock>),
}

/// The read side; see the module docs.
pub enum ReadHalf {
    Tcp(OwnedReadHalf),
    Tls(Arc<TlsSock>),
}

impl From<OwnedWriteHalf> for WriteHalf {
    fn from(half: OwnedWriteHalf) -> Self {
        WriteHalf::Tcp(half)
    }
}

impl From<OwnedReadHalf> for ReadHalf {
    fn from(half: OwnedReadHalf) -> Self {
        ReadHalf::Tcp(half)
    }
}

/// Both halves of a TLS connection.
pub fn tls_halves(sock: TlsSock) -> (ReadHalf, WriteHalf) {
    let sock = Arc::new(sock);
    (ReadHalf::Tls(sock.clone()), WriteHalf::Tls(sock))
}

impl WriteHalf {
    /// Writes what the socket takes now; `WouldBlock` when it takes nothing.
    #[inline]
    pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match self {
            WriteHalf::Tcp(half) => half.try_write_vectored(bufs),
            WriteHalf::Tls(sock) => sock.try_write_vectored(bufs),
        }
    }

    #[inline]
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        match self {
            WriteHalf::Tcp(half) => half.try_write(buf),
            WriteHalf::Tls(sock) => sock.try_write(buf),
        }
    }

    /// Whether bytes already written wait below the caller, to be sent by
    /// [`WriteHalf::flush`] (TLS records the kernel has not taken yet).
    #[inline]
    pub fn pending(&self) -> bool {
        match self {
            WriteHalf::Tcp(_) => false,
            WriteHalf::Tls(sock) => sock.pending(),
        }
    }

    /// Sends what waits; Ok(true) once nothing does.
    pub fn flush(&self) -> io::Result<bool> {
        match self {
            WriteHalf::Tcp(_) => Ok(true),
            WriteHalf::Tls(sock) => sock.flush(),
        }
    }

    /// After the close frame: TLS's close_notify, best effort. (TCP's FIN
    /// comes when the half is dropped.)
    pub fn close(&self) {
        if let WriteHalf::Tls(sock) = self {
            sock.close_notify();
        }
    }

    /// Waits until the socket may take more.
    pub async fn writable(&self) -> io::Result<()> {
        match self {
            WriteHalf::Tcp(half) => half.writable().await,
            WriteHalf::Tls(sock) => sock.writable().await,
        }
    }
}

impl ReadHalf {
    /// Ready when a byte can be read, or the stream has ended, without
    /// reading it.
    pub fn poll_readable(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            ReadHalf::Tcp(half) => {
                let mut one = [0u8; 1];
                half.poll_peek(cx, &mut ReadBuf::new(&mut one))
                    .map_ok(|_| ())
            }
            ReadHalf::Tls(sock) => sock.poll_readable(cx),
        }
    }
}

impl AsyncRead for ReadHalf {
    #[inline]
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            ReadHalf::Tcp(half) => Pin::new(half).poll_read(cx, buf),
            ReadHalf::Tls(sock) => sock.poll_read(cx, buf),
        }
    }
}
