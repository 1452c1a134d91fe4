//! Player authentication: the session tokens (JWTs) a game's own backend
//! issues, checked once per connection at `Hello` when the server has an
//! `[auth]` section. With auth on, a player's account (`sub`), name and
//! roles come from the token, never from the client, and its player id is
//! derived from the account ([`account_player`]), so it is the same on
//! every connection and every node.
//!
//! Verification is `jsonwebtoken`'s: the signature with the one key and
//! algorithm the server is configured with (HS256 with a shared secret, or
//! EdDSA or RS256 with a public key in a PEM file; a token naming any other
//! algorithm, `none` included, is refused before its signature is looked
//! at), then `exp` (with [`AuthConfig::leeway_secs`]), `nbf` when present,
//! and the audience and issuer when configured. Limits on what a token may
//! carry are checked first and after: [`MAX_TOKEN_BYTES`], the account id's
//! length ([`MAX_ACCOUNT_BYTES`]) and the roles' count ([`MAX_ROLES`]).

use std::path::PathBuf;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use rallypoint_shared::{MAX_TOKEN_BYTES, PlayerId};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::session::{MAX_PLAYER_NAME_CHARS, valid_name};

#[cfg(test)]
mod tests;

/// The shortest HS256 secret the server accepts. Default: 32 bytes, the
/// hash's output size, which RFC 7518 (3.2) requires of an HS256 key.
pub const MIN_HS256_SECRET_BYTES: usize = 32;

/// The longest account id (`sub`) a token may carry, in bytes. Default:
/// 128, room for a UUID, an email address or a platform's user id.
pub const MAX_ACCOUNT_BYTES: usize = 128;

/// The most roles a token may carry. Default: 16.
pub const MAX_ROLES: usize = 16;

/// How far a token's `exp` and `nbf` may be off by default, in seconds, for
/// clocks that differ between the backend and the server. Default: 30.
pub const DEFAULT_LEEWAY_SECS: u64 = 30;

/// The `[auth]` section. Exactly one of `secret` (HS256) and `public_key`
/// (EdDSA or RS256, as `algorithm` says) must be given.
#[derive(Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// `HS256`, `EdDSA` or `RS256`. Default: `HS256` with `secret`,
    /// `EdDSA` with `public_key`.
    pub algorithm: Option<String>,
    /// The HS256 secret shared with the game's backend, at least
    /// [`MIN_HS256_SECRET_BYTES`]. Also read from `RALLYPOINT_AUTH_SECRET`.
    #[serde(serialize_with = "crate::admin::redact::secret")]
    pub secret: Option<String>,
    /// A PEM file with the backend's public key, for EdDSA or RS256.
    pub public_key: Option<PathBuf>,
    /// When set, a token's `aud` must contain it. Default: unset, `aud`
    /// not checked.
    pub audience: Option<String>,
    /// When set, a token's `iss` must equal it. Default: unset.
    pub issuer: Option<String>,
    /// Seconds of clock difference allowed on `exp` and `nbf`. Default:
    /// [`DEFAULT_LEEWAY_SECS`].
    pub leeway_secs: u64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            algorithm: None,
            secret: None,
            public_key: None,
            audience: None,
            issuer: None,
            leeway_secs: DEFAULT_LEEWAY_SECS,
        }
    }
}

/// Never prints the secret.
impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfig")
            .field("algorithm", &self.algorithm)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("public_key", &self.public_key)
            .field("audience", &self.audience)
            .field("issuer", &self.issuer)
            .field("leeway_secs", &self.leeway_secs)
            .finish()
    }
}

/// Who a token says the player is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The stable account id: the token's `sub`.
    pub account: String,
    /// The name others see: the token's `name`, else its `sub`.
    pub name: String,
    /// The token's `roles` (e.g. `admin`, `moderator`), possibly none.
    pub roles: Vec<String>,
}

