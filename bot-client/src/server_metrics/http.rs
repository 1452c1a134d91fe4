//! One bounded HTTP/1.1 `GET` of the server's metrics, with hyper's client
//! connection (already used for the WebSocket upgrade): a fresh TCP
//! connection per scrape, the body capped at [`MAX_BODY_BYTES`], and
//! everything, connect included, within [`SCRAPE_TIMEOUT`].

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper::Request;
use hyper::header::HOST;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio::time::timeout;

use super::text::{ParseError, Scrape};

/// The longest a scrape may take, connect to last byte. Default: 2 s; the
/// server answers in milliseconds, and a scrape that hangs must never hold
/// up the end of a run for long.
pub const SCRAPE_TIMEOUT: Duration = Duration::from_secs(2);

/// The largest metrics body accepted. Default: 1 MiB; the server's is about
/// 4 KiB, and every label it uses is one of a fixed set.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// Where the metrics are: the resolved address and the request's parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MetricsTarget {
    pub addr: SocketAddr,
    /// `host[:port]`, for the `Host` header.
    pub authority: String,
    /// The request target, e.g. `/metrics`.
    pub path: String,
    /// The whole URL, for the report.
    pub url: String,
}

/// Why a scrape failed. None of these fails a run: each becomes a warning
/// in the report's `server` section.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ScrapeError {
    #[error("connect: {0}")]
    Connect(#[source] std::io::Error),
    #[error("http: {0}")]
    Http(#[from] hyper::Error),
    #[error("cannot build the request: {0}")]
    Request(#[from] hyper::http::Error),
    #[error("status {0}")]
    Status(u16),
    #[error("body: {0}")]
    Body(String),
    #[error("body is not UTF-8")]
    NotUtf8,
    #[error("no answer within {SCRAPE_TIMEOUT:?}")]
    Timeout,
    #[error("unreadable metrics: {0}")]
    Parse(#[from] ParseError),
}

/// Fetches and parses the metrics once.
pub(crate) async fn scrape(target: &MetricsTarget) -> Result<Scrape, ScrapeError> {
    let text = timeout(SCRAPE_TIMEOUT, get(target))
        .await
        .map_err(|_| ScrapeError::Timeout)??;
    Ok(Scrape::parse(&text)?)
}

async fn get(target: &MetricsTarget) -> Result<String, ScrapeError> {
    let stream = TcpStream::connect(target.addr)
        .await
        .map_err(ScrapeError::Connect)?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    // The connection task drives the socket; if it fails, the request
    // fails with it. Aborted when the scrape ends or times out.
    let _conn = AbortOnDrop(tokio::spawn(conn));
    let request = Request::get(target.path.as_str())
        .header(HOST, target.authority.as_str())
        .body(Empty::<Bytes>::new())?;
    let response = sender.send_request(request).await?;
    if !response.status().is_success() {
        return Err(ScrapeError::Status(response.status().as_u16()));
    }
    let body = Limited::new(response.into_body(), MAX_BODY_BYTES)
        .collect()
        .await
        .map_err(|e| ScrapeError::Body(e.to_string()))?
        .to_bytes();
    String::from_utf8(body.to_vec()).map_err(|_| ScrapeError::NotUtf8)
}

/// Aborts its task when dropped.
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}
