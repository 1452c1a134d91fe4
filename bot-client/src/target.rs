//! Where the bots (and the metrics scrapes) connect: URLs parsed into a
//! [`Target`], the loopback-only rule, and the resolution that checks the
//! rule again on the addresses a name resolves to. The nodes of a fleet
//! the bots are redirected to are held in a [`Nodes`] cache, so each URL
//! is parsed, checked and resolved once per run, under the same rule.
//!
//! Why loopback only: a load generator that opens thousands of connections
//! and sends at tick rate is, pointed at somebody else's machine, a denial of
//! service tool; and across a real network its numbers measure the network
//! as much as the server. So a non-loopback host needs an explicit
//! `allow_remote`, and the host name is checked again after resolution
//! (`localhost` must resolve to loopback addresses too).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};

use hyper::Uri;

use crate::options::RunError;

/// Where to connect: the parts of a `ws://` or `wss://` (or, for metrics,
/// `http://`) URL a client needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Host name or IP literal, without IPv6 brackets.
    pub host: String,
    pub port: u16,
    /// `host[:port]` as written, for the `Host` header.
    pub authority: String,
    /// The request target, e.g. `/ws`.
    pub path: String,
    /// `wss://`: TLS, checked against the run's trust store (see
    /// [`crate::tls`]).
    pub tls: bool,
}

/// Parses a `ws://` or `wss://host[:port]/path` URL (port 80 or 443 by
/// default) and applies the loopback rule.
pub fn parse_target(url: &str, allow_remote: bool) -> Result<Target, RunError> {
    parse_url(url, allow_remote, Scheme::Ws)
}

/// Parses an `http://host[:port]/path` URL (the server's metrics) and
/// applies the loopback rule. `https://` is refused.
pub fn parse_http_target(url: &str, allow_remote: bool) -> Result<Target, RunError> {
    parse_url(url, allow_remote, Scheme::Http)
}

/// The plain-text scheme a URL must have.
#[derive(Clone, Copy)]
enum Scheme {
    Ws,
    Http,
}

fn parse_url(url: &str, allow_remote: bool, scheme: Scheme) -> Result<Target, RunError> {
    let invalid = |reason| RunError::InvalidUrl {
        url: url.to_owned(),
        reason,
    };
    let uri: Uri = url.parse().map_err(|_| invalid("not a URL"))?;
    match (scheme, uri.scheme_str()) {
        (Scheme::Ws, Some("ws" | "wss")) | (Scheme::Http, Some("http")) => {}
        (Scheme::Ws, _) => return Err(invalid("the scheme must be ws:// or wss://")),
        (Scheme::Http, Some("https")) => return Err(invalid("https:// (TLS) is not supported")),
        (Scheme::Http, _) => return Err(invalid("the scheme must be http://")),
    }
    let authority = uri.authority().ok_or_else(|| invalid("no host"))?;
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    if host.is_empty() {
        return Err(invalid("no host"));
    }
    if !allow_remote && !is_loopback_host(host) {
        return Err(RunError::RemoteHost {
            host: host.to_owned(),
        });
    }
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let tls = uri.scheme_str() == Some("wss");
    Ok(Target {
        host: host.to_owned(),
        port: uri.port_u16().unwrap_or(if tls { 443 } else { 80 }),
        tls,
        authority: authority.as_str().to_owned(),
        path: if path.is_empty() { "/" } else { path }.to_owned(),
    })
}

/// Whether `host` names this machine: `localhost` (RFC 6761 reserves it
/// for loopback) or a loopback IP literal, IPv4-mapped ones included.
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.parse::<IpAddr>().is_ok_and(is_loopback_ip)
}

fn is_loopback_ip(ip: IpAddr) -> bool {
    ip.to_canonical().is_loopback()
}

/// Resolves the target once for the whole run (thousands of bots should
/// not each ask the resolver), re-checking the loopback rule on the result.
pub(crate) async fn resolve(target: &Target, allow_remote: bool) -> Result<SocketAddr, RunError> {
    let resolve_err = |source| RunError::Resolve {
        host: target.host.clone(),
        source,
    };
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((target.host.as_str(), target.port))
        .await
        .map_err(resolve_err)?
        .collect();
    if !allow_remote && addrs.iter().any(|a| !is_loopback_ip(a.ip())) {
        return Err(RunError::RemoteHost {
            host: target.host.clone(),
        });
    }
    addrs.first().copied().ok_or_else(|| {
        resolve_err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no addresses",
        ))
    })
}

/// The most node URLs a run remembers. Default: 256, far more than any
/// fleet has nodes; past it (a server handing out a new URL per redirect)
/// URLs are still checked and resolved, just not kept.
pub const MAX_KNOWN_NODES: usize = 256;

/// A node the bots connect to: `--url`'s, or one a `Redirect` named.
#[derive(Debug)]
pub(crate) struct Node {
    /// The URL as given: the report's key for the node.
    pub url: Arc<str>,
    pub target: Target,
    pub addr: SocketAddr,
}

/// The nodes of a run, by URL, each checked against the loopback rule and
/// resolved once (thousands of redirected bots should not each ask the
/// resolver).
#[derive(Debug)]
pub(crate) struct Nodes {
    allow_remote: bool,
    known: Mutex<HashMap<Arc<str>, Arc<Node>>>,
}

