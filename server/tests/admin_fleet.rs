//! The admin API on a fleet: two nodes sharing a real Redis (started here
//! from `redis-server`, which `scripts/fleet-test` installs). Node a's
//! lobby table names node b's private lobby and its node; a lobby's
//! detail, a kick and a lock asked of node a reach node b, forwarded over
//! HTTP. It needs `redis-server` on the PATH (`scripts/test` installs it
//! with `scripts/install-redis`) and fails without it.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::admin_http::{FULL, READ, admin_config, get, post};
use common::redis::{free_addr, redis};
use common::{Client, Closed, TestServer, tokens};
use rallypoint_server::config::Config;
use rallypoint_shared::{ClientMsg, ErrorCode, ServerMsg};

async fn node(id: &str, redis: SocketAddr) -> (TestServer, SocketAddr) {
    node_of(id, redis, Config::default()).await
}

/// A node of the fleet at `redis` with its admin API on its own address,
/// the rest from `base`.
async fn node_of(id: &str, redis: SocketAddr, base: Config) -> (TestServer, SocketAddr) {
    let admin_addr = free_addr();
    let mut admin = admin_config();
    admin.bind = Some(admin_addr);
    admin.url = Some(format!("http://{admin_addr}"));
    let server = TestServer::start(Config {
        redis_url: Some(format!("redis://{redis}")),
        fleet_secret: Some("the fleet's shared ticket secret".into()),
        node_id: Some(id.into()),
        admin: Some(admin),
        ..base
    })
    .await;
    (server, admin_addr)
}

