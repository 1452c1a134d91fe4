//! The bot client against a scripted fake server: every lobby mode, every
//! way a server can misbehave, chaos drops with their resumes, delta
//! snapshots (a baseline the bot lacks included), batched inputs and a
//! snapshot rate below the tick rate, each ending in the right report on
//! time.

// Shared with `redirects.rs`; each binary uses a part of it.
#[allow(dead_code, unused_imports)]
mod fake_server;

use std::time::{Duration, Instant};

use fake_server::{CODE, Fake, PING_EVERY, Script};
use rallypoint_bot_client::games::GameCounts;
use rallypoint_bot_client::{GameName, LobbyMode, Report, RunError, RunOptions, run};
use rallypoint_shared::ErrorCode;

const DURATION: Duration = Duration::from_millis(1500);

async fn run_against(script: Script, bots: u32, lobby: LobbyMode) -> Report {
    run_for(DURATION, script, bots, lobby).await
}

async fn run_for(duration: Duration, script: Script, bots: u32, lobby: LobbyMode) -> Report {
    let fake = fake_server::start(script).await;
    let report = run_with(&fake, duration, bots, lobby, None).await;
    assert_eq!(fake.get(|s| &s.liveness_kicks), 0, "{report}");
    assert_eq!(fake.get(|s| &s.rate_kicks), 0, "{report}");
    assert_eq!(fake.get(|s| &s.acks_bad), 0, "{report}");
    assert_eq!(fake.get(|s| &s.refused), 0, "{report}");
    report
}

async fn run_with(
    fake: &Fake,
    duration: Duration,
    bots: u32,
    lobby: LobbyMode,
    chaos: Option<f64>,
) -> Report {
    run_opts(fake, duration, bots, lobby, chaos, 1).await
}

async fn run_opts(
    fake: &Fake,
    duration: Duration,
    bots: u32,
    lobby: LobbyMode,
    chaos: Option<f64>,
    input_batch: u8,
) -> Report {
    run(RunOptions {
        url: format!("ws://{}/ws", fake.addr),
        bots,
        duration,
        lobby,
        ramp: Some(Duration::from_millis(50)),
        chaos,
        input_batch,
        ..RunOptions::default()
    })
    .await
    .expect("run starts")
}

fn failures(report: &Report) -> Vec<(&str, u32)> {
    report
        .failures
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect()
}

