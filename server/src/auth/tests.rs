//! Tokens made here with `jsonwebtoken::encode`, with the test keys in
//! `server/tests/fixtures/auth/` (made for these tests only).

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

use super::*;

const SECRET: &str = "a test secret of at least 32 bytes!!";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/auth")
        .join(name)
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn hs256(claims: &Value, secret: &str) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()).unwrap(),
    )
    .unwrap()
}

fn hs256_config() -> AuthConfig {
    AuthConfig {
        secret: Some(SECRET.into()),
        ..AuthConfig::default()
    }
}

fn claims() -> Value {
    json!({ "sub": "acct-1", "name": "Ada", "exp": now() + 60, "roles": ["moderator"] })
}

#[test]
fn a_good_hs256_token_names_the_account_its_name_and_roles() {
    let v = Verifier::new(&hs256_config()).unwrap();
    let id = v.verify(Some(&hs256(&claims(), SECRET))).unwrap();
    assert_eq!(id.account, "acct-1");
    assert_eq!(id.name, "Ada");
    assert_eq!(id.roles, ["moderator"]);
    assert_eq!(id.player(), account_player("acct-1"));
    // Without a name claim the account id is the name.
    let token = hs256(&json!({ "sub": "acct-2", "exp": now() + 60 }), SECRET);
    assert_eq!(v.verify(Some(&token)).unwrap().name, "acct-2");
}

#[test]
fn every_bad_token_gets_its_own_reason() {
    let v = Verifier::new(&hs256_config()).unwrap();
    let other = "another secret of at least 32 bytes!";
    let cases: Vec<(Option<String>, AuthError)> = vec![
        (None, AuthError::Missing),
        (Some("x".repeat(MAX_TOKEN_BYTES + 1)), AuthError::TooLong),
        (Some("not a jwt".into()), AuthError::Malformed),
        (Some(hs256(&claims(), other)), AuthError::BadSignature),
        (
            Some(hs256(&json!({ "sub": "a", "exp": now() - 120 }), SECRET)),
            AuthError::Expired,
        ),
        (
            Some(hs256(
                &json!({ "sub": "a", "exp": now() + 600, "nbf": now() + 300 }),
                SECRET,
            )),
            AuthError::NotYetValid,
        ),
        (
            Some(hs256(&json!({ "sub": "a" }), SECRET)),
            AuthError::BadClaims("exp is missing".into()),
        ),
        (
            Some(hs256(&json!({ "exp": now() + 60 }), SECRET)),
            AuthError::BadClaims("sub is missing".into()),
        ),
        (
            Some(hs256(&json!({ "sub": "", "exp": now() + 60 }), SECRET)),
            AuthError::BadClaims(format!("sub must be 1 to {MAX_ACCOUNT_BYTES} bytes")),
        ),
        (
            Some(hs256(
                &json!({ "sub": "a", "exp": now() + 60, "roles": vec!["r"; 17] }),
                SECRET,
            )),
            AuthError::BadClaims(format!("at most {MAX_ROLES} roles")),
        ),
        (
            Some(hs256(
                &json!({ "sub": "a", "name": "n".repeat(25), "exp": now() + 60 }),
                SECRET,
            )),
            AuthError::BadClaims("name: name must be 1 to 24 characters, got 25".into()),
        ),
    ];
    for (token, want) in cases {
        let got = v.verify(token.as_deref());
        assert_eq!(got.as_ref().err(), Some(&want), "{token:?} gave {got:?}");
    }
}

#[test]
fn alg_none_and_another_algorithm_are_refused_before_the_signature() {
    let v = Verifier::new(&hs256_config()).unwrap();
    // {"alg":"none","typ":"JWT"} . claims . (no signature)
    let b64 = |v: &Value| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let none = format!(
        "{}.{}.",
        b64(&json!({ "alg": "none", "typ": "JWT" })),
        b64(&claims())
    );
    assert!(v.verify(Some(&none)).is_err(), "alg none accepted");
    // A token signed with the server's EdDSA key is still refused by an
    // HS256 server, whatever its header says.
    let pem = std::fs::read(fixture("ed25519-test-only.pem")).unwrap();
    let ed = encode(
        &Header::new(Algorithm::EdDSA),
        &claims(),
        &EncodingKey::from_ed_pem(&pem).unwrap(),
    )
    .unwrap();
    assert_eq!(v.verify(Some(&ed)), Err(AuthError::WrongAlgorithm("HS256")));
}

