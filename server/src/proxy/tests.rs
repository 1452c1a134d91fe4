use std::net::{IpAddr, SocketAddr};

use http::{HeaderMap, HeaderValue};

use super::forwarded::{
    MAX_FORWARDED_HEADER_BYTES, client_from_headers, parse_forwarded, parse_x_forwarded_for,
};
use super::v2::{MAX_PROXY_HEADER_BYTES, ProxyHeaderError, encode, read_header};
use super::*;

fn trusted(nets: &[&str]) -> TrustedProxies {
    TrustedProxies::new(nets.iter().map(|n| parse_net(n).unwrap()).collect())
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn hop(s: &str, port: Option<u16>) -> Option<Hop> {
    Some(Hop { ip: ip(s), port })
}

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(*name, HeaderValue::from_str(value).unwrap());
    }
    map
}

const PROXY: &str = "10.0.0.5:40000";

fn resolve(pairs: &[(&'static str, &str)]) -> Result<ClientAddr, ChainError> {
    let proxies = trusted(&["10.0.0.0/8", "fd00::/8"]);
    client_from_headers(&headers(pairs), PROXY.parse().unwrap(), &proxies)
}

#[test]
fn networks_match_by_cidr_and_bare_addresses_are_one_host() {
    let t = trusted(&["10.1.2.3/8", "192.168.1.7", "fd00::/8"]);
    assert_eq!(t.nets()[0].to_string(), "10.0.0.0/8");
    assert!(t.contains(ip("10.200.0.1")));
    assert!(t.contains(ip("192.168.1.7")));
    assert!(!t.contains(ip("192.168.1.8")));
    assert!(!t.contains(ip("11.0.0.1")));
    assert!(t.contains(ip("fd12::1")));
    assert!(!t.contains(ip("fe80::1")));
    // IPv4 seen through a dual-stack listener.
    assert!(t.contains(ip("::ffff:10.9.9.9")));
    assert!(!TrustedProxies::default().contains(ip("10.0.0.1")));
    assert!(parse_net("10.0.0.0/33").is_err());
    assert!(parse_net("proxy.local").is_err());
}

#[test]
fn the_client_is_the_right_most_untrusted_hop() {
    let t = trusted(&["10.0.0.0/8"]);
    let chain = [
        hop("1.1.1.1", None),
        hop("2.2.2.2", None),
        hop("10.0.0.9", None),
    ];
    assert_eq!(
        pick_client(&chain, &t),
        Ok(Hop {
            ip: ip("2.2.2.2"),
            port: None
        })
    );
    // Only trusted proxies: the first of them is the client.
    let inner = [hop("10.0.0.1", None), hop("10.0.0.2", None)];
    assert_eq!(pick_client(&inner, &t).unwrap().ip, ip("10.0.0.1"));
    // An unknown hop where the client should be: no client.
    let hidden = [hop("1.1.1.1", None), None, hop("10.0.0.9", None)];
    assert_eq!(pick_client(&hidden, &t), Err(ChainError::UnknownHop));
    assert_eq!(pick_client(&[], &t), Err(ChainError::Missing));
}

#[test]
fn x_forwarded_for_parses_every_form() {
    assert_eq!(
        parse_x_forwarded_for(
            " 203.0.113.7, 2001:db8::1,[2001:db8::2], [2001:db8::3]:80, 198.51.100.1:4711 ,unknown"
        )
        .unwrap(),
        vec![
            hop("203.0.113.7", None),
            hop("2001:db8::1", None),
            hop("2001:db8::2", None),
            hop("2001:db8::3", Some(80)),
            hop("198.51.100.1", Some(4711)),
            None,
        ]
    );
    for bad in [
        "",
        "1.2.3.4,,5.6.7.8",
        "example.com",
        "1.2.3.4:99999",
        "[::1",
    ] {
        assert!(parse_x_forwarded_for(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn forwarded_parses_rfc_7239_nodes() {
    let value = r#"for=192.0.2.43, for="[2001:db8:cafe::17]:4711";proto=https, By=10.0.0.1;FOR=198.51.100.17:_port, for=unknown, for=_hidden, proto=http"#;
    assert_eq!(
        parse_forwarded(value).unwrap(),
        vec![
            hop("192.0.2.43", None),
            hop("2001:db8:cafe::17", Some(4711)),
            hop("198.51.100.17", None),
            None,
            None,
            None,
        ]
    );
    // A comma or semicolon inside quotes does not split.
    assert_eq!(
        parse_forwarded(r#"for="192.0.2.1";host="a,b;c""#).unwrap(),
        vec![hop("192.0.2.1", None)]
    );
    for bad in [
        "for=2001:db8::1",
        "for=\"192.0.2.1",
        "for",
        "for=1.2.3.4;for=5.6.7.8",
        "for=1.2.3.4:x",
        "for=\"[::1\"",
    ] {
        assert!(parse_forwarded(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn headers_name_the_client_behind_the_proxy() {
    let c = resolve(&[("x-forwarded-for", "203.0.113.7, 10.0.0.4")]).unwrap();
    assert_eq!(
        (c.ip, c.port, c.via),
        (ip("203.0.113.7"), None, Some(PROXY.parse().unwrap()))
    );
    assert_eq!(c.to_string(), "203.0.113.7");
    // Forwarded wins over X-Forwarded-For.
    let c = resolve(&[
        ("x-forwarded-for", "198.51.100.1"),
        ("forwarded", "for=\"[2001:db8::7]:5000\""),
    ])
    .unwrap();
    assert_eq!(c.to_string(), "[2001:db8::7]:5000");
    // Several lines of one header are one list, in order.
    let c = resolve(&[
        ("x-forwarded-for", "198.51.100.1"),
        ("x-forwarded-for", "198.51.100.2, 10.1.1.1"),
    ])
    .unwrap();
    assert_eq!(c.ip, ip("198.51.100.2"));
}

#[test]
fn a_client_cannot_spoof_its_way_past_the_proxy() {
    // The client wrote a header of its own; the proxy appended the real
    // address: the right-most untrusted hop is the real one.
    let c = resolve(&[("x-forwarded-for", "10.0.0.1, 6.6.6.6, 203.0.113.9")]).unwrap();
    assert_eq!(c.ip, ip("203.0.113.9"));
}

#[test]
fn bad_or_missing_headers_name_no_client() {
    assert_eq!(resolve(&[]), Err(ChainError::Missing));
    assert!(matches!(
        resolve(&[("x-forwarded-for", "not-an-ip")]),
        Err(ChainError::Malformed { .. })
    ));
    let long = vec!["203.0.113.7"; MAX_FORWARDED_HEADER_BYTES / 8].join(",");
    assert!(matches!(
        resolve(&[("x-forwarded-for", &long)]),
        Err(ChainError::TooLong(_))
    ));
    let mut map = HeaderMap::new();
    map.insert("forwarded", HeaderValue::from_bytes(b"for=\xff").unwrap());
    assert!(client_from_headers(&map, PROXY.parse().unwrap(), &trusted(&["10.0.0.0/8"])).is_err());
}

#[tokio::test]
async fn proxy_v2_headers_are_read_exactly() {
    let client: SocketAddr = "203.0.113.7:4711".parse().unwrap();
    let server: SocketAddr = "10.0.0.2:7000".parse().unwrap();
    let mut bytes = encode(client, server);
    bytes.extend_from_slice(b"GET / HTTP/1.1\r\n");
    let mut io = &bytes[..];
    assert_eq!(read_header(&mut io).await.unwrap(), Some(client));
    assert_eq!(
        io, b"GET / HTTP/1.1\r\n",
        "the bytes after the header are left"
    );

    let v6: SocketAddr = "[2001:db8::1]:443".parse().unwrap();
    let bytes = encode(v6, "[2001:db8::2]:7000".parse().unwrap());
    assert_eq!(read_header(&mut &bytes[..]).await.unwrap(), Some(v6));

    // LOCAL (a health check by the proxy itself): no client address.
    let mut local = ppp::v2::PROTOCOL_PREFIX.to_vec();
    local.extend_from_slice(&[0x20, 0x00, 0, 0]);
    assert_eq!(read_header(&mut &local[..]).await.unwrap(), None);
}

#[tokio::test]
async fn bad_proxy_v2_headers_are_refused() {
    let plain = b"GET /ws HTTP/1.1\r\nHost: x\r\n\r\n";
    assert!(matches!(
        read_header(&mut &plain[..]).await,
        Err(ProxyHeaderError::Invalid(_))
    ));
    let mut huge = ppp::v2::PROTOCOL_PREFIX.to_vec();
    huge.extend_from_slice(&[0x21, 0x11]);
    huge.extend_from_slice(&(MAX_PROXY_HEADER_BYTES as u16).to_be_bytes());
    assert!(matches!(
        read_header(&mut &huge[..]).await,
        Err(ProxyHeaderError::TooLong(_))
    ));
    let cut = &encode("1.2.3.4:5".parse().unwrap(), "5.6.7.8:9".parse().unwrap())[..20];
    assert!(matches!(
        read_header(&mut &cut[..]).await,
        Err(ProxyHeaderError::Io(_))
    ));
}

#[tokio::test(start_paused = true)]
async fn a_silent_proxy_times_out() {
    let (mut server, _client) = tokio::io::duplex(64);
    assert!(matches!(
        read_header(&mut server).await,
        Err(ProxyHeaderError::Timeout(_))
    ));
}
