//! End to end: the bot client against the real Rallypoint server, started
//! in-process on `127.0.0.1:0`: plain runs with delta snapshots, the
//! server's pings, chaos drops with their resumes, and half-rate snapshots
//! with batched inputs.

mod in_process;

use std::time::Duration;

use rallypoint_bot_client::link::LinkOptions;
use rallypoint_bot_client::{LobbyMode, RunOptions};
use rallypoint_server::Config;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_bots_play_three_seconds() {
    let report = in_process::play(
        Config::default(),
        RunOptions {
            bots: 50,
            duration: Duration::from_secs(3),
            lobby: LobbyMode::Groups { size: 16 },
            ramp: Some(Duration::from_millis(500)),
            ..RunOptions::default()
        },
    )
    .await;

    assert_eq!(report.bots_connected, 50, "{report}");
    assert_eq!(report.bots_joined, 50, "{report}");
    assert_eq!(report.bots_failed, 0, "{report}");
    assert!(report.snapshots_per_bot_per_sec.min > 0.0, "{report}");
    assert!(report.rtt_ms.samples > 0, "{report}");
    assert!(report.input_ack_ms.samples > 0, "{report}");
    // The server takes instant-hit shots without complaint.
    assert!(report.hitscan_shots > 0, "{report}");
    assert_eq!(report.server_errors, 0, "{report}");
    // Protocol v4: after each join's full snapshot come deltas, every one
    // against a view the bot holds, and smaller than the full snapshot.
    let d = &report.deltas;
    assert!(d.full_snapshots >= 50, "{report}");
    assert!(d.delta_snapshots > 10 * d.full_snapshots, "{report}");
    assert_eq!(d.missing_baseline, 0, "{report}");
    assert_eq!(d.invalid_snapshots, 0, "{report}");
    assert!(d.full_equivalent_ratio > 1.0, "{report}");
    assert!(report.passed(), "{report}");
    // The server's own metrics, scraped beside /ws. They are process-wide
    // and other tests run beside this one, so only lower bounds hold.
    let server = report.server.as_ref().expect("a server section");
    assert_eq!(server.warnings, Vec::<String>::new(), "{report}");
    let mid = server.mid_run.expect("the mid-run scrape");
    assert!(mid.connections >= 50 && mid.players >= 50, "{report}");
    assert!(mid.lobbies >= 4, "{report}");
    let run = server.run.as_ref().expect("counts over the run");
    assert!(
        run.ticks > 0 && run.tick_duration_ms.p99.is_some(),
        "{report}"
    );
    assert!(run.tick_lateness_ms.p99.is_some(), "{report}");
    assert!(run.frames_out >= report.snapshots_total, "{report}");
    assert!(run.bytes_in > 0, "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_join_fills_public_lobbies() {
    let report = in_process::play(
        Config::default(),
        RunOptions {
            bots: 20,
            duration: Duration::from_secs(2),
            lobby: LobbyMode::QuickJoin,
            ..RunOptions::default()
        },
    )
    .await;
    assert!(report.passed(), "{report}");
}

/// With pings every second and a 2 s peer timeout, a bot that did not
/// answer pings would be dropped within 3 s; these play 4.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bots_answer_the_servers_pings() {
    let config = Config {
        ping_interval_secs: 1,
        peer_timeout_secs: 2,
        ..Config::default()
    };
    let report = in_process::play(
        config,
        RunOptions {
            bots: 10,
            duration: Duration::from_secs(4),
            lobby: LobbyMode::Groups { size: 5 },
            ..RunOptions::default()
        },
    )
    .await;
    assert!(report.passed(), "{report}");
}

