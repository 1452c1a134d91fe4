//! The only code that touches a client's WebSocket. The socket is split:
//! the reader half reassembles and decodes messages and hands them to the
//! [`Session`]; the writer half drains the [`Outbox`]. They run side by
//! side in one task, so a client that does not read never slows anyone
//! else, and a connection's error ends that connection only, logged once.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use fastwebsockets::{
    Frame, OpCode, Payload, WebSocket, WebSocketError, WebSocketRead, WebSocketWrite,
};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use rallypoint_shared::codec::MAX_CLIENT_MSG_BYTES;
use rallypoint_shared::{ErrorCode, PlayerId, ServerMsg, decode_client};
use tokio::io::{ReadHalf, WriteHalf};
use tracing::{debug, info, instrument};

use crate::assemble::{AssembleError, Assembled, Assembler};
use crate::close;
use crate::outbox::{OutFrame, Outbox};
use crate::server::Shared;
use crate::session::{self, Flow, Session};

/// How long the server waits for the client's side of the closing
/// handshake (or for the last frames to drain) before dropping the socket.
/// Default: 2 s.
pub const CLOSE_GRACE: Duration = Duration::from_secs(2);

type Stream = TokioIo<Upgraded>;

/// How the reader stopped.
#[derive(Debug)]
enum ReadEnd {
    /// The client sent a close frame (already answered) or the socket ended.
    Peer,
    /// We decided to close; the close frame is queued.
    Closing {
        code: u16,
        reason: &'static str,
    },
    Error(WebSocketError),
}

/// Serves one upgraded WebSocket until it closes.
#[instrument(skip_all, fields(conn = player.0, peer = %peer))]
pub async fn run(
    ws: WebSocket<Stream>,
    shared: Arc<Shared>,
    player: PlayerId,
    peer: std::net::SocketAddr,
) {
    let outbox = Arc::new(Outbox::new());
    let (mut rd, wr) = ws.split(tokio::io::split);
    // fastwebsockets refuses a frame whose length is >= this; it only caps
    // single frames, so the assembler caps whole messages too.
    rd.set_max_message_size(MAX_CLIENT_MSG_BYTES + 1);
    let mut session = Session::new(player, shared.registry.clone(), outbox.clone());
    debug!("connected");

    let end = {
        let reader = read_loop(&mut rd, &mut session, &outbox);
        let writer = write_loop(wr, &outbox, shared.config.write_timeout());
        tokio::pin!(reader, writer);
        tokio::select! {
            end = &mut reader => {
                outbox.close(close::NORMAL, "");
                let _ = tokio::time::timeout(CLOSE_GRACE, &mut writer).await;
                end
            }
            res = &mut writer => {
                // Our close went out (or the socket broke): give the client
                // a moment to answer the handshake, then drop it.
                let end = tokio::time::timeout(CLOSE_GRACE, &mut reader).await;
                match (res, end) {
                    (Err(e), _) => ReadEnd::Error(e),
                    (Ok(()), Ok(end)) => end,
                    (Ok(()), Err(_)) => ReadEnd::Peer,
                }
            }
            _ = shared.shutdown.cancelled() => {
                let _ = session::send(&outbox, &ServerMsg::Error {
                    code: ErrorCode::ShuttingDown,
                    message: "the server is shutting down".into(),
                });
                outbox.close(close::GOING_AWAY, "server shutting down");
                let _ = tokio::time::timeout(CLOSE_GRACE, &mut writer).await;
                ReadEnd::Closing { code: close::GOING_AWAY, reason: "server shutting down" }
            }
        }
    };
    session.leave(false).await;
    match end {
        ReadEnd::Peer => debug!("disconnected"),
        ReadEnd::Closing { code, reason } => info!(code, reason, "closed by server"),
        ReadEnd::Error(e) => info!(error = %e, "connection error"),
    }
}

