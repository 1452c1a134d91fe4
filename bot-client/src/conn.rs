//! The only code that touches a socket: the TCP connect, for `wss://` the
//! TLS handshake (trusting [`crate::tls`]'s roots), the WebSocket opening
//! handshake (`handshake`, by hand, so a refusal's HTTP status is always
//! read), the split into a read and a write half ([`stream`]), framing
//! client messages onto the write half, and dropping a connection abruptly
//! (for `--chaos`).
//!
//! A plain `TcpStream` splits into owned halves without a lock; any bytes
//! read past the HTTP response are replayed in front of the read half, so
//! nothing the server sent early is lost. Every frame written is flushed,
//! which sends what TLS buffered and costs nothing on plain TCP.

use std::io::Cursor;
use std::net::SocketAddr;

use bytes::Bytes;
use fastwebsockets::{
    FragmentCollectorRead, Frame, Payload, Role, WebSocketError, WebSocketWrite,
    after_handshake_split,
};
use rallypoint_shared::codec::MAX_SERVER_MSG_BYTES;
use rallypoint_shared::{ClientMsg, CodecError, encode_client_into};
use tokio::io::{AsyncReadExt, Chain};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::ServerName;

use crate::link::{Delays, Outgoing, WriterLine, spawn_writer};
use crate::options::Target;
use stream::{BotRead, BotWrite};

mod handshake;
mod stream;

/// The read side: the bytes read past the handshake's response, then the
/// socket.
pub(crate) type ReadStream = Chain<Cursor<Bytes>, BotRead>;
/// A bot's WebSocket read half, reassembling fragmented messages.
pub(crate) type WsReader = FragmentCollectorRead<ReadStream>;
/// A bot's WebSocket write half, before it is attached to its [`Sender`].
pub(crate) type WsWriter = WebSocketWrite<BotWrite>;

