//! Bots against a server with authentication on: with the server's secret
//! (`--auth-secret`) each bot mints its own token, plays, and resumes its
//! dropped connections; with another secret every bot is refused with
//! `AuthFailed`, and the report says why.

mod in_process;

use std::time::Duration;

use rallypoint_bot_client::auth::BotAuth;
use rallypoint_bot_client::{LobbyMode, RunOptions};
use rallypoint_server::Config;
use rallypoint_server::auth::AuthConfig;

const SECRET: &str = "the bots and the server share this one";

fn server() -> Config {
    Config {
        auth: Some(AuthConfig {
            secret: Some(SECRET.into()),
            audience: Some("rallypoint".into()),
            ..AuthConfig::default()
        }),
        ..Config::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bots_with_the_secret_play_and_resume() {
    let report = in_process::play(
        server(),
        RunOptions {
            bots: 20,
            duration: Duration::from_secs(3),
            lobby: LobbyMode::Groups { size: 10 },
            chaos: Some(40.0),
            auth: Some(BotAuth::new(SECRET, Some("rallypoint".into())).unwrap()),
            ..RunOptions::default()
        },
    )
    .await;
    assert_eq!(report.bots_joined, 20, "{report}");
    assert_eq!(report.bots_failed, 0, "{report}");
    assert!(report.resumes_attempted > 0, "{report}");
    assert_eq!(report.resumes_failed, 0, "{report}");
    assert!(report.passed(), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bots_with_another_secret_are_refused_and_told_why() {
    let report = in_process::play(
        server(),
        RunOptions {
            bots: 3,
            duration: Duration::from_secs(1),
            lobby: LobbyMode::Groups { size: 3 },
            auth: Some(BotAuth::new("not the server's secret, but long enough", None).unwrap()),
            ..RunOptions::default()
        },
    )
    .await;
    assert_eq!(report.bots_joined, 0, "{report}");
    assert_eq!(report.bots_failed, 3, "{report}");
    let failures: Vec<_> = report
        .failures
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(failures.len(), 1, "{report}");
    assert!(failures[0].0.contains("AuthFailed"), "{report}");
    assert!(!report.passed(), "{report}");
}