#[tokio::test]
async fn groups_play_and_report() {
    let fake = fake_server::start(Script::Play).await;
    let report = run_with(&fake, DURATION, 8, LobbyMode::Groups { size: 4 }, None).await;
    assert!(report.passed(), "{report}");
    assert_eq!((report.tick_hz, report.snapshot_hz), (30, 30));
    // About 1.5 s at 30 Hz each; generous bounds for a loaded test machine.
    assert!(report.snapshots_per_bot_per_sec.min > 15.0, "{report}");
    assert!(report.delivery_ratio.mean > 0.5, "{report}");
    assert!(report.inputs_per_bot_per_sec.mean > 15.0, "{report}");
    assert!(report.rtt_ms.samples >= 8, "{report}");
    assert!(report.input_ack_ms.samples > 100, "{report}");
    assert!(report.bytes_down_per_bot_per_sec > 0.0, "{report}");
    assert!(report.bytes_up_per_bot_per_sec > 0.0, "{report}");
    assert_eq!(report.leaves_unacknowledged, 0, "{report}");
    assert_eq!(report.undecodable_messages, 0, "{report}");
    // Every shot the report counts reached the fake, and the inputs
    // acknowledge snapshot ticks the fake really sent.
    assert!(report.hitscan_shots > 0, "{report}");
    assert_eq!(fake.get(|s| &s.hitscan_inputs), report.hitscan_shots);
    assert!(fake.get(|s| &s.acking_inputs) > 100, "{report}");
    assert_eq!(fake.get(|s| &s.acks_bad), 0);
    assert_eq!(fake.get(|s| &s.rate_kicks), 0);
    // Protocol v4: a full snapshot per join, then deltas against the acked
    // tick, every one applied; they are smaller than full snapshots.
    let d = &report.deltas;
    assert_eq!(d.full_snapshots, fake.get(|s| &s.fulls_sent), "{report}");
    assert_eq!(d.delta_snapshots, fake.get(|s| &s.deltas_sent), "{report}");
    assert!(d.full_snapshots >= 8, "{report}");
    assert!(d.delta_snapshots > 10 * d.full_snapshots, "{report}");
    assert_eq!(
        (d.missing_baseline, d.stale_snapshots, d.invalid_snapshots),
        (0, 0, 0)
    );
    assert!(d.full_equivalent_ratio > 1.0, "{report}");
    assert!(d.delta_bytes_per_bot_per_sec > 0.0, "{report}");
    assert!(d.other_bytes_per_bot_per_sec > 0.0, "{report}");
    // The fake moves the player by its inputs with the shared rules, and
    // the exact own position comes through the deltas: no error at all.
    assert!(report.prediction_error.samples > 100, "{report}");
    assert_eq!(report.prediction_error.max, 0.0, "{report}");
    // The fake serves no /metrics: the server section says so, in a
    // warning per scrape, and the run still passes.
    let server = report
        .server
        .as_ref()
        .expect("scraped by default on loopback");
    assert_eq!((server.mid_run, server.at_end), (None, None), "{report}");
    assert!(server.run.is_none(), "{report}");
    assert_eq!(server.warnings.len(), 3, "{report}");
    assert!(
        report
            .to_string()
            .contains("  server warn   scrape before the run: ")
    );
    // Arena's events reach the game: every kill the fake announced (each
    // by the bot itself) is counted, and shows in the JSON and the text.
    let GameCounts::Arena(kills) = report.game else {
        panic!("arena counts: {report}");
    };
    assert!(kills.kills > 8, "{report}");
    assert_eq!(kills.kill_events, fake.get(|s| &s.kill_events), "{report}");
    assert_eq!(kills.kills, kills.kill_events, "{report}");
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["game"]["name"], "arena");
    assert_eq!(json["game"]["kills"], kills.kills);
    assert!(report.to_string().contains("  game          arena: "));
    // One input per message, every one an `Input`.
    assert_eq!(report.input_batch, 1);
    assert_eq!(fake.get(|s| &s.batches), 0);
    assert_eq!(fake.get(|s| &s.input_messages), fake.get(|s| &s.inputs));
    assert_eq!(
        report.input_messages_per_bot_per_sec,
        report.inputs_per_bot_per_sec
    );
}

#[tokio::test]
async fn inputs_batched_two_at_a_time_are_all_acknowledged_and_predicted_exactly() {
    let fake = fake_server::start(Script::Play).await;
    let bots = 4;
    let report = run_opts(&fake, DURATION, bots, LobbyMode::QuickJoin, None, 2).await;
    assert!(report.passed(), "{report}");
    assert_eq!(report.input_batch, 2);
    // Every message an `Inputs` of two: half as many messages as inputs.
    let (inputs, messages) = (fake.get(|s| &s.inputs), fake.get(|s| &s.input_messages));
    assert_eq!(fake.get(|s| &s.batches), messages, "{report}");
    assert_eq!(inputs, 2 * messages, "{report}");
    assert_eq!(fake.get(|s| &s.batches_refused), 0);
    assert_eq!(report.server_errors, 0, "{report}");
    let (per_sec, msgs_per_sec) = (
        report.inputs_per_bot_per_sec.mean,
        report.input_messages_per_bot_per_sec.mean,
    );
    assert!(per_sec > 15.0, "{report}");
    assert!((msgs_per_sec * 2.0 - per_sec).abs() < 1.0, "{report}");
    // Every input acknowledged (and timed), but the last few each bot sent
    // before leaving; each frame's ack_tick a view the bot held.
    let acked = report.input_ack_ms.samples;
    assert!(
        acked <= inputs && acked + 4 * u64::from(bots) >= inputs,
        "{inputs}: {report}"
    );
    assert_eq!(fake.get(|s| &s.acks_bad), 0, "{report}");
    assert!(fake.get(|s| &s.acking_inputs) > 100, "{report}");
    assert_eq!(fake.get(|s| &s.hitscan_inputs), report.hitscan_shots);
    // A sample per snapshot acknowledging a new input: about one in two,
    // as the fake applies each batch of two at once.
    assert!(report.prediction_error.samples > 50, "{report}");
    assert_eq!(report.prediction_error.max, 0.0, "{report}");
    assert!(
        report.to_string().contains("messages/s (2 per message)"),
        "{report}"
    );
}

