//! The admin API against the real server, over HTTP: the lobby table with
//! a private lobby, a lobby's members, the stats the console charts, the
//! console's page, kicks, bans (account and address),
//! locks, closes, notices, the drain, and every refusal: no or a wrong
//! token (401), a read token on a write (403), a flood of bad tokens
//! (429), bad input (4xx), and `/admin` on the game port when the API has
//! a port of its own (404).

mod common;

use std::time::Duration;

use common::admin_http::{FULL, READ, admin_config, assert_nulls_explained, get, post, request};
use common::tokens::{self, hello};
use common::{Client, Closed, TestServer};
use rallypoint_server::admin::MAX_FAILURES_PER_MINUTE;
use rallypoint_server::config::Config;
use rallypoint_shared::{ClientMsg, ErrorCode, ServerMsg};
use serde_json::{Value, json};

fn config() -> Config {
    Config {
        admin: Some(admin_config()),
        ping_interval_secs: 1,
        ..Config::default()
    }
}

/// Two players in a private lobby: (server, creator, joiner, lobby id, code).
async fn lobby_of_two() -> (TestServer, Client, Client, u32, String) {
    let server = TestServer::start(config()).await;
    let mut ada = Client::welcomed(&server, "ada").await;
    let mut bob = Client::welcomed(&server, "bob").await;
    let (code, joined) = ada.create_private(4).await;
    let ServerMsg::Joined { lobby, .. } = joined else {
        unreachable!()
    };
    assert!(matches!(
        bob.join_code(&code).await,
        ServerMsg::Joined { .. }
    ));
    ada.roster_until(|r| r.len() == 2).await;
    (server, ada, bob, lobby.0, code)
}

/// Reads for `d`, answering the server's pings as it goes.
async fn keep_reading(c: &mut Client, d: Duration) {
    let end = tokio::time::Instant::now() + d;
    while tokio::time::Instant::now() < end {
        let _ = tokio::time::timeout_at(end, c.next()).await;
    }
}

fn player_of(c: &Client) -> u64 {
    match &c.welcome {
        Some(ServerMsg::Welcome { player, .. }) => player.0,
        _ => panic!("not welcomed"),
    }
}