#[test]
fn eddsa_and_rs256_verify_with_a_public_key_file() {
    for (alg, algorithm, private, public) in [
        (
            Algorithm::EdDSA,
            "EdDSA",
            "ed25519-test-only.pem",
            "ed25519.pub.pem",
        ),
        (
            Algorithm::RS256,
            "RS256",
            "rsa-test-only.pem",
            "rsa.pub.pem",
        ),
    ] {
        let v = Verifier::new(&AuthConfig {
            algorithm: Some(algorithm.into()),
            public_key: Some(fixture(public)),
            audience: Some("rallypoint".into()),
            ..AuthConfig::default()
        })
        .unwrap();
        let pem = std::fs::read(fixture(private)).unwrap();
        let key = match alg {
            Algorithm::EdDSA => EncodingKey::from_ed_pem(&pem).unwrap(),
            _ => EncodingKey::from_rsa_pem(&pem).unwrap(),
        };
        let sign = |claims: &Value| encode(&Header::new(alg), claims, &key).unwrap();
        let mut good = claims();
        good["aud"] = json!("rallypoint");
        let token = sign(&good);
        assert!(
            token.len() < MAX_TOKEN_BYTES,
            "{algorithm}: {} bytes",
            token.len()
        );
        assert_eq!(
            v.verify(Some(&token)).unwrap().account,
            "acct-1",
            "{algorithm}"
        );
        good["aud"] = json!("another-game");
        assert_eq!(
            v.verify(Some(&sign(&good))),
            Err(AuthError::WrongAudience),
            "{algorithm}"
        );
        // An HS256 token made with the public key as its secret (the
        // classic key-confusion forgery) is refused.
        let public_pem = std::fs::read_to_string(fixture(public)).unwrap();
        let forged = hs256(&claims(), &public_pem);
        assert_eq!(
            v.verify(Some(&forged)),
            Err(AuthError::WrongAlgorithm(if algorithm == "EdDSA" {
                "EdDSA"
            } else {
                "RS256"
            }))
        );
    }
}

#[test]
fn a_bad_section_stops_the_server_with_a_reason() {
    let bad = [
        (AuthConfig::default(), "exactly one"),
        (
            AuthConfig {
                secret: Some("short".into()),
                ..AuthConfig::default()
            },
            "at least 32 bytes",
        ),
        (
            AuthConfig {
                algorithm: Some("HS512".into()),
                secret: Some(SECRET.into()),
                ..AuthConfig::default()
            },
            "HS256, EdDSA or RS256",
        ),
        (
            AuthConfig {
                algorithm: Some("RS256".into()),
                secret: Some(SECRET.into()),
                ..AuthConfig::default()
            },
            "needs `public_key`",
        ),
        (
            AuthConfig {
                algorithm: Some("RS256".into()),
                public_key: Some(fixture("ed25519.pub.pem")),
                ..AuthConfig::default()
            },
            "not a PEM RS256 public key",
        ),
        (
            AuthConfig {
                public_key: Some(fixture("missing.pem")),
                ..AuthConfig::default()
            },
            "cannot read",
        ),
    ];
    for (config, want) in bad {
        let error = Verifier::new(&config).err().expect("refused").to_string();
        assert!(error.contains(want), "{error:?} lacks {want:?}");
    }
    // The secret never shows in the config's Debug.
    assert!(!format!("{:?}", hs256_config()).contains(SECRET));
}

#[test]
fn account_players_are_stable_and_apart_from_connection_ids() {
    assert_eq!(account_player("acct-1"), account_player("acct-1"));
    assert_ne!(account_player("acct-1"), account_player("acct-2"));
    assert!(account_player("acct-1").0 >= 1 << 63);
}