impl Identity {
    /// The player id of this account: see [`account_player`].
    pub fn player(&self) -> PlayerId {
        account_player(&self.account)
    }
}

/// Why a token was refused; the text goes to the client with
/// `Error{AuthFailed}`, and [`AuthError::label`] to the metrics.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("this server needs a session token from the game's backend in Hello")]
    Missing,
    #[error("the session token is over {MAX_TOKEN_BYTES} bytes")]
    TooLong,
    #[error("the session token is not a well-formed JWT")]
    Malformed,
    #[error("the session token's algorithm is not the one this server accepts ({0})")]
    WrongAlgorithm(&'static str),
    #[error("the session token's signature is wrong")]
    BadSignature,
    #[error("the session token has expired")]
    Expired,
    #[error("the session token is not valid yet")]
    NotYetValid,
    #[error("the session token is for another audience")]
    WrongAudience,
    #[error("the session token is from another issuer")]
    WrongIssuer,
    #[error("the session token's claims are wrong: {0}")]
    BadClaims(String),
}

impl AuthError {
    /// A static label for `rallypoint_auth_failures_total{reason}`.
    pub fn label(&self) -> &'static str {
        match self {
            AuthError::Missing => "missing",
            AuthError::TooLong => "too long",
            AuthError::Malformed => "malformed",
            AuthError::WrongAlgorithm(_) => "wrong algorithm",
            AuthError::BadSignature => "bad signature",
            AuthError::Expired => "expired",
            AuthError::NotYetValid => "not yet valid",
            AuthError::WrongAudience => "wrong audience",
            AuthError::WrongIssuer => "wrong issuer",
            AuthError::BadClaims(_) => "bad claims",
        }
    }
}

/// Why the `[auth]` section cannot be used; the server refuses to start.
#[derive(Debug, thiserror::Error)]
pub enum AuthConfigError {
    #[error("auth needs exactly one of `secret` (HS256) and `public_key` (EdDSA, RS256)")]
    KeyCount,
    #[error("auth.algorithm must be HS256, EdDSA or RS256, got {0:?}")]
    Algorithm(String),
    #[error("auth.algorithm {0} needs `{1}`")]
    KeyKind(&'static str, &'static str),
    #[error("auth.secret must be at least {MIN_HS256_SECRET_BYTES} bytes, got {0}")]
    ShortSecret(usize),
    #[error("auth.secret cannot be used: {0}")]
    Secret(jsonwebtoken::errors::Error),
    #[error("cannot read auth.public_key {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("auth.public_key {path} is not a PEM {kind} public key: {source}")]
    Key {
        path: PathBuf,
        kind: &'static str,
        source: jsonwebtoken::errors::Error,
    },
}

/// The claims the server reads; others are ignored.
#[derive(Deserialize)]
struct Claims {
    #[serde(default)]
    sub: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    roles: Vec<String>,
}

/// Checks session tokens; built once at start from [`AuthConfig`].
pub struct Verifier {
    key: DecodingKey,
    validation: Validation,
    algorithm: &'static str,
}

