//! The forwarding headers a trusted HTTP proxy adds to each request:
//! `Forwarded` (RFC 7239, its `for=` parameters) and, when that is absent,
//! the older `X-Forwarded-For`. Pure parsing of bounded input: a header
//! that is too long or does not parse names no client, and the caller
//! falls back to the proxy's own address.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use http::HeaderMap;
use http::header::FORWARDED;

use super::{ChainError, ClientAddr, Hop, TrustedProxies, pick_client};

/// The most bytes of forwarding headers read from one request, all lines
/// of the header in use together. Default: 4096, room for a chain of more
/// than a hundred hops; a longer header is ignored (the request is known
/// by its proxy's address) rather than parsed.
pub const MAX_FORWARDED_HEADER_BYTES: usize = 4096;

const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// The client a trusted proxy's request names, from `Forwarded`, else
/// `X-Forwarded-For`; `proxy` is the connection's peer, the proxy itself.
pub fn client_from_headers(
    headers: &HeaderMap,
    proxy: SocketAddr,
    trusted: &TrustedProxies,
) -> Result<ClientAddr, ChainError> {
    let hops = if headers.contains_key(FORWARDED) {
        parse_forwarded(&joined(headers, FORWARDED.as_str(), "Forwarded")?)?
    } else if headers.contains_key(X_FORWARDED_FOR) {
        parse_x_forwarded_for(&joined(headers, X_FORWARDED_FOR, "X-Forwarded-For")?)?
    } else {
        return Err(ChainError::Missing);
    };
    let hop = pick_client(&hops, trusted)?;
    Ok(ClientAddr {
        ip: hop.ip.to_canonical(),
        port: hop.port,
        via: Some(proxy),
    })
}

/// Every line of header `name`, joined with commas (RFC 9110 §5.3), if
/// they fit in [`MAX_FORWARDED_HEADER_BYTES`] and are visible ASCII.
fn joined(headers: &HeaderMap, name: &str, header: &'static str) -> Result<String, ChainError> {
    let mut out = String::new();
    for value in headers.get_all(name) {
        let len = out.len() + value.len() + 1;
        if len > MAX_FORWARDED_HEADER_BYTES {
            return Err(ChainError::TooLong(len));
        }
        let value = value.to_str().map_err(|_| ChainError::Malformed {
            header,
            why: "not visible ASCII",
        })?;
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(value);
    }
    Ok(out)
}

/// The hops of an `X-Forwarded-For` value: comma-separated addresses, an
/// IPv6 one bare or in brackets, either with or without a port, or
/// `unknown`.
pub fn parse_x_forwarded_for(value: &str) -> Result<Vec<Option<Hop>>, ChainError> {
    let malformed = |why| ChainError::Malformed {
        header: "X-Forwarded-For",
        why,
    };
    value
        .split(',')
        .map(|item| {
            let item = item.trim();
            if item.eq_ignore_ascii_case("unknown") {
                return Ok(None);
            }
            if let Ok(ip) = item.parse::<IpAddr>() {
                return Ok(Some(Hop { ip, port: None }));
            }
            if let Ok(addr) = item.parse::<SocketAddr>() {
                return Ok(Some(Hop {
                    ip: addr.ip(),
                    port: Some(addr.port()),
                }));
            }
            match item.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
                Some(v6) => v6
                    .parse::<Ipv6Addr>()
                    .map(|ip| {
                        Some(Hop {
                            ip: ip.into(),
                            port: None,
                        })
                    })
                    .map_err(|_| malformed("not an address")),
                None => Err(malformed("not an address")),
            }
        })
        .collect()
}

/// The hops of a `Forwarded` value: one per comma-separated element, from
/// its `for=` parameter (an element without one is an unknown hop).
pub fn parse_forwarded(value: &str) -> Result<Vec<Option<Hop>>, ChainError> {
    let malformed = |why| ChainError::Malformed {
        header: "Forwarded",
        why,
    };
    let mut hops = Vec::new();
    for element in split_outside_quotes(value, ',').map_err(malformed)? {
        let mut node = None;
        for pair in split_outside_quotes(element, ';').map_err(malformed)? {
            let pair = pair.trim();
            if pair.is_empty() {
                continue;
            }
            let (name, value) = pair
                .split_once('=')
                .ok_or(malformed("a parameter without `=`"))?;
            if name.trim().eq_ignore_ascii_case("for") {
                if node.is_some() {
                    return Err(malformed("two `for` parameters in one element"));
                }
                node = Some(parse_node(&unquote(value.trim()).map_err(malformed)?)?);
            }
        }
        hops.push(node.flatten());
    }
    Ok(hops)
}

/// A `Forwarded` node (RFC 7239 §6): `IPv4[:port]`, `"[IPv6][:port]"`,
/// `unknown`, or an obfuscated `_identifier` (with an obfuscated port,
/// the port is unknown).
fn parse_node(node: &str) -> Result<Option<Hop>, ChainError> {
    let malformed = |why| ChainError::Malformed {
        header: "Forwarded",
        why,
    };
    if node.eq_ignore_ascii_case("unknown") || node.starts_with('_') {
        return Ok(None);
    }
    let (host, port) = if let Some(rest) = node.strip_prefix('[') {
        let (v6, after) = rest.split_once(']').ok_or(malformed("unclosed `[`"))?;
        let ip = v6
            .parse::<Ipv6Addr>()
            .map_err(|_| malformed("not an IPv6 address"))?;
        (IpAddr::V6(ip), after.strip_prefix(':'))
    } else {
        let (host, port) = match node.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (node, None),
        };
        let ip = host
            .parse::<std::net::Ipv4Addr>()
            .map_err(|_| malformed("not an IPv4 address"))?;
        (IpAddr::V4(ip), port)
    };
    let port = match port {
        None => None,
        Some(p) if p.starts_with('_') => None,
        Some(p) => Some(p.parse::<u16>().map_err(|_| malformed("bad port"))?),
    };
    Ok(Some(Hop { ip: host, port }))
}

/// Splits on `sep` where it is not inside a quoted string.
fn split_outside_quotes(s: &str, sep: char) -> Result<Vec<&str>, &'static str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            c if c == sep && !quoted => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if quoted {
        return Err("unclosed quote");
    }
    parts.push(&s[start..]);
    Ok(parts)
}

/// A token as is, or a quoted string without its quotes and escapes.
fn unquote(value: &str) -> Result<String, &'static str> {
    let Some(inner) = value.strip_prefix('"') else {
        return Ok(value.to_owned());
    };
    let inner = inner.strip_suffix('"').ok_or("unclosed quote")?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next().ok_or("dangling escape")?),
            '"' => return Err("quote inside a quoted string"),
            c => out.push(c),
        }
    }
    Ok(out)
}