#[tokio::test]
async fn delivery_is_judged_against_the_snapshot_rate_welcome_states() {
    let fake = fake_server::start(Script::HalfRate).await;
    let report = run_opts(&fake, DURATION, 4, LobbyMode::QuickJoin, None, 2).await;
    assert!(report.passed(), "{report}");
    assert_eq!((report.tick_hz, report.snapshot_hz), (30, 15), "{report}");
    // About 15 a second, all the server promised: not half of 30.
    let rate = report.snapshots_per_bot_per_sec.mean;
    assert!((10.0..=16.0).contains(&rate), "{report}");
    assert!(report.delivery_ratio.mean > 0.7, "{report}");
    assert!(report.delivery_ratio.mean <= 1.1, "{report}");
    // Deltas two ticks apart still apply; inputs still go 30 a second.
    assert_eq!(report.deltas.missing_baseline, 0, "{report}");
    assert!(
        report.deltas.delta_snapshots > 5 * report.deltas.full_snapshots,
        "{report}"
    );
    assert!(report.inputs_per_bot_per_sec.mean > 15.0, "{report}");
    assert_eq!(fake.get(|s| &s.acks_bad), 0, "{report}");
    assert_eq!(report.prediction_error.max, 0.0, "{report}");
    assert!(
        report.to_string().contains("at 30 Hz (15 snapshots/s)"),
        "{report}"
    );
}

#[tokio::test]
async fn a_delta_against_a_baseline_not_held_is_counted_and_play_goes_on() {
    let fake = fake_server::start(Script::UnheldBaseline).await;
    let report = run_with(&fake, DURATION, 4, LobbyMode::QuickJoin, None).await;
    // Not a failure: the bot refuses it, keeps acknowledging the view it
    // holds (never the skipped tick nor the refused one: `acks_bad`), and
    // the fake's next delta against that applies.
    assert!(report.passed(), "{report}");
    let d = &report.deltas;
    assert!(fake.get(|s| &s.unheld_sent) >= 4, "{report}");
    assert_eq!(d.missing_baseline, fake.get(|s| &s.unheld_sent), "{report}");
    assert_eq!(d.bots_missing_baseline, 4, "{report}");
    assert_eq!(d.delta_snapshots, fake.get(|s| &s.deltas_sent), "{report}");
    assert_eq!(d.baseline_resets, 0, "{report}");
    assert_eq!(fake.get(|s| &s.acks_bad), 0, "{report}");
    assert!(fake.get(|s| &s.acking_inputs) > 100, "{report}");
    assert!(
        report.to_string().contains("missing baseline in 4 bots"),
        "{report}"
    );
    assert_eq!(report.prediction_error.max, 0.0, "{report}");
}

#[tokio::test]
async fn join_code_and_quick_join_modes_pass() {
    let report = run_against(Script::Play, 5, LobbyMode::Code(CODE.into())).await;
    assert!(report.passed(), "{report}");
    let report = run_against(Script::Play, 5, LobbyMode::QuickJoin).await;
    assert!(report.passed(), "{report}");
}

#[tokio::test]
async fn wrong_join_code_is_a_server_error() {
    let report = run_against(Script::Play, 3, LobbyMode::Code("NOPE".into())).await;
    assert_eq!(failures(&report), [("server_error:LobbyNotFound", 3)]);
    assert_eq!(report.bots_connected, 3);
    assert!(!report.passed());
}

/// Four bots against a server hosting arena only: every create is
/// refused with the server's reason, and the report says so.
#[tokio::test]
async fn another_game_than_the_server_hosts_is_refused() {
    let fake = fake_server::start(Script::Play).await;
    let report = run(RunOptions {
        url: format!("ws://{}/ws", fake.addr),
        game: GameName::Four,
        bots: 2,
        duration: DURATION,
        lobby: LobbyMode::Groups { size: 1 },
        ..RunOptions::default()
    })
    .await
    .expect("run starts");
    assert_eq!(failures(&report), [("server_error:InvalidField", 2)]);
    assert_eq!(fake.get(|s| &s.refused), 2);
    assert_eq!(report.game, GameCounts::empty(GameName::Four), "{report}");
    assert!(!report.passed());
}

