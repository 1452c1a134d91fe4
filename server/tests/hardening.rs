//! Dead peers, reconnects, floods, caps and shutdown, against the real
//! server with real WebSocket clients. Timeouts are set small so each test
//! takes a second or two.

mod common;

use std::time::Duration;

use common::{Client, Closed, TestServer, arena_input, players};
use futures_util::StreamExt;
use glam::Vec2;
use rallypoint_server::Config;
use rallypoint_shared::{ClientMsg, ErrorCode, PROTOCOL_VERSION, ResumeToken, ServerMsg};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

fn error_code(m: ServerMsg) -> Option<ErrorCode> {
    match m {
        ServerMsg::Error { code, .. } => Some(code),
        _ => None,
    }
}

async fn resume(server: &TestServer, token: ResumeToken) -> Client {
    let mut c = Client::connect(server).await;
    c.send(&ClientMsg::Resume {
        protocol_version: PROTOCOL_VERSION,
        token,
    })
    .await;
    c
}

#[tokio::test]
async fn a_dropped_player_resumes_into_the_same_seat_with_a_new_token() {
    let server = TestServer::start(Config::default()).await;
    let mut a = Client::welcomed(&server, "ada").await;
    let mut b = Client::welcomed(&server, "bob").await;
    let (code, joined) = a.create_private(2).await;
    let (lobby, entity) = match joined {
        ServerMsg::Joined {
            lobby,
            avatar: Some(avatar),
            ..
        } => (lobby, avatar),
        _ => unreachable!(),
    };
    b.join_code(&code).await;
    for seq in 1..=5 {
        let input = arena_input(seq, 0, Vec2::Y, Vec2::X, false);
        a.send(&ClientMsg::Input(input)).await;
    }
    let before = a.view_until(|v| v.last_input_seq == 5).await;
    let state = players(&before)[&entity.index].clone();
    let score = before.rows[&entity.index];
    let (player, old_token) = match &a.welcome {
        Some(ServerMsg::Welcome {
            player,
            resume_token,
            ..
        }) => (*player, *resume_token),
        _ => unreachable!(),
    };

    drop(a); // TCP gone, no close frame: a network drop

    // Meanwhile b still sees a's entity: the seat is held.
    let snap = b.snapshot().await;
    assert!(players(&snap).contains_key(&entity.index));

    let mut a = resume(&server, old_token).await;
    let new_token = match a.recv().await {
        ServerMsg::Welcome {
            player: p,
            resume_token,
            ..
        } => {
            assert_eq!(p, player);
            resume_token
        }
        other => panic!("expected Welcome, got {other:?}"),
    };
    assert_ne!(new_token, old_token);
    match a.recv().await {
        ServerMsg::Joined {
            lobby: l,
            avatar: e,
            ..
        } => assert_eq!((l, e), (lobby, Some(entity))),
        other => panic!("expected Joined, got {other:?}"),
    }
    let after = a.snapshot().await;
    assert_eq!(after.me, before.me, "the entity stood still while away");
    let resumed = &players(&after)[&entity.index];
    assert_eq!(resumed.fields, state.fields, "the same aim, HP and life");
    assert_eq!(after.rows[&entity.index], score);
    // Input seqs carry on where they were.
    assert_eq!(after.last_input_seq, 5);

    // The old token is spent.
    let mut again = resume(&server, old_token).await;
    assert_eq!(
        again.recv_until(error_code).await,
        ErrorCode::ResumeRejected
    );
    assert_eq!(again.closed().await, Closed::Code(1008));
}

#[tokio::test]
async fn a_forged_token_is_rejected_and_closed() {
    let server = TestServer::start(Config::default()).await;
    let mut c = resume(&server, ResumeToken([0x42; 16])).await;
    assert_eq!(c.recv_until(error_code).await, ErrorCode::ResumeRejected);
    assert_eq!(c.closed().await, Closed::Code(1008));
}

#[tokio::test]
async fn after_the_grace_period_the_seat_is_freed_and_resume_fails() {
    let config = Config {
        resume_grace_secs: 1,
        ..Config::default()
    };
    let server = TestServer::start(config).await;
    let mut a = Client::welcomed(&server, "ada").await;
    let mut b = Client::welcomed(&server, "bob").await;
    let (code, _) = a.create_private(2).await;
    b.join_code(&code).await;
    let token = a.token();
    drop(a);
    // Grace (1 s) plus the lobby's margin (2 s): the roster shrinks to b.
    let left = tokio::time::timeout(Duration::from_secs(5), async {
        b.roster_until(|r| r.len() == 1).await
    })
    .await;
    assert!(left.is_ok(), "seat not freed");
    let mut late = resume(&server, token).await;
    assert_eq!(late.recv_until(error_code).await, ErrorCode::ResumeRejected);
    // The lobby has room again.
    let mut c = Client::welcomed(&server, "cyd").await;
    assert!(matches!(c.join_code(&code).await, ServerMsg::Joined { .. }));
}

#[tokio::test]
async fn resuming_from_a_new_connection_takes_over_a_half_open_one() {
    let server = TestServer::start(Config::default()).await;
    let mut old = Client::welcomed(&server, "ada").await;
    old.create_private(2).await;
    let mut new = resume(&server, old.token()).await;
    assert!(matches!(new.recv().await, ServerMsg::Welcome { .. }));
    assert!(matches!(new.recv().await, ServerMsg::Joined { .. }));
    assert_eq!(old.closed().await, Closed::Code(1008));
    // The old connection's end does not take the seat with it.
    for _ in 0..10 {
        assert_eq!(players(&new.snapshot().await).len(), 1);
    }
}

