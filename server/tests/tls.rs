//! TLS served directly (`[tls]`): wss game sessions both ways, a reader
//! slow enough that TLS writes block and then drains, `https` health
//! checks, and a plain `ws://` client refused without harm. The CA and the
//! server's certificate are made here with rcgen.

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use common::{Client, TestServer, WAIT};
use futures_util::{SinkExt, StreamExt};
use glam::Vec2;
use rallypoint_server::Config;
use rallypoint_server::tls::TlsConfig;
use rallypoint_shared::ClientMsg;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_rustls::TlsConnector;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{Connector, client_async_tls_with_config};

/// A test CA, and a certificate it issued for 127.0.0.1 and localhost,
/// written as PEM files.
struct Pki {
    ca: CertificateDer<'static>,
    tls: TlsConfig,
}

fn pki(name: &str) -> Pki {
    let dir = std::env::temp_dir().join(format!("rallypoint-tls-it-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Rallypoint test CA");
    let ca_key = KeyPair::generate().unwrap();
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let params = CertificateParams::new(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &issuer).unwrap();
    let (cert_path, key_path): (PathBuf, PathBuf) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    Pki {
        ca: ca.der().clone(),
        tls: TlsConfig {
            cert: cert_path,
            key: key_path,
        },
    }
}

fn client_config(ca: &CertificateDer<'static>) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.clone()).unwrap();
    let provider = rallypoint_server::tls::crypto_provider();
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

async fn start(pki: &Pki, config: Config) -> TestServer {
    TestServer::start(Config {
        tls: Some(pki.tls.clone()),
        ..config
    })
    .await
}

/// A wss client on `tcp`, trusting the test CA.
async fn wss_on(server: &TestServer, pki: &Pki, tcp: TcpStream) -> Client {
    let url = format!("wss://127.0.0.1:{}/ws", server.addr.port());
    let connector = Connector::Rustls(client_config(&pki.ca));
    let (ws, _) = client_async_tls_with_config(url, tcp, None, Some(connector))
        .await
        .unwrap();
    Client::from_ws(ws)
}

async fn wss(server: &TestServer, pki: &Pki) -> Client {
    let tcp = TcpStream::connect(server.addr).await.unwrap();
    wss_on(server, pki, tcp).await
}

#[tokio::test]
async fn a_wss_client_plays_both_ways() {
    let pki = pki("play");
    let server = start(&pki, Config::default()).await;
    let mut a = wss(&server, &pki).await.hello("ada").await;
    a.create_private(4).await;
    let start = rallypoint_shared::snapshot::from_fixed(a.snapshot().await.me);
    let dir = (Vec2::new(800.0, 500.0) - start).normalize_or(Vec2::X);
    for seq in 1..=10 {
        a.send(&ClientMsg::Input(common::arena_input(
            seq, 0, dir, dir, false,
        )))
        .await;
    }
    let acked = a.view_until(|v| v.last_input_seq == 10).await;
    let moved_to = rallypoint_shared::snapshot::from_fixed(acked.me);
    assert!(moved_to.distance(start) > 20.0, "{start} -> {moved_to}");
    // Snapshots keep coming.
    let tick = acked.tick;
    a.view_until(|v| v.tick >= tick + 10).await;
}

/// A client that reads nothing while it floods pings (the limits raised
/// for it): the server's pongs fill the socket, TLS writes block and
/// unsent pongs are coalesced. Once the client reads again, everything
/// left, down to the pong for its last ping, arrives.
#[tokio::test]
async fn a_slow_reader_blocks_tls_writes_then_drains() {
    let pki = pki("slow");
    let server = start(
        &pki,
        Config {
            rate_limit_per_sec: 1_000_000,
            rate_limit_burst: 1_000_000,
            ..Config::default()
        },
    )
    .await;
    // A small receive window, so the server's writes block soon.
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let tcp = socket.connect(server.addr).await.unwrap();
    let mut c = wss_on(&server, &pki, tcp).await.hello("slow").await;
    const PINGS: u32 = 20_000;
    let filler = [7u8; 121];
    for i in 1..=PINGS {
        let mut payload = i.to_be_bytes().to_vec();
        payload.extend_from_slice(&filler);
        c.ws.feed(Message::Ping(payload.into())).await.unwrap();
    }
    c.ws.flush().await.unwrap();
    let mut pongs = 0u32;
    let last = loop {
        let frame = tokio::time::timeout(WAIT, c.ws.next())
            .await
            .expect("the pongs stopped coming")
            .expect("the connection ended")
            .unwrap();
        if let Message::Pong(p) = frame {
            pongs += 1;
            let n = u32::from_be_bytes(p[..4].try_into().unwrap());
            if n == PINGS {
                break n;
            }
        }
    };
    assert_eq!(last, PINGS);
    assert!(
        pongs < PINGS,
        "every ping got its own pong ({pongs}): the writes never blocked"
    );
    // The connection still works.
    c.send(&ClientMsg::Ping { client_time: 5 }).await;
    c.recv_until(|m| match m {
        rallypoint_shared::ServerMsg::Pong { client_time: 5, .. } => Some(()),
        _ => None,
    })
    .await;
}

#[tokio::test]
async fn healthz_answers_over_https() {
    let pki = pki("health");
    let server = start(&pki, Config::default()).await;
    let tcp = TcpStream::connect(server.addr).await.unwrap();
    let connector = TlsConnector::from(client_config(&pki.ca));
    let name = ServerName::try_from("localhost").unwrap();
    let mut tls = connector.connect(name, tcp).await.unwrap();
    tls.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(WAIT, tls.read_to_end(&mut answer))
        .await
        .unwrap()
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("ok\n"), "{answer}");
}

#[tokio::test]
async fn a_plain_ws_client_is_refused_and_tls_clients_still_play() {
    let pki = pki("plain");
    let server = start(&pki, Config::default()).await;
    let plain = tokio_tungstenite::connect_async(server.url());
    let refused = tokio::time::timeout(WAIT, plain).await.unwrap();
    assert!(
        refused.is_err(),
        "a ws:// handshake succeeded on the TLS port"
    );
    // Raw bytes that are no TLS at all: the server closes the connection.
    let mut raw = TcpStream::connect(server.addr).await.unwrap();
    raw.write_all(b"GET /healthz HTTP/1.1\r\n\r\n")
        .await
        .unwrap();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(WAIT, raw.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "the server kept a non-TLS connection open");
    assert!(!String::from_utf8_lossy(&rest).contains("200"));

    let mut a = wss(&server, &pki).await.hello("ada").await;
    a.create_private(2).await;
    a.snapshot().await;
}

#[tokio::test]
async fn a_server_whose_certificate_is_missing_does_not_start() {
    let mut pki = pki("missing");
    pki.tls.cert = pki.tls.cert.with_file_name("gone.pem");
    let server = start(&pki, Config::default()).await;
    let result = tokio::time::timeout(Duration::from_secs(5), server.task)
        .await
        .unwrap()
        .unwrap();
    let err = result.unwrap_err().to_string();
    assert!(
        err.contains("tls.cert") && err.contains("gone.pem"),
        "{err}"
    );
}
