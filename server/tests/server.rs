//! End-to-end tests: the real server on 127.0.0.1:0, driven by real
//! WebSocket clients.

mod common;

use common::{Client, Closed, TestServer, arena_input, players};
use glam::Vec2;
use rallypoint_server::Config;
use rallypoint_shared::snapshot::{POSITION_TOLERANCE, from_fixed};
use rallypoint_shared::{ClientMsg, EntityRef, ErrorCode, PROTOCOL_VERSION, ServerMsg};
use tokio_tungstenite::tungstenite::Message;

fn entity_of(joined: &ServerMsg) -> EntityRef {
    match joined {
        ServerMsg::Joined {
            avatar: Some(avatar),
            ..
        } => *avatar,
        other => panic!("not Joined: {other:?}"),
    }
}

#[tokio::test]
async fn two_players_share_a_private_lobby_by_code() {
    let server = TestServer::start(Config::default()).await;
    let mut a = Client::welcomed(&server, "ada").await;
    let mut b = Client::welcomed(&server, "bob").await;
    let (code, joined_a) = a.create_private(4).await;
    let joined_b = b.join_code(&code.to_lowercase()).await;
    let (ea, eb) = (entity_of(&joined_a), entity_of(&joined_b));
    assert_ne!(ea, eb);
    // Both see a roster with both names, and snapshots with both entities.
    for c in [&mut a, &mut b] {
        // The creator learns of bob from a `RosterUpdate`, bob of both
        // from the `Roster` sent on joining.
        let names = c.roster_until(|r| r.len() == 2).await;
        assert_eq!(names, ["ada", "bob"]);
        let snap = c.snapshot().await;
        let ids: Vec<_> = players(&snap).keys().copied().collect();
        assert_eq!(ids.len(), 2);
        assert!(
            ids.contains(&ea.index) && ids.contains(&eb.index),
            "{ids:?}"
        );
        assert_eq!(snap.rows.len(), 2);
    }
}

#[tokio::test]
async fn private_lobbies_are_not_listed_and_bad_codes_are_refused() {
    let server = TestServer::start(Config::default()).await;
    let mut a = Client::welcomed(&server, "ada").await;
    a.create_private(4).await;
    let body = reqwest_lobbies(&server).await;
    assert_eq!(body, "[]");
    let mut b = Client::welcomed(&server, "bob").await;
    b.send(&ClientMsg::ListLobbies).await;
    assert_eq!(b.recv().await, ServerMsg::LobbyList { lobbies: vec![] });
    match b.join_code("NOPE99").await {
        ServerMsg::Error { code, .. } => assert_eq!(code, ErrorCode::LobbyNotFound),
        other => panic!("expected an error, got {other:?}"),
    }
}

#[tokio::test]
async fn input_moves_the_entity_and_both_players_see_it() {
    let server = TestServer::start(Config::default()).await;
    let mut a = Client::welcomed(&server, "ada").await;
    let mut b = Client::welcomed(&server, "bob").await;
    let (code, joined) = a.create_private(2).await;
    let ea = entity_of(&joined);
    b.join_code(&code).await;
    let start = from_fixed(a.snapshot().await.me);
    // Move away from wherever we spawned: toward the map's centre.
    let dir = (Vec2::new(800.0, 500.0) - start).normalize_or(Vec2::X);
    for seq in 1..=10 {
        a.send(&ClientMsg::Input(arena_input(seq, 0, dir, dir, false)))
            .await;
    }
    let acked = a.view_until(|v| v.last_input_seq == 10).await;
    let moved_to = from_fixed(acked.me);
    assert!(moved_to.distance(start) > 20.0, "{start} -> {moved_to}");
    // b sees a where a's own view puts it (the same dead-reckoned track),
    // within the tolerance of a's exact position.
    let seen_by_b = b.view_until(|v| v.tick >= acked.tick).await;
    let track_a = players(&acked)[&ea.index].track.unwrap();
    let track_b = players(&seen_by_b)[&ea.index].track.unwrap();
    assert_eq!(track_b, track_a.after(seen_by_b.tick - acked.tick));
    assert!((track_a.pos - acked.me).abs().max_element() <= POSITION_TOLERANCE);
    // b's own inputs were never applied.
    assert_eq!(seen_by_b.last_input_seq, 0);
}

