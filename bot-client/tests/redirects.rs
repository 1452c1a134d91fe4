//! The bot client against two scripted fakes playing nodes of a fleet:
//! node A answers joins with a `Redirect` to node B, which seats the
//! ticket. The bots must land on B and play there (chaos resumes
//! included), and the report must count the redirects, time them and say
//! where the bots ended; a rejected ticket, a redirect to another machine
//! and two nodes bouncing a bot must each fail with their reason.

// Shared with `scripted.rs`; each binary uses a part of it.
#[allow(dead_code, unused_imports)]
mod fake_server;

use std::time::Duration;

use fake_server::{CODE, Fake, Route, Script};
use rallypoint_bot_client::{LobbyMode, MAX_REDIRECTS, Report, RunOptions, run};

const DURATION: Duration = Duration::from_millis(1500);

/// Node B (playing `b`) and node A, which redirects to it.
async fn fleet(b: Script) -> (Fake, Fake) {
    let b = fake_server::start(b).await;
    let a = fake_server::start_routed(Script::Play, Route::To(b.url.clone())).await;
    (a, b)
}

async fn run_at(a: &Fake, bots: u32, lobby: LobbyMode, chaos: Option<f64>) -> Report {
    run(RunOptions {
        url: a.url.clone(),
        bots,
        duration: DURATION,
        lobby,
        ramp: Some(Duration::from_millis(50)),
        chaos,
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
async fn quick_joins_follow_the_redirect_and_play_on_the_new_node() {
    let (a, b) = fleet(Script::Play).await;
    let report = run_at(&a, 4, LobbyMode::QuickJoin, None).await;
    assert!(report.passed(), "{report}");
    let r = &report.redirects;
    assert_eq!((r.followed, r.failed), (4, 0), "{report}");
    assert!(r.failures.is_empty(), "{report}");
    assert_eq!(r.latency_ms.samples, 4, "{report}");
    assert!(r.latency_ms.max < 1_000.0, "{report}");
    // A sent the redirects and saw each bot close with 1000; B seated
    // every ticket (each for the name the bot said `Hello` with on A).
    assert_eq!(a.get(|s| &s.redirects_sent), 4);
    assert_eq!(a.get(|s| &s.redirected_closes), 4);
    assert_eq!(b.get(|s| &s.tickets_ok), 4);
    assert_eq!(b.get(|s| &s.tickets_rejected), 0);
    // Everything after the redirect went to B.
    assert_eq!(a.get(|s| &s.inputs), 0, "{report}");
    assert!(b.get(|s| &s.inputs) > 100, "{report}");
    assert_eq!(b.get(|s| &s.acks_bad), 0, "{report}");
    assert_eq!(report.deltas.full_snapshots, b.get(|s| &s.fulls_sent));
    assert_eq!(report.prediction_error.max, 0.0, "{report}");
    assert_eq!(b.get(|s| &s.pongs_bad), 0);
    assert_eq!(b.get(|s| &s.liveness_kicks), 0);
    // Every bot ended on B: one node, so no nodes line.
    assert_eq!(report.bots_per_node.len(), 1, "{report}");
    assert_eq!(report.bots_per_node[&b.url], 4, "{report}");
    let text = report.to_string();
    assert!(
        text.contains("  redirects     4 followed, 0 failed; latency p50 "),
        "{text}"
    );
    assert!(!text.contains("  nodes "), "{text}");
    // The metrics scrapes stay with `--url`'s node, A.
    let server = report.server.as_ref().expect("scraped on loopback");
    assert_eq!(server.url, format!("http://{}/metrics", a.addr));
}

/// Groups: each creator stays on A (creates are local), and its
/// followers, joining by code, are redirected to B: two nodes.
#[tokio::test]
async fn joins_by_code_are_redirected_and_the_nodes_are_counted() {
    let (a, b) = fleet(Script::Play).await;
    let report = run_at(&a, 6, LobbyMode::Groups { size: 3 }, None).await;
    assert!(report.passed(), "{report}");
    assert_eq!(report.redirects.followed, 4, "{report}");
    assert_eq!(b.get(|s| &s.tickets_ok), 4);
    assert_eq!(report.bots_per_node[&a.url], 2, "{report}");
    assert_eq!(report.bots_per_node[&b.url], 4, "{report}");
    let text = report.to_string();
    let nodes = format!("  nodes         {} 4, {} 2\n", b.url, a.url);
    assert!(text.contains(&nodes), "{text}");

    let report = run_at(&a, 2, LobbyMode::Code(CODE.into()), None).await;
    assert!(report.passed(), "{report}");
    assert_eq!(report.redirects.followed, 2, "{report}");
}

#[tokio::test]
async fn a_chaos_resume_after_a_redirect_goes_to_the_new_node() {
    let (a, b) = fleet(Script::Play).await;
    let report = run(RunOptions {
        url: a.url.clone(),
        bots: 4,
        duration: Duration::from_secs(2),
        lobby: LobbyMode::QuickJoin,
        ramp: Some(Duration::from_millis(50)),
        chaos: Some(120.0),
        ..RunOptions::default()
    })
    .await
    .expect("run starts");
    assert!(report.passed(), "{report}");
    assert_eq!(report.redirects.followed, 4, "{report}");
    assert!(report.resumes_attempted >= 4, "{report}");
    assert_eq!(report.resumes_failed, 0, "{report}");
    assert_eq!(b.get(|s| &s.resumes_ok), report.resumes_attempted);
    assert_eq!(b.get(|s| &s.drops), report.resumes_attempted);
    assert_eq!(a.get(|s| &s.resumes_ok) + a.get(|s| &s.resumes_rejected), 0);
    assert_eq!(a.get(|s| &s.drops), 0);
    assert_eq!(b.get(|s| &s.acks_bad), 0, "{report}");
}

#[tokio::test]
async fn a_rejected_ticket_fails_the_redirect_with_its_reason() {
    let (a, b) = fleet(Script::RejectTickets).await;
    let report = run_at(&a, 3, LobbyMode::QuickJoin, None).await;
    assert_eq!(
        failures(&report),
        [("redirect:ticket_rejected", 3)],
        "{report}"
    );
    let r = &report.redirects;
    assert_eq!((r.followed, r.failed), (0, 3), "{report}");
    assert_eq!(r.failures["redirect:ticket_rejected"], 3, "{report}");
    assert_eq!(b.get(|s| &s.tickets_rejected), 3);
    assert_eq!(report.bots_joined, 0, "{report}");
    assert!(!report.passed());
    let words = &report.failures_explained["redirect:ticket_rejected"];
    assert!(words.cause.contains("TicketRejected"), "{words}");
    assert!(words.remedy.contains("--fleet-secret"), "{words}");
    let text = report.to_string();
    assert!(
        text.contains("  redirects     0 followed, 3 failed (redirect:ticket_rejected 3)\n"),
        "{text}"
    );
    // They failed on B: their last connection.
    assert_eq!(report.bots_per_node[&b.url], 3, "{report}");
}

#[tokio::test]
async fn a_redirect_to_another_machine_is_refused_without_allow_remote() {
    // TEST-NET-1: never connected to, only refused.
    let remote = "ws://192.0.2.1:7000/ws".to_owned();
    let a = fake_server::start_routed(Script::Play, Route::To(remote)).await;
    let report = run_at(&a, 3, LobbyMode::QuickJoin, None).await;
    assert_eq!(failures(&report), [("redirect:remote_host", 3)], "{report}");
    assert_eq!(report.redirects.failed, 3, "{report}");
    assert_eq!(report.bots_per_node[&a.url], 3, "{report}");
    let words = &report.failures_explained["redirect:remote_host"];
    assert!(words.cause.contains("not on this machine"), "{words}");
    assert!(words.remedy.contains("--allow-remote"), "{words}");
    assert!(!report.passed());
}

#[tokio::test]
async fn nodes_bouncing_a_bot_are_cut_off() {
    let a = fake_server::start_routed(Script::Play, Route::Loop).await;
    let report = run_at(&a, 2, LobbyMode::QuickJoin, None).await;
    assert_eq!(failures(&report), [("redirect:too_many", 2)], "{report}");
    let r = &report.redirects;
    let max = u64::from(MAX_REDIRECTS);
    assert_eq!((r.followed, r.failed), (2 * max, 2), "{report}");
    assert_eq!(a.get(|s| &s.redirects_sent), 2 * (max + 1));
    assert_eq!(r.latency_ms.samples, 0, "{report}");
}
