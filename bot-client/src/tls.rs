//! The trust store for `wss://` URLs: the CA certificates of `--ca` (PEM)
//! added to the Mozilla roots of `webpki-roots`. Built once per run, shared
//! by every bot. The roots are compiled in rather than read from the
//! system's certificate store, so the bots run the same on every machine
//! (containers without `ca-certificates` included) and depend on no
//! platform library; `--ca` covers a private or a test CA.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

/// Why `--ca` cannot be used; the run does not start.
#[derive(Debug, thiserror::Error)]
pub enum CaError {
    #[error("cannot read --ca {path}: {source}")]
    Read {
        path: PathBuf,
        source: rustls::pki_types::pem::Error,
    },
    #[error("--ca {0} holds no certificate")]
    Empty(PathBuf),
    #[error("--ca {path}: {source}")]
    Invalid {
        path: PathBuf,
        source: rustls::Error,
    },
}

/// rustls's *ring* provider (deprecated by rustls 0.23.48 for lacking
/// post-quantum key exchange; aws-lc-rs would bring cmake and nasm into the
/// build, and a load-test client needs no more than the server offers).
#[allow(deprecated)]
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The connector for `wss://`: webpki-roots, plus `ca`'s certificates.
pub fn connector(ca: Option<&Path>) -> Result<TlsConnector, CaError> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = ca {
        let read = |source| CaError::Read {
            path: path.to_owned(),
            source,
        };
        let certs = CertificateDer::pem_file_iter(path)
            .map_err(read)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(read)?;
        if certs.is_empty() {
            return Err(CaError::Empty(path.to_owned()));
        }
        for cert in certs {
            roots.add(cert).map_err(|source| CaError::Invalid {
                path: path.to_owned(),
                source,
            })?;
        }
    }
    let config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|source| CaError::Invalid {
            path: ca.map(Path::to_owned).unwrap_or_default(),
            source,
        })?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(TlsConnector::from(Arc::new(config)))
}