async fn read_loop(
    rd: &mut WebSocketRead<ReadHalf<Stream>>,
    session: &mut Session,
    outbox: &Outbox,
) -> ReadEnd {
    let mut assembler = Assembler::new(MAX_CLIENT_MSG_BYTES);
    // fastwebsockets answers pings and closes itself; it hands us the reply
    // to send, which goes through the outbox like everything else.
    let mut obligated = |frame: Frame<'_>| {
        match frame.opcode {
            OpCode::Pong => {
                let _ = outbox.push(OutFrame::Pong(Bytes::copy_from_slice(&frame.payload)));
            }
            _ => outbox.close(echo_close_code(&frame.payload), ""),
        }
        std::future::ready(Ok::<(), std::convert::Infallible>(()))
    };
    loop {
        let frame = match rd.read_frame(&mut obligated).await {
            Ok(frame) => frame,
            Err(e) => return refuse_framing(e, outbox),
        };
        let message = match frame.opcode {
            OpCode::Close => return ReadEnd::Peer,
            OpCode::Ping | OpCode::Pong => continue,
            _ => match assembler.push(frame.opcode, frame.fin, &frame.payload) {
                Ok(Assembled::Partial) => continue,
                Ok(Assembled::Complete(bytes)) => bytes,
                Err(e) => return refuse_assembly(e, outbox),
            },
        };
        let flow = match decode_client(&message) {
            Ok(msg) => session.handle(msg).await,
            Err(e) => {
                debug!(error = %e, "undecodable message");
                let reply = ServerMsg::Error {
                    code: ErrorCode::BadMessage,
                    message: e.to_string(),
                };
                match session::send(outbox, &reply) {
                    Flow::Continue => Flow::Close {
                        code: close::POLICY,
                        reason: "bad message",
                    },
                    flow => flow,
                }
            }
        };
        if let Flow::Close { code, reason } = flow {
            outbox.close(code, reason);
            return ReadEnd::Closing { code, reason };
        }
    }
}

fn refuse_assembly(e: AssembleError, outbox: &Outbox) -> ReadEnd {
    let (code, reason) = match e {
        AssembleError::Text => (close::UNSUPPORTED_DATA, "binary frames only"),
        AssembleError::TooBig(_) => (close::TOO_BIG, "message too big"),
        AssembleError::StrayContinuation | AssembleError::Interleaved => {
            (close::PROTOCOL_ERROR, "bad fragmentation")
        }
    };
    outbox.close(code, reason);
    ReadEnd::Closing { code, reason }
}

fn refuse_framing(e: WebSocketError, outbox: &Outbox) -> ReadEnd {
    let (code, reason) = match e {
        WebSocketError::FrameTooLarge => (close::TOO_BIG, "message too big"),
        WebSocketError::InvalidUTF8 => (close::INVALID_PAYLOAD, "invalid UTF-8"),
        WebSocketError::UnexpectedEOF
        | WebSocketError::IoError(_)
        | WebSocketError::ConnectionClosed => return ReadEnd::Error(e),
        _ => (close::PROTOCOL_ERROR, "bad framing"),
    };
    debug!(error = %e, "framing error");
    outbox.close(code, reason);
    ReadEnd::Closing { code, reason }
}

/// The code to echo for a client's close frame: its own, or 1000 if it gave
/// none (RFC 6455 §5.5.1).
fn echo_close_code(payload: &[u8]) -> u16 {
    match payload {
        [hi, lo, ..] => u16::from_be_bytes([*hi, *lo]),
        _ => close::NORMAL,
    }
}

/// Writes queued frames until a close has been written or the socket fails.
/// A write that makes no progress for `write_timeout` fails the connection:
/// the client stopped reading.
async fn write_loop(
    mut wr: WebSocketWrite<WriteHalf<Stream>>,
    outbox: &Outbox,
    write_timeout: Duration,
) -> Result<(), WebSocketError> {
    loop {
        let frame = outbox.pop().await;
        let (ws_frame, last) = match &frame {
            OutFrame::Message(b) => (Frame::binary(Payload::Borrowed(b)), false),
            OutFrame::Pong(b) => (Frame::pong(Payload::Borrowed(b)), false),
            OutFrame::Close { code, reason } => (Frame::close(*code, reason.as_bytes()), true),
        };
        match tokio::time::timeout(write_timeout, wr.write_frame(ws_frame)).await {
            Ok(res) => res?,
            Err(_) => {
                return Err(WebSocketError::IoError(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "client stopped reading",
                )));
            }
        }
        if last {
            return Ok(());
        }
    }
}