#[tokio::test]
async fn a_connection_without_hello_is_closed_after_the_hello_timeout() {
    let config = Config {
        hello_timeout_secs: 1,
        ..Config::default()
    };
    let server = TestServer::start(config).await;
    let mut c = Client::connect(&server).await;
    let started = std::time::Instant::now();
    assert_eq!(c.closed().await, Closed::Code(1008));
    assert!(started.elapsed() >= Duration::from_millis(900));
}

#[tokio::test]
async fn the_server_pings_and_a_client_that_answers_stays() {
    let config = Config {
        ping_interval_secs: 1,
        peer_timeout_secs: 2,
        ..Config::default()
    };
    let server = TestServer::start(config).await;
    let mut c = Client::welcomed(&server, "ada").await;
    // tungstenite answers pings itself while we read; 5 s is more than two
    // timeouts, with a second of slack for a loaded CI machine (4 s once
    // saw only 2 pings when the tests shared 2 cores).
    let mut pings = 0;
    let until = tokio::time::Instant::now() + Duration::from_secs(5);
    while let Ok(Some(frame)) = tokio::time::timeout_at(until, c.ws.next()).await {
        match frame.unwrap() {
            Message::Ping(_) => pings += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(pings >= 3, "{pings} pings");
    c.send(&ClientMsg::ListLobbies).await;
    assert!(matches!(c.recv().await, ServerMsg::LobbyList { .. }));
}

#[tokio::test]
async fn a_flood_is_rate_limited_then_closed() {
    let config = Config {
        rate_limit_per_sec: 50,
        rate_limit_burst: 50,
        ..Config::default()
    };
    let server = TestServer::start(config).await;
    let mut c = Client::welcomed(&server, "ada").await;
    for t in 0..200 {
        c.send(&ClientMsg::Ping { client_time: t }).await;
    }
    assert_eq!(c.recv_until(error_code).await, ErrorCode::RateLimited);
    assert_eq!(c.closed().await, Closed::Code(1008));
}

#[tokio::test]
async fn connections_per_ip_are_capped() {
    let config = Config {
        max_connections_per_ip: 2,
        ..Config::default()
    };
    let server = TestServer::start(config).await;
    let _a = Client::connect(&server).await;
    let b = Client::connect(&server).await;
    let refused = tokio_tungstenite::connect_async(server.url()).await;
    assert!(refused.is_err(), "third connection accepted");
    drop(b);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(tokio_tungstenite::connect_async(server.url()).await.is_ok());
}

#[tokio::test]
async fn only_allowed_browser_origins_may_connect() {
    let config = Config {
        allowed_origins: vec!["http://good.example".into()],
        ..Config::default()
    };
    let server = TestServer::start(config).await;
    let with_origin = |origin: &'static str| {
        let mut req = server.url().into_client_request().unwrap();
        req.headers_mut()
            .insert("Origin", HeaderValue::from_static(origin));
        req
    };
    let evil = tokio_tungstenite::connect_async(with_origin("http://evil.example")).await;
    match evil {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            assert_eq!(resp.status(), 403)
        }
        other => panic!("expected 403, got {:?}", other.map(|_| ())),
    }
    assert!(
        tokio_tungstenite::connect_async(with_origin("http://good.example"))
            .await
            .is_ok()
    );
    // Native clients send no Origin and are allowed.
    assert!(tokio_tungstenite::connect_async(server.url()).await.is_ok());
}

#[tokio::test]
async fn shutdown_drains_until_players_leave_then_closes_with_1001() {
    let mut server = TestServer::start(Config::default()).await; // drain: 30 s
    let mut a = Client::welcomed(&server, "ada").await;
    let mut b = Client::welcomed(&server, "bob").await;
    a.create_private(2).await;
    let started = std::time::Instant::now();
    server.stop();
    let notice = a
        .recv_until(|m| match m {
            ServerMsg::ShuttingDown { drain_secs, .. } => Some(drain_secs),
            _ => None,
        })
        .await;
    assert_eq!(notice, 30);
    // No new joins during the drain.
    b.send(&ClientMsg::QuickJoin {
        game: "arena".into(),
    })
    .await;
    assert_eq!(b.recv_until(error_code).await, ErrorCode::ShuttingDown);
    // Games go on meanwhile.
    a.snapshot().await;
    // The last player leaves: the drain ends early, everyone gets 1001.
    a.send(&ClientMsg::LeaveLobby).await;
    assert_eq!(a.closed().await, Closed::Code(1001));
    assert_eq!(b.closed().await, Closed::Code(1001));
    let result = tokio::time::timeout(Duration::from_secs(10), server.task)
        .await
        .expect("server did not stop");
    assert!(result.unwrap().is_ok());
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn players_still_playing_at_the_end_of_the_drain_are_closed_with_1001() {
    let config = Config {
        drain_secs: 1,
        ..Config::default()
    };
    let mut server = TestServer::start(config).await;
    let mut a = Client::welcomed(&server, "ada").await;
    a.create_private(2).await;
    server.stop();
    assert_eq!(a.closed().await, Closed::Code(1001));
    let result = tokio::time::timeout(Duration::from_secs(10), server.task)
        .await
        .expect("server did not stop");
    assert!(result.unwrap().is_ok());
}
