//! Behind a proxy: the real server, with 127.0.0.2 as its trusted proxy
//! and clients on 127.0.0.1 (loopback takes all of 127/8). Forwarding
//! headers and PROXY v2 headers are written by hand, as a proxy would, and
//! the per-IP cap shows whose address the server counted.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::{Client, TestServer};
use rallypoint_server::Config;
use rallypoint_server::proxy::{TrustedProxies, parse_net, v2};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::MaybeTlsStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};

const PROXY: &str = "127.0.0.2";
const CLIENT: &str = "127.0.0.1";

async fn start(per_ip: usize, proxy_protocol: bool) -> TestServer {
    TestServer::start(Config {
        max_connections_per_ip: per_ip,
        trusted_proxies: TrustedProxies::new(vec![parse_net(PROXY).unwrap()]),
        proxy_protocol,
        ..Config::default()
    })
    .await
}

/// A TCP connection to the server from `source`.
async fn tcp_from(source: &str, server: SocketAddr) -> TcpStream {
    let sock = TcpSocket::new_v4().unwrap();
    sock.bind(format!("{source}:0").parse().unwrap()).unwrap();
    sock.connect(server).await.unwrap()
}

/// Upgrades `stream` at /ws with extra request headers and says Hello;
/// the HTTP status if the upgrade is refused.
async fn play(
    server: &TestServer,
    stream: TcpStream,
    headers: &[(&str, &str)],
) -> Result<Client, u16> {
    let mut request = server.url().into_client_request().unwrap();
    for (name, value) in headers {
        let name = HeaderName::from_bytes(name.as_bytes()).unwrap();
        request
            .headers_mut()
            .append(name, HeaderValue::from_str(value).unwrap());
    }
    match tokio_tungstenite::client_async(request, MaybeTlsStream::Plain(stream)).await {
        Ok((ws, _)) => Ok(Client::from_ws(ws).hello("p").await),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            Err(response.status().as_u16())
        }
        Err(e) => panic!("upgrade failed without an HTTP answer: {e}"),
    }
}

fn xff(addr: &str) -> [(&'static str, &str); 1] {
    [("x-forwarded-for", addr)]
}

#[tokio::test]
async fn a_trusted_proxys_clients_are_capped_by_their_own_addresses() {
    let server = start(2, false).await;
    let mut held = Vec::new();
    // Six clients through one proxy address, two per forwarded address.
    for client in ["203.0.113.1", "203.0.113.2", "203.0.113.3"] {
        for _ in 0..2 {
            let tcp = tcp_from(PROXY, server.addr).await;
            held.push(
                play(&server, tcp, &xff(&format!("10.9.9.9, {client}")))
                    .await
                    .unwrap(),
            );
        }
    }
    // A third from one of them is over its cap; Forwarded counts the same.
    let tcp = tcp_from(PROXY, server.addr).await;
    assert_eq!(
        play(&server, tcp, &xff("203.0.113.2")).await.err(),
        Some(429)
    );
    let tcp = tcp_from(PROXY, server.addr).await;
    let forwarded = [("forwarded", "for=203.0.113.3;proto=http")];
    assert_eq!(play(&server, tcp, &forwarded).await.err(), Some(429));
    // A client leaving frees its place.
    drop(held.pop());
    let mut again = None;
    for _ in 0..40 {
        let tcp = tcp_from(PROXY, server.addr).await;
        if let Ok(c) = play(&server, tcp, &xff("203.0.113.3")).await {
            again = Some(c);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(again.is_some(), "the freed place was not given back");
}

#[tokio::test]
async fn headers_from_an_untrusted_peer_are_ignored() {
    let server = start(2, false).await;
    let mut held = Vec::new();
    for forged in ["198.51.100.1", "198.51.100.2"] {
        let tcp = tcp_from(CLIENT, server.addr).await;
        held.push(play(&server, tcp, &xff(forged)).await.unwrap());
    }
    let tcp = tcp_from(CLIENT, server.addr).await;
    let forged = [
        ("x-forwarded-for", "198.51.100.3"),
        ("forwarded", "for=198.51.100.4"),
    ];
    assert_eq!(play(&server, tcp, &forged).await.err(), Some(429));
}

#[tokio::test]
async fn a_proxy_without_headers_is_counted_as_itself() {
    let server = start(1, false).await;
    let _first = play(&server, tcp_from(PROXY, server.addr).await, &[])
        .await
        .unwrap();
    let tcp = tcp_from(PROXY, server.addr).await;
    assert_eq!(
        play(&server, tcp, &xff("not an address")).await.err(),
        Some(429)
    );
}

/// A connection from `source` that begins with a PROXY v2 header naming
/// `client`.
async fn proxied(server: &TestServer, source: &str, client: &str) -> TcpStream {
    let mut tcp = tcp_from(source, server.addr).await;
    let header = v2::encode(client.parse().unwrap(), server.addr);
    tcp.write_all(&header).await.unwrap();
    tcp
}

#[tokio::test]
async fn proxy_v2_headers_name_the_client() {
    let server = start(1, true).await;
    let _a = play(
        &server,
        proxied(&server, PROXY, "203.0.113.1:5000").await,
        &[],
    )
    .await
    .unwrap();
    let _b = play(
        &server,
        proxied(&server, PROXY, "203.0.113.2:5000").await,
        &[],
    )
    .await
    .unwrap();
    // Over the cap as soon as the header is read: the raw 429 of accept.
    let again = proxied(&server, PROXY, "203.0.113.1:6000").await;
    assert_eq!(play(&server, again, &[]).await.err(), Some(429));
    // The header names the client: forwarding headers after it do not.
    let spoof = proxied(&server, PROXY, "203.0.113.2:6000").await;
    assert_eq!(
        play(&server, spoof, &xff("198.51.100.9")).await.err(),
        Some(429)
    );
}

/// Everything the server sends on `tcp` until it closes (or 5 s pass).
async fn answer(mut tcp: TcpStream, request: &[u8]) -> Vec<u8> {
    tcp.write_all(request).await.unwrap();
    let mut out = Vec::new();
    let read = tokio::time::timeout(common::WAIT, tcp.read_to_end(&mut out)).await;
    assert!(read.is_ok(), "the connection was not closed");
    out
}

const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

#[tokio::test]
async fn only_trusted_proxies_send_proxy_headers_and_they_must() {
    let server = start(8, true).await;
    // From a trusted proxy: with the header, HTTP follows.
    let ok = answer(proxied(&server, PROXY, "203.0.113.1:5000").await, HEALTHZ).await;
    assert!(
        ok.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&ok)
    );
    // Without it, the connection is closed unanswered.
    let missing = answer(tcp_from(PROXY, server.addr).await, HEALTHZ).await;
    assert!(missing.is_empty(), "{}", String::from_utf8_lossy(&missing));
    // From anyone else, a PROXY header is not HTTP.
    let forged = answer(proxied(&server, CLIENT, "203.0.113.1:5000").await, HEALTHZ).await;
    assert!(
        forged.starts_with(b"HTTP/1.1 400"),
        "{}",
        String::from_utf8_lossy(&forged)
    );
    // And plain HTTP from them is served as ever.
    let plain = answer(tcp_from(CLIENT, server.addr).await, HEALTHZ).await;
    assert!(plain.starts_with(b"HTTP/1.1 200"));
}