#[tokio::test]
async fn a_full_lobby_refuses_a_join_with_a_clear_error() {
    let server = TestServer::start(Config::default()).await;
    let mut a = Client::welcomed(&server, "ada").await;
    let mut b = Client::welcomed(&server, "bob").await;
    let mut c = Client::welcomed(&server, "cyd").await;
    let (code, _) = a.create_private(2).await;
    entity_of(&b.join_code(&code).await);
    match c.join_code(&code).await {
        ServerMsg::Error { code, message } => {
            assert_eq!(code, ErrorCode::LobbyFull);
            assert!(message.contains("full"), "{message}");
        }
        other => panic!("expected LobbyFull, got {other:?}"),
    }
    // When b leaves, c fits.
    b.send(&ClientMsg::LeaveLobby).await;
    b.recv_until(|m| (m == ServerMsg::Left).then_some(())).await;
    entity_of(&c.join_code(&code).await);
}

#[tokio::test]
async fn garbage_gets_an_error_and_a_close_while_others_keep_playing() {
    let server = TestServer::start(Config::default()).await;
    let mut a = Client::welcomed(&server, "ada").await;
    let mut b = Client::welcomed(&server, "bob").await;
    let (code, _) = a.create_private(2).await;
    b.join_code(&code).await;
    let before = b.snapshot().await.tick;

    a.send_raw(Message::Binary(vec![0xff, 0x13, 0x37, 0x00, 0x42].into()))
        .await;
    let err = a
        .recv_until(|m| match m {
            ServerMsg::Error { code, .. } => Some(code),
            _ => None,
        })
        .await;
    assert_eq!(err, ErrorCode::BadMessage);
    assert_eq!(a.closed().await, Closed::Code(1008));

    // b keeps receiving a snapshot every tick: over the next 30 snapshots
    // the ticks are consecutive (latest-wins could only skip if b lagged).
    let mut last = before;
    for _ in 0..30 {
        let tick = b.snapshot().await.tick;
        assert!(tick > last, "tick went from {last} to {tick}");
        last = tick;
    }
    assert!(
        last - before <= 40,
        "ticks advanced {} for 30 snapshots",
        last - before
    );
}

#[tokio::test]
async fn version_mismatch_names_both_versions_then_closes() {
    let server = TestServer::start(Config::default()).await;
    let mut c = Client::connect(&server).await;
    c.send(&ClientMsg::Hello {
        protocol_version: PROTOCOL_VERSION + 1,
        name: "ada".into(),
        token: None,
    })
    .await;
    match c.recv().await {
        ServerMsg::Error { code, message } => {
            assert_eq!(code, ErrorCode::VersionMismatch);
            assert!(
                message.contains(&(PROTOCOL_VERSION + 1).to_string()),
                "{message}"
            );
            assert!(message.contains(&PROTOCOL_VERSION.to_string()), "{message}");
        }
        other => panic!("expected an error, got {other:?}"),
    }
    assert_eq!(c.closed().await, Closed::Code(1008));
}

#[tokio::test]
async fn text_frames_close_with_1003() {
    let server = TestServer::start(Config::default()).await;
    let mut c = Client::welcomed(&server, "ada").await;
    c.send_raw(Message::text("hello")).await;
    assert_eq!(c.closed().await, Closed::Code(1003));
}

#[tokio::test]
async fn oversized_messages_close_with_1009() {
    let server = TestServer::start(Config::default()).await;
    let mut c = Client::welcomed(&server, "ada").await;
    c.send_raw(Message::Binary(vec![0u8; 4096].into())).await;
    assert_eq!(c.closed().await, Closed::Code(1009));
}

