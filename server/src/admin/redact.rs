//! Serializing the configuration for `GET /admin/api/node` without its
//! secrets: the fleet secret, the auth secret, the admin tokens and a Redis
//! URL's credentials become `"<redacted>"`. Each secret field names one of
//! these functions in its `serialize_with`; `tests` checks that no secret
//! set in a configuration shows up in its JSON.

use serde::Serializer;
use serde::ser::SerializeSeq;

use super::AdminToken;

/// What a secret is shown as.
pub const REDACTED: &str = "<redacted>";

/// An optional secret: `"<redacted>"` when set, `null` when not.
pub fn secret<S: Serializer>(value: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(_) => s.serialize_some(REDACTED),
        None => s.serialize_none(),
    }
}

/// A URL whose user info (`user:password@`) is replaced.
pub fn url<S: Serializer>(value: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(url) => s.serialize_some(&redact_url(url)),
        None => s.serialize_none(),
    }
}

/// `redis://:pw@host:6379/0` → `redis://<redacted>@host:6379/0`.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return REDACTED.to_owned();
    };
    let rest = &url[scheme_end..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}{REDACTED}{}", &url[..scheme_end], &rest[at..]),
        None => url.to_owned(),
    }
}

/// The admin tokens: names and roles only.
pub fn tokens<S: Serializer>(tokens: &[AdminToken], s: S) -> Result<S::Ok, S::Error> {
    #[derive(serde::Serialize)]
    struct Shown<'a> {
        name: &'a str,
        role: super::Role,
        token: &'static str,
    }
    let mut seq = s.serialize_seq(Some(tokens.len()))?;
    for t in tokens {
        seq.serialize_element(&Shown {
            name: &t.name,
            role: t.role,
            token: REDACTED,
        })?;
    }
    seq.end()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::{AdminConfig, Role};
    use crate::auth::AuthConfig;
    use crate::config::Config;

    #[test]
    fn urls_lose_their_credentials_only() {
        assert_eq!(
            redact_url("redis://:hunter2@db:6379/0"),
            "redis://<redacted>@db:6379/0"
        );
        assert_eq!(
            redact_url("redis://u:p@ss@db/0?x=@"),
            "redis://<redacted>@db/0?x=@"
        );
        assert_eq!(redact_url("redis://db:6379"), "redis://db:6379");
        assert_eq!(redact_url("no scheme"), REDACTED);
    }

    #[test]
    fn no_secret_reaches_the_config_view() {
        let secrets = [
            "fleet-secret-fleet-secret-123",
            "auth-secret-auth-secret-auth-secret-456",
            "admin-token-admin-token-admin-token-789",
            "redis-password-0",
        ];
        let config = Config {
            fleet_secret: Some(secrets[0].into()),
            auth: Some(AuthConfig {
                secret: Some(secrets[1].into()),
                ..AuthConfig::default()
            }),
            admin: Some(AdminConfig {
                tokens: vec![AdminToken {
                    name: "ops".into(),
                    role: Role::Full,
                    token: secrets[2].into(),
                }],
                ..AdminConfig::default()
            }),
            redis_url: Some(format!("redis://user:{}@db:6379", secrets[3])),
            ..Config::default()
        };
        let json = serde_json::to_string(&config).unwrap();
        for secret in secrets {
            assert!(!json.contains(secret), "{secret} in {json}");
        }
        assert!(json.contains("\"name\":\"ops\""), "{json}");
        assert!(json.contains("redis://<redacted>@db:6379"), "{json}");
        assert!(!format!("{config:?}").contains(secrets[2]));
    }
}
