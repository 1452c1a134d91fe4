//! Session tokens as a game's backend would mint them (HS256 with a shared
//! secret), and servers that check them.

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use rallypoint_server::auth::AuthConfig;
use rallypoint_shared::{ClientMsg, PROTOCOL_VERSION};
use serde_json::{Value, json};

use super::{Client, TestServer};

pub const SECRET: &str = "the backend and the server share this secret";

/// `[auth]` with [`SECRET`] and no audience.
pub fn auth() -> AuthConfig {
    AuthConfig {
        secret: Some(SECRET.into()),
        ..AuthConfig::default()
    }
}

/// A token of `claims`, signed with [`SECRET`].
pub fn token(claims: Value) -> String {
    let key = EncodingKey::from_secret(SECRET.as_bytes()).unwrap();
    encode(&Header::new(Algorithm::HS256), &claims, &key).unwrap()
}

/// Seconds since 1970, now.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A token for account `sub`, good for 5 minutes.
pub fn session_token(sub: &str) -> String {
    token(json!({ "sub": sub, "exp": now_secs() + 300 }))
}

/// A connection that has sent `Hello` named `name` with `token`.
pub async fn hello_with(server: &TestServer, name: &str, token: Option<String>) -> Client {
    let mut c = Client::connect(server).await;
    c.send(&ClientMsg::Hello {
        protocol_version: PROTOCOL_VERSION,
        name: name.into(),
        token,
    })
    .await;
    c
}

/// A connection that has sent `Hello` as account `sub`.
pub async fn hello(server: &TestServer, sub: &str) -> Client {
    hello_with(server, "x", Some(session_token(sub))).await
}
