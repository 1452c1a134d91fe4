//! A connection's two halves, plain or TLS, as one type each, so the rest
//! of the bot client (reader, writer, link conditioner) is the same for
//! both. Plain TCP keeps tokio's owned halves (no lock); TLS goes through
//! `tokio::io::split` over the `TlsStream`.

use std::io;
use std::net::Shutdown;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf, ReadHalf, WriteHalf};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio_rustls::client::TlsStream;

/// The read half.
pub(crate) enum BotRead {
    Tcp(OwnedReadHalf),
    Tls(ReadHalf<TlsStream<TcpStream>>),
}

/// The write half.
pub(crate) enum BotWrite {
    Tcp(OwnedWriteHalf),
    /// With a second handle on the socket, to shut it down for writing
    /// when the half is dropped, as tokio's owned TCP half does (`--chaos`
    /// relies on it: the server must see the connection end).
    Tls(WriteHalf<TlsStream<TcpStream>>, std::net::TcpStream),
}

/// Splits a plain connection.
pub(crate) fn tcp(stream: TcpStream) -> (BotRead, BotWrite) {
    let (r, w) = stream.into_split();
    (BotRead::Tcp(r), BotWrite::Tcp(w))
}

/// Splits a TLS connection.
pub(crate) fn tls(stream: TlsStream<TcpStream>) -> io::Result<(BotRead, BotWrite)> {
    let handle = {
        use std::os::fd::AsFd;
        std::net::TcpStream::from(stream.get_ref().0.as_fd().try_clone_to_owned()?)
    };
    let (r, w) = tokio::io::split(stream);
    Ok((BotRead::Tls(r), BotWrite::Tls(w, handle)))
}

impl Drop for BotWrite {
    fn drop(&mut self) {
        if let BotWrite::Tls(_, handle) = self {
            let _ = handle.shutdown(Shutdown::Write);
        }
    }
}

impl AsyncRead for BotRead {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            BotRead::Tcp(r) => Pin::new(r).poll_read(cx, buf),
            BotRead::Tls(r) => Pin::new(r).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for BotWrite {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            BotWrite::Tcp(w) => Pin::new(w).poll_write(cx, buf),
            BotWrite::Tls(w, _) => Pin::new(w).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            BotWrite::Tcp(w) => Pin::new(w).poll_write_vectored(cx, bufs),
            BotWrite::Tls(w, _) => Pin::new(w).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            BotWrite::Tcp(w) => w.is_write_vectored(),
            BotWrite::Tls(w, _) => w.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            BotWrite::Tcp(w) => Pin::new(w).poll_flush(cx),
            BotWrite::Tls(w, _) => Pin::new(w).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            BotWrite::Tcp(w) => Pin::new(w).poll_shutdown(cx),
            BotWrite::Tls(w, _) => Pin::new(w).poll_shutdown(cx),
        }
    }
}