impl Nodes {
    /// An empty cache; `allow_remote` lifts the loopback rule.
    pub(crate) fn new(allow_remote: bool) -> Self {
        Self {
            allow_remote,
            known: Mutex::new(HashMap::new()),
        }
    }

    /// Adds a node already parsed and resolved (`--url`'s) and returns it.
    pub(crate) fn insert(&self, url: &str, target: Target, addr: SocketAddr) -> Arc<Node> {
        let node = Arc::new(Node {
            url: Arc::from(url),
            target,
            addr,
        });
        let mut known = self.known.lock().unwrap_or_else(PoisonError::into_inner);
        if known.len() < MAX_KNOWN_NODES {
            known.insert(Arc::clone(&node.url), Arc::clone(&node));
        }
        node
    }

    /// The node at `url`: parsed, checked and resolved on first sight.
    pub(crate) async fn get(&self, url: &str) -> Result<Arc<Node>, RunError> {
        let cached = (self.known.lock().unwrap_or_else(PoisonError::into_inner))
            .get(url)
            .cloned();
        if let Some(node) = cached {
            return Ok(node);
        }
        let target = parse_target(url, self.allow_remote)?;
        let addr = resolve(&target, self.allow_remote).await?;
        Ok(self.insert(url, target, addr))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn nodes_are_checked_resolved_and_kept() {
        let nodes = Nodes::new(false);
        let a = nodes.get("ws://127.0.0.1:7001/ws").await.unwrap();
        assert_eq!(a.addr, "127.0.0.1:7001".parse().unwrap());
        assert_eq!(&*a.url, "ws://127.0.0.1:7001/ws");
        let again = nodes.get("ws://127.0.0.1:7001/ws").await.unwrap();
        assert!(Arc::ptr_eq(&a, &again));
        assert!(matches!(
            nodes.get("ws://192.0.2.1:7000/ws").await,
            Err(RunError::RemoteHost { .. })
        ));
        assert!(matches!(
            nodes.get("http://127.0.0.1/ws").await,
            Err(RunError::InvalidUrl { .. })
        ));
        let tls = nodes.get("wss://127.0.0.1:7443/ws").await.unwrap();
        assert!(tls.target.tls);
        let remote = Nodes::new(true).get("ws://192.0.2.1:7000/ws").await;
        assert_eq!(remote.unwrap().target.host, "192.0.2.1");
    }

    #[test]
    fn loopback_hosts_are_recognised() {
        for host in [
            "localhost",
            "LOCALHOST",
            "localhost.",
            "127.0.0.1",
            "127.1.2.3",
            "::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "example.com",
            "10.0.0.1",
            "0.0.0.0",
            "::",
            "192.168.1.1",
            "localhost.example.com",
            "128.0.0.1",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

    #[test]
    fn parses_ws_urls() {
        let t = parse_target("ws://127.0.0.1:7000/ws", false).unwrap();
        assert_eq!(
            t,
            Target {
                host: "127.0.0.1".into(),
                port: 7000,
                authority: "127.0.0.1:7000".into(),
                path: "/ws".into(),
                tls: false,
            }
        );
        let t = parse_target("wss://localhost/ws", false).unwrap();
        assert_eq!((t.port, t.tls), (443, true));
        let t = parse_target("wss://127.0.0.1:7443/ws", false).unwrap();
        assert_eq!(
            (t.port, t.tls, t.authority.as_str()),
            (7443, true, "127.0.0.1:7443")
        );
        let t = parse_target("ws://[::1]:9/ws?x=1", false).unwrap();
        assert_eq!((t.host.as_str(), t.port), ("::1", 9));
        assert_eq!(t.path, "/ws?x=1");
        let t = parse_target("ws://localhost", false).unwrap();
        assert_eq!((t.port, t.path.as_str()), (80, "/"));
    }

    #[test]
    fn refuses_remote_hosts_unless_allowed() {
        let err = parse_target("ws://example.com:7000/ws", false).unwrap_err();
        assert!(matches!(err, RunError::RemoteHost { ref host } if host == "example.com"));
        assert!(err.to_string().contains("--allow-remote"));
        assert!(parse_target("ws://example.com:7000/ws", true).is_ok());
    }

    #[test]
    fn parses_http_urls_for_metrics() {
        let t = parse_http_target("http://localhost:7000/metrics", false).unwrap();
        assert_eq!((t.host.as_str(), t.port), ("localhost", 7000));
        assert_eq!(
            (t.authority.as_str(), t.path.as_str()),
            ("localhost:7000", "/metrics")
        );
        for url in [
            "ws://127.0.0.1/metrics",
            "https://127.0.0.1/metrics",
            "/metrics",
        ] {
            assert!(
                matches!(
                    parse_http_target(url, true),
                    Err(RunError::InvalidUrl { .. })
                ),
                "{url}"
            );
        }
        assert!(matches!(
            parse_http_target("http://10.0.0.1/metrics", false),
            Err(RunError::RemoteHost { .. })
        ));
    }

    #[test]
    fn refuses_bad_urls() {
        for url in [
            "",
            "not a url",
            "http://127.0.0.1/ws",
            "https://127.0.0.1/ws",
            "/ws",
        ] {
            assert!(
                matches!(parse_target(url, true), Err(RunError::InvalidUrl { .. })),
                "{url}"
            );
        }
    }
}
