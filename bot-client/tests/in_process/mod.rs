//! Runs the bots against the real server, in this test process, hosting
//! both of this repository's games (arena first, the default), over plain
//! WebSocket or, with `config.tls` ([`test_pki`]), over TLS.

#![allow(dead_code)] // each test file uses a different subset

use std::path::PathBuf;

use rallypoint_arena::{Arena, ArenaConfig};
use rallypoint_bot_client::{Report, RunOptions, run};
use rallypoint_four::{Four, FourConfig};
use rallypoint_server::Config;
use rallypoint_server::lobby::{Games, host};
use rallypoint_server::tls::TlsConfig;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// Runs the bots against the real server, started with `config` on
/// `127.0.0.1:0` (`opts.url` is set to it, `wss://` with TLS), and shuts
/// the server down after.
pub async fn play(config: Config, opts: RunOptions) -> Report {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let scheme = if config.tls.is_some() { "wss" } else { "ws" };
    let url = format!("{scheme}://{}/ws", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let shutdown = async {
            let _ = stopped.await;
        };
        let games = Games::new(vec![
            host::<Arena>(ArenaConfig::default()),
            host::<Four>(FourConfig::default()),
        ])
        .unwrap();
        rallypoint_server::serve(listener, config, games, shutdown)
            .await
            .expect("server runs");
    });
    let report = run(RunOptions { url, ..opts }).await.expect("run starts");
    let _ = stop.send(());
    server.await.unwrap();
    report
}

/// A test CA (its certificate as a PEM file, for `--ca`) and the server's
/// certificate for 127.0.0.1 and localhost that it issued, in a fresh
/// directory named after `name`.
pub fn test_pki(name: &str) -> (TlsConfig, PathBuf) {
    let dir =
        std::env::temp_dir().join(format!("rallypoint-bots-tls-{name}-{}", std::process::id()));
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
    let paths = [
        dir.join("ca.pem"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
    ];
    std::fs::write(&paths[0], ca.pem()).unwrap();
    std::fs::write(&paths[1], cert.pem()).unwrap();
    std::fs::write(&paths[2], key.serialize_pem()).unwrap();
    let [ca, cert, key] = paths;
    (TlsConfig { cert, key }, ca)
}
