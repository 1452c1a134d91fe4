//! The server's own view of a run, read from its Prometheus endpoint
//! (`GET /metrics`) for the report's `server` section.
//!
//! Three scrapes: one **before** the first bot connects, one **mid-run**
//! (half-way through the connect ramp plus the duration, when every bot
//! should be connected) for the gauges (connections, lobbies, players), and
//! one at the **end**, after the last bot finished. Counters and the tick
//! histograms are reported as end minus before, so they describe this run
//! even on a server that has served others. A scrape that fails is a
//! warning in the report, never a failed run; each is bounded by
//! [`http::SCRAPE_TIMEOUT`].
//!
//! Where: [`ServerMetrics::Auto`] scrapes `/metrics` on the game server's
//! own host and port, but only when that host is loopback (a remote
//! server's metrics are not this tool's business unless asked for with an
//! explicit URL, which the loopback rule then applies to).

use std::net::SocketAddr;

use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep_until};
use tracing::warn;

use crate::options::RunError;
use crate::report::ServerReport;
use crate::target::{self, Target, is_loopback_host};

mod http;
pub(crate) mod text;

pub use http::{MAX_BODY_BYTES, SCRAPE_TIMEOUT};
pub(crate) use http::{MetricsTarget, scrape};
use text::Scrape;

/// The path scraped by default. Default: `/metrics`, where the server
/// serves them on its game port.
pub const DEFAULT_PATH: &str = "/metrics";

/// Where the report's `server` section comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ServerMetrics {
    /// `http://<the --url's host:port>/metrics`, when that host is
    /// loopback and the URL is not `wss://`; no scrape otherwise.
    #[default]
    Auto,
    /// This `http://` URL (loopback unless remote hosts are allowed).
    Url(String),
    /// No scrapes, no `server` section.
    Off,
}

/// What to scrape for `source`, given the game server's URL and address;
/// `None` when nothing should be.
pub(crate) async fn target(
    source: &ServerMetrics,
    ws: &Target,
    ws_addr: SocketAddr,
    allow_remote: bool,
) -> Result<Option<MetricsTarget>, RunError> {
    match source {
        ServerMetrics::Off => Ok(None),
        ServerMetrics::Auto => Ok(derived(ws, ws_addr)),
        ServerMetrics::Url(url) => {
            let t = target::parse_http_target(url, allow_remote)?;
            let addr = target::resolve(&t, allow_remote).await?;
            Ok(Some(MetricsTarget {
                addr,
                authority: t.authority,
                path: t.path,
                url: url.clone(),
            }))
        }
    }
}

/// The default target: `/metrics` beside the WebSocket endpoint, only on
/// loopback, and not beside a `wss://` one (the scrape speaks plain HTTP).
fn derived(ws: &Target, ws_addr: SocketAddr) -> Option<MetricsTarget> {
    (is_loopback_host(&ws.host) && !ws.tls).then(|| MetricsTarget {
        addr: ws_addr,
        authority: ws.authority.clone(),
        path: DEFAULT_PATH.to_owned(),
        url: format!("http://{}{DEFAULT_PATH}", ws.authority),
    })
}

/// A scrape, or why it failed (for the report's warnings).
pub(crate) type Scraped = Result<Scrape, String>;

/// The scrapes of one run: the first taken, the mid-run one scheduled.
pub(crate) struct Scraper {
    target: MetricsTarget,
    before: Scraped,
    mid: Option<(Instant, JoinHandle<Scraped>)>,
}

impl Scraper {
    /// Takes the scrape before the run.
    pub(crate) async fn before(target: MetricsTarget) -> Self {
        let before = scrape_noted(&target, "before the run").await;
        Self {
            target,
            before,
            mid: None,
        }
    }

    /// Schedules the mid-run scrape at `at`.
    pub(crate) fn schedule_mid(&mut self, at: Instant) {
        let target = self.target.clone();
        let task = tokio::spawn(async move {
            sleep_until(at).await;
            scrape_noted(&target, "mid-run").await
        });
        self.mid = Some((at, task));
    }

    /// Takes the last scrape and builds the report's section. A mid-run
    /// scrape not due yet (the bots all ended early) is cancelled.
    pub(crate) async fn finish(self) -> ServerReport {
        let mid = match self.mid {
            Some((at, task)) if Instant::now() >= at => task
                .await
                .unwrap_or_else(|e| Err(format!("mid-run scrape: {e}"))),
            Some((_, task)) => {
                task.abort();
                Err("mid-run scrape: the run ended before it was due".to_owned())
            }
            None => Err("mid-run scrape: never scheduled".to_owned()),
        };
        let end = scrape_noted(&self.target, "at the end").await;
        ServerReport::build(self.target.url, self.before, mid, end)
    }
}

/// One scrape; a failure says which one and why, and is logged.
async fn scrape_noted(target: &MetricsTarget, when: &str) -> Scraped {
    scrape(target).await.map_err(|err| {
        warn!(url = %target.url, %err, when, "server metrics scrape failed");
        format!("scrape {when}: {err}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_beside_a_loopback_game_server_only() {
        let addr: SocketAddr = "127.0.0.1:7000".parse().unwrap();
        let ws = target::parse_target("ws://localhost:7000/ws", false).unwrap();
        assert_eq!(
            derived(&ws, addr),
            Some(MetricsTarget {
                addr,
                authority: "localhost:7000".into(),
                path: "/metrics".into(),
                url: "http://localhost:7000/metrics".into(),
            })
        );
        let remote = target::parse_target("ws://example.com:7000/ws", true).unwrap();
        assert_eq!(derived(&remote, addr), None);
    }

    #[tokio::test]
    async fn off_and_explicit_urls() {
        let addr: SocketAddr = "127.0.0.1:7000".parse().unwrap();
        let ws = target::parse_target("ws://127.0.0.1:7000/ws", false).unwrap();
        let off = target(&ServerMetrics::Off, &ws, addr, false).await.unwrap();
        assert_eq!(off, None);
        let url = ServerMetrics::Url("http://127.0.0.1:9100/m?x=1".into());
        let t = target(&url, &ws, addr, false).await.unwrap().unwrap();
        assert_eq!(t.addr, "127.0.0.1:9100".parse().unwrap());
        assert_eq!(
            (t.path.as_str(), t.url.as_str()),
            ("/m?x=1", "http://127.0.0.1:9100/m?x=1")
        );
        let remote = ServerMetrics::Url("http://192.0.2.1/metrics".into());
        assert!(matches!(
            target(&remote, &ws, addr, false).await,
            Err(RunError::RemoteHost { .. })
        ));
    }
}