impl Verifier {
    pub fn new(config: &AuthConfig) -> Result<Self, AuthConfigError> {
        let (algorithm, name) = match (config.algorithm.as_deref(), &config.secret) {
            (None | Some("HS256"), Some(_)) => (Algorithm::HS256, "HS256"),
            (None | Some("EdDSA"), None) => (Algorithm::EdDSA, "EdDSA"),
            (Some("RS256"), None) => (Algorithm::RS256, "RS256"),
            (Some("HS256"), None) => return Err(AuthConfigError::KeyKind("HS256", "secret")),
            (Some(a @ ("EdDSA" | "RS256")), Some(_)) => {
                let a = if a == "EdDSA" { "EdDSA" } else { "RS256" };
                return Err(AuthConfigError::KeyKind(a, "public_key"));
            }
            (Some(other), _) => return Err(AuthConfigError::Algorithm(other.to_owned())),
        };
        let key = match (&config.secret, &config.public_key) {
            (Some(secret), None) => {
                if secret.len() < MIN_HS256_SECRET_BYTES {
                    return Err(AuthConfigError::ShortSecret(secret.len()));
                }
                DecodingKey::from_secret(secret.as_bytes()).map_err(AuthConfigError::Secret)?
            }
            (None, Some(path)) => {
                let pem = std::fs::read(path).map_err(|source| AuthConfigError::Read {
                    path: path.clone(),
                    source,
                })?;
                let parsed = if algorithm == Algorithm::RS256 {
                    DecodingKey::from_rsa_pem(&pem)
                } else {
                    DecodingKey::from_ed_pem(&pem)
                };
                parsed.map_err(|source| AuthConfigError::Key {
                    path: path.clone(),
                    kind: name,
                    source,
                })?
            }
            _ => return Err(AuthConfigError::KeyCount),
        };
        let mut validation = Validation::new(algorithm);
        validation.leeway = config.leeway_secs;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "sub"]);
        match &config.audience {
            Some(aud) => validation.set_audience(&[aud]),
            None => validation.validate_aud = false,
        }
        if let Some(iss) = &config.issuer {
            validation.set_issuer(&[iss]);
        }
        Ok(Self {
            key,
            validation,
            algorithm: name,
        })
    }

    /// Checks `token` (from `Hello`) and says who it names.
    pub fn verify(&self, token: Option<&str>) -> Result<Identity, AuthError> {
        let token = token.ok_or(AuthError::Missing)?;
        if token.len() > MAX_TOKEN_BYTES {
            return Err(AuthError::TooLong);
        }
        let data = jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation)
            .map_err(|e| self.refusal(e.kind()))?;
        let claims = data.claims;
        let sub = claims
            .sub
            .ok_or_else(|| AuthError::BadClaims("sub is missing".into()))?;
        if sub.is_empty() || sub.len() > MAX_ACCOUNT_BYTES {
            return Err(AuthError::BadClaims(format!(
                "sub must be 1 to {MAX_ACCOUNT_BYTES} bytes"
            )));
        }
        if claims.roles.len() > MAX_ROLES {
            return Err(AuthError::BadClaims(format!("at most {MAX_ROLES} roles")));
        }
        let name = claims.name.unwrap_or_else(|| sub.clone());
        let name = valid_name(&name, MAX_PLAYER_NAME_CHARS)
            .map_err(|e| AuthError::BadClaims(format!("name: {e}")))?;
        Ok(Identity {
            account: sub,
            name,
            roles: claims.roles,
        })
    }

    fn refusal(&self, kind: &ErrorKind) -> AuthError {
        match kind {
            ErrorKind::InvalidSignature => AuthError::BadSignature,
            ErrorKind::ExpiredSignature => AuthError::Expired,
            ErrorKind::ImmatureSignature => AuthError::NotYetValid,
            ErrorKind::InvalidAudience => AuthError::WrongAudience,
            ErrorKind::InvalidIssuer => AuthError::WrongIssuer,
            ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
                AuthError::WrongAlgorithm(self.algorithm)
            }
            ErrorKind::MissingRequiredClaim(claim) => {
                AuthError::BadClaims(format!("{claim} is missing"))
            }
            ErrorKind::Json(_) => AuthError::BadClaims("not the expected JSON".into()),
            _ => AuthError::Malformed,
        }
    }
}

/// The player id of an account: the first 8 bytes of
/// SHA-256("rallypoint account\0" + account), with the top bit set. The
/// same on every connection and every node, so a login that takes a session
/// over keeps the player's id; the top bit keeps it apart from the ids of
/// connections without auth, which count up from 1.
pub fn account_player(account: &str) -> PlayerId {
    let digest = Sha256::new()
        .chain_update(b"rallypoint account\0")
        .chain_update(account.as_bytes())
        .finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    PlayerId(u64::from_le_bytes(first) | 1 << 63)
}
