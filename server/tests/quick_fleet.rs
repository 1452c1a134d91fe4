//! Quick-join on a fleet of two nodes sharing a real Redis, when the last
//! free seat of node b's open lobby is held for a player that node a
//! redirected there. Node b's own seat count does not show that seat as
//! taken; the fleet's confirmation does. A quick-join that lands on b, by
//! itself or sent by a with a ticket for "a new lobby here", passes over
//! that lobby instead of answering `LobbyFull`, and the redirected player
//! still gets its held seat. (`scripts/fleet-test`'s spread step failed
//! in CI on the second case.) It needs `redis-server` on the PATH
//! (`scripts/test` installs it with `scripts/install-redis`).

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::redis::redis;
use common::{Client, TestServer};
use rallypoint_server::config::Config;
use rallypoint_shared::{ClientMsg, JoinTarget, LobbyId, ServerMsg};

async fn node(id: &str, redis: SocketAddr) -> TestServer {
    TestServer::start(Config {
        redis_url: Some(format!("redis://{redis}")),
        fleet_secret: Some("the fleet's shared ticket secret".into()),
        node_id: Some(id.into()),
        quick_join_players: 2,
        ..Config::default()
    })
    .await
}

/// What a quick-join of arena was answered with.
#[derive(Debug)]
enum Answer {
    Joined(LobbyId),
    Redirect { node: String, ticket: Vec<u8> },
}

async fn answer(c: &mut Client) -> Answer {
    c.recv_until(|m| match m {
        ServerMsg::Joined { lobby, .. } => Some(Answer::Joined(lobby)),
        ServerMsg::Redirect { node, ticket, .. } => Some(Answer::Redirect { node, ticket }),
        ServerMsg::Error { code, message } => panic!("refused with {code:?}: {message}"),
        _ => None,
    })
    .await
}

async fn quick_join(c: &mut Client) -> Answer {
    c.send(&ClientMsg::QuickJoin {
        game: "arena".into(),
    })
    .await;
    answer(c).await
}

/// Follows a redirect to `node` as the player `name`: the lobby joined.
async fn follow(node: &TestServer, name: &str, ticket: Vec<u8>) -> (Client, LobbyId) {
    let mut c = Client::welcomed(node, name).await;
    c.send(&ClientMsg::JoinLobby(JoinTarget::Ticket(ticket)))
        .await;
    match answer(&mut c).await {
        Answer::Joined(lobby) => (c, lobby),
        other => panic!("{name} followed a redirect to {other:?}"),
    }
}

/// Waits until the directory has `field` of `key` at `value` (a node's
/// heartbeat, or the poke after a join, publishes it).
async fn published(redis: SocketAddr, key: &str, field: &str, value: u64) {
    let client = redis::Client::open(format!("redis://{redis}")).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    for _ in 0..100 {
        let got: Option<u64> = redis::cmd("HGET")
            .arg(key)
            .arg(field)
            .query_async(&mut conn)
            .await
            .unwrap();
        if got == Some(value) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{key} never had {field} = {value}");
}

/// Node b's open lobby with one player of two, and its last seat held for
/// `held_for`, redirected there by node a (and not there yet).
async fn lobby_with_its_last_seat_held(
    a: &TestServer,
    b: &TestServer,
    redis: SocketAddr,
    held_for: &str,
) -> (Client, LobbyId, Vec<u8>) {
    let mut ada = Client::welcomed(b, "ada").await;
    let Answer::Joined(lobby) = quick_join(&mut ada).await else {
        panic!("ada was sent away from b");
    };
    published(redis, &format!("rp:lobby:{}", lobby.0), "players", 1).await;
    let mut held = Client::welcomed(a, held_for).await;
    match quick_join(&mut held).await {
        Answer::Redirect { node, ticket } if node == "b" => (ada, lobby, ticket),
        other => panic!("{held_for} on a was not sent to b's lobby: {other:?}"),
    }
}

#[tokio::test]
async fn a_quick_join_on_the_node_passes_over_a_lobby_whose_last_seat_is_held() {
    let (_redis, redis_addr) = redis().await;
    let a = node("a", redis_addr).await;
    let b = node("b", redis_addr).await;
    let (_ada, lobby, bobs_ticket) = lobby_with_its_last_seat_held(&a, &b, redis_addr, "bob").await;

    // cyd quick-joins on b: b's count says its lobby has a free seat, the
    // fleet says it is held. cyd is sent to a new lobby on the less loaded
    // node a, not refused.
    let mut cyd = Client::welcomed(&b, "cyd").await;
    let Answer::Redirect { node, ticket } = quick_join(&mut cyd).await else {
        panic!("cyd took the held seat on b");
    };
    assert_eq!(node, "a");
    let (_cyd, cyds) = follow(&a, "cyd", ticket).await;

    // bob's seat was kept for him.
    let (_bob, bobs) = follow(&b, "bob", bobs_ticket).await;
    assert_eq!(bobs, lobby);
    assert_ne!(cyds, lobby);
}

#[tokio::test]
async fn a_quick_join_sent_to_the_node_passes_over_a_lobby_whose_last_seat_is_held() {
    let (_redis, redis_addr) = redis().await;
    let a = node("a", redis_addr).await;
    let b = node("b", redis_addr).await;
    // Node a is the busier: two players in a private lobby.
    let mut host = Client::welcomed(&a, "host").await;
    let mut guest = Client::welcomed(&a, "guest").await;
    let (code, _) = host.create_private(2).await;
    assert!(matches!(
        guest.join_code(&code).await,
        ServerMsg::Joined { .. }
    ));
    published(redis_addr, "rp:node:a", "players", 2).await;
    let (_ada, lobby, dans_ticket) = lobby_with_its_last_seat_held(&a, &b, redis_addr, "dan").await;

    // eve quick-joins on a: no open lobby with a free seat anywhere, so a
    // new one on the less loaded node b. On b, the lobby with the held seat
    // is passed over for a new one.
    let mut eve = Client::welcomed(&a, "eve").await;
    let Answer::Redirect { node, ticket } = quick_join(&mut eve).await else {
        panic!("eve stayed on the busier node a");
    };
    assert_eq!(node, "b");
    let (_eve, eves) = follow(&b, "eve", ticket).await;
    assert_ne!(eves, lobby, "eve took dan's held seat");

    let (_dan, dans) = follow(&b, "dan", dans_ticket).await;
    assert_eq!(dans, lobby);
}