#[tokio::test]
async fn the_admin_api_of_one_node_sees_and_acts_on_another_nodes_lobby() {
    let (_redis, redis_addr) = redis().await;
    let (_a, admin_a) = node("a", redis_addr).await;
    let (b, _admin_b) = node("b", redis_addr).await;
    let mut ada = Client::welcomed(&b, "ada").await;
    let mut bob = Client::welcomed(&b, "bob").await;
    let (code, joined) = ada.create_private(4).await;
    let ServerMsg::Joined { lobby, .. } = joined else {
        unreachable!()
    };
    assert!(matches!(
        bob.join_code(&code).await,
        ServerMsg::Joined { .. }
    ));

    // Node a lists node b's private lobby once b's heartbeat published it.
    let mut listed = None;
    for _ in 0..60 {
        let list = get(admin_a, "/admin/api/lobbies", READ).await.json();
        let found = list["lobbies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["id"] == lobby.0)
            .cloned();
        if let Some(l) = found
            && l["players"] == 2
        {
            listed = Some((l, list["nodes"].clone()));
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (l, nodes) = listed.expect("node a never listed node b's lobby");
    assert_eq!(
        (l["node"].as_str(), l["code"].as_str()),
        (Some("b"), Some(code.as_str()))
    );
    assert_eq!(nodes.as_array().unwrap().len(), 2, "{nodes}");
    assert!(
        nodes.as_array().unwrap().iter().all(|n| n["ok"] == true),
        "{nodes}"
    );

    // Actions find the lobby's node in the directory: once b's heartbeat
    // (every second) has published it.
    let path = format!("/admin/api/lobbies/{}", lobby.0);
    let mut detail = get(admin_a, &path, READ).await;
    for _ in 0..40 {
        if detail.status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        detail = get(admin_a, &path, READ).await;
    }
    assert_eq!(detail.status, 200, "{}", detail.body);
    assert_eq!(detail.json()["members"].as_array().unwrap().len(), 2);

    let lock = post(admin_a, &format!("/admin/api/lobbies/{}/lock", lobby.0), "").await;
    assert_eq!(lock.status, 200, "{}", lock.body);
    let mut cyd = Client::welcomed(&b, "cyd").await;
    match cyd.join_code(&code).await {
        ServerMsg::Error { code, .. } => assert_eq!(code, ErrorCode::LobbyLocked),
        other => panic!("joined a locked lobby: {other:?}"),
    }

    let bob_id = match &bob.welcome {
        Some(ServerMsg::Welcome { player, .. }) => player.0,
        _ => unreachable!(),
    };
    let kick = format!("/admin/api/lobbies/{}/members/{bob_id}/kick", lobby.0);
    let kicked = post(admin_a, &kick, r#"{"reason":"wallhack"}"#).await;
    assert_eq!(kicked.status, 200, "{}", kicked.body);
    let told = bob
        .recv_until(|m| match m {
            ServerMsg::Error { code, message } => Some((code, message)),
            _ => None,
        })
        .await;
    assert_eq!(told, (ErrorCode::Kicked, "wallhack".to_owned()));
    assert_eq!(bob.closed().await, Closed::Code(1008));
    // A read token cannot act on b through a.
    let read_kick = common::admin_http::request(admin_a, "POST", &kick, Some(READ), "{}").await;
    assert_eq!(read_kick.status, 403);
    // A lobby nobody has is a 404 from a, not a 5xx.
    let none = get(admin_a, "/admin/api/lobbies/4000000000", FULL).await;
    assert_eq!(none.status, 404, "{}", none.body);
}

/// The first message a connection gets after `Hello`: `Welcome`, or an
/// error's code and message.
async fn greeting(c: &mut Client) -> Result<(), (ErrorCode, String)> {
    match c.recv().await {
        ServerMsg::Welcome { .. } => Ok(()),
        ServerMsg::Error { code, message } => Err((code, message)),
        other => panic!("expected Welcome or Error, got {other:?}"),
    }
}

#[tokio::test]
async fn bans_and_one_session_per_account_hold_across_the_fleet() {
    let (_redis, redis_addr) = redis().await;
    let with_auth = || Config {
        auth: Some(tokens::auth()),
        ..Config::default()
    };
    let (a, admin_a) = node_of("a", redis_addr, with_auth()).await;
    let (b, _admin_b) = node_of("b", redis_addr, with_auth()).await;
    // Both nodes listen to the fleet's logins once their heartbeat ran.
    tokio::time::sleep(Duration::from_millis(500)).await;

    // One account, one session: a login on b ends the session on a.
    let mut first = tokens::hello(&a, "ada").await;
    assert_eq!(greeting(&mut first).await, Ok(()));
    let (code, _) = first.create_private(4).await;
    let mut second = tokens::hello(&b, "ada").await;
    assert_eq!(greeting(&mut second).await, Ok(()));
    let replaced = first.recv_until(|m| match m {
        ServerMsg::Error { code, message } => Some((code, message)),
        _ => None,
    });
    let (code_told, message) = tokio::time::timeout(Duration::from_secs(5), replaced)
        .await
        .expect("the session on a was not ended by the login on b within 5 s");
    assert_eq!(code_told, ErrorCode::SessionReplaced);
    assert!(message.contains("node b"), "{message}");
    assert_eq!(first.closed().await, Closed::Code(1008));
    // Its seat was freed: the lobby it made is empty, so the code finds
    // nothing to join once the lobby closed, or a lobby without ada.
    let mut cyd = tokens::hello(&a, "cyd").await;
    assert_eq!(greeting(&mut cyd).await, Ok(()));
    if let ServerMsg::Joined { .. } = cyd.join_code(&code).await {
        let roster = cyd.roster_until(|r| r.len() == 1).await;
        assert_eq!(roster.len(), 1, "ada's seat is still held: {roster:?}");
    }
    // The session on b lives on.
    second.send(&ClientMsg::ListLobbies).await;
    second
        .recv_until(|m| matches!(m, ServerMsg::LobbyList { .. }).then_some(()))
        .await;

    // A ban made on a is kept in the directory: a node started after it
    // enforces it too.
    let ban = r#"{"account":"eve","secs":600,"reason":"aimbot"}"#;
    let banned = post(admin_a, "/admin/api/bans", ban).await;
    assert_eq!(banned.status, 200, "{}", banned.body);
    let (c, admin_c) = node_of("c", redis_addr, with_auth()).await;
    let mut refused = None;
    for _ in 0..30 {
        let mut eve = tokens::hello(&c, "eve").await;
        if let Err(told) = greeting(&mut eve).await {
            refused = Some(told);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (code_told, message) = refused.expect("node c never loaded the fleet's ban");
    assert_eq!(code_told, ErrorCode::Banned);
    assert!(message.ends_with(": aimbot"), "{message}");
    let listed = get(admin_c, "/admin/api/bans", READ).await.json();
    assert_eq!(listed["bans"][0]["account"], "eve", "{listed}");

    // Lifted through c, it ends everywhere: a lets eve in again.
    let lifted = post(admin_c, "/admin/api/bans/lift", r#"{"account":"eve"}"#).await;
    assert_eq!(lifted.status, 200, "{}", lifted.body);
    let mut eve = tokens::hello(&a, "eve").await;
    assert_eq!(greeting(&mut eve).await, Ok(()));
}
