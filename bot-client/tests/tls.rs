//! The bots over `wss://` against the real server serving TLS in-process,
//! with a CA made for the test and passed as `--ca` would be: a plain run,
//! chaos drops and resumes over TLS, and the failure a bot reports when it
//! does not trust the server's certificate.

mod in_process;

use std::time::Duration;

use rallypoint_bot_client::{LobbyMode, RunOptions};
use rallypoint_server::Config;

fn tls_config(name: &str) -> (Config, std::path::PathBuf) {
    let (tls, ca) = in_process::test_pki(name);
    let config = Config {
        tls: Some(tls),
        ..Config::default()
    };
    (config, ca)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_bots_play_two_seconds_over_wss() {
    let (config, ca) = tls_config("play");
    let report = in_process::play(
        config,
        RunOptions {
            bots: 10,
            duration: Duration::from_secs(2),
            lobby: LobbyMode::Groups { size: 5 },
            ca: Some(ca),
            ..RunOptions::default()
        },
    )
    .await;
    assert_eq!(report.bots_connected, 10, "{report}");
    assert_eq!(report.bots_joined, 10, "{report}");
    assert_eq!(report.bots_failed, 0, "{report}");
    assert!(report.snapshots_per_bot_per_sec.min > 0.0, "{report}");
    assert!(report.input_ack_ms.samples > 0, "{report}");
    assert_eq!(report.deltas.invalid_snapshots, 0, "{report}");
    assert!(report.passed(), "{report}");
}

/// A dropped TLS connection must end at the server too (the bot shuts the
/// socket down for writing), so that the resume finds the seat held.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_drops_resume_over_wss() {
    let (config, ca) = tls_config("chaos");
    let report = in_process::play(
        config,
        RunOptions {
            bots: 8,
            duration: Duration::from_secs(3),
            lobby: LobbyMode::Groups { size: 4 },
            chaos: Some(60.0),
            ca: Some(ca),
            ..RunOptions::default()
        },
    )
    .await;
    assert!(report.resumes_attempted >= 4, "{report}");
    assert_eq!(report.resumes_failed, 0, "{report}");
    assert_eq!(report.bots_failed, 0, "{report}");
    assert!(report.passed(), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bots_that_do_not_trust_the_certificate_fail_the_tls_handshake() {
    let (config, _ca) = tls_config("untrusted");
    let report = in_process::play(
        config,
        RunOptions {
            bots: 2,
            duration: Duration::from_secs(1),
            lobby: LobbyMode::Groups { size: 2 },
            ..RunOptions::default()
        },
    )
    .await;
    assert_eq!(report.bots_failed, 2, "{report}");
    assert!(report.to_string().contains("handshake:tls"), "{report}");
    assert!(!report.passed(), "{report}");
}
