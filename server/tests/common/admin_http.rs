//! A minimal HTTP/1.1 client for the admin API (one request per
//! connection), and the tokens the admin tests configure.

use std::net::SocketAddr;

use rallypoint_server::admin::{AdminConfig, AdminToken, Role};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub const FULL: &str = "full-token-0123456789abcdef0123456789abcdef";
pub const READ: &str = "read-token-0123456789abcdef0123456789abcdef";

/// `[admin]` with an `ops` (full) and a `dash` (read) token.
pub fn admin_config() -> AdminConfig {
    AdminConfig {
        tokens: vec![
            AdminToken {
                name: "ops".into(),
                role: Role::Full,
                token: FULL.into(),
            },
            AdminToken {
                name: "dash".into(),
                role: Role::Read,
                token: READ.into(),
            },
        ],
        ..AdminConfig::default()
    }
}

/// An answer: status, headers (lower-cased names) and body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }
}

/// Sends `method path` with `token` (if any) and `body`, reads the answer.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> Answer {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw).await;
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let status = raw
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer: {raw:?}"));
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    Answer {
        status,
        head: head.to_ascii_lowercase(),
        body: body.to_owned(),
    }
}

pub async fn get(addr: SocketAddr, path: &str, token: &str) -> Answer {
    request(addr, "GET", path, Some(token), "").await
}

pub async fn post(addr: SocketAddr, path: &str, body: &str) -> Answer {
    request(addr, "POST", path, Some(FULL), body).await
}

/// Every `null` in `value` is named, with a reason, in the `why_null` of
/// the object holding it.
pub fn assert_nulls_explained(value: &Value) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if v.is_null() {
                    let reason = map.get("why_null").and_then(|w| w.get(k));
                    assert!(
                        reason
                            .and_then(Value::as_str)
                            .is_some_and(|r| !r.is_empty()),
                        "{k} is null without a reason in {value}"
                    );
                } else if k != "why_null" {
                    assert_nulls_explained(v);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(assert_nulls_explained),
        _ => {}
    }
}