/// Why a connection could not be set up. A refusal at the TCP level and
/// an HTTP answer other than 101 are variants of their own, because each
/// has a remedy the report can name (start the server; raise a cap).
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConnectError {
    #[error("tcp connect refused (nothing listens there): {0}")]
    Refused(#[source] std::io::Error),
    #[error("tcp connect: {0}")]
    Tcp(#[source] std::io::Error),
    #[error("tls handshake: {0}")]
    Tls(#[source] std::io::Error),
    #[error("websocket handshake: the server answered HTTP {0} instead of 101")]
    Status(u16),
    #[error("websocket handshake: {0}")]
    HandshakeIo(#[source] std::io::Error),
    #[error("websocket handshake: the connection closed before the response was complete")]
    HandshakeClosed,
    #[error("websocket handshake: malformed response: {0}")]
    Malformed(#[from] httparse::Error),
    #[error(
        "websocket handshake: response head over {} bytes",
        handshake::MAX_RESPONSE_HEAD
    )]
    HeadTooLong,
    #[error("websocket handshake: a 101 without {0}")]
    NotUpgraded(&'static str),
}

/// Why a message could not be sent. Either way the connection is done.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SendError {
    #[error("encode: {0}")]
    Encode(#[from] CodecError),
    #[error("write: {0}")]
    Write(#[from] WebSocketError),
    #[error("no connection")]
    Detached,
    #[error("delayed writer ended (the connection is gone)")]
    LineClosed,
}

/// Connects to `addr` (through TLS with `tls` when `target` says
/// `wss://`), upgrades to a WebSocket at `target.path` and splits the
/// connection.
pub(crate) async fn connect(
    addr: SocketAddr,
    target: &Target,
    tls: &TlsConnector,
) -> Result<(WsReader, WsWriter), ConnectError> {
    let mut stream = TcpStream::connect(addr).await.map_err(|e| match e.kind() {
        std::io::ErrorKind::ConnectionRefused => ConnectError::Refused(e),
        _ => ConnectError::Tcp(e),
    })?;
    // Inputs are tiny and latency is what is measured: never let Nagle
    // hold one back waiting for an ACK.
    stream.set_nodelay(true).map_err(ConnectError::Tcp)?;
    let (leftover, (read, write)) = if target.tls {
        let name = ServerName::try_from(target.host.clone())
            .map_err(|e| ConnectError::Tls(std::io::Error::other(e)))?;
        let mut stream = tls.connect(name, stream).await.map_err(ConnectError::Tls)?;
        let leftover = handshake::client(&mut stream, target).await?;
        (leftover, stream::tls(stream).map_err(ConnectError::Tls)?)
    } else {
        let leftover = handshake::client(&mut stream, target).await?;
        (leftover, stream::tcp(stream))
    };
    let read = Cursor::new(leftover).chain(read);
    let (mut reader, writer) = after_handshake_split(read, write, Role::Client);
    // The reader never writes: pings and closes are handed to the driver,
    // which owns the write half, so the read loop has no write obligations.
    reader.set_auto_close(false);
    reader.set_auto_pong(false);
    // `read_frame` refuses a frame whose length is >= this.
    reader.set_max_message_size(MAX_SERVER_MSG_BYTES + 1);
    Ok((FragmentCollectorRead::new(reader), writer))
}

/// Where a [`Sender`]'s frames go.
enum Writer {
    /// Straight onto the socket.
    Direct(WsWriter),
    /// Through the link conditioner's outbound delay line.
    Delayed(Box<WriterLine>),
}

/// A bot's write half, across every connection of its session: one encode
/// buffer reused for every message, and a count of the WebSocket payload
/// bytes sent on all of them.
pub(crate) struct Sender {
    /// `None` between an abrupt drop and the next connection.
    ws: Option<Writer>,
    buf: Vec<u8>,
    /// WebSocket payload bytes of the data frames sent so far.
    pub(crate) bytes_up: u64,
}

impl Sender {
    /// A sender with no connection yet: [`Sender::attach`] one.
    pub(crate) fn new() -> Self {
        Self {
            ws: None,
            buf: Vec::with_capacity(64),
            bytes_up: 0,
        }
    }

    /// Sends on `ws` from now on (the first connection, or a reconnect),
    /// through a delay line when `delays` is given.
    pub(crate) fn attach(&mut self, ws: WsWriter, delays: Option<Delays>) {
        self.ws = Some(match delays {
            Some(delays) => Writer::Delayed(Box::new(spawn_writer(ws, delays))),
            None => Writer::Direct(ws),
        });
    }

    /// Drops the write half without a close frame: the socket is shut down
    /// for writing at once (the peer reads end-of-stream), and closed for
    /// good when the read half is dropped too. This is how `--chaos`
    /// simulates a lost connection.
    pub(crate) fn drop_connection(&mut self) {
        if let Some(Writer::Delayed(line)) = self.ws.take() {
            line.abort();
        }
    }

    /// Encodes `msg` into the reused buffer and sends it as one binary
    /// message. The frame is masked in place, so no copy is made.
    pub(crate) async fn send(&mut self, msg: &ClientMsg) -> Result<(), SendError> {
        let ws = self.ws.as_mut().ok_or(SendError::Detached)?;
        self.buf.clear();
        encode_client_into(msg, &mut self.buf)?;
        self.bytes_up += self.buf.len() as u64;
        match ws {
            Writer::Direct(ws) => {
                let frame = Frame::binary(Payload::BorrowedMut(&mut self.buf));
                ws.write_frame(frame).await?;
                ws.flush().await?;
            }
            Writer::Delayed(line) => {
                let bytes = Outgoing::Binary(self.buf.clone());
                line.send(bytes).await.map_err(|_| SendError::LineClosed)?;
            }
        }
        Ok(())
    }

    /// Answers a WebSocket ping with a pong carrying the same payload.
    pub(crate) async fn pong(&mut self, payload: Vec<u8>) -> Result<(), SendError> {
        match self.ws.as_mut().ok_or(SendError::Detached)? {
            Writer::Direct(ws) => {
                ws.write_frame(Frame::pong(payload.into())).await?;
                ws.flush().await?;
            }
            Writer::Delayed(line) => {
                (line.send(Outgoing::Pong(payload)).await).map_err(|_| SendError::LineClosed)?
            }
        }
        Ok(())
    }

    /// Sends a close frame with `code` (1000: normal closure).
    pub(crate) async fn close(&mut self, code: u16) -> Result<(), SendError> {
        match self.ws.as_mut().ok_or(SendError::Detached)? {
            Writer::Direct(ws) => {
                ws.write_frame(Frame::close(code, b"")).await?;
                ws.flush().await?;
            }
            Writer::Delayed(line) => {
                (line.send(Outgoing::Close(code)).await).map_err(|_| SendError::LineClosed)?
            }
        }
        Ok(())
    }
}
