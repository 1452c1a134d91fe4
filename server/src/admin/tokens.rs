//! The admin API's bearer tokens: each has a name (who did it, in the log)
//! and a role. A token is kept only as its SHA-256 digest, and a presented
//! token is hashed and compared with every configured digest in constant
//! time (`subtle`), so neither the comparison nor the number of tokens
//! tried says how much of a guess was right.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::{ConditionallySelectable, ConstantTimeEq};

/// The shortest admin token accepted at start. Default: 32 bytes: a random
/// token of that length (e.g. `openssl rand -hex 32`) cannot be guessed,
/// and throttling only slows guessing down.
pub const MIN_ADMIN_TOKEN_BYTES: usize = 32;

/// The longest token name. Default: 64 characters; names go in every log
/// line of an action.
pub const MAX_TOKEN_NAME_CHARS: usize = 64;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// `GET` only: look, never touch.
    Read,
    /// Everything: kicks, bans, locks, closes, notices, the drain.
    Full,
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "read" => Ok(Role::Read),
            "full" => Ok(Role::Full),
            other => Err(format!("role must be read or full, got {other:?}")),
        }
    }
}

/// One `[[admin.tokens]]` entry.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminToken {
    /// Who holds it; logged with every action taken with it.
    pub name: String,
    pub role: Role,
    /// The secret, at least [`MIN_ADMIN_TOKEN_BYTES`].
    pub token: String,
}

/// Never prints the token.
impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminToken")
            .field("name", &self.name)
            .field("role", &self.role)
            .field("token", &"<redacted>")
            .finish()
    }
}

impl AdminToken {
    /// Parses `--admin-token NAME:ROLE:TOKEN` (the token may hold `:`).
    pub fn parse_flag(flag: &str) -> Result<AdminToken, String> {
        let mut parts = flag.splitn(3, ':');
        let (Some(name), Some(role), Some(token)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err("an admin token is NAME:ROLE:TOKEN".into());
        };
        Ok(AdminToken {
            name: name.to_owned(),
            role: role.parse()?,
            token: token.to_owned(),
        })
    }

    /// Checks the name and the token's length.
    pub fn validate(&self) -> Result<(), String> {
        let chars = self.name.chars().count();
        if chars == 0 || chars > MAX_TOKEN_NAME_CHARS || self.name.chars().any(char::is_control) {
            return Err(format!(
                "admin token names must be 1 to {MAX_TOKEN_NAME_CHARS} printable characters"
            ));
        }
        if self.token.len() < MIN_ADMIN_TOKEN_BYTES {
            return Err(format!(
                "admin token {:?} must be at least {MIN_ADMIN_TOKEN_BYTES} bytes, got {}",
                self.name,
                self.token.len()
            ));
        }
        Ok(())
    }
}

/// Who a good token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub name: String,
    pub role: Role,
}

/// The configured tokens, as digests.
pub struct Tokens {
    digests: Vec<([u8; 32], Caller)>,
}

fn digest(token: &[u8]) -> [u8; 32] {
    Sha256::digest(token).into()
}

impl Tokens {
    pub fn new(tokens: &[AdminToken]) -> Self {
        Self {
            digests: tokens
                .iter()
                .map(|t| {
                    let caller = Caller {
                        name: t.name.clone(),
                        role: t.role,
                    };
                    (digest(t.token.as_bytes()), caller)
                })
                .collect(),
        }
    }

    /// The holder of `presented`, if it is one of the tokens. Every digest
    /// is compared, whatever matched.
    pub fn check(&self, presented: &[u8]) -> Option<&Caller> {
        let d = digest(presented);
        let mut found = 0u32;
        for (i, (known, _)) in self.digests.iter().enumerate() {
            let hit = known.ct_eq(&d);
            found = u32::conditional_select(&found, &(i as u32 + 1), hit);
        }
        (found as usize)
            .checked_sub(1)
            .and_then(|i| self.digests.get(i))
            .map(|(_, caller)| caller)
    }
}

/// The token of an `Authorization: Bearer TOKEN` header value.
pub fn bearer(value: &[u8]) -> Option<&[u8]> {
    let rest = value.strip_prefix(b"Bearer ")?;
    let token = rest.trim_ascii();
    (!token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPS: &str = "ops-token-0123456789abcdef0123456789abcdef";
    const VIEW: &str = "view-token-0123456789abcdef0123456789abcdef";

    fn tokens() -> Tokens {
        Tokens::new(&[
            AdminToken::parse_flag(&format!("ops:full:{OPS}")).unwrap(),
            AdminToken::parse_flag(&format!("dash:read:{VIEW}")).unwrap(),
        ])
    }

    #[test]
    fn a_configured_token_names_its_holder_and_role() {
        let t = tokens();
        let ops = t.check(OPS.as_bytes()).unwrap();
        assert_eq!((ops.name.as_str(), ops.role), ("ops", Role::Full));
        let dash = t.check(VIEW.as_bytes()).unwrap();
        assert_eq!((dash.name.as_str(), dash.role), ("dash", Role::Read));
    }

    #[test]
    fn anything_else_is_refused() {
        let t = tokens();
        for bad in [
            "",
            "ops",
            &OPS[..OPS.len() - 1],
            &format!("{OPS}x"),
            "ops:full",
        ] {
            assert!(t.check(bad.as_bytes()).is_none(), "{bad:?} accepted");
        }
        assert!(Tokens::new(&[]).check(OPS.as_bytes()).is_none());
    }

    #[test]
    fn flags_and_lengths_are_checked() {
        let t = AdminToken::parse_flag("ci:read:a:b:c").unwrap();
        assert_eq!(t.token, "a:b:c");
        assert!(t.validate().is_err(), "too short");
        assert!(AdminToken::parse_flag("ci:root:x").is_err());
        assert!(AdminToken::parse_flag("ci-full").is_err());
        let long = AdminToken::parse_flag(&format!("ci:full:{OPS}")).unwrap();
        assert!(long.validate().is_ok());
        let nameless = AdminToken {
            name: String::new(),
            ..long.clone()
        };
        assert!(nameless.validate().is_err());
        assert!(!format!("{long:?}").contains(OPS), "Debug shows the token");
    }

    #[test]
    fn the_bearer_scheme_is_required() {
        assert_eq!(bearer(b"Bearer abc "), Some(&b"abc"[..]));
        assert_eq!(bearer(b"Basic abc"), None);
        assert_eq!(bearer(b"Bearer "), None);
    }
}
