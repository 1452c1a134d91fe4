//! The admin API on a fleet: two nodes sharing a real Redis (started here
//! from `redis-server`, which `scripts/fleet-test` installs). Node a's
//! lobby table names node b's private lobby and its node; a lobby's
//! detail, a kick and a lock asked of node a reach node b, forwarded over
//! HTTP. It needs `redis-server` on the PATH (`scripts/test` installs it
//! with `scripts/install-redis`) and fails without it.

mod common;

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::admin_http::{FULL, READ, admin_config, get, post};
use common::{Client, Closed, TestServer};
use rallypoint_server::config::Config;
use rallypoint_shared::{ErrorCode, ServerMsg};

struct Redis(Child);

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

async fn node(id: &str, redis: SocketAddr) -> (TestServer, SocketAddr) {
    let admin_addr = free_addr();
    let mut admin = admin_config();
    admin.bind = Some(admin_addr);
    admin.url = Some(format!("http://{admin_addr}"));
    let server = TestServer::start(Config {
        redis_url: Some(format!("redis://{redis}")),
        fleet_secret: Some("the fleet's shared ticket secret".into()),
        node_id: Some(id.into()),
        admin: Some(admin),
        ..Config::default()
    })
    .await;
    (server, admin_addr)
}

#[tokio::test]
async fn the_admin_api_of_one_node_sees_and_acts_on_another_nodes_lobby() {
    let redis_addr = free_addr();
    let child = Command::new("redis-server")
        .args([
            "--port",
            &redis_addr.port().to_string(),
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server on the PATH (scripts/install-redis installs it)");
    let _redis = Redis(child);
    tokio::time::sleep(Duration::from_millis(300)).await;
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
