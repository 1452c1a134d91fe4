use std::time::Duration;

use tokio::time::{Instant, advance};

use super::*;

const MS: Duration = Duration::from_millis(1);

fn opts(latency: u64, jitter: u64, stall: Option<(u64, u64)>) -> LinkOptions {
    LinkOptions {
        latency: MS * latency as u32,
        jitter: MS * jitter as u32,
        stall: stall.map(|(every, length)| Stall {
            every: Duration::from_secs(every),
            length: MS * length as u32,
        }),
    }
}

#[tokio::test(start_paused = true)]
async fn delays_stay_within_latency_plus_minus_jitter() {
    let epoch = Instant::now();
    let mut delays = Delays::new(opts(100, 20, None), 7, 3, Direction::Up, epoch);
    let (mut lo, mut hi) = (Duration::MAX, Duration::ZERO);
    for _ in 0..2000 {
        // Far enough apart that the no-overtaking rule never applies.
        advance(MS * 50).await;
        let now = Instant::now();
        let delay = delays.due(now) - now;
        lo = lo.min(delay);
        hi = hi.max(delay);
    }
    assert!(lo >= MS * 80 && hi <= MS * 120, "{lo:?}..{hi:?}");
    // The jitter is really used, both ways.
    assert!(lo < MS * 85 && hi > MS * 115, "{lo:?}..{hi:?}");
}

#[tokio::test(start_paused = true)]
async fn messages_never_overtake_earlier_ones() {
    let epoch = Instant::now();
    let mut delays = Delays::new(opts(50, 50, None), 1, 0, Direction::Down, epoch);
    let mut last = epoch;
    for _ in 0..5000 {
        advance(MS).await;
        let due = delays.due(Instant::now());
        assert!(due >= last, "reordered");
        assert!(due >= Instant::now());
        last = due;
    }
}

#[tokio::test(start_paused = true)]
async fn stalls_hold_traffic_until_they_end() {
    let epoch = Instant::now();
    let link = opts(10, 0, Some((2, 300)));
    let mut up = Delays::new(link, 1, 0, Direction::Up, epoch);
    let mut down = Delays::new(link, 1, 0, Direction::Down, epoch);
    // Before the first stall (none at the epoch itself): plain latency.
    advance(MS * 500).await;
    assert_eq!(up.due(Instant::now()), Instant::now() + MS * 10);
    // Due 2.05 s and 2.2 s, inside the stall [2 s, 2.3 s): both ways held
    // to its end, in order.
    advance(MS * 1540).await;
    let stall_end = epoch + Duration::from_millis(2300);
    assert_eq!(up.due(Instant::now()), stall_end);
    assert_eq!(down.due(Instant::now()), stall_end);
    advance(MS * 150).await;
    assert_eq!(up.due(Instant::now()), stall_end);
    // After it, traffic flows again; the next stall is at 4 s.
    advance(MS * 200).await;
    assert_eq!(down.due(Instant::now()), Instant::now() + MS * 10);
    advance(MS * 1800).await;
    assert_eq!(up.due(Instant::now()), epoch + Duration::from_millis(4300));
}

#[tokio::test(start_paused = true)]
async fn each_bot_and_direction_gets_its_own_seeded_jitter() {
    let epoch = Instant::now();
    let link = opts(100, 50, None);
    let sample = |bot, dir| {
        let mut d = Delays::new(link, 9, bot, dir, epoch);
        (0..8).map(|_| d.due(epoch) - epoch).collect::<Vec<_>>()
    };
    assert_eq!(sample(1, Direction::Up), sample(1, Direction::Up));
    assert_ne!(sample(1, Direction::Up), sample(1, Direction::Down));
    assert_ne!(sample(1, Direction::Up), sample(2, Direction::Up));
}

#[test]
fn validation_keeps_the_server_ping_answerable() {
    assert!(LinkOptions::default().validate().is_ok());
    assert!(!LinkOptions::default().is_on());
    assert!(opts(100, 20, Some((10, 1000))).validate().is_ok());
    assert!(matches!(
        opts(1001, 0, None).validate(),
        Err(LinkError::Latency(_))
    ));
    assert!(matches!(
        opts(10, 20, None).validate(),
        Err(LinkError::Jitter { .. })
    ));
    assert!(matches!(
        opts(0, 0, Some((20, 5000))).validate(),
        Err(LinkError::StallLength(_))
    ));
    assert!(matches!(
        opts(0, 0, Some((1, 800))).validate(),
        Err(LinkError::StallEvery(_))
    ));
    // 2 × (1000 + 500) + 4000 ms = 7 s: past the 6 s budget.
    assert!(matches!(
        opts(1000, 500, Some((10, 4000))).validate(),
        Err(LinkError::Liveness(_))
    ));
    assert_eq!(opts(100, 20, Some((10, 1000))).round_trip_hold(), MS * 1240);
}