/// 20 bots, 4 s, 60 drops per bot per minute: about 3 drops a bot, each
/// of which must resume into the same lobby and entity with the score kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_drops_resume_on_the_real_server() {
    let report = in_process::play(
        Config::default(),
        RunOptions {
            bots: 20,
            duration: Duration::from_secs(4),
            lobby: LobbyMode::Groups { size: 10 },
            chaos: Some(60.0),
            ..RunOptions::default()
        },
    )
    .await;
    assert!(report.resumes_attempted >= 20, "{report}");
    assert_eq!(report.resumes_failed, 0, "{report}");
    assert_eq!(
        report.resumes_succeeded, report.resumes_attempted,
        "{report}"
    );
    assert_eq!(
        report.resume_ms.samples, report.resumes_attempted,
        "{report}"
    );
    // Each resume starts over from a full snapshot, and no delta ever
    // names a view the bot dropped.
    let d = &report.deltas;
    assert!(
        d.full_snapshots >= 20 + report.resumes_attempted,
        "{report}"
    );
    assert_eq!(d.missing_baseline, 0, "{report}");
    assert_eq!(d.invalid_snapshots, 0, "{report}");
    assert!(report.passed(), "{report}");
}

/// Client-side prediction with the shared movement code lands exactly where
/// the server puts the player: every judged sample has zero error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prediction_matches_the_server_exactly() {
    let report = in_process::play(
        Config::default(),
        RunOptions {
            bots: 16,
            duration: Duration::from_secs(3),
            lobby: LobbyMode::Groups { size: 8 },
            ..RunOptions::default()
        },
    )
    .await;
    assert!(report.passed(), "{report}");
    let p = report.prediction_error;
    assert!(p.samples > 16, "{report}");
    assert_eq!(p.p99, 0.0, "{report}");
    assert_eq!(p.max, 0.0, "{report}");
}

/// With 50 ms added each way and ±10 ms of jitter the bots still pass, the
/// round trip shows the delay, and prediction stays exact: delay alone
/// loses and reorders nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conditioned_link_still_passes() {
    let report = in_process::play(
        Config::default(),
        RunOptions {
            bots: 10,
            duration: Duration::from_secs(3),
            lobby: LobbyMode::Groups { size: 5 },
            link: LinkOptions {
                latency: Duration::from_millis(50),
                jitter: Duration::from_millis(10),
                stall: None,
            },
            ..RunOptions::default()
        },
    )
    .await;
    assert!(report.passed(), "{report}");
    assert!(report.rtt_ms.p50 >= 80.0, "{report}");
    assert_eq!(report.link.latency_ms, 50.0, "{report}");
    assert!(report.prediction_error.samples > 0, "{report}");
    assert_eq!(report.prediction_error.p99, 0.0, "{report}");
}

/// A server sending 15 snapshots a second of its 30 ticks, and bots
/// sending their inputs two at a time: no more snapshots than the 15
/// promised, every message carries two inputs, inputs are acknowledged,
/// and prediction stays exact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_rate_snapshots_and_batched_inputs_on_the_real_server() {
    let config = Config {
        snapshot_hz: Some(15),
        ..Config::default()
    };
    let report = in_process::play(
        config,
        RunOptions {
            bots: 10,
            duration: Duration::from_secs(3),
            lobby: LobbyMode::Groups { size: 5 },
            input_batch: 2,
            ..RunOptions::default()
        },
    )
    .await;
    assert!(report.passed(), "{report}");
    assert_eq!((report.tick_hz, report.snapshot_hz), (30, 15), "{report}");
    // Behaviour, not speed (this shares the machine with every other test):
    // never more snapshots than promised, every message two inputs.
    assert!(report.snapshots_per_bot_per_sec.mean < 16.0, "{report}");
    let (inputs, messages) = (
        report.inputs_per_bot_per_sec.mean,
        report.input_messages_per_bot_per_sec.mean,
    );
    assert!((messages * 2.0 - inputs).abs() < 1.0, "{report}");
    assert_eq!(report.server_errors, 0, "{report}");
    assert_eq!(report.deltas.missing_baseline, 0, "{report}");
    assert!(report.input_ack_ms.samples > 0, "{report}");
    let p = report.prediction_error;
    assert!(p.samples > 0, "{report}");
    assert_eq!(p.max, 0.0, "{report}");
}
