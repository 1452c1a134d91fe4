//! Runs the bots against the real server, in this test process, hosting
//! both of this repository's games (arena first, the default).

use rallypoint_arena::{Arena, ArenaConfig};
use rallypoint_bot_client::{Report, RunOptions, run};
use rallypoint_four::{Four, FourConfig};
use rallypoint_server::Config;
use rallypoint_server::lobby::{Games, host};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// Runs the bots against the real server, started with `config` on
/// `127.0.0.1:0` (`opts.url` is set to it), and shuts the server down after.
pub async fn play(config: Config, opts: RunOptions) -> Report {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/ws", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let shutdown = async {
            let _ = stopped.await;
        };
        let games = Games::new(vec![
            host::<Arena>(ArenaConfig::default()),
            host::<Four>(FourConfig::default()),
        ])
        .unwrap();
        rallypoint_server::serve(listener, config, games, shutdown)
            .await
            .expect("server runs");
    });
    let report = run(RunOptions { url, ..opts }).await.expect("run starts");
    let _ = stop.send(());
    server.await.unwrap();
    report
}
