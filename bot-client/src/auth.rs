//! Session tokens for bots, for load tests of a server with authentication
//! on: given the server's HS256 secret (`--auth-secret`), each bot mints
//! its own token at each `Hello`, as a game's backend would: account
//! `bot-{index}`, name `bot-{index}`, and an expiry an hour past the run's
//! end. Minting happens once per connection, like the server's check.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde::Serialize;

/// How long a bot's token outlives the moment it was made. Default: one
/// day, past any run's end (runs are capped at a day, `MAX_DURATION`).
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// The shortest secret accepted, as the server's (RFC 7518's for HS256).
pub const MIN_SECRET_BYTES: usize = 32;

/// What the bots sign their tokens with.
#[derive(Clone)]
pub struct BotAuth {
    key: EncodingKey,
    audience: Option<String>,
}

impl std::fmt::Debug for BotAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BotAuth")
            .field("key", &"<redacted>")
            .field("audience", &self.audience)
            .finish()
    }
}

#[derive(Serialize)]
struct Claims<'a> {
    sub: &'a str,
    name: &'a str,
    exp: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    aud: Option<&'a str>,
}

/// Why the bots cannot mint tokens.
#[derive(Debug, thiserror::Error)]
pub enum BotAuthError {
    #[error("--auth-secret must be at least {MIN_SECRET_BYTES} bytes, got {0}")]
    Short(usize),
    #[error("--auth-secret cannot be used: {0}")]
    Key(#[from] jsonwebtoken::errors::Error),
}

impl BotAuth {
    pub fn new(secret: &str, audience: Option<String>) -> Result<Self, BotAuthError> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(BotAuthError::Short(secret.len()));
        }
        Ok(Self {
            key: EncodingKey::from_secret(secret.as_bytes())?,
            audience,
        })
    }

    /// The token of bot `index`, made now.
    pub fn token(&self, index: u32) -> Result<String, BotAuthError> {
        let account = format!("bot-{index}");
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let claims = Claims {
            sub: &account,
            name: &account,
            exp: (now + TOKEN_LIFETIME).as_secs(),
            aud: self.audience.as_deref(),
        };
        Ok(encode(&Header::new(Algorithm::HS256), &claims, &self.key)?)
    }
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{DecodingKey, Validation, decode};

    use super::*;

    #[test]
    fn a_bot_token_names_its_bot_and_verifies_with_the_secret() {
        let secret = "a secret the server and the bots share";
        let auth = BotAuth::new(secret, Some("rallypoint".into())).unwrap();
        let token = auth.token(7).unwrap();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&["rallypoint"]);
        let key = DecodingKey::from_secret(secret.as_bytes()).unwrap();
        let claims = decode::<serde_json::Value>(&token, &key, &validation)
            .unwrap()
            .claims;
        assert_eq!(claims["sub"], "bot-7");
        assert_eq!(claims["name"], "bot-7");
        assert!(BotAuth::new("short", None).is_err());
    }
}
