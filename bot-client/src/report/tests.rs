use rallypoint_arena::Arena;
use rallypoint_game::view::GameView;
use rallypoint_shared::snapshot::Snapshot;
use rallypoint_shared::{ErrorCode, ServerMsg, encode_server};

use super::*;
use crate::outcome::{FailReason, HandshakeFail, ResumeFail, Stage, TcpFail};

const URL: &str = "ws://127.0.0.1:7000/ws";

/// A bot that played `secs` in a lobby at 30 Hz and got `snapshots`.
fn played(index: u32, secs: f64, snapshots: u64) -> BotResult {
    let mut r = BotResult::new(index);
    r.connected = true;
    r.welcomed = true;
    r.joined = true;
    r.tick_hz = Some(30);
    r.snapshot_hz = Some(30);
    r.connected_secs = secs;
    r.in_lobby_secs = secs;
    r.inputs_sent = (secs * 30.0) as u64;
    r.input_messages_sent = r.inputs_sent;
    r.hitscan_shots = secs as u64;
    r.play_secs = secs;
    r.bytes_up = 1_000;
    r.left_acknowledged = true;
    r.recv.snapshots = snapshots;
    r.recv.bytes_down = 10_000;
    r
}

fn build(results: &[BotResult]) -> Report {
    Report::build(
        GameName::Arena,
        URL,
        results.len() as u32,
        Duration::from_secs(2),
        Duration::from_secs(3),
        None,
        results,
    )
}

#[test]
fn rates_are_per_bot_mean_and_min() {
    let report = build(&[played(0, 2.0, 60), played(1, 2.0, 30)]);
    assert_eq!(report.bots_connected, 2);
    assert_eq!(report.bots_failed, 0);
    assert_eq!(report.tick_hz, 30);
    assert_eq!(report.snapshots_total, 90);
    assert_eq!(
        report.snapshots_per_bot_per_sec,
        MeanMin {
            mean: 22.5,
            min: 15.0
        }
    );
    assert_eq!(
        report.delivery_ratio,
        MeanMin {
            mean: 0.75,
            min: 0.5
        }
    );
    assert_eq!(report.inputs_per_bot_per_sec.mean, 30.0);
    assert_eq!(report.hitscan_shots, 4);
    assert_eq!(report.hitscan_shots_per_bot_per_sec, 1.0);
    assert_eq!(report.bytes_down_per_bot_per_sec, 5_000.0);
    assert_eq!(report.bytes_up_per_bot_per_sec, 500.0);
    assert!(report.passed());
}

#[test]
fn failures_are_broken_down_by_reason() {
    let mut no_snaps = played(2, 2.0, 0);
    no_snaps.failure = Some(FailReason::NoSnapshots);
    let results = [
        played(0, 2.0, 60),
        BotResult::failed(1, FailReason::Connect(TcpFail::Refused)),
        no_snaps,
        BotResult::failed(3, FailReason::Connect(TcpFail::Refused)),
        BotResult::failed(4, FailReason::ServerError(ErrorCode::LobbyFull)),
        BotResult::failed(5, FailReason::Timeout(Stage::Join)),
    ];
    let report = build(&results);
    assert_eq!(report.bots_connected, 2);
    assert_eq!(report.bots_joined, 2);
    assert_eq!(report.bots_failed, 5);
    let failures: Vec<(&str, u32)> = report
        .failures
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(
        failures,
        [
            ("connect:refused", 2),
            ("no_snapshots", 1),
            ("server_error:LobbyFull", 1),
            ("timeout:join", 1)
        ]
    );
    // The starved bot shows in the minimum.
    assert_eq!(report.snapshots_per_bot_per_sec.min, 0.0);
    assert!(!report.passed());
}

#[test]
fn each_failure_reason_is_counted_and_explained() {
    let per_ip = FailReason::Handshake(HandshakeFail::Status(429));
    let results = [
        played(0, 2.0, 60),
        BotResult::failed(1, per_ip),
        BotResult::failed(2, per_ip),
        BotResult::failed(3, FailReason::Connect(TcpFail::Refused)),
    ];
    let report = build(&results);
    assert_eq!(report.failures["handshake:http_429"], 2);
    assert_eq!(report.failures["connect:refused"], 1);
    // One explanation per reason, no more.
    let keys: Vec<&String> = report.failures_explained.keys().collect();
    assert_eq!(keys, report.failures.keys().collect::<Vec<_>>());
    assert_eq!(
        report.failures_explained["handshake:http_429"],
        per_ip.explain(URL)
    );

    let json = serde_json::to_value(&report).unwrap();
    let refused = &json["failures_explained"]["connect:refused"];
    assert_eq!(
        refused["cause"],
        "connect refused: nothing listens at ws://127.0.0.1:7000/ws"
    );
    assert_eq!(refused["remedy"], "start rallypoint-server or check --url");

    // Text: one line per reason, its key and count first, in key order.
    let text = report.to_string();
    let lines: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("  failures"))
        .take(2)
        .collect();
    assert_eq!(
        lines,
        [
            "  failures      connect:refused 1 — connect refused: nothing listens at \
             ws://127.0.0.1:7000/ws; start rallypoint-server or check --url",
            &format!(
                "                handshake:http_429 2 — {}",
                per_ip.explain(URL)
            ),
        ],
        "{text}"
    );
}

