//! rallypoint-server as an Agones GameServer (feature `agones`), driven by
//! real WebSocket players and checked against a stand-in SDK server that
//! records every call (`tests/agones/stub`, generated from the SDK's own
//! `.proto` files):
//! - the order of a node's life: `Ready` once it listens (only the SDK's
//!   handshake and the counters' capacities before it), health pings on
//!   the timer, the `players` and `lobbies` counters and a lobby's label
//!   as players come, the allocation seen from `WatchGameServer`, and
//!   `Shutdown` only after the drain, and last;
//! - a lobby whose tick stalls stops the health pings, while the same
//!   Agones task goes on reporting, and they resume once it ticks again.
//!
//! Real time (a gRPC server and a tick loop on tokio's paused clock would
//! not be the real thing): about 15 s, both tests at once.

#![cfg(feature = "agones")]

#[path = "agones/node.rs"]
mod node;
#[path = "agones/stall.rs"]
mod stall;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use node::{Node, Player, WAIT};
use rallypoint_agones_stub::{Call, LABEL_PREFIX, Record, Stub};
use rallypoint_four::{Four, FourConfig};
use rallypoint_server::agones::ticks::TICK_STALL_BOUND;
use rallypoint_server::agones::{HEALTH_PERIOD, metrics::metrics};
use rallypoint_server::lobby::{Games, host};
use stall::{Release, Stall};

/// Long enough for two health periods, with a second to spare.
const TWO_PINGS: Duration = Duration::from_secs(2 * HEALTH_PERIOD.as_secs() + 1);

fn first(log: &[Record], pick: impl Fn(&Call) -> bool) -> Option<usize> {
    log.iter().position(|r| pick(&r.call))
}

fn mark(log: &[Record], what: &str) -> usize {
    first(log, |c| *c == Call::Mark(what.into())).expect("the mark is in the log")
}

/// Health pings after the mark `what`.
fn pings_since(log: &[Record], what: &str) -> usize {
    log[mark(log, what)..]
        .iter()
        .filter(|r| r.call == Call::Health)
        .count()
}

fn counter_set(name: &str, count: i64) -> impl Fn(&Call) -> bool {
    move |c| matches!(c, Call::UpdateCounter { name: n, count: Some(v), .. } if n == name && *v == count)
}

/// Nothing but health pings still on their way follows `Shutdown`.
fn assert_shutdown_last(log: &[Record]) {
    let shutdown = first(log, |c| *c == Call::Shutdown).expect("Shutdown");
    let after: Vec<&Call> = log[shutdown + 1..]
        .iter()
        .map(|r| &r.call)
        .filter(|c| **c != Call::Health)
        .collect();
    assert!(after.is_empty(), "calls after Shutdown: {after:?}");
}

