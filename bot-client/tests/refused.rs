//! Bots the real server refuses at the HTTP level say why: the server
//! (in-process on `127.0.0.1:0`) runs with tiny connection caps, so some
//! bots get its 429 or 503, and the report must name the status, the cap
//! and the server flag that raises it.

mod in_process;

use std::time::Duration;

use rallypoint_bot_client::{LobbyMode, Report, RunOptions, ServerMetrics};
use rallypoint_server::Config;

/// Four bots for a second against `config`. No metrics scrapes: each
/// would take a place under the caps too.
async fn four_bots(config: Config) -> Report {
    in_process::play(
        config,
        RunOptions {
            bots: 4,
            duration: Duration::from_secs(1),
            lobby: LobbyMode::QuickJoin,
            server_metrics: ServerMetrics::Off,
            ..RunOptions::default()
        },
    )
    .await
}

/// The first two bots stay for the whole second, so the last two, which
/// connect within milliseconds, find the per-IP cap of 2 taken.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_per_ip_cap_is_named_with_its_flag() {
    let config = Config {
        max_connections_per_ip: 2,
        ..Config::default()
    };
    let report = four_bots(config).await;

    assert_eq!(report.bots_connected, 2, "{report}");
    assert_eq!(report.bots_joined, 2, "{report}");
    let failures: Vec<(&str, u32)> = (report.failures.iter())
        .map(|(k, n)| (k.as_str(), *n))
        .collect();
    assert_eq!(failures, [("handshake:http_429", 2)], "{report}");
    let words = &report.failures_explained["handshake:http_429"];
    assert_eq!(
        words.cause,
        "handshake refused: HTTP 429 Too Many Requests: the server's per-IP connection cap \
         (default 128) was reached"
    );
    assert!(
        words
            .remedy
            .starts_with("start the server with a higher --max-connections-per-ip"),
        "{report}"
    );
    let text = report.to_string();
    assert!(
        text.contains(&format!("  failures      handshake:http_429 2 — {words}\n")),
        "{text}"
    );
    assert!(!report.passed(), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connection_cap_is_named_with_its_flag() {
    let config = Config {
        max_connections: 2,
        ..Config::default()
    };
    let report = four_bots(config).await;

    assert_eq!(report.bots_connected, 2, "{report}");
    assert_eq!(report.failures["handshake:http_503"], 2, "{report}");
    assert_eq!(report.bots_failed, 2, "{report}");
    let words = &report.failures_explained["handshake:http_503"];
    assert!(
        words
            .cause
            .starts_with("handshake refused: HTTP 503 Service Unavailable: "),
        "{report}"
    );
    assert!(
        words
            .remedy
            .starts_with("start the server with a higher --max-connections "),
        "{report}"
    );
}