#[test]
fn short_lobby_stays_are_left_out_of_rates() {
    let report = build(&[played(0, 2.0, 60), played(1, 0.1, 0)]);
    assert_eq!(report.snapshots_per_bot_per_sec.min, 30.0);
}

#[test]
fn latency_histograms_are_merged() {
    let mut a = played(0, 1.0, 30);
    let mut b = played(1, 1.0, 30);
    for us in [1_000, 1_000, 1_000, 1_000] {
        a.recv.on_pong(us * 2, us);
    }
    for _ in 0..4 {
        b.recv.on_pong(20_000, 10_000);
    }
    let report = build(&[a, b]);
    assert_eq!(report.rtt_ms.samples, 8);
    assert!(
        (report.rtt_ms.p50 - 1.0).abs() < 0.02,
        "{:?}",
        report.rtt_ms
    );
    assert!(
        (report.rtt_ms.p99 - 10.0).abs() < 0.1,
        "{:?}",
        report.rtt_ms
    );
    assert!(
        (report.rtt_ms.max - 10.0).abs() < 0.1,
        "{:?}",
        report.rtt_ms
    );
    assert_eq!(report.input_ack_ms, Latency::default());
}

#[test]
fn unacknowledged_leaves_are_counted_not_failed() {
    let mut r = played(0, 2.0, 60);
    r.left_acknowledged = false;
    let report = build(&[r]);
    assert_eq!(report.leaves_unacknowledged, 1);
    assert!(report.passed());
}

#[test]
fn empty_and_no_bot_runs_do_not_pass() {
    let report = build(&[]);
    assert!(!report.passed());
    let report = build(&[BotResult::failed(
        0,
        FailReason::Handshake(HandshakeFail::Other),
    )]);
    assert_eq!(report.snapshots_per_bot_per_sec, MeanMin::default());
    assert_eq!(report.tick_hz, 0);
    assert!(!report.passed());
}

#[test]
fn resumes_are_counted_and_a_failed_one_fails_the_run() {
    let mut a = played(0, 2.0, 60);
    a.resumes_attempted = 3;
    a.resumes_succeeded = 3;
    for ms in [5, 10, 20] {
        a.resume_us.record(ms * 1000).unwrap();
    }
    a.offline_secs = 0.5;
    let report = Report::build(
        GameName::Arena,
        URL,
        1,
        Duration::from_secs(2),
        Duration::from_secs(3),
        Some(30.0),
        &[a],
    );
    assert_eq!(report.chaos_per_bot_per_min, 30.0);
    assert_eq!(
        (
            report.resumes_attempted,
            report.resumes_succeeded,
            report.resumes_failed
        ),
        (3, 3, 0)
    );
    assert_eq!(report.resume_ms.samples, 3);
    assert!(
        (report.resume_ms.p50 - 10.0).abs() < 0.1,
        "{:?}",
        report.resume_ms
    );
    assert_eq!(report.offline_secs_per_bot, 0.5);
    assert!(report.passed());
    assert!(
        report
            .to_string()
            .contains("resumes 3 attempted, 3 succeeded, 0 failed")
    );

    let mut b = played(1, 2.0, 60);
    b.resumes_attempted = 2;
    b.resumes_succeeded = 1;
    b.failure = Some(FailReason::Resume(ResumeFail::Rejected));
    let mut c = played(2, 2.0, 60);
    c.resumes_attempted = 1;
    c.failure = Some(FailReason::ScoreLost);
    let report = build(&[played(0, 2.0, 60), b, c]);
    assert_eq!(report.resumes_failed, 2);
    assert_eq!(report.failures["resume:rejected"], 1);
    assert_eq!(report.failures["score_lost"], 1);
    assert!(!report.passed());
}