#[tokio::test]
async fn input_before_hello_is_refused_and_closed() {
    let server = TestServer::start(Config::default()).await;
    let mut c = Client::connect(&server).await;
    c.send(&ClientMsg::Input(arena_input(1, 0, Vec2::X, Vec2::X, true)))
        .await;
    match c.recv().await {
        ServerMsg::Error { code, .. } => assert_eq!(code, ErrorCode::UnexpectedMessage),
        other => panic!("expected an error, got {other:?}"),
    }
    assert_eq!(c.closed().await, Closed::Code(1008));
}

#[tokio::test]
async fn quick_join_fills_one_public_lobby_which_is_listed() {
    let server = TestServer::start(Config::default()).await;
    let mut a = Client::welcomed(&server, "ada").await;
    let mut b = Client::welcomed(&server, "bob").await;
    a.send(&ClientMsg::QuickJoin {
        game: "arena".into(),
    })
    .await;
    let la = a
        .recv_until(|m| match m {
            ServerMsg::Joined {
                lobby, join_code, ..
            } => Some((lobby, join_code)),
            _ => None,
        })
        .await;
    b.send(&ClientMsg::QuickJoin {
        game: "arena".into(),
    })
    .await;
    let lb = b
        .recv_until(|m| match m {
            ServerMsg::Joined { lobby, .. } => Some(lobby),
            _ => None,
        })
        .await;
    assert_eq!(la, (lb, None));
    let body = reqwest_lobbies(&server).await;
    let listed: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(listed[0]["players"], 2);
    assert_eq!(listed[0]["max_players"], 16);
    assert_eq!(listed[0]["game"], "arena");
    assert_eq!(listed[0]["label"], "arena");
}

#[tokio::test]
async fn healthz_answers() {
    let server = TestServer::start(Config::default()).await;
    let (status, body) = http_get(&server, "/healthz").await;
    assert_eq!((status, body.as_str()), (200, "ok\n"));
    let (status, _) = http_get(&server, "/nope").await;
    assert_eq!(status, 404);
}

async fn reqwest_lobbies(server: &TestServer) -> String {
    let (status, body) = http_get(server, "/lobbies").await;
    assert_eq!(status, 200);
    body
}

/// A minimal HTTP/1.1 GET, enough for the JSON endpoints.
async fn http_get(server: &TestServer, path: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).await.unwrap();
    let status = raw[9..12].parse().unwrap();
    let body = raw
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap();
    (status, body)
}

#[tokio::test]
async fn acknowledged_snapshots_become_small_deltas() {
    let server = TestServer::start(Config::default()).await;
    let mut a = Client::welcomed(&server, "ada").await;
    let mut b = Client::welcomed(&server, "bob").await;
    let (code, _) = a.create_private(2).await;
    b.join_code(&code).await;
    let mut sizes = Vec::new();
    for seq in 1..=60 {
        a.send(&ClientMsg::Input(arena_input(
            seq,
            a.baselines.ack_tick(),
            Vec2::ZERO,
            Vec2::X,
            false,
        )))
        .await;
        // `next` applies each snapshot to a's views and fails on a
        // mismatch, so every delta here named a baseline a held.
        let snap = a
            .recv_until(|m| match m {
                ServerMsg::Snapshot(s) => Some(s),
                _ => None,
            })
            .await;
        let bytes = rallypoint_shared::encode_server(&ServerMsg::Snapshot(snap.clone())).unwrap();
        sizes.push((snap.baseline_age, bytes.len()));
    }
    let deltas: Vec<usize> = sizes
        .iter()
        .filter(|(age, _)| *age > 0)
        .map(|&(_, n)| n)
        .collect();
    assert!(deltas.len() >= 50, "{sizes:?}");
    let full = sizes.iter().find(|(age, _)| *age == 0).unwrap().1;
    // Nobody moves: a delta is just the header and a zero own offset.
    assert!(deltas.iter().all(|&n| n < full / 2 && n <= 12), "{sizes:?}");
    let stats = a.baselines.stats();
    assert_eq!((stats.missing_baseline, stats.resets), (0, 0));
}

