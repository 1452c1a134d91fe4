//! The WebSocket transport, shared by the game's connections and the echo
//! endpoint the conformance suite runs against: frames in, whole messages
//! out; an [`Outbox`] in, frames out. It owns the rules fastwebsockets 0.10
//! leaves to its users: unmasked client frames are refused
//! ([`crate::mask_check`]), the whole message is capped, not just each frame
//! ([`crate::assemble`]), text is refused or UTF-8-checked across fragments,
//! every frame (pings included) counts against a rate limit, and every
//! frame is recorded for [`Liveness`]. Pings are answered here rather than
//! by fastwebsockets, so that they are rate-limited and their pongs queue in
//! order behind the messages sent before them. Protocol violations queue the
//! right close frame themselves.

use std::borrow::Cow;
use std::sync::Arc;

use bytes::Bytes;
use fastwebsockets::{Frame, OpCode, WebSocket, WebSocketError};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_rustls::server::TlsStream;
use tracing::debug;

use crate::assemble::{AssembleError, Assembled, Assembler};
use crate::close;
use crate::frame_source::FrameSource;
use crate::liveness::Liveness;
use crate::mask_check::UNMASKED;
use crate::outbox::Outbox;
use crate::rate::TokenBucket;
use crate::sock::{self, ReadHalf, WriteHalf};
use crate::tls::sock::TlsSock;

/// The largest payload of a control frame (RFC 6455 §5.5). fastwebsockets
/// enforces it for pings only.
const MAX_CONTROL_PAYLOAD: usize = 125;

/// An upgraded HTTP connection.
pub type Upgraded = TokioIo<hyper::upgrade::Upgraded>;

/// What a connection accepts.
#[derive(Debug, Clone)]
pub struct WsLimits {
    /// Largest message, fragmented or not.
    pub max_message_bytes: usize,
    /// Whether text messages are accepted (closed with 1003 otherwise).
    pub allow_text: bool,
    /// Frames per second and burst, or no limit.
    pub rate: Option<(u32, u32)>,
}