#[test]
fn json_has_the_agreed_keys() {
    let report = build(&[played(0, 2.0, 60)]);
    let json = serde_json::to_value(&report).unwrap();
    for key in [
        "bots_connected",
        "bots_failed",
        "snapshots_per_bot_per_sec",
        "rtt_ms",
        "bytes_down_per_bot_per_sec",
        "delivery_ratio",
        "input_ack_ms",
        "snapshot_interval_ms",
        "bytes_up_per_bot_per_sec",
        "duration_secs",
        "tick_hz",
        "snapshot_hz",
        "input_messages_per_bot_per_sec",
        "input_batch",
        "resumes_attempted",
        "resumes_succeeded",
        "resumes_failed",
        "resume_ms",
        "chaos_per_bot_per_min",
        "shutdown_notices",
        "offline_secs_per_bot",
        "hitscan_shots",
        "hitscan_shots_per_bot_per_sec",
        "deltas",
        "redirects",
        "bots_per_node",
    ] {
        assert!(json.get(key).is_some(), "missing {key}");
    }
    for key in [
        "full_bytes_per_bot_per_sec",
        "delta_bytes_per_bot_per_sec",
        "other_bytes_per_bot_per_sec",
        "full_equivalent_bytes_per_bot_per_sec",
        "full_equivalent_ratio",
        "full_snapshots",
        "delta_snapshots",
        "baseline_resets",
        "missing_baseline",
        "bots_missing_baseline",
        "stale_snapshots",
        "invalid_snapshots",
    ] {
        assert!(json["deltas"].get(key).is_some(), "missing deltas.{key}");
    }
    assert!(json["rtt_ms"].get("p50").is_some() && json["rtt_ms"].get("p99").is_some());
    assert!(json["snapshots_per_bot_per_sec"].get("mean").is_some());
    let text = report.to_string();
    assert!(text.contains("PASS") && text.contains("WebSocket payload bytes"));
    assert!(text.contains("hitscan 1.00/s per bot, 2 shots"), "{text}");
}

/// Feeds bot `r` a full snapshot of tick 1 and then `deltas` deltas, of
/// 1000 and 100 bytes on the wire, and one delta whose baseline it lacks.
fn received_deltas(r: &mut BotResult, deltas: u32) {
    let snap = |tick, baseline_age| Snapshot {
        tick,
        baseline_age,
        ..Snapshot::default()
    };
    let d = &mut r.recv.deltas;
    let mut views = crate::reader::Views::<Arena>::default();
    views.receive(&snap(1, 0), 1_000, d).unwrap();
    for tick in 2..deltas + 2 {
        views.receive(&snap(tick, 1), 100, d).unwrap();
    }
    assert!(views.receive(&snap(deltas + 5, 1), 100, d).is_none());
}

#[test]
fn bytes_down_split_into_full_delta_and_other() {
    let mut a = played(0, 2.0, 60);
    received_deltas(&mut a, 59);
    let mut b = played(1, 2.0, 60);
    received_deltas(&mut b, 39);
    let report = build(&[a, b]);
    let d = &report.deltas;
    assert_eq!(d.full_bytes_per_bot_per_sec, 500.0);
    // (60 + 40) deltas of 100 bytes each over two bots, 2 s each.
    assert_eq!(d.delta_bytes_per_bot_per_sec, 2_500.0);
    // The rest of the 10 000 bytes each bot received.
    assert_eq!(d.other_bytes_per_bot_per_sec, 2_000.0);
    assert_eq!(
        d.full_bytes_per_bot_per_sec
            + d.delta_bytes_per_bot_per_sec
            + d.other_bytes_per_bot_per_sec,
        report.bytes_down_per_bot_per_sec
    );
    // Every applied view, priced as the full snapshot it equals.
    let view = GameView::<Arena> {
        tick: 1,
        ..GameView::<Arena>::default()
    };
    let full = encode_server(&ServerMsg::Snapshot(view.to_full().unwrap()))
        .unwrap()
        .len() as f64;
    assert_eq!(
        d.full_equivalent_bytes_per_bot_per_sec,
        full * 100.0 / 2.0 / 2.0
    );
    assert_eq!(d.full_equivalent_ratio, full * 100.0 / 12_000.0);
    assert_eq!((d.full_snapshots, d.delta_snapshots), (2, 98));
    assert_eq!((d.missing_baseline, d.bots_missing_baseline), (2, 2));
    // Missing baselines fail nothing, but the text report shows them.
    assert!(report.passed());
    let text = report.to_string();
    assert!(
        text.contains(
            "down          snapshots full 500 B/s + delta 2500 B/s, other 2000 B/s per bot"
        ),
        "{text}"
    );
    assert!(
        text.contains("baselines     2 full (0 resets), 98 delta, 2 missing baseline in 2 bots"),
        "{text}"
    );
}

#[test]
fn delivery_is_against_the_snapshot_rate_and_batches_show() {
    let mut a = played(0, 2.0, 30);
    a.snapshot_hz = Some(15);
    a.input_messages_sent = a.inputs_sent / 2;
    let mut report = build(&[a]);
    report.input_batch = 2;
    assert_eq!((report.tick_hz, report.snapshot_hz), (30, 15));
    // 15 snapshots a second at 15 promised: all delivered.
    assert_eq!(
        report.delivery_ratio,
        MeanMin {
            mean: 1.0,
            min: 1.0
        }
    );
    assert_eq!(report.inputs_per_bot_per_sec.mean, 30.0);
    assert_eq!(report.input_messages_per_bot_per_sec.mean, 15.0);
    let text = report.to_string();
    assert!(text.contains("at 30 Hz (15 snapshots/s)"), "{text}");
    assert!(
        text.contains("30.0/s per bot (min 30.0) in 15.0 messages/s (2 per message)"),
        "{text}"
    );
    assert!(!text.contains("WARNING"), "{text}");
}
