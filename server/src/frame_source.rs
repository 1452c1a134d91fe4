//! The read side of a connection's socket, and fastwebsockets' frame reader
//! over it, which can be let go of while the connection is idle.
//!
//! fastwebsockets gives every reader an 8 KiB buffer, fixed for the
//! reader's life, and its reads walk through all of it in time. That is the
//! biggest part of an idle connection's memory. So a reader that holds no
//! unread bytes ([`Progress`] knows) may be [released](FrameSource::release_if_drained):
//! its buffer is freed, and a fresh reader is made when the next bytes
//! arrive. The connection does this only outside a lobby; a playing client
//! sends every tick and keeps its reader.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use crate::mask_check::{MaskCheck, Progress};
use crate::sock::ReadHalf;
use bytes::Bytes;
use fastwebsockets::{Role, WebSocketRead};
use tokio::io::{AsyncRead, ReadBuf};

/// The stream fastwebsockets reads: checked for masks, over the socket.
pub type Io = MaskCheck<SharedRead>;

/// See the module docs.
pub struct FrameSource {
    sock: Arc<Mutex<ReadHalf>>,
    /// What hyper read past the HTTP request, for the first reader.
    prefix: Bytes,
    /// A reader whose prefix held bytes is never released: its buffer may
    /// hold bytes that no [`Progress`] has seen yet.
    releasable: bool,
    rd: Option<WebSocketRead<Io>>,
    progress: Arc<Progress>,
    /// Frames the current reader has returned.
    returned: u64,
    /// fastwebsockets refuses a frame whose length is >= this.
    max_frame: usize,
}

impl FrameSource {
    pub fn new(sock: impl Into<ReadHalf>, prefix: Bytes, max_message_bytes: usize) -> Self {
        Self {
            sock: Arc::new(Mutex::new(sock.into())),
            releasable: prefix.is_empty(),
            prefix,
            rd: None,
            progress: Arc::default(),
            returned: 0,
            max_frame: max_message_bytes.saturating_add(1),
        }
    }

    /// The frame reader; if it was released, waits until bytes (or the end
    /// of the stream) arrive and makes a fresh one. Cancel-safe.
    pub async fn reader(&mut self) -> io::Result<&mut WebSocketRead<Io>> {
        let rd = match self.rd.take() {
            Some(rd) => rd,
            None => {
                if self.prefix.is_empty() {
                    std::future::poll_fn(|cx| self.poll_readable(cx)).await?;
                }
                self.open()
            }
        };
        Ok(self.rd.insert(rd))
    }

    fn open(&mut self) -> WebSocketRead<Io> {
        self.progress = Arc::default();
        self.returned = 0;
        let stream = MaskCheck::with_progress(
            SharedRead {
                sock: self.sock.clone(),
                prefix: std::mem::take(&mut self.prefix),
            },
            self.progress.clone(),
        );
        let (mut rd, _) =
            fastwebsockets::after_handshake_split(stream, tokio::io::sink(), Role::Server);
        rd.set_max_message_size(self.max_frame);
        rd.set_auto_pong(false);
        rd
    }

    /// Counts a frame the reader returned.
    pub fn returned_frame(&mut self) {
        self.returned += 1;
    }

    /// Frees the reader and its buffer if it holds no unread bytes.
    pub fn release_if_drained(&mut self) {
        if self.releasable && self.rd.is_some() && self.progress.is_exactly(self.returned) {
            self.rd = None;
        }
    }

    /// Whether a reader (and its buffer) is held: for tests.
    pub fn holds_reader(&self) -> bool {
        self.rd.is_some()
    }

    /// Ready when the socket has a byte to read, or has ended. Peeks, so
    /// that a stale readiness flag cannot make it ready early.
    fn poll_readable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut sock = self.sock.lock().unwrap_or_else(|e| e.into_inner());
        sock.poll_readable(cx)
    }
}

/// The socket's read half, shared between the current reader and the
/// [`FrameSource`] (which outlives readers), behind the bytes hyper had
/// already read. The lock is never contended: one task reads.
pub struct SharedRead {
    sock: Arc<Mutex<ReadHalf>>,
    prefix: Bytes,
}

impl AsyncRead for SharedRead {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if !self.prefix.is_empty() {
            let n = self.prefix.len().min(buf.remaining());
            buf.put_slice(&self.prefix.split_to(n));
            if self.prefix.is_empty() {
                self.prefix = Bytes::new();
            }
            return Poll::Ready(Ok(()));
        }
        let mut sock = self.sock.lock().unwrap_or_else(|e| e.into_inner());
        Pin::new(&mut *sock).poll_read(cx, buf)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::AsyncWriteExt;
    use tokio::net::{TcpListener, TcpStream};

    use super::*;

    /// A masked binary frame, as a client sends it.
    fn masked(payload: &[u8]) -> Vec<u8> {
        let mut f = vec![0x82, 0x80 | payload.len() as u8, 1, 2, 3, 4];
        f.extend(
            payload
                .iter()
                .zip([1, 2, 3, 4].iter().cycle())
                .map(|(b, m)| b ^ m),
        );
        f
    }

    async fn pair() -> (FrameSource, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap());
        let (client, (server, _)) =
            tokio::join!(client, async { listener.accept().await.unwrap() });
        let source = FrameSource::new(server.into_split().0, Bytes::new(), 1024);
        (source, client.unwrap())
    }

    async fn next_payload(source: &mut FrameSource) -> Vec<u8> {
        let mut ignore = |_| std::future::ready(Ok::<(), std::convert::Infallible>(()));
        let rd = source.reader().await.unwrap();
        let read = tokio::time::timeout(Duration::from_secs(5), rd.read_frame(&mut ignore));
        let payload = read.await.expect("no frame").unwrap().payload.to_vec();
        source.returned_frame();
        payload
    }

    #[tokio::test]
    async fn the_buffer_is_freed_only_when_no_unread_bytes_remain() {
        let (mut source, mut client) = pair().await;
        client.write_all(&masked(b"one")).await.unwrap();
        assert_eq!(next_payload(&mut source).await, b"one");
        source.release_if_drained();
        assert!(!source.holds_reader());

        // Two frames in one write: the first read takes both.
        let mut two = masked(b"two");
        two.extend(masked(b"three"));
        client.write_all(&two).await.unwrap();
        assert_eq!(next_payload(&mut source).await, b"two");
        source.release_if_drained();
        assert!(
            source.holds_reader(),
            "released with a frame still buffered"
        );
        assert_eq!(next_payload(&mut source).await, b"three");
        source.release_if_drained();
        assert!(!source.holds_reader());

        // A frame split across writes is read whole by a fresh reader.
        let four = masked(b"four");
        client.write_all(&four[..3]).await.unwrap();
        let reading = tokio::spawn(async move {
            let payload = next_payload(&mut source).await;
            (source, payload)
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        client.write_all(&four[3..]).await.unwrap();
        let (mut source, payload) = reading.await.unwrap();
        assert_eq!(payload, b"four");
        source.release_if_drained();
        assert!(!source.holds_reader());
    }
}
