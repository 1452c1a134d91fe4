//! An echo endpoint over Rallypoint's WebSocket transport, and a short tour
//! of it: the very code game connections use ([`ws::split`],
//! [`WsReader::next`], [`Outbox`] and its [`Outbox::write_loop`], and
//! [`WsReader::drain`] for the closing handshake), with limits for arbitrary
//! text and binary messages instead of the game's. The Autobahn conformance
//! suite runs against it (`scripts/autobahn`).
//!
//! ```text
//! cargo run --release -p rallypoint-server --example echo -- --bind 127.0.0.1:9001
//! ```

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use clap::Parser;
use fastwebsockets::WebSocket;
use fastwebsockets::upgrade::upgrade;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rallypoint_server::close;
use rallypoint_server::liveness::Liveness;
use rallypoint_server::outbox::{OutFrame, Outbox};
use rallypoint_server::ws::{self, Message, ReadEnd, Upgraded, WsLimits, WsReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, timeout};
use tracing::{debug, info};

/// Autobahn's largest message (case 9.1.6) is 16 MiB; allow four times that.
const MAX_MESSAGE_BYTES: usize = 64 << 20;
/// How long a write may stall before the client is given up on.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long to wait for the other side of a close, as the game does.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

#[derive(Parser)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:9001")]
    bind: SocketAddr,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let listener = TcpListener::bind(Args::parse().bind).await?;
    info!(addr = %listener.local_addr()?, "echo endpoint listening");
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(serve_http(stream));
    }
}

/// Upgrades any request, on any path, to a WebSocket.
async fn serve_http(stream: TcpStream) {
    let service = service_fn(|mut req| async move {
        let (response, upgrading) = upgrade(&mut req)?;
        tokio::spawn(async move {
            match upgrading.await {
                Ok(ws) => echo(ws).await,
                Err(e) => debug!(error = %e, "upgrade failed"),
            }
        });
        Ok::<_, fastwebsockets::WebSocketError>(response)
    });
    let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    if let Err(e) = conn.with_upgrades().await {
        debug!(error = %e, "http connection failed");
    }
}

/// Echoes every message until the connection ends, then closes it the way
/// a game connection should.
async fn echo(ws: WebSocket<Upgraded>) {
    let limits = WsLimits {
        max_message_bytes: MAX_MESSAGE_BYTES,
        allow_text: true,
        rate: None,
    };
    let outbox = Outbox::new();
    let liveness = Arc::new(Liveness::new(Instant::now()));
    let mut reader = match ws::split(ws, &limits, liveness, &outbox) {
        Ok(reader) => reader,
        Err(e) => {
            debug!(error = %e, "cannot serve the connection");
            return;
        }
    };
    let writing = outbox.write_loop(WRITE_TIMEOUT);
    tokio::pin!(writing);

    // 1) Echo until the reader ends, or the writer fails. The reader queues
    //    the close the protocol calls for before it returns, so the writer
    //    never finishes first without an error.
    let end = tokio::select! {
        biased;
        end = echo_messages(&mut reader, &outbox) => end,
        res = &mut writing => {
            debug!(?res, "writer failed");
            return;
        }
    };

    // 2) The closing handshake: our close goes out (queued by the reader,
    //    or here if the stream just ended). If we started it, read on until
    //    the client answers, so the socket is not reset under our close.
    outbox.close(close::NORMAL, "");
    let we_closed = !matches!(end, ReadEnd::Peer { .. });
    let handshake = async {
        let (written, ()) = tokio::join!(&mut writing, async {
            if we_closed {
                reader.drain().await;
            }
        });
        written
    };
    let res = timeout(CLOSE_GRACE, handshake).await;
    debug!(?end, ?res, "closed");
}

/// Echoes binary as binary and text as text. The reader answers pings and
/// closes through the same outbox, so echoes, pongs and the close leave in
/// the order their causes arrived.
async fn echo_messages(reader: &mut WsReader, outbox: &Outbox) -> ReadEnd {
    loop {
        let frame = match reader.next(outbox).await {
            Ok(Message::Binary(b)) => OutFrame::Message(Bytes::from(b.into_owned())),
            Ok(Message::Text(t)) => OutFrame::Text(Bytes::from(t.into_owned())),
            Err(end) => return end,
        };
        // Wait for the writer rather than overflow the outbox: an echo
        // client may send far faster than it reads.
        outbox.room().await;
        let _ = outbox.push(frame);
    }
}
