//! The two delay lines' tasks: the writer, which owns a connection's write
//! half and sends each queued message at its due time, and the pump, which
//! reads frames off the read half and queues them for the reader. Both end
//! when their connection does; both are aborted when their owner drops
//! them (a chaos drop), so nothing queued survives a lost connection.

use fastwebsockets::{Frame, OpCode, Payload};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep_until};
use tracing::{Instrument, debug};

use super::{Delays, MAX_QUEUED};
use crate::conn::{WsReader, WsWriter};

/// A message on its way to the server.
#[derive(Debug)]
pub(crate) enum Outgoing {
    Binary(Vec<u8>),
    Pong(Vec<u8>),
    Close(u16),
}

/// A frame from the server, owned so it can wait in the line.
#[derive(Debug)]
pub(crate) struct Incoming {
    pub opcode: OpCode,
    pub payload: Vec<u8>,
}

/// The send side of an outbound line: due times and the queue.
pub(crate) struct WriterLine {
    delays: Delays,
    queue: mpsc::Sender<(Instant, Outgoing)>,
    task: JoinHandle<()>,
}

impl WriterLine {
    /// Queues `msg` to leave after its delay; `Err` once the connection is
    /// gone. Waits while [`MAX_QUEUED`] messages are queued.
    pub(crate) async fn send(&mut self, msg: Outgoing) -> Result<(), Outgoing> {
        let due = self.delays.due(Instant::now());
        self.queue.send((due, msg)).await.map_err(|e| e.0.1)
    }

    /// Drops the connection at once, with whatever is still queued.
    pub(crate) fn abort(self) {
        self.task.abort();
    }
}

/// Starts the writer task for `ws`. Dropping the returned line (without
/// [`WriterLine::abort`]) lets the task send what is queued, then end.
pub(crate) fn spawn_writer(ws: WsWriter, delays: Delays) -> WriterLine {
    let (queue, rx) = mpsc::channel(MAX_QUEUED);
    let task = tokio::spawn(write_delayed(ws, rx).in_current_span());
    WriterLine {
        delays,
        queue,
        task,
    }
}

async fn write_delayed(mut ws: WsWriter, mut rx: mpsc::Receiver<(Instant, Outgoing)>) {
    while let Some((due, msg)) = rx.recv().await {
        sleep_until(due).await;
        let frame = match msg {
            Outgoing::Binary(bytes) => Frame::binary(Payload::Owned(bytes)),
            Outgoing::Pong(payload) => Frame::pong(payload.into()),
            Outgoing::Close(code) => Frame::close(code, b""),
        };
        // The flush sends what TLS buffered (a no-op on TCP).
        let written = match ws.write_frame(frame).await {
            Ok(()) => ws.flush().await,
            Err(e) => Err(e),
        };
        if let Err(err) = written {
            debug!(%err, "delayed write failed");
            return;
        }
    }
}

/// The receive side of an inbound line. Dropping it aborts the pump, which
/// drops the read half.
pub(crate) struct PumpLine {
    pub(crate) frames: mpsc::Receiver<(Instant, Incoming)>,
    task: JoinHandle<()>,
}

impl Drop for PumpLine {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts the pump for `ws`: every frame is queued with its due time; the
/// queue ends after a close frame or a read error.
pub(crate) fn spawn_pump(ws: WsReader, delays: Delays) -> PumpLine {
    let (tx, frames) = mpsc::channel(MAX_QUEUED);
    let task = tokio::spawn(pump(ws, tx, delays).in_current_span());
    PumpLine { frames, task }
}

async fn pump(mut ws: WsReader, tx: mpsc::Sender<(Instant, Incoming)>, mut delays: Delays) {
    // The reader never writes: auto-pong and auto-close are off.
    let mut no_writes = |_: Frame<'_>| std::future::ready(Ok::<(), std::convert::Infallible>(()));
    loop {
        let frame = match ws.read_frame(&mut no_writes).await {
            Ok(frame) => frame,
            Err(err) => {
                debug!(%err, "read failed");
                return;
            }
        };
        let opcode = frame.opcode;
        let incoming = Incoming {
            opcode,
            payload: frame.payload.to_vec(),
        };
        let due = delays.due(Instant::now());
        if tx.send((due, incoming)).await.is_err() || opcode == OpCode::Close {
            return;
        }
    }
}
