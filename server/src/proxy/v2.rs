//! The PROXY protocol, version 2: the binary header a load balancer sends
//! before a connection's own bytes, naming the client it accepted the
//! connection from. Read only from trusted proxies, and only with
//! `proxy_protocol` on, and then required: a connection without a valid
//! header is closed. Exactly the header's bytes are read, so what follows
//! (TLS or HTTP) is left in the socket for the next reader.

use std::net::SocketAddr;
use std::time::Duration;

use ppp::v2::{Addresses, Command, Header};
use tokio::io::{AsyncRead, AsyncReadExt};

/// How long a trusted proxy has to send the whole PROXY header. Default:
/// 5 s; a proxy sends it as soon as it connects.
pub const PROXY_HEADER_TIMEOUT: Duration = Duration::from_secs(5);

/// The longest PROXY v2 header accepted, TLVs included. Default: 1024
/// bytes: the fixed part is 16 bytes and the addresses at most 216 (two
/// Unix paths), which leaves room for the TLVs load balancers add (AWS's
/// VPC endpoint id, a unique id, TLS details); the protocol would allow
/// up to 64 KiB.
pub const MAX_PROXY_HEADER_BYTES: usize = 1024;

/// The fixed part: the 12-byte signature, version and command, family and
/// protocol, and the 2-byte length of the rest.
const FIXED_BYTES: usize = 16;

/// Why a PROXY header was refused.
#[derive(Debug, thiserror::Error)]
pub enum ProxyHeaderError {
    #[error("no PROXY header within {0:?}")]
    Timeout(Duration),
    #[error("PROXY header of {0} bytes, over the limit")]
    TooLong(usize),
    #[error("reading the PROXY header: {0}")]
    Io(#[from] std::io::Error),
    #[error("invalid PROXY header: {0}")]
    Invalid(#[from] ppp::v2::ParseError),
}

/// Reads one PROXY v2 header from `io` within [`PROXY_HEADER_TIMEOUT`].
/// Returns the client's address, or `None` for a `LOCAL` command (the
/// proxy's own connection, e.g. a health check) or a family other than
/// IPv4 and IPv6: the connection is then known by its TCP peer.
pub async fn read_header<R: AsyncRead + Unpin>(
    io: &mut R,
) -> Result<Option<SocketAddr>, ProxyHeaderError> {
    tokio::time::timeout(PROXY_HEADER_TIMEOUT, read_untimed(io))
        .await
        .map_err(|_| ProxyHeaderError::Timeout(PROXY_HEADER_TIMEOUT))?
}

async fn read_untimed<R: AsyncRead + Unpin>(
    io: &mut R,
) -> Result<Option<SocketAddr>, ProxyHeaderError> {
    let mut buf = vec![0u8; FIXED_BYTES];
    io.read_exact(&mut buf).await?;
    // Check the signature before trusting the length that follows it.
    if let Err(e @ ppp::v2::ParseError::Prefix) = Header::try_from(&buf[..]) {
        return Err(e.into());
    }
    let rest = usize::from(u16::from_be_bytes([buf[14], buf[15]]));
    let total = FIXED_BYTES + rest;
    if total > MAX_PROXY_HEADER_BYTES {
        return Err(ProxyHeaderError::TooLong(total));
    }
    buf.resize(total, 0);
    io.read_exact(&mut buf[FIXED_BYTES..]).await?;
    client_of(&Header::try_from(&buf[..])?)
        .map_err(ProxyHeaderError::Invalid)
        .map(|addr| addr.map(|a| SocketAddr::new(a.ip().to_canonical(), a.port())))
}

/// The source address a parsed header names.
fn client_of(header: &Header<'_>) -> Result<Option<SocketAddr>, ppp::v2::ParseError> {
    if header.command == Command::Local {
        return Ok(None);
    }
    Ok(match header.addresses {
        Addresses::IPv4(a) => Some(SocketAddr::from((a.source_address, a.source_port))),
        Addresses::IPv6(a) => Some(SocketAddr::from((a.source_address, a.source_port))),
        Addresses::Unspecified | Addresses::Unix(_) => None,
    })
}

/// A PROXY v2 header for a TCP connection from `source` to `destination`
/// (both of one family), as a load balancer writes it: for tests.
pub fn encode(source: SocketAddr, destination: SocketAddr) -> Vec<u8> {
    let mut out = ppp::v2::PROTOCOL_PREFIX.to_vec();
    out.push(0x21); // version 2, PROXY
    match (source, destination) {
        (SocketAddr::V4(s), SocketAddr::V4(d)) => {
            out.push(0x11); // IPv4, stream
            out.extend_from_slice(&12u16.to_be_bytes());
            out.extend_from_slice(&s.ip().octets());
            out.extend_from_slice(&d.ip().octets());
            out.extend_from_slice(&s.port().to_be_bytes());
            out.extend_from_slice(&d.port().to_be_bytes());
        }
        (s, d) => {
            let v6 = |a: SocketAddr| match a {
                SocketAddr::V4(v4) => v4.ip().to_ipv6_mapped(),
                SocketAddr::V6(v6) => *v6.ip(),
            };
            out.push(0x21); // IPv6, stream
            out.extend_from_slice(&36u16.to_be_bytes());
            out.extend_from_slice(&v6(s).octets());
            out.extend_from_slice(&v6(d).octets());
            out.extend_from_slice(&s.port().to_be_bytes());
            out.extend_from_slice(&d.port().to_be_bytes());
        }
    }
    out
}
