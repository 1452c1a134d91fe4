//! Idle bots (`--idle`) against the real server, started in-process on
//! `127.0.0.1:0`, with the report's `server` section read from its
//! `/metrics`.
//!
//! Its own test binary on purpose: the server's metrics are process-wide,
//! so with no other test in this process the scrapes count exactly these
//! bots.

mod in_process;

use std::time::Duration;

use rallypoint_bot_client::RunOptions;
use rallypoint_bot_client::report::RunMode;
use rallypoint_server::Config;

const BOTS: u32 = 20;

/// Pings every second and a 2 s peer timeout: an idle bot that did not
/// answer pings (it sends nothing else after `Hello`) would be dropped
/// about 2 s in, so these stay 3 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_bots_stay_in_the_menu_and_the_server_counts_them() {
    let config = Config {
        ping_interval_secs: 1,
        peer_timeout_secs: 2,
        ..Config::default()
    };
    let report = in_process::play(
        config,
        RunOptions {
            bots: BOTS,
            duration: Duration::from_secs(3),
            ramp: Some(Duration::from_millis(200)),
            idle: true,
            ..RunOptions::default()
        },
    )
    .await;

    assert_eq!(report.mode, RunMode::Idle, "{report}");
    assert!(report.passed(), "{report}");
    assert!(report.failures.is_empty(), "{report}");
    assert_eq!(report.bots_connected, BOTS, "{report}");
    assert_eq!(report.bots_welcomed, BOTS, "{report}");
    assert_eq!(report.bots_idle, BOTS, "{report}");
    assert_eq!(report.bots_joined, 0, "{report}");
    assert_eq!((report.snapshots_total, report.hitscan_shots), (0, 0));
    // Hello and the pongs, nothing else.
    assert!(report.bytes_up_per_bot_per_sec > 0.0, "{report}");
    let text = report.to_string();
    assert!(
        text.contains(&format!(
            "welcomed {BOTS}, idle to the end {BOTS}, failed 0"
        )),
        "{text}"
    );
    assert!(!text.contains("\n  snapshots "), "{text}");
    assert!(!text.contains("\n  inputs "), "{text}");

    let server = report.server.as_ref().expect("a server section");
    assert_eq!(server.warnings, Vec::<String>::new(), "{report}");
    let mid = server.mid_run.expect("the mid-run scrape");
    assert_eq!(mid.connections, u64::from(BOTS), "{report}");
    assert_eq!((mid.lobbies, mid.players), (0, 0), "{report}");
    let run = server.run.as_ref().expect("counts over the run");
    assert!(!run.since_server_start, "{report}");
    assert_eq!(run.ticks, 0, "no lobby, no ticks: {report}");
    // Every Hello and every Welcome (the server counts data messages, so
    // not the pings and pongs).
    assert!(run.frames_in >= u64::from(BOTS), "{report}");
    assert!(run.frames_out >= u64::from(BOTS), "{report}");
    assert!(run.inputs_rejected.is_empty(), "{report}");
    assert!(
        !run.disconnects.keys().any(|r| r.contains("timeout")),
        "{report}"
    );
}