#[tokio::test]
async fn the_browser_client_is_served_at_the_root() {
    let server = TestServer::start(Config::default()).await;
    let (status, body) = http_get(&server, "/").await;
    assert_eq!(status, 200);
    assert!(
        body.contains("game-select"),
        "the menu picks a game: {body}"
    );
    let (status, body) = http_get(&server, "/js/codec.js").await;
    assert_eq!(status, 200);
    assert!(body.contains("PROTOCOL_VERSION"));
    // Each hosted game's module, from its own folder.
    for game in ["arena", "four"] {
        let (status, body) = http_get(&server, &format!("/games/{game}/index.js")).await;
        assert_eq!(status, 200, "{game}");
        assert!(body.contains("export"), "{game}: {body}");
    }
    assert_eq!(http_get(&server, "/games/four/Cargo.toml").await.0, 404);
    assert_eq!(http_get(&server, "/../Cargo.toml").await.0, 404);
    assert_eq!(http_get(&server, "/nope.html").await.0, 404);
}

#[tokio::test]
async fn metrics_are_served_in_the_prometheus_text_format() {
    let server = TestServer::start(Config::default()).await;
    let mut a = Client::welcomed(&server, "ada").await;
    a.create_private(2).await;
    a.snapshot().await;
    // Garbage ends a second connection with a known reason.
    let mut b = Client::welcomed(&server, "bob").await;
    b.send_raw(Message::Binary(vec![0xff, 0xff].into())).await;
    b.closed().await;
    // The server counts the disconnect once its side of the close is done.
    let mut body = String::new();
    for _ in 0..100 {
        let (status, text) = http_get(&server, "/metrics").await;
        assert_eq!(status, 200);
        body = text;
        if body.contains("reason=\"bad message\"") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // The process-wide counters include other tests' servers, so check
    // presence and lower bounds, not exact values.
    let value = |name: &str| -> f64 {
        body.lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("{name} missing from:\n{body}"))
    };
    assert!(value("rallypoint_connections ") >= 1.0);
    assert!(value("rallypoint_lobbies ") >= 1.0);
    assert!(value("rallypoint_players ") >= 1.0);
    assert!(value("rallypoint_frames_in_total ") >= 3.0);
    assert!(value("rallypoint_bytes_out_total ") > 0.0);
    assert!(value("rallypoint_tick_duration_seconds_count ") >= 1.0);
    assert!(value("rallypoint_disconnects_total{reason=\"bad message\"} ") >= 1.0);
    assert!(body.contains("# TYPE rallypoint_tick_lateness_seconds histogram"));
}

#[tokio::test]
async fn a_lower_snapshot_rate_sends_every_other_tick_and_batched_inputs_all_apply() {
    let config = Config {
        snapshot_hz: Some(15),
        ..Config::default()
    };
    let server = TestServer::start(config).await;
    let mut a = Client::welcomed(&server, "ada").await;
    assert!(matches!(
        a.welcome,
        Some(ServerMsg::Welcome {
            tick_hz: 30,
            snapshot_hz: 15,
            ..
        })
    ));
    a.create_private(2).await;
    let mut ticks = Vec::new();
    let mut seq = 0;
    for _ in 0..20 {
        // Two ticks' inputs in one message, as a 15 Hz client sends them.
        let batch = (0..2)
            .map(|_| {
                seq += 1;
                arena_input(seq, a.baselines.ack_tick(), Vec2::X, Vec2::X, false)
            })
            .collect();
        a.send(&ClientMsg::Inputs(batch)).await;
        ticks.push(a.snapshot().await.tick);
    }
    assert!(ticks.windows(2).all(|w| w[1] - w[0] == 2), "{ticks:?}");
    // Every input of every batch is applied, one a tick.
    let view = a.view_until(|v| v.last_input_seq == 40).await;
    assert_eq!(view.last_input_seq, 40);
    assert!(a.baselines.stats().delta > 10);
    // An empty or oversized batch is refused with a clear error.
    a.send(&ClientMsg::Inputs(Vec::new())).await;
    let err = a
        .recv_until(|m| match m {
            ServerMsg::Error { code, message } => Some((code, message)),
            _ => None,
        })
        .await;
    assert_eq!(err.0, ErrorCode::InvalidField, "{}", err.1);
}