#[tokio::test]
async fn the_lobby_table_lists_private_lobbies_and_a_lobby_its_members() {
    let (server, mut ada, mut bob, id, code) = lobby_of_two().await;
    // Pings go out every second; reading answers them, so RTTs exist.
    tokio::join!(
        keep_reading(&mut ada, Duration::from_millis(2500)),
        keep_reading(&mut bob, Duration::from_millis(2500))
    );
    let list = get(server.addr, "/admin/api/lobbies", READ).await;
    assert_eq!(list.status, 200, "{}", list.body);
    let list = list.json();
    assert_nulls_explained(&list);
    let lobby = &list["lobbies"][0];
    assert_eq!(lobby["id"], id);
    assert_eq!(lobby["private"], true);
    assert_eq!(lobby["code"], code.as_str());
    assert_eq!(
        (lobby["players"].as_u64(), lobby["max_players"].as_u64()),
        (Some(2), Some(4))
    );
    assert_eq!(lobby["locked"], false);
    assert!(lobby["tick"].as_u64().unwrap() > 30, "{lobby}");
    assert!(lobby["tick_lateness"]["ticks"].as_u64().unwrap() > 30);
    assert!(lobby["bytes_out_per_sec"].as_u64().unwrap() > 0, "{lobby}");
    assert!(lobby["age_secs"].as_f64().unwrap() >= 2.0);
    assert!(lobby["node"].is_null());

    let detail = get(server.addr, &format!("/admin/api/lobbies/{id}"), READ).await;
    assert_eq!(detail.status, 200, "{}", detail.body);
    let detail = detail.json();
    assert_nulls_explained(&detail);
    let members = detail["members"].as_array().unwrap();
    let names: Vec<&str> = members
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ada", "bob"]);
    for (m, c) in members.iter().zip([&ada, &bob]) {
        assert_eq!(m["player"], player_of(c));
        assert_eq!(m["ip"], "127.0.0.1");
        assert_eq!(m["connected"], true);
        assert!(m["account"].is_null(), "auth is off");
        assert!(m["rtt_ms"].as_f64().is_some(), "no RTT: {m}");
        assert!(m["snapshots_offered"].as_u64().unwrap() > 30);
        assert!(m["connection_secs"].as_f64().unwrap() >= 2.0);
        assert_eq!(m["input_backlog"], 0);
    }
    let node = get(server.addr, "/admin/api/node", READ).await.json();
    assert_eq!(
        (node["lobbies"].as_u64(), node["players"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(node["config"]["admin"]["tokens"][0]["token"], "<redacted>");
    assert!(!node.to_string().contains(FULL));
}

/// `GET /admin/api/stats` as JSON, with every null explained.
async fn stats(server: &TestServer) -> Value {
    let answer = get(server.addr, "/admin/api/stats", READ).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let json = answer.json();
    assert_nulls_explained(&json);
    json
}

fn kicked(stats: &Value) -> u64 {
    stats["disconnects"]["kicked"].as_u64().unwrap_or(0)
}

#[tokio::test]
async fn stats_count_players_ticks_bytes_and_disconnects() {
    let (server, mut ada, mut bob, id, _) = lobby_of_two().await;
    let first = stats(&server).await;
    // Players and lobbies are this server's; the counters are the
    // process's, which other tests here add to, so they are compared
    // before and after, never to exact values.
    assert_eq!(
        (first["players"].as_u64(), first["lobbies"].as_u64()),
        (Some(2), Some(1))
    );
    assert!(first["connections"].as_i64().unwrap() >= 2, "{first}");
    assert_eq!(first["late_tick_ms"], 2.0);
    assert!(first["disconnects"].is_object(), "{first}");
    tokio::join!(
        keep_reading(&mut ada, Duration::from_millis(1200)),
        keep_reading(&mut bob, Duration::from_millis(1200))
    );
    let path = format!("/admin/api/lobbies/{id}/members/{}/kick", player_of(&bob));
    assert_eq!(
        post(server.addr, &path, r#"{"reason":"r"}"#).await.status,
        200
    );
    assert_eq!(bob.closed().await, Closed::Code(1008));
    ada.roster_until(|r| r.len() == 1).await;
    let second = stats(&server).await;
    let grew = |k: &str| second[k].as_u64().unwrap() > first[k].as_u64().unwrap();
    assert!(
        grew("ticks") && grew("bytes_in") && grew("bytes_out"),
        "{first} then {second}"
    );
    assert!(second["ticks_late"].as_u64().unwrap() >= first["ticks_late"].as_u64().unwrap());
    assert!(second["ticks"].as_u64().unwrap() >= second["ticks_late"].as_u64().unwrap());
    assert!(kicked(&second) > kicked(&first), "{first} then {second}");
    assert_eq!(second["players"], 1);
    assert!(second["uptime_secs"].as_f64().unwrap() > first["uptime_secs"].as_f64().unwrap());
    // Read-only, and it takes a token like the rest of the API.
    let anon = request(server.addr, "GET", "/admin/api/stats", None, "").await;
    assert_eq!(anon.status, 401);
    let posted = post(server.addr, "/admin/api/stats", "").await;
    assert_eq!(posted.status, 405);
}

#[tokio::test]
async fn the_console_page_is_served_without_a_token_beside_the_api() {
    let server = TestServer::start(config()).await;
    for path in ["/admin", "/admin/"] {
        let page = request(server.addr, "GET", path, None, "").await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        assert!(
            page.head.contains("content-type: text/html"),
            "{}",
            page.head
        );
        assert!(
            page.head
                .contains("content-security-policy: default-src 'self'"),
            "{}",
            page.head
        );
        assert!(page.body.contains("/admin/admin.js"), "{}", page.body);
    }
    let script = request(server.addr, "GET", "/admin/admin.js", None, "").await;
    assert_eq!(script.status, 200);
    assert!(script.head.contains("content-type: text/javascript"));
    assert_eq!(
        request(server.addr, "GET", "/admin/nope.js", None, "")
            .await
            .status,
        404
    );
    assert_eq!(
        request(server.addr, "POST", "/admin", None, "")
            .await
            .status,
        405
    );
    // The page holds no data: the API still wants a token.
    assert_eq!(
        request(server.addr, "GET", "/admin/api/lobbies", None, "")
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn a_kicked_member_is_told_why_and_closed() {
    let (server, mut ada, mut bob, id, _) = lobby_of_two().await;
    let path = format!("/admin/api/lobbies/{id}/members/{}/kick", player_of(&bob));
    let answer = post(server.addr, &path, r#"{"reason":"aimbot"}"#).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let told = bob
        .recv_until(|m| match m {
            ServerMsg::Error { code, message } => Some((code, message)),
            _ => None,
        })
        .await;
    assert_eq!(told, (ErrorCode::Kicked, "aimbot".to_owned()));
    assert_eq!(bob.closed().await, Closed::Code(1008));
    ada.roster_until(|r| r.len() == 1).await;
    // Kicking someone not in the lobby is a 404.
    let again = post(server.addr, &path, r#"{"reason":"aimbot"}"#).await;
    assert_eq!(again.status, 404, "{}", again.body);
}

#[tokio::test]
async fn a_locked_lobby_refuses_joins_and_keeps_the_connection() {
    let (server, _ada, mut bob, id, code) = lobby_of_two().await;
    let lock = post(server.addr, &format!("/admin/api/lobbies/{id}/lock"), "").await;
    assert_eq!(lock.status, 200, "{}", lock.body);
    let mut cyd = Client::welcomed(&server, "cyd").await;
    match cyd.join_code(&code).await {
        ServerMsg::Error { code, .. } => assert_eq!(code, ErrorCode::LobbyLocked),
        other => panic!("joined a locked lobby: {other:?}"),
    }
    cyd.send(&ClientMsg::ListLobbies).await;
    assert!(matches!(cyd.recv().await, ServerMsg::LobbyList { .. }));
    let listed = get(server.addr, "/admin/api/lobbies", READ).await.json();
    assert_eq!(listed["lobbies"][0]["locked"], true);
    // Members stay; after unlocking, joins work again.
    bob.send(&ClientMsg::Ping { client_time: 1 }).await;
    assert!(matches!(bob.recv_until(pong).await, ServerMsg::Pong { .. }));
    let unlock = post(server.addr, &format!("/admin/api/lobbies/{id}/unlock"), "").await;
    assert_eq!(unlock.status, 200);
    assert!(matches!(
        cyd.join_code(&code).await,
        ServerMsg::Joined { .. }
    ));
}

fn pong(m: ServerMsg) -> Option<ServerMsg> {
    matches!(m, ServerMsg::Pong { .. }).then_some(m)
}

fn notice(m: ServerMsg) -> Option<String> {
    match m {
        ServerMsg::Notice { text } => Some(text),
        _ => None,
    }
}

#[tokio::test]
async fn notices_reach_a_lobby_or_everyone_and_a_closed_lobby_lets_go() {
    let (server, mut ada, mut bob, id, _) = lobby_of_two().await;
    let mut cyd = Client::welcomed(&server, "cyd").await;
    let path = format!("/admin/api/lobbies/{id}/notice");
    let answer = post(server.addr, &path, r#"{"text":"restart in 5 min"}"#).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(ada.recv_until(notice).await, "restart in 5 min");
    assert_eq!(bob.recv_until(notice).await, "restart in 5 min");
    let all = post(server.addr, "/admin/api/notice", r#"{"text":"hello all"}"#).await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert_eq!(
        cyd.recv_until(notice).await,
        "hello all",
        "a player outside lobbies"
    );
    assert_eq!(ada.recv_until(notice).await, "hello all");

    let close = post(
        server.addr,
        &format!("/admin/api/lobbies/{id}/close"),
        r#"{"reason":"cheaters"}"#,
    )
    .await;
    assert_eq!(close.status, 200, "{}", close.body);
    let (code, message) = ada
        .recv_until(|m| match m {
            ServerMsg::Error { code, message } => Some((code, message)),
            _ => None,
        })
        .await;
    assert_eq!(code, ErrorCode::LobbyClosed);
    assert!(message.contains("cheaters"), "{message}");
    ada.recv_until(|m| matches!(m, ServerMsg::Left).then_some(()))
        .await;
    // The lobby is gone, and its members may make another.
    let gone = get(server.addr, &format!("/admin/api/lobbies/{id}"), READ).await;
    assert_eq!(gone.status, 404, "{}", gone.body);
    ada.create_private(2).await;
}

#[tokio::test]
async fn a_banned_account_is_closed_and_refused_at_hello_until_lifted() {
    let server = TestServer::start(Config {
        auth: Some(tokens::auth()),
        ..config()
    })
    .await;
    let mut eve = hello(&server, "eve").await;
    assert!(matches!(eve.recv().await, ServerMsg::Welcome { .. }));
    let ban = r#"{"account":"eve","secs":3600,"reason":"griefing"}"#;
    let answer = post(server.addr, "/admin/api/bans", ban).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["kicked"], 1);
    for mut c in [eve, hello(&server, "eve").await] {
        match c.recv().await {
            ServerMsg::Error { code, message } => {
                assert_eq!(code, ErrorCode::Banned);
                assert!(message.starts_with("banned until 20"), "{message}");
                assert!(message.ends_with(": griefing"), "{message}");
            }
            other => panic!("expected Banned, got {other:?}"),
        }
        assert_eq!(c.closed().await, Closed::Code(1008));
    }
    let mut ok = hello(&server, "fay").await;
    assert!(matches!(ok.recv().await, ServerMsg::Welcome { .. }));
    let bans = get(server.addr, "/admin/api/bans", READ).await.json();
    assert_eq!(bans["bans"][0]["account"], "eve");
    assert_eq!(bans["bans"][0]["by"], "ops");
    assert_nulls_explained(&bans);
    let lift = post(server.addr, "/admin/api/bans/lift", r#"{"account":"eve"}"#).await;
    assert_eq!(lift.status, 200, "{}", lift.body);
    let mut back = hello(&server, "eve").await;
    assert!(matches!(back.recv().await, ServerMsg::Welcome { .. }));
}

#[tokio::test]
async fn a_banned_address_is_refused_at_the_upgrade() {
    let (server, mut ada, _bob, _, _) = lobby_of_two().await;
    let ban = r#"{"ip":"127.0.0.1","secs":60,"reason":"flood"}"#;
    let answer = post(server.addr, "/admin/api/bans", ban).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["kicked"], 2);
    assert!(matches!(ada.closed().await, Closed::Code(1008)));
    let refused = tokio_tungstenite::connect_async(server.url()).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status(), 403),
        other => panic!("upgrade not refused: {:?}", other.map(|_| ())),
    }
    // Bans without authentication cannot name an account.
    let acct = post(
        server.addr,
        "/admin/api/bans",
        r#"{"account":"a","secs":9,"reason":"x"}"#,
    )
    .await;
    assert_eq!(acct.status, 400, "{}", acct.body);
}

#[tokio::test]
async fn bad_tokens_are_refused_and_then_throttled() {
    let server = TestServer::start(config()).await;
    let none = request(server.addr, "GET", "/admin/api/node", None, "").await;
    assert_eq!(none.status, 401);
    assert!(
        none.head.contains("www-authenticate: bearer"),
        "{}",
        none.head
    );
    assert!(none.json()["error"].is_string());
    let read_on_write = request(server.addr, "POST", "/admin/api/drain", Some(READ), "").await;
    assert_eq!(read_on_write.status, 403, "{}", read_on_write.body);
    for _ in 1..MAX_FAILURES_PER_MINUTE {
        let wrong = get(server.addr, "/admin/api/node", "wrong-token").await;
        assert_eq!(wrong.status, 401);
    }
    let throttled = get(server.addr, "/admin/api/node", FULL).await;
    assert_eq!(throttled.status, 429, "the good token is not even checked");
    assert!(throttled.json()["error"].is_string());
    let metrics = request(server.addr, "GET", "/metrics", None, "").await.body;
    assert!(
        metrics.contains("rallypoint_admin_unauthorized_total"),
        "{metrics}"
    );
    // The game goes on.
    Client::welcomed(&server, "still here").await;
}

#[tokio::test]
async fn bad_input_is_a_4xx_with_a_json_message() {
    let (server, _ada, bob, id, _) = lobby_of_two().await;
    let kick = |p: String| format!("/admin/api/lobbies/{id}/members/{p}/kick");
    let cases: Vec<(&str, String, String, u16)> = vec![
        ("GET", "/admin/api/lobbies/nope".into(), String::new(), 400),
        (
            "GET",
            "/admin/api/lobbies/999999".into(),
            String::new(),
            404,
        ),
        ("GET", "/admin/api/nothing".into(), String::new(), 404),
        (
            "GET",
            format!("/admin/api/lobbies/{id}/lock"),
            String::new(),
            405,
        ),
        ("POST", kick("x".into()), r#"{"reason":"r"}"#.into(), 400),
        (
            "POST",
            kick("12345".into()),
            r#"{"reason":"r"}"#.into(),
            404,
        ),
        ("POST", kick(player_of(&bob).to_string()), "{".into(), 400),
        (
            "POST",
            kick(player_of(&bob).to_string()),
            r#"{"reason":"r","x":1}"#.into(),
            400,
        ),
        (
            "POST",
            kick(player_of(&bob).to_string()),
            json!({ "reason": "r".repeat(201) }).to_string(),
            400,
        ),
        ("POST", kick(player_of(&bob).to_string()), "{}".into(), 400),
        (
            "POST",
            "/admin/api/bans".into(),
            r#"{"ip":"300.1.1.1","secs":5,"reason":"r"}"#.into(),
            400,
        ),
        (
            "POST",
            "/admin/api/bans".into(),
            r#"{"ip":"10.0.0.1","secs":0,"reason":"r"}"#.into(),
            400,
        ),
        (
            "POST",
            "/admin/api/notice".into(),
            json!({ "text": "x".repeat(20_000) }).to_string(),
            413,
        ),
    ];
    for (method, path, body, status) in cases {
        let answer = request(server.addr, method, &path, Some(FULL), &body).await;
        assert_eq!(answer.status, status, "{method} {path}: {}", answer.body);
        let error: Value = answer.json();
        assert!(error["error"].is_string(), "{method} {path}: {error}");
    }
}

#[tokio::test]
async fn with_its_own_port_the_api_is_not_on_the_game_port() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut admin = admin_config();
    admin.bind = Some(port);
    let server = TestServer::start(Config {
        admin: Some(admin),
        ..Config::default()
    })
    .await;
    let on_game = get(server.addr, "/admin/api/node", FULL).await;
    assert_eq!(on_game.status, 404);
    let mut on_admin = get(port, "/admin/api/node", READ).await;
    for _ in 0..50 {
        if on_admin.status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        on_admin = get(port, "/admin/api/node", READ).await;
    }
    assert_eq!(on_admin.status, 200, "{}", on_admin.body);
    // The console goes with the API.
    assert_eq!(request(port, "GET", "/admin", None, "").await.status, 200);
    assert_eq!(
        request(server.addr, "GET", "/admin", None, "").await.status,
        404
    );
    // Without [admin] there is no admin API at all.
    let plain = TestServer::start(Config::default()).await;
    assert_eq!(get(plain.addr, "/admin/api/node", FULL).await.status, 404);
}

#[tokio::test]
async fn the_drain_can_be_started_from_the_api() {
    let mut server = TestServer::start(config()).await;
    let mut ada = Client::welcomed(&server, "ada").await;
    ada.create_private(2).await;
    let answer = post(server.addr, "/admin/api/drain", "").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    ada.recv_until(|m| matches!(m, ServerMsg::ShuttingDown { .. }).then_some(()))
        .await;
    // The drain ends once the last player leaves.
    ada.send(&ClientMsg::LeaveLobby).await;
    let stopped = tokio::time::timeout(Duration::from_secs(10), &mut server.task).await;
    assert!(matches!(stopped, Ok(Ok(Ok(())))), "the server did not stop");
    server.stop();
}