/// A whole message.
#[derive(Debug, PartialEq, Eq)]
pub enum Message<'a> {
    Binary(Cow<'a, [u8]>),
    Text(Cow<'a, str>),
}

/// Why reading stopped.
#[derive(Debug)]
pub enum ReadEnd {
    /// The peer closed (its close frame is answered) or the stream ended.
    Peer { code: Option<u16> },
    /// The peer broke a rule; the close frame is queued.
    Refused { code: u16, reason: &'static str },
    /// The peer exceeded its rate limit. Nothing is queued: the caller
    /// explains and closes.
    RateLimited,
    /// The socket failed.
    Error(WebSocketError),
}

/// The read half of a WebSocket; see the module docs.
pub struct WsReader {
    source: FrameSource,
    /// Let go of the frame reader's buffer whenever it holds no unread
    /// bytes (see [`FrameSource`]); set outside a lobby.
    release_when_idle: bool,
    assembler: Assembler,
    allow_text: bool,
    rate: Option<TokenBucket>,
    liveness: Arc<Liveness>,
}

/// Splits an upgraded WebSocket into its checked read half, and attaches
/// its write half to `outbox`. Fails only if the upgraded connection is
/// neither of the streams hyper is given (a TCP or a TLS stream: see
/// [`crate::admit`]).
pub fn split(
    ws: WebSocket<Upgraded>,
    limits: &WsLimits,
    liveness: Arc<Liveness>,
    outbox: &Outbox,
) -> std::io::Result<WsReader> {
    // Nothing has been read through fastwebsockets yet; what hyper read past
    // the HTTP request is in `read_buf` and is read first.
    let (rd, wr, read_buf) = match ws
        .into_inner()
        .into_inner()
        .downcast::<TokioIo<TcpStream>>()
    {
        Ok(parts) => {
            let (rd, wr) = parts.io.into_inner().into_split();
            (ReadHalf::from(rd), WriteHalf::from(wr), parts.read_buf)
        }
        Err(upgraded) => {
            let parts = upgraded
                .downcast::<TokioIo<TlsStream<TcpStream>>>()
                .map_err(|_| {
                    std::io::Error::other("upgraded connection is not a TCP or TLS stream")
                })?;
            // Plaintext rustls decrypted and hyper did not read stays in
            // the connection, and is read first.
            let (tcp, conn) = parts.io.into_inner().into_inner();
            let (rd, wr) = sock::tls_halves(TlsSock::new(tcp, conn));
            (rd, wr, parts.read_buf)
        }
    };
    outbox.attach(wr);
    // `read_buf` shares hyper's whole 8 KiB read buffer: keep a copy of
    // what it holds (usually nothing), so the buffer is freed now rather
    // than held for the connection's life.
    let prefix = Bytes::copy_from_slice(&read_buf);
    let now = Instant::now();
    Ok(WsReader {
        source: FrameSource::new(rd, prefix, limits.max_message_bytes),
        release_when_idle: false,
        assembler: Assembler::new(limits.max_message_bytes),
        allow_text: limits.allow_text,
        rate: limits
            .rate
            .map(|(per_sec, burst)| TokenBucket::new(per_sec, burst, now)),
        liveness,
    })
}

impl WsReader {
    /// Whether to free the frame reader's buffer between messages: worth
    /// it for a client that sends rarely (outside a lobby), not for one
    /// that sends every tick. Default: false.
    pub fn release_when_idle(&mut self, release: bool) {
        self.release_when_idle = release;
    }

    /// Reads until a whole message arrives. Control frames are handled
    /// here: pings are answered and closes echoed through `outbox`.
    /// Not cancel-safe: drop it only to end the connection.
    pub async fn next(&mut self, outbox: &Outbox) -> Result<Message<'_>, ReadEnd> {
        // With auto-pong off, fastwebsockets' only obligation is the answer
        // to a close frame: the peer's payload, or a 1002 for a bad code.
        let mut obligated = |frame: Frame<'_>| {
            let code = if frame.payload.len() > MAX_CONTROL_PAYLOAD {
                close::PROTOCOL_ERROR
            } else {
                echo_close_code(&frame.payload)
            };
            outbox.close(code, "");
            std::future::ready(Ok::<(), std::convert::Infallible>(()))
        };
        loop {
            let rd = match self.source.reader().await {
                Ok(rd) => rd,
                Err(e) => return Err(ReadEnd::Error(WebSocketError::IoError(e))),
            };
            // The frame borrows the reader's buffer: it is used up within
            // this block, so that the reader can be released after it.
            let done = {
                let frame = match rd.read_frame(&mut obligated).await {
                    Ok(frame) => frame,
                    Err(e) => return Err(refuse_framing(e, outbox)),
                };
                let now = Instant::now();
                self.liveness.heard(now);
                if let Some(rate) = &mut self.rate
                    && !rate.take(now)
                {
                    return Err(ReadEnd::RateLimited);
                }
                match frame.opcode {
                    OpCode::Close | OpCode::Ping | OpCode::Pong
                        if frame.payload.len() > MAX_CONTROL_PAYLOAD =>
                    {
                        return Err(refuse(
                            close::PROTOCOL_ERROR,
                            "control frame too long",
                            outbox,
                        ));
                    }
                    OpCode::Close => {
                        return Err(ReadEnd::Peer {
                            code: Some(echo_close_code(&frame.payload)),
                        });
                    }
                    OpCode::Pong => {
                        self.liveness.pong(now);
                        None
                    }
                    OpCode::Ping => {
                        let pong = Bytes::copy_from_slice(&frame.payload);
                        if outbox.push_pong(pong).is_err() {
                            return Err(refuse(close::POLICY, "outbound queue full", outbox));
                        }
                        None
                    }
                    OpCode::Text if !self.allow_text => {
                        return Err(refuse(
                            close::UNSUPPORTED_DATA,
                            "binary frames only",
                            outbox,
                        ));
                    }
                    opcode => match self.assembler.push(opcode, frame.fin, &frame.payload) {
                        Ok(Assembled::Partial) => None,
                        Ok(Assembled::Complete(bytes)) => Some(bytes.into_owned()),
                        Err(e) => return Err(refuse_assembly(e, outbox)),
                    },
                }
            };
            self.source.returned_frame();
            if self.release_when_idle {
                self.source.release_if_drained();
            }
            if let Some(bytes) = done {
                let m = crate::metrics::metrics();
                m.frames_in.inc();
                m.bytes_in.inc_by(bytes.len() as u64);
                return self.finish(bytes, outbox);
            }
        }
    }

    /// Reads and discards frames until the peer's close frame, the end of
    /// the stream or an error. Call it, under a timeout, once a close is
    /// queued and before dropping the connection: a socket dropped with
    /// unread input is reset, and the reset can destroy our close frame (and
    /// what preceded it) before the peer reads it. Best effort: after a
    /// framing error the stream cannot be followed, and this returns at once.
    pub async fn drain(&mut self) {
        // A close is already queued, so the one an obligation would queue
        // is discarded: nothing needs sending.
        let mut ignore = |_: Frame<'_>| std::future::ready(Ok::<(), std::convert::Infallible>(()));
        loop {
            let Ok(rd) = self.source.reader().await else {
                return;
            };
            match rd.read_frame(&mut ignore).await {
                Ok(frame) if frame.opcode == OpCode::Close => return,
                Ok(_) => {}
                Err(_) => return,
            }
        }
    }

    fn finish(&mut self, bytes: Vec<u8>, outbox: &Outbox) -> Result<Message<'_>, ReadEnd> {
        match self.assembler.completed_kind() {
            OpCode::Text => match String::from_utf8(bytes) {
                Ok(text) => Ok(Message::Text(Cow::Owned(text))),
                Err(_) => Err(refuse(close::INVALID_PAYLOAD, "invalid UTF-8", outbox)),
            },
            _ => Ok(Message::Binary(Cow::Owned(bytes))),
        }
    }
}