/// Joining by code a lobby of another game fails the bot with a reason
/// of its own (the fake's lobbies play arena).
#[tokio::test]
async fn a_lobby_of_another_game_is_named_as_such() {
    let fake = fake_server::start(Script::Play).await;
    let report = run(RunOptions {
        url: format!("ws://{}/ws", fake.addr),
        game: GameName::Four,
        bots: 2,
        duration: DURATION,
        lobby: LobbyMode::Code(CODE.into()),
        ..RunOptions::default()
    })
    .await
    .expect("run starts");
    assert_eq!(failures(&report), [("wrong_game", 2)], "{report}");
    assert!(
        report.failures_explained["wrong_game"]
            .remedy
            .contains("--game"),
        "{report}"
    );
}

#[tokio::test]
async fn refused_creators_leave_their_followers_without_a_code() {
    let script = Script::Refuse(ErrorCode::TooManyLobbies);
    let report = run_against(script, 6, LobbyMode::Groups { size: 3 }).await;
    assert_eq!(
        failures(&report),
        [("no_join_code", 4), ("server_error:TooManyLobbies", 2)],
        "{report}"
    );
    assert_eq!(report.bots_failed, 6);
}

#[tokio::test]
async fn a_silent_server_times_out_on_time() {
    let started = Instant::now();
    let report = run_against(Script::Silent, 4, LobbyMode::QuickJoin).await;
    assert_eq!(failures(&report), [("timeout:welcome", 4)], "{report}");
    // Each bot gives up at its play end at the latest.
    assert!(started.elapsed() < DURATION + Duration::from_secs(2));
}

#[tokio::test]
async fn closing_mid_game_blames_the_last_error() {
    let report = run_against(Script::CloseAfterJoin, 4, LobbyMode::QuickJoin).await;
    assert_eq!(
        failures(&report),
        [("server_error:RateLimited", 4)],
        "{report}"
    );
    // They were in the lobby and got snapshots before the close.
    assert_eq!(report.bots_joined, 4);
    assert!(report.snapshots_total > 0);
}

#[tokio::test]
async fn a_server_shutdown_fails_bots_as_server_shutdown_on_time() {
    let started = Instant::now();
    let fake = fake_server::start(Script::ShutDown).await;
    let report = run_with(&fake, DURATION, 4, LobbyMode::QuickJoin, Some(60.0)).await;
    assert_eq!(failures(&report), [("server_shutdown", 4)], "{report}");
    assert_eq!(report.shutdown_notices, 4, "{report}");
    assert_eq!(report.resumes_failed, 0, "{report}");
    assert!(!report.passed());
    assert!(started.elapsed() < DURATION + Duration::from_secs(2));
}

#[tokio::test]
async fn every_server_ping_gets_its_pong() {
    let fake = fake_server::start(Script::Play).await;
    let report = run_with(&fake, DURATION, 4, LobbyMode::QuickJoin, None).await;
    assert!(report.passed(), "{report}");
    let pings = fake.get(|s| &s.pings_sent);
    let expected = 4 * (DURATION.as_millis() / PING_EVERY.as_millis()) as u64;
    assert!(pings >= expected / 2, "{pings} pings");
    // Every ping answered in order with its payload, but the last few
    // in flight when the bots closed.
    assert_eq!(fake.get(|s| &s.pongs_bad), 0);
    assert!(fake.get(|s| &s.pongs_ok) + 4 * 3 >= pings, "{pings} pings");
    assert_eq!(fake.get(|s| &s.liveness_kicks), 0);
    assert_eq!(fake.get(|s| &s.rate_kicks), 0);
}

