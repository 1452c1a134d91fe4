use std::path::PathBuf;

use super::*;

/// A self-signed certificate for localhost and its key, written to a fresh
/// directory as PEM files.
fn files(name: &str) -> (PathBuf, PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("rallypoint-tls-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let (c, k) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&c, cert.cert.pem()).unwrap();
    std::fs::write(&k, cert.signing_key.serialize_pem()).unwrap();
    (dir, c, k)
}

fn refused(config: TlsConfig) -> TlsConfigError {
    match acceptor(&config) {
        Ok(_) => panic!("{config:?} was accepted"),
        Err(e) => e,
    }
}

#[test]
fn a_matching_certificate_and_key_load() {
    let (_dir, cert, key) = files("good");
    acceptor(&TlsConfig { cert, key }).unwrap();
}

#[test]
fn missing_and_wrong_files_are_startup_errors() {
    let (dir, cert, key) = files("bad");
    let missing = dir.join("nope.pem");
    let err = refused(TlsConfig {
        cert: missing.clone(),
        key: key.clone(),
    });
    assert!(matches!(err, TlsConfigError::Cert { .. }), "{err}");
    assert!(err.to_string().contains("nope.pem"), "{err}");

    // The key file given as the certificate: no certificate in it.
    let err = refused(TlsConfig {
        cert: key.clone(),
        key: key.clone(),
    });
    assert!(matches!(err, TlsConfigError::NoCert(_)), "{err}");

    // The certificate given as the key: no key in it.
    let err = refused(TlsConfig {
        cert: cert.clone(),
        key: cert.clone(),
    });
    assert!(matches!(err, TlsConfigError::Key { .. }), "{err}");

    // Another certificate's key.
    let (_other, _, other_key) = files("other");
    let err = refused(TlsConfig {
        cert,
        key: other_key,
    });
    assert!(matches!(err, TlsConfigError::Rustls(_)), "{err}");
}