fn refuse(code: u16, reason: &'static str, outbox: &Outbox) -> ReadEnd {
    outbox.close(code, reason);
    ReadEnd::Refused { code, reason }
}

fn refuse_assembly(e: AssembleError, outbox: &Outbox) -> ReadEnd {
    let (code, reason) = match e {
        AssembleError::TooBig(_) => (close::TOO_BIG, "message too big"),
        AssembleError::InvalidUtf8 => (close::INVALID_PAYLOAD, "invalid UTF-8"),
        AssembleError::StrayContinuation | AssembleError::Interleaved => {
            (close::PROTOCOL_ERROR, "bad fragmentation")
        }
    };
    refuse(code, reason, outbox)
}

fn refuse_framing(e: WebSocketError, outbox: &Outbox) -> ReadEnd {
    let (code, reason) = match &e {
        WebSocketError::FrameTooLarge => (close::TOO_BIG, "message too big"),
        WebSocketError::InvalidUTF8 => (close::INVALID_PAYLOAD, "invalid UTF-8"),
        WebSocketError::IoError(io) if io.to_string() == UNMASKED => {
            (close::PROTOCOL_ERROR, UNMASKED)
        }
        WebSocketError::UnexpectedEOF
        | WebSocketError::IoError(_)
        | WebSocketError::ConnectionClosed => return ReadEnd::Error(e),
        _ => (close::PROTOCOL_ERROR, "bad framing"),
    };
    debug!(error = %e, "framing error");
    refuse(code, reason, outbox)
}

/// The code to echo for a client's close frame: its own, or 1000 if it gave
/// none (RFC 6455 §5.5.1).
fn echo_close_code(payload: &[u8]) -> u16 {
    match payload {
        [hi, lo, ..] => u16::from_be_bytes([*hi, *lo]),
        _ => close::NORMAL,
    }
}
