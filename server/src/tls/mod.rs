//! TLS served directly: the `[tls]` section (a certificate chain and its
//! private key, PEM files), loaded and checked once at start, and the
//! handshake each connection runs in its own task (after any PROXY
//! header, before HTTP), under [`TLS_HANDSHAKE_TIMEOUT`]. rustls on the
//! `ring` provider does the work. After a WebSocket upgrade the game
//! transport no longer goes through `tokio-rustls`: [`sock::TlsSock`] gives
//! the outbox and the frame source the same non-blocking calls a TCP
//! socket gives them.

pub mod sock;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use serde::Deserialize;
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// Time a client has to finish the TLS handshake. Default: 10 s, the same
/// as [`crate::http::HEADER_READ_TIMEOUT`]: a peer that stalls mid-handshake
/// is dropped instead of holding a connection slot.
pub const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The `[tls]` section: serve `https` and `wss` with this certificate.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// A PEM file with the certificate chain, the server's own first.
    pub cert: PathBuf,
    /// A PEM file with the certificate's private key (PKCS#8, PKCS#1 or
    /// SEC1).
    pub key: PathBuf,
}

/// Why the `[tls]` section cannot be used; the server refuses to start.
#[derive(Debug, thiserror::Error)]
pub enum TlsConfigError {
    #[error("cannot read tls.cert {path}: {source}")]
    Cert {
        path: PathBuf,
        source: rustls_pki_types::pem::Error,
    },
    #[error("tls.cert {0} holds no certificate")]
    NoCert(PathBuf),
    #[error("cannot read a private key from tls.key {path}: {source}")]
    Key {
        path: PathBuf,
        source: rustls_pki_types::pem::Error,
    },
    #[error("tls.cert and tls.key cannot be used together: {0}")]
    Rustls(#[from] rustls::Error),
}

/// Loads the certificate chain and key, and checks that they belong
/// together.
pub fn acceptor(config: &TlsConfig) -> Result<TlsAcceptor, TlsConfigError> {
    let certs = load_certs(&config.cert)?;
    let key = PrivateKeyDer::from_pem_file(&config.key).map_err(|source| TlsConfigError::Key {
        path: config.key.clone(),
        source,
    })?;
    let mut server = ServerConfig::builder_with_provider(crypto_provider())
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)?;
    // The WebSocket upgrade is HTTP/1.1 only.
    server.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(server)))
}

/// rustls's *ring* provider. rustls 0.23.48 deprecates it in favour of
/// aws-lc-rs, whose post-quantum key exchange *ring* lacks (classical
/// X25519 and P-256 remain, as every browser still supports); aws-lc-rs
/// would bring cmake and nasm into every build, so the server keeps *ring*
/// until that trade changes.
#[allow(deprecated)]
pub fn crypto_provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsConfigError> {
    let err = |source| TlsConfigError::Cert {
        path: path.to_owned(),
        source,
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(err)?;
    if certs.is_empty() {
        return Err(TlsConfigError::NoCert(path.to_owned()));
    }
    Ok(certs)
}

/// Why a TLS handshake failed. Logged at debug: a port scanner or a plain
/// `ws://` client is not the server's problem.
#[derive(Debug, thiserror::Error)]
pub enum HandshakeError {
    #[error("no TLS handshake within {TLS_HANDSHAKE_TIMEOUT:?}")]
    Timeout,
    #[error("TLS handshake failed: {0}")]
    Failed(#[from] std::io::Error),
}

/// Runs the server side of the handshake on `stream`.
pub async fn handshake(
    acceptor: &TlsAcceptor,
    stream: TcpStream,
) -> Result<TlsStream<TcpStream>, HandshakeError> {
    match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
        Ok(done) => Ok(done?),
        Err(_) => Err(HandshakeError::Timeout),
    }
}

#[cfg(test)]
mod tests;