async fn wait_ready(stub: &Stub) -> usize {
    stub.wait_for(WAIT, |log| first(log, |c| *c == Call::Ready))
        .await
        .expect("the node said Ready")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_node_is_ready_healthy_counted_allocated_and_shut_down_in_order() {
    let stub = Stub::start(&[("players", 1000), ("lobbies", 1000)]).await;
    let games = Games::new(vec![host::<Stall>(Arc::new(AtomicBool::new(false)))]).unwrap();
    let mut node = Node::start(&stub, games, 1).await;

    // Ready once the node listens; before it, only the SDK's handshake
    // and the counters' capacities (from max_connections, max_lobbies).
    let ready = wait_ready(&stub).await;
    assert_eq!(node.get("/healthz").await, "HTTP/1.1 200 OK");
    let log = stub.calls();
    let before: Vec<&Call> = log[..ready].iter().map(|r| &r.call).collect();
    assert!(
        before.iter().all(|c| matches!(
            c,
            Call::GetGameServer
                | Call::UpdateCounter {
                    count: None,
                    capacity: Some(_),
                    diff: 0,
                    ..
                }
        )),
        "before Ready: {before:?}"
    );
    assert!(before.contains(&&Call::GetGameServer), "{before:?}");
    assert_eq!(stub.counter("players"), Some((0, 64)));
    assert_eq!(stub.counter("lobbies"), Some((0, 8)));

    // Health pings on the timer.
    stub.mark("ready seen");
    let pings = stub
        .wait_for(TWO_PINGS, |log| {
            (pings_since(log, "ready seen") >= 2).then_some(())
        })
        .await;
    assert!(pings.is_some(), "two health pings within {TWO_PINGS:?}");

    // A player creates a lobby: the counters and the lobby's label follow.
    let mut player = Player::create(&node, "stall").await;
    let key = format!("lobby-{}", player.lobby.0);
    let reported = stub
        .wait_for(WAIT, |log| {
            let players = first(log, counter_set("players", 1))?;
            let lobbies = first(log, counter_set("lobbies", 1))?;
            let label = first(log, |c| {
                *c == Call::SetLabel {
                    key: key.clone(),
                    value: "stall".into(),
                }
            })?;
            Some((players, lobbies, label))
        })
        .await;
    assert!(reported.is_some(), "counters and label: {:?}", stub.calls());
    assert_eq!(stub.counter("players"), Some((1, 64)));
    assert_eq!(
        stub.labels()
            .get(&format!("{LABEL_PREFIX}{key}"))
            .map(String::as_str),
        Some("stall")
    );

    // Agones allocates the GameServer: the node learns it from its watch.
    assert_eq!(metrics().allocated.get(), 0);
    stub.set_state("Allocated");
    let deadline = tokio::time::Instant::now() + WAIT;
    while metrics().allocated.get() != 1 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "allocation not seen"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(stub.calls().iter().any(|r| r.call == Call::WatchGameServer));

    // SIGTERM with the player still seated: the drain runs its full
    // second, the player is closed with 1001, and only then Shutdown.
    stub.mark("sigterm");
    node.stop();
    assert_eq!(player.closed(WAIT).await, Some(1001));
    tokio::time::timeout(WAIT, &mut node.task)
        .await
        .expect("the node stopped in time")
        .unwrap()
        .unwrap();
    let log = stub.calls();
    let term = mark(&log, "sigterm");
    let shutdowns: Vec<usize> = (0..log.len())
        .filter(|&i| log[i].call == Call::Shutdown)
        .collect();
    assert_eq!(shutdowns.len(), 1, "one Shutdown: {log:?}");
    let shutdown = shutdowns[0];
    assert!(shutdown > term);
    let drained = log[shutdown].at - log[term].at;
    assert!(
        drained >= Duration::from_secs(1),
        "Shutdown {drained:?} after SIGTERM, before the 1 s drain ended"
    );
    assert_shutdown_last(&log);
    assert_eq!(stub.state(), "Shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stalled_tick_stops_the_health_pings_until_it_ticks_again() {
    let stub = Stub::start(&[("players", 1000), ("lobbies", 1000)]).await;
    let switch = Arc::new(AtomicBool::new(false));
    let _release = Release(switch.clone());
    let games = Games::new(vec![
        host::<Stall>(switch.clone()),
        host::<Four>(FourConfig::default()),
    ])
    .unwrap();
    let mut node = Node::start(&stub, games, 1).await;
    wait_ready(&stub).await;

    // While the lobby ticks, pings come.
    let _stalling = Player::create(&node, "stall").await;
    stub.mark("lobby open");
    let pings = stub
        .wait_for(TWO_PINGS, |log| {
            (pings_since(log, "lobby open") >= 2).then_some(())
        })
        .await;
    assert!(pings.is_some(), "pings while the lobby ticks");

    // Its tick stalls. A ping may still go out within the stall bound;
    // after it, none.
    switch.store(true, Ordering::Release);
    tokio::time::sleep(TICK_STALL_BOUND + Duration::from_secs(1)).await;
    stub.mark("stalled");

    // Meanwhile the node serves, and the same Agones task reports: a new
    // lobby (of another game) is counted.
    assert_eq!(node.get("/healthz").await, "HTTP/1.1 200 OK");
    let _other = Player::create(&node, "four").await;
    let counted = stub
        .wait_for(WAIT, |log| {
            first(&log[mark(log, "stalled")..], counter_set("lobbies", 2))
        })
        .await;
    assert!(
        counted.is_some(),
        "lobbies counted while stalled: {:?}",
        stub.calls()
    );
    tokio::time::sleep(TWO_PINGS).await;
    let log = stub.calls();
    assert_eq!(
        pings_since(&log, "stalled"),
        0,
        "pings while a lobby is stalled: {:?}",
        &log[mark(&log, "stalled")..]
    );
    assert!(metrics().health_withheld.get() >= 2);

    // It ticks again: the pings resume.
    switch.store(false, Ordering::Release);
    stub.mark("released");
    let resumed = stub
        .wait_for(TWO_PINGS, |log| {
            (pings_since(log, "released") >= 1).then_some(())
        })
        .await;
    assert!(resumed.is_some(), "pings once the lobby ticks again");

    node.stop();
    tokio::time::timeout(WAIT, &mut node.task)
        .await
        .expect("the node stopped in time")
        .unwrap()
        .unwrap();
    assert_shutdown_last(&stub.calls());
}
