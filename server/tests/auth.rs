//! Player authentication against the real server: with `[auth]` on, a
//! player is who its session token says (account, id and name), every bad
//! token is refused with `AuthFailed` and a close, and a second login of
//! the same account takes the first one's seat over.

mod common;

use common::tokens::{SECRET, hello_with, now_secs, token};
use common::{Closed, TestServer};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use rallypoint_server::auth::{AuthConfig, account_player};
use rallypoint_server::config::Config;
use rallypoint_shared::{ClientMsg, ErrorCode, ServerMsg};
use serde_json::json;

fn auth_config() -> Config {
    Config {
        auth: Some(AuthConfig {
            secret: Some(SECRET.into()),
            audience: Some("rallypoint".into()),
            ..AuthConfig::default()
        }),
        ..Config::default()
    }
}

fn good(sub: &str, name: &str) -> String {
    let exp = now_secs() + 300;
    token(json!({ "sub": sub, "name": name, "exp": exp, "aud": "rallypoint" }))
}

#[tokio::test]
async fn a_good_token_names_the_player_and_the_client_cannot() {
    let server = TestServer::start(auth_config()).await;
    let mut c = hello_with(&server, "Mallory the Admin", Some(good("acct-42", "Ada"))).await;
    let player = match c.recv().await {
        ServerMsg::Welcome { player, .. } => player,
        other => panic!("expected Welcome, got {other:?}"),
    };
    assert_eq!(player, account_player("acct-42"));
    c.create_private(4).await;
    let roster = c.roster_until(|r| r.contains_key(&player)).await;
    assert_eq!(roster, ["Ada"]);
}

#[tokio::test]
async fn every_bad_token_is_refused_with_auth_failed_and_a_close() {
    let server = TestServer::start(auth_config()).await;
    let exp = now_secs();
    let wrong_key = encode(
        &Header::new(Algorithm::HS256),
        &json!({ "sub": "a", "exp": exp + 60, "aud": "rallypoint" }),
        &EncodingKey::from_secret(b"someone else's secret, 32+ bytes long").unwrap(),
    )
    .unwrap();
    let cases = [
        (None, "needs a session token"),
        (Some("garbage".to_owned()), "not a well-formed JWT"),
        (Some(wrong_key), "signature is wrong"),
        (
            Some(token(
                json!({ "sub": "a", "exp": exp - 120, "aud": "rallypoint" }),
            )),
            "expired",
        ),
        (
            Some(token(
                json!({ "sub": "a", "exp": exp + 60, "aud": "another-game" }),
            )),
            "another audience",
        ),
        (Some("e".repeat(901)), "over 900 bytes"),
    ];
    for (token, why) in cases {
        let mut c = hello_with(&server, "x", token.clone()).await;
        match c.recv().await {
            ServerMsg::Error {
                code: ErrorCode::AuthFailed,
                message,
            } => assert!(message.contains(why), "{message:?} lacks {why:?}"),
            other => panic!("{token:?}: expected AuthFailed, got {other:?}"),
        }
        assert_eq!(c.closed().await, Closed::Code(1008), "{token:?}");
    }
    // The server is none the worse.
    let mut c = hello_with(&server, "x", Some(good("acct-1", "Ada"))).await;
    assert!(matches!(c.recv().await, ServerMsg::Welcome { .. }));
}

#[tokio::test]
async fn a_second_login_takes_the_seat_over_and_the_first_is_told_why() {
    let server = TestServer::start(auth_config()).await;
    let mut first = hello_with(&server, "", Some(good("acct-7", "Ada"))).await;
    assert!(matches!(first.recv().await, ServerMsg::Welcome { .. }));
    let (code, _) = first.create_private(4).await;
    let mut other = hello_with(&server, "", Some(good("acct-8", "Bob"))).await;
    other.recv().await;
    other.join_code(&code).await;

    // The same account again, with a newer name.
    let mut second = hello_with(&server, "", Some(good("acct-7", "Ada 2"))).await;
    let player = match second.recv().await {
        ServerMsg::Welcome { player, .. } => player,
        other => panic!("expected Welcome, got {other:?}"),
    };
    assert_eq!(player, account_player("acct-7"));
    match first
        .recv_until(|m| match m {
            ServerMsg::Error { code, .. } => Some(code),
            _ => None,
        })
        .await
    {
        ErrorCode::SessionReplaced => {}
        other => panic!("expected SessionReplaced, got {other:?}"),
    }
    assert_eq!(first.closed().await, Closed::Code(1008));
    // The second connection plays in the same seat: it gets the lobby's
    // snapshots without joining, and the lobby still has two members.
    second
        .recv_until(|m| matches!(m, ServerMsg::Snapshot(_)).then_some(()))
        .await;
    let roster = other
        .roster_until(|r| r.len() == 2 && r.get(&player).is_some_and(|n| n == "Ada"))
        .await;
    assert_eq!(roster.len(), 2);
    // Nothing to take over for a new account: a plain Welcome.
    let mut third = hello_with(&server, "", Some(good("acct-9", "Cy"))).await;
    assert!(matches!(third.recv().await, ServerMsg::Welcome { .. }));
    third.send(&ClientMsg::ListLobbies).await;
    assert!(matches!(
        third
            .recv_until(|m| matches!(m, ServerMsg::LobbyList { .. }).then_some(m))
            .await,
        ServerMsg::LobbyList { .. }
    ));
}

#[tokio::test]
async fn without_auth_a_token_is_ignored() {
    let server = TestServer::start(Config::default()).await;
    let mut c = hello_with(&server, "ada", Some("anything".into())).await;
    match c.recv().await {
        ServerMsg::Welcome { player, .. } => assert!(player.0 < 1 << 63),
        other => panic!("expected Welcome, got {other:?}"),
    }
}