#[tokio::test]
async fn chaos_drops_resume_with_the_score_kept() {
    let fake = fake_server::start(Script::Play).await;
    let duration = Duration::from_secs(2);
    let report = run_with(
        &fake,
        duration,
        6,
        LobbyMode::Groups { size: 3 },
        Some(120.0),
    )
    .await;
    assert!(report.passed(), "{report}");
    assert!(report.resumes_attempted >= 6, "{report}");
    assert_eq!(
        report.resumes_succeeded, report.resumes_attempted,
        "{report}"
    );
    assert_eq!(report.resumes_failed, 0);
    assert_eq!(report.resume_ms.samples, report.resumes_attempted);
    assert!(report.resume_ms.p99 < 1_000.0, "{report}");
    assert_eq!(report.chaos_per_bot_per_min, 120.0);
    // The fake saw every drop as an end of stream without a close frame,
    // and every resume.
    assert_eq!(fake.get(|s| &s.drops), report.resumes_attempted);
    assert_eq!(fake.get(|s| &s.resumes_ok), report.resumes_attempted);
    // `ack_tick` names views the bot holds: back to 0 at each resume's
    // `Joined`, then never going back.
    assert!(fake.get(|s| &s.acking_inputs) > 100, "{report}");
    assert_eq!(fake.get(|s| &s.acks_bad), 0);
    // A full snapshot after every join and resume, deltas in between.
    let d = &report.deltas;
    assert!(d.full_snapshots >= 6 + report.resumes_attempted, "{report}");
    assert!(d.delta_snapshots > d.full_snapshots, "{report}");
    assert_eq!(d.missing_baseline, 0, "{report}");
    assert_eq!(report.prediction_error.max, 0.0, "{report}");
    // Time offline is not counted as missed snapshots.
    assert!(report.delivery_ratio.min > 0.5, "{report}");
    assert_eq!(fake.get(|s| &s.liveness_kicks), 0);
    assert_eq!(fake.get(|s| &s.pongs_bad), 0);
}

#[tokio::test]
async fn a_rejected_resume_fails_its_bot() {
    let fake = fake_server::start(Script::RejectResume).await;
    let report = run_with(&fake, DURATION, 4, LobbyMode::QuickJoin, Some(600.0)).await;
    assert_eq!(failures(&report), [("resume:rejected", 4)], "{report}");
    assert_eq!(report.resumes_attempted, 4, "{report}");
    assert_eq!(report.resumes_failed, 4, "{report}");
    assert_eq!(fake.get(|s| &s.resumes_rejected), 4);
    assert!(!report.passed());
}

#[tokio::test]
async fn a_lost_score_is_detected() {
    let fake = fake_server::start(Script::LoseScore).await;
    let report = run_with(&fake, DURATION, 4, LobbyMode::QuickJoin, Some(600.0)).await;
    assert_eq!(failures(&report), [("score_lost", 4)], "{report}");
    assert_eq!(report.resumes_failed, 4, "{report}");
    // At 10 drops a second a bot can drop again before the first snapshot
    // of a resume arrives to be checked, so the fake may see more resumes
    // than bots; each bot still fails exactly once, on its lost score.
    assert!(fake.get(|s| &s.resumes_ok) >= 4);
    assert!(!report.passed());
}

#[tokio::test]
async fn a_stalled_snapshot_stream_fails() {
    let duration = Duration::from_millis(2800);
    let report = run_for(duration, Script::Stall, 2, LobbyMode::QuickJoin).await;
    assert_eq!(failures(&report), [("snapshots_stalled", 2)], "{report}");
}

#[tokio::test]
async fn unknown_and_unsolicited_messages_are_tolerated() {
    let report = run_against(Script::Noisy, 4, LobbyMode::Groups { size: 2 }).await;
    assert!(report.passed(), "{report}");
    // Per bot: the garbage binary message and the text frame.
    assert_eq!(report.undecodable_messages, 8, "{report}");
}

#[tokio::test]
async fn a_missing_left_is_counted_not_failed() {
    let report = run_against(Script::NoLeft, 3, LobbyMode::QuickJoin).await;
    assert!(report.passed(), "{report}");
    assert_eq!(report.leaves_unacknowledged, 3);
}

#[tokio::test]
async fn nobody_listening_is_a_connect_failure() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let report = run(RunOptions {
        url: format!("ws://{addr}/ws"),
        bots: 3,
        duration: Duration::from_millis(300),
        ..RunOptions::default()
    })
    .await
    .unwrap();
    assert_eq!(failures(&report), [("connect:refused", 3)]);
    assert_eq!(report.bots_connected, 0);
    let words = &report.failures_explained["connect:refused"];
    assert_eq!(
        words.cause,
        format!("connect refused: nothing listens at ws://{addr}/ws")
    );
    assert_eq!(words.remedy, "start rallypoint-server or check --url");
}

#[tokio::test]
async fn remote_hosts_are_refused_before_any_connect() {
    let err = run(RunOptions {
        url: "ws://192.0.2.1:7000/ws".into(),
        ..RunOptions::default()
    })
    .await
    .unwrap_err();
    assert!(matches!(err, RunError::RemoteHost { .. }), "{err}");
}
