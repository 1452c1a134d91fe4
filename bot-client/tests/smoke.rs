//! End to end: the bot client against the real Rallypoint server, started
//! in-process on `127.0.0.1:0`.

use std::time::Duration;

use rallypoint_bot_client::{LobbyMode, RunOptions, run};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// Starts the real server; dropping or firing the sender shuts it down.
async fn start_server() -> (String, oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/ws", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    let config = rallypoint_server::Config::default();
    let server = tokio::spawn(async move {
        let shutdown = async {
            let _ = stopped.await;
        };
        rallypoint_server::serve(listener, config, shutdown)
            .await
            .expect("server runs");
    });
    (url, stop, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_bots_play_three_seconds() {
    let (url, stop, server) = start_server().await;
    let report = run(RunOptions {
        url,
        bots: 50,
        duration: Duration::from_secs(3),
        lobby: LobbyMode::Groups { size: 16 },
        ramp: Some(Duration::from_millis(500)),
        ..RunOptions::default()
    })
    .await
    .expect("run starts");

    assert_eq!(report.bots_connected, 50, "{report}");
    assert_eq!(report.bots_joined, 50, "{report}");
    assert_eq!(report.bots_failed, 0, "{report}");
    assert!(report.snapshots_per_bot_per_sec.min > 0.0, "{report}");
    assert!(report.rtt_ms.samples > 0, "{report}");
    assert!(report.input_ack_ms.samples > 0, "{report}");
    assert!(report.passed(), "{report}");

    let _ = stop.send(());
    server.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_join_fills_public_lobbies() {
    let (url, stop, server) = start_server().await;
    let report = run(RunOptions {
        url,
        bots: 20,
        duration: Duration::from_secs(2),
        lobby: LobbyMode::QuickJoin,
        ..RunOptions::default()
    })
    .await
    .expect("run starts");
    assert!(report.passed(), "{report}");
    let _ = stop.send(());
    server.await.unwrap();
}
