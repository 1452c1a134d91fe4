//! Who a client really is when it reaches the server through a proxy or a
//! load balancer. A connection's TCP peer is believed unless it is one of
//! the operator's [`TrustedProxies`]; a trusted peer may say who its client
//! is, either in a PROXY protocol v2 header before its first byte ([`v2`],
//! with `proxy_protocol`) or in the `Forwarded` / `X-Forwarded-For`
//! headers of each request ([`forwarded`]). Of a forwarding chain only the
//! hops added by trusted proxies are believed: the client is the right-most
//! address that is not itself a trusted proxy, so whatever a client wrote
//! into the header itself stays to the left of it and is never used.
//!
//! The result is a [`ClientAddr`]: what the per-IP cap counts, what the
//! logs name, and what `connection::run` is given.

pub mod forwarded;
pub mod v2;

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use ipnet::IpNet;

/// The networks whose connections may say who their client is. Default:
/// empty, no one: every connection is its TCP peer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

/// Shown as its networks (`["10.0.0.0/8"]`), as the admin API's
/// configuration view lists it.
impl serde::Serialize for TrustedProxies {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|net| net.to_string()))
    }
}

impl TrustedProxies {
    pub fn new(nets: Vec<IpNet>) -> Self {
        Self(nets)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn nets(&self) -> &[IpNet] {
        &self.0
    }

    /// Whether `ip` is a trusted proxy. An IPv4 address seen as IPv6
    /// (`::ffff:a.b.c.d`, on a dual-stack listener) is matched as IPv4.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }
}

/// Parses a trusted network: a CIDR (`10.0.0.0/8`, `fd00::/8`) or a bare
/// address, which is that one host. Host bits are cleared (`10.1.2.3/8`
/// is `10.0.0.0/8`).
pub fn parse_net(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    if let Ok(net) = IpNet::from_str(s) {
        return Ok(net.trunc());
    }
    match IpAddr::from_str(s) {
        Ok(ip) => Ok(IpNet::from(ip.to_canonical())),
        Err(_) => Err(format!(
            "`{s}` is not an IP address or a CIDR network (like 10.0.0.0/8)"
        )),
    }
}

impl<'de> serde::Deserialize<'de> for TrustedProxies {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let list = Vec::<String>::deserialize(d)?;
        list.iter()
            .map(|s| parse_net(s))
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
            .map_err(serde::de::Error::custom)
    }
}

/// The address a connection is counted, logged and known by: its client's,
/// as resolved through trusted proxies, or its TCP peer's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr {
    /// The client's IP address: what the per-IP cap counts.
    pub ip: IpAddr,
    /// The client's port, when known (a direct peer, a PROXY header, or a
    /// `Forwarded: for=` with a port); `X-Forwarded-For` carries none.
    pub port: Option<u16>,
    /// The trusted proxy that spoke for the client (its TCP address, or
    /// the address its own PROXY header gave); `None` for a direct client.
    pub via: Option<SocketAddr>,
}

impl ClientAddr {
    /// A client that reached the server directly.
    pub fn direct(peer: SocketAddr) -> Self {
        Self {
            ip: peer.ip().to_canonical(),
            port: Some(peer.port()),
            via: None,
        }
    }
}

impl fmt::Display for ClientAddr {
    /// `ip:port` (`[v6]:port`), or just the IP when the port is unknown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.port {
            Some(port) => SocketAddr::new(self.ip, port).fmt(f),
            None => self.ip.fmt(f),
        }
    }
}

/// One hop of a forwarding chain, as a header names it: an address, or
/// `None` for `unknown` and obfuscated identifiers (RFC 7239 §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hop {
    pub ip: IpAddr,
    pub port: Option<u16>,
}

/// Why a chain named no client; the connection is then known by its proxy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("no Forwarded or X-Forwarded-For header")]
    Missing,
    #[error("forwarding headers of {0} bytes, over the limit")]
    TooLong(usize),
    #[error("malformed {header} header: {why}")]
    Malformed {
        header: &'static str,
        why: &'static str,
    },
    #[error("the first untrusted hop is unknown or obfuscated")]
    UnknownHop,
}

/// The client of a chain of hops (left-most first, as the headers list
/// them): the right-most hop that is not a trusted proxy. A chain of
/// trusted proxies only names its left-most hop: the first proxy, which
/// then is the client.
pub fn pick_client(hops: &[Option<Hop>], trusted: &TrustedProxies) -> Result<Hop, ChainError> {
    for hop in hops.iter().rev() {
        match hop {
            Some(hop) if trusted.contains(hop.ip) => continue,
            Some(hop) => return Ok(*hop),
            None => return Err(ChainError::UnknownHop),
        }
    }
    match hops.first() {
        Some(Some(first)) => Ok(*first),
        Some(None) => Err(ChainError::UnknownHop),
        None => Err(ChainError::Missing),
    }
}

#[cfg(test)]
mod tests;
